//! Questionnaires, assessments and their scoring for Shu'an (数安).
//!
//! - [`library`]: questionnaire libraries as versioned YAML in the shape of CISO Assistant's
//!   framework libraries, parsed into a validated requirement tree; errors name the node.
//! - [`bundled`]: the libraries that ship embedded: GB/T 37988-2019 DSMM (30 process areas,
//!   levels 1–5), the self-check points of the Tianjin action plan, the MIIT compliance
//!   assessment points and a GB/T 43697-2024 classification-and-grading self-check.
//! - [`score`]: answers (a result or a level per requirement), compliance rate and maturity
//!   levels, with the rules stated where they are implemented.
//! - [`aggregate`]: many operators' answers into a heatmap matrix with summary statistics.
//!
//! Pure: no I/O, no clock, no threads. The platform (`shuan-server`) stores answers and calls
//! this crate to check and score them.

pub mod aggregate;
pub mod bundled;
pub mod library;
pub mod score;

pub use aggregate::{Heatmap, HeatmapRow, Measure, Summary, aggregate};
pub use library::{
    Framework, Library, LibraryError, Localized, Node, Problem, Scale, ValidationError,
};
pub use score::{Answer, AnswerError, AnswerSheet, Outcome, Score, score};
