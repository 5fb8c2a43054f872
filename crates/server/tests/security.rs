//! Tests that try to break the platform: other tenants' ids, missing CSRF tokens, script in
//! scanned data, SQL in filters, hostile uploads, password guessing.

mod common;

use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use serde_json::json;

use common::{PEOPLE_CSV, Reply, TestApp};

/// Ids of one operator's source, job, table and column, after a scan.
struct Owned {
    source: i64,
    job: i64,
    table: i64,
    column: i64,
}

async fn owned_by(app: &TestApp, session: &common::Session, file: &str) -> Owned {
    let source = app.scanned_csv(session, file, PEOPLE_CSV).await;
    let job = app.get("/api/v1/jobs", session).await.json()[0]["id"]
        .as_i64()
        .unwrap();
    let tables = app
        .get(&format!("/api/v1/tables?source_id={source}"), session)
        .await
        .json();
    let table = tables[0]["id"].as_i64().unwrap();
    let column = app
        .get(&format!("/api/v1/tables/{table}"), session)
        .await
        .json()["columns"][1]["id"]
        .as_i64()
        .unwrap();
    Owned {
        source,
        job,
        table,
        column,
    }
}

fn assert_hidden(reply: &Reply, what: &str) {
    assert_eq!(
        reply.status,
        StatusCode::NOT_FOUND,
        "{what}: {}",
        reply.body
    );
}

on_both_backends!(cross_tenant_access_is_refused_on_every_route, |app| {
    let officer_a = app.login("officer_a").await;
    let officer_b = app.login("officer_b").await;
    let b = owned_by(app, &officer_b, "b.csv").await;
    let reads = [
        format!("/api/v1/sources/{}", b.source),
        format!("/api/v1/jobs/{}", b.job),
        format!("/api/v1/tables/{}", b.table),
        format!("/api/v1/columns/{}", b.column),
        format!("/api/v1/columns/{}/samples", b.column),
        format!("/inventory/tables/{}", b.table),
        format!("/inventory/columns/{}", b.column),
        format!("/inventory/columns/{}?samples=1", b.column),
    ];
    for path in &reads {
        assert_hidden(&app.get(path, &officer_a).await, path);
    }
    let writes = [
        (format!("/api/v1/sources/{}/scan", b.source), json!(null)),
        (format!("/api/v1/jobs/{}/cancel", b.job), json!(null)),
        (
            format!("/api/v1/columns/{}/review", b.column),
            json!({"level": "general", "reason": "x"}),
        ),
    ];
    for (path, body) in &writes {
        assert_hidden(&app.post_json(path, &officer_a, body.clone()).await, path);
    }
    for path in [
        format!("/sources/{}/scan", b.source),
        format!("/jobs/{}/cancel", b.job),
        format!("/inventory/columns/{}/review", b.column),
    ] {
        let reply = app
            .post_form(&path, &officer_a, "level=general&reason=x")
            .await;
        assert_eq!(reply.status, StatusCode::NOT_FOUND, "{path}");
    }
    // Lists and counts leave the other operator out.
    for path in ["/api/v1/sources", "/api/v1/jobs", "/api/v1/tables"] {
        assert_eq!(app.get(path, &officer_a).await.json(), json!([]), "{path}");
    }
    assert_eq!(
        app.get("/api/v1/dashboard", &officer_a).await.json()["columns"],
        0
    );
    let orgs = app.get("/api/v1/organisations", &officer_a).await.json();
    assert_eq!(orgs.as_array().unwrap().len(), 1);
    // The label was not changed by the refused review.
    let column = app
        .get(&format!("/api/v1/columns/{}", b.column), &officer_b)
        .await
        .json();
    assert_eq!(column["column"]["reviewed"], false);

    // The regulator reads operators in its jurisdiction, but changes nothing and sees no
    // sample values; another regulator sees nothing.
    let regulator = app.login("regulator").await;
    assert_eq!(
        app.get(&format!("/api/v1/tables/{}", b.table), &regulator)
            .await
            .status,
        StatusCode::OK
    );
    assert_eq!(
        app.get(&format!("/api/v1/columns/{}/samples", b.column), &regulator)
            .await
            .status,
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        app.post_json(
            &format!("/api/v1/sources/{}/scan", b.source),
            &regulator,
            json!(null)
        )
        .await
        .status,
        StatusCode::FORBIDDEN
    );
    let other = app.login("other_regulator").await;
    for path in &reads {
        assert_hidden(&app.get(path, &other).await, path);
    }
    assert_eq!(app.get("/api/v1/tables", &other).await.json(), json!([]));

    // A vendor of the same operator without a grant sees none of it (grants: tests/accounts.rs).
    let officer_a_source = app.scanned_csv(&officer_a, "a.csv", PEOPLE_CSV).await;
    let vendor = app.login("vendor_a").await;
    assert_hidden(
        &app.get(&format!("/api/v1/sources/{officer_a_source}"), &vendor)
            .await,
        "a source, to a vendor",
    );
    assert_hidden(
        &app.post_json(
            &format!("/api/v1/sources/{officer_a_source}/scan"),
            &vendor,
            json!(null),
        )
        .await,
        "a scan, by a vendor",
    );
    assert_eq!(
        app.get("/api/v1/audit", &vendor).await.status,
        StatusCode::FORBIDDEN
    );
});

