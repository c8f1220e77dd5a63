//! Estimation runs in the project: each fit is stored whole (options, convergence history, every
//! statistic) in one transaction, so a killed fit leaves no half-written run.

use super::{now_rfc3339, Project, RunKind, RunStatus, StoreError};
use crate::data::RatingData;
use crate::measure::{Fit, Method};
use rusqlite::{params, OptionalExtension};
use serde::Serialize;
use sha2::{Digest, Sha256};

/// The run table holding a run's recode (see [`crate::data::Recode`]).
pub const RECODE_TABLE: &str = "recode";

/// A stored run, without its tables.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RunRecord {
    /// The run id.
    pub id: i64,
    /// What the run is (a fit).
    pub kind: RunKind,
    /// The estimation method (`jmle`, `mml`).
    pub method: Method,
    /// How the run ended.
    pub status: RunStatus,
    /// When the run started (RFC 3339 UTC).
    pub started_at: String,
    /// When the run was stored (RFC 3339 UTC), if recorded.
    pub finished_at: Option<String>,
    /// Iterations in the run's history.
    pub iterations: usize,
    /// The fingerprint of the observations the run used ([`data_fingerprint`]).
    pub data_fingerprint: String,
    /// The note stored with the run.
    pub note: String,
    /// The recode the run applied to the stored categories, if any.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub recode: Option<crate::data::Recode>,
}

/// SHA-256 over the observations a run used (element indices and scores, in order): two runs
/// with the same fingerprint saw the same data.
pub fn data_fingerprint(data: &RatingData) -> String {
    let mut hasher = Sha256::new();
    for column in &data.elements {
        for e in column {
            hasher.update(e.to_le_bytes());
        }
    }
    for s in &data.scores {
        hasher.update(s.to_le_bytes());
    }
    crate::ingest::reader::hex(&hasher.finalize())
}

