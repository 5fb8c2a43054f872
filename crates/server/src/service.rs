//! What users do, shared by the web pages and the JSON API: each function takes the acting
//! user, asks [`authorize`](crate::auth::authorize) through [`require`], does the work through
//! the repository and appends what happened to the audit trail.

use std::path::{Path, PathBuf};

use serde::Serialize;

use crate::AppState;
use crate::audit::{AuditEntry, Verification};
use crate::auth::{Action, Actor, OrgKind, Role, require, require_in_system, token_digest};
use crate::dashboard::Dashboard;
use crate::error::{Error, Result};
use crate::jobs::{allowed_path, secret_context};
use crate::repo::{
    DataSource, InventoryColumn, InventoryTable, LabelDecision, LabelReview, Organisation, ScanJob,
    SourceKind, TableFilter, User,
};

/// Longest name, system name, entity, category or reason accepted.
const MAX_TEXT: usize = 500;
/// Most rows a list returns.
pub const LIST_LIMIT: i64 = 1000;
/// Tables per inventory page (and per API page with `?page=`).
pub const PAGE_ROWS: i64 = 200;

/// The organisations on which `actor` may do `action`.
pub async fn visible_orgs(
    state: &AppState,
    actor: &Actor,
    action: Action,
) -> Result<Vec<Organisation>> {
    Ok(state
        .repo
        .organisations()
        .await?
        .into_iter()
        .filter(|org| crate::auth::authorize(actor, action, &org.as_ref()))
        .collect())
}

pub async fn visible_org_ids(state: &AppState, actor: &Actor, action: Action) -> Result<Vec<i64>> {
    Ok(visible_orgs(state, actor, action)
        .await?
        .iter()
        .map(|o| o.id)
        .collect())
}

pub(crate) async fn require_on(
    state: &AppState,
    actor: &Actor,
    action: Action,
    org_id: i64,
) -> Result<()> {
    let org = state.repo.organisation(org_id).await?;
    require(actor, action, &org.as_ref())
}

pub(crate) async fn audit(state: &AppState, entry: AuditEntry) -> Result<()> {
    state.audit.record(entry).await
}

pub(crate) fn bounded(field: &str, text: &str) -> Result<String> {
    let text = text.trim();
    if text.chars().count() > MAX_TEXT {
        return Err(Error::BadRequest(format!(
            "{field} is longer than {MAX_TEXT} characters"
        )));
    }
    Ok(text.to_owned())
}

pub(crate) fn required(field: &str, text: &str) -> Result<String> {
    let text = bounded(field, text)?;
    if text.is_empty() {
        return Err(Error::BadRequest(format!("{field} is required")));
    }
    Ok(text)
}

/// A text field trimmed and held to `max` characters; `required` refuses it empty. For the
/// long texts (notices, complaints, drill records) that [`bounded`]'s limit would cut short.
pub(crate) fn within(field: &str, text: &str, max: usize, required: bool) -> Result<String> {
    let text = text.trim();
    if text.chars().count() > max {
        return Err(Error::BadRequest(format!(
            "{field} holds at most {max} characters"
        )));
    }
    if required && text.is_empty() {
        return Err(Error::BadRequest(format!("{field} is required")));
    }
    Ok(text.to_owned())
}

// ---- sign-in

/// A new session: the cookie's token (only its digest is stored) and its CSRF token.
pub struct NewSession {
    pub token: String,
    pub csrf: String,
    /// The first page: the inventory for a vendor (it sees nothing else), else the dashboard.
    pub home: &'static str,
}

/// Where a right password leads: straight to a session, or, for a user with a second
/// factor, to a challenge that only a code can complete (see [`crate::accounts`]).
pub enum SignIn {
    Complete(NewSession),
    /// The challenge token for the browser; nothing but the code form accepts it.
    SecondFactor(String),
}

