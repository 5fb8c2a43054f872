//! Pages and API of assessments and campaigns (see `crate::assessment` for the rules): the
//! campaign list and form, the campaign report with its heatmap and CSV export, and one
//! operator's questionnaire with answers, evidence, submission and review.

use axum::extract::{Multipart, Path, State};
use axum::http::header;
use axum::response::{IntoResponse, Response};
use axum::routing::{MethodRouter, get, post};
use axum::{Form, Json, Router};
use serde::Deserialize;
use serde_json::{Value, json};
use shuan_assess::{Heatmap, Library, Measure, Outcome, Scale, Score};

use super::api::{Endpoint, endpoint, with_body};
use super::i18n::Lang;
use super::pages::{PageContext, PageResult, remove_upload, see_other, send_upload, stream_upload};
use super::{Authed, Identity};
use crate::AppState;
use crate::assessment::{
    self, AnswerInput, Assessment, AssessmentDetail, CampaignReport, NewCampaign,
};
use crate::auth::{Action, OrgKind, authorize};
use crate::error::{Error, Result};

/// Where evidence is uploaded; routed by `web::router` under the upload body limit.
pub const EVIDENCE_PATH: &str = "/assessments/{id}/evidence";
/// Where a regulator uploads a library to import (multipart `file`), likewise.
pub const IMPORT_PATH: &str = "/assessments/libraries";

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/assessments", get(list_page))
        .route("/assessments/campaigns", post(create_campaign_form))
        .route("/assessments/campaigns/{id}", get(campaign_page))
        .route("/assessments/campaigns/{id}/report.csv", get(report_csv))
        .route("/assessments/{id}", get(assessment_page))
        .route("/assessments/{id}/answers", post(save_answers_form))
        .route("/assessments/{id}/submit", post(submit_form))
        .route("/assessments/{id}/review", post(review_form))
        .route(
            "/assessments/{id}/evidence/{evidence}",
            get(download_evidence),
        )
}

/// The API operations, added to the table in `api.rs` (router and OpenAPI document).
pub fn api_endpoints() -> Vec<(Endpoint, Option<MethodRouter<AppState>>)> {
    vec![
        (
            endpoint(
                "get",
                "/api/v1/assessment-libraries",
                "Questionnaire libraries: the bundled ones and those the user's regulator imported (ref_id imported:<id>)",
            ),
            Some(get(api_libraries)),
        ),
        (
            endpoint("get", "/api/v1/campaigns", "Campaigns the user may see"),
            Some(get(api_campaigns)),
        ),
        (
            with_body(
                "post",
                "/api/v1/campaigns",
                "Send a campaign (regulator staff)",
                "{title, library: ref_id|imported:<id>, deadline: unix seconds, operators?: [id] (default: all in the jurisdiction)}",
            ),
            Some(post(api_create_campaign)),
        ),
        (
            endpoint(
                "get",
                "/api/v1/campaigns/{id}/report",
                "A campaign's heatmap (operators × process areas or sections) and statistics",
            ),
            Some(get(api_report)),
        ),
        (
            endpoint("get", "/api/v1/assessments", "Assessments the user may see"),
            Some(get(api_assessments)),
        ),
        (
            endpoint(
                "get",
                "/api/v1/assessments/{id}",
                "An assessment with its answers, evidence and score",
            ),
            Some(get(api_assessment)),
        ),
        (
            with_body(
                "post",
                "/api/v1/assessments/{id}/answers",
                "Save answers (the operator's officer or data administrator)",
                "{answers: [{requirement: urn, answer: compliant|partially_compliant|non_compliant|not_applicable|level:N|\"\" (clear), comment}]}",
            ),
            Some(post(api_save_answers)),
        ),
        (
            endpoint(
                "post",
                "/api/v1/assessments/{id}/submit",
                "Submit for review (every requirement answered)",
            ),
            Some(post(api_submit)),
        ),
        (
            with_body(
                "post",
                "/api/v1/assessments/{id}/review",
                "Record the reviewer's conclusion (regulator staff)",
                "{accept: bool, conclusion}",
            ),
            Some(post(api_review)),
        ),
    ]
}

/// `zh` or `en`, as the libraries' translations are keyed.
fn library_lang(lang: Lang) -> &'static str {
    match lang {
        Lang::Zh => "zh",
        Lang::En => "en",
    }
}

