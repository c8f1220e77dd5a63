//! `scalewright flag`: flag raters of a run by the project's flag rules.

use crate::cli::exit::{self, Failure};
use crate::cli::output::Output;
use anyhow::Context;
use clap::Args;
use scalewright::pipeline::step::{
    open_project, FlagRulesStep, FlagStep, FlaggedRun, RunStep, StepContext, StepOn, Unobserved,
};
use scalewright::quality::diagnosis::Diagnosis;
use scalewright::quality::{FlagLevel, FlagRules};
use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

/// Arguments of `flag`.
#[derive(Args, Debug)]
pub struct FlagArgs {
    /// The project file.
    #[arg(long, short)]
    project: PathBuf,
    /// The run (default: the newest).
    #[arg(long)]
    run: Option<i64>,
    /// Flag rules (TOML; keys as in docs/review.md), saved as the project's rules.
    #[arg(long)]
    rules: Option<PathBuf>,
}

/// The diagnosis as `flag --json` prints it (schemas/flag.schema.json): the settings, the counts
/// and every rater's diagnosis with its types in words.
fn diagnosis_json(d: &Diagnosis) -> serde_json::Value {
    serde_json::json!({
        "facet": d.facet,
        "settings": d.settings,
        "tested": d.tested,
        "too_few_records": d.too_few_records,
        "flagged": d.flagged().count(),
        "object_reliability": d.object_reliability,
        "raters": d.raters,
    })
}

/// Reads and validates a flag-rules file (bad input names the file).
fn read_rules(path: &Path) -> Result<FlagRules, Failure> {
    let text =
        std::fs::read_to_string(path).with_context(|| format!("reading {}", path.display()))?;
    let rules: FlagRules = toml::from_str(&text).map_err(|e| {
        Failure::msg(
            exit::BAD_INPUT,
            format!("{}: {}", path.display(), e.to_string().trim()),
        )
    })?;
    rules
        .validate()
        .map_err(|e| Failure::msg(exit::BAD_INPUT, format!("{}: {e}", path.display())))?;
    Ok(rules)
}

/// Saves the rules (when given), flags the run and prints the flags.
pub fn run(args: FlagArgs, out: Output) -> Result<(), Failure> {
    let mut project = open_project(&args.project, FlagStep::ACCESS)?;
    let mut unobserved = Unobserved::default();
    let mut on = StepOn {
        project: &mut project,
        context: &mut StepContext::default(),
        observers: &mut unobserved.observers(),
    };
    if let Some(path) = &args.rules {
        FlagRulesStep(read_rules(path)?).run(&mut on)?;
    }
    let FlaggedRun {
        run_id: run,
        rules,
        flags,
        diagnosis,
    } = FlagStep { run: args.run }.run(&mut on)?;
    if out.json {
        println!(
            "{}",
            serde_json::json!({
                "run_id": run,
                "rules": rules,
                "flags": flags,
                "diagnosis": diagnosis.as_ref().map(diagnosis_json),
            })
        );
        return Ok(());
    }
    if out.quiet {
        return Ok(());
    }
    let raters: BTreeSet<&str> = flags.iter().map(|f| f.label.as_str()).collect();
    let to_exclude: BTreeSet<&str> = flags
        .iter()
        .filter(|f| f.level == FlagLevel::Exclude)
        .map(|f| f.label.as_str())
        .collect();
    println!(
        "run {run}: {} flag(s) on {} rater(s); {} recommended for exclusion",
        flags.len(),
        raters.len(),
        to_exclude.len()
    );
    let mut counts: BTreeMap<&str, usize> = Default::default();
    for f in &flags {
        *counts.entry(f.rule.name()).or_default() += 1;
    }
    for (rule, n) in counts {
        println!("  {rule:<18} {n}");
    }
    if let Some(d) = &diagnosis {
        println!(
            "diagnosis: {} rater(s) tested ({} with too few records), {} flagged at a false discovery rate of {}; object reliability {}",
            d.tested,
            d.too_few_records,
            d.flagged().count(),
            d.settings.false_discovery_rate,
            d.object_reliability
                .map_or("-".to_string(), |r| format!("{r:.3}"))
        );
        for rater in d.flagged() {
            let Some(effect) = &rater.exclusion else {
                continue;
            };
            println!(
                "  {:<10} excluding it would move its {} object(s) by {:.2} logit on average (largest {:+.2}, {}); reliability {:.3} -> {:.3}",
                rater.label,
                effect.objects,
                effect.mean_absolute_shift,
                effect.largest_shift,
                effect.largest_shift_object.as_deref().unwrap_or("-"),
                effect.reliability_before,
                effect.reliability_after
            );
        }
    }
    for f in &flags {
        println!(
            "  {:<8} {:<18} {:<10} {}",
            match f.level {
                FlagLevel::Exclude => "EXCLUDE",
                FlagLevel::Review => "review",
            },
            f.rule.name(),
            f.label,
            f.message
        );
    }
    Ok(())
}
