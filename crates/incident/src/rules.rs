//! The grading rules and reporting clocks as data: parsing and checking a rules file.

use std::collections::BTreeMap;

use serde::Deserialize;

use crate::grade::{Grade, Incident, OperatorKind, Quantity};

/// The built-in file: MIIT 2024 and CAC 2025, each rule citing its clause.
pub const BUILTIN_ORIGIN: &str = "rules/incident/grading.yaml";
const BUILTIN: &str = include_str!("../../../rules/incident/grading.yaml");

/// Why a rules file was refused: the file, the 1-based line at fault and what is wrong.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{origin}:{line}: {message}")]
pub struct RulesError {
    pub origin: String,
    pub line: usize,
    pub message: String,
}

/// A yes/no fact a rule can test.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Flag {
    CoreData,
    ImportantData,
}

impl Flag {
    pub fn as_str(self) -> &'static str {
        match self {
            Flag::CoreData => "core_data",
            Flag::ImportantData => "important_data",
        }
    }

    pub fn of(self, incident: &Incident) -> bool {
        match self {
            Flag::CoreData => incident.core_data,
            Flag::ImportantData => incident.important_data,
        }
    }
}

/// What a rule tests.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Condition {
    Flag(Flag),
    /// The quantity reaches the threshold (inclusive: "以上" includes the number).
    AtLeast(Quantity, f64),
}

#[derive(Clone, Debug, PartialEq)]
pub struct Rule {
    pub id: String,
    pub grade: Grade,
    pub condition: Condition,
    /// Empty: every operator kind.
    pub operator_kinds: Vec<OperatorKind>,
    /// A key of [`Rules::sources`].
    pub source: String,
    pub clause: String,
}

/// A reporting step's clock: minutes by operator kind, for incidents from a grade up.
#[derive(Clone, Debug, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StepClock {
    pub from_grade: Grade,
    pub clause: String,
    pub minutes: BTreeMap<OperatorKind, u32>,
}

impl StepClock {
    pub fn minutes_for(&self, kind: OperatorKind) -> u32 {
        self.minutes[&kind]
    }
}

#[derive(Clone, Debug, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CloseOutClock {
    pub clause: String,
    pub days: u32,
}

/// Who must report how fast.
#[derive(Clone, Debug, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Reporting {
    pub source: String,
    /// The first report; incidents below its grade have no statutory clock at all.
    pub initial: StepClock,
    /// The receiving body forwards the report to the national level.
    pub escalation: StepClock,
    pub close_out: CloseOutClock,
}

