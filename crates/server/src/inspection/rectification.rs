//! Rectification orders (整改通知): issued by the regulator from an inspection's findings
//! with a deadline; answered by the operator with evidence; verified and closed by the
//! regulator, or sent back to be answered again. The rules are the table [`WORKFLOW`] over
//! the generic `workflow::StateMachine`:
//!
//! ```text
//!  issued ──answer (operator)──► answered ──close (regulator)──► closed
//!                                 │    ▲
//!            send_back (regulator)│    │answer (operator)
//!                                 ▼    │
//!                                returned
//! ```
//!
//! An order waiting for the operator (issued or returned) after its deadline is **overdue**:
//! computed from the platform's clock (`AppState::clock`) whenever it is read, so it needs no background job and is
//! right after a restart; both sides see it flagged.

use serde::{Deserialize, Serialize};
use sqlx::Row;
use sqlx::any::AnyRow;

use super::{Finding, require_on, required_long};
use crate::AppState;
use crate::audit::AuditEntry;
use crate::auth::{Action, Actor, OrgRef, authorize};
use crate::error::{Error, Result};
use crate::notify::{Recipients, notify};
use crate::registry::{json_column, json_text};
use crate::repo::{placeholders, query_with_ids};
use crate::service::{audit, bounded, visible_org_ids};
use crate::workflow::{Refusal, StateMachine, step};

/// Most findings one order cites.
const MAX_FINDINGS: usize = 200;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    Issued,
    Answered,
    Returned,
    Closed,
}

impl Status {
    const ALL: [Status; 4] = [
        Status::Issued,
        Status::Answered,
        Status::Returned,
        Status::Closed,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Status::Issued => "issued",
            Status::Answered => "answered",
            Status::Returned => "returned",
            Status::Closed => "closed",
        }
    }

    fn parse(text: &str) -> Result<Status> {
        Status::ALL
            .into_iter()
            .find(|s| s.as_str() == text)
            .ok_or_else(|| Error::Config(format!("unknown rectification status {text:?}")))
    }

    /// The operator's turn: it answers, and may add evidence.
    pub fn awaits_operator(self) -> bool {
        matches!(self, Status::Issued | Status::Returned)
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Event {
    Answer,
    SendBack,
    Close,
}

impl Event {
    pub fn as_str(self) -> &'static str {
        match self {
            Event::Answer => "answer",
            Event::SendBack => "send_back",
            Event::Close => "close",
        }
    }

    pub fn parse(text: &str) -> Option<Event> {
        [Event::Answer, Event::SendBack, Event::Close]
            .into_iter()
            .find(|e| e.as_str() == text)
    }
}

/// The operator's officer or data administrator, or the regulator with jurisdiction.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Party {
    Operator,
    Regulator,
}

pub const WORKFLOW: StateMachine<Status, Event, Party> = StateMachine {
    transitions: &[
        step(
            Status::Issued,
            Event::Answer,
            Status::Answered,
            Party::Operator,
        ),
        step(
            Status::Returned,
            Event::Answer,
            Status::Answered,
            Party::Operator,
        ),
        step(
            Status::Answered,
            Event::SendBack,
            Status::Returned,
            Party::Regulator,
        ),
        step(
            Status::Answered,
            Event::Close,
            Status::Closed,
            Party::Regulator,
        ),
    ],
};

fn party_of(actor: &Actor, org: &OrgRef) -> Option<Party> {
    if authorize(actor, Action::Inspect, org) {
        Some(Party::Regulator)
    } else if authorize(actor, Action::AnswerRectification, org) {
        Some(Party::Operator)
    } else {
        None
    }
}

/// The platform's clock (`AppState::clock`, shared with incidents) in Unix seconds: what
/// deadlines are set against and overdue is judged by, so tests can move it.
fn clock_now(state: &AppState) -> i64 {
    state.clock.now().timestamp()
}

/// Whether an order in `status` with `deadline` is overdue at `now`: still waiting for the
/// operator after the deadline.
pub fn is_overdue(status: Status, deadline: i64, now: i64) -> bool {
    status.awaits_operator() && now > deadline
}

#[derive(Clone, Debug, Serialize)]
pub struct Order {
    pub id: i64,
    pub inspection_id: i64,
    pub inspection_title: String,
    pub org_id: i64,
    pub org_name: String,
    pub finding_ids: Vec<i64>,
    pub requirements: String,
    pub deadline: i64,
    pub status: Status,
    /// Computed at read time from the server clock (see [`is_overdue`]).
    pub overdue: bool,
    pub issued_by: String,
    pub issued_at: i64,
    pub updated_at: i64,
}

