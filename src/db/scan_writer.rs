//! Group commit for scan events: one thread owns a connection and writes
//! every event waiting in its queue in one transaction; each scan is answered
//! only after the transaction holding its event has committed. Under load many
//! scans share a commit; when idle each commits alone. Nothing answered is lost.

use std::collections::HashMap;
use std::sync::mpsc::{self, Receiver, RecvTimeoutError, SyncSender, TrySendError};
use std::thread;
use std::time::{Duration, Instant};

use diesel::Connection;
use tokio::sync::oneshot;

use chrono::NaiveDateTime;

use super::scans::{NewScanEvent, ScanKind, add_views, insert_many};
use super::{Db, DbConnection};
use crate::domain::code::TraceCode;
use crate::error::ApiError;

/// Upper bound of one group: keeps a commit's latency bounded under a flood.
const MAX_GROUP: usize = 2_000;
/// Events waiting beyond this make scans wait for room (back-pressure).
const QUEUE: usize = 20_000;

type Reply = oneshot::Sender<Result<(), String>>;

#[derive(Clone)]
pub struct ScanWriter {
    queue: SyncSender<(NewScanEvent, Reply)>,
}

impl ScanWriter {
    /// Start the writer thread. It ends when every `ScanWriter` clone is gone
    /// and the queue is drained, so in-flight scans are written at shutdown.
    pub fn start(db: Db) -> Self {
        let (tx, rx) = mpsc::sync_channel(QUEUE);
        thread::Builder::new()
            .name("scan-writer".into())
            .spawn(move || run(db, rx))
            .map(|_| ())
            .unwrap_or_else(|e| tracing::error!(error = %e, "can't start the scan writer"));
        Self { queue: tx }
    }

    /// Queue an event and wait until it is committed.
    pub async fn record(&self, event: NewScanEvent) -> Result<(), ApiError> {
        let (reply, committed) = oneshot::channel();
        let stopped = || ApiError::Unavailable("the scan writer has stopped".into());
        match self.queue.try_send((event, reply)) {
            Ok(()) => {}
            // Queue full: wait for room off the async workers (back-pressure).
            Err(TrySendError::Full(item)) => {
                let queue = self.queue.clone();
                actix_web::web::block(move || queue.send(item).map_err(|_| ()))
                    .await?
                    .map_err(|()| stopped())?;
            }
            Err(TrySendError::Disconnected(_)) => return Err(stopped()),
        }
        committed
            .await
            .map_err(|_| stopped())?
            .map_err(|cause| ApiError::Unavailable(format!("scan not recorded: {cause}")))
    }
}

/// How often the per-code view counts are added to the database. Under a
/// load where the same codes are viewed many times a second, a shorter
/// interval re-adds the same codes over and over on the writer thread that
/// every scan waits for (1 s measured 0.32–0.36 of /healthz, 5 s 0.37–0.38).
const COUNT_FLUSH: Duration = Duration::from_secs(5);
/// Codes written per step of a flush; steps go between scan groups so no
/// scan waits behind a long flush.
const FLUSH_SLICE: usize = 500;

fn run(db: Db, rx: Receiver<(NewScanEvent, Reply)>) {
    let mut conn: Option<diesel::r2d2::PooledConnection<super::ConnectionManager>> = None;
    let mut events = Vec::with_capacity(MAX_GROUP);
    let mut replies = Vec::with_capacity(MAX_GROUP);
    let mut counts = ViewCounts::default();
    loop {
        // Wait for the first event of a group; when idle, flush the counts.
        let first = match rx.recv_timeout(COUNT_FLUSH) {
            Ok(item) => item,
            Err(RecvTimeoutError::Timeout) => {
                counts.flush(&db, &mut conn);
                continue;
            }
            Err(RecvTimeoutError::Disconnected) => break,
        };
        events.push(first.0);
        replies.push(first.1);
        // Take whatever else is already waiting.
        while events.len() < MAX_GROUP {
            match rx.try_recv() {
                Ok((event, reply)) => {
                    events.push(event);
                    replies.push(reply);
                }
                Err(_) => break,
            }
        }
        let outcome = write_group(&db, &mut conn, &events);
        if outcome.is_ok() {
            counts.add(&events);
        } else {
            // A broken connection is replaced on the next group.
            conn = None;
        }
        let n = events.len();
        for reply in replies.drain(..) {
            let _ = reply.send(outcome.clone());
        }
        events.clear();
        tracing::trace!(size = n, "scan group committed");
        if counts.due() {
            counts.flush_slice(&db, &mut conn);
        }
    }
    counts.flush(&db, &mut conn);
    tracing::info!("scan writer stopped: queue closed and drained");
}