/// Checks a password, with lockout after repeated failures. The same error for an unknown
/// user, a wrong password, a locked and a disabled account, and an argon2 run in every case,
/// so neither the answer nor its timing tells which usernames exist.
pub async fn login(state: &AppState, username: &str, password: &str) -> Result<SignIn> {
    let username = username.trim();
    let user = state.repo.user_by_name(username).await?;
    let now = crate::now();
    let hasher = state.hasher.clone();
    let stored = user.as_ref().map_or_else(
        || state.dummy_password_hash.clone(),
        |u| u.password_hash.clone(),
    );
    let password = password.to_owned();
    let matches = tokio::task::spawn_blocking(move || hasher.verify(&password, &stored))
        .await
        .map_err(|e| Error::Config(format!("password check: {e}")))?;
    let Some(user) = user else {
        record_failed_login(state, username, None, "unknown user").await?;
        return Err(Error::Unauthenticated);
    };
    if user.locked_until > now {
        record_failed_login(state, username, Some(user.org_id), "account locked").await?;
        return Err(Error::Unauthenticated);
    }
    if !matches {
        record_login_failure(state, &user, "wrong password").await?;
        return Err(Error::Unauthenticated);
    }
    if user.disabled {
        record_failed_login(state, username, Some(user.org_id), "account disabled").await?;
        return Err(Error::Unauthenticated);
    }
    if state.repo.totp_state(user.id).await?.secret.is_some() {
        return Ok(SignIn::SecondFactor(
            crate::accounts::start_challenge(state, &user).await?,
        ));
    }
    Ok(SignIn::Complete(
        start_session(state, &user, "password").await?,
    ))
}

/// Counts a failure towards the lockout and audits it.
pub(crate) async fn record_login_failure(state: &AppState, user: &User, why: &str) -> Result<()> {
    let until = crate::now() + state.config.lockout_minutes * 60;
    state
        .repo
        .record_login_failure(user.id, state.config.lockout_failures, until)
        .await?;
    record_failed_login(state, &user.username, Some(user.org_id), why).await
}

/// A session for a user who has proved who they are (`how`: the factors, for the audit).
pub(crate) async fn start_session(state: &AppState, user: &User, how: &str) -> Result<NewSession> {
    let now = crate::now();
    state.repo.record_login_success(user.id).await?;
    let session = NewSession {
        token: crate::random_token(),
        csrf: crate::random_token(),
        home: if user.role == Role::Vendor {
            "/inventory"
        } else {
            "/"
        },
    };
    state
        .repo
        .create_session(
            &token_digest(&session.token),
            user.id,
            &session.csrf,
            now + state.config.session_hours * 3600,
        )
        .await?;
    audit(
        state,
        AuditEntry {
            at: now,
            actor: user.username.clone(),
            actor_id: Some(user.id),
            org_id: Some(user.org_id),
            action: "login".into(),
            target: format!("user:{}", user.id),
            detail: how.into(),
        },
    )
    .await?;
    Ok(session)
}

pub(crate) async fn record_failed_login(
    state: &AppState,
    username: &str,
    org_id: Option<i64>,
    why: &str,
) -> Result<()> {
    state
        .metrics
        .logins_failed
        .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    audit(
        state,
        AuditEntry {
            at: crate::now(),
            actor: username.chars().take(64).collect(),
            actor_id: None,
            org_id,
            action: "login_failed".into(),
            target: String::new(),
            detail: why.into(),
        },
    )
    .await
}

pub async fn logout(state: &AppState, actor: &Actor, session_digest: &str) -> Result<()> {
    state.repo.delete_session(session_digest).await?;
    audit(
        state,
        AuditEntry::by(
            actor,
            actor.org.id,
            "logout",
            format!("user:{}", actor.user_id),
            String::new(),
        ),
    )
    .await
}

/// The actor a user id stands for; a disabled user is no one (its tokens stop working). A
/// vendor carries the systems its grants open right now.
pub async fn actor(state: &AppState, user_id: i64) -> Result<Actor> {
    let (user, org) = state.repo.user_with_org(user_id).await?;
    if user.disabled {
        return Err(Error::Unauthenticated);
    }
    let granted_systems = if user.role == Role::Vendor {
        state
            .repo
            .granted_systems(user.id, org.id, crate::now())
            .await?
    } else {
        Vec::new()
    };
    Ok(Actor {
        user_id: user.id,
        username: user.username,
        display_name: user.display_name,
        role: user.role,
        org: org.as_ref(),
        org_name: org.name,
        granted_systems,
    })
}

