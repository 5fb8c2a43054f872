//! Complaints and reports (投诉举报) from the public: anyone submits one without signing in
//! and gets a tracking code to follow its status; the regulator with the named operator in
//! its jurisdiction handles it (the platform admin routes those naming no known operator):
//! assignment to one of its staff, an answer the complainant can read, closure.
//!
//! Status: `received` → `assigned` → `answered` → `closed` (answering and closing are allowed
//! from any open state). The tracking code is stored as its SM3 digest only.

use serde::Serialize;
use sqlx::Row;

use crate::AppState;
use crate::audit::AuditEntry;
use crate::auth::{Action, Actor, OrgKind, Role, authorize, token_digest};
use crate::error::{Error, Result};
use crate::notify::{Recipients, notify};
use crate::service::{audit, within};

/// What a complaint is about (the form's choices).
pub const CATEGORIES: [&str; 5] = [
    "illegal_collection",
    "data_leak",
    "excessive_processing",
    "rights_refused",
    "other",
];
/// Field limits of the public form, in characters.
pub const MAX_OPERATOR_NAME: usize = 200;
pub const MAX_CONTENT: usize = 5000;
pub const MAX_CONTACT: usize = 200;
const MAX_ANSWER: usize = 5000;

/// What the public form sends.
pub struct NewComplaint<'a> {
    pub operator_name: &'a str,
    pub category: &'a str,
    pub content: &'a str,
    pub contact: &'a str,
}

#[derive(Clone, Debug, Serialize)]
pub struct Complaint {
    pub id: i64,
    pub regulator_id: Option<i64>,
    pub operator_id: Option<i64>,
    pub operator_name: String,
    pub category: String,
    pub content: String,
    pub contact: String,
    pub status: String,
    pub assigned_to: Option<i64>,
    pub assignee: Option<String>,
    pub answer: String,
    pub created_at: i64,
    pub updated_at: i64,
}

/// What the complainant sees with the tracking code.
#[derive(Clone, Debug, Serialize)]
pub struct PublicStatus {
    pub status: String,
    pub category: String,
    pub created_at: i64,
    pub updated_at: i64,
    pub answer: String,
}

/// What a notification about a complaint says: its category only. The complainant's words
/// may hold personal information and stay on the platform (not in e-mail or webhooks).
fn handling_notice(category: &str) -> String {
    format!(
        "投诉举报（{category}），请登录平台处理。/ A complaint ({category}): sign in to handle it."
    )
}

/// A tracking code: `TS-` and 20 characters of Crockford base32 (100 random bits), easy to
/// read out and copy.
fn tracking_code() -> String {
    const ALPHABET: &[u8] = b"0123456789ABCDEFGHJKMNPQRSTVWXYZ";
    let bytes = crate::random_bytes::<20>();
    let code: String = bytes
        .iter()
        .map(|b| ALPHABET[usize::from(b & 31)] as char)
        .collect();
    format!("TS-{code}")
}

/// Records a complaint from the public form; returns the tracking code (shown once).
pub async fn submit(state: &AppState, new: &NewComplaint<'_>) -> Result<String> {
    let operator_name = within("operator", new.operator_name, MAX_OPERATOR_NAME, true)?;
    let content = within("content", new.content, MAX_CONTENT, true)?;
    let contact = within("contact", new.contact, MAX_CONTACT, false)?;
    if !CATEGORIES.contains(&new.category) {
        return Err(Error::BadRequest("unknown category".into()));
    }
    let organisations = state.repo.organisations().await?;
    let operator = organisations
        .iter()
        .find(|o| o.kind == OrgKind::Operator && o.name == operator_name);
    let regulator_id = operator.and_then(|o| o.regulator_id);
    let code = tracking_code();
    let now = crate::now();
    let id: i64 = sqlx::query(
        "INSERT INTO complaints (tracking_digest, regulator_id, operator_id, operator_name, category, content, contact, status, created_at, updated_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, 'received', $8, $8) RETURNING id",
    )
    .bind(token_digest(&code))
    .bind(regulator_id)
    .bind(operator.map(|o| o.id))
    .bind(&operator_name)
    .bind(new.category)
    .bind(&content)
    .bind(&contact)
    .bind(now)
    .fetch_one(&state.repo.pool)
    .await?
    .try_get(0)?;
    // Neither the content nor the contact goes to the audit trail: they may hold the
    // complainant's personal information.
    audit(
        state,
        AuditEntry {
            at: now,
            actor: "public".into(),
            actor_id: None,
            org_id: regulator_id,
            action: "complaint_submit".into(),
            target: format!("complaint:{id}"),
            detail: new.category.to_owned(),
        },
    )
    .await?;
    let handlers = match regulator_id {
        Some(regulator) => regulator,
        None => organisations
            .iter()
            .find(|o| o.kind == OrgKind::Platform)
            .map_or(0, |o| o.id),
    };
    notify(
        state,
        &Recipients::Orgs {
            orgs: vec![handlers],
            may: Action::ViewSupervision,
        },
        "complaint",
        &format!("投诉举报 / Complaint #{id}: {operator_name}"),
        &handling_notice(new.category),
        &format!("/complaints/{id}"),
    )
    .await?;
    Ok(code)
}

