//! Figures: one figure model ([`Figure`], plain data), one renderer over plotters that draws it
//! to SVG ([`render_svg`]) and PNG ([`render_png`]) with the same drawing code, and one builder
//! per kind of figure ([`FigureKind`]) from the library's results to the model.
//!
//! - [`model`]: the figure model: panels with axes (labels, ranges, ticks) and layers (bars,
//!   points, lines, shaded bands, intervals, text), a legend and notes; colours from a fixed
//!   palette ([`Colour`]), never terminal colours.
//! - [`render`]: the renderer. Text is drawn with the embedded DejaVu Sans ([`font`]), so a PNG
//!   has its labels on a machine without fonts and an SVG names the family
//!   ([`FONT_FAMILY`]). SVG output is deterministic (integer pixel coordinates, no random ids)
//!   and every drawn element carries `class` (and, for marks, `data-series` and `data-label`)
//!   attributes naming what it is (`sw-axis`, `sw-tick-label`, `sw-point`, ...).
//! - the builders, one file per kind: [`wright`] (Facets Table 6 as a figure), [`curves`]
//!   (category probability curves, Facets' Graphs), [`raters`] (severity against infit), [`bias`]
//!   (Table 13 with 95% intervals), [`distribution`] (object measures, S.E.s and the test
//!   information), [`training`] (a text model's losses by epoch), [`contrast`] (Winsteps
//!   Table 23 loadings), [`plan`] (reliability against raters per object).
//!
//! The builders are pure functions; `pipeline::plot` loads what a kind needs from a stored run.

pub mod bias;
pub mod contrast;
pub mod curves;
pub mod distribution;
pub mod font;
pub mod model;
pub mod plan;
pub mod quality;
pub mod raters;
pub mod render;
mod scale;
mod tagged;
pub mod training;
pub mod wright;

pub use font::FONT_FAMILY;
pub use model::{
    Anchor, Axis, Band, Bar, Colour, Figure, Interval, Layer, LayerKind, LegendEntry, LegendSymbol,
    Line, Marker, Panel, Point, TextLabel, Tick,
};
pub use render::{render_png, render_svg};
pub use scale::nice_ticks;

use serde::{Deserialize, Serialize};
use std::fmt;
use std::str::FromStr;

/// Why a figure could not be drawn.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum FigureError {
    /// A width or height outside [`FigureSize::MIN`]..=[`FigureSize::MAX`].
    #[error(
        "figure size {width}x{height} is out of range: width and height must lie between {} and {} pixels",
        FigureSize::MIN,
        FigureSize::MAX
    )]
    Size {
        /// The width asked for.
        width: u32,
        /// The height asked for.
        height: u32,
    },
    /// A figure kind that does not exist.
    #[error("unknown figure kind `{given}` (expected one of: {})", FigureKind::names().join(", "))]
    UnknownKind {
        /// The name given.
        given: String,
    },
    /// The figure has nothing to draw (no panel, or an axis with an empty range).
    #[error("the figure cannot be drawn: {0}")]
    Empty(String),
    /// The drawing backend failed (a font or encoder error).
    #[error("drawing the figure failed: {0}")]
    Drawing(String),
}

/// The kinds of figure (`scalewright plot --what KIND`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FigureKind {
    /// The variable map (Facets Table 6).
    Wright,
    /// Category probability curves, the expected score curve and observed averages.
    Curves,
    /// The rater fit map: severity against infit mean-square.
    Raters,
    /// Bias/interaction terms with 95% intervals (Table 13).
    Bias,
    /// Object measures with their standard errors, and the test information.
    Distribution,
    /// A stored text model's training and validation loss by epoch.
    Training,
    /// Item loadings on the first residual contrast against item measures (Table 23).
    Contrast,
    /// Forecast reliability against raters per object (the design plan).
    Plan,
    /// The rater diagnosis: each flagged rater's discrimination against threshold stretch, by
    /// type.
    Quality,
}

impl FigureKind {
    /// Every kind, in the order front ends list them.
    pub const ALL: [FigureKind; 9] = [
        FigureKind::Wright,
        FigureKind::Curves,
        FigureKind::Raters,
        FigureKind::Bias,
        FigureKind::Distribution,
        FigureKind::Training,
        FigureKind::Contrast,
        FigureKind::Plan,
        FigureKind::Quality,
    ];

