//! Embedding: each selected cell's last unit gets the parity of the recipient's bit.

use super::keys::RecipientKey;
use super::layout::{CellCount, Layout};

/// One mark in `GAMMA` eligible cells is selected: the others stay exactly as they were.
pub(crate) const GAMMA: u32 = 2;

/// Whether the cell with this virtual key carries a mark for `key`, and which bit.
pub(crate) fn mark_bit(key: &RecipientKey, virtual_key: &[u8]) -> Option<bool> {
    let hash = key.mark.hash(virtual_key);
    ((hash as u32).is_multiple_of(GAMMA)).then_some(hash >> 63 == 1)
}

/// What an embedding did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct EmbedStats {
    pub rows: u64,
    /// Cells selected to carry a mark.
    pub marks: u64,
    /// Cells whose value changed (about half the marks: the others had the right parity).
    pub changed: u64,
}

/// Marks one recipient's copy, row by row.
#[derive(Debug)]
pub struct Embedder {
    key: RecipientKey,
    layout: Layout,
    flips: Vec<CellCount>,
    stats: EmbedStats,
}

impl Embedder {
    /// `layout` comes from a sample of the same table ([`Layout::from_sample`]).
    pub fn new(key: RecipientKey, layout: Layout) -> Self {
        Embedder {
            key,
            layout,
            flips: Vec::new(),
            stats: EmbedStats::default(),
        }
    }

    pub fn layout(&self) -> &Layout {
        &self.layout
    }

    pub fn stats(&self) -> EmbedStats {
        self.stats
    }

    /// Marks `row` in place. Identity and text cells are never touched.
    pub fn mark_row(&mut self, row: &mut [Option<String>]) {
        self.flips.clear();
        let (key, flips, stats) = (&self.key, &mut self.flips, &mut self.stats);
        stats.rows += 1;
        self.layout.for_each_mark(row, |cell, virtual_key| {
            if let Some(bit) = mark_bit(key, virtual_key) {
                stats.marks += 1;
                if cell.parity() != bit {
                    flips.push(cell);
                }
            }
        });
        for &cell in &self.flips {
            if let Some(text) = self.layout.rewrite(row, cell) {
                row[cell.column] = Some(text);
                self.stats.changed += 1;
            }
        }
    }
}
