//! The role columns (object, raters, items or item and score, text), read and validated one row
//! batch at a time: what is kept across batches is compact (element dictionaries, a few integers
//! per row and per response, the object texts) and the problems of each part of the checks are
//! kept apart, so that the report lists them in the order a whole-file reading gives.

use super::*;

/// A row whose object or rater id is unusable has no element.
pub(super) const NO_ELEMENT: u32 = u32::MAX;

/// Dense indices for labels in order of first appearance (each label stored once).
#[derive(Default)]
pub(super) struct Dictionary {
    index: HashMap<Box<str>, u32>,
}

impl Dictionary {
    pub(super) fn get_or_insert(&mut self, label: &str) -> u32 {
        if let Some(&i) = self.index.get(label) {
            return i;
        }
        let i = self.index.len() as u32;
        self.index.insert(label.into(), i);
        i
    }

    pub(super) fn len(&self) -> usize {
        self.index.len()
    }

    /// The labels, by index.
    pub(super) fn into_labels(self) -> Vec<String> {
        let mut entries: Vec<(u32, Box<str>)> = self
            .index
            .into_iter()
            .map(|(label, i)| (i, label))
            .collect();
        entries.sort_unstable_by_key(|&(i, _)| i);
        entries
            .into_iter()
            .map(|(_, label)| label.into_string())
            .collect()
    }
}

/// The first non-empty text of each object, and how often later rows disagree.
#[derive(Default)]
pub(super) struct Texts {
    pub(super) of_object: Vec<Option<String>>,
    pub(super) differing: usize,
    pub(super) example: Option<u64>,
    pub(super) cleaned: ControlChars,
}

/// Everything the role columns give, gathered batch by batch.
pub(super) struct RoleScan<'a> {
    config: &'a DatasetConfig,
    path: &'a Path,
    invalid_utf8: Option<reader::InvalidUtf8>,
    /// The columns read, in the description's order.
    pub(super) columns: &'a [String],
    pub(super) objects: Dictionary,
    pub(super) raters: Vec<Dictionary>,
    /// Per file row, its object (or [`NO_ELEMENT`]).
    pub(super) row_object: Vec<u32>,
    /// Per rater facet and file row, its rater (or [`NO_ELEMENT`]).
    pub(super) row_raters: Vec<Vec<u32>>,
    /// The observations found so far, batch after batch (the wide layout lists them item after
    /// item at the end, as a whole-file reading does).
    observations: StagedObservations,
    pub(super) missing_responses: Vec<usize>,
    pub(super) texts: Texts,
    /// Per read column: cells that are not valid UTF-8.
    pub(super) utf8_problems: Vec<ValidationReport>,
    pub(super) utf8_located: bool,
    /// Empty or unprintable object and rater ids, row by row.
    pub(super) id_problems: ValidationReport,
    /// Bad scores and item names: one report per item (wide) or one for the file (long).
    pub(super) score_problems: Vec<ValidationReport>,
    /// Long layout: unknown item names with their first row and count.
    pub(super) unknown_items: BTreeMap<String, (u64, usize)>,
}

impl<'a> RoleScan<'a> {
    pub(super) fn new(
        config: &'a DatasetConfig,
        path: &'a Path,
        columns: &'a [String],
        invalid_utf8: Option<reader::InvalidUtf8>,
        report: &ValidationReport,
    ) -> Self {
        // One per item (wide) or one (long), so at least one.
        let score_reports = config.items.len().max(1);
        RoleScan {
            config,
            path,
            invalid_utf8,
            columns,
            objects: Dictionary::default(),
            raters: config
                .raters
                .iter()
                .map(|_| Dictionary::default())
                .collect(),
            row_object: Vec::new(),
            row_raters: vec![Vec::new(); config.raters.len()],
            observations: StagedObservations {
                raters: vec![Vec::new(); config.raters.len()],
                ..Default::default()
            },
            missing_responses: vec![0; config.items.len()],
            texts: Texts::default(),
            utf8_problems: columns.iter().map(|_| report.part()).collect(),
            utf8_located: false,
            id_problems: report.part(),
            score_problems: (0..score_reports).map(|_| report.part()).collect(),
            unknown_items: BTreeMap::new(),
        }
    }

    /// Validates one batch of rows (the next ones of the file).
    pub(super) fn batch(&mut self, df: &DataFrame) -> Result<(), IngestError> {
        let rows = reader::row_numbers(df, self.path)?;
        let start = self.row_object.len();
        if let Some(bad) = self.invalid_utf8 {
            for (name, problems) in self.columns.iter().zip(&mut self.utf8_problems) {
                let column = text_column(df, name, self.path)?;
                self.utf8_located |= report_replacement_chars(column, name, &rows, bad, problems);
            }
        }
        self.ids(df, &rows)?;
        self.reserve_batch(rows.len());
        match (self.config.layout, &self.config.long) {
            (Layout::Long, Some(long)) => self.long_scores(df, &rows, start, long)?,
            _ => self.wide_scores(df, &rows, start)?,
        }
        if let Some(text_name) = &self.config.text {
            self.texts(text_column(df, text_name, self.path)?, &rows, start);
        }
        Ok(())
    }

