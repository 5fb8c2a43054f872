//! The classification-and-grading list as XLSX and as a printable page, and the dashboard's
//! coverage, freshness and charts: what they contain, that they follow writes, and that no
//! user ever sees another tenant's rows in them.

mod common;

use std::io::Cursor;

use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use calamine::{Data, Reader, Xlsx};
use serde_json::{Value, json};
use tower::ServiceExt;

use common::{PEOPLE_CSV, Session, TestApp};

/// A response's status, headers and raw bytes (an XLSX is not text).
async fn download(
    app: &TestApp,
    path: &str,
    session: &Session,
) -> (StatusCode, axum::http::HeaderMap, Vec<u8>) {
    let request = Request::get(path)
        .header(header::COOKIE, &session.cookie)
        .body(Body::empty())
        .unwrap();
    let response = app.router.clone().oneshot(request).await.unwrap();
    let (status, headers) = (response.status(), response.headers().clone());
    let bytes = axum::body::to_bytes(response.into_body(), usize::MAX)
        .await
        .unwrap();
    (status, headers, bytes.to_vec())
}

/// The cells of a workbook's sheet as text, row by row.
fn sheet(bytes: &[u8], name: &str) -> Vec<Vec<String>> {
    let mut workbook = Xlsx::new(Cursor::new(bytes.to_vec())).expect("a readable XLSX");
    let range = workbook.worksheet_range(name).expect("the sheet exists");
    range
        .rows()
        .map(|row| {
            row.iter()
                .map(|cell| match cell {
                    Data::Empty => String::new(),
                    Data::Float(f) => format!("{f:.2}"),
                    other => other.to_string(),
                })
                .collect()
        })
        .collect()
}

fn row_of<'a>(rows: &'a [Vec<String>], column: &str) -> &'a Vec<String> {
    rows.iter()
        .find(|r| r[4] == column)
        .unwrap_or_else(|| panic!("no row for column {column}: {rows:?}"))
}

/// The id of the column named `name` in the first table of `source`.
async fn column_id(app: &TestApp, session: &Session, source: i64, name: &str) -> i64 {
    let tables = app
        .get(&format!("/api/v1/tables?source_id={source}"), session)
        .await
        .json();
    let table = tables[0]["id"].as_i64().unwrap();
    let detail = app
        .get(&format!("/api/v1/tables/{table}"), session)
        .await
        .json();
    detail["columns"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["name"] == name)
        .unwrap()["id"]
        .as_i64()
        .unwrap()
}

