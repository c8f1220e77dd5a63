//! Writing a staged file into the project, in one transaction.

use super::{now_rfc3339, Project, StoreError};
use crate::config::DatasetConfig;
use crate::data::ITEM_FACET;
use crate::ingest::{Staged, StagedFacet, StagedObservations};
use rusqlite::{params, OptionalExtension, Transaction};
use serde::Serialize;
use std::collections::HashMap;

/// How many conflicting responses an import error lists.
const MAX_CONFLICTS_LISTED: usize = 20;

/// What an import added.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ImportSummary {
    /// The new data set's id.
    pub dataset_id: i64,
    /// The imported file's path.
    pub source_path: String,
    /// The SHA-256 of the file, as lower-case hex.
    pub sha256: String,
    /// Rows read from the file.
    pub rows: usize,
    /// Observations added to the project.
    pub observations_added: usize,
    /// Responses identical to ones already in the project (from an earlier file), not added again.
    pub already_present: usize,
    /// Responses repeated inside the file, counted once.
    pub duplicates_in_file: usize,
    /// New elements per facet, in model order: (facet, count).
    pub new_elements: Vec<(String, usize)>,
    /// Warnings found in the file (the import went ahead with them).
    pub warnings: usize,
}

impl Project {
    /// Writes a staged file. Everything happens in one transaction: on any error nothing is
    /// written, and a process killed mid-way leaves the project as it was.
    pub fn import(&mut self, staged: &Staged) -> Result<ImportSummary, StoreError> {
        let path = self.path.clone();
        let sql = |source| StoreError::Sqlite {
            path: path.clone(),
            source,
        };
        let tx = self.conn.transaction().map_err(sql)?;
        refuse_reimport(&tx, &path, staged)?;
        store_model(&tx, &path, staged)?;
        let dataset_id = insert_dataset(&tx, &path, staged)?;
        let facet_ids = ensure_facets(&tx, staged, &path)?;
        let item_map = ensure_items(&tx, &staged.config, &staged.source, &path, dataset_id)?;
        let elements = merge_facets(&tx, &path, staged, &facet_ids, dataset_id)?;
        insert_texts(&tx, &path, staged, &elements.object_map)?;
        let cells = CellIds {
            obs: &staged.observations,
            object_map: &elements.object_map,
            rater_maps: &elements.rater_maps,
            item_map: &item_map,
        };
        let written = write_responses(&tx, &path, staged, &cells, dataset_id)?;
        if !written.conflicts.is_empty() {
            return Err(conflicts_error(&path, staged, written.conflicts));
        }
        tx.execute(
            "UPDATE datasets SET observations = ?1 WHERE id = ?2",
            params![written.added as i64, dataset_id],
        )
        .map_err(sql)?;
        tx.commit().map_err(sql)?;
        Ok(ImportSummary {
            dataset_id,
            source_path: staged.source.display().to_string(),
            sha256: staged.fingerprint.sha256.clone(),
            rows: staged.rows,
            observations_added: written.added,
            already_present: written.already_present,
            duplicates_in_file: staged.duplicates_dropped,
            new_elements: elements.new_elements,
            warnings: staged.report.warnings_total,
        })
    }
}

/// A file with the same SHA-256 as one already imported is refused.
fn refuse_reimport(
    tx: &Transaction,
    path: &std::path::Path,
    staged: &Staged,
) -> Result<(), StoreError> {
    let sql = |source| StoreError::Sqlite {
        path: path.to_path_buf(),
        source,
    };
    if let Some((dataset_id, imported_at)) = tx
        .query_row(
            "SELECT id, imported_at FROM datasets WHERE kind = 'file' AND sha256 = ?1",
            [&staged.fingerprint.sha256],
            |r| Ok((r.get::<_, i64>(0)?, r.get::<_, String>(1)?)),
        )
        .optional()
        .map_err(sql)?
    {
        return Err(StoreError::AlreadyImported {
            path: staged.source.clone(),
            dataset_id,
            imported_at,
            sha256: staged.fingerprint.sha256.clone(),
        });
    }
    Ok(())
}