/// A new API token, shown once; only its digest is kept.
pub async fn create_api_token(state: &AppState, actor: &Actor, name: &str) -> Result<String> {
    let name = required("name", name)?;
    let token = format!("shuan_{}", crate::random_token());
    let id = state
        .repo
        .create_api_token(actor.user_id, &name, &token_digest(&token))
        .await?;
    audit(
        state,
        AuditEntry::by(
            actor,
            actor.org.id,
            "api_token_create",
            format!("token:{id}"),
            name,
        ),
    )
    .await?;
    Ok(token)
}

// ---- accounts

/// Shortest password accepted.
const MIN_PASSWORD_CHARS: usize = 12;

pub(crate) fn check_password_strength(password: &str) -> Result<()> {
    if password.chars().count() < MIN_PASSWORD_CHARS {
        return Err(Error::BadRequest(format!(
            "passwords have at least {MIN_PASSWORD_CHARS} characters"
        )));
    }
    Ok(())
}

pub(crate) async fn hash_password(state: &AppState, password: &str) -> Result<String> {
    let hasher = state.hasher.clone();
    let password = password.to_owned();
    tokio::task::spawn_blocking(move || hasher.hash(&password))
        .await
        .map_err(|e| Error::Config(format!("password hashing: {e}")))?
}

pub struct NewOrganisation<'a> {
    pub name: &'a str,
    pub kind: &'a str,
    pub regulator_id: Option<i64>,
    pub region: &'a str,
    pub industry: &'a str,
}

/// Only the platform admin registers organisations.
pub async fn create_organisation(
    state: &AppState,
    actor: &Actor,
    new: NewOrganisation<'_>,
) -> Result<i64> {
    if !(actor.role == crate::auth::Role::PlatformAdmin && actor.org.kind == OrgKind::Platform) {
        return Err(Error::Forbidden);
    }
    let kind = OrgKind::parse(new.kind)
        .filter(|k| *k != OrgKind::Platform)
        .ok_or_else(|| Error::BadRequest("kind is regulator or operator".into()))?;
    let name = required("name", new.name)?;
    let id = state
        .repo
        .create_organisation(
            &name,
            kind,
            new.regulator_id,
            &bounded("region", new.region)?,
            &bounded("industry", new.industry)?,
        )
        .await?;
    audit(
        state,
        AuditEntry::by(actor, id, "organisation_create", format!("org:{id}"), name),
    )
    .await?;
    Ok(id)
}

pub struct NewUser<'a> {
    pub org_id: i64,
    pub username: &'a str,
    pub display_name: &'a str,
    pub role: &'a str,
    pub password: &'a str,
}

/// The platform admin creates users anywhere; an operator's security officer within the
/// operator. The role must fit the organisation's kind.
pub async fn create_user(state: &AppState, actor: &Actor, new: NewUser<'_>) -> Result<i64> {
    require_on(state, actor, Action::ManageUsers, new.org_id).await?;
    let role = crate::auth::Role::parse(new.role)
        .ok_or_else(|| Error::BadRequest(format!("unknown role {:?}", new.role)))?;
    if role == crate::auth::Role::PlatformAdmin && actor.role != crate::auth::Role::PlatformAdmin {
        return Err(Error::Forbidden);
    }
    let username = required("username", new.username)?;
    if !username
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || "._-".contains(c))
        || username.len() > 64
    {
        return Err(Error::BadRequest(
            "usernames use letters, digits, '.', '_' and '-'".into(),
        ));
    }
    if state.repo.user_by_name(&username).await?.is_some() {
        return Err(Error::BadRequest("this username is taken".into()));
    }
    check_password_strength(new.password)?;
    let hash = hash_password(state, new.password).await?;
    let display_name = bounded("display_name", new.display_name)?;
    let display_name = if display_name.is_empty() {
        username.clone()
    } else {
        display_name
    };
    let id = state
        .repo
        .create_user(new.org_id, &username, &display_name, role, &hash)
        .await?;
    audit(
        state,
        AuditEntry::by(
            actor,
            new.org_id,
            "user_create",
            format!("user:{id}"),
            format!("{username} {}", role.as_str()),
        ),
    )
    .await?;
    Ok(id)
}

