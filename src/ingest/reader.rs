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
use crate::provenance::hex;

/// The name of the row-number column added while reading (never a user column).
pub(crate) const ROW_COLUMN: &str = "__scalewright_row";

/// The kind of a rating file, from its extension.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FileFormat {
    /// Delimited text with the given separator byte.
    Delimited(u8),
    /// Apache Parquet.
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
    /// SHA-256 of the file's bytes (lower-case hex).
    pub sha256: String,
    /// The file's size in bytes.
    pub bytes: u64,
    /// Where the first byte sequence that is not UTF-8 is, if any.
    pub invalid_utf8: Option<InvalidUtf8>,
}

/// Where a file stops being UTF-8.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct InvalidUtf8 {
    /// 1-based line of that byte.
    pub line: u64,
    /// Its offset from the start of the file.
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

fn polars_err(path: &Path) -> impl Fn(PolarsError) -> IngestError + '_ {
    move |source| IngestError::Read {
        path: path.to_path_buf(),
        message: super::problems::bounded_value(&source.to_string()),
    }
}

/// A read error of `path`: for delimited text, a quoted field that never closes is located (its
/// row, line and first characters); any other parser message is cut to
/// [`super::problems::MAX_QUOTED_CHARS`] characters (parsers quote whole fields, which can be
/// the rest of the file).
fn read_error(path: &Path, format: FileFormat) -> impl Fn(PolarsError) -> IngestError + '_ {
    move |source| {
        if let FileFormat::Delimited(separator) = format {
            if let Ok(Some(open)) = find_unterminated_quote(path, separator) {
                return IngestError::Read {
                    path: path.to_path_buf(),
                    message: open.to_string(),
                };
            }
        }
        polars_err(path)(source)
    }
}

/// A quoted field that opens and never closes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OpenQuote {
    /// The data row where the field opens (1 = first row after the header, 0 = the header).
    pub row: u64,
    /// The 1-based line of the file where it opens.
    pub line: u64,
    /// The field's first characters (at most [`super::problems::MAX_QUOTED_CHARS`]).
    pub start: String,
    /// Where a quote ends the field but is followed by neither a separator nor a line end: its
    /// line and the character after it (`None`: the field runs to the end of the file).
    pub misplaced_close: Option<(u64, char)>,
}

impl OpenQuote {
    /// What is wrong and the likely cause, without the place.
    pub fn cause(&self) -> String {
        let what = match self.misplaced_close {
            None => "is never closed, so the rest of the file reads as one value".to_string(),
            Some((line, after)) => format!(
                "is not closed where it should be: the next quote (line {line}) is followed by {after:?}, not a separator or a line end"
            ),
        };
        format!(
            "a quoted field opens here and {what}; it starts {:?}. A `\"` inside a quoted text must be doubled (`\"\"`), or a closing `\"` is missing",
            self.start
        )
    }
}

impl std::fmt::Display for OpenQuote {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        if self.row == 0 {
            write!(f, "the header (line {})", self.line)?;
        } else {
            write!(f, "row {} (line {})", self.row, self.line)?;
        }
        write!(f, ": {}", self.cause())
    }
}

/// Scans delimited text for the first quoted field that does not close properly (RFC 4180
/// quoting: a field that starts with `"` ends at a `"` not doubled, followed by a separator or a
/// line end): one still open at the end of the file, or one whose closing quote is followed by
/// other text (a parser then reads on into the next rows).
pub fn find_unterminated_quote(
    path: &Path,
    separator: u8,
) -> Result<Option<OpenQuote>, std::io::Error> {
    let mut file = std::io::BufReader::with_capacity(READ_BLOCK, File::open(path)?);
    let mut buf = vec![0u8; READ_BLOCK];
    let mut scan = QuoteScan::new(separator);
    loop {
        let n = file.read(&mut buf)?;
        if n == 0 || scan.found.is_some() {
            break;
        }
        scan.feed(&buf[..n]);
    }
    Ok(scan.finish())
}

