//! Finished fits that could not be stored because the project stayed busy.
//!
//! A fit computes without holding the project's lock and takes it only to store the run. When
//! another process keeps writing past the wait limit (or the user gives up waiting, see
//! [`super::wait`]), the computed run is not thrown away: [`Project::save_fit`] writes it as
//! JSON next to the project, `PROJECT.pending-run-<UTC time>-<pid>.json`, and fails with
//! [`StoreError::RunKeptAside`] naming the file. [`Project::import_pending_run`] stores it later
//! exactly as it would have been stored (same options, history, statistics, start time and data
//! fingerprint) and removes the file.

use super::{data_fingerprint, now_rfc3339, Project, StoreError};
use crate::data::RatingData;
use crate::measure::Fit;
use serde::{Deserialize, Serialize};
use std::path::{Path, PathBuf};

/// The `format` field of a pending-run file.
pub const PENDING_RUN_FORMAT: &str = "scalewright-pending-run-1";

/// A computed run waiting to be stored, as its side file holds it.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct PendingRun {
    /// [`PENDING_RUN_FORMAT`].
    pub format: String,
    pub scalewright_version: String,
    /// The project the run belongs to (as given when it was computed).
    pub project: String,
    /// When the side file was written (RFC 3339 UTC).
    pub saved_at: String,
    pub started_at: String,
    pub note: String,
    /// The fingerprint of the observations the fit used ([`data_fingerprint`]).
    pub data_fingerprint: String,
    /// Further named tables of the run (e.g. the connectedness report).
    pub tables: Vec<(String, serde_json::Value)>,
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
                let side_file = self.write_pending_run(&pending).map_err(|message| {
                    StoreError::PendingFile {
                        file: self.pending_run_path(),
                        message: format!(
                            "the project stayed busy and the run could not be kept either: {message}"
                        ),
                    }
                })?;
                Err(StoreError::RunKeptAside {
                    path: self.path.clone(),
                    side_file,
                })
            }
            other => other,
        }
    }

    /// Where a pending run of this project is written now.
    fn pending_run_path(&self) -> PathBuf {
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
            "{name}.pending-run-{stamp}-{}.json",
            std::process::id()
        ))
    }

    /// Writes `pending` to a new side file (through a temporary name, so a killed process leaves
    /// no half-written one) and returns its path.
    fn write_pending_run(&self, pending: &PendingRun) -> Result<PathBuf, String> {
        let path = self.pending_run_path();
        let text = serde_json::to_string(pending).map_err(|e| e.to_string())?;
        let temporary = path.with_extension("json.partial");
        std::fs::write(&temporary, text).map_err(|e| e.to_string())?;
        std::fs::rename(&temporary, &path).map_err(|e| {
            let _ = std::fs::remove_file(&temporary);
            e.to_string()
        })?;
        Ok(path)
    }

    /// Stores the run kept in side file `file` (written by [`Project::save_fit`] when the
    /// project was busy) and removes the file. Returns the new run's id.
    pub fn import_pending_run(&mut self, file: &Path) -> Result<i64, StoreError> {
        let fail = |message: String| StoreError::PendingFile {
            file: file.to_path_buf(),
            message,
        };
        let text = std::fs::read_to_string(file).map_err(|e| fail(e.to_string()))?;
        let pending = read_pending_run(&text).map_err(fail)?;
        let tables: Vec<(&str, serde_json::Value)> = pending
            .tables
            .iter()
            .map(|(name, value)| (name.as_str(), value.clone()))
            .collect();
        let run_id = self.store_fit(
            &pending.fit,
            &pending.data_fingerprint,
            &pending.started_at,
            &pending.note,
            &tables,
        )?;
        // The run is stored; a side file left behind would only invite a second import.
        let _ = std::fs::remove_file(file);
        Ok(run_id)
    }
}

/// Parses a side file's text, refusing other JSON.
fn read_pending_run(text: &str) -> Result<PendingRun, String> {
    let value: serde_json::Value = serde_json::from_str(text).map_err(|e| e.to_string())?;
    let format = value.get("format").and_then(|f| f.as_str()).unwrap_or("");
    if format != PENDING_RUN_FORMAT {
        return Err(format!(
            "`format` is {format:?}, expected {PENDING_RUN_FORMAT:?}"
        ));
    }
    serde_json::from_value(value).map_err(|e| e.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn other_json_is_not_a_pending_run() {
        let e = read_pending_run(r#"{"format": "something else"}"#).unwrap_err();
        assert!(e.contains("scalewright-pending-run-1"), "{e}");
        assert!(read_pending_run("not json").is_err());
    }
}
