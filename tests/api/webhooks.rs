//! Webhook subscriptions: secrets shown once, URLs checked, deliveries kept
//! in an outbox that outlives the process, expired ratings reported once.

use ocop_trace::domain::organization::OrgKind;
use ocop_trace::services::notify::{WebhookBody, WebhookPayload};
use serde_json::json;

use crate::helpers::{WebhookReceiver, eventually, spawn_app_with};

api_test!(async fn subscriptions_are_per_organization_with_a_secret_shown_once(app) {
    let retailer = app.login(OrgKind::Retailer).await;
    let other = app.login(OrgKind::Retailer).await;
    let created = app.post("/api/v1/webhooks", Some(&retailer.token),
        &json!({"url": "https://hooks.winmart.example/ocop", "events": ["recall", "clone_alert", "recall"]})).await;
    let body = created.assert_status(201).clone();
    assert!(body["secret"].as_str().expect("secret").starts_with("whsec_"));
    assert_eq!(body["events"], json!(["clone_alert", "recall"]));
    let id = body["id"].as_str().expect("id").to_owned();
    let listed = app.get("/api/v1/webhooks", Some(&retailer.token)).await;
    assert_eq!(listed.assert_status(200)["total"], 1);
    assert!(listed.body["items"][0].get("secret").is_none(), "the secret is not shown again");
    assert!(!listed.text.contains(body["secret"].as_str().expect("secret")));
    assert_eq!(app.get("/api/v1/webhooks", Some(&other.token)).await.body["total"], 0);
    app.get(&format!("/api/v1/webhooks/{id}/deliveries"), Some(&other.token)).await.assert_problem(404);
    app.send(app.request(reqwest::Method::DELETE, &format!("/api/v1/webhooks/{id}"), Some(&other.token))).await.assert_problem(404);
    app.send(app.request(reqwest::Method::DELETE, &format!("/api/v1/webhooks/{id}"), Some(&retailer.token))).await.assert_status(204);
    assert_eq!(app.get("/api/v1/webhooks", Some(&retailer.token)).await.body["total"], 0);

    for (bad, field) in [
        (json!({"url": "ftp://x.example", "events": ["recall"]}), "url"),
        (json!({"url": "https://x.example", "events": []}), "events"),
        (json!({"url": "https://x.example", "events": ["everything"]}), "events[0]"),
    ] {
        let answer = app.post("/api/v1/webhooks", Some(&retailer.token), &bad).await;
        assert_eq!(answer.body["field"], field, "{}", answer.text);
        assert!(answer.status.is_client_error());
    }
});

/// Each spelling of an inner address that the security review got accepted.
const INNER_URLS: &[&str] = &[
    "http://127.0.0.1:9/h",
    "http://localhost/h",
    "http://192.168.1.10/h",
    "http://[::1]/h",
    "http://localhost./",
    "http://foo.localhost/",
    "http://0x7f000001/",
    "http://2130706433/",
    "http://127.1/",
    "http://0177.0.0.1/",
    "http://0/",
    "http://[::ffff:127.0.0.1]/",
    "http://[::ffff:169.254.169.254]/",
    "http://[fd00:ec2::254]/",
    "http://[fe80::1]/",
    "http://[fc00::1]/",
    "http://100.64.0.1/",
    "http://198.18.0.1/",
    "http://127.0.0.1\\@example.com/",
];

api_test!(async fn private_addresses_are_refused_unless_allowed(app) {
    let strict = spawn_app_with(app.backend, |args| args.webhooks.webhook_allow_private_urls = false).await;
    let retailer = strict.login(OrgKind::Retailer).await;
    for url in INNER_URLS {
        let answer = strict.post("/api/v1/webhooks", Some(&retailer.token), &json!({"url": url, "events": ["recall"]})).await;
        assert_eq!(answer.assert_problem(422)["field"], "url", "{url}");
    }
    let user_info = strict.post("/api/v1/webhooks", Some(&retailer.token),
        &json!({"url": "https://user:pw@hooks.example/h", "events": ["recall"]})).await;
    assert_eq!(user_info.assert_problem(422)["field"], "url");
    // What is stored is the URL as the sender will read it.
    let ok = strict.post("/api/v1/webhooks", Some(&retailer.token),
        &json!({"url": "HTTPS://Hooks.WinMart.example/a/../ocop", "events": ["recall"]})).await;
    assert_eq!(ok.assert_status(201)["url"], "https://hooks.winmart.example/ocop");
});

