//! One way for every module (notices, complaints, incidents, inspections) to tell people
//! something: [`notify`] puts a message in each recipient's inbox and queues an e-mail for
//! each recipient with an address and a signed POST for each webhook of their organisations
//! (sent by [`crate::delivery`]). Also the inbox itself, the user's notification address and
//! the organisation's webhooks with their delivery log.

use serde::Serialize;
use sqlx::Row;
use sqlx::any::AnyRow;

use crate::AppState;
use crate::audit::AuditEntry;
use crate::auth::{Action, Actor, OrgKind, OrgRef, Role, authorize, require};
use crate::delivery::{parse_webhook_url, valid_email, webhook_secret_context};
use crate::error::{Error, Result};
use crate::repo::placeholders;
use crate::service::{audit, bounded};

/// Who is told.
pub enum Recipients {
    /// The users of these organisations whose role may do `may` on their own organisation
    /// (so a vendor is not told about a notice it could not open).
    Orgs { orgs: Vec<i64>, may: Action },
    /// These users.
    Users(Vec<i64>),
}

/// Longest subject and body of a notification.
const MAX_SUBJECT: usize = 200;
const MAX_BODY: usize = 20_000;
/// Webhooks an organisation may register.
const MAX_WEBHOOKS: i64 = 10;
/// Inbox messages and delivery log rows shown.
const LIST_LIMIT: i64 = 200;

/// Tells `recipients` about `event` (a short machine name such as `notice`, `complaint`);
/// `link` is the platform page it concerns. Returns how many users were reached.
pub async fn notify(
    state: &AppState,
    recipients: &Recipients,
    event: &str,
    subject: &str,
    body: &str,
    link: &str,
) -> Result<usize> {
    let subject: String = subject.chars().take(MAX_SUBJECT).collect();
    let body: String = body.chars().take(MAX_BODY).collect();
    let (column, ids, may) = match recipients {
        Recipients::Orgs { orgs, may } => ("u.org_id", orgs, Some(*may)),
        Recipients::Users(ids) => ("u.id", ids, None),
    };
    if ids.is_empty() {
        return Ok(0);
    }
    let sql = format!(
        "SELECT u.id, u.org_id, u.role, o.kind, o.regulator_id, e.email FROM users u \
         JOIN organisations o ON o.id = u.org_id \
         LEFT JOIN notification_emails e ON e.user_id = u.id WHERE {column} IN ({})",
        placeholders(1, ids.len())
    );
    let mut users = Vec::new();
    for row in ids
        .iter()
        .fold(sqlx::query(sqlx::AssertSqlSafe(sql)), |q, id| q.bind(*id))
        .fetch_all(&state.repo.pool)
        .await?
    {
        if let Some(action) = may
            && !user_may(&row, action)?
        {
            continue;
        }
        users.push(row);
    }
    let now = crate::now();
    let mut orgs = Vec::new();
    let mut tx = state.repo.pool.begin().await?;
    for user in &users {
        let user_id: i64 = user.try_get("id")?;
        let org_id: i64 = user.try_get("org_id")?;
        let email: Option<String> = user.try_get("email")?;
        sqlx::query(
            "INSERT INTO inbox_messages (user_id, org_id, event, subject, body, link, created_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7)",
        )
        .bind(user_id)
        .bind(org_id)
        .bind(event)
        .bind(&subject)
        .bind(&body)
        .bind(link)
        .bind(now)
        .execute(&mut *tx)
        .await?;
        if let (Some(email), Some(_)) = (email, &state.config.smtp) {
            let text = if link.is_empty() {
                body.clone()
            } else {
                let base = state.config.public_url.as_deref().unwrap_or_default();
                format!("{body}\n\n{}{link}", base.trim_end_matches('/'))
            };
            enqueue(
                &mut tx, "email", org_id, None, &email, event, &subject, &text, now,
            )
            .await?;
        }
        if !orgs.contains(&org_id) {
            orgs.push(org_id);
        }
    }
    for org_id in orgs {
        let hooks = sqlx::query("SELECT id FROM webhooks WHERE org_id = $1 AND active = 1")
            .bind(org_id)
            .fetch_all(&mut *tx)
            .await?;
        let payload = serde_json::json!({
            "event": event, "subject": subject, "body": body, "link": link,
            "org_id": org_id, "created_at": now,
        })
        .to_string();
        for hook in hooks {
            let hook_id: i64 = hook.try_get("id")?;
            enqueue(
                &mut tx,
                "webhook",
                org_id,
                Some(hook_id),
                "",
                event,
                &subject,
                &payload,
                now,
            )
            .await?;
        }
    }
    tx.commit().await?;
    Ok(users.len())
}

