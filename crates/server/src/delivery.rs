//! Delivery of notifications outside the platform: e-mail through the configured SMTP server
//! and signed webhooks, sent from a queue in the database (`deliveries`) by a background
//! worker, retried with backoff, so nothing queued is lost when the process stops.
//!
//! A row is claimed by moving its `next_attempt_at` a lease ahead before sending; a process
//! that dies mid-send leaves the row pending, and it is sent again when the lease runs out.
//! Both transports are small clients over `tokio::net::TcpStream`: SMTP (RFC 5321, AUTH
//! PLAIN when credentials are configured) and HTTP/1.1 POST for webhooks. Neither speaks TLS
//! (no TLS stack is in the dependency tree): relay e-mail through a local MTA and point
//! webhooks at receivers on trusted networks or an egress proxy.

use std::fmt;
use std::net::{IpAddr, SocketAddr};
use std::time::Duration;

use base64::Engine as _;
use hmac::{Hmac, KeyInit, Mac};
use serde::Deserialize;
use sha2::Sha256;
use sqlx::Row;
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
use tokio::net::TcpStream;

use crate::AppState;
use crate::error::{Error, Result};

/// Header carrying the Unix time the webhook signature covers.
pub const TIMESTAMP_HEADER: &str = "X-Shuan-Timestamp";
/// Header carrying `sha256=<hex HMAC-SHA256(secret, timestamp + "." + body)>`.
pub const SIGNATURE_HEADER: &str = "X-Shuan-Signature";

/// Seconds to wait after the n-th failed attempt; after the last, the delivery is `failed`.
const BACKOFF_SECONDS: [i64; 7] = [30, 120, 600, 1800, 3600, 3 * 3600, 6 * 3600];
/// How long a claimed delivery is held before another pass may send it again.
const CLAIM_LEASE_SECONDS: i64 = 300;
/// How often the worker looks for due deliveries.
const POLL_INTERVAL: Duration = Duration::from_secs(2);
/// Longest a single SMTP conversation or webhook POST may take.
const SEND_TIMEOUT: Duration = Duration::from_secs(20);
/// Deliveries claimed per pass.
const BATCH: i64 = 50;

/// The SMTP server notification e-mail goes through. The user name and password come only
/// from `SHUAN_SMTP_USER` and `SHUAN_SMTP_PASSWORD`, never from the file, and are never
/// printed (`Debug` hides them).
#[derive(Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SmtpSettings {
    pub host: String,
    pub port: u16,
    /// The envelope and header sender, e.g. `shuan@regulator.example.cn`.
    pub from: String,
    #[serde(skip)]
    pub username: Option<String>,
    #[serde(skip)]
    pub password: Option<String>,
}

impl fmt::Debug for SmtpSettings {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SmtpSettings")
            .field("host", &self.host)
            .field("port", &self.port)
            .field("from", &self.from)
            .field("username", &self.username.as_ref().map(|_| "<set>"))
            .field("password", &self.password.as_ref().map(|_| "<hidden>"))
            .finish()
    }
}

/// A plausible mailbox: one `@`, no spaces, controls or angle brackets (which would let a
/// value break out of an SMTP command or a header).
pub fn valid_email(address: &str) -> bool {
    let Some((local, domain)) = address.split_once('@') else {
        return false;
    };
    address.len() <= 254
        && !local.is_empty()
        && domain.contains('.')
        && !domain.contains('@')
        && !address
            .chars()
            .any(|c| c.is_whitespace() || c.is_control() || matches!(c, '<' | '>' | '"' | ','))
}

// ---- SMTP

struct SmtpConnection {
    reader: BufReader<tokio::net::tcp::OwnedReadHalf>,
    writer: tokio::net::tcp::OwnedWriteHalf,
}

