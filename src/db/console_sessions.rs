//! Web console sessions. Only a hash of the cookie's token is stored.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::DbConnection;
use super::api_keys::ApiKeyRow;
use super::schema::{api_keys, console_sessions, organizations};
use crate::domain::organization::OrgKind;

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = console_sessions)]
pub struct ConsoleSessionRow {
    pub id: String,
    pub api_key_id: String,
    pub csrf_token: String,
    pub created_at: NaiveDateTime,
    pub expires_at: NaiveDateTime,
    pub ended_at: Option<NaiveDateTime>,
}

pub fn insert(conn: &mut DbConnection, row: &ConsoleSessionRow) -> QueryResult<()> {
    diesel::insert_into(console_sessions::table)
        .values(row)
        .execute(conn)
        .map(|_| ())
}

/// A session that is neither ended nor expired at `now`, whose key is not
/// revoked: with its key and the organization's kind and name.
pub fn find_live(
    conn: &mut DbConnection,
    id: &str,
    now: NaiveDateTime,
) -> Result<Option<(ConsoleSessionRow, ApiKeyRow, OrgKind, String)>, super::DbError> {
    let found: Option<(ConsoleSessionRow, ApiKeyRow, String, String)> = console_sessions::table
        .inner_join(api_keys::table.inner_join(organizations::table))
        .filter(console_sessions::id.eq(id))
        .filter(console_sessions::ended_at.is_null())
        .filter(console_sessions::expires_at.gt(now))
        .filter(api_keys::revoked_at.is_null())
        .select((
            ConsoleSessionRow::as_select(),
            ApiKeyRow::as_select(),
            organizations::kind,
            organizations::name,
        ))
        .first(conn)
        .optional()?;
    found
        .map(|(session, key, kind, name)| {
            let kind = super::stored_enum("organization kind", &kind, OrgKind::parse)?;
            Ok((session, key, kind, name))
        })
        .transpose()
}

/// End a session (sign-out); false when it was not live.
pub fn end(conn: &mut DbConnection, id: &str, now: NaiveDateTime) -> QueryResult<bool> {
    diesel::update(
        console_sessions::table
            .filter(console_sessions::id.eq(id))
            .filter(console_sessions::ended_at.is_null()),
    )
    .set(console_sessions::ended_at.eq(now))
    .execute(conn)
    .map(|n| n > 0)
}
