//! The platform's behaviour end to end through the router: review and rescan, the audit
//! trail, jobs across a restart, the OpenAPI document, the pages in both languages.

mod common;

use axum::body::Body;
use axum::http::{Request, StatusCode};
use serde_json::json;

use common::PEOPLE_CSV;

on_both_backends!(rescans_keep_reviewed_labels_and_history, |app| {
    let officer = app.login("officer_a").await;
    let source = app.scanned_csv(&officer, "people.csv", PEOPLE_CSV).await;
    let table = app
        .get(&format!("/api/v1/tables?source_id={source}"), &officer)
        .await
        .json()[0]
        .clone();
    assert_eq!(table["level"], "sensitive-pi");
    let columns = app
        .get(&format!("/api/v1/tables/{}", table["id"]), &officer)
        .await
        .json()["columns"]
        .clone();
    let id_column = columns
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["name"] == "身份证号")
        .unwrap();
    assert_eq!(id_column["entity"], "cn_resident_id");
    let column = id_column["id"].as_i64().unwrap();
    let review = app
        .post_json(
            &format!("/api/v1/columns/{column}/review"),
            &officer,
            json!({"entity": "cn_resident_id", "category": "personal/identity", "level": "important", "reason": "批量身份信息，按重要数据管理"}),
        )
        .await;
    assert_eq!(review.status, StatusCode::OK, "{}", review.body);
    let unknown_level = app
        .post_json(
            &format!("/api/v1/columns/{column}/review"),
            &officer,
            json!({"level": "secret", "reason": "x"}),
        )
        .await;
    assert_eq!(unknown_level.status, StatusCode::BAD_REQUEST);
    let no_reason = app
        .post_json(
            &format!("/api/v1/columns/{column}/review"),
            &officer,
            json!({"level": "pi", "reason": " "}),
        )
        .await;
    assert_eq!(no_reason.status, StatusCode::BAD_REQUEST);

    app.scan(&officer, source).await;
    let after = app
        .get(&format!("/api/v1/columns/{column}"), &officer)
        .await
        .json();
    assert_eq!(after["column"]["level"], "important");
    assert_eq!(after["column"]["detected_level"], "sensitive-pi");
    assert_eq!(after["column"]["reviewed"], true);
    let history = after["history"].as_array().unwrap();
    assert_eq!(history.len(), 1);
    assert_eq!(history[0]["old_level"], "sensitive-pi");
    assert_eq!(history[0]["new_level"], "important");
    assert_eq!(history[0]["username"], "officer_a");
    // The rescan did not duplicate the inventory.
    assert_eq!(
        app.get("/api/v1/tables", &officer)
            .await
            .json()
            .as_array()
            .unwrap()
            .len(),
        1
    );
    let dashboard = app.get("/api/v1/dashboard", &officer).await.json();
    assert_eq!(dashboard["reviewed_columns"], 1);
    assert!(dashboard["sensitive_columns"].as_i64().unwrap() >= 2);
});

on_both_backends!(audit_trail_records_actions_and_verifies, |app| {
    let officer = app.login("officer_a").await;
    let source = app.scanned_csv(&officer, "people.csv", PEOPLE_CSV).await;
    let table = app
        .get(&format!("/api/v1/tables?source_id={source}"), &officer)
        .await
        .json()[0]["id"]
        .clone();
    let column = app
        .get(&format!("/api/v1/tables/{table}"), &officer)
        .await
        .json()["columns"][1]["id"]
        .clone();
    let samples = app
        .get(&format!("/api/v1/columns/{column}/samples"), &officer)
        .await
        .json();
    let first = samples["samples"][0].as_str().unwrap();
    assert!(first.contains('*'), "samples are masked: {first}");
    let entries = app.get("/api/v1/audit", &officer).await.json();
    let actions: Vec<&str> = entries
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["action"].as_str().unwrap())
        .collect();
    for expected in [
        "login",
        "source_create",
        "scan_start",
        "scan_finish",
        "samples_view",
    ] {
        assert!(
            actions.contains(&expected),
            "{expected} missing from {actions:?}"
        );
    }
    // Operator B's officer reads none of A's entries.
    let officer_b = app.login("officer_b").await;
    let theirs = app.get("/api/v1/audit", &officer_b).await.json();
    assert!(
        theirs
            .as_array()
            .unwrap()
            .iter()
            .all(|e| e["actor"] != "officer_a")
    );
    let verify = app.get("/api/v1/audit/verify", &officer).await.json();
    assert_eq!(verify["ok"], true, "{verify}");
    assert_eq!(verify["entries"], verify["verified_entries"]);
    let page = app.get("/audit", &officer).await;
    assert!(page.body.contains("verify ok"));
    // A data admin has no audit right.
    let data_admin = app.login("admin_a").await;
    assert_eq!(
        app.get("/audit", &data_admin).await.status,
        StatusCode::FORBIDDEN
    );
});

