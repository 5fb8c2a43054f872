//! Assessments and campaigns (自查、合规评估、DSMM): a regulator sends a questionnaire library
//! (one bundled with `shuan-assess`, or a CISO-Assistant-shaped one it imported) to operators
//! in its jurisdiction with a deadline; each operator
//! answers every requirement (a result or a level, a comment, evidence files) and submits; a
//! reviewer of the regulator records a conclusion, accepting or returning the assessment; the
//! regulator reads one report per campaign (the heatmap of operators × process areas or
//! sections), exportable as CSV.
//!
//! Status: `open` → `submitted` → `reviewed`, or `returned` (answerable again) → `submitted`.
//! Every function authorises through [`require`] and appends what changed to the audit trail,
//! as `service.rs` does; the SQL is here, next to the one feature that uses it.

use std::borrow::Cow;
use std::collections::HashMap;
use std::sync::OnceLock;

use serde::Serialize;
use shuan_assess::{Answer, AnswerSheet, Heatmap, Library, aggregate, score};
use sqlx::Row;
use sqlx::any::AnyRow;

use crate::AppState;
use crate::audit::AuditEntry;
use crate::auth::{Action, Actor, OrgKind, authorize, require};
use crate::error::{Error, Result};

/// Longest campaign title and review conclusion.
const MAX_TITLE: usize = 200;
const MAX_COMMENT: usize = 4000;

/// The bundled libraries, parsed once.
pub fn libraries() -> &'static [Library] {
    static LIBRARIES: OnceLock<Vec<Library>> = OnceLock::new();
    LIBRARIES.get_or_init(shuan_assess::bundled::bundled_libraries)
}

/// How a request names a library: a bundled one by its `ref_id`, an imported one as
/// `imported:<id>`.
const IMPORTED_PREFIX: &str = "imported:";

/// The library of a campaign: bundled (`library_id` none) or imported (parsed from the
/// stored YAML, which was validated when it was imported).
async fn campaign_library(
    state: &AppState,
    library_ref: &str,
    library_id: Option<i64>,
) -> Result<Cow<'static, Library>> {
    match library_id {
        None => libraries()
            .iter()
            .find(|l| l.ref_id == library_ref)
            .map(Cow::Borrowed)
            .ok_or_else(|| Error::BadRequest(format!("no questionnaire library {library_ref:?}"))),
        Some(id) => Ok(Cow::Owned(imported_library(state, id).await?.1)),
    }
}

/// An imported library: its owner and the parsed library.
async fn imported_library(state: &AppState, id: i64) -> Result<(i64, Library)> {
    let row = sqlx::query("SELECT org_id, yaml FROM assessment_libraries WHERE id = $1")
        .bind(id)
        .fetch_optional(&state.repo.pool)
        .await?
        .ok_or(Error::NotFound)?;
    let yaml: String = row.try_get("yaml")?;
    let library = Library::parse(&yaml)
        .map_err(|e| Error::Config(format!("stored library {id} no longer parses: {e}")))?;
    Ok((row.try_get("org_id")?, library))
}

/// A library a regulator imported, as lists show it.
#[derive(Clone, Debug, Serialize)]
pub struct ImportedLibrary {
    pub id: i64,
    pub org_id: i64,
    pub ref_id: String,
    pub version: i64,
    pub name: String,
    pub imported_at: i64,
}

/// Checks, before an upload is read, that the actor may import libraries: regulator staff,
/// for its own regulator.
pub async fn may_import(actor: &Actor) -> Result<i64> {
    if actor.org.kind != OrgKind::Regulator {
        return Err(Error::Forbidden);
    }
    require(actor, Action::ManageCampaigns, &actor.org)?;
    Ok(actor.org.id)
}

