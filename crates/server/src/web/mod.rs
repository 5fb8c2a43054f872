//! HTTP: the router, the identity and CSRF middleware every request passes, security
//! headers, body limits, and the small operational endpoints.

pub mod accounts;
pub mod api;
pub mod assessment;
pub mod filing_api;
pub mod filing_pages;
pub mod i18n;
pub mod incidents;
pub mod inspection;
pub mod limits;
pub mod openapi;
pub mod overview;
pub mod pages;
pub mod supervision_api;
pub mod supervision_pages;
pub mod templates;

use std::sync::atomic::Ordering;

use axum::Router;
use axum::body::Body;
use axum::extract::{DefaultBodyLimit, FromRequestParts, Request, State};
use axum::http::request::Parts;
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, header};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::get;

use crate::AppState;
use crate::auth::{Actor, same_secret, token_digest};
use crate::error::Error;

pub const SESSION_COOKIE: &str = "shuan_session";
/// Double-submit token for the login form, before any session exists.
pub const LOGIN_CSRF_COOKIE: &str = "shuan_login_csrf";
pub const LANG_COOKIE: &str = "shuan_lang";
pub const CSRF_HEADER: &str = "x-csrf-token";
/// Largest request body apart from uploads (forms and JSON are small).
const MAX_BODY_BYTES: usize = 256 * 1024;

/// Who is making the request, resolved once by [`identify`].
#[derive(Clone, Debug)]
pub struct Identity {
    pub actor: Actor,
    /// The session's CSRF token; empty for API-token requests, which need none (a browser
    /// never attaches an `Authorization` header on its own).
    pub csrf: String,
    /// The session's digest, to end it at logout.
    pub session_digest: Option<String>,
    /// The session's or API token's digest: the key of the API rate limit.
    pub limit_key: String,
}

/// The signed-in user; requests without one are refused with 401.
pub struct Authed(pub Identity);

impl<S: Send + Sync> FromRequestParts<S> for Authed {
    type Rejection = Error;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Error> {
        parts
            .extensions
            .get::<Identity>()
            .cloned()
            .map(Authed)
            .ok_or(Error::Unauthenticated)
    }
}

pub fn router(state: AppState) -> Router {
    let upload_limit = state.config.max_upload_bytes + 64 * 1024;
    let uploads = Router::new()
        .route("/sources/upload", axum::routing::post(pages::upload))
        .route(api::UPLOAD_PATH, axum::routing::post(api::upload))
        .route(
            assessment::EVIDENCE_PATH,
            axum::routing::post(assessment::upload_evidence),
        )
        .route(
            assessment::IMPORT_PATH,
            axum::routing::post(assessment::import_library_upload),
        )
        .route(
            inspection::EVIDENCE_PATH,
            axum::routing::post(inspection::upload_evidence),
        )
        .route(
            inspection::API_EVIDENCE_PATH,
            axum::routing::post(inspection::api_upload_evidence),
        )
        .route(
            supervision_pages::PLAN_UPLOAD_PATH,
            axum::routing::post(supervision_pages::upload_plan),
        )
        .layer(DefaultBodyLimit::max(upload_limit));
    Router::new()
        .merge(pages::routes())
        .merge(accounts::routes())
        .merge(filing_pages::routes())
        .merge(incidents::page_routes())
        .merge(api::routes())
        .merge(overview::routes())
        .merge(assessment::routes())
        .merge(inspection::routes())
        .merge(supervision_pages::routes())
        .layer(DefaultBodyLimit::max(MAX_BODY_BYTES))
        .merge(uploads)
        .route("/healthz", get(|| async { "ok" }))
        .route("/readyz", get(readyz))
        .route("/metrics", get(metrics))
        .route("/assets/style.css", get(stylesheet))
        .layer(middleware::from_fn_with_state(
            state.clone(),
            limits::limit_api,
        ))
        .layer(middleware::from_fn_with_state(state.clone(), identify))
        .layer(middleware::from_fn_with_state(
            state.clone(),
            count_and_harden,
        ))
        .with_state(state)
}

