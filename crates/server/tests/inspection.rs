//! Inspections, rectification orders and interviews end to end through the router: the
//! reproducible double-random draw, every step of an order and who may take it, overdue
//! orders flagged on both sides, other operators and other regulators kept out (404), CSRF
//! on every new unsafe route, and findings' text escaped on the pages.

mod common;

use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use chrono::Duration;
use serde_json::{Value, json};
use shuan_incident::{Clock, SystemClock, TestClock};
use shuan_server::auth::{OrgKind, Role};
use std::sync::Arc;

use common::{Reply, Session, TestApp};

const DAY: i64 = 86_400;
/// A checklist item of the bundled `tianjin-self-check` library, read from the library so
/// the test follows it.
fn first_checklist_item() -> String {
    shuan_server::inspection::checklist_items("tianjin-self-check", "zh")
        .first()
        .expect("the self-check has items")
        .0
        .clone()
}

fn ok(reply: &Reply, what: &str) -> Value {
    assert_eq!(reply.status, StatusCode::OK, "{what}: {}", reply.body);
    reply.json()
}

fn status(reply: &Reply, expected: StatusCode, what: &str) {
    assert_eq!(reply.status, expected, "{what}: {}", reply.body);
}

fn inspection_body(seed: Option<&str>, operators: usize, key_first: bool) -> Value {
    json!({
        "kind": "routine", "title": "2026年度数据安全检查", "checklist": "tianjin-self-check",
        "scheduled_for": shuan_server::now() + 3 * DAY, "operators": operators, "inspectors": 2,
        "key_first": key_first, "seed": seed,
    })
}

async fn create_inspection(app: &TestApp, regulator: &Session, body: Value) -> i64 {
    ok(
        &app.post_json("/api/v1/inspections", regulator, body).await,
        "create inspection",
    )["id"]
        .as_i64()
        .unwrap()
}

/// The drawn operator and inspector ids of an inspection, in drawing order.
async fn drawn(app: &TestApp, session: &Session, id: i64) -> (Vec<i64>, Vec<i64>) {
    let view = ok(
        &app.get(&format!("/api/v1/inspections/{id}"), session).await,
        "inspection",
    );
    let ids = |list: &Value, key: &str| -> Vec<i64> {
        list.as_array()
            .unwrap()
            .iter()
            .map(|v| v[key].as_i64().unwrap())
            .collect()
    };
    (
        ids(&view["targets"], "org_id"),
        ids(&view["inspectors"], "user_id"),
    )
}

/// More operators and staff for regulator A, so a draw has something to choose from.
async fn grow_jurisdiction(app: &TestApp) {
    let repo = &app.state.repo;
    for n in 1..=6 {
        repo.create_organisation(
            &format!("运营者A{n}"),
            OrgKind::Operator,
            Some(app.orgs.regulator),
            "天津",
            if n % 2 == 0 { "金融" } else { "互联网" },
        )
        .await
        .unwrap();
    }
    let hash = app.state.hasher.hash(common::PASSWORD).unwrap();
    for n in 1..=3 {
        let name = format!("inspector{n}");
        repo.create_user(
            app.orgs.regulator,
            &name,
            &name,
            Role::RegulatorStaff,
            &hash,
        )
        .await
        .unwrap();
    }
}

