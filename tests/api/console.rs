//! The web console's sign-in: an API key for a session cookie, the first
//! page of each role, sign-out with the form's token, and a session that
//! ends with its key.

use ocop_trace::domain::organization::OrgKind;
use reqwest::Method;
use serde_json::json;

use crate::helpers::{Answer, TestApp, days_from_today};

/// The console's requests: redirects are looked at, not followed.
fn browser() -> reqwest::Client {
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .expect("client")
}

async fn send(app: &TestApp, request: reqwest::RequestBuilder) -> Answer {
    let response = request.send().await.expect("answer");
    let (status, headers) = (response.status(), response.headers().clone());
    let text = response.text().await.expect("body");
    let body = serde_json::from_str(&text).unwrap_or(serde_json::Value::Null);
    let _ = app;
    Answer {
        status,
        headers,
        body,
        text,
    }
}

async fn sign_in(app: &TestApp, api_key: &str) -> Answer {
    send(
        app,
        browser()
            .post(app.url("/console/sign-in"))
            .form(&[("api_key", api_key)]),
    )
    .await
}

/// Sign in and return the cookie's token.
async fn session_of(app: &TestApp, api_key: &str) -> String {
    let answer = sign_in(app, api_key).await;
    assert_eq!(answer.status.as_u16(), 303, "{}", answer.text);
    assert_eq!(answer.headers["location"], "/console?lang=vi");
    let cookie = answer.headers["set-cookie"]
        .to_str()
        .expect("text")
        .to_owned();
    for attribute in [
        "HttpOnly",
        "SameSite=Strict",
        "Path=/console",
        "Max-Age=28800",
    ] {
        assert!(cookie.contains(attribute), "{attribute} missing: {cookie}");
    }
    assert!(
        !cookie.contains("Secure"),
        "served over http here: {cookie}"
    );
    let token = cookie
        .strip_prefix("ocop_console=")
        .and_then(|rest| rest.split(';').next())
        .expect("the session cookie")
        .to_owned();
    assert!(token.len() >= 40, "{token}");
    token
}

async fn console_page(app: &TestApp, token: &str, path: &str) -> Answer {
    send(
        app,
        browser()
            .get(app.url(path))
            .header("cookie", format!("ocop_console={token}")),
    )
    .await
}

fn csrf_of(page: &str) -> String {
    let start = page
        .find("name=\"csrf_token\" value=\"")
        .expect("the sign-out form")
        + 25;
    page[start..].split('"').next().expect("value").to_owned()
}

async fn sign_out(app: &TestApp, token: &str, csrf: &str) -> Answer {
    send(
        app,
        browser()
            .post(app.url("/console/sign-out"))
            .header("cookie", format!("ocop_console={token}"))
            .form(&[("csrf_token", csrf)]),
    )
    .await
}

#[track_caller]
fn assert_to_sign_in(answer: &Answer) {
    assert_eq!(answer.status.as_u16(), 303, "{}", answer.text);
    assert!(
        answer.headers["location"]
            .to_str()
            .expect("text")
            .starts_with("/console/sign-in")
    );
}

api_test!(async fn the_sign_in_form_says_what_went_wrong_next_to_the_field(app) {
    let form = send(&app, browser().get(app.url("/console/sign-in"))).await;
    assert_eq!(form.status.as_u16(), 200);
    assert!(form.content_type().starts_with("text/html"));
    assert!(form.text.contains("<html lang=\"vi\">") && form.text.contains("<label for=\"api_key\">Khóa API</label>"), "{}", form.text);
    let csp = form.headers["content-security-policy"].to_str().expect("text");
    assert!(csp.contains("form-action 'self'") && csp.contains("script-src 'none'"), "{csp}");

    let missing = sign_in(&app, "  ").await;
    assert_eq!(missing.status.as_u16(), 422);
    assert!(missing.text.contains("id=\"api_key-error\"") && missing.text.contains("Hãy nhập khóa API."), "{}", missing.text);
    let unknown = sign_in(&app, "ocop_not-a-key").await;
    assert_eq!(unknown.status.as_u16(), 401);
    assert!(unknown.text.contains("aria-invalid=\"true\"") && unknown.text.contains("đã bị thu hồi"), "{}", unknown.text);
    assert!(!unknown.headers.contains_key("set-cookie"));
    // The language chosen on the form goes along, whatever the browser asks for.
    let producer_key = app.login(OrgKind::Producer).await.api_key;
    let signed_in = send(&app, browser().post(app.url("/console/sign-in")).header("accept-language", "vi")
        .form(&[("api_key", producer_key.as_str()), ("lang", "en")])).await;
    assert_eq!(signed_in.headers["location"], "/console?lang=en");
    let english = send(&app, browser().post(app.url("/console/sign-in")).form(&[("api_key", "nope"), ("lang", "en")])).await;
    assert_eq!(english.status.as_u16(), 401);
    assert!(english.text.contains("This key is wrong or was revoked."), "{}", english.text);
    // Not a form: a problem, as from the API.
    let json = send(&app, browser().post(app.url("/console/sign-in")).json(&json!({"api_key": "x"}))).await;
    json.assert_problem(415);
    // Only the good key opened a session.
    assert_eq!(app.count("console_sessions"), 1);
    // Not signed in: to the form.
    assert_to_sign_in(&send(&app, browser().get(app.url("/console"))).await);
    assert_to_sign_in(&console_page(&app, "made-up", "/console").await);
    // An access token is for the API: it signs nobody in here.
    let producer = app.login(OrgKind::Producer).await;
    assert_to_sign_in(&send(&app, browser().get(app.url("/console")).bearer_auth(&producer.token)).await);
    let long = sign_in(&app, &"k".repeat(201)).await;
    assert_eq!(long.status.as_u16(), 422);
    assert!(long.text.contains("Longer than any API key") || long.text.contains("dài hơn mọi khóa"), "{}", long.text);
});

