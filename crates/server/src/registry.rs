//! The operator registry: each operator's profile (legal name, USCC, industry, region,
//! contacts, security officer, systems), kept current by the operator with every earlier
//! version kept; the regulator's list of its operators; the key-operator list (重点企业名录)
//! the regulator maintains, as dated decisions with reasons.

use std::collections::HashMap;

use serde::{Deserialize, Serialize};
use sqlx::Row;
use sqlx::any::AnyRow;

use crate::AppState;
use crate::audit::AuditEntry;
use crate::auth::{Action, Actor, OrgKind, authorize};
use crate::error::{Error, Result};
use crate::repo::{Organisation, Repo, placeholders, query_with_ids};
use crate::service::{audit, bounded, required, visible_orgs};

/// Most contacts or systems a profile lists.
const MAX_LIST: usize = 50;

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Contact {
    pub name: String,
    #[serde(default)]
    pub title: String,
    #[serde(default)]
    pub phone: String,
    #[serde(default)]
    pub email: String,
}

/// What the operator writes about itself.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct ProfileInput {
    pub legal_name: String,
    /// Unified social credit code (统一社会信用代码), checked with its GB 32100 check digit.
    pub uscc: String,
    pub industry: String,
    pub region: String,
    #[serde(default)]
    pub contacts: Vec<Contact>,
    /// 数据安全负责人.
    pub security_officer: Contact,
    /// The operator's information systems (信息系统).
    #[serde(default)]
    pub systems: Vec<String>,
}

/// One version of a profile.
#[derive(Clone, Debug, Serialize)]
pub struct Profile {
    pub org_id: i64,
    pub version: i64,
    #[serde(flatten)]
    pub fields: ProfileInput,
    pub changed_by: String,
    pub changed_at: i64,
}

/// A decision to put an operator on the key-operator list or take it off.
#[derive(Clone, Debug, Serialize)]
pub struct KeyDecision {
    pub org_id: i64,
    pub listed: bool,
    pub reason: String,
    pub decided_by: String,
    pub decided_at: i64,
}

/// An operator as the registry lists it.
#[derive(Clone, Debug, Serialize)]
pub struct RegistryEntry {
    pub org: Organisation,
    pub profile: Option<Profile>,
    pub key_operator: bool,
    /// Why it is on the key-operator list (the reason of the decision that put it there).
    pub key_reason: Option<String>,
    /// Status of its filing (备案), `none` before it starts one.
    pub filing_status: String,
}

impl RegistryEntry {
    /// The profile's industry, else the organisation's as the platform admin registered it.
    pub fn industry(&self) -> &str {
        self.profile
            .as_ref()
            .map_or(&self.org.industry, |p| &p.fields.industry)
    }

    pub fn region(&self) -> &str {
        self.profile
            .as_ref()
            .map_or(&self.org.region, |p| &p.fields.region)
    }
}

/// The regulator's filters of its operator list; every one is optional.
#[derive(Clone, Debug, Default, Deserialize)]
pub struct OperatorFilter {
    pub industry: Option<String>,
    pub region: Option<String>,
    pub key_operator: Option<bool>,
    pub filing_status: Option<String>,
}

impl OperatorFilter {
    fn admits(&self, entry: &RegistryEntry) -> bool {
        let contains = |wanted: &Option<String>, value: &str| {
            wanted
                .as_deref()
                .map(str::trim)
                .is_none_or(|w| w.is_empty() || value.contains(w))
        };
        contains(&self.industry, entry.industry())
            && contains(&self.region, entry.region())
            && self.key_operator.is_none_or(|k| k == entry.key_operator)
            && self
                .filing_status
                .as_deref()
                .is_none_or(|s| s.is_empty() || s == entry.filing_status)
    }
}

/// One operator with its profile's history and the key-operator decisions about it.
#[derive(Clone, Debug, Serialize)]
pub struct OperatorRecord {
    #[serde(flatten)]
    pub entry: RegistryEntry,
    pub history: Vec<Profile>,
    pub key_decisions: Vec<KeyDecision>,
}

// ---- service

