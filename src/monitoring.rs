//! Monitoring: the Prometheus metrics that `GET /metrics` serves (requests
//! and their latency per route template, scans recorded, the scan writer's
//! groups and queue, webhook deliveries by result, the database pool) and
//! their names. The recorder is global, installed once per process: the
//! tests start many apps in one process and their figures add up there.

use std::sync::OnceLock;
use std::time::Duration;

use metrics_exporter_prometheus::{Matcher, PrometheusBuilder, PrometheusHandle};

pub const HTTP_REQUESTS: &str = "http_requests_total";
pub const HTTP_REQUEST_DURATION: &str = "http_request_duration_seconds";
pub const SCANS_RECORDED: &str = "ocop_scans_recorded_total";
pub const SCAN_GROUP_SIZE: &str = "ocop_scan_group_size";
pub const SCAN_COMMIT_DURATION: &str = "ocop_scan_commit_seconds";
pub const SCAN_QUEUE_DEPTH: &str = "ocop_scan_writer_queue_depth";
pub const VIEW_COUNTS_PENDING: &str = "ocop_scan_view_counts_pending";
pub const WEBHOOK_DELIVERIES: &str = "ocop_webhook_deliveries_total";
pub const DB_POOL_CONNECTIONS: &str = "ocop_db_pool_connections";
pub const DB_POOL_MAX: &str = "ocop_db_pool_max_connections";
pub const DB_POOL_WAITING: &str = "ocop_db_pool_waiting";
pub const CODES_ISSUED: &str = "ocop_codes_issued_total";
pub const REGISTRY_LISTENER_UP: &str = "ocop_registry_listener_up";
pub const SCANS_READ_AGAIN: &str = "ocop_scans_read_again_total";

/// Seconds: a scan answers in about a millisecond, a label PDF in seconds.
const LATENCY_BUCKETS: &[f64] = &[
    0.000_5, 0.001, 0.002, 0.005, 0.01, 0.02, 0.05, 0.1, 0.2, 0.5, 1.0, 2.0, 5.0, 10.0, 30.0,
];
/// Scans per commit: one when idle, up to the writer's bound (2,000) under load.
const GROUP_BUCKETS: &[f64] = &[1.0, 2.0, 5.0, 10.0, 20.0, 50.0, 100.0, 200.0, 500.0, 2000.0];

/// How often recorded latencies are folded into the histograms: samples
/// wait in memory until then, so without this a server nobody scrapes
/// would grow.
const UPKEEP_EVERY: Duration = Duration::from_secs(5);

static RECORDER: OnceLock<Result<PrometheusHandle, String>> = OnceLock::new();

/// The process's recorder, installed on first call.
pub fn recorder() -> Result<PrometheusHandle, String> {
    RECORDER.get_or_init(install).clone()
}

fn install() -> Result<PrometheusHandle, String> {
    let handle = PrometheusBuilder::new()
        .set_buckets_for_metric(Matcher::Full(HTTP_REQUEST_DURATION.into()), LATENCY_BUCKETS)
        .and_then(|b| {
            b.set_buckets_for_metric(Matcher::Full(SCAN_GROUP_SIZE.into()), GROUP_BUCKETS)
        })
        .and_then(|b| {
            b.set_buckets_for_metric(Matcher::Full(SCAN_COMMIT_DURATION.into()), LATENCY_BUCKETS)
        })
        .and_then(PrometheusBuilder::install_recorder)
        .map_err(|e| format!("can't install the metrics recorder: {e}"))?;
    describe();
    let upkeep = handle.clone();
    std::thread::Builder::new()
        .name("metrics-upkeep".into())
        .spawn(move || {
            loop {
                std::thread::sleep(UPKEEP_EVERY);
                upkeep.run_upkeep();
            }
        })
        .map_err(|e| format!("can't start the metrics upkeep thread: {e}"))?;
    Ok(handle)
}

fn describe() {
    use metrics::{Unit, describe_counter, describe_gauge, describe_histogram};
    describe_counter!(
        HTTP_REQUESTS,
        "HTTP requests answered, by method, route template and status"
    );
    describe_histogram!(
        HTTP_REQUEST_DURATION,
        Unit::Seconds,
        "Time from a request's arrival to its answer, by method and route template"
    );
    describe_counter!(SCANS_RECORDED, "Scan events committed to the database");
    describe_gauge!(
        REGISTRY_LISTENER_UP,
        "1 while this node listens for other nodes' registry writes (PostgreSQL NOTIFY), 0 while it reconnects"
    );
    describe_counter!(
        SCANS_READ_AGAIN,
        "Scans whose commit found a registry write this node had not heard of yet: their facts were read again before the answer"
    );
    describe_histogram!(
        SCAN_GROUP_SIZE,
        "Scan events per commit, by where the commit ran (worker: an HTTP worker, SQLite; writer: the writer thread or, on PostgreSQL, a committer)"
    );
    describe_histogram!(
        SCAN_COMMIT_DURATION,
        "Time a scan group's commit took (the statement and its WAL flush), by where it ran"
    );
    describe_gauge!(
        SCAN_QUEUE_DEPTH,
        "Scan groups (an HTTP worker's scans) handed to the writer thread or the committers and not yet taken"
    );
    describe_gauge!(
        VIEW_COUNTS_PENDING,
        "Codes whose view counts wait for the next flush (at most five seconds)"
    );
    describe_counter!(
        WEBHOOK_DELIVERIES,
        "Webhook delivery attempts by result: delivered, retry (failed, tried again later), gave_up"
    );
    describe_gauge!(
        DB_POOL_CONNECTIONS,
        "Database connections by state (in_use, idle)"
    );
    describe_gauge!(DB_POOL_MAX, "Connections the database pool may open");
    describe_gauge!(DB_POOL_WAITING, "Callers waiting for a database connection");
    describe_counter!(CODES_ISSUED, "Trace codes issued (finished runs)");
}

/// A route template as a label value: the path pattern that matched, or
/// `unmatched`, so a flood of made-up paths adds no series.
pub fn route_label(pattern: Option<String>) -> String {
    pattern.unwrap_or_else(|| "unmatched".into())
}

/// A method as a label value; methods the service never serves share one.
pub fn method_label(method: &str) -> &'static str {
    match method {
        "GET" => "GET",
        "HEAD" => "HEAD",
        "POST" => "POST",
        "PUT" => "PUT",
        "PATCH" => "PATCH",
        "DELETE" => "DELETE",
        "OPTIONS" => "OPTIONS",
        _ => "other",
    }
}

/// Counts the callers waiting for a database connection while `wait` runs.
pub fn waiting_for_connection<T>(wait: impl FnOnce() -> T) -> T {
    let waiting = metrics::gauge!(DB_POOL_WAITING);
    waiting.increment(1.0);
    let got = wait();
    waiting.decrement(1.0);
    got
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn labels_stay_few_whatever_the_request() {
        assert_eq!(method_label("BREW"), "other");
        assert_eq!(method_label("GET"), "GET");
        assert_eq!(route_label(None), "unmatched");
        assert_eq!(route_label(Some("/c/{code}".into())), "/c/{code}");
    }
}