impl SmtpConnection {
    /// Reads one reply (all its continuation lines) and checks its code.
    async fn expect(&mut self, codes: &[u16], after: &str) -> Result<(), String> {
        let mut line = String::new();
        loop {
            line.clear();
            let n = self
                .reader
                .read_line(&mut line)
                .await
                .map_err(|e| format!("SMTP read after {after}: {e}"))?;
            if n == 0 {
                return Err(format!("SMTP server closed the connection after {after}"));
            }
            // "250-…" continues, "250 …" ends the reply.
            if line.len() < 4 || line.as_bytes()[3] != b'-' {
                break;
            }
        }
        let code: u16 = line.get(..3).and_then(|c| c.parse().ok()).unwrap_or(0);
        if codes.contains(&code) {
            Ok(())
        } else {
            Err(format!("SMTP {after}: {}", line.trim_end()))
        }
    }

    async fn command(&mut self, command: &str, codes: &[u16], name: &str) -> Result<(), String> {
        self.writer
            .write_all(format!("{command}\r\n").as_bytes())
            .await
            .map_err(|e| format!("SMTP write {name}: {e}"))?;
        self.expect(codes, name).await
    }
}

/// RFC 2047 encoded word, so any subject travels as one safe header line.
fn encoded_header(text: &str) -> String {
    format!(
        "=?UTF-8?B?{}?=",
        base64::engine::general_purpose::STANDARD.encode(text)
    )
}

/// The message: headers, then the UTF-8 body in base64 lines of 76 (base64 never starts a
/// line with `.`, so no dot-stuffing is needed).
fn mail_message(from: &str, to: &str, subject: &str, body: &str) -> String {
    let encoded = base64::engine::general_purpose::STANDARD.encode(body);
    let mut message = format!(
        "From: {from}\r\nTo: {to}\r\nSubject: {}\r\nMIME-Version: 1.0\r\n\
         Content-Type: text/plain; charset=UTF-8\r\nContent-Transfer-Encoding: base64\r\n\r\n",
        encoded_header(subject)
    );
    for chunk in encoded.as_bytes().chunks(76) {
        message.push_str(std::str::from_utf8(chunk).expect("base64 is ASCII"));
        message.push_str("\r\n");
    }
    message
}

/// Sends one message; the error says which step the server refused.
pub async fn send_mail(
    settings: &SmtpSettings,
    to: &str,
    subject: &str,
    body: &str,
) -> Result<(), String> {
    if !valid_email(to) || !valid_email(&settings.from) {
        return Err("invalid e-mail address".into());
    }
    let conversation = async {
        let stream = TcpStream::connect((settings.host.as_str(), settings.port))
            .await
            .map_err(|e| format!("SMTP connect {}:{}: {e}", settings.host, settings.port))?;
        let (read, writer) = stream.into_split();
        let mut smtp = SmtpConnection {
            reader: BufReader::new(read),
            writer,
        };
        smtp.expect(&[220], "greeting").await?;
        smtp.command("EHLO shuan", &[250], "EHLO").await?;
        if let (Some(user), Some(password)) = (&settings.username, &settings.password) {
            let token =
                base64::engine::general_purpose::STANDARD.encode(format!("\0{user}\0{password}"));
            smtp.command(&format!("AUTH PLAIN {token}"), &[235], "AUTH")
                .await?;
        }
        smtp.command(
            &format!("MAIL FROM:<{}>", settings.from),
            &[250],
            "MAIL FROM",
        )
        .await?;
        smtp.command(&format!("RCPT TO:<{to}>"), &[250, 251], "RCPT TO")
            .await?;
        smtp.command("DATA", &[354], "DATA").await?;
        let message = mail_message(&settings.from, to, subject, body);
        smtp.command(&format!("{message}."), &[250], "message")
            .await?;
        // The message is accepted; a failed goodbye changes nothing.
        let _ = smtp.command("QUIT", &[221], "QUIT").await;
        Ok(())
    };
    tokio::time::timeout(SEND_TIMEOUT, conversation)
        .await
        .map_err(|_| "SMTP timed out".to_owned())?
}

// ---- webhooks

