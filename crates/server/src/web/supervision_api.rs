//! The JSON API of the inbox, notification settings, webhooks, notices, complaints,
//! emergency plans and drills (issue 9), listed into the API's endpoint table (and so into
//! the OpenAPI document) by `api::endpoints`.

use axum::Json;
use axum::extract::{Path, State};
use axum::routing::{MethodRouter, get, post};
use serde::Deserialize;
use serde_json::{Value, json};

use super::Authed;
use super::api::{Endpoint, endpoint, with_body};
use crate::AppState;
use crate::error::Result;
use crate::{complaints, notices, notify, preparedness};

pub fn endpoints() -> Vec<(Endpoint, Option<MethodRouter<AppState>>)> {
    vec![
        (
            endpoint(
                "get",
                "/api/v1/inbox",
                "The user's inbox (newest first) and the unread count",
            ),
            Some(get(inbox)),
        ),
        (
            endpoint(
                "post",
                "/api/v1/inbox/{id}/read",
                "Mark one of the user's messages read",
            ),
            Some(post(mark_read)),
        ),
        (
            endpoint(
                "post",
                "/api/v1/inbox/read-all",
                "Mark all the user's messages read",
            ),
            Some(post(mark_all_read)),
        ),
        (
            endpoint(
                "get",
                "/api/v1/me/notification-email",
                "The address the user's notifications are e-mailed to",
            ),
            Some(get(notification_email)),
        ),
        (
            with_body(
                "post",
                "/api/v1/me/notification-email",
                "Set the address (empty: inbox only)",
                "{email}",
            ),
            Some(post(set_notification_email)),
        ),
        (
            endpoint(
                "get",
                "/api/v1/webhooks",
                "The organisation's webhooks (officer, regulator staff, admin)",
            ),
            Some(get(webhooks)),
        ),
        (
            with_body(
                "post",
                "/api/v1/webhooks",
                "Register a webhook: the signing secret is in the answer, this once",
                "{url}",
            ),
            Some(post(create_webhook)),
        ),
        (
            endpoint(
                "post",
                "/api/v1/webhooks/{id}/deactivate",
                "Stop a webhook (pending deliveries are dropped)",
            ),
            Some(post(deactivate_webhook)),
        ),
        (
            endpoint(
                "get",
                "/api/v1/deliveries",
                "The organisation's delivery log: e-mail and webhook attempts",
            ),
            Some(get(deliveries)),
        ),
        (
            endpoint(
                "get",
                "/api/v1/notices",
                "Notices sent by the user's regulator or addressed to its operator",
            ),
            Some(get(notice_list)),
        ),
        (
            with_body(
                "post",
                "/api/v1/notices",
                "Send a notice (regulator staff) to operators of the jurisdiction (none listed: all)",
                "{title, body, operator_ids?: [id]}",
            ),
            Some(post(send_notice)),
        ),
        (
            endpoint(
                "get",
                "/api/v1/notices/{id}",
                "A notice with each recipient's read and acknowledgement (an operator's view records its read)",
            ),
            Some(get(notice)),
        ),
        (
            endpoint(
                "post",
                "/api/v1/notices/{id}/acknowledge",
                "Acknowledge (确认) a notice for the user's operator",
            ),
            Some(post(acknowledge_notice)),
        ),
        (
            endpoint(
                "get",
                "/api/v1/complaints",
                "Complaints the regulator handles (all for the platform admin)",
            ),
            Some(get(complaint_list)),
        ),
        (
            endpoint("get", "/api/v1/complaints/{id}", "One complaint"),
            Some(get(complaint)),
        ),
        (
            with_body(
                "post",
                "/api/v1/complaints/{id}/route",
                "Name the operator of an unrouted complaint (platform admin); its regulator handles it",
                "{operator_id}",
            ),
            Some(post(route_complaint)),
        ),
        (
            with_body(
                "post",
                "/api/v1/complaints/{id}/assign",
                "Assign to a staff user of the handling regulator",
                "{user_id}",
            ),
            Some(post(assign_complaint)),
        ),
        (
            with_body(
                "post",
                "/api/v1/complaints/{id}/answer",
                "Answer (the complainant reads it with the tracking code)",
                "{answer}",
            ),
            Some(post(answer_complaint)),
        ),
        (
            endpoint("post", "/api/v1/complaints/{id}/close", "Close a complaint"),
            Some(post(close_complaint)),
        ),
        (
            endpoint(
                "get",
                "/api/v1/plans",
                "Emergency plans on file (uploads: multipart to /preparedness/plans?csrf=)",
            ),
            Some(get(plans)),
        ),
        (
            endpoint(
                "get",
                "/api/v1/drills",
                "Drills of the organisations the user may see",
            ),
            Some(get(drills)),
        ),
        (
            with_body(
                "post",
                "/api/v1/drills",
                "Schedule a drill for the user's operator",
                "{scenario, scheduled_on: YYYY-MM-DD, participants}",
            ),
            Some(post(schedule_drill)),
        ),
        (
            endpoint(
                "get",
                "/api/v1/drills/{id}",
                "A drill with its follow-up actions",
            ),
            Some(get(drill)),
        ),
        (
            with_body(
                "post",
                "/api/v1/drills/{id}/record",
                "Record what happened and the evaluation",
                "{record, evaluation}",
            ),
            Some(post(record_drill)),
        ),
        (
            with_body(
                "post",
                "/api/v1/drills/{id}/actions",
                "Add a follow-up action",
                "{action, owner, due_on: YYYY-MM-DD}",
            ),
            Some(post(add_drill_action)),
        ),
        (
            with_body(
                "post",
                "/api/v1/drills/{id}/actions/done",
                "Mark a follow-up action done",
                "{action_id}",
            ),
            Some(post(complete_drill_action)),
        ),
    ]
}