/// Imports a library (CISO Assistant framework shape) for the actor's regulator; every
/// validation problem is returned, each naming its node.
pub async fn import_library(state: &AppState, actor: &Actor, yaml: &str) -> Result<i64> {
    let org_id = may_import(actor).await?;
    let library = Library::parse(yaml).map_err(|e| Error::BadRequest(e.to_string()))?;
    let taken = sqlx::query(
        "SELECT id FROM assessment_libraries WHERE org_id = $1 AND ref_id = $2 AND version = $3",
    )
    .bind(org_id)
    .bind(&library.ref_id)
    .bind(i64::from(library.version))
    .fetch_optional(&state.repo.pool)
    .await?;
    if taken.is_some() {
        return Err(Error::BadRequest(format!(
            "{} version {} is already imported; raise the version to import a change",
            library.ref_id, library.version
        )));
    }
    let id: i64 = sqlx::query(
        "INSERT INTO assessment_libraries \
         (org_id, ref_id, version, name, yaml, imported_by, imported_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id",
    )
    .bind(org_id)
    .bind(&library.ref_id)
    .bind(i64::from(library.version))
    .bind(library.name.original())
    .bind(yaml)
    .bind(actor.user_id)
    .bind(crate::now())
    .fetch_one(&state.repo.pool)
    .await?
    .try_get(0)?;
    audit(
        state,
        actor,
        org_id,
        "library_import",
        format!("library:{id}"),
        format!(
            "{} v{} ({} requirements)",
            library.ref_id,
            library.version,
            library.framework.assessable().count()
        ),
    )
    .await?;
    Ok(id)
}

/// The imported libraries of the regulators whose assessments the actor may view.
pub async fn imported_libraries(state: &AppState, actor: &Actor) -> Result<Vec<ImportedLibrary>> {
    let visible = crate::service::visible_org_ids(state, actor, Action::ViewAssessment).await?;
    let rows = sqlx::query(
        "SELECT id, org_id, ref_id, version, name, imported_at FROM assessment_libraries ORDER BY id",
    )
    .fetch_all(&state.repo.pool)
    .await?;
    let mut libraries = Vec::new();
    for row in &rows {
        let library = ImportedLibrary {
            id: row.try_get("id")?,
            org_id: row.try_get("org_id")?,
            ref_id: row.try_get("ref_id")?,
            version: row.try_get("version")?,
            name: row.try_get("name")?,
            imported_at: row.try_get("imported_at")?,
        };
        if visible.contains(&library.org_id) {
            libraries.push(library);
        }
    }
    Ok(libraries)
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    Open,
    Submitted,
    Returned,
    Reviewed,
}

impl Status {
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Open => "open",
            Status::Submitted => "submitted",
            Status::Returned => "returned",
            Status::Reviewed => "reviewed",
        }
    }

    fn parse(text: &str) -> Result<Status> {
        [
            Status::Open,
            Status::Submitted,
            Status::Returned,
            Status::Reviewed,
        ]
        .into_iter()
        .find(|s| s.as_str() == text)
        .ok_or_else(|| Error::Config(format!("unknown assessment status {text:?}")))
    }

    /// Whether the operator may still change its answers.
    pub fn is_answerable(self) -> bool {
        matches!(self, Status::Open | Status::Returned)
    }
}

#[derive(Clone, Debug, Serialize)]
pub struct Campaign {
    pub id: i64,
    pub regulator_id: i64,
    pub title: String,
    pub library_ref: String,
    pub library_version: i64,
    /// An imported library's id; none for a bundled one.
    pub library_id: Option<i64>,
    pub deadline: i64,
    pub created_at: i64,
}

impl Campaign {
    fn from_row(row: &AnyRow) -> Result<Self> {
        Ok(Campaign {
            id: row.try_get("id")?,
            regulator_id: row.try_get("regulator_id")?,
            title: row.try_get("title")?,
            library_ref: row.try_get("library_ref")?,
            library_version: row.try_get("library_version")?,
            library_id: row.try_get("library_id")?,
            deadline: row.try_get("deadline")?,
            created_at: row.try_get("created_at")?,
        })
    }
}

/// One operator's assessment, with what it shows of its campaign.
#[derive(Clone, Debug, Serialize)]
pub struct Assessment {
    pub id: i64,
    pub campaign_id: i64,
    pub org_id: i64,
    pub org_name: String,
    pub status: Status,
    pub submitted_at: Option<i64>,
    pub conclusion: String,
    pub reviewed_at: Option<i64>,
    pub title: String,
    pub library_ref: String,
    pub library_id: Option<i64>,
    pub deadline: i64,
}

const ASSESSMENT_COLUMNS: &str = "a.id, a.campaign_id, a.org_id, o.name AS org_name, a.status, \
     a.submitted_at, a.conclusion, a.reviewed_at, c.title, c.library_ref, c.library_id, c.deadline \
     FROM assessments a JOIN organisations o ON o.id = a.org_id \
     JOIN assessment_campaigns c ON c.id = a.campaign_id";

