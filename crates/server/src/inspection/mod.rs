//! Inspections (监督检查), rectification orders (整改通知) and interviews (约谈): the
//! oversight a regulator runs over the operators in its jurisdiction.
//!
//! An inspection is routine (日常) or special (专项). Its operators and inspectors are drawn
//! "double random" (双随机, [`draw`]) from a seed that is stored with the criteria and both
//! candidate lists, so the page can redo the draw and show that it matches. Inspectors record
//! findings per operator against a checklist, a bundled questionnaire library; the
//! regulator issues rectification orders from them ([`rectification`]) and records
//! interviews with an operator's people.
//!
//! Who sees what: an inspection belongs to its regulator, whose staff and auditors see all of
//! it; an operator's officer, data administrator and auditor see the inspections that drew
//! their operator, with only their own findings and never the draw (it names the other
//! candidates). Everything else answers 404. Every change is audited.

pub mod draw;
pub mod rectification;

use serde::{Deserialize, Serialize};
use sqlx::Row;
use sqlx::any::AnyRow;

use crate::AppState;
use crate::audit::AuditEntry;
use crate::auth::{Action, Actor, OrgKind, OrgRef, Role, authorize};
use crate::error::{Error, Result};
use crate::registry::{self, OperatorFilter, json_column, json_text};
use crate::repo::{placeholders, query_with_ids};
use crate::service::{audit, bounded, required, visible_org_ids};
use draw::SplitMix64;

/// Most operators and inspectors one draw picks.
const MAX_OPERATORS: usize = 200;
const MAX_INSPECTORS: usize = 20;
/// Longest finding, requirement, summary or follow-up text.
pub(crate) const MAX_LONG_TEXT: usize = 5000;

/// The kinds of inspection.
pub const KINDS: [&str; 2] = ["routine", "special"];
/// How serious a finding is.
pub const SEVERITIES: [&str; 3] = ["low", "medium", "high"];

/// Like `service::bounded`, for the long texts of findings, orders and interviews.
pub(crate) fn bounded_long(field: &str, text: &str) -> Result<String> {
    let text = text.trim();
    if text.chars().count() > MAX_LONG_TEXT {
        return Err(Error::BadRequest(format!(
            "{field} is longer than {MAX_LONG_TEXT} characters"
        )));
    }
    Ok(text.to_owned())
}

pub(crate) fn required_long(field: &str, text: &str) -> Result<String> {
    let text = bounded_long(field, text)?;
    if text.is_empty() {
        return Err(Error::BadRequest(format!("{field} is required")));
    }
    Ok(text)
}

/// Authorises `action` on records about `org_id`: a record the actor may not view at all
/// answers 404 (even when it may see the organisation's inventory, as a vendor), one it may
/// view but not change answers 403.
pub(crate) async fn require_on(
    state: &AppState,
    actor: &Actor,
    action: Action,
    org_id: i64,
) -> Result<OrgRef> {
    let org = state.repo.organisation(org_id).await?.as_ref();
    if !authorize(actor, Action::ViewInspections, &org) {
        Err(Error::NotFound)
    } else if !authorize(actor, action, &org) {
        Err(Error::Forbidden)
    } else {
        Ok(org)
    }
}

// ---- records

/// What the draw was asked for.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Criteria {
    /// Only operators whose industry (region) contains this text; empty: any.
    pub industry: String,
    pub region: String,
    /// Draw from the key operators (重点企业) before the others.
    pub key_first: bool,
    pub operators: usize,
    pub inspectors: usize,
}

/// Everything needed to redo a draw: the seed, the criteria and the candidates as they
/// were when the draw was made.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct DrawRecord {
    /// Decimal text of the 64-bit seed.
    pub seed: String,
    pub criteria: Criteria,
    pub key_candidates: Vec<i64>,
    pub other_candidates: Vec<i64>,
    pub inspector_candidates: Vec<i64>,
}

impl DrawRecord {
    /// The operators and inspectors this record draws: operators first, then inspectors,
    /// from one generator.
    pub fn redo(&self) -> Result<(Vec<i64>, Vec<i64>)> {
        let seed: u64 = self
            .seed
            .parse()
            .map_err(|_| Error::BadRequest("the seed is a whole number 0 … 2^64−1".into()))?;
        let mut rng = SplitMix64::new(seed);
        let operators = draw::draw_operators(
            &mut rng,
            &self.key_candidates,
            &self.other_candidates,
            self.criteria.operators,
            self.criteria.key_first,
        );
        let inspectors = draw::draw(
            &mut rng,
            &self.inspector_candidates,
            self.criteria.inspectors,
        );
        Ok((operators, inspectors))
    }
}

