//! Comments: measures with S.E. and fit, search by id or text, and the selected comment's text
//! with every rating it got and those raters' severities; `a` annotates the comment.

use crate::quality::detail::{element_detail, ElementDetail};
use crate::tui::action::Action;
use crate::tui::loaded::{CommentSort, Loaded};
use crate::tui::screen::{Ctx, Effect, Screen, View};
use crate::tui::state::{QueueKind, Selection, TextFilter};
use crate::tui::theme::Theme;
use crate::tui::widgets::{
    clip, filtered_list_keys, hints, loaded_or_wait, number, table_and_detail, windowed_table,
    FilteredList,
};
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::Style;
use ratatui::text::Line;
use ratatui::widgets::{Block, Paragraph, Row, Wrap};
use ratatui::Frame;

/// The Comments screen.
#[derive(Debug, Clone, PartialEq)]
pub struct CommentsState {
    /// The search over ids and texts.
    pub search: TextFilter,
    /// The sort order.
    pub sort: CommentSort,
    /// Indexes into `Loaded::comment_rows`, sorted and filtered.
    pub order: Vec<usize>,
    /// The selected row of `order`.
    pub selection: Selection,
    /// The selected comment's ratings.
    pub detail: Option<ElementDetail>,
}

impl Default for CommentsState {
    fn default() -> Self {
        CommentsState {
            search: TextFilter::default(),
            sort: CommentSort::Label,
            order: Vec::new(),
            selection: Selection::default(),
            detail: None,
        }
    }
}

impl CommentsState {
    /// Recomputes the order: comments whose id or text contains the search text, in the sort
    /// order the load computed (one pass over the comments, no sort).
    pub fn rebuild(&mut self, loaded: &Loaded) {
        let needle = self.search.text.trim().to_lowercase();
        let found = loaded.search.matches(&needle);
        self.order = loaded
            .comment_order(self.sort)
            .iter()
            .map(|&i| i as usize)
            .filter(|&i| found[i])
            .collect();
        self.selection.clamp(self.order.len());
    }

    /// The selected row's index into `Loaded::comment_rows`.
    pub fn selected_row(&self) -> Option<usize> {
        self.order.get(self.selection.index).copied()
    }
}

impl FilteredList for CommentsState {
    fn list_parts(&mut self) -> (&mut TextFilter, &mut Selection, usize) {
        let shown = self.order.len();
        (&mut self.search, &mut self.selection, shown)
    }

    /// Recomputes the selected comment's detail (every rating it got).
    fn refresh_detail(&mut self, loaded: Option<&Loaded>) {
        self.detail = loaded.and_then(|loaded| {
            let row = &loaded.comment_rows[self.selected_row()?];
            Some(element_detail(
                &loaded.data,
                loaded.fit(),
                &loaded.object_index,
                row.element,
            ))
        });
    }

    /// Rebuilds the order from the loaded rows and refreshes the detail.
    fn rebuild_loaded(&mut self, loaded: Option<&Loaded>) {
        if let Some(loaded) = loaded {
            self.rebuild(loaded);
        }
        self.refresh_detail(loaded);
    }
}

impl Screen for CommentsState {
    fn handle(&mut self, action: &Action, ctx: &mut Ctx) -> Option<Effect> {
        if filtered_list_keys(self, action, ctx.loaded()) {
            return None;
        }
        match action {
            Action::NextSort => {
                self.sort = self.sort.next();
                self.rebuild_loaded(ctx.loaded());
            }
            Action::Annotate => {
                let loaded = ctx.loaded()?;
                return Some(Effect::Annotate(QueueKind::Single {
                    object: loaded.comment_rows[self.selected_row()?].element,
                }));
            }
            _ => {}
        }
        None
    }

    fn draw(&self, frame: &mut Frame, area: Rect, view: &View, theme: Theme) {
        draw_screen(self, frame, area, view, theme);
    }

    fn editing_text(&self) -> bool {
        self.search.editing
    }

    fn on_loaded(&mut self, ctx: &mut Ctx) {
        self.rebuild_loaded(ctx.loaded());
    }
}

