//! The app under test: started per test on a random port, and requests that
//! read like the API.

use std::net::TcpListener;
use std::time::Duration;

use ocop_trace::config::{DatabaseArgs, Secret, ServeArgs, Settings};
use ocop_trace::db::{Db, DbConnection};
use ocop_trace::domain::organization::{
    Address, OrgKind, OrganizationDraft, ProducerType, parse_new_organization,
};
use ocop_trace::startup::Application;
use reqwest::{Method, StatusCode};
use serde_json::Value;
use uuid::Uuid;

use super::*;

pub struct TestApp {
    pub address: String,
    /// Where `/metrics` is served when the test set `METRICS_ADDRESS`.
    pub metrics_address: Option<String>,
    pub backend: Backend,
    pub database_url: String,
    pub client: reqwest::Client,
    pub db: Db,
    /// Stops the server when the test ends, so its background threads (scan
    /// writer, webhook sender) end too instead of running on a dropped database.
    pub _server: StopOnDrop,
    // Dropped last: the database outlives the handles above.
    pub _database: TestDatabase,
}

pub struct StopOnDrop(pub actix_web::dev::ServerHandle);

impl Drop for StopOnDrop {
    fn drop(&mut self) {
        // The stop command is sent now; its completion is not awaited.
        drop(self.0.stop(false));
    }
}

pub async fn spawn_app(backend: Backend) -> TestApp {
    spawn_app_with(backend, |_| {}).await
}

/// A fresh app whose settings the test adjusts first (rate limits, proxies…).
pub async fn spawn_app_with(backend: Backend, adjust: impl FnOnce(&mut ServeArgs)) -> TestApp {
    let (database, database_url) = TestDatabase::create(backend);
    let mut args = ServeArgs {
        db: DatabaseArgs {
            database_url: Secret::new(database_url.clone()),
            database_pool_size: 4,
        },
        bind: "127.0.0.1:0".into(),
        metrics_address: None,
        public_base_url: Some("http://ocop.test".into()),
        jwt_secret: Some(Secret::new(TEST_JWT_SECRET)),
        token_ttl_seconds: 900,
        production: true,
        workers: 1,
        shutdown_timeout_seconds: 1,
        scan: ocop_trace::config::ScanArgs {
            clone_scan_threshold: 5,
            scan_burst: 1000,
            scan_rate_per_minute: 6000,
            ..Default::default()
        },
        webhooks: ocop_trace::config::WebhookArgs {
            webhook_poll_ms: 50,
            webhook_retry_base_ms: 200,
            webhook_timeout_seconds: 5,
            webhook_allow_private_urls: true,
        },
        limits: ocop_trace::config::LimitArgs {
            // A killed issuer's run is swept within seconds (every 2 s here).
            issuance_lease_seconds: 5,
            ..Default::default()
        },
    };
    adjust(&mut args);
    let settings = Settings::from_args(args).expect("settings");
    let db = Db::connect(&database_url, 4).expect("database");
    db.migrate().expect("migrations");
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
    let app = Application::with_listener(settings, db.clone(), listener).expect("app");
    let address = format!("http://127.0.0.1:{}", app.port());
    let metrics_address = app
        .metrics_port()
        .map(|port| format!("http://127.0.0.1:{port}"));
    let server = StopOnDrop(app.handle());
    actix_web::rt::spawn(app.run_until_stopped());
    TestApp {
        _server: server,
        address,
        metrics_address,
        backend,
        database_url,
        client: reqwest::Client::builder()
            .timeout(Duration::from_secs(30))
            .build()
            .expect("client"),
        db,
        _database: database,
    }
}

/// An organization with a live API key and an access token.
#[derive(Debug, Clone)]
pub struct Session {
    pub org_id: Uuid,
    pub api_key: String,
    pub key_id: Uuid,
    pub token: String,
}

/// What a response said, read once.
#[derive(Debug)]
pub struct Answer {
    pub status: StatusCode,
    pub headers: reqwest::header::HeaderMap,
    pub body: Value,
    pub text: String,
}

