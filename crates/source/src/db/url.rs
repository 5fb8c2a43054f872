//! What to connect to: a database URL or an SQLite file, and how to name it without secrets.

use std::fmt;
use std::path::{Path, PathBuf};

use crate::SourceError;

/// The first 16 bytes of every SQLite 3 database file.
const SQLITE_MAGIC: &[u8; 16] = b"SQLite format 3\0";
const SQLITE_EXTENSIONS: [&str; 3] = ["db", "sqlite", "sqlite3"];
const SUPPORTED: &str = "use postgres://, postgresql://, mysql://, mariadb://, sqlite:///path.db \
                         or the path of a .db/.sqlite/.sqlite3 file";

/// Which kind of database a target is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DbKind {
    Postgres,
    MySql,
    Sqlite,
}

#[derive(Clone)]
enum Location {
    /// A server URL with credentials, only ever handed to the driver.
    Server {
        connect_url: String,
        secrets: Vec<String>,
    },
    File {
        path: PathBuf,
    },
}

/// A database to scan. Its [`display`](Self::display) form and its `Debug` output never
/// contain a password; the credentials only reach the driver.
#[derive(Clone)]
pub struct DbTarget {
    kind: DbKind,
    location: Location,
    /// `postgres://host:port` or `sqlite://` (no database, no credentials).
    server: String,
    /// The database named in the URL (for SQLite: the file path).
    database: Option<String>,
}

impl DbTarget {
    /// Recognises `postgres://`, `postgresql://`, `mysql://`, `mariadb://`, `sqlite://PATH`
    /// (`sqlite:///abs/file.db`), and a plain path that ends in `.db`, `.sqlite` or `.sqlite3`
    /// or whose content starts with the SQLite header.
    pub fn parse(input: &str) -> Result<DbTarget, SourceError> {
        let input = input.trim();
        let lower = input.to_ascii_lowercase();
        if let Some(rest) = lower
            .strip_prefix("sqlite:")
            .map(|_| &input["sqlite:".len()..])
        {
            let path = rest.strip_prefix("//").unwrap_or(rest);
            let path = path.split_once('?').map_or(path, |(path, _)| path);
            if path.is_empty() {
                return Err(SourceError::input(
                    input,
                    format!("no file in the SQLite URL; {SUPPORTED}"),
                ));
            }
            return Ok(DbTarget::sqlite(Path::new(path)));
        }
        let kind = if lower.starts_with("postgres://") || lower.starts_with("postgresql://") {
            DbKind::Postgres
        } else if lower.starts_with("mysql://") || lower.starts_with("mariadb://") {
            DbKind::MySql
        } else if let Some((scheme, _)) = input.split_once("://") {
            return Err(SourceError::input(
                redact_url(input),
                format!("unsupported database URL scheme `{scheme}`; {SUPPORTED}"),
            ));
        } else if looks_like_sqlite(Path::new(input)) {
            return Ok(DbTarget::sqlite(Path::new(input)));
        } else {
            return Err(SourceError::input(
                input,
                format!("not a database URL or SQLite file; {SUPPORTED}"),
            ));
        };
        DbTarget::from_server_url(kind, input)
    }

    fn sqlite(path: &Path) -> DbTarget {
        // An absolute path names the table the same way whatever the working directory.
        let path = std::fs::canonicalize(path).unwrap_or_else(|_| path.to_path_buf());
        DbTarget {
            kind: DbKind::Sqlite,
            database: Some(path.display().to_string()),
            location: Location::File { path },
            server: "sqlite://".to_string(),
        }
    }

