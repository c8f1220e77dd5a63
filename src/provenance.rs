//! Checksums that say where a result came from: SHA-256 of files and descriptions, and the
//! fingerprint of the observations a run used. One module at the bottom of the crate, so that
//! every stage (config, ingest, store, export, pipeline) hashes the same way without importing
//! another stage for it.

use crate::data::RatingData;
use sha2::{Digest, Sha256};

/// Bytes as lower-case hex, two digits a byte.
pub fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// A SHA-256 as lower-case hex.
pub fn sha256_hex(bytes: &[u8]) -> String {
    hex(&Sha256::digest(bytes))
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
    hex(&hasher.finalize())
}

/// SHA-256 over the dataset descriptions of a project's data sets (each description's own
/// SHA-256, one per line, in import order): the provenance's `config_sha256`.
pub fn descriptions_sha256<'a>(description_sha256s: impl IntoIterator<Item = &'a str>) -> String {
    sha256_hex(
        description_sha256s
            .into_iter()
            .collect::<Vec<_>>()
            .join("\n")
            .as_bytes(),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sha256_of_known_inputs() {
        // FIPS 180-2, appendix B.1 ("abc") and the empty message.
        assert_eq!(
            sha256_hex(b"abc"),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
        assert_eq!(
            sha256_hex(b""),
            "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
        );
        assert_eq!(hex(&[0, 15, 255]), "000fff");
        assert_eq!(descriptions_sha256(["abc"]), sha256_hex(b"abc"));
        assert_eq!(descriptions_sha256(["a", "b"]), sha256_hex(b"a\nb"));
    }
}
