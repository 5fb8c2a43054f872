//! Incident facts, grades and the grader.

use serde::{Deserialize, Serialize};

use crate::rules::{Condition, Rules};

/// The four grades of both texts, least to most severe (so `Ord` compares severity).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Grade {
    /// 一般: every incident that reaches no other grade.
    General,
    /// 较大.
    Larger,
    /// 重大.
    Major,
    /// 特别重大.
    ParticularlyMajor,
}

impl Grade {
    pub const ALL: [Grade; 4] = [
        Grade::General,
        Grade::Larger,
        Grade::Major,
        Grade::ParticularlyMajor,
    ];

    /// The id used in rules files, the database and the API.
    pub fn as_str(self) -> &'static str {
        match self {
            Grade::General => "general",
            Grade::Larger => "larger",
            Grade::Major => "major",
            Grade::ParticularlyMajor => "particularly_major",
        }
    }

    pub fn parse(text: &str) -> Option<Grade> {
        Grade::ALL.into_iter().find(|g| g.as_str() == text)
    }
}

/// Who reports, which decides the reporting clock (CAC 2025 第四条).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum OperatorKind {
    /// 关键信息基础设施运营者: 1 hour.
    Cii,
    /// 中央和国家机关各部门及其直属单位: 2 hours.
    CentralOrgan,
    /// 其他网络运营者: 4 hours.
    Other,
}

impl OperatorKind {
    pub const ALL: [OperatorKind; 3] = [
        OperatorKind::Cii,
        OperatorKind::CentralOrgan,
        OperatorKind::Other,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            OperatorKind::Cii => "cii",
            OperatorKind::CentralOrgan => "central_organ",
            OperatorKind::Other => "other",
        }
    }

    pub fn parse(text: &str) -> Option<OperatorKind> {
        OperatorKind::ALL.into_iter().find(|k| k.as_str() == text)
    }
}

/// A measured quantity of an incident that a rule can put a threshold on.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Quantity {
    /// People whose personal information is affected (个人信息).
    PeoplePi,
    /// People whose sensitive personal information is affected (敏感个人信息).
    PeopleSensitivePi,
    /// Direct economic loss in yuan (直接经济损失).
    LossYuan,
    /// Hours the affected network or system was down or seriously abnormal (中断运行).
    OutageHours,
}

impl Quantity {
    pub fn as_str(self) -> &'static str {
        match self {
            Quantity::PeoplePi => "people_pi",
            Quantity::PeopleSensitivePi => "people_sensitive_pi",
            Quantity::LossYuan => "loss_yuan",
            Quantity::OutageHours => "outage_hours",
        }
    }
}

/// What happened, as far as grading needs it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Incident {
    pub people_pi: u64,
    pub people_sensitive_pi: u64,
    /// 重要数据 involved.
    pub important_data: bool,
    /// 核心数据 involved.
    pub core_data: bool,
    pub loss_yuan: u64,
    /// Non-negative and finite; [`grade`] treats anything else as 0.
    pub outage_hours: f64,
    pub operator_kind: OperatorKind,
}

impl Incident {
    pub fn value(&self, quantity: Quantity) -> f64 {
        match quantity {
            Quantity::PeoplePi => self.people_pi as f64,
            Quantity::PeopleSensitivePi => self.people_sensitive_pi as f64,
            Quantity::LossYuan => self.loss_yuan as f64,
            Quantity::OutageHours if self.outage_hours.is_finite() => self.outage_hours.max(0.0),
            Quantity::OutageHours => 0.0,
        }
    }
}

/// One rule an incident meets.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Reason {
    pub rule: String,
    pub grade: Grade,
    /// The text's title, and the clause within it.
    pub source: String,
    pub clause: String,
    /// What was compared: a quantity, or `core_data` / `important_data`.
    pub measure: String,
    /// The incident's value (1 for a flag that is set).
    pub value: f64,
    /// The rule's threshold, inclusive (1 for a flag).
    pub threshold: f64,
}

/// The grade and every rule that put the incident at or above a grade, most severe first.
/// An incident that meets no rule is 一般 with no reasons.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Grading {
    pub grade: Grade,
    pub reasons: Vec<Reason>,
}

/// Grades `incident`: the highest grade of the rules it meets, 一般 when it meets none.
pub fn grade(rules: &Rules, incident: &Incident) -> Grading {
    let mut reasons: Vec<Reason> = rules
        .rules
        .iter()
        .filter(|rule| {
            rule.operator_kinds.is_empty() || rule.operator_kinds.contains(&incident.operator_kind)
        })
        .filter_map(|rule| {
            let (measure, value, threshold) = match rule.condition {
                Condition::Flag(flag) => {
                    let set = flag.of(incident);
                    (flag.as_str().to_owned(), f64::from(u8::from(set)), 1.0)
                }
                Condition::AtLeast(quantity, threshold) => (
                    quantity.as_str().to_owned(),
                    incident.value(quantity),
                    threshold,
                ),
            };
            (value >= threshold).then(|| Reason {
                rule: rule.id.clone(),
                grade: rule.grade,
                source: rules.source_title(&rule.source).to_owned(),
                clause: rule.clause.clone(),
                measure,
                value,
                threshold,
            })
        })
        .collect();
    // Most severe first; within a grade, the file's order.
    reasons.sort_by_key(|r| std::cmp::Reverse(r.grade));
    Grading {
        grade: reasons.first().map_or(Grade::General, |r| r.grade),
        reasons,
    }
}
