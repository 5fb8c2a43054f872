//! Incidents (数据安全事件) on the platform: an operator reports one, Shu'an grades it with
//! `shuan-incident`'s rules and starts its reporting clocks; the operator records what
//! follows (notes, 补报, notification of affected people, the end of handling, the close-out
//! report); the regulator supervises its jurisdiction's incidents and records the forward to
//! the national level. A background tick marks every missed deadline escalated, once.
//!
//! Like `service.rs`, every function authorises through [`authorize`] and appends what
//! happened to the audit trail. Incident times come from `state.clock`, so tests drive the
//! deadlines with a `TestClock`; the state that matters lives in the database, so the
//! clocks and the escalations survive a restart.

pub mod store;

use std::path::Path;
use std::time::Duration;

use chrono::{DateTime, FixedOffset, NaiveDateTime, TimeZone as _};
use serde::Serialize;
use shuan_incident::{Agenda, Grade, Incident, OperatorKind, Progress, ReportKind, Rules};

use crate::AppState;
use crate::audit::AuditEntry;
use crate::auth::{Action, Actor, OrgKind, authorize};
use crate::error::{Error, Result};
use crate::notify::{Recipients, notify};
use crate::service::visible_org_ids;
use store::{IncidentRecord, Milestone, OverdueMark, TimelineEntry};

/// Longest title.
const MAX_TITLE: usize = 200;
/// Longest description, data kinds or timeline entry.
const MAX_TEXT: usize = 4000;
/// Longest close-out report.
const MAX_REPORT: usize = 20_000;
/// Largest count of people or yuan accepted (beyond any real incident, within BIGINT).
const MAX_COUNT: u64 = 1_000_000_000_000_000;
/// Longest outage accepted, in hours (ten years).
const MAX_OUTAGE_HOURS: f64 = 87_600.0;
/// Most incidents a list returns.
const LIST_LIMIT: i64 = 1000;
/// How often the deadline tick looks; a deadline is marked escalated at most this late.
const TICK: Duration = Duration::from_secs(30);
/// A discovery time may be this far ahead of the server's clock (clock skew), no further.
const FUTURE_TOLERANCE_SECONDS: i64 = 300;

/// The built-in rules, or the user's file named in the configuration.
pub fn load_rules(path: Option<&Path>) -> Result<Rules> {
    let Some(path) = path else {
        return Ok(Rules::builtin());
    };
    let text = std::fs::read_to_string(path).map_err(|e| {
        Error::Config(format!(
            "cannot read incident rules {}: {e}",
            path.display()
        ))
    })?;
    Rules::from_yaml(&path.display().to_string(), &text)
        .map_err(|e| Error::Config(format!("incident rules: {e}")))
}

/// What an operator reports. Times are RFC 3339 or `YYYY-MM-DDTHH:MM` in Beijing time.
pub struct NewIncident<'a> {
    pub title: &'a str,
    pub description: &'a str,
    pub data_kinds: &'a str,
    pub operator_kind: &'a str,
    /// When it happened; the discovery time when empty.
    pub occurred_at: &'a str,
    /// When the operator discovered or learnt of it: the clocks start here.
    pub discovered_at: &'a str,
    pub people_pi: u64,
    pub people_sensitive_pi: u64,
    pub important_data: bool,
    pub core_data: bool,
    pub loss_yuan: u64,
    pub outage_hours: f64,
}

/// What a reported incident got: its id, grade and reasons, and its deadlines.
#[derive(Debug, Serialize)]
pub struct Reported {
    pub id: i64,
    pub grade: Grade,
    pub reasons: Vec<shuan_incident::Reason>,
    pub agenda: Agenda,
}

/// Timeline entries users add, and who may add each.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum EntryKind {
    /// A progress note (either side).
    Note,
    /// 补报: what the first report could not say yet (CAC 第七条).
    Supplement,
    /// Affected people were notified (PIPL 第五十七条, 条例 第十一条).
    Notification,
    /// The regulator forwarded the report to the national level (CAC 第四条).
    Escalation,
    /// Handling ended (处置工作结束): starts the close-out clock.
    Resolved,
    /// The close-out report (事件处置总结报告, CAC 第八条).
    CloseOut,
}

