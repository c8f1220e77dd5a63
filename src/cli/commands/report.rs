//! `scalewright report`: Facets-style tables of a stored run.

use crate::cli::args::FormatArg;
use crate::cli::exit::{self, Failure};
use crate::cli::output::{finish, newest_run, print_json, progress_spinner, Output};
use crate::cli::{render, tables};
use anyhow::Context;
use clap::Args;
use scalewright::measure::wright::{Binning, WrightMap};
use scalewright::measure::{FacetMeasures, Fit};
use scalewright::pipeline::step::{
    ReportStep, RunStep, StepContext, StepObservers, StepOn, Unobserved,
};
use scalewright::pipeline::ReportProgress;
use scalewright::store::Project;
use std::path::PathBuf;

/// Arguments of `report`.
#[derive(Args, Debug)]
pub struct ReportArgs {
    /// The project file.
    #[arg(long, short)]
    project: PathBuf,
    /// The run (default: the newest).
    #[arg(long)]
    run: Option<i64>,
    /// Facets table number: 3 (iterations), 4 (unexpected responses), 5 (global), 6 (Wright map),
    /// 7 (measurement reports), 8 (category statistics); 23: Winsteps' Table 23
    /// (dimensionality: residual contrasts, and Yen's Q3 local dependence). Default: 3, 5, 7
    /// and 8.
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
    /// Table 4: at most this many unexpected responses; Table 23: at most this many Q3 pairs
    /// (text).
    #[arg(long, default_value_t = 50)]
    top: usize,
    /// Write the run's report as one self-contained HTML file (provenance, Tables 3, 5, 7, 8
    /// and 13, flags, decisions and every figure inline; opens offline in any browser).
    #[arg(long, value_name = "FILE.html", conflicts_with_all = ["table", "xfile", "facet", "format"])]
    html: Option<PathBuf>,
}

/// Prints the chosen tables of the run (default: the newest) as text, JSON or CSV.
pub fn run(mut args: ReportArgs, out: Output) -> Result<(), Failure> {
    if out.json {
        args.format = FormatArg::Json;
    }
    let mut project = Project::open(&args.project)?;
    let run = newest_run(&project, args.run)?;
    if let Some(path) = &args.html {
        let step = ReportStep {
            run: Some(run),
            html: path.clone(),
        };
        return html_report(&mut project, &step, out);
    }
    let fit = project.load_fit(run)?;
    let recode = project.run_recode(run)?;
    let facets: Vec<(usize, &FacetMeasures)> = fit
        .facets
        .iter()
        .enumerate()
        .filter(|(_, f)| args.facet.as_deref().is_none_or(|name| f.name == name))
        .collect();
    if facets.is_empty() {
        let names: Vec<&str> = fit.facets.iter().map(|f| f.name.as_str()).collect();
        return Err(Failure::msg(
            exit::BAD_INPUT,
            format!(
                "no facet `{}` in run {run}; facets: {}",
                args.facet.unwrap_or_default(),
                names.join(", ")
            ),
        ));
    }
    let usage = |message: &str| Failure::msg(exit::USAGE, message);
    if args.table == Some(23) {
        return table23(&project, run, &args);
    }
    // Tables 4 (unexpected responses) and 6 (Wright map) and the residual file need the data.
    if args.xfile || matches!(args.table, Some(4) | Some(6)) {
        return data_tables(&project, run, &fit, &args);
    }
    match (args.format, args.table) {
        (_, Some(t)) if ![3, 5, 7, 8].contains(&t) => {
            return Err(usage("--table takes 3, 4, 5, 6, 7, 8 or 23"))
        }
        (FormatArg::Json, table) => {
            let value = match table {
                Some(3) => serde_json::to_value(&fit.history),
                Some(5) => serde_json::to_value(&fit.global),
                Some(7) => serde_json::to_value(facets.iter().map(|(_, f)| f).collect::<Vec<_>>()),
                Some(8) => serde_json::to_value(&fit.scales).map(|mut scales| {
                    if let Some(list) = scales.as_array_mut() {
                        for (value, scale) in list.iter_mut().zip(&fit.scales) {
                            let lines = tables::scale_recode(scale, recode.as_ref());
                            value["recode"] = serde_json::json!(lines);
                        }
                    }
                    scales
                }),
                _ => serde_json::to_value(&fit).map(|mut value| {
                    value["recode"] = serde_json::json!(recode);
                    value
                }),
            }
            .context("serialising the report")?;
            println!("{value}");
        }
        (FormatArg::Csv, Some(8)) => print!(
            "{}",
            render::table8_csv(&fit, recode.as_ref()).context("writing CSV")?
        ),
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
                    println!("{}", tables::table8(scale, recode.as_ref()));
                }
            }
        }
    }
    Ok(())
}