/// Changes the actor's own password after checking the current one; other sessions end.
pub async fn change_password(
    state: &AppState,
    actor: &Actor,
    current: &str,
    new: &str,
) -> Result<()> {
    let user = state.repo.user(actor.user_id).await?;
    let hasher = state.hasher.clone();
    let (current, stored) = (current.to_owned(), user.password_hash.clone());
    let matches = tokio::task::spawn_blocking(move || hasher.verify(&current, &stored))
        .await
        .map_err(|e| Error::Config(format!("password check: {e}")))?;
    if !matches {
        return Err(Error::BadRequest("the current password is wrong".into()));
    }
    check_password_strength(new)?;
    let hash = hash_password(state, new).await?;
    state.repo.set_password(user.id, &hash).await?;
    audit(
        state,
        AuditEntry::by(
            actor,
            actor.org.id,
            "password_change",
            format!("user:{}", user.id),
            String::new(),
        ),
    )
    .await
}

/// On a new installation (no users), the platform organisation and an `admin` account with a
/// random password, which is returned to be shown once.
pub async fn bootstrap_admin(state: &AppState) -> Result<Option<String>> {
    if state.repo.user_count().await? > 0 {
        return Ok(None);
    }
    let org = state
        .repo
        .create_organisation("平台运营方", OrgKind::Platform, None, "", "")
        .await?;
    let password = crate::random_token();
    let hash = hash_password(state, &password).await?;
    let id = state
        .repo
        .create_user(
            org,
            "admin",
            "平台管理员",
            crate::auth::Role::PlatformAdmin,
            &hash,
        )
        .await?;
    audit(
        state,
        AuditEntry {
            at: crate::now(),
            actor: "system".into(),
            actor_id: None,
            org_id: Some(org),
            action: "bootstrap_admin".into(),
            target: format!("user:{id}"),
            detail: String::new(),
        },
    )
    .await?;
    Ok(Some(password))
}

// ---- data sources

/// Sources belong to the creating user's organisation, which must be an operator.
async fn source_org(state: &AppState, actor: &Actor) -> Result<i64> {
    require_on(state, actor, Action::ManageSources, actor.org.id).await?;
    if actor.org.kind != OrgKind::Operator {
        return Err(Error::BadRequest("data sources belong to operators".into()));
    }
    Ok(actor.org.id)
}

pub async fn create_path_source(
    state: &AppState,
    actor: &Actor,
    system: &str,
    name: &str,
    path: &str,
) -> Result<i64> {
    let org_id = source_org(state, actor).await?;
    let resolved = allowed_path(&state.config.allowed_roots, Path::new(path.trim()))?;
    let location = resolved.display().to_string();
    let id = state
        .repo
        .create_source(
            org_id,
            &required("system", system)?,
            &required("name", name)?,
            SourceKind::Path,
            &location,
            None,
            actor.user_id,
        )
        .await?;
    audit(
        state,
        AuditEntry::by(
            actor,
            org_id,
            "source_create",
            format!("source:{id}"),
            location,
        ),
    )
    .await?;
    Ok(id)
}

/// Stores the URL without its password and the password sealed with SM4 apart from it.
pub async fn create_database_source(
    state: &AppState,
    actor: &Actor,
    system: &str,
    name: &str,
    url: &str,
) -> Result<i64> {
    let org_id = source_org(state, actor).await?;
    let mut parsed = url::Url::parse(url.trim())
        .map_err(|_| Error::BadRequest("the database URL is not a URL".into()))?;
    if !matches!(
        parsed.scheme(),
        "postgres" | "postgresql" | "mysql" | "mariadb"
    ) {
        return Err(Error::BadRequest(
            "database URLs start with postgres://, mysql:// or mariadb://".into(),
        ));
    }
    // Kept percent-encoded, as the URL holds it, so setting it back restores the URL.
    let password = parsed.password().map(str::to_owned);
    parsed
        .set_password(None)
        .map_err(|_| Error::BadRequest("the database URL has no host".into()))?;
    let location = parsed.to_string();
    let sealed = password
        .map(|p| state.secrets.seal(&p, &secret_context(org_id, &location)))
        .transpose()?;
    let id = state
        .repo
        .create_source(
            org_id,
            &required("system", system)?,
            &required("name", name)?,
            SourceKind::Database,
            &location,
            sealed.as_deref(),
            actor.user_id,
        )
        .await?;
    audit(
        state,
        AuditEntry::by(
            actor,
            org_id,
            "source_create",
            format!("source:{id}"),
            location,
        ),
    )
    .await?;
    Ok(id)
}

