//! One error type for the whole API, rendered as RFC 7807 `application/problem+json`.
//!
//! Handlers return `Result<_, ApiError>`; extractor errors (JSON, query, path) and
//! the router's own 404/405/413 answers are mapped into the same shape by
//! [`problem_for_bare_errors`], so a client never sees a second error format.

use actix_web::body::EitherBody;
use actix_web::dev::ServiceResponse;
use actix_web::http::StatusCode;
use actix_web::http::header::{self, HeaderValue};
use actix_web::middleware::ErrorHandlerResponse;
use actix_web::{HttpResponse, ResponseError};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

pub const PROBLEM_CONTENT_TYPE: &str = "application/problem+json";

pub use crate::domain::validation::FieldError;

/// RFC 7807 problem details, as every error of this API is answered.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct Problem {
    /// URI reference naming the kind of problem.
    #[serde(rename = "type")]
    #[schema(example = "/problems/validation-error")]
    pub problem_type: String,
    #[schema(example = "Validation failed")]
    pub title: String,
    #[schema(example = 422)]
    pub status: u16,
    #[schema(example = "name: must not be empty")]
    pub detail: String,
    /// The offending field, where there is one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub field: Option<String>,
    /// Every offending field, for validation errors.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub errors: Vec<FieldError>,
}

#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    /// The request was understood but a value breaks a rule (422).
    #[error("validation failed")]
    Validation(Vec<FieldError>),
    /// The request could not be read: malformed JSON, bad query or path (400).
    #[error("bad request: {reason}")]
    BadRequest {
        field: Option<String>,
        reason: String,
    },
    #[error("unauthorized: {0}")]
    Unauthorized(String),
    #[error("forbidden: {0}")]
    Forbidden(String),
    #[error("not found: {0}")]
    NotFound(String),
    #[error("method not allowed")]
    MethodNotAllowed,
    #[error("conflict: {reason}")]
    Conflict {
        field: Option<String>,
        reason: String,
    },
    #[error("payload too large (limit {limit} bytes)")]
    PayloadTooLarge { limit: usize },
    #[error("unsupported media type: {0}")]
    UnsupportedMediaType(String),
    #[error("rate limited: {reason}")]
    TooManyRequests {
        retry_after_secs: u64,
        /// What limit was reached, in words for the client.
        reason: String,
    },
    #[error("service unavailable: {0}")]
    Unavailable(String),
    /// Anything we did not expect. The detail is logged, never sent.
    #[error("internal error: {0}")]
    Internal(String),
}

impl ApiError {
    pub fn invalid(field: impl Into<String>, reason: impl Into<String>) -> Self {
        Self::Validation(vec![FieldError::new(field, reason)])
    }

    pub fn bad_request(field: Option<&str>, reason: impl Into<String>) -> Self {
        Self::BadRequest {
            field: field.map(str::to_owned),
            reason: reason.into(),
        }
    }

    pub fn not_found(what: impl Into<String>) -> Self {
        Self::NotFound(what.into())
    }

    /// The problem for a bare status produced outside our handlers (router, actix).
    pub fn from_status(status: StatusCode) -> Self {
        match status {
            StatusCode::NOT_FOUND => Self::NotFound("no such resource".into()),
            StatusCode::METHOD_NOT_ALLOWED => Self::MethodNotAllowed,
            StatusCode::PAYLOAD_TOO_LARGE => Self::PayloadTooLarge { limit: 0 },
            StatusCode::UNAUTHORIZED => Self::Unauthorized("authentication required".into()),
            StatusCode::FORBIDDEN => Self::Forbidden("not allowed".into()),
            StatusCode::UNSUPPORTED_MEDIA_TYPE => {
                Self::UnsupportedMediaType("content type not supported".into())
            }
            StatusCode::SERVICE_UNAVAILABLE => Self::Unavailable("try again later".into()),
            s if s.is_client_error() => Self::BadRequest {
                field: None,
                reason: s.canonical_reason().unwrap_or("bad request").to_owned(),
            },
            _ => Self::Internal(format!("unexpected status {status}")),
        }
    }

