//! Reading rating files with polars: CSV/TSV (quoted text with separators and newlines) and
//! Parquet, lazily, selecting only the columns the description needs.
//!
//! Every column is read as text so that validation can report a bad value exactly as it appears
//! in the file. Row numbers count data records from 1 (the header is not a row).

use polars::prelude::*;
use sha2::{Digest, Sha256};
use std::fs::File;
use std::io::Read;
use std::path::{Path, PathBuf};

use super::IngestError;

/// The name of the row-number column added while reading (never a user column).
pub(crate) const ROW_COLUMN: &str = "__scalewright_row";

/// The kind of a rating file, from its extension.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FileFormat {
    /// Delimited text with the given separator byte.
    Delimited(u8),
    Parquet,
}

impl FileFormat {
    /// `.parquet`/`.pq` files are Parquet; anything else is delimited text with `separator`.
    pub fn detect(path: &Path, separator: u8) -> FileFormat {
        match path.extension().and_then(|e| e.to_str()) {
            Some(ext) if ext.eq_ignore_ascii_case("parquet") || ext.eq_ignore_ascii_case("pq") => {
                FileFormat::Parquet
            }
            _ => FileFormat::Delimited(separator),
        }
    }
}

/// One pass over the file's bytes: its SHA-256 and, for text files, the first invalid UTF-8
/// sequence (1-based line and byte offset).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FileFingerprint {
    pub sha256: String,
    pub bytes: u64,
    pub invalid_utf8: Option<InvalidUtf8>,
}

/// Where a file stops being UTF-8.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct InvalidUtf8 {
    pub line: u64,
    pub byte_offset: u64,
}

/// Size of the blocks the fingerprint pass reads.
const READ_BLOCK: usize = 1 << 20;

/// Hashes the file and, when `check_utf8`, finds the first byte that is not valid UTF-8.
pub fn fingerprint(path: &Path, check_utf8: bool) -> Result<FileFingerprint, IngestError> {
    let io_err = |source| IngestError::Io {
        path: path.to_path_buf(),
        source,
    };
    let mut file = File::open(path).map_err(io_err)?;
    let mut hasher = Sha256::new();
    let mut buf = vec![0u8; READ_BLOCK];
    // Up to 3 bytes of an incomplete UTF-8 sequence carried over from the previous block.
    let mut carry: Vec<u8> = Vec::with_capacity(4);
    let mut offset: u64 = 0; // offset of carry[0] / the start of the unchecked bytes
    let mut line: u64 = 1;
    let mut invalid = None;
    let mut total: u64 = 0;
    loop {
        let n = file.read(&mut buf).map_err(io_err)?;
        if n == 0 {
            break;
        }
        total += n as u64;
        hasher.update(&buf[..n]);
        if check_utf8 && invalid.is_none() {
            let mut block = std::mem::take(&mut carry);
            block.extend_from_slice(&buf[..n]);
            match std::str::from_utf8(&block) {
                Ok(_) => {
                    line += count_newlines(&block);
                    offset += block.len() as u64;
                }
                Err(e) => {
                    let good = e.valid_up_to();
                    line += count_newlines(&block[..good]);
                    if e.error_len().is_some() {
                        invalid = Some(InvalidUtf8 {
                            line,
                            byte_offset: offset + good as u64,
                        });
                    } else {
                        // The block ends inside a multi-byte sequence: keep it for the next one.
                        carry = block[good..].to_vec();
                        offset += good as u64;
                    }
                }
            }
        }
    }
    if check_utf8 && invalid.is_none() && !carry.is_empty() {
        invalid = Some(InvalidUtf8 {
            line,
            byte_offset: offset,
        });
    }
    Ok(FileFingerprint {
        sha256: hex(&hasher.finalize()),
        bytes: total,
        invalid_utf8: invalid,
    })
}

fn count_newlines(bytes: &[u8]) -> u64 {
    bytes.iter().filter(|&&b| b == b'\n').count() as u64
}

pub(crate) fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

fn polars_err(path: &Path) -> impl Fn(PolarsError) -> IngestError + '_ {
    move |source| IngestError::Read {
        path: path.to_path_buf(),
        message: source.to_string(),
    }
}

fn pl_path(path: &Path) -> Result<PlRefPath, IngestError> {
    path.to_str()
        .map(PlRefPath::new)
        .ok_or_else(|| IngestError::Read {
            path: path.to_path_buf(),
            message: "the path is not valid UTF-8".into(),
        })
}

/// A lazy scan of the whole file with every column as text.
fn scan(path: &Path, format: FileFormat) -> Result<LazyFrame, IngestError> {
    match format {
        FileFormat::Delimited(separator) => Ok(LazyCsvReader::new(pl_path(path)?)
            .with_has_header(true)
            .with_separator(separator)
            .with_quote_char(Some(b'"'))
            .with_infer_schema_length(Some(0))
            .with_encoding(CsvEncoding::LossyUtf8)
            .with_missing_is_null(true)
            .finish()
            .map_err(polars_err(path))?),
        FileFormat::Parquet => LazyFrame::scan_parquet(pl_path(path)?, ScanArgsParquet::default())
            .map_err(polars_err(path)),
    }
}

/// The file's column names, in file order.
pub fn column_names(path: &Path, format: FileFormat) -> Result<Vec<String>, IngestError> {
    let mut lazy = scan(path, format)?;
    let schema = lazy.collect_schema().map_err(polars_err(path))?;
    Ok(schema.iter_names().map(|n| n.to_string()).collect())
}

/// Reads `columns` (which must exist) as text, plus the 1-based row number in [`ROW_COLUMN`];
/// `limit` keeps only the first rows (for previews).
pub fn read_text_columns(
    path: &Path,
    format: FileFormat,
    columns: &[String],
    limit: Option<usize>,
) -> Result<DataFrame, IngestError> {
    let mut selection: Vec<Expr> = columns
        .iter()
        .map(|c| col(c.as_str()).cast(DataType::String))
        .collect();
    selection.insert(0, col(ROW_COLUMN));
    let mut lazy = scan(path, format)?.with_row_index(ROW_COLUMN, Some(1));
    if let Some(n) = limit {
        lazy = lazy.limit(n as IdxSize);
    }
    lazy.select(selection).collect().map_err(polars_err(path))
}

/// A source file ready to read.
#[derive(Debug, Clone)]
pub struct SourceFile {
    pub path: PathBuf,
    pub format: FileFormat,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fingerprint_finds_the_first_invalid_byte_and_its_line() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("bad.csv");
        std::fs::write(&path, b"a,b\n1,caf\xc3\xa9\n2,x\xffy\n").unwrap();
        let fp = fingerprint(&path, true).unwrap();
        assert_eq!(
            fp.invalid_utf8,
            Some(InvalidUtf8 {
                line: 3,
                byte_offset: 15
            })
        );
        assert_eq!(fp.bytes, 18);
        // sha256 of the same bytes computed independently.
        assert_eq!(
            fp.sha256,
            hex(&Sha256::digest(b"a,b\n1,caf\xc3\xa9\n2,x\xffy\n"))
        );
    }

    #[test]
    fn fingerprint_accepts_multibyte_sequences_across_blocks() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("ok.csv");
        // Put a 3-byte character across the READ_BLOCK boundary.
        let mut bytes = vec![b'a'; READ_BLOCK - 1];
        bytes.extend_from_slice("€\n".as_bytes());
        std::fs::write(&path, &bytes).unwrap();
        let fp = fingerprint(&path, true).unwrap();
        assert_eq!(fp.invalid_utf8, None);
    }
}
