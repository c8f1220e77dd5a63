//! What a JMLE run starts from: the active observations and their sufficient statistics, the
//! parameter layout (threshold and covariance offsets), anchors, and the start values of the
//! measures and thresholds (log-odds or PROX, Facets' and Winsteps' rules).

use super::*;

/// Flat offsets of each scale's thresholds (`offsets[s]..offsets[s+1]`).
pub(crate) fn threshold_offsets(design: &Design) -> Vec<usize> {
    let mut offsets = Vec::with_capacity(design.scales.len() + 1);
    let mut total = 0;
    for s in &design.scales {
        offsets.push(total);
        total += s.n_thresholds();
    }
    offsets.push(total);
    offsets
}

/// Flat offsets of each scale's `m × m` threshold covariance block in
/// [`SweepSums::threshold_covariance`].
pub(super) fn covariance_offsets(design: &Design) -> Vec<usize> {
    let mut offsets = Vec::with_capacity(design.scales.len() + 1);
    let mut total = 0;
    for scale in &design.scales {
        offsets.push(total);
        total += scale.n_thresholds() * scale.n_thresholds();
    }
    offsets.push(total);
    offsets
}

/// Starting measures with the anchors in place, which elements are anchored, and which facets
/// are centred (not named non-centred and without anchored elements). Shared by JMLE and MML.
pub(crate) struct AnchoredStart {
    pub measures: Vec<f64>,
    pub anchored: Vec<bool>,
    pub centred: Vec<bool>,
}

pub(crate) fn anchored_start(design: &Design, options: &FitOptions) -> AnchoredStart {
    let n_el = design.n_elements();
    let mut measures = vec![0.0; n_el];
    let mut anchored = vec![false; n_el];
    for a in &options.anchors.elements {
        let e = design.flat(a.facet, a.element);
        anchored[e] = true;
        measures[e] = a.measure;
    }
    let non_centred = options.non_centred_facets(design.data);
    let centred = (0..design.n_facets())
        .map(|f| {
            !non_centred.contains(&f) && !options.anchors.elements.iter().any(|a| a.facet == f)
        })
        .collect();
    AnchoredStart {
        measures,
        anchored,
        centred,
    }
}

/// The anchored thresholds of scale `s`, if the options anchor it; an error when their number
/// is not the scale's. Shared by JMLE and MML.
pub(crate) fn scale_anchor<'o>(
    design: &Design,
    options: &'o FitOptions,
    s: usize,
) -> Result<Option<&'o Vec<f64>>, MeasureError> {
    let scale = &design.scales[s];
    let Some(a) = options
        .anchors
        .scales
        .iter()
        .find(|a| a.element == scale.element)
    else {
        return Ok(None);
    };
    if a.thresholds.len() != scale.n_thresholds() {
        return Err(MeasureError::InvalidOption {
            option: "anchors.scales",
            reason: format!(
                "scale {s} has {} thresholds but {} were anchored",
                scale.n_thresholds(),
                a.thresholds.len()
            ),
        });
    }
    Ok(Some(&a.thresholds))
}

/// The observations used in estimation: those whose every element is active (not extreme).
pub(super) fn active_observations(design: &Design, status: &[ElementStatus]) -> Vec<u32> {
    let data = design.data;
    (0..data.len())
        .filter(|&n| {
            (0..design.n_facets()).all(|f| status[design.flat(f, data.elements[f][n])].is_active())
        })
        .map(|n| n as u32)
        .collect()
}

/// Sufficient statistics of the active data: element scores `S` (category units), their
/// maxima, and per threshold the count of responses at or above the category.
pub(super) struct Sufficient {
    /// Observed score `S` per element.
    pub(super) observed: Vec<f64>,
    /// Largest possible score per element.
    pub(super) possible: Vec<f64>,
    /// Per threshold `k` (flat), the count of responses in category `k` or above.
    pub(super) threshold_observed: Vec<f64>,
    /// Per scale `s` and category `k`, at `thr_offsets[s] + s + k`: the category counts `C_k`.
    pub(super) category_count: Vec<f64>,
}

impl Sufficient {
    /// Counts over `active`; with `Keep`, every unobserved intermediate category is counted
    /// [`FitOptions::keep_pseudo_count`] times.
    pub(super) fn new(
        design: &Design,
        options: &FitOptions,
        active: &[u32],
        thr_offsets: &[usize],
    ) -> Self {
        let n_el = design.n_elements();
        let n_thr = *thr_offsets.last().unwrap_or(&0);
        let mut stats = Sufficient {
            observed: vec![0.0; n_el],
            possible: vec![0.0; n_el],
            threshold_observed: vec![0.0; n_thr],
            category_count: vec![0.0; n_thr + design.scales.len()],
        };
        for &n in active {
            let n = n as usize;
            let s = design.obs_scale[n] as usize;
            let k = design.obs_category[n] as usize;
            let m = design.scales[s].n_thresholds();
            for (f, col) in design.data.elements.iter().enumerate() {
                let e = design.offsets[f] + col[n] as usize;
                stats.observed[e] += k as f64;
                stats.possible[e] += m as f64;
            }
            for h in 1..=k {
                stats.threshold_observed[thr_offsets[s] + h - 1] += 1.0;
            }
            stats.category_count[thr_offsets[s] + s + k] += 1.0;
        }
        if options.unobserved_categories == UnobservedCategories::Keep {
            stats.keep_unobserved(design, options.keep_pseudo_count, thr_offsets);
        }
        stats
    }

