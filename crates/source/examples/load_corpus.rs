//! Loads the eval corpus tables into a database, so column F1 can be checked on databases.
//!
//! ```sh
//! cargo run -p shuan-source --example load_corpus -- TABLES_DIR TARGET [LABELS_IN LABELS_OUT]
//! cargo run -p shuan-source --example load_corpus -- ../shared/eval/dev/tables sqlite:///tmp/corpus.db \
//!     ../shared/eval/dev/labels.json /tmp/labels-db.json
//! ```
//!
//! TARGET is `sqlite:///path.db` (created), `postgres://…/db` (tables go to the schema named by
//! `SHUAN_CORPUS_SCHEMA`, default `corpus`, dropped and recreated) or `mysql://…/db` /
//! `mariadb://…/db` (tables go to that database; same-named tables are replaced). Each of
//! `*.csv` (UTF-8, or GBK when named `*.gbk.csv`), `*.ndjson`, `*.parquet` and `*.xlsx` (first
//! sheet) becomes a table named by the file's first name part (`t008.gbk.csv` → `t008`), every
//! column TEXT, every value as the file spells it. With LABELS_IN and LABELS_OUT it also writes
//! the labels with each `file` renamed to its table, which is what `score.py` matches database
//! tables by.
//!
//! It reads the files itself (not through the crate's file readers) so that the database path
//! can be checked independently of them.

use std::collections::BTreeMap;
use std::error::Error;
use std::fs::File;
use std::path::{Path, PathBuf};
use std::str::FromStr;

use calamine::{Data, Reader};
use parquet::file::reader::FileReader;
use parquet::record::Field;
use serde_json::Value;
use sqlx::mysql::MySqlConnectOptions;
use sqlx::postgres::PgConnectOptions;
use sqlx::sqlite::SqliteConnectOptions;
use sqlx::{AssertSqlSafe, ConnectOptions, Connection, Database, Executor, QueryBuilder};

type Result<T> = std::result::Result<T, Box<dyn Error>>;

/// Rows per INSERT: well under every server's limit on bound parameters for 30-odd columns.
const INSERT_ROWS: usize = 200;

struct Table {
    name: String,
    columns: Vec<String>,
    rows: Vec<Vec<Option<String>>>,
}

fn main() -> Result<()> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let (dir, target) = match args.as_slice() {
        [dir, target] | [dir, target, _, _] => (PathBuf::from(dir), target.as_str()),
        _ => return Err("usage: load_corpus TABLES_DIR TARGET [LABELS_IN LABELS_OUT]".into()),
    };
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)?
        .map(|entry| entry.map(|e| e.path()))
        .collect::<std::io::Result<_>>()?;
    files.sort();
    let mut tables = Vec::new();
    let mut table_of_file = BTreeMap::new();
    for path in &files {
        let Some(table) = read_table(path)? else {
            continue;
        };
        table_of_file.insert(
            path.file_name().unwrap().to_string_lossy().into_owned(),
            table.name.clone(),
        );
        tables.push(table);
    }
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
    runtime.block_on(load(target, &tables))?;
    eprintln!("loaded {} tables into {}", tables.len(), redact(target));
    if let [_, _, labels_in, labels_out] = args.as_slice() {
        write_labels(Path::new(labels_in), Path::new(labels_out), &table_of_file)?;
    }
    Ok(())
}

fn read_table(path: &Path) -> Result<Option<Table>> {
    let file_name = path
        .file_name()
        .unwrap_or_default()
        .to_string_lossy()
        .to_lowercase();
    let name = file_name.split('.').next().unwrap_or_default().to_string();
    let (columns, rows) = if file_name.ends_with(".gbk.csv") {
        let bytes = std::fs::read(path)?;
        let (text, _, _) = encoding_rs::GBK.decode(&bytes);
        read_csv(text.as_bytes())?
    } else if file_name.ends_with(".csv") {
        read_csv(File::open(path)?)?
    } else if file_name.ends_with(".ndjson") {
        read_ndjson(&std::fs::read_to_string(path)?)?
    } else if file_name.ends_with(".parquet") {
        read_parquet(path)?
    } else if file_name.ends_with(".xlsx") {
        read_xlsx(path)?
    } else {
        return Ok(None);
    };
    Ok(Some(Table {
        name,
        columns,
        rows,
    }))
}

