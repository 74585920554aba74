//! Taking the caller out of an HTTP request: the bearer token checked
//! (signature, expiry, revocation), then the roles an endpoint admits.
//! Only front doors use this; services take the [`Principal`] it yields.

use std::future::{Ready, ready};

use actix_web::http::header;
use actix_web::{FromRequest, HttpRequest, dev::Payload, web};
use uuid::Uuid;

use super::Principal;
use super::jwt::{JwtKeys, TokenError};
use super::revocation::RevokedKeys;
use crate::domain::organization::OrgKind;
use crate::error::ApiError;

fn bearer_token(req: &HttpRequest) -> Result<&str, ApiError> {
    let value = req
        .headers()
        .get(header::AUTHORIZATION)
        .ok_or_else(|| {
            ApiError::Unauthorized(
                "send 'Authorization: Bearer <token>' (get a token at POST /api/v1/auth/token)"
                    .into(),
            )
        })?
        .to_str()
        .map_err(|_| ApiError::Unauthorized("malformed Authorization header".into()))?;
    let (scheme, token) = value
        .split_once(' ')
        .ok_or_else(|| ApiError::Unauthorized("malformed Authorization header".into()))?;
    if !scheme.eq_ignore_ascii_case("bearer") || token.trim().is_empty() {
        return Err(ApiError::Unauthorized(
            "the Authorization scheme must be Bearer".into(),
        ));
    }
    Ok(token.trim())
}

fn authenticate(req: &HttpRequest) -> Result<Principal, ApiError> {
    let keys = req
        .app_data::<web::Data<JwtKeys>>()
        .ok_or_else(|| ApiError::internal("JWT keys not configured"))?;
    let claims = keys.verify(bearer_token(req)?).map_err(|e| match e {
        TokenError::Expired => ApiError::Unauthorized("the access token has expired".into()),
        TokenError::Invalid(_) => ApiError::Unauthorized("the access token is not valid".into()),
    })?;
    let org_id = Uuid::parse_str(&claims.sub)
        .map_err(|_| ApiError::Unauthorized("the access token is not valid".into()))?;
    let revoked = req
        .app_data::<web::Data<RevokedKeys>>()
        .ok_or_else(|| ApiError::internal("revoked keys not configured"))?;
    if revoked.is_revoked(&claims.kid) {
        return Err(ApiError::Unauthorized(
            "the API key of this access token was revoked".into(),
        ));
    }
    Ok(Principal {
        org_id,
        role: claims.role,
        key_id: claims.kid,
    })
}

impl FromRequest for Principal {
    type Error = ApiError;
    type Future = Ready<Result<Self, ApiError>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        ready(authenticate(req))
    }
}

/// A set of roles an endpoint admits, named once and used as a type.
pub trait RoleSet {
    const ROLES: &'static [OrgKind];
}

/// The admin only.
pub struct AdminOnly;
impl RoleSet for AdminOnly {
    const ROLES: &'static [OrgKind] = &[OrgKind::Admin];
}

/// The admin and the authority (who see across all producers).
pub struct AdminOrAuthority;
impl RoleSet for AdminOrAuthority {
    const ROLES: &'static [OrgKind] = &[OrgKind::Admin, OrgKind::Authority];
}

/// A caller whose role is in `R`, checked while extracting, so a caller who
/// may not call the endpoint gets 401/403 before the body is even read.
pub struct Authorized<R: RoleSet> {
    pub principal: Principal,
    _roles: std::marker::PhantomData<R>,
}

impl<R: RoleSet> std::ops::Deref for Authorized<R> {
    type Target = Principal;
    fn deref(&self) -> &Principal {
        &self.principal
    }
}

impl<R: RoleSet> FromRequest for Authorized<R> {
    type Error = ApiError;
    type Future = Ready<Result<Self, ApiError>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        ready(authenticate(req).and_then(|principal| {
            principal.require(R::ROLES)?;
            Ok(Self {
                principal,
                _roles: std::marker::PhantomData,
            })
        }))
    }
}

/// Producers only (their own products, batches, codes).
pub struct ProducerOnly;
impl RoleSet for ProducerOnly {
    const ROLES: &'static [OrgKind] = &[OrgKind::Producer];
}

/// The authority only (stars, farming areas, packing facilities).
pub struct AuthorityOnly;
impl RoleSet for AuthorityOnly {
    const ROLES: &'static [OrgKind] = &[OrgKind::Authority];
}

/// Whoever plans re-evaluations: the authority, the admin, and producers for their own.
pub struct NotRetailer;
impl RoleSet for NotRetailer {
    const ROLES: &'static [OrgKind] = &[OrgKind::Admin, OrgKind::Authority, OrgKind::Producer];
}

/// Producers for their own things, the authority for anyone's.
pub struct ProducerOrAuthority;
impl RoleSet for ProducerOrAuthority {
    const ROLES: &'static [OrgKind] = &[OrgKind::Producer, OrgKind::Authority];
}
