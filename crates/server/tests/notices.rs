//! Notices, complaints, delivery (inbox, e-mail, webhooks), emergency plans and drills, end
//! to end through the router: who may do what, other tenants kept out (404), CSRF, escaping,
//! the webhook signature checked by a local receiver, the SMTP conversation recorded by a
//! local server, and retries after failures.

mod common;

use std::sync::{Arc, Mutex};

use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use base64::Engine as _;
use hmac::{Hmac, KeyInit, Mac};
use serde_json::{Value, json};
use sha2::Sha256;
use shuan_server::Config;
use shuan_server::delivery::{SmtpSettings, run_due_deliveries};
use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader};
use tokio::net::TcpListener;

use common::{Reply, Session, TestApp, urlencode};

/// Runs `$body` on SQLite and, when configured, PostgreSQL, with settings changed by
/// `$configure`.
macro_rules! on_both_backends_with {
    ($name:ident, $configure:expr, |$app:ident| $body:block) => {
        mod $name {
            use super::*;

            async fn body($app: &common::TestApp) $body

            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn sqlite() {
                let app = common::app_configured(common::Backend::Sqlite, concat!(stringify!($name), "::sqlite"), $configure).await.unwrap();
                body(&app).await;
                app.finish().await;
            }

            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn postgres() {
                let Some(app) = common::app_configured(common::Backend::Postgres, concat!(stringify!($name), "::postgres"), $configure).await else {
                    return;
                };
                body(&app).await;
                app.finish().await;
            }
        }
    };
}

fn ok(reply: &Reply, what: &str) -> Value {
    assert_eq!(reply.status, StatusCode::OK, "{what}: {}", reply.body);
    reply.json()
}

fn status(reply: &Reply, expected: StatusCode, what: &str) {
    assert_eq!(reply.status, expected, "{what}: {}", reply.body);
}

/// Limits generous enough for tests that submit several complaints from one (socket-less)
/// client, and webhooks allowed to reach the local receivers.
fn roomy(config: &mut Config) {
    config.complaint_rate_per_address = shuan_server::ratelimit::Rate {
        burst: 1000,
        per_minute: 1000,
    };
    config.webhook_allow_private = true;
}

async fn send_notice(app: &TestApp, regulator: &Session, title: &str, operators: &[i64]) -> i64 {
    ok(
        &app.post_json(
            "/api/v1/notices",
            regulator,
            json!({"title": title, "body": "请于本周内完成数据安全自查。", "operator_ids": operators}),
        )
        .await,
        "send notice",
    )["id"]
        .as_i64()
        .unwrap()
}

async fn audit_actions(app: &TestApp, session: &Session) -> Vec<String> {
    ok(&app.get("/api/v1/audit?limit=500", session).await, "audit")
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["action"].as_str().unwrap_or_default().to_owned())
        .collect()
}

