//! The classification-and-grading list (分类分级清单): one row per column of every table the
//! user may see, read in one query, written as CSV, as XLSX, or handed to the printable page.
//! Every export is audited.

use std::collections::BTreeMap;

use rust_xlsxwriter::{Format, FormatAlign, Workbook, Worksheet, XlsxError};
use serde::Serialize;
use sqlx::Row;

use crate::AppState;
use crate::audit::AuditEntry;
use crate::auth::{Action, Actor};
use crate::error::{Error, Result};
use crate::repo::{Repo, TableFilter, placeholders, query_with_ids};
use crate::service::spreadsheet_safe;
use crate::web::i18n::Lang;

/// Most rows the printable page shows; beyond that, filter or export the XLSX.
pub const PRINT_LIMIT: i64 = 10_000;

/// One column of the list, with its table, source, system and organisation.
#[derive(Clone, Debug, Serialize)]
pub struct ListRow {
    pub organisation: String,
    pub system: String,
    pub source: String,
    pub table_id: i64,
    pub table: String,
    pub column_id: i64,
    pub column: String,
    pub comment: Option<String>,
    pub data_type: Option<String>,
    /// The label: a person's reviewed one where it exists, else the detected one.
    pub entity: Option<String>,
    pub category: Option<String>,
    pub level: Option<String>,
    pub confidence: f64,
    pub reviewed: bool,
    pub reviewed_at: i64,
    pub detected_entity: Option<String>,
    pub detected_level: Option<String>,
}

impl Repo {
    /// The list over `org_ids`, ordered by organisation, system, source, table and column
    /// position; `filter` narrows the tables as on the inventory page.
    pub async fn inventory_list(
        &self,
        org_ids: &[i64],
        filter: &TableFilter,
        limit: i64,
    ) -> Result<Vec<ListRow>> {
        if org_ids.is_empty() {
            return Ok(Vec::new());
        }
        let mut sql = format!(
            "SELECT o.name AS organisation, y.name AS system, s.name AS source, \
             t.id AS table_id, t.name AS table_name, c.id, c.name, c.comment, c.data_type, \
             c.entity, c.category, c.level, c.confidence, c.reviewed, c.reviewed_at, \
             c.detected_entity, c.detected_level \
             FROM inventory_columns c JOIN inventory_tables t ON t.id = c.table_id \
             JOIN data_sources s ON s.id = t.source_id JOIN systems y ON y.id = s.system_id \
             JOIN organisations o ON o.id = c.org_id WHERE c.org_id IN ({})",
            placeholders(1, org_ids.len())
        );
        let mut next = org_ids.len() + 1;
        if let Some(systems) = &filter.systems {
            if systems.is_empty() {
                return Ok(Vec::new());
            }
            sql += &format!(
                " AND s.system_id IN ({})",
                placeholders(next, systems.len())
            );
            next += systems.len();
        }
        for (present, condition) in [
            (filter.source_id.is_some(), "t.source_id ="),
            (filter.level.is_some(), "t.level ="),
            (filter.name_contains.is_some(), "t.name LIKE"),
        ] {
            if present {
                sql += &format!(" AND {condition} ${next}");
                next += 1;
            }
        }
        sql += &format!(
            " ORDER BY o.id, y.name, s.id, t.name, t.id, c.position LIMIT ${next} OFFSET ${}",
            next + 1
        );
        let mut query = query_with_ids(sql, org_ids.iter().chain(filter.systems.iter().flatten()));
        if let Some(source) = filter.source_id {
            query = query.bind(source);
        }
        if let Some(level) = &filter.level {
            query = query.bind(level.clone());
        }
        if let Some(name) = &filter.name_contains {
            query = query.bind(format!("%{name}%"));
        }
        let rows = query
            .bind(limit)
            .bind(filter.offset)
            .fetch_all(&self.pool)
            .await?;
        rows.iter()
            .map(|row| {
                Ok(ListRow {
                    organisation: row.try_get("organisation")?,
                    system: row.try_get("system")?,
                    source: row.try_get("source")?,
                    table_id: row.try_get("table_id")?,
                    table: row.try_get("table_name")?,
                    column_id: row.try_get("id")?,
                    column: row.try_get("name")?,
                    comment: row.try_get("comment")?,
                    data_type: row.try_get("data_type")?,
                    entity: row.try_get("entity")?,
                    category: row.try_get("category")?,
                    level: row.try_get("level")?,
                    confidence: row.try_get("confidence")?,
                    reviewed: row.try_get::<i64, _>("reviewed")? != 0,
                    reviewed_at: row.try_get("reviewed_at")?,
                    detected_entity: row.try_get("detected_entity")?,
                    detected_level: row.try_get("detected_level")?,
                })
            })
            .collect()
    }
}

