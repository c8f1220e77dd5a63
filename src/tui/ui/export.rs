//! Export: what to write and where, with the command line's options (MHS column names,
//! rescaling, joining onto the original rows).

use super::widgets::{form_field, hints, labelled};
use crate::export::ExportKind;
use crate::tui::app::{App, ExportField};
use crate::tui::theme::Theme;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::Line;
use ratatui::widgets::{Block, Paragraph, Wrap};
use ratatui::Frame;

pub fn draw(frame: &mut Frame, area: Rect, app: &App, theme: Theme) {
    let [form_area, result_area, hint] = Layout::vertical([
        Constraint::Length(9),
        Constraint::Min(0),
        Constraint::Length(1),
    ])
    .areas(area);
    let state = &app.export;
    let run = app.loaded.as_ref().and_then(|l| l.run.as_ref()).map_or(
        "none (fit first)".to_string(),
        |r| {
            format!(
                "{}{}",
                r.record.id,
                if r.stale {
                    " (decisions changed since)"
                } else {
                    ""
                }
            )
        },
    );
    let value = |field: ExportField| -> String {
        match field {
            ExportField::What => match state.what {
                ExportKind::Objects => "objects (measures, S.E., fit per comment)",
                ExportKind::Raters => "raters (severity, fit, flags, decision)",
                ExportKind::Items => "items (difficulty, thresholds)",
                ExportKind::Joined => "joined onto the original rows",
            }
            .into(),
            ExportField::Out => state.out.clone(),
            ExportField::MhsColumns => if state.mhs_columns { "yes" } else { "no" }.into(),
            ExportField::Rescale => state.rescale.clone(),
            ExportField::Join => state.join.clone(),
        }
    };
    let name = |field: ExportField| match field {
        ExportField::What => "what",
        ExportField::Out => "file (.csv .parquet .json)",
        ExportField::MhsColumns => "MHS column names",
        ExportField::Rescale => "rescale A,B (A + B x)",
        ExportField::Join => "join (original data)",
    };
    let mut lines = vec![labelled("run", 28, run, theme)];
    for (i, field) in ExportField::ALL.iter().enumerate() {
        lines.push(form_field(
            name(*field),
            28,
            value(*field),
            i == state.field,
            state.editing,
            theme,
        ));
    }
    frame.render_widget(
        Paragraph::new(lines).block(Block::bordered().title(" export ")),
        form_area,
    );
    let mut result = Vec::new();
    if state.running {
        result.push(Line::styled("writing...", theme.warning()));
    }
    if let Some((level, text)) = &state.result {
        result.push(Line::styled(
            text.clone(),
            super::level_style(*level, theme),
        ));
    }
    result.push(Line::styled(
        "Files are written under a temporary name and renamed; CSV gets a .json provenance sidecar.",
        theme.dim(),
    ));
    frame.render_widget(
        Paragraph::new(result)
            .wrap(Wrap { trim: false })
            .block(Block::bordered().title(" result ")),
        result_area,
    );
    frame.render_widget(
        hints(
            &[
                ("Up/Down", "field"),
                ("Enter", "edit/change"),
                ("Left/Right", "change"),
                ("w", "write"),
            ],
            theme,
        ),
        hint,
    );
}