/// The model a Facets specification brings is stored with the project; such a specification is
/// imported into a new project only.
fn store_model(
    tx: &Transaction,
    path: &std::path::Path,
    staged: &Staged,
) -> Result<(), StoreError> {
    let Some(model) = &staged.model else {
        return Ok(());
    };
    let sql = |source| StoreError::Sqlite {
        path: path.to_path_buf(),
        source,
    };
    let earlier: i64 = tx
        .query_row("SELECT COUNT(*) FROM datasets", [], |r| r.get(0))
        .map_err(sql)?;
    if earlier > 0 {
        return Err(StoreError::Incompatible {
            path: path.to_path_buf(),
            source_path: staged.source.clone(),
            message: "a Facets specification brings its own model and is imported into a new project (this one already holds data)".into(),
        });
    }
    let json = serde_json::to_string(model).map_err(|e| StoreError::Corrupt {
        path: path.to_path_buf(),
        message: e.to_string(),
    })?;
    tx.execute(
        "INSERT OR REPLACE INTO meta (key, value) VALUES (?1, ?2)",
        params![crate::config::MODEL_META_KEY, json],
    )
    .map_err(sql)?;
    Ok(())
}

/// Records the data set (its source, checksum and description) and returns its id; its
/// observation count is set once they are written.
fn insert_dataset(
    tx: &Transaction,
    path: &std::path::Path,
    staged: &Staged,
) -> Result<i64, StoreError> {
    tx.execute(
        "INSERT INTO datasets (kind, source_path, sha256, config_toml, config_sha256, imported_at,
                               rows, observations, scalewright_version)
         VALUES ('file', ?1, ?2, ?3, ?4, ?5, ?6, 0, ?7)",
        params![
            staged.source.display().to_string(),
            staged.fingerprint.sha256,
            staged.config.to_toml(),
            staged.config.sha256(),
            now_rfc3339(),
            staged.rows as i64,
            crate::VERSION
        ],
    )
    .map_err(|source| StoreError::Sqlite {
        path: path.to_path_buf(),
        source,
    })?;
    Ok(tx.last_insert_rowid())
}

/// The stored ids of the staged objects and raters, and how many of each facet are new.
struct ElementMaps {
    /// Per staged object: its stored element id.
    object_map: Vec<i64>,
    /// Per rater facet and staged rater: its stored element id.
    rater_maps: Vec<Vec<i64>>,
    /// New elements per facet, in model order: (facet, count).
    new_elements: Vec<(String, usize)>,
}

/// Merges the staged objects and raters into the project's elements.
fn merge_facets(
    tx: &Transaction,
    path: &std::path::Path,
    staged: &Staged,
    facet_ids: &FacetIds,
    dataset_id: i64,
) -> Result<ElementMaps, StoreError> {
    let sql = |source| StoreError::Sqlite {
        path: path.to_path_buf(),
        source,
    };
    let mut new_elements = Vec::new();
    let (object_map, n_new) =
        merge_elements(tx, facet_ids.object, &staged.objects, dataset_id).map_err(sql)?;
    new_elements.push((staged.objects.name.clone(), n_new));
    let mut rater_maps = Vec::new();
    for (facet, &id) in staged.rater_facets.iter().zip(&facet_ids.raters) {
        let (map, n_new) = merge_elements(tx, id, facet, dataset_id).map_err(sql)?;
        new_elements.push((facet.name.clone(), n_new));
        rater_maps.push(map);
    }
    Ok(ElementMaps {
        object_map,
        rater_maps,
        new_elements,
    })
}

