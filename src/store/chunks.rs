//! The observations of a project, stored by column in chunks (schema version 2).
//!
//! Each row of `observation_chunks` holds up to [`CHUNK_RESPONSES`] responses, one encoded
//! column ([`super::columns`]) per field: object, first rater, further raters, item, score, raw
//! code, data set and source row. The project's observations are the chunks in id order and the
//! responses in chunk order; that order is the one version 1 kept by row id, so data
//! fingerprints of earlier runs stay valid across the migration.
//!
//! `object_min`/`object_max` are the chunk's zone map: a query for one response (the workbench
//! recording a rating, an import checking an earlier file's cells) decodes only the chunks whose
//! object range holds it. An import sorts its responses by object, so its chunks hold narrow,
//! disjoint ranges.

use super::columns::{self, ColumnError};
use super::StoreError;
use rusqlite::{Connection, OptionalExtension};
use std::path::Path;

/// Responses per chunk (an import writes full chunks but for its last one).
pub const CHUNK_RESPONSES: usize = 1 << 16;

/// The columns of `observation_chunks` holding data, in table order.
pub const CHUNK_COLUMNS: &str =
    "object, rater, other_raters, item, score, raw, dataset_id, source_row";

/// The responses of one chunk, every field decoded.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ChunkColumns {
    /// Element idx in the object facet.
    pub object: Vec<i64>,
    /// Element idx in the first rater facet (-1 when the design has no rater facet).
    pub rater: Vec<i64>,
    /// Element idx in each further rater facet (one vector per facet; empty for most designs).
    pub other_raters: Vec<Vec<i64>>,
    /// Element idx in the item facet.
    pub item: Vec<i64>,
    /// The scored category.
    pub score: Vec<i64>,
    /// The code as written in the file.
    pub raw: Vec<i64>,
    /// The data set the response came from.
    pub dataset_id: Vec<i64>,
    /// Its 1-based row in that data set's file.
    pub source_row: Vec<i64>,
}

/// One response, field by field (see [`ChunkColumns`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Response<'a> {
    /// Element idx in the object facet.
    pub object: i64,
    /// Element idx in the first rater facet (-1: none).
    pub rater: i64,
    /// Element idx in each further rater facet.
    pub other_raters: &'a [i64],
    /// Element idx in the item facet.
    pub item: i64,
    /// The scored category.
    pub score: i64,
    /// The code as written.
    pub raw: i64,
    /// The data set.
    pub dataset_id: i64,
    /// The 1-based source row.
    pub source_row: i64,
}

impl ChunkColumns {
    /// An empty chunk for a design with `other_rater_facets` further rater facets.
    pub fn with_capacity(other_rater_facets: usize, capacity: usize) -> ChunkColumns {
        ChunkColumns {
            object: Vec::with_capacity(capacity),
            rater: Vec::with_capacity(capacity),
            other_raters: vec![Vec::with_capacity(capacity); other_rater_facets],
            item: Vec::with_capacity(capacity),
            score: Vec::with_capacity(capacity),
            raw: Vec::with_capacity(capacity),
            dataset_id: Vec::with_capacity(capacity),
            source_row: Vec::with_capacity(capacity),
        }
    }

    /// Responses held.
    pub fn len(&self) -> usize {
        self.object.len()
    }

    /// Whether the chunk holds no response.
    pub fn is_empty(&self) -> bool {
        self.object.is_empty()
    }

    /// Appends one response.
    pub fn push(&mut self, r: &Response) {
        self.object.push(r.object);
        self.rater.push(r.rater);
        for (column, &e) in self.other_raters.iter_mut().zip(r.other_raters) {
            column.push(e);
        }
        self.item.push(r.item);
        self.score.push(r.score);
        self.raw.push(r.raw);
        self.dataset_id.push(r.dataset_id);
        self.source_row.push(r.source_row);
    }

