//! Parsing and validation of questionnaire libraries, and the bundled libraries.

use shuan_assess::bundled::{BUNDLED, bundled_libraries};
use shuan_assess::library::{MAX_LIBRARY_BYTES, QuestionKind};
use shuan_assess::{Library, LibraryError, Problem, Scale, ValidationError};

const FIXTURE: &str = include_str!("fixtures/ciso-assistant-sample.yaml");

fn problems(yaml: &str) -> Vec<ValidationError> {
    match Library::parse(yaml) {
        Err(LibraryError::Invalid(errors)) => errors,
        other => panic!("expected validation errors, got {other:?}"),
    }
}

#[test]
fn a_ciso_assistant_library_imports_as_a_tree() {
    let library = Library::parse(FIXTURE).unwrap();
    assert_eq!(
        library.urn,
        "urn:example:risk:library:sample-privacy-checklist"
    );
    assert_eq!(library.locale, "en");
    assert_eq!(library.version, 3);
    assert_eq!(library.packager, "intuitem");
    assert_eq!(
        library.name.get("fr"),
        "Liste de contrôle de confidentialité"
    );
    assert_eq!(
        library.name.get("zh"),
        "Sample privacy checklist",
        "falls back to the locale"
    );

    let framework = &library.framework;
    assert_eq!(framework.scale, Scale::Compliance);
    assert_eq!(framework.nodes.len(), 6);
    let gov = framework
        .node_index("urn:example:risk:req_node:sample-privacy-checklist:gov")
        .unwrap();
    let records = framework
        .node_index("urn:example:risk:req_node:sample-privacy-checklist:gov.2")
        .unwrap();
    let record = framework
        .node_index("urn:example:risk:req_node:sample-privacy-checklist:gov.2.a")
        .unwrap();
    assert_eq!(framework.nodes[gov].children.len(), 2);
    assert_eq!(framework.nodes[record].parent, Some(records));
    assert_eq!(framework.nodes[record].depth, 3);
    assert_eq!(framework.top_level_of(record), gov);
    assert_eq!(framework.assessable().count(), 3);
    assert_eq!(
        framework.nodes[record].label("en"),
        "A record of processing activities is kept."
    );

    let officer = &framework.nodes[framework
        .node_index("urn:example:risk:req_node:sample-privacy-checklist:gov.1")
        .unwrap()];
    assert_eq!(
        officer.label("fr"),
        "GOV.1 Délégué à la protection des données"
    );
    assert_eq!(officer.questions.len(), 2);
    assert_eq!(officer.questions[0].kind, QuestionKind::UniqueChoice);
    assert_eq!(officer.questions[0].choices[1].value.get("en"), "No");
    assert_eq!(
        officer.questions[1].kind,
        QuestionKind::Text,
        "questions keep the file's order"
    );
}

#[test]
fn every_problem_is_reported_with_the_node_it_is_about() {
    let yaml = FIXTURE
        // a duplicate urn
        .replace(
            "sample-privacy-checklist:tech.1\n",
            "sample-privacy-checklist:gov.1\n",
        )
        // a wrong depth
        .replace("      depth: 3\n", "      depth: 5\n")
        // an unknown question type
        .replace("type: text", "type: essay");
    let errors = problems(&yaml);
    let at = |urn: &str, problem: Problem| ValidationError {
        at: urn.into(),
        problem,
    };
    let gov1 = "urn:example:risk:req_node:sample-privacy-checklist:gov.1";
    assert!(
        errors.contains(&at(gov1, Problem::DuplicateUrn)),
        "{errors:?}"
    );
    assert!(errors.contains(&at(
        "urn:example:risk:req_node:sample-privacy-checklist:gov.2.a",
        Problem::WrongDepth {
            expected: 3,
            found: 5
        }
    )));
    assert!(errors.contains(&at(
        gov1,
        Problem::UnknownQuestionType(format!("{gov1}:question:2"), "essay".into())
    )));
    let message = LibraryError::Invalid(errors).to_string();
    assert!(
        message.contains("gov.2.a: depth is 5, but its place in the tree gives 3"),
        "{message}"
    );
}

#[test]
fn parents_must_come_first_and_exist() {
    let yaml = FIXTURE.replace(
        "parent_urn: urn:example:risk:req_node:sample-privacy-checklist:tech\n",
        "parent_urn: urn:example:risk:req_node:sample-privacy-checklist:nowhere\n",
    );
    let errors = problems(&yaml);
    assert_eq!(
        errors,
        vec![ValidationError {
            at: "urn:example:risk:req_node:sample-privacy-checklist:tech.1".into(),
            problem: Problem::UnknownParent(
                "urn:example:risk:req_node:sample-privacy-checklist:nowhere".into()
            ),
        }]
    );
}

