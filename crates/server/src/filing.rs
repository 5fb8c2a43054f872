//! Filings (数据安全信息备案) and risk assessment reports (风险评估报告): what an operator
//! submits to its regulator and the regulator reviews. Both follow one workflow
//! ([`WORKFLOW`]): draft → submitted → under review → returned with comments → resubmitted →
//! accepted. Each submission freezes the draft into an immutable version, and any two versions
//! can be compared ([`diff`]).
//!
//! A filing holds the processing activities and the important-data and core-data catalogs
//! (重要数据目录 / 核心数据目录), picked from the operator's reviewed inventory and copied
//! into the filing, so a later rescan does not change what was filed. The risk assessment
//! report's content is in `risk_report.rs`.

use std::collections::{BTreeMap, HashMap};

use serde::{Deserialize, Serialize};
use serde_json::Value;
use sqlx::Row;
use sqlx::any::AnyRow;

use crate::AppState;
use crate::audit::AuditEntry;
use crate::auth::{Action, Actor, OrgKind, authorize};
use crate::error::{Error, Result};
use crate::registry::require_on_filings;
use crate::registry::{json_column, json_text};
use crate::repo::{Repo, placeholders, query_with_ids, row_by_id};
use crate::risk_report::{self, RiskReportContent};
use crate::service::{audit, bounded, required, visible_org_ids};
use crate::workflow::{Refusal, StateMachine, step};

/// The GB/T 43697 levels whose data goes into the catalogs.
pub const IMPORTANT: &str = "important";
pub const CORE: &str = "core";
/// Most processing activities a filing lists.
const MAX_ACTIVITIES: usize = 200;
/// Most columns a filing's catalogs hold.
const MAX_CATALOG: usize = 5000;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum FilingKind {
    /// 数据安全信息备案: activities and catalogs.
    Filing,
    /// 数据安全风险评估报告 (网络数据安全管理条例 art. 33), yearly.
    RiskReport,
}

impl FilingKind {
    pub fn as_str(self) -> &'static str {
        match self {
            FilingKind::Filing => "filing",
            FilingKind::RiskReport => "risk_report",
        }
    }

    pub fn parse(text: &str) -> Option<FilingKind> {
        [FilingKind::Filing, FilingKind::RiskReport]
            .into_iter()
            .find(|k| k.as_str() == text)
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    Draft,
    Submitted,
    UnderReview,
    Returned,
    Resubmitted,
    Accepted,
}

impl Status {
    const ALL: [Status; 6] = [
        Status::Draft,
        Status::Submitted,
        Status::UnderReview,
        Status::Returned,
        Status::Resubmitted,
        Status::Accepted,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Status::Draft => "draft",
            Status::Submitted => "submitted",
            Status::UnderReview => "under_review",
            Status::Returned => "returned",
            Status::Resubmitted => "resubmitted",
            Status::Accepted => "accepted",
        }
    }

    pub fn parse(text: &str) -> Result<Status> {
        Status::ALL
            .into_iter()
            .find(|s| s.as_str() == text)
            .ok_or_else(|| Error::Config(format!("unknown filing status {text:?}")))
    }

    /// The operator edits the draft only before submitting and after a return.
    pub fn editable(self) -> bool {
        matches!(self, Status::Draft | Status::Returned)
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Event {
    Submit,
    StartReview,
    Return,
    Resubmit,
    Accept,
    /// Reopens an accepted filing as a draft for a change filing (变更备案); the accepted
    /// version stays as it was.
    Amend,
}

impl Event {
    const ALL: [Event; 6] = [
        Event::Submit,
        Event::StartReview,
        Event::Return,
        Event::Resubmit,
        Event::Accept,
        Event::Amend,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Event::Submit => "submit",
            Event::StartReview => "start_review",
            Event::Return => "return",
            Event::Resubmit => "resubmit",
            Event::Accept => "accept",
            Event::Amend => "amend",
        }
    }

    pub fn parse(text: &str) -> Option<Event> {
        Event::ALL.into_iter().find(|e| e.as_str() == text)
    }

    /// Events that freeze the draft into a new version.
    fn freezes(self) -> bool {
        matches!(self, Event::Submit | Event::Resubmit)
    }
}

/// Who moves a filing: the operator's security officer or the regulator with jurisdiction.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Party {
    Officer,
    Regulator,
}