impl Assessment {
    fn from_row(row: &AnyRow) -> Result<Self> {
        let status: String = row.try_get("status")?;
        Ok(Assessment {
            id: row.try_get("id")?,
            campaign_id: row.try_get("campaign_id")?,
            org_id: row.try_get("org_id")?,
            org_name: row.try_get("org_name")?,
            status: Status::parse(&status)?,
            submitted_at: row.try_get("submitted_at")?,
            conclusion: row.try_get("conclusion")?,
            reviewed_at: row.try_get("reviewed_at")?,
            title: row.try_get("title")?,
            library_ref: row.try_get("library_ref")?,
            library_id: row.try_get("library_id")?,
            deadline: row.try_get("deadline")?,
        })
    }
}

#[derive(Clone, Debug, Serialize)]
pub struct StoredAnswer {
    pub requirement_urn: String,
    pub answer: String,
    pub comment: String,
}

#[derive(Clone, Debug, Serialize)]
pub struct Evidence {
    pub id: i64,
    pub requirement_urn: String,
    pub file_name: String,
    #[serde(skip)]
    pub location: String,
    pub bytes: i64,
    pub uploaded_at: i64,
}

/// What a regulator asks for when it sends a campaign.
pub struct NewCampaign<'a> {
    pub title: &'a str,
    /// A bundled library's `ref_id`, or `imported:<id>`.
    pub library: &'a str,
    /// Unix seconds; answers are refused after it (unless the assessment was returned).
    pub deadline: i64,
    /// The operators; `None` = every operator in the regulator's jurisdiction.
    pub operators: Option<Vec<i64>>,
}

fn bounded(field: &str, text: &str, max: usize) -> Result<String> {
    let text = text.trim();
    if text.chars().count() > max {
        return Err(Error::BadRequest(format!(
            "{field} is longer than {max} characters"
        )));
    }
    Ok(text.to_owned())
}

async fn audit(
    state: &AppState,
    actor: &Actor,
    org_id: i64,
    action: &str,
    target: String,
    detail: String,
) -> Result<()> {
    state
        .audit
        .record(AuditEntry::by(actor, org_id, action, target, detail))
        .await
}

// ---- campaigns

/// Sends a campaign: one assessment per chosen operator, all in one transaction.
pub async fn create_campaign(state: &AppState, actor: &Actor, new: NewCampaign<'_>) -> Result<i64> {
    if actor.org.kind != OrgKind::Regulator {
        return Err(Error::Forbidden);
    }
    require(actor, Action::ManageCampaigns, &actor.org)?;
    let title = bounded("title", new.title, MAX_TITLE)?;
    if title.is_empty() {
        return Err(Error::BadRequest("title is required".into()));
    }
    let (library, library_id) = match new.library.strip_prefix(IMPORTED_PREFIX) {
        Some(id) => {
            let id: i64 = id
                .parse()
                .map_err(|_| Error::BadRequest("an imported library is named by its id".into()))?;
            let (owner, library) = imported_library(state, id).await?;
            // Another regulator's library is "not found", as everywhere.
            if owner != actor.org.id {
                return Err(Error::NotFound);
            }
            (Cow::Owned(library), Some(id))
        }
        None => (campaign_library(state, new.library, None).await?, None),
    };
    if new.deadline <= crate::now() {
        return Err(Error::BadRequest(
            "the deadline must be in the future".into(),
        ));
    }
    let in_jurisdiction: Vec<i64> = state
        .repo
        .organisations()
        .await?
        .into_iter()
        .filter(|o| {
            o.kind == OrgKind::Operator && authorize(actor, Action::ManageCampaigns, &o.as_ref())
        })
        .map(|o| o.id)
        .collect();
    let operators = match new.operators {
        None => in_jurisdiction,
        Some(mut chosen) => {
            chosen.sort_unstable();
            chosen.dedup();
            // Someone else's operator is "not found", as everywhere.
            if chosen.iter().any(|id| !in_jurisdiction.contains(id)) {
                return Err(Error::NotFound);
            }
            chosen
        }
    };
    if operators.is_empty() {
        return Err(Error::BadRequest("choose at least one operator".into()));
    }
    let now = crate::now();
    let mut tx = state.repo.pool.begin().await?;
    let id: i64 = sqlx::query(
        "INSERT INTO assessment_campaigns \
         (regulator_id, title, library_ref, library_version, library_id, deadline, created_by, created_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING id",
    )
    .bind(actor.org.id)
    .bind(&title)
    .bind(&library.ref_id)
    .bind(i64::from(library.version))
    .bind(library_id)
    .bind(new.deadline)
    .bind(actor.user_id)
    .bind(now)
    .fetch_one(&mut *tx)
    .await?
    .try_get(0)?;
    for org_id in &operators {
        sqlx::query("INSERT INTO assessments (campaign_id, org_id, status) VALUES ($1, $2, $3)")
            .bind(id)
            .bind(*org_id)
            .bind(Status::Open.as_str())
            .execute(&mut *tx)
            .await?;
    }
    tx.commit().await?;
    audit(
        state,
        actor,
        actor.org.id,
        "campaign_create",
        format!("campaign:{id}"),
        format!(
            "{} v{} to {} operators, deadline {}",
            library.ref_id,
            library.version,
            operators.len(),
            new.deadline
        ),
    )
    .await?;
    Ok(id)
}

