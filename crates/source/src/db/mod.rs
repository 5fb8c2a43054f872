//! Database readers: SQLite, PostgreSQL and MySQL/MariaDB tables as [`TableReader`]s.
//!
//! [`scan_database`] connects once to list the tables (names, columns, types, comments, row
//! estimates), then hands out one lazy reader per table. A reader runs its query when first
//! asked for rows, on a small tokio runtime shared by the readers of that database, through a
//! pool capped at [`ScanOptions::max_connections`]; rows come back through a bounded channel, so
//! the caller stays synchronous (rayon threads) and memory stays bounded in `full` mode.
//!
//! Sessions are read-only and carry a statement timeout. Every value is cast to text in SQL;
//! binary columns and values over [`ScanOptions::max_cell_bytes`] are left out (as `None`), and
//! the columns left out are listed in [`TableMeta::notes`]. No message carries a password.

mod mysql;
mod postgres;
mod sqlite;
mod url;

use std::collections::VecDeque;
use std::sync::Arc;
use std::time::Duration;

use futures_util::future::BoxFuture;
use futures_util::{FutureExt, Stream, TryStreamExt};
use tokio::runtime::Runtime;
use tokio::sync::mpsc;

use crate::{Input, Row, SourceError, TableMeta, TableReader};

pub use self::url::{DbKind, DbTarget, is_sqlite_file};

/// How much of a database to read, and how gently.
#[derive(Debug, Clone)]
pub struct ScanOptions {
    /// Rows read per table when not `full`.
    pub sample_rows: usize,
    /// Read every row (for a count of matches), streamed in batches.
    pub full: bool,
    /// Globs (`*`, `?`) on `schema.table`; empty means every table. A pattern without a dot
    /// matches the table name alone. SQLite's schema is `main`, MySQL's is the database.
    pub include: Vec<String>,
    /// Globs of tables to leave out; they win over `include`.
    pub exclude: Vec<String>,
    /// Also read views (and PostgreSQL materialized views).
    pub include_views: bool,
    /// Most connections open at once to one server.
    pub max_connections: u32,
    /// Longest time one statement may run on the server (connecting too).
    pub statement_timeout: Duration,
    /// Values longer than this (in bytes, as text) are read as `None`.
    pub max_cell_bytes: usize,
}

impl Default for ScanOptions {
    fn default() -> Self {
        ScanOptions {
            sample_rows: 1000,
            full: false,
            include: Vec::new(),
            exclude: Vec::new(),
            include_views: false,
            max_connections: 4,
            statement_timeout: Duration::from_secs(30),
            max_cell_bytes: 64 * 1024,
        }
    }
}

impl ScanOptions {
    /// Whether the include/exclude globs let `schema.table` through.
    pub fn selects(&self, schema: &str, table: &str) -> bool {
        let qualified = format!("{schema}.{table}");
        let hits = |pattern: &String| {
            let text = if pattern.contains('.') {
                qualified.as_str()
            } else {
                table
            };
            glob_matches(pattern, text)
        };
        (self.include.is_empty() || self.include.iter().any(hits)) && !self.exclude.iter().any(hits)
    }
}

/// Lists the tables of `target` and returns one lazy reader per table (as [`Input::Table`]),
/// or the reason a table cannot be read (no privilege, unreadable definition), in catalog
/// order. The outer error means the database itself could not be reached or listed (bad
/// URL, wrong password, host down, no such file).
///
/// Blocking: call it and the readers' `next_rows` from ordinary threads (rayon is fine), not
/// from inside an async runtime.
pub fn scan_database(
    target: &DbTarget,
    opts: &ScanOptions,
) -> Result<Vec<Result<Input, SourceError>>, SourceError> {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        // Readers mostly wait on the network; two workers decode rows while others wait.
        .worker_threads(opts.max_connections.clamp(1, 2) as usize)
        .thread_name("shuan-db")
        .enable_all()
        .build()
        .map_err(|error| SourceError::Io {
            source_name: target.display(),
            error,
        })?;
    let runtime = Arc::new(runtime);
    let entries = runtime.block_on(async {
        match target.kind() {
            DbKind::Postgres => postgres::list(target, opts).await,
            DbKind::MySql => mysql::list(target, opts).await,
            DbKind::Sqlite => sqlite::list(target, opts).await,
        }
    })?;
    Ok(entries
        .into_iter()
        .map(|entry| {
            entry.map(|TableEntry { meta, start }| {
                Input::Table(Box::new(DbTableReader {
                    meta,
                    runtime: Arc::clone(&runtime),
                    start: Some(start),
                    batches: None,
                    pending: VecDeque::new(),
                    failed: None,
                }))
            })
        })
        .collect())
}

