//! Ratings made in the workbench: a reviewer rates comments as one more rater of the project.
//!
//! The reviewer becomes (once) an element of the first rater facet with the attribute
//! `{"source":"workbench"}`; their ratings are observations of a dataset of kind `annotation`
//! (one per reviewer), so the next fit uses them like any other rater's. Each rating is written
//! in one transaction; rating the same object and item again replaces the earlier answer.

use super::chunks::Response;
use super::{now_rfc3339, Project, StoreError};
use crate::config::ItemConfig;
use rusqlite::{params, OptionalExtension, Transaction};
use std::path::Path;

/// A workbench rating is appended to the newest chunk while it holds fewer responses than this
/// (so recording rewrites at most this many), else it starts a new chunk.
const ANNOTATION_CHUNK_RESPONSES: usize = 4096;

/// The attributes of a reviewer's element in the rater facet.
pub const WORKBENCH_ATTRIBUTES: &str = r#"{"source":"workbench"}"#;

/// One item as a rater answers it: its name and the raw codes the description allows.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ItemDefinition {
    /// The item's element idx in the item facet.
    pub idx: u32,
    /// The item's label.
    pub name: String,
    /// The item's description: raw codes, recoding, reversal.
    pub config: ItemConfig,
}

/// What [`Project::record_rating`] stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RecordedRating {
    /// The reviewer's element in the rater facet.
    pub rater: u32,
    /// The rated object's element idx.
    pub object: u32,
    /// The item's element idx.
    pub item: u32,
    /// The raw code the reviewer answered.
    pub raw: i64,
    /// The scored category stored as the observation (recoded, reversed if asked).
    pub score: i64,
    /// The reviewer had rated this object on this item before; the answer was replaced.
    pub replaced: bool,
}

impl Project {
    /// The items with their descriptions (raw codes, recoding, reversal), by item idx.
    pub fn item_definitions(&self) -> Result<Vec<ItemDefinition>, StoreError> {
        let mut stmt = self
            .conn
            .prepare("SELECT idx, name, definition FROM items ORDER BY idx")
            .map_err(self.sql_err())?;
        let rows: Vec<(i64, String, String)> = stmt
            .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))
            .map_err(self.sql_err())?
            .collect::<Result<_, _>>()
            .map_err(self.sql_err())?;
        rows.into_iter()
            .map(|(idx, name, definition)| {
                let config: ItemConfig =
                    serde_json::from_str(&definition).map_err(|e| StoreError::Corrupt {
                        path: self.path.clone(),
                        message: format!("item `{name}`: {e}"),
                    })?;
                Ok(ItemDefinition {
                    idx: idx as u32,
                    name,
                    config,
                })
            })
            .collect()
    }

    /// Records the reviewer's answer `raw` (a raw code of the item's description) to `item` for
    /// the object labelled `object`, in one transaction. The reviewer is added to the first rater
    /// facet on their first rating. Errors: no rater facet, a design with several rater facets,
    /// an unknown object or item, a code the item does not allow.
    pub fn record_rating(
        &mut self,
        reviewer: &str,
        object: &str,
        item: &str,
        raw: i64,
    ) -> Result<RecordedRating, StoreError> {
        let path = self.path.clone();
        if reviewer.trim().is_empty() {
            return Err(invalid_rating(&path, "the reviewer's name is empty".into()));
        }
        let definitions = self.item_definitions()?;
        let (definition, score) = scored_answer(&path, &definitions, item, raw)?;
        let tx = self.conn.transaction().map_err(sql_error(&path))?;
        let rating = RatingTx {
            tx: &tx,
            path: &path,
        };
        let rater_facet = rating.rater_facet()?;
        let object_idx = rating.object_idx(object)?;
        let dataset_id = rating.annotation_dataset(reviewer)?;
        let rater_idx = rating.reviewer_element(rater_facet, reviewer, dataset_id)?;
        let response = super::chunks::Response {
            object: object_idx,
            rater: rater_idx,
            other_raters: &[],
            item: definition.idx as i64,
            score,
            raw,
            dataset_id,
            source_row: 0,
        };
        let replaced = rating.store_response(response)?;
        tx.commit().map_err(sql_error(&path))?;
        Ok(RecordedRating {
            rater: rater_idx as u32,
            object: object_idx as u32,
            item: definition.idx,
            raw,
            score,
            replaced,
        })
    }
}

