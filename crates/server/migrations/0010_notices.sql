-- Notices, complaints, delivery, emergency plans and drills (issue 9).

-- Delivery: one inbox row per recipient user.
CREATE TABLE inbox_messages (
    id @ID@,
    user_id BIGINT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    org_id BIGINT NOT NULL REFERENCES organisations (id),
    event TEXT NOT NULL,
    subject TEXT NOT NULL,
    body TEXT NOT NULL,
    link TEXT NOT NULL DEFAULT '',
    created_at BIGINT NOT NULL,
    read_at BIGINT
);

CREATE INDEX inbox_messages_user ON inbox_messages (user_id, read_at);

-- The address a user's notifications are e-mailed to (none: inbox only).
CREATE TABLE notification_emails (
    user_id BIGINT PRIMARY KEY REFERENCES users (id) ON DELETE CASCADE,
    email TEXT NOT NULL
);

-- An organisation's webhook: the secret is sealed by the master key (it must be read back to
-- sign), shown once when created.
CREATE TABLE webhooks (
    id @ID@,
    org_id BIGINT NOT NULL REFERENCES organisations (id),
    url TEXT NOT NULL,
    sealed_secret TEXT NOT NULL,
    active BIGINT NOT NULL DEFAULT 1,
    created_by BIGINT NOT NULL REFERENCES users (id),
    created_at BIGINT NOT NULL
);

CREATE INDEX webhooks_org ON webhooks (org_id);

-- The delivery queue and its log: channel email (target = the address) or webhook
-- (webhook_id). status: pending, sent, failed (gave up after the last retry).
CREATE TABLE deliveries (
    id @ID@,
    channel TEXT NOT NULL,
    org_id BIGINT NOT NULL REFERENCES organisations (id),
    webhook_id BIGINT REFERENCES webhooks (id),
    target TEXT NOT NULL,
    event TEXT NOT NULL,
    subject TEXT NOT NULL,
    payload TEXT NOT NULL,
    status TEXT NOT NULL,
    attempts BIGINT NOT NULL DEFAULT 0,
    next_attempt_at BIGINT NOT NULL,
    last_error TEXT NOT NULL DEFAULT '',
    created_at BIGINT NOT NULL,
    sent_at BIGINT
);

CREATE INDEX deliveries_due ON deliveries (status, next_attempt_at);
CREATE INDEX deliveries_webhook ON deliveries (webhook_id);

-- Notices (通报) from a regulator to operators in its jurisdiction.
CREATE TABLE notices (
    id @ID@,
    regulator_id BIGINT NOT NULL REFERENCES organisations (id),
    title TEXT NOT NULL,
    body TEXT NOT NULL,
    created_by BIGINT NOT NULL REFERENCES users (id),
    created_at BIGINT NOT NULL
);

CREATE INDEX notices_regulator ON notices (regulator_id);

CREATE TABLE notice_recipients (
    notice_id BIGINT NOT NULL REFERENCES notices (id),
    org_id BIGINT NOT NULL REFERENCES organisations (id),
    read_at BIGINT,
    read_by BIGINT REFERENCES users (id),
    acknowledged_at BIGINT,
    acknowledged_by BIGINT REFERENCES users (id),
    PRIMARY KEY (notice_id, org_id)
);

CREATE INDEX notice_recipients_org ON notice_recipients (org_id);

-- Complaints and reports (投诉举报) from the public. The tracking code is stored as its SM3
-- digest. regulator_id is the one handling it (NULL: the platform admin triages it).
-- status: received, triaged, assigned, answered, closed.
CREATE TABLE complaints (
    id @ID@,
    tracking_digest TEXT NOT NULL UNIQUE,
    regulator_id BIGINT REFERENCES organisations (id),
    operator_id BIGINT REFERENCES organisations (id),
    operator_name TEXT NOT NULL,
    category TEXT NOT NULL,
    content TEXT NOT NULL,
    contact TEXT NOT NULL DEFAULT '',
    status TEXT NOT NULL,
    assigned_to BIGINT REFERENCES users (id),
    answer TEXT NOT NULL DEFAULT '',
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);

CREATE INDEX complaints_regulator ON complaints (regulator_id);

-- Emergency plans (应急预案) on file, one row per uploaded document.
CREATE TABLE emergency_plans (
    id @ID@,
    org_id BIGINT NOT NULL REFERENCES organisations (id),
    title TEXT NOT NULL,
    file_name TEXT NOT NULL,
    location TEXT NOT NULL,
    bytes BIGINT NOT NULL,
    uploaded_by BIGINT NOT NULL REFERENCES users (id),
    uploaded_at BIGINT NOT NULL
);

CREATE INDEX emergency_plans_org ON emergency_plans (org_id);

-- Drills (应急演练): scheduled, then recorded and evaluated.
CREATE TABLE drills (
    id @ID@,
    org_id BIGINT NOT NULL REFERENCES organisations (id),
    scenario TEXT NOT NULL,
    scheduled_on TEXT NOT NULL,
    participants TEXT NOT NULL,
    record TEXT NOT NULL DEFAULT '',
    evaluation TEXT NOT NULL DEFAULT '',
    created_by BIGINT NOT NULL REFERENCES users (id),
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);

CREATE INDEX drills_org ON drills (org_id);

CREATE TABLE drill_actions (
    id @ID@,
    drill_id BIGINT NOT NULL REFERENCES drills (id),
    action TEXT NOT NULL,
    owner TEXT NOT NULL,
    due_on TEXT NOT NULL,
    done_at BIGINT
);

CREATE INDEX drill_actions_drill ON drill_actions (drill_id);
