//! Farming areas and packing facilities: registered, changed and suspended by
//! the authority; producers see those linked to them. Both kinds share the
//! rules below; the thin handlers per kind only name the path.

use actix_web::{HttpResponse, delete, get, patch, post, web};
use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

use super::{AppState, page};
use crate::auth::{AuthorityOnly, Authorized, Principal};
use crate::db::sites::{SiteFilter, SiteRow, StatusChangeRow};
use crate::db::stored_uuid;
use crate::db::{self, DbConnection};
use crate::domain::organization::OrgKind;
use crate::domain::pagination::Paginated;
use crate::domain::site::{
    SiteDraft, SiteKind, SitePatch, SiteStatus, apply_site_patch, check_status_change,
    parse_market, parse_new_site,
};
use crate::domain::text;
use crate::domain::time::today;
use crate::error::ApiError;
use crate::extract::{ApiJson, ApiQuery, parse_uuid};

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
    pub area_ha: Option<f64>,
    /// `domestic`, `EU` or an ISO 3166 country code.
    pub target_market: String,
    pub status: SiteStatus,
    pub valid_until: Option<NaiveDate>,
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
    fn from_row(row: &StatusChangeRow) -> Result<Self, ApiError> {
        Ok(Self {
            from_status: row.from_status.as_deref().and_then(SiteStatus::parse),
            to_status: SiteStatus::parse(&row.to_status).unwrap_or(SiteStatus::Suspended),
            reason: row.reason.clone(),
            changed_by: stored_uuid(&row.changed_by)?,
            changed_at: row.changed_at.and_utc(),
        })
    }
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct StatusChangeDraft {
    pub status: SiteStatus,
    /// Why, in words the producer will read.
    #[schema(example = "Phát hiện dư lượng thuốc bảo vệ thực vật vượt ngưỡng")]
    pub reason: String,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ProducerLink {
    pub producer_id: Uuid,
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct SiteListQuery {
    pub status: Option<SiteStatus>,
    pub province: Option<String>,
    pub district: Option<String>,
    /// `domestic`, `EU` or an ISO country code.
    pub target_market: Option<String>,
    /// Part of the code or the name.
    pub q: Option<String>,
    /// Admin, authority, retailer: only sites linked to this producer.
    pub producer_id: Option<Uuid>,
    #[param(minimum = 1, default = 1)]
    pub page: Option<u32>,
    #[param(minimum = 1, maximum = 100, default = 20)]
    pub per_page: Option<u32>,
}

fn site_out(conn: &mut DbConnection, row: &SiteRow) -> Result<SiteOut, ApiError> {
    let producer_ids = db::sites::producers_of(conn, &row.id)?
        .iter()
        .map(|id| stored_uuid(id))
        .collect::<Result<Vec<_>, _>>()?;
    Ok(SiteOut {
        id: stored_uuid(&row.id)?,
        kind: SiteKind::parse(&row.kind).unwrap_or(SiteKind::FarmingArea),
        code: row.code.clone(),
        name: row.name.clone(),
        province: row.province.clone(),
        district: row.district.clone(),
        commune: row.commune.clone(),
        crop: row.crop.clone(),
        area_ha: row.area_ha,
        target_market: row.target_market.clone(),
        status: row.status(),
        valid_until: row.valid_until,
        producer_ids,
        created_at: row.created_at.and_utc(),
        updated_at: row.updated_at.and_utc(),
    })
}

/// The site if the caller may see it: producers only those linked to them.
fn load_visible(
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

async fn create(
    state: &AppState,
    who: Principal,
    kind: SiteKind,
    draft: SiteDraft,
) -> Result<HttpResponse, ApiError> {
    let site = parse_new_site(kind, &draft, today())?;
    let out = state
        .services
        .registry_write(move |conn| {
            if db::sites::find_by_code(conn, kind, &site.code)?.is_some() {
                return Err(ApiError::Conflict {
                    field: Some("code".into()),
                    reason: format!("a {} with this code is already registered", kind.noun()),
                });
            }
            let row = db::sites::insert(conn, &site, who.org_id)?;
            let out = site_out(conn, &row)?;
            audit(conn, &who, "create", None, &out)?;
            Ok(out)
        })
        .await?;
    Ok(HttpResponse::Created().json(out))
}

async fn list(
    state: &AppState,
    who: Principal,
    kind: SiteKind,
    q: SiteListQuery,
) -> Result<Paginated<SiteOut>, ApiError> {
    let page = page(q.page, q.per_page)?;
    let target_market = q
        .target_market
        .as_deref()
        .map(|m| parse_market("target_market", m))
        .transpose()?;
    let filter = SiteFilter {
        producer_id: who.own_producer_scope().or(q.producer_id),
        status: q.status,
        province: q
            .province
            .map(|p| text::normalize(&p))
            .filter(|p| !p.is_empty()),
        district: q
            .district
            .map(|d| text::normalize(&d))
            .filter(|d| !d.is_empty()),
        target_market,
        q: q.q.map(|t| t.trim().to_owned()).filter(|t| !t.is_empty()),
    };
    state
        .services
        .read(move |conn| {
            let found = db::sites::list(conn, kind, &filter, page)?;
            found.try_map(|row| site_out(conn, &row))
        })
        .await
}

async fn get_one(
    state: &AppState,
    who: Principal,
    kind: SiteKind,
    id: &str,
) -> Result<SiteOut, ApiError> {
    let id = parse_uuid("id", id)?;
    state
        .services
        .read(move |conn| {
            let row = load_visible(conn, &who, kind, id)?;
            site_out(conn, &row)
        })
        .await
}

async fn update(
    state: &AppState,
    who: Principal,
    kind: SiteKind,
    id: &str,
    patch: SitePatch,
) -> Result<SiteOut, ApiError> {
    let id = parse_uuid("id", id)?;
    state
        .services
        .registry_write(move |conn| {
            let row = load(conn, kind, id)?;
            let before = site_out(conn, &row)?;
            let fields = apply_site_patch(kind, &row.fields(), &patch)?;
            let row = db::sites::update_fields(conn, row, &fields)?;
            let after = site_out(conn, &row)?;
            audit(conn, &who, "update", Some(&before), &after)?;
            Ok(after)
        })
        .await
}

async fn change_status(
    state: &AppState,
    who: Principal,
    kind: SiteKind,
    id: &str,
    change: StatusChangeDraft,
) -> Result<SiteOut, ApiError> {
    let id = parse_uuid("id", id)?;
    let reason = text::required("reason", &change.reason, 500)?;
    state
        .services
        .registry_write(move |conn| {
            let row = load(conn, kind, id)?;
            check_status_change(row.status(), change.status)?;
            let before = site_out(conn, &row)?;
            let row = db::sites::change_status(conn, row, change.status, &reason, who.org_id)?;
            let after = site_out(conn, &row)?;
            audit(conn, &who, "status", Some(&before), &after)?;
            Ok(after)
        })
        .await
}

async fn history(
    state: &AppState,
    who: Principal,
    kind: SiteKind,
    id: &str,
) -> Result<Vec<StatusChangeOut>, ApiError> {
    let id = parse_uuid("id", id)?;
    state
        .services
        .read(move |conn| {
            let row = load_visible(conn, &who, kind, id)?;
            db::sites::status_history(conn, &row.id)?
                .iter()
                .map(StatusChangeOut::from_row)
                .collect()
        })
        .await
}

async fn set_link(
    state: &AppState,
    who: Principal,
    kind: SiteKind,
    id: &str,
    producer_id: Uuid,
    linked: bool,
) -> Result<SiteOut, ApiError> {
    let id = parse_uuid("id", id)?;
    state
        .services
        .registry_write(move |conn| {
            let row = load(conn, kind, id)?;
            let producer = db::organizations::find(conn, producer_id)?
                .filter(|o| o.kind == OrgKind::Producer)
                .ok_or_else(|| ApiError::invalid("producer_id", "is not a producer"))?;
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
                    &who,
                    if linked { "link" } else { "unlink" },
                    Some(&before),
                    &after,
                )?;
            }
            Ok(after)
        })
        .await
}

/// Generates the thin handlers for one kind of site. actix and utoipa need one
/// function per path; the rules live in the functions above.
macro_rules! site_handlers {
    ($kind:expr, $tag:literal, $noun:literal,
     $create:ident, $list:ident, $get:ident, $update:ident, $status:ident, $history:ident, $link:ident, $unlink:ident,
     $collection:literal, $item:literal, $status_path:literal, $history_path:literal, $producers_path:literal, $producer_path:literal) => {
        #[doc = concat!("Register a ", $noun, " (the authority). Its code is stored trimmed and upper-cased.")]
        #[utoipa::path(tag = $tag, security(("bearer" = [])), request_body = SiteDraft,
            responses((status = 201, body = SiteOut), (status = 409, response = crate::error::ProblemResponse), (status = 422, response = crate::error::ProblemResponse)))]
        #[post($collection)]
        pub async fn $create(state: web::Data<AppState>, caller: Authorized<AuthorityOnly>, body: ApiJson<SiteDraft>) -> Result<HttpResponse, ApiError> {
            create(&state, caller.principal, $kind, body.into_inner()).await
        }

        #[doc = concat!("List ", $noun, "s: producers see those linked to them, others all.")]
        #[utoipa::path(tag = $tag, security(("bearer" = [])), params(SiteListQuery),
            responses((status = 200, body = Paginated<SiteOut>), (status = 422, response = crate::error::ProblemResponse)))]
        #[get($collection)]
        pub async fn $list(state: web::Data<AppState>, principal: Principal, query: ApiQuery<SiteListQuery>) -> Result<web::Json<Paginated<SiteOut>>, ApiError> {
            list(&state, principal, $kind, query.into_inner()).await.map(web::Json)
        }

        #[doc = concat!("One ", $noun, ".")]
        #[utoipa::path(tag = $tag, security(("bearer" = [])), params(("id" = Uuid, Path)),
            responses((status = 200, body = SiteOut), (status = 404, response = crate::error::ProblemResponse)))]
        #[get($item)]
        pub async fn $get(state: web::Data<AppState>, principal: Principal, id: web::Path<String>) -> Result<web::Json<SiteOut>, ApiError> {
            get_one(&state, principal, $kind, &id).await.map(web::Json)
        }

        #[doc = concat!("Change a ", $noun, "'s description (the authority); the code never changes.")]
        #[utoipa::path(tag = $tag, security(("bearer" = [])), params(("id" = Uuid, Path)), request_body = SitePatch,
            responses((status = 200, body = SiteOut), (status = 404, response = crate::error::ProblemResponse), (status = 422, response = crate::error::ProblemResponse)))]
        #[patch($item)]
        pub async fn $update(state: web::Data<AppState>, caller: Authorized<AuthorityOnly>, id: web::Path<String>, body: ApiJson<SitePatch>) -> Result<web::Json<SiteOut>, ApiError> {
            update(&state, caller.principal, $kind, &id, body.into_inner()).await.map(web::Json)
        }

        #[doc = concat!("Suspend, reactivate or revoke a ", $noun, " (the authority), with the reason; kept in its history. Revocation is final.")]
        #[utoipa::path(tag = $tag, security(("bearer" = [])), params(("id" = Uuid, Path)), request_body = StatusChangeDraft,
            responses((status = 200, body = SiteOut), (status = 404, response = crate::error::ProblemResponse), (status = 422, response = crate::error::ProblemResponse)))]
        #[post($status_path)]
        pub async fn $status(state: web::Data<AppState>, caller: Authorized<AuthorityOnly>, id: web::Path<String>, body: ApiJson<StatusChangeDraft>) -> Result<web::Json<SiteOut>, ApiError> {
            change_status(&state, caller.principal, $kind, &id, body.into_inner()).await.map(web::Json)
        }

        #[doc = concat!("The status history of a ", $noun, ": who changed it, when and why.")]
        #[utoipa::path(tag = $tag, security(("bearer" = [])), params(("id" = Uuid, Path)),
            responses((status = 200, body = Vec<StatusChangeOut>), (status = 404, response = crate::error::ProblemResponse)))]
        #[get($history_path)]
        pub async fn $history(state: web::Data<AppState>, principal: Principal, id: web::Path<String>) -> Result<web::Json<Vec<StatusChangeOut>>, ApiError> {
            history(&state, principal, $kind, &id).await.map(web::Json)
        }

        #[doc = concat!("Allow a producer to use this ", $noun, " (the authority). Linking twice is harmless.")]
        #[utoipa::path(tag = $tag, security(("bearer" = [])), params(("id" = Uuid, Path)), request_body = ProducerLink,
            responses((status = 200, body = SiteOut), (status = 404, response = crate::error::ProblemResponse), (status = 422, response = crate::error::ProblemResponse)))]
        #[post($producers_path)]
        pub async fn $link(state: web::Data<AppState>, caller: Authorized<AuthorityOnly>, id: web::Path<String>, body: ApiJson<ProducerLink>) -> Result<web::Json<SiteOut>, ApiError> {
            set_link(&state, caller.principal, $kind, &id, body.into_inner().producer_id, true).await.map(web::Json)
        }

        #[doc = concat!("Withdraw a producer's use of this ", $noun, " (the authority).")]
        #[utoipa::path(tag = $tag, security(("bearer" = [])), params(("id" = Uuid, Path), ("producer_id" = Uuid, Path)),
            responses((status = 200, body = SiteOut), (status = 404, response = crate::error::ProblemResponse), (status = 422, response = crate::error::ProblemResponse)))]
        #[delete($producer_path)]
        pub async fn $unlink(state: web::Data<AppState>, caller: Authorized<AuthorityOnly>, path: web::Path<(String, String)>) -> Result<web::Json<SiteOut>, ApiError> {
            let (id, producer_id) = path.into_inner();
            let producer_id = parse_uuid("producer_id", &producer_id)?;
            set_link(&state, caller.principal, $kind, &id, producer_id, false).await.map(web::Json)
        }
    };
}

site_handlers!(
    SiteKind::FarmingArea,
    "farming-areas",
    "farming area",
    create_farming_area,
    list_farming_areas,
    get_farming_area,
    update_farming_area,
    change_farming_area_status,
    farming_area_history,
    link_farming_area_producer,
    unlink_farming_area_producer,
    "/farming-areas",
    "/farming-areas/{id}",
    "/farming-areas/{id}/status",
    "/farming-areas/{id}/history",
    "/farming-areas/{id}/producers",
    "/farming-areas/{id}/producers/{producer_id}"
);

site_handlers!(
    SiteKind::PackingFacility,
    "packing-facilities",
    "packing facility",
    create_packing_facility,
    list_packing_facilities,
    get_packing_facility,
    update_packing_facility,
    change_packing_facility_status,
    packing_facility_history,
    link_packing_facility_producer,
    unlink_packing_facility_producer,
    "/packing-facilities",
    "/packing-facilities/{id}",
    "/packing-facilities/{id}/status",
    "/packing-facilities/{id}/history",
    "/packing-facilities/{id}/producers",
    "/packing-facilities/{id}/producers/{producer_id}"
);
