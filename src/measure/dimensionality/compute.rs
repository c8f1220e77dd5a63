//! The pass over the records: residuals per object x rater record, the variance
//! decomposition, the contrasts and the objects re-measured from each cluster.

use super::*;
use crate::data::RatingData;
use crate::measure::model::score_moments;
use crate::measure::ordered::ordered_sum;
use crate::measure::results::Fit;
use crate::measure::statistics::{pearson, Separation};
use rayon::prelude::*;
use std::ops::Range;

/// The fit's measures, scales and categories in flat lookup form.
struct Lookup<'a> {
    fit: &'a Fit,
    signed: Vec<Vec<f64>>,
    active: Vec<Vec<bool>>,
    thresholds: Vec<Vec<f64>>,
    bases: Vec<i32>,
    /// Per scale: category index of `score - base`.
    categories: Vec<Vec<Option<usize>>>,
    max_categories: usize,
}

/// Where a response sits: linear predictor, its part without the object, scale and category.
#[derive(Clone, Copy)]
struct Located {
    eta: f64,
    rest: f64,
    scale: usize,
    category: usize,
    used: bool,
}

impl<'a> Lookup<'a> {
    fn new(fit: &'a Fit) -> Self {
        let signed = fit
            .facets
            .iter()
            .map(|f| {
                f.elements
                    .iter()
                    .map(|e| if f.positive { e.measure } else { -e.measure })
                    .collect()
            })
            .collect();
        let active = fit
            .facets
            .iter()
            .map(|f| f.elements.iter().map(|e| e.status.is_active()).collect())
            .collect();
        let thresholds = fit.scales.iter().map(|s| s.thresholds()).collect();
        let bases = fit
            .scales
            .iter()
            .map(|s| s.categories.first().map_or(0, |c| c.score))
            .collect::<Vec<i32>>();
        let categories = fit
            .scales
            .iter()
            .zip(&bases)
            .map(|(s, &base)| {
                let top = s.categories.last().map_or(base, |c| c.score);
                let mut map = vec![None; (top - base + 1).max(0) as usize];
                for (k, c) in s.categories.iter().enumerate() {
                    if let Some(slot) = map.get_mut((c.score - base) as usize) {
                        *slot = Some(k);
                    }
                }
                map
            })
            .collect();
        let max_categories = fit
            .scales
            .iter()
            .map(|s| s.categories.len())
            .max()
            .unwrap_or(1)
            .max(1);
        Lookup {
            fit,
            signed,
            active,
            thresholds,
            bases,
            categories,
            max_categories,
        }
    }

    fn locate(&self, data: &RatingData, n: usize, object: usize) -> Option<Located> {
        let mut eta = 0.0;
        let mut rest = 0.0;
        let mut used = true;
        for (f, (signed, active)) in self.signed.iter().zip(&self.active).enumerate() {
            let e = *data.elements.get(f)?.get(n)? as usize;
            let m = *signed.get(e)?;
            eta += m;
            if f != object {
                rest += m;
            }
            used &= *active.get(e)?;
        }
        let scale = match self.fit.scale_facet {
            Some(f) => *data.elements.get(f)?.get(n)? as usize,
            None => 0,
        };
        let base = *self.bases.get(scale)?;
        let score = *data.scores.get(n)?;
        let category = (*self
            .categories
            .get(scale)?
            .get(usize::try_from(score - base).ok()?)?)?;
        Some(Located {
            eta,
            rest,
            scale,
            category,
            used,
        })
    }
}

/// The records' order: the used responses sorted by the elements of the non-item facets
/// (object first), and where each record starts.
struct Records {
    order: Vec<u32>,
    starts: Vec<usize>,
    facets: Vec<usize>,
}

