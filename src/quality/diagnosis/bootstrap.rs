//! The parametric bootstrap of one rater: its null distribution on its own design.
//!
//! Each replicate redraws the rater's responses from the run's model (the same records and
//! items, each object at its regressed measure `B°`, see `Record::shrinkage`), then re-estimates what the run would have re-estimated, by one Newton step from the
//! run's values (Wright & Masters 1982, ch. 5: `Δ = Σ (x − E) / Σ W`):
//!
//! - each record's object measure, from the rater's new residual sum plus the other raters'
//!   share of the object's score, drawn as `N(0, V_n)` with `V_n` the other raters' observed
//!   residual variance (`Record::others_variance`: `I_n − I_nj` under the model, more when the
//!   other raters answer worse than the model): `δ_n = (r*_nj + ε_n) / I_n`, at most
//!   [`MAX_SHIFT`] logits;
//! - the rater's term, from its residual sum at the shifted objects:
//!   `Δt = (Σ (x* − E) − Σ_n W_nj δ_n) / I_j`, at most [`MAX_SHIFT`].
//!
//! The statistics of the replicate are then computed exactly as the observed ones, so the
//! estimation's pull towards the rater's own answers is in the null too.

use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use rand_distr::StandardNormal;

use super::design::{Design, RaterDesign};
use super::statistics::{evaluate, Draw, Welford, SCALAR_STATISTICS};
use super::DiagnosisSettings;
use crate::measure::model::{category_probabilities, draw_category};

/// Largest one-step re-estimate (logits) in a replicate: extreme objects have little
/// information, and a Newton step there overshoots.
pub(super) const MAX_SHIFT: f64 = 2.0;

/// The null moments of every statistic of one rater.
#[derive(Debug, Clone)]
pub(super) struct Null {
    /// In [`SCALAR_STATISTICS`] order.
    pub scalars: [Welford; SCALAR_STATISTICS.len()],
    /// Per item slope of the rater, in item order.
    pub items: Vec<Welford>,
}

/// The rater's own random stream: the same diagnosis whatever the thread schedule.
fn rater_stream(seed: u64, element: u32) -> ChaCha8Rng {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    rng.set_stream(u64::from(element));
    rng
}

/// Runs `settings.replicates` replicates of `rater` and collects the statistics' moments.
pub(super) fn null_distribution(
    design: &Design,
    rater: &RaterDesign,
    settings: &DiagnosisSettings,
) -> Null {
    let mut rng = rater_stream(settings.seed, rater.element);
    let mut null = Null {
        scalars: [Welford::default(); SCALAR_STATISTICS.len()],
        items: Vec::new(),
    };
    for _ in 0..settings.replicates {
        let draw = replicate(design, rater, &mut rng);
        let values = evaluate(design, rater, &draw);
        for (moments, value) in null.scalars.iter_mut().zip(values.oriented()) {
            moments.add(value);
        }
        let items = values.oriented_items();
        if null.items.len() < items.len() {
            null.items.resize(items.len(), Welford::default());
        }
        for (moments, value) in null.items.iter_mut().zip(items) {
            moments.add(value);
        }
    }
    null
}

/// One replicate: responses drawn from the run's model and the one-step re-estimates.
fn replicate<R: Rng>(design: &Design, rater: &RaterDesign, rng: &mut R) -> Draw {
    let mut probabilities = vec![0.0; design.max_categories];
    let mut categories = Vec::with_capacity(rater.responses.len());
    let mut record_residual = vec![0.0; rater.records.len()];
    let mut total_residual = 0.0;
    for response in &rater.responses {
        let scale = &design.scales[response.scale as usize];
        let p = &mut probabilities[..scale.cumulative.len()];
        let shrinkage = rater.records[response.record as usize].shrinkage;
        category_probabilities(response.rest + shrinkage + rater.term, &scale.thresholds, p);
        let x = draw_category(p, rng.random());
        let expected: f64 = p.iter().enumerate().map(|(k, pk)| k as f64 * pk).sum();
        record_residual[response.record as usize] += f64::from(x) - expected;
        total_residual += f64::from(x) - expected;
        categories.push(x);
    }
    let mut shifted_information = 0.0;
    let record_shift: Vec<f64> = rater
        .records
        .iter()
        .zip(&record_residual)
        .map(|(record, &residual)| {
            if record.information <= 0.0 {
                return 0.0;
            }
            let noise: f64 = rng.sample(StandardNormal);
            let shift = ((residual + noise * record.others_variance.sqrt()) / record.information)
                .clamp(-MAX_SHIFT, MAX_SHIFT);
            shifted_information += record.own_information * shift;
            record.shrinkage + shift
        })
        .collect();
    let term_step = if rater.information > 0.0 {
        ((total_residual - shifted_information) / rater.information).clamp(-MAX_SHIFT, MAX_SHIFT)
    } else {
        0.0
    };
    Draw {
        categories,
        record_shift,
        term: rater.term + term_step,
    }
}
