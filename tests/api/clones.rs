//! Clone rules: each one triggered, and each one not triggered when it
//! should not be; evidence counted in distinct clients; watch, confirmation
//! and dismissal; alerts listed per role and sent as webhooks.

use ocop_trace::domain::organization::OrgKind;
use serde_json::{Value, json};

use reqwest::Method;

use crate::helpers::{TestApp, WebhookReceiver, eventually, spawn_app_with};

const HA_NOI: (f64, f64) = (21.03, 105.85);
const HCMC: (f64, f64) = (10.78, 106.70);
const HOA_BINH: (f64, f64) = (20.82, 105.34);
const NEAR_HOA_BINH: (f64, f64) = (20.85, 105.30);

/// An app behind a trusted proxy on 127.0.0.1, so each test client can be
/// a different address (`X-Forwarded-For`), as consumers' phones are.
async fn behind_proxy(app: &TestApp) -> TestApp {
    spawn_app_with(app.backend, |args| {
        args.scan.trusted_proxies = vec!["127.0.0.1".parse().expect("ip")];
    })
    .await
}

async fn locate_from(app: &TestApp, client: &str, code: &str, at: (f64, f64)) -> u16 {
    let request = app
        .request(Method::POST, &format!("/c/{code}/location"), None)
        .header("x-forwarded-for", client)
        .json(&json!({"latitude": at.0, "longitude": at.1}));
    app.send(request).await.status.as_u16()
}

async fn scan_from(app: &TestApp, client: &str, code: &str) -> Value {
    let request = app
        .request(Method::GET, &format!("/c/{code}?lang=en"), None)
        .header("accept", "application/json")
        .header("x-forwarded-for", client);
    app.send(request).await.assert_status(200).clone()
}

async fn alerts_of(app: &TestApp, token: &str, code: &str) -> Vec<(String, String)> {
    let answer = app
        .get(&format!("/api/v1/alerts?code={code}"), Some(token))
        .await;
    answer.assert_status(200)["items"]
        .as_array()
        .expect("items")
        .iter()
        .map(|a| {
            (
                a["rule"].as_str().expect("rule").to_owned(),
                a["status"].as_str().expect("status").to_owned(),
            )
        })
        .collect()
}

fn alert(rule: &str, status: &str) -> Vec<(String, String)> {
    vec![(rule.to_owned(), status.to_owned())]
}

async fn verdict_for_shop(app: &TestApp, token: &str, code: &str) -> String {
    let answer = app
        .get(&format!("/api/v1/verify/{code}"), Some(token))
        .await;
    answer.assert_status(200)["verdict"]
        .as_str()
        .expect("verdict")
        .to_owned()
}

