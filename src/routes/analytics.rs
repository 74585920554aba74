//! Scan analytics for producers (their own) and the authority (all).

use actix_web::{get, web};
use chrono::{Duration, NaiveDate};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

use super::AppState;
use crate::auth::{Authorized, NotRetailer};
use crate::db;
use crate::db::analytics::{GroupRow, Grouping, ScanFilter};
use crate::domain::scan::first_scan_ratio;
use crate::domain::time::vietnam_days_utc;
use crate::domain::time::{check_day, today};
use crate::error::ApiError;
use crate::extract::ApiQuery;

/// The longest range one request covers.
const MAX_DAYS: i64 = 366;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum GroupBy {
    /// Vietnamese calendar days.
    Day,
    /// ISO weeks, keyed by their Monday.
    Week,
    /// The district of the code's farming area (where the product comes from).
    District,
    Product,
    Batch,
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct ScanAnalyticsQuery {
    pub group_by: GroupBy,
    /// First day (Vietnam), inclusive; default 29 days before `to`.
    pub from: Option<NaiveDate>,
    /// Last day (Vietnam), inclusive; default today.
    pub to: Option<NaiveDate>,
    pub product_id: Option<Uuid>,
    pub batch_id: Option<Uuid>,
    /// Authority and admin: only this producer's products.
    pub producer_id: Option<Uuid>,
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct ScanGroup {
    /// The day or week (YYYY-MM-DD), the district, or the product or batch id.
    pub key: String,
    /// How to show the key (a product's or batch's name, "district, province").
    pub label: String,
    /// Consumer views.
    pub scans: i64,
    /// Distinct codes viewed.
    pub unique_codes: i64,
    /// Views that were a code's very first.
    pub first_scans: i64,
    /// first_scans ÷ scans: near 1 means each package is scanned once, as expected.
    pub first_scan_ratio: f64,
}

impl From<GroupRow> for ScanGroup {
    fn from(r: GroupRow) -> Self {
        Self {
            first_scan_ratio: first_scan_ratio(r.first_scans, r.scans),
            key: r.group_key,
            label: r.label,
            scans: r.scans,
            unique_codes: r.unique_codes,
            first_scans: r.first_scans,
        }
    }
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct ScanAnalytics {
    pub group_by: GroupBy,
    pub from: NaiveDate,
    pub to: NaiveDate,
    pub totals: ScanGroup,
    pub groups: Vec<ScanGroup>,
}

/// Consumer scans grouped by day, week, district, product or batch, with
/// unique codes and the first-scan ratio. A producer sees its own products;
/// the authority and the admin all.
#[utoipa::path(
    tag = "analytics",
    security(("bearer" = [])),
    params(ScanAnalyticsQuery),
    responses((status = 200, body = ScanAnalytics), (status = 422, response = crate::error::ProblemResponse))
)]
#[get("/analytics/scans")]
pub async fn scan_analytics(
    state: web::Data<AppState>,
    caller: Authorized<NotRetailer>,
    query: ApiQuery<ScanAnalyticsQuery>,
) -> Result<web::Json<ScanAnalytics>, ApiError> {
    let q = query.into_inner();
    // Checked first: the default `from` is computed from it.
    let to = check_day("to", q.to.unwrap_or_else(today))?;
    let from = q.from.unwrap_or(to - Duration::days(29));
    let (start, end) = vietnam_days_utc(Some(from), Some(to))?;
    if (to - from).num_days() >= MAX_DAYS {
        return Err(ApiError::invalid(
            "from",
            format!("a range covers at most {MAX_DAYS} days"),
        ));
    }
    let (Some(start), Some(end)) = (start, end) else {
        return Err(ApiError::invalid("to", "is not a valid day"));
    };
    let filter = ScanFilter {
        producer_id: caller
            .own_producer_scope()
            .or(q.producer_id)
            .map(|p| p.to_string()),
        product_id: q.product_id.map(|p| p.to_string()),
        batch_id: q.batch_id.map(|b| b.to_string()),
    };
    let grouping = match q.group_by {
        GroupBy::Day => Grouping::Day,
        GroupBy::Week => Grouping::Week,
        GroupBy::District => Grouping::District,
        GroupBy::Product => Grouping::Product,
        GroupBy::Batch => Grouping::Batch,
    };
    let (groups, totals) = state
        .services
        .read(move |conn| {
            let groups = db::analytics::scans_grouped(conn, grouping, start, end, &filter)?;
            let totals = db::analytics::scans_grouped(conn, Grouping::All, start, end, &filter)?;
            Ok((groups, totals))
        })
        .await?;
    let totals = totals.into_iter().next().map_or(
        ScanGroup {
            key: "all".into(),
            label: "all".into(),
            scans: 0,
            unique_codes: 0,
            first_scans: 0,
            first_scan_ratio: 0.0,
        },
        ScanGroup::from,
    );
    Ok(web::Json(ScanAnalytics {
        group_by: q.group_by,
        from,
        to,
        totals,
        groups: groups.into_iter().map(ScanGroup::from).collect(),
    }))
}
