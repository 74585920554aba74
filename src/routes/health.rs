//! Liveness, readiness and the API contract itself.

use actix_web::{HttpResponse, get, web};
use serde::Serialize;
use utoipa::ToSchema;

use super::AppState;
use crate::error::ApiError;

#[derive(Serialize, ToSchema)]
pub struct Health {
    #[schema(example = "ok")]
    pub status: &'static str,
}

#[derive(Serialize, ToSchema)]
pub struct Readiness {
    #[schema(example = "ready")]
    pub status: &'static str,
    /// `sqlite` or `postgres`.
    #[schema(example = "sqlite")]
    pub database: &'static str,
}

/// Is the process alive? Touches nothing else.
#[utoipa::path(tag = "operations", responses((status = 200, body = Health)))]
#[get("/healthz")]
pub async fn healthz() -> web::Json<Health> {
    web::Json(Health { status: "ok" })
}

/// Can the service answer? 503 while the database is unreachable.
#[utoipa::path(
    tag = "operations",
    responses(
        (status = 200, body = Readiness),
        (status = 503, response = crate::error::ProblemResponse),
    )
)]
#[get("/readyz")]
pub async fn readyz(state: web::Data<AppState>) -> Result<web::Json<Readiness>, ApiError> {
    let database = state.db.target().backend_name();
    state.db.check_ready().await.map_err(|cause| {
        tracing::warn!(%cause, "readiness check failed");
        ApiError::Unavailable(format!("the {database} database is not reachable"))
    })?;
    Ok(web::Json(Readiness {
        status: "ready",
        database,
    }))
}

/// This API's OpenAPI 3.1 document (the contract, generated from the code).
#[utoipa::path(
    tag = "operations",
    // The document is a YAML mapping, not a string: a client that parses
    // the answer must not be told to expect text.
    responses((status = 200, description = "OpenAPI document", content_type = "application/yaml", body = Object))
)]
#[get("/openapi.yaml")]
pub async fn openapi_yaml(state: web::Data<AppState>) -> HttpResponse {
    HttpResponse::Ok()
        .content_type("application/yaml; charset=utf-8")
        .body(state.openapi_yaml.clone())
}
