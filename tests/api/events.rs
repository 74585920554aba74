//! Supply-chain events: who may record what, all-or-nothing, filters, visibility.

use ocop_trace::domain::organization::OrgKind;
use serde_json::json;

api_test!(async fn a_retailer_records_only_for_itself(app) {
    let chain = app.chain(5).await;
    let other = app.login(OrgKind::Retailer).await;
    app.ship_batch(&chain, &chain.retailer).await;
    // There is no field to name another recorder: it is refused, nothing stored.
    let answer = app
        .post("/api/v1/events", Some(&chain.retailer.token), &json!({"events": [{
            "biz_step": "receiving", "event_time": "2026-11-21T09:30:00+07:00",
            "codes": [chain.codes[0]], "org_id": other.org_id
        }]}))
        .await;
    let problem = answer.assert_problem(422);
    assert_eq!(problem["field"], "events[0].org_id");
    assert_eq!(app.count("supply_events"), 1, "only the shipment");

    let mine = app
        .post("/api/v1/events", Some(&chain.retailer.token), &json!({"events": [{
            "biz_step": "receiving", "event_time": "2026-11-21T09:30:00+07:00", "codes": [chain.codes[0]]
        }]}))
        .await;
    let id = mine.assert_status(201)["events"][0]["id"].as_str().expect("id").to_owned();
    // The other retailer neither lists nor reads it.
    let listed = app.get("/api/v1/events", Some(&other.token)).await;
    assert_eq!(listed.assert_status(200)["total"], 0);
    app.get(&format!("/api/v1/events/{id}"), Some(&other.token)).await.assert_problem(404);
    // The recorder, the producer of the code and the authority do.
    for who in [&chain.retailer, &chain.producer, &chain.authority] {
        let one = app.get(&format!("/api/v1/events/{id}"), Some(&who.token)).await;
        assert_eq!(one.assert_status(200)["codes"], json!([chain.codes[0]]));
    }
    let stranger = app.login(OrgKind::Producer).await;
    app.get(&format!("/api/v1/events/{id}"), Some(&stranger.token)).await.assert_problem(404);
});

api_test!(async fn steps_are_checked_per_role_and_a_bad_event_stores_nothing(app) {
    let chain = app.chain(4).await;
    app.ship_batch(&chain, &chain.retailer).await;
    let good = json!({"biz_step": "receiving", "event_time": "2026-11-21T09:30:00+07:00", "codes": [chain.codes[0]]});
    let cases = [
        (&chain.retailer, json!({"biz_step": "commissioning", "event_time": "2026-11-21T09:30:00+07:00", "codes": [chain.codes[1]]}), "events[1].biz_step"),
        (&chain.retailer, json!({"biz_step": "recalling", "event_time": "2026-11-21T09:30:00+07:00", "codes": [chain.codes[1]]}), "events[1].biz_step"),
        (&chain.retailer, json!({"biz_step": "storing", "event_time": "2099-01-01T00:00:00+07:00", "codes": [chain.codes[1]]}), "events[1].event_time"),
        (&chain.retailer, json!({"biz_step": "storing", "event_time": "2026-11-21T09:30:00+07:00", "codes": ["NOT-A-CODE"]}), "events[1].codes[0]"),
        (&chain.retailer, json!({"biz_step": "storing", "event_time": "2026-11-21T09:30:00+07:00", "codes": ["0000000000000"]}), "events[1].codes"),
        (&chain.retailer, json!({"biz_step": "storing", "event_time": "2026-11-21T09:30:00+07:00", "codes": [chain.codes[1]], "batch_id": chain.batch_id}), "events[1].codes"),
        (&chain.retailer, json!({"biz_step": "storing", "event_time": "2026-11-21T09:30:00+07:00", "batch_id": "0190d7a0-0000-7000-8000-000000000000"}), "events[1].batch_id"),
        (&chain.retailer, json!({"biz_step": "retail_selling", "event_time": "2026-11-21T09:30:00+07:00", "codes": [chain.codes[1]], "location": {"latitude": 20.8}}), "events[1].location.latitude"),
        (&chain.retailer, json!({"biz_step": "storing", "event_time": "2026-11-21T09:30:00+07:00", "codes": [chain.codes[1]], "destination_org_id": chain.producer.org_id}), "events[1].destination_org_id"),
    ];
    for (who, bad, field) in cases {
        let answer = app.post("/api/v1/events", Some(&who.token), &json!({"events": [good, bad]})).await;
        let problem = answer.assert_problem(422);
        let named = problem["errors"].as_array().expect("errors").iter().any(|e| e["field"] == field);
        assert!(named, "expected {field} in {problem}");
        assert_eq!(app.count("supply_events"), 1, "nothing but the shipment stored for {bad}");
    }
    // A producer records only for its own codes, batches and runs.
    let other = app.login(OrgKind::Producer).await;
    for what in [json!({"codes": [chain.codes[0]]}), json!({"batch_id": chain.batch_id}), json!({"code_run_id": chain.run_id})] {
        let mut event = json!({"biz_step": "shipping", "event_time": "2026-11-20T07:00:00+07:00"});
        event.as_object_mut().expect("object").extend(what.as_object().expect("object").clone());
        app.post("/api/v1/events", Some(&other.token), &json!({"events": [event.clone()]})).await.assert_problem(422);
        app.post("/api/v1/events", Some(&chain.producer.token), &json!({"events": [event]})).await.assert_status(201);
    }
    assert_eq!(app.count("supply_events"), 4);
    // Limits: no events, too many events.
    app.post("/api/v1/events", Some(&chain.retailer.token), &json!({"events": []})).await.assert_problem(422);
    let many: Vec<_> = (0..10_001).map(|_| good.clone()).collect();
    let answer = app.post("/api/v1/events", Some(&chain.retailer.token), &json!({"events": many})).await;
    assert_eq!(answer.assert_problem(422)["field"], "events");
});

