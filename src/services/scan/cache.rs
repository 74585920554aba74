//! The scan's hot path reads from memory: which run a code belongs to (never
//! changes), the run's registry facts and the code's own events and alerts
//! (both read again after any registry write in this process: a recall, a
//! new rating or a sale shows on the very next scan), and a view counter per
//! code (loaded from the database once, then counted here).

use std::collections::HashMap;
use std::sync::{Arc, Mutex, Weak};

use chrono::NaiveDateTime;

use crate::db::codes::CodeRunRow;
use crate::db::scan_writer::SavedCount;
use crate::domain::code::TraceCode;
use crate::services::provenance::{CodeFacts, ScanContext};

/// Beyond these sizes a map is emptied and refilled on demand: bounded memory.
const MAX_CODES: usize = 2_000_000;
const MAX_CONTEXTS: usize = 200_000;

struct CodeEntry {
    run: Arc<CodeRunRow>,
    /// The code's views as known here: the database's count when last read
    /// or saved (every node's), plus the views counted here since.
    views: i64,
    /// Views counted here that no flush has reported saved yet.
    unsaved: i64,
    /// The count the last view counted here was told: a flush that learnt
    /// other nodes' views moves `views` past it.
    views_told: i64,
    first_viewed: Option<NaiveDateTime>,
    /// The run's facts and the code's events and alerts, with the registry
    /// version they were read at: a scan that finds them current needs
    /// nothing else. The run's facts are held by `contexts` alone: a code
    /// last scanned before a registry write would otherwise keep that
    /// version's facts (their rendered JSON) alive until its next scan, and
    /// with a write a second and codes rescanned every minute or so, the
    /// PostgreSQL soak's memory grew by a quarter in ten minutes.
    current: Option<(u64, Weak<ScanContext>, Arc<CodeFacts>)>,
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
    pub views: ViewCount,
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
                    .and_then(|(_, c, f)| Some((c.upgrade()?, f.clone()))),
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
        let (context, facts) = (context.upgrade()?, facts.clone());
        let views = entry.count();
        let first = *entry.first_viewed.get_or_insert(now);
        Some(Viewed {
            context,
            facts,
            views,
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
                unsaved: 0,
                views_told: views,
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
        context: &Arc<ScanContext>,
        facts: Arc<CodeFacts>,
    ) {
        if let Some(entry) = lock(&self.codes).get_mut(code) {
            entry.current = Some((version, Arc::downgrade(context), facts));
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
    pub fn count_view(
        &self,
        code: &TraceCode,
        now: NaiveDateTime,
    ) -> (ViewCount, Option<NaiveDateTime>) {
        let mut codes = lock(&self.codes);
        match codes.get_mut(code) {
            Some(entry) => {
                let views = entry.count();
                let first = *entry.first_viewed.get_or_insert(now);
                (views, Some(first))
            }
            None => (ViewCount { before: 0, now: 1 }, Some(now)),
        }
    }

    /// A flush saved views: each code's count is now the database's (every
    /// node's views) plus what was counted here since the flush began.
    pub fn counts_saved(&self, saved: &[SavedCount]) {
        let mut codes = lock(&self.codes);
        for count in saved {
            if let Some(entry) = codes.get_mut(&count.code) {
                entry.unsaved = (entry.unsaved - count.added).max(0);
                entry.views = count.total.saturating_add(entry.unsaved);
            }
        }
    }
}

/// A view counted: the code's views before and including it, as known
/// here. They may differ by more than one: a flush learnt other nodes' views.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ViewCount {
    pub before: i64,
    pub now: i64,
}

impl CodeEntry {
    fn count(&mut self) -> ViewCount {
        let before = self.views_told;
        self.views = self.views.saturating_add(1);
        self.unsaved = self.unsaved.saturating_add(1);
        self.views_told = self.views;
        ViewCount {
            before,
            now: self.views,
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
    /// Note a viewer of a code past the threshold (at most `cap` a code);
    /// returns the viewers noted here since.
    pub fn note(
        &self,
        code: &TraceCode,
        client: Option<crate::domain::scan::ClientHash>,
        cap: usize,
    ) -> Vec<crate::domain::scan::ClientHash> {
        let mut codes = lock(&self.codes);
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
        seen.clone()
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

    #[test]
    fn a_flush_brings_in_other_nodes_views_and_keeps_the_ones_counted_since() {
        let cache = ScanCache::default();
        let code = TraceCode::random();
        let now = chrono::NaiveDateTime::default();
        cache.put_code(code, run("r1"), 10, None);
        for _ in 0..3 {
            cache.count_view(&code, now);
        }
        // The flush took those three; two more are counted meanwhile…
        cache.count_view(&code, now);
        assert_eq!(
            cache.count_view(&code, now).0,
            ViewCount {
                before: 14,
                now: 15
            }
        );
        // …and the database, with another node's 20, holds 10 + 3 + 20.
        cache.counts_saved(&[SavedCount {
            code,
            added: 3,
            total: 33,
        }]);
        assert_eq!(cache.get(&code, 0).views, 35);
        let (counted, _) = cache.count_view(&code, now);
        assert_eq!(
            counted,
            ViewCount {
                before: 15,
                now: 36
            },
            "the jump shows on the next view"
        );
        // The next flush saves the three counted since: nothing is counted twice.
        cache.counts_saved(&[SavedCount {
            code,
            added: 3,
            total: 36,
        }]);
        assert_eq!(cache.get(&code, 0).views, 36);
        // A code not remembered here is left alone.
        cache.counts_saved(&[SavedCount {
            code: TraceCode::random(),
            added: 1,
            total: 1,
        }]);
    }
}
