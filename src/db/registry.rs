//! The registry's version on PostgreSQL, shared by the nodes of one
//! database (`registry_version`, one row), and its channel. SQLite has one
//! node: its version lives in the process alone, and these answer None.

use diesel::connection::SimpleConnection;
use diesel::prelude::*;
use diesel::sql_types::BigInt;

use super::{DbConnection, DbError, DbTarget};

/// The channel every registry write announces its new version on.
pub const CHANNEL: &str = "ocop_registry";
/// How the listening connection is named in `pg_stat_activity`.
pub const LISTENER_NAME: &str = "ocop-trace registry listener";

#[derive(QueryableByName)]
struct Version {
    #[diesel(sql_type = BigInt)]
    version: i64,
}

/// Inside a registry write's transaction: the next version, announced to
/// every listening node when the transaction commits. The row's lock is held
/// until then, so versions commit in order.
pub fn announce(conn: &mut DbConnection) -> Result<Option<u64>, DbError> {
    let DbConnection::Pg(pg) = conn else {
        return Ok(None);
    };
    let row: Version =
        diesel::sql_query("UPDATE registry_version SET version = version + 1 RETURNING version")
            .get_result(pg)?;
    // The payload is the version: a node that sees it needs no read.
    diesel::sql_query(format!("SELECT pg_notify('{CHANNEL}', $1)"))
        .bind::<diesel::sql_types::Text, _>(row.version.to_string())
        .execute(pg)?;
    stored_version(row.version).map(Some)
}

/// The latest committed version (None on SQLite).
pub fn current(conn: &mut DbConnection) -> Result<Option<u64>, DbError> {
    let DbConnection::Pg(pg) = conn else {
        return Ok(None);
    };
    let row: Version = diesel::sql_query("SELECT version FROM registry_version").get_result(pg)?;
    stored_version(row.version).map(Some)
}

pub fn stored_version(version: i64) -> Result<u64, DbError> {
    u64::try_from(version)
        .map_err(|_| DbError::Corrupt(format!("registry_version holds {version}")))
}

/// A connection of its own, listening on the channel (notifications arrive
/// whenever a registry write commits, on any node), and the version
/// committed by then. None on SQLite.
pub fn listen(target: &DbTarget) -> Result<Option<(diesel::PgConnection, u64)>, DbError> {
    let DbTarget::Postgres { url } = target else {
        return Ok(None);
    };
    let mut conn = diesel::PgConnection::establish(url)?;
    conn.batch_execute(&format!("SET application_name = '{LISTENER_NAME}'"))?;
    // Listening first: a write committed after the version is read is
    // announced on this connection.
    conn.batch_execute(&format!("LISTEN {CHANNEL}"))?;
    let mut conn = DbConnection::Pg(conn);
    let version = current(&mut conn)?;
    match (conn, version) {
        (DbConnection::Pg(conn), Some(version)) => Ok(Some((conn, version))),
        _ => Ok(None),
    }
}

/// Is the listening connection still there? (A dead one may stay silent.)
pub fn still_connected(conn: &mut diesel::PgConnection) -> Result<(), DbError> {
    conn.batch_execute("SELECT 1")?;
    Ok(())
}

/// The highest version announced since the last call, without waiting
/// (None: nothing arrived). An error means the connection is gone.
pub fn announced(conn: &mut diesel::PgConnection) -> Result<Option<u64>, DbError> {
    let mut highest = None;
    for notification in conn.notifications_iter() {
        let notification = notification?;
        if notification.channel != CHANNEL {
            continue;
        }
        let version = notification
            .payload
            .parse::<i64>()
            .map_err(|_| {
                DbError::Corrupt(format!("{CHANNEL} announced {:?}", notification.payload))
            })
            .and_then(stored_version)?;
        highest = highest.max(Some(version));
    }
    Ok(highest)
}