    /// Empties the chunk, keeping its allocations.
    pub fn clear(&mut self) {
        self.object.clear();
        self.rater.clear();
        self.other_raters.iter_mut().for_each(Vec::clear);
        self.item.clear();
        self.score.clear();
        self.raw.clear();
        self.dataset_id.clear();
        self.source_row.clear();
    }

    /// Whether response `n` is the cell (object, rater, further raters, item).
    pub fn is_cell(&self, n: usize, object: i64, rater: i64, others: &[i64], item: i64) -> bool {
        self.object[n] == object
            && self.rater[n] == rater
            && self.item[n] == item
            && self
                .other_raters
                .iter()
                .zip(others)
                .all(|(column, &e)| column[n] == e)
    }

    /// The further rater elements of response `n`.
    pub fn others_of(&self, n: usize) -> Vec<i64> {
        self.other_raters.iter().map(|c| c[n]).collect()
    }
}

/// The error for chunk `id` of the project at `path` whose `column` cannot be read.
fn corrupt(path: &Path, id: i64, column: &str, e: ColumnError) -> StoreError {
    StoreError::Corrupt {
        path: path.to_path_buf(),
        message: format!("observation chunk {id}, column `{column}`: {e}"),
    }
}

fn sql(path: &Path) -> impl Fn(rusqlite::Error) -> StoreError + '_ {
    move |source| StoreError::Sqlite {
        path: path.to_path_buf(),
        source,
    }
}

/// Encodes `chunk` as the blobs of one `observation_chunks` row, in [`CHUNK_COLUMNS`] order.
fn encode_chunk(chunk: &ChunkColumns) -> Result<[Vec<u8>; 8], ColumnError> {
    let enc = |v: &Vec<i64>| columns::encode(v.iter().copied());
    let others = chunk
        .other_raters
        .iter()
        .map(enc)
        .collect::<Result<Vec<_>, _>>()?;
    Ok([
        enc(&chunk.object)?,
        enc(&chunk.rater)?,
        columns::encode_group(&others),
        enc(&chunk.item)?,
        enc(&chunk.score)?,
        enc(&chunk.raw)?,
        enc(&chunk.dataset_id)?,
        enc(&chunk.source_row)?,
    ])
}

/// The object range of a non-empty chunk (0, -1 for an empty one: no object is in it).
fn object_range(chunk: &ChunkColumns) -> (i64, i64) {
    let min = chunk.object.iter().copied().min();
    let max = chunk.object.iter().copied().max();
    match (min, max) {
        (Some(lo), Some(hi)) => (lo, hi),
        _ => (0, -1),
    }
}

/// Appends `chunk` as a new chunk after every other; returns its id.
pub fn insert_chunk(
    conn: &Connection,
    path: &Path,
    chunk: &ChunkColumns,
) -> Result<i64, StoreError> {
    conn.execute(
        "INSERT INTO observation_chunks (id, responses, object_min, object_max, object, rater,
             other_raters, item, score, raw, dataset_id, source_row)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12)",
        rusqlite::params_from_iter(chunk_params(None, chunk, path)?),
    )
    .map_err(sql(path))?;
    Ok(conn.last_insert_rowid())
}

/// Replaces chunk `id` with `chunk` (same place in the order).
pub fn rewrite_chunk(
    conn: &Connection,
    path: &Path,
    id: i64,
    chunk: &ChunkColumns,
) -> Result<(), StoreError> {
    conn.execute(
        "UPDATE observation_chunks SET responses = ?2, object_min = ?3, object_max = ?4,
             object = ?5, rater = ?6, other_raters = ?7, item = ?8, score = ?9, raw = ?10,
             dataset_id = ?11, source_row = ?12
         WHERE id = ?1",
        rusqlite::params_from_iter(chunk_params(Some(id), chunk, path)?),
    )
    .map_err(sql(path))?;
    Ok(())
}

