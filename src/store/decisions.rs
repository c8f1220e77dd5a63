//! Review decisions on elements (exclude / keep / undecided). The newest decision per element is
//! in force; exclusion masks the element's observations from later fits and never deletes them.

use super::{now_rfc3339, Project, StoreError};
use crate::data::RatingData;
use rusqlite::params;
use serde::Serialize;

crate::options::named_enum!(
    /// A reviewer's decision on an element.
    pub enum Decision, "decision" {
        /// Mask the element's observations from later fits (they are never deleted).
        Exclude = "exclude",
        /// Keep the element in later fits.
        Keep = "keep",
        /// No decision yet; the element stays in later fits.
        Undecided = "undecided",
    }
);

impl Project {
    /// Elements whose decision in force is `exclude`, as (facet position, element idx).
    pub fn excluded_elements(&self) -> Result<Vec<(usize, u32)>, StoreError> {
        let mut stmt = self
            .conn
            .prepare(
                "SELECT f.position, d.element_idx FROM decisions d JOIN facets f ON f.id = d.facet_id
                 WHERE d.decision = 'exclude'
                   AND d.id = (SELECT max(id) FROM decisions x
                               WHERE x.facet_id = d.facet_id AND x.element_idx = d.element_idx)",
            )
            .map_err(self.sql_err())?;
        let rows = stmt
            .query_map([], |r| {
                Ok((r.get::<_, i64>(0)? as usize, r.get::<_, i64>(1)? as u32))
            })
            .map_err(self.sql_err())?;
        rows.collect::<Result<_, _>>().map_err(self.sql_err())
    }

    /// The observations a fit uses: every observation except those of excluded elements.
    /// Returns the data and how many observations were masked.
    pub fn ratings_for_fit(&self) -> Result<(RatingData, usize), StoreError> {
        let data = self.ratings()?;
        let excluded = self.excluded_elements()?;
        if excluded.is_empty() {
            return Ok((data, 0));
        }
        let mut masked: Vec<Vec<bool>> = data.facets.iter().map(|f| vec![false; f.len()]).collect();
        for (facet, idx) in excluded {
            if let Some(slot) = masked.get_mut(facet).and_then(|m| m.get_mut(idx as usize)) {
                *slot = true;
            }
        }
        let kept = data.filter(|n| {
            !data
                .elements
                .iter()
                .zip(&masked)
                .any(|(column, mask)| mask[column[n] as usize])
        });
        let dropped = data.len() - kept.len();
        Ok((kept, dropped))
    }

    /// Records a decision on the element labelled `label` of facet `facet`; returns its id.
    pub fn decide(
        &mut self,
        facet: &str,
        label: &str,
        decision: Decision,
        reason: &str,
        source: &str,
        run_id: Option<i64>,
    ) -> Result<i64, StoreError> {
        let found: Option<(i64, i64)> = self
            .conn
            .query_row(
                "SELECT e.facet_id, e.idx FROM elements e JOIN facets f ON f.id = e.facet_id
                 WHERE f.name = ?1 AND e.label = ?2",
                params![facet, label],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )
            .ok();
        let (facet_id, idx) = found.ok_or_else(|| StoreError::NoSuchElement {
            path: self.path.clone(),
            facet: facet.to_string(),
            label: label.to_string(),
        })?;
        self.conn
            .execute(
                "INSERT INTO decisions (facet_id, element_idx, decision, reason, source, run_id, decided_at)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
                params![facet_id, idx, decision.as_str(), reason, source, run_id, now_rfc3339()],
            )
            .map_err(self.sql_err())?;
        Ok(self.conn.last_insert_rowid())
    }
}

/// A decision in force on one element, for listings.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct DecisionRecord {
    /// The facet name.
    pub facet: String,
    /// The element label.
    pub label: String,
    /// The decision in force.
    pub decision: Decision,
    /// The reason given with the decision.
    pub reason: String,
    /// What made the decision (e.g. `tui` for the workbench).
    pub source: String,
    /// When the decision was made (RFC 3339 UTC).
    pub decided_at: String,
}

