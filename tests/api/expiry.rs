//! What shoppers and supermarkets missed (issue #17, 1 and 2): goods past
//! their best-before day, and why a farming area was suspended.

use ocop_trace::domain::organization::OrgKind;
use reqwest::Method;
use serde_json::json;

use crate::helpers::{WebhookReceiver, eventually};

// Scan (page and JSON), then change through the API, then scan again: the
// page caches what it shows, so each change must reach the next scan.
api_test!(async fn goods_past_best_before_are_flagged_on_the_page_in_verification_and_once_by_webhook(app) {
    let chain = app.chain(1).await;
    let stranger = app.login(OrgKind::Producer).await;
    let other_shop = app.login(OrgKind::Retailer).await;
    let (mine, theirs, shop) = (WebhookReceiver::start(0), WebhookReceiver::start(0), WebhookReceiver::start(0));
    for (who, hook) in [(&chain.producer, &mine), (&stranger, &theirs), (&other_shop, &shop)] {
        app.post("/api/v1/webhooks", Some(&who.token), &json!({"url": hook.url, "events": ["batch_expired"]}))
            .await
            .assert_status(201);
    }
    // The chain's batch is good until 2027: authentic.
    assert_eq!(app.scan_json(&chain.codes[0]).await["verdict"], "authentic");
    // A lot made in 2025, best before 1 June 2025.
    let batch = app.post("/api/v1/batches", Some(&chain.producer.token), &json!({
        "product_id": chain.product_id, "lot": "CCP-2505", "farming_area_codes": [chain.area_code],
        "production_date": "2025-01-05", "best_before": "2025-06-01", "quantity": 10, "unit": "hộp"
    })).await;
    let batch_id = batch.assert_status(201)["id"].as_str().expect("id").to_owned();
    let (_, codes) = app.issue_codes(&chain.producer, &batch_id, &chain.area_code, 1).await;
    let view = app.scan_json(&codes[0]).await;
    assert_eq!(view["verdict"], "expired");
    assert_eq!(view["warnings"][0]["kind"], "expired");
    assert!(view["warnings"][0]["message"].as_str().unwrap_or_default().contains("01/06/2025"), "{view}");
    let page = app.send(app.request(Method::GET, &format!("/c/{}", codes[0]), None).header("accept", "text/html")).await;
    assert!(page.text.contains("quá hạn sử dụng"), "the page says it in Vietnamese");
    assert!(page.text.contains("verdict warn"), "amber, not red");
    let english = app.send(app.request(Method::GET, &format!("/c/{}?lang=en", codes[0]), None).header("accept", "text/html")).await;
    assert!(english.text.contains("Past its best-before date"));
    // Verification names it, with the date.
    let verified = app.get(&format!("/api/v1/verify/{}", codes[0]), Some(&chain.producer.token)).await;
    let verified = verified.assert_status(200);
    assert_eq!(verified["verdict"], "expired");
    assert!(verified["reasons"][0].as_str().unwrap_or_default().contains("01/06/2025"), "{verified}");
    let delivery = app.post("/api/v1/verify", Some(&chain.producer.token), &json!({"codes": [codes[0], chain.codes[0]]})).await;
    assert_eq!(delivery.assert_status(200)["summary"], json!({"authentic": 1, "expired": 1}));
    // `batch_expired` once, to the producer (and the authority), not to
    // another producer or a shop that never handled the lot.
    eventually(10, "batch_expired delivered", || async { !mine.delivered("batch_expired").is_empty() }).await;
    actix_web::rt::time::sleep(std::time::Duration::from_millis(400)).await;
    let got = mine.delivered("batch_expired");
    assert_eq!(got.len(), 1, "reported once");
    let notice: serde_json::Value = serde_json::from_slice(&got[0].body).expect("json");
    assert_eq!(notice["data"]["lot"], "CCP-2505");
    assert_eq!(notice["data"]["best_before"], "2025-06-01");
    assert!(theirs.deliveries().is_empty() && shop.deliveries().is_empty());
});

api_test!(async fn a_suspended_area_says_why_and_since_when_to_shoppers_and_supermarkets(app) {
    let chain = app.chain(1).await;
    let code = &chain.codes[0];
    assert_eq!(app.scan_json(code).await["verdict"], "authentic");
    app.post(&format!("/api/v1/farming-areas/{}/status", chain.area_id), Some(&chain.authority.token),
        &json!({"status": "suspended", "reason": "Phát hiện dư lượng kháng sinh vượt ngưỡng"})).await.assert_status(200);
    let today = ocop_trace::domain::time::today().format("%d/%m/%Y").to_string();
    let view = app.scan_json(code).await;
    assert_eq!(view["verdict"], "area_suspended");
    let message = view["warnings"][0]["message"].as_str().unwrap_or_default();
    assert!(message.contains("dư lượng kháng sinh vượt ngưỡng") && message.contains(&today), "{message}");
    assert!(message.contains("Chưa nên dùng"), "with advice: {message}");
    let verified = app.get(&format!("/api/v1/verify/{code}?lang=en"), Some(&chain.producer.token)).await;
    let reason = verified.assert_status(200)["reasons"][0].as_str().unwrap_or_default().to_owned();
    assert!(reason.contains("dư lượng kháng sinh") && reason.contains(&today), "{reason}");
    // Reinstated: the next scan is authentic again.
    app.post(&format!("/api/v1/farming-areas/{}/status", chain.area_id), Some(&chain.authority.token),
        &json!({"status": "active", "reason": "Kết quả kiểm nghiệm lại đạt"})).await.assert_status(200);
    assert_eq!(app.scan_json(code).await["verdict"], "authentic");
});
