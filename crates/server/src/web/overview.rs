//! The overview: the dashboard with its charts (ECharts, drawn by a static script from the
//! figures the page carries in `data-chart` attributes and also shows as tables), and the
//! classification-and-grading list as XLSX and as a printable page.

use axum::Router;
use axum::extract::{Query, State};
use axum::http::header;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use serde_json::{Value, json};

use super::Authed;
use super::i18n::Lang;
use super::pages::{InventoryQuery, PageContext, PageResult, job_view};
use crate::AppState;
use crate::error::Result;
use crate::export::{self, LabelNames};

pub const XLSX_API_PATH: &str = "/api/v1/export/inventory.xlsx";
const XLSX_TYPE: &str = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";

const ECHARTS: &str = include_str!("../../assets/echarts/echarts.common.min.js");
const DASHBOARD_SCRIPT: &str = include_str!("../../assets/dashboard.js");
const PRINT_STYLESHEET: &str = include_str!("../../assets/print.css");
/// The URL of ECharts carries its version, so it can be cached for a year (dashboard.html
/// names it).
const ECHARTS_PATH: &str = "/assets/echarts-5.6.0.min.js";

/// Routes of the pages and assets; the XLSX API endpoint is in `api::endpoints`.
pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/inventory/export.xlsx", get(export_xlsx))
        .route("/inventory/print", get(print))
        .route(
            ECHARTS_PATH,
            get(|| asset("text/javascript", ECHARTS, YEAR)),
        )
        .route(
            "/assets/dashboard.js",
            get(|| asset("text/javascript", DASHBOARD_SCRIPT, YEAR)),
        )
        .route(
            "/assets/print.css",
            get(|| asset("text/css; charset=utf-8", PRINT_STYLESHEET, YEAR)),
        )
}

const YEAR: &str = "public, max-age=31536000, immutable";

/// Pages name the script and stylesheet with `?v=` and this fingerprint of their content,
/// so a long cache never serves an old version after an upgrade.
fn fingerprint(content: &str) -> String {
    // FNV-1a: not for security, only to change the URL when the content changes.
    let hash = content
        .bytes()
        .fold(0xcbf2_9ce4_8422_2325_u64, |hash, byte| {
            (hash ^ u64::from(byte)).wrapping_mul(0x0100_0000_01b3)
        });
    format!("{hash:016x}")
}

async fn asset(content_type: &'static str, body: &'static str, cache: &'static str) -> Response {
    (
        [
            (header::CONTENT_TYPE, content_type),
            (header::CACHE_CONTROL, cache),
        ],
        body,
    )
        .into_response()
}

// ---- dashboard

/// A chart's figures for `dashboard.js`: bars or a ring, labels with their values, and the
/// level ids where the bars are levels (for their colours). Pages put it as JSON text in a
/// `data-chart` attribute, where the template's escaping applies like to any other text.
fn chart(kind: &str, name: &str, rows: &[(String, String, i64)]) -> Value {
    json!({
        "type": kind,
        "name": name,
        "keys": rows.iter().map(|r| &r.0).collect::<Vec<_>>(),
        "labels": rows.iter().map(|r| &r.1).collect::<Vec<_>>(),
        "values": rows.iter().map(|r| r.2).collect::<Vec<_>>(),
    })
}

/// Oldest sources shown in the freshness chart (the table lists them all).
const FRESHNESS_BARS: usize = 20;

