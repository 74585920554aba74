//! "The registry changed": the one signal caches of registry facts (the
//! scan's read model) listen to.
//!
//! On SQLite (one node) the version is a counter in this process. On
//! PostgreSQL it is the database's `registry_version`, which every registry
//! write advances in its own transaction, on any node: this process holds
//! the highest version it has learnt, from its own writes, from the
//! listener (`jobs::registry_listener`, NOTIFY) and from each scan's commit,
//! which reads the version in the same statement. So a scan answered after
//! a recall returned, on any node, shows the recall even when the
//! notification has not arrived (or the listener is down): the commit finds
//! the newer version and the scan reads its facts again before answering.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};

#[derive(Clone, Debug, Default)]
pub struct RegistryNotifier {
    version: Arc<AtomicU64>,
    listening: Arc<AtomicBool>,
}

impl RegistryNotifier {
    /// Announce a committed change of what a scan shows: `announced` is the
    /// database's new version (PostgreSQL), None where the version is this
    /// process's own (SQLite).
    pub fn changed(&self, announced: Option<u64>) {
        match announced {
            Some(version) => self.learn(version),
            None => {
                self.version.fetch_add(1, Ordering::AcqRel);
            }
        }
    }

    /// The database is at `version` (or later): caches read before are stale.
    pub fn learn(&self, version: u64) {
        self.version.fetch_max(version, Ordering::AcqRel);
    }

    /// The registry's version: a cache entry read at an older one is stale.
    /// Take it before reading, so a change during the read leaves the entry
    /// already stale.
    pub fn version(&self) -> u64 {
        self.version.load(Ordering::Acquire)
    }

    /// After a scan's commit saw the database at `seen`: was what it shows,
    /// read at `read_at`, older? Learns the newer version if so.
    pub fn outdated(&self, read_at: u64, seen: Option<u64>) -> bool {
        match seen {
            Some(seen) if seen > read_at => {
                self.learn(seen);
                true
            }
            _ => false,
        }
    }

    /// Is a listener for other nodes' changes connected (PostgreSQL)?
    pub fn listening(&self) -> bool {
        self.listening.load(Ordering::Acquire)
    }

    pub fn set_listening(&self, up: bool) {
        self.listening.store(up, Ordering::Release);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_local_change_counts_and_an_announced_one_never_goes_back() {
        let registry = RegistryNotifier::default();
        registry.changed(None);
        assert_eq!(registry.version(), 1);
        registry.changed(Some(7));
        assert_eq!(registry.version(), 7);
        // A late notification of an older write changes nothing.
        registry.changed(Some(5));
        assert_eq!(registry.version(), 7);
    }

    #[test]
    fn a_commit_that_saw_a_newer_version_makes_the_view_outdated() {
        let registry = RegistryNotifier::default();
        registry.learn(3);
        assert!(!registry.outdated(3, Some(3)));
        assert!(
            !registry.outdated(3, None),
            "SQLite: the process knows every write"
        );
        assert!(registry.outdated(3, Some(4)));
        assert_eq!(registry.version(), 4, "and learns it");
        assert!(
            !registry.outdated(5, Some(4)),
            "read after the commit's snapshot"
        );
    }
}