pub const WORKFLOW: StateMachine<Status, Event, Party> = StateMachine {
    transitions: &[
        step(
            Status::Draft,
            Event::Submit,
            Status::Submitted,
            Party::Officer,
        ),
        step(
            Status::Submitted,
            Event::StartReview,
            Status::UnderReview,
            Party::Regulator,
        ),
        step(
            Status::Resubmitted,
            Event::StartReview,
            Status::UnderReview,
            Party::Regulator,
        ),
        step(
            Status::UnderReview,
            Event::Return,
            Status::Returned,
            Party::Regulator,
        ),
        step(
            Status::UnderReview,
            Event::Accept,
            Status::Accepted,
            Party::Regulator,
        ),
        step(
            Status::Returned,
            Event::Resubmit,
            Status::Resubmitted,
            Party::Officer,
        ),
        step(
            Status::Accepted,
            Event::Amend,
            Status::Draft,
            Party::Officer,
        ),
    ],
};

/// The party `actor` acts as on `org`'s filings, as authorisation decides.
fn party_of(actor: &Actor, org: &crate::auth::OrgRef) -> Option<Party> {
    if authorize(actor, Action::Supervise, org) {
        Some(Party::Regulator)
    } else if authorize(actor, Action::SubmitFilings, org) {
        Some(Party::Officer)
    } else {
        None
    }
}

// ---- content

/// A processing activity (数据处理活动) as filed.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Activity {
    pub name: String,
    pub purpose: String,
    #[serde(default)]
    pub method: String,
    #[serde(default)]
    pub scope: String,
    /// The kinds of data processed (数据种类).
    #[serde(default)]
    pub data_kinds: String,
    /// Volume (数据规模), as the operator states it.
    #[serde(default)]
    pub volume: String,
    /// How long data is kept (存储期限).
    #[serde(default)]
    pub retention: String,
    #[serde(default)]
    pub cross_border: bool,
    /// The legal basis of a transfer abroad (security assessment, standard contract,
    /// certification, exemption).
    #[serde(default)]
    pub cross_border_basis: String,
    /// Security measures protecting it.
    #[serde(default)]
    pub measures: String,
}

/// One column of the important-data or core-data catalog, copied from the inventory.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct CatalogEntry {
    pub column_id: i64,
    pub system: String,
    pub source: String,
    pub table: String,
    pub column: String,
    pub entity: String,
    pub category: String,
    pub level: String,
    /// Rows scanned in the table: the volume estimate.
    pub volume: i64,
    /// Where it is held: system / source.
    pub location: String,
}

impl CatalogEntry {
    fn key(&self) -> String {
        format!("{} / {}.{}", self.location, self.table, self.column)
    }
}

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct FilingContent {
    pub activities: Vec<Activity>,
    pub important_catalog: Vec<CatalogEntry>,
    pub core_catalog: Vec<CatalogEntry>,
}

/// A filing draft as the operator writes it: activities, and the inventory columns to
/// catalog (each goes to the important or core catalog by its reviewed level).
#[derive(Clone, Debug, Default, Deserialize)]
pub struct FilingDraft {
    #[serde(default)]
    pub activities: Vec<Activity>,
    #[serde(default)]
    pub catalog_columns: Vec<i64>,
}

/// Content as keyed items in named sections, which is what [`diff`] compares.
pub type Sections = Vec<(&'static str, Vec<(String, Value)>)>;

impl FilingContent {
    pub fn sections(&self) -> Sections {
        let items = |entries: &[CatalogEntry]| {
            entries
                .iter()
                .map(|e| (e.key(), serde_json::to_value(e).expect("entries serialise")))
                .collect()
        };
        vec![
            (
                "activities",
                self.activities
                    .iter()
                    .map(|a| (a.name.clone(), serde_json::to_value(a).expect("serialises")))
                    .collect(),
            ),
            ("important_catalog", items(&self.important_catalog)),
            ("core_catalog", items(&self.core_catalog)),
        ]
    }
}

fn empty_content(kind: FilingKind) -> Value {
    match kind {
        FilingKind::Filing => serde_json::to_value(FilingContent::default()),
        FilingKind::RiskReport => serde_json::to_value(RiskReportContent::default()),
    }
    .expect("empty content serialises")
}

fn sections_of(kind: FilingKind, content: &Value) -> Result<Sections> {
    let broken = |e: serde_json::Error| Error::Config(format!("stored filing content: {e}"));
    Ok(match kind {
        FilingKind::Filing => serde_json::from_value::<FilingContent>(content.clone())
            .map_err(broken)?
            .sections(),
        FilingKind::RiskReport => serde_json::from_value::<RiskReportContent>(content.clone())
            .map_err(broken)?
            .sections(),
    })
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct FieldChange {
    pub field: String,
    pub old: String,
    pub new: String,
}

#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ChangeKind {
    Added,
    Removed,
    Changed,
}

/// One item that differs between two versions.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Change {
    pub section: &'static str,
    pub key: String,
    pub kind: ChangeKind,
    /// For a changed item: the fields that differ.
    pub fields: Vec<FieldChange>,
}