/// A file name that is safe to create: one path component, no leading dot, no control
/// characters. Anything else is refused rather than repaired, so what is stored is what the
/// user named.
pub fn safe_file_name(name: &str) -> Result<String> {
    let refused =
        || Error::BadRequest("the file name must be a plain name, without folders".into());
    let name = name.trim();
    if name.is_empty()
        || name.len() > 200
        || name.starts_with('.')
        || name
            .chars()
            .any(|c| c == '/' || c == '\\' || c == ':' || c.is_control())
    {
        return Err(refused());
    }
    Ok(name.to_owned())
}

/// Where an upload is written: `uploads/<org>/<random>/<name>` under the data dir.
pub fn upload_path(state: &AppState, org_id: i64, name: &str) -> Result<PathBuf> {
    let name = safe_file_name(name)?;
    let folder = state
        .config
        .data_dir
        .join("uploads")
        .join(org_id.to_string())
        .join(crate::random_token());
    std::fs::create_dir_all(&folder)?;
    Ok(folder.join(name))
}

/// Registers an upload already written to `path` (by the HTTP layer, which enforces the
/// size limit while streaming it).
pub async fn create_upload_source(
    state: &AppState,
    actor: &Actor,
    system: &str,
    path: &Path,
    bytes: u64,
) -> Result<i64> {
    let org_id = actor.org.id;
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let location = path.display().to_string();
    let id = state
        .repo
        .create_source(
            org_id,
            &required("system", system)?,
            &name,
            SourceKind::Upload,
            &location,
            None,
            actor.user_id,
        )
        .await?;
    audit(
        state,
        AuditEntry::by(
            actor,
            org_id,
            "source_upload",
            format!("source:{id}"),
            format!("{name} ({bytes} bytes)"),
        ),
    )
    .await?;
    Ok(id)
}

/// Checks that `actor` may upload now, before the body is read; returns the organisation.
pub async fn may_upload(state: &AppState, actor: &Actor) -> Result<i64> {
    source_org(state, actor).await
}

pub async fn sources(state: &AppState, actor: &Actor) -> Result<Vec<DataSource>> {
    let orgs = visible_org_ids(state, actor, Action::ViewInventory).await?;
    state.repo.sources(&orgs).await
}

pub async fn source(state: &AppState, actor: &Actor, id: i64) -> Result<DataSource> {
    let source = state.repo.source(id).await?;
    require_on(state, actor, Action::ViewInventory, source.org_id).await?;
    Ok(source)
}

// ---- scan jobs

pub async fn start_scan(state: &AppState, actor: &Actor, source_id: i64) -> Result<i64> {
    let source = state.repo.source(source_id).await?;
    require_on(state, actor, Action::RunScan, source.org_id).await?;
    let id = state
        .repo
        .create_job(source.org_id, source.id, actor.user_id)
        .await?;
    audit(
        state,
        AuditEntry::by(
            actor,
            source.org_id,
            "scan_start",
            format!("job:{id}"),
            format!("source:{source_id}"),
        ),
    )
    .await?;
    state.job_queued.notify_one();
    Ok(id)
}

pub async fn jobs(state: &AppState, actor: &Actor, limit: i64) -> Result<Vec<ScanJob>> {
    let orgs = visible_org_ids(state, actor, Action::ViewInventory).await?;
    state.repo.jobs(&orgs, limit).await
}

pub async fn job(state: &AppState, actor: &Actor, id: i64) -> Result<ScanJob> {
    let job = state.repo.job(id).await?;
    require_on(state, actor, Action::ViewInventory, job.org_id).await?;
    Ok(job)
}

pub async fn cancel_job(state: &AppState, actor: &Actor, id: i64) -> Result<()> {
    let job = state.repo.job(id).await?;
    require_on(state, actor, Action::RunScan, job.org_id).await?;
    state.repo.cancel_job(id).await?;
    audit(
        state,
        AuditEntry::by(
            actor,
            job.org_id,
            "scan_cancel",
            format!("job:{id}"),
            String::new(),
        ),
    )
    .await
}

// ---- inventory