/// Stores each object's text (an object keeps the text it already has).
fn insert_texts(
    tx: &Transaction,
    path: &std::path::Path,
    staged: &Staged,
    object_map: &[i64],
) -> Result<(), StoreError> {
    let sql = |source| StoreError::Sqlite {
        path: path.to_path_buf(),
        source,
    };
    let mut insert_text = tx
        .prepare("INSERT OR IGNORE INTO texts (object, text) VALUES (?1, ?2)")
        .map_err(sql)?;
    for (o, text) in staged.object_texts.iter().enumerate() {
        if let Some(text) = text {
            insert_text
                .execute(params![object_map[o], text])
                .map_err(sql)?;
        }
    }
    Ok(())
}

/// The staged observations with their stored element and item ids.
struct CellIds<'a> {
    obs: &'a StagedObservations,
    object_map: &'a [i64],
    rater_maps: &'a [Vec<i64>],
    item_map: &'a [i64],
}

impl CellIds<'_> {
    /// The stored object of observation `n`.
    fn object(&self, n: usize) -> i64 {
        self.object_map[self.obs.object[n] as usize]
    }

    /// The stored first rater of observation `n` (-1: no rater facet).
    fn rater(&self, n: usize) -> i64 {
        self.rater_maps
            .first()
            .map(|m| m[self.obs.raters[0][n] as usize])
            .unwrap_or(-1)
    }

    /// The stored raters of the further rater facets of observation `n`.
    fn others(&self, n: usize) -> Vec<i64> {
        self.rater_maps
            .iter()
            .enumerate()
            .skip(1)
            .map(|(f, map)| map[self.obs.raters[f][n] as usize])
            .collect()
    }

    /// The stored item of observation `n`.
    fn item(&self, n: usize) -> i64 {
        self.item_map[self.obs.item[n] as usize]
    }

    /// How many rater facets there are beyond the first.
    fn n_others(&self) -> usize {
        self.rater_maps.len().saturating_sub(1)
    }

    /// The observations in (object, raters, item) order: an object's responses are adjacent,
    /// so chunks hold narrow object ranges and the columns compress well.
    fn storage_order(&self) -> Vec<u32> {
        let mut order: Vec<u32> = (0..self.obs.len() as u32).collect();
        if self.n_others() > 0 {
            order.sort_by_cached_key(|&n| {
                let n = n as usize;
                (self.object(n), self.rater(n), self.others(n), self.item(n))
            });
        } else {
            order.sort_unstable_by_key(|&n| {
                let n = n as usize;
                (self.object(n), self.rater(n), self.item(n))
            });
        }
        order
    }

    /// The stored objects the observations name, sorted, each once.
    fn touched_objects(&self) -> Vec<i64> {
        let mut touched: Vec<i64> = self
            .obs
            .object
            .iter()
            .map(|&o| self.object_map[o as usize])
            .collect();
        touched.sort_unstable();
        touched.dedup();
        touched
    }
}

/// What writing the responses did: added, already stored identically, or in conflict with a
/// stored one (listed up to [`MAX_CONFLICTS_LISTED`]; an empty entry counts one beyond).
struct Written {
    added: usize,
    already_present: usize,
    conflicts: Vec<String>,
}