api_test!(async fn at_most_twenty_subscriptions_per_organization(app) {
    let retailer = app.login(OrgKind::Retailer).await;
    let other = app.login(OrgKind::Retailer).await;
    for i in 0..20 {
        app.post("/api/v1/webhooks", Some(&retailer.token),
            &json!({"url": format!("https://hooks.example/{i}"), "events": ["recall"]})).await.assert_status(201);
    }
    let over = app.post("/api/v1/webhooks", Some(&retailer.token),
        &json!({"url": "https://hooks.example/20", "events": ["recall"]})).await;
    assert!(over.assert_problem(409)["detail"].as_str().expect("detail").contains("20"));
    assert_eq!(app.get("/api/v1/webhooks?per_page=100", Some(&retailer.token)).await.body["total"], 20);
    app.post("/api/v1/webhooks", Some(&other.token),
        &json!({"url": "https://hooks.example/mine", "events": ["recall"]})).await.assert_status(201);
});

api_test!(async fn the_sender_refuses_inner_addresses_when_it_connects(app) {
    // Subscriptions stored while private URLs were allowed (or whose name
    // later resolves inwards): a strict sender must not deliver them.
    let idle = spawn_app_with(app.backend, |args| args.webhooks.webhook_poll_ms = 3_600_000).await;
    let chain = idle.chain(2).await;
    let receiver = WebhookReceiver::start(0);
    let port = receiver.url.rsplit(':').next().expect("port").split('/').next().expect("port").to_owned();
    let mut subs = Vec::new();
    // A literal address, and a name that resolves to 127.0.0.1.
    for url in [receiver.url.clone(), format!("http://localhost.:{port}/hooks/ocop")] {
        let sub = idle.post("/api/v1/webhooks", Some(&chain.retailer.token), &json!({"url": url, "events": ["recall"]})).await;
        subs.push(sub.assert_status(201)["id"].as_str().expect("id").to_owned());
    }
    idle.post(&format!("/api/v1/batches/{}/recall", chain.batch_id), Some(&chain.producer.token), &json!({"reason": "Lỗi bao bì"}))
        .await
        .assert_status(200);
    let mut strict = idle
        .spawn_server_process(&[("WEBHOOK_POLL_MS", "50"), ("WEBHOOK_ALLOW_PRIVATE_URLS", "false")])
        .await;
    for sub in &subs {
        eventually(15, "the strict sender tries the delivery", || async {
            let log = idle.get(&format!("/api/v1/webhooks/{sub}/deliveries"), Some(&chain.retailer.token)).await;
            !log.body["items"][0]["attempts"].as_array().is_none_or(Vec::is_empty)
        }).await;
        let log = idle.get(&format!("/api/v1/webhooks/{sub}/deliveries"), Some(&chain.retailer.token)).await;
        let attempt = &log.body["items"][0]["attempts"][0];
        assert_eq!(attempt["outcome"], "failed (network)", "{}", log.text);
        assert!(attempt["status_code"].is_null());
    }
    let _ = strict.child.kill();
    let _ = strict.child.wait();
    assert!(receiver.deliveries().is_empty(), "nothing reached the inner listener");
});

api_test!(async fn the_delivery_log_tells_only_delivered_or_failed(app) {
    let chain = app.chain(2).await;
    let failing = WebhookReceiver::start(1);
    let closed_port = std::net::TcpListener::bind("127.0.0.1:0").expect("bind").local_addr().expect("addr").port();
    let mut subs = Vec::new();
    for url in [failing.url.clone(), format!("http://127.0.0.1:{closed_port}/h")] {
        let sub = app.post("/api/v1/webhooks", Some(&chain.retailer.token), &json!({"url": url, "events": ["recall"]})).await;
        subs.push(sub.assert_status(201)["id"].as_str().expect("id").to_owned());
    }
    app.post(&format!("/api/v1/batches/{}/recall", chain.batch_id), Some(&chain.producer.token), &json!({"reason": "Lỗi bao bì"}))
        .await
        .assert_status(200);
    eventually(15, "delivered after one failure", || async { failing.delivered("recall").len() == 1 }).await;
    // What arrives is the contract's WebhookBody, a recall notice of this batch.
    let delivered = failing.delivered("recall");
    let body: WebhookBody = serde_json::from_slice(&delivered[0].body).expect("a WebhookBody");
    let WebhookPayload::Recall(notice) = body.payload else { panic!("not a recall: {body:?}") };
    assert_eq!(notice.batch_id.to_string(), chain.batch_id);
    assert_eq!(notice.reason, "Lỗi bao bì");
    assert_eq!(notice.recalled_by, "producer");
    // The subscriber answers before the sender writes down its answer: wait for the log.
    eventually(15, "the log records the delivery", || async {
        let log = app.get(&format!("/api/v1/webhooks/{}/deliveries", subs[0]), Some(&chain.retailer.token)).await;
        log.body["items"][0]["status"] == "delivered"
    }).await;
    // Operators see deliveries by result on /metrics.
    let metrics = app.get("/metrics", None).await.text;
    for result in ["delivered", "retry"] {
        assert!(metrics.contains(&format!("ocop_webhook_deliveries_total{{result=\"{result}\"}}")), "{result}:\n{metrics}");
    }
    let log = app.get(&format!("/api/v1/webhooks/{}/deliveries", subs[0]), Some(&chain.retailer.token)).await;
    let outcomes: Vec<&str> = log.body["items"][0]["attempts"].as_array().expect("attempts")
        .iter().map(|a| a["outcome"].as_str().expect("outcome")).collect();
    assert_eq!(outcomes, ["failed (status 500)", "delivered"], "{}", log.text);
    eventually(15, "the closed port's attempt is recorded", || async {
        let log = app.get(&format!("/api/v1/webhooks/{}/deliveries", subs[1]), Some(&chain.retailer.token)).await;
        !log.body["items"][0]["attempts"].as_array().is_none_or(Vec::is_empty)
    }).await;
    let closed = app.get(&format!("/api/v1/webhooks/{}/deliveries", subs[1]), Some(&chain.retailer.token)).await;
    assert_eq!(closed.body["items"][0]["attempts"][0]["outcome"], "failed (network)", "{}", closed.text);
    assert!(!closed.text.contains("connect"), "{}", closed.text);
});

