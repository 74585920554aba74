//! GS1 Digital Link paths: the link is checked against GS1's syntax, and a
//! label whose GTIN or lot is not its code's is never shown as authentic.

use ocop_trace::domain::code::TraceCode;
use ocop_trace::domain::organization::OrgKind;
use reqwest::Method;
use serde_json::{Value, json};

use crate::helpers::TestApp;

/// The test server's public base URL (where its labels point).
pub(crate) const PUBLIC: &str = "http://ocop.test";

/// A producer's honey (GTIN 8936012340020), its lot MOHT-2604 and two codes.
pub(crate) async fn honey_codes(app: &TestApp) -> Vec<String> {
    let authority = app.login(OrgKind::Authority).await;
    let producer = app.login(OrgKind::Producer).await;
    let product = app
        .create_product(
            &producer,
            &json!({
                "name_vi": "Mật ong rừng Hưng Thi", "group": "food", "gtin": "8936012340020"
            }),
        )
        .await;
    let product_id = product["id"].as_str().expect("id");
    app.post(
        &format!("/api/v1/products/{product_id}/ocop-ratings"),
        Some(&authority.token),
        &json!({"stars": 4, "certificate_number": "245/QĐ-UBND", "issued_on": "2025-02-01"}),
    )
    .await
    .assert_status(201);
    let area = app
        .create_site(&authority, "farming-areas", "VN-HBHO-0007", Some(&producer))
        .await;
    let area_code = area["code"].as_str().expect("code").to_owned();
    let batch = app
        .create_batch(&producer, product_id, "MOHT-2604", &area_code)
        .await;
    let batch_id = batch.assert_status(201)["id"]
        .as_str()
        .expect("id")
        .to_owned();
    let (_, codes) = app.issue_codes(&producer, &batch_id, &area_code, 2).await;
    codes
}

pub(crate) async fn scan(app: &TestApp, path: &str) -> crate::helpers::Answer {
    app.send(
        app.request(Method::GET, path, None)
            .header("accept", "application/json"),
    )
    .await
}

api_test!(async fn a_label_of_another_product_or_lot_is_not_authentic(app) {
    let codes = honey_codes(&app).await;
    let code = TraceCode::parse(&codes[0]).expect("code");
    // The label as this service prints it: authentic, also with a GTIN-13.
    for path in [format!("/01/08936012340020/10/MOHT-2604/21/{code}"), format!("/01/8936012340020/10/MOHT%2D2604/21/{code}")] {
        let view = scan(&app, &path).await;
        assert_eq!(view.assert_status(200)["verdict"], "authentic", "{path}");
    }
    // Another product's GTIN, or another lot, around a real code.
    for path in [format!("/01/08936012340037/10/MOHT-2604/21/{code}"), format!("/01/08936012340020/10/MOHT-2605/21/{code}")] {
        let answer = scan(&app, &path).await;
        let view: &Value = answer.assert_status(200);
        assert_eq!(view["verdict"], "label_mismatch", "{path}");
        assert_eq!(view["warnings"][0]["kind"], "label_mismatch");
        assert_eq!(view["code"], code.to_string());
    }
    let page = app.send(app.request(Method::GET, &format!("/01/08936012340037/10/MOHT-2604/21/{code}?lang=vi"), None)).await;
    assert_eq!(page.status.as_u16(), 200);
    assert!(page.text.contains("Nhãn không khớp với mã"), "{}", page.text);
    assert!(!page.text.contains("Mã truy xuất hợp lệ"));
});

