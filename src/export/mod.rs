//! Exports of the interval-scale targets: per object (the measures with their standard errors),
//! per rater, per item; CSV and Parquet written by polars, JSON by serde_json (one header object
//! with the provenance and the rows).
//!
//! Every file records where it came from (run id, description sha256, data sha256, version):
//! Parquet key-value metadata `scalewright.provenance`, a `provenance` object in JSON, a
//! `<file>.json` sidecar for CSV; the project's `exports` table records the same. Files are
//! written to a temporary name and renamed, so a killed export never leaves a partial file.

pub mod facets;
pub mod winsteps;

use crate::measure::table7::{reported_measure, Table7Kind, TABLE7_COLUMNS};
use crate::measure::{FacetMeasures, Fit};
use crate::options::OptionError;
use crate::quality::Flag;
use crate::store::{now_rfc3339, DecisionRecord, Project, StoreError};
pub use crate::whole_file::write_whole;
use crate::whole_file::{remove_stale_partials, write_whole_with};
use polars::prelude::*;
use serde::Serialize;
use std::collections::HashMap;
use std::path::{Path, PathBuf};

/// What to export.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum ExportKind {
    /// Per object: the measure (the debiased target), S.E., fit, count, status, fair average.
    Objects,
    /// Per rater: severity, S.E., fit, flags, decision.
    Raters,
    /// Per item: difficulty, S.E., fit, thresholds.
    Items,
    /// The original rows with the object and rater estimates joined on.
    Joined,
    /// The project as a Facets specification with its data inline ([`facets`]).
    Facets,
    /// The project as a Winsteps control and data file ([`winsteps`]).
    Winsteps,
}

impl ExportKind {
    /// Whether this is a file for another program (a Facets specification, a Winsteps
    /// control file) rather than a table of a run's measures.
    pub fn is_interchange(self) -> bool {
        matches!(self, ExportKind::Facets | ExportKind::Winsteps)
    }
}

/// The file format, from the extension (`.csv`, `.parquet`, `.json`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum ExportFormat {
    /// CSV (`.csv`), with a `<file>.json` provenance sidecar.
    Csv,
    /// Parquet (`.parquet` or `.pq`), provenance in the key-value metadata.
    Parquet,
    /// JSON (`.json`): one object with the provenance and the rows.
    Json,
    /// A text file for another program: a Facets specification or a Winsteps control file
    /// ([`ExportKind::Facets`], [`ExportKind::Winsteps`]; any extension).
    Text,
}

impl ExportFormat {
    /// The format named by the file's extension (any case); `None` for an unknown one.
    pub fn from_path(path: &Path) -> Option<ExportFormat> {
        match path.extension()?.to_str()?.to_ascii_lowercase().as_str() {
            "csv" => Some(ExportFormat::Csv),
            "parquet" | "pq" => Some(ExportFormat::Parquet),
            "json" => Some(ExportFormat::Json),
            _ => None,
        }
    }
}

/// The names front ends use for [`ExportKind`].
pub const EXPORT_KIND_NAMES: [(&str, ExportKind); 6] = [
    ("objects", ExportKind::Objects),
    ("raters", ExportKind::Raters),
    ("items", ExportKind::Items),
    ("joined", ExportKind::Joined),
    ("facets", ExportKind::Facets),
    ("winsteps", ExportKind::Winsteps),
];

impl std::str::FromStr for ExportKind {
    type Err = OptionError;
    fn from_str(text: &str) -> Result<Self, Self::Err> {
        crate::options::parse_choice("export target", text, &EXPORT_KIND_NAMES)
    }
}

impl std::fmt::Display for ExportKind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.pad(crate::options::choice_name(*self, &EXPORT_KIND_NAMES))
    }
}

/// A linear change of units: `a + b * measure` (S.E. times |b|), e.g. to a 0-100 scale.
/// Built through [`Rescale::new`] or parsed from `INTERCEPT,SLOPE`, which refuse a zero or
/// non-finite slope (a zero slope would map every measure to one value).
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Rescale {
    /// The value a measure of 0 logits maps to.
    pub intercept: f64,
    /// Units per logit (finite, non-zero; may be negative).
    pub slope: f64,
}

