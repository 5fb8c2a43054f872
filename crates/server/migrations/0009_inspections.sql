-- Inspections and rectification (issue 9): a regulator's inspections (监督检查) with the
-- "double random" draw of operators and inspectors recorded (seed, criteria and both
-- candidate lists, so the draw can be redone), findings per operator against a checklist
-- (a bundled questionnaire library), rectification orders (整改通知) with their workflow,
-- answers' evidence and history, and interviews (约谈).
CREATE TABLE inspections (
    id @ID@,
    regulator_id BIGINT NOT NULL REFERENCES organisations (id),
    kind TEXT NOT NULL,
    title TEXT NOT NULL,
    checklist TEXT NOT NULL,
    scheduled_for BIGINT NOT NULL,
    seed TEXT NOT NULL,
    criteria TEXT NOT NULL,
    operator_candidates TEXT NOT NULL,
    inspector_candidates TEXT NOT NULL,
    created_by BIGINT NOT NULL REFERENCES users (id),
    created_at BIGINT NOT NULL
);

CREATE INDEX inspections_regulator ON inspections (regulator_id);

-- The drawn operators and inspectors, in drawing order.
CREATE TABLE inspection_targets (
    inspection_id BIGINT NOT NULL REFERENCES inspections (id),
    org_id BIGINT NOT NULL REFERENCES organisations (id),
    position BIGINT NOT NULL,
    PRIMARY KEY (inspection_id, org_id)
);

CREATE INDEX inspection_targets_org ON inspection_targets (org_id);

CREATE TABLE inspection_inspectors (
    inspection_id BIGINT NOT NULL REFERENCES inspections (id),
    user_id BIGINT NOT NULL REFERENCES users (id),
    position BIGINT NOT NULL,
    PRIMARY KEY (inspection_id, user_id)
);

-- requirement_urn: the checklist item ('' for a finding outside the checklist).
CREATE TABLE inspection_findings (
    id @ID@,
    inspection_id BIGINT NOT NULL REFERENCES inspections (id),
    org_id BIGINT NOT NULL REFERENCES organisations (id),
    requirement_urn TEXT NOT NULL,
    severity TEXT NOT NULL,
    description TEXT NOT NULL,
    recorded_by BIGINT NOT NULL REFERENCES users (id),
    recorded_at BIGINT NOT NULL
);

CREATE INDEX inspection_findings_target ON inspection_findings (inspection_id, org_id);

-- status: issued, answered, returned, closed. finding_ids: JSON array.
CREATE TABLE rectification_orders (
    id @ID@,
    inspection_id BIGINT NOT NULL REFERENCES inspections (id),
    org_id BIGINT NOT NULL REFERENCES organisations (id),
    finding_ids TEXT NOT NULL,
    requirements TEXT NOT NULL,
    deadline BIGINT NOT NULL,
    status TEXT NOT NULL,
    issued_by BIGINT NOT NULL REFERENCES users (id),
    issued_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);

CREATE INDEX rectification_orders_org ON rectification_orders (org_id);

CREATE TABLE rectification_events (
    id @ID@,
    order_id BIGINT NOT NULL REFERENCES rectification_orders (id),
    event TEXT NOT NULL,
    from_status TEXT NOT NULL,
    to_status TEXT NOT NULL,
    comment TEXT NOT NULL,
    user_id BIGINT NOT NULL REFERENCES users (id),
    created_at BIGINT NOT NULL
);

CREATE INDEX rectification_events_order ON rectification_events (order_id);

CREATE TABLE rectification_evidence (
    id @ID@,
    order_id BIGINT NOT NULL REFERENCES rectification_orders (id),
    file_name TEXT NOT NULL,
    location TEXT NOT NULL,
    bytes BIGINT NOT NULL,
    uploaded_by BIGINT NOT NULL REFERENCES users (id),
    uploaded_at BIGINT NOT NULL
);

CREATE INDEX rectification_evidence_order ON rectification_evidence (order_id);

CREATE TABLE interviews (
    id @ID@,
    regulator_id BIGINT NOT NULL REFERENCES organisations (id),
    org_id BIGINT NOT NULL REFERENCES organisations (id),
    held_at BIGINT NOT NULL,
    participants TEXT NOT NULL,
    summary TEXT NOT NULL,
    follow_ups TEXT NOT NULL,
    recorded_by BIGINT NOT NULL REFERENCES users (id),
    recorded_at BIGINT NOT NULL
);

CREATE INDEX interviews_org ON interviews (org_id);
