//! Code runs and their codes: issuance (in one transaction, or in short
//! turns while the run stays pending and invisible), paged reads.

use chrono::NaiveDateTime;
use diesel::prelude::*;
use diesel::result::{DatabaseErrorKind, Error};
use uuid::Uuid;

use super::schema::{code_runs, codes};
use super::{Db, DbConnection};
use crate::domain::code::TraceCode;

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = code_runs)]
pub struct CodeRunRow {
    pub id: String,
    pub batch_id: String,
    pub producer_id: String,
    pub farming_area_id: String,
    pub count: i32,
    pub payload_format: String,
    pub payload_prefix: String,
    pub idempotency_key: Option<String>,
    pub request_fingerprint: Option<String>,
    pub created_at: NaiveDateTime,
    /// Set while the run is being issued (its issuer's lease); None once issued.
    pub pending_until: Option<NaiveDateTime>,
}

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = codes)]
pub struct CodeRow {
    pub code: String,
    pub run_id: String,
    pub serial: i32,
}

/// Rows per INSERT: 3 parameters each keeps well under SQLite's 32,766 and
/// PostgreSQL's 65,535 bind parameters.
pub const CHUNK_ROWS: usize = 5000;
/// SQLite takes rows one by one (no parameter limit), so its chunks are as
/// large as keeps sorting them worthwhile and memory small.
pub const SQLITE_CHUNK_ROWS: usize = 50_000;
/// Rows per turn when a run is issued in turns on SQLite: each turn holds
/// the single writer for a few milliseconds, so scans commit in between.
pub const SQLITE_TURN_ROWS: usize = 500;
/// A chunk is redrawn this often on a code collision (2^-60 odds each) before giving up.
const COLLISION_RETRIES: usize = 5;

pub fn insert_run(conn: &mut DbConnection, run: &CodeRunRow) -> QueryResult<()> {
    diesel::insert_into(code_runs::table)
        .values(run)
        .execute(conn)
        .map(|_| ())
}

/// The one place the backends differ for issuance. SQLite runs in-process,
/// so one cached prepared single-row INSERT per code is fastest (no SQL text
/// of 15,000 parameters to build and prepare per chunk); PostgreSQL is a
/// round trip away, so it gets multi-row INSERTs (which the multi-backend
/// connection can't express, hence the match).
fn insert_chunk(conn: &mut DbConnection, rows: &[CodeRow]) -> QueryResult<usize> {
    match conn {
        DbConnection::Sqlite(c) => {
            for row in rows {
                diesel::insert_into(codes::table).values(row).execute(c)?;
            }
            Ok(rows.len())
        }
        DbConnection::Pg(c) => diesel::insert_into(codes::table).values(rows).execute(c),
    }
}

/// The whole run's codes, drawn at once and sorted, each with its serial:
/// 17 bytes a code, 17 MB for the largest run. Inserted in this order, turn
/// after turn, the inserts walk both indexes (the code, and the run's
/// serials) from one end to the other, so each short transaction dirties a
/// few pages instead of one per code (random keys in small chunks multiplied
/// the pages written to the WAL by about the number of turns: 1,000,000
/// codes took minutes).
fn draw_run(count: u32) -> Vec<(TraceCode, u32)> {
    let mut codes: Vec<TraceCode> = (0..count).map(|_| TraceCode::random()).collect();
    codes.sort_unstable();
    // Two equal codes in one run (odds 2^-60 a pair): draw the later again.
    while let Some(i) = codes.windows(2).position(|w| w[0] == w[1]) {
        codes[i + 1] = TraceCode::random();
        codes.sort_unstable();
    }
    // Serials follow the codes' order, so the (run, serial) index is
    // appended to in order as well. They number the labels of the run; the
    // codes themselves are as random as ever.
    codes.into_iter().zip(1..).collect()
}

/// Insert a run's codes slice by slice of `slice_rows`, each through
/// `commit` (a transaction of its own, or a savepoint). A collision with an
/// existing code (another run's, or sheer chance) rolls back only that
/// slice, whose codes are drawn again; the rest of the plan stays.
/// `progress` is told the codes so far.
fn insert_run_codes(
    conn: &mut DbConnection,
    run_id: &str,
    count: u32,
    slice_rows: usize,
    mut commit: impl FnMut(&mut DbConnection, &[CodeRow]) -> QueryResult<()>,
    mut progress: impl FnMut(u32),
) -> QueryResult<()> {
    let mut plan = draw_run(count);
    let mut done: u32 = 0;
    let mut rows: Vec<CodeRow> = Vec::with_capacity(slice_rows.min(plan.len()));
    for slice in plan.chunks_mut(slice_rows) {
        let mut attempt = 0;
        loop {
            rows.clear();
            rows.extend(slice.iter().map(|(code, serial)| CodeRow {
                code: code.to_string(),
                run_id: run_id.to_owned(),
                serial: *serial as i32,
            }));
            match commit(conn, &rows) {
                Ok(()) => break,
                Err(Error::DatabaseError(DatabaseErrorKind::UniqueViolation, info))
                    if attempt < COLLISION_RETRIES =>
                {
                    tracing::warn!(
                        run_id,
                        attempt,
                        cause = info.message(),
                        "code collision; drawing the slice's codes again"
                    );
                    for (code, _) in slice.iter_mut() {
                        *code = TraceCode::random();
                    }
                    slice.sort_unstable();
                    attempt += 1;
                }
                Err(e) => return Err(e),
            }
        }
        done += slice.len() as u32;
        progress(done);
    }
    Ok(())
}