impl Records {
    fn new(data: &RatingData, used: &[bool]) -> Records {
        let mut facets = vec![data.object_facet];
        facets.extend(
            (0..data.facets.len()).filter(|&f| f != data.object_facet && f != data.item_facet),
        );
        let radix: Option<u64> = facets.iter().try_fold(1u64, |acc, &f| {
            acc.checked_mul(data.facets[f].len().max(1) as u64)
        });
        let candidates = (0..data.scores.len()).into_par_iter().filter(|&n| used[n]);
        let key = |n: usize| {
            facets.iter().fold(0u64, |acc, &f| {
                acc * data.facets[f].len().max(1) as u64 + u64::from(data.elements[f][n])
            })
        };
        let same = |a: u32, b: u32| {
            facets
                .iter()
                .all(|&f| data.elements[f][a as usize] == data.elements[f][b as usize])
        };
        let order: Vec<u32> = if radix.is_some() {
            let mut keyed: Vec<(u64, u32)> = candidates.map(|n| (key(n), n as u32)).collect();
            keyed.par_sort_unstable();
            keyed.into_iter().map(|(_, n)| n).collect()
        } else {
            let mut order: Vec<u32> = candidates.map(|n| n as u32).collect();
            order.par_sort_unstable_by(|&a, &b| {
                facets
                    .iter()
                    .map(|&f| data.elements[f][a as usize].cmp(&data.elements[f][b as usize]))
                    .find(|o| o.is_ne())
                    .unwrap_or(std::cmp::Ordering::Equal)
                    .then(a.cmp(&b))
            });
            order
        };
        let mut starts = Vec::new();
        for (k, &n) in order.iter().enumerate() {
            if k == 0 || !same(order[k - 1], n) {
                starts.push(k);
            }
        }
        starts.push(order.len());
        Records {
            order,
            starts,
            facets,
        }
    }

    fn count(&self) -> usize {
        self.starts.len() - 1
    }

    fn range(&self, record: usize) -> Range<usize> {
        self.starts[record]..self.starts[record + 1]
    }

    /// The names of the facets that define a record (object first).
    fn facet_names(&self, data: &RatingData) -> Vec<String> {
        self.facets
            .iter()
            .map(|&f| data.facets[f].name.clone())
            .collect()
    }
}

/// Everything pass one sums.
#[derive(Clone)]
struct Sums {
    standardized: PairSums,
    raw: PairSums,
    count: f64,
    sum_x: f64,
    sum_e: f64,
    sum_e2: f64,
    sum_r2: f64,
    sum_w: f64,
    facet_sum: Vec<f64>,
}

impl Sums {
    fn new(items: usize, facets: usize) -> Self {
        Sums {
            standardized: PairSums::new(items),
            raw: PairSums::new(items),
            count: 0.0,
            sum_x: 0.0,
            sum_e: 0.0,
            sum_e2: 0.0,
            sum_r2: 0.0,
            sum_w: 0.0,
            facet_sum: vec![0.0; facets],
        }
    }

    fn merge(mut self, other: Sums) -> Sums {
        self.standardized = self.standardized.merge(other.standardized);
        self.raw = self.raw.merge(other.raw);
        self.count += other.count;
        self.sum_x += other.sum_x;
        self.sum_e += other.sum_e;
        self.sum_e2 += other.sum_e2;
        self.sum_r2 += other.sum_r2;
        self.sum_w += other.sum_w;
        crate::measure::ordered::add_into(&mut self.facet_sum, &other.facet_sum);
        self
    }
}

/// The run's data prepared for the analysis: lookups, the used responses and their records.
struct Prepared<'a> {
    lookup: Lookup<'a>,
    records: Records,
    /// Column of each item of the item facet (`None`: no response used).
    column: Vec<Option<usize>>,
    items: Vec<String>,
}

fn prepare<'a>(fit: &'a Fit, data: &RatingData) -> Result<Prepared<'a>, DimensionalityError> {
    let lookup = Lookup::new(fit);
    let object = data.object_facet;
    // Per observation: `None` the fit does not know it, else whether it was used.
    let located: Vec<Option<bool>> = (0..data.scores.len())
        .into_par_iter()
        .map(|n| lookup.locate(data, n, object).map(|l| l.used))
        .collect();
    if let Some(observation) = located.iter().position(Option::is_none) {
        return Err(DimensionalityError::Mismatch { observation });
    }
    let used: Vec<bool> = located.iter().map(|l| *l == Some(true)).collect();
    drop(located);
    let item_facet = data.item_facet;
    let n_items = data.facets[item_facet].len();
    let mut answered = vec![false; n_items];
    for (n, _) in used.iter().enumerate().filter(|(_, u)| **u) {
        answered[data.elements[item_facet][n] as usize] = true;
    }
    let mut column = vec![None; n_items];
    let mut items = Vec::new();
    for (i, a) in answered.iter().enumerate() {
        if *a {
            column[i] = Some(items.len());
            items.push(data.facets[item_facet].labels[i].clone());
        }
    }
    if items.len() < 2 {
        return Err(DimensionalityError::TooFewItems { items: items.len() });
    }
    let records = Records::new(data, &used);
    Ok(Prepared {
        lookup,
        records,
        column,
        items,
    })
}

