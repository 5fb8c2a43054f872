//! Answers, the scoring rules and aggregation across operators.

use shuan_assess::bundled::BUNDLED;
use shuan_assess::score::check_answer;
use shuan_assess::{
    Answer, AnswerError, AnswerSheet, Framework, Library, Measure, Outcome, Score, aggregate, score,
};

fn dsmm() -> Framework {
    Library::parse(BUNDLED[0].1).unwrap().framework
}

fn fixture() -> Framework {
    Library::parse(include_str!("fixtures/ciso-assistant-sample.yaml"))
        .unwrap()
        .framework
}

const PREFIX: &str = "urn:example:risk:req_node:sample-privacy-checklist:";

fn pa(n: usize) -> String {
    format!("urn:shuan:risk:req_node:gbt-37988-2019-dsmm:pa{n:02}")
}

/// A DSMM sheet with `level(n)` for PA n (None = unanswered).
fn dsmm_sheet(framework: &Framework, level: impl Fn(usize) -> Option<Answer>) -> AnswerSheet {
    let mut sheet = AnswerSheet::new(framework);
    for n in 1..=30 {
        if let Some(answer) = level(n) {
            sheet.set(framework, &pa(n), answer).unwrap();
        }
    }
    sheet
}

#[test]
fn compliance_rate_counts_partial_as_half_and_excludes_not_applicable() {
    let framework = fixture();
    let mut sheet = AnswerSheet::new(&framework);
    sheet
        .set(
            &framework,
            &format!("{PREFIX}gov.1"),
            Answer::Outcome(Outcome::Compliant),
        )
        .unwrap();
    sheet
        .set(
            &framework,
            &format!("{PREFIX}gov.2.a"),
            Answer::Outcome(Outcome::PartiallyCompliant),
        )
        .unwrap();
    sheet
        .set(
            &framework,
            &format!("{PREFIX}tech.1"),
            Answer::Outcome(Outcome::NotApplicable),
        )
        .unwrap();
    let Score::Compliance(c) = score(&framework, &sheet) else {
        panic!()
    };
    assert_eq!((c.assessable, c.answered, c.not_applicable), (3, 3, 1));
    assert_eq!(c.rate(), Some(0.75));
    assert_eq!(score(&framework, &sheet).to_string(), "75.0%");
}

#[test]
fn an_unanswered_requirement_counts_as_not_met() {
    let framework = fixture();
    let mut sheet = AnswerSheet::new(&framework);
    sheet
        .set(
            &framework,
            &format!("{PREFIX}gov.1"),
            Answer::Outcome(Outcome::Compliant),
        )
        .unwrap();
    let Score::Compliance(c) = score(&framework, &sheet) else {
        panic!()
    };
    assert_eq!(c.rate(), Some(1.0 / 3.0));
    let mut all_na = AnswerSheet::new(&framework);
    for urn in ["gov.1", "gov.2.a", "tech.1"] {
        all_na
            .set(
                &framework,
                &format!("{PREFIX}{urn}"),
                Answer::Outcome(Outcome::NotApplicable),
            )
            .unwrap();
    }
    assert_eq!(score(&framework, &all_na).to_string(), "—");
}

#[test]
fn overall_maturity_is_the_level_every_applicable_area_reaches() {
    let framework = dsmm();
    // PA07 at level 2, the rest at 4, PA19 not applicable: overall 2.
    let sheet = dsmm_sheet(&framework, |n| {
        Some(match n {
            7 => Answer::Level(2),
            19 => Answer::Outcome(Outcome::NotApplicable),
            _ => Answer::Level(4),
        })
    });
    let Score::Maturity(m) = score(&framework, &sheet) else {
        panic!()
    };
    assert_eq!(m.overall(), Some(2));
    assert_eq!((m.answered, m.assessable, m.areas.len()), (30, 30, 29));
    assert_eq!(m.mean(), Some((2.0 + 28.0 * 4.0) / 29.0));
    // Not applicable never lowers the level: only PA19 (n/a) and the rest at 3.
    let sheet = dsmm_sheet(&framework, |n| {
        Some(if n == 19 {
            Answer::Outcome(Outcome::NotApplicable)
        } else {
            Answer::Level(3)
        })
    });
    assert_eq!(score(&framework, &sheet).to_string(), "L3");
    // One area unanswered: undetermined.
    let sheet = dsmm_sheet(&framework, |n| (n != 30).then_some(Answer::Level(5)));
    let Score::Maturity(m) = score(&framework, &sheet) else {
        panic!()
    };
    assert_eq!((m.overall(), m.answered), (None, 29));
}

