//! Group commit for scan events: each scan is answered only after the
//! transaction holding its event has committed. Under load many scans share a
//! commit; when idle each commits alone. Nothing answered is lost.
//!
//! On SQLite the HTTP worker thread that took the scans commits them itself,
//! once its event loop has read every request that was ready: handing each
//! group to another thread cost two thread switches per group and a wake-up
//! per scan, more than the commit itself (docs/PERFORMANCE.md, session 4).
//! When another writer holds SQLite's single write turn (a long code issuance,
//! say), the group goes to the writer thread instead, so an event loop never
//! waits behind it. What a worker does is bounded CPU and page-cache work of
//! tens of microseconds: its connection never checkpoints the WAL (a
//! checkpoint syncs the disk); the writer thread does, four times a second,
//! holding the write turn. On PostgreSQL a commit is a network round trip, so
//! a worker hands its scans over, as one group, to the queue of (up to) two
//! committer threads; the next one free commits everything queued by then.

use std::cell::RefCell;
use std::collections::HashMap;
use std::rc::Rc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::mpsc::{self, Receiver, RecvTimeoutError, SyncSender, TrySendError};
use std::sync::{Arc, Mutex, MutexGuard};
use std::thread;
use std::time::{Duration, Instant};

use diesel::Connection;
use tokio::sync::oneshot;

use super::DbError;
use super::scans::{NewScanEvent, ScanFlush, insert_many};
use super::{Db, DbConnection, DbTarget};
use crate::domain::code::TraceCode;
use view_counts::{ViewCounts, flush_slice};

mod view_counts;

/// Upper bound of one group on the writer thread: keeps a commit's latency
/// bounded under a flood.
const MAX_GROUP: usize = 2_000;
/// Groups (each a worker's scans) waiting beyond this make scans wait for
/// room (back-pressure).
const QUEUE: usize = 20_000;

/// A group's commit, as told to each of its scans: the registry's version
/// the commit saw (PostgreSQL; None on SQLite).
pub type Committed = Option<u64>;

type Reply = oneshot::Sender<Result<Committed, String>>;

/// Scans to commit together, and where to tell each of them: what the queue
/// carries (a worker's scans) and what a commit writes (one or more of those).
type Group = (Vec<NewScanEvent>, Vec<Reply>);

#[derive(Clone)]
pub struct ScanWriter {
    /// Tells apart the writers of several apps in one process (tests), whose
    /// worker groups share threads.
    id: u64,
    db: Db,
    queue: SyncSender<Group>,
    counts: Arc<Mutex<ViewCounts>>,
    /// A worker is committing a scan group (tens of microseconds): another
    /// worker whose group finds the write turn taken waits for it rather
    /// than waking the writer thread.
    scan_group_committing: Arc<AtomicBool>,
    /// Groups committed on workers, whose connections leave checkpoints to
    /// the writer thread.
    committed_on_workers: Arc<AtomicU64>,
}

/// A code's count after a flush added `added` views to it: `total` holds
/// every node's views.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SavedCount {
    pub code: TraceCode,
    pub added: i64,
    pub total: i64,
}

/// Where saved counts are told (the scan cache), on the writer's thread.
pub type CountsSaved = Arc<dyn Fn(&[SavedCount]) + Send + Sync>;

/// Tells when the writer thread has finished: queue drained, view counts written.
pub struct WriterStopped(Receiver<()>);

impl WriterStopped {
    /// Wait (blocking) until the writer has finished, at most `limit`; false
    /// if it had not by then.
    pub fn wait(self, limit: Duration) -> bool {
        !matches!(self.0.recv_timeout(limit), Err(RecvTimeoutError::Timeout))
    }
}

