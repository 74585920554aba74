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
