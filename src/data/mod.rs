//! The in-memory form of a rating data set, shared by every stage of the pipeline.
//!
//! A rating design is a set of *facets* (Linacre's term): the **object** facet (the things being
//! measured, e.g. comments), zero or more **rater** facets (annotators, platforms, occasions...) and
//! the **item** facet (the survey questions). Each observation names one element of every facet and
//! carries an ordinal category.
//!
//! [`RatingData`] stores observations column-wise ("struct of arrays"): for 1.36 million MHS item
//! responses it takes about 20 MB and is what the store loads, the engine fits and the TUI browses.

use serde::{Deserialize, Serialize};

mod recode;
pub use recode::{Recode, RecodeError};

/// Name of the item facet in a project (the facet every rating design has).
pub const ITEM_FACET: &str = "item";

crate::options::named_enum!(
    /// What a facet is in the measurement model.
    pub enum FacetRole, "facet_role" {
        /// The objects of measurement (comments, essays, persons): positively oriented, not centred.
        Object = "object",
        /// A facet whose elements judge the objects (annotators, platforms): negatively oriented
        /// (severity), centred at zero unless anchored.
        Rater = "rater",
        /// The items (survey questions): negatively oriented (difficulty), centred at zero.
        Item = "item",
    }
);

impl FacetRole {
    /// Parses the name written by [`FacetRole::as_str`].
    pub fn parse(name: &str) -> Option<Self> {
        match name {
            "object" => Some(FacetRole::Object),
            "rater" => Some(FacetRole::Rater),
            "item" => Some(FacetRole::Item),
            _ => None,
        }
    }
}

/// One facet and the labels of its elements; an element's index is its position in `labels`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Facet {
    /// The facet's name, usually the source column (`comment_id`, `annotator_id`, `item`).
    pub name: String,
    /// The facet's role in the model (object, rater or item).
    pub role: FacetRole,
    /// Element labels as they appear in the data (ids are kept as text).
    pub labels: Vec<String>,
}

impl Facet {
    /// A facet with the given element labels.
    pub fn with_labels<L: Into<String>>(
        name: &str,
        role: FacetRole,
        labels: impl IntoIterator<Item = L>,
    ) -> Facet {
        Facet {
            name: name.into(),
            role,
            labels: labels.into_iter().map(Into::into).collect(),
        }
    }

    /// The number of elements.
    pub fn len(&self) -> usize {
        self.labels.len()
    }

    /// Whether the facet has no elements.
    pub fn is_empty(&self) -> bool {
        self.labels.is_empty()
    }
}

impl RatingData {
    /// A design from its facets (in model order, one object and one item facet) and its
    /// responses, each naming one element per facet and the score; every item gets `scale`.
    /// Checked by [`RatingData::check`].
    pub fn from_responses(
        facets: Vec<Facet>,
        scale: ItemScale,
        responses: impl IntoIterator<Item = (Vec<u32>, i32)>,
    ) -> Result<RatingData, RatingDataError> {
        let role_of = |role| facets.iter().position(|f| f.role == role);
        let (Some(object_facet), Some(item_facet)) =
            (role_of(FacetRole::Object), role_of(FacetRole::Item))
        else {
            return Err(RatingDataError::FacetRoles);
        };
        let mut elements = vec![Vec::new(); facets.len()];
        let mut scores = Vec::new();
        for (response, score) in responses {
            if response.len() != facets.len() {
                return Err(RatingDataError::Length {
                    facet: format!("response {}", scores.len()),
                    got: response.len(),
                    expected: facets.len(),
                });
            }
            for (column, element) in elements.iter_mut().zip(response) {
                column.push(element);
            }
            scores.push(score);
        }
        let data = RatingData {
            item_scales: vec![scale; facets[item_facet].len()],
            facets,
            elements,
            scores,
            object_facet,
            item_facet,
        };
        data.check()?;
        Ok(data)
    }
}

/// The rating scale of one item: which scored categories are valid.
///
/// `min_score..=max_score` is the declared range of scored categories after recoding and reversal
/// (e.g. 0..=4 for an MHS item, 1..=9 for Guilford's creativity scale). Not every category in the
/// range needs to be observed; the engine decides how to treat unobserved ones (Facets' `Ordinal`
/// or `Keep`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ItemScale {
    /// The lowest scored category.
    pub min_score: i32,
    /// The highest scored category.
    pub max_score: i32,
}

impl ItemScale {
    /// Number of categories in the declared range.
    pub fn n_categories(&self) -> usize {
        (self.max_score - self.min_score + 1).max(0) as usize
    }
}