/// Whether the user of `row` may do `action` on its own organisation.
fn user_may(row: &AnyRow, action: Action) -> Result<bool> {
    let role: String = row.try_get("role")?;
    let kind: String = row.try_get("kind")?;
    let (Some(role), Some(kind)) = (Role::parse(&role), OrgKind::parse(&kind)) else {
        return Ok(false);
    };
    let org = OrgRef {
        id: row.try_get("org_id")?,
        kind,
        regulator_id: row.try_get("regulator_id")?,
    };
    let actor = Actor {
        user_id: row.try_get("id")?,
        username: String::new(),
        display_name: String::new(),
        role,
        org: org.clone(),
        org_name: String::new(),
        granted_systems: Vec::new(),
    };
    Ok(authorize(&actor, action, &org))
}

#[allow(clippy::too_many_arguments)]
async fn enqueue(
    tx: &mut sqlx::Transaction<'_, sqlx::Any>,
    channel: &str,
    org_id: i64,
    webhook_id: Option<i64>,
    target: &str,
    event: &str,
    subject: &str,
    payload: &str,
    now: i64,
) -> Result<()> {
    sqlx::query(
        "INSERT INTO deliveries (channel, org_id, webhook_id, target, event, subject, payload, status, next_attempt_at, created_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, 'pending', $8, $8)",
    )
    .bind(channel)
    .bind(org_id)
    .bind(webhook_id)
    .bind(target)
    .bind(event)
    .bind(subject)
    .bind(payload)
    .bind(now)
    .execute(&mut **tx)
    .await?;
    Ok(())
}

// ---- the inbox

#[derive(Clone, Debug, Serialize)]
pub struct InboxMessage {
    pub id: i64,
    pub event: String,
    pub subject: String,
    pub body: String,
    pub link: String,
    pub created_at: i64,
    pub read_at: Option<i64>,
}

impl InboxMessage {
    fn from_row(row: &AnyRow) -> Result<Self> {
        Ok(InboxMessage {
            id: row.try_get("id")?,
            event: row.try_get("event")?,
            subject: row.try_get("subject")?,
            body: row.try_get("body")?,
            link: row.try_get("link")?,
            created_at: row.try_get("created_at")?,
            read_at: row.try_get("read_at")?,
        })
    }
}

/// The actor's own messages, newest first. Nobody reads another user's inbox.
pub async fn inbox(state: &AppState, actor: &Actor) -> Result<Vec<InboxMessage>> {
    sqlx::query(
        "SELECT id, event, subject, body, link, created_at, read_at FROM inbox_messages \
         WHERE user_id = $1 ORDER BY id DESC LIMIT $2",
    )
    .bind(actor.user_id)
    .bind(LIST_LIMIT)
    .fetch_all(&state.repo.pool)
    .await?
    .iter()
    .map(InboxMessage::from_row)
    .collect()
}

pub async fn unread_count(state: &AppState, user_id: i64) -> Result<i64> {
    Ok(
        sqlx::query("SELECT COUNT(*) FROM inbox_messages WHERE user_id = $1 AND read_at IS NULL")
            .bind(user_id)
            .fetch_one(&state.repo.pool)
            .await?
            .try_get(0)?,
    )
}

