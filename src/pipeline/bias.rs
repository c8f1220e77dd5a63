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

/// The run table naming a run's newest bias analysis (its table name, `bias:<a> x <b>`), so
/// front ends (figures, the report) can show the newest one.
pub const LATEST_BIAS_TABLE: &str = "latest-bias";

/// The table name of a bias analysis between two terms.
pub fn bias_table_name(between: [&str; 2]) -> String {
    format!("bias:{} x {}", between[0], between[1])
}

/// Facets Table 13 for two terms of run `run_id` (stored with the run as `bias:<a> x <b>`, and
/// named the run's newest in [`LATEST_BIAS_TABLE`]).
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
    let value = serde_json::to_value(&table).unwrap_or(serde_json::Value::Null);
    let name = bias_table_name(between);
    project.save_run_table(run_id, &name, &value)?;
    project.save_run_table(run_id, LATEST_BIAS_TABLE, &serde_json::Value::String(name))?;
    Ok(table)
}
