//! Design planning (a decision study): how precisely would objects be measured with `R` raters
//! each, drawn from the raters a run measured, on all the run's items?
//!
//! # The information-based forecast ([`plan_design`])
//!
//! An object of measure `B` rated by rater `j` (severity `C_j`) on item `i` (difficulty `D_i`,
//! thresholds `F_i`) contributes the model variance `W(B − C_j − D_i − c̄; F_i)` of its score
//! (Wright & Masters 1982, eq. 5.4.2; `c̄` the sum of the mean measures of any further facets)
//! to the object's information; with `R` raters on every item the object's standard error is
//!
//! ```text
//! S.E. = 1 / √I,   I = Σ_{r=1..R} f(B − C_{j_r}),   f(x) = Σ_i W(x − D_i − c̄; F_i).
//! ```
//!
//! The raters are drawn independently (with replacement) from the run's measured raters, so `I`
//! is a sum of `R` independent draws of `f(B − C)` with mean `m(B)` and variance `v(B)` over the
//! rater population, and the expected error variance is taken to second order (the delta
//! method, deterministic: no random draws):
//!
//! ```text
//! E[S.E.²] = E[1/I] ≈ 1/(R m) · (1 + v / (R m²)).
//! ```
//!
//! The Table 7 summary the forecast is compared with covers non-extreme objects only, and an
//! object all of whose `R × L` responses fall in the bottom (top) category is extreme. Its
//! probability under the design is `z(B)^R` (`a(B)^R`), `z(B) = mean_j Π_i P_0(B − C_j − D_i −
//! c̄)` (`a` with the top category), so each object carries the weight
//! `w(B) = 1 − z^R − a^R`, and
//!
//! ```text
//! RMSE² = Σ w E[S.E.²] / Σ w,      true SD² = Σ w (B − B̄_w)² / Σ w,
//! G = true SD / RMSE,              reliability = G² / (1 + G²),
//! ```
//!
//! computed through [`Separation::new`] with observed SD² = true SD² + RMSE².
//!
//! **The object distribution** is the run's: the measures of its objects (extreme ones at their
//! extreme-score estimates, dropped ones left out) shrunk about their mean to the run's true
//! spread, `B* = B̄ + (B − B̄) · T / SD(B)`. Estimated measures spread wider than the true ones
//! by their error (observed SD² = true SD² + RMSE²), so their own SD would overstate the
//! population; `T` is Table 7's "Adj (True) S.D." `√(SD² − RMSE²)` of the non-extreme objects for
//! JMLE and the population SD `σ` for MML (where the EAPs are shrunk instead, and the same
//! rescaling widens them to `σ`). The rater population is the run's measured and anchored raters
//! (extreme and dropped ones left out) of the first rater facet; items are the run's items with a
//! scale (measured, anchored or extreme), each on its own scale under partial credit or the
//! shared one under a rating scale.
//!
//! For speed the measures are binned to 0.01 logits (far below any standard error): `f`, `ln z`
//! and `ln a` are tabulated once on the grid of `B − C`, and each (object bin, rater bin) pair is
//! a table look-up, so a run at MHS size (40,000 objects, 8,000 raters) is planned in a fraction
//! of a second and every `R` reuses the same per-object moments.
//!
//! # Simulated refits ([`simulate_designs`])
//!
//! With `replications = N`, each design is also checked by simulation: `N` data sets are drawn
//! from the run's estimates (objects at `B*`, each rated by `R` distinct raters drawn from the
//! measured raters, on every item, from the many-facet model through
//! [`category_probabilities`]), each refitted by JMLE with the run's options (anchors and
//! non-centring aside: the simulated design has its own elements, and the object facet floats),
//! and the observed object separation and reliability of the fits (Table 7, model error,
//! population SD) are averaged.

use crate::data::{Facet, FacetRole, ItemScale, RatingData};
use crate::measure::model::{category_probabilities, score_moments};
use crate::measure::statistics::Separation;
use crate::measure::{self, ElementStatus, Fit, FitOptions, Method, NoObserver, ScaleModel};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use serde::Serialize;
use std::collections::BTreeMap;