/// Writes the responses in storage order, skipping those already stored identically; once a
/// response conflicts with a stored one nothing more is written, only further conflicts are
/// looked for.
fn write_responses(
    tx: &Transaction,
    path: &std::path::Path,
    staged: &Staged,
    cells: &CellIds,
    dataset_id: i64,
) -> Result<Written, StoreError> {
    let obs = cells.obs;
    let order = cells.storage_order();
    // Responses already stored for the objects of this file (none when the project holds no
    // observations yet, or when every object of the file is new).
    let earlier = earlier_cells(tx, path, &cells.touched_objects())?;
    let n_others = cells.n_others();
    let mut written = Written {
        added: 0,
        already_present: 0,
        conflicts: Vec::new(),
    };
    let mut writer = super::chunks::ChunkWriter::new(tx, path, n_others);
    let mut others = vec![0i64; n_others];
    for &n in &order {
        let n = n as usize;
        let object = cells.object(n);
        let rater = cells.rater(n);
        for (k, slot) in others.iter_mut().enumerate() {
            *slot = cells.rater_maps[k + 1][obs.raters[k + 1][n] as usize];
        }
        let item = cells.item(n);
        if let Some(stored) = earlier.get(&(object, rater, others.clone(), item)) {
            if stored.raw == obs.raw[n] as i64 {
                written.already_present += 1;
            } else if written.conflicts.len() < MAX_CONFLICTS_LISTED {
                let source = dataset_paths(tx, path, stored.dataset_id)?;
                written.conflicts.push(format!(
                    "  row {}: item `{}` scored {} here but {} in {} (row {})",
                    obs.source_row[n],
                    staged.config.items[obs.item[n] as usize].name,
                    obs.raw[n],
                    stored.raw,
                    source,
                    stored.source_row
                ));
            } else {
                written.conflicts.push(String::new());
            }
            continue;
        }
        if !written.conflicts.is_empty() {
            // Nothing will be stored: only look for further conflicts.
            continue;
        }
        writer.push(&super::chunks::Response {
            object,
            rater,
            other_raters: &others,
            item,
            score: obs.score[n] as i64,
            raw: obs.raw[n] as i64,
            dataset_id,
            source_row: obs.source_row[n] as i64,
        })?;
        written.added += 1;
    }
    writer.finish()?;
    Ok(written)
}

/// The import's conflicts error: the listed conflicts and, when more were found, their total.
fn conflicts_error(
    path: &std::path::Path,
    staged: &Staged,
    mut conflicts: Vec<String>,
) -> StoreError {
    let total = conflicts.len();
    conflicts.retain(|c| !c.is_empty());
    if total > conflicts.len() {
        conflicts.push(format!("  ... {} conflicting responses in all", total));
    }
    StoreError::Conflicts {
        path: path.to_path_buf(),
        source_path: staged.source.clone(),
        conflicts,
    }
}

/// A response already stored, as an import compares it with a new one.
struct StoredResponse {
    raw: i64,
    dataset_id: i64,
    source_row: i64,
}

/// A response's cell: object, first rater (-1: none), further raters, item.
type CellKey = (i64, i64, Vec<i64>, i64);

/// The stored responses of the objects in `objects` (sorted), by cell. Only chunks whose object
/// range meets one of them are decoded.
fn earlier_cells(
    tx: &Transaction,
    path: &std::path::Path,
    objects: &[i64],
) -> Result<HashMap<CellKey, StoredResponse>, StoreError> {
    let mut cells = HashMap::new();
    let (Some(&lowest), Some(&highest)) = (objects.first(), objects.last()) else {
        return Ok(cells);
    };
    let ranges: Vec<(i64, i64, i64)> = {
        let mut stmt = tx
            .prepare(
                "SELECT id, object_min, object_max FROM observation_chunks
                 WHERE object_max >= ?1 AND object_min <= ?2 ORDER BY id",
            )
            .map_err(|source| StoreError::Sqlite {
                path: path.to_path_buf(),
                source,
            })?;
        let rows = stmt
            .query_map(params![lowest, highest], |r| {
                Ok((r.get(0)?, r.get(1)?, r.get(2)?))
            })
            .and_then(|rows| rows.collect::<Result<Vec<_>, _>>())
            .map_err(|source| StoreError::Sqlite {
                path: path.to_path_buf(),
                source,
            })?;
        rows
    };
    let wanted = |o: i64| objects.binary_search(&o).is_ok();
    for (id, lo, hi) in ranges {
        // Does any object of the file fall in [lo, hi]?
        let first = objects.partition_point(|&o| o < lo);
        if objects.get(first).is_none_or(|&o| o > hi) {
            continue;
        }
        let chunk = super::chunks::read_chunk(tx, path, id)?;
        for n in 0..chunk.len() {
            if wanted(chunk.object[n]) {
                cells.insert(
                    (
                        chunk.object[n],
                        chunk.rater[n],
                        chunk.others_of(n),
                        chunk.item[n],
                    ),
                    StoredResponse {
                        raw: chunk.raw[n],
                        dataset_id: chunk.dataset_id[n],
                        source_row: chunk.source_row[n],
                    },
                );
            }
        }
    }
    Ok(cells)
}