    /// The kind's name on the command line and in pipeline files.
    pub fn name(self) -> &'static str {
        match self {
            FigureKind::Wright => "wright",
            FigureKind::Curves => "curves",
            FigureKind::Raters => "raters",
            FigureKind::Bias => "bias",
            FigureKind::Distribution => "distribution",
            FigureKind::Training => "training",
            FigureKind::Contrast => "contrast",
            FigureKind::Plan => "plan",
            FigureKind::Quality => "quality",
        }
    }

    /// Every kind's name.
    pub fn names() -> Vec<&'static str> {
        FigureKind::ALL.iter().map(|k| k.name()).collect()
    }

    /// What the figure shows and Facets' (or Winsteps') equivalent, in one line.
    pub fn describe(self) -> &'static str {
        match self {
            FigureKind::Wright => "variable map: every facet on one logit ruler (Facets Table 6)",
            FigureKind::Curves => {
                "category probability curves, expected score and observed averages (Facets Graphs)"
            }
            FigureKind::Raters => {
                "rater fit map: severity against infit mean-square with Linacre's bands (Table 7)"
            }
            FigureKind::Bias => "bias/interaction terms with 95% intervals (Facets Table 13)",
            FigureKind::Distribution => {
                "object measures, their standard errors and the test information"
            }
            FigureKind::Training => "a text model's training and validation loss by epoch",
            FigureKind::Contrast => {
                "item loadings on the first residual contrast against measure (Winsteps Table 23)"
            }
            FigureKind::Plan => "forecast object reliability against raters per object (D-study)",
            FigureKind::Quality => {
                "the rater diagnosis: flagged raters' discrimination against threshold stretch, by type"
            }
        }
    }
}

impl fmt::Display for FigureKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl FromStr for FigureKind {
    type Err = FigureError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let wanted = s.trim().to_ascii_lowercase();
        FigureKind::ALL
            .into_iter()
            .find(|k| k.name() == wanted)
            .ok_or_else(|| FigureError::UnknownKind {
                given: s.to_string(),
            })
    }
}

/// A figure's size in pixels (the SVG's `width`/`height`, the PNG's dimensions).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct FigureSize {
    /// Width in pixels.
    pub width: u32,
    /// Height in pixels.
    pub height: u32,
}

impl FigureSize {
    /// The smallest width or height drawn.
    pub const MIN: u32 = 400;
    /// The largest width or height drawn.
    pub const MAX: u32 = 8000;
    /// The default size (a page-wide figure).
    pub const DEFAULT: FigureSize = FigureSize {
        width: 900,
        height: 600,
    };

    /// A size, checked against [`FigureSize::MIN`] and [`FigureSize::MAX`].
    pub fn new(width: u32, height: u32) -> Result<FigureSize, FigureError> {
        let size = FigureSize { width, height };
        size.validate()?;
        Ok(size)
    }

    /// Checks the bounds.
    pub fn validate(&self) -> Result<(), FigureError> {
        let ok = |v: u32| (FigureSize::MIN..=FigureSize::MAX).contains(&v);
        if ok(self.width) && ok(self.height) {
            Ok(())
        } else {
            Err(FigureError::Size {
                width: self.width,
                height: self.height,
            })
        }
    }
}

impl Default for FigureSize {
    fn default() -> Self {
        FigureSize::DEFAULT
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kinds_parse_by_name_and_an_unknown_kind_lists_the_valid_ones() {
        for kind in FigureKind::ALL {
            assert_eq!(kind.name().parse::<FigureKind>().unwrap(), kind);
            assert_eq!(kind.to_string(), kind.name());
        }
        assert_eq!(
            " Wright ".parse::<FigureKind>().unwrap(),
            FigureKind::Wright
        );
        let e = "map".parse::<FigureKind>().unwrap_err();
        assert_eq!(
            e.to_string(),
            "unknown figure kind `map` (expected one of: wright, curves, raters, bias, \
             distribution, training, contrast, plan, quality)"
        );
    }

    #[test]
    fn sizes_are_bounded() {
        assert!(FigureSize::new(400, 8000).is_ok());
        assert!(FigureSize::new(399, 600).is_err());
        assert_eq!(
            FigureSize::new(900, 9000).unwrap_err().to_string(),
            "figure size 900x9000 is out of range: width and height must lie between 400 and 8000 pixels"
        );
        assert_eq!(FigureSize::default(), FigureSize::new(900, 600).unwrap());
    }

    #[test]
    fn an_empty_figure_or_range_is_refused() {
        let figure = Figure::new(FigureKind::Plan, "nothing");
        assert!(matches!(
            render_svg(&figure, FigureSize::DEFAULT),
            Err(FigureError::Empty(_))
        ));
        let mut figure = Figure::new(FigureKind::Plan, "flat");
        figure.panels.push(Panel::new(
            Axis::numeric("x", 1.0, 1.0),
            Axis::numeric("y", 0.0, 1.0),
        ));
        let e = render_png(&figure, FigureSize::DEFAULT).unwrap_err();
        assert_eq!(
            e.to_string(),
            "the figure cannot be drawn: panel 1 has an empty x range (1 to 1)"
        );
    }
}
