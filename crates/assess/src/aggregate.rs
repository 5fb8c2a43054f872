//! Aggregation across operators: the heatmap matrix (operators × columns) and its summaries.
//!
//! Columns are the process areas of a maturity questionnaire (cell = the level answered) or
//! the top-level sections of a compliance questionnaire (cell = the section's compliance
//! rate). A row's overall figure follows the rules of [`crate::score`]: the lowest level of
//! its areas, or its compliance rate over the whole questionnaire.

use crate::library::{Framework, Scale};
use crate::score::{Answer, AnswerSheet, ComplianceScore, Score, score};

/// What the numbers in a heatmap are.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Measure {
    /// Capability levels `min..=max`.
    Level { min: u8, max: u8 },
    /// Compliance rates in 0..=1.
    Rate,
}

impl Measure {
    /// The colour band 1 (worst) to 5 (best) of a value: a DSMM level is its own band; a rate
    /// falls in fifths (0–20 %, 20–40 %, …, 80–100 %); other level scales are spread evenly.
    pub fn band(self, value: f64) -> u8 {
        let (low, high) = match self {
            Self::Level { min, max } => (f64::from(min), f64::from(max)),
            Self::Rate => (0.0, 1.0),
        };
        let normalised = if high > low {
            ((value - low) / (high - low)).clamp(0.0, 1.0)
        } else {
            1.0
        };
        1 + ((normalised * 5.0).floor() as u8).min(4)
    }
}

/// Count, mean, extremes and the number of values in each colour band.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Summary {
    pub count: usize,
    pub mean: Option<f64>,
    pub min: Option<f64>,
    pub max: Option<f64>,
    /// `bands[b - 1]` = how many values fall in band `b`.
    pub bands: [usize; 5],
}

impl Summary {
    fn of(values: impl Iterator<Item = f64>, measure: Measure) -> Self {
        let mut summary = Summary::default();
        let mut sum = 0.0;
        for value in values {
            summary.count += 1;
            sum += value;
            summary.min = Some(summary.min.map_or(value, |m: f64| m.min(value)));
            summary.max = Some(summary.max.map_or(value, |m: f64| m.max(value)));
            summary.bands[usize::from(measure.band(value)) - 1] += 1;
        }
        summary.mean = (summary.count > 0).then(|| sum / summary.count as f64);
        summary
    }
}

/// One operator's row.
#[derive(Debug, Clone, PartialEq)]
pub struct HeatmapRow {
    /// One per column; `None` when unanswered (or not applicable).
    pub cells: Vec<Option<f64>>,
    /// The overall level or rate; `None` when undetermined.
    pub overall: Option<f64>,
    pub answered: usize,
    pub assessable: usize,
}

/// The matrix and its statistics; rows are in the order the sheets were given.
#[derive(Debug, Clone, PartialEq)]
pub struct Heatmap {
    pub measure: Measure,
    /// Node indices of the columns, in document order.
    pub columns: Vec<usize>,
    pub rows: Vec<HeatmapRow>,
    /// Per column, over the operators that answered it.
    pub column_summaries: Vec<Summary>,
    /// Of the rows' overall figures.
    pub overall_summary: Summary,
}

/// Builds the heatmap of `sheets` (one per operator) for `framework`.
pub fn aggregate(framework: &Framework, sheets: &[AnswerSheet]) -> Heatmap {
    let (measure, columns) = match framework.scale {
        Scale::Maturity { min, max, .. } => (
            Measure::Level { min, max },
            framework.assessable().collect::<Vec<_>>(),
        ),
        Scale::Compliance => {
            let mut sections: Vec<usize> = Vec::new();
            for index in framework.assessable() {
                let section = framework.top_level_of(index);
                if !sections.contains(&section) {
                    sections.push(section);
                }
            }
            (Measure::Rate, sections)
        }
    };
    // node index → column, computed once for every row.
    let mut column_of = vec![None; framework.nodes.len()];
    for index in framework.assessable() {
        let column_node = match measure {
            Measure::Level { .. } => index,
            Measure::Rate => framework.top_level_of(index),
        };
        column_of[index] = columns.iter().position(|&c| c == column_node);
    }

    let rows: Vec<HeatmapRow> = sheets
        .iter()
        .map(|sheet| {
            let total = score(framework, sheet);
            let cells = match measure {
                Measure::Level { .. } => {
                    let mut cells = vec![None; columns.len()];
                    for index in framework.assessable() {
                        if let (Some(column), Some(Answer::Level(level))) =
                            (column_of[index], sheet.get(index))
                        {
                            cells[column] = Some(f64::from(level));
                        }
                    }
                    cells
                }
                Measure::Rate => {
                    let mut sections = vec![ComplianceScore::default(); columns.len()];
                    for index in framework.assessable() {
                        if let Some(column) = column_of[index] {
                            sections[column].add(sheet.get(index));
                        }
                    }
                    // A section nobody answered is blank, not 0 %.
                    sections
                        .iter()
                        .map(|s| if s.answered == 0 { None } else { s.rate() })
                        .collect()
                }
            };
            let overall = match &total {
                Score::Compliance(c) => c.rate(),
                Score::Maturity(m) => m.overall().map(f64::from),
            };
            HeatmapRow {
                cells,
                overall,
                answered: total.answered(),
                assessable: total.assessable(),
            }
        })
        .collect();

    let column_summaries = (0..columns.len())
        .map(|column| Summary::of(rows.iter().filter_map(|r| r.cells[column]), measure))
        .collect();
    let overall_summary = Summary::of(rows.iter().filter_map(|r| r.overall), measure);
    Heatmap {
        measure,
        columns,
        rows,
        column_summaries,
        overall_summary,
    }
}