impl Project {
    /// Stores a finished fit with everything it computed, on data with fingerprint
    /// `fingerprint` ([`data_fingerprint`]). `extra_tables` are further named JSON tables of the
    /// run (e.g. the connectedness report). Returns the run id. (`save_fit` keeps the run in a
    /// side file when the project stays busy.)
    pub(crate) fn store_fit(
        &mut self,
        fit: &Fit,
        fingerprint: &str,
        started_at: &str,
        note: &str,
        extra_tables: &[(&str, serde_json::Value)],
    ) -> Result<i64, StoreError> {
        let path = self.path.clone();
        let sql = |source| StoreError::Sqlite {
            path: path.clone(),
            source,
        };
        let json = |value: &dyn erased::Json| value.to_json_string(&path);
        let facet_ids: Vec<i64> = {
            let mut stmt = self
                .conn
                .prepare("SELECT id FROM facets ORDER BY position")
                .map_err(sql)?;
            let ids = stmt
                .query_map([], |r| r.get(0))
                .map_err(sql)?
                .collect::<Result<Vec<i64>, _>>()
                .map_err(sql)?;
            ids
        };
        if facet_ids.len() != fit.facets.len() {
            return Err(StoreError::Corrupt {
                path: path.clone(),
                message: format!(
                    "the fit has {} facets but the project {}",
                    fit.facets.len(),
                    facet_ids.len()
                ),
            });
        }
        let status = if fit.converged {
            RunStatus::Converged
        } else {
            RunStatus::NotConverged
        };
        let tx = self.conn.transaction().map_err(sql)?;
        tx.execute(
            "INSERT INTO runs (kind, method, status, started_at, finished_at, options, data_fingerprint,
                               history, summary, note, scalewright_version)
             VALUES (?11, ?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)",
            params![
                fit.options.method.as_str(),
                status.as_str(),
                started_at,
                now_rfc3339(),
                json(&fit.options)?,
                fingerprint,
                json(&fit.history)?,
                json(&fit.global)?,
                note,
                crate::VERSION,
                RunKind::Fit.as_str()
            ],
        )
        .map_err(sql)?;
        let run_id = tx.last_insert_rowid();
        {
            let mut insert = tx
                .prepare(
                    "INSERT INTO estimates (run_id, facet_id, element_idx, status, measure, model_se, real_se,
                        total_score, count, observed_average, fair_average, infit, infit_zstd, outfit,
                        outfit_zstd, ptmea, ptexp, displacement)
                     VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18)",
                )
                .map_err(sql)?;
            for (facet, &facet_id) in fit.facets.iter().zip(&facet_ids) {
                for (idx, e) in facet.elements.iter().enumerate() {
                    insert
                        .execute(params![
                            run_id,
                            facet_id,
                            idx as i64,
                            e.status.as_str(),
                            e.measure,
                            e.model_se,
                            e.real_se,
                            e.total_score,
                            e.count as i64,
                            e.observed_average,
                            e.fair_average,
                            e.infit,
                            e.infit_zstd,
                            e.outfit,
                            e.outfit_zstd,
                            e.point_measure,
                            e.point_measure_expected,
                            e.displacement
                        ])
                        .map_err(sql)?;
                }
            }
            let mut table = tx
                .prepare("INSERT INTO run_tables (run_id, name, content) VALUES (?1, ?2, ?3)")
                .map_err(sql)?;
            table
                .execute(params![run_id, "fit", json(fit)?])
                .map_err(sql)?;
            for (name, value) in extra_tables {
                table
                    .execute(params![run_id, name, value.to_string()])
                    .map_err(sql)?;
            }
        }
        tx.commit().map_err(sql)?;
        Ok(run_id)
    }

    /// All runs, newest first.
    pub fn runs(&self) -> Result<Vec<RunRecord>, StoreError> {
        let mut stmt = self
            .conn
            .prepare(
                "SELECT runs.id, kind, method, status, started_at, finished_at, history, data_fingerprint,
                        note, recode.content
                 FROM runs LEFT JOIN run_tables AS recode
                   ON recode.run_id = runs.id AND recode.name = ?1
                 ORDER BY runs.id DESC",
            )
            .map_err(self.sql_err())?;
        let rows = stmt
            .query_map([RECODE_TABLE], |r| {
                let history: String = r.get(6)?;
                let iterations = serde_json::from_str::<Vec<serde_json::Value>>(&history)
                    .map(|h| h.len())
                    .unwrap_or(0);
                let texts: [String; 3] = [r.get(1)?, r.get(2)?, r.get(3)?];
                let recode: Option<String> = r.get(9)?;
                Ok((
                    (texts, recode),
                    RunRecord {
                        id: r.get(0)?,
                        kind: RunKind::Fit,
                        method: Method::Jmle,
                        status: RunStatus::Failed,
                        started_at: r.get(4)?,
                        finished_at: r.get(5)?,
                        iterations,
                        data_fingerprint: r.get(7)?,
                        note: r.get(8)?,
                        recode: None,
                    },
                ))
            })
            .map_err(self.sql_err())?;
        let mut records = Vec::new();
        for row in rows {
            let (([kind, method, status], recode), mut record) = row.map_err(self.sql_err())?;
            let name = || format!("run {}", record.id);
            record.recode = recode
                .map(|text| {
                    serde_json::from_str(&text).map_err(|e| StoreError::Corrupt {
                        path: self.path.clone(),
                        message: format!("{} table {RECODE_TABLE}: {e}", name()),
                    })
                })
                .transpose()?;
            record.kind = self.stored(&kind, name())?;
            record.method = self.stored(&method, name())?;
            record.status = self.stored(&status, name())?;
            records.push(record);
        }
        Ok(records)
    }

    /// The newest run's id, if any.
    pub fn latest_run(&self) -> Result<Option<i64>, StoreError> {
        self.conn
            .query_row("SELECT max(id) FROM runs", [], |r| r.get(0))
            .optional()
            .map(Option::flatten)
            .map_err(self.sql_err())
    }

    /// A named JSON table of a run (`fit` holds the whole [`Fit`]).
    pub fn run_table(
        &self,
        run_id: i64,
        name: &str,
    ) -> Result<Option<serde_json::Value>, StoreError> {
        let text: Option<String> = self
            .conn
            .query_row(
                "SELECT content FROM run_tables WHERE run_id = ?1 AND name = ?2",
                params![run_id, name],
                |r| r.get(0),
            )
            .optional()
            .map_err(self.sql_err())?;
        text.map(|t| {
            serde_json::from_str(&t).map_err(|e| StoreError::Corrupt {
                path: self.path.clone(),
                message: format!("run {run_id} table {name}: {e}"),
            })
        })
        .transpose()
    }

    /// The stored fit of run `run_id`.
    pub fn load_fit(&self, run_id: i64) -> Result<Fit, StoreError> {
        let value = self
            .run_table(run_id, "fit")?
            .ok_or_else(|| StoreError::NoSuchRun {
                path: self.path.clone(),
                run_id,
            })?;
        serde_json::from_value(value).map_err(|e| StoreError::Corrupt {
            path: self.path.clone(),
            message: format!("run {run_id}: {e}"),
        })
    }
}

