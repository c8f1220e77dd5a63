//! The project file: one SQLite database (WAL mode) holding the data sets, the facets and their
//! elements, the observations, and everything later stages produce (runs, estimates, flags,
//! decisions, exports, models).
//!
//! Every write is one transaction: an error, or a process killed half-way, leaves the project as
//! it was (SQLite's atomic commit). The schema is versioned; see [`schema`].
//!
//! Several processes may use one project at once: readers never wait, writers take turns. Every
//! write transaction is `IMMEDIATE` and waits for the other writer (see [`wait`]); creating the
//! schema and migrating happen inside such a transaction too. A finished fit that still cannot
//! be stored when the wait ends is kept in a side file ([`PendingRun`]) to import later.

mod annotations;
pub mod chunks;
pub mod columns;
mod decisions;
mod import;
mod models;
mod pending;
mod records;
mod runs;
pub mod schema;
mod summary;
pub mod wait;

pub use annotations::{ItemDefinition, RecordedRating, WORKBENCH_ATTRIBUTES};
pub use decisions::{Decision, DecisionRecord};
pub use import::ImportSummary;
pub use models::{ModelRecord, NewModel};
pub use pending::{
    PendingModel, PendingRun, PendingWork, PENDING_MODEL_FORMAT, PENDING_RUN_FORMAT,
};
use records::StoredText;
pub use records::{DatasetKind, ModelStatus, RunKind, RunStatus};
pub use runs::{RunRecord, RECODE_TABLE};
pub use summary::{
    summarize, CategoryCount, Distribution, FacetSummary, ItemSummary, ProjectSummary,
};

use crate::data::{Facet, FacetRole, ItemScale, RatingData};
use rusqlite::{params, Connection, OpenFlags, OptionalExtension, TransactionBehavior};
use std::path::{Path, PathBuf};

/// SQLite page cache per connection, in KiB (32 MiB; only used as needed). Observations are
/// read chunk by chunk and written in whole chunks, so a larger cache buys little and would
/// count towards an import's peak memory (dirty pages spill to the WAL when it is full).
const PAGE_CACHE_KIB: i64 = 32 * 1024;

