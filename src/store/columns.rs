//! Integer columns stored compactly: the codec of the observation chunks.
//!
//! A column of `n` integers is stored as frame of reference + fixed byte width + zstd:
//!
//! ```text
//! byte 0      format (COLUMN_FORMAT)
//! byte 1      width w in bytes of every value - base: 0 (all values equal), 1, 2, 4 or 8
//! bytes 2-9   base: the smallest value, i64 little-endian
//! bytes 10-13 n, u32 little-endian
//! bytes 14-   (w > 0) one zstd frame holding the n offsets value - base, w bytes each, LE
//! ```
//!
//! Object, rater and item indices thus take the width their facet needs (a rater facet of
//! 7,912 elements: 2 bytes), scores and codes 1 byte, and a constant column (the data set of a
//! chunk) none at all; zstd then removes the runs the import's sort order makes (an object's
//! responses are adjacent).

use thiserror::Error;

/// The format byte of an encoded column.
pub const COLUMN_FORMAT: u8 = 1;

/// The zstd level of column payloads (3 is zstd's default: fast to write, fast to read).
pub const ZSTD_LEVEL: i32 = 3;

/// Bytes of the header before the payload.
const HEADER_BYTES: usize = 14;

/// Why an encoded column cannot be read.
#[derive(Debug, Error, PartialEq, Eq)]
pub enum ColumnError {
    /// The bytes end before the header does.
    #[error("the column is {0} bytes long, shorter than its 14-byte header")]
    Truncated(usize),
    /// The format byte is not one this version writes.
    #[error("unknown column format {0}")]
    UnknownFormat(u8),
    /// The width byte is not 0, 1, 2, 4 or 8.
    #[error("unknown value width {0}")]
    UnknownWidth(u8),
    /// The payload does not decompress to `n` values of the stated width.
    #[error("the payload does not hold {expected} values: {message}")]
    Payload {
        /// Values the header announces.
        expected: usize,
        /// What went wrong.
        message: String,
    },
    /// zstd refused to compress the payload.
    #[error("cannot compress the column: {0}")]
    Compress(String),
    /// A value does not fit the type it is read into.
    #[error("value {0} is out of range")]
    OutOfRange(i64),
}

/// The number of bytes needed to hold every value of `0..=span`.
fn width_for(span: u64) -> u8 {
    match span {
        0 => 0,
        1..=0xff => 1,
        0x100..=0xffff => 2,
        0x1_0000..=0xffff_ffff => 4,
        _ => 8,
    }
}

/// Encodes `values` (see the module documentation).
pub fn encode(values: impl ExactSizeIterator<Item = i64> + Clone) -> Result<Vec<u8>, ColumnError> {
    let n = values.len();
    let (min, max) = values
        .clone()
        .fold((i64::MAX, i64::MIN), |(lo, hi), v| (lo.min(v), hi.max(v)));
    let base = if n == 0 { 0 } else { min };
    let span = if n == 0 {
        0
    } else {
        (max as i128 - min as i128) as u64
    };
    let width = width_for(span);
    let mut out = Vec::with_capacity(HEADER_BYTES);
    out.push(COLUMN_FORMAT);
    out.push(width);
    out.extend_from_slice(&base.to_le_bytes());
    out.extend_from_slice(&(n as u32).to_le_bytes());
    if width == 0 {
        return Ok(out);
    }
    let mut raw = Vec::with_capacity(n * width as usize);
    for v in values {
        let offset = (v as i128 - base as i128) as u64;
        raw.extend_from_slice(&offset.to_le_bytes()[..width as usize]);
    }
    let packed =
        zstd::bulk::compress(&raw, ZSTD_LEVEL).map_err(|e| ColumnError::Compress(e.to_string()))?;
    out.extend_from_slice(&packed);
    Ok(out)
}

/// The number of values an encoded column holds (read from its header).
pub fn len(bytes: &[u8]) -> Result<usize, ColumnError> {
    header(bytes).map(|h| h.n)
}

struct Header {
    width: usize,
    base: i64,
    n: usize,
}

fn header(bytes: &[u8]) -> Result<Header, ColumnError> {
    if bytes.len() < HEADER_BYTES {
        return Err(ColumnError::Truncated(bytes.len()));
    }
    if bytes[0] != COLUMN_FORMAT {
        return Err(ColumnError::UnknownFormat(bytes[0]));
    }
    let width = match bytes[1] {
        w @ (0 | 1 | 2 | 4 | 8) => w as usize,
        w => return Err(ColumnError::UnknownWidth(w)),
    };
    let mut base = [0u8; 8];
    base.copy_from_slice(&bytes[2..10]);
    let mut n = [0u8; 4];
    n.copy_from_slice(&bytes[10..14]);
    Ok(Header {
        width,
        base: i64::from_le_bytes(base),
        n: u32::from_le_bytes(n) as usize,
    })
}

/// Decodes a column, calling `push` with every value in order.
pub fn decode_each(bytes: &[u8], mut push: impl FnMut(i64)) -> Result<usize, ColumnError> {
    let h = header(bytes)?;
    if h.width == 0 {
        for _ in 0..h.n {
            push(h.base);
        }
        return Ok(h.n);
    }
    let payload = &bytes[HEADER_BYTES..];
    let expected_bytes = h.n * h.width;
    let raw =
        zstd::bulk::decompress(payload, expected_bytes).map_err(|e| ColumnError::Payload {
            expected: h.n,
            message: e.to_string(),
        })?;
    if raw.len() != expected_bytes {
        return Err(ColumnError::Payload {
            expected: h.n,
            message: format!("{} bytes instead of {expected_bytes}", raw.len()),
        });
    }
    let mut value = [0u8; 8];
    for chunk in raw.chunks_exact(h.width) {
        value[..h.width].copy_from_slice(chunk);
        let offset = u64::from_le_bytes(value);
        push((h.base as i128 + offset as i128) as i64);
    }
    Ok(h.n)
}

