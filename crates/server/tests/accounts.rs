//! Accounts, tried the way an attacker would: the TOTP second factor (half-authenticated
//! state, replay, lockout), administration across tenants, vendor grants (scope, expiry,
//! revocation), rate limits, and the audit filters (no leak through a filter).

mod common;

use std::net::SocketAddr;

use axum::body::Body;
use axum::extract::ConnectInfo;
use axum::http::{Request, StatusCode, header};
use serde_json::{Value, json};
use shuan_server::accounts::totp;

use common::{PEOPLE_CSV, Reply, Session, TestApp};

const LOGIN_CSRF: &str = "login-token-0123456789abcdef0123456789";

fn decode_base32(text: &str) -> Vec<u8> {
    const ALPHABET: &str = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
    let (mut buffer, mut bits, mut out) = (0u32, 0u32, Vec::new());
    for c in text.chars() {
        buffer = (buffer << 5) | ALPHABET.find(c).expect("base32") as u32;
        bits += 5;
        if bits >= 8 {
            bits -= 8;
            out.push((buffer >> bits) as u8);
        }
    }
    out
}

/// Now, a few seconds clear of a step boundary, so codes computed for "now" stay current
/// for the rest of the test.
async fn settled_now() -> i64 {
    let now = shuan_server::now();
    if now % totp::STEP_SECONDS >= totp::STEP_SECONDS - 4 {
        tokio::time::sleep(std::time::Duration::from_secs(5)).await;
        return shuan_server::now();
    }
    now
}

fn set_cookie(reply: &Reply, name: &str) -> Option<String> {
    reply
        .headers
        .get_all(header::SET_COOKIE)
        .iter()
        .map(|v| v.to_str().unwrap().to_owned())
        .find(|v| v.starts_with(&format!("{name}=")))
}

/// The password step: returns the challenge cookie (`shuan_mfa=…`).
async fn password_step(app: &TestApp, username: &str) -> String {
    let reply = app.try_login(username, common::PASSWORD).await;
    assert_eq!(reply.status, StatusCode::SEE_OTHER, "{}", reply.body);
    assert_eq!(reply.headers[header::LOCATION], "/login/totp");
    assert!(
        set_cookie(&reply, "shuan_session").is_none(),
        "no session before the code"
    );
    let cookie = set_cookie(&reply, "shuan_mfa").expect("a challenge cookie");
    assert!(cookie.contains("HttpOnly") && cookie.contains("Path=/login/totp"));
    cookie.split(';').next().unwrap().to_owned()
}

async fn code_step(app: &TestApp, challenge: &str, code: &str) -> Reply {
    app.send(
        Request::post("/login/totp")
            .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
            .header(
                header::COOKIE,
                format!("shuan_login_csrf={LOGIN_CSRF}; {challenge}"),
            )
            .body(Body::from(format!("code={code}&csrf={LOGIN_CSRF}")))
            .unwrap(),
    )
    .await
}

/// Enrols `session`'s user, confirming with the previous step's code; returns the secret.
async fn enrol(app: &TestApp, session: &Session, now: i64) -> Vec<u8> {
    let enrolment = app
        .post_json("/api/v1/me/totp/enrol", session, json!(null))
        .await;
    assert_eq!(enrolment.status, StatusCode::OK, "{}", enrolment.body);
    let enrolment = enrolment.json();
    let secret = decode_base32(enrolment["secret"].as_str().unwrap());
    assert_eq!(secret.len(), totp::SECRET_BYTES);
    let uri = enrolment["otpauth_uri"].as_str().unwrap();
    assert!(uri.starts_with("otpauth://totp/Shuan:") && uri.contains("period=30"));
    let wrong = app
        .post_json(
            "/api/v1/me/totp/confirm",
            session,
            json!({"code": "000000"}),
        )
        .await;
    assert_eq!(wrong.status, StatusCode::BAD_REQUEST);
    let previous = totp::code_at(&secret, now - totp::STEP_SECONDS);
    let confirmed = app
        .post_json(
            "/api/v1/me/totp/confirm",
            session,
            json!({"code": previous}),
        )
        .await;
    assert_eq!(confirmed.status, StatusCode::OK, "{}", confirmed.body);
    secret
}

async fn audit_actions(app: &TestApp, query: &str) -> Vec<Value> {
    let admin = app.login("admin").await;
    let reply = app.get(&format!("/api/v1/audit?{query}"), &admin).await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    reply.json().as_array().unwrap().clone()
}

