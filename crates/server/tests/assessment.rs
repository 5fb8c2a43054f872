//! Assessments and campaigns: the workflow (send, answer with evidence, submit, return,
//! resubmit, accept, report, export) and who may do what (an operator never reaches another's
//! answers; a regulator only its jurisdiction).

mod common;

use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use serde_json::{Value, json};

use common::{Reply, Session, TestApp};

const DSMM: &str = "gbt-37988-2019-dsmm";

fn pa(n: usize) -> String {
    format!("urn:shuan:risk:req_node:{DSMM}:pa{n:02}")
}

fn next_month() -> i64 {
    shuan_server::now() + 30 * 86_400
}

async fn send_campaign(app: &TestApp, regulator: &Session, body: Value) -> i64 {
    let reply = app.post_json("/api/v1/campaigns", regulator, body).await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    reply.json()["id"].as_i64().unwrap()
}

/// The id of `session`'s operator's assessment in the campaign.
async fn own_assessment(app: &TestApp, session: &Session, campaign: i64) -> i64 {
    let list = app.get("/api/v1/assessments", session).await.json();
    list.as_array()
        .unwrap()
        .iter()
        .find(|a| a["campaign_id"] == campaign)
        .unwrap_or_else(|| panic!("no assessment of campaign {campaign}: {list}"))["id"]
        .as_i64()
        .unwrap()
}

/// Every DSMM process area at `level`, except PA19 not applicable.
fn dsmm_answers(level: u8) -> Value {
    let answers: Vec<Value> = (1..=30)
        .map(|n| {
            let answer = if n == 19 {
                "not_applicable".to_owned()
            } else {
                format!("level:{level}")
            };
            json!({"requirement": pa(n), "answer": answer, "comment": format!("PA{n:02} 说明")})
        })
        .collect();
    json!({ "answers": answers })
}

fn evidence_upload(file_name: &str, requirement: &str, content: &[u8]) -> (String, Vec<u8>) {
    let boundary = "shuanboundaryEvidence42";
    let mut body = format!(
        "--{boundary}\r\nContent-Disposition: form-data; name=\"requirement\"\r\n\r\n{requirement}\r\n\
         --{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"{file_name}\"\r\n\
         Content-Type: application/pdf\r\n\r\n"
    )
    .into_bytes();
    body.extend_from_slice(content);
    body.extend_from_slice(format!("\r\n--{boundary}--\r\n").as_bytes());
    (format!("multipart/form-data; boundary={boundary}"), body)
}

async fn upload_evidence(
    app: &TestApp,
    session: &Session,
    assessment: i64,
    file_name: &str,
    content: &[u8],
) -> Reply {
    let (content_type, body) = evidence_upload(file_name, &pa(1), content);
    app.send(
        Request::post(format!(
            "/assessments/{assessment}/evidence?csrf={}",
            common::urlencode(&session.csrf)
        ))
        .header(header::COOKIE, &session.cookie)
        .header(header::CONTENT_TYPE, content_type)
        .body(Body::from(body))
        .unwrap(),
    )
    .await
}

async fn audit_actions(app: &TestApp) -> Vec<String> {
    let admin = app.login("admin").await;
    let entries = app.get("/api/v1/audit?limit=1000", &admin).await.json();
    entries
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["action"].as_str().unwrap().to_owned())
        .collect()
}

