//! Estimation runs in the project: each fit is stored whole (options, convergence history, every
//! statistic) in one transaction, so a killed fit leaves no half-written run.

use super::{now_rfc3339, Project, RunKind, RunStatus, StoreError};
use crate::data::RatingData;
use crate::measure::{ElementStatistics, ElementStatus, Fit, Method};
use rusqlite::{params, OptionalExtension};
use serde::Serialize;

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
    /// The fingerprint of the observations the run used ([`crate::provenance::data_fingerprint`]).
    pub data_fingerprint: String,
    /// The note stored with the run.
    pub note: String,
    /// The recode the run applied to the stored categories, if any.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub recode: Option<crate::data::Recode>,
}

impl Project {
    /// Stores a finished fit with everything it computed, on data with fingerprint
    /// `fingerprint` ([`crate::provenance::data_fingerprint`]). `extra_tables` are further named JSON tables of the
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
                        outfit_zstd, ptmea, ptexp, displacement, discrimination)
                     VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18, ?19)",
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
                            e.displacement,
                            e.discrimination
                        ])
                        .map_err(sql)?;
                }
            }
            let mut table = tx
                .prepare("INSERT INTO run_tables (run_id, name, content) VALUES (?1, ?2, ?3)")
                .map_err(sql)?;
            table
                .execute(params![run_id, FIT_TABLE, json(&StoredFit::of(fit))?])
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
        self.query_json(
            "SELECT content FROM run_tables WHERE run_id = ?1 AND name = ?2",
            params![run_id, name],
            || format!("run {run_id} table {name}"),
        )
    }

    /// The stored fit of run `run_id`: its `fit` table, with Table 7 read from `estimates` (a run
    /// stored by schema version 1 holds Table 7 in the table itself).
    pub fn load_fit(&self, run_id: i64) -> Result<Fit, StoreError> {
        let value = self
            .run_table(run_id, FIT_TABLE)?
            .ok_or_else(|| StoreError::NoSuchRun {
                path: self.path.clone(),
                run_id,
            })?;
        let mut fit: Fit = serde_json::from_value(value).map_err(|e| StoreError::Corrupt {
            path: self.path.clone(),
            message: format!("run {run_id}: {e}"),
        })?;
        if fit.facets.iter().all(|f| f.elements.is_empty()) {
            self.read_estimates(run_id, &mut fit)?;
        }
        Ok(fit)
    }

    /// Fills every facet's Table 7 of `fit` from the `estimates` rows of run `run_id` (labels from
    /// the facets' elements).
    fn read_estimates(&self, run_id: i64, fit: &mut Fit) -> Result<(), StoreError> {
        let facets = self.facets()?;
        let mut stmt = self
            .conn
            .prepare(
                "SELECT f.position, e.element_idx, e.status, e.measure, e.model_se, e.real_se,
                        e.total_score, e.count, e.observed_average, e.fair_average, e.infit,
                        e.infit_zstd, e.outfit, e.outfit_zstd, e.ptmea, e.ptexp, e.displacement,
                        e.discrimination
                 FROM estimates e JOIN facets f ON f.id = e.facet_id
                 WHERE e.run_id = ?1 ORDER BY f.position, e.element_idx",
            )
            .map_err(self.sql_err())?;
        let mut rows = stmt.query([run_id]).map_err(self.sql_err())?;
        let corrupt = |message: String| StoreError::Corrupt {
            path: self.path.clone(),
            message: format!("run {run_id}, Table 7: {message}"),
        };
        while let Some(r) = rows.next().map_err(self.sql_err())? {
            let get_f = |k: usize| r.get::<_, Option<f64>>(k).map_err(self.sql_err());
            let position = r.get::<_, i64>(0).map_err(self.sql_err())? as usize;
            let idx = r.get::<_, i64>(1).map_err(self.sql_err())? as usize;
            let status_text: String = r.get(2).map_err(self.sql_err())?;
            let status = ElementStatus::from_word(&status_text)
                .ok_or_else(|| corrupt(format!("unknown element status `{status_text}`")))?;
            let facet = fit
                .facets
                .get_mut(position)
                .ok_or_else(|| corrupt(format!("no facet at position {position}")))?;
            if idx != facet.elements.len() {
                return Err(corrupt(format!(
                    "facet `{}` lacks the row of element {}",
                    facet.name,
                    facet.elements.len()
                )));
            }
            let label = facets
                .get(position)
                .and_then(|f| f.labels.get(idx))
                .cloned()
                .ok_or_else(|| corrupt(format!("facet `{}` has no element {idx}", facet.name)))?;
            facet.elements.push(ElementStatistics {
                label,
                status,
                measure: get_f(3)?
                    .ok_or_else(|| corrupt(format!("element {idx} has no measure")))?,
                model_se: get_f(4)?,
                real_se: get_f(5)?,
                total_score: get_f(6)?.unwrap_or(0.0),
                count: r
                    .get::<_, Option<i64>>(7)
                    .map_err(self.sql_err())?
                    .unwrap_or(0) as usize,
                observed_average: get_f(8)?,
                fair_average: get_f(9)?,
                infit: get_f(10)?,
                infit_zstd: get_f(11)?,
                outfit: get_f(12)?,
                outfit_zstd: get_f(13)?,
                point_measure: get_f(14)?,
                point_measure_expected: get_f(15)?,
                displacement: get_f(16)?,
                discrimination: get_f(17)?,
            });
        }
        Ok(())
    }
}

