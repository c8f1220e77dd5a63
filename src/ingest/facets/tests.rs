//! Tests of the Facets specification reader: the staged import, the model and the errors.

use super::*;
use crate::config::ModelScale;

fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/facets")
        .join(name)
}

/// Writes `text` as `spec.txt` in a fresh folder and stages it.
fn stage_text(text: &str) -> (tempfile::TempDir, Result<Staged, IngestError>) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("spec.txt");
    std::fs::write(&path, text).unwrap();
    let staged = stage_spec(&path, &FacetsOptions::default());
    (dir, staged)
}

fn spec_error(text: &str) -> SpecError {
    match stage_text(text).1 {
        Err(IngestError::Facets(e)) => *e,
        Err(other) => panic!("expected a specification error, got {other}"),
        Ok(_) => panic!("expected a specification error, got an import"),
    }
}

const SMALL: &str = "Title = small\nFacets = 3\nPositive = 1\nNon-centered = 1\nModels = ?,?,?,R4\nLabels =\n1,Persons\n1 = Ann\n2 = \"Bo; Bo\"\n3 = Cy\n*\n2,Raters\n1 = R1\n2 = R2\n*\n3,Items\n1-3\n*\nData =\n1,1,1-3,1,2,3\n1,2,1-3,2,.,3\n2,1,1-3,0,1,2\n2,2,1-3,1,1,2\n3,1,1-3,4,3,3\n3,2,1-3,3,4,2\n";

#[test]
fn the_guilford_specification_stages_as_facets_reads_it() {
    let staged = stage_spec(&fixture("guilford.txt"), &FacetsOptions::default()).unwrap();
    assert_eq!(staged.observations.len(), 105);
    assert_eq!(staged.rows, 21);
    // Examinees (facet 2, the positive one) are the objects; judges float.
    assert_eq!(staged.objects.name, "Junior Scientists");
    assert_eq!(staged.objects.labels[3], "David");
    assert_eq!(staged.rater_facets[0].name, "Senior scientists");
    assert_eq!(
        staged.rater_facets[0].labels,
        ["Avogadro", "Brahe", "Cavendish"]
    );
    assert_eq!(staged.config.items.len(), 5);
    assert_eq!(staged.config.items[0].name, "Attack");
    // R9, with 1 the lowest category the scale lists (and observed).
    assert_eq!(
        staged.config.items[0].categories,
        (1..=9).collect::<Vec<_>>()
    );
    // Raw totals of the published run: judges 171/156/181.
    let mut judge_totals = [0i64; 3];
    for (n, &j) in staged.observations.raters[0].iter().enumerate() {
        judge_totals[j as usize] += staged.observations.score[n] as i64;
    }
    assert_eq!(judge_totals, [171, 156, 181]);
    let model = staged.model.unwrap();
    assert_eq!(model.scale, ModelScale::RatingScale);
    assert_eq!(model.scale_name.as_deref(), Some("Creativity"));
    assert_eq!(model.unexpected_z, Some(2.0));
    let judges = model.facet("Senior scientists").unwrap();
    assert!(judges.non_centred && !judges.positive && judges.bias);
    let examinees = model.facet("Junior Scientists").unwrap();
    assert!(examinees.positive && !examinees.non_centred && examinees.bias);
    assert!(!model.facet("item").unwrap().bias);
    // One warning lists every keyword scalewright does not use.
    assert_eq!(staged.report.warnings.len(), 1);
    let warning = &staged.report.warnings[0].message;
    for key in [
        "Usort= (line 15)",
        "Vertical= (line 17)",
        "Arrange= (line 19)",
    ] {
        assert!(warning.contains(key), "{warning}");
    }
}

#[test]
fn ranges_missing_scores_quotes_and_the_object_option() {
    let (_dir, staged) = stage_text(SMALL);
    let staged = staged.unwrap();
    // 18 cells, one `.` missing.
    assert_eq!(staged.observations.len(), 17);
    assert_eq!(staged.missing_responses, vec![0, 1, 0]);
    assert_eq!(staged.objects.labels, ["Ann", "Bo; Bo", "Cy"]);
    assert_eq!(staged.config.items[2].name, "3");
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("spec.txt");
    std::fs::write(&path, SMALL.replace("Non-centered = 1", "Non-centered = 2")).unwrap();
    let staged = stage_spec(
        &path,
        &FacetsOptions {
            object: Some("raters".into()),
        },
    )
    .unwrap();
    assert_eq!(staged.objects.name, "Raters");
    assert_eq!(staged.rater_facets[0].name, "Persons");
}

#[test]
fn data_in_a_data_file_next_to_the_specification() {
    let dir = tempfile::tempdir().unwrap();
    let (head, data) = SMALL.split_once("Data =\n").unwrap();
    std::fs::write(dir.path().join("ratings.dat"), data.replace(',', "\t")).unwrap();
    let path = dir.path().join("spec.txt");
    std::fs::write(&path, format!("{head}Data file = ratings.dat\n")).unwrap();
    let staged = stage_spec(&path, &FacetsOptions::default()).unwrap();
    assert_eq!(staged.observations.len(), 17);
    // Data lines are counted in the data file.
    assert_eq!(staged.observations.source_row[0], 1);
}