    fn from_server_url(kind: DbKind, input: &str) -> Result<DbTarget, SourceError> {
        let invalid = |why: String| {
            SourceError::input(redact_url(input), format!("invalid database URL: {why}"))
        };
        let parsed = url::Url::parse(input).map_err(|e| invalid(e.to_string()))?;
        let scheme = match parsed.scheme() {
            "postgresql" => "postgres",
            other => other,
        };
        let host = parsed
            .host_str()
            .filter(|h| !h.is_empty())
            .unwrap_or("localhost");
        let default_port = if kind == DbKind::Postgres { 5432 } else { 3306 };
        let port = parsed.port().unwrap_or(default_port);
        let database = parsed.path().trim_matches('/');
        if database.contains('/') {
            return Err(invalid(format!(
                "`{database}` is not a database name; the path holds one name"
            )));
        }
        let database = percent_decode(database).map_err(invalid)?;
        let mut secrets = Vec::new();
        if let Some(password) = parsed.password() {
            secrets.push(password.to_string());
            if let Ok(decoded) = percent_decode(password) {
                secrets.push(decoded);
            }
        }
        // The drivers only know `mysql://`; `mariadb://` is the same protocol.
        let connect_url = match lower_scheme(input) {
            Some(s) if s == "mariadb" => format!("mysql{}", &input["mariadb".len()..]),
            _ => input.to_string(),
        };
        Ok(DbTarget {
            kind,
            location: Location::Server {
                connect_url,
                secrets,
            },
            server: format!("{scheme}://{host}:{port}"),
            database: (!database.is_empty()).then_some(database),
        })
    }

    pub fn kind(&self) -> DbKind {
        self.kind
    }

    /// `postgres://host:port/db`, `mysql://host:port/db`, `sqlite:///path/file.db`: no credentials.
    pub fn display(&self) -> String {
        match (&self.location, &self.database) {
            (Location::File { path }, _) => format!("sqlite://{}", path.display()),
            (Location::Server { .. }, Some(db)) => format!("{}/{db}", self.server),
            (Location::Server { .. }, None) => self.server.clone(),
        }
    }

    /// `scheme://host:port` without the database.
    pub(crate) fn server(&self) -> &str {
        &self.server
    }

    /// The database named in the URL, if any.
    pub(crate) fn database(&self) -> Option<&str> {
        self.database.as_deref()
    }

    /// The URL with credentials, for the driver only.
    pub(crate) fn connect_url(&self) -> Option<&str> {
        match &self.location {
            Location::Server { connect_url, .. } => Some(connect_url),
            Location::File { .. } => None,
        }
    }

    pub(crate) fn sqlite_path(&self) -> Option<&Path> {
        match &self.location {
            Location::File { path } => Some(path),
            Location::Server { .. } => None,
        }
    }

    /// `message` with the password (as written and percent-decoded) and the userinfo of any
    /// URL in it replaced, for text that came from a driver.
    pub(crate) fn scrub(&self, message: &str) -> String {
        let mut clean = redact_url(message);
        if let Location::Server { secrets, .. } = &self.location {
            for secret in secrets.iter().filter(|s| !s.is_empty()) {
                clean = clean.replace(secret.as_str(), "***");
            }
        }
        clean
    }
}

impl fmt::Debug for DbTarget {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("DbTarget")
            .field("kind", &self.kind)
            .field("display", &self.display())
            .finish()
    }
}

impl fmt::Display for DbTarget {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.display())
    }
}

/// True when `path` is an SQLite 3 database file (by its header).
pub fn is_sqlite_file(path: &Path) -> bool {
    use std::io::Read;
    let mut header = [0u8; 16];
    std::fs::File::open(path)
        .and_then(|mut f| f.read_exact(&mut header))
        .is_ok()
        && &header == SQLITE_MAGIC
}

fn looks_like_sqlite(path: &Path) -> bool {
    let by_extension = path.extension().and_then(|e| e.to_str()).is_some_and(|e| {
        SQLITE_EXTENSIONS
            .iter()
            .any(|known| e.eq_ignore_ascii_case(known))
    });
    by_extension || is_sqlite_file(path)
}

fn lower_scheme(input: &str) -> Option<String> {
    input
        .split_once("://")
        .map(|(scheme, _)| scheme.to_ascii_lowercase())
}

