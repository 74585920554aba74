//! Dates at the edges (issue #18): a date chrono can hold but no one means
//! (`-262143-01-01`) once dropped the connection (an overflow panic in day
//! arithmetic) or was stored (201). Every date field and filter now takes
//! 2000-01-01 to 2100-12-31, and outside it is a 422 naming the field.

use ocop_trace::domain::organization::OrgKind;
use serde_json::json;

const ANCIENT: &str = "-262143-01-01";
const FAR: &str = "+262142-12-31";
/// As a query value (`+` alone would be a space).
const FAR_QUERY: &str = "%2B262142-12-31";

api_test!(async fn date_filters_out_of_range_are_a_422_naming_the_field_not_a_crash(app) {
    let producer = app.login(OrgKind::Producer).await;
    let authority = app.login(OrgKind::Authority).await;
    for (path, field) in [
        (format!("/api/v1/events?from={ANCIENT}"), "from"),
        (format!("/api/v1/events?to={FAR_QUERY}"), "to"),
        (format!("/api/v1/alerts?from={ANCIENT}"), "from"),
        (format!("/api/v1/analytics/scans?group_by=day&from={ANCIENT}&to=2026-11-20"), "from"),
        (format!("/api/v1/analytics/scans?group_by=day&to={ANCIENT}"), "to"),
        (format!("/api/v1/analytics/scans?group_by=day&to={FAR_QUERY}"), "to"),
        ("/api/v1/events?from=1999-12-31".to_owned(), "from"),
    ] {
        let who = if path.contains("alerts") { &authority } else { &producer };
        let answer = app.get(&path, Some(&who.token)).await;
        let problem = answer.assert_problem(422);
        assert_eq!(problem["field"], field, "{path}: {problem}");
        assert!(problem["detail"].as_str().unwrap_or_default().contains("2000-01-01"), "{problem}");
    }
    // The server is still there, and the edges themselves are accepted.
    app.get("/api/v1/events?from=2000-01-01&to=2100-12-31", Some(&producer.token)).await.assert_status(200);
    app.get("/healthz", None).await.assert_status(200);
});

api_test!(async fn stored_dates_out_of_range_are_refused_and_nothing_is_kept(app) {
    let authority = app.login(OrgKind::Authority).await;
    let producer = app.login(OrgKind::Producer).await;
    let product = app.honey(&producer).await;
    let product_id = product["id"].as_str().expect("id");
    // An OCOP rating issued in year -262143.
    let answer = app.post(&format!("/api/v1/products/{product_id}/ocop-ratings"), Some(&authority.token), &json!({
        "stars": 4, "certificate_number": "QD-1", "issued_on": ANCIENT
    })).await;
    assert_eq!(answer.assert_problem(422)["field"], "issued_on");
    let answer = app.post(&format!("/api/v1/products/{product_id}/ocop-ratings"), Some(&authority.token), &json!({
        "stars": 4, "certificate_number": "QD-1", "issued_on": "2026-01-01", "expires_on": FAR
    })).await;
    assert_eq!(answer.assert_problem(422)["field"], "expires_on");
    assert_eq!(app.count("ocop_ratings"), 0);
    // A certification valid from year -262143.
    let answer = app.post("/api/v1/certifications", Some(&producer.token), &json!({
        "product_id": product_id, "scheme": "vietgap", "number": "VG-1", "issuer": "QUACERT",
        "valid_from": ANCIENT, "valid_until": "2028-01-01"
    })).await;
    assert_eq!(answer.assert_problem(422)["field"], "valid_from");
    // A batch best before the year 2101.
    app.create_site(&authority, "farming-areas", "VN-HB-D1", Some(&producer)).await;
    let answer = app.post("/api/v1/batches", Some(&producer.token), &json!({
        "product_id": product_id, "lot": "L-FAR", "farming_area_codes": ["VN-HB-D1"],
        "production_date": "2026-10-05", "best_before": "2101-01-01", "quantity": 5, "unit": "chai"
    })).await;
    assert_eq!(answer.assert_problem(422)["field"], "best_before");
    assert_eq!(app.count("batches"), 0);
});

// PATCH applies the create's rules (issue #18, 3): a registration that
// already ended was refused by POST but accepted by PATCH.
api_test!(async fn a_site_patch_is_checked_as_its_create(app) {
    let authority = app.login(OrgKind::Authority).await;
    let site = app.create_site(&authority, "farming-areas", "VN-HB-P1", None).await;
    let id = site["id"].as_str().expect("id");
    let patch = |body: serde_json::Value| {
        app.send(app.request(reqwest::Method::PATCH, &format!("/api/v1/farming-areas/{id}"), Some(&authority.token)).json(&body))
    };
    let answer = patch(json!({"valid_until": "2020-01-01"})).await;
    assert_eq!(answer.assert_problem(422)["field"], "valid_until");
    let answer = patch(json!({"valid_until": FAR})).await;
    assert_eq!(answer.assert_problem(422)["field"], "valid_until");
    let kept = app.get(&format!("/api/v1/farming-areas/{id}"), Some(&authority.token)).await;
    assert_eq!(kept.assert_status(200)["valid_until"], site["valid_until"]);
    let answer = patch(json!({"valid_until": "2099-12-31"})).await;
    assert_eq!(answer.assert_status(200)["valid_until"], "2099-12-31");
});