on_both_backends!(notices_reach_operators_and_track_acknowledgements, |app| {
    let regulator = app.login("regulator").await;
    let officer_a = app.login("officer_a").await;
    let officer_b = app.login("officer_b").await;
    let officer_c = app.login("officer_c").await;
    let auditor_a = app.login("auditor_a").await;
    let vendor_a = app.login("vendor_a").await;
    let other_regulator = app.login("other_regulator").await;
    let orgs = app.orgs;

    // Only the regulator sends, and only inside its jurisdiction.
    let refused = app
        .post_json(
            "/api/v1/notices",
            &officer_a,
            json!({"title": "x", "body": "y"}),
        )
        .await;
    status(&refused, StatusCode::FORBIDDEN, "an operator sends");
    let outside = app
        .post_json(
            "/api/v1/notices",
            &regulator,
            json!({"title": "x", "body": "y", "operator_ids": [orgs.operator_c]}),
        )
        .await;
    status(
        &outside,
        StatusCode::NOT_FOUND,
        "another regulator's operator",
    );
    let no_csrf = app
        .send(
            Request::post("/api/v1/notices")
                .header(header::COOKIE, &regulator.cookie)
                .header(header::CONTENT_TYPE, "application/json")
                .body(Body::from(json!({"title": "x", "body": "y"}).to_string()))
                .unwrap(),
        )
        .await;
    status(&no_csrf, StatusCode::FORBIDDEN, "no CSRF header");

    let title = "关于<script>alert(1)</script>的通报";
    let id = send_notice(app, &regulator, title, &[orgs.operator_a]).await;

    // Operator A's users are told (not its vendor), operator B's are not.
    let inbox = ok(&app.get("/api/v1/inbox", &officer_a).await, "inbox");
    assert_eq!(inbox["unread"], 1);
    assert_eq!(inbox["messages"][0]["link"], format!("/notices/{id}"));
    assert_eq!(
        ok(&app.get("/api/v1/inbox", &vendor_a).await, "vendor inbox")["unread"],
        0
    );
    assert_eq!(
        ok(&app.get("/api/v1/inbox", &officer_b).await, "b inbox")["unread"],
        0
    );
    let page = app.get("/inbox", &officer_a).await;
    assert!(
        page.body.contains("class=\"count\">1<"),
        "badge: {}",
        page.body
    );
    assert!(page.body.contains("&lt;script&gt;alert(1)"));
    assert!(!page.body.contains("<script>alert(1)"));

    // Other tenants and the vendor do not see the notice at all.
    for (who, session) in [
        ("officer_b", &officer_b),
        ("officer_c", &officer_c),
        ("other_regulator", &other_regulator),
        ("vendor_a", &vendor_a),
    ] {
        let reply = app.get(&format!("/api/v1/notices/{id}"), session).await;
        status(&reply, StatusCode::NOT_FOUND, who);
        let page = app.get(&format!("/notices/{id}"), session).await;
        status(&page, StatusCode::NOT_FOUND, who);
        let ack = app
            .post_json(
                &format!("/api/v1/notices/{id}/acknowledge"),
                session,
                Value::Null,
            )
            .await;
        status(&ack, StatusCode::NOT_FOUND, who);
    }
    let listed = ok(&app.get("/api/v1/notices", &officer_b).await, "b list");
    assert!(listed.as_array().unwrap().is_empty());

    // The regulator sees who has not read or acknowledged.
    let view = ok(
        &app.get(&format!("/api/v1/notices/{id}"), &regulator).await,
        "regulator view",
    );
    assert!(view["recipients"][0]["read_at"].is_null());
    assert!(view["recipients"][0]["acknowledged_at"].is_null());

    // The operator reads (recorded once), an auditor may not acknowledge, the officer does.
    let seen = ok(
        &app.get(&format!("/api/v1/notices/{id}"), &auditor_a).await,
        "auditor view",
    );
    assert_eq!(seen["recipients"].as_array().unwrap().len(), 1);
    assert_eq!(seen["may_acknowledge"], false);
    let ack = app
        .post_json(
            &format!("/api/v1/notices/{id}/acknowledge"),
            &auditor_a,
            Value::Null,
        )
        .await;
    status(&ack, StatusCode::FORBIDDEN, "auditor acknowledges");
    let form_without_csrf = app
        .send(
            Request::post(format!("/notices/{id}/acknowledge"))
                .header(header::COOKIE, &officer_a.cookie)
                .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
                .body(Body::from(""))
                .unwrap(),
        )
        .await;
    status(
        &form_without_csrf,
        StatusCode::FORBIDDEN,
        "form without CSRF",
    );
    let acked = app
        .post_form(&format!("/notices/{id}/acknowledge"), &officer_a, "")
        .await;
    status(&acked, StatusCode::SEE_OTHER, "officer acknowledges");
    let again = app
        .post_json(
            &format!("/api/v1/notices/{id}/acknowledge"),
            &officer_a,
            Value::Null,
        )
        .await;
    status(&again, StatusCode::BAD_REQUEST, "acknowledged twice");
    let view = ok(
        &app.get(&format!("/api/v1/notices/{id}"), &regulator).await,
        "after",
    );
    assert!(view["recipients"][0]["read_at"].is_i64());
    assert_eq!(view["recipients"][0]["acknowledged_by"], "officer_a");
    let page = app.get(&format!("/notices/{id}"), &regulator).await;
    assert!(page.body.contains("&lt;script&gt;"), "{}", page.body);

    // No operators named: every operator of the jurisdiction, none outside it.
    let all = send_notice(app, &regulator, "全辖区通报", &[]).await;
    let view = ok(
        &app.get(&format!("/api/v1/notices/{all}"), &regulator).await,
        "all",
    );
    let names: Vec<&str> = view["recipients"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["org_name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["运营者A", "运营者B"]);

    // Opening the notice read its inbox message.
    let inbox = ok(&app.get("/api/v1/inbox", &officer_a).await, "inbox");
    assert_eq!(
        inbox["unread"], 1,
        "only the second notice is unread: {inbox}"
    );
    // Marking read: one's own messages only.
    let message = inbox["messages"][0]["id"].as_i64().unwrap();
    let foreign = app
        .post_json(
            &format!("/api/v1/inbox/{message}/read"),
            &officer_b,
            Value::Null,
        )
        .await;
    status(&foreign, StatusCode::NOT_FOUND, "another user's message");
    ok(
        &app.post_json(
            &format!("/api/v1/inbox/{message}/read"),
            &officer_a,
            Value::Null,
        )
        .await,
        "mark read",
    );
    ok(
        &app.post_json("/api/v1/inbox/read-all", &officer_a, Value::Null)
            .await,
        "all read",
    );
    assert_eq!(
        ok(&app.get("/api/v1/inbox", &officer_a).await, "inbox")["unread"],
        0
    );

    // Long texts up to the limit, not beyond.
    let too_long = app
        .post_json(
            "/api/v1/notices",
            &regulator,
            json!({"title": "x", "body": "字".repeat(20_001)}),
        )
        .await;
    status(
        &too_long,
        StatusCode::BAD_REQUEST,
        "a body over 20,000 characters",
    );
    let long = app
        .post_json(
            "/api/v1/notices",
            &regulator,
            json!({"title": "长通报", "body": "字".repeat(20_000), "operator_ids": [orgs.operator_b]}),
        )
        .await;
    ok(&long, "a body of 20,000 characters");
    let actions = audit_actions(app, &regulator).await;
    for expected in ["notice_send", "notice_read", "notice_acknowledge"] {
        assert!(
            actions.iter().any(|a| a == expected),
            "{expected} in {actions:?}"
        );
    }
});

/// A local webhook receiver: answers each connection with the next status of `statuses`
/// (200 once they run out) and records each request's headers and body.
async fn webhook_receiver(statuses: Vec<u16>) -> (u16, Arc<Mutex<Vec<(String, String)>>>) {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    let seen = Arc::new(Mutex::new(Vec::new()));
    let record = seen.clone();
    tokio::spawn(async move {
        let mut statuses = statuses.into_iter();
        loop {
            let Ok((stream, _)) = listener.accept().await else {
                return;
            };
            let mut reader = BufReader::new(stream);
            let mut head = String::new();
            loop {
                let mut line = String::new();
                reader.read_line(&mut line).await.unwrap();
                if line == "\r\n" || line.is_empty() {
                    break;
                }
                head.push_str(&line);
            }
            let length: usize = head
                .lines()
                .find_map(|l| l.strip_prefix("Content-Length: "))
                .unwrap()
                .trim()
                .parse()
                .unwrap();
            let mut body = vec![0; length];
            reader.read_exact(&mut body).await.unwrap();
            record
                .lock()
                .unwrap()
                .push((head, String::from_utf8(body).unwrap()));
            let code = statuses.next().unwrap_or(200);
            let answer =
                format!("HTTP/1.1 {code} X\r\nContent-Length: 0\r\nConnection: close\r\n\r\n");
            reader
                .into_inner()
                .write_all(answer.as_bytes())
                .await
                .unwrap();
        }
    });
    (port, seen)
}

fn header_value<'a>(head: &'a str, name: &str) -> &'a str {
    head.lines()
        .find_map(|l| l.strip_prefix(&format!("{name}: ")))
        .unwrap_or_else(|| panic!("no {name} in {head}"))
        .trim()
}