#[derive(Clone, Debug, Serialize)]
pub struct Inspection {
    pub id: i64,
    pub regulator_id: i64,
    pub regulator_name: String,
    /// `routine` or `special`.
    pub kind: String,
    pub title: String,
    /// The `ref_id` of the bundled questionnaire library used as checklist.
    pub checklist: String,
    pub scheduled_for: i64,
    pub created_by: String,
    pub created_at: i64,
    /// The draw, for the regulator's side only (it names every candidate).
    pub draw: Option<DrawRecord>,
}

#[derive(Clone, Debug, Serialize)]
pub struct Target {
    pub org_id: i64,
    pub org_name: String,
    pub position: i64,
}

#[derive(Clone, Debug, Serialize)]
pub struct Inspector {
    pub user_id: i64,
    pub display_name: String,
    pub position: i64,
}

#[derive(Clone, Debug, Serialize)]
pub struct Finding {
    pub id: i64,
    pub inspection_id: i64,
    pub org_id: i64,
    /// The checklist item, or empty.
    pub requirement_urn: String,
    pub severity: String,
    pub description: String,
    pub recorded_by: String,
    pub recorded_at: i64,
}

/// An inspection as its reader may see it.
#[derive(Clone, Debug, Serialize)]
pub struct InspectionView {
    pub inspection: Inspection,
    pub targets: Vec<Target>,
    pub inspectors: Vec<Inspector>,
    pub findings: Vec<Finding>,
    /// Whether redoing the draw from the record gives the stored selection (regulator side).
    pub draw_verified: Option<bool>,
    /// Whether the reader may record findings and issue orders.
    pub can_inspect: bool,
}

#[derive(Clone, Debug, Deserialize)]
pub struct NewInspection {
    pub kind: String,
    pub title: String,
    pub checklist: String,
    /// Unix seconds.
    pub scheduled_for: i64,
    pub operators: usize,
    pub inspectors: usize,
    #[serde(default)]
    pub industry: String,
    #[serde(default)]
    pub region: String,
    #[serde(default)]
    pub key_first: bool,
    /// Decimal 64-bit seed; a random one when absent or empty.
    #[serde(default)]
    pub seed: Option<String>,
}

#[derive(Clone, Debug, Deserialize)]
pub struct NewFinding {
    pub org_id: i64,
    #[serde(default)]
    pub requirement: String,
    pub severity: String,
    pub description: String,
}

// ---- service

/// How the actor sees an inspection: all of it (the regulator's side), or only as one of
/// the operators it drew.
enum Scope {
    Regulator,
    Operator(i64),
}

async fn scope_of(state: &AppState, actor: &Actor, inspection: &Inspection) -> Result<Scope> {
    let regulator = state
        .repo
        .organisation(inspection.regulator_id)
        .await?
        .as_ref();
    if authorize(actor, Action::ViewInspections, &regulator) {
        return Ok(Scope::Regulator);
    }
    if actor.org.kind == OrgKind::Operator
        && authorize(actor, Action::ViewInspections, &actor.org)
        && is_target(state, inspection.id, actor.org.id).await?
    {
        return Ok(Scope::Operator(actor.org.id));
    }
    Err(Error::NotFound)
}