/// The name of a run's table holding its [`Fit`].
const FIT_TABLE: &str = "fit";

/// A [`Fit`] as its `fit` table stores it: everything but the facets' Table 7 rows, which are
/// the run's `estimates` rows (stored once: at 10^7 responses Table 7 is ~300,000 rows).
#[derive(serde::Serialize)]
struct StoredFit<'a> {
    facets: Vec<StoredFacet<'a>>,
    scale_facet: Option<usize>,
    scales: &'a [crate::measure::ScaleStatistics],
    global: &'a crate::measure::GlobalStatistics,
    history: &'a [crate::measure::IterationReport],
    converged: bool,
    options: &'a crate::measure::FitOptions,
    mml: &'a Option<crate::measure::MmlSummary>,
}

/// A facet of [`StoredFit`]: `elements` always empty.
#[derive(serde::Serialize)]
struct StoredFacet<'a> {
    name: &'a str,
    role: crate::data::FacetRole,
    positive: bool,
    centred: bool,
    elements: [ElementStatistics; 0],
    summary: &'a crate::measure::FacetSummary,
}

impl<'a> StoredFit<'a> {
    fn of(fit: &'a Fit) -> StoredFit<'a> {
        StoredFit {
            facets: fit
                .facets
                .iter()
                .map(|f| StoredFacet {
                    name: &f.name,
                    role: f.role,
                    positive: f.positive,
                    centred: f.centred,
                    elements: [],
                    summary: &f.summary,
                })
                .collect(),
            scale_facet: fit.scale_facet,
            scales: &fit.scales,
            global: &fit.global,
            history: &fit.history,
            converged: fit.converged,
            options: &fit.options,
            mml: &fit.mml,
        }
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
    /// The run's JSON tables whose names start with `prefix` (e.g. `bias:`), by name.
    pub fn run_tables_named(
        &self,
        run_id: i64,
        prefix: &str,
    ) -> Result<Vec<(String, serde_json::Value)>, StoreError> {
        let mut stmt = self
            .conn
            .prepare(
                "SELECT name, content FROM run_tables WHERE run_id = ?1 AND substr(name, 1, ?2) = ?3 ORDER BY name",
            )
            .map_err(self.sql_err())?;
        let rows = stmt
            .query_map(
                params![run_id, prefix.chars().count() as i64, prefix],
                |r| Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?)),
            )
            .map_err(self.sql_err())?;
        let mut tables = Vec::new();
        for row in rows {
            let (name, text) = row.map_err(self.sql_err())?;
            let value = serde_json::from_str(&text).map_err(|e| StoreError::Corrupt {
                path: self.path.clone(),
                message: format!("run {run_id} table {name}: {e}"),
            })?;
            tables.push((name, value));
        }
        Ok(tables)
    }

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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::Preset;
    use crate::ingest::{stage, IngestOptions};
    use crate::measure::{FitOptions, NoObserver};
    use crate::simulate::{simulate, SimulationConfig};

    #[test]
    fn table_7_is_stored_once_and_a_loaded_fit_is_the_fitted_one() {
        let dir = tempfile::tempdir().unwrap();
        let files = simulate(&SimulationConfig {
            comments: 150,
            seed: 4,
            ..SimulationConfig::default()
        })
        .unwrap()
        .write(dir.path())
        .unwrap();
        let staged = stage(
            &files.ratings,
            &Preset::Mhs.config(),
            &IngestOptions::default(),
        )
        .unwrap();
        let mut project = Project::create_or_open(&dir.path().join("p.db")).unwrap();
        project.import(&staged).unwrap();
        let data = project.ratings().unwrap();
        let fit = crate::measure::fit(&data, &FitOptions::default(), &mut NoObserver).unwrap();
        let run = project
            .save_fit(&fit, &data, &now_rfc3339(), "", &[])
            .unwrap();

        // The run's `fit` table holds no Table 7 row; `estimates` holds them all.
        let stored = project.run_table(run, FIT_TABLE).unwrap().unwrap();
        for facet in stored["facets"].as_array().unwrap() {
            assert_eq!(facet["elements"], serde_json::json!([]));
        }
        let loaded = project.load_fit(run).unwrap();
        assert_eq!(loaded.facets.len(), fit.facets.len());
        for (l, f) in loaded.facets.iter().zip(&fit.facets) {
            // Every number exactly (SQLite REAL is the same IEEE double).
            assert_eq!(l.elements, f.elements, "facet {}", f.name);
            assert!(!l.elements.is_empty());
        }
        assert_eq!(loaded.history.len(), fit.history.len());
        assert_eq!(loaded.options, fit.options);
    }
}
