//! A drawing backend wrapper that records, for every primitive the renderer draws, the tag (SVG
//! class and data attributes) it was drawn under, and the post-processing that writes those
//! tags into plotters' SVG. plotters' SVG backend writes exactly one element per primitive
//! (rect, line, polyline, polygon, circle, text) in drawing order, so the k-th element after the
//! `<svg>` root is the k-th primitive recorded.

use plotters_backend::{BackendColor, DrawingErrorKind};
use plotters_backend::{BackendCoord, BackendStyle, BackendTextStyle, DrawingBackend};
use std::cell::RefCell;
use std::rc::Rc;

/// What an element is: its classes and optional `data-series` / `data-label` attributes.
#[derive(Debug, Clone, PartialEq, Default)]
pub(crate) struct Tag {
    /// Space-separated classes.
    pub class: String,
    /// The series a mark belongs to.
    pub series: Option<String>,
    /// What the mark is.
    pub label: Option<String>,
}

impl Tag {
    /// A tag with classes only.
    pub fn class(class: impl Into<String>) -> Tag {
        Tag {
            class: class.into(),
            series: None,
            label: None,
        }
    }

    /// A mark's tag.
    pub fn mark(class: impl Into<String>, series: &str, label: &str) -> Tag {
        Tag {
            class: class.into(),
            series: Some(series.to_string()),
            label: Some(label.to_string()),
        }
    }
}

/// The tags of the primitives drawn so far and the tag new primitives get.
#[derive(Debug, Default)]
pub(crate) struct TagLog {
    current: Option<Tag>,
    drawn: Vec<Option<Tag>>,
}

/// A shared handle on a [`TagLog`] (the renderer sets the current tag; the backend records).
#[derive(Debug, Clone, Default)]
pub(crate) struct Tagger(Rc<RefCell<TagLog>>);

impl Tagger {
    /// Tags the primitives drawn from now on.
    pub fn set(&self, tag: Tag) {
        self.0.borrow_mut().current = Some(tag);
    }

    fn record(&self) {
        let mut log = self.0.borrow_mut();
        let tag = log.current.clone();
        log.drawn.push(tag);
    }

    /// The tags of the primitives drawn, in order.
    pub fn drawn(&self) -> Vec<Option<Tag>> {
        self.0.borrow().drawn.clone()
    }
}

/// `inner` with every primitive recorded in a [`Tagger`].
pub(crate) struct Tagged<B> {
    inner: B,
    tagger: Tagger,
}

impl<B> Tagged<B> {
    pub fn new(inner: B, tagger: Tagger) -> Self {
        Tagged { inner, tagger }
    }
}

/// Whether the SVG backend writes a primitive of this colour (it skips transparent ones).
fn visible(color: BackendColor) -> bool {
    color.alpha != 0.0
}

impl<B: DrawingBackend> DrawingBackend for Tagged<B> {
    type ErrorType = B::ErrorType;

    fn get_size(&self) -> (u32, u32) {
        self.inner.get_size()
    }

    fn ensure_prepared(&mut self) -> Result<(), DrawingErrorKind<Self::ErrorType>> {
        self.inner.ensure_prepared()
    }

    fn present(&mut self) -> Result<(), DrawingErrorKind<Self::ErrorType>> {
        self.inner.present()
    }

    fn draw_pixel(
        &mut self,
        point: BackendCoord,
        color: BackendColor,
    ) -> Result<(), DrawingErrorKind<Self::ErrorType>> {
        if visible(color) {
            self.tagger.record();
        }
        self.inner.draw_pixel(point, color)
    }

    fn draw_line<S: BackendStyle>(
        &mut self,
        from: BackendCoord,
        to: BackendCoord,
        style: &S,
    ) -> Result<(), DrawingErrorKind<Self::ErrorType>> {
        if visible(style.color()) {
            self.tagger.record();
        }
        self.inner.draw_line(from, to, style)
    }

    fn draw_rect<S: BackendStyle>(
        &mut self,
        upper_left: BackendCoord,
        bottom_right: BackendCoord,
        style: &S,
        fill: bool,
    ) -> Result<(), DrawingErrorKind<Self::ErrorType>> {
        if visible(style.color()) {
            self.tagger.record();
        }
        self.inner.draw_rect(upper_left, bottom_right, style, fill)
    }

    fn draw_path<S: BackendStyle, I: IntoIterator<Item = BackendCoord>>(
        &mut self,
        path: I,
        style: &S,
    ) -> Result<(), DrawingErrorKind<Self::ErrorType>> {
        if visible(style.color()) {
            self.tagger.record();
        }
        self.inner.draw_path(path, style)
    }

