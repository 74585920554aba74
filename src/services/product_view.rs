//! A product and its OCOP rating as every front door shows them (and as the
//! audit log records them).

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;

use crate::db::products::{ProductRow, RatingRow};
use crate::db::{self, DbConnection, stored_enum, stored_uuid};
use crate::domain::ocop::{OcopGroup, RatingLevel, RatingStatus, rating_status};
use crate::domain::time::today;
use crate::error::ApiError;

/// An OCOP rating as shown: an expired rating has no stars, only its status.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct RatingOut {
    pub id: Uuid,
    pub product_id: Uuid,
    /// `expired` once the expiry day (Vietnam time) has passed.
    pub status: RatingStatus,
    /// The stars, while the rating is valid; null once it has expired.
    #[schema(minimum = 3, maximum = 5)]
    pub stars: Option<u8>,
    /// The stars that were awarded, for the record (not for display).
    pub awarded_stars: u8,
    pub certificate_number: String,
    pub level: RatingLevel,
    pub issued_on: NaiveDate,
    pub expires_on: NaiveDate,
    pub awarded_by: Uuid,
    pub created_at: DateTime<Utc>,
}

impl RatingOut {
    pub fn from_row(row: &RatingRow, today: NaiveDate) -> Result<Self, ApiError> {
        let status = rating_status(row.expires_on, today);
        let awarded_stars = super::provenance::view::stored_stars(row.stars)?;
        Ok(Self {
            id: stored_uuid(&row.id)?,
            product_id: stored_uuid(&row.product_id)?,
            status,
            stars: (status == RatingStatus::Valid).then_some(awarded_stars),
            awarded_stars,
            certificate_number: row.certificate_number.clone(),
            level: stored_enum("rating level", &row.level, RatingLevel::parse)?,
            issued_on: row.issued_on,
            expires_on: row.expires_on,
            awarded_by: stored_uuid(&row.awarded_by)?,
            created_at: row.created_at.and_utc(),
        })
    }
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct ProductOut {
    pub id: Uuid,
    pub producer_id: Uuid,
    pub name_vi: String,
    pub name_en: Option<String>,
    pub group: OcopGroup,
    /// The group's Vietnamese name.
    #[schema(example = "Thực phẩm")]
    pub group_name_vi: String,
    /// GTIN-14.
    pub gtin: Option<String>,
    pub description_vi: Option<String>,
    pub description_en: Option<String>,
    pub image_url: Option<String>,
    pub unit: Option<String>,
    /// The current OCOP rating, if the product has one.
    pub ocop: Option<RatingOut>,
    pub archived_at: Option<DateTime<Utc>>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl ProductOut {
    pub fn from_row(
        row: &ProductRow,
        rating: Option<&RatingRow>,
        today: NaiveDate,
    ) -> Result<Self, ApiError> {
        let fields = row.fields()?;
        Ok(Self {
            id: stored_uuid(&row.id)?,
            producer_id: stored_uuid(&row.producer_id)?,
            name_vi: fields.name_vi,
            name_en: fields.name_en,
            group: fields.group,
            group_name_vi: fields.group.name_vi().to_owned(),
            gtin: row.gtin.clone(),
            description_vi: fields.description_vi,
            description_en: fields.description_en,
            image_url: fields.image_url,
            unit: fields.unit,
            ocop: rating.map(|r| RatingOut::from_row(r, today)).transpose()?,
            archived_at: row.archived_at.map(|t| t.and_utc()),
            created_at: row.created_at.and_utc(),
            updated_at: row.updated_at.and_utc(),
        })
    }
}

pub fn product_out(conn: &mut DbConnection, row: &ProductRow) -> Result<ProductOut, ApiError> {
    let rating = db::products::current_rating(conn, row)?;
    ProductOut::from_row(row, rating.as_ref(), today())
}
