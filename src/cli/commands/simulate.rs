//! `scalewright simulate`: write an MHS-shaped simulated data set with known truth.

use crate::cli::exit::{self, Failure};
use crate::cli::output::Output;
use clap::Args;
use scalewright::simulate::{self, RaterMix, SecondDimension, SimulationConfig};
use std::path::PathBuf;

/// Arguments of `simulate`.
#[derive(Args, Debug)]
pub struct SimulateArgs {
    /// Output directory (created).
    #[arg(long, short)]
    out: PathBuf,
    /// Number of comments.
    #[arg(long)]
    comments: Option<usize>,
    /// Raters per (non-reference) comment: N or MIN-MAX.
    #[arg(long)]
    raters_per_comment: Option<String>,
    /// Random seed.
    #[arg(long)]
    seed: Option<u64>,
    /// Share of random responders among raters.
    #[arg(long)]
    random_responders: Option<f64>,
    /// Share of straight-liners among raters.
    #[arg(long)]
    straight_liners: Option<f64>,
    /// Add subtler failing raters and honest decoys: `realistic` is 2% each of central
    /// tendency, modal leaning, low discrimination, a reversed item, halo and careless from the
    /// middle of the session, and 2% each of benign-only, very severe and very lenient honest
    /// raters (the `kind` column of truth_raters.csv names each); `none` adds none.
    #[arg(long, value_name = "MIX")]
    rater_mix: Option<String>,
    /// Plant a rarely chosen category: ITEM:K reverses the two thresholds around interior
    /// category K of ITEM (at least 2 logits apart), e.g. `insult:2`.
    #[arg(long, value_name = "ITEM:K")]
    unused_category: Option<String>,
    /// Plant a second trait correlated R (-1 to 1) with the first: normal raters answer the
    /// items of --second-dimension-items from each comment's second measure (recorded as
    /// `second_measure` in truth_comments.csv).
    #[arg(long, value_name = "R", allow_hyphen_values = true)]
    second_dimension: Option<f64>,
    /// The items measuring the second trait, comma-separated MHS item names (default:
    /// dehumanize,violence,genocide).
    #[arg(
        long,
        value_name = "ITEMS",
        requires = "second_dimension",
        value_delimiter = ','
    )]
    second_dimension_items: Option<Vec<String>>,
}

/// Parses `N` or `MIN-MAX`.
fn parse_range(text: &str) -> Result<(usize, usize), Failure> {
    let bad = || {
        Failure::msg(
            exit::USAGE,
            format!("--raters-per-comment takes N or MIN-MAX, e.g. 3 or 3-4; got `{text}`"),
        )
    };
    match text.split_once('-') {
        Some((lo, hi)) => Ok((
            lo.trim().parse().map_err(|_| bad())?,
            hi.trim().parse().map_err(|_| bad())?,
        )),
        None => {
            let n = text.trim().parse().map_err(|_| bad())?;
            Ok((n, n))
        }
    }
}

/// Simulates the data set and writes its files.
pub fn run(args: SimulateArgs, out: Output) -> Result<(), Failure> {
    let defaults = SimulationConfig::default();
    let config = SimulationConfig {
        comments: args.comments.unwrap_or(defaults.comments),
        raters_per_comment: match &args.raters_per_comment {
            Some(text) => parse_range(text)?,
            None => defaults.raters_per_comment,
        },
        random_responder_share: args
            .random_responders
            .unwrap_or(defaults.random_responder_share),
        straight_liner_share: args
            .straight_liners
            .unwrap_or(defaults.straight_liner_share),
        seed: args.seed.unwrap_or(defaults.seed),
        unused_category: args
            .unused_category
            .as_deref()
            .map(str::parse)
            .transpose()
            .map_err(|e| Failure::new(exit::USAGE, e))?,
        rater_mix: match args.rater_mix.as_deref().map(str::trim) {
            None | Some("none") => RaterMix::default(),
            Some("realistic") => RaterMix::realistic(),
            Some(other) => {
                return Err(Failure::msg(
                    exit::USAGE,
                    format!("--rater-mix takes `realistic` or `none`, got `{other}`"),
                ))
            }
        },
        second_dimension: args.second_dimension.map(|r| {
            let mut second = SecondDimension::new(r);
            if let Some(items) = &args.second_dimension_items {
                second.items = items.iter().map(|i| i.trim().to_string()).collect();
            }
            second
        }),
        ..defaults
    };
    config
        .validate()
        .map_err(|e| Failure::new(exit::USAGE, e))?;
    let simulation = simulate::simulate(&config)?;
    let files = simulation.write(&args.out)?;
    if out.json {
        println!(
            "{}",
            serde_json::json!({ "config": config, "counts": simulation.counts(), "files": files.all() })
        );
    } else if !out.quiet {
        let c = simulation.counts();
        println!(
            "wrote {}: {} rows ({} responses) of {} comments by {} raters ({} normal, {} random responders, {} straight-liners)",
            args.out.display(),
            c.rows,
            c.responses,
            c.comments,
            c.raters,
            c.normal_raters,
            c.random_raters,
            c.straight_liners
        );
    }
    Ok(())
}