/// The source path of data set `id` (for conflict messages).
fn dataset_paths(tx: &Transaction, path: &std::path::Path, id: i64) -> Result<String, StoreError> {
    tx.query_row(
        "SELECT source_path FROM datasets WHERE id = ?1",
        [id],
        |r| r.get(0),
    )
    .map_err(|source| StoreError::Sqlite {
        path: path.to_path_buf(),
        source,
    })
}

/// Facet row ids of the project, in model order.
struct FacetIds {
    object: i64,
    raters: Vec<i64>,
}

/// Creates the facets on the first import; later imports must name the same facets.
fn ensure_facets(
    tx: &Transaction,
    staged: &Staged,
    path: &std::path::Path,
) -> Result<FacetIds, StoreError> {
    let sql = |source| StoreError::Sqlite {
        path: path.to_path_buf(),
        source,
    };
    let existing: Vec<(i64, String, String)> = {
        let mut stmt = tx
            .prepare("SELECT id, name, role FROM facets ORDER BY position")
            .map_err(sql)?;
        let rows = stmt
            .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))
            .map_err(sql)?
            .collect::<Result<Vec<_>, _>>()
            .map_err(sql)?;
        rows
    };
    let mut wanted: Vec<(String, &str)> = vec![(staged.config.object.clone(), "object")];
    for r in &staged.config.raters {
        wanted.push((r.clone(), "rater"));
    }
    wanted.push((ITEM_FACET.to_string(), "item"));
    if existing.is_empty() {
        let mut ids = Vec::new();
        for (position, (name, role)) in wanted.iter().enumerate() {
            tx.execute(
                "INSERT INTO facets (position, name, role) VALUES (?1, ?2, ?3)",
                params![position as i64, name, role],
            )
            .map_err(sql)?;
            ids.push(tx.last_insert_rowid());
        }
        return Ok(FacetIds {
            object: ids[0],
            raters: ids[1..ids.len() - 1].to_vec(),
        });
    }
    let have: Vec<(String, &str)> = existing
        .iter()
        .map(|(_, n, r)| (n.clone(), r.as_str()))
        .collect();
    if have != wanted {
        let show = |facets: &[(String, &str)]| {
            facets
                .iter()
                .map(|(n, r)| format!("{n} ({r})"))
                .collect::<Vec<_>>()
                .join(", ")
        };
        return Err(StoreError::Incompatible {
            path: path.to_path_buf(),
            source_path: staged.source.clone(),
            message: format!(
                "the project's facets are [{}] but this description gives [{}]",
                show(&have),
                show(&wanted)
            ),
        });
    }
    Ok(FacetIds {
        object: existing[0].0,
        raters: existing[1..existing.len() - 1]
            .iter()
            .map(|(id, _, _)| *id)
            .collect(),
    })
}

