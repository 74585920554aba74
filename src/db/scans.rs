//! Scan events: written in groups by the scan writer, counted per code.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::DbConnection;
use super::schema::{code_scan_counts, scan_events};
use crate::domain::code::TraceCode;
use crate::domain::scan::{ClientHash, Lang};

/// A scan event on its way to the writer: plain values with nothing on the
/// heap, so queueing one allocates nothing and the writer frees nothing.
#[derive(Debug, Clone, Copy)]
pub struct NewScanEvent {
    pub code: TraceCode,
    pub kind: ScanKind,
    pub scanned_at: NaiveDateTime,
    pub lang: Lang,
    pub ua_family: &'static str,
    /// None: the client's address was not known.
    pub client_hash: Option<ClientHash>,
    pub latitude: Option<f64>,
    pub longitude: Option<f64>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ScanKind {
    /// A consumer opened the code's page or JSON.
    View,
    /// A consumer shared where they scanned.
    Location,
}

impl ScanKind {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::View => "view",
            Self::Location => "location",
        }
    }
}

/// A client hash as stored: "unknown" when no address was seen.
pub fn stored_client(client: Option<&ClientHash>) -> &str {
    client.map_or("unknown", ClientHash::as_str)
}

impl NewScanEvent {
    /// The client as stored ("unknown" when no address was seen).
    pub fn client_hash_text(&self) -> &str {
        stored_client(self.client_hash.as_ref())
    }

    fn row(&self) -> ScanEventRow<'_> {
        ScanEventRow {
            code: self.code.as_str(),
            kind: self.kind.as_str(),
            scanned_at: self.scanned_at,
            lang: self.lang.as_str(),
            ua_family: self.ua_family,
            client_hash: self.client_hash_text(),
            latitude: self.latitude,
            longitude: self.longitude,
        }
    }
}

#[derive(Insertable)]
#[diesel(table_name = scan_events)]
struct ScanEventRow<'a> {
    code: &'a str,
    kind: &'a str,
    scanned_at: NaiveDateTime,
    lang: &'a str,
    ua_family: &'a str,
    client_hash: &'a str,
    latitude: Option<f64>,
    longitude: Option<f64>,
}

/// Insert a group of events (inside the writer's transaction). On SQLite the
/// rows go through [`SqliteEventInsert`]: prepared once per row count and kept
/// by diesel's statement cache under its type, so a row costs its binds and a
/// step, not SQL building and parsing. On PostgreSQL one [`PgEventInsert`],
/// which also answers the registry's version as of the insert (None on
/// SQLite, whose version lives in the process).
pub fn insert_many(
    conn: &mut DbConnection,
    events: &[NewScanEvent],
    flush: ScanFlush,
) -> QueryResult<Option<u64>> {
    match conn {
        DbConnection::Sqlite(c) => {
            let mut rows = events.chunks_exact(SQLITE_ROWS_PER_INSERT);
            for chunk in &mut rows {
                SqliteEventInsert::<SQLITE_ROWS_PER_INSERT>::new(chunk).execute(c)?;
            }
            for event in rows.remainder() {
                SqliteEventInsert::<1>::new(std::slice::from_ref(event)).execute(c)?;
            }
            Ok(None)
        }
        DbConnection::Pg(c) => {
            let version: i64 = match flush {
                ScanFlush::Wait => PgEventInsert::<true>::new(events).get_result(c)?,
                ScanFlush::Background => PgEventInsert::<false>::new(events).get_result(c)?,
            };
            u64::try_from(version).map(Some).map_err(|_| {
                diesel::result::Error::DeserializationError(
                    format!("registry_version holds {version}").into(),
                )
            })
        }
    }
}

/// Whether a scan group's commit on PostgreSQL waits for its WAL to reach
/// the disk (`synchronous_commit`). SQLite ignores it: its WAL commits are
/// synced at checkpoints (`synchronous = NORMAL`) either way. Set by
/// `SCAN_FLUSH` (`wait`, `background`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, clap::ValueEnum)]
pub enum ScanFlush {
    /// Answered once on disk: a crash of the database server loses nothing
    /// acknowledged.
    #[default]
    Wait,
    /// Answered once committed in the server's memory; PostgreSQL's WAL
    /// writer flushes it within three `wal_writer_delay`s (600 ms by
    /// default). A crash of ocop-trace loses nothing; a crash of the
    /// database server's machine may lose the scans of that last moment,
    /// never a registry write (those always wait) and never consistency.
    Background,
}

/// The current transaction's commit will not wait for the disk
/// ([`ScanFlush::Background`]; PostgreSQL only, and for this transaction
/// only: the pooled connection is left as it was).
pub fn commit_without_waiting_for_disk(conn: &mut DbConnection) -> QueryResult<()> {
    if let DbConnection::Pg(c) = conn {
        diesel::sql_query(format!("SELECT {UNFLUSHED_COMMIT}")).execute(c)?;
    }
    Ok(())
}

