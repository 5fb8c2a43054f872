-- Portable across SQLite and PostgreSQL: `@ID@` becomes each dialect's auto-increment key.
-- Times are Unix seconds (BIGINT); flags are 0/1 BIGINT so one repository layer reads both.
CREATE TABLE organisations (
    id @ID@,
    name TEXT NOT NULL UNIQUE,
    kind TEXT NOT NULL,
    regulator_id BIGINT REFERENCES organisations (id),
    region TEXT NOT NULL DEFAULT '',
    industry TEXT NOT NULL DEFAULT '',
    created_at BIGINT NOT NULL
);

CREATE TABLE users (
    id @ID@,
    org_id BIGINT NOT NULL REFERENCES organisations (id),
    username TEXT NOT NULL UNIQUE,
    display_name TEXT NOT NULL,
    role TEXT NOT NULL,
    password_hash TEXT NOT NULL,
    failed_logins BIGINT NOT NULL DEFAULT 0,
    locked_until BIGINT NOT NULL DEFAULT 0,
    created_at BIGINT NOT NULL
);

CREATE TABLE sessions (
    token_hash TEXT PRIMARY KEY,
    user_id BIGINT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    csrf_token TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    expires_at BIGINT NOT NULL
);

CREATE TABLE api_tokens (
    id @ID@,
    user_id BIGINT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    name TEXT NOT NULL,
    token_hash TEXT NOT NULL UNIQUE,
    created_at BIGINT NOT NULL
);

CREATE TABLE systems (
    id @ID@,
    org_id BIGINT NOT NULL REFERENCES organisations (id),
    name TEXT NOT NULL,
    UNIQUE (org_id, name)
);

CREATE TABLE data_sources (
    id @ID@,
    org_id BIGINT NOT NULL REFERENCES organisations (id),
    system_id BIGINT NOT NULL REFERENCES systems (id),
    name TEXT NOT NULL,
    kind TEXT NOT NULL,
    location TEXT NOT NULL,
    encrypted_password TEXT,
    created_by BIGINT NOT NULL REFERENCES users (id),
    created_at BIGINT NOT NULL
);

CREATE TABLE scan_jobs (
    id @ID@,
    org_id BIGINT NOT NULL REFERENCES organisations (id),
    source_id BIGINT NOT NULL REFERENCES data_sources (id),
    status TEXT NOT NULL,
    cancel_requested BIGINT NOT NULL DEFAULT 0,
    progress_done BIGINT NOT NULL DEFAULT 0,
    progress_total BIGINT NOT NULL DEFAULT 0,
    message TEXT NOT NULL DEFAULT '',
    created_by BIGINT NOT NULL REFERENCES users (id),
    created_at BIGINT NOT NULL,
    started_at BIGINT NOT NULL DEFAULT 0,
    finished_at BIGINT NOT NULL DEFAULT 0
);
CREATE INDEX scan_jobs_status ON scan_jobs (status);

CREATE TABLE inventory_tables (
    id @ID@,
    org_id BIGINT NOT NULL REFERENCES organisations (id),
    source_id BIGINT NOT NULL REFERENCES data_sources (id),
    location TEXT NOT NULL,
    name TEXT NOT NULL,
    rows_scanned BIGINT NOT NULL DEFAULT 0,
    level TEXT,
    last_job_id BIGINT NOT NULL,
    updated_at BIGINT NOT NULL,
    UNIQUE (source_id, location, name)
);
CREATE INDEX inventory_tables_org ON inventory_tables (org_id);

CREATE TABLE inventory_columns (
    id @ID@,
    org_id BIGINT NOT NULL REFERENCES organisations (id),
    table_id BIGINT NOT NULL REFERENCES inventory_tables (id),
    position BIGINT NOT NULL,
    name TEXT NOT NULL,
    comment TEXT,
    data_type TEXT,
    detected_entity TEXT,
    detected_category TEXT,
    detected_level TEXT,
    confidence DOUBLE PRECISION NOT NULL DEFAULT 0,
    evidence TEXT NOT NULL DEFAULT '',
    samples TEXT NOT NULL DEFAULT '[]',
    entity TEXT,
    category TEXT,
    level TEXT,
    reviewed BIGINT NOT NULL DEFAULT 0,
    reviewed_by BIGINT REFERENCES users (id),
    reviewed_at BIGINT NOT NULL DEFAULT 0,
    updated_at BIGINT NOT NULL,
    UNIQUE (table_id, name)
);
CREATE INDEX inventory_columns_org_level ON inventory_columns (org_id, level);

CREATE TABLE label_reviews (
    id @ID@,
    org_id BIGINT NOT NULL REFERENCES organisations (id),
    column_id BIGINT NOT NULL REFERENCES inventory_columns (id),
    user_id BIGINT NOT NULL REFERENCES users (id),
    old_entity TEXT,
    old_category TEXT,
    old_level TEXT,
    new_entity TEXT,
    new_category TEXT,
    new_level TEXT,
    reason TEXT NOT NULL,
    created_at BIGINT NOT NULL
);