on_both_backends!(second_factor_guards_sign_in, |app| {
    let now = settled_now().await;
    let officer = app.login("officer_a").await;
    let secret = enrol(app, &officer, now).await;
    // Sealed at rest under the master key, never the secret itself.
    let sealed: String =
        sqlx::query_scalar("SELECT totp_secret FROM users WHERE username = 'officer_a'")
            .fetch_one(&app.state.repo.pool)
            .await
            .unwrap();
    assert!(sealed.starts_with("sm4gcm1:"));
    let hex: String = secret.iter().map(|b| format!("{b:02x}")).collect();
    assert!(!sealed.contains(&hex));
    assert_eq!(
        app.get("/api/v1/me/totp", &officer).await.json()["enabled"],
        true
    );

    // Half-authenticated: the challenge reaches nothing but the code form.
    let challenge = password_step(app, "officer_a").await;
    let token = challenge.trim_start_matches("shuan_mfa=");
    for cookie in [challenge.clone(), format!("shuan_session={token}")] {
        let as_cookie = Session {
            cookie,
            csrf: String::new(),
        };
        assert_eq!(
            app.get("/api/v1/me", &as_cookie).await.status,
            StatusCode::UNAUTHORIZED
        );
        assert_eq!(
            app.get("/inventory", &as_cookie).await.headers[header::LOCATION],
            "/login"
        );
    }
    let as_bearer = app
        .send(
            Request::get("/api/v1/me")
                .header(header::AUTHORIZATION, format!("Bearer {token}"))
                .body(Body::empty())
                .unwrap(),
        )
        .await;
    assert_eq!(as_bearer.status, StatusCode::UNAUTHORIZED);
    // The code form needs the sign-in CSRF token like the password form.
    let forged = app
        .send(
            Request::post("/login/totp")
                .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
                .header(header::COOKIE, &challenge)
                .body(Body::from("code=123456"))
                .unwrap(),
        )
        .await;
    assert_eq!(forged.status, StatusCode::FORBIDDEN);

    // A wrong code is refused, the right one signs in.
    let wrong = code_step(app, &challenge, "000000").await;
    assert_eq!(wrong.status, StatusCode::UNAUTHORIZED);
    let code = totp::code_at(&secret, now);
    let signed_in = code_step(app, &challenge, &code).await;
    assert_eq!(
        signed_in.status,
        StatusCode::SEE_OTHER,
        "{}",
        signed_in.body
    );
    let session = set_cookie(&signed_in, "shuan_session").expect("a session");
    let session = Session {
        cookie: session.split(';').next().unwrap().to_owned(),
        csrf: String::new(),
    };
    assert_eq!(app.get("/api/v1/me", &session).await.status, StatusCode::OK);
    // The challenge is spent.
    assert_eq!(
        code_step(app, &challenge, &code).await.headers[header::LOCATION],
        "/login"
    );

    // Replay: the same code in a new sign-in is refused.
    let again = password_step(app, "officer_a").await;
    assert_eq!(
        code_step(app, &again, &code).await.status,
        StatusCode::UNAUTHORIZED
    );

    // Disabling needs a fresh code; a wrong one is refused.
    assert_eq!(
        app.post_json("/api/v1/me/totp/disable", &officer, json!({"code": code}))
            .await
            .status,
        StatusCode::BAD_REQUEST
    );
    let next = totp::code_at(&secret, now + totp::STEP_SECONDS);
    let disabled = app
        .post_json("/api/v1/me/totp/disable", &officer, json!({"code": next}))
        .await;
    assert_eq!(disabled.status, StatusCode::OK, "{}", disabled.body);
    // Without the factor the password alone signs in again.
    app.login("officer_a").await;

    let actions: Vec<String> = audit_actions(app, "actor=officer_a")
        .await
        .iter()
        .map(|e| {
            format!(
                "{} {}",
                e["action"].as_str().unwrap(),
                e["detail"].as_str().unwrap()
            )
        })
        .collect();
    for expected in [
        "totp_enable ",
        "login password+totp",
        "login_failed wrong second-factor code",
        "totp_disable ",
        "totp_code_failed enrolment",
    ] {
        assert!(
            actions.iter().any(|a| a == expected),
            "{expected:?} not in {actions:?}"
        );
    }
});

on_both_backends!(wrong_codes_lock_the_account, |app| {
    let now = settled_now().await;
    let admin = app.login("admin_a").await;
    let secret = enrol(app, &admin, now).await;
    let challenge = password_step(app, "admin_a").await;
    // The test platform locks after 5 failures.
    for attempt in 1..=4 {
        let reply = code_step(app, &challenge, "999999").await;
        assert_eq!(reply.status, StatusCode::UNAUTHORIZED, "attempt {attempt}");
    }
    let fifth = code_step(app, &challenge, "999999").await;
    assert_eq!(
        fifth.headers[header::LOCATION],
        "/login",
        "locked: start over"
    );
    // Locked: the right password and the right code are both refused now.
    assert_eq!(
        app.try_login("admin_a", common::PASSWORD).await.status,
        StatusCode::UNAUTHORIZED
    );
    assert_eq!(
        code_step(app, &challenge, &totp::code_at(&secret, now))
            .await
            .headers[header::LOCATION],
        "/login"
    );
    let failures = audit_actions(app, "actor=admin_a&action=login_failed").await;
    assert!(failures.len() >= 6, "{failures:?}");

    // The lost device: the officer resets the password (lifting the lock) and removes the
    // second factor; the password alone signs in again.
    let officer = app.login("officer_a").await;
    let users = app.get("/api/v1/users", &officer).await.json();
    let id = users
        .as_array()
        .unwrap()
        .iter()
        .find(|u| u["username"] == "admin_a")
        .unwrap()["id"]
        .as_i64()
        .unwrap();
    assert_eq!(
        users.to_string().matches("\"totp_enabled\":true").count(),
        1
    );
    for (path, body) in [
        (
            format!("/api/v1/users/{id}/password"),
            json!({"password": common::PASSWORD}),
        ),
        (format!("/api/v1/users/{id}/totp/reset"), json!(null)),
    ] {
        let reply = app.post_json(&path, &officer, body).await;
        assert_eq!(reply.status, StatusCode::OK, "{path}: {}", reply.body);
    }
    app.login("admin_a").await;
});

