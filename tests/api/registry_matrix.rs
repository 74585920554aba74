//! Every role × every endpoint of the registry: products, ratings,
//! certifications, farming areas, packing facilities, batches, audit log.

use ocop_trace::domain::organization::OrgKind;
use reqwest::Method;
use serde_json::json;

use crate::helpers::Body::{Bytes, Empty, Json};
use crate::helpers::{MatrixRow, assert_matrix_covers, days_from_today};

api_test!(async fn registry_authorization_matrix(app) {
    let admin = app.login(OrgKind::Admin).await;
    let authority = app.login(OrgKind::Authority).await;
    let owner = app.login(OrgKind::Producer).await;
    let other = app.login(OrgKind::Producer).await;
    let retailer = app.login(OrgKind::Retailer).await;

    let product = app.honey(&owner).await;
    let pid = product["id"].as_str().expect("id").to_owned();
    let spare = app.create_product(&owner, &json!({"name_vi": "Chè", "group": "beverages"})).await;
    let pid2 = spare["id"].as_str().expect("id").to_owned();
    app.post(&format!("/api/v1/products/{pid}/ocop-ratings"), Some(&authority.token),
        &json!({"stars": 4, "certificate_number": "1/QĐ", "issued_on": "2025-01-01"})).await.assert_status(201);
    let area = app.create_site(&authority, "farming-areas", "VN-M-1", Some(&owner)).await;
    let aid = area["id"].as_str().expect("id").to_owned();
    let facility = app.create_site(&authority, "packing-facilities", "PF-M-1", Some(&owner)).await;
    let fid = facility["id"].as_str().expect("id").to_owned();
    let cert = app.post("/api/v1/certifications", Some(&owner.token), &json!({
        "scheme": "vietgap", "number": "V1", "issuer": "Q", "valid_from": "2025-01-01", "valid_until": "2027-01-01"
    })).await.assert_status(201).clone();
    let cid = cert["id"].as_str().expect("id").to_owned();
    let batch = app.create_batch(&owner, &pid, "M1", "VN-M-1").await.assert_status(201).clone();
    let bid = batch["id"].as_str().expect("id").to_owned();
    let other_id = other.org_id;

    let picture = ocop_trace::demo::drawings::draw(ocop_trace::demo::drawings::Drawing::Oranges).expect("drawn");
    let site = |code: &str| json!({"code": code, "name": format!("Khu {code}"), "province": "Hòa Bình", "district": "Lạc Thủy"});

    // Each body is one the roles let in can act on, so "ok" is a 2xx: the
    // request got past the door and did what it asked. Rows run in order.
    // [admin, authority, owner producer, other producer, retailer, public]
    let mut matrix: Vec<MatrixRow> = vec![
        (Method::POST, "/api/v1/products".into(), Json(json!({"name_vi": "Chè Shan tuyết", "group": "beverages"})),
            ["403", "403", "ok", "ok", "403", "401"]),
        (Method::GET, "/api/v1/products".into(), Empty, ["ok", "ok", "ok", "ok", "ok", "401"]),
        (Method::GET, format!("/api/v1/products/{pid}"), Empty, ["ok", "ok", "ok", "404", "ok", "401"]),
        (Method::PATCH, format!("/api/v1/products/{pid}"), Json(json!({"unit": "chai 250 ml"})),
            ["403", "403", "ok", "404", "403", "401"]),
        (Method::PUT, format!("/api/v1/products/{pid}/image"), Bytes("image/png", picture), ["403", "403", "ok", "404", "403", "401"]),
        (Method::DELETE, format!("/api/v1/products/{pid}/image"), Empty, ["403", "403", "ok", "404", "403", "401"]),
        (Method::POST, format!("/api/v1/products/{pid2}/archive"), Empty, ["403", "403", "ok", "404", "403", "401"]),
        (Method::POST, format!("/api/v1/products/{pid}/ocop-ratings"),
            Json(json!({"stars": 5, "certificate_number": "2/QĐ", "issued_on": days_from_today(-1)})),
            ["403", "ok", "403", "403", "403", "401"]),
        (Method::GET, format!("/api/v1/products/{pid}/ocop-rating"), Empty, ["ok", "ok", "ok", "404", "ok", "401"]),
        (Method::GET, format!("/api/v1/products/{pid}/ocop-ratings"), Empty, ["ok", "ok", "ok", "404", "ok", "401"]),
        (Method::GET, "/api/v1/ocop-ratings?expiring_within_days=30".into(), Empty, ["ok", "ok", "ok", "ok", "403", "401"]),
        (Method::POST, "/api/v1/certifications".into(), Json(json!({
            "scheme": "vietgap", "number": "V2", "issuer": "Chi cục Thủy sản",
            "valid_from": days_from_today(-30), "valid_until": days_from_today(700)
        })), ["403", "422", "ok", "ok", "403", "401"]),
        (Method::POST, "/api/v1/certifications".into(), Json(json!({
            "producer_id": owner.org_id, "scheme": "vietgap", "number": "V3", "issuer": "Chi cục Thủy sản",
            "valid_from": days_from_today(-30), "valid_until": days_from_today(700)
        })), ["403", "ok", "ok", "422", "403", "401"]),
        (Method::GET, "/api/v1/certifications".into(), Empty, ["ok", "ok", "ok", "ok", "ok", "401"]),
        (Method::GET, format!("/api/v1/certifications/{cid}"), Empty, ["ok", "ok", "ok", "404", "ok", "401"]),
        (Method::PATCH, format!("/api/v1/certifications/{cid}"), Json(json!({"issuer": "Sở Nông nghiệp Hòa Bình"})),
            ["403", "ok", "ok", "404", "403", "401"]),
        // Another producer's product is named in the body: 422 "no such product".
        (Method::POST, "/api/v1/batches".into(), Json(json!({
            "product_id": pid, "lot": "M2", "farming_area_codes": ["VN-M-1"],
            "harvest_date": days_from_today(-10), "best_before": days_from_today(200), "quantity": 80, "unit": "chai"
        })), ["403", "403", "ok", "422", "403", "401"]),
        (Method::GET, "/api/v1/batches".into(), Empty, ["ok", "ok", "ok", "ok", "ok", "401"]),
        (Method::GET, format!("/api/v1/batches/{bid}"), Empty, ["ok", "ok", "ok", "404", "ok", "401"]),
        (Method::PATCH, format!("/api/v1/batches/{bid}"), Json(json!({"quantity": 400})),
            ["403", "403", "ok", "404", "403", "401"]),
        (Method::POST, format!("/api/v1/batches/{bid}/close"), Empty, ["403", "403", "ok", "404", "403", "401"]),
        (Method::GET, "/api/v1/audit-log".into(), Empty, ["ok", "ok", "403", "403", "403", "401"]),
    ];
    for (collection, id, code) in [("farming-areas", &aid, "VN-M-2"), ("packing-facilities", &fid, "PF-M-2")] {
        let mut created = site(code);
        if collection == "farming-areas" {
            created["crop"] = json!("Cam");
        }
        matrix.extend([
            (Method::POST, format!("/api/v1/{collection}"), Json(created), ["403", "ok", "403", "403", "403", "401"]),
            (Method::GET, format!("/api/v1/{collection}"), Empty, ["ok", "ok", "ok", "ok", "ok", "401"]),
            (Method::GET, format!("/api/v1/{collection}/{id}"), Empty, ["ok", "ok", "ok", "404", "ok", "401"]),
            (Method::PATCH, format!("/api/v1/{collection}/{id}"), Json(json!({"name": "Khu đồi Cò Phày"})),
                ["403", "ok", "403", "403", "403", "401"]),
            (Method::POST, format!("/api/v1/{collection}/{id}/producers"), Json(json!({"producer_id": other_id})),
                ["403", "ok", "403", "403", "403", "401"]),
            (Method::DELETE, format!("/api/v1/{collection}/{id}/producers/{other_id}"), Empty,
                ["403", "ok", "403", "403", "403", "401"]),
            (Method::POST, format!("/api/v1/{collection}/{id}/status"),
                Json(json!({"status": "suspended", "reason": "Kiểm tra dư lượng thuốc bảo vệ thực vật"})),
                ["403", "ok", "403", "403", "403", "401"]),
            (Method::GET, format!("/api/v1/{collection}/{id}/history"), Empty, ["ok", "ok", "ok", "404", "ok", "401"]),
        ]);
    }
    app.assert_matrix(&matrix, [
        ("admin", Some(admin.token.as_str())),
        ("authority", Some(authority.token.as_str())),
        ("owner", Some(owner.token.as_str())),
        ("other producer", Some(other.token.as_str())),
        ("retailer", Some(retailer.token.as_str())),
        ("public", None),
    ]).await;

    // The matrix covers every registry route in the contract.
    assert_matrix_covers(&matrix, |path| {
        ["/products", "/ocop-ratings", "/certifications", "/farming-areas", "/packing-facilities", "/batches", "/audit-log"]
            .iter()
            .any(|p| path.starts_with(&format!("/api/v1{p}")))
            // Code runs and recalls have their own matrices.
            && !path.contains("/code-runs")
            && !path.ends_with("/recall")
    });
});