#[test]
fn nodes_without_urn_or_text_and_choice_questions_without_choices_are_refused() {
    let yaml = FIXTURE
        .replace("- urn: urn:example:risk:req_node:sample-privacy-checklist:tech.1\n", "- urn: ''\n")
        .replace("      description: A record of processing activities is kept.\n", "")
        .replace(
            "          choices:\n          - urn: urn:example:risk:req_node:sample-privacy-checklist:gov.1:question:1:choice:1\n            value: 'Yes'\n          - urn: urn:example:risk:req_node:sample-privacy-checklist:gov.1:question:1:choice:2\n            value: 'No'\n",
            "",
        );
    let errors = problems(&yaml);
    let problems: Vec<(&str, &Problem)> =
        errors.iter().map(|e| (e.at.as_str(), &e.problem)).collect();
    assert!(
        problems.contains(&("requirement_nodes[5]", &Problem::MissingUrn)),
        "{problems:?}"
    );
    assert!(problems.contains(&(
        "urn:example:risk:req_node:sample-privacy-checklist:gov.2.a",
        &Problem::NoText
    )));
    assert!(
        problems
            .iter()
            .any(|(_, p)| matches!(p, Problem::NoChoices(q) if q.ends_with("gov.1:question:1")))
    );
}

#[test]
fn files_that_are_not_libraries_are_refused_without_panicking() {
    assert!(matches!(
        Library::parse("urn: x\n"),
        Err(LibraryError::Syntax(_))
    ));
    assert!(matches!(
        Library::parse("[1, 2"),
        Err(LibraryError::Syntax(_))
    ));
    let no_framework = "urn: u\nlocale: en\nref_id: r\nname: n\nversion: 1\nobjects: {}\n";
    assert_eq!(
        problems(no_framework),
        vec![ValidationError {
            at: "objects".into(),
            problem: Problem::NoFramework
        }]
    );
    let nothing_assessable = FIXTURE.replace("assessable: true", "assessable: false");
    assert_eq!(
        problems(&nothing_assessable)[0].problem,
        Problem::NothingAssessable
    );
    let huge = "#".repeat(MAX_LIBRARY_BYTES + 1);
    assert_eq!(
        Library::parse(&huge).unwrap_err(),
        LibraryError::TooLarge(MAX_LIBRARY_BYTES + 1)
    );
}

#[test]
fn a_scale_outside_its_bounds_is_refused() {
    let yaml = FIXTURE.replace(
        "    requirement_nodes:\n",
        "    min_score: 4\n    max_score: 2\n    requirement_nodes:\n",
    );
    assert_eq!(
        problems(&yaml)[0].problem,
        Problem::BadScale { min: 4, max: 2 }
    );
}

#[test]
fn dsmm_has_thirty_process_areas_over_seven_groups_levels_one_to_five() {
    let dsmm = Library::parse(BUNDLED[0].1).unwrap();
    let framework = &dsmm.framework;
    let Scale::Maturity { min, max, levels } = &framework.scale else {
        panic!("DSMM is a maturity scale")
    };
    assert_eq!((*min, *max, levels.len()), (1, 5, 5));
    assert_eq!(levels[2].name.get("en"), "Level 3 Well defined");
    let areas: Vec<String> = framework
        .assessable()
        .map(|i| framework.nodes[i].ref_id.clone().unwrap())
        .collect();
    let expected: Vec<String> = (1..=30).map(|n| format!("PA{n:02}")).collect();
    assert_eq!(areas, expected);
    let stages: Vec<&str> = framework
        .nodes
        .iter()
        .filter(|n| n.depth == 1)
        .map(|n| n.name.get("en"))
        .collect();
    assert_eq!(
        stages,
        [
            "Data collection security",
            "Data transmission security",
            "Data storage security",
            "Data processing security",
            "Data exchange security",
            "Data destruction security",
            "General security"
        ]
    );
    // The four capability dimensions are each process area's questions.
    for index in framework.assessable() {
        let dimensions: Vec<&str> = framework.nodes[index]
            .questions
            .iter()
            .map(|q| q.text.get("en").split(':').next().unwrap())
            .collect();
        assert_eq!(
            dimensions,
            ["Organisation", "Process", "Technology", "People"]
        );
    }
}

#[test]
fn every_bundled_library_parses_and_is_translated() {
    let libraries = bundled_libraries();
    assert_eq!(libraries.len(), 4);
    for (library, (ref_id, _)) in libraries.iter().zip(BUNDLED) {
        assert_eq!(library.ref_id, ref_id);
        assert_eq!(library.locale, "zh");
        for node in &library.framework.nodes {
            let zh = node.label("zh");
            let en = node.label("en");
            assert!(
                !zh.is_empty() && !en.is_empty() && zh != en,
                "{} lacks a translation",
                node.urn
            );
        }
    }
}