/// What `rescale` takes, in every front end's message.
const RESCALE_EXPECTED: &str =
    "expected INTERCEPT,SLOPE with finite numbers and a non-zero slope, e.g. 50,10";

impl Rescale {
    /// `intercept + slope * measure`; the slope must be finite and non-zero.
    pub fn new(intercept: f64, slope: f64) -> Result<Rescale, OptionError> {
        if intercept.is_finite() && slope.is_finite() && slope != 0.0 {
            Ok(Rescale { intercept, slope })
        } else {
            Err(OptionError::new(
                "rescale",
                format!("{intercept},{slope}"),
                RESCALE_EXPECTED,
            ))
        }
    }
}

impl std::str::FromStr for Rescale {
    type Err = OptionError;
    fn from_str(text: &str) -> Result<Self, Self::Err> {
        let parts: Vec<Option<f64>> = text.split(',').map(|p| p.trim().parse().ok()).collect();
        match parts[..] {
            [Some(intercept), Some(slope)] => {
                Rescale::new(intercept, slope).map_err(|e| OptionError {
                    value: text.trim().to_string(),
                    ..e
                })
            }
            _ => Err(OptionError::new("rescale", text.trim(), RESCALE_EXPECTED)),
        }
    }
}

/// A pipeline file gives `rescale = [50, 10]` or `rescale = "50,10"`.
impl<'de> serde::Deserialize<'de> for Rescale {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        #[derive(serde::Deserialize)]
        #[serde(untagged)]
        enum Given {
            Pair([f64; 2]),
            Text(String),
        }
        use serde::de::Error;
        match Given::deserialize(deserializer)? {
            Given::Pair([a, b]) => Rescale::new(a, b),
            Given::Text(text) => text.parse(),
        }
        .map_err(D::Error::custom)
    }
}

/// The MHS release's names for the object and rater estimates.
pub const MHS_OBJECT_COLUMNS: [(&str, &str); 4] = [
    ("measure", "hate_speech_score"),
    ("model_se", "std_err"),
    ("infit", "infitms"),
    ("outfit", "outfitms"),
];
/// The MHS release's names for the rater estimates in a rater export.
pub const MHS_RATER_COLUMNS: [(&str, &str); 3] = [
    ("measure", "annotator_severity"),
    ("infit", "annotator_infitms"),
    ("outfit", "annotator_outfitms"),
];

/// What to export and how.
#[derive(Debug, Clone)]
pub struct ExportRequest {
    /// The run whose estimates are exported.
    pub run_id: i64,
    /// What to export.
    pub kind: ExportKind,
    /// The file to write; its extension gives the format.
    pub path: PathBuf,
    /// A change of units for the object measures and their S.E. (added as extra columns).
    pub rescale: Option<Rescale>,
    /// Name the columns as the MHS release does.
    pub mhs_columns: bool,
    /// For [`ExportKind::Joined`]: the original data file.
    pub join_source: Option<PathBuf>,
    /// For [`ExportKind::Objects`] of an MML run: plausible values per object (columns
    /// `pv1..pvN`, rescaled too when `rescale` is given).
    pub plausible_values: Option<PlausibleValues>,
}

/// Plausible values asked of an export: how many draws per object, and the seed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct PlausibleValues {
    /// Draws per object.
    pub draws: crate::measure::plausible::PlausibleDraws,
    /// The random seed (the same seed gives the same draws).
    pub seed: u64,
}

/// The default seed of plausible values.
pub const DEFAULT_PLAUSIBLE_SEED: u64 = 1;

