//! `scalewright bias`: bias/interaction analysis (Facets Tables 13 and 14).

use crate::cli::args::FormatArg;
use crate::cli::exit::{self, Failure};
use crate::cli::output::{newest_run, Output};
use crate::cli::{render, tables};
use anyhow::Context;
use clap::Args;
use scalewright::measure::bias::{pairwise, pairwise_target, InteractionTable, PairwiseContrast};
use scalewright::store::Project;
use std::path::PathBuf;

/// Arguments of `bias`.
#[derive(Args, Debug)]
pub struct BiasArgs {
    /// The project file.
    #[arg(long, short)]
    project: PathBuf,
    /// The run (default: the newest).
    #[arg(long)]
    run: Option<i64>,
    /// The two terms: facet names or roles (object, rater, item), or FACET.ATTRIBUTE, e.g.
    /// `rater,item` or `annotator_id,comment_id.target_race_black`.
    #[arg(long, value_delimiter = ',', required = true)]
    between: Vec<String>,
    /// Also print Table 14 (pairwise contrasts) with this term (1 or 2) as the target.
    #[arg(long)]
    pairwise: Option<usize>,
    /// With --pairwise: only this target level (label).
    #[arg(long)]
    level: Option<String>,
    /// Table 13 rows to print, largest |t| first (text output).
    #[arg(long, default_value_t = 30)]
    top: usize,
    /// Output format.
    #[arg(long, value_enum, default_value_t = FormatArg::Text)]
    format: FormatArg,
}

/// Prints Table 13 of the two terms and, with `--pairwise`, Table 14.
pub fn run(mut args: BiasArgs, out: Output) -> Result<(), Failure> {
    if out.json {
        args.format = FormatArg::Json;
    }
    let mut project = Project::open(&args.project)?;
    let run = newest_run(&project, args.run)?;
    if args.between.len() != 2 {
        return Err(Failure::msg(
            exit::USAGE,
            "--between takes two terms, e.g. rater,item",
        ));
    }
    let table =
        scalewright::pipeline::bias_table(&mut project, run, [&args.between[0], &args.between[1]])?;
    let contrasts = match args.pairwise {
        None => None,
        Some(term) => Some(contrasts(&table, term, args.level.as_deref())?),
    };
    match args.format {
        FormatArg::Json => {
            println!(
                "{}",
                serde_json::json!({ "run_id": run, "table13": table, "table14": contrasts })
            );
        }
        FormatArg::Csv => print!("{}", render::bias_csv(&table).context("writing CSV")?),
        FormatArg::Text => {
            if !out.quiet {
                print!("{}", tables::table13(&table, args.top));
                if let Some(contrasts) = &contrasts {
                    print!("{}", tables::table14(&table, contrasts));
                }
            }
        }
    }
    Ok(())
}

/// Table 14: the pairwise contrasts with term `term` (1 or 2) as the target, of every level or
/// only of `level`.
fn contrasts(
    table: &InteractionTable,
    term: usize,
    level: Option<&str>,
) -> Result<Vec<PairwiseContrast>, Failure> {
    if !matches!(term, 1 | 2) {
        return Err(Failure::msg(
            exit::USAGE,
            "--pairwise takes 1 or 2 (which term is the target)",
        ));
    }
    let target_term = term - 1;
    Ok(match level {
        None => pairwise(table, target_term)?,
        Some(label) => {
            let level = table.terms[target_term]
                .labels
                .iter()
                .position(|l| l == label)
                .ok_or_else(|| {
                    Failure::msg(
                        exit::BAD_INPUT,
                        format!("term {term} has no level `{label}`"),
                    )
                })?;
            pairwise_target(table, target_term, level as u32)?
        }
    })
}
