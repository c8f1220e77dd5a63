//! Bias/interaction analysis of a stored run (Facets Tables 13 and 14).

use super::{run_data, PipelineError};
use crate::data::RatingData;
use crate::store::Project;

/// Resolves one term of `--between`: a facet name, a role word (`object`, `rater`, `item`), or
/// `FACET.ATTRIBUTE` (an attribute of a facet's elements, e.g. `comment_id.target_race_black`).
fn interaction_term(
    project: &Project,
    data: &RatingData,
    term: &str,
) -> Result<crate::measure::bias::InteractionTerm, PipelineError> {
    use crate::measure::bias::InteractionTerm;
    let facet_of = |name: &str| -> Option<usize> {
        data.facet_index(name).or_else(|| match name {
            "object" => Some(data.object_facet),
            "item" => Some(data.item_facet),
            "rater" => data.rater_facets().next(),
            _ => None,
        })
    };
    if let Some(f) = facet_of(term) {
        return Ok(InteractionTerm::Facet { facet: f });
    }
    if let Some((facet, attribute)) = term.split_once('.') {
        if let Some(f) = facet_of(facet) {
            let values = project.attribute_values(&data.facets[f].name, attribute)?;
            if values.iter().all(Option::is_none) {
                return Err(PipelineError::UnknownTerm(format!(
                    "facet `{}` has no attribute `{attribute}`",
                    data.facets[f].name
                )));
            }
            return Ok(InteractionTerm::Attribute {
                facet: f,
                name: attribute.to_string(),
                values,
            });
        }
    }
    Err(PipelineError::UnknownTerm(format!(
        "`{term}` is not a facet ({}), a role (object, rater, item) or FACET.ATTRIBUTE",
        data.facets
            .iter()
            .map(|f| f.name.as_str())
            .collect::<Vec<_>>()
            .join(", ")
    )))
}

/// The key of a stored bias analysis that says when it was computed (RFC 3339 UTC), so the
/// newest one can be found.
const BIAS_COMPUTED_AT: &str = "computed_at";

/// The prefix of a stored bias analysis' run table name (`bias:<a> x <b>`).
const BIAS_TABLE_PREFIX: &str = "bias:";

/// The newest bias analysis stored with run `run_id` (by `scalewright bias`, the workbench or a
/// pipeline): its name (`a x b`) and Table 13; `None` when the run has none.
pub fn newest_bias(
    project: &Project,
    run_id: i64,
) -> Result<Option<(String, crate::measure::bias::InteractionTable)>, PipelineError> {
    let stored = project.run_tables_named(run_id, BIAS_TABLE_PREFIX)?;
    // Analyses stored before `computed_at` was recorded sort first (the empty string).
    let newest = stored.into_iter().max_by(|(_, a), (_, b)| {
        let at = |v: &serde_json::Value| {
            v.get(BIAS_COMPUTED_AT)
                .and_then(|t| t.as_str())
                .unwrap_or("")
                .to_string()
        };
        at(a).cmp(&at(b))
    });
    newest
        .map(|(name, value)| {
            let table =
                serde_json::from_value(value).map_err(|e| crate::store::StoreError::Corrupt {
                    path: project.path().to_path_buf(),
                    message: format!("run {run_id} table {name}: {e}"),
                })?;
            let name = name.trim_start_matches(BIAS_TABLE_PREFIX).to_string();
            Ok((name, table))
        })
        .transpose()
}

/// Facets Table 13 for two terms of run `run_id` (stored with the run as `bias:<a> x <b>`).
pub fn bias_table(
    project: &mut Project,
    run_id: i64,
    between: [&str; 2],
) -> Result<crate::measure::bias::InteractionTable, PipelineError> {
    use crate::measure::bias::{
        interactions, BiasDirection, InteractionSpec, FACETS_BIAS_EXTREME_ADJUSTMENT,
    };
    let data = run_data(project, run_id)?;
    let fit = project.load_fit(run_id)?;
    let spec = InteractionSpec {
        terms: [
            interaction_term(project, &data, between[0])?,
            interaction_term(project, &data, between[1])?,
        ],
        extreme_adjustment: FACETS_BIAS_EXTREME_ADJUSTMENT,
        direction: BiasDirection::Ability,
    };
    let table = interactions(&data, &fit, &spec)?;
    let mut value = serde_json::to_value(&table).unwrap_or(serde_json::Value::Null);
    if let Some(object) = value.as_object_mut() {
        object.insert(
            BIAS_COMPUTED_AT.into(),
            serde_json::Value::String(crate::store::now_rfc3339()),
        );
    }
    project.save_run_table(
        run_id,
        &format!("{BIAS_TABLE_PREFIX}{} x {}", between[0], between[1]),
        &value,
    )?;
    Ok(table)
}
