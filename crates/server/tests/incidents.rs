//! Incidents on the platform: the workflow from report to close-out, deadlines and the
//! escalation tick under a controllable clock (and across a restart), and the tests that try
//! to break it: other tenants, other jurisdictions, roles that may not act, CSRF, script.

mod common;

use std::sync::Arc;

use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use chrono::Duration;
use serde_json::{Value, json};
use shuan_incident::{Clock, TestClock};
use shuan_server::AppState;

use common::{Backend, Session, TestApp};

/// Runs `$name(backend)` on SQLite and, when configured, on PostgreSQL.
macro_rules! on_both {
    ($name:ident) => {
        mod $name {
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn sqlite() {
                super::$name(super::Backend::Sqlite).await
            }

            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn postgres() {
                super::$name(super::Backend::Postgres).await
            }
        }
    };
}

/// 2026-03-01 10:00 Beijing time.
fn clock() -> Arc<TestClock> {
    Arc::new(TestClock::at(2026, 3, 1, 10, 0))
}

async fn app(backend: Backend, test: &str, clock: &Arc<TestClock>) -> Option<TestApp> {
    common::app_with_clock(backend, test, clock.clone()).await
}

/// A report discovered `minutes_ago` before the clock's now, with `facts` merged in.
fn report_body(clock: &TestClock, minutes_ago: i64, facts: Value) -> Value {
    let mut body = json!({
        "title": "客户库泄露",
        "operator_kind": "other",
        "discovered_at": (clock.now() - Duration::minutes(minutes_ago)).to_rfc3339(),
        "data_kinds": "姓名、身份证号、手机号",
    });
    body.as_object_mut()
        .unwrap()
        .extend(facts.as_object().unwrap().clone());
    body
}

async fn report(app: &TestApp, session: &Session, body: Value) -> Value {
    let reply = app.post_json("/api/v1/incidents", session, body).await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    reply.json()
}

async fn entry(app: &TestApp, session: &Session, id: i64, kind: &str, body: &str) -> StatusCode {
    app.post_json(
        &format!("/api/v1/incidents/{id}/timeline"),
        session,
        json!({"kind": kind, "body": body}),
    )
    .await
    .status
}

fn deadline<'a>(agenda: &'a Value, kind: &str) -> &'a Value {
    agenda["deadlines"]
        .as_array()
        .unwrap()
        .iter()
        .find(|d| d["kind"] == kind)
        .unwrap_or_else(|| panic!("no {kind} deadline in {agenda}"))
}

