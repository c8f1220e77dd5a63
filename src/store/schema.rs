//! The project file's schema and its migrations.
//!
//! The schema version is SQLite's `PRAGMA user_version`. [`MIGRATIONS`] lists the SQL that brings
//! a project from version `i` to `i + 1`, and [`migrate_step`] applies one, with the data moves
//! SQL cannot do alone; opening a project applies the missing ones in one transaction (a process
//! killed during a migration leaves the project at its old version). A project written by a newer
//! scalewright is refused, never modified.
//!
//! - Version 1: one SQLite row per response (`observations`, with two indexes).
//! - Version 2: responses stored by column in chunks (`observation_chunks`, see
//!   [`super::chunks`]); `observations` moved there in row-id order and dropped. `estimates`
//!   gains `discrimination`, so a run's Table 7 rows are stored once (the run's `fit` JSON table
//!   leaves them out; runs stored by version 1 keep them there and read as before).

use super::chunks::{ChunkWriter, Response};
use super::StoreError;
use rusqlite::Connection;
use std::path::Path;

/// The schema version this build writes.
pub const SCHEMA_VERSION: i64 = MIGRATIONS.len() as i64;

/// Migration `i` upgrades a project from version `i` to `i + 1` (its SQL part; see
/// [`migrate_step`]).
pub const MIGRATIONS: [&str; 2] = [V1, V2];

/// Applies migration `from` (version `from` to `from + 1`) inside the caller's transaction.
pub fn migrate_step(conn: &Connection, path: &Path, from: i64) -> Result<(), StoreError> {
    let sql = |source| StoreError::Sqlite {
        path: path.to_path_buf(),
        source,
    };
    let Some(migration) = MIGRATIONS.get(from as usize) else {
        return Ok(());
    };
    conn.execute_batch(migration).map_err(sql)?;
    if from == 1 {
        move_rows_to_chunks(conn, path)?;
        conn.execute_batch("DROP TABLE observations;")
            .map_err(sql)?;
    }
    Ok(())
}

/// Version 1 -> 2: every row of `observations`, in id order, into chunks of
/// [`super::chunks::CHUNK_RESPONSES`] (so the observations keep their order and every stored
/// run's data fingerprint still matches).
fn move_rows_to_chunks(conn: &Connection, path: &Path) -> Result<(), StoreError> {
    let sql = |source| StoreError::Sqlite {
        path: path.to_path_buf(),
        source,
    };
    let rater_facets: i64 = conn
        .query_row(
            "SELECT count(*) FROM facets WHERE role = 'rater'",
            [],
            |r| r.get(0),
        )
        .map_err(sql)?;
    let others = (rater_facets.max(1) - 1) as usize;
    let mut writer = ChunkWriter::new(conn, path, others);
    let mut stmt = conn
        .prepare(
            "SELECT id, dataset_id, source_row, object, rater, other_raters, item, raw, score
             FROM observations ORDER BY id",
        )
        .map_err(sql)?;
    let mut rows = stmt.query([]).map_err(sql)?;
    let mut other_raters = vec![0i64; others];
    while let Some(row) = rows.next().map_err(sql)? {
        let id: i64 = row.get(0).map_err(sql)?;
        let blob = row
            .get_ref(5)
            .and_then(|v| v.as_blob().map_err(Into::into))
            .map_err(sql)?;
        if blob.len() != 4 * others {
            return Err(StoreError::Corrupt {
                path: path.to_path_buf(),
                message: format!(
                    "observation {id}: other_raters holds {} bytes, not {} ({others} further rater facet(s))",
                    blob.len(),
                    4 * others
                ),
            });
        }
        for (k, bytes) in blob.chunks_exact(4).enumerate() {
            other_raters[k] = u32::from_le_bytes([bytes[0], bytes[1], bytes[2], bytes[3]]) as i64;
        }
        writer.push(&Response {
            dataset_id: row.get(1).map_err(sql)?,
            source_row: row.get(2).map_err(sql)?,
            object: row.get(3).map_err(sql)?,
            rater: row.get(4).map_err(sql)?,
            other_raters: &other_raters,
            item: row.get(6).map_err(sql)?,
            raw: row.get(7).map_err(sql)?,
            score: row.get(8).map_err(sql)?,
        })?;
    }
    writer.finish()?;
    Ok(())
}

/// Version 1: data, runs, review, exports and models.
const V1: &str = r#"
-- Key-value facts about the project (creator version, creation time).
CREATE TABLE meta (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL
);

