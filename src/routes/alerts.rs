//! Clone alerts: codes that look copied, for their producer and the authority.

use actix_web::{HttpResponse, get, post, web};
use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

use super::AppState;
use super::list_answer::list_answer;
use crate::auth::{Authorized, NotRetailer, ProducerOrAuthority};
use crate::db;
use crate::db::alerts::{AlertFilter, AlertRow};
use crate::db::stored_uuid;
use crate::domain::clone::{AlertStatus, CloneRule};
use crate::domain::pagination::{PageQuery, Paginated};
use crate::domain::time::vietnam_days_utc;
use crate::error::ApiError;
use crate::extract::{ListQuery, PathId, code_filter};
use crate::services::clone_watch::{self, Decision};
use crate::services::counterfeit::{self, CounterfeitReportOut};

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct AlertOut {
    pub id: Uuid,
    pub code: String,
    pub rule: CloneRule,
    /// The numbers behind it (views, distance, speed…).
    pub detail: String,
    pub producer_id: Uuid,
    pub batch_id: Uuid,
    pub raised_at: DateTime<Utc>,
    /// `watch` (seen by the producer and the authority only), `confirmed`
    /// (consumers and shops are warned) or `dismissed`.
    pub status: AlertStatus,
    /// Distinct clients behind the evidence.
    pub clients: i32,
    /// The organization that confirmed or dismissed it by hand.
    pub decided_by: Option<Uuid>,
    pub status_changed_at: Option<DateTime<Utc>>,
}

fn alert_out(row: AlertRow) -> Result<AlertOut, ApiError> {
    Ok(AlertOut {
        id: stored_uuid(&row.id)?,
        rule: CloneRule::parse(&row.rule)
            .ok_or_else(|| ApiError::internal(format!("stored rule {}", row.rule)))?,
        code: row.code,
        detail: row.detail,
        producer_id: stored_uuid(&row.producer_id)?,
        batch_id: stored_uuid(&row.batch_id)?,
        raised_at: row.created_at.and_utc(),
        status: AlertStatus::parse(&row.status)
            .ok_or_else(|| ApiError::internal(format!("stored alert status {}", row.status)))?,
        clients: row.clients,
        decided_by: row.decided_by.as_deref().map(stored_uuid).transpose()?,
        status_changed_at: row.status_changed_at.map(|t| t.and_utc()),
    })
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct AlertListQuery {
    pub code: Option<String>,
    pub rule: Option<CloneRule>,
    pub status: Option<AlertStatus>,
    pub batch_id: Option<Uuid>,
    /// Authority and admin: only this producer's codes.
    pub producer_id: Option<Uuid>,
    /// First day (Vietnam), inclusive.
    pub from: Option<NaiveDate>,
    /// Last day (Vietnam), inclusive.
    pub to: Option<NaiveDate>,
}

/// Suspected clones, newest first: a producer sees alerts on its own codes,
/// the authority and the admin all. An alert starts as a `watch`; consumers
/// and shops are warned only once it is `confirmed` (by enough distinct
/// clients, or by the producer or the authority).
#[utoipa::path(
    tag = "alerts",
    security(("bearer" = [])),
    params(AlertListQuery, PageQuery),
    responses(
        (status = 200, body = Paginated<AlertOut>),
        (status = 422, response = crate::error::ProblemResponse)
    )
)]
#[get("/alerts")]
pub async fn list_alerts(
    state: web::Data<AppState>,
    caller: Authorized<NotRetailer>,
    query: ListQuery<AlertListQuery>,
) -> Result<HttpResponse, ApiError> {
    let format = query.format;
    let (q, page) = (query.filters, query.page);
    let (from, to) = vietnam_days_utc(q.from, q.to)?;
    let code = code_filter(q.code.as_deref())?;
    let filter = AlertFilter {
        producer_id: caller
            .own_producer_scope()
            .or(q.producer_id)
            .map(|p| p.to_string()),
        code: code.map(|c| c.to_string()),
        rule: q.rule.map(|r| r.as_str().to_owned()),
        batch_id: q.batch_id.map(|b| b.to_string()),
        status: q.status.map(|st| st.as_str().to_owned()),
        from,
        to,
    };
    let out = state
        .services
        .read(move |conn| db::alerts::list(conn, &filter, page)?.try_map(alert_out))
        .await?;
    list_answer(format, "alerts", out)
}

