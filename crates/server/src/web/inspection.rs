//! Pages and API of inspections, rectification orders and interviews (see
//! `crate::inspection` for the rules), and the supervision menu page that gathers the
//! regulator's work under one link of the navigation bar.

use axum::body::Bytes;
use axum::extract::{Multipart, Path, Query, State};
use axum::response::{IntoResponse, Response};
use axum::routing::{MethodRouter, get, post};
use axum::{Form, Json, Router};
use serde::Deserialize;
use serde_json::{Value, json};

use super::Authed;
use super::api::{Endpoint, endpoint, with_body};
use super::assessment::end_of_day;
use super::i18n::Lang;
use super::pages::{PageContext, PageResult, remove_upload, see_other, send_upload, stream_upload};
use crate::AppState;
use crate::auth::{Action, Actor, OrgKind, authorize};
use crate::error::{Error, Result};
use crate::inspection::rectification::{self, Event, NewOrder, OrderFilter};
use crate::inspection::{self, KINDS, NewFinding, NewInspection, NewInterview, SEVERITIES};
use crate::registry::{self, OperatorFilter};

/// Where the pages upload an order's evidence (multipart `file`, CSRF in `?csrf=`); routed
/// by `web::router` under the upload body limit, as is [`API_EVIDENCE_PATH`].
pub const EVIDENCE_PATH: &str = "/rectifications/{id}/evidence";
pub const API_EVIDENCE_PATH: &str = "/api/v1/rectifications/{id}/evidence";

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/supervision", get(supervision_page))
        .route("/inspections", get(inspections_page).post(create_form))
        .route("/inspections/{id}", get(inspection_page))
        .route("/inspections/{id}/findings", post(finding_form))
        .route("/rectifications", get(orders_page).post(issue_form))
        .route("/rectifications/{id}", get(order_page))
        .route("/rectifications/{id}/transition", post(transition_form))
        .route(
            "/rectifications/{id}/evidence/{evidence}",
            get(download_evidence),
        )
        .route("/interviews", get(interviews_page).post(interview_form))
}

/// The API operations, added to the table in `api.rs` (router and OpenAPI document).
pub fn api_endpoints() -> Vec<(Endpoint, Option<MethodRouter<AppState>>)> {
    vec![
        (
            endpoint(
                "get",
                "/api/v1/inspections",
                "Inspections the user may see (an operator: those that drew it)",
            ),
            Some(get(api_inspections)),
        ),
        (
            with_body(
                "post",
                "/api/v1/inspections",
                "Plan an inspection and draw its operators and inspectors (regulator staff)",
                "{kind: routine|special, title, checklist: library ref_id, scheduled_for: unix seconds, operators: n, inspectors: m, industry?, region?, key_first?: bool, seed?: decimal u64 (random when absent)}",
            ),
            Some(post(api_create)),
        ),
        (
            endpoint(
                "get",
                "/api/v1/inspections/{id}",
                "An inspection: operators, inspectors, findings; for the regulator the draw (seed, criteria, candidates) and whether redoing it matches",
            ),
            Some(get(api_inspection)),
        ),
        (
            with_body(
                "post",
                "/api/v1/inspections/{id}/findings",
                "Record a finding about one of the inspection's operators (regulator staff)",
                "{org_id, requirement?: checklist urn, severity: low|medium|high, description}",
            ),
            Some(post(api_finding)),
        ),
        (
            endpoint(
                "get",
                "/api/v1/rectifications",
                "Rectification orders the user may see (query: status, overdue=true|false)",
            ),
            Some(get(api_orders)),
        ),
        (
            with_body(
                "post",
                "/api/v1/rectifications",
                "Issue a rectification order from findings (regulator staff)",
                "{inspection_id, org_id, finding_ids: [id], requirements, deadline: unix seconds}",
            ),
            Some(post(api_issue)),
        ),
        (
            endpoint(
                "get",
                "/api/v1/rectifications/{id}",
                "An order with its findings, history, evidence and the events the user may fire",
            ),
            Some(get(api_order)),
        ),
        (
            with_body(
                "post",
                "/api/v1/rectifications/{id}/transition",
                "Answer (the operator's officer or data administrator, with evidence uploaded), send back or close (the regulator)",
                "{event: answer|send_back|close, comment}",
            ),
            Some(post(api_transition)),
        ),
        (
            endpoint(
                "post",
                API_EVIDENCE_PATH,
                "Upload an evidence file to an order (multipart: file; session requests put csrf in the query)",
            ),
            None,
        ),
        (
            endpoint("get", "/api/v1/interviews", "Interviews the user may see"),
            Some(get(api_interviews)),
        ),
        (
            with_body(
                "post",
                "/api/v1/interviews",
                "Record an interview with an operator (regulator staff)",
                "{org_id, held_at: unix seconds, participants, summary, follow_ups?}",
            ),
            Some(post(api_record_interview)),
        ),
        (
            endpoint("get", "/api/v1/interviews/{id}", "One interview"),
            Some(get(api_interview)),
        ),
    ]
}