-- One row per imported file (or per annotation session of the workbench).
CREATE TABLE datasets (
    id            INTEGER PRIMARY KEY,
    kind          TEXT NOT NULL CHECK (kind IN ('file', 'annotation')),
    source_path   TEXT NOT NULL,
    sha256        TEXT NOT NULL,
    config_toml   TEXT NOT NULL,
    config_sha256 TEXT NOT NULL,
    imported_at   TEXT NOT NULL,
    rows          INTEGER NOT NULL,
    observations  INTEGER NOT NULL,
    scalewright_version TEXT NOT NULL
);
CREATE UNIQUE INDEX datasets_file_sha256 ON datasets(sha256) WHERE kind = 'file';

-- The facets of the design, in model order: the object facet (position 0), the rater facets,
-- the item facet last.
CREATE TABLE facets (
    id       INTEGER PRIMARY KEY,
    position INTEGER NOT NULL UNIQUE,
    name     TEXT NOT NULL UNIQUE,
    role     TEXT NOT NULL CHECK (role IN ('object', 'rater', 'item'))
);

-- Elements of every facet; idx is dense within the facet and is what observations store.
CREATE TABLE elements (
    facet_id   INTEGER NOT NULL REFERENCES facets(id),
    idx        INTEGER NOT NULL,
    label      TEXT NOT NULL,
    attributes TEXT NOT NULL DEFAULT '{}',   -- JSON object: column -> value
    dataset_id INTEGER NOT NULL REFERENCES datasets(id),  -- where the element first appeared
    PRIMARY KEY (facet_id, idx),
    UNIQUE (facet_id, label)
) WITHOUT ROWID;

-- How each item is scored (idx = element idx in the item facet).
CREATE TABLE items (
    idx        INTEGER PRIMARY KEY,
    name       TEXT NOT NULL UNIQUE,
    min_score  INTEGER NOT NULL,
    max_score  INTEGER NOT NULL,
    definition TEXT NOT NULL                 -- JSON of the item's description entry
);

-- Object texts (for reading in the workbench and for the predictor).
CREATE TABLE texts (
    object INTEGER PRIMARY KEY,
    text   TEXT NOT NULL
);

-- One row per item response. object/rater/item are element idx values of their facets; rater is
-- the first rater facet's element (-1 when the design has no rater facet); other_raters holds
-- the further rater facets' elements as little-endian u32 values (empty when none).
CREATE TABLE observations (
    id           INTEGER PRIMARY KEY,
    dataset_id   INTEGER NOT NULL REFERENCES datasets(id),
    source_row   INTEGER NOT NULL,
    object       INTEGER NOT NULL,
    rater        INTEGER NOT NULL,
    other_raters BLOB NOT NULL,
    item         INTEGER NOT NULL,
    raw          INTEGER NOT NULL,
    score        INTEGER NOT NULL
);
CREATE UNIQUE INDEX observations_cell ON observations(object, rater, other_raters, item);
CREATE INDEX observations_rater ON observations(rater);

-- Estimation runs (fit), with their options, convergence history and summary, as JSON.
CREATE TABLE runs (
    id               INTEGER PRIMARY KEY,
    kind             TEXT NOT NULL,          -- 'fit'
    method           TEXT NOT NULL,          -- 'jmle' | 'mml'
    status           TEXT NOT NULL CHECK (status IN ('running', 'converged', 'not_converged', 'cancelled', 'failed')),
    started_at       TEXT NOT NULL,
    finished_at      TEXT,
    options          TEXT NOT NULL,
    data_fingerprint TEXT NOT NULL,          -- sha256 over the observations the run used
    history          TEXT NOT NULL DEFAULT '[]',
    summary          TEXT NOT NULL DEFAULT '{}',
    parent_run       INTEGER REFERENCES runs(id),
    note             TEXT NOT NULL DEFAULT '',
    scalewright_version TEXT NOT NULL
);

-- Table 7: one row per element of every facet and run.
CREATE TABLE estimates (
    run_id           INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
    facet_id         INTEGER NOT NULL REFERENCES facets(id),
    element_idx      INTEGER NOT NULL,
    status           TEXT NOT NULL,
    measure          REAL,
    model_se         REAL,
    real_se          REAL,
    total_score      REAL,
    count            INTEGER,
    observed_average REAL,
    fair_average     REAL,
    infit            REAL,
    infit_zstd       REAL,
    outfit           REAL,
    outfit_zstd      REAL,
    ptmea            REAL,
    ptexp            REAL,
    displacement     REAL,
    PRIMARY KEY (run_id, facet_id, element_idx)
) WITHOUT ROWID;

