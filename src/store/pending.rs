//! Finished fits and trainings that could not be stored because the project stayed busy.
//!
//! A fit (or a training) computes without holding the project's lock and takes it only to store
//! its result. When another process keeps writing past the wait limit (or the user gives up
//! waiting, see [`super::wait`]), the result is not thrown away: [`Project::save_fit`]
//! ([`Project::save_model`]) writes it as JSON next to the project,
//! `PROJECT.pending-run-<UTC time>-<pid>.json` (`pending-model-...`), and fails with
//! [`StoreError::RunKeptAside`] naming the file. [`Project::import_pending`] stores it later
//! exactly as it would have been stored (a run's options, history, statistics, start time and
//! data fingerprint; a model's configuration, metrics and weights) and removes the file.

use super::{now_rfc3339, ModelStatus, NewModel, Project, StoreError};
use crate::data::RatingData;
use crate::measure::Fit;
use crate::provenance::data_fingerprint;
use serde::{Deserialize, Serialize};
use std::path::{Path, PathBuf};

/// The `format` field of a pending-run file.
pub const PENDING_RUN_FORMAT: &str = "scalewright-pending-run-1";

/// The `format` field of a pending-model file.
pub const PENDING_MODEL_FORMAT: &str = "scalewright-pending-model-1";

/// A trained model waiting to be stored, as its side file holds it.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct PendingModel {
    /// [`PENDING_MODEL_FORMAT`].
    pub format: String,
    /// The scalewright version that wrote the side file.
    pub scalewright_version: String,
    /// The project the model belongs to (as given when it was trained).
    pub project: String,
    /// When the side file was written (RFC 3339 UTC).
    pub saved_at: String,
    /// The run whose measures the model learned.
    pub run_id: i64,
    /// The text encoder the model uses, by name.
    pub encoder: String,
    /// Trained (weights stored), cancelled or failed.
    pub status: ModelStatus,
    /// The model's configuration (JSON).
    pub config: serde_json::Value,
    /// Its evaluation and training history (JSON).
    pub metrics: serde_json::Value,
    /// The safetensors bytes as lower-case hex (`None` for a model that did not finish).
    pub weights_hex: Option<String>,
}

/// What a side file held, once stored.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case", tag = "kind", content = "id")]
pub enum PendingWork {
    /// A run, stored under this run id.
    Run(i64),
    /// A model, stored under this model id.
    Model(i64),
}

/// A computed run waiting to be stored, as its side file holds it.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct PendingRun {
    /// [`PENDING_RUN_FORMAT`].
    pub format: String,
    /// The scalewright version that wrote the side file.
    pub scalewright_version: String,
    /// The project the run belongs to (as given when it was computed).
    pub project: String,
    /// When the side file was written (RFC 3339 UTC).
    pub saved_at: String,
    /// When the run started (RFC 3339 UTC).
    pub started_at: String,
    /// The note stored with the run.
    pub note: String,
    /// The fingerprint of the observations the fit used ([`data_fingerprint`]).
    pub data_fingerprint: String,
    /// Further named tables of the run (e.g. the connectedness report).
    pub tables: Vec<(String, serde_json::Value)>,
    /// The finished fit with everything it computed.
    pub fit: Fit,
}

impl Project {
    /// Stores a finished fit with everything it computed. `extra_tables` are further named JSON
    /// tables of the run (e.g. the connectedness report). Returns the run id.
    ///
    /// Waits for another writer as every write does; when the project stays busy past the wait,
    /// the run is written to a side file instead and the error ([`StoreError::RunKeptAside`])
    /// names it.
    pub fn save_fit(
        &mut self,
        fit: &Fit,
        data: &RatingData,
        started_at: &str,
        note: &str,
        extra_tables: &[(&str, serde_json::Value)],
    ) -> Result<i64, StoreError> {
        let fingerprint = data_fingerprint(data);
        match self.store_fit(fit, &fingerprint, started_at, note, extra_tables) {
            Err(e) if e.is_busy() => {
                let pending = PendingRun {
                    format: PENDING_RUN_FORMAT.into(),
                    scalewright_version: crate::VERSION.into(),
                    project: self.path.display().to_string(),
                    saved_at: now_rfc3339(),
                    started_at: started_at.into(),
                    note: note.into(),
                    data_fingerprint: fingerprint,
                    tables: extra_tables
                        .iter()
                        .map(|(name, value)| (name.to_string(), value.clone()))
                        .collect(),
                    fit: fit.clone(),
                };
                self.keep_aside("run", &pending)
            }
            other => other,
        }
    }

