//! Raters: the sortable, filterable table of every rater (only the visible rows are built), and
//! the selected rater's detail: flags, decision, category use per item, standardized residuals
//! over their ratings and the comments they rated with observed vs expected scores. Decisions
//! ask for a reason in a prompt; `R` applies a flag rule's decision to every rater it flags.

use crate::figures::FigureKind;
use crate::pipeline::PlotRequest;
use crate::quality::detail::{element_detail, ElementDetail};
use crate::quality::{Flag, FlagLevel, Rule};
use crate::store::Decision;
use crate::tui::action::{Action, Written};
use crate::tui::loaded::{compare_labels, compare_option, Loaded, RaterRow};
use crate::tui::screen::{Ctx, Effect, Screen, View};
use crate::tui::state::{Level, Prompt, QueueKind, Selection, TextFilter};
use crate::tui::theme::Theme;
use crate::tui::widgets::{
    clip, filtered_list_keys, hints, loaded_or_wait, number, spark, table_and_detail,
    windowed_table, FilteredList,
};
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::Style;
use ratatui::symbols::Marker;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Axis, Block, Cell, Chart, Dataset, GraphType, Paragraph, Row};
use ratatui::Frame;

/// The Raters table's sort columns, in the order `s` steps through them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RaterSort {
    /// By label.
    Label,
    /// By severity.
    Severity,
    /// By standard error.
    Se,
    /// By infit.
    Infit,
    /// By infit ZStd.
    InfitZstd,
    /// By outfit.
    Outfit,
    /// By outfit ZStd.
    OutfitZstd,
    /// By estimated discrimination.
    Discrimination,
    /// By count.
    Count,
    /// By number of flags.
    Flags,
    /// By decision.
    Decision,
}

impl RaterSort {
    /// Every column, in the order `s` steps through them.
    pub const ALL: [RaterSort; 11] = [
        RaterSort::Label,
        RaterSort::Severity,
        RaterSort::Se,
        RaterSort::Infit,
        RaterSort::InfitZstd,
        RaterSort::Outfit,
        RaterSort::OutfitZstd,
        RaterSort::Discrimination,
        RaterSort::Count,
        RaterSort::Flags,
        RaterSort::Decision,
    ];

    /// The column's header.
    pub fn title(self) -> &'static str {
        match self {
            RaterSort::Label => "Rater",
            RaterSort::Severity => "Severity",
            RaterSort::Se => "S.E.",
            RaterSort::Infit => "Infit",
            RaterSort::InfitZstd => "ZStd",
            RaterSort::Outfit => "Outfit",
            RaterSort::OutfitZstd => "ZStd ",
            RaterSort::Discrimination => "Discrm",
            RaterSort::Count => "Count",
            RaterSort::Flags => "Flags",
            RaterSort::Decision => "Decision",
        }
    }

    /// The column `s` sorts by next.
    pub fn next(self) -> RaterSort {
        let i = RaterSort::ALL.iter().position(|s| *s == self).unwrap_or(0);
        RaterSort::ALL[(i + 1) % RaterSort::ALL.len()]
    }
}

/// The Raters screen.
#[derive(Debug, Clone, PartialEq)]
pub struct RatersState {
    /// The sort column.
    pub sort: RaterSort,
    /// Whether the order is reversed.
    pub descending: bool,
    /// The filter over ids and rule names.
    pub filter: TextFilter,
    /// Whether only flagged raters are listed.
    pub flagged_only: bool,
    /// Indexes into `Loaded::rater_rows`, sorted and filtered.
    pub order: Vec<usize>,
    /// The selected row of `order`.
    pub selection: Selection,
    /// The selected rater's detail.
    pub detail: Option<ElementDetail>,
}

impl Default for RatersState {
    fn default() -> Self {
        RatersState {
            sort: RaterSort::Label,
            descending: false,
            filter: TextFilter::default(),
            flagged_only: false,
            order: Vec::new(),
            selection: Selection::default(),
            detail: None,
        }
    }
}

