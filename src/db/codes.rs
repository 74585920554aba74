//! Code runs and their codes: bulk issuance in one transaction, paged reads.

use chrono::NaiveDateTime;
use diesel::prelude::*;
use diesel::result::{DatabaseErrorKind, Error};
use uuid::Uuid;

use super::DbConnection;
use super::schema::{code_runs, codes};
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

/// Insert `count` fresh codes for a run, inside the caller's transaction.
///
/// Each chunk goes in under a savepoint: a collision with an existing code
/// (a concurrent run, or sheer chance) rolls back only that chunk, which is
/// drawn again. `progress` is called after each chunk with the codes so far.
pub fn insert_codes(
    conn: &mut DbConnection,
    run_id: &str,
    count: u32,
    mut progress: impl FnMut(u32),
) -> QueryResult<()> {
    let chunk = match conn {
        DbConnection::Sqlite(_) => SQLITE_CHUNK_ROWS,
        DbConnection::Pg(_) => CHUNK_ROWS,
    } as u32;
    let mut next_serial: u32 = 1;
    let mut rows: Vec<CodeRow> = Vec::with_capacity(chunk.min(count) as usize);
    while next_serial <= count {
        let n = (count - next_serial + 1).min(chunk);
        let mut attempt = 0;
        loop {
            rows.clear();
            rows.extend((0..n).map(|i| CodeRow {
                code: TraceCode::random().to_string(),
                run_id: run_id.to_owned(),
                serial: (next_serial + i) as i32,
            }));
            // Random keys inserted in key order walk the B-tree left to right
            // instead of jumping around it: far fewer page visits per chunk.
            rows.sort_unstable_by(|a, b| a.code.cmp(&b.code));
            match conn.transaction(|c| insert_chunk(c, &rows)) {
                Ok(_) => break,
                Err(Error::DatabaseError(DatabaseErrorKind::UniqueViolation, info))
                    if attempt < COLLISION_RETRIES =>
                {
                    tracing::warn!(
                        run_id,
                        attempt,
                        cause = info.message(),
                        "code collision; drawing the chunk again"
                    );
                    attempt += 1;
                }
                Err(e) => return Err(e),
            }
        }
        next_serial += n;
        progress(next_serial - 1);
    }
    Ok(())
}

pub fn find_run(conn: &mut DbConnection, id: Uuid) -> QueryResult<Option<CodeRunRow>> {
    code_runs::table
        .find(id.to_string())
        .select(CodeRunRow::as_select())
        .first(conn)
        .optional()
}

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
        .select((CodeRow::as_select(), CodeRunRow::as_select()))
        .first(conn)
        .optional()
}
