//! EPCIS 2.0 through HTTP: GS1's own example documents captured and read
//! back as they came, schema violations named, duplicates stored once,
//! queries filtered and paged, each organization seeing its own.

use ocop_trace::domain::epcis::check_document;
use ocop_trace::domain::epcis::hash::event_hashes;
use ocop_trace::domain::organization::OrgKind;
use reqwest::Method;
use serde_json::{Value, json};

use crate::helpers::{Session, TestApp};

fn examples() -> Vec<(String, Value)> {
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/vectors/epcis");
    let mut out: Vec<(String, Value)> = std::fs::read_dir(dir)
        .expect("examples")
        .filter_map(Result::ok)
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|x| x == "json"))
        .map(|p| {
            let text = std::fs::read_to_string(&p).expect("readable");
            (
                p.file_name().expect("name").to_string_lossy().into_owned(),
                serde_json::from_str(&text).expect("JSON"),
            )
        })
        .collect();
    out.sort_by(|a, b| a.0.cmp(&b.0));
    out
}

fn events_in(doc: &Value) -> Vec<Value> {
    let list = if doc["type"] == "EPCISQueryDocument" {
        &doc["epcisBody"]["queryResults"]["resultsBody"]["eventList"]
    } else {
        &doc["epcisBody"]["eventList"]
    };
    list.as_array().cloned().unwrap_or_default()
}

async fn capture(app: &TestApp, who: &Session, doc: &Value) -> crate::helpers::Answer {
    app.send(
        app.request(Method::POST, "/api/v1/epcis/capture", Some(&who.token))
            .header("content-type", "application/ld+json")
            .body(doc.to_string()),
    )
    .await
}

async fn query(app: &TestApp, who: &Session, params: &str) -> crate::helpers::Answer {
    app.get(&format!("/api/v1/epcis/events?{params}"), Some(&who.token))
        .await
}

fn document(events: Vec<Value>) -> Value {
    json!({
        "@context": ["https://ref.gs1.org/standards/epcis/2.0.0/epcis-context.jsonld"],
        "type": "EPCISDocument", "schemaVersion": "2.0", "creationDate": "2026-11-20T08:00:00Z",
        "epcisBody": {"eventList": events}
    })
}

fn object_event(epc: &str, step: &str, time: &str) -> Value {
    json!({"type": "ObjectEvent", "eventTime": time, "eventTimeZoneOffset": "+07:00",
           "epcList": [epc], "action": "OBSERVE", "bizStep": step,
           "readPoint": {"id": "urn:epc:id:sgln:8936012.00001.0"}})
}

