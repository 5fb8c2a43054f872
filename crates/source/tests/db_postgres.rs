//! PostgreSQL readers against the server in `SHUAN_TEST_POSTGRES` (skipped without it). Each
//! test builds its own schema (and role) with a unique name and drops them afterwards.

mod db_common;

use db_common::{names, read_all, readers, server_url, unique_suffix};
use shuan_source::SourceError;
use shuan_source::db::{DbTarget, ScanOptions, scan_database};
use sqlx::postgres::PgConnection;
use sqlx::{AssertSqlSafe, Connection, Executor};
use tokio::runtime::Runtime;

const VARIABLE: &str = "SHUAN_TEST_POSTGRES";

/// A schema of test tables (and a role that may read only some of them), dropped on drop.
struct Fixture {
    url: String,
    schema: String,
    role: String,
    runtime: Runtime,
}

impl Fixture {
    fn new(url: String) -> Fixture {
        let suffix = unique_suffix();
        let fixture = Fixture {
            url,
            schema: format!("shuan_t_{suffix}"),
            role: format!("shuan_r_{suffix}"),
            runtime: tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .unwrap(),
        };
        let s = &fixture.schema;
        fixture.execute(&format!(
            r#"
            CREATE SCHEMA {s};
            CREATE TABLE {s}.kehu (id serial PRIMARY KEY, xm text, sjh varchar(11), zp bytea, bz text);
            COMMENT ON COLUMN {s}.kehu.xm IS '姓名';
            COMMENT ON COLUMN {s}.kehu.sjh IS '手机号';
            INSERT INTO {s}.kehu (xm, sjh, zp, bz)
              SELECT '张' || g, '138' || lpad(g::text, 8, '0'), '\x00ff'::bytea,
                     CASE WHEN g = 1 THEN repeat('x', 70000) ELSE '备注' END
              FROM generate_series(1, 200) g;
            CREATE TABLE {s}.big AS SELECT g AS id, md5(g::text) AS h FROM generate_series(1, 50000) g;
            ANALYZE {s}.big;
            CREATE TABLE {s}."we""ird" (v text);
            INSERT INTO {s}."we""ird" VALUES ('quoted');
            CREATE VIEW {s}.kehu_v AS SELECT xm, sjh FROM {s}.kehu;
            "#
        ));
        fixture
    }

    fn execute(&self, sql: &str) {
        self.runtime.block_on(async {
            let mut conn = PgConnection::connect(&self.url).await.unwrap();
            conn.execute(AssertSqlSafe(sql.to_string())).await.unwrap();
        });
    }

    fn target(&self) -> DbTarget {
        DbTarget::parse(&self.url).unwrap()
    }

    fn only_mine(&self) -> ScanOptions {
        ScanOptions {
            include: vec![format!("{}.*", self.schema)],
            ..ScanOptions::default()
        }
    }
}

