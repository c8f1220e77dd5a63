//! `export --what facets` and `--what winsteps`: the project (observations in force, labels,
//! its model) as a Facets specification or a Winsteps control file, optionally with a run's
//! measures as anchors. The writers are [`crate::export::facets`] and
//! [`crate::export::winsteps`]; this step gathers what they need from the project.

use super::{anchors_from_run, resolve_run, run_data, ExportSettings, PipelineError};
use crate::export::facets::{anchored_values, facets_spec, write_text, RunAnchors};
use crate::export::winsteps::winsteps_control;
use crate::export::{ExportError, ExportFormat, ExportKind, ExportSummary, Provenance};
use crate::store::{now_rfc3339, Project};

/// Writes the Facets specification or Winsteps file `settings` asks for.
pub fn export_interchange(
    project: &mut Project,
    settings: &ExportSettings,
) -> Result<ExportSummary, PipelineError> {
    let model = project.measurement_model()?;
    // With anchors the run's own observations (they must still be the ones in force).
    let (data, anchors) = if settings.anchors && settings.what == ExportKind::Facets {
        let run_id = resolve_run(project, settings.run)?;
        let data = run_data(project, run_id)?;
        let anchors = anchors_from_run(project, run_id, &data)?;
        let fit = project.load_fit(run_id)?;
        let rating_scale_categories = fit
            .scales
            .iter()
            .find(|s| s.element.is_none())
            .map(|s| s.categories.iter().map(|c| c.score).collect())
            .unwrap_or_default();
        (
            data,
            Some(RunAnchors {
                run_id,
                anchors,
                rating_scale_categories,
            }),
        )
    } else {
        (project.ratings_for_fit()?.0, None)
    };
    if data.is_empty() {
        return Err(PipelineError::NoData);
    }
    let source = project.path().to_path_buf();
    let (text, columns) = match settings.what {
        ExportKind::Winsteps => {
            let fold = settings.fold.unwrap_or_default();
            let (text, persons, items) = winsteps_control(&data, model.as_ref(), fold, &source);
            (
                text,
                vec![format!("{persons} persons"), format!("{items} items")],
            )
        }
        _ => (
            facets_spec(&data, model.as_ref(), anchors.as_ref(), &source),
            data.facets.iter().map(|f| f.name.clone()).collect(),
        ),
    };
    write_text(&settings.out, &text)?;
    let run_id = match &anchors {
        Some(a) => Some(a.run_id),
        None => project.latest_run()?,
    };
    let datasets = project.datasets()?;
    let config_sha256 =
        crate::provenance::descriptions_sha256(datasets.iter().map(|d| d.config_sha256.as_str()));
    let data_sha256 = crate::provenance::data_fingerprint(&data);
    let what = crate::options::choice_name(settings.what, &crate::export::EXPORT_KIND_NAMES);
    if let Some(run_id) = run_id {
        project
            .record_export(
                run_id,
                what,
                "txt",
                &settings.out,
                data.len(),
                &config_sha256,
                &data_sha256,
            )
            .map_err(ExportError::from)?;
    }
    Ok(ExportSummary {
        path: settings.out.clone(),
        format: ExportFormat::Text,
        rows: data.len(),
        columns,
        sidecar: None,
        provenance: Provenance {
            run_id: run_id.unwrap_or(0),
            what: settings.what,
            config_sha256,
            data_sha256,
            source_sha256: datasets.iter().map(|d| d.sha256.clone()).collect(),
            scalewright_version: crate::VERSION.to_string(),
            created_at: now_rfc3339(),
            rescale: None,
            recode: None,
            plausible_values: None,
            anchors: anchored_values(anchors.as_ref()),
        },
    })
}
