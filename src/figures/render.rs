//! The renderer: one drawing routine over plotters' drawing area, run on the SVG backend
//! ([`render_svg`]) or the bitmap backend ([`render_png`]). Every primitive is drawn under a tag
//! (see `tagged`) that becomes the SVG element's `class` and `data-*` attributes:
//!
//! | class | what |
//! |---|---|
//! | `sw-background` | the white page |
//! | `sw-title`, `sw-subtitle`, `sw-note` | the texts around the panels |
//! | `sw-legend-symbol`, `sw-legend-label` | the legend |
//! | `sw-panel-title` | a panel's heading |
//! | `sw-grid` | grid lines |
//! | `sw-axis sw-axis-x` / `sw-axis-y` | the axis lines |
//! | `sw-tick sw-tick-x` / `-y`, `sw-tick-label sw-tick-label-x` / `-y` | ticks and their labels |
//! | `sw-axis-title sw-axis-title-x` / `-y` | the axis titles |
//! | `sw-mark sw-bar` / `sw-point sw-marker-NAME` / `sw-line` / `sw-band` / `sw-interval` / `sw-label` | one per mark, with `data-series` and `data-label` |
//!
//! Every panel's elements also carry `sw-panel-N` (N from 0, top first).

use super::font::{ensure_registered, FONT_FAMILY};
use super::model::{
    Anchor, Axis, Band, Bar, Colour, Figure, Interval, LayerKind, LegendSymbol, Line, Marker,
    Panel, Point, TextLabel, Tick,
};
use super::tagged::{apply_tags, Tag, Tagged, Tagger};
use super::{FigureError, FigureSize};
use plotters::backend::{BitMapBackend, DrawingBackend, SVGBackend};
use plotters::coord::Shift;
use plotters::drawing::{DrawingArea, IntoDrawingArea};
use plotters::element::{Circle, PathElement, Polygon, Rectangle};
use plotters::style::text_anchor::{HPos, Pos, VPos};
use plotters::style::{Color, FontTransform, IntoFont, RGBColor, ShapeStyle, TextStyle, WHITE};

/// Font sizes (plotters' text size; the SVG's `font-size` is this / 1.24).
const TITLE_SIZE: f64 = 22.0;
const SUBTITLE_SIZE: f64 = 16.0;
const AXIS_TITLE_SIZE: f64 = 16.0;
const TICK_SIZE: f64 = 14.0;
const LEGEND_SIZE: f64 = 14.0;
const NOTE_SIZE: f64 = 13.0;
/// Outer margin in pixels.
const MARGIN: i32 = 12;
/// Opacity of shaded bands.
const BAND_OPACITY: f64 = 0.18;
/// The longest y tick labels take this share of the width at most.
const MAX_TICK_LABEL_SHARE: f64 = 0.35;

/// Draws `figure` as an SVG document (deterministic: the same figure and size give the same
/// bytes).
pub fn render_svg(figure: &Figure, size: FigureSize) -> Result<String, FigureError> {
    size.validate()?;
    check(figure)?;
    ensure_registered()?;
    let tagger = Tagger::default();
    let mut svg = String::new();
    {
        let backend = Tagged::new(
            SVGBackend::with_string(&mut svg, (size.width, size.height)),
            tagger.clone(),
        );
        let root = backend.into_drawing_area();
        draw(&root, &tagger, figure, size)?;
        root.present().map_err(drawing)?;
    }
    Ok(apply_tags(
        &svg,
        &tagger.drawn(),
        &format!("sw-figure-{}", figure.kind),
    ))
}