    fn slug_and_title(&self) -> (&'static str, &'static str) {
        match self {
            Self::Validation(_) => ("validation-error", "Validation failed"),
            Self::BadRequest { .. } => ("bad-request", "Malformed request"),
            Self::Unauthorized(_) => ("unauthorized", "Authentication required"),
            Self::Forbidden(_) => ("forbidden", "Not allowed for this role"),
            Self::NotFound(_) => ("not-found", "Not found"),
            Self::MethodNotAllowed => ("method-not-allowed", "Method not allowed"),
            Self::Conflict { .. } => ("conflict", "Conflict"),
            Self::PayloadTooLarge { .. } => ("payload-too-large", "Request body too large"),
            Self::UnsupportedMediaType(_) => ("unsupported-media-type", "Unsupported media type"),
            Self::TooManyRequests { .. } => ("rate-limited", "Too many requests"),
            Self::Unavailable(_) => ("unavailable", "Service unavailable"),
            Self::Internal(_) => ("internal-error", "Internal server error"),
        }
    }

    pub fn to_problem(&self) -> Problem {
        let (slug, title) = self.slug_and_title();
        let (detail, field, errors) = match self {
            Self::Validation(errors) => (
                errors
                    .iter()
                    .map(|e| format!("{}: {}", e.field, e.reason))
                    .collect::<Vec<_>>()
                    .join("; "),
                errors.first().map(|e| e.field.clone()),
                errors.clone(),
            ),
            Self::BadRequest { field, reason } | Self::Conflict { field, reason } => (
                match field {
                    Some(f) => format!("{f}: {reason}"),
                    None => reason.clone(),
                },
                field.clone(),
                Vec::new(),
            ),
            Self::Unauthorized(d)
            | Self::Forbidden(d)
            | Self::NotFound(d)
            | Self::UnsupportedMediaType(d)
            | Self::Unavailable(d) => (d.clone(), None, Vec::new()),
            Self::MethodNotAllowed => (
                "this resource does not support that HTTP method".to_owned(),
                None,
                Vec::new(),
            ),
            Self::PayloadTooLarge { limit } if *limit > 0 => (
                format!("the request body is larger than the limit of {limit} bytes"),
                None,
                Vec::new(),
            ),
            Self::PayloadTooLarge { .. } => (
                "the request body is larger than allowed".to_owned(),
                None,
                Vec::new(),
            ),
            Self::TooManyRequests {
                retry_after_secs,
                reason,
            } => (
                format!("{reason}; retry after {retry_after_secs} s"),
                None,
                Vec::new(),
            ),
            Self::Internal(_) => (
                "something went wrong on our side; the request changed nothing".to_owned(),
                None,
                Vec::new(),
            ),
        };
        Problem {
            problem_type: format!("/problems/{slug}"),
            title: title.to_owned(),
            status: self.status_code().as_u16(),
            detail,
            field,
            errors,
        }
    }
}

