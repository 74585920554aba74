//! Certifications (VietGAP, HACCP, organic…): a producer records its own,
//! the authority anyone's; each recorded one is audited.

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;

use super::access;
use crate::auth::Principal;
use crate::db::certifications::CertificationRow;
use crate::db::{self, DbConnection, stored_uuid};
use crate::domain::certification::{
    CertScheme, CertStatus, CertificationDraft, NewCertification, cert_status,
};
use crate::domain::organization::OrgKind;
use crate::domain::time::today;
use crate::error::ApiError;

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct CertificationOut {
    pub id: Uuid,
    pub producer_id: Uuid,
    /// Null when the certification is the producer's as a whole.
    pub product_id: Option<Uuid>,
    pub scheme: CertScheme,
    /// How the scheme is written on a certificate (or the `scheme_name` given).
    #[schema(example = "VietGAP")]
    pub scheme_label: String,
    pub number: String,
    pub issuer: String,
    pub valid_from: NaiveDate,
    pub valid_until: NaiveDate,
    /// Today, in Vietnam.
    pub status: CertStatus,
    pub created_by: Uuid,
    pub created_at: DateTime<Utc>,
}

impl CertificationOut {
    pub fn from_row(row: &CertificationRow, today: NaiveDate) -> Result<Self, ApiError> {
        let scheme = CertScheme::parse(&row.scheme).ok_or_else(|| {
            ApiError::internal(format!(
                "stored scheme {:?} of certification {}",
                row.scheme, row.id
            ))
        })?;
        Ok(Self {
            id: stored_uuid(&row.id)?,
            producer_id: stored_uuid(&row.producer_id)?,
            product_id: row.product_id.as_deref().map(stored_uuid).transpose()?,
            scheme,
            scheme_label: row
                .scheme_name
                .clone()
                .unwrap_or_else(|| scheme.display_name().to_owned()),
            number: row.number.clone(),
            issuer: row.issuer.clone(),
            valid_from: row.valid_from,
            valid_until: row.valid_until,
            status: cert_status(row.valid_from, row.valid_until, today),
            created_by: stored_uuid(&row.created_by)?,
            created_at: row.created_at.and_utc(),
        })
    }
}

/// Work out which producer (and product) a certification is for, and check
/// the caller may write it.
fn resolve_holder(
    conn: &mut DbConnection,
    who: &Principal,
    draft: &CertificationDraft,
) -> Result<(String, Option<String>), ApiError> {
    if let Some(product_id) = draft.product_id {
        let product = access::visible_product(conn, who, product_id)
            .map_err(|_| ApiError::invalid("product_id", "no such product"))?;
        if draft
            .producer_id
            .is_some_and(|p| p.to_string() != product.producer_id)
        {
            return Err(ApiError::invalid(
                "producer_id",
                "is not the product's producer",
            ));
        }
        return Ok((product.producer_id, Some(product.id)));
    }
    match (who.role, draft.producer_id) {
        (OrgKind::Producer, None) => Ok((who.org_id.to_string(), None)),
        (OrgKind::Producer, Some(p)) if p == who.org_id => Ok((p.to_string(), None)),
        (OrgKind::Producer, Some(_)) => Err(ApiError::invalid("producer_id", "no such producer")),
        (_, None) => Err(ApiError::invalid(
            "producer_id",
            "name the producer (or a product_id)",
        )),
        (_, Some(p)) => {
            db::organizations::find(conn, p)?
                .filter(|o| o.kind == OrgKind::Producer)
                .ok_or_else(|| ApiError::invalid("producer_id", "no such producer"))?;
            Ok((p.to_string(), None))
        }
    }
}

/// Record a checked certification for the producer (or product) the draft
/// names, if the caller may.
pub fn record(
    conn: &mut DbConnection,
    who: &Principal,
    draft: &CertificationDraft,
    cert: &NewCertification,
) -> Result<CertificationOut, ApiError> {
    let (producer_id, product_id) = resolve_holder(conn, who, draft)?;
    let row =
        db::certifications::insert(conn, &producer_id, product_id.as_deref(), cert, who.org_id)?;
    let out = CertificationOut::from_row(&row, today())?;
    let after = serde_json::to_value(&out).ok();
    db::audit::record(
        conn,
        who.actor(),
        "certification.create",
        "certification",
        &row.id,
        None,
        after.as_ref(),
    )?;
    Ok(out)
}
