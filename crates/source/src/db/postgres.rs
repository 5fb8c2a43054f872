//! PostgreSQL: the catalog from `pg_class`/`pg_attribute`, comments from `col_description`,
//! samples by `TABLESAMPLE SYSTEM` on large tables, full reads through a server-side cursor.

use std::str::FromStr;

use sqlx::postgres::{PgConnectOptions, PgConnection, PgPool, PgPoolOptions};
use sqlx::{AssertSqlSafe, Connection, Row as _};
use tokio::sync::mpsc;

use super::{
    Batch, DbTarget, POOL_ACQUIRE_TIMEOUT, RowLayout, ScanOptions, TableEntry,
    connect_timeout_error, db_error, forward_rows, quote_ident, start_read,
};
use crate::{ColumnMeta, SourceError, TableMeta};

/// Tables at least this many times `sample_rows` (by the planner's estimate) are sampled by
/// blocks rather than read from the start.
const TABLESAMPLE_FACTOR: f64 = 10.0;
/// SYSTEM sampling picks whole pages, so the share asked for is this much over the rows wanted.
const TABLESAMPLE_OVERSHOOT: f64 = 2.0;
/// Rows per `FETCH` in full mode: each FETCH is one statement, so the timeout applies per batch.
const CURSOR_FETCH_ROWS: usize = 2000;

/// Every column of every table (views when asked) outside the system schemas, with what the
/// current user may read. Partitions are left out: their parent reads them.
const LIST_SQL: &str = r#"
SELECT n.nspname::text, c.relname::text, c.relkind::text, c.reltuples::float8,
       has_schema_privilege(n.oid, 'USAGE') AS schema_usage,
       a.attname::text, format_type(a.atttypid, a.atttypmod), col_description(c.oid, a.attnum),
       t.typname = 'bytea' OR (t.typtype = 'd' AND t.typbasetype = 'bytea'::regtype) AS is_binary,
       has_column_privilege(c.oid, a.attnum, 'SELECT') AS can_select
FROM pg_catalog.pg_class c
JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
JOIN pg_catalog.pg_attribute a ON a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped
JOIN pg_catalog.pg_type t ON t.oid = a.atttypid
WHERE (c.relkind IN ('r', 'p') OR ($1 AND c.relkind IN ('v', 'm')))
  AND NOT c.relispartition
  AND n.nspname <> 'information_schema' AND n.nspname NOT LIKE 'pg\_%'
ORDER BY n.nspname, c.relname, a.attnum
"#;

pub(super) async fn list(
    target: &DbTarget,
    opts: &ScanOptions,
) -> Result<Vec<Result<TableEntry, SourceError>>, SourceError> {
    let display = target.display();
    let url = target.connect_url().unwrap_or_default();
    let connect = PgConnectOptions::from_str(url)
        .map_err(|e| db_error(target, &display, &e))?
        .application_name("shuan")
        .options([
            ("default_transaction_read_only", "on".to_string()),
            (
                "statement_timeout",
                opts.statement_timeout.as_millis().to_string(),
            ),
        ]);
    let mut conn =
        tokio::time::timeout(opts.statement_timeout, PgConnection::connect_with(&connect))
            .await
            .map_err(|_| connect_timeout_error(target, opts.statement_timeout))?
            .map_err(|e| db_error(target, &display, &e))?;
    let rows = sqlx::query(LIST_SQL)
        .bind(opts.include_views)
        .fetch_all(&mut conn)
        .await
        .map_err(|e| db_error(target, &display, &e))?;
    // Best effort: the listing is done whether or not the goodbye reaches the server.
    let _ = conn.close().await;

    let pool = PgPoolOptions::new()
        .max_connections(opts.max_connections.max(1))
        .acquire_timeout(POOL_ACQUIRE_TIMEOUT)
        .connect_lazy_with(connect);
    let mut tables: Vec<Listed> = Vec::new();
    for row in &rows {
        let schema: String = row.get(0);
        let name: String = row.get(1);
        if !opts.selects(&schema, &name) {
            continue;
        }
        if tables
            .last()
            .is_none_or(|t| t.schema != schema || t.name != name)
        {
            let reltuples: f64 = row.get(3);
            tables.push(Listed {
                schema,
                name,
                kind: row.get(2),
                reltuples: (reltuples >= 0.0).then_some(reltuples),
                schema_usage: row.get(4),
                columns: Vec::new(),
            });
        }
        let table = tables.last_mut().expect("pushed above");
        table.columns.push(ListedColumn {
            meta: ColumnMeta {
                name: row.get(5),
                data_type: row.get(6),
                comment: row.get(7),
            },
            is_binary: row.get(8),
            can_select: row.get(9),
        });
    }
    Ok(tables
        .into_iter()
        .map(|table| table.into_entry(target, opts, &pool))
        .collect())
}

struct Listed {
    schema: String,
    name: String,
    /// `pg_class.relkind`: r table, p partitioned table, v view, m materialized view.
    kind: String,
    reltuples: Option<f64>,
    schema_usage: bool,
    columns: Vec<ListedColumn>,
}

struct ListedColumn {
    meta: ColumnMeta,
    is_binary: bool,
    can_select: bool,
}

