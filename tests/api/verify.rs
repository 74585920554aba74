//! Verification of single codes and whole deliveries.

use ocop_trace::domain::organization::OrgKind;
use serde_json::json;

api_test!(async fn verdicts_for_unknown_foreign_sold_and_expired_codes(app) {
    let chain = app.chain(4).await;
    let token = chain.retailer.token.clone();
    // Garbage and well-formed but unregistered codes are unknown, not errors.
    let answer = app.post("/api/v1/verify", Some(&token), &json!({"codes": ["hello", "0000000000000", chain.codes[0].to_lowercase()]})).await;
    let body = answer.assert_status(200);
    assert_eq!(body["results"][0]["verdict"], "unknown");
    assert_eq!(body["results"][0]["canonical_code"], serde_json::Value::Null);
    assert_eq!(body["results"][1]["verdict"], "unknown");
    assert_eq!(body["results"][2]["verdict"], "authentic");
    assert_eq!(body["results"][2]["code"], chain.codes[0].to_lowercase(), "the code as sent");
    assert_eq!(body["all_authentic"], false);
    assert_eq!(body["summary"], json!({"authentic": 1, "unknown": 2}));

    // A producer verifies only its own codes: another producer's read unknown.
    let other = app.login(OrgKind::Producer).await;
    let foreign = app.get(&format!("/api/v1/verify/{}", chain.codes[0]), Some(&other.token)).await;
    assert_eq!(foreign.assert_status(200)["verdict"], "unknown");
    assert!(foreign.body["provenance"].is_null());
    let own = app.get(&format!("/api/v1/verify/{}?lang=en", chain.codes[0]), Some(&chain.producer.token)).await;
    assert_eq!(own.assert_status(200)["verdict"], "authentic");
    assert_eq!(own.body["provenance"]["product"]["name"], "Cao Phong orange");

    // A package a shop already sold should not be in a delivery.
    app.ship_batch(&chain, &chain.retailer).await;
    app.post("/api/v1/events", Some(&token), &json!({"events": [{
        "biz_step": "retail_selling", "event_time": "2026-11-21T18:00:00+07:00", "codes": [chain.codes[1]]
    }]})).await.assert_status(201);
    let sold = app.get(&format!("/api/v1/verify/{}", chain.codes[1]), Some(&token)).await;
    assert_eq!(sold.assert_status(200)["verdict"], "already_sold");

    // An expired rating.
    let product = app.create_product(&chain.producer, &json!({"name_vi": "Mật ong", "group": "food"})).await;
    let pid = product["id"].as_str().expect("id");
    app.post(&format!("/api/v1/products/{pid}/ocop-ratings"), Some(&chain.authority.token),
        &json!({"stars": 3, "certificate_number": "12/QĐ", "issued_on": "2022-01-01"})).await.assert_status(201);
    let batch = app.create_batch(&chain.producer, pid, "MO-01", &chain.area_code).await;
    let bid = batch.assert_status(201)["id"].as_str().expect("id").to_owned();
    let (_, honey) = app.issue_codes(&chain.producer, &bid, &chain.area_code, 1).await;
    let expired = app.get(&format!("/api/v1/verify/{}", honey[0]), Some(&token)).await;
    assert_eq!(expired.assert_status(200)["verdict"], "rating_expired");
    assert_eq!(expired.body["provenance"]["ocop"]["status"], "expired");
    assert!(expired.body["provenance"]["ocop"]["stars"].is_null());
});

api_test!(async fn a_delivery_of_ten_thousand_codes_in_one_request(app) {
    let chain = app.chain(1).await;
    let (_, mut codes) = app.issue_codes(&chain.producer, &chain.batch_id, &chain.area_code, 9_999).await;
    codes.push(chain.codes[0].clone());
    let answer = app.post("/api/v1/verify", Some(&chain.retailer.token), &json!({"codes": codes})).await;
    let body = answer.assert_status(200);
    assert_eq!(body["summary"]["authentic"], 10_000);
    assert_eq!(body["results"].as_array().expect("results").len(), 10_000);
    assert_eq!(body["provenances"].as_object().expect("provenances").len(), 2, "two runs");
    // Limits.
    codes.push(chain.codes[0].clone());
    let answer = app.post("/api/v1/verify", Some(&chain.retailer.token), &json!({"codes": codes})).await;
    assert_eq!(answer.assert_problem(422)["field"], "codes");
    app.post("/api/v1/verify", Some(&chain.retailer.token), &json!({"codes": []})).await.assert_problem(422);
    app.post("/api/v1/verify", Some(&chain.retailer.token), &json!({"codes": "ABC"})).await.assert_problem(422);
});

// The review's finding: another retailer's verification showed WinMart's
// receiving with its purchase-order note, shop coordinates and supplier.
api_test!(async fn a_retailer_never_reads_another_shops_events_through_verification(app) {
    let chain = app.chain(3).await;
    let rival = app.login(OrgKind::Retailer).await;
    app.ship_batch(&chain, &chain.retailer).await;
    app.ship_batch(&chain, &rival).await;
    app.post("/api/v1/events", Some(&chain.retailer.token), &json!({"events": [
        {"biz_step": "receiving", "event_time": "2026-11-21T09:30:00+07:00", "batch_id": chain.batch_id,
         "note": "PO-WM-88123 từ NPP Tây Bắc", "location": {"name": "WinMart kho Lương Sơn", "latitude": 20.85, "longitude": 105.52}},
        {"biz_step": "retail_selling", "event_time": "2026-11-21T18:00:00+07:00", "codes": [chain.codes[0]],
         "note": "hóa đơn 0042", "location": {"name": "WinMart Hòa Bình", "latitude": 20.81, "longitude": 105.33}},
    ]})).await.assert_status(201);
    for path in [format!("/api/v1/verify/{}", chain.codes[0]), format!("/api/v1/verify/{}", chain.codes[1])] {
        let seen = app.get(&path, Some(&rival.token)).await;
        seen.assert_status(200);
        for secret in ["PO-WM-88123", "0042", "105.52", "105.33", "Lương Sơn"] {
            assert!(!seen.text.contains(secret), "{secret} leaked to another retailer: {}", seen.text);
        }
        // The producer's shipment to this shop is shown.
        assert!(seen.text.contains("\"shipping\""), "{}", seen.text);
    }
    // The sale still counts in the verdict, without saying where.
    let sold = app.get(&format!("/api/v1/verify/{}", chain.codes[0]), Some(&rival.token)).await;
    assert_eq!(sold.body["verdict"], "already_sold");
    let delivery = app.post("/api/v1/verify", Some(&rival.token), &json!({"codes": chain.codes})).await;
    assert!(!delivery.assert_status(200).to_string().contains("PO-WM-88123"), "{}", delivery.text);
    // The shop itself, the producer and the authority still see it all.
    for who in [&chain.retailer, &chain.producer, &chain.authority] {
        let full = app.get(&format!("/api/v1/verify/{}", chain.codes[0]), Some(&who.token)).await;
        assert!(full.assert_status(200).to_string().contains("PO-WM-88123"), "{}", full.text);
    }
    // The public page shows neither the note nor the coordinates.
    let page = app.scan_json(&chain.codes[0]).await.to_string();
    for secret in ["PO-WM-88123", "0042", "105.52", "105.33"] {
        assert!(!page.contains(secret), "{secret} on the public page: {page}");
    }
});
