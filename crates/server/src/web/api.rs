//! The JSON API under `/api/v1`. Every endpoint is listed once in [`endpoints`], which both
//! builds the router and the OpenAPI document, so the two cannot drift apart.

use axum::extract::{Multipart, Path, Query, State};
use axum::http::header;
use axum::response::{IntoResponse, Response};
use axum::routing::{MethodRouter, get, post};
use axum::{Json, Router};
use serde::Deserialize;
use serde_json::{Value, json};

use super::Authed;
use super::pages::{InventoryQuery, receive_upload};
use crate::AppState;
use crate::auth::Action;
use crate::error::Result;
use crate::service::{self, ReviewInput};

pub const UPLOAD_PATH: &str = "/api/v1/sources/upload";

/// One API operation, as the OpenAPI document describes it.
#[derive(Clone, Copy, Debug)]
pub struct Endpoint {
    pub method: &'static str,
    pub path: &'static str,
    pub summary: &'static str,
    /// The JSON body it takes, if any (a description for the document).
    pub body: Option<&'static str>,
}

pub(crate) const fn endpoint(
    method: &'static str,
    path: &'static str,
    summary: &'static str,
) -> Endpoint {
    Endpoint {
        method,
        path,
        summary,
        body: None,
    }
}

pub(crate) const fn with_body(
    method: &'static str,
    path: &'static str,
    summary: &'static str,
    body: &'static str,
) -> Endpoint {
    Endpoint {
        method,
        path,
        summary,
        body: Some(body),
    }
}

/// Every API operation with its handler. The upload is routed by `web::router` under its
/// own body limit.
pub fn endpoints() -> Vec<(Endpoint, Option<MethodRouter<AppState>>)> {
    let mut list = vec![
        (
            endpoint(
                "get",
                "/api/v1/me",
                "The signed-in user, role and organisation",
            ),
            Some(get(me)),
        ),
        (
            endpoint(
                "get",
                "/api/v1/organisations",
                "Organisations the user may see",
            ),
            Some(get(organisations)),
        ),
        (
            with_body(
                "post",
                "/api/v1/organisations",
                "Register a regulator or operator (platform admin)",
                "{name, kind: regulator|operator, regulator_id?, region, industry}",
            ),
            Some(post(create_organisation)),
        ),
        (
            with_body(
                "post",
                "/api/v1/users",
                "Create a user (platform admin; an operator's security officer in the operator)",
                "{org_id, username, display_name, role, password}",
            ),
            Some(post(create_user)),
        ),
        (
            with_body(
                "post",
                "/api/v1/me/password",
                "Change one's own password (ends other sessions)",
                "{current, new}",
            ),
            Some(post(change_password)),
        ),
        (
            endpoint("get", "/api/v1/sources", "Data sources the user may see"),
            Some(get(sources)),
        ),
        (
            with_body(
                "post",
                "/api/v1/sources",
                "Add a server-path or database source",
                "{kind: path|database, system, name, location}",
            ),
            Some(post(create_source)),
        ),
        (
            endpoint(
                "post",
                UPLOAD_PATH,
                "Upload a file as a data source (multipart: system, file; session requests put csrf in the query)",
            ),
            None,
        ),
        (
            endpoint(
                "get",
                "/api/v1/sources/{id}",
                "One data source (never its password)",
            ),
            Some(get(source)),
        ),
        (
            endpoint(
                "post",
                "/api/v1/sources/{id}/scan",
                "Queue a scan job for a source",
            ),
            Some(post(start_scan)),
        ),
        (
            endpoint("get", "/api/v1/jobs", "Scan jobs, newest first"),
            Some(get(jobs)),
        ),
        (
            endpoint("get", "/api/v1/jobs/{id}", "One scan job with its progress"),
            Some(get(job)),
        ),
        (
            endpoint(
                "post",
                "/api/v1/jobs/{id}/cancel",
                "Cancel a queued or running job",
            ),
            Some(post(cancel_job)),
        ),
        (
            endpoint(
                "get",
                "/api/v1/tables",
                "Inventory tables (query: level, q, source_id)",
            ),
            Some(get(tables)),
        ),
        (
            endpoint(
                "get",
                "/api/v1/tables/{id}",
                "One table with its labelled columns",
            ),
            Some(get(table)),
        ),
        (
            endpoint(
                "get",
                "/api/v1/columns/{id}",
                "One column with its review history",
            ),
            Some(get(column)),
        ),
        (
            endpoint(
                "get",
                "/api/v1/columns/{id}/samples",
                "Masked sample values (audited)",
            ),
            Some(get(samples)),
        ),
        (
            with_body(
                "post",
                "/api/v1/columns/{id}/review",
                "Confirm or correct a label",
                "{entity?, category?, level?, reason}",
            ),
            Some(post(review)),
        ),
        (
            endpoint(
                "get",
                "/api/v1/export/inventory.csv",
                "The classification-and-grading list as CSV (audited)",
            ),
            Some(get(export_inventory)),
        ),
        (
            endpoint(
                "get",
                super::overview::XLSX_API_PATH,
                "The classification-and-grading list as XLSX (audited; query: lang=zh|en)",
            ),
            Some(get(super::overview::export_xlsx)),
        ),
        (
            endpoint(
                "get",
                "/api/v1/dashboard",
                "Counts by level, category and organisation; scan coverage and freshness",
            ),
            Some(get(dashboard)),
        ),
        (
            endpoint("get", "/api/v1/audit/verify", "Verify the audit ledger"),
            Some(get(verify_audit)),
        ),
        (
            with_body(
                "post",
                "/api/v1/tokens",
                "Create an API token (shown once)",
                "{name}",
            ),
            Some(post(create_token)),
        ),
        (
            endpoint("get", "/api/v1/openapi.json", "This document"),
            Some(get(openapi)),
        ),
    ];
    list.extend(super::filing_api::endpoints());
    list.extend(super::assessment::api_endpoints());
    list.extend(super::supervision_api::endpoints());
    list.extend(super::accounts::endpoints());
    list.extend(super::incidents::endpoints());
    list.extend(super::inspection::api_endpoints());
    list
}

