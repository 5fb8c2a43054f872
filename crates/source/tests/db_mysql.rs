//! MySQL/MariaDB readers against the server in `SHUAN_TEST_MYSQL` (skipped without it). Each
//! test builds its own database with a unique name and drops it afterwards.

mod db_common;

use db_common::{names, read_all, readers, server_url, unique_suffix};
use shuan_source::db::{DbTarget, ScanOptions, scan_database};
use sqlx::mysql::MySqlConnection;
use sqlx::{AssertSqlSafe, Connection, Executor};
use tokio::runtime::Runtime;

const VARIABLE: &str = "SHUAN_TEST_MYSQL";

/// A database of test tables, dropped on drop.
struct Fixture {
    /// The server URL as given (its database is where we connect to create ours).
    server_url: String,
    /// The same server, our database.
    url: String,
    database: String,
    runtime: Runtime,
}

impl Fixture {
    fn new(server_url: String) -> Fixture {
        let database = format!("shuan_t_{}", unique_suffix());
        let mut url = url::Url::parse(&server_url).unwrap();
        url.set_path(&database);
        let fixture = Fixture {
            server_url,
            url: url.to_string(),
            database,
            runtime: tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .unwrap(),
        };
        let d = &fixture.database;
        let statements = [
            format!("CREATE DATABASE {d} CHARACTER SET utf8mb4"),
            format!(
                "CREATE TABLE {d}.kehu (id INT AUTO_INCREMENT PRIMARY KEY, xm VARCHAR(20) COMMENT '姓名', \
                 sjh CHAR(11) COMMENT '手机号', zp BLOB COMMENT '照片', bz LONGTEXT)"
            ),
            format!("CREATE TABLE {d}.digits (d INT)"),
            format!("INSERT INTO {d}.digits VALUES (0),(1),(2),(3),(4),(5),(6),(7),(8),(9)"),
            format!(
                "INSERT INTO {d}.kehu (xm, sjh, zp, bz) SELECT CONCAT('张', n), CONCAT('138', LPAD(n, 8, '0')), \
                 X'00FF', IF(n = 1, REPEAT('x', 70000), '备注') \
                 FROM (SELECT a.d * 100 + b.d * 10 + c.d + 1 AS n FROM {d}.digits a, {d}.digits b, {d}.digits c) t"
            ),
            format!("CREATE TABLE {d}.big (id INT PRIMARY KEY, h CHAR(32))"),
            format!(
                "INSERT INTO {d}.big SELECT n, MD5(n) FROM (SELECT a.d * 1000 + b.d * 100 + c.d * 10 + e.d AS n \
                 FROM {d}.digits a, {d}.digits b, {d}.digits c, {d}.digits e) t"
            ),
            format!("CREATE TABLE {d}.`we``ird` (v VARCHAR(10))"),
            format!("INSERT INTO {d}.`we``ird` VALUES ('quoted')"),
            format!("CREATE VIEW {d}.kehu_v AS SELECT xm, sjh FROM {d}.kehu"),
        ];
        fixture.runtime.block_on(async {
            let mut conn = MySqlConnection::connect(&fixture.server_url).await.unwrap();
            for statement in statements {
                conn.execute(AssertSqlSafe(statement)).await.unwrap();
            }
        });
        fixture
    }

    fn execute(&self, sql: String) {
        self.runtime.block_on(async {
            let mut conn = MySqlConnection::connect(&self.server_url).await.unwrap();
            conn.execute(AssertSqlSafe(sql)).await.unwrap();
        });
    }

    fn target(&self) -> DbTarget {
        DbTarget::parse(&self.url).unwrap()
    }
}

impl Drop for Fixture {
    fn drop(&mut self) {
        let sql = format!("DROP DATABASE IF EXISTS {}", self.database);
        self.runtime.block_on(async {
            if let Ok(mut conn) = MySqlConnection::connect(&self.server_url).await {
                // Cleanup must not hide the test's own failure.
                let _ = conn.execute(AssertSqlSafe(sql)).await;
            }
        });
    }
}

#[test]
fn lists_tables_with_comments_and_skips_binary() {
    let Some(url) = server_url(VARIABLE, "lists_tables_with_comments_and_skips_binary") else {
        return;
    };
    let fixture = Fixture::new(url);
    let target = fixture.target();
    let mut tables = readers(scan_database(&target, &ScanOptions::default()).unwrap());
    assert_eq!(names(&tables), ["big", "digits", "kehu", "we`ird"]);

    let kehu = tables[2].meta().clone();
    assert_eq!(kehu.source, format!("{}/kehu", target.display()));
    let comments: Vec<_> = kehu.columns.iter().map(|c| c.comment.as_deref()).collect();
    assert_eq!(
        comments,
        [None, Some("姓名"), Some("手机号"), Some("照片"), None]
    );
    assert_eq!(kehu.columns[2].data_type.as_deref(), Some("char(11)"));
    assert_eq!(kehu.notes, ["column zp: binary type, not read"]);
    assert!(kehu.row_estimate.is_some());

    let rows = read_all(tables[2].as_mut(), 64);
    assert_eq!(rows.len(), 1000);
    assert!(rows.iter().all(|row| row[3].is_none()));
    let first = rows
        .iter()
        .find(|row| row[0].as_deref() == Some("1"))
        .unwrap();
    assert_eq!(first[4], None, "a value over max_cell_bytes is left out");
    assert_eq!(first[1].as_deref(), Some("张1"));
    assert_eq!(first[2].as_deref(), Some("13800000001"));
    assert_eq!(
        read_all(tables[3].as_mut(), 10),
        [[Some("quoted".to_string())]]
    );
}

