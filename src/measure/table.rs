//! Accumulates the post-convergence statistics (Facets Tables 5, 7 and 8) in one parallel pass.

use rayon::prelude::*;

use super::design::{Design, MAX_CATEGORIES};
use super::extreme::ElementStatus;
use super::jmle::{threshold_offsets, Estimates};
use super::model::{score_moments, slope_terms};
use super::options::FitOptions;
use super::ordered::{add_into, ordered_sum};
use super::results::{
    CategoryStatistics, ElementStatistics, FacetMeasures, FacetSummary, GlobalStatistics,
    ScaleStatistics,
};
use super::statistics::{
    correlation, estimated_discrimination, expected_correlation, fixed_chi_square,
    infit_mean_square, infit_variance, outfit_mean_square, outfit_variance, outfit_variance_term,
    random_chi_square, zstd, Separation,
};

/// Per-element sums over the responses used in estimation.
#[derive(Debug, Clone, Copy, Default)]
struct ElementSums {
    n: f64,
    /// Σ x, Σ x² (model score values).
    x: f64,
    xx: f64,
    /// Σ y, Σ y², Σ xy: `y` the linear predictor without the element's own term.
    y: f64,
    yy: f64,
    xy: f64,
    /// Σ E, Σ E², Σ E y.
    e: f64,
    ee: f64,
    ey: f64,
    /// Σ W, Σ W², Σ C, Σ C/W².
    w: f64,
    ww: f64,
    c: f64,
    c_ww: f64,
    /// Σ z², Σ (x-E)².
    zz: f64,
    rr: f64,
    /// Σ slope score, Σ slope information ([`super::model::slope_terms`]).
    slope_score: f64,
    slope_information: f64,
}

impl ElementSums {
    fn add(&mut self, o: &ElementSums) {
        self.n += o.n;
        self.x += o.x;
        self.xx += o.xx;
        self.y += o.y;
        self.yy += o.yy;
        self.xy += o.xy;
        self.e += o.e;
        self.ee += o.ee;
        self.ey += o.ey;
        self.w += o.w;
        self.ww += o.ww;
        self.c += o.c;
        self.c_ww += o.c_ww;
        self.zz += o.zz;
        self.rr += o.rr;
        self.slope_score += o.slope_score;
        self.slope_information += o.slope_information;
    }
}

/// Per-category sums (flat: scale category offsets) and global sums.
struct Sums {
    elements: Vec<ElementSums>,
    cat_count: Vec<f64>,
    cat_eta: Vec<f64>,
    cat_p: Vec<f64>,
    cat_p_eta: Vec<f64>,
    cat_zz: Vec<f64>,
    /// Σ Q_k(1 - Q_k) per threshold, indexed like the categories (bottom unused).
    cat_qq: Vec<f64>,
    log_likelihood: f64,
    zz: f64,
    n: f64,
    x: f64,
    xx: f64,
    e: f64,
    ee: f64,
    rr: f64,
    unexpected: usize,
}

impl Sums {
    fn zeros(n_el: usize, n_cat: usize) -> Self {
        Sums {
            elements: vec![ElementSums::default(); n_el],
            cat_count: vec![0.0; n_cat],
            cat_eta: vec![0.0; n_cat],
            cat_p: vec![0.0; n_cat],
            cat_p_eta: vec![0.0; n_cat],
            cat_zz: vec![0.0; n_cat],
            cat_qq: vec![0.0; n_cat],
            log_likelihood: 0.0,
            zz: 0.0,
            n: 0.0,
            x: 0.0,
            xx: 0.0,
            e: 0.0,
            ee: 0.0,
            rr: 0.0,
            unexpected: 0,
        }
    }

    fn merge(mut self, o: Sums) -> Self {
        self.elements
            .iter_mut()
            .zip(&o.elements)
            .for_each(|(a, b)| a.add(b));
        let add = |a: &mut Vec<f64>, b: &Vec<f64>| a.iter_mut().zip(b).for_each(|(x, y)| *x += y);
        add(&mut self.cat_count, &o.cat_count);
        add(&mut self.cat_eta, &o.cat_eta);
        add(&mut self.cat_p, &o.cat_p);
        add(&mut self.cat_p_eta, &o.cat_p_eta);
        add(&mut self.cat_zz, &o.cat_zz);
        add(&mut self.cat_qq, &o.cat_qq);
        self.log_likelihood += o.log_likelihood;
        self.zz += o.zz;
        self.n += o.n;
        self.x += o.x;
        self.xx += o.xx;
        self.e += o.e;
        self.ee += o.ee;
        self.rr += o.rr;
        self.unexpected += o.unexpected;
        self
    }
}

