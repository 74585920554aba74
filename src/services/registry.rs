//! "The registry changed": the one signal caches of registry facts (the
//! scan's read model) listen to. In one process a counter; a notifier across
//! nodes (PostgreSQL `LISTEN/NOTIFY`) replaces this type alone.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

#[derive(Clone, Debug, Default)]
pub struct RegistryNotifier {
    version: Arc<AtomicU64>,
}

impl RegistryNotifier {
    /// Announce a committed change of what a scan shows.
    pub fn changed(&self) {
        self.version.fetch_add(1, Ordering::AcqRel);
    }

    /// The registry's version: a cache entry read at an older one is stale.
    /// Take it before reading, so a change during the read leaves the entry
    /// already stale.
    pub fn version(&self) -> u64 {
        self.version.load(Ordering::Acquire)
    }
}
