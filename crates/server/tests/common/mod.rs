//! A platform under test: a temporary data dir, SQLite or (with `SHUAN_TEST_POSTGRES`) a
//! fresh PostgreSQL schema, seeded organisations and users, and requests through the router
//! with `oneshot` (no network).

#![allow(dead_code)]

use axum::Router;
use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use serde_json::Value;
use shuan_server::auth::{OrgKind, Role};
use shuan_server::{AppState, Config};
use tower::ServiceExt;

pub const PASSWORD: &str = "correct horse battery";

#[derive(Clone, Copy, Debug)]
pub enum Backend {
    Sqlite,
    Postgres,
}

pub struct TestApp {
    pub state: AppState,
    pub router: Router,
    pub dir: tempfile::TempDir,
    /// The folder data sources may name.
    pub allowed: std::path::PathBuf,
    postgres: Option<(String, String)>,
    pub orgs: Orgs,
}

#[derive(Clone, Copy, Debug)]
pub struct Orgs {
    pub regulator: i64,
    pub other_regulator: i64,
    pub operator_a: i64,
    pub operator_b: i64,
    pub operator_c: i64,
}

/// A signed-in browser: its session cookie and CSRF token.
#[derive(Clone, Debug)]
pub struct Session {
    pub cookie: String,
    pub csrf: String,
}

pub struct Reply {
    pub status: StatusCode,
    pub headers: axum::http::HeaderMap,
    pub body: String,
}

impl Reply {
    pub fn json(&self) -> Value {
        serde_json::from_str(&self.body).unwrap_or_else(|e| panic!("{e}: {}", self.body))
    }
}

/// Returns None (after printing why) when the backend is not available.
pub async fn app(backend: Backend, test: &str) -> Option<TestApp> {
    app_with_clock(
        backend,
        test,
        std::sync::Arc::new(shuan_incident::SystemClock),
    )
    .await
}

/// As [`app`], with incident times and deadlines read from `clock`.
pub async fn app_with_clock(
    backend: Backend,
    test: &str,
    clock: std::sync::Arc<dyn shuan_incident::Clock>,
) -> Option<TestApp> {
    let dir = tempfile::tempdir().unwrap();
    let allowed = dir.path().join("allowed");
    std::fs::create_dir_all(&allowed).unwrap();
    let (database_url, postgres) = match backend {
        Backend::Sqlite => (None, None),
        Backend::Postgres => {
            let Ok(base) = std::env::var("SHUAN_TEST_POSTGRES") else {
                println!("skipped: {test} (SHUAN_TEST_POSTGRES not set)");
                return None;
            };
            let schema = format!(
                "shuan_test_{}",
                shuan_server::random_token()
                    .to_lowercase()
                    .replace(|c: char| !c.is_ascii_alphanumeric(), "")
                    .chars()
                    .take(16)
                    .collect::<String>()
            );
            run_postgres(&base, &format!("CREATE SCHEMA {schema}")).await;
            let separator = if base.contains('?') { '&' } else { '?' };
            let url = format!("{base}{separator}options=-c%20search_path%3D{schema}");
            (Some(url), Some((base, schema)))
        }
    };
    let config = Config {
        data_dir: dir.path().to_owned(),
        database_url,
        allowed_roots: vec![allowed.clone()],
        max_upload_bytes: 64 * 1024,
        argon2_memory_kib: 256,
        argon2_iterations: 1,
        lockout_failures: 5,
        ..Config::default()
    };
    let state = AppState::open_with_clock(config, clock).await.unwrap();
    let orgs = seed(&state).await;
    Some(TestApp {
        router: shuan_server::web::router(state.clone()),
        state,
        dir,
        allowed,
        postgres,
        orgs,
    })
}

async fn run_postgres(url: &str, sql: &str) {
    use sqlx::Connection;
    let mut conn = sqlx::PgConnection::connect(url).await.unwrap();
    sqlx::query(sqlx::AssertSqlSafe(sql.to_owned()))
        .execute(&mut conn)
        .await
        .unwrap();
}

