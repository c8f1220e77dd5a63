//! The linked rating design: who rates which comment.
//!
//! - Every non-reference comment gets `k ~ U{min..=max}` raters (`raters_per_comment`).
//! - The number of raters is `R = ceil(T / (ratings_per_rater - mean(reference_per_rater)))`,
//!   where `T` is the total number of non-reference ratings (and at least `max` raters, so every
//!   comment can find enough distinct raters).
//! - Non-reference ratings are dealt from a stream of rater "tokens" made of whole random
//!   permutations of all raters (plus part of one more), so every rater gets `floor(T/R)` or
//!   `ceil(T/R)` of them. A permutation never repeats a rater, so a repeat inside one comment's
//!   group can only occur across a permutation boundary; it is removed by swapping with a nearby
//!   token. The whole deal is linear in `T`.
//! - Each rater also rates `U{min..=max}` distinct reference comments (`reference_per_rater`).
//! - Every rater rates at least one reference comment, so the design is connected as soon as the
//!   reference comments are linked to each other; a union-find pass checks this and, in the rare
//!   case it is not, adds one reference rating per stray component.

use crate::network::UnionFind;
use rand::seq::SliceRandom;
use rand::Rng;

use super::SimulationConfig;

/// One rating event (before responses are drawn): comment index and rater index.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Pair {
    pub comment: u32,
    pub rater: u32,
}

pub(crate) struct Design {
    pub n_raters: usize,
    pub pairs: Vec<Pair>,
}

/// Builds the design for `n_comments` comments, of which `reference` are the reference set.
pub(crate) fn build<R: Rng>(
    cfg: &SimulationConfig,
    n_comments: usize,
    reference: &[u32],
    rng: &mut R,
) -> Design {
    let mut is_reference = vec![false; n_comments];
    for &c in reference {
        is_reference[c as usize] = true;
    }
    let mut others: Vec<u32> = (0..n_comments as u32)
        .filter(|&c| !is_reference[c as usize])
        .collect();
    others.shuffle(rng);

    let (k_min, k_max) = cfg.raters_per_comment;
    let group_sizes: Vec<usize> = others
        .iter()
        .map(|_| rng.random_range(k_min..=k_max))
        .collect();
    let total: usize = group_sizes.iter().sum();

    let (ref_min, ref_max) = cfg.reference_per_rater;
    let mean_reference = (ref_min + ref_max) as f64 / 2.0;
    let per_rater = cfg.ratings_per_rater as f64 - mean_reference;
    let n_raters = ((total as f64 / per_rater).ceil() as usize).max(k_max);

    let mut tokens = deal_tokens(total, n_raters, rng);
    separate_repeats(&mut tokens, &group_sizes);

    let mut pairs = Vec::with_capacity(total + n_raters * ref_max);
    let mut at = 0;
    for (&comment, &k) in others.iter().zip(&group_sizes) {
        let group = &tokens[at..at + k];
        for (i, &rater) in group.iter().enumerate() {
            // Safety net for pathological tiny designs where no swap could separate a repeat:
            // a rater never rates the same comment twice.
            if !group[..i].contains(&rater) {
                pairs.push(Pair { comment, rater });
            }
        }
        at += k;
    }

    for rater in 0..n_raters as u32 {
        let k = rng.random_range(ref_min..=ref_max);
        for i in rand::seq::index::sample(rng, reference.len(), k).iter() {
            pairs.push(Pair {
                comment: reference[i],
                rater,
            });
        }
    }

    link_components(&mut pairs, n_comments, n_raters, reference);
    Design { n_raters, pairs }
}

/// `total` rater tokens: whole shuffled permutations of `0..n_raters`, then the first
/// `total % n_raters` of one more.
fn deal_tokens<R: Rng>(total: usize, n_raters: usize, rng: &mut R) -> Vec<u32> {
    let mut tokens = Vec::with_capacity(total);
    let mut permutation: Vec<u32> = (0..n_raters as u32).collect();
    while tokens.len() < total {
        permutation.shuffle(rng);
        let take = (total - tokens.len()).min(n_raters);
        tokens.extend_from_slice(&permutation[..take]);
    }
    tokens
}

/// Rearranges `tokens` so no group (consecutive runs of `group_sizes`) holds a rater twice.
/// Only swaps tokens, so every rater keeps its number of ratings.
fn separate_repeats(tokens: &mut [u32], group_sizes: &[usize]) {
    let mut start = 0;
    for &k in group_sizes {
        let end = start + k;
        for i in start + 1..end {
            if !tokens[start..i].contains(&tokens[i]) {
                continue;
            }
            // Forward: any later token not already in this group.
            let forward = (end..tokens.len()).find(|&j| !tokens[start..end].contains(&tokens[j]));
            if let Some(j) = forward {
                tokens.swap(i, j);
                continue;
            }
            // Backward (only near the end of the stream): a token of an earlier group that is not
            // in this group, while the repeated rater is not in that earlier group.
            let repeated = tokens[i];
            let mut g_start = 0;
            'groups: for &g_k in group_sizes {
                let g_end = g_start + g_k;
                if g_end > start {
                    break;
                }
                if !tokens[g_start..g_end].contains(&repeated) {
                    for j in g_start..g_end {
                        if !tokens[start..end].contains(&tokens[j]) {
                            tokens.swap(i, j);
                            break 'groups;
                        }
                    }
                }
                g_start = g_end;
            }
        }
        start = end;
    }
}

/// Makes the comment–rater graph connected. Nodes are comments `0..n_comments` then raters.
/// Every rater rates at least one reference comment, so a stray component is joined to the main
/// one (the component of rater 0) by giving one of its raters one more reference rating (a
/// reference comment of rater 0), or, for a reference comment nobody rated, by giving it to
/// rater 0.
fn link_components(pairs: &mut Vec<Pair>, n_comments: usize, n_raters: usize, reference: &[u32]) {
    let rater_node = |r: u32| (n_comments + r as usize) as u32;
    let mut uf = UnionFind::new(n_comments + n_raters);
    for p in pairs.iter() {
        uf.union(p.comment, rater_node(p.rater));
    }
    let Some(anchor) = pairs
        .iter()
        .find(|p| p.rater == 0 && reference.contains(&p.comment))
        .map(|p| p.comment)
    else {
        return;
    };
    let mut extra = Vec::new();
    // Raters first: stray raters each pull their component in.
    for r in 0..n_raters as u32 {
        if uf.find(rater_node(r)) != uf.find(rater_node(0)) {
            extra.push(Pair {
                comment: anchor,
                rater: r,
            });
            uf.union(rater_node(r), anchor);
        }
    }
    // Then comments nobody rated (possible only for reference comments in tiny designs).
    for &c in reference {
        if uf.find(c) != uf.find(rater_node(0)) {
            extra.push(Pair {
                comment: c,
                rater: 0,
            });
            uf.union(c, rater_node(0));
        }
    }
    pairs.extend(extra);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn separate_repeats_removes_in_group_duplicates_and_keeps_counts() {
        // Two raters dealt as [0,1][1,0][0,1] into groups of 2 would already be fine; force
        // repeats with groups of 2 over the stream [0,0,1,1,0,1].
        let mut tokens = vec![0, 0, 1, 1, 0, 1];
        separate_repeats(&mut tokens, &[2, 2, 2]);
        for g in tokens.chunks(2) {
            assert_ne!(g[0], g[1], "{tokens:?}");
        }
        assert_eq!(tokens.iter().filter(|&&t| t == 0).count(), 3);
    }
}