    fn draw_circle<S: BackendStyle>(
        &mut self,
        center: BackendCoord,
        radius: u32,
        style: &S,
        fill: bool,
    ) -> Result<(), DrawingErrorKind<Self::ErrorType>> {
        if visible(style.color()) {
            self.tagger.record();
        }
        self.inner.draw_circle(center, radius, style, fill)
    }

    fn fill_polygon<S: BackendStyle, I: IntoIterator<Item = BackendCoord>>(
        &mut self,
        vert: I,
        style: &S,
    ) -> Result<(), DrawingErrorKind<Self::ErrorType>> {
        if visible(style.color()) {
            self.tagger.record();
        }
        self.inner.fill_polygon(vert, style)
    }

    fn draw_text<TStyle: BackendTextStyle>(
        &mut self,
        text: &str,
        style: &TStyle,
        pos: BackendCoord,
    ) -> Result<(), DrawingErrorKind<Self::ErrorType>> {
        if visible(style.color()) {
            self.tagger.record();
        }
        self.inner.draw_text(text, style, pos)
    }

    fn estimate_text_size<TStyle: BackendTextStyle>(
        &self,
        text: &str,
        style: &TStyle,
    ) -> Result<(u32, u32), DrawingErrorKind<Self::ErrorType>> {
        self.inner.estimate_text_size(text, style)
    }

    fn blit_bitmap(
        &mut self,
        pos: BackendCoord,
        size: (u32, u32),
        src: &[u8],
    ) -> Result<(), DrawingErrorKind<Self::ErrorType>> {
        self.tagger.record();
        self.inner.blit_bitmap(pos, size, src)
    }
}

/// Escapes an attribute value.
fn escape(value: &str) -> String {
    let mut out = String::with_capacity(value.len());
    for c in value.chars() {
        match c {
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '&' => out.push_str("&amp;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            other => out.push(other),
        }
    }
    out
}

/// Writes each recorded tag into the matching element of plotters' SVG `svg`, and gives the
/// root element the `sw-figure` class and `root_class` (e.g. `sw-figure-wright`). Elements are
/// matched in order: every `<name` opening (not `</`) after the root is one primitive.
pub(crate) fn apply_tags(svg: &str, tags: &[Option<Tag>], root_class: &str) -> String {
    let mut out = String::with_capacity(svg.len() + tags.len() * 48);
    let mut rest = svg;
    let mut index: Option<usize> = None; // None: the root is next
    while let Some(pos) = rest.find('<') {
        let (before, from) = rest.split_at(pos);
        out.push_str(before);
        let bytes = from.as_bytes();
        let opening = bytes.get(1).is_some_and(|b| b.is_ascii_alphabetic());
        if !opening {
            out.push('<');
            rest = &from[1..];
            continue;
        }
        let name_end = from[1..]
            .find(|c: char| !c.is_ascii_alphanumeric())
            .map_or(from.len(), |i| i + 1);
        out.push_str(&from[..name_end]);
        match index {
            None => {
                out.push_str(&format!(r#" class="sw-figure {}""#, escape(root_class)));
                index = Some(0);
            }
            Some(k) => {
                if let Some(Some(tag)) = tags.get(k) {
                    out.push_str(&format!(r#" class="{}""#, escape(&tag.class)));
                    if let Some(series) = &tag.series {
                        out.push_str(&format!(r#" data-series="{}""#, escape(series)));
                    }
                    if let Some(label) = &tag.label {
                        out.push_str(&format!(r#" data-label="{}""#, escape(label)));
                    }
                }
                index = Some(k + 1);
            }
        }
        rest = &from[name_end..];
    }
    out.push_str(rest);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tags_go_to_the_elements_in_drawing_order() {
        let svg = "<svg width=\"10\">\n<rect x=\"0\"/>\n<text x=\"1\">\na &lt; b\n</text>\n<line x1=\"0\"/>\n</svg>\n";
        let tags = vec![
            Some(Tag::class("sw-background")),
            Some(Tag::mark("sw-label", "raters", "R\"1")),
            None,
        ];
        let tagged = apply_tags(svg, &tags, "sw-figure-wright");
        assert_eq!(
            tagged,
            "<svg class=\"sw-figure sw-figure-wright\" width=\"10\">\n<rect class=\"sw-background\" x=\"0\"/>\n\
             <text class=\"sw-label\" data-series=\"raters\" data-label=\"R&quot;1\" x=\"1\">\na &lt; b\n</text>\n\
             <line x1=\"0\"/>\n</svg>\n"
        );
    }
}