/// A field's value as a reader sees it: text as is, lists joined, the rest as JSON.
fn readable(value: &Value) -> String {
    match value {
        Value::String(text) => text.clone(),
        Value::Null => String::new(),
        Value::Array(items) => items.iter().map(readable).collect::<Vec<_>>().join("、"),
        other => other.to_string(),
    }
}

fn field_changes(old: &Value, new: &Value) -> Vec<FieldChange> {
    let (Value::Object(old), Value::Object(new)) = (old, new) else {
        return vec![FieldChange {
            field: String::new(),
            old: readable(old),
            new: readable(new),
        }];
    };
    let mut fields: Vec<&String> = old.keys().chain(new.keys()).collect();
    fields.sort();
    fields.dedup();
    fields
        .into_iter()
        .filter_map(|field| {
            let (before, after) = (
                old.get(field).unwrap_or(&Value::Null),
                new.get(field).unwrap_or(&Value::Null),
            );
            (before != after).then(|| FieldChange {
                field: field.clone(),
                old: readable(before),
                new: readable(after),
            })
        })
        .collect()
}

/// What changed from `old` to `new`, section by section: items added, removed, and changed
/// (with the fields that differ), in the order the newer version lists them.
pub fn diff(old: &Sections, new: &Sections) -> Vec<Change> {
    let mut changes = Vec::new();
    for (section, new_items) in new {
        let old_items: BTreeMap<&str, &Value> = old
            .iter()
            .find(|(s, _)| s == section)
            .map(|(_, items)| items.iter().map(|(k, v)| (k.as_str(), v)).collect())
            .unwrap_or_default();
        for (key, value) in new_items {
            match old_items.get(key.as_str()) {
                None => changes.push(Change {
                    section,
                    key: key.clone(),
                    kind: ChangeKind::Added,
                    fields: Vec::new(),
                }),
                Some(before) if *before != value => changes.push(Change {
                    section,
                    key: key.clone(),
                    kind: ChangeKind::Changed,
                    fields: field_changes(before, value),
                }),
                Some(_) => {}
            }
        }
        let new_keys: Vec<&str> = new_items.iter().map(|(k, _)| k.as_str()).collect();
        for key in old_items.keys().filter(|k| !new_keys.contains(k)) {
            changes.push(Change {
                section,
                key: (*key).to_owned(),
                kind: ChangeKind::Removed,
                fields: Vec::new(),
            });
        }
    }
    changes
}

// ---- records

#[derive(Clone, Debug, Serialize)]
pub struct Filing {
    pub id: i64,
    pub org_id: i64,
    pub org_name: String,
    pub kind: FilingKind,
    pub title: String,
    pub status: Status,
    /// The working copy for those who prepare it; others read the last submitted version
    /// while the operator edits (see [`get`]).
    pub draft: Value,
    pub versions: i64,
    /// The version the regulator accepted last (0: none yet).
    pub accepted_version: i64,
    pub created_at: i64,
    pub updated_at: i64,
    pub accepted_at: i64,
}

#[derive(Clone, Debug, Serialize)]
pub struct FilingVersion {
    pub version: i64,
    pub content: Value,
    pub submitted_by: String,
    pub submitted_at: i64,
}

#[derive(Clone, Debug, Serialize)]
pub struct FilingEvent {
    pub event: String,
    pub from_status: String,
    pub to_status: String,
    pub comment: String,
    pub username: String,
    pub created_at: i64,
}

/// A filing as its reader sees it: the record, its versions and events, and what the reader
/// may do with it now.
#[derive(Clone, Debug, Serialize)]
pub struct FilingView {
    pub filing: Filing,
    pub versions: Vec<FilingVersion>,
    pub events: Vec<FilingEvent>,
    /// Workflow events the reader may fire now.
    pub allowed_events: Vec<Event>,
    /// Whether the reader may edit the draft now.
    pub can_edit: bool,
}

// ---- service

