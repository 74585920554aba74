use crate::helpers::Body::{Empty, Json};
use crate::helpers::MatrixRow;
use ocop_trace::domain::organization::OrgKind;
use reqwest::Method;
use serde_json::json;

api_test!(async fn admin_creates_lists_and_revokes_keys(app) {
    let admin = app.login(OrgKind::Admin).await;
    let retailer = app.login(OrgKind::Retailer).await;
    let path = format!("/api/v1/organizations/{}/api-keys", retailer.org_id);

    let answer = app.post(&path, Some(&admin.token), &json!({"label": "kho Hà Nội"})).await;
    let created = answer.assert_status(201).clone();
    let key = created["api_key"].as_str().expect("api_key").to_owned();
    assert!(key.starts_with("ocop_"));
    assert!(key.starts_with(created["key_prefix"].as_str().expect("prefix")));

    // The new key works.
    app.token_for_key(&key).await;

    let answer = app.get(&path, Some(&admin.token)).await;
    let list = answer.assert_status(200);
    assert_eq!(list["total"], 2);
    // Listings never show a key, nor its hash.
    assert!(!answer.text.contains(&key));
    assert!(!answer.text.contains("hash"));

    let id = created["id"].as_str().expect("id");
    let answer = app.post(&format!("/api/v1/api-keys/{id}/revoke"), Some(&admin.token), &json!({})).await;
    let first = answer.assert_status(200)["revoked_at"].clone();
    // Revoking again keeps the first time.
    let answer = app.post(&format!("/api/v1/api-keys/{id}/revoke"), Some(&admin.token), &json!({})).await;
    assert_eq!(answer.assert_status(200)["revoked_at"], first);
});

api_test!(async fn keys_are_stored_hashed(app) {
    let admin = app.login(OrgKind::Admin).await;
    let stored: Vec<String> = app.with_db(|conn| {
        use diesel::prelude::*;
        use ocop_trace::db::schema::api_keys;
        api_keys::table.select(api_keys::key_hash).load(conn).expect("load")
    });
    assert!(!stored.iter().any(|h| h == &admin.api_key || h.contains(&admin.api_key[5..])));
    assert!(stored.iter().all(|h| h.len() == 64));
});

api_test!(async fn key_for_unknown_org_is_404_and_blank_label_422(app) {
    let admin = app.login(OrgKind::Admin).await;
    let before = app.count("api_keys");
    let answer = app
        .post(&format!("/api/v1/organizations/{}/api-keys", uuid::Uuid::now_v7()), Some(&admin.token), &json!({"label": "x"}))
        .await;
    answer.assert_problem(404);
    let answer = app
        .post(&format!("/api/v1/organizations/{}/api-keys", admin.org_id), Some(&admin.token), &json!({"label": " "}))
        .await;
    assert_eq!(answer.assert_problem(422)["field"], "label");
    let answer = app
        .post(&format!("/api/v1/api-keys/{}/revoke", uuid::Uuid::now_v7()), Some(&admin.token), &json!({}))
        .await;
    answer.assert_problem(404);
    assert_eq!(app.count("api_keys"), before);
});

// Every role × every endpoint of the foundation: who gets through the door.
api_test!(async fn authorization_matrix(app) {
    let admin = app.login(OrgKind::Admin).await;
    let authority = app.login(OrgKind::Authority).await;
    let producer = app.login(OrgKind::Producer).await;
    let retailer = app.login(OrgKind::Retailer).await;
    let other = app.login(OrgKind::Producer).await;
    let other_org = other.org_id;
    // Another organization's key: revoking the caller's own would cut off its token.
    let key_id = other.key_id;

    // [admin, authority, producer, retailer, public]; "ok" = a 2xx.
    let matrix: Vec<MatrixRow<5>> = vec![
        (Method::GET, "/api/v1/me".into(), Empty, ["ok", "ok", "ok", "ok", "401"]),
        (Method::GET, "/api/v1/organizations".into(), Empty, ["ok", "ok", "403", "403", "401"]),
        (Method::POST, "/api/v1/organizations".into(),
            Json(json!({"name": "Siêu thị Co.op Hòa Bình", "kind": "retailer", "address": {"province": "Hòa Bình"}})),
            ["ok", "403", "403", "403", "401"]),
        (Method::GET, format!("/api/v1/organizations/{other_org}"), Empty, ["ok", "ok", "404", "404", "401"]),
        (Method::GET, format!("/api/v1/organizations/{other_org}/api-keys"), Empty, ["ok", "403", "403", "403", "401"]),
        (Method::POST, format!("/api/v1/organizations/{other_org}/api-keys"), Json(json!({"label": "kho"})),
            ["ok", "403", "403", "403", "401"]),
        (Method::POST, format!("/api/v1/api-keys/{key_id}/revoke"), Empty, ["ok", "403", "403", "403", "401"]),
    ];
    app.assert_matrix(&matrix, [
        ("admin", Some(admin.token.as_str())),
        ("authority", Some(authority.token.as_str())),
        ("producer", Some(producer.token.as_str())),
        ("retailer", Some(retailer.token.as_str())),
        ("public", None),
    ]).await;
});