#[test]
fn partial_credit_by_a_facet_and_one_model_line_per_item() {
    let (_dir, staged) = stage_text(&SMALL.replace("?,?,?,R4", "?,#,?,R4"));
    let model = staged.unwrap().model.unwrap();
    assert_eq!(
        model.scale,
        ModelScale::PartialCredit {
            facet: "Raters".into()
        }
    );
    let lines = SMALL.replace(
        "Models = ?,?,?,R4",
        "Models =\n?,?,1,R4\n?,?,2,R5\n?,?,3,D\n*",
    );
    let lines = lines.replace("3,1,1-3,4,3,3", "3,1,1-3,4,3,1");
    let lines = lines.replace("3,2,1-3,3,4,2", "3,2,1-3,3,4,0");
    let lines = lines.replace("1,2,1-3,2,.,3", "1,2,1-3,2,.,1");
    let lines = lines.replace("1,1,1-3,1,2,3", "1,1,1-3,1,2,1");
    let lines = lines.replace("2,1,1-3,0,1,2", "2,1,1-3,0,1,0");
    let lines = lines.replace("2,2,1-3,1,1,2", "2,2,1-3,1,1,1");
    let (_dir, staged) = stage_text(&lines);
    let staged = staged.unwrap();
    assert_eq!(
        staged.model.unwrap().scale,
        ModelScale::PartialCredit {
            facet: "item".into()
        }
    );
    let maxima: Vec<i64> = staged
        .config
        .items
        .iter()
        .map(|i| *i.categories.last().unwrap())
        .collect();
    assert_eq!(maxima, vec![4, 5, 1]);
}

#[test]
fn anchored_and_dummy_facets_become_anchors() {
    let text = SMALL
        .replace("Facets = 3", "Facets = 4")
        .replace("?,?,?,R4", "?,?,?B,?,R4")
        .replace("2,Raters\n1 = R1", "2,Raters,A\n1 = R1,0.5")
        .replace("3,Items", "3,Session,D\n1 = morning\n*\n4,Items")
        .replace(",1-3,", ",1,1-3,");
    let (_dir, staged) = stage_text(&text);
    let staged = staged.unwrap();
    let model = staged.model.unwrap();
    assert_eq!(
        model.facet("Raters").unwrap().anchors,
        vec![("R1".into(), 0.5)]
    );
    let session = model.facet("Session").unwrap();
    assert!(session.dummy && session.bias);
    assert_eq!(staged.rater_facets.len(), 2);
}

#[test]
fn malformed_specifications_name_their_line_keyword_and_value() {
    // Missing Labels=: named at the Data= line.
    let start = SMALL.find("Labels =").unwrap();
    let end = SMALL.find("Data =").unwrap();
    let e = spec_error(&format!("{}{}", &SMALL[..start], &SMALL[end..]));
    assert_eq!((e.line, e.keyword.as_str()), (6, "Labels"));
    // An element no Labels= declares.
    let e = spec_error(&SMALL.replace("3,2,1-3,3,4,2", "4,2,1-3,3,4,2"));
    assert_eq!(
        (e.line, e.keyword.as_str(), e.value.as_str()),
        (25, "Data", "4")
    );
    assert!(e.message.contains("not declared"), "{e}");
    // A score above the model's maximum.
    let e = spec_error(&SMALL.replace("3,2,1-3,3,4,2", "3,2,1-3,3,7,2"));
    assert_eq!((e.line, e.value.as_str()), (25, "7"));
    assert!(e.message.contains("0-4"), "{e}");
    // Ranges that run backwards, in Labels= and in the data.
    let e = spec_error(&SMALL.replace("1-3\n*", "3-1\n*"));
    assert_eq!(
        (e.line, e.keyword.as_str(), e.value.as_str()),
        (17, "Labels", "3-1")
    );
    let e = spec_error(&SMALL.replace("2,2,1-3,1,1,2", "2,2,3-1,1,1,2"));
    assert_eq!((e.line, e.value.as_str()), (23, "3-1"));
    assert!(e.message.contains("backwards"), "{e}");
    // A data file that cannot be read: named at the Data file= line of the specification.
    let (head, _) = SMALL.split_once("Data =\n").unwrap();
    let e = spec_error(&format!("{head}Data file = nowhere.dat\n"));
    assert_eq!((e.line, e.keyword.as_str()), (19, "Data file"));
    assert!(e.value.ends_with("nowhere.dat"), "{e}");
    // Model lines the model cannot express are refused with a reason.
    let e = spec_error(&SMALL.replace("?,?,?,R4", "?,?,?,R4,2"));
    assert_eq!((e.line, e.keyword.as_str()), (5, "Models"));
    let e = spec_error(&SMALL.replace("?,?,?,R4", "?,X,?,R4"));
    assert!(e.message.contains("not supported"), "{e}");
    let e = spec_error(&SMALL.replace("Facets = 3", "Facets = x"));
    assert_eq!(
        (e.line, e.keyword.as_str(), e.value.as_str()),
        (2, "Facets", "x")
    );
    // The message names the file, line, keyword and value.
    let text = e.to_string();
    assert!(text.contains("spec.txt, line 2: Facets `x`"), "{text}");
}