on_both_backends!(the_draw_is_reproducible_from_its_seed, |app| {
    grow_jurisdiction(app).await;
    let regulator = app.login("regulator").await;
    let first =
        create_inspection(app, &regulator, inspection_body(Some("20261126"), 3, false)).await;
    let again =
        create_inspection(app, &regulator, inspection_body(Some("20261126"), 3, false)).await;
    let (operators, inspectors) = drawn(app, &regulator, first).await;
    assert_eq!(operators.len(), 3);
    assert_eq!(inspectors.len(), 2);
    assert_eq!(
        drawn(app, &regulator, again).await,
        (operators.clone(), inspectors.clone())
    );
    let view = ok(
        &app.get(&format!("/api/v1/inspections/{first}"), &regulator)
            .await,
        "inspection",
    );
    assert_eq!(view["inspection"]["draw"]["seed"], "20261126");
    assert_eq!(view["draw_verified"], true);
    // The recorded candidates are all of the jurisdiction's operators (8) and staff (4).
    let draw = &view["inspection"]["draw"];
    assert_eq!(draw["other_candidates"].as_array().unwrap().len(), 8);
    assert_eq!(draw["inspector_candidates"].as_array().unwrap().len(), 4);
    // Another seed draws differently (some seed among a few; 56 ordered triples of 8).
    let mut differs = false;
    for seed in ["1", "2", "3", "4"] {
        let other = create_inspection(app, &regulator, inspection_body(Some(seed), 3, false)).await;
        differs |= drawn(app, &regulator, other).await.0 != operators;
    }
    assert!(differs, "the seed decides the draw");
    // Without a seed one is generated, recorded and redoes the same draw.
    let random = create_inspection(app, &regulator, inspection_body(None, 2, false)).await;
    let view = ok(
        &app.get(&format!("/api/v1/inspections/{random}"), &regulator)
            .await,
        "inspection",
    );
    assert!(
        view["inspection"]["draw"]["seed"]
            .as_str()
            .unwrap()
            .parse::<u64>()
            .is_ok()
    );
    assert_eq!(view["draw_verified"], true);
    // Filters narrow the candidates: the financial operators only.
    let mut body = inspection_body(Some("5"), 10, false);
    body["industry"] = json!("金融");
    let finance = create_inspection(app, &regulator, body).await;
    assert_eq!(drawn(app, &regulator, finance).await.0.len(), 3);
    // Bad requests are refused.
    for (field, value) in [
        ("seed", json!("not a number")),
        ("operators", json!(0)),
        ("kind", json!("surprise")),
        ("checklist", json!("no-such-library")),
        ("industry", json!("无此行业")),
    ] {
        let mut body = inspection_body(Some("1"), 1, false);
        body[field] = value;
        status(
            &app.post_json("/api/v1/inspections", &regulator, body).await,
            StatusCode::BAD_REQUEST,
            field,
        );
    }
});

on_both_backends!(key_operators_are_drawn_first_when_asked, |app| {
    grow_jurisdiction(app).await;
    let regulator = app.login("regulator").await;
    ok(
        &app.post_json(
            &format!(
                "/api/v1/registry/operators/{}/key-operator",
                app.orgs.operator_b
            ),
            &regulator,
            json!({"listed": true, "reason": "重要数据处理者"}),
        )
        .await,
        "key operator",
    );
    for seed in ["11", "12", "13"] {
        let id = create_inspection(app, &regulator, inspection_body(Some(seed), 2, true)).await;
        let (operators, _) = drawn(app, &regulator, id).await;
        assert_eq!(operators[0], app.orgs.operator_b, "seed {seed}");
        assert_ne!(operators[1], app.orgs.operator_b);
    }
});

/// An inspection of operators A and B (both drawn: they are the only two), a finding about
/// A and an order issued from it; returns (inspection, finding, order).
async fn inspection_with_order(app: &TestApp, regulator: &Session) -> (i64, i64, i64) {
    let inspection = create_inspection(app, regulator, inspection_body(Some("7"), 2, false)).await;
    let finding = ok(
        &app.post_json(
            &format!("/api/v1/inspections/{inspection}/findings"),
            regulator,
            json!({"org_id": app.orgs.operator_a, "requirement": first_checklist_item(),
                   "severity": "high", "description": "未建立数据分类分级制度"}),
        )
        .await,
        "finding",
    )["id"]
        .as_i64()
        .unwrap();
    let order = ok(
        &app.post_json(
            "/api/v1/rectifications",
            regulator,
            json!({"inspection_id": inspection, "org_id": app.orgs.operator_a,
                   "finding_ids": [finding], "requirements": "30日内制定并发布分类分级制度",
                   "deadline": shuan_server::now() + 30 * DAY}),
        )
        .await,
        "issue",
    )["id"]
        .as_i64()
        .unwrap();
    (inspection, finding, order)
}