/// `sha256=<hex>` over `timestamp.body`, the value of [`SIGNATURE_HEADER`]. A receiver
/// recomputes it with its secret and rejects old timestamps (replays).
pub fn webhook_signature(secret: &[u8], timestamp: i64, body: &str) -> String {
    let mut mac =
        <Hmac<Sha256> as KeyInit>::new_from_slice(secret).expect("HMAC accepts keys of any length");
    mac.update(timestamp.to_string().as_bytes());
    mac.update(b".");
    mac.update(body.as_bytes());
    let digest = mac.finalize().into_bytes();
    format!(
        "sha256={}",
        digest
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect::<String>()
    )
}

/// Addresses a webhook may not reach unless `webhook_allow_private` is set: the server's
/// own loopback, private and link-local networks, and non-unicast addresses.
fn is_internal(address: IpAddr) -> bool {
    match address {
        IpAddr::V4(v4) => {
            v4.is_loopback()
                || v4.is_private()
                || v4.is_link_local()
                || v4.is_unspecified()
                || v4.is_broadcast()
                || v4.is_multicast()
                || v4.octets()[0] == 100 && (v4.octets()[1] & 0xc0) == 64 // 100.64/10, CGNAT
        }
        IpAddr::V6(v6) => {
            v6.is_loopback()
                || v6.is_unspecified()
                || v6.is_multicast()
                || (v6.segments()[0] & 0xfe00) == 0xfc00 // unique local
                || (v6.segments()[0] & 0xffc0) == 0xfe80 // link local
                || v6.to_ipv4_mapped().is_some_and(|v4| is_internal(IpAddr::V4(v4)))
        }
    }
}

/// The parts of a webhook URL a POST needs. Only `http://` (see the module comment).
pub struct WebhookTarget {
    host: String,
    port: u16,
    path_and_query: String,
}

pub fn parse_webhook_url(text: &str) -> Result<WebhookTarget> {
    let url =
        url::Url::parse(text.trim()).map_err(|e| Error::BadRequest(format!("webhook URL: {e}")))?;
    if url.scheme() != "http" {
        return Err(Error::BadRequest(
            "webhook URL must start with http:// (no TLS client yet: use a receiver on a trusted network or an egress proxy)".into(),
        ));
    }
    if !url.username().is_empty() || url.password().is_some() {
        return Err(Error::BadRequest(
            "webhook URL must not carry credentials".into(),
        ));
    }
    let host = url
        .host_str()
        .ok_or_else(|| Error::BadRequest("webhook URL has no host".into()))?
        .trim_start_matches('[')
        .trim_end_matches(']')
        .to_owned();
    let mut path_and_query = url.path().to_owned();
    if let Some(query) = url.query() {
        path_and_query = format!("{path_and_query}?{query}");
    }
    Ok(WebhookTarget {
        host,
        port: url.port().unwrap_or(80),
        path_and_query,
    })
}

/// Resolves the host once and returns an address it may reach, so the address checked is
/// the one connected to (no second lookup for DNS rebinding to change).
async fn resolve(target: &WebhookTarget, allow_private: bool) -> Result<SocketAddr, String> {
    let addresses: Vec<SocketAddr> = tokio::net::lookup_host((target.host.as_str(), target.port))
        .await
        .map_err(|e| format!("cannot resolve {}: {e}", target.host))?
        .collect();
    addresses
        .into_iter()
        .find(|a| allow_private || !is_internal(a.ip()))
        .ok_or_else(|| format!("{} resolves only to internal addresses", target.host))
}