on_both_backends!(administration_stays_within_the_operator, |app| {
    let admin = app.login("admin").await;
    let officer = app.login("officer_a").await;
    let data_admin = app.login("admin_a").await;
    let token = app
        .post_json("/api/v1/tokens", &data_admin, json!({"name": "ci"}))
        .await
        .json()["token"]
        .as_str()
        .unwrap()
        .to_owned();
    let bearer = |path: &str| {
        Request::get(path)
            .header(header::AUTHORIZATION, format!("Bearer {token}"))
            .body(Body::empty())
            .unwrap()
    };
    assert_eq!(app.send(bearer("/api/v1/me")).await.status, StatusCode::OK);

    // An officer lists its operator's users only; the admin lists everyone.
    let users = app.get("/api/v1/users", &officer).await.json();
    let names: Vec<&str> = users
        .as_array()
        .unwrap()
        .iter()
        .map(|u| u["username"].as_str().unwrap())
        .collect();
    assert!(names.contains(&"admin_a") && names.contains(&"vendor_a"));
    assert!(!names.contains(&"officer_b") && !names.contains(&"admin"));
    assert!(!users.to_string().contains("argon2"), "no password hashes");
    let all = app.get("/api/v1/users", &admin).await.json();
    assert!(all.as_array().unwrap().len() >= 9);
    for role in ["regulator", "admin_a", "vendor_a", "auditor_a"] {
        let session = app.login(role).await;
        assert_eq!(
            app.get("/api/v1/users", &session).await.status,
            StatusCode::FORBIDDEN,
            "{role}"
        );
        assert_eq!(
            app.get("/admin/users", &session).await.status,
            StatusCode::FORBIDDEN,
            "{role}"
        );
    }
    let id_of = |name: &str| {
        all.as_array()
            .unwrap()
            .iter()
            .find(|u| u["username"] == name)
            .unwrap()["id"]
            .as_i64()
            .unwrap()
    };

    // Another operator's users, and missing ones, are not there for the officer.
    let officer_b = id_of("officer_b");
    for path in [
        format!("/api/v1/users/{officer_b}/disable"),
        format!("/api/v1/users/{officer_b}/enable"),
        "/api/v1/users/999999/disable".to_owned(),
    ] {
        let reply = app.post_json(&path, &officer, json!(null)).await;
        assert_eq!(reply.status, StatusCode::NOT_FOUND, "{path}");
    }
    let reply = app
        .post_json(
            &format!("/api/v1/users/{officer_b}/password"),
            &officer,
            json!({"password": "a brand new password"}),
        )
        .await;
    assert_eq!(reply.status, StatusCode::NOT_FOUND);
    let reply = app
        .post_json(
            &format!("/api/v1/users/{officer_b}/totp/reset"),
            &officer,
            json!(null),
        )
        .await;
    assert_eq!(reply.status, StatusCode::NOT_FOUND);
    // Nor oneself.
    let own = app
        .post_json(
            &format!("/api/v1/users/{}/disable", id_of("officer_a")),
            &officer,
            json!(null),
        )
        .await;
    assert_eq!(own.status, StatusCode::BAD_REQUEST);
    // CSRF: the session's token is required.
    let target = id_of("admin_a");
    let no_csrf = app
        .send(
            Request::post(format!("/api/v1/users/{target}/disable"))
                .header(header::COOKIE, &officer.cookie)
                .body(Body::empty())
                .unwrap(),
        )
        .await;
    assert_eq!(no_csrf.status, StatusCode::FORBIDDEN);

    // Disabling ends sessions and stops tokens; the password no longer signs in.
    let reply = app
        .post_form(&format!("/admin/users/{target}/disable"), &officer, "")
        .await;
    assert_eq!(reply.status, StatusCode::SEE_OTHER, "{}", reply.body);
    assert_eq!(
        app.get("/api/v1/me", &data_admin).await.status,
        StatusCode::UNAUTHORIZED
    );
    assert_eq!(
        app.send(bearer("/api/v1/me")).await.status,
        StatusCode::UNAUTHORIZED
    );
    assert_eq!(
        app.try_login("admin_a", common::PASSWORD).await.status,
        StatusCode::UNAUTHORIZED
    );
    app.post_json(
        &format!("/api/v1/users/{target}/enable"),
        &officer,
        json!(null),
    )
    .await;
    assert_eq!(app.send(bearer("/api/v1/me")).await.status, StatusCode::OK);

    // A reset password replaces the old one and ends sessions.
    let session = app.login("admin_a").await;
    let reply = app
        .post_json(
            &format!("/api/v1/users/{target}/password"),
            &officer,
            json!({"password": "short"}),
        )
        .await;
    assert_eq!(reply.status, StatusCode::BAD_REQUEST);
    let reply = app
        .post_form(
            &format!("/admin/users/{target}/password"),
            &officer,
            "password=a+brand+new+password",
        )
        .await;
    assert_eq!(reply.status, StatusCode::SEE_OTHER, "{}", reply.body);
    assert_eq!(
        app.get("/api/v1/me", &session).await.status,
        StatusCode::UNAUTHORIZED
    );
    assert_eq!(
        app.try_login("admin_a", common::PASSWORD).await.status,
        StatusCode::UNAUTHORIZED
    );
    assert_eq!(
        app.try_login("admin_a", "a brand new password")
            .await
            .status,
        StatusCode::SEE_OTHER
    );

    // Organisations: the admin registers them through the page; an officer cannot.
    let reply = app
        .post_form(
            "/admin/organisations",
            &admin,
            "name=%E7%9B%91%E7%AE%A1C&kind=regulator&regulator_id=&region=%E4%B8%8A%E6%B5%B7&industry=%E9%87%91%E8%9E%8D",
        )
        .await;
    assert_eq!(reply.status, StatusCode::SEE_OTHER, "{}", reply.body);
    let orgs = app.get("/admin/organisations", &admin).await;
    assert!(orgs.body.contains("监管C") && orgs.body.contains("金融"));
    let refused = app
        .post_form(
            "/admin/organisations",
            &officer,
            "name=x&kind=operator&regulator_id=1&region=&industry=",
        )
        .await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN);
    // The user page lists and creates within the officer's operator.
    let page = app.get("/admin/users", &officer).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.body.contains("vendor_a") && !page.body.contains("officer_b"));
    let reply = app
        .post_form(
            "/admin/users",
            &officer,
            &format!(
                "org_id={}&username=new_vendor&display_name=&role=vendor&password=long+enough+password",
                app.orgs.operator_a
            ),
        )
        .await;
    assert_eq!(reply.status, StatusCode::SEE_OTHER, "{}", reply.body);
    let into_other = app
        .post_form(
            "/admin/users",
            &officer,
            &format!(
                "org_id={}&username=planted&display_name=&role=vendor&password=long+enough+password",
                app.orgs.operator_b
            ),
        )
        .await;
    assert_eq!(into_other.status, StatusCode::NOT_FOUND);

    let actions: Vec<String> = audit_actions(app, "actor=officer_a")
        .await
        .iter()
        .map(|e| e["action"].as_str().unwrap().to_owned())
        .collect();
    for expected in [
        "user_disable",
        "user_enable",
        "password_reset",
        "user_create",
    ] {
        assert!(actions.iter().any(|a| a == expected), "{expected}");
    }
});

