//! Recalling a batch: its status, a `recalling` supply event, the audit
//! entry when the authority does it, and the `recall` webhook, in one
//! transaction. The HTTP API and the demo both recall through here.

use uuid::Uuid;

use super::Services;
use super::batch_view::{BatchOut, batch_out};
use super::notify::{RecallNotice, Retailers, WebhookPayload, notify};
use crate::auth::Principal;
use crate::db::{self, DbConnection, stored_uuid};
use crate::domain::batch::BatchStatus;
use crate::domain::organization::OrgKind;
use crate::domain::supply::BizStep;
use crate::error::ApiError;

/// Recall a batch the caller may see (its producer, or the authority);
/// recalling a recalled batch changes nothing. `reason` is checked text.
pub async fn recall_batch(
    services: &Services,
    who: Principal,
    batch_id: Uuid,
    reason: String,
) -> Result<BatchOut, ApiError> {
    let base = services.settings.public_base_url.clone();
    services
        .registry_write(move |conn| recall_in(conn, &who, batch_id, reason, &base))
        .await
}

/// [`recall_batch`] on the caller's connection (the demo seeds one recall
/// inside its own transaction).
pub fn recall_in(
    conn: &mut DbConnection,
    who: &Principal,
    batch_id: Uuid,
    reason: String,
    epcis_base: &str,
) -> Result<BatchOut, ApiError> {
    let mut row = super::access::visible_batch(conn, who, batch_id)?;
    if row.status()? == BatchStatus::Recalled {
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
    let event = db::events::SupplyEventRow {
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
    };
    db::events::insert(conn, &event, &[])?;
    let mut mirror = super::epcis::EpcisMirror::new(epcis_base);
    super::epcis::mirror_supply_event(conn, &mut mirror, &event, &[])?;
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
        &row.producer_id,
        Retailers::All,
        WebhookPayload::Recall(RecallNotice {
            batch_id: out.id,
            lot: out.lot.clone(),
            product_id: out.product_id,
            product_name: product.as_ref().map(|p| p.name_vi.clone()),
            gtin: product.and_then(|p| p.gtin),
            producer_id: out.producer_id,
            reason,
            recalled_at: out.recalled_at,
            recalled_by: who.role.as_str().to_owned(),
            code_count,
        }),
    )?;
    Ok(out)
}
