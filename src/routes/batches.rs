//! Batches (lots): producers register them against their products, farming
//! areas and packing facility.

use actix_web::{HttpResponse, get, patch, post, web};
use serde::Deserialize;
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

use super::AppState;
use super::list_answer::list_answer;
use crate::auth::{Authorized, Principal, ProducerOnly, ProducerOrAuthority};
use crate::db::batches::{BatchFilter, BatchRow};
use crate::db::{self};
use crate::domain::batch::{
    BatchDraft, BatchPatch, BatchStatus, apply_batch_patch, parse_new_batch,
};
use crate::domain::pagination::{PageQuery, Paginated};
use crate::domain::site::parse_site_code;
use crate::domain::time::today;
use crate::error::ApiError;
use crate::extract::{ApiJson, ListQuery, PathId};
use crate::services::batch_view::{BatchOut, batch_out};
use crate::services::{access, catalog};

/// Register a batch (producers, for their own products). Its farming areas and
/// packing facility must be active and registered for the producer.
#[utoipa::path(
    tag = "batches",
    security(("bearer" = [])),
    request_body = BatchDraft,
    responses(
        (status = 201, body = BatchOut),
        (status = 409, response = crate::error::ProblemResponse),
        (status = 422, response = crate::error::ProblemResponse),
    )
)]
#[post("/batches")]
pub async fn create_batch(
    state: web::Data<AppState>,
    caller: Authorized<ProducerOnly>,
    body: ApiJson<BatchDraft>,
) -> Result<HttpResponse, ApiError> {
    let today = today();
    let batch = body.check(|d| parse_new_batch(d, today))?;
    let who = caller.principal;
    let out = state
        .services
        .registry_write(move |conn| catalog::create_batch(conn, &who, &batch, today))
        .await?;
    Ok(HttpResponse::Created()
        .insert_header(("Location", format!("/api/v1/batches/{}", out.id)))
        .json(out))
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct BatchListQuery {
    pub product_id: Option<Uuid>,
    pub status: Option<BatchStatus>,
    pub lot: Option<String>,
    /// Only batches from this farming area.
    pub farming_area_code: Option<String>,
    /// Admin, authority, retailer: only this producer's batches.
    pub producer_id: Option<Uuid>,
}

/// List batches, newest first: a producer sees its own, everyone else all.
#[utoipa::path(
    tag = "batches",
    security(("bearer" = [])),
    params(BatchListQuery, PageQuery),
    responses((status = 200, body = Paginated<BatchOut>))
)]
#[get("/batches")]
pub async fn list_batches(
    state: web::Data<AppState>,
    principal: Principal,
    query: ListQuery<BatchListQuery>,
) -> Result<HttpResponse, ApiError> {
    let format = query.format;
    let (q, page) = (query.filters, query.page);
    let farming_area_code = q
        .farming_area_code
        .as_deref()
        .map(|c| parse_site_code("farming_area_code", c))
        .transpose()?;
    let filter = BatchFilter {
        producer_id: principal.own_producer_scope().or(q.producer_id),
        product_id: q.product_id,
        status: q.status,
        lot: q.lot.map(|l| l.trim().to_owned()).filter(|l| !l.is_empty()),
        farming_area_code,
    };
    let out = state
        .services
        .read(move |conn| {
            db::batches::list(conn, &filter, page)?.try_map(|row| batch_out(conn, &row))
        })
        .await?;
    list_answer(format, "batches", out)
}

/// One batch, with its farming areas and packing facility as they are now.
#[utoipa::path(
    tag = "batches",
    security(("bearer" = [])),
    params(("id" = Uuid, Path)),
    responses((status = 200, body = BatchOut), (status = 404, response = crate::error::ProblemResponse))
)]
#[get("/batches/{id}")]
pub async fn get_batch(
    state: web::Data<AppState>,
    principal: Principal,
    PathId(id): PathId,
) -> Result<web::Json<BatchOut>, ApiError> {
    let out = state
        .services
        .read(move |conn| {
            let row = access::visible_batch(conn, &principal, id)?;
            batch_out(conn, &row)
        })
        .await?;
    Ok(web::Json(out))
}