/// Residuals of one record, per column: standardised and raw (means over repeated responses).
struct RecordRow {
    standardized: Vec<Option<f64>>,
    raw: Vec<Option<f64>>,
    count: Vec<f64>,
}

impl RecordRow {
    fn new(items: usize) -> Self {
        RecordRow {
            standardized: vec![None; items],
            raw: vec![None; items],
            count: vec![0.0; items],
        }
    }

    fn clear(&mut self) {
        self.standardized.iter_mut().for_each(|v| *v = None);
        self.raw.iter_mut().for_each(|v| *v = None);
        self.count.iter_mut().for_each(|v| *v = 0.0);
    }

    fn add(&mut self, column: usize, z: f64, y: f64) {
        self.count[column] += 1.0;
        *self.standardized[column].get_or_insert(0.0) += z;
        *self.raw[column].get_or_insert(0.0) += y;
    }

    fn finish(&mut self) {
        for ((z, y), c) in self
            .standardized
            .iter_mut()
            .zip(&mut self.raw)
            .zip(&self.count)
        {
            if *c > 1.0 {
                z.iter_mut().for_each(|v| *v /= c);
                y.iter_mut().for_each(|v| *v /= c);
            }
        }
    }
}

impl Prepared<'_> {
    /// Fills `row` with record `r`'s residuals and passes every response's
    /// (location, expected, variance) to `each`.
    fn record(
        &self,
        data: &RatingData,
        r: usize,
        row: &mut RecordRow,
        scratch: &mut [f64],
        mut each: impl FnMut(usize, &Located, f64, f64),
    ) {
        row.clear();
        for &n in &self.records.order[self.records.range(r)] {
            let n = n as usize;
            let Some(loc) = self.lookup.locate(data, n, data.object_facet) else {
                continue;
            };
            let Some(column) = self.column[data.elements[data.item_facet][n] as usize] else {
                continue;
            };
            let thresholds = &self.lookup.thresholds[loc.scale];
            let mom = score_moments(loc.eta, thresholds, &mut scratch[..thresholds.len() + 1]);
            let y = loc.category as f64 - mom.expected;
            let z = if mom.variance > 0.0 {
                y / mom.variance.sqrt()
            } else {
                0.0
            };
            row.add(column, z, y);
            each(n, &loc, mom.expected, mom.variance);
        }
        row.finish();
    }
}

/// The records x items matrices of standardised and raw residuals (`None`: no response), one
/// row per record (see the module notes for the unit), with each record's elements.
#[derive(Debug, Clone, PartialEq)]
pub struct ResidualMatrix {
    /// The items (columns), in item order.
    pub items: Vec<String>,
    /// The facets of a record's elements (object first).
    pub facets: Vec<String>,
    /// Each record's element labels, in `facets` order.
    pub records: Vec<Vec<String>>,
    /// Standardised residuals `z`, one row per record.
    pub standardized: Vec<Vec<Option<f64>>>,
    /// Raw residuals `x - E`, one row per record.
    pub raw: Vec<Vec<Option<f64>>>,
}

/// The dense residual matrix of a run (for inspection and small data; [`dimensionality`] does
/// not build it).
pub fn residual_matrix(
    fit: &Fit,
    data: &RatingData,
) -> Result<ResidualMatrix, DimensionalityError> {
    let prepared = prepare(fit, data)?;
    let items = prepared.items.len();
    let mut scratch = vec![0.0; prepared.lookup.max_categories + 1];
    let mut row = RecordRow::new(items);
    let mut out = ResidualMatrix {
        items: prepared.items.clone(),
        facets: prepared.records.facet_names(data),
        records: Vec::with_capacity(prepared.records.count()),
        standardized: Vec::with_capacity(prepared.records.count()),
        raw: Vec::with_capacity(prepared.records.count()),
    };
    for r in 0..prepared.records.count() {
        prepared.record(data, r, &mut row, &mut scratch, |_, _, _, _| {});
        let first = prepared.records.order[prepared.records.starts[r]] as usize;
        out.records.push(
            prepared
                .records
                .facets
                .iter()
                .map(|&f| data.facets[f].labels[data.elements[f][first] as usize].clone())
                .collect(),
        );
        out.standardized.push(row.standardized.clone());
        out.raw.push(row.raw.clone());
    }
    Ok(out)
}

/// One object's measure from one cluster's items.
#[derive(Debug, Clone, Copy, PartialEq)]
struct ClusterMeasure {
    measure: f64,
    se: f64,
    extreme: bool,
}

