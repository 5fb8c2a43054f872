//! The repository layer: every SQL statement of the platform, portable between SQLite and
//! PostgreSQL (`$N` parameters, `RETURNING`, BIGINT flags). Callers pass the organisations
//! authorisation admitted; queries never widen that set.

use std::sync::Arc;

use serde::Serialize;
use sqlx::any::AnyRow;
use sqlx::{AnyPool, Row};

use crate::auth::{OrgKind, OrgRef, Role};
use crate::cache::{ReadCache, TableRead};
use crate::db::Dialect;
use crate::error::{Error, Result};
use crate::now;

#[derive(Clone, Debug, Serialize)]
pub struct Organisation {
    pub id: i64,
    pub name: String,
    pub kind: OrgKind,
    pub regulator_id: Option<i64>,
    pub region: String,
    pub industry: String,
}

impl Organisation {
    pub fn as_ref(&self) -> OrgRef {
        OrgRef {
            id: self.id,
            kind: self.kind,
            regulator_id: self.regulator_id,
        }
    }

    fn from_row(row: &AnyRow) -> Result<Self> {
        Self::from_columns(row, "")
    }

    /// An organisation joined into another record's row, its columns named `org_…`.
    fn from_joined_row(row: &AnyRow) -> Result<Self> {
        Self::from_columns(row, "org_")
    }

    fn from_columns(row: &AnyRow, prefix: &str) -> Result<Self> {
        let column = |name: &str| format!("{prefix}{name}");
        let kind: String = row.try_get(column("kind").as_str())?;
        Ok(Organisation {
            id: row.try_get(column("id").as_str())?,
            name: row.try_get(column("name").as_str())?,
            kind: OrgKind::parse(&kind)
                .ok_or_else(|| Error::Config(format!("unknown organisation kind {kind:?}")))?,
            regulator_id: row.try_get(column("regulator_id").as_str())?,
            region: row.try_get(column("region").as_str())?,
            industry: row.try_get(column("industry").as_str())?,
        })
    }
}

#[derive(Clone, Debug)]
pub struct User {
    pub id: i64,
    pub org_id: i64,
    pub username: String,
    pub display_name: String,
    pub role: Role,
    pub password_hash: String,
    pub failed_logins: i64,
    pub locked_until: i64,
    /// Disabled by an administrator: cannot sign in, sessions and tokens refused.
    pub disabled: bool,
}

impl User {
    fn from_row(row: &AnyRow) -> Result<Self> {
        let role: String = row.try_get("role")?;
        Ok(User {
            id: row.try_get("id")?,
            org_id: row.try_get("org_id")?,
            username: row.try_get("username")?,
            display_name: row.try_get("display_name")?,
            role: Role::parse(&role)
                .ok_or_else(|| Error::Config(format!("unknown role {role:?}")))?,
            password_hash: row.try_get("password_hash")?,
            failed_logins: row.try_get("failed_logins")?,
            locked_until: row.try_get("locked_until")?,
            disabled: row.try_get::<i64, _>("disabled")? != 0,
        })
    }
}

/// How a data source is reached.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum SourceKind {
    /// A file uploaded into the data dir.
    Upload,
    /// A file or folder on the server, under an allowed root.
    Path,
    /// A database URL; its password sealed apart from it.
    Database,
}

impl SourceKind {
    pub fn as_str(self) -> &'static str {
        match self {
            SourceKind::Upload => "upload",
            SourceKind::Path => "path",
            SourceKind::Database => "database",
        }
    }

    fn parse(text: &str) -> Result<Self> {
        match text {
            "upload" => Ok(SourceKind::Upload),
            "path" => Ok(SourceKind::Path),
            "database" => Ok(SourceKind::Database),
            other => Err(Error::Config(format!("unknown source kind {other:?}"))),
        }
    }
}

/// A data source as shown: the password is never part of it.
#[derive(Clone, Debug, Serialize)]
pub struct DataSource {
    pub id: i64,
    pub org_id: i64,
    pub system: String,
    pub name: String,
    pub kind: SourceKind,
    /// Path, or database URL without its password.
    pub location: String,
    pub has_password: bool,
    pub created_at: i64,
}

const SOURCE_COLUMNS: &str = "s.id, s.org_id, y.name AS system, s.name, s.kind, s.location, \
     s.encrypted_password IS NOT NULL AS has_password, s.created_at";

impl DataSource {
    fn from_row(row: &AnyRow) -> Result<Self> {
        let kind: String = row.try_get("kind")?;
        Ok(DataSource {
            id: row.try_get("id")?,
            org_id: row.try_get("org_id")?,
            system: row.try_get("system")?,
            name: row.try_get("name")?,
            kind: SourceKind::parse(&kind)?,
            location: row.try_get("location")?,
            has_password: flag(row, "has_password")?,
            created_at: row.try_get("created_at")?,
        })
    }
}

