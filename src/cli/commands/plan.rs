//! `scalewright plan`: a design plan (D-study) from a run: the expected object RMSE, separation
//! and reliability with R raters per object, and the R that reaches a target reliability.

use crate::cli::exit::Failure;
use crate::cli::output::{finish, print_json, progress_spinner, Output};
use clap::Args;
use scalewright::pipeline::step::{
    open_project, PlanStep, RunStep, StepContext, StepOn, Unobserved,
};
use scalewright::pipeline::{PlanSettings, DEFAULT_PLAN_SEED};
use std::path::PathBuf;

/// Arguments of `plan`.
#[derive(Args, Debug)]
pub struct PlanArgs {
    /// The project file.
    #[arg(long, short)]
    project: PathBuf,
    /// The run (default: the newest).
    #[arg(long)]
    run: Option<i64>,
    /// Numbers of raters per object to forecast, e.g. `2,3,4,6`.
    #[arg(long, value_delimiter = ',', required = true)]
    raters_per_object: Vec<usize>,
    /// The object reliability to reach: prints the smallest number of raters per object.
    #[arg(long)]
    target_reliability: Option<f64>,
    /// Also simulate N data sets per design from the run's estimates and refit them (JMLE).
    #[arg(long, value_name = "N", default_value_t = 0)]
    simulate: usize,
    /// Seed of the simulated data sets.
    #[arg(long, default_value_t = DEFAULT_PLAN_SEED)]
    seed: u64,
}

/// Prints the forecast per design, the raters needed for the target and any simulated refits.
pub fn run(args: PlanArgs, out: Output) -> Result<(), Failure> {
    let mut project = open_project(&args.project, PlanStep::ACCESS)?;
    let settings = PlanSettings {
        raters_per_object: args.raters_per_object,
        target_reliability: args.target_reliability,
        simulate: args.simulate,
        seed: args.seed,
    };
    let bar = if settings.simulate > 0 {
        progress_spinner(out)
    } else {
        None
    };
    if let Some(bar) = &bar {
        bar.set_message("simulating and refitting designs");
    }
    let step = PlanStep {
        run: args.run,
        settings,
    };
    let planned = step.run(&mut StepOn {
        project: &mut project,
        context: &mut StepContext::default(),
        observers: &mut Unobserved::default().observers(),
    });
    finish(&bar);
    let planned = planned?;
    if out.json {
        print_json(&planned, "serialising the plan")?;
        return Ok(());
    }
    if out.quiet {
        return Ok(());
    }
    let p = &planned.plan;
    println!(
        "Design plan from run {}: {} objects (true SD {:.2} logits), {} raters, {} items",
        planned.run, p.objects, p.true_sd, p.raters, p.items
    );
    println!(
        "  {:>6} {:>8} {:>8} {:>10} {:>11} {:>7} {:>11}",
        "raters", "RMSE", "true SD", "separation", "reliability", "strata", "non-extreme"
    );
    let line = |d: &scalewright::quality::plan::DesignForecast| {
        format!(
            "  {:>6} {:>8.3} {:>8.3} {:>10.2} {:>11.3} {:>7.2} {:>10.1}%",
            d.raters_per_object,
            d.rmse,
            d.true_sd,
            d.separation,
            d.reliability,
            d.strata,
            100.0 * d.non_extreme_share
        )
    };
    for d in &p.designs {
        println!("{}", line(d));
    }
    if let Some(target) = p.target_reliability {
        match &p.target_design {
            Some(d) => println!(
                "  reliability {target}: {} raters per object\n{}",
                d.raters_per_object,
                line(d)
            ),
            None => println!(
                "  reliability {target}: not reached with up to {} raters per object",
                scalewright::quality::plan::MAX_RATERS_SEARCHED
            ),
        }
    }
    if !p.simulated.is_empty() {
        println!("  simulated refits (JMLE), means over the data sets:");
        for s in &p.simulated {
            println!(
                "  {:>6} {:>8.3} {:>8} {:>10.2} {:>11.3}   ({} data sets, separation SD {:.2})",
                s.raters_per_object,
                s.rmse,
                "",
                s.separation,
                s.reliability,
                s.replications,
                s.separation_sd
            );
        }
    }
    Ok(())
}
