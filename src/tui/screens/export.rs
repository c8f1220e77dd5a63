//! Export: what to write and where, with the command line's options (MHS column names,
//! rescaling, joining onto the original rows).

use crate::export::{ExportKind, Rescale, EXPORT_KIND_NAMES};
use crate::measure::plausible::{PlausibleDraws, PlausibleDrawsError};
use crate::options::OptionError;
use crate::pipeline::ExportSettings;
use crate::tui::action::Action;
use crate::tui::jobs::{JobKind, JobMessage, JobRequest};
use crate::tui::loaded::Loaded;
use crate::tui::screen::{Ctx, Effect, Screen, View};
use crate::tui::state::{edit_text, Level, Selection};
use crate::tui::theme::Theme;
use crate::tui::widgets::{form_field, hints, labelled, level_style};
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::Line;
use ratatui::widgets::{Block, Paragraph, Wrap};
use ratatui::Frame;
use std::path::PathBuf;

/// The Export form's fields.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ExportField {
    /// What to export.
    What,
    /// The output file.
    Out,
    /// MHS column names.
    MhsColumns,
    /// Rescaling `A,B`.
    Rescale,
    /// The original data file to join onto.
    Join,
    /// Plausible values per object (MML runs).
    PlausibleValues,
    /// The HTML report's file (written with `h`).
    Report,
}

impl ExportField {
    /// The fields, in the form's order.
    pub const ALL: [ExportField; 7] = [
        ExportField::What,
        ExportField::Out,
        ExportField::MhsColumns,
        ExportField::Rescale,
        ExportField::Join,
        ExportField::PlausibleValues,
        ExportField::Report,
    ];

    /// Whether the field is typed (rather than chosen).
    pub fn is_text(self) -> bool {
        matches!(
            self,
            ExportField::Out
                | ExportField::Rescale
                | ExportField::Join
                | ExportField::PlausibleValues
                | ExportField::Report
        )
    }
}

/// The Export screen.
#[derive(Debug, Clone, PartialEq)]
pub struct ExportState {
    /// What to export.
    pub what: ExportKind,
    /// The output file.
    pub out: String,
    /// Whether to use MHS column names.
    pub mhs_columns: bool,
    /// `A,B` for `A + B x measure`, or empty.
    pub rescale: String,
    /// The original data file for a joined export, or empty.
    pub join: String,
    /// Plausible values per object (objects of an MML run), or empty for none.
    pub plausible_values: String,
    /// The HTML report's file.
    pub report: String,
    /// The focused field (index into `ExportField::ALL`).
    pub field: usize,
    /// Whether a text field is being typed.
    pub editing: bool,
    /// The last export's outcome, in words.
    pub result: Option<(Level, String)>,
    /// The report part being gathered, while a report is written.
    pub report_part: Option<String>,
}

impl Default for ExportState {
    fn default() -> Self {
        ExportState {
            what: ExportKind::Objects,
            out: "targets.csv".into(),
            mhs_columns: false,
            rescale: String::new(),
            join: String::new(),
            plausible_values: String::new(),
            report: "report.html".into(),
            field: 0,
            editing: false,
            result: None,
            report_part: None,
        }
    }
}

impl ExportState {
    /// The field the cursor is on.
    pub fn focused(&self) -> ExportField {
        ExportField::ALL[self.field.min(ExportField::ALL.len() - 1)]
    }
}

/// The rescaling typed in the form: empty for none, else `INTERCEPT,SLOPE` parsed by the
/// library (the same message as `export --rescale` and a pipeline's `rescale`).
pub fn parse_rescale(text: &str) -> Result<Option<Rescale>, String> {
    match text.trim() {
        "" => Ok(None),
        text => text
            .parse()
            .map(Some)
            .map_err(|e: OptionError| e.to_string()),
    }
}

/// The number of plausible values typed in the form: empty for none, else the library's count.
pub fn parse_plausible_values(text: &str) -> Result<Option<PlausibleDraws>, String> {
    match text.trim() {
        "" => Ok(None),
        text => text
            .parse()
            .map(Some)
            .map_err(|e: PlausibleDrawsError| e.to_string()),
    }
}

/// The report the form asks for: the newest run in `loaded` to the report field's file.
pub fn report_request(state: &ExportState, loaded: Option<&Loaded>) -> Result<JobRequest, String> {
    let run = loaded
        .and_then(|l| l.run.as_ref())
        .map(|r| r.record.id)
        .ok_or("no run to report: fit first (Runs, 6)")?;
    match state.report.trim() {
        "" => Err("give the report's file (report .html)".into()),
        path => Ok(JobRequest::Report {
            run,
            path: PathBuf::from(path),
        }),
    }
}

