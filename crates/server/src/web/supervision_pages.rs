//! Pages of issue 9: the inbox; on the supervision menu (监管) notices, complaints, emergency
//! plans and drills, and webhooks; and the public complaint form and status lookup, which
//! need no sign-in (CSRF by double-submit cookie, rate-limited per client address). Each
//! handler goes through the services, which authorise and audit.

use axum::body::Bytes;
use axum::extract::{Multipart, Path, State};
use axum::http::{HeaderMap, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Form, Router};
use serde::Deserialize;
use serde_json::{Value, json};

use super::limits::{ClientKey, take};
use super::pages::{PageContext, PageResult, remove_upload, see_other, send_upload, stream_upload};
use super::supervision_api::{ActionBody, DoneBody, DrillBody, EmailBody, RecordBody, WebhookBody};
use super::{Authed, LOGIN_CSRF_COOKIE, cookie, set_cookie};
use crate::AppState;
use crate::auth::{Action, OrgKind, authorize};
use crate::error::{Error, Result};
use crate::{complaints, notices, notify, preparedness};

/// Where plans are uploaded (multipart, routed under the upload body limit).
pub const PLAN_UPLOAD_PATH: &str = "/preparedness/plans";
/// The public pages, whose unsafe requests are checked by double submit (no session).
pub const PUBLIC_COMPLAINT_PATH: &str = "/complaints/new";
pub const PUBLIC_TRACK_PATH: &str = "/complaints/track";

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/inbox", get(inbox))
        .route("/inbox/{id}/read", post(mark_read))
        .route("/inbox/read-all", post(mark_all_read))
        .route("/inbox/email", post(set_email))
        .route("/notices", get(notice_list).post(send_notice))
        .route("/notices/{id}", get(notice))
        .route("/notices/{id}/acknowledge", post(acknowledge))
        .route("/complaints", get(complaint_list))
        .route(
            PUBLIC_COMPLAINT_PATH,
            get(complaint_form).post(submit_complaint),
        )
        .route(PUBLIC_TRACK_PATH, get(track_form).post(track))
        .route("/complaints/{id}", get(complaint))
        .route("/complaints/{id}/route", post(route_complaint))
        .route("/complaints/{id}/assign", post(assign_complaint))
        .route("/complaints/{id}/answer", post(answer_complaint))
        .route("/complaints/{id}/close", post(close_complaint))
        .route("/preparedness", get(preparedness_page))
        .route("/preparedness/plans/{id}", get(download_plan))
        .route("/preparedness/drills", post(schedule_drill))
        .route("/preparedness/drills/{id}", get(drill))
        .route("/preparedness/drills/{id}/record", post(record_drill))
        .route("/preparedness/drills/{id}/actions", post(add_action))
        .route(
            "/preparedness/drills/{id}/actions/done",
            post(complete_action),
        )
        .route("/webhooks", get(webhooks).post(create_webhook))
        .route("/webhooks/{id}/deactivate", post(deactivate_webhook))
}

// ---- inbox

async fn inbox(State(state): State<AppState>, page: PageContext) -> PageResult {
    let actor = &page.identity()?.actor;
    let messages = notify::inbox(&state, actor).await?;
    let email = notify::notification_email(&state, actor).await?;
    let html = page.render(
        &state,
        "inbox.html",
        "inbox",
        json!({"messages": messages, "email": email, "smtp": state.config.smtp.is_some()}),
    )?;
    Ok(html.into_response())
}

async fn mark_read(
    State(state): State<AppState>,
    Authed(identity): Authed,
    Path(id): Path<i64>,
) -> PageResult {
    notify::mark_read(&state, &identity.actor, Some(id)).await?;
    Ok(see_other("/inbox"))
}

async fn mark_all_read(State(state): State<AppState>, Authed(identity): Authed) -> PageResult {
    notify::mark_read(&state, &identity.actor, None).await?;
    Ok(see_other("/inbox"))
}

async fn set_email(
    State(state): State<AppState>,
    Authed(identity): Authed,
    Form(form): Form<EmailBody>,
) -> PageResult {
    notify::set_notification_email(&state, &identity.actor, &form.email).await?;
    Ok(see_other("/inbox"))
}

// ---- notices

async fn notice_list(State(state): State<AppState>, page: PageContext) -> PageResult {
    let actor = &page.identity()?.actor;
    let list = notices::list(&state, actor).await?;
    let may_send = actor.org.kind == OrgKind::Regulator
        && authorize(actor, Action::ManageCampaigns, &actor.org);
    let operators: Vec<Value> = if may_send {
        state
            .repo
            .organisations()
            .await?
            .iter()
            .filter(|o| authorize(actor, Action::Supervise, &o.as_ref()))
            .map(|o| json!({"id": o.id, "name": o.name}))
            .collect()
    } else {
        Vec::new()
    };
    let html = page.render(
        &state,
        "notices.html",
        "supervision",
        json!({"notices": list, "may_send": may_send, "operators": operators}),
    )?;
    Ok(html.into_response())
}

