//! Pages and API routes of accounts: one's own account (second factor, password), the
//! second-factor step of signing in, administration of organisations, users and vendor
//! grants, and the audit trail with its filters.

use axum::Json;
use axum::Router;
use axum::extract::{Form, Path, Query, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{MethodRouter, get, post};
use serde::Deserialize;
use serde_json::{Value, json};

use super::api::{Endpoint, endpoint, with_body};
use super::limits::{self, ClientKey};
use super::pages::{PageContext, PageResult, see_other, signed_in};
use super::{Authed, cookie};
use crate::AppState;
use crate::accounts::{self, CodeRefused};
use crate::auth::{Action, OrgKind, Role};
use crate::error::{Error, Result};
use crate::service::{self, AuditFilter};

/// Where the code of a two-factor sign-in is sent; its CSRF check is the sign-in form's.
pub const SECOND_FACTOR_PATH: &str = "/login/totp";
/// Holds the half-authenticated challenge, sent only to [`SECOND_FACTOR_PATH`].
const CHALLENGE_COOKIE: &str = "shuan_mfa";
/// Audit entries per page.
const AUDIT_PAGE_ROWS: usize = 100;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route(
            SECOND_FACTOR_PATH,
            get(second_factor_page).post(second_factor),
        )
        .route("/account", get(account_page))
        .route("/account/password", post(change_password))
        .route("/account/totp/enrol", post(enrol_page))
        .route("/account/totp/confirm", post(confirm_page))
        .route("/account/totp/disable", post(disable_page))
        .route(
            "/admin/organisations",
            get(organisations_page).post(create_organisation),
        )
        .route("/admin/users", get(users_page).post(create_user))
        .route("/admin/users/{id}/disable", post(disable_user_page))
        .route("/admin/users/{id}/enable", post(enable_user_page))
        .route("/admin/users/{id}/password", post(reset_password_page))
        .route("/admin/users/{id}/totp/reset", post(reset_totp_page))
        .route("/admin/grants", get(grants_page).post(create_grant_page))
        .route("/admin/grants/{id}/revoke", post(revoke_grant_page))
}

/// The API operations of accounts, appended to the table in `api::endpoints`.
pub fn endpoints() -> Vec<(Endpoint, Option<MethodRouter<AppState>>)> {
    vec![
        (
            endpoint(
                "get",
                "/api/v1/me/totp",
                "Whether the user's second factor is on",
            ),
            Some(get(totp_status)),
        ),
        (
            endpoint(
                "post",
                "/api/v1/me/totp/enrol",
                "Start TOTP enrolment: a new secret (base32 and otpauth URI), shown once",
            ),
            Some(post(enrol)),
        ),
        (
            with_body(
                "post",
                "/api/v1/me/totp/confirm",
                "Confirm TOTP enrolment with a code",
                "{code}",
            ),
            Some(post(confirm)),
        ),
        (
            with_body(
                "post",
                "/api/v1/me/totp/disable",
                "Turn the second factor off with a current code",
                "{code}",
            ),
            Some(post(disable)),
        ),
        (
            endpoint(
                "get",
                "/api/v1/users",
                "Users the caller administers (platform admin: all; security officer: its operator's)",
            ),
            Some(get(list_users)),
        ),
        (
            endpoint(
                "post",
                "/api/v1/users/{id}/disable",
                "Disable a user: its sessions end and its tokens stop working",
            ),
            Some(post(disable_user)),
        ),
        (
            endpoint(
                "post",
                "/api/v1/users/{id}/enable",
                "Enable a disabled user",
            ),
            Some(post(enable_user)),
        ),
        (
            with_body(
                "post",
                "/api/v1/users/{id}/password",
                "Reset a user's password (lifts the lockout, ends its sessions)",
                "{password}",
            ),
            Some(post(reset_password)),
        ),
        (
            endpoint(
                "post",
                "/api/v1/users/{id}/totp/reset",
                "Remove a user's second factor (a lost device)",
            ),
            Some(post(reset_totp)),
        ),
        (
            endpoint(
                "get",
                "/api/v1/systems",
                "Systems (信息系统) of the organisations the caller administers",
            ),
            Some(get(systems)),
        ),
        (
            endpoint(
                "get",
                "/api/v1/grants",
                "Vendor grants the caller administers",
            ),
            Some(get(list_grants)),
        ),
        (
            with_body(
                "post",
                "/api/v1/grants",
                "Grant a vendor user read access to a system's inventory until expires_at (Unix seconds)",
                "{vendor_id, system_id, expires_at}",
            ),
            Some(post(create_grant)),
        ),
        (
            endpoint(
                "post",
                "/api/v1/grants/{id}/revoke",
                "Revoke a vendor grant",
            ),
            Some(post(revoke_grant)),
        ),
        (
            endpoint(
                "get",
                "/api/v1/audit",
                "Audit trail entries the user may read, newest first (query: actor, action, org_id, from, to as Unix seconds or YYYY-MM-DD, before, limit); the next page is in the Link header",
            ),
            Some(get(audit)),
        ),
    ]
}