async fn deliveries(app: &TestApp, session: &Session) -> Vec<Value> {
    ok(&app.get("/api/v1/deliveries", session).await, "deliveries")
        .as_array()
        .unwrap()
        .clone()
}

on_both_backends_with!(
    webhooks_are_signed_retried_and_kept_to_their_tenant,
    roomy,
    |app| {
        let regulator = app.login("regulator").await;
        let officer_a = app.login("officer_a").await;
        let officer_b = app.login("officer_b").await;
        let admin_a = app.login("admin_a").await;
        // The receiver fails the first delivery, accepts the second.
        let (port, seen) = webhook_receiver(vec![500]).await;
        let url = format!("http://127.0.0.1:{port}/hook");

        let refused = app
            .post_json("/api/v1/webhooks", &admin_a, json!({"url": url}))
            .await;
        status(&refused, StatusCode::FORBIDDEN, "a data admin registers");
        let https = app
            .post_json(
                "/api/v1/webhooks",
                &officer_a,
                json!({"url": "https://x.example.cn/"}),
            )
            .await;
        status(&https, StatusCode::BAD_REQUEST, "https (no TLS client)");
        let created = ok(
            &app.post_json("/api/v1/webhooks", &officer_a, json!({"url": url}))
                .await,
            "register",
        );
        let hook = created["id"].as_i64().unwrap();
        let secret = created["secret"].as_str().unwrap().to_owned();
        // The secret is never listed again.
        let listed = app.get("/api/v1/webhooks", &officer_a).await;
        assert!(!listed.body.contains(&secret));
        assert!(
            ok(&app.get("/api/v1/webhooks", &officer_b).await, "b")
                .as_array()
                .unwrap()
                .is_empty()
        );
        let foreign = app
            .post_json(
                &format!("/api/v1/webhooks/{hook}/deactivate"),
                &officer_b,
                Value::Null,
            )
            .await;
        status(
            &foreign,
            StatusCode::NOT_FOUND,
            "another operator's webhook",
        );

        send_notice(app, &regulator, "Webhook 通报", &[app.orgs.operator_a]).await;
        let now = shuan_server::now();
        assert_eq!(run_due_deliveries(&app.state, now).await.unwrap(), 1);
        let log = deliveries(app, &officer_a).await;
        assert_eq!(log[0]["status"], "pending");
        assert_eq!(log[0]["attempts"], 1);
        assert!(log[0]["last_error"].as_str().unwrap().contains("500"));
        // Not due again before the backoff has passed; sent once it has.
        assert_eq!(run_due_deliveries(&app.state, now + 5).await.unwrap(), 0);
        assert_eq!(run_due_deliveries(&app.state, now + 31).await.unwrap(), 1);
        let log = deliveries(app, &officer_a).await;
        assert_eq!(log[0]["status"], "sent");
        assert_eq!(log[0]["attempts"], 2);
        assert!(deliveries(app, &officer_b).await.is_empty());

        // The receiver checks the signature over timestamp and body with the secret.
        let requests = seen.lock().unwrap().clone();
        assert_eq!(requests.len(), 2);
        let (head, body) = &requests[1];
        let timestamp = header_value(head, "X-Shuan-Timestamp");
        let mut mac = <Hmac<Sha256> as KeyInit>::new_from_slice(secret.as_bytes()).unwrap();
        mac.update(format!("{timestamp}.{body}").as_bytes());
        let expected: String = mac
            .finalize()
            .into_bytes()
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect();
        assert_eq!(
            header_value(head, "X-Shuan-Signature"),
            format!("sha256={expected}")
        );
        let payload: Value = serde_json::from_str(body).unwrap();
        assert_eq!(payload["event"], "notice");
        assert_eq!(payload["subject"], "通报 / Notice: Webhook 通报");
        assert_eq!(header_value(head, "X-Shuan-Event"), "notice");

        // A receiver that never answers: retried with backoff, then given up.
        ok(
            &app.post_json(
                &format!("/api/v1/webhooks/{hook}/deactivate"),
                &officer_a,
                Value::Null,
            )
            .await,
            "deactivate",
        );
        let closed = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let dead_url = format!(
            "http://127.0.0.1:{}/hook",
            closed.local_addr().unwrap().port()
        );
        drop(closed);
        ok(
            &app.post_json("/api/v1/webhooks", &officer_a, json!({"url": dead_url}))
                .await,
            "register dead",
        );
        send_notice(app, &regulator, "无人接收", &[app.orgs.operator_a]).await;
        let mut at = now;
        for _ in 0..10 {
            run_due_deliveries(&app.state, at).await.unwrap();
            at += 7 * 3600;
        }
        let log = deliveries(app, &officer_a).await;
        assert_eq!(log[0]["status"], "failed");
        assert_eq!(log[0]["attempts"], 8);
        let actions = audit_actions(app, &officer_a).await;
        assert!(actions.iter().any(|a| a == "webhook_create"));
        assert!(actions.iter().any(|a| a == "webhook_deactivate"));
    }
);