/// Draws `figure` as PNG bytes (8-bit RGB).
pub fn render_png(figure: &Figure, size: FigureSize) -> Result<Vec<u8>, FigureError> {
    size.validate()?;
    check(figure)?;
    ensure_registered()?;
    let (w, h) = (size.width, size.height);
    let mut pixels = vec![0u8; w as usize * h as usize * 3];
    {
        let tagger = Tagger::default();
        let backend = Tagged::new(
            BitMapBackend::with_buffer(&mut pixels, (w, h)),
            tagger.clone(),
        );
        let root = backend.into_drawing_area();
        draw(&root, &tagger, figure, size)?;
        root.present().map_err(drawing)?;
    }
    let mut out = Vec::new();
    {
        let mut encoder = png::Encoder::new(&mut out, w, h);
        encoder.set_color(png::ColorType::Rgb);
        encoder.set_depth(png::BitDepth::Eight);
        let mut writer = encoder
            .write_header()
            .map_err(|e| FigureError::Drawing(format!("PNG encoder: {e}")))?;
        writer
            .write_image_data(&pixels)
            .map_err(|e| FigureError::Drawing(format!("PNG encoder: {e}")))?;
    }
    Ok(out)
}

fn drawing(e: impl std::fmt::Display) -> FigureError {
    FigureError::Drawing(e.to_string())
}

/// Checks that every panel's axes have a finite, non-empty range.
fn check(figure: &Figure) -> Result<(), FigureError> {
    if figure.panels.is_empty() {
        return Err(FigureError::Empty("it has no panel".to_string()));
    }
    for (i, panel) in figure.panels.iter().enumerate() {
        for (name, axis) in [("x", &panel.x), ("y", &panel.y)] {
            if !(axis.min.is_finite() && axis.max.is_finite() && axis.max > axis.min) {
                return Err(FigureError::Empty(format!(
                    "panel {} has an empty {name} range ({} to {})",
                    i + 1,
                    axis.min,
                    axis.max
                )));
            }
        }
    }
    Ok(())
}

fn rgb(colour: Colour) -> RGBColor {
    let (r, g, b) = colour.rgb();
    RGBColor(r, g, b)
}

fn text_style(size: f64, colour: Colour, h: HPos, v: VPos) -> TextStyle<'static> {
    (FONT_FAMILY, size)
        .into_font()
        .color(&rgb(colour))
        .pos(Pos::new(h, v))
}

type Area<DB> = DrawingArea<Tagged<DB>, Shift>;

/// Where a panel's data land in pixels.
struct Frame {
    x0: i32,
    x1: i32,
    y0: i32,
    y1: i32,
    x: (f64, f64),
    y: (f64, f64),
}

impl Frame {
    fn px(&self, v: f64) -> i32 {
        let t = ((v - self.x.0) / (self.x.1 - self.x.0)).clamp(-0.02, 1.02);
        self.x0 + (t * (self.x1 - self.x0) as f64).round() as i32
    }

    fn py(&self, v: f64) -> i32 {
        let t = ((v - self.y.0) / (self.y.1 - self.y.0)).clamp(-0.02, 1.02);
        self.y1 - (t * (self.y1 - self.y0) as f64).round() as i32
    }
}

/// The whole drawing, shared by both backends.
fn draw<DB: DrawingBackend>(
    root: &Area<DB>,
    tagger: &Tagger,
    figure: &Figure,
    size: FigureSize,
) -> Result<(), FigureError> {
    let (width, height) = (size.width as i32, size.height as i32);
    tagger.set(Tag::class("sw-background"));
    root.fill(&WHITE).map_err(drawing)?;
    let mut y = MARGIN;
    tagger.set(Tag::class("sw-title"));
    let title = text_style(TITLE_SIZE, Colour::Ink, HPos::Left, VPos::Top);
    root.draw_text(&figure.title, &title, (MARGIN, y))
        .map_err(drawing)?;
    y += TITLE_SIZE as i32 + 4;
    if let Some(subtitle) = &figure.subtitle {
        tagger.set(Tag::class("sw-subtitle"));
        let style = text_style(SUBTITLE_SIZE, Colour::Grey, HPos::Left, VPos::Top);
        root.draw_text(subtitle, &style, (MARGIN, y))
            .map_err(drawing)?;
        y += SUBTITLE_SIZE as i32 + 4;
    }
    if !figure.legend.is_empty() {
        y = draw_legend(root, tagger, figure, width, y)? + 6;
    }
    let note_height = NOTE_SIZE as i32 + 4;
    let bottom = height - MARGIN - note_height * figure.notes.len() as i32;
    for (i, note) in figure.notes.iter().enumerate() {
        tagger.set(Tag::class("sw-note"));
        let style = text_style(NOTE_SIZE, Colour::Grey, HPos::Left, VPos::Top);
        root.draw_text(note, &style, (MARGIN, bottom + 2 + note_height * i as i32))
            .map_err(drawing)?;
    }
    let total: f64 = figure.panels.iter().map(|p| p.weight.max(0.05)).sum();
    let available = (bottom - y) as f64;
    let mut top = y as f64;
    for (i, panel) in figure.panels.iter().enumerate() {
        let h = available * panel.weight.max(0.05) / total;
        draw_panel(
            root,
            tagger,
            panel,
            i,
            (
                MARGIN,
                top.round() as i32,
                width - MARGIN,
                (top + h).round() as i32,
            ),
            width,
        )?;
        top += h;
    }
    Ok(())
}