fn evidence_upload(file_name: &str, content: &[u8]) -> (String, Vec<u8>) {
    let boundary = "shuanboundaryRectify42";
    let mut body = format!(
        "--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"{file_name}\"\r\n\
         Content-Type: application/octet-stream\r\n\r\n"
    )
    .into_bytes();
    body.extend_from_slice(content);
    body.extend_from_slice(format!("\r\n--{boundary}--\r\n").as_bytes());
    (format!("multipart/form-data; boundary={boundary}"), body)
}

async fn upload_evidence(app: &TestApp, session: &Session, order: i64, csrf: &str) -> Reply {
    let (content_type, body) = evidence_upload("制度发布通知.pdf", b"%PDF-1.4 rectified");
    app.send(
        Request::post(format!(
            "/api/v1/rectifications/{order}/evidence?csrf={}",
            common::urlencode(csrf)
        ))
        .header(header::COOKIE, &session.cookie)
        .header(header::CONTENT_TYPE, content_type)
        .body(Body::from(body))
        .unwrap(),
    )
    .await
}

async fn fire(app: &TestApp, session: &Session, order: i64, event: &str, comment: &str) -> Reply {
    app.post_json(
        &format!("/api/v1/rectifications/{order}/transition"),
        session,
        json!({"event": event, "comment": comment}),
    )
    .await
}

async fn order_status(app: &TestApp, session: &Session, order: i64) -> String {
    ok(
        &app.get(&format!("/api/v1/rectifications/{order}"), session)
            .await,
        "order",
    )["order"]["status"]
        .as_str()
        .unwrap()
        .to_owned()
}

