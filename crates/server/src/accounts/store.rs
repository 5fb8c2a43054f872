//! The SQL of accounts, kept beside the rest of `Repo` in the same portable style: second
//! factors, sign-in challenges, disabling users, listing users and systems, vendor grants.

use serde::Serialize;
use sqlx::Row;
use sqlx::any::AnyRow;

use crate::auth::Role;
use crate::error::{Error, Result};
use crate::now;
use crate::repo::{Repo, placeholders, query_with_ids, row_by_id};

/// A user as administration pages list them (never the password hash or the TOTP secret).
#[derive(Clone, Debug, Serialize)]
pub struct UserSummary {
    pub id: i64,
    pub org_id: i64,
    pub org_name: String,
    pub username: String,
    pub display_name: String,
    pub role: Role,
    pub disabled: bool,
    pub totp_enabled: bool,
    pub locked_until: i64,
    pub created_at: i64,
}

/// A user's second factor as stored: sealed secrets and the last step accepted.
pub struct TotpState {
    pub secret: Option<String>,
    pub pending: Option<String>,
    pub last_step: u64,
}

#[derive(Clone, Debug, Serialize)]
pub struct System {
    pub id: i64,
    pub org_id: i64,
    pub name: String,
}

#[derive(Clone, Debug, Serialize)]
pub struct VendorGrant {
    pub id: i64,
    pub org_id: i64,
    pub vendor_id: i64,
    pub vendor: String,
    pub system_id: i64,
    pub system: String,
    pub granted_by: String,
    pub created_at: i64,
    pub expires_at: i64,
    pub revoked_at: i64,
}

impl VendorGrant {
    pub fn is_live(&self, at: i64) -> bool {
        self.revoked_at == 0 && self.expires_at > at
    }

    fn from_row(row: &AnyRow) -> Result<Self> {
        Ok(VendorGrant {
            id: row.try_get("id")?,
            org_id: row.try_get("org_id")?,
            vendor_id: row.try_get("vendor_id")?,
            vendor: row.try_get("vendor")?,
            system_id: row.try_get("system_id")?,
            system: row.try_get("system")?,
            granted_by: row.try_get("granted_by_name")?,
            created_at: row.try_get("created_at")?,
            expires_at: row.try_get("expires_at")?,
            revoked_at: row.try_get("revoked_at")?,
        })
    }
}

const GRANT_SELECT: &str = "SELECT g.id, g.org_id, g.vendor_id, v.username AS vendor, \
     g.system_id, y.name AS system, b.username AS granted_by_name, g.created_at, g.expires_at, \
     g.revoked_at FROM vendor_grants g JOIN users v ON v.id = g.vendor_id \
     JOIN systems y ON y.id = g.system_id JOIN users b ON b.id = g.granted_by";

impl Repo {
    // ---- second factor

    pub async fn totp_state(&self, user_id: i64) -> Result<TotpState> {
        let row = sqlx::query(
            "SELECT totp_secret, totp_pending, totp_last_step FROM users WHERE id = $1",
        )
        .bind(user_id)
        .fetch_optional(&self.pool)
        .await?
        .ok_or(Error::NotFound)?;
        Ok(TotpState {
            secret: row.try_get(0)?,
            pending: row.try_get(1)?,
            last_step: u64::try_from(row.try_get::<i64, _>(2)?).unwrap_or(0),
        })
    }