impl ScanWriter {
    /// Start the writer thread. It ends when every `ScanWriter` clone is gone
    /// and the queue is drained, so in-flight scans are written at shutdown;
    /// a process that stops waits on the [`WriterStopped`] for the last
    /// view counts.
    pub fn start(db: Db, flush: ScanFlush) -> (Self, WriterStopped) {
        static NEXT_ID: AtomicU64 = AtomicU64::new(0);
        let (tx, rx) = mpsc::sync_channel(QUEUE);
        let (stopped_tx, stopped_rx) = mpsc::channel();
        let counts = Arc::new(Mutex::new(ViewCounts::default()));
        let thread_db = db.clone();
        let thread_counts = counts.clone();
        let committed_on_workers = Arc::new(AtomicU64::new(0));
        let thread_committed = committed_on_workers.clone();
        thread::Builder::new()
            .name("scan-writer".into())
            .spawn(move || {
                run(thread_db, rx, thread_counts, &thread_committed, flush);
                let _ = stopped_tx.send(());
            })
            .map(|_| ())
            .unwrap_or_else(|e| tracing::error!(error = %e, "can't start the scan writer"));
        let writer = Self {
            id: NEXT_ID.fetch_add(1, Ordering::Relaxed),
            db,
            queue: tx,
            counts,
            scan_group_committing: Arc::default(),
            committed_on_workers,
        };
        (writer, WriterStopped(stopped_rx))
    }

    /// After each flush on PostgreSQL, tell `saved` the codes' counts as
    /// saved, with other nodes' views: so the view rule counts every node's.
    pub fn when_counts_saved(&self, saved: CountsSaved) {
        lock(&self.counts).saved_to = Some(saved);
    }

    /// Record an event and wait until it is committed.
    pub async fn record(&self, event: NewScanEvent) -> Result<Committed, DbError> {
        let (reply, committed) = oneshot::channel();
        let group = WorkerGroup::of_this_thread(self.id);
        if group.push(event, reply) {
            let writer = self.clone();
            match self.db.target() {
                DbTarget::Sqlite { .. } => {
                    tokio::task::spawn_local(writer.commit_on_this_worker(group))
                }
                DbTarget::Postgres { .. } => {
                    tokio::task::spawn_local(writer.hand_over_from_this_worker(group))
                }
            };
        }
        committed
            .await
            .map_err(|_| stopped())?
            .map_err(|cause| DbError::Unavailable(format!("scan not recorded: {cause}")))
    }

    async fn hand_over(&self, job: Group) -> Result<(), DbError> {
        // Counted before it is queued, so the writer never takes a job
        // the gauge has not seen yet.
        let queued = metrics::gauge!(crate::monitoring::SCAN_QUEUE_DEPTH);
        queued.increment(1.0);
        let handed = match self.queue.try_send(job) {
            Ok(()) => Ok(()),
            // Queue full: wait for room off the async workers (back-pressure).
            Err(TrySendError::Full(job)) => {
                let queue = self.queue.clone();
                tokio::task::spawn_blocking(move || queue.send(job).map_err(|_| ()))
                    .await
                    .map_err(|e| DbError::Interrupted(e.to_string()))
                    .and_then(|sent| sent.map_err(|()| stopped()))
            }
            Err(TrySendError::Disconnected(_)) => Err(stopped()),
        };
        if handed.is_err() {
            queued.decrement(1.0);
        }
        handed
    }

    /// Queue this worker's waiting scans for the committers as one group,
    /// after the event loop has had its turn (PostgreSQL): one hand-over and
    /// one committer wake-up for every scan that was ready, not one a scan.
    async fn hand_over_from_this_worker(self, group: Rc<WorkerGroup>) {
        tokio::task::yield_now().await;
        let (events, replies) = group.take();
        if let Err(e) = self.hand_over((events, replies)).await {
            // Its scans are answered with the error (their replies dropped).
            tracing::error!(error = %e, "scan group not handed to the writer");
        }
    }

    /// Commit this worker's waiting scans, after the event loop has had its
    /// turn: every request that was ready by then joins the group.
    async fn commit_on_this_worker(self, group: Rc<WorkerGroup>) {
        tokio::task::yield_now().await;
        let (events, replies) = group.take();
        let started = Instant::now();
        let committed = self.commit_here_unless_turn_held(&events);
        let Some(outcome) = committed else {
            if let Err(e) = self.hand_over((events, replies)).await {
                tracing::error!(error = %e, "scan group not handed to the writer");
            }
            return;
        };
        if outcome.is_ok() {
            self.committed_on_workers.fetch_add(1, Ordering::Relaxed);
            lock(&self.counts).add(&events);
            record_committed(&events, started, "worker");
        }
        for reply in replies {
            let _ = reply.send(outcome.clone());
        }
    }