/// Plans an inspection and makes its draw: the operators in the actor's jurisdiction that
/// match the criteria, and the regulator's staff, drawn from the seed.
pub async fn create(state: &AppState, actor: &Actor, new: &NewInspection) -> Result<i64> {
    if !(actor.org.kind == OrgKind::Regulator && authorize(actor, Action::Inspect, &actor.org)) {
        return Err(Error::Forbidden);
    }
    if !KINDS.contains(&new.kind.as_str()) {
        return Err(Error::BadRequest("kind is routine or special".into()));
    }
    let title = required("title", &new.title)?;
    if !crate::assessment::libraries()
        .iter()
        .any(|l| l.ref_id == new.checklist)
    {
        return Err(Error::BadRequest(format!(
            "no bundled questionnaire library {:?} for the checklist",
            new.checklist
        )));
    }
    if new.scheduled_for <= 0 {
        return Err(Error::BadRequest("scheduled_for is a date".into()));
    }
    if !(1..=MAX_OPERATORS).contains(&new.operators)
        || !(1..=MAX_INSPECTORS).contains(&new.inspectors)
    {
        return Err(Error::BadRequest(format!(
            "draw 1 to {MAX_OPERATORS} operators and 1 to {MAX_INSPECTORS} inspectors"
        )));
    }
    let seed = match new.seed.as_deref().map(str::trim) {
        Some(text) if !text.is_empty() => text
            .parse::<u64>()
            .map_err(|_| Error::BadRequest("the seed is a whole number 0 … 2^64−1".into()))?,
        _ => u64::from_le_bytes(crate::random_bytes::<8>()),
    };
    let criteria = Criteria {
        industry: bounded("industry", &new.industry)?,
        region: bounded("region", &new.region)?,
        key_first: new.key_first,
        operators: new.operators,
        inspectors: new.inspectors,
    };
    let entries = registry::operators(
        state,
        actor,
        &OperatorFilter {
            industry: Some(criteria.industry.clone()),
            region: Some(criteria.region.clone()),
            ..OperatorFilter::default()
        },
    )
    .await?;
    let (key, others): (Vec<_>, Vec<_>) = entries.iter().partition(|e| e.key_operator);
    let ids = |list: Vec<&registry::RegistryEntry>| {
        let mut ids: Vec<i64> = list.iter().map(|e| e.org.id).collect();
        ids.sort_unstable();
        ids
    };
    let record = DrawRecord {
        seed: seed.to_string(),
        criteria,
        key_candidates: ids(key),
        other_candidates: ids(others),
        inspector_candidates: inspector_candidates(state, actor.org.id).await?,
    };
    if record.key_candidates.is_empty() && record.other_candidates.is_empty() {
        return Err(Error::BadRequest(
            "no operator in the jurisdiction matches the criteria".into(),
        ));
    }
    if record.inspector_candidates.is_empty() {
        return Err(Error::BadRequest(
            "the regulator has no staff to draw".into(),
        ));
    }
    let (operators, inspectors) = record.redo()?;
    let id = insert_inspection(state, actor, new, &title, &record, &operators, &inspectors).await?;
    audit(
        state,
        AuditEntry::by(
            actor,
            actor.org.id,
            "inspection_create",
            format!("inspection:{id}"),
            format!(
                "{} {title}; seed {}; operators {operators:?}; inspectors {inspectors:?}",
                new.kind, record.seed
            ),
        ),
    )
    .await?;
    Ok(id)
}

/// The inspections the actor may see, newest first: as [`get`] decides, those of the
/// regulators it may see in full, and for an operator's users those that drew their operator
/// (without the draw).
pub async fn list(state: &AppState, actor: &Actor) -> Result<Vec<Inspection>> {
    let orgs = visible_org_ids(state, actor, Action::ViewInspections).await?;
    if orgs.is_empty() {
        return Ok(Vec::new());
    }
    let mut sql = format!(
        "{INSPECTION_SELECT} WHERE i.regulator_id IN ({})",
        placeholders(1, orgs.len())
    );
    let drawn_operator = (actor.org.kind == OrgKind::Operator && orgs.contains(&actor.org.id))
        .then_some(actor.org.id);
    if drawn_operator.is_some() {
        sql += &format!(
            " OR EXISTS (SELECT 1 FROM inspection_targets t WHERE t.inspection_id = i.id \
             AND t.org_id = ${})",
            orgs.len() + 1
        );
    }
    sql += " ORDER BY i.id DESC";
    let query = query_with_ids(sql, orgs.iter().chain(&drawn_operator));
    let mut inspections: Vec<Inspection> = query
        .fetch_all(&state.repo.pool)
        .await?
        .iter()
        .map(Inspection::from_row)
        .collect::<Result<_>>()?;
    for inspection in &mut inspections {
        if !orgs.contains(&inspection.regulator_id) {
            inspection.draw = None;
        }
    }
    Ok(inspections)
}