    /// Counts every unobserved intermediate category `pseudo` times (Facets `Keep`).
    pub(super) fn keep_unobserved(&mut self, design: &Design, pseudo: f64, thr_offsets: &[usize]) {
        for (s, scale) in design.scales.iter().enumerate() {
            for (c, &seen) in scale.observed.iter().enumerate() {
                if !seen && c > 0 && c < scale.n_thresholds() {
                    for h in 1..=c {
                        self.threshold_observed[thr_offsets[s] + h - 1] += pseudo;
                    }
                    self.category_count[thr_offsets[s] + s + c] += pseudo;
                }
            }
        }
    }
}

/// Where a path starts.
#[derive(Clone, Copy)]
pub(super) struct StartRule {
    /// Log-odds of the element scores and of adjacent category counts (else 0).
    pub(super) log_odds: bool,
    /// PROX from the log-odds start (Winsteps' and Facets' paths).
    pub(super) prox: bool,
}

impl StartRule {
    /// Winsteps' path starts from PROX and Winsteps' threshold start; Facets' path from PROX
    /// with every threshold at 0 (Facets manual: "Initial estimates are obtained using the PROX
    /// (normal approximation) algorithm"; its Table 3 opens with PROX iterations); the
    /// accelerated path from the options' [`StartValues`].
    pub(super) fn new(options: &FitOptions) -> Self {
        let winsteps = options.update == JmleUpdate::Winsteps;
        let facets = options.update == JmleUpdate::Facets;
        StartRule {
            log_odds: (options.start_values == StartValues::LogOdds && !facets) || winsteps,
            prox: winsteps || facets,
        }
    }
}

/// Starting thresholds: anchored, or (log-odds start) Winsteps' `log(C_{k-1} / C_k)` with half
/// a response where a count is 0 (Andrich 1978), else 0; centred. Also which scales are
/// anchored.
pub(super) fn start_thresholds(
    design: &Design,
    options: &FitOptions,
    stats: &Sufficient,
    thr_offsets: &[usize],
    rule: StartRule,
) -> Result<(Vec<Vec<f64>>, Vec<bool>), MeasureError> {
    let mut thresholds: Vec<Vec<f64>> = design
        .scales
        .iter()
        .map(|s| vec![0.0; s.n_thresholds()])
        .collect();
    let mut scale_anchored = vec![false; design.scales.len()];
    for (s, scale) in design.scales.iter().enumerate() {
        if let Some(anchor) = scale_anchor(design, options, s)? {
            thresholds[s].clone_from(anchor);
            scale_anchored[s] = true;
            continue;
        }
        let count = |k: usize| stats.category_count[thr_offsets[s] + s + k];
        for k in (1..=scale.n_thresholds()).filter(|_| rule.log_odds) {
            let (below, at) = (count(k - 1), count(k));
            thresholds[s][k - 1] = if below > 0.0 && at > 0.0 {
                (below / at).ln()
            } else {
                ((below + 0.5) / (at + 0.5)).ln()
            };
        }
        centre(&mut thresholds[s]);
    }
    Ok((thresholds, scale_anchored))
}

/// Starting measures of the measured elements: the log-odds of their scores
/// `s_f · ln(S / (M - S))` (a PROX-like start) or 0, then PROX where the path starts from it,
/// then centring.
pub(super) fn start_measures(
    design: &Design,
    frame: &Frame,
    stats: &Sufficient,
    rule: StartRule,
    measures: &mut [f64],
) {
    let status = &frame.status;
    for e in 0..design.n_elements() {
        if rule.log_odds && status[e] == ElementStatus::Measured {
            let f = design.facet_of(e);
            // Non-extreme, so 0 < observed < possible and the log-odds are finite.
            measures[e] = design.signs[f]
                * (stats.observed[e] / (stats.possible[e] - stats.observed[e])).ln();
        }
    }
    if rule.prox {
        for (m, s) in measures.iter_mut().zip(status) {
            if *s == ElementStatus::Measured {
                *m = 0.0;
            }
        }
        prox_start(design, status, &frame.active, measures, &mut |m| {
            centre_facets_invariant(design, &frame.centred, None, status, m)
        });
    }
    centre_facets_invariant(design, &frame.centred, None, status, measures);
}