/// Campaigns of the regulators whose assessments the actor may view.
pub async fn campaigns(state: &AppState, actor: &Actor) -> Result<Vec<Campaign>> {
    let rows = sqlx::query("SELECT * FROM assessment_campaigns ORDER BY id DESC")
        .fetch_all(&state.repo.pool)
        .await?;
    let orgs = state.repo.organisations().await?;
    let mut visible = Vec::new();
    for row in &rows {
        let campaign = Campaign::from_row(row)?;
        let regulator = orgs.iter().find(|o| o.id == campaign.regulator_id);
        if regulator.is_some_and(|o| authorize(actor, Action::ViewAssessment, &o.as_ref())) {
            visible.push(campaign);
        }
    }
    Ok(visible)
}

pub async fn campaign(state: &AppState, actor: &Actor, id: i64) -> Result<Campaign> {
    let row = sqlx::query("SELECT * FROM assessment_campaigns WHERE id = $1")
        .bind(id)
        .fetch_optional(&state.repo.pool)
        .await?
        .ok_or(Error::NotFound)?;
    let campaign = Campaign::from_row(&row)?;
    let regulator = state.repo.organisation(campaign.regulator_id).await?;
    if !authorize(actor, Action::ViewAssessment, &regulator.as_ref()) {
        return Err(Error::NotFound);
    }
    Ok(campaign)
}

/// The report of a campaign: its assessments (operators the actor may view) and their
/// heatmap, rows in the same order.
pub struct CampaignReport {
    pub campaign: Campaign,
    pub library: Cow<'static, Library>,
    pub assessments: Vec<Assessment>,
    pub heatmap: Heatmap,
}

/// `audit_as` names the audit entry: `campaign_report` for a view, `campaign_export` for CSV.
pub async fn campaign_report(
    state: &AppState,
    actor: &Actor,
    id: i64,
    audit_as: &str,
) -> Result<CampaignReport> {
    let campaign = campaign(state, actor, id).await?;
    let library = campaign_library(state, &campaign.library_ref, campaign.library_id).await?;
    let framework = &library.framework;
    let orgs = state.repo.organisations().await?;
    let may_view = |org_id: i64| {
        orgs.iter()
            .find(|o| o.id == org_id)
            .is_some_and(|o| authorize(actor, Action::ViewAssessment, &o.as_ref()))
    };
    let assessments: Vec<Assessment> = sqlx::query(sqlx::AssertSqlSafe(format!(
        "SELECT {ASSESSMENT_COLUMNS} WHERE a.campaign_id = $1 ORDER BY o.name, a.id"
    )))
    .bind(id)
    .fetch_all(&state.repo.pool)
    .await?
    .iter()
    .map(Assessment::from_row)
    .filter(|a| a.as_ref().map_or(true, |a| may_view(a.org_id)))
    .collect::<Result<_>>()?;
    let row_of: HashMap<i64, usize> = assessments
        .iter()
        .enumerate()
        .map(|(row, a)| (a.id, row))
        .collect();
    let mut sheets = vec![AnswerSheet::new(framework); assessments.len()];
    let answers = sqlx::query(
        "SELECT ans.assessment_id, ans.requirement_urn, ans.answer FROM assessment_answers ans \
         JOIN assessments a ON a.id = ans.assessment_id WHERE a.campaign_id = $1",
    )
    .bind(id)
    .fetch_all(&state.repo.pool)
    .await?;
    for row in &answers {
        let assessment_id: i64 = row.try_get(0)?;
        let Some(&sheet) = row_of.get(&assessment_id) else {
            continue;
        };
        let urn: String = row.try_get(1)?;
        let answer: String = row.try_get(2)?;
        // Stored answers were checked when saved; one that no longer fits is left out.
        if let Some(answer) = Answer::decode(&answer) {
            let _ = sheets[sheet].set(framework, &urn, answer);
        }
    }
    let heatmap = aggregate(framework, &sheets);
    audit(
        state,
        actor,
        campaign.regulator_id,
        audit_as,
        format!("campaign:{id}"),
        format!("{} operators", assessments.len()),
    )
    .await?;
    Ok(CampaignReport {
        campaign,
        library,
        assessments,
        heatmap,
    })
}

