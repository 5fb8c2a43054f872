//! Emergency plans and drills (应急预案、演练): an operator keeps its plans on file (uploaded
//! documents) and schedules drills with a scenario, a date and participants, then records
//! what happened, an evaluation and follow-up actions with owners and due dates. Its
//! regulator reads all of it.

use std::path::Path;

use serde::Serialize;
use sqlx::Row;

use crate::AppState;
use crate::audit::AuditEntry;
use crate::auth::{Action, Actor, require};
use crate::error::{Error, Result};
use crate::service::{audit, required, visible_org_ids, within};

/// Longest drill record and evaluation.
const MAX_RECORD: usize = 20_000;

#[derive(Clone, Debug, Serialize)]
pub struct Plan {
    pub id: i64,
    pub org_id: i64,
    pub title: String,
    pub file_name: String,
    pub bytes: i64,
    pub uploaded_at: i64,
    #[serde(skip)]
    pub location: String,
}

#[derive(Clone, Debug, Serialize)]
pub struct DrillAction {
    pub id: i64,
    pub action: String,
    pub owner: String,
    pub due_on: String,
    pub done_at: Option<i64>,
}

#[derive(Clone, Debug, Serialize)]
pub struct Drill {
    pub id: i64,
    pub org_id: i64,
    pub scenario: String,
    pub scheduled_on: String,
    pub participants: String,
    pub record: String,
    pub evaluation: String,
    pub actions: Vec<DrillAction>,
}

/// A `YYYY-MM-DD` date (the form's date input), checked for shape and range.
fn date(field: &str, text: &str) -> Result<String> {
    let text = text.trim();
    let parts: Vec<&str> = text.split('-').collect();
    let valid = parts.len() == 3
        && parts[0].len() == 4
        && parts[1].len() == 2
        && parts[2].len() == 2
        && parts.iter().all(|p| p.bytes().all(|b| b.is_ascii_digit()))
        && (1..=12).contains(&parts[1].parse::<u32>().unwrap_or(0))
        && (1..=31).contains(&parts[2].parse::<u32>().unwrap_or(0));
    if valid {
        Ok(text.to_owned())
    } else {
        Err(Error::BadRequest(format!(
            "{field} must be a date YYYY-MM-DD"
        )))
    }
}

/// Checks, before an upload is read, that the actor may file plans for its organisation.
pub fn may_file_plan(actor: &Actor) -> Result<i64> {
    require(actor, Action::RespondSupervision, &actor.org)?;
    Ok(actor.org.id)
}

pub async fn add_plan(
    state: &AppState,
    actor: &Actor,
    title: &str,
    location: &Path,
    bytes: u64,
) -> Result<i64> {
    let org_id = may_file_plan(actor)?;
    let title = required("title", title)?;
    let file_name = location
        .file_name()
        .and_then(|n| n.to_str())
        .unwrap_or_default()
        .to_owned();
    let id: i64 = sqlx::query(
        "INSERT INTO emergency_plans (org_id, title, file_name, location, bytes, uploaded_by, uploaded_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id",
    )
    .bind(org_id)
    .bind(&title)
    .bind(&file_name)
    .bind(location.display().to_string())
    .bind(bytes as i64)
    .bind(actor.user_id)
    .bind(crate::now())
    .fetch_one(&state.repo.pool)
    .await?
    .try_get(0)?;
    audit(
        state,
        AuditEntry::by(
            actor,
            org_id,
            "plan_upload",
            format!("plan:{id}"),
            format!("{title} ({file_name}, {bytes} bytes)"),
        ),
    )
    .await?;
    Ok(id)
}

fn plan_of(row: &sqlx::any::AnyRow) -> Result<Plan> {
    Ok(Plan {
        id: row.try_get("id")?,
        org_id: row.try_get("org_id")?,
        title: row.try_get("title")?,
        file_name: row.try_get("file_name")?,
        bytes: row.try_get("bytes")?,
        uploaded_at: row.try_get("uploaded_at")?,
        location: row.try_get("location")?,
    })
}

fn org_list(ids: &[i64]) -> String {
    (1..=ids.len())
        .map(|n| format!("${n}"))
        .collect::<Vec<_>>()
        .join(", ")
}