#[tokio::test]
async fn tampering_with_the_audit_log_shows_red() {
    let app = common::app(common::Backend::Sqlite, "tampering")
        .await
        .unwrap();
    let officer = app.login("officer_a").await;
    assert_eq!(
        app.get("/api/v1/audit/verify", &officer).await.json()["ok"],
        true
    );
    let log = app
        .dir
        .path()
        .join("audit")
        .join(shuan_ledger::ENTRIES_FILE);
    let mut bytes = std::fs::read(&log).unwrap();
    let at = bytes.windows(5).position(|w| w == b"login").unwrap();
    bytes[at] = b'L';
    std::fs::write(&log, bytes).unwrap();
    let verify = app.get("/api/v1/audit/verify", &officer).await.json();
    assert_eq!(verify["ok"], false, "{verify}");
    let page = app.get("/audit", &officer).await;
    assert!(page.body.contains("verify bad"));
}

#[tokio::test]
async fn jobs_are_cancellable_and_survive_a_restart() {
    let app = common::app(common::Backend::Sqlite, "restart")
        .await
        .unwrap();
    let officer = app.login("officer_a").await;
    std::fs::write(app.allowed.join("p.csv"), PEOPLE_CSV).unwrap();
    let source = app
        .post_json(
            "/api/v1/sources",
            &officer,
            json!({"kind": "path", "system": "s", "name": "n", "location": app.allowed}),
        )
        .await
        .json()["id"]
        .as_i64()
        .unwrap();
    let queued = app
        .post_json(
            &format!("/api/v1/sources/{source}/scan"),
            &officer,
            json!(null),
        )
        .await
        .json()["job_id"]
        .clone();
    let cancel = app
        .post_json(
            &format!("/api/v1/jobs/{queued}/cancel"),
            &officer,
            json!(null),
        )
        .await;
    assert_eq!(cancel.status, StatusCode::OK);
    assert_eq!(
        app.get(&format!("/api/v1/jobs/{queued}"), &officer)
            .await
            .json()["status"],
        "cancelled"
    );
    // A job left running by a crashed process goes back to the queue on the next start.
    let job = app
        .post_json(
            &format!("/api/v1/sources/{source}/scan"),
            &officer,
            json!(null),
        )
        .await
        .json()["job_id"]
        .as_i64()
        .unwrap();
    let claimed = app.state.repo.claim_next_job().await.unwrap().unwrap();
    assert_eq!(claimed.id, job);
    let config = app.state.config.clone();
    drop(app.router);
    drop(app.state);
    let restarted = shuan_server::AppState::open(config).await.unwrap();
    assert_eq!(
        restarted.repo.job(job).await.unwrap().status,
        shuan_server::repo::JobStatus::Queued
    );
    assert!(shuan_server::jobs::run_next_job(&restarted).await.unwrap());
    let done = restarted.repo.job(job).await.unwrap();
    assert_eq!(
        done.status,
        shuan_server::repo::JobStatus::Succeeded,
        "{}",
        done.message
    );
    assert_eq!(done.percent(), 100);
}