/// The status of the complaint with this tracking code; an unknown code is 404.
pub async fn status(state: &AppState, code: &str) -> Result<PublicStatus> {
    let row = sqlx::query(
        "SELECT status, category, created_at, updated_at, answer FROM complaints WHERE tracking_digest = $1",
    )
    .bind(token_digest(code.trim()))
    .fetch_optional(&state.repo.pool)
    .await?
    .ok_or(Error::NotFound)?;
    let status: String = row.try_get("status")?;
    Ok(PublicStatus {
        answer: if matches!(status.as_str(), "answered" | "closed") {
            row.try_get("answer")?
        } else {
            String::new()
        },
        status,
        category: row.try_get("category")?,
        created_at: row.try_get("created_at")?,
        updated_at: row.try_get("updated_at")?,
    })
}

const COLUMNS: &str = "c.id, c.regulator_id, c.operator_id, c.operator_name, c.category, c.content, c.contact, \
     c.status, c.assigned_to, u.display_name AS assignee, c.answer, c.created_at, c.updated_at \
     FROM complaints c LEFT JOIN users u ON u.id = c.assigned_to";

fn complaint_of(row: &sqlx::any::AnyRow) -> Result<Complaint> {
    Ok(Complaint {
        id: row.try_get("id")?,
        regulator_id: row.try_get("regulator_id")?,
        operator_id: row.try_get("operator_id")?,
        operator_name: row.try_get("operator_name")?,
        category: row.try_get("category")?,
        content: row.try_get("content")?,
        contact: row.try_get("contact")?,
        status: row.try_get("status")?,
        assigned_to: row.try_get("assigned_to")?,
        assignee: row.try_get("assignee")?,
        answer: row.try_get("answer")?,
        created_at: row.try_get("created_at")?,
        updated_at: row.try_get("updated_at")?,
    })
}

fn is_admin(actor: &Actor) -> bool {
    actor.role == Role::PlatformAdmin && actor.org.kind == OrgKind::Platform
}

/// Who reads a complaint: the platform admin, and the users of the regulator handling it
/// who may see supervision records. Operators never do (the complainant is protected).
fn may_view(actor: &Actor, complaint: &Complaint) -> bool {
    is_admin(actor)
        || complaint.regulator_id == Some(actor.org.id)
            && authorize(actor, Action::ViewSupervision, &actor.org)
}

/// Who handles it: the regulator's staff, or the platform admin while no regulator is known.
pub fn may_handle(actor: &Actor, complaint: &Complaint) -> bool {
    match complaint.regulator_id {
        Some(regulator) => actor.org.id == regulator && actor.role == Role::RegulatorStaff,
        None => is_admin(actor),
    }
}

/// Complaints the actor may read, newest first.
pub async fn list(state: &AppState, actor: &Actor) -> Result<Vec<Complaint>> {
    let query = if is_admin(actor) {
        sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT {COLUMNS} ORDER BY c.id DESC LIMIT 1000"
        )))
    } else if actor.org.kind == OrgKind::Regulator
        && authorize(actor, Action::ViewSupervision, &actor.org)
    {
        sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT {COLUMNS} WHERE c.regulator_id = $1 ORDER BY c.id DESC LIMIT 1000"
        )))
        .bind(actor.org.id)
    } else {
        return Err(Error::Forbidden);
    };
    query
        .fetch_all(&state.repo.pool)
        .await?
        .iter()
        .map(complaint_of)
        .collect()
}

pub async fn get(state: &AppState, actor: &Actor, id: i64) -> Result<Complaint> {
    let complaint = complaint_of(
        &sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT {COLUMNS} WHERE c.id = $1"
        )))
        .bind(id)
        .fetch_optional(&state.repo.pool)
        .await?
        .ok_or(Error::NotFound)?,
    )?;
    if !may_view(actor, &complaint) {
        return Err(Error::NotFound);
    }
    crate::notify::mark_read_by_link(state, actor, &format!("/complaints/{id}")).await?;
    Ok(complaint)
}

/// A complaint the actor handles (404 when it may not see it, 403 when it only reads it),
/// still open.
async fn handled(state: &AppState, actor: &Actor, id: i64) -> Result<Complaint> {
    let complaint = get(state, actor, id).await?;
    if !may_handle(actor, &complaint) {
        return Err(Error::Forbidden);
    }
    if complaint.status == "closed" {
        return Err(Error::BadRequest("the complaint is closed".into()));
    }
    Ok(complaint)
}

async fn record(
    state: &AppState,
    actor: &Actor,
    complaint: &Complaint,
    action: &str,
    detail: String,
) -> Result<()> {
    audit(
        state,
        AuditEntry {
            org_id: complaint.regulator_id,
            ..AuditEntry::by(
                actor,
                0,
                action,
                format!("complaint:{}", complaint.id),
                detail,
            )
        },
    )
    .await
}

