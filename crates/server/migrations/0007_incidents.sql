-- Incidents (数据安全事件): reported by an operator, graded by shuan-incident's rules at the
-- time of the report, with the instants that drive the reporting clocks. Portable across
-- SQLite and PostgreSQL: Unix seconds in BIGINT, flags as 0/1 BIGINT, JSON as TEXT.
CREATE TABLE incidents (
    id @ID@,
    org_id BIGINT NOT NULL REFERENCES organisations (id),
    title TEXT NOT NULL,
    description TEXT NOT NULL DEFAULT '',
    data_kinds TEXT NOT NULL DEFAULT '',
    operator_kind TEXT NOT NULL,
    people_pi BIGINT NOT NULL DEFAULT 0,
    people_sensitive_pi BIGINT NOT NULL DEFAULT 0,
    important_data BIGINT NOT NULL DEFAULT 0,
    core_data BIGINT NOT NULL DEFAULT 0,
    loss_yuan BIGINT NOT NULL DEFAULT 0,
    outage_hours DOUBLE PRECISION NOT NULL DEFAULT 0,
    grade TEXT NOT NULL,
    -- The grader's reasons (rule, clause, value, threshold) as JSON, kept as they were when
    -- the incident was graded even if the rules file changes later.
    grade_reasons TEXT NOT NULL DEFAULT '[]',
    occurred_at BIGINT NOT NULL,
    discovered_at BIGINT NOT NULL,
    initial_reported_at BIGINT NOT NULL,
    escalated_at BIGINT,
    resolved_at BIGINT,
    closed_out_at BIGINT,
    close_out_report TEXT,
    status TEXT NOT NULL,
    created_by BIGINT NOT NULL REFERENCES users (id),
    created_at BIGINT NOT NULL
);
CREATE INDEX incidents_org ON incidents (org_id);
CREATE INDEX incidents_status ON incidents (status);

-- What happened after the report: notes, supplements (补报), notification of affected people,
-- the forward to the national level, the end of handling, the close-out report, and the
-- deadline tick's overdue marks (user_id NULL).
CREATE TABLE incident_timeline (
    id @ID@,
    incident_id BIGINT NOT NULL REFERENCES incidents (id),
    kind TEXT NOT NULL,
    body TEXT NOT NULL,
    user_id BIGINT REFERENCES users (id),
    created_at BIGINT NOT NULL
);
CREATE INDEX incident_timeline_incident ON incident_timeline (incident_id);

-- Reports the deadline tick found overdue, once each: the key makes the mark idempotent, so
-- a restart (or two servers) never escalates the same missed deadline twice.
CREATE TABLE incident_overdue (
    incident_id BIGINT NOT NULL REFERENCES incidents (id),
    report_kind TEXT NOT NULL,
    due_at BIGINT NOT NULL,
    escalated_at BIGINT NOT NULL,
    PRIMARY KEY (incident_id, report_kind)
);