#[tokio::test]
async fn openapi_document_covers_every_api_route() {
    let app = common::app(common::Backend::Sqlite, "openapi")
        .await
        .unwrap();
    let officer = app.login("officer_a").await;
    let document = app.get("/api/v1/openapi.json", &officer).await.json();
    assert_eq!(document["openapi"], "3.1.0");
    let endpoints = shuan_server::web::api::endpoints();
    let mut documented = 0;
    for (endpoint, _) in &endpoints {
        assert!(
            document["paths"][endpoint.path][endpoint.method].is_object(),
            "{} {} undocumented",
            endpoint.method,
            endpoint.path
        );
        documented += 1;
        // Routed: an unrouted path is an empty 404 or a 405; ours answer in JSON.
        let path = endpoint.path.replace("{id}", "999999");
        let method = endpoint.method.to_uppercase();
        let reply = app
            .send(
                Request::builder()
                    .method(method.as_str())
                    .uri(if path.ends_with("/upload") {
                        format!("{path}?csrf={}", officer.csrf)
                    } else {
                        path.clone()
                    })
                    .header("cookie", &officer.cookie)
                    .header("x-csrf-token", &officer.csrf)
                    .header("content-type", "application/json")
                    .body(Body::from("{}"))
                    .unwrap(),
            )
            .await;
        assert_ne!(
            reply.status,
            StatusCode::METHOD_NOT_ALLOWED,
            "{method} {path}"
        );
        assert!(
            !reply.body.is_empty(),
            "{method} {path} is not routed ({})",
            reply.status
        );
    }
    let total: usize = document["paths"]
        .as_object()
        .unwrap()
        .values()
        .map(|p| p.as_object().unwrap().len())
        .sum();
    assert_eq!(total, documented);
    // Every path under /api/v1 without a session is refused, not served.
    for (endpoint, _) in &endpoints {
        if endpoint.method == "get" && !endpoint.path.ends_with("openapi.json") {
            let reply = app
                .send(
                    Request::get(endpoint.path.replace("{id}", "1"))
                        .body(Body::empty())
                        .unwrap(),
                )
                .await;
            assert_eq!(reply.status, StatusCode::UNAUTHORIZED, "{}", endpoint.path);
        }
    }
}

#[tokio::test]
async fn pages_render_in_chinese_and_english() {
    let app = common::app(common::Backend::Sqlite, "pages").await.unwrap();
    let login = app
        .send(Request::get("/login").body(Body::empty()).unwrap())
        .await;
    assert_eq!(login.status, StatusCode::OK);
    assert!(login.body.contains("登录"));
    let officer = app.login("officer_a").await;
    app.scanned_csv(&officer, "people.csv", PEOPLE_CSV).await;
    for path in ["/", "/sources", "/jobs", "/inventory", "/audit"] {
        let zh = app.get(path, &officer).await;
        assert_eq!(zh.status, StatusCode::OK, "{path}: {}", zh.body);
        assert!(zh.body.contains("lang=\"zh-CN\""), "{path}");
        let en = app.get(&format!("{path}?lang=en"), &officer).await;
        assert!(
            en.body.contains("lang=\"en\"") && en.body.contains("Sign out"),
            "{path}"
        );
    }
    let switch = app.get("/lang?set=en&next=//evil.example", &officer).await;
    assert_eq!(switch.headers.get("location").unwrap(), "/");
    assert!(
        switch
            .headers
            .get("set-cookie")
            .unwrap()
            .to_str()
            .unwrap()
            .starts_with("shuan_lang=en")
    );
    // Signed out, pages go to the login form.
    let anonymous = app
        .send(Request::get("/inventory").body(Body::empty()).unwrap())
        .await;
    assert_eq!(anonymous.headers.get("location").unwrap(), "/login");
    for path in ["/healthz", "/readyz", "/metrics"] {
        assert_eq!(
            app.send(Request::get(path).body(Body::empty()).unwrap())
                .await
                .status,
            StatusCode::OK
        );
    }
    let metrics = app
        .send(Request::get("/metrics").body(Body::empty()).unwrap())
        .await
        .body;
    assert!(metrics.contains("# TYPE shuan_http_requests_total counter"));
}