/// A problem with the project file.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// A run's stored recode no longer fits the project's items (their scales changed).
    #[error("run {run_id}: its recode no longer fits the project's observations: {source}")]
    RunRecode {
        /// The run.
        run_id: i64,
        /// Why the recode does not apply.
        source: crate::data::RecodeError,
    },
    /// SQLite refused a statement on the project file (including a project that stayed busy).
    #[error("project {}: {}", path.display(), describe_sqlite(source))]
    Sqlite {
        /// The project file.
        path: PathBuf,
        /// The SQLite error.
        source: rusqlite::Error,
    },
    /// The project file does not exist (and was not to be created).
    #[error("project {} does not exist", path.display())]
    Missing {
        /// The project file.
        path: PathBuf,
    },
    /// A reviewer's name is a rater of the imported data: ratings under it would mix with theirs.
    #[error("a rater labelled `{reviewer}` is already in the imported data of {}; annotate under another name", path.display())]
    ReviewerTaken {
        /// The project file.
        path: PathBuf,
        /// The name given.
        reviewer: String,
    },
    /// The file exists but is not a scalewright project; it was left untouched.
    #[error("{} is not a scalewright project: {reason}", path.display())]
    NotAProject {
        /// The file that was to be opened as a project.
        path: PathBuf,
        /// Why it is not a project (e.g. the file is empty).
        reason: String,
    },
    /// The project stayed busy, so a finished run or model was saved to a side file instead.
    #[error("project {} stayed busy (another scalewright was writing) and the finished {what} could not be stored; it was saved to {}", path.display(), side_file.display())]
    RunKeptAside {
        /// The project file.
        path: PathBuf,
        /// `run` or `model`.
        what: &'static str,
        /// The side file holding the pending run or model.
        side_file: PathBuf,
    },
    /// A file given as a pending run is not one.
    #[error("{}: not a pending run of scalewright: {message}", file.display())]
    PendingFile {
        /// The side file that was read.
        file: PathBuf,
        /// What is wrong with it.
        message: String,
    },
    /// The project's schema version is newer than this scalewright supports.
    #[error("project {} has schema version {found}, newer than this scalewright understands ({supported}); upgrade scalewright", path.display())]
    TooNew {
        /// The project file.
        path: PathBuf,
        /// The schema version found in the project.
        found: i64,
        /// The newest schema version this scalewright supports.
        supported: i64,
    },
    /// The same file (same SHA-256) was already imported; nothing was imported.
    #[error("{} was already imported as dataset {dataset_id} on {imported_at} (same sha256 {sha256}); nothing was imported", path.display())]
    AlreadyImported {
        /// The file being imported.
        path: PathBuf,
        /// The data set that holds the earlier import.
        dataset_id: i64,
        /// When the earlier import happened (RFC 3339 UTC).
        imported_at: String,
        /// The SHA-256 of the file, as lower-case hex.
        sha256: String,
    },
    /// The data does not fit the project (e.g. other facets); nothing was imported.
    #[error("{} does not fit project {}: {message}; nothing was imported", source_path.display(), path.display())]
    Incompatible {
        /// The project file.
        path: PathBuf,
        /// The file being imported.
        source_path: PathBuf,
        /// How the data does not fit.
        message: String,
    },
    /// The data conflicts with responses already in the project; nothing was imported.
    #[error("{} conflicts with responses already in project {}; nothing was imported:\n{}", source_path.display(), path.display(), conflicts.join("\n"))]
    Conflicts {
        /// The project file.
        path: PathBuf,
        /// The file being imported.
        source_path: PathBuf,
        /// One line per conflicting response.
        conflicts: Vec<String>,
    },
    /// The project has no run with this id.
    #[error("project {} has no run {run_id}", path.display())]
    NoSuchRun {
        /// The project file.
        path: PathBuf,
        /// The run id asked for.
        run_id: i64,
    },
    /// The facet has no element with this label.
    #[error("project {} has no element `{label}` in facet `{facet}`", path.display())]
    NoSuchElement {
        /// The project file.
        path: PathBuf,
        /// The facet name.
        facet: String,
        /// The element label asked for.
        label: String,
    },
    /// A rating recorded in the workbench was refused; nothing was written.
    #[error("project {}: rating refused: {message}", path.display())]
    InvalidRating {
        /// The project file.
        path: PathBuf,
        /// Why the rating was refused.
        message: String,
    },
    /// Stored data (JSON or other stored values) cannot be read back.
    #[error("project {}: stored JSON is unreadable: {message}", path.display())]
    Corrupt {
        /// The project file.
        path: PathBuf,
        /// What could not be read.
        message: String,
    },
    /// A record holds a stored value this version does not know.
    #[error("project {}: {record} has {what} `{value}`, which this scalewright does not know", path.display())]
    UnknownValue {
        /// The project file.
        path: PathBuf,
        /// The record, e.g. `run 3`.
        record: String,
        /// What the value is, e.g. `run status`.
        what: &'static str,
        /// The stored text that is not known.
        value: String,
    },
}

/// The text of an SQLite error, saying what a busy project means.
fn describe_sqlite(error: &rusqlite::Error) -> String {
    if is_busy(error) {
        format!(
            "another scalewright kept the project busy past the wait limit ({} s; set {} to wait longer): {error}",
            wait::wait_limit().as_secs(),
            wait::WAIT_ENV
        )
    } else {
        error.to_string()
    }
}

fn is_busy(error: &rusqlite::Error) -> bool {
    matches!(
        error.sqlite_error_code(),
        Some(rusqlite::ErrorCode::DatabaseBusy | rusqlite::ErrorCode::DatabaseLocked)
    )
}

impl StoreError {
    /// The project stayed busy (another process writing) past the wait limit; nothing was
    /// written.
    pub fn is_busy(&self) -> bool {
        match self {
            StoreError::Sqlite { source, .. } => is_busy(source),
            StoreError::RunKeptAside { .. } => true,
            _ => false,
        }
    }

