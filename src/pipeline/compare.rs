//! Two runs side by side.

use super::pearson_of_pairs;
use super::PipelineError;
use crate::data::FacetRole;
use crate::measure::{ElementStatus, Fit};
use crate::store::Project;
use serde::Serialize;

/// Two runs side by side: how far the object measures moved between them.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RunComparison {
    /// The first run.
    pub first: i64,
    /// The second run.
    pub second: i64,
    /// Objects measured (not dropped) in both runs.
    pub objects_compared: usize,
    /// Pearson r of those objects' measures.
    pub measure_correlation: Option<f64>,
    /// Largest |difference| of an object measure between the runs.
    pub largest_shift: Option<f64>,
    /// Per run: object separation and reliability (model error, population SD).
    pub object_separation: [f64; 2],
    /// Per run: object reliability (model error, population SD).
    pub object_reliability: [f64; 2],
    /// Per run: iterations.
    pub iterations: [usize; 2],
    /// Per run: converged.
    pub converged: [bool; 2],
}

/// Compares the object measures of two stored runs of a project (they must share the object
/// facet, which every run of one project does).
pub fn compare_runs(
    project: &Project,
    first: i64,
    second: i64,
) -> Result<RunComparison, PipelineError> {
    let fits = [project.load_fit(first)?, project.load_fit(second)?];
    let objects = |fit: &Fit| {
        fit.facets
            .iter()
            .position(|f| f.role == FacetRole::Object)
            .unwrap_or(0)
    };
    let [a, b] = [
        &fits[0].facets[objects(&fits[0])],
        &fits[1].facets[objects(&fits[1])],
    ];
    let pairs: Vec<(f64, f64)> = a
        .elements
        .iter()
        .zip(&b.elements)
        .filter(|(x, y)| x.status != ElementStatus::Dropped && y.status != ElementStatus::Dropped)
        .map(|(x, y)| (x.measure, y.measure))
        .collect();
    let largest_shift = pairs
        .iter()
        .map(|(x, y)| (x - y).abs())
        .fold(None, |m: Option<f64>, d| Some(m.map_or(d, |m| m.max(d))));
    Ok(RunComparison {
        first,
        second,
        objects_compared: pairs.len(),
        measure_correlation: pearson_of_pairs(&pairs),
        largest_shift,
        object_separation: [
            a.summary.model_population.separation,
            b.summary.model_population.separation,
        ],
        object_reliability: [
            a.summary.model_population.reliability,
            b.summary.model_population.reliability,
        ],
        iterations: [fits[0].iterations(), fits[1].iterations()],
        converged: [fits[0].converged, fits[1].converged],
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::Preset;
    use crate::ingest::{stage, IngestOptions};
    use crate::measure::{NoObserver, ScaleModel};
    use crate::pipeline::{fit_project, FitRequest};

    #[test]
    fn comparing_runs_reports_how_far_the_object_measures_moved() {
        let dir = tempfile::tempdir().unwrap();
        let data = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("tests/fixtures/mhs_sample_99rows.csv");
        let staged = stage(&data, &Preset::Mhs.config(), &IngestOptions::default()).unwrap();
        let mut project = Project::create_or_open(&dir.path().join("p.db")).unwrap();
        project.import(&staged).unwrap();
        // The 99 real rows: one annotator per comment, so the network is disconnected.
        let request = FitRequest {
            allow_disconnected: true,
            ..Default::default()
        };
        let pcm = fit_project(&mut project, &request, &mut NoObserver).unwrap();
        let mut rsm_request = request.clone();
        rsm_request.options.scale_model = ScaleModel::RatingScale;
        let rsm = fit_project(&mut project, &rsm_request, &mut NoObserver).unwrap();

        let same = compare_runs(&project, pcm.run_id, pcm.run_id).unwrap();
        assert_eq!(same.largest_shift, Some(0.0));
        assert!((same.measure_correlation.unwrap() - 1.0).abs() < 1e-12);

        let c = compare_runs(&project, pcm.run_id, rsm.run_id).unwrap();
        let objects = |f: &Fit| {
            f.facets[0]
                .elements
                .iter()
                .map(|e| (e.status, e.measure))
                .collect::<Vec<_>>()
        };
        let (a, b) = (objects(&pcm.fit), objects(&rsm.fit));
        let pairs: Vec<(f64, f64)> = a
            .iter()
            .zip(&b)
            .filter(|(x, y)| x.0 != ElementStatus::Dropped && y.0 != ElementStatus::Dropped)
            .map(|(x, y)| (x.1, y.1))
            .collect();
        assert_eq!(c.objects_compared, pairs.len());
        // The runs are read back from the project (JSON): equal to the last bits or so.
        let r = pearson_of_pairs(&pairs).unwrap();
        assert!((c.measure_correlation.unwrap() - r).abs() < 1e-12);
        assert!(r < 1.0);
        let shift = pairs.iter().map(|(x, y)| (x - y).abs()).fold(0.0, f64::max);
        assert!((c.largest_shift.unwrap() - shift).abs() < 1e-12);
        assert!(shift > 0.0);
        assert_eq!(c.iterations, [pcm.fit.iterations(), rsm.fit.iterations()]);
        assert!(
            (c.object_reliability[1] - rsm.fit.facets[0].summary.model_population.reliability)
                .abs()
                < 1e-12
        );
    }
}
