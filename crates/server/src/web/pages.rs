//! The server-rendered pages. Each handler asks `service` for data (which authorises and
//! audits) and renders a template; forms post back and are redirected (303) to a page.

use std::collections::BTreeMap;

use axum::Form;
use axum::Router;
use axum::extract::{FromRequestParts, Multipart, Path, Query, State};
use axum::http::request::Parts;
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use serde::Deserialize;
use serde_json::{Value, json};

use super::i18n::{Lang, messages};
use super::limits::{self, ClientKey};
use super::{Authed, Identity, LANG_COOKIE, LOGIN_CSRF_COOKIE, SESSION_COOKIE, cookie, set_cookie};
use crate::AppState;
use crate::auth::{Action, authorize};
use crate::error::Error;
use crate::repo::TableFilter;
use crate::service::{self, ReviewInput, SignIn};

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/login", get(login_page).post(login))
        .route("/logout", post(logout))
        .route("/lang", get(switch_language))
        .route("/", get(super::overview::dashboard))
        .route("/sources", get(sources).post(create_source))
        .route("/sources/{id}/scan", post(start_scan))
        .route("/jobs", get(jobs))
        .route("/jobs/{id}/cancel", post(cancel_job))
        .route("/inventory", get(inventory))
        .route("/inventory/export.csv", get(super::api::export_inventory))
        .route("/inventory/tables/{id}", get(table))
        .route("/inventory/columns/{id}", get(column))
        .route("/inventory/columns/{id}/review", post(review))
        .route("/audit", get(super::accounts::audit_page))
}

/// A page's failure: sign-in for the unauthenticated, otherwise a short escaped message.
pub struct PageError(Error);

impl From<Error> for PageError {
    fn from(error: Error) -> Self {
        PageError(error)
    }
}

impl IntoResponse for PageError {
    fn into_response(self) -> Response {
        if matches!(self.0, Error::Unauthenticated) {
            return Redirect::to("/login").into_response();
        }
        let status = self.0.status();
        if status.is_server_error() {
            eprintln!("shuan-server: {}", self.0);
        }
        let body = format!(
            "<!doctype html><html lang=\"zh-CN\"><head><meta charset=\"utf-8\"><title>{status}</title>\
             <link rel=\"stylesheet\" href=\"/assets/style.css\"></head><body><main><section class=\"card narrow\">\
             <h1>出错了 / Something went wrong</h1><p class=\"alert\">{}</p><p><a href=\"/\">返回 / Back</a></p>\
             </section></main></body></html>",
            escape_html(&self.0.public_message())
        );
        let mut response = (status, Html(body)).into_response();
        self.0.annotate(&mut response);
        response
    }
}

fn escape_html(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#x27;"),
            c => out.push(c),
        }
    }
    out
}

pub(crate) type PageResult = Result<Response, PageError>;

/// The language of the request (`?lang=` first, then the cookie) and its path, for the
/// language switch to come back to.
pub struct PageContext {
    pub(crate) lang: Lang,
    path: String,
    identity: Option<Identity>,
    /// Unread inbox messages, for the header's inbox link.
    unread: i64,
}

impl FromRequestParts<AppState> for PageContext {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        let query_lang = parts.uri.query().and_then(|q| {
            url::form_urlencoded::parse(q.as_bytes())
                .find(|(k, _)| k == "lang")
                .and_then(|(_, v)| Lang::parse(&v))
        });
        let lang = query_lang
            .or_else(|| cookie(&parts.headers, LANG_COOKIE).and_then(Lang::parse))
            .unwrap_or(Lang::Zh);
        let identity = parts.extensions.get::<Identity>().cloned();
        // A count that cannot be read leaves the badge off rather than failing the page.
        let unread = match &identity {
            Some(identity) => crate::notify::unread_count(state, identity.actor.user_id)
                .await
                .unwrap_or(0),
            None => 0,
        };
        Ok(PageContext {
            lang,
            path: parts.uri.path().to_owned(),
            identity,
            unread,
        })
    }
}

impl PageContext {
    pub(crate) fn identity(&self) -> Result<&Identity, PageError> {
        self.identity
            .as_ref()
            .ok_or(PageError(Error::Unauthenticated))
    }