/// Counts responses for `/metrics` and adds the security headers to every one.
async fn count_and_harden(State(state): State<AppState>, request: Request, next: Next) -> Response {
    let mut response = next.run(request).await;
    let metrics = &state.metrics;
    metrics.requests.fetch_add(1, Ordering::Relaxed);
    if response.status().is_client_error() {
        metrics.client_errors.fetch_add(1, Ordering::Relaxed);
    } else if response.status().is_server_error() {
        metrics.server_errors.fetch_add(1, Ordering::Relaxed);
    }
    let headers = response.headers_mut();
    for (name, value) in [
        (
            "content-security-policy",
            "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; \
             form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
        ),
        ("x-frame-options", "DENY"),
        ("x-content-type-options", "nosniff"),
        ("referrer-policy", "same-origin"),
        ("cross-origin-opener-policy", "same-origin"),
    ] {
        headers.insert(name, HeaderValue::from_static(value));
    }
    if !headers.contains_key(header::CACHE_CONTROL) {
        headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    }
    response
}

pub fn cookie<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(key, _)| *key == name)
        .map(|(_, value)| value)
}

/// A `Set-Cookie` value: HttpOnly, SameSite=Strict, path /, Secure when configured.
pub fn set_cookie(state: &AppState, name: &str, value: &str, max_age_seconds: i64) -> HeaderValue {
    let secure = if state.config.secure_cookies {
        "; Secure"
    } else {
        ""
    };
    HeaderValue::from_str(&format!(
        "{name}={value}; Path=/; HttpOnly; SameSite=Strict; Max-Age={max_age_seconds}{secure}"
    ))
    .expect("cookie values are URL-safe base64")
}

async fn resolve_identity(
    state: &AppState,
    headers: &HeaderMap,
) -> Result<Option<Identity>, Error> {
    if let Some(bearer) = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
    {
        // A wrong token is an error, not an anonymous request.
        let digest = token_digest(bearer.trim());
        let user_id = state
            .repo
            .api_token_user(&digest)
            .await?
            .ok_or(Error::Unauthenticated)?;
        let actor = crate::service::actor(state, user_id).await?;
        return Ok(Some(Identity {
            actor,
            csrf: String::new(),
            session_digest: None,
            limit_key: digest,
        }));
    }
    let Some(token) = cookie(headers, SESSION_COOKIE) else {
        return Ok(None);
    };
    let digest = token_digest(token);
    let Some((user_id, csrf)) = state.repo.session(&digest).await? else {
        return Ok(None);
    };
    let actor = crate::service::actor(state, user_id).await?;
    Ok(Some(Identity {
        actor,
        csrf,
        session_digest: Some(digest.clone()),
        limit_key: digest,
    }))
}

/// Resolves who is asking (API token, else session cookie) and, for every unsafe request
/// made with a session, checks the CSRF token: the `X-CSRF-Token` header, the `csrf` field of
/// a form, or (multipart uploads only) the `csrf` query parameter. The login form, before a
/// session exists, is checked by double submit against its cookie.
async fn identify(State(state): State<AppState>, request: Request, next: Next) -> Response {
    let identity = match resolve_identity(&state, request.headers()).await {
        Ok(identity) => identity,
        Err(error) => return error.into_response(),
    };
    let unsafe_method = !matches!(
        *request.method(),
        Method::GET | Method::HEAD | Method::OPTIONS
    );
    let mut request = request;
    if unsafe_method {
        let expected = match &identity {
            Some(identity) if identity.session_digest.is_some() => Some(identity.csrf.clone()),
            Some(_) => None,
            None if matches!(
                request.uri().path(),
                "/login"
                    | accounts::SECOND_FACTOR_PATH
                    | supervision_pages::PUBLIC_COMPLAINT_PATH
                    | supervision_pages::PUBLIC_TRACK_PATH
            ) =>
            {
                Some(
                    cookie(request.headers(), LOGIN_CSRF_COOKIE)
                        .unwrap_or_default()
                        .to_owned(),
                )
            }
            None => None,
        };
        if let Some(expected) = expected {
            let (provided, rebuilt) = match csrf_token_of(request).await {
                Ok(found) => found,
                Err(error) => return error.into_response(),
            };
            request = rebuilt;
            if expected.is_empty() || !provided.is_some_and(|p| same_secret(&p, &expected)) {
                return Error::Csrf.into_response();
            }
        }
    }
    if let Some(identity) = identity {
        request.extensions_mut().insert(identity);
    }
    next.run(request).await
}