// ---- the second factor at sign-in

fn challenge_cookie(state: &AppState, value: &str, max_age_seconds: i64) -> HeaderValue {
    let secure = if state.config.secure_cookies {
        "; Secure"
    } else {
        ""
    };
    HeaderValue::from_str(&format!(
        "{CHALLENGE_COOKIE}={value}; Path={SECOND_FACTOR_PATH}; HttpOnly; SameSite=Strict; Max-Age={max_age_seconds}{secure}"
    ))
    .expect("challenge tokens are URL-safe base64")
}

/// After a right password for a user with a second factor: the challenge cookie, and on to
/// the code form.
pub fn to_second_factor(state: &AppState, challenge: &str) -> Response {
    let mut response = see_other(SECOND_FACTOR_PATH);
    response.headers_mut().append(
        header::SET_COOKIE,
        challenge_cookie(state, challenge, accounts::CHALLENGE_SECONDS),
    );
    response
}

fn code_form(
    state: &AppState,
    page: &PageContext,
    headers: &HeaderMap,
    failed: bool,
) -> PageResult {
    let token = super::pages::login_csrf_token(headers);
    let html = page.render(
        state,
        "login_totp.html",
        "login",
        json!({"failed": failed, "csrf": token}),
    )?;
    let status = if failed {
        StatusCode::UNAUTHORIZED
    } else {
        StatusCode::OK
    };
    Ok(super::pages::with_login_csrf_cookie(
        state,
        (status, html).into_response(),
        &token,
    ))
}

async fn second_factor_page(
    State(state): State<AppState>,
    page: PageContext,
    headers: HeaderMap,
) -> PageResult {
    if cookie(&headers, CHALLENGE_COOKIE).is_none() {
        return Ok(see_other("/login"));
    }
    code_form(&state, &page, &headers, false)
}

#[derive(Deserialize)]
struct CodeForm {
    code: String,
}

async fn second_factor(
    State(state): State<AppState>,
    page: PageContext,
    headers: HeaderMap,
    client: ClientKey,
    Form(form): Form<CodeForm>,
) -> PageResult {
    let start_over = || {
        let mut response = see_other("/login");
        response
            .headers_mut()
            .append(header::SET_COOKIE, challenge_cookie(&state, "", 0));
        response
    };
    let Some(challenge) = cookie(&headers, CHALLENGE_COOKIE) else {
        return Ok(start_over());
    };
    let user = match accounts::challenge_user(&state, challenge).await {
        Ok(user) => user,
        Err(Error::Unauthenticated) => return Ok(start_over()),
        Err(error) => return Err(error.into()),
    };
    limits::sign_in_attempt(&state, &client, &user.username)?;
    match accounts::complete_sign_in(&state, challenge, &form.code).await? {
        Ok(session) => {
            let mut response = signed_in(&state, &session);
            response
                .headers_mut()
                .append(header::SET_COOKIE, challenge_cookie(&state, "", 0));
            Ok(response)
        }
        Err(CodeRefused::TryAgain) => code_form(&state, &page, &headers, true),
        Err(CodeRefused::StartOver) => Ok(start_over()),
    }
}