/// One inspection: for the regulator's side with every operator, inspector and finding and
/// the draw checked; for an operator, only its own part.
pub async fn get(state: &AppState, actor: &Actor, id: i64) -> Result<InspectionView> {
    let mut inspection = inspection_row(state, id).await?;
    let scope = scope_of(state, actor, &inspection).await?;
    let mut targets = targets(state, id).await?;
    let inspectors = inspectors(state, id).await?;
    let mut findings = findings(state, id).await?;
    let mut draw_verified = None;
    match scope {
        Scope::Regulator => {
            if let Some(record) = &inspection.draw {
                let (operators, drawn_inspectors) = record.redo()?;
                draw_verified = Some(
                    operators == targets.iter().map(|t| t.org_id).collect::<Vec<_>>()
                        && drawn_inspectors
                            == inspectors.iter().map(|i| i.user_id).collect::<Vec<_>>(),
                );
            }
        }
        Scope::Operator(org_id) => {
            inspection.draw = None;
            targets.retain(|t| t.org_id == org_id);
            findings.retain(|f| f.org_id == org_id);
        }
    }
    let can_inspect =
        authorize(actor, Action::Inspect, &actor.org) && actor.org.id == inspection.regulator_id;
    Ok(InspectionView {
        inspection,
        targets,
        inspectors,
        findings,
        draw_verified,
        can_inspect,
    })
}

/// Records a finding about one of the inspection's operators (regulator staff).
pub async fn add_finding(
    state: &AppState,
    actor: &Actor,
    inspection_id: i64,
    new: &NewFinding,
) -> Result<i64> {
    let inspection = inspection_row(state, inspection_id).await?;
    scope_of(state, actor, &inspection).await?;
    require_on(state, actor, Action::Inspect, new.org_id).await?;
    if !is_target(state, inspection_id, new.org_id).await? {
        return Err(Error::BadRequest(
            "the operator was not drawn for this inspection".into(),
        ));
    }
    if !SEVERITIES.contains(&new.severity.as_str()) {
        return Err(Error::BadRequest("severity is low, medium or high".into()));
    }
    let requirement = bounded("requirement", &new.requirement)?;
    if !requirement.is_empty() && checklist_item(&inspection.checklist, &requirement).is_none() {
        return Err(Error::BadRequest(
            "the requirement is not an item of the inspection's checklist".into(),
        ));
    }
    let description = required_long("description", &new.description)?;
    let id: i64 = sqlx::query(
        "INSERT INTO inspection_findings (inspection_id, org_id, requirement_urn, severity, \
         description, recorded_by, recorded_at) VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id",
    )
    .bind(inspection_id)
    .bind(new.org_id)
    .bind(&requirement)
    .bind(&new.severity)
    .bind(&description)
    .bind(actor.user_id)
    .bind(crate::now())
    .fetch_one(&state.repo.pool)
    .await?
    .try_get(0)?;
    audit(
        state,
        AuditEntry::by(
            actor,
            new.org_id,
            "inspection_finding",
            format!("inspection:{inspection_id}"),
            format!("finding {id} ({}): {description}", new.severity),
        ),
    )
    .await?;
    Ok(id)
}

/// The checklist's items (assessable requirements) as `(urn, label)` in `lang`.
pub fn checklist_items(checklist: &str, lang: &str) -> Vec<(String, String)> {
    crate::assessment::libraries()
        .iter()
        .find(|l| l.ref_id == checklist)
        .map(|library| {
            let framework = &library.framework;
            framework
                .assessable()
                .map(|i| {
                    (
                        framework.nodes[i].urn.clone(),
                        framework.nodes[i].label(lang),
                    )
                })
                .collect()
        })
        .unwrap_or_default()
}

/// The label of one checklist item, if it is one.
pub fn checklist_item(checklist: &str, urn: &str) -> Option<String> {
    checklist_items(checklist, "zh")
        .into_iter()
        .find(|(u, _)| u == urn)
        .map(|(_, label)| label)
}

// ---- interviews (约谈)

#[derive(Clone, Debug, Deserialize)]
pub struct NewInterview {
    pub org_id: i64,
    /// Unix seconds.
    pub held_at: i64,
    /// Who took part, on both sides.
    pub participants: String,
    pub summary: String,
    /// What the operator is to do next.
    #[serde(default)]
    pub follow_ups: String,
}

