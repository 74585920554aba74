//! `GET /metrics` (Prometheus text format) and the middleware that counts
//! every request. Not behind auth: it says how busy the service is, never
//! whose data; `METRICS_ADDRESS` serves it on a separate address instead
//! (then the public port answers 404 for it).

use std::time::Instant;

use actix_web::body::MessageBody;
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::middleware::Next;
use actix_web::{HttpResponse, get, web};

use crate::db::Db;
use crate::error::ApiError;
use crate::monitoring;

/// Counts the request and times it under its route template.
pub async fn count_requests(
    req: ServiceRequest,
    next: Next<impl MessageBody>,
) -> Result<ServiceResponse<impl MessageBody>, actix_web::Error> {
    let started = Instant::now();
    let method = monitoring::method_label(req.method().as_str());
    let res = next.call(req).await?;
    // The pattern is known once the router has matched the request.
    let route = monitoring::route_label(res.request().match_pattern());
    let status = res.status().as_u16().to_string();
    metrics::counter!(monitoring::HTTP_REQUESTS, "method" => method, "route" => route.clone(), "status" => status)
        .increment(1);
    metrics::histogram!(monitoring::HTTP_REQUEST_DURATION, "method" => method, "route" => route)
        .record(started.elapsed().as_secs_f64());
    Ok(res)
}

/// What `/metrics` needs, on whichever address serves it.
#[derive(Clone)]
pub struct MetricsSource {
    pub recorder: metrics_exporter_prometheus::PrometheusHandle,
    pub db: Db,
    /// False when `METRICS_ADDRESS` moved `/metrics` off the public port.
    pub served_here: bool,
}

/// The service's figures in Prometheus text format. Not behind auth; 404
/// here when `METRICS_ADDRESS` serves them on a separate address.
#[utoipa::path(
    tag = "operations",
    responses(
        (status = 200, description = "Prometheus text exposition format (version 0.0.4)", content_type = "text/plain; version=0.0.4", body = String),
        // When METRICS_ADDRESS serves /metrics on a separate address.
        (status = 404, response = crate::error::ProblemResponse),
    )
)]
#[get("/metrics")]
pub async fn metrics_text(source: web::Data<MetricsSource>) -> Result<HttpResponse, ApiError> {
    if !source.served_here {
        return Err(ApiError::not_found("no such resource: /metrics"));
    }
    Ok(render(&source))
}

/// The same answer on the separate metrics address.
pub async fn metrics_elsewhere(source: web::Data<MetricsSource>) -> HttpResponse {
    render(&source)
}

fn render(source: &MetricsSource) -> HttpResponse {
    let pool = source.db.pool_state();
    let idle = f64::from(pool.idle_connections);
    metrics::gauge!(monitoring::DB_POOL_CONNECTIONS, "state" => "idle").set(idle);
    metrics::gauge!(monitoring::DB_POOL_CONNECTIONS, "state" => "in_use")
        .set(f64::from(pool.connections) - idle);
    metrics::gauge!(monitoring::DB_POOL_MAX).set(f64::from(source.db.pool_max_size()));
    HttpResponse::Ok()
        .content_type("text/plain; version=0.0.4; charset=utf-8")
        .body(source.recorder.render())
}
