//! Reporting deadlines: from an incident's grade, its reporter's kind and what has been
//! reported so far, which reports are due when, and at a given instant which are done, due,
//! overdue, and so to be escalated.

use chrono::{DateTime, Duration, FixedOffset};
use serde::Serialize;

use crate::grade::{Grade, OperatorKind};
use crate::rules::Rules;

/// The reports the texts time.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ReportKind {
    /// The operator's first report (首次报告), CAC 第四条.
    Initial,
    /// The receiving body forwards a 重大 or 特别重大 incident to the national level (逐级上报),
    /// CAC 第四条.
    Escalation,
    /// The close-out report (事件处置总结报告), within 30 days after handling ends, CAC 第八条.
    CloseOut,
}

impl ReportKind {
    pub fn as_str(self) -> &'static str {
        match self {
            ReportKind::Initial => "initial",
            ReportKind::Escalation => "escalation",
            ReportKind::CloseOut => "close_out",
        }
    }
}

/// What has happened so far; the instants are when each step was recorded.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Progress {
    /// When the operator discovered or learnt of the incident (发现或获知): clocks start here.
    pub discovered_at: Option<DateTime<FixedOffset>>,
    pub initial_reported_at: Option<DateTime<FixedOffset>>,
    pub escalated_at: Option<DateTime<FixedOffset>>,
    /// When handling ended (处置工作结束): the close-out clock starts here.
    pub resolved_at: Option<DateTime<FixedOffset>>,
    pub closed_out_at: Option<DateTime<FixedOffset>>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case", tag = "state")]
pub enum Status {
    /// Not done, and the deadline has not passed.
    Due,
    /// Not done, and the deadline has passed: to be escalated.
    Overdue,
    /// Done, on time or late.
    Done { late: bool },
}

/// One timed report.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Deadline {
    pub kind: ReportKind,
    pub due_at: DateTime<FixedOffset>,
    pub status: Status,
    /// The clause the deadline comes from.
    pub clause: String,
}

/// Every timed report of one incident at one instant, in the order they fall due.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Agenda {
    pub deadlines: Vec<Deadline>,
}

impl Agenda {
    pub fn due(&self) -> impl Iterator<Item = &Deadline> {
        self.deadlines.iter().filter(|d| d.status == Status::Due)
    }

    pub fn overdue(&self) -> impl Iterator<Item = &Deadline> {
        self.deadlines
            .iter()
            .filter(|d| d.status == Status::Overdue)
    }

    /// Reports that missed their deadline and are still not made: each is escalated (to the
    /// regulator's attention) once.
    pub fn to_escalate(&self) -> impl Iterator<Item = &Deadline> {
        self.overdue()
    }
}

/// The deadlines of an incident of `grade` reported by an operator of `kind`, at `now`.
///
/// - Initial report: `discovered_at` + the kind's minutes (1 h / 2 h / 4 h), from
///   `reporting.initial.from_grade` (较大) up; below it nothing is timed.
/// - Escalation: from `reporting.escalation.from_grade` (重大) up, the kind's minutes after the
///   initial report, or after its deadline while it has not been made (the receiving body
///   cannot forward earlier than it receives, and a late report must not push the step out
///   of sight).
/// - Close-out: once handling has ended, `resolved_at` + 30 days.
pub fn agenda(
    rules: &Rules,
    grade: Grade,
    kind: OperatorKind,
    progress: &Progress,
    now: DateTime<FixedOffset>,
) -> Agenda {
    let reporting = &rules.reporting;
    let mut deadlines = Vec::new();
    let status = |done: Option<DateTime<FixedOffset>>, due_at: DateTime<FixedOffset>| match done {
        Some(at) => Status::Done { late: at > due_at },
        None if now >= due_at => Status::Overdue,
        None => Status::Due,
    };
    if let Some(discovered_at) = progress.discovered_at
        && grade >= reporting.initial.from_grade
    {
        let initial_due =
            discovered_at + Duration::minutes(reporting.initial.minutes_for(kind).into());
        deadlines.push(Deadline {
            kind: ReportKind::Initial,
            due_at: initial_due,
            status: status(progress.initial_reported_at, initial_due),
            clause: reporting.initial.clause.clone(),
        });
        if grade >= reporting.escalation.from_grade {
            let received = progress.initial_reported_at.unwrap_or(initial_due);
            let escalation_due =
                received + Duration::minutes(reporting.escalation.minutes_for(kind).into());
            deadlines.push(Deadline {
                kind: ReportKind::Escalation,
                due_at: escalation_due,
                status: status(progress.escalated_at, escalation_due),
                clause: reporting.escalation.clause.clone(),
            });
        }
        if let Some(resolved_at) = progress.resolved_at {
            let close_out_due = resolved_at + Duration::days(reporting.close_out.days.into());
            deadlines.push(Deadline {
                kind: ReportKind::CloseOut,
                due_at: close_out_due,
                status: status(progress.closed_out_at, close_out_due),
                clause: reporting.close_out.clause.clone(),
            });
        }
    }
    deadlines.sort_by_key(|d| d.due_at);
    Agenda { deadlines }
}
