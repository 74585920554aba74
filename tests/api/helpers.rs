//! One test harness: `spawn_app`, and requests that read like the API.

use std::net::TcpListener;
use std::path::PathBuf;
use std::time::Duration;

use diesel::connection::SimpleConnection;
use diesel::{Connection, PgConnection};
use ocop_trace::config::{DatabaseArgs, Secret, ServeArgs, Settings};
use ocop_trace::db::{Db, DbConnection};
use ocop_trace::domain::organization::{
    Address, OrgKind, OrganizationDraft, ProducerType, parse_new_organization,
};
use ocop_trace::startup::Application;
use reqwest::{Method, StatusCode};
use serde_json::Value;
use uuid::Uuid;

pub const TEST_JWT_SECRET: &str = "test-secret-test-secret-test-secret-0123";

/// Run the same test body on every backend: `<name>::sqlite` and `<name>::postgres`.
macro_rules! api_test {
    ($(#[$meta:meta])* async fn $name:ident($app:ident) $body:block) => {
        $(#[$meta])*
        mod $name {
            #[allow(unused_imports)]
            use super::*;

            #[actix_web::test]
            async fn sqlite() {
                let $app = $crate::helpers::spawn_app($crate::helpers::Backend::Sqlite).await;
                $body
            }

            #[actix_web::test]
            async fn postgres() {
                if std::env::var("TEST_DATABASE_URL").is_err() {
                    eprintln!("TEST_DATABASE_URL not set: PostgreSQL variant not run");
                    return;
                }
                let $app = $crate::helpers::spawn_app($crate::helpers::Backend::Postgres).await;
                $body
            }
        }
    };
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

/// A fresh database that removes itself when the test ends.
pub enum TestDatabase {
    Sqlite { path: PathBuf },
    Postgres { admin_url: String, name: String },
}

impl TestDatabase {
    fn create(backend: Backend) -> (Self, String) {
        match backend {
            Backend::Sqlite => {
                let dir = std::env::temp_dir().join("ocop-trace-tests");
                std::fs::create_dir_all(&dir).expect("temp dir");
                let path = dir.join(format!("{}.sqlite", Uuid::new_v4().simple()));
                let url = format!("sqlite://{}", path.display());
                (Self::Sqlite { path }, url)
            }
            Backend::Postgres => {
                let admin_url =
                    without_tls(&std::env::var("TEST_DATABASE_URL").expect("TEST_DATABASE_URL"));
                let name = format!("ocop_test_{}", Uuid::new_v4().simple());
                let mut conn = PgConnection::establish(&admin_url)
                    .unwrap_or_else(|e| panic!("PostgreSQL at TEST_DATABASE_URL unreachable: {e}"));
                conn.batch_execute(&format!("CREATE DATABASE {name}"))
                    .expect("create test database");
                let url = with_database(&admin_url, &name);
                (Self::Postgres { admin_url, name }, url)
            }
        }
    }
}

impl Drop for TestDatabase {
    fn drop(&mut self) {
        match self {
            Self::Sqlite { path } => {
                for suffix in ["", "-wal", "-shm"] {
                    let mut p = path.clone().into_os_string();
                    p.push(suffix);
                    let _ = std::fs::remove_file(p);
                }
            }
            Self::Postgres { admin_url, name } => {
                if let Ok(mut conn) = PgConnection::establish(admin_url) {
                    let _ =
                        conn.batch_execute(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"));
                }
            }
        }
    }
}

/// The test server is on this machine: no TLS. Beyond being pointless on
/// loopback, libpq's TLS brings OpenSSL into the test process, and OpenSSL's
/// exit handler races with threads that used it still winding down (the
/// run ended in "double free or corruption" in `OPENSSL_cleanup` after
/// every test had passed).
pub fn without_tls(url: &str) -> String {
    if url.contains("sslmode=") {
        url.to_owned()
    } else if url.contains('?') {
        format!("{url}&sslmode=disable")
    } else {
        format!("{url}?sslmode=disable")
    }
}

/// The same server URL with another database name.
pub fn with_database(url: &str, name: &str) -> String {
    let (base, query) = match url.split_once('?') {
        Some((b, q)) => (b, Some(q)),
        None => (url, None),
    };
    let scheme_end = base.find("://").map_or(0, |i| i + 3);
    let host_part = match base[scheme_end..].find('/') {
        Some(i) => &base[..scheme_end + i],
        None => base,
    };
    match query {
        Some(q) => format!("{host_part}/{name}?{q}"),
        None => format!("{host_part}/{name}"),
    }
}

pub struct TestApp {
    pub address: String,
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
        public_base_url: "http://ocop.test".into(),
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
    let server = StopOnDrop(app.handle());
    actix_web::rt::spawn(app.run_until_stopped());
    TestApp {
        _server: server,
        address,
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

/// Fixtures for the registry: what an authority and a producer set up first.
impl TestApp {
    pub async fn create_product(&self, producer: &Session, body: &Value) -> Value {
        let answer = self
            .post("/api/v1/products", Some(&producer.token), body)
            .await;
        answer.assert_status(201).clone()
    }

    pub async fn honey(&self, producer: &Session) -> Value {
        self.create_product(
            producer,
            &serde_json::json!({
                "name_vi": "Mật ong rừng Hưng Thi",
                "name_en": "Hung Thi forest honey",
                "group": "food",
                "unit": "chai 500 ml"
            }),
        )
        .await
    }

    /// Register a site (`farming-areas` or `packing-facilities`) and link it
    /// to the producer.
    pub async fn create_site(
        &self,
        authority: &Session,
        collection: &str,
        code: &str,
        producer: Option<&Session>,
    ) -> Value {
        let mut body = serde_json::json!({
            "code": code, "name": format!("Khu {code}"), "province": "Hòa Bình", "district": "Lạc Thủy",
        });
        if collection == "farming-areas" {
            body["crop"] = serde_json::json!("Cam");
            body["area_ha"] = serde_json::json!(4.5);
        }
        let answer = self
            .post(
                &format!("/api/v1/{collection}"),
                Some(&authority.token),
                &body,
            )
            .await;
        let site = answer.assert_status(201).clone();
        if let Some(producer) = producer {
            let id = site["id"].as_str().expect("id");
            self.post(
                &format!("/api/v1/{collection}/{id}/producers"),
                Some(&authority.token),
                &serde_json::json!({"producer_id": producer.org_id}),
            )
            .await
            .assert_status(200);
        }
        site
    }

    pub async fn create_batch(
        &self,
        producer: &Session,
        product_id: &str,
        lot: &str,
        area_code: &str,
    ) -> Answer {
        self.post(
            "/api/v1/batches",
            Some(&producer.token),
            &serde_json::json!({
                "product_id": product_id, "lot": lot, "farming_area_codes": [area_code],
                "harvest_date": "2026-10-01", "production_date": "2026-10-05", "best_before": "2027-10-05",
                "quantity": 500, "unit": "chai"
            }),
        )
        .await
    }

    pub fn count(&self, table: &str) -> i64 {
        use diesel::prelude::*;
        use ocop_trace::db::schema::*;
        self.with_db(|conn| match table {
            "organizations" => organizations::table.count().get_result(conn),
            "api_keys" => api_keys::table.count().get_result(conn),
            "products" => products::table.count().get_result(conn),
            "ocop_ratings" => ocop_ratings::table.count().get_result(conn),
            "sites" => sites::table.count().get_result(conn),
            "certifications" => certifications::table.count().get_result(conn),
            "batches" => batches::table.count().get_result(conn),
            "audit_log" => audit_log::table.count().get_result(conn),
            "code_runs" => code_runs::table.count().get_result(conn),
            "codes" => codes::table.count().get_result(conn),
            "scan_events" => scan_events::table.count().get_result(conn),
            "supply_events" => supply_events::table.count().get_result(conn),
            "supply_event_codes" => supply_event_codes::table.count().get_result(conn),
            "clone_alerts" => clone_alerts::table.count().get_result(conn),
            "webhook_deliveries" => webhook_deliveries::table.count().get_result(conn),
            other => panic!("count: unknown table {other}"),
        })
        .expect("count")
    }
}

impl TestApp {
    /// The status a caller gets; POST/PATCH send an empty object, so a caller
    /// who is let in gets a 2xx or an input error (400/409/422).
    pub async fn status_of(&self, method: Method, path: &str, token: Option<&str>) -> u16 {
        let mut request = self.request(method.clone(), path, token);
        if method == Method::POST || method == Method::PATCH {
            request = request.json(&serde_json::json!({}));
        }
        self.send(request).await.status.as_u16()
    }
}

/// Does `got` match an expectation of a matrix cell: "ok" (let in: 2xx or an
/// input error) or an exact status?
pub fn matrix_cell_matches(want: &str, got: u16) -> bool {
    match want {
        "ok" => (200..300).contains(&got) || matches!(got, 400 | 409 | 422),
        exact => exact.parse::<u16>().ok() == Some(got),
    }
}

/// A second server, as a separate OS process on the same database, for tests
/// that kill it with SIGKILL.
pub struct ServerProcess {
    pub child: std::process::Child,
    pub base: String,
    /// Its log lines (stderr), as they come.
    pub log_lines: std::sync::mpsc::Receiver<String>,
}

impl TestApp {
    pub async fn spawn_server_process(&self, env: &[(&str, &str)]) -> ServerProcess {
        use std::io::{BufRead, BufReader};
        use std::process::{Command, Stdio};
        let port = TcpListener::bind("127.0.0.1:0")
            .expect("port")
            .local_addr()
            .expect("addr")
            .port();
        let mut command = Command::new(env!("CARGO_BIN_EXE_ocop-trace"));
        command
            .args(["serve", "--bind", &format!("127.0.0.1:{port}")])
            .env("DATABASE_URL", &self.database_url)
            .env("JWT_SECRET", TEST_JWT_SECRET)
            .env("PUBLIC_BASE_URL", "http://ocop.test")
            .env("LOG_FORMAT", "json")
            .env("RUST_LOG", "info")
            .stdout(Stdio::null())
            .stderr(Stdio::piped());
        for (key, value) in env {
            command.env(key, value);
        }
        let mut child = command.spawn().expect("start server process");
        let stderr = child.stderr.take().expect("stderr");
        let (tx, log_lines) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            for line in BufReader::new(stderr).lines().map_while(Result::ok) {
                let _ = tx.send(line);
            }
        });
        let base = format!("http://127.0.0.1:{port}");
        let started = std::time::Instant::now();
        while self
            .client
            .get(format!("{base}/healthz"))
            .send()
            .await
            .is_err()
        {
            assert!(
                started.elapsed() < Duration::from_secs(30),
                "server process did not start"
            );
            actix_web::rt::time::sleep(Duration::from_millis(50)).await;
        }
        ServerProcess {
            child,
            base,
            log_lines,
        }
    }
}

/// A producer's goods ready to move: a rated product, a farming area, a
/// batch and a run of codes; plus the authority and a retailer.
pub struct Chain {
    pub authority: Session,
    pub producer: Session,
    pub retailer: Session,
    pub product_id: String,
    pub area_id: String,
    pub area_code: String,
    pub batch_id: String,
    pub run_id: String,
    pub codes: Vec<String>,
}

impl TestApp {
    /// Issue `count` codes for a batch; returns the run id and the codes.
    pub async fn issue_codes(
        &self,
        producer: &Session,
        batch_id: &str,
        area_code: &str,
        count: usize,
    ) -> (String, Vec<String>) {
        let run = self
            .post(
                &format!("/api/v1/batches/{batch_id}/code-runs"),
                Some(&producer.token),
                &serde_json::json!({"count": count, "farming_area_code": area_code}),
            )
            .await;
        let run_id = run.assert_status(201)["id"]
            .as_str()
            .expect("id")
            .to_owned();
        let csv = self
            .get(
                &format!("/api/v1/code-runs/{run_id}/codes"),
                Some(&producer.token),
            )
            .await;
        let codes = csv
            .text
            .lines()
            .skip(1)
            .filter_map(|l| l.split(',').nth(1))
            .map(str::to_owned)
            .collect::<Vec<_>>();
        assert_eq!(codes.len(), count);
        (run_id, codes)
    }

    pub async fn chain(&self, codes: usize) -> Chain {
        let authority = self.login(OrgKind::Authority).await;
        let producer = self.login(OrgKind::Producer).await;
        let retailer = self.login(OrgKind::Retailer).await;
        let product = self
            .create_product(
                &producer,
                &serde_json::json!({
                    "name_vi": "Cam Cao Phong", "name_en": "Cao Phong orange", "group": "food",
                    "gtin": "8936012340020"
                }),
            )
            .await;
        let product_id = product["id"].as_str().expect("id").to_owned();
        self.post(
            &format!("/api/v1/products/{product_id}/ocop-ratings"),
            Some(&authority.token),
            &serde_json::json!({"stars": 4, "certificate_number": "88/QĐ-UBND", "issued_on": "2025-06-01"}),
        )
        .await
        .assert_status(201);
        let area_code = "VN-HBCP-0101".to_owned();
        let area = self
            .create_site(&authority, "farming-areas", &area_code, Some(&producer))
            .await;
        let batch = self
            .create_batch(&producer, &product_id, "CCP-2611", &area_code)
            .await;
        let batch_id = batch.assert_status(201)["id"]
            .as_str()
            .expect("id")
            .to_owned();
        let (run_id, codes) = self
            .issue_codes(&producer, &batch_id, &area_code, codes)
            .await;
        Chain {
            authority,
            producer,
            retailer,
            product_id,
            area_id: area["id"].as_str().expect("id").to_owned(),
            area_code,
            batch_id,
            run_id,
            codes,
        }
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

/// A webhook subscriber on 127.0.0.1 that records what it receives and
/// answers 500 to the first `fail_first` requests.
pub struct WebhookReceiver {
    pub url: String,
    pub received: std::sync::Arc<std::sync::Mutex<Vec<Received>>>,
}

#[derive(Debug, Clone)]
pub struct Received {
    pub headers: std::collections::HashMap<String, String>,
    pub body: Vec<u8>,
    /// The status this receiver answered.
    pub answered: u16,
}

impl WebhookReceiver {
    pub fn start(fail_first: usize) -> Self {
        use actix_web::{App, HttpRequest, HttpResponse, HttpServer, web};
        use std::sync::{Arc, Mutex};
        let received: Arc<Mutex<Vec<Received>>> = Arc::default();
        let store = received.clone();
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind receiver");
        let url = format!(
            "http://127.0.0.1:{}/hooks/ocop",
            listener.local_addr().expect("addr").port()
        );
        let server = HttpServer::new(move || {
            let store = store.clone();
            App::new().default_service(web::to(move |req: HttpRequest, body: web::Bytes| {
                let store = store.clone();
                async move {
                    let mut seen = store.lock().expect("lock");
                    let answered = if seen.len() < fail_first { 500 } else { 200 };
                    seen.push(Received {
                        headers: req
                            .headers()
                            .iter()
                            .map(|(k, v)| {
                                (k.as_str().to_owned(), v.to_str().unwrap_or("").to_owned())
                            })
                            .collect(),
                        body: body.to_vec(),
                        answered,
                    });
                    HttpResponse::build(
                        actix_web::http::StatusCode::from_u16(answered).expect("status"),
                    )
                    .finish()
                }
            }))
        })
        .workers(1)
        .listen(listener)
        .expect("listen")
        .run();
        actix_web::rt::spawn(server);
        Self { url, received }
    }

    pub fn deliveries(&self) -> Vec<Received> {
        self.received.lock().expect("lock").clone()
    }

    /// The successful deliveries of an event type.
    pub fn delivered(&self, event: &str) -> Vec<Received> {
        self.deliveries()
            .into_iter()
            .filter(|r| {
                r.answered == 200
                    && r.headers.get("x-ocop-event").map(String::as_str) == Some(event)
            })
            .collect()
    }
}

/// HMAC-SHA256 of the body with the secret, computed here independently of
/// the service's code, as a subscriber would.
pub fn expected_signature(secret: &str, body: &[u8]) -> String {
    use hmac::{Hmac, Mac};
    let mut mac = Hmac::<sha2::Sha256>::new_from_slice(secret.as_bytes()).expect("key");
    mac.update(body);
    format!("sha256={}", hex::encode(mac.finalize().into_bytes()))
}

impl TestApp {
    /// Another batch of the chain's product, from its farming area.
    /// The producer ships the chain's whole batch to `retailer`: from then on
    /// that retailer may record events about its codes.
    pub async fn ship_batch(&self, chain: &Chain, retailer: &Session) {
        self.post(
            "/api/v1/events",
            Some(&chain.producer.token),
            &serde_json::json!({"events": [{
                "biz_step": "shipping", "event_time": "2026-11-20T07:00:00+07:00",
                "batch_id": chain.batch_id, "destination_org_id": retailer.org_id
            }]}),
        )
        .await
        .assert_status(201);
    }

    pub async fn chain_batch(&self, chain: &Chain, lot: &str) -> String {
        self.create_batch(&chain.producer, &chain.product_id, lot, &chain.area_code)
            .await
            .assert_status(201)["id"]
            .as_str()
            .expect("id")
            .to_owned()
    }
}

/// One row of an authorization matrix: method, path, and the expectation
/// for [admin, authority, owner producer, other producer, retailer, public].
pub type MatrixRow = (Method, String, [&'static str; 6]);

/// Every operation of the contract whose path `in_scope` accepts has a row.
pub fn assert_matrix_covers(matrix: &[MatrixRow], in_scope: impl Fn(&str) -> bool) {
    let doc = ocop_trace::routes::openapi();
    for (path, item) in &doc.paths.paths {
        if !in_scope(path) {
            continue;
        }
        let methods = [
            (Method::GET, item.get.is_some()),
            (Method::POST, item.post.is_some()),
            (Method::PUT, item.put.is_some()),
            (Method::PATCH, item.patch.is_some()),
            (Method::DELETE, item.delete.is_some()),
        ];
        for (method, present) in methods {
            if !present {
                continue;
            }
            let covered = matrix.iter().any(|(m, p, _)| {
                let p = p.split('?').next().unwrap_or(p);
                *m == method
                    && p.split('/').count() == path.split('/').count()
                    && p.split('/')
                        .zip(path.split('/'))
                        .all(|(a, b)| a == b || b.starts_with('{'))
            });
            assert!(covered, "{method} {path} is missing from the matrix");
        }
    }
}
