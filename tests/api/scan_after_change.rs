//! The scan caches what it shows; every kind of registry write made through
//! the API must show on the very next scan and verification of the code.
//! Each step scans (filling the cache), changes one fact through the API,
//! and scans again.

use serde_json::{Value, json};

use crate::helpers::days_from_today;

async fn verdict_for_shop(app: &crate::helpers::TestApp, token: &str, code: &str) -> Value {
    app.get(&format!("/api/v1/verify/{code}"), Some(token))
        .await
        .assert_status(200)
        .clone()
}

api_test!(async fn every_registry_write_shows_on_the_next_scan(app) {
    let chain = app.chain(3).await;
    let code = chain.codes[0].clone();
    let (producer, authority, retailer) = (&chain.producer.token, &chain.authority.token, &chain.retailer.token);
    let before = app.scan_json(&code).await;
    assert_eq!(before["verdict"], "authentic");
    assert_eq!(before["ocop"]["stars"], 4);

    // The product's name and unit.
    app.send(app.request(reqwest::Method::PATCH, &format!("/api/v1/products/{}", chain.product_id), Some(producer))
        .json(&json!({"name_vi": "Cam Cao Phong loại 1", "unit": "túi 2 kg"}))).await.assert_status(200);
    let view = app.scan_json(&code).await;
    assert_eq!((view["product"]["name"].as_str(), view["product"]["unit"].as_str()), (Some("Cam Cao Phong loại 1"), Some("túi 2 kg")));

    // The batch's best-before.
    let best_before = days_from_today(200);
    app.send(app.request(reqwest::Method::PATCH, &format!("/api/v1/batches/{}", chain.batch_id), Some(producer))
        .json(&json!({"best_before": best_before}))).await.assert_status(200);
    assert_eq!(app.scan_json(&code).await["batch"]["best_before"], best_before.as_str());

    // The farming area's description, then its suspension, then its return.
    app.send(app.request(reqwest::Method::PATCH, &format!("/api/v1/farming-areas/{}", chain.area_id), Some(authority))
        .json(&json!({"name": "Vùng cam Cao Phong (mở rộng)"}))).await.assert_status(200);
    assert_eq!(app.scan_json(&code).await["farming_area"]["name"], "Vùng cam Cao Phong (mở rộng)");
    let status = format!("/api/v1/farming-areas/{}/status", chain.area_id);
    app.post(&status, Some(authority), &json!({"status": "suspended", "reason": "Dư lượng thuốc"})).await.assert_status(200);
    assert_eq!(app.scan_json(&code).await["verdict"], "area_suspended");
    assert_eq!(verdict_for_shop(&app, retailer, &code).await["verdict"], "area_suspended");
    app.post(&status, Some(authority), &json!({"status": "active", "reason": "Đạt khi kiểm tra lại"})).await.assert_status(200);
    assert_eq!(app.scan_json(&code).await["verdict"], "authentic");

    // A new OCOP rating.
    app.post(&format!("/api/v1/products/{}/ocop-ratings", chain.product_id), Some(authority),
        &json!({"stars": 5, "certificate_number": "12/QĐ-UBND", "issued_on": days_from_today(-1)})).await.assert_status(201);
    let view = app.scan_json(&code).await;
    assert_eq!((view["ocop"]["stars"].as_i64(), view["ocop"]["certificate_number"].as_str()), (Some(5), Some("12/QĐ-UBND")));

    // Supply-chain events: shipped, received, sold.
    app.ship_batch(&chain, &chain.retailer).await;
    let sold_at = (chrono::Utc::now() - chrono::Duration::minutes(5)).to_rfc3339();
    app.post("/api/v1/events", Some(retailer), &json!({"events": [{
        "biz_step": "retail_selling", "event_time": sold_at, "codes": [code]
    }]})).await.assert_status(201);
    let view = app.scan_json(&code).await;
    let steps: Vec<&str> = view["journey"].as_array().expect("journey").iter().filter_map(|s| s["step"].as_str()).collect();
    assert!(steps.contains(&"shipping") && steps.contains(&"retail_selling"), "{steps:?}");
    assert_eq!(verdict_for_shop(&app, retailer, &code).await["verdict"], "already_sold");

    // A counterfeit report, confirmed by the producer: the next scan warns.
    let other = chain.codes[1].clone();
    assert_eq!(app.scan_json(&other).await["verdict"], "authentic");
    app.post(&format!("/c/{other}/report"), None, &json!({"where_bought": "Chợ Phương Lâm"})).await.assert_status(201);
    let alert = app.get(&format!("/api/v1/alerts?code={other}"), Some(authority)).await;
    let id = alert.assert_status(200)["items"][0]["id"].as_str().expect("an alert").to_owned();
    app.post(&format!("/api/v1/alerts/{id}/confirm"), Some(producer), &json!({})).await.assert_status(200);
    assert_eq!(app.scan_json(&other).await["verdict"], "suspected_clone");

    // The recall, last: it outranks everything.
    let third = chain.codes[2].clone();
    assert_eq!(app.scan_json(&third).await["verdict"], "authentic");
    app.post(&format!("/api/v1/batches/{}/recall", chain.batch_id), Some(producer), &json!({"reason": "Phát hiện nấm mốc"}))
        .await.assert_status(200);
    assert_eq!(app.scan_json(&third).await["verdict"], "recalled");
    assert_eq!(verdict_for_shop(&app, retailer, &third).await["verdict"], "recalled");
});
