//! The audit log: authority and admin actions, and every change of a certification.

use actix_web::{HttpResponse, get, web};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

use super::AppState;
use super::list_answer::list_answer;
use crate::auth::{AdminOrAuthority, Authorized};
use crate::db;
use crate::db::audit::{AuditFilter, AuditRow};
use crate::db::{stored_enum, stored_uuid};
use crate::domain::organization::OrgKind;
use crate::domain::pagination::{PageQuery, Paginated};
use crate::error::ApiError;
use crate::extract::ListQuery;

#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct AuditEntry {
    pub id: Uuid,
    pub actor_org_id: Uuid,
    pub actor_role: OrgKind,
    /// What was done, e.g. `farming_area.status`.
    pub action: String,
    pub entity_type: String,
    pub entity_id: String,
    /// The entity before (null for creations).
    pub before: Option<serde_json::Value>,
    pub after: Option<serde_json::Value>,
    pub at: DateTime<Utc>,
}

impl AuditEntry {
    fn from_row(row: AuditRow) -> Result<Self, ApiError> {
        let parse = |s: Option<String>| s.and_then(|s| serde_json::from_str(&s).ok());
        Ok(Self {
            id: stored_uuid(&row.id)?,
            actor_org_id: stored_uuid(&row.actor_org_id)?,
            actor_role: stored_enum("actor role", &row.actor_role, OrgKind::parse)?,
            action: row.action,
            entity_type: row.entity_type,
            entity_id: row.entity_id,
            before: parse(row.before_json),
            after: parse(row.after_json),
            at: row.at.and_utc(),
        })
    }
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct AuditQuery {
    /// e.g. `site`, `product`, `organization`, `api_key`, `certification`.
    pub entity_type: Option<String>,
    pub entity_id: Option<String>,
    pub actor_org_id: Option<Uuid>,
    pub action: Option<String>,
}

/// What the authority and the admin did, newest first (admin and authority).
#[utoipa::path(
    tag = "audit",
    security(("bearer" = [])),
    params(AuditQuery, PageQuery),
    responses((status = 200, body = Paginated<AuditEntry>))
)]
#[get("/audit-log")]
pub async fn list_audit_log(
    state: web::Data<AppState>,
    _caller: Authorized<AdminOrAuthority>,
    query: ListQuery<AuditQuery>,
) -> Result<HttpResponse, ApiError> {
    let format = query.format;
    let (q, page) = (query.filters, query.page);
    let filter = AuditFilter {
        entity_type: q.entity_type,
        entity_id: q.entity_id,
        actor_org_id: q.actor_org_id.map(|id| id.to_string()),
        action: q.action,
    };
    let out = state
        .services
        .read(move |conn| db::audit::list(conn, &filter, page)?.try_map(AuditEntry::from_row))
        .await?;
    list_answer(format, "audit-log", out)
}
