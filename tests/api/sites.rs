use ocop_trace::domain::organization::OrgKind;
use serde_json::json;

api_test!(async fn authority_registers_suspends_and_reactivates_a_farming_area(app) {
    let authority = app.login(OrgKind::Authority).await;
    let producer = app.login(OrgKind::Producer).await;
    let answer = app
        .post("/api/v1/farming-areas", Some(&authority.token), &json!({
            "code": "  vn-hbor-0012 ", "name": "Vùng cam Cao Phong", "province": "Hòa Bình",
            "district": "Cao Phong", "crop": "Cam", "area_ha": 12.5, "target_market": "cn"
        }))
        .await;
    let area = answer.assert_status(201).clone();
    assert_eq!(area["code"], "VN-HBOR-0012");
    assert_eq!(area["target_market"], "CN");
    assert_eq!(area["status"], "active");
    let id = area["id"].as_str().expect("id");

    // Another format of code is stored as given.
    let answer = app.post("/api/v1/packing-facilities", Some(&authority.token), &json!({
        "code": "PB.33.01.01.001", "name": "Cơ sở đóng gói Chi Nê", "province": "Hòa Bình"
    })).await;
    assert_eq!(answer.assert_status(201)["code"], "PB.33.01.01.001");

    // Duplicate code: 409, nothing stored.
    let before = app.count("sites");
    let answer = app.post("/api/v1/farming-areas", Some(&authority.token), &json!({"code": "VN-HBOR-0012", "name": "x", "province": "Hòa Bình"})).await;
    assert_eq!(answer.assert_problem(409)["field"], "code");
    assert_eq!(app.count("sites"), before);

    let answer = app.post(&format!("/api/v1/farming-areas/{id}/producers"), Some(&authority.token), &json!({"producer_id": producer.org_id})).await;
    assert_eq!(answer.assert_status(200)["producer_ids"][0], producer.org_id.to_string());

    let answer = app.post(&format!("/api/v1/farming-areas/{id}/status"), Some(&authority.token), &json!({"status": "suspended", "reason": "Dư lượng thuốc BVTV vượt ngưỡng"})).await;
    assert_eq!(answer.assert_status(200)["status"], "suspended");
    let answer = app.post(&format!("/api/v1/farming-areas/{id}/status"), Some(&authority.token), &json!({"status": "suspended", "reason": "again"})).await;
    assert_eq!(answer.assert_problem(422)["field"], "status");
    app.post(&format!("/api/v1/farming-areas/{id}/status"), Some(&authority.token), &json!({"status": "active", "reason": "Đạt khi kiểm tra lại"})).await.assert_status(200);

    // The producer linked to it sees it and its history.
    let answer = app.get(&format!("/api/v1/farming-areas/{id}/history"), Some(&producer.token)).await;
    let history = answer.assert_status(200).as_array().expect("history").clone();
    let statuses: Vec<&str> = history.iter().filter_map(|h| h["to_status"].as_str()).collect();
    assert_eq!(statuses, ["active", "suspended", "active"]);
    assert_eq!(history[1]["reason"], "Dư lượng thuốc BVTV vượt ngưỡng");
    assert_eq!(history[1]["changed_by"], authority.org_id.to_string());

    let answer = app.get("/api/v1/farming-areas?q=hbor", Some(&producer.token)).await;
    assert_eq!(answer.assert_status(200)["total"], 1);
});

api_test!(async fn revocation_is_final(app) {
    let authority = app.login(OrgKind::Authority).await;
    let site = app.create_site(&authority, "farming-areas", "VN-HB-1", None).await;
    let id = site["id"].as_str().expect("id");
    app.post(&format!("/api/v1/farming-areas/{id}/status"), Some(&authority.token), &json!({"status": "revoked", "reason": "Hết hạn"})).await.assert_status(200);
    let answer = app.post(&format!("/api/v1/farming-areas/{id}/status"), Some(&authority.token), &json!({"status": "active", "reason": "x"})).await;
    assert_eq!(answer.assert_problem(422)["field"], "status");
});

api_test!(async fn each_site_rule_is_422_and_stores_nothing(app) {
    let authority = app.login(OrgKind::Authority).await;
    let cases = [
        ("farming-areas", json!({"code": "", "name": "x", "province": "Hòa Bình"}), "code"),
        ("farming-areas", json!({"code": "VN HB 1", "name": "x", "province": "Hòa Bình"}), "code"),
        ("farming-areas", json!({"code": "A1", "name": " ", "province": "Hòa Bình"}), "name"),
        ("farming-areas", json!({"code": "A1", "name": "x", "province": ""}), "province"),
        ("farming-areas", json!({"code": "A1", "name": "x", "province": "Hòa Bình", "area_ha": -1}), "area_ha"),
        ("farming-areas", json!({"code": "A1", "name": "x", "province": "Hòa Bình", "target_market": "Mars"}), "target_market"),
        ("farming-areas", json!({"code": "A1", "name": "x", "province": "Hòa Bình", "valid_until": "2020-01-01"}), "valid_until"),
        ("packing-facilities", json!({"code": "P1", "name": "x", "province": "Hòa Bình", "crop": "Cam"}), "crop"),
        ("packing-facilities", json!({"code": "P1", "name": "x", "province": "Hòa Bình", "area_ha": 2}), "area_ha"),
    ];
    for (collection, body, field) in cases {
        let answer = app.post(&format!("/api/v1/{collection}"), Some(&authority.token), &body).await;
        assert_eq!(answer.assert_problem(422)["field"], field, "{body}");
    }
    assert_eq!(app.count("sites"), 0);
});