/// A path source in `system`, scanned; returns (source id, one table id, one column id).
async fn scanned_in_system(
    app: &TestApp,
    session: &Session,
    system: &str,
    file: &str,
) -> (i64, i64, i64) {
    let path = app.allowed.join(file);
    std::fs::write(&path, PEOPLE_CSV).unwrap();
    let source = app
        .post_json(
            "/api/v1/sources",
            session,
            json!({"kind": "path", "system": system, "name": file, "location": path}),
        )
        .await
        .json()["id"]
        .as_i64()
        .unwrap();
    app.scan(session, source).await;
    let tables = app
        .get(&format!("/api/v1/tables?source_id={source}"), session)
        .await
        .json();
    let table = tables[0]["id"].as_i64().unwrap();
    let column = app
        .get(&format!("/api/v1/tables/{table}"), session)
        .await
        .json()["columns"][0]["id"]
        .as_i64()
        .unwrap();
    (source, table, column)
}

/// The vendor reaches neither the list nor the records of the CRM system.
async fn sees_nothing(app: &TestApp, vendor: &Session, table: i64, column: i64, label: &str) {
    assert_eq!(
        app.get("/api/v1/tables", vendor).await.json(),
        json!([]),
        "{label}"
    );
    for path in [
        format!("/api/v1/tables/{table}"),
        format!("/api/v1/columns/{column}"),
        format!("/inventory/tables/{table}"),
    ] {
        let reply = app.get(&path, vendor).await;
        assert_eq!(reply.status, StatusCode::NOT_FOUND, "{label} {path}");
    }
}

fn system_id(systems: &Value, name: &str) -> i64 {
    systems
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["name"] == name)
        .unwrap()["id"]
        .as_i64()
        .unwrap()
}