/// Like `service::require_on`, but judged by what the actor may see of the registry and
/// filings: a record it may not view answers 404 even when it may see the organisation's
/// inventory (a vendor); one it may view but not change answers 403.
pub(crate) async fn require_on_filings(
    state: &AppState,
    actor: &Actor,
    action: Action,
    org_id: i64,
) -> Result<()> {
    let org = state.repo.organisation(org_id).await?.as_ref();
    if !authorize(actor, Action::ViewFilings, &org) {
        Err(Error::NotFound)
    } else if !authorize(actor, action, &org) {
        Err(Error::Forbidden)
    } else {
        Ok(())
    }
}

/// The operators `actor` may see in the registry (a regulator's: its jurisdiction; an
/// operator's users: their own), filtered.
pub async fn operators(
    state: &AppState,
    actor: &Actor,
    filter: &OperatorFilter,
) -> Result<Vec<RegistryEntry>> {
    let orgs: Vec<Organisation> = visible_orgs(state, actor, Action::ViewFilings)
        .await?
        .into_iter()
        .filter(|o| o.kind == OrgKind::Operator)
        .collect();
    let ids: Vec<i64> = orgs.iter().map(|o| o.id).collect();
    let mut profiles: HashMap<i64, Profile> = state
        .repo
        .current_profiles(&ids)
        .await?
        .into_iter()
        .map(|p| (p.org_id, p))
        .collect();
    let key = current_key_decisions(state.repo.key_decisions(&ids).await?);
    let statuses = state.repo.filing_statuses(&ids).await?;
    Ok(orgs
        .into_iter()
        .map(|org| {
            let decision = key.get(&org.id).filter(|d| d.listed);
            RegistryEntry {
                profile: profiles.remove(&org.id),
                key_operator: decision.is_some(),
                key_reason: decision.map(|d| d.reason.clone()),
                filing_status: statuses
                    .get(&org.id)
                    .cloned()
                    .unwrap_or_else(|| "none".into()),
                org,
            }
        })
        .filter(|entry| filter.admits(entry))
        .collect())
}

/// The newest decision per operator.
fn current_key_decisions(decisions: Vec<KeyDecision>) -> HashMap<i64, KeyDecision> {
    // Decisions come oldest first, so the last one per operator stays.
    decisions.into_iter().map(|d| (d.org_id, d)).collect()
}

pub async fn operator(state: &AppState, actor: &Actor, org_id: i64) -> Result<OperatorRecord> {
    require_on_filings(state, actor, Action::ViewFilings, org_id).await?;
    let entry = operators(state, actor, &OperatorFilter::default())
        .await?
        .into_iter()
        .find(|e| e.org.id == org_id)
        .ok_or(Error::NotFound)?;
    Ok(OperatorRecord {
        entry,
        history: state.repo.profile_history(org_id).await?,
        key_decisions: state.repo.key_decisions(&[org_id]).await?,
    })
}

fn clean_contact(field: &str, contact: &Contact) -> Result<Contact> {
    Ok(Contact {
        name: required(&format!("{field}.name"), &contact.name)?,
        title: bounded(&format!("{field}.title"), &contact.title)?,
        phone: bounded(&format!("{field}.phone"), &contact.phone)?,
        email: bounded(&format!("{field}.email"), &contact.email)?,
    })
}

/// The input trimmed and bounded, the USCC checked; refuses what it cannot store as given.
fn clean_profile(input: &ProfileInput) -> Result<ProfileInput> {
    let uscc = required("uscc", &input.uscc)?.to_ascii_uppercase();
    if shuan_classify::validate::uscc(uscc.as_bytes()).is_none() {
        return Err(Error::BadRequest(
            "uscc is not a valid unified social credit code (统一社会信用代码)".into(),
        ));
    }
    if input.contacts.len() > MAX_LIST || input.systems.len() > MAX_LIST {
        return Err(Error::BadRequest(format!(
            "a profile lists at most {MAX_LIST} contacts and {MAX_LIST} systems"
        )));
    }
    Ok(ProfileInput {
        legal_name: required("legal_name", &input.legal_name)?,
        uscc,
        industry: required("industry", &input.industry)?,
        region: required("region", &input.region)?,
        contacts: input
            .contacts
            .iter()
            .map(|c| clean_contact("contacts", c))
            .collect::<Result<_>>()?,
        security_officer: clean_contact("security_officer", &input.security_officer)?,
        systems: input
            .systems
            .iter()
            .map(|s| bounded("systems", s))
            .filter(|s| !s.as_ref().is_ok_and(String::is_empty))
            .collect::<Result<_>>()?,
    })
}