fn lang_code(lang: Lang) -> &'static str {
    match lang {
        Lang::Zh => "zh",
        Lang::En => "en",
    }
}

/// Whether the actor works on the regulator's side of inspections (plans, finds, issues).
fn inspects(actor: &Actor) -> bool {
    actor.org.kind == OrgKind::Regulator && authorize(actor, Action::Inspect, &actor.org)
}

/// The operators the actor may inspect, for the forms' choices.
async fn inspectable_operators(state: &AppState, actor: &Actor) -> Result<Vec<Value>> {
    if !inspects(actor) {
        return Ok(Vec::new());
    }
    Ok(
        registry::operators(state, actor, &OperatorFilter::default())
            .await?
            .iter()
            .map(|e| json!({"id": e.org.id, "name": e.org.name, "key_operator": e.key_operator}))
            .collect(),
    )
}

// ---- pages

async fn supervision_page(State(state): State<AppState>, page: PageContext) -> PageResult {
    let actor = &page.identity()?.actor;
    let orders = rectification::list(&state, actor, &OrderFilter::default()).await?;
    let open = orders
        .iter()
        .filter(|o| o.status != rectification::Status::Closed)
        .count();
    let overdue = orders.iter().filter(|o| o.overdue).count();
    let html = page.render(
        &state,
        "supervision.html",
        "supervision",
        json!({
            "inspections": inspection::list(&state, actor).await?.len(),
            "open_orders": open, "overdue_orders": overdue,
            "interviews": inspection::interviews(&state, actor).await?.len(),
        }),
    )?;
    Ok(html.into_response())
}

async fn inspections_page(State(state): State<AppState>, page: PageContext) -> PageResult {
    let actor = &page.identity()?.actor;
    let inspections = inspection::list(&state, actor).await?;
    let lang = lang_code(page.lang);
    let checklists: Vec<Value> = crate::assessment::libraries()
        .iter()
        .map(|l| json!({"ref_id": l.ref_id, "name": l.name.get(lang)}))
        .collect();
    let html = page.render(
        &state,
        "inspections.html",
        "supervision",
        json!({
            "inspections": inspections, "can_create": inspects(actor),
            "kinds": KINDS, "checklists": checklists,
        }),
    )?;
    Ok(html.into_response())
}

#[derive(Deserialize)]
struct InspectionForm {
    kind: String,
    title: String,
    checklist: String,
    scheduled_for: String,
    operators: usize,
    inspectors: usize,
    #[serde(default)]
    industry: String,
    #[serde(default)]
    region: String,
    #[serde(default)]
    key_first: Option<String>,
    #[serde(default)]
    seed: String,
}

async fn create_form(
    State(state): State<AppState>,
    Authed(identity): Authed,
    Form(form): Form<InspectionForm>,
) -> PageResult {
    let new = NewInspection {
        kind: form.kind,
        title: form.title,
        checklist: form.checklist,
        // The day it is held: its start, Beijing time.
        scheduled_for: end_of_day(&form.scheduled_for)? - 86_399,
        operators: form.operators,
        inspectors: form.inspectors,
        industry: form.industry,
        region: form.region,
        key_first: form.key_first.is_some(),
        seed: Some(form.seed),
    };
    let id = inspection::create(&state, &identity.actor, &new).await?;
    Ok(see_other(&format!("/inspections/{id}")))
}

