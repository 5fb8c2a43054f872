//! SQLite readers against a database built here: runs everywhere.

use std::path::Path;

use shuan_source::db::{DbKind, DbTarget, ScanOptions, scan_database};
use shuan_source::{Input, Row, SourceError, TableReader};
use sqlx::sqlite::SqliteConnectOptions;
use sqlx::{ConnectOptions, Executor};

const SCHEMA: &str = "
CREATE TABLE kehu (
  id INTEGER PRIMARY KEY, -- 编号
  xm TEXT,                -- 姓名
  sjh TEXT,               -- 手机号
  zp BLOB,                -- 照片
  bz TEXT
);
CREATE TABLE \"order\"\"s\" (no TEXT, amount REAL);
CREATE TABLE tmp_log (line TEXT);
CREATE VIEW kehu_v AS SELECT xm, sjh FROM kehu;
";

fn build(path: &Path, customers: usize) {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    runtime.block_on(async {
        let mut conn = SqliteConnectOptions::new()
            .filename(path)
            .create_if_missing(true)
            .connect()
            .await
            .unwrap();
        conn.execute(SCHEMA).await.unwrap();
        conn.execute("BEGIN").await.unwrap();
        for i in 0..customers {
            sqlx::query("INSERT INTO kehu (xm, sjh, zp, bz) VALUES (?, ?, ?, ?)")
                .bind(format!("张{i}"))
                .bind(format!("138{:08}", i))
                .bind(vec![0u8, 159, 146, 150])
                .bind(if i == 0 {
                    "x".repeat(70 * 1024)
                } else {
                    "备注".to_string()
                })
                .execute(&mut conn)
                .await
                .unwrap();
        }
        conn.execute("INSERT INTO \"order\"\"s\" VALUES ('A-1', 9.5), ('A-2', 10)")
            .await
            .unwrap();
        conn.execute("COMMIT").await.unwrap();
    });
}

fn readers(inputs: Vec<Result<Input, SourceError>>) -> Vec<Box<dyn TableReader>> {
    inputs
        .into_iter()
        .map(|input| match input.unwrap() {
            Input::Table(table) => table,
            Input::Text(_) => panic!("a database gives tables"),
        })
        .collect()
}

fn read_all(table: &mut dyn TableReader, batch: usize) -> Vec<Row> {
    let mut rows = Vec::new();
    while let Some(more) = table.next_rows(batch).unwrap() {
        assert!(more.len() <= batch);
        rows.extend(more);
    }
    rows
}

fn names(tables: &[Box<dyn TableReader>]) -> Vec<String> {
    tables.iter().map(|t| t.meta().name.clone()).collect()
}

#[test]
fn lists_tables_columns_comments_and_skips_blobs() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("crm.db");
    build(&path, 50);
    let target = DbTarget::parse(path.to_str().unwrap()).unwrap();
    assert_eq!(target.kind(), DbKind::Sqlite);
    let mut tables = readers(scan_database(&target, &ScanOptions::default()).unwrap());
    assert_eq!(names(&tables), ["kehu", "order\"s", "tmp_log"]);

    let kehu = &mut tables[0];
    let meta = kehu.meta().clone();
    let canonical = std::fs::canonicalize(&path).unwrap();
    assert_eq!(
        meta.source,
        format!("sqlite://{}/kehu", canonical.display())
    );
    let comments: Vec<_> = meta.columns.iter().map(|c| c.comment.as_deref()).collect();
    assert_eq!(
        comments,
        [
            Some("编号"),
            Some("姓名"),
            Some("手机号"),
            Some("照片"),
            None
        ]
    );
    assert_eq!(meta.columns[3].data_type.as_deref(), Some("BLOB"));
    assert_eq!(meta.row_estimate, Some(50));
    assert_eq!(meta.notes, ["column zp: binary type, not read"]);

    let rows = read_all(kehu.as_mut(), 7);
    assert_eq!(rows.len(), 50);
    assert!(rows.iter().all(|r| r.len() == 5 && r[3].is_none()));
    assert_eq!(rows[1][2].as_deref(), Some("13800000001"));
    assert_eq!(rows[0][4], None, "a value over max_cell_bytes is left out");
    assert_eq!(rows[1][4].as_deref(), Some("备注"));

    let orders = read_all(tables[1].as_mut(), 100);
    assert_eq!(
        orders[0],
        [Some("A-1".to_string()), Some("9.5".to_string())]
    );
    assert_eq!(read_all(tables[2].as_mut(), 10), Vec::<Row>::new());
}