on_both_backends!(unsafe_requests_need_the_csrf_token, |app| {
    let officer = app.login("officer_a").await;
    let source = app.scanned_csv(&officer, "p.csv", PEOPLE_CSV).await;
    let path = format!("/api/v1/sources/{source}/scan");
    let without = app
        .send(
            Request::post(&path)
                .header(header::COOKIE, &officer.cookie)
                .body(Body::empty())
                .unwrap(),
        )
        .await;
    assert_eq!(without.status, StatusCode::FORBIDDEN);
    let wrong = app
        .send(
            Request::post(&path)
                .header(header::COOKIE, &officer.cookie)
                .header("x-csrf-token", "forged")
                .body(Body::empty())
                .unwrap(),
        )
        .await;
    assert_eq!(wrong.status, StatusCode::FORBIDDEN);
    // A form without its csrf field.
    let form = app
        .send(
            Request::post(format!("/sources/{source}/scan"))
                .header(header::COOKIE, &officer.cookie)
                .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
                .body(Body::from("x=1"))
                .unwrap(),
        )
        .await;
    assert_eq!(form.status, StatusCode::FORBIDDEN);
    // Logout without a token does not end the session.
    let logout = app
        .send(
            Request::post("/logout")
                .header(header::COOKIE, &officer.cookie)
                .body(Body::empty())
                .unwrap(),
        )
        .await;
    assert_eq!(logout.status, StatusCode::FORBIDDEN);
    assert_eq!(app.get("/api/v1/me", &officer).await.status, StatusCode::OK);
    // The login form is double-submit protected.
    let login = app
        .send(
            Request::post("/login")
                .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
                .body(Body::from(format!(
                    "username=officer_a&password={}&csrf=abc",
                    common::urlencode(common::PASSWORD)
                )))
                .unwrap(),
        )
        .await;
    assert_eq!(login.status, StatusCode::FORBIDDEN);
    // With the token it works; so does an API token with none.
    assert_eq!(
        app.post_json(&path, &officer, json!(null)).await.status,
        StatusCode::OK
    );
    let token = app
        .post_json("/api/v1/tokens", &officer, json!({"name": "ci"}))
        .await
        .json()["token"]
        .as_str()
        .unwrap()
        .to_owned();
    let with_token = app
        .send(
            Request::post(&path)
                .header(header::AUTHORIZATION, format!("Bearer {token}"))
                .body(Body::empty())
                .unwrap(),
        )
        .await;
    assert_eq!(with_token.status, StatusCode::OK, "{}", with_token.body);
    let bad_token = app
        .send(
            Request::get("/api/v1/me")
                .header(header::AUTHORIZATION, "Bearer shuan_guess")
                .body(Body::empty())
                .unwrap(),
        )
        .await;
    assert_eq!(bad_token.status, StatusCode::UNAUTHORIZED);
});

