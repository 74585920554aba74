//! The retailer's story, end to end: issue → ship → receive → verify →
//! area suspended → recall → a signed webhook reaches the retailer, also
//! after a failed first attempt.

use serde_json::json;

use crate::helpers::{WebhookReceiver, eventually, expected_signature};

api_test!(async fn delivery_story_from_issuance_to_recall_webhook(app) {
    let chain = app.chain(20).await;
    let receiver = WebhookReceiver::start(1);
    let subscription = app
        .post("/api/v1/webhooks", Some(&chain.retailer.token), &json!({"url": receiver.url, "events": ["recall"]}))
        .await
        .assert_status(201)
        .clone();
    let secret = subscription["secret"].as_str().expect("secret").to_owned();
    let subscription_id = subscription["id"].as_str().expect("id").to_owned();

    // The producer ships the whole run to the retailer.
    let shipped = app
        .post("/api/v1/events", Some(&chain.producer.token), &json!({"events": [{
            "biz_step": "shipping", "event_time": "2026-11-20T07:00:00+07:00",
            "code_run_id": chain.run_id, "destination_org_id": chain.retailer.org_id,
            "location": {"name": "HTX Cam Cao Phong", "province": "Hòa Bình"}
        }]}))
        .await;
    assert_eq!(shipped.assert_status(201)["events"][0]["disposition"], "in_transit");

    // The retailer receives the packages, code by code.
    let received = app
        .post("/api/v1/events", Some(&chain.retailer.token), &json!({"events": [{
            "biz_step": "receiving", "event_time": "2026-11-21T09:30:00+07:00",
            "codes": chain.codes, "location": {"name": "WinMart Hòa Bình"}
        }]}))
        .await;
    let event = &received.assert_status(201)["events"][0];
    assert_eq!(event["code_count"], 20);
    assert_eq!(event["recorded_by"]["id"], chain.retailer.org_id.to_string());
    assert_eq!(event["location"]["province"], "Hòa Bình", "the recorder's province by default");

    // Verification of the delivery: all authentic, with the provenance.
    let verified = app.post("/api/v1/verify", Some(&chain.retailer.token), &json!({"codes": chain.codes})).await;
    let body = verified.assert_status(200);
    assert_eq!(body["all_authentic"], true, "{body}");
    assert_eq!(body["summary"]["authentic"], 20);
    let first = &body["results"][0];
    assert_eq!(first["verdict"], "authentic");
    assert_eq!(first["events"][0]["biz_step"], "receiving");
    let provenance = &body["provenances"][first["provenance_ref"].as_str().expect("ref")];
    assert_eq!(provenance["product"]["name"], "Cam Cao Phong");
    assert_eq!(provenance["farming_area"]["code"], chain.area_code);
    assert_eq!(provenance["farming_area"]["status"], "active");
    assert_eq!(provenance["ocop"]["stars"], 4);
    assert_eq!(provenance["batch_events"][0]["biz_step"], "shipping");

    // The authority suspends the farming area.
    app.post(&format!("/api/v1/farming-areas/{}/status", chain.area_id), Some(&chain.authority.token),
        &json!({"status": "suspended", "reason": "Dư lượng thuốc BVTV vượt ngưỡng"}))
        .await
        .assert_status(200);
    let one = app.get(&format!("/api/v1/verify/{}", chain.codes[3].to_lowercase()), Some(&chain.retailer.token)).await;
    let one = one.assert_status(200);
    assert_eq!(one["verdict"], "area_suspended", "{one}");
    assert_eq!(one["canonical_code"], chain.codes[3]);
    assert_eq!(one["provenance"]["farming_area"]["status"], "suspended");
    assert!(one["reasons"][0].as_str().expect("reason").contains(&chain.area_code));

    // The producer recalls the batch.
    let recalled = app
        .post(&format!("/api/v1/batches/{}/recall", chain.batch_id), Some(&chain.producer.token),
            &json!({"reason": "Phát hiện nấm mốc"}))
        .await;
    assert_eq!(recalled.assert_status(200)["status"], "recalled");
    let after = app.post("/api/v1/verify", Some(&chain.retailer.token), &json!({"codes": chain.codes})).await;
    let after = after.assert_status(200);
    assert_eq!(after["summary"]["recalled"], 20);
    assert_eq!(after["results"][0]["verdicts"], json!(["recalled", "area_suspended"]));

    // The consumer's page shows the recall and the journey.
    let page = app.client.get(app.url(&format!("/c/{}", chain.codes[0]))).send().await.expect("scan");
    let html = page.text().await.expect("html");
    assert!(html.contains("THU HỒI") && html.contains("Phát hiện nấm mốc"));
    assert!(html.contains("Nhận hàng") && html.contains("WinMart Hòa Bình"), "journey shows the receiving");

    // The webhook: first attempt answered 500, the retry is delivered, signed.
    eventually(15, "the recall webhook is delivered", || async { !receiver.delivered("recall").is_empty() }).await;
    let all = receiver.deliveries();
    assert_eq!(all[0].answered, 500, "the first attempt failed");
    let delivered = &receiver.delivered("recall")[0];
    let signature = delivered.headers.get("x-ocop-signature").expect("signature");
    assert_eq!(signature, &expected_signature(&secret, &delivered.body));
    assert_ne!(signature, &expected_signature("another secret", &delivered.body));
    let payload: serde_json::Value = serde_json::from_slice(&delivered.body).expect("json");
    assert_eq!(payload["type"], "recall");
    assert_eq!(payload["data"]["batch_id"], chain.batch_id);
    assert_eq!(payload["data"]["reason"], "Phát hiện nấm mốc");
    assert_eq!(payload["data"]["code_count"], 20);
    assert_eq!(all[0].body, delivered.body, "a retry sends the same body");
    assert_eq!(delivered.headers.get("x-ocop-attempt").map(String::as_str), Some("2"));

    // The subscriber reads the delivery log: one delivery, two attempts.
    eventually(5, "the log shows the delivery", || async {
        let log = app.get(&format!("/api/v1/webhooks/{subscription_id}/deliveries"), Some(&chain.retailer.token)).await;
        log.body["items"][0]["status"] == "delivered"
    }).await;
    let log = app.get(&format!("/api/v1/webhooks/{subscription_id}/deliveries"), Some(&chain.retailer.token)).await;
    let log = log.assert_status(200);
    assert_eq!(log["total"], 1);
    let attempts = &log["items"][0]["attempts"];
    assert_eq!(attempts[0]["status_code"], 500);
    assert_eq!(attempts[1]["status_code"], 200);
    assert_eq!(log["items"][0]["payload"]["data"]["batch_id"], chain.batch_id);
});