pub async fn dashboard(State(state): State<AppState>, page: PageContext) -> PageResult {
    let actor = &page.identity()?.actor;
    let dashboard = crate::service::dashboard(&state, actor).await?;
    let t = super::i18n::messages(page.lang);
    let text = |key: &str| t[key].as_str().unwrap_or(key).to_owned();
    let names = LabelNames::new(&state, page.lang);
    let counts = &dashboard.counts;
    // Most sensitive level first, as the rule pack orders them (least to most).
    let rules = state.engine.rules();
    let mut by_level = counts.by_level.clone();
    by_level.sort_by_key(|(level, _)| std::cmp::Reverse(rules.level_rank(level)));
    let by_level: Vec<(String, String, i64)> = by_level
        .into_iter()
        .map(|(level, n)| (level.clone(), names.level(Some(&level)), n))
        .collect();
    let by_category: Vec<(String, String, i64)> = counts
        .by_category
        .iter()
        .map(|(category, n)| (category.clone(), names.category(Some(category)), *n))
        .collect();
    let by_organisation: Vec<(String, String, i64)> = counts
        .by_organisation
        .iter()
        .map(|(org, n)| (String::new(), org.clone(), *n))
        .collect();
    let coverage = &dashboard.coverage;
    let sources_chart = json!({
        "type": "pie",
        "name": text("scan_coverage"),
        "labels": [text("sources_scanned"), text("sources_not_scanned")],
        "values": [coverage.sources_scanned, coverage.sources_not_scanned],
        "colours": ["#1d7a46", "#b42318"],
    });
    let tables_chart = json!({
        "type": "pie",
        "name": text("review_coverage"),
        "labels": [text("tables_reviewed"), text("tables_awaiting_review")],
        "values": [coverage.tables_reviewed, coverage.tables - coverage.tables_reviewed],
        "colours": ["#1d7a46", "#c2410c"],
    });
    let freshness = &dashboard.freshness;
    let mut oldest: Vec<_> = freshness
        .sources
        .iter()
        .filter_map(|s| s.age_days.map(|days| (s, days)))
        .collect();
    oldest.sort_by_key(|(s, days)| (std::cmp::Reverse(*days), s.id));
    oldest.truncate(FRESHNESS_BARS);
    let mut freshness_chart = chart(
        "hbar",
        &text("age_days"),
        &oldest
            .iter()
            .map(|(s, days)| (String::new(), s.name.clone(), *days))
            .collect::<Vec<_>>(),
    );
    freshness_chart["mark"] = json!(freshness.stale_after_days);
    freshness_chart["mark_label"] =
        json!(format!("{} {}", freshness.stale_after_days, text("days")));
    let jobs = crate::service::jobs(&state, actor, 8).await?;
    let html = page.render(
        &state,
        "dashboard.html",
        "dashboard",
        json!({
            "counts": counts,
            "coverage": coverage,
            "freshness": freshness,
            "by_level": by_level,
            "by_category": by_category,
            "by_organisation": by_organisation,
            "charts": {
                "by_level": chart("pie", &text("by_level"), &by_level).to_string(),
                "by_category": chart("hbar", &text("by_category"), &by_category).to_string(),
                "by_organisation": chart("bar", &text("by_organisation"), &by_organisation).to_string(),
                "sources": sources_chart.to_string(),
                "tables": tables_chart.to_string(),
                "freshness": freshness_chart.to_string(),
            },
            "script_version": fingerprint(DASHBOARD_SCRIPT),
            "jobs": jobs.iter().map(job_view).collect::<Vec<_>>(),
        }),
    )?;
    Ok(html.into_response())
}

// ---- the classification-and-grading list

/// The list as XLSX, in the page's language (`?lang=en` or the language cookie); the page
/// link and the API share it.
pub async fn export_xlsx(
    State(state): State<AppState>,
    Authed(identity): Authed,
    page: PageContext,
) -> Result<Response> {
    let bytes = export::inventory_xlsx(&state, &identity.actor, page.lang).await?;
    let file = if page.lang == Lang::Zh {
        "inventory.xlsx\"; filename*=UTF-8''%E5%88%86%E7%B1%BB%E5%88%86%E7%BA%A7%E6%B8%85%E5%8D%95.xlsx"
    } else {
        "inventory.xlsx\""
    };
    Ok((
        [
            (header::CONTENT_TYPE, XLSX_TYPE.to_owned()),
            (
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"{file}"),
            ),
        ],
        bytes,
    )
        .into_response())
}

/// The printable list (打印版): the inventory's filters apply; one section per system.
async fn print(
    State(state): State<AppState>,
    page: PageContext,
    Query(query): Query<InventoryQuery>,
) -> PageResult {
    let actor = &page.identity()?.actor;
    let list = export::print_list(&state, actor, &query.filter(), page.lang).await?;
    let html = page.render(
        &state,
        "inventory_print.html",
        "inventory",
        json!({
            "groups": list.groups,
            "tables": list.tables,
            "columns": list.columns,
            "by_level": list.by_level,
            "truncated": list.truncated,
            "limit": export::PRINT_LIMIT,
            "printed_at": crate::now(),
            "print_css_version": fingerprint(PRINT_STYLESHEET),
        }),
    )?;
    Ok(html.into_response())
}