impl Answer {
    pub fn content_type(&self) -> &str {
        self.headers
            .get(reqwest::header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("")
    }

    /// Assert an RFC 7807 problem with this status; returns the body.
    #[track_caller]
    pub fn assert_problem(&self, status: u16) -> &Value {
        assert_eq!(self.status.as_u16(), status, "body: {}", self.text);
        assert!(
            self.content_type().starts_with("application/problem+json"),
            "content-type {:?}, body {}",
            self.content_type(),
            self.text
        );
        assert_eq!(self.body["status"], status, "body: {}", self.text);
        assert!(self.body["type"].is_string() && self.body["title"].is_string());
        assert!(self.body["detail"].as_str().is_some_and(|d| !d.is_empty()));
        &self.body
    }

    #[track_caller]
    pub fn assert_status(&self, status: u16) -> &Value {
        assert_eq!(self.status.as_u16(), status, "body: {}", self.text);
        &self.body
    }
}

impl TestApp {
    pub fn url(&self, path: &str) -> String {
        format!("{}{}", self.address, path)
    }

    pub async fn send(&self, request: reqwest::RequestBuilder) -> Answer {
        let response = request.send().await.expect("request");
        let status = response.status();
        let headers = response.headers().clone();
        let text = response.text().await.expect("body");
        let body = serde_json::from_str(&text).unwrap_or(Value::Null);
        Answer {
            status,
            headers,
            body,
            text,
        }
    }

    pub fn request(
        &self,
        method: Method,
        path: &str,
        token: Option<&str>,
    ) -> reqwest::RequestBuilder {
        let mut request = self.client.request(method, self.url(path));
        if let Some(token) = token {
            request = request.bearer_auth(token);
        }
        request
    }

    pub async fn get(&self, path: &str, token: Option<&str>) -> Answer {
        self.send(self.request(Method::GET, path, token)).await
    }

    /// The public scan of a code as JSON (a scan is recorded).
    pub async fn scan_json(&self, code: &str) -> Value {
        let answer = self
            .send(
                self.request(Method::GET, &format!("/c/{code}"), None)
                    .header("accept", "application/json"),
            )
            .await;
        answer.assert_status(200).clone()
    }

    pub async fn post(&self, path: &str, token: Option<&str>, body: &Value) -> Answer {
        self.send(self.request(Method::POST, path, token).json(body))
            .await
    }

    /// Run a closure against the app's database (to check what was stored).
    pub fn with_db<T>(&self, f: impl FnOnce(&mut DbConnection) -> T) -> T {
        let mut conn = self.db.get().expect("connection");
        f(&mut conn)
    }

    /// Create an organization of this kind straight in the database (as the
    /// CLI bootstrap does), give it a key and exchange the key for a token.
    pub async fn login(&self, kind: OrgKind) -> Session {
        let draft = OrganizationDraft {
            name: format!(
                "Test {} {}",
                kind.as_str(),
                &Uuid::new_v4().simple().to_string()[..6]
            ),
            kind,
            producer_type: (kind == OrgKind::Producer).then_some(ProducerType::Cooperative),
            tax_code: None,
            address: Address {
                province: "Hòa Bình".into(),
                district: Some("Kim Bôi".into()),
                commune: None,
                street: None,
            },
            contact: None,
        };
        let (org_id, api_key, key_id) = self.with_db(|conn| {
            let new = parse_new_organization(&draft).expect("valid draft");
            let org = ocop_trace::db::organizations::insert(conn, &new).expect("insert org");
            let (key, row) = ocop_trace::auth::issue_api_key(conn, org.id, "test").expect("key");
            (org.id, key, Uuid::parse_str(&row.id).expect("uuid"))
        });
        let token = self.token_for_key(&api_key).await;
        Session {
            org_id,
            api_key,
            key_id,
            token,
        }
    }

    pub async fn token_for_key(&self, api_key: &str) -> String {
        let answer = self
            .post(
                "/api/v1/auth/token",
                None,
                &serde_json::json!({ "api_key": api_key }),
            )
            .await;
        answer.assert_status(200);
        answer.body["access_token"]
            .as_str()
            .expect("access_token")
            .to_owned()
    }
}

/// Wait until `check` holds (polling), or fail after `seconds`.
pub async fn eventually<F, Fut>(seconds: u64, what: &str, mut check: F)
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = bool>,
{
    let started = std::time::Instant::now();
    while !check().await {
        assert!(
            started.elapsed() < Duration::from_secs(seconds),
            "timed out waiting for: {what}"
        );
        actix_web::rt::time::sleep(Duration::from_millis(50)).await;
    }
}