#[derive(Clone, Debug, Serialize)]
pub struct Interview {
    pub id: i64,
    pub org_id: i64,
    pub org_name: String,
    pub held_at: i64,
    pub participants: String,
    pub summary: String,
    pub follow_ups: String,
    pub recorded_by: String,
    pub recorded_at: i64,
}

/// Records an interview with an operator in the actor's jurisdiction (regulator staff).
pub async fn record_interview(state: &AppState, actor: &Actor, new: &NewInterview) -> Result<i64> {
    let org = require_on(state, actor, Action::Inspect, new.org_id).await?;
    let regulator_id = org
        .regulator_id
        .filter(|_| org.kind == OrgKind::Operator)
        .ok_or_else(|| Error::BadRequest("interviews are held with operators".into()))?;
    if new.held_at <= 0 {
        return Err(Error::BadRequest("held_at is a date".into()));
    }
    let participants = required_long("participants", &new.participants)?;
    let summary = required_long("summary", &new.summary)?;
    let follow_ups = bounded_long("follow_ups", &new.follow_ups)?;
    let id: i64 = sqlx::query(
        "INSERT INTO interviews (regulator_id, org_id, held_at, participants, summary, \
         follow_ups, recorded_by, recorded_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8) \
         RETURNING id",
    )
    .bind(regulator_id)
    .bind(new.org_id)
    .bind(new.held_at)
    .bind(&participants)
    .bind(&summary)
    .bind(&follow_ups)
    .bind(actor.user_id)
    .bind(crate::now())
    .fetch_one(&state.repo.pool)
    .await?
    .try_get(0)?;
    audit(
        state,
        AuditEntry::by(
            actor,
            new.org_id,
            "interview_record",
            format!("interview:{id}"),
            format!("held {}; participants: {participants}", new.held_at),
        ),
    )
    .await?;
    Ok(id)
}

pub async fn interviews(state: &AppState, actor: &Actor) -> Result<Vec<Interview>> {
    let orgs = visible_org_ids(state, actor, Action::ViewInspections).await?;
    if orgs.is_empty() {
        return Ok(Vec::new());
    }
    let sql = format!(
        "{INTERVIEW_SELECT} WHERE v.org_id IN ({}) ORDER BY v.held_at DESC, v.id DESC",
        placeholders(1, orgs.len())
    );
    let query = query_with_ids(sql, &orgs);
    query
        .fetch_all(&state.repo.pool)
        .await?
        .iter()
        .map(Interview::from_row)
        .collect()
}

pub async fn interview(state: &AppState, actor: &Actor, id: i64) -> Result<Interview> {
    let sql = format!("{INTERVIEW_SELECT} WHERE v.id = $1");
    let interview = sqlx::query(sqlx::AssertSqlSafe(sql))
        .bind(id)
        .fetch_optional(&state.repo.pool)
        .await?
        .map(|row| Interview::from_row(&row))
        .transpose()?
        .ok_or(Error::NotFound)?;
    require_on(state, actor, Action::ViewInspections, interview.org_id).await?;
    Ok(interview)
}

// ---- demo

/// The demo's inspection (`shuan demo`): a routine inspection drawn from a fixed seed with
/// key operators first (so `operator` is drawn), a finding about `operator`, an order from
/// it due in 30 days, and an interview.
pub async fn seed_demo(state: &AppState, regulator_staff: &Actor, operator: i64) -> Result<()> {
    const DAY: i64 = 86_400;
    let now = crate::now();
    let id = create(
        state,
        regulator_staff,
        &NewInspection {
            kind: "routine".into(),
            title: "2026年度数据安全“双随机”检查".into(),
            checklist: "tianjin-self-check".into(),
            scheduled_for: now + 7 * DAY,
            operators: 2,
            inspectors: 1,
            industry: String::new(),
            region: String::new(),
            key_first: true,
            seed: Some("20261126".into()),
        },
    )
    .await?;
    let requirement = checklist_items("tianjin-self-check", "zh")
        .into_iter()
        .next()
        .map(|(urn, _)| urn)
        .unwrap_or_default();
    let finding = add_finding(
        state,
        regulator_staff,
        id,
        &NewFinding {
            org_id: operator,
            requirement,
            severity: "medium".into(),
            description: "未明确数据安全管理机构的职责分工，岗位职责文件缺失。".into(),
        },
    )
    .await?;
    rectification::issue(
        state,
        regulator_staff,
        &rectification::NewOrder {
            inspection_id: id,
            org_id: operator,
            finding_ids: vec![finding],
            requirements: "制定数据安全管理机构职责文件并正式发布，报送发布文件。".into(),
            deadline: now + 30 * DAY,
        },
    )
    .await?;
    record_interview(
        state,
        regulator_staff,
        &NewInterview {
            org_id: operator,
            held_at: now - DAY,
            participants: "监管部门：王监管；运营者：李安全（数据安全负责人）".into(),
            summary: "就客户数据批量导出未经审批的问题进行约谈。".into(),
            follow_ups: "15日内建立导出审批流程并报送落实情况。".into(),
        },
    )
    .await?;
    Ok(())
}

