//! Tracing: read the marks a leaked table carries, then score every registered recipient.

use std::collections::HashMap;

use super::embed::mark_bit;
use super::keys::RecipientKey;
use super::layout::{ColumnRole, Layout};
use super::stats::binomial_tail_log10;

/// A recipient is named only when the chance that an unmarked table (or another recipient's
/// copy) scores as well, corrected for the number of recipients tried, is at most this.
pub const ATTRIBUTION_THRESHOLD: f64 = 1e-9;

/// Collects the parities a leaked table shows, one vote per cell, grouped by virtual key.
#[derive(Debug)]
pub struct Observer {
    layout: Layout,
    votes: HashMap<Box<[u8]>, [u32; 2]>,
    rows: u64,
}

impl Observer {
    /// `layout` is decided from the leaked table itself ([`Layout::from_sample`]).
    pub fn new(layout: Layout) -> Self {
        Observer {
            layout,
            votes: HashMap::new(),
            rows: 0,
        }
    }

    pub fn observe_row(&mut self, row: &[Option<String>]) {
        self.rows += 1;
        let votes = &mut self.votes;
        self.layout.for_each_mark(row, |cell, virtual_key| {
            let parity = usize::from(cell.parity());
            match votes.get_mut(virtual_key) {
                Some(counts) => counts[parity] += 1,
                None => {
                    let mut counts = [0; 2];
                    counts[parity] = 1;
                    votes.insert(virtual_key.into(), counts);
                }
            }
        });
    }

    /// Majority parity per virtual key; ties are dropped (they say nothing).
    pub fn finish(self) -> Observations {
        let cells = self
            .votes
            .into_iter()
            .filter(|(_, [even, odd])| even != odd)
            .map(|(virtual_key, [even, odd])| (virtual_key, odd > even))
            .collect();
        Observations {
            cells,
            rows: self.rows,
            roles: self.layout.roles().to_vec(),
        }
    }
}

/// The marks a leaked table could carry, each with the parity it shows.
#[derive(Debug)]
pub struct Observations {
    cells: Vec<(Box<[u8]>, bool)>,
    rows: u64,
    roles: Vec<ColumnRole>,
}

impl Observations {
    pub fn rows(&self) -> u64 {
        self.rows
    }

    /// Distinct cells that could carry a mark.
    pub fn candidate_cells(&self) -> usize {
        self.cells.len()
    }

    pub fn roles(&self) -> &[ColumnRole] {
        &self.roles
    }

    /// How many of `key`'s marks the table shows.
    pub fn score(&self, key: &RecipientKey) -> Score {
        let mut score = Score::default();
        for (virtual_key, parity) in &self.cells {
            if let Some(bit) = mark_bit(key, virtual_key) {
                score.checked += 1;
                score.matched += u64::from(bit == *parity);
            }
        }
        score
    }
}

/// Marks checked and matched for one recipient.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Score {
    pub matched: u64,
    pub checked: u64,
}

impl Score {
    /// log10 of the probability that an unmarked table matches at least as well.
    pub fn log10_p_value(&self) -> f64 {
        binomial_tail_log10(self.matched, self.checked)
    }
}

/// One recipient's result.
#[derive(Debug, Clone, PartialEq)]
pub struct RecipientScore {
    pub recipient: String,
    pub score: Score,
    pub log10_p_value: f64,
}

/// The answer to "whose copy is this?".
#[derive(Debug, Clone, PartialEq)]
pub enum Verdict {
    Attributed {
        recipient: String,
        /// log10 of the false-positive probability: the best p-value times the number of
        /// recipients tried (Bonferroni), so a large registry does not inflate confidence.
        log10_false_positive: f64,
    },
    NotAttributable,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Trace {
    /// Most significant first.
    pub ranked: Vec<RecipientScore>,
    pub verdict: Verdict,
}

/// Scores every recipient and names the one whose marks the table carries, if any.
pub fn trace<'a>(
    observations: &Observations,
    recipients: impl IntoIterator<Item = (&'a str, &'a RecipientKey)>,
) -> Trace {
    let mut ranked: Vec<RecipientScore> = recipients
        .into_iter()
        .map(|(recipient, key)| {
            let score = observations.score(key);
            RecipientScore {
                recipient: recipient.to_owned(),
                score,
                log10_p_value: score.log10_p_value(),
            }
        })
        .collect();
    ranked.sort_by(|a, b| {
        a.log10_p_value
            .total_cmp(&b.log10_p_value)
            .then(b.score.matched.cmp(&a.score.matched))
    });
    let tried = (ranked.len().max(1) as f64).log10();
    let verdict = match ranked.first() {
        Some(best) if best.log10_p_value + tried <= ATTRIBUTION_THRESHOLD.log10() => {
            Verdict::Attributed {
                recipient: best.recipient.clone(),
                log10_false_positive: (best.log10_p_value + tried).min(0.0),
            }
        }
        _ => Verdict::NotAttributable,
    };
    Trace { ranked, verdict }
}