api_test!(async fn many_events_in_one_request_and_filters(app) {
    let chain = app.chain(30).await;
    // The shipment to the shop is one more event about the batch and each code.
    app.ship_batch(&chain, &chain.retailer).await;
    let events: Vec<_> = chain.codes.iter().enumerate().map(|(i, code)| json!({
        "biz_step": if i % 3 == 0 { "retail_selling" } else { "stocking" },
        "event_time": format!("2026-11-{:02}T10:00:00+07:00", 10 + i % 10),
        "codes": [code],
    })).collect();
    let answer = app.post("/api/v1/events", Some(&chain.retailer.token), &json!({"events": events})).await;
    assert_eq!(answer.assert_status(201)["recorded"], 30);
    assert_eq!(app.count("supply_event_codes"), 30);

    let list = |query: String| {
        let token = chain.authority.token.clone();
        let app = &app;
        async move { app.get(&format!("/api/v1/events?{query}"), Some(&token)).await }
    };
    assert_eq!(list("per_page=5".into()).await.assert_status(200)["total"], 31);
    assert_eq!(list("biz_step=retail_selling".into()).await.body["total"], 10);
    assert_eq!(list(format!("code={}", chain.codes[4].to_lowercase())).await.body["total"], 2);
    assert_eq!(list(format!("batch_id={}", chain.batch_id)).await.body["total"], 31);
    assert_eq!(list(format!("org_id={}", chain.retailer.org_id)).await.body["total"], 30);
    // Days are Vietnamese days, inclusive: the 10th and the 11th.
    assert_eq!(list("from=2026-11-10&to=2026-11-11".into()).await.body["total"], 6);
    // Newest first.
    let page = list("per_page=100".into()).await;
    let times: Vec<&str> = page.body["items"].as_array().expect("items").iter().map(|e| e["event_time"].as_str().expect("t")).collect();
    assert!(times.windows(2).all(|w| w[0] >= w[1]));
    assert_eq!(list("biz_step=flying".into()).await.assert_problem(400)["field"], "biz_step");
    assert_eq!(list("from=2026-11-12&to=2026-11-11".into()).await.assert_problem(422)["field"], "from");
    assert_eq!(list("code=xyz".into()).await.assert_problem(422)["field"], "code");
    // The producer sees events about its codes; another producer none.
    let producer = app.get("/api/v1/events", Some(&chain.producer.token)).await;
    assert_eq!(producer.body["total"], 31);
    let stranger = app.login(OrgKind::Producer).await;
    assert_eq!(app.get("/api/v1/events", Some(&stranger.token)).await.body["total"], 0);
});

api_test!(async fn a_retry_with_the_same_idempotency_key_records_nothing_new(app) {
    let chain = app.chain(3).await;
    app.ship_batch(&chain, &chain.retailer).await;
    let body = json!({"events": [{"biz_step": "receiving", "event_time": "2026-11-21T09:30:00+07:00", "codes": chain.codes}]});
    let send = |key: &'static str, body: serde_json::Value| {
        let request = app
            .request(reqwest::Method::POST, "/api/v1/events", Some(&chain.retailer.token))
            .header("Idempotency-Key", key)
            .json(&body);
        app.send(request)
    };
    let first = send("delivery-2611-7", body.clone()).await;
    let id = first.assert_status(201)["events"][0]["id"].clone();
    assert_eq!(first.headers["idempotent-replayed"], "false");
    // Concurrent and later retries return the same events.
    let both = futures_util::future::join_all([send("delivery-2611-7", body.clone()), send("delivery-2611-7", body.clone())]).await;
    for again in both {
        assert_eq!(again.assert_status(201)["events"][0]["id"], id);
        assert_eq!(again.headers["idempotent-replayed"], "true");
    }
    assert_eq!(app.count("supply_events"), 2, "the shipment and one receiving");
    assert_eq!(app.count("supply_event_codes"), 3);
    // The same key with other events is a conflict; a new key records anew.
    let other = json!({"events": [{"biz_step": "storing", "event_time": "2026-11-21T10:00:00+07:00", "codes": chain.codes}]});
    assert_eq!(send("delivery-2611-7", other.clone()).await.assert_problem(409)["field"], "Idempotency-Key");
    send("delivery-2611-8", other).await.assert_status(201);
    assert_eq!(app.count("supply_events"), 3);
    assert_eq!(send("   ", body.clone()).await.assert_problem(400)["field"], "Idempotency-Key");
    // Two first attempts at once with a new key: one set of events.
    let racing = futures_util::future::join_all((0..4).map(|_| send("delivery-2611-9", body.clone()))).await;
    let ids: std::collections::HashSet<String> = racing.iter()
        .map(|a| a.assert_status(201)["events"][0]["id"].as_str().expect("id").to_owned()).collect();
    assert_eq!(ids.len(), 1);
    assert_eq!(app.count("supply_events"), 4);
});