/// Where an export came from.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Provenance {
    /// The run the estimates come from.
    pub run_id: i64,
    /// What was exported.
    pub what: ExportKind,
    /// SHA-256 over the dataset descriptions of the project's data sets.
    pub config_sha256: String,
    /// SHA-256 over the observations the run used.
    pub data_sha256: String,
    /// SHA-256 of each imported file.
    pub source_sha256: Vec<String>,
    /// The scalewright version that wrote the export.
    pub scalewright_version: String,
    /// When the export was written (RFC 3339 UTC).
    pub created_at: String,
    /// The change of units applied, if any.
    pub rescale: Option<Rescale>,
    /// The recode the run applied to the stored categories (per item: stored -> scored), if
    /// any.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub recode: Option<crate::data::Recode>,
    /// The plausible values drawn, if any.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub plausible_values: Option<PlausibleValues>,
    /// Facets export with `--anchors`: the anchored values written (elements, thresholds).
    #[serde(skip_serializing_if = "is_zero")]
    pub anchors: usize,
}

fn is_zero(n: &usize) -> bool {
    *n == 0
}

/// A written export.
#[derive(Debug, Clone, Serialize)]
pub struct ExportSummary {
    /// The file written.
    pub path: PathBuf,
    /// Its format.
    pub format: ExportFormat,
    /// Rows written.
    pub rows: usize,
    /// The column names, in order.
    pub columns: Vec<String>,
    /// The provenance sidecar (`<file>.json`), written for CSV only.
    pub sidecar: Option<PathBuf>,
    /// Where the export came from.
    pub provenance: Provenance,
}

/// Why an export failed.
#[derive(Debug, thiserror::Error)]
pub enum ExportError {
    /// Reading the project or recording the export failed.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// The file's extension names no export format.
    #[error("{}: unknown export format (use .csv, .parquet or .json)", .0.display())]
    Format(PathBuf),
    /// Building or writing the export file (or its sidecar) failed.
    #[error("writing {}: {message}", path.display())]
    Write {
        /// The file being written.
        path: PathBuf,
        /// What went wrong.
        message: String,
    },
    /// Plausible values were asked of an export that cannot have them.
    #[error("plausible values: {0}")]
    PlausibleValues(String),
    /// Plausible values were asked of a run that has no posterior (not fitted by MML).
    #[error("plausible values: run {run_id} was fitted by {method}; plausible values are draws from an MML posterior")]
    PlausibleValuesNeedMml {
        /// The run.
        run_id: i64,
        /// How it was fitted.
        method: crate::measure::Method,
    },
    /// A joined export was asked for without the original data file.
    #[error("a joined export needs the original data file")]
    NoJoinSource,
    /// A Facets or Winsteps file was asked of the table export (they are written by
    /// [`crate::pipeline::export_interchange`]).
    #[error("`{0}` is a file for another program, not a table of a run's measures")]
    NotATable(ExportKind),
    /// Reading the original data file or joining the estimates onto it failed.
    #[error("joining onto {}: {message}", path.display())]
    Join {
        /// The original data file.
        path: PathBuf,
        /// What went wrong.
        message: String,
    },
}

/// Facets Table 7 of one facet as a table, one row per element in element order, in Facets'
/// column order: `element, status, total_score, count, observed_average, fair_average, measure,
/// model_se, real_se, infit, infit_zstd, outfit, outfit_zstd, discrimination, ptmea, ptexp,
/// displacement` (`discrimination` is Facets' "Estim. Discrm"), the columns of
/// [`TABLE7_COLUMNS`] (`report --table 7 --format csv` and every export use it): a
/// dropped element (no usable response, e.g. an excluded rater) has no measure (null); an
/// extreme element has its Xtreme-adjusted measure and no fit statistics.
pub fn table7_frame(facet: &FacetMeasures) -> PolarsResult<DataFrame> {
    let e = &facet.elements;
    let mut columns = vec![
        Column::new(
            "element".into(),
            e.iter().map(|x| x.label.clone()).collect::<Vec<_>>(),
        ),
        Column::new(
            "status".into(),
            e.iter().map(|x| x.status.as_str()).collect::<Vec<_>>(),
        ),
    ];
    columns.extend(TABLE7_COLUMNS.iter().map(|c| {
        let name = c.name.into();
        match c.kind {
            Table7Kind::Score => {
                Column::new(name, e.iter().map(|x| x.total_score).collect::<Vec<_>>())
            }
            Table7Kind::Count => {
                Column::new(name, e.iter().map(|x| x.count as u64).collect::<Vec<_>>())
            }
            Table7Kind::Measure => {
                Column::new(name, e.iter().map(reported_measure).collect::<Vec<_>>())
            }
            Table7Kind::Statistic => Column::new(name, e.iter().map(c.value).collect::<Vec<_>>()),
        }
    }));
    DataFrame::new_infer_height(columns)
}