fn require_active(row: &BatchRow) -> Result<(), ApiError> {
    match row.status()? {
        BatchStatus::Active => Ok(()),
        other => Err(ApiError::Conflict {
            field: Some("status".into()),
            reason: format!("the batch is {}", other.as_str()),
        }),
    }
}

/// Correct a batch's dates, quantity or unit (its producer, while active).
#[utoipa::path(
    tag = "batches",
    security(("bearer" = [])),
    params(("id" = Uuid, Path)),
    request_body = BatchPatch,
    responses(
        (status = 200, body = BatchOut),
        (status = 404, response = crate::error::ProblemResponse),
        (status = 409, response = crate::error::ProblemResponse),
        (status = 422, response = crate::error::ProblemResponse),
    )
)]
#[patch("/batches/{id}")]
pub async fn update_batch(
    state: web::Data<AppState>,
    caller: Authorized<ProducerOnly>,
    PathId(id): PathId,
    body: ApiJson<BatchPatch>,
) -> Result<web::Json<BatchOut>, ApiError> {
    let patch = body.into_inner()?;
    let who = caller.principal;
    let out = state
        .services
        .registry_write(move |conn| {
            let mut row = access::own_batch(conn, &who, id)?;
            require_active(&row)?;
            let (dates, quantity, unit) =
                apply_batch_patch(&row.dates(), row.quantity, &row.unit, &patch, today())?;
            row.harvest_date = dates.harvest_date;
            row.production_date = dates.production_date;
            row.best_before = dates.best_before;
            row.quantity = quantity;
            row.unit = unit;
            let row = db::batches::save(conn, row)?;
            batch_out(conn, &row)
        })
        .await?;
    Ok(web::Json(out))
}

/// Close a batch (its producer): no new codes for it; printed codes keep
/// resolving. Closing twice is harmless; a recalled batch stays recalled.
#[utoipa::path(
    tag = "batches",
    security(("bearer" = [])),
    params(("id" = Uuid, Path)),
    responses(
        (status = 200, body = BatchOut),
        (status = 404, response = crate::error::ProblemResponse),
        (status = 409, response = crate::error::ProblemResponse),
    )
)]
#[post("/batches/{id}/close")]
pub async fn close_batch(
    state: web::Data<AppState>,
    caller: Authorized<ProducerOnly>,
    PathId(id): PathId,
) -> Result<web::Json<BatchOut>, ApiError> {
    let who = caller.principal;
    let out = state
        .services
        .registry_write(move |conn| {
            let mut row = access::own_batch(conn, &who, id)?;
            if row.status()? != BatchStatus::Closed {
                require_active(&row)?;
                row.status = BatchStatus::Closed.as_str().to_owned();
                row.closed_at = Some(db::now());
                row = db::batches::save(conn, row)?;
            }
            batch_out(conn, &row)
        })
        .await?;
    Ok(web::Json(out))
}

#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RecallRequest {
    /// Why, in words a consumer understands: it is shown on the scan page.
    #[schema(example = "Phát hiện nấm mốc trong quá trình kiểm tra")]
    pub reason: String,
}

/// Recall a batch (its producer, or the authority for any batch): every code
/// of it shows the recall from the next scan on, verification answers
/// `recalled`, and subscribers (retailers, the authority, the producer) get
/// a signed `recall` webhook. Recalling a recalled batch changes nothing.
#[utoipa::path(
    tag = "batches",
    security(("bearer" = [])),
    params(("id" = Uuid, Path)),
    request_body = RecallRequest,
    responses(
        (status = 200, body = BatchOut),
        (status = 404, response = crate::error::ProblemResponse),
        (status = 422, response = crate::error::ProblemResponse),
    )
)]
#[post("/batches/{id}/recall")]
pub async fn recall_batch(
    state: web::Data<AppState>,
    caller: Authorized<ProducerOrAuthority>,
    PathId(id): PathId,
    body: ApiJson<RecallRequest>,
) -> Result<web::Json<BatchOut>, ApiError> {
    let reason = body
        .check(|r| crate::domain::text::required("reason", &r.reason, 500).map_err(|e| vec![e]))?;
    let out = crate::services::recall::recall_batch(&state.services, caller.principal, id, reason)
        .await?;
    Ok(web::Json(out))
}