impl EntryKind {
    pub const ALL: [EntryKind; 6] = [
        EntryKind::Note,
        EntryKind::Supplement,
        EntryKind::Notification,
        EntryKind::Escalation,
        EntryKind::Resolved,
        EntryKind::CloseOut,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            EntryKind::Note => "note",
            EntryKind::Supplement => "supplement",
            EntryKind::Notification => "notification",
            EntryKind::Escalation => "escalation",
            EntryKind::Resolved => "resolved",
            EntryKind::CloseOut => "close_out",
        }
    }

    pub fn parse(text: &str) -> Result<EntryKind> {
        EntryKind::ALL
            .into_iter()
            .find(|k| k.as_str() == text)
            .ok_or_else(|| Error::BadRequest(format!("unknown timeline entry kind {text:?}")))
    }

    /// Whether `actor` may add this kind of entry to an incident of `org`.
    fn allowed(self, actor: &Actor, org: &crate::auth::OrgRef) -> bool {
        let reports = authorize(actor, Action::ReportIncident, org);
        let supervises = authorize(actor, Action::SuperviseIncidents, org);
        match self {
            EntryKind::Note => reports || supervises,
            EntryKind::Escalation => supervises,
            _ => reports,
        }
    }
}

/// A Beijing-time instant from a form or the API: RFC 3339, or a wall time without offset.
pub fn parse_time(field: &str, text: &str) -> Result<DateTime<FixedOffset>> {
    let text = text.trim();
    if let Ok(at) = DateTime::parse_from_rfc3339(text) {
        return Ok(at.with_timezone(&shuan_incident::shanghai()));
    }
    [
        "%Y-%m-%dT%H:%M",
        "%Y-%m-%dT%H:%M:%S",
        "%Y-%m-%d %H:%M",
        "%Y-%m-%d %H:%M:%S",
    ]
    .iter()
    .find_map(|format| NaiveDateTime::parse_from_str(text, format).ok())
    .and_then(|wall| {
        shuan_incident::shanghai()
            .from_local_datetime(&wall)
            .single()
    })
    .ok_or_else(|| {
        Error::BadRequest(format!(
            "{field} must be a time such as 2026-03-01T09:30 (Beijing time) or RFC 3339"
        ))
    })
}

fn text(field: &str, value: &str, max: usize, required: bool) -> Result<String> {
    let value = value.trim();
    if value.chars().count() > max {
        return Err(Error::BadRequest(format!(
            "{field} is longer than {max} characters"
        )));
    }
    if required && value.is_empty() {
        return Err(Error::BadRequest(format!("{field} is required")));
    }
    Ok(value.to_owned())
}

fn count(field: &str, value: u64) -> Result<u64> {
    if value > MAX_COUNT {
        return Err(Error::BadRequest(format!("{field} is implausibly large")));
    }
    Ok(value)
}

fn seconds(at: DateTime<FixedOffset>) -> i64 {
    at.timestamp()
}

fn instant(seconds: i64) -> DateTime<FixedOffset> {
    DateTime::from_timestamp(seconds, 0)
        .unwrap_or_default()
        .with_timezone(&shuan_incident::shanghai())
}

