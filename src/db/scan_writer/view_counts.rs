//! The per-code view counts the writer adds to `code_scan_counts` in slices
//! between scan groups.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use chrono::NaiveDateTime;
use diesel::Connection;

use super::super::Db;
use super::super::scans::{
    NewScanEvent, ScanFlush, ScanKind, add_views, commit_without_waiting_for_disk,
};
use super::{CountsSaved, Pooled, SavedCount, lock, with_connection};
use crate::domain::code::TraceCode;

/// How often the per-code view counts are added to the database. Under a
/// load where the same codes are viewed many times a second, a shorter
/// interval re-adds the same codes over and over (1 s measured 0.32–0.36 of
/// /healthz, 5 s 0.37–0.38).
const COUNT_FLUSH: Duration = Duration::from_secs(5);
/// Codes written per step of a flush; steps go between scan groups so no
/// scan waits behind a long flush.
const FLUSH_SLICE: usize = 500;

/// Views counted since the last flush. The events themselves are durable at
/// once; only these derived counts wait (at most five seconds) to reach the table.
#[derive(Default)]
pub(super) struct ViewCounts {
    pub(super) pending: HashMap<TraceCode, (i64, NaiveDateTime)>,
    /// Told each code's saved count after a flush (PostgreSQL).
    pub(super) saved_to: Option<CountsSaved>,
    last_flush: Option<Instant>,
    /// A flush started and is written slice by slice.
    draining: bool,
}

impl ViewCounts {
    pub(super) fn add(&mut self, events: &[NewScanEvent]) {
        for e in events.iter().filter(|e| e.kind == ScanKind::View) {
            self.add_code(e.code, 1, e.scanned_at);
        }
        self.report_pending();
    }

    #[allow(clippy::cast_precision_loss)] // a count of codes
    fn report_pending(&self) {
        metrics::gauge!(crate::monitoring::VIEW_COUNTS_PENDING).set(self.pending.len() as f64);
    }

    fn add_code(&mut self, code: TraceCode, views: i64, first: NaiveDateTime) {
        let entry = self.pending.entry(code).or_insert((0, first));
        entry.0 += views;
    }

    pub(super) fn due(&self) -> bool {
        !self.pending.is_empty()
            && (self.draining || self.last_flush.is_none_or(|t| t.elapsed() >= COUNT_FLUSH))
    }

    /// How long the writer may wait for work before the next flush step.
    pub(super) fn time_to_flush(&self) -> Duration {
        match self.last_flush {
            _ if self.pending.is_empty() => COUNT_FLUSH,
            _ if self.draining => Duration::ZERO,
            None => Duration::ZERO,
            Some(t) => COUNT_FLUSH.saturating_sub(t.elapsed()),
        }
    }

    /// The next slice to write (marks a flush as started).
    fn take_slice(&mut self) -> Vec<(TraceCode, i64, NaiveDateTime)> {
        if !self.draining {
            self.last_flush = Some(Instant::now());
            self.draining = true;
        }
        // Collected first: `pending` cannot lose entries while its keys are borrowed.
        #[allow(clippy::needless_collect)]
        let codes: Vec<TraceCode> = self.pending.keys().take(FLUSH_SLICE).copied().collect();
        let mut slice: Vec<_> = codes
            .into_iter()
            .filter_map(|code| {
                self.pending
                    .remove(&code)
                    .map(|(n, first)| (code, n, first))
            })
            .collect();
        // Every node locks the rows it adds to in the same order: in map
        // order two nodes' flushes deadlocked, and PostgreSQL takes a second
        // (deadlock_timeout) to break each, a second the scans waited.
        slice.sort_unstable_by(|a, b| a.0.as_str().cmp(b.0.as_str()));
        self.draining = !self.pending.is_empty();
        self.report_pending();
        slice
    }
}

/// Write one slice of the pending counts; false when it failed (kept for
/// later). With [`ScanFlush::Background`] the counts, derived from the
/// scans, do not wait for the disk either: two nodes' flushes lock the same
/// rows, and each waiting for the other's WAL flush held scans back (p99
/// 100–370 ms on two nodes, 4–25 ms without the wait).
pub(super) fn flush_slice(
    db: &Db,
    conn: &mut Option<Pooled>,
    counts: &Mutex<ViewCounts>,
    flush: ScanFlush,
) -> bool {
    let slice = lock(counts).take_slice();
    let written = with_connection(db, conn, |c| {
        let _turn = db.sqlite_write_turn(c);
        c.transaction(|c| {
            if flush == ScanFlush::Background {
                commit_without_waiting_for_disk(c)?;
            }
            add_views(c, &slice)
        })
        .map_err(|e: diesel::result::Error| e.to_string())
    });
    let totals = match written {
        Ok(totals) => totals,
        Err(cause) => {
            tracing::warn!(%cause, codes = slice.len(), "view counts not saved; kept for the next flush");
            *conn = None;
            let mut counts = lock(counts);
            for (code, n, first) in slice {
                counts.add_code(code, n, first);
            }
            return false;
        }
    };
    let saved_to = lock(counts).saved_to.clone();
    if let Some(saved_to) = saved_to.filter(|_| !totals.is_empty()) {
        let added: HashMap<&str, (TraceCode, i64)> = slice
            .iter()
            .map(|(code, n, _)| (code.as_str(), (*code, *n)))
            .collect();
        let saved: Vec<SavedCount> = totals
            .iter()
            .filter_map(|(code, total)| {
                let (code, added) = *added.get(code.as_str())?;
                Some(SavedCount {
                    code,
                    added,
                    total: *total,
                })
            })
            .collect();
        saved_to(&saved);
    }
    true
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_slice_is_in_code_order() {
        let mut counts = ViewCounts::default();
        let at = chrono::DateTime::UNIX_EPOCH.naive_utc();
        for _ in 0..50 {
            counts.add_code(TraceCode::random(), 1, at);
        }
        let slice = counts.take_slice();
        let codes: Vec<&str> = slice.iter().map(|(code, _, _)| code.as_str()).collect();
        let mut sorted = codes.clone();
        sorted.sort_unstable();
        assert_eq!(codes.len(), 50);
        assert_eq!(codes, sorted);
    }
}
