//! Answers and scoring of one operator's questionnaire.
//!
//! Rules (they are the ones the reports state):
//! - **Compliance rate** = (compliant + ½ × partially compliant) / (assessable requirements −
//!   not applicable). An unanswered requirement counts as not met, so a half-filled
//!   questionnaire never looks better than a filled one. No applicable requirement: no rate.
//! - **Maturity level of a process area**: the level answered (1–5), or not applicable.
//! - **Overall maturity level** (GB/T 37988-2019: an organisation is at level *N* when all its
//!   process areas are at level *N* or above): the lowest level among the applicable process
//!   areas. Undetermined while an applicable process area is unanswered or when none is
//!   applicable.

use std::fmt;

use crate::library::{Framework, Scale};

/// The result recorded for one requirement of a compliance questionnaire; the names are CISO
/// Assistant's.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Outcome {
    Compliant,
    PartiallyCompliant,
    NonCompliant,
    NotApplicable,
}

impl Outcome {
    pub const ALL: [Outcome; 4] = [
        Self::Compliant,
        Self::PartiallyCompliant,
        Self::NonCompliant,
        Self::NotApplicable,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Compliant => "compliant",
            Self::PartiallyCompliant => "partially_compliant",
            Self::NonCompliant => "non_compliant",
            Self::NotApplicable => "not_applicable",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|o| o.as_str() == s)
    }
}

/// One requirement's answer: a result, or (maturity scales) a level.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Answer {
    Outcome(Outcome),
    Level(u8),
}

impl Answer {
    /// The stored form: the outcome's name or `level:N`.
    pub fn encode(self) -> String {
        match self {
            Self::Outcome(o) => o.as_str().to_string(),
            Self::Level(l) => format!("level:{l}"),
        }
    }

    /// Reads what [`Answer::encode`] wrote (and what forms post).
    pub fn decode(s: &str) -> Option<Self> {
        match s.strip_prefix("level:") {
            Some(level) => level.parse().ok().map(Self::Level),
            None => Outcome::parse(s).map(Self::Outcome),
        }
    }
}

/// Why an answer does not fit a framework.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AnswerError {
    #[error("{0} is not a requirement of this questionnaire")]
    UnknownRequirement(String),
    #[error("{0} is a heading, not an assessable requirement")]
    NotAssessable(String),
    #[error("{urn}: {answer} does not fit this questionnaire's scale")]
    OffScale { urn: String, answer: String },
}

/// One operator's answers, aligned with [`Framework::nodes`] so scoring is by index.
#[derive(Debug, Clone, PartialEq)]
pub struct AnswerSheet {
    answers: Vec<Option<Answer>>,
}

impl AnswerSheet {
    /// An empty sheet for `framework`.
    pub fn new(framework: &Framework) -> Self {
        Self {
            answers: vec![None; framework.nodes.len()],
        }
    }

    /// Records `answer` for the requirement `urn`, checking it exists, is assessable and the
    /// answer fits the scale (a level within min..=max, or not applicable, on maturity scales;
    /// an outcome on compliance scales).
    pub fn set(
        &mut self,
        framework: &Framework,
        urn: &str,
        answer: Answer,
    ) -> Result<(), AnswerError> {
        let index = check_answer(framework, urn, answer)?;
        self.answers[index] = Some(answer);
        Ok(())
    }

    /// The answer recorded for the node at `index`.
    pub fn get(&self, index: usize) -> Option<Answer> {
        self.answers.get(index).copied().flatten()
    }
}

/// Checks that `answer` may be given to requirement `urn`; returns the node's index.
pub fn check_answer(
    framework: &Framework,
    urn: &str,
    answer: Answer,
) -> Result<usize, AnswerError> {
    let index = framework
        .node_index(urn)
        .ok_or_else(|| AnswerError::UnknownRequirement(urn.to_string()))?;
    if !framework.nodes[index].assessable {
        return Err(AnswerError::NotAssessable(urn.to_string()));
    }
    let fits = match (&framework.scale, answer) {
        (_, Answer::Outcome(Outcome::NotApplicable)) => true,
        (Scale::Compliance, Answer::Outcome(_)) => true,
        (Scale::Maturity { min, max, .. }, Answer::Level(level)) => (*min..=*max).contains(&level),
        _ => false,
    };
    if fits {
        Ok(index)
    } else {
        Err(AnswerError::OffScale {
            urn: urn.to_string(),
            answer: answer.encode(),
        })
    }
}

