//! SQLite: tables from `sqlite_master`, columns from `pragma_table_info`, comments from the
//! `-- comment` after a column in the CREATE TABLE text, read-only connections.

use sqlx::sqlite::{SqliteConnectOptions, SqlitePool, SqlitePoolOptions};
use sqlx::{AssertSqlSafe, Row as _, SqliteConnection};
use tokio::sync::mpsc;

use super::{
    Batch, DbTarget, POOL_ACQUIRE_TIMEOUT, RowLayout, ScanOptions, TableEntry, db_error,
    forward_rows, quote_ident, start_read,
};
use crate::{ColumnMeta, SourceError, TableMeta};

/// SQLite has no schemas to speak of; globs see every table as `main.table`.
const SCHEMA: &str = "main";
/// Row counts are exact up to this many rows, and not given above it: counting costs a scan.
const COUNT_LIMIT: i64 = 100_000;

const LIST_SQL: &str = r"SELECT name, type, COALESCE(sql, '') FROM sqlite_master
WHERE (type = 'table' OR (? AND type = 'view')) AND name NOT LIKE 'sqlite\_%' ESCAPE '\'
ORDER BY name";

pub(super) async fn list(
    target: &DbTarget,
    opts: &ScanOptions,
) -> Result<Vec<Result<TableEntry, SourceError>>, SourceError> {
    let display = target.display();
    let path = target.sqlite_path().unwrap_or(std::path::Path::new(""));
    if !path.is_file() {
        return Err(SourceError::input(
            display,
            "no such SQLite file; check the path",
        ));
    }
    let connect = SqliteConnectOptions::new().filename(path).read_only(true);
    let pool = SqlitePoolOptions::new()
        .max_connections(opts.max_connections.max(1))
        .acquire_timeout(POOL_ACQUIRE_TIMEOUT)
        .connect_lazy_with(connect);
    let fail = |e: sqlx::Error| db_error(target, &display, &e);
    let mut conn = pool.acquire().await.map_err(fail)?;
    let tables = sqlx::query(LIST_SQL)
        .bind(opts.include_views)
        .fetch_all(&mut *conn)
        .await
        .map_err(fail)?;
    let mut entries = Vec::new();
    for table in &tables {
        let name: String = table.get(0);
        if !opts.selects(SCHEMA, &name) {
            continue;
        }
        let is_view = table.get::<String, _>(1) == "view";
        let create_sql: String = table.get(2);
        let source = format!("{display}/{name}");
        let entry = describe(&mut conn, &name, is_view, &create_sql)
            .await
            .map(|(columns, row_estimate)| {
                into_entry(
                    target,
                    &pool,
                    opts,
                    source.clone(),
                    name,
                    columns,
                    row_estimate,
                )
            })
            .map_err(|e| db_error(target, &source, &e));
        entries.push(entry);
    }
    Ok(entries)
}

/// Columns (with the binary ones marked) and, for tables, a row count when small.
async fn describe(
    conn: &mut SqliteConnection,
    table: &str,
    is_view: bool,
    create_sql: &str,
) -> Result<(Vec<(ColumnMeta, bool)>, Option<u64>), sqlx::Error> {
    let rows = sqlx::query("SELECT name, type FROM pragma_table_info(?) ORDER BY cid")
        .bind(table)
        .fetch_all(&mut *conn)
        .await?;
    let columns = rows
        .iter()
        .map(|row| {
            let name: String = row.get(0);
            let declared: String = row.get(1);
            let is_binary = declared.to_ascii_uppercase().contains("BLOB");
            let comment = column_comment(create_sql, &name);
            (
                ColumnMeta {
                    name,
                    comment,
                    data_type: (!declared.is_empty()).then_some(declared),
                },
                is_binary,
            )
        })
        .collect();
    let row_estimate = if is_view {
        None
    } else {
        let sql = format!(
            "SELECT count(*) FROM (SELECT 1 FROM {} LIMIT ?)",
            quote_ident(table, '"')
        );
        let count: i64 = sqlx::query_scalar(AssertSqlSafe(sql))
            .bind(COUNT_LIMIT + 1)
            .fetch_one(&mut *conn)
            .await?;
        (count <= COUNT_LIMIT).then_some(count as u64)
    };
    Ok((columns, row_estimate))
}