// The review's attack: 52 plain GETs from one address made a genuine code a
// "suspected copy" for good. Now one client only puts it on watch; many
// distinct clients confirm it.
api_test!(async fn views_are_watched_per_request_and_confirmed_per_client(app) {
    // The test app's threshold is 5.
    let app = behind_proxy(&app).await;
    let chain = app.chain(3).await;
    let (calm, busy) = (&chain.codes[0], &chain.codes[1]);
    for _ in 0..5 {
        assert_eq!(scan_from(&app, "203.113.1.1", calm).await["verdict"], "authentic");
    }
    for _ in 0..7 {
        scan_from(&app, "203.113.1.1", busy).await;
    }
    let token = chain.producer.token.clone();
    eventually(5, "a watch", || async { alerts_of(&app, &token, busy).await == alert("scan_count", "watch") }).await;
    assert!(alerts_of(&app, &token, calm).await.is_empty());
    assert_eq!(scan_from(&app, "203.113.1.1", busy).await["verdict"], "authentic");
    assert_eq!(verdict_for_shop(&app, &chain.retailer.token, busy).await, "authentic");
    // Many people scanning one package: more distinct clients than the threshold.
    for i in 2..12 {
        scan_from(&app, &format!("203.113.1.{i}"), busy).await;
    }
    eventually(5, "confirmed", || async { alerts_of(&app, &token, busy).await == alert("scan_count", "confirmed") }).await;
    let page = scan_from(&app, "203.113.9.9", busy).await;
    assert_eq!(page["verdict"], "suspected_clone", "{page}");
    assert!(page["warnings"][0]["message"].as_str().expect("message").contains("too many times"));
    assert_eq!(verdict_for_shop(&app, &chain.retailer.token, busy).await, "suspected_clone");
    assert_eq!(app.count("clone_alerts"), 1, "one alert per code and rule");

    // The producer finds it was a tasting stand: dismissed, and more views
    // from more people neither reopen it nor open a second alert.
    let id = app.get(&format!("/api/v1/alerts?code={busy}"), Some(&token)).await.body["items"][0]["id"]
        .as_str().expect("id").to_owned();
    app.post(&format!("/api/v1/alerts/{id}/dismiss"), Some(&token), &json!({})).await.assert_status(200);
    for i in 12..30 {
        scan_from(&app, &format!("203.113.2.{i}"), busy).await;
    }
    assert_eq!(scan_from(&app, "203.113.9.10", busy).await["verdict"], "authentic");
    // A watched code seen again by the same one client: the rule runs again
    // (at the 16th view) and finds the watch it opened, no second alert.
    for _ in 0..7 {
        scan_from(&app, "203.113.1.1", calm).await;
    }
    eventually(5, "a watch on the calm code", || async { alerts_of(&app, &token, calm).await == alert("scan_count", "watch") }).await;
    for _ in 0..10 {
        scan_from(&app, "203.113.1.1", calm).await;
    }
    // The rules run after the scans are stored: a watch on a third code,
    // raised by later scans, shows they have run over the ones before.
    let last = &chain.codes[2];
    for _ in 0..7 {
        scan_from(&app, "203.113.1.1", last).await;
    }
    eventually(5, "a watch on the third code", || async { alerts_of(&app, &token, last).await == alert("scan_count", "watch") }).await;
    assert_eq!(alerts_of(&app, &token, busy).await, alert("scan_count", "dismissed"));
    assert_eq!(alerts_of(&app, &token, calm).await, alert("scan_count", "watch"));
    assert_eq!(app.count("clone_alerts"), 3, "one alert per code and rule, whatever is seen again");
});

// The review's attack: two anonymous location posts (Hà Nội, then Hồ Chí
// Minh City) from one address branded a clean code a copy.
api_test!(async fn far_apart_places_count_only_from_distinct_clients(app) {
    let app = behind_proxy(&app).await;
    let chain = app.chain(3).await;
    let (attacked, travelled, local) = (&chain.codes[0], &chain.codes[1], &chain.codes[2]);
    let token = chain.producer.token.clone();
    assert_eq!(locate_from(&app, "198.51.100.1", attacked, HA_NOI).await, 204);
    assert_eq!(locate_from(&app, "198.51.100.1", attacked, HCMC).await, 204);
    assert!(alerts_of(&app, &token, attacked).await.is_empty(), "one client proves nothing");
    assert_eq!(scan_from(&app, "198.51.100.1", attacked).await["verdict"], "authentic");

    // Two people far apart within the hour: a watch, not yet a warning.
    locate_from(&app, "203.113.2.1", travelled, HA_NOI).await;
    locate_from(&app, "203.113.2.2", travelled, HCMC).await;
    assert_eq!(alerts_of(&app, &token, travelled).await, alert("impossible_travel", "watch"));
    assert_eq!(scan_from(&app, "203.113.2.2", travelled).await["verdict"], "authentic");
    // A third one confirms it.
    locate_from(&app, "203.113.2.3", travelled, HCMC).await;
    assert_eq!(alerts_of(&app, &token, travelled).await, alert("impossible_travel", "confirmed"));
    let page = scan_from(&app, "203.113.2.3", travelled).await;
    assert_eq!(page["verdict"], "suspected_clone");
    assert!(page["warnings"][0]["message"].as_str().expect("message").contains("two places far apart"));
    let vi = app.client.get(app.url(&format!("/c/{travelled}"))).send().await.expect("scan").text().await.expect("html");
    assert!(vi.contains("hai nơi cách xa nhau"), "the Vietnamese page warns in plain words");

    locate_from(&app, "203.113.3.1", local, HOA_BINH).await;
    locate_from(&app, "203.113.3.2", local, NEAR_HOA_BINH).await;
    assert!(alerts_of(&app, &token, local).await.is_empty());
});