on_both_backends!(
    export_lists_only_visible_columns_and_defuses_formulas,
    |app| {
        let officer_a = app.login("officer_a").await;
        let officer_b = app.login("officer_b").await;
        app.scanned_csv(&officer_a, "a.csv", PEOPLE_CSV).await;
        app.scanned_csv(
            &officer_b,
            "b.csv",
            "=HYPERLINK(\"http://x\"),身份证号\n1,120103198001011237\n",
        )
        .await;
        let export = app.get("/api/v1/export/inventory.csv", &officer_a).await;
        assert_eq!(export.status, StatusCode::OK, "{}", export.body);
        assert!(export.body.contains("身份证号") && export.body.contains("运营者A"));
        assert!(!export.body.contains("运营者B"));
        let theirs = app.get("/inventory/export.csv", &officer_b).await.body;
        assert!(theirs.contains("'=HYPERLINK"), "{theirs}");
        assert!(!theirs.contains(",=HYPERLINK") && !theirs.contains("\n=HYPERLINK"));
        let audit = app.get("/api/v1/audit", &officer_a).await.json();
        assert!(
            audit
                .as_array()
                .unwrap()
                .iter()
                .any(|e| e["action"] == "export")
        );
    }
);

on_both_backends!(
    accounts_are_created_within_bounds_and_passwords_change,
    |app| {
        let admin = app.login("admin").await;
        let orgs = app.orgs;
        let regulator = app
        .post_json(
            "/api/v1/organisations",
            &admin,
            json!({"name": "通信管理局", "kind": "regulator", "region": "北京", "industry": "电信"}),
        )
        .await;
        assert_eq!(regulator.status, StatusCode::OK, "{}", regulator.body);
        let officer_a = app.login("officer_a").await;
        let refused = app
            .post_json(
                "/api/v1/organisations",
                &officer_a,
                json!({"name": "x", "kind": "operator", "regulator_id": orgs.regulator}),
            )
            .await;
        assert_eq!(refused.status, StatusCode::FORBIDDEN);
        // The officer adds a data admin to its own operator, not to another one, and no admins.
        let user = |org: i64, name: &str, role: &str| json!({"org_id": org, "username": name, "display_name": name, "role": role, "password": "a long enough password"});
        assert_eq!(
            app.post_json(
                "/api/v1/users",
                &officer_a,
                user(orgs.operator_a, "new_admin", "data_admin")
            )
            .await
            .status,
            StatusCode::OK
        );
        assert_eq!(
            app.post_json(
                "/api/v1/users",
                &officer_a,
                user(orgs.operator_b, "intruder", "data_admin")
            )
            .await
            .status,
            StatusCode::NOT_FOUND
        );
        assert_eq!(
            app.post_json(
                "/api/v1/users",
                &officer_a,
                user(orgs.operator_a, "root2", "platform_admin")
            )
            .await
            .status,
            StatusCode::FORBIDDEN
        );
        assert_eq!(
            app.post_json(
                "/api/v1/users",
                &officer_a,
                user(orgs.operator_a, "reg", "regulator_staff")
            )
            .await
            .status,
            StatusCode::BAD_REQUEST
        );
        let data_admin = app.login("admin_a").await;
        assert_eq!(
            app.post_json(
                "/api/v1/users",
                &data_admin,
                user(orgs.operator_a, "other", "data_admin")
            )
            .await
            .status,
            StatusCode::FORBIDDEN
        );
        let mut weak = user(orgs.operator_a, "weak", "data_admin");
        weak["password"] = json!("short");
        assert_eq!(
            app.post_json("/api/v1/users", &officer_a, weak)
                .await
                .status,
            StatusCode::BAD_REQUEST
        );
        assert_eq!(
            app.try_login("new_admin", "a long enough password")
                .await
                .status,
            StatusCode::SEE_OTHER
        );

        // Password change: the current one is checked; other sessions end; the new one works.
        let other_session = app.login("officer_b").await;
        let this_session = app.login("officer_b").await;
        let wrong = app
            .post_json(
                "/api/v1/me/password",
                &this_session,
                json!({"current": "nope", "new": "another long password"}),
            )
            .await;
        assert_eq!(wrong.status, StatusCode::BAD_REQUEST);
        let changed = app
            .post_json(
                "/api/v1/me/password",
                &this_session,
                json!({"current": common::PASSWORD, "new": "another long password"}),
            )
            .await;
        assert_eq!(changed.status, StatusCode::OK, "{}", changed.body);
        assert_eq!(
            app.get("/api/v1/me", &other_session).await.status,
            StatusCode::UNAUTHORIZED
        );
        assert_eq!(
            app.try_login("officer_b", common::PASSWORD).await.status,
            StatusCode::UNAUTHORIZED
        );
        assert_eq!(
            app.try_login("officer_b", "another long password")
                .await
                .status,
            StatusCode::SEE_OTHER
        );
    }
);