// ---- one operator's assessment

/// The assessments the actor may view: an operator's own; a regulator's, its operators'.
pub async fn assessments(state: &AppState, actor: &Actor) -> Result<Vec<Assessment>> {
    let visible = crate::service::visible_org_ids(state, actor, Action::ViewAssessment).await?;
    if visible.is_empty() {
        return Ok(Vec::new());
    }
    let placeholders = (1..=visible.len())
        .map(|i| format!("${i}"))
        .collect::<Vec<_>>()
        .join(", ");
    let mut query = sqlx::query(sqlx::AssertSqlSafe(format!(
        "SELECT {ASSESSMENT_COLUMNS} WHERE a.org_id IN ({placeholders}) ORDER BY c.deadline DESC, a.id \
         LIMIT {}",
        crate::service::LIST_LIMIT
    )));
    for org_id in &visible {
        query = query.bind(*org_id);
    }
    query
        .fetch_all(&state.repo.pool)
        .await?
        .iter()
        .map(Assessment::from_row)
        .collect()
}

/// One assessment, if the actor may view it (else not found).
pub async fn assessment(state: &AppState, actor: &Actor, id: i64) -> Result<Assessment> {
    let row = sqlx::query(sqlx::AssertSqlSafe(format!(
        "SELECT {ASSESSMENT_COLUMNS} WHERE a.id = $1"
    )))
    .bind(id)
    .fetch_optional(&state.repo.pool)
    .await?
    .ok_or(Error::NotFound)?;
    let assessment = Assessment::from_row(&row)?;
    let org = state.repo.organisation(assessment.org_id).await?;
    if !authorize(actor, Action::ViewAssessment, &org.as_ref()) {
        return Err(Error::NotFound);
    }
    Ok(assessment)
}

/// An assessment with its library, answers, evidence and score, for its page.
pub struct AssessmentDetail {
    pub assessment: Assessment,
    pub library: Cow<'static, Library>,
    pub answers: HashMap<String, StoredAnswer>,
    pub evidence: Vec<Evidence>,
    pub score: shuan_assess::Score,
    pub heatmap: Heatmap,
}

pub async fn assessment_detail(
    state: &AppState,
    actor: &Actor,
    id: i64,
) -> Result<AssessmentDetail> {
    let assessment = assessment(state, actor, id).await?;
    let library = campaign_library(state, &assessment.library_ref, assessment.library_id).await?;
    let framework = &library.framework;
    let answers: HashMap<String, StoredAnswer> = sqlx::query(
        "SELECT requirement_urn, answer, comment FROM assessment_answers WHERE assessment_id = $1",
    )
    .bind(id)
    .fetch_all(&state.repo.pool)
    .await?
    .iter()
    .map(|row| {
        Ok(StoredAnswer {
            requirement_urn: row.try_get(0)?,
            answer: row.try_get(1)?,
            comment: row.try_get(2)?,
        })
    })
    .map(|a: Result<StoredAnswer>| a.map(|a| (a.requirement_urn.clone(), a)))
    .collect::<Result<_>>()?;
    let mut sheet = AnswerSheet::new(framework);
    for (urn, stored) in &answers {
        if let Some(answer) = Answer::decode(&stored.answer) {
            let _ = sheet.set(framework, urn, answer);
        }
    }
    let evidence = evidence_list(state, id).await?;
    Ok(AssessmentDetail {
        score: score(framework, &sheet),
        heatmap: aggregate(framework, std::slice::from_ref(&sheet)),
        assessment,
        library,
        answers,
        evidence,
    })
}

