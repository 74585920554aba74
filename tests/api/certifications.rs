use ocop_trace::domain::organization::OrgKind;
use serde_json::json;

api_test!(async fn producer_and_authority_record_certifications(app) {
    let authority = app.login(OrgKind::Authority).await;
    let producer = app.login(OrgKind::Producer).await;
    let other = app.login(OrgKind::Producer).await;
    let product = app.honey(&producer).await;
    let product_id = product["id"].as_str().expect("id");

    let answer = app.post("/api/v1/certifications", Some(&producer.token), &json!({
        "product_id": product_id, "scheme": "vietgap", "number": "VG-12-34", "issuer": "QUACERT",
        "valid_from": "2025-01-01", "valid_until": "2028-01-01"
    })).await;
    let cert = answer.assert_status(201).clone();
    assert_eq!(cert["scheme_label"], "VietGAP");
    assert_eq!(cert["status"], "valid");
    assert_eq!(cert["producer_id"], producer.org_id.to_string());

    let answer = app.post("/api/v1/certifications", Some(&authority.token), &json!({
        "producer_id": producer.org_id, "scheme": "other", "scheme_name": "Chỉ dẫn địa lý Cao Phong",
        "number": "CDDL-1", "issuer": "Cục SHTT", "valid_from": "2020-01-01", "valid_until": "2022-01-01"
    })).await;
    assert_eq!(answer.assert_status(201)["status"], "expired");

    let answer = app.get("/api/v1/certifications?valid=true", Some(&producer.token)).await;
    assert_eq!(answer.assert_status(200)["total"], 1);
    assert_eq!(app.get("/api/v1/certifications", Some(&other.token)).await.assert_status(200)["total"], 0);
    let id = cert["id"].as_str().expect("id");
    app.get(&format!("/api/v1/certifications/{id}"), Some(&other.token)).await.assert_problem(404);

    // Another producer can't certify someone else's product.
    let answer = app.post("/api/v1/certifications", Some(&other.token), &json!({
        "product_id": product_id, "scheme": "haccp", "number": "H", "issuer": "X",
        "valid_from": "2025-01-01", "valid_until": "2026-01-01"
    })).await;
    assert_eq!(answer.assert_problem(422)["field"], "product_id");

    let answer = app.send(app.request(reqwest::Method::PATCH, &format!("/api/v1/certifications/{id}"), Some(&producer.token)).json(&json!({"valid_until": "2029-01-01"}))).await;
    assert_eq!(answer.assert_status(200)["valid_until"], "2029-01-01");
});

api_test!(async fn each_certification_rule_is_422_and_stores_nothing(app) {
    let producer = app.login(OrgKind::Producer).await;
    let authority = app.login(OrgKind::Authority).await;
    let base = json!({"scheme": "organic", "number": "O-1", "issuer": "Control Union", "valid_from": "2025-01-01", "valid_until": "2026-01-01"});
    let with = |key: &str, value: serde_json::Value| {
        let mut body = base.clone();
        body[key] = value;
        body
    };
    for (body, field) in [
        (with("number", json!(" ")), "number"),
        (with("issuer", json!("")), "issuer"),
        (with("valid_until", json!("2024-01-01")), "valid_until"),
        (with("scheme", json!("other")), "scheme_name"),
    ] {
        let answer = app.post("/api/v1/certifications", Some(&producer.token), &body).await;
        assert_eq!(answer.assert_problem(422)["field"], field, "{body}");
    }
    // The authority must say whose certification it is.
    let answer = app.post("/api/v1/certifications", Some(&authority.token), &base).await;
    assert_eq!(answer.assert_problem(422)["field"], "producer_id");
    assert_eq!(app.count("certifications"), 0);
});

// The review's finding: a producer moved the authority's VietGAP record to
// `valid_until 2099-12-31`, and nothing recorded it.
api_test!(async fn a_record_of_the_authority_is_the_authoritys_to_change(app) {
    let authority = app.login(OrgKind::Authority).await;
    let producer = app.login(OrgKind::Producer).await;
    let recorded = app.post("/api/v1/certifications", Some(&authority.token), &json!({
        "producer_id": producer.org_id, "scheme": "vietgap", "number": "VG-HB-07", "issuer": "Sở NN&PTNT Hòa Bình",
        "valid_from": "2025-01-01", "valid_until": "2027-01-01"
    })).await;
    let id = recorded.assert_status(201)["id"].as_str().expect("id").to_owned();
    let patch = |who: &str, body: serde_json::Value| {
        app.send(app.request(reqwest::Method::PATCH, &format!("/api/v1/certifications/{id}"), Some(who)).json(&body))
    };
    patch(&producer.token, json!({"valid_until": "2099-12-31"})).await.assert_problem(403);
    let unchanged = app.get(&format!("/api/v1/certifications/{id}"), Some(&producer.token)).await;
    assert_eq!(unchanged.assert_status(200)["valid_until"], "2027-01-01");
    patch(&authority.token, json!({"valid_until": "2028-01-01"})).await.assert_status(200);

    // The producer's own record stays the producer's, and every change is audited.
    let own = app.post("/api/v1/certifications", Some(&producer.token), &json!({
        "scheme": "haccp", "number": "H-1", "issuer": "QUACERT", "valid_from": "2025-01-01", "valid_until": "2026-06-01"
    })).await;
    let own_id = own.assert_status(201)["id"].as_str().expect("id").to_owned();
    app.send(app.request(reqwest::Method::PATCH, &format!("/api/v1/certifications/{own_id}"), Some(&producer.token))
        .json(&json!({"valid_until": "2027-06-01"}))).await.assert_status(200);
    let log = app.get(&format!("/api/v1/audit-log?entity_id={own_id}"), Some(&authority.token)).await;
    let actions: Vec<&str> = log.assert_status(200)["items"].as_array().expect("items")
        .iter().filter_map(|e| e["action"].as_str()).collect();
    assert!(actions.contains(&"certification.create") && actions.contains(&"certification.update"), "{}", log.text);
    let log = app.get(&format!("/api/v1/audit-log?entity_id={id}"), Some(&authority.token)).await;
    assert_eq!(log.assert_status(200)["total"], 2, "{}", log.text);
});