/// The columns of an export of one facet, from [`table7_frame`].
const EXPORT_COLUMNS: [&str; 13] = [
    "element",
    "measure",
    "model_se",
    "real_se",
    "infit",
    "infit_zstd",
    "outfit",
    "outfit_zstd",
    "count",
    "status",
    "observed_average",
    "fair_average",
    "discrimination",
];

/// One facet's export table: Table 7's values ([`table7_frame`]) with the element column named
/// after the facet, and the rescaled measure and S.E. when asked.
fn facet_frame(fit: &Fit, facet: usize, rescale: Option<Rescale>) -> PolarsResult<DataFrame> {
    let f = &fit.facets[facet];
    let mut df = table7_frame(f)?.select(EXPORT_COLUMNS)?;
    if let Some(r) = rescale {
        let measure = df.column("measure")?.f64()?.clone();
        let se = df.column("model_se")?.f64()?.clone();
        let rescaled: Vec<Option<f64>> = measure
            .iter()
            .map(|m| m.map(|m| r.intercept + r.slope * m))
            .collect();
        let se_rescaled: Vec<Option<f64>> =
            se.iter().map(|s| s.map(|s| s * r.slope.abs())).collect();
        df.with_column(Column::new("measure_rescaled".into(), rescaled))?;
        df.with_column(Column::new("se_rescaled".into(), se_rescaled))?;
    }
    df.rename("element", f.name.as_str().into())?;
    Ok(df)
}

fn rename_all(df: &mut DataFrame, pairs: &[(&str, &str)]) -> PolarsResult<()> {
    for (from, to) in pairs {
        df.rename(from, (*to).into())?;
    }
    Ok(())
}

/// The plausible-value columns of an objects export (`pv1..pvN`, and `pvK_rescaled`).
fn plausible_columns(
    project: &Project,
    fit: &Fit,
    request: &ExportRequest,
    pv: PlausibleValues,
) -> Result<Vec<Column>, ExportError> {
    if fit.mml.is_none() {
        return Err(ExportError::PlausibleValuesNeedMml {
            run_id: request.run_id,
            method: fit.options.method,
        });
    }
    let data = project.ratings_for_run(request.run_id)?;
    if crate::provenance::data_fingerprint(&data) != project.run_fingerprint(request.run_id)? {
        return Err(ExportError::PlausibleValues(format!(
            "run {} was fitted on other observations than those in force now; fit again first",
            request.run_id
        )));
    }
    let draws = crate::measure::plausible::plausible_values(fit, &data, pv.draws, pv.seed)
        .map_err(|e| ExportError::PlausibleValues(e.to_string()))?;
    let mut columns = Vec::new();
    for d in 0..pv.draws.get() {
        let values: Vec<f64> = draws.iter().map(|v| v[d]).collect();
        if let Some(r) = request.rescale {
            let rescaled: Vec<f64> = values.iter().map(|m| r.intercept + r.slope * m).collect();
            columns.push(Column::new(format!("pv{}", d + 1).into(), values));
            columns.push(Column::new(
                format!("pv{}_rescaled", d + 1).into(),
                rescaled,
            ));
        } else {
            columns.push(Column::new(format!("pv{}", d + 1).into(), values));
        }
    }
    Ok(columns)
}