-- Per-run tables kept whole as JSON: facet summaries, Table 8 scales, bias tables, Wright map.
CREATE TABLE run_tables (
    run_id  INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
    name    TEXT NOT NULL,
    content TEXT NOT NULL,
    PRIMARY KEY (run_id, name)
) WITHOUT ROWID;

-- Rater-quality flags raised on a run.
CREATE TABLE flags (
    id          INTEGER PRIMARY KEY,
    run_id      INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
    facet_id    INTEGER NOT NULL REFERENCES facets(id),
    element_idx INTEGER NOT NULL,
    rule        TEXT NOT NULL,
    detail      TEXT NOT NULL,               -- JSON: the numbers behind the flag
    created_at  TEXT NOT NULL
);
CREATE INDEX flags_run ON flags(run_id);

-- Review decisions; the newest per element is in force. Exclusion masks observations, never
-- deletes them.
CREATE TABLE decisions (
    id          INTEGER PRIMARY KEY,
    facet_id    INTEGER NOT NULL REFERENCES facets(id),
    element_idx INTEGER NOT NULL,
    decision    TEXT NOT NULL CHECK (decision IN ('exclude', 'keep', 'undecided')),
    reason      TEXT NOT NULL,
    source      TEXT NOT NULL,               -- 'cli', 'tui', 'rule:<name>', 'pipeline'
    run_id      INTEGER REFERENCES runs(id),
    decided_at  TEXT NOT NULL
);
CREATE INDEX decisions_element ON decisions(facet_id, element_idx, id);

-- Files exported, with their provenance.
CREATE TABLE exports (
    id            INTEGER PRIMARY KEY,
    run_id        INTEGER NOT NULL REFERENCES runs(id),
    what          TEXT NOT NULL,             -- 'objects' | 'raters' | 'items' | 'joined'
    format        TEXT NOT NULL,             -- 'csv' | 'parquet' | 'json'
    path          TEXT NOT NULL,
    rows          INTEGER NOT NULL,
    config_sha256 TEXT NOT NULL,
    data_sha256   TEXT NOT NULL,
    scalewright_version TEXT NOT NULL,
    created_at    TEXT NOT NULL
);

-- Trained predictors: weights (safetensors), configuration, metrics, and the run whose targets
-- they learned.
CREATE TABLE models (
    id          INTEGER PRIMARY KEY,
    run_id      INTEGER NOT NULL REFERENCES runs(id),
    encoder     TEXT NOT NULL,
    status      TEXT NOT NULL CHECK (status IN ('trained', 'cancelled', 'failed')),
    config      TEXT NOT NULL,
    metrics     TEXT NOT NULL DEFAULT '{}',
    weights     BLOB,
    created_at  TEXT NOT NULL,
    scalewright_version TEXT NOT NULL
);

-- Cached sentence-encoder vectors, so each text is encoded once per encoder.
CREATE TABLE embeddings (
    encoder TEXT NOT NULL,
    object  INTEGER NOT NULL,
    vector  BLOB NOT NULL,                   -- little-endian f32
    PRIMARY KEY (encoder, object)
) WITHOUT ROWID;
"#;

/// Version 2: observations stored by column in chunks (see [`super::chunks`]); the rows of
/// `observations` move here in [`migrate_step`], which then drops that table.
const V2: &str = r#"
-- Up to 65,536 responses per row, one encoded column per field (see src/store/columns.rs):
-- frame of reference, the smallest byte width, zstd. The observations are the chunks in id
-- order, and the responses in chunk order. object_min/object_max bound the chunk's objects (its
-- zone map), so a lookup of one response decodes only the chunks that can hold it.
CREATE TABLE observation_chunks (
    id           INTEGER PRIMARY KEY,
    responses    INTEGER NOT NULL CHECK (responses > 0),
    object_min   INTEGER NOT NULL,
    object_max   INTEGER NOT NULL,
    object       BLOB NOT NULL,   -- element idx in the object facet
    rater        BLOB NOT NULL,   -- element idx in the first rater facet (-1: no rater facet)
    other_raters BLOB NOT NULL,   -- one column per further rater facet, each after its length (u32 LE)
    item         BLOB NOT NULL,   -- element idx in the item facet
    score        BLOB NOT NULL,   -- the scored category
    raw          BLOB NOT NULL,   -- the code as written in the file
    dataset_id   BLOB NOT NULL,   -- datasets.id of the response
    source_row   BLOB NOT NULL    -- its 1-based row in that file
);
CREATE INDEX observation_chunks_objects ON observation_chunks(object_min, object_max);

-- Table 7 rows are kept once, here: a version-2 run's `fit` table holds everything but them.
ALTER TABLE estimates ADD COLUMN discrimination REAL;
"#;