/// Inventory tables the actor may see. A vendor's list is narrowed in SQL to its granted
/// systems, the list form of [`authorize_in_system`](crate::auth::authorize_in_system).
pub async fn tables(
    state: &AppState,
    actor: &Actor,
    filter: &TableFilter,
) -> Result<Vec<InventoryTable>> {
    if actor.role == Role::Vendor {
        let granted = TableFilter {
            systems: Some(actor.granted_systems.clone()),
            ..filter.clone()
        };
        return state
            .repo
            .tables(&[actor.org.id], &granted, PAGE_ROWS)
            .await;
    }
    let orgs = visible_org_ids(state, actor, Action::ViewInventory).await?;
    state.repo.tables(&orgs, filter, PAGE_ROWS).await
}

/// The table `id` if the actor may do `action` to it, decided with its system (vendor grants).
async fn table_for(
    state: &AppState,
    actor: &Actor,
    action: Action,
    id: i64,
) -> Result<InventoryTable> {
    let table = state.repo.table(id).await?;
    require_on_table(state, actor, action, &table).await?;
    Ok(table)
}

/// Whether the actor may do `action` to `table`, decided with its system (vendor grants) and
/// the organisation as the database has it now (the table itself may come from the cache).
async fn require_on_table(
    state: &AppState,
    actor: &Actor,
    action: Action,
    table: &InventoryTable,
) -> Result<()> {
    let org = state.repo.organisation(table.org_id).await?;
    require_in_system(actor, action, &org.as_ref(), table.system_id)
}

/// A vendor's reads of inventory records are audited: outsourced access is what supervision
/// asks about.
async fn audit_vendor_view(
    state: &AppState,
    actor: &Actor,
    org_id: i64,
    target: String,
) -> Result<()> {
    if actor.role != Role::Vendor {
        return Ok(());
    }
    audit(
        state,
        AuditEntry::by(actor, org_id, "vendor_view", target, String::new()),
    )
    .await
}

pub async fn table(
    state: &AppState,
    actor: &Actor,
    id: i64,
) -> Result<(InventoryTable, Vec<InventoryColumn>)> {
    let read = state.repo.table_with_columns(id).await?;
    let (table, columns) = read.as_ref();
    require_on_table(state, actor, Action::ViewInventory, table).await?;
    audit_vendor_view(state, actor, table.org_id, format!("table:{id}")).await?;
    Ok((table.clone(), columns.clone()))
}

pub async fn column(
    state: &AppState,
    actor: &Actor,
    id: i64,
) -> Result<(InventoryColumn, Vec<LabelReview>)> {
    let column = state.repo.column(id).await?;
    table_for(state, actor, Action::ViewInventory, column.table_id).await?;
    let history = state.repo.reviews(id).await?;
    audit_vendor_view(state, actor, column.org_id, format!("column:{id}")).await?;
    Ok((column, history))
}

/// Masked sample values; every view is audited.
pub async fn column_samples(state: &AppState, actor: &Actor, id: i64) -> Result<Vec<String>> {
    let column = state.repo.column(id).await?;
    table_for(state, actor, Action::ViewSamples, column.table_id).await?;
    let samples = state.repo.column_samples(id).await?;
    audit(
        state,
        AuditEntry::by(
            actor,
            column.org_id,
            "samples_view",
            format!("column:{id}"),
            column.name.clone(),
        ),
    )
    .await?;
    Ok(samples)
}

/// Empty text means "no value".
fn optional(field: &str, text: Option<&str>) -> Result<Option<String>> {
    let text = bounded(field, text.unwrap_or_default())?;
    Ok((!text.is_empty()).then_some(text))
}

pub struct ReviewInput<'a> {
    pub entity: Option<&'a str>,
    pub category: Option<&'a str>,
    pub level: Option<&'a str>,
    pub reason: &'a str,
}

pub async fn review_column(
    state: &AppState,
    actor: &Actor,
    id: i64,
    input: ReviewInput<'_>,
) -> Result<()> {
    let column = state.repo.column(id).await?;
    table_for(state, actor, Action::ReviewLabel, column.table_id).await?;
    let level = optional("level", input.level)?;
    if let Some(level) = &level
        && state.engine.rules().level(level).is_none()
    {
        return Err(Error::BadRequest(format!("unknown level {level:?}")));
    }
    let decision = LabelDecision {
        entity: optional("entity", input.entity)?,
        category: optional("category", input.category)?,
        level,
        reason: required("reason", input.reason)?,
    };
    state
        .repo
        .review_column(&column, actor.user_id, &decision)
        .await?;
    audit(
        state,
        AuditEntry::by(
            actor,
            column.org_id,
            "label_review",
            format!("column:{id}"),
            format!(
                "{} → {} ({})",
                column.level.as_deref().unwrap_or("-"),
                decision.level.as_deref().unwrap_or("-"),
                decision.reason
            ),
        ),
    )
    .await
}