/// A boolean expression reads back as a bool from PostgreSQL and an integer from SQLite.
fn flag(row: &AnyRow, column: &str) -> Result<bool> {
    match row.try_get::<bool, _>(column) {
        Ok(value) => Ok(value),
        Err(_) => Ok(row.try_get::<i64, _>(column)? != 0),
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum JobStatus {
    Queued,
    Running,
    Succeeded,
    Failed,
    Cancelled,
}

impl JobStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            JobStatus::Queued => "queued",
            JobStatus::Running => "running",
            JobStatus::Succeeded => "succeeded",
            JobStatus::Failed => "failed",
            JobStatus::Cancelled => "cancelled",
        }
    }

    fn parse(text: &str) -> Result<Self> {
        [
            JobStatus::Queued,
            JobStatus::Running,
            JobStatus::Succeeded,
            JobStatus::Failed,
            JobStatus::Cancelled,
        ]
        .into_iter()
        .find(|s| s.as_str() == text)
        .ok_or_else(|| Error::Config(format!("unknown job status {text:?}")))
    }

    pub fn is_active(self) -> bool {
        matches!(self, JobStatus::Queued | JobStatus::Running)
    }
}

#[derive(Clone, Debug, Serialize)]
pub struct ScanJob {
    pub id: i64,
    pub org_id: i64,
    pub source_id: i64,
    pub source_name: String,
    pub status: JobStatus,
    pub cancel_requested: bool,
    pub progress_done: i64,
    pub progress_total: i64,
    pub message: String,
    pub created_at: i64,
    pub started_at: i64,
    pub finished_at: i64,
}

const JOB_COLUMNS: &str = "j.id, j.org_id, j.source_id, s.name AS source_name, j.status, \
     j.cancel_requested, j.progress_done, j.progress_total, j.message, j.created_at, \
     j.started_at, j.finished_at";

impl ScanJob {
    fn from_row(row: &AnyRow) -> Result<Self> {
        let status: String = row.try_get("status")?;
        Ok(ScanJob {
            id: row.try_get("id")?,
            org_id: row.try_get("org_id")?,
            source_id: row.try_get("source_id")?,
            source_name: row.try_get("source_name")?,
            status: JobStatus::parse(&status)?,
            cancel_requested: row.try_get::<i64, _>("cancel_requested")? != 0,
            progress_done: row.try_get("progress_done")?,
            progress_total: row.try_get("progress_total")?,
            message: row.try_get("message")?,
            created_at: row.try_get("created_at")?,
            started_at: row.try_get("started_at")?,
            finished_at: row.try_get("finished_at")?,
        })
    }

    /// Percent done, for progress bars.
    pub fn percent(&self) -> i64 {
        if self.status == JobStatus::Succeeded {
            100
        } else if self.progress_total > 0 {
            (self.progress_done * 100 / self.progress_total).clamp(0, 100)
        } else {
            0
        }
    }
}

#[derive(Clone, Debug, Serialize)]
pub struct InventoryTable {
    pub id: i64,
    pub org_id: i64,
    pub org_name: String,
    pub source_id: i64,
    pub source_name: String,
    pub system_id: i64,
    pub system: String,
    pub location: String,
    pub name: String,
    pub rows_scanned: i64,
    pub level: Option<String>,
    pub columns: i64,
    pub sensitive_columns: i64,
    pub updated_at: i64,
}

/// What the inventory shows of a table, and where it is read from: each table with its
/// source, system and organisation.
const TABLE_FIELDS: &str = "t.id, t.org_id, o.name AS org_name, t.source_id, \
     s.name AS source_name, s.system_id, y.name AS system, t.location, t.name, t.rows_scanned, t.level, \
     t.updated_at, t.column_count AS columns, t.sensitive_count AS sensitive_columns";
const TABLE_FROM: &str = "FROM inventory_tables t JOIN data_sources s ON s.id = t.source_id \
     JOIN systems y ON y.id = s.system_id JOIN organisations o ON o.id = t.org_id";

impl InventoryTable {
    fn from_row(row: &AnyRow) -> Result<Self> {
        Ok(InventoryTable {
            id: row.try_get("id")?,
            org_id: row.try_get("org_id")?,
            org_name: row.try_get("org_name")?,
            source_id: row.try_get("source_id")?,
            source_name: row.try_get("source_name")?,
            system_id: row.try_get("system_id")?,
            system: row.try_get("system")?,
            location: row.try_get("location")?,
            name: row.try_get("name")?,
            rows_scanned: row.try_get("rows_scanned")?,
            level: row.try_get("level")?,
            columns: row.try_get("columns")?,
            sensitive_columns: row.try_get("sensitive_columns")?,
            updated_at: row.try_get("updated_at")?,
        })
    }
}

#[derive(Clone, Debug, Serialize)]
pub struct InventoryColumn {
    pub id: i64,
    pub org_id: i64,
    pub table_id: i64,
    pub position: i64,
    pub name: String,
    pub comment: Option<String>,
    pub data_type: Option<String>,
    pub detected_entity: Option<String>,
    pub detected_category: Option<String>,
    pub detected_level: Option<String>,
    pub confidence: f64,
    pub evidence: String,
    pub entity: Option<String>,
    pub category: Option<String>,
    pub level: Option<String>,
    pub reviewed: bool,
    pub reviewed_at: i64,
}