/// The export the form describes (of the newest run in `loaded`), or what is missing.
pub fn export_request(
    state: &ExportState,
    loaded: Option<&Loaded>,
) -> Result<ExportSettings, String> {
    let run_id = loaded
        .and_then(|l| l.run.as_ref())
        .map(|r| r.record.id)
        .ok_or("no run to export: fit first (Runs, 6)")?;
    let out = state.out.trim();
    if out.is_empty() {
        return Err("give the output file".into());
    }
    let rescale = parse_rescale(&state.rescale)?;
    let join = state.join.trim();
    if state.what == ExportKind::Joined && join.is_empty() {
        return Err("a joined export needs the original data file (Join)".into());
    }
    Ok(ExportSettings {
        what: state.what,
        out: PathBuf::from(out),
        run: Some(run_id),
        rescale,
        mhs_columns: state.mhs_columns,
        join: (!join.is_empty()).then(|| PathBuf::from(join)),
        plausible_values: parse_plausible_values(&state.plausible_values)?,
        plausible_seed: None,
        anchors: false,
        fold: None,
    })
}

impl ExportState {
    fn cycle_kind(&mut self, step: i32) {
        let kinds = EXPORT_KIND_NAMES.map(|(_, kind)| kind);
        let i = kinds.iter().position(|k| *k == self.what).unwrap_or(0) as i32;
        self.what = kinds[(i + step).rem_euclid(kinds.len() as i32) as usize];
    }

    fn edit(&mut self, c: Option<char>) {
        match self.focused() {
            ExportField::Out => edit_text(&mut self.out, c),
            ExportField::Rescale => edit_text(&mut self.rescale, c),
            ExportField::Join => edit_text(&mut self.join, c),
            ExportField::PlausibleValues => edit_text(&mut self.plausible_values, c),
            ExportField::Report => edit_text(&mut self.report, c),
            _ => {}
        }
    }
}

impl Screen for ExportState {
    fn handle(&mut self, action: &Action, ctx: &mut Ctx) -> Option<Effect> {
        match action {
            Action::Select(movement) => {
                let mut s = Selection { index: self.field };
                s.apply(*movement, ExportField::ALL.len());
                self.field = s.index;
            }
            Action::Confirm => match self.focused() {
                field if field.is_text() => self.editing = !self.editing,
                ExportField::What => self.cycle_kind(1),
                ExportField::MhsColumns => self.mhs_columns = !self.mhs_columns,
                _ => {}
            },
            Action::Back => self.editing = false,
            Action::Input(c) if self.editing => self.edit(Some(*c)),
            Action::DeleteChar if self.editing => self.edit(None),
            Action::Cycle(step) => match self.focused() {
                ExportField::What => self.cycle_kind(*step),
                ExportField::MhsColumns => self.mhs_columns = !self.mhs_columns,
                _ => {}
            },
            Action::Execute => match export_request(self, ctx.loaded()) {
                Ok(request) => {
                    self.result = None;
                    ctx.start(JobRequest::Export(request));
                }
                Err(message) => self.result = Some((Level::Error, message)),
            },
            Action::WriteReport if !ctx.jobs.is_running(JobKind::Report) => {
                match report_request(self, ctx.loaded()) {
                    Ok(request) => {
                        self.result = None;
                        self.report_part = None;
                        ctx.start(request);
                    }
                    Err(message) => self.result = Some((Level::Error, message)),
                }
            }
            Action::Cancel if ctx.jobs.is_running(JobKind::Report) => ctx.cancel(JobKind::Report),
            _ => {}
        }
        None
    }

    fn draw(&self, frame: &mut Frame, area: Rect, view: &View, theme: Theme) {
        draw_screen(self, frame, area, view, theme);
    }

    fn editing_text(&self) -> bool {
        self.editing
    }