/// Insert `count` fresh codes for a run, inside the caller's transaction
/// (each slice under a savepoint). For small runs (the demo).
pub fn insert_codes(
    conn: &mut DbConnection,
    run_id: &str,
    count: u32,
    progress: impl FnMut(u32),
) -> QueryResult<()> {
    let slice_rows = match conn {
        DbConnection::Sqlite(_) => SQLITE_CHUNK_ROWS,
        DbConnection::Pg(_) => CHUNK_ROWS,
    };
    insert_run_codes(
        conn,
        run_id,
        count,
        slice_rows,
        |c, rows| c.transaction(|c| insert_chunk(c, rows).map(|_| ())),
        progress,
    )
}

/// Insert a pending run's codes in short transactions, each taking SQLite's
/// write turn only for itself (so scans commit in between) and renewing the
/// run's lease to `now + lease`. The run stays invisible until
/// [`finish_run`]; if the issuer dies, the lease runs out and
/// [`remove_pending_run`] (by any node's sweeper) removes what was inserted.
pub fn insert_codes_in_turns(
    db: &Db,
    conn: &mut DbConnection,
    run_id: &str,
    count: u32,
    lease: chrono::Duration,
    progress: impl FnMut(u32),
) -> QueryResult<()> {
    let turn_rows = match conn {
        DbConnection::Sqlite(_) => SQLITE_TURN_ROWS,
        DbConnection::Pg(_) => CHUNK_ROWS,
    };
    insert_run_codes(
        conn,
        run_id,
        count,
        turn_rows,
        |c, rows| {
            let _turn = db.sqlite_write_turn(c);
            c.transaction(|c| {
                insert_chunk(c, rows)?;
                renew_lease(c, run_id, lease)
            })
        },
        progress,
    )
}

/// The lease a pending run's issuer holds, while it still holds it.
fn held_lease(run_id: &str) -> HeldLease<'_> {
    code_runs::table
        .find(run_id)
        .filter(code_runs::pending_until.ge(super::now()))
}

type HeldLease<'a> = diesel::dsl::Filter<
    diesel::dsl::Find<code_runs::table, &'a str>,
    diesel::dsl::GtEq<code_runs::pending_until, NaiveDateTime>,
>;

/// An issuer that stalled past its lease may find its run being removed by
/// another node's sweeper: it must stop, not finish a run with holes.
fn lease_lost() -> Error {
    Error::QueryBuilderError("the run's lease ran out while it was being issued".into())
}

fn renew_lease(conn: &mut DbConnection, run_id: &str, lease: chrono::Duration) -> QueryResult<()> {
    let renewed = diesel::update(held_lease(run_id))
        .set(code_runs::pending_until.eq(Some(super::now() + lease)))
        .execute(conn)?;
    if renewed == 1 {
        Ok(())
    } else {
        Err(lease_lost())
    }
}

/// A pending run becomes issued: visible, scannable, printable.
pub fn finish_run(conn: &mut DbConnection, run_id: &str) -> QueryResult<()> {
    let finished = diesel::update(held_lease(run_id))
        .set(code_runs::pending_until.eq(None::<NaiveDateTime>))
        .execute(conn)?;
    if finished == 1 {
        Ok(())
    } else {
        Err(lease_lost())
    }
}

/// Take a pending run away from its issuer for removal (its lease set to
/// long past, so the issuer's next renewal fails). False: the run is issued
/// or gone.
fn abandon_run(conn: &mut DbConnection, run_id: &str) -> QueryResult<bool> {
    let long_past = chrono::DateTime::UNIX_EPOCH.naive_utc();
    let taken = diesel::update(
        code_runs::table
            .find(run_id)
            .filter(code_runs::pending_until.is_not_null()),
    )
    .set(code_runs::pending_until.eq(Some(long_past)))
    .execute(conn)?;
    Ok(taken == 1)
}