/// Turns `synchronous_commit` off until the current transaction ends.
const UNFLUSHED_COMMIT: &str = "set_config('synchronous_commit', 'off', true)";

/// `INSERT INTO scan_events … SELECT * FROM unnest($1, …, $8)` for
/// PostgreSQL: one column array a parameter, so every group, whatever its
/// size, is the same statement, prepared once and kept by diesel's statement
/// cache (a multi-row VALUES list was parsed and planned again for each
/// group's size), and one statement is its own transaction: one round trip.
/// The same statement reads the registry's version: its snapshot is taken
/// after every scan of the group arrived, so a registry write committed
/// before any of them (on any node) is counted in it. `WAIT` false turns
/// `synchronous_commit` off for this statement's own transaction only
/// (`set_config(…, true)`): the pooled connection is left as it was.
struct PgEventInsert<'a, const WAIT: bool> {
    codes: Vec<&'a str>,
    kinds: Vec<&'a str>,
    times: Vec<NaiveDateTime>,
    langs: Vec<&'a str>,
    ua_families: Vec<&'a str>,
    clients: Vec<&'a str>,
    latitudes: Vec<Option<f64>>,
    longitudes: Vec<Option<f64>>,
}

impl<'a, const WAIT: bool> PgEventInsert<'a, WAIT> {
    fn new(events: &'a [NewScanEvent]) -> Self {
        Self {
            codes: events.iter().map(|e| e.code.as_str()).collect(),
            kinds: events.iter().map(|e| e.kind.as_str()).collect(),
            times: events.iter().map(|e| e.scanned_at).collect(),
            langs: events.iter().map(|e| e.lang.as_str()).collect(),
            ua_families: events.iter().map(|e| e.ua_family).collect(),
            clients: events.iter().map(NewScanEvent::client_hash_text).collect(),
            latitudes: events.iter().map(|e| e.latitude).collect(),
            longitudes: events.iter().map(|e| e.longitude).collect(),
        }
    }
}

impl<const WAIT: bool> diesel::query_builder::QueryId for PgEventInsert<'_, WAIT> {
    type QueryId = PgEventInsert<'static, WAIT>;
    const HAS_STATIC_QUERY_ID: bool = true;
}

impl<const WAIT: bool> diesel::query_builder::QueryFragment<diesel::pg::Pg>
    for PgEventInsert<'_, WAIT>
{
    fn walk_ast<'b>(
        &'b self,
        mut out: diesel::query_builder::AstPass<'_, 'b, diesel::pg::Pg>,
    ) -> QueryResult<()> {
        use diesel::sql_types::{Array, Double, Nullable, Text, Timestamp};
        out.push_sql("WITH ");
        if !WAIT {
            out.push_sql("unflushed AS (SELECT ");
            out.push_sql(UNFLUSHED_COMMIT);
            out.push_sql("), ");
        }
        out.push_sql(
            "inserted AS (INSERT INTO scan_events (code, kind, scanned_at, lang, ua_family, client_hash, latitude, longitude) \
             SELECT * FROM unnest(",
        );
        for (i, texts) in [&self.codes, &self.kinds].into_iter().enumerate() {
            out.push_sql(if i == 0 { "" } else { ", " });
            out.push_bind_param::<Array<Text>, _>(texts)?;
        }
        out.push_sql(", ");
        out.push_bind_param::<Array<Timestamp>, _>(&self.times)?;
        for texts in [&self.langs, &self.ua_families, &self.clients] {
            out.push_sql(", ");
            out.push_bind_param::<Array<Text>, _>(texts)?;
        }
        for numbers in [&self.latitudes, &self.longitudes] {
            out.push_sql(", ");
            out.push_bind_param::<Array<Nullable<Double>>, _>(numbers)?;
        }
        // registry_version has its one row: the cross join evaluates the setting.
        out.push_sql(if WAIT {
            ")) SELECT version FROM registry_version"
        } else {
            ")) SELECT version FROM registry_version, unflushed"
        });
        Ok(())
    }
}

impl<const WAIT: bool> diesel::query_builder::Query for PgEventInsert<'_, WAIT> {
    type SqlType = diesel::sql_types::BigInt;
}

impl<const WAIT: bool> RunQueryDsl<diesel::PgConnection> for PgEventInsert<'_, WAIT> {}

/// Rows per multi-row INSERT on SQLite; a group's remainder goes row by row.
const SQLITE_ROWS_PER_INSERT: usize = 16;

