-- Accounts: TOTP second factor, disabled users, the half-authenticated sign-in state, vendor
-- grants. Portable across SQLite and PostgreSQL like 0001.

-- The TOTP secret, sealed with the SM4 master key (NULL: no second factor). A secret being
-- enrolled waits in totp_pending until a code confirms it. totp_last_step is the last time
-- step accepted, so a code cannot be used twice.
ALTER TABLE users ADD COLUMN totp_secret TEXT;
ALTER TABLE users ADD COLUMN totp_pending TEXT;
ALTER TABLE users ADD COLUMN totp_last_step BIGINT NOT NULL DEFAULT 0;
ALTER TABLE users ADD COLUMN disabled BIGINT NOT NULL DEFAULT 0;

-- A password that was right for a user with a second factor: the browser holds the token
-- (its SM3 digest is stored) and may only submit a code with it, until it expires.
CREATE TABLE mfa_challenges (
    token_hash TEXT PRIMARY KEY,
    user_id BIGINT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    expires_at BIGINT NOT NULL
);

-- A vendor user's read access to one system (信息系统) of its operator, until expires_at or
-- until revoked (revoked_at > 0).
CREATE TABLE vendor_grants (
    id @ID@,
    org_id BIGINT NOT NULL REFERENCES organisations (id),
    vendor_id BIGINT NOT NULL REFERENCES users (id),
    system_id BIGINT NOT NULL REFERENCES systems (id),
    granted_by BIGINT NOT NULL REFERENCES users (id),
    created_at BIGINT NOT NULL,
    expires_at BIGINT NOT NULL,
    revoked_at BIGINT NOT NULL DEFAULT 0,
    revoked_by BIGINT REFERENCES users (id)
);
CREATE INDEX vendor_grants_vendor ON vendor_grants (vendor_id);
