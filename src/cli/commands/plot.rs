//! `scalewright plot`: a figure of a run (Wright map, category curves, rater fit map, bias
//! terms, measure distribution, model training, residual contrast, design plan) as SVG or PNG.

use crate::cli::exit::Failure;
use crate::cli::output::{print_json, Output};
use clap::Args;
use scalewright::figures::{FigureKind, FigureSize};
use scalewright::pipeline::step::{run_on_file, PlotStep, Unobserved};
use scalewright::pipeline::{self, PlotRequest};
use std::path::PathBuf;

/// Arguments of `plot`.
#[derive(Args, Debug)]
pub struct PlotArgs {
    /// The project file.
    #[arg(long, short)]
    project: PathBuf,
    /// The run (default: the newest).
    #[arg(long)]
    run: Option<i64>,
    /// The figure: wright, curves, raters, bias, distribution, training, contrast or plan.
    #[arg(long)]
    what: FigureKind,
    /// The output file: .svg or .png.
    #[arg(long, short)]
    out: PathBuf,
    /// curves: the item (or scale) whose category curves are drawn (default: the shared scale,
    /// or the first).
    #[arg(long)]
    item: Option<String>,
    /// raters: the facet drawn (default: the first rater facet).
    #[arg(long)]
    facet: Option<String>,
    /// training: the model (default: the newest trained model of the run).
    #[arg(long)]
    model: Option<i64>,
    /// Width in pixels (400 to 8000).
    #[arg(long, default_value_t = FigureSize::DEFAULT.width)]
    width: u32,
    /// Height in pixels (400 to 8000).
    #[arg(long, default_value_t = FigureSize::DEFAULT.height)]
    height: u32,
}

/// Draws the figure, writes it and says what was written.
pub fn run(args: PlotArgs, out: Output) -> Result<(), Failure> {
    let size = FigureSize::new(args.width, args.height)?;
    let step = PlotStep {
        run: args.run,
        request: PlotRequest {
            kind: args.what,
            item: args.item,
            facet: args.facet,
            size,
            model: args.model,
        },
        out: args.out,
    };
    let outcome = run_on_file(&args.project, &step, &mut Unobserved::default().observers())?;
    if out.json {
        print_json(&outcome, "serialising the plot summary")?;
        return Ok(());
    }
    if out.quiet {
        return Ok(());
    }
    println!(
        "Wrote {} ({}, {}x{} pixels, {} bytes): {} of run {}",
        outcome.path.display(),
        match outcome.format {
            pipeline::FigureFormat::Svg => "SVG",
            pipeline::FigureFormat::Png => "PNG",
        },
        outcome.width,
        outcome.height,
        outcome.bytes,
        outcome.kind,
        outcome.run_id
    );
    for note in &outcome.notes {
        println!("  {note}");
    }
    Ok(())
}
