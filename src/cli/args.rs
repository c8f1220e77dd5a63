//! The command line's value enums (`--method`, `--scale`, `--what`, ...) and their conversions
//! to the library's types, in one place.

use scalewright::export::ExportKind;
use scalewright::measure::{JmleUpdate, Method, ObjectEstimator, ScaleModel};
use scalewright::predict::EncoderKind;

/// `--method`: the estimation method.
#[derive(clap::ValueEnum, Clone, Copy, Debug)]
pub enum MethodArg {
    /// Joint maximum likelihood, as Facets (default).
    Jmle,
    /// Marginal maximum likelihood (EM over a normal object distribution): consistent for
    /// sparse designs.
    Mml,
}

impl From<MethodArg> for Method {
    fn from(arg: MethodArg) -> Self {
        match arg {
            MethodArg::Jmle => Method::Jmle,
            MethodArg::Mml => Method::Mml,
        }
    }
}

/// `--object-estimator`: how MML measures the objects.
#[derive(clap::ValueEnum, Clone, Copy, Debug)]
pub enum ObjectEstimatorArg {
    Eap,
    Wle,
}

impl From<ObjectEstimatorArg> for ObjectEstimator {
    fn from(arg: ObjectEstimatorArg) -> Self {
        match arg {
            ObjectEstimatorArg::Eap => ObjectEstimator::Eap,
            ObjectEstimatorArg::Wle => ObjectEstimator::Wle,
        }
    }
}

/// `--update`: the JMLE iteration path.
#[derive(clap::ValueEnum, Clone, Copy, Debug)]
pub enum UpdateArg {
    Accelerated,
    Facets,
    Winsteps,
}

impl From<UpdateArg> for JmleUpdate {
    fn from(arg: UpdateArg) -> Self {
        match arg {
            UpdateArg::Accelerated => JmleUpdate::Accelerated,
            UpdateArg::Facets => JmleUpdate::Facets,
            UpdateArg::Winsteps => JmleUpdate::Winsteps,
        }
    }
}

/// `--scale`: the threshold structure.
#[derive(clap::ValueEnum, Clone, Copy, Debug)]
pub enum ScaleArg {
    Pcm,
    Rsm,
}

impl From<ScaleArg> for ScaleModel {
    fn from(arg: ScaleArg) -> Self {
        match arg {
            ScaleArg::Pcm => ScaleModel::PartialCredit { facet: None },
            ScaleArg::Rsm => ScaleModel::RatingScale,
        }
    }
}

/// `--what`: what `export` writes.
#[derive(clap::ValueEnum, Clone, Copy, Debug)]
pub enum WhatArg {
    Objects,
    Raters,
    Items,
    Joined,
}

impl From<WhatArg> for ExportKind {
    fn from(arg: WhatArg) -> Self {
        match arg {
            WhatArg::Objects => ExportKind::Objects,
            WhatArg::Raters => ExportKind::Raters,
            WhatArg::Items => ExportKind::Items,
            WhatArg::Joined => ExportKind::Joined,
        }
    }
}

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