/// A polars failure while building the table of the export to `path`.
fn write_err(path: &Path) -> impl Fn(PolarsError) -> ExportError + '_ {
    move |e: PolarsError| ExportError::Write {
        path: path.to_path_buf(),
        message: e.to_string(),
    }
}

/// Builds the export's table.
fn build(project: &Project, fit: &Fit, request: &ExportRequest) -> Result<DataFrame, ExportError> {
    let data = project.ratings()?;
    let object = data.object_facet;
    let rater = data.rater_facets().next();
    match request.kind {
        ExportKind::Objects => objects_frame(project, fit, request, object),
        ExportKind::Raters => match rater {
            Some(rater) => raters_frame(project, fit, request, &data.facets[rater].name, rater),
            None => Ok(DataFrame::empty()),
        },
        ExportKind::Items => items_frame(fit, request, data.item_facet),
        ExportKind::Facets | ExportKind::Winsteps => Err(ExportError::NotATable(request.kind)),
        ExportKind::Joined => joined_frame(fit, request, object, rater),
    }
}

/// The objects export: the objects' Table 7 values (rescaled when asked, MHS names when asked)
/// and their plausible values when asked.
fn objects_frame(
    project: &Project,
    fit: &Fit,
    request: &ExportRequest,
    object: usize,
) -> Result<DataFrame, ExportError> {
    let write_err = write_err(&request.path);
    let mut df = facet_frame(fit, object, request.rescale).map_err(&write_err)?;
    if request.mhs_columns {
        rename_all(&mut df, &MHS_OBJECT_COLUMNS).map_err(&write_err)?;
    }
    if let Some(pv) = request.plausible_values {
        for column in plausible_columns(project, fit, request, pv)? {
            df.with_column(column).map_err(&write_err)?;
        }
    }
    Ok(df)
}

/// The diagnosis columns of the raters export: per rater its types in words (`;`-separated,
/// most significant first), and the statistic, `z`, `p` and `q` of its most significant finding
/// (empty for raters without a diagnosis flag).
fn quality_columns(raters: &[crate::measure::ElementStatistics], flags: &[Flag]) -> Vec<Column> {
    // The export lists the raters of one facet by element index.
    let findings: HashMap<u32, Vec<&Flag>> = crate::quality::diagnosis_findings(flags)
        .into_iter()
        .map(|((_, element), list)| (element, list))
        .collect();
    let best = |e: usize| findings.get(&(e as u32)).and_then(|l| l.first().copied());
    let number = |key: &str| -> Vec<Option<f64>> {
        (0..raters.len())
            .map(|e| best(e).and_then(|f| f.evidence.get(key).copied()))
            .collect()
    };
    vec![
        Column::new(
            "quality_type".into(),
            (0..raters.len())
                .map(|e| {
                    findings.get(&(e as u32)).map(|l| {
                        l.iter()
                            .filter_map(|f| f.rater_type.as_deref())
                            .collect::<Vec<_>>()
                            .join(";")
                    })
                })
                .collect::<Vec<_>>(),
        ),
        Column::new(
            "quality_statistic".into(),
            (0..raters.len())
                .map(|e| best(e).map(|f| f.rule.name()))
                .collect::<Vec<_>>(),
        ),
        Column::new("quality_z".into(), number("z")),
        Column::new("quality_p".into(), number("p")),
        Column::new("quality_q".into(), number("q")),
    ]
}