/// Draws the legend in rows from `y`; returns the y under it.
fn draw_legend<DB: DrawingBackend>(
    root: &Area<DB>,
    tagger: &Tagger,
    figure: &Figure,
    width: i32,
    y: i32,
) -> Result<i32, FigureError> {
    let row = LEGEND_SIZE as i32 + 6;
    let (mut x, mut y) = (MARGIN, y);
    for entry in &figure.legend {
        let style = text_style(LEGEND_SIZE, Colour::Ink, HPos::Left, VPos::Center);
        let (tw, _) = root
            .estimate_text_size(&entry.label, &style)
            .map_err(drawing)?;
        let w = 24 + tw as i32 + 18;
        if x > MARGIN && x + w > width - MARGIN {
            x = MARGIN;
            y += row;
        }
        let cy = y + row / 2;
        tagger.set(Tag::mark("sw-legend-symbol", "legend", &entry.label));
        match entry.symbol {
            LegendSymbol::Line => root
                .draw(&PathElement::new(
                    vec![(x, cy), (x + 18, cy)],
                    rgb(entry.colour).stroke_width(3),
                ))
                .map_err(drawing)?,
            LegendSymbol::Box => root
                .draw(&Rectangle::new(
                    [(x + 2, cy - 6), (x + 16, cy + 6)],
                    rgb(entry.colour).filled(),
                ))
                .map_err(drawing)?,
            LegendSymbol::Marker(marker) => {
                draw_marker(root, (x + 9, cy), 5, marker, entry.colour)?
            }
        }
        tagger.set(Tag::mark("sw-legend-label", "legend", &entry.label));
        root.draw_text(&entry.label, &style, (x + 24, cy))
            .map_err(drawing)?;
        x += w;
    }
    Ok(y + row)
}

/// The widest tick label of `axis` in pixels.
fn widest_label<DB: DrawingBackend>(root: &Area<DB>, axis: &Axis) -> Result<i32, FigureError> {
    let style = text_style(TICK_SIZE, Colour::Ink, HPos::Right, VPos::Center);
    let mut widest = 0;
    for tick in &axis.ticks {
        let (w, _) = root
            .estimate_text_size(&tick.label, &style)
            .map_err(drawing)?;
        widest = widest.max(w as i32);
    }
    Ok(widest)
}

/// Draws one panel inside `(left, top, right, bottom)`: its title, the grid under the marks,
/// the layers in order, then the axes.
fn draw_panel<DB: DrawingBackend>(
    root: &Area<DB>,
    tagger: &Tagger,
    panel: &Panel,
    index: usize,
    (left, top, right, bottom): (i32, i32, i32, i32),
    width: i32,
) -> Result<(), FigureError> {
    let mut plot_top = top + 6;
    if let Some(title) = &panel.title {
        tagger.set(panel_tag(index, "sw-panel-title"));
        let style = text_style(SUBTITLE_SIZE, Colour::Ink, HPos::Left, VPos::Top);
        root.draw_text(title, &style, (left, top + 2))
            .map_err(drawing)?;
        plot_top += SUBTITLE_SIZE as i32 + 4;
    }
    let tick_width =
        widest_label(root, &panel.y)?.min((width as f64 * MAX_TICK_LABEL_SHARE) as i32);
    let frame = Frame {
        x0: left + AXIS_TITLE_SIZE as i32 + 8 + tick_width + 8,
        x1: right - 16,
        y0: plot_top,
        y1: bottom
            - (TICK_SIZE as i32 + 8)
            - if panel.x.label.is_empty() {
                0
            } else {
                AXIS_TITLE_SIZE as i32 + 8
            },
        x: (panel.x.min, panel.x.max),
        y: (panel.y.min, panel.y.max),
    };
    if frame.x1 - frame.x0 < 20 || frame.y1 - frame.y0 < 10 {
        return Err(FigureError::Empty(format!(
            "panel {} does not fit in the figure; make the figure larger",
            index + 1
        )));
    }
    let canvas = PanelCanvas {
        root,
        tagger,
        panel,
        index,
        frame,
    };
    canvas.draw_grid()?;
    for layer in &panel.layers {
        canvas.draw_layer(&layer.series, &layer.kind)?;
    }
    draw_axes(root, tagger, panel, index, &canvas.frame, left)
}