// ---- inbox and settings

async fn inbox(State(state): State<AppState>, Authed(identity): Authed) -> Result<Json<Value>> {
    let actor = &identity.actor;
    Ok(Json(json!({
        "unread": notify::unread_count(&state, actor.user_id).await?,
        "messages": notify::inbox(&state, actor).await?,
    })))
}

async fn mark_read(
    State(state): State<AppState>,
    Authed(identity): Authed,
    Path(id): Path<i64>,
) -> Result<Json<Value>> {
    notify::mark_read(&state, &identity.actor, Some(id)).await?;
    Ok(Json(json!({ "read": id })))
}

async fn mark_all_read(
    State(state): State<AppState>,
    Authed(identity): Authed,
) -> Result<Json<Value>> {
    notify::mark_read(&state, &identity.actor, None).await?;
    Ok(Json(json!({ "read": "all" })))
}

async fn notification_email(
    State(state): State<AppState>,
    Authed(identity): Authed,
) -> Result<Json<Value>> {
    Ok(Json(json!({
        "email": notify::notification_email(&state, &identity.actor).await?,
        "smtp_configured": state.config.smtp.is_some(),
    })))
}

#[derive(Deserialize)]
pub struct EmailBody {
    #[serde(default)]
    pub email: String,
}

async fn set_notification_email(
    State(state): State<AppState>,
    Authed(identity): Authed,
    Json(body): Json<EmailBody>,
) -> Result<Json<Value>> {
    notify::set_notification_email(&state, &identity.actor, &body.email).await?;
    Ok(Json(json!({ "email": body.email.trim() })))
}

// ---- webhooks

async fn webhooks(State(state): State<AppState>, Authed(identity): Authed) -> Result<Json<Value>> {
    Ok(Json(json!(
        notify::webhooks(&state, &identity.actor).await?
    )))
}

#[derive(Deserialize)]
pub struct WebhookBody {
    pub url: String,
}

async fn create_webhook(
    State(state): State<AppState>,
    Authed(identity): Authed,
    Json(body): Json<WebhookBody>,
) -> Result<Json<Value>> {
    let (id, secret) = notify::create_webhook(&state, &identity.actor, &body.url).await?;
    Ok(Json(json!({ "id": id, "secret": secret })))
}

async fn deactivate_webhook(
    State(state): State<AppState>,
    Authed(identity): Authed,
    Path(id): Path<i64>,
) -> Result<Json<Value>> {
    notify::deactivate_webhook(&state, &identity.actor, id).await?;
    Ok(Json(json!({ "deactivated": id })))
}

async fn deliveries(
    State(state): State<AppState>,
    Authed(identity): Authed,
) -> Result<Json<Value>> {
    Ok(Json(json!(
        notify::deliveries(&state, &identity.actor).await?
    )))
}

// ---- notices

async fn notice_list(
    State(state): State<AppState>,
    Authed(identity): Authed,
) -> Result<Json<Value>> {
    Ok(Json(json!(notices::list(&state, &identity.actor).await?)))
}

#[derive(Deserialize)]
struct NoticeBody {
    title: String,
    body: String,
    #[serde(default)]
    operator_ids: Vec<i64>,
}

async fn send_notice(
    State(state): State<AppState>,
    Authed(identity): Authed,
    Json(body): Json<NoticeBody>,
) -> Result<Json<Value>> {
    let id = notices::send(
        &state,
        &identity.actor,
        &body.title,
        &body.body,
        &body.operator_ids,
    )
    .await?;
    Ok(Json(json!({ "id": id })))
}

async fn notice(
    State(state): State<AppState>,
    Authed(identity): Authed,
    Path(id): Path<i64>,
) -> Result<Json<Value>> {
    Ok(Json(json!(
        notices::get(&state, &identity.actor, id).await?
    )))
}

async fn acknowledge_notice(
    State(state): State<AppState>,
    Authed(identity): Authed,
    Path(id): Path<i64>,
) -> Result<Json<Value>> {
    notices::acknowledge(&state, &identity.actor, id).await?;
    Ok(Json(json!({ "acknowledged": id })))
}