/// A rating refused: why.
fn invalid_rating(path: &Path, message: String) -> StoreError {
    StoreError::InvalidRating {
        path: path.to_path_buf(),
        message,
    }
}

/// An SQLite failure on the project at `path`.
fn sql_error(path: &Path) -> impl Fn(rusqlite::Error) -> StoreError + '_ {
    move |source| StoreError::Sqlite {
        path: path.to_path_buf(),
        source,
    }
}

/// The item named `item` and the scored category of the answer `raw` (a raw code its
/// description allows).
fn scored_answer<'d>(
    path: &Path,
    definitions: &'d [ItemDefinition],
    item: &str,
    raw: i64,
) -> Result<(&'d ItemDefinition, i64), StoreError> {
    let definition = definitions
        .iter()
        .find(|d| d.name == item)
        .ok_or_else(|| invalid_rating(path, format!("no item `{item}`")))?;
    let score = definition.config.score(raw).ok_or_else(|| {
        invalid_rating(
            path,
            format!(
                "{raw} is not a category of item `{item}` (expected one of {})",
                definition
                    .config
                    .categories
                    .iter()
                    .map(|c| c.to_string())
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
        )
    })?;
    Ok((definition, score))
}

/// One workbench rating being recorded, in its transaction.
struct RatingTx<'a> {
    tx: &'a Transaction<'a>,
    path: &'a Path,
}