/// Bin width of the measures, in logits.
pub const BIN: f64 = 0.01;
/// The largest number of raters per object [`plan_design`] searches for the target.
pub const MAX_RATERS_SEARCHED: usize = 1000;

/// Why a design cannot be planned from a run.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum PlanError {
    /// The run has no rater facet.
    #[error("the run has no rater facet: nothing to plan raters for")]
    NoRaterFacet,
    /// No object, rater or item has a measure to plan from.
    #[error("the run has no {0} with a measure to plan from")]
    Empty(&'static str),
    /// Scales owned by another facet than the items (partial credit by rater).
    #[error("the run's scales belong to facet `{0}`; planning needs one scale per item or a shared rating scale")]
    ScaleFacet(String),
    /// No number of raters per object, or one of 0.
    #[error("raters per object must be at least 1 (give one or more numbers)")]
    NoRaters,
    /// A target reliability outside (0, 1).
    #[error("the target reliability must lie strictly between 0 and 1, got {0}")]
    Target(f64),
    /// More distinct raters per object than the run has (simulation).
    #[error(
        "{wanted} distinct raters per object were asked for but the run measured only {raters}"
    )]
    TooFewRaters {
        /// Raters per object asked for.
        wanted: usize,
        /// Raters measured.
        raters: usize,
    },
    /// The simulation handles object, rater and item facets only.
    #[error("simulated refits need a design of one object, one rater and one item facet; the run has {0} facets")]
    SimulatedFacets(usize),
    /// A refit failed.
    #[error("refitting a simulated design: {0}")]
    Refit(String),
}

/// The forecast for one design.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct DesignForecast {
    /// Raters per object `R`.
    pub raters_per_object: usize,
    /// Expected root mean-square standard error of the non-extreme objects.
    pub rmse: f64,
    /// Expected true SD of the non-extreme objects.
    pub true_sd: f64,
    /// `G = true SD / RMSE`.
    pub separation: f64,
    /// `G² / (1 + G²)`.
    pub reliability: f64,
    /// `(4G + 1) / 3` statistically distinct levels.
    pub strata: f64,
    /// Expected share of objects without an extreme score.
    pub non_extreme_share: f64,
}

/// A design checked by simulated refits.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct SimulatedDesign {
    /// Raters per object `R`.
    pub raters_per_object: usize,
    /// Data sets simulated and refitted.
    pub replications: usize,
    /// Mean observed object separation of the refits.
    pub separation: f64,
    /// Mean observed object reliability of the refits.
    pub reliability: f64,
    /// Mean object RMSE of the refits.
    pub rmse: f64,
    /// SD of the separation over the replications (0 for one).
    pub separation_sd: f64,
}

/// A design plan from a run.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct DesignPlan {
    /// Objects in the distribution (not dropped).
    pub objects: usize,
    /// Raters in the population (measured or anchored).
    pub raters: usize,
    /// Items rated by every rater.
    pub items: usize,
    /// The run's true object SD `T` the distribution is scaled to.
    pub true_sd: f64,
    /// Mean object measure.
    pub mean_measure: f64,
    /// The forecast per number of raters asked for.
    pub designs: Vec<DesignForecast>,
    /// The target reliability, if given.
    pub target_reliability: Option<f64>,
    /// The smallest `R` (up to [`MAX_RATERS_SEARCHED`]) whose forecast reaches the target.
    pub needed_for_target: Option<usize>,
    /// The forecast at `needed_for_target`.
    pub target_design: Option<DesignForecast>,
    /// Simulated refits per design (empty unless asked for).
    pub simulated: Vec<SimulatedDesign>,
}

/// One item as the forecast needs it.
#[derive(Debug, Clone)]
struct PlanItem {
    /// Index of the item in its facet.
    element: usize,
    /// `D_i + c̄`.
    location: f64,
    /// `F_i`.
    thresholds: Vec<f64>,
    /// Raw scores of the categories.
    scores: Vec<i32>,
}

