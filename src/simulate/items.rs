//! The ten MHS survey items and their true parameters.
//!
//! Items follow the MHS release coding (Kennedy et al. 2020), where a higher code is always the
//! more hateful answer: nine items on a five-point scale `0..=4` and `hatespeech` on `0..=2`.
//!
//! The true difficulties are chosen so that, with comment measures near N(-0.5, 2²), the category
//! frequencies look roughly like MHS: `sentiment` and `respect` lean to the high codes (most
//! comments are at least somewhat negative or disrespectful), `insult`/`humiliate`/`status` sit in
//! the middle, and `dehumanize`, `violence` and `genocide` are mostly `0`. The difficulties sum to
//! zero, so they are already in the frame a many-facet engine reports (items centred at zero).
//!
//! Thresholds `F_{i,1..m}` are ordered and sum to zero per item, so `D_i` is the item location.

/// The true parameters of one simulated item.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ItemSpec {
    /// The MHS column name.
    pub name: &'static str,
    /// `D_i`, the item location in logits (sum over items is zero).
    pub difficulty: f64,
    /// `F_{i,1..m}`: ordered Rasch-Andrich thresholds that sum to zero. Categories are `0..=m`.
    pub thresholds: &'static [f64],
}

impl ItemSpec {
    /// The highest category code `m`.
    pub fn max_score(&self) -> u8 {
        self.thresholds.len() as u8
    }

    /// Number of categories `m + 1`.
    pub fn n_categories(&self) -> usize {
        self.thresholds.len() + 1
    }
}

/// Number of simulated items.
pub const N_ITEMS: usize = 10;

/// The largest number of categories of any item (`0..=4`).
pub const MAX_CATEGORIES: usize = 5;

/// The ten MHS items in release column order with their true difficulties and thresholds.
///
/// Difficulties run from -1.5 (`sentiment`, the easiest item to score high on) to +1.9
/// (`genocide`, the hardest), and sum to zero.
pub const ITEMS: [ItemSpec; N_ITEMS] = [
    ItemSpec {
        name: "sentiment",
        difficulty: -1.5,
        thresholds: &[-2.0, -0.6, 0.4, 2.2],
    },
    ItemSpec {
        name: "respect",
        difficulty: -1.3,
        thresholds: &[-1.6, -0.8, 0.6, 1.8],
    },
    ItemSpec {
        name: "insult",
        difficulty: -0.5,
        thresholds: &[-1.2, -0.4, 0.3, 1.3],
    },
    ItemSpec {
        name: "humiliate",
        difficulty: -0.1,
        thresholds: &[-1.0, -0.5, 0.4, 1.1],
    },
    ItemSpec {
        name: "status",
        difficulty: 0.0,
        thresholds: &[-1.4, -0.3, 0.5, 1.2],
    },
    ItemSpec {
        name: "dehumanize",
        difficulty: 0.7,
        thresholds: &[-0.9, -0.4, 0.3, 1.0],
    },
    ItemSpec {
        name: "violence",
        difficulty: 1.4,
        thresholds: &[-0.8, -0.3, 0.3, 0.8],
    },
    ItemSpec {
        name: "genocide",
        difficulty: 1.9,
        thresholds: &[-0.7, -0.2, 0.2, 0.7],
    },
    ItemSpec {
        name: "attack_defend",
        difficulty: -0.9,
        thresholds: &[-1.7, -0.4, 0.5, 1.6],
    },
    ItemSpec {
        name: "hatespeech",
        difficulty: 0.3,
        thresholds: &[-0.2, 0.2],
    },
];
