use ocop_trace::domain::organization::OrgKind;
use serde_json::{Value, json};

fn cooperative() -> Value {
    json!({
        "name": "  Hợp tác xã  Mật ong Hưng Thi ",
        "kind": "producer",
        "producer_type": "cooperative",
        "tax_code": "5400487765",
        "address": {"province": "Hòa Bình", "district": "Lạc Thủy", "commune": "Xã Hưng Thi"},
        "contact": {"phone": "+84 912 345 003", "email": "HTX@example.vn"}
    })
}

api_test!(async fn admin_creates_and_reads_an_organization(app) {
    let admin = app.login(OrgKind::Admin).await;
    let answer = app.post("/api/v1/organizations", Some(&admin.token), &cooperative()).await;
    let created = answer.assert_status(201).clone();
    assert_eq!(created["name"], "Hợp tác xã Mật ong Hưng Thi");
    assert_eq!(created["contact"]["phone"], "0912345003");
    assert_eq!(created["contact"]["email"], "htx@example.vn");
    let id = created["id"].as_str().expect("id");
    assert_eq!(
        answer.headers.get("location").and_then(|v| v.to_str().ok()),
        Some(format!("/api/v1/organizations/{id}").as_str())
    );

    let answer = app.get(&format!("/api/v1/organizations/{id}"), Some(&admin.token)).await;
    assert_eq!(answer.assert_status(200), &created);
});

api_test!(async fn decomposed_vietnamese_is_stored_as_nfc(app) {
    let admin = app.login(OrgKind::Admin).await;
    let mut body = cooperative();
    // "Mật" typed with combining marks, as some phones and macOS send it.
    body["name"] = json!("HTX Ma\u{0323}\u{0302}t ong");
    let answer = app.post("/api/v1/organizations", Some(&admin.token), &body).await;
    assert_eq!(answer.assert_status(201)["name"], "HTX Mật ong");
});

api_test!(async fn validation_errors_are_422_naming_every_field(app) {
    let admin = app.login(OrgKind::Admin).await;
    let before = app.count("organizations");
    let mut body = cooperative();
    body["name"] = json!("   ");
    body["producer_type"] = Value::Null;
    body["tax_code"] = json!("12-34");
    body["address"]["province"] = json!("");
    body["contact"]["phone"] = json!("123");
    let answer = app.post("/api/v1/organizations", Some(&admin.token), &body).await;
    let problem = answer.assert_problem(422);
    let fields: Vec<&str> = problem["errors"]
        .as_array()
        .expect("errors")
        .iter()
        .filter_map(|e| e["field"].as_str())
        .collect();
    assert_eq!(fields, ["name", "producer_type", "tax_code", "address.province", "contact.phone"]);
    assert_eq!(problem["field"], "name");
    assert_eq!(app.count("organizations"), before);
});

api_test!(async fn retailer_must_not_have_a_producer_type(app) {
    let admin = app.login(OrgKind::Admin).await;
    let mut body = cooperative();
    body["kind"] = json!("retailer");
    let answer = app.post("/api/v1/organizations", Some(&admin.token), &body).await;
    assert_eq!(answer.assert_problem(422)["field"], "producer_type");
});

api_test!(async fn duplicate_tax_code_is_409(app) {
    let admin = app.login(OrgKind::Admin).await;
    app.post("/api/v1/organizations", Some(&admin.token), &cooperative()).await.assert_status(201);
    let before = app.count("organizations");
    let mut body = cooperative();
    body["name"] = json!("Another one");
    let answer = app.post("/api/v1/organizations", Some(&admin.token), &body).await;
    assert_eq!(answer.assert_problem(409)["field"], "tax_code");
    assert_eq!(app.count("organizations"), before);
});

api_test!(async fn list_filters_and_paginates(app) {
    let admin = app.login(OrgKind::Admin).await;
    for (name, tax) in [("HTX Mật ong Hưng Thi", "5400000001"), ("HTX Chè Sông Bôi", "5400000002"), ("HTX Cam Cao Phong", "5400000003")] {
        let mut body = cooperative();
        body["name"] = json!(name);
        body["tax_code"] = json!(tax);
        app.post("/api/v1/organizations", Some(&admin.token), &body).await.assert_status(201);
    }
    let answer = app.get("/api/v1/organizations?q=mat%20ong", Some(&admin.token)).await;
    let page = answer.assert_status(200);
    assert_eq!(page["total"], 1);
    assert_eq!(page["items"][0]["name"], "HTX Mật ong Hưng Thi");

    let answer = app.get("/api/v1/organizations?kind=producer&per_page=2&page=1", Some(&admin.token)).await;
    let page = answer.assert_status(200);
    assert_eq!(page["total"], 3);
    assert_eq!(page["items"].as_array().map(Vec::len), Some(2));
    let answer = app.get("/api/v1/organizations?kind=producer&per_page=2&page=2", Some(&admin.token)).await;
    assert_eq!(answer.assert_status(200)["items"].as_array().map(Vec::len), Some(1));

    // A LIKE wildcard in the search is taken literally.
    let answer = app.get("/api/v1/organizations?q=%25", Some(&admin.token)).await;
    assert_eq!(answer.assert_status(200)["total"], 0);
});

api_test!(async fn others_see_only_their_own_organization(app) {
    let producer = app.login(OrgKind::Producer).await;
    let other = app.login(OrgKind::Producer).await;
    let own = app.get(&format!("/api/v1/organizations/{}", producer.org_id), Some(&producer.token)).await;
    own.assert_status(200);
    // Someone else's id answers exactly like an id that does not exist.
    let theirs = app.get(&format!("/api/v1/organizations/{}", other.org_id), Some(&producer.token)).await;
    theirs.assert_problem(404);
    let missing = app.get(&format!("/api/v1/organizations/{}", uuid::Uuid::now_v7()), Some(&producer.token)).await;
    missing.assert_problem(404);
    assert_eq!(theirs.body["detail"], missing.body["detail"]);
});