impl ResponseError for ApiError {
    fn status_code(&self) -> StatusCode {
        match self {
            Self::Validation(_) => StatusCode::UNPROCESSABLE_ENTITY,
            Self::BadRequest { .. } => StatusCode::BAD_REQUEST,
            Self::Unauthorized(_) => StatusCode::UNAUTHORIZED,
            Self::Forbidden(_) => StatusCode::FORBIDDEN,
            Self::NotFound(_) => StatusCode::NOT_FOUND,
            Self::MethodNotAllowed => StatusCode::METHOD_NOT_ALLOWED,
            Self::Conflict { .. } => StatusCode::CONFLICT,
            Self::PayloadTooLarge { .. } => StatusCode::PAYLOAD_TOO_LARGE,
            Self::UnsupportedMediaType(_) => StatusCode::UNSUPPORTED_MEDIA_TYPE,
            Self::TooManyRequests { .. } => StatusCode::TOO_MANY_REQUESTS,
            Self::Unavailable(_) => StatusCode::SERVICE_UNAVAILABLE,
            Self::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    fn error_response(&self) -> HttpResponse {
        if let Self::Internal(cause) = self {
            tracing::error!(%cause, "internal error");
        }
        let mut builder = HttpResponse::build(self.status_code());
        builder.insert_header((header::CONTENT_TYPE, PROBLEM_CONTENT_TYPE));
        match self {
            Self::Unauthorized(_) => {
                builder.insert_header((header::WWW_AUTHENTICATE, "Bearer"));
            }
            Self::TooManyRequests {
                retry_after_secs, ..
            } => {
                builder.insert_header((header::RETRY_AFTER, retry_after_secs.to_string()));
            }
            Self::Unavailable(_) => {
                builder.insert_header((header::RETRY_AFTER, "5"));
            }
            _ => {}
        }
        let body = serde_json::to_vec(&self.to_problem()).unwrap_or_else(|_| b"{}".to_vec());
        builder.body(body)
    }
}

impl From<FieldError> for ApiError {
    fn from(err: FieldError) -> Self {
        Self::Validation(vec![err])
    }
}

impl From<Vec<FieldError>> for ApiError {
    fn from(errors: Vec<FieldError>) -> Self {
        Self::Validation(errors)
    }
}

impl From<diesel::result::Error> for ApiError {
    fn from(err: diesel::result::Error) -> Self {
        use diesel::result::{DatabaseErrorKind, Error};
        match err {
            Error::NotFound => Self::NotFound("no such resource".into()),
            Error::DatabaseError(DatabaseErrorKind::UniqueViolation, info) => {
                // The constraint's name and table are for the log, not the client.
                tracing::info!(cause = info.message(), "unique violation");
                Self::Conflict {
                    field: None,
                    reason: "already exists".into(),
                }
            }
            other => Self::Internal(other.to_string()),
        }
    }
}

impl From<diesel::r2d2::PoolError> for ApiError {
    fn from(err: diesel::r2d2::PoolError) -> Self {
        // The pool's own words (its size, the database's address) are logged only.
        tracing::warn!(error = %err, "no database connection in time");
        Self::Unavailable("the service is busy; retry in a few seconds".into())
    }
}

impl From<actix_web::error::BlockingError> for ApiError {
    fn from(err: actix_web::error::BlockingError) -> Self {
        Self::Internal(err.to_string())
    }
}

/// Middleware hook: any bare 4xx/5xx answer (no body of its own: actix's
/// payload and routing errors) is rewritten into problem+json.
pub fn problem_for_bare_errors<B>(
    res: ServiceResponse<B>,
) -> actix_web::Result<ErrorHandlerResponse<B>> {
    // Only bare answers are rewritten: a handler that chose a body (problem
    // JSON, or the scan page's HTML 404) keeps it.
    if res.headers().contains_key(header::CONTENT_TYPE) {
        return Ok(ErrorHandlerResponse::Response(res.map_into_left_body()));
    }
    let status = res.status();
    let (req, original) = res.into_parts();
    let mut problem = ApiError::from_status(status).error_response();
    // Keep headers actix set for a reason (e.g. `Allow` on 405).
    for (name, value) in original.headers() {
        if name != header::CONTENT_TYPE && name != header::CONTENT_LENGTH {
            problem.headers_mut().insert(name.clone(), value.clone());
        }
    }
    *problem.status_mut() = status;
    problem.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static(PROBLEM_CONTENT_TYPE),
    );
    let res: ServiceResponse<EitherBody<B>> =
        ServiceResponse::new(req, problem).map_into_right_body();
    Ok(ErrorHandlerResponse::Response(res))
}

/// The reusable OpenAPI response for every error: problem details.
#[derive(utoipa::ToResponse)]
#[response(
    description = "Problem details (RFC 7807)",
    content_type = "application/problem+json"
)]
pub struct ProblemResponse(#[allow(dead_code)] Problem);