/// POSTs `body` with its signature; Ok on a 2xx answer.
pub async fn post_webhook(
    url: &str,
    secret: &[u8],
    allow_private: bool,
    delivery_id: i64,
    event: &str,
    body: &str,
) -> Result<(), String> {
    let target = parse_webhook_url(url).map_err(|e| e.to_string())?;
    let timestamp = crate::now();
    let signature = webhook_signature(secret, timestamp, body);
    let exchange = async {
        let address = resolve(&target, allow_private).await?;
        let mut stream = TcpStream::connect(address)
            .await
            .map_err(|e| format!("connect {address}: {e}"))?;
        let request = format!(
            "POST {} HTTP/1.1\r\nHost: {}\r\nUser-Agent: shuan-webhook\r\n\
             Content-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\
             X-Shuan-Event: {event}\r\nX-Shuan-Delivery: {delivery_id}\r\n\
             {TIMESTAMP_HEADER}: {timestamp}\r\n{SIGNATURE_HEADER}: {signature}\r\n\r\n{body}",
            target.path_and_query,
            target.host,
            body.len()
        );
        stream
            .write_all(request.as_bytes())
            .await
            .map_err(|e| format!("send: {e}"))?;
        let mut status_line = String::new();
        BufReader::new(stream)
            .read_line(&mut status_line)
            .await
            .map_err(|e| format!("read answer: {e}"))?;
        let status: u16 = status_line
            .split_whitespace()
            .nth(1)
            .and_then(|s| s.parse().ok())
            .unwrap_or(0);
        if (200..300).contains(&status) {
            Ok(())
        } else {
            Err(format!("answered {:?}", status_line.trim_end()))
        }
    };
    tokio::time::timeout(SEND_TIMEOUT, exchange)
        .await
        .map_err(|_| "timed out".to_owned())?
}

// ---- the queue

/// Starts the worker that sends due deliveries until the process ends.
pub fn spawn_worker(state: &AppState) {
    let state = state.clone();
    tokio::spawn(async move {
        loop {
            if let Err(error) = run_due_deliveries(&state, crate::now()).await {
                eprintln!("shuan-server: delivery queue: {error}");
            }
            tokio::time::sleep(POLL_INTERVAL).await;
        }
    });
}

/// Sends every delivery due at `now` (tests pass a later time to reach a retry); returns how
/// many were attempted.
pub async fn run_due_deliveries(state: &AppState, now: i64) -> Result<usize> {
    let due = sqlx::query(
        "SELECT id, next_attempt_at FROM deliveries WHERE status = 'pending' AND next_attempt_at <= $1 \
         ORDER BY next_attempt_at LIMIT $2",
    )
    .bind(now)
    .bind(BATCH)
    .fetch_all(&state.repo.pool)
    .await?;
    let mut attempted = 0;
    for row in due {
        let id: i64 = row.try_get("id")?;
        let scheduled: i64 = row.try_get("next_attempt_at")?;
        // Claim: only the pass that moves the time it read sends the row.
        let claimed = sqlx::query(
            "UPDATE deliveries SET next_attempt_at = $1, attempts = attempts + 1 \
             WHERE id = $2 AND status = 'pending' AND next_attempt_at = $3",
        )
        .bind(now + CLAIM_LEASE_SECONDS)
        .bind(id)
        .bind(scheduled)
        .execute(&state.repo.pool)
        .await?
        .rows_affected();
        if claimed == 1 {
            attempt(state, id, now).await?;
            attempted += 1;
        }
    }
    Ok(attempted)
}

