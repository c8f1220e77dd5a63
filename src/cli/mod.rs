//! Command-line parsing, dispatch and exit codes.

mod import_run;
mod predict;
mod render;
mod tables;
mod tui;
mod wait;

use anyhow::Context;
use clap::{Args, Parser, Subcommand};
use scalewright::config::{ConfigError, DatasetConfig, Preset};
use scalewright::ingest::{self, IngestError, IngestOptions};
use scalewright::store::{Project, StoreError};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

/// Exit codes (documented in README.md and docs/cli.md).
pub mod exit {
    pub const SUCCESS: u8 = 0;
    /// An unexpected failure: I/O, the project file, a bug.
    pub const FAILURE: u8 = 1;
    /// The command line itself is wrong (clap's own code).
    pub const USAGE: u8 = 2;
    /// The input data or a description is invalid; nothing was written.
    pub const BAD_INPUT: u8 = 3;
    /// The input does not fit the project (already imported, different facets, conflicting
    /// responses); nothing was written.
    pub const PROJECT_CONFLICT: u8 = 4;
    /// The fit stopped at its iteration cap before meeting the convergence criteria (the run is
    /// stored, marked not converged).
    pub const NOT_CONVERGED: u8 = 5;
    /// The rating network is disconnected and the fit was refused.
    pub const DISCONNECTED: u8 = 6;
}

/// Where the bundled sample data and its project live, relative to the working directory.
pub const SAMPLE_DATA: &str = "sample-data/mhs-sim/ratings.csv";
pub const SAMPLE_PROJECT: &str = "sample-data/mhs-sim.db";

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
    Open {
        /// The project file.
        #[arg(long, short)]
        project: Option<PathBuf>,
        /// Your name as a rater of the project when you annotate (default: $USER).
        #[arg(long)]
        reviewer: Option<String>,
    },
    /// Open the terminal workbench on a project (created when missing; default: the sample).
    Tui {
        /// The project file.
        project: Option<PathBuf>,
        /// Your name as a rater of the project when you annotate (default: $USER).
        #[arg(long)]
        reviewer: Option<String>,
    },
    /// Validate a rating file and import it into a project (created on first use).
    Ingest(IngestArgs),
    /// Summarise a project: facets, categories, missing data, connectedness.
    Info {
        /// The project file.
        #[arg(long, short)]
        project: PathBuf,
    },
    /// Draft a dataset description from a file's header, or print a built-in preset.
    InitConfig(InitConfigArgs),
    /// Write an MHS-shaped simulated data set with known truth.
    Simulate(SimulateArgs),
    /// Fit the many-facet Rasch model to the project's data and store the run.
    Fit(FitArgs),
    /// Print Facets-style tables of a stored run.
    Report(ReportArgs),
    /// Flag raters of a run by the project's flag rules (Linacre's mean-square bands, too few
    /// responses, straight-lining, repeated answer vectors, severity outliers).
    Flag(FlagArgs),
    /// Exclude raters from later fits (their observations are masked, never deleted).
    Exclude(DecideArgs),
    /// Keep raters (undo an exclusion; later fits use their observations again).
    Keep(DecideArgs),
    /// Reset raters to undecided (no decision in force: later fits use their observations).
    Undecide(DecideArgs),
    /// List the review decisions in force.
    Decisions {
        /// The project file.
        #[arg(long, short)]
        project: PathBuf,
    },
    /// The rater-quality report of a run: flags per rule, mean-square distributions, inter-rater
    /// agreement (observed vs expected), Krippendorff's alpha per item.
    Quality {
        /// The project file.
        #[arg(long, short)]
        project: PathBuf,
        /// The run (default: the newest).
        #[arg(long)]
        run: Option<i64>,
    },
    /// Iterative cleaning: fit -> flag -> exclude -> refit until no new rater is flagged.
    Clean(CleanArgs),
    /// Run a whole pipeline (ingest -> fit or clean -> flag -> export) from a TOML file.
    Run {
        /// The pipeline file (schemas/pipeline.schema.json).
        pipeline: PathBuf,
    },
    /// Export the measures of a run (objects, raters, items, or joined onto the original rows).
    Export(ExportArgs),
    /// Bias/interaction analysis between two facets, or a facet and an element attribute
    /// (Facets Tables 13 and 14).
    Bias(BiasArgs),
    /// List the stored runs.
    Runs {
        /// The project file.
        #[arg(long, short)]
        project: PathBuf,
    },
    /// Train the text predictor on a run's measures and ratings, evaluate it on held-out
    /// comments against ridge and mean baselines, and store it.
    Train(predict::TrainArgs),
    /// Predict measures, item probabilities and contributions for texts with a stored model.
    Predict(predict::PredictArgs),
    /// List the stored text predictors.
    Models {
        /// The project file.
        #[arg(long, short)]
        project: PathBuf,
    },
    /// Store a finished run or trained model kept in a side file because the project was busy.
    ImportRun(import_run::ImportRunArgs),
}