/// Checks, grades and stores a report from the actor's operator; the report itself is the
/// initial report to the regulator, made now.
pub async fn report(state: &AppState, actor: &Actor, new: NewIncident<'_>) -> Result<Reported> {
    if actor.org.kind != OrgKind::Operator || !authorize(actor, Action::ReportIncident, &actor.org)
    {
        return Err(Error::Forbidden);
    }
    let now = state.clock.now();
    let operator_kind = OperatorKind::parse(new.operator_kind.trim())
        .ok_or_else(|| Error::BadRequest("operator_kind is cii, central_organ or other".into()))?;
    let discovered_at = parse_time("discovered_at", new.discovered_at)?;
    let occurred_at = if new.occurred_at.trim().is_empty() {
        discovered_at
    } else {
        parse_time("occurred_at", new.occurred_at)?
    };
    if seconds(discovered_at) > seconds(now) + FUTURE_TOLERANCE_SECONDS {
        return Err(Error::BadRequest("discovered_at is in the future".into()));
    }
    if occurred_at > discovered_at {
        return Err(Error::BadRequest(
            "occurred_at is after discovered_at".into(),
        ));
    }
    if !(new.outage_hours.is_finite() && (0.0..=MAX_OUTAGE_HOURS).contains(&new.outage_hours)) {
        return Err(Error::BadRequest(format!(
            "outage_hours is a number of hours from 0 to {MAX_OUTAGE_HOURS}"
        )));
    }
    let facts = Incident {
        people_pi: count("people_pi", new.people_pi)?,
        people_sensitive_pi: count("people_sensitive_pi", new.people_sensitive_pi)?,
        important_data: new.important_data,
        core_data: new.core_data,
        loss_yuan: count("loss_yuan", new.loss_yuan)?,
        outage_hours: new.outage_hours,
        operator_kind,
    };
    let grading = shuan_incident::grade(&state.incident_rules, &facts);
    let title = text("title", new.title, MAX_TITLE, true)?;
    let record = store::NewIncident {
        org_id: actor.org.id,
        title: title.clone(),
        description: text("description", new.description, MAX_TEXT, false)?,
        data_kinds: text("data_kinds", new.data_kinds, MAX_TEXT, false)?,
        facts,
        grade: grading.grade,
        grade_reasons: serde_json::to_string(&grading.reasons).expect("reasons serialise"),
        occurred_at: seconds(occurred_at),
        discovered_at: seconds(discovered_at),
        reported_at: seconds(now),
        created_by: actor.user_id,
    };
    let id = store::insert(&state.repo.pool, &record).await?;
    state
        .audit
        .record(AuditEntry::by(
            actor,
            actor.org.id,
            "incident_report",
            format!("incident:{id}"),
            format!("{} {title}", grading.grade.as_str()),
        ))
        .await?;
    // Submitting is the initial report: the regulator hears of it at once.
    notify(
        state,
        &Recipients::Orgs {
            orgs: actor.org.regulator_id.into_iter().collect(),
            may: Action::ViewIncidents,
        },
        "incident",
        &format!(
            "数据安全事件 / Incident ({}): {title}",
            grading.grade.as_str()
        ),
        &format!("{} · {title}", grading.grade.as_str()),
        &format!("/incidents/{id}"),
    )
    .await?;
    let stored = store::get(&state.repo.pool, id).await?;
    Ok(Reported {
        id,
        grade: grading.grade,
        reasons: grading.reasons,
        agenda: agenda(state, &stored, now),
    })
}

/// The deadlines of a stored incident at `now`.
pub fn agenda(state: &AppState, incident: &IncidentRecord, now: DateTime<FixedOffset>) -> Agenda {
    let progress = Progress {
        discovered_at: Some(instant(incident.discovered_at)),
        initial_reported_at: Some(instant(incident.initial_reported_at)),
        escalated_at: incident.escalated_at.map(instant),
        resolved_at: incident.resolved_at.map(instant),
        closed_out_at: incident.closed_out_at.map(instant),
    };
    shuan_incident::agenda(
        &state.incident_rules,
        incident.grade,
        incident.facts.operator_kind,
        &progress,
        now,
    )
}

/// An incident in a list: the record and its deadlines now.
#[derive(Debug, Serialize)]
pub struct Summary {
    #[serde(flatten)]
    pub incident: IncidentRecord,
    pub agenda: Agenda,
    pub overdue: bool,
}

/// The incidents of the organisations whose incidents `actor` may see, newest first.
pub async fn list(state: &AppState, actor: &Actor) -> Result<Vec<Summary>> {
    let orgs = visible_org_ids(state, actor, Action::ViewIncidents).await?;
    let now = state.clock.now();
    Ok(store::list(&state.repo.pool, &orgs, LIST_LIMIT)
        .await?
        .into_iter()
        .map(|incident| {
            let agenda = agenda(state, &incident, now);
            let overdue = agenda.overdue().next().is_some();
            Summary {
                incident,
                agenda,
                overdue,
            }
        })
        .collect())
}

/// One incident with everything a page shows, and what the actor may do to it.
#[derive(Debug, Serialize)]
pub struct Detail {
    pub incident: IncidentRecord,
    pub agenda: Agenda,
    pub timeline: Vec<TimelineEntry>,
    pub escalations: Vec<OverdueMark>,
    /// Entry kinds the actor may add now.
    pub may_add: Vec<&'static str>,
}

