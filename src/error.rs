//! One error type for the whole API: what the client is told, as RFC 7807
//! problem details. Services return it; `routes::problem` renders it as
//! `application/problem+json` (this file knows nothing of HTTP servers).
//! Storage's [`DbError`] maps into it here, so no SQL reaches a client.

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

pub const PROBLEM_CONTENT_TYPE: &str = "application/problem+json";

use crate::db::DbError;
pub use crate::domain::validation::FieldError;

/// The cause of an internal error: kept for the log, never sent.
pub type Cause = Box<dyn std::error::Error + Send + Sync>;

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
    /// A document that breaks its schema: every violation, each named by
    /// its JSON pointer (400).
    #[error("malformed document")]
    MalformedDocument(Vec<FieldError>),
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
    /// A body within the byte limit that holds more than is taken at once (413).
    #[error("too large: {0}")]
    TooManyItems(String),
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
    /// Anything we did not expect. The cause is logged, never sent.
    #[error("internal error: {0}")]
    Internal(Cause),
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

    /// Something we did not expect; `cause` is logged, never sent.
    pub fn internal(cause: impl Into<Cause>) -> Self {
        Self::Internal(cause.into())
    }

    /// The HTTP status this problem is answered with.
    pub fn status(&self) -> u16 {
        match self {
            Self::Validation(_) => 422,
            Self::BadRequest { .. } | Self::MalformedDocument(_) => 400,
            Self::Unauthorized(_) => 401,
            Self::Forbidden(_) => 403,
            Self::NotFound(_) => 404,
            Self::MethodNotAllowed => 405,
            Self::Conflict { .. } => 409,
            Self::PayloadTooLarge { .. } | Self::TooManyItems(_) => 413,
            Self::UnsupportedMediaType(_) => 415,
            Self::TooManyRequests { .. } => 429,
            Self::Unavailable(_) => 503,
            Self::Internal(_) => 500,
        }
    }

    fn slug_and_title(&self) -> (&'static str, &'static str) {
        match self {
            Self::Validation(_) => ("validation-error", "Validation failed"),
            Self::BadRequest { .. } | Self::MalformedDocument(_) => {
                ("bad-request", "Malformed request")
            }
            Self::Unauthorized(_) => ("unauthorized", "Authentication required"),
            Self::Forbidden(_) => ("forbidden", "Not allowed for this role"),
            Self::NotFound(_) => ("not-found", "Not found"),
            Self::MethodNotAllowed => ("method-not-allowed", "Method not allowed"),
            Self::Conflict { .. } => ("conflict", "Conflict"),
            Self::PayloadTooLarge { .. } | Self::TooManyItems(_) => {
                ("payload-too-large", "Request body too large")
            }
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
            Self::MalformedDocument(errors) => (
                format!(
                    "the document breaks its schema in {} place{}: {}",
                    errors.len(),
                    if errors.len() == 1 { "" } else { "s" },
                    errors
                        .iter()
                        .take(3)
                        .map(|e| format!(
                            "{} {}",
                            if e.field.is_empty() { "/" } else { &e.field },
                            e.reason
                        ))
                        .collect::<Vec<_>>()
                        .join("; ")
                ),
                errors.first().map(|e| e.field.clone()),
                errors.clone(),
            ),
            Self::Unauthorized(d)
            | Self::TooManyItems(d)
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
            status: self.status(),
            detail,
            field,
            errors,
        }
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

impl From<DbError> for ApiError {
    fn from(err: DbError) -> Self {
        match err {
            DbError::NotFound => Self::NotFound("no such resource".into()),
            DbError::Conflict(constraint) => {
                // The constraint's name and table are for the log, not the client.
                tracing::info!(cause = %constraint, "unique violation");
                Self::Conflict {
                    field: None,
                    reason: "already exists".into(),
                }
            }
            DbError::Unavailable(cause) => {
                // The pool's own words (its size, the database's address) are logged only.
                tracing::warn!(%cause, "no database connection in time");
                Self::Unavailable("the service is busy; retry in a few seconds".into())
            }
            other => Self::Internal(Box::new(other)),
        }
    }
}

impl From<diesel::result::Error> for ApiError {
    fn from(err: diesel::result::Error) -> Self {
        DbError::from(err).into()
    }
}

/// The reusable OpenAPI response for every error: problem details.
#[derive(utoipa::ToResponse)]
#[response(
    description = "Problem details (RFC 7807)",
    content_type = "application/problem+json"
)]
pub struct ProblemResponse(#[allow(dead_code)] Problem);
