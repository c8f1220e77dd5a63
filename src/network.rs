//! Connectedness of the rating network (Facets' "subset detection").
//!
//! Measures in a many-facet model are comparable only when the design links them. For the additive
//! model `η = B_n - Σ C_j - D_i`, if the elements of two facets `f` and `g` split into groups such
//! that every observation's `f`-element and `g`-element lie in the same group, then adding a
//! constant to one group's `f` measures and the matching constant to its `g` measures leaves every
//! `η` unchanged: the groups are *disjoint subsets* whose measures are not comparable
//! (Linacre, Facets manual, "Subset connectedness").
//!
//! [`connectedness`] therefore builds, for every pair of facets, the bipartite graph whose edges
//! are the observations, and finds its components with a union-find. A pair with more than one
//! component is a proven disconnection (no false alarms). Linking through a third facet does not
//! help: items crossed with every comment and rater do not connect two rater/comment groups.

use crate::data::RatingData;
use serde::{Deserialize, Serialize};

/// Disjoint-set forest with path halving and union by size.
#[derive(Debug, Clone)]
pub struct UnionFind {
    parent: Vec<u32>,
    size: Vec<u32>,
}

impl UnionFind {
    /// A forest of `n` singleton sets `0..n`.
    pub fn new(n: usize) -> Self {
        UnionFind {
            parent: (0..n as u32).collect(),
            size: vec![1; n],
        }
    }

    /// The representative (root) of `x`'s set, halving the path on the way.
    pub fn find(&mut self, mut x: u32) -> u32 {
        while self.parent[x as usize] != x {
            let grand = self.parent[self.parent[x as usize] as usize];
            self.parent[x as usize] = grand;
            x = grand;
        }
        x
    }

    /// Merges the sets of `a` and `b` (the smaller set joins the larger).
    pub fn union(&mut self, a: u32, b: u32) {
        let (ra, rb) = (self.find(a), self.find(b));
        if ra == rb {
            return;
        }
        let (big, small) = if self.size[ra as usize] >= self.size[rb as usize] {
            (ra, rb)
        } else {
            (rb, ra)
        };
        self.parent[small as usize] = big;
        self.size[big as usize] += self.size[small as usize];
    }
}

/// One disjoint subset of a facet pair's network.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Subset {
    /// Number of elements of the first facet of the pair in this subset.
    pub first_elements: usize,
    /// Number of elements of the second facet of the pair in this subset.
    pub second_elements: usize,
    /// Observations inside this subset.
    pub observations: usize,
    /// Up to [`EXAMPLE_LABELS`] labels of the first facet's elements, to find the subset in the data.
    pub first_examples: Vec<String>,
    /// Up to [`EXAMPLE_LABELS`] labels of the second facet's elements.
    pub second_examples: Vec<String>,
}

/// How many element labels a [`Subset`] lists as examples.
pub const EXAMPLE_LABELS: usize = 5;

/// The components of one facet pair's network, largest first.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PairComponents {
    /// The name of the pair's first facet (the earlier one in model order).
    pub first_facet: String,
    /// The name of the pair's second facet.
    pub second_facet: String,
    /// The disjoint subsets, most observations first; more than one means the pair is
    /// disconnected.
    pub subsets: Vec<Subset>,
}

/// The connectedness report of a rating design.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Connectedness {
    /// True when every facet pair's network is one component.
    pub connected: bool,
    /// Every facet pair, with its components (one entry when connected).
    pub pairs: Vec<PairComponents>,
}

impl Connectedness {
    /// The facet pairs split into more than one subset.
    pub fn disconnected_pairs(&self) -> impl Iterator<Item = &PairComponents> {
        self.pairs.iter().filter(|p| p.subsets.len() > 1)
    }
}