/// What the forecast and the simulation take from a run.
#[derive(Debug, Clone)]
struct Population {
    /// `B*` per object (not dropped), with the object's index.
    objects: Vec<(usize, f64)>,
    /// Severities of the measured raters, with their indices.
    raters: Vec<(usize, f64)>,
    items: Vec<PlanItem>,
    true_sd: f64,
    mean: f64,
}

fn population(fit: &Fit) -> Result<Population, PlanError> {
    let object_facet = fit
        .facets
        .iter()
        .position(|f| f.role == FacetRole::Object)
        .ok_or(PlanError::Empty("object"))?;
    let rater_facet = fit
        .facets
        .iter()
        .position(|f| f.role == FacetRole::Rater)
        .ok_or(PlanError::NoRaterFacet)?;
    let item_facet = fit
        .facets
        .iter()
        .position(|f| f.role == FacetRole::Item)
        .ok_or(PlanError::Empty("item"))?;
    if let Some(f) = fit.scale_facet {
        if f != item_facet {
            return Err(PlanError::ScaleFacet(fit.facets[f].name.clone()));
        }
    }
    let active = |s: ElementStatus| matches!(s, ElementStatus::Measured | ElementStatus::Anchored);
    // Further facets at their mean measure (oriented as they enter η: subtracted).
    let others: f64 = fit
        .facets
        .iter()
        .enumerate()
        .filter(|(f, _)| ![object_facet, rater_facet, item_facet].contains(f))
        .map(|(_, facet)| {
            let m: Vec<f64> = facet
                .elements
                .iter()
                .filter(|e| active(e.status))
                .map(|e| e.measure)
                .collect();
            if m.is_empty() {
                0.0
            } else {
                m.iter().sum::<f64>() / m.len() as f64
            }
        })
        .sum();
    let objects_raw: Vec<(usize, f64)> = fit.facets[object_facet]
        .elements
        .iter()
        .enumerate()
        .filter(|(_, e)| e.status != ElementStatus::Dropped)
        .map(|(i, e)| (i, e.measure))
        .collect();
    if objects_raw.is_empty() {
        return Err(PlanError::Empty("object"));
    }
    let raters: Vec<(usize, f64)> = fit.facets[rater_facet]
        .elements
        .iter()
        .enumerate()
        .filter(|(_, e)| active(e.status))
        .map(|(i, e)| (i, e.measure))
        .collect();
    if raters.is_empty() {
        return Err(PlanError::Empty("rater"));
    }
    let mut items = Vec::new();
    for (i, e) in fit.facets[item_facet].elements.iter().enumerate() {
        if e.status == ElementStatus::Dropped {
            continue;
        }
        let scale = match fit.scale_facet {
            Some(_) => fit.scales.iter().find(|s| s.element == Some(i as u32)),
            None => fit.scales.iter().find(|s| s.element.is_none()),
        };
        if let Some(scale) = scale {
            items.push(PlanItem {
                element: i,
                location: e.measure + others,
                thresholds: scale.thresholds(),
                scores: scale.categories.iter().map(|c| c.score).collect(),
            });
        }
    }
    if items.is_empty() {
        return Err(PlanError::Empty("item"));
    }
    let n = objects_raw.len() as f64;
    let mean = objects_raw.iter().map(|o| o.1).sum::<f64>() / n;
    let sd = (objects_raw
        .iter()
        .map(|o| (o.1 - mean).powi(2))
        .sum::<f64>()
        / n)
        .sqrt();
    let summary = &fit.facets[object_facet].summary;
    let (mean, true_sd) = match &fit.mml {
        Some(m) => (m.population_mean, m.population_sd),
        None => (mean, summary.model_population.adjusted_sd),
    };
    let centre = objects_raw.iter().map(|o| o.1).sum::<f64>() / n;
    let shrink = if sd > 0.0 { true_sd / sd } else { 0.0 };
    let objects = objects_raw
        .iter()
        .map(|&(i, b)| (i, mean + (b - centre) * shrink))
        .collect();
    Ok(Population {
        objects,
        raters,
        items,
        true_sd,
        mean,
    })
}