/// Starts a filing or a risk assessment report for the actor's operator. An operator has one
/// filing, amended over time; a risk report is started each year, pre-filled from the
/// inventory and the accepted filing.
pub async fn create(state: &AppState, actor: &Actor, kind: FilingKind, title: &str) -> Result<i64> {
    let org_id = actor.org.id;
    require_on_filings(state, actor, Action::PrepareFilings, org_id).await?;
    if actor.org.kind != OrgKind::Operator {
        return Err(Error::BadRequest("filings belong to operators".into()));
    }
    let existing = state.repo.filings(&[org_id], Some(kind)).await?;
    let (default_title, draft) = match kind {
        FilingKind::Filing => {
            if !existing.is_empty() {
                return Err(Error::BadRequest(
                    "the operator has a filing already: amend it".into(),
                ));
            }
            ("数据安全信息备案".to_owned(), empty_content(kind))
        }
        FilingKind::RiskReport => {
            if existing.iter().any(|f| f.status != Status::Accepted) {
                return Err(Error::BadRequest(
                    "a risk assessment report is in progress: finish it first".into(),
                ));
            }
            let content = risk_report::prefill(state, org_id).await?;
            (
                "数据安全风险评估报告".to_owned(),
                serde_json::to_value(content).expect("serialises"),
            )
        }
    };
    let title = match bounded("title", title)? {
        t if t.is_empty() => default_title,
        t => t,
    };
    let id = state
        .repo
        .create_filing(org_id, kind, &title, &draft, actor.user_id)
        .await?;
    audit(
        state,
        AuditEntry::by(
            actor,
            org_id,
            "filing_create",
            format!("filing:{id}"),
            format!("{} {title}", kind.as_str()),
        ),
    )
    .await?;
    Ok(id)
}

pub async fn list(
    state: &AppState,
    actor: &Actor,
    kind: Option<FilingKind>,
) -> Result<Vec<Filing>> {
    let orgs = visible_org_ids(state, actor, Action::ViewFilings).await?;
    state.repo.filings(&orgs, kind).await
}

pub async fn get(state: &AppState, actor: &Actor, id: i64) -> Result<FilingView> {
    let filing = state.repo.filing(id).await?;
    require_on_filings(state, actor, Action::ViewFilings, filing.org_id).await?;
    let org = state.repo.organisation(filing.org_id).await?.as_ref();
    let allowed_events = party_of(actor, &org)
        .map(|party| WORKFLOW.events_for(filing.status, party))
        .unwrap_or_default();
    let prepares = authorize(actor, Action::PrepareFilings, &org);
    let versions = state.repo.filing_versions(id).await?;
    let mut filing = filing;
    if !prepares && filing.status.editable() {
        // A draft being written is the operator's own until it is submitted: others read the
        // last submitted version (or nothing before the first submission).
        filing.draft = match versions.last() {
            Some(version) => version.content.clone(),
            None => empty_content(filing.kind),
        };
    }
    Ok(FilingView {
        can_edit: filing.status.editable() && prepares,
        events: state.repo.filing_events(id).await?,
        versions,
        allowed_events,
        filing,
    })
}

/// The filing, checked editable by `actor` now and of `kind`.
async fn editable(state: &AppState, actor: &Actor, id: i64, kind: FilingKind) -> Result<Filing> {
    let filing = state.repo.filing(id).await?;
    require_on_filings(state, actor, Action::PrepareFilings, filing.org_id).await?;
    if filing.kind != kind {
        return Err(Error::BadRequest(format!(
            "this is a {}, not a {}",
            filing.kind.as_str(),
            kind.as_str()
        )));
    }
    if !filing.status.editable() {
        return Err(Error::BadRequest(format!(
            "a {} filing cannot be edited",
            filing.status.as_str()
        )));
    }
    Ok(filing)
}

async fn store_draft(
    state: &AppState,
    actor: &Actor,
    filing: &Filing,
    content: Value,
    summary: String,
) -> Result<()> {
    state.repo.save_draft(filing.id, &content).await?;
    audit(
        state,
        AuditEntry::by(
            actor,
            filing.org_id,
            "filing_draft_save",
            format!("filing:{}", filing.id),
            summary,
        ),
    )
    .await
}

fn clean_activity(activity: &Activity) -> Result<Activity> {
    let activity = Activity {
        name: required("activity name", &activity.name)?,
        purpose: required("purpose", &activity.purpose)?,
        method: bounded("method", &activity.method)?,
        scope: bounded("scope", &activity.scope)?,
        data_kinds: bounded("data_kinds", &activity.data_kinds)?,
        volume: bounded("volume", &activity.volume)?,
        retention: bounded("retention", &activity.retention)?,
        cross_border: activity.cross_border,
        cross_border_basis: bounded("cross_border_basis", &activity.cross_border_basis)?,
        measures: bounded("measures", &activity.measures)?,
    };
    if activity.cross_border && activity.cross_border_basis.is_empty() {
        return Err(Error::BadRequest(format!(
            "activity {:?} transfers data abroad: give the basis of the transfer",
            activity.name
        )));
    }
    Ok(activity)
}

