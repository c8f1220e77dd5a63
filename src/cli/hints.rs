//! The command line's own wording for library errors: the flag or command that fixes one. The
//! library's messages speak of the thing ("a joined export needs the original data file"); the
//! command line adds how to say it here ("--join FILE"), as the workbench adds its own keys.

use scalewright::batch::BatchError;
use scalewright::export::ExportError;
use scalewright::ingest::facets::SpecRemedy;
use scalewright::ingest::IngestError;
use scalewright::pipeline::step::StepError;
use scalewright::pipeline::{MissingStep, PipelineError, PlotError};
use scalewright::predict::PredictError;
use scalewright::store::StoreError;
use std::error::Error;
use std::path::Path;

/// `message` with the command line's hints for `error` and its causes, each in parentheses.
pub fn with_hints(message: String, error: &anyhow::Error) -> String {
    let mut hints: Vec<String> = Vec::new();
    for cause in error.chain() {
        if let Some(hint) = hint(cause) {
            if !hints.contains(&hint) && !message.contains(&hint) {
                hints.push(hint);
            }
        }
    }
    hints
        .iter()
        .fold(message, |line, hint| format!("{line} ({hint})"))
}

/// The hint for one library error, looking through the errors that wrap others transparently.
fn hint(error: &(dyn Error + 'static)) -> Option<String> {
    if let Some(e) = error.downcast_ref::<BatchError>() {
        return match e {
            BatchError::Step(e) => hint(e),
            BatchError::Store(e) => hint(e),
            _ => None,
        };
    }
    if let Some(e) = error.downcast_ref::<StepError>() {
        return match e {
            StepError::Pipeline(e) => hint(e),
            StepError::Export(e) => hint(e),
            StepError::NoModel { .. } => Some("run `scalewright train`".into()),
            StepError::Ingest(e) => hint(e),
            StepError::Store(e) => hint(e),
            StepError::Predict(e) => hint(e),
            _ => None,
        };
    }
    if let Some(e) = error.downcast_ref::<PipelineError>() {
        return match e {
            PipelineError::Disconnected(_) => Some("--allow-disconnected".into()),
            PipelineError::NoRuns { .. } => Some("run `scalewright fit`".into()),
            PipelineError::Store(e) => hint(e),
            PipelineError::Export(e) => hint(e),
            PipelineError::Plot(e) => hint(e),
            _ => None,
        };
    }
    if let Some(e) = error.downcast_ref::<ExportError>() {
        return match e {
            ExportError::NoJoinSource => Some("--join FILE".into()),
            ExportError::PlausibleValuesNeedMml { .. } => Some("fit with --method mml".into()),
            ExportError::Store(e) => hint(e),
            _ => None,
        };
    }
    if let Some(e) = error.downcast_ref::<IngestError>() {
        return match e {
            IngestError::UnknownObjectFacet { .. } => Some("--object".into()),
            IngestError::Facets(spec) => match spec.remedy {
                Some(SpecRemedy::RecodePerRun) => Some("fit --recode".into()),
                Some(SpecRemedy::NameObjectFacet) => Some("--object".into()),
                None => None,
            },
            _ => None,
        };
    }
    if let Some(e) = error.downcast_ref::<StoreError>() {
        return match e {
            StoreError::Missing { .. } => Some("create it with `scalewright ingest`".into()),
            StoreError::NotAProject { .. } => {
                Some("create projects with `scalewright ingest`".into())
            }
            StoreError::RunKeptAside {
                path, side_file, ..
            } => Some(format!(
                "store it with `scalewright import-run {} --project {}`",
                side_file.display(),
                project_arg(path)
            )),
            StoreError::ReviewerTaken { .. } => Some("--reviewer".into()),
            _ => None,
        };
    }
    if let Some(e) = error.downcast_ref::<PredictError>() {
        return match e {
            PredictError::NoRun => Some("run `scalewright fit` first".into()),
            PredictError::Store(e) => hint(e),
            _ => None,
        };
    }
    if let Some(PlotError::MissingPrerequisite {
        run_id,
        step: Some(step),
        ..
    }) = error.downcast_ref::<PlotError>()
    {
        return Some(match step {
            MissingStep::Bias { project } => format!(
                "scalewright bias --project {} --run {run_id} --between rater,item",
                project_arg(project)
            ),
            MissingStep::Train { project } => format!(
                "scalewright train --project {} --run {run_id}",
                project_arg(project)
            ),
            MissingStep::NameFacet => "--facet".into(),
        });
    }
    None
}

/// A project path as a shell argument (quoted when it holds white space).
fn project_arg(project: &Path) -> String {
    let path = project.display().to_string();
    if path.contains(char::is_whitespace) {
        format!("'{path}'")
    } else {
        path
    }
}