api_test!(async fn a_malformed_link_is_a_400_naming_the_ai(app) {
    let codes = honey_codes(&app).await;
    let code = &codes[0];
    let cases = [
        (format!("/01/08936012340021/10/MOHT-2604/21/{code}"), "01"), // wrong check digit
        (format!("/01/08936012340020/10/MOHT%202604/21/{code}"), "10"), // a space is outside CSET 82
        (format!("/01/08936012340020/10/MOHT-2604/21/{code}?17=261300"), "17"), // month 13
        (format!("/01/08936012340020/10/MOHT-2604/21/{code}?21=X"), "21"), // a qualifier as an attribute
        (format!("/01/08936012340020/10/{}/21/{code}", "L".repeat(21)), "10"), // lot too long
    ];
    for (path, ai) in cases {
        let answer = scan(&app, &path).await;
        let problem = answer.assert_problem(400);
        assert_eq!(problem["field"], ai, "{path}: {problem}");
    }
    // Data attributes and other parameters pass.
    let fine = scan(&app, &format!("/01/08936012340020/10/MOHT-2604/21/{code}?17=261100&lang=en&context=shop")).await;
    assert_eq!(fine.assert_status(200)["verdict"], "authentic");
});

api_test!(async fn a_gtin_resolves_to_its_product_and_a_lot_to_its_batch(app) {
    let codes = honey_codes(&app).await;
    for path in ["/01/08936012340020", "/01/8936012340020?lang=en&17=261100"] {
        let facts = scan(&app, path).await;
        let facts = facts.assert_status(200);
        assert_eq!(facts["product"]["gtin"], "08936012340020", "{path}");
        assert_eq!(facts["ocop"]["stars"], 4);
        assert!(facts["producer"]["name"].is_string());
    }
    let batch = scan(&app, "/01/08936012340020/10/MOHT-2604").await;
    let batch = batch.assert_status(200).clone();
    assert_eq!(batch["batch"]["lot"], "MOHT-2604");
    assert_eq!(batch["batch"]["status"], "active");
    assert_eq!(batch["farming_areas"][0]["code"], "VN-HBHO-0007");
    // A browser gets pages, in Vietnamese first.
    for (path, expected) in [("/01/08936012340020", "Mật ong rừng Hưng Thi"), ("/01/08936012340020/10/MOHT-2604", "VN-HBHO-0007")] {
        let page = app.send(app.request(Method::GET, path, None).header("accept", "text/html")).await;
        assert_eq!(page.status.as_u16(), 200, "{path}");
        assert!(page.content_type().starts_with("text/html"), "{path}");
        assert!(page.text.contains(expected) && page.text.contains("lang=\"vi\""), "{path}: {}", page.text);
        assert!(page.headers["content-security-policy"].to_str().expect("csp").contains("default-src 'none'"));
    }
    let english = app.send(app.request(Method::GET, "/01/08936012340020/10/MOHT-2604?lang=en", None)).await;
    assert!(english.text.contains("Farming area") && english.text.contains("Lot"), "{}", english.text);
    // An unknown lot walks up to the product, keeping the query.
    let not_following = reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build().expect("client");
    let up = not_following.get(app.url("/01/08936012340020/10/NOPE-1?lang=en")).send().await.expect("answer");
    assert_eq!(up.status().as_u16(), 307);
    assert_eq!(up.headers()["location"], "/01/08936012340020?lang=en");
    // An unknown GTIN is a 404 problem; a malformed one a 400 naming (01).
    scan(&app, "/01/08936012340037").await.assert_problem(404);
    assert_eq!(scan(&app, "/01/08936012340021").await.assert_problem(400)["field"], "01");
    assert_eq!(scan(&app, "/01/08936012340020/10/A%20B").await.assert_problem(400)["field"], "10");
    // The serial without a lot is a scan; only the GTIN must be the code's.
    let code = &codes[1];
    assert_eq!(scan(&app, &format!("/01/08936012340020/21/{code}")).await.assert_status(200)["verdict"], "authentic");
    assert_eq!(scan(&app, &format!("/01/08936012340037/21/{code}")).await.assert_status(200)["verdict"], "label_mismatch");
});

