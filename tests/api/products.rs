use ocop_trace::domain::organization::OrgKind;
use serde_json::json;

api_test!(async fn producer_registers_reads_updates_and_archives_a_product(app) {
    let producer = app.login(OrgKind::Producer).await;
    let product = app
        .create_product(&producer, &json!({
            "name_vi": "Mật ong rừng Hưng Thi", "group": "food", "gtin": "8934563123451",
            "description_vi": "Ong nuôi dưới tán rừng.\nThu hoạch tháng 4."
        }))
        .await;
    assert_eq!(product["gtin"], "08934563123451");
    assert_eq!(product["group_name_vi"], "Thực phẩm");
    assert_eq!(product["producer_id"], producer.org_id.to_string());
    assert!(product["ocop"].is_null());
    let id = product["id"].as_str().expect("id");

    let answer = app
        .send(app.request(reqwest::Method::PATCH, &format!("/api/v1/products/{id}"), Some(&producer.token))
            .json(&json!({"name_en": "Forest honey", "gtin": ""})))
        .await;
    let updated = answer.assert_status(200);
    assert_eq!(updated["name_en"], "Forest honey");
    assert!(updated["gtin"].is_null());

    let answer = app.post(&format!("/api/v1/products/{id}/archive"), Some(&producer.token), &json!({})).await;
    assert!(answer.assert_status(200)["archived_at"].is_string());
    let list = app.get("/api/v1/products", Some(&producer.token)).await;
    assert_eq!(list.assert_status(200)["total"], 0);
    let list = app.get("/api/v1/products?archived=all", Some(&producer.token)).await;
    assert_eq!(list.assert_status(200)["total"], 1);
});

api_test!(async fn each_product_rule_is_422_naming_the_field_and_stores_nothing(app) {
    let producer = app.login(OrgKind::Producer).await;
    let cases = [
        (json!({"name_vi": " ", "group": "food"}), "name_vi"),
        (json!({"name_vi": "x", "group": "food", "gtin": "8934563123452"}), "gtin"),
        (json!({"name_vi": "x", "group": "food", "gtin": "12345"}), "gtin"),
        (json!({"name_vi": "x".repeat(201), "group": "food"}), "name_vi"),
    ];
    for (body, field) in cases {
        let answer = app.post("/api/v1/products", Some(&producer.token), &body).await;
        assert_eq!(answer.assert_problem(422)["field"], field, "{body}");
    }
    let answer = app.post("/api/v1/products", Some(&producer.token), &json!({"name_vi": "x", "group": "spices"})).await;
    assert_eq!(answer.assert_problem(422)["field"], "group");
    // A picture on another host would tell that host who scans the product:
    // pictures are uploaded to this service instead.
    let answer = app.post("/api/v1/products", Some(&producer.token),
        &json!({"name_vi": "x", "group": "food", "image_url": "https://tracker.example/p.jpg"})).await;
    assert_eq!(answer.assert_problem(422)["field"], "image_url");
    assert_eq!(app.count("products"), 0);
});

api_test!(async fn a_gtin_belongs_to_one_product(app) {
    let a = app.login(OrgKind::Producer).await;
    let b = app.login(OrgKind::Producer).await;
    app.create_product(&a, &json!({"name_vi": "A", "group": "food", "gtin": "8934563123451"})).await;
    let answer = app.post("/api/v1/products", Some(&b.token), &json!({"name_vi": "B", "group": "food", "gtin": "08934563123451"})).await;
    assert_eq!(answer.assert_problem(409)["field"], "gtin");
    assert_eq!(app.count("products"), 1);
});

api_test!(async fn search_finds_names_with_or_without_diacritics(app) {
    let producer = app.login(OrgKind::Producer).await;
    app.honey(&producer).await;
    app.create_product(&producer, &json!({"name_vi": "Chè Sông Bôi", "group": "beverages"})).await;
    for q in ["mat%20ong", "M%E1%BA%ADt%20ong", "MAT%20ONG", "forest"] {
        let answer = app.get(&format!("/api/v1/products?q={q}"), Some(&producer.token)).await;
        let page = answer.assert_status(200);
        assert_eq!(page["total"], 1, "q={q}");
        assert_eq!(page["items"][0]["name_vi"], "Mật ong rừng Hưng Thi");
    }
    let answer = app.get("/api/v1/products?group=beverages", Some(&producer.token)).await;
    assert_eq!(answer.assert_status(200)["items"][0]["name_vi"], "Chè Sông Bôi");
});

