//! Notices (通报): a regulator's staff notify every operator in the jurisdiction or the ones
//! chosen; each operator's users find it in their inbox; the first read and the
//! acknowledgement (确认) are recorded per operator, and the regulator sees who has not
//! acknowledged.

use serde::Serialize;
use sqlx::Row;

use crate::AppState;
use crate::audit::AuditEntry;
use crate::auth::{Action, Actor, OrgKind, authorize, require};
use crate::error::{Error, Result};
use crate::notify::{Recipients, notify};
use crate::service::{audit, within};

const MAX_TITLE: usize = 200;
const MAX_BODY: usize = 20_000;

#[derive(Clone, Debug, Serialize)]
pub struct Notice {
    pub id: i64,
    pub regulator_id: i64,
    pub title: String,
    pub body: String,
    pub created_at: i64,
}

/// One operator's state for a notice.
#[derive(Clone, Debug, Serialize)]
pub struct NoticeRecipient {
    pub org_id: i64,
    pub org_name: String,
    pub read_at: Option<i64>,
    pub acknowledged_at: Option<i64>,
    pub acknowledged_by: Option<String>,
}

#[derive(Clone, Debug, Serialize)]
pub struct NoticeView {
    pub notice: Notice,
    /// Every recipient for the regulator; only the viewer's own operator for an operator.
    pub recipients: Vec<NoticeRecipient>,
    pub may_acknowledge: bool,
}

/// Sends a notice from the actor's regulator to `operators` (empty: all in the
/// jurisdiction). An operator outside the jurisdiction is 404, as if it did not exist.
pub async fn send(
    state: &AppState,
    actor: &Actor,
    title: &str,
    body: &str,
    operators: &[i64],
) -> Result<i64> {
    if actor.org.kind != OrgKind::Regulator {
        return Err(Error::Forbidden);
    }
    require(actor, Action::ManageCampaigns, &actor.org)?;
    let title = within("title", title, MAX_TITLE, true)?;
    let body = within("body", body, MAX_BODY, true)?;
    let jurisdiction: Vec<i64> = state
        .repo
        .organisations()
        .await?
        .into_iter()
        .filter(|org| authorize(actor, Action::Supervise, &org.as_ref()))
        .map(|org| org.id)
        .collect();
    let targets: Vec<i64> = if operators.is_empty() {
        jurisdiction
    } else {
        if operators.iter().any(|id| !jurisdiction.contains(id)) {
            return Err(Error::NotFound);
        }
        let mut chosen = operators.to_vec();
        chosen.sort_unstable();
        chosen.dedup();
        chosen
    };
    if targets.is_empty() {
        return Err(Error::BadRequest(
            "no operator in the jurisdiction to notify".into(),
        ));
    }
    let now = crate::now();
    let mut tx = state.repo.pool.begin().await?;
    let id: i64 = sqlx::query(
        "INSERT INTO notices (regulator_id, title, body, created_by, created_at) \
         VALUES ($1, $2, $3, $4, $5) RETURNING id",
    )
    .bind(actor.org.id)
    .bind(&title)
    .bind(&body)
    .bind(actor.user_id)
    .bind(now)
    .fetch_one(&mut *tx)
    .await?
    .try_get(0)?;
    for org_id in &targets {
        sqlx::query("INSERT INTO notice_recipients (notice_id, org_id) VALUES ($1, $2)")
            .bind(id)
            .bind(org_id)
            .execute(&mut *tx)
            .await?;
    }
    tx.commit().await?;
    audit(
        state,
        AuditEntry::by(
            actor,
            actor.org.id,
            "notice_send",
            format!("notice:{id}"),
            format!("{title} → {} operators", targets.len()),
        ),
    )
    .await?;
    notify(
        state,
        &Recipients::Orgs {
            orgs: targets,
            may: Action::ViewSupervision,
        },
        "notice",
        &format!("通报 / Notice: {title}"),
        &body,
        &format!("/notices/{id}"),
    )
    .await?;
    Ok(id)
}

/// Notices the actor may see: sent by its regulator, or addressed to its operator.
pub async fn list(state: &AppState, actor: &Actor) -> Result<Vec<Notice>> {
    require(actor, Action::ViewSupervision, &actor.org)?;
    let query = match actor.org.kind {
        OrgKind::Operator => sqlx::query(
            "SELECT n.id, n.regulator_id, n.title, n.body, n.created_at FROM notices n \
             JOIN notice_recipients r ON r.notice_id = n.id WHERE r.org_id = $1 ORDER BY n.id DESC LIMIT 500",
        )
        .bind(actor.org.id),
        OrgKind::Regulator => sqlx::query(
            "SELECT id, regulator_id, title, body, created_at FROM notices \
             WHERE regulator_id = $1 ORDER BY id DESC LIMIT 500",
        )
        .bind(actor.org.id),
        OrgKind::Platform => sqlx::query(
            "SELECT id, regulator_id, title, body, created_at FROM notices ORDER BY id DESC LIMIT 500",
        ),
    };
    let rows = query.fetch_all(&state.repo.pool).await?;
    rows.iter().map(notice_of).collect()
}

