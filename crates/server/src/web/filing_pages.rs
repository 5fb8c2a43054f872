//! Pages of the operator registry, filings and risk assessment reports. Forms change one part
//! of a draft at a time (add an activity, pick the catalogs, add a risk); each handler reads
//! the draft through the service, changes it and saves it back through the service, which
//! authorises, validates and audits.

use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::response::IntoResponse;
use axum::routing::{get, post};
use axum::{Form, Router};
use serde::Deserialize;
use serde_json::{Value, json};

use super::Authed;
use super::filing_api::DiffQuery;
use super::pages::{PageContext, PageResult, see_other};
use crate::AppState;
use crate::auth::{Action, Actor, OrgKind, authorize};
use crate::error::Error;
use crate::filing::{self, Activity, Event, FilingContent, FilingDraft, FilingKind, FilingView};
use crate::registry::{self, Contact, OperatorFilter, ProfileInput};
use crate::risk_report::{AREAS, RiskReportContent, SEVERITIES};

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/registry", get(registry_list))
        .route("/registry/operators/{id}", get(operator))
        .route("/registry/operators/{id}/profile", post(update_profile))
        .route("/registry/operators/{id}/key-operator", post(key_operator))
        .route("/filings", get(filings).post(create))
        .route("/filings/{id}", get(filing_page))
        .route("/filings/{id}/diff", get(diff))
        .route("/filings/{id}/transition", post(transition))
        .route("/filings/{id}/activities", post(add_activity))
        .route("/filings/{id}/activities/remove", post(remove_activity))
        .route("/filings/{id}/catalog", post(pick_catalog))
        .route("/filings/{id}/risks", post(add_risk))
        .route("/filings/{id}/risks/remove", post(remove_risk))
        .route("/filings/{id}/report", post(save_report_text))
}

const FILING_STATUSES: [&str; 7] = [
    "none",
    "draft",
    "submitted",
    "under_review",
    "returned",
    "resubmitted",
    "accepted",
];

// ---- registry

/// The list's filters as the form sends them (empty means any).
#[derive(Deserialize, Default)]
struct RegistryQuery {
    #[serde(default)]
    industry: String,
    #[serde(default)]
    region: String,
    #[serde(default)]
    key_operator: String,
    #[serde(default)]
    filing_status: String,
}

impl RegistryQuery {
    fn filter(&self) -> OperatorFilter {
        let some = |s: &str| (!s.trim().is_empty()).then(|| s.trim().to_owned());
        OperatorFilter {
            industry: some(&self.industry),
            region: some(&self.region),
            key_operator: match self.key_operator.as_str() {
                "true" => Some(true),
                "false" => Some(false),
                _ => None,
            },
            filing_status: some(&self.filing_status),
        }
    }
}

/// A regulator's list of its operators; an operator's users go to their own profile.
async fn registry_list(
    State(state): State<AppState>,
    page: PageContext,
    Query(query): Query<RegistryQuery>,
) -> PageResult {
    let actor = &page.identity()?.actor;
    if actor.org.kind == OrgKind::Operator {
        return Ok(see_other(&format!("/registry/operators/{}", actor.org.id)));
    }
    let entries = registry::operators(&state, actor, &query.filter()).await?;
    let rows: Vec<Value> = entries
        .iter()
        .map(|e| {
            json!({
                "id": e.org.id, "name": e.org.name,
                "legal_name": e.profile.as_ref().map(|p| p.fields.legal_name.as_str()).unwrap_or_default(),
                "uscc": e.profile.as_ref().map(|p| p.fields.uscc.as_str()).unwrap_or_default(),
                "industry": e.industry(), "region": e.region(),
                "key_operator": e.key_operator, "key_reason": e.key_reason,
                "filing_status": e.filing_status,
            })
        })
        .collect();
    let html = page.render(
        &state,
        "registry.html",
        "registry",
        json!({
            "entries": rows, "statuses": FILING_STATUSES,
            "filter": {"industry": query.industry, "region": query.region,
                       "key_operator": query.key_operator, "filing_status": query.filing_status},
        }),
    )?;
    Ok(html.into_response())
}