on_both_backends!(xlsx_lists_visible_columns_with_reviewed_labels, |app| {
    let officer_a = app.login("officer_a").await;
    let officer_b = app.login("officer_b").await;
    let source = app.scanned_csv(&officer_a, "people.csv", PEOPLE_CSV).await;
    app.scanned_csv(
        &officer_b,
        "theirs.csv",
        "客户编号,=HYPERLINK(\"x\")\n1,2\n",
    )
    .await;
    let remark = column_id(app, &officer_a, source, "备注").await;
    let reviewed = app
        .post_json(
            &format!("/api/v1/columns/{remark}/review"),
            &officer_a,
            json!({"level": "important", "category": "business", "reason": "含合同编号"}),
        )
        .await;
    assert_eq!(reviewed.status, StatusCode::OK, "{}", reviewed.body);
    // The table was read (and cached) before the review; it reads the review at once.
    let table = app
        .get(&format!("/api/v1/tables?source_id={source}"), &officer_a)
        .await
        .json()[0]["id"]
        .as_i64()
        .unwrap();
    let detail = app
        .get(&format!("/api/v1/tables/{table}"), &officer_a)
        .await
        .json();
    let column = detail["columns"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["id"] == remark)
        .unwrap();
    assert_eq!(
        (column["level"].as_str(), column["reviewed"].as_bool()),
        (Some("important"), Some(true))
    );

    let (status, headers, bytes) = download(app, "/api/v1/export/inventory.xlsx", &officer_a).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(
        headers[header::CONTENT_TYPE],
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    );
    let rows = sheet(&bytes, "分类分级清单");
    assert_eq!(&rows[0][..5], ["单位", "信息系统", "数据源", "表", "字段"]);
    // The header and the four columns of operator A's one table; nothing of operator B's.
    assert_eq!(rows.len(), 5, "{rows:?}");
    assert!(rows[1..].iter().all(|r| r[0] == "运营者A" && r[1] == "CRM"));
    let rules = app.state.engine.rules();
    let important = &rules.level("important").unwrap().zh;
    let remark_row = row_of(&rows, "备注");
    assert_eq!(
        (&remark_row[9], &remark_row[11]),
        (important, &"是".to_owned())
    );
    // A detected, unreviewed label is written with its level's name.
    let id_row = row_of(&rows, "身份证号");
    assert_eq!(id_row[7], "cn_resident_id");
    let id_level = id_row[14].clone();
    assert!(!id_level.is_empty() && id_row[11] == "否", "{id_row:?}");
    let summary = sheet(&bytes, "汇总");
    assert!(
        summary.iter().any(|r| r[0] == "字段" && r[1] == "4"),
        "{summary:?}"
    );

    // English headers and names with ?lang=en.
    let (_, _, english) = download(app, "/inventory/export.xlsx?lang=en", &officer_a).await;
    let rows = sheet(&english, "Inventory");
    assert_eq!(&rows[0][..3], ["Organisation", "System", "Source"]);
    let important_en = &rules.level("important").unwrap().en;
    assert_eq!(&row_of(&rows, "备注")[9], important_en);

    // Operator B's formula-like column name is a plain string cell in its own export.
    let (_, _, theirs) = download(app, "/inventory/export.xlsx", &officer_b).await;
    let rows = sheet(&theirs, "分类分级清单");
    assert_eq!(rows.len(), 3, "{rows:?}");
    assert!(rows.iter().any(|r| r[4] == "=HYPERLINK(\"x\")"));
    assert!(rows[1..].iter().all(|r| r[0] == "运营者B"));

    // The regulator sees both of its operators; the other regulator neither.
    let regulator = app.login("regulator").await;
    let (_, _, supervised) = download(app, "/api/v1/export/inventory.xlsx", &regulator).await;
    assert_eq!(sheet(&supervised, "分类分级清单").len(), 1 + 4 + 2);
    let other = app.login("other_regulator").await;
    let (_, _, nothing) = download(app, "/api/v1/export/inventory.xlsx", &other).await;
    assert_eq!(sheet(&nothing, "分类分级清单").len(), 1);

    let audit = app.get("/api/v1/audit", &officer_a).await.json();
    assert!(
        audit
            .as_array()
            .unwrap()
            .iter()
            .any(|e| e["action"] == "export" && e["target"] == "inventory.xlsx"),
        "{audit}"
    );
});

on_both_backends!(printable_list_groups_by_system_for_its_tenant_only, |app| {
    let officer_a = app.login("officer_a").await;
    let officer_b = app.login("officer_b").await;
    app.scanned_csv(&officer_a, "people.csv", PEOPLE_CSV).await;
    let hr = app.allowed.join("staff.csv");
    std::fs::write(&hr, "员工姓名,手机号码\n张伟,13812345678\n").unwrap();
    let reply = app
        .post_json(
            "/api/v1/sources",
            &officer_a,
            json!({"kind": "path", "system": "人事<系统>", "name": "staff", "location": hr}),
        )
        .await;
    app.scan(&officer_a, reply.json()["id"].as_i64().unwrap())
        .await;
    app.scanned_csv(&officer_b, "b_secret_table.csv", PEOPLE_CSV)
        .await;

    let page = app.get("/inventory/print", &officer_a).await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.body);
    let html = &page.body;
    assert!(html.contains("数据分类分级清单") && html.contains("/assets/print.css?v="));
    // One section (one printed page run) per system, the system name escaped.
    assert_eq!(html.matches("<section class=\"print-system\">").count(), 2);
    assert!(html.contains("人事&lt;系统&gt;") && !html.contains("人事<系统>"));
    assert!(html.contains("运营者A") && !html.contains("运营者B"));
    assert!(!html.contains("b_secret_table"));
    // Totals in the header: two tables, six columns.
    assert!(
        html.contains("<dt>表</dt><dd>2</dd>") && html.contains("<dt>字段</dt><dd>6</dd>"),
        "{html}"
    );
    let filtered = app
        .get("/inventory/print?q=staff&lang=en", &officer_a)
        .await;
    assert!(filtered.body.contains("<dt>Columns</dt><dd>2</dd>"));
    // The inventory links to it and to the XLSX.
    let inventory = app.get("/inventory", &officer_a).await.body;
    assert!(
        inventory.contains("/inventory/print?") && inventory.contains("/inventory/export.xlsx")
    );
});

async fn dashboard(app: &TestApp, session: &Session) -> Value {
    let reply = app.get("/api/v1/dashboard", session).await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    reply.json()
}

