//! Column classification: profile a bounded sample of a column's values, then weigh the hit
//! rates, the validators' verdicts and the header hint into one label.

use crate::Engine;
use crate::entity::{self, Entity, Evidence};
use crate::hint::{Hint, HintMatch, column_hint};
use crate::value::{is_placeholder, match_value};

/// Default number of non-empty values sampled per column.
pub const DEFAULT_SAMPLE: usize = 1000;

/// Counts gathered over a column's values.
#[derive(Debug, Clone)]
pub struct ColumnProfile {
    name: String,
    hint: Option<HintMatch>,
    limit: Option<usize>,
    /// Non-empty values that were not placeholders.
    values: usize,
    empty: usize,
    placeholders: usize,
    matched: [u32; entity::COUNT],
    checked: [u32; entity::COUNT],
    custom: Vec<u32>,
    examples: Vec<String>,
}

/// How many example values a profile keeps for `--show-samples` (shown masked).
const EXAMPLES: usize = 3;

impl ColumnProfile {
    /// A profile for a column; `limit` bounds the values counted (`None`: all, for `--full`).
    pub fn new(
        engine: &Engine,
        name: &str,
        comment: Option<&str>,
        limit: Option<usize>,
    ) -> ColumnProfile {
        ColumnProfile {
            name: name.to_owned(),
            hint: column_hint(name, comment),
            limit,
            values: 0,
            empty: 0,
            placeholders: 0,
            matched: [0; entity::COUNT],
            checked: [0; entity::COUNT],
            custom: vec![0; engine.custom_detectors().len()],
            examples: Vec::new(),
        }
    }

    /// Whether the sample is complete.
    pub fn is_full(&self) -> bool {
        self.limit.is_some_and(|l| self.values >= l)
    }

    /// Count one cell (`None` is SQL NULL).
    pub fn observe(&mut self, engine: &Engine, cell: Option<&str>) {
        if self.is_full() {
            return;
        }
        let v = cell.map(str::trim).unwrap_or_default();
        if v.is_empty() {
            self.empty += 1;
            return;
        }
        if is_placeholder(v) {
            self.placeholders += 1;
            return;
        }
        self.values += 1;
        let m = match_value(v);
        for e in m.matched.iter() {
            self.matched[e.index()] += 1;
        }
        for e in m.checked.iter() {
            self.checked[e.index()] += 1;
        }
        for (count, det) in self.custom.iter_mut().zip(engine.custom_detectors()) {
            *count += u32::from(det.matches_whole(v));
        }
        if self.examples.len() < EXAMPLES && !self.examples.iter().any(|x| x == v) {
            self.examples.push(v.to_owned());
        }
    }

    /// The label this profile supports.
    pub fn label(&self, engine: &Engine) -> ColumnLabel {
        let n = self.values.max(1) as f64;
        let hinted = self.hint.as_ref().map(|h| h.hint);
        let mut best: Option<Candidate> = None;
        for &e in Entity::ALL {
            let rate = f64::from(self.matched[e.index()]) / n;
            let checked = f64::from(self.checked[e.index()]) / n;
            let cand = Candidate {
                entity: e.id().to_owned(),
                name_zh: e.name_zh().to_owned(),
                detector: e.id().to_owned(),
                evidence: e.evidence(),
                rate,
                checked,
                matched: self.matched[e.index()],
                hinted: hinted == Some(Hint::Entity(e)),
            };
            consider(&mut best, cand, hinted);
        }
        for (det, &count) in engine.custom_detectors().iter().zip(&self.custom) {
            let rate = f64::from(count) / n;
            let cand = Candidate {
                entity: det.def.id.clone(),
                name_zh: det
                    .def
                    .name_zh
                    .clone()
                    .unwrap_or_else(|| det.def.id.clone()),
                detector: format!("rule:{}", det.def.id),
                evidence: det.evidence,
                rate,
                checked: if det.evidence == Evidence::Strong {
                    rate
                } else {
                    0.0
                },
                matched: count,
                hinted: det.hinted_by(&self.name),
            };
            consider(&mut best, cand, hinted);
        }
        // A column the header names but whose values are all missing still holds that entity.
        if best.is_none()
            && self.values == 0
            && let Some(Hint::Entity(e)) = hinted
        {
            best = Some(Candidate {
                entity: e.id().to_owned(),
                name_zh: e.name_zh().to_owned(),
                detector: "header".to_owned(),
                evidence: Evidence::ContextOnly,
                rate: 0.0,
                checked: 0.0,
                matched: 0,
                hinted: true,
            });
        }
        let sampled = self.values;
        let (entity, confidence, rate, evidence) = match best {
            Some(c) => {
                let confidence = c.confidence();
                let ev = LabelEvidence {
                    detector: c.detector,
                    matched: c.matched as usize,
                    sampled,
                    hint: self
                        .hint
                        .as_ref()
                        .filter(|_| c.hinted)
                        .map(|h| h.keyword.to_owned()),
                    validated: c.checked,
                    name_zh: c.name_zh,
                };
                (Some(c.entity), confidence, c.rate, Some(ev))
            }
            None => (None, 1.0 - self.best_rate(), 0.0, None),
        };
        let placed = entity.as_deref().and_then(|e| engine.rules().rule(e));
        ColumnLabel {
            name: self.name.clone(),
            category: placed.map(|p| p.0.to_owned()),
            category_zh: placed.map(|p| p.1.to_owned()),
            level: placed.map(|p| p.2.to_owned()),
            entity,
            confidence: round3(confidence),
            hit_rate: round3(rate),
            sampled,
            empty: self.empty,
            placeholders: self.placeholders,
            evidence,
            examples: self.examples.clone(),
        }
    }