/// Decodes a column into a vector.
pub fn decode(bytes: &[u8]) -> Result<Vec<i64>, ColumnError> {
    let mut out = Vec::with_capacity(len(bytes)?);
    decode_each(bytes, |v| out.push(v))?;
    Ok(out)
}

/// Decodes a column into a narrower integer type (`u32` element indices, `i32` scores),
/// appending to `out`; a value the type cannot hold is an error.
pub fn decode_into<T: TryFrom<i64> + Default>(
    bytes: &[u8],
    out: &mut Vec<T>,
) -> Result<usize, ColumnError> {
    out.reserve(len(bytes)?);
    let mut bad = None;
    let n = decode_each(bytes, |v| match T::try_from(v) {
        Ok(v) => out.push(v),
        Err(_) => {
            bad.get_or_insert(v);
            out.push(T::default())
        }
    })?;
    match bad {
        Some(v) => Err(ColumnError::OutOfRange(v)),
        None => Ok(n),
    }
}

/// Several columns of one length in one blob (the further rater facets of a chunk): each encoded
/// column prefixed by its byte length as u32 little-endian. No columns: an empty blob.
pub fn encode_group(columns: &[Vec<u8>]) -> Vec<u8> {
    let mut out = Vec::new();
    for c in columns {
        out.extend_from_slice(&(c.len() as u32).to_le_bytes());
        out.extend_from_slice(c);
    }
    out
}

/// The encoded columns of a blob written by [`encode_group`].
pub fn split_group(bytes: &[u8]) -> Result<Vec<&[u8]>, ColumnError> {
    let mut out = Vec::new();
    let mut rest = bytes;
    while !rest.is_empty() {
        if rest.len() < 4 {
            return Err(ColumnError::Truncated(rest.len()));
        }
        let mut n = [0u8; 4];
        n.copy_from_slice(&rest[..4]);
        let n = u32::from_le_bytes(n) as usize;
        let body = rest
            .get(4..4 + n)
            .ok_or(ColumnError::Truncated(rest.len()))?;
        out.push(body);
        rest = &rest[4 + n..];
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn roundtrip(values: &[i64]) -> Vec<u8> {
        let bytes = encode(values.iter().copied()).unwrap();
        assert_eq!(decode(&bytes).unwrap(), values, "{values:?}");
        bytes
    }

    #[test]
    fn columns_round_trip_at_every_width() {
        roundtrip(&[]);
        assert_eq!(
            roundtrip(&[7; 1000]).len(),
            HEADER_BYTES,
            "a constant column has no payload"
        );
        roundtrip(&[0, 4, 2, 3, 1]);
        roundtrip(&[-1, 250, 3]);
        roundtrip(&[0, 7_912, 40_000]);
        roundtrip(&[0, 295_000, 1 << 31]);
        roundtrip(&[i64::MIN, 0, i64::MAX]);
        roundtrip(&[-5, -3]);
    }

    #[test]
    fn widths_are_the_smallest_that_hold_the_span() {
        let width = |v: &[i64]| encode(v.iter().copied()).unwrap()[1];
        assert_eq!(width(&[3, 3]), 0);
        assert_eq!(width(&[100, 355]), 1);
        assert_eq!(width(&[100, 356]), 2);
        assert_eq!(width(&[0, 65_536]), 4);
        assert_eq!(width(&[0, 1 << 32]), 8);
    }

    #[test]
    fn sorted_indices_compress_far_below_their_width() {
        // 65,536 responses of ~6,500 objects (10 each) with 4-byte indices: 256 KiB raw.
        let objects: Vec<i64> = (0..65_536).map(|i| 300_000 + i / 10).collect();
        let bytes = roundtrip(&objects);
        assert!(bytes.len() < 16 * 1024, "{} bytes", bytes.len());
    }

    #[test]
    fn damaged_columns_are_errors_not_panics() {
        let bytes = encode([1i64, 2, 3, 300].into_iter()).unwrap();
        assert_eq!(decode(&bytes[..5]), Err(ColumnError::Truncated(5)));
        let mut wrong = bytes.clone();
        wrong[0] = 9;
        assert_eq!(decode(&wrong), Err(ColumnError::UnknownFormat(9)));
        wrong = bytes.clone();
        wrong[1] = 3;
        assert_eq!(decode(&wrong), Err(ColumnError::UnknownWidth(3)));
        wrong = bytes.clone();
        wrong.truncate(bytes.len() - 2);
        assert!(matches!(decode(&wrong), Err(ColumnError::Payload { .. })));
        let big = encode([0i64, 1 << 40].into_iter()).unwrap();
        assert_eq!(
            decode_into::<u32>(&big, &mut Vec::new()),
            Err(ColumnError::OutOfRange(1 << 40))
        );
    }

    #[test]
    fn groups_split_back_into_their_columns() {
        let a = encode([1i64, 2].into_iter()).unwrap();
        let b = encode([5i64, 5].into_iter()).unwrap();
        let group = encode_group(&[a.clone(), b.clone()]);
        assert_eq!(split_group(&group).unwrap(), vec![&a[..], &b[..]]);
        assert!(split_group(&[]).unwrap().is_empty());
        assert!(split_group(&group[..group.len() - 1]).is_err());
    }
}