fn notice_of(row: &sqlx::any::AnyRow) -> Result<Notice> {
    Ok(Notice {
        id: row.try_get("id")?,
        regulator_id: row.try_get("regulator_id")?,
        title: row.try_get("title")?,
        body: row.try_get("body")?,
        created_at: row.try_get("created_at")?,
    })
}

/// A notice with its recipients' states. An operator's first view records it as read.
pub async fn get(state: &AppState, actor: &Actor, id: i64) -> Result<NoticeView> {
    let notice = notice_of(
        &sqlx::query("SELECT id, regulator_id, title, body, created_at FROM notices WHERE id = $1")
            .bind(id)
            .fetch_optional(&state.repo.pool)
            .await?
            .ok_or(Error::NotFound)?,
    )?;
    let regulator = state.repo.organisation(notice.regulator_id).await?;
    let sender_side = authorize(actor, Action::ViewSupervision, &regulator.as_ref());
    let rows = sqlx::query(
        "SELECT r.org_id, o.name, r.read_at, r.acknowledged_at, u.display_name AS acknowledged_by \
         FROM notice_recipients r JOIN organisations o ON o.id = r.org_id \
         LEFT JOIN users u ON u.id = r.acknowledged_by WHERE r.notice_id = $1 ORDER BY o.name",
    )
    .bind(id)
    .fetch_all(&state.repo.pool)
    .await?;
    let mut recipients = Vec::new();
    for row in &rows {
        let org_id: i64 = row.try_get("org_id")?;
        if sender_side || org_id == actor.org.id {
            recipients.push(NoticeRecipient {
                org_id,
                org_name: row.try_get("name")?,
                read_at: row.try_get("read_at")?,
                acknowledged_at: row.try_get("acknowledged_at")?,
                acknowledged_by: row.try_get("acknowledged_by")?,
            });
        }
    }
    let receiving = recipients.iter().find(|r| r.org_id == actor.org.id);
    let may_view =
        sender_side || receiving.is_some() && authorize(actor, Action::ViewSupervision, &actor.org);
    if !may_view {
        return Err(Error::NotFound);
    }
    if let Some(own) = receiving
        && own.read_at.is_none()
    {
        let now = crate::now();
        sqlx::query(
            "UPDATE notice_recipients SET read_at = $1, read_by = $2 \
             WHERE notice_id = $3 AND org_id = $4 AND read_at IS NULL",
        )
        .bind(now)
        .bind(actor.user_id)
        .bind(id)
        .bind(actor.org.id)
        .execute(&state.repo.pool)
        .await?;
        audit(
            state,
            AuditEntry::by(
                actor,
                actor.org.id,
                "notice_read",
                format!("notice:{id}"),
                String::new(),
            ),
        )
        .await?;
        recipients
            .iter_mut()
            .filter(|r| r.org_id == actor.org.id)
            .for_each(|r| r.read_at = Some(now));
    }
    crate::notify::mark_read_by_link(state, actor, &format!("/notices/{id}")).await?;
    let may_acknowledge = recipients
        .iter()
        .any(|r| r.org_id == actor.org.id && r.acknowledged_at.is_none())
        && authorize(actor, Action::RespondSupervision, &actor.org);
    Ok(NoticeView {
        notice,
        recipients,
        may_acknowledge,
    })
}

/// The operator confirms (确认) it received and will act on the notice.
pub async fn acknowledge(state: &AppState, actor: &Actor, id: i64) -> Result<()> {
    let view = get(state, actor, id).await?;
    if !view.recipients.iter().any(|r| r.org_id == actor.org.id) {
        // The regulator's own staff see the notice but have nothing to acknowledge.
        return Err(Error::Forbidden);
    }
    require(actor, Action::RespondSupervision, &actor.org)?;
    let changed = sqlx::query(
        "UPDATE notice_recipients SET acknowledged_at = $1, acknowledged_by = $2 \
         WHERE notice_id = $3 AND org_id = $4 AND acknowledged_at IS NULL",
    )
    .bind(crate::now())
    .bind(actor.user_id)
    .bind(id)
    .bind(actor.org.id)
    .execute(&state.repo.pool)
    .await?
    .rows_affected();
    if changed == 0 {
        return Err(Error::BadRequest("already acknowledged".into()));
    }
    audit(
        state,
        AuditEntry::by(
            actor,
            actor.org.id,
            "notice_acknowledge",
            format!("notice:{id}"),
            String::new(),
        ),
    )
    .await
}
