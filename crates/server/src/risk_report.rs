//! The risk assessment report (数据安全风险评估报告) an important-data processor files each
//! year (网络数据安全管理条例 art. 33), in the order of GB/T 45577-2025: the survey (kinds and
//! volume of important data, systems, processing activities, measures), risks identified in
//! management, processing activities, technology and personal information, each with its
//! risk source, severity and treatment (the risk-source list), the evaluation and the
//! rectification. Filed and reviewed with the filing workflow (`filing.rs`).

use std::collections::{BTreeMap, BTreeSet};

use serde::{Deserialize, Serialize};

use crate::AppState;
use crate::auth::{Action, Actor, OrgKind};
use crate::error::{Error, Result};
use crate::filing::{CORE, CatalogEntry, FilingContent, FilingKind, IMPORTANT, Sections};
use crate::registry::require_on_filings;
use crate::service::{bounded, required};

/// Where a risk was identified (GB/T 45577 risk identification).
pub const AREAS: [&str; 4] = [
    "management",
    "processing",
    "technology",
    "personal_information",
];
pub const SEVERITIES: [&str; 4] = ["low", "medium", "high", "critical"];
/// Most risks a report lists.
const MAX_RISKS: usize = 500;
/// Longest evaluation, rectification or measures text.
const MAX_LONG_TEXT: usize = 5000;
/// A report is due a year after the last accepted one.
pub const REPORT_PERIOD_DAYS: i64 = 365;
/// The operator is reminded this many days before the report is due.
pub const REMINDER_DAYS: i64 = 30;
const DAY: i64 = 86_400;

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Survey {
    /// Categories of the important data held.
    #[serde(default)]
    pub important_data_kinds: Vec<String>,
    /// Rows of important data, estimated from the scanned tables.
    #[serde(default)]
    pub important_data_volume: i64,
    #[serde(default)]
    pub core_data_kinds: Vec<String>,
    #[serde(default)]
    pub core_data_volume: i64,
    #[serde(default)]
    pub systems: Vec<String>,
    #[serde(default)]
    pub activities: Vec<String>,
    /// Security measures in place.
    #[serde(default)]
    pub measures: String,
}

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Risk {
    /// `R1`, `R2`…: how the evaluation and rectification refer to it.
    #[serde(default)]
    pub reference: String,
    /// One of [`AREAS`].
    pub area: String,
    /// The risk source (风险源): a threat, a weakness, a partner, a system.
    pub source: String,
    pub description: String,
    /// One of [`SEVERITIES`].
    pub severity: String,
    /// How it is treated (处置措施) and by when.
    #[serde(default)]
    pub treatment: String,
}

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct RiskReportContent {
    #[serde(default)]
    pub survey: Survey,
    #[serde(default)]
    pub risks: Vec<Risk>,
    /// The overall evaluation (风险评价).
    #[serde(default)]
    pub evaluation: String,
    /// The rectification plan (整改).
    #[serde(default)]
    pub rectification: String,
}

fn long_text(field: &str, text: &str) -> Result<String> {
    let text = text.trim();
    if text.chars().count() > MAX_LONG_TEXT {
        return Err(Error::BadRequest(format!(
            "{field} is longer than {MAX_LONG_TEXT} characters"
        )));
    }
    Ok(text.to_owned())
}

fn one_of(field: &str, value: &str, allowed: &[&str]) -> Result<String> {
    let value = value.trim();
    if allowed.contains(&value) {
        Ok(value.to_owned())
    } else {
        Err(Error::BadRequest(format!(
            "{field} is one of {}",
            allowed.join(", ")
        )))
    }
}

fn bounded_list(field: &str, items: &[String]) -> Result<Vec<String>> {
    if items.len() > MAX_RISKS {
        return Err(Error::BadRequest(format!(
            "{field} lists at most {MAX_RISKS} items"
        )));
    }
    items.iter().map(|item| bounded(field, item)).collect()
}