/// Maximum-likelihood measure of an object from `responses` (rest of the linear predictor,
/// scale, category), the other facets fixed: solves `Σ E(θ + rest) = Σ x`, extreme scores moved
/// in by `adjustment` score points. `None` without information or with an extreme score and no
/// adjustment.
fn object_measure(
    responses: &[(f64, usize, usize)],
    thresholds: &[Vec<f64>],
    adjustment: f64,
    start: f64,
    scratch: &mut [f64],
) -> Option<ClusterMeasure> {
    let score: f64 = responses.iter().map(|r| r.2 as f64).sum();
    let top: f64 = responses.iter().map(|r| thresholds[r.1].len() as f64).sum();
    if top <= 0.0 {
        return None;
    }
    let extreme = score <= 0.0 || score >= top;
    let target = if score <= 0.0 {
        adjustment
    } else if score >= top {
        top - adjustment
    } else {
        score
    };
    if extreme && !(adjustment > 0.0 && adjustment < top) {
        return None;
    }
    let moments = |theta: f64, scratch: &mut [f64]| {
        responses.iter().fold((0.0, 0.0), |(e, w), &(rest, s, _)| {
            let t = &thresholds[s];
            let m = score_moments(theta + rest, t, &mut scratch[..t.len() + 1]);
            (e + m.expected, w + m.variance)
        })
    };
    // Newton-Raphson; the information of the last step (taken at most 1e-6 logits away) is
    // that of the estimate for the S.E.
    let mut theta = start;
    let mut information = 0.0;
    for _ in 0..100 {
        let (e, w) = moments(theta, scratch);
        if w <= 0.0 {
            return None;
        }
        information = w;
        let step = ((target - e) / w).clamp(-1.0, 1.0);
        theta += step;
        if step.abs() < 1e-6 {
            break;
        }
    }
    (information > 0.0 && theta.is_finite()).then(|| ClusterMeasure {
        measure: theta,
        se: 1.0 / information.sqrt(),
        extreme,
    })
}

/// Winsteps Table 23 (variance decomposition, contrasts, loadings, clusters and the
/// correlations of the cluster measures) and Yen's Q3 for a fit and the observations it was
/// fitted on. See the module notes for the unit of a row and the equations.
pub fn dimensionality(fit: &Fit, data: &RatingData) -> Result<Dimensionality, DimensionalityError> {
    let prepared = prepare(fit, data)?;
    let items = prepared.items.len();
    let n_facets = fit.facets.len();
    let records = prepared.records.count();
    let width = prepared.lookup.max_categories + 1;

    // Pass one: pairwise sums of the residuals and the variance sums, over the records.
    let sums = ordered_sum(
        records,
        || Sums::new(items, n_facets),
        |range| {
            let mut sums = Sums::new(items, n_facets);
            let mut row = RecordRow::new(items);
            let mut scratch = vec![0.0; width];
            for r in range {
                prepared.record(
                    data,
                    r,
                    &mut row,
                    &mut scratch,
                    |n, loc, expected, variance| {
                        let base = f64::from(prepared.lookup.bases[loc.scale]);
                        let x = base + loc.category as f64;
                        let e = base + expected;
                        sums.count += 1.0;
                        sums.sum_x += x;
                        sums.sum_e += e;
                        sums.sum_e2 += e * e;
                        sums.sum_r2 += (x - e) * (x - e);
                        sums.sum_w += variance;
                        for f in 0..n_facets {
                            let t = prepared.lookup.signed[f][data.elements[f][n] as usize];
                            sums.facet_sum[f] += t;
                        }
                    },
                );
                sums.standardized.add_row(&row.standardized);
                sums.raw.add_row(&row.raw);
            }
            sums
        },
        Sums::merge,
    );

    // Variance decomposition.
    let l = items as f64;
    let mean_x = sums.sum_x / sums.count;
    let explained_raw =
        (sums.sum_e2 - 2.0 * mean_x * sums.sum_e + sums.count * mean_x * mean_x).max(0.0);
    let explained = if sums.sum_r2 > 0.0 {
        l * explained_raw / sums.sum_r2
    } else {
        0.0
    };
    let total = explained + l;
    let facet_means: Vec<f64> = sums.facet_sum.iter().map(|s| s / sums.count).collect();
    let facet_variance = facet_variances(data, &prepared, &facet_means);
    let all_facets: f64 = facet_variance.iter().sum();
    let explained_by = fit
        .facets
        .iter()
        .zip(&facet_variance)
        .map(|(f, v)| {
            let eigenvalue = if all_facets > 0.0 {
                explained * v / all_facets
            } else {
                0.0
            };
            FacetVariance {
                facet: f.name.clone(),
                eigenvalue,
                share: eigenvalue / total,
            }
        })
        .collect();
    let variance = VarianceDecomposition {
        total,
        explained,
        explained_by,
        unexplained: l,
        explained_share: explained / total,
        modelled_explained_share: if explained_raw + sums.sum_w > 0.0 {
            explained_raw / (explained_raw + sums.sum_w)
        } else {
            0.0
        },
    };

    // Contrasts.
    let components = principal_components(&sums.standardized.correlation_matrix());
    let contrasts: Vec<Contrast> = components
        .iter()
        .take(CONTRASTS)
        .enumerate()
        .map(|(c, comp)| Contrast {
            contrast: c + 1,
            eigenvalue: comp.eigenvalue,
            variance_share: comp.eigenvalue / total,
            unexplained_share: comp.eigenvalue / l,
            loadings: prepared
                .items
                .iter()
                .zip(&comp.loadings)
                .map(|(item, &loading)| Loading {
                    item: item.clone(),
                    loading,
                })
                .collect(),
        })
        .collect();

    let q3 = q3_summary(&prepared.items, &sums.raw, &sums.standardized);

    // Clusters of the first contrast and the objects measured from each.
    let cluster_of = components
        .first()
        .map(|c| clusters_by_loading(&c.loadings))
        .unwrap_or_default();
    let (clusters, cluster_correlations) = cluster_measures(fit, data, &prepared, &cluster_of);

    Ok(Dimensionality {
        contrasts,
        q3,
        variance,
        clusters,
        cluster_correlations,
        items: prepared.items.clone(),
        record: RecordUnit {
            facets: prepared.records.facet_names(data),
            records,
            responses: prepared.records.order.len(),
        },
    })
}