/// How many bytes of an open field are kept for its excerpt (enough for 200 characters).
const EXCERPT_BYTES: usize = 4 * super::problems::MAX_QUOTED_CHARS;

struct QuoteScan {
    separator: u8,
    at_field_start: bool,
    in_quotes: bool,
    /// Inside quotes, the previous byte was a `"` (closing, unless the next is `"` too).
    quote_pending: bool,
    record: u64,
    line: u64,
    open: Option<(u64, u64)>,
    excerpt: Vec<u8>,
    /// The first field closed by a misplaced quote (scanning stops there).
    found: Option<OpenQuote>,
}

impl QuoteScan {
    fn new(separator: u8) -> Self {
        QuoteScan {
            separator,
            at_field_start: true,
            in_quotes: false,
            quote_pending: false,
            record: 0,
            line: 1,
            open: None,
            excerpt: Vec::new(),
            found: None,
        }
    }

    fn located(&self, misplaced_close: Option<(u64, char)>) -> Option<OpenQuote> {
        let (row, line) = self.open?;
        let text = String::from_utf8_lossy(&self.excerpt);
        Some(OpenQuote {
            row,
            line,
            start: super::problems::bounded_value(&text),
            misplaced_close,
        })
    }

    fn feed(&mut self, bytes: &[u8]) {
        for (i, &b) in bytes.iter().enumerate() {
            if self.found.is_some() {
                return;
            }
            if self.in_quotes {
                if self.quote_pending {
                    self.quote_pending = false;
                    if b == b'"' {
                        self.keep(b);
                        continue;
                    }
                    if b != self.separator && b != b'\n' && b != b'\r' {
                        let after = String::from_utf8_lossy(&bytes[i..(i + 4).min(bytes.len())])
                            .chars()
                            .next()
                            .unwrap_or('?');
                        self.found = self.located(Some((self.line, after)));
                        return;
                    }
                    // The field closed at the previous quote.
                    self.in_quotes = false;
                    self.open = None;
                } else {
                    if b == b'"' {
                        self.quote_pending = true;
                    } else {
                        self.keep(b);
                    }
                    if b == b'\n' {
                        self.line += 1;
                    }
                    continue;
                }
            }
            if b == b'\n' {
                self.line += 1;
                self.record += 1;
                self.at_field_start = true;
            } else if b == self.separator {
                self.at_field_start = true;
            } else if b == b'"' && self.at_field_start {
                self.in_quotes = true;
                self.open = Some((self.record, self.line));
                self.excerpt.clear();
                self.at_field_start = false;
            } else {
                self.at_field_start = false;
            }
        }
    }

    fn keep(&mut self, b: u8) {
        if self.excerpt.len() < EXCERPT_BYTES {
            self.excerpt.push(b);
        }
    }

