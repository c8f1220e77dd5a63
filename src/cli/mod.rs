//! Command-line parsing and dispatch. Each command's arguments and body live in
//! [`commands`]; exit codes in [`exit`]; shared output helpers in [`output`].

mod args;
mod commands;
mod exit;
mod hints;
mod output;
mod render;
mod table23;
mod tables;
mod wait;

use clap::{Parser, Subcommand};
use commands::categories;
use commands::{
    bias, clean, compare, decide, decisions, export, fit, flag, import_run, info, ingest,
    init_config, models, open, plan, plot, predict, quality, report, run, runs, simulate, train,
};
use exit::Failure;
use output::Output;
use std::process::ExitCode;

#[derive(Parser, Debug)]
#[command(
    name = "scalewright",
    version,
    about = "Turn crowd ratings into interval-scale measures with many-facet Rasch models",
    long_about = "Turn crowd ratings into interval-scale measures with many-facet Rasch models.\n\n\
                  Without a command, opens the workbench on a project (by default the bundled \
                  sample project, created from sample-data/ on first use)."
)]
struct Cli {
    #[command(subcommand)]
    command: Option<Command>,
    /// Print machine-readable JSON on stdout (logs and progress go to stderr).
    #[arg(long, global = true)]
    json: bool,
    /// Print nothing but errors.
    #[arg(long, short, global = true)]
    quiet: bool,
}

#[derive(Subcommand, Debug)]
enum Command {
    /// Open the workbench on a project (the bundled sample project by default); prints the
    /// project summary instead when stdout is not a terminal.
    Open(open::OpenArgs),
    /// Open the terminal workbench on a project (created when missing; default: the sample).
    Tui(open::TuiArgs),
    /// Validate a rating file and import it into a project (created on first use).
    Ingest(ingest::IngestArgs),
    /// Summarise a project: facets, categories, missing data, connectedness.
    Info(info::InfoArgs),
    /// Draft a dataset description from a file's header, or print a built-in preset.
    InitConfig(init_config::InitConfigArgs),
    /// Write an MHS-shaped simulated data set with known truth.
    Simulate(simulate::SimulateArgs),
    /// Fit the many-facet Rasch model to the project's data and store the run.
    Fit(fit::FitArgs),
    /// Print Facets-style tables of a stored run.
    Report(report::ReportArgs),
    /// Flag raters of a run by the project's flag rules (Linacre's mean-square bands, too few
    /// responses, straight-lining, repeated answer vectors, severity outliers).
    Flag(flag::FlagArgs),
    /// Exclude raters from later fits (their observations are masked, never deleted).
    Exclude(decide::DecideArgs),
    /// Keep raters (undo an exclusion; later fits use their observations again).
    Keep(decide::DecideArgs),
    /// Reset raters to undecided (no decision in force: later fits use their observations).
    Undecide(decide::DecideArgs),
    /// List the review decisions in force.
    Decisions(decisions::DecisionsArgs),
    /// The rater-quality report of a run: flags per rule, mean-square distributions, inter-rater
    /// agreement (observed vs expected), Krippendorff's alpha per item.
    Quality(quality::QualityArgs),
    /// Iterative cleaning: fit -> flag -> exclude -> refit until no new rater is flagged.
    Clean(clean::CleanArgs),
    /// Run a whole pipeline (ingest -> fit or clean -> flag -> export) from a TOML file.
    Run(run::RunArgs),
    /// Export the measures of a run (objects, raters, items, or joined onto the original rows).
    Export(export::ExportArgs),
    /// Bias/interaction analysis between two facets, or a facet and an element attribute
    /// (Facets Tables 13 and 14).
    Bias(bias::BiasArgs),
    /// List the stored runs.
    Runs(runs::RunsArgs),
    /// Train the text predictor on a run's measures and ratings, evaluate it on held-out
    /// comments against ridge and mean baselines, and store it.
    Train(train::TrainArgs),
    /// Predict measures, item probabilities and contributions for texts with a stored model.
    Predict(predict::PredictArgs),
    /// List the stored text predictors.
    Models(models::ModelsArgs),
    /// Store a finished run or trained model kept in a side file because the project was busy.
    ImportRun(import_run::ImportRunArgs),
    /// Category functioning per rating scale (Linacre's eight guidelines) with a proposed
    /// collapse of adjacent categories where an essential guideline fails; --refit fits the
    /// proposals, --write-config writes them into the dataset description.
    Categories(categories::CategoriesArgs),
    /// Compare runs as models: log-likelihood, free parameters, AIC, BIC and the
    /// likelihood-ratio test of nested MML runs on the same observations.
    Compare(compare::CompareArgs),
    /// Plan a rating design from a run (D-study): object RMSE, separation and reliability with R
    /// raters per object, and the R that reaches a target reliability.
    Plan(plan::PlanArgs),
    /// Draw a figure of a run as SVG or PNG: wright (variable map), curves (category
    /// probabilities), raters (fit map), bias (Table 13 terms), distribution (measures, S.E.s,
    /// information), training (a text model's losses), contrast (Table 23), plan (D-study).
    Plot(plot::PlotArgs),
}