/// Replaces a filing's draft: activities (names unique) and the catalogs built from the
/// chosen inventory columns, which must be the operator's own reviewed important or core
/// columns.
pub async fn save_filing_draft(
    state: &AppState,
    actor: &Actor,
    id: i64,
    draft: &FilingDraft,
) -> Result<()> {
    let filing = editable(state, actor, id, FilingKind::Filing).await?;
    if draft.activities.len() > MAX_ACTIVITIES || draft.catalog_columns.len() > MAX_CATALOG {
        return Err(Error::BadRequest(format!(
            "a filing lists at most {MAX_ACTIVITIES} activities and {MAX_CATALOG} catalog columns"
        )));
    }
    let activities: Vec<Activity> = draft
        .activities
        .iter()
        .map(clean_activity)
        .collect::<Result<_>>()?;
    let mut names: Vec<&str> = activities.iter().map(|a| a.name.as_str()).collect();
    names.sort_unstable();
    if names.windows(2).any(|w| w[0] == w[1]) {
        return Err(Error::BadRequest("activity names must be unique".into()));
    }
    let candidates: HashMap<i64, CatalogEntry> = state
        .repo
        .catalog_candidates(filing.org_id)
        .await?
        .into_iter()
        .map(|e| (e.column_id, e))
        .collect();
    let mut content = FilingContent {
        activities,
        ..FilingContent::default()
    };
    let mut chosen = draft.catalog_columns.clone();
    chosen.sort_unstable();
    chosen.dedup();
    for column in chosen {
        let entry = candidates.get(&column).cloned().ok_or_else(|| {
            Error::BadRequest(format!(
                "column {column} is not a reviewed important or core column of this operator"
            ))
        })?;
        if entry.level == CORE {
            content.core_catalog.push(entry);
        } else {
            content.important_catalog.push(entry);
        }
    }
    let summary = format!(
        "{} activities, {} important, {} core",
        content.activities.len(),
        content.important_catalog.len(),
        content.core_catalog.len()
    );
    let value = serde_json::to_value(&content).expect("serialises");
    store_draft(state, actor, &filing, value, summary).await
}

pub async fn save_report_draft(
    state: &AppState,
    actor: &Actor,
    id: i64,
    report: &RiskReportContent,
) -> Result<()> {
    let filing = editable(state, actor, id, FilingKind::RiskReport).await?;
    let report = report.cleaned()?;
    let summary = format!("{} risks", report.risks.len());
    let value = serde_json::to_value(&report).expect("serialises");
    store_draft(state, actor, &filing, value, summary).await
}

/// Fires a workflow event. Who may fire it is the workflow's rule, applied to the party
/// authorisation gives the actor; a return needs the reviewer's comments.
pub async fn transition(
    state: &AppState,
    actor: &Actor,
    id: i64,
    event: Event,
    comment: &str,
) -> Result<Status> {
    let filing = state.repo.filing(id).await?;
    require_on_filings(state, actor, Action::ViewFilings, filing.org_id).await?;
    let org = state.repo.organisation(filing.org_id).await?.as_ref();
    let party = party_of(actor, &org).ok_or(Error::Forbidden)?;
    let to = WORKFLOW
        .fire(filing.status, event, party)
        .map_err(|refusal| match refusal {
            Refusal::WrongParty => Error::Forbidden,
            Refusal::NotNow => Error::BadRequest(format!(
                "cannot {} a filing that is {}",
                event.as_str(),
                filing.status.as_str()
            )),
        })?;
    let comment = bounded("comment", comment)?;
    if event == Event::Return && comment.is_empty() {
        return Err(Error::BadRequest(
            "returning a filing needs comments for the operator".into(),
        ));
    }
    if event.freezes() && filing.kind == FilingKind::Filing {
        let content: FilingContent = serde_json::from_value(filing.draft.clone())
            .map_err(|e| Error::Config(format!("stored filing draft: {e}")))?;
        if content.activities.is_empty() {
            return Err(Error::BadRequest(
                "a filing lists at least one processing activity".into(),
            ));
        }
    }
    state
        .repo
        .apply_transition(&filing, event, to, &comment, actor.user_id)
        .await?;
    audit(
        state,
        AuditEntry::by(
            actor,
            filing.org_id,
            &format!("filing_{}", event.as_str()),
            format!("filing:{id}"),
            format!(
                "{} → {}{}",
                filing.status.as_str(),
                to.as_str(),
                if comment.is_empty() {
                    String::new()
                } else {
                    format!(": {comment}")
                }
            ),
        ),
    )
    .await?;
    Ok(to)
}

/// The changes from version `from` to version `to` (by default the two newest).
pub async fn version_diff(
    state: &AppState,
    actor: &Actor,
    id: i64,
    from: Option<i64>,
    to: Option<i64>,
) -> Result<(i64, i64, Vec<Change>)> {
    let view = get(state, actor, id).await?;
    let newest = view.filing.versions;
    let to = to.unwrap_or(newest);
    let from = from.unwrap_or(to - 1);
    let content = |n: i64| -> Result<Sections> {
        if n == 0 {
            // Version 0 is the empty filing, so the first version diffs as all added.
            return Ok(Vec::new());
        }
        let version = view
            .versions
            .iter()
            .find(|v| v.version == n)
            .ok_or_else(|| Error::BadRequest(format!("there is no version {n}")))?;
        sections_of(view.filing.kind, &version.content)
    };
    let changes = diff(&content(from)?, &content(to)?);
    Ok((from, to, changes))
}