fn library_view(library: &Library, lang: &str) -> Value {
    json!({
        "ref_id": library.ref_id,
        "version": library.version,
        "name": library.name.get(lang),
        "description": library.description.get(lang),
        "provider": library.provider,
        "requirements": library.framework.assessable().count(),
        "maturity": matches!(library.framework.scale, Scale::Maturity { .. }),
    })
}

/// An imported library in the same shape as [`library_view`]; its `ref_id` is how campaigns
/// name it.
fn imported_view(imported: &assessment::ImportedLibrary) -> Value {
    json!({
        "ref_id": format!("imported:{}", imported.id),
        "version": imported.version,
        "name": format!("{} ({})", imported.name, imported.ref_id),
        "imported_at": imported.imported_at,
        "imported": true,
    })
}

/// A heatmap value as shown: `L3` / `3.2` for levels, `75%` for rates.
fn format_value(measure: Measure, value: f64, mean: bool) -> String {
    match measure {
        Measure::Level { .. } if mean => format!("{value:.1}"),
        Measure::Level { .. } => format!("L{value:.0}"),
        Measure::Rate => format!("{:.0}%", value * 100.0),
    }
}

fn cell(measure: Measure, value: Option<f64>, mean: bool) -> Value {
    match value {
        Some(v) => json!({"text": format_value(measure, v, mean), "band": measure.band(v)}),
        None => json!({"text": "—", "band": 0}),
    }
}

/// The report as pages, the API and the CSV read it.
fn report_view(report: &CampaignReport, lang: &str) -> Value {
    let framework = &report.library.framework;
    let heatmap: &Heatmap = &report.heatmap;
    let measure = heatmap.measure;
    let columns: Vec<Value> = heatmap
        .columns
        .iter()
        .map(|&c| {
            let node = &framework.nodes[c];
            json!({
                "ref_id": node.ref_id.clone().unwrap_or_default(),
                "name": node.name.get(lang),
                "label": node.label(lang),
            })
        })
        .collect();
    let rows: Vec<Value> = report
        .assessments
        .iter()
        .zip(&heatmap.rows)
        .map(|(a, row)| {
            json!({
                "assessment_id": a.id,
                "org_id": a.org_id,
                "org_name": a.org_name,
                "status": a.status,
                "answered": row.answered,
                "assessable": row.assessable,
                "overall": cell(measure, row.overall, false),
                "overall_value": row.overall,
                "cells": row.cells.iter().map(|&v| cell(measure, v, false)).collect::<Vec<_>>(),
                "values": row.cells,
            })
        })
        .collect();
    let summaries: Vec<Value> = heatmap
        .column_summaries
        .iter()
        .map(|s| {
            json!({"mean": cell(measure, s.mean, true), "count": s.count, "min": s.min, "max": s.max, "bands": s.bands})
        })
        .collect();
    let overall = &heatmap.overall_summary;
    let submitted = report
        .assessments
        .iter()
        .filter(|a| !a.status.is_answerable())
        .count();
    json!({
        "campaign": report.campaign,
        "library": library_view(&report.library, lang),
        "measure": if matches!(measure, Measure::Rate) { "rate" } else { "level" },
        "columns": columns,
        "rows": rows,
        "summaries": summaries,
        "overall": {
            "mean": cell(measure, overall.mean, true),
            "count": overall.count,
            "min": overall.min,
            "max": overall.max,
            "bands": overall.bands,
        },
        "operators": report.assessments.len(),
        "submitted": submitted,
    })
}

/// The report as CSV (UTF-8 with BOM): one row per operator, one column per process area or
/// section; levels as numbers, rates as percentages.
fn report_csv_text(report: &CampaignReport, lang: &str) -> Result<String> {
    let framework = &report.library.framework;
    let measure = report.heatmap.measure;
    let number = |v: Option<f64>| match (v, measure) {
        (None, _) => String::new(),
        (Some(v), Measure::Level { .. }) => format!("{v:.0}"),
        (Some(v), Measure::Rate) => format!("{:.1}", v * 100.0),
    };
    let csv_error = |e: csv::Error| Error::Config(format!("writing CSV: {e}"));
    let mut out = csv::Writer::from_writer(Vec::new());
    let mut header = vec![
        "organisation".to_owned(),
        "status".to_owned(),
        "answered".to_owned(),
        "assessable".to_owned(),
        "overall".to_owned(),
    ];
    header.extend(
        report
            .heatmap
            .columns
            .iter()
            .map(|&c| framework.nodes[c].label(lang)),
    );
    out.write_record(&header).map_err(csv_error)?;
    for (assessment, row) in report.assessments.iter().zip(&report.heatmap.rows) {
        let mut cells = vec![
            crate::service::spreadsheet_safe(&assessment.org_name),
            assessment.status.as_str().to_owned(),
            row.answered.to_string(),
            row.assessable.to_string(),
            number(row.overall),
        ];
        cells.extend(row.cells.iter().map(|&v| number(v)));
        out.write_record(&cells).map_err(csv_error)?;
    }
    let bytes = out
        .into_inner()
        .map_err(|e| Error::Config(format!("writing CSV: {e}")))?;
    Ok(format!("\u{feff}{}", String::from_utf8_lossy(&bytes)))
}

