//! Trained text predictors (the `models` table) and the sentence-encoder vector cache (the
//! `embeddings` table).

use std::collections::HashMap;

use rusqlite::{params, OptionalExtension};
use serde::Serialize;

use super::{now_rfc3339, ModelStatus, Project, StoreError};

/// A stored model, without its weights.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ModelRecord {
    /// The model's id.
    pub id: i64,
    /// The run whose measures the model learned.
    pub run_id: i64,
    /// The text encoder the model uses, by name.
    pub encoder: String,
    /// Trained (weights stored), cancelled or failed.
    pub status: ModelStatus,
    /// When the model was stored (RFC 3339 UTC).
    pub created_at: String,
    /// The model's configuration (JSON).
    pub config: serde_json::Value,
    /// Its evaluation and training history (JSON).
    pub metrics: serde_json::Value,
    /// The scalewright version that stored the model.
    pub scalewright_version: String,
}

/// A `models` row as stored (its status and JSON as text).
struct StoredModelRow {
    id: i64,
    run_id: i64,
    encoder: String,
    status: String,
    created_at: String,
    config: String,
    metrics: String,
    scalewright_version: String,
}

/// A model to store.
#[derive(Debug, Clone, Copy)]
pub struct NewModel<'a> {
    /// The run whose measures the model learned.
    pub run_id: i64,
    /// The text encoder the model uses, by name.
    pub encoder: &'a str,
    /// Trained (weights stored), cancelled or failed.
    pub status: ModelStatus,
    /// The model's configuration (JSON).
    pub config: &'a serde_json::Value,
    /// Its evaluation and training history (JSON).
    pub metrics: &'a serde_json::Value,
    /// safetensors bytes (`None` for a model that did not finish).
    pub weights: Option<&'a [u8]>,
}