    /// The input names a run, element or project that is not there.
    pub fn is_not_found(&self) -> bool {
        matches!(
            self,
            StoreError::Missing { .. }
                | StoreError::NoSuchRun { .. }
                | StoreError::NoSuchElement { .. }
        )
    }
}

/// The current time as RFC 3339 UTC, as every stored timestamp.
pub fn now_rfc3339() -> String {
    time::OffsetDateTime::now_utc()
        .format(&time::format_description::well_known::Rfc3339)
        .unwrap_or_default()
}

/// One imported file (or annotation session).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct DatasetRecord {
    /// The data set id.
    pub id: i64,
    /// Whether it is an imported file or an annotation session.
    pub kind: DatasetKind,
    /// The path of the imported file, as given.
    pub source_path: String,
    /// The SHA-256 of the file, as lower-case hex.
    pub sha256: String,
    /// The SHA-256 of the import configuration, as lower-case hex.
    pub config_sha256: String,
    /// When it was imported (RFC 3339 UTC).
    pub imported_at: String,
    /// Rows read from the file.
    pub rows: i64,
    /// Observations stored from it.
    pub observations: i64,
}

/// An open project.
pub struct Project {
    conn: Connection,
    path: PathBuf,
    /// Told when a write waits for another writer (see [`wait`]).
    wait_observer: wait::ObserverSlot,
    /// How long a write waits for another writer, in milliseconds.
    wait_limit_ms: wait::LimitSlot,
}

impl std::fmt::Debug for Project {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Project").field("path", &self.path).finish()
    }
}

impl Project {
    /// Opens the project at `path`, creating it (and running migrations) when missing.
    pub fn create_or_open(path: &Path) -> Result<Project, StoreError> {
        Self::open_with(path, true)
    }

    /// Opens an existing project; a missing file is an error, not a new project, and so is a file
    /// that is not one (empty, or an SQLite database without the project's schema): it is left
    /// untouched.
    pub fn open(path: &Path) -> Result<Project, StoreError> {
        match std::fs::metadata(path) {
            Err(_) => {
                return Err(StoreError::Missing {
                    path: path.to_path_buf(),
                })
            }
            Ok(meta) if meta.is_file() && meta.len() == 0 => {
                return Err(StoreError::NotAProject {
                    path: path.to_path_buf(),
                    reason: "the file is empty".into(),
                })
            }
            Ok(_) => {}
        }
        Self::open_with(path, false)
    }

    /// Sets the observer told when a write of this project waits for another writer (instead of
    /// the default one, [`wait::set_default_wait_observer`]).
    pub fn on_wait(&mut self, observer: wait::WaitObserver) {
        if let Ok(mut slot) = self.wait_observer.lock() {
            *slot = Some(observer);
        }
    }

    /// Sets how long this project's writes wait for another writer (instead of
    /// [`wait::wait_limit`]); a front end that must stay responsive waits briefly.
    pub fn set_wait_limit(&mut self, limit: std::time::Duration) {
        let ms = limit.as_millis().min(u64::MAX as u128) as u64;
        self.wait_limit_ms
            .store(ms, std::sync::atomic::Ordering::Relaxed);
    }