    /// Commit on this thread unless a writer other than a scan group holds
    /// SQLite's write turn; None then (the caller hands the group over
    /// instead of waiting on the event loop).
    fn commit_here_unless_turn_held(
        &self,
        events: &[NewScanEvent],
    ) -> Option<Result<Committed, String>> {
        let _turn = self.scan_turn()?;
        let outcome = self
            .db
            .sqlite_here(|c| commit_group(c, events, ScanFlush::Wait).map_err(DbError::from))?;
        Some(outcome.map_err(|e: DbError| e.to_string()))
    }

    /// The write turn, if free or once another worker's scan group is done
    /// with it (short: spinning, then yielding the core to its holder).
    fn scan_turn(&self) -> Option<ScanTurn<'_>> {
        const SPINS: u32 = 64;
        const YIELDS: u32 = 2_000;
        for round in 0..SPINS + YIELDS {
            if let Some(turn) = self.db.try_sqlite_write_turn() {
                self.scan_group_committing.store(true, Ordering::Release);
                return Some(ScanTurn {
                    _turn: turn,
                    committing: &self.scan_group_committing,
                });
            }
            if !self.scan_group_committing.load(Ordering::Acquire) {
                return None;
            }
            if round < SPINS {
                std::hint::spin_loop();
            } else {
                thread::yield_now();
            }
        }
        None
    }
}

/// SQLite's write turn held for a scan group.
struct ScanTurn<'a> {
    committing: &'a AtomicBool,
    _turn: MutexGuard<'a, ()>,
}

impl Drop for ScanTurn<'_> {
    fn drop(&mut self) {
        // Cleared before the turn itself is released (fields drop after this).
        self.committing.store(false, Ordering::Release);
    }
}

fn stopped() -> DbError {
    DbError::Unavailable("the scan writer has stopped".into())
}

fn lock(counts: &Mutex<ViewCounts>) -> MutexGuard<'_, ViewCounts> {
    counts
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
}

/// The scans one HTTP worker thread has taken and not yet committed.
#[derive(Default)]
struct WorkerGroup {
    events: RefCell<Vec<NewScanEvent>>,
    replies: RefCell<Vec<Reply>>,
}

thread_local! {
    static WORKER_GROUPS: RefCell<HashMap<u64, Rc<WorkerGroup>>> = RefCell::new(HashMap::new());
}

impl WorkerGroup {
    fn of_this_thread(writer: u64) -> Rc<Self> {
        WORKER_GROUPS.with(|groups| groups.borrow_mut().entry(writer).or_default().clone())
    }

    /// Add a scan; true when it is the first of a new group.
    fn push(&self, event: NewScanEvent, reply: Reply) -> bool {
        let mut events = self.events.borrow_mut();
        events.push(event);
        self.replies.borrow_mut().push(reply);
        events.len() == 1
    }

    fn take(&self) -> (Vec<NewScanEvent>, Vec<Reply>) {
        (
            std::mem::take(&mut *self.events.borrow_mut()),
            std::mem::take(&mut *self.replies.borrow_mut()),
        )
    }
}

type Pooled = diesel::r2d2::PooledConnection<super::ConnectionManager>;

/// How often the writer checkpoints the WAL that the workers' commits grow
/// (by ~30 MB/s under the load of `scripts/load`).
const CHECKPOINT_EVERY: Duration = Duration::from_millis(250);

fn run(
    db: Db,
    queue: Receiver<Group>,
    counts: Arc<Mutex<ViewCounts>>,
    committed_on_workers: &AtomicU64,
    flush: ScanFlush,
) {
    let queue = match Committers::start(&db, &counts, queue, flush) {
        Ok(committers) => return flush_while_committing(&db, committers, &counts, flush),
        Err(queue) => queue,
    };
    let mut conn: Option<Pooled> = None;
    let mut events = Vec::with_capacity(MAX_GROUP);
    let mut replies = Vec::with_capacity(MAX_GROUP);
    let (mut last_checkpoint, mut checkpointed_at) = (Instant::now(), 0);
    loop {
        let wait = lock(&counts)
            .time_to_flush()
            .min(CHECKPOINT_EVERY.saturating_sub(last_checkpoint.elapsed()));
        match queue.recv_timeout(wait) {
            Ok(first) => gather(first, &queue, &mut events, &mut replies),
            Err(RecvTimeoutError::Timeout) => {}
            Err(RecvTimeoutError::Disconnected) => break,
        }
        if !events.is_empty() {
            let replies = replies.drain(..);
            if commit_and_reply(&db, &mut conn, &counts, &events, replies, flush).is_err() {
                conn = None;
            }
            events.clear();
        }
        if lock(&counts).due() {
            flush_slice(&db, &mut conn, &counts, flush);
        }
        if last_checkpoint.elapsed() >= CHECKPOINT_EVERY {
            last_checkpoint = Instant::now();
            let committed = committed_on_workers.load(Ordering::Relaxed);
            if committed != checkpointed_at {
                let done = with_connection(&db, &mut conn, |c| {
                    db.checkpoint_sqlite(c).map_err(|e| e.to_string())
                });
                match done {
                    Ok(()) => checkpointed_at = committed,
                    Err(cause) => {
                        tracing::warn!(%cause, "WAL checkpoint failed; retried in a moment");
                        conn = None;
                    }
                }
            }
        }
    }
    flush_all(&db, &mut conn, &counts, flush);
}

