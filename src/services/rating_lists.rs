//! The authority's lists of OCOP ratings: which products' stars are
//! current, due for re-evaluation or already expired, with whom to call and
//! whether labels are still being issued under an expired rating.

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;

use super::product_view::RatingOut;
use crate::db::{self, DbConnection, stored_uuid};
use crate::domain::ocop::{RatingStanding, expiry_days, standing};
use crate::domain::pagination::{Page, Paginated};
use crate::domain::time::end_of_vietnam_day_utc;
use crate::error::ApiError;

/// A product's current rating, where it stands, and its producer.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct RatedProduct {
    pub rating: RatingOut,
    /// `current`, `expiring` (valid, ends within the window) or `expired`.
    pub standing: RatingStanding,
    /// Days left until the rating expires (0 = expires today, negative =
    /// expired that many days ago).
    pub days_left: i64,
    pub product_id: Uuid,
    pub product_name_vi: String,
    pub producer_id: Uuid,
    pub producer_name: String,
    /// The producer's contact phone, as registered.
    pub producer_phone: Option<String>,
    /// Codes issued for the product's batches after the rating expired:
    /// labels printed under stars the product no longer holds (0 while
    /// the rating is valid).
    pub codes_issued_after_expiry: i64,
}

/// What to list: ratings of one standing (all when `None`), the window
/// `expiring` looks ahead by, and whose products (`None`: everyone's).
#[derive(Debug, Clone, Copy)]
pub struct RatingListFilter {
    pub standing: Option<RatingStanding>,
    pub window_days: u32,
    pub producer: Option<Uuid>,
}

/// Products' current ratings by standing, soonest expiry first.
pub fn rated_products(
    conn: &mut DbConnection,
    filter: RatingListFilter,
    today: chrono::NaiveDate,
    page: Page,
) -> Result<Paginated<RatedProduct>, ApiError> {
    let (from, until) = expiry_days(filter.standing, today, filter.window_days);
    let found = db::products::current_ratings(conn, filter.producer, from, until, page)?;
    found.try_map(|(rating, product, producer)| {
        let standing = standing(rating.expires_on, today, filter.window_days);
        let codes_issued_after_expiry = match end_of_vietnam_day_utc(rating.expires_on) {
            Some(expired_at) if standing == RatingStanding::Expired => {
                db::products::codes_issued_since(conn, &product.id, expired_at)?
            }
            _ => 0,
        };
        Ok(RatedProduct {
            rating: RatingOut::from_row(&rating, today)?,
            standing,
            days_left: (rating.expires_on - today).num_days(),
            product_id: stored_uuid(&product.id)?,
            product_name_vi: product.name_vi,
            producer_id: stored_uuid(&product.producer_id)?,
            producer_name: producer.name,
            producer_phone: producer.contact_phone,
            codes_issued_after_expiry,
        })
    })
}