/// Rows per message from a read task to its reader.
const BATCH_ROWS: usize = 512;
/// Messages a read task may run ahead of its reader: bounds memory in `full` mode.
const CHANNEL_BATCHES: usize = 4;
/// How long a reader waits for a free pooled connection. Long on purpose: in `full` mode
/// a connection stays busy for a whole table while other readers queue for it.
const POOL_ACQUIRE_TIMEOUT: Duration = Duration::from_secs(3600);

type Batch = Result<Vec<Row>, SourceError>;
/// Starts reading a table: the future sends batches, then an error if one happened, and ends.
type StartRead = Box<dyn FnOnce(mpsc::Sender<Batch>) -> BoxFuture<'static, ()> + Send>;

/// A listed table, ready to be read.
struct TableEntry {
    meta: TableMeta,
    start: StartRead,
}

struct DbTableReader {
    meta: TableMeta,
    /// Kept alive by every reader: the read tasks run on it.
    runtime: Arc<Runtime>,
    start: Option<StartRead>,
    batches: Option<mpsc::Receiver<Batch>>,
    pending: VecDeque<Row>,
    /// An error that arrived while rows were still pending: returned after them.
    failed: Option<SourceError>,
}

impl TableReader for DbTableReader {
    fn meta(&self) -> &TableMeta {
        &self.meta
    }

    fn next_rows(&mut self, max_rows: usize) -> Result<Option<Vec<Row>>, SourceError> {
        if let Some(start) = self.start.take() {
            let (sender, receiver) = mpsc::channel(CHANNEL_BATCHES);
            self.runtime.spawn(start(sender));
            self.batches = Some(receiver);
        }
        let max_rows = max_rows.max(1);
        while self.pending.len() < max_rows && self.failed.is_none() {
            let Some(batches) = self.batches.as_mut() else {
                break;
            };
            match batches.blocking_recv() {
                Some(Ok(rows)) => self.pending.extend(rows),
                Some(Err(error)) => {
                    self.failed = Some(error);
                    self.batches = None;
                }
                None => self.batches = None,
            }
        }
        if self.pending.is_empty() {
            return match self.failed.take() {
                Some(error) => Err(error),
                None => Ok(None),
            };
        }
        let take = max_rows.min(self.pending.len());
        Ok(Some(self.pending.drain(..take).collect()))
    }
}

/// Which columns a query reads: `selected[i]` is the table column of the query's `i`-th value;
/// the other columns (binary, no privilege) are `None` in every row.
#[derive(Debug, Clone)]
struct RowLayout {
    width: usize,
    selected: Vec<usize>,
}

impl RowLayout {
    fn decode<R>(&self, row: &R) -> Result<Row, sqlx::Error>
    where
        R: sqlx::Row,
        for<'r> Option<String>: sqlx::Decode<'r, R::Database> + sqlx::Type<R::Database>,
        usize: sqlx::ColumnIndex<R>,
    {
        let mut cells = vec![None; self.width];
        for (value_index, &column) in self.selected.iter().enumerate() {
            cells[column] = row.try_get::<Option<String>, _>(value_index)?;
        }
        Ok(cells)
    }
}

/// Sends the rows of `stream` to `sender` in batches. Stops early (without error) when the
/// reader is gone.
async fn forward_rows<R, S>(
    stream: S,
    layout: &RowLayout,
    sender: &mpsc::Sender<Batch>,
) -> Result<(), sqlx::Error>
where
    R: sqlx::Row,
    S: Stream<Item = Result<R, sqlx::Error>>,
    for<'r> Option<String>: sqlx::Decode<'r, R::Database> + sqlx::Type<R::Database>,
    usize: sqlx::ColumnIndex<R>,
{
    let mut stream = std::pin::pin!(stream);
    let mut batch = Vec::with_capacity(BATCH_ROWS);
    while let Some(row) = stream.try_next().await? {
        batch.push(layout.decode(&row)?);
        if batch.len() == BATCH_ROWS && sender.send(Ok(std::mem::take(&mut batch))).await.is_err() {
            return Ok(());
        }
    }
    if !batch.is_empty() {
        // The reader may be gone already; nothing to do then.
        let _ = sender.send(Ok(batch)).await;
    }
    Ok(())
}

/// Turns a driver error into a message that says what happened and what to do, naming
/// `source_name` and never the password.
/// The start of a table's read, run when a reader first asks for rows. An error of `read`
/// reaches the reader named after the table and scrubbed of secrets.
fn start_read<Fut>(
    target: &DbTarget,
    source: String,
    read: impl FnOnce(mpsc::Sender<Batch>) -> Fut + Send + 'static,
) -> StartRead
where
    Fut: std::future::Future<Output = Result<(), sqlx::Error>> + Send + 'static,
{
    let target = target.clone();
    Box::new(move |sender| {
        async move {
            if let Err(error) = read(sender.clone()).await {
                // The reader may be gone; then nobody needs the error.
                let _ = sender.send(Err(db_error(&target, &source, &error))).await;
            }
        }
        .boxed()
    })
}