/// The 12 parameters of a chunk row: id, responses, object range, then the encoded columns in
/// [`CHUNK_COLUMNS`] order.
fn chunk_params(
    id: Option<i64>,
    chunk: &ChunkColumns,
    path: &Path,
) -> Result<Vec<rusqlite::types::Value>, StoreError> {
    use rusqlite::types::Value;
    let blobs = encode_chunk(chunk).map_err(|e| corrupt(path, id.unwrap_or(0), "(new)", e))?;
    let (lo, hi) = object_range(chunk);
    let mut values = vec![
        id.map_or(Value::Null, Value::Integer),
        Value::Integer(chunk.len() as i64),
        Value::Integer(lo),
        Value::Integer(hi),
    ];
    values.extend(blobs.into_iter().map(Value::Blob));
    Ok(values)
}

/// Decodes the blobs of one chunk row (columns in [`CHUNK_COLUMNS`] order from `row` index
/// `first`), checking that every column holds `responses` values.
fn decode_row(
    row: &rusqlite::Row,
    first: usize,
    id: i64,
    responses: usize,
    path: &Path,
) -> Result<ChunkColumns, StoreError> {
    let names = [
        "object",
        "rater",
        "other_raters",
        "item",
        "score",
        "raw",
        "dataset_id",
        "source_row",
    ];
    let mut decoded: Vec<Vec<i64>> = Vec::with_capacity(7);
    let mut others = Vec::new();
    for (k, name) in names.iter().enumerate() {
        let blob = row
            .get_ref(first + k)
            .and_then(|v| v.as_blob().map_err(Into::into))
            .map_err(sql(path))?;
        if *name == "other_raters" {
            for part in columns::split_group(blob).map_err(|e| corrupt(path, id, name, e))? {
                others.push(checked(columns::decode(part), responses, path, id, name)?);
            }
            continue;
        }
        decoded.push(checked(columns::decode(blob), responses, path, id, name)?);
    }
    let mut it = decoded.into_iter();
    let mut next = || it.next().unwrap_or_default();
    Ok(ChunkColumns {
        object: next(),
        rater: next(),
        other_raters: others,
        item: next(),
        score: next(),
        raw: next(),
        dataset_id: next(),
        source_row: next(),
    })
}

/// A decoded column, checked to hold `responses` values.
fn checked(
    decoded: Result<Vec<i64>, ColumnError>,
    responses: usize,
    path: &Path,
    id: i64,
    name: &str,
) -> Result<Vec<i64>, StoreError> {
    let values = decoded.map_err(|e| corrupt(path, id, name, e))?;
    if values.len() != responses {
        return Err(StoreError::Corrupt {
            path: path.to_path_buf(),
            message: format!(
                "observation chunk {id}, column `{name}`: {} values for {responses} responses",
                values.len()
            ),
        });
    }
    Ok(values)
}

/// Reads chunk `id` whole.
pub fn read_chunk(conn: &Connection, path: &Path, id: i64) -> Result<ChunkColumns, StoreError> {
    let mut stmt = conn
        .prepare_cached(&format!(
            "SELECT responses, {CHUNK_COLUMNS} FROM observation_chunks WHERE id = ?1"
        ))
        .map_err(sql(path))?;
    let mut rows = stmt.query([id]).map_err(sql(path))?;
    let row = rows
        .next()
        .map_err(sql(path))?
        .ok_or_else(|| StoreError::Corrupt {
            path: path.to_path_buf(),
            message: format!("observation chunk {id} is missing"),
        })?;
    let responses: i64 = row.get(0).map_err(sql(path))?;
    decode_row(row, 1, id, responses as usize, path)
}