fn into_entry(
    target: &DbTarget,
    pool: &SqlitePool,
    opts: &ScanOptions,
    source: String,
    name: String,
    columns: Vec<(ColumnMeta, bool)>,
    row_estimate: Option<u64>,
) -> TableEntry {
    let mut notes = Vec::new();
    let mut selected = Vec::new();
    let mut expressions = Vec::new();
    for (index, (column, is_binary)) in columns.iter().enumerate() {
        if *is_binary {
            notes.push(format!("column {}: binary type, not read", column.name));
        } else {
            // Declared types do not bind values in SQLite: a TEXT column can still hold a blob.
            let quoted = quote_ident(&column.name, '"');
            expressions.push(format!(
                "CASE WHEN typeof({quoted}) = 'blob' OR length(CAST({quoted} AS BLOB)) > {max} THEN NULL \
                 ELSE CAST({quoted} AS TEXT) END",
                max = opts.max_cell_bytes
            ));
            selected.push(index);
        }
    }
    let layout = RowLayout {
        width: columns.len(),
        selected,
    };
    let select = format!(
        "SELECT {} FROM {}",
        expressions.join(", "),
        quote_ident(&name, '"')
    );
    let (sql, limit) = if opts.full {
        (select, None)
    } else {
        (format!("{select} LIMIT ?"), Some(opts.sample_rows as i64))
    };
    let meta = TableMeta {
        source: source.clone(),
        name,
        columns: columns.into_iter().map(|(column, _)| column).collect(),
        row_estimate,
        notes,
    };
    let pool = pool.clone();
    let start = start_read(target, source, move |sender| async move {
        if layout.selected.is_empty() {
            return Ok(());
        }
        read(&pool, sql, limit, &layout, &sender).await
    });
    TableEntry { meta, start }
}

async fn read(
    pool: &SqlitePool,
    sql: String,
    limit: Option<i64>,
    layout: &RowLayout,
    sender: &mpsc::Sender<Batch>,
) -> Result<(), sqlx::Error> {
    let mut conn = pool.acquire().await?;
    let query = sqlx::query(AssertSqlSafe(sql));
    let query = match limit {
        Some(limit) => query.bind(limit),
        None => query,
    };
    forward_rows(query.fetch(&mut *conn), layout, sender).await
}

/// The `-- comment` on the line that defines `column` in a CREATE TABLE statement (SQLite keeps
/// the statement as written, comments included).
fn column_comment(create_sql: &str, column: &str) -> Option<String> {
    create_sql.lines().find_map(|line| {
        let (definition, comment) = line.split_once("--")?;
        let definition =
            definition.trim_start_matches(|c: char| c.is_whitespace() || c == '(' || c == ',');
        let first = first_identifier(definition)?;
        let comment = comment.trim();
        (first == column && !comment.is_empty()).then(|| comment.to_string())
    })
}

/// The identifier a column definition starts with, unquoted (`"a""b"`, `` `x` ``, `[y]`, `z`).
fn first_identifier(definition: &str) -> Option<String> {
    let mut chars = definition.chars();
    let close = match chars.next()? {
        '"' => '"',
        '`' => '`',
        '[' => ']',
        _ => {
            let word: String = definition
                .chars()
                .take_while(|c| !c.is_whitespace() && *c != ',')
                .collect();
            return (!word.is_empty()).then_some(word);
        }
    };
    let mut name = String::new();
    let mut rest = chars.peekable();
    while let Some(c) = rest.next() {
        if c == close {
            if close != ']' && rest.peek() == Some(&close) {
                rest.next();
                name.push(c);
            } else {
                return Some(name);
            }
        } else {
            name.push(c);
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn comments_after_column_definitions() {
        let sql = "CREATE TABLE kh (\n  id INTEGER PRIMARY KEY, -- 编号\n  \"x\"\"m\" TEXT, -- 姓名\n  \
                   [sjh] TEXT --手机号\n, zjhm TEXT)";
        assert_eq!(column_comment(sql, "id").as_deref(), Some("编号"));
        assert_eq!(column_comment(sql, "x\"m").as_deref(), Some("姓名"));
        assert_eq!(column_comment(sql, "sjh").as_deref(), Some("手机号"));
        assert_eq!(column_comment(sql, "zjhm"), None);
    }
}