impl RiskReportContent {
    /// The report trimmed and bounded, areas and severities checked, every risk given a
    /// unique reference (`R<n>` when it has none).
    pub fn cleaned(&self) -> Result<RiskReportContent> {
        if self.risks.len() > MAX_RISKS {
            return Err(Error::BadRequest(format!(
                "a report lists at most {MAX_RISKS} risks"
            )));
        }
        let mut risks = Vec::with_capacity(self.risks.len());
        let mut references = BTreeSet::new();
        for (index, risk) in self.risks.iter().enumerate() {
            let reference = match bounded("reference", &risk.reference)? {
                r if r.is_empty() => format!("R{}", index + 1),
                r => r,
            };
            if !references.insert(reference.clone()) {
                return Err(Error::BadRequest(format!(
                    "risk reference {reference:?} is used twice"
                )));
            }
            risks.push(Risk {
                reference,
                area: one_of("area", &risk.area, &AREAS)?,
                source: required("risk source", &risk.source)?,
                description: required("risk description", &risk.description)?,
                severity: one_of("severity", &risk.severity, &SEVERITIES)?,
                treatment: bounded("treatment", &risk.treatment)?,
            });
        }
        let survey = &self.survey;
        Ok(RiskReportContent {
            survey: Survey {
                important_data_kinds: bounded_list(
                    "important_data_kinds",
                    &survey.important_data_kinds,
                )?,
                important_data_volume: survey.important_data_volume.max(0),
                core_data_kinds: bounded_list("core_data_kinds", &survey.core_data_kinds)?,
                core_data_volume: survey.core_data_volume.max(0),
                systems: bounded_list("systems", &survey.systems)?,
                activities: bounded_list("activities", &survey.activities)?,
                measures: long_text("measures", &survey.measures)?,
            },
            risks,
            evaluation: long_text("evaluation", &self.evaluation)?,
            rectification: long_text("rectification", &self.rectification)?,
        })
    }

    /// The risk-source list: each source with the references of its risks.
    pub fn risk_sources(&self) -> BTreeMap<String, Vec<String>> {
        let mut sources: BTreeMap<String, Vec<String>> = BTreeMap::new();
        for risk in &self.risks {
            sources
                .entry(risk.source.clone())
                .or_default()
                .push(risk.reference.clone());
        }
        sources
    }

    pub fn sections(&self) -> Sections {
        fn value(item: &impl Serialize) -> serde_json::Value {
            serde_json::to_value(item).expect("report parts serialise")
        }
        vec![
            ("survey", vec![("survey".to_owned(), value(&self.survey))]),
            (
                "risks",
                self.risks
                    .iter()
                    .map(|r| (r.reference.clone(), value(r)))
                    .collect(),
            ),
            (
                "conclusions",
                vec![(
                    "conclusions".to_owned(),
                    serde_json::json!({
                        "evaluation": self.evaluation,
                        "rectification": self.rectification,
                    }),
                )],
            ),
        ]
    }
}

/// Kinds (categories) and volume (rows of the distinct tables) of the catalog entries at
/// `level`.
fn kinds_and_volume(entries: &[CatalogEntry], level: &str) -> (Vec<String>, i64) {
    let at_level = entries.iter().filter(|e| e.level == level);
    let kinds: BTreeSet<String> = at_level
        .clone()
        .map(|e| e.category.clone())
        .filter(|c| !c.is_empty())
        .collect();
    let tables: BTreeMap<(&str, &str), i64> = at_level
        .map(|e| ((e.location.as_str(), e.table.as_str()), e.volume))
        .collect();
    (kinds.into_iter().collect(), tables.values().sum())
}

/// A new report's content, pre-filled from the operator's reviewed inventory (kinds and
/// volume of important and core data, systems) and its accepted filing (activities and their
/// measures).
pub async fn prefill(state: &AppState, org_id: i64) -> Result<RiskReportContent> {
    let catalog = state.repo.catalog_candidates(org_id).await?;
    let (important_data_kinds, important_data_volume) = kinds_and_volume(&catalog, IMPORTANT);
    let (core_data_kinds, core_data_volume) = kinds_and_volume(&catalog, CORE);
    let mut systems: BTreeSet<String> = catalog.iter().map(|e| e.system.clone()).collect();
    if let Some(profile) = state.repo.current_profiles(&[org_id]).await?.pop() {
        systems.extend(profile.fields.systems);
    }
    let accepted = accepted_filing(state, org_id)
        .await?
        .map(|(_, content)| content)
        .unwrap_or_default();
    let mut measures: Vec<&str> = accepted
        .activities
        .iter()
        .map(|a| a.measures.as_str())
        .filter(|m| !m.is_empty())
        .collect();
    measures.dedup();
    Ok(RiskReportContent {
        survey: Survey {
            important_data_kinds,
            important_data_volume,
            core_data_kinds,
            core_data_volume,
            systems: systems.into_iter().collect(),
            activities: accepted
                .activities
                .iter()
                .map(|a| format!("{}：{}", a.name, a.purpose))
                .collect(),
            measures: measures.join("；"),
        },
        ..RiskReportContent::default()
    })
}