/// Calls `visit` with every chunk, in order (id and decoded columns).
pub fn for_each_chunk(
    conn: &Connection,
    path: &Path,
    mut visit: impl FnMut(i64, ChunkColumns) -> Result<(), StoreError>,
) -> Result<(), StoreError> {
    let mut stmt = conn
        .prepare(&format!(
            "SELECT id, responses, {CHUNK_COLUMNS} FROM observation_chunks ORDER BY id"
        ))
        .map_err(sql(path))?;
    let mut rows = stmt.query([]).map_err(sql(path))?;
    while let Some(row) = rows.next().map_err(sql(path))? {
        let id: i64 = row.get(0).map_err(sql(path))?;
        let responses: i64 = row.get(1).map_err(sql(path))?;
        let chunk = decode_row(row, 2, id, responses as usize, path)?;
        visit(id, chunk)?;
    }
    Ok(())
}

/// The number of responses stored.
pub fn count(conn: &Connection, path: &Path) -> Result<usize, StoreError> {
    let n: i64 = conn
        .query_row(
            "SELECT coalesce(sum(responses), 0) FROM observation_chunks",
            [],
            |r| r.get(0),
        )
        .map_err(sql(path))?;
    Ok(n as usize)
}

/// Where the response of cell (object, rater, further raters, item) is stored, if it is: the
/// chunk id, the position in the chunk and the chunk itself.
pub fn find_cell(
    conn: &Connection,
    path: &Path,
    object: i64,
    rater: i64,
    others: &[i64],
    item: i64,
) -> Result<Option<(i64, usize, ChunkColumns)>, StoreError> {
    let ids: Vec<i64> = {
        let mut stmt = conn
            .prepare_cached(
                "SELECT id FROM observation_chunks WHERE object_min <= ?1 AND object_max >= ?1
                 ORDER BY id",
            )
            .map_err(sql(path))?;
        let ids = stmt
            .query_map([object], |r| r.get(0))
            .map_err(sql(path))?
            .collect::<Result<_, _>>()
            .map_err(sql(path))?;
        ids
    };
    for id in ids {
        let chunk = read_chunk(conn, path, id)?;
        if let Some(n) = (0..chunk.len()).find(|&n| chunk.is_cell(n, object, rater, others, item)) {
            return Ok(Some((id, n, chunk)));
        }
    }
    Ok(None)
}

/// The newest chunk (id and response count), if any.
pub fn last_chunk(conn: &Connection, path: &Path) -> Result<Option<(i64, usize)>, StoreError> {
    conn.query_row(
        "SELECT id, responses FROM observation_chunks ORDER BY id DESC LIMIT 1",
        [],
        |r| Ok((r.get::<_, i64>(0)?, r.get::<_, i64>(1)? as usize)),
    )
    .optional()
    .map_err(sql(path))
}

/// Collects responses and writes them as full chunks in the order they come.
pub struct ChunkWriter<'a> {
    conn: &'a Connection,
    path: &'a Path,
    chunk: ChunkColumns,
    written: usize,
}

impl<'a> ChunkWriter<'a> {
    /// A writer appending to the observations of `conn` (inside the caller's transaction).
    pub fn new(conn: &'a Connection, path: &'a Path, other_rater_facets: usize) -> Self {
        ChunkWriter {
            conn,
            path,
            chunk: ChunkColumns::with_capacity(other_rater_facets, CHUNK_RESPONSES),
            written: 0,
        }
    }

    /// Adds one response, writing a chunk when it is full.
    pub fn push(&mut self, response: &Response) -> Result<(), StoreError> {
        self.chunk.push(response);
        if self.chunk.len() == CHUNK_RESPONSES {
            self.flush()?;
        }
        Ok(())
    }

    fn flush(&mut self) -> Result<(), StoreError> {
        if !self.chunk.is_empty() {
            insert_chunk(self.conn, self.path, &self.chunk)?;
            self.written += self.chunk.len();
            self.chunk.clear();
        }
        Ok(())
    }

    /// Writes the last, partial chunk; returns how many responses were written in all.
    pub fn finish(mut self) -> Result<usize, StoreError> {
        self.flush()?;
        Ok(self.written)
    }
}