fn db_error(target: &DbTarget, source_name: &str, error: &sqlx::Error) -> SourceError {
    let detail = target.scrub(&error.to_string());
    let message = match hint(error) {
        Some(hint) => format!("{hint} ({detail})"),
        None => detail,
    };
    SourceError::input(source_name, message)
}

fn hint(error: &sqlx::Error) -> Option<&'static str> {
    match error {
        sqlx::Error::Io(io) if io.kind() == std::io::ErrorKind::ConnectionRefused => Some(
            "cannot connect: connection refused; check that the server runs and the host and port are right",
        ),
        sqlx::Error::Io(_) => Some("cannot connect; check the host and port"),
        sqlx::Error::Tls(_) => {
            Some("the TLS handshake failed; check the sslmode / ssl-mode parameter")
        }
        sqlx::Error::PoolTimedOut => Some("timed out waiting for a database connection"),
        sqlx::Error::Database(db) => {
            if let Some(my) = db.try_downcast_ref::<sqlx::mysql::MySqlDatabaseError>() {
                return mysql::hint(my.number());
            }
            let code = db.code();
            match code.as_deref() {
                Some("28P01" | "28000") => {
                    Some("authentication failed; check the user name and password")
                }
                Some("3D000") => {
                    Some("the database does not exist; check the database name in the URL")
                }
                Some("42501") => Some(
                    "permission denied; grant SELECT to this user, or leave the table out with an exclude glob",
                ),
                Some("42P01") => Some("the table no longer exists (dropped during the scan?)"),
                Some("57014") => Some(
                    "the statement timed out; raise the statement timeout or sample fewer rows",
                ),
                Some("53300") => {
                    Some("the server has too many connections; lower the connection cap")
                }
                _ if db.message().contains("no such table") => {
                    Some("the table no longer exists (dropped during the scan?)")
                }
                _ => None,
            }
        }
        _ => None,
    }
}

/// A clear error for a connection attempt that got no answer at all.
fn connect_timeout_error(target: &DbTarget, timeout: Duration) -> SourceError {
    SourceError::input(
        target.display(),
        format!(
            "cannot connect: no answer within {} s; check the host, port and firewall",
            timeout.as_secs()
        ),
    )
}

/// Quotes an identifier by doubling `quote` inside it (`"` for SQL, `` ` `` for MySQL).
fn quote_ident(name: &str, quote: char) -> String {
    let mut quoted = String::with_capacity(name.len() + 2);
    quoted.push(quote);
    for c in name.chars() {
        if c == quote {
            quoted.push(quote);
        }
        quoted.push(c);
    }
    quoted.push(quote);
    quoted
}

/// `*` matches any run of characters, `?` one character; everything else itself.
fn glob_matches(pattern: &str, text: &str) -> bool {
    let pattern: Vec<char> = pattern.chars().collect();
    let text: Vec<char> = text.chars().collect();
    let (mut p, mut t) = (0, 0);
    // Where the last `*` was, and the text position it is currently stretched to.
    let mut star: Option<(usize, usize)> = None;
    while t < text.len() {
        if p < pattern.len() && (pattern[p] == '?' || pattern[p] == text[t]) {
            p += 1;
            t += 1;
        } else if p < pattern.len() && pattern[p] == '*' {
            star = Some((p, t));
            p += 1;
        } else if let Some((star_p, star_t)) = star {
            p = star_p + 1;
            t = star_t + 1;
            star = Some((star_p, star_t + 1));
        } else {
            return false;
        }
    }
    pattern[p..].iter().all(|&c| c == '*')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn globs() {
        assert!(glob_matches("public.*", "public.users"));
        assert!(glob_matches("*.user?", "crm.users"));
        assert!(!glob_matches("*.user?", "crm.user"));
        assert!(glob_matches("*", ""));
        assert!(glob_matches("a*b*c", "a-x-b-y-b-c"));
        assert!(!glob_matches("a*b*c", "a-x-b-y"));
        assert!(glob_matches("客户*", "客户信息"));
    }

    #[test]
    fn include_and_exclude() {
        let opts = ScanOptions {
            include: vec!["crm.*".into(), "orders".into()],
            exclude: vec!["crm.tmp_*".into()],
            ..ScanOptions::default()
        };
        assert!(opts.selects("crm", "customers"));
        assert!(!opts.selects("crm", "tmp_1"));
        assert!(opts.selects("shop", "orders"));
        assert!(!opts.selects("shop", "items"));
        assert!(ScanOptions::default().selects("any", "thing"));
    }

    #[test]
    fn quoting_doubles_embedded_quotes() {
        assert_eq!(quote_ident(r#"we"ird"#, '"'), r#""we""ird""#);
        assert_eq!(quote_ident("a`b", '`'), "`a``b`");
    }
}