impl Listed {
    fn into_entry(
        self,
        target: &DbTarget,
        opts: &ScanOptions,
        pool: &PgPool,
    ) -> Result<TableEntry, SourceError> {
        let qualified = format!("{}.{}", self.schema, self.name);
        let source = format!("{}/{qualified}", target.display());
        let denied = |what: &str| {
            SourceError::input(
                &source,
                format!(
                    "permission denied: this user has no {what}; grant it, or leave the table out with an exclude glob"
                ),
            )
        };
        if !self.schema_usage {
            return Err(denied(&format!("USAGE on schema {}", self.schema)));
        }
        let mut notes = Vec::new();
        let mut selected = Vec::new();
        let mut expressions = Vec::new();
        for (index, column) in self.columns.iter().enumerate() {
            if column.is_binary {
                notes.push(format!(
                    "column {}: binary type, not read",
                    column.meta.name
                ));
            } else if !column.can_select {
                notes.push(format!(
                    "column {}: no SELECT privilege, not read",
                    column.meta.name
                ));
            } else {
                let quoted = quote_ident(&column.meta.name, '"');
                expressions.push(format!(
                    "CASE WHEN octet_length({quoted}::text) <= {max} THEN {quoted}::text END",
                    max = opts.max_cell_bytes
                ));
                selected.push(index);
            }
        }
        if selected.is_empty() && self.columns.iter().any(|c| !c.can_select) {
            return Err(denied(&format!("SELECT privilege on {qualified}")));
        }
        let is_physical = matches!(self.kind.as_str(), "r" | "m");
        let row_estimate = self
            .reltuples
            .filter(|_| is_physical)
            .map(|r| r.round() as u64);
        let layout = RowLayout {
            width: self.columns.len(),
            selected,
        };
        let meta = TableMeta {
            source: source.clone(),
            name: qualified,
            columns: self.columns.into_iter().map(|c| c.meta).collect(),
            row_estimate,
            notes,
        };
        let relation = format!(
            "{}.{}",
            quote_ident(&self.schema, '"'),
            quote_ident(&self.name, '"')
        );
        let select = format!("SELECT {} FROM {relation}", expressions.join(", "));
        let plan = if layout.selected.is_empty() {
            ReadPlan::Nothing
        } else if opts.full {
            ReadPlan::Cursor { select }
        } else {
            let wanted = opts.sample_rows as f64;
            match self.reltuples {
                Some(rows) if is_physical && rows >= wanted * TABLESAMPLE_FACTOR => {
                    ReadPlan::Sample {
                        select,
                        percent: Some((100.0 * TABLESAMPLE_OVERSHOOT * wanted / rows).min(100.0)),
                        limit: opts.sample_rows,
                    }
                }
                _ => ReadPlan::Sample {
                    select,
                    percent: None,
                    limit: opts.sample_rows,
                },
            }
        };
        let pool = pool.clone();
        let start = start_read(target, source, move |sender| async move {
            plan.run(&pool, &layout, &sender).await
        });
        Ok(TableEntry { meta, start })
    }
}

enum ReadPlan {
    /// No column can be read: no query.
    Nothing,
    Sample {
        select: String,
        percent: Option<f64>,
        limit: usize,
    },
    Cursor {
        select: String,
    },
}

impl ReadPlan {
    async fn run(
        self,
        pool: &PgPool,
        layout: &RowLayout,
        sender: &mpsc::Sender<Batch>,
    ) -> Result<(), sqlx::Error> {
        match self {
            ReadPlan::Nothing => Ok(()),
            ReadPlan::Sample {
                select,
                percent: Some(percent),
                limit,
            } => {
                // REPEATABLE: the same rows on every run, so reports can be compared.
                let sql = format!("{select} TABLESAMPLE SYSTEM ($1) REPEATABLE (0) LIMIT $2");
                let mut conn = pool.acquire().await?;
                let rows = sqlx::query(AssertSqlSafe(sql))
                    .bind(percent as f32)
                    .bind(limit as i64)
                    .fetch(&mut *conn);
                forward_rows(rows, layout, sender).await
            }
            ReadPlan::Sample {
                select,
                percent: None,
                limit,
            } => {
                let sql = format!("{select} LIMIT $1");
                let mut conn = pool.acquire().await?;
                let rows = sqlx::query(AssertSqlSafe(sql))
                    .bind(limit as i64)
                    .fetch(&mut *conn);
                forward_rows(rows, layout, sender).await
            }
            ReadPlan::Cursor { select } => {
                let mut transaction = pool.begin().await?;
                sqlx::query(AssertSqlSafe(format!(
                    "DECLARE shuan_rows NO SCROLL CURSOR FOR {select}"
                )))
                .execute(&mut *transaction)
                .await?;
                let fetch = format!("FETCH FORWARD {CURSOR_FETCH_ROWS} FROM shuan_rows");
                loop {
                    let rows = sqlx::query(AssertSqlSafe(fetch.as_str()))
                        .fetch_all(&mut *transaction)
                        .await?;
                    if rows.is_empty() {
                        break;
                    }
                    let batch = rows
                        .iter()
                        .map(|row| layout.decode(row))
                        .collect::<Result<Vec<_>, _>>()?;
                    if sender.send(Ok(batch)).await.is_err() {
                        break;
                    }
                }
                // Read-only: ending it either way changes nothing; rollback also closes the cursor.
                transaction.rollback().await
            }
        }
    }
}