/// The operator's filing as the regulator last accepted it: when, and its content.
async fn accepted_filing(state: &AppState, org_id: i64) -> Result<Option<(i64, FilingContent)>> {
    let Some(filing) = state
        .repo
        .filings(&[org_id], Some(FilingKind::Filing))
        .await?
        .into_iter()
        .find(|f| f.accepted_version > 0)
    else {
        return Ok(None);
    };
    let version = state
        .repo
        .filing_versions(filing.id)
        .await?
        .into_iter()
        .find(|v| v.version == filing.accepted_version)
        .ok_or_else(|| Error::Config(format!("filing {} lost its accepted version", filing.id)))?;
    let content = serde_json::from_value(version.content)
        .map_err(|e| Error::Config(format!("stored filing content: {e}")))?;
    Ok(Some((filing.accepted_at, content)))
}

/// When the next report is due, for an operator that holds important or core data.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Reminder {
    pub due_at: i64,
    pub days_left: i64,
    /// Within [`REMINDER_DAYS`] of the due date, or past it: the operator is reminded.
    pub due_soon: bool,
    pub overdue: bool,
}

/// The reminder at time `now`: a year after the last accepted report, or, before the first,
/// a year after the filing that declared important or core data was accepted.
pub fn reminder_at(
    last_report_accepted: Option<i64>,
    important_data_filed: Option<i64>,
    now: i64,
) -> Option<Reminder> {
    let start = last_report_accepted.or(important_data_filed)?;
    let due_at = start + REPORT_PERIOD_DAYS * DAY;
    let days_left = (due_at - now).div_euclid(DAY);
    Some(Reminder {
        due_at,
        days_left,
        due_soon: days_left < REMINDER_DAYS,
        overdue: now > due_at,
    })
}

/// The actor's operator's next report, if it must file one.
pub async fn reminder(state: &AppState, actor: &Actor) -> Result<Option<Reminder>> {
    if actor.org.kind != OrgKind::Operator {
        return Ok(None);
    }
    let org_id = actor.org.id;
    require_on_filings(state, actor, Action::ViewFilings, org_id).await?;
    let last_report = state
        .repo
        .filings(&[org_id], Some(FilingKind::RiskReport))
        .await?
        .iter()
        .filter(|f| f.accepted_version > 0)
        .map(|f| f.accepted_at)
        .max();
    let filed_important = accepted_filing(state, org_id)
        .await?
        .filter(|(_, content)| {
            !(content.important_catalog.is_empty() && content.core_catalog.is_empty())
        })
        .map(|(accepted_at, _)| accepted_at);
    Ok(reminder_at(last_report, filed_important, crate::now()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn risk(reference: &str, source: &str) -> Risk {
        Risk {
            reference: reference.into(),
            area: "technology".into(),
            source: source.into(),
            description: "未加密存储".into(),
            severity: "high".into(),
            treatment: String::new(),
        }
    }

    #[test]
    fn reminders_start_thirty_days_before_the_due_date() {
        let accepted = 1_700_000_000;
        let due = accepted + 365 * DAY;
        assert_eq!(reminder_at(None, None, accepted), None);
        let early = reminder_at(Some(accepted), None, accepted + DAY).unwrap();
        assert_eq!(early.due_at, due);
        assert!(!early.due_soon && !early.overdue);
        let month_before = reminder_at(Some(accepted), None, due - 29 * DAY).unwrap();
        assert!(month_before.due_soon && !month_before.overdue);
        assert!(
            !reminder_at(Some(accepted), None, due - 31 * DAY)
                .unwrap()
                .due_soon
        );
        let late = reminder_at(None, Some(accepted), due + DAY).unwrap();
        assert!(late.due_soon && late.overdue);
        // The last report, not the filing, starts the year once there is one.
        assert_eq!(
            reminder_at(Some(accepted + 100 * DAY), Some(accepted), accepted)
                .unwrap()
                .due_at,
            due + 100 * DAY
        );
    }

    #[test]
    fn cleaning_numbers_risks_and_refuses_unknown_values() {
        let report = RiskReportContent {
            risks: vec![risk("", "数据库"), risk("", "外包方")],
            ..RiskReportContent::default()
        };
        let cleaned = report.cleaned().unwrap();
        assert_eq!(cleaned.risks[0].reference, "R1");
        assert_eq!(cleaned.risks[1].reference, "R2");
        let mut bad = report.clone();
        bad.risks[0].severity = "catastrophic".into();
        assert!(bad.cleaned().is_err());
        let twice = RiskReportContent {
            risks: vec![risk("R1", "a"), risk("R1", "b")],
            ..RiskReportContent::default()
        };
        assert!(twice.cleaned().is_err());
        let shared = RiskReportContent {
            risks: vec![
                risk("R1", "数据库"),
                risk("R2", "数据库"),
                risk("R3", "外包方"),
            ],
            ..RiskReportContent::default()
        };
        assert_eq!(
            shared.risk_sources().get("数据库"),
            Some(&vec!["R1".to_owned(), "R2".to_owned()])
        );
    }
}