/// The list the actor may see (tables narrowed by `filter`, at most `limit` rows).
pub async fn list(
    state: &AppState,
    actor: &Actor,
    filter: &TableFilter,
    limit: i64,
) -> Result<Vec<ListRow>> {
    let orgs = crate::service::visible_org_ids(state, actor, Action::ViewInventory).await?;
    state.repo.inventory_list(&orgs, filter, limit).await
}

async fn audit_export(state: &AppState, actor: &Actor, target: &str, rows: usize) -> Result<()> {
    state
        .audit
        .record(AuditEntry::by(
            actor,
            actor.org.id,
            "export",
            target.into(),
            format!("{rows} columns"),
        ))
        .await
}

/// Level and category names of the rule pack in one language.
pub struct LabelNames {
    levels: BTreeMap<String, String>,
    categories: BTreeMap<String, String>,
}

impl LabelNames {
    pub fn new(state: &AppState, lang: Lang) -> LabelNames {
        let rules = state.engine.rules();
        let levels = rules
            .levels
            .iter()
            .map(|l| {
                let name = if lang == Lang::Zh { &l.zh } else { &l.en };
                (l.id.clone(), name.clone())
            })
            .collect();
        // Categories are named in Chinese by the rule pack; English shows their ids.
        let categories = rules
            .entities
            .values()
            .map(|r| {
                let name = if lang == Lang::Zh {
                    &r.category_zh
                } else {
                    &r.category
                };
                (r.category.clone(), name.clone())
            })
            .collect();
        LabelNames { levels, categories }
    }

    pub fn level(&self, id: Option<&str>) -> String {
        id.map(|id| {
            self.levels
                .get(id)
                .cloned()
                .unwrap_or_else(|| id.to_owned())
        })
        .unwrap_or_default()
    }

    pub fn category(&self, id: Option<&str>) -> String {
        id.map(|id| {
            self.categories
                .get(id)
                .cloned()
                .unwrap_or_else(|| id.to_owned())
        })
        .unwrap_or_default()
    }

    /// The rule pack's levels, most sensitive first, with their names.
    pub fn levels_most_sensitive_first(&self, state: &AppState) -> Vec<(String, String)> {
        state
            .engine
            .rules()
            .levels
            .iter()
            .rev()
            .map(|l| (l.id.clone(), self.level(Some(&l.id))))
            .collect()
    }
}

// ---- CSV

/// The list as CSV (UTF-8 with a BOM, so spreadsheet programs read the Chinese), ids and
/// English headers as before; cells that would start a formula are prefixed with `'`.
pub async fn inventory_csv(state: &AppState, actor: &Actor) -> Result<String> {
    let rows = list(state, actor, &TableFilter::default(), i64::MAX).await?;
    let mut out = csv::Writer::from_writer(Vec::new());
    let csv_error = |e: csv::Error| Error::Config(format!("writing CSV: {e}"));
    out.write_record([
        "organisation",
        "system",
        "source",
        "table",
        "column",
        "comment",
        "entity",
        "category",
        "level",
        "confidence",
        "reviewed",
        "detected_entity",
        "detected_level",
    ])
    .map_err(csv_error)?;
    for row in &rows {
        let cells = [
            row.organisation.as_str(),
            &row.system,
            &row.source,
            &row.table,
            &row.column,
            row.comment.as_deref().unwrap_or_default(),
            row.entity.as_deref().unwrap_or_default(),
            row.category.as_deref().unwrap_or_default(),
            row.level.as_deref().unwrap_or_default(),
            &format!("{:.2}", row.confidence),
            if row.reviewed { "yes" } else { "no" },
            row.detected_entity.as_deref().unwrap_or_default(),
            row.detected_level.as_deref().unwrap_or_default(),
        ];
        out.write_record(cells.map(spreadsheet_safe))
            .map_err(csv_error)?;
    }
    let bytes = out
        .into_inner()
        .map_err(|e| csv_error(e.into_error().into()))?;
    audit_export(state, actor, "inventory.csv", rows.len()).await?;
    Ok(format!("\u{feff}{}", String::from_utf8_lossy(&bytes)))
}

