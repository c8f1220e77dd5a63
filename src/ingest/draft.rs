//! `init-config`: a first dataset description drafted from a file's header and first rows.
//!
//! The draft is a starting point for a person to edit, so it explains itself in comments:
//! which column it took as the object and the raters and why, which columns look like items
//! (whole numbers with few distinct values) and which it left out.

use super::reader::{self, FileFormat};
use super::{parse_score, IngestError, ScoreCell};
use std::collections::BTreeSet;
use std::fmt::Write as _;
use std::path::Path;

/// Rows read to guess which columns are items.
pub const DRAFT_SAMPLE_ROWS: usize = 2000;
/// A column with more distinct whole numbers than this is not taken as an item.
pub const MAX_ITEM_CATEGORIES: usize = 11;

const OBJECT_HINTS: [&str; 9] = [
    "comment_id",
    "object",
    "essay",
    "pid",
    "person",
    "student",
    "idstud",
    "examinee",
    "id",
];
const RATER_HINTS: [&str; 6] = [
    "annotator",
    "rater",
    "judge",
    "reviewer",
    "coder",
    "labeler",
];
const TEXT_HINTS: [&str; 4] = ["text", "comment", "body", "content"];

fn find_hint<'a>(header: &'a [String], hints: &[&str], exclude: &[&str]) -> Option<&'a String> {
    hints.iter().find_map(|hint| {
        header.iter().find(|h| {
            let lower = h.to_lowercase();
            (lower == *hint || lower.starts_with(hint) || lower.ends_with(hint))
                && !exclude.contains(&h.as_str())
        })
    })
}

/// Drafts a wide-layout description for the file at `path` (TOML text with comments).
pub fn draft_config(path: &Path, separator: Option<u8>) -> Result<String, IngestError> {
    let sep = separator.unwrap_or_else(|| match path.extension().and_then(|e| e.to_str()) {
        Some(e) if e.eq_ignore_ascii_case("tsv") || e.eq_ignore_ascii_case("tab") => b'\t',
        _ => b',',
    });
    let format = FileFormat::detect(path, sep);
    let header = reader::column_names(path, format)?;
    if header.is_empty() {
        return Err(IngestError::Read {
            path: path.to_path_buf(),
            message: "the file has no columns".into(),
        });
    }
    let sample = reader::read_text_columns(path, format, &header, Some(DRAFT_SAMPLE_ROWS))?;

    let object = find_hint(&header, &OBJECT_HINTS, &[])
        .unwrap_or(&header[0])
        .clone();
    let rater = find_hint(&header, &RATER_HINTS, &[object.as_str()])
        .filter(|r| {
            let lower = r.to_lowercase();
            lower.ends_with("id") || lower == "rater" || lower == "judge" || lower == "reviewer"
        })
        .cloned();
    let text = find_hint(&header, &TEXT_HINTS, &[object.as_str()]).cloned();

    let mut items: Vec<(String, Vec<i64>)> = Vec::new();
    let mut others: Vec<String> = Vec::new();
    for name in &header {
        if *name == object || Some(name) == rater.as_ref() || Some(name) == text.as_ref() {
            continue;
        }
        let column = super::text_column(&sample, name, path)?;
        let mut codes = BTreeSet::new();
        let mut whole = true;
        let mut seen = 0usize;
        for cell in column.iter() {
            match parse_score(cell) {
                ScoreCell::Missing => {}
                ScoreCell::NotInteger => {
                    whole = false;
                    break;
                }
                ScoreCell::Code(c) => {
                    seen += 1;
                    codes.insert(c);
                }
            }
            if codes.len() > MAX_ITEM_CATEGORIES {
                whole = false;
                break;
            }
        }
        let lower = name.to_lowercase();
        let looks_like_id = lower.ends_with("id") || lower.ends_with("_age") || lower == "age";
        if whole && seen > 0 && codes.len() >= 2 && !looks_like_id {
            let (lo, hi) = (*codes.first().unwrap_or(&0), *codes.last().unwrap_or(&1));
            items.push((name.clone(), (lo..=hi).collect()));
        } else {
            others.push(name.clone());
        }
    }

    let mut out = String::new();
    let _ = writeln!(
        out,
        "# Dataset description drafted by `scalewright init-config` from {}.",
        path.display()
    );
    let _ = writeln!(out, "# Check every line: the roles below are guesses from column names and the first {DRAFT_SAMPLE_ROWS} rows.");
    let _ = writeln!(out, "# Schema: schemas/dataset.schema.json. Items: whole-number columns with at most {MAX_ITEM_CATEGORIES} codes;");
    let _ = writeln!(out, "# their categories are the observed range; add a `recode` table to collapse, `reversed = true` to flip.");
    let _ = writeln!(out, "layout = \"wide\"");
    let _ = writeln!(out, "object = {object:?}");
    match &rater {
        Some(r) => {
            let _ = writeln!(out, "raters = [{r:?}]");
        }
        None => {
            let _ = writeln!(out, "# No rater column was recognised; name it here (or leave empty for object x item data).");
            let _ = writeln!(out, "raters = []");
        }
    }
    if let Some(t) = &text {
        let _ = writeln!(out, "text = {t:?}");
    }
    let _ = writeln!(out, "\n[attributes]");
    let _ = writeln!(out, "# Columns kept as attributes of objects or raters, for bias analysis (names or globs like target_*).");
    let _ = writeln!(
        out,
        "# The other columns of the file: {}",
        others.join(", ")
    );
    let _ = writeln!(out, "objects = []");
    let _ = writeln!(out, "raters = []");
    if items.is_empty() {
        let _ = writeln!(
            out,
            "\n# No item columns were recognised: add [[items]] entries (name, categories)."
        );
    }
    for (name, codes) in &items {
        let list: Vec<String> = codes.iter().map(|c| c.to_string()).collect();
        let _ = writeln!(
            out,
            "\n[[items]]\nname = {name:?}\ncategories = [{}]",
            list.join(", ")
        );
    }
    Ok(out)
}
