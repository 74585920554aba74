//! Farming areas and packing facilities: registered, changed and suspended by
//! the authority; producers see those linked to them. Both kinds share the
//! rules below; the thin handlers per kind only name the path.

use actix_web::{HttpResponse, delete, get, patch, post, web};
use serde::Deserialize;
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

use super::AppState;
use super::list_answer::list_answer;
use crate::auth::{AuthorityOnly, Authorized, Principal};
use crate::db::sites::SiteFilter;
use crate::domain::pagination::{Page, PageQuery, Paginated};
use crate::domain::site::{
    SiteDraft, SiteKind, SitePatch, SiteStatus, parse_market, parse_new_site,
};
use crate::domain::text;
use crate::domain::time::today;
use crate::error::ApiError;
use crate::extract::{ApiJson, ListQuery, PathId, parse_uuid};
use crate::services::sites::{self, SiteOut, StatusChangeOut};

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
        .registry_write(move |conn| sites::create(conn, &who, &site))
        .await?;
    Ok(HttpResponse::Created().json(out))
}

async fn list(
    state: &AppState,
    who: Principal,
    kind: SiteKind,
    q: SiteListQuery,
    page: Page,
) -> Result<Paginated<SiteOut>, ApiError> {
    let target_market = q.target_market.as_deref().map(exact_market).transpose()?;
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
        .read(move |conn| sites::list(conn, kind, &filter, page))
        .await
}

async fn get_one(
    state: &AppState,
    who: Principal,
    kind: SiteKind,
    id: Uuid,
) -> Result<SiteOut, ApiError> {
    state
        .services
        .read(move |conn| sites::get_one(conn, &who, kind, id))
        .await
}

async fn update(
    state: &AppState,
    who: Principal,
    kind: SiteKind,
    id: Uuid,
    patch: SitePatch,
) -> Result<SiteOut, ApiError> {
    state
        .services
        .registry_write(move |conn| sites::update(conn, &who, kind, id, &patch))
        .await
}

async fn change_status(
    state: &AppState,
    who: Principal,
    kind: SiteKind,
    id: Uuid,
    change: StatusChangeDraft,
) -> Result<SiteOut, ApiError> {
    let reason = text::required("reason", &change.reason, 500)?;
    state
        .services
        .registry_write(move |conn| {
            sites::change_status(conn, &who, kind, id, change.status, &reason)
        })
        .await
}

async fn history(
    state: &AppState,
    who: Principal,
    kind: SiteKind,
    id: Uuid,
) -> Result<Vec<StatusChangeOut>, ApiError> {
    state
        .services
        .read(move |conn| sites::history(conn, &who, kind, id))
        .await
}