    pub async fn set_totp_pending(&self, user_id: i64, sealed: &str) -> Result<()> {
        sqlx::query("UPDATE users SET totp_pending = $1 WHERE id = $2")
            .bind(sealed)
            .bind(user_id)
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    /// The pending secret becomes the second factor; `step` (the confirming code's) is used.
    pub async fn confirm_totp(&self, user_id: i64, sealed: &str, step: u64) -> Result<()> {
        sqlx::query(
            "UPDATE users SET totp_secret = $1, totp_pending = NULL, totp_last_step = $2 \
             WHERE id = $3",
        )
        .bind(sealed)
        .bind(step as i64)
        .bind(user_id)
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    pub async fn clear_totp(&self, user_id: i64) -> Result<()> {
        sqlx::query(
            "UPDATE users SET totp_secret = NULL, totp_pending = NULL, totp_last_step = 0 \
             WHERE id = $1",
        )
        .bind(user_id)
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    /// Marks `step` used if it is later than the last one used; false if it is not (a replay,
    /// including one racing this request).
    pub async fn use_totp_step(&self, user_id: i64, step: u64) -> Result<bool> {
        let done = sqlx::query(
            "UPDATE users SET totp_last_step = $1 WHERE id = $2 AND totp_last_step < $1",
        )
        .bind(step as i64)
        .bind(user_id)
        .execute(&self.pool)
        .await?;
        Ok(done.rows_affected() == 1)
    }

    // ---- half-authenticated sign-in

    pub async fn create_challenge(
        &self,
        digest: &str,
        user_id: i64,
        expires_at: i64,
    ) -> Result<()> {
        sqlx::query("DELETE FROM mfa_challenges WHERE expires_at <= $1 OR user_id = $2")
            .bind(now())
            .bind(user_id)
            .execute(&self.pool)
            .await?;
        sqlx::query(
            "INSERT INTO mfa_challenges (token_hash, user_id, expires_at) VALUES ($1, $2, $3)",
        )
        .bind(digest)
        .bind(user_id)
        .bind(expires_at)
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    pub async fn challenge_user(&self, digest: &str) -> Result<Option<i64>> {
        let row = sqlx::query(
            "SELECT user_id FROM mfa_challenges WHERE token_hash = $1 AND expires_at > $2",
        )
        .bind(digest)
        .bind(now())
        .fetch_optional(&self.pool)
        .await?;
        row.map(|r| Ok(r.try_get(0)?)).transpose()
    }

    pub async fn delete_challenge(&self, digest: &str) -> Result<()> {
        sqlx::query("DELETE FROM mfa_challenges WHERE token_hash = $1")
            .bind(digest)
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    // ---- administration

    pub async fn users(&self, org_ids: &[i64]) -> Result<Vec<UserSummary>> {
        if org_ids.is_empty() {
            return Ok(Vec::new());
        }
        let sql = format!(
            "SELECT u.id, u.org_id, o.name AS org_name, u.username, u.display_name, u.role, \
             u.disabled, CASE WHEN u.totp_secret IS NULL THEN 0 ELSE 1 END AS totp_enabled, u.locked_until, u.created_at \
             FROM users u JOIN organisations o ON o.id = u.org_id \
             WHERE u.org_id IN ({}) ORDER BY u.org_id, u.username",
            placeholders(1, org_ids.len())
        );
        let query = query_with_ids(sql, org_ids);
        query
            .fetch_all(&self.pool)
            .await?
            .iter()
            .map(|row| {
                let role: String = row.try_get("role")?;
                Ok(UserSummary {
                    id: row.try_get("id")?,
                    org_id: row.try_get("org_id")?,
                    org_name: row.try_get("org_name")?,
                    username: row.try_get("username")?,
                    display_name: row.try_get("display_name")?,
                    role: Role::parse(&role)
                        .ok_or_else(|| Error::Config(format!("unknown role {role:?}")))?,
                    disabled: row.try_get::<i64, _>("disabled")? != 0,
                    totp_enabled: row.try_get::<i64, _>("totp_enabled")? != 0,
                    locked_until: row.try_get("locked_until")?,
                    created_at: row.try_get("created_at")?,
                })
            })
            .collect()
    }

    /// Disables (ending every session and pending sign-in) or enables a user.
    pub async fn set_disabled(&self, user_id: i64, disabled: bool) -> Result<()> {
        let mut tx = self.pool.begin().await?;
        sqlx::query("UPDATE users SET disabled = $1 WHERE id = $2")
            .bind(i64::from(disabled))
            .bind(user_id)
            .execute(&mut *tx)
            .await?;
        if disabled {
            for table in ["sessions", "mfa_challenges"] {
                sqlx::query(sqlx::AssertSqlSafe(format!(
                    "DELETE FROM {table} WHERE user_id = $1"
                )))
                .bind(user_id)
                .execute(&mut *tx)
                .await?;
            }
        }
        tx.commit().await?;
        Ok(())
    }

    /// A password set by an administrator: the lockout is lifted, sessions end.
    pub async fn reset_password(&self, user_id: i64, password_hash: &str) -> Result<()> {
        self.set_password(user_id, password_hash).await?;
        self.record_login_success(user_id).await
    }

    // ---- systems and vendor grants

    pub async fn systems(&self, org_ids: &[i64]) -> Result<Vec<System>> {
        if org_ids.is_empty() {
            return Ok(Vec::new());
        }
        let sql = format!(
            "SELECT id, org_id, name FROM systems WHERE org_id IN ({}) ORDER BY org_id, name",
            placeholders(1, org_ids.len())
        );
        let query = query_with_ids(sql, org_ids);
        query
            .fetch_all(&self.pool)
            .await?
            .iter()
            .map(|row| {
                Ok(System {
                    id: row.try_get("id")?,
                    org_id: row.try_get("org_id")?,
                    name: row.try_get("name")?,
                })
            })
            .collect()
    }

    pub async fn system(&self, id: i64) -> Result<System> {
        let row = sqlx::query("SELECT id, org_id, name FROM systems WHERE id = $1")
            .bind(id)
            .fetch_optional(&self.pool)
            .await?
            .ok_or(Error::NotFound)?;
        Ok(System {
            id: row.try_get("id")?,
            org_id: row.try_get("org_id")?,
            name: row.try_get("name")?,
        })
    }

    pub async fn create_grant(
        &self,
        org_id: i64,
        vendor_id: i64,
        system_id: i64,
        granted_by: i64,
        expires_at: i64,
    ) -> Result<i64> {
        let row = sqlx::query(
            "INSERT INTO vendor_grants (org_id, vendor_id, system_id, granted_by, created_at, \
             expires_at) VALUES ($1, $2, $3, $4, $5, $6) RETURNING id",
        )
        .bind(org_id)
        .bind(vendor_id)
        .bind(system_id)
        .bind(granted_by)
        .bind(now())
        .bind(expires_at)
        .fetch_one(&self.pool)
        .await?;
        Ok(row.try_get(0)?)
    }

    pub async fn grants(&self, org_ids: &[i64]) -> Result<Vec<VendorGrant>> {
        if org_ids.is_empty() {
            return Ok(Vec::new());
        }
        let sql = format!(
            "{GRANT_SELECT} WHERE g.org_id IN ({}) ORDER BY g.id DESC",
            placeholders(1, org_ids.len())
        );
        let query = query_with_ids(sql, org_ids);
        query
            .fetch_all(&self.pool)
            .await?
            .iter()
            .map(VendorGrant::from_row)
            .collect()
    }

    pub async fn grant(&self, id: i64) -> Result<VendorGrant> {
        let sql = format!("{GRANT_SELECT} WHERE g.id = $1");
        let row = row_by_id(&self.pool, sql, id).await?;
        VendorGrant::from_row(&row)
    }

    pub async fn revoke_grant(&self, id: i64, by: i64) -> Result<()> {
        sqlx::query(
            "UPDATE vendor_grants SET revoked_at = $1, revoked_by = $2 \
             WHERE id = $3 AND revoked_at = 0",
        )
        .bind(now())
        .bind(by)
        .bind(id)
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    /// The systems a vendor's grants open at `at`, restricted to the vendor's own operator.
    pub async fn granted_systems(&self, vendor_id: i64, org_id: i64, at: i64) -> Result<Vec<i64>> {
        sqlx::query(
            "SELECT DISTINCT g.system_id FROM vendor_grants g JOIN systems y ON y.id = g.system_id \
             WHERE g.vendor_id = $1 AND g.org_id = $2 AND y.org_id = $2 \
             AND g.revoked_at = 0 AND g.expires_at > $3 ORDER BY g.system_id",
        )
        .bind(vendor_id)
        .bind(org_id)
        .bind(at)
        .fetch_all(&self.pool)
        .await?
        .iter()
        .map(|row| Ok(row.try_get(0)?))
        .collect()
    }
}