/// The raters export: the raters' Table 7 values with the run's flags (`;`-separated rule
/// names), the diagnosis columns ([`quality_columns`]) and each rater's decision (`undecided`
/// when none).
fn raters_frame(
    project: &Project,
    fit: &Fit,
    request: &ExportRequest,
    rater_name: &str,
    rater: usize,
) -> Result<DataFrame, ExportError> {
    let write_err = write_err(&request.path);
    let mut df = facet_frame(fit, rater, None).map_err(&write_err)?;
    let flags: Vec<Flag> = project.flags(request.run_id)?;
    let mut by_label: HashMap<&str, Vec<&str>> = HashMap::new();
    for f in &flags {
        by_label
            .entry(f.label.as_str())
            .or_default()
            .push(f.rule.name());
    }
    let decisions: Vec<DecisionRecord> = project.decisions()?;
    let decision_of: HashMap<&str, &DecisionRecord> = decisions
        .iter()
        .filter(|d| d.facet == rater_name)
        .map(|d| (d.label.as_str(), d))
        .collect();
    let labels = &fit.facets[rater].elements;
    let flag_col: Vec<String> = labels
        .iter()
        .map(|e| {
            by_label
                .get(e.label.as_str())
                .map(|v| v.join(";"))
                .unwrap_or_default()
        })
        .collect();
    let decision_col: Vec<&str> = labels
        .iter()
        .map(|e| {
            decision_of
                .get(e.label.as_str())
                .map(|d| d.decision.as_str())
                .unwrap_or("undecided")
        })
        .collect();
    df.with_column(Column::new("flags".into(), flag_col))
        .map_err(&write_err)?;
    for column in quality_columns(labels, &flags) {
        df.with_column(column).map_err(&write_err)?;
    }
    df.with_column(Column::new("decision".into(), decision_col))
        .map_err(&write_err)?;
    if request.mhs_columns {
        rename_all(&mut df, &MHS_RATER_COLUMNS).map_err(&write_err)?;
    }
    Ok(df)
}

/// The items export: the items' Table 7 values (the measure as `difficulty`) and the
/// Rasch-Andrich thresholds `threshold_1..K` of each item's scale (the shared one, or its own
/// under partial credit).
fn items_frame(fit: &Fit, request: &ExportRequest, item: usize) -> Result<DataFrame, ExportError> {
    let write_err = write_err(&request.path);
    let mut df = facet_frame(fit, item, None).map_err(&write_err)?;
    df.rename("measure", "difficulty".into())
        .map_err(&write_err)?;
    let longest = fit
        .scales
        .iter()
        .map(|s| s.thresholds().len())
        .max()
        .unwrap_or(0);
    let items = fit.facets[item].elements.len();
    for k in 1..=longest {
        let values: Vec<Option<f64>> = (0..items)
            .map(|i| {
                let scale = match fit.scale_facet {
                    Some(_) => fit.scales.iter().find(|s| s.element == Some(i as u32)),
                    None => fit.scales.first(),
                };
                scale.and_then(|s| s.thresholds().get(k - 1).copied())
            })
            .collect();
        df.with_column(Column::new(format!("threshold_{k}").into(), values))
            .map_err(&write_err)?;
    }
    Ok(df)
}

/// The joined export: the original rows with the objects' (and the first rater facet's)
/// estimates joined on under the MHS names, replacing columns of those names in the file.
fn joined_frame(
    fit: &Fit,
    request: &ExportRequest,
    object: usize,
    rater: Option<usize>,
) -> Result<DataFrame, ExportError> {
    let source = request
        .join_source
        .as_ref()
        .ok_or(ExportError::NoJoinSource)?;
    let join_err = |e: PolarsError| ExportError::Join {
        path: source.clone(),
        message: e.to_string(),
    };
    let write_err = write_err(&request.path);
    let mut objects = facet_frame(fit, object, request.rescale).map_err(&write_err)?;
    objects = objects
        .select([
            fit.facets[object].name.as_str(),
            "measure",
            "model_se",
            "infit",
            "outfit",
        ])
        .map_err(&write_err)?;
    rename_all(&mut objects, &MHS_OBJECT_COLUMNS).map_err(&write_err)?;
    let object_key = fit.facets[object].name.clone();
    let mut rows = source_rows(source)?;
    rows = rows.with_column(col(object_key.as_str()).cast(DataType::String));
    let mut joined = rows.join(
        objects.lazy(),
        [col(object_key.as_str())],
        [col(object_key.as_str())],
        JoinArgs::new(JoinType::Left),
    );
    if let Some(rater) = rater {
        let rater_key = fit.facets[rater].name.clone();
        let mut raters = facet_frame(fit, rater, None).map_err(&write_err)?;
        raters = raters
            .select([rater_key.as_str(), "measure", "infit", "outfit"])
            .map_err(&write_err)?;
        rename_all(&mut raters, &MHS_RATER_COLUMNS).map_err(&write_err)?;
        joined = joined
            .with_column(col(rater_key.as_str()).cast(DataType::String))
            .join(
                raters.lazy(),
                [col(rater_key.as_str())],
                [col(rater_key.as_str())],
                JoinArgs::new(JoinType::Left),
            );
    }
    joined.collect().map_err(join_err)
}