/// Views counted since the last flush. The events themselves are durable at
/// once; only these derived counts wait (at most five seconds) to reach the table.
#[derive(Default)]
struct ViewCounts {
    pending: HashMap<TraceCode, (i64, NaiveDateTime)>,
    last_flush: Option<Instant>,
    /// A flush started and is written slice by slice.
    draining: bool,
}

impl ViewCounts {
    fn add(&mut self, events: &[NewScanEvent]) {
        for e in events.iter().filter(|e| e.kind == ScanKind::View) {
            let entry = self.pending.entry(e.code).or_insert((0, e.scanned_at));
            entry.0 += 1;
        }
    }

    fn due(&self) -> bool {
        !self.pending.is_empty()
            && (self.draining || self.last_flush.is_none_or(|t| t.elapsed() >= COUNT_FLUSH))
    }

    /// Write everything pending (when idle or stopping).
    fn flush(
        &mut self,
        db: &Db,
        conn: &mut Option<diesel::r2d2::PooledConnection<super::ConnectionManager>>,
    ) {
        while !self.pending.is_empty() {
            if !self.flush_slice(db, conn) {
                break;
            }
        }
    }

    /// Write one slice; false when it failed (kept for later).
    fn flush_slice(
        &mut self,
        db: &Db,
        conn: &mut Option<diesel::r2d2::PooledConnection<super::ConnectionManager>>,
    ) -> bool {
        if !self.draining {
            self.last_flush = Some(Instant::now());
            self.draining = true;
        }
        let codes: Vec<TraceCode> = self.pending.keys().take(FLUSH_SLICE).copied().collect();
        let counts: Vec<(TraceCode, i64, NaiveDateTime)> = codes
            .into_iter()
            .filter_map(|code| {
                self.pending
                    .remove(&code)
                    .map(|(n, first)| (code, n, first))
            })
            .collect();
        self.draining = !self.pending.is_empty();
        let written = with_connection(db, conn, |c| {
            let _turn = db.sqlite_write_turn(c);
            c.transaction(|c| add_views(c, &counts))
                .map_err(|e: diesel::result::Error| e.to_string())
        });
        if let Err(cause) = written {
            tracing::warn!(%cause, codes = counts.len(), "view counts not saved; kept for the next flush");
            *conn = None;
            for (code, n, first) in counts {
                let entry = self.pending.entry(code).or_insert((0, first));
                entry.0 += n;
            }
            return false;
        }
        true
    }
}

fn with_connection<T>(
    db: &Db,
    conn: &mut Option<diesel::r2d2::PooledConnection<super::ConnectionManager>>,
    work: impl FnOnce(&mut DbConnection) -> Result<T, String>,
) -> Result<T, String> {
    if conn.is_none() {
        *conn = Some(db.get().map_err(|e| e.to_problem().detail)?);
    }
    match conn.as_mut() {
        Some(c) => work(c),
        None => Err("no database connection".into()),
    }
}

fn write_group(
    db: &Db,
    conn: &mut Option<diesel::r2d2::PooledConnection<super::ConnectionManager>>,
    events: &[NewScanEvent],
) -> Result<(), String> {
    with_connection(db, conn, |c| {
        let _turn = db.sqlite_write_turn(c);
        c.transaction(|c| insert_many(c, events).map(|_| ()))
            .map_err(|e: diesel::result::Error| e.to_string())
    })
}