pub fn routes() -> Router<AppState> {
    endpoints()
        .into_iter()
        .filter_map(|(endpoint, handler)| handler.map(|h| (endpoint.path, h)))
        .fold(Router::new(), |router, (path, handler)| {
            router.route(path, handler)
        })
}

async fn openapi() -> Json<Value> {
    let list: Vec<Endpoint> = endpoints().into_iter().map(|(e, _)| e).collect();
    Json(super::openapi::document(&list))
}

/// The actor, and for a session the CSRF token that unsafe API requests must echo in
/// `X-CSRF-Token` (readable only by same-origin script, which is the point).
async fn me(Authed(identity): Authed) -> Json<Value> {
    let mut view = json!(identity.actor);
    view["csrf_token"] = json!(identity.csrf);
    Json(view)
}

async fn organisations(
    State(state): State<AppState>,
    Authed(identity): Authed,
) -> Result<Json<Value>> {
    Ok(Json(json!(
        service::visible_orgs(&state, &identity.actor, Action::ViewInventory).await?
    )))
}

#[derive(Deserialize)]
struct NewOrganisation {
    name: String,
    kind: String,
    regulator_id: Option<i64>,
    #[serde(default)]
    region: String,
    #[serde(default)]
    industry: String,
}

async fn create_organisation(
    State(state): State<AppState>,
    Authed(identity): Authed,
    Json(body): Json<NewOrganisation>,
) -> Result<Json<Value>> {
    let id = service::create_organisation(
        &state,
        &identity.actor,
        service::NewOrganisation {
            name: &body.name,
            kind: &body.kind,
            regulator_id: body.regulator_id,
            region: &body.region,
            industry: &body.industry,
        },
    )
    .await?;
    Ok(Json(json!({ "id": id })))
}

#[derive(Deserialize)]
struct NewUser {
    org_id: i64,
    username: String,
    #[serde(default)]
    display_name: String,
    role: String,
    password: String,
}

async fn create_user(
    State(state): State<AppState>,
    Authed(identity): Authed,
    Json(body): Json<NewUser>,
) -> Result<Json<Value>> {
    let id = service::create_user(
        &state,
        &identity.actor,
        service::NewUser {
            org_id: body.org_id,
            username: &body.username,
            display_name: &body.display_name,
            role: &body.role,
            password: &body.password,
        },
    )
    .await?;
    Ok(Json(json!({ "id": id })))
}

#[derive(Deserialize)]
struct PasswordChange {
    current: String,
    new: String,
}

async fn change_password(
    State(state): State<AppState>,
    Authed(identity): Authed,
    Json(body): Json<PasswordChange>,
) -> Result<Json<Value>> {
    service::change_password(&state, &identity.actor, &body.current, &body.new).await?;
    Ok(Json(json!({ "changed": true })))
}

async fn sources(State(state): State<AppState>, Authed(identity): Authed) -> Result<Json<Value>> {
    Ok(Json(json!(
        service::sources(&state, &identity.actor).await?
    )))
}

#[derive(Deserialize)]
struct NewSource {
    kind: String,
    system: String,
    name: String,
    location: String,
}

async fn create_source(
    State(state): State<AppState>,
    Authed(identity): Authed,
    Json(body): Json<NewSource>,
) -> Result<Json<Value>> {
    let actor = &identity.actor;
    let id = match body.kind.as_str() {
        "path" => {
            service::create_path_source(&state, actor, &body.system, &body.name, &body.location)
                .await?
        }
        "database" => {
            service::create_database_source(&state, actor, &body.system, &body.name, &body.location)
                .await?
        }
        _ => return Err(crate::Error::BadRequest("kind is path or database".into())),
    };
    Ok(Json(json!({ "id": id })))
}