/// The original data file's rows (CSV/TSV or Parquet) without the columns the joined
/// estimates replace (the MHS names).
fn source_rows(source: &Path) -> Result<LazyFrame, ExportError> {
    let join_err = |e: PolarsError| ExportError::Join {
        path: source.to_path_buf(),
        message: e.to_string(),
    };
    let source_path = source.to_str().ok_or_else(|| ExportError::Join {
        path: source.to_path_buf(),
        message: "the path is not valid UTF-8".into(),
    })?;
    let format = crate::ingest::FileFormat::detect(source, b',');
    let mut rows = match format {
        crate::ingest::FileFormat::Parquet => {
            LazyFrame::scan_parquet(PlRefPath::new(source_path), ScanArgsParquet::default())
        }
        crate::ingest::FileFormat::Delimited(sep) => {
            LazyCsvReader::new(PlRefPath::new(source_path))
                .with_has_header(true)
                .with_separator(sep)
                .finish()
        }
    }
    .map_err(join_err)?;
    let schema = rows.collect_schema().map_err(join_err)?;
    let replaced: Vec<&str> = MHS_OBJECT_COLUMNS
        .iter()
        .chain(MHS_RATER_COLUMNS.iter())
        .map(|(_, name)| *name)
        .filter(|name| schema.contains(name))
        .collect();
    if !replaced.is_empty() {
        rows = rows.drop(Selector::ByName {
            names: replaced.iter().map(|n| PlSmallStr::from(*n)).collect(),
            strict: true,
        });
    }
    Ok(rows)
}

/// Writes `df` to `path` in `format` whole or not at all ([`write_whole_with`]).
fn write_atomically(
    df: &mut DataFrame,
    path: &Path,
    format: ExportFormat,
    provenance: &Provenance,
) -> Result<(), ExportError> {
    let fail = |message: String| ExportError::Write {
        path: path.to_path_buf(),
        message,
    };
    remove_stale_partials(path);
    write_whole_with(
        path,
        |file| {
            let provenance_json =
                serde_json::to_string(provenance).map_err(|e| fail(e.to_string()))?;
            match format {
                ExportFormat::Csv => {
                    CsvWriter::new(file)
                        .include_header(true)
                        .finish(df)
                        .map_err(|e| fail(e.to_string()))?;
                }
                ExportFormat::Parquet => {
                    ParquetWriter::new(file)
                        .with_key_value_metadata(Some(KeyValueMetadata::from_static(vec![(
                            "scalewright.provenance".to_string(),
                            provenance_json,
                        )])))
                        .finish(df)
                        .map_err(|e| fail(e.to_string()))?;
                }
                ExportFormat::Json => {
                    let rows = frame_to_json_rows(df).map_err(|e| fail(e.to_string()))?;
                    let body = serde_json::json!({ "provenance": provenance, "rows": rows });
                    serde_json::to_writer(file, &body).map_err(|e| fail(e.to_string()))?;
                }
                ExportFormat::Text => {
                    return Err(fail("a table is written as .csv, .parquet or .json".into()))
                }
            }
            Ok(())
        },
        |e| fail(e.to_string()),
    )
}

