//! Registering what the registry is made of: products, their OCOP ratings
//! and their batches. Each function runs on the caller's connection, so a
//! front door chooses the transaction (one request, or the whole demo seed).

use chrono::NaiveDate;
use uuid::Uuid;

use super::access;
use super::batch_view::{BatchOut, batch_out};
use super::product_view::{ProductOut, RatingOut};
use crate::auth::Principal;
use crate::db::sites::SiteRow;
use crate::db::{self, DbConnection};
use crate::domain::batch::NewBatch;
use crate::domain::ocop::NewRating;
use crate::domain::product::ProductFields;
use crate::domain::site::{SiteKind, parse_site_code, site_usable};
use crate::domain::time::today;
use crate::error::{ApiError, FieldError};

pub fn check_gtin_free(
    conn: &mut DbConnection,
    gtin: Option<&str>,
    except: Option<&str>,
) -> Result<(), ApiError> {
    if let Some(gtin) = gtin
        && db::products::gtin_taken_by_other(conn, gtin, except)?
    {
        return Err(ApiError::Conflict {
            field: Some("gtin".into()),
            reason: "another product already has this GTIN".into(),
        });
    }
    Ok(())
}

/// Register a product of `producer`; its GTIN, if any, must be free.
pub fn register_product(
    conn: &mut DbConnection,
    producer: Uuid,
    fields: &ProductFields,
) -> Result<ProductOut, ApiError> {
    check_gtin_free(
        conn,
        fields
            .gtin
            .as_ref()
            .map(super::super::domain::gs1::Gtin::as_str),
        None,
    )?;
    let row = db::products::insert(conn, producer, fields)?;
    ProductOut::from_row(&row, None, today())
}

/// Give the caller's product its picture (already checked and re-encoded),
/// replacing any; the scan page shows it from this service.
pub fn set_product_picture(
    conn: &mut DbConnection,
    who: &Principal,
    product_id: Uuid,
    picture: &crate::labels::picture::Picture,
) -> Result<ProductOut, ApiError> {
    let row = access::own_product(conn, who, product_id)?;
    let stored = db::products::NewPicture {
        jpeg: &picture.jpeg,
        sha256: &picture.sha256,
        width: picture.width,
        height: picture.height,
    };
    db::products::put_picture(conn, &row.id, &stored)?;
    let row = access::own_product(conn, who, product_id)?;
    super::product_view::product_out(conn, &row)
}

/// Award OCOP stars to a product (the newest-issued rating is its current
/// one); audited.
pub fn award_rating(
    conn: &mut DbConnection,
    who: &Principal,
    product_id: Uuid,
    rating: &NewRating,
    today: NaiveDate,
) -> Result<RatingOut, ApiError> {
    let product = db::products::find(conn, product_id)?
        .ok_or_else(|| ApiError::not_found("no such product"))?;
    let row = db::products::insert_rating(conn, &product, rating, who.org_id)?;
    let out = RatingOut::from_row(&row, today)?;
    let after = serde_json::to_value(&out).ok();
    db::audit::record(
        conn,
        who.actor(),
        "ocop_rating.create",
        "product",
        &product.id,
        None,
        after.as_ref(),
    )?;
    Ok(out)
}

/// A site a producer may use today, by code: the site, or why not (on
/// `field`). A storage failure is an error of its own, not a field's.
fn usable_site(
    conn: &mut DbConnection,
    producer_id: Uuid,
    kind: SiteKind,
    field: &str,
    code: &str,
    today: NaiveDate,
) -> Result<Result<SiteRow, FieldError>, ApiError> {
    let code = match parse_site_code(field, code) {
        Ok(code) => code,
        Err(e) => return Ok(Err(e)),
    };
    let Some(site) = db::sites::find_by_code(conn, kind, &code)? else {
        return Ok(Err(FieldError::new(
            field,
            format!("no {} has code {code}", kind.noun()),
        )));
    };
    if !db::sites::is_linked(conn, &site.id, producer_id)? {
        return Ok(Err(FieldError::new(
            field,
            format!("{code} is not registered for you"),
        )));
    }
    Ok(site_usable(site.status()?, site.valid_until, today)
        .map(|()| site)
        .map_err(|why| FieldError::new(field, format!("{code} can't be used: {why}"))))
}

/// Register a batch of one of the producer's products: its farming areas
/// and packing facility must be registered for the producer and usable
/// today; every wrong one is reported.
pub fn create_batch(
    conn: &mut DbConnection,
    who: &Principal,
    batch: &NewBatch,
    today: NaiveDate,
) -> Result<BatchOut, ApiError> {
    let product = access::own_product(conn, who, batch.product_id)
        .map_err(|_| ApiError::invalid("product_id", "no such product"))?;
    if product.archived_at.is_some() {
        return Err(ApiError::invalid("product_id", "the product is archived"));
    }
    let mut errors = Vec::new();
    let mut area_ids = Vec::new();
    for (i, code) in batch.farming_area_codes.iter().enumerate() {
        let field = format!("farming_area_codes[{i}]");
        match usable_site(conn, who.org_id, SiteKind::FarmingArea, &field, code, today)? {
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
        )? {
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
    let row = db::batches::insert(conn, who.org_id, batch, &area_ids, packing_id)?;
    batch_out(conn, &row)
}