async fn operator(
    State(state): State<AppState>,
    page: PageContext,
    Path(id): Path<i64>,
) -> PageResult {
    let actor = &page.identity()?.actor;
    let record = registry::operator(&state, actor, id).await?;
    let org = record.entry.org.as_ref();
    let profile = record.entry.profile.as_ref().map(|p| &p.fields);
    let contacts_text = profile.map_or_else(String::new, |p| {
        p.contacts
            .iter()
            .map(|c| format!("{}, {}, {}, {}", c.name, c.title, c.phone, c.email))
            .collect::<Vec<_>>()
            .join("\n")
    });
    let systems_text = profile.map_or_else(String::new, |p| p.systems.join("\n"));
    let html = page.render(
        &state,
        "operator.html",
        "registry",
        json!({
            "record": record, "profile": record.entry.profile,
            "contacts_text": contacts_text, "systems_text": systems_text,
            "can_edit": authorize(actor, Action::PrepareFilings, &org),
            "can_supervise": authorize(actor, Action::Supervise, &org),
            "can_list": actor.org.kind != OrgKind::Operator,
        }),
    )?;
    Ok(html.into_response())
}

#[derive(Deserialize)]
struct ProfileForm {
    legal_name: String,
    uscc: String,
    industry: String,
    region: String,
    officer_name: String,
    #[serde(default)]
    officer_title: String,
    #[serde(default)]
    officer_phone: String,
    #[serde(default)]
    officer_email: String,
    /// One contact a line: name, title, phone, e-mail (comma or full-width comma).
    #[serde(default)]
    contacts: String,
    /// One system a line.
    #[serde(default)]
    systems: String,
}

fn contact_line(line: &str) -> Contact {
    let mut parts = line.split([',', '，']).map(str::trim);
    let mut next = || parts.next().unwrap_or_default().to_owned();
    Contact {
        name: next(),
        title: next(),
        phone: next(),
        email: next(),
    }
}

fn nonempty_lines(text: &str) -> impl Iterator<Item = &str> {
    text.lines().map(str::trim).filter(|l| !l.is_empty())
}

async fn update_profile(
    State(state): State<AppState>,
    Authed(identity): Authed,
    Path(id): Path<i64>,
    Form(form): Form<ProfileForm>,
) -> PageResult {
    let input = ProfileInput {
        legal_name: form.legal_name,
        uscc: form.uscc,
        industry: form.industry,
        region: form.region,
        contacts: nonempty_lines(&form.contacts).map(contact_line).collect(),
        security_officer: Contact {
            name: form.officer_name,
            title: form.officer_title,
            phone: form.officer_phone,
            email: form.officer_email,
        },
        systems: nonempty_lines(&form.systems).map(str::to_owned).collect(),
    };
    registry::update_profile(&state, &identity.actor, id, &input).await?;
    Ok(see_other(&format!("/registry/operators/{id}")))
}

#[derive(Deserialize)]
struct KeyOperatorForm {
    listed: String,
    reason: String,
}

async fn key_operator(
    State(state): State<AppState>,
    Authed(identity): Authed,
    Path(id): Path<i64>,
    Form(form): Form<KeyOperatorForm>,
) -> PageResult {
    let listed = form.listed == "true";
    registry::set_key_operator(&state, &identity.actor, id, listed, &form.reason).await?;
    Ok(see_other(&format!("/registry/operators/{id}")))
}

// ---- filings

async fn filings(State(state): State<AppState>, page: PageContext) -> PageResult {
    let actor = &page.identity()?.actor;
    let list = filing::list(&state, actor, None).await?;
    let reminder = crate::risk_report::reminder(&state, actor).await?;
    let html = page.render(
        &state,
        "filings.html",
        "filings",
        json!({
            "filings": list, "reminder": reminder,
            "can_create": actor.org.kind == OrgKind::Operator
                && authorize(actor, Action::PrepareFilings, &actor.org),
        }),
    )?;
    Ok(html.into_response())
}

#[derive(Deserialize)]
struct NewFilingForm {
    kind: String,
    #[serde(default)]
    title: String,
}

async fn create(
    State(state): State<AppState>,
    Authed(identity): Authed,
    Form(form): Form<NewFilingForm>,
) -> PageResult {
    let kind = FilingKind::parse(&form.kind)
        .ok_or_else(|| Error::BadRequest("kind is filing or risk_report".into()))?;
    let id = filing::create(&state, &identity.actor, kind, &form.title).await?;
    Ok(see_other(&format!("/filings/{id}")))
}