/// The rows of a frame as JSON objects (numbers, strings, booleans, null).
fn frame_to_json_rows(df: &DataFrame) -> PolarsResult<Vec<serde_json::Value>> {
    let mut rows = vec![serde_json::Map::new(); df.height()];
    for column in df.columns() {
        let name = column.name().to_string();
        let series = column.as_materialized_series();
        for (r, row) in rows.iter_mut().enumerate() {
            let value = match series.get(r)? {
                AnyValue::Null => serde_json::Value::Null,
                AnyValue::Boolean(b) => serde_json::Value::Bool(b),
                AnyValue::String(s) => serde_json::Value::String(s.to_string()),
                AnyValue::StringOwned(s) => serde_json::Value::String(s.to_string()),
                AnyValue::Float64(x) => serde_json::Number::from_f64(x)
                    .map(serde_json::Value::Number)
                    .unwrap_or(serde_json::Value::Null),
                AnyValue::Float32(x) => serde_json::Number::from_f64(x as f64)
                    .map(serde_json::Value::Number)
                    .unwrap_or(serde_json::Value::Null),
                AnyValue::Int64(x) => serde_json::Value::from(x),
                AnyValue::Int32(x) => serde_json::Value::from(x),
                AnyValue::UInt64(x) => serde_json::Value::from(x),
                AnyValue::UInt32(x) => serde_json::Value::from(x),
                other => serde_json::Value::String(other.to_string()),
            };
            row.insert(name.clone(), value);
        }
    }
    Ok(rows.into_iter().map(serde_json::Value::Object).collect())
}

/// Writes an export of run `request.run_id` and records it in the project.
pub fn export(
    project: &mut Project,
    request: &ExportRequest,
) -> Result<ExportSummary, ExportError> {
    let format = ExportFormat::from_path(&request.path)
        .ok_or_else(|| ExportError::Format(request.path.clone()))?;
    if request.plausible_values.is_some() && request.kind != ExportKind::Objects {
        return Err(ExportError::PlausibleValues(format!(
            "they are columns of the objects export, not of `{}`",
            request.kind
        )));
    }
    let fit = project.load_fit(request.run_id)?;
    let datasets = project.datasets()?;
    let config_sha256 =
        crate::provenance::descriptions_sha256(datasets.iter().map(|d| d.config_sha256.as_str()));
    let provenance = Provenance {
        run_id: request.run_id,
        what: request.kind,
        config_sha256,
        data_sha256: project.run_fingerprint(request.run_id)?,
        source_sha256: datasets.iter().map(|d| d.sha256.clone()).collect(),
        scalewright_version: crate::VERSION.to_string(),
        created_at: now_rfc3339(),
        rescale: request.rescale,
        recode: project.run_recode(request.run_id)?,
        plausible_values: request.plausible_values,
        anchors: 0,
    };
    let mut df = build(project, &fit, request)?;
    write_atomically(&mut df, &request.path, format, &provenance)?;
    let sidecar = if format == ExportFormat::Csv {
        let sidecar = PathBuf::from(format!("{}.json", request.path.display()));
        let body = serde_json::json!({ "provenance": provenance, "columns": df.get_column_names().iter().map(|c| c.to_string()).collect::<Vec<_>>(), "rows": df.height() });
        write_whole(&sidecar, body.to_string().as_bytes()).map_err(|e| ExportError::Write {
            path: sidecar.clone(),
            message: e.to_string(),
        })?;
        Some(sidecar)
    } else {
        None
    };
    project.record_export(
        request.run_id,
        crate::options::choice_name(request.kind, &EXPORT_KIND_NAMES),
        match format {
            ExportFormat::Csv => "csv",
            ExportFormat::Parquet => "parquet",
            ExportFormat::Json => "json",
            ExportFormat::Text => "txt",
        },
        &request.path,
        df.height(),
        &provenance.config_sha256,
        &provenance.data_sha256,
    )?;
    Ok(ExportSummary {
        path: request.path.clone(),
        format,
        rows: df.height(),
        columns: df
            .get_column_names()
            .iter()
            .map(|c| c.to_string())
            .collect(),
        sidecar,
        provenance,
    })
}
