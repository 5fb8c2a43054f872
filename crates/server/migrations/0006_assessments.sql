-- Assessments and campaigns (issue 8): a regulator sends a questionnaire library to operators
-- with a deadline; each operator answers per requirement, with evidence files, and submits; a
-- reviewer of the regulator records a conclusion. A campaign's library is a bundled one of
-- shuan-assess (library_id NULL, named by library_ref) or one a regulator imported.
CREATE TABLE assessment_libraries (
    id @ID@,
    org_id BIGINT NOT NULL REFERENCES organisations (id),
    ref_id TEXT NOT NULL,
    version BIGINT NOT NULL,
    name TEXT NOT NULL,
    yaml TEXT NOT NULL,
    imported_by BIGINT NOT NULL REFERENCES users (id),
    imported_at BIGINT NOT NULL,
    UNIQUE (org_id, ref_id, version)
);

CREATE TABLE assessment_campaigns (
    id @ID@,
    regulator_id BIGINT NOT NULL REFERENCES organisations (id),
    title TEXT NOT NULL,
    library_ref TEXT NOT NULL,
    library_version BIGINT NOT NULL,
    library_id BIGINT REFERENCES assessment_libraries (id),
    deadline BIGINT NOT NULL,
    created_by BIGINT NOT NULL REFERENCES users (id),
    created_at BIGINT NOT NULL
);

CREATE INDEX assessment_campaigns_regulator ON assessment_campaigns (regulator_id);

-- One per operator of a campaign. status: open, submitted, returned, reviewed.
CREATE TABLE assessments (
    id @ID@,
    campaign_id BIGINT NOT NULL REFERENCES assessment_campaigns (id),
    org_id BIGINT NOT NULL REFERENCES organisations (id),
    status TEXT NOT NULL,
    submitted_at BIGINT,
    conclusion TEXT NOT NULL DEFAULT '',
    reviewed_by BIGINT REFERENCES users (id),
    reviewed_at BIGINT,
    UNIQUE (campaign_id, org_id)
);

CREATE INDEX assessments_org ON assessments (org_id);

-- answer: an outcome (compliant, partially_compliant, non_compliant, not_applicable) or level:N.
CREATE TABLE assessment_answers (
    assessment_id BIGINT NOT NULL REFERENCES assessments (id),
    requirement_urn TEXT NOT NULL,
    answer TEXT NOT NULL,
    comment TEXT NOT NULL DEFAULT '',
    answered_by BIGINT NOT NULL REFERENCES users (id),
    answered_at BIGINT NOT NULL,
    PRIMARY KEY (assessment_id, requirement_urn)
);

CREATE TABLE assessment_evidence (
    id @ID@,
    assessment_id BIGINT NOT NULL REFERENCES assessments (id),
    requirement_urn TEXT NOT NULL,
    file_name TEXT NOT NULL,
    location TEXT NOT NULL,
    bytes BIGINT NOT NULL,
    uploaded_by BIGINT NOT NULL REFERENCES users (id),
    uploaded_at BIGINT NOT NULL
);

CREATE INDEX assessment_evidence_assessment ON assessment_evidence (assessment_id);