/// `first` and whatever else is already queued, up to [`MAX_GROUP`] scans,
/// into one group.
fn gather(
    first: Group,
    queue: &Receiver<Group>,
    events: &mut Vec<NewScanEvent>,
    replies: &mut Vec<Reply>,
) {
    let queued = metrics::gauge!(crate::monitoring::SCAN_QUEUE_DEPTH);
    let mut next = Some(first);
    while let Some((mut group, mut group_replies)) = next.take() {
        queued.decrement(1.0);
        events.append(&mut group);
        replies.append(&mut group_replies);
        if events.len() < MAX_GROUP {
            next = queue.try_recv().ok();
        }
    }
}

/// The writer thread on PostgreSQL: the committers take the scans; this
/// writes view counts when due, until the committers have drained the
/// closed queue.
fn flush_while_committing(
    db: &Db,
    committers: Committers,
    counts: &Mutex<ViewCounts>,
    flush: ScanFlush,
) {
    let mut conn: Option<Pooled> = None;
    loop {
        let wait = lock(counts).time_to_flush();
        if !matches!(
            committers.ended.recv_timeout(wait),
            Err(RecvTimeoutError::Timeout)
        ) {
            break;
        }
        if lock(counts).due() {
            flush_slice(db, &mut conn, counts, flush);
            // The committers hold theirs; this one is needed every few
            // seconds only, and the pool may be small.
            conn = None;
        }
    }
    for thread in committers.threads {
        let _ = thread.join();
    }
    flush_all(db, &mut conn, counts, flush);
}

/// Every pending view count, at shutdown.
fn flush_all(db: &Db, conn: &mut Option<Pooled>, counts: &Mutex<ViewCounts>, flush: ScanFlush) {
    while !lock(counts).pending.is_empty() {
        if !flush_slice(db, conn, counts, flush) {
            break;
        }
    }
    tracing::info!("scan writer stopped: queue closed and drained");
}

/// Commit a group, count its views, answer its scans.
fn commit_and_reply(
    db: &Db,
    conn: &mut Option<Pooled>,
    counts: &Mutex<ViewCounts>,
    events: &[NewScanEvent],
    replies: impl Iterator<Item = Reply>,
    flush: ScanFlush,
) -> Result<Committed, String> {
    let started = Instant::now();
    let outcome = write_group(db, conn, events, flush);
    if outcome.is_ok() {
        lock(counts).add(events);
        record_committed(events, started, "writer");
    }
    for reply in replies {
        let _ = reply.send(outcome.clone());
    }
    outcome
}

/// Commits on PostgreSQL cost a round trip and a WAL flush each, during which
/// one connection does nothing else. With two committers a group is committed
/// while the next one forms; a committer takes every scan queued by the time
/// it is free, so groups grow while both are busy. Measured at 64
/// connections over 20,000 codes: one committer 15k–16k scans/s with p99
/// 18–29 ms, two 17k–20k with 10–13 ms, three 16k, six 13k–14k (more
/// connections held, more switching). SQLite has one writer anyway. Each
/// holds a connection: at most one per four of the pool, so a small pool
/// (the tests use four) still serves reads while a large run is issued.
const PG_COMMITTERS: usize = 2;

/// The threads that commit scans on PostgreSQL, straight from the queue:
/// a scan goes from its HTTP worker to a committer with one thread switch.
struct Committers {
    threads: Vec<thread::JoinHandle<()>>,
    /// Disconnected once every committer has finished.
    ended: Receiver<()>,
}

