//! MySQL and MariaDB: the catalog and `COLUMN_COMMENT` from `information_schema`, samples by
//! `LIMIT`, full reads as one streamed result set.

use std::str::FromStr;
use std::time::Duration;

use sqlx::mysql::{MySqlConnectOptions, MySqlConnection, MySqlPool, MySqlPoolOptions};
use sqlx::{AssertSqlSafe, Connection, Executor, Row as _};
use tokio::sync::mpsc;

use super::{
    Batch, DbTarget, POOL_ACQUIRE_TIMEOUT, RowLayout, ScanOptions, TableEntry,
    connect_timeout_error, db_error, forward_rows, quote_ident, start_read,
};
use crate::{ColumnMeta, SourceError, TableMeta};

/// Types read as bytes, not text: nothing for the classifier, and possibly large.
const BINARY_TYPES: &[&str] = &[
    "binary",
    "varbinary",
    "tinyblob",
    "blob",
    "mediumblob",
    "longblob",
    "bit",
    "geometry",
    "point",
    "linestring",
    "polygon",
    "multipoint",
    "multilinestring",
    "multipolygon",
    "geometrycollection",
];

/// Columns of the tables (views when asked) of the URL's database, or of every non-system
/// database when the URL names none. Strings are cast to CHAR because MySQL 8 reports some
/// `information_schema` columns with a binary collation.
const LIST_SQL: &str = "
SELECT CAST(c.TABLE_SCHEMA AS CHAR), CAST(c.TABLE_NAME AS CHAR), CAST(t.TABLE_TYPE AS CHAR),
       CAST(t.TABLE_ROWS AS UNSIGNED), CAST(c.COLUMN_NAME AS CHAR), CAST(c.COLUMN_TYPE AS CHAR),
       CAST(c.DATA_TYPE AS CHAR), CAST(c.COLUMN_COMMENT AS CHAR)
FROM information_schema.COLUMNS c
JOIN information_schema.TABLES t ON t.TABLE_SCHEMA = c.TABLE_SCHEMA AND t.TABLE_NAME = c.TABLE_NAME
WHERE (t.TABLE_TYPE IN ('BASE TABLE', 'SYSTEM VERSIONED') OR (? AND t.TABLE_TYPE = 'VIEW'))
  AND (c.TABLE_SCHEMA = ?
       OR (? IS NULL AND c.TABLE_SCHEMA NOT IN ('mysql', 'information_schema', 'performance_schema', 'sys')))
ORDER BY c.TABLE_SCHEMA, c.TABLE_NAME, c.ORDINAL_POSITION";

/// The two servers spell the statement timeout differently.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Flavor {
    MySql,
    MariaDb,
}

impl Flavor {
    fn timeout_sql(self, timeout: Duration) -> String {
        match self {
            Flavor::MySql => format!("SET SESSION max_execution_time = {}", timeout.as_millis()),
            Flavor::MariaDb => format!(
                "SET SESSION max_statement_time = {:.3}",
                timeout.as_secs_f64()
            ),
        }
    }

    /// A full read is one statement that lasts as long as the table: lift the timeout for it.
    fn untimed_select(self, select: &str) -> String {
        match self {
            Flavor::MySql => select.replacen("SELECT", "SELECT /*+ MAX_EXECUTION_TIME(0) */", 1),
            Flavor::MariaDb => format!("SET STATEMENT max_statement_time = 0 FOR {select}"),
        }
    }
}

async fn prepare_session(
    conn: &mut MySqlConnection,
    flavor: Flavor,
    timeout: Duration,
) -> Result<(), sqlx::Error> {
    conn.execute("SET SESSION TRANSACTION READ ONLY").await?;
    conn.execute(AssertSqlSafe(flavor.timeout_sql(timeout)))
        .await?;
    Ok(())
}

/// The hint for a MySQL error number.
pub(super) fn hint(number: u16) -> Option<&'static str> {
    match number {
        // 1698: MariaDB's answer for an unknown user or a plugin-authenticated one.
        1045 | 1698 => Some("authentication failed; check the user name and password"),
        1044 => Some("access denied to the database; grant this user access to it"),
        1049 => Some("the database does not exist; check the database name in the URL"),
        1142 | 1143 => Some(
            "permission denied; grant SELECT to this user, or leave the table out with an exclude glob",
        ),
        1146 => Some("the table no longer exists (dropped during the scan?)"),
        // 3024: MySQL's max_execution_time; 1969: MariaDB's max_statement_time.
        3024 | 1969 => {
            Some("the statement timed out; raise the statement timeout or sample fewer rows")
        }
        1040 => Some("the server has too many connections; lower the connection cap"),
        _ => None,
    }
}