on_both_backends!(
    vendors_see_only_granted_systems_until_expiry_or_revocation,
    |app| {
        let officer = app.login("officer_a").await;
        let (crm_source, crm_table, crm_column) =
            scanned_in_system(app, &officer, "CRM", "crm.csv").await;
        let (_, erp_table, erp_column) = scanned_in_system(app, &officer, "ERP", "erp.csv").await;
        let officer_b = app.login("officer_b").await;
        let (_, b_table, _) = scanned_in_system(app, &officer_b, "CRM", "b.csv").await;
        let systems = app.get("/api/v1/systems", &officer).await.json();
        let crm = system_id(&systems, "CRM");
        let b_systems = app.get("/api/v1/systems", &officer_b).await.json();
        let b_crm = system_id(&b_systems, "CRM");
        assert_ne!(crm, b_crm);
        let users = app.get("/api/v1/users", &officer).await.json();
        let vendor_id = users
            .as_array()
            .unwrap()
            .iter()
            .find(|u| u["username"] == "vendor_a")
            .unwrap()["id"]
            .as_i64()
            .unwrap();
        let admin_a_id = users
            .as_array()
            .unwrap()
            .iter()
            .find(|u| u["username"] == "admin_a")
            .unwrap()["id"]
            .as_i64()
            .unwrap();

        let vendor = app.login("vendor_a").await;
        let sees_nothing =
            |label: &'static str| sees_nothing(app, &vendor, crm_table, crm_column, label);
        sees_nothing("before any grant").await;

        // Grants are made within one's own operator only.
        let in_a_day = shuan_server::now() + 86_400;
        for (session, vendor, system, expected) in [
            (&officer_b, vendor_id, b_crm, StatusCode::NOT_FOUND), // another operator's vendor
            (&officer_b, vendor_id, crm, StatusCode::NOT_FOUND),   // another operator's system
            (&officer, vendor_id, b_crm, StatusCode::NOT_FOUND),   // another operator's system
            (&officer, admin_a_id, crm, StatusCode::BAD_REQUEST),  // not a vendor
        ] {
            let reply = app
                .post_json(
                    "/api/v1/grants",
                    session,
                    json!({"vendor_id": vendor, "system_id": system, "expires_at": in_a_day}),
                )
                .await;
            assert_eq!(reply.status, expected, "{}", reply.body);
        }
        for role in ["vendor_a", "admin_a", "regulator", "auditor_a"] {
            let session = app.login(role).await;
            let reply = app
                .post_json(
                    "/api/v1/grants",
                    &session,
                    json!({"vendor_id": vendor_id, "system_id": crm, "expires_at": in_a_day}),
                )
                .await;
            assert!(
                matches!(reply.status, StatusCode::FORBIDDEN | StatusCode::NOT_FOUND),
                "{role}: {}",
                reply.status
            );
        }
        for expires_at in [shuan_server::now() - 1, shuan_server::now() + 400 * 86_400] {
            let reply = app
                .post_json(
                    "/api/v1/grants",
                    &officer,
                    json!({"vendor_id": vendor_id, "system_id": crm, "expires_at": expires_at}),
                )
                .await;
            assert_eq!(reply.status, StatusCode::BAD_REQUEST);
        }
        sees_nothing("after refused grants").await;

        // The page grants CRM for a day.
        let reply = app
            .post_form(
                "/admin/grants",
                &officer,
                &format!("vendor_id={vendor_id}&system_id={crm}&days=1"),
            )
            .await;
        assert_eq!(reply.status, StatusCode::SEE_OTHER, "{}", reply.body);
        let grant = app.get("/api/v1/grants", &officer).await.json()[0].clone();
        assert_eq!(grant["system"], "CRM");
        let grant_id = grant["id"].as_i64().unwrap();
        assert_eq!(
            app.get("/api/v1/grants", &officer_b).await.json(),
            json!([])
        );

        let vendor = app.login("vendor_a").await;
        let tables = app.get("/api/v1/tables", &vendor).await.json();
        let ids: Vec<i64> = tables
            .as_array()
            .unwrap()
            .iter()
            .map(|t| t["id"].as_i64().unwrap())
            .collect();
        assert_eq!(ids, vec![crm_table]);
        for path in [
            format!("/api/v1/tables/{crm_table}"),
            format!("/api/v1/columns/{crm_column}"),
            format!("/inventory/tables/{crm_table}"),
            format!("/inventory/columns/{crm_column}"),
        ] {
            assert_eq!(
                app.get(&path, &vendor).await.status,
                StatusCode::OK,
                "{path}"
            );
        }
        // Nothing else: other systems, other operators, samples, reviews, sources, jobs, audit.
        for path in [
            format!("/api/v1/tables/{erp_table}"),
            format!("/api/v1/columns/{erp_column}"),
            format!("/api/v1/tables/{b_table}"),
            format!("/api/v1/sources/{crm_source}"),
        ] {
            assert_eq!(
                app.get(&path, &vendor).await.status,
                StatusCode::NOT_FOUND,
                "{path}"
            );
        }
        assert_eq!(
            app.get(&format!("/api/v1/columns/{crm_column}/samples"), &vendor)
                .await
                .status,
            StatusCode::FORBIDDEN
        );
        assert_eq!(
            app.post_json(
                &format!("/api/v1/columns/{crm_column}/review"),
                &vendor,
                json!({"level": "general", "reason": "vendor"})
            )
            .await
            .status,
            StatusCode::FORBIDDEN
        );
        assert_eq!(app.get("/api/v1/sources", &vendor).await.json(), json!([]));
        assert_eq!(app.get("/api/v1/jobs", &vendor).await.json(), json!([]));
        assert_eq!(
            app.get("/api/v1/audit", &vendor).await.status,
            StatusCode::FORBIDDEN
        );
        assert_eq!(
            app.get(
                &format!("/api/v1/tables?source_id={crm_source}&level=general&q=x"),
                &vendor
            )
            .await
            .status,
            StatusCode::OK
        );

        // Another operator's officer cannot revoke it; the owner can, and it ends at once.
        assert_eq!(
            app.post_json(
                &format!("/api/v1/grants/{grant_id}/revoke"),
                &officer_b,
                json!(null)
            )
            .await
            .status,
            StatusCode::NOT_FOUND
        );
        assert_eq!(
            app.get(&format!("/api/v1/tables/{crm_table}"), &vendor)
                .await
                .status,
            StatusCode::OK
        );
        let reply = app
            .post_form(&format!("/admin/grants/{grant_id}/revoke"), &officer, "")
            .await;
        assert_eq!(reply.status, StatusCode::SEE_OTHER, "{}", reply.body);
        sees_nothing("after revocation").await;

        // Expiry: a grant past its time opens nothing, with no one acting.
        let reply = app
            .post_json(
                "/api/v1/grants",
                &officer,
                json!({"vendor_id": vendor_id, "system_id": crm, "expires_at": in_a_day}),
            )
            .await;
        let second = reply.json()["id"].as_i64().unwrap();
        assert_eq!(
            app.get(&format!("/api/v1/tables/{crm_table}"), &vendor)
                .await
                .status,
            StatusCode::OK
        );
        sqlx::query("UPDATE vendor_grants SET expires_at = $1 WHERE id = $2")
            .bind(shuan_server::now() - 1)
            .bind(second)
            .execute(&app.state.repo.pool)
            .await
            .unwrap();
        sees_nothing("after expiry").await;

        let actions: Vec<String> = audit_actions(app, "")
            .await
            .iter()
            .map(|e| {
                format!(
                    "{} {}",
                    e["action"].as_str().unwrap(),
                    e["target"].as_str().unwrap()
                )
            })
            .collect();
        for expected in [
            format!("vendor_grant grant:{grant_id}"),
            format!("vendor_revoke grant:{grant_id}"),
            format!("vendor_view table:{crm_table}"),
            format!("vendor_view column:{crm_column}"),
        ] {
            assert!(actions.contains(&expected), "{expected} not in {actions:?}");
        }
        let page = app.get("/admin/grants", &officer).await;
        assert!(page.body.contains("vendor_a") && page.body.contains("CRM"));
    }
);

