//! Hashed n-gram features (fastText-style, Joulin et al. 2017; Bojanowski et al. 2017).
//!
//! A text becomes a bag of *buckets*: every lower-cased word token (letters, digits, `-` and `'`)
//! contributes its word unigram, the bigram with the next word, and the character 3-, 4- and
//! 5-grams of `<word>` (with the boundary markers `<` and `>`). Each n-gram is hashed with 64-bit
//! FNV-1a (Fowler, Noll & Vo) over a namespace byte (`w` unigram, `b` bigram, `c` character
//! n-gram), a unit separator `0x1F` and the n-gram's UTF-8 bytes, and folded into `2^bits`
//! buckets:
//!
//! ```text
//! h = FNV-1a-64(ns · 0x1F · gram)        bucket = (h ⊕ (h >> 32)) mod 2^bits
//! ```
//!
//! The hash is fixed and platform-independent, so a saved model sees the same buckets on every
//! machine. The text's representation is the average of its buckets' embedding rows,
//! `v = (1/n) Σ_j E[bucket_j]` (n counts repeated buckets), learned end to end.

use serde::{Deserialize, Serialize};

/// FNV-1a 64-bit offset basis.
const FNV_OFFSET: u64 = 0xcbf2_9ce4_8422_2325;
/// FNV-1a 64-bit prime.
const FNV_PRIME: u64 = 0x0000_0100_0000_01b3;
/// Separator between the namespace byte and the n-gram (ASCII unit separator).
const NAMESPACE_SEPARATOR: u8 = 0x1f;
/// Character n-gram lengths (fastText's defaults minn = 3, maxn = 5... here 3..=5).
pub const CHAR_NGRAM_MIN: usize = 3;
/// Longest character n-gram.
pub const CHAR_NGRAM_MAX: usize = 5;
/// Smallest and largest number of hash bits accepted.
pub const MIN_HASH_BITS: u32 = 8;
/// Largest number of hash bits accepted.
pub const MAX_HASH_BITS: u32 = 24;

/// How texts are hashed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Hashing {
    /// `2^bits` buckets.
    pub bits: u32,
}

impl Hashing {
    /// The number of buckets, `2^bits`.
    pub fn buckets(&self) -> usize {
        1usize << self.bits
    }

    /// The buckets of a text, one per n-gram occurrence, in text order (unigrams, bigrams and
    /// character n-grams of each word in turn).
    pub fn buckets_of(&self, text: &str) -> Vec<u32> {
        let words = words(text);
        let mut out = Vec::with_capacity(words.len() * 12);
        let mut padded = String::new();
        for (i, word) in words.iter().enumerate() {
            out.push(self.bucket(b'w', word.as_bytes()));
            if let Some(next) = words.get(i + 1) {
                let bigram = format!("{word} {next}");
                out.push(self.bucket(b'b', bigram.as_bytes()));
            }
            padded.clear();
            padded.push('<');
            padded.push_str(word);
            padded.push('>');
            let starts: Vec<usize> = padded
                .char_indices()
                .map(|(i, _)| i)
                .chain(std::iter::once(padded.len()))
                .collect();
            let n_chars = starts.len() - 1;
            for n in CHAR_NGRAM_MIN..=CHAR_NGRAM_MAX {
                for s in 0..(n_chars + 1).saturating_sub(n) {
                    out.push(self.bucket(b'c', &padded.as_bytes()[starts[s]..starts[s + n]]));
                }
            }
        }
        out
    }

    /// The bucket of one namespaced n-gram.
    pub fn bucket(&self, namespace: u8, gram: &[u8]) -> u32 {
        let h = fnv1a64(&[namespace, NAMESPACE_SEPARATOR], gram);
        ((h ^ (h >> 32)) & (self.buckets() as u64 - 1)) as u32
    }
}

/// 64-bit FNV-1a over the concatenation of `prefix` and `bytes`:
/// `h_0 = offset`, `h_{t+1} = (h_t ⊕ byte_t) · prime mod 2^64`.
pub fn fnv1a64(prefix: &[u8], bytes: &[u8]) -> u64 {
    prefix
        .iter()
        .chain(bytes)
        .fold(FNV_OFFSET, |h, &b| (h ^ b as u64).wrapping_mul(FNV_PRIME))
}

/// Lower-cased word tokens: maximal runs of letters, digits, `-` and `'`.
pub fn words(text: &str) -> Vec<String> {
    text.split(|c: char| !(c.is_alphanumeric() || c == '-' || c == '\''))
        .filter(|t| !t.is_empty())
        .map(str::to_lowercase)
        .collect()
}

/// A text's bag as sorted `(bucket, weight)` pairs with weights `count / n` summing to 1 (empty
/// for a text without words): the row of the sparse document matrix `S` with `v = S E`.
pub fn bag(buckets: &[u32]) -> Vec<(u32, f32)> {
    if buckets.is_empty() {
        return Vec::new();
    }
    let mut sorted = buckets.to_vec();
    sorted.sort_unstable();
    let n = sorted.len() as f32;
    let mut out: Vec<(u32, f32)> = Vec::new();
    for b in sorted {
        match out.last_mut() {
            Some((last, w)) if *last == b => *w += 1.0,
            _ => out.push((b, 1.0)),
        }
    }
    for (_, w) in &mut out {
        *w /= n;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fnv1a_matches_the_published_test_vectors() {
        // FNV-1a 64 of "" and "a" (Fowler/Noll/Vo reference vectors).
        assert_eq!(fnv1a64(&[], b""), 0xcbf29ce484222325);
        assert_eq!(fnv1a64(&[], b"a"), 0xaf63dc4c8601ec8c);
        assert_eq!(fnv1a64(b"foo", b"bar"), fnv1a64(&[], b"foobar"));
    }

    #[test]
    fn buckets_cover_words_bigrams_and_character_ngrams() {
        let h = Hashing { bits: 18 };
        // "Hi there": words hi, there; one bigram; <hi> has 2+1+0 char n-grams (3,4,5),
        // <there> (7 chars) has 5+4+3.
        let b = h.buckets_of("Hi, there!");
        assert_eq!(b.len(), 2 + 1 + 3 + 12);
        assert!(b.iter().all(|&x| (x as usize) < h.buckets()));
        assert_eq!(b[0], h.bucket(b'w', b"hi"));
        assert_eq!(b[1], h.bucket(b'b', b"hi there"));
        assert_eq!(h.buckets_of("HI there"), b, "lower-cased");
        assert!(h.buckets_of(" ,.! ").is_empty());
    }

    #[test]
    fn bag_weights_are_counts_over_the_total() {
        let b = bag(&[5, 3, 5, 5]);
        assert_eq!(b, vec![(3, 0.25), (5, 0.75)]);
        assert!(bag(&[]).is_empty());
    }
}
