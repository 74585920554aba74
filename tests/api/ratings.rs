use ocop_trace::domain::organization::OrgKind;
use serde_json::{Value, json};

use crate::helpers::{Session, TestApp, days_from_today};

async fn award(
    app: &TestApp,
    authority: &Session,
    product_id: &str,
    body: Value,
) -> crate::helpers::Answer {
    app.post(
        &format!("/api/v1/products/{product_id}/ocop-ratings"),
        Some(&authority.token),
        &body,
    )
    .await
}

api_test!(async fn authority_awards_stars_and_the_newest_is_current(app) {
    let authority = app.login(OrgKind::Authority).await;
    let producer = app.login(OrgKind::Producer).await;
    let product = app.honey(&producer).await;
    let id = product["id"].as_str().expect("id");

    let answer = award(&app, &authority, id, json!({"stars": 3, "certificate_number": "12/QĐ-UBND", "issued_on": "2024-01-10"})).await;
    let first = answer.assert_status(201).clone();
    assert_eq!(first["level"], "provincial");
    assert_eq!(first["expires_on"], "2027-01-10");
    assert_eq!(first["stars"], 3);

    award(&app, &authority, id, json!({"stars": 5, "certificate_number": "99/QĐ-BNN", "issued_on": "2025-06-01"})).await.assert_status(201);
    // An older certificate entered later does not replace the current one.
    award(&app, &authority, id, json!({"stars": 4, "certificate_number": "7/QĐ-UBND", "issued_on": "2023-01-01"})).await.assert_status(201);

    let current = app.get(&format!("/api/v1/products/{id}/ocop-rating"), Some(&producer.token)).await;
    let current = current.assert_status(200);
    assert_eq!(current["stars"], 5);
    assert_eq!(current["level"], "national");
    let product = app.get(&format!("/api/v1/products/{id}"), Some(&producer.token)).await;
    assert_eq!(product.assert_status(200)["ocop"]["stars"], 5);
    let history = app.get(&format!("/api/v1/products/{id}/ocop-ratings"), Some(&producer.token)).await;
    assert_eq!(history.assert_status(200).as_array().map(Vec::len), Some(3));

    let by_stars = app.get("/api/v1/products?stars=5", Some(&authority.token)).await;
    assert_eq!(by_stars.assert_status(200)["total"], 1);
    let by_stars = app.get("/api/v1/products?stars=3", Some(&authority.token)).await;
    assert_eq!(by_stars.assert_status(200)["total"], 0);
});

api_test!(async fn an_expired_rating_shows_as_expired_never_as_stars(app) {
    let authority = app.login(OrgKind::Authority).await;
    let producer = app.login(OrgKind::Producer).await;
    let product = app.honey(&producer).await;
    let id = product["id"].as_str().expect("id");
    award(&app, &authority, id, json!({"stars": 4, "certificate_number": "1/QĐ", "issued_on": "2021-05-01"})).await.assert_status(201);
    let answer = app.get(&format!("/api/v1/products/{id}"), Some(&producer.token)).await;
    let ocop = &answer.assert_status(200)["ocop"];
    assert_eq!(ocop["status"], "expired");
    assert!(ocop["stars"].is_null());
    let by_stars = app.get("/api/v1/products?stars=4", Some(&authority.token)).await;
    assert_eq!(by_stars.assert_status(200)["total"], 0);
});

api_test!(async fn each_rating_rule_is_422_and_stores_nothing(app) {
    let authority = app.login(OrgKind::Authority).await;
    let producer = app.login(OrgKind::Producer).await;
    let id = app.honey(&producer).await["id"].as_str().expect("id").to_owned();
    let tomorrow = days_from_today(2);
    let cases = [
        (json!({"stars": 2, "certificate_number": "1", "issued_on": "2025-01-01"}), "stars"),
        (json!({"stars": 6, "certificate_number": "1", "issued_on": "2025-01-01"}), "stars"),
        (json!({"stars": 5, "level": "provincial", "certificate_number": "1", "issued_on": "2025-01-01"}), "level"),
        (json!({"stars": 4, "level": "national", "certificate_number": "1", "issued_on": "2025-01-01"}), "level"),
        (json!({"stars": 4, "certificate_number": " ", "issued_on": "2025-01-01"}), "certificate_number"),
        (json!({"stars": 4, "certificate_number": "1", "issued_on": tomorrow}), "issued_on"),
        (json!({"stars": 4, "certificate_number": "1", "issued_on": "2025-01-01", "expires_on": "2024-12-31"}), "expires_on"),
    ];
    for (body, field) in cases {
        let answer = award(&app, &authority, &id, body.clone()).await;
        assert_eq!(answer.assert_problem(422)["field"], field, "{body}");
    }
    let answer = award(&app, &authority, &id, json!({"stars": 4, "certificate_number": "1", "issued_on": "01/01/2025"})).await;
    assert_eq!(answer.assert_problem(422)["field"], "issued_on");
    assert_eq!(app.count("ocop_ratings"), 0);
});