// GS1's own examples, all five event types, each captured and read back
// field for field (a query document that follows GS1's schema).
api_test!(async fn gs1_examples_are_captured_and_read_back_as_they_came(app) {
    let examples = examples();
    assert!(examples.len() >= 30);
    // GS1 reuses some eventIDs across examples for other events: an eventID
    // names one event of one organization, so such examples go to another.
    let mut orgs: Vec<(Session, Vec<Value>)> = Vec::new();
    for (name, doc) in &examples {
        // An event without eventID comes back named by its GS1 event hash.
        let hashes = event_hashes(doc);
        let mut named_by_hash = Vec::new();
        let events: Vec<Value> = events_in(doc)
            .into_iter()
            .zip(hashes)
            .map(|(mut event, hash)| {
                if event.get("eventID").is_none() {
                    event["eventID"] = json!(hash);
                    named_by_hash.push(hash);
                }
                event
            })
            .collect();
        let clash = |captured: &Vec<Value>| events.iter().any(|e| {
            !named_by_hash.iter().any(|h| e["eventID"] == *h)
                && captured.iter().any(|c| c.get("eventID") == e.get("eventID") && c != e)
        });
        let slot = match orgs.iter().position(|(_, captured)| !clash(captured)) {
            Some(i) => i,
            None => {
                orgs.push((app.login(OrgKind::Retailer).await, Vec::new()));
                orgs.len() - 1
            }
        };
        let (who, captured) = &mut orgs[slot];
        let answer = capture(&app, who, doc).await;
        let job = answer.assert_status(202).clone();
        assert_eq!(job["success"], true, "{name}");
        assert_eq!(job["running"], false);
        assert_eq!(job["eventCount"], events.len(), "{name}");
        let location = answer.headers["location"].to_str().expect("text").to_owned();
        assert_eq!(location, format!("/api/v1/epcis/capture/{}", job["captureID"].as_str().expect("id")));
        assert_eq!(app.get(&location, Some(&who.token)).await.assert_status(200)["captureID"], job["captureID"]);
        assert_eq!(answer.headers["gs1-epcis-version"], "2.0.0");
        for event in events {
            // The same event again (GS1's examples repeat a few) is kept once;
            // one named by its hash is the same event however written.
            if !captured.iter().any(|c| c == &event || c["eventID"] == event["eventID"]) {
                captured.push(event);
            }
        }
    }
    let mut total = 0;
    for (who, captured) in &orgs {
        let answer = query(&app, who, "perPage=1000").await;
        let doc = answer.assert_status(200).clone();
        assert!(answer.content_type().starts_with("application/ld+json"));
        check_document(&doc).unwrap_or_else(|v| panic!("the query document breaks the schema: {v:?}"));
        assert_eq!(doc["type"], "EPCISQueryDocument");
        let returned = events_in(&doc);
        assert_eq!(returned.len(), captured.len());
        for (got, want) in returned.iter().zip(captured) {
            assert_eq!(got, want, "an event came back changed");
        }
        total += returned.len();
    }
    assert!(total >= 50, "{total} events");
    // The authority sees every one.
    let authority = app.login(OrgKind::Authority).await;
    let all = query(&app, &authority, "perPage=1000").await;
    assert_eq!(events_in(all.assert_status(200)).len(), total);
});

api_test!(async fn a_document_that_breaks_the_schema_is_a_400_naming_each_place_and_stores_nothing(app) {
    let retailer = app.login(OrgKind::Retailer).await;
    let mut bad = object_event("urn:epc:id:sgtin:8936012.034002.1", "shipping", "not a time");
    bad["action"] = json!("SHOUT");
    let good = object_event("urn:epc:id:sgtin:8936012.034002.2", "shipping", "2026-11-20T08:00:00+07:00");
    let answer = capture(&app, &retailer, &document(vec![good, bad])).await;
    let problem = answer.assert_problem(400);
    let pointers: Vec<&str> = problem["errors"].as_array().expect("errors").iter().filter_map(|e| e["field"].as_str()).collect();
    assert!(pointers.contains(&"/epcisBody/eventList/1/eventTime"), "{problem}");
    assert!(pointers.contains(&"/epcisBody/eventList/1/action"), "{problem}");
    assert_eq!(app.count("epcis_events"), 0);
    assert_eq!(app.count("epcis_captures"), 0);
    // Not JSON, not a document, not JSON at all, too large.
    let not_json = app.send(app.request(Method::POST, "/api/v1/epcis/capture", Some(&retailer.token))
        .header("content-type", "application/json").body("{\"type\": ")).await;
    not_json.assert_problem(400);
    let text = app.send(app.request(Method::POST, "/api/v1/epcis/capture", Some(&retailer.token))
        .header("content-type", "text/plain").body("{}")).await;
    text.assert_problem(415);
    capture(&app, &retailer, &json!({"type": "Nonsense"})).await.assert_problem(400);
    let many: Vec<Value> = (0..10_001).map(|i| object_event(&format!("urn:epc:id:sgtin:8936012.034002.{i}"), "shipping", "2026-11-20T08:00:00+07:00")).collect();
    let too_many = capture(&app, &retailer, &document(many)).await;
    assert!(too_many.assert_problem(413)["detail"].as_str().expect("detail").contains("10000"), "{}", too_many.text);
    let huge = format!("{{\"type\": \"EPCISDocument\", \"x\": \"{}\"}}", "a".repeat(17 * 1024 * 1024));
    let too_big = app.send(app.request(Method::POST, "/api/v1/epcis/capture", Some(&retailer.token))
        .header("content-type", "application/json").body(huge)).await;
    too_big.assert_problem(413);
    assert_eq!(app.count("epcis_events"), 0);
});

