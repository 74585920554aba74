//! Who may load what: a producer its own products, batches and runs; the
//! authority and the admin everything a role may see. Anything else reads
//! as "not found", so another producer's ids don't leak.

use uuid::Uuid;

use crate::auth::Principal;
use crate::db::batches::BatchRow;
use crate::db::codes::CodeRunRow;
use crate::db::products::ProductRow;
use crate::db::{self, DbConnection};
use crate::domain::organization::OrgKind;
use crate::error::ApiError;

/// The product with this id, if the caller may see it.
pub fn visible_product(
    conn: &mut DbConnection,
    who: &Principal,
    id: Uuid,
) -> Result<ProductRow, ApiError> {
    db::products::find(conn, id)?
        .filter(|p| who.can_see(&p.producer_id))
        .ok_or_else(|| ApiError::not_found("no such product"))
}

/// The product if the caller is its producer.
pub fn own_product(
    conn: &mut DbConnection,
    who: &Principal,
    id: Uuid,
) -> Result<ProductRow, ApiError> {
    db::products::find(conn, id)?
        .filter(|p| p.producer_id == who.org_id.to_string())
        .ok_or_else(|| ApiError::not_found("no such product"))
}

/// The batch if the caller may see it (producers: their own).
pub fn visible_batch(
    conn: &mut DbConnection,
    who: &Principal,
    id: Uuid,
) -> Result<BatchRow, ApiError> {
    db::batches::find(conn, id)?
        .filter(|b| who.can_see(&b.producer_id))
        .ok_or_else(|| ApiError::not_found("no such batch"))
}

/// The batch if the caller is its producer.
pub fn own_batch(conn: &mut DbConnection, who: &Principal, id: Uuid) -> Result<BatchRow, ApiError> {
    db::batches::find(conn, id)?
        .filter(|b| b.producer_id == who.org_id.to_string())
        .ok_or_else(|| ApiError::not_found("no such batch"))
}

/// The run if the caller may see its codes: its producer, or the admin.
pub fn run_with_codes(
    conn: &mut DbConnection,
    who: &Principal,
    id: Uuid,
) -> Result<CodeRunRow, ApiError> {
    db::codes::find_run(conn, id)?
        .filter(|r| who.is(OrgKind::Admin) || r.producer_id == who.org_id.to_string())
        .ok_or_else(|| ApiError::not_found("no such code run"))
}