/// Reviewed important and core columns of the actor's operator, to pick catalogs from.
pub async fn catalog_candidates(state: &AppState, actor: &Actor) -> Result<Vec<CatalogEntry>> {
    require_on_filings(state, actor, Action::PrepareFilings, actor.org.id).await?;
    state.repo.catalog_candidates(actor.org.id).await
}

// ---- storage

const FILING_COLUMNS: &str = "f.id, f.org_id, o.name AS org_name, f.kind, f.title, f.status, \
     f.draft, f.created_at, f.updated_at, f.accepted_at, f.accepted_version, \
     (SELECT COUNT(*) FROM filing_versions v WHERE v.filing_id = f.id) AS versions";

impl Filing {
    fn from_row(row: &AnyRow) -> Result<Self> {
        let kind: String = row.try_get("kind")?;
        Ok(Filing {
            id: row.try_get("id")?,
            org_id: row.try_get("org_id")?,
            org_name: row.try_get("org_name")?,
            kind: FilingKind::parse(&kind)
                .ok_or_else(|| Error::Config(format!("unknown filing kind {kind:?}")))?,
            title: row.try_get("title")?,
            status: Status::parse(&row.try_get::<String, _>("status")?)?,
            draft: json_column(row, "draft")?,
            versions: row.try_get("versions")?,
            accepted_version: row.try_get("accepted_version")?,
            created_at: row.try_get("created_at")?,
            updated_at: row.try_get("updated_at")?,
            accepted_at: row.try_get("accepted_at")?,
        })
    }
}

impl Repo {
    pub async fn create_filing(
        &self,
        org_id: i64,
        kind: FilingKind,
        title: &str,
        draft: &Value,
        user_id: i64,
    ) -> Result<i64> {
        let now = crate::now();
        let row = sqlx::query(
            "INSERT INTO filings (org_id, kind, title, status, draft, created_by, created_at, \
             updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $7) RETURNING id",
        )
        .bind(org_id)
        .bind(kind.as_str())
        .bind(title.to_owned())
        .bind(Status::Draft.as_str())
        .bind(json_text(draft))
        .bind(user_id)
        .bind(now)
        .fetch_one(&self.pool)
        .await?;
        Ok(row.try_get(0)?)
    }

    pub async fn filing(&self, id: i64) -> Result<Filing> {
        let sql = format!(
            "SELECT {FILING_COLUMNS} FROM filings f JOIN organisations o ON o.id = f.org_id \
             WHERE f.id = $1"
        );
        let row = row_by_id(&self.pool, sql, id).await?;
        Filing::from_row(&row)
    }

    /// Filings of `org_ids`, newest first.
    pub async fn filings(&self, org_ids: &[i64], kind: Option<FilingKind>) -> Result<Vec<Filing>> {
        if org_ids.is_empty() {
            return Ok(Vec::new());
        }
        let mut sql = format!(
            "SELECT {FILING_COLUMNS} FROM filings f JOIN organisations o ON o.id = f.org_id \
             WHERE f.org_id IN ({})",
            placeholders(1, org_ids.len())
        );
        if kind.is_some() {
            sql += &format!(" AND f.kind = ${}", org_ids.len() + 1);
        }
        sql += " ORDER BY f.id DESC";
        let mut query = query_with_ids(sql, org_ids);
        if let Some(kind) = kind {
            query = query.bind(kind.as_str());
        }
        query
            .fetch_all(&self.pool)
            .await?
            .iter()
            .map(Filing::from_row)
            .collect()
    }

    /// The status of each operator's filing (not its risk reports).
    pub async fn filing_statuses(&self, org_ids: &[i64]) -> Result<HashMap<i64, String>> {
        if org_ids.is_empty() {
            return Ok(HashMap::new());
        }
        let sql = format!(
            "SELECT org_id, status FROM filings WHERE kind = 'filing' AND org_id IN ({}) \
             ORDER BY id",
            placeholders(1, org_ids.len())
        );
        let query = query_with_ids(sql, org_ids);
        query
            .fetch_all(&self.pool)
            .await?
            .iter()
            .map(|row| Ok((row.try_get("org_id")?, row.try_get("status")?)))
            .collect()
    }