    pub(crate) fn render(
        &self,
        state: &AppState,
        template: &str,
        page: &str,
        extra: Value,
    ) -> Result<Html<String>, PageError> {
        let mut context = json!({
            "lang": self.lang.code(),
            "other_lang": if self.lang == Lang::Zh { "en" } else { "zh" },
            "t": messages(self.lang),
            "path": self.path,
            "page": page,
            "user": self.identity.as_ref().map(|i| &i.actor),
            "csrf": self.identity.as_ref().map(|i| i.csrf.as_str()),
            "unread": self.unread,
        });
        if let (Value::Object(base), Value::Object(extra)) = (&mut context, extra) {
            base.extend(extra);
        }
        Ok(Html(state.templates.render(template, context)?))
    }

    /// Levels of the rule pack with their names in the page's language.
    pub(crate) fn levels(&self, state: &AppState) -> (Vec<Value>, BTreeMap<String, String>) {
        let rules = state.engine.rules();
        let names: BTreeMap<String, String> = rules
            .levels
            .iter()
            .map(|l| {
                (
                    l.id.clone(),
                    if self.lang == Lang::Zh {
                        l.zh.clone()
                    } else {
                        l.en.clone()
                    },
                )
            })
            .collect();
        let list = rules
            .levels
            .iter()
            .rev()
            .map(|l| json!({"id": l.id, "label": names[&l.id]}))
            .collect();
        (list, names)
    }
}

pub(crate) fn see_other(to: &str) -> Response {
    Redirect::to(to).into_response()
}

// ---- sign-in and language

#[derive(Deserialize)]
struct LoginForm {
    username: String,
    password: String,
}

async fn login_page(
    State(state): State<AppState>,
    page: PageContext,
    headers: HeaderMap,
) -> PageResult {
    if page.identity.is_some() {
        return Ok(see_other("/"));
    }
    login_form(&state, &page, &headers, false, "", StatusCode::OK)
}

pub(super) fn login_form(
    state: &AppState,
    page: &PageContext,
    headers: &HeaderMap,
    failed: bool,
    username: &str,
    status: StatusCode,
) -> PageResult {
    let token = login_csrf_token(headers);
    let html = page.render(
        state,
        "login.html",
        "login",
        json!({"failed": failed, "username": username, "csrf": token}),
    )?;
    Ok(with_login_csrf_cookie(
        state,
        (status, html).into_response(),
        &token,
    ))
}

/// The double-submit token of the sign-in forms: the browser's, or a new one.
pub(super) fn login_csrf_token(headers: &HeaderMap) -> String {
    cookie(headers, LOGIN_CSRF_COOKIE)
        .filter(|t| t.len() >= 32)
        .map_or_else(crate::random_token, str::to_owned)
}

pub(super) fn with_login_csrf_cookie(
    state: &AppState,
    mut response: Response,
    token: &str,
) -> Response {
    response.headers_mut().append(
        header::SET_COOKIE,
        set_cookie(state, LOGIN_CSRF_COOKIE, token, 3600),
    );
    response
}

/// The answer to a completed sign-in: the session cookie, the sign-in CSRF cookie cleared.
pub(super) fn signed_in(state: &AppState, session: &service::NewSession) -> Response {
    let mut response = see_other(session.home);
    let cookies = response.headers_mut();
    cookies.append(
        header::SET_COOKIE,
        set_cookie(
            state,
            SESSION_COOKIE,
            &session.token,
            state.config.session_hours * 3600,
        ),
    );
    cookies.append(
        header::SET_COOKIE,
        set_cookie(state, LOGIN_CSRF_COOKIE, "", 0),
    );
    response
}

async fn login(
    State(state): State<AppState>,
    page: PageContext,
    headers: HeaderMap,
    client: ClientKey,
    Form(form): Form<LoginForm>,
) -> PageResult {
    limits::sign_in_attempt(&state, &client, &form.username)?;
    match service::login(&state, &form.username, &form.password).await {
        Ok(SignIn::Complete(session)) => Ok(signed_in(&state, &session)),
        Ok(SignIn::SecondFactor(challenge)) => {
            Ok(super::accounts::to_second_factor(&state, &challenge))
        }
        Err(Error::Unauthenticated) => login_form(
            &state,
            &page,
            &headers,
            true,
            &form.username,
            StatusCode::UNAUTHORIZED,
        ),
        Err(error) => Err(error.into()),
    }
}

async fn logout(State(state): State<AppState>, Authed(identity): Authed) -> PageResult {
    if let Some(digest) = &identity.session_digest {
        service::logout(&state, &identity.actor, digest).await?;
    }
    let mut response = see_other("/login");
    response.headers_mut().append(
        header::SET_COOKIE,
        set_cookie(&state, SESSION_COOKIE, "", 0),
    );
    Ok(response)
}