/// A checked rules file.
#[derive(Clone, Debug, PartialEq)]
pub struct Rules {
    /// Key → the text's title.
    pub sources: BTreeMap<String, String>,
    pub rules: Vec<Rule>,
    pub reporting: Reporting,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawFile {
    sources: BTreeMap<String, String>,
    rules: Vec<RawRule>,
    reporting: Reporting,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawRule {
    id: String,
    grade: Grade,
    when: Option<Flag>,
    quantity: Option<Quantity>,
    at_least: Option<f64>,
    #[serde(default)]
    operator_kinds: Vec<OperatorKind>,
    source: String,
    clause: String,
}

impl Rules {
    /// The built-in rules (MIIT 2024, CAC 2025).
    pub fn builtin() -> Rules {
        Rules::from_yaml(BUILTIN_ORIGIN, BUILTIN).expect("the built-in incident rules are valid")
    }

    /// Parses and checks a rules file; `origin` names it in errors.
    pub fn from_yaml(origin: &str, text: &str) -> Result<Rules, RulesError> {
        let error = |line: usize, message: String| RulesError {
            origin: origin.to_owned(),
            line,
            message,
        };
        let raw: RawFile = serde_yaml::from_str(text).map_err(|e| {
            let line = e.location().map_or(1, |l| l.line());
            // serde_yaml appends "at line N column M"; the line is reported on its own.
            let message = e.to_string();
            let message = message
                .split(" at line ")
                .next()
                .unwrap_or(&message)
                .to_owned();
            error(line, message)
        })?;
        let line_of_rule = |id: &str| line_of(text, &format!("id: {id}"));
        if raw.rules.is_empty() {
            return Err(error(line_of(text, "rules:"), "no rules".into()));
        }
        let mut rules = Vec::with_capacity(raw.rules.len());
        for rule in raw.rules {
            let at = line_of_rule(&rule.id);
            if rules.iter().any(|r: &Rule| r.id == rule.id) {
                return Err(error(at, format!("rule id {:?} is used twice", rule.id)));
            }
            if !raw.sources.contains_key(&rule.source) {
                return Err(error(
                    at,
                    format!(
                        "rule {:?} cites source {:?}, which `sources` does not define",
                        rule.id, rule.source
                    ),
                ));
            }
            if rule.clause.trim().is_empty() {
                return Err(error(at, format!("rule {:?} cites no clause", rule.id)));
            }
            let condition = match (rule.when, rule.quantity, rule.at_least) {
                (Some(flag), None, None) => Condition::Flag(flag),
                (None, Some(quantity), Some(threshold)) => {
                    if !(threshold.is_finite() && threshold > 0.0) {
                        return Err(error(
                            at,
                            format!(
                                "rule {:?}: at_least must be a positive number, got {threshold}",
                                rule.id
                            ),
                        ));
                    }
                    Condition::AtLeast(quantity, threshold)
                }
                _ => {
                    return Err(error(
                        at,
                        format!(
                            "rule {:?} needs either `when` (core_data, important_data) or \
                             `quantity` with `at_least`",
                            rule.id
                        ),
                    ));
                }
            };
            if rule.grade == Grade::General {
                return Err(error(
                    at,
                    format!(
                        "rule {:?}: 一般 (general) is what meets no rule; rules name a higher grade",
                        rule.id
                    ),
                ));
            }
            rules.push(Rule {
                id: rule.id,
                grade: rule.grade,
                condition,
                operator_kinds: rule.operator_kinds,
                source: rule.source,
                clause: rule.clause,
            });
        }
        let reporting = raw.reporting;
        let reporting_line = line_of(text, "reporting:");
        if !raw.sources.contains_key(&reporting.source) {
            return Err(error(
                reporting_line,
                format!(
                    "reporting cites source {:?}, which `sources` does not define",
                    reporting.source
                ),
            ));
        }
        for (step, clock) in [
            ("initial", &reporting.initial),
            ("escalation", &reporting.escalation),
        ] {
            if let Some(kind) = OperatorKind::ALL
                .into_iter()
                .find(|k| !clock.minutes.contains_key(k))
            {
                let step_line = line_of(text, &format!("{step}:"));
                return Err(error(
                    step_line + line_of(&lines_from(text, step_line), "minutes:") - 1,
                    format!(
                        "reporting.{step}.minutes has no value for {}",
                        kind.as_str()
                    ),
                ));
            }
        }
        if reporting.escalation.from_grade < reporting.initial.from_grade {
            return Err(error(
                line_of(text, "escalation:"),
                "escalation starts below the grade from which reports are due".into(),
            ));
        }
        Ok(Rules {
            sources: raw.sources,
            rules,
            reporting,
        })
    }

    /// The title of a cited source (every cited key exists once the file is checked).
    pub fn source_title<'a>(&'a self, key: &'a str) -> &'a str {
        self.sources.get(key).map_or(key, String::as_str)
    }
}

/// The text from 1-based line `line` on.
fn lines_from(text: &str, line: usize) -> String {
    text.lines().skip(line - 1).collect::<Vec<_>>().join("\n")
}

/// The 1-based line where `needle` first starts a line's content, else 1.
fn line_of(text: &str, needle: &str) -> usize {
    text.lines()
        .position(|line| {
            let line = line.trim_start().trim_start_matches("- ");
            line.starts_with(needle)
                && line[needle.len()..]
                    .chars()
                    .next()
                    .is_none_or(|c| c.is_whitespace() || c == '#')
        })
        .map_or(1, |i| i + 1)
}