async fn workflow(backend: Backend) {
    let clock = clock();
    let Some(app) = app(backend, "incidents::workflow", &clock).await else {
        return;
    };
    let officer = app.login("officer_a").await;
    // A CII operator discovered it 30 minutes ago: 2 million people's sensitive PI is 重大.
    let reported = report(
        &app,
        &officer,
        report_body(
            &clock,
            30,
            json!({"operator_kind": "cii", "people_sensitive_pi": 2_000_000, "people_pi": 2_000_000}),
        ),
    )
    .await;
    assert_eq!(reported["grade"], "major");
    let reasons = reported["reasons"].as_array().unwrap();
    let spi = reasons.iter().find(|r| r["rule"] == "miit-spi-1m").unwrap();
    assert_eq!(spi["value"], 2_000_000.0);
    assert_eq!(spi["threshold"], 1_000_000.0);
    assert!(spi["clause"].as_str().unwrap().contains("敏感个人信息"));
    // Reporting on Shu'an is the initial report: made now, 30 minutes after discovery, inside
    // the CII hour; the forward to the national level is due 30 minutes after it.
    let initial = deadline(&reported["agenda"], "initial");
    assert_eq!(initial["status"]["state"], "done");
    assert_eq!(initial["status"]["late"], false);
    let escalation = deadline(&reported["agenda"], "escalation");
    assert_eq!(escalation["status"]["state"], "due");
    assert_eq!(escalation["due_at"], "2026-03-01T10:30:00+08:00");
    let id = reported["id"].as_i64().unwrap();

    // The regulator of the jurisdiction sees it live (told in its inbox) and records the forward.
    let regulator = app.login("regulator").await;
    let inbox = app.get("/api/v1/inbox", &regulator).await.json();
    assert_eq!(inbox["messages"][0]["link"], format!("/incidents/{id}"));
    let other_regulator = app.login("other_regulator").await;
    let inbox = app.get("/api/v1/inbox", &other_regulator).await.json();
    assert_eq!(inbox["unread"], 0, "another jurisdiction is not told");
    let list = app.get("/api/v1/incidents", &regulator).await.json();
    assert_eq!(list.as_array().unwrap().len(), 1);
    assert_eq!(list[0]["grade"], "major");
    assert_eq!(list[0]["org_name"], "运营者A");
    clock.advance(Duration::minutes(10));
    assert_eq!(
        entry(&app, &regulator, id, "escalation", "已报国家网信办").await,
        StatusCode::OK
    );
    // Once only.
    assert_eq!(
        entry(&app, &regulator, id, "escalation", "again").await,
        StatusCode::BAD_REQUEST
    );

    // The operator's handling: notes, 补报, notification of the people affected, the end.
    for (kind, body) in [
        ("note", "已封堵接口"),
        ("supplement", "原因：接口未鉴权"),
        ("notification", "已短信通知受影响用户"),
    ] {
        assert_eq!(
            entry(&app, &officer, id, kind, body).await,
            StatusCode::OK,
            "{kind}"
        );
    }
    // A close-out before handling ended is refused.
    assert_eq!(
        entry(&app, &officer, id, "close_out", "总结").await,
        StatusCode::BAD_REQUEST
    );
    clock.advance(Duration::hours(5));
    assert_eq!(
        entry(&app, &officer, id, "resolved", "").await,
        StatusCode::OK
    );
    let detail = app
        .get(&format!("/api/v1/incidents/{id}"), &officer)
        .await
        .json();
    assert_eq!(detail["incident"]["status"], "resolved");
    let close_out = deadline(&detail["agenda"], "close_out");
    assert_eq!(close_out["due_at"], "2026-03-31T15:10:00+08:00");
    assert_eq!(
        detail["may_add"],
        json!(["note", "supplement", "notification", "close_out"])
    );
    clock.advance(Duration::days(3));
    assert_eq!(
        entry(
            &app,
            &officer,
            id,
            "close_out",
            "原因、措施、危害、责任、整改、教训"
        )
        .await,
        StatusCode::OK
    );
    let detail = app
        .get(&format!("/api/v1/incidents/{id}"), &regulator)
        .await
        .json();
    assert_eq!(detail["incident"]["status"], "closed");
    assert!(
        detail["agenda"]["deadlines"]
            .as_array()
            .unwrap()
            .iter()
            .all(|d| d["status"]["state"] == "done")
    );
    let kinds: Vec<&str> = detail["timeline"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["kind"].as_str().unwrap())
        .collect();
    assert_eq!(
        kinds,
        [
            "escalation",
            "note",
            "supplement",
            "notification",
            "resolved",
            "close_out"
        ]
    );
    assert_eq!(detail["timeline"][0]["user_name"], "regulator");

    // Every change is in the audit trail, under the operator.
    let audit = app.get("/api/v1/audit?limit=50", &officer).await.json();
    let actions: Vec<&str> = audit
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["action"].as_str().unwrap())
        .filter(|a| a.starts_with("incident_"))
        .collect();
    assert_eq!(
        actions,
        [
            "incident_close_out",
            "incident_resolved",
            "incident_notification",
            "incident_supplement",
            "incident_note",
            "incident_escalation",
            "incident_report",
        ]
    );

    // The pages show grade, reasons and deadlines, in both languages.
    let page = app.get(&format!("/incidents/{id}"), &regulator).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.body.contains("重大") && page.body.contains("涉及100万人（含）以上敏感个人信息"));
    assert!(page.body.contains("按时完成"));
    assert!(
        page.body.contains("姓名、身份证号、手机号"),
        "data kinds shown"
    );
    let page = app.get(&format!("/incidents/{id}?lang=en"), &officer).await;
    assert!(page.body.contains("Why this grade") && page.body.contains("Close-out report"));
    let list_page = app.get("/incidents", &officer).await;
    assert!(list_page.body.contains("客户库泄露") && list_page.body.contains("报告安全事件"));
    app.finish().await;
}
on_both!(workflow);

