//! The prepared form of a rating design: flat element indices, per-observation scale and
//! category, and which observations take part in estimation.

use super::error::MeasureError;
use super::options::{FitOptions, UnobservedCategories};
use crate::data::RatingData;

/// Largest number of categories in one scale (stack scratch space in the hot loop).
pub const MAX_CATEGORIES: usize = 64;

/// One rating scale: its categories, in model order, with the raw scores they stand for.
#[derive(Debug, Clone)]
pub(crate) struct ScaleDef {
    /// The element of the scale facet that owns the scale (`None` for a shared rating scale).
    pub element: Option<u32>,
    /// Raw scores of the categories `0..=m` (observed ones, or the full observed range under
    /// `Keep`).
    pub raw_values: Vec<i32>,
    /// Whether each category was observed at all.
    pub observed: Vec<bool>,
    /// Lowest raw score the lookup table covers.
    pub lookup_min: i32,
    /// Raw score minus `lookup_min` -> category index (`u8::MAX` = not a category).
    pub lookup: Vec<u8>,
}

impl ScaleDef {
    /// Number of thresholds `m` (categories minus one).
    pub fn n_thresholds(&self) -> usize {
        self.raw_values.len() - 1
    }

    /// The model category of a raw score, if it is one of the scale's categories.
    pub fn category_of(&self, raw: i32) -> Option<usize> {
        let i = raw.checked_sub(self.lookup_min)?;
        let k = *self.lookup.get(usize::try_from(i).ok()?)?;
        (k != u8::MAX).then_some(k as usize)
    }

    /// The score value of category `k` used by the model (the bottom raw score plus `k`, so
    /// Ordinal renumbering closes gaps).
    pub fn value(&self, k: usize) -> f64 {
        (self.raw_values[0] + k as i32) as f64
    }
}

/// The prepared design.
pub(crate) struct Design<'a> {
    pub data: &'a RatingData,
    /// `offsets[f]`: flat index of the first element of facet `f`; `offsets[F]` = total.
    pub offsets: Vec<usize>,
    /// Orientation of each facet: +1 for a positive facet (by default the object facet), -1
    /// otherwise.
    pub signs: Vec<f64>,
    pub scale_facet: Option<usize>,
    pub scales: Vec<ScaleDef>,
    /// Scale of each observation.
    pub obs_scale: Vec<u32>,
    /// Model category of each observation.
    pub obs_category: Vec<u8>,
}

impl<'a> Design<'a> {
    pub fn n_elements(&self) -> usize {
        *self.offsets.last().unwrap_or(&0)
    }

    pub fn n_facets(&self) -> usize {
        self.signs.len()
    }

    /// Flat index of element `j` of facet `f`.
    #[inline]
    pub fn flat(&self, f: usize, j: u32) -> usize {
        self.offsets[f] + j as usize
    }

    /// Facet of a flat element index.
    pub fn facet_of(&self, flat: usize) -> usize {
        self.offsets
            .windows(2)
            .position(|w| flat >= w[0] && flat < w[1])
            .unwrap_or(0)
    }

    /// Linear predictor `η = Σ_f sign_f · measure` of observation `n`.
    #[inline]
    pub fn eta(&self, measures: &[f64], n: usize) -> f64 {
        let mut eta = 0.0;
        for (f, col) in self.data.elements.iter().enumerate() {
            eta += self.signs[f] * measures[self.offsets[f] + col[n] as usize];
        }
        eta
    }

