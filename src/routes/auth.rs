//! Exchanging an API key for an access token; who am I.

use actix_web::{post, web};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;

use super::AppState;
use crate::auth::hash_api_key;
use crate::db;
use crate::domain::organization::OrgKind;
use crate::error::ApiError;
use crate::extract::ApiJson;

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TokenRequest {
    /// The API key, as printed once when it was created.
    #[schema(example = "ocop_3kT9…")]
    pub api_key: String,
}

#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct TokenResponse {
    /// Send as `Authorization: Bearer <access_token>`.
    pub access_token: String,
    #[schema(example = "Bearer")]
    pub token_type: String,
    /// Seconds until the token expires.
    #[schema(example = 900)]
    pub expires_in: u64,
    pub organization_id: Uuid,
    pub role: OrgKind,
}

/// Exchange an API key for a short-lived access token (JWT, HS256).
#[utoipa::path(
    tag = "auth",
    request_body = TokenRequest,
    responses(
        (status = 200, body = TokenResponse),
        (status = 400, response = crate::error::ProblemResponse),
        (status = 401, response = crate::error::ProblemResponse),
    )
)]
#[post("/auth/token")]
pub async fn issue_token(
    state: web::Data<AppState>,
    body: ApiJson<TokenRequest>,
) -> Result<web::Json<TokenResponse>, ApiError> {
    let key_hash = hash_api_key(&body.into_inner()?.api_key);
    let found = state
        .services
        .read(move |conn| {
            let found = db::api_keys::find_active_by_hash(conn, &key_hash)?;
            if let Some((key, _)) = &found {
                db::api_keys::touch_last_used(conn, &key.id)?;
            }
            Ok(found)
        })
        .await?;
    let (key, role) =
        found.ok_or_else(|| ApiError::Unauthorized("unknown or revoked API key".into()))?;
    let org_id = Uuid::parse_str(&key.organization_id)
        .map_err(|e| ApiError::internal(format!("stored organization id: {e}")))?;
    let ttl = state.settings.token_ttl;
    let access_token = state
        .jwt
        .issue(org_id, role, &key.id, ttl)
        .map_err(|e| ApiError::internal(e.to_string()))?;
    tracing::info!(organization_id = %org_id, key_id = %key.id, "access token issued");
    Ok(web::Json(TokenResponse {
        access_token,
        token_type: "Bearer".into(),
        expires_in: ttl.as_secs(),
        organization_id: org_id,
        role,
    }))
}