    /// The object and rater elements of each row of the batch.
    fn ids(&mut self, df: &DataFrame, rows: &[u64]) -> Result<(), IngestError> {
        let config = self.config;
        let objects = text_column(df, &config.object, self.path)?;
        let raters: Vec<&StringChunked> = config
            .raters
            .iter()
            .map(|r| text_column(df, r, self.path))
            .collect::<Result<_, _>>()?;
        // Problems are listed row by row (the object, then each rater facet).
        let mut rater_cells: Vec<_> = raters.iter().map(|c| c.iter()).collect();
        for (cell, &row) in objects.iter().zip(rows) {
            let object = element(
                &mut self.objects,
                &mut self.id_problems,
                cell,
                row,
                &config.object,
                "object",
            );
            self.row_object.push(object);
            for (f, cells) in rater_cells.iter_mut().enumerate() {
                let rater = element(
                    &mut self.raters[f],
                    &mut self.id_problems,
                    cells.next().flatten(),
                    row,
                    &config.raters[f],
                    "rater",
                );
                self.row_raters[f].push(rater);
            }
        }
        Ok(())
    }

    /// Room for the responses a batch of `rows` rows can add (one per item of a wide row, one per
    /// long row), reserved exactly: the observations grow batch by batch (glibc moves a large
    /// block with `mremap`, without copying), never to the double capacity of `Vec`'s growth, so
    /// the peak memory is what the responses take.
    fn reserve_batch(&mut self, rows: usize) {
        let per_row = match self.config.layout {
            Layout::Long => 1,
            Layout::Wide => self.config.items.len(),
        };
        let wanted = self.observations.len() + rows * per_row;
        let obs = &mut self.observations;
        let more = |len: usize| wanted.saturating_sub(len);
        obs.source_row.reserve_exact(more(obs.source_row.len()));
        obs.object.reserve_exact(more(obs.object.len()));
        for column in &mut obs.raters {
            column.reserve_exact(more(column.len()));
        }
        obs.item.reserve_exact(more(obs.item.len()));
        obs.raw.reserve_exact(more(obs.raw.len()));
        obs.score.reserve_exact(more(obs.score.len()));
    }

    /// Whether file row `r` (0-based) has an object and every rater.
    fn row_ok(&self, r: usize) -> bool {
        self.row_object[r] != NO_ELEMENT && self.row_raters.iter().all(|c| c[r] != NO_ELEMENT)
    }

    /// Adds the response of file row `r` (0-based) to item `item`.
    fn push(&mut self, r: usize, row: u64, item: usize, raw: i32, score: i32) {
        let obs = &mut self.observations;
        obs.source_row.push(row as u32);
        obs.object.push(self.row_object[r]);
        for (f, column) in self.row_raters.iter().enumerate() {
            obs.raters[f].push(column[r]);
        }
        obs.item.push(item as u32);
        obs.raw.push(raw);
        obs.score.push(score);
    }

    /// Checks a score cell of item `i` at file row `r` (0-based) and keeps its response.
    #[allow(clippy::too_many_arguments)]
    fn score(
        &mut self,
        r: usize,
        row: u64,
        i: usize,
        cell: Option<&str>,
        column: &str,
        problems: usize,
    ) {
        let item = &self.config.items[i];
        match parse_score(cell) {
            ScoreCell::Missing => self.missing_responses[i] += 1,
            ScoreCell::NotInteger => self.score_problems[problems].error(
                Some(row),
                Some(column),
                cell,
                format!("not a whole number: {}", expected_codes(item)),
            ),
            ScoreCell::Code(raw) => match item.score(raw).and_then(|score| {
                // Codes and categories are stored as i32: anything wider is out of range.
                Some((i32::try_from(raw).ok()?, i32::try_from(score).ok()?))
            }) {
                Some((raw, score)) if self.row_ok(r) => self.push(r, row, i, raw, score),
                Some(_) => {}
                None => self.score_problems[problems].error(
                    Some(row),
                    Some(column),
                    cell,
                    format!("out of range: {}", expected_codes(item)),
                ),
            },
        }
    }

    /// Wide layout: one score column per item.
    fn wide_scores(
        &mut self,
        df: &DataFrame,
        rows: &[u64],
        start: usize,
    ) -> Result<(), IngestError> {
        let config = self.config;
        for (i, item) in config.items.iter().enumerate() {
            let column = text_column(df, item.column(), self.path)?;
            for (k, (cell, &row)) in column.iter().zip(rows).enumerate() {
                self.score(start + k, row, i, cell, item.column(), i);
            }
        }
        Ok(())
    }