#[derive(Clone, Debug, Serialize)]
pub struct OrderEvent {
    pub event: String,
    pub from_status: String,
    pub to_status: String,
    pub comment: String,
    pub username: String,
    pub created_at: i64,
}

#[derive(Clone, Debug, Serialize)]
pub struct Evidence {
    pub id: i64,
    pub file_name: String,
    #[serde(skip)]
    pub location: String,
    pub bytes: i64,
    pub uploaded_by: String,
    pub uploaded_at: i64,
}

/// An order with what it cites, its history and evidence, and what the reader may do now.
#[derive(Clone, Debug, Serialize)]
pub struct OrderView {
    pub order: Order,
    pub findings: Vec<Finding>,
    pub events: Vec<OrderEvent>,
    pub evidence: Vec<Evidence>,
    pub allowed_events: Vec<Event>,
    /// Whether the reader may upload evidence now.
    pub can_add_evidence: bool,
}

#[derive(Clone, Debug, Deserialize)]
pub struct NewOrder {
    pub inspection_id: i64,
    pub org_id: i64,
    pub finding_ids: Vec<i64>,
    /// What the operator must do (整改要求).
    pub requirements: String,
    /// Unix seconds; in the future.
    pub deadline: i64,
}

/// Filters of the order list.
#[derive(Clone, Debug, Default, Deserialize)]
pub struct OrderFilter {
    pub status: Option<String>,
    pub overdue: Option<bool>,
}

// ---- service

/// Issues an order to one of the inspection's operators, citing its findings (regulator
/// staff with jurisdiction).
pub async fn issue(state: &AppState, actor: &Actor, new: &NewOrder) -> Result<i64> {
    // Seeing the inspection comes first, so another regulator's ids answer 404.
    super::get(state, actor, new.inspection_id).await?;
    require_on(state, actor, Action::Inspect, new.org_id).await?;
    if !super::is_target(state, new.inspection_id, new.org_id).await? {
        return Err(Error::BadRequest(
            "the operator was not drawn for this inspection".into(),
        ));
    }
    let mut finding_ids = new.finding_ids.clone();
    finding_ids.sort_unstable();
    finding_ids.dedup();
    if finding_ids.is_empty() || finding_ids.len() > MAX_FINDINGS {
        return Err(Error::BadRequest(format!(
            "an order cites 1 to {MAX_FINDINGS} findings"
        )));
    }
    let own_findings: Vec<i64> = super::findings(state, new.inspection_id)
        .await?
        .into_iter()
        .filter(|f| f.org_id == new.org_id)
        .map(|f| f.id)
        .collect();
    if let Some(stray) = finding_ids.iter().find(|id| !own_findings.contains(id)) {
        return Err(Error::BadRequest(format!(
            "finding {stray} is not a finding about this operator in this inspection"
        )));
    }
    let requirements = required_long("requirements", &new.requirements)?;
    let now = clock_now(state);
    if new.deadline <= now {
        return Err(Error::BadRequest("the deadline is in the future".into()));
    }
    let mut tx = state.repo.pool.begin().await?;
    let id: i64 = sqlx::query(
        "INSERT INTO rectification_orders (inspection_id, org_id, finding_ids, requirements, \
         deadline, status, issued_by, issued_at, updated_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $8) RETURNING id",
    )
    .bind(new.inspection_id)
    .bind(new.org_id)
    .bind(json_text(&finding_ids))
    .bind(&requirements)
    .bind(new.deadline)
    .bind(Status::Issued.as_str())
    .bind(actor.user_id)
    .bind(now)
    .fetch_one(&mut *tx)
    .await?
    .try_get(0)?;
    // The requirements are on the order itself; the history records who issued it when.
    let issued = HistoryStep {
        event: "issue",
        from: "",
        to: Status::Issued,
        comment: "",
    };
    insert_event(&mut tx, id, issued, actor.user_id, now).await?;
    tx.commit().await?;
    audit(
        state,
        AuditEntry::by(
            actor,
            new.org_id,
            "rectification_issue",
            format!("rectification:{id}"),
            format!(
                "inspection {}; findings {finding_ids:?}; deadline {}",
                new.inspection_id, new.deadline
            ),
        ),
    )
    .await?;
    notify(
        state,
        &Recipients::Orgs {
            orgs: vec![new.org_id],
            may: Action::AnswerRectification,
        },
        "rectification_issue",
        "整改通知 / Rectification order",
        &requirements,
        &format!("/rectifications/{id}"),
    )
    .await?;
    Ok(id)
}

