//! Key → token → authorized call, and every way a token can be wrong.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use jsonwebtoken::{EncodingKey, Header};
use ocop_trace::auth::jwt::{AUDIENCE, ISSUER};
use ocop_trace::domain::organization::OrgKind;
use serde_json::json;

use crate::helpers::TEST_JWT_SECRET;

fn forge(secret: &str, claims: serde_json::Value) -> String {
    jsonwebtoken::encode(
        &Header::default(),
        &claims,
        &EncodingKey::from_secret(secret.as_bytes()),
    )
    .expect("encode")
}

fn claims_for(org_id: uuid::Uuid, exp_offset: i64) -> serde_json::Value {
    let now = chrono::Utc::now().timestamp();
    json!({
        "sub": org_id.to_string(), "role": "admin", "kid": "forged",
        "iss": ISSUER, "aud": AUDIENCE, "iat": now, "exp": now + exp_offset,
    })
}

api_test!(async fn key_to_token_to_authorized_call(app) {
    let producer = app.login(OrgKind::Producer).await;
    let answer = app.get("/api/v1/me", Some(&producer.token)).await;
    let me = answer.assert_status(200);
    assert_eq!(me["id"], producer.org_id.to_string());
    assert_eq!(me["kind"], "producer");

    let answer = app
        .post("/api/v1/auth/token", None, &json!({"api_key": producer.api_key}))
        .await;
    let body = answer.assert_status(200);
    assert_eq!(body["token_type"], "Bearer");
    assert_eq!(body["role"], "producer");
    assert!(body["expires_in"].as_u64().is_some_and(|s| s > 0 && s <= 3600));
});

api_test!(async fn wrong_key_is_401(app) {
    let answer = app
        .post("/api/v1/auth/token", None, &json!({"api_key": "ocop_not-a-real-key"}))
        .await;
    answer.assert_problem(401);
});

api_test!(async fn missing_or_malformed_authorization_is_401(app) {
    app.get("/api/v1/me", None).await.assert_problem(401);
    let answer = app
        .send(app.request(reqwest::Method::GET, "/api/v1/me", None).header("authorization", "Basic abc"))
        .await;
    answer.assert_problem(401);
    app.get("/api/v1/me", Some("garbage")).await.assert_problem(401);
});

api_test!(async fn expired_token_is_401(app) {
    let admin = app.login(OrgKind::Admin).await;
    let token = forge(TEST_JWT_SECRET, claims_for(admin.org_id, -3600));
    let answer = app.get("/api/v1/me", Some(&token)).await;
    let problem = answer.assert_problem(401);
    assert!(problem["detail"].as_str().unwrap_or("").contains("expired"));
    assert_eq!(answer.headers.get("www-authenticate").and_then(|v| v.to_str().ok()), Some("Bearer"));
});

api_test!(async fn token_signed_with_another_secret_is_401(app) {
    let admin = app.login(OrgKind::Admin).await;
    let token = forge("another-secret-another-secret-another-1", claims_for(admin.org_id, 600));
    app.get("/api/v1/me", Some(&token)).await.assert_problem(401);
    app.get("/api/v1/organizations", Some(&token)).await.assert_problem(401);
});

api_test!(async fn alg_none_token_is_401(app) {
    let admin = app.login(OrgKind::Admin).await;
    let header = URL_SAFE_NO_PAD.encode(br#"{"alg":"none","typ":"JWT"}"#);
    let payload = URL_SAFE_NO_PAD.encode(claims_for(admin.org_id, 600).to_string());
    for token in [format!("{header}.{payload}."), format!("{header}.{payload}")] {
        app.get("/api/v1/organizations", Some(&token)).await.assert_problem(401);
    }
});

api_test!(async fn token_without_audience_is_401(app) {
    let admin = app.login(OrgKind::Admin).await;
    let mut claims = claims_for(admin.org_id, 600);
    claims["aud"] = json!("someone-else");
    let token = forge(TEST_JWT_SECRET, claims);
    app.get("/api/v1/me", Some(&token)).await.assert_problem(401);
});

api_test!(async fn wrong_role_is_403(app) {
    let producer = app.login(OrgKind::Producer).await;
    app.get("/api/v1/organizations", Some(&producer.token)).await.assert_problem(403);
});

api_test!(async fn revoked_key_can_no_longer_get_a_token(app) {
    let admin = app.login(OrgKind::Admin).await;
    let producer = app.login(OrgKind::Producer).await;
    let answer = app
        .post(&format!("/api/v1/api-keys/{}/revoke", producer.key_id), Some(&admin.token), &json!({}))
        .await;
    assert!(answer.assert_status(200)["revoked_at"].is_string());
    let answer = app
        .post("/api/v1/auth/token", None, &json!({"api_key": producer.api_key}))
        .await;
    answer.assert_problem(401);
});

// The review's finding: after its key was revoked, a token still read `/me`
// and created webhooks until it expired.
api_test!(async fn a_revoked_keys_tokens_are_refused_on_every_node(app) {
    let admin = app.login(OrgKind::Admin).await;
    let retailer = app.login(OrgKind::Retailer).await;
    let other_key = app.login(OrgKind::Retailer).await;
    let mut other_node = app.spawn_server_process(&[]).await;
    let url = format!("{}/api/v1/me", other_node.base);
    let me_elsewhere = |token: String| {
        let url = url.clone();
        async move { reqwest::Client::new().get(url).bearer_auth(token).send().await.expect("me").status().as_u16() }
    };
    app.get("/api/v1/me", Some(&retailer.token)).await.assert_status(200);
    assert_eq!(me_elsewhere(retailer.token.clone()).await, 200);

    app.post(&format!("/api/v1/api-keys/{}/revoke", retailer.key_id), Some(&admin.token), &json!({}))
        .await
        .assert_status(200);
    // At once on the node that revoked it…
    let me = app.get("/api/v1/me", Some(&retailer.token)).await;
    assert!(me.assert_problem(401)["detail"].as_str().expect("detail").contains("revoked"));
    app.post("/api/v1/webhooks", Some(&retailer.token), &json!({"url": "https://hooks.example/h", "events": ["recall"]}))
        .await
        .assert_problem(401);
    // …and within seconds on another one.
    crate::helpers::eventually(10, "the other node refuses the token", || {
        let token = retailer.token.clone();
        let status = me_elsewhere(token);
        async move { status.await == 401 }
    })
    .await;
    // Other keys' tokens are untouched.
    app.get("/api/v1/me", Some(&other_key.token)).await.assert_status(200);
    assert_eq!(me_elsewhere(other_key.token.clone()).await, 200);
    let _ = other_node.child.kill();
    let _ = other_node.child.wait();
});
