//! The operator registry, filings and risk assessment reports end to end through the router:
//! every workflow step and who may take it, the diff between versions, the report's pre-fill
//! and reminder, and other tenants and other regulators kept out of all of it.

mod common;

use axum::http::StatusCode;
use serde_json::{Value, json};

use common::{PEOPLE_CSV, Reply, Session, TestApp};

/// Valid unified social credit codes (GB 32100 check digit and GB 11714 organisation code).
const USCC_A: &str = "91120103MA05T2K10P";
const USCC_A_CHANGED: &str = "911201031000000087";

fn profile(uscc: &str, region: &str) -> Value {
    json!({
        "legal_name": "运营者A有限公司", "uscc": uscc, "industry": "互联网", "region": region,
        "contacts": [{"name": "王五", "title": "数据管理员", "phone": "022-12345678"}],
        "security_officer": {"name": "李四", "title": "数据安全负责人", "email": "li@example.cn"},
        "systems": ["CRM", "会员系统"],
    })
}

fn ok(reply: &Reply, what: &str) -> Value {
    assert_eq!(reply.status, StatusCode::OK, "{what}: {}", reply.body);
    reply.json()
}

fn status(reply: &Reply, expected: StatusCode, what: &str) {
    assert_eq!(reply.status, expected, "{what}: {}", reply.body);
}

async fn transition(
    app: &TestApp,
    session: &Session,
    id: i64,
    event: &str,
    comment: &str,
) -> Reply {
    app.post_json(
        &format!("/api/v1/filings/{id}/transition"),
        session,
        json!({"event": event, "comment": comment}),
    )
    .await
}

/// Scans the people table for `session`'s operator and reviews the resident-ID column as
/// important data and the mobile column as core data; returns their column ids.
async fn reviewed_catalog_columns(app: &TestApp, session: &Session, file: &str) -> (i64, i64) {
    let source = app.scanned_csv(session, file, PEOPLE_CSV).await;
    let tables = ok(
        &app.get(&format!("/api/v1/tables?source_id={source}"), session)
            .await,
        "tables",
    );
    let table = tables[0]["id"].as_i64().unwrap();
    let columns = ok(
        &app.get(&format!("/api/v1/tables/{table}"), session).await,
        "table",
    );
    let id_of = |name: &str| {
        columns["columns"]
            .as_array()
            .unwrap()
            .iter()
            .find(|c| c["name"] == name)
            .unwrap()["id"]
            .as_i64()
            .unwrap()
    };
    let (resident_id, mobile) = (id_of("身份证号"), id_of("手机号"));
    for (column, level) in [(resident_id, "important"), (mobile, "core")] {
        ok(
            &app.post_json(
                &format!("/api/v1/columns/{column}/review"),
                session,
                json!({"level": level, "category": "personal/identity", "reason": "备案目录"}),
            )
            .await,
            "review",
        );
    }
    (resident_id, mobile)
}

/// Just accepted: due in a year (364 days and some hours, or 365 within the same second).
fn assert_due_in_a_year(reminder: &Value) {
    assert!(
        matches!(reminder["days_left"].as_i64(), Some(364 | 365)),
        "{reminder}"
    );
    assert_eq!(reminder["due_soon"], false);
    assert_eq!(reminder["overdue"], false);
}

fn activity(name: &str, purpose: &str) -> Value {
    json!({"name": name, "purpose": purpose, "method": "收集、存储", "scope": "注册会员",
           "data_kinds": "身份信息", "volume": "10万条", "retention": "3年",
           "cross_border": false, "measures": "加密存储"})
}