#[test]
fn sample_is_bounded_and_full_reads_everything() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("big.sqlite");
    build(&path, 3000);
    let target = DbTarget::parse(&format!("sqlite://{}", path.display())).unwrap();
    let include = vec!["kehu".to_string()];

    let sample = ScanOptions {
        sample_rows: 100,
        include: include.clone(),
        ..ScanOptions::default()
    };
    let mut tables = readers(scan_database(&target, &sample).unwrap());
    assert_eq!(read_all(tables[0].as_mut(), 1000).len(), 100);

    let full = ScanOptions {
        sample_rows: 100,
        full: true,
        include,
        ..ScanOptions::default()
    };
    let mut tables = readers(scan_database(&target, &full).unwrap());
    let rows = read_all(tables[0].as_mut(), 1000);
    assert_eq!(rows.len(), 3000);
    assert_eq!(rows[2999][1].as_deref(), Some("张2999"));
}

#[test]
fn views_are_opt_in_and_globs_filter() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("crm.sqlite3");
    build(&path, 3);
    let target = DbTarget::parse(path.to_str().unwrap()).unwrap();

    let with_views = ScanOptions {
        include_views: true,
        exclude: vec!["main.tmp_*".into()],
        ..Default::default()
    };
    let mut tables = readers(scan_database(&target, &with_views).unwrap());
    assert_eq!(names(&tables), ["kehu", "kehu_v", "order\"s"]);
    assert_eq!(tables[1].meta().row_estimate, None);
    assert_eq!(read_all(tables[1].as_mut(), 10).len(), 3);

    let only = ScanOptions {
        include: vec!["ke??".into(), "tmp*".into()],
        ..Default::default()
    };
    assert_eq!(
        names(&readers(scan_database(&target, &only).unwrap())),
        ["kehu", "tmp_log"]
    );
}

#[test]
fn a_table_dropped_mid_scan_fails_alone() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("crm.db");
    build(&path, 5);
    let target = DbTarget::parse(path.to_str().unwrap()).unwrap();
    let mut tables = readers(scan_database(&target, &ScanOptions::default()).unwrap());

    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    runtime.block_on(async {
        let mut conn = SqliteConnectOptions::new()
            .filename(&path)
            .connect()
            .await
            .unwrap();
        conn.execute("DROP TABLE tmp_log").await.unwrap();
    });
    drop(runtime);

    let error = tables[2].next_rows(10).unwrap_err();
    assert_eq!(error.source_name(), tables[2].meta().source);
    assert!(error.to_string().contains("no longer exists"), "{error}");
    assert_eq!(read_all(tables[0].as_mut(), 10).len(), 5);
}

#[test]
fn missing_or_foreign_files_are_clear_errors() {
    let dir = tempfile::tempdir().unwrap();
    let missing = DbTarget::parse(dir.path().join("none.db").to_str().unwrap()).unwrap();
    let error = scan_database(&missing, &ScanOptions::default())
        .unwrap_err()
        .to_string();
    assert!(error.contains("no such SQLite file"), "{error}");

    let not_sqlite = dir.path().join("notes.db");
    std::fs::write(&not_sqlite, "just some text, long enough to have a header").unwrap();
    let target = DbTarget::parse(not_sqlite.to_str().unwrap()).unwrap();
    let error = scan_database(&target, &ScanOptions::default())
        .unwrap_err()
        .to_string();
    assert!(error.contains("not a database"), "{error}");
}

#[test]
fn recognises_sqlite_files_by_header() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("export.bin");
    build(&path, 1);
    assert!(shuan_source::db::is_sqlite_file(&path));
    assert_eq!(
        DbTarget::parse(path.to_str().unwrap()).unwrap().kind(),
        DbKind::Sqlite
    );
}