#[tokio::test]
async fn a_new_installation_gets_one_admin_with_a_random_password() {
    let dir = tempfile::tempdir().unwrap();
    let config = shuan_server::Config {
        data_dir: dir.path().to_owned(),
        argon2_memory_kib: 256,
        argon2_iterations: 1,
        ..shuan_server::Config::default()
    };
    let state = shuan_server::AppState::open(config).await.unwrap();
    let password = shuan_server::service::bootstrap_admin(&state)
        .await
        .unwrap()
        .unwrap();
    assert!(password.len() >= 40);
    assert!(
        shuan_server::service::bootstrap_admin(&state)
            .await
            .unwrap()
            .is_none()
    );
    let admin = state.repo.user_by_name("admin").await.unwrap().unwrap();
    assert!(state.hasher.verify(&password, &admin.password_hash));
}

#[tokio::test]
async fn a_scan_merges_its_results_while_another_connection_writes() {
    use sqlx::Connection;
    let app = common::app(common::Backend::Sqlite, "concurrent writer")
        .await
        .unwrap();
    let officer = app.login("officer_a").await;
    let path = app.allowed.join("people.csv");
    std::fs::write(&path, PEOPLE_CSV).unwrap();
    let source = app
        .post_json(
            "/api/v1/sources",
            &officer,
            json!({"kind": "path", "system": "s", "name": "n", "location": path}),
        )
        .await
        .json()["id"]
        .as_i64()
        .unwrap();
    let job = app
        .post_json(
            &format!("/api/v1/sources/{source}/scan"),
            &officer,
            json!(null),
        )
        .await
        .json()["job_id"]
        .as_i64()
        .unwrap();
    let options = shuan_scan::ScanOptions {
        sample: 100,
        full: false,
        show_samples: false,
    };
    let report = shuan_scan::scan(
        &app.state.engine,
        &[path],
        &options,
        &shuan_source::db::ScanOptions::default(),
        false,
    );

    // Another connection (a sign-in, say) holds the write lock while the merge starts reading,
    // and commits a write while the merge waits: the merge must wait for it, not fail with
    // "database is locked" as a deferred transaction does when it has to upgrade.
    let database = app.dir.path().join("shuan.db");
    let mut writer = sqlx::SqliteConnection::connect(&format!("sqlite://{}", database.display()))
        .await
        .unwrap();
    sqlx::query("BEGIN IMMEDIATE")
        .execute(&mut writer)
        .await
        .unwrap();
    sqlx::query("UPDATE users SET display_name = display_name || ''")
        .execute(&mut writer)
        .await
        .unwrap();
    let state = app.state.clone();
    let org = app.orgs.operator_a;
    let merge =
        tokio::spawn(async move { state.repo.apply_report(org, source, job, &report).await });
    tokio::time::sleep(std::time::Duration::from_millis(300)).await;
    sqlx::query("COMMIT").execute(&mut writer).await.unwrap();
    merge.await.unwrap().unwrap();
    let tables = app
        .get(&format!("/api/v1/tables?source_id={source}"), &officer)
        .await
        .json();
    assert_eq!(tables.as_array().unwrap().len(), 1, "{tables}");
}