/// Builds the facet, scale and global tables from the estimates: the measurement report of
/// every facet (Table 7), the category statistics of every rating scale (Table 8) and the
/// global fit statistics (Table 5).
pub(crate) fn tabulate(
    design: &Design,
    est: &Estimates,
    options: &FitOptions,
) -> (Vec<FacetMeasures>, Vec<ScaleStatistics>, GlobalStatistics) {
    // Category offsets: scale s's categories are cat_off[s]..cat_off[s+1].
    let thr_off = threshold_offsets(design);
    let cat_off: Vec<usize> = thr_off.iter().enumerate().map(|(s, t)| t + s).collect();
    let sums = residual_sums(design, est, options, &cat_off);
    let totals = raw_and_fair_totals(design, est);
    let facets = facet_tables(design, est, &sums, &totals);
    let scales = scale_tables(design, est, &sums, &cat_off);
    let global = global_statistics(design, est, &sums);
    (facets, scales, global)
}

/// The residual pass over the responses used in estimation: per element, per category and
/// global sums of the observed scores, expectations `E`, model variances `W`, kurtoses `C` and
/// standardized residuals `z = (x − E)/√W`.
fn residual_sums(
    design: &Design,
    est: &Estimates,
    options: &FitOptions,
    cat_off: &[usize],
) -> Sums {
    let n_el = design.n_elements();
    let n_cat = *cat_off.last().unwrap_or(&0);
    ordered_sum(
        est.active.len(),
        || Sums::zeros(n_el, n_cat),
        |range| {
            let chunk = &est.active[range];
            let mut sums = Sums::zeros(n_el, n_cat);
            let mut scratch = [0.0; MAX_CATEGORIES];
            for &n in chunk {
                sums.add_response(design, est, cat_off, options, n as usize, &mut scratch);
            }
            sums
        },
        Sums::merge,
    )
}

impl Sums {
    /// Adds response `n` to the element, category and global sums.
    fn add_response(
        &mut self,
        design: &Design,
        est: &Estimates,
        cat_off: &[usize],
        options: &FitOptions,
        n: usize,
        scratch: &mut [f64; MAX_CATEGORIES],
    ) {
        let measures = &est.measures;
        let s = design.obs_scale[n] as usize;
        let thr = &est.thresholds[s];
        let p = &mut scratch[..thr.len() + 1];
        let eta = design.eta(measures, n);
        let mom = score_moments(eta, thr, p);
        let k = design.obs_category[n] as usize;
        let base = design.scales[s].value(0);
        let x = base + k as f64;
        let e = base + mom.expected;
        let r = k as f64 - mom.expected;
        let w = mom.variance;
        let z2 = if w > 0.0 { r * r / w } else { 0.0 };
        let c_ww = outfit_variance_term(mom.kurtosis, w);
        let (slope_score, slope_information) = slope_terms(eta, thr, p, k);
        for (f, col) in design.data.elements.iter().enumerate() {
            let el = design.offsets[f] + col[n] as usize;
            let y = eta - design.signs[f] * measures[el];
            let a = &mut self.elements[el];
            a.n += 1.0;
            a.x += x;
            a.xx += x * x;
            a.y += y;
            a.yy += y * y;
            a.xy += x * y;
            a.e += e;
            a.ee += e * e;
            a.ey += e * y;
            a.w += w;
            a.ww += w * w;
            a.c += mom.kurtosis;
            a.c_ww += c_ww;
            a.zz += z2;
            a.rr += r * r;
            a.slope_score += slope_score;
            a.slope_information += slope_information;
        }
        let co = cat_off[s];
        self.cat_count[co + k] += 1.0;
        self.cat_eta[co + k] += eta;
        self.cat_zz[co + k] += z2;
        let mut q = 0.0;
        for h in (0..p.len()).rev() {
            self.cat_p[co + h] += p[h];
            self.cat_p_eta[co + h] += p[h] * eta;
            if h > 0 {
                q += p[h];
                self.cat_qq[co + h] += q * (1.0 - q);
            }
        }
        self.log_likelihood += p[k].max(f64::MIN_POSITIVE).ln();
        self.zz += z2;
        self.n += 1.0;
        self.x += x;
        self.xx += x * x;
        self.e += e;
        self.ee += e * e;
        self.rr += r * r;
        if z2.sqrt() >= options.unexpected_z {
            self.unexpected += 1;
        }
    }
}

