//! The console in a real browser: Debian's headless Chromium driven over
//! WebDriver (chromedriver, fantoccini), as a person would use it. Without
//! chromedriver these tests say so and stop, unless `REQUIRE_BROWSER=1`
//! (set by `.ci/run`, which installs Chromium), where they fail.

use std::net::TcpListener;
use std::process::{Command, Stdio};
use std::time::Duration;

use fantoccini::{Client, ClientBuilder, Locator};
use hyper_util::client::legacy::connect::HttpConnector;
use ocop_trace::domain::organization::OrgKind;
use serde_json::json;

use crate::helpers::{KillOnDrop, TestApp};

const CHROMEDRIVER: &str = "/usr/bin/chromedriver";
const CHROMIUM: &str = "/usr/bin/chromium";

/// A headless Chromium of its own, and the chromedriver that drives it.
struct Browser {
    client: Client,
    _driver: KillOnDrop,
}

/// A browser, or None (said on stderr) where there is none to drive.
async fn browser() -> Option<Browser> {
    if !std::path::Path::new(CHROMEDRIVER).exists() || !std::path::Path::new(CHROMIUM).exists() {
        let required = std::env::var("REQUIRE_BROWSER").is_ok_and(|v| v == "1");
        assert!(
            !required,
            "REQUIRE_BROWSER=1 but {CHROMEDRIVER} or {CHROMIUM} is missing (apt-get install chromium chromium-driver)"
        );
        eprintln!(
            "browser test skipped: no {CHROMEDRIVER} (apt-get install chromium chromium-driver)"
        );
        return None;
    }
    let port = TcpListener::bind("127.0.0.1:0")
        .expect("a port")
        .local_addr()
        .expect("addr")
        .port();
    let driver = KillOnDrop(
        Command::new(CHROMEDRIVER)
            .arg(format!("--port={port}"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("chromedriver starts"),
    );
    let mut capabilities = serde_json::Map::new();
    capabilities.insert("goog:chromeOptions".into(), json!({
        "binary": CHROMIUM,
        "args": ["--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--window-size=360,800"],
    }));
    let url = format!("http://127.0.0.1:{port}");
    for _ in 0..100 {
        // chromedriver is on loopback: plain HTTP, no TLS stack.
        let mut builder = ClientBuilder::new(HttpConnector::new());
        if let Ok(client) = builder
            .capabilities(capabilities.clone())
            .connect(&url)
            .await
        {
            return Some(Browser {
                client,
                _driver: driver,
            });
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("chromedriver did not answer on {url}");
}

impl Browser {
    async fn open(&self, app: &TestApp, path: &str) {
        self.client
            .goto(&app.url(path))
            .await
            .expect("the page opens");
    }

    async fn type_into(&self, css: &str, text: &str) {
        self.client
            .find(Locator::Css(css))
            .await
            .expect(css)
            .send_keys(text)
            .await
            .expect("typed");
    }

    async fn press(&self, css: &str) {
        self.client
            .find(Locator::Css(css))
            .await
            .expect(css)
            .click()
            .await
            .expect("pressed");
    }

    /// The page's path once the browser has got there (a click may answer
    /// before the redirect is followed).
    async fn path_becomes(&self, wanted: &str) -> String {
        let mut path = String::new();
        for _ in 0..50 {
            let url = self.client.current_url().await.expect("url");
            path = format!(
                "{}{}",
                url.path(),
                url.query().map(|q| format!("?{q}")).unwrap_or_default()
            );
            if path == wanted {
                return path;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        panic!("the browser is at {path}, not {wanted}");
    }

    async fn text(&self) -> String {
        self.client
            .find(Locator::Css("body"))
            .await
            .expect("body")
            .text()
            .await
            .expect("text")
    }
}

// A cooperative signs in with its key on a phone-sized screen: a mistyped
// key is said next to the field; the right one opens its page, its
// recalled lot flagged; sign-out ends the session, and going back does not
// bring the page back.
api_test!(async fn a_producer_signs_in_sees_its_recall_and_signs_out(app) {
    let Some(browser) = browser().await else { return };
    let chain = app.chain(1).await;
    app.post(&format!("/api/v1/batches/{}/recall", chain.batch_id), Some(&chain.authority.token),
        &json!({"reason": "Nhiễm khuẩn"})).await.assert_status(200);
    let other = app.login(OrgKind::Producer).await;
    app.create_product(&other, &json!({"name_vi": "Rượu cần Mường Vang", "group": "beverages"})).await;

    browser.open(&app, "/console/sign-in?lang=vi").await;
    browser.type_into("#api_key", "ocop_sai-mot-ky-tu").await;
    browser.press("button[type=submit]").await;
    let said = browser.text().await;
    assert!(said.contains("Khóa này không đúng hoặc đã bị thu hồi"), "{said}");

    browser.type_into("#api_key", &chain.producer.api_key).await;
    browser.press("button[type=submit]").await;
    browser.path_becomes("/console?lang=vi").await;
    let page = browser.text().await;
    assert!(page.contains("Đã thu hồi: Nhiễm khuẩn") && page.contains("Đăng xuất"), "{page}");
    assert!(!page.contains("Rượu cần Mường Vang"), "another producer's product: {page}");

    browser.press("form[action='/console/sign-out'] button").await;
    browser.path_becomes("/console/sign-in").await;
    browser.client.back().await.expect("back");
    browser.client.refresh().await.expect("reload");
    let url = browser.client.current_url().await.expect("url");
    assert_eq!(url.path(), "/console/sign-in", "the signed-out page came back");
    browser.client.close().await.expect("closed");
});
