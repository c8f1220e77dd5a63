//! Import: the data file (with path completion), the description (a preset, a description file
//! or a draft from the header), a preview of the columns and first rows as they will be read,
//! every validation problem with its row and column, then the import.

use super::widgets::{clip, form_field, hints, windowed_table};
use crate::ingest::preview::{ColumnRole, PreviewCell};
use crate::ingest::Severity;
use crate::tui::app::{App, DescriptionSource, ImportField};
use crate::tui::theme::Theme;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::Line;
use ratatui::widgets::{Block, Cell, Paragraph, Row, Table};
use ratatui::Frame;

pub fn draw(frame: &mut Frame, area: Rect, app: &App, theme: Theme) {
    let state = &app.import;
    let form_height = 6 + u16::from(!state.completions.is_empty());
    let [form_area, preview_area, problems_area, hint] = Layout::vertical([
        Constraint::Length(form_height),
        Constraint::Percentage(45),
        Constraint::Min(5),
        Constraint::Length(1),
    ])
    .areas(area);
    let value = |field: ImportField| match field {
        ImportField::Data => state.data.clone(),
        ImportField::Description => state.source.title(),
        ImportField::ConfigFile => state.config.clone(),
    };
    let name = |field: ImportField| match field {
        ImportField::Data => "data file",
        ImportField::Description => "description",
        ImportField::ConfigFile => "description file",
    };
    let mut lines = Vec::new();
    for (i, field) in ImportField::ALL.iter().enumerate() {
        lines.push(form_field(
            name(*field),
            18,
            value(*field),
            i == state.field,
            state.editing,
            theme,
        ));
    }
    if !state.completions.is_empty() {
        lines.push(Line::styled(
            clip(&state.completions.join("  "), form_area.width as usize),
            theme.dim(),
        ));
    }
    let result = if state.running {
        Some(Line::styled("reading and validating...", theme.warning()))
    } else {
        state
            .result
            .as_ref()
            .map(|(level, text)| Line::styled(text.clone(), super::level_style(*level, theme)))
    };
    lines.extend(result);
    frame.render_widget(
        Paragraph::new(lines)
            .block(Block::bordered().title(format!(" import into {} ", app.project_name()))),
        form_area,
    );

    match &state.preview {
        None => frame.render_widget(
            Paragraph::new("p previews the file under the description: the columns it reads and the first rows as they will be read")
                .block(Block::bordered().title(" preview ")),
            preview_area,
        ),
        Some(preview) => {
            let header = Row::new(preview.columns.iter().map(|c| {
                let role = match &c.role {
                    ColumnRole::Object => "object".to_string(),
                    ColumnRole::Rater => "rater".into(),
                    ColumnRole::Text => "text".into(),
                    ColumnRole::Item { .. } => "item".into(),
                    ColumnRole::LongItem => "item name".into(),
                    ColumnRole::LongScore => "score".into(),
                };
                let text = format!("{} ({role})", c.name);
                if c.present {
                    Cell::from(text)
                } else {
                    Cell::from(format!("{text} MISSING")).style(theme.error())
                }
            }))
            .style(theme.header());
            let rows = preview.rows.iter().map(|row| {
                Row::new(row.iter().map(|cell| match cell {
                    PreviewCell::Text(t) => Cell::from(clip(t, 24)),
                    PreviewCell::Score { raw, score } if raw == score => {
                        Cell::from(raw.to_string())
                    }
                    PreviewCell::Score { raw, score } => Cell::from(format!("{raw}→{score}")),
                    PreviewCell::Missing => Cell::from("·").style(theme.dim()),
                    PreviewCell::Invalid(t) => Cell::from(format!("{t}!")).style(theme.error()),
                }))
            });
            let widths: Vec<Constraint> = preview
                .columns
                .iter()
                .map(|c| match c.role {
                    ColumnRole::Text => Constraint::Min(10),
                    ColumnRole::Item { .. } | ColumnRole::LongScore => Constraint::Length(6),
                    _ => Constraint::Length(10),
                })
                .collect();
            frame.render_widget(
                Table::new(rows, widths).header(header).block(
                    Block::bordered().title(format!(
                        " preview: {} of {} columns read, first {} rows (raw→scored) ",
                        preview.columns.len(),
                        preview.header.len(),
                        preview.rows.len()
                    )),
                ),
                preview_area,
            );
        }
    }

    let problems_area = match (&state.source, &state.config_toml, &state.preview) {
        (DescriptionSource::Draft, Some(toml), Some(_)) => {
            let [left, right] =
                Layout::horizontal([Constraint::Percentage(55), Constraint::Percentage(45)])
                    .areas(problems_area);
            frame.render_widget(
                Paragraph::new(toml.clone())
                    .block(Block::bordered().title(" drafted description (d saves it) ")),
                right,
            );
            left
        }
        _ => problems_area,
    };
    let problems: Vec<&crate::ingest::Problem> = state
        .preview
        .as_ref()
        .map(|p| p.report.errors.iter().chain(&p.report.warnings).collect())
        .unwrap_or_default();
    let title = state
        .preview
        .as_ref()
        .map_or(" problems ".to_string(), |p| {
            format!(
                " problems: {} error(s), {} warning(s) (PgUp/PgDn) ",
                p.report.errors_total, p.report.warnings_total
            )
        });
    windowed_table(
        frame,
        problems_area,
        Block::bordered().title(title),
        Row::new(vec!["", "row", "column", "value", "problem"]),
        &[
            Constraint::Length(7),
            Constraint::Length(6),
            Constraint::Length(14),
            Constraint::Length(8),
            Constraint::Min(10),
        ],
        problems.len(),
        (!problems.is_empty()).then_some(state.problem_selection.index),
        theme,
        |i| {
            let p = problems[i];
            let (word, style) = match p.severity {
                Severity::Error => ("error", theme.error()),
                Severity::Warning => ("warning", theme.warning()),
            };
            Row::new(vec![
                Cell::from(word).style(style),
                Cell::from(p.row.map_or(String::new(), |r| r.to_string())),
                Cell::from(p.column.clone().unwrap_or_default()),
                Cell::from(p.value.clone().unwrap_or_default()),
                Cell::from(p.message.clone()),
            ])
        },
    );
    frame.render_widget(
        hints(
            &[
                ("Up/Down", "field"),
                ("Enter", "edit/change"),
                ("Tab", "complete"),
                ("p", "preview"),
                ("i", "import"),
            ],
            theme,
        ),
        hint,
    );
}