/// Facet means of the non-extreme measures (for fair averages and summaries).
fn facet_means(design: &Design, est: &Estimates) -> Vec<f64> {
    (0..design.n_facets())
        .map(|f| {
            let v: Vec<f64> = (design.offsets[f]..design.offsets[f + 1])
                .filter(|&e| est.status[e].is_active())
                .map(|e| est.measures[e])
                .collect();
            if v.is_empty() {
                0.0
            } else {
                v.iter().sum::<f64>() / v.len() as f64
            }
        })
        .collect()
}

/// Largest (element, scale) table for which fair averages are evaluated once per pair.
const MAX_FAIR_PAIRS: usize = 1 << 24;

/// Per element: the raw total score, the response count and the sum of fair expectations
/// over all responses.
struct Totals {
    total: Vec<f64>,
    count: Vec<usize>,
    fair: Vec<f64>,
}

/// Raw totals over all responses, and fair averages: E(x | η = own term + other facets'
/// means) averaged over the scales of the element's responses (Facets `Fair=Mean`). The
/// expectation depends only on the element and the scale, so responses are counted per
/// (element, scale) pair and each pair is evaluated once (per response when that table would
/// be too large).
fn raw_and_fair_totals(design: &Design, est: &Estimates) -> Totals {
    let data = design.data;
    let n_el = design.n_elements();
    let n_facets = design.n_facets();
    let measures = &est.measures;
    let facet_mean = facet_means(design, est);
    let fair_base: f64 = (0..n_facets).map(|f| design.signs[f] * facet_mean[f]).sum();
    let n_scales = design.scales.len();
    let per_pair = n_el.saturating_mul(n_scales) <= MAX_FAIR_PAIRS;
    let zeros = || {
        (
            vec![0.0; n_el],
            vec![0usize; n_el],
            vec![0.0; if per_pair { 0 } else { n_el }],
            vec![0u32; if per_pair { n_el * n_scales } else { 0 }],
        )
    };
    let fair_eta = |f: usize, el: usize| {
        fair_base - design.signs[f] * facet_mean[f] + design.signs[f] * measures[el]
    };
    let (total, count, mut fair, pairs) = ordered_sum(
        data.len(),
        zeros,
        |range| {
            let (mut total, mut count, mut fair, mut pairs) = zeros();
            let mut scratch = [0.0; MAX_CATEGORIES];
            for n in range {
                let s = design.obs_scale[n] as usize;
                for (f, col) in data.elements.iter().enumerate() {
                    let el = design.offsets[f] + col[n] as usize;
                    total[el] += data.scores[n] as f64;
                    count[el] += 1;
                    if per_pair {
                        pairs[el * n_scales + s] += 1;
                    } else {
                        let thr = &est.thresholds[s];
                        let base = design.scales[s].value(0);
                        let moments =
                            score_moments(fair_eta(f, el), thr, &mut scratch[..thr.len() + 1]);
                        fair[el] += base + moments.expected;
                    }
                }
            }
            (total, count, fair, pairs)
        },
        |(mut a, mut b, mut c, mut d), (x, y, z, w)| {
            add_into(&mut a, &x);
            add_into(&mut b, &y);
            add_into(&mut c, &z);
            add_into(&mut d, &w);
            (a, b, c, d)
        },
    );
    if per_pair {
        fair = (0..n_el)
            .into_par_iter()
            .map(|el| {
                let f = design.facet_of(el);
                let mut scratch = [0.0; MAX_CATEGORIES];
                let mut sum = 0.0;
                for s in 0..n_scales {
                    let k = pairs[el * n_scales + s];
                    if k > 0 {
                        let thr = &est.thresholds[s];
                        let base = design.scales[s].value(0);
                        let moments =
                            score_moments(fair_eta(f, el), thr, &mut scratch[..thr.len() + 1]);
                        sum += k as f64 * (base + moments.expected);
                    }
                }
                sum
            })
            .collect();
    }
    Totals { total, count, fair }
}