api_test!(async fn a_recalled_batch_resolves_with_its_reason(app) {
    let codes = honey_codes(&app).await;
    assert_eq!(codes.len(), 2);
    let authority = app.login(OrgKind::Authority).await;
    let batch = scan(&app, "/01/08936012340020/10/MOHT-2604").await;
    assert_eq!(batch.assert_status(200)["batch"]["status"], "active");
    let view = scan(&app, &format!("/c/{}", codes[0])).await;
    let batch_id = app.with_db(|conn| {
        use diesel::prelude::*;
        ocop_trace::db::schema::batches::table
            .filter(ocop_trace::db::schema::batches::lot.eq("MOHT-2604"))
            .select(ocop_trace::db::schema::batches::id)
            .first::<String>(conn)
    }).expect("the batch");
    assert_eq!(view.assert_status(200)["batch"]["lot"], "MOHT-2604");
    app.post(&format!("/api/v1/batches/{batch_id}/recall"), Some(&authority.token), &json!({"reason": "Nhiễm khuẩn"}))
        .await.assert_status(200);
    let batch = scan(&app, "/01/08936012340020/10/MOHT-2604").await;
    let batch = batch.assert_status(200);
    assert_eq!(batch["batch"]["status"], "recalled");
    assert_eq!(batch["batch"]["recall_reason"], "Nhiễm khuẩn");
    let page = app.send(app.request(Method::GET, "/01/08936012340020/10/MOHT-2604", None).header("accept", "text/html")).await;
    assert!(page.text.contains("THU HỒI") && page.text.contains("Nhiễm khuẩn"), "{}", page.text);
});

api_test!(async fn machines_get_linksets_and_link_types(app) {
    let codes = honey_codes(&app).await;
    let code = &codes[0];
    let anchor = format!("{PUBLIC}/01/08936012340020/10/MOHT-2604");
    // Every resolution says where its linkset is, and allows any origin.
    let batch = scan(&app, "/01/08936012340020/10/MOHT-2604").await;
    batch.assert_status(200);
    let link = batch.headers["link"].to_str().expect("text");
    assert!(link.contains("linkType=linkset") && link.contains("rel=\"linkset\""), "{link}");
    assert_eq!(batch.headers["access-control-allow-origin"], "*");
    // linkType=all, linkType=linkset and Accept: application/linkset+json answer the linkset.
    for (path, accept) in [
        ("/01/08936012340020/10/MOHT-2604?linkType=all", "application/json"),
        ("/01/08936012340020/10/MOHT-2604?linkType=linkset", "application/json"),
        ("/01/08936012340020/10/MOHT-2604", "application/linkset+json"),
    ] {
        let answer = app.send(app.request(Method::GET, path, None).header("accept", accept)).await;
        assert_eq!(answer.status.as_u16(), 200, "{path}");
        assert_eq!(answer.content_type(), "application/linkset+json");
        assert_rfc9264(&answer.body, &anchor);
        let set = &answer.body["linkset"][0];
        for rel in ["pip", "traceability", "recallStatus", "defaultLink"] {
            assert!(set[format!("https://gs1.org/voc/{rel}")].is_array(), "{rel} in {set}");
        }
    }
    // A link type picks one link: a 307 to it.
    let not_following = reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build().expect("client");
    let pip = not_following.get(app.url("/01/08936012340020/10/MOHT-2604?linkType=gs1:pip")).send().await.expect("answer");
    assert_eq!(pip.status().as_u16(), 307);
    assert_eq!(pip.headers()["location"].to_str().expect("text"), format!("{PUBLIC}/01/08936012340020"));
    // The serial's links, without recording a scan.
    let path = format!("/01/08936012340020/10/MOHT-2604/21/{code}?linkType=linkset");
    let answer = app.send(app.request(Method::GET, &path, None)).await;
    assert_eq!(answer.status.as_u16(), 200);
    assert_rfc9264(&answer.body, &format!("{PUBLIC}/01/08936012340020/10/MOHT-2604/21/{code}"));
    assert_eq!(answer.body["linkset"][0]["https://gs1.org/voc/pip"][0]["href"], format!("{PUBLIC}/c/{code}"));
    assert_eq!(app.count("scan_events"), 0, "a linkset is not a scan");
    // The resolver description document.
    let description = scan(&app, "/.well-known/gs1resolver").await;
    let description = description.assert_status(200);
    assert_eq!(description["supportedPrimaryKeys"], json!(["01", "414"]));
    assert_eq!(description["linkTypeDefaultCanBeAll"], true);
    assert!(description["resolverRoot"].is_string());
});