/// Marks one of the actor's messages read (another user's id is 404); `None` marks all.
pub async fn mark_read(state: &AppState, actor: &Actor, id: Option<i64>) -> Result<()> {
    let changed = sqlx::query(
        "UPDATE inbox_messages SET read_at = $1 WHERE user_id = $2 AND read_at IS NULL \
         AND ($3 = 0 OR id = $3)",
    )
    .bind(crate::now())
    .bind(actor.user_id)
    .bind(id.unwrap_or(0))
    .execute(&state.repo.pool)
    .await?
    .rows_affected();
    if let Some(id) = id
        && changed == 0
    {
        // Already read is fine; someone else's (or missing) is not found.
        let own = sqlx::query("SELECT 1 FROM inbox_messages WHERE id = $1 AND user_id = $2")
            .bind(id)
            .bind(actor.user_id)
            .fetch_optional(&state.repo.pool)
            .await?;
        if own.is_none() {
            return Err(Error::NotFound);
        }
    }
    Ok(())
}

/// Marks the actor's unread messages about `link` read: opening the record a message points
/// to is reading it.
pub async fn mark_read_by_link(state: &AppState, actor: &Actor, link: &str) -> Result<()> {
    sqlx::query(
        "UPDATE inbox_messages SET read_at = $1 WHERE user_id = $2 AND link = $3 AND read_at IS NULL",
    )
    .bind(crate::now())
    .bind(actor.user_id)
    .bind(link)
    .execute(&state.repo.pool)
    .await?;
    Ok(())
}

pub async fn notification_email(state: &AppState, actor: &Actor) -> Result<Option<String>> {
    Ok(
        sqlx::query("SELECT email FROM notification_emails WHERE user_id = $1")
            .bind(actor.user_id)
            .fetch_optional(&state.repo.pool)
            .await?
            .map(|row| row.try_get("email"))
            .transpose()?,
    )
}

/// Sets (or with an empty text removes) the address the actor's notifications go to.
pub async fn set_notification_email(state: &AppState, actor: &Actor, email: &str) -> Result<()> {
    let email = email.trim();
    sqlx::query("DELETE FROM notification_emails WHERE user_id = $1")
        .bind(actor.user_id)
        .execute(&state.repo.pool)
        .await?;
    if !email.is_empty() {
        if !valid_email(email) {
            return Err(Error::BadRequest("not a valid e-mail address".into()));
        }
        sqlx::query("INSERT INTO notification_emails (user_id, email) VALUES ($1, $2)")
            .bind(actor.user_id)
            .bind(email)
            .execute(&state.repo.pool)
            .await?;
    }
    audit(
        state,
        AuditEntry::by(
            actor,
            actor.org.id,
            "notification_email_set",
            format!("user:{}", actor.user_id),
            if email.is_empty() { "removed" } else { "set" }.into(),
        ),
    )
    .await
}

// ---- webhooks

#[derive(Clone, Debug, Serialize)]
pub struct Webhook {
    pub id: i64,
    pub org_id: i64,
    pub url: String,
    pub active: bool,
    pub created_at: i64,
}

#[derive(Clone, Debug, Serialize)]
pub struct Delivery {
    pub id: i64,
    pub channel: String,
    pub webhook_id: Option<i64>,
    pub event: String,
    pub subject: String,
    pub status: String,
    pub attempts: i64,
    pub next_attempt_at: i64,
    pub last_error: String,
    pub created_at: i64,
    pub sent_at: Option<i64>,
}

/// The webhooks of the actor's organisation.
pub async fn webhooks(state: &AppState, actor: &Actor) -> Result<Vec<Webhook>> {
    require(actor, Action::ManageWebhooks, &actor.org)?;
    sqlx::query(
        "SELECT id, org_id, url, active, created_at FROM webhooks WHERE org_id = $1 ORDER BY id",
    )
    .bind(actor.org.id)
    .fetch_all(&state.repo.pool)
    .await?
    .iter()
    .map(|row| {
        Ok(Webhook {
            id: row.try_get("id")?,
            org_id: row.try_get("org_id")?,
            url: row.try_get("url")?,
            active: row.try_get::<i64, _>("active")? == 1,
            created_at: row.try_get("created_at")?,
        })
    })
    .collect()
}