/// Serialising stored JSON with the project's error type.
mod erased {
    use super::StoreError;
    use std::path::Path;

    pub trait Json {
        fn to_json_string(&self, path: &Path) -> Result<String, StoreError>;
    }

    impl<T: serde::Serialize + ?Sized> Json for T {
        fn to_json_string(&self, path: &Path) -> Result<String, StoreError> {
            serde_json::to_string(self).map_err(|e| StoreError::Corrupt {
                path: path.to_path_buf(),
                message: e.to_string(),
            })
        }
    }
}

impl Project {
    /// Stores the flags raised on run `run_id` (replacing earlier flags of that run), in one
    /// transaction.
    pub fn save_flags(
        &mut self,
        run_id: i64,
        flags: &[crate::quality::Flag],
    ) -> Result<(), StoreError> {
        let path = self.path.clone();
        let sql = |source| StoreError::Sqlite {
            path: path.clone(),
            source,
        };
        let tx = self.conn.transaction().map_err(sql)?;
        tx.execute("DELETE FROM flags WHERE run_id = ?1", [run_id])
            .map_err(sql)?;
        {
            let mut insert = tx
                .prepare(
                    "INSERT INTO flags (run_id, facet_id, element_idx, rule, detail, created_at)
                     VALUES (?1, (SELECT id FROM facets WHERE position = ?2), ?3, ?4, ?5, ?6)",
                )
                .map_err(sql)?;
            let now = now_rfc3339();
            for flag in flags {
                let detail = serde_json::to_string(flag).map_err(|e| StoreError::Corrupt {
                    path: path.clone(),
                    message: e.to_string(),
                })?;
                insert
                    .execute(params![
                        run_id,
                        flag.facet as i64,
                        flag.element as i64,
                        flag.rule.name(),
                        detail,
                        now
                    ])
                    .map_err(sql)?;
            }
        }
        tx.commit().map_err(sql)
    }

    /// The flags stored for run `run_id`.
    pub fn flags(&self, run_id: i64) -> Result<Vec<crate::quality::Flag>, StoreError> {
        let mut stmt = self
            .conn
            .prepare("SELECT detail FROM flags WHERE run_id = ?1 ORDER BY id")
            .map_err(self.sql_err())?;
        let rows = stmt
            .query_map([run_id], |r| r.get::<_, String>(0))
            .map_err(self.sql_err())?;
        let mut flags = Vec::new();
        for row in rows {
            let text = row.map_err(self.sql_err())?;
            flags.push(
                serde_json::from_str(&text).map_err(|e| StoreError::Corrupt {
                    path: self.path.clone(),
                    message: format!("flag of run {run_id}: {e}"),
                })?,
            );
        }
        Ok(flags)
    }

    /// The flag rules configured for this project (the defaults until set).
    pub fn flag_rules(&self) -> Result<crate::quality::FlagRules, StoreError> {
        let text: Option<String> = self
            .conn
            .query_row("SELECT value FROM meta WHERE key = 'flag_rules'", [], |r| {
                r.get(0)
            })
            .optional()
            .map_err(self.sql_err())?;
        match text {
            None => Ok(crate::quality::FlagRules::default()),
            Some(t) => serde_json::from_str(&t).map_err(|e| StoreError::Corrupt {
                path: self.path.clone(),
                message: format!("flag rules: {e}"),
            }),
        }
    }