    /// Long layout: an item name and a score per row.
    fn long_scores(
        &mut self,
        df: &DataFrame,
        rows: &[u64],
        start: usize,
        long: &crate::config::LongColumns,
    ) -> Result<(), IngestError> {
        let config = self.config;
        let items = text_column(df, &long.item, self.path)?;
        let scores = text_column(df, &long.score, self.path)?;
        for (k, ((item_cell, score_cell), &row)) in
            items.iter().zip(scores.iter()).zip(rows).enumerate()
        {
            let Some(item_name) = item_cell.map(str::trim).filter(|v| !v.is_empty()) else {
                self.score_problems[0].error(
                    Some(row),
                    Some(&long.item),
                    None,
                    "the item name is empty",
                );
                continue;
            };
            if control_char(item_name).is_some() {
                report_control_char(
                    &mut self.score_problems[0],
                    Some(row),
                    &long.item,
                    item_name,
                    "item name",
                );
                continue;
            }
            let Some((i, _)) = config.item_named(item_name) else {
                let entry = self
                    .unknown_items
                    .entry(item_name.to_string())
                    .or_insert((row, 0));
                entry.1 += 1;
                continue;
            };
            self.score(start + k, row, i, score_cell, &long.score, 0);
        }
        Ok(())
    }

    /// Keeps the first non-empty text of each object; counts rows that give another one.
    fn texts(&mut self, column: &StringChunked, rows: &[u64], start: usize) {
        let texts = &mut self.texts;
        texts.of_object.resize(self.objects.len(), None);
        for (k, (cell, &row)) in column.iter().zip(rows).enumerate() {
            let o = self.row_object[start + k];
            let Some(text) = cell.filter(|t| !t.trim().is_empty()) else {
                continue;
            };
            if o == NO_ELEMENT {
                continue;
            }
            let text = texts.cleaned.clean(text, row);
            match &texts.of_object[o as usize] {
                None => texts.of_object[o as usize] = Some(text.into_owned()),
                Some(existing) if *existing != text => {
                    texts.differing += 1;
                    texts.example.get_or_insert(row);
                }
                _ => {}
            }
        }
    }

    /// The observations of the file: item after item in the wide layout (rows in file order
    /// within an item), row after row in the long one.
    pub(super) fn observations(&mut self) -> StagedObservations {
        let mut obs = std::mem::take(&mut self.observations);
        if self.config.layout == Layout::Wide || self.config.long.is_none() {
            order_by_item(&mut obs, self.config.items.len());
        }
        obs
    }

    /// Lists the problems found, in the order of a whole-file reading: undecodable cells column
    /// by column, ids row by row, scores (item by item in the wide layout), unknown items.
    pub(super) fn report_into(&mut self, report: &mut ValidationReport) {
        for problems in self.utf8_problems.drain(..) {
            report.append(problems);
        }
        report.append(std::mem::replace(&mut self.id_problems, report.part()));
        for problems in self.score_problems.drain(..) {
            report.append(problems);
        }
        if let Some(long) = &self.config.long {
            let known: Vec<&str> = self.config.items.iter().map(|i| i.name.as_str()).collect();
            for (name, (first_row, count)) in std::mem::take(&mut self.unknown_items) {
                report.error(
                    Some(first_row),
                    Some(&long.item),
                    Some(&name),
                    format!(
                        "unknown item ({count} row(s)); the description's items are: {}",
                        known.join(", ")
                    ),
                );
            }
        }
    }
}

/// The element of an id cell, or [`NO_ELEMENT`] with a problem when it is empty or unprintable.
fn element(
    dictionary: &mut Dictionary,
    problems: &mut ValidationReport,
    cell: Option<&str>,
    row: u64,
    column: &str,
    what: &str,
) -> u32 {
    match cell.map(str::trim).filter(|v| !v.is_empty()) {
        Some(id) if control_char(id).is_some() => {
            report_control_char(problems, Some(row), column, id, &format!("{what} id"));
            NO_ELEMENT
        }
        Some(id) => dictionary.get_or_insert(id),
        None => {
            problems.error(
                Some(row),
                Some(column),
                None,
                format!("the {what} id is empty"),
            );
            NO_ELEMENT
        }
    }
}

/// Puts the observations in item order, keeping the order within an item (a stable counting
/// sort, one field at a time, so that only one field is ever held twice).
fn order_by_item(obs: &mut StagedObservations, n_items: usize) {
    let mut start = vec![0usize; n_items + 1];
    for &i in &obs.item {
        start[i as usize + 1] += 1;
    }
    if start.iter().filter(|&&n| n > 0).count() <= 1 {
        return; // one item: already in order
    }
    for i in 0..n_items {
        start[i + 1] += start[i];
    }
    let item = std::mem::take(&mut obs.item);
    let reorder = |field: &mut Vec<u32>| *field = by_item(field, &item, &start);
    reorder(&mut obs.source_row);
    reorder(&mut obs.object);
    obs.raters.iter_mut().for_each(reorder);
    obs.raw = by_item(&obs.raw, &item, &start);
    obs.score = by_item(&obs.score, &item, &start);
    obs.item = by_item(&item, &item, &start);
}

/// `values` in item order; `start[i]` is where item `i` begins.
fn by_item<T: Copy + Default>(values: &[T], item: &[u32], start: &[usize]) -> Vec<T> {
    let mut next = start.to_vec();
    let mut out = vec![T::default(); values.len()];
    for (&v, &i) in values.iter().zip(item) {
        let slot = &mut next[i as usize];
        out[*slot] = v;
        *slot += 1;
    }
    out
}