// ---- XLSX

/// The list's columns: header (Chinese, English) and width in characters.
const XLSX_COLUMNS: &[(&str, &str, f64)] = &[
    ("单位", "Organisation", 18.0),
    ("信息系统", "System", 14.0),
    ("数据源", "Source", 18.0),
    ("表", "Table", 24.0),
    ("字段", "Column", 20.0),
    ("字段注释", "Comment", 18.0),
    ("数据类型", "Type", 10.0),
    ("数据项", "Entity", 18.0),
    ("类别", "Category", 14.0),
    ("级别", "Level", 14.0),
    ("置信度", "Confidence", 9.0),
    ("已复核", "Reviewed", 8.0),
    ("复核时间", "Reviewed at", 17.0),
    ("识别数据项", "Detected entity", 18.0),
    ("识别级别", "Detected level", 14.0),
];

fn xlsx_error(error: XlsxError) -> Error {
    Error::Config(format!("writing XLSX: {error}"))
}

/// The list as an XLSX workbook: a list sheet (frozen bilingual header, filters, widths;
/// strings are written as strings, so nothing in a cell can run as a formula) and a summary
/// sheet (who exported it, when, and the columns per level). Audited as an export.
pub async fn inventory_xlsx(state: &AppState, actor: &Actor, lang: Lang) -> Result<Vec<u8>> {
    let rows = list(state, actor, &TableFilter::default(), i64::MAX).await?;
    let names = LabelNames::new(state, lang);
    let zh = lang == Lang::Zh;
    let mut workbook = Workbook::new();
    let header = Format::new()
        .set_bold()
        .set_background_color("DCE6F2")
        .set_align(FormatAlign::Center);
    let confidence = Format::new().set_num_format("0.00");
    {
        // Constant memory: rows stream to a temporary file instead of being held.
        let sheet = workbook
            .add_worksheet_with_constant_memory()
            .and_then(|sheet| {
                sheet.set_name(if zh {
                    "分类分级清单"
                } else {
                    "Inventory"
                })
            })
            .map_err(xlsx_error)?;
        for (index, (header_zh, header_en, width)) in XLSX_COLUMNS.iter().enumerate() {
            let column = index as u16;
            sheet.set_column_width(column, *width).map_err(xlsx_error)?;
            sheet
                .write_string_with_format(
                    0,
                    column,
                    if zh { *header_zh } else { *header_en },
                    &header,
                )
                .map_err(xlsx_error)?;
        }
        let (yes, no) = if zh { ("是", "否") } else { ("yes", "no") };
        for (index, row) in rows.iter().enumerate() {
            let at = index as u32 + 1;
            let texts = [
                row.organisation.clone(),
                row.system.clone(),
                row.source.clone(),
                row.table.clone(),
                row.column.clone(),
                row.comment.clone().unwrap_or_default(),
                row.data_type.clone().unwrap_or_default(),
                row.entity.clone().unwrap_or_default(),
                names.category(row.category.as_deref()),
                names.level(row.level.as_deref()),
            ];
            write_texts(sheet, at, 0, &texts)?;
            sheet
                .write_number_with_format(at, 10, row.confidence, &confidence)
                .map_err(xlsx_error)?;
            let reviewed_at = if row.reviewed {
                crate::web::templates::format_time(row.reviewed_at)
            } else {
                String::new()
            };
            let tail = [
                (if row.reviewed { yes } else { no }).to_owned(),
                reviewed_at,
                row.detected_entity.clone().unwrap_or_default(),
                names.level(row.detected_level.as_deref()),
            ];
            write_texts(sheet, at, 11, &tail)?;
        }
        let last_column = XLSX_COLUMNS.len() as u16 - 1;
        sheet.set_freeze_panes(1, 0).map_err(xlsx_error)?;
        sheet
            .autofilter(0, 0, rows.len() as u32, last_column)
            .map_err(xlsx_error)?;
    }
    let summary = workbook
        .add_worksheet()
        .set_name(if zh { "汇总" } else { "Summary" })
        .map_err(xlsx_error)?;
    summary.set_column_width(0, 22.0).map_err(xlsx_error)?;
    summary.set_column_width(1, 40.0).map_err(xlsx_error)?;
    let tables: std::collections::BTreeSet<i64> = rows.iter().map(|r| r.table_id).collect();
    let mut lines: Vec<(String, String)> = vec![
        (
            if zh { "导出单位" } else { "Exported by" }.into(),
            format!("{} ({})", actor.org_name, actor.display_name),
        ),
        (
            if zh { "导出时间" } else { "Exported at" }.into(),
            crate::web::templates::format_time(crate::now()),
        ),
        (
            if zh { "表" } else { "Tables" }.into(),
            tables.len().to_string(),
        ),
        (
            if zh { "字段" } else { "Columns" }.into(),
            rows.len().to_string(),
        ),
    ];
    for (level, level_name) in names.levels_most_sensitive_first(state) {
        let count = rows
            .iter()
            .filter(|r| r.level.as_deref() == Some(&level))
            .count();
        lines.push((level_name, count.to_string()));
    }
    for (index, (key, value)) in lines.iter().enumerate() {
        summary
            .write_string_with_format(index as u32, 0, key, &Format::new().set_bold())
            .map_err(xlsx_error)?;
        summary
            .write_string(index as u32, 1, value)
            .map_err(xlsx_error)?;
    }
    let bytes = workbook.save_to_buffer().map_err(xlsx_error)?;
    audit_export(state, actor, "inventory.xlsx", rows.len()).await?;
    Ok(bytes)
}