fn from_address(
    request: axum::http::request::Builder,
    address: &str,
) -> axum::http::request::Builder {
    request.extension(ConnectInfo(address.parse::<SocketAddr>().unwrap()))
}

async fn login_from(app: &TestApp, address: &str, username: &str) -> Reply {
    app.send(
        from_address(Request::post("/login"), address)
            .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
            .header(header::COOKIE, format!("shuan_login_csrf={LOGIN_CSRF}"))
            .body(Body::from(format!(
                "username={username}&password=wrong+password&csrf={LOGIN_CSRF}"
            )))
            .unwrap(),
    )
    .await
}

on_both_backends!(sign_in_and_api_are_rate_limited, |app| {
    // Per address (20 at once by default): different usernames from one address.
    for i in 0..20 {
        let reply = login_from(app, "198.51.100.7:40000", &format!("guess{i}")).await;
        assert_eq!(reply.status, StatusCode::UNAUTHORIZED, "attempt {i}");
    }
    let limited = login_from(app, "198.51.100.7:40001", "guess20").await;
    assert_eq!(limited.status, StatusCode::TOO_MANY_REQUESTS);
    let retry: u64 = limited.headers[header::RETRY_AFTER]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!((1..=60).contains(&retry), "{retry}");
    // Another address is not affected.
    assert_eq!(
        login_from(app, "203.0.113.9:5000", "guess21").await.status,
        StatusCode::UNAUTHORIZED
    );

    // Per username (10 at once), from anywhere: the 11th attempt on one name is refused
    // even from fresh addresses, before the password is checked.
    for i in 0..10 {
        let reply = login_from(app, &format!("192.0.2.{i}:1"), "officer_b").await;
        assert_eq!(reply.status, StatusCode::UNAUTHORIZED, "attempt {i}");
    }
    let limited = login_from(app, "192.0.2.200:1", "OFFICER_B").await;
    assert_eq!(limited.status, StatusCode::TOO_MANY_REQUESTS);
    assert!(limited.headers.contains_key(header::RETRY_AFTER));

    // The API: 600 requests at once per session, then 429; other sessions go on.
    let busy = app.login("officer_a").await;
    let other = app.login("auditor_a").await;
    // Tokens refill at 100 a second while the loop runs, so the refusal comes somewhat after
    // the 600th request; it must come, with a Retry-After.
    let mut admitted = 0;
    let refused = loop {
        let reply = app.get("/api/v1/me", &busy).await;
        if reply.status != StatusCode::OK {
            break reply;
        }
        admitted += 1;
        assert!(admitted < 20_000, "never limited");
    };
    assert_eq!(refused.status, StatusCode::TOO_MANY_REQUESTS);
    assert!(admitted >= 600, "{admitted}");
    assert_eq!(refused.headers[header::RETRY_AFTER], "1");
    assert_eq!(app.get("/api/v1/me", &other).await.status, StatusCode::OK);
    // Pages are not counted against the API budget.
    assert_eq!(app.get("/inventory", &busy).await.status, StatusCode::OK);
});

