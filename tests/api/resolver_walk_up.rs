//! The resolver beyond a known code: a serial that is not ours walks up to
//! the batch, then the product, warning first; variants (22) and TPX (235);
//! places by GLN (414, 254); keys we do not resolve.

use ocop_trace::domain::code::TraceCode;
use ocop_trace::domain::organization::OrgKind;
use reqwest::Method;
use serde_json::json;

use crate::helpers::TestApp;
use crate::resolver::{PUBLIC, assert_rfc9264, honey_codes, scan};

fn not_following() -> reqwest::Client {
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .expect("client")
}

async fn location_of(app: &TestApp, path: &str) -> String {
    let answer = not_following()
        .get(app.url(path))
        .send()
        .await
        .expect("answer");
    assert_eq!(answer.status().as_u16(), 307, "{path}");
    answer.headers()["location"]
        .to_str()
        .expect("text")
        .to_owned()
}

/// A GLN with its check digit, from 12 digits.
fn gln(body: &str) -> String {
    ocop_trace::domain::gs1::with_check_digit(body).expect("digits")
}

// A label with a real GTIN and lot around a serial we never issued is how a
// copy looks: it walks up to the batch, and the page says so first.
api_test!(async fn an_unknown_serial_walks_up_to_the_batch_with_a_warning(app) {
    let codes = honey_codes(&app).await;
    let fake = TraceCode::random().to_string();
    let before = app.count("scan_events");
    let to = location_of(&app, &format!("/01/08936012340020/10/MOHT-2604/21/{fake}?lang=en")).await;
    assert_eq!(to, format!("/01/08936012340020/10/MOHT-2604?lang=en&unknownSerial={fake}"));
    let facts = scan(&app, &to).await;
    let facts = facts.assert_status(200);
    assert_eq!(facts["batch"]["lot"], "MOHT-2604");
    assert_eq!(facts["unknown_serial"]["serial"], fake.as_str());
    assert!(facts["unknown_serial"]["warning"].as_str().expect("text").contains("NOT registered"), "{facts}");
    // The browser follows the walk up: the warning comes before the product's name.
    let page = app.send(app.request(Method::GET, &format!("/01/08936012340020/10/MOHT-2604/21/{fake}"), None).header("accept", "text/html")).await;
    assert_eq!(page.status.as_u16(), 200);
    let warning = page.text.find("KHÔNG có trong hệ thống").expect("the warning");
    assert!(warning < page.text.find("<h1>").expect("heading"), "{}", page.text);
    assert!(page.text.contains(&format!("unknownSerial={fake}&#38;lang=en")), "the other language keeps the warning: {}", page.text);
    // An unknown lot too: up to the product; no lot: the same.
    for path in [format!("/01/08936012340020/10/NOPE-1/21/{fake}"), format!("/01/08936012340020/21/{fake}"), format!("/01/8936012340020/22/V1/21/{fake}")] {
        let to = location_of(&app, &path).await;
        assert!(to.starts_with("/01/08936012340020?") || to.starts_with("/01/08936012340020/22/V1?"), "{path} → {to}");
        assert!(to.ends_with(&format!("unknownSerial={fake}")), "{to}");
        let facts = scan(&app, &to).await;
        assert_eq!(facts.assert_status(200)["unknown_serial"]["serial"], fake.as_str());
    }
    // A serial that is not even our format walks up the same way.
    let to = location_of(&app, "/01/08936012340020/10/MOHT-2604/21/ABC123").await;
    assert!(to.ends_with("unknownSerial=ABC123"), "{to}");
    // Nothing to walk up to: the unknown-code answer.
    let nowhere = scan(&app, &format!("/01/08936012340037/10/MOHT-2604/21/{fake}")).await;
    assert_eq!(nowhere.status.as_u16(), 404);
    // A link that claims a real code is unknown warns of nothing.
    let crafted = scan(&app, &format!("/01/08936012340020/10/MOHT-2604?unknownSerial={}", codes[0])).await;
    assert!(crafted.assert_status(200).get("unknown_serial").is_none(), "{}", crafted.text);
    // No walk up is a scan.
    assert_eq!(app.count("scan_events"), before);
});

api_test!(async fn variants_are_transparent_and_a_tpx_walks_up(app) {
    let codes = honey_codes(&app).await;
    let code = &codes[0];
    let product = scan(&app, "/01/08936012340020/22/VAR-1").await;
    assert_eq!(product.assert_status(200)["product"]["gtin"], "08936012340020");
    let batch = scan(&app, "/01/08936012340020/22/VAR-1/10/MOHT-2604").await;
    assert_eq!(batch.assert_status(200)["batch"]["lot"], "MOHT-2604");
    for path in [format!("/01/08936012340020/22/VAR-1/10/MOHT-2604/21/{code}"), format!("/01/08936012340020/22/VAR-1/21/{code}")] {
        assert_eq!(scan(&app, &path).await.assert_status(200)["verdict"], "authentic", "{path}");
    }
    assert_eq!(scan(&app, &format!("/01/08936012340037/22/VAR-1/21/{code}")).await.assert_status(200)["verdict"], "label_mismatch");
    // The variant stays in the linkset's anchor; an unknown lot walks up to the variant.
    let set = app.send(app.request(Method::GET, "/01/08936012340020/22/VAR-1/10/MOHT-2604?linkType=all", None)).await;
    assert_rfc9264(&set.body, &format!("{PUBLIC}/01/08936012340020/22/VAR-1/10/MOHT-2604"));
    assert_eq!(location_of(&app, "/01/08936012340020/22/VAR-1/10/NOPE").await, "/01/08936012340020/22/VAR-1");
    // We issue no TPX: up to the product, the query kept.
    assert_eq!(location_of(&app, "/01/08936012340020/235/TPX-9?lang=en").await, "/01/08936012340020?lang=en");
    // Malformed qualifiers are 400s naming them; a wrong order too.
    assert_eq!(scan(&app, "/01/08936012340020/22/A%20B").await.assert_problem(400)["field"], "22");
    assert_eq!(scan(&app, &format!("/01/08936012340020/21/{code}/10/MOHT-2604")).await.assert_problem(400)["field"], "10");
});