api_test!(async fn a_producer_sees_its_own_products_and_batches_a_recall_flagged(app) {
    let chain = app.chain(1).await;
    let other = app.login(OrgKind::Producer).await;
    app.create_product(&other, &json!({"name_vi": "Rượu cần Mường Vang", "group": "beverages"})).await;
    app.post(&format!("/api/v1/batches/{}/recall", chain.batch_id), Some(&chain.authority.token),
        &json!({"reason": "Nhiễm khuẩn"})).await.assert_status(200);
    let product = app.get(&format!("/api/v1/products/{}", chain.product_id), Some(&chain.producer.token)).await;
    let name = product.body["name_vi"].as_str().expect("name").to_owned();
    let lot = app.get(&format!("/api/v1/batches/{}", chain.batch_id), Some(&chain.producer.token)).await.body["lot"]
        .as_str().expect("lot").to_owned();

    let token = session_of(&app, &chain.producer.api_key).await;
    let page = console_page(&app, &token, "/console").await;
    assert_eq!(page.status.as_u16(), 200, "{}", page.text);
    assert_eq!(page.headers["cache-control"], "no-store");
    for shown in [name.as_str(), lot.as_str(), "Cơ sở sản xuất", "Đã thu hồi: Nhiễm khuẩn", "Sản phẩm <span class=\"count\">(1)</span>"] {
        assert!(page.text.contains(shown), "{shown} missing: {}", page.text);
    }
    assert!(!page.text.contains("Rượu cần Mường Vang"), "another producer's product shown");
    let english = console_page(&app, &token, "/console?lang=en").await;
    assert!(english.text.contains("Recalled: Nhiễm khuẩn") && english.text.contains("Sign out"), "{}", english.text);
    // Only the token's hash is kept.
    let stored: Vec<String> = app.with_db(|conn| {
        use diesel::prelude::*;
        ocop_trace::db::schema::console_sessions::table
            .select(ocop_trace::db::schema::console_sessions::id)
            .load(conn)
            .expect("sessions")
    });
    assert_eq!(stored.len(), 1);
    assert_ne!(stored[0], token);

    // The authority sees the ratings to renew, expired first, with whom to
    // call; not one producer's lists.
    for (name, days) in [("Chè Shan tuyết", 10), ("Gạo nếp cái hoa vàng", -1), ("Măng khô", 200)] {
        let product = app.create_product(&other, &json!({"name_vi": name, "group": "food"})).await;
        let id = product["id"].as_str().expect("id");
        app.post(&format!("/api/v1/products/{id}/ocop-ratings"), Some(&chain.authority.token), &json!({
            "stars": 4, "certificate_number": format!("QĐ {days}"), "issued_on": "2024-01-01", "expires_on": days_from_today(days)
        })).await.assert_status(201);
    }
    let authority = session_of(&app, &chain.authority.api_key).await;
    let page = console_page(&app, &authority, "/console").await;
    assert_eq!(page.status.as_u16(), 200);
    assert!(page.text.contains("Cơ quan quản lý") && page.text.contains("Sản phẩm <span class=\"count\">(5)</span>"), "{}", page.text);
    assert!(page.text.contains("Hạng OCOP đã hết hạn hoặc hết hạn trong 30 ngày tới"), "{}", page.text);
    let expired = page.text.find("Gạo nếp cái hoa vàng (4 ★)").expect("the expired rating");
    let ending = page.text.find("Chè Shan tuyết (4 ★)").expect("the rating ending in 10 days");
    assert!(expired < ending, "expired first");
    assert!(page.text.contains(&days_from_today(10).split('-').rev().collect::<Vec<_>>().join("/")), "{}", page.text);
    assert!(!page.text.contains("Măng khô"), "a rating valid for 200 days is not due: {}", page.text);
    assert!(!page.text.contains("Lô hàng"), "{}", page.text);
    // A retailer sees the registry's size only.
    let retailer = session_of(&app, &chain.retailer.api_key).await;
    let page = console_page(&app, &retailer, "/console").await;
    assert!(page.text.contains("Siêu thị, cửa hàng") && !page.text.contains("Hạng OCOP đã hết hạn"), "{}", page.text);
});

