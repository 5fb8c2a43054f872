//! Tables written into a database (PostgreSQL, MySQL/MariaDB, SQLite) through sqlx.
//!
//! Each table is created with the source table's column names, every column `TEXT`: the
//! masked values are text (a masked number `138****8000` is no longer a number), and a copy
//! for testing or analytics rarely needs the source's constraints. A table that exists is
//! never overwritten. Rows are inserted in multi-row statements inside one transaction per
//! table, committed by `finish`: a failed copy leaves no half-filled table behind.

use std::str::FromStr;
use std::sync::Arc;

use shuan_source::{Cell, TableMeta};
use sqlx::mysql::{MySql, MySqlPool, MySqlPoolOptions};
use sqlx::postgres::{PgPool, PgPoolOptions, Postgres};
use sqlx::sqlite::{Sqlite, SqliteConnectOptions, SqlitePool, SqlitePoolOptions};
use sqlx::{AssertSqlSafe, QueryBuilder, Transaction};
use tokio::runtime::Runtime;

use crate::{SinkError, TableWriter};

/// Bound parameters per INSERT: under SQLite's 32,766 and the 65,535 of the servers.
const MAX_PARAMETERS: usize = 30_000;

enum Pool {
    Postgres(PgPool),
    MySql(MySqlPool),
    Sqlite(SqlitePool),
}

/// A database to copy tables into. Blocking: call it from ordinary threads.
pub struct DbSink {
    runtime: Arc<Runtime>,
    pool: Pool,
    /// The URL without its password, for messages.
    display: String,
    password: Option<String>,
}

impl DbSink {
    /// Connects to `postgres://…`, `mysql://…` (or `mariadb://`) or `sqlite://PATH` (the file
    /// is created when missing).
    pub fn connect(url: &str) -> Result<Self, SinkError> {
        let (display, password) = redacted(url);
        let failed = |message: String| SinkError {
            path: display.clone(),
            message,
        };
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(1)
            .thread_name("shuan-sink-db")
            .enable_all()
            .build()
            .map_err(|e| failed(e.to_string()))?;
        let lower = url.to_ascii_lowercase();
        let pool = runtime.block_on(async {
            if lower.starts_with("postgres://") || lower.starts_with("postgresql://") {
                PgPoolOptions::new()
                    .max_connections(1)
                    .connect(url)
                    .await
                    .map(Pool::Postgres)
            } else if lower.starts_with("mysql://") || lower.starts_with("mariadb://") {
                let url = url.replacen("mariadb://", "mysql://", 1);
                MySqlPoolOptions::new()
                    .max_connections(1)
                    .connect(&url)
                    .await
                    .map(Pool::MySql)
            } else if lower.starts_with("sqlite:") {
                let options = SqliteConnectOptions::from_str(url)?.create_if_missing(true);
                SqlitePoolOptions::new()
                    .max_connections(1)
                    .connect_with(options)
                    .await
                    .map(Pool::Sqlite)
            } else {
                Err(sqlx::Error::Configuration(
                    "use postgres://, mysql://, mariadb:// or sqlite:// as the destination".into(),
                ))
            }
        });
        let sink = DbSink {
            runtime: Arc::new(runtime),
            pool: match pool {
                Ok(pool) => pool,
                Err(error) => {
                    return Err(failed(scrubbed(
                        &format!("cannot connect: {error}"),
                        password.as_deref(),
                    )));
                }
            },
            display,
            password,
        };
        Ok(sink)
    }

    /// Creates the table `meta` describes (its last name part: `public.users` is `users`),
    /// all columns TEXT, and returns a writer of its rows.
    pub fn create_table(&self, meta: &TableMeta) -> Result<Box<dyn TableWriter>, SinkError> {
        let table = meta
            .name
            .rsplit('.')
            .next()
            .unwrap_or(&meta.name)
            .to_owned();
        let quote = match self.pool {
            Pool::MySql(_) => '`',
            Pool::Postgres(_) | Pool::Sqlite(_) => '"',
        };
        let columns: Vec<String> = meta
            .columns
            .iter()
            .map(|c| quote_ident(&c.name, quote))
            .collect();
        let create = format!(
            "CREATE TABLE {} ({})",
            quote_ident(&table, quote),
            columns
                .iter()
                .map(|c| format!("{c} TEXT"))
                .collect::<Vec<_>>()
                .join(", ")
        );
        let insert = format!(
            "INSERT INTO {} ({}) ",
            quote_ident(&table, quote),
            columns.join(", ")
        );
        let transaction = self.runtime.block_on(async {
            macro_rules! begin {
                ($pool:expr, $variant:ident) => {{
                    let mut transaction = $pool.begin().await?;
                    sqlx::query(AssertSqlSafe(create.clone()))
                        .execute(&mut *transaction)
                        .await?;
                    Ok::<_, sqlx::Error>(Open::$variant(transaction))
                }};
            }
            match &self.pool {
                Pool::Postgres(pool) => begin!(pool, Postgres),
                Pool::MySql(pool) => begin!(pool, MySql),
                Pool::Sqlite(pool) => begin!(pool, Sqlite),
            }
        });
        let transaction = transaction.map_err(|e| self.error(&table, &e))?;
        Ok(Box::new(DbTableWriter {
            runtime: Arc::clone(&self.runtime),
            transaction: Some(transaction),
            insert,
            rows: Vec::new(),
            batch_rows: (MAX_PARAMETERS / meta.columns.len().max(1)).max(1),
            table,
            display: self.display.clone(),
            password: self.password.clone(),
        }))
    }