/// The orders the actor may see (a regulator: its jurisdiction's; an operator: its own),
/// newest first.
pub async fn list(state: &AppState, actor: &Actor, filter: &OrderFilter) -> Result<Vec<Order>> {
    let orgs = visible_org_ids(state, actor, Action::ViewInspections).await?;
    if orgs.is_empty() {
        return Ok(Vec::new());
    }
    let sql = format!(
        "{ORDER_SELECT} WHERE r.org_id IN ({}) ORDER BY r.id DESC",
        placeholders(1, orgs.len())
    );
    let query = query_with_ids(sql, &orgs);
    let now = clock_now(state);
    let orders = query
        .fetch_all(&state.repo.pool)
        .await?
        .iter()
        .map(|row| Order::from_row(row, now))
        .collect::<Result<Vec<_>>>()?;
    let status = filter.status.as_deref().filter(|s| !s.is_empty());
    Ok(orders
        .into_iter()
        .filter(|o| status.is_none_or(|s| o.status.as_str() == s))
        .filter(|o| filter.overdue.is_none_or(|wanted| o.overdue == wanted))
        .collect())
}

async fn order_row(state: &AppState, id: i64) -> Result<Order> {
    let sql = format!("{ORDER_SELECT} WHERE r.id = $1");
    sqlx::query(sqlx::AssertSqlSafe(sql))
        .bind(id)
        .fetch_optional(&state.repo.pool)
        .await?
        .map(|row| Order::from_row(&row, clock_now(state)))
        .transpose()?
        .ok_or(Error::NotFound)
}

/// The order if the actor may see it (404 otherwise).
async fn visible_order(state: &AppState, actor: &Actor, id: i64) -> Result<(Order, OrgRef)> {
    let order = order_row(state, id).await?;
    let org = require_on(state, actor, Action::ViewInspections, order.org_id).await?;
    Ok((order, org))
}

pub async fn get(state: &AppState, actor: &Actor, id: i64) -> Result<OrderView> {
    let (order, org) = visible_order(state, actor, id).await?;
    let party = party_of(actor, &org);
    let findings = super::findings(state, order.inspection_id)
        .await?
        .into_iter()
        .filter(|f| order.finding_ids.contains(&f.id))
        .collect();
    Ok(OrderView {
        allowed_events: party
            .map(|p| WORKFLOW.events_for(order.status, p))
            .unwrap_or_default(),
        can_add_evidence: party == Some(Party::Operator) && order.status.awaits_operator(),
        events: events(state, id).await?,
        evidence: evidence_list(state, id).await?,
        findings,
        order,
    })
}

/// Fires a workflow event. The operator's answer needs its text and at least one evidence
/// file; sending back needs the regulator's reasons.
pub async fn transition(
    state: &AppState,
    actor: &Actor,
    id: i64,
    event: Event,
    comment: &str,
) -> Result<Status> {
    let (order, org) = visible_order(state, actor, id).await?;
    let party = party_of(actor, &org).ok_or(Error::Forbidden)?;
    let to = WORKFLOW
        .fire(order.status, event, party)
        .map_err(|refusal| match refusal {
            Refusal::WrongParty => Error::Forbidden,
            Refusal::NotNow => Error::BadRequest(format!(
                "cannot {} an order that is {}",
                event.as_str(),
                order.status.as_str()
            )),
        })?;
    let comment = super::bounded_long("comment", comment)?;
    match event {
        Event::Answer if comment.is_empty() => {
            return Err(Error::BadRequest(
                "an answer says what was rectified".into(),
            ));
        }
        Event::Answer if evidence_list(state, id).await?.is_empty() => {
            return Err(Error::BadRequest(
                "an answer comes with evidence: upload a file first".into(),
            ));
        }
        Event::SendBack if comment.is_empty() => {
            return Err(Error::BadRequest(
                "sending an order back needs the reasons for the operator".into(),
            ));
        }
        _ => {}
    }
    let now = clock_now(state);
    let mut tx = state.repo.pool.begin().await?;
    let moved = sqlx::query(
        "UPDATE rectification_orders SET status = $1, updated_at = $2 WHERE id = $3 AND status = $4",
    )
    .bind(to.as_str())
    .bind(now)
    .bind(id)
    .bind(order.status.as_str())
    .execute(&mut *tx)
    .await?;
    if moved.rows_affected() == 0 {
        return Err(Error::BadRequest(
            "the order changed meanwhile: reload it".into(),
        ));
    }
    let step = HistoryStep {
        event: event.as_str(),
        from: order.status.as_str(),
        to,
        comment: &comment,
    };
    insert_event(&mut tx, id, step, actor.user_id, now).await?;
    tx.commit().await?;
    audit(
        state,
        AuditEntry::by(
            actor,
            order.org_id,
            &format!("rectification_{}", event.as_str()),
            format!("rectification:{id}"),
            format!(
                "{} → {}{}{}",
                order.status.as_str(),
                to.as_str(),
                if order.overdue { " (overdue)" } else { "" },
                if comment.is_empty() {
                    String::new()
                } else {
                    format!(": {comment}")
                }
            ),
        ),
    )
    .await?;
    // The other side is told: an answer goes to the regulator, its decision to the operator.
    let (orgs, may) = if org.id == actor.org.id {
        (org.regulator_id.into_iter().collect(), Action::Inspect)
    } else {
        (vec![order.org_id], Action::AnswerRectification)
    };
    notify(
        state,
        &Recipients::Orgs { orgs, may },
        &format!("rectification_{}", event.as_str()),
        &format!(
            "整改通知 / Rectification order: {} → {}",
            order.status.as_str(),
            to.as_str()
        ),
        &comment,
        &format!("/rectifications/{id}"),
    )
    .await?;
    Ok(to)
}