impl Committers {
    /// The committers, taking from `queue`; the queue back when they do
    /// not apply (SQLite, or a pool too small to spare a connection).
    fn start(
        db: &Db,
        counts: &Arc<Mutex<ViewCounts>>,
        queue: Receiver<Group>,
        flush: ScanFlush,
    ) -> Result<Self, Receiver<Group>> {
        let pool = usize::try_from(db.pool_max_size()).unwrap_or(usize::MAX);
        let count = PG_COMMITTERS.min(pool / 4);
        if !matches!(db.target(), DbTarget::Postgres { .. }) || count == 0 {
            return Err(queue);
        }
        let queue = Arc::new(Mutex::new(queue));
        let (alive, ended) = mpsc::channel::<()>();
        let threads = (0..count)
            .filter_map(|n| {
                let (db, counts, queue) = (db.clone(), counts.clone(), queue.clone());
                let alive = alive.clone();
                thread::Builder::new()
                    .name(format!("scan-commit-{n}"))
                    .spawn(move || {
                        commit_groups(&db, &counts, &queue, flush);
                        drop(alive);
                    })
                    .map_err(|e| tracing::error!(error = %e, "can't start a scan committer"))
                    .ok()
            })
            .collect::<Vec<_>>();
        if threads.is_empty() {
            // No thread started: the queue is this one's alone again, and
            // the writer thread commits.
            if let Ok(queue) = Arc::try_unwrap(queue) {
                return Err(queue
                    .into_inner()
                    .unwrap_or_else(std::sync::PoisonError::into_inner));
            }
        }
        Ok(Self { threads, ended })
    }
}

/// Commit whatever is queued, one group at a time, until the queue is
/// closed and drained.
fn commit_groups(
    db: &Db,
    counts: &Mutex<ViewCounts>,
    queue: &Mutex<Receiver<Group>>,
    flush: ScanFlush,
) {
    let mut conn: Option<Pooled> = None;
    let (mut events, mut replies) = (Vec::new(), Vec::new());
    loop {
        {
            // Only committers take this lock: the one holding it waits for
            // the next scans, the others for their turn to.
            let queue = queue
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner);
            let Ok(first) = queue.recv() else { break };
            gather(first, &queue, &mut events, &mut replies);
        }
        if commit_and_reply(db, &mut conn, counts, &events, replies.drain(..), flush).is_err() {
            conn = None;
        }
        events.clear();
    }
}

/// `/metrics`: scans committed, how many shared the commit, how long it took.
fn record_committed(events: &[NewScanEvent], started: Instant, committed_on: &'static str) {
    metrics::histogram!(crate::monitoring::SCAN_COMMIT_DURATION, "committed_on" => committed_on)
        .record(started.elapsed());
    let n = events.len();
    metrics::counter!(crate::monitoring::SCANS_RECORDED).increment(n as u64);
    #[allow(clippy::cast_precision_loss)] // a group holds at most MAX_GROUP
    metrics::histogram!(crate::monitoring::SCAN_GROUP_SIZE, "committed_on" => committed_on)
        .record(n as f64);
}

fn with_connection<T>(
    db: &Db,
    conn: &mut Option<Pooled>,
    work: impl FnOnce(&mut DbConnection) -> Result<T, String>,
) -> Result<T, String> {
    if conn.is_none() {
        *conn = Some(db.get().map_err(|e| e.to_string())?);
    }
    match conn.as_mut() {
        Some(c) => work(c),
        None => Err("no database connection".into()),
    }
}

fn write_group(
    db: &Db,
    conn: &mut Option<Pooled>,
    events: &[NewScanEvent],
    flush: ScanFlush,
) -> Result<Committed, String> {
    with_connection(db, conn, |c| {
        let _turn = db.sqlite_write_turn(c);
        commit_group(c, events, flush).map_err(|e| e.to_string())
    })
}

/// One group's events in one transaction (the caller holds the write turn).
/// On PostgreSQL the group is one statement, its own transaction: BEGIN and
/// COMMIT would be two more round trips.
fn commit_group(
    conn: &mut DbConnection,
    events: &[NewScanEvent],
    flush: ScanFlush,
) -> diesel::QueryResult<Committed> {
    match conn {
        DbConnection::Pg(_) => insert_many(conn, events, flush),
        DbConnection::Sqlite(_) => conn.transaction(|c| insert_many(c, events, flush)),
    }
}