type Columns = (Vec<String>, Vec<Vec<Option<String>>>);

fn read_csv(input: impl std::io::Read) -> Result<Columns> {
    let mut reader = csv::ReaderBuilder::new().flexible(true).from_reader(input);
    let columns: Vec<String> = reader
        .headers()?
        .iter()
        .map(|h| h.trim_start_matches('\u{feff}').to_string())
        .collect();
    let mut rows = Vec::new();
    for record in reader.records() {
        let record = record?;
        rows.push(
            (0..columns.len())
                .map(|i| record.get(i).map(str::to_string))
                .collect(),
        );
    }
    Ok((columns, rows))
}

fn read_ndjson(text: &str) -> Result<Columns> {
    let mut columns: Vec<String> = Vec::new();
    let mut objects = Vec::new();
    for line in text.lines().filter(|l| !l.trim().is_empty()) {
        let object: OrderedObject = serde_json::from_str(line)?;
        for (key, _) in &object.0 {
            if !columns.contains(key) {
                columns.push(key.clone());
            }
        }
        objects.push(object.0);
    }
    let rows = objects
        .into_iter()
        .map(|fields| {
            columns
                .iter()
                .map(|column| {
                    fields.iter().find(|(key, _)| key == column).and_then(
                        |(_, value)| match value {
                            Value::Null => None,
                            Value::String(s) => Some(s.clone()),
                            other => Some(other.to_string()),
                        },
                    )
                })
                .collect()
        })
        .collect();
    Ok((columns, rows))
}

/// A JSON object with its keys in file order (serde_json's map sorts them without the
/// `preserve_order` feature, and column order is part of what a table is).
struct OrderedObject(Vec<(String, Value)>);

impl<'de> serde::Deserialize<'de> for OrderedObject {
    fn deserialize<D: serde::Deserializer<'de>>(
        deserializer: D,
    ) -> std::result::Result<Self, D::Error> {
        struct Visitor;
        impl<'de> serde::de::Visitor<'de> for Visitor {
            type Value = OrderedObject;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("a JSON object")
            }
            fn visit_map<A: serde::de::MapAccess<'de>>(
                self,
                mut map: A,
            ) -> std::result::Result<OrderedObject, A::Error> {
                let mut fields = Vec::new();
                while let Some(entry) = map.next_entry()? {
                    fields.push(entry);
                }
                Ok(OrderedObject(fields))
            }
        }
        deserializer.deserialize_map(Visitor)
    }
}

fn read_parquet(path: &Path) -> Result<Columns> {
    let reader = parquet::file::reader::SerializedFileReader::new(File::open(path)?)?;
    let columns: Vec<String> = reader
        .metadata()
        .file_metadata()
        .schema_descr()
        .columns()
        .iter()
        .map(|c| c.name().to_string())
        .collect();
    let mut rows = Vec::new();
    for row in reader.get_row_iter(None)? {
        let row = row?;
        rows.push(
            row.get_column_iter()
                .map(|(_, field)| match field {
                    Field::Null => None,
                    Field::Str(s) => Some(s.clone()),
                    Field::Bytes(b) => Some(String::from_utf8_lossy(b.data()).into_owned()),
                    other => Some(other.to_string()),
                })
                .collect(),
        );
    }
    Ok((columns, rows))
}

fn read_xlsx(path: &Path) -> Result<Columns> {
    let mut workbook = calamine::open_workbook_auto(path)?;
    let range = workbook
        .worksheet_range_at(0)
        .ok_or("the workbook has no sheet")??;
    let mut sheet_rows = range.rows();
    let columns: Vec<String> = sheet_rows
        .next()
        .unwrap_or_default()
        .iter()
        .map(|cell| cell.to_string())
        .collect();
    let rows = sheet_rows
        .map(|cells| {
            (0..columns.len())
                .map(|i| match cells.get(i) {
                    None | Some(Data::Empty) => None,
                    Some(cell) => Some(cell.to_string()),
                })
                .collect()
        })
        .collect();
    Ok((columns, rows))
}