api_test!(async fn the_same_event_twice_is_stored_once_and_a_reused_id_is_a_conflict(app) {
    let retailer = app.login(OrgKind::Retailer).await;
    let mut event = object_event("urn:epc:id:sgtin:8936012.034002.7", "receiving", "2026-11-20T08:00:00+07:00");
    event["eventID"] = json!("urn:uuid:6f1c2d6e-0b1e-4d7b-9a53-2b1b4c1c0a01");
    let first = capture(&app, &retailer, &document(vec![event.clone()])).await;
    assert_eq!(first.assert_status(202)["duplicateCount"], 0);
    let again = capture(&app, &retailer, &document(vec![event.clone()])).await;
    let job = again.assert_status(202);
    assert_eq!((job["eventCount"].as_u64(), job["duplicateCount"].as_u64()), (Some(1), Some(1)));
    assert_eq!(app.count("epcis_events"), 1);
    // Another organization's event with the same ID is its own.
    let other = app.login(OrgKind::Retailer).await;
    capture(&app, &other, &document(vec![event.clone()])).await.assert_status(202);
    assert_eq!(app.count("epcis_events"), 2);
    // The same ID with other content: nothing of that document is kept.
    let mut changed = event.clone();
    changed["bizStep"] = json!("shipping");
    let fresh = object_event("urn:epc:id:sgtin:8936012.034002.8", "receiving", "2026-11-20T09:00:00+07:00");
    let conflict = capture(&app, &retailer, &document(vec![fresh, changed])).await;
    assert_eq!(conflict.assert_problem(409)["field"], "/epcisBody/eventList/1/eventID");
    assert_eq!(app.count("epcis_events"), 2);
});

// GS1's event hash: an event sent without eventID is named by it (the
// reference implementation's own vector), and the same event sent again,
// however written, is a duplicate.
api_test!(async fn an_event_without_id_is_named_by_its_gs1_hash_and_captured_once(app) {
    let retailer = app.login(OrgKind::Retailer).await;
    let vector = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/vectors/epcis-hash/epcisDocWithSingleEvent.jsonld");
    let doc: Value = serde_json::from_str(&std::fs::read_to_string(vector).expect("vector")).expect("JSON");
    let hash = "ni:///sha-256;ffa491b16867e34a7791a8d5389d826afc24e63a121026b6a4004ace38631b4b?ver=CBV2.0";
    capture(&app, &retailer, &doc).await.assert_status(202);
    let stored = events_in(query(&app, &retailer, "").await.assert_status(200));
    assert_eq!(stored.len(), 1);
    assert_eq!(stored[0]["eventID"], hash);
    let mut sent = events_in(&doc)[0].clone();
    sent["eventID"] = json!(hash);
    assert_eq!(stored[0], sent, "kept as sent, with its hash as eventID");
    // The same event in other words: Digital Links for the URNs, the web
    // vocabulary for the bare CBV values, UTC time, other field order.
    let same = json!({
        "readPoint": {"id": "https://id.gs1.org/414/0614141073467/254/1234"},
        "bizTransactionList": [{"type": "https://ref.gs1.org/cbv/BTT-po", "bizTransaction": "http://transaction.acme.com/po/12345678"}],
        "epcList": ["https://example.com/01/10614141073464/21/2018", "urn:epc:id:sgtin:0614141.107346.2017"],
        "eventTimeZoneOffset": "-06:00", "eventTime": "2022-02-17T02:33:31.116Z",
        "disposition": "https://ref.gs1.org/cbv/Disp-in_transit", "bizStep": "https://ref.gs1.org/cbv/BizStep-shipping",
        "action": "OBSERVE", "type": "ObjectEvent"
    });
    let again = capture(&app, &retailer, &document(vec![same])).await;
    assert_eq!(again.assert_status(202)["duplicateCount"], 1);
    assert_eq!(events_in(query(&app, &retailer, "").await.assert_status(200)).len(), 1);
    // Something else is another event.
    let mut other = events_in(&doc)[0].clone();
    other["disposition"] = json!("in_progress");
    assert_eq!(capture(&app, &retailer, &document(vec![other])).await.assert_status(202)["duplicateCount"], 0);
    assert_eq!(app.count("epcis_events"), 2);
});