/// Maps the description's items to project item idx values, adding new items; an item that
/// exists must be scored the same way.
fn ensure_items(
    tx: &Transaction,
    config: &DatasetConfig,
    source: &std::path::Path,
    path: &std::path::Path,
    dataset_id: i64,
) -> Result<Vec<i64>, StoreError> {
    let sql = |source| StoreError::Sqlite {
        path: path.to_path_buf(),
        source,
    };
    let item_facet: i64 = tx
        .query_row("SELECT id FROM facets WHERE role = 'item'", [], |r| {
            r.get(0)
        })
        .map_err(sql)?;
    let mut map = Vec::with_capacity(config.items.len());
    for item in &config.items {
        let definition = serde_json::to_string(item).map_err(|e| StoreError::Corrupt {
            path: path.to_path_buf(),
            message: e.to_string(),
        })?;
        let found: Option<(i64, String)> = tx
            .query_row(
                "SELECT idx, definition FROM items WHERE name = ?1",
                [&item.name],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )
            .optional()
            .map_err(sql)?;
        match found {
            Some((idx, stored)) => {
                let stored_item: crate::config::ItemConfig = serde_json::from_str(&stored)
                    .map_err(|e| StoreError::Corrupt {
                        path: path.to_path_buf(),
                        message: e.to_string(),
                    })?;
                if stored_item.categories != item.categories
                    || stored_item.recode != item.recode
                    || stored_item.reversed != item.reversed
                {
                    return Err(StoreError::Incompatible {
                        path: path.to_path_buf(),
                        source_path: source.to_path_buf(),
                        message: format!("item `{}` is scored differently than in the project (categories, recode or reversal differ)", item.name),
                    });
                }
                map.push(idx);
            }
            None => {
                let idx: i64 = tx
                    .query_row("SELECT count(*) FROM items", [], |r| r.get(0))
                    .map_err(sql)?;
                let (lo, hi) = item.score_range();
                tx.execute(
                    "INSERT INTO items (idx, name, min_score, max_score, definition) VALUES (?1, ?2, ?3, ?4, ?5)",
                    params![idx, item.name, lo, hi, definition],
                )
                .map_err(sql)?;
                tx.execute(
                    "INSERT INTO elements (facet_id, idx, label, attributes, dataset_id)
                     VALUES (?1, ?2, ?3, '{}', ?4)",
                    params![item_facet, idx, item.name, dataset_id],
                )
                .map_err(sql)?;
                map.push(idx);
            }
        }
    }
    Ok(map)
}

/// Maps a staged facet's elements to project idx values, adding new elements and merging
/// attributes into existing ones (values already stored are kept). Returns the map and how many
/// elements were new.
fn merge_elements(
    tx: &Transaction,
    facet_id: i64,
    staged: &StagedFacet,
    dataset_id: i64,
) -> rusqlite::Result<(Vec<i64>, usize)> {
    let mut known: HashMap<String, (i64, String)> = HashMap::new();
    {
        let mut stmt =
            tx.prepare("SELECT label, idx, attributes FROM elements WHERE facet_id = ?1")?;
        let rows = stmt.query_map([facet_id], |r| {
            Ok((r.get::<_, String>(0)?, (r.get(1)?, r.get(2)?)))
        })?;
        for row in rows {
            let (label, entry) = row?;
            known.insert(label, entry);
        }
    }
    let mut next = known.len() as i64;
    let mut map = Vec::with_capacity(staged.labels.len());
    let mut added = 0;
    let mut insert = tx.prepare("INSERT INTO elements (facet_id, idx, label, attributes, dataset_id) VALUES (?1, ?2, ?3, ?4, ?5)")?;
    let mut update =
        tx.prepare("UPDATE elements SET attributes = ?3 WHERE facet_id = ?1 AND idx = ?2")?;
    for (e, label) in staged.labels.iter().enumerate() {
        let attributes = staged.attributes_of(e);
        match known.get(label) {
            Some((idx, stored)) => {
                if !attributes.is_empty() {
                    let mut merged: serde_json::Map<String, serde_json::Value> =
                        serde_json::from_str(stored).unwrap_or_default();
                    let before = merged.len();
                    for (k, v) in &attributes {
                        merged
                            .entry(k.to_string())
                            .or_insert_with(|| serde_json::Value::String(v.to_string()));
                    }
                    if merged.len() != before {
                        update.execute(params![
                            facet_id,
                            idx,
                            serde_json::Value::Object(merged).to_string()
                        ])?;
                    }
                }
                map.push(*idx);
            }
            None => {
                let json = serde_json::to_string(&attributes).unwrap_or_else(|_| "{}".into());
                insert.execute(params![facet_id, next, label, json, dataset_id])?;
                map.push(next);
                next += 1;
                added += 1;
            }
        }
    }
    Ok((map, added))
}
