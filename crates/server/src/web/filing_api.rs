//! The JSON API of the operator registry, filings and risk assessment reports, listed into
//! the API's endpoint table (and so into the OpenAPI document) by `api::endpoints`.

use axum::Json;
use axum::extract::{Path, Query, State};
use axum::routing::{MethodRouter, get, post};
use serde::Deserialize;
use serde_json::{Value, json};

use super::Authed;
use super::api::{Endpoint, endpoint, with_body};
use crate::AppState;
use crate::error::{Error, Result};
use crate::filing::{self, Event, FilingDraft, FilingKind};
use crate::registry::{self, OperatorFilter, ProfileInput};
use crate::risk_report::{self, RiskReportContent};

pub fn endpoints() -> Vec<(Endpoint, Option<MethodRouter<AppState>>)> {
    vec![
        (
            endpoint(
                "get",
                "/api/v1/registry/operators",
                "Registered operators the user may see (query: industry, region, key_operator, filing_status)",
            ),
            Some(get(operators)),
        ),
        (
            endpoint(
                "get",
                "/api/v1/registry/operators/{id}",
                "An operator's profile with its history and key-operator decisions",
            ),
            Some(get(operator)),
        ),
        (
            with_body(
                "post",
                "/api/v1/registry/operators/{id}/profile",
                "A new version of the operator's profile (the operator's officer or data admin)",
                "{legal_name, uscc, industry, region, contacts: [{name, title, phone, email}], security_officer: {name, title, phone, email}, systems: [name]}",
            ),
            Some(post(update_profile)),
        ),
        (
            with_body(
                "post",
                "/api/v1/registry/operators/{id}/key-operator",
                "Put the operator on the key-operator list or take it off (its regulator)",
                "{listed: bool, reason}",
            ),
            Some(post(set_key_operator)),
        ),
        (
            endpoint(
                "get",
                "/api/v1/filings",
                "Filings and risk assessment reports the user may see (query: kind=filing|risk_report)",
            ),
            Some(get(filings)),
        ),
        (
            with_body(
                "post",
                "/api/v1/filings",
                "Start a filing or a risk assessment report (pre-filled) for the user's operator",
                "{kind: filing|risk_report, title?}",
            ),
            Some(post(create)),
        ),
        (
            endpoint(
                "get",
                "/api/v1/filings/catalog-candidates",
                "Reviewed important and core columns of the user's operator, to catalog",
            ),
            Some(get(catalog_candidates)),
        ),
        (
            endpoint(
                "get",
                "/api/v1/filings/reminder",
                "When the operator's next risk assessment report is due",
            ),
            Some(get(reminder)),
        ),
        (
            endpoint(
                "get",
                "/api/v1/filings/{id}",
                "A filing or report: draft, versions, events and the events the user may fire",
            ),
            Some(get(filing)),
        ),
        (
            with_body(
                "post",
                "/api/v1/filings/{id}/draft",
                "Replace the draft (draft or returned only)",
                "filing: {activities: [{name, purpose, method, scope, data_kinds, volume, retention, cross_border, cross_border_basis, measures}], catalog_columns: [column id]}; risk_report: {survey, risks: [{reference?, area, source, description, severity, treatment}], evaluation, rectification}",
            ),
            Some(post(save_draft)),
        ),
        (
            with_body(
                "post",
                "/api/v1/filings/{id}/transition",
                "Fire a workflow event: submit, start_review, return (comment required), resubmit, accept, amend",
                "{event, comment?}",
            ),
            Some(post(transition)),
        ),
        (
            endpoint(
                "get",
                "/api/v1/filings/{id}/diff",
                "Changes between two submitted versions (query: from, to; default the two newest)",
            ),
            Some(get(diff)),
        ),
    ]
}

async fn operators(
    State(state): State<AppState>,
    Authed(identity): Authed,
    Query(filter): Query<OperatorFilter>,
) -> Result<Json<Value>> {
    Ok(Json(json!(
        registry::operators(&state, &identity.actor, &filter).await?
    )))
}

async fn operator(
    State(state): State<AppState>,
    Authed(identity): Authed,
    Path(id): Path<i64>,
) -> Result<Json<Value>> {
    Ok(Json(json!(
        registry::operator(&state, &identity.actor, id).await?
    )))
}

