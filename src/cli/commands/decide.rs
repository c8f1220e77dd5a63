//! `scalewright exclude`, `keep` and `undecide`: review decisions on raters.

use crate::cli::exit::{self, Failure};
use crate::cli::output::{newest_run, Output};
use anyhow::Context;
use clap::Args;
use scalewright::pipeline::{self, PipelineError};
use scalewright::quality::Rule;
use scalewright::store::{Decision, Project};
use std::path::PathBuf;

/// Arguments of `exclude`, `keep` and `undecide`.
#[derive(Args, Debug)]
pub struct DecideArgs {
    /// The project file.
    #[arg(long, short)]
    project: PathBuf,
    /// Every rater flagged by this rule on the run (exclude only).
    #[arg(long, conflicts_with_all = ["raters", "ids"], required_unless_present_any = ["raters", "ids"])]
    rule: Option<String>,
    /// A file with one rater label per line.
    #[arg(long, conflicts_with = "ids")]
    raters: Option<PathBuf>,
    /// Rater labels.
    #[arg(long, num_args = 1..)]
    ids: Vec<String>,
    /// Why (stored with the decision).
    #[arg(long)]
    reason: String,
    /// The run whose flags `--rule` uses (default: the newest).
    #[arg(long)]
    run: Option<i64>,
}

/// A flag rule by name (a usage error listing the rules otherwise).
fn parse_rule(name: &str) -> Result<Rule, Failure> {
    Rule::parse(name).ok_or_else(|| {
        Failure::msg(
            exit::USAGE,
            format!(
                "unknown rule `{name}`; rules: {}",
                Rule::ALL
                    .iter()
                    .map(|r| r.name())
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
        )
    })
}

/// Records `decision` for the raters chosen by rule, file or labels.
pub fn run(args: DecideArgs, decision: Decision, out: Output) -> Result<(), Failure> {
    let mut project = Project::open(&args.project)?;
    let data = project.ratings()?;
    let facet = pipeline::rater_facet(&data).ok_or(PipelineError::NoRaterFacet)?;
    let facet_name = data.facets[facet].name.clone();
    let (labels, source, run) = match (&args.rule, &args.raters) {
        (Some(rule), _) => {
            let parsed = parse_rule(rule)?;
            let run = newest_run(&project, args.run)?;
            let mut labels: Vec<String> = project
                .flags(run)?
                .into_iter()
                .filter(|f| f.rule == parsed)
                .map(|f| f.label)
                .collect();
            labels.dedup();
            (labels, format!("rule:{rule}"), Some(run))
        }
        (None, Some(file)) => {
            let text = std::fs::read_to_string(file)
                .with_context(|| format!("reading {}", file.display()))?;
            let labels = text
                .lines()
                .map(str::trim)
                .filter(|l| !l.is_empty() && !l.starts_with('#'))
                .map(str::to_string)
                .collect();
            (labels, "cli".to_string(), None)
        }
        (None, None) => (args.ids.clone(), "cli".to_string(), None),
    };
    let n = project.decide_many(&facet_name, &labels, decision, &args.reason, &source, run)?;
    if out.json {
        println!(
            "{}",
            serde_json::json!({ "decision": decision, "facet": facet_name, "raters": labels, "count": n })
        );
    } else if !out.quiet {
        println!(
            "{} {n} rater(s) of `{facet_name}`: {}",
            decision.as_str(),
            args.reason
        );
    }
    Ok(())
}