async fn decide(
    state: web::Data<AppState>,
    caller: Authorized<ProducerOrAuthority>,
    id: Uuid,
    decision: Decision,
) -> Result<web::Json<AlertOut>, ApiError> {
    let who = caller.principal;
    let alert = state
        .services
        .registry_write_if(move |conn| clone_watch::decide(conn, &who, id, decision))
        .await?;
    Ok(web::Json(alert_out(alert)?))
}

/// Confirm a suspected copy: consumers scanning the code and shops verifying
/// it are warned from now on. The producer (its own codes) or the authority;
/// audited, and the shops that handled the code are told (`clone_alert`).
#[utoipa::path(
    tag = "alerts",
    security(("bearer" = [])),
    params(("id" = Uuid, Path)),
    responses(
        (status = 200, body = AlertOut),
        (status = 403, response = crate::error::ProblemResponse),
        (status = 404, response = crate::error::ProblemResponse),
    )
)]
#[post("/alerts/{id}/confirm")]
pub async fn confirm_alert(
    state: web::Data<AppState>,
    caller: Authorized<ProducerOrAuthority>,
    PathId(id): PathId,
) -> Result<web::Json<AlertOut>, ApiError> {
    decide(state, caller, id, Decision::Confirm).await
}

/// Dismiss an alert found to be nothing (the producer for its own codes, or
/// the authority); the rules do not raise it again. Audited.
#[utoipa::path(
    tag = "alerts",
    security(("bearer" = [])),
    params(("id" = Uuid, Path)),
    responses(
        (status = 200, body = AlertOut),
        (status = 403, response = crate::error::ProblemResponse),
        (status = 404, response = crate::error::ProblemResponse),
    )
)]
#[post("/alerts/{id}/dismiss")]
pub async fn dismiss_alert(
    state: web::Data<AppState>,
    caller: Authorized<ProducerOrAuthority>,
    PathId(id): PathId,
) -> Result<web::Json<AlertOut>, ApiError> {
    decide(state, caller, id, Decision::Dismiss).await
}

/// The reports behind a `counterfeit_report` alert, newest first: where each
/// package was bought, what looked wrong, the reporter's phone if given and
/// the photo's address. The producer (its own codes), the authority, the
/// admin.
#[utoipa::path(
    tag = "alerts",
    security(("bearer" = [])),
    params(("id" = Uuid, Path)),
    responses(
        (status = 200, body = Vec<CounterfeitReportOut>),
        (status = 404, response = crate::error::ProblemResponse),
    )
)]
#[get("/alerts/{id}/reports")]
pub async fn list_alert_reports(
    state: web::Data<AppState>,
    caller: Authorized<NotRetailer>,
    PathId(id): PathId,
) -> Result<web::Json<Vec<CounterfeitReportOut>>, ApiError> {
    let who = caller.principal;
    let out = state
        .services
        .read(move |conn| counterfeit::reports_of_alert(conn, &who, id))
        .await?;
    Ok(web::Json(out))
}

/// A counterfeit report's photo (JPEG, re-encoded without EXIF): for the
/// producer (its own codes), the authority, the admin.
#[utoipa::path(
    tag = "alerts",
    security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "Report id")),
    responses(
        (status = 200, description = "The photo", content_type = "image/jpeg", body = Vec<u8>),
        (status = 404, response = crate::error::ProblemResponse),
    )
)]
#[get("/counterfeit-reports/{id}/photo")]
pub async fn counterfeit_report_photo(
    state: web::Data<AppState>,
    caller: Authorized<NotRetailer>,
    PathId(id): PathId,
) -> Result<HttpResponse, ApiError> {
    let who = caller.principal;
    let jpeg = state
        .services
        .read(move |conn| counterfeit::report_photo(conn, &who, id))
        .await?;
    Ok(HttpResponse::Ok()
        .content_type("image/jpeg")
        // A shopper's photo: kept out of shared caches.
        .insert_header((actix_web::http::header::CACHE_CONTROL, "private, no-store"))
        .body(jpeg))
}