/// `INSERT INTO scan_events … VALUES (…) × N` for SQLite, with a static
/// query id (so the prepared statement is cached by type) and the time bound
/// as the text diesel itself would store for a `Timestamp`, formatted without
/// chrono's format-string interpreter.
struct SqliteEventInsert<'a, const N: usize> {
    rows: &'a [NewScanEvent],
    times: [TimestampText; N],
}

impl<'a, const N: usize> SqliteEventInsert<'a, N> {
    fn new(rows: &'a [NewScanEvent]) -> Self {
        debug_assert_eq!(rows.len(), N);
        Self {
            rows,
            times: std::array::from_fn(|i| sqlite_timestamp_text(rows[i].scanned_at)),
        }
    }
}

struct SqliteEventInsertId<const N: usize>;

impl<const N: usize> diesel::query_builder::QueryId for SqliteEventInsert<'_, N> {
    type QueryId = SqliteEventInsertId<N>;
    const HAS_STATIC_QUERY_ID: bool = true;
}

impl<const N: usize> diesel::query_builder::QueryFragment<diesel::sqlite::Sqlite>
    for SqliteEventInsert<'_, N>
{
    fn walk_ast<'b>(
        &'b self,
        mut out: diesel::query_builder::AstPass<'_, 'b, diesel::sqlite::Sqlite>,
    ) -> QueryResult<()> {
        use diesel::sql_types::{Double, Nullable, Text};
        out.push_sql(
            "INSERT INTO scan_events (code, kind, scanned_at, lang, ua_family, client_hash, latitude, longitude) VALUES ",
        );
        for (i, (row, time)) in self.rows.iter().zip(&self.times).enumerate() {
            // The same column values as the PostgreSQL insert, but the time as text.
            let text = row.row();
            out.push_sql(if i == 0 { "(" } else { ", (" });
            out.push_bind_param::<Text, _>(text.code)?;
            out.push_sql(", ");
            out.push_bind_param::<Text, _>(text.kind)?;
            out.push_sql(", ");
            out.push_bind_param::<Text, _>(time.as_str())?;
            out.push_sql(", ");
            out.push_bind_param::<Text, _>(text.lang)?;
            out.push_sql(", ");
            out.push_bind_param::<Text, _>(text.ua_family)?;
            out.push_sql(", ");
            out.push_bind_param::<Text, _>(text.client_hash)?;
            out.push_sql(", ");
            out.push_bind_param::<Nullable<Double>, _>(&row.latitude)?;
            out.push_sql(", ");
            out.push_bind_param::<Nullable<Double>, _>(&row.longitude)?;
            out.push_sql(")");
        }
        Ok(())
    }
}

impl<const N: usize> RunQueryDsl<diesel::SqliteConnection> for SqliteEventInsert<'_, N> {}

/// A time as diesel stores a `Timestamp` on SQLite, held inline: at most
/// `YYYY-MM-DD HH:MM:SS.nnnnnnnnn`, 29 bytes.
struct TimestampText {
    bytes: [u8; 29],
    len: usize,
}

impl TimestampText {
    fn as_str(&self) -> &str {
        // Only ASCII digits and separators are ever written.
        std::str::from_utf8(&self.bytes[..self.len]).unwrap_or("")
    }
}

impl std::fmt::Write for TimestampText {
    fn write_str(&mut self, s: &str) -> std::fmt::Result {
        let end = self.len + s.len();
        self.bytes
            .get_mut(self.len..end)
            .ok_or(std::fmt::Error)?
            .copy_from_slice(s.as_bytes());
        self.len = end;
        Ok(())
    }
}

/// A time as diesel stores a `Timestamp` on SQLite (`%F %T%.f`: the fraction
/// in 3, 6 or 9 digits, or none), written directly.
fn sqlite_timestamp_text(at: NaiveDateTime) -> TimestampText {
    use chrono::{Datelike, Timelike};
    use std::fmt::Write;
    let mut out = TimestampText {
        bytes: [0; 29],
        len: 0,
    };
    let nanos = at.nanosecond() % 1_000_000_000;
    let _ = write!(
        out,
        "{:04}-{:02}-{:02} {:02}:{:02}:{:02}",
        at.year(),
        at.month(),
        at.day(),
        at.hour(),
        at.minute(),
        at.second()
    );
    if nanos != 0 {
        let _ = if nanos.is_multiple_of(1_000_000) {
            write!(out, ".{:03}", nanos / 1_000_000)
        } else if nanos.is_multiple_of(1_000) {
            write!(out, ".{:06}", nanos / 1_000)
        } else {
            write!(out, ".{nanos:09}")
        };
    }
    out
}

/// Consumer views of a code as last counted, and the first one's time.
pub fn views_of(conn: &mut DbConnection, code: &str) -> QueryResult<(i64, Option<NaiveDateTime>)> {
    code_scan_counts::table
        .find(code)
        .select((code_scan_counts::views, code_scan_counts::first_viewed_at))
        .first::<(i64, NaiveDateTime)>(conn)
        .optional()
        .map(|row| row.map_or((0, None), |(views, first)| (views, Some(first))))
}