async fn seed(state: &AppState) -> Orgs {
    let repo = &state.repo;
    let platform = repo
        .create_organisation("平台", OrgKind::Platform, None, "", "")
        .await
        .unwrap();
    let regulator = repo
        .create_organisation("监管A", OrgKind::Regulator, None, "天津", "互联网")
        .await
        .unwrap();
    let other_regulator = repo
        .create_organisation("监管B", OrgKind::Regulator, None, "北京", "电信")
        .await
        .unwrap();
    let operator_a = repo
        .create_organisation(
            "运营者A",
            OrgKind::Operator,
            Some(regulator),
            "天津",
            "互联网",
        )
        .await
        .unwrap();
    let operator_b = repo
        .create_organisation(
            "运营者B",
            OrgKind::Operator,
            Some(regulator),
            "天津",
            "互联网",
        )
        .await
        .unwrap();
    let operator_c = repo
        .create_organisation(
            "运营者C",
            OrgKind::Operator,
            Some(other_regulator),
            "北京",
            "电信",
        )
        .await
        .unwrap();
    let hash = state.hasher.hash(PASSWORD).unwrap();
    for (org, name, role) in [
        (platform, "admin", Role::PlatformAdmin),
        (regulator, "regulator", Role::RegulatorStaff),
        (other_regulator, "other_regulator", Role::RegulatorStaff),
        (operator_a, "officer_a", Role::SecurityOfficer),
        (operator_a, "admin_a", Role::DataAdmin),
        (operator_a, "auditor_a", Role::Auditor),
        (operator_a, "vendor_a", Role::Vendor),
        (operator_b, "officer_b", Role::SecurityOfficer),
        (operator_c, "officer_c", Role::SecurityOfficer),
    ] {
        repo.create_user(org, name, name, role, &hash)
            .await
            .unwrap();
    }
    Orgs {
        regulator,
        other_regulator,
        operator_a,
        operator_b,
        operator_c,
    }
}

impl TestApp {
    /// The same data dir and database opened by a new process, as after a restart (the old
    /// state is dropped first: the audit ledger has one writer).
    pub async fn restarted(self, clock: std::sync::Arc<dyn shuan_incident::Clock>) -> TestApp {
        let TestApp {
            state,
            router,
            dir,
            allowed,
            postgres,
            orgs,
        } = self;
        let config = state.config.clone();
        drop(router);
        drop(state);
        let state = AppState::open_with_clock(config, clock).await.unwrap();
        TestApp {
            router: shuan_server::web::router(state.clone()),
            state,
            dir,
            allowed,
            postgres,
            orgs,
        }
    }

    /// Drops the PostgreSQL schema; SQLite goes with the temporary dir.
    pub async fn finish(self) {
        if let Some((base, schema)) = &self.postgres {
            self.state.repo.pool.close().await;
            run_postgres(base, &format!("DROP SCHEMA {schema} CASCADE")).await;
        }
    }

    pub async fn send(&self, request: Request<Body>) -> Reply {
        let response = self.router.clone().oneshot(request).await.unwrap();
        let status = response.status();
        let headers = response.headers().clone();
        let bytes = axum::body::to_bytes(response.into_body(), usize::MAX)
            .await
            .unwrap();
        Reply {
            status,
            headers,
            body: String::from_utf8_lossy(&bytes).into_owned(),
        }
    }

    /// Signs in through the login form (double-submit CSRF as a browser would).
    pub async fn try_login(&self, username: &str, password: &str) -> Reply {
        let form = format!(
            "username={}&password={}&csrf=login-token-0123456789abcdef0123456789",
            urlencode(username),
            urlencode(password)
        );
        self.send(
            Request::post("/login")
                .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
                .header(
                    header::COOKIE,
                    "shuan_login_csrf=login-token-0123456789abcdef0123456789",
                )
                .body(Body::from(form))
                .unwrap(),
        )
        .await
    }

