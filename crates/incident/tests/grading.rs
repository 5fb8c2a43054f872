//! The built-in rules at and around every threshold, and rules files that must be refused.

use shuan_incident::rules::Condition;
use shuan_incident::{Grade, Incident, OperatorKind, Quantity, Rules, grade};

fn quiet(kind: OperatorKind) -> Incident {
    Incident {
        people_pi: 0,
        people_sensitive_pi: 0,
        important_data: false,
        core_data: false,
        loss_yuan: 0,
        outage_hours: 0.0,
        operator_kind: kind,
    }
}

fn with(quantity: Quantity, value: f64, kind: OperatorKind) -> Incident {
    let mut incident = quiet(kind);
    match quantity {
        Quantity::PeoplePi => incident.people_pi = value as u64,
        Quantity::PeopleSensitivePi => incident.people_sensitive_pi = value as u64,
        Quantity::LossYuan => incident.loss_yuan = value as u64,
        Quantity::OutageHours => incident.outage_hours = value,
    }
    incident
}

/// The smallest step below a threshold for the quantity's unit.
fn just_below(quantity: Quantity, threshold: f64) -> f64 {
    match quantity {
        Quantity::OutageHours => threshold - 1.0 / 60.0,
        _ => threshold - 1.0,
    }
}

/// For every quantity rule of the built-in file: the grade just below its threshold is lower
/// than the rule's, at the threshold it is at least the rule's grade with this rule among the
/// reasons, naming the value and the threshold; above it the same.
#[test]
fn every_threshold_just_below_at_and_above() {
    let rules = Rules::builtin();
    let mut checked = 0;
    for rule in &rules.rules {
        let Condition::AtLeast(quantity, threshold) = rule.condition else {
            continue;
        };
        let kind = rule
            .operator_kinds
            .first()
            .copied()
            .unwrap_or(OperatorKind::Other);
        let below = grade(
            &rules,
            &with(quantity, just_below(quantity, threshold), kind),
        );
        assert!(
            !below.reasons.iter().any(|r| r.rule == rule.id),
            "{} fired below its threshold",
            rule.id
        );
        for value in [threshold, threshold * 1.5] {
            let graded = grade(&rules, &with(quantity, value, kind));
            assert!(graded.grade >= rule.grade, "{} at {value}", rule.id);
            let reason = graded
                .reasons
                .iter()
                .find(|r| r.rule == rule.id)
                .unwrap_or_else(|| panic!("{} did not fire at {value}", rule.id));
            assert_eq!(reason.value, value);
            assert_eq!(reason.threshold, threshold);
            assert_eq!(reason.measure, quantity.as_str());
            assert!(!reason.clause.is_empty() && reason.source.contains('《'));
        }
        checked += 1;
    }
    assert!(checked >= 18, "only {checked} quantity rules");
}

/// The bands of personal information, as numbers a reader can check against the texts.
#[test]
fn personal_information_bands() {
    let rules = Rules::builtin();
    let g = |people: u64| {
        grade(
            &rules,
            &with(Quantity::PeoplePi, people as f64, OperatorKind::Other),
        )
        .grade
    };
    assert_eq!(g(0), Grade::General);
    assert_eq!(g(999_999), Grade::General);
    assert_eq!(g(1_000_000), Grade::Larger);
    assert_eq!(g(9_999_999), Grade::Larger);
    assert_eq!(g(10_000_000), Grade::Major);
    assert_eq!(g(99_999_999), Grade::Major);
    assert_eq!(g(100_000_000), Grade::ParticularlyMajor);
    let s = |people: u64| {
        grade(
            &rules,
            &with(
                Quantity::PeopleSensitivePi,
                people as f64,
                OperatorKind::Other,
            ),
        )
        .grade
    };
    assert_eq!(s(99_999), Grade::General);
    assert_eq!(s(100_000), Grade::Larger);
    assert_eq!(s(999_999), Grade::Larger);
    assert_eq!(s(1_000_000), Grade::Major);
    assert_eq!(s(9_999_999), Grade::Major);
    assert_eq!(s(10_000_000), Grade::ParticularlyMajor);
}

#[test]
fn direct_loss_bands_take_the_stricter_text() {
    let rules = Rules::builtin();
    let g = |yuan: u64| {
        grade(
            &rules,
            &with(Quantity::LossYuan, yuan as f64, OperatorKind::Other),
        )
    };
    assert_eq!(g(4_999_999).grade, Grade::General);
    assert_eq!(g(5_000_000).grade, Grade::Larger);
    assert_eq!(g(19_999_999).grade, Grade::Larger);
    assert_eq!(g(20_000_000).grade, Grade::Major);
    // CAC puts 1亿元 at 特别重大, MIIT at 重大: the higher grade wins, and both say why.
    let hundred_million = g(100_000_000);
    assert_eq!(hundred_million.grade, Grade::ParticularlyMajor);
    assert_eq!(hundred_million.reasons[0].rule, "cac-loss-100m");
    assert!(
        hundred_million
            .reasons
            .iter()
            .any(|r| r.rule == "miit-loss-100m" && r.grade == Grade::Major)
    );
}