/// The measurement report of every facet (Facets Table 7), each with its summary.
fn facet_tables(
    design: &Design,
    est: &Estimates,
    sums: &Sums,
    totals: &Totals,
) -> Vec<FacetMeasures> {
    let data = design.data;
    let mut facets = Vec::with_capacity(design.n_facets());
    for f in 0..design.n_facets() {
        let facet = &data.facets[f];
        let elements: Vec<ElementStatistics> = (0..facet.len())
            .map(|j| element_statistics(design, est, sums, totals, f, j))
            .collect();
        let summary = summarise(&elements);
        facets.push(FacetMeasures {
            name: facet.name.clone(),
            role: facet.role,
            positive: design.signs[f] > 0.0,
            centred: est.centred[f],
            elements,
            summary,
        });
    }
    facets
}

/// One row of the measurement report (Table 7) for element `j` of facet `f`: raw score,
/// observed and fair averages, measure, model and real S.E., infit and outfit mean-squares
/// with their ZSTDs, point-measure correlations, displacement and estimated discrimination.
fn element_statistics(
    design: &Design,
    est: &Estimates,
    sums: &Sums,
    totals: &Totals,
    f: usize,
    j: usize,
) -> ElementStatistics {
    let facet = &design.data.facets[f];
    let el = design.offsets[f] + j;
    let status = est.status[el];
    let a = &sums.elements[el];
    let cnt = totals.count[el];
    let observed_average = (cnt > 0).then(|| totals.total[el] / cnt as f64);
    let fair_average =
        (cnt > 0 && status != ElementStatus::Dropped).then(|| totals.fair[el] / cnt as f64);
    let mut stats = ElementStatistics {
        label: facet.labels[j].clone(),
        status,
        total_score: totals.total[el],
        count: cnt,
        observed_average,
        fair_average,
        measure: est.measures[el],
        model_se: None,
        real_se: None,
        infit: None,
        infit_zstd: None,
        outfit: None,
        outfit_zstd: None,
        point_measure: None,
        point_measure_expected: None,
        displacement: None,
        discrimination: None,
    };
    match status {
        ElementStatus::Measured | ElementStatus::Anchored if a.w > 0.0 => {
            let model_se = 1.0 / a.w.sqrt();
            let infit = infit_mean_square(a.rr, a.w);
            let outfit = outfit_mean_square(a.zz, a.n);
            stats.model_se = Some(model_se);
            stats.real_se = Some(model_se * infit.max(1.0).sqrt());
            stats.infit = Some(infit);
            stats.outfit = Some(outfit);
            stats.infit_zstd = zstd(infit, infit_variance(a.c, a.ww, a.w));
            stats.outfit_zstd = zstd(outfit, outfit_variance(a.c_ww, a.n));
            stats.point_measure = correlation(a.n, a.x, a.y, a.xx, a.yy, a.xy);
            stats.point_measure_expected =
                expected_correlation(a.n, a.e, a.y, a.ee, a.yy, a.ey, a.w);
            stats.displacement = Some(design.signs[f] * (a.x - a.e) / a.w);
            stats.discrimination = estimated_discrimination(a.slope_score, a.slope_information);
        }
        ElementStatus::Extreme(_) if est.extreme_information[el] > 0.0 => {
            let se = 1.0 / est.extreme_information[el].sqrt();
            stats.model_se = Some(se);
            stats.real_se = Some(se);
        }
        _ => {}
    }
    stats
}