on_both_backends!(registry_profiles_keep_history_and_the_key_list, |app| {
    let a = app.orgs.operator_a;
    let officer_a = app.login("officer_a").await;
    let path = format!("/api/v1/registry/operators/{a}/profile");
    let bad = app
        .post_json(&path, &officer_a, profile("91120103MA05T2K10X", "天津"))
        .await;
    status(&bad, StatusCode::BAD_REQUEST, "wrong check digit");
    assert!(bad.body.contains("uscc"));
    assert_eq!(
        ok(
            &app.post_json(&path, &officer_a, profile(USCC_A, "天津"))
                .await,
            "v1"
        )["version"],
        1
    );
    // The data administrator keeps it current too; the vendor may not even see it.
    let admin_a = app.login("admin_a").await;
    assert_eq!(
        ok(
            &app.post_json(&path, &admin_a, profile(USCC_A_CHANGED, "天津市河西区"))
                .await,
            "v2"
        )["version"],
        2
    );
    let vendor_a = app.login("vendor_a").await;
    status(
        &app.post_json(&path, &vendor_a, profile(USCC_A, "天津"))
            .await,
        StatusCode::NOT_FOUND,
        "vendor",
    );
    let record = ok(
        &app.get(&format!("/api/v1/registry/operators/{a}"), &officer_a)
            .await,
        "record",
    );
    assert_eq!(record["profile"]["uscc"], USCC_A_CHANGED);
    assert_eq!(record["profile"]["changed_by"], "admin_a");
    let history: Vec<&str> = record["history"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["uscc"].as_str().unwrap())
        .collect();
    assert_eq!(history, vec![USCC_A_CHANGED, USCC_A]);

    // The regulator lists its two operators (not the other regulator's), filtered.
    let regulator = app.login("regulator").await;
    let names = |reply: Value| -> Vec<String> {
        reply
            .as_array()
            .unwrap()
            .iter()
            .map(|e| e["org"]["name"].as_str().unwrap().to_owned())
            .collect()
    };
    let all = ok(
        &app.get("/api/v1/registry/operators", &regulator).await,
        "list",
    );
    assert_eq!(names(all), vec!["运营者A", "运营者B"]);
    let by_region = ok(
        &app.get(
            "/api/v1/registry/operators?region=%E6%B2%B3%E8%A5%BF",
            &regulator,
        )
        .await,
        "region",
    );
    assert_eq!(names(by_region), vec!["运营者A"]);
    let unfiled = ok(
        &app.get("/api/v1/registry/operators?filing_status=none", &regulator)
            .await,
        "status",
    );
    assert_eq!(names(unfiled).len(), 2);

    // The key-operator list: the regulator adds and removes with a reason, the operator
    // cannot list itself, another regulator cannot touch it.
    let key = format!("/api/v1/registry/operators/{a}/key-operator");
    status(
        &app.post_json(&key, &regulator, json!({"listed": true, "reason": " "}))
            .await,
        StatusCode::BAD_REQUEST,
        "no reason",
    );
    ok(
        &app.post_json(
            &key,
            &regulator,
            json!({"listed": true, "reason": "重要数据处理者"}),
        )
        .await,
        "add",
    );
    status(
        &app.post_json(&key, &regulator, json!({"listed": true, "reason": "again"}))
            .await,
        StatusCode::BAD_REQUEST,
        "twice",
    );
    status(
        &app.post_json(&key, &officer_a, json!({"listed": false, "reason": "x"}))
            .await,
        StatusCode::FORBIDDEN,
        "operator",
    );
    let other_regulator = app.login("other_regulator").await;
    status(
        &app.post_json(
            &key,
            &other_regulator,
            json!({"listed": false, "reason": "x"}),
        )
        .await,
        StatusCode::NOT_FOUND,
        "other regulator",
    );
    let listed = ok(
        &app.get("/api/v1/registry/operators?key_operator=true", &regulator)
            .await,
        "key list",
    );
    assert_eq!(names(listed.clone()), vec!["运营者A"]);
    assert_eq!(listed[0]["key_reason"], "重要数据处理者");
    ok(
        &app.post_json(
            &key,
            &regulator,
            json!({"listed": false, "reason": "不再处理重要数据"}),
        )
        .await,
        "remove",
    );
    let listed = ok(
        &app.get("/api/v1/registry/operators?key_operator=true", &regulator)
            .await,
        "key list",
    );
    assert_eq!(listed, json!([]));
    let decisions = ok(
        &app.get(&format!("/api/v1/registry/operators/{a}"), &regulator)
            .await,
        "record",
    )["key_decisions"]
        .clone();
    assert_eq!(decisions.as_array().unwrap().len(), 2);

    let audit = ok(
        &app.get("/api/v1/audit?limit=50", &officer_a).await,
        "audit",
    );
    let actions: Vec<&str> = audit
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["action"].as_str().unwrap())
        .collect();
    for expected in ["profile_update", "key_operator_add", "key_operator_remove"] {
        assert!(
            actions.contains(&expected),
            "{expected} audited: {actions:?}"
        );
    }
});