#[derive(Deserialize)]
struct LanguageQuery {
    set: String,
    next: Option<String>,
}

/// Sets the language cookie and goes back to a local page (never to another site).
async fn switch_language(
    State(state): State<AppState>,
    Query(query): Query<LanguageQuery>,
) -> Response {
    let lang = Lang::parse(&query.set).unwrap_or(Lang::Zh);
    let next = query
        .next
        .filter(|n| n.starts_with('/') && !n.starts_with("//") && !n.contains('\\'))
        .unwrap_or_else(|| "/".into());
    let mut response = see_other(&next);
    let code = if lang == Lang::Zh { "zh" } else { "en" };
    response.headers_mut().append(
        header::SET_COOKIE,
        set_cookie(&state, LANG_COOKIE, code, 365 * 24 * 3600),
    );
    response
}

// ---- jobs shown on the dashboard and the jobs page

pub(super) fn job_view(job: &crate::repo::ScanJob) -> Value {
    let mut view = serde_json::to_value(job).expect("jobs serialise");
    view["percent"] = json!(job.percent());
    view
}

// ---- data sources

async fn sources(State(state): State<AppState>, page: PageContext) -> PageResult {
    let actor = &page.identity()?.actor;
    let sources = service::sources(&state, actor).await?;
    let orgs = state.repo.organisations().await?;
    let org_names: BTreeMap<String, String> = orgs
        .iter()
        .map(|o| (o.id.to_string(), o.name.clone()))
        .collect();
    let views: Vec<Value> = sources
        .iter()
        .map(|s| {
            let mut view = serde_json::to_value(s).expect("sources serialise");
            let org = orgs.iter().find(|o| o.id == s.org_id).map(|o| o.as_ref());
            view["can_scan"] = json!(org.is_some_and(|o| authorize(actor, Action::RunScan, &o)));
            view
        })
        .collect();
    let can_manage = actor.org.kind == crate::auth::OrgKind::Operator
        && authorize(actor, Action::ManageSources, &actor.org);
    let html = page.render(
        &state,
        "sources.html",
        "sources",
        json!({"sources": views, "org_names": org_names, "can_manage": can_manage}),
    )?;
    Ok(html.into_response())
}

#[derive(Deserialize)]
struct SourceForm {
    kind: String,
    system: String,
    name: String,
    location: String,
}

async fn create_source(
    State(state): State<AppState>,
    Authed(identity): Authed,
    Form(form): Form<SourceForm>,
) -> PageResult {
    let actor = &identity.actor;
    match form.kind.as_str() {
        "path" => {
            service::create_path_source(&state, actor, &form.system, &form.name, &form.location)
                .await?
        }
        "database" => {
            service::create_database_source(&state, actor, &form.system, &form.name, &form.location)
                .await?
        }
        _ => return Err(Error::BadRequest("kind is path or database".into()).into()),
    };
    Ok(see_other("/sources"))
}

/// Streams a multipart upload (fields `system` and `file`) to disk under the size limit and
/// registers it as a source. Shared by the page and the API.
pub async fn receive_upload(
    state: &AppState,
    identity: &Identity,
    multipart: Multipart,
) -> Result<i64, Error> {
    let actor = &identity.actor;
    let org_id = service::may_upload(state, actor).await?;
    let received = stream_upload(state, org_id, multipart, &["system"]).await?;
    service::create_upload_source(
        state,
        actor,
        received.field("system"),
        &received.path,
        received.bytes,
    )
    .await
}

/// A multipart upload: its one file, written under `uploads/<org>/<random>/`, and its small
/// text fields.
pub struct ReceivedFile {
    fields: Vec<(String, String)>,
    pub path: std::path::PathBuf,
    pub bytes: u64,
}

impl ReceivedFile {
    /// A text field's value, empty when absent.
    pub fn field(&self, name: &str) -> &str {
        self.fields
            .iter()
            .find(|(n, _)| n == name)
            .map_or("", |(_, v)| v.as_str())
    }
}