/// A cell that cannot start a spreadsheet formula (CSV injection).
pub(crate) fn spreadsheet_safe(cell: &str) -> String {
    if cell.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        format!("'{cell}")
    } else {
        cell.to_owned()
    }
}

// ---- dashboard and audit

/// The dashboard over the organisations `actor` may see; each organisation's figures come
/// from the repository's cache, which every write to them clears.
pub async fn dashboard(state: &AppState, actor: &Actor) -> Result<Dashboard> {
    let mut figures = Vec::new();
    for org in visible_orgs(state, actor, Action::ViewInventory).await? {
        let counted = state.repo.org_figures(org.id).await?;
        figures.push((org, counted));
    }
    Ok(crate::dashboard::assemble(
        &figures,
        state.config.stale_after_days,
        crate::now(),
    ))
}

#[derive(Clone, Debug, Serialize)]
pub struct AuditRow {
    pub index: u64,
    #[serde(flatten)]
    pub entry: AuditEntry,
}

/// Entries about organisations whose audit trail `actor` may read, newest first. Entries
/// without an organisation (failed logins of unknown names) only the platform admin sees.
pub async fn audit_entries(state: &AppState, actor: &Actor, limit: usize) -> Result<Vec<AuditRow>> {
    let filter = AuditFilter {
        limit,
        ..AuditFilter::default()
    };
    Ok(audit_search(state, actor, &filter).await?.rows)
}

/// What an audit search asks for; every criterion is optional and they all must hold.
#[derive(Clone, Debug, Default)]
pub struct AuditFilter {
    /// The username exactly (or what was typed at a failed login).
    pub actor: Option<String>,
    /// The action exactly, e.g. `login_failed`.
    pub action: Option<String>,
    pub org_id: Option<i64>,
    /// Unix seconds, inclusive.
    pub from: Option<i64>,
    /// Unix seconds, exclusive.
    pub to: Option<i64>,
    /// Continue below this ledger index (the previous page's `next_before`).
    pub before: Option<u64>,
    pub limit: usize,
}

impl AuditFilter {
    fn admits(&self, entry: &AuditEntry) -> bool {
        self.actor.as_ref().is_none_or(|a| entry.actor == *a)
            && self.action.as_ref().is_none_or(|a| entry.action == *a)
            && self.org_id.is_none_or(|o| entry.org_id == Some(o))
            && self.from.is_none_or(|t| entry.at >= t)
            && self.to.is_none_or(|t| entry.at < t)
    }
}

#[derive(Clone, Debug, Serialize)]
pub struct AuditResults {
    pub rows: Vec<AuditRow>,
    /// Pass as `before` for the next (older) page; absent at the end.
    pub next_before: Option<u64>,
}

/// The entries matching `filter` among those the actor may read, newest first, one page.
pub async fn audit_search(
    state: &AppState,
    actor: &Actor,
    filter: &AuditFilter,
) -> Result<AuditResults> {
    let orgs = visible_org_ids(state, actor, Action::ViewAudit).await?;
    if orgs.is_empty() {
        return Err(Error::Forbidden);
    }
    let sees_all = actor.role == crate::auth::Role::PlatformAdmin;
    let criteria = filter.clone();
    let page = state
        .audit
        .search(filter.before, filter.limit, filter.from, move |entry| {
            (sees_all || entry.org_id.is_some_and(|id| orgs.contains(&id)))
                && criteria.admits(entry)
        })
        .await?;
    Ok(AuditResults {
        rows: page
            .entries
            .into_iter()
            .map(|(index, entry)| AuditRow { index, entry })
            .collect(),
        next_before: page.resume_before,
    })
}

pub async fn verify_audit(state: &AppState, actor: &Actor) -> Result<Verification> {
    if visible_org_ids(state, actor, Action::ViewAudit)
        .await?
        .is_empty()
    {
        return Err(Error::Forbidden);
    }
    state.audit.verify().await
}