    /// Saves the draft if the filing is still editable (a concurrent submission wins).
    pub async fn save_draft(&self, id: i64, draft: &Value) -> Result<()> {
        let done = sqlx::query(
            "UPDATE filings SET draft = $1, updated_at = $2 WHERE id = $3 AND status IN ($4, $5)",
        )
        .bind(json_text(draft))
        .bind(crate::now())
        .bind(id)
        .bind(Status::Draft.as_str())
        .bind(Status::Returned.as_str())
        .execute(&self.pool)
        .await?;
        if done.rows_affected() == 0 {
            return Err(Error::BadRequest("the filing is no longer editable".into()));
        }
        Ok(())
    }

    /// Moves the filing from its current status to `to` in one transaction: freezes the draft
    /// as the next version when the event submits, records acceptance, logs the event. The
    /// status update is conditional on the status read, so of two concurrent moves one fails.
    pub async fn apply_transition(
        &self,
        filing: &Filing,
        event: Event,
        to: Status,
        comment: &str,
        user_id: i64,
    ) -> Result<()> {
        let now = crate::now();
        let mut tx = self.pool.begin().await?;
        let moved = sqlx::query(
            "UPDATE filings SET status = $1, updated_at = $2, \
             accepted_at = CASE WHEN $3 = 1 THEN $2 ELSE accepted_at END, \
             accepted_version = CASE WHEN $3 = 1 THEN \
               (SELECT COUNT(*) FROM filing_versions v WHERE v.filing_id = filings.id) \
               ELSE accepted_version END \
             WHERE id = $4 AND status = $5",
        )
        .bind(to.as_str())
        .bind(now)
        .bind(i64::from(event == Event::Accept))
        .bind(filing.id)
        .bind(filing.status.as_str())
        .execute(&mut *tx)
        .await?;
        if moved.rows_affected() == 0 {
            return Err(Error::BadRequest(
                "the filing changed meanwhile: reload it".into(),
            ));
        }
        if event.freezes() {
            sqlx::query(
                "INSERT INTO filing_versions (filing_id, version, content, submitted_by, \
                 submitted_at) SELECT f.id, (SELECT COALESCE(MAX(v.version), 0) + 1 \
                 FROM filing_versions v WHERE v.filing_id = f.id), f.draft, $2, $3 \
                 FROM filings f WHERE f.id = $1",
            )
            .bind(filing.id)
            .bind(user_id)
            .bind(now)
            .execute(&mut *tx)
            .await?;
        }
        sqlx::query(
            "INSERT INTO filing_events (filing_id, event, from_status, to_status, comment, \
             user_id, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7)",
        )
        .bind(filing.id)
        .bind(event.as_str())
        .bind(filing.status.as_str())
        .bind(to.as_str())
        .bind(comment.to_owned())
        .bind(user_id)
        .bind(now)
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(())
    }

    pub async fn filing_versions(&self, filing_id: i64) -> Result<Vec<FilingVersion>> {
        sqlx::query(
            "SELECT v.version, v.content, u.username, v.submitted_at FROM filing_versions v \
             JOIN users u ON u.id = v.submitted_by WHERE v.filing_id = $1 ORDER BY v.version",
        )
        .bind(filing_id)
        .fetch_all(&self.pool)
        .await?
        .iter()
        .map(|row| {
            Ok(FilingVersion {
                version: row.try_get("version")?,
                content: json_column(row, "content")?,
                submitted_by: row.try_get("username")?,
                submitted_at: row.try_get("submitted_at")?,
            })
        })
        .collect()
    }

    pub async fn filing_events(&self, filing_id: i64) -> Result<Vec<FilingEvent>> {
        sqlx::query(
            "SELECT e.event, e.from_status, e.to_status, e.comment, u.username, e.created_at \
             FROM filing_events e JOIN users u ON u.id = e.user_id WHERE e.filing_id = $1 \
             ORDER BY e.id",
        )
        .bind(filing_id)
        .fetch_all(&self.pool)
        .await?
        .iter()
        .map(|row| {
            Ok(FilingEvent {
                event: row.try_get("event")?,
                from_status: row.try_get("from_status")?,
                to_status: row.try_get("to_status")?,
                comment: row.try_get("comment")?,
                username: row.try_get("username")?,
                created_at: row.try_get("created_at")?,
            })
        })
        .collect()
    }

