//! Watermarks that name the recipient of a leaked table (数据水印与溯源).
//!
//! Keyed (a master key and the recipient's name derive the marks), blind (tracing needs no
//! original), and free of primary keys and positions: every mark is keyed by a virtual key
//! computed from values that marking never changes. See `docs/WATERMARK.md` for the scheme,
//! the detection statistic and the attacks it does and does not resist.
//!
//! - [`Layout`]: what each column is (identity, decimal, integer, date-time, date, untouched),
//!   decided from content, and the per-row walk over the cells that can carry a mark.
//! - [`Embedder`]: marks one recipient's copy row by row; [`Observer`] reads a leaked table's
//!   marks; [`trace`] scores recipients with an exact binomial test.
//! - [`WatermarkKey`] derives recipient keys; [`Registry`] lists who received copies.
//!
//! Architecture invariant: identity values (resident IDs, phone numbers, cards, …) and text are
//! never changed; a number moves by at most one unit of its last digit (and only when that is
//! at most 1% of it), a time by one second, a date by one day.

mod embed;
mod keys;
mod layout;
mod registry;
mod siphash;
mod stats;
mod trace;
mod values;

#[cfg(test)]
mod tests;

pub use embed::{EmbedStats, Embedder};
pub use keys::{RecipientKey, WatermarkKey};
pub use layout::{ColumnRole, Layout, SAMPLE_ROWS, classify_columns};
pub use registry::{Registry, RegistryEntry};
pub use stats::{binomial_tail_log10, format_probability};
pub use trace::{
    ATTRIBUTION_THRESHOLD, Observations, Observer, RecipientScore, Score, Trace, Verdict, trace,
};

/// Marks a whole in-memory table (rows of equal width) for one recipient.
pub fn embed_table(key: RecipientKey, rows: &mut [Vec<Option<String>>]) -> EmbedStats {
    let width = rows.first().map_or(0, Vec::len);
    let mut embedder = Embedder::new(key, Layout::from_sample(width, rows));
    for row in rows.iter_mut() {
        embedder.mark_row(row);
    }
    embedder.stats()
}

/// Reads the marks an in-memory table carries.
pub fn observe_table(rows: &[Vec<Option<String>>]) -> Observations {
    let width = rows.first().map_or(0, Vec::len);
    let mut observer = Observer::new(Layout::from_sample(width, rows));
    for row in rows {
        observer.observe_row(row);
    }
    observer.finish()
}