fn score_view(score: &Score) -> Value {
    json!({"headline": score.to_string(), "answered": score.answered(), "assessable": score.assessable()})
}

/// The choices of an answer select: outcomes, or levels and not applicable.
fn answer_options(library: &Library, lang: &str, t: &Value) -> Vec<Value> {
    match &library.framework.scale {
        Scale::Compliance => Outcome::ALL
            .iter()
            .map(|o| json!({"value": o.as_str(), "label": t[format!("outcome_{}", o.as_str())]}))
            .collect(),
        Scale::Maturity { min, max, levels } => (*min..=*max)
            .map(|level| {
                let name = levels
                    .iter()
                    .find(|l| l.level == level)
                    .map_or_else(|| format!("L{level}"), |l| l.name.get(lang).to_owned());
                json!({"value": format!("level:{level}"), "label": name})
            })
            .chain(std::iter::once(json!({
                "value": Outcome::NotApplicable.as_str(),
                "label": t["outcome_not_applicable"],
            })))
            .collect(),
    }
}

fn detail_view(detail: &AssessmentDetail, lang: &str, t: &Value) -> Value {
    let framework = &detail.library.framework;
    let options = answer_options(&detail.library, lang, t);
    let nodes: Vec<Value> = framework
        .nodes
        .iter()
        .map(|node| {
            let stored = detail.answers.get(&node.urn);
            let answer = stored.map_or("", |a| a.answer.as_str());
            let answer_label = options
                .iter()
                .find(|o| o["value"] == answer)
                .map(|o| o["label"].clone());
            json!({
                "urn": node.urn,
                "depth": node.depth,
                "assessable": node.assessable,
                "label": node.label(lang),
                "description": if node.name.is_empty() { "" } else { node.description.get(lang) },
                "questions": node.questions.iter().map(|q| q.text.get(lang)).collect::<Vec<_>>(),
                "answer": answer,
                "answer_label": answer_label,
                "comment": stored.map_or("", |a| a.comment.as_str()),
                "evidence": detail.evidence.iter().filter(|e| e.requirement_urn == node.urn).collect::<Vec<_>>(),
            })
        })
        .collect();
    let sections: Vec<Value> = detail
        .heatmap
        .columns
        .iter()
        .zip(&detail.heatmap.rows[0].cells)
        .map(|(&c, &v)| json!({"label": framework.nodes[c].label(lang), "value": cell(detail.heatmap.measure, v, false)}))
        .collect();
    json!({
        "assessment": detail.assessment,
        "library": library_view(&detail.library, lang),
        "nodes": nodes,
        "options": options,
        "score": score_view(&detail.score),
        "sections": sections,
    })
}

// ---- pages

async fn list_page(State(state): State<AppState>, page: PageContext) -> PageResult {
    let actor = &page.identity()?.actor;
    let lang = library_lang(page.lang);
    let campaigns = assessment::campaigns(&state, actor).await?;
    let assessments = assessment::assessments(&state, actor).await?;
    let may_send = actor.org.kind == OrgKind::Regulator
        && authorize(actor, Action::ManageCampaigns, &actor.org);
    let operators: Vec<Value> = if may_send {
        state
            .repo
            .organisations()
            .await?
            .into_iter()
            .filter(|o| {
                o.kind == OrgKind::Operator
                    && authorize(actor, Action::ManageCampaigns, &o.as_ref())
            })
            .map(|o| json!({"id": o.id, "name": o.name}))
            .collect()
    } else {
        Vec::new()
    };
    let mut libraries: Vec<Value> = assessment::libraries()
        .iter()
        .map(|l| library_view(l, lang))
        .collect();
    for imported in assessment::imported_libraries(&state, actor).await? {
        libraries.push(imported_view(&imported));
    }
    let html = page.render(
        &state,
        "assessments.html",
        "assessments",
        json!({
            "campaigns": campaigns,
            "assessments": assessments,
            "may_send": may_send,
            "operators": operators,
            "libraries": libraries,
        }),
    )?;
    Ok(html.into_response())
}

