//! Audit log of authority and admin actions.

use chrono::NaiveDateTime;
use diesel::prelude::*;
use uuid::Uuid;

use super::DbConnection;
use super::schema::audit_log;
use crate::domain::organization::OrgKind;
use crate::domain::pagination::{Page, Paginated};

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = audit_log)]
pub struct AuditRow {
    pub id: String,
    pub actor_org_id: String,
    pub actor_role: String,
    pub action: String,
    pub entity_type: String,
    pub entity_id: String,
    pub before_json: Option<String>,
    pub after_json: Option<String>,
    pub at: NaiveDateTime,
}

/// Who did it.
#[derive(Debug, Clone, Copy)]
pub struct Actor {
    pub org_id: Uuid,
    pub role: OrgKind,
}

/// Record one action, inside the caller's transaction so it lands with it.
pub fn record(
    conn: &mut DbConnection,
    actor: Actor,
    action: &str,
    entity_type: &str,
    entity_id: &str,
    before: Option<&serde_json::Value>,
    after: Option<&serde_json::Value>,
) -> QueryResult<()> {
    let row = AuditRow {
        id: Uuid::now_v7().to_string(),
        actor_org_id: actor.org_id.to_string(),
        actor_role: actor.role.as_str().to_owned(),
        action: action.to_owned(),
        entity_type: entity_type.to_owned(),
        entity_id: entity_id.to_owned(),
        before_json: before.map(ToString::to_string),
        after_json: after.map(ToString::to_string),
        at: super::now(),
    };
    diesel::insert_into(audit_log::table)
        .values(&row)
        .execute(conn)
        .map(|_| ())
}

#[derive(Debug, Clone, Default)]
pub struct AuditFilter {
    pub entity_type: Option<String>,
    pub entity_id: Option<String>,
    pub actor_org_id: Option<String>,
    pub action: Option<String>,
}

pub fn list(
    conn: &mut DbConnection,
    f: &AuditFilter,
    page: Page,
) -> QueryResult<Paginated<AuditRow>> {
    let query = || {
        let mut q = audit_log::table.into_boxed();
        if let Some(v) = &f.entity_type {
            q = q.filter(audit_log::entity_type.eq(v.clone()));
        }
        if let Some(v) = &f.entity_id {
            q = q.filter(audit_log::entity_id.eq(v.clone()));
        }
        if let Some(v) = &f.actor_org_id {
            q = q.filter(audit_log::actor_org_id.eq(v.clone()));
        }
        if let Some(v) = &f.action {
            q = q.filter(audit_log::action.eq(v.clone()));
        }
        q
    };
    let total = query().count().get_result(conn)?;
    let rows = query()
        .select(AuditRow::as_select())
        .order(audit_log::id.desc())
        .offset(page.offset())
        .limit(page.limit())
        .load(conn)?;
    Ok(Paginated::new(rows, page, total))
}
