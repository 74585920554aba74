//! The scan's hot path reads from memory: which run a code belongs to (never
//! changes), the run's registry facts and the code's own events and alerts
//! (both read again after any registry write in this process: a recall, a
//! new rating or a sale shows on the very next scan), and a view counter per
//! code (loaded from the database once, then counted here).

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use chrono::NaiveDateTime;

use crate::db::codes::CodeRunRow;
use crate::domain::code::TraceCode;
use crate::services::provenance::{CodeFacts, ScanContext};

/// Beyond these sizes a map is emptied and refilled on demand: bounded memory.
const MAX_CODES: usize = 2_000_000;
const MAX_CONTEXTS: usize = 200_000;

struct CodeEntry {
    run: Arc<CodeRunRow>,
    views: i64,
    first_viewed: Option<NaiveDateTime>,
    /// The run's facts and the code's events and alerts, with the registry
    /// version they were read at: a scan that finds them current needs
    /// nothing else.
    current: Option<(u64, Arc<ScanContext>, Arc<CodeFacts>)>,
}

#[derive(Default)]
pub struct ScanCache {
    codes: Mutex<HashMap<TraceCode, CodeEntry>>,
    /// A run's facts as read at a registry version, or being read: every
    /// scan that misses them after a registry write waits for one read
    /// (without it, every connection in flight read the same run again on
    /// the blocking pool after each write).
    contexts: Mutex<HashMap<String, (u64, ContextCell)>>,
    /// One row per run, shared by all its codes: a run's row is ~700 bytes
    /// of text, and a run has up to a million codes (the soak found 1 KB
    /// per cached code before). What the scan reads of it never changes.
    runs: Mutex<HashMap<String, Arc<CodeRunRow>>>,
    /// The facts of every code that has no events or alerts, shared.
    no_facts: Arc<CodeFacts>,
}

/// A run's facts, filled once by whichever scan reads them first.
pub type ContextCell = Arc<tokio::sync::OnceCell<Arc<ScanContext>>>;

/// A view counted on a code whose facts are all in memory.
pub struct Viewed {
    pub context: Arc<ScanContext>,
    pub facts: Arc<CodeFacts>,
    /// Views including this one.
    pub views: i64,
    pub first_viewed: NaiveDateTime,
}

/// What the cache has for a code.
pub struct Cached {
    pub run: Option<Arc<CodeRunRow>>,
    /// The code's views so far, when its run is known here.
    pub views: i64,
    /// Present only when read at the registry version asked for.
    pub context: Option<Arc<ScanContext>>,
    /// Present only when read at the registry version asked for.
    pub facts: Option<Arc<CodeFacts>>,
}

impl ScanCache {
    pub fn get(&self, code: &TraceCode, version: u64) -> Cached {
        let (run, views, current) = match lock(&self.codes).get(code) {
            Some(e) => (
                Some(e.run.clone()),
                e.views,
                e.current
                    .as_ref()
                    .filter(|(at, _, _)| *at == version)
                    .map(|(_, c, f)| (c.clone(), f.clone())),
            ),
            None => (None, 0, None),
        };
        let (context, facts) = match current {
            Some((c, f)) => (Some(c), Some(f)),
            None => (
                run.as_ref().and_then(|run| self.context(&run.id, version)),
                None,
            ),
        };
        Cached {
            run,
            views,
            context,
            facts,
        }
    }

    /// The hot path: when everything about the code is current, count a
    /// view now and return it all, under one lock.
    pub fn view(&self, code: &TraceCode, version: u64, now: NaiveDateTime) -> Option<Viewed> {
        let mut codes = lock(&self.codes);
        let entry = codes.get_mut(code)?;
        let (at, context, facts) = entry.current.as_ref()?;
        if *at != version {
            return None;
        }
        let (context, facts) = (context.clone(), facts.clone());
        entry.views += 1;
        let first = *entry.first_viewed.get_or_insert(now);
        Some(Viewed {
            context,
            facts,
            views: entry.views,
            first_viewed: first,
        })
    }

    /// A run's facts, if read at `version`.
    pub fn context(&self, run_id: &str, version: u64) -> Option<Arc<ScanContext>> {
        lock(&self.contexts)
            .get(run_id)
            .filter(|(at, _)| *at == version)
            .and_then(|(_, cell)| cell.get().cloned())
    }

    /// Where a run's facts as read at `version` (taken before reading) are,
    /// or will be once someone reads them: shared by every caller asking
    /// for the same version. A caller still on an older version gets a cell
    /// of its own, so it cannot push the newer one out.
    pub fn context_cell(&self, run_id: &str, version: u64) -> ContextCell {
        let mut contexts = lock(&self.contexts);
        match contexts.get(run_id) {
            Some((at, cell)) if *at == version => return cell.clone(),
            Some((at, _)) if *at > version => return ContextCell::default(),
            _ => {}
        }
        if contexts.len() >= MAX_CONTEXTS && !contexts.contains_key(run_id) {
            contexts.clear();
        }
        let cell = ContextCell::default();
        contexts.insert(run_id.to_owned(), (version, cell.clone()));
        cell
    }