on_both_backends!(script_in_scanned_data_comes_out_escaped, |app| {
    let officer = app.login("officer_a").await;
    let payload = "<script>alert(1)</script>";
    let csv = format!(
        "\"{payload}\",\"<img src=x onerror=alert(2)>\",手机号\n\"{payload}\",\"\"\"><svg onload=alert(3)>\",13812345678\n"
    );
    let source = app.scanned_csv(&officer, "x\"<b>.csv", &csv).await;
    let table = app
        .get(&format!("/api/v1/tables?source_id={source}"), &officer)
        .await
        .json()[0]["id"]
        .as_i64()
        .unwrap();
    let columns = app
        .get(&format!("/api/v1/tables/{table}"), &officer)
        .await
        .json()["columns"]
        .clone();
    let column = columns[0]["id"].as_i64().unwrap();
    app.post_form(
        &format!("/inventory/columns/{column}/review"),
        &officer,
        &format!(
            "entity=%3Cb%3E&category=x&level=pi&reason={}",
            common::urlencode(payload)
        ),
    )
    .await;
    for path in [
        "/inventory".to_owned(),
        format!("/inventory/tables/{table}"),
        format!("/inventory/columns/{column}"),
        format!("/inventory/columns/{column}?samples=1"),
        "/sources".to_owned(),
        "/audit".to_owned(),
    ] {
        let page = app.get(&path, &officer).await;
        assert_eq!(page.status, StatusCode::OK, "{path}");
        for raw in ["<script>alert", "<img src=x", "<svg onload", "<b>"] {
            assert!(!page.body.contains(raw), "{path} contains {raw}");
        }
    }
    let page = app
        .get(&format!("/inventory/tables/{table}"), &officer)
        .await;
    assert!(
        page.body
            .contains("&lt;script&gt;alert(1)&lt;&#x2f;script&gt;")
            || page.body.contains("&lt;script&gt;")
    );
    let csp = page
        .headers
        .get("content-security-policy")
        .unwrap()
        .to_str()
        .unwrap();
    assert!(csp.contains("default-src 'none'") && !csp.contains("unsafe-inline"));
    assert_eq!(page.headers.get("x-frame-options").unwrap(), "DENY");
    assert_eq!(
        page.headers.get("x-content-type-options").unwrap(),
        "nosniff"
    );
});

on_both_backends!(sql_in_filters_is_only_data, |app| {
    let officer = app.login("officer_a").await;
    app.scanned_csv(&officer, "people.csv", PEOPLE_CSV).await;
    for query in [
        "q=%27%20OR%201%3D1%20--",
        "level=x%27%20OR%20%271%27%3D%271",
        "q=%27%3B%20DROP%20TABLE%20inventory_tables%3B%20--",
        "level=%22%29%20UNION%20SELECT%20*%20FROM%20users%20--",
    ] {
        let reply = app.get(&format!("/api/v1/tables?{query}"), &officer).await;
        assert_eq!(reply.status, StatusCode::OK, "{query}");
        assert_eq!(reply.json(), json!([]), "{query}");
        let page = app.get(&format!("/inventory?{query}"), &officer).await;
        assert_eq!(page.status, StatusCode::OK);
    }
    assert_eq!(
        app.get("/api/v1/tables?source_id=1%20OR%201=1", &officer)
            .await
            .status,
        StatusCode::BAD_REQUEST
    );
    assert_eq!(
        app.get("/api/v1/tables", &officer)
            .await
            .json()
            .as_array()
            .unwrap()
            .len(),
        1
    );
});

fn multipart(file_name: &str, content: &[u8]) -> (String, Vec<u8>) {
    let boundary = "shuanboundary7MA4YWxkTrZu0gW";
    let mut body = format!(
        "--{boundary}\r\nContent-Disposition: form-data; name=\"system\"\r\n\r\nCRM\r\n\
         --{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"{file_name}\"\r\n\
         Content-Type: text/csv\r\n\r\n"
    )
    .into_bytes();
    body.extend_from_slice(content);
    body.extend_from_slice(format!("\r\n--{boundary}--\r\n").as_bytes());
    (format!("multipart/form-data; boundary={boundary}"), body)
}

async fn upload(
    app: &TestApp,
    session: &common::Session,
    file_name: &str,
    content: &[u8],
) -> Reply {
    let (content_type, body) = multipart(file_name, content);
    app.send(
        Request::post(format!(
            "/api/v1/sources/upload?csrf={}",
            common::urlencode(&session.csrf)
        ))
        .header(header::COOKIE, &session.cookie)
        .header(header::CONTENT_TYPE, content_type)
        .body(Body::from(body))
        .unwrap(),
    )
    .await
}