/// Parses `YYYY-MM-DD` as the end of that day in Beijing time (UTC+8), in Unix seconds.
/// Also the deadlines of rectification orders (`web::inspection`).
pub(crate) fn end_of_day(date: &str) -> Result<i64> {
    let bad = || Error::BadRequest("dates are given as YYYY-MM-DD".into());
    let mut parts = date.trim().splitn(3, '-');
    let mut next = || parts.next().ok_or_else(bad);
    let (year, month, day) = (
        next()?.parse::<i64>().map_err(|_| bad())?,
        next()?.parse::<u32>().map_err(|_| bad())?,
        next()?.parse::<u32>().map_err(|_| bad())?,
    );
    if !(2000..=2200).contains(&year) || !shuan_protect::is_valid_date(year, month, day) {
        return Err(bad());
    }
    let next_midnight = (shuan_protect::days_from_civil(year, month, day) + 1) * 86_400;
    Ok(next_midnight - 8 * 3600 - 1)
}

async fn create_campaign_form(
    State(state): State<AppState>,
    Authed(identity): Authed,
    Form(fields): Form<Vec<(String, String)>>,
) -> PageResult {
    let value = |name: &str| {
        fields
            .iter()
            .find(|(k, _)| k == name)
            .map_or("", |(_, v)| v.as_str())
    };
    let operators = if value("scope") == "all" {
        None
    } else {
        let chosen = fields
            .iter()
            .filter(|(k, _)| k == "operator")
            .map(|(_, v)| v.parse::<i64>())
            .collect::<std::result::Result<Vec<_>, _>>()
            .map_err(|_| Error::BadRequest("operators are given by id".into()))?;
        Some(chosen)
    };
    let id = assessment::create_campaign(
        &state,
        &identity.actor,
        NewCampaign {
            title: value("title"),
            library: value("library"),
            deadline: end_of_day(value("deadline"))?,
            operators,
        },
    )
    .await?;
    Ok(see_other(&format!("/assessments/campaigns/{id}")))
}

async fn campaign_page(
    State(state): State<AppState>,
    page: PageContext,
    Path(id): Path<i64>,
) -> PageResult {
    let actor = &page.identity()?.actor;
    let report = assessment::campaign_report(&state, actor, id, "campaign_report").await?;
    let view = report_view(&report, library_lang(page.lang));
    let html = page.render(
        &state,
        "campaign.html",
        "assessments",
        json!({ "report": view }),
    )?;
    Ok(html.into_response())
}

async fn report_csv(
    State(state): State<AppState>,
    page: PageContext,
    Path(id): Path<i64>,
) -> PageResult {
    let actor = &page.identity()?.actor;
    let report = assessment::campaign_report(&state, actor, id, "campaign_export").await?;
    let csv = report_csv_text(&report, library_lang(page.lang))?;
    Ok((
        [
            (header::CONTENT_TYPE, "text/csv; charset=utf-8".to_owned()),
            (
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"campaign-{id}.csv\""),
            ),
        ],
        csv,
    )
        .into_response())
}

/// What the actor may do on this assessment's page.
fn permissions(
    actor: &crate::auth::Actor,
    assessment: &Assessment,
    org: &crate::repo::Organisation,
) -> Value {
    let answerable = assessment.status.is_answerable()
        && authorize(actor, Action::AnswerAssessment, &org.as_ref());
    json!({
        "answer": answerable,
        "review": assessment.status == assessment::Status::Submitted
            && authorize(actor, Action::ManageCampaigns, &org.as_ref()),
    })
}

async fn assessment_page(
    State(state): State<AppState>,
    page: PageContext,
    Path(id): Path<i64>,
) -> PageResult {
    let actor = &page.identity()?.actor;
    let detail = assessment::assessment_detail(&state, actor, id).await?;
    let org = state.repo.organisation(detail.assessment.org_id).await?;
    let t = json!(super::i18n::messages(page.lang));
    let mut view = detail_view(&detail, library_lang(page.lang), &t);
    view["may"] = permissions(actor, &detail.assessment, &org);
    view["evidence_path"] = json!(EVIDENCE_PATH.replace("{id}", &id.to_string()));
    let html = page.render(&state, "assessment.html", "assessments", view)?;
    Ok(html.into_response())
}