// ---- one's own account

async fn render_account(
    state: &AppState,
    page: &PageContext,
    extra: Value,
    status: StatusCode,
) -> PageResult {
    let actor = &page.identity()?.actor;
    let stored = state.repo.totp_state(actor.user_id).await?;
    let mut context = json!({
        "totp_enabled": stored.secret.is_some(),
        "pending": stored.pending.is_some(),
    });
    if let (Value::Object(base), Value::Object(extra)) = (&mut context, extra) {
        base.extend(extra);
    }
    let html = page.render(state, "account.html", "account", context)?;
    Ok((status, html).into_response())
}

#[derive(Deserialize)]
struct AccountQuery {
    done: Option<String>,
}

async fn account_page(
    State(state): State<AppState>,
    page: PageContext,
    Query(query): Query<AccountQuery>,
) -> PageResult {
    // Only known notices are shown, so the query cannot put text on the page.
    let notice = query
        .done
        .filter(|d| ["totp_enabled", "totp_disabled"].contains(&d.as_str()));
    render_account(&state, &page, json!({"notice": notice}), StatusCode::OK).await
}

async fn enrol_page(State(state): State<AppState>, page: PageContext) -> PageResult {
    let enrolment = accounts::begin_totp(&state, &page.identity()?.actor).await?;
    let qr_svg = accounts::totp::qr_svg(&enrolment.otpauth_uri);
    render_account(
        &state,
        &page,
        json!({"enrolment": enrolment, "qr_svg": qr_svg}),
        StatusCode::OK,
    )
    .await
}

/// A wrong code re-renders the account page with the error; other errors are errors.
async fn after_code(
    state: &AppState,
    page: &PageContext,
    result: Result<()>,
    done: &str,
) -> PageResult {
    match result {
        Ok(()) => Ok(see_other(&format!("/account?done={done}"))),
        Err(Error::BadRequest(message)) if message == accounts::WRONG_CODE => {
            render_account(
                state,
                page,
                json!({"error": "totp_code_wrong"}),
                StatusCode::BAD_REQUEST,
            )
            .await
        }
        Err(error) => Err(error.into()),
    }
}

async fn confirm_page(
    State(state): State<AppState>,
    page: PageContext,
    Form(form): Form<CodeForm>,
) -> PageResult {
    let result = accounts::confirm_totp(&state, &page.identity()?.actor, &form.code).await;
    after_code(&state, &page, result, "totp_enabled").await
}

async fn disable_page(
    State(state): State<AppState>,
    page: PageContext,
    Form(form): Form<CodeForm>,
) -> PageResult {
    let result = accounts::disable_totp(&state, &page.identity()?.actor, &form.code).await;
    after_code(&state, &page, result, "totp_disabled").await
}

#[derive(Deserialize)]
struct PasswordForm {
    current: String,
    new: String,
}

/// A changed password ends every session, this one too: sign in again.
async fn change_password(
    State(state): State<AppState>,
    Authed(identity): Authed,
    Form(form): Form<PasswordForm>,
) -> PageResult {
    service::change_password(&state, &identity.actor, &form.current, &form.new).await?;
    Ok(see_other("/login"))
}

// ---- administration pages

/// Roles the actor may give in the organisations it administers.
fn assignable_roles(actor_role: Role, kinds: &[OrgKind]) -> Vec<&'static str> {
    Role::ALL
        .into_iter()
        .filter(|role| *role != Role::PlatformAdmin || actor_role == Role::PlatformAdmin)
        .filter(|role| role.home_kind().iter().any(|k| kinds.contains(k)))
        .map(Role::as_str)
        .collect()
}

