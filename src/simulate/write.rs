//! Writing a [`Simulation`] to disk: CSVs through polars' `CsvWriter`, plus a JSON manifest.

use std::fs::File;
use std::path::{Path, PathBuf};

use polars::prelude::{Column, CsvWriter, DataFrame, PolarsError, SerWriter};
use serde::Serialize;

use super::{
    RaterKind, SimulateError, Simulation, SimulationConfig, SimulationCounts, ITEMS, N_ITEMS,
};

/// The paths [`Simulation::write`] wrote.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SimulationFiles {
    /// `ratings.csv`: one row per (comment, rater), MHS column names.
    pub ratings: PathBuf,
    /// `truth_comments.csv`: `comment_id, measure, is_reference, platform, n_raters` (and
    /// `second_measure` when the simulation has a second trait).
    pub truth_comments: PathBuf,
    /// `truth_raters.csv`: `annotator_id, severity, kind, straight_line, reversed_item,
    /// careless_from, n_ratings`.
    pub truth_raters: PathBuf,
    /// `truth_items.csv`: `item, difficulty, n_categories`.
    pub truth_items: PathBuf,
    /// `truth_thresholds.csv`: `item, category, threshold` (categories 1..m).
    pub truth_thresholds: PathBuf,
    /// `simulation.json`: configuration, counts and crate version.
    pub manifest: PathBuf,
}

impl SimulationFiles {
    /// Every path, in the order written.
    pub fn all(&self) -> [&Path; 6] {
        [
            &self.ratings,
            &self.truth_comments,
            &self.truth_raters,
            &self.truth_items,
            &self.truth_thresholds,
            &self.manifest,
        ]
    }
}

#[derive(Serialize)]
struct Manifest<'a> {
    generator: &'static str,
    version: &'static str,
    config: &'a SimulationConfig,
    counts: SimulationCounts,
    items: Vec<&'static str>,
    files: [&'static str; 5],
}

const RATINGS: &str = "ratings.csv";
const TRUTH_COMMENTS: &str = "truth_comments.csv";
const TRUTH_RATERS: &str = "truth_raters.csv";
const TRUTH_ITEMS: &str = "truth_items.csv";
const TRUTH_THRESHOLDS: &str = "truth_thresholds.csv";
const MANIFEST: &str = "simulation.json";

impl Simulation {
    /// Writes the data set and its truth into `out_dir` (created if missing), overwriting files
    /// of the same names.
    pub fn write(&self, out_dir: &Path) -> Result<SimulationFiles, SimulateError> {
        std::fs::create_dir_all(out_dir).map_err(|source| SimulateError::Io {
            path: out_dir.to_path_buf(),
            source,
        })?;
        let files = SimulationFiles {
            ratings: out_dir.join(RATINGS),
            truth_comments: out_dir.join(TRUTH_COMMENTS),
            truth_raters: out_dir.join(TRUTH_RATERS),
            truth_items: out_dir.join(TRUTH_ITEMS),
            truth_thresholds: out_dir.join(TRUTH_THRESHOLDS),
            manifest: out_dir.join(MANIFEST),
        };
        write_csv(&files.ratings, self.ratings_frame())?;
        write_csv(&files.truth_comments, self.comments_frame())?;
        write_csv(&files.truth_raters, self.raters_frame())?;
        write_csv(&files.truth_items, items_frame())?;
        write_csv(&files.truth_thresholds, thresholds_frame(&self.config))?;

        let manifest = Manifest {
            generator: "scalewright simulate",
            version: crate::VERSION,
            config: &self.config,
            counts: self.counts(),
            items: ITEMS.iter().map(|i| i.name).collect(),
            files: [
                RATINGS,
                TRUTH_COMMENTS,
                TRUTH_RATERS,
                TRUTH_ITEMS,
                TRUTH_THRESHOLDS,
            ],
        };
        let mut json =
            serde_json::to_string_pretty(&manifest).map_err(|source| SimulateError::Json {
                path: files.manifest.clone(),
                source,
            })?;
        json.push('\n');
        std::fs::write(&files.manifest, json).map_err(|source| SimulateError::Io {
            path: files.manifest.clone(),
            source,
        })?;
        Ok(files)
    }

    fn ratings_frame(&self) -> Result<DataFrame, PolarsError> {
        let rows = &self.ratings;
        let comment = |r: &super::Rating| &self.comments[r.comment as usize];
        let rater = |r: &super::Rating| &self.raters[r.rater as usize];
        let mut columns = vec![
            Column::new(
                "comment_id".into(),
                rows.iter().map(|r| comment(r).id).collect::<Vec<i64>>(),
            ),
            Column::new(
                "annotator_id".into(),
                rows.iter().map(|r| rater(r).id).collect::<Vec<i64>>(),
            ),
            Column::new(
                "platform".into(),
                rows.iter()
                    .map(|r| i32::from(comment(r).platform))
                    .collect::<Vec<i32>>(),
            ),
        ];
        for (i, item) in ITEMS.iter().enumerate().take(N_ITEMS) {
            columns.push(Column::new(
                item.name.into(),
                rows.iter()
                    .map(|r| i32::from(r.scores[i]))
                    .collect::<Vec<i32>>(),
            ));
        }
        columns.extend([
            Column::new(
                "text".into(),
                rows.iter()
                    .map(|r| comment(r).text.as_str())
                    .collect::<Vec<&str>>(),
            ),
            Column::new(
                "target_race_black".into(),
                rows.iter()
                    .map(|r| comment(r).target_race_black)
                    .collect::<Vec<bool>>(),
            ),
            Column::new(
                "target_gender_women".into(),
                rows.iter()
                    .map(|r| comment(r).target_gender_women)
                    .collect::<Vec<bool>>(),
            ),
            Column::new(
                "annotator_gender".into(),
                rows.iter().map(|r| rater(r).gender).collect::<Vec<&str>>(),
            ),
            Column::new(
                "annotator_age".into(),
                rows.iter()
                    .map(|r| rater(r).age as i32)
                    .collect::<Vec<i32>>(),
            ),
        ]);
        DataFrame::new(rows.len(), columns)
    }