/// The tag of a panel's non-mark element of class `class`.
fn panel_tag(index: usize, class: &str) -> Tag {
    Tag::class(format!("{class} sw-panel-{index}"))
}

/// A panel's plotting area: where its grid and layers are drawn.
struct PanelCanvas<'a, DB: DrawingBackend> {
    root: &'a Area<DB>,
    tagger: &'a Tagger,
    panel: &'a Panel,
    index: usize,
    frame: Frame,
}

impl<DB: DrawingBackend> PanelCanvas<'_, DB> {
    /// The tag of one mark of class `class` in series `series`.
    fn mark(&self, class: &str, series: &str, label: &str) -> Tag {
        Tag::mark(
            format!("sw-mark {class} sw-panel-{}", self.index),
            series,
            label,
        )
    }

    /// Grid lines at the (thinned) ticks of the axes that have a grid.
    fn draw_grid(&self) -> Result<(), FigureError> {
        let (root, frame, panel) = (self.root, &self.frame, self.panel);
        let grid = rgb(Colour::LightGrey).stroke_width(1);
        if panel.x.grid {
            let ticks: Vec<&Tick> = in_range(&panel.x).collect();
            for tick in ticks.iter().step_by(thinning(&ticks, |v| frame.px(v), 24)) {
                self.tagger.set(panel_tag(self.index, "sw-grid sw-grid-x"));
                let x = frame.px(tick.value);
                root.draw(&PathElement::new(vec![(x, frame.y0), (x, frame.y1)], grid))
                    .map_err(drawing)?;
            }
        }
        if panel.y.grid {
            let ticks: Vec<&Tick> = in_range(&panel.y).collect();
            for tick in
                ticks
                    .iter()
                    .step_by(thinning(&ticks, |v| frame.py(v), TICK_SIZE as i32 + 4))
            {
                self.tagger.set(panel_tag(self.index, "sw-grid sw-grid-y"));
                let y = frame.py(tick.value);
                root.draw(&PathElement::new(vec![(frame.x0, y), (frame.x1, y)], grid))
                    .map_err(drawing)?;
            }
        }
        Ok(())
    }

    /// One layer of series `series`.
    fn draw_layer(&self, series: &str, kind: &LayerKind) -> Result<(), FigureError> {
        match kind {
            LayerKind::Bands(bands) => self.draw_bands(series, bands),
            LayerKind::Bars(bars) => self.draw_bars(series, bars),
            LayerKind::Line(line) => {
                self.tagger.set(self.mark("sw-line", series, &line.label));
                draw_line(self.root, &self.frame, line)
            }
            LayerKind::Intervals(intervals) => self.draw_intervals(series, intervals),
            LayerKind::Points(points) => {
                for point in points {
                    draw_point(
                        self.root,
                        self.tagger,
                        &self.frame,
                        point,
                        &self.mark(
                            &format!("sw-point sw-marker-{}", point.marker.name()),
                            series,
                            &point.label,
                        ),
                    )?;
                }
                Ok(())
            }
            LayerKind::Texts(texts) => self.draw_texts(series, texts),
        }
    }

    /// Shaded bands (an open side reaches the panel's edge).
    fn draw_bands(&self, series: &str, bands: &[Band]) -> Result<(), FigureError> {
        let (frame, panel) = (&self.frame, self.panel);
        for band in bands {
            self.tagger.set(self.mark("sw-band", series, &band.label));
            let x0 = frame.px(band.x0.unwrap_or(panel.x.min));
            let x1 = frame.px(band.x1.unwrap_or(panel.x.max));
            let y0 = frame.py(band.y1.unwrap_or(panel.y.max));
            let y1 = frame.py(band.y0.unwrap_or(panel.y.min));
            self.root
                .draw(&Rectangle::new(
                    [(x0.min(x1), y0.min(y1)), (x0.max(x1), y0.max(y1))],
                    rgb(band.colour).mix(BAND_OPACITY).filled(),
                ))
                .map_err(drawing)?;
        }
        Ok(())
    }

    /// Filled bars, at least one pixel wide and high.
    fn draw_bars(&self, series: &str, bars: &[Bar]) -> Result<(), FigureError> {
        let frame = &self.frame;
        for bar in bars {
            self.tagger.set(self.mark("sw-bar", series, &bar.label));
            let (x0, x1) = (frame.px(bar.x0), frame.px(bar.x1));
            let (y0, y1) = (frame.py(bar.y1), frame.py(bar.y0));
            let (x0, x1) = (x0.min(x1), x0.max(x1).max(x0.min(x1) + 1));
            let (y0, y1) = (y0.min(y1), y0.max(y1).max(y0.min(y1) + 1));
            self.root
                .draw(&Rectangle::new(
                    [(x0, y0), (x1, y1)],
                    rgb(bar.colour).filled(),
                ))
                .map_err(drawing)?;
        }
        Ok(())
    }

    /// Intervals with end caps, vertical or horizontal.
    fn draw_intervals(&self, series: &str, intervals: &[Interval]) -> Result<(), FigureError> {
        let frame = &self.frame;
        for interval in intervals {
            self.tagger
                .set(self.mark("sw-interval", series, &interval.label));
            let style = rgb(interval.colour).stroke_width(2);
            let cap = 4;
            let points = if interval.vertical {
                let x = frame.px(interval.at);
                let (lo, hi) = (frame.py(interval.low), frame.py(interval.high));
                vec![
                    (x - cap, lo),
                    (x + cap, lo),
                    (x, lo),
                    (x, hi),
                    (x - cap, hi),
                    (x + cap, hi),
                ]
            } else {
                let y = frame.py(interval.at);
                let (lo, hi) = (frame.px(interval.low), frame.px(interval.high));
                vec![
                    (lo, y - cap),
                    (lo, y + cap),
                    (lo, y),
                    (hi, y),
                    (hi, y - cap),
                    (hi, y + cap),
                ]
            };
            self.root
                .draw(&PathElement::new(points, style))
                .map_err(drawing)?;
        }
        Ok(())
    }

    /// Text labels at data points, anchored left, centre or right.
    fn draw_texts(&self, series: &str, texts: &[TextLabel]) -> Result<(), FigureError> {
        let frame = &self.frame;
        for text in texts {
            self.tagger.set(self.mark("sw-label", series, &text.text));
            let h = match text.anchor {
                Anchor::Left => HPos::Left,
                Anchor::Centre => HPos::Center,
                Anchor::Right => HPos::Right,
            };
            let style = text_style(TICK_SIZE * text.scale, text.colour, h, VPos::Center);
            self.root
                .draw_text(
                    &text.text,
                    &style,
                    (frame.px(text.x) + text.dx, frame.py(text.y)),
                )
                .map_err(drawing)?;
        }
        Ok(())
    }
}