fn filing_content(view: &FilingView) -> Result<FilingContent, Error> {
    serde_json::from_value(view.filing.draft.clone())
        .map_err(|e| Error::Config(format!("stored filing draft: {e}")))
}

fn report_content(view: &FilingView) -> Result<RiskReportContent, Error> {
    serde_json::from_value(view.filing.draft.clone())
        .map_err(|e| Error::Config(format!("stored report draft: {e}")))
}

async fn filing_page(
    State(state): State<AppState>,
    page: PageContext,
    Path(id): Path<i64>,
) -> PageResult {
    let actor = &page.identity()?.actor;
    let view = filing::get(&state, actor, id).await?;
    let (_, level_names) = page.levels(&state);
    let mut extra = json!({
        "filing": view.filing, "versions": view.versions, "events": view.events,
        "allowed_events": view.allowed_events, "can_edit": view.can_edit,
        "level_names": level_names, "content": view.filing.draft,
    });
    match view.filing.kind {
        FilingKind::Filing => {
            let content = filing_content(&view)?;
            extra["catalogs"] = json!([
                {"title": "catalog_important", "entries": content.important_catalog},
                {"title": "catalog_core", "entries": content.core_catalog},
            ]);
            if view.can_edit {
                extra["candidates"] = json!(filing::catalog_candidates(&state, actor).await?);
                extra["chosen"] = json!(chosen_columns(&content));
            }
        }
        FilingKind::RiskReport => {
            extra["risk_sources"] = json!(report_content(&view)?.risk_sources());
            extra["areas"] = json!(AREAS);
            extra["severities"] = json!(SEVERITIES);
        }
    }
    let html = page.render(&state, "filing.html", "filings", extra)?;
    Ok(html.into_response())
}

fn chosen_columns(content: &FilingContent) -> Vec<i64> {
    content
        .important_catalog
        .iter()
        .chain(&content.core_catalog)
        .map(|e| e.column_id)
        .collect()
}

async fn diff(
    State(state): State<AppState>,
    page: PageContext,
    Path(id): Path<i64>,
    Query(query): Query<DiffQuery>,
) -> PageResult {
    let actor = &page.identity()?.actor;
    let (from, to, changes) = filing::version_diff(&state, actor, id, query.from, query.to).await?;
    let view = filing::get(&state, actor, id).await?;
    let html = page.render(
        &state,
        "filing_diff.html",
        "filings",
        json!({"filing": view.filing, "from": from, "to": to, "changes": changes}),
    )?;
    Ok(html.into_response())
}

#[derive(Deserialize)]
struct TransitionForm {
    event: String,
    #[serde(default)]
    comment: String,
}

async fn transition(
    State(state): State<AppState>,
    Authed(identity): Authed,
    Path(id): Path<i64>,
    Form(form): Form<TransitionForm>,
) -> PageResult {
    let event = Event::parse(&form.event)
        .ok_or_else(|| Error::BadRequest(format!("unknown event {:?}", form.event)))?;
    filing::transition(&state, &identity.actor, id, event, &form.comment).await?;
    Ok(see_other(&format!("/filings/{id}")))
}

/// Reads a filing's draft, lets `change` edit it, and saves it back with its catalog picks.
async fn edit_filing(
    state: &AppState,
    actor: &Actor,
    id: i64,
    change: impl FnOnce(&mut FilingDraft),
) -> PageResult {
    let view = filing::get(state, actor, id).await?;
    let content = filing_content(&view)?;
    let mut draft = FilingDraft {
        catalog_columns: chosen_columns(&content),
        activities: content.activities,
    };
    change(&mut draft);
    filing::save_filing_draft(state, actor, id, &draft).await?;
    Ok(see_other(&format!("/filings/{id}")))
}

#[derive(Deserialize)]
struct ActivityForm {
    name: String,
    purpose: String,
    #[serde(default)]
    method: String,
    #[serde(default)]
    scope: String,
    #[serde(default)]
    data_kinds: String,
    #[serde(default)]
    volume: String,
    #[serde(default)]
    retention: String,
    #[serde(default)]
    cross_border: String,
    #[serde(default)]
    cross_border_basis: String,
    #[serde(default)]
    measures: String,
}