on_both_backends!(
    an_order_goes_to_closure_and_only_the_right_people_move_it,
    |app| {
        let regulator = app.login("regulator").await;
        let officer_a = app.login("officer_a").await;
        let admin_a = app.login("admin_a").await;
        let auditor_a = app.login("auditor_a").await;
        let (_, _, order) = inspection_with_order(app, &regulator).await;
        assert_eq!(order_status(app, &officer_a, order).await, "issued");
        // The answer needs evidence and words; the regulator cannot answer, the auditor neither.
        status(
            &fire(app, &officer_a, order, "answer", "已整改").await,
            StatusCode::BAD_REQUEST,
            "answer without evidence",
        );
        status(
            &upload_evidence(app, &auditor_a, order, &auditor_a.csrf).await,
            StatusCode::FORBIDDEN,
            "the auditor uploads",
        );
        ok(
            &upload_evidence(app, &officer_a, order, &officer_a.csrf).await,
            "evidence",
        );
        status(
            &fire(app, &officer_a, order, "answer", "").await,
            StatusCode::BAD_REQUEST,
            "answer without text",
        );
        for (session, event, who) in [
            (&regulator, "answer", "regulator answers"),
            (&auditor_a, "answer", "auditor answers"),
            (&officer_a, "close", "officer closes before the answer"),
        ] {
            let reply = fire(app, session, order, event, "x").await;
            assert!(
                matches!(
                    reply.status,
                    StatusCode::FORBIDDEN | StatusCode::BAD_REQUEST
                ),
                "{who}: {} {}",
                reply.status,
                reply.body
            );
            assert_eq!(
                order_status(app, &officer_a, order).await,
                "issued",
                "{who}"
            );
        }
        ok(
            &fire(app, &officer_a, order, "answer", "已发布分类分级制度").await,
            "answer",
        );
        // Answered: the operator waits, the regulator sends back (with reasons) or closes.
        status(
            &fire(app, &officer_a, order, "close", "").await,
            StatusCode::FORBIDDEN,
            "the operator closes its own order",
        );
        status(
            &fire(app, &regulator, order, "send_back", "").await,
            StatusCode::BAD_REQUEST,
            "send back without reasons",
        );
        ok(
            &fire(app, &regulator, order, "send_back", "制度未覆盖核心数据").await,
            "send back",
        );
        assert_eq!(order_status(app, &officer_a, order).await, "returned");
        // The data administrator answers too.
        ok(
            &fire(app, &admin_a, order, "answer", "已补充核心数据条款").await,
            "answer again",
        );
        ok(
            &fire(app, &regulator, order, "close", "核验通过").await,
            "close",
        );
        let view = ok(
            &app.get(&format!("/api/v1/rectifications/{order}"), &officer_a)
                .await,
            "order",
        );
        assert_eq!(view["order"]["status"], "closed");
        assert!(view["allowed_events"].as_array().unwrap().is_empty());
        // Each side was told of the other's moves in its inbox, and no one else was.
        let events = |inbox: Value| -> Vec<String> {
            inbox["messages"]
                .as_array()
                .unwrap()
                .iter()
                .filter(|m| m["link"] == format!("/rectifications/{order}"))
                .map(|m| m["event"].as_str().unwrap().to_owned())
                .rev()
                .collect()
        };
        let officer_inbox = app.get("/api/v1/inbox", &officer_a).await.json();
        assert_eq!(
            events(officer_inbox),
            [
                "rectification_issue",
                "rectification_send_back",
                "rectification_close"
            ]
        );
        let regulator_inbox = app.get("/api/v1/inbox", &regulator).await.json();
        assert_eq!(
            events(regulator_inbox),
            ["rectification_answer", "rectification_answer"]
        );
        let officer_b = app.login("officer_b").await;
        assert!(events(app.get("/api/v1/inbox", &officer_b).await.json()).is_empty());
        let events: Vec<&str> = view["events"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| e["event"].as_str().unwrap())
            .collect();
        assert_eq!(events, ["issue", "answer", "send_back", "answer", "close"]);
        status(
            &upload_evidence(app, &officer_a, order, &officer_a.csrf).await,
            StatusCode::BAD_REQUEST,
            "evidence after closure",
        );
        // Everything was audited.
        let admin = app.login("admin").await;
        let audit = ok(&app.get("/api/v1/audit?limit=200", &admin).await, "audit");
        let actions: Vec<&str> = audit
            .as_array()
            .unwrap()
            .iter()
            .map(|e| e["action"].as_str().unwrap())
            .collect();
        for expected in [
            "inspection_create",
            "inspection_finding",
            "rectification_issue",
            "rectification_evidence",
            "rectification_answer",
            "rectification_send_back",
            "rectification_close",
        ] {
            assert!(
                actions.contains(&expected),
                "{expected} audited: {actions:?}"
            );
        }
        // The evidence downloads for both sides (audited too).
        let evidence = view["evidence"][0]["id"].as_i64().unwrap();
        let download = app
            .get(
                &format!("/rectifications/{order}/evidence/{evidence}"),
                &regulator,
            )
            .await;
        status(&download, StatusCode::OK, "download");
        assert_eq!(download.body, "%PDF-1.4 rectified");
    }
);