/// The incident if `actor` may see it; a missing one and another tenant's both answer 404.
async fn visible(
    state: &AppState,
    actor: &Actor,
    id: i64,
) -> Result<(IncidentRecord, crate::auth::OrgRef)> {
    let incident = store::get(&state.repo.pool, id).await?;
    let org = state.repo.organisation(incident.org_id).await?.as_ref();
    if !authorize(actor, Action::ViewIncidents, &org) {
        return Err(Error::NotFound);
    }
    Ok((incident, org))
}

pub async fn detail(state: &AppState, actor: &Actor, id: i64) -> Result<Detail> {
    let (incident, org) = visible(state, actor, id).await?;
    let pool = &state.repo.pool;
    let may_add = EntryKind::ALL
        .into_iter()
        .filter(|kind| kind.allowed(actor, &org) && next_step_fits(*kind, &incident))
        .map(EntryKind::as_str)
        .collect();
    Ok(Detail {
        agenda: agenda(state, &incident, state.clock.now()),
        timeline: store::timeline(pool, id).await?,
        escalations: store::overdue_marks(pool, id).await?,
        may_add,
        incident,
    })
}

/// Whether a milestone entry fits where the incident is (others always do).
fn next_step_fits(kind: EntryKind, incident: &IncidentRecord) -> bool {
    use store::Status;
    match kind {
        EntryKind::Escalation => incident.escalated_at.is_none(),
        EntryKind::Resolved => incident.status == Status::Open,
        EntryKind::CloseOut => incident.status == Status::Resolved,
        _ => true,
    }
}

/// Adds a timeline entry; milestones also record their instant on the incident. Only the
/// operator's users add operator entries, only its regulator's staff record the forward.
pub async fn add_entry(
    state: &AppState,
    actor: &Actor,
    id: i64,
    kind: &str,
    body: &str,
) -> Result<()> {
    let (incident, org) = visible(state, actor, id).await?;
    let kind = EntryKind::parse(kind.trim())?;
    if !kind.allowed(actor, &org) {
        return Err(Error::Forbidden);
    }
    let (body, milestone) = match kind {
        EntryKind::CloseOut => {
            let report = text("report", body, MAX_REPORT, true)?;
            (report.clone(), Some(Milestone::ClosedOut { report }))
        }
        EntryKind::Escalation => (
            text("body", body, MAX_TEXT, false)?,
            Some(Milestone::Escalated),
        ),
        EntryKind::Resolved => (
            text("body", body, MAX_TEXT, false)?,
            Some(Milestone::Resolved),
        ),
        _ => (text("body", body, MAX_TEXT, true)?, None),
    };
    let at = seconds(state.clock.now());
    store::add_entry(
        &state.repo.pool,
        id,
        kind.as_str(),
        &body,
        Some(actor.user_id),
        at,
        milestone,
    )
    .await?;
    state
        .audit
        .record(AuditEntry::by(
            actor,
            incident.org_id,
            &format!("incident_{}", kind.as_str()),
            format!("incident:{id}"),
            body.chars().take(200).collect(),
        ))
        .await
}

/// One pass of the deadline tick: every missed deadline of every incident not yet closed is
/// marked escalated (once, in the database), written to the incident's timeline and audited.
/// Returns how many were escalated by this pass.
pub async fn escalate_overdue(state: &AppState) -> Result<usize> {
    let pool = &state.repo.pool;
    let now = state.clock.now();
    let mut escalated = 0;
    let already = store::escalated_keys(pool).await?;
    for incident in store::unclosed(pool).await? {
        for deadline in agenda(state, &incident, now).to_escalate() {
            let kind = deadline.kind.as_str();
            if already.contains(&(incident.id, kind.to_owned())) {
                continue;
            }
            let (zh, en) = report_names(deadline.kind);
            let due = deadline.due_at.format("%Y-%m-%d %H:%M");
            let body = format!("{zh}已超时（截止 {due}）/ {en} overdue since {due}");
            let due_at = seconds(deadline.due_at);
            if !store::escalate(pool, incident.id, kind, due_at, &body, seconds(now)).await? {
                continue;
            }
            state
                .audit
                .record(AuditEntry {
                    at: crate::now(),
                    actor: "system".into(),
                    actor_id: None,
                    org_id: Some(incident.org_id),
                    action: "incident_overdue".into(),
                    target: format!("incident:{}", incident.id),
                    detail: body.clone(),
                })
                .await?;
            // Both sides are told: the operator owes the report, the regulator watches it.
            let regulator = state.repo.organisation(incident.org_id).await?.regulator_id;
            notify(
                state,
                &Recipients::Orgs {
                    orgs: std::iter::once(incident.org_id).chain(regulator).collect(),
                    may: Action::ViewIncidents,
                },
                "incident_overdue",
                &format!("事件报告超时 / Incident report overdue: {}", incident.title),
                &body,
                &format!("/incidents/{}", incident.id),
            )
            .await?;
            escalated += 1;
        }
    }
    Ok(escalated)
}