/// Streams the `file` field of an upload to disk for `org_id`, counting bytes against
/// `max_upload_bytes` as they arrive; `text_fields` are the other fields accepted. A refused
/// upload leaves nothing behind.
pub async fn stream_upload(
    state: &AppState,
    org_id: i64,
    mut multipart: Multipart,
    text_fields: &[&str],
) -> Result<ReceivedFile, Error> {
    let mut fields = Vec::new();
    let mut stored: Option<(std::path::PathBuf, u64)> = None;
    let limit = state.config.max_upload_bytes as u64;
    let result = async {
        while let Some(mut field) = multipart
            .next_field()
            .await
            .map_err(|e| upload_error(e.status()))?
        {
            match field.name() {
                Some("file") if stored.is_none() => {
                    let name = field.file_name().unwrap_or_default().to_owned();
                    let path = service::upload_path(state, org_id, &name)?;
                    let mut file = tokio::fs::File::create(&path).await?;
                    stored = Some((path, 0));
                    while let Some(chunk) =
                        field.chunk().await.map_err(|e| upload_error(e.status()))?
                    {
                        let entry = stored.as_mut().expect("set above");
                        entry.1 += chunk.len() as u64;
                        if entry.1 > limit {
                            return Err(Error::TooLarge);
                        }
                        tokio::io::AsyncWriteExt::write_all(&mut file, &chunk).await?;
                    }
                    tokio::io::AsyncWriteExt::flush(&mut file).await?;
                }
                Some(name) if text_fields.contains(&name) => {
                    let name = name.to_owned();
                    let value = field.text().await.map_err(|e| upload_error(e.status()))?;
                    fields.push((name, value));
                }
                _ => return Err(Error::BadRequest("unexpected form field".into())),
            }
        }
        Ok(())
    }
    .await;
    let Some((path, bytes)) = stored else {
        result?;
        return Err(Error::BadRequest("no file in the upload".into()));
    };
    if let Err(error) = result {
        // Nothing half-written stays behind.
        remove_upload(&path);
        return Err(error);
    }
    Ok(ReceivedFile {
        fields,
        path,
        bytes,
    })
}

/// A stored upload sent back as a download: the user's file name percent-encoded in
/// `filename*` (RFC 6266) with a plain ASCII fallback, never the path it is stored under.
pub async fn send_upload(location: &str, file_name: &str) -> Result<Response, Error> {
    let bytes = tokio::fs::read(location).await?;
    let encoded: String = url::form_urlencoded::byte_serialize(file_name.as_bytes()).collect();
    Ok((
        [
            (header::CONTENT_TYPE, "application/octet-stream".to_owned()),
            (
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"download\"; filename*=UTF-8''{encoded}"),
            ),
        ],
        bytes,
    )
        .into_response())
}

/// Removes an upload's folder (each upload has its own).
pub fn remove_upload(path: &std::path::Path) {
    let _ = std::fs::remove_dir_all(path.parent().expect("uploads live in their own folder"));
}

fn upload_error(status: StatusCode) -> Error {
    if status == StatusCode::PAYLOAD_TOO_LARGE {
        Error::TooLarge
    } else {
        Error::BadRequest("the upload is not a valid multipart form".into())
    }
}

pub async fn upload(
    State(state): State<AppState>,
    Authed(identity): Authed,
    multipart: Multipart,
) -> PageResult {
    receive_upload(&state, &identity, multipart).await?;
    Ok(see_other("/sources"))
}

async fn start_scan(
    State(state): State<AppState>,
    Authed(identity): Authed,
    Path(id): Path<i64>,
) -> PageResult {
    service::start_scan(&state, &identity.actor, id).await?;
    Ok(see_other("/jobs"))
}

// ---- jobs

async fn jobs(State(state): State<AppState>, page: PageContext) -> PageResult {
    let actor = &page.identity()?.actor;
    let jobs = service::jobs(&state, actor, service::LIST_LIMIT).await?;
    let orgs = state.repo.organisations().await?;
    let active = jobs.iter().any(|j| j.status.is_active());
    let views: Vec<Value> = jobs
        .iter()
        .map(|job| {
            let mut view = job_view(job);
            let org = orgs.iter().find(|o| o.id == job.org_id).map(|o| o.as_ref());
            view["can_cancel"] = json!(
                job.status.is_active()
                    && org.is_some_and(|o| authorize(actor, Action::RunScan, &o))
            );
            view
        })
        .collect();
    // Live status without scripts: the page reloads itself while a job is active.
    let html = page.render(
        &state,
        "jobs.html",
        "jobs",
        json!({"jobs": views, "refresh": if active { Some(2) } else { None }}),
    )?;
    Ok(html.into_response())
}

async fn cancel_job(
    State(state): State<AppState>,
    Authed(identity): Authed,
    Path(id): Path<i64>,
) -> PageResult {
    service::cancel_job(&state, &identity.actor, id).await?;
    Ok(see_other("/jobs"))
}

