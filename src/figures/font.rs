//! The embedded font: DejaVu Sans (Bitstream Vera licence, `src/figures/font/LICENSE`),
//! registered once with plotters' ab_glyph text renderer, so PNG text needs no system font and
//! SVG text names the family (with the generic `sans-serif` as the viewer's fallback).

use super::FigureError;
use plotters::style::FontStyle;
use std::sync::OnceLock;

/// The font family figures are drawn in, as the SVG's `font-family` names it. It is also the
/// name the embedded font is registered under with plotters.
pub const FONT_FAMILY: &str = "DejaVu Sans, sans-serif";

/// The embedded DejaVu Sans.
pub static DEJAVU_SANS: &[u8] = include_bytes!("font/DejaVuSans.ttf");

/// The licence of the embedded font.
pub const FONT_LICENSE: &str = include_str!("font/LICENSE");

static REGISTERED: OnceLock<bool> = OnceLock::new();

/// Registers the embedded font (once per process).
pub(crate) fn ensure_registered() -> Result<(), FigureError> {
    let ok = *REGISTERED.get_or_init(|| {
        plotters::style::register_font(FONT_FAMILY, FontStyle::Normal, DEJAVU_SANS).is_ok()
    });
    if ok {
        Ok(())
    } else {
        Err(FigureError::Drawing(
            "the embedded font DejaVu Sans could not be loaded".to_string(),
        ))
    }
}