on_both_backends!(uploads_are_bounded_and_plainly_named, |app| {
    let officer = app.login("officer_a").await;
    for name in [
        "../../etc/passwd",
        "..\\..\\boot.ini",
        ".bashrc",
        "a/b.csv",
        "/etc/cron.d/x",
    ] {
        let reply = upload(app, &officer, name, b"a,b\n1,2\n").await;
        assert_eq!(
            reply.status,
            StatusCode::BAD_REQUEST,
            "{name}: {}",
            reply.body
        );
    }
    let big = vec![b'x'; 64 * 1024 + 1];
    assert_eq!(
        upload(app, &officer, "big.csv", &big).await.status,
        StatusCode::PAYLOAD_TOO_LARGE
    );
    let far_too_big = vec![b'x'; 512 * 1024];
    assert_eq!(
        upload(app, &officer, "huge.csv", &far_too_big).await.status,
        StatusCode::PAYLOAD_TOO_LARGE
    );
    let ok = upload(app, &officer, "客户.csv", PEOPLE_CSV.as_bytes()).await;
    assert_eq!(ok.status, StatusCode::OK, "{}", ok.body);
    let source = app
        .get(&format!("/api/v1/sources/{}", ok.json()["id"]), &officer)
        .await
        .json();
    let location = std::path::Path::new(source["location"].as_str().unwrap());
    assert!(location.starts_with(app.dir.path().join("uploads")));
    assert!(location.ends_with("客户.csv"));
    // Nothing else was written under uploads: refused files left no trace.
    let files = walk_files(&app.dir.path().join("uploads"));
    assert_eq!(files.len(), 1, "{files:?}");
    // A vendor may not upload at all (its operator's sources are not even visible to it).
    let vendor = app.login("vendor_a").await;
    assert_eq!(
        upload(app, &vendor, "v.csv", b"a\n1\n").await.status,
        StatusCode::NOT_FOUND
    );
    // Server paths stay under the allowed roots.
    for location in ["/etc/passwd", "/etc", "../../../../etc"] {
        let reply = app
            .post_json(
                "/api/v1/sources",
                &officer,
                json!({"kind": "path", "system": "s", "name": "n", "location": location}),
            )
            .await;
        assert_eq!(reply.status, StatusCode::BAD_REQUEST, "{location}");
    }
});

fn walk_files(dir: &std::path::Path) -> Vec<std::path::PathBuf> {
    let mut found = Vec::new();
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            found.extend(walk_files(&path));
        } else {
            found.push(path);
        }
    }
    found
}

on_both_backends!(password_guessing_locks_the_account, |app| {
    for _ in 0..5 {
        assert_eq!(
            app.try_login("officer_b", "guess").await.status,
            StatusCode::UNAUTHORIZED
        );
    }
    // Locked: even the right password is refused now, with the same answer.
    let locked = app.try_login("officer_b", common::PASSWORD).await;
    assert_eq!(locked.status, StatusCode::UNAUTHORIZED);
    assert!(
        !locked
            .headers
            .get_all(header::SET_COOKIE)
            .iter()
            .any(|c| c.to_str().unwrap().starts_with("shuan_session="))
    );
    assert_eq!(
        app.try_login("nobody", "guess").await.status,
        StatusCode::UNAUTHORIZED
    );
    // Other accounts are unaffected, and the attempts are in the audit trail.
    let admin = app.login("admin").await;
    let audit = app.get("/api/v1/audit", &admin).await.json();
    let failures = audit
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["action"] == "login_failed")
        .count();
    assert_eq!(failures, 7);
});

on_both_backends!(database_passwords_are_sealed_and_never_shown, |app| {
    let officer = app.login("officer_a").await;
    let reply = app
        .post_json(
            "/api/v1/sources",
            &officer,
            json!({"kind": "database", "system": "ERP", "name": "erp", "location": "postgres://reader:S3cret%21pw@db.example:5432/erp"}),
        )
        .await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    let id = reply.json()["id"].as_i64().unwrap();
    for path in [
        format!("/api/v1/sources/{id}"),
        "/api/v1/sources".into(),
        "/sources".into(),
        "/api/v1/audit".into(),
    ] {
        let body = app.get(&path, &officer).await.body;
        assert!(!body.contains("S3cret"), "{path}");
    }
    let sealed = app.state.repo.source_secret(id).await.unwrap().unwrap();
    assert!(sealed.starts_with("sm4gcm1:") && !sealed.contains("S3cret"));
    let source = app.state.repo.source(id).await.unwrap();
    let context = shuan_server::jobs::secret_context(source.org_id, &source.location);
    assert_eq!(
        app.state.secrets.open(&sealed, &context).unwrap(),
        "S3cret%21pw"
    );
});