on_both_backends!(filing_workflow_each_step_and_who_may_take_it, |app| {
    let officer_a = app.login("officer_a").await;
    let admin_a = app.login("admin_a").await;
    let regulator = app.login("regulator").await;
    let (resident_id, mobile) = reviewed_catalog_columns(app, &officer_a, "a.csv").await;
    let candidates = ok(
        &app.get("/api/v1/filings/catalog-candidates", &officer_a)
            .await,
        "candidates",
    );
    assert_eq!(candidates.as_array().unwrap().len(), 2);
    assert_eq!(
        candidates[0]["volume"], 4,
        "the table's rows are the volume"
    );

    let id = ok(
        &app.post_json("/api/v1/filings", &officer_a, json!({"kind": "filing"}))
            .await,
        "create",
    )["id"]
        .as_i64()
        .unwrap();
    status(
        &app.post_json("/api/v1/filings", &officer_a, json!({"kind": "filing"}))
            .await,
        StatusCode::BAD_REQUEST,
        "one filing",
    );
    status(
        &app.post_json("/api/v1/filings", &regulator, json!({"kind": "filing"}))
            .await,
        StatusCode::FORBIDDEN,
        "regulator files",
    );
    let draft = format!("/api/v1/filings/{id}/draft");
    // Submitting an empty filing is refused.
    status(
        &transition(app, &officer_a, id, "submit", "").await,
        StatusCode::BAD_REQUEST,
        "empty",
    );
    status(
        &app.post_json(
            &draft,
            &admin_a,
            json!({"activities": [activity("会员注册", "开户"), activity("营销", "推送")],
                                               "catalog_columns": [resident_id, mobile]}),
        )
        .await,
        StatusCode::OK,
        "data admin prepares",
    );
    status(
        &app.post_json(&draft, &regulator, json!({"activities": []}))
            .await,
        StatusCode::FORBIDDEN,
        "regulator edits",
    );
    let cross = app
        .post_json(
            &draft,
            &officer_a,
            json!({"activities": [{"name": "x", "purpose": "y", "cross_border": true}]}),
        )
        .await;
    status(
        &cross,
        StatusCode::BAD_REQUEST,
        "cross-border without basis",
    );

    // draft -> submitted: only the officer.
    status(
        &transition(app, &admin_a, id, "submit", "").await,
        StatusCode::FORBIDDEN,
        "data admin submits",
    );
    status(
        &transition(app, &regulator, id, "submit", "").await,
        StatusCode::FORBIDDEN,
        "regulator submits",
    );
    assert_eq!(
        ok(
            &transition(app, &officer_a, id, "submit", "").await,
            "submit"
        )["status"],
        "submitted"
    );
    status(
        &app.post_json(&draft, &officer_a, json!({"activities": []}))
            .await,
        StatusCode::BAD_REQUEST,
        "frozen",
    );
    // submitted -> under review -> returned: only the regulator, and a return needs comments.
    status(
        &transition(app, &officer_a, id, "start_review", "").await,
        StatusCode::FORBIDDEN,
        "officer reviews",
    );
    status(
        &transition(app, &regulator, id, "accept", "").await,
        StatusCode::BAD_REQUEST,
        "accept before review",
    );
    assert_eq!(
        ok(
            &transition(app, &regulator, id, "start_review", "").await,
            "review"
        )["status"],
        "under_review"
    );
    status(
        &transition(app, &officer_a, id, "accept", "").await,
        StatusCode::FORBIDDEN,
        "officer accepts",
    );
    status(
        &transition(app, &regulator, id, "return", "").await,
        StatusCode::BAD_REQUEST,
        "return without comments",
    );
    assert_eq!(
        ok(
            &transition(app, &regulator, id, "return", "请补充留存期限").await,
            "return"
        )["status"],
        "returned"
    );
    // returned -> resubmitted with changes -> under review -> accepted.
    let mut changed = activity("会员注册", "开户及实名核验");
    changed["retention"] = json!("5年");
    ok(
        &app.post_json(
            &draft,
            &officer_a,
            json!({"activities": [changed, activity("风控", "反欺诈")],
                                                "catalog_columns": [mobile]}),
        )
        .await,
        "edit",
    );
    status(
        &transition(app, &regulator, id, "resubmit", "").await,
        StatusCode::FORBIDDEN,
        "regulator resubmits",
    );
    assert_eq!(
        ok(
            &transition(app, &officer_a, id, "resubmit", "已补充").await,
            "resubmit"
        )["status"],
        "resubmitted"
    );
    ok(
        &transition(app, &regulator, id, "start_review", "").await,
        "review again",
    );
    assert_eq!(
        ok(
            &transition(app, &regulator, id, "accept", "同意备案").await,
            "accept"
        )["status"],
        "accepted"
    );

    let view = ok(
        &app.get(&format!("/api/v1/filings/{id}"), &officer_a).await,
        "view",
    );
    assert_eq!(view["filing"]["versions"], 2);
    assert_eq!(view["filing"]["accepted_version"], 2);
    assert_eq!(view["allowed_events"], json!(["amend"]));
    let events: Vec<(&str, &str)> = view["events"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| (e["event"].as_str().unwrap(), e["comment"].as_str().unwrap()))
        .collect();
    assert_eq!(events[2], ("return", "请补充留存期限"));
    assert_eq!(events.len(), 6);
    // Version 1 is kept as submitted, whatever happened to the draft afterwards.
    let v1 = &view["versions"][0]["content"];
    assert_eq!(v1["activities"][0]["purpose"], "开户");
    assert_eq!(v1["important_catalog"][0]["column"], "身份证号");
    assert_eq!(v1["core_catalog"][0]["column"], "手机号");
    let regulator_view = ok(
        &app.get(&format!("/api/v1/filings/{id}"), &regulator).await,
        "regulator view",
    );
    assert_eq!(regulator_view["allowed_events"], json!([]));

    // The diff between the two versions, item by item.
    let diff = ok(
        &app.get(&format!("/api/v1/filings/{id}/diff"), &regulator)
            .await,
        "diff",
    );
    assert_eq!(
        (diff["from"].as_i64(), diff["to"].as_i64()),
        (Some(1), Some(2))
    );
    let changes: Vec<(String, String, String)> = diff["changes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| {
            (
                c["section"].as_str().unwrap().into(),
                c["key"].as_str().unwrap().into(),
                c["kind"].as_str().unwrap().into(),
            )
        })
        .collect();
    let table = changes
        .iter()
        .find(|c| c.0 == "important_catalog")
        .unwrap()
        .1
        .clone();
    assert!(table.ends_with(".身份证号"), "{table}");
    assert_eq!(
        changes,
        vec![
            ("activities".into(), "会员注册".into(), "changed".into()),
            ("activities".into(), "风控".into(), "added".into()),
            ("activities".into(), "营销".into(), "removed".into()),
            ("important_catalog".into(), table, "removed".into()),
        ]
    );
    let fields: Vec<&str> = diff["changes"][0]["fields"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["field"].as_str().unwrap())
        .collect();
    assert_eq!(fields, vec!["purpose", "retention"]);
    let first = ok(
        &app.get(
            &format!("/api/v1/filings/{id}/diff?from=0&to=1"),
            &officer_a,
        )
        .await,
        "first",
    );
    assert_eq!(
        first["changes"].as_array().unwrap().len(),
        4,
        "everything in version 1 is new"
    );
    status(
        &app.get(
            &format!("/api/v1/filings/{id}/diff?from=1&to=9"),
            &officer_a,
        )
        .await,
        StatusCode::BAD_REQUEST,
        "no version 9",
    );

    // accepted -> amend -> draft: a change filing, by the officer only.
    status(
        &transition(app, &regulator, id, "amend", "").await,
        StatusCode::FORBIDDEN,
        "regulator amends",
    );
    assert_eq!(
        ok(&transition(app, &officer_a, id, "amend", "").await, "amend")["status"],
        "draft"
    );
    // The operator's new draft stays its own until submitted: the regulator reads the
    // accepted version.
    ok(
        &app.post_json(
            &draft,
            &officer_a,
            json!({"activities": [activity("新业务", "试运行")], "catalog_columns": []}),
        )
        .await,
        "amended draft",
    );
    let seen = ok(
        &app.get(&format!("/api/v1/filings/{id}"), &regulator).await,
        "regulator reads the filed version",
    );
    assert_eq!(seen["filing"]["draft"]["activities"][1]["name"], "风控");
    let regulators_list = ok(
        &app.get("/api/v1/registry/operators?filing_status=draft", &regulator)
            .await,
        "by status",
    );
    assert_eq!(regulators_list[0]["org"]["name"], "运营者A");

    let audit = ok(
        &app.get("/api/v1/audit?limit=100", &officer_a).await,
        "audit",
    );
    let actions: Vec<&str> = audit
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["action"].as_str().unwrap())
        .collect();
    for expected in [
        "filing_create",
        "filing_draft_save",
        "filing_submit",
        "filing_start_review",
        "filing_return",
        "filing_resubmit",
        "filing_accept",
        "filing_amend",
    ] {
        assert!(
            actions.contains(&expected),
            "{expected} audited: {actions:?}"
        );
    }
});