on_both_backends!(dashboard_coverage_and_freshness_follow_writes, |app| {
    let officer_a = app.login("officer_a").await;
    let source = app.scanned_csv(&officer_a, "people.csv", PEOPLE_CSV).await;
    let before = dashboard(app, &officer_a).await;
    assert_eq!(before["columns"], 4);
    assert_eq!(before["coverage"]["sources_scanned"], 1);
    assert_eq!(before["coverage"]["tables"], 1);
    // The one table has sensitive columns nobody reviewed yet.
    assert_eq!(before["coverage"]["tables_reviewed"], 0);
    assert_eq!(before["freshness"]["stale_after_days"], 30);
    assert_eq!(before["freshness"]["sources"][0]["age_days"], 0);
    assert_eq!(before["freshness"]["sources"][0]["stale"], false);

    // A new source, not scanned: counted at once (the cached figures were invalidated).
    let path = app.allowed.join("later.csv");
    std::fs::write(&path, PEOPLE_CSV).unwrap();
    app.post_json(
        "/api/v1/sources",
        &officer_a,
        json!({"kind": "path", "system": "CRM", "name": "later", "location": path}),
    )
    .await;
    let after_source = dashboard(app, &officer_a).await;
    assert_eq!(after_source["coverage"]["sources_not_scanned"], 1);
    let never = &after_source["freshness"]["sources"][0];
    assert_eq!(
        (never["name"].as_str(), never["stale"].as_bool()),
        (Some("later"), Some(true))
    );
    assert!(never["age_days"].is_null());

    // Reviewing every sensitive column makes the table reviewed.
    let tables = app
        .get(&format!("/api/v1/tables?source_id={source}"), &officer_a)
        .await
        .json();
    let table = tables[0]["id"].as_i64().unwrap();
    let detail = app
        .get(&format!("/api/v1/tables/{table}"), &officer_a)
        .await
        .json();
    for column in detail["columns"].as_array().unwrap() {
        let level = column["level"].as_str();
        if level.is_some_and(|l| l != "general") {
            let id = column["id"].as_i64().unwrap();
            let reply = app
                .post_json(
                    &format!("/api/v1/columns/{id}/review"),
                    &officer_a,
                    json!({"level": level, "reason": "确认"}),
                )
                .await;
            assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
        }
    }
    let reviewed = dashboard(app, &officer_a).await;
    assert_eq!(reviewed["coverage"]["tables_reviewed"], 1);
    assert_eq!(reviewed["coverage"]["tables_reviewed_percent"], 100);
    assert_eq!(
        reviewed["reviewed_columns"].as_i64().unwrap(),
        before["sensitive_columns"].as_i64().unwrap()
    );

    // A scan 40 days old is stale. The change is made behind the repository's back, so the
    // cache is told, as another writer would have to.
    sqlx::query("UPDATE scan_jobs SET finished_at = finished_at - 40 * 86400")
        .execute(&app.state.repo.pool)
        .await
        .unwrap();
    app.state.repo.cache.invalidate();
    let old = dashboard(app, &officer_a).await;
    let scanned = old["freshness"]["sources"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["id"] == source)
        .unwrap()
        .clone();
    assert_eq!(
        (scanned["age_days"].as_i64(), scanned["stale"].as_bool()),
        (Some(40), Some(true))
    );
    assert_eq!(old["freshness"]["stale_sources"], 2);
});

on_both_backends!(dashboard_figures_stay_within_the_tenant, |app| {
    let officer_a = app.login("officer_a").await;
    let officer_b = app.login("officer_b").await;
    let officer_c = app.login("officer_c").await;
    app.scanned_csv(&officer_a, "a.csv", PEOPLE_CSV).await;
    app.scanned_csv(&officer_b, "b_only.csv", PEOPLE_CSV).await;
    app.scanned_csv(&officer_c, "c_only.csv", PEOPLE_CSV).await;
    let a = dashboard(app, &officer_a).await;
    assert_eq!(
        (a["columns"].as_i64(), a["sources"].as_i64()),
        (Some(4), Some(1))
    );
    let names: Vec<&str> = a["freshness"]["sources"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["a.csv"]);
    // The regulator: both of its operators, per operator; not the other regulator's.
    let regulator = app.login("regulator").await;
    let supervised = dashboard(app, &regulator).await;
    assert_eq!(supervised["columns"], 8);
    let operators: Vec<&str> = supervised["by_organisation"]
        .as_array()
        .unwrap()
        .iter()
        .map(|pair| pair[0].as_str().unwrap())
        .collect();
    assert_eq!(operators, ["运营者A", "运营者B"]);
    let page = app.get("/", &regulator).await.body;
    assert!(page.contains("b_only.csv") && !page.contains("c_only.csv"));
    let page_a = app.get("/", &officer_a).await.body;
    assert!(!page_a.contains("b_only.csv") && !page_a.contains("运营者B"));
});