/// Per object bin: its weight and the moments of the per-rater information over the raters.
struct ObjectMoments {
    measure: f64,
    weight: f64,
    /// `m = mean_j f(B − C_j)`.
    mean_information: f64,
    /// `v = var_j f(B − C_j)`.
    information_variance: f64,
    /// `z = mean_j Π_i P_0`.
    all_bottom: f64,
    /// `a = mean_j Π_i P_m`.
    all_top: f64,
}

fn bin(x: f64) -> i64 {
    (x / BIN).round() as i64
}

fn histogram(values: impl Iterator<Item = f64>) -> BTreeMap<i64, f64> {
    let mut h = BTreeMap::new();
    for v in values {
        *h.entry(bin(v)).or_insert(0.0) += 1.0;
    }
    h
}

fn object_moments(pop: &Population) -> Vec<ObjectMoments> {
    let objects = histogram(pop.objects.iter().map(|o| o.1));
    let raters = histogram(pop.raters.iter().map(|r| r.1));
    let n_raters = pop.raters.len() as f64;
    let (Some((&o_lo, _)), Some((&o_hi, _))) =
        (objects.first_key_value(), objects.last_key_value())
    else {
        return Vec::new();
    };
    let (Some((&r_lo, _)), Some((&r_hi, _))) = (raters.first_key_value(), raters.last_key_value())
    else {
        return Vec::new();
    };
    // Tables of f, ln z and ln a over x = B − C on the grid.
    let x_lo = o_lo - r_hi;
    let len = (o_hi - r_lo - x_lo + 1) as usize;
    let width = pop
        .items
        .iter()
        .map(|i| i.thresholds.len() + 1)
        .max()
        .unwrap_or(1);
    let mut scratch = vec![0.0; width];
    let mut table = Vec::with_capacity(len);
    for g in 0..len {
        let x = (x_lo + g as i64) as f64 * BIN;
        let (mut info, mut ln_bottom, mut ln_top) = (0.0, 0.0, 0.0);
        for item in &pop.items {
            let m = item.thresholds.len();
            let p = &mut scratch[..m + 1];
            info += score_moments(x - item.location, &item.thresholds, p).variance;
            ln_bottom += p[0].max(f64::MIN_POSITIVE).ln();
            ln_top += p[m].max(f64::MIN_POSITIVE).ln();
        }
        table.push((info, ln_bottom.exp(), ln_top.exp()));
    }
    objects
        .iter()
        .map(|(&b, &weight)| {
            let (mut m1, mut m2, mut z, mut a) = (0.0, 0.0, 0.0, 0.0);
            for (&c, &u) in &raters {
                let (info, bottom, top) = table[(b - c - x_lo) as usize];
                m1 += u * info;
                m2 += u * info * info;
                z += u * bottom;
                a += u * top;
            }
            let mean_information = m1 / n_raters;
            ObjectMoments {
                measure: b as f64 * BIN,
                weight,
                mean_information,
                information_variance: (m2 / n_raters - mean_information.powi(2)).max(0.0),
                all_bottom: z / n_raters,
                all_top: a / n_raters,
            }
        })
        .collect()
}

fn forecast(moments: &[ObjectMoments], r: usize) -> DesignForecast {
    let rf = r as f64;
    let (mut sw, mut swb, mut swe, mut total) = (0.0, 0.0, 0.0, 0.0);
    let mut rows = Vec::with_capacity(moments.len());
    for o in moments {
        let w = (1.0 - o.all_bottom.powi(r as i32) - o.all_top.powi(r as i32)).max(0.0) * o.weight;
        let error_variance = if o.mean_information > 0.0 {
            (1.0 + o.information_variance / (rf * o.mean_information.powi(2)))
                / (rf * o.mean_information)
        } else {
            f64::INFINITY
        };
        total += o.weight;
        if w > 0.0 && error_variance.is_finite() {
            sw += w;
            swb += w * o.measure;
            swe += w * error_variance;
            rows.push((w, o.measure));
        }
    }
    if sw <= 0.0 {
        return DesignForecast {
            raters_per_object: r,
            rmse: f64::INFINITY,
            true_sd: 0.0,
            separation: 0.0,
            reliability: 0.0,
            strata: 1.0 / 3.0,
            non_extreme_share: 0.0,
        };
    }
    let mean = swb / sw;
    let true_variance = rows
        .iter()
        .map(|(w, b)| w * (b - mean).powi(2))
        .sum::<f64>()
        / sw;
    let error_variance = swe / sw;
    let s = Separation::new((true_variance + error_variance).sqrt(), error_variance);
    DesignForecast {
        raters_per_object: r,
        rmse: s.rmse,
        true_sd: s.adjusted_sd,
        separation: s.separation,
        reliability: s.reliability,
        strata: s.strata,
        non_extreme_share: sw / total,
    }
}

