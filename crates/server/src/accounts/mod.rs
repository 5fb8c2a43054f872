//! Accounts beyond the password: the TOTP second factor (enrolment and the sign-in step),
//! administration of users (list, disable, enable, reset a password) and vendor grants.
//! Like `service`, every function authorises through `auth` and audits what it changed.

pub mod store;
pub mod totp;

use serde::Serialize;

use crate::AppState;
use crate::audit::AuditEntry;
use crate::auth::{Action, Actor, Role, token_digest};
use crate::error::{Error, Result};
use crate::repo::User;
use crate::service::{
    NewSession, audit, check_password_strength, hash_password, record_failed_login,
    record_login_failure, require_on, start_session, visible_org_ids,
};
pub use store::{System, UserSummary, VendorGrant};

/// The issuer name authenticator apps show.
const TOTP_ISSUER: &str = "Shuan";
/// How long a right password waits for its code.
pub const CHALLENGE_SECONDS: i64 = 300;
/// The message of a wrong second-factor code (pages show it in the user's language).
pub const WRONG_CODE: &str = "the code is wrong";
/// The longest a vendor grant may run.
pub const MAX_GRANT_DAYS: i64 = 366;

/// Secrets are sealed per user, so one cannot be copied to another account.
fn totp_context(user_id: i64) -> String {
    format!("totp:user:{user_id}")
}

fn open_secret(state: &AppState, user_id: i64, sealed: &str) -> Result<Vec<u8>> {
    let encoded = state.secrets.open(sealed, &totp_context(user_id))?;
    decode_hex(&encoded).ok_or_else(|| Error::Secret("a stored TOTP secret is corrupt".into()))
}

fn decode_hex(text: &str) -> Option<Vec<u8>> {
    (0..text.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(text.get(i..i + 2)?, 16).ok())
        .collect()
}

fn audit_self(actor: &Actor, action: &str, detail: &str) -> AuditEntry {
    AuditEntry::by(
        actor,
        actor.org.id,
        action,
        format!("user:{}", actor.user_id),
        detail.to_owned(),
    )
}

// ---- enrolment

/// A new secret, shown once: base32 for typing, the URI for scanning.
#[derive(Serialize)]
pub struct Enrolment {
    pub secret: String,
    pub otpauth_uri: String,
}

pub async fn totp_enabled(state: &AppState, actor: &Actor) -> Result<bool> {
    Ok(state.repo.totp_state(actor.user_id).await?.secret.is_some())
}

/// Starts enrolment: a new secret is sealed as pending until a code confirms it. A user who
/// already has a second factor disables it first (with a code), so a stolen session alone
/// cannot replace it.
pub async fn begin_totp(state: &AppState, actor: &Actor) -> Result<Enrolment> {
    if totp_enabled(state, actor).await? {
        return Err(Error::BadRequest(
            "a second factor is already set up; disable it first".into(),
        ));
    }
    let secret = crate::random_bytes::<{ totp::SECRET_BYTES }>();
    let hex: String = secret.iter().map(|b| format!("{b:02x}")).collect();
    let sealed = state.secrets.seal(&hex, &totp_context(actor.user_id))?;
    state.repo.set_totp_pending(actor.user_id, &sealed).await?;
    audit(state, audit_self(actor, "totp_enrol_start", "")).await?;
    Ok(Enrolment {
        secret: totp::base32(&secret),
        otpauth_uri: totp::otpauth_uri(TOTP_ISSUER, &actor.username, &secret),
    })
}

/// Confirms enrolment with a code from the app: the second factor is on from now.
pub async fn confirm_totp(state: &AppState, actor: &Actor, code: &str) -> Result<()> {
    let stored = state.repo.totp_state(actor.user_id).await?;
    let sealed = stored
        .pending
        .ok_or_else(|| Error::BadRequest("start the set-up first".into()))?;
    let secret = open_secret(state, actor.user_id, &sealed)?;
    let Some(step) = totp::verify(&secret, code, crate::now(), 0) else {
        audit(state, audit_self(actor, "totp_code_failed", "enrolment")).await?;
        return Err(Error::BadRequest(WRONG_CODE.into()));
    };
    state
        .repo
        .confirm_totp(actor.user_id, &sealed, step)
        .await?;
    audit(state, audit_self(actor, "totp_enable", "")).await
}