/// Observations of a rating design in column form.
///
/// Invariants (checked by [`RatingData::check`]):
/// - `facets[object_facet].role == Object`, `facets[item_facet].role == Item`, every other facet is
///   a rater facet; there is exactly one object and one item facet.
/// - `elements[f].len() == scores.len()` for every facet `f`, and every entry is a valid element
///   index of that facet.
/// - `item_scales.len() == facets[item_facet].len()` and every score lies in its item's range.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RatingData {
    /// The facets in model order: one object facet, one item facet, any number of rater facets.
    pub facets: Vec<Facet>,
    /// `elements[f][n]`: the element of facet `f` in observation `n`.
    pub elements: Vec<Vec<u32>>,
    /// The scored category of each observation (after recoding and reversal).
    pub scores: Vec<i32>,
    /// The rating scale of each element of the item facet.
    pub item_scales: Vec<ItemScale>,
    /// Index in `facets` of the object facet.
    pub object_facet: usize,
    /// Index in `facets` of the item facet.
    pub item_facet: usize,
}

/// A violated invariant of [`RatingData`].
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RatingDataError {
    /// There is not exactly one object facet and one item facet (or the facet indices or
    /// element columns do not match the facets).
    #[error("a rating design needs exactly one object facet and one item facet")]
    FacetRoles,
    /// An element column (or a response) has the wrong number of entries.
    #[error("facet `{facet}` has {got} element entries but there are {expected} observations")]
    Length {
        /// The facet whose column is wrong, or `response n` for a malformed response.
        facet: String,
        /// The number of entries found.
        got: usize,
        /// The number of entries expected.
        expected: usize,
    },
    /// An observation names an element index beyond the facet's elements.
    #[error("observation {observation}: element index {index} is outside facet `{facet}` ({len} elements)")]
    ElementIndex {
        /// The observation (0-based).
        observation: usize,
        /// The facet's name.
        facet: String,
        /// The element index found.
        index: u32,
        /// The number of elements of the facet.
        len: usize,
    },
    /// The number of item scales differs from the number of items.
    #[error("{got} item scales for {expected} items")]
    ItemScales {
        /// The number of item scales.
        got: usize,
        /// The number of elements of the item facet.
        expected: usize,
    },
    /// An observation's score lies outside its item's scale.
    #[error(
        "observation {observation}: score {score} is outside item `{item}`'s range {min}..={max}"
    )]
    ScoreRange {
        /// The observation (0-based).
        observation: usize,
        /// The item's label.
        item: String,
        /// The score found.
        score: i32,
        /// The item's lowest scored category.
        min: i32,
        /// The item's highest scored category.
        max: i32,
    },
}

impl RatingData {
    /// Number of observations (item responses).
    pub fn len(&self) -> usize {
        self.scores.len()
    }

    /// Whether there are no observations.
    pub fn is_empty(&self) -> bool {
        self.scores.is_empty()
    }

    /// The object facet (comments).
    pub fn objects(&self) -> &Facet {
        &self.facets[self.object_facet]
    }

    /// The item facet.
    pub fn items(&self) -> &Facet {
        &self.facets[self.item_facet]
    }

    /// Indices of the rater facets, in facet order.
    pub fn rater_facets(&self) -> impl Iterator<Item = usize> + '_ {
        self.facets
            .iter()
            .enumerate()
            .filter(|(_, f)| f.role == FacetRole::Rater)
            .map(|(i, _)| i)
    }

    /// The facet index of a facet by name.
    pub fn facet_index(&self, name: &str) -> Option<usize> {
        self.facets.iter().position(|f| f.name == name)
    }

    /// The item scale of observation `n`.
    pub fn scale_of(&self, n: usize) -> &ItemScale {
        &self.item_scales[self.elements[self.item_facet][n] as usize]
    }

    /// Checks every invariant listed on the type.
    pub fn check(&self) -> Result<(), RatingDataError> {
        let objects = self
            .facets
            .iter()
            .filter(|f| f.role == FacetRole::Object)
            .count();
        let items = self
            .facets
            .iter()
            .filter(|f| f.role == FacetRole::Item)
            .count();
        if objects != 1
            || items != 1
            || self.facets.get(self.object_facet).map(|f| f.role) != Some(FacetRole::Object)
            || self.facets.get(self.item_facet).map(|f| f.role) != Some(FacetRole::Item)
            || self.elements.len() != self.facets.len()
        {
            return Err(RatingDataError::FacetRoles);
        }
        let n_obs = self.scores.len();
        for (facet, column) in self.facets.iter().zip(&self.elements) {
            if column.len() != n_obs {
                return Err(RatingDataError::Length {
                    facet: facet.name.clone(),
                    got: column.len(),
                    expected: n_obs,
                });
            }
            if let Some((observation, &index)) = column
                .iter()
                .enumerate()
                .find(|(_, &e)| e as usize >= facet.len())
            {
                return Err(RatingDataError::ElementIndex {
                    observation,
                    facet: facet.name.clone(),
                    index,
                    len: facet.len(),
                });
            }
        }
        if self.item_scales.len() != self.items().len() {
            return Err(RatingDataError::ItemScales {
                got: self.item_scales.len(),
                expected: self.items().len(),
            });
        }
        for (n, &score) in self.scores.iter().enumerate() {
            let scale = self.scale_of(n);
            if score < scale.min_score || score > scale.max_score {
                let item = self.elements[self.item_facet][n] as usize;
                return Err(RatingDataError::ScoreRange {
                    observation: n,
                    item: self.items().labels[item].clone(),
                    score,
                    min: scale.min_score,
                    max: scale.max_score,
                });
            }
        }
        Ok(())
    }

    /// Keeps only the observations for which `keep(n)` is true (e.g. to mask excluded raters);
    /// facets and their element indices are unchanged, so estimates stay comparable.
    pub fn filter(&self, mut keep: impl FnMut(usize) -> bool) -> RatingData {
        let kept: Vec<usize> = (0..self.len()).filter(|&n| keep(n)).collect();
        RatingData {
            facets: self.facets.clone(),
            elements: self
                .elements
                .iter()
                .map(|col| kept.iter().map(|&n| col[n]).collect())
                .collect(),
            scores: kept.iter().map(|&n| self.scores[n]).collect(),
            item_scales: self.item_scales.clone(),
            object_facet: self.object_facet,
            item_facet: self.item_facet,
        }
    }
}