/// Plans of the organisations the actor may see.
pub async fn plans(state: &AppState, actor: &Actor) -> Result<Vec<Plan>> {
    let orgs = visible_org_ids(state, actor, Action::ViewSupervision).await?;
    if orgs.is_empty() {
        return Ok(Vec::new());
    }
    let sql = format!(
        "SELECT id, org_id, title, file_name, location, bytes, uploaded_at FROM emergency_plans \
         WHERE org_id IN ({}) ORDER BY id DESC LIMIT 1000",
        org_list(&orgs)
    );
    orgs.iter()
        .fold(sqlx::query(sqlx::AssertSqlSafe(sql)), |q, id| q.bind(*id))
        .fetch_all(&state.repo.pool)
        .await?
        .iter()
        .map(plan_of)
        .collect()
}

/// One plan for download (audited); another tenant's is 404.
pub async fn plan(state: &AppState, actor: &Actor, id: i64) -> Result<Plan> {
    let plan = plan_of(
        &sqlx::query(
            "SELECT id, org_id, title, file_name, location, bytes, uploaded_at FROM emergency_plans WHERE id = $1",
        )
        .bind(id)
        .fetch_optional(&state.repo.pool)
        .await?
        .ok_or(Error::NotFound)?,
    )?;
    let org = state.repo.organisation(plan.org_id).await?;
    require(actor, Action::ViewSupervision, &org.as_ref()).map_err(|_| Error::NotFound)?;
    audit(
        state,
        AuditEntry::by(
            actor,
            plan.org_id,
            "plan_download",
            format!("plan:{id}"),
            plan.file_name.clone(),
        ),
    )
    .await?;
    Ok(plan)
}

/// Schedules a drill for the actor's operator.
pub async fn schedule_drill(
    state: &AppState,
    actor: &Actor,
    scenario: &str,
    scheduled_on: &str,
    participants: &str,
) -> Result<i64> {
    require(actor, Action::RespondSupervision, &actor.org)?;
    let scenario = required("scenario", scenario)?;
    let scheduled_on = date("date", scheduled_on)?;
    let participants = required("participants", participants)?;
    let now = crate::now();
    let id: i64 = sqlx::query(
        "INSERT INTO drills (org_id, scenario, scheduled_on, participants, created_by, created_at, updated_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $6) RETURNING id",
    )
    .bind(actor.org.id)
    .bind(&scenario)
    .bind(&scheduled_on)
    .bind(&participants)
    .bind(actor.user_id)
    .bind(now)
    .fetch_one(&state.repo.pool)
    .await?
    .try_get(0)?;
    audit(
        state,
        AuditEntry::by(
            actor,
            actor.org.id,
            "drill_schedule",
            format!("drill:{id}"),
            format!("{scheduled_on}: {scenario}"),
        ),
    )
    .await?;
    Ok(id)
}

async fn drill_actions(state: &AppState, drill_id: i64) -> Result<Vec<DrillAction>> {
    sqlx::query(
        "SELECT id, action, owner, due_on, done_at FROM drill_actions WHERE drill_id = $1 ORDER BY id",
    )
    .bind(drill_id)
    .fetch_all(&state.repo.pool)
    .await?
    .iter()
    .map(|row| {
        Ok(DrillAction {
            id: row.try_get("id")?,
            action: row.try_get("action")?,
            owner: row.try_get("owner")?,
            due_on: row.try_get("due_on")?,
            done_at: row.try_get("done_at")?,
        })
    })
    .collect()
}

const DRILL_COLUMNS: &str = "id, org_id, scenario, scheduled_on, participants, record, evaluation";

fn drill_of(row: &sqlx::any::AnyRow) -> Result<Drill> {
    Ok(Drill {
        id: row.try_get("id")?,
        org_id: row.try_get("org_id")?,
        scenario: row.try_get("scenario")?,
        scheduled_on: row.try_get("scheduled_on")?,
        participants: row.try_get("participants")?,
        record: row.try_get("record")?,
        evaluation: row.try_get("evaluation")?,
        actions: Vec::new(),
    })
}

/// Drills of the organisations the actor may see, soonest date last.
pub async fn drills(state: &AppState, actor: &Actor) -> Result<Vec<Drill>> {
    let orgs = visible_org_ids(state, actor, Action::ViewSupervision).await?;
    if orgs.is_empty() {
        return Ok(Vec::new());
    }
    let sql = format!(
        "SELECT {DRILL_COLUMNS} FROM drills WHERE org_id IN ({}) ORDER BY scheduled_on DESC, id DESC LIMIT 1000",
        org_list(&orgs)
    );
    orgs.iter()
        .fold(sqlx::query(sqlx::AssertSqlSafe(sql)), |q, id| q.bind(*id))
        .fetch_all(&state.repo.pool)
        .await?
        .iter()
        .map(drill_of)
        .collect()
}

