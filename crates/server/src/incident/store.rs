//! Every SQL statement about incidents, portable between SQLite and PostgreSQL like
//! `repo.rs`: `$N` parameters, Unix seconds, 0/1 flags. Callers pass the organisations
//! authorisation admitted; queries never widen that set.

use std::collections::HashSet;

use serde::Serialize;
use sqlx::any::AnyRow;
use sqlx::{AnyPool, Row};

use shuan_incident::{Grade, Incident, OperatorKind};

use crate::error::{Error, Result};
use crate::repo::{placeholders, query_with_ids, row_by_id};

/// The kind of the timeline entries the deadline tick writes.
pub const OVERDUE_ENTRY: &str = "overdue";

/// An incident as stored.
#[derive(Clone, Debug, Serialize)]
pub struct IncidentRecord {
    pub id: i64,
    pub org_id: i64,
    pub org_name: String,
    pub title: String,
    pub description: String,
    pub data_kinds: String,
    #[serde(flatten)]
    pub facts: Incident,
    pub grade: Grade,
    /// The grader's reasons when the incident was graded.
    pub grade_reasons: serde_json::Value,
    pub occurred_at: i64,
    pub discovered_at: i64,
    pub initial_reported_at: i64,
    pub escalated_at: Option<i64>,
    pub resolved_at: Option<i64>,
    pub closed_out_at: Option<i64>,
    pub close_out_report: Option<String>,
    pub status: Status,
    pub created_by: i64,
}

/// Where an incident is in its life.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    /// Reported, being handled.
    Open,
    /// Handling ended (处置结束); the close-out report is due.
    Resolved,
    /// The close-out report is filed.
    Closed,
}

impl Status {
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Open => "open",
            Status::Resolved => "resolved",
            Status::Closed => "closed",
        }
    }

    fn parse(text: &str) -> Result<Status> {
        [Status::Open, Status::Resolved, Status::Closed]
            .into_iter()
            .find(|s| s.as_str() == text)
            .ok_or_else(|| Error::Config(format!("unknown incident status {text:?}")))
    }
}

const INCIDENT_COLUMNS: &str = "i.id, i.org_id, o.name AS org_name, i.title, i.description, \
     i.data_kinds, i.operator_kind, i.people_pi, i.people_sensitive_pi, i.important_data, \
     i.core_data, i.loss_yuan, i.outage_hours, i.grade, i.grade_reasons, i.occurred_at, \
     i.discovered_at, i.initial_reported_at, i.escalated_at, i.resolved_at, i.closed_out_at, \
     i.close_out_report, i.status, i.created_by";

impl IncidentRecord {
    fn from_row(row: &AnyRow) -> Result<Self> {
        let text = |column: &str| -> Result<String> { Ok(row.try_get(column)?) };
        let count = |column: &str| -> Result<u64> {
            Ok(u64::try_from(row.try_get::<i64, _>(column)?).unwrap_or(0))
        };
        let operator_kind = text("operator_kind")?;
        let grade = text("grade")?;
        Ok(IncidentRecord {
            id: row.try_get("id")?,
            org_id: row.try_get("org_id")?,
            org_name: text("org_name")?,
            title: text("title")?,
            description: text("description")?,
            data_kinds: text("data_kinds")?,
            facts: Incident {
                people_pi: count("people_pi")?,
                people_sensitive_pi: count("people_sensitive_pi")?,
                important_data: count("important_data")? != 0,
                core_data: count("core_data")? != 0,
                loss_yuan: count("loss_yuan")?,
                outage_hours: row.try_get("outage_hours")?,
                operator_kind: OperatorKind::parse(&operator_kind).ok_or_else(|| {
                    Error::Config(format!("unknown operator kind {operator_kind:?}"))
                })?,
            },
            grade: Grade::parse(&grade)
                .ok_or_else(|| Error::Config(format!("unknown incident grade {grade:?}")))?,
            grade_reasons: serde_json::from_str(&text("grade_reasons")?)
                .unwrap_or(serde_json::Value::Null),
            occurred_at: row.try_get("occurred_at")?,
            discovered_at: row.try_get("discovered_at")?,
            initial_reported_at: row.try_get("initial_reported_at")?,
            escalated_at: row.try_get("escalated_at")?,
            resolved_at: row.try_get("resolved_at")?,
            closed_out_at: row.try_get("closed_out_at")?,
            close_out_report: row.try_get("close_out_report")?,
            status: Status::parse(&text("status")?)?,
            created_by: row.try_get("created_by")?,
        })
    }
}