const COLUMN_COLUMNS: &str = "id, org_id, table_id, position, name, comment, data_type, \
     detected_entity, detected_category, detected_level, confidence, evidence, entity, category, \
     level, reviewed, reviewed_at";

impl InventoryColumn {
    fn from_row(row: &AnyRow) -> Result<Self> {
        Ok(InventoryColumn {
            id: row.try_get("id")?,
            org_id: row.try_get("org_id")?,
            table_id: row.try_get("table_id")?,
            position: row.try_get("position")?,
            name: row.try_get("name")?,
            comment: row.try_get("comment")?,
            data_type: row.try_get("data_type")?,
            detected_entity: row.try_get("detected_entity")?,
            detected_category: row.try_get("detected_category")?,
            detected_level: row.try_get("detected_level")?,
            confidence: row.try_get("confidence")?,
            evidence: row.try_get("evidence")?,
            entity: row.try_get("entity")?,
            category: row.try_get("category")?,
            level: row.try_get("level")?,
            reviewed: row.try_get::<i64, _>("reviewed")? != 0,
            reviewed_at: row.try_get("reviewed_at")?,
        })
    }
}

#[derive(Clone, Debug, Serialize)]
pub struct LabelReview {
    pub id: i64,
    pub column_id: i64,
    pub username: String,
    pub old_entity: Option<String>,
    pub old_category: Option<String>,
    pub old_level: Option<String>,
    pub new_entity: Option<String>,
    pub new_category: Option<String>,
    pub new_level: Option<String>,
    pub reason: String,
    pub created_at: i64,
}

/// A confirmed or corrected label.
#[derive(Clone, Debug)]
pub struct LabelDecision {
    pub entity: Option<String>,
    pub category: Option<String>,
    pub level: Option<String>,
    pub reason: String,
}

/// Filters of the inventory's table list. Values are always bound, never spliced.
#[derive(Clone, Debug, Default)]
pub struct TableFilter {
    pub source_id: Option<i64>,
    pub level: Option<String>,
    pub name_contains: Option<String>,
    /// Only tables of these systems (a vendor's grants); `None` for every system.
    pub systems: Option<Vec<i64>>,
    /// Rows to skip (paging).
    pub offset: i64,
}

#[derive(Clone, Debug, Default, Serialize)]
pub struct Counts {
    pub tables: i64,
    pub columns: i64,
    pub sensitive_columns: i64,
    pub reviewed_columns: i64,
    pub sources: i64,
    pub by_level: Vec<(String, i64)>,
    pub by_category: Vec<(String, i64)>,
    /// For regulators: sensitive columns per operator.
    pub by_organisation: Vec<(String, i64)>,
}

/// `$first, $first+1, …` for an `IN (…)` list of `count` values.
/// A query of `sql` with `ids` bound to its first parameters, in order: the `IN (…)` lists that
/// [`placeholders`] writes. Further parameters are bound after them.
pub(crate) fn query_with_ids<'q>(
    sql: String,
    ids: impl IntoIterator<Item = &'q i64>,
) -> sqlx::query::Query<'q, sqlx::Any, sqlx::any::AnyArguments> {
    ids.into_iter()
        .fold(sqlx::query(sqlx::AssertSqlSafe(sql)), |query, id| {
            query.bind(*id)
        })
}

/// The one row `sql` selects with `id` as its only parameter; `NotFound` when there is none.
pub(crate) async fn row_by_id(pool: &AnyPool, sql: String, id: i64) -> Result<AnyRow> {
    sqlx::query(sqlx::AssertSqlSafe(sql))
        .bind(id)
        .fetch_optional(pool)
        .await?
        .ok_or(Error::NotFound)
}

pub(crate) fn placeholders(first: usize, count: usize) -> String {
    (first..first + count)
        .map(|i| format!("${i}"))
        .collect::<Vec<_>>()
        .join(", ")
}

#[derive(Clone)]
pub struct Repo {
    pub pool: AnyPool,
    /// The dashboard's figures and the tables read most; every write to them outdates it.
    pub cache: Arc<ReadCache>,
}

impl Repo {
    pub fn new(pool: AnyPool) -> Repo {
        Repo {
            pool,
            cache: Arc::default(),
        }
    }