pub(super) async fn list(
    target: &DbTarget,
    opts: &ScanOptions,
) -> Result<Vec<Result<TableEntry, SourceError>>, SourceError> {
    let display = target.display();
    let fail = |e: sqlx::Error| db_error(target, &display, &e);
    let connect =
        MySqlConnectOptions::from_str(target.connect_url().unwrap_or_default()).map_err(fail)?;
    let mut conn = tokio::time::timeout(
        opts.statement_timeout,
        MySqlConnection::connect_with(&connect),
    )
    .await
    .map_err(|_| connect_timeout_error(target, opts.statement_timeout))?
    .map_err(fail)?;
    let version: String = sqlx::query_scalar("SELECT CAST(VERSION() AS CHAR)")
        .fetch_one(&mut conn)
        .await
        .map_err(fail)?;
    let flavor = if version.contains("MariaDB") {
        Flavor::MariaDb
    } else {
        Flavor::MySql
    };
    prepare_session(&mut conn, flavor, opts.statement_timeout)
        .await
        .map_err(fail)?;
    let database = target.database();
    let rows = sqlx::query(LIST_SQL)
        .bind(opts.include_views)
        .bind(database)
        .bind(database)
        .fetch_all(&mut conn)
        .await
        .map_err(fail)?;
    // Best effort: the listing is done whether or not the goodbye reaches the server.
    let _ = conn.close().await;

    let timeout = opts.statement_timeout;
    let pool = MySqlPoolOptions::new()
        .max_connections(opts.max_connections.max(1))
        .acquire_timeout(POOL_ACQUIRE_TIMEOUT)
        .after_connect(move |conn, _| Box::pin(prepare_session(conn, flavor, timeout)))
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
            let is_view: Option<String> = row.get(2);
            tables.push(Listed {
                schema,
                name,
                is_view: is_view.as_deref() == Some("VIEW"),
                rows: row.get(3),
                columns: Vec::new(),
            });
        }
        let table = tables.last_mut().expect("pushed above");
        let comment: Option<String> = row.get(7);
        let data_type: Option<String> = row.get(6);
        table.columns.push((
            ColumnMeta {
                name: row.get(4),
                data_type: row.get(5),
                comment: comment.filter(|c| !c.is_empty()),
            },
            data_type.is_some_and(|t| BINARY_TYPES.contains(&t.to_ascii_lowercase().as_str())),
        ));
    }
    let session = Session {
        target: target.clone(),
        pool,
        flavor,
    };
    Ok(tables
        .into_iter()
        .map(|table| Ok(table.into_entry(&session, opts)))
        .collect())
}

struct Session {
    target: DbTarget,
    pool: MySqlPool,
    flavor: Flavor,
}

struct Listed {
    schema: String,
    name: String,
    is_view: bool,
    rows: Option<u64>,
    /// Each column with whether its type is binary.
    columns: Vec<(ColumnMeta, bool)>,
}

impl Listed {
    fn into_entry(self, session: &Session, opts: &ScanOptions) -> TableEntry {
        let target = &session.target;
        let source = format!("{}/{}/{}", target.server(), self.schema, self.name);
        // One database in the URL: its tables are unambiguous by name.
        let name = match target.database() {
            Some(_) => self.name.clone(),
            None => format!("{}.{}", self.schema, self.name),
        };
        let mut notes = Vec::new();
        let mut selected = Vec::new();
        let mut expressions = Vec::new();
        for (index, (column, is_binary)) in self.columns.iter().enumerate() {
            if *is_binary {
                notes.push(format!("column {}: binary type, not read", column.name));
            } else {
                let quoted = quote_ident(&column.name, '`');
                expressions.push(format!(
                    "CASE WHEN OCTET_LENGTH({quoted}) <= {max} THEN CAST({quoted} AS CHAR) END",
                    max = opts.max_cell_bytes
                ));
                selected.push(index);
            }
        }
        let layout = RowLayout {
            width: self.columns.len(),
            selected,
        };
        let meta = TableMeta {
            source: source.clone(),
            name,
            columns: self.columns.into_iter().map(|(column, _)| column).collect(),
            row_estimate: self.rows.filter(|_| !self.is_view),
            notes,
        };
        let relation = format!(
            "{}.{}",
            quote_ident(&self.schema, '`'),
            quote_ident(&self.name, '`')
        );
        let select = format!("SELECT {} FROM {relation}", expressions.join(", "));
        let (sql, limit) = if opts.full {
            (session.flavor.untimed_select(&select), None)
        } else {
            (format!("{select} LIMIT ?"), Some(opts.sample_rows as u64))
        };
        let pool = session.pool.clone();
        let start = start_read(target, source, move |sender| async move {
            if layout.selected.is_empty() {
                return Ok(());
            }
            read(&pool, sql, limit, &layout, &sender).await
        });
        TableEntry { meta, start }
    }
}

async fn read(
    pool: &MySqlPool,
    sql: String,
    limit: Option<u64>,
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