/// Draw every k-th tick so that labels are at least `min_gap` pixels apart.
fn thinning(ticks: &[&Tick], to_pixel: impl Fn(f64) -> i32, min_gap: i32) -> usize {
    let gap = ticks
        .windows(2)
        .map(|w| (to_pixel(w[1].value) - to_pixel(w[0].value)).abs())
        .min()
        .unwrap_or(i32::MAX)
        .max(1);
    if gap >= min_gap {
        1
    } else {
        ((min_gap + gap - 1) / gap).max(1) as usize
    }
}

fn in_range(axis: &Axis) -> impl Iterator<Item = &Tick> {
    let tolerance = (axis.max - axis.min) * 1e-9;
    axis.ticks
        .iter()
        .filter(move |t| t.value >= axis.min - tolerance && t.value <= axis.max + tolerance)
}

/// Axis lines, ticks, tick labels and axis titles.
fn draw_axes<DB: DrawingBackend>(
    root: &Area<DB>,
    tagger: &Tagger,
    panel: &Panel,
    index: usize,
    frame: &Frame,
    left: i32,
) -> Result<(), FigureError> {
    let in_panel = |class: &str| Tag::class(format!("{class} sw-panel-{index}"));
    let ink = rgb(Colour::Ink).stroke_width(1);
    tagger.set(in_panel("sw-axis sw-axis-x"));
    root.draw(&PathElement::new(
        vec![(frame.x0, frame.y1), (frame.x1, frame.y1)],
        ink,
    ))
    .map_err(drawing)?;
    tagger.set(in_panel("sw-axis sw-axis-y"));
    root.draw(&PathElement::new(
        vec![(frame.x0, frame.y0), (frame.x0, frame.y1)],
        ink,
    ))
    .map_err(drawing)?;
    let x_label = text_style(TICK_SIZE, Colour::Ink, HPos::Center, VPos::Top);
    let x_ticks: Vec<&Tick> = in_range(&panel.x).collect();
    let widest = x_ticks
        .iter()
        .map(|t| {
            root.estimate_text_size(&t.label, &x_label)
                .map(|s| s.0 as i32)
        })
        .collect::<Result<Vec<_>, _>>()
        .map_err(drawing)?
        .into_iter()
        .max()
        .unwrap_or(0);
    let x_every = thinning(&x_ticks, |v| frame.px(v), widest + 10);
    for tick in x_ticks.iter().step_by(x_every) {
        let x = frame.px(tick.value);
        tagger.set(in_panel("sw-tick sw-tick-x"));
        root.draw(&PathElement::new(
            vec![(x, frame.y1), (x, frame.y1 + 4)],
            ink,
        ))
        .map_err(drawing)?;
        tagger.set(in_panel("sw-tick-label sw-tick-label-x"));
        root.draw_text(&tick.label, &x_label, (x, frame.y1 + 6))
            .map_err(drawing)?;
    }
    let y_label = text_style(TICK_SIZE, Colour::Ink, HPos::Right, VPos::Center);
    let y_ticks: Vec<&Tick> = in_range(&panel.y).collect();
    let y_every = thinning(&y_ticks, |v| frame.py(v), TICK_SIZE as i32 + 4);
    for tick in y_ticks.iter().step_by(y_every) {
        let y = frame.py(tick.value);
        tagger.set(in_panel("sw-tick sw-tick-y"));
        root.draw(&PathElement::new(
            vec![(frame.x0 - 4, y), (frame.x0, y)],
            ink,
        ))
        .map_err(drawing)?;
        tagger.set(in_panel("sw-tick-label sw-tick-label-y"));
        root.draw_text(&tick.label, &y_label, (frame.x0 - 6, y))
            .map_err(drawing)?;
    }
    if !panel.x.label.is_empty() {
        tagger.set(in_panel("sw-axis-title sw-axis-title-x"));
        let style = text_style(AXIS_TITLE_SIZE, Colour::Ink, HPos::Center, VPos::Top);
        root.draw_text(
            &panel.x.label,
            &style,
            ((frame.x0 + frame.x1) / 2, frame.y1 + TICK_SIZE as i32 + 10),
        )
        .map_err(drawing)?;
    }
    if !panel.y.label.is_empty() {
        tagger.set(in_panel("sw-axis-title sw-axis-title-y"));
        let style = text_style(AXIS_TITLE_SIZE, Colour::Ink, HPos::Center, VPos::Top)
            .transform(FontTransform::Rotate270);
        root.draw_text(&panel.y.label, &style, (left, (frame.y0 + frame.y1) / 2))
            .map_err(drawing)?;
    }
    Ok(())
}