fn write_texts(sheet: &mut Worksheet, row: u32, first: u16, texts: &[String]) -> Result<()> {
    for (offset, text) in texts.iter().enumerate() {
        if !text.is_empty() {
            sheet
                .write_string(row, first + offset as u16, text)
                .map_err(xlsx_error)?;
        }
    }
    Ok(())
}

// ---- the printable page

/// The list grouped for printing: one group per organisation and system (each starts a
/// printed page), at most [`PRINT_LIMIT`] columns; audited as an export.
pub struct PrintList {
    pub groups: Vec<PrintGroup>,
    pub tables: usize,
    pub columns: usize,
    /// Columns per level, most sensitive first: (level id, name, count).
    pub by_level: Vec<(String, String, usize)>,
    /// More columns match than the page shows.
    pub truncated: bool,
}

#[derive(Serialize)]
pub struct PrintGroup {
    pub organisation: String,
    pub system: String,
    pub rows: Vec<PrintRow>,
}

#[derive(Serialize)]
pub struct PrintRow {
    #[serde(flatten)]
    pub row: ListRow,
    pub level_name: String,
    pub category_name: String,
}

pub async fn print_list(
    state: &AppState,
    actor: &Actor,
    filter: &TableFilter,
    lang: Lang,
) -> Result<PrintList> {
    let mut rows = list(state, actor, filter, PRINT_LIMIT + 1).await?;
    let truncated = rows.len() as i64 > PRINT_LIMIT;
    rows.truncate(PRINT_LIMIT as usize);
    audit_export(state, actor, "inventory.print", rows.len()).await?;
    let names = LabelNames::new(state, lang);
    let tables: std::collections::BTreeSet<i64> = rows.iter().map(|r| r.table_id).collect();
    let by_level = names
        .levels_most_sensitive_first(state)
        .into_iter()
        .map(|(level, name)| {
            let count = rows
                .iter()
                .filter(|r| r.level.as_deref() == Some(&level))
                .count();
            (level, name, count)
        })
        .collect();
    let (tables, columns) = (tables.len(), rows.len());
    let mut groups: Vec<PrintGroup> = Vec::new();
    for row in rows {
        let print_row = PrintRow {
            level_name: names.level(row.level.as_deref()),
            category_name: names.category(row.category.as_deref()),
            row,
        };
        match groups.last_mut() {
            Some(group)
                if group.organisation == print_row.row.organisation
                    && group.system == print_row.row.system =>
            {
                group.rows.push(print_row)
            }
            _ => groups.push(PrintGroup {
                organisation: print_row.row.organisation.clone(),
                system: print_row.row.system.clone(),
                rows: vec![print_row],
            }),
        }
    }
    Ok(PrintList {
        groups,
        tables,
        columns,
        by_level,
        truncated,
    })
}