/// A new incident, already validated and graded.
pub struct NewIncident {
    pub org_id: i64,
    pub title: String,
    pub description: String,
    pub data_kinds: String,
    pub facts: Incident,
    pub grade: Grade,
    pub grade_reasons: String,
    pub occurred_at: i64,
    pub discovered_at: i64,
    pub reported_at: i64,
    pub created_by: i64,
}

#[derive(Clone, Debug, Serialize)]
pub struct TimelineEntry {
    pub id: i64,
    pub kind: String,
    pub body: String,
    /// None for entries the deadline tick wrote.
    pub user_id: Option<i64>,
    pub user_name: Option<String>,
    pub created_at: i64,
}

/// A missed deadline the tick escalated.
#[derive(Clone, Debug, Serialize)]
pub struct OverdueMark {
    pub report_kind: String,
    pub due_at: i64,
    pub escalated_at: i64,
}

/// The instant an entry of some kinds also records on the incident, with the status it moves
/// the incident to; refused when already recorded.
pub enum Milestone {
    Escalated,
    Resolved,
    ClosedOut { report: String },
}

/// SQLite stores a bound `u64` only up to `i64::MAX`; counts beyond it are refused earlier.
fn signed(count: u64) -> i64 {
    i64::try_from(count).unwrap_or(i64::MAX)
}

pub async fn insert(pool: &AnyPool, new: &NewIncident) -> Result<i64> {
    let row = sqlx::query(
        "INSERT INTO incidents (org_id, title, description, data_kinds, operator_kind, people_pi, \
         people_sensitive_pi, important_data, core_data, loss_yuan, outage_hours, grade, \
         grade_reasons, occurred_at, discovered_at, initial_reported_at, status, created_by, \
         created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, \
         $16, 'open', $17, $18) RETURNING id",
    )
    .bind(new.org_id)
    .bind(&new.title)
    .bind(&new.description)
    .bind(&new.data_kinds)
    .bind(new.facts.operator_kind.as_str())
    .bind(signed(new.facts.people_pi))
    .bind(signed(new.facts.people_sensitive_pi))
    .bind(i64::from(new.facts.important_data))
    .bind(i64::from(new.facts.core_data))
    .bind(signed(new.facts.loss_yuan))
    .bind(new.facts.outage_hours)
    .bind(new.grade.as_str())
    .bind(&new.grade_reasons)
    .bind(new.occurred_at)
    .bind(new.discovered_at)
    .bind(new.reported_at)
    .bind(new.created_by)
    .bind(new.reported_at)
    .fetch_one(pool)
    .await?;
    Ok(row.try_get(0)?)
}

pub async fn get(pool: &AnyPool, id: i64) -> Result<IncidentRecord> {
    let sql = format!(
        "SELECT {INCIDENT_COLUMNS} FROM incidents i JOIN organisations o ON o.id = i.org_id \
         WHERE i.id = $1"
    );
    let row = row_by_id(pool, sql, id).await?;
    IncidentRecord::from_row(&row)
}

/// Incidents of `org_ids`, newest first.
pub async fn list(pool: &AnyPool, org_ids: &[i64], limit: i64) -> Result<Vec<IncidentRecord>> {
    if org_ids.is_empty() {
        return Ok(Vec::new());
    }
    let sql = format!(
        "SELECT {INCIDENT_COLUMNS} FROM incidents i JOIN organisations o ON o.id = i.org_id \
         WHERE i.org_id IN ({}) ORDER BY i.id DESC LIMIT ${}",
        placeholders(1, org_ids.len()),
        org_ids.len() + 1
    );
    let query = query_with_ids(sql, org_ids);
    query
        .bind(limit)
        .fetch_all(pool)
        .await?
        .iter()
        .map(IncidentRecord::from_row)
        .collect()
}

/// Every incident whose close-out report is not filed yet: the deadline tick's work.
pub async fn unclosed(pool: &AnyPool) -> Result<Vec<IncidentRecord>> {
    let sql = format!(
        "SELECT {INCIDENT_COLUMNS} FROM incidents i JOIN organisations o ON o.id = i.org_id \
         WHERE i.status <> 'closed' ORDER BY i.id"
    );
    sqlx::query(sqlx::AssertSqlSafe(sql))
        .fetch_all(pool)
        .await?
        .iter()
        .map(IncidentRecord::from_row)
        .collect()
}

pub async fn timeline(pool: &AnyPool, incident_id: i64) -> Result<Vec<TimelineEntry>> {
    let rows = sqlx::query(
        "SELECT t.id, t.kind, t.body, t.user_id, u.display_name AS user_name, t.created_at \
         FROM incident_timeline t LEFT JOIN users u ON u.id = t.user_id \
         WHERE t.incident_id = $1 ORDER BY t.id",
    )
    .bind(incident_id)
    .fetch_all(pool)
    .await?;
    rows.iter()
        .map(|row| {
            Ok(TimelineEntry {
                id: row.try_get("id")?,
                kind: row.try_get("kind")?,
                body: row.try_get("body")?,
                user_id: row.try_get("user_id")?,
                user_name: row.try_get("user_name")?,
                created_at: row.try_get("created_at")?,
            })
        })
        .collect()
}