// ---- storage

const INSPECTION_SELECT: &str = "SELECT i.id, i.regulator_id, o.name AS regulator_name, i.kind, \
     i.title, i.checklist, i.scheduled_for, i.seed, i.criteria, i.operator_candidates, \
     i.inspector_candidates, u.display_name AS created_by, i.created_at FROM inspections i \
     JOIN organisations o ON o.id = i.regulator_id JOIN users u ON u.id = i.created_by";

const INTERVIEW_SELECT: &str = "SELECT v.id, v.org_id, o.name AS org_name, v.held_at, \
     v.participants, v.summary, v.follow_ups, u.display_name AS recorded_by, v.recorded_at \
     FROM interviews v JOIN organisations o ON o.id = v.org_id \
     JOIN users u ON u.id = v.recorded_by";

/// How the operator candidates are stored: key operators and the others apart.
#[derive(Serialize, Deserialize)]
struct OperatorCandidates {
    key: Vec<i64>,
    others: Vec<i64>,
}

impl Inspection {
    fn from_row(row: &AnyRow) -> Result<Self> {
        let operators: OperatorCandidates = json_column(row, "operator_candidates")?;
        Ok(Inspection {
            id: row.try_get("id")?,
            regulator_id: row.try_get("regulator_id")?,
            regulator_name: row.try_get("regulator_name")?,
            kind: row.try_get("kind")?,
            title: row.try_get("title")?,
            checklist: row.try_get("checklist")?,
            scheduled_for: row.try_get("scheduled_for")?,
            created_by: row.try_get("created_by")?,
            created_at: row.try_get("created_at")?,
            draw: Some(DrawRecord {
                seed: row.try_get("seed")?,
                criteria: json_column(row, "criteria")?,
                key_candidates: operators.key,
                other_candidates: operators.others,
                inspector_candidates: json_column(row, "inspector_candidates")?,
            }),
        })
    }
}

impl Interview {
    fn from_row(row: &AnyRow) -> Result<Self> {
        Ok(Interview {
            id: row.try_get("id")?,
            org_id: row.try_get("org_id")?,
            org_name: row.try_get("org_name")?,
            held_at: row.try_get("held_at")?,
            participants: row.try_get("participants")?,
            summary: row.try_get("summary")?,
            follow_ups: row.try_get("follow_ups")?,
            recorded_by: row.try_get("recorded_by")?,
            recorded_at: row.try_get("recorded_at")?,
        })
    }
}

/// The regulator's staff, by id: who may be drawn as inspectors.
async fn inspector_candidates(state: &AppState, regulator_id: i64) -> Result<Vec<i64>> {
    sqlx::query("SELECT id FROM users WHERE org_id = $1 AND role = $2 ORDER BY id")
        .bind(regulator_id)
        .bind(Role::RegulatorStaff.as_str())
        .fetch_all(&state.repo.pool)
        .await?
        .iter()
        .map(|row| Ok(row.try_get(0)?))
        .collect()
}