    pub fn new(data: &'a RatingData, options: &FitOptions) -> Result<Self, MeasureError> {
        let mut offsets = Vec::with_capacity(data.facets.len() + 1);
        let mut total = 0;
        for facet in &data.facets {
            offsets.push(total);
            total += facet.len();
        }
        offsets.push(total);
        let positive = options.positive_facets(data);
        let signs = (0..data.facets.len())
            .map(|f| if positive.contains(&f) { 1.0 } else { -1.0 })
            .collect();
        let scale_facet = options.scale_facet(data);
        let n_scales = scale_facet.map_or(1, |f| data.facets[f].len());
        let obs_scale: Vec<u32> = match scale_facet {
            Some(f) => data.elements[f].clone(),
            None => vec![0; data.len()],
        };
        // Observed raw scores per scale, and the declared range of its items.
        let mut lo = vec![i32::MAX; n_scales];
        let mut hi = vec![i32::MIN; n_scales];
        let mut declared_lo = vec![i32::MAX; n_scales];
        let mut declared_hi = vec![i32::MIN; n_scales];
        for (n, &score) in data.scores.iter().enumerate() {
            let s = obs_scale[n] as usize;
            lo[s] = lo[s].min(score);
            hi[s] = hi[s].max(score);
            let item = data.scale_of(n);
            declared_lo[s] = declared_lo[s].min(item.min_score);
            declared_hi[s] = declared_hi[s].max(item.max_score);
        }
        let mut scales = Vec::with_capacity(n_scales);
        for s in 0..n_scales {
            let element = scale_facet.map(|_| s as u32);
            let label = || match scale_facet {
                Some(f) => data.facets[f].labels[s].clone(),
                None => "rating scale".to_string(),
            };
            if lo[s] > hi[s] {
                // No observations: an empty two-category scale that no observation uses.
                scales.push(ScaleDef {
                    element,
                    raw_values: vec![0, 1],
                    observed: vec![false, false],
                    lookup_min: 0,
                    lookup: vec![0, 1],
                });
                continue;
            }
            let width = (hi[s] - lo[s] + 1) as usize;
            let mut seen = vec![false; width];
            for (n, &score) in data.scores.iter().enumerate() {
                if obs_scale[n] as usize == s {
                    seen[(score - lo[s]) as usize] = true;
                }
            }
            let (raw_values, observed): (Vec<i32>, Vec<bool>) = if width == 1 {
                // One observed category: only a dichotomy can still be modelled (its single
                // threshold is 0 by the sum-to-zero constraint).
                if declared_hi[s] - declared_lo[s] == 1 {
                    let obs = |v: i32| v == lo[s];
                    (
                        vec![declared_lo[s], declared_hi[s]],
                        vec![obs(declared_lo[s]), obs(declared_hi[s])],
                    )
                } else {
                    return Err(MeasureError::SingleCategoryScale {
                        scale: label(),
                        category: lo[s],
                    });
                }
            } else {
                match options.unobserved_categories {
                    UnobservedCategories::Ordinal => (0..width)
                        .filter(|&i| seen[i])
                        .map(|i| (lo[s] + i as i32, true))
                        .unzip(),
                    UnobservedCategories::Keep => {
                        (0..width).map(|i| (lo[s] + i as i32, seen[i])).unzip()
                    }
                }
            };
            if raw_values.len() > MAX_CATEGORIES {
                return Err(MeasureError::TooManyCategories {
                    scale: label(),
                    categories: raw_values.len(),
                    max: MAX_CATEGORIES,
                });
            }
            let lookup_min = raw_values[0];
            let span = (raw_values[raw_values.len() - 1] - lookup_min + 1) as usize;
            let mut lookup = vec![u8::MAX; span];
            for (k, &v) in raw_values.iter().enumerate() {
                lookup[(v - lookup_min) as usize] = k as u8;
            }
            scales.push(ScaleDef {
                element,
                raw_values,
                observed,
                lookup_min,
                lookup,
            });
        }
        let obs_category = data
            .scores
            .iter()
            .zip(&obs_scale)
            .map(|(&score, &s)| scales[s as usize].category_of(score).unwrap_or(0) as u8)
            .collect();
        Ok(Design {
            data,
            offsets,
            signs,
            scale_facet,
            scales,
            obs_scale,
            obs_category,
        })
    }
}
