//! The project file's schema and its migrations.
//!
//! The schema version is SQLite's `PRAGMA user_version`. [`MIGRATIONS`] lists the SQL that brings
//! a project from version `i` to `i + 1`; opening a project applies the missing ones in one
//! transaction. A project written by a newer scalewright is refused, never modified.

/// The indexes of the observations table, as created by version 1 (dropped and rebuilt around a
/// bulk import into an empty table).
pub const OBSERVATION_INDEXES: &str = "CREATE UNIQUE INDEX observations_cell ON observations(object, rater, other_raters, item);\nCREATE INDEX observations_rater ON observations(rater);";

/// The schema version this build writes.
pub const SCHEMA_VERSION: i64 = MIGRATIONS.len() as i64;

/// Migration `i` upgrades a project from version `i` to `i + 1`.
pub const MIGRATIONS: [&str; 1] = [V1];

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
