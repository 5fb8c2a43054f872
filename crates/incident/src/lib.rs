//! Shu'an incident grading and reporting clocks.
//!
//! - [`rules`]: the grading rules and reporting clocks as data (YAML; the built-in file
//!   `rules/incident/grading.yaml` encodes the MIIT 2024 data security incident emergency plan
//!   and the CAC 2025 incident reporting measures, each rule citing its clause). A user file
//!   can replace it; invalid files are rejected with the line at fault.
//! - [`grade`]: an incident's facts in, its grade (特别重大 / 重大 / 较大 / 一般) out, with the
//!   reasons: which rule, which value, which threshold.
//! - [`clock`]: the [`Clock`] trait (system clock, controllable test clock) in Asia/Shanghai
//!   time (fixed +08:00).
//! - [`deadline`]: at a given instant, which reports are due, done, overdue and to be
//!   escalated.
//!
//! Architecture invariant: pure. No I/O (the built-in rules are embedded at build time, a
//! user's file is handed in as text), no threads; time only through a [`Clock`] or an instant
//! passed in, so every answer is reproducible in tests.

pub mod clock;
pub mod deadline;
pub mod grade;
pub mod rules;

pub use clock::{Clock, SystemClock, TestClock, shanghai};
pub use deadline::{Agenda, Deadline, Progress, ReportKind, Status, agenda};
pub use grade::{Grade, Grading, Incident, OperatorKind, Quantity, Reason, grade};
pub use rules::{Rules, RulesError};
