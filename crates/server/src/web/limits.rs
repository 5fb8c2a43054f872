//! Where the rate limiters meet HTTP: the client's address (the socket's peer, or a trusted
//! proxy's header when configured), the API limit per session or token, and the sign-in limits
//! per address and per username. A refusal is `429 Too Many Requests` with `Retry-After`.

use std::net::{IpAddr, SocketAddr};

use axum::extract::{ConnectInfo, FromRequestParts, Request, State};
use axum::http::HeaderMap;
use axum::http::request::Parts;
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

use super::Identity;
use crate::AppState;
use crate::config::Config;
use crate::error::Error;
use crate::ratelimit::{RateLimiter, address_key};

/// The client's address: from the configured trusted proxy header if set (its last entry, the
/// one the proxy itself appended), else the socket's peer. `None` only for requests that did
/// not come through a socket (in-process tests).
pub fn client_address(
    config: &Config,
    headers: &HeaderMap,
    extensions: &axum::http::Extensions,
) -> Option<IpAddr> {
    let from_proxy = config.trusted_proxy_header.as_deref().and_then(|name| {
        headers
            .get_all(name)
            .iter()
            .next_back()?
            .to_str()
            .ok()?
            .rsplit(',')
            .next()?
            .trim()
            .parse::<IpAddr>()
            .ok()
    });
    from_proxy.or_else(|| {
        extensions
            .get::<ConnectInfo<SocketAddr>>()
            .map(|ConnectInfo(peer)| peer.ip())
    })
}

/// The rate-limiting key of the client's address; requests without one share a key, so the
/// limit is never skipped.
pub struct ClientKey(pub String);

impl FromRequestParts<AppState> for ClientKey {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        Ok(ClientKey(
            client_address(&state.config, &parts.headers, &parts.extensions)
                .map_or_else(|| "unknown".to_owned(), address_key),
        ))
    }
}

/// One token from `limiter` for `key`, or the error that answers 429.
pub fn take(limiter: &RateLimiter, key: &str) -> Result<(), Error> {
    limiter
        .check(key)
        .map_err(|retry| Error::RateLimited(retry.seconds()))
}

/// A sign-in attempt (a password or a second-factor code) from `client` for `username`.
pub fn sign_in_attempt(state: &AppState, client: &ClientKey, username: &str) -> Result<(), Error> {
    take(&state.limits.login_per_address, &client.0)?;
    take(
        &state.limits.login_per_username,
        &username.trim().to_lowercase(),
    )
}

/// The API limit, per session or token (their digests are the keys), per address for
/// requests without either. Runs after `identify`, so it sees who is asking.
pub async fn limit_api(
    State(state): State<AppState>,
    client: ClientKey,
    request: Request,
    next: Next,
) -> Response {
    if !request.uri().path().starts_with("/api/") {
        return next.run(request).await;
    }
    let key = match request.extensions().get::<Identity>() {
        Some(identity) => format!("principal:{}", identity.limit_key),
        None => format!("address:{}", client.0),
    };
    if let Err(error) = take(&state.limits.api, &key) {
        return error.into_response();
    }
    next.run(request).await
}

#[cfg(test)]
mod tests {
    use super::*;

    fn request_parts(forwarded: Option<&str>) -> (HeaderMap, axum::http::Extensions) {
        let mut headers = HeaderMap::new();
        if let Some(value) = forwarded {
            headers.insert("x-forwarded-for", value.parse().unwrap());
        }
        let mut extensions = axum::http::Extensions::new();
        extensions.insert(ConnectInfo("10.0.0.2:443".parse::<SocketAddr>().unwrap()));
        (headers, extensions)
    }

    #[test]
    fn the_proxy_header_counts_only_when_configured() {
        let (headers, extensions) = request_parts(Some("1.1.1.1, 203.0.113.5"));
        let direct = Config::default();
        // Not configured: a client cannot choose its address by sending the header.
        assert_eq!(
            client_address(&direct, &headers, &extensions),
            Some("10.0.0.2".parse().unwrap())
        );
        let proxied = Config {
            trusted_proxy_header: Some("X-Forwarded-For".into()),
            ..Config::default()
        };
        // Configured: the entry the proxy appended (the last), not what the client sent first.
        assert_eq!(
            client_address(&proxied, &headers, &extensions),
            Some("203.0.113.5".parse().unwrap())
        );
        // A missing or garbled header falls back to the socket.
        let (headers, extensions) = request_parts(Some("not an address"));
        assert_eq!(
            client_address(&proxied, &headers, &extensions),
            Some("10.0.0.2".parse().unwrap())
        );
        let (headers, extensions) = request_parts(None);
        assert_eq!(
            client_address(&proxied, &headers, &extensions),
            Some("10.0.0.2".parse().unwrap())
        );
    }
}