#[derive(Args, Debug)]
struct FitArgs {
    /// The project file.
    #[arg(long, short)]
    project: PathBuf,
    /// Estimation method.
    #[arg(long, value_enum, default_value_t = MethodArg::Jmle)]
    method: MethodArg,
    /// Threshold structure: pcm (one scale per item, Facets `#`) or rsm (one shared scale).
    #[arg(long, value_enum, default_value_t = ScaleArg::Pcm)]
    scale: ScaleArg,
    /// MML: object measures by EAP (with posterior SD) or WLE.
    #[arg(long, value_enum, default_value_t = ObjectEstimatorArg::Eap)]
    object_estimator: ObjectEstimatorArg,
    /// MML: Gauss-Hermite quadrature points.
    #[arg(long, default_value_t = scalewright::measure::MmlOptions::default().quadrature_points)]
    quadrature_points: usize,
    /// Anchor file (CSV: facet,element,category,value).
    #[arg(long, conflicts_with = "anchor_run")]
    anchor: Option<PathBuf>,
    /// Anchor the non-object facets and thresholds at an earlier run's values.
    #[arg(long)]
    anchor_run: Option<i64>,
    /// Convergence: largest marginal score residual (score points). Default: Facets' .5
    /// (Winsteps' .1 with --update winsteps).
    #[arg(long)]
    max_residual: Option<f64>,
    /// Convergence: largest change (logits). Default: Facets' .01 (Winsteps' .005 with
    /// --update winsteps).
    #[arg(long)]
    max_change: Option<f64>,
    /// Iteration cap.
    #[arg(long, default_value_t = scalewright::measure::Convergence::default().max_iterations)]
    max_iterations: usize,
    /// Keep unobserved intermediate categories (Facets `Keep`) instead of renumbering them.
    #[arg(long)]
    keep_unobserved: bool,
    /// Apply the (L-1)/L JMLE bias correction.
    #[arg(long)]
    bias_correction: bool,
    /// JMLE iteration path: accelerated (few iterations at crowd scale), facets (Facets' own
    /// Jacobi steps: under the same loose criteria it stops where Facets stops) or winsteps
    /// (PROX start, Jacobi steps, Winsteps' stopping rule: it stops where Winsteps stops).
    #[arg(long, value_enum, default_value_t = UpdateArg::Accelerated)]
    update: UpdateArg,
    /// Fit even if the rating network is disconnected (subsets are stored with the run).
    #[arg(long)]
    allow_disconnected: bool,
    /// Facets that float (Facets `Non-centered=`), by name; default: the object facet.
    #[arg(long, value_delimiter = ',')]
    non_centred: Vec<String>,
    /// A note stored with the run.
    #[arg(long, default_value = "")]
    note: String,
}