async fn set_link(
    state: &AppState,
    who: Principal,
    kind: SiteKind,
    id: Uuid,
    producer_id: Uuid,
    linked: bool,
) -> Result<SiteOut, ApiError> {
    state
        .services
        .registry_write(move |conn| sites::set_link(conn, &who, kind, id, producer_id, linked))
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
            create(&state, caller.principal, $kind, body.into_inner()?).await
        }

        #[doc = concat!("List ", $noun, "s: producers see those linked to them, others all.")]
        #[utoipa::path(tag = $tag, security(("bearer" = [])), params(SiteListQuery, PageQuery),
            responses((status = 200, body = Paginated<SiteOut>), (status = 422, response = crate::error::ProblemResponse)))]
        #[get($collection)]
        pub async fn $list(state: web::Data<AppState>, principal: Principal, query: ListQuery<SiteListQuery>) -> Result<HttpResponse, ApiError> {
            let found = list(&state, principal, $kind, query.filters, query.page).await?;
            list_answer(query.format, $tag, found)
        }

        #[doc = concat!("One ", $noun, ".")]
        #[utoipa::path(tag = $tag, security(("bearer" = [])), params(("id" = Uuid, Path)),
            responses((status = 200, body = SiteOut), (status = 404, response = crate::error::ProblemResponse)))]
        #[get($item)]
        pub async fn $get(state: web::Data<AppState>, principal: Principal, PathId(id): PathId) -> Result<web::Json<SiteOut>, ApiError> {
            get_one(&state, principal, $kind, id).await.map(web::Json)
        }

        #[doc = concat!("Change a ", $noun, "'s description (the authority); the code never changes.")]
        #[utoipa::path(tag = $tag, security(("bearer" = [])), params(("id" = Uuid, Path)), request_body = SitePatch,
            responses((status = 200, body = SiteOut), (status = 404, response = crate::error::ProblemResponse), (status = 409, response = crate::error::ProblemResponse), (status = 422, response = crate::error::ProblemResponse)))]
        #[patch($item)]
        pub async fn $update(state: web::Data<AppState>, caller: Authorized<AuthorityOnly>, PathId(id): PathId, body: ApiJson<SitePatch>) -> Result<web::Json<SiteOut>, ApiError> {
            update(&state, caller.principal, $kind, id, body.into_inner()?).await.map(web::Json)
        }

        #[doc = concat!("Suspend, reactivate or revoke a ", $noun, " (the authority), with the reason; kept in its history. Revocation is final.")]
        #[utoipa::path(tag = $tag, security(("bearer" = [])), params(("id" = Uuid, Path)), request_body = StatusChangeDraft,
            responses((status = 200, body = SiteOut), (status = 404, response = crate::error::ProblemResponse), (status = 422, response = crate::error::ProblemResponse)))]
        #[post($status_path)]
        pub async fn $status(state: web::Data<AppState>, caller: Authorized<AuthorityOnly>, PathId(id): PathId, body: ApiJson<StatusChangeDraft>) -> Result<web::Json<SiteOut>, ApiError> {
            change_status(&state, caller.principal, $kind, id, body.into_inner()?).await.map(web::Json)
        }

        #[doc = concat!("The status history of a ", $noun, ": who changed it, when and why.")]
        #[utoipa::path(tag = $tag, security(("bearer" = [])), params(("id" = Uuid, Path)),
            responses((status = 200, body = Vec<StatusChangeOut>), (status = 404, response = crate::error::ProblemResponse)))]
        #[get($history_path)]
        pub async fn $history(state: web::Data<AppState>, principal: Principal, PathId(id): PathId) -> Result<web::Json<Vec<StatusChangeOut>>, ApiError> {
            history(&state, principal, $kind, id).await.map(web::Json)
        }

        #[doc = concat!("Allow a producer to use this ", $noun, " (the authority). Linking twice is harmless.")]
        #[utoipa::path(tag = $tag, security(("bearer" = [])), params(("id" = Uuid, Path)), request_body = ProducerLink,
            responses((status = 200, body = SiteOut), (status = 404, response = crate::error::ProblemResponse), (status = 422, response = crate::error::ProblemResponse)))]
        #[post($producers_path)]
        pub async fn $link(state: web::Data<AppState>, caller: Authorized<AuthorityOnly>, PathId(id): PathId, body: ApiJson<ProducerLink>) -> Result<web::Json<SiteOut>, ApiError> {
            set_link(&state, caller.principal, $kind, id, body.into_inner()?.producer_id, true).await.map(web::Json)
        }

        #[doc = concat!("Withdraw a producer's use of this ", $noun, " (the authority).")]
        #[utoipa::path(tag = $tag, security(("bearer" = [])), params(("id" = Uuid, Path), ("producer_id" = Uuid, Path)),
            responses((status = 200, body = SiteOut), (status = 404, response = crate::error::ProblemResponse), (status = 422, response = crate::error::ProblemResponse)))]
        #[delete($producer_path)]
        pub async fn $unlink(state: web::Data<AppState>, caller: Authorized<AuthorityOnly>, path: web::Path<(String, String)>) -> Result<web::Json<SiteOut>, ApiError> {
            let (id, producer_id) = path.into_inner();
            let id = parse_uuid("id", &id)?;
            let producer_id = parse_uuid("producer_id", &producer_id)?;
            set_link(&state, caller.principal, $kind, id, producer_id, false).await.map(web::Json)
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

/// A filter's market as the contract lists it (`EU`, `JP`, `domestic`):
/// the lenient spellings a form accepts are not part of a query's enum.
fn exact_market(raw: &str) -> Result<String, crate::error::FieldError> {
    let market = parse_market("target_market", raw)?;
    if market == raw {
        Ok(market)
    } else {
        Err(crate::error::FieldError::new(
            "target_market",
            format!("write it as {market}"),
        ))
    }
}
