//! Problem details over HTTP: [`ApiError`] answered as
//! `application/problem+json`, and every bare error actix produces itself
//! (extractors, router, payload limits) rewritten into the same shape by
//! [`problem_for_bare_errors`], so a client never sees a second error format.

use actix_web::body::EitherBody;
use actix_web::dev::ServiceResponse;
use actix_web::http::StatusCode;
use actix_web::http::header::{self, HeaderValue};
use actix_web::middleware::ErrorHandlerResponse;
use actix_web::{HttpResponse, ResponseError};

use crate::error::{ApiError, PROBLEM_CONTENT_TYPE};

/// The problem for a bare status produced outside our handlers (router, actix).
pub fn from_status(status: StatusCode) -> ApiError {
    match status {
        StatusCode::NOT_FOUND => ApiError::NotFound("no such resource".into()),
        StatusCode::METHOD_NOT_ALLOWED => ApiError::MethodNotAllowed,
        StatusCode::PAYLOAD_TOO_LARGE => ApiError::PayloadTooLarge { limit: 0 },
        StatusCode::UNAUTHORIZED => ApiError::Unauthorized("authentication required".into()),
        StatusCode::FORBIDDEN => ApiError::Forbidden("not allowed".into()),
        StatusCode::UNSUPPORTED_MEDIA_TYPE => {
            ApiError::UnsupportedMediaType("content type not supported".into())
        }
        StatusCode::SERVICE_UNAVAILABLE => ApiError::Unavailable("try again later".into()),
        s if s.is_client_error() => ApiError::BadRequest {
            field: None,
            reason: s.canonical_reason().unwrap_or("bad request").to_owned(),
        },
        _ => ApiError::internal(format!("unexpected status {status}")),
    }
}

impl ResponseError for ApiError {
    fn status_code(&self) -> StatusCode {
        StatusCode::from_u16(self.status()).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR)
    }

    fn error_response(&self) -> HttpResponse {
        if let Self::Internal(cause) = self {
            tracing::error!(cause = %CauseChain(cause.as_ref()), "internal error");
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

impl From<actix_web::error::BlockingError> for ApiError {
    fn from(err: actix_web::error::BlockingError) -> Self {
        Self::internal(err.to_string())
    }
}

/// An error and its sources, one after another, for the log.
struct CauseChain<'a>(&'a (dyn std::error::Error + 'static));

impl std::fmt::Display for CauseChain<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}", self.0)?;
        let mut source = self.0.source();
        while let Some(cause) = source {
            write!(f, ": {cause}")?;
            source = cause.source();
        }
        Ok(())
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
    let mut problem = from_status(status).error_response();
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