    fn open_with(path: &Path, create: bool) -> Result<Project, StoreError> {
        let mut flags = OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_NO_MUTEX;
        if create {
            flags |= OpenFlags::SQLITE_OPEN_CREATE;
        }
        let sql = |source| StoreError::Sqlite {
            path: path.to_path_buf(),
            source,
        };
        let mut conn = Connection::open_with_flags(path, flags).map_err(sql)?;
        // Every statement below may meet another process's lock: wait for it (see [`wait`]).
        let wait_observer: wait::ObserverSlot = Default::default();
        let wait_limit_ms: wait::LimitSlot = std::sync::Arc::new(
            (wait::wait_limit().as_millis().min(u64::MAX as u128) as u64).into(),
        );
        conn.busy_handler(Some(wait::busy_handler(
            path,
            std::sync::Arc::clone(&wait_limit_ms),
            std::sync::Arc::clone(&wait_observer),
        )))
        .map_err(sql)?;
        // Writers take the lock when they begin, so they wait for each other there (a deferred
        // transaction that upgrades to a write fails at once when another process wrote).
        conn.set_transaction_behavior(TransactionBehavior::Immediate);
        if !create {
            // Refuse a database that is not a project before changing anything in it.
            let version: i64 = conn
                .pragma_query_value(None, "user_version", |r| r.get(0))
                .map_err(sql)?;
            let tables: i64 = conn
                .query_row("SELECT count(*) FROM sqlite_schema", [], |r| r.get(0))
                .map_err(sql)?;
            if version == 0 {
                return Err(StoreError::NotAProject {
                    path: path.to_path_buf(),
                    reason: if tables == 0 {
                        "the database is empty".into()
                    } else {
                        "the database has no scalewright schema".into()
                    },
                });
            }
        }
        // Switching a new file to WAL takes an exclusive lock without the busy handler: while
        // another process creates the same project, retry until the wait limit.
        let started = std::time::Instant::now();
        loop {
            match conn.pragma_update(None, "journal_mode", "WAL") {
                Ok(()) => break,
                Err(e) if is_busy(&e) && started.elapsed() < wait::wait_limit() => {
                    std::thread::sleep(std::time::Duration::from_millis(10));
                }
                Err(e) => return Err(sql(e)),
            }
        }
        conn.pragma_update(None, "synchronous", "NORMAL")
            .map_err(sql)?;
        conn.pragma_update(None, "foreign_keys", "ON")
            .map_err(sql)?;
        // Negative means KiB.
        conn.pragma_update(None, "cache_size", -PAGE_CACHE_KIB)
            .map_err(sql)?;
        let mut project = Project {
            conn,
            path: path.to_path_buf(),
            wait_observer,
            wait_limit_ms,
        };
        project.migrate()?;
        Ok(project)
    }

    /// The path of the project file.
    pub fn path(&self) -> &Path {
        &self.path
    }

