//! API keys table. Only a hash of each key is stored.

use chrono::NaiveDateTime;
use diesel::prelude::*;
use uuid::Uuid;

use super::DbConnection;
use super::schema::{api_keys, organizations};
use crate::domain::organization::OrgKind;
use crate::domain::pagination::{Page, Paginated};

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = api_keys)]
pub struct ApiKeyRow {
    pub id: String,
    pub organization_id: String,
    pub label: String,
    pub key_prefix: String,
    pub key_hash: String,
    pub created_at: NaiveDateTime,
    pub last_used_at: Option<NaiveDateTime>,
    pub revoked_at: Option<NaiveDateTime>,
}

pub fn insert(
    conn: &mut DbConnection,
    organization_id: Uuid,
    label: &str,
    key_prefix: &str,
    key_hash: &str,
) -> QueryResult<ApiKeyRow> {
    let row = ApiKeyRow {
        id: Uuid::now_v7().to_string(),
        organization_id: organization_id.to_string(),
        label: label.to_owned(),
        key_prefix: key_prefix.to_owned(),
        key_hash: key_hash.to_owned(),
        created_at: super::now(),
        last_used_at: None,
        revoked_at: None,
    };
    diesel::insert_into(api_keys::table)
        .values(&row)
        .execute(conn)?;
    Ok(row)
}

/// The live key with this hash, with its organization's kind.
pub fn find_active_by_hash(
    conn: &mut DbConnection,
    key_hash: &str,
) -> Result<Option<(ApiKeyRow, OrgKind)>, super::DbError> {
    let found: Option<(ApiKeyRow, String)> = api_keys::table
        .inner_join(organizations::table)
        .filter(api_keys::key_hash.eq(key_hash))
        .filter(api_keys::revoked_at.is_null())
        .select((ApiKeyRow::as_select(), organizations::kind))
        .first(conn)
        .optional()?;
    found
        .map(|(row, kind)| {
            let kind = super::stored_enum("organization kind", &kind, OrgKind::parse)?;
            Ok((row, kind))
        })
        .transpose()
}

pub fn touch_last_used(conn: &mut DbConnection, id: &str) -> QueryResult<()> {
    diesel::update(api_keys::table.find(id))
        .set(api_keys::last_used_at.eq(super::now()))
        .execute(conn)
        .map(|_| ())
}

pub fn find(conn: &mut DbConnection, id: Uuid) -> QueryResult<Option<ApiKeyRow>> {
    api_keys::table
        .find(id.to_string())
        .select(ApiKeyRow::as_select())
        .first(conn)
        .optional()
}

pub fn list_for_org(
    conn: &mut DbConnection,
    organization_id: Uuid,
    page: Page,
) -> QueryResult<Paginated<ApiKeyRow>> {
    let org = organization_id.to_string();
    let total = api_keys::table
        .filter(api_keys::organization_id.eq(&org))
        .count()
        .get_result(conn)?;
    let rows = api_keys::table
        .filter(api_keys::organization_id.eq(&org))
        .select(ApiKeyRow::as_select())
        .order(api_keys::id.asc())
        .offset(page.offset())
        .limit(page.limit())
        .load(conn)?;
    Ok(Paginated::new(rows, page, total))
}

/// Revoke a key; revoking twice keeps the first time. Returns the key after.
pub fn revoke(conn: &mut DbConnection, id: Uuid) -> QueryResult<Option<ApiKeyRow>> {
    diesel::update(
        api_keys::table
            .find(id.to_string())
            .filter(api_keys::revoked_at.is_null()),
    )
    .set(api_keys::revoked_at.eq(super::now()))
    .execute(conn)?;
    find(conn, id)
}

/// Keys revoked at or after `since`, with when.
pub fn revoked_since(
    conn: &mut DbConnection,
    since: NaiveDateTime,
) -> QueryResult<Vec<(String, NaiveDateTime)>> {
    api_keys::table
        .filter(api_keys::revoked_at.ge(since))
        .select((api_keys::id, api_keys::revoked_at.assume_not_null()))
        .load(conn)
}