/// The send form: title, body and any number of `operator` checkboxes (none: all), read
/// from the raw body since the form repeats the key.
async fn send_notice(
    State(state): State<AppState>,
    Authed(identity): Authed,
    body: Bytes,
) -> PageResult {
    let (mut title, mut text, mut operators) = (String::new(), String::new(), Vec::new());
    for (key, value) in url::form_urlencoded::parse(&body) {
        match key.as_ref() {
            "title" => title = value.into_owned(),
            "body" => text = value.into_owned(),
            "operator" => operators.push(
                value
                    .parse()
                    .map_err(|_| Error::BadRequest("operator ids are numbers".into()))?,
            ),
            _ => {}
        }
    }
    let id = notices::send(&state, &identity.actor, &title, &text, &operators).await?;
    Ok(see_other(&format!("/notices/{id}")))
}

async fn notice(
    State(state): State<AppState>,
    page: PageContext,
    Path(id): Path<i64>,
) -> PageResult {
    let actor = &page.identity()?.actor;
    let view = notices::get(&state, actor, id).await?;
    let pending = view
        .recipients
        .iter()
        .filter(|r| r.acknowledged_at.is_none())
        .count();
    let html = page.render(
        &state,
        "notice.html",
        "supervision",
        json!({"view": view, "pending": pending}),
    )?;
    Ok(html.into_response())
}

async fn acknowledge(
    State(state): State<AppState>,
    Authed(identity): Authed,
    Path(id): Path<i64>,
) -> PageResult {
    notices::acknowledge(&state, &identity.actor, id).await?;
    Ok(see_other(&format!("/notices/{id}")))
}

// ---- complaints, staff side

async fn complaint_list(State(state): State<AppState>, page: PageContext) -> PageResult {
    let actor = &page.identity()?.actor;
    let list = complaints::list(&state, actor).await?;
    let html = page.render(
        &state,
        "complaints.html",
        "supervision",
        json!({"complaints": list}),
    )?;
    Ok(html.into_response())
}

async fn complaint(
    State(state): State<AppState>,
    page: PageContext,
    Path(id): Path<i64>,
) -> PageResult {
    let actor = &page.identity()?.actor;
    let record = complaints::get(&state, actor, id).await?;
    let assignees: Vec<Value> = complaints::assignees(&state, &record)
        .await?
        .into_iter()
        .map(|(id, name)| json!({"id": id, "name": name}))
        .collect();
    let operators: Vec<Value> = if record.regulator_id.is_none() {
        state
            .repo
            .organisations()
            .await?
            .iter()
            .filter(|o| o.kind == OrgKind::Operator)
            .map(|o| json!({"id": o.id, "name": o.name}))
            .collect()
    } else {
        Vec::new()
    };
    let may_handle = record.status != "closed" && complaints::may_handle(actor, &record);
    let html = page.render(
        &state,
        "complaint.html",
        "supervision",
        json!({"c": record, "assignees": assignees, "operators": operators, "may_handle": may_handle}),
    )?;
    Ok(html.into_response())
}

#[derive(Deserialize)]
struct RouteForm {
    operator_id: i64,
}

async fn route_complaint(
    State(state): State<AppState>,
    Authed(identity): Authed,
    Path(id): Path<i64>,
    Form(form): Form<RouteForm>,
) -> PageResult {
    complaints::route(&state, &identity.actor, id, form.operator_id).await?;
    Ok(see_other(&format!("/complaints/{id}")))
}

#[derive(Deserialize)]
struct AssignForm {
    user_id: i64,
}

async fn assign_complaint(
    State(state): State<AppState>,
    Authed(identity): Authed,
    Path(id): Path<i64>,
    Form(form): Form<AssignForm>,
) -> PageResult {
    complaints::assign(&state, &identity.actor, id, form.user_id).await?;
    Ok(see_other(&format!("/complaints/{id}")))
}

#[derive(Deserialize)]
struct AnswerForm {
    answer: String,
}

async fn answer_complaint(
    State(state): State<AppState>,
    Authed(identity): Authed,
    Path(id): Path<i64>,
    Form(form): Form<AnswerForm>,
) -> PageResult {
    complaints::answer(&state, &identity.actor, id, &form.answer).await?;
    Ok(see_other(&format!("/complaints/{id}")))
}