on_both_backends!(risk_report_is_prefilled_reviewed_and_reminded, |app| {
    let officer_a = app.login("officer_a").await;
    let regulator = app.login("regulator").await;
    ok(
        &app.post_json(
            &format!("/api/v1/registry/operators/{}/profile", app.orgs.operator_a),
            &officer_a,
            profile(USCC_A, "天津"),
        )
        .await,
        "profile",
    );
    // No accepted filing with important data: no report is due yet.
    assert_eq!(
        ok(
            &app.get("/api/v1/filings/reminder", &officer_a).await,
            "no reminder"
        ),
        Value::Null
    );
    let (resident_id, _) = reviewed_catalog_columns(app, &officer_a, "a.csv").await;
    let filing = ok(
        &app.post_json("/api/v1/filings", &officer_a, json!({"kind": "filing"}))
            .await,
        "filing",
    )["id"]
        .as_i64()
        .unwrap();
    ok(
        &app.post_json(
            &format!("/api/v1/filings/{filing}/draft"),
            &officer_a,
            json!({"activities": [activity("会员注册", "开户")], "catalog_columns": [resident_id]}),
        )
        .await,
        "draft",
    );
    for (session, event) in [
        (&officer_a, "submit"),
        (&regulator, "start_review"),
        (&regulator, "accept"),
    ] {
        ok(&transition(app, session, filing, event, "").await, event);
    }
    let reminder = ok(
        &app.get("/api/v1/filings/reminder", &officer_a).await,
        "reminder",
    );
    assert_due_in_a_year(&reminder);

    let id = ok(
        &app.post_json(
            "/api/v1/filings",
            &officer_a,
            json!({"kind": "risk_report", "title": "2026年度风险评估报告"}),
        )
        .await,
        "report",
    )["id"]
        .as_i64()
        .unwrap();
    status(
        &app.post_json(
            "/api/v1/filings",
            &officer_a,
            json!({"kind": "risk_report"}),
        )
        .await,
        StatusCode::BAD_REQUEST,
        "one in progress",
    );
    let report = ok(
        &app.get(&format!("/api/v1/filings/{id}"), &officer_a).await,
        "report view",
    );
    let survey = &report["filing"]["draft"]["survey"];
    assert_eq!(survey["important_data_kinds"], json!(["personal/identity"]));
    assert_eq!(survey["important_data_volume"], 4);
    assert_eq!(survey["core_data_volume"], 4);
    assert_eq!(survey["activities"], json!(["会员注册：开户"]));
    assert_eq!(survey["measures"], "加密存储");
    assert_eq!(survey["systems"], json!(["CRM", "会员系统"]));

    let mut content = report["filing"]["draft"].clone();
    content["risks"] = json!([{"area": "technology", "source": "数据库", "description": "身份证号明文存储", "severity": "extreme"}]);
    status(
        &app.post_json(
            &format!("/api/v1/filings/{id}/draft"),
            &officer_a,
            content.clone(),
        )
        .await,
        StatusCode::BAD_REQUEST,
        "severity",
    );
    content["risks"] = json!([
        {"area": "technology", "source": "数据库", "description": "身份证号明文存储", "severity": "high", "treatment": "字段加密，2026年底前"},
        {"area": "management", "source": "外包方", "description": "外包人员权限过大", "severity": "medium"},
    ]);
    content["evaluation"] = json!("总体风险中等");
    ok(
        &app.post_json(&format!("/api/v1/filings/{id}/draft"), &officer_a, content)
            .await,
        "risks",
    );
    // The regulator sees nothing of the report before it is submitted, then the filed text.
    let unsent = ok(
        &app.get(&format!("/api/v1/filings/{id}"), &regulator).await,
        "regulator reads",
    );
    assert_eq!(unsent["filing"]["draft"]["risks"], json!([]));
    for (session, event) in [
        (&officer_a, "submit"),
        (&regulator, "start_review"),
        (&regulator, "accept"),
    ] {
        ok(&transition(app, session, id, event, "").await, event);
    }
    let filed = ok(
        &app.get(&format!("/api/v1/filings/{id}"), &regulator).await,
        "regulator reads",
    );
    assert_eq!(filed["filing"]["draft"]["risks"][1]["reference"], "R2");
    // A new year starts with the accepted report.
    let reminder = ok(
        &app.get("/api/v1/filings/reminder", &officer_a).await,
        "reminder",
    );
    assert_due_in_a_year(&reminder);
    let kinds = ok(
        &app.get("/api/v1/filings?kind=risk_report", &regulator)
            .await,
        "reports",
    );
    assert_eq!(kinds.as_array().unwrap().len(), 1);
    status(
        &app.get("/api/v1/filings?kind=nonsense", &regulator).await,
        StatusCode::BAD_REQUEST,
        "kind",
    );
});