/// Checks planning settings before any work: at least one number of raters per object, none 0,
/// and a target reliability strictly between 0 and 1.
pub fn check_settings(
    raters_per_object: &[usize],
    target_reliability: Option<f64>,
) -> Result<(), PlanError> {
    if raters_per_object.is_empty() || raters_per_object.contains(&0) {
        return Err(PlanError::NoRaters);
    }
    if let Some(t) = target_reliability {
        if !(t > 0.0 && t < 1.0) {
            return Err(PlanError::Target(t));
        }
    }
    Ok(())
}

/// Forecasts the object RMSE, separation and reliability of `fit`'s objects with each number of
/// raters per object in `raters_per_object`, and the smallest number (up to
/// [`MAX_RATERS_SEARCHED`]) that reaches `target_reliability` (see the module notes).
pub fn plan_design(
    fit: &Fit,
    raters_per_object: &[usize],
    target_reliability: Option<f64>,
) -> Result<DesignPlan, PlanError> {
    check_settings(raters_per_object, target_reliability)?;
    let pop = population(fit)?;
    let moments = object_moments(&pop);
    let designs = raters_per_object
        .iter()
        .map(|&r| forecast(&moments, r))
        .collect();
    let target_design = target_reliability.and_then(|t| {
        (1..=MAX_RATERS_SEARCHED)
            .map(|r| forecast(&moments, r))
            .find(|d| d.reliability >= t)
    });
    Ok(DesignPlan {
        objects: pop.objects.len(),
        raters: pop.raters.len(),
        items: pop.items.len(),
        true_sd: pop.true_sd,
        mean_measure: pop.mean,
        designs,
        target_reliability,
        needed_for_target: target_design.map(|d| d.raters_per_object),
        target_design,
        simulated: Vec::new(),
    })
}

/// One simulated data set: every object rated by `r` distinct raters drawn from the population,
/// on every item, from the many-facet model at the run's estimates (see the module notes).
fn simulated_data(fit: &Fit, pop: &Population, r: usize, rng: &mut ChaCha8Rng) -> RatingData {
    let label = |f: usize, i: usize| fit.facets[f].elements[i].label.clone();
    let role = |role: FacetRole| fit.facets.iter().position(|f| f.role == role).unwrap_or(0);
    let (object_facet, rater_facet, item_facet) = (
        role(FacetRole::Object),
        role(FacetRole::Rater),
        role(FacetRole::Item),
    );
    let n = pop.objects.len() * r * pop.items.len();
    let mut elements = vec![
        Vec::with_capacity(n),
        Vec::with_capacity(n),
        Vec::with_capacity(n),
    ];
    let mut scores = Vec::with_capacity(n);
    let mut p = vec![0.0; pop.items.iter().map(|i| i.scores.len()).max().unwrap_or(1)];
    for (o, &(_, b)) in pop.objects.iter().enumerate() {
        for j in rand::seq::index::sample(rng, pop.raters.len(), r) {
            let c = pop.raters[j].1;
            for (i, item) in pop.items.iter().enumerate() {
                let p = &mut p[..item.scores.len()];
                category_probabilities(b - c - item.location, &item.thresholds, p);
                let k = crate::simulate::draw_category(p, rng.random());
                elements[0].push(o as u32);
                elements[1].push(j as u32);
                elements[2].push(i as u32);
                scores.push(item.scores[k as usize]);
            }
        }
    }
    let facet = |f: usize, labels: Vec<String>| Facet {
        name: fit.facets[f].name.clone(),
        role: fit.facets[f].role,
        labels,
    };
    RatingData {
        facets: vec![
            facet(
                object_facet,
                pop.objects
                    .iter()
                    .map(|o| label(object_facet, o.0))
                    .collect(),
            ),
            facet(
                rater_facet,
                pop.raters.iter().map(|r| label(rater_facet, r.0)).collect(),
            ),
            facet(
                item_facet,
                pop.items
                    .iter()
                    .map(|i| label(item_facet, i.element))
                    .collect(),
            ),
        ],
        elements,
        scores,
        item_scales: pop
            .items
            .iter()
            .map(|i| ItemScale {
                min_score: i.scores.first().copied().unwrap_or(0),
                max_score: i.scores.last().copied().unwrap_or(1),
            })
            .collect(),
        object_facet: 0,
        item_facet: 2,
    }
}