async fn inspection_page(
    State(state): State<AppState>,
    page: PageContext,
    Path(id): Path<i64>,
) -> PageResult {
    let actor = &page.identity()?.actor;
    let view = inspection::get(&state, actor, id).await?;
    let lang = lang_code(page.lang);
    let checklist = inspection::checklist_items(&view.inspection.checklist, lang);
    let label = |urn: &str| {
        checklist
            .iter()
            .find(|(u, _)| u == urn)
            .map_or_else(String::new, |(_, l)| l.clone())
    };
    let orders = rectification::list(&state, actor, &OrderFilter::default())
        .await?
        .into_iter()
        .filter(|o| o.inspection_id == id)
        .collect::<Vec<_>>();
    // Each operator with its findings and orders, in drawing order.
    let targets: Vec<Value> = view
        .targets
        .iter()
        .map(|t| {
            let findings: Vec<Value> = view
                .findings
                .iter()
                .filter(|f| f.org_id == t.org_id)
                .map(|f| json!({"finding": f, "requirement": label(&f.requirement_urn)}))
                .collect();
            let orders: Vec<&rectification::Order> =
                orders.iter().filter(|o| o.org_id == t.org_id).collect();
            json!({"target": t, "findings": findings, "orders": orders})
        })
        .collect();
    let checklist: Vec<Value> = checklist
        .iter()
        .map(|(urn, label)| json!({"urn": urn, "label": label}))
        .collect();
    let checklist_name = crate::assessment::libraries()
        .iter()
        .find(|l| l.ref_id == view.inspection.checklist)
        .map_or_else(
            || view.inspection.checklist.clone(),
            |l| l.name.get(lang).to_owned(),
        );
    let html = page.render(
        &state,
        "inspection.html",
        "supervision",
        json!({
            "inspection": view.inspection, "inspectors": view.inspectors,
            "targets": targets, "draw_verified": view.draw_verified,
            "can_inspect": view.can_inspect, "checklist": checklist,
            "checklist_name": checklist_name,
            "severities": SEVERITIES,
        }),
    )?;
    Ok(html.into_response())
}

async fn finding_form(
    State(state): State<AppState>,
    Authed(identity): Authed,
    Path(id): Path<i64>,
    Form(new): Form<NewFinding>,
) -> PageResult {
    inspection::add_finding(&state, &identity.actor, id, &new).await?;
    Ok(see_other(&format!("/inspections/{id}")))
}

/// The order form: the inspection and operator, the findings ticked (`finding`, repeated),
/// the requirements and the deadline as a date.
async fn issue_form(
    State(state): State<AppState>,
    Authed(identity): Authed,
    body: Bytes,
) -> PageResult {
    let fields: Vec<(String, String)> = url::form_urlencoded::parse(&body)
        .map(|(k, v)| (k.into_owned(), v.into_owned()))
        .collect();
    let value = |name: &str| {
        fields
            .iter()
            .find(|(k, _)| k == name)
            .map_or("", |(_, v)| v.as_str())
    };
    let number = |name: &str, text: &str| {
        text.parse::<i64>()
            .map_err(|_| Error::BadRequest(format!("{name} is a number")))
    };
    let finding_ids = fields
        .iter()
        .filter(|(k, _)| k == "finding")
        .map(|(_, v)| number("finding", v))
        .collect::<Result<Vec<_>>>()?;
    let new = NewOrder {
        inspection_id: number("inspection_id", value("inspection_id"))?,
        org_id: number("org_id", value("org_id"))?,
        finding_ids,
        requirements: value("requirements").to_owned(),
        deadline: end_of_day(value("deadline"))?,
    };
    let id = rectification::issue(&state, &identity.actor, &new).await?;
    Ok(see_other(&format!("/rectifications/{id}")))
}

