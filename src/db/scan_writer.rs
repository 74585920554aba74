//! Group commit for scan events: one thread owns a connection and writes
//! every event waiting in its queue in one transaction; each scan is answered
//! only after the transaction holding its event has committed. Under load many
//! scans share a commit; when idle each commits alone. Nothing answered is lost.

use std::sync::mpsc::{self, Receiver, SyncSender, TrySendError};
use std::thread;

use diesel::Connection;
use tokio::sync::oneshot;

use super::scans::{NewScanEvent, insert_many};
use super::{Db, DbConnection};
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

fn run(db: Db, rx: Receiver<(NewScanEvent, Reply)>) {
    let mut conn: Option<diesel::r2d2::PooledConnection<super::ConnectionManager>> = None;
    let mut events = Vec::with_capacity(MAX_GROUP);
    let mut replies = Vec::with_capacity(MAX_GROUP);
    // Block for the first event, then take whatever else is already waiting.
    while let Ok((event, reply)) = rx.recv() {
        events.push(event);
        replies.push(reply);
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
        if outcome.is_err() {
            // A broken connection is replaced on the next group.
            conn = None;
        }
        let n = events.len();
        for reply in replies.drain(..) {
            let _ = reply.send(outcome.clone());
        }
        events.clear();
        metrics_group(n);
    }
    tracing::info!("scan writer stopped: queue closed and drained");
}

fn write_group(
    db: &Db,
    conn: &mut Option<diesel::r2d2::PooledConnection<super::ConnectionManager>>,
    events: &[NewScanEvent],
) -> Result<(), String> {
    if conn.is_none() {
        *conn = Some(db.get().map_err(|e| e.to_problem().detail)?);
    }
    let Some(conn) = conn.as_mut() else {
        return Err("no database connection".into());
    };
    let conn: &mut DbConnection = conn;
    let _turn = db.sqlite_write_turn(conn);
    conn.transaction(|c| insert_many(c, events).map(|_| ()))
        .map_err(|e: diesel::result::Error| e.to_string())
}

fn metrics_group(size: usize) {
    tracing::trace!(size, "scan group committed");
}
