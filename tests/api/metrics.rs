//! `/metrics`: Prometheus text, requests per route template, scans recorded,
//! the database pool; on a separate address with METRICS_ADDRESS. The
//! recorder is one per process, so the figures here include other tests':
//! a test looks for its own series, and for counts that only grow.

use crate::helpers::spawn_app_with;

/// The value of one series (exact name and labels), if present.
fn value_of(metrics: &str, series: &str) -> Option<f64> {
    metrics.lines().find_map(|line| {
        let (name, value) = line.rsplit_once(' ')?;
        (name == series).then(|| value.parse().ok()).flatten()
    })
}

api_test!(async fn requests_scans_and_the_pool_are_counted_by_route_template(app) {
    let chain = app.chain(2).await;
    let before = app.get("/metrics", None).await;
    assert_eq!(before.status, 200, "{}", before.text);
    assert!(before.content_type().starts_with("text/plain; version=0.0.4"), "{}", before.content_type());
    let scanned_before = value_of(&before.text, "ocop_scans_recorded_total").unwrap_or(0.0);

    app.scan_json(&chain.codes[0]).await;
    app.scan_json(&chain.codes[1]).await;
    app.get("/c/this-is-no-route/at/all", None).await;
    let after = app.get("/metrics", None).await.text;

    let scans = r#"http_requests_total{method="GET",route="/c/{code}",status="200"}"#;
    assert!(value_of(&after, scans).is_some_and(|n| n >= 2.0), "{after}");
    assert!(value_of(&after, "ocop_scans_recorded_total").is_some_and(|n| n >= scanned_before + 2.0), "{after}");
    assert!(after.contains(r#"http_request_duration_seconds_bucket{method="GET",route="/c/{code}",le="0.005"}"#), "{after}");
    assert!(after.contains(r#"ocop_scan_group_size_bucket{committed_on="#), "{after}");
    // A made-up path adds no series of its own.
    assert!(after.contains(r#"route="unmatched""#), "{after}");
    assert!(!after.contains("this-is-no-route"), "{after}");
    // The pool, read when scraped.
    assert!(value_of(&after, r#"ocop_db_pool_connections{state="in_use"}"#).is_some(), "{after}");
    assert!(value_of(&after, "ocop_db_pool_max_connections").is_some_and(|n| n >= 1.0), "{after}");
    assert!(after.contains("# HELP ocop_scans_recorded_total"), "{after}");
    // Issuing the chain's codes counted them.
    assert!(value_of(&after, "ocop_codes_issued_total").is_some_and(|n| n >= 2.0), "{after}");
});

api_test!(async fn metrics_address_moves_metrics_off_the_public_port(app) {
    let separate = spawn_app_with(app.backend, |args| args.metrics_address = Some("127.0.0.1:0".into())).await;
    separate.get("/metrics", None).await.assert_problem(404);
    let elsewhere = separate.metrics_address.clone().expect("a metrics address");
    let answer = separate.client.get(format!("{elsewhere}/metrics")).send().await.expect("metrics");
    assert_eq!(answer.status(), 200);
    let text = answer.text().await.expect("text");
    assert!(text.contains("# TYPE http_requests_total counter"), "{text}");
    // Nothing else is served there.
    let other = separate.client.get(format!("{elsewhere}/healthz")).send().await.expect("healthz");
    assert_eq!(other.status(), 404);
});