/// Checks, before an upload's body is read, that the actor may add evidence to the order
/// now; returns the operator the file is stored under.
pub async fn may_add_evidence(state: &AppState, actor: &Actor, id: i64) -> Result<i64> {
    let (order, _) = visible_order(state, actor, id).await?;
    require_on(state, actor, Action::AnswerRectification, order.org_id).await?;
    if !order.status.awaits_operator() {
        return Err(Error::BadRequest(format!(
            "an order that is {} takes no more evidence",
            order.status.as_str()
        )));
    }
    Ok(order.org_id)
}

/// Records an evidence file already written to `location` by the HTTP layer.
pub async fn add_evidence(
    state: &AppState,
    actor: &Actor,
    id: i64,
    location: &std::path::Path,
    bytes: u64,
) -> Result<i64> {
    let org_id = may_add_evidence(state, actor, id).await?;
    let file_name = bounded(
        "file name",
        &location
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default(),
    )?;
    let evidence_id: i64 = sqlx::query(
        "INSERT INTO rectification_evidence (order_id, file_name, location, bytes, uploaded_by, \
         uploaded_at) VALUES ($1, $2, $3, $4, $5, $6) RETURNING id",
    )
    .bind(id)
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
        AuditEntry::by(
            actor,
            org_id,
            "rectification_evidence",
            format!("rectification:{id}"),
            format!("{file_name} ({bytes} bytes)"),
        ),
    )
    .await?;
    Ok(evidence_id)
}

/// An evidence file for download (audited).
pub async fn evidence(
    state: &AppState,
    actor: &Actor,
    id: i64,
    evidence_id: i64,
) -> Result<Evidence> {
    let (order, _) = visible_order(state, actor, id).await?;
    let evidence = evidence_list(state, id)
        .await?
        .into_iter()
        .find(|e| e.id == evidence_id)
        .ok_or(Error::NotFound)?;
    audit(
        state,
        AuditEntry::by(
            actor,
            order.org_id,
            "rectification_evidence_download",
            format!("rectification:{id}"),
            evidence.file_name.clone(),
        ),
    )
    .await?;
    Ok(evidence)
}

// ---- storage

const ORDER_SELECT: &str = "SELECT r.id, r.inspection_id, i.title AS inspection_title, r.org_id, \
     o.name AS org_name, r.finding_ids, r.requirements, r.deadline, r.status, \
     u.display_name AS issued_by, r.issued_at, r.updated_at FROM rectification_orders r \
     JOIN inspections i ON i.id = r.inspection_id JOIN organisations o ON o.id = r.org_id \
     JOIN users u ON u.id = r.issued_by";

impl Order {
    fn from_row(row: &AnyRow, now: i64) -> Result<Self> {
        let status = Status::parse(&row.try_get::<String, _>("status")?)?;
        let deadline: i64 = row.try_get("deadline")?;
        Ok(Order {
            id: row.try_get("id")?,
            inspection_id: row.try_get("inspection_id")?,
            inspection_title: row.try_get("inspection_title")?,
            org_id: row.try_get("org_id")?,
            org_name: row.try_get("org_name")?,
            finding_ids: json_column(row, "finding_ids")?,
            requirements: row.try_get("requirements")?,
            deadline,
            status,
            overdue: is_overdue(status, deadline, now),
            issued_by: row.try_get("issued_by")?,
            issued_at: row.try_get("issued_at")?,
            updated_at: row.try_get("updated_at")?,
        })
    }
}

