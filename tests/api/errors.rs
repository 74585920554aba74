//! The error contract: every 4xx is problem+json naming the problem, and a
//! failed request writes nothing.

use ocop_trace::domain::organization::OrgKind;
use reqwest::Method;
use serde_json::json;

use crate::helpers::TestApp;

async fn post_raw(
    app: &TestApp,
    path: &str,
    token: &str,
    body: impl Into<reqwest::Body>,
) -> crate::helpers::Answer {
    app.send(
        app.request(Method::POST, path, Some(token))
            .header("content-type", "application/json")
            .body(body),
    )
    .await
}

api_test!(async fn malformed_json_is_400_and_writes_nothing(app) {
    let admin = app.login(OrgKind::Admin).await;
    let before = app.count("organizations");
    let answer = post_raw(&app, "/api/v1/organizations", &admin.token, r#"{"name": "HTX"#).await;
    let problem = answer.assert_problem(400);
    assert!(problem["detail"].as_str().unwrap_or("").contains("malformed JSON"));
    assert_eq!(app.count("organizations"), before);
});

api_test!(async fn wrong_type_names_the_field(app) {
    let admin = app.login(OrgKind::Admin).await;
    let before = app.count("organizations");
    let answer = app
        .post(
            "/api/v1/organizations",
            Some(&admin.token),
            &json!({"name": 42, "kind": "retailer", "address": {"province": "Hòa Bình"}}),
        )
        .await;
    assert_eq!(answer.assert_problem(422)["field"], "name");
    assert_eq!(app.count("organizations"), before);
});

api_test!(async fn missing_field_names_the_field(app) {
    let admin = app.login(OrgKind::Admin).await;
    let before = app.count("organizations");
    let answer = app
        .post(
            "/api/v1/organizations",
            Some(&admin.token),
            &json!({"kind": "retailer", "address": {"province": "Hòa Bình"}}),
        )
        .await;
    let problem = answer.assert_problem(422);
    assert!(problem["detail"].as_str().unwrap_or("").contains("name"), "{problem}");
    assert_eq!(app.count("organizations"), before);
});

api_test!(async fn unknown_route_is_404_problem(app) {
    app.get("/api/v1/no-such-thing", None).await.assert_problem(404);
    app.get("/favicon.ico", None).await.assert_problem(404);
});

api_test!(async fn wrong_method_is_405_with_allow(app) {
    let answer = app.send(app.request(Method::DELETE, "/healthz", None)).await;
    answer.assert_problem(405);
    assert_eq!(answer.headers.get("allow").and_then(|v| v.to_str().ok()), Some("GET"));
    let answer = app
        .send(app.request(Method::PUT, "/api/v1/organizations", None))
        .await;
    answer.assert_problem(405);
});

api_test!(async fn two_megabyte_body_is_413_and_writes_nothing(app) {
    let admin = app.login(OrgKind::Admin).await;
    let before = app.count("organizations");
    let big = format!(
        r#"{{"name": "{}", "kind": "retailer", "address": {{"province": "Hòa Bình"}}}}"#,
        "a".repeat(2 * 1024 * 1024)
    );
    let answer = post_raw(&app, "/api/v1/organizations", &admin.token, big).await;
    answer.assert_problem(413);
    assert_eq!(app.count("organizations"), before);
});

api_test!(async fn wrong_content_type_is_415(app) {
    let admin = app.login(OrgKind::Admin).await;
    let answer = app
        .send(
            app.request(Method::POST, "/api/v1/organizations", Some(&admin.token))
                .header("content-type", "text/plain")
                .body("name=x"),
        )
        .await;
    answer.assert_problem(415);
});

api_test!(async fn bad_query_and_path_name_the_parameter(app) {
    let admin = app.login(OrgKind::Admin).await;
    let answer = app.get("/api/v1/organizations?per_page=many", Some(&admin.token)).await;
    assert_eq!(answer.assert_problem(400)["field"], "per_page");
    let answer = app.get("/api/v1/organizations?per_page=10001", Some(&admin.token)).await;
    assert_eq!(answer.assert_problem(422)["field"], "per_page");
    let answer = app.get("/api/v1/organizations?colour=red", Some(&admin.token)).await;
    answer.assert_problem(400);
    let answer = app.get("/api/v1/organizations/not-a-uuid", Some(&admin.token)).await;
    assert_eq!(answer.assert_problem(400)["field"], "id");
});

// A stored value that does not parse is an error (500, logged), never
// relabelled as some default: a product whose OCOP group was hand-edited to
// nonsense once read as "food" (the database's CHECK constraints guard most
// enums; this column has none).
api_test!(async fn a_corrupt_stored_value_is_an_error_not_a_default(app) {
    use diesel::RunQueryDsl;
    let chain = app.chain(1).await;
    app.with_db(|conn| {
        diesel::sql_query(format!("UPDATE products SET ocop_group = 'weird' WHERE id = '{}'", chain.product_id))
            .execute(conn)
    }).expect("hand edit");
    let answer = app.get(&format!("/api/v1/products/{}", chain.product_id), Some(&chain.producer.token)).await;
    let problem = answer.assert_problem(500);
    assert!(!problem.to_string().contains("weird"), "stored text leaked: {problem}");
    let scan = app.client.get(app.url(&format!("/c/{}", chain.codes[0])))
        .header("Accept", "application/json").send().await.expect("scan");
    assert_eq!(scan.status().as_u16(), 500);
});

/// The fields of a problem's `errors`, sorted.
fn error_fields(problem: &serde_json::Value) -> Vec<String> {
    let mut fields: Vec<String> = problem["errors"]
        .as_array()
        .expect("errors")
        .iter()
        .map(|e| {
            assert!(e["detail"].as_str().is_some_and(|d| !d.is_empty()), "{e}");
            e["field"].as_str().expect("field").to_owned()
        })
        .collect();
    fields.sort_unstable();
    fields
}

api_test!(async fn every_error_of_a_body_is_reported_at_once(app) {
    let producer = app.login(OrgKind::Producer).await;
    let authority = app.login(OrgKind::Authority).await;
    let product = app.honey(&producer).await["id"].as_str().expect("id").to_owned();
    // A date that cannot be read (month 13) and a value that breaks a rule
    // (6 stars) in one body: both, in one answer.
    let answer = app
        .post(
            &format!("/api/v1/products/{product}/ocop-ratings"),
            Some(&authority.token),
            &json!({"stars": 6, "certificate_number": " ", "issued_on": "2026-13-01", "level": "global"}),
        )
        .await;
    let problem = answer.assert_problem(422);
    assert_eq!(
        error_fields(problem),
        ["certificate_number", "issued_on", "level", "stars"],
        "{problem}"
    );
    assert_eq!(app.count("ocop_ratings"), 0);

    // Wrong types, an unknown field and a rule, nested in a list.
    let before = app.count("products");
    let answer = app
        .post(
            "/api/v1/products",
            Some(&producer.token),
            &json!({"name_vi": "", "group": "spices", "gtin": 8_936_000, "colour": "red"}),
        )
        .await;
    let problem = answer.assert_problem(422);
    assert_eq!(error_fields(problem), ["colour", "group", "gtin", "name_vi"], "{problem}");
    assert_eq!(app.count("products"), before);

    // Not JSON at all is still a 400.
    post_raw(&app, "/api/v1/products", &producer.token, r#"{"name_vi": "#).await.assert_problem(400);
});