/// One drill with its actions, for `action` (view, or the operator's own changes).
async fn drill_for(state: &AppState, actor: &Actor, id: i64, action: Action) -> Result<Drill> {
    let sql = format!("SELECT {DRILL_COLUMNS} FROM drills WHERE id = $1");
    let mut drill = drill_of(
        &sqlx::query(sqlx::AssertSqlSafe(sql))
            .bind(id)
            .fetch_optional(&state.repo.pool)
            .await?
            .ok_or(Error::NotFound)?,
    )?;
    let org = state.repo.organisation(drill.org_id).await?;
    if !crate::auth::authorize(actor, Action::ViewSupervision, &org.as_ref()) {
        return Err(Error::NotFound);
    }
    require(actor, action, &org.as_ref()).map_err(|_| Error::Forbidden)?;
    drill.actions = drill_actions(state, id).await?;
    Ok(drill)
}

pub async fn drill(state: &AppState, actor: &Actor, id: i64) -> Result<Drill> {
    drill_for(state, actor, id, Action::ViewSupervision).await
}

/// Records what happened in the drill and its evaluation.
pub async fn record_drill(
    state: &AppState,
    actor: &Actor,
    id: i64,
    record: &str,
    evaluation: &str,
) -> Result<()> {
    let drill = drill_for(state, actor, id, Action::RespondSupervision).await?;
    let record = within("record", record, MAX_RECORD, false)?;
    let evaluation = within("evaluation", evaluation, MAX_RECORD, false)?;
    sqlx::query("UPDATE drills SET record = $1, evaluation = $2, updated_at = $3 WHERE id = $4")
        .bind(&record)
        .bind(&evaluation)
        .bind(crate::now())
        .bind(id)
        .execute(&state.repo.pool)
        .await?;
    audit(
        state,
        AuditEntry::by(
            actor,
            drill.org_id,
            "drill_record",
            format!("drill:{id}"),
            format!(
                "record {} chars, evaluation {} chars",
                record.chars().count(),
                evaluation.chars().count()
            ),
        ),
    )
    .await
}

/// Adds a follow-up action with its owner and due date.
pub async fn add_action(
    state: &AppState,
    actor: &Actor,
    drill_id: i64,
    action: &str,
    owner: &str,
    due_on: &str,
) -> Result<i64> {
    let drill = drill_for(state, actor, drill_id, Action::RespondSupervision).await?;
    if drill.actions.len() >= 200 {
        return Err(Error::BadRequest("at most 200 actions per drill".into()));
    }
    let action = required("action", action)?;
    let owner = required("owner", owner)?;
    let due_on = date("due date", due_on)?;
    let id: i64 = sqlx::query(
        "INSERT INTO drill_actions (drill_id, action, owner, due_on) VALUES ($1, $2, $3, $4) RETURNING id",
    )
    .bind(drill_id)
    .bind(&action)
    .bind(&owner)
    .bind(&due_on)
    .fetch_one(&state.repo.pool)
    .await?
    .try_get(0)?;
    audit(
        state,
        AuditEntry::by(
            actor,
            drill.org_id,
            "drill_action_add",
            format!("drill:{drill_id} action:{id}"),
            format!("{action} · {owner} · {due_on}"),
        ),
    )
    .await?;
    Ok(id)
}

/// Marks a follow-up action done.
pub async fn complete_action(
    state: &AppState,
    actor: &Actor,
    drill_id: i64,
    action_id: i64,
) -> Result<()> {
    let drill = drill_for(state, actor, drill_id, Action::RespondSupervision).await?;
    if !drill.actions.iter().any(|a| a.id == action_id) {
        return Err(Error::NotFound);
    }
    sqlx::query("UPDATE drill_actions SET done_at = $1 WHERE id = $2 AND done_at IS NULL")
        .bind(crate::now())
        .bind(action_id)
        .execute(&state.repo.pool)
        .await?;
    audit(
        state,
        AuditEntry::by(
            actor,
            drill.org_id,
            "drill_action_done",
            format!("drill:{drill_id} action:{action_id}"),
            String::new(),
        ),
    )
    .await
}
