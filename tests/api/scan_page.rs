//! What the consumer's page shows beyond the verdict: the product's photo,
//! net content and GTIN, a phone to tap, country names, and a farming area
//! named for what it farms.

use ocop_trace::domain::organization::OrgKind;
use reqwest::Method;
use serde_json::json;

use crate::helpers::TestApp;

async fn scan_html(app: &TestApp, path: &str) -> crate::helpers::Answer {
    app.send(
        app.request(Method::GET, path, None)
            .header("accept", "text/html"),
    )
    .await
}

api_test!(async fn the_page_shows_photo_net_content_gtin_phone_country_and_a_raising_area(app) {
    let authority = app.login(OrgKind::Authority).await;
    let producer = app.producer_with_phone("HTX Mật ong Hưng Thi", "0912 345 678").await;
    let product = app
        .create_product(&producer, &json!({
            "name_vi": "Mật ong rừng Hưng Thi", "group": "food", "gtin": "8936012340020", "unit": "hũ 500 g"
        }))
        .await;
    let product_id = product["id"].as_str().expect("id").to_owned();
    let drawing = ocop_trace::demo::drawings::draw(ocop_trace::demo::drawings::Drawing::HoneyJar).expect("drawn");
    let upload = app
        .send(
            app.request(Method::PUT, &format!("/api/v1/products/{product_id}/image"), Some(&producer.token))
                .header("content-type", "image/png")
                .body(drawing),
        )
        .await;
    upload.assert_status(200);
    let area = app
        .post("/api/v1/farming-areas", Some(&authority.token), &json!({
            "code": "VN-HBHO-0007", "name": "Khu nuôi ong Hưng Thi", "province": "Hòa Bình",
            "crop": "Ong nội", "farming": "bees", "target_market": "jp"
        }))
        .await;
    let area = area.assert_status(201).clone();
    assert_eq!(area["farming"], "bees");
    let area_id = area["id"].as_str().expect("id");
    app.post(&format!("/api/v1/farming-areas/{area_id}/producers"), Some(&authority.token), &json!({"producer_id": producer.org_id}))
        .await
        .assert_status(200);
    let batch = app.create_batch(&producer, &product_id, "MOHT-2612", "VN-HBHO-0007").await;
    let batch_id = batch.assert_status(201)["id"].as_str().expect("id").to_owned();
    let (_, codes) = app.issue_codes(&producer, &batch_id, "VN-HBHO-0007", 1).await;
    let code = &codes[0];

    let page = scan_html(&app, &format!("/c/{code}")).await;
    page.assert_status(200);
    for fact in ["Quy cách, khối lượng tịnh", "hũ 500 g", "8936012340020", r#"href="tel:0912345678""#,
        "Xuất khẩu: Nhật Bản", "Vùng nuôi", "Mã vùng nuôi", "Vật nuôi"] {
        assert!(page.text.contains(fact), "page lacks {fact:?}");
    }
    assert!(!page.text.contains("Vùng trồng"), "bees are raised, not grown");
    // The photo is served by this service, as a JPEG.
    let src = page.text.split(r#"<img src=""#).nth(1).and_then(|rest| rest.split('"').next()).expect("an img");
    assert!(src.starts_with("/images/products/"), "{src}");
    let photo = app.send(app.request(Method::GET, &src.replace("&amp;", "&"), None)).await;
    assert_eq!((photo.status.as_u16(), photo.content_type()), (200, "image/jpeg"));
    let english = scan_html(&app, &format!("/c/{code}?lang=en")).await;
    for fact in ["Export: Japan", "Net content", "Barcode number (GTIN)"] {
        assert!(english.text.contains(fact), "English page lacks {fact:?}");
    }
    let view = app.scan_json(code).await;
    assert_eq!(view["farming_area"]["farming"], "bees");

    // Suspended: the warning names it as shoppers know it, so does verification.
    app.post(&format!("/api/v1/farming-areas/{area_id}/status"), Some(&authority.token),
        &json!({"status": "suspended", "reason": "Kiểm tra dư lượng kháng sinh trong mật"})).await.assert_status(200);
    let page = scan_html(&app, &format!("/c/{code}")).await;
    assert!(page.text.contains("Vùng nuôi VN-HBHO-0007 đang bị tạm đình chỉ"), "{}", page.text);
    let verified = app.get(&format!("/api/v1/verify/{code}"), Some(&producer.token)).await;
    let reason = verified.assert_status(200)["reasons"][0].as_str().unwrap_or_default().to_owned();
    assert!(reason.starts_with("Vùng nuôi VN-HBHO-0007"), "{reason}");

    // Corrected by the authority: the next scan says what is grown.
    app.send(
        app.request(Method::PATCH, &format!("/api/v1/farming-areas/{area_id}"), Some(&authority.token))
            .json(&json!({"farming": "crops"})),
    )
    .await
    .assert_status(200);
    let page = scan_html(&app, &format!("/c/{code}")).await;
    assert!(page.text.contains("Vùng trồng") && page.text.contains("Cây trồng"), "{}", page.text);

    // A packing facility farms nothing; a farming area farms crops unless told.
    let facility = app
        .post("/api/v1/packing-facilities", Some(&authority.token), &json!({
            "code": "PB.33.01.01.009", "name": "Xưởng đóng gói", "province": "Hòa Bình", "farming": "bees"
        }))
        .await;
    assert_eq!(facility.assert_problem(422)["field"], "farming");
    let plain = app.create_site(&authority, "farming-areas", "VN-HBCP-0102", None).await;
    assert_eq!(plain["farming"], "crops");
});