/// `answer:<urn>` and `comment:<urn>` pairs of the questionnaire form.
fn answers_from_form(fields: &[(String, String)]) -> Vec<AnswerInput> {
    fields
        .iter()
        .filter_map(|(key, value)| {
            let urn = key.strip_prefix("answer:")?;
            let comment = fields
                .iter()
                .find(|(k, _)| k.strip_prefix("comment:") == Some(urn))
                .map_or("", |(_, v)| v.as_str());
            Some(AnswerInput {
                requirement_urn: urn.to_owned(),
                answer: value.trim().to_owned(),
                comment: comment.to_owned(),
            })
        })
        .collect()
}

async fn save_answers_form(
    State(state): State<AppState>,
    Authed(identity): Authed,
    Path(id): Path<i64>,
    Form(fields): Form<Vec<(String, String)>>,
) -> PageResult {
    let answers = answers_from_form(&fields);
    assessment::save_answers(&state, &identity.actor, id, &answers).await?;
    if fields.iter().any(|(k, _)| k == "then_submit") {
        assessment::submit(&state, &identity.actor, id).await?;
    }
    Ok(see_other(&format!("/assessments/{id}")))
}

async fn submit_form(
    State(state): State<AppState>,
    Authed(identity): Authed,
    Path(id): Path<i64>,
) -> PageResult {
    assessment::submit(&state, &identity.actor, id).await?;
    Ok(see_other(&format!("/assessments/{id}")))
}

#[derive(Deserialize)]
struct ReviewForm {
    decision: String,
    conclusion: String,
}

async fn review_form(
    State(state): State<AppState>,
    Authed(identity): Authed,
    Path(id): Path<i64>,
    Form(form): Form<ReviewForm>,
) -> PageResult {
    let accept = match form.decision.as_str() {
        "accept" => true,
        "return" => false,
        _ => return Err(Error::BadRequest("decision is accept or return".into()).into()),
    };
    assessment::review(&state, &identity.actor, id, accept, &form.conclusion).await?;
    Ok(see_other(&format!("/assessments/{id}")))
}

/// Multipart `file` (a library YAML); for sessions the CSRF token is in `?csrf=`. The file is
/// read, validated and stored in the database; nothing stays in the uploads folder.
pub async fn import_library_upload(
    State(state): State<AppState>,
    Authed(identity): Authed,
    multipart: Multipart,
) -> PageResult {
    let actor = &identity.actor;
    let org_id = assessment::may_import(actor).await?;
    let received = stream_upload(&state, org_id, multipart, &[]).await?;
    let text = tokio::fs::read(&received.path).await;
    remove_upload(&received.path);
    let yaml = String::from_utf8(text.map_err(Error::from)?)
        .map_err(|_| Error::BadRequest("a library is UTF-8 YAML text".into()))?;
    assessment::import_library(&state, actor, &yaml).await?;
    Ok(see_other("/assessments"))
}

/// Multipart `requirement` and `file`; for sessions the CSRF token is in `?csrf=`.
pub async fn upload_evidence(
    State(state): State<AppState>,
    Authed(identity): Authed,
    Path(id): Path<i64>,
    multipart: Multipart,
) -> PageResult {
    receive_evidence(&state, &identity, id, multipart).await?;
    Ok(see_other(&format!("/assessments/{id}")))
}

async fn receive_evidence(
    state: &AppState,
    identity: &Identity,
    id: i64,
    multipart: Multipart,
) -> Result<i64> {
    let actor = &identity.actor;
    let org_id = assessment::may_add_evidence(state, actor, id).await?;
    let received = stream_upload(state, org_id, multipart, &["requirement"]).await?;
    let result = assessment::add_evidence(
        state,
        actor,
        id,
        received.field("requirement"),
        &received.path,
        received.bytes,
    )
    .await;
    if result.is_err() {
        remove_upload(&received.path);
    }
    result
}

async fn download_evidence(
    State(state): State<AppState>,
    Authed(identity): Authed,
    Path((id, evidence_id)): Path<(i64, i64)>,
) -> Result<Response> {
    let evidence = assessment::evidence(&state, &identity.actor, id, evidence_id).await?;
    send_upload(&evidence.location, &evidence.file_name).await
}

// ---- API