/// The observations of every element of one facet, in compressed-row form: the observations of
/// element `e` are `observations[starts[e]..starts[e + 1]]`, in data order. Built once in O(N),
/// it turns "every response of this rater" into a slice lookup.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ElementIndex {
    /// The facet whose elements are indexed.
    pub facet: usize,
    starts: Vec<usize>,
    observations: Vec<u32>,
}

impl ElementIndex {
    /// Indexes the observations of `data` by their element of facet `facet`.
    pub fn new(data: &RatingData, facet: usize) -> ElementIndex {
        let column: &[u32] = data.elements.get(facet).map_or(&[], |c| c);
        let n_elements = data.facets.get(facet).map_or(0, Facet::len);
        let mut starts = vec![0usize; n_elements + 1];
        for &e in column {
            starts[e as usize + 1] += 1;
        }
        for e in 0..n_elements {
            starts[e + 1] += starts[e];
        }
        let mut next = starts.clone();
        let mut observations = vec![0u32; column.len()];
        for (n, &e) in column.iter().enumerate() {
            observations[next[e as usize]] = n as u32;
            next[e as usize] += 1;
        }
        ElementIndex {
            facet,
            starts,
            observations,
        }
    }

    /// The observations of element `e` (empty for an unknown element).
    pub fn of(&self, e: u32) -> &[u32] {
        let e = e as usize;
        match (self.starts.get(e), self.starts.get(e + 1)) {
            (Some(&a), Some(&b)) => &self.observations[a..b],
            _ => &[],
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tiny() -> RatingData {
        RatingData::from_responses(
            vec![
                Facet::with_labels("comment", FacetRole::Object, ["c1", "c2"]),
                Facet::with_labels("rater", FacetRole::Rater, ["r1"]),
                Facet::with_labels("item", FacetRole::Item, ["i1"]),
            ],
            ItemScale {
                min_score: 0,
                max_score: 2,
            },
            [(vec![0, 0, 0], 0), (vec![1, 0, 0], 2)],
        )
        .unwrap()
    }

    #[test]
    fn from_responses_refuses_a_design_without_an_item_facet_or_a_short_response() {
        let facets = vec![
            Facet::with_labels("comment", FacetRole::Object, ["c1"]),
            Facet::with_labels("rater", FacetRole::Rater, ["r1"]),
        ];
        let scale = ItemScale {
            min_score: 0,
            max_score: 1,
        };
        assert_eq!(
            RatingData::from_responses(facets, scale.clone(), []),
            Err(RatingDataError::FacetRoles)
        );
        let facets = tiny().facets;
        assert!(matches!(
            RatingData::from_responses(facets, scale, [(vec![0, 0], 1)]),
            Err(RatingDataError::Length { .. })
        ));
    }

    #[test]
    fn check_accepts_valid_and_rejects_out_of_range_score() {
        let mut data = tiny();
        assert_eq!(data.check(), Ok(()));
        data.scores[1] = 3;
        assert!(matches!(
            data.check(),
            Err(RatingDataError::ScoreRange { score: 3, .. })
        ));
    }

    #[test]
    fn filter_keeps_facets_and_selected_rows() {
        let data = tiny().filter(|n| n == 1);
        assert_eq!(data.scores, vec![2]);
        assert_eq!(data.elements[0], vec![1]);
        assert_eq!(data.objects().len(), 2);
    }

    #[test]
    fn element_index_lists_each_elements_observations_in_order() {
        let mut data = tiny();
        data.elements = vec![vec![1, 0, 1], vec![0, 0, 0], vec![0, 0, 0]];
        data.scores = vec![0, 1, 2];
        let index = ElementIndex::new(&data, 0);
        assert_eq!(index.of(0), &[1]);
        assert_eq!(index.of(1), &[0, 2]);
        assert!(index.of(5).is_empty());
    }
}
