//! Incidents over HTTP: the `/api/v1/incidents` endpoints (listed in the API's endpoint
//! table, so the OpenAPI document covers them) and the `/incidents` pages. Handlers only
//! translate; `crate::incident` authorises, grades, stores and audits.

use axum::extract::{Path, State};
use axum::response::IntoResponse;
use axum::routing::{MethodRouter, get, post};
use axum::{Form, Json, Router};
use serde::Deserialize;
use serde_json::{Value, json};
use shuan_incident::{Deadline, OperatorKind, Status};

use super::Authed;
use super::api::{Endpoint, endpoint, with_body};
use super::pages::{PageContext, PageResult, see_other};
use crate::AppState;
use crate::auth::{Action, OrgKind, authorize};
use crate::error::{Error, Result};
use crate::incident::{self, NewIncident};

pub fn endpoints() -> Vec<(Endpoint, Option<MethodRouter<AppState>>)> {
    vec![
        (
            endpoint(
                "get",
                "/api/v1/incidents",
                "Incidents the user may see, newest first, with their deadlines",
            ),
            Some(get(api_list)),
        ),
        (
            with_body(
                "post",
                "/api/v1/incidents",
                "Report an incident (an operator's officer or data administrator); returns its grade, the reasons and the deadlines",
                "{title, description?, data_kinds?, operator_kind: cii|central_organ|other, occurred_at?, discovered_at (RFC 3339, or YYYY-MM-DDTHH:MM in Beijing time), people_pi?, people_sensitive_pi?, important_data?, core_data?, loss_yuan?, outage_hours?}",
            ),
            Some(post(api_report)),
        ),
        (
            endpoint(
                "get",
                "/api/v1/incidents/{id}",
                "One incident: grade and reasons, deadlines, timeline, escalations",
            ),
            Some(get(api_detail)),
        ),
        (
            with_body(
                "post",
                "/api/v1/incidents/{id}/timeline",
                "Add to an incident's timeline: note, supplement, notification, resolved, close_out (operator); escalation (its regulator)",
                "{kind, body}",
            ),
            Some(post(api_add_entry)),
        ),
    ]
}

pub fn page_routes() -> Router<AppState> {
    Router::new()
        .route("/incidents", get(list_page).post(report_form))
        .route("/incidents/{id}", get(detail_page))
        .route("/incidents/{id}/timeline", post(entry_form))
}

// ---- API

#[derive(Deserialize)]
struct ReportBody {
    title: String,
    #[serde(default)]
    description: String,
    #[serde(default)]
    data_kinds: String,
    operator_kind: String,
    #[serde(default)]
    occurred_at: String,
    discovered_at: String,
    #[serde(default)]
    people_pi: u64,
    #[serde(default)]
    people_sensitive_pi: u64,
    #[serde(default)]
    important_data: bool,
    #[serde(default)]
    core_data: bool,
    #[serde(default)]
    loss_yuan: u64,
    #[serde(default)]
    outage_hours: f64,
}

async fn api_list(State(state): State<AppState>, Authed(identity): Authed) -> Result<Json<Value>> {
    Ok(Json(json!(incident::list(&state, &identity.actor).await?)))
}

async fn api_report(
    State(state): State<AppState>,
    Authed(identity): Authed,
    Json(body): Json<ReportBody>,
) -> Result<Json<Value>> {
    let reported = incident::report(
        &state,
        &identity.actor,
        NewIncident {
            title: &body.title,
            description: &body.description,
            data_kinds: &body.data_kinds,
            operator_kind: &body.operator_kind,
            occurred_at: &body.occurred_at,
            discovered_at: &body.discovered_at,
            people_pi: body.people_pi,
            people_sensitive_pi: body.people_sensitive_pi,
            important_data: body.important_data,
            core_data: body.core_data,
            loss_yuan: body.loss_yuan,
            outage_hours: body.outage_hours,
        },
    )
    .await?;
    Ok(Json(json!(reported)))
}

async fn api_detail(
    State(state): State<AppState>,
    Authed(identity): Authed,
    Path(id): Path<i64>,
) -> Result<Json<Value>> {
    Ok(Json(json!(
        incident::detail(&state, &identity.actor, id).await?
    )))
}

#[derive(Deserialize)]
struct EntryBody {
    kind: String,
    #[serde(default)]
    body: String,
}

async fn api_add_entry(
    State(state): State<AppState>,
    Authed(identity): Authed,
    Path(id): Path<i64>,
    Json(entry): Json<EntryBody>,
) -> Result<Json<Value>> {
    incident::add_entry(&state, &identity.actor, id, &entry.kind, &entry.body).await?;
    Ok(Json(json!({ "added": entry.kind })))
}