/// Per facet `f`, `Σ (E_f - Ē_f)²` over the responses used, `E_f` the expected score with facet
/// `f` at the response's element and every other facet at its mean term `means[g]`: the
/// variance of the expected scores that facet `f` alone produces. `E_f` depends only on the
/// element of `f` and the response's scale, so the responses are counted per (element, scale)
/// and each expectation is computed once.
fn facet_variances(data: &RatingData, prepared: &Prepared, means: &[f64]) -> Vec<f64> {
    let all: f64 = means.iter().sum();
    let n_scales = prepared.lookup.thresholds.len().max(1);
    let mut scratch = vec![0.0; prepared.lookup.max_categories + 1];
    let scale_of = |n: usize| match prepared.lookup.fit.scale_facet {
        Some(f) => data.elements[f][n] as usize,
        None => 0,
    };
    means
        .iter()
        .enumerate()
        .map(|(f, mean_f)| {
            let elements = prepared.lookup.signed[f].len();
            let mut counts = vec![0u32; elements * n_scales];
            for &n in &prepared.records.order {
                let n = n as usize;
                let at = data.elements[f][n] as usize * n_scales + scale_of(n);
                if let Some(c) = counts.get_mut(at) {
                    *c += 1;
                }
            }
            let (mut count, mut sum, mut sum2) = (0.0, 0.0, 0.0);
            for (at, &c) in counts.iter().enumerate().filter(|(_, c)| **c > 0) {
                let (element, scale) = (at / n_scales, at % n_scales);
                let thresholds = &prepared.lookup.thresholds[scale];
                let eta = all - mean_f + prepared.lookup.signed[f][element];
                let e = f64::from(prepared.lookup.bases[scale])
                    + score_moments(eta, thresholds, &mut scratch[..thresholds.len() + 1]).expected;
                let c = f64::from(c);
                count += c;
                sum += c * e;
                sum2 += c * e * e;
            }
            if count == 0.0 {
                return 0.0;
            }
            let m = sum / count;
            (sum2 / count - m * m).max(0.0)
        })
        .collect()
}