/// RFC 9264 §4.2: `linkset` is an array of link context objects, each with
/// an `anchor` and relation types whose values are arrays of target objects
/// with an `href`; GS1's relation types are its vocabulary's URIs.
pub(crate) fn assert_rfc9264(document: &Value, anchor: &str) {
    let contexts = document["linkset"].as_array().expect("linkset is an array");
    assert!(!contexts.is_empty());
    for context in contexts {
        let object = context.as_object().expect("a link context object");
        assert_eq!(object["anchor"], anchor);
        for (relation, targets) in object.iter().filter(|(k, _)| *k != "anchor") {
            assert!(relation.starts_with("https://gs1.org/voc/"), "{relation}");
            let link_type = format!(
                "gs1:{}",
                relation.trim_start_matches("https://gs1.org/voc/")
            );
            assert!(
                ocop_trace::domain::linkset::LINK_TYPES.contains(&link_type.as_str()),
                "{link_type}"
            );
            for target in targets.as_array().expect("targets are an array") {
                assert!(
                    target["href"]
                        .as_str()
                        .is_some_and(|h| h.starts_with("http")),
                    "{target}"
                );
                assert!(target["type"].is_string() && target["title"].is_string());
                assert!(target["hreflang"].is_array());
            }
        }
    }
}

api_test!(async fn head_options_and_cors_on_every_resolver_path(app) {
    let codes = honey_codes(&app).await;
    let code = &codes[0];
    for path in ["/01/08936012340020".to_owned(), "/01/08936012340020/10/MOHT-2604".to_owned(),
                 format!("/01/08936012340020/10/MOHT-2604/21/{code}"), "/.well-known/gs1resolver".to_owned()] {
        let head = app.client.head(app.url(&path)).header("accept", "application/json").send().await.expect("HEAD");
        assert_eq!(head.status().as_u16(), 200, "HEAD {path}");
        assert_eq!(head.headers()["access-control-allow-origin"], "*");
        assert!(head.bytes().await.expect("body").is_empty(), "HEAD {path} has no body");
        let options = app.client.request(Method::OPTIONS, app.url(&path))
            .header("origin", "https://shop.example").header("access-control-request-method", "GET")
            .send().await.expect("OPTIONS");
        assert_eq!(options.status().as_u16(), 204, "OPTIONS {path}");
        assert_eq!(options.headers()["allow"], "GET, HEAD, OPTIONS");
        assert_eq!(options.headers()["access-control-allow-origin"], "*");
        assert!(options.headers()["access-control-expose-headers"].to_str().expect("text").contains("Link"));
    }
    // CORS on errors too: a web page can read why a link failed.
    let missing = scan(&app, "/01/08936012340037").await;
    missing.assert_problem(404);
    assert_eq!(missing.headers["access-control-allow-origin"], "*");
    let malformed = scan(&app, "/01/08936012340021").await;
    malformed.assert_problem(400);
    assert_eq!(malformed.headers["access-control-allow-origin"], "*");
    // A HEAD of a code's link is not a scan.
    let before = app.count("scan_events");
    app.client.head(app.url(&format!("/01/08936012340020/21/{code}?linkType=linkset"))).send().await.expect("HEAD");
    assert_eq!(app.count("scan_events"), before);
});
