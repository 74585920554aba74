//! Batches (lots): producers register them against their products, farming
//! areas and packing facility.

use actix_web::{HttpResponse, get, patch, post, web};
use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

use super::products::load_own_product;
use super::{AppState, page, stored_uuid, today};
use crate::auth::{Authorized, Principal, ProducerOnly, ProducerOrAuthority};
use crate::db::batches::{BatchFilter, BatchRow};
use crate::db::sites::SiteRow;
use crate::db::{self, DbConnection};
use crate::domain::batch::{
    BatchDraft, BatchPatch, BatchStatus, apply_batch_patch, parse_new_batch,
};
use crate::domain::organization::OrgKind;
use crate::domain::pagination::Paginated;
use crate::domain::site::{SiteKind, SiteStatus, parse_site_code, site_usable};
use crate::domain::supply::BizStep;
use crate::domain::webhook::WebhookEvent;
use crate::error::{ApiError, FieldError};
use crate::extract::{ApiJson, ApiQuery, parse_uuid};
use crate::webhooks::{Retailers, notify};

/// A farming area or packing facility as a batch refers to it.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct SiteRef {
    pub id: Uuid,
    pub code: String,
    pub name: String,
    /// Its status now (a suspension after the batch was made shows here).
    pub status: SiteStatus,
    pub target_market: String,
}

