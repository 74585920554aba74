use ocop_trace::domain::organization::OrgKind;
use serde_json::json;

use crate::helpers::{Session, TestApp};

struct Setup {
    authority: Session,
    producer: Session,
    product_id: String,
    area_id: String,
}

async fn setup(app: &TestApp) -> Setup {
    let authority = app.login(OrgKind::Authority).await;
    let producer = app.login(OrgKind::Producer).await;
    let product_id = app.honey(&producer).await["id"]
        .as_str()
        .expect("id")
        .to_owned();
    let area = app
        .create_site(&authority, "farming-areas", "VN-HBOR-0012", Some(&producer))
        .await;
    app.create_site(
        &authority,
        "packing-facilities",
        "PB.33.01",
        Some(&producer),
    )
    .await;
    Setup {
        authority,
        producer,
        product_id,
        area_id: area["id"].as_str().expect("id").to_owned(),
    }
}

api_test!(async fn producer_registers_a_batch_from_its_farming_area(app) {
    let s = setup(&app).await;
    let answer = app
        .post("/api/v1/batches", Some(&s.producer.token), &json!({
            "product_id": s.product_id, "lot": "HT2610-A", "farming_area_codes": ["vn-hbor-0012"],
            "packing_facility_code": "pb.33.01", "harvest_date": "2026-10-01", "production_date": "2026-10-03",
            "best_before": "2027-10-03", "quantity": 1200, "unit": "chai"
        }))
        .await;
    let batch = answer.assert_status(201).clone();
    assert_eq!(batch["status"], "active");
    assert_eq!(batch["farming_areas"][0]["code"], "VN-HBOR-0012");
    assert_eq!(batch["packing_facility"]["code"], "PB.33.01");
    let id = batch["id"].as_str().expect("id");

    let answer = app.send(app.request(reqwest::Method::PATCH, &format!("/api/v1/batches/{id}"), Some(&s.producer.token)).json(&json!({"quantity": 1150}))).await;
    assert_eq!(answer.assert_status(200)["quantity"], 1150.0);

    let list = app.get(&format!("/api/v1/batches?farming_area_code=VN-HBOR-0012&product_id={}", s.product_id), Some(&s.authority.token)).await;
    assert_eq!(list.assert_status(200)["total"], 1);

    let answer = app.post(&format!("/api/v1/batches/{id}/close"), Some(&s.producer.token), &json!({})).await;
    assert_eq!(answer.assert_status(200)["status"], "closed");
    let answer = app.send(app.request(reqwest::Method::PATCH, &format!("/api/v1/batches/{id}"), Some(&s.producer.token)).json(&json!({"quantity": 1}))).await;
    answer.assert_problem(409);
});

api_test!(async fn each_batch_rule_is_422_naming_the_field_and_stores_nothing(app) {
    let s = setup(&app).await;
    let base = json!({
        "product_id": s.product_id, "lot": "L1", "farming_area_codes": ["VN-HBOR-0012"],
        "harvest_date": "2026-10-01", "production_date": "2026-10-03", "best_before": "2027-10-03",
        "quantity": 10, "unit": "chai"
    });
    let with = |key: &str, value: serde_json::Value| {
        let mut body = base.clone();
        body[key] = value;
        body
    };
    let cases = [
        (with("lot", json!("")), "lot"),
        (with("lot", json!("LÔ 1")), "lot"),
        (with("lot", json!("A".repeat(21))), "lot"),
        (with("farming_area_codes", json!([])), "farming_area_codes"),
        (with("farming_area_codes", json!(["NOPE-1"])), "farming_area_codes[0]"),
        (with("packing_facility_code", json!("NOPE")), "packing_facility_code"),
        (with("production_date", json!("2026-09-01")), "production_date"),
        (with("best_before", json!("2026-10-02")), "best_before"),
        (with("harvest_date", json!("2099-01-01")), "harvest_date"),
        (with("quantity", json!(0)), "quantity"),
        (with("unit", json!(" ")), "unit"),
        (with("product_id", json!(uuid::Uuid::now_v7())), "product_id"),
    ];
    for (body, field) in cases {
        let answer = app.post("/api/v1/batches", Some(&s.producer.token), &body).await;
        assert_eq!(answer.assert_problem(422)["field"], field, "{body}");
    }
    assert_eq!(app.count("batches"), 0);

    // Lot numbers are unique per product.
    app.post("/api/v1/batches", Some(&s.producer.token), &base).await.assert_status(201);
    let answer = app.post("/api/v1/batches", Some(&s.producer.token), &base).await;
    assert_eq!(answer.assert_problem(409)["field"], "lot");
    assert_eq!(app.count("batches"), 1);
});

api_test!(async fn a_suspended_or_unlinked_farming_area_cannot_be_used(app) {
    let s = setup(&app).await;
    // Not linked to this producer.
    app.create_site(&s.authority, "farming-areas", "VN-OTHER-1", None).await;
    let answer = app.create_batch(&s.producer, &s.product_id, "L1", "VN-OTHER-1").await;
    let problem = answer.assert_problem(422);
    assert_eq!(problem["field"], "farming_area_codes[0]");
    assert!(problem["detail"].as_str().unwrap_or("").contains("not registered for you"));

    app.post(&format!("/api/v1/farming-areas/{}/status", s.area_id), Some(&s.authority.token), &json!({"status": "suspended", "reason": "Kiểm tra"})).await.assert_status(200);
    let answer = app.create_batch(&s.producer, &s.product_id, "L2", "VN-HBOR-0012").await;
    let problem = answer.assert_problem(422);
    assert!(problem["detail"].as_str().unwrap_or("").contains("suspended"), "{problem}");
    assert_eq!(app.count("batches"), 0);
});

api_test!(async fn producers_cannot_touch_each_others_batches(app) {
    let s = setup(&app).await;
    let other = app.login(OrgKind::Producer).await;
    let batch = app.create_batch(&s.producer, &s.product_id, "L1", "VN-HBOR-0012").await.assert_status(201).clone();
    let id = batch["id"].as_str().expect("id");
    app.get(&format!("/api/v1/batches/{id}"), Some(&other.token)).await.assert_problem(404);
    app.post(&format!("/api/v1/batches/{id}/close"), Some(&other.token), &json!({})).await.assert_problem(404);
    assert_eq!(app.get("/api/v1/batches", Some(&other.token)).await.assert_status(200)["total"], 0);
    // Nor attach to another producer's product, or use its farming area.
    let answer = app.create_batch(&other, &s.product_id, "L9", "VN-HBOR-0012").await;
    assert_eq!(answer.assert_problem(422)["field"], "product_id");
    let own = app.honey(&other).await;
    let answer = app.create_batch(&other, own["id"].as_str().expect("id"), "L9", "VN-HBOR-0012").await;
    assert_eq!(answer.assert_problem(422)["field"], "farming_area_codes[0]");
});