/// The platform admin names the operator a complaint is about when the form's name matched
/// none; its regulator then handles it.
pub async fn route(state: &AppState, actor: &Actor, id: i64, operator_id: i64) -> Result<()> {
    let complaint = handled(state, actor, id).await?;
    let operator = state.repo.organisation(operator_id).await?;
    let Some(regulator) = operator
        .regulator_id
        .filter(|_| operator.kind == OrgKind::Operator)
    else {
        return Err(Error::BadRequest(
            "not an operator under a regulator".into(),
        ));
    };
    sqlx::query(
        "UPDATE complaints SET operator_id = $1, regulator_id = $2, updated_at = $3 WHERE id = $4",
    )
    .bind(operator_id)
    .bind(regulator)
    .bind(crate::now())
    .bind(id)
    .execute(&state.repo.pool)
    .await?;
    let routed = Complaint {
        regulator_id: Some(regulator),
        ..complaint
    };
    record(
        state,
        actor,
        &routed,
        "complaint_route",
        format!("operator:{operator_id}"),
    )
    .await?;
    notify(
        state,
        &Recipients::Orgs {
            orgs: vec![regulator],
            may: Action::ViewSupervision,
        },
        "complaint",
        &format!("投诉举报 / Complaint #{id}: {}", routed.operator_name),
        &handling_notice(&routed.category),
        &format!("/complaints/{id}"),
    )
    .await?;
    Ok(())
}

/// Assigns the complaint to a staff user of the handling regulator (or, unrouted, an admin).
pub async fn assign(state: &AppState, actor: &Actor, id: i64, user_id: i64) -> Result<()> {
    let complaint = handled(state, actor, id).await?;
    let assignee = state.repo.user(user_id).await.map_err(|_| {
        Error::BadRequest("the assignee must be a staff user of the handling regulator".into())
    })?;
    let fits = match complaint.regulator_id {
        Some(regulator) => assignee.org_id == regulator && assignee.role == Role::RegulatorStaff,
        None => assignee.org_id == actor.org.id && assignee.role == Role::PlatformAdmin,
    };
    if !fits {
        return Err(Error::BadRequest(
            "the assignee must be a staff user of the handling regulator".into(),
        ));
    }
    sqlx::query(
        "UPDATE complaints SET assigned_to = $1, status = 'assigned', updated_at = $2 WHERE id = $3",
    )
    .bind(user_id)
    .bind(crate::now())
    .bind(id)
    .execute(&state.repo.pool)
    .await?;
    record(
        state,
        actor,
        &complaint,
        "complaint_assign",
        format!("user:{user_id}"),
    )
    .await?;
    notify(
        state,
        &Recipients::Users(vec![user_id]),
        "complaint_assigned",
        &format!("投诉举报已分派 / Complaint #{id} assigned to you"),
        &handling_notice(&complaint.category),
        &format!("/complaints/{id}"),
    )
    .await?;
    Ok(())
}

/// The answer the complainant reads with the tracking code.
pub async fn answer(state: &AppState, actor: &Actor, id: i64, text: &str) -> Result<()> {
    let complaint = handled(state, actor, id).await?;
    let text = within("answer", text, MAX_ANSWER, true)?;
    sqlx::query(
        "UPDATE complaints SET answer = $1, status = 'answered', updated_at = $2 WHERE id = $3",
    )
    .bind(&text)
    .bind(crate::now())
    .bind(id)
    .execute(&state.repo.pool)
    .await?;
    record(
        state,
        actor,
        &complaint,
        "complaint_answer",
        format!("{} chars", text.chars().count()),
    )
    .await
}

pub async fn close(state: &AppState, actor: &Actor, id: i64) -> Result<()> {
    let complaint = handled(state, actor, id).await?;
    sqlx::query("UPDATE complaints SET status = 'closed', updated_at = $1 WHERE id = $2")
        .bind(crate::now())
        .bind(id)
        .execute(&state.repo.pool)
        .await?;
    record(state, actor, &complaint, "complaint_close", String::new()).await
}

/// The staff a complaint can be assigned to (the page's choices).
pub async fn assignees(state: &AppState, complaint: &Complaint) -> Result<Vec<(i64, String)>> {
    let (org, role) = match complaint.regulator_id {
        Some(regulator) => (regulator, Role::RegulatorStaff),
        None => (
            state
                .repo
                .organisations()
                .await?
                .iter()
                .find(|o| o.kind == OrgKind::Platform)
                .map_or(0, |o| o.id),
            Role::PlatformAdmin,
        ),
    };
    sqlx::query("SELECT id, display_name FROM users WHERE org_id = $1 AND role = $2 ORDER BY id")
        .bind(org)
        .bind(role.as_str())
        .fetch_all(&state.repo.pool)
        .await?
        .iter()
        .map(|row| Ok((row.try_get("id")?, row.try_get("display_name")?)))
        .collect()
}