async fn close_complaint(
    State(state): State<AppState>,
    Authed(identity): Authed,
    Path(id): Path<i64>,
) -> PageResult {
    complaints::close(&state, &identity.actor, id).await?;
    Ok(see_other(&format!("/complaints/{id}")))
}

// ---- complaints, public side

/// Renders a public page with a CSRF token: the session's for a signed-in visitor, else a
/// double-submit token in a cookie (as the login form does).
fn public_page(
    state: &AppState,
    page: &PageContext,
    headers: &HeaderMap,
    template: &str,
    extra: Value,
) -> PageResult {
    let signed_in = page.identity().ok().map(|i| i.csrf.clone());
    let token = signed_in.clone().unwrap_or_else(|| {
        cookie(headers, LOGIN_CSRF_COOKIE)
            .filter(|t| t.len() >= 32)
            .map_or_else(crate::random_token, str::to_owned)
    });
    let mut context = json!({
        "csrf": token,
        "categories": complaints::CATEGORIES,
        "max_operator": complaints::MAX_OPERATOR_NAME,
        "max_content": complaints::MAX_CONTENT,
        "max_contact": complaints::MAX_CONTACT,
    });
    if let (Value::Object(base), Value::Object(extra)) = (&mut context, extra) {
        base.extend(extra);
    }
    let mut response = page
        .render(state, template, "complaints_public", context)?
        .into_response();
    if signed_in.is_none() {
        response.headers_mut().append(
            header::SET_COOKIE,
            set_cookie(state, LOGIN_CSRF_COOKIE, &token, 3600),
        );
    }
    Ok(response)
}

async fn complaint_form(
    State(state): State<AppState>,
    page: PageContext,
    headers: HeaderMap,
) -> PageResult {
    public_page(&state, &page, &headers, "complaint_new.html", json!({}))
}

#[derive(Deserialize)]
struct ComplaintForm {
    #[serde(default)]
    operator_name: String,
    #[serde(default)]
    category: String,
    #[serde(default)]
    content: String,
    #[serde(default)]
    contact: String,
}

async fn submit_complaint(
    State(state): State<AppState>,
    page: PageContext,
    headers: HeaderMap,
    client: ClientKey,
    Form(form): Form<ComplaintForm>,
) -> PageResult {
    take(&state.limits.complaints, &client.0)?;
    let code = complaints::submit(
        &state,
        &complaints::NewComplaint {
            operator_name: &form.operator_name,
            category: &form.category,
            content: &form.content,
            contact: &form.contact,
        },
    )
    .await?;
    public_page(
        &state,
        &page,
        &headers,
        "complaint_new.html",
        json!({"tracking_code": code}),
    )
}

async fn track_form(
    State(state): State<AppState>,
    page: PageContext,
    headers: HeaderMap,
) -> PageResult {
    public_page(&state, &page, &headers, "complaint_track.html", json!({}))
}

#[derive(Deserialize)]
struct TrackForm {
    #[serde(default)]
    code: String,
}

/// Looks a code up (posted, so it stays out of URLs and logs); counted by the same limiter
/// as submissions, so codes cannot be guessed at speed.
async fn track(
    State(state): State<AppState>,
    page: PageContext,
    headers: HeaderMap,
    client: ClientKey,
    Form(form): Form<TrackForm>,
) -> PageResult {
    take(&state.limits.complaints, &client.0)?;
    let found = match complaints::status(&state, &form.code).await {
        Ok(status) => Some(status),
        Err(Error::NotFound) => None,
        Err(error) => return Err(error.into()),
    };
    public_page(
        &state,
        &page,
        &headers,
        "complaint_track.html",
        json!({"looked_up": true, "found": found}),
    )
}

// ---- emergency plans and drills

async fn preparedness_page(State(state): State<AppState>, page: PageContext) -> PageResult {
    let actor = &page.identity()?.actor;
    let plans = preparedness::plans(&state, actor).await?;
    let drills = preparedness::drills(&state, actor).await?;
    let names: std::collections::HashMap<i64, String> = state
        .repo
        .organisations()
        .await?
        .into_iter()
        .map(|o| (o.id, o.name))
        .collect();
    let with_org = |org_id: i64, mut value: Value| {
        value["org_name"] = json!(names.get(&org_id));
        value
    };
    let html = page.render(
        &state,
        "preparedness.html",
        "supervision",
        json!({
            "plans": plans.iter().map(|p| with_org(p.org_id, json!(p))).collect::<Vec<_>>(),
            "drills": drills.iter().map(|d| with_org(d.org_id, json!(d))).collect::<Vec<_>>(),
            "may_respond": actor.org.kind == OrgKind::Operator
                && authorize(actor, Action::RespondSupervision, &actor.org),
            "plan_upload_path": PLAN_UPLOAD_PATH,
        }),
    )?;
    Ok(html.into_response())
}