api_test!(async fn the_outbox_outlives_the_process(app) {
    // This server never gets round to sending (it looks once an hour)…
    let idle = spawn_app_with(app.backend, |args| args.webhooks.webhook_poll_ms = 3_600_000).await;
    let chain = idle.chain(2).await;
    let receiver = WebhookReceiver::start(0);
    let sub = idle.post("/api/v1/webhooks", Some(&chain.retailer.token), &json!({"url": receiver.url, "events": ["recall"]})).await;
    let sub_id = sub.assert_status(201)["id"].as_str().expect("id").to_owned();
    idle.post(&format!("/api/v1/batches/{}/recall", chain.batch_id), Some(&chain.producer.token), &json!({"reason": "Lỗi bao bì"}))
        .await
        .assert_status(200);
    let log = idle.get(&format!("/api/v1/webhooks/{sub_id}/deliveries"), Some(&chain.retailer.token)).await;
    assert_eq!(log.assert_status(200)["items"][0]["status"], "pending");
    assert!(receiver.deliveries().is_empty());
    // …a new process on the same database delivers what was queued.
    let mut other = idle
        .spawn_server_process(&[("WEBHOOK_POLL_MS", "50"), ("WEBHOOK_ALLOW_PRIVATE_URLS", "true")])
        .await;
    eventually(15, "the queued recall is delivered", || async { receiver.delivered("recall").len() == 1 }).await;
    let _ = other.child.kill();
    let _ = other.child.wait();
    let log = idle.get(&format!("/api/v1/webhooks/{sub_id}/deliveries?status=delivered"), Some(&chain.retailer.token)).await;
    assert_eq!(log.assert_status(200)["total"], 1);
});

api_test!(async fn an_expired_rating_is_reported_once(app) {
    let authority = app.login(OrgKind::Authority).await;
    let producer = app.login(OrgKind::Producer).await;
    let stranger = app.login(OrgKind::Producer).await;
    let mine = WebhookReceiver::start(0);
    let theirs = WebhookReceiver::start(0);
    for (who, hook) in [(&producer, &mine), (&stranger, &theirs)] {
        app.post("/api/v1/webhooks", Some(&who.token), &json!({"url": hook.url, "events": ["rating_expired"]})).await.assert_status(201);
    }
    let product = app.honey(&producer).await;
    let pid = product["id"].as_str().expect("id");
    app.post(&format!("/api/v1/products/{pid}/ocop-ratings"), Some(&authority.token),
        &json!({"stars": 3, "certificate_number": "7/QĐ-UBND", "issued_on": "2022-03-01"})).await.assert_status(201);
    eventually(10, "rating_expired delivered", || async { !mine.delivered("rating_expired").is_empty() }).await;
    actix_web::rt::time::sleep(std::time::Duration::from_millis(300)).await;
    let got = mine.delivered("rating_expired");
    assert_eq!(got.len(), 1, "reported once");
    let payload: serde_json::Value = serde_json::from_slice(&got[0].body).expect("json");
    assert_eq!(payload["data"]["product_id"], pid);
    assert_eq!(payload["data"]["expired_on"], "2025-03-01");
    assert!(theirs.deliveries().is_empty(), "another producer is not told");
});