async fn users_page(State(state): State<AppState>, page: PageContext) -> PageResult {
    let actor = &page.identity()?.actor;
    let users = accounts::users(&state, actor).await?;
    let orgs = service::visible_orgs(&state, actor, Action::ManageUsers).await?;
    let kinds: Vec<OrgKind> = orgs.iter().map(|o| o.kind).collect();
    let html = page.render(
        &state,
        "admin_users.html",
        "admin",
        json!({
            "users": users, "orgs": orgs,
            "roles": assignable_roles(actor.role, &kinds),
            "now": crate::now(),
        }),
    )?;
    Ok(html.into_response())
}

#[derive(Deserialize)]
struct NewUserForm {
    org_id: i64,
    username: String,
    display_name: String,
    role: String,
    password: String,
}

async fn create_user(
    State(state): State<AppState>,
    Authed(identity): Authed,
    Form(form): Form<NewUserForm>,
) -> PageResult {
    service::create_user(
        &state,
        &identity.actor,
        service::NewUser {
            org_id: form.org_id,
            username: &form.username,
            display_name: &form.display_name,
            role: &form.role,
            password: &form.password,
        },
    )
    .await?;
    Ok(see_other("/admin/users"))
}

async fn disable_user_page(
    State(state): State<AppState>,
    Authed(identity): Authed,
    Path(id): Path<i64>,
) -> PageResult {
    accounts::set_user_disabled(&state, &identity.actor, id, true).await?;
    Ok(see_other("/admin/users"))
}

async fn enable_user_page(
    State(state): State<AppState>,
    Authed(identity): Authed,
    Path(id): Path<i64>,
) -> PageResult {
    accounts::set_user_disabled(&state, &identity.actor, id, false).await?;
    Ok(see_other("/admin/users"))
}

#[derive(Deserialize)]
struct ResetForm {
    password: String,
}

async fn reset_password_page(
    State(state): State<AppState>,
    Authed(identity): Authed,
    Path(id): Path<i64>,
    Form(form): Form<ResetForm>,
) -> PageResult {
    accounts::reset_password(&state, &identity.actor, id, &form.password).await?;
    Ok(see_other("/admin/users"))
}

async fn reset_totp_page(
    State(state): State<AppState>,
    Authed(identity): Authed,
    Path(id): Path<i64>,
) -> PageResult {
    accounts::reset_totp(&state, &identity.actor, id).await?;
    Ok(see_other("/admin/users"))
}

async fn organisations_page(State(state): State<AppState>, page: PageContext) -> PageResult {
    let actor = &page.identity()?.actor;
    let orgs = service::visible_orgs(&state, actor, Action::ViewInventory).await?;
    let regulators: Vec<_> = orgs
        .iter()
        .filter(|o| o.kind == OrgKind::Regulator)
        .collect();
    let html = page.render(
        &state,
        "admin_orgs.html",
        "admin",
        json!({"orgs": orgs, "regulators": regulators}),
    )?;
    Ok(html.into_response())
}

#[derive(Deserialize)]
struct NewOrganisationForm {
    name: String,
    kind: String,
    /// Empty for a regulator.
    regulator_id: String,
    region: String,
    industry: String,
}

async fn create_organisation(
    State(state): State<AppState>,
    Authed(identity): Authed,
    Form(form): Form<NewOrganisationForm>,
) -> PageResult {
    let regulator_id = optional_number(&form.regulator_id, "regulator_id")?;
    service::create_organisation(
        &state,
        &identity.actor,
        service::NewOrganisation {
            name: &form.name,
            kind: &form.kind,
            regulator_id,
            region: &form.region,
            industry: &form.industry,
        },
    )
    .await?;
    Ok(see_other("/admin/organisations"))
}

