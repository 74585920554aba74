//! Farming areas and packing facilities: registering, describing, linking
//! to producers and suspending them (the authority), each change audited.
//! The functions run on the caller's connection, so a front door chooses
//! the transaction (one request, or the whole demo seed).

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;

use crate::auth::Principal;
use crate::db::sites::{SiteFilter, SiteRow, StatusChangeRow};
use crate::db::{self, DbConnection, stored_enum, stored_uuid};
use crate::domain::organization::OrgKind;
use crate::domain::pagination::{Page, Paginated};
use crate::domain::site::{
    Farming, NewSite, SiteKind, SitePatch, SiteStatus, apply_site_patch, check_status_change,
};
use crate::domain::time::today;
use crate::error::ApiError;

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct SiteOut {
    pub id: Uuid,
    pub kind: SiteKind,
    /// The code as issued by the authority.
    #[schema(example = "VN-HBOR-0012")]
    pub code: String,
    pub name: String,
    pub province: String,
    pub district: Option<String>,
    pub commune: Option<String>,
    pub crop: Option<String>,
    /// Farming areas: `crops`, `livestock`, `bees` or `aquaculture`; null
    /// for a packing facility.
    pub farming: Option<Farming>,
    pub area_ha: Option<f64>,
    /// `domestic`, `EU` or an ISO 3166 country code.
    pub target_market: String,
    pub status: SiteStatus,
    pub valid_until: Option<NaiveDate>,
    /// Its GS1 GLN: its public page is `/414/{gln}`.
    pub gln: Option<String>,
    /// Producers allowed to use this code.
    pub producer_ids: Vec<Uuid>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct StatusChangeOut {
    pub from_status: Option<SiteStatus>,
    pub to_status: SiteStatus,
    pub reason: String,
    /// The organization that made the change.
    pub changed_by: Uuid,
    pub changed_at: DateTime<Utc>,
}

impl StatusChangeOut {
    pub fn from_row(row: &StatusChangeRow) -> Result<Self, ApiError> {
        Ok(Self {
            from_status: row
                .from_status
                .as_deref()
                .map(|s| stored_enum("site status", s, SiteStatus::parse))
                .transpose()?,
            to_status: stored_enum("site status", &row.to_status, SiteStatus::parse)?,
            reason: row.reason.clone(),
            changed_by: stored_uuid(&row.changed_by)?,
            changed_at: row.changed_at.and_utc(),
        })
    }
}

pub fn site_out(conn: &mut DbConnection, row: &SiteRow) -> Result<SiteOut, ApiError> {
    let producer_ids = db::sites::producers_of(conn, &row.id)?
        .iter()
        .map(|id| stored_uuid(id))
        .collect::<Result<Vec<_>, _>>()?;
    Ok(SiteOut {
        id: stored_uuid(&row.id)?,
        kind: row.kind()?,
        code: row.code.clone(),
        name: row.name.clone(),
        province: row.province.clone(),
        district: row.district.clone(),
        commune: row.commune.clone(),
        crop: row.crop.clone(),
        farming: row.farming()?,
        area_ha: row.area_ha,
        target_market: row.target_market.clone(),
        status: row.status()?,
        valid_until: row.valid_until,
        gln: row.gln.clone(),
        producer_ids,
        created_at: row.created_at.and_utc(),
        updated_at: row.updated_at.and_utc(),
    })
}

/// The site if the caller may see it: producers only those linked to them.
pub fn load_visible(
    conn: &mut DbConnection,
    principal: &Principal,
    kind: SiteKind,
    id: Uuid,
) -> Result<SiteRow, ApiError> {
    let not_found = || ApiError::not_found(format!("no such {}", kind.noun()));
    let row = db::sites::find(conn, kind, id)?.ok_or_else(not_found)?;
    if principal.is(OrgKind::Producer) && !db::sites::is_linked(conn, &row.id, principal.org_id)? {
        return Err(not_found());
    }
    Ok(row)
}

fn load(conn: &mut DbConnection, kind: SiteKind, id: Uuid) -> Result<SiteRow, ApiError> {
    db::sites::find(conn, kind, id)?
        .ok_or_else(|| ApiError::not_found(format!("no such {}", kind.noun())))
}

fn audit(
    conn: &mut DbConnection,
    who: &Principal,
    action: &str,
    before: Option<&SiteOut>,
    after: &SiteOut,
) -> Result<(), ApiError> {
    let before = before.and_then(|b| serde_json::to_value(b).ok());
    let after = serde_json::to_value(after).ok();
    db::audit::record(
        conn,
        who.actor(),
        &format!(
            "{}.{action}",
            after
                .as_ref()
                .and_then(|a| a["kind"].as_str())
                .unwrap_or("site")
        ),
        "site",
        &after
            .as_ref()
            .and_then(|a| a["id"].as_str().map(str::to_owned))
            .unwrap_or_default(),
        before.as_ref(),
        after.as_ref(),
    )?;
    Ok(())
}

/// Register a site; its code must be new for its kind.
pub fn create(
    conn: &mut DbConnection,
    who: &Principal,
    site: &NewSite,
) -> Result<SiteOut, ApiError> {
    let kind = site.kind;
    if db::sites::find_by_code(conn, kind, &site.code)?.is_some() {
        return Err(ApiError::Conflict {
            field: Some("code".into()),
            reason: format!("a {} with this code is already registered", kind.noun()),
        });
    }
    check_gln_free(conn, site.fields.gln.as_deref(), None)?;
    let row = db::sites::insert(conn, site, who.org_id)?;
    let out = site_out(conn, &row)?;
    audit(conn, who, "create", None, &out)?;
    Ok(out)
}

/// A GLN names one place: no other site may have it.
fn check_gln_free(
    conn: &mut DbConnection,
    gln: Option<&str>,
    this_site: Option<&str>,
) -> Result<(), ApiError> {
    let Some(gln) = gln else { return Ok(()) };
    match db::sites::find_by_gln(conn, gln)? {
        Some(other) if Some(other.id.as_str()) != this_site => Err(ApiError::Conflict {
            field: Some("gln".into()),
            reason: format!(
                "GLN {gln} is already the GLN of {} ({})",
                other.code, other.name
            ),
        }),
        _ => Ok(()),
    }
}

pub fn list(
    conn: &mut DbConnection,
    kind: SiteKind,
    filter: &SiteFilter,
    page: Page,
) -> Result<Paginated<SiteOut>, ApiError> {
    let found = db::sites::list(conn, kind, filter, page)?;
    found.try_map(|row| site_out(conn, &row))
}

pub fn get_one(
    conn: &mut DbConnection,
    who: &Principal,
    kind: SiteKind,
    id: Uuid,
) -> Result<SiteOut, ApiError> {
    let row = load_visible(conn, who, kind, id)?;
    site_out(conn, &row)
}

/// Change a site's description; its code never changes.
pub fn update(
    conn: &mut DbConnection,
    who: &Principal,
    kind: SiteKind,
    id: Uuid,
    patch: &SitePatch,
) -> Result<SiteOut, ApiError> {
    let row = load(conn, kind, id)?;
    let before = site_out(conn, &row)?;
    let fields = apply_site_patch(kind, today(), &row.fields()?, patch)?;
    check_gln_free(conn, fields.gln.as_deref(), Some(&row.id))?;
    let row = db::sites::update_fields(conn, row, &fields)?;
    let after = site_out(conn, &row)?;
    audit(conn, who, "update", Some(&before), &after)?;
    Ok(after)
}

/// Suspend, reactivate or revoke a site; `reason` is checked text.
pub fn change_status(
    conn: &mut DbConnection,
    who: &Principal,
    kind: SiteKind,
    id: Uuid,
    status: SiteStatus,
    reason: &str,
) -> Result<SiteOut, ApiError> {
    let row = load(conn, kind, id)?;
    check_status_change(row.status()?, status)?;
    let before = site_out(conn, &row)?;
    let row = db::sites::change_status(conn, row, status, reason, who.org_id)?;
    let after = site_out(conn, &row)?;
    audit(conn, who, "status", Some(&before), &after)?;
    Ok(after)
}

pub fn history(
    conn: &mut DbConnection,
    who: &Principal,
    kind: SiteKind,
    id: Uuid,
) -> Result<Vec<StatusChangeOut>, ApiError> {
    let row = load_visible(conn, who, kind, id)?;
    db::sites::status_history(conn, &row.id)?
        .iter()
        .map(StatusChangeOut::from_row)
        .collect()
}

/// Allow (or withdraw) a producer's use of a site; audited when it changed.
pub fn set_link(
    conn: &mut DbConnection,
    who: &Principal,
    kind: SiteKind,
    id: Uuid,
    producer_id: Uuid,
    linked: bool,
) -> Result<SiteOut, ApiError> {
    let row = load(conn, kind, id)?;
    let producer = db::organizations::find(conn, producer_id)?
        .filter(|o| o.kind == OrgKind::Producer)
        .ok_or_else(|| {
            // Linking names a producer in the body (a field to mend);
            // unlinking names one in the path: no such link to remove.
            if linked {
                ApiError::invalid("producer_id", "is not a producer")
            } else {
                ApiError::not_found("no such producer")
            }
        })?;
    let before = site_out(conn, &row)?;
    let changed = if linked {
        db::sites::link(conn, &row.id, producer.id)?
    } else {
        db::sites::unlink(conn, &row.id, producer.id)?
    };
    let after = site_out(conn, &row)?;
    if changed {
        audit(
            conn,
            who,
            if linked { "link" } else { "unlink" },
            Some(&before),
            &after,
        )?;
    }
    Ok(after)
}