on_both_backends!(audit_filters_narrow_and_page_without_leaking, |app| {
    let officer_a = app.login("officer_a").await;
    let officer_b = app.login("officer_b").await;
    app.scanned_csv(&officer_a, "a.csv", PEOPLE_CSV).await;
    app.scanned_csv(&officer_b, "b.csv", PEOPLE_CSV).await;
    app.try_login("officer_a", "wrong password!").await;

    let logins = app
        .get("/api/v1/audit?action=login", &officer_a)
        .await
        .json();
    let logins = logins.as_array().unwrap();
    assert!(!logins.is_empty());
    assert!(
        logins
            .iter()
            .all(|e| e["action"] == "login" && e["org_id"] == app.orgs.operator_a)
    );
    let failed = app
        .get(
            "/api/v1/audit?actor=officer_a&action=login_failed",
            &officer_a,
        )
        .await
        .json();
    assert_eq!(failed.as_array().unwrap().len(), 1);
    // Filtering on another operator shows nothing of it.
    let other = app
        .get(
            &format!("/api/v1/audit?org_id={}", app.orgs.operator_b),
            &officer_a,
        )
        .await
        .json();
    assert_eq!(other, json!([]));
    let by_b = app
        .get("/api/v1/audit?actor=officer_b", &officer_a)
        .await
        .json();
    assert_eq!(by_b, json!([]));
    // The admin narrows to operator B.
    let admin = app.login("admin").await;
    let b_entries = app
        .get(
            &format!("/api/v1/audit?org_id={}", app.orgs.operator_b),
            &admin,
        )
        .await
        .json();
    assert!(!b_entries.as_array().unwrap().is_empty());
    assert!(
        b_entries
            .as_array()
            .unwrap()
            .iter()
            .all(|e| e["org_id"] == app.orgs.operator_b)
    );

    // Time range: everything is from today; nothing from before 2000 or after 2100.
    let now = shuan_server::now();
    let today = app
        .get(
            &format!("/api/v1/audit?from={}&to={}", now - 3600, now + 3600),
            &officer_a,
        )
        .await
        .json();
    assert_eq!(
        today.as_array().unwrap().len(),
        app.get("/api/v1/audit", &officer_a)
            .await
            .json()
            .as_array()
            .unwrap()
            .len()
    );
    for range in ["to=1999-12-31", "from=2100-01-01"] {
        assert_eq!(
            app.get(&format!("/api/v1/audit?{range}"), &officer_a)
                .await
                .json(),
            json!([]),
            "{range}"
        );
    }
    for bad in ["from=yesterday", "org_id=1%20OR%201=1", "to=2026-02-30"] {
        assert_eq!(
            app.get(&format!("/api/v1/audit?{bad}"), &officer_a)
                .await
                .status,
            StatusCode::BAD_REQUEST,
            "{bad}"
        );
    }

    // Paging: two at a time, each page older than the last, the Link header carrying the
    // filters along.
    let mut seen = Vec::new();
    let mut next =
        Some("/api/v1/audit?limit=2&org_id=".to_owned() + &app.orgs.operator_a.to_string());
    while let Some(path) = next.take() {
        let reply = app.get(&path, &officer_a).await;
        let page = reply.json();
        let indices: Vec<u64> = page
            .as_array()
            .unwrap()
            .iter()
            .map(|e| e["index"].as_u64().unwrap())
            .collect();
        assert!(indices.len() <= 2);
        if let Some(last) = seen.last() {
            assert!(
                indices.iter().all(|i| i < last),
                "{indices:?} after {seen:?}"
            );
        }
        seen.extend(indices);
        next = reply.headers.get(header::LINK).map(|link| {
            let link = link.to_str().unwrap();
            assert!(
                link.contains("org_id=")
                    && link.contains("limit=2")
                    && link.ends_with("rel=\"next\"")
            );
            link.trim_start_matches('<')
                .split('>')
                .next()
                .unwrap()
                .to_owned()
        });
    }
    let everything = app.get("/api/v1/audit?limit=1000", &officer_a).await.json();
    assert_eq!(seen.len(), everything.as_array().unwrap().len());

    // The page: filters kept in the form, script in them escaped, verification shown.
    let page = app
        .get(
            "/audit?actor=%3Cscript%3Ealert(1)%3C%2Fscript%3E&action=login&from=2020-01-01",
            &officer_a,
        )
        .await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.body.contains("&lt;script&gt;") && !page.body.contains("<script>"));
    assert!(page.body.contains("verify ok"));
    let page = app.get("/audit?action=login&org_id=", &officer_a).await;
    assert!(
        page.body.contains("<code>login</code>") && !page.body.contains("<code>scan_start</code>")
    );
});