impl RatingTx<'_> {
    /// A rating refused: why.
    fn invalid(&self, message: String) -> StoreError {
        invalid_rating(self.path, message)
    }

    /// The one rater facet of the design (none, or several, refused).
    fn rater_facet(&self) -> Result<i64, StoreError> {
        let sql = sql_error(self.path);
        let raters: Vec<(i64, String)> = {
            let mut stmt = self
                .tx
                .prepare("SELECT id, name FROM facets WHERE role = 'rater' ORDER BY position")
                .map_err(&sql)?;
            let rows = stmt
                .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))
                .map_err(&sql)?;
            rows.collect::<Result<_, _>>().map_err(&sql)?
        };
        match raters.as_slice() {
            [] => Err(self.invalid("the project has no rater facet".into())),
            [(id, _)] => Ok(*id),
            _ => Err(self.invalid(format!(
                "the design has {} rater facets ({}); workbench ratings need exactly one",
                raters.len(),
                raters
                    .iter()
                    .map(|(_, n)| n.as_str())
                    .collect::<Vec<_>>()
                    .join(", ")
            ))),
        }
    }

    /// The element idx of the object labelled `object`.
    fn object_idx(&self, object: &str) -> Result<i64, StoreError> {
        self.tx
            .query_row(
                "SELECT e.idx FROM elements e JOIN facets f ON f.id = e.facet_id
                 WHERE f.role = 'object' AND e.label = ?1",
                [object],
                |r| r.get(0),
            )
            .optional()
            .map_err(sql_error(self.path))?
            .ok_or_else(|| self.invalid(format!("no object `{object}`")))
    }

    /// The reviewer's annotation dataset (one per reviewer), created on their first rating.
    fn annotation_dataset(&self, reviewer: &str) -> Result<i64, StoreError> {
        let sql = sql_error(self.path);
        let source_path = format!("workbench:{reviewer}");
        let existing = self
            .tx
            .query_row(
                "SELECT id FROM datasets WHERE kind = 'annotation' AND source_path = ?1",
                [&source_path],
                |r| r.get(0),
            )
            .optional()
            .map_err(&sql)?;
        if let Some(id) = existing {
            return Ok(id);
        }
        let config_toml = format!("# ratings made by {reviewer} in the workbench\n");
        let config_sha256 = crate::provenance::sha256_hex(config_toml.as_bytes());
        self.tx
            .execute(
                "INSERT INTO datasets (kind, source_path, sha256, config_toml, config_sha256, imported_at,
                                       rows, observations, scalewright_version)
                 VALUES ('annotation', ?1, ?2, ?3, ?4, ?5, 0, 0, ?6)",
                params![
                    source_path,
                    crate::provenance::sha256_hex(source_path.as_bytes()),
                    config_toml,
                    config_sha256,
                    now_rfc3339(),
                    crate::VERSION
                ],
            )
            .map_err(&sql)?;
        Ok(self.tx.last_insert_rowid())
    }

    /// The reviewer's element in the rater facet, added on their first rating (a rater of the
    /// imported data with the same label is someone else: refused).
    fn reviewer_element(
        &self,
        rater_facet: i64,
        reviewer: &str,
        dataset_id: i64,
    ) -> Result<i64, StoreError> {
        let sql = sql_error(self.path);
        let existing = self
            .tx
            .query_row(
                "SELECT idx, json_extract(attributes, '$.source') FROM elements
                 WHERE facet_id = ?1 AND label = ?2",
                params![rater_facet, reviewer],
                |r| Ok((r.get::<_, i64>(0)?, r.get::<_, Option<String>>(1)?)),
            )
            .optional()
            .map_err(&sql)?;
        match existing {
            Some((idx, Some(source))) if source == "workbench" => Ok(idx),
            Some(_) => Err(StoreError::ReviewerTaken {
                path: self.path.to_path_buf(),
                reviewer: reviewer.to_string(),
            }),
            None => {
                let idx: i64 = self
                    .tx
                    .query_row(
                        "SELECT coalesce(max(idx) + 1, 0) FROM elements WHERE facet_id = ?1",
                        [rater_facet],
                        |r| r.get(0),
                    )
                    .map_err(&sql)?;
                self.tx
                    .execute(
                        "INSERT INTO elements (facet_id, idx, label, attributes, dataset_id)
                         VALUES (?1, ?2, ?3, ?4, ?5)",
                        params![rater_facet, idx, reviewer, WORKBENCH_ATTRIBUTES, dataset_id],
                    )
                    .map_err(&sql)?;
                Ok(idx)
            }
        }
    }

    /// Stores the response: replaces the reviewer's earlier answer to the same object and item
    /// (only its chunk is rewritten), else appends it as the dataset's next row. Returns whether
    /// an earlier answer was replaced.
    fn store_response(&self, mut response: Response<'_>) -> Result<bool, StoreError> {
        let (tx, path) = (self.tx, self.path);
        // The design has one rater facet (checked before): no further raters.
        let existing = super::chunks::find_cell(
            tx,
            path,
            response.object,
            response.rater,
            &[],
            response.item,
        )?;
        let Some((chunk_id, n, mut chunk)) = existing else {
            response.source_row = tx
                .query_row(
                    "SELECT rows + 1 FROM datasets WHERE id = ?1",
                    [response.dataset_id],
                    |r| r.get(0),
                )
                .map_err(sql_error(path))?;
            self.append_response(&response)?;
            return Ok(false);
        };
        // Only the chunk holding the response is rewritten.
        chunk.raw[n] = response.raw;
        chunk.score[n] = response.score;
        chunk.dataset_id[n] = response.dataset_id;
        super::chunks::rewrite_chunk(tx, path, chunk_id, &chunk)?;
        Ok(true)
    }

    /// Appends a new response after every stored one: to the newest chunk while it is small
    /// (one small chunk is rewritten, never the rest), else as a new chunk; the dataset counts
    /// one more row and observation.
    fn append_response(&self, response: &Response<'_>) -> Result<(), StoreError> {
        let (tx, path) = (self.tx, self.path);
        match super::chunks::last_chunk(tx, path)? {
            Some((last, responses)) if responses < ANNOTATION_CHUNK_RESPONSES => {
                let mut chunk = super::chunks::read_chunk(tx, path, last)?;
                chunk.push(response);
                super::chunks::rewrite_chunk(tx, path, last, &chunk)?;
            }
            _ => {
                let mut chunk = super::chunks::ChunkColumns::with_capacity(0, 1);
                chunk.push(response);
                super::chunks::insert_chunk(tx, path, &chunk)?;
            }
        }
        tx.execute(
            "UPDATE datasets SET rows = rows + 1, observations = observations + 1 WHERE id = ?1",
            [response.dataset_id],
        )
        .map_err(sql_error(path))?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::Preset;
    use crate::ingest::{stage, IngestOptions};

    fn sample_project(dir: &std::path::Path) -> Project {
        let data = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("tests/fixtures/mhs_sample_99rows.csv");
        let staged = stage(&data, &Preset::Mhs.config(), &IngestOptions::default()).unwrap();
        let mut project = Project::create_or_open(&dir.join("p.db")).unwrap();
        project.import(&staged).unwrap();
        project
    }

    #[test]
    fn a_reviewer_becomes_a_rater_and_their_ratings_are_observations() {
        let dir = tempfile::tempdir().unwrap();
        let mut project = sample_project(dir.path());
        let before = project.ratings().unwrap();
        let rater_facet = before.rater_facets().next().unwrap();
        let n_raters = before.facets[rater_facet].len();
        let object = before.objects().labels[3].clone();

        let first = project.record_rating("lead", &object, "insult", 3).unwrap();
        assert_eq!(first.rater as usize, n_raters);
        assert!(!first.replaced);
        project
            .record_rating("lead", &object, "hatespeech", 2)
            .unwrap();
        // Answering again replaces the answer.
        let again = project.record_rating("lead", &object, "insult", 1).unwrap();
        assert!(again.replaced);

        let after = project.ratings().unwrap();
        assert_eq!(after.len(), before.len() + 2);
        assert_eq!(after.facets[rater_facet].len(), n_raters + 1);
        assert_eq!(after.facets[rater_facet].labels[n_raters], "lead");
        let mine: Vec<(String, i32)> = (0..after.len())
            .filter(|&n| after.elements[rater_facet][n] as usize == n_raters)
            .map(|n| {
                (
                    after.items().labels[after.elements[after.item_facet][n] as usize].clone(),
                    after.scores[n],
                )
            })
            .collect();
        assert_eq!(
            mine,
            vec![("insult".to_string(), 1), ("hatespeech".to_string(), 2)]
        );
        let attributes = project
            .element_attributes("annotator_id", n_raters)
            .unwrap();
        assert_eq!(attributes["source"], "workbench");
        let datasets = project.datasets().unwrap();
        let annotation = datasets
            .iter()
            .find(|d| d.kind == crate::store::DatasetKind::Annotation)
            .unwrap();
        assert_eq!(annotation.source_path, "workbench:lead");
        assert_eq!(annotation.observations, 2);
    }

    #[test]
    fn invalid_ratings_are_refused_and_nothing_is_written() {
        let dir = tempfile::tempdir().unwrap();
        let mut project = sample_project(dir.path());
        let before = project.ratings().unwrap();
        let object = before.objects().labels[0].clone();
        let error = project
            .record_rating("lead", &object, "insult", 7)
            .unwrap_err();
        assert!(
            error
                .to_string()
                .contains("7 is not a category of item `insult`"),
            "{error}"
        );
        assert!(project
            .record_rating("lead", &object, "no_such_item", 1)
            .is_err());
        assert!(project
            .record_rating("lead", "no-such-comment", "insult", 1)
            .is_err());
        // A reviewer named like a rater of the data would mix their ratings with that rater's.
        let existing = before.facets[1].labels[0].clone();
        let error = project
            .record_rating(&existing, &object, "insult", 1)
            .unwrap_err();
        assert!(
            error.to_string().contains("already in the imported data"),
            "{error}"
        );
        assert_eq!(project.ratings().unwrap(), before);
        assert!(project
            .datasets()
            .unwrap()
            .iter()
            .all(|d| d.kind == crate::store::DatasetKind::File));
    }
}