/// Registers a webhook for the actor's organisation; returns its id and its signing secret,
/// shown this once (stored sealed under the master key).
pub async fn create_webhook(state: &AppState, actor: &Actor, url: &str) -> Result<(i64, String)> {
    require(actor, Action::ManageWebhooks, &actor.org)?;
    let url = bounded("url", url)?;
    parse_webhook_url(&url)?;
    let count: i64 = sqlx::query("SELECT COUNT(*) FROM webhooks WHERE org_id = $1 AND active = 1")
        .bind(actor.org.id)
        .fetch_one(&state.repo.pool)
        .await?
        .try_get(0)?;
    if count >= MAX_WEBHOOKS {
        return Err(Error::BadRequest(format!(
            "at most {MAX_WEBHOOKS} webhooks per organisation"
        )));
    }
    let secret = format!("whsec_{}", crate::random_token());
    let sealed = state
        .secrets
        .seal(&secret, &webhook_secret_context(actor.org.id))?;
    let id: i64 = sqlx::query(
        "INSERT INTO webhooks (org_id, url, sealed_secret, created_by, created_at) \
         VALUES ($1, $2, $3, $4, $5) RETURNING id",
    )
    .bind(actor.org.id)
    .bind(&url)
    .bind(&sealed)
    .bind(actor.user_id)
    .bind(crate::now())
    .fetch_one(&state.repo.pool)
    .await?
    .try_get(0)?;
    audit(
        state,
        AuditEntry::by(
            actor,
            actor.org.id,
            "webhook_create",
            format!("webhook:{id}"),
            url,
        ),
    )
    .await?;
    Ok((id, secret))
}

/// The organisation of a webhook, checked against the actor (another's is 404).
async fn own_webhook(state: &AppState, actor: &Actor, id: i64) -> Result<i64> {
    let org_id: i64 = sqlx::query("SELECT org_id FROM webhooks WHERE id = $1")
        .bind(id)
        .fetch_optional(&state.repo.pool)
        .await?
        .ok_or(Error::NotFound)?
        .try_get(0)?;
    let org = state.repo.organisation(org_id).await?;
    if !crate::auth::authorize(actor, Action::ManageWebhooks, &org.as_ref()) {
        return Err(Error::NotFound);
    }
    Ok(org_id)
}

/// Stops a webhook; its pending deliveries are given up.
pub async fn deactivate_webhook(state: &AppState, actor: &Actor, id: i64) -> Result<()> {
    let org_id = own_webhook(state, actor, id).await?;
    sqlx::query("UPDATE webhooks SET active = 0 WHERE id = $1")
        .bind(id)
        .execute(&state.repo.pool)
        .await?;
    sqlx::query(
        "UPDATE deliveries SET status = 'failed', last_error = 'webhook removed' \
         WHERE webhook_id = $1 AND status = 'pending'",
    )
    .bind(id)
    .execute(&state.repo.pool)
    .await?;
    audit(
        state,
        AuditEntry::by(
            actor,
            org_id,
            "webhook_deactivate",
            format!("webhook:{id}"),
            String::new(),
        ),
    )
    .await
}

/// The delivery log of the actor's organisation (webhooks and e-mail), newest first.
pub async fn deliveries(state: &AppState, actor: &Actor) -> Result<Vec<Delivery>> {
    require(actor, Action::ManageWebhooks, &actor.org)?;
    sqlx::query(
        "SELECT id, channel, webhook_id, event, subject, status, attempts, next_attempt_at, last_error, created_at, sent_at \
         FROM deliveries WHERE org_id = $1 ORDER BY id DESC LIMIT $2",
    )
    .bind(actor.org.id)
    .bind(LIST_LIMIT)
    .fetch_all(&state.repo.pool)
    .await?
    .iter()
    .map(|row| {
        Ok(Delivery {
            id: row.try_get("id")?,
            channel: row.try_get("channel")?,
            webhook_id: row.try_get("webhook_id")?,
            event: row.try_get("event")?,
            subject: row.try_get("subject")?,
            status: row.try_get("status")?,
            attempts: row.try_get("attempts")?,
            next_attempt_at: row.try_get("next_attempt_at")?,
            last_error: row.try_get("last_error")?,
            created_at: row.try_get("created_at")?,
            sent_at: row.try_get("sent_at")?,
        })
    })
    .collect()
}
