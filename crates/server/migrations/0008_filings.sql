-- Operator registry, filings (备案) and risk assessment reports (issue 8).

-- Each edit of an operator's profile adds a version; the newest is current, the rest is its
-- history. Contacts, the security officer and systems are JSON kept as the operator wrote them.
CREATE TABLE operator_profiles (
    id @ID@,
    org_id BIGINT NOT NULL REFERENCES organisations (id),
    version BIGINT NOT NULL,
    legal_name TEXT NOT NULL,
    uscc TEXT NOT NULL,
    industry TEXT NOT NULL,
    region TEXT NOT NULL,
    contacts TEXT NOT NULL,
    security_officer TEXT NOT NULL,
    systems TEXT NOT NULL,
    changed_by BIGINT NOT NULL REFERENCES users (id),
    changed_at BIGINT NOT NULL,
    UNIQUE (org_id, version)
);

-- The key-operator list (重点企业名录) as the regulator's decisions: an operator is on it when
-- its newest decision is an addition.
CREATE TABLE key_operator_decisions (
    id @ID@,
    org_id BIGINT NOT NULL REFERENCES organisations (id),
    regulator_id BIGINT NOT NULL REFERENCES organisations (id),
    listed BIGINT NOT NULL,
    reason TEXT NOT NULL,
    decided_by BIGINT NOT NULL REFERENCES users (id),
    decided_at BIGINT NOT NULL
);
CREATE INDEX key_operator_decisions_org ON key_operator_decisions (org_id);

-- Filings and risk assessment reports share one workflow. `draft` is the operator's working
-- copy (JSON); each submission freezes it into `filing_versions`.
CREATE TABLE filings (
    id @ID@,
    org_id BIGINT NOT NULL REFERENCES organisations (id),
    kind TEXT NOT NULL,
    title TEXT NOT NULL,
    status TEXT NOT NULL,
    draft TEXT NOT NULL,
    created_by BIGINT NOT NULL REFERENCES users (id),
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL,
    accepted_at BIGINT NOT NULL DEFAULT 0,
    -- The version the regulator accepted last; 0 before the first acceptance.
    accepted_version BIGINT NOT NULL DEFAULT 0
);
CREATE INDEX filings_org ON filings (org_id, kind);

-- Submitted versions: written once, never updated.
CREATE TABLE filing_versions (
    id @ID@,
    filing_id BIGINT NOT NULL REFERENCES filings (id),
    version BIGINT NOT NULL,
    content TEXT NOT NULL,
    submitted_by BIGINT NOT NULL REFERENCES users (id),
    submitted_at BIGINT NOT NULL,
    UNIQUE (filing_id, version)
);

-- Every state change with who made it and the reviewer's comments.
CREATE TABLE filing_events (
    id @ID@,
    filing_id BIGINT NOT NULL REFERENCES filings (id),
    event TEXT NOT NULL,
    from_status TEXT NOT NULL,
    to_status TEXT NOT NULL,
    comment TEXT NOT NULL,
    user_id BIGINT NOT NULL REFERENCES users (id),
    created_at BIGINT NOT NULL
);
CREATE INDEX filing_events_filing ON filing_events (filing_id);