/// Components of the bipartite network of facets `f` and `g` (elements without observations are
/// not part of any subset).
pub fn pair_components(data: &RatingData, f: usize, g: usize) -> PairComponents {
    let (nf, ng) = (data.facets[f].len(), data.facets[g].len());
    let mut forest = UnionFind::new(nf + ng);
    let (col_f, col_g) = (&data.elements[f], &data.elements[g]);
    for (&a, &b) in col_f.iter().zip(col_g) {
        forest.union(a, nf as u32 + b);
    }
    // Component id (root) -> dense subset index, in order of first appearance.
    let mut subset_of_root = vec![u32::MAX; nf + ng];
    let mut subsets: Vec<Subset> = Vec::new();
    let mut seen = vec![false; nf + ng];
    for (&a, &b) in col_f.iter().zip(col_g) {
        let root = forest.find(a) as usize;
        if subset_of_root[root] == u32::MAX {
            subset_of_root[root] = subsets.len() as u32;
            subsets.push(Subset {
                first_elements: 0,
                second_elements: 0,
                observations: 0,
                first_examples: Vec::new(),
                second_examples: Vec::new(),
            });
        }
        let subset = &mut subsets[subset_of_root[root] as usize];
        subset.observations += 1;
        if !seen[a as usize] {
            seen[a as usize] = true;
            subset.first_elements += 1;
            if subset.first_examples.len() < EXAMPLE_LABELS {
                subset
                    .first_examples
                    .push(data.facets[f].labels[a as usize].clone());
            }
        }
        let bg = nf + b as usize;
        if !seen[bg] {
            seen[bg] = true;
            subset.second_elements += 1;
            if subset.second_examples.len() < EXAMPLE_LABELS {
                subset
                    .second_examples
                    .push(data.facets[g].labels[b as usize].clone());
            }
        }
    }
    subsets.sort_by_key(|s| std::cmp::Reverse(s.observations));
    PairComponents {
        first_facet: data.facets[f].name.clone(),
        second_facet: data.facets[g].name.clone(),
        subsets,
    }
}

/// Checks every facet pair of the design; the object x rater pairs come first.
pub fn connectedness(data: &RatingData) -> Connectedness {
    let n = data.facets.len();
    let mut pairs = Vec::new();
    for f in 0..n {
        for g in (f + 1)..n {
            pairs.push(pair_components(data, f, g));
        }
    }
    let connected = pairs.iter().all(|p| p.subsets.len() <= 1);
    Connectedness { connected, pairs }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::data::{Facet, FacetRole, ItemScale};

    fn facet(name: &str, role: FacetRole, n: usize) -> Facet {
        Facet::with_labels(name, role, (0..n).map(|i| format!("{name}{i}")))
    }

    /// Objects x raters with every observation on both items; `links` says which (object, rater)
    /// pairs were rated.
    fn design(n_obj: usize, n_rater: usize, links: &[(u32, u32)]) -> RatingData {
        RatingData::from_responses(
            vec![
                facet("comment", FacetRole::Object, n_obj),
                facet("rater", FacetRole::Rater, n_rater),
                facet("item", FacetRole::Item, 2),
            ],
            ItemScale {
                min_score: 0,
                max_score: 1,
            },
            links
                .iter()
                .flat_map(|&(o, r)| (0..2).map(move |item| (vec![o, r, item], 0))),
        )
        .unwrap()
    }

    #[test]
    fn linked_design_is_connected() {
        let data = design(3, 2, &[(0, 0), (1, 0), (1, 1), (2, 1)]);
        let report = connectedness(&data);
        assert!(report.connected);
        assert_eq!(report.pairs.len(), 3);
    }

    #[test]
    fn shared_items_do_not_link_two_rater_groups() {
        // Raters 0 and 1 rate comments 0,1; raters 2 and 3 rate comments 2,3; all rate both items.
        let data = design(
            4,
            4,
            &[(0, 0), (1, 0), (0, 1), (2, 2), (3, 2), (3, 3), (2, 3)],
        );
        let report = connectedness(&data);
        assert!(!report.connected);
        let bad: Vec<_> = report.disconnected_pairs().collect();
        assert_eq!(bad.len(), 1);
        assert_eq!(bad[0].first_facet, "comment");
        assert_eq!(bad[0].second_facet, "rater");
        let sizes: Vec<_> = bad[0]
            .subsets
            .iter()
            .map(|s| (s.first_elements, s.second_elements, s.observations))
            .collect();
        assert_eq!(sizes, vec![(2, 2, 8), (2, 2, 6)]);
        assert_eq!(
            bad[0].subsets[1].first_examples,
            vec!["comment0", "comment1"]
        );
    }

    #[test]
    fn union_find_merges_transitively() {
        let mut uf = UnionFind::new(5);
        uf.union(0, 1);
        uf.union(3, 4);
        uf.union(1, 4);
        assert_eq!(uf.find(0), uf.find(3));
        assert_ne!(uf.find(0), uf.find(2));
    }
}