api_test!(async fn queries_filter_page_and_show_each_organization_its_own(app) {
    let retailer = app.login(OrgKind::Retailer).await;
    let cbv = |s: &str| format!("https://ref.gs1.org/cbv/BizStep-{s}");
    let mut events = vec![
        object_event("urn:epc:id:sgtin:8936012.034002.1", "receiving", "2026-11-20T08:00:00+07:00"),
        object_event("urn:epc:id:sgtin:8936012.034002.2", &cbv("shipping"), "2026-11-21T08:00:00+07:00"),
        object_event("urn:epc:id:sgtin:8936012.034002.3", "shipping", "2026-11-22T08:00:00+07:00"),
    ];
    events.push(json!({"type": "AggregationEvent", "eventTime": "2026-11-22T09:00:00+07:00", "eventTimeZoneOffset": "+07:00",
        "parentID": "urn:epc:id:sscc:8936012.0000000001", "childEPCs": ["urn:epc:id:sgtin:8936012.034002.1"],
        "childQuantityList": [{"epcClass": "urn:epc:class:lgtin:8936012.034002.MOHT", "quantity": 12, "uom": "KGM"}],
        "action": "ADD", "bizStep": "packing"}));
    capture(&app, &retailer, &document(events)).await.assert_status(202);
    let count = |doc: &Value| events_in(doc).len();
    for (params, expected) in [
        ("eventType=ObjectEvent", 3),
        ("eventType=AggregationEvent,TransformationEvent", 1),
        ("EQ_bizStep=shipping", 2),
        ("EQ_bizStep=https://ref.gs1.org/cbv/BizStep-shipping", 2),
        ("EQ_bizStep=urn:epcglobal:cbv:bizstep:shipping", 2),
        ("EQ_bizStep=receiving,packing", 2),
        ("GE_eventTime=2026-11-21T00:00:00%2B07:00", 3),
        ("GE_eventTime=2026-11-21T00:00:00Z&LT_eventTime=2026-11-22T00:00:00Z", 1),
        ("EQ_action=ADD", 1),
        // epcList or childEPCs, as EPCIS 2.0 says.
        ("MATCH_epc=urn:epc:id:sgtin:8936012.034002.1", 2),
        ("MATCH_epc=urn:epc:id:sgtin:8936012.034002.2,urn:epc:id:sgtin:8936012.034002.3", 2),
        ("MATCH_anyEPC=urn:epc:id:sscc:8936012.0000000001", 1),
        ("MATCH_epc=urn:epc:id:sscc:8936012.0000000001", 0),
        ("MATCH_parentID=urn:epc:id:sscc:8936012.0000000001", 1),
        ("MATCH_epcClass=urn:epc:class:lgtin:8936012.034002.MOHT", 1),
        ("EQ_readPoint=urn:epc:id:sgln:8936012.00001.0", 3),
    ] {
        let answer = query(&app, &retailer, params).await;
        assert_eq!(count(answer.assert_status(200)), expected, "{params}");
    }
    // Pages of two, followed by their Link.
    let first = query(&app, &retailer, "perPage=2").await;
    assert_eq!(count(first.assert_status(200)), 2);
    let link = first.headers["link"].to_str().expect("text").to_owned();
    assert!(link.ends_with("; rel=\"next\"") && link.contains("perPage=2"), "{link}");
    let next = link.trim_start_matches('<').split('>').next().expect("url").to_owned();
    let second = app.get(&next, Some(&retailer.token)).await;
    assert_eq!(count(second.assert_status(200)), 2);
    assert!(second.headers.get("link").is_none());
    // Bad parameters are named.
    assert_eq!(query(&app, &retailer, "GE_eventTime=yesterday").await.assert_problem(400)["field"], "GE_eventTime");
    assert_eq!(query(&app, &retailer, "perPage=0").await.assert_problem(422)["field"], "perPage");
    assert_eq!(query(&app, &retailer, "nextPageToken=%%%").await.assert_problem(400)["field"], "nextPageToken");
    query(&app, &retailer, "EQ_nonsense=1").await.assert_problem(400);
    // Another retailer sees none of these; a producer sees events naming its codes.
    let stranger = app.login(OrgKind::Retailer).await;
    assert_eq!(count(query(&app, &stranger, "").await.assert_status(200)), 0);
    let stranger_job = app.get(&format!("/api/v1/epcis/capture/{}", "nope"), Some(&stranger.token)).await;
    stranger_job.assert_problem(404);
    // An event about the producer's code that we do not keep as a supply
    // step (CBV "sensor_reporting") is still the producer's to see.
    let chain = app.chain(1).await;
    let ours = format!("http://ocop.test/c/{}", chain.codes[0]);
    capture(&app, &retailer, &document(vec![object_event(&ours, "sensor_reporting", "2026-11-23T08:00:00+07:00")])).await.assert_status(202);
    let seen = query(&app, &chain.producer, "EQ_bizStep=sensor_reporting").await;
    let seen = events_in(seen.assert_status(200));
    assert_eq!(seen.len(), 1);
    assert_eq!(seen[0]["epcList"][0], ours.as_str());
    // GS1's discovery.
    let options = app.client.request(Method::OPTIONS, app.url("/api/v1/epcis/capture")).send().await.expect("OPTIONS");
    assert_eq!(options.status().as_u16(), 204);
    assert_eq!(options.headers()["gs1-epcis-capture-limit"], "10000");
    assert_eq!(options.headers()["gs1-epcis-version"], "2.0.0");
    assert!(options.headers()["gs1-epcis-capture-file-size-limit"].to_str().expect("text").parse::<u64>().is_ok());
});