async fn deadlines_escalate_once_and_survive_a_restart(backend: Backend) {
    let clock = clock();
    let Some(app) = app(backend, "incidents::deadlines", &clock).await else {
        return;
    };
    let officer = app.login("officer_a").await;
    // Another operator reporting 5 hours after discovery: the 4-hour deadline was missed.
    let reported = report(
        &app,
        &officer,
        report_body(&clock, 300, json!({"important_data": true})),
    )
    .await;
    assert_eq!(reported["grade"], "major");
    let id = reported["id"].as_i64().unwrap();
    let initial = deadline(&reported["agenda"], "initial");
    assert_eq!(initial["status"], json!({"state": "done", "late": true}));
    // The provincial office forwards within an hour of receiving it.
    assert_eq!(
        deadline(&reported["agenda"], "escalation")["due_at"],
        "2026-03-01T11:00:00+08:00"
    );
    // A general incident has no clock and never escalates.
    let general = report(
        &app,
        &officer,
        report_body(&clock, 600, json!({"people_pi": 999_999})),
    )
    .await;
    assert_eq!(general["grade"], "general");
    assert_eq!(general["agenda"]["deadlines"], json!([]));

    let tick = |state: AppState| async move {
        shuan_server::incident::escalate_overdue(&state)
            .await
            .unwrap()
    };
    clock.advance(Duration::minutes(59));
    assert_eq!(tick(app.state.clone()).await, 0);
    clock.advance(Duration::minutes(1));
    assert_eq!(tick(app.state.clone()).await, 1);
    assert_eq!(tick(app.state.clone()).await, 0, "escalated once only");
    // Both sides are told once of the missed deadline.
    for user in [&officer, &app.login("regulator").await] {
        let inbox = app.get("/api/v1/inbox", user).await.json();
        let overdue_messages = inbox["messages"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|m| m["event"] == "incident_overdue")
            .count();
        assert_eq!(overdue_messages, 1);
    }
    let list = app.get("/api/v1/incidents", &officer).await.json();
    let overdue: Vec<(i64, bool)> = list
        .as_array()
        .unwrap()
        .iter()
        .map(|i| (i["id"].as_i64().unwrap(), i["overdue"].as_bool().unwrap()))
        .collect();
    assert!(overdue.contains(&(id, true)));
    let detail = app
        .get(&format!("/api/v1/incidents/{id}"), &officer)
        .await
        .json();
    assert_eq!(detail["escalations"][0]["report_kind"], "escalation");
    assert_eq!(detail["timeline"][0]["kind"], "overdue");
    assert_eq!(
        detail["timeline"][0]["body"],
        "逐级上报国家网信部门已超时（截止 2026-03-01 11:00）/ forward to the national level overdue since 2026-03-01 11:00"
    );
    assert_eq!(detail["timeline"][0]["user_id"], Value::Null);
    let page = app.get("/incidents", &officer).await;
    assert!(page.body.contains("class=\"overdue\"") && page.body.contains("已超时"));

    // A restart: a new process over the same database keeps what was escalated and catches
    // up on what fell due while it was down.
    let regulator = app.login("regulator").await;
    assert_eq!(
        entry(&app, &regulator, id, "escalation", "迟报").await,
        StatusCode::OK
    );
    assert_eq!(
        entry(&app, &officer, id, "resolved", "").await,
        StatusCode::OK
    );
    let app = app.restarted(clock.clone()).await;
    assert_eq!(tick(app.state.clone()).await, 0);
    clock.advance(Duration::days(30) - Duration::minutes(1));
    assert_eq!(tick(app.state.clone()).await, 0);
    clock.advance(Duration::minutes(1));
    assert_eq!(tick(app.state.clone()).await, 1);
    assert_eq!(tick(app.state.clone()).await, 0);
    let detail = app
        .get(&format!("/api/v1/incidents/{id}"), &officer)
        .await
        .json();
    let kinds: Vec<&str> = detail["escalations"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["report_kind"].as_str().unwrap())
        .collect();
    assert_eq!(kinds, ["escalation", "close_out"]);
    let audit = app.get("/api/v1/audit?limit=50", &officer).await.json();
    let overdue_entries = audit
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["action"] == "incident_overdue" && e["actor"] == "system")
        .count();
    assert_eq!(overdue_entries, 2);
    app.finish().await;
}
on_both!(deadlines_escalate_once_and_survive_a_restart);