    fn error(&self, table: &str, error: &sqlx::Error) -> SinkError {
        SinkError {
            path: format!("{}/{table}", self.display),
            message: scrubbed(&error.to_string(), self.password.as_deref()),
        }
    }
}

enum Open {
    Postgres(Transaction<'static, Postgres>),
    MySql(Transaction<'static, MySql>),
    Sqlite(Transaction<'static, Sqlite>),
}

struct DbTableWriter {
    runtime: Arc<Runtime>,
    transaction: Option<Open>,
    insert: String,
    rows: Vec<Vec<Cell>>,
    batch_rows: usize,
    table: String,
    display: String,
    password: Option<String>,
}

impl DbTableWriter {
    fn flush(&mut self) -> Result<(), SinkError> {
        if self.rows.is_empty() {
            return Ok(());
        }
        let rows = std::mem::take(&mut self.rows);
        let insert = self.insert.clone();
        let transaction = self.transaction.as_mut().expect("open until finish");
        let result = self.runtime.block_on(async {
            macro_rules! insert {
                ($transaction:expr, $database:ty) => {{
                    let mut query = QueryBuilder::<$database>::new(insert);
                    query.push_values(rows, |mut values, row| {
                        for cell in row {
                            values.push_bind(cell);
                        }
                    });
                    query.build().execute(&mut **$transaction).await.map(drop)
                }};
            }
            match transaction {
                Open::Postgres(transaction) => insert!(transaction, Postgres),
                Open::MySql(transaction) => insert!(transaction, MySql),
                Open::Sqlite(transaction) => insert!(transaction, Sqlite),
            }
        });
        result.map_err(|e| self.error(&e))
    }

    fn error(&self, error: &sqlx::Error) -> SinkError {
        SinkError {
            path: format!("{}/{}", self.display, self.table),
            message: scrubbed(&error.to_string(), self.password.as_deref()),
        }
    }
}

impl TableWriter for DbTableWriter {
    fn write_row(&mut self, row: &[Cell]) -> Result<(), SinkError> {
        self.rows.push(row.to_vec());
        if self.rows.len() >= self.batch_rows {
            self.flush()?;
        }
        Ok(())
    }

    fn next_table(&mut self, _meta: &TableMeta) -> Result<(), SinkError> {
        Err(SinkError {
            path: format!("{}/{}", self.display, self.table),
            message: "use DbSink::create_table for each table".into(),
        })
    }

    fn finish(mut self: Box<Self>) -> Result<(), SinkError> {
        self.flush()?;
        let transaction = self.transaction.take().expect("open until finish");
        let result = self.runtime.block_on(async {
            match transaction {
                Open::Postgres(transaction) => transaction.commit().await,
                Open::MySql(transaction) => transaction.commit().await,
                Open::Sqlite(transaction) => transaction.commit().await,
            }
        });
        result.map_err(|e| self.error(&e))
    }
}

/// Quotes an identifier by doubling `quote` inside it.
fn quote_ident(name: &str, quote: char) -> String {
    let doubled = name.replace(quote, &format!("{quote}{quote}"));
    format!("{quote}{doubled}{quote}")
}

/// The URL without its password, and the password (to scrub it from driver messages).
fn redacted(url: &str) -> (String, Option<String>) {
    match url::Url::parse(url) {
        Ok(mut parsed) if parsed.password().is_some() => {
            let password = parsed.password().map(str::to_owned);
            let _ = parsed.set_password(None);
            (parsed.to_string(), password)
        }
        _ => (url.to_owned(), None),
    }
}

fn scrubbed(message: &str, password: Option<&str>) -> String {
    match password {
        Some(password) if !password.is_empty() => message.replace(password, "***"),
        _ => message.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn passwords_never_show() {
        let (display, password) = redacted("postgres://app:s3cret@db:5432/crm");
        assert_eq!(display, "postgres://app@db:5432/crm");
        assert_eq!(
            scrubbed("auth failed for s3cret", password.as_deref()),
            "auth failed for ***"
        );
    }
}