/// One line of an order's history: the event, the status it left (empty for the issue) and
/// the one it reached, and the comment given.
struct HistoryStep<'a> {
    event: &'a str,
    from: &'a str,
    to: Status,
    comment: &'a str,
}

async fn insert_event(
    tx: &mut sqlx::Transaction<'_, sqlx::Any>,
    order_id: i64,
    step: HistoryStep<'_>,
    user_id: i64,
    at: i64,
) -> Result<()> {
    sqlx::query(
        "INSERT INTO rectification_events (order_id, event, from_status, to_status, comment, \
         user_id, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7)",
    )
    .bind(order_id)
    .bind(step.event)
    .bind(step.from)
    .bind(step.to.as_str())
    .bind(step.comment)
    .bind(user_id)
    .bind(at)
    .execute(&mut **tx)
    .await?;
    Ok(())
}

async fn events(state: &AppState, order_id: i64) -> Result<Vec<OrderEvent>> {
    sqlx::query(
        "SELECT e.event, e.from_status, e.to_status, e.comment, u.username, e.created_at \
         FROM rectification_events e JOIN users u ON u.id = e.user_id WHERE e.order_id = $1 \
         ORDER BY e.id",
    )
    .bind(order_id)
    .fetch_all(&state.repo.pool)
    .await?
    .iter()
    .map(|row| {
        Ok(OrderEvent {
            event: row.try_get("event")?,
            from_status: row.try_get("from_status")?,
            to_status: row.try_get("to_status")?,
            comment: row.try_get("comment")?,
            username: row.try_get("username")?,
            created_at: row.try_get("created_at")?,
        })
    })
    .collect()
}

async fn evidence_list(state: &AppState, order_id: i64) -> Result<Vec<Evidence>> {
    sqlx::query(
        "SELECT e.id, e.file_name, e.location, e.bytes, u.username, e.uploaded_at \
         FROM rectification_evidence e JOIN users u ON u.id = e.uploaded_by \
         WHERE e.order_id = $1 ORDER BY e.id",
    )
    .bind(order_id)
    .fetch_all(&state.repo.pool)
    .await?
    .iter()
    .map(|row| {
        Ok(Evidence {
            id: row.try_get("id")?,
            file_name: row.try_get("file_name")?,
            location: row.try_get("location")?,
            bytes: row.try_get("bytes")?,
            uploaded_by: row.try_get("username")?,
            uploaded_at: row.try_get("uploaded_at")?,
        })
    })
    .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_order_goes_round_until_closed_and_only_the_right_party_moves_it() {
        use Event::*;
        use Party::*;
        let path = [
            (Answer, Operator, Status::Answered),
            (SendBack, Regulator, Status::Returned),
            (Answer, Operator, Status::Answered),
            (Close, Regulator, Status::Closed),
        ];
        let mut status = Status::Issued;
        for (event, party, expected) in path {
            let other = if party == Operator {
                Regulator
            } else {
                Operator
            };
            assert_eq!(
                WORKFLOW.fire(status, event, other),
                Err(Refusal::WrongParty),
                "{event:?} by {other:?} in {status:?}"
            );
            status = WORKFLOW.fire(status, event, party).unwrap();
            assert_eq!(status, expected);
        }
        for event in [Answer, SendBack, Close] {
            assert!(WORKFLOW.events_for(Status::Closed, Operator).is_empty());
            assert_eq!(
                WORKFLOW.fire(Status::Closed, event, Regulator),
                Err(Refusal::NotNow)
            );
        }
        assert_eq!(
            WORKFLOW.fire(Status::Issued, Close, Regulator),
            Err(Refusal::NotNow)
        );
    }

    #[test]
    fn only_orders_waiting_for_the_operator_fall_overdue() {
        let deadline = 1_000;
        assert!(!is_overdue(Status::Issued, deadline, deadline));
        assert!(is_overdue(Status::Issued, deadline, deadline + 1));
        assert!(is_overdue(Status::Returned, deadline, deadline + 1));
        assert!(!is_overdue(Status::Answered, deadline, deadline + 1));
        assert!(!is_overdue(Status::Closed, deadline, deadline + 1));
    }
}