async fn insert_inspection(
    state: &AppState,
    actor: &Actor,
    new: &NewInspection,
    title: &str,
    record: &DrawRecord,
    operators: &[i64],
    inspectors: &[i64],
) -> Result<i64> {
    let mut tx = state.repo.pool.begin().await?;
    let id: i64 = sqlx::query(
        "INSERT INTO inspections (regulator_id, kind, title, checklist, scheduled_for, seed, \
         criteria, operator_candidates, inspector_candidates, created_by, created_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11) RETURNING id",
    )
    .bind(actor.org.id)
    .bind(&new.kind)
    .bind(title)
    .bind(&new.checklist)
    .bind(new.scheduled_for)
    .bind(&record.seed)
    .bind(json_text(&record.criteria))
    .bind(json_text(&OperatorCandidates {
        key: record.key_candidates.clone(),
        others: record.other_candidates.clone(),
    }))
    .bind(json_text(&record.inspector_candidates))
    .bind(actor.user_id)
    .bind(crate::now())
    .fetch_one(&mut *tx)
    .await?
    .try_get(0)?;
    for (position, org_id) in operators.iter().enumerate() {
        sqlx::query(
            "INSERT INTO inspection_targets (inspection_id, org_id, position) VALUES ($1, $2, $3)",
        )
        .bind(id)
        .bind(*org_id)
        .bind(position as i64 + 1)
        .execute(&mut *tx)
        .await?;
    }
    for (position, user_id) in inspectors.iter().enumerate() {
        sqlx::query(
            "INSERT INTO inspection_inspectors (inspection_id, user_id, position) \
             VALUES ($1, $2, $3)",
        )
        .bind(id)
        .bind(*user_id)
        .bind(position as i64 + 1)
        .execute(&mut *tx)
        .await?;
    }
    tx.commit().await?;
    Ok(id)
}

pub(crate) async fn inspection_row(state: &AppState, id: i64) -> Result<Inspection> {
    let sql = format!("{INSPECTION_SELECT} WHERE i.id = $1");
    sqlx::query(sqlx::AssertSqlSafe(sql))
        .bind(id)
        .fetch_optional(&state.repo.pool)
        .await?
        .map(|row| Inspection::from_row(&row))
        .transpose()?
        .ok_or(Error::NotFound)
}

pub(crate) async fn is_target(state: &AppState, inspection_id: i64, org_id: i64) -> Result<bool> {
    Ok(
        sqlx::query("SELECT 1 FROM inspection_targets WHERE inspection_id = $1 AND org_id = $2")
            .bind(inspection_id)
            .bind(org_id)
            .fetch_optional(&state.repo.pool)
            .await?
            .is_some(),
    )
}

async fn targets(state: &AppState, inspection_id: i64) -> Result<Vec<Target>> {
    sqlx::query(
        "SELECT t.org_id, o.name, t.position FROM inspection_targets t \
         JOIN organisations o ON o.id = t.org_id WHERE t.inspection_id = $1 ORDER BY t.position",
    )
    .bind(inspection_id)
    .fetch_all(&state.repo.pool)
    .await?
    .iter()
    .map(|row| {
        Ok(Target {
            org_id: row.try_get("org_id")?,
            org_name: row.try_get("name")?,
            position: row.try_get("position")?,
        })
    })
    .collect()
}

async fn inspectors(state: &AppState, inspection_id: i64) -> Result<Vec<Inspector>> {
    sqlx::query(
        "SELECT i.user_id, u.display_name, i.position FROM inspection_inspectors i \
         JOIN users u ON u.id = i.user_id WHERE i.inspection_id = $1 ORDER BY i.position",
    )
    .bind(inspection_id)
    .fetch_all(&state.repo.pool)
    .await?
    .iter()
    .map(|row| {
        Ok(Inspector {
            user_id: row.try_get("user_id")?,
            display_name: row.try_get("display_name")?,
            position: row.try_get("position")?,
        })
    })
    .collect()
}

pub(crate) async fn findings(state: &AppState, inspection_id: i64) -> Result<Vec<Finding>> {
    sqlx::query(
        "SELECT f.id, f.inspection_id, f.org_id, f.requirement_urn, f.severity, f.description, \
         u.display_name, f.recorded_at FROM inspection_findings f \
         JOIN users u ON u.id = f.recorded_by WHERE f.inspection_id = $1 ORDER BY f.id",
    )
    .bind(inspection_id)
    .fetch_all(&state.repo.pool)
    .await?
    .iter()
    .map(|row| {
        Ok(Finding {
            id: row.try_get("id")?,
            inspection_id: row.try_get("inspection_id")?,
            org_id: row.try_get("org_id")?,
            requirement_urn: row.try_get("requirement_urn")?,
            severity: row.try_get("severity")?,
            description: row.try_get("description")?,
            recorded_by: row.try_get("display_name")?,
            recorded_at: row.try_get("recorded_at")?,
        })
    })
    .collect()
}