async fn add_activity(
    State(state): State<AppState>,
    Authed(identity): Authed,
    Path(id): Path<i64>,
    Form(form): Form<ActivityForm>,
) -> PageResult {
    let activity = Activity {
        name: form.name,
        purpose: form.purpose,
        method: form.method,
        scope: form.scope,
        data_kinds: form.data_kinds,
        volume: form.volume,
        retention: form.retention,
        cross_border: form.cross_border == "yes",
        cross_border_basis: form.cross_border_basis,
        measures: form.measures,
    };
    edit_filing(&state, &identity.actor, id, |draft| {
        draft.activities.push(activity)
    })
    .await
}

#[derive(Deserialize)]
struct NamedForm {
    name: String,
}

async fn remove_activity(
    State(state): State<AppState>,
    Authed(identity): Authed,
    Path(id): Path<i64>,
    Form(form): Form<NamedForm>,
) -> PageResult {
    edit_filing(&state, &identity.actor, id, |draft| {
        draft.activities.retain(|a| a.name != form.name)
    })
    .await
}

/// The checked `column` boxes (a form repeats the field, which `Form` cannot read).
async fn pick_catalog(
    State(state): State<AppState>,
    Authed(identity): Authed,
    Path(id): Path<i64>,
    body: Bytes,
) -> PageResult {
    let columns = url::form_urlencoded::parse(&body)
        .filter(|(key, _)| key == "column")
        .map(|(_, value)| {
            value
                .parse::<i64>()
                .map_err(|_| Error::BadRequest("column ids are numbers".into()))
        })
        .collect::<Result<Vec<i64>, Error>>()?;
    edit_filing(&state, &identity.actor, id, |draft| {
        draft.catalog_columns = columns
    })
    .await
}

/// Reads a report's draft, lets `change` edit it, and saves it back.
async fn edit_report(
    state: &AppState,
    actor: &Actor,
    id: i64,
    change: impl FnOnce(&mut RiskReportContent),
) -> PageResult {
    let view = filing::get(state, actor, id).await?;
    let mut report = report_content(&view)?;
    change(&mut report);
    filing::save_report_draft(state, actor, id, &report).await?;
    Ok(see_other(&format!("/filings/{id}")))
}

#[derive(Deserialize)]
struct RiskForm {
    area: String,
    source: String,
    description: String,
    severity: String,
    #[serde(default)]
    treatment: String,
}

async fn add_risk(
    State(state): State<AppState>,
    Authed(identity): Authed,
    Path(id): Path<i64>,
    Form(form): Form<RiskForm>,
) -> PageResult {
    edit_report(&state, &identity.actor, id, |report| {
        // The next number after the highest `R<n>` in use, so removals never reuse one.
        let next = report
            .risks
            .iter()
            .filter_map(|r| r.reference.strip_prefix('R')?.parse::<u32>().ok())
            .max()
            .unwrap_or(0)
            + 1;
        report.risks.push(crate::risk_report::Risk {
            reference: format!("R{next}"),
            area: form.area,
            source: form.source,
            description: form.description,
            severity: form.severity,
            treatment: form.treatment,
        })
    })
    .await
}

#[derive(Deserialize)]
struct ReferenceForm {
    reference: String,
}

async fn remove_risk(
    State(state): State<AppState>,
    Authed(identity): Authed,
    Path(id): Path<i64>,
    Form(form): Form<ReferenceForm>,
) -> PageResult {
    edit_report(&state, &identity.actor, id, |report| {
        report.risks.retain(|r| r.reference != form.reference)
    })
    .await
}

#[derive(Deserialize)]
struct ReportTextForm {
    #[serde(default)]
    measures: String,
    #[serde(default)]
    evaluation: String,
    #[serde(default)]
    rectification: String,
}

async fn save_report_text(
    State(state): State<AppState>,
    Authed(identity): Authed,
    Path(id): Path<i64>,
    Form(form): Form<ReportTextForm>,
) -> PageResult {
    edit_report(&state, &identity.actor, id, |report| {
        report.survey.measures = form.measures;
        report.evaluation = form.evaluation;
        report.rectification = form.rectification;
    })
    .await
}