on_both_backends!(webhooks_cannot_reach_internal_addresses_by_default, |app| {
    let regulator = app.login("regulator").await;
    let officer_a = app.login("officer_a").await;
    let (port, seen) = webhook_receiver(vec![]).await;
    ok(
        &app.post_json(
            "/api/v1/webhooks",
            &officer_a,
            json!({"url": format!("http://127.0.0.1:{port}/hook")}),
        )
        .await,
        "register",
    );
    send_notice(app, &regulator, "内网探测", &[app.orgs.operator_a]).await;
    run_due_deliveries(&app.state, shuan_server::now())
        .await
        .unwrap();
    let log = deliveries(app, &officer_a).await;
    assert!(
        log[0]["last_error"]
            .as_str()
            .unwrap()
            .contains("internal addresses"),
        "{log:?}"
    );
    assert!(seen.lock().unwrap().is_empty());
});

/// A tiny SMTP server on 127.0.0.1 that records every line it receives. The first
/// connection is refused at the greeting (421) when `busy_first` is set.
async fn smtp_server(busy_first: bool) -> (u16, Arc<Mutex<Vec<String>>>) {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    let lines = Arc::new(Mutex::new(Vec::new()));
    let record = lines.clone();
    tokio::spawn(async move {
        let mut busy = busy_first;
        loop {
            let Ok((stream, _)) = listener.accept().await else {
                return;
            };
            let (read, mut write) = stream.into_split();
            if busy {
                busy = false;
                write.write_all(b"421 busy, try later\r\n").await.unwrap();
                continue;
            }
            write.write_all(b"220 test ESMTP\r\n").await.unwrap();
            let mut reader = BufReader::new(read);
            let mut in_data = false;
            loop {
                let mut line = String::new();
                if reader.read_line(&mut line).await.unwrap() == 0 {
                    break;
                }
                record.lock().unwrap().push(line.trim_end().to_owned());
                let answer: &[u8] = if in_data {
                    if line == ".\r\n" {
                        in_data = false;
                        b"250 queued\r\n"
                    } else {
                        continue;
                    }
                } else if line.starts_with("EHLO") {
                    b"250-test\r\n250 AUTH PLAIN\r\n"
                } else if line.starts_with("AUTH") {
                    b"235 ok\r\n"
                } else if line.starts_with("DATA") {
                    in_data = true;
                    b"354 go on\r\n"
                } else if line.starts_with("QUIT") {
                    write.write_all(b"221 bye\r\n").await.unwrap();
                    break;
                } else {
                    b"250 ok\r\n"
                };
                write.write_all(answer).await.unwrap();
            }
        }
    });
    (port, lines)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn email_goes_through_the_smtp_server_and_is_retried() {
    let (port, lines) = smtp_server(true).await;
    let app = common::app_configured(common::Backend::Sqlite, "smtp", |config| {
        config.smtp = Some(SmtpSettings {
            host: "127.0.0.1".into(),
            port,
            from: "shuan@regulator.example.cn".into(),
            username: Some("mailer".into()),
            password: Some("smtp-pass-42".into()),
        });
        config.public_url = Some("https://shuan.example.cn/".into());
    })
    .await
    .unwrap();
    let regulator = app.login("regulator").await;
    let officer_a = app.login("officer_a").await;
    let bad = app
        .post_json(
            "/api/v1/me/notification-email",
            &officer_a,
            json!({"email": "a@op.example.cn>\r\nRCPT TO:<x@evil.example"}),
        )
        .await;
    status(
        &bad,
        StatusCode::BAD_REQUEST,
        "an address with a command in it",
    );
    ok(
        &app.post_json(
            "/api/v1/me/notification-email",
            &officer_a,
            json!({"email": "a@op.example.cn"}),
        )
        .await,
        "set email",
    );
    let id = send_notice(&app, &regulator, "邮件通报", &[app.orgs.operator_a]).await;

    let now = shuan_server::now();
    run_due_deliveries(&app.state, now).await.unwrap();
    let log = deliveries(&app, &officer_a).await;
    assert_eq!(log[0]["channel"], "email");
    assert_eq!(log[0]["status"], "pending");
    assert!(log[0]["last_error"].as_str().unwrap().contains("421"));
    run_due_deliveries(&app.state, now + 31).await.unwrap();
    assert_eq!(deliveries(&app, &officer_a).await[0]["status"], "sent");

    let conversation = lines.lock().unwrap().clone();
    let b64 = base64::engine::general_purpose::STANDARD;
    assert_eq!(conversation[0], "EHLO shuan");
    assert_eq!(
        conversation[1],
        format!("AUTH PLAIN {}", b64.encode("\0mailer\0smtp-pass-42"))
    );
    assert_eq!(conversation[2], "MAIL FROM:<shuan@regulator.example.cn>");
    assert_eq!(conversation[3], "RCPT TO:<a@op.example.cn>");
    assert_eq!(conversation[4], "DATA");
    let subject = conversation
        .iter()
        .find_map(|l| l.strip_prefix("Subject: =?UTF-8?B?"))
        .unwrap()
        .trim_end_matches("?=");
    assert_eq!(
        String::from_utf8(b64.decode(subject).unwrap()).unwrap(),
        "通报 / Notice: 邮件通报"
    );
    let body_start = conversation.iter().position(|l| l.is_empty()).unwrap() + 1;
    let end = conversation.iter().position(|l| l == ".").unwrap();
    let body = b64.decode(conversation[body_start..end].concat()).unwrap();
    let body = String::from_utf8(body).unwrap();
    assert!(body.contains("请于本周内完成数据安全自查。"), "{body}");
    assert!(
        body.contains(&format!("https://shuan.example.cn/notices/{id}")),
        "{body}"
    );
    assert_eq!(conversation.last().unwrap(), "QUIT");
    // The SMTP password is in no log the platform keeps.
    let audit = app.get("/api/v1/audit?limit=500", &regulator).await;
    assert!(!audit.body.contains("smtp-pass-42"));
    assert!(!format!("{:?}", app.state.config).contains("smtp-pass-42"));
    app.finish().await;
}

/// The public form's double-submit token and cookie, as a browser gets them.
async fn public_form_token(app: &TestApp) -> String {
    let page = app
        .send(Request::get("/complaints/new").body(Body::empty()).unwrap())
        .await;
    status(&page, StatusCode::OK, "form");
    page.headers
        .get_all(header::SET_COOKIE)
        .iter()
        .map(|v| v.to_str().unwrap())
        .find_map(|v| v.strip_prefix("shuan_login_csrf="))
        .unwrap()
        .split(';')
        .next()
        .unwrap()
        .to_owned()
}

async fn post_public(app: &TestApp, path: &str, token: &str, form: &str) -> Reply {
    app.send(
        Request::post(path)
            .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
            .header(header::COOKIE, format!("shuan_login_csrf={token}"))
            .body(Body::from(format!("csrf={token}&{form}")))
            .unwrap(),
    )
    .await
}

async fn submit_complaint(app: &TestApp, operator: &str, content: &str) -> String {
    let token = public_form_token(app).await;
    let form = format!(
        "operator_name={}&category=data_leak&content={}&contact=138****0000",
        urlencode(operator),
        urlencode(content)
    );
    let reply = post_public(app, "/complaints/new", &token, &form).await;
    status(&reply, StatusCode::OK, "submit");
    let start = reply.body.find("TS-").expect("a tracking code");
    reply.body[start..start + 23].to_owned()
}

async fn track(app: &TestApp, code: &str) -> Reply {
    let token = public_form_token(app).await;
    post_public(
        app,
        "/complaints/track",
        &token,
        &format!("code={}", urlencode(code)),
    )
    .await
}

on_both_backends_with!(
    complaints_from_the_public_reach_the_right_regulator,
    roomy,
    |app| {
        let regulator = app.login("regulator").await;
        let other_regulator = app.login("other_regulator").await;
        let officer_a = app.login("officer_a").await;
        let admin = app.login("admin").await;

        // CSRF: no token, or a token without its cookie, is refused.
        let bare = app
            .send(
                Request::post("/complaints/new")
                    .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
                    .body(Body::from("operator_name=x&category=other&content=y"))
                    .unwrap(),
            )
            .await;
        status(&bare, StatusCode::FORBIDDEN, "no token");
        let token = public_form_token(app).await;
        let forged = app
            .send(
                Request::post("/complaints/new")
                    .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
                    .header(
                        header::COOKIE,
                        "shuan_login_csrf=another-token-0123456789abcdef0123",
                    )
                    .body(Body::from(format!(
                        "csrf={token}&operator_name=x&category=other&content=y"
                    )))
                    .unwrap(),
            )
            .await;
        status(&forged, StatusCode::FORBIDDEN, "token and cookie differ");
        // Size limits on every field, and a fixed set of categories.
        for (form, what) in [
            (
                format!(
                    "operator_name={}&category=other&content=y",
                    "名".repeat(201)
                ),
                "operator",
            ),
            (
                format!(
                    "operator_name=x&category=other&content={}",
                    "字".repeat(5001)
                ),
                "content",
            ),
            (
                format!(
                    "operator_name=x&category=other&content=y&contact={}",
                    "1".repeat(201)
                ),
                "contact",
            ),
            (
                "operator_name=x&category=bogus&content=y".to_owned(),
                "category",
            ),
            (
                "operator_name=x&category=other&content=".to_owned(),
                "empty content",
            ),
        ] {
            let reply = post_public(app, "/complaints/new", &token, &form).await;
            status(&reply, StatusCode::BAD_REQUEST, what);
        }

        let code = submit_complaint(
            app,
            "运营者A",
            "<script>alert('x')</script> 泄露了我的身份证号",
        )
        .await;
        let list = ok(
            &app.get("/api/v1/complaints", &regulator).await,
            "regulator list",
        );
        let id = list[0]["id"].as_i64().unwrap();
        assert_eq!(list[0]["status"], "received");
        // The regulator was told; the operator complained about never sees it.
        assert!(
            ok(&app.get("/api/v1/inbox", &regulator).await, "inbox")["unread"]
                .as_i64()
                .unwrap()
                >= 1
        );
        status(
            &app.get("/api/v1/complaints", &officer_a).await,
            StatusCode::FORBIDDEN,
            "operator list",
        );
        for (who, session) in [
            ("officer_a", &officer_a),
            ("other_regulator", &other_regulator),
        ] {
            status(
                &app.get(&format!("/api/v1/complaints/{id}"), session).await,
                StatusCode::NOT_FOUND,
                who,
            );
            let answer = app
                .post_json(
                    &format!("/api/v1/complaints/{id}/answer"),
                    session,
                    json!({"answer": "x"}),
                )
                .await;
            status(&answer, StatusCode::NOT_FOUND, who);
        }
        assert!(
            ok(
                &app.get("/api/v1/complaints", &other_regulator).await,
                "other"
            )
            .as_array()
            .unwrap()
            .is_empty()
        );
        let page = app.get(&format!("/complaints/{id}"), &regulator).await;
        assert!(page.body.contains("&lt;script&gt;alert("), "{}", page.body);
        assert!(!page.body.contains("<script>alert("));

        // Assignment only to the handling regulator's staff; answer; the complainant reads it.
        let staff = ok(&app.get("/api/v1/me", &regulator).await, "me")["user_id"]
            .as_i64()
            .unwrap();
        let operator_user = ok(&app.get("/api/v1/me", &officer_a).await, "me")["user_id"]
            .as_i64()
            .unwrap();
        let wrong = app
            .post_json(
                &format!("/api/v1/complaints/{id}/assign"),
                &regulator,
                json!({"user_id": operator_user}),
            )
            .await;
        status(
            &wrong,
            StatusCode::BAD_REQUEST,
            "assign to an operator's user",
        );
        ok(
            &app.post_json(
                &format!("/api/v1/complaints/{id}/assign"),
                &regulator,
                json!({"user_id": staff}),
            )
            .await,
            "assign",
        );
        let before = track(app, &code).await;
        assert!(before.body.contains("办理中"), "{}", before.body);
        ok(
            &app.post_json(
                &format!("/api/v1/complaints/{id}/answer"),
                &regulator,
                json!({"answer": "已责令<b>整改</b>"}),
            )
            .await,
            "answer",
        );
        let after = track(app, &code).await;
        assert!(
            after.body.contains("已责令&lt;b&gt;整改&lt;") && !after.body.contains("<b>整改"),
            "{}",
            after.body
        );
        let unknown = track(app, "TS-00000000000000000000").await;
        assert!(unknown.body.contains("查询码不存在"));
        status(
            &app.post_form(&format!("/complaints/{id}/close"), &regulator, "")
                .await,
            StatusCode::SEE_OTHER,
            "close",
        );
        let late = app
            .post_json(
                &format!("/api/v1/complaints/{id}/answer"),
                &regulator,
                json!({"answer": "x"}),
            )
            .await;
        status(&late, StatusCode::BAD_REQUEST, "answer after closing");
        assert!(track(app, &code).await.body.contains("已办结"));

        // An operator nobody knows: the platform admin routes it to its regulator.
        submit_complaint(app, "某不知名公司", "未经同意收集人脸信息").await;
        let unrouted = ok(&app.get("/api/v1/complaints", &admin).await, "admin list")[0]["id"]
            .as_i64()
            .unwrap();
        status(
            &app.get(&format!("/api/v1/complaints/{unrouted}"), &regulator)
                .await,
            StatusCode::NOT_FOUND,
            "unrouted",
        );
        let by_regulator = app
            .post_json(
                &format!("/api/v1/complaints/{unrouted}/route"),
                &regulator,
                json!({"operator_id": app.orgs.operator_b}),
            )
            .await;
        status(&by_regulator, StatusCode::NOT_FOUND, "a regulator routes");
        ok(
            &app.post_json(
                &format!("/api/v1/complaints/{unrouted}/route"),
                &admin,
                json!({"operator_id": app.orgs.operator_b}),
            )
            .await,
            "route",
        );
        ok(
            &app.get(&format!("/api/v1/complaints/{unrouted}"), &regulator)
                .await,
            "routed to the regulator",
        );
        let admin_after = app
            .post_json(
                &format!("/api/v1/complaints/{unrouted}/close"),
                &admin,
                Value::Null,
            )
            .await;
        status(&admin_after, StatusCode::FORBIDDEN, "the admin once routed");

        // Audited, without the complainant's words.
        let audit = app.get("/api/v1/audit?limit=500", &admin).await;
        for action in [
            "complaint_submit",
            "complaint_assign",
            "complaint_answer",
            "complaint_close",
            "complaint_route",
        ] {
            assert!(audit.body.contains(action), "{action}");
        }
        assert!(!audit.body.contains("身份证号"));
        // Nor in what is sent out of the platform (e-mail, webhooks): the inbox says the category.
        let told = ok(&app.get("/api/v1/inbox", &regulator).await, "inbox");
        assert!(!told.to_string().contains("身份证号"), "{told}");
    }
);

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_public_form_is_rate_limited_per_address() {
    let app = common::app(common::Backend::Sqlite, "complaint rate")
        .await
        .unwrap();
    let token = public_form_token(&app).await;
    let form = "operator_name=x&category=other&content=y";
    for n in 0..5 {
        let reply = post_public(&app, "/complaints/new", &token, form).await;
        status(&reply, StatusCode::OK, &format!("submission {n}"));
    }
    let limited = post_public(&app, "/complaints/new", &token, form).await;
    status(&limited, StatusCode::TOO_MANY_REQUESTS, "sixth in a burst");
    assert!(limited.headers.contains_key(header::RETRY_AFTER));
    let lookup = post_public(&app, "/complaints/track", &token, "code=TS-x").await;
    status(
        &lookup,
        StatusCode::TOO_MANY_REQUESTS,
        "lookups share the limit",
    );
    // Signed-in pages are not slowed by it.
    let officer = app.login("officer_a").await;
    status(&app.get("/inbox", &officer).await, StatusCode::OK, "inbox");
    app.finish().await;
}

fn multipart(fields: &[(&str, &str)], file_name: &str, content: &[u8]) -> (String, Vec<u8>) {
    let boundary = "shuan-test-boundary";
    let mut body = Vec::new();
    for (name, value) in fields {
        body.extend_from_slice(
            format!(
                "--{boundary}\r\nContent-Disposition: form-data; name=\"{name}\"\r\n\r\n{value}\r\n"
            )
            .as_bytes(),
        );
    }
    body.extend_from_slice(
        format!("--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"{file_name}\"\r\nContent-Type: application/octet-stream\r\n\r\n").as_bytes(),
    );
    body.extend_from_slice(content);
    body.extend_from_slice(format!("\r\n--{boundary}--\r\n").as_bytes());
    (format!("multipart/form-data; boundary={boundary}"), body)
}

async fn upload_plan(app: &TestApp, session: &Session, title: &str) -> Reply {
    let (content_type, body) = multipart(&[("title", title)], "应急预案.pdf", b"%PDF-1.4 plan");
    app.send(
        Request::post(format!(
            "/preparedness/plans?csrf={}",
            urlencode(&session.csrf)
        ))
        .header(header::COOKIE, &session.cookie)
        .header(header::CONTENT_TYPE, content_type)
        .body(Body::from(body))
        .unwrap(),
    )
    .await
}

on_both_backends!(plans_and_drills_stay_with_their_operator, |app| {
    let regulator = app.login("regulator").await;
    let other_regulator = app.login("other_regulator").await;
    let officer_a = app.login("officer_a").await;
    let officer_b = app.login("officer_b").await;
    let vendor_a = app.login("vendor_a").await;

    status(
        &upload_plan(app, &officer_a, "数据安全事件应急预案").await,
        StatusCode::SEE_OTHER,
        "upload",
    );
    status(
        &upload_plan(app, &regulator, "x").await,
        StatusCode::FORBIDDEN,
        "a regulator files",
    );
    status(
        &upload_plan(app, &vendor_a, "x").await,
        StatusCode::NOT_FOUND,
        "a vendor files",
    );
    let plans = ok(
        &app.get("/api/v1/plans", &regulator).await,
        "regulator plans",
    );
    let plan = plans[0]["id"].as_i64().unwrap();
    assert!(
        !plans.to_string().contains("uploads/"),
        "no server paths: {plans}"
    );
    let download = app
        .get(&format!("/preparedness/plans/{plan}"), &regulator)
        .await;
    assert_eq!(download.body, "%PDF-1.4 plan");
    for (who, session) in [
        ("officer_b", &officer_b),
        ("other_regulator", &other_regulator),
        ("vendor_a", &vendor_a),
    ] {
        status(
            &app.get(&format!("/preparedness/plans/{plan}"), session)
                .await,
            StatusCode::NOT_FOUND,
            who,
        );
    }
    assert!(
        ok(&app.get("/api/v1/plans", &officer_b).await, "b")
            .as_array()
            .unwrap()
            .is_empty()
    );

    let bad_date = app
        .post_json(
            "/api/v1/drills",
            &officer_a,
            json!({"scenario": "s", "scheduled_on": "2026-13-01", "participants": "p"}),
        )
        .await;
    status(&bad_date, StatusCode::BAD_REQUEST, "month 13");
    let drill = ok(
        &app.post_json(
            "/api/v1/drills",
            &officer_a,
            json!({"scenario": "勒索软件加密核心数据库", "scheduled_on": "2026-12-10", "participants": "安全部、运维部"}),
        )
        .await,
        "schedule",
    )["id"]
        .as_i64()
        .unwrap();
    ok(
        &app.post_json(
            &format!("/api/v1/drills/{drill}/record"),
            &officer_a,
            json!({"record": "10:00 发现加密；10:20 隔离", "evaluation": "<i>响应及时</i>"}),
        )
        .await,
        "record",
    );
    let action = ok(
        &app.post_json(
            &format!("/api/v1/drills/{drill}/actions"),
            &officer_a,
            json!({"action": "离线备份每日校验", "owner": "运维部 王五", "due_on": "2027-01-31"}),
        )
        .await,
        "action",
    )["id"]
        .as_i64()
        .unwrap();
    ok(
        &app.post_json(
            &format!("/api/v1/drills/{drill}/actions/done"),
            &officer_a,
            json!({"action_id": action}),
        )
        .await,
        "done",
    );

    // The regulator reads but does not write; other tenants see nothing.
    let seen = ok(
        &app.get(&format!("/api/v1/drills/{drill}"), &regulator)
            .await,
        "regulator",
    );
    assert!(seen["actions"][0]["done_at"].is_i64());
    let write = app
        .post_json(
            &format!("/api/v1/drills/{drill}/record"),
            &regulator,
            json!({"record": "x"}),
        )
        .await;
    status(&write, StatusCode::FORBIDDEN, "regulator records");
    for (who, session) in [
        ("officer_b", &officer_b),
        ("other_regulator", &other_regulator),
        ("vendor_a", &vendor_a),
    ] {
        status(
            &app.get(&format!("/api/v1/drills/{drill}"), session).await,
            StatusCode::NOT_FOUND,
            who,
        );
        status(
            &app.get(&format!("/preparedness/drills/{drill}"), session)
                .await,
            StatusCode::NOT_FOUND,
            who,
        );
        let add = app
            .post_json(
                &format!("/api/v1/drills/{drill}/actions"),
                session,
                json!({"action": "x", "owner": "y", "due_on": "2027-01-01"}),
            )
            .await;
        status(&add, StatusCode::NOT_FOUND, who);
    }
    let page = app
        .get(&format!("/preparedness/drills/{drill}"), &regulator)
        .await;
    assert!(page.body.contains("&lt;i&gt;响应及时"), "{}", page.body);
    let actions = audit_actions(app, &regulator).await;
    for expected in [
        "plan_upload",
        "plan_download",
        "drill_schedule",
        "drill_record",
        "drill_action_add",
        "drill_action_done",
    ] {
        assert!(actions.iter().any(|a| a == expected), "{expected}");
    }
});

on_both_backends!(supervision_pages_render_in_both_languages, |app| {
    let regulator = app.login("regulator").await;
    let officer_a = app.login("officer_a").await;
    let id = send_notice(app, &regulator, "页面通报", &[app.orgs.operator_a]).await;
    for (session, path) in [
        (&regulator, "/supervision".to_owned()),
        (&regulator, "/notices".to_owned()),
        (&regulator, format!("/notices/{id}")),
        (&regulator, "/complaints".to_owned()),
        (&regulator, "/preparedness".to_owned()),
        (&regulator, "/webhooks".to_owned()),
        (&officer_a, "/inbox".to_owned()),
        (&officer_a, "/preparedness".to_owned()),
        (&officer_a, "/webhooks".to_owned()),
    ] {
        for lang in ["zh", "en"] {
            let page = app.get(&format!("{path}?lang={lang}"), session).await;
            status(&page, StatusCode::OK, &format!("{path} {lang}"));
        }
    }
    let public = app
        .send(
            Request::get("/complaints/track?lang=en")
                .body(Body::empty())
                .unwrap(),
        )
        .await;
    assert!(public.body.contains("Track a complaint"));
});