    fn best_rate(&self) -> f64 {
        let n = self.values.max(1) as f64;
        self.matched
            .iter()
            .map(|&c| f64::from(c) / n)
            .fold(0.0, f64::max)
            .min(0.5)
    }
}

fn round3(x: f64) -> f64 {
    (x * 1000.0).round() / 1000.0
}

struct Candidate {
    entity: String,
    name_zh: String,
    detector: String,
    evidence: Evidence,
    rate: f64,
    checked: f64,
    matched: u32,
    hinted: bool,
}

impl Candidate {
    /// The smallest hit rate that makes this candidate the column's label. Strong detectors
    /// stand on their values; weak ones need nearly every value, or a header that agrees; a
    /// header that names a non-sensitive kind asks for more of the weak ones.
    fn min_rate(&self, hint: Option<Hint>) -> Option<f64> {
        let against = hint == Some(Hint::NotSensitive);
        match (self.evidence, self.hinted) {
            (Evidence::Strong, true) => Some(0.3),
            (Evidence::Strong, false) => Some(if against { 0.8 } else { 0.6 }),
            (Evidence::Weak, true) => Some(0.4),
            (Evidence::Weak, false) => Some(if against { 0.97 } else { 0.8 }),
            (Evidence::ContextOnly, true) => Some(0.6),
            (Evidence::ContextOnly, false) => None,
        }
    }

    fn score(&self) -> f64 {
        // A checksum that passes says more than a shape that fits; a hint breaks near-ties.
        self.rate + 0.5 * self.checked + if self.hinted { 0.3 } else { 0.0 }
    }

    fn confidence(&self) -> f64 {
        let base = match self.evidence {
            Evidence::Strong => 0.55 + 0.45 * self.rate.max(self.checked),
            Evidence::Weak => 0.45 + 0.45 * self.rate,
            Evidence::ContextOnly => 0.4 + 0.4 * self.rate,
        };
        let hinted = if self.hinted { 0.08 } else { 0.0 };
        (base + hinted).min(0.99)
    }
}

fn consider(best: &mut Option<Candidate>, cand: Candidate, hint: Option<Hint>) {
    let Some(min) = cand.min_rate(hint) else {
        return;
    };
    if cand.rate < min || cand.matched == 0 {
        return;
    }
    if best
        .as_ref()
        .is_none_or(|b| cand.score() > b.score() + 1e-9)
    {
        *best = Some(cand);
    }
}

/// Why a column got its label.
#[derive(Debug, Clone, PartialEq)]
pub struct LabelEvidence {
    /// The detector that decided (`cn_resident_id`, `rule:employee_no`, `header`).
    pub detector: String,
    pub matched: usize,
    pub sampled: usize,
    /// The header or comment keyword that agreed, if any.
    pub hint: Option<String>,
    /// Share of sampled values that passed a real check (checksum, table lookup).
    pub validated: f64,
    pub name_zh: String,
}

/// The label of one column.
#[derive(Debug, Clone, PartialEq)]
pub struct ColumnLabel {
    pub name: String,
    /// Canonical entity id, or `None` when nothing sensitive was found.
    pub entity: Option<String>,
    pub confidence: f64,
    pub category: Option<String>,
    pub category_zh: Option<String>,
    pub level: Option<String>,
    /// Share of non-empty sampled values that matched the entity.
    pub hit_rate: f64,
    /// Non-empty, non-placeholder values examined.
    pub sampled: usize,
    pub empty: usize,
    pub placeholders: usize,
    pub evidence: Option<LabelEvidence>,
    /// A few distinct values, for masked display only.
    pub examples: Vec<String>,
}