api_test!(async fn a_producer_can_never_set_its_own_stars(app) {
    let producer = app.login(OrgKind::Producer).await;
    let id = app.honey(&producer).await["id"].as_str().expect("id").to_owned();
    let answer = award(&app, &producer, &id, json!({"stars": 5, "certificate_number": "x", "issued_on": "2025-01-01"})).await;
    answer.assert_problem(403);
    assert_eq!(app.count("ocop_ratings"), 0);
});

api_test!(async fn expiring_query_returns_exactly_the_window(app) {
    let authority = app.login(OrgKind::Authority).await;
    let producer = app.login(OrgKind::Producer).await;
    let other = app.login(OrgKind::Producer).await;
    // expires in: -1 (expired), 0 (today), 30 (edge), 31 (outside), 200
    let mut ids = Vec::new();
    for (i, days) in [-1i64, 0, 30, 31, 200].into_iter().enumerate() {
        let owner = if i == 2 { &other } else { &producer };
        let product = app.create_product(owner, &json!({"name_vi": format!("SP {days}"), "group": "food"})).await;
        let id = product["id"].as_str().expect("id").to_owned();
        award(&app, &authority, &id, json!({
            "stars": 3, "certificate_number": format!("C{i}"), "issued_on": "2024-01-01", "expires_on": days_from_today(days)
        })).await.assert_status(201);
        ids.push(id);
    }
    let answer = app.get("/api/v1/ocop-ratings?expiring_within_days=30", Some(&authority.token)).await;
    let page = answer.assert_status(200);
    let found: Vec<&str> = page["items"].as_array().expect("items").iter().filter_map(|i| i["product_id"].as_str()).collect();
    assert_eq!(found, [ids[1].as_str(), ids[2].as_str()]);
    assert_eq!(page["items"][0]["days_left"], 0);
    assert_eq!(page["items"][1]["days_left"], 30);

    // A producer sees only its own.
    let answer = app.get("/api/v1/ocop-ratings?expiring_within_days=30", Some(&producer.token)).await;
    assert_eq!(answer.assert_status(200)["total"], 1);
    let retailer = app.login(OrgKind::Retailer).await;
    app.get("/api/v1/ocop-ratings?expiring_within_days=30", Some(&retailer.token)).await.assert_problem(403);
    app.get("/api/v1/ocop-ratings?expiring_within_days=0", Some(&authority.token)).await.assert_problem(422);
});

fn product_ids(page: &Value) -> Vec<&str> {
    page["items"]
        .as_array()
        .expect("items")
        .iter()
        .filter_map(|i| i["product_id"].as_str())
        .collect()
}