#[test]
fn answers_must_fit_the_requirement_and_the_scale() {
    let framework = dsmm();
    assert!(check_answer(&framework, &pa(1), Answer::Level(5)).is_ok());
    assert!(check_answer(&framework, &pa(1), Answer::Outcome(Outcome::NotApplicable)).is_ok());
    assert_eq!(
        check_answer(&framework, &pa(1), Answer::Level(6)),
        Err(AnswerError::OffScale {
            urn: pa(1),
            answer: "level:6".into()
        })
    );
    assert!(matches!(
        check_answer(&framework, &pa(1), Answer::Level(0)),
        Err(AnswerError::OffScale { .. })
    ));
    assert!(matches!(
        check_answer(&framework, &pa(1), Answer::Outcome(Outcome::Compliant)),
        Err(AnswerError::OffScale { .. })
    ));
    assert_eq!(
        check_answer(
            &framework,
            "urn:shuan:risk:req_node:gbt-37988-2019-dsmm:storage",
            Answer::Level(3)
        ),
        Err(AnswerError::NotAssessable(
            "urn:shuan:risk:req_node:gbt-37988-2019-dsmm:storage".into()
        ))
    );
    assert!(matches!(
        check_answer(&framework, "urn:nope", Answer::Level(3)),
        Err(AnswerError::UnknownRequirement(_))
    ));
    let compliance = fixture();
    assert!(matches!(
        check_answer(&compliance, &format!("{PREFIX}gov.1"), Answer::Level(3)),
        Err(AnswerError::OffScale { .. })
    ));
}

#[test]
fn answers_round_trip_through_their_stored_form() {
    for answer in [Answer::Level(1), Answer::Level(5)]
        .into_iter()
        .chain(Outcome::ALL.map(Answer::Outcome))
    {
        assert_eq!(Answer::decode(&answer.encode()), Some(answer));
    }
    assert_eq!(Answer::decode("level:x"), None);
    assert_eq!(Answer::decode("compliantish"), None);
}

#[test]
fn the_heatmap_has_a_row_per_operator_and_a_column_per_process_area() {
    let framework = dsmm();
    let sheets = vec![
        dsmm_sheet(&framework, |n| {
            Some(Answer::Level(if n <= 15 { 3 } else { 5 }))
        }),
        dsmm_sheet(&framework, |n| (n != 1).then_some(Answer::Level(1))),
        dsmm_sheet(&framework, |n| {
            Some(if n == 1 {
                Answer::Outcome(Outcome::NotApplicable)
            } else {
                Answer::Level(4)
            })
        }),
    ];
    let heatmap = aggregate(&framework, &sheets);
    assert_eq!(heatmap.measure, Measure::Level { min: 1, max: 5 });
    assert_eq!(heatmap.columns.len(), 30);
    assert_eq!(heatmap.rows.len(), 3);
    assert_eq!(heatmap.rows[0].cells[0], Some(3.0));
    assert_eq!(heatmap.rows[0].cells[29], Some(5.0));
    assert_eq!(heatmap.rows[0].overall, Some(3.0));
    assert_eq!(
        (heatmap.rows[1].cells[0], heatmap.rows[1].overall),
        (None, None)
    );
    assert_eq!(
        (heatmap.rows[1].answered, heatmap.rows[1].assessable),
        (29, 30)
    );
    assert_eq!(
        (heatmap.rows[2].cells[0], heatmap.rows[2].overall),
        (None, Some(4.0))
    );

    let pa01 = &heatmap.column_summaries[0];
    assert_eq!(
        (pa01.count, pa01.mean, pa01.min, pa01.max),
        (1, Some(3.0), Some(3.0), Some(3.0))
    );
    let pa30 = &heatmap.column_summaries[29];
    assert_eq!((pa30.count, pa30.mean), (3, Some(10.0 / 3.0)));
    assert_eq!(pa30.bands, [1, 0, 0, 1, 1]);
    assert_eq!(heatmap.overall_summary.count, 2);
    assert_eq!(heatmap.overall_summary.bands, [0, 0, 1, 1, 0]);
}

#[test]
fn compliance_heatmaps_have_a_column_per_section() {
    let framework = fixture();
    let mut sheet = AnswerSheet::new(&framework);
    sheet
        .set(
            &framework,
            &format!("{PREFIX}gov.1"),
            Answer::Outcome(Outcome::Compliant),
        )
        .unwrap();
    sheet
        .set(
            &framework,
            &format!("{PREFIX}gov.2.a"),
            Answer::Outcome(Outcome::NonCompliant),
        )
        .unwrap();
    let heatmap = aggregate(&framework, &[sheet, AnswerSheet::new(&framework)]);
    assert_eq!(heatmap.measure, Measure::Rate);
    let sections: Vec<&str> = heatmap
        .columns
        .iter()
        .map(|&c| framework.nodes[c].ref_id.as_deref().unwrap())
        .collect();
    assert_eq!(sections, ["GOV", "TECH"]);
    assert_eq!(
        heatmap.rows[0].cells,
        vec![Some(0.5), None],
        "an unanswered section is blank"
    );
    assert_eq!(heatmap.rows[0].overall, Some(1.0 / 3.0));
    assert_eq!(heatmap.rows[1].overall, Some(0.0));
    assert_eq!(heatmap.overall_summary.bands, [1, 1, 0, 0, 0]);
}

#[test]
fn bands_split_rates_in_fifths_and_follow_dsmm_levels() {
    let rate = Measure::Rate;
    assert_eq!(
        [0.0, 0.19, 0.2, 0.59, 0.6, 0.8, 1.0].map(|v| rate.band(v)),
        [1, 1, 2, 3, 4, 5, 5]
    );
    let level = Measure::Level { min: 1, max: 5 };
    assert_eq!(
        [1.0, 2.0, 3.0, 4.0, 5.0].map(|v| level.band(v)),
        [1, 2, 3, 4, 5]
    );
}