    /// Configures the project's flag rules (validated by the caller).
    pub fn set_flag_rules(&mut self, rules: &crate::quality::FlagRules) -> Result<(), StoreError> {
        let text = serde_json::to_string(rules).map_err(|e| StoreError::Corrupt {
            path: self.path.clone(),
            message: e.to_string(),
        })?;
        self.conn
            .execute(
                "INSERT INTO meta (key, value) VALUES ('flag_rules', ?1)
                 ON CONFLICT (key) DO UPDATE SET value = excluded.value",
                [text],
            )
            .map_err(self.sql_err())?;
        Ok(())
    }

    /// The recode run `run_id` applied to the stored observations (`None`: none).
    pub fn run_recode(&self, run_id: i64) -> Result<Option<crate::data::Recode>, StoreError> {
        self.run_table(run_id, RECODE_TABLE)?
            .map(|value| {
                serde_json::from_value(value).map_err(|e| StoreError::Corrupt {
                    path: self.path.clone(),
                    message: format!("run {run_id} table {RECODE_TABLE}: {e}"),
                })
            })
            .transpose()
    }

    /// The observations in force as run `run_id` sees them: exclusions masked, then the run's
    /// recode applied. (Whether they are still the observations the run was fitted on is
    /// [`data_fingerprint`] against [`Project::run_fingerprint`].)
    pub fn ratings_for_run(&self, run_id: i64) -> Result<RatingData, StoreError> {
        let (data, _) = self.ratings_for_fit()?;
        match self.run_recode(run_id)? {
            None => Ok(data),
            Some(recode) => recode
                .apply(&data)
                .map_err(|source| StoreError::RunRecode { run_id, source }),
        }
    }

    /// The data fingerprint recorded with run `run_id`.
    pub fn run_fingerprint(&self, run_id: i64) -> Result<String, StoreError> {
        self.conn
            .query_row(
                "SELECT data_fingerprint FROM runs WHERE id = ?1",
                [run_id],
                |r| r.get(0),
            )
            .optional()
            .map_err(self.sql_err())?
            .ok_or_else(|| StoreError::NoSuchRun {
                path: self.path.clone(),
                run_id,
            })
    }
}

impl Project {
    /// Records a written export and its provenance.
    #[allow(clippy::too_many_arguments)]
    pub fn record_export(
        &mut self,
        run_id: i64,
        what: &str,
        format: &str,
        path: &std::path::Path,
        rows: usize,
        config_sha256: &str,
        data_sha256: &str,
    ) -> Result<i64, StoreError> {
        self.conn
            .execute(
                "INSERT INTO exports (run_id, what, format, path, rows, config_sha256, data_sha256, scalewright_version, created_at)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
                params![run_id, what, format, path.display().to_string(), rows as i64, config_sha256, data_sha256, crate::VERSION, now_rfc3339()],
            )
            .map_err(self.sql_err())?;
        Ok(self.conn.last_insert_rowid())
    }
}

impl Project {
    /// Stores (or replaces) a named JSON table of a run.
    pub fn save_run_table(
        &mut self,
        run_id: i64,
        name: &str,
        value: &serde_json::Value,
    ) -> Result<(), StoreError> {
        self.conn
            .execute(
                "INSERT INTO run_tables (run_id, name, content) VALUES (?1, ?2, ?3)
                 ON CONFLICT (run_id, name) DO UPDATE SET content = excluded.content",
                params![run_id, name, value.to_string()],
            )
            .map_err(self.sql_err())?;
        Ok(())
    }
}

impl Project {
    /// The names of run `run_id`'s stored JSON tables, in name order.
    pub fn run_table_names(&self, run_id: i64) -> Result<Vec<String>, StoreError> {
        let mut stmt = self
            .conn
            .prepare("SELECT name FROM run_tables WHERE run_id = ?1 ORDER BY name")
            .map_err(self.sql_err())?;
        let rows = stmt
            .query_map([run_id], |r| r.get::<_, String>(0))
            .map_err(self.sql_err())?;
        rows.collect::<Result<_, _>>().map_err(self.sql_err())
    }
}