async fn update_profile(
    State(state): State<AppState>,
    Authed(identity): Authed,
    Path(id): Path<i64>,
    Json(body): Json<ProfileInput>,
) -> Result<Json<Value>> {
    let version = registry::update_profile(&state, &identity.actor, id, &body).await?;
    Ok(Json(json!({ "version": version })))
}

#[derive(Deserialize)]
struct KeyOperatorDecision {
    listed: bool,
    reason: String,
}

async fn set_key_operator(
    State(state): State<AppState>,
    Authed(identity): Authed,
    Path(id): Path<i64>,
    Json(body): Json<KeyOperatorDecision>,
) -> Result<Json<Value>> {
    registry::set_key_operator(&state, &identity.actor, id, body.listed, &body.reason).await?;
    Ok(Json(json!({ "listed": body.listed })))
}

#[derive(Deserialize)]
struct KindQuery {
    kind: Option<String>,
}

fn kind(text: &str) -> Result<FilingKind> {
    FilingKind::parse(text).ok_or_else(|| Error::BadRequest("kind is filing or risk_report".into()))
}

async fn filings(
    State(state): State<AppState>,
    Authed(identity): Authed,
    Query(query): Query<KindQuery>,
) -> Result<Json<Value>> {
    let kind = query.kind.as_deref().map(kind).transpose()?;
    Ok(Json(json!(
        filing::list(&state, &identity.actor, kind).await?
    )))
}

#[derive(Deserialize)]
struct NewFiling {
    kind: String,
    #[serde(default)]
    title: String,
}

async fn create(
    State(state): State<AppState>,
    Authed(identity): Authed,
    Json(body): Json<NewFiling>,
) -> Result<Json<Value>> {
    let id = filing::create(&state, &identity.actor, kind(&body.kind)?, &body.title).await?;
    Ok(Json(json!({ "id": id })))
}

async fn catalog_candidates(
    State(state): State<AppState>,
    Authed(identity): Authed,
) -> Result<Json<Value>> {
    Ok(Json(json!(
        filing::catalog_candidates(&state, &identity.actor).await?
    )))
}

async fn reminder(State(state): State<AppState>, Authed(identity): Authed) -> Result<Json<Value>> {
    Ok(Json(json!(
        risk_report::reminder(&state, &identity.actor).await?
    )))
}

async fn filing(
    State(state): State<AppState>,
    Authed(identity): Authed,
    Path(id): Path<i64>,
) -> Result<Json<Value>> {
    Ok(Json(json!(filing::get(&state, &identity.actor, id).await?)))
}

fn parse_body<T: serde::de::DeserializeOwned>(body: Value) -> Result<T> {
    serde_json::from_value(body).map_err(|e| Error::BadRequest(format!("draft: {e}")))
}

async fn save_draft(
    State(state): State<AppState>,
    Authed(identity): Authed,
    Path(id): Path<i64>,
    Json(body): Json<Value>,
) -> Result<Json<Value>> {
    let actor = &identity.actor;
    match filing::get(&state, actor, id).await?.filing.kind {
        FilingKind::Filing => {
            let draft: FilingDraft = parse_body(body)?;
            filing::save_filing_draft(&state, actor, id, &draft).await?
        }
        FilingKind::RiskReport => {
            let report: RiskReportContent = parse_body(body)?;
            filing::save_report_draft(&state, actor, id, &report).await?
        }
    }
    Ok(Json(json!({ "saved": id })))
}

#[derive(Deserialize)]
struct TransitionRequest {
    event: String,
    #[serde(default)]
    comment: String,
}

async fn transition(
    State(state): State<AppState>,
    Authed(identity): Authed,
    Path(id): Path<i64>,
    Json(body): Json<TransitionRequest>,
) -> Result<Json<Value>> {
    let event = Event::parse(&body.event)
        .ok_or_else(|| Error::BadRequest(format!("unknown event {:?}", body.event)))?;
    let status = filing::transition(&state, &identity.actor, id, event, &body.comment).await?;
    Ok(Json(json!({ "status": status })))
}

#[derive(Deserialize)]
pub struct DiffQuery {
    pub from: Option<i64>,
    pub to: Option<i64>,
}

async fn diff(
    State(state): State<AppState>,
    Authed(identity): Authed,
    Path(id): Path<i64>,
    Query(query): Query<DiffQuery>,
) -> Result<Json<Value>> {
    let (from, to, changes) =
        filing::version_diff(&state, &identity.actor, id, query.from, query.to).await?;
    Ok(Json(json!({ "from": from, "to": to, "changes": changes })))
}
