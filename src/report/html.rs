//! The report page: one HTML document with its style sheet and script inline and its figures as
//! inline SVG, so it opens offline and prints cleanly.

use super::tables::{self, escape};
use super::{FigureContent, ReportContent};
use std::fmt::Write as _;

/// The page's style sheet: system fonts only (nothing fetched), numbers right-aligned in
/// tabular figures, and a print layout that hides the navigation and prints every table open.
const STYLE: &str = r#"
:root { color-scheme: light; }
body { font-family: "DejaVu Sans", system-ui, -apple-system, "Segoe UI", Helvetica, Arial, sans-serif;
  margin: 1.5rem auto; max-width: 80rem; padding: 0 1rem; color: #1a1a1a; background: #fff; line-height: 1.4; }
h1 { font-size: 1.5rem; } h2 { font-size: 1.25rem; margin-top: 2rem; border-bottom: 1px solid #ccc; }
nav ul { columns: 3; list-style: none; padding: 0; }
table { border-collapse: collapse; margin: .75rem 0; font-size: .8rem; font-variant-numeric: tabular-nums; }
caption { text-align: left; font-weight: bold; padding: .25rem 0; }
th, td { border: 1px solid #d0d0d0; padding: .15rem .4rem; text-align: right; white-space: nowrap; }
th.text, td.text { text-align: left; white-space: normal; }
thead th { background: #f0f0f0; position: sticky; top: 0; }
table.sortable th { cursor: pointer; }
table.sortable th[aria-sort="ascending"]::after { content: " \25B2"; }
table.sortable th[aria-sort="descending"]::after { content: " \25BC"; }
tbody tr:nth-child(even) { background: #fafafa; }
details > summary { cursor: pointer; font-weight: bold; margin: .5rem 0; }
figure { margin: 1rem 0; break-inside: avoid; } figure svg { max-width: 100%; height: auto; }
figcaption { font-size: .85rem; color: #333; }
p.missing { font-style: italic; color: #555; }
.summary { font-size: .85rem; margin: .25rem 0; }
dl.provenance { display: grid; grid-template-columns: max-content auto; gap: .15rem 1rem; font-size: .85rem; }
dl.provenance dt { font-weight: bold; } dl.provenance dd { margin: 0; word-break: break-all; }
@media print {
  nav, .no-print { display: none; }
  body { max-width: none; margin: 0; }
  thead th { position: static; }
  tr { break-inside: avoid; }
  h2 { break-after: avoid; }
}
"#;

/// Sorts a `table.sortable` by the clicked column (numbers as numbers, `-` last, text as text;
/// a second click reverses) and opens every collapsed table before printing.
const SCRIPT: &str = r#"
(function () {
  function key(cell) {
    var t = cell.textContent.trim();
    var n = parseFloat(t.replace('%', ''));
    return { n: (t === '' || t === '-' || isNaN(n)) ? null : n, t: t.toLowerCase() };
  }
  function sortBy(table, column, th) {
    var body = table.tBodies[0];
    var rows = Array.prototype.slice.call(body.rows);
    var down = th.getAttribute('aria-sort') !== 'descending';
    var keyed = rows.map(function (r) { return [key(r.cells[column]), r]; });
    keyed.sort(function (a, b) {
      var x = a[0], y = b[0];
      if (x.n !== null && y.n !== null) { return down ? y.n - x.n : x.n - y.n; }
      if (x.n !== null) { return -1; }
      if (y.n !== null) { return 1; }
      return down ? (x.t < y.t ? 1 : x.t > y.t ? -1 : 0) : (x.t < y.t ? -1 : x.t > y.t ? 1 : 0);
    });
    var fragment = document.createDocumentFragment();
    keyed.forEach(function (k) { fragment.appendChild(k[1]); });
    body.appendChild(fragment);
    Array.prototype.forEach.call(table.tHead.rows[0].cells, function (h) { h.removeAttribute('aria-sort'); });
    th.setAttribute('aria-sort', down ? 'descending' : 'ascending');
  }
  document.querySelectorAll('table.sortable').forEach(function (table) {
    Array.prototype.forEach.call(table.tHead.rows[0].cells, function (th, column) {
      th.title = 'Sort by this column';
      th.addEventListener('click', function () { sortBy(table, column, th); });
    });
  });
  window.addEventListener('beforeprint', function () {
    document.querySelectorAll('details').forEach(function (d) { d.open = true; });
  });
})();
"#;

/// An SVG document ready to sit inside HTML: any XML declaration or doctype before `<svg` is
/// dropped (they are only allowed at the start of a document).
fn inline_svg(svg: &str) -> &str {
    svg.find("<svg").map_or(svg, |start| &svg[start..])
}

/// The report as one HTML document.
pub fn render_html(content: &ReportContent) -> String {
    let fit = &content.fit;
    let run = &content.run;
    let mut out = String::with_capacity(1 << 20);
    let title = format!(
        "scalewright report: {}, run {}",
        content.provenance.project, run.id
    );
    let _ = write!(
        out,
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n\
         <meta name=\"generator\" content=\"scalewright {version}\">\n\
         <title>{title}</title>\n<style>{STYLE}</style>\n</head>\n<body>\n<h1>{title}</h1>\n",
        version = escape(&content.provenance.scalewright_version),
        title = escape(&title),
    );
    navigation(content, &mut out);
    provenance(content, &mut out);

    out.push_str("<section id=\"summary\"><h2>Iterations and global summary</h2>\n");
    tables::table3(fit, &mut out);
    tables::table5(fit, &mut out);
    out.push_str("</section>\n");

    out.push_str("<section id=\"figures\"><h2>Figures</h2>\n");
    for figure in &content.figures {
        let id: String = figure
            .name
            .chars()
            .map(|c| {
                if c.is_ascii_alphanumeric() || c == '_' {
                    c
                } else {
                    '-'
                }
            })
            .collect();
        let _ = write!(out, "<figure id=\"figure-{id}\">");
        match &figure.content {
            FigureContent::Svg(svg) => out.push_str(inline_svg(svg)),
            FigureContent::Missing(why) => {
                let _ = write!(out, "<p class=\"missing\">Not drawn: {}</p>", escape(why));
            }
        }
        let _ = writeln!(
            out,
            "<figcaption>{}</figcaption></figure>",
            escape(&figure.title)
        );
    }
    out.push_str("</section>\n");

    out.push_str("<section id=\"measures\"><h2>Measurement reports (Table 7)</h2>\n");
    for (index, facet) in fit.facets.iter().enumerate() {
        tables::table7(index, facet, &mut out);
    }
    out.push_str("</section>\n");

    out.push_str("<section id=\"scales\"><h2>Category statistics (Table 8)</h2>\n");
    for (index, scale) in fit.scales.iter().enumerate() {
        tables::table8(
            index + 1,
            scale,
            content.provenance.recode.as_ref(),
            &mut out,
        );
    }
    out.push_str("</section>\n");

    out.push_str("<section id=\"review\"><h2>Flags and decisions</h2>\n");
    if content.flags.is_empty() {
        let _ = writeln!(
            out,
            "<p id=\"flags\">No flags raised on run {}: run <code>scalewright flag</code> to check the raters.</p>",
            run.id
        );
    } else {
        tables::flags(run.id, fit, &content.flags, &mut out);
    }
    if content.decisions.is_empty() {
        out.push_str("<p id=\"decisions\">No decisions in force.</p>\n");
    } else {
        tables::decisions(&content.decisions, &mut out);
    }
    out.push_str("</section>\n");

    out.push_str("<section id=\"rater-quality\"><h2>Rater quality: the diagnosis</h2>\n");
    if content.flags.iter().any(|f| f.rater_type.is_some()) {
        out.push_str("<p>How each flagged rater fails, from the per-rater diagnosis (docs/review.md): each type is a test calibrated on the rater's own design by a parametric bootstrap, with the false discovery rate controlled over the raters. The figure <a href=\"#figure-quality\">quality</a> places them by discrimination and threshold stretch.</p>\n");
        tables::rater_quality(run.id, &content.flags, &mut out);
    } else {
        let _ = writeln!(
            out,
            "<p id=\"rater-quality-table\">The diagnosis flags no rater on run {}.</p>",
            run.id
        );
    }
    out.push_str("</section>\n");

    out.push_str("<section id=\"bias\"><h2>Bias/interaction (Table 13)</h2>\n");
    match &content.bias {
        Some(section) => tables::bias(section, &mut out),
        None => {
            let _ = writeln!(
                out,
                "<p id=\"table-13\" class=\"missing\">No bias analysis in run {}: run <code>scalewright bias --project P --run {} --between A B</code> first.</p>",
                run.id, run.id
            );
        }
    }
    out.push_str("</section>\n");

    let _ = write!(out, "<script>{SCRIPT}</script>\n</body>\n</html>\n");
    out
}

/// The table of contents.
fn navigation(content: &ReportContent, out: &mut String) {
    out.push_str("<nav><ul>");
    let mut link = |id: String, text: String| {
        let _ = write!(
            out,
            "<li><a href=\"#{}\">{}</a></li>",
            escape(&id),
            escape(&text)
        );
    };
    link("provenance".into(), "Provenance".into());
    link("summary".into(), "Tables 3 and 5".into());
    link("figures".into(), "Figures".into());
    for (index, facet) in content.fit.facets.iter().enumerate() {
        link(
            format!("table-7-{}", index + 1),
            format!("Table 7.{} {}", index + 1, facet.name),
        );
    }
    link("scales".into(), "Table 8".into());
    link("review".into(), "Flags and decisions".into());
    link("rater-quality".into(), "Rater quality".into());
    link("bias".into(), "Bias (Table 13)".into());
    out.push_str("</ul></nav>\n");
}

/// Provenance: the run, the data's checksums, the options, version and time.
fn provenance(content: &ReportContent, out: &mut String) {
    let p = &content.provenance;
    let run = &content.run;
    out.push_str("<section id=\"provenance\"><h2>Provenance</h2>\n<dl class=\"provenance\">");
    let mut item = |name: &str, value: &str| {
        let _ = write!(out, "<dt>{}</dt><dd>{}</dd>", escape(name), escape(value));
    };
    item("Project", &p.project);
    item(
        "Run",
        &format!("{} ({}, {})", run.id, run.method, run.status.as_str()),
    );
    item("Run started", &run.started_at);
    if let Some(finished) = &run.finished_at {
        item("Run stored", finished);
    }
    if !run.note.is_empty() {
        item("Note", &run.note);
    }
    item("Observations' SHA-256", &p.data_sha256);
    item("Descriptions' SHA-256", &p.config_sha256);
    for d in &p.datasets {
        item(
            &format!("Data set {}", d.id),
            &format!(
                "{} (SHA-256 {}; {} rows, {} observations; imported {})",
                d.source_path, d.sha256, d.rows, d.observations, d.imported_at
            ),
        );
    }
    if let Some(recode) = &p.recode {
        item("Recode of this run", &recode.describe().join("; "));
    }
    item("scalewright version", &p.scalewright_version);
    item("Report written", &p.created_at);
    out.push_str("</dl>\n");
    options(&content.fit, out);
    out.push_str("</section>\n");
}

/// The fit's options, one `key = value` row each (nested settings as dotted keys).
fn options(fit: &crate::measure::Fit, out: &mut String) {
    fn flatten(prefix: &str, value: &serde_json::Value, rows: &mut Vec<(String, String)>) {
        match value {
            serde_json::Value::Object(map) => {
                for (k, v) in map {
                    let key = if prefix.is_empty() {
                        k.clone()
                    } else {
                        format!("{prefix}.{k}")
                    };
                    flatten(&key, v, rows);
                }
            }
            serde_json::Value::String(s) => rows.push((prefix.to_string(), s.clone())),
            other => rows.push((prefix.to_string(), other.to_string())),
        }
    }
    let mut rows = Vec::new();
    if let Ok(value) = serde_json::to_value(&fit.options) {
        flatten("", &value, &mut rows);
    }
    out.push_str("<details id=\"options\"><summary>Fit options</summary><table><thead><tr><th class=\"text\">Option</th><th class=\"text\">Value</th></tr></thead><tbody>\n");
    for (key, value) in rows {
        let _ = writeln!(
            out,
            "<tr><td class=\"text\">{}<td class=\"text\">{}",
            escape(&key),
            escape(&value)
        );
    }
    out.push_str("</tbody></table></details>\n");
}