/// Turns the second factor off; a current code is required, and a wrong one counts towards
/// the lockout like a wrong password.
pub async fn disable_totp(state: &AppState, actor: &Actor, code: &str) -> Result<()> {
    let user = state.repo.user(actor.user_id).await?;
    let stored = state.repo.totp_state(user.id).await?;
    let sealed = stored
        .secret
        .ok_or_else(|| Error::BadRequest("no second factor is set up".into()))?;
    let secret = open_secret(state, user.id, &sealed)?;
    let accepted = match totp::verify(&secret, code, crate::now(), stored.last_step) {
        Some(step) => state.repo.use_totp_step(user.id, step).await?,
        None => false,
    };
    if !accepted {
        record_login_failure(state, &user, "wrong second-factor code (disabling)").await?;
        return Err(Error::BadRequest(WRONG_CODE.into()));
    }
    state.repo.clear_totp(user.id).await?;
    audit(state, audit_self(actor, "totp_disable", "")).await
}

// ---- the sign-in step

/// After a right password: a challenge the browser holds until it sends a code. The token is
/// returned; only its digest is stored.
pub(crate) async fn start_challenge(state: &AppState, user: &User) -> Result<String> {
    let token = crate::random_token();
    state
        .repo
        .create_challenge(
            &token_digest(&token),
            user.id,
            crate::now() + CHALLENGE_SECONDS,
        )
        .await?;
    Ok(token)
}

/// The user a live challenge belongs to (for the rate limit, before the code is checked).
pub async fn challenge_user(state: &AppState, challenge: &str) -> Result<User> {
    let user_id = state
        .repo
        .challenge_user(&token_digest(challenge))
        .await?
        .ok_or(Error::Unauthenticated)?;
    state.repo.user(user_id).await
}

/// What a wrong code leaves: the same challenge to try again, or none (locked out).
#[derive(Debug, PartialEq, Eq)]
pub enum CodeRefused {
    TryAgain,
    StartOver,
}

/// Completes a sign-in with a code. A wrong or replayed code counts towards the lockout and
/// is audited; once locked, the challenge ends.
pub async fn complete_sign_in(
    state: &AppState,
    challenge: &str,
    code: &str,
) -> Result<Result<NewSession, CodeRefused>> {
    let digest = token_digest(challenge);
    let Some(user_id) = state.repo.challenge_user(&digest).await? else {
        return Ok(Err(CodeRefused::StartOver));
    };
    let user = state.repo.user(user_id).await?;
    let now = crate::now();
    if user.disabled || user.locked_until > now {
        state.repo.delete_challenge(&digest).await?;
        let why = if user.disabled {
            "account disabled"
        } else {
            "account locked"
        };
        record_failed_login(state, &user.username, Some(user.org_id), why).await?;
        return Ok(Err(CodeRefused::StartOver));
    }
    let stored = state.repo.totp_state(user.id).await?;
    let Some(sealed) = stored.secret else {
        // The factor was removed meanwhile: the password alone was checked, sign in again.
        state.repo.delete_challenge(&digest).await?;
        return Ok(Err(CodeRefused::StartOver));
    };
    let secret = open_secret(state, user.id, &sealed)?;
    let accepted = match totp::verify(&secret, code, now, stored.last_step) {
        Some(step) => state.repo.use_totp_step(user.id, step).await?,
        None => false,
    };
    if !accepted {
        record_login_failure(state, &user, "wrong second-factor code").await?;
        if state.repo.user(user.id).await?.locked_until > now {
            state.repo.delete_challenge(&digest).await?;
            return Ok(Err(CodeRefused::StartOver));
        }
        return Ok(Err(CodeRefused::TryAgain));
    }
    state.repo.delete_challenge(&digest).await?;
    Ok(Ok(start_session(state, &user, "password+totp").await?))
}

// ---- administration of users

/// The users the actor administers: everyone for the platform admin, its operator's for a
/// security officer.
pub async fn users(state: &AppState, actor: &Actor) -> Result<Vec<UserSummary>> {
    let orgs = visible_org_ids(state, actor, Action::ManageUsers).await?;
    if orgs.is_empty() {
        return Err(Error::Forbidden);
    }
    state.repo.users(&orgs).await
}

/// A user the actor may administer, or 404 as for a missing one; never oneself (a password
/// is changed with the current one, and disabling oneself would lock the organisation out).
async fn managed_user(state: &AppState, actor: &Actor, id: i64) -> Result<User> {
    let user = state.repo.user(id).await.map_err(|error| match error {
        Error::Unauthenticated => Error::NotFound,
        other => other,
    })?;
    require_on(state, actor, Action::ManageUsers, user.org_id).await?;
    if user.id == actor.user_id {
        return Err(Error::BadRequest(
            "use your account page for your own account".into(),
        ));
    }
    Ok(user)
}