api_test!(async fn sign_out_needs_the_pages_token_and_ends_the_session(app) {
    let producer = app.login(OrgKind::Producer).await;
    let token = session_of(&app, &producer.api_key).await;
    let page = console_page(&app, &token, "/console").await;
    let csrf = csrf_of(&page.text);
    // A form posted from another site has the cookie but not the token.
    let forged = "A".repeat(43);
    sign_out(&app, &token, &forged).await.assert_problem(403);
    let problem = sign_out(&app, &token, "forged").await;
    assert_eq!(problem.assert_problem(422)["errors"][0]["field"], "csrf_token", "{}", problem.text);
    assert_eq!(console_page(&app, &token, "/console").await.status.as_u16(), 200);

    let out = sign_out(&app, &token, &csrf).await;
    assert_to_sign_in(&out);
    let cleared = out.headers["set-cookie"].to_str().expect("text");
    assert!(cleared.starts_with("ocop_console=;") && cleared.contains("Max-Age=0"), "{cleared}");
    assert_to_sign_in(&console_page(&app, &token, "/console").await);
    // Signing out again, or without a session, changes nothing.
    assert_to_sign_in(&sign_out(&app, &token, &csrf).await);
});

api_test!(async fn a_revoked_key_ends_its_sessions(app) {
    let admin = app.login(OrgKind::Admin).await;
    let producer = app.login(OrgKind::Producer).await;
    let token = session_of(&app, &producer.api_key).await;
    assert_eq!(console_page(&app, &token, "/console").await.status.as_u16(), 200);
    app.post(&format!("/api/v1/api-keys/{}/revoke", producer.key_id), Some(&admin.token), &json!({})).await.assert_status(200);
    assert_to_sign_in(&console_page(&app, &token, "/console").await);
    assert_eq!(sign_in(&app, &producer.api_key).await.status.as_u16(), 401);
});

// Sending the method a path does not take: the API's 405, with Allow.
api_test!(async fn the_console_paths_answer_only_their_methods(app) {
    let answer = app.send(app.request(Method::DELETE, "/console", None)).await;
    answer.assert_problem(405);
    assert_eq!(answer.headers["allow"], "GET");
});

// Every role × every console operation: each role's key signs in and sees
// its own first page; no session, no page; sign-out for all. The contract's
// console paths all have a row.
api_test!(async fn console_authorization_matrix(app) {
    let roles = [
        (OrgKind::Admin, "Quản trị hệ thống"),
        (OrgKind::Authority, "Cơ quan quản lý"),
        (OrgKind::Producer, "Cơ sở sản xuất"),
        (OrgKind::Retailer, "Siêu thị, cửa hàng"),
    ];
    for (kind, role_name) in roles {
        let who = app.login(kind).await;
        let form = send(&app, browser().get(app.url("/console/sign-in"))).await;
        assert_eq!(form.status.as_u16(), 200, "{kind:?}");
        let token = session_of(&app, &who.api_key).await;
        let page = console_page(&app, &token, "/console").await;
        assert_eq!(page.status.as_u16(), 200, "{kind:?}: {}", page.text);
        assert!(page.text.contains(role_name), "{kind:?}: {}", page.text);
        assert_to_sign_in(&sign_out(&app, &token, &csrf_of(&page.text)).await);
        assert_to_sign_in(&console_page(&app, &token, "/console").await);
    }
    // No session: the sign-in page only.
    let form = send(&app, browser().get(app.url("/console/sign-in"))).await;
    assert_eq!(form.status.as_u16(), 200);
    assert_to_sign_in(&send(&app, browser().get(app.url("/console"))).await);
    assert_to_sign_in(&send(&app, browser().post(app.url("/console/sign-out")).form(&[("csrf_token", "A".repeat(43))])).await);
    assert_eq!(sign_in(&app, "ocop_nobody").await.status.as_u16(), 401);

    let rows: Vec<crate::helpers::MatrixRow<1>> = [
        (Method::GET, "/console/sign-in"),
        (Method::POST, "/console/sign-in"),
        (Method::GET, "/console"),
        (Method::POST, "/console/sign-out"),
    ]
    .into_iter()
    .map(|(method, path)| (method, path.to_owned(), crate::helpers::Body::Empty, ["ok"]))
    .collect();
    crate::helpers::assert_matrix_covers(&rows, |path| path.starts_with("/console"));
});