/// The CSRF token a request carries, and the request put back together (a form's body is
/// read to find it).
async fn csrf_token_of(request: Request) -> Result<(Option<String>, Request), Error> {
    if let Some(token) = request
        .headers()
        .get(CSRF_HEADER)
        .and_then(|v| v.to_str().ok())
    {
        return Ok((Some(token.to_owned()), request));
    }
    let content_type = request
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_owned();
    if content_type.starts_with("multipart/form-data") {
        let token = request.uri().query().and_then(|q| {
            url::form_urlencoded::parse(q.as_bytes())
                .find(|(k, _)| k == "csrf")
                .map(|(_, v)| v.into_owned())
        });
        return Ok((token, request));
    }
    if content_type.starts_with("application/x-www-form-urlencoded") {
        let (parts, body) = request.into_parts();
        let bytes = axum::body::to_bytes(body, MAX_BODY_BYTES)
            .await
            .map_err(|_| Error::TooLarge)?;
        let token = url::form_urlencoded::parse(&bytes)
            .find(|(k, _)| k == "csrf")
            .map(|(_, v)| v.into_owned());
        return Ok((token, Request::from_parts(parts, Body::from(bytes))));
    }
    Ok((None, request))
}

async fn readyz(State(state): State<AppState>) -> Response {
    match sqlx::query("SELECT 1").execute(&state.repo.pool).await {
        Ok(_) => "ready".into_response(),
        Err(_) => (StatusCode::SERVICE_UNAVAILABLE, "database unavailable").into_response(),
    }
}

/// Prometheus text format.
async fn metrics(State(state): State<AppState>) -> Response {
    let m = &state.metrics;
    let mut text = String::new();
    for (name, help, value) in [
        (
            "shuan_http_requests_total",
            "HTTP requests served.",
            m.requests.load(Ordering::Relaxed),
        ),
        (
            "shuan_http_client_errors_total",
            "Responses with a 4xx status.",
            m.client_errors.load(Ordering::Relaxed),
        ),
        (
            "shuan_http_server_errors_total",
            "Responses with a 5xx status.",
            m.server_errors.load(Ordering::Relaxed),
        ),
        (
            "shuan_logins_failed_total",
            "Failed sign-in attempts.",
            m.logins_failed.load(Ordering::Relaxed),
        ),
        (
            "shuan_scan_jobs_finished_total",
            "Scan jobs that ended without failing.",
            m.jobs_finished.load(Ordering::Relaxed),
        ),
        (
            "shuan_scan_jobs_failed_total",
            "Scan jobs that failed.",
            m.jobs_failed.load(Ordering::Relaxed),
        ),
    ] {
        text += &format!("# HELP {name} {help}\n# TYPE {name} counter\n{name} {value}\n");
    }
    text += &format!(
        "# HELP shuan_audit_entries Entries in the audit ledger.\n# TYPE shuan_audit_entries gauge\nshuan_audit_entries {}\n",
        state.audit.size()
    );
    ([(header::CONTENT_TYPE, "text/plain; version=0.0.4")], text).into_response()
}

async fn stylesheet() -> Response {
    (
        [
            (header::CONTENT_TYPE, "text/css; charset=utf-8"),
            (header::CACHE_CONTROL, "public, max-age=3600"),
        ],
        include_str!("../../assets/style.css"),
    )
        .into_response()
}