fn draw_screen(state: &CommentsState, frame: &mut Frame, area: Rect, view: &View, theme: Theme) {
    let Some(loaded) = loaded_or_wait(frame, area, view.loaded) else {
        return;
    };
    let [main, hint] = Layout::vertical([Constraint::Min(0), Constraint::Length(1)]).areas(area);
    let (table_area, detail_area) = table_and_detail(main, 55);
    let mut title = format!(
        " comments {} of {}, by {} ",
        state.order.len(),
        loaded.comment_rows.len(),
        state.sort.title()
    );
    title.push_str(&state.search.title("search"));
    // "Predicted vs measured": a column of the newest text model's predictions, once loaded.
    let predicted = loaded.predictions_of.is_some();
    let predicted_width = if predicted { PREDICTED_WIDTH } else { 0 };
    let text_width = table_area.width.saturating_sub(48 + predicted_width) as usize;
    let rows = &loaded.comment_rows;
    let mut header = vec!["comment", "measure"];
    let mut widths = vec![Constraint::Length(9), Constraint::Length(8)];
    if predicted {
        header.push("pred.");
        widths.push(Constraint::Length(predicted_width - 1));
    }
    header.extend(["S.E.", "infit", "outfit", "n", "text"]);
    widths.extend([
        Constraint::Length(5),
        Constraint::Length(6),
        Constraint::Length(6),
        Constraint::Length(4),
        Constraint::Min(4),
    ]);
    windowed_table(
        frame,
        table_area,
        Block::bordered().title(title),
        Row::new(header),
        &widths,
        state.order.len(),
        (!state.order.is_empty()).then_some(state.selection.index),
        theme,
        |i| {
            let row = &rows[state.order[i]];
            let mut cells = vec![row.label.clone(), number(row.measure, 2)];
            if predicted {
                cells.push(number(row.predicted, 2));
            }
            cells.extend([
                number(row.se, 2),
                number(row.infit, 2),
                number(row.outfit, 2),
                row.count.to_string(),
                clip(loaded.text(row.element), text_width),
            ]);
            Row::new(cells)
        },
    );
    draw_detail(frame, detail_area, state, loaded, theme);
    frame.render_widget(
        hints(
            &[
                ("/", "search"),
                ("s", "sort"),
                ("a", "annotate"),
                ("Esc", "clear"),
            ],
            theme,
        ),
        hint,
    );
}

/// Columns of the predicted-measure column (with its spacing).
const PREDICTED_WIDTH: u16 = 7;

fn draw_detail(
    frame: &mut Frame,
    area: Rect,
    state: &CommentsState,
    loaded: &Loaded,
    theme: Theme,
) {
    let Some(row) = state.selected_row().map(|i| &loaded.comment_rows[i]) else {
        frame.render_widget(Block::bordered().title(" comment "), area);
        return;
    };
    let predicted = row
        .predicted
        .map_or(String::new(), |p| format!(", predicted {p:.2}"));
    let block = Block::bordered().title(format!(
        " comment {}: measure {} (S.E. {}) {}{predicted} ",
        row.label,
        number(row.measure, 2),
        number(row.se, 2),
        row.status
    ));
    let inner = block.inner(area);
    frame.render_widget(block, area);
    let text_height = (inner.height / 3).max(1);
    let [text_area, list_area] =
        Layout::vertical([Constraint::Length(text_height), Constraint::Min(0)]).areas(inner);
    frame.render_widget(
        Paragraph::new(loaded.text(row.element).to_string()).wrap(Wrap { trim: true }),
        text_area,
    );
    let Some(detail) = &state.detail else {
        return;
    };
    let data = &loaded.data;
    let fit = loaded.fit();
    let mut lines = vec![Line::styled(
        format!(
            "{:<10} {:>8} {:<12} {:>3} {:>5} {:>5}",
            "rater", "severity", "item", "obs", "exp", "z"
        ),
        theme.header(),
    )];
    for r in detail
        .responses
        .iter()
        .take(list_area.height.saturating_sub(1) as usize)
    {
        let (rater, severity) = match loaded.rater_facet {
            Some(f) => {
                let e = data.elements[f][r.observation] as usize;
                (
                    data.facets[f].labels[e].clone(),
                    fit.and_then(|fit| fit.facets[f].elements.get(e))
                        .map(|s| s.measure),
                )
            }
            None => (String::new(), None),
        };
        let item = &data.items().labels[data.elements[data.item_facet][r.observation] as usize];
        let z = r.standardized.unwrap_or(0.0);
        lines.push(Line::styled(
            format!(
                "{:<10} {:>8} {:<12} {:>3} {:>5} {:>5}",
                clip(&rater, 10),
                number(severity, 2),
                clip(item, 12),
                r.observed,
                number(r.expected, 2),
                number(r.standardized, 1)
            ),
            if z.abs() >= 3.0 {
                theme.error()
            } else if z.abs() >= 2.0 {
                theme.warning()
            } else {
                Style::new()
            },
        ));
    }
    frame.render_widget(Paragraph::new(lines), list_area);
}