/// `report --html`: writes the run's HTML report, with the part being drawn on the spinner.
fn html_report(project: &mut Project, step: &ReportStep, out: Output) -> Result<(), Failure> {
    let bar = progress_spinner(out);
    let mut observer = |p: &ReportProgress| {
        if let Some(bar) = &bar {
            bar.set_message(format!("{} ({}/{})", p.part, p.done, p.total));
        }
        std::ops::ControlFlow::Continue(())
    };
    let mut unobserved = Unobserved::default();
    let summary = step.run(&mut StepOn {
        project,
        context: &mut StepContext::default(),
        observers: &mut StepObservers {
            report: &mut observer,
            ..unobserved.observers()
        },
    });
    finish(&bar);
    let summary = summary?;
    if out.json {
        print_json(&summary, "the report summary")?;
    } else {
        out.log(format!(
            "Wrote the report of run {} to {} ({:.1} MB; {} Table 7 rows; figures: {}{})",
            summary.run_id,
            summary.path.display(),
            summary.bytes as f64 / 1e6,
            summary.table7_rows,
            summary.figures.join(", "),
            if summary.bias { "; Table 13" } else { "" }
        ));
        for missing in &summary.figures_missing {
            out.log(format!("  not drawn: {missing}"));
        }
    }
    Ok(())
}

/// Table 4, Table 6 and the residual file of a run (they need the run's observations).
fn data_tables(project: &Project, run: i64, fit: &Fit, args: &ReportArgs) -> Result<(), Failure> {
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
        _ => wright_map(run, fit, args.format)?,
    }
    Ok(())
}

/// Table 23: dimensionality (residual contrasts) and local dependence (Yen's Q3).
fn table23(project: &Project, run: i64, args: &ReportArgs) -> Result<(), Failure> {
    let report = scalewright::pipeline::dimensionality_report(project, run)?;
    match args.format {
        FormatArg::Json => println!(
            "{}",
            serde_json::to_string(&report).context("serialising Table 23")?
        ),
        FormatArg::Csv => print!(
            "{}",
            crate::cli::table23::table23_csv(&report.table).context("writing CSV")?
        ),
        FormatArg::Text => print!(
            "{}",
            crate::cli::table23::table23(run, &report.table, args.top)
        ),
    }
    Ok(())
}

/// Table 6, the Wright map, binned by the library at Facets' half-logit rows.
fn wright_map(run: i64, fit: &Fit, format: FormatArg) -> Result<(), Failure> {
    let map = WrightMap::new(fit, Binning::Step(tables::RULER_STEP));
    match format {
        FormatArg::Json => println!(
            "{}",
            serde_json::json!({ "run_id": run, "rulers": render::wright_map(map.as_ref()) })
        ),
        FormatArg::Csv => print!(
            "{}",
            render::wright_map_csv(map.as_ref()).context("writing CSV")?
        ),
        FormatArg::Text => print!("{}", tables::table6(map.as_ref())),
    }
    Ok(())
}