    fn finish(self) -> Option<OpenQuote> {
        if self.found.is_some() {
            return self.found;
        }
        if !self.in_quotes || self.quote_pending {
            return None;
        }
        self.located(None)
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
    let schema = lazy.collect_schema().map_err(read_error(path, format))?;
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
    lazy.select(selection)
        .collect()
        .map_err(read_error(path, format))
}

/// Rows read per batch unless asked otherwise.
pub const DEFAULT_BATCH_ROWS: usize = 50_000;

/// Reads `columns` (which must exist) as text, with the 1-based row number in [`ROW_COLUMN`],
/// in batches of `batch_rows` rows in file order (the last one may be shorter), and hands each
/// batch to `each`. The file is scanned once by polars' streaming engine; a batch is read while
/// the previous one is handled, so memory depends on the batch, not on the file. Returns how many
/// rows were read.
pub fn for_each_batch(
    path: &Path,
    format: FileFormat,
    columns: &[String],
    batch_rows: usize,
    mut each: impl FnMut(&DataFrame) -> Result<(), IngestError>,
) -> Result<usize, IngestError> {
    let mut selection: Vec<Expr> = columns
        .iter()
        .map(|c| col(c.as_str()).cast(DataType::String))
        .collect();
    selection.insert(0, col(ROW_COLUMN));
    let chunk = std::num::NonZeroUsize::new(batch_rows.max(1));
    // One batch waits in the channel while the previous one is handled (back-pressure).
    let (send, batches) = std::sync::mpsc::sync_channel::<PolarsResult<DataFrame>>(1);
    let failed = send.clone();
    let query = scan(path, format)?
        .with_row_index(ROW_COLUMN, Some(1))
        .select(selection)
        .sink_batches(
            PlanCallback::new(move |df: DataFrame| {
                // Stop reading once the receiving side has gone (it returned early).
                Ok(send.send(Ok(df)).is_err())
            }),
            true,
            chunk,
        )
        .map_err(polars_err(path))?;
    let runner = std::thread::spawn(move || {
        if let Err(e) = query.collect_with_engine(Engine::Streaming) {
            // The receiver may be gone already; nothing else to tell then.
            let _ = failed.send(Err(e));
        }
    });
    let mut rows = 0usize;
    let mut outcome = Ok(());
    for batch in &batches {
        let handled = batch.map_err(read_error(path, format)).and_then(|df| {
            rows += df.height();
            each(&df)
        });
        if let Err(e) = handled {
            outcome = Err(e);
            break;
        }
    }
    drop(batches);
    if runner.join().is_err() {
        return Err(IngestError::Read {
            path: path.to_path_buf(),
            message: "the reader stopped unexpectedly".into(),
        });
    }
    outcome.map(|()| rows)
}

/// The row numbers ([`ROW_COLUMN`]) of a batch read by [`for_each_batch`].
pub(crate) fn row_numbers(df: &DataFrame, path: &Path) -> Result<Vec<u64>, IngestError> {
    let column = df
        .column(ROW_COLUMN)
        .and_then(|c| c.cast(&DataType::UInt64))
        .map_err(polars_err(path))?;
    let values = column.u64().map_err(polars_err(path))?;
    Ok(values.iter().map(|v| v.unwrap_or(0)).collect())
}

/// A source file ready to read.
#[derive(Debug, Clone)]
pub struct SourceFile {
    /// The file.
    pub path: PathBuf,
    /// How it is read.
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

    fn open_quote(text: &[u8]) -> Option<OpenQuote> {
        let mut scan = QuoteScan::new(b',');
        // Fed in small pieces, as blocks of a large file would be.
        for piece in text.chunks(3) {
            scan.feed(piece);
        }
        scan.finish()
    }

    #[test]
    fn an_unterminated_quote_is_found_at_its_row_and_line() {
        let text = b"id,text,score\n1,\"a, \"\"quoted\"\"\nline\",2\n2,\"never closed,3\n3,x,4\n";
        let open = open_quote(text).unwrap();
        assert_eq!((open.row, open.line), (2, 4));
        assert_eq!(open.start, "never closed,3\n3,x,4\n");
        assert_eq!(open.misplaced_close, None);
        assert!(open
            .to_string()
            .starts_with("row 2 (line 4): a quoted field opens here"));
        // A quote left open is "closed" by the next row's opening quote, followed by text.
        let open = open_quote(b"a,b\n1,\"open\n2,\"next\"\n").unwrap();
        assert_eq!((open.row, open.line), (1, 2));
        assert_eq!(open.misplaced_close, Some((3, 'n')));
        assert!(open.cause().contains("followed by 'n'"), "{}", open.cause());
        // Closed quotes, doubled quotes and a quote ending the file are fine.
        assert_eq!(open_quote(b"a,b\n\"x\"\"y\",1\n\"z\""), None);
        assert_eq!(open_quote(b"a,b\n1,2\n"), None);
    }

    #[test]
    fn the_excerpt_of_an_open_quote_is_bounded() {
        let mut text = b"a,b\n1,\"".to_vec();
        text.extend(std::iter::repeat_n(b'x', 100_000));
        let open = open_quote(&text).unwrap();
        assert_eq!(open.row, 1);
        assert_eq!(
            open.start.chars().count(),
            201,
            "200 characters and the ellipsis"
        );
        assert!(open.to_string().len() < 1024);
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
