//! The figure model: plain data a builder fills and the renderer draws. Coordinates are in data
//! units of the panel's axes; sizes of marks and text are in pixels at the default font size.

use super::FigureKind;
use serde::Serialize;

/// A figure: a title, panels stacked top to bottom, a legend and notes.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Figure {
    /// What the figure shows.
    pub kind: FigureKind,
    /// The title (first line on top).
    pub title: String,
    /// A second line under the title (the run, the item...).
    pub subtitle: Option<String>,
    /// The panels, top first; each takes a share of the height by its `weight`.
    pub panels: Vec<Panel>,
    /// The legend, drawn under the title.
    pub legend: Vec<LegendEntry>,
    /// Notes printed at the bottom (what was left out, how to read the figure).
    pub notes: Vec<String>,
}

impl Figure {
    /// An empty figure of `kind` with `title`.
    pub fn new(kind: FigureKind, title: impl Into<String>) -> Figure {
        Figure {
            kind,
            title: title.into(),
            subtitle: None,
            panels: Vec::new(),
            legend: Vec::new(),
            notes: Vec::new(),
        }
    }

    /// Every mark of the series named `series` over all panels (bars, points, intervals).
    pub fn marks(&self, series: &str) -> usize {
        self.panels
            .iter()
            .flat_map(|p| &p.layers)
            .filter(|l| l.series == series)
            .map(|l| l.kind.marks())
            .sum()
    }
}

/// One plot area with its two axes.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Panel {
    /// A heading over the panel.
    pub title: Option<String>,
    /// The horizontal axis.
    pub x: Axis,
    /// The vertical axis.
    pub y: Axis,
    /// Layers, drawn in order (later on top).
    pub layers: Vec<Layer>,
    /// Share of the figure's height (relative to the other panels).
    pub weight: f64,
}

impl Panel {
    /// A panel over two axes, no layers, weight 1.
    pub fn new(x: Axis, y: Axis) -> Panel {
        Panel {
            title: None,
            x,
            y,
            layers: Vec::new(),
            weight: 1.0,
        }
    }

    /// Adds a layer of series `series`.
    pub fn push(&mut self, series: impl Into<String>, kind: LayerKind) {
        self.layers.push(Layer {
            series: series.into(),
            kind,
        });
    }
}

/// An axis: its title, range and ticks.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Axis {
    /// The axis title.
    pub label: String,
    /// The value at the left (bottom) end.
    pub min: f64,
    /// The value at the right (top) end.
    pub max: f64,
    /// Ticks with their labels (values outside the range are not drawn).
    pub ticks: Vec<Tick>,
    /// Draw grid lines at the ticks.
    pub grid: bool,
}

impl Axis {
    /// A numeric axis over `[min, max]` with nice ticks ([`super::nice_ticks`]) and grid lines.
    pub fn numeric(label: impl Into<String>, min: f64, max: f64) -> Axis {
        Axis {
            label: label.into(),
            min,
            max,
            ticks: super::nice_ticks(min, max, 8),
            grid: true,
        }
    }
}

/// A tick on an axis.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Tick {
    /// Where (data units).
    pub value: f64,
    /// Its label.
    pub label: String,
}

/// A layer: one series of marks of one kind.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Layer {
    /// The series' name (an SVG mark's `data-series`).
    pub series: String,
    /// The marks.
    pub kind: LayerKind,
}

/// The marks of a layer.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "kind", content = "marks", rename_all = "snake_case")]
pub enum LayerKind {
    /// Rectangles (histogram bins, bars).
    Bars(Vec<Bar>),
    /// Points with a marker and size.
    Points(Vec<Point>),
    /// A polyline.
    Line(Line),
    /// Shaded rectangles (bands of acceptable values).
    Bands(Vec<Band>),
    /// Intervals (error bars).
    Intervals(Vec<Interval>),
    /// Text placed at data coordinates.
    Texts(Vec<TextLabel>),
}

impl LayerKind {
    /// The number of marks (one per bar, point, band, interval or label; one per line).
    pub fn marks(&self) -> usize {
        match self {
            LayerKind::Bars(v) => v.len(),
            LayerKind::Points(v) => v.len(),
            LayerKind::Line(_) => 1,
            LayerKind::Bands(v) => v.len(),
            LayerKind::Intervals(v) => v.len(),
            LayerKind::Texts(v) => v.len(),
        }
    }
}

/// A filled rectangle from `(x0, y0)` to `(x1, y1)`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Bar {
    /// Left edge.
    pub x0: f64,
    /// Right edge.
    pub x1: f64,
    /// Bottom edge.
    pub y0: f64,
    /// Top edge.
    pub y1: f64,
    /// Fill colour.
    pub colour: Colour,
    /// What the bar is (an SVG mark's `data-label`).
    pub label: String,
}

/// A marker shape.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Marker {
    /// A filled circle.
    Circle,
    /// An open circle.
    Ring,
    /// A filled square.
    Square,
    /// A filled diamond.
    Diamond,
    /// A filled triangle pointing up.
    Triangle,
    /// A filled cross (×).
    Cross,
}