impl Project {
    /// The decision in force for every decided element.
    pub fn decisions(&self) -> Result<Vec<DecisionRecord>, StoreError> {
        let mut stmt = self
            .conn
            .prepare(
                "SELECT f.name, e.label, d.decision, d.reason, d.source, d.decided_at
                 FROM decisions d JOIN facets f ON f.id = d.facet_id
                 JOIN elements e ON e.facet_id = d.facet_id AND e.idx = d.element_idx
                 WHERE d.id = (SELECT max(id) FROM decisions x WHERE x.facet_id = d.facet_id AND x.element_idx = d.element_idx)
                 ORDER BY d.id",
            )
            .map_err(self.sql_err())?;
        let rows = stmt
            .query_map([], |r| {
                let decision: String = r.get(2)?;
                Ok(DecisionRecord {
                    facet: r.get(0)?,
                    label: r.get(1)?,
                    decision: match decision.as_str() {
                        "exclude" => Decision::Exclude,
                        "keep" => Decision::Keep,
                        _ => Decision::Undecided,
                    },
                    reason: r.get(3)?,
                    source: r.get(4)?,
                    decided_at: r.get(5)?,
                })
            })
            .map_err(self.sql_err())?;
        rows.collect::<Result<_, _>>().map_err(self.sql_err())
    }

    /// Records several decisions in one transaction (all or nothing); every label must exist.
    pub fn decide_many(
        &mut self,
        facet: &str,
        labels: &[String],
        decision: Decision,
        reason: &str,
        source: &str,
        run_id: Option<i64>,
    ) -> Result<usize, StoreError> {
        let path = self.path.clone();
        let sql = |source| StoreError::Sqlite {
            path: path.clone(),
            source,
        };
        let tx = self.conn.transaction().map_err(sql)?;
        {
            let mut find = tx
                .prepare(
                    "SELECT e.facet_id, e.idx FROM elements e JOIN facets f ON f.id = e.facet_id
                     WHERE f.name = ?1 AND e.label = ?2",
                )
                .map_err(sql)?;
            let mut insert = tx
                .prepare(
                    "INSERT INTO decisions (facet_id, element_idx, decision, reason, source, run_id, decided_at)
                     VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
                )
                .map_err(sql)?;
            let now = now_rfc3339();
            for label in labels {
                let (facet_id, idx): (i64, i64) = find
                    .query_row(params![facet, label], |r| Ok((r.get(0)?, r.get(1)?)))
                    .map_err(|_| StoreError::NoSuchElement {
                        path: path.clone(),
                        facet: facet.to_string(),
                        label: label.clone(),
                    })?;
                insert
                    .execute(params![
                        facet_id,
                        idx,
                        decision.as_str(),
                        reason,
                        source,
                        run_id,
                        now
                    ])
                    .map_err(sql)?;
            }
        }
        tx.commit().map_err(sql)?;
        Ok(labels.len())
    }
}

impl Project {
    /// The value of attribute `name` for every element of facet `facet` (by name), by idx.
    pub fn attribute_values(
        &self,
        facet: &str,
        name: &str,
    ) -> Result<Vec<Option<String>>, StoreError> {
        let mut stmt = self
            .conn
            .prepare(
                "SELECT e.idx, json_extract(e.attributes, '$.' || json_quote(?2)) FROM elements e JOIN facets f ON f.id = e.facet_id
                 WHERE f.name = ?1 ORDER BY e.idx",
            )
            .map_err(self.sql_err())?;
        let rows = stmt
            .query_map(params![facet, name], |r| r.get::<_, Option<String>>(1))
            .map_err(self.sql_err())?;
        rows.collect::<Result<_, _>>().map_err(self.sql_err())
    }
}
