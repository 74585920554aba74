//! API keys: the admin creates them for an organization and revokes them.

use actix_web::{HttpResponse, get, post, web};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;

use super::AppState;
use super::list_answer::list_answer;
use crate::auth::{AdminOnly, Authorized, issue_api_key};
use crate::db;
use crate::db::api_keys::ApiKeyRow;
use crate::domain::pagination::{PageQuery, Paginated};
use crate::domain::text;
use crate::error::ApiError;
use crate::extract::{ApiJson, ListQuery, NoFilters, PathId};

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ApiKeyDraft {
    /// What the key is for, so people can tell keys apart.
    #[schema(example = "label printer, packing house 2")]
    pub label: String,
}

#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct ApiKeyOut {
    pub id: Uuid,
    pub organization_id: Uuid,
    pub label: String,
    /// The first characters of the key, to recognise it.
    #[schema(example = "ocop_3kT9aB")]
    pub key_prefix: String,
    pub created_at: DateTime<Utc>,
    pub last_used_at: Option<DateTime<Utc>>,
    pub revoked_at: Option<DateTime<Utc>>,
}

/// A newly created key. `api_key` is shown this once and never again.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct CreatedApiKey {
    /// The secret key. Store it now: only its hash is kept.
    pub api_key: String,
    #[serde(flatten)]
    pub key: ApiKeyOut,
}

impl TryFrom<ApiKeyRow> for ApiKeyOut {
    type Error = ApiError;
    fn try_from(row: ApiKeyRow) -> Result<Self, ApiError> {
        let uuid = |s: &str| {
            Uuid::parse_str(s).map_err(|e| ApiError::internal(format!("stored id {s:?}: {e}")))
        };
        Ok(Self {
            id: uuid(&row.id)?,
            organization_id: uuid(&row.organization_id)?,
            label: row.label,
            key_prefix: row.key_prefix,
            created_at: row.created_at.and_utc(),
            last_used_at: row.last_used_at.map(|t| t.and_utc()),
            revoked_at: row.revoked_at.map(|t| t.and_utc()),
        })
    }
}

/// Create an API key for an organization (admin only). The key is in the
/// answer once; only its hash is stored.
#[utoipa::path(
    tag = "api-keys",
    security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "Organization id")),
    request_body = ApiKeyDraft,
    responses(
        (status = 201, body = CreatedApiKey),
        (status = 404, response = crate::error::ProblemResponse),
        (status = 422, response = crate::error::ProblemResponse),
    )
)]
#[post("/organizations/{id}/api-keys")]
pub async fn create_api_key(
    state: web::Data<AppState>,
    caller: Authorized<AdminOnly>,
    PathId(org_id): PathId,
    body: ApiJson<ApiKeyDraft>,
) -> Result<HttpResponse, ApiError> {
    let label = body.check(|b| text::required("label", &b.label, 100).map_err(|e| vec![e]))?;
    let actor = caller.actor();
    let (api_key, row) = state
        .services
        .registry_write(move |conn| {
            let (key, row) = issue_api_key(conn, org_id, &label)?;
            let after = serde_json::to_value(ApiKeyOut::try_from(row.clone())?).ok();
            db::audit::record(
                conn,
                actor,
                "api_key.create",
                "api_key",
                &row.id,
                None,
                after.as_ref(),
            )?;
            Ok((key, row))
        })
        .await?;
    tracing::info!(organization_id = %org_id, key_id = %row.id, "API key created");
    Ok(HttpResponse::Created().json(CreatedApiKey {
        api_key,
        key: row.try_into()?,
    }))
}

/// List an organization's API keys, revoked ones included (admin only).
#[utoipa::path(
    tag = "api-keys",
    security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "Organization id"), PageQuery),
    responses(
        (status = 200, body = Paginated<ApiKeyOut>),
        (status = 404, response = crate::error::ProblemResponse),
    )
)]
#[get("/organizations/{id}/api-keys")]
pub async fn list_api_keys(
    state: web::Data<AppState>,
    _caller: Authorized<AdminOnly>,
    PathId(org_id): PathId,
    query: ListQuery<NoFilters>,
) -> Result<HttpResponse, ApiError> {
    let format = query.format;
    let (_query, page) = (query.filters, query.page);
    let found = state
        .services
        .read(move |conn| {
            if db::organizations::find(conn, org_id)?.is_none() {
                return Err(ApiError::not_found("no such organization"));
            }
            Ok(db::api_keys::list_for_org(conn, org_id, page)?)
        })
        .await?;
    list_answer(format, "api-keys", found.try_map(ApiKeyOut::try_from)?)
}

/// Revoke an API key (admin only): it can no longer get tokens. Revoking
/// again is harmless and keeps the first revocation time.
#[utoipa::path(
    tag = "api-keys",
    security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "API key id")),
    responses(
        (status = 200, body = ApiKeyOut),
        (status = 404, response = crate::error::ProblemResponse),
    )
)]
#[post("/api-keys/{id}/revoke")]
pub async fn revoke_api_key(
    state: web::Data<AppState>,
    caller: Authorized<AdminOnly>,
    PathId(key_id): PathId,
) -> Result<web::Json<ApiKeyOut>, ApiError> {
    let actor = caller.actor();
    let row = state
        .services
        .registry_write(move |conn| {
            let before = db::api_keys::find(conn, key_id)?
                .ok_or_else(|| ApiError::not_found("no such API key"))?;
            let row = db::api_keys::revoke(conn, key_id)?
                .ok_or_else(|| ApiError::not_found("no such API key"))?;
            if before.revoked_at.is_none() {
                let after = serde_json::to_value(ApiKeyOut::try_from(row.clone())?).ok();
                db::audit::record(
                    conn,
                    actor,
                    "api_key.revoke",
                    "api_key",
                    &row.id,
                    None,
                    after.as_ref(),
                )?;
            }
            Ok(row)
        })
        .await?;
    if let Some(at) = row.revoked_at {
        state.revoked_keys.insert(row.id.clone(), at);
    }
    tracing::info!(key_id = %row.id, "API key revoked");
    Ok(web::Json(row.try_into()?))
}