impl SiteRef {
    pub fn from_row(row: &SiteRow) -> Result<Self, ApiError> {
        Ok(Self {
            id: stored_uuid(&row.id)?,
            code: row.code.clone(),
            name: row.name.clone(),
            status: row.status(),
            target_market: row.target_market.clone(),
        })
    }
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct BatchOut {
    pub id: Uuid,
    pub product_id: Uuid,
    pub producer_id: Uuid,
    /// GS1 AI 10 lot number, as printed.
    pub lot: String,
    pub farming_areas: Vec<SiteRef>,
    pub packing_facility: Option<SiteRef>,
    pub harvest_date: Option<NaiveDate>,
    pub production_date: Option<NaiveDate>,
    pub best_before: Option<NaiveDate>,
    pub quantity: f64,
    pub unit: String,
    pub status: BatchStatus,
    pub recall_reason: Option<String>,
    pub recalled_at: Option<DateTime<Utc>>,
    pub closed_at: Option<DateTime<Utc>>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

pub fn batch_out(conn: &mut DbConnection, row: &BatchRow) -> Result<BatchOut, ApiError> {
    let area_ids = db::batches::farming_area_ids(conn, &row.id)?;
    let mut site_ids = area_ids.clone();
    site_ids.extend(row.packing_facility_id.clone());
    let sites = db::sites::by_ids(conn, &site_ids)?;
    let farming_areas = sites
        .iter()
        .filter(|s| area_ids.contains(&s.id))
        .map(SiteRef::from_row)
        .collect::<Result<Vec<_>, _>>()?;
    let packing_facility = row
        .packing_facility_id
        .as_ref()
        .and_then(|id| sites.iter().find(|s| &s.id == id))
        .map(SiteRef::from_row)
        .transpose()?;
    Ok(BatchOut {
        id: stored_uuid(&row.id)?,
        product_id: stored_uuid(&row.product_id)?,
        producer_id: stored_uuid(&row.producer_id)?,
        lot: row.lot.clone(),
        farming_areas,
        packing_facility,
        harvest_date: row.harvest_date,
        production_date: row.production_date,
        best_before: row.best_before,
        quantity: row.quantity,
        unit: row.unit.clone(),
        status: row.status(),
        recall_reason: row.recall_reason.clone(),
        recalled_at: row.recalled_at.map(|t| t.and_utc()),
        closed_at: row.closed_at.map(|t| t.and_utc()),
        created_at: row.created_at.and_utc(),
        updated_at: row.updated_at.and_utc(),
    })
}

/// A site a producer may use today, by code; the reason otherwise, on `field`.
pub fn usable_site(
    conn: &mut DbConnection,
    producer_id: Uuid,
    kind: SiteKind,
    field: &str,
    code: &str,
    today: NaiveDate,
) -> Result<SiteRow, FieldError> {
    let code = parse_site_code(field, code)?;
    let site = db::sites::find_by_code(conn, kind, &code)
        .map_err(|e| FieldError::new(field, format!("could not be checked: {e}")))?
        .ok_or_else(|| FieldError::new(field, format!("no {} has code {code}", kind.noun())))?;
    let linked = db::sites::is_linked(conn, &site.id, producer_id)
        .map_err(|e| FieldError::new(field, format!("could not be checked: {e}")))?;
    if !linked {
        return Err(FieldError::new(
            field,
            format!("{code} is not registered for you"),
        ));
    }
    site_usable(site.status(), site.valid_until, today)
        .map_err(|why| FieldError::new(field, format!("{code} can't be used: {why}")))?;
    Ok(site)
}

/// The batch if the caller may see it (producers: their own).
pub fn load_visible_batch(
    conn: &mut DbConnection,
    who: &Principal,
    id: Uuid,
) -> Result<BatchRow, ApiError> {
    db::batches::find(conn, id)?
        .filter(|b| who.can_see(&b.producer_id))
        .ok_or_else(|| ApiError::not_found("no such batch"))
}

/// The batch if the caller is its producer.
pub fn load_own_batch(
    conn: &mut DbConnection,
    who: &Principal,
    id: Uuid,
) -> Result<BatchRow, ApiError> {
    db::batches::find(conn, id)?
        .filter(|b| b.producer_id == who.org_id.to_string())
        .ok_or_else(|| ApiError::not_found("no such batch"))
}

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
    let batch = parse_new_batch(&body.into_inner(), today)?;
    let who = caller.principal;
    let out = state
        .db
        .transaction(move |conn| {
            let product = load_own_product(conn, &who, batch.product_id)
                .map_err(|_| ApiError::invalid("product_id", "no such product"))?;
            if product.archived_at.is_some() {
                return Err(ApiError::invalid("product_id", "the product is archived"));
            }
            let mut errors = Vec::new();
            let mut area_ids = Vec::new();
            for (i, code) in batch.farming_area_codes.iter().enumerate() {
                let field = format!("farming_area_codes[{i}]");
                match usable_site(conn, who.org_id, SiteKind::FarmingArea, &field, code, today) {
                    Ok(site) => area_ids.push(site.id),
                    Err(e) => errors.push(e),
                }
            }
            let packing_id = match &batch.packing_facility_code {
                Some(code) => match usable_site(
                    conn,
                    who.org_id,
                    SiteKind::PackingFacility,
                    "packing_facility_code",
                    code,
                    today,
                ) {
                    Ok(site) => Some(site.id),
                    Err(e) => {
                        errors.push(e);
                        None
                    }
                },
                None => None,
            };
            if !errors.is_empty() {
                return Err(ApiError::Validation(errors));
            }
            if db::batches::lot_taken(conn, batch.product_id, batch.lot.as_str())? {
                return Err(ApiError::Conflict {
                    field: Some("lot".into()),
                    reason: "this product already has a batch with this lot number".into(),
                });
            }
            let row = db::batches::insert(conn, who.org_id, &batch, &area_ids, packing_id)?;
            batch_out(conn, &row)
        })
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
    #[param(minimum = 1, default = 1)]
    pub page: Option<u32>,
    #[param(minimum = 1, maximum = 100, default = 20)]
    pub per_page: Option<u32>,
}

/// List batches, newest first: a producer sees its own, everyone else all.
#[utoipa::path(
    tag = "batches",
    security(("bearer" = [])),
    params(BatchListQuery),
    responses((status = 200, body = Paginated<BatchOut>))
)]
#[get("/batches")]
pub async fn list_batches(
    state: web::Data<AppState>,
    principal: Principal,
    query: ApiQuery<BatchListQuery>,
) -> Result<web::Json<Paginated<BatchOut>>, ApiError> {
    let q = query.into_inner();
    let page = page(q.page, q.per_page)?;
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
        .db
        .run(move |conn| {
            db::batches::list(conn, &filter, page)?.try_map(|row| batch_out(conn, &row))
        })
        .await?;
    Ok(web::Json(out))
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
    id: web::Path<String>,
) -> Result<web::Json<BatchOut>, ApiError> {
    let id = parse_uuid("id", &id)?;
    let out = state
        .db
        .run(move |conn| {
            let row = load_visible_batch(conn, &principal, id)?;
            batch_out(conn, &row)
        })
        .await?;
    Ok(web::Json(out))
}

