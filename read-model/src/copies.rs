//! Copies of hot entries this process has read, each revalidated against
//! Redis (by version) on every read: they save shipping a seat map again
//! when it has not changed, never a round trip, so they cannot be stale.

use std::collections::HashMap;
use std::sync::RwLock;

use super::entry::Entry;

/// Past this many, the copies are dropped and kept again as read.
const MAX_COPIES: usize = 512;

#[derive(Default)]
pub struct Copies {
    entries: RwLock<HashMap<String, Entry>>,
}

impl Copies {
    pub fn get(&self, key: &str) -> Option<Entry> {
        let entries = self.entries.read().unwrap_or_else(|e| e.into_inner());
        entries.get(key).cloned()
    }

    pub fn keep(&self, key: &str, entry: &Entry) {
        let mut entries = self.entries.write().unwrap_or_else(|e| e.into_inner());
        if entries.len() >= MAX_COPIES && !entries.contains_key(key) {
            entries.clear();
        }
        entries.insert(key.to_owned(), entry.clone());
    }

    pub fn forget(&self, key: &str) {
        let mut entries = self.entries.write().unwrap_or_else(|e| e.into_inner());
        entries.remove(key);
    }
}