/// Appends an entry and, for a milestone, records its instant on the incident, in one
/// transaction; a milestone already recorded is refused and nothing is written.
pub async fn add_entry(
    pool: &AnyPool,
    incident_id: i64,
    kind: &str,
    body: &str,
    user_id: Option<i64>,
    at: i64,
    milestone: Option<Milestone>,
) -> Result<()> {
    let mut tx = pool.begin().await?;
    if let Some(milestone) = milestone {
        let (sql, report) = match milestone {
            Milestone::Escalated => (
                "UPDATE incidents SET escalated_at = $1 WHERE id = $2 AND escalated_at IS NULL",
                None,
            ),
            Milestone::Resolved => (
                "UPDATE incidents SET resolved_at = $1, status = 'resolved' \
                 WHERE id = $2 AND status = 'open'",
                None,
            ),
            Milestone::ClosedOut { report } => (
                "UPDATE incidents SET closed_out_at = $1, status = 'closed', \
                 close_out_report = $3 WHERE id = $2 AND status = 'resolved'",
                Some(report),
            ),
        };
        let mut update = sqlx::query(sql).bind(at).bind(incident_id);
        if let Some(report) = report {
            update = update.bind(report);
        }
        if update.execute(&mut *tx).await?.rows_affected() != 1 {
            return Err(Error::BadRequest(
                "this step is already recorded, or the incident is not at that stage".into(),
            ));
        }
    }
    sqlx::query(
        "INSERT INTO incident_timeline (incident_id, kind, body, user_id, created_at) \
         VALUES ($1, $2, $3, $4, $5)",
    )
    .bind(incident_id)
    .bind(kind)
    .bind(body)
    .bind(user_id)
    .bind(at)
    .execute(&mut *tx)
    .await?;
    tx.commit().await?;
    Ok(())
}

/// The (incident, report) pairs already escalated, for the incidents not yet closed: the
/// tick skips them without writing, so a pass over long-overdue incidents stays read-only.
pub async fn escalated_keys(pool: &AnyPool) -> Result<HashSet<(i64, String)>> {
    let rows = sqlx::query(
        "SELECT m.incident_id, m.report_kind FROM incident_overdue m \
         JOIN incidents i ON i.id = m.incident_id WHERE i.status <> 'closed'",
    )
    .fetch_all(pool)
    .await?;
    rows.iter()
        .map(|row| Ok((row.try_get(0)?, row.try_get(1)?)))
        .collect()
}

/// Marks a missed deadline escalated and writes `body` to the timeline as the system, in one
/// transaction and once (also against another server doing the same): true when this call
/// made the mark.
pub async fn escalate(
    pool: &AnyPool,
    incident_id: i64,
    report_kind: &str,
    due_at: i64,
    body: &str,
    at: i64,
) -> Result<bool> {
    let mut tx = pool.begin().await?;
    let marked = sqlx::query(
        "INSERT INTO incident_overdue (incident_id, report_kind, due_at, escalated_at) \
         VALUES ($1, $2, $3, $4) ON CONFLICT DO NOTHING",
    )
    .bind(incident_id)
    .bind(report_kind)
    .bind(due_at)
    .bind(at)
    .execute(&mut *tx)
    .await?;
    if marked.rows_affected() != 1 {
        return Ok(false);
    }
    sqlx::query(
        "INSERT INTO incident_timeline (incident_id, kind, body, user_id, created_at) \
         VALUES ($1, $2, $3, NULL, $4)",
    )
    .bind(incident_id)
    .bind(OVERDUE_ENTRY)
    .bind(body)
    .bind(at)
    .execute(&mut *tx)
    .await?;
    tx.commit().await?;
    Ok(true)
}

pub async fn overdue_marks(pool: &AnyPool, incident_id: i64) -> Result<Vec<OverdueMark>> {
    let rows = sqlx::query(
        "SELECT report_kind, due_at, escalated_at FROM incident_overdue \
         WHERE incident_id = $1 ORDER BY due_at",
    )
    .bind(incident_id)
    .fetch_all(pool)
    .await?;
    rows.iter()
        .map(|row| {
            Ok(OverdueMark {
                report_kind: row.try_get("report_kind")?,
                due_at: row.try_get("due_at")?,
                escalated_at: row.try_get("escalated_at")?,
            })
        })
        .collect()
}