/// A new version of the operator's profile; the earlier ones stay as its history.
pub async fn update_profile(
    state: &AppState,
    actor: &Actor,
    org_id: i64,
    input: &ProfileInput,
) -> Result<i64> {
    require_on_filings(state, actor, Action::PrepareFilings, org_id).await?;
    if state.repo.organisation(org_id).await?.kind != OrgKind::Operator {
        return Err(Error::BadRequest(
            "only operators have a registry profile".into(),
        ));
    }
    let profile = clean_profile(input)?;
    let version = state
        .repo
        .add_profile_version(org_id, &profile, actor.user_id)
        .await?;
    audit(
        state,
        AuditEntry::by(
            actor,
            org_id,
            "profile_update",
            format!("org:{org_id}"),
            format!("version {version}: {} {}", profile.legal_name, profile.uscc),
        ),
    )
    .await?;
    Ok(version)
}

/// Puts an operator on the key-operator list or takes it off, with a reason; only the
/// regulator with jurisdiction.
pub async fn set_key_operator(
    state: &AppState,
    actor: &Actor,
    org_id: i64,
    listed: bool,
    reason: &str,
) -> Result<()> {
    require_on_filings(state, actor, Action::Supervise, org_id).await?;
    let reason = required("reason", reason)?;
    let current = current_key_decisions(state.repo.key_decisions(&[org_id]).await?);
    if current.get(&org_id).is_some_and(|d| d.listed) == listed {
        return Err(Error::BadRequest(
            if listed {
                "the operator is already on the key-operator list"
            } else {
                "the operator is not on the key-operator list"
            }
            .into(),
        ));
    }
    state
        .repo
        .add_key_decision(org_id, actor.org.id, listed, &reason, actor.user_id)
        .await?;
    audit(
        state,
        AuditEntry::by(
            actor,
            org_id,
            if listed {
                "key_operator_add"
            } else {
                "key_operator_remove"
            },
            format!("org:{org_id}"),
            reason,
        ),
    )
    .await
}

// ---- storage

const PROFILE_COLUMNS: &str = "p.org_id, p.version, p.legal_name, p.uscc, p.industry, p.region, \
     p.contacts, p.security_officer, p.systems, u.username AS changed_by, p.changed_at";

/// A value stored as JSON text (portable between SQLite and PostgreSQL).
pub(crate) fn json_text<T: Serialize>(value: &T) -> String {
    serde_json::to_string(value).expect("registry and filing values serialise")
}

/// A JSON text column read back.
pub(crate) fn json_column<T: serde::de::DeserializeOwned>(row: &AnyRow, column: &str) -> Result<T> {
    let text: String = row.try_get(column)?;
    serde_json::from_str(&text)
        .map_err(|e| Error::Config(format!("stored {column} is not valid JSON: {e}")))
}

impl Profile {
    fn from_row(row: &AnyRow) -> Result<Self> {
        Ok(Profile {
            org_id: row.try_get("org_id")?,
            version: row.try_get("version")?,
            fields: ProfileInput {
                legal_name: row.try_get("legal_name")?,
                uscc: row.try_get("uscc")?,
                industry: row.try_get("industry")?,
                region: row.try_get("region")?,
                contacts: json_column(row, "contacts")?,
                security_officer: json_column(row, "security_officer")?,
                systems: json_column(row, "systems")?,
            },
            changed_by: row.try_get("changed_by")?,
            changed_at: row.try_get("changed_at")?,
        })
    }
}

