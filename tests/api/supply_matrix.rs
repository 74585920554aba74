//! Every role × every endpoint of the supply chain: events, verification,
//! recall, alerts, webhooks, analytics.

use ocop_trace::domain::organization::OrgKind;
use reqwest::Method;
use serde_json::json;

use crate::helpers::Body::{Bytes, Empty, Json};
use crate::helpers::{MatrixRow, assert_matrix_covers, days_from_today};

api_test!(async fn supply_chain_authorization_matrix(app) {
    let admin = app.login(OrgKind::Admin).await;
    let chain = app.chain(2).await;
    let other = app.login(OrgKind::Producer).await;
    app.ship_batch(&chain, &chain.retailer).await;
    let recorded = app.post("/api/v1/events", Some(&chain.retailer.token), &json!({"events": [{
        "biz_step": "receiving", "event_time": format!("{}T09:30:00+07:00", days_from_today(-1)), "codes": [chain.codes[0]]
    }]})).await;
    let event_id = recorded.assert_status(201)["events"][0]["id"].as_str().expect("id").to_owned();
    let sub = app.post("/api/v1/webhooks", Some(&chain.retailer.token), &json!({"url": "https://hooks.example/x", "events": ["recall"]})).await;
    let sub_id = sub.assert_status(201)["id"].as_str().expect("id").to_owned();
    let (bid, code) = (&chain.batch_id, &chain.codes[1]);
    // One client viewing a code past the threshold (5 here) puts it on watch.
    for _ in 0..6 {
        app.scan_json(&chain.codes[0]).await;
    }
    crate::helpers::eventually(10, "a watch alert", || async {
        app.get("/api/v1/alerts", Some(&chain.producer.token)).await.body["total"] == 1
    })
    .await;
    let alerts = app.get("/api/v1/alerts", Some(&chain.producer.token)).await;
    let alert_id = alerts.body["items"][0]["id"].as_str().expect("id").to_owned();
    // A shopper's report with a photo: its alert, its reports, its photo.
    let photo = ocop_trace::demo::drawings::draw(ocop_trace::demo::drawings::Drawing::Oranges).expect("drawn");
    let form = reqwest::multipart::Form::new().part("photo",
        reqwest::multipart::Part::bytes(photo).file_name("cam.png").mime_str("image/png").expect("mime"));
    app.send(app.client.post(app.url(&format!("/c/{}/report", chain.codes[1]))).multipart(form)).await;
    let reported = app.get("/api/v1/alerts?rule=counterfeit_report", Some(&chain.producer.token)).await;
    let report_alert = reported.body["items"][0]["id"].as_str().expect("report alert").to_owned();
    let reports = app.get(&format!("/api/v1/alerts/{report_alert}/reports"), Some(&chain.producer.token)).await;
    let photo_url = reports.body[0]["photo_url"].as_str().expect("photo").to_owned();
    let captured = app.send(app.request(Method::POST, "/api/v1/epcis/capture", Some(&chain.retailer.token))
        .header("content-type", "application/ld+json")
        .body(include_str!("../vectors/epcis/Example_9.6.2-ObjectEvent.json"))).await;
    let capture_id = captured.assert_status(202)["captureID"].as_str().expect("id").to_owned();

    let inspected = json!({"events": [{
        "biz_step": "inspecting", "event_time": format!("{}T10:00:00+07:00", days_from_today(-1)), "codes": [code]
    }]});
    let epcis = include_str!("../vectors/epcis/Example_9.6.2-ObjectEvent.json").as_bytes().to_vec();

    // Each body is one the roles let in can act on, so "ok" is a 2xx.
    // [admin, authority, owner producer, other producer, retailer, public]
    let matrix: Vec<MatrixRow> = vec![
        // Another producer may record only its own codes: 422 naming them.
        (Method::POST, "/api/v1/events".into(), Json(inspected), ["ok", "ok", "ok", "422", "ok", "401"]),
        (Method::GET, "/api/v1/events".into(), Empty, ["ok", "ok", "ok", "ok", "ok", "401"]),
        (Method::GET, format!("/api/v1/events/{event_id}"), Empty, ["ok", "ok", "ok", "404", "ok", "401"]),
        (Method::GET, format!("/api/v1/verify/{code}"), Empty, ["ok", "ok", "ok", "ok", "ok", "401"]),
        (Method::POST, "/api/v1/verify".into(), Json(json!({"codes": [code]})), ["ok", "ok", "ok", "ok", "ok", "401"]),
        (Method::GET, "/api/v1/alerts".into(), Empty, ["ok", "ok", "ok", "ok", "403", "401"]),
        (Method::POST, format!("/api/v1/alerts/{alert_id}/dismiss"), Empty, ["403", "ok", "ok", "404", "403", "401"]),
        (Method::POST, format!("/api/v1/alerts/{alert_id}/confirm"), Empty, ["403", "ok", "ok", "404", "403", "401"]),
        (Method::GET, format!("/api/v1/alerts/{report_alert}/reports"), Empty, ["ok", "ok", "ok", "404", "403", "401"]),
        (Method::GET, photo_url.clone(), Empty, ["ok", "ok", "ok", "404", "403", "401"]),
        (Method::GET, "/api/v1/analytics/scans?group_by=day".into(), Empty, ["ok", "ok", "ok", "ok", "403", "401"]),
        (Method::POST, "/api/v1/webhooks".into(), Json(json!({"url": "https://hooks.example/y", "events": ["recall"]})),
            ["ok", "ok", "ok", "ok", "ok", "401"]),
        (Method::GET, "/api/v1/webhooks".into(), Empty, ["ok", "ok", "ok", "ok", "ok", "401"]),
        (Method::GET, format!("/api/v1/webhooks/{sub_id}/deliveries"), Empty, ["404", "404", "404", "404", "ok", "401"]),
        (Method::POST, format!("/api/v1/batches/{bid}/recall"), Json(json!({"reason": "Kiểm tra ma trận quyền"})),
            ["403", "ok", "ok", "404", "403", "401"]),
        (Method::POST, "/api/v1/epcis/capture".into(), Bytes("application/ld+json", epcis),
            ["ok", "ok", "ok", "ok", "ok", "401"]),
        (Method::GET, format!("/api/v1/epcis/capture/{capture_id}"), Empty, ["ok", "ok", "404", "404", "ok", "401"]),
        (Method::GET, "/api/v1/epcis/events".into(), Empty, ["ok", "ok", "ok", "ok", "ok", "401"]),
        // Last: the owner's delete succeeds.
        (Method::DELETE, format!("/api/v1/webhooks/{sub_id}"), Empty, ["404", "404", "404", "404", "ok", "401"]),
    ];
    app.assert_matrix(&matrix, [
        ("admin", Some(admin.token.as_str())),
        ("authority", Some(chain.authority.token.as_str())),
        ("owner", Some(chain.producer.token.as_str())),
        ("other producer", Some(other.token.as_str())),
        ("retailer", Some(chain.retailer.token.as_str())),
        ("public", None),
    ]).await;
    let batch = app.get(&format!("/api/v1/batches/{bid}"), Some(&chain.producer.token)).await;
    assert_eq!(batch.body["status"], "recalled");

    // The matrix covers every route of this part of the contract.
    assert_matrix_covers(&matrix, |path| {
        ["/events", "/verify", "/alerts", "/webhooks", "/analytics", "/epcis", "/counterfeit-reports"]
            .iter()
            .any(|p| path.starts_with(&format!("/api/v1{p}")))
            || path.ends_with("/recall")
    });
});