async fn other_tenants_and_roles_are_refused(backend: Backend) {
    let clock = clock();
    let Some(app) = app(backend, "incidents::tenants", &clock).await else {
        return;
    };
    let officer_b = app.login("officer_b").await;
    let b = report(
        &app,
        &officer_b,
        report_body(&clock, 10, json!({"people_pi": 5_000_000})),
    )
    .await["id"]
        .as_i64()
        .unwrap();

    // Another operator (same regulator), another regulator and the vendor see nothing, and
    // cannot tell the incident exists.
    for user in ["officer_a", "other_regulator", "vendor_a", "officer_c"] {
        let session = app.login(user).await;
        for path in [format!("/api/v1/incidents/{b}"), format!("/incidents/{b}")] {
            assert_eq!(
                app.get(&path, &session).await.status,
                StatusCode::NOT_FOUND,
                "{user} {path}"
            );
        }
        assert_eq!(
            entry(&app, &session, b, "note", "x").await,
            StatusCode::NOT_FOUND,
            "{user}"
        );
        let form = app
            .post_form(
                &format!("/incidents/{b}/timeline"),
                &session,
                "kind=note&body=x",
            )
            .await;
        assert_eq!(form.status, StatusCode::NOT_FOUND, "{user}");
        assert_eq!(
            app.get("/api/v1/incidents", &session).await.json(),
            json!([]),
            "{user}"
        );
        assert!(
            !app.get("/incidents", &session)
                .await
                .body
                .contains("客户库泄露"),
            "{user}"
        );
    }
    // Nothing was added by the refused writes.
    let detail = app
        .get(&format!("/api/v1/incidents/{b}"), &officer_b)
        .await
        .json();
    assert_eq!(detail["timeline"], json!([]));

    // The regulator of the jurisdiction reads it, records the forward, but files nothing for
    // the operator and reports nothing itself.
    let regulator = app.login("regulator").await;
    assert_eq!(
        app.get(&format!("/api/v1/incidents/{b}"), &regulator)
            .await
            .status,
        StatusCode::OK
    );
    for kind in ["supplement", "notification", "resolved", "close_out"] {
        assert_eq!(
            entry(&app, &regulator, b, kind, "x").await,
            StatusCode::FORBIDDEN,
            "{kind}"
        );
    }
    let reply = app
        .post_json(
            "/api/v1/incidents",
            &regulator,
            report_body(&clock, 1, json!({})),
        )
        .await;
    assert_eq!(reply.status, StatusCode::FORBIDDEN);
    // The platform admin reads every incident and acts for neither side.
    let admin = app.login("admin").await;
    let detail = app
        .get(&format!("/api/v1/incidents/{b}"), &admin)
        .await
        .json();
    assert_eq!(detail["may_add"], json!([]));
    assert_eq!(
        entry(&app, &admin, b, "escalation", "x").await,
        StatusCode::FORBIDDEN
    );
    // The operator records no forward on the regulator's behalf.
    assert_eq!(
        entry(&app, &officer_b, b, "escalation", "x").await,
        StatusCode::FORBIDDEN
    );
    // An operator's auditor reads its own incidents and changes nothing; a vendor reports none.
    let officer_a = app.login("officer_a").await;
    let a = report(&app, &officer_a, report_body(&clock, 1, json!({}))).await["id"]
        .as_i64()
        .unwrap();
    let auditor = app.login("auditor_a").await;
    assert_eq!(
        app.get(&format!("/api/v1/incidents/{a}"), &auditor)
            .await
            .status,
        StatusCode::OK
    );
    assert_eq!(
        entry(&app, &auditor, a, "note", "x").await,
        StatusCode::FORBIDDEN
    );
    let vendor = app.login("vendor_a").await;
    let reply = app
        .post_json(
            "/api/v1/incidents",
            &vendor,
            report_body(&clock, 1, json!({})),
        )
        .await;
    assert_eq!(reply.status, StatusCode::FORBIDDEN);
    app.finish().await;
}
on_both!(other_tenants_and_roles_are_refused);

