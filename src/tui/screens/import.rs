//! Import: the data file (with path completion), the description (a preset, a description file
//! or a draft from the header), a preview of the columns and first rows as they will be read,
//! every validation problem with its row and column, then the import.

use crate::ingest::preview::{ColumnRole, ImportPreview, PreviewCell};
use crate::ingest::Severity;
use crate::store::ImportSummary;
use crate::tui::action::{Action, Command, Move, Written};
use crate::tui::jobs::{Description, JobKind, JobMessage, JobRequest};
use crate::tui::screen::{Ctx, Effect, Screen, View};
use crate::tui::state::{edit_text, Level, Selection};
use crate::tui::theme::Theme;
use crate::tui::widgets::{clip, form_field, hints, level_style, windowed_table};
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::Line;
use ratatui::widgets::{Block, Cell, Paragraph, Row, Table};
use ratatui::Frame;
use std::path::PathBuf;

/// Where the Import screen's description comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DescriptionSource {
    /// A built-in preset.
    Preset(crate::config::Preset),
    /// A TOML description file.
    ConfigFile,
    /// Drafted from the data file's header.
    Draft,
}

impl DescriptionSource {
    /// The choices, in the order Left/Right step through them.
    pub const ALL: [DescriptionSource; 4] = [
        DescriptionSource::Preset(crate::config::Preset::Mhs),
        DescriptionSource::Preset(crate::config::Preset::MhsCollapsed),
        DescriptionSource::ConfigFile,
        DescriptionSource::Draft,
    ];

    /// The choice as the form shows it.
    pub fn title(self) -> String {
        match self {
            DescriptionSource::Preset(p) => format!("preset {}", p.name()),
            DescriptionSource::ConfigFile => "description file".into(),
            DescriptionSource::Draft => "draft from the header".into(),
        }
    }
}

/// The Import form's fields.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ImportField {
    /// The data file's path.
    Data,
    /// Where the description comes from.
    Description,
    /// The description file's path.
    ConfigFile,
}

impl ImportField {
    /// The fields, in the form's order.
    pub const ALL: [ImportField; 3] = [
        ImportField::Data,
        ImportField::Description,
        ImportField::ConfigFile,
    ];
}

/// The Import screen.
#[derive(Debug, Clone)]
pub struct ImportState {
    /// The data file's path.
    pub data: String,
    /// Where the description comes from.
    pub source: DescriptionSource,
    /// The description file's path.
    pub config: String,
    /// The focused field (index into `ImportField::ALL`).
    pub field: usize,
    /// Whether a path is being typed.
    pub editing: bool,
    /// Completions of the data path offered by the last Tab.
    pub completions: Vec<String>,
    /// The last preview.
    pub preview: Option<Box<ImportPreview>>,
    /// The description the preview used, as TOML (shown for drafts).
    pub config_toml: Option<String>,
    /// The last preview's or import's outcome, in words.
    pub result: Option<(Level, String)>,
    /// The last import's summary.
    pub imported: Option<ImportSummary>,
    /// The selected validation problem.
    pub problem_selection: Selection,
}

impl Default for ImportState {
    fn default() -> Self {
        ImportState {
            data: String::new(),
            source: DescriptionSource::ALL[0],
            config: String::new(),
            field: 0,
            editing: false,
            completions: Vec::new(),
            preview: None,
            config_toml: None,
            result: None,
            imported: None,
            problem_selection: Selection::default(),
        }
    }
}

impl ImportState {
    /// The field the cursor is on.
    pub fn focused(&self) -> ImportField {
        ImportField::ALL[self.field.min(ImportField::ALL.len() - 1)]
    }
}

/// Completes `input` against the file system: returns the completed text and, when several
/// entries match, their names (directories end with `/`).
pub fn complete_path(input: &str) -> (String, Vec<String>) {
    let (dir, prefix) = match input.rfind('/') {
        Some(i) => (&input[..=i], &input[i + 1..]),
        None => ("", input),
    };
    let read_from = if dir.is_empty() { "." } else { dir };
    let Ok(entries) = std::fs::read_dir(read_from) else {
        return (input.to_string(), Vec::new());
    };
    let mut matches: Vec<String> = entries
        .filter_map(|e| e.ok())
        .filter_map(|e| {
            let name = e.file_name().to_string_lossy().to_string();
            if !name.starts_with(prefix) || (name.starts_with('.') && !prefix.starts_with('.')) {
                return None;
            }
            let is_dir = e.file_type().map(|t| t.is_dir()).unwrap_or(false);
            Some(if is_dir { format!("{name}/") } else { name })
        })
        .collect();
    matches.sort();
    match matches.len() {
        0 => (input.to_string(), Vec::new()),
        1 => (format!("{dir}{}", matches[0]), Vec::new()),
        _ => {
            let common = matches.iter().skip(1).fold(matches[0].clone(), |acc, m| {
                acc.chars()
                    .zip(m.chars())
                    .take_while(|(a, b)| a == b)
                    .map(|(a, _)| a)
                    .collect()
            });
            (format!("{dir}{common}"), matches)
        }
    }
}