// ---- inventory

#[derive(Deserialize, Default)]
pub struct InventoryQuery {
    /// 1-based page of `PAGE_ROWS` tables.
    pub page: Option<i64>,
    pub level: Option<String>,
    pub q: Option<String>,
    pub source_id: Option<i64>,
}

impl InventoryQuery {
    pub fn filter(&self) -> TableFilter {
        let nonempty = |s: &Option<String>| {
            s.as_ref()
                .map(|s| s.trim().to_owned())
                .filter(|s| !s.is_empty())
        };
        TableFilter {
            offset: (self.page.unwrap_or(1).max(1) - 1).saturating_mul(service::PAGE_ROWS),
            source_id: self.source_id,
            level: nonempty(&self.level),
            name_contains: nonempty(&self.q),
            systems: None,
        }
    }
}

async fn inventory(
    State(state): State<AppState>,
    page: PageContext,
    Query(query): Query<InventoryQuery>,
) -> PageResult {
    let actor = &page.identity()?.actor;
    let tables = service::tables(&state, actor, &query.filter()).await?;
    let page_number = query.page.unwrap_or(1).max(1);
    let (levels, level_names) = page.levels(&state);
    let html = page.render(
        &state,
        "inventory.html",
        "inventory",
        json!({
            "tables": tables, "levels": levels, "level_names": level_names,
            "filter_level": query.level.clone().unwrap_or_default(), "filter_q": query.q.clone().unwrap_or_default(),
            "page": page_number, "has_next": tables.len() as i64 == service::PAGE_ROWS,
            "next_query": paging_query(&query, page_number + 1), "previous_query": paging_query(&query, page_number - 1),
        }),
    )?;
    Ok(html.into_response())
}

/// The query string of another page of the same filtered list.
fn paging_query(query: &InventoryQuery, page: i64) -> String {
    let mut out = url::form_urlencoded::Serializer::new(String::new());
    out.append_pair("page", &page.to_string());
    if let Some(level) = &query.level {
        out.append_pair("level", level);
    }
    if let Some(q) = &query.q {
        out.append_pair("q", q);
    }
    if let Some(source) = query.source_id {
        out.append_pair("source_id", &source.to_string());
    }
    out.finish()
}

async fn table(
    State(state): State<AppState>,
    page: PageContext,
    Path(id): Path<i64>,
) -> PageResult {
    let actor = &page.identity()?.actor;
    let (table, columns) = service::table(&state, actor, id).await?;
    let (_, level_names) = page.levels(&state);
    let html = page.render(
        &state,
        "table.html",
        "inventory",
        json!({"table": table, "columns": columns, "level_names": level_names}),
    )?;
    Ok(html.into_response())
}

#[derive(Deserialize)]
struct ColumnQuery {
    samples: Option<u8>,
}

async fn column(
    State(state): State<AppState>,
    page: PageContext,
    Path(id): Path<i64>,
    Query(query): Query<ColumnQuery>,
) -> PageResult {
    let actor = &page.identity()?.actor;
    let (column, history) = service::column(&state, actor, id).await?;
    let (table, _) = service::table(&state, actor, column.table_id).await?;
    let samples = if query.samples == Some(1) {
        Some(service::column_samples(&state, actor, id).await?)
    } else {
        None
    };
    let org = state.repo.organisation(column.org_id).await?.as_ref();
    let (levels, level_names) = page.levels(&state);
    let html = page.render(
        &state,
        "column.html",
        "inventory",
        json!({
            "column": column, "table": table, "history": history, "samples": samples,
            "levels": levels, "level_names": level_names,
            "can_review": authorize(actor, Action::ReviewLabel, &org),
            "can_view_samples": authorize(actor, Action::ViewSamples, &org),
        }),
    )?;
    Ok(html.into_response())
}

#[derive(Deserialize)]
struct ReviewForm {
    entity: Option<String>,
    category: Option<String>,
    level: Option<String>,
    reason: String,
}

async fn review(
    State(state): State<AppState>,
    Authed(identity): Authed,
    Path(id): Path<i64>,
    Form(form): Form<ReviewForm>,
) -> PageResult {
    service::review_column(
        &state,
        &identity.actor,
        id,
        ReviewInput {
            entity: form.entity.as_deref(),
            category: form.category.as_deref(),
            level: form.level.as_deref(),
            reason: &form.reason,
        },
    )
    .await?;
    Ok(see_other(&format!("/inventory/columns/{id}")))
}