    /// The operator's reviewed columns at the important and core levels, with where they are
    /// held and their table's row estimate.
    pub async fn catalog_candidates(&self, org_id: i64) -> Result<Vec<CatalogEntry>> {
        sqlx::query(
            "SELECT c.id, c.name, c.entity, c.category, c.level, t.name AS table_name, \
             t.rows_scanned, s.name AS source_name, y.name AS system \
             FROM inventory_columns c JOIN inventory_tables t ON t.id = c.table_id \
             JOIN data_sources s ON s.id = t.source_id JOIN systems y ON y.id = s.system_id \
             WHERE c.org_id = $1 AND c.reviewed = 1 AND c.level IN ($2, $3) \
             ORDER BY y.name, s.name, t.name, c.position",
        )
        .bind(org_id)
        .bind(IMPORTANT)
        .bind(CORE)
        .fetch_all(&self.pool)
        .await?
        .iter()
        .map(|row| {
            let system: String = row.try_get("system")?;
            let source: String = row.try_get("source_name")?;
            Ok(CatalogEntry {
                column_id: row.try_get("id")?,
                location: format!("{system} / {source}"),
                system,
                source,
                table: row.try_get("table_name")?,
                column: row.try_get("name")?,
                entity: row
                    .try_get::<Option<String>, _>("entity")?
                    .unwrap_or_default(),
                category: row
                    .try_get::<Option<String>, _>("category")?
                    .unwrap_or_default(),
                level: row.try_get("level")?,
                volume: row.try_get("rows_scanned")?,
            })
        })
        .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn activity(name: &str, purpose: &str) -> Activity {
        Activity {
            name: name.into(),
            purpose: purpose.into(),
            ..Activity::default()
        }
    }

    fn entry(column: &str, level: &str) -> CatalogEntry {
        CatalogEntry {
            column_id: 1,
            system: "CRM".into(),
            source: "db".into(),
            table: "customers".into(),
            column: column.into(),
            entity: String::new(),
            category: "personal/identity".into(),
            level: level.into(),
            volume: 100,
            location: "CRM / db".into(),
        }
    }

    #[test]
    fn the_workflow_goes_round_and_only_the_right_party_moves_it() {
        use Event::*;
        use Party::*;
        let path = [
            (Submit, Officer, Status::Submitted),
            (StartReview, Regulator, Status::UnderReview),
            (Return, Regulator, Status::Returned),
            (Resubmit, Officer, Status::Resubmitted),
            (StartReview, Regulator, Status::UnderReview),
            (Accept, Regulator, Status::Accepted),
            (Amend, Officer, Status::Draft),
        ];
        let mut status = Status::Draft;
        for (event, party, expected) in path {
            let other = if party == Officer { Regulator } else { Officer };
            assert_eq!(
                WORKFLOW.fire(status, event, other),
                Err(Refusal::WrongParty),
                "{event:?} by {other:?} in {status:?}"
            );
            status = WORKFLOW.fire(status, event, party).unwrap();
            assert_eq!(status, expected);
        }
        assert_eq!(
            WORKFLOW.fire(Status::Draft, Accept, Regulator),
            Err(Refusal::NotNow)
        );
        assert_eq!(
            WORKFLOW.fire(Status::Submitted, Resubmit, Officer),
            Err(Refusal::NotNow)
        );
        assert!(Status::Draft.editable() && Status::Returned.editable());
        assert!(!Status::Submitted.editable() && !Status::Accepted.editable());
    }

    #[test]
    fn diff_names_added_removed_and_changed_items() {
        let old = FilingContent {
            activities: vec![activity("会员注册", "开户"), activity("营销", "推送")],
            important_catalog: vec![entry("id_no", IMPORTANT)],
            core_catalog: vec![],
        };
        let mut changed = activity("会员注册", "开户及实名核验");
        changed.retention = "3年".into();
        let new = FilingContent {
            activities: vec![changed, activity("风控", "反欺诈")],
            important_catalog: vec![],
            core_catalog: vec![entry("id_no", CORE)],
        };
        let changes = diff(&old.sections(), &new.sections());
        let summary: Vec<(&str, &str, &ChangeKind)> = changes
            .iter()
            .map(|c| (c.section, c.key.as_str(), &c.kind))
            .collect();
        assert_eq!(
            summary,
            vec![
                ("activities", "会员注册", &ChangeKind::Changed),
                ("activities", "风控", &ChangeKind::Added),
                ("activities", "营销", &ChangeKind::Removed),
                (
                    "important_catalog",
                    "CRM / db / customers.id_no",
                    &ChangeKind::Removed
                ),
                (
                    "core_catalog",
                    "CRM / db / customers.id_no",
                    &ChangeKind::Added
                ),
            ]
        );
        assert_eq!(
            changes[0].fields,
            vec![
                FieldChange {
                    field: "purpose".into(),
                    old: "开户".into(),
                    new: "开户及实名核验".into()
                },
                FieldChange {
                    field: "retention".into(),
                    old: String::new(),
                    new: "3年".into()
                },
            ]
        );
        assert!(diff(&new.sections(), &new.sections()).is_empty());
    }
}