api_test!(async fn producers_see_only_sites_linked_to_them_and_cannot_write(app) {
    let authority = app.login(OrgKind::Authority).await;
    let a = app.login(OrgKind::Producer).await;
    let b = app.login(OrgKind::Producer).await;
    let site = app.create_site(&authority, "farming-areas", "VN-HB-A", Some(&a)).await;
    let id = site["id"].as_str().expect("id");
    app.get(&format!("/api/v1/farming-areas/{id}"), Some(&a.token)).await.assert_status(200);
    app.get(&format!("/api/v1/farming-areas/{id}"), Some(&b.token)).await.assert_problem(404);
    app.get(&format!("/api/v1/farming-areas/{id}/history"), Some(&b.token)).await.assert_problem(404);
    assert_eq!(app.get("/api/v1/farming-areas", Some(&b.token)).await.assert_status(200)["total"], 0);
    assert_eq!(app.get("/api/v1/farming-areas", Some(&a.token)).await.assert_status(200)["total"], 1);
    let answer = app.post("/api/v1/farming-areas", Some(&a.token), &json!({"code": "MINE", "name": "x", "province": "Hòa Bình"})).await;
    answer.assert_problem(403);
    let answer = app.post(&format!("/api/v1/farming-areas/{id}/status"), Some(&a.token), &json!({"status": "suspended", "reason": "x"})).await;
    answer.assert_problem(403);
});

api_test!(async fn updating_a_site_keeps_its_code_and_is_audited(app) {
    let authority = app.login(OrgKind::Authority).await;
    let admin = app.login(OrgKind::Admin).await;
    let site = app.create_site(&authority, "farming-areas", "VN-HB-U", None).await;
    let id = site["id"].as_str().expect("id");
    let answer = app.send(app.request(reqwest::Method::PATCH, &format!("/api/v1/farming-areas/{id}"), Some(&authority.token))
        .json(&json!({"area_ha": 7.25, "target_market": "EU"}))).await;
    let updated = answer.assert_status(200);
    assert_eq!(updated["area_ha"], 7.25);
    assert_eq!(updated["code"], "VN-HB-U");
    let answer = app.send(app.request(reqwest::Method::PATCH, &format!("/api/v1/farming-areas/{id}"), Some(&authority.token))
        .json(&json!({"code": "OTHER"}))).await;
    assert_eq!(answer.assert_problem(422)["field"], "code");

    let answer = app.get(&format!("/api/v1/audit-log?entity_type=site&entity_id={id}"), Some(&admin.token)).await;
    let log = answer.assert_status(200);
    let actions: Vec<&str> = log["items"].as_array().expect("items").iter().filter_map(|e| e["action"].as_str()).collect();
    assert_eq!(actions, ["farming_area.update", "farming_area.create"]);
    assert_eq!(log["items"][0]["before"]["area_ha"], 4.5);
    assert_eq!(log["items"][0]["after"]["area_ha"], 7.25);
    assert_eq!(log["items"][0]["actor_org_id"], authority.org_id.to_string());
});

// Found by the contract fuzzing: unlinking an id that is no producer (here
// the area's own id) answered 422 for a path value; there is no such link: 404.
api_test!(async fn unlinking_what_is_no_producer_is_not_found(app) {
    let authority = app.login(OrgKind::Authority).await;
    let producer = app.login(OrgKind::Producer).await;
    let area = app.create_site(&authority, "farming-areas", "VN-HBUL-0001", Some(&producer)).await;
    let id = area["id"].as_str().expect("id");
    for stranger in [id.to_owned(), authority.org_id.to_string()] {
        let path = format!("/api/v1/farming-areas/{id}/producers/{stranger}");
        app.send(app.request(reqwest::Method::DELETE, &path, Some(&authority.token))).await.assert_problem(404);
    }
    // A producer's link is removed, and again is no change.
    let path = format!("/api/v1/farming-areas/{id}/producers/{}", producer.org_id);
    for _ in 0..2 {
        let answer = app.send(app.request(reqwest::Method::DELETE, &path, Some(&authority.token))).await;
        assert_eq!(answer.assert_status(200)["producer_ids"], json!([]));
    }
});