#[test]
fn sampling_is_bounded_and_full_mode_streams_every_row() {
    let Some(url) = server_url(
        VARIABLE,
        "sampling_is_bounded_and_full_mode_streams_every_row",
    ) else {
        return;
    };
    let fixture = Fixture::new(url);
    let target = fixture.target();

    let sample = ScanOptions {
        sample_rows: 300,
        include: vec!["big".into()],
        ..ScanOptions::default()
    };
    let mut tables = readers(scan_database(&target, &sample).unwrap());
    assert_eq!(read_all(tables[0].as_mut(), 1000).len(), 300);

    let full = ScanOptions {
        full: true,
        ..sample
    };
    let mut tables = readers(scan_database(&target, &full).unwrap());
    let rows = read_all(tables[0].as_mut(), 777);
    assert_eq!(rows.len(), 10_000);
    assert_eq!(rows.last().unwrap()[1].as_deref().map(str::len), Some(32));
}

#[test]
fn a_reader_dropped_mid_stream_frees_its_connection() {
    let Some(url) = server_url(VARIABLE, "a_reader_dropped_mid_stream_frees_its_connection") else {
        return;
    };
    let fixture = Fixture::new(url);
    let opts = ScanOptions {
        full: true,
        max_connections: 1,
        ..ScanOptions::default()
    };
    let mut tables = readers(scan_database(&fixture.target(), &opts).unwrap());
    assert_eq!(tables[0].next_rows(10).unwrap().unwrap().len(), 10);
    drop(tables.remove(0));
    // `kehu` now reads through the one connection `big` left mid-result.
    assert_eq!(read_all(tables[1].as_mut(), 500).len(), 1000);
}

#[test]
fn views_are_opt_in_and_globs_filter_across_databases() {
    let Some(url) = server_url(
        VARIABLE,
        "views_are_opt_in_and_globs_filter_across_databases",
    ) else {
        return;
    };
    let fixture = Fixture::new(url);
    let d = &fixture.database;

    let views = ScanOptions {
        include_views: true,
        include: vec!["keh*".into()],
        ..ScanOptions::default()
    };
    let mut tables = readers(scan_database(&fixture.target(), &views).unwrap());
    assert_eq!(names(&tables), ["kehu", "kehu_v"]);
    assert_eq!(tables[1].meta().row_estimate, None);
    assert_eq!(read_all(tables[1].as_mut(), 1000).len(), 1000);

    // No database in the URL: every database, named `database.table`.
    let mut whole_server = url::Url::parse(&fixture.url).unwrap();
    whole_server.set_path("");
    let target = DbTarget::parse(whole_server.as_str()).unwrap();
    let opts = ScanOptions {
        include: vec![format!("{d}.*")],
        exclude: vec!["*.digits".into()],
        ..Default::default()
    };
    let tables = readers(scan_database(&target, &opts).unwrap());
    assert_eq!(
        names(&tables),
        [
            format!("{d}.big"),
            format!("{d}.kehu"),
            format!("{d}.we`ird")
        ]
    );
    assert_eq!(
        tables[0].meta().source,
        format!("{}/{d}/big", target.display())
    );
}

#[test]
fn a_table_dropped_mid_scan_fails_alone() {
    let Some(url) = server_url(VARIABLE, "a_table_dropped_mid_scan_fails_alone") else {
        return;
    };
    let fixture = Fixture::new(url);
    let mut tables = readers(scan_database(&fixture.target(), &ScanOptions::default()).unwrap());
    fixture.execute(format!("DROP TABLE {}.big", fixture.database));
    let error = tables[0].next_rows(10).unwrap_err();
    assert!(error.to_string().contains("no longer exists"), "{error}");
    assert_eq!(read_all(tables[2].as_mut(), 5000).len(), 1000);
}

#[test]
fn passwords_never_appear_in_errors() {
    let Some(url) = server_url(VARIABLE, "passwords_never_appear_in_errors") else {
        return;
    };
    let password = format!("Pw-{}-secret", unique_suffix());
    let mut wrong = url::Url::parse(&url).unwrap();
    wrong
        .set_username(&format!("nobody_{}", std::process::id()))
        .unwrap();
    wrong.set_password(Some(&password)).unwrap();
    let target = DbTarget::parse(wrong.as_str()).unwrap();
    let error = scan_database(&target, &ScanOptions::default())
        .unwrap_err()
        .to_string();
    assert!(error.contains("authentication failed"), "{error}");
    assert!(!error.contains(&password), "{error}");

    let down = DbTarget::parse(&format!("mariadb://u:{password}@127.0.0.1:1/db")).unwrap();
    let error = scan_database(&down, &ScanOptions::default())
        .unwrap_err()
        .to_string();
    assert!(error.contains("connection refused"), "{error}");
    assert!(!error.contains(&password), "{error}");
}
