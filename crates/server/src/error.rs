//! One error type for the platform; HTTP handlers turn it into a status code without leaking
//! internals (database messages, paths, secrets) to the client.

use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};

#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("configuration: {0}")]
    Config(String),
    #[error("database: {0}")]
    Database(#[from] sqlx::Error),
    #[error("audit ledger: {0}")]
    Ledger(#[from] shuan_ledger::Error),
    #[error("secret store: {0}")]
    Secret(String),
    #[error("I/O: {0}")]
    Io(#[from] std::io::Error),
    #[error("template: {0}")]
    Template(#[from] minijinja::Error),
    /// Not signed in, or the session or token expired.
    #[error("authentication required")]
    Unauthenticated,
    /// Signed in but the action is not allowed on the user's own organisation.
    #[error("forbidden")]
    Forbidden,
    /// Missing, or belongs to an organisation the user may not see (the two are not told
    /// apart, so ids of other tenants' records reveal nothing).
    #[error("not found")]
    NotFound,
    #[error("{0}")]
    BadRequest(String),
    #[error("request too large")]
    TooLarge,
    #[error("CSRF token missing or wrong")]
    Csrf,
    /// Too many requests from this client or for this account; retry after the seconds.
    #[error("too many requests; try again in {0} seconds")]
    RateLimited(u64),
}

impl Error {
    pub fn status(&self) -> StatusCode {
        match self {
            Error::Unauthenticated => StatusCode::UNAUTHORIZED,
            Error::Forbidden | Error::Csrf => StatusCode::FORBIDDEN,
            Error::NotFound => StatusCode::NOT_FOUND,
            Error::BadRequest(_) => StatusCode::BAD_REQUEST,
            Error::TooLarge => StatusCode::PAYLOAD_TOO_LARGE,
            Error::RateLimited(_) => StatusCode::TOO_MANY_REQUESTS,
            _ => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    /// What the client may read: the message for client errors, a generic line otherwise.
    pub fn public_message(&self) -> String {
        if self.status().is_server_error() {
            "internal error".to_owned()
        } else {
            self.to_string()
        }
    }

    /// Adds what the error tells the client beyond its status: `Retry-After` when limited.
    pub fn annotate(&self, response: &mut Response) {
        if let Error::RateLimited(seconds) = self {
            response
                .headers_mut()
                .insert(axum::http::header::RETRY_AFTER, (*seconds).into());
        }
    }
}

impl IntoResponse for Error {
    fn into_response(self) -> Response {
        let status = self.status();
        if status.is_server_error() {
            eprintln!("shuan-server: {self}");
        }
        let mut response = (
            status,
            axum::Json(serde_json::json!({ "error": self.public_message() })),
        )
            .into_response();
        self.annotate(&mut response);
        response
    }
}

pub type Result<T, E = Error> = std::result::Result<T, E>;