impl Drop for Fixture {
    fn drop(&mut self) {
        let sql = format!(
            "DROP SCHEMA IF EXISTS {} CASCADE; DROP ROLE IF EXISTS {}",
            self.schema, self.role
        );
        self.runtime.block_on(async {
            if let Ok(mut conn) = PgConnection::connect(&self.url).await {
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
    let mut tables = readers(scan_database(&target, &fixture.only_mine()).unwrap());
    let s = &fixture.schema;
    assert_eq!(
        names(&tables),
        [
            format!("{s}.big"),
            format!("{s}.kehu"),
            format!("{s}.we\"ird")
        ]
    );

    let kehu = tables[1].meta().clone();
    assert_eq!(kehu.source, format!("{}/{s}.kehu", target.display()));
    assert!(kehu.source.starts_with("postgres://"));
    let comments: Vec<_> = kehu.columns.iter().map(|c| c.comment.as_deref()).collect();
    assert_eq!(comments, [None, Some("姓名"), Some("手机号"), None, None]);
    assert_eq!(
        kehu.columns[2].data_type.as_deref(),
        Some("character varying(11)")
    );
    assert_eq!(kehu.notes, ["column zp: binary type, not read"]);
    assert_eq!(tables[0].meta().row_estimate, Some(50_000));

    let rows = read_all(tables[1].as_mut(), 64);
    assert_eq!(rows.len(), 200);
    assert!(rows.iter().all(|row| row[3].is_none()));
    let first = rows
        .iter()
        .find(|row| row[0].as_deref() == Some("1"))
        .unwrap();
    assert_eq!(first[4], None, "a value over max_cell_bytes is left out");
    assert_eq!(first[2].as_deref(), Some("13800000001"));
    assert_eq!(
        read_all(tables[2].as_mut(), 10),
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
    let big = vec![format!("{}.big", fixture.schema)];

    // 50,000 rows against 300 wanted: TABLESAMPLE, then LIMIT.
    let sample = ScanOptions {
        sample_rows: 300,
        include: big.clone(),
        ..ScanOptions::default()
    };
    let mut tables = readers(scan_database(&target, &sample).unwrap());
    let sampled = read_all(tables[0].as_mut(), 1000);
    assert!(
        (100..=300).contains(&sampled.len()),
        "{} rows",
        sampled.len()
    );

    let full = ScanOptions {
        sample_rows: 300,
        full: true,
        include: big,
        ..ScanOptions::default()
    };
    let mut tables = readers(scan_database(&target, &full).unwrap());
    let rows = read_all(tables[0].as_mut(), 777);
    assert_eq!(rows.len(), 50_000);
    let mut ids: Vec<u32> = rows
        .iter()
        .map(|row| row[0].as_deref().unwrap().parse().unwrap())
        .collect();
    ids.sort_unstable();
    ids.dedup();
    assert_eq!(ids.len(), 50_000);
}

#[test]
fn views_are_opt_in_and_globs_filter() {
    let Some(url) = server_url(VARIABLE, "views_are_opt_in_and_globs_filter") else {
        return;
    };
    let fixture = Fixture::new(url);
    let target = fixture.target();
    let s = &fixture.schema;

    let views = ScanOptions {
        include_views: true,
        exclude: vec![format!("{s}.we*"), format!("{s}.b?g")],
        ..fixture.only_mine()
    };
    let mut tables = readers(scan_database(&target, &views).unwrap());
    assert_eq!(names(&tables), [format!("{s}.kehu"), format!("{s}.kehu_v")]);
    assert_eq!(tables[1].meta().columns[0].comment, None);
    assert_eq!(read_all(tables[1].as_mut(), 1000).len(), 200);

    let by_name = ScanOptions {
        include: vec![format!("{s}.keh*")],
        ..ScanOptions::default()
    };
    assert_eq!(names(&tables_of(&target, &by_name)), [format!("{s}.kehu")]);
}

fn tables_of(target: &DbTarget, opts: &ScanOptions) -> Vec<Box<dyn shuan_source::TableReader>> {
    readers(scan_database(target, opts).unwrap())
}

#[test]
fn a_table_without_privilege_is_reported_and_the_rest_scanned() {
    let Some(url) = server_url(
        VARIABLE,
        "a_table_without_privilege_is_reported_and_the_rest_scanned",
    ) else {
        return;
    };
    let fixture = Fixture::new(url);
    let (s, role) = (&fixture.schema, &fixture.role);
    fixture.execute(&format!(
        "CREATE ROLE {role} LOGIN; GRANT USAGE ON SCHEMA {s} TO {role}; GRANT SELECT ON {s}.kehu, {s}.big TO {role}"
    ));
    let mut as_role = url::Url::parse(&fixture.url).unwrap();
    as_role.set_username(role).unwrap();
    let target = DbTarget::parse(as_role.as_str()).unwrap();

    let inputs = scan_database(&target, &fixture.only_mine()).unwrap();
    assert_eq!(inputs.len(), 3);
    let (readable, denied): (Vec<_>, Vec<_>) = inputs.into_iter().partition(Result::is_ok);
    let denied: Vec<SourceError> = denied.into_iter().map(Result::unwrap_err).collect();
    assert_eq!(denied.len(), 1);
    assert_eq!(
        denied[0].source_name(),
        format!("{}/{s}.we\"ird", target.display())
    );
    assert!(
        denied[0].to_string().contains("permission denied"),
        "{}",
        denied[0]
    );
    for mut table in readers(readable) {
        assert!(!read_all(table.as_mut(), 500).is_empty());
    }
}

#[test]
fn sessions_are_read_only_and_statements_time_out() {
    let Some(url) = server_url(VARIABLE, "sessions_are_read_only_and_statements_time_out") else {
        return;
    };
    let fixture = Fixture::new(url);
    let s = &fixture.schema;
    fixture.execute(&format!(
        "CREATE VIEW {s}.session_v AS SELECT current_setting('transaction_read_only') AS read_only, \
         current_setting('statement_timeout') AS timeout; \
         CREATE VIEW {s}.slow_v AS SELECT pg_sleep(3)::text AS slept"
    ));
    let opts = ScanOptions {
        include: vec![format!("{s}.s*_v")],
        include_views: true,
        statement_timeout: std::time::Duration::from_secs(1),
        ..ScanOptions::default()
    };
    let mut tables = readers(scan_database(&fixture.target(), &opts).unwrap());
    assert_eq!(
        names(&tables),
        [format!("{s}.session_v"), format!("{s}.slow_v")]
    );
    let session = read_all(tables[0].as_mut(), 10);
    assert_eq!(session, [[Some("on".to_string()), Some("1s".to_string())]]);
    let error = tables[1].next_rows(10).unwrap_err();
    assert!(error.to_string().contains("timed out"), "{error}");
}

#[test]
fn a_table_dropped_mid_scan_fails_alone() {
    let Some(url) = server_url(VARIABLE, "a_table_dropped_mid_scan_fails_alone") else {
        return;
    };
    let fixture = Fixture::new(url);
    let mut tables = readers(scan_database(&fixture.target(), &fixture.only_mine()).unwrap());
    fixture.execute(&format!("DROP TABLE {}.big", fixture.schema));
    let error = tables[0].next_rows(10).unwrap_err();
    assert!(error.to_string().contains("no longer exists"), "{error}");
    assert_eq!(read_all(tables[1].as_mut(), 1000).len(), 200);
}

#[test]
fn passwords_never_appear_in_errors() {
    let Some(url) = server_url(VARIABLE, "passwords_never_appear_in_errors") else {
        return;
    };
    let password = format!("Pw-{}-secret", unique_suffix());
    let mut wrong = url::Url::parse(&url).unwrap();
    wrong
        .set_username(&format!("nobody_{}", unique_suffix()))
        .unwrap();
    wrong.set_password(Some(&password)).unwrap();
    let target = DbTarget::parse(wrong.as_str()).unwrap();
    assert!(!target.display().contains(&password));
    let error = scan_database(&target, &ScanOptions::default())
        .unwrap_err()
        .to_string();
    assert!(error.contains("authentication failed"), "{error}");
    assert!(!error.contains(&password), "{error}");

    let down = DbTarget::parse(&format!("postgres://u:{password}@127.0.0.1:1/db")).unwrap();
    let error = scan_database(&down, &ScanOptions::default())
        .unwrap_err()
        .to_string();
    assert!(error.contains("connection refused"), "{error}");
    assert!(!error.contains(&password), "{error}");
}