/// Receives a plan document (multipart: `title`, `file`; CSRF in `?csrf=`).
pub async fn upload_plan(
    State(state): State<AppState>,
    Authed(identity): Authed,
    multipart: Multipart,
) -> PageResult {
    let actor = &identity.actor;
    let org_id = preparedness::may_file_plan(actor)?;
    let received = stream_upload(&state, org_id, multipart, &["title"]).await?;
    if let Err(error) = preparedness::add_plan(
        &state,
        actor,
        received.field("title"),
        &received.path,
        received.bytes,
    )
    .await
    {
        remove_upload(&received.path);
        return Err(error.into());
    }
    Ok(see_other("/preparedness"))
}

async fn download_plan(
    State(state): State<AppState>,
    Authed(identity): Authed,
    Path(id): Path<i64>,
) -> Result<Response> {
    let plan = preparedness::plan(&state, &identity.actor, id).await?;
    send_upload(&plan.location, &plan.file_name).await
}

async fn schedule_drill(
    State(state): State<AppState>,
    Authed(identity): Authed,
    Form(form): Form<DrillBody>,
) -> PageResult {
    let id = preparedness::schedule_drill(
        &state,
        &identity.actor,
        &form.scenario,
        &form.scheduled_on,
        &form.participants,
    )
    .await?;
    Ok(see_other(&format!("/preparedness/drills/{id}")))
}

async fn drill(
    State(state): State<AppState>,
    page: PageContext,
    Path(id): Path<i64>,
) -> PageResult {
    let actor = &page.identity()?.actor;
    let drill = preparedness::drill(&state, actor, id).await?;
    let org = state.repo.organisation(drill.org_id).await?;
    let html = page.render(
        &state,
        "drill.html",
        "supervision",
        json!({
            "drill": drill, "org_name": org.name,
            "may_respond": authorize(actor, Action::RespondSupervision, &org.as_ref()),
        }),
    )?;
    Ok(html.into_response())
}

async fn record_drill(
    State(state): State<AppState>,
    Authed(identity): Authed,
    Path(id): Path<i64>,
    Form(form): Form<RecordBody>,
) -> PageResult {
    preparedness::record_drill(&state, &identity.actor, id, &form.record, &form.evaluation).await?;
    Ok(see_other(&format!("/preparedness/drills/{id}")))
}

async fn add_action(
    State(state): State<AppState>,
    Authed(identity): Authed,
    Path(id): Path<i64>,
    Form(form): Form<ActionBody>,
) -> PageResult {
    preparedness::add_action(
        &state,
        &identity.actor,
        id,
        &form.action,
        &form.owner,
        &form.due_on,
    )
    .await?;
    Ok(see_other(&format!("/preparedness/drills/{id}")))
}

async fn complete_action(
    State(state): State<AppState>,
    Authed(identity): Authed,
    Path(id): Path<i64>,
    Form(form): Form<DoneBody>,
) -> PageResult {
    preparedness::complete_action(&state, &identity.actor, id, form.action_id).await?;
    Ok(see_other(&format!("/preparedness/drills/{id}")))
}

// ---- webhooks

async fn webhook_page(state: &AppState, page: &PageContext, created: Value) -> PageResult {
    let actor = &page.identity()?.actor;
    let hooks = notify::webhooks(state, actor).await?;
    let log = notify::deliveries(state, actor).await?;
    let html = page.render(
        state,
        "webhooks.html",
        "supervision",
        json!({"webhooks": hooks, "deliveries": log, "created": created}),
    )?;
    Ok(html.into_response())
}

async fn webhooks(State(state): State<AppState>, page: PageContext) -> PageResult {
    webhook_page(&state, &page, Value::Null).await
}

/// Registers a webhook and shows its secret on the answer page, this once.
async fn create_webhook(
    State(state): State<AppState>,
    page: PageContext,
    Form(form): Form<WebhookBody>,
) -> PageResult {
    let actor = &page.identity()?.actor;
    let (id, secret) = notify::create_webhook(&state, actor, &form.url).await?;
    webhook_page(&state, &page, json!({"id": id, "secret": secret})).await
}

async fn deactivate_webhook(
    State(state): State<AppState>,
    Authed(identity): Authed,
    Path(id): Path<i64>,
) -> PageResult {
    notify::deactivate_webhook(&state, &identity.actor, id).await?;
    Ok(see_other("/webhooks"))
}
