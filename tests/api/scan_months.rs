//! `scan_events` partitioned by month on PostgreSQL: the months ahead exist
//! from start-up, a scan lands in its month, and a database migrated from
//! before the partitioning keeps every scan.

use diesel::prelude::*;
use diesel::sql_types::{BigInt, Text, Timestamp};
use diesel_migrations::MigrationHarness;

use crate::helpers::{Backend, TestDatabase, spawn_app};

#[derive(QueryableByName, Debug, PartialEq)]
struct Placed {
    #[diesel(sql_type = BigInt)]
    id: i64,
    #[diesel(sql_type = Text)]
    partition: String,
}

fn placed(conn: &mut PgConnection, code: &str) -> Vec<Placed> {
    diesel::sql_query(
        "SELECT id, tableoid::regclass::text AS partition FROM scan_events WHERE code = $1 ORDER BY id",
    )
    .bind::<Text, _>(code)
    .load(conn)
    .expect("scan events")
}

fn month_of(at: chrono::NaiveDateTime) -> String {
    at.format("scan_events_y%Ym%m").to_string()
}

#[actix_web::test]
async fn a_scan_lands_in_its_month_and_the_months_ahead_are_ready() {
    if !crate::helpers::postgres_wanted() {
        return;
    }
    let app = spawn_app(Backend::Postgres).await;
    let chain = app.chain(1).await;
    let code = chain.codes[0].clone();
    app.scan_json(&code).await;
    let now = chrono::Utc::now().naive_utc();
    let mut conn = PgConnection::establish(&app.database_url).expect("connect");
    let scans = placed(&mut conn, &code);
    assert_eq!(scans.len(), 1);
    assert_eq!(scans[0].partition, month_of(now));
    let months = app
        .with_db(ocop_trace::db::scan_months::existing)
        .expect("partitions");
    let ahead = ocop_trace::domain::scan_months::months_from(
        now.date(),
        ocop_trace::jobs::scan_months::MONTHS_AHEAD,
    )
    .expect("months");
    for month in ahead {
        assert!(
            months.contains(&month.name),
            "{} missing from {months:?}",
            month.name
        );
    }
}

#[actix_web::test]
async fn a_database_from_before_the_partitioning_keeps_every_scan() {
    if !crate::helpers::postgres_wanted() {
        return;
    }
    let (_database, url) = TestDatabase::create(Backend::Postgres);
    let mut conn = PgConnection::establish(&url).expect("connect");
    // Every migration before the partitioning…
    let mut migrations = diesel::migration::MigrationSource::<diesel::pg::Pg>::migrations(
        &ocop_trace::db::POSTGRES_MIGRATIONS,
    )
    .expect("migrations");
    migrations.sort_by_key(|m| m.name().to_string());
    conn.applied_migrations().expect("the migrations table");
    for migration in migrations
        .iter()
        .take_while(|m| !m.name().to_string().contains("scan_events_by_month"))
    {
        conn.run_migration(migration).expect("an earlier migration");
    }
    // …scans from long ago, this month and a clock far ahead…
    let times = [
        chrono::NaiveDate::from_ymd_opt(2025, 3, 4)
            .and_then(|d| d.and_hms_opt(5, 0, 0))
            .expect("date"),
        chrono::Utc::now().naive_utc(),
        chrono::NaiveDate::from_ymd_opt(2031, 1, 31)
            .and_then(|d| d.and_hms_opt(23, 59, 59))
            .expect("date"),
    ];
    for at in times {
        diesel::sql_query(
            "INSERT INTO scan_events (code, kind, scanned_at, lang, ua_family, client_hash) \
             VALUES ('OLD', 'view', $1, 'vi', 'other', 'abc')",
        )
        .bind::<Timestamp, _>(at)
        .execute(&mut conn)
        .expect("an old scan");
    }
    let before = placed(&mut conn, "OLD");
    // …then the rest.
    conn.run_pending_migrations(ocop_trace::db::POSTGRES_MIGRATIONS)
        .expect("the partitioning");
    let after = placed(&mut conn, "OLD");
    assert_eq!(
        after.iter().map(|p| p.id).collect::<Vec<_>>(),
        before.iter().map(|p| p.id).collect::<Vec<_>>(),
        "every scan kept, with its id"
    );
    let partitions: Vec<&str> = after.iter().map(|p| p.partition.as_str()).collect();
    assert_eq!(partitions, times.map(month_of));
    // New scans continue the ids.
    diesel::sql_query(
        "INSERT INTO scan_events (code, kind, scanned_at, lang, ua_family, client_hash) \
         VALUES ('OLD', 'view', now() AT TIME ZONE 'UTC', 'vi', 'other', 'abc')",
    )
    .execute(&mut conn)
    .expect("a new scan");
    let last = placed(&mut conn, "OLD").pop().expect("the new scan");
    assert!(last.id > before.iter().map(|p| p.id).max().unwrap_or(0));
}