async fn evidence_list(state: &AppState, assessment_id: i64) -> Result<Vec<Evidence>> {
    sqlx::query(
        "SELECT id, requirement_urn, file_name, location, bytes, uploaded_at \
         FROM assessment_evidence WHERE assessment_id = $1 ORDER BY id",
    )
    .bind(assessment_id)
    .fetch_all(&state.repo.pool)
    .await?
    .iter()
    .map(|row| {
        Ok(Evidence {
            id: row.try_get("id")?,
            requirement_urn: row.try_get("requirement_urn")?,
            file_name: row.try_get("file_name")?,
            location: row.try_get("location")?,
            bytes: row.try_get("bytes")?,
            uploaded_at: row.try_get("uploaded_at")?,
        })
    })
    .collect()
}

/// The assessment, if the actor may answer it now: its operator's officer or data
/// administrator, while it is open or returned, and (unless returned) before the deadline.
pub async fn answerable(state: &AppState, actor: &Actor, id: i64) -> Result<Assessment> {
    let assessment = assessment(state, actor, id).await?;
    let org = state.repo.organisation(assessment.org_id).await?;
    require(actor, Action::AnswerAssessment, &org.as_ref())?;
    if !assessment.status.is_answerable() {
        return Err(Error::BadRequest(format!(
            "the assessment is {} and can no longer be changed",
            assessment.status.as_str()
        )));
    }
    if assessment.status == Status::Open && crate::now() > assessment.deadline {
        return Err(Error::BadRequest(
            "the campaign's deadline has passed".into(),
        ));
    }
    Ok(assessment)
}

/// One requirement's answer as posted: an empty answer clears it.
pub struct AnswerInput {
    pub requirement_urn: String,
    pub answer: String,
    pub comment: String,
}

/// Saves answers (each checked against the library) in one transaction.
pub async fn save_answers(
    state: &AppState,
    actor: &Actor,
    id: i64,
    inputs: &[AnswerInput],
) -> Result<()> {
    let assessment = answerable(state, actor, id).await?;
    let library = campaign_library(state, &assessment.library_ref, assessment.library_id).await?;
    let framework = &library.framework;
    let now = crate::now();
    let mut tx = state.repo.pool.begin().await?;
    let mut saved = 0;
    for input in inputs {
        let comment = bounded("comment", &input.comment, MAX_COMMENT)?;
        if input.answer.is_empty() {
            // Nothing chosen: no answer stored, whatever the comment.
            sqlx::query(
                "DELETE FROM assessment_answers WHERE assessment_id = $1 AND requirement_urn = $2",
            )
            .bind(id)
            .bind(&input.requirement_urn)
            .execute(&mut *tx)
            .await?;
            continue;
        }
        let answer = Answer::decode(&input.answer)
            .ok_or_else(|| Error::BadRequest(format!("{:?} is not an answer", input.answer)))?;
        shuan_assess::score::check_answer(framework, &input.requirement_urn, answer)
            .map_err(|e| Error::BadRequest(e.to_string()))?;
        sqlx::query(
            "INSERT INTO assessment_answers \
             (assessment_id, requirement_urn, answer, comment, answered_by, answered_at) \
             VALUES ($1, $2, $3, $4, $5, $6) \
             ON CONFLICT (assessment_id, requirement_urn) DO UPDATE SET \
             answer = excluded.answer, comment = excluded.comment, \
             answered_by = excluded.answered_by, answered_at = excluded.answered_at",
        )
        .bind(id)
        .bind(&input.requirement_urn)
        .bind(answer.encode())
        .bind(&comment)
        .bind(actor.user_id)
        .bind(now)
        .execute(&mut *tx)
        .await?;
        saved += 1;
    }
    tx.commit().await?;
    audit(
        state,
        actor,
        assessment.org_id,
        "assessment_answer",
        format!("assessment:{id}"),
        format!("{saved} answers saved"),
    )
    .await
}