async fn api_libraries(
    State(state): State<AppState>,
    Authed(identity): Authed,
) -> Result<Json<Value>> {
    let mut libraries: Vec<Value> = assessment::libraries()
        .iter()
        .map(|l| library_view(l, "en"))
        .collect();
    for imported in assessment::imported_libraries(&state, &identity.actor).await? {
        libraries.push(imported_view(&imported));
    }
    Ok(Json(json!(libraries)))
}

async fn api_campaigns(
    State(state): State<AppState>,
    Authed(identity): Authed,
) -> Result<Json<Value>> {
    Ok(Json(json!(
        assessment::campaigns(&state, &identity.actor).await?
    )))
}

#[derive(Deserialize)]
struct CampaignBody {
    title: String,
    library: String,
    deadline: i64,
    operators: Option<Vec<i64>>,
}

async fn api_create_campaign(
    State(state): State<AppState>,
    Authed(identity): Authed,
    Json(body): Json<CampaignBody>,
) -> Result<Json<Value>> {
    let id = assessment::create_campaign(
        &state,
        &identity.actor,
        NewCampaign {
            title: &body.title,
            library: &body.library,
            deadline: body.deadline,
            operators: body.operators,
        },
    )
    .await?;
    Ok(Json(json!({ "id": id })))
}

async fn api_report(
    State(state): State<AppState>,
    Authed(identity): Authed,
    Path(id): Path<i64>,
) -> Result<Json<Value>> {
    let report =
        assessment::campaign_report(&state, &identity.actor, id, "campaign_report").await?;
    Ok(Json(report_view(&report, "en")))
}

async fn api_assessments(
    State(state): State<AppState>,
    Authed(identity): Authed,
) -> Result<Json<Value>> {
    Ok(Json(json!(
        assessment::assessments(&state, &identity.actor).await?
    )))
}

async fn api_assessment(
    State(state): State<AppState>,
    Authed(identity): Authed,
    Path(id): Path<i64>,
) -> Result<Json<Value>> {
    let detail = assessment::assessment_detail(&state, &identity.actor, id).await?;
    Ok(Json(json!({
        "assessment": detail.assessment,
        "library": library_view(&detail.library, "en"),
        "answers": detail.answers.values().collect::<Vec<_>>(),
        "evidence": detail.evidence,
        "score": score_view(&detail.score),
    })))
}

#[derive(Deserialize)]
struct AnswersBody {
    answers: Vec<AnswerItem>,
}

#[derive(Deserialize)]
struct AnswerItem {
    requirement: String,
    answer: String,
    #[serde(default)]
    comment: String,
}

async fn api_save_answers(
    State(state): State<AppState>,
    Authed(identity): Authed,
    Path(id): Path<i64>,
    Json(body): Json<AnswersBody>,
) -> Result<Json<Value>> {
    let inputs: Vec<AnswerInput> = body
        .answers
        .into_iter()
        .map(|a| AnswerInput {
            requirement_urn: a.requirement,
            answer: a.answer,
            comment: a.comment,
        })
        .collect();
    assessment::save_answers(&state, &identity.actor, id, &inputs).await?;
    Ok(Json(json!({ "saved": inputs.len() })))
}

async fn api_submit(
    State(state): State<AppState>,
    Authed(identity): Authed,
    Path(id): Path<i64>,
) -> Result<Json<Value>> {
    assessment::submit(&state, &identity.actor, id).await?;
    Ok(Json(json!({ "status": "submitted" })))
}

#[derive(Deserialize)]
struct ReviewBody {
    accept: bool,
    conclusion: String,
}

async fn api_review(
    State(state): State<AppState>,
    Authed(identity): Authed,
    Path(id): Path<i64>,
    Json(body): Json<ReviewBody>,
) -> Result<Json<Value>> {
    assessment::review(&state, &identity.actor, id, body.accept, &body.conclusion).await?;
    Ok(Json(
        json!({ "status": if body.accept { "reviewed" } else { "returned" } }),
    ))
}

#[cfg(test)]
mod tests {
    #[test]
    fn deadlines_end_at_midnight_beijing_time() {
        // 2026-12-31 23:59:59 +08:00
        assert_eq!(super::end_of_day("2026-12-31").unwrap(), 1_798_732_799);
        for bad in ["2026-02-30", "2026-13-01", "tomorrow", "1999-01-01", ""] {
            assert!(super::end_of_day(bad).is_err(), "{bad}");
        }
    }
}