    /// Remember a code's run and its views so far (first filler wins);
    /// returns the run's row as shared by its codes.
    pub fn put_code(
        &self,
        code: TraceCode,
        run: CodeRunRow,
        views: i64,
        first_viewed: Option<NaiveDateTime>,
    ) -> Arc<CodeRunRow> {
        let run = {
            let mut runs = lock(&self.runs);
            if runs.len() >= MAX_CONTEXTS && !runs.contains_key(&run.id) {
                runs.clear();
            }
            runs.entry(run.id.clone())
                .or_insert_with(|| Arc::new(run))
                .clone()
        };
        let mut codes = lock(&self.codes);
        if codes.len() >= MAX_CODES {
            codes.clear();
        }
        codes
            .entry(code)
            .or_insert(CodeEntry {
                run,
                views,
                first_viewed,
                current: None,
            })
            .run
            .clone()
    }

    /// The facts of a code without events or alerts (one shared value).
    pub fn no_facts(&self) -> Arc<CodeFacts> {
        self.no_facts.clone()
    }

    /// Remember a code's run facts, events and alerts as read at `version`
    /// (taken before reading). Only for a code already remembered.
    pub fn put_current(
        &self,
        code: &TraceCode,
        version: u64,
        context: Arc<ScanContext>,
        facts: Arc<CodeFacts>,
    ) {
        if let Some(entry) = lock(&self.codes).get_mut(code) {
            entry.current = Some((version, context, facts));
        }
    }

    /// Remember a run's facts as read at `version` (taken before reading, so a
    /// write during the read leaves the entry already stale).
    pub fn put_context(&self, run_id: &str, version: u64, context: Arc<ScanContext>) {
        // Already filled by a concurrent reader at the same version: theirs
        // is as current as this one.
        _ = self.context_cell(run_id, version).set(context);
    }

    /// Count a view now; returns the views including it and the first one's time.
    pub fn count_view(&self, code: &TraceCode, now: NaiveDateTime) -> (i64, Option<NaiveDateTime>) {
        let mut codes = lock(&self.codes);
        match codes.get_mut(code) {
            Some(entry) => {
                entry.views += 1;
                let first = *entry.first_viewed.get_or_insert(now);
                (entry.views, Some(first))
            }
            None => (1, Some(now)),
        }
    }
}

/// A poisoned lock only means a panic elsewhere; the maps stay usable.
fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
}

/// Codes past the view threshold whose viewers are tracked, at most.
const MAX_WATCHED_CODES: usize = 100_000;

/// The distinct clients (daily client hashes) that viewed each code since
/// it passed the view threshold, up to `cap` a code: what the view rule
/// needs to confirm a copy, kept in memory because the scan events have no
/// index by code (the scan's write path stays an append).
#[derive(Default)]
pub struct ViewersPastThreshold {
    codes: Mutex<HashMap<TraceCode, Vec<crate::domain::scan::ClientHash>>>,
}

impl ViewersPastThreshold {
    /// Note a viewer of a code past the threshold; returns how many distinct
    /// viewers it has had since (at most `cap`).
    pub fn note(
        &self,
        code: &TraceCode,
        client: Option<crate::domain::scan::ClientHash>,
        cap: usize,
    ) -> usize {
        let Ok(mut codes) = self.codes.lock() else {
            return 0;
        };
        if codes.len() >= MAX_WATCHED_CODES && !codes.contains_key(code) {
            codes.clear();
        }
        let seen = codes.entry(*code).or_default();
        if let Some(client) = client
            && seen.len() < cap
            && !seen.contains(&client)
        {
            seen.push(client);
        }
        seen.len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run(id: &str) -> CodeRunRow {
        CodeRunRow {
            id: id.to_owned(),
            batch_id: "b".repeat(36),
            producer_id: "p".repeat(36),
            farming_area_id: "f".repeat(36),
            count: 1_000_000,
            payload_format: "url".to_owned(),
            payload_prefix: "https://truy-xuat.example/c/".to_owned(),
            idempotency_key: None,
            request_fingerprint: None,
            created_at: chrono::NaiveDateTime::default(),
            pending_until: None,
        }
    }

    #[test]
    fn the_codes_of_a_run_share_its_row_and_empty_facts() {
        let cache = ScanCache::default();
        let (a, b, c) = (
            TraceCode::random(),
            TraceCode::random(),
            TraceCode::random(),
        );
        let first = cache.put_code(a, run("r1"), 0, None);
        let second = cache.put_code(b, run("r1"), 3, None);
        let other = cache.put_code(c, run("r2"), 0, None);
        assert!(Arc::ptr_eq(&first, &second));
        assert!(!Arc::ptr_eq(&first, &other));
        // A code remembered again keeps its first row and views.
        let again = cache.put_code(b, run("r1"), 99, None);
        assert!(Arc::ptr_eq(&again, &first));
        assert_eq!(cache.get(&b, 0).views, 3);
        assert!(Arc::ptr_eq(&cache.no_facts(), &cache.no_facts()));
    }

    #[test]
    fn readers_of_one_version_share_one_read_and_a_late_one_displaces_nothing() {
        let cache = ScanCache::default();
        let first = cache.context_cell("r1", 7);
        assert!(Arc::ptr_eq(&first, &cache.context_cell("r1", 7)));
        // A scan that took its version before a write reads on its own...
        let late = cache.context_cell("r1", 6);
        assert!(!Arc::ptr_eq(&late, &first));
        // ...and the current version's read stays shared.
        assert!(Arc::ptr_eq(&first, &cache.context_cell("r1", 7)));
        // After a write, a new read.
        assert!(!Arc::ptr_eq(&first, &cache.context_cell("r1", 8)));
        assert!(!Arc::ptr_eq(&first, &cache.context_cell("r2", 7)));
        assert!(cache.context("r1", 8).is_none(), "nothing read yet");
    }
}