    /// A transaction that reads before it writes. SQLite's default (deferred) transaction
    /// takes the write lock at its first write and, when another connection wrote since its
    /// first read, fails at once with "database is locked": busy_timeout cannot wait for a
    /// reader to become the writer. `BEGIN IMMEDIATE` takes the write lock first, waiting
    /// under busy_timeout; without it a scan failed whenever someone signed in meanwhile.
    async fn begin_read_write(&self) -> Result<sqlx::Transaction<'static, sqlx::Any>> {
        let url = &self.pool.connect_options().database_url;
        Ok(if Dialect::of_url(url.as_str())? == Dialect::Sqlite {
            self.pool.begin_with("BEGIN IMMEDIATE").await?
        } else {
            self.pool.begin().await?
        })
    }

    // ---- organisations and users

    pub async fn create_organisation(
        &self,
        name: &str,
        kind: OrgKind,
        regulator_id: Option<i64>,
        region: &str,
        industry: &str,
    ) -> Result<i64> {
        if (kind == OrgKind::Operator) != regulator_id.is_some() {
            return Err(Error::BadRequest(
                "an operator needs a regulator; other organisations have none".into(),
            ));
        }
        if let Some(regulator) = regulator_id
            && self.organisation(regulator).await?.kind != OrgKind::Regulator
        {
            return Err(Error::BadRequest(
                "the supervisor must be a regulator".into(),
            ));
        }
        let row = sqlx::query(
            "INSERT INTO organisations (name, kind, regulator_id, region, industry, created_at) \
             VALUES ($1, $2, $3, $4, $5, $6) RETURNING id",
        )
        .bind(name)
        .bind(kind.as_str())
        .bind(regulator_id)
        .bind(region)
        .bind(industry)
        .bind(now())
        .fetch_one(&self.pool)
        .await?;
        Ok(row.try_get(0)?)
    }

    pub async fn organisation(&self, id: i64) -> Result<Organisation> {
        let row = sqlx::query("SELECT * FROM organisations WHERE id = $1")
            .bind(id)
            .fetch_optional(&self.pool)
            .await?
            .ok_or(Error::NotFound)?;
        Organisation::from_row(&row)
    }

    pub async fn organisations(&self) -> Result<Vec<Organisation>> {
        sqlx::query("SELECT * FROM organisations ORDER BY id")
            .fetch_all(&self.pool)
            .await?
            .iter()
            .map(Organisation::from_row)
            .collect()
    }

    pub async fn create_user(
        &self,
        org_id: i64,
        username: &str,
        display_name: &str,
        role: Role,
        password_hash: &str,
    ) -> Result<i64> {
        let org = self.organisation(org_id).await?;
        if !role.home_kind().contains(&org.kind) {
            return Err(Error::BadRequest(format!(
                "role {} cannot belong to a {} organisation",
                role.as_str(),
                org.kind.as_str()
            )));
        }
        let row = sqlx::query(
            "INSERT INTO users (org_id, username, display_name, role, password_hash, created_at) \
             VALUES ($1, $2, $3, $4, $5, $6) RETURNING id",
        )
        .bind(org_id)
        .bind(username)
        .bind(display_name)
        .bind(role.as_str())
        .bind(password_hash)
        .bind(now())
        .fetch_one(&self.pool)
        .await?;
        Ok(row.try_get(0)?)
    }

    pub async fn user_by_name(&self, username: &str) -> Result<Option<User>> {
        sqlx::query("SELECT * FROM users WHERE username = $1")
            .bind(username)
            .fetch_optional(&self.pool)
            .await?
            .as_ref()
            .map(User::from_row)
            .transpose()
    }

    pub async fn user(&self, id: i64) -> Result<User> {
        let row = sqlx::query("SELECT * FROM users WHERE id = $1")
            .bind(id)
            .fetch_optional(&self.pool)
            .await?
            .ok_or(Error::Unauthenticated)?;
        User::from_row(&row)
    }

    /// A user with the organisation it belongs to, in one query: every authenticated request
    /// asks for both.
    pub async fn user_with_org(&self, id: i64) -> Result<(User, Organisation)> {
        let row = sqlx::query(
            "SELECT u.*, o.name AS org_name, o.kind AS org_kind, \
             o.regulator_id AS org_regulator_id, o.region AS org_region, \
             o.industry AS org_industry \
             FROM users u JOIN organisations o ON o.id = u.org_id WHERE u.id = $1",
        )
        .bind(id)
        .fetch_optional(&self.pool)
        .await?
        .ok_or(Error::Unauthenticated)?;
        Ok((User::from_row(&row)?, Organisation::from_joined_row(&row)?))
    }

    /// Counts a failed login; the `max_failures`-th in a row locks the account until `until`.
    pub async fn record_login_failure(
        &self,
        user_id: i64,
        max_failures: i64,
        until: i64,
    ) -> Result<()> {
        sqlx::query(
            "UPDATE users SET failed_logins = failed_logins + 1, \
             locked_until = CASE WHEN failed_logins + 1 >= $1 THEN $2 ELSE locked_until END \
             WHERE id = $3",
        )
        .bind(max_failures)
        .bind(until)
        .bind(user_id)
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    pub async fn set_password(&self, user_id: i64, password_hash: &str) -> Result<()> {
        sqlx::query("UPDATE users SET password_hash = $1 WHERE id = $2")
            .bind(password_hash)
            .bind(user_id)
            .execute(&self.pool)
            .await?;
        // A changed password ends every other session of the user.
        sqlx::query("DELETE FROM sessions WHERE user_id = $1")
            .bind(user_id)
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    pub async fn user_count(&self) -> Result<i64> {
        let row = sqlx::query("SELECT COUNT(*) FROM users")
            .fetch_one(&self.pool)
            .await?;
        Ok(row.try_get(0)?)
    }

    pub async fn record_login_success(&self, user_id: i64) -> Result<()> {
        sqlx::query("UPDATE users SET failed_logins = 0, locked_until = 0 WHERE id = $1")
            .bind(user_id)
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    // ---- sessions and API tokens (stored as digests)

    pub async fn create_session(
        &self,
        token_digest: &str,
        user_id: i64,
        csrf_token: &str,
        expires_at: i64,
    ) -> Result<()> {
        // Expired sessions are useless; dropping them here keeps the table small.
        sqlx::query("DELETE FROM sessions WHERE expires_at <= $1")
            .bind(now())
            .execute(&self.pool)
            .await?;
        sqlx::query(
            "INSERT INTO sessions (token_hash, user_id, csrf_token, created_at, expires_at) \
             VALUES ($1, $2, $3, $4, $5)",
        )
        .bind(token_digest)
        .bind(user_id)
        .bind(csrf_token)
        .bind(now())
        .bind(expires_at)
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    /// The user and CSRF token of a live session.
    pub async fn session(&self, token_digest: &str) -> Result<Option<(i64, String)>> {
        let row = sqlx::query(
            "SELECT user_id, csrf_token FROM sessions WHERE token_hash = $1 AND expires_at > $2",
        )
        .bind(token_digest)
        .bind(now())
        .fetch_optional(&self.pool)
        .await?;
        row.map(|r| Ok((r.try_get(0)?, r.try_get(1)?))).transpose()
    }

    pub async fn delete_session(&self, token_digest: &str) -> Result<()> {
        sqlx::query("DELETE FROM sessions WHERE token_hash = $1")
            .bind(token_digest)
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    pub async fn create_api_token(&self, user_id: i64, name: &str, digest: &str) -> Result<i64> {
        let row = sqlx::query(
            "INSERT INTO api_tokens (user_id, name, token_hash, created_at) \
             VALUES ($1, $2, $3, $4) RETURNING id",
        )
        .bind(user_id)
        .bind(name)
        .bind(digest)
        .bind(now())
        .fetch_one(&self.pool)
        .await?;
        Ok(row.try_get(0)?)
    }

    pub async fn api_token_user(&self, digest: &str) -> Result<Option<i64>> {
        let row = sqlx::query("SELECT user_id FROM api_tokens WHERE token_hash = $1")
            .bind(digest)
            .fetch_optional(&self.pool)
            .await?;
        row.map(|r| Ok(r.try_get(0)?)).transpose()
    }

    // ---- data sources

    pub async fn system_id(&self, org_id: i64, name: &str) -> Result<i64> {
        if let Some(row) = sqlx::query("SELECT id FROM systems WHERE org_id = $1 AND name = $2")
            .bind(org_id)
            .bind(name)
            .fetch_optional(&self.pool)
            .await?
        {
            return Ok(row.try_get(0)?);
        }
        let row = sqlx::query("INSERT INTO systems (org_id, name) VALUES ($1, $2) RETURNING id")
            .bind(org_id)
            .bind(name)
            .fetch_one(&self.pool)
            .await?;
        Ok(row.try_get(0)?)
    }

    #[allow(clippy::too_many_arguments)]
    pub async fn create_source(
        &self,
        org_id: i64,
        system: &str,
        name: &str,
        kind: SourceKind,
        location: &str,
        encrypted_password: Option<&str>,
        created_by: i64,
    ) -> Result<i64> {
        let system_id = self.system_id(org_id, system).await?;
        let row = sqlx::query(
            "INSERT INTO data_sources \
             (org_id, system_id, name, kind, location, encrypted_password, created_by, created_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING id",
        )
        .bind(org_id)
        .bind(system_id)
        .bind(name)
        .bind(kind.as_str())
        .bind(location)
        .bind(encrypted_password)
        .bind(created_by)
        .bind(now())
        .fetch_one(&self.pool)
        .await?;
        self.cache.invalidate();
        Ok(row.try_get(0)?)
    }

    pub async fn source(&self, id: i64) -> Result<DataSource> {
        let sql = format!(
            "SELECT {SOURCE_COLUMNS} FROM data_sources s JOIN systems y ON y.id = s.system_id \
             WHERE s.id = $1"
        );
        let row = row_by_id(&self.pool, sql, id).await?;
        DataSource::from_row(&row)
    }

    /// The sealed password of a database source, for the scan job only.
    pub async fn source_secret(&self, id: i64) -> Result<Option<String>> {
        let row = sqlx::query("SELECT encrypted_password FROM data_sources WHERE id = $1")
            .bind(id)
            .fetch_one(&self.pool)
            .await?;
        Ok(row.try_get(0)?)
    }

    pub async fn sources(&self, org_ids: &[i64]) -> Result<Vec<DataSource>> {
        if org_ids.is_empty() {
            return Ok(Vec::new());
        }
        let sql = format!(
            "SELECT {SOURCE_COLUMNS} FROM data_sources s JOIN systems y ON y.id = s.system_id \
             WHERE s.org_id IN ({}) ORDER BY s.id",
            placeholders(1, org_ids.len())
        );
        let query = query_with_ids(sql, org_ids);
        query
            .fetch_all(&self.pool)
            .await?
            .iter()
            .map(DataSource::from_row)
            .collect()
    }

    // ---- scan jobs

    pub async fn create_job(&self, org_id: i64, source_id: i64, created_by: i64) -> Result<i64> {
        let row = sqlx::query(
            "INSERT INTO scan_jobs (org_id, source_id, status, created_by, created_at) \
             VALUES ($1, $2, 'queued', $3, $4) RETURNING id",
        )
        .bind(org_id)
        .bind(source_id)
        .bind(created_by)
        .bind(now())
        .fetch_one(&self.pool)
        .await?;
        Ok(row.try_get(0)?)
    }

    pub async fn job(&self, id: i64) -> Result<ScanJob> {
        let sql = format!(
            "SELECT {JOB_COLUMNS} FROM scan_jobs j JOIN data_sources s ON s.id = j.source_id \
             WHERE j.id = $1"
        );
        let row = row_by_id(&self.pool, sql, id).await?;
        ScanJob::from_row(&row)
    }

    pub async fn jobs(&self, org_ids: &[i64], limit: i64) -> Result<Vec<ScanJob>> {
        if org_ids.is_empty() {
            return Ok(Vec::new());
        }
        let sql = format!(
            "SELECT {JOB_COLUMNS} FROM scan_jobs j JOIN data_sources s ON s.id = j.source_id \
             WHERE j.org_id IN ({}) ORDER BY j.id DESC LIMIT ${}",
            placeholders(1, org_ids.len()),
            org_ids.len() + 1
        );
        let query = query_with_ids(sql, org_ids);
        query
            .bind(limit)
            .fetch_all(&self.pool)
            .await?
            .iter()
            .map(ScanJob::from_row)
            .collect()
    }

    /// Jobs a previous process left running go back to the queue.
    pub async fn requeue_interrupted_jobs(&self) -> Result<u64> {
        let done = sqlx::query(
            "UPDATE scan_jobs SET status = 'queued', progress_done = 0, \
             message = 'requeued after restart' WHERE status = 'running'",
        )
        .execute(&self.pool)
        .await?;
        Ok(done.rows_affected())
    }

    /// Takes the oldest queued job, if any; safe against other workers taking it too.
    pub async fn claim_next_job(&self) -> Result<Option<ScanJob>> {
        loop {
            let Some(row) =
                sqlx::query("SELECT id FROM scan_jobs WHERE status = 'queued' ORDER BY id LIMIT 1")
                    .fetch_optional(&self.pool)
                    .await?
            else {
                return Ok(None);
            };
            let id: i64 = row.try_get(0)?;
            let claimed = sqlx::query(
                "UPDATE scan_jobs SET status = 'running', started_at = $1, message = '' \
                 WHERE id = $2 AND status = 'queued'",
            )
            .bind(now())
            .bind(id)
            .execute(&self.pool)
            .await?;
            if claimed.rows_affected() == 1 {
                return self.job(id).await.map(Some);
            }
        }
    }

    pub async fn set_job_progress(&self, id: i64, done: i64, total: i64) -> Result<()> {
        sqlx::query("UPDATE scan_jobs SET progress_done = $1, progress_total = $2 WHERE id = $3")
            .bind(done)
            .bind(total)
            .bind(id)
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    pub async fn finish_job(&self, id: i64, status: JobStatus, message: &str) -> Result<()> {
        sqlx::query(
            "UPDATE scan_jobs SET status = $1, message = $2, finished_at = $3 WHERE id = $4",
        )
        .bind(status.as_str())
        .bind(message)
        .bind(now())
        .bind(id)
        .execute(&self.pool)
        .await?;
        // A successful scan changes the source's freshness.
        self.cache.invalidate();
        Ok(())
    }

    /// A queued job is cancelled at once; a running one when its worker next checks.
    pub async fn cancel_job(&self, id: i64) -> Result<()> {
        sqlx::query(
            "UPDATE scan_jobs SET status = 'cancelled', finished_at = $1 \
             WHERE id = $2 AND status = 'queued'",
        )
        .bind(now())
        .bind(id)
        .execute(&self.pool)
        .await?;
        sqlx::query(
            "UPDATE scan_jobs SET cancel_requested = 1 WHERE id = $1 AND status = 'running'",
        )
        .bind(id)
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    pub async fn cancel_requested(&self, id: i64) -> Result<bool> {
        let row = sqlx::query("SELECT cancel_requested FROM scan_jobs WHERE id = $1")
            .bind(id)
            .fetch_one(&self.pool)
            .await?;
        Ok(row.try_get::<i64, _>(0)? != 0)
    }

    // ---- inventory

    /// Merges a scan's tables into the inventory. Detected labels are refreshed; a column a
    /// person reviewed keeps the reviewed label.
    pub async fn apply_report(
        &self,
        org_id: i64,
        source_id: i64,
        job_id: i64,
        report: &shuan_scan::report::Report,
    ) -> Result<()> {
        let mut tx = self.begin_read_write().await?;
        let at = now();
        for table in &report.tables {
            let existing = sqlx::query(
                "SELECT id FROM inventory_tables WHERE source_id = $1 AND location = $2 AND name = $3",
            )
            .bind(source_id)
            .bind(&table.source)
            .bind(&table.name)
            .fetch_optional(&mut *tx)
            .await?;
            let table_id: i64 = match existing {
                Some(row) => {
                    let id: i64 = row.try_get(0)?;
                    sqlx::query(
                        "UPDATE inventory_tables SET rows_scanned = $1, level = $2, \
                         last_job_id = $3, updated_at = $4 WHERE id = $5",
                    )
                    .bind(table.rows_scanned as i64)
                    .bind(table.level.clone())
                    .bind(job_id)
                    .bind(at)
                    .bind(id)
                    .execute(&mut *tx)
                    .await?;
                    id
                }
                None => sqlx::query(
                    "INSERT INTO inventory_tables \
                     (org_id, source_id, location, name, rows_scanned, level, last_job_id, updated_at) \
                     VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING id",
                )
                .bind(org_id)
                .bind(source_id)
                .bind(&table.source)
                .bind(&table.name)
                .bind(table.rows_scanned as i64)
                .bind(table.level.clone())
                .bind(job_id)
                .bind(at)
                .fetch_one(&mut *tx)
                .await?
                .try_get(0)?,
            };
            for column in &table.columns {
                let evidence = column
                    .evidence
                    .as_ref()
                    .map(|e| serde_json::to_string(e).expect("evidence serialises"))
                    .unwrap_or_default();
                let samples = serde_json::to_string(&column.samples).expect("samples serialise");
                let existing = sqlx::query(
                    "SELECT id FROM inventory_columns WHERE table_id = $1 AND name = $2",
                )
                .bind(table_id)
                .bind(&column.name)
                .fetch_optional(&mut *tx)
                .await?;
                match existing {
                    Some(row) => {
                        let id: i64 = row.try_get(0)?;
                        sqlx::query(
                            "UPDATE inventory_columns SET position = $1, comment = $2, \
                             data_type = $3, detected_entity = $4, detected_category = $5, \
                             detected_level = $6, confidence = $7, evidence = $8, samples = $9, \
                             entity = CASE WHEN reviewed = 1 THEN entity ELSE $4 END, \
                             category = CASE WHEN reviewed = 1 THEN category ELSE $5 END, \
                             level = CASE WHEN reviewed = 1 THEN level ELSE $6 END, \
                             updated_at = $10 WHERE id = $11",
                        )
                        .bind(column.index as i64)
                        .bind(column.comment.clone())
                        .bind(column.data_type.clone())
                        .bind(column.entity.clone())
                        .bind(column.category.clone())
                        .bind(column.level.clone())
                        .bind(column.confidence)
                        .bind(&evidence)
                        .bind(&samples)
                        .bind(at)
                        .bind(id)
                        .execute(&mut *tx)
                        .await?;
                    }
                    None => {
                        sqlx::query(
                            "INSERT INTO inventory_columns (org_id, table_id, position, name, \
                             comment, data_type, detected_entity, detected_category, \
                             detected_level, confidence, evidence, samples, entity, category, \
                             level, updated_at) \
                             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $7, $8, $9, $13)",
                        )
                        .bind(org_id)
                        .bind(table_id)
                        .bind(column.index as i64)
                        .bind(&column.name)
                        .bind(column.comment.clone())
                        .bind(column.data_type.clone())
                        .bind(column.entity.clone())
                        .bind(column.category.clone())
                        .bind(column.level.clone())
                        .bind(column.confidence)
                        .bind(&evidence)
                        .bind(&samples)
                        .bind(at)
                        .execute(&mut *tx)
                        .await?;
                    }
                }
            }
            Self::refresh_table_counts(&mut *tx, table_id).await?;
        }
        tx.commit().await?;
        self.cache.invalidate();
        Ok(())
    }

    /// Recomputes a table's column counts after its columns changed.
    async fn refresh_table_counts(
        executor: impl sqlx::Executor<'_, Database = sqlx::Any>,
        table_id: i64,
    ) -> Result<()> {
        sqlx::query(
            "UPDATE inventory_tables SET \
             column_count = (SELECT COUNT(*) FROM inventory_columns c WHERE c.table_id = $1), \
             sensitive_count = (SELECT COUNT(*) FROM inventory_columns c WHERE c.table_id = $1 \
             AND c.level IS NOT NULL AND c.level <> 'general') WHERE id = $1",
        )
        .bind(table_id)
        .execute(executor)
        .await?;
        Ok(())
    }

    pub async fn tables(
        &self,
        org_ids: &[i64],
        filter: &TableFilter,
        limit: i64,
    ) -> Result<Vec<InventoryTable>> {
        if org_ids.is_empty() {
            return Ok(Vec::new());
        }
        let mut sql = format!(
            "SELECT {TABLE_FIELDS} {TABLE_FROM} WHERE t.org_id IN ({})",
            placeholders(1, org_ids.len())
        );
        let mut next = org_ids.len() + 1;
        if filter.source_id.is_some() {
            sql += &format!(" AND t.source_id = ${next}");
            next += 1;
        }
        if let Some(systems) = &filter.systems {
            if systems.is_empty() {
                return Ok(Vec::new());
            }
            sql += &format!(
                " AND s.system_id IN ({})",
                placeholders(next, systems.len())
            );
            next += systems.len();
        }
        if filter.level.is_some() {
            sql += &format!(" AND t.level = ${next}");
            next += 1;
        }
        if filter.name_contains.is_some() {
            sql += &format!(" AND t.name LIKE ${next}");
            next += 1;
        }
        sql += &format!(" ORDER BY t.id LIMIT ${next} OFFSET ${}", next + 1);
        let mut query = query_with_ids(sql, org_ids);
        if let Some(source) = filter.source_id {
            query = query.bind(source);
        }
        for system in filter.systems.iter().flatten() {
            query = query.bind(*system);
        }
        if let Some(level) = &filter.level {
            query = query.bind(level.clone());
        }
        if let Some(name) = &filter.name_contains {
            query = query.bind(format!("%{name}%"));
        }
        let rows = query
            .bind(limit)
            .bind(filter.offset)
            .fetch_all(&self.pool)
            .await?;
        rows.iter().map(InventoryTable::from_row).collect()
    }

    /// One table, by the list's query, so a table reads the same everywhere.
    pub async fn table(&self, id: i64) -> Result<InventoryTable> {
        let sql = format!("SELECT {TABLE_FIELDS} {TABLE_FROM} WHERE t.id = $1");
        let row = row_by_id(&self.pool, sql, id).await?;
        InventoryTable::from_row(&row)
    }

    /// A table and its columns, from the read cache or read now.
    pub async fn table_with_columns(&self, id: i64) -> Result<Arc<TableRead>> {
        if let Some(read) = self.cache.get(&self.cache.tables, &id) {
            return Ok(read);
        }
        let generation = self.cache.generation();
        let read = Arc::new((self.table(id).await?, self.columns(id).await?));
        self.cache.tables.put(id, generation, read.clone());
        Ok(read)
    }

    pub async fn columns(&self, table_id: i64) -> Result<Vec<InventoryColumn>> {
        let sql = format!(
            "SELECT {COLUMN_COLUMNS} FROM inventory_columns WHERE table_id = $1 ORDER BY position"
        );
        sqlx::query(sqlx::AssertSqlSafe(sql))
            .bind(table_id)
            .fetch_all(&self.pool)
            .await?
            .iter()
            .map(InventoryColumn::from_row)
            .collect()
    }

    pub async fn column(&self, id: i64) -> Result<InventoryColumn> {
        let sql = format!("SELECT {COLUMN_COLUMNS} FROM inventory_columns WHERE id = $1");
        let row = row_by_id(&self.pool, sql, id).await?;
        InventoryColumn::from_row(&row)
    }

    /// Masked sample values kept by the last scan.
    pub async fn column_samples(&self, id: i64) -> Result<Vec<String>> {
        let row = sqlx::query("SELECT samples FROM inventory_columns WHERE id = $1")
            .bind(id)
            .fetch_one(&self.pool)
            .await?;
        let text: String = row.try_get(0)?;
        Ok(serde_json::from_str(&text).unwrap_or_default())
    }

    /// Records a person's decision on a label, and the history entry, in one transaction.
    pub async fn review_column(
        &self,
        column: &InventoryColumn,
        user_id: i64,
        decision: &LabelDecision,
    ) -> Result<()> {
        let mut tx = self.pool.begin().await?;
        let at = now();
        sqlx::query(
            "UPDATE inventory_columns SET entity = $1, category = $2, level = $3, reviewed = 1, \
             reviewed_by = $4, reviewed_at = $5 WHERE id = $6",
        )
        .bind(decision.entity.clone())
        .bind(decision.category.clone())
        .bind(decision.level.clone())
        .bind(user_id)
        .bind(at)
        .bind(column.id)
        .execute(&mut *tx)
        .await?;
        sqlx::query(
            "INSERT INTO label_reviews (org_id, column_id, user_id, old_entity, old_category, \
             old_level, new_entity, new_category, new_level, reason, created_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)",
        )
        .bind(column.org_id)
        .bind(column.id)
        .bind(user_id)
        .bind(column.entity.clone())
        .bind(column.category.clone())
        .bind(column.level.clone())
        .bind(decision.entity.clone())
        .bind(decision.category.clone())
        .bind(decision.level.clone())
        .bind(&decision.reason)
        .bind(at)
        .execute(&mut *tx)
        .await?;
        Self::refresh_table_counts(&mut *tx, column.table_id).await?;
        tx.commit().await?;
        self.cache.invalidate();
        Ok(())
    }

    pub async fn reviews(&self, column_id: i64) -> Result<Vec<LabelReview>> {
        let rows = sqlx::query(
            "SELECT r.*, u.username FROM label_reviews r JOIN users u ON u.id = r.user_id \
             WHERE r.column_id = $1 ORDER BY r.id DESC",
        )
        .bind(column_id)
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|row| {
                Ok(LabelReview {
                    id: row.try_get("id")?,
                    column_id: row.try_get("column_id")?,
                    username: row.try_get("username")?,
                    old_entity: row.try_get("old_entity")?,
                    old_category: row.try_get("old_category")?,
                    old_level: row.try_get("old_level")?,
                    new_entity: row.try_get("new_entity")?,
                    new_category: row.try_get("new_category")?,
                    new_level: row.try_get("new_level")?,
                    reason: row.try_get("reason")?,
                    created_at: row.try_get("created_at")?,
                })
            })
            .collect()
    }
}
