//! Scan analytics: views, unique codes and first views, grouped. The date
//! arithmetic differs between the backends, so the SQL is written per backend
//! here, once.

use chrono::NaiveDateTime;
use diesel::prelude::*;
use diesel::sql_types::{BigInt, Nullable, Text, Timestamp};

use super::DbConnection;

/// What scans are grouped by.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Grouping {
    Day,
    Week,
    District,
    Product,
    Batch,
    /// One group: the totals.
    All,
}

#[derive(Debug, Clone, QueryableByName)]
pub struct GroupRow {
    #[diesel(sql_type = Text)]
    pub group_key: String,
    #[diesel(sql_type = Text)]
    pub label: String,
    #[diesel(sql_type = BigInt)]
    pub scans: i64,
    #[diesel(sql_type = BigInt)]
    pub unique_codes: i64,
    #[diesel(sql_type = BigInt)]
    pub first_scans: i64,
}

#[derive(Debug, Clone, Default)]
pub struct ScanFilter {
    pub producer_id: Option<String>,
    pub product_id: Option<String>,
    pub batch_id: Option<String>,
}

/// (key, label) expressions per grouping; Vietnamese days (UTC+7, no DST).
fn key_and_label(g: Grouping, postgres: bool) -> (&'static str, &'static str) {
    match (g, postgres) {
        (Grouping::Day, false) => (
            "date(e.scanned_at, '+7 hours')",
            "date(e.scanned_at, '+7 hours')",
        ),
        (Grouping::Day, true) => (
            "to_char(e.scanned_at + interval '7 hours', 'YYYY-MM-DD')",
            "to_char(e.scanned_at + interval '7 hours', 'YYYY-MM-DD')",
        ),
        (Grouping::Week, false) => (
            "date(e.scanned_at, '+7 hours', 'weekday 0', '-6 days')",
            "date(e.scanned_at, '+7 hours', 'weekday 0', '-6 days')",
        ),
        (Grouping::Week, true) => (
            "to_char(date_trunc('week', e.scanned_at + interval '7 hours'), 'YYYY-MM-DD')",
            "to_char(date_trunc('week', e.scanned_at + interval '7 hours'), 'YYYY-MM-DD')",
        ),
        (Grouping::District, _) => (
            "COALESCE(s.district, '') || '|' || s.province",
            "COALESCE(s.district || ', ', '') || s.province",
        ),
        (Grouping::Product, _) => ("p.id", "p.name_vi"),
        (Grouping::Batch, _) => ("b.id", "p.name_vi || ' — ' || b.lot"),
        // A typed expression: PostgreSQL refuses to group by a bare literal.
        (Grouping::All, _) => ("CAST('all' AS TEXT)", "CAST('all' AS TEXT)"),
    }
}

fn sql(g: Grouping, postgres: bool) -> String {
    let (key, label) = key_and_label(g, postgres);
    let p = |n: usize| {
        if postgres {
            format!("${n}")
        } else {
            "?".to_owned()
        }
    };
    format!(
        "SELECT {key} AS group_key, MIN({label}) AS label, COUNT(*) AS scans, \
         COUNT(DISTINCT e.code) AS unique_codes, \
         SUM(CASE WHEN e.scanned_at = c.first_viewed_at THEN 1 ELSE 0 END) AS first_scans \
         FROM scan_events e \
         JOIN codes k ON k.code = e.code \
         JOIN code_runs r ON r.id = k.run_id \
         JOIN batches b ON b.id = r.batch_id \
         JOIN products p ON p.id = b.product_id \
         JOIN sites s ON s.id = r.farming_area_id \
         LEFT JOIN code_scan_counts c ON c.code = e.code \
         WHERE e.kind = 'view' AND e.scanned_at >= {} AND e.scanned_at < {} \
         AND ({} IS NULL OR b.producer_id = {}) \
         AND ({} IS NULL OR b.product_id = {}) \
         AND ({} IS NULL OR b.id = {}) \
         GROUP BY {key} ORDER BY group_key",
        p(1),
        p(2),
        p(3),
        p(3),
        p(4),
        p(4),
        p(5),
        p(5),
    )
}

/// Consumer views between `from` (inclusive) and `to` (exclusive), UTC.
pub fn scans_grouped(
    conn: &mut DbConnection,
    grouping: Grouping,
    from: NaiveDateTime,
    to: NaiveDateTime,
    f: &ScanFilter,
) -> QueryResult<Vec<GroupRow>> {
    macro_rules! run {
        ($conn:expr, $postgres:expr) => {{
            let query = diesel::sql_query(sql(grouping, $postgres))
                .bind::<Timestamp, _>(from)
                .bind::<Timestamp, _>(to);
            if $postgres {
                query
                    .bind::<Nullable<Text>, _>(f.producer_id.clone())
                    .bind::<Nullable<Text>, _>(f.product_id.clone())
                    .bind::<Nullable<Text>, _>(f.batch_id.clone())
                    .load::<GroupRow>($conn)
            } else {
                // SQLite numbers each `?`: every optional value is bound twice.
                query
                    .bind::<Nullable<Text>, _>(f.producer_id.clone())
                    .bind::<Nullable<Text>, _>(f.producer_id.clone())
                    .bind::<Nullable<Text>, _>(f.product_id.clone())
                    .bind::<Nullable<Text>, _>(f.product_id.clone())
                    .bind::<Nullable<Text>, _>(f.batch_id.clone())
                    .bind::<Nullable<Text>, _>(f.batch_id.clone())
                    .load::<GroupRow>($conn)
            }
        }};
    }
    match conn {
        DbConnection::Sqlite(c) => run!(c, false),
        DbConnection::Pg(c) => run!(c, true),
    }
}