fn require_active(row: &BatchRow) -> Result<(), ApiError> {
    match row.status() {
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
    id: web::Path<String>,
    body: ApiJson<BatchPatch>,
) -> Result<web::Json<BatchOut>, ApiError> {
    let id = parse_uuid("id", &id)?;
    let patch = body.into_inner();
    let who = caller.principal;
    let out = state
        .db
        .transaction(move |conn| {
            let mut row = load_own_batch(conn, &who, id)?;
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
    id: web::Path<String>,
) -> Result<web::Json<BatchOut>, ApiError> {
    let id = parse_uuid("id", &id)?;
    let who = caller.principal;
    let out = state
        .db
        .transaction(move |conn| {
            let mut row = load_own_batch(conn, &who, id)?;
            if row.status() != BatchStatus::Closed {
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
    id: web::Path<String>,
    body: ApiJson<RecallRequest>,
) -> Result<web::Json<BatchOut>, ApiError> {
    let id = parse_uuid("id", &id)?;
    let reason = crate::domain::text::required("reason", &body.into_inner().reason, 500)?;
    let who = caller.principal;
    let out = state
        .db
        .transaction(move |conn| {
            let mut row = load_visible_batch(conn, &who, id)?;
            if row.status() == BatchStatus::Recalled {
                return batch_out(conn, &row);
            }
            let before = serde_json::to_value(batch_out(conn, &row)?).ok();
            let now = db::now();
            row.status = BatchStatus::Recalled.as_str().to_owned();
            row.recall_reason = Some(reason.clone());
            row.recalled_at = Some(now);
            let row = db::batches::save(conn, row)?;
            let code_count: i32 = db::codes::runs_of_batch(conn, &row.id)?
                .iter()
                .map(|r| r.count)
                .sum();
            let recorder = db::organizations::find(conn, who.org_id)?;
            db::events::insert(
                conn,
                &db::events::SupplyEventRow {
                    id: db::events::new_event_id(),
                    org_id: who.org_id.to_string(),
                    biz_step: BizStep::Recalling.as_str().into(),
                    disposition: BizStep::Recalling.default_disposition().as_str().into(),
                    scope: "batch".into(),
                    batch_id: Some(row.id.clone()),
                    run_id: None,
                    code_count,
                    event_time: now,
                    recorded_at: now,
                    location_name: None,
                    province: recorder.map(|o| o.address.province),
                    latitude: None,
                    longitude: None,
                    destination_org_id: None,
                    note: Some(reason.clone()),
                },
                &[],
            )?;
            let out = batch_out(conn, &row)?;
            if who.is(OrgKind::Authority) {
                db::audit::record(
                    conn,
                    who.actor(),
                    "recall",
                    "batch",
                    &row.id,
                    before.as_ref(),
                    serde_json::to_value(&out).ok().as_ref(),
                )?;
            }
            let product = db::products::find(conn, stored_uuid(&row.product_id)?)?;
            notify(
                conn,
                WebhookEvent::Recall,
                &row.producer_id,
                Retailers::All,
                serde_json::json!({
                    "batch_id": out.id,
                    "lot": out.lot,
                    "product_id": out.product_id,
                    "product_name": product.as_ref().map(|p| p.name_vi.clone()),
                    "gtin": product.and_then(|p| p.gtin),
                    "producer_id": out.producer_id,
                    "reason": reason,
                    "recalled_at": out.recalled_at,
                    "recalled_by": who.role.as_str(),
                    "code_count": code_count,
                }),
            )?;
            Ok(out)
        })
        .await?;
    Ok(web::Json(out))
}