    fn on_job_message(&mut self, message: &JobMessage, ctx: &mut Ctx) {
        match message {
            JobMessage::Exported(summary) => {
                self.result = Some((
                    Level::Info,
                    format!(
                        "wrote {} rows, {} columns to {}",
                        summary.rows,
                        summary.columns.len(),
                        summary.path.display()
                    ),
                ));
                *ctx.status = self.result.clone();
            }
            JobMessage::ReportPart(part) => {
                self.report_part = Some(format!("{} ({}/{})", part.part, part.done, part.total));
            }
            JobMessage::Reported(summary) => {
                self.report_part = None;
                self.result = Some((
                    Level::Info,
                    format!(
                        "wrote the report of run {} to {} ({:.1} MB, {} figure(s){})",
                        summary.run_id,
                        summary.path.display(),
                        summary.bytes as f64 / 1e6,
                        summary.figures.len(),
                        if summary.figures_missing.is_empty() {
                            String::new()
                        } else {
                            format!("; not drawn: {}", summary.figures_missing.join("; "))
                        }
                    ),
                ));
                *ctx.status = self.result.clone();
            }
            JobMessage::Cancelled(JobKind::Report) => {
                self.report_part = None;
                self.result = Some((Level::Warning, "report cancelled; nothing written".into()));
            }
            JobMessage::Failed {
                kind: JobKind::Export | JobKind::Report,
                message,
            } => {
                self.report_part = None;
                self.result = Some((Level::Error, message.clone()));
            }
            _ => {}
        }
    }
}

fn draw_screen(state: &ExportState, frame: &mut Frame, area: Rect, view: &View, theme: Theme) {
    let [form_area, result_area, hint] = Layout::vertical([
        Constraint::Length(10),
        Constraint::Min(0),
        Constraint::Length(1),
    ])
    .areas(area);
    let run =
        view.loaded
            .and_then(|l| l.run.as_ref())
            .map_or("none (fit first)".to_string(), |r| {
                format!(
                    "{}{}",
                    r.record.id,
                    if r.stale {
                        " (decisions changed since)"
                    } else {
                        ""
                    }
                )
            });
    let value = |field: ExportField| -> String {
        match field {
            ExportField::What => match state.what {
                ExportKind::Objects => "objects (measures, S.E., fit per comment)",
                ExportKind::Raters => "raters (severity, fit, flags, decision)",
                ExportKind::Items => "items (difficulty, thresholds)",
                ExportKind::Joined => "joined onto the original rows",
                ExportKind::Facets => "Facets specification with the data inline",
                ExportKind::Winsteps => "Winsteps control and data file",
            }
            .into(),
            ExportField::Out => state.out.clone(),
            ExportField::MhsColumns => if state.mhs_columns { "yes" } else { "no" }.into(),
            ExportField::Rescale => state.rescale.clone(),
            ExportField::Join => state.join.clone(),
            ExportField::PlausibleValues => state.plausible_values.clone(),
            ExportField::Report => state.report.clone(),
        }
    };
    let name = |field: ExportField| match field {
        ExportField::What => "what",
        ExportField::Out => "file (.csv .parquet .json)",
        ExportField::MhsColumns => "MHS column names",
        ExportField::Rescale => "rescale A,B (A + B x)",
        ExportField::Join => "join (original data)",
        ExportField::PlausibleValues => "plausible values (MML)",
        ExportField::Report => "report (.html, key h)",
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
    if view.jobs.is_running(JobKind::Export) {
        result.push(Line::styled("writing...", theme.warning()));
    }
    if view.jobs.is_running(JobKind::Report) {
        result.push(Line::styled(
            format!(
                "writing the report: {} (c: cancel)",
                state.report_part.as_deref().unwrap_or("starting")
            ),
            theme.warning(),
        ));
    }
    if let Some((level, text)) = &state.result {
        result.push(Line::styled(text.clone(), level_style(*level, theme)));
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
                ("h", "HTML report"),
            ],
            theme,
        ),
        hint,
    );
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plausible_values_are_a_whole_number_of_draws() {
        assert_eq!(parse_plausible_values(" "), Ok(None));
        assert_eq!(parse_plausible_values(" 5 "), Ok(PlausibleDraws::new(5)));
        for bad in ["0", "-1", "2.5", "five"] {
            let error = parse_plausible_values(bad).unwrap_err();
            assert!(error.contains(&format!("got `{bad}`")), "{error}");
        }
    }

    #[test]
    fn rescaling_takes_two_finite_numbers() {
        assert_eq!(parse_rescale("  "), Ok(None));
        let rescale = parse_rescale(" 50, 10 ").unwrap().unwrap();
        assert_eq!((rescale.intercept, rescale.slope), (50.0, 10.0));
        for bad in ["50", "50,10,1", "a,10", "inf,10", "50,NaN", "50,0"] {
            let error = parse_rescale(bad).unwrap_err();
            assert_eq!(error, bad.parse::<Rescale>().unwrap_err().to_string());
            assert!(error.contains(bad.trim()), "{bad}: {error}");
        }
    }

    #[test]
    fn an_export_needs_a_fitted_run() {
        let state = ExportState::default();
        assert_eq!(
            export_request(&state, None).unwrap_err(),
            "no run to export: fit first (Runs, 6)"
        );
    }
}