/// Parses the command line, runs the command and returns its exit code; errors go to stderr
/// (and, with `--json`, as `{"error", "exit_code"}` on stdout unless the command answered).
pub fn run() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => {
            let _ = e.print();
            return ExitCode::from(if e.use_stderr() {
                exit::USAGE
            } else {
                exit::SUCCESS
            });
        }
    };
    let out = Output {
        json: cli.json,
        quiet: cli.quiet,
    };
    if !matches!(cli.command, None | Some(Command::Open(_) | Command::Tui(_))) {
        wait::announce_waits();
    }
    match dispatch(cli.command, out) {
        Ok(()) => ExitCode::from(exit::SUCCESS),
        Err(failure) => {
            // Each cause once: a cause that restates the previous one is left out.
            let message =
                hints::with_hints(scalewright::error_text(&*failure.error), &failure.error);
            if out.json && !failure.json_printed {
                let body = serde_json::json!({
                    "error": message,
                    "exit_code": failure.code,
                });
                println!("{body}");
            }
            eprintln!("error: {message}");
            ExitCode::from(failure.code)
        }
    }
}

/// Runs one command (no command: `open` on the sample project).
fn dispatch(command: Option<Command>, out: Output) -> Result<(), Failure> {
    use scalewright::store::Decision;
    match command.unwrap_or(Command::Open(open::OpenArgs::default())) {
        Command::Open(args) => open::open(args, out),
        Command::Tui(args) => open::tui(args, out),
        Command::Ingest(args) => ingest::run(args, out),
        Command::Info(args) => info::run(args, out),
        Command::InitConfig(args) => init_config::run(args, out),
        Command::Simulate(args) => simulate::run(args, out),
        Command::Fit(args) => fit::run(args, out),
        Command::Report(args) => report::run(args, out),
        Command::Runs(args) => runs::run(args, out),
        Command::Flag(args) => flag::run(args, out),
        Command::Exclude(args) => decide::run(args, Decision::Exclude, out),
        Command::Keep(args) => decide::run(args, Decision::Keep, out),
        Command::Undecide(args) => decide::run(args, Decision::Undecided, out),
        Command::Decisions(args) => decisions::run(args, out),
        Command::Clean(args) => clean::run(args, out),
        Command::Export(args) => export::run(args, out),
        Command::Bias(args) => bias::run(args, out),
        Command::Quality(args) => quality::run(args, out),
        Command::Run(args) => run::run(args, out),
        Command::Train(args) => train::run(args, out),
        Command::Predict(args) => predict::run(args, out),
        Command::Models(args) => models::run(args, out),
        Command::ImportRun(args) => import_run::run(args, out),
        Command::Categories(args) => categories::run(args, out),
        Command::Compare(args) => compare::run(args, out),
        Command::Plan(args) => plan::run(args, out),
        Command::Plot(args) => plot::run(args, out),
    }
}