    fn comments_frame(&self) -> Result<DataFrame, PolarsError> {
        let c = &self.comments;
        DataFrame::new(
            c.len(),
            vec![
                Column::new(
                    "comment_id".into(),
                    c.iter().map(|c| c.id).collect::<Vec<_>>(),
                ),
                Column::new(
                    "measure".into(),
                    c.iter().map(|c| c.measure).collect::<Vec<_>>(),
                ),
                Column::new(
                    "is_reference".into(),
                    c.iter().map(|c| c.is_reference).collect::<Vec<_>>(),
                ),
                Column::new(
                    "platform".into(),
                    c.iter().map(|c| i32::from(c.platform)).collect::<Vec<_>>(),
                ),
                Column::new(
                    "n_raters".into(),
                    c.iter().map(|c| c.n_raters as i64).collect::<Vec<_>>(),
                ),
            ],
        )
        .and_then(|mut frame| {
            // The second trait's truth, only when the simulation has one.
            if self.config.second_dimension.is_some() {
                frame.with_column(Column::new(
                    "second_measure".into(),
                    c.iter().map(|c| c.second_measure).collect::<Vec<_>>(),
                ))?;
            }
            Ok(frame)
        })
    }

    fn raters_frame(&self) -> Result<DataFrame, PolarsError> {
        let r = &self.raters;
        DataFrame::new(
            r.len(),
            vec![
                Column::new(
                    "annotator_id".into(),
                    r.iter().map(|r| r.id).collect::<Vec<_>>(),
                ),
                Column::new(
                    "severity".into(),
                    r.iter().map(|r| r.severity).collect::<Vec<_>>(),
                ),
                Column::new(
                    "kind".into(),
                    r.iter().map(|r| r.kind.as_str()).collect::<Vec<_>>(),
                ),
                Column::new(
                    "straight_line".into(),
                    r.iter()
                        .map(|r| match r.kind {
                            RaterKind::StraightLiner(line) => Some(line.as_str()),
                            _ => None,
                        })
                        .collect::<Vec<_>>(),
                ),
                Column::new(
                    "reversed_item".into(),
                    r.iter()
                        .map(|r| match r.kind {
                            RaterKind::ReversedItem(item) => Some(ITEMS[usize::from(item)].name),
                            _ => None,
                        })
                        .collect::<Vec<_>>(),
                ),
                Column::new(
                    "careless_from".into(),
                    r.iter()
                        .map(|r| r.careless_from.map(|k| k as i64))
                        .collect::<Vec<_>>(),
                ),
                Column::new(
                    "n_ratings".into(),
                    r.iter().map(|r| r.n_ratings as i64).collect::<Vec<_>>(),
                ),
            ],
        )
    }
}

fn items_frame() -> Result<DataFrame, PolarsError> {
    DataFrame::new(
        N_ITEMS,
        vec![
            Column::new(
                "item".into(),
                ITEMS.iter().map(|i| i.name).collect::<Vec<_>>(),
            ),
            Column::new(
                "difficulty".into(),
                ITEMS.iter().map(|i| i.difficulty).collect::<Vec<_>>(),
            ),
            Column::new(
                "n_categories".into(),
                ITEMS
                    .iter()
                    .map(|i| i.n_categories() as i64)
                    .collect::<Vec<_>>(),
            ),
        ],
    )
}

fn thresholds_frame(config: &SimulationConfig) -> Result<DataFrame, PolarsError> {
    let mut item = Vec::new();
    let mut category = Vec::new();
    let mut threshold = Vec::new();
    for (i, spec) in ITEMS.iter().enumerate() {
        for (k, &tau) in config.item_thresholds(i).iter().enumerate() {
            item.push(spec.name);
            category.push(k as i64 + 1);
            threshold.push(tau);
        }
    }
    DataFrame::new(
        item.len(),
        vec![
            Column::new("item".into(), item),
            Column::new("category".into(), category),
            Column::new("threshold".into(), threshold),
        ],
    )
}

fn write_csv(path: &Path, frame: Result<DataFrame, PolarsError>) -> Result<(), SimulateError> {
    let polars_error = |source| SimulateError::Polars {
        path: path.to_path_buf(),
        source,
    };
    let mut frame = frame.map_err(polars_error)?;
    let file = File::create(path).map_err(|source| SimulateError::Io {
        path: path.to_path_buf(),
        source,
    })?;
    // One writer thread: the output is the same either way, and the files stay byte-identical
    // across machines with different core counts.
    CsvWriter::new(file)
        .n_threads(1)
        .finish(&mut frame)
        .map_err(polars_error)
}