#[derive(Deserialize, Default)]
struct OrdersQuery {
    #[serde(default)]
    status: String,
    #[serde(default)]
    overdue: String,
}

impl OrdersQuery {
    fn filter(&self) -> OrderFilter {
        OrderFilter {
            status: Some(self.status.clone()).filter(|s| !s.is_empty()),
            overdue: match self.overdue.as_str() {
                "true" => Some(true),
                "false" => Some(false),
                _ => None,
            },
        }
    }
}

const ORDER_STATUSES: [&str; 4] = ["issued", "answered", "returned", "closed"];

async fn orders_page(
    State(state): State<AppState>,
    page: PageContext,
    Query(query): Query<OrdersQuery>,
) -> PageResult {
    let actor = &page.identity()?.actor;
    let orders = rectification::list(&state, actor, &query.filter()).await?;
    let html = page.render(
        &state,
        "rectifications.html",
        "supervision",
        json!({
            "orders": orders, "statuses": ORDER_STATUSES,
            "filter": {"status": query.status, "overdue": query.overdue},
        }),
    )?;
    Ok(html.into_response())
}

async fn order_page(
    State(state): State<AppState>,
    page: PageContext,
    Path(id): Path<i64>,
) -> PageResult {
    let identity = page.identity()?;
    let view = rectification::get(&state, &identity.actor, id).await?;
    let html = page.render(
        &state,
        "rectification.html",
        "supervision",
        json!({
            "view": view, "order": view.order,
            "evidence_path": EVIDENCE_PATH.replace("{id}", &id.to_string()),
        }),
    )?;
    Ok(html.into_response())
}

#[derive(Deserialize)]
struct TransitionForm {
    event: String,
    #[serde(default)]
    comment: String,
}

fn parse_event(text: &str) -> Result<Event> {
    Event::parse(text)
        .ok_or_else(|| Error::BadRequest("event is answer, send_back or close".into()))
}

async fn transition_form(
    State(state): State<AppState>,
    Authed(identity): Authed,
    Path(id): Path<i64>,
    Form(form): Form<TransitionForm>,
) -> PageResult {
    let event = parse_event(&form.event)?;
    rectification::transition(&state, &identity.actor, id, event, &form.comment).await?;
    Ok(see_other(&format!("/rectifications/{id}")))
}

/// Streams an evidence file to disk for the order and records it; a refused one is removed.
async fn receive_evidence(
    state: &AppState,
    actor: &Actor,
    id: i64,
    multipart: Multipart,
) -> Result<i64> {
    let org_id = rectification::may_add_evidence(state, actor, id).await?;
    let received = stream_upload(state, org_id, multipart, &[]).await?;
    let result =
        rectification::add_evidence(state, actor, id, &received.path, received.bytes).await;
    if result.is_err() {
        remove_upload(&received.path);
    }
    result
}

pub async fn upload_evidence(
    State(state): State<AppState>,
    Authed(identity): Authed,
    Path(id): Path<i64>,
    multipart: Multipart,
) -> PageResult {
    receive_evidence(&state, &identity.actor, id, multipart).await?;
    Ok(see_other(&format!("/rectifications/{id}")))
}

pub async fn api_upload_evidence(
    State(state): State<AppState>,
    Authed(identity): Authed,
    Path(id): Path<i64>,
    multipart: Multipart,
) -> Result<Json<Value>> {
    let evidence = receive_evidence(&state, &identity.actor, id, multipart).await?;
    Ok(Json(json!({ "id": evidence })))
}

async fn download_evidence(
    State(state): State<AppState>,
    Authed(identity): Authed,
    Path((id, evidence_id)): Path<(i64, i64)>,
) -> Result<Response> {
    let evidence = rectification::evidence(&state, &identity.actor, id, evidence_id).await?;
    send_upload(&evidence.location, &evidence.file_name).await
}

async fn interviews_page(State(state): State<AppState>, page: PageContext) -> PageResult {
    let actor = &page.identity()?.actor;
    let html = page.render(
        &state,
        "interviews.html",
        "supervision",
        json!({
            "interviews": inspection::interviews(&state, actor).await?,
            "operators": inspectable_operators(&state, actor).await?,
            "can_record": inspects(actor),
        }),
    )?;
    Ok(html.into_response())
}