// A supermarket's system sends GS1 events about our codes: they join the
// codes' journey, the events list and verification, under the rules of
// POST /events (a shop records only goods shipped to it).
api_test!(async fn captured_events_naming_our_codes_join_the_supply_chain(app) {
    let chain = app.chain(3).await;
    // Our codes as their GS1 Digital Link and as our scan URL.
    let as_link = |code: &str| format!("https://id.gs1.org/01/08936012340020/21/{code}");
    let receiving = object_event(&as_link(&chain.codes[0]), "receiving", "2026-11-21T09:00:00+07:00");
    // Not shipped to this shop yet: refused, nothing kept.
    let refused = capture(&app, &chain.retailer, &document(vec![receiving.clone()])).await;
    let problem = refused.body.clone();
    assert!(matches!(refused.status.as_u16(), 409 | 422), "{problem}");
    assert!(problem.to_string().contains("/epcisBody/eventList/0"), "{problem}");
    assert_eq!(app.count("epcis_events"), 1, "only the codes' issuance");
    assert_eq!(app.count("supply_events"), 0);
    // Shipped to it: its receiving and a sale are recorded.
    app.ship_batch(&chain, &chain.retailer).await;
    let mut sold = object_event(&format!("http://ocop.test/c/{}", chain.codes[1]), "https://ref.gs1.org/cbv/BizStep-retail_selling", "2026-11-21T18:00:00+07:00");
    sold["disposition"] = json!("retail_sold");
    let foreign = object_event("urn:epc:id:sgtin:4012345.011111.9876", "receiving", "2026-11-21T09:00:00+07:00");
    sold["eventID"] = json!("urn:uuid:0b9d3c1e-5a57-4f7e-9a63-7d1f3b2c4e01");
    let captured = document(vec![receiving, sold, foreign]);
    capture(&app, &chain.retailer, &captured).await.assert_status(202);
    // The three captured, and the producer's issuance and shipment (our own
    // events are EPCIS events too).
    assert_eq!(app.count("epcis_events"), 5);
    // The journey on the consumer's page, in Vietnamese.
    let page = app.scan_json(&chain.codes[0]).await;
    let steps: Vec<&str> = page["journey"].as_array().expect("journey").iter().filter_map(|s| s["step"].as_str()).collect();
    assert!(steps.contains(&"receiving"), "{steps:?}");
    let html = app.send(app.request(Method::GET, &format!("/c/{}", chain.codes[0]), None).header("accept", "text/html")).await;
    assert!(html.text.contains("Nhận hàng"), "the journey names the step in Vietnamese");
    // The events list and verification.
    let listed = app.get(&format!("/api/v1/events?code={}", chain.codes[1]), Some(&chain.retailer.token)).await;
    let listed = listed.assert_status(200);
    assert!(listed["items"].as_array().expect("items").iter().any(|e| e["biz_step"] == "retail_selling"), "{listed}");
    let verdict = app.get(&format!("/api/v1/verify/{}", chain.codes[1]), Some(&chain.retailer.token)).await;
    assert_eq!(verdict.assert_status(200)["verdict"], "already_sold");
    // The producer sees its issuance, its shipment and the supermarket's
    // EPCIS events about its codes, not the foreign one.
    let seen = query(&app, &chain.producer, "").await;
    assert_eq!(events_in(seen.assert_status(200)).len(), 4);
    // Sent again: all three are duplicates (the sale by its eventID, the
    // others by their GS1 hash), in EPCIS and in the supply chain alike.
    let supply_before = app.count("supply_events");
    let again = capture(&app, &chain.retailer, &captured).await;
    assert_eq!(again.assert_status(202)["duplicateCount"], 3);
    assert_eq!(app.count("supply_events"), supply_before, "nothing recorded twice");
    assert_eq!(app.count("epcis_events"), 5);
});