async fn grants_page(State(state): State<AppState>, page: PageContext) -> PageResult {
    let actor = &page.identity()?.actor;
    let grants = accounts::grants(&state, actor).await?;
    let now = crate::now();
    let grants: Vec<Value> = grants
        .iter()
        .map(|g| {
            let mut view = json!(g);
            view["live"] = json!(g.is_live(now));
            view
        })
        .collect();
    let vendors: Vec<_> = accounts::users(&state, actor)
        .await?
        .into_iter()
        .filter(|u| u.role == Role::Vendor && !u.disabled)
        .collect();
    let systems = accounts::grantable_systems(&state, actor).await?;
    let html = page.render(
        &state,
        "admin_grants.html",
        "admin",
        json!({"grants": grants, "vendors": vendors, "systems": systems, "max_days": accounts::MAX_GRANT_DAYS}),
    )?;
    Ok(html.into_response())
}

#[derive(Deserialize)]
struct GrantForm {
    vendor_id: i64,
    system_id: i64,
    days: i64,
}

async fn create_grant_page(
    State(state): State<AppState>,
    Authed(identity): Authed,
    Form(form): Form<GrantForm>,
) -> PageResult {
    let expires_at = crate::now() + form.days.clamp(0, accounts::MAX_GRANT_DAYS) * 86_400;
    accounts::create_grant(
        &state,
        &identity.actor,
        form.vendor_id,
        form.system_id,
        expires_at,
    )
    .await?;
    Ok(see_other("/admin/grants"))
}

async fn revoke_grant_page(
    State(state): State<AppState>,
    Authed(identity): Authed,
    Path(id): Path<i64>,
) -> PageResult {
    accounts::revoke_grant(&state, &identity.actor, id).await?;
    Ok(see_other("/admin/grants"))
}

// ---- the audit trail with filters

/// The filters of the audit page and API. Times are Unix seconds or dates (`YYYY-MM-DD`,
/// Beijing time; `to` includes its whole day). Empty values mean "any".
#[derive(Deserialize, Default)]
pub struct AuditQuery {
    actor: Option<String>,
    action: Option<String>,
    org_id: Option<String>,
    from: Option<String>,
    to: Option<String>,
    before: Option<u64>,
    limit: Option<usize>,
}

fn nonempty(text: &Option<String>) -> Option<String> {
    text.as_deref()
        .map(str::trim)
        .filter(|t| !t.is_empty())
        .map(str::to_owned)
}

fn optional_number(text: &str, field: &str) -> Result<Option<i64>> {
    let text = text.trim();
    if text.is_empty() {
        return Ok(None);
    }
    text.parse()
        .map(Some)
        .map_err(|_| Error::BadRequest(format!("{field} must be a number")))
}

/// Days since 1970-01-01 of a civil date (Howard Hinnant's algorithm), if the date exists.
fn days_from_civil(year: i64, month: i64, day: i64) -> Option<i64> {
    let leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
    let month_days = [
        31,
        if leap { 29 } else { 28 },
        31,
        30,
        31,
        30,
        31,
        31,
        30,
        31,
        30,
        31,
    ];
    if !(1..=12).contains(&month) || day < 1 || day > month_days[(month - 1) as usize] {
        return None;
    }
    let year = if month <= 2 { year - 1 } else { year };
    let era = year.div_euclid(400);
    let year_of_era = year - era * 400;
    let day_of_year = (153 * ((month + 9) % 12) + 2) / 5 + day - 1;
    let day_of_era = year_of_era * 365 + year_of_era / 4 - year_of_era / 100 + day_of_year;
    Some(era * 146_097 + day_of_era - 719_468)
}

/// A time bound: Unix seconds as given, or the start of a date in Beijing time (of the next
/// day for an end bound, so the date is included).
fn time_bound(text: &str, end: bool) -> Result<i64> {
    if let Ok(seconds) = text.parse::<i64>() {
        return Ok(seconds);
    }
    let refused = || Error::BadRequest("times are Unix seconds or YYYY-MM-DD".into());
    let mut parts = text.splitn(3, '-').map(|p| p.parse::<i64>().ok());
    let (Some(Some(year)), Some(Some(month)), Some(Some(day))) =
        (parts.next(), parts.next(), parts.next())
    else {
        return Err(refused());
    };
    let days = days_from_civil(year, month, day).ok_or_else(refused)? + i64::from(end);
    Ok(days * 86_400 - 8 * 3600)
}

