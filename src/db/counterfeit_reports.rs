//! Consumers' reports of suspected fakes, each under its code's alert.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::DbConnection;
use super::schema::{clone_alerts, counterfeit_reports};

#[derive(Debug, Clone, Insertable)]
#[diesel(table_name = counterfeit_reports)]
pub struct NewReportRow<'a> {
    pub id: &'a str,
    pub alert_id: &'a str,
    pub code: &'a str,
    pub where_bought: Option<&'a str>,
    pub note: Option<&'a str>,
    pub phone: Option<&'a str>,
    pub photo_jpeg: Option<&'a [u8]>,
    pub client_hash: Option<&'a str>,
    pub lang: &'a str,
    pub created_at: NaiveDateTime,
}

/// A report as listed: everything but the photo's bytes.
#[derive(Debug, Clone, Queryable)]
pub struct ReportRow {
    pub id: String,
    pub alert_id: String,
    pub code: String,
    pub where_bought: Option<String>,
    pub note: Option<String>,
    pub phone: Option<String>,
    pub has_photo: bool,
    pub lang: String,
    pub created_at: NaiveDateTime,
}

pub fn insert(conn: &mut DbConnection, row: &NewReportRow<'_>) -> QueryResult<()> {
    diesel::insert_into(counterfeit_reports::table)
        .values(row)
        .execute(conn)
        .map(|_| ())
}

/// How many reports an alert has, and from how many distinct reporters (a
/// report without a client hash counts as its own reporter).
pub fn tally(conn: &mut DbConnection, alert_id: &str) -> QueryResult<(i64, i64)> {
    let reports: i64 = counterfeit_reports::table
        .filter(counterfeit_reports::alert_id.eq(alert_id))
        .count()
        .get_result(conn)?;
    let anonymous: i64 = counterfeit_reports::table
        .filter(counterfeit_reports::alert_id.eq(alert_id))
        .filter(counterfeit_reports::client_hash.is_null())
        .count()
        .get_result(conn)?;
    let known: i64 = counterfeit_reports::table
        .filter(counterfeit_reports::alert_id.eq(alert_id))
        .select(diesel::dsl::count(counterfeit_reports::client_hash).aggregate_distinct())
        .get_result(conn)?;
    Ok((reports, anonymous + known))
}

/// An alert's reports, newest first.
pub fn of_alert(conn: &mut DbConnection, alert_id: &str) -> QueryResult<Vec<ReportRow>> {
    counterfeit_reports::table
        .filter(counterfeit_reports::alert_id.eq(alert_id))
        .select((
            counterfeit_reports::id,
            counterfeit_reports::alert_id,
            counterfeit_reports::code,
            counterfeit_reports::where_bought,
            counterfeit_reports::note,
            counterfeit_reports::phone,
            counterfeit_reports::photo_jpeg.is_not_null(),
            counterfeit_reports::lang,
            counterfeit_reports::created_at,
        ))
        .order((
            counterfeit_reports::created_at.desc(),
            counterfeit_reports::id.desc(),
        ))
        .load(conn)
}

/// A report's photo with the producer whose code it is about (for the
/// access check).
pub fn photo(
    conn: &mut DbConnection,
    report_id: &str,
) -> QueryResult<Option<(String, Option<Vec<u8>>)>> {
    counterfeit_reports::table
        .inner_join(clone_alerts::table)
        .filter(counterfeit_reports::id.eq(report_id))
        .select((clone_alerts::producer_id, counterfeit_reports::photo_jpeg))
        .first(conn)
        .optional()
}
