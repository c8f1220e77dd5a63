//! Synthetic comment texts whose words carry signal about the comment's true measure.
//!
//! Every text has 8–40 words. Half of them (rounded down, at least four) are *signal words* drawn
//! from [`LEXICON_TIERS`], nine graded tiers running from warm ("lovely", "thanks") through
//! irritated ("annoying", "rude") to hostile stand-ins ("vermin-like", "threaten", "destroy"); the
//! rest are neutral [`FILLER_WORDS`]. The vocabulary is deliberately mild: no slurs, no real
//! targets.
//!
//! A comment's *text position* on the tier scale is
//!
//! ```text
//! t = 4 + 2 · (B - measure_mean) / measure_sd + N(0, 0.35²)
//! ```
//!
//! so ±2 SD of the measure distribution spans tiers 0..8; each signal word then takes tier
//! `round(t + N(0, 0.8²))` clamped to `0..=8`. The mean tier of a text's signal words therefore
//! tracks the true measure closely (r ≈ 0.97 over 2,000 comments with the defaults), leaving a
//! text model something real, but imperfect, to learn.
//!
//! Texts are split into sentences and sprinkled with commas, a double-quoted phrase in about a
//! quarter of the comments, and occasional line breaks, so CSV quoting is exercised.

use rand::seq::IndexedRandom;
use rand::Rng;
use rand_distr::StandardNormal;

/// Graded signal vocabulary, tier 0 (warmest) to tier 8 (most hostile). Mild stand-ins only.
pub const LEXICON_TIERS: [&[&str]; 9] = [
    &[
        "lovely",
        "wonderful",
        "thanks",
        "grateful",
        "delightful",
        "beautiful",
        "generous",
        "brilliant",
    ],
    &[
        "nice", "good", "helpful", "friendly", "pleasant", "glad", "welcome", "enjoyed",
    ],
    &[
        "okay",
        "fine",
        "interesting",
        "reasonable",
        "agreed",
        "calm",
        "honest",
        "useful",
    ],
    &[
        "doubtful",
        "unsure",
        "odd",
        "confusing",
        "meh",
        "disagree",
        "questionable",
        "unclear",
    ],
    &[
        "annoying",
        "silly",
        "boring",
        "wrong",
        "lazy",
        "pointless",
        "tiresome",
        "sloppy",
    ],
    &[
        "rude",
        "awful",
        "ridiculous",
        "pathetic",
        "useless",
        "nasty",
        "obnoxious",
        "shameful",
    ],
    &[
        "disgusting",
        "loathe",
        "worthless",
        "garbage",
        "rotten",
        "menace",
        "contempt",
        "hateful",
    ],
    &[
        "despise",
        "vermin-like",
        "pests",
        "plague",
        "swarm",
        "infest",
        "banish",
        "expel",
    ],
    &[
        "threaten",
        "destroy",
        "eliminate",
        "crush",
        "eradicate",
        "smash",
        "annihilate",
        "wipe-out",
    ],
];

/// Neutral filler words, carrying no signal.
pub const FILLER_WORDS: &[&str] = &[
    "the", "a", "and", "of", "to", "in", "is", "that", "this", "it", "they", "people", "about",
    "with", "for", "on", "was", "just", "some", "what", "all", "really", "video", "post", "thread",
    "comment", "today", "again", "here", "there", "think", "said", "would", "should", "been",
    "their", "those", "when", "then", "news", "story", "week", "everyone", "folks", "maybe",
];

/// Number of lexicon tiers.
pub const N_TIERS: usize = LEXICON_TIERS.len();

/// SD of the comment-level noise on the text position (in tiers).
const COMMENT_NOISE_SD: f64 = 0.35;
/// SD of the word-level noise on each signal word's tier.
const WORD_NOISE_SD: f64 = 0.8;
/// Text length in words.
const MIN_WORDS: usize = 8;
const MAX_WORDS: usize = 40;