#[tokio::test]
async fn csrf_script_and_bad_input_are_refused() {
    let clock = clock();
    let app = app(Backend::Sqlite, "incidents::input", &clock)
        .await
        .unwrap();
    let officer = app.login("officer_a").await;
    // No CSRF token: refused before anything is stored.
    let body = report_body(&clock, 1, json!({}));
    let reply = app
        .send(
            Request::post("/api/v1/incidents")
                .header(header::COOKIE, &officer.cookie)
                .header(header::CONTENT_TYPE, "application/json")
                .body(Body::from(body.to_string()))
                .unwrap(),
        )
        .await;
    assert_eq!(reply.status, StatusCode::FORBIDDEN);
    let reply = app
        .send(
            Request::post("/incidents")
                .header(header::COOKIE, &officer.cookie)
                .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
                .body(Body::from(
                    "title=x&operator_kind=other&discovered_at=2026-03-01T09:00",
                ))
                .unwrap(),
        )
        .await;
    assert_eq!(reply.status, StatusCode::FORBIDDEN);
    assert_eq!(
        app.get("/api/v1/incidents", &officer).await.json(),
        json!([])
    );

    // The report form, as a browser sends it; script in every text comes back escaped.
    let script = "<script>alert(1)</script>";
    let form = format!(
        "title={s}&operator_kind=cii&discovered_at=2026-03-01T09:40&occurred_at=&people_pi=&people_sensitive_pi=100000&loss_yuan=&outage_hours=0.5&data_kinds={s}&description={s}&core_data=on",
        s = common::urlencode(script)
    );
    let reply = app.post_form("/incidents", &officer, &form).await;
    assert_eq!(reply.status, StatusCode::SEE_OTHER, "{}", reply.body);
    let location = reply.headers[header::LOCATION].to_str().unwrap().to_owned();
    let id: i64 = location.trim_start_matches("/incidents/").parse().unwrap();
    assert_eq!(
        entry(&app, &officer, id, "note", script).await,
        StatusCode::OK
    );
    let page = app.get(&location, &officer).await;
    assert!(!page.body.contains("<script>"), "unescaped script");
    assert!(page.body.contains("&lt;script&gt;"));
    let detail = app
        .get(&format!("/api/v1/incidents/{id}"), &officer)
        .await
        .json();
    assert_eq!(detail["incident"]["grade"], "particularly_major");
    assert_eq!(detail["incident"]["outage_hours"], 0.5);
    // Wall times without an offset are Beijing time.
    assert_eq!(
        detail["incident"]["discovered_at"],
        shuan_incident::clock::shanghai_time(2026, 3, 1, 9, 40).timestamp()
    );

    for (facts, why) in [
        (json!({"discovered_at": "yesterday"}), "discovered_at"),
        (
            json!({"discovered_at": (clock.now() + Duration::hours(1)).to_rfc3339()}),
            "future",
        ),
        (
            json!({"occurred_at": (clock.now()).to_rfc3339()}),
            "occurred_at",
        ),
        (json!({"operator_kind": "bank"}), "operator_kind"),
        (json!({"title": "x".repeat(201)}), "title"),
        (json!({"title": "  "}), "title"),
        (json!({"outage_hours": -1.0}), "outage_hours"),
        (
            json!({"people_pi": 10_000_000_000_000_000_u64}),
            "people_pi",
        ),
    ] {
        let reply = app
            .post_json(
                "/api/v1/incidents",
                &officer,
                report_body(&clock, 10, facts.clone()),
            )
            .await;
        assert_eq!(
            reply.status,
            StatusCode::BAD_REQUEST,
            "{facts}: {}",
            reply.body
        );
        assert!(reply.body.contains(why), "{facts}: {}", reply.body);
    }
    assert_eq!(
        entry(&app, &officer, id, "overdue", "forged").await,
        StatusCode::BAD_REQUEST
    );
    assert_eq!(
        entry(&app, &officer, id, "note", "").await,
        StatusCode::BAD_REQUEST
    );
    assert_eq!(
        entry(&app, &officer, id, "note", &"x".repeat(4001)).await,
        StatusCode::BAD_REQUEST
    );
    app.finish().await;
}