api_test!(async fn recall_by_the_authority_is_audited_and_idempotent(app) {
    let chain = app.chain(3).await;
    let path = format!("/api/v1/batches/{}/recall", chain.batch_id);
    let first = app.post(&path, Some(&chain.authority.token), &json!({"reason": "Quyết định thu hồi của Sở"})).await;
    assert_eq!(first.assert_status(200)["recall_reason"], "Quyết định thu hồi của Sở");
    let deliveries_before = app.count("webhook_deliveries");
    let events_before = app.count("supply_events");
    let again = app.post(&path, Some(&chain.producer.token), &json!({"reason": "khác"})).await;
    assert_eq!(again.assert_status(200)["recall_reason"], "Quyết định thu hồi của Sở", "a second recall changes nothing");
    assert_eq!(app.count("supply_events"), events_before);
    assert_eq!(app.count("webhook_deliveries"), deliveries_before);
    let audit = app.get("/api/v1/audit-log?entity_type=batch", Some(&chain.authority.token)).await;
    assert_eq!(audit.assert_status(200)["items"][0]["action"], "recall");
    // A blank reason is refused and nothing changes.
    let other = app.chain_batch(&chain, "CCP-2612").await;
    app.post(&format!("/api/v1/batches/{other}/recall"), Some(&chain.producer.token), &json!({"reason": "  "}))
        .await
        .assert_problem(422);
    let batch = app.get(&format!("/api/v1/batches/{other}"), Some(&chain.producer.token)).await;
    assert_eq!(batch.body["status"], "active");
});
