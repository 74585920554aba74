//! Every role × every endpoint of the registry: products, ratings,
//! certifications, farming areas, packing facilities, batches, audit log.

use ocop_trace::domain::organization::OrgKind;
use reqwest::Method;
use serde_json::json;

use crate::helpers::{MatrixRow, assert_matrix_covers, matrix_cell_matches};

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

    // [admin, authority, owner producer, other producer, retailer, public]
    let mut matrix: Vec<MatrixRow> = vec![
        (Method::POST, "/api/v1/products".into(), ["403", "403", "ok", "ok", "403", "401"]),
        (Method::GET, "/api/v1/products".into(), ["ok", "ok", "ok", "ok", "ok", "401"]),
        (Method::GET, format!("/api/v1/products/{pid}"), ["ok", "ok", "ok", "404", "ok", "401"]),
        (Method::PATCH, format!("/api/v1/products/{pid}"), ["403", "403", "ok", "404", "403", "401"]),
        // The owner gets past the door to the body's check (no picture sent: 415).
        (Method::PUT, format!("/api/v1/products/{pid}/image"), ["403", "403", "415", "404", "403", "401"]),
        (Method::DELETE, format!("/api/v1/products/{pid}/image"), ["403", "403", "ok", "404", "403", "401"]),
        (Method::POST, format!("/api/v1/products/{pid2}/archive"), ["403", "403", "ok", "404", "403", "401"]),
        (Method::POST, format!("/api/v1/products/{pid}/ocop-ratings"), ["403", "ok", "403", "403", "403", "401"]),
        (Method::GET, format!("/api/v1/products/{pid}/ocop-rating"), ["ok", "ok", "ok", "404", "ok", "401"]),
        (Method::GET, format!("/api/v1/products/{pid}/ocop-ratings"), ["ok", "ok", "ok", "404", "ok", "401"]),
        (Method::GET, "/api/v1/ocop-ratings?expiring_within_days=30".into(), ["ok", "ok", "ok", "ok", "403", "401"]),
        (Method::POST, "/api/v1/certifications".into(), ["403", "ok", "ok", "ok", "403", "401"]),
        (Method::GET, "/api/v1/certifications".into(), ["ok", "ok", "ok", "ok", "ok", "401"]),
        (Method::GET, format!("/api/v1/certifications/{cid}"), ["ok", "ok", "ok", "404", "ok", "401"]),
        (Method::PATCH, format!("/api/v1/certifications/{cid}"), ["403", "ok", "ok", "404", "403", "401"]),
        (Method::POST, "/api/v1/batches".into(), ["403", "403", "ok", "ok", "403", "401"]),
        (Method::GET, "/api/v1/batches".into(), ["ok", "ok", "ok", "ok", "ok", "401"]),
        (Method::GET, format!("/api/v1/batches/{bid}"), ["ok", "ok", "ok", "404", "ok", "401"]),
        (Method::PATCH, format!("/api/v1/batches/{bid}"), ["403", "403", "ok", "404", "403", "401"]),
        (Method::POST, format!("/api/v1/batches/{bid}/close"), ["403", "403", "ok", "404", "403", "401"]),
        (Method::GET, "/api/v1/audit-log".into(), ["ok", "ok", "403", "403", "403", "401"]),
    ];
    for (collection, id) in [("farming-areas", &aid), ("packing-facilities", &fid)] {
        matrix.extend([
            (Method::POST, format!("/api/v1/{collection}"), ["403", "ok", "403", "403", "403", "401"]),
            (Method::GET, format!("/api/v1/{collection}"), ["ok", "ok", "ok", "ok", "ok", "401"]),
            (Method::GET, format!("/api/v1/{collection}/{id}"), ["ok", "ok", "ok", "404", "ok", "401"]),
            (Method::PATCH, format!("/api/v1/{collection}/{id}"), ["403", "ok", "403", "403", "403", "401"]),
            (Method::POST, format!("/api/v1/{collection}/{id}/status"), ["403", "ok", "403", "403", "403", "401"]),
            (Method::GET, format!("/api/v1/{collection}/{id}/history"), ["ok", "ok", "ok", "404", "ok", "401"]),
            (Method::POST, format!("/api/v1/{collection}/{id}/producers"), ["403", "ok", "403", "403", "403", "401"]),
            (Method::DELETE, format!("/api/v1/{collection}/{id}/producers/{other_id}"), ["403", "ok", "403", "403", "403", "401"]),
        ]);
    }
    let tokens = [
        Some(admin.token.as_str()),
        Some(authority.token.as_str()),
        Some(owner.token.as_str()),
        Some(other.token.as_str()),
        Some(retailer.token.as_str()),
        None,
    ];
    let names = ["admin", "authority", "owner", "other producer", "retailer", "public"];
    for (method, path, expected) in &matrix {
        for ((who, token), want) in names.iter().zip(&tokens).zip(expected) {
            let got = app.status_of(method.clone(), path, *token).await;
            assert!(matrix_cell_matches(want, got), "{who} {method} {path}: expected {want}, got {got}");
        }
    }

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