on_both_backends!(
    dashboard_charts_carry_escaped_figures_and_scripts_from_self,
    |app| {
        let officer_a = app.login("officer_a").await;
        let path = app.allowed.join("x.csv");
        std::fs::write(&path, PEOPLE_CSV).unwrap();
        let hostile = "</div><script>alert(1)</script>'\"";
        let reply = app
            .post_json(
                "/api/v1/sources",
                &officer_a,
                json!({"kind": "path", "system": hostile, "name": hostile, "location": path}),
            )
            .await;
        app.scan(&officer_a, reply.json()["id"].as_i64().unwrap())
            .await;
        let page = app.get("/", &officer_a).await;
        assert_eq!(page.status, StatusCode::OK, "{}", page.body);
        let csp = page.headers["content-security-policy"].to_str().unwrap();
        assert!(csp.contains("script-src 'self'") && !csp.contains("unsafe-inline"));
        let html = &page.body;
        assert!(!html.contains("<script>alert"), "{html}");
        assert!(
            html.contains("&lt;&#x2f;div&gt;&lt;script&gt;")
                || html.contains("&lt;/div&gt;&lt;script&gt;")
        );
        // No inline script: every script element names a file under /assets.
        for tag in html.split("<script").skip(1) {
            assert!(tag.trim_start().starts_with("src=\"/assets/"), "{tag}");
        }
        // Each chart's figures are JSON in an attribute; the level chart lists the same numbers
        // as the table beside it.
        let chart = html
            .split("data-chart=\"")
            .nth(1)
            .and_then(|rest| rest.split('"').next())
            .unwrap();
        let decoded = chart
            .replace("&quot;", "\"")
            .replace("&#x27;", "'")
            .replace("&#x2f;", "/")
            .replace("&lt;", "<")
            .replace("&gt;", ">")
            .replace("&amp;", "&");
        let figures: Value = serde_json::from_str(&decoded).unwrap();
        let counted: i64 = figures["values"]
            .as_array()
            .unwrap()
            .iter()
            .map(|v| v.as_i64().unwrap())
            .sum();
        let api = dashboard(app, &officer_a).await;
        let by_level: i64 = api["by_level"]
            .as_array()
            .unwrap()
            .iter()
            .map(|pair| pair[1].as_i64().unwrap())
            .sum();
        assert_eq!(counted, by_level);
        // The scripts are served from /assets with a long cache.
        for asset in [
            "/assets/echarts-5.6.0.min.js",
            "/assets/dashboard.js",
            "/assets/print.css",
        ] {
            let reply = app.get(asset, &officer_a).await;
            assert_eq!(reply.status, StatusCode::OK, "{asset}");
            assert!(
                reply.headers[header::CACHE_CONTROL]
                    .to_str()
                    .unwrap()
                    .contains("max-age=31536000")
            );
        }
    }
);

on_both_backends!(a_vendor_gets_no_organisation_wide_list_or_figures, |app| {
    let officer_a = app.login("officer_a").await;
    app.scanned_csv(&officer_a, "people.csv", PEOPLE_CSV).await;
    let systems = app.get("/api/v1/systems", &officer_a).await.json();
    let crm = systems
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["name"] == "CRM")
        .unwrap()["id"]
        .as_i64()
        .unwrap();
    let users = app.get("/api/v1/users", &officer_a).await.json();
    let vendor_id = users
        .as_array()
        .unwrap()
        .iter()
        .find(|u| u["username"] == "vendor_a")
        .unwrap()["id"]
        .as_i64()
        .unwrap();
    let granted = app
        .post_json(
            "/api/v1/grants",
            &officer_a,
            json!({"vendor_id": vendor_id, "system_id": crm, "expires_at": shuan_server::now() + 86_400}),
        )
        .await;
    assert_eq!(granted.status, StatusCode::OK, "{}", granted.body);
    // Even with a grant on the one system, the list and the figures are organisation-wide
    // views, which a vendor never gets.
    let vendor = app.login("vendor_a").await;
    let (_, _, bytes) = download(app, "/api/v1/export/inventory.xlsx", &vendor).await;
    assert_eq!(sheet(&bytes, "分类分级清单").len(), 1);
    let print = app.get("/inventory/print", &vendor).await.body;
    assert!(!print.contains("身份证号") && print.contains("<dt>字段</dt><dd>0</dd>"));
    let figures = dashboard(app, &vendor).await;
    assert_eq!(
        (figures["columns"].as_i64(), figures["sources"].as_i64()),
        (Some(0), Some(0))
    );
});