api_test!(async fn a_gln_resolves_to_its_place(app) {
    let authority = app.login(OrgKind::Authority).await;
    let gln = gln("893601200090");
    let created = app.post("/api/v1/farming-areas", Some(&authority.token), &json!({
        "code": "VN-HBOR-0031", "name": "Vùng cam Cao Phong – đội 9", "province": "Hòa Bình",
        "district": "Cao Phong", "commune": "Xã Thu Phong", "crop": "Cam", "target_market": "CN", "gln": format!(" {gln} "),
    })).await;
    let area = created.assert_status(201).clone();
    assert_eq!(area["gln"], gln.as_str());
    let id = area["id"].as_str().expect("id");
    // A GLN names one place; a wrong one is refused with the field named.
    let again = app.post("/api/v1/packing-facilities", Some(&authority.token), &json!({
        "code": "PB.33.01.01.009", "name": "Cơ sở khác", "province": "Hòa Bình", "gln": gln,
    })).await;
    assert_eq!(again.assert_problem(409)["field"], "gln");
    let bad = app.send(app.request(Method::PATCH, &format!("/api/v1/farming-areas/{id}"), Some(&authority.token)).json(&json!({"gln": "8936012000901"}))).await;
    let problem = bad.assert_problem(422);
    assert!(problem.to_string().contains("gln") && problem.to_string().contains("check digit"), "{problem}");
    // The public page and facts.
    let facts = scan(&app, &format!("/414/{gln}")).await;
    let facts = facts.assert_status(200).clone();
    assert_eq!(facts["kind"], "farming_area");
    assert_eq!(facts["site"]["code"], "VN-HBOR-0031");
    assert_eq!(facts["site"]["status"], "active");
    assert_eq!(facts["site"]["target_market"], "CN");
    assert_eq!(facts["commune"], "Xã Thu Phong");
    let page = app.send(app.request(Method::GET, &format!("/414/{gln}"), None).header("accept", "text/html")).await;
    assert!(page.text.contains("Vùng cam Cao Phong – đội 9") && page.text.contains(&gln), "{}", page.text);
    assert!(page.text.contains("Xã Thu Phong") && page.text.contains("Cao Phong"), "{}", page.text);
    // Suspended: the reason reaches the consumer, first.
    app.post(&format!("/api/v1/farming-areas/{id}/status"), Some(&authority.token), &json!({"status": "suspended", "reason": "Dư lượng kháng sinh vượt ngưỡng"})).await.assert_status(200);
    let facts = scan(&app, &format!("/414/{gln}")).await;
    let facts = facts.assert_status(200);
    assert_eq!(facts["site"]["status"], "suspended");
    assert_eq!(facts["status_reason"], "Dư lượng kháng sinh vượt ngưỡng");
    assert!(facts["status_since"].is_string());
    let page = app.send(app.request(Method::GET, &format!("/414/{gln}?lang=vi"), None)).await;
    let warning = page.text.find("đang bị tạm đình chỉ").expect("the warning");
    assert!(warning < page.text.find("<h1>").expect("heading") && page.text.contains("Dư lượng kháng sinh"), "{}", page.text);
    // Its linkset, a part of it walks up, and errors.
    let set = app.send(app.request(Method::GET, &format!("/414/{gln}"), None).header("accept", "application/linkset+json")).await;
    assert_rfc9264(&set.body, &format!("{PUBLIC}/414/{gln}"));
    assert!(set.body["linkset"][0]["https://gs1.org/voc/locationInfo"].is_array());
    assert_eq!(location_of(&app, &format!("/414/{gln}/254/KHO-2?lang=en")).await, format!("/414/{gln}?lang=en"));
    assert_eq!(scan(&app, "/414/8936012000901").await.assert_problem(400)["field"], "414");
    scan(&app, &format!("/414/{}", self::gln("893601200091"))).await.assert_problem(404);
});

api_test!(async fn keys_we_do_not_resolve_are_404_and_malformed_ones_400(app) {
    // An SSCC (00) and a GIAI (8004): well formed, not ours.
    for path in ["/00/089360120000000016", "/8004/08936012000016ABC"] {
        let answer = scan(&app, path).await;
        let problem = answer.assert_problem(404);
        assert!(problem["detail"].as_str().expect("detail").contains("GTINs (01) and GLNs (414)"), "{problem}");
        assert_eq!(answer.headers["access-control-allow-origin"], "*");
    }
    for (path, ai) in [("/00/089360120000000017", "00"), ("/8004/A%20B", "8004"), ("/00/12", "00")] {
        assert_eq!(scan(&app, path).await.assert_problem(400)["field"], ai, "{path}");
    }
    // A path that is not a GS1 link stays a plain 404.
    let plain = scan(&app, "/nothing/here").await;
    plain.assert_problem(404);
    // GS1's HEAD and OPTIONS on a place too.
    let options = app.client.request(Method::OPTIONS, app.url("/414/8936012000908")).send().await.expect("OPTIONS");
    assert_eq!(options.status().as_u16(), 204);
});
