//! Read caches for what the inventory reads most and changes least: the dashboard's
//! per-organisation figures and each table with its labelled columns.
//!
//! Measured on 100,000 columns: the dashboard counted every column of the organisation per
//! view (175 requests/s), and a table's 50 columns cost 50 hand-offs between the SQLite worker
//! thread and the request (a futex wake each; half the CPU time of `GET /api/v1/tables/{id}`
//! went to the scheduler). Both change only when a scan lands, a person reviews a label, a
//! source is added or a job finishes, and each of those repository writes calls
//! [`ReadCache::invalidate`], which outdates every entry at once. Entries also expire after
//! [`MAX_AGE`], which bounds how stale they get if another process writes to the same database.
//! Authorisation is not cached: callers authorise every read against the organisation as the
//! database has it now.

use std::collections::HashMap;
use std::hash::Hash;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use crate::dashboard::OrgFigures;
use crate::repo::{InventoryColumn, InventoryTable};

/// Longest time an entry is used without a write having outdated it.
pub const MAX_AGE: Duration = Duration::from_secs(60);
/// Most entries kept of each kind; past it they are dropped and refilled as they are read.
const MAX_ENTRIES: usize = 4096;

/// A table and its columns in position order. Its organisation (which never changes) is
/// authorised against afresh on every read.
pub type TableRead = (InventoryTable, Vec<InventoryColumn>);

#[derive(Default)]
pub struct ReadCache {
    generation: AtomicU64,
    pub(crate) figures: Entries<i64, OrgFigures>,
    pub(crate) tables: Entries<i64, TableRead>,
}

impl ReadCache {
    /// Every repository write to sources, jobs, tables or columns calls this.
    pub fn invalidate(&self) {
        self.generation.fetch_add(1, Ordering::SeqCst);
    }

    /// The write generation now; read it before reading the database, and store what was
    /// read with it, so a write made meanwhile outdates the entry at once.
    pub(crate) fn generation(&self) -> u64 {
        self.generation.load(Ordering::SeqCst)
    }

    pub(crate) fn get<K: Eq + Hash, V>(&self, entries: &Entries<K, V>, key: &K) -> Option<Arc<V>> {
        let current = self.generation();
        let map = entries.0.lock().expect("the read cache is not poisoned");
        map.get(key)
            .filter(|e| e.generation == current && e.stored_at.elapsed() < MAX_AGE)
            .map(|e| e.value.clone())
    }
}

pub struct Entries<K, V>(Mutex<HashMap<K, Entry<V>>>);

impl<K, V> Default for Entries<K, V> {
    fn default() -> Self {
        Entries(Mutex::new(HashMap::new()))
    }
}

struct Entry<V> {
    generation: u64,
    stored_at: Instant,
    value: Arc<V>,
}

impl<K: Eq + Hash, V> Entries<K, V> {
    pub(crate) fn put(&self, key: K, generation: u64, value: Arc<V>) {
        let mut map = self.0.lock().expect("the read cache is not poisoned");
        if map.len() >= MAX_ENTRIES {
            map.clear();
        }
        map.insert(
            key,
            Entry {
                generation,
                stored_at: Instant::now(),
                value,
            },
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_write_outdates_entries_read_before_it() {
        let cache = ReadCache::default();
        let before = cache.generation();
        cache
            .figures
            .put(1, before, Arc::new(OrgFigures::default()));
        assert!(cache.get(&cache.figures, &1).is_some());
        cache.invalidate();
        assert!(cache.get(&cache.figures, &1).is_none());
        // Read before the write, stored after it: never served.
        cache
            .figures
            .put(1, before, Arc::new(OrgFigures::default()));
        assert!(cache.get(&cache.figures, &1).is_none());
        cache
            .figures
            .put(1, cache.generation(), Arc::new(OrgFigures::default()));
        assert!(cache.get(&cache.figures, &1).is_some());
    }

    #[test]
    fn entries_stay_bounded() {
        let cache = ReadCache::default();
        for key in 0..(MAX_ENTRIES as i64 + 10) {
            cache
                .figures
                .put(key, cache.generation(), Arc::new(OrgFigures::default()));
        }
        assert!(cache.figures.0.lock().unwrap().len() <= MAX_ENTRIES);
    }
}