// ---- pages

/// A deadline as the templates show it: Unix seconds for the `datetime` filter and one
/// state word for the badge (`overdue` is shown red).
fn deadline_view(deadline: &Deadline) -> Value {
    let state = match deadline.status {
        Status::Due => "due",
        Status::Overdue => "overdue",
        Status::Done { late: false } => "done",
        Status::Done { late: true } => "late",
    };
    json!({
        "kind": deadline.kind.as_str(),
        "due_at": deadline.due_at.timestamp(),
        "state": state,
        "clause": deadline.clause,
    })
}

async fn list_page(State(state): State<AppState>, page: PageContext) -> PageResult {
    let actor = &page.identity()?.actor;
    let incidents: Vec<Value> = incident::list(&state, actor)
        .await?
        .iter()
        .map(|summary| {
            let mut view = json!(summary.incident);
            view["overdue"] = json!(summary.overdue);
            view["next_due"] = json!(summary.agenda.due().next().map(deadline_view));
            view
        })
        .collect();
    let may_report =
        actor.org.kind == OrgKind::Operator && authorize(actor, Action::ReportIncident, &actor.org);
    let now = state.clock.now().format("%Y-%m-%dT%H:%M").to_string();
    let html = page.render(
        &state,
        "incidents.html",
        "incidents",
        json!({
            "incidents": incidents,
            "may_report": may_report,
            "operator_kinds": OperatorKind::ALL.map(OperatorKind::as_str),
            "now": now,
        }),
    )?;
    Ok(html.into_response())
}

/// The report form: numbers arrive as text (empty means 0), checkboxes as `on` or absent.
#[derive(Deserialize)]
struct ReportForm {
    title: String,
    #[serde(default)]
    description: String,
    #[serde(default)]
    data_kinds: String,
    operator_kind: String,
    #[serde(default)]
    occurred_at: String,
    discovered_at: String,
    #[serde(default)]
    people_pi: String,
    #[serde(default)]
    people_sensitive_pi: String,
    important_data: Option<String>,
    core_data: Option<String>,
    #[serde(default)]
    loss_yuan: String,
    #[serde(default)]
    outage_hours: String,
}

fn form_number<T: std::str::FromStr + Default>(field: &str, text: &str) -> Result<T> {
    let text = text.trim();
    if text.is_empty() {
        return Ok(T::default());
    }
    text.parse()
        .map_err(|_| Error::BadRequest(format!("{field} must be a non-negative number")))
}

async fn report_form(
    State(state): State<AppState>,
    Authed(identity): Authed,
    Form(form): Form<ReportForm>,
) -> PageResult {
    let reported = incident::report(
        &state,
        &identity.actor,
        NewIncident {
            title: &form.title,
            description: &form.description,
            data_kinds: &form.data_kinds,
            operator_kind: &form.operator_kind,
            occurred_at: &form.occurred_at,
            discovered_at: &form.discovered_at,
            people_pi: form_number("people_pi", &form.people_pi)?,
            people_sensitive_pi: form_number("people_sensitive_pi", &form.people_sensitive_pi)?,
            important_data: form.important_data.is_some(),
            core_data: form.core_data.is_some(),
            loss_yuan: form_number("loss_yuan", &form.loss_yuan)?,
            outage_hours: form_number("outage_hours", &form.outage_hours)?,
        },
    )
    .await?;
    Ok(see_other(&format!("/incidents/{}", reported.id)))
}

async fn detail_page(
    State(state): State<AppState>,
    page: PageContext,
    Path(id): Path<i64>,
) -> PageResult {
    let actor = &page.identity()?.actor;
    let detail = incident::detail(&state, actor, id).await?;
    let deadlines: Vec<Value> = detail.agenda.deadlines.iter().map(deadline_view).collect();
    let html = page.render(
        &state,
        "incident.html",
        "incidents",
        json!({
            "incident": detail.incident,
            "deadlines": deadlines,
            "timeline": detail.timeline,
            "escalations": detail.escalations,
            "may_add": detail.may_add,
        }),
    )?;
    Ok(html.into_response())
}

#[derive(Deserialize)]
struct EntryForm {
    kind: String,
    #[serde(default)]
    body: String,
}

async fn entry_form(
    State(state): State<AppState>,
    Authed(identity): Authed,
    Path(id): Path<i64>,
    Form(form): Form<EntryForm>,
) -> PageResult {
    incident::add_entry(&state, &identity.actor, id, &form.kind, &form.body).await?;
    Ok(see_other(&format!("/incidents/{id}")))
}