impl Repo {
    /// Adds the next version of `org_id`'s profile and returns its number. The version is
    /// computed in the statement, and (org_id, version) is unique, so two concurrent edits
    /// cannot both become the same version.
    pub async fn add_profile_version(
        &self,
        org_id: i64,
        profile: &ProfileInput,
        user_id: i64,
    ) -> Result<i64> {
        let row = sqlx::query(
            "INSERT INTO operator_profiles (org_id, version, legal_name, uscc, industry, region, \
             contacts, security_officer, systems, changed_by, changed_at) \
             SELECT $1, COALESCE(MAX(version), 0) + 1, $2, $3, $4, $5, $6, $7, $8, $9, $10 \
             FROM operator_profiles WHERE org_id = $1 RETURNING version",
        )
        .bind(org_id)
        .bind(profile.legal_name.clone())
        .bind(profile.uscc.clone())
        .bind(profile.industry.clone())
        .bind(profile.region.clone())
        .bind(json_text(&profile.contacts))
        .bind(json_text(&profile.security_officer))
        .bind(json_text(&profile.systems))
        .bind(user_id)
        .bind(crate::now())
        .fetch_one(&self.pool)
        .await?;
        Ok(row.try_get(0)?)
    }

    /// The newest profile of each of `org_ids` that has one.
    pub async fn current_profiles(&self, org_ids: &[i64]) -> Result<Vec<Profile>> {
        if org_ids.is_empty() {
            return Ok(Vec::new());
        }
        let sql = format!(
            "SELECT {PROFILE_COLUMNS} FROM operator_profiles p JOIN users u ON u.id = p.changed_by \
             WHERE p.org_id IN ({}) AND p.version = \
             (SELECT MAX(q.version) FROM operator_profiles q WHERE q.org_id = p.org_id)",
            placeholders(1, org_ids.len())
        );
        let query = query_with_ids(sql, org_ids);
        query
            .fetch_all(&self.pool)
            .await?
            .iter()
            .map(Profile::from_row)
            .collect()
    }

    /// Every version of an operator's profile, newest first.
    pub async fn profile_history(&self, org_id: i64) -> Result<Vec<Profile>> {
        let sql = format!(
            "SELECT {PROFILE_COLUMNS} FROM operator_profiles p JOIN users u ON u.id = p.changed_by \
             WHERE p.org_id = $1 ORDER BY p.version DESC"
        );
        sqlx::query(sqlx::AssertSqlSafe(sql))
            .bind(org_id)
            .fetch_all(&self.pool)
            .await?
            .iter()
            .map(Profile::from_row)
            .collect()
    }

    pub async fn add_key_decision(
        &self,
        org_id: i64,
        regulator_id: i64,
        listed: bool,
        reason: &str,
        user_id: i64,
    ) -> Result<()> {
        sqlx::query(
            "INSERT INTO key_operator_decisions (org_id, regulator_id, listed, reason, decided_by, \
             decided_at) VALUES ($1, $2, $3, $4, $5, $6)",
        )
        .bind(org_id)
        .bind(regulator_id)
        .bind(i64::from(listed))
        .bind(reason.to_owned())
        .bind(user_id)
        .bind(crate::now())
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    /// Key-operator decisions about `org_ids`, oldest first.
    pub async fn key_decisions(&self, org_ids: &[i64]) -> Result<Vec<KeyDecision>> {
        if org_ids.is_empty() {
            return Ok(Vec::new());
        }
        let sql = format!(
            "SELECT d.org_id, d.listed, d.reason, u.username, d.decided_at \
             FROM key_operator_decisions d JOIN users u ON u.id = d.decided_by \
             WHERE d.org_id IN ({}) ORDER BY d.id",
            placeholders(1, org_ids.len())
        );
        let query = query_with_ids(sql, org_ids);
        query
            .fetch_all(&self.pool)
            .await?
            .iter()
            .map(|row| {
                Ok(KeyDecision {
                    org_id: row.try_get("org_id")?,
                    listed: row.try_get::<i64, _>("listed")? != 0,
                    reason: row.try_get("reason")?,
                    decided_by: row.try_get("username")?,
                    decided_at: row.try_get("decided_at")?,
                })
            })
            .collect()
    }
}