impl AuditQuery {
    fn filter(&self, default_limit: usize) -> Result<AuditFilter> {
        let bound =
            |text: &Option<String>, end| nonempty(text).map(|t| time_bound(&t, end)).transpose();
        Ok(AuditFilter {
            actor: nonempty(&self.actor),
            action: nonempty(&self.action),
            org_id: optional_number(self.org_id.as_deref().unwrap_or_default(), "org_id")?,
            from: bound(&self.from, false)?,
            to: bound(&self.to, true)?,
            before: self.before,
            limit: self.limit.unwrap_or(default_limit).clamp(1, 5000),
        })
    }

    /// The query string of the next page: the same filters, below `before`.
    fn next_page(&self, before: u64) -> String {
        let mut out = url::form_urlencoded::Serializer::new(String::new());
        for (key, value) in [
            ("actor", &self.actor),
            ("action", &self.action),
            ("org_id", &self.org_id),
            ("from", &self.from),
            ("to", &self.to),
        ] {
            if let Some(value) = nonempty(value) {
                out.append_pair(key, &value);
            }
        }
        if let Some(limit) = self.limit {
            out.append_pair("limit", &limit.to_string());
        }
        out.append_pair("before", &before.to_string());
        out.finish()
    }
}

pub async fn audit_page(
    State(state): State<AppState>,
    page: PageContext,
    Query(query): Query<AuditQuery>,
) -> PageResult {
    let actor = &page.identity()?.actor;
    let results = service::audit_search(&state, actor, &query.filter(AUDIT_PAGE_ROWS)?).await?;
    let verification = service::verify_audit(&state, actor).await?;
    let orgs = service::visible_orgs(&state, actor, Action::ViewAudit).await?;
    let html = page.render(
        &state,
        "audit.html",
        "audit",
        json!({
            "entries": results.rows, "verification": verification, "orgs": orgs,
            "filter": {
                "actor": nonempty(&query.actor), "action": nonempty(&query.action),
                "org_id": nonempty(&query.org_id), "from": nonempty(&query.from), "to": nonempty(&query.to),
            },
            "next_query": results.next_before.map(|b| query.next_page(b)),
        }),
    )?;
    Ok(html.into_response())
}

async fn audit(
    State(state): State<AppState>,
    Authed(identity): Authed,
    Query(query): Query<AuditQuery>,
) -> Result<Response> {
    let results = service::audit_search(&state, &identity.actor, &query.filter(200)?).await?;
    let mut response = Json(json!(results.rows)).into_response();
    if let Some(before) = results.next_before {
        let link = format!("</api/v1/audit?{}>; rel=\"next\"", query.next_page(before));
        response.headers_mut().insert(
            header::LINK,
            HeaderValue::from_str(&link).expect("an encoded query is a valid header"),
        );
    }
    Ok(response)
}

// ---- JSON API

async fn totp_status(
    State(state): State<AppState>,
    Authed(identity): Authed,
) -> Result<Json<Value>> {
    Ok(Json(
        json!({ "enabled": accounts::totp_enabled(&state, &identity.actor).await? }),
    ))
}

async fn enrol(State(state): State<AppState>, Authed(identity): Authed) -> Result<Json<Value>> {
    Ok(Json(json!(
        accounts::begin_totp(&state, &identity.actor).await?
    )))
}

#[derive(Deserialize)]
struct Code {
    code: String,
}

async fn confirm(
    State(state): State<AppState>,
    Authed(identity): Authed,
    Json(body): Json<Code>,
) -> Result<Json<Value>> {
    accounts::confirm_totp(&state, &identity.actor, &body.code).await?;
    Ok(Json(json!({ "enabled": true })))
}