impl Marker {
    /// The marker's name (the SVG class `sw-marker-NAME`).
    pub fn name(self) -> &'static str {
        match self {
            Marker::Circle => "circle",
            Marker::Ring => "ring",
            Marker::Square => "square",
            Marker::Diamond => "diamond",
            Marker::Triangle => "triangle",
            Marker::Cross => "cross",
        }
    }
}

/// A point.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Point {
    /// Horizontal position.
    pub x: f64,
    /// Vertical position.
    pub y: f64,
    /// Radius in pixels.
    pub size: f64,
    /// Shape.
    pub marker: Marker,
    /// Colour.
    pub colour: Colour,
    /// What the point is (an SVG mark's `data-label`).
    pub label: String,
}

/// A polyline.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Line {
    /// The vertices, in order.
    pub points: Vec<(f64, f64)>,
    /// Colour.
    pub colour: Colour,
    /// Stroke width in pixels.
    pub width: u32,
    /// Draw dashed.
    pub dashed: bool,
    /// What the line is (an SVG mark's `data-label`).
    pub label: String,
}

/// A shaded rectangle (`None` bounds extend to the panel's edge).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Band {
    /// Left edge (`None`: the axis minimum).
    pub x0: Option<f64>,
    /// Right edge (`None`: the axis maximum).
    pub x1: Option<f64>,
    /// Bottom edge (`None`: the axis minimum).
    pub y0: Option<f64>,
    /// Top edge (`None`: the axis maximum).
    pub y1: Option<f64>,
    /// Colour (drawn translucent).
    pub colour: Colour,
    /// What the band is (an SVG mark's `data-label`).
    pub label: String,
}

/// An interval (error bar) from `low` to `high` at `at`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Interval {
    /// The position on the other axis.
    pub at: f64,
    /// The lower end.
    pub low: f64,
    /// The upper end.
    pub high: f64,
    /// Vertical (`low`/`high` on the y axis, `at` on x) or horizontal.
    pub vertical: bool,
    /// Colour.
    pub colour: Colour,
    /// What the interval is (an SVG mark's `data-label`).
    pub label: String,
}

/// Horizontal anchoring of a text.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Anchor {
    /// The text starts at the point.
    Left,
    /// The text is centred on the point.
    Centre,
    /// The text ends at the point.
    Right,
}

/// A text at data coordinates.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TextLabel {
    /// Horizontal position.
    pub x: f64,
    /// Vertical position (the text is centred vertically on it).
    pub y: f64,
    /// The text.
    pub text: String,
    /// How the text sits on the point.
    pub anchor: Anchor,
    /// Horizontal offset in pixels (e.g. to stand beside a point).
    pub dx: i32,
    /// Colour.
    pub colour: Colour,
    /// Font size relative to the tick labels (1 = the same).
    pub scale: f64,
}

/// A legend entry.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct LegendEntry {
    /// The text.
    pub label: String,
    /// The colour of its symbol.
    pub colour: Colour,
    /// Its symbol.
    pub symbol: LegendSymbol,
}

/// What a legend entry shows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum LegendSymbol {
    /// A short line.
    Line,
    /// A filled box (bars, bands).
    Box,
    /// A marker.
    Marker(Marker),
}

/// The fixed palette (Okabe & Ito's colour-blind-safe colours, with ink and greys); figures
/// never use terminal colours.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Colour {
    /// Near-black text and axes.
    Ink,
    /// Mid grey.
    Grey,
    /// Light grey (grid, neutral bands).
    LightGrey,
    /// Blue (#0072B2).
    Blue,
    /// Orange (#E69F00).
    Orange,
    /// Bluish green (#009E73).
    Green,
    /// Vermillion (#D55E00).
    Vermillion,
    /// Sky blue (#56B4E9).
    Sky,
    /// Reddish purple (#CC79A7).
    Purple,
    /// Yellow (#F0E442).
    Yellow,
}

impl Colour {
    /// The series colours in the order builders use them.
    pub const SERIES: [Colour; 7] = [
        Colour::Blue,
        Colour::Orange,
        Colour::Green,
        Colour::Vermillion,
        Colour::Purple,
        Colour::Sky,
        Colour::Yellow,
    ];

    /// The `i`-th series colour (cycling).
    pub fn series(i: usize) -> Colour {
        Colour::SERIES[i % Colour::SERIES.len()]
    }

    /// Red, green and blue.
    pub fn rgb(self) -> (u8, u8, u8) {
        match self {
            Colour::Ink => (0x22, 0x22, 0x22),
            Colour::Grey => (0x88, 0x88, 0x88),
            Colour::LightGrey => (0xDD, 0xDD, 0xDD),
            Colour::Blue => (0x00, 0x72, 0xB2),
            Colour::Orange => (0xE6, 0x9F, 0x00),
            Colour::Green => (0x00, 0x9E, 0x73),
            Colour::Vermillion => (0xD5, 0x5E, 0x00),
            Colour::Sky => (0x56, 0xB4, 0xE9),
            Colour::Purple => (0xCC, 0x79, 0xA7),
            Colour::Yellow => (0xF0, 0xE4, 0x42),
        }
    }
}