/// Replaces the password of every `scheme://user:password@host` in `text` by `***`. Works on
/// text that is not a valid URL, so it can clean what a parser refused.
pub(crate) fn redact_url(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(at) = rest.find("://") {
        let (before, after) = rest.split_at(at + 3);
        out.push_str(before);
        let authority_end = after
            .find(['/', '?', '#', ' ', '"', '\''])
            .unwrap_or(after.len());
        let authority = &after[..authority_end];
        match authority
            .rfind('@')
            .and_then(|at| authority[..at].find(':').map(|colon| (colon, at)))
        {
            Some((colon, at)) => {
                out.push_str(&authority[..=colon]);
                out.push_str("***");
                out.push_str(&authority[at..]);
            }
            None => out.push_str(authority),
        }
        rest = &after[authority_end..];
    }
    out.push_str(rest);
    out
}

fn percent_decode(text: &str) -> Result<String, String> {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' {
            let hex = text.get(i + 1..i + 3).ok_or("a `%` escape is cut short")?;
            out.push(
                u8::from_str_radix(hex, 16)
                    .map_err(|_| format!("`%{hex}` is not a percent escape"))?,
            );
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    String::from_utf8(out).map_err(|_| "a percent escape is not UTF-8".to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn server_urls_display_without_credentials() {
        let pg =
            DbTarget::parse("postgresql://alice:s3cr%40t@db.example:6543/sales?sslmode=disable")
                .unwrap();
        assert_eq!(pg.kind(), DbKind::Postgres);
        assert_eq!(pg.display(), "postgres://db.example:6543/sales");
        assert_eq!(
            pg.scrub("failed for s3cr@t and s3cr%40t"),
            "failed for *** and ***"
        );
        assert!(!format!("{pg:?}").contains("s3cr"));

        let maria = DbTarget::parse("mariadb://root:pw@127.0.0.1/test").unwrap();
        assert_eq!(maria.kind(), DbKind::MySql);
        assert_eq!(maria.display(), "mariadb://127.0.0.1:3306/test");
        assert!(maria.connect_url().unwrap().starts_with("mysql://"));

        let all = DbTarget::parse("mysql://root@localhost").unwrap();
        assert_eq!(all.display(), "mysql://localhost:3306");
        assert_eq!(all.database(), None);
    }

    #[test]
    fn sqlite_urls_and_paths() {
        let url = DbTarget::parse("sqlite:///var/data/app.db").unwrap();
        assert_eq!(url.kind(), DbKind::Sqlite);
        assert_eq!(url.display(), "sqlite:///var/data/app.db");
        assert_eq!(
            DbTarget::parse("/no/such/dir/x.sqlite3").unwrap().kind(),
            DbKind::Sqlite
        );
        assert!(DbTarget::parse("sqlite://").is_err());
    }

    #[test]
    fn errors_are_clear_and_never_show_the_password() {
        let err = DbTarget::parse("oracle://scott:tiger@host/orcl")
            .unwrap_err()
            .to_string();
        assert!(
            err.contains("unsupported database URL scheme `oracle`"),
            "{err}"
        );
        assert!(!err.contains("tiger"), "{err}");
        let err = DbTarget::parse("postgres://u:hunter2@host:notaport/db")
            .unwrap_err()
            .to_string();
        assert!(err.contains("invalid database URL"), "{err}");
        assert!(!err.contains("hunter2"), "{err}");
        let err = DbTarget::parse("report.xlsx").unwrap_err().to_string();
        assert!(err.contains("not a database URL or SQLite file"), "{err}");
    }

    #[test]
    fn redacts_passwords_in_free_text() {
        assert_eq!(
            redact_url("error connecting to postgres://bob:pa:ss@h/db now"),
            "error connecting to postgres://bob:***@h/db now"
        );
        assert_eq!(redact_url("no url here"), "no url here");
        assert_eq!(redact_url("mysql://root@h/db"), "mysql://root@h/db");
    }
}
