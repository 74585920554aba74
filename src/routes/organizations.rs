//! Organizations: created by the admin; everyone may read their own.

use actix_web::{HttpResponse, get, post, web};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

use super::AppState;
use super::list_answer::list_answer;
use crate::auth::{AdminOnly, AdminOrAuthority, Authorized, Principal};
use crate::db;
use crate::db::organizations::{Organization, OrganizationFilter};
use crate::domain::organization::{
    Address, Contact, OrgKind, OrganizationDraft, ProducerType, parse_new_organization,
};
use crate::domain::pagination::{PageQuery, Paginated};
use crate::domain::text;
use crate::error::ApiError;
use crate::extract::{ApiJson, ListQuery, PathId};

#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct OrganizationOut {
    pub id: Uuid,
    pub name: String,
    pub kind: OrgKind,
    pub producer_type: Option<ProducerType>,
    pub tax_code: Option<String>,
    pub address: Address,
    pub contact: Contact,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl From<Organization> for OrganizationOut {
    fn from(org: Organization) -> Self {
        Self {
            id: org.id,
            name: org.name,
            kind: org.kind,
            producer_type: org.producer_type,
            tax_code: org.tax_code,
            address: org.address,
            contact: org.contact,
            created_at: org.created_at.and_utc(),
            updated_at: org.updated_at.and_utc(),
        }
    }
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct OrganizationListQuery {
    /// Only organizations of this kind.
    pub kind: Option<OrgKind>,
    /// Only organizations in this province (exact name).
    pub province: Option<String>,
    /// Text in the name; diacritics optional ("hop tac xa" finds "Hợp tác xã").
    pub q: Option<String>,
}

/// Create an organization (admin only).
#[utoipa::path(
    tag = "organizations",
    security(("bearer" = [])),
    request_body = OrganizationDraft,
    responses(
        (status = 201, body = OrganizationOut),
        (status = 400, response = crate::error::ProblemResponse),
        (status = 409, response = crate::error::ProblemResponse),
        (status = 422, response = crate::error::ProblemResponse),
    )
)]
#[post("/organizations")]
pub async fn create_organization(
    state: web::Data<AppState>,
    caller: Authorized<AdminOnly>,
    body: ApiJson<OrganizationDraft>,
) -> Result<HttpResponse, ApiError> {
    let new = body.check(parse_new_organization)?;
    let actor = caller.actor();
    let org = state
        .services
        .registry_write(move |conn| {
            if let Some(tax_code) = &new.tax_code
                && db::organizations::tax_code_taken(conn, tax_code)?
            {
                return Err(ApiError::Conflict {
                    field: Some("tax_code".into()),
                    reason: "another organization has this tax code".into(),
                });
            }
            let out = OrganizationOut::from(db::organizations::insert(conn, &new)?);
            let after = serde_json::to_value(&out).ok();
            let id = out.id.to_string();
            db::audit::record(
                conn,
                actor,
                "organization.create",
                "organization",
                &id,
                None,
                after.as_ref(),
            )?;
            Ok(out)
        })
        .await?;
    tracing::info!(organization_id = %org.id, kind = org.kind.as_str(), "organization created");
    Ok(HttpResponse::Created()
        .insert_header(("Location", format!("/api/v1/organizations/{}", org.id)))
        .json(org))
}

/// List organizations (admin and authority), filtered and paginated.
#[utoipa::path(
    tag = "organizations",
    security(("bearer" = [])),
    params(OrganizationListQuery, PageQuery),
    responses(
        (status = 200, body = Paginated<OrganizationOut>),
        (status = 400, response = crate::error::ProblemResponse),
    )
)]
#[get("/organizations")]
pub async fn list_organizations(
    state: web::Data<AppState>,
    _caller: Authorized<AdminOrAuthority>,
    query: ListQuery<OrganizationListQuery>,
) -> Result<HttpResponse, ApiError> {
    let format = query.format;
    let (query, page) = (query.filters, query.page);
    let filter = OrganizationFilter {
        kind: query.kind,
        province: query
            .province
            .map(|p| text::normalize(&p))
            .filter(|p| !p.is_empty()),
        q: query.q.filter(|q| !q.trim().is_empty()),
    };
    let found = state
        .services
        .read(move |conn| Ok(db::organizations::list(conn, &filter, page)?))
        .await?;
    list_answer(format, "organizations", found.map(OrganizationOut::from))
}

/// One organization. Admin and authority see any; others only their own
/// (anyone else's answers 404, so ids don't leak).
#[utoipa::path(
    tag = "organizations",
    security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "Organization id")),
    responses(
        (status = 200, body = OrganizationOut),
        (status = 400, response = crate::error::ProblemResponse),
        (status = 404, response = crate::error::ProblemResponse),
    )
)]
#[get("/organizations/{id}")]
pub async fn get_organization(
    state: web::Data<AppState>,
    principal: Principal,
    PathId(id): PathId,
) -> Result<web::Json<OrganizationOut>, ApiError> {
    let sees_all = principal.is(OrgKind::Admin) || principal.is(OrgKind::Authority);
    if !sees_all && principal.org_id != id {
        return Err(ApiError::not_found("no such organization"));
    }
    let org = state
        .services
        .read(move |conn| Ok(db::organizations::find(conn, id)?))
        .await?
        .ok_or_else(|| ApiError::not_found("no such organization"))?;
    Ok(web::Json(org.into()))
}

/// The organization the caller's token acts for.
#[utoipa::path(
    tag = "auth",
    security(("bearer" = [])),
    responses((status = 200, body = OrganizationOut))
)]
#[get("/me")]
pub async fn me(
    state: web::Data<AppState>,
    principal: Principal,
) -> Result<web::Json<OrganizationOut>, ApiError> {
    let id = principal.org_id;
    let org = state
        .services
        .read(move |conn| Ok(db::organizations::find(conn, id)?))
        .await?
        .ok_or_else(|| {
            ApiError::Unauthorized("the token's organization no longer exists".into())
        })?;
    Ok(web::Json(org.into()))
}