    /// Stores a model in one transaction; returns its id. When the project stays busy past the
    /// wait, the model is written to a side file instead and the error
    /// ([`StoreError::RunKeptAside`]) names it.
    pub fn save_model(&mut self, model: &NewModel<'_>) -> Result<i64, StoreError> {
        match self.insert_model(model) {
            Err(e) if e.is_busy() => {
                let pending = PendingModel {
                    format: PENDING_MODEL_FORMAT.into(),
                    scalewright_version: crate::VERSION.into(),
                    project: self.path.display().to_string(),
                    saved_at: now_rfc3339(),
                    run_id: model.run_id,
                    encoder: model.encoder.into(),
                    status: model.status,
                    config: model.config.clone(),
                    metrics: model.metrics.clone(),
                    weights_hex: model.weights.map(crate::provenance::hex),
                };
                self.keep_aside("model", &pending)
            }
            other => other,
        }
    }

    /// Writes `pending` to a side file and returns the error naming it.
    fn keep_aside<T: Serialize>(&self, what: &'static str, pending: &T) -> Result<i64, StoreError> {
        let side_file =
            self.write_pending(what, pending)
                .map_err(|message| StoreError::PendingFile {
                    file: self.pending_path(what),
                    message: format!(
                    "the project stayed busy and the {what} could not be kept either: {message}"
                ),
                })?;
        Err(StoreError::RunKeptAside {
            path: self.path.clone(),
            what,
            side_file,
        })
    }

    /// Where a pending `what` (run, model) of this project is written now.
    fn pending_path(&self, what: &str) -> PathBuf {
        let stamp = time::OffsetDateTime::now_utc()
            .format(time::macros::format_description!(
                "[year][month][day]T[hour][minute][second]Z"
            ))
            .unwrap_or_default();
        let name = self
            .path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_else(|| "project".into());
        self.path.with_file_name(format!(
            "{name}.pending-{what}-{stamp}-{}.json",
            std::process::id()
        ))
    }

    /// Writes `pending` to a new side file whole or not at all ([`crate::whole_file`]) and
    /// returns its path.
    fn write_pending<T: Serialize>(&self, what: &str, pending: &T) -> Result<PathBuf, String> {
        let path = self.pending_path(what);
        let text = serde_json::to_string(pending).map_err(|e| e.to_string())?;
        crate::whole_file::write_whole(&path, text.as_bytes()).map_err(|e| e.to_string())?;
        Ok(path)
    }

    /// Stores the run or model kept in side file `file` (written by [`Project::save_fit`] or
    /// [`Project::save_model`] when the project was busy) and removes the file.
    pub fn import_pending(&mut self, file: &Path) -> Result<PendingWork, StoreError> {
        let fail = |message: String| StoreError::PendingFile {
            file: file.to_path_buf(),
            message,
        };
        let text = std::fs::read_to_string(file).map_err(|e| fail(e.to_string()))?;
        let stored = match read_pending(&text).map_err(fail)? {
            Pending::Run(pending) => {
                let tables: Vec<(&str, serde_json::Value)> = pending
                    .tables
                    .iter()
                    .map(|(name, value)| (name.as_str(), value.clone()))
                    .collect();
                PendingWork::Run(self.store_fit(
                    &pending.fit,
                    &pending.data_fingerprint,
                    &pending.started_at,
                    &pending.note,
                    &tables,
                )?)
            }
            Pending::Model(pending) => {
                let weights = pending
                    .weights_hex
                    .as_deref()
                    .map(unhex)
                    .transpose()
                    .map_err(fail)?;
                PendingWork::Model(self.insert_model(&NewModel {
                    run_id: pending.run_id,
                    encoder: &pending.encoder,
                    status: pending.status,
                    config: &pending.config,
                    metrics: &pending.metrics,
                    weights: weights.as_deref(),
                })?)
            }
        };
        // Stored; a side file left behind would only invite a second import.
        let _ = std::fs::remove_file(file);
        Ok(stored)
    }
}