/// A line, dashed or solid, as one or more polylines under the current tag.
fn draw_line<DB: DrawingBackend>(
    root: &Area<DB>,
    frame: &Frame,
    line: &Line,
) -> Result<(), FigureError> {
    let style = rgb(line.colour).stroke_width(line.width.max(1));
    let pixels: Vec<(i32, i32)> = line
        .points
        .iter()
        .filter(|(x, y)| x.is_finite() && y.is_finite())
        .map(|&(x, y)| (frame.px(x), frame.py(y)))
        .collect();
    if pixels.len() < 2 {
        return Ok(());
    }
    if !line.dashed {
        return root.draw(&PathElement::new(pixels, style)).map_err(drawing);
    }
    for dash in dashes(&pixels, 7.0, 5.0) {
        root.draw(&PathElement::new(dash, style)).map_err(drawing)?;
    }
    Ok(())
}

/// Splits a polyline into dashes `on` pixels long with `off` pixel gaps.
fn dashes(points: &[(i32, i32)], on: f64, off: f64) -> Vec<Vec<(i32, i32)>> {
    let mut out = Vec::new();
    let mut current: Vec<(i32, i32)> = vec![points[0]];
    let mut drawing = true;
    let mut left = on;
    for pair in points.windows(2) {
        let (a, b) = (pair[0], pair[1]);
        let (dx, dy) = ((b.0 - a.0) as f64, (b.1 - a.1) as f64);
        let length = (dx * dx + dy * dy).sqrt();
        let mut at = 0.0;
        while length - at > left {
            at += left;
            let p = (
                a.0 + (dx * at / length).round() as i32,
                a.1 + (dy * at / length).round() as i32,
            );
            if drawing {
                current.push(p);
                out.push(std::mem::take(&mut current));
            } else {
                current = vec![p];
            }
            drawing = !drawing;
            left = if drawing { on } else { off };
        }
        left -= length - at;
        if drawing {
            current.push(b);
        }
    }
    if drawing && current.len() > 1 {
        out.push(current);
    }
    out
}

