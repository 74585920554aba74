use ocop_trace::domain::organization::OrgKind;
use serde_json::{Value, json};

use crate::helpers::{Session, TestApp};

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

fn days_from_today(days: i64) -> String {
    let today = ocop_trace::domain::time::vietnam_date(chrono::Utc::now());
    (today + chrono::Duration::days(days)).to_string()
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
    app.get("/api/v1/ocop-ratings", Some(&authority.token)).await.assert_problem(400);
});