api_test!(async fn location_posts_need_json_and_are_limited_per_client_and_code(app) {
    let app = behind_proxy(&app).await;
    let chain = app.chain(2).await;
    let code = &chain.codes[0];
    // What a web page's form or a no-cors fetch can send cross-site: refused.
    for content_type in [None, Some("text/plain"), Some("application/x-www-form-urlencoded")] {
        let mut request = app
            .request(Method::POST, &format!("/c/{code}/location"), None)
            .body(r#"{"latitude": 21.03, "longitude": 105.85}"#);
        if let Some(ct) = content_type {
            request = request.header("content-type", ct);
        }
        app.send(request).await.assert_problem(415);
    }
    assert_eq!(app.count("scan_events"), 0);
    assert_eq!(locate_from(&app, "198.51.100.7", code, HA_NOI).await, 204);
    assert_eq!(locate_from(&app, "198.51.100.7", code, HA_NOI).await, 204);
    assert_eq!(locate_from(&app, "198.51.100.7", code, HCMC).await, 429);
    // Another code, or another client, is not held back.
    assert_eq!(locate_from(&app, "198.51.100.7", &chain.codes[1], HA_NOI).await, 204);
    assert_eq!(locate_from(&app, "198.51.100.8", code, HA_NOI).await, 204);
    // One IPv6 line is one client, whatever address of its /64 it uses.
    assert_eq!(locate_from(&app, "2001:ee0:4f1c:9a10::1", code, HA_NOI).await, 204);
    assert_eq!(locate_from(&app, "2001:ee0:4f1c:9a10::2", code, HA_NOI).await, 204);
    assert_eq!(locate_from(&app, "2001:ee0:4f1c:9a10:abcd::3", code, HA_NOI).await, 429);
});

api_test!(async fn after_a_sale_far_scans_are_watched_then_confirmed_by_a_person(app) {
    let app = behind_proxy(&app).await;
    let chain = app.chain(4).await;
    let producer_hook = WebhookReceiver::start(0);
    let seller_hook = WebhookReceiver::start(0);
    let bystander_hook = WebhookReceiver::start(0);
    let bystander = app.login(OrgKind::Retailer).await;
    for (who, hook) in [(&chain.producer, &producer_hook), (&chain.retailer, &seller_hook), (&bystander, &bystander_hook)] {
        app.post("/api/v1/webhooks", Some(&who.token), &json!({"url": hook.url, "events": ["clone_alert"]})).await.assert_status(201);
    }
    app.ship_batch(&chain, &chain.retailer).await;
    let sold_at = (chrono::Utc::now() - chrono::Duration::hours(1)).to_rfc3339();
    let (far, near, unsold) = (&chain.codes[0], &chain.codes[1], &chain.codes[2]);
    app.post("/api/v1/events", Some(&chain.retailer.token), &json!({"events": [{
        "biz_step": "retail_selling", "event_time": sold_at, "codes": [far, near],
        "location": {"name": "WinMart Hòa Bình", "latitude": HOA_BINH.0, "longitude": HOA_BINH.1}
    }]})).await.assert_status(201);
    locate_from(&app, "203.113.4.1", far, HCMC).await;
    locate_from(&app, "203.113.4.2", near, NEAR_HOA_BINH).await;
    locate_from(&app, "203.113.4.3", unsold, HCMC).await;
    let authority = chain.authority.token.clone();
    assert_eq!(alerts_of(&app, &authority, far).await, alert("after_sale", "watch"));
    assert!(alerts_of(&app, &authority, near).await.is_empty());
    assert!(alerts_of(&app, &authority, unsold).await.is_empty());
    // A watch: the producer is told, the page and the shops are not (yet).
    eventually(10, "the producer hears of the watch", || async { !producer_hook.delivered("clone_alert").is_empty() }).await;
    let payload: Value = serde_json::from_slice(&producer_hook.delivered("clone_alert")[0].body).expect("json");
    assert_eq!((payload["data"]["rule"].as_str(), payload["data"]["status"].as_str()), (Some("after_sale"), Some("watch")));
    assert_eq!(scan_from(&app, "203.113.4.1", far).await["verdict"], "authentic");
    assert_ne!(verdict_for_shop(&app, &chain.retailer.token, far).await, "suspected_clone");

    // The producer confirms it: consumers and the shop that sold it are warned.
    let id = app.get(&format!("/api/v1/alerts?code={far}"), Some(&authority)).await.body["items"][0]["id"].as_str().expect("id").to_owned();
    let confirmed = app.post(&format!("/api/v1/alerts/{id}/confirm"), Some(&chain.producer.token), &json!({})).await;
    assert_eq!(confirmed.assert_status(200)["status"], "confirmed");
    assert_eq!(confirmed.body["decided_by"], chain.producer.org_id.to_string());
    let page = scan_from(&app, "203.113.4.9", far).await;
    assert_eq!(page["verdict"], "suspected_clone");
    assert!(page["journey"].as_array().expect("journey").iter().any(|s| s["step"] == "retail_selling"));
    eventually(10, "the seller hears of the confirmation", || async { !seller_hook.delivered("clone_alert").is_empty() }).await;
    let told: Value = serde_json::from_slice(&seller_hook.delivered("clone_alert")[0].body).expect("json");
    assert_eq!(told["data"]["status"], "confirmed");
    assert_eq!(told["data"]["code"], far.as_str());
    assert!(bystander_hook.deliveries().is_empty());

    // The authority dismisses it: the warning is gone, and the decision audited.
    let dismissed = app.post(&format!("/api/v1/alerts/{id}/dismiss"), Some(&authority), &json!({})).await;
    assert_eq!(dismissed.assert_status(200)["status"], "dismissed");
    assert_eq!(scan_from(&app, "203.113.4.9", far).await["verdict"], "authentic");
    let log = app.get(&format!("/api/v1/audit-log?entity_id={id}"), Some(&authority)).await;
    assert_eq!(log.assert_status(200)["total"], 2, "{}", log.text);

    // Who sees alerts: the producer its own, the authority all, retailers none.
    let stranger = app.login(OrgKind::Producer).await;
    assert_eq!(app.get("/api/v1/alerts", Some(&stranger.token)).await.assert_status(200)["total"], 0);
    app.post(&format!("/api/v1/alerts/{id}/confirm"), Some(&stranger.token), &json!({})).await.assert_problem(404);
    app.post(&format!("/api/v1/alerts/{id}/confirm"), Some(&chain.retailer.token), &json!({})).await.assert_problem(403);
    assert_eq!(app.get("/api/v1/alerts", Some(&chain.producer.token)).await.body["total"], 1);
    app.get("/api/v1/alerts", Some(&chain.retailer.token)).await.assert_problem(403);
    assert_eq!(app.get("/api/v1/alerts?rule=after_sale", Some(&authority)).await.body["total"], 1);
    assert_eq!(app.get("/api/v1/alerts?status=dismissed", Some(&authority)).await.body["total"], 1);
    assert_eq!(app.get("/api/v1/alerts?status=watch", Some(&authority)).await.body["total"], 0);
    assert_eq!(app.get("/api/v1/alerts?rule=scan_count", Some(&authority)).await.body["total"], 0);
    app.get("/api/v1/alerts?rule=nope", Some(&authority)).await.assert_problem(400);
});