on_both_backends!(every_new_unsafe_route_needs_the_csrf_token, |app| {
    let officer = app.login("officer_a").await;
    let id = 1;
    for path in [
        "/account/password".to_owned(),
        "/account/totp/enrol".to_owned(),
        "/account/totp/confirm".to_owned(),
        "/account/totp/disable".to_owned(),
        "/admin/organisations".to_owned(),
        "/admin/users".to_owned(),
        format!("/admin/users/{id}/disable"),
        format!("/admin/users/{id}/enable"),
        format!("/admin/users/{id}/password"),
        format!("/admin/users/{id}/totp/reset"),
        "/admin/grants".to_owned(),
        format!("/admin/grants/{id}/revoke"),
        "/api/v1/me/totp/enrol".to_owned(),
        "/api/v1/me/totp/confirm".to_owned(),
        "/api/v1/me/totp/disable".to_owned(),
        format!("/api/v1/users/{id}/disable"),
        format!("/api/v1/users/{id}/enable"),
        format!("/api/v1/users/{id}/password"),
        format!("/api/v1/users/{id}/totp/reset"),
        "/api/v1/grants".to_owned(),
        format!("/api/v1/grants/{id}/revoke"),
    ] {
        for (content_type, body) in [
            (
                "application/x-www-form-urlencoded",
                "code=123456&password=x".to_owned(),
            ),
            (
                "application/x-www-form-urlencoded",
                "csrf=forged-token-of-the-right-length-000000&code=1".to_owned(),
            ),
            ("application/json", "{}".to_owned()),
        ] {
            let reply = app
                .send(
                    Request::post(&path)
                        .header(header::COOKIE, &officer.cookie)
                        .header(header::CONTENT_TYPE, content_type)
                        .body(Body::from(body))
                        .unwrap(),
                )
                .await;
            assert_eq!(reply.status, StatusCode::FORBIDDEN, "{path} {content_type}");
        }
    }
    // Nothing happened: no second factor is pending.
    assert_eq!(
        app.get("/api/v1/me/totp", &officer).await.json()["enabled"],
        false
    );
    let pending: Option<String> =
        sqlx::query_scalar("SELECT totp_pending FROM users WHERE username = 'officer_a'")
            .fetch_one(&app.state.repo.pool)
            .await
            .unwrap();
    assert!(pending.is_none());
});

on_both_backends!(account_pages_render_in_both_languages, |app| {
    let officer = app.login("officer_a").await;
    for lang in ["zh", "en"] {
        for path in ["/account", "/admin/users", "/admin/grants", "/audit"] {
            let reply = app.get(&format!("{path}?lang={lang}"), &officer).await;
            assert_eq!(
                reply.status,
                StatusCode::OK,
                "{path} {lang}: {}",
                reply.body
            );
        }
    }
    let page = app.get("/account?lang=en", &officer).await;
    assert!(page.body.contains("Set up the second factor"));
    let enrol = app.post_form("/account/totp/enrol", &officer, "").await;
    assert_eq!(enrol.status, StatusCode::OK);
    // (minijinja escapes `/` in HTML as `&#x2f;`.)
    assert!(enrol.body.contains("Shuan:officer_a?secret="));
    assert!(enrol.body.contains("<svg ") && enrol.body.contains("<path d=\"M4,4h1v1h-1z"));
    let wrong = app
        .post_form("/account/totp/confirm", &officer, "code=000000")
        .await;
    assert_eq!(wrong.status, StatusCode::BAD_REQUEST);
    assert!(wrong.body.contains("动态口令错误"));
    // Not shown again: the page after the set-up started has no secret on it.
    let later = app.get("/account", &officer).await;
    assert!(!later.body.contains("otpauth://"));
    // Only known notices are shown.
    let notice = app.get("/account?done=%3Cb%3Ex", &officer).await;
    assert!(!notice.body.contains("<b>x"));
    // The vendor lands on the inventory; its menu has the inventory and its account only.
    let landing = app.try_login("vendor_a", common::PASSWORD).await;
    assert_eq!(landing.headers[header::LOCATION], "/inventory");
    let vendor = app.login("vendor_a").await;
    let page = app.get("/inventory", &vendor).await;
    assert!(
        !page.body.contains("href=\"/sources\"") && !page.body.contains("href=\"/admin/users\"")
    );
});