/// A report's name in Chinese and English, for the timeline entries the tick writes (kept
/// as text, so both languages are stored).
fn report_names(kind: ReportKind) -> (&'static str, &'static str) {
    match kind {
        ReportKind::Initial => ("首次报告", "initial report"),
        ReportKind::Escalation => ("逐级上报国家网信部门", "forward to the national level"),
        ReportKind::CloseOut => ("事件处置总结报告", "close-out report"),
    }
}

/// Two incidents for `shuan demo`: a 重大 one at operator A (a CII operator, reported inside
/// its hour; the forward to the national level falls due 30 minutes after seeding) and a 较大
/// one at operator B reported after its 4-hour deadline.
pub async fn seed_demo(state: &AppState, officer_a: i64, officer_b: i64) -> Result<()> {
    let now = state.clock.now();
    let demo = [
        (
            officer_a,
            "会员系统接口越权导致客户信息泄露",
            "姓名、手机号、身份证号、收货地址",
            "cii",
            50,
            2_300_000,
            1_200_000,
            3_000_000,
            "已下线存在越权的接口，正在排查访问日志",
        ),
        (
            officer_b,
            "办件库备份文件被公开访问",
            "姓名、身份证号、办件材料",
            "other",
            6 * 60,
            150_000,
            150_000,
            0,
            "已删除公开链接，正在核查下载记录",
        ),
    ];
    for (user, title, data_kinds, kind, minutes_ago, pi, spi, loss, note) in demo {
        let actor = crate::service::actor(state, user).await?;
        let discovered_at = (now - chrono::Duration::minutes(minutes_ago)).to_rfc3339();
        let reported = report(
            state,
            &actor,
            NewIncident {
                title,
                description: "",
                data_kinds,
                operator_kind: kind,
                occurred_at: "",
                discovered_at: &discovered_at,
                people_pi: pi,
                people_sensitive_pi: spi,
                important_data: false,
                core_data: false,
                loss_yuan: loss,
                outage_hours: 0.0,
            },
        )
        .await?;
        add_entry(state, &actor, reported.id, EntryKind::Note.as_str(), note).await?;
    }
    Ok(())
}

/// Runs [`escalate_overdue`] every [`TICK`] on the current runtime. It keeps no state of its
/// own: after a restart the first pass catches up on whatever fell due meanwhile.
pub fn spawn_deadline_tick(state: &AppState) {
    let state = state.clone();
    tokio::spawn(async move {
        loop {
            if let Err(error) = escalate_overdue(&state).await {
                eprintln!("shuan-server: incident deadline tick: {error}");
            }
            tokio::time::sleep(TICK).await;
        }
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_bad_rules_file_stops_the_server_naming_its_line() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("incidents.yaml");
        std::fs::write(
            &path,
            "sources: {}\nrules:\n  - id: x\n    grade: enormous\n",
        )
        .unwrap();
        let message = load_rules(Some(&path)).unwrap_err().to_string();
        assert!(
            message.contains("incidents.yaml:4: ") && message.contains("enormous"),
            "{message}"
        );
        assert!(load_rules(Some(&dir.path().join("missing.yaml"))).is_err());
        assert_eq!(load_rules(None).unwrap(), Rules::builtin());
    }

    #[test]
    fn wall_times_are_beijing_time() {
        let at = parse_time("t", "2026-03-01T09:30").unwrap();
        assert_eq!(at.to_rfc3339(), "2026-03-01T09:30:00+08:00");
        let utc = parse_time("t", "2026-03-01T01:30:00Z").unwrap();
        assert_eq!(utc, at);
        assert!(parse_time("t", "tomorrow").is_err());
    }
}