api_test!(async fn producers_never_see_each_others_products(app) {
    let a = app.login(OrgKind::Producer).await;
    let b = app.login(OrgKind::Producer).await;
    let retailer = app.login(OrgKind::Retailer).await;
    let product = app.honey(&a).await;
    let id = product["id"].as_str().expect("id");

    let answer = app.get(&format!("/api/v1/products/{id}"), Some(&b.token)).await;
    let hidden = answer.assert_problem(404).clone();
    let missing = app.get(&format!("/api/v1/products/{}", uuid::Uuid::now_v7()), Some(&b.token)).await;
    assert_eq!(missing.assert_problem(404)["detail"], hidden["detail"]);
    assert_eq!(app.get("/api/v1/products", Some(&b.token)).await.assert_status(200)["total"], 0);
    // Asking for another producer's list as a producer still shows only your own.
    let answer = app.get(&format!("/api/v1/products?producer_id={}", a.org_id), Some(&b.token)).await;
    assert_eq!(answer.assert_status(200)["total"], 0);

    let patch = app.send(app.request(reqwest::Method::PATCH, &format!("/api/v1/products/{id}"), Some(&b.token)).json(&json!({"name_vi": "stolen"}))).await;
    patch.assert_problem(404);
    app.post(&format!("/api/v1/products/{id}/archive"), Some(&b.token), &json!({})).await.assert_problem(404);
    assert_eq!(app.get(&format!("/api/v1/products/{id}"), Some(&a.token)).await.assert_status(200)["name_vi"], "Mật ong rừng Hưng Thi");

    // Retailers and the authority read everything.
    app.get(&format!("/api/v1/products/{id}"), Some(&retailer.token)).await.assert_status(200);
});

fn png(width: u32, height: u32) -> Vec<u8> {
    let img = image::RgbImage::from_pixel(width, height, image::Rgb([200, 150, 20]));
    let mut out = Vec::new();
    img.write_to(&mut std::io::Cursor::new(&mut out), image::ImageFormat::Png)
        .expect("png");
    out
}

// The review's finding: `image_url` could name any host, which then learned
// the address of every consumer who opened the page. Pictures are uploaded
// now, checked, re-encoded and served by the service itself.
api_test!(async fn a_products_picture_is_uploaded_and_served_from_here(app) {
    let producer = app.login(OrgKind::Producer).await;
    let other = app.login(OrgKind::Producer).await;
    let product = app.create_product(&producer, &json!({"name_vi": "Mật ong", "group": "food"})).await;
    let id = product["id"].as_str().expect("id").to_owned();
    assert!(product["image_url"].is_null());
    let upload = |token: &str, content_type: &str, body: Vec<u8>| {
        app.send(app.request(reqwest::Method::PUT, &format!("/api/v1/products/{id}/image"), Some(token))
            .header("content-type", content_type).body(body))
    };
    // Refused: another producer's product, not an image, a mislabelled one, too large.
    upload(&other.token, "image/png", png(8, 8)).await.assert_problem(404);
    upload(&producer.token, "image/svg+xml", b"<svg/>".to_vec()).await.assert_problem(415);
    let fake = upload(&producer.token, "image/png", b"<svg onload=alert(1)>".to_vec()).await;
    assert_eq!(fake.assert_problem(422)["field"], "image");
    upload(&producer.token, "image/png", vec![0; 6 * 1024 * 1024]).await.assert_problem(413);
    let still = app.get(&format!("/api/v1/products/{id}"), Some(&producer.token)).await;
    assert!(still.assert_status(200)["image_url"].is_null());

    let stored = upload(&producer.token, "image/png", png(3000, 1500)).await;
    let url = stored.assert_status(200)["image_url"].as_str().expect("url").to_owned();
    assert!(url.starts_with(&format!("/images/products/{id}.jpg?v=")), "{url}");
    let served = app.client.get(app.url(&url)).send().await.expect("picture");
    assert_eq!(served.status(), 200);
    assert_eq!(served.headers()["content-type"], "image/jpeg");
    let picture = image::load_from_memory(&served.bytes().await.expect("bytes")).expect("a picture");
    assert_eq!((picture.width(), picture.height()), (1024, 512), "shrunk for phones");

    // The scan page shows it from here, and its policy allows nothing else.
    let chain = app.chain(1).await;
    let pid = &chain.product_id;
    let upload_for_chain = app.send(app.request(reqwest::Method::PUT, &format!("/api/v1/products/{pid}/image"), Some(&chain.producer.token))
        .header("content-type", "image/png").body(png(40, 40))).await;
    let chain_url = upload_for_chain.assert_status(200)["image_url"].as_str().expect("url").to_owned();
    let page = app.send(app.request(reqwest::Method::GET, &format!("/c/{}", chain.codes[0]), None).header("accept", "text/html")).await;
    assert!(page.text.contains(&format!("<img src=\"{}\"", chain_url.replace('&', "&amp;"))), "{}", page.text);
    let csp = page.headers["content-security-policy"].to_str().expect("csp");
    assert!(csp.contains("img-src 'self' data:"), "{csp}");

    // Removed: no picture, and the old address answers 404.
    app.send(app.request(reqwest::Method::DELETE, &format!("/api/v1/products/{id}/image"), Some(&producer.token)))
        .await.assert_status(204);
    let gone = app.get(&format!("/api/v1/products/{id}"), Some(&producer.token)).await;
    assert!(gone.assert_status(200)["image_url"].is_null());
    app.get(&url, None).await.assert_problem(404);
});