pub async fn upload(
    State(state): State<AppState>,
    Authed(identity): Authed,
    multipart: Multipart,
) -> Result<Json<Value>> {
    let id = receive_upload(&state, &identity, multipart).await?;
    Ok(Json(json!({ "id": id })))
}

async fn source(
    State(state): State<AppState>,
    Authed(identity): Authed,
    Path(id): Path<i64>,
) -> Result<Json<Value>> {
    Ok(Json(json!(
        service::source(&state, &identity.actor, id).await?
    )))
}

async fn start_scan(
    State(state): State<AppState>,
    Authed(identity): Authed,
    Path(id): Path<i64>,
) -> Result<Json<Value>> {
    let job_id = service::start_scan(&state, &identity.actor, id).await?;
    Ok(Json(json!({ "job_id": job_id })))
}

async fn jobs(State(state): State<AppState>, Authed(identity): Authed) -> Result<Json<Value>> {
    Ok(Json(json!(
        service::jobs(&state, &identity.actor, service::LIST_LIMIT).await?
    )))
}

async fn job(
    State(state): State<AppState>,
    Authed(identity): Authed,
    Path(id): Path<i64>,
) -> Result<Json<Value>> {
    let job = service::job(&state, &identity.actor, id).await?;
    let mut view = json!(job);
    view["percent"] = json!(job.percent());
    Ok(Json(view))
}

async fn cancel_job(
    State(state): State<AppState>,
    Authed(identity): Authed,
    Path(id): Path<i64>,
) -> Result<Json<Value>> {
    service::cancel_job(&state, &identity.actor, id).await?;
    Ok(Json(json!({ "cancelled": id })))
}

async fn tables(
    State(state): State<AppState>,
    Authed(identity): Authed,
    Query(query): Query<InventoryQuery>,
) -> Result<Json<Value>> {
    Ok(Json(json!(
        service::tables(&state, &identity.actor, &query.filter()).await?
    )))
}

async fn table(
    State(state): State<AppState>,
    Authed(identity): Authed,
    Path(id): Path<i64>,
) -> Result<Json<Value>> {
    let (table, columns) = service::table(&state, &identity.actor, id).await?;
    Ok(Json(json!({ "table": table, "columns": columns })))
}

async fn column(
    State(state): State<AppState>,
    Authed(identity): Authed,
    Path(id): Path<i64>,
) -> Result<Json<Value>> {
    let (column, history) = service::column(&state, &identity.actor, id).await?;
    Ok(Json(json!({ "column": column, "history": history })))
}

async fn samples(
    State(state): State<AppState>,
    Authed(identity): Authed,
    Path(id): Path<i64>,
) -> Result<Json<Value>> {
    Ok(Json(
        json!({ "samples": service::column_samples(&state, &identity.actor, id).await? }),
    ))
}

#[derive(Deserialize)]
struct Review {
    entity: Option<String>,
    category: Option<String>,
    level: Option<String>,
    reason: String,
}

async fn review(
    State(state): State<AppState>,
    Authed(identity): Authed,
    Path(id): Path<i64>,
    Json(body): Json<Review>,
) -> Result<Json<Value>> {
    service::review_column(
        &state,
        &identity.actor,
        id,
        ReviewInput {
            entity: body.entity.as_deref(),
            category: body.category.as_deref(),
            level: body.level.as_deref(),
            reason: &body.reason,
        },
    )
    .await?;
    Ok(Json(json!({ "reviewed": id })))
}

pub async fn export_inventory(
    State(state): State<AppState>,
    Authed(identity): Authed,
) -> Result<Response> {
    let csv = crate::export::inventory_csv(&state, &identity.actor).await?;
    Ok((
        [
            (header::CONTENT_TYPE, "text/csv; charset=utf-8"),
            (
                header::CONTENT_DISPOSITION,
                "attachment; filename=\"inventory.csv\"",
            ),
        ],
        csv,
    )
        .into_response())
}

async fn dashboard(State(state): State<AppState>, Authed(identity): Authed) -> Result<Json<Value>> {
    Ok(Json(json!(
        service::dashboard(&state, &identity.actor).await?
    )))
}

async fn verify_audit(
    State(state): State<AppState>,
    Authed(identity): Authed,
) -> Result<Json<Value>> {
    Ok(Json(json!(
        service::verify_audit(&state, &identity.actor).await?
    )))
}

#[derive(Deserialize)]
struct NewToken {
    name: String,
}

async fn create_token(
    State(state): State<AppState>,
    Authed(identity): Authed,
    Json(body): Json<NewToken>,
) -> Result<Json<Value>> {
    let token = service::create_api_token(&state, &identity.actor, &body.name).await?;
    Ok(Json(json!({ "token": token })))
}
