//! `scalewright categories`: Linacre's category guidelines per scale of a run, the proposed
//! collapses of adjacent categories, their refits side by side, and the dataset description with
//! the collapses written in.

use crate::cli::exit::Failure;
use crate::cli::output::{print_json, run_fitting_step, Output};
use clap::Args;
use scalewright::pipeline::step::CategoriesStep;
use scalewright::pipeline::{CategoryAdvice, CategoryRefit, MeanSquareSummary};
use scalewright::quality::categories::ScaleCategories;
use serde_json::{json, Value};
use std::path::PathBuf;

/// Arguments of `categories`.
#[derive(Args, Debug)]
pub struct CategoriesArgs {
    /// The project file.
    #[arg(long, short)]
    project: PathBuf,
    /// The run (default: the newest).
    #[arg(long)]
    run: Option<i64>,
    /// Fit every proposal as a run (the run's options, the proposal's recode) and compare the
    /// runs: disordered thresholds, item fit, object separation and reliability.
    #[arg(long)]
    refit: bool,
    /// Write the project's dataset description with the proposed recodes to this file (a
    /// description `scalewright ingest --config` accepts).
    #[arg(long, value_name = "FILE.toml")]
    write_config: Option<PathBuf>,
}

/// Prints the checks and proposals of the run; refits and writes the description when asked.
pub fn run(args: CategoriesArgs, out: Output) -> Result<(), Failure> {
    // The step writes the description before any refit: a bad path stores nothing.
    let step = CategoriesStep {
        run: args.run,
        refit: args.refit,
        write_config: args.write_config.clone(),
    };
    let summary = run_fitting_step(&args.project, &step, out)?;
    let (run, advice) = (summary.run_id, &summary.advice);
    let refits = args.refit.then_some(summary.refits.as_slice());
    let description = summary.config_written.clone();
    if out.json {
        print_json(
            &answer(advice, refits, description.as_deref()),
            "serialising the category report",
        )?;
        return Ok(());
    }
    if out.quiet {
        return Ok(());
    }
    print_text(advice);
    if let Some(rows) = &refits {
        print_refits(run, rows);
    }
    if let Some(path) = &description {
        println!(
            "\nwrote {} (the project's dataset description with the proposed recodes)",
            path.display()
        );
    }
    Ok(())
}

/// The `--json` answer (schemas/categories.schema.json).
fn answer(
    advice: &CategoryAdvice,
    refits: Option<&[CategoryRefit]>,
    description: Option<&std::path::Path>,
) -> Value {
    let items: Vec<Value> = advice
        .scales
        .iter()
        .map(|scale| {
            let proposal = scale.proposal.as_ref().map(|p| {
                let recode = advice
                    .recode_for(scale)
                    .and_then(|r| {
                        scale
                            .items
                            .first()
                            .and_then(|item| r.items().get(item).cloned())
                    })
                    .unwrap_or_else(|| p.recode.clone());
                json!({
                    "recode": recode
                        .iter()
                        .map(|(k, v)| (k.to_string(), json!(v)))
                        .collect::<serde_json::Map<_, _>>(),
                    "reason": p.reason,
                    "groups": p.groups,
                    "items": scale.items,
                })
            });
            json!({
                "item": scale.scale,
                "checks": scale.checks,
                "categories": scale.categories,
                "proposal": proposal,
            })
        })
        .collect();
    let mut answer = json!({ "run": advice.run_id, "items": items });
    if let Some(rows) = refits {
        answer["refits"] = json!(rows);
    }
    if let Some(path) = description {
        answer["config_written"] = json!(path.display().to_string());
    }
    answer
}

fn number(v: Option<f64>, decimals: usize) -> String {
    v.map(|v| format!("{v:.decimals$}"))
        .unwrap_or_else(|| "-".into())
}

fn print_text(advice: &CategoryAdvice) {
    println!(
        "Category functioning, run {} (Linacre 2002 guidelines; * = essential: a failure proposes a collapse)",
        advice.run_id
    );
    for scale in &advice.scales {
        print_scale(scale);
    }
    let proposals = advice.proposals().count();
    println!(
        "\n{} of {} scale(s) with a proposed collapse{}",
        proposals,
        advice.scales.len(),
        if proposals > 0 {
            " (fit them with --refit; write them into the dataset description with --write-config)"
        } else {
            ""
        }
    );
}

fn print_scale(scale: &ScaleCategories) {
    println!();
    println!("{}", scale.scale);
    println!(
        "  {:>8} {:>7} {:>9} {:>7} {:>9} {:>6} {:>6}",
        "category", "count", "avg meas", "outfit", "threshold", "M->C", "C->M"
    );
    for c in &scale.categories {
        println!(
            "  {:>8} {:>7} {:>9} {:>7} {:>9} {:>6} {:>6}",
            c.score,
            c.count,
            number(c.average_measure, 2),
            number(c.outfit, 2),
            number(c.threshold, 2),
            c.measure_implies_category
                .map(|v| format!("{v:.0}%"))
                .unwrap_or_else(|| "-".into()),
            c.category_implies_measure
                .map(|v| format!("{v:.0}%"))
                .unwrap_or_else(|| "-".into()),
        );
    }
    println!("  {:<3} {:<42} {:>8}  result", "#", "guideline", "value");
    for check in &scale.checks {
        println!(
            "  {:<3} {:<42} {:>8}  {}",
            format!("{}{}", check.number, if check.essential { "*" } else { "" }),
            check.name,
            check.formatted_value(),
            if check.passed { "pass" } else { "FAIL" }
        );
    }
    match &scale.proposal {
        Some(p) => {
            let recode: Vec<String> = p.recode.iter().map(|(k, v)| format!("{k}->{v}")).collect();
            println!(
                "  proposal: categories {} (recode {})",
                p.describe_groups(),
                recode.join(", ")
            );
            println!("    reason: {}", p.reason);
        }
        None if scale.essential_failures().next().is_none() => {
            println!("  proposal: none (the essential guidelines pass)")
        }
        None if scale.items.is_empty() => println!(
            "  proposal: none (the scale belongs to an element of another facet than the items; a per-item recode cannot collapse it)"
        ),
        None => println!(
            "  proposal: none (no collapse of adjacent categories is predicted to pass the essential guidelines)"
        ),
    }
}

fn mean_square(s: Option<MeanSquareSummary>) -> String {
    s.map(|s| format!("{:.2} ({:.2}-{:.2})", s.mean, s.min, s.max))
        .unwrap_or_else(|| "-".into())
}

fn print_refits(run: i64, rows: &[CategoryRefit]) {
    println!();
    println!("Refits (the options of run {run}; each proposal's recode fitted as a run):");
    println!(
        "  {:<20} {:>5} {:>10} {:>9} {:>20} {:>20} {:>7} {:>7}",
        "fitted",
        "run",
        "disorder",
        "ordered",
        "item infit mean",
        "item outfit mean",
        "obj sep",
        "obj rel"
    );
    for r in rows {
        println!(
            "  {:<20} {:>5} {:>10} {:>9} {:>20} {:>20} {:>7.2} {:>7.3}{}",
            r.label,
            r.run_id,
            format!("{} scale(s)", r.disordered_scales.len()),
            match r.collapsed_ordered {
                Some(true) => "yes",
                Some(false) => "NO",
                None => "-",
            },
            mean_square(r.item_infit),
            mean_square(r.item_outfit),
            r.object_separation,
            r.object_reliability,
            if r.converged { "" } else { "  (not converged)" }
        );
    }
    println!("  (disorder: scales with disordered thresholds; ordered: the collapsed scale's thresholds in that run; item mean-squares: mean (min-max))");
}