/// Pending runs whose issuer's lease ran out before `now`.
pub fn abandoned_runs(conn: &mut DbConnection, now: NaiveDateTime) -> QueryResult<Vec<String>> {
    code_runs::table
        .filter(code_runs::pending_until.lt(now))
        .select(code_runs::id)
        .load(conn)
}

/// Delete up to `limit` codes of a pending run; returns how many went.
pub fn delete_pending_codes(
    conn: &mut DbConnection,
    run_id: &str,
    limit: i32,
) -> QueryResult<usize> {
    let first: Option<i32> = codes::table
        .filter(codes::run_id.eq(run_id))
        .select(diesel::dsl::min(codes::serial))
        .first(conn)?;
    let Some(first) = first else {
        return Ok(0);
    };
    diesel::delete(
        codes::table
            .filter(codes::run_id.eq(run_id))
            .filter(codes::serial.lt(first.saturating_add(limit))),
    )
    .execute(conn)
}

/// Delete a pending run once its codes are gone (an issued run is never deleted).
pub fn delete_pending_run(conn: &mut DbConnection, run_id: &str) -> QueryResult<usize> {
    diesel::delete(
        code_runs::table
            .find(run_id)
            .filter(code_runs::pending_until.is_not_null()),
    )
    .execute(conn)
}

/// Codes deleted per turn when a pending run is removed.
const REMOVE_TURN_ROWS: i32 = 2_000;

/// Remove a pending run and its codes in short turns (scans commit in
/// between); the run row goes last, so a removal cut short is finished by
/// the next one.
pub fn remove_pending_run(db: &Db, conn: &mut DbConnection, run_id: &str) -> QueryResult<()> {
    {
        let _turn = db.sqlite_write_turn(conn);
        if !abandon_run(conn, run_id)? {
            return Ok(());
        }
    }
    loop {
        let _turn = db.sqlite_write_turn(conn);
        let removed = conn.transaction(|c| delete_pending_codes(c, run_id, REMOVE_TURN_ROWS))?;
        if removed == 0 {
            break;
        }
    }
    let _turn = db.sqlite_write_turn(conn);
    delete_pending_run(conn, run_id).map(|_| ())
}

/// Codes issued (or being issued) by a producer since an instant: the quota.
pub fn issued_since(
    conn: &mut DbConnection,
    producer_id: &str,
    since: NaiveDateTime,
) -> QueryResult<i64> {
    let total: Option<i64> = code_runs::table
        .filter(code_runs::producer_id.eq(producer_id))
        .filter(code_runs::created_at.ge(since))
        .select(diesel::dsl::sum(code_runs::count))
        .first(conn)?;
    Ok(total.unwrap_or(0))
}

/// An issued run (a pending one is not there yet).
pub fn find_run(conn: &mut DbConnection, id: Uuid) -> QueryResult<Option<CodeRunRow>> {
    code_runs::table
        .find(id.to_string())
        .filter(code_runs::pending_until.is_null())
        .select(CodeRunRow::as_select())
        .first(conn)
        .optional()
}

/// The run made with this idempotency key, pending or issued.
pub fn find_run_by_key(
    conn: &mut DbConnection,
    producer_id: Uuid,
    key: &str,
) -> QueryResult<Option<CodeRunRow>> {
    code_runs::table
        .filter(code_runs::producer_id.eq(producer_id.to_string()))
        .filter(code_runs::idempotency_key.eq(key))
        .select(CodeRunRow::as_select())
        .first(conn)
        .optional()
}

pub fn runs_of_batch(conn: &mut DbConnection, batch_id: &str) -> QueryResult<Vec<CodeRunRow>> {
    code_runs::table
        .filter(code_runs::batch_id.eq(batch_id))
        .filter(code_runs::pending_until.is_null())
        .select(CodeRunRow::as_select())
        .order(code_runs::id.asc())
        .load(conn)
}

/// Codes of a run after `after_serial`, in serial order (keyset paging for exports).
pub fn page_of_run(
    conn: &mut DbConnection,
    run_id: &str,
    after_serial: i32,
    until_serial: i32,
    limit: i64,
) -> QueryResult<Vec<CodeRow>> {
    codes::table
        .filter(codes::run_id.eq(run_id))
        .filter(codes::serial.gt(after_serial))
        .filter(codes::serial.le(until_serial))
        .select(CodeRow::as_select())
        .order(codes::serial.asc())
        .limit(limit)
        .load(conn)
}

/// A code with its run.
pub fn find_code(
    conn: &mut DbConnection,
    code: &TraceCode,
) -> QueryResult<Option<(CodeRow, CodeRunRow)>> {
    codes::table
        .inner_join(code_runs::table)
        .filter(codes::code.eq(code.as_str()))
        .filter(code_runs::pending_until.is_null())
        .select((CodeRow::as_select(), CodeRunRow::as_select()))
        .first(conn)
        .optional()
}