    pub(crate) fn sql_err(&self) -> impl Fn(rusqlite::Error) -> StoreError + '_ {
        move |source| StoreError::Sqlite {
            path: self.path.clone(),
            source,
        }
    }

    /// The schema version of the open project.
    pub fn schema_version(&self) -> Result<i64, StoreError> {
        self.conn
            .pragma_query_value(None, "user_version", |r| r.get(0))
            .map_err(self.sql_err())
    }

    /// Brings the schema to [`schema::SCHEMA_VERSION`]. The version is read again inside the
    /// write transaction, so two processes creating one project do it once, one after the other.
    fn migrate(&mut self) -> Result<(), StoreError> {
        let found = self.schema_version()?;
        if found > schema::SCHEMA_VERSION {
            return Err(StoreError::TooNew {
                path: self.path.clone(),
                found,
                supported: schema::SCHEMA_VERSION,
            });
        }
        if found == schema::SCHEMA_VERSION {
            return Ok(());
        }
        let path = self.path.clone();
        let sql = |source| StoreError::Sqlite {
            path: path.clone(),
            source,
        };
        let tx = self.conn.transaction().map_err(sql)?;
        let found: i64 = tx
            .pragma_query_value(None, "user_version", |r| r.get(0))
            .map_err(sql)?;
        if found > schema::SCHEMA_VERSION {
            return Err(StoreError::TooNew {
                path: path.clone(),
                found,
                supported: schema::SCHEMA_VERSION,
            });
        }
        if found == schema::SCHEMA_VERSION {
            return tx.commit().map_err(sql);
        }
        for from in found..schema::SCHEMA_VERSION {
            schema::migrate_step(&tx, &path, from)?;
        }
        if found == 0 {
            tx.execute(
                "INSERT INTO meta (key, value) VALUES ('created_by', ?1), ('created_at', ?2)",
                params![format!("scalewright {}", crate::VERSION), now_rfc3339()],
            )
            .map_err(sql)?;
        }
        tx.pragma_update(None, "user_version", schema::SCHEMA_VERSION)
            .map_err(sql)?;
        tx.commit().map_err(sql)
    }

    /// All imported data sets, oldest first.
    pub fn datasets(&self) -> Result<Vec<DatasetRecord>, StoreError> {
        let mut stmt = self
            .conn
            .prepare(
                "SELECT id, kind, source_path, sha256, config_sha256, imported_at, rows, observations
                 FROM datasets ORDER BY id",
            )
            .map_err(self.sql_err())?;
        let rows = stmt
            .query_map([], |r| {
                let kind: String = r.get(1)?;
                Ok((
                    kind,
                    DatasetRecord {
                        id: r.get(0)?,
                        kind: DatasetKind::File,
                        source_path: r.get(2)?,
                        sha256: r.get(3)?,
                        config_sha256: r.get(4)?,
                        imported_at: r.get(5)?,
                        rows: r.get(6)?,
                        observations: r.get(7)?,
                    },
                ))
            })
            .map_err(self.sql_err())?;
        let mut records = Vec::new();
        for row in rows {
            let (kind, mut record) = row.map_err(self.sql_err())?;
            record.kind = self.stored(&kind, format!("data set {}", record.id))?;
            records.push(record);
        }
        Ok(records)
    }

    /// The dataset description (TOML) the newest imported file was read with; `None` when no
    /// file was imported (annotation sessions have no description of their own).
    pub fn dataset_config_toml(&self) -> Result<Option<String>, StoreError> {
        self.conn
            .query_row(
                "SELECT config_toml FROM datasets WHERE kind = 'file' ORDER BY id DESC LIMIT 1",
                [],
                |r| r.get(0),
            )
            .optional()
            .map_err(self.sql_err())
    }

    /// The project's own measurement model (stored by a Facets import); `None` for a project
    /// ingested from CSV + TOML, whose fits use their own defaults.
    pub fn measurement_model(&self) -> Result<Option<crate::config::ProjectModel>, StoreError> {
        self.query_json(
            "SELECT value FROM meta WHERE key = ?1",
            [crate::config::MODEL_META_KEY],
            || "the stored model".to_string(),
        )
    }

    /// The JSON text the query `sql` finds (its first column), decoded; `None` when it finds no
    /// row. A text that does not decode is corrupt, named by `what` (e.g. `run 3 table fit`).
    fn query_json<T: serde::de::DeserializeOwned>(
        &self,
        sql: &str,
        params: impl rusqlite::Params,
        what: impl FnOnce() -> String,
    ) -> Result<Option<T>, StoreError> {
        let text: Option<String> = self
            .conn
            .query_row(sql, params, |r| r.get(0))
            .optional()
            .map_err(self.sql_err())?;
        text.map(|t| {
            serde_json::from_str(&t).map_err(|e| StoreError::Corrupt {
                path: self.path.clone(),
                message: format!("{}: {e}", what()),
            })
        })
        .transpose()
    }

    /// The typed value of a stored text of `record` (e.g. `run 3`), or an error naming both.
    fn stored<T: StoredText>(&self, text: &str, record: String) -> Result<T, StoreError> {
        T::from_stored_text(text).ok_or_else(|| StoreError::UnknownValue {
            path: self.path.clone(),
            record,
            what: T::WHAT,
            value: text.to_string(),
        })
    }

    /// The facets in model order with their element labels (empty before the first import).
    pub fn facets(&self) -> Result<Vec<Facet>, StoreError> {
        let mut stmt = self
            .conn
            .prepare("SELECT id, name, role FROM facets ORDER BY position")
            .map_err(self.sql_err())?;
        let heads: Vec<(i64, String, String)> = stmt
            .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))
            .map_err(self.sql_err())?
            .collect::<Result<_, _>>()
            .map_err(self.sql_err())?;
        let mut labels_stmt = self
            .conn
            .prepare("SELECT label FROM elements WHERE facet_id = ?1 ORDER BY idx")
            .map_err(self.sql_err())?;
        let mut facets = Vec::with_capacity(heads.len());
        for (id, name, role) in heads {
            let labels: Vec<String> = labels_stmt
                .query_map([id], |r| r.get(0))
                .map_err(self.sql_err())?
                .collect::<Result<_, _>>()
                .map_err(self.sql_err())?;
            let role = FacetRole::parse(&role).ok_or_else(|| StoreError::Corrupt {
                path: self.path.clone(),
                message: format!("facet `{name}` has unknown role `{role}`"),
            })?;
            facets.push(Facet { name, role, labels });
        }
        Ok(facets)
    }

    /// The scales of the items, by item idx.
    pub fn item_scales(&self) -> Result<Vec<ItemScale>, StoreError> {
        let mut stmt = self
            .conn
            .prepare("SELECT min_score, max_score FROM items ORDER BY idx")
            .map_err(self.sql_err())?;
        let scales = stmt
            .query_map([], |r| {
                Ok(ItemScale {
                    min_score: r.get(0)?,
                    max_score: r.get(1)?,
                })
            })
            .map_err(self.sql_err())?
            .collect::<Result<_, _>>()
            .map_err(self.sql_err())?;
        Ok(scales)
    }

    /// The session order of every record (a rater's responses to one object): the smallest
    /// `(dataset, source row)` of its responses, as one sort key (`dataset << 32 | row`), by
    /// `(rater element, object element)` of the first rater facet. Records made in the workbench
    /// sort by their dataset (their row is 0).
    pub fn record_order(&self) -> Result<crate::quality::diagnosis::RecordOrder, StoreError> {
        let mut order = crate::quality::diagnosis::RecordOrder::new();
        chunks::for_each_chunk(&self.conn, &self.path, |_, chunk| {
            for n in 0..chunk.len() {
                let key = ((chunk.dataset_id[n].max(0) as u64) << 32)
                    | (chunk.source_row[n].max(0) as u64 & 0xffff_ffff);
                let slot = order
                    .entry((chunk.rater[n] as u32, chunk.object[n] as u32))
                    .or_insert(key);
                *slot = (*slot).min(key);
            }
            Ok(())
        })?;
        Ok(order)
    }

    /// Every observation in the project, as the engine reads it. Excluded elements are not masked
    /// here (see the review stage for masked loads).
    pub fn ratings(&self) -> Result<RatingData, StoreError> {
        let facets = self.facets()?;
        let item_scales = self.item_scales()?;
        let n_facets = facets.len();
        let object_facet = facets
            .iter()
            .position(|f| f.role == FacetRole::Object)
            .unwrap_or(0);
        let item_facet = facets
            .iter()
            .position(|f| f.role == FacetRole::Item)
            .unwrap_or(n_facets.saturating_sub(1));
        let rater_positions: Vec<usize> = facets
            .iter()
            .enumerate()
            .filter(|(_, f)| f.role == FacetRole::Rater)
            .map(|(i, _)| i)
            .collect();
        let count = chunks::count(&self.conn, &self.path)?;
        let mut elements: Vec<Vec<u32>> =
            (0..n_facets).map(|_| Vec::with_capacity(count)).collect();
        let mut scores = Vec::with_capacity(count);
        let corrupt = |id: i64, column: &str, e: columns::ColumnError| StoreError::Corrupt {
            path: self.path.clone(),
            message: format!("observation chunk {id}, column `{column}`: {e}"),
        };
        let mut stmt = self
            .conn
            .prepare("SELECT id, responses, object, rater, other_raters, item, score FROM observation_chunks ORDER BY id")
            .map_err(self.sql_err())?;
        let mut rows = stmt.query([]).map_err(self.sql_err())?;
        let blob = |row: &rusqlite::Row, k: usize| -> Result<Vec<u8>, StoreError> {
            row.get::<_, Vec<u8>>(k).map_err(self.sql_err())
        };
        while let Some(row) = rows.next().map_err(self.sql_err())? {
            let id: i64 = row.get(0).map_err(self.sql_err())?;
            let responses = row.get::<_, i64>(1).map_err(self.sql_err())? as usize;
            // Every column must hold the chunk's responses (a damaged chunk is an error, never a
            // misaligned response).
            let check = |column: &str, n: usize| {
                if n == responses {
                    Ok(())
                } else {
                    Err(StoreError::Corrupt {
                        path: self.path.clone(),
                        message: format!("observation chunk {id}, column `{column}`: {n} values for {responses} responses"),
                    })
                }
            };
            let n = columns::decode_into(&blob(row, 2)?, &mut elements[object_facet])
                .map_err(|e| corrupt(id, "object", e))?;
            check("object", n)?;
            if let Some(&first) = rater_positions.first() {
                let n = columns::decode_into(&blob(row, 3)?, &mut elements[first])
                    .map_err(|e| corrupt(id, "rater", e))?;
                check("rater", n)?;
            }
            let others = blob(row, 4)?;
            let parts =
                columns::split_group(&others).map_err(|e| corrupt(id, "other_raters", e))?;
            if parts.len() != rater_positions.len().saturating_sub(1) {
                return Err(StoreError::Corrupt {
                    path: self.path.clone(),
                    message: format!(
                        "observation chunk {id}, column `other_raters`: {} further rater facet(s) stored, the design has {}",
                        parts.len(),
                        rater_positions.len().saturating_sub(1)
                    ),
                });
            }
            for (part, &f) in parts.iter().zip(rater_positions.iter().skip(1)) {
                let n = columns::decode_into(part, &mut elements[f])
                    .map_err(|e| corrupt(id, "other_raters", e))?;
                check("other_raters", n)?;
            }
            let n = columns::decode_into(&blob(row, 5)?, &mut elements[item_facet])
                .map_err(|e| corrupt(id, "item", e))?;
            check("item", n)?;
            let n = columns::decode_into(&blob(row, 6)?, &mut scores)
                .map_err(|e| corrupt(id, "score", e))?;
            check("score", n)?;
        }
        let data = RatingData {
            facets,
            elements,
            scores,
            item_scales,
            object_facet,
            item_facet,
        };
        if !data.is_empty() {
            data.check().map_err(|e| StoreError::Corrupt {
                path: self.path.clone(),
                message: e.to_string(),
            })?;
        }
        Ok(data)
    }

    /// The text of every object that has one, by object idx.
    pub fn texts(&self) -> Result<Vec<Option<String>>, StoreError> {
        let n_objects: i64 = self
            .conn
            .query_row(
                "SELECT count(*) FROM elements e JOIN facets f ON f.id = e.facet_id WHERE f.role = 'object'",
                [],
                |r| r.get(0),
            )
            .map_err(self.sql_err())?;
        let mut texts = vec![None; n_objects as usize];
        let mut stmt = self
            .conn
            .prepare("SELECT object, text FROM texts")
            .map_err(self.sql_err())?;
        let rows = stmt
            .query_map([], |r| Ok((r.get::<_, i64>(0)?, r.get::<_, String>(1)?)))
            .map_err(self.sql_err())?;
        for row in rows {
            let (object, text) = row.map_err(self.sql_err())?;
            if let Some(slot) = texts.get_mut(object as usize) {
                *slot = Some(text);
            }
        }
        Ok(texts)
    }

    /// The attributes of element `idx` of facet `facet` (by name) as a JSON object.
    pub fn element_attributes(
        &self,
        facet: &str,
        idx: usize,
    ) -> Result<serde_json::Map<String, serde_json::Value>, StoreError> {
        let json: Option<String> = self
            .conn
            .query_row(
                "SELECT e.attributes FROM elements e JOIN facets f ON f.id = e.facet_id
                 WHERE f.name = ?1 AND e.idx = ?2",
                params![facet, idx as i64],
                |r| r.get(0),
            )
            .optional()
            .map_err(self.sql_err())?;
        match json {
            None => Ok(serde_json::Map::new()),
            Some(text) => serde_json::from_str(&text).map_err(|e| StoreError::Corrupt {
                path: self.path.clone(),
                message: e.to_string(),
            }),
        }
    }
}
