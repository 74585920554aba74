//! The landing page (issue #17, 3): `/` and `/c/` in a phone's browser are
//! a page, not a JSON 404; a typed code is looked up however it was typed;
//! a wrong check character says "mistyped", not "unknown".

use reqwest::Method;

use crate::helpers::TestApp;

async fn page(app: &TestApp, path: &str, lang: Option<&str>) -> crate::helpers::Answer {
    let mut request = app
        .request(Method::GET, path, None)
        .header("accept", "text/html");
    if let Some(lang) = lang {
        request = request.header("accept-language", lang);
    }
    app.send(request).await
}

/// The code with its last (check) character replaced by another valid one.
fn with_wrong_check(code: &str) -> String {
    let (data, check) = code.split_at(12);
    let other = if check == "0" { "1" } else { "0" };
    format!("{data}{other}")
}

api_test!(async fn the_landing_page_explains_and_takes_a_typed_code(app) {
    let chain = app.chain(1).await;
    let code = &chain.codes[0];
    for path in ["/", "/c/"] {
        let landing = page(&app, path, None).await;
        landing.assert_status(200);
        assert!(landing.content_type().starts_with("text/html"), "{path}");
        assert!(landing.text.contains("Truy xuất nguồn gốc sản phẩm OCOP"), "Vietnamese first");
        assert!(landing.text.contains("Mỗi xã một sản phẩm"), "says what the service is");
        assert!(landing.text.contains("<form") && landing.text.contains("name=\"code\""));
        let csp = landing.headers["content-security-policy"].to_str().expect("csp");
        assert!(csp.contains("form-action 'self'") && csp.contains("script-src 'none'"), "{csp}");
    }
    let english = page(&app, "/", Some("en-US,en;q=0.9")).await;
    english.assert_status(200);
    assert!(english.text.contains("OCOP product traceability"));
    assert!(english.text.contains("type the code below"));
    // Typed lower-case, with hyphens in other places and spaces: found.
    let typed = format!("{} {}-{}", code[..4].to_lowercase(), &code[4..9], code[9..].to_lowercase());
    assert_eq!(see_other(&app, &format!("/c/?code={}", typed.replace(' ', "%20"))).await, format!("/c/{code}"));
    assert_eq!(see_other(&app, &format!("/?code={code}&lang=en")).await, format!("/c/{code}?lang=en"));
    // Followed, as a browser does: the product's page.
    let followed = page(&app, &format!("/?code={}", code.to_lowercase()), None).await;
    followed.assert_status(200);
    assert!(followed.text.contains("Cam Cao Phong"));
    // One character wrong: "mistyped", with the box filled in to correct.
    let wrong = with_wrong_check(code);
    let mistyped = page(&app, &format!("/?code={wrong}"), None).await;
    assert_eq!(mistyped.status.as_u16(), 422);
    assert!(mistyped.text.contains("Có một ký tự bị gõ sai"), "{}", mistyped.text);
    assert!(mistyped.text.contains(&format!("value=\"{wrong}\"")));
    assert!(mistyped.text.contains("aria-invalid=\"true\""));
    // Not a code at all: what a code looks like.
    let nonsense = page(&app, "/?code=hello", Some("en")).await;
    assert_eq!(nonsense.status.as_u16(), 422);
    assert!(nonsense.text.contains("a code has 13 letters and digits"));
    // Scanned or typed into the address bar, the same: mistyped, not unknown.
    let scanned = page(&app, &format!("/c/{wrong}"), None).await;
    assert_eq!(scanned.status.as_u16(), 404);
    assert!(scanned.text.contains("Có một ký tự bị gõ sai"));
    assert!(!scanned.text.contains("không có trong hệ thống"), "not called unknown");
    let unknown = page(&app, "/c/0000-0000-0000-0", None).await;
    assert_eq!(unknown.status.as_u16(), 404);
    assert!(unknown.text.contains("Mã không có trong hệ thống"));
    assert!(unknown.text.contains("href=\"/\""), "a way back to type the code again");
    let as_json = app.send(app.request(Method::GET, &format!("/c/{wrong}?lang=en"), None).header("accept", "application/json")).await;
    assert!(as_json.assert_problem(404)["detail"].as_str().unwrap_or_default().contains("mistyped"));
});

/// Where a `303 See Other` sends the browser.
async fn see_other(app: &TestApp, path: &str) -> String {
    let client = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .expect("client");
    let answer = client.get(app.url(path)).send().await.expect("answer");
    assert_eq!(answer.status().as_u16(), 303, "{path}");
    answer.headers()["location"]
        .to_str()
        .expect("text")
        .to_owned()
}