// The review's attack: a second retailer, never shipped anything, marks a
// producer's batch destroyed and sold; the shop that really has the goods
// then sees them as already sold.
api_test!(async fn a_retailer_records_only_about_goods_shipped_to_it(app) {
    let chain = app.chain(4).await;
    let intruder = app.login(OrgKind::Retailer).await;
    let at = "2026-11-21T09:30:00+07:00";
    for (event, field) in [
        (json!({"biz_step": "destroying", "event_time": at, "batch_id": chain.batch_id}), "events[0].batch_id"),
        (json!({"biz_step": "retail_selling", "event_time": at, "batch_id": chain.batch_id}), "events[0].batch_id"),
        (json!({"biz_step": "retail_selling", "event_time": at, "code_run_id": chain.run_id}), "events[0].code_run_id"),
        (json!({"biz_step": "receiving", "event_time": at, "batch_id": chain.batch_id}), "events[0].batch_id"),
        (json!({"biz_step": "retail_selling", "event_time": at, "codes": [chain.codes[0]]}), "events[0].codes"),
        (json!({"biz_step": "destroying", "event_time": at, "codes": [chain.codes[1]]}), "events[0].codes"),
        (json!({"biz_step": "receiving", "event_time": at, "codes": [chain.codes[1]]}), "events[0].codes"),
    ] {
        let answer = app.post("/api/v1/events", Some(&intruder.token), &json!({"events": [event]})).await;
        assert_eq!(answer.assert_problem(422)["field"], field, "{event}");
    }
    assert_eq!(app.count("supply_events"), 0);
    assert_eq!(app.scan_json(&chain.codes[0]).await["verdict"], "authentic");

    // Shipped to the real shop, that shop receives, sells and destroys per code…
    app.ship_batch(&chain, &chain.retailer).await;
    app.post("/api/v1/events", Some(&chain.retailer.token), &json!({"events": [
        {"biz_step": "receiving", "event_time": at, "batch_id": chain.batch_id},
        {"biz_step": "retail_selling", "event_time": at, "codes": [chain.codes[2]]},
        {"biz_step": "destroying", "event_time": at, "codes": [chain.codes[3]]},
    ]})).await.assert_status(201);
    // …but never sells a whole batch at once.
    let whole = app.post("/api/v1/events", Some(&chain.retailer.token),
        &json!({"events": [{"biz_step": "retail_selling", "event_time": at, "batch_id": chain.batch_id}]})).await;
    assert_eq!(whole.assert_problem(422)["field"], "events[0].batch_id");
    // The intruder is still refused, and the genuine shop's verification is unaffected.
    let again = app.post("/api/v1/events", Some(&intruder.token),
        &json!({"events": [{"biz_step": "retail_selling", "event_time": at, "codes": [chain.codes[0]]}]})).await;
    again.assert_problem(422);
    let verified = app.get(&format!("/api/v1/verify/{}", chain.codes[0]), Some(&chain.retailer.token)).await;
    assert_eq!(verified.assert_status(200)["verdict"], "authentic", "{}", verified.text);

    // A shop passes goods on to another shop (a distribution centre to a store).
    let store = app.login(OrgKind::Retailer).await;
    app.post("/api/v1/events", Some(&chain.retailer.token), &json!({"events": [
        {"biz_step": "shipping", "event_time": at, "codes": [chain.codes[0]], "destination_org_id": store.org_id},
    ]})).await.assert_status(201);
    app.post("/api/v1/events", Some(&store.token), &json!({"events": [
        {"biz_step": "receiving", "event_time": at, "codes": [chain.codes[0]]},
    ]})).await.assert_status(201);
    let not_passed = app.post("/api/v1/events", Some(&store.token),
        &json!({"events": [{"biz_step": "receiving", "event_time": at, "codes": [chain.codes[1]]}]})).await;
    not_passed.assert_problem(422);
});