fn draw_point<DB: DrawingBackend>(
    root: &Area<DB>,
    tagger: &Tagger,
    frame: &Frame,
    point: &Point,
    tag: &Tag,
) -> Result<(), FigureError> {
    if !(point.x.is_finite() && point.y.is_finite()) {
        return Ok(());
    }
    tagger.set(tag.clone());
    let radius = point.size.round().clamp(1.0, 60.0) as i32;
    draw_marker(
        root,
        (frame.px(point.x), frame.py(point.y)),
        radius,
        point.marker,
        point.colour,
    )
}

/// One marker, one primitive.
fn draw_marker<DB: DrawingBackend>(
    root: &Area<DB>,
    (x, y): (i32, i32),
    r: i32,
    marker: Marker,
    colour: Colour,
) -> Result<(), FigureError> {
    let fill: ShapeStyle = rgb(colour).mix(0.85).filled();
    let result = match marker {
        Marker::Circle => root.draw(&Circle::new((x, y), r, fill)),
        Marker::Ring => root.draw(&Circle::new((x, y), r, rgb(colour).stroke_width(2))),
        Marker::Square => root.draw(&Rectangle::new([(x - r, y - r), (x + r, y + r)], fill)),
        Marker::Diamond => root.draw(&Polygon::new(
            vec![
                (x, y - r - 1),
                (x + r + 1, y),
                (x, y + r + 1),
                (x - r - 1, y),
            ],
            fill,
        )),
        Marker::Triangle => root.draw(&Polygon::new(
            vec![(x, y - r - 1), (x + r + 1, y + r), (x - r - 1, y + r)],
            fill,
        )),
        Marker::Cross => {
            let t = (r / 3).max(1);
            root.draw(&Polygon::new(
                vec![
                    (x - r, y - r + t),
                    (x - r + t, y - r),
                    (x, y - t),
                    (x + r - t, y - r),
                    (x + r, y - r + t),
                    (x + t, y),
                    (x + r, y + r - t),
                    (x + r - t, y + r),
                    (x, y + t),
                    (x - r + t, y + r),
                    (x - r, y + r - t),
                    (x - t, y),
                ],
                fill,
            ))
        }
    };
    result.map_err(drawing)
}