/// The category statistics of every rating scale with responses or observed categories
/// (Facets Table 8): counts, average and expected measures, outfit, Rasch-Andrich thresholds
/// with their S.E.s, and disordering.
fn scale_tables(
    design: &Design,
    est: &Estimates,
    sums: &Sums,
    cat_off: &[usize],
) -> Vec<ScaleStatistics> {
    let data = design.data;
    let mut scales = Vec::with_capacity(design.scales.len());
    for (s, scale) in design.scales.iter().enumerate() {
        let co = cat_off[s];
        let m = scale.n_thresholds();
        let used: f64 = (0..=m).map(|k| sums.cat_count[co + k]).sum();
        if used == 0.0 && scale.observed.iter().all(|o| !o) {
            continue;
        }
        let label = match design.scale_facet {
            Some(f) => data.facets[f].labels[s].clone(),
            None => "rating scale".to_string(),
        };
        let mut categories = Vec::with_capacity(m + 1);
        for k in 0..=m {
            let c = sums.cat_count[co + k];
            let threshold = (k > 0).then(|| est.thresholds[s][k - 1]);
            categories.push(CategoryStatistics {
                score: scale.raw_values[k],
                count: c as usize,
                percent: if used > 0.0 { 100.0 * c / used } else { 0.0 },
                average_measure: (c > 0.0).then(|| sums.cat_eta[co + k] / c),
                expected_measure: (sums.cat_p[co + k] > 0.0)
                    .then(|| sums.cat_p_eta[co + k] / sums.cat_p[co + k]),
                outfit: (c > 0.0).then(|| sums.cat_zz[co + k] / c),
                threshold,
                threshold_se: (k > 0 && sums.cat_qq[co + k] > 0.0)
                    .then(|| 1.0 / sums.cat_qq[co + k].sqrt()),
                disordered: k > 1 && est.thresholds[s][k - 1] < est.thresholds[s][k - 2],
            });
        }
        scales.push(ScaleStatistics {
            element: scale.element,
            label,
            anchored: est.scale_anchored[s],
            categories,
        });
    }
    scales
}

/// The global statistics (Facets Table 5): log-likelihood, Pearson chi-square and its degrees
/// of freedom, and the variance decomposition of the observed scores into explained (by the
/// measures) and residual.
fn global_statistics(design: &Design, est: &Estimates, sums: &Sums) -> GlobalStatistics {
    let n = sums.n.max(1.0);
    let mean_x = sums.x / n;
    let observed_variance = sums.xx / n - mean_x * mean_x;
    let explained_variance = (sums.ee - 2.0 * mean_x * sums.e + n * mean_x * mean_x) / n;
    let residual_variance = sums.rr / n;
    let free_measures = est
        .status
        .iter()
        .filter(|s| **s == ElementStatus::Measured)
        .count()
        - est.centred.iter().filter(|c| **c).count();
    let free_thresholds: usize = design
        .scales
        .iter()
        .zip(&est.scale_anchored)
        .filter(|(_, a)| !**a)
        .map(|(s, _)| s.n_thresholds().saturating_sub(1))
        .sum();
    GlobalStatistics {
        observations: design.data.len(),
        estimation_observations: est.active.len(),
        log_likelihood: sums.log_likelihood,
        pearson_chi_square: sums.zz,
        degrees_of_freedom: sums.n - (free_measures + free_thresholds) as f64,
        observed_variance,
        explained_variance,
        residual_variance,
        explained_percent: 100.0 * explained_variance / (explained_variance + residual_variance),
        unexpected_responses: sums.unexpected,
    }
}

/// Facet summary over its non-extreme (measured or anchored) elements with a standard error.
fn summarise(elements: &[ElementStatistics]) -> FacetSummary {
    let chosen: Vec<&ElementStatistics> = elements
        .iter()
        .filter(|e| e.status.is_active() && e.model_se.is_some())
        .collect();
    let l = chosen.len() as f64;
    let measures: Vec<f64> = chosen.iter().map(|e| e.measure).collect();
    let se: Vec<f64> = chosen.iter().filter_map(|e| e.model_se).collect();
    let real_se: Vec<f64> = chosen.iter().filter_map(|e| e.real_se).collect();
    let mean = if l > 0.0 {
        measures.iter().sum::<f64>() / l
    } else {
        0.0
    };
    let ss: f64 = measures.iter().map(|m| (m - mean).powi(2)).sum();
    let sd_population = if l > 0.0 { (ss / l).sqrt() } else { 0.0 };
    let sd_sample = if l > 1.0 {
        (ss / (l - 1.0)).sqrt()
    } else {
        0.0
    };
    let mean_var = |v: &[f64]| {
        if v.is_empty() {
            0.0
        } else {
            v.iter().map(|s| s * s).sum::<f64>() / v.len() as f64
        }
    };
    let model_population = Separation::new(sd_population, mean_var(&se));
    FacetSummary {
        count: chosen.len(),
        mean_measure: mean,
        sd_population,
        sd_sample,
        model_population,
        model_sample: Separation::new(sd_sample, mean_var(&se)),
        real_population: Separation::new(sd_population, mean_var(&real_se)),
        fixed: fixed_chi_square(&measures, &se),
        random: random_chi_square(&measures, &se, model_population.adjusted_sd.powi(2)),
    }
}