on_both_backends!(
    other_tenants_never_reach_registry_filings_or_reports,
    |app| {
        let officer_a = app.login("officer_a").await;
        let officer_b = app.login("officer_b").await;
        let a = app.orgs.operator_a;
        ok(
            &app.post_json(
                &format!("/api/v1/registry/operators/{a}/profile"),
                &officer_a,
                profile(USCC_A, "天津"),
            )
            .await,
            "profile",
        );
        let (resident_id, _) = reviewed_catalog_columns(app, &officer_a, "a.csv").await;
        let filing = ok(
            &app.post_json("/api/v1/filings", &officer_a, json!({"kind": "filing"}))
                .await,
            "filing",
        )["id"]
            .as_i64()
            .unwrap();
        ok(&app.post_json(&format!("/api/v1/filings/{filing}/draft"), &officer_a,
                      json!({"activities": [activity("会员注册", "开户")], "catalog_columns": [resident_id]})).await, "draft");
        ok(
            &transition(app, &officer_a, filing, "submit", "").await,
            "submit",
        );
        let report = ok(
            &app.post_json(
                "/api/v1/filings",
                &officer_a,
                json!({"kind": "risk_report"}),
            )
            .await,
            "report",
        )["id"]
            .as_i64()
            .unwrap();

        // Operator B's officer, and the regulator of another jurisdiction: nothing of A's exists.
        let other_regulator = app.login("other_regulator").await;
        for outsider in [&officer_b, &other_regulator] {
            for path in [
                format!("/api/v1/registry/operators/{a}"),
                format!("/api/v1/filings/{filing}"),
                format!("/api/v1/filings/{filing}/diff"),
                format!("/api/v1/filings/{report}"),
                format!("/registry/operators/{a}"),
                format!("/filings/{filing}"),
                format!("/filings/{filing}/diff?from=0&to=1"),
                format!("/filings/{report}"),
            ] {
                status(
                    &app.get(&path, outsider).await,
                    StatusCode::NOT_FOUND,
                    &path,
                );
            }
            for (path, body) in [
                (
                    format!("/api/v1/registry/operators/{a}/profile"),
                    profile(USCC_A_CHANGED, "北京"),
                ),
                (
                    format!("/api/v1/registry/operators/{a}/key-operator"),
                    json!({"listed": true, "reason": "x"}),
                ),
                (
                    format!("/api/v1/filings/{filing}/transition"),
                    json!({"event": "start_review"}),
                ),
                (
                    format!("/api/v1/filings/{report}/draft"),
                    json!({"risks": []}),
                ),
            ] {
                status(
                    &app.post_json(&path, outsider, body).await,
                    StatusCode::NOT_FOUND,
                    &path,
                );
            }
            for (path, form) in [
                (
                    format!("/registry/operators/{a}/profile"),
                    "legal_name=x&uscc=x&industry=x&region=x&officer_name=x",
                ),
                (
                    format!("/registry/operators/{a}/key-operator"),
                    "listed=true&reason=x",
                ),
                (
                    format!("/filings/{filing}/transition"),
                    "event=start_review",
                ),
                (
                    format!("/filings/{report}/risks"),
                    "area=technology&source=x&description=x&severity=low",
                ),
                (format!("/filings/{report}/report"), "evaluation=x"),
            ] {
                status(
                    &app.post_form(&path, outsider, form).await,
                    StatusCode::NOT_FOUND,
                    &path,
                );
            }
            assert_eq!(
                ok(&app.get("/api/v1/filings", outsider).await, "list"),
                json!([])
            );
            let operators = ok(
                &app.get("/api/v1/registry/operators", outsider).await,
                "registry",
            );
            assert!(
                operators
                    .as_array()
                    .unwrap()
                    .iter()
                    .all(|e| e["org"]["id"] != a)
            );
        }
        // Without the session's CSRF token nothing moves, even for the regulator whose move
        // it is.
        let regulator = app.login("regulator").await;
        for path in [
            format!("/api/v1/filings/{filing}/transition"),
            format!("/filings/{filing}/transition"),
        ] {
            let forged = app
                .send(
                    axum::http::Request::post(&path)
                        .header(axum::http::header::COOKIE, &regulator.cookie)
                        .header(
                            axum::http::header::CONTENT_TYPE,
                            "application/x-www-form-urlencoded",
                        )
                        .body(axum::body::Body::from("event=start_review"))
                        .unwrap(),
                )
                .await;
            status(&forged, StatusCode::FORBIDDEN, &path);
        }
        // Oversized drafts are refused whole.
        let risks: Vec<Value> = (0..501)
            .map(|i| json!({"area": "technology", "source": "s", "description": format!("d{i}"), "severity": "low"}))
            .collect();
        status(
            &app.post_json(
                &format!("/api/v1/filings/{report}/draft"),
                &officer_a,
                json!({ "risks": risks }),
            )
            .await,
            StatusCode::BAD_REQUEST,
            "501 risks",
        );
        // B cannot put A's columns in its own catalog.
        let b_filing = ok(
            &app.post_json("/api/v1/filings", &officer_b, json!({"kind": "filing"}))
                .await,
            "b filing",
        )["id"]
            .as_i64()
            .unwrap();
        let activities: Vec<Value> = (0..201)
            .map(|i| activity(&format!("活动{i}"), "x"))
            .collect();
        status(
            &app.post_json(
                &format!("/api/v1/filings/{b_filing}/draft"),
                &officer_b,
                json!({ "activities": activities }),
            )
            .await,
            StatusCode::BAD_REQUEST,
            "201 activities",
        );
        let stolen = app
            .post_json(
                &format!("/api/v1/filings/{b_filing}/draft"),
                &officer_b,
                json!({"activities": [], "catalog_columns": [resident_id]}),
            )
            .await;
        status(
            &stolen,
            StatusCode::BAD_REQUEST,
            "another operator's column",
        );
        assert!(
            ok(
                &app.get("/api/v1/filings/catalog-candidates", &officer_b)
                    .await,
                "b candidates"
            )
            .as_array()
            .unwrap()
            .is_empty()
        );
        // A's filing is untouched: still submitted, one version.
        let view = ok(
            &app.get(&format!("/api/v1/filings/{filing}"), &officer_a)
                .await,
            "a view",
        );
        assert_eq!(view["filing"]["status"], "submitted");
        assert_eq!(view["events"].as_array().unwrap().len(), 1);
        // The vendor of A sees none of it either.
        let vendor_a = app.login("vendor_a").await;
        status(
            &app.get(&format!("/api/v1/filings/{filing}"), &vendor_a)
                .await,
            StatusCode::NOT_FOUND,
            "vendor",
        );
        assert_eq!(
            ok(&app.get("/api/v1/filings", &vendor_a).await, "vendor list"),
            json!([])
        );
    }
);