/// Counts and rate of a compliance questionnaire (or part of one).
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct ComplianceScore {
    pub assessable: usize,
    pub answered: usize,
    pub compliant: usize,
    pub partially_compliant: usize,
    pub non_compliant: usize,
    pub not_applicable: usize,
}

impl ComplianceScore {
    pub(crate) fn add(&mut self, answer: Option<Answer>) {
        self.assessable += 1;
        let Some(answer) = answer else { return };
        self.answered += 1;
        match answer {
            Answer::Outcome(Outcome::Compliant) => self.compliant += 1,
            Answer::Outcome(Outcome::PartiallyCompliant) => self.partially_compliant += 1,
            Answer::Outcome(Outcome::NonCompliant) => self.non_compliant += 1,
            Answer::Outcome(Outcome::NotApplicable) => self.not_applicable += 1,
            // A level on a compliance scale is refused by `check_answer`; were one stored,
            // it is counted as answered but met nothing.
            Answer::Level(_) => {}
        }
    }

    /// The compliance rate in 0..=1 (rule in the module documentation).
    pub fn rate(&self) -> Option<f64> {
        let applicable = self.assessable - self.not_applicable;
        (applicable > 0).then(|| {
            (self.compliant as f64 + 0.5 * self.partially_compliant as f64) / applicable as f64
        })
    }
}

/// Levels of a maturity questionnaire.
#[derive(Debug, Clone, PartialEq)]
pub struct MaturityScore {
    /// Per assessable node, in document order: `(node index, level)`; level `None` when
    /// unanswered, and the area is left out when not applicable.
    pub areas: Vec<(usize, Option<u8>)>,
    pub answered: usize,
    pub assessable: usize,
}

impl MaturityScore {
    /// The overall level: the lowest level among the applicable process areas (rule in the
    /// module documentation); `None` while one is unanswered or when none applies.
    pub fn overall(&self) -> Option<u8> {
        let mut lowest: Option<u8> = None;
        for (_, level) in &self.areas {
            let level = (*level)?;
            lowest = Some(lowest.map_or(level, |l| l.min(level)));
        }
        lowest
    }

    /// The mean level of the answered applicable areas, for summaries (never for grading).
    pub fn mean(&self) -> Option<f64> {
        let levels: Vec<u8> = self.areas.iter().filter_map(|(_, l)| *l).collect();
        (!levels.is_empty())
            .then(|| levels.iter().map(|&l| f64::from(l)).sum::<f64>() / levels.len() as f64)
    }
}

/// The score of one answer sheet.
#[derive(Debug, Clone, PartialEq)]
pub enum Score {
    Compliance(ComplianceScore),
    Maturity(MaturityScore),
}

impl Score {
    pub fn answered(&self) -> usize {
        match self {
            Self::Compliance(c) => c.answered,
            Self::Maturity(m) => m.answered,
        }
    }

    pub fn assessable(&self) -> usize {
        match self {
            Self::Compliance(c) => c.assessable,
            Self::Maturity(m) => m.assessable,
        }
    }
}

impl fmt::Display for Score {
    /// `85.0%` or `L3` (`—` when undetermined): the headline figure of a report.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Compliance(c) => match c.rate() {
                Some(rate) => write!(f, "{:.1}%", rate * 100.0),
                None => f.write_str("—"),
            },
            Self::Maturity(m) => match m.overall() {
                Some(level) => write!(f, "L{level}"),
                None => f.write_str("—"),
            },
        }
    }
}

/// Scores one sheet against its framework.
pub fn score(framework: &Framework, sheet: &AnswerSheet) -> Score {
    match framework.scale {
        Scale::Compliance => {
            let mut total = ComplianceScore::default();
            for index in framework.assessable() {
                total.add(sheet.get(index));
            }
            Score::Compliance(total)
        }
        Scale::Maturity { .. } => {
            let mut score = MaturityScore {
                areas: Vec::new(),
                answered: 0,
                assessable: 0,
            };
            for index in framework.assessable() {
                score.assessable += 1;
                match sheet.get(index) {
                    Some(Answer::Outcome(Outcome::NotApplicable)) => score.answered += 1,
                    Some(Answer::Level(level)) => {
                        score.answered += 1;
                        score.areas.push((index, Some(level)));
                    }
                    _ => score.areas.push((index, None)),
                }
            }
            Score::Maturity(score)
        }
    }
}