/// The platform's clock, standing at the real now until the test moves it.
fn clock_at_now() -> Arc<TestClock> {
    Arc::new(TestClock::new(SystemClock.now()))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn overdue_orders_are_flagged_to_both_sides_sqlite() {
    let clock = clock_at_now();
    let app = common::app_with_clock(common::Backend::Sqlite, "overdue::sqlite", clock.clone())
        .await
        .unwrap();
    overdue_orders_are_flagged_to_both_sides(&app, &clock).await;
    app.finish().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn overdue_orders_are_flagged_to_both_sides_postgres() {
    let clock = clock_at_now();
    let Some(app) = common::app_with_clock(
        common::Backend::Postgres,
        "overdue::postgres",
        clock.clone(),
    )
    .await
    else {
        return;
    };
    overdue_orders_are_flagged_to_both_sides(&app, &clock).await;
    app.finish().await;
}

async fn overdue_orders_are_flagged_to_both_sides(app: &TestApp, clock: &TestClock) {
    let regulator = app.login("regulator").await;
    let officer_a = app.login("officer_a").await;
    let (_, _, order) = inspection_with_order(app, &regulator).await;
    assert_eq!(
        ok(
            &app.get("/api/v1/rectifications?overdue=true", &regulator)
                .await,
            "list"
        ),
        json!([])
    );
    // A day before the deadline (30 days out) nothing is overdue; a day after, it is.
    clock.advance(Duration::days(29));
    assert_eq!(
        ok(
            &app.get("/api/v1/rectifications?overdue=true", &officer_a)
                .await,
            "list"
        ),
        json!([])
    );
    clock.advance(Duration::days(2));
    for session in [&regulator, &officer_a] {
        let overdue = ok(
            &app.get("/api/v1/rectifications?overdue=true", session)
                .await,
            "list",
        );
        assert_eq!(overdue.as_array().unwrap().len(), 1);
        assert_eq!(overdue[0]["id"], order);
        let page = app.get(&format!("/rectifications/{order}"), session).await;
        status(&page, StatusCode::OK, "order page");
        assert!(page.body.contains("badge overdue") && page.body.contains("role=\"alert\""));
        let menu = app.get("/supervision", session).await;
        assert!(menu.body.contains("overdue-stat"), "the menu warns");
    }
    // Answered late: no longer the operator's turn, so no longer overdue.
    ok(
        &upload_evidence(app, &officer_a, order, &officer_a.csrf).await,
        "evidence",
    );
    ok(
        &fire(app, &officer_a, order, "answer", "已整改").await,
        "answer",
    );
    let view = ok(
        &app.get(&format!("/api/v1/rectifications/{order}"), &regulator)
            .await,
        "order",
    );
    assert_eq!(view["order"]["overdue"], false);
    // Sent back after the deadline: overdue again.
    ok(
        &fire(app, &regulator, order, "send_back", "证据不足").await,
        "send back",
    );
    let view = ok(
        &app.get(&format!("/api/v1/rectifications/{order}"), &officer_a)
            .await,
        "order",
    );
    assert_eq!(view["order"]["overdue"], true);
    // A deadline in the past by the platform's clock is refused when issuing (a day after
    // the real now is 30 days before the clock's).
    let inspection = view["order"]["inspection_id"].as_i64().unwrap();
    let finding = view["findings"][0]["id"].as_i64().unwrap();
    status(
        &app.post_json(
            "/api/v1/rectifications",
            &regulator,
            json!({"inspection_id": inspection, "org_id": app.orgs.operator_a,
                   "finding_ids": [finding], "requirements": "x",
                   "deadline": shuan_server::now() + DAY}),
        )
        .await,
        StatusCode::BAD_REQUEST,
        "past deadline",
    );
}

on_both_backends!(other_operators_and_regulators_see_nothing, |app| {
    let regulator = app.login("regulator").await;
    let officer_a = app.login("officer_a").await;
    let officer_b = app.login("officer_b").await;
    let vendor_a = app.login("vendor_a").await;
    let other_regulator = app.login("other_regulator").await;
    let officer_c = app.login("officer_c").await;
    let (inspection, finding, order) = inspection_with_order(app, &regulator).await;
    ok(
        &upload_evidence(app, &officer_a, order, &officer_a.csrf).await,
        "evidence",
    );
    let evidence = ok(
        &app.get(&format!("/api/v1/rectifications/{order}"), &officer_a)
            .await,
        "order",
    )["evidence"][0]["id"]
        .as_i64()
        .unwrap();
    let interview = ok(
        &app.post_json(
            "/api/v1/interviews",
            &regulator,
            json!({"org_id": app.orgs.operator_a, "held_at": shuan_server::now(),
                   "participants": "监管A：张三；运营者A：李四", "summary": "约谈数据泄露风险",
                   "follow_ups": "15日内提交整改报告"}),
        )
        .await,
        "interview",
    )["id"]
        .as_i64()
        .unwrap();
    // Operator B was drawn too: it sees the inspection, but only its own part.
    let seen_by_b = ok(
        &app.get(&format!("/api/v1/inspections/{inspection}"), &officer_b)
            .await,
        "B's view",
    );
    assert!(
        seen_by_b["inspection"]["draw"].is_null(),
        "the draw names other candidates"
    );
    assert_eq!(seen_by_b["targets"].as_array().unwrap().len(), 1);
    assert_eq!(seen_by_b["targets"][0]["org_id"], app.orgs.operator_b);
    assert_eq!(seen_by_b["findings"], json!([]));
    let listed_for_b = ok(
        &app.get("/api/v1/inspections", &officer_b).await,
        "B's list",
    );
    assert_eq!(listed_for_b.as_array().unwrap().len(), 1);
    assert!(listed_for_b[0]["draw"].is_null());
    let page = app
        .get(&format!("/inspections/{inspection}"), &officer_b)
        .await;
    assert!(
        !page.body.contains("未建立数据分类分级制度"),
        "A's finding shown to B"
    );
    for session in [&officer_b, &vendor_a, &other_regulator, &officer_c] {
        for path in [
            format!("/api/v1/rectifications/{order}"),
            format!("/rectifications/{order}"),
            format!("/rectifications/{order}/evidence/{evidence}"),
            format!("/api/v1/interviews/{interview}"),
        ] {
            status(&app.get(&path, session).await, StatusCode::NOT_FOUND, &path);
        }
        for list in ["/api/v1/rectifications", "/api/v1/interviews"] {
            assert_eq!(ok(&app.get(list, session).await, list), json!([]), "{list}");
        }
        status(
            &fire(app, session, order, "answer", "x").await,
            StatusCode::NOT_FOUND,
            "transition",
        );
        status(
            &upload_evidence(app, session, order, &session.csrf).await,
            StatusCode::NOT_FOUND,
            "evidence upload",
        );
    }
    for session in [&vendor_a, &other_regulator, &officer_c] {
        for path in [
            format!("/api/v1/inspections/{inspection}"),
            format!("/inspections/{inspection}"),
        ] {
            status(&app.get(&path, session).await, StatusCode::NOT_FOUND, &path);
        }
        assert_eq!(
            ok(&app.get("/api/v1/inspections", session).await, "list"),
            json!([])
        );
    }
    // The other regulator can neither add to the inspection nor act on operator A.
    status(
        &app.post_json(
            &format!("/api/v1/inspections/{inspection}/findings"),
            &other_regulator,
            json!({"org_id": app.orgs.operator_a, "severity": "low", "description": "x"}),
        )
        .await,
        StatusCode::NOT_FOUND,
        "foreign finding",
    );
    status(
        &app.post_json(
            "/api/v1/rectifications",
            &other_regulator,
            json!({"inspection_id": inspection, "org_id": app.orgs.operator_a,
                   "finding_ids": [finding], "requirements": "x",
                   "deadline": shuan_server::now() + DAY}),
        )
        .await,
        StatusCode::NOT_FOUND,
        "foreign order",
    );
    status(
        &app.post_json(
            "/api/v1/interviews",
            &other_regulator,
            json!({"org_id": app.orgs.operator_a, "held_at": shuan_server::now(),
                   "participants": "x", "summary": "x"}),
        )
        .await,
        StatusCode::NOT_FOUND,
        "foreign interview",
    );
    // Operators neither inspect nor issue nor interview.
    status(
        &app.post_json(
            "/api/v1/inspections",
            &officer_a,
            inspection_body(Some("1"), 1, false),
        )
        .await,
        StatusCode::FORBIDDEN,
        "operator plans",
    );
    status(
        &app.post_json(
            &format!("/api/v1/inspections/{inspection}/findings"),
            &officer_a,
            json!({"org_id": app.orgs.operator_a, "severity": "low", "description": "x"}),
        )
        .await,
        StatusCode::FORBIDDEN,
        "operator finds",
    );
    // A finding about an operator the inspection did not draw is refused.
    status(
        &app.post_json(
            &format!("/api/v1/inspections/{inspection}/findings"),
            &regulator,
            json!({"org_id": app.orgs.operator_c, "severity": "low", "description": "x"}),
        )
        .await,
        StatusCode::NOT_FOUND,
        "finding about another regulator's operator",
    );
    // Operator A reads its own order and interview.
    ok(
        &app.get(&format!("/api/v1/interviews/{interview}"), &officer_a)
            .await,
        "own interview",
    );
    assert_eq!(
        ok(
            &app.get("/api/v1/rectifications", &officer_a).await,
            "own orders"
        )
        .as_array()
        .unwrap()
        .len(),
        1
    );
});

on_both_backends!(unsafe_routes_need_the_csrf_token, |app| {
    let regulator = app.login("regulator").await;
    let officer_a = app.login("officer_a").await;
    let (inspection, finding, order) = inspection_with_order(app, &regulator).await;
    let forged = Session {
        cookie: regulator.cookie.clone(),
        csrf: "forged-token".into(),
    };
    let forged_officer = Session {
        cookie: officer_a.cookie.clone(),
        csrf: "forged-token".into(),
    };
    let today = "2026-12-01";
    for (path, form) in [
        (
            "/inspections".to_owned(),
            format!(
                "kind=routine&title=x&checklist=tianjin-self-check&scheduled_for={today}&operators=1&inspectors=1"
            ),
        ),
        (
            format!("/inspections/{inspection}/findings"),
            format!("org_id={}&severity=low&description=x", app.orgs.operator_a),
        ),
        (
            "/rectifications".to_owned(),
            format!(
                "inspection_id={inspection}&org_id={}&finding={finding}&requirements=x&deadline={today}",
                app.orgs.operator_a
            ),
        ),
        (
            format!("/rectifications/{order}/transition"),
            "event=close&comment=x".to_owned(),
        ),
        (
            "/interviews".to_owned(),
            format!(
                "org_id={}&held_on={today}&participants=x&summary=x",
                app.orgs.operator_a
            ),
        ),
    ] {
        status(
            &app.post_form(&path, &forged, &form).await,
            StatusCode::FORBIDDEN,
            &format!("form {path}"),
        );
        let missing = app
            .send(
                Request::post(path.as_str())
                    .header(header::COOKIE, &regulator.cookie)
                    .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
                    .body(Body::from(form.clone()))
                    .unwrap(),
            )
            .await;
        status(&missing, StatusCode::FORBIDDEN, &format!("no token {path}"));
    }
    for path in [
        "/api/v1/inspections".to_owned(),
        format!("/api/v1/inspections/{inspection}/findings"),
        "/api/v1/rectifications".to_owned(),
        format!("/api/v1/rectifications/{order}/transition"),
        "/api/v1/interviews".to_owned(),
    ] {
        status(
            &app.post_json(&path, &forged, json!({})).await,
            StatusCode::FORBIDDEN,
            &path,
        );
    }
    status(
        &upload_evidence(app, &forged_officer, order, "forged-token").await,
        StatusCode::FORBIDDEN,
        "evidence with a forged token",
    );
    // Nothing changed.
    assert_eq!(
        ok(&app.get("/api/v1/inspections", &regulator).await, "list")
            .as_array()
            .unwrap()
            .len(),
        1
    );
    assert_eq!(order_status(app, &regulator, order).await, "issued");
    assert_eq!(
        ok(&app.get("/api/v1/interviews", &regulator).await, "list"),
        json!([])
    );
    let view = ok(
        &app.get(&format!("/api/v1/rectifications/{order}"), &officer_a)
            .await,
        "order",
    );
    assert_eq!(view["evidence"], json!([]));
    // With the token, the forms work and lead to the new record.
    let reply = app
        .post_form(
            "/interviews",
            &regulator,
            &format!(
                "org_id={}&held_on={today}&participants=%E5%BC%A0%E4%B8%89&summary=%E7%BA%A6%E8%B0%88",
                app.orgs.operator_a
            ),
        )
        .await;
    status(&reply, StatusCode::SEE_OTHER, "interview form");
    assert_eq!(
        ok(&app.get("/api/v1/interviews", &regulator).await, "list")
            .as_array()
            .unwrap()
            .len(),
        1
    );
});

on_both_backends!(findings_and_answers_are_escaped_on_the_pages, |app| {
    let regulator = app.login("regulator").await;
    let officer_a = app.login("officer_a").await;
    let inspection = create_inspection(app, &regulator, inspection_body(Some("3"), 2, false)).await;
    let script = "<script>alert('x')</script>";
    let finding = ok(
        &app.post_json(
            &format!("/api/v1/inspections/{inspection}/findings"),
            &regulator,
            json!({"org_id": app.orgs.operator_a, "severity": "medium", "description": script}),
        )
        .await,
        "finding",
    )["id"]
        .as_i64()
        .unwrap();
    let order = ok(
        &app.post_json(
            "/api/v1/rectifications",
            &regulator,
            json!({"inspection_id": inspection, "org_id": app.orgs.operator_a,
                   "finding_ids": [finding], "requirements": script,
                   "deadline": shuan_server::now() + DAY}),
        )
        .await,
        "issue",
    )["id"]
        .as_i64()
        .unwrap();
    for (session, path) in [
        (&regulator, format!("/inspections/{inspection}")),
        (&officer_a, format!("/inspections/{inspection}")),
        (&officer_a, format!("/rectifications/{order}")),
        (&regulator, format!("/rectifications/{order}")),
    ] {
        let page = app.get(&path, session).await;
        status(&page, StatusCode::OK, &path);
        assert!(!page.body.contains("<script>"), "{path} unescaped");
        assert!(page.body.contains("&lt;script&gt;"), "{path} lost the text");
    }
});

on_both_backends!(pages_render_in_both_languages, |app| {
    let regulator = app.login("regulator").await;
    let officer_a = app.login("officer_a").await;
    let (inspection, _, order) = inspection_with_order(app, &regulator).await;
    for session in [&regulator, &officer_a] {
        for path in [
            "/supervision".to_owned(),
            "/inspections".to_owned(),
            format!("/inspections/{inspection}"),
            "/rectifications".to_owned(),
            format!("/rectifications/{order}"),
            "/interviews".to_owned(),
        ] {
            let zh = app.get(&path, session).await;
            status(&zh, StatusCode::OK, &path);
            assert!(zh.body.contains("监管"), "{path} in Chinese");
            let en = app.get(&format!("{path}?lang=en"), session).await;
            status(&en, StatusCode::OK, &path);
            assert!(en.body.contains("Supervision"), "{path} in English");
        }
    }
    // The regulator's page shows the seed and the checked draw; the form to plan another.
    let page = app
        .get(&format!("/inspections/{inspection}"), &regulator)
        .await;
    assert!(page.body.contains("按种子和候选名单重新抽取，结果一致"));
    assert!(
        app.get("/inspections", &regulator)
            .await
            .body
            .contains("抽取并创建")
    );
    assert!(
        !app.get("/inspections", &officer_a)
            .await
            .body
            .contains("抽取并创建")
    );
});