#[derive(Args, Debug)]
struct FlagArgs {
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

#[derive(Args, Debug)]
struct DecideArgs {
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

#[derive(Args, Debug)]
struct ExportArgs {
    /// The project file.
    #[arg(long, short)]
    project: PathBuf,
    /// The run (default: the newest).
    #[arg(long)]
    run: Option<i64>,
    /// What to export.
    #[arg(long, value_enum, default_value_t = WhatArg::Objects)]
    what: WhatArg,
    /// The output file: .csv (with a .json provenance sidecar), .parquet or .json.
    #[arg(long, short)]
    out: PathBuf,
    /// Name the columns as the MHS release does (hate_speech_score, std_err, infitms, outfitms,
    /// annotator_severity, annotator_infitms, annotator_outfitms).
    #[arg(long)]
    mhs_columns: bool,
    /// Linear rescaling of the measures to user units: INTERCEPT,SLOPE (a + b * measure).
    #[arg(long, allow_hyphen_values = true)]
    rescale: Option<String>,
    /// With --what joined: the original data file to join the estimates onto.
    #[arg(long)]
    join: Option<PathBuf>,
}

#[derive(clap::ValueEnum, Clone, Copy, Debug)]
enum WhatArg {
    Objects,
    Raters,
    Items,
    Joined,
}

#[derive(Args, Debug)]
struct BiasArgs {
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

#[derive(Args, Debug)]
struct CleanArgs {
    /// The project file.
    #[arg(long, short)]
    project: PathBuf,
    /// At most this many fits.
    #[arg(long, default_value_t = 5)]
    max_rounds: usize,
    /// Threshold structure.
    #[arg(long, value_enum, default_value_t = ScaleArg::Pcm)]
    scale: ScaleArg,
}

#[derive(clap::ValueEnum, Clone, Copy, Debug)]
enum MethodArg {
    /// Joint maximum likelihood, as Facets (default).
    Jmle,
    /// Marginal maximum likelihood (EM over a normal object distribution): consistent for
    /// sparse designs.
    Mml,
}

#[derive(clap::ValueEnum, Clone, Copy, Debug)]
enum ObjectEstimatorArg {
    Eap,
    Wle,
}

#[derive(clap::ValueEnum, Clone, Copy, Debug)]
enum UpdateArg {
    Accelerated,
    Facets,
    Winsteps,
}

#[derive(clap::ValueEnum, Clone, Copy, Debug)]
enum ScaleArg {
    Pcm,
    Rsm,
}

#[derive(clap::ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
enum FormatArg {
    Text,
    Json,
    Csv,
}

#[derive(Args, Debug)]
struct ReportArgs {
    /// The project file.
    #[arg(long, short)]
    project: PathBuf,
    /// The run (default: the newest).
    #[arg(long)]
    run: Option<i64>,
    /// Facets table number: 3 (iterations), 4 (unexpected responses), 5 (global), 6 (Wright map),
    /// 7 (measurement reports), 8 (category statistics). Default: 3, 5, 7 and 8.
    #[arg(long)]
    table: Option<u8>,
    /// Only this facet's Table 7 (by name).
    #[arg(long)]
    facet: Option<String>,
    /// Output format (csv: Table 7 of one facet, or Table 8).
    #[arg(long, value_enum, default_value_t = FormatArg::Text)]
    format: FormatArg,
    /// Every response's expectation, variance and standardized residual (Winsteps XFILE), as CSV.
    #[arg(long, conflicts_with = "table")]
    xfile: bool,
    /// Table 4: at most this many unexpected responses (text).
    #[arg(long, default_value_t = 50)]
    top: usize,
}

#[derive(Args, Debug)]
struct IngestArgs {
    /// The rating file (CSV, TSV or Parquet).
    data: PathBuf,
    /// A dataset description (TOML).
    #[arg(
        long,
        short,
        conflicts_with = "preset",
        required_unless_present = "preset"
    )]
    config: Option<PathBuf>,
    /// A built-in description: mhs or mhs-collapsed.
    #[arg(long)]
    preset: Option<String>,
    /// The project file (created if missing).
    #[arg(long, short)]
    project: PathBuf,
    /// How many problems of each kind to list.
    #[arg(long, default_value_t = ingest::DEFAULT_MAX_PROBLEMS)]
    max_problems: usize,
}

#[derive(Args, Debug)]
struct InitConfigArgs {
    /// The rating file whose header to read.
    #[arg(required_unless_present = "preset")]
    data: Option<PathBuf>,
    /// Print a built-in preset instead (mhs or mhs-collapsed).
    #[arg(long, conflicts_with = "data")]
    preset: Option<String>,
    /// Write the draft here instead of stdout (never overwrites).
    #[arg(long, short)]
    out: Option<PathBuf>,
}

#[derive(Args, Debug)]
struct SimulateArgs {
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
}

/// An error with the exit code it maps to.
struct Failure {
    code: u8,
    error: anyhow::Error,
    /// The command already printed its JSON answer (e.g. a validation report).
    json_printed: bool,
}

impl Failure {
    /// A failure with its exit code (nothing printed yet).
    fn new(code: u8, error: impl Into<anyhow::Error>) -> Self {
        Failure {
            code,
            error: error.into(),
            json_printed: false,
        }
    }
}

impl<E: Into<anyhow::Error>> From<E> for Failure {
    fn from(e: E) -> Self {
        let error: anyhow::Error = e.into();
        let code = exit_code_for(&error);
        Failure {
            code,
            error,
            json_printed: false,
        }
    }
}

fn exit_code_for(error: &anyhow::Error) -> u8 {
    for cause in error.chain() {
        if let Some(e) = cause.downcast_ref::<IngestError>() {
            return match e {
                IngestError::Invalid(_) | IngestError::Config(_) | IngestError::Read { .. } => {
                    exit::BAD_INPUT
                }
                IngestError::Io { .. } => exit::FAILURE,
            };
        }
        if let Some(e) = cause.downcast_ref::<scalewright::pipeline::PipelineError>() {
            use scalewright::pipeline::PipelineError;
            return match e {
                PipelineError::Disconnected(_) => exit::DISCONNECTED,
                PipelineError::AnchorFile { .. }
                | PipelineError::NoData
                | PipelineError::StaleRun { .. }
                | PipelineError::NoRaterFacet
                | PipelineError::UnknownTerm(_) => exit::BAD_INPUT,
                PipelineError::Measure(scalewright::measure::MeasureError::InvalidOption {
                    ..
                }) => exit::BAD_INPUT,
                PipelineError::Measure(_) => exit::FAILURE,
                // Transparent: the chain goes on past the store error, so map it here.
                PipelineError::Store(e) => store_exit_code(e),
            };
        }
        if let Some(e) = cause.downcast_ref::<scalewright::export::ExportError>() {
            use scalewright::export::ExportError;
            return match e {
                ExportError::Format(_) | ExportError::NoJoinSource | ExportError::Join { .. } => {
                    exit::BAD_INPUT
                }
                ExportError::Store(e) => store_exit_code(e),
                ExportError::Write { .. } => exit::FAILURE,
            };
        }
        if let Some(
            scalewright::batch::BatchError::Invalid { .. }
            | scalewright::batch::BatchError::Io { .. },
        ) = cause.downcast_ref::<scalewright::batch::BatchError>()
        {
            return exit::BAD_INPUT;
        }
        if cause.downcast_ref::<ConfigError>().is_some() {
            return exit::BAD_INPUT;
        }
        if let Some(e) = cause.downcast_ref::<scalewright::predict::PredictError>() {
            return predict::exit_code(e);
        }
        if let Some(e) = cause.downcast_ref::<StoreError>() {
            return store_exit_code(e);
        }
    }
    exit::FAILURE
}

/// The exit code of a project error: a missing project, run, element or model, or a file that
/// is not a project, is bad input (3); a busy project or input that does not fit it is a
/// project conflict (4).
pub(crate) fn store_exit_code(e: &StoreError) -> u8 {
    match e {
        StoreError::AlreadyImported { .. }
        | StoreError::Incompatible { .. }
        | StoreError::Conflicts { .. } => exit::PROJECT_CONFLICT,
        e if e.is_busy() => exit::PROJECT_CONFLICT,
        e if e.is_not_found() => exit::BAD_INPUT,
        StoreError::NotAProject { .. } | StoreError::PendingFile { .. } => exit::BAD_INPUT,
        _ => exit::FAILURE,
    }
}

/// Output settings shared by every command.
#[derive(Debug, Clone, Copy)]
pub struct Output {
    pub json: bool,
    pub quiet: bool,
}

impl Output {
    /// A log line on stderr (suppressed by --quiet).
    pub fn log(&self, line: impl AsRef<str>) {
        if !self.quiet {
            eprintln!("{}", line.as_ref());
        }
    }
}

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
    if !matches!(
        cli.command,
        None | Some(Command::Open { .. } | Command::Tui { .. })
    ) {
        wait::announce_waits();
    }
    match dispatch(cli.command, out) {
        Ok(()) => ExitCode::from(exit::SUCCESS),
        Err(failure) => {
            let message = scalewright::error_text(&*failure.error);
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

fn dispatch(command: Option<Command>, out: Output) -> Result<(), Failure> {
    match command.unwrap_or(Command::Open {
        project: None,
        reviewer: None,
    }) {
        Command::Open { project, reviewer } => open(project, reviewer, out),
        Command::Tui { project, reviewer } => {
            let path = match project {
                Some(p) => p,
                None => ensure_sample_project(out)?,
            };
            tui::workbench(&path, reviewer)
        }
        Command::Ingest(args) => ingest_cmd(args, out),
        Command::Info { project } => info(&project, out),
        Command::InitConfig(args) => init_config(args, out),
        Command::Simulate(args) => simulate(args, out),
        Command::Fit(args) => fit_cmd(args, out),
        Command::Report(args) => report(args, out),
        Command::Runs { project } => runs(&project, out),
        Command::Flag(args) => flag_cmd(args, out),
        Command::Exclude(args) => decide_cmd(args, scalewright::store::Decision::Exclude, out),
        Command::Keep(args) => decide_cmd(args, scalewright::store::Decision::Keep, out),
        Command::Undecide(args) => decide_cmd(args, scalewright::store::Decision::Undecided, out),
        Command::Decisions { project } => decisions_cmd(&project, out),
        Command::Clean(args) => clean_cmd(args, out),
        Command::Export(args) => export_cmd(args, out),
        Command::Bias(args) => bias_cmd(args, out),
        Command::Quality { project, run } => quality_cmd(&project, run, out),
        Command::Run { pipeline } => run_pipeline(&pipeline, out),
        Command::Train(args) => predict::train_cmd(args, out),
        Command::Predict(args) => predict::predict_cmd(args, out),
        Command::Models { project } => predict::models_cmd(&project, out),
        Command::ImportRun(args) => import_run::import_run_cmd(args, out),
    }
}

fn load_config(config: Option<&Path>, preset: Option<&str>) -> Result<DatasetConfig, Failure> {
    match (config, preset) {
        (Some(path), _) => Ok(DatasetConfig::from_file(path)?),
        (None, Some(name)) => Ok(Preset::from_name(name)?.config()),
        (None, None) => Err(Failure::new(
            exit::USAGE,
            anyhow::anyhow!("give --config FILE or --preset NAME"),
        )),
    }
}

fn ingest_cmd(args: IngestArgs, out: Output) -> Result<(), Failure> {
    let config = load_config(args.config.as_deref(), args.preset.as_deref())?;
    let options = IngestOptions {
        max_problems: args.max_problems,
    };
    let bar = fit_progress(out);
    if let Some(bar) = &bar {
        bar.set_message(format!("reading and validating {}", args.data.display()));
    }
    let staged = ingest::stage(&args.data, &config, &options);
    if let Some(bar) = &bar {
        bar.finish_and_clear();
    }
    let staged = match staged {
        Ok(staged) => staged,
        Err(IngestError::Invalid(report)) => {
            if out.json {
                println!(
                    "{}",
                    serde_json::json!({ "imported": false, "validation": report })
                );
            }
            return Err(Failure {
                code: exit::BAD_INPUT,
                error: anyhow::anyhow!("{report}"),
                json_printed: out.json,
            });
        }
        Err(e) => return Err(e.into()),
    };
    for warning in &staged.report.warnings {
        out.log(warning.to_string());
    }
    let mut project = Project::create_or_open(&args.project)?;
    let bar = fit_progress(out);
    if let Some(bar) = &bar {
        bar.set_message(format!(
            "importing {} responses into {}",
            staged.observations.len(),
            args.project.display()
        ));
    }
    let summary = project.import(&staged);
    if let Some(bar) = &bar {
        bar.finish_and_clear();
    }
    let summary = summary?;
    if out.json {
        println!(
            "{}",
            serde_json::json!({ "imported": true, "summary": summary, "warnings": staged.report.warnings, "warnings_total": staged.report.warnings_total })
        );
    } else if !out.quiet {
        println!("{}", render::import_summary(&summary, project.path()));
    }
    Ok(())
}

fn info(project: &Path, out: Output) -> Result<(), Failure> {
    let project = Project::open(project)?;
    let summary = project.summary()?;
    if out.json {
        print_json(&summary, "serialising the summary")?;
    } else {
        print!("{}", render::project_summary(&summary));
    }
    Ok(())
}

fn init_config(args: InitConfigArgs, out: Output) -> Result<(), Failure> {
    let text = match (&args.data, &args.preset) {
        (_, Some(name)) => Preset::from_name(name)?.toml().to_string(),
        (Some(data), None) => ingest::draft::draft_config(data, None)?,
        (None, None) => {
            return Err(Failure::new(
                exit::USAGE,
                anyhow::anyhow!("give a data file or --preset NAME"),
            ))
        }
    };
    match args.out {
        Some(path) => {
            use std::io::Write;
            let mut file = std::fs::OpenOptions::new()
                .write(true)
                .create_new(true)
                .open(&path)
                .with_context(|| {
                    format!("cannot create {} (it must not exist yet)", path.display())
                })?;
            file.write_all(text.as_bytes())
                .with_context(|| format!("writing {}", path.display()))?;
            out.log(format!("wrote {}", path.display()));
        }
        None if out.json => println!("{}", serde_json::json!({ "config_toml": text })),
        None => print!("{text}"),
    }
    Ok(())
}

/// Opens the workbench when stdout is a terminal (and no `--json`); otherwise prints the
/// project summary, as `info` does.
fn open(project: Option<PathBuf>, reviewer: Option<String>, out: Output) -> Result<(), Failure> {
    let path = match project {
        Some(p) => p,
        None => ensure_sample_project(out)?,
    };
    if !out.json && tui::is_terminal() {
        return tui::workbench(&path, reviewer);
    }
    info(&path, out)
}

/// The bundled sample project, created from the sample data when missing.
fn ensure_sample_project(out: Output) -> Result<PathBuf, Failure> {
    let project = PathBuf::from(SAMPLE_PROJECT);
    if project.exists() {
        return Ok(project);
    }
    let data = PathBuf::from(SAMPLE_DATA);
    if !data.exists() {
        return Err(Failure::new(exit::BAD_INPUT, anyhow::anyhow!(
                "no project given and the sample data {} is not here; run from the repository root or pass --project",
                data.display()
            )));
    }
    out.log(format!(
        "creating the sample project {} from {} (preset mhs)",
        project.display(),
        data.display()
    ));
    let staged = ingest::stage(&data, &Preset::Mhs.config(), &IngestOptions::default())?;
    let mut p = Project::create_or_open(&project)?;
    p.import(&staged)?;
    Ok(project)
}

/// Parses `N` or `MIN-MAX`.
fn parse_range(text: &str) -> Result<(usize, usize), Failure> {
    let bad = || {
        Failure::new(
            exit::USAGE,
            anyhow::anyhow!("--raters-per-comment takes N or MIN-MAX, e.g. 3 or 3-4; got `{text}`"),
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

fn simulate(args: SimulateArgs, out: Output) -> Result<(), Failure> {
    use scalewright::simulate::{self, SimulationConfig};
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

/// A progress spinner on stderr for long work (only when stderr is a terminal and not --quiet).
fn fit_progress(out: Output) -> Option<indicatif::ProgressBar> {
    use std::io::IsTerminal;
    if out.quiet || !std::io::stderr().is_terminal() {
        return None;
    }
    let bar = indicatif::ProgressBar::new_spinner();
    bar.set_style(
        indicatif::ProgressStyle::with_template("{spinner} {elapsed} {msg}")
            .unwrap_or_else(|_| indicatif::ProgressStyle::default_spinner()),
    );
    bar.enable_steady_tick(std::time::Duration::from_millis(120));
    Some(bar)
}

fn fit_cmd(args: FitArgs, out: Output) -> Result<(), Failure> {
    use scalewright::measure::{Convergence, FitOptions, Method, ScaleModel, UnobservedCategories};
    use scalewright::pipeline::{self, FitRequest};
    let mut project = Project::open(&args.project)?;
    let update = match args.update {
        UpdateArg::Accelerated => scalewright::measure::JmleUpdate::Accelerated,
        UpdateArg::Facets => scalewright::measure::JmleUpdate::Facets,
        UpdateArg::Winsteps => scalewright::measure::JmleUpdate::Winsteps,
    };
    let mut options = FitOptions {
        method: match args.method {
            MethodArg::Jmle => Method::Jmle,
            MethodArg::Mml => Method::Mml,
        },
        mml: scalewright::measure::MmlOptions {
            quadrature_points: args.quadrature_points,
            object_estimator: match args.object_estimator {
                ObjectEstimatorArg::Eap => scalewright::measure::ObjectEstimator::Eap,
                ObjectEstimatorArg::Wle => scalewright::measure::ObjectEstimator::Wle,
            },
            ..scalewright::measure::MmlOptions::default()
        },
        scale_model: match args.scale {
            ScaleArg::Pcm => ScaleModel::PartialCredit { facet: None },
            ScaleArg::Rsm => ScaleModel::RatingScale,
        },
        convergence: Convergence {
            max_score_residual: args
                .max_residual
                .unwrap_or(Convergence::default_for(update).max_score_residual),
            max_change: args
                .max_change
                .unwrap_or(Convergence::default_for(update).max_change),
            max_iterations: args.max_iterations,
        },
        unobserved_categories: if args.keep_unobserved {
            UnobservedCategories::Keep
        } else {
            UnobservedCategories::Ordinal
        },
        bias_correction: args.bias_correction,
        update,
        ..FitOptions::default()
    };
    if !args.non_centred.is_empty() {
        let facets = project.facets()?;
        let mut indices = Vec::new();
        for name in &args.non_centred {
            let index = facets.iter().position(|f| f.name == *name).ok_or_else(|| {
                Failure::new(
                    exit::BAD_INPUT,
                    anyhow::anyhow!(
                        "--non-centred: no facet `{name}`; facets: {}",
                        facets
                            .iter()
                            .map(|f| f.name.as_str())
                            .collect::<Vec<_>>()
                            .join(", ")
                    ),
                )
            })?;
            indices.push(index);
        }
        options.non_centred = Some(indices);
    }
    if args.anchor.is_some() || args.anchor_run.is_some() {
        let (data, _) = project.ratings_for_fit()?;
        options.anchors = match (&args.anchor, args.anchor_run) {
            (Some(file), _) => pipeline::read_anchor_file(file, &data)?,
            (None, Some(run)) => pipeline::anchors_from_run(&project, run, &data)?,
            (None, None) => Default::default(),
        };
    }
    let request = FitRequest {
        options,
        allow_disconnected: args.allow_disconnected,
        note: args.note,
    };
    let bar = fit_progress(out);
    let mut observer = |r: &scalewright::measure::IterationReport| {
        if let Some(bar) = &bar {
            bar.set_message(format!(
                "iteration {}: max score residual {:.3}, max change {:.4} logits",
                r.iteration, r.max_score_residual, r.max_change
            ));
        }
        std::ops::ControlFlow::Continue(())
    };
    let outcome = pipeline::fit_project(&mut project, &request, &mut observer);
    if let Some(bar) = &bar {
        bar.finish_and_clear();
    }
    let outcome = outcome?;
    let fit = &outcome.fit;
    if out.json {
        println!(
            "{}",
            serde_json::json!({
                "run_id": outcome.run_id,
                "converged": fit.converged,
                "iterations": fit.iterations(),
                "observations": outcome.observations,
                "masked_observations": outcome.masked_observations,
                "connected": outcome.connectedness.connected,
                "global": fit.global,
                "facets": fit.facets.iter().map(|f| serde_json::json!({"name": f.name, "summary": f.summary})).collect::<Vec<_>>(),
            })
        );
    } else if !out.quiet {
        println!(
            "run {}: {} after {} iterations on {} responses{}",
            outcome.run_id,
            if fit.converged {
                "converged"
            } else {
                "NOT converged"
            },
            fit.iterations(),
            outcome.observations,
            if outcome.masked_observations > 0 {
                format!(" ({} masked by exclusions)", outcome.masked_observations)
            } else {
                String::new()
            }
        );
        for f in &fit.facets {
            let s = &f.summary;
            println!(
                "  {:<16} mean {:>6.2}  S.D. {:>5.2}  separation {:>5.2}  reliability {:>4.2}  (model, populn)",
                f.name, s.mean_measure, s.sd_population, s.model_population.separation, s.model_population.reliability
            );
        }
        if !outcome.connectedness.connected {
            println!("  warning: the rating network is disconnected; see `scalewright info` for the subsets");
        }
        println!(
            "  tables: scalewright report --project {} --run {}",
            args.project.display(),
            outcome.run_id
        );
    }
    if !fit.converged {
        return Err(Failure {
            code: exit::NOT_CONVERGED,
            error: anyhow::anyhow!(
                "run {} did not converge within {} iterations (stored as not converged); raise --max-iterations or loosen the criteria",
                outcome.run_id,
                fit.iterations()
            ),
            json_printed: out.json,
        });
    }
    Ok(())
}

fn report(mut args: ReportArgs, out: Output) -> Result<(), Failure> {
    if out.json {
        args.format = FormatArg::Json;
    }
    let project = Project::open(&args.project)?;
    let run = match args.run {
        Some(run) => run,
        None => project.latest_run()?.ok_or_else(|| {
            Failure::new(
                exit::BAD_INPUT,
                anyhow::anyhow!(
                    "project {} has no runs yet (run `scalewright fit`)",
                    args.project.display()
                ),
            )
        })?,
    };
    let fit = project.load_fit(run)?;
    let facets: Vec<(usize, &scalewright::measure::FacetMeasures)> = fit
        .facets
        .iter()
        .enumerate()
        .filter(|(_, f)| args.facet.as_deref().is_none_or(|name| f.name == name))
        .collect();
    if facets.is_empty() {
        let names: Vec<&str> = fit.facets.iter().map(|f| f.name.as_str()).collect();
        return Err(Failure::new(
            exit::BAD_INPUT,
            anyhow::anyhow!(
                "no facet `{}` in run {run}; facets: {}",
                args.facet.unwrap_or_default(),
                names.join(", ")
            ),
        ));
    }
    let usage = |message: &str| Failure::new(exit::USAGE, anyhow::anyhow!("{message}"));
    // Tables 4 (unexpected responses) and 6 (Wright map) and the residual file need the data.
    if args.xfile || matches!(args.table, Some(4) | Some(6)) {
        return data_tables(&project, run, &fit, &args);
    }
    match (args.format, args.table) {
        (_, Some(t)) if ![3, 5, 7, 8].contains(&t) => {
            return Err(usage("--table takes 3, 4, 5, 6, 7 or 8"))
        }
        (FormatArg::Json, table) => {
            let value = match table {
                Some(3) => serde_json::to_value(&fit.history),
                Some(5) => serde_json::to_value(&fit.global),
                Some(7) => serde_json::to_value(facets.iter().map(|(_, f)| f).collect::<Vec<_>>()),
                Some(8) => serde_json::to_value(&fit.scales),
                _ => serde_json::to_value(&fit),
            }
            .context("serialising the report")?;
            println!("{value}");
        }
        (FormatArg::Csv, Some(8)) => print!("{}", render::table8_csv(&fit).context("writing CSV")?),
        (FormatArg::Csv, Some(7) | None) => {
            if facets.len() != 1 {
                return Err(usage(
                    "CSV holds one table: name a facet with --facet (or use --table 8)",
                ));
            }
            print!(
                "{}",
                render::table7_csv(facets[0].1).context("writing CSV")?
            );
        }
        (FormatArg::Csv, _) => {
            return Err(usage(
                "CSV output is for --table 7 (with --facet) or --table 8",
            ))
        }
        (FormatArg::Text, table) => {
            println!("Run {run}");
            if table.is_none() || table == Some(3) {
                println!("{}", tables::table3(&fit));
            }
            if table.is_none() || table == Some(5) {
                println!("{}", tables::table5(&fit));
            }
            if table.is_none() || table == Some(7) {
                for (i, f) in &facets {
                    println!("{}", tables::table7(*i, f));
                }
            }
            if table.is_none() || table == Some(8) {
                for scale in &fit.scales {
                    println!("{}", tables::table8(scale));
                }
            }
        }
    }
    let _ = out;
    Ok(())
}

/// Prints `value` as pretty JSON on stdout (the `--json` answer of a command); `what` names it
/// in the error.
fn print_json(value: &impl serde::Serialize, what: &str) -> anyhow::Result<()> {
    println!(
        "{}",
        serde_json::to_string_pretty(value).with_context(|| what.to_string())?
    );
    Ok(())
}

fn runs(project: &Path, out: Output) -> Result<(), Failure> {
    let project = Project::open(project)?;
    let runs = project.runs()?;
    if out.json {
        print_json(&runs, "serialising runs")?;
        return Ok(());
    }
    println!(
        "  {:>4}  {:<6} {:<14} {:>5}  {:<30}  note",
        "run", "method", "status", "iter", "finished"
    );
    for r in runs {
        println!(
            "  {:>4}  {:<6} {:<14} {:>5}  {:<30}  {}",
            r.id,
            r.method,
            r.status,
            r.iterations,
            r.finished_at.unwrap_or_default(),
            r.note
        );
    }
    Ok(())
}

fn newest_run(project: &Project, run: Option<i64>, path: &Path) -> Result<i64, Failure> {
    match run {
        Some(run) => Ok(run),
        None => project.latest_run()?.ok_or_else(|| {
            Failure::new(
                exit::BAD_INPUT,
                anyhow::anyhow!(
                    "project {} has no runs yet (run `scalewright fit`)",
                    path.display()
                ),
            )
        }),
    }
}

fn flag_cmd(args: FlagArgs, out: Output) -> Result<(), Failure> {
    use scalewright::quality::{FlagLevel, FlagRules};
    let mut project = Project::open(&args.project)?;
    if let Some(path) = &args.rules {
        let text =
            std::fs::read_to_string(path).with_context(|| format!("reading {}", path.display()))?;
        let rules: FlagRules = toml::from_str(&text).map_err(|e| {
            Failure::new(
                exit::BAD_INPUT,
                anyhow::anyhow!("{}: {}", path.display(), e.to_string().trim()),
            )
        })?;
        rules.validate().map_err(|e| {
            Failure::new(exit::BAD_INPUT, anyhow::anyhow!("{}: {e}", path.display()))
        })?;
        project.set_flag_rules(&rules)?;
    }
    let run = newest_run(&project, args.run, &args.project)?;
    let flags = scalewright::pipeline::flag_run(&mut project, run)?;
    if out.json {
        println!(
            "{}",
            serde_json::json!({ "run_id": run, "rules": project.flag_rules()?, "flags": flags })
        );
        return Ok(());
    }
    if out.quiet {
        return Ok(());
    }
    let raters: std::collections::BTreeSet<&str> = flags.iter().map(|f| f.label.as_str()).collect();
    let to_exclude: std::collections::BTreeSet<&str> = flags
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
    let mut counts: std::collections::BTreeMap<&str, usize> = Default::default();
    for f in &flags {
        *counts.entry(f.rule.name()).or_default() += 1;
    }
    for (rule, n) in counts {
        println!("  {rule:<18} {n}");
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

fn decide_cmd(
    args: DecideArgs,
    decision: scalewright::store::Decision,
    out: Output,
) -> Result<(), Failure> {
    let mut project = Project::open(&args.project)?;
    let data = project.ratings()?;
    let facet = scalewright::pipeline::rater_facet(&data)
        .ok_or(scalewright::pipeline::PipelineError::NoRaterFacet)?;
    let facet_name = data.facets[facet].name.clone();
    let (labels, source, run) = match (&args.rule, &args.raters) {
        (Some(rule), _) => {
            let parsed = scalewright::quality::Rule::parse(rule).ok_or_else(|| {
                Failure::new(
                    exit::USAGE,
                    anyhow::anyhow!(
                        "unknown rule `{rule}`; rules: {}",
                        scalewright::quality::Rule::ALL
                            .iter()
                            .map(|r| r.name())
                            .collect::<Vec<_>>()
                            .join(", ")
                    ),
                )
            })?;
            let run = newest_run(&project, args.run, &args.project)?;
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

fn decisions_cmd(project: &Path, out: Output) -> Result<(), Failure> {
    let project = Project::open(project)?;
    let decisions = project.decisions()?;
    if out.json {
        print_json(&decisions, "serialising decisions")?;
        return Ok(());
    }
    for d in decisions {
        println!(
            "  {:<9} {:<14} {:<10} {:<30} {:<18} {}",
            d.decision.as_str(),
            d.facet,
            d.label,
            d.decided_at,
            d.source,
            d.reason
        );
    }
    Ok(())
}

fn clean_cmd(args: CleanArgs, out: Output) -> Result<(), Failure> {
    use scalewright::measure::{FitOptions, ScaleModel};
    let mut project = Project::open(&args.project)?;
    let request = scalewright::pipeline::FitRequest {
        options: FitOptions {
            scale_model: match args.scale {
                ScaleArg::Pcm => ScaleModel::PartialCredit { facet: None },
                ScaleArg::Rsm => ScaleModel::RatingScale,
            },
            ..FitOptions::default()
        },
        allow_disconnected: false,
        note: "iterative cleaning".into(),
    };
    let bar = fit_progress(out);
    let mut observer = |r: &scalewright::measure::IterationReport| {
        if let Some(bar) = &bar {
            bar.set_message(format!(
                "iteration {}: max score residual {:.3}",
                r.iteration, r.max_score_residual
            ));
        }
        std::ops::ControlFlow::Continue(())
    };
    let rounds =
        scalewright::pipeline::clean(&mut project, &request, args.max_rounds, &mut observer);
    if let Some(bar) = &bar {
        bar.finish_and_clear();
    }
    let rounds = rounds?;
    if out.json {
        println!("{}", serde_json::json!({ "rounds": rounds }));
    } else if !out.quiet {
        println!("  round  run  excluded  r(previous)  largest shift  separation  reliability");
        for r in &rounds {
            println!(
                "  {:>5} {:>4} {:>9} {:>12} {:>14} {:>11.2} {:>12.3}",
                r.round,
                r.run_id,
                r.excluded.len(),
                r.measure_correlation
                    .map(|v| format!("{v:.4}"))
                    .unwrap_or_else(|| "-".into()),
                r.largest_shift
                    .map(|v| format!("{v:.3}"))
                    .unwrap_or_else(|| "-".into()),
                r.object_separation,
                r.object_reliability
            );
        }
        if rounds.last().is_some_and(|r| !r.excluded.is_empty()) {
            println!(
                "  stopped at --max-rounds {} with raters still being flagged",
                args.max_rounds
            );
        }
    }
    Ok(())
}

fn export_cmd(args: ExportArgs, out: Output) -> Result<(), Failure> {
    use scalewright::export::{self, ExportKind, ExportRequest, Rescale};
    let mut project = Project::open(&args.project)?;
    let run_id = newest_run(&project, args.run, &args.project)?;
    let rescale = match &args.rescale {
        None => None,
        Some(text) => {
            let parts: Vec<Option<f64>> = text.split(',').map(|p| p.trim().parse().ok()).collect();
            match parts.as_slice() {
                [Some(a), Some(b)] if a.is_finite() && b.is_finite() && *b != 0.0 => Some(Rescale { intercept: *a, slope: *b }),
                _ => {
                    return Err(Failure::new(exit::USAGE, anyhow::anyhow!("--rescale takes INTERCEPT,SLOPE with a non-zero slope, e.g. 50,10; got `{text}`")))
                }
            }
        }
    };
    let request = ExportRequest {
        run_id,
        kind: match args.what {
            WhatArg::Objects => ExportKind::Objects,
            WhatArg::Raters => ExportKind::Raters,
            WhatArg::Items => ExportKind::Items,
            WhatArg::Joined => ExportKind::Joined,
        },
        path: args.out.clone(),
        rescale,
        mhs_columns: args.mhs_columns,
        join_source: args.join.clone(),
    };
    let summary = export::export(&mut project, &request)?;
    if out.json {
        println!(
            "{}",
            serde_json::to_string(&summary).context("serialising the export summary")?
        );
    } else if !out.quiet {
        println!(
            "wrote {} ({} rows, {} columns) from run {run_id}{}",
            summary.path.display(),
            summary.rows,
            summary.columns.len(),
            summary
                .sidecar
                .as_ref()
                .map(|s| format!("; provenance in {}", s.display()))
                .unwrap_or_default()
        );
    }
    Ok(())
}

fn run_pipeline(path: &Path, out: Output) -> Result<(), Failure> {
    use scalewright::batch::{self, BatchError, PipelineSpec};
    let spec = PipelineSpec::from_file(path)?;
    let bar = fit_progress(out);
    let mut observer = |r: &scalewright::measure::IterationReport| {
        if let Some(bar) = &bar {
            bar.set_message(format!(
                "iteration {}: max score residual {:.3}",
                r.iteration, r.max_score_residual
            ));
        }
        std::ops::ControlFlow::Continue(())
    };
    let mut log = |line: String| {
        if let Some(bar) = &bar {
            bar.suspend(|| out.log(&line));
        } else {
            out.log(&line);
        }
    };
    let result = batch::run(&spec, &mut observer, &mut log);
    if let Some(bar) = &bar {
        bar.finish_and_clear();
    }
    // Map the step errors to their own exit codes.
    let report = result.map_err(|e| match e {
        BatchError::Ingest(inner) => Failure::from(inner),
        BatchError::Store(inner) => Failure::from(inner),
        BatchError::Pipeline(inner) => Failure::from(inner),
        BatchError::Export(inner) => Failure::from(inner),
        BatchError::Config(inner) => Failure::from(inner),
        other => Failure::from(other),
    })?;
    if out.json {
        println!(
            "{}",
            serde_json::to_string(&report).context("serialising the pipeline report")?
        );
    } else if !out.quiet {
        println!(
            "pipeline done: project {}, run {}{}, {} flag(s), {} export(s)",
            report.project.display(),
            report
                .run_id
                .map(|r| r.to_string())
                .unwrap_or_else(|| "-".into()),
            if report.converged == Some(false) {
                " (NOT converged)"
            } else {
                ""
            },
            report.flags,
            report.exports.len()
        );
    }
    if report.converged == Some(false) {
        return Err(Failure {
            code: exit::NOT_CONVERGED,
            error: anyhow::anyhow!("the last fit did not converge (stored as not converged)"),
            json_printed: out.json,
        });
    }
    Ok(())
}

fn bias_cmd(mut args: BiasArgs, out: Output) -> Result<(), Failure> {
    if out.json {
        args.format = FormatArg::Json;
    }
    use scalewright::measure::bias::{pairwise, pairwise_target};
    let mut project = Project::open(&args.project)?;
    let run = newest_run(&project, args.run, &args.project)?;
    if args.between.len() != 2 {
        return Err(Failure::new(
            exit::USAGE,
            anyhow::anyhow!("--between takes two terms, e.g. rater,item"),
        ));
    }
    let table =
        scalewright::pipeline::bias_table(&mut project, run, [&args.between[0], &args.between[1]])?;
    let contrasts = match args.pairwise {
        None => None,
        Some(term @ (1 | 2)) => {
            let target_term = term - 1;
            Some(match &args.level {
                None => pairwise(&table, target_term)?,
                Some(label) => {
                    let level = table.terms[target_term]
                        .labels
                        .iter()
                        .position(|l| l == label)
                        .ok_or_else(|| {
                            Failure::new(
                                exit::BAD_INPUT,
                                anyhow::anyhow!("term {term} has no level `{label}`"),
                            )
                        })?;
                    pairwise_target(&table, target_term, level as u32)?
                }
            })
        }
        Some(_) => {
            return Err(Failure::new(
                exit::USAGE,
                anyhow::anyhow!("--pairwise takes 1 or 2 (which term is the target)"),
            ))
        }
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

fn quality_cmd(path: &Path, run: Option<i64>, out: Output) -> Result<(), Failure> {
    let project = Project::open(path)?;
    let run = newest_run(&project, run, path)?;
    let report = scalewright::pipeline::quality_report(&project, run)?;
    if out.json {
        println!(
            "{}",
            serde_json::to_string(&report).context("serialising the quality report")?
        );
        return Ok(());
    }
    if out.quiet {
        return Ok(());
    }
    println!(
        "Rater quality, run {run}: {} raters, {} recommended for exclusion",
        report.raters, report.raters_recommended_for_exclusion
    );
    if report.flagged_per_rule.is_empty() {
        println!("  no flags stored for this run (run `scalewright flag` first)");
    }
    for (rule, n) in &report.flagged_per_rule {
        println!("  {rule:<18} {n} rater(s)");
    }
    for (name, b) in [("Infit", &report.infit), ("Outfit", &report.outfit)] {
        println!(
            "  {name:<6} MnSq: < 0.5 muted {} | 0.5-1.5 productive {} | 1.5-2.0 unproductive {} | > 2.0 distorting {}{}",
            b.muted,
            b.productive,
            b.unproductive,
            b.distorting,
            b.quartiles.map(|q| format!("  (quartiles {:.2} / {:.2} / {:.2})", q[0], q[1], q[2])).unwrap_or_default()
        );
    }
    let a = &report.agreement;
    println!(
        "  Inter-rater agreement opportunities: {}  Exact agreements: {} = {:.1}%  Expected: {:.1}%",
        a.opportunities, a.exact_agreements, a.observed_percent, a.expected_percent
    );
    println!("  Krippendorff's alpha (ordinal / nominal), units = objects:");
    for item in &report.alpha {
        println!(
            "    {:<16} {:>7} {:>7}   ({} objects with 2+ ratings)",
            item.item,
            item.ordinal
                .map(|v| format!("{v:.3}"))
                .unwrap_or_else(|| "-".into()),
            item.nominal
                .map(|v| format!("{v:.3}"))
                .unwrap_or_else(|| "-".into()),
            item.pairable_units
        );
    }
    Ok(())
}

/// Table 4, Table 6 and the residual file of a run (they need the run's observations).
fn data_tables(
    project: &Project,
    run: i64,
    fit: &scalewright::measure::Fit,
    args: &ReportArgs,
) -> Result<(), Failure> {
    let data = scalewright::pipeline::run_data(project, run)?;
    if args.xfile {
        print!(
            "{}",
            render::residuals_csv(&data, &fit.residuals(&data)).context("writing CSV")?
        );
        return Ok(());
    }
    match (args.table, args.format) {
        (Some(4), FormatArg::Json) => {
            let rows = render::residual_rows(&data, &fit.unexpected(&data));
            println!(
                "{}",
                serde_json::json!({ "run_id": run, "unexpected_z": fit.options.unexpected_z, "responses": rows })
            );
        }
        (Some(4), FormatArg::Csv) => print!(
            "{}",
            render::residuals_csv(&data, &fit.unexpected(&data)).context("writing CSV")?
        ),
        (Some(4), FormatArg::Text) => print!("{}", tables::table4(&data, fit, args.top)),
        (_, FormatArg::Json) => println!(
            "{}",
            serde_json::json!({ "run_id": run, "rulers": render::wright_map(fit) })
        ),
        (_, FormatArg::Csv) => print!("{}", render::wright_map_csv(fit).context("writing CSV")?),
        (_, FormatArg::Text) => print!("{}", tables::table6(fit)),
    }
    Ok(())
}