/// Checks designs by simulated refits: for each number of raters per object, `replications` data
/// sets drawn from `fit`'s estimates (seeded by `seed`), each refitted by JMLE with the run's
/// options, and their observed object separation and reliability averaged (module notes).
pub fn simulate_designs(
    fit: &Fit,
    raters_per_object: &[usize],
    replications: usize,
    seed: u64,
) -> Result<Vec<SimulatedDesign>, PlanError> {
    if raters_per_object.contains(&0) {
        return Err(PlanError::NoRaters);
    }
    if fit.facets.len() != 3 {
        return Err(PlanError::SimulatedFacets(fit.facets.len()));
    }
    let pop = population(fit)?;
    if let Some(&wanted) = raters_per_object.iter().find(|&&r| r > pop.raters.len()) {
        return Err(PlanError::TooFewRaters {
            wanted,
            raters: pop.raters.len(),
        });
    }
    let options = FitOptions {
        method: Method::Jmle,
        scale_model: match fit.options.scale_model {
            ScaleModel::RatingScale => ScaleModel::RatingScale,
            ScaleModel::PartialCredit { .. } => ScaleModel::PartialCredit { facet: None },
        },
        convergence: fit.options.convergence,
        extreme_adjustment: fit.options.extreme_adjustment,
        unobserved_categories: fit.options.unobserved_categories,
        keep_pseudo_count: fit.options.keep_pseudo_count,
        bias_correction: fit.options.bias_correction,
        max_step: fit.options.max_step,
        unexpected_z: fit.options.unexpected_z,
        start_values: fit.options.start_values,
        update: fit.options.update,
        ..FitOptions::default()
    };
    let mut out = Vec::with_capacity(raters_per_object.len());
    for &r in raters_per_object {
        let mut rng = ChaCha8Rng::seed_from_u64(seed);
        rng.set_stream(r as u64);
        let mut separations = Vec::with_capacity(replications);
        let (mut reliability, mut rmse) = (0.0, 0.0);
        for _ in 0..replications {
            let data = simulated_data(fit, &pop, r, &mut rng);
            let refit = measure::fit(&data, &options, &mut NoObserver)
                .map_err(|e| PlanError::Refit(e.to_string()))?;
            let s = &refit.facets[0].summary.model_population;
            separations.push(s.separation);
            reliability += s.reliability;
            rmse += s.rmse;
        }
        let n = replications.max(1) as f64;
        let mean = separations.iter().sum::<f64>() / n;
        let sd = if separations.len() > 1 {
            (separations.iter().map(|s| (s - mean).powi(2)).sum::<f64>()
                / (separations.len() - 1) as f64)
                .sqrt()
        } else {
            0.0
        };
        out.push(SimulatedDesign {
            raters_per_object: r,
            replications,
            separation: mean,
            reliability: reliability / n,
            rmse: rmse / n,
            separation_sd: sd,
        });
    }
    Ok(out)
}