impl Project {
    fn corrupt_json(&self, what: String) -> impl Fn(serde_json::Error) -> StoreError + '_ {
        move |e| StoreError::Corrupt {
            path: self.path.clone(),
            message: format!("{what}: {e}"),
        }
    }

    /// Stores a model in one transaction; returns its id. (`save_model` keeps the model in a
    /// side file when the project stays busy.)
    pub(crate) fn insert_model(&mut self, model: &NewModel<'_>) -> Result<i64, StoreError> {
        let config = serde_json::to_string(model.config)
            .map_err(self.corrupt_json("model config".into()))?;
        let metrics = serde_json::to_string(model.metrics)
            .map_err(self.corrupt_json("model metrics".into()))?;
        let path = self.path.clone();
        let sql = |source| StoreError::Sqlite {
            path: path.clone(),
            source,
        };
        let tx = self.conn.transaction().map_err(sql)?;
        tx.execute(
            "INSERT INTO models (run_id, encoder, status, config, metrics, weights, created_at, scalewright_version)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
            params![
                model.run_id,
                model.encoder,
                model.status.as_str(),
                config,
                metrics,
                model.weights,
                now_rfc3339(),
                crate::VERSION
            ],
        )
        .map_err(sql)?;
        let id = tx.last_insert_rowid();
        tx.commit().map_err(sql)?;
        Ok(id)
    }

    fn model_from_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<StoredModelRow> {
        Ok(StoredModelRow {
            id: r.get(0)?,
            run_id: r.get(1)?,
            encoder: r.get(2)?,
            status: r.get(3)?,
            created_at: r.get(4)?,
            config: r.get(5)?,
            metrics: r.get(6)?,
            scalewright_version: r.get(7)?,
        })
    }

    /// A model's record from its stored row: its status typed, its JSON read (an unknown
    /// status or unreadable JSON is an error naming the model).
    fn parse_model(&self, row: StoredModelRow) -> Result<ModelRecord, StoreError> {
        Ok(ModelRecord {
            id: row.id,
            run_id: row.run_id,
            encoder: row.encoder,
            status: self.stored(&row.status, format!("model {}", row.id))?,
            created_at: row.created_at,
            config: serde_json::from_str(&row.config)
                .map_err(self.corrupt_json(format!("model {} config", row.id)))?,
            metrics: serde_json::from_str(&row.metrics)
                .map_err(self.corrupt_json(format!("model {} metrics", row.id)))?,
            scalewright_version: row.scalewright_version,
        })
    }

    /// Every stored model, oldest first (without weights).
    pub fn models(&self) -> Result<Vec<ModelRecord>, StoreError> {
        let mut stmt = self
            .conn
            .prepare(
                "SELECT id, run_id, encoder, status, created_at, config, metrics, scalewright_version
                 FROM models ORDER BY id",
            )
            .map_err(self.sql_err())?;
        let rows: Vec<_> = stmt
            .query_map([], Self::model_from_row)
            .map_err(self.sql_err())?
            .collect::<Result<_, _>>()
            .map_err(self.sql_err())?;
        rows.into_iter().map(|r| self.parse_model(r)).collect()
    }

    /// Model `id` (without weights), if stored.
    pub fn model(&self, id: i64) -> Result<Option<ModelRecord>, StoreError> {
        let row = self
            .conn
            .query_row(
                "SELECT id, run_id, encoder, status, created_at, config, metrics, scalewright_version
                 FROM models WHERE id = ?1",
                [id],
                Self::model_from_row,
            )
            .optional()
            .map_err(self.sql_err())?;
        row.map(|r| self.parse_model(r)).transpose()
    }

    /// The safetensors bytes of model `id` (`None` when it has none).
    pub fn model_weights(&self, id: i64) -> Result<Option<Vec<u8>>, StoreError> {
        self.conn
            .query_row("SELECT weights FROM models WHERE id = ?1", [id], |r| {
                r.get::<_, Option<Vec<u8>>>(0)
            })
            .optional()
            .map(Option::flatten)
            .map_err(self.sql_err())
    }

    /// The newest trained model's id, if any.
    pub fn latest_model(&self) -> Result<Option<i64>, StoreError> {
        self.conn
            .query_row(
                "SELECT max(id) FROM models WHERE status = 'trained'",
                [],
                |r| r.get(0),
            )
            .optional()
            .map(Option::flatten)
            .map_err(self.sql_err())
    }

    /// Cached vectors of `encoder` for the objects that have one.
    pub fn embeddings(&self, encoder: &str) -> Result<HashMap<u32, Vec<f32>>, StoreError> {
        let mut stmt = self
            .conn
            .prepare("SELECT object, vector FROM embeddings WHERE encoder = ?1")
            .map_err(self.sql_err())?;
        let rows = stmt
            .query_map([encoder], |r| {
                Ok((r.get::<_, i64>(0)?, r.get::<_, Vec<u8>>(1)?))
            })
            .map_err(self.sql_err())?;
        let mut out = HashMap::new();
        for row in rows {
            let (object, bytes) = row.map_err(self.sql_err())?;
            if bytes.len() % 4 != 0 {
                return Err(StoreError::Corrupt {
                    path: self.path.clone(),
                    message: format!("embedding of object {object} ({encoder}) is not f32 values"),
                });
            }
            let v = bytes
                .chunks_exact(4)
                .map(|b| f32::from_le_bytes([b[0], b[1], b[2], b[3]]))
                .collect();
            out.insert(object as u32, v);
        }
        Ok(out)
    }

    /// Caches vectors of `encoder` (little-endian f32), in one transaction.
    /// (A cache write needs no exclusive access to the project, so readers may fill it.)
    pub fn put_embeddings(
        &self,
        encoder: &str,
        vectors: &[(u32, &[f32])],
    ) -> Result<(), StoreError> {
        let path = self.path.clone();
        let sql = |source| StoreError::Sqlite {
            path: path.clone(),
            source,
        };
        let tx = self.conn.unchecked_transaction().map_err(sql)?;
        {
            let mut stmt = tx
                .prepare("INSERT OR REPLACE INTO embeddings (encoder, object, vector) VALUES (?1, ?2, ?3)")
                .map_err(sql)?;
            for (object, v) in vectors {
                let bytes: Vec<u8> = v.iter().flat_map(|x| x.to_le_bytes()).collect();
                stmt.execute(params![encoder, *object as i64, bytes])
                    .map_err(sql)?;
            }
        }
        tx.commit().map_err(sql)
    }
}