impl RatersState {
    /// Recomputes the sorted, filtered order of `rows` and keeps the selection in range.
    pub fn rebuild(&mut self, rows: &[RaterRow]) {
        let needle = self.filter.text.trim().to_lowercase();
        let mut order: Vec<usize> = (0..rows.len())
            .filter(|&i| {
                let row = &rows[i];
                (!self.flagged_only || !row.flags.is_empty())
                    && (needle.is_empty()
                        || row.label.to_lowercase().contains(&needle)
                        || row.flags.iter().any(|f| f.name().contains(&needle))
                        || row.types.iter().any(|t| t.to_lowercase().contains(&needle)))
            })
            .collect();
        let key = self.sort;
        let descending = self.descending;
        // Rows without a value (no fit, extreme raters without fit statistics) stay last in
        // either direction.
        let by = |x: Option<f64>, y: Option<f64>| match (x, y) {
            (Some(x), Some(y)) if descending => y.total_cmp(&x),
            _ => compare_option(x, y),
        };
        let directed = |o: std::cmp::Ordering| if descending { o.reverse() } else { o };
        order.sort_by(|&a, &b| {
            let (x, y) = (&rows[a], &rows[b]);
            let ordering = match key {
                RaterSort::Label => directed(compare_labels(&x.label, &y.label)),
                RaterSort::Severity => by(x.severity, y.severity),
                RaterSort::Se => by(x.se, y.se),
                RaterSort::Infit => by(x.infit, y.infit),
                RaterSort::InfitZstd => by(x.infit_zstd, y.infit_zstd),
                RaterSort::Outfit => by(x.outfit, y.outfit),
                RaterSort::OutfitZstd => by(x.outfit_zstd, y.outfit_zstd),
                RaterSort::Discrimination => by(x.discrimination, y.discrimination),
                RaterSort::Count => directed(x.count.cmp(&y.count)),
                RaterSort::Flags => directed(x.flags.len().cmp(&y.flags.len())),
                RaterSort::Decision => {
                    directed(decision_rank(x.decision).cmp(&decision_rank(y.decision)))
                }
            };
            ordering.then_with(|| compare_labels(&x.label, &y.label))
        });
        self.order = order;
        self.selection.clamp(self.order.len());
    }

    /// The selected row's index into `Loaded::rater_rows`.
    pub fn selected_row(&self) -> Option<usize> {
        self.order.get(self.selection.index).copied()
    }
}

fn decision_rank(d: Option<Decision>) -> u8 {
    match d {
        None => 0,
        Some(Decision::Undecided) => 1,
        Some(Decision::Keep) => 2,
        Some(Decision::Exclude) => 3,
    }
}

impl FilteredList for RatersState {
    fn list_parts(&mut self) -> (&mut TextFilter, &mut Selection, usize) {
        let shown = self.order.len();
        (&mut self.filter, &mut self.selection, shown)
    }

    /// Recomputes the selected rater's detail (category use, residuals) from the library.
    fn refresh_detail(&mut self, loaded: Option<&Loaded>) {
        self.detail = loaded.and_then(|loaded| {
            let row = &loaded.rater_rows[self.selected_row()?];
            let index = loaded.rater_index.as_ref()?;
            Some(element_detail(
                &loaded.data,
                loaded.fit(),
                index,
                row.element,
            ))
        });
    }

    /// Rebuilds the order from the loaded rows and refreshes the detail.
    fn rebuild_loaded(&mut self, loaded: Option<&Loaded>) {
        if let Some(loaded) = loaded {
            self.rebuild(&loaded.rater_rows);
        }
        self.refresh_detail(loaded);
    }
}

impl RatersState {
    /// The selected rater when flagged, else the first flagged rater in the table's order.
    pub fn flagged_rater(&self, loaded: &Loaded) -> Option<(u32, String)> {
        let rows = &loaded.rater_rows;
        let selected = self.selected_row().filter(|&i| !rows[i].flags.is_empty());
        let index = selected.or_else(|| {
            self.order
                .iter()
                .copied()
                .find(|&i| !rows[i].flags.is_empty())
        })?;
        Some((rows[index].element, rows[index].label.clone()))
    }

