//! Clone alerts: codes that look copied, for their producer and the authority.

use actix_web::{get, web};
use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

use super::{AppState, page, stored_uuid};
use crate::auth::{Authorized, NotRetailer};
use crate::db;
use crate::db::alerts::{AlertFilter, AlertRow};
use crate::domain::clone::CloneRule;
use crate::domain::pagination::Paginated;
use crate::domain::time::vietnam_days_utc;
use crate::error::ApiError;
use crate::extract::{ApiQuery, code_filter};

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
}

fn alert_out(row: AlertRow) -> Result<AlertOut, ApiError> {
    Ok(AlertOut {
        id: stored_uuid(&row.id)?,
        rule: CloneRule::parse(&row.rule)
            .ok_or_else(|| ApiError::Internal(format!("stored rule {}", row.rule)))?,
        code: row.code,
        detail: row.detail,
        producer_id: stored_uuid(&row.producer_id)?,
        batch_id: stored_uuid(&row.batch_id)?,
        raised_at: row.created_at.and_utc(),
    })
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct AlertListQuery {
    pub code: Option<String>,
    pub rule: Option<CloneRule>,
    pub batch_id: Option<Uuid>,
    /// Authority and admin: only this producer's codes.
    pub producer_id: Option<Uuid>,
    /// First day (Vietnam), inclusive.
    pub from: Option<NaiveDate>,
    /// Last day (Vietnam), inclusive.
    pub to: Option<NaiveDate>,
    #[param(minimum = 1, default = 1)]
    pub page: Option<u32>,
    #[param(minimum = 1, maximum = 100, default = 20)]
    pub per_page: Option<u32>,
}

/// Suspected clones, newest first: a producer sees alerts on its own codes,
/// the authority and the admin all.
#[utoipa::path(
    tag = "alerts",
    security(("bearer" = [])),
    params(AlertListQuery),
    responses((status = 200, body = Paginated<AlertOut>))
)]
#[get("/alerts")]
pub async fn list_alerts(
    state: web::Data<AppState>,
    caller: Authorized<NotRetailer>,
    query: ApiQuery<AlertListQuery>,
) -> Result<web::Json<Paginated<AlertOut>>, ApiError> {
    let q = query.into_inner();
    let page = page(q.page, q.per_page)?;
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
        from,
        to,
    };
    let out = state
        .db
        .run(move |conn| db::alerts::list(conn, &filter, page)?.try_map(alert_out))
        .await?;
    Ok(web::Json(out))
}
