//! Rater quality: flags with their rules and numbers ([`flags`]) and agreement between raters
//! ([`agreement`]); what a reviewer inspects per element ([`detail`]) and the annotation
//! queues of the workbench ([`queues`]).

pub mod agreement;
pub mod detail;
pub mod flags;
pub mod queues;

pub use flags::{flag_elements, Flag, FlagLevel, FlagRules, FlagRulesError, Rule};

/// Pearson correlation of paired values (`None` with fewer than two pairs or no variance).
pub fn pearson(pairs: &[(f64, f64)]) -> Option<f64> {
    let n = pairs.len() as f64;
    if pairs.len() < 2 {
        return None;
    }
    let (mx, my) = pairs
        .iter()
        .fold((0.0, 0.0), |(a, b), (x, y)| (a + x, b + y));
    let (mx, my) = (mx / n, my / n);
    let (mut sxy, mut sxx, mut syy) = (0.0, 0.0, 0.0);
    for (x, y) in pairs {
        sxy += (x - mx) * (y - my);
        sxx += (x - mx).powi(2);
        syy += (y - my).powi(2);
    }
    (sxx > 0.0 && syy > 0.0).then(|| sxy / (sxx * syy).sqrt())
}