/// The CAC outage rules concern critical information infrastructure only; MIIT's apply to
/// every operator in its field.
#[test]
fn outage_rules_depend_on_the_operator_kind() {
    let rules = Rules::builtin();
    let g = |hours: f64, kind| grade(&rules, &with(Quantity::OutageHours, hours, kind)).grade;
    assert_eq!(g(0.49, OperatorKind::Cii), Grade::General);
    assert_eq!(g(0.5, OperatorKind::Cii), Grade::Larger);
    assert_eq!(g(0.5, OperatorKind::Other), Grade::General);
    assert_eq!(g(2.0, OperatorKind::Cii), Grade::Major);
    assert_eq!(g(6.0, OperatorKind::Cii), Grade::ParticularlyMajor);
    assert_eq!(g(6.0, OperatorKind::CentralOrgan), Grade::General);
    assert_eq!(g(7.99, OperatorKind::Other), Grade::General);
    assert_eq!(g(8.0, OperatorKind::Other), Grade::Larger);
    assert_eq!(g(11.99, OperatorKind::Other), Grade::Larger);
    assert_eq!(g(12.0, OperatorKind::Other), Grade::Major);
    // Nonsense hours grade as none at all rather than as infinite.
    assert_eq!(g(f64::NAN, OperatorKind::Cii), Grade::General);
    assert_eq!(g(-3.0, OperatorKind::Cii), Grade::General);
}

#[test]
fn core_and_important_data() {
    let rules = Rules::builtin();
    let mut incident = quiet(OperatorKind::Other);
    incident.important_data = true;
    let graded = grade(&rules, &incident);
    assert_eq!(graded.grade, Grade::Major);
    assert_eq!(graded.reasons[0].rule, "miit-important-data");
    assert_eq!(graded.reasons[0].measure, "important_data");
    incident.core_data = true;
    let graded = grade(&rules, &incident);
    assert_eq!(graded.grade, Grade::ParticularlyMajor);
    assert_eq!(graded.reasons.len(), 2);
    assert_eq!(graded.reasons[0].rule, "miit-core-data");
}

#[test]
fn a_quiet_incident_is_general_with_no_reasons() {
    let graded = grade(&Rules::builtin(), &quiet(OperatorKind::Cii));
    assert_eq!(graded.grade, Grade::General);
    assert!(graded.reasons.is_empty());
}

// ---- rules files

const MINIMAL: &str = "\
sources:
  t: a text
rules:
  - id: r1
    grade: major
    quantity: people_pi
    at_least: 10
    source: t
    clause: c1
reporting:
  source: t
  initial:
    from_grade: larger
    clause: c
    minutes: {cii: 60, central_organ: 120, other: 240}
  escalation:
    from_grade: major
    clause: c
    minutes: {cii: 30, central_organ: 60, other: 60}
  close_out:
    clause: c
    days: 30
";

fn refused(text: &str) -> (usize, String) {
    let error = Rules::from_yaml("user.yaml", text).expect_err("refused");
    assert_eq!(error.origin, "user.yaml");
    assert!(
        error
            .to_string()
            .starts_with(&format!("user.yaml:{}: ", error.line))
    );
    (error.line, error.message)
}

#[test]
fn a_user_file_replaces_the_builtin_rules() {
    let rules = Rules::from_yaml("user.yaml", MINIMAL).unwrap();
    let graded = grade(&rules, &with(Quantity::PeoplePi, 10.0, OperatorKind::Other));
    assert_eq!(graded.grade, Grade::Major);
    assert_eq!(graded.reasons[0].source, "a text");
    assert_eq!(
        grade(&rules, &with(Quantity::PeoplePi, 9.0, OperatorKind::Other)).grade,
        Grade::General
    );
}