// Our own events (a shipment of a whole lot, a shop's receiving, a recall)
// come back from the EPCIS query as GS1 ObjectEvents naming our codes by
// their Digital Link, each seen by whom /events shows it to.
api_test!(async fn our_own_events_are_epcis_events_too(app) {
    let chain = app.chain(2).await;
    app.ship_batch(&chain, &chain.retailer).await;
    app.post("/api/v1/events", Some(&chain.retailer.token), &json!({"events": [{
        "biz_step": "receiving", "event_time": "2026-11-21T09:30:00+07:00", "codes": [chain.codes[0]]
    }]})).await.assert_status(201);
    app.post(&format!("/api/v1/batches/{}/recall", chain.batch_id), Some(&chain.authority.token),
        &json!({"reason": "Nhiễm khuẩn"})).await.assert_status(200);
    let lot = app.get(&format!("/api/v1/batches/{}", chain.batch_id), Some(&chain.producer.token)).await.body["lot"].as_str().expect("lot").to_owned();
    let doc = query(&app, &chain.producer, "").await;
    let doc = doc.assert_status(200).clone();
    check_document(&doc).unwrap_or_else(|v| panic!("{v:?}\n{doc}"));
    let events = events_in(&doc);
    let steps: Vec<&str> = events.iter().filter_map(|e| e["bizStep"].as_str()).collect();
    assert_eq!(steps, ["commissioning", "shipping", "receiving", "holding"], "{doc}");
    // The codes' issuance: an ADD of the run's quantity of the lot.
    assert_eq!(events[0]["action"], "ADD");
    assert_eq!(events[0]["quantityList"][0]["quantity"], 2);
    let events = &events[1..];
    let shipped = &events[0];
    assert_eq!(shipped["quantityList"][0]["epcClass"], format!("http://ocop.test/01/08936012340020/10/{lot}"));
    assert_eq!(shipped["quantityList"][0]["quantity"], 2);
    assert_eq!(shipped["destinationList"][0]["destination"], format!("urn:uuid:{}", chain.retailer.org_id));
    assert_eq!(events[1]["epcList"][0], format!("http://ocop.test/01/08936012340020/21/{}", chain.codes[0]));
    assert_eq!(events[2]["disposition"], "recalled");
    assert!(events.iter().all(|e| e["eventID"].as_str().is_some_and(|id| id.starts_with("urn:uuid:"))));
    // Found by the code's link; the shop sees what it recorded.
    let by_code = query(&app, &chain.producer, &format!("MATCH_epc=http://ocop.test/01/08936012340020/21/{}", chain.codes[0])).await;
    assert_eq!(events_in(by_code.assert_status(200)).len(), 1);
    let shop = query(&app, &chain.retailer, "").await;
    let shop_steps: Vec<Value> = events_in(shop.assert_status(200)).iter().map(|e| e["bizStep"].clone()).collect();
    assert_eq!(shop_steps, [json!("receiving")]);
    let other = app.login(OrgKind::Producer).await;
    assert_eq!(events_in(query(&app, &other, "").await.assert_status(200)).len(), 0);
});