#[derive(Deserialize)]
struct InterviewForm {
    org_id: i64,
    held_on: String,
    participants: String,
    summary: String,
    #[serde(default)]
    follow_ups: String,
}

async fn interview_form(
    State(state): State<AppState>,
    Authed(identity): Authed,
    Form(form): Form<InterviewForm>,
) -> PageResult {
    let new = NewInterview {
        org_id: form.org_id,
        held_at: end_of_day(&form.held_on)? - 86_399,
        participants: form.participants,
        summary: form.summary,
        follow_ups: form.follow_ups,
    };
    inspection::record_interview(&state, &identity.actor, &new).await?;
    Ok(see_other("/interviews"))
}

// ---- API

async fn api_inspections(
    State(state): State<AppState>,
    Authed(identity): Authed,
) -> Result<Json<Value>> {
    Ok(Json(json!(
        inspection::list(&state, &identity.actor).await?
    )))
}

async fn api_create(
    State(state): State<AppState>,
    Authed(identity): Authed,
    Json(new): Json<NewInspection>,
) -> Result<Json<Value>> {
    let id = inspection::create(&state, &identity.actor, &new).await?;
    Ok(Json(json!({ "id": id })))
}

async fn api_inspection(
    State(state): State<AppState>,
    Authed(identity): Authed,
    Path(id): Path<i64>,
) -> Result<Json<Value>> {
    Ok(Json(json!(
        inspection::get(&state, &identity.actor, id).await?
    )))
}

async fn api_finding(
    State(state): State<AppState>,
    Authed(identity): Authed,
    Path(id): Path<i64>,
    Json(new): Json<NewFinding>,
) -> Result<Json<Value>> {
    let finding = inspection::add_finding(&state, &identity.actor, id, &new).await?;
    Ok(Json(json!({ "id": finding })))
}

async fn api_orders(
    State(state): State<AppState>,
    Authed(identity): Authed,
    Query(filter): Query<OrderFilter>,
) -> Result<Json<Value>> {
    Ok(Json(json!(
        rectification::list(&state, &identity.actor, &filter).await?
    )))
}

async fn api_issue(
    State(state): State<AppState>,
    Authed(identity): Authed,
    Json(new): Json<NewOrder>,
) -> Result<Json<Value>> {
    let id = rectification::issue(&state, &identity.actor, &new).await?;
    Ok(Json(json!({ "id": id })))
}

async fn api_order(
    State(state): State<AppState>,
    Authed(identity): Authed,
    Path(id): Path<i64>,
) -> Result<Json<Value>> {
    Ok(Json(json!(
        rectification::get(&state, &identity.actor, id).await?
    )))
}

#[derive(Deserialize)]
struct TransitionBody {
    event: String,
    #[serde(default)]
    comment: String,
}

async fn api_transition(
    State(state): State<AppState>,
    Authed(identity): Authed,
    Path(id): Path<i64>,
    Json(body): Json<TransitionBody>,
) -> Result<Json<Value>> {
    let event = parse_event(&body.event)?;
    let status =
        rectification::transition(&state, &identity.actor, id, event, &body.comment).await?;
    Ok(Json(json!({ "status": status })))
}

async fn api_interviews(
    State(state): State<AppState>,
    Authed(identity): Authed,
) -> Result<Json<Value>> {
    Ok(Json(json!(
        inspection::interviews(&state, &identity.actor).await?
    )))
}

async fn api_record_interview(
    State(state): State<AppState>,
    Authed(identity): Authed,
    Json(new): Json<NewInterview>,
) -> Result<Json<Value>> {
    let id = inspection::record_interview(&state, &identity.actor, &new).await?;
    Ok(Json(json!({ "id": id })))
}

async fn api_interview(
    State(state): State<AppState>,
    Authed(identity): Authed,
    Path(id): Path<i64>,
) -> Result<Json<Value>> {
    Ok(Json(json!(
        inspection::interview(&state, &identity.actor, id).await?
    )))
}