/// Records an evidence file already written to `location` by the HTTP layer.
pub async fn add_evidence(
    state: &AppState,
    actor: &Actor,
    id: i64,
    requirement_urn: &str,
    location: &std::path::Path,
    bytes: u64,
) -> Result<i64> {
    let assessment = answerable(state, actor, id).await?;
    let library = campaign_library(state, &assessment.library_ref, assessment.library_id).await?;
    let framework = &library.framework;
    let index = framework
        .node_index(requirement_urn)
        .filter(|&i| framework.nodes[i].assessable)
        .ok_or_else(|| Error::BadRequest("evidence must name a requirement".into()))?;
    let file_name = location
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let evidence_id: i64 = sqlx::query(
        "INSERT INTO assessment_evidence \
         (assessment_id, requirement_urn, file_name, location, bytes, uploaded_by, uploaded_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id",
    )
    .bind(id)
    .bind(requirement_urn)
    .bind(&file_name)
    .bind(location.display().to_string())
    .bind(bytes as i64)
    .bind(actor.user_id)
    .bind(crate::now())
    .fetch_one(&state.repo.pool)
    .await?
    .try_get(0)?;
    audit(
        state,
        actor,
        assessment.org_id,
        "assessment_evidence",
        format!("assessment:{id}"),
        format!(
            "{} for {} ({bytes} bytes)",
            file_name,
            framework.nodes[index]
                .ref_id
                .as_deref()
                .unwrap_or(requirement_urn)
        ),
    )
    .await?;
    Ok(evidence_id)
}

/// Checks, before an upload's body is read, that the actor may add evidence; returns the
/// operator the file will be stored under.
pub async fn may_add_evidence(state: &AppState, actor: &Actor, id: i64) -> Result<i64> {
    Ok(answerable(state, actor, id).await?.org_id)
}

/// An evidence file for download (audited).
pub async fn evidence(
    state: &AppState,
    actor: &Actor,
    id: i64,
    evidence_id: i64,
) -> Result<Evidence> {
    let assessment = assessment(state, actor, id).await?;
    let evidence = evidence_list(state, id)
        .await?
        .into_iter()
        .find(|e| e.id == evidence_id)
        .ok_or(Error::NotFound)?;
    audit(
        state,
        actor,
        assessment.org_id,
        "evidence_download",
        format!("assessment:{id}"),
        evidence.file_name.clone(),
    )
    .await?;
    Ok(evidence)
}

/// Submits the answers for review; every requirement must be answered.
pub async fn submit(state: &AppState, actor: &Actor, id: i64) -> Result<()> {
    answerable(state, actor, id).await?;
    let detail = assessment_detail(state, actor, id).await?;
    let (answered, assessable) = (detail.score.answered(), detail.score.assessable());
    if answered < assessable {
        return Err(Error::BadRequest(format!(
            "{} of {assessable} requirements are still unanswered",
            assessable - answered
        )));
    }
    sqlx::query("UPDATE assessments SET status = $1, submitted_at = $2 WHERE id = $3")
        .bind(Status::Submitted.as_str())
        .bind(crate::now())
        .bind(id)
        .execute(&state.repo.pool)
        .await?;
    audit(
        state,
        actor,
        detail.assessment.org_id,
        "assessment_submit",
        format!("assessment:{id}"),
        detail.score.to_string(),
    )
    .await
}

/// A reviewer's decision on a submitted assessment.
pub async fn review(
    state: &AppState,
    actor: &Actor,
    id: i64,
    accept: bool,
    conclusion: &str,
) -> Result<()> {
    let assessment = assessment(state, actor, id).await?;
    let org = state.repo.organisation(assessment.org_id).await?;
    require(actor, Action::ManageCampaigns, &org.as_ref())?;
    if assessment.status != Status::Submitted {
        return Err(Error::BadRequest(
            "only a submitted assessment can be reviewed".into(),
        ));
    }
    let conclusion = bounded("conclusion", conclusion, MAX_COMMENT)?;
    if conclusion.is_empty() {
        return Err(Error::BadRequest("a conclusion is required".into()));
    }
    let status = if accept {
        Status::Reviewed
    } else {
        Status::Returned
    };
    sqlx::query(
        "UPDATE assessments SET status = $1, conclusion = $2, reviewed_by = $3, reviewed_at = $4 \
         WHERE id = $5",
    )
    .bind(status.as_str())
    .bind(&conclusion)
    .bind(actor.user_id)
    .bind(crate::now())
    .bind(id)
    .execute(&state.repo.pool)
    .await?;
    audit(
        state,
        actor,
        assessment.org_id,
        "assessment_review",
        format!("assessment:{id}"),
        format!("{}: {conclusion}", status.as_str()),
    )
    .await
}