enum Pending {
    Run(Box<PendingRun>),
    Model(Box<PendingModel>),
}

/// Parses a side file's text, refusing other JSON.
fn read_pending(text: &str) -> Result<Pending, String> {
    let value: serde_json::Value = serde_json::from_str(text).map_err(|e| e.to_string())?;
    let format = value.get("format").and_then(|f| f.as_str()).unwrap_or("");
    match format {
        PENDING_RUN_FORMAT => serde_json::from_value(value)
            .map(|p| Pending::Run(Box::new(p)))
            .map_err(|e| e.to_string()),
        PENDING_MODEL_FORMAT => serde_json::from_value(value)
            .map(|p| Pending::Model(Box::new(p)))
            .map_err(|e| e.to_string()),
        _ => Err(format!(
            "`format` is {format:?}, expected {PENDING_RUN_FORMAT:?} or {PENDING_MODEL_FORMAT:?}"
        )),
    }
}

/// Lower-case (or upper-case) hex to bytes.
fn unhex(text: &str) -> Result<Vec<u8>, String> {
    if text.len() % 2 != 0 {
        return Err("the weights' hex has an odd length".into());
    }
    (0..text.len())
        .step_by(2)
        .map(|i| {
            text.get(i..i + 2)
                .and_then(|pair| u8::from_str_radix(pair, 16).ok())
                .ok_or_else(|| format!("the weights' hex is not hex at character {}", i + 1))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn other_json_is_not_a_pending_run() {
        let e = read_pending(r#"{"format": "something else"}"#)
            .err()
            .unwrap();
        assert!(e.contains("scalewright-pending-run-1"), "{e}");
        assert!(read_pending("not json").is_err());
    }

    #[test]
    fn weights_survive_the_hex_round_trip() {
        let bytes: Vec<u8> = (0..=255).collect();
        let text = crate::provenance::hex(&bytes);
        assert_eq!(unhex(&text).unwrap(), bytes);
        assert!(unhex("abc").is_err());
        assert!(unhex("zz").is_err());
    }

    #[test]
    fn a_model_kept_aside_is_imported_as_it_was() {
        let dir = tempfile::tempdir().unwrap();
        let mut project = Project::create_or_open(&dir.path().join("p.db")).unwrap();
        let (config, metrics) = (
            serde_json::json!({"epochs": 3}),
            serde_json::json!({"rmse": 0.5}),
        );
        let weights = vec![0u8, 1, 2, 254, 255];
        let file = dir.path().join("p.db.pending-model-test.json");
        let pending = PendingModel {
            format: PENDING_MODEL_FORMAT.into(),
            scalewright_version: crate::VERSION.into(),
            project: "p.db".into(),
            saved_at: now_rfc3339(),
            run_id: 1,
            encoder: "hashed".into(),
            status: ModelStatus::Trained,
            config: config.clone(),
            metrics: metrics.clone(),
            weights_hex: Some(crate::provenance::hex(&weights)),
        };
        std::fs::write(&file, serde_json::to_string(&pending).unwrap()).unwrap();
        // The model's run must exist (foreign key): store a minimal one first.
        project
            .conn
            .execute(
                "INSERT INTO runs (kind, method, status, started_at, options, data_fingerprint, scalewright_version)
                 VALUES ('fit', 'jmle', 'converged', 'now', '{}', '', '0')",
                [],
            )
            .unwrap();
        let stored = project.import_pending(&file).unwrap();
        assert_eq!(stored, PendingWork::Model(1));
        assert!(!file.exists());
        assert_eq!(project.model_weights(1).unwrap(), Some(weights));
        let record = project.model(1).unwrap().unwrap();
        assert_eq!((record.config, record.metrics), (config, metrics));
    }
}