#[test]
fn invalid_files_are_refused_with_the_line_at_fault() {
    // Syntax.
    let (line, _) = refused(&MINIMAL.replace("  t: a text", "  t: [a text"));
    assert!(line >= 2, "{line}");
    // An unknown grade, an unknown field, a wrong type: serde's own position.
    let (line, message) =
        refused(&MINIMAL.replace("grade: major\n    quantity", "grade: huge\n    quantity"));
    assert_eq!(line, 5);
    assert!(message.contains("huge"), "{message}");
    let (line, message) =
        refused(&MINIMAL.replace("    clause: c1", "    clause: c1\n    colour: red"));
    assert_eq!(line, 10);
    assert!(message.contains("colour"), "{message}");
    let (line, _) = refused(&MINIMAL.replace("at_least: 10", "at_least: lots"));
    assert_eq!(line, 7);
    let (line, message) = refused(&MINIMAL.replace("quantity: people_pi", "quantity: people_pets"));
    assert_eq!(line, 6);
    assert!(message.contains("people_pets"), "{message}");
    // Checks after parsing point at the rule's `id:` line.
    let (line, message) = refused(&MINIMAL.replace(
        "source: t\n    clause: c1",
        "source: nowhere\n    clause: c1",
    ));
    assert_eq!(line, 4);
    assert!(message.contains("nowhere"), "{message}");
    let (line, message) = refused(&MINIMAL.replace("at_least: 10", "at_least: -1"));
    assert_eq!(line, 4);
    assert!(message.contains("positive"), "{message}");
    let (line, message) = refused(&MINIMAL.replace("    at_least: 10\n", ""));
    assert_eq!(line, 4);
    assert!(message.contains("at_least"), "{message}");
    let (line, message) =
        refused(&MINIMAL.replace("grade: major\n    quantity", "grade: general\n    quantity"));
    assert_eq!(line, 4);
    assert!(message.contains("一般"), "{message}");
    let twice = MINIMAL.replace(
        "reporting:",
        "  - id: r1\n    grade: larger\n    when: core_data\n    source: t\n    clause: c2\nreporting:",
    );
    let (_, message) = refused(&twice);
    assert!(message.contains("twice"), "{message}");
    let (line, message) = refused(&MINIMAL.replace("cii: 60, ", ""));
    assert_eq!(line, 15);
    assert!(message.contains("cii"), "{message}");
    let (line, message) = refused(&MINIMAL.replace("from_grade: major", "from_grade: general"));
    assert_eq!(line, 16);
    assert!(message.contains("escalation"), "{message}");
    let (line, message) = refused(&MINIMAL.replace("rules:\n  - id: r1\n    grade: major\n    quantity: people_pi\n    at_least: 10\n    source: t\n    clause: c1\n", "rules: []\n"));
    assert_eq!(line, 3);
    assert!(message.contains("no rules"), "{message}");
}

#[test]
fn builtin_rules_cite_a_source_and_clause_each() {
    let rules = Rules::builtin();
    for rule in &rules.rules {
        assert!(rules.sources.contains_key(&rule.source), "{}", rule.id);
        assert!(!rule.clause.is_empty(), "{}", rule.id);
    }
    assert!(rules.sources["miit2024"].contains("214号"));
    assert!(rules.sources["cac2025"].contains("国家网络安全事件报告管理办法"));
}

/// Every built-in rule says whether its threshold was checked against the published text, and a
/// checked one names the page it was read on: the file's comments are the only record of that,
/// so a rule added or edited without them would pass for checked.
#[test]
fn builtin_rules_say_whether_they_were_verified_and_where() {
    let text = include_str!("../../../rules/incident/grading.yaml");
    let rules_section = text
        .split("\nreporting:")
        .next()
        .expect("the file has a rules section");
    let rule_blocks: Vec<&str> = rules_section.split("\n  - id: ").skip(1).collect();
    assert_eq!(rule_blocks.len(), Rules::builtin().rules.len());
    for block in rule_blocks {
        let id = block.lines().next().unwrap_or_default();
        if block.contains("UNVERIFIED") {
            continue;
        }
        assert!(
            block.contains("VERIFIED"),
            "rule {id} is marked neither VERIFIED nor UNVERIFIED"
        );
        assert!(
            block.contains("http"),
            "rule {id} is VERIFIED without the page it was read on"
        );
    }
}

mod monotone {
    use proptest::prelude::*;

    use super::*;

    fn kind() -> impl Strategy<Value = OperatorKind> {
        prop::sample::select(OperatorKind::ALL.to_vec())
    }

    prop_compose! {
        fn incident()(
            people_pi in 0u64..300_000_000,
            people_sensitive_pi in 0u64..30_000_000,
            important_data in any::<bool>(),
            core_data in any::<bool>(),
            loss_yuan in 0u64..3_000_000_000,
            outage_hours in 0.0f64..48.0,
            operator_kind in kind(),
        ) -> Incident {
            Incident { people_pi, people_sensitive_pi, important_data, core_data, loss_yuan, outage_hours, operator_kind }
        }
    }

    proptest! {
        /// More of any one quantity, or a flag set, never lowers the grade.
        #[test]
        fn grade_is_monotone_in_each_quantity(base in incident(), more in 0u64..200_000_000, hours in 0.0f64..24.0) {
            let rules = Rules::builtin();
            let before = grade(&rules, &base).grade;
            let raised = [
                Incident { people_pi: base.people_pi + more, ..base.clone() },
                Incident { people_sensitive_pi: base.people_sensitive_pi + more, ..base.clone() },
                Incident { loss_yuan: base.loss_yuan + more * 10, ..base.clone() },
                Incident { outage_hours: base.outage_hours + hours, ..base.clone() },
                Incident { important_data: true, ..base.clone() },
                Incident { core_data: true, ..base.clone() },
            ];
            for after in &raised {
                prop_assert!(grade(&rules, after).grade >= before, "{after:?} graded below {base:?}");
            }
        }

        /// The grade is exactly the most severe reason's, and every reason really holds.
        #[test]
        fn reasons_explain_the_grade(base in incident()) {
            let rules = Rules::builtin();
            let graded = grade(&rules, &base);
            prop_assert_eq!(graded.grade, graded.reasons.iter().map(|r| r.grade).max().unwrap_or(Grade::General));
            for reason in &graded.reasons {
                prop_assert!(reason.value >= reason.threshold);
            }
        }
    }
}
