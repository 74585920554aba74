//! Scan analytics: counts, unique codes and first-scan ratio, grouped; each
//! producer sees its own.

use ocop_trace::domain::organization::OrgKind;
use serde_json::{Value, json};

use crate::helpers::eventually;

api_test!(async fn scans_grouped_by_day_product_batch_and_district(app) {
    let chain = app.chain(3).await;
    // Code 0 viewed three times, code 1 once, code 2 never.
    for code in [&chain.codes[0], &chain.codes[0], &chain.codes[0], &chain.codes[1]] {
        app.client.get(app.url(&format!("/c/{code}"))).send().await.expect("scan");
    }
    let token = chain.producer.token.clone();
    let get = |query: &'static str| {
        let token = token.clone();
        let app = &app;
        async move { app.get(&format!("/api/v1/analytics/scans?{query}"), Some(&token)).await }
    };
    // View counts reach the database about once a second.
    eventually(10, "first scans counted", || async { get("group_by=day").await.body["totals"]["first_scans"] == 2 }).await;
    let by_day = get("group_by=day").await;
    let body = by_day.assert_status(200);
    let today = ocop_trace::domain::time::today().to_string();
    assert_eq!(body["groups"], json!([{"key": today, "label": today, "scans": 4, "unique_codes": 2, "first_scans": 2, "first_scan_ratio": 0.5}]));
    assert_eq!(body["to"], today);

    let by_product = get("group_by=product").await;
    assert_eq!(by_product.body["groups"][0]["key"], chain.product_id);
    assert_eq!(by_product.body["groups"][0]["label"], "Cam Cao Phong");
    let by_batch = get("group_by=batch").await;
    assert_eq!(by_batch.body["groups"][0]["label"], "Cam Cao Phong — CCP-2611");
    let by_district = get("group_by=district").await;
    assert_eq!(by_district.body["groups"][0]["label"], "Lạc Thủy, Hòa Bình");
    let by_week = get("group_by=week").await;
    let monday = by_week.body["groups"][0]["key"].as_str().expect("week").to_owned();
    let monday = chrono::NaiveDate::parse_from_str(&monday, "%Y-%m-%d").expect("date");
    assert_eq!(chrono::Datelike::weekday(&monday), chrono::Weekday::Mon);

    // Another producer sees nothing of these; the authority sees them; retailers may not ask.
    let stranger = app.login(OrgKind::Producer).await;
    let theirs = app.get("/api/v1/analytics/scans?group_by=day", Some(&stranger.token)).await;
    assert_eq!(theirs.assert_status(200)["totals"]["scans"], 0);
    let all = app.get("/api/v1/analytics/scans?group_by=product", Some(&chain.authority.token)).await;
    assert_eq!(all.body["totals"]["scans"], 4);
    app.get("/api/v1/analytics/scans?group_by=day", Some(&chain.retailer.token)).await.assert_problem(403);

    // A range in the past has nothing; bad input is named.
    let past = get("group_by=day&from=2026-01-01&to=2026-01-31").await;
    assert_eq!(past.body["groups"], Value::Array(vec![]));
    assert_eq!(get("group_by=hour").await.assert_problem(400)["field"], "group_by");
    assert_eq!(get("group_by=day&from=2024-01-01&to=2026-01-01").await.assert_problem(422)["field"], "from");
    assert_eq!(get("group_by=day&from=2026-02-01&to=2026-01-01").await.assert_problem(422)["field"], "from");
});