/// Add views to codes' counts (several processes may add at once: each adds
/// its own). Upserts need the concrete backend. On PostgreSQL, answers each
/// code's count after the addition (every node's views); SQLite has one
/// node, which knows its counts, and answers nothing.
pub fn add_views(
    conn: &mut DbConnection,
    counts: &[(TraceCode, i64, NaiveDateTime)],
) -> QueryResult<Vec<(String, i64)>> {
    use code_scan_counts::dsl as c;
    use diesel::upsert::excluded;
    match conn {
        // In process: a statement a code costs no round trip.
        DbConnection::Sqlite(conn) => {
            for (code, views, first) in counts {
                diesel::insert_into(c::code_scan_counts)
                    .values((
                        c::code.eq(code.as_str()),
                        c::views.eq(views),
                        c::first_viewed_at.eq(first),
                    ))
                    .on_conflict(c::code)
                    .do_update()
                    .set(c::views.eq(c::views + excluded(c::views)))
                    .execute(conn)?;
            }
            Ok(Vec::new())
        }
        // One statement for the slice: row by row, its 500 round trips held
        // the scan writer ~100 ms every flush (the scans' p99 on PostgreSQL).
        DbConnection::Pg(conn) => PgViewsUpsert {
            codes: counts.iter().map(|(code, _, _)| code.as_str()).collect(),
            views: counts.iter().map(|(_, views, _)| *views).collect(),
            firsts: counts.iter().map(|(_, _, first)| *first).collect(),
        }
        .load(conn),
    }
}

/// Views added to many codes in one statement (the codes are distinct: ON
/// CONFLICT may touch a row once a statement), prepared once.
struct PgViewsUpsert<'a> {
    codes: Vec<&'a str>,
    views: Vec<i64>,
    firsts: Vec<NaiveDateTime>,
}

impl diesel::query_builder::QueryId for PgViewsUpsert<'_> {
    type QueryId = PgViewsUpsert<'static>;
    const HAS_STATIC_QUERY_ID: bool = true;
}

impl diesel::query_builder::QueryFragment<diesel::pg::Pg> for PgViewsUpsert<'_> {
    fn walk_ast<'b>(
        &'b self,
        mut out: diesel::query_builder::AstPass<'_, 'b, diesel::pg::Pg>,
    ) -> QueryResult<()> {
        use diesel::sql_types::{Array, BigInt, Text, Timestamp};
        out.push_sql(
            "INSERT INTO code_scan_counts (code, views, first_viewed_at) SELECT * FROM unnest(",
        );
        out.push_bind_param::<Array<Text>, _>(&self.codes)?;
        out.push_sql(", ");
        out.push_bind_param::<Array<BigInt>, _>(&self.views)?;
        out.push_sql(", ");
        out.push_bind_param::<Array<Timestamp>, _>(&self.firsts)?;
        out.push_sql(
            ") ON CONFLICT (code) DO UPDATE SET views = code_scan_counts.views + excluded.views \
             RETURNING code, views",
        );
        Ok(())
    }
}

impl diesel::query_builder::Query for PgViewsUpsert<'_> {
    type SqlType = (diesel::sql_types::Text, diesel::sql_types::BigInt);
}

impl RunQueryDsl<diesel::PgConnection> for PgViewsUpsert<'_> {}

/// Views of many codes as last counted (codes never viewed are absent).
pub fn views_of_many(conn: &mut DbConnection, codes: &[String]) -> QueryResult<Vec<(String, i64)>> {
    let mut out = Vec::new();
    for chunk in codes.chunks(500) {
        out.extend(
            code_scan_counts::table
                .filter(code_scan_counts::code.eq_any(chunk))
                .select((code_scan_counts::code, code_scan_counts::views))
                .load::<(String, i64)>(conn)?,
        );
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::sqlite_timestamp_text;
    use chrono::{DateTime, NaiveDateTime};
    use proptest::prelude::*;

    proptest! {
        /// The text is exactly what diesel's own Timestamp encoding stores.
        #[test]
        fn timestamp_text_is_diesels(secs in 0i64..4_102_444_800, nanos in 0u32..1_000_000_000, cut in 0usize..4) {
            let nanos = [nanos, nanos / 1_000 * 1_000, nanos / 1_000_000 * 1_000_000, 0][cut];
            let at: NaiveDateTime = DateTime::from_timestamp(secs, nanos).expect("in range").naive_utc();
            let text = sqlite_timestamp_text(at);
            prop_assert_eq!(text.as_str(), at.format("%F %T%.f").to_string());
        }
    }
}