async fn attempt(state: &AppState, id: i64, now: i64) -> Result<()> {
    let row = sqlx::query(
        "SELECT d.channel, d.target, d.event, d.subject, d.payload, d.attempts, w.url, w.sealed_secret, w.org_id AS webhook_org \
         FROM deliveries d LEFT JOIN webhooks w ON w.id = d.webhook_id WHERE d.id = $1",
    )
    .bind(id)
    .fetch_one(&state.repo.pool)
    .await?;
    let channel: String = row.try_get("channel")?;
    let target: String = row.try_get("target")?;
    let event: String = row.try_get("event")?;
    let subject: String = row.try_get("subject")?;
    let payload: String = row.try_get("payload")?;
    let attempts: i64 = row.try_get("attempts")?;
    let outcome = match channel.as_str() {
        "email" => match &state.config.smtp {
            Some(smtp) => send_mail(smtp, &target, &subject, &payload).await,
            None => Err("no SMTP server configured".to_owned()),
        },
        "webhook" => {
            let url: Option<String> = row.try_get("url")?;
            let sealed: Option<String> = row.try_get("sealed_secret")?;
            let org: Option<i64> = row.try_get("webhook_org")?;
            match (url, sealed, org) {
                (Some(url), Some(sealed), Some(org)) => {
                    let secret = state.secrets.open(&sealed, &webhook_secret_context(org))?;
                    post_webhook(
                        &url,
                        secret.as_bytes(),
                        state.config.webhook_allow_private,
                        id,
                        &event,
                        &payload,
                    )
                    .await
                }
                _ => Err("the webhook was removed".to_owned()),
            }
        }
        other => Err(format!("unknown channel {other:?}")),
    };
    match outcome {
        Ok(()) => {
            sqlx::query(
                "UPDATE deliveries SET status = 'sent', sent_at = $1, last_error = '' WHERE id = $2",
            )
            .bind(now)
            .bind(id)
            .execute(&state.repo.pool)
            .await?;
        }
        Err(error) => {
            let retry = BACKOFF_SECONDS.get(attempts as usize - 1);
            sqlx::query(
                "UPDATE deliveries SET status = $1, next_attempt_at = $2, last_error = $3 WHERE id = $4",
            )
            .bind(if retry.is_some() { "pending" } else { "failed" })
            .bind(now + retry.copied().unwrap_or(0))
            .bind(error.chars().take(500).collect::<String>())
            .bind(id)
            .execute(&state.repo.pool)
            .await?;
        }
    }
    Ok(())
}

/// Associated data sealing a webhook secret: bound to its organisation, so a sealed value
/// copied to another organisation's row does not open.
pub fn webhook_secret_context(org_id: i64) -> String {
    format!("webhook-secret:org:{org_id}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn addresses_that_could_break_a_command_are_refused() {
        assert!(valid_email("li@example.cn"));
        for bad in [
            "li@example.cn>\r\nRCPT TO:<x@y.z",
            "no-at.example.cn",
            "a b@example.cn",
            "@example.cn",
            "li@localhost",
        ] {
            assert!(!valid_email(bad), "{bad:?}");
        }
    }

    #[test]
    fn internal_addresses_are_recognised() {
        for internal in [
            "127.0.0.1",
            "10.1.2.3",
            "192.168.0.1",
            "169.254.169.254",
            "::1",
            "fd00::1",
            "::ffff:127.0.0.1",
            "100.64.0.1",
        ] {
            assert!(is_internal(internal.parse().unwrap()), "{internal}");
        }
        assert!(!is_internal("203.0.113.7".parse().unwrap()));
    }

    #[test]
    fn only_plain_http_urls_without_credentials() {
        assert!(parse_webhook_url("http://hooks.example.cn:8080/in?x=1").is_ok());
        assert!(parse_webhook_url("https://hooks.example.cn/").is_err());
        assert!(parse_webhook_url("http://u:p@hooks.example.cn/").is_err());
        assert!(parse_webhook_url("file:///etc/passwd").is_err());
    }

    #[test]
    fn signature_covers_timestamp_and_body() {
        let a = webhook_signature(b"k", 1, "{}");
        assert!(a.starts_with("sha256=") && a.len() == 7 + 64);
        assert_ne!(a, webhook_signature(b"k", 2, "{}"));
        assert_ne!(a, webhook_signature(b"k", 1, "{ }"));
        assert_ne!(a, webhook_signature(b"other", 1, "{}"));
    }

    #[test]
    fn smtp_credentials_never_print() {
        let settings = SmtpSettings {
            host: "mx".into(),
            port: 25,
            from: "a@b.cn".into(),
            username: Some("user".into()),
            password: Some("hunter2-secret".into()),
        };
        assert!(!format!("{settings:?}").contains("hunter2"));
    }
}
