//! The command line's own value enums: `--encoder` (converted to the library's type here) and
//! `--format`. Every other option value (`--method`, `--scale`, `--update`,
//! `--object-estimator`, `--what`, `--rescale`) is the library's own type, parsed by its
//! `FromStr` so a front end never re-implements it.

use scalewright::predict::EncoderKind;

/// `--encoder`: the text predictor's text representation.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum EncoderArg {
    /// Hashed word and character n-grams, learned end to end (no download).
    Hashed,
    /// Frozen all-MiniLM-L6-v2 sentence vectors (needs --encoder-dir; see docs/predictor.md).
    Minilm,
}

impl From<EncoderArg> for EncoderKind {
    fn from(arg: EncoderArg) -> Self {
        match arg {
            EncoderArg::Hashed => EncoderKind::Hashed,
            EncoderArg::Minilm => EncoderKind::Minilm,
        }
    }
}

/// `--format` of `report` and `bias`: the output format.
#[derive(clap::ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum FormatArg {
    Text,
    Json,
    Csv,
}