api_test!(async fn the_authority_lists_ratings_by_standing_with_whom_to_call(app) {
    let authority = app.login(OrgKind::Authority).await;
    let producer = app.producer_with_phone("HTX Mật ong Hưng Thi", "0912 345 678").await;
    let area = "VN-HBKB-0042";
    app.create_site(&authority, "farming-areas", area, Some(&producer)).await;
    let mut ids = Vec::new();
    // Expired yesterday, due in 20 days, valid for 400 more.
    for (i, days) in [-1_i64, 20, 400].into_iter().enumerate() {
        let product = app.create_product(&producer, &json!({"name_vi": format!("Mật ong {i}"), "group": "food"})).await;
        let id = product["id"].as_str().expect("id").to_owned();
        award(&app, &authority, &id, json!({
            "stars": 4, "certificate_number": format!("{i}/QĐ-UBND"), "issued_on": "2024-01-01",
            "expires_on": days_from_today(days)
        })).await.assert_status(201);
        ids.push(id);
    }
    // Labels printed today for the expired product: under stars it no longer holds.
    let batch = app.create_batch(&producer, &ids[0], "MOHT-2612", area).await;
    let batch_id = batch.assert_status(201)["id"].as_str().expect("id").to_owned();
    app.issue_codes(&producer, &batch_id, area, 5).await;

    let list = |query: &'static str| {
        let (app, token) = (&app, authority.token.clone());
        async move { app.get(&format!("/api/v1/ocop-ratings{query}"), Some(&token)).await }
    };
    let expired = list("?standing=expired").await;
    let expired = expired.assert_status(200);
    assert_eq!(product_ids(expired), [ids[0].as_str()], "{expired}");
    let item = &expired["items"][0];
    assert_eq!(item["standing"], "expired");
    assert_eq!(item["days_left"], -1);
    assert_eq!(item["rating"]["stars"], Value::Null, "an expired rating shows no stars");
    assert_eq!(item["producer_name"], "HTX Mật ong Hưng Thi");
    assert_eq!(item["producer_phone"], "0912345678");
    assert_eq!(item["codes_issued_after_expiry"], 5);

    app.issue_codes(&producer, &batch_id, area, 7).await;
    let again = list("?standing=expired").await;
    assert_eq!(again.assert_status(200)["items"][0]["codes_issued_after_expiry"], 12);

    let expiring = list("?standing=expiring").await;
    let expiring = expiring.assert_status(200);
    assert_eq!(product_ids(expiring), [ids[1].as_str()]);
    assert_eq!(expiring["items"][0]["codes_issued_after_expiry"], 0);
    assert_eq!(expiring["items"][0]["days_left"], 20);
    let current = list("?standing=current").await;
    assert_eq!(product_ids(current.assert_status(200)), [ids[2].as_str()]);
    // A shorter window moves the rating due in 20 days to current.
    let current = list("?standing=current&expiring_within_days=10").await;
    assert_eq!(product_ids(current.assert_status(200)), [ids[1].as_str(), ids[2].as_str()]);
    // All of them, soonest expiry first.
    let all = list("").await;
    assert_eq!(product_ids(all.assert_status(200)), ids.iter().map(String::as_str).collect::<Vec<_>>());
    list("?standing=stale").await.assert_problem(400);
    list("?standing=expiring&expiring_within_days=1096").await.assert_problem(422);

    // The same list, for a spreadsheet.
    let csv = list("?standing=expired&format=csv").await;
    assert_eq!(csv.status.as_u16(), 200);
    assert!(csv.content_type().starts_with("text/csv"), "{}", csv.content_type());
    assert_eq!(csv.headers["x-total-count"], "1");
    let text = csv.text.strip_prefix('\u{feff}').expect("a byte-order mark for Excel");
    let mut reader = csv::Reader::from_reader(text.as_bytes());
    let header = reader.headers().expect("header").clone();
    let rows: Vec<csv::StringRecord> = reader.records().map(|r| r.expect("row")).collect();
    assert_eq!(rows.len(), 1);
    let cell = |name: &str| rows[0].get(header.iter().position(|h| h == name).unwrap_or_else(|| panic!("{name} in {header:?}"))).expect("cell").to_owned();
    assert_eq!(cell("producer_name"), "HTX Mật ong Hưng Thi");
    assert_eq!(cell("producer_phone"), "0912345678");
    assert_eq!(cell("codes_issued_after_expiry"), "12");
    assert_eq!(cell("rating.certificate_number"), "0/QĐ-UBND");
    assert_eq!(cell("standing"), "expired");
});

api_test!(async fn every_list_exports_as_csv(app) {
    let producer = app.login(OrgKind::Producer).await;
    app.create_product(&producer, &json!({"name_vi": "=Chè Shan tuyết", "group": "beverages"})).await;
    app.honey(&producer).await;
    let answer = app
        .send(app.request(reqwest::Method::GET, "/api/v1/products?per_page=1", Some(&producer.token)).header("accept", "text/csv"))
        .await;
    assert_eq!(answer.status.as_u16(), 200, "{}", answer.text);
    assert!(answer.content_type().starts_with("text/csv"));
    assert_eq!((answer.headers["x-total-count"].to_str().ok(), answer.headers["x-per-page"].to_str().ok()), (Some("2"), Some("1")));
    let text = answer.text.trim_start_matches('\u{feff}');
    let mut reader = csv::Reader::from_reader(text.as_bytes());
    assert!(reader.headers().expect("header").iter().any(|h| h == "name_vi"));
    assert_eq!(reader.records().count(), 1);
    // A name a spreadsheet would run as a formula stays text.
    let all = app.get("/api/v1/products?format=csv", Some(&producer.token)).await;
    assert!(all.text.contains(",'=Chè Shan tuyết,") || all.text.contains("\n'=Chè Shan tuyết"), "{}", all.text);
    // Paging rules still hold, with CSV's larger pages.
    app.get("/api/v1/products?format=csv&per_page=10001", Some(&producer.token)).await.assert_problem(422);
    // A JSON page is lowered to 100 items, and says so.
    assert_eq!(app.get("/api/v1/products?per_page=101", Some(&producer.token)).await.assert_status(200)["per_page"], 100);
    app.get("/api/v1/products?format=xlsx", Some(&producer.token)).await.assert_problem(400);
});