    pub async fn login(&self, username: &str) -> Session {
        let reply = self.try_login(username, PASSWORD).await;
        assert_eq!(
            reply.status,
            StatusCode::SEE_OTHER,
            "login {username}: {}",
            reply.body
        );
        let cookie = reply
            .headers
            .get_all(header::SET_COOKIE)
            .iter()
            .map(|v| v.to_str().unwrap())
            .find(|v| v.starts_with("shuan_session="))
            .unwrap();
        assert!(cookie.contains("HttpOnly") && cookie.contains("SameSite=Strict"));
        let cookie = cookie.split(';').next().unwrap().to_owned();
        let mut session = Session {
            cookie,
            csrf: String::new(),
        };
        session.csrf = self.get("/api/v1/me", &session).await.json()["csrf_token"]
            .as_str()
            .unwrap()
            .to_owned();
        session
    }

    pub async fn get(&self, path: &str, session: &Session) -> Reply {
        self.send(
            Request::get(path)
                .header(header::COOKIE, &session.cookie)
                .body(Body::empty())
                .unwrap(),
        )
        .await
    }

    /// A JSON request with the session's CSRF header.
    pub async fn post_json(&self, path: &str, session: &Session, body: Value) -> Reply {
        self.send(
            Request::post(path)
                .header(header::COOKIE, &session.cookie)
                .header("x-csrf-token", &session.csrf)
                .header(header::CONTENT_TYPE, "application/json")
                .body(Body::from(body.to_string()))
                .unwrap(),
        )
        .await
    }

    /// A form post, as the pages send it (the CSRF token in the `csrf` field).
    pub async fn post_form(&self, path: &str, session: &Session, form: &str) -> Reply {
        self.send(
            Request::post(path)
                .header(header::COOKIE, &session.cookie)
                .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
                .body(Body::from(format!(
                    "csrf={}&{form}",
                    urlencode(&session.csrf)
                )))
                .unwrap(),
        )
        .await
    }

    /// A CSV source for `session`'s operator, scanned to the end; returns the source id.
    pub async fn scanned_csv(&self, session: &Session, name: &str, content: &str) -> i64 {
        let path = self.allowed.join(name);
        std::fs::write(&path, content).unwrap();
        let reply = self
            .post_json(
                "/api/v1/sources",
                session,
                serde_json::json!({"kind": "path", "system": "CRM", "name": name, "location": path}),
            )
            .await;
        assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
        let source = reply.json()["id"].as_i64().unwrap();
        self.scan(session, source).await;
        source
    }

    pub async fn scan(&self, session: &Session, source: i64) -> i64 {
        let reply = self
            .post_json(
                &format!("/api/v1/sources/{source}/scan"),
                session,
                Value::Null,
            )
            .await;
        assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
        while shuan_server::jobs::run_next_job(&self.state).await.unwrap() {}
        reply.json()["job_id"].as_i64().unwrap()
    }
}

pub fn urlencode(text: &str) -> String {
    url::form_urlencoded::byte_serialize(text.as_bytes()).collect()
}

/// People with their resident IDs and mobiles: a table the scanner labels.
pub const PEOPLE_CSV: &str = "姓名,身份证号,手机号,备注\n\
张伟,120103198001011237,13812345678,无\n\
李娜,120103199002154568,13912345679,无\n\
王芳,120103197511307893,13712345670,无\n\
赵敏,120103198812123216,13612345671,无\n";

/// Runs `$body` with a `TestApp` on SQLite and, when configured, on PostgreSQL.
#[macro_export]
macro_rules! on_both_backends {
    ($name:ident, |$app:ident| $body:block) => {
        mod $name {
            use super::*;

            async fn body($app: &common::TestApp) $body

            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn sqlite() {
                let app = common::app(common::Backend::Sqlite, concat!(stringify!($name), "::sqlite")).await.unwrap();
                body(&app).await;
                app.finish().await;
            }

            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn postgres() {
                let Some(app) = common::app(common::Backend::Postgres, concat!(stringify!($name), "::postgres")).await else {
                    return;
                };
                body(&app).await;
                app.finish().await;
            }
        }
    };
}
