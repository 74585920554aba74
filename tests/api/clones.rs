//! Clone rules: each one triggered, and each one not triggered when it
//! should not be; alerts listed per role and sent as webhooks.

use ocop_trace::domain::organization::OrgKind;
use serde_json::{Value, json};

use crate::helpers::{TestApp, WebhookReceiver, eventually};

const HA_NOI: (f64, f64) = (21.03, 105.85);
const HCMC: (f64, f64) = (10.78, 106.70);
const HOA_BINH: (f64, f64) = (20.82, 105.34);
const NEAR_HOA_BINH: (f64, f64) = (20.85, 105.30);

async fn locate(app: &TestApp, code: &str, at: (f64, f64)) {
    app.post(
        &format!("/c/{code}/location"),
        None,
        &json!({"latitude": at.0, "longitude": at.1}),
    )
    .await
    .assert_status(204);
}

async fn alerts_of(app: &TestApp, token: &str, code: &str) -> Vec<String> {
    let answer = app
        .get(&format!("/api/v1/alerts?code={code}"), Some(token))
        .await;
    answer.assert_status(200)["items"]
        .as_array()
        .expect("items")
        .iter()
        .map(|a| a["rule"].as_str().expect("rule").to_owned())
        .collect()
}

async fn scan_json(app: &TestApp, code: &str) -> Value {
    let response = app
        .client
        .get(app.url(&format!("/c/{code}?lang=en")))
        .header("Accept", "application/json")
        .send()
        .await
        .expect("scan");
    response.json().await.expect("json")
}

api_test!(async fn too_many_views_raise_an_alert_and_fewer_do_not(app) {
    // The test app's threshold is 5 views.
    let chain = app.chain(2).await;
    let (calm, busy) = (&chain.codes[0], &chain.codes[1]);
    let mut last = Value::Null;
    for _ in 0..5 {
        last = scan_json(&app, calm).await;
    }
    assert_eq!(last["verdict"], "authentic", "five views are not too many");
    for _ in 0..6 {
        scan_json(&app, busy).await;
    }
    let token = chain.producer.token.clone();
    eventually(5, "a scan_count alert", || async { alerts_of(&app, &token, busy).await == ["scan_count"] }).await;
    assert!(alerts_of(&app, &token, calm).await.is_empty());
    let page = scan_json(&app, busy).await;
    assert_eq!(page["verdict"], "suspected_clone");
    // One alert per code and rule, however many more views.
    scan_json(&app, busy).await;
    assert_eq!(app.count("clone_alerts"), 1);
});

api_test!(async fn scans_too_far_apart_too_quickly_raise_an_alert(app) {
    let chain = app.chain(2).await;
    let (travelled, local) = (&chain.codes[0], &chain.codes[1]);
    locate(&app, travelled, HA_NOI).await;
    locate(&app, travelled, HCMC).await;
    locate(&app, local, HOA_BINH).await;
    locate(&app, local, NEAR_HOA_BINH).await;
    assert_eq!(alerts_of(&app, &chain.producer.token, travelled).await, ["impossible_travel"]);
    assert!(alerts_of(&app, &chain.producer.token, local).await.is_empty());
    let page = scan_json(&app, travelled).await;
    assert_eq!(page["verdict"], "suspected_clone");
    assert!(page["warnings"][0]["message"].as_str().expect("message").contains("two places far apart"));
    assert_eq!(scan_json(&app, local).await["verdict"], "authentic");
    let vi = app.client.get(app.url(&format!("/c/{travelled}"))).send().await.expect("scan").text().await.expect("html");
    assert!(vi.contains("hai nơi cách xa nhau"), "the Vietnamese page warns in plain words");
});

api_test!(async fn scans_far_from_the_shop_after_the_sale_raise_an_alert(app) {
    let chain = app.chain(4).await;
    let producer_hook = WebhookReceiver::start(0);
    let seller_hook = WebhookReceiver::start(0);
    let bystander_hook = WebhookReceiver::start(0);
    let bystander = app.login(OrgKind::Retailer).await;
    for (who, hook) in [(&chain.producer, &producer_hook), (&chain.retailer, &seller_hook), (&bystander, &bystander_hook)] {
        app.post("/api/v1/webhooks", Some(&who.token), &json!({"url": hook.url, "events": ["clone_alert"]})).await.assert_status(201);
    }
    let sold_at = (chrono::Utc::now() - chrono::Duration::hours(1)).to_rfc3339();
    let (far, near, unsold) = (&chain.codes[0], &chain.codes[1], &chain.codes[2]);
    app.post("/api/v1/events", Some(&chain.retailer.token), &json!({"events": [{
        "biz_step": "retail_selling", "event_time": sold_at, "codes": [far, near],
        "location": {"name": "WinMart Hòa Bình", "latitude": HOA_BINH.0, "longitude": HOA_BINH.1}
    }]})).await.assert_status(201);
    locate(&app, far, HCMC).await;
    locate(&app, near, NEAR_HOA_BINH).await;
    locate(&app, unsold, HCMC).await;
    assert_eq!(alerts_of(&app, &chain.authority.token, far).await, ["after_sale"]);
    assert!(alerts_of(&app, &chain.authority.token, near).await.is_empty());
    assert!(alerts_of(&app, &chain.authority.token, unsold).await.is_empty());
    let page = scan_json(&app, far).await;
    assert_eq!(page["verdict"], "suspected_clone");
    assert!(page["journey"].as_array().expect("journey").iter().any(|s| s["step"] == "retail_selling"));

    // Told to the producer and to the shop that sold it, not to other shops.
    eventually(10, "clone_alert webhooks", || async {
        !producer_hook.delivered("clone_alert").is_empty() && !seller_hook.delivered("clone_alert").is_empty()
    }).await;
    let payload: Value = serde_json::from_slice(&producer_hook.delivered("clone_alert")[0].body).expect("json");
    assert_eq!(payload["data"]["code"], far.as_str());
    assert_eq!(payload["data"]["rule"], "after_sale");
    assert!(bystander_hook.deliveries().is_empty());

    // Who sees alerts: the producer its own, the authority all, retailers none.
    let stranger = app.login(OrgKind::Producer).await;
    assert_eq!(app.get("/api/v1/alerts", Some(&stranger.token)).await.assert_status(200)["total"], 0);
    assert_eq!(app.get("/api/v1/alerts", Some(&chain.producer.token)).await.body["total"], 1);
    app.get("/api/v1/alerts", Some(&chain.retailer.token)).await.assert_problem(403);
    assert_eq!(app.get("/api/v1/alerts?rule=after_sale", Some(&chain.authority.token)).await.body["total"], 1);
    assert_eq!(app.get("/api/v1/alerts?rule=scan_count", Some(&chain.authority.token)).await.body["total"], 0);
    app.get("/api/v1/alerts?rule=nope", Some(&chain.authority.token)).await.assert_problem(400);
});