/// Disables (its sessions end, its tokens stop) or enables a user.
pub async fn set_user_disabled(
    state: &AppState,
    actor: &Actor,
    id: i64,
    disabled: bool,
) -> Result<()> {
    let user = managed_user(state, actor, id).await?;
    state.repo.set_disabled(user.id, disabled).await?;
    let action = if disabled {
        "user_disable"
    } else {
        "user_enable"
    };
    audit(
        state,
        AuditEntry::by(
            actor,
            user.org_id,
            action,
            format!("user:{}", user.id),
            user.username,
        ),
    )
    .await
}

/// Sets a new password for someone who lost theirs; the lockout is lifted, sessions end.
pub async fn reset_password(
    state: &AppState,
    actor: &Actor,
    id: i64,
    password: &str,
) -> Result<()> {
    let user = managed_user(state, actor, id).await?;
    check_password_strength(password)?;
    let hash = hash_password(state, password).await?;
    state.repo.reset_password(user.id, &hash).await?;
    audit(
        state,
        AuditEntry::by(
            actor,
            user.org_id,
            "password_reset",
            format!("user:{}", user.id),
            user.username,
        ),
    )
    .await
}

/// Removes the second factor of a user who lost the device; the user signs in with the
/// password alone and can enrol again.
pub async fn reset_totp(state: &AppState, actor: &Actor, id: i64) -> Result<()> {
    let user = managed_user(state, actor, id).await?;
    state.repo.clear_totp(user.id).await?;
    audit(
        state,
        AuditEntry::by(
            actor,
            user.org_id,
            "totp_reset",
            format!("user:{}", user.id),
            user.username,
        ),
    )
    .await
}

// ---- vendor grants

/// Systems of the organisations whose users the actor manages (the choices for a grant).
pub async fn grantable_systems(state: &AppState, actor: &Actor) -> Result<Vec<System>> {
    let orgs = visible_org_ids(state, actor, Action::ManageUsers).await?;
    state.repo.systems(&orgs).await
}

pub async fn grants(state: &AppState, actor: &Actor) -> Result<Vec<VendorGrant>> {
    let orgs = visible_org_ids(state, actor, Action::ManageUsers).await?;
    if orgs.is_empty() {
        return Err(Error::Forbidden);
    }
    state.repo.grants(&orgs).await
}

/// Grants a vendor user of the operator read access to one of its systems until
/// `expires_at` (Unix seconds, within [`MAX_GRANT_DAYS`]).
pub async fn create_grant(
    state: &AppState,
    actor: &Actor,
    vendor_id: i64,
    system_id: i64,
    expires_at: i64,
) -> Result<i64> {
    let system = state.repo.system(system_id).await?;
    require_on(state, actor, Action::ManageUsers, system.org_id).await?;
    // Another organisation's user is as unknown as a missing one.
    let vendor = match state.repo.user(vendor_id).await {
        Ok(user) if user.org_id == system.org_id => user,
        Ok(_) | Err(Error::Unauthenticated) => return Err(Error::NotFound),
        Err(other) => return Err(other),
    };
    if vendor.role != Role::Vendor {
        return Err(Error::BadRequest("grants are for vendor users".into()));
    }
    let now = crate::now();
    if expires_at <= now || expires_at > now + MAX_GRANT_DAYS * 86_400 {
        return Err(Error::BadRequest(format!(
            "a grant expires in the future, within {MAX_GRANT_DAYS} days"
        )));
    }
    let id = state
        .repo
        .create_grant(
            system.org_id,
            vendor.id,
            system.id,
            actor.user_id,
            expires_at,
        )
        .await?;
    audit(
        state,
        AuditEntry::by(
            actor,
            system.org_id,
            "vendor_grant",
            format!("grant:{id}"),
            format!(
                "{} → system:{} {} until {expires_at}",
                vendor.username, system.id, system.name
            ),
        ),
    )
    .await?;
    Ok(id)
}

pub async fn revoke_grant(state: &AppState, actor: &Actor, id: i64) -> Result<()> {
    let grant = state.repo.grant(id).await?;
    require_on(state, actor, Action::ManageUsers, grant.org_id).await?;
    state.repo.revoke_grant(id, actor.user_id).await?;
    audit(
        state,
        AuditEntry::by(
            actor,
            grant.org_id,
            "vendor_revoke",
            format!("grant:{id}"),
            format!("{} → system:{}", grant.vendor, grant.system_id),
        ),
    )
    .await
}
