//! GS1 Digital Link paths: the link is checked against GS1's syntax, and a
//! label whose GTIN or lot is not its code's is never shown as authentic.

use ocop_trace::domain::code::TraceCode;
use ocop_trace::domain::organization::OrgKind;
use reqwest::Method;
use serde_json::{Value, json};

use crate::helpers::TestApp;

/// A producer's honey (GTIN 8936012340020), its lot MOHT-2604 and two codes.
async fn honey_codes(app: &TestApp) -> Vec<String> {
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

async fn scan(app: &TestApp, path: &str) -> crate::helpers::Answer {
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
    let fine = scan(&app, &format!("/01/08936012340020/10/MOHT-2604/21/{code}?17=261100&linkType=gs1:pip")).await;
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
});