/// Pass two: every object re-measured from each cluster's items; the clusters' reliabilities
/// and the correlations of their measures.
fn cluster_measures(
    fit: &Fit,
    data: &RatingData,
    prepared: &Prepared,
    cluster_of: &[usize],
) -> (Vec<ItemCluster>, Vec<ClusterCorrelation>) {
    let object = data.object_facet;
    let order = &prepared.records.order;
    // Objects are contiguous in the record order (object first).
    let mut object_starts = Vec::new();
    for (k, &n) in order.iter().enumerate() {
        if k == 0
            || data.elements[object][order[k - 1] as usize] != data.elements[object][n as usize]
        {
            object_starts.push(k);
        }
    }
    object_starts.push(order.len());
    let objects = object_starts.len() - 1;
    let adjustment = fit.options.extreme_adjustment;
    let width = prepared.lookup.max_categories + 1;
    let measures: Vec<[Option<ClusterMeasure>; CLUSTERS]> = ordered_sum(
        objects,
        Vec::new,
        |range| {
            let mut out = Vec::with_capacity(range.len());
            let mut scratch = vec![0.0; width];
            let mut responses: [Vec<(f64, usize, usize)>; CLUSTERS] = Default::default();
            for o in range {
                responses.iter_mut().for_each(Vec::clear);
                let mut start = 0.0;
                for &n in &order[object_starts[o]..object_starts[o + 1]] {
                    let n = n as usize;
                    let Some(loc) = prepared.lookup.locate(data, n, object) else {
                        continue;
                    };
                    start = loc.eta - loc.rest;
                    let Some(column) = prepared.column[data.elements[data.item_facet][n] as usize]
                    else {
                        continue;
                    };
                    if let Some(&c) = cluster_of.get(column) {
                        responses[c - 1].push((loc.rest, loc.scale, loc.category));
                    }
                }
                let mut m: [Option<ClusterMeasure>; CLUSTERS] = [None; CLUSTERS];
                for (slot, r) in m.iter_mut().zip(&responses) {
                    if !r.is_empty() {
                        *slot = object_measure(
                            r,
                            &prepared.lookup.thresholds,
                            adjustment,
                            start,
                            &mut scratch,
                        );
                    }
                }
                out.push(m);
            }
            out
        },
        |mut a, b| {
            a.extend(b);
            a
        },
    );

    let reliability = |c: usize, with_extremes: bool| {
        let (values, errors): (Vec<f64>, Vec<f64>) = measures
            .iter()
            .filter_map(|m| m[c])
            .filter(|m| with_extremes || !m.extreme)
            .map(|m| (m.measure, m.se * m.se))
            .unzip();
        if values.len() < 2 {
            return None;
        }
        let k = values.len() as f64;
        let mean = values.iter().sum::<f64>() / k;
        let sd = (values.iter().map(|v| (v - mean).powi(2)).sum::<f64>() / k).sqrt();
        (sd > 0.0).then(|| Separation::new(sd, errors.iter().sum::<f64>() / k).reliability)
    };
    let clusters: Vec<ItemCluster> = (0..CLUSTERS)
        .map(|c| ItemCluster {
            cluster: c + 1,
            items: prepared
                .items
                .iter()
                .zip(cluster_of)
                .filter(|(_, &k)| k == c + 1)
                .map(|(i, _)| i.clone())
                .collect(),
            objects: measures.iter().filter(|m| m[c].is_some()).count(),
            reliability: reliability(c, false),
            reliability_with_extremes: reliability(c, true),
        })
        .collect();
    let correlations = CLUSTER_PAIRS
        .iter()
        .map(|&(a, b)| {
            let pairs = |with_extremes: bool| -> (Vec<f64>, Vec<f64>) {
                measures
                    .iter()
                    .filter_map(|m| Some((m[a - 1]?, m[b - 1]?)))
                    .filter(|(x, y)| with_extremes || !(x.extreme || y.extreme))
                    .map(|(x, y)| (x.measure, y.measure))
                    .unzip()
            };
            let disattenuate = |r: Option<f64>, with_extremes: bool| {
                let (ra, rb) = (clusters[a - 1].clone(), clusters[b - 1].clone());
                let (ra, rb) = if with_extremes {
                    (ra.reliability_with_extremes, rb.reliability_with_extremes)
                } else {
                    (ra.reliability, rb.reliability)
                };
                let product = ra? * rb?;
                (product > 0.0)
                    .then(|| r.map(|r| r / product.sqrt()))
                    .flatten()
            };
            let (x, y) = pairs(false);
            let pearson_plain = pearson(&x, &y);
            let (xe, ye) = pairs(true);
            let pearson_extremes = pearson(&xe, &ye);
            ClusterCorrelation {
                a,
                b,
                objects: x.len(),
                pearson: pearson_plain,
                disattenuated: disattenuate(pearson_plain, false),
                pearson_with_extremes: pearson_extremes,
                disattenuated_with_extremes: disattenuate(pearson_extremes, true),
            }
        })
        .collect();
    (clusters, correlations)
}