/// The lexicon tier of a (lower-case) word, or `None` for filler and unknown words.
pub fn tier_of(word: &str) -> Option<usize> {
    LEXICON_TIERS.iter().position(|tier| tier.contains(&word))
}

/// Generates one text for a comment whose standardized measure is `z = (B - mean) / sd`.
pub(crate) fn generate_text<R: Rng>(z: f64, rng: &mut R) -> String {
    let top = (N_TIERS - 1) as f64;
    let noise: f64 = rng.sample(StandardNormal);
    let position = top / 2.0 + 2.0 * z + COMMENT_NOISE_SD * noise;

    let n_words = rng.random_range(MIN_WORDS..=MAX_WORDS);
    let n_signal = (n_words / 2).max(4);
    // Mark which word slots carry signal: the first n_signal of a shuffled set of slots.
    let signal_slots = rand::seq::index::sample(rng, n_words, n_signal);
    let mut is_signal = vec![false; n_words];
    for slot in signal_slots.iter() {
        is_signal[slot] = true;
    }

    let mut words: Vec<&str> = Vec::with_capacity(n_words);
    for &signal in &is_signal {
        if signal {
            let jitter: f64 = rng.sample(StandardNormal);
            let tier = (position + WORD_NOISE_SD * jitter).round().clamp(0.0, top) as usize;
            words.push(pick(LEXICON_TIERS[tier], rng));
        } else {
            words.push(pick(FILLER_WORDS, rng));
        }
    }

    // One double-quoted span of 1-3 words in about a quarter of the texts.
    let quoted = if rng.random_bool(0.25) {
        let len = rng.random_range(1..=3).min(n_words);
        let start = rng.random_range(0..=n_words - len);
        Some((start, start + len - 1))
    } else {
        None
    };

    let mut text = String::with_capacity(n_words * 9);
    let mut sentence_left = rng.random_range(4..=12);
    let mut sentence_start = true;
    for (i, word) in words.iter().enumerate() {
        if quoted.is_some_and(|(start, _)| start == i) {
            text.push('"');
        }
        if sentence_start {
            push_capitalized(&mut text, word);
            sentence_start = false;
        } else {
            text.push_str(word);
        }
        if quoted.is_some_and(|(_, end)| end == i) {
            text.push('"');
        }
        let last = i + 1 == n_words;
        sentence_left -= 1;
        if last || sentence_left == 0 {
            text.push(*['.', '.', '.', '!', '?'].choose(rng).unwrap_or(&'.'));
            if !last {
                text.push(if rng.random_bool(0.15) { '\n' } else { ' ' });
                sentence_left = rng.random_range(4..=12);
                sentence_start = true;
            }
        } else {
            if rng.random_bool(0.1) {
                text.push(',');
            }
            text.push(' ');
        }
    }
    text
}

fn pick<'a, R: Rng>(words: &[&'a str], rng: &mut R) -> &'a str {
    words.choose(rng).copied().unwrap_or("")
}

fn push_capitalized(text: &mut String, word: &str) {
    let mut chars = word.chars();
    if let Some(first) = chars.next() {
        text.extend(first.to_uppercase());
        text.push_str(chars.as_str());
    }
}

/// Splits a text into lower-case word tokens (letters and hyphens), the inverse of the
/// punctuation added by [`generate_text`].
pub fn tokens(text: &str) -> impl Iterator<Item = String> + '_ {
    text.split(|c: char| !(c.is_alphanumeric() || c == '-'))
        .filter(|t| !t.is_empty())
        .map(str::to_lowercase)
}

/// The mean lexicon tier of a text's signal words (`None` if it has none): the simple
/// "bag of tiers" score used to check that texts carry signal.
pub fn mean_tier(text: &str) -> Option<f64> {
    let (sum, n) = tokens(text)
        .filter_map(|t| tier_of(&t))
        .fold((0usize, 0usize), |(s, n), t| (s + t, n + 1));
    (n > 0).then(|| sum as f64 / n as f64)
}