async fn disable(
    State(state): State<AppState>,
    Authed(identity): Authed,
    Json(body): Json<Code>,
) -> Result<Json<Value>> {
    accounts::disable_totp(&state, &identity.actor, &body.code).await?;
    Ok(Json(json!({ "enabled": false })))
}

async fn list_users(
    State(state): State<AppState>,
    Authed(identity): Authed,
) -> Result<Json<Value>> {
    Ok(Json(json!(accounts::users(&state, &identity.actor).await?)))
}

async fn disable_user(
    State(state): State<AppState>,
    Authed(identity): Authed,
    Path(id): Path<i64>,
) -> Result<Json<Value>> {
    accounts::set_user_disabled(&state, &identity.actor, id, true).await?;
    Ok(Json(json!({ "disabled": id })))
}

async fn enable_user(
    State(state): State<AppState>,
    Authed(identity): Authed,
    Path(id): Path<i64>,
) -> Result<Json<Value>> {
    accounts::set_user_disabled(&state, &identity.actor, id, false).await?;
    Ok(Json(json!({ "enabled": id })))
}

#[derive(Deserialize)]
struct NewPassword {
    password: String,
}

async fn reset_password(
    State(state): State<AppState>,
    Authed(identity): Authed,
    Path(id): Path<i64>,
    Json(body): Json<NewPassword>,
) -> Result<Json<Value>> {
    accounts::reset_password(&state, &identity.actor, id, &body.password).await?;
    Ok(Json(json!({ "reset": id })))
}

async fn reset_totp(
    State(state): State<AppState>,
    Authed(identity): Authed,
    Path(id): Path<i64>,
) -> Result<Json<Value>> {
    accounts::reset_totp(&state, &identity.actor, id).await?;
    Ok(Json(json!({ "totp_reset": id })))
}

async fn systems(State(state): State<AppState>, Authed(identity): Authed) -> Result<Json<Value>> {
    Ok(Json(json!(
        accounts::grantable_systems(&state, &identity.actor).await?
    )))
}

async fn list_grants(
    State(state): State<AppState>,
    Authed(identity): Authed,
) -> Result<Json<Value>> {
    Ok(Json(json!(
        accounts::grants(&state, &identity.actor).await?
    )))
}

#[derive(Deserialize)]
struct NewGrant {
    vendor_id: i64,
    system_id: i64,
    expires_at: i64,
}

async fn create_grant(
    State(state): State<AppState>,
    Authed(identity): Authed,
    Json(body): Json<NewGrant>,
) -> Result<Json<Value>> {
    let id = accounts::create_grant(
        &state,
        &identity.actor,
        body.vendor_id,
        body.system_id,
        body.expires_at,
    )
    .await?;
    Ok(Json(json!({ "id": id })))
}

async fn revoke_grant(
    State(state): State<AppState>,
    Authed(identity): Authed,
    Path(id): Path<i64>,
) -> Result<Json<Value>> {
    accounts::revoke_grant(&state, &identity.actor, id).await?;
    Ok(Json(json!({ "revoked": id })))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_are_beijing_days_and_end_bounds_include_the_day() {
        assert_eq!(days_from_civil(1970, 1, 1), Some(0));
        assert_eq!(days_from_civil(2000, 2, 29), Some(11_016));
        assert_eq!(days_from_civil(2023, 2, 29), None);
        assert_eq!(days_from_civil(2026, 13, 1), None);
        // 2026-11-26 00:00 in Beijing is 2026-11-25 16:00 UTC.
        assert_eq!(
            time_bound("2026-11-26", false).unwrap(),
            1_795_651_200 - 8 * 3600
        );
        assert_eq!(
            time_bound("2026-11-26", true).unwrap() - time_bound("2026-11-26", false).unwrap(),
            86_400
        );
        assert_eq!(time_bound("1700000000", false).unwrap(), 1_700_000_000);
        for bad in ["yesterday", "2026-11", "2026-11-31", "2026-1x-01"] {
            assert!(time_bound(bad, false).is_err(), "{bad}");
        }
    }
}