async fn load(target: &str, tables: &[Table]) -> Result<()> {
    let lower = target.to_ascii_lowercase();
    if lower.starts_with("postgres://") || lower.starts_with("postgresql://") {
        let mut conn = PgConnectOptions::from_str(target)?.connect().await?;
        let schema = std::env::var("SHUAN_CORPUS_SCHEMA").unwrap_or_else(|_| "corpus".to_string());
        let schema = quote(&schema, '"');
        conn.execute(AssertSqlSafe(format!(
            "DROP SCHEMA IF EXISTS {schema} CASCADE; CREATE SCHEMA {schema}"
        )))
        .await?;
        for table in tables {
            let name = format!("{schema}.{}", quote(&table.name, '"'));
            insert_table::<sqlx::Postgres>(&mut conn, &name, '"', table).await?;
        }
    } else if lower.starts_with("mysql://") || lower.starts_with("mariadb://") {
        let url = format!("mysql{}", &target[target.find("://").unwrap()..]);
        let mut conn = MySqlConnectOptions::from_str(&url)?
            .charset("utf8mb4")
            .connect()
            .await?;
        for table in tables {
            insert_table::<sqlx::MySql>(&mut conn, &quote(&table.name, '`'), '`', table).await?;
        }
    } else {
        let path = target.strip_prefix("sqlite://").unwrap_or(target);
        let mut conn = SqliteConnectOptions::new()
            .filename(path)
            .create_if_missing(true)
            .connect()
            .await?;
        for table in tables {
            insert_table::<sqlx::Sqlite>(&mut conn, &quote(&table.name, '"'), '"', table).await?;
        }
    }
    Ok(())
}

async fn insert_table<DB>(
    conn: &mut DB::Connection,
    name: &str,
    quote_char: char,
    table: &Table,
) -> Result<()>
where
    DB: Database,
    for<'c> &'c mut DB::Connection: Executor<'c, Database = DB>,
    for<'a> Option<String>: sqlx::Encode<'a, DB> + sqlx::Type<DB>,
    DB::Arguments: sqlx::IntoArguments<DB>,
{
    let columns: Vec<String> = table.columns.iter().map(|c| quote(c, quote_char)).collect();
    let definition = columns
        .iter()
        .map(|c| format!("{c} TEXT"))
        .collect::<Vec<_>>()
        .join(", ");
    conn.execute(AssertSqlSafe(format!("DROP TABLE IF EXISTS {name}")))
        .await?;
    conn.execute(AssertSqlSafe(format!("CREATE TABLE {name} ({definition})")))
        .await?;
    let mut transaction = conn.begin().await?;
    for chunk in table.rows.chunks(INSERT_ROWS) {
        let mut insert =
            QueryBuilder::<DB>::new(format!("INSERT INTO {name} ({}) ", columns.join(", ")));
        insert.push_values(chunk, |mut values, row| {
            for cell in row {
                values.push_bind(cell.clone());
            }
        });
        insert.build().execute(&mut *transaction).await?;
    }
    transaction.commit().await?;
    Ok(())
}

fn quote(name: &str, quote_char: char) -> String {
    let doubled = name.replace(quote_char, &format!("{quote_char}{quote_char}"));
    format!("{quote_char}{doubled}{quote_char}")
}

fn write_labels(
    input: &Path,
    output: &Path,
    table_of_file: &BTreeMap<String, String>,
) -> Result<()> {
    let mut labels: Value = serde_json::from_reader(File::open(input)?)?;
    for table in labels["tables"]
        .as_array_mut()
        .ok_or("labels have no `tables` list")?
    {
        let file = table["file"].as_str().unwrap_or_default().to_string();
        if let Some(name) = table_of_file.get(&file) {
            table["file"] = Value::String(name.clone());
        }
    }
    serde_json::to_writer_pretty(File::create(output)?, &labels)?;
    Ok(())
}

/// The target without its password, for the closing message.
fn redact(target: &str) -> String {
    match url::Url::parse(target) {
        Ok(mut url) if url.password().is_some() => {
            let _ = url.set_password(Some("***"));
            url.to_string()
        }
        _ => target.to_string(),
    }
}