/// The file a drafted description is saved to: the data file with the extension `.toml`.
pub fn draft_path(data: &str) -> PathBuf {
    PathBuf::from(data.trim()).with_extension("toml")
}

impl ImportState {
    fn cycle_source(&mut self, step: i32) {
        let all = DescriptionSource::ALL;
        let i = all.iter().position(|s| *s == self.source).unwrap_or(0) as i32;
        self.source = all[(i + step).rem_euclid(all.len() as i32) as usize];
        self.preview = None;
    }

    /// Completes the path being edited: the unique completion, or the longest common prefix of
    /// several (listed under the field).
    fn complete(&mut self) {
        let field = match self.focused() {
            ImportField::Data => &mut self.data,
            ImportField::ConfigFile => &mut self.config,
            ImportField::Description => return,
        };
        let (completed, candidates) = complete_path(field);
        *field = completed;
        self.completions = candidates;
    }

    fn edit(&mut self, c: Option<char>) {
        match self.focused() {
            ImportField::Data => edit_text(&mut self.data, c),
            ImportField::ConfigFile => edit_text(&mut self.config, c),
            ImportField::Description => {}
        }
        self.completions.clear();
    }

    fn preview(&mut self, ctx: &mut Ctx) {
        let data = self.data.trim();
        if data.is_empty() {
            ctx.say(Level::Warning, "type the data file's path first");
            return;
        }
        let description = match self.source {
            DescriptionSource::Preset(preset) => Description::Config(Box::new(preset.config())),
            DescriptionSource::ConfigFile => {
                if self.config.trim().is_empty() {
                    ctx.say(Level::Warning, "type the description file's path");
                    return;
                }
                Description::File(PathBuf::from(self.config.trim()))
            }
            DescriptionSource::Draft => Description::Draft,
        };
        let path = PathBuf::from(data);
        self.preview = None;
        self.result = None;
        self.problem_selection = Default::default();
        ctx.start(JobRequest::Preview { path, description });
    }

    fn save_draft(&mut self, ctx: &mut Ctx) {
        match (&self.source, &self.config_toml) {
            (DescriptionSource::Draft, Some(text)) => {
                ctx.commands.push(Command::WriteDescription {
                    path: draft_path(&self.data),
                    text: text.clone(),
                })
            }
            _ => ctx.say(
                Level::Info,
                "choose \"draft from the header\" and preview (p) first",
            ),
        }
    }

    fn import(&mut self, ctx: &mut Ctx) {
        match self.preview.as_mut().and_then(|p| p.staged.take()) {
            Some(staged) => ctx.start(JobRequest::Import(staged)),
            None => ctx.say(
                Level::Warning,
                "preview a valid file first (p); a file with errors cannot be imported",
            ),
        }
    }
}

impl Screen for ImportState {
    fn handle(&mut self, action: &Action, ctx: &mut Ctx) -> Option<Effect> {
        match action {
            Action::Select(movement @ (Move::PageUp | Move::PageDown)) => {
                let len = self
                    .preview
                    .as_ref()
                    .map_or(0, |p| p.report.errors.len() + p.report.warnings.len());
                self.problem_selection.apply(*movement, len);
            }
            Action::Select(movement) => {
                let mut s = Selection { index: self.field };
                s.apply(*movement, ImportField::ALL.len());
                self.field = s.index;
            }
            Action::Confirm => match self.focused() {
                ImportField::Description => self.cycle_source(1),
                _ => {
                    self.editing = !self.editing;
                    self.completions.clear();
                }
            },
            Action::Back => {
                self.editing = false;
                self.completions.clear();
            }
            Action::Input(c) if self.editing => self.edit(Some(*c)),
            Action::DeleteChar if self.editing => self.edit(None),
            Action::Complete => self.complete(),
            Action::Cycle(step) if self.focused() == ImportField::Description => {
                self.cycle_source(*step)
            }
            Action::Preview => self.preview(ctx),
            Action::SaveDraft => self.save_draft(ctx),
            Action::Execute => self.import(ctx),
            _ => {}
        }
        None
    }