#[tokio::test]
async fn pages_show_and_edit_filings_in_both_languages_and_escape_input() {
    let app = common::app(common::Backend::Sqlite, "filing pages")
        .await
        .unwrap();
    let officer_a = app.login("officer_a").await;
    let regulator = app.login("regulator").await;
    let a = app.orgs.operator_a;
    let form = format!(
        "legal_name=%3Cscript%3Ex%3C%2Fscript%3E&uscc={USCC_A}&industry=%E4%BA%92%E8%81%94%E7%BD%91&region=%E5%A4%A9%E6%B4%A5\
         &officer_name=%E6%9D%8E%E5%9B%9B&contacts=%E7%8E%8B%E4%BA%94%2C+%E7%AE%A1%E7%90%86%E5%91%98%2C+022-1&systems=CRM%0A%E4%BC%9A%E5%91%98"
    );
    status(
        &app.post_form(
            &format!("/registry/operators/{a}/profile"),
            &officer_a,
            &form,
        )
        .await,
        StatusCode::SEE_OTHER,
        "profile form",
    );
    let (resident_id, mobile) = reviewed_catalog_columns(&app, &officer_a, "a.csv").await;
    let created = app.post_form("/filings", &officer_a, "kind=filing").await;
    status(&created, StatusCode::SEE_OTHER, "create form");
    let location = created.headers["location"].to_str().unwrap().to_owned();
    let id: i64 = location.rsplit('/').next().unwrap().parse().unwrap();
    status(
        &app.post_form(
            &format!("/filings/{id}/activities"),
            &officer_a,
            "name=%3Cb%3E%E6%B3%A8%E5%86%8C&purpose=%E5%BC%80%E6%88%B7&cross_border=no",
        )
        .await,
        StatusCode::SEE_OTHER,
        "activity form",
    );
    status(
        &app.post_form(
            &format!("/filings/{id}/catalog"),
            &officer_a,
            &format!("column={resident_id}&column={mobile}"),
        )
        .await,
        StatusCode::SEE_OTHER,
        "catalog form",
    );
    let draft = ok(
        &app.get(&format!("/api/v1/filings/{id}"), &officer_a).await,
        "draft",
    )["filing"]["draft"]
        .clone();
    assert_eq!(draft["activities"][0]["name"], "<b>注册");
    assert_eq!(draft["core_catalog"].as_array().unwrap().len(), 1);
    status(
        &app.post_form(
            &format!("/filings/{id}/transition"),
            &officer_a,
            "event=submit",
        )
        .await,
        StatusCode::SEE_OTHER,
        "submit form",
    );
    status(
        &app.post_form(
            &format!("/filings/{id}/transition"),
            &regulator,
            "event=start_review",
        )
        .await,
        StatusCode::SEE_OTHER,
        "review form",
    );
    status(
        &app.post_form(
            &format!("/filings/{id}/transition"),
            &regulator,
            "event=return&comment=%3Ci%3E%E8%A1%A5%E5%85%85",
        )
        .await,
        StatusCode::SEE_OTHER,
        "return form",
    );
    status(
        &app.post_form(
            &format!("/filings/{id}/activities/remove"),
            &officer_a,
            "name=%3Cb%3E%E6%B3%A8%E5%86%8C",
        )
        .await,
        StatusCode::SEE_OTHER,
        "remove form",
    );
    status(
        &app.post_form(
            &format!("/filings/{id}/activities"),
            &officer_a,
            "name=%E9%A3%8E%E6%8E%A7&purpose=x",
        )
        .await,
        StatusCode::SEE_OTHER,
        "activity again",
    );
    status(
        &app.post_form(
            &format!("/filings/{id}/transition"),
            &officer_a,
            "event=resubmit",
        )
        .await,
        StatusCode::SEE_OTHER,
        "resubmit form",
    );
    let report = app
        .post_form("/filings", &officer_a, "kind=risk_report")
        .await;
    let report_id: i64 = report.headers["location"]
        .to_str()
        .unwrap()
        .rsplit('/')
        .next()
        .unwrap()
        .parse()
        .unwrap();
    status(&app.post_form(&format!("/filings/{report_id}/risks"), &officer_a,
                          "area=technology&source=%E6%95%B0%E6%8D%AE%E5%BA%93&description=%E6%98%8E%E6%96%87&severity=high").await,
           StatusCode::SEE_OTHER, "risk form");
    status(
        &app.post_form(
            &format!("/filings/{report_id}/report"),
            &officer_a,
            "evaluation=%E4%B8%AD%E7%AD%89&rectification=%E5%8A%A0%E5%AF%86",
        )
        .await,
        StatusCode::SEE_OTHER,
        "report form",
    );
    let report_view = ok(
        &app.get(&format!("/api/v1/filings/{report_id}"), &officer_a)
            .await,
        "report",
    );
    assert_eq!(
        report_view["filing"]["draft"]["risks"][0]["reference"],
        "R1"
    );
    assert_eq!(report_view["filing"]["draft"]["evaluation"], "中等");

    for (session, path, zh, en) in [
        (
            &officer_a,
            format!("/registry/operators/{a}"),
            "统一社会信用代码",
            "Unified social credit code",
        ),
        (
            &regulator,
            "/registry".to_owned(),
            "重点企业",
            "Key operator",
        ),
        (
            &officer_a,
            "/filings".to_owned(),
            "新建备案或报告",
            "Start a filing or report",
        ),
        (
            &officer_a,
            format!("/filings/{id}"),
            "重要数据目录",
            "Important-data catalog",
        ),
        (
            &regulator,
            format!("/filings/{id}"),
            "开始审核",
            "Start the review",
        ),
        (
            &officer_a,
            format!("/filings/{report_id}"),
            "风险源清单",
            "Risk-source list",
        ),
        (
            &regulator,
            format!("/filings/{id}/diff"),
            "变更内容",
            "Changes",
        ),
    ] {
        let page = app.get(&path, session).await;
        assert_eq!(page.status, StatusCode::OK, "{path}: {}", page.body);
        assert!(page.body.contains(zh), "{path} in Chinese");
        assert!(
            !page.body.contains("<script>x")
                && !page.body.contains("<b>注册")
                && !page.body.contains("<i>补充"),
            "{path} escapes"
        );
        let english = app.get(&format!("{path}?lang=en"), session).await;
        assert!(english.body.contains(en), "{path} in English");
    }
    let diff_page = app.get(&format!("/filings/{id}/diff"), &regulator).await;
    assert!(
        diff_page.body.contains("&lt;b&gt;注册") && diff_page.body.contains("风控"),
        "the diff names the activities"
    );
    let regulator_page = app.get(&format!("/filings/{id}"), &regulator).await;
    assert!(
        regulator_page.body.contains("&lt;i&gt;补充"),
        "the return comment is shown, escaped"
    );
    app.finish().await;
}