// ---- complaints

async fn complaint_list(
    State(state): State<AppState>,
    Authed(identity): Authed,
) -> Result<Json<Value>> {
    Ok(Json(json!(
        complaints::list(&state, &identity.actor).await?
    )))
}

async fn complaint(
    State(state): State<AppState>,
    Authed(identity): Authed,
    Path(id): Path<i64>,
) -> Result<Json<Value>> {
    Ok(Json(json!(
        complaints::get(&state, &identity.actor, id).await?
    )))
}

#[derive(Deserialize)]
struct RouteBody {
    operator_id: i64,
}

async fn route_complaint(
    State(state): State<AppState>,
    Authed(identity): Authed,
    Path(id): Path<i64>,
    Json(body): Json<RouteBody>,
) -> Result<Json<Value>> {
    complaints::route(&state, &identity.actor, id, body.operator_id).await?;
    Ok(Json(json!({ "routed": id })))
}

#[derive(Deserialize)]
struct AssignBody {
    user_id: i64,
}

async fn assign_complaint(
    State(state): State<AppState>,
    Authed(identity): Authed,
    Path(id): Path<i64>,
    Json(body): Json<AssignBody>,
) -> Result<Json<Value>> {
    complaints::assign(&state, &identity.actor, id, body.user_id).await?;
    Ok(Json(json!({ "assigned": body.user_id })))
}

#[derive(Deserialize)]
struct AnswerBody {
    answer: String,
}

async fn answer_complaint(
    State(state): State<AppState>,
    Authed(identity): Authed,
    Path(id): Path<i64>,
    Json(body): Json<AnswerBody>,
) -> Result<Json<Value>> {
    complaints::answer(&state, &identity.actor, id, &body.answer).await?;
    Ok(Json(json!({ "answered": id })))
}

async fn close_complaint(
    State(state): State<AppState>,
    Authed(identity): Authed,
    Path(id): Path<i64>,
) -> Result<Json<Value>> {
    complaints::close(&state, &identity.actor, id).await?;
    Ok(Json(json!({ "closed": id })))
}

// ---- plans and drills

async fn plans(State(state): State<AppState>, Authed(identity): Authed) -> Result<Json<Value>> {
    Ok(Json(json!(
        preparedness::plans(&state, &identity.actor).await?
    )))
}

async fn drills(State(state): State<AppState>, Authed(identity): Authed) -> Result<Json<Value>> {
    Ok(Json(json!(
        preparedness::drills(&state, &identity.actor).await?
    )))
}

#[derive(Deserialize)]
pub struct DrillBody {
    pub scenario: String,
    pub scheduled_on: String,
    pub participants: String,
}

async fn schedule_drill(
    State(state): State<AppState>,
    Authed(identity): Authed,
    Json(body): Json<DrillBody>,
) -> Result<Json<Value>> {
    let id = preparedness::schedule_drill(
        &state,
        &identity.actor,
        &body.scenario,
        &body.scheduled_on,
        &body.participants,
    )
    .await?;
    Ok(Json(json!({ "id": id })))
}

async fn drill(
    State(state): State<AppState>,
    Authed(identity): Authed,
    Path(id): Path<i64>,
) -> Result<Json<Value>> {
    Ok(Json(json!(
        preparedness::drill(&state, &identity.actor, id).await?
    )))
}

#[derive(Deserialize)]
pub struct RecordBody {
    #[serde(default)]
    pub record: String,
    #[serde(default)]
    pub evaluation: String,
}

async fn record_drill(
    State(state): State<AppState>,
    Authed(identity): Authed,
    Path(id): Path<i64>,
    Json(body): Json<RecordBody>,
) -> Result<Json<Value>> {
    preparedness::record_drill(&state, &identity.actor, id, &body.record, &body.evaluation).await?;
    Ok(Json(json!({ "recorded": id })))
}

#[derive(Deserialize)]
pub struct ActionBody {
    pub action: String,
    pub owner: String,
    pub due_on: String,
}

async fn add_drill_action(
    State(state): State<AppState>,
    Authed(identity): Authed,
    Path(id): Path<i64>,
    Json(body): Json<ActionBody>,
) -> Result<Json<Value>> {
    let action_id = preparedness::add_action(
        &state,
        &identity.actor,
        id,
        &body.action,
        &body.owner,
        &body.due_on,
    )
    .await?;
    Ok(Json(json!({ "id": action_id })))
}

#[derive(Deserialize)]
pub struct DoneBody {
    pub action_id: i64,
}

async fn complete_drill_action(
    State(state): State<AppState>,
    Authed(identity): Authed,
    Path(id): Path<i64>,
    Json(body): Json<DoneBody>,
) -> Result<Json<Value>> {
    preparedness::complete_action(&state, &identity.actor, id, body.action_id).await?;
    Ok(Json(json!({ "done": body.action_id })))
}