    /// The form, the preview, the problems (beside the drafted description) and the key hints,
    /// top to bottom.
    fn draw(&self, frame: &mut Frame, area: Rect, view: &View, theme: Theme) {
        let form_height = 6 + u16::from(!self.completions.is_empty());
        let [form_area, preview_area, problems_area, hint] = Layout::vertical([
            Constraint::Length(form_height),
            Constraint::Percentage(45),
            Constraint::Min(5),
            Constraint::Length(1),
        ])
        .areas(area);
        draw_form(self, frame, form_area, view, theme);
        match &self.preview {
            None => frame.render_widget(
                Paragraph::new("p previews the file under the description: the columns it reads and the first rows as they will be read")
                    .block(Block::bordered().title(" preview ")),
                preview_area,
            ),
            Some(preview) => draw_preview(preview, frame, preview_area, theme),
        }
        let problems_area = draw_drafted_description(self, frame, problems_area);
        draw_problems(self, frame, problems_area, theme);
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

    fn editing_text(&self) -> bool {
        self.editing
    }

    fn on_job_message(&mut self, message: &JobMessage, ctx: &mut Ctx) {
        match message {
            JobMessage::Previewed {
                preview,
                config_toml,
            } => {
                let errors = preview.report.errors_total;
                self.result = Some(if errors > 0 {
                    (
                        Level::Error,
                        format!("{errors} error(s): fix the file or the description"),
                    )
                } else {
                    (
                        Level::Info,
                        format!(
                            "valid: {} rows, {} warning(s); press i to import",
                            preview.staged.as_ref().map_or(0, |s| s.rows),
                            preview.report.warnings_total
                        ),
                    )
                });
                self.preview = Some(preview.clone());
                self.config_toml = Some(config_toml.clone());
            }
            JobMessage::Imported(summary) => {
                self.result = Some((
                    Level::Info,
                    format!(
                        "imported {} responses from {} rows (dataset {})",
                        summary.observations_added, summary.rows, summary.dataset_id
                    ),
                ));
                *ctx.status = self.result.clone();
                self.imported = Some(summary.clone());
                ctx.start(JobRequest::Load);
            }
            JobMessage::Failed {
                kind: JobKind::Preview | JobKind::Import,
                message,
            } => self.result = Some((Level::Error, message.clone())),
            _ => {}
        }
    }

    fn on_written(&mut self, written: &Written, ctx: &mut Ctx) {
        if let Written::Description { path, .. } = written {
            ctx.say(
                Level::Info,
                format!(
                    "saved the draft to {}: edit it, then choose \"description file\"",
                    path.display()
                ),
            );
            self.config = path.display().to_string();
        }
    }
}

/// The form: the data file, the description source and file, the path completions, and the
/// outcome of the last preview or import.
fn draw_form(state: &ImportState, frame: &mut Frame, form_area: Rect, view: &View, theme: Theme) {
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
    let running = view.jobs.is_running(JobKind::Preview) || view.jobs.is_running(JobKind::Import);
    let result = if running {
        Some(Line::styled("reading and validating...", theme.warning()))
    } else {
        state
            .result
            .as_ref()
            .map(|(level, text)| Line::styled(text.clone(), level_style(*level, theme)))
    };
    lines.extend(result);
    frame.render_widget(
        Paragraph::new(lines)
            .block(Block::bordered().title(format!(" import into {} ", view.project_name))),
        form_area,
    );
}

/// The preview: the columns read with their roles (missing ones marked) and the first rows as
/// they will be read (raw→scored).
fn draw_preview(preview: &ImportPreview, frame: &mut Frame, preview_area: Rect, theme: Theme) {
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
            PreviewCell::Score { raw, score } if raw == score => Cell::from(raw.to_string()),
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
        Table::new(rows, widths)
            .header(header)
            .block(Block::bordered().title(format!(
                " preview: {} of {} columns read, first {} rows (raw→scored) ",
                preview.columns.len(),
                preview.header.len(),
                preview.rows.len()
            ))),
        preview_area,
    );
}

/// With a previewed draft, the drafted description on the right of `area`; returns what is
/// left for the problems.
fn draw_drafted_description(state: &ImportState, frame: &mut Frame, area: Rect) -> Rect {
    match (&state.source, &state.config_toml, &state.preview) {
        (DescriptionSource::Draft, Some(toml), Some(_)) => {
            let [left, right] =
                Layout::horizontal([Constraint::Percentage(55), Constraint::Percentage(45)])
                    .areas(area);
            frame.render_widget(
                Paragraph::new(toml.clone())
                    .block(Block::bordered().title(" drafted description (d saves it) ")),
                right,
            );
            left
        }
        _ => area,
    }
}

/// Every validation problem of the preview (errors first) with its row, column and value.
fn draw_problems(state: &ImportState, frame: &mut Frame, problems_area: Rect, theme: Theme) {
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
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn path_completion_completes_unique_names_and_lists_several() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("ratings.csv"), "").unwrap();
        std::fs::write(dir.path().join("raters.txt"), "").unwrap();
        std::fs::create_dir(dir.path().join("sub")).unwrap();
        let base = format!("{}/", dir.path().display());
        let (text, list) = complete_path(&format!("{base}rat"));
        assert_eq!(text, format!("{base}rat"));
        assert_eq!(list, vec!["raters.txt", "ratings.csv"]);
        let (text, list) = complete_path(&format!("{base}rati"));
        assert_eq!(text, format!("{base}ratings.csv"));
        assert!(list.is_empty());
        let (text, _) = complete_path(&format!("{base}s"));
        assert_eq!(text, format!("{base}sub/"));
    }
}