on_both_backends!(a_dsmm_campaign_runs_from_sending_to_report, |app| {
    let regulator = app.login("regulator").await;
    let officer_a = app.login("officer_a").await;
    let officer_b = app.login("officer_b").await;
    let campaign = send_campaign(
        app,
        &regulator,
        json!({"title": "2026 年度 DSMM 自评估", "library": DSMM, "deadline": next_month()}),
    )
    .await;
    // "All in the jurisdiction": operators A and B, never C (another regulator's).
    let report = app
        .get(&format!("/api/v1/campaigns/{campaign}/report"), &regulator)
        .await
        .json();
    let names: Vec<&str> = report["rows"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["org_name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["运营者A", "运营者B"]);
    assert_eq!(report["columns"].as_array().unwrap().len(), 30);

    let a = own_assessment(app, &officer_a, campaign).await;
    let reply = app
        .post_json(
            &format!("/api/v1/assessments/{a}/answers"),
            &officer_a,
            dsmm_answers(3),
        )
        .await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    // One area lower: the overall level is the one all areas reach.
    let lower = json!({"answers": [{"requirement": pa(7), "answer": "level:2", "comment": ""}]});
    assert_eq!(
        app.post_json(
            &format!("/api/v1/assessments/{a}/answers"),
            &officer_a,
            lower
        )
        .await
        .status,
        StatusCode::OK
    );
    let uploaded = upload_evidence(app, &officer_a, a, "制度文件.pdf", b"%PDF-1.4 evidence").await;
    assert_eq!(uploaded.status, StatusCode::SEE_OTHER, "{}", uploaded.body);
    let detail = app
        .get(&format!("/api/v1/assessments/{a}"), &officer_a)
        .await
        .json();
    assert_eq!(detail["score"]["headline"], "L2");
    assert_eq!(detail["score"]["answered"], 30);
    assert_eq!(detail["evidence"][0]["file_name"], "制度文件.pdf");
    assert!(
        detail["evidence"][0].get("location").is_none(),
        "server paths are not shown"
    );

    assert_eq!(
        app.post_json(
            &format!("/api/v1/assessments/{a}/submit"),
            &officer_a,
            Value::Null
        )
        .await
        .status,
        StatusCode::OK
    );
    // Submitted answers are frozen.
    let late = app
        .post_json(
            &format!("/api/v1/assessments/{a}/answers"),
            &officer_a,
            dsmm_answers(5),
        )
        .await;
    assert_eq!(late.status, StatusCode::BAD_REQUEST);

    // Returned with a conclusion, changed, resubmitted, accepted.
    let returned = json!({"accept": false, "conclusion": "PA07 证据不足，请补充"});
    assert_eq!(
        app.post_json(
            &format!("/api/v1/assessments/{a}/review"),
            &regulator,
            returned
        )
        .await
        .status,
        StatusCode::OK
    );
    let detail = app
        .get(&format!("/api/v1/assessments/{a}"), &officer_a)
        .await
        .json();
    assert_eq!(
        (
            detail["assessment"]["status"].as_str(),
            detail["assessment"]["conclusion"].as_str()
        ),
        (Some("returned"), Some("PA07 证据不足，请补充"))
    );
    let raised = json!({"answers": [{"requirement": pa(7), "answer": "level:3"}]});
    assert_eq!(
        app.post_json(
            &format!("/api/v1/assessments/{a}/answers"),
            &officer_a,
            raised
        )
        .await
        .status,
        StatusCode::OK
    );
    // Through the page form this time: save and submit in one post.
    let form = format!(
        "answer%3A{}=level%3A3&comment%3A{}=ok&then_submit=1",
        common::urlencode(&pa(7)),
        common::urlencode(&pa(7))
    );
    let reply = app
        .post_form(&format!("/assessments/{a}/answers"), &officer_a, &form)
        .await;
    assert_eq!(reply.status, StatusCode::SEE_OTHER, "{}", reply.body);
    let accepted = json!({"accept": true, "conclusion": "达到 3 级"});
    assert_eq!(
        app.post_json(
            &format!("/api/v1/assessments/{a}/review"),
            &regulator,
            accepted
        )
        .await
        .status,
        StatusCode::OK
    );

    let report = app
        .get(&format!("/api/v1/campaigns/{campaign}/report"), &regulator)
        .await
        .json();
    let row_a = &report["rows"][0];
    assert_eq!(
        (row_a["status"].as_str(), row_a["overall_value"].as_f64()),
        (Some("reviewed"), Some(3.0))
    );
    assert_eq!(row_a["cells"][18]["text"], "—", "PA19 not applicable");
    let row_b = &report["rows"][1];
    assert_eq!(
        (row_b["status"].as_str(), row_b["answered"].as_i64()),
        (Some("open"), Some(0))
    );
    assert_eq!(report["overall"]["count"], 1);
    assert_eq!(report["summaries"][0]["mean"]["text"], "3.0");

    // The page shows the heatmap with level colours; the CSV has one row per operator.
    let page = app
        .get(&format!("/assessments/campaigns/{campaign}"), &regulator)
        .await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(
        page.body.contains("class=\"heat band-3\">L3</td>"),
        "{}",
        page.body
    );
    let csv = app
        .get(
            &format!("/assessments/campaigns/{campaign}/report.csv?lang=en"),
            &regulator,
        )
        .await;
    assert_eq!(csv.status, StatusCode::OK);
    let lines: Vec<&str> = csv.body.trim_start_matches('\u{feff}').lines().collect();
    assert!(
        lines[0].starts_with(
            "organisation,status,answered,assessable,overall,PA01 Data classification and grading,"
        ),
        "{}",
        lines[0]
    );
    assert!(
        lines[1].starts_with("运营者A,reviewed,30,30,3,3,3,"),
        "{}",
        lines[1]
    );
    assert!(lines[2].starts_with("运营者B,open,0,30,,"), "{}", lines[2]);

    // Evidence downloads for the reviewer, as an attachment.
    let evidence_id = detail["evidence"][0]["id"].as_i64().unwrap();
    let file = app
        .get(
            &format!("/assessments/{a}/evidence/{evidence_id}"),
            &regulator,
        )
        .await;
    assert_eq!(file.status, StatusCode::OK);
    assert_eq!(file.body, "%PDF-1.4 evidence");
    // The user's name percent-encoded, never the stored path.
    assert_eq!(
        file.headers[header::CONTENT_DISPOSITION].to_str().unwrap(),
        "attachment; filename=\"download\"; \
         filename*=UTF-8''%E5%88%B6%E5%BA%A6%E6%96%87%E4%BB%B6.pdf"
    );

    // B's officer sees its own, still open.
    let b = own_assessment(app, &officer_b, campaign).await;
    assert_ne!(a, b);

    let actions = audit_actions(app).await;
    for action in [
        "campaign_create",
        "assessment_answer",
        "assessment_evidence",
        "assessment_submit",
        "assessment_review",
        "campaign_report",
        "campaign_export",
        "evidence_download",
    ] {
        assert!(
            actions.iter().any(|a| a == action),
            "{action} not audited: {actions:?}"
        );
    }
});

on_both_backends!(
    a_compliance_campaign_to_chosen_operators_scores_sections,
    |app| {
        let regulator = app.login("regulator").await;
        let officer_a = app.login("officer_a").await;
        let officer_b = app.login("officer_b").await;
        let campaign = send_campaign(
        app,
        &regulator,
        json!({"title": "数据安全自查", "library": "tianjin-self-check", "deadline": next_month(), "operators": [app.orgs.operator_a]}),
    )
    .await;
        assert!(
            app.get("/api/v1/assessments", &officer_b)
                .await
                .json()
                .as_array()
                .unwrap()
                .is_empty()
        );
        let a = own_assessment(app, &officer_a, campaign).await;
        let prefix = "urn:shuan:risk:req_node:tianjin-self-check:";
        let answers = json!({"answers": [
            {"requirement": format!("{prefix}organisation.1"), "answer": "compliant"},
            {"requirement": format!("{prefix}organisation.2"), "answer": "partially_compliant"},
            {"requirement": format!("{prefix}organisation.3"), "answer": "non_compliant"},
            {"requirement": format!("{prefix}technical.1"), "answer": "not_applicable"},
        ]});
        assert_eq!(
            app.post_json(
                &format!("/api/v1/assessments/{a}/answers"),
                &officer_a,
                answers
            )
            .await
            .status,
            StatusCode::OK
        );
        // Not everything answered: no submission.
        let early = app
            .post_json(
                &format!("/api/v1/assessments/{a}/submit"),
                &officer_a,
                Value::Null,
            )
            .await;
        assert_eq!(early.status, StatusCode::BAD_REQUEST);
        assert!(early.body.contains("still unanswered"), "{}", early.body);
        let report = app
            .get(&format!("/api/v1/campaigns/{campaign}/report"), &regulator)
            .await
            .json();
        assert_eq!(report["measure"], "rate");
        let sections: Vec<&str> = report["columns"]
            .as_array()
            .unwrap()
            .iter()
            .map(|c| c["name"].as_str().unwrap())
            .collect();
        assert_eq!(
            sections,
            [
                "Organisation",
                "Responsibility system",
                "Policies",
                "Technical protection measures"
            ]
        );
        assert_eq!(report["rows"][0]["cells"][0]["text"], "50%");
        assert_eq!(report["rows"][0]["cells"][1]["text"], "—");
    }
);

on_both_backends!(answers_must_fit_the_questionnaire_and_its_deadline, |app| {
    let regulator = app.login("regulator").await;
    let officer_a = app.login("officer_a").await;
    let past = app
        .post_json(
            "/api/v1/campaigns",
            &regulator,
            json!({"title": "x", "library": DSMM, "deadline": shuan_server::now() - 1}),
        )
        .await;
    assert_eq!(past.status, StatusCode::BAD_REQUEST);
    let unknown = app
        .post_json(
            "/api/v1/campaigns",
            &regulator,
            json!({"title": "x", "library": "iso-9001", "deadline": next_month()}),
        )
        .await;
    assert_eq!(unknown.status, StatusCode::BAD_REQUEST);
    let campaign = send_campaign(
        app,
        &regulator,
        json!({"title": "t", "library": DSMM, "deadline": next_month()}),
    )
    .await;
    let a = own_assessment(app, &officer_a, campaign).await;
    for (requirement, answer) in [
        (pa(1), "level:6"),
        (pa(1), "level:0"),
        (pa(1), "compliant"),
        (pa(1), "excellent"),
        (format!("urn:shuan:risk:req_node:{DSMM}:storage"), "level:3"),
        ("urn:elsewhere".to_owned(), "level:3"),
    ] {
        let body = json!({"answers": [{"requirement": requirement, "answer": answer}]});
        let reply = app
            .post_json(
                &format!("/api/v1/assessments/{a}/answers"),
                &officer_a,
                body,
            )
            .await;
        assert_eq!(
            reply.status,
            StatusCode::BAD_REQUEST,
            "{requirement} {answer}: {}",
            reply.body
        );
    }
    let long = json!({"answers": [{"requirement": pa(1), "answer": "level:2", "comment": "长".repeat(4001)}]});
    assert_eq!(
        app.post_json(
            &format!("/api/v1/assessments/{a}/answers"),
            &officer_a,
            long
        )
        .await
        .status,
        StatusCode::BAD_REQUEST
    );
    // Nothing was stored by the refused requests (each is one transaction).
    assert_eq!(
        app.get(&format!("/api/v1/assessments/{a}"), &officer_a)
            .await
            .json()["score"]["answered"],
        0
    );
    // Reviewing before submission is refused.
    let review = app
        .post_json(
            &format!("/api/v1/assessments/{a}/review"),
            &regulator,
            json!({"accept": true, "conclusion": "ok"}),
        )
        .await;
    assert_eq!(review.status, StatusCode::BAD_REQUEST);
    // After the deadline an open assessment no longer changes.
    sqlx::query("UPDATE assessment_campaigns SET deadline = $1 WHERE id = $2")
        .bind(shuan_server::now() - 60)
        .bind(campaign)
        .execute(&app.state.repo.pool)
        .await
        .unwrap();
    let late = app
        .post_json(
            &format!("/api/v1/assessments/{a}/answers"),
            &officer_a,
            dsmm_answers(3),
        )
        .await;
    assert_eq!(late.status, StatusCode::BAD_REQUEST);
    assert!(late.body.contains("deadline"), "{}", late.body);
});

on_both_backends!(no_one_reaches_another_tenants_assessments, |app| {
    let regulator = app.login("regulator").await;
    let other_regulator = app.login("other_regulator").await;
    let officer_a = app.login("officer_a").await;
    let officer_b = app.login("officer_b").await;
    let officer_c = app.login("officer_c").await;
    let vendor_a = app.login("vendor_a").await;
    let auditor_a = app.login("auditor_a").await;
    let campaign = send_campaign(
        app,
        &regulator,
        json!({"title": "t", "library": DSMM, "deadline": next_month()}),
    )
    .await;
    let a = own_assessment(app, &officer_a, campaign).await;
    assert_eq!(
        app.post_json(
            &format!("/api/v1/assessments/{a}/answers"),
            &officer_a,
            dsmm_answers(4)
        )
        .await
        .status,
        StatusCode::OK
    );
    assert_eq!(
        upload_evidence(app, &officer_a, a, "a.pdf", b"secret of A")
            .await
            .status,
        StatusCode::SEE_OTHER
    );
    let evidence = app
        .get(&format!("/api/v1/assessments/{a}"), &officer_a)
        .await
        .json()["evidence"][0]["id"]
        .as_i64()
        .unwrap();

    let reads = [
        format!("/api/v1/assessments/{a}"),
        format!("/assessments/{a}"),
        format!("/assessments/{a}/evidence/{evidence}"),
    ];
    let campaign_reads = [
        format!("/api/v1/campaigns/{campaign}/report"),
        format!("/assessments/campaigns/{campaign}"),
        format!("/assessments/campaigns/{campaign}/report.csv"),
    ];
    // Another operator (same regulator or not) and another regulator see nothing of A's.
    for (who, session) in [
        ("officer_b", &officer_b),
        ("officer_c", &officer_c),
        ("other_regulator", &other_regulator),
        ("vendor_a", &vendor_a),
    ] {
        for path in &reads {
            assert_eq!(
                app.get(path, session).await.status,
                StatusCode::NOT_FOUND,
                "{who} GET {path}"
            );
        }
        let writes = [
            (format!("/api/v1/assessments/{a}/answers"), dsmm_answers(1)),
            (format!("/api/v1/assessments/{a}/submit"), Value::Null),
            (
                format!("/api/v1/assessments/{a}/review"),
                json!({"accept": true, "conclusion": "x"}),
            ),
        ];
        for (path, body) in writes {
            assert_eq!(
                app.post_json(&path, session, body).await.status,
                StatusCode::NOT_FOUND,
                "{who} POST {path}"
            );
        }
        assert_eq!(
            upload_evidence(app, session, a, "x.pdf", b"x").await.status,
            StatusCode::NOT_FOUND,
            "{who} evidence"
        );
        let list = app.get("/api/v1/assessments", session).await.json();
        assert!(
            list.as_array().unwrap().iter().all(|x| x["id"] != a),
            "{who} lists A's assessment"
        );
    }
    // Operators never see the regulator's campaign or its report; the other regulator neither.
    for (who, session) in [
        ("officer_a", &officer_a),
        ("officer_b", &officer_b),
        ("other_regulator", &other_regulator),
    ] {
        for path in &campaign_reads {
            assert_eq!(
                app.get(path, session).await.status,
                StatusCode::NOT_FOUND,
                "{who} GET {path}"
            );
        }
        assert!(
            app.get("/api/v1/campaigns", session)
                .await
                .json()
                .as_array()
                .unwrap()
                .is_empty(),
            "{who}"
        );
    }
    // A's answers stayed as A's officer left them.
    let detail = app
        .get(&format!("/api/v1/assessments/{a}"), &officer_a)
        .await
        .json();
    assert_eq!(
        (
            detail["score"]["headline"].as_str(),
            detail["assessment"]["status"].as_str()
        ),
        (Some("L4"), Some("open"))
    );
    // An operator neither sends campaigns nor concludes its own; the regulator never answers.
    let own_campaign = app
        .post_json(
            "/api/v1/campaigns",
            &officer_a,
            json!({"title": "t", "library": DSMM, "deadline": next_month()}),
        )
        .await;
    assert_eq!(own_campaign.status, StatusCode::FORBIDDEN);
    assert_eq!(
        app.post_json(
            &format!("/api/v1/assessments/{a}/submit"),
            &officer_a,
            Value::Null
        )
        .await
        .status,
        StatusCode::OK
    );
    let self_review = app
        .post_json(
            &format!("/api/v1/assessments/{a}/review"),
            &officer_a,
            json!({"accept": true, "conclusion": "great"}),
        )
        .await;
    assert_eq!(self_review.status, StatusCode::FORBIDDEN);
    let regulator_answer = app
        .post_json(
            &format!("/api/v1/assessments/{a}/answers"),
            &regulator,
            dsmm_answers(5),
        )
        .await;
    assert_eq!(regulator_answer.status, StatusCode::FORBIDDEN);
    // The auditor of A reads but does not answer.
    assert_eq!(
        app.get(&format!("/assessments/{a}"), &auditor_a)
            .await
            .status,
        StatusCode::OK
    );
    assert_eq!(
        app.post_json(
            &format!("/api/v1/assessments/{a}/answers"),
            &auditor_a,
            dsmm_answers(1)
        )
        .await
        .status,
        StatusCode::FORBIDDEN
    );
    // Another regulator cannot send a campaign to A.
    let poach = app.post_json("/api/v1/campaigns", &other_regulator, json!({"title": "t", "library": DSMM, "deadline": next_month(), "operators": [app.orgs.operator_a]})).await;
    assert_eq!(poach.status, StatusCode::NOT_FOUND);
});

on_both_backends!(
    assessment_forms_need_csrf_and_escape_what_users_wrote,
    |app| {
        let regulator = app.login("regulator").await;
        let officer_a = app.login("officer_a").await;
        let title = "<script>alert(1)</script>评估";
        let campaign = send_campaign(
            app,
            &regulator,
            json!({"title": title, "library": DSMM, "deadline": next_month()}),
        )
        .await;
        let a = own_assessment(app, &officer_a, campaign).await;
        let form = format!(
            "answer%3A{}=level%3A2&comment%3A{}=%3Cimg+src%3Dx+onerror%3Dalert(1)%3E",
            common::urlencode(&pa(1)),
            common::urlencode(&pa(1))
        );
        let forged = app
            .send(
                Request::post(format!("/assessments/{a}/answers"))
                    .header(header::COOKIE, &officer_a.cookie)
                    .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
                    .body(Body::from(form.clone()))
                    .unwrap(),
            )
            .await;
        assert_eq!(forged.status, StatusCode::FORBIDDEN, "no CSRF token");
        let no_token_upload = {
            let (content_type, body) = evidence_upload("a.pdf", &pa(1), b"x");
            app.send(
                Request::post(format!("/assessments/{a}/evidence"))
                    .header(header::COOKIE, &officer_a.cookie)
                    .header(header::CONTENT_TYPE, content_type)
                    .body(Body::from(body))
                    .unwrap(),
            )
            .await
        };
        assert_eq!(no_token_upload.status, StatusCode::FORBIDDEN);
        assert_eq!(
            app.post_form(&format!("/assessments/{a}/answers"), &officer_a, &form)
                .await
                .status,
            StatusCode::SEE_OTHER
        );
        let page = app.get(&format!("/assessments/{a}"), &officer_a).await;
        assert!(
            !page.body.contains("<img src=x") && page.body.contains("&lt;img src=x"),
            "comment not escaped"
        );
        assert!(
            !page.body.contains("<script>alert(1)") && page.body.contains("&lt;script&gt;"),
            "title not escaped"
        );
        let report = app
            .get(&format!("/assessments/campaigns/{campaign}"), &regulator)
            .await;
        assert!(!report.body.contains("<script>alert(1)"));
        // Evidence names follow the upload rules; oversized files leave nothing behind.
        for name in ["../../etc/passwd", ".hidden", "a/b.pdf"] {
            assert_eq!(
                upload_evidence(app, &officer_a, a, name, b"x").await.status,
                StatusCode::BAD_REQUEST,
                "{name}"
            );
        }
        let big = vec![b'x'; 64 * 1024 + 1];
        assert_eq!(
            upload_evidence(app, &officer_a, a, "big.pdf", &big)
                .await
                .status,
            StatusCode::PAYLOAD_TOO_LARGE
        );
        let detail = app
            .get(&format!("/api/v1/assessments/{a}"), &officer_a)
            .await
            .json();
        assert!(detail["evidence"].as_array().unwrap().is_empty());
    }
);

#[tokio::test]
async fn assessment_pages_render_in_both_languages() {
    let app = common::app(common::Backend::Sqlite, "assessment pages")
        .await
        .unwrap();
    let regulator = app.login("regulator").await;
    let officer_a = app.login("officer_a").await;
    let list = app.get("/assessments", &regulator).await;
    assert_eq!(list.status, StatusCode::OK);
    assert!(
        list.body.contains("下发评估任务") && list.body.contains("数据安全能力成熟度模型（DSMM）")
    );
    // The form sends a campaign with a date deadline to all operators.
    let form = format!("title=%E8%87%AA%E6%9F%A5&library={DSMM}&deadline=2099-12-31&scope=all");
    let sent = app
        .post_form("/assessments/campaigns", &regulator, &form)
        .await;
    assert_eq!(sent.status, StatusCode::SEE_OTHER, "{}", sent.body);
    let campaign_path = sent.headers[header::LOCATION].to_str().unwrap().to_owned();
    let zh = app.get(&campaign_path, &regulator).await;
    assert!(
        zh.body.contains("导出 CSV") && zh.body.contains("运营者A"),
        "{}",
        zh.body
    );
    let en = app
        .get(&format!("{campaign_path}?lang=en"), &regulator)
        .await;
    assert!(en.body.contains("Export CSV") && en.body.contains("Mean overall"));
    let campaign: i64 = campaign_path.rsplit('/').next().unwrap().parse().unwrap();
    let a = own_assessment(&app, &officer_a, campaign).await;
    let zh = app.get(&format!("/assessments/{a}"), &officer_a).await;
    assert!(
        zh.body.contains("数据分类分级")
            && zh.body.contains("保存并提交")
            && zh.body.contains("上传佐证材料")
    );
    let en = app
        .get(&format!("/assessments/{a}?lang=en"), &officer_a)
        .await;
    assert!(
        en.body.contains("Data classification and grading")
            && en.body.contains("Level 3 Well defined")
    );
    assert_eq!(
        app.get("/assessments", &officer_a).await.status,
        StatusCode::OK
    );
    app.finish().await;
}

/// A file shaped like a CISO Assistant library (the crate's import fixture).
const CISO_LIBRARY: &str = include_str!("../../assess/tests/fixtures/ciso-assistant-sample.yaml");

async fn import_library(app: &TestApp, session: &Session, yaml: &str) -> Reply {
    let boundary = "shuanboundaryLibrary42";
    let body = format!(
        "--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"library.yaml\"\r\n\
         Content-Type: application/yaml\r\n\r\n{yaml}\r\n--{boundary}--\r\n"
    );
    app.send(
        Request::post(format!(
            "/assessments/libraries?csrf={}",
            common::urlencode(&session.csrf)
        ))
        .header(header::COOKIE, &session.cookie)
        .header(
            header::CONTENT_TYPE,
            format!("multipart/form-data; boundary={boundary}"),
        )
        .body(Body::from(body))
        .unwrap(),
    )
    .await
}

on_both_backends!(
    a_regulator_imports_a_ciso_assistant_library_and_sends_it,
    |app| {
        let regulator = app.login("regulator").await;
        let other_regulator = app.login("other_regulator").await;
        let officer_a = app.login("officer_a").await;
        let imported = import_library(app, &regulator, CISO_LIBRARY).await;
        assert_eq!(imported.status, StatusCode::SEE_OTHER, "{}", imported.body);
        let libraries = app
            .get("/api/v1/assessment-libraries", &regulator)
            .await
            .json();
        let library = libraries
            .as_array()
            .unwrap()
            .iter()
            .find(|l| l["imported"] == true)
            .expect("the imported library is listed");
        assert_eq!(
            library["name"],
            "Sample privacy checklist (sample-privacy-checklist)"
        );
        let name = library["ref_id"].as_str().unwrap().to_owned();
        assert!(name.starts_with("imported:"));
        // The same version twice, an invalid library, or an operator importing: refused.
        let again = import_library(app, &regulator, CISO_LIBRARY).await;
        assert_eq!(again.status, StatusCode::BAD_REQUEST);
        assert!(again.body.contains("already imported"), "{}", again.body);
        let invalid = import_library(
            app,
            &regulator,
            &CISO_LIBRARY.replace("      depth: 3\n", "      depth: 5\n"),
        )
        .await;
        assert_eq!(invalid.status, StatusCode::BAD_REQUEST);
        assert!(
            invalid
                .body
                .contains("sample-privacy-checklist:gov.2.a: depth is 5"),
            "{}",
            invalid.body
        );
        assert_eq!(
            import_library(app, &officer_a, CISO_LIBRARY).await.status,
            StatusCode::FORBIDDEN
        );
        // Nothing of the uploads stays on disk: the YAML is in the database.
        let uploads = app.dir.path().join("uploads");
        assert!(
            !uploads.exists()
                || std::fs::read_dir(&uploads)
                    .unwrap()
                    .all(|org| std::fs::read_dir(org.unwrap().path())
                        .unwrap()
                        .next()
                        .is_none())
        );
        // Another regulator neither sees nor uses it.
        let theirs = app
            .get("/api/v1/assessment-libraries", &other_regulator)
            .await
            .json();
        assert!(
            theirs
                .as_array()
                .unwrap()
                .iter()
                .all(|l| l["ref_id"] != name.as_str())
        );
        let poach = app
            .post_json(
                "/api/v1/campaigns",
                &other_regulator,
                json!({"title": "t", "library": name, "deadline": next_month()}),
            )
            .await;
        assert_eq!(poach.status, StatusCode::NOT_FOUND);

        let campaign = send_campaign(app, &regulator, json!({"title": "隐私检查", "library": name, "deadline": next_month(), "operators": [app.orgs.operator_a]})).await;
        let a = own_assessment(app, &officer_a, campaign).await;
        let answer = json!({"answers": [{"requirement": "urn:example:risk:req_node:sample-privacy-checklist:gov.1", "answer": "compliant"}]});
        assert_eq!(
            app.post_json(
                &format!("/api/v1/assessments/{a}/answers"),
                &officer_a,
                answer
            )
            .await
            .status,
            StatusCode::OK
        );
        let page = app.get(&format!("/assessments/{a}"), &officer_a).await;
        assert!(
            page.body.contains("GOV.1 Data protection officer"),
            "{}",
            page.body
        );
        let report = app
            .get(&format!("/api/v1/campaigns/{campaign}/report"), &regulator)
            .await
            .json();
        let columns: Vec<&str> = report["columns"]
            .as_array()
            .unwrap()
            .iter()
            .map(|c| c["ref_id"].as_str().unwrap())
            .collect();
        assert_eq!(columns, ["GOV", "TECH"]);
        assert_eq!(report["rows"][0]["cells"][0]["text"], "50%");
        assert!(
            audit_actions(app)
                .await
                .iter()
                .any(|a| a == "library_import")
        );
    }
);