    fn selected_label(&self, loaded: Option<&Loaded>) -> Option<String> {
        Some(loaded?.rater_rows[self.selected_row()?].label.clone())
    }
}

/// Opens the rule picker: every rule with the raters it flags that are not excluded yet.
fn bulk_rule(ctx: &mut Ctx) {
    let Some(loaded) = ctx.loaded() else {
        return;
    };
    let mut rules: Vec<(Rule, Vec<String>)> = Vec::new();
    for rule in Rule::ALL {
        let labels: Vec<String> = loaded
            .rater_rows
            .iter()
            .filter(|r| r.flags.contains(&rule) && r.decision != Some(Decision::Exclude))
            .map(|r| r.label.clone())
            .collect();
        if !labels.is_empty() {
            rules.push((rule, labels));
        }
    }
    if rules.is_empty() {
        ctx.say(
            Level::Info,
            "no flagged rater left to exclude (fit and flag first)",
        );
        return;
    }
    *ctx.prompt = Some(Prompt::Rules {
        rules,
        selection: Default::default(),
    });
}

impl Screen for RatersState {
    fn handle(&mut self, action: &Action, ctx: &mut Ctx) -> Option<Effect> {
        if filtered_list_keys(self, action, ctx.loaded()) {
            return None;
        }
        match action {
            Action::SaveFigure => {
                let facet = ctx
                    .loaded()
                    .and_then(|l| l.rater_facet.map(|f| l.data.facets[f].name.clone()));
                ctx.ask_figure_path(PlotRequest {
                    facet,
                    ..PlotRequest::new(FigureKind::Raters)
                });
            }
            Action::NextSort => {
                self.sort = self.sort.next();
                self.rebuild_loaded(ctx.loaded());
            }
            Action::ReverseSort => {
                self.descending = !self.descending;
                self.rebuild_loaded(ctx.loaded());
            }
            Action::ToggleFlagged => {
                self.flagged_only = !self.flagged_only;
                self.rebuild_loaded(ctx.loaded());
            }
            Action::Decide(decision) => {
                if let Some(label) = self.selected_label(ctx.loaded()) {
                    *ctx.prompt = Some(Prompt::Reason {
                        decision: *decision,
                        labels: vec![label],
                        text: String::new(),
                    });
                }
            }
            Action::BulkRule => bulk_rule(ctx),
            Action::Annotate => {
                let loaded = ctx.loaded()?;
                let row = &loaded.rater_rows[self.selected_row()?];
                return Some(Effect::Annotate(QueueKind::RatedBy {
                    element: row.element,
                    label: row.label.clone(),
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
        self.filter.editing
    }

    fn on_loaded(&mut self, ctx: &mut Ctx) {
        self.rebuild_loaded(ctx.loaded());
    }

    fn on_written(&mut self, written: &Written, ctx: &mut Ctx) {
        if let (Written::Decisions { .. }, Some(loaded)) = (written, ctx.loaded()) {
            self.rebuild(&loaded.rater_rows);
        }
    }
}

/// |z| drawn at most in the residual chart (larger values sit on its edge).
const Z_LIMIT: f64 = 5.0;

fn draw_screen(state: &RatersState, frame: &mut Frame, area: Rect, view: &View, theme: Theme) {
    let Some(loaded) = loaded_or_wait(frame, area, view.loaded) else {
        return;
    };
    if loaded.rater_facet.is_none() {
        frame.render_widget(Paragraph::new("this design has no rater facet"), area);
        return;
    }
    let [main, hint] = Layout::vertical([Constraint::Min(0), Constraint::Length(1)]).areas(area);
    let (table_area, detail_area) = table_and_detail(main, 58);
    draw_table(frame, table_area, state, loaded, theme);
    draw_detail(frame, detail_area, state, loaded, theme);
    frame.render_widget(
        hints(
            &[
                ("s/S", "sort"),
                ("/", "filter"),
                ("f", "flagged"),
                ("x", "exclude"),
                ("o", "keep"),
                ("R", "by rule"),
                ("a", "adjudicate"),
            ],
            theme,
        ),
        hint,
    );
}

fn decision_word(d: Option<Decision>) -> &'static str {
    match d {
        Some(Decision::Exclude) => "excluded",
        Some(Decision::Keep) => "kept",
        Some(Decision::Undecided) | None => "",
    }
}

fn draw_table(frame: &mut Frame, area: Rect, state: &RatersState, loaded: &Loaded, theme: Theme) {
    let header = Row::new(RaterSort::ALL.iter().map(|s| {
        let arrow = if *s == state.sort {
            if state.descending {
                "▼"
            } else {
                "▲"
            }
        } else {
            ""
        };
        Cell::from(format!("{}{arrow}", s.title().trim_end()))
    }));
    let widths = [
        Constraint::Min(7),
        Constraint::Length(9),
        Constraint::Length(5),
        Constraint::Length(6),
        Constraint::Length(5),
        Constraint::Length(7),
        Constraint::Length(5),
        Constraint::Length(6),
        Constraint::Length(6),
        Constraint::Length(14),
        Constraint::Length(9),
    ];
    let mut title = format!(
        " raters {} of {} ",
        state.order.len(),
        loaded.rater_rows.len()
    );
    if state.flagged_only {
        title.push_str("(flagged) ");
    }
    title.push_str(&state.filter.title("filter"));
    let rows = &loaded.rater_rows;
    windowed_table(
        frame,
        area,
        Block::bordered().title(title),
        header,
        &widths,
        state.order.len(),
        (!state.order.is_empty()).then_some(state.selection.index),
        theme,
        |i| rater_row(&rows[state.order[i]], theme),
    )
}

fn rater_row(row: &RaterRow, theme: Theme) -> Row<'static> {
    let flag_style = match row.level {
        Some(FlagLevel::Exclude) => theme.error(),
        Some(FlagLevel::Review) => theme.warning(),
        None => Style::new(),
    };
    let flags = row
        .flags
        .iter()
        .map(|r| r.name())
        .collect::<Vec<_>>()
        .join(",");
    let style = if row.decision == Some(Decision::Exclude) {
        theme.dim()
    } else {
        Style::new()
    };
    Row::new(vec![
        Cell::from(row.label.clone()),
        Cell::from(number(row.severity, 2)),
        Cell::from(number(row.se, 2)),
        Cell::from(number(row.infit, 2)),
        Cell::from(number(row.infit_zstd, 1)),
        Cell::from(number(row.outfit, 2)),
        Cell::from(number(row.outfit_zstd, 1)),
        Cell::from(number(row.discrimination, 2)),
        Cell::from(row.count.to_string()),
        Cell::from(flags).style(flag_style),
        Cell::from(decision_word(row.decision)),
    ])
    .style(style)
}

/// The rater's generalized-model estimates and what excluding it would change, as its diagnosis
/// flags state them (`α` slope, `ω` threshold stretch, with S.E.s).
fn diagnosis_line<'a>(flags: impl Iterator<Item = &'a Flag>) -> Option<String> {
    let f = flags
        .filter(|f| f.rater_type.is_some())
        .find(|f| f.evidence.contains_key("discrimination"))?;
    let e = |k: &str| f.evidence.get(k).copied().unwrap_or(f64::NAN);
    let mut line = format!(
        "α {:.2}±{:.2}  ω {:.2}±{:.2}",
        e("discrimination"),
        e("discrimination_se"),
        e("stretch"),
        e("stretch_se")
    );
    if let Some(shift) = f.evidence.get("exclusion_mean_shift") {
        line.push_str(&format!("; excluding moves its comments {shift:.2}"));
    }
    Some(line)
}

fn draw_detail(frame: &mut Frame, area: Rect, state: &RatersState, loaded: &Loaded, theme: Theme) {
    let Some(row) = state.selected_row().map(|i| &loaded.rater_rows[i]) else {
        frame.render_widget(Block::bordered().title(" rater "), area);
        return;
    };
    let block = Block::bordered().title(format!(" rater {} ", row.label));
    let inner = block.inner(area);
    frame.render_widget(block, area);
    let Some(detail) = &state.detail else {
        return;
    };
    let [left, right] =
        Layout::horizontal([Constraint::Percentage(45), Constraint::Percentage(55)]).areas(inner);

    // Left: decision, flags, category use per item.
    let mut lines: Vec<Line> = Vec::new();
    if let Some(d) = loaded.decisions.get(&row.label) {
        lines.push(Line::styled(
            format!("{}: {}", d.decision.as_str(), d.reason),
            theme.warning(),
        ));
    }
    if let Some(run) = &loaded.run {
        for flag in run
            .flags
            .iter()
            .filter(|f| Some(f.facet) == loaded.rater_facet && f.element == row.element)
        {
            lines.push(Line::styled(
                clip(&flag.message, left.width as usize),
                if flag.level == FlagLevel::Exclude {
                    theme.error()
                } else {
                    theme.warning()
                },
            ));
        }
    }
    if let Some(line) = loaded.run.as_ref().and_then(|run| {
        diagnosis_line(
            run.flags
                .iter()
                .filter(|f| Some(f.facet) == loaded.rater_facet && f.element == row.element),
        )
    }) {
        lines.push(Line::styled(
            clip(&line, left.width as usize),
            theme.warning(),
        ));
    }
    lines.push(Line::styled("category use (low → high)", theme.header()));
    let label_width = detail
        .category_use
        .iter()
        .map(|c| c.label.chars().count())
        .max()
        .unwrap_or(4)
        .min(12);
    for usage in &detail.category_use {
        let max = usage.counts.iter().map(|c| c.1).max().unwrap_or(0);
        let sparks: String = usage.counts.iter().map(|c| spark(c.1, max)).collect();
        let counts = usage
            .counts
            .iter()
            .map(|c| c.1.to_string())
            .collect::<Vec<_>>()
            .join(" ");
        lines.push(Line::from(vec![
            Span::raw(format!(
                "{:<label_width$} ",
                clip(&usage.label, label_width)
            )),
            Span::styled(sparks, theme.series(0)),
            Span::raw(format!(" {counts}")),
        ]));
    }
    frame.render_widget(Paragraph::new(lines), left);

    // Right: residual chart (when there is room) and the ratings, most unexpected first.
    let chart_height = if right.height >= 16 {
        right.height / 2
    } else {
        0
    };
    let [chart_area, list_area] =
        Layout::vertical([Constraint::Length(chart_height), Constraint::Min(0)]).areas(right);
    if chart_height > 0 {
        draw_residual_chart(frame, chart_area, detail, theme);
    }
    draw_ratings(frame, list_area, loaded, detail, theme);
}

fn draw_residual_chart(frame: &mut Frame, area: Rect, detail: &ElementDetail, theme: Theme) {
    let points: Vec<(f64, f64)> = detail
        .responses
        .iter()
        .enumerate()
        .filter_map(|(i, r)| {
            r.standardized
                .map(|z| (i as f64, z.clamp(-Z_LIMIT, Z_LIMIT)))
        })
        .collect();
    let n = detail.responses.len().max(1) as f64;
    let bands = [[(0.0, 2.0), (n, 2.0)], [(0.0, -2.0), (n, -2.0)]];
    let mut datasets = vec![Dataset::default()
        .marker(Marker::Braille)
        .graph_type(GraphType::Scatter)
        .style(theme.series(0))
        .data(&points)];
    for band in &bands {
        datasets.push(
            Dataset::default()
                .marker(Marker::Braille)
                .graph_type(GraphType::Line)
                .style(theme.dim())
                .data(band),
        );
    }
    let chart = Chart::new(datasets)
        .block(Block::new().title("standardized residuals (|z| ≥ 2 beyond the lines)"))
        .x_axis(Axis::default().bounds([0.0, n]))
        .y_axis(
            Axis::default()
                .bounds([-Z_LIMIT, Z_LIMIT])
                .labels(["-5", "0", "5"]),
        );
    frame.render_widget(chart, area);
}

fn draw_ratings(
    frame: &mut Frame,
    area: Rect,
    loaded: &Loaded,
    detail: &ElementDetail,
    theme: Theme,
) {
    let data = &loaded.data;
    let mut lines = vec![Line::styled(
        format!(
            "{:<10} {:<10} {:>3} {:>5} {:>5}",
            "comment", "item", "obs", "exp", "z"
        ),
        theme.header(),
    )];
    for r in detail
        .unexpected(0.0)
        .iter()
        .take(area.height.saturating_sub(1) as usize)
    {
        let object =
            &data.objects().labels[data.elements[data.object_facet][r.observation] as usize];
        let item = &data.items().labels[data.elements[data.item_facet][r.observation] as usize];
        let z = r.standardized.unwrap_or(0.0);
        let style = if z.abs() >= 3.0 {
            theme.error()
        } else if z.abs() >= 2.0 {
            theme.warning()
        } else {
            Style::new()
        };
        lines.push(Line::styled(
            format!(
                "{:<10} {:<10} {:>3} {:>5} {:>5}",
                clip(object, 10),
                clip(item, 10),
                r.observed,
                number(r.expected, 2),
                number(r.standardized, 1)
            ),
            style,
        ));
    }
    if detail.responses.iter().all(|r| r.standardized.is_none()) {
        lines.truncate(1);
        for r in detail
            .responses
            .iter()
            .take(area.height.saturating_sub(1) as usize)
        {
            let object =
                &data.objects().labels[data.elements[data.object_facet][r.observation] as usize];
            let item = &data.items().labels[data.elements[data.item_facet][r.observation] as usize];
            lines.push(Line::from(format!(
                "{:<10} {:<10} {:>3}",
                clip(object, 10),
                clip(item, 10),
                r.observed
            )));
        }
    }
    frame.render_widget(Paragraph::new(lines), area);
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(label: &str, infit: Option<f64>, flags: Vec<Rule>) -> RaterRow {
        RaterRow {
            element: label.parse().unwrap_or(0),
            label: label.into(),
            severity: infit.map(|v| -v),
            se: Some(0.3),
            infit,
            infit_zstd: None,
            outfit: infit,
            outfit_zstd: None,
            discrimination: infit.map(|v| 2.0 - v),
            count: 10,
            level: (!flags.is_empty()).then_some(FlagLevel::Review),
            types: flags
                .iter()
                .filter(|f| **f == Rule::ReversedItem)
                .map(|_| "reversed on `sentiment`".to_string())
                .collect(),
            flags,
            decision: None,
        }
    }

    #[test]
    fn sorting_and_filtering_raters_rebuilds_the_order() {
        let rows = vec![
            row("10", Some(1.4), vec![]),
            row("2", Some(2.6), vec![Rule::Distorting]),
            row("33", None, vec![]),
            row("4", Some(0.4), vec![Rule::Muted]),
            row("5", Some(1.0), vec![Rule::ReversedItem]),
        ];
        let mut state = RatersState::default();
        state.rebuild(&rows);
        // Numeric labels sort as numbers.
        assert_eq!(state.order, vec![1, 3, 4, 0, 2]);
        state.sort = RaterSort::Infit;
        state.rebuild(&rows);
        assert_eq!(state.order, vec![3, 4, 0, 1, 2], "missing values last");
        state.descending = true;
        state.rebuild(&rows);
        assert_eq!(
            state.order,
            vec![1, 0, 4, 3, 2],
            "reversed: missing still last"
        );
        state.flagged_only = true;
        state.rebuild(&rows);
        assert_eq!(state.order, vec![1, 4, 3]);
        state.flagged_only = false;
        state.filter.text = "3".into();
        state.selection.index = 3;
        state.rebuild(&rows);
        assert_eq!(state.order, vec![2]);
        assert_eq!(state.selection.index, 0, "selection clamped");
        state.filter.text = "mute".into();
        state.rebuild(&rows);
        assert_eq!(state.order, vec![3], "filter matches rule names");
        state.filter.text = "sentiment".into();
        state.rebuild(&rows);
        assert_eq!(state.order, vec![4], "filter matches the types in words");
        state.filter.text = "reversed_item".into();
        state.rebuild(&rows);
        assert_eq!(state.order, vec![4], "and the diagnosis's rule names");
    }
}
