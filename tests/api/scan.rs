//! The consumer's scan: page and JSON for normal, recalled, expired-rating,
//! suspended-area and unknown codes; every answered scan recorded; rate limit.

use ocop_trace::domain::code::TraceCode;
use ocop_trace::domain::organization::OrgKind;
use reqwest::Method;
use serde_json::{Value, json};

use crate::helpers::{Session, TestApp, spawn_app_with};

struct Setup {
    authority: Session,
    product_id: String,
    batch_id: String,
    area_id: String,
    codes: Vec<String>,
}

async fn setup(app: &TestApp, rated_on: &str) -> Setup {
    let authority = app.login(OrgKind::Authority).await;
    let producer = app.login(OrgKind::Producer).await;
    let product = app
        .create_product(&producer, &json!({
            "name_vi": "Mật ong rừng Hưng Thi", "name_en": "Hung Thi forest honey", "group": "food",
            "gtin": "8936012340020", "description_vi": "Ong nuôi dưới tán rừng."
        }))
        .await;
    let product_id = product["id"].as_str().expect("id").to_owned();
    app.post(
        &format!("/api/v1/products/{product_id}/ocop-ratings"),
        Some(&authority.token),
        &json!({"stars": 4, "certificate_number": "1102/QĐ-UBND", "issued_on": rated_on}),
    )
    .await
    .assert_status(201);
    app.post(
        "/api/v1/certifications",
        Some(&producer.token),
        &json!({
        "product_id": product_id, "scheme": "vietgap", "number": "VG-77", "issuer": "QUACERT",
        "valid_from": crate::helpers::days_from_today(-400), "valid_until": crate::helpers::days_from_today(700)}),
    )
    .await
    .assert_status(201);
    let area = app
        .create_site(&authority, "farming-areas", "VN-HBHO-0007", Some(&producer))
        .await;
    let batch = app
        .create_batch(&producer, &product_id, "MOHT-2604", "VN-HBHO-0007")
        .await;
    let batch_id = batch.assert_status(201)["id"]
        .as_str()
        .expect("id")
        .to_owned();
    let (_, codes) = app
        .issue_codes(&producer, &batch_id, "VN-HBHO-0007", 50)
        .await;
    Setup {
        authority,
        product_id,
        batch_id,
        area_id: area["id"].as_str().expect("id").to_owned(),
        codes,
    }
}

async fn scan_json(app: &TestApp, path: &str) -> Value {
    let answer = app
        .send(
            app.request(Method::GET, path, None)
                .header("accept", "application/json"),
        )
        .await;
    answer.assert_status(200).clone()
}

async fn scan_html(
    app: &TestApp,
    path: &str,
    accept_language: Option<&str>,
) -> crate::helpers::Answer {
    let mut request = app
        .request(Method::GET, path, None)
        .header("accept", "text/html,application/xhtml+xml");
    if let Some(lang) = accept_language {
        request = request.header("accept-language", lang);
    }
    app.send(request).await
}

fn scans_of(app: &TestApp, code: &str) -> i64 {
    use diesel::prelude::*;
    use ocop_trace::db::schema::scan_events;
    app.with_db(|conn| {
        scan_events::table
            .filter(scan_events::code.eq(code))
            .count()
            .get_result(conn)
    })
    .expect("count")
}

api_test!(async fn a_normal_code_shows_its_facts_in_vietnamese_and_english(app) {
    let s = setup(&app, &crate::helpers::days_from_today(-300)).await;
    let code = &s.codes[0];
    let page = scan_html(&app, &format!("/c/{code}"), None).await;
    page.assert_status(200);
    assert!(page.content_type().starts_with("text/html"));
    for fact in ["Mật ong rừng Hưng Thi", "Mã truy xuất hợp lệ", "★★★★", "1102/QĐ-UBND", "VN-HBHO-0007",
        "Đang hiệu lực", "MOHT-2604", "VietGAP", "Hòa Bình", "Thu hoạch", "Ong nuôi dưới tán rừng."] {
        assert!(page.text.contains(fact), "page lacks {fact:?}");
    }
    let harvested = ocop_trace::domain::time::today() - chrono::Duration::days(60);
    assert!(page.text.contains(&harvested.format("%d/%m/%Y").to_string()), "the harvest day");
    assert!(page.text.contains("lang=\"vi\""));
    assert!(page.text.contains("?lang=en"), "a language switch");
    crate::helpers::assert_nothing_from_elsewhere(&page.text);

    let english = scan_html(&app, &format!("/c/{code}"), Some("en-US,en;q=0.9")).await;
    assert!(english.text.contains("Valid trace code"));
    assert!(english.text.contains("Hung Thi forest honey"));
    let english = scan_html(&app, &format!("/c/{code}?lang=en"), Some("vi")).await;
    assert!(english.text.contains("lang=\"en\""));

    let view = scan_json(&app, &format!("/c/{code}")).await;
    assert_eq!(view["verdict"], "authentic");
    assert_eq!(view["ocop"]["stars"], 4);
    assert_eq!(view["farming_area"]["code"], "VN-HBHO-0007");
    assert_eq!(view["batch"]["lot"], "MOHT-2604");
    assert_eq!(view["producer"]["province"], "Hòa Bình");
    assert_eq!(view["journey"][0]["place_code"], "VN-HBHO-0007");
    assert_eq!(view["code_grouped"], TraceCode::parse(code).expect("code").grouped());
    assert_eq!(scans_of(&app, code), 4);
});

api_test!(async fn every_form_of_a_code_reaches_the_same_page(app) {
    let s = setup(&app, &crate::helpers::days_from_today(-300)).await;
    let code = TraceCode::parse(&s.codes[1]).expect("code");
    let sloppy = code.grouped().to_lowercase().replace('0', "o").replace('1', "l");
    for path in [format!("/c/{sloppy}"), format!("/C/{code}"), format!("/01/08936012340020/10/MOHT-2604/21/{code}")] {
        let view = scan_json(&app, &path).await;
        assert_eq!(view["code"], code.to_string(), "{path}");
    }
});

api_test!(async fn a_recall_shows_on_the_very_next_scan(app) {
    let s = setup(&app, &crate::helpers::days_from_today(-300)).await;
    let code = &s.codes[2];
    assert_eq!(scan_json(&app, &format!("/c/{code}")).await["verdict"], "authentic");
    // The authority recalls it: the cached page must not outlive the recall.
    app.post(
        &format!("/api/v1/batches/{}/recall", s.batch_id),
        Some(&s.authority.token),
        &json!({"reason": "Phát hiện nấm mốc"}),
    )
    .await
    .assert_status(200);
    let view = scan_json(&app, &format!("/c/{code}")).await;
    assert_eq!(view["verdict"], "recalled");
    assert!(view["warnings"][0]["message"].as_str().unwrap_or("").contains("Phát hiện nấm mốc"));
    let page = scan_html(&app, &format!("/c/{code}"), None).await;
    assert!(page.text.contains("SẢN PHẨM BỊ THU HỒI"));
    assert!(page.text.contains("class=\"warning recalled\""));
});

api_test!(async fn an_expired_rating_is_shown_as_expired(app) {
    let s = setup(&app, "2021-03-01").await;
    let code = &s.codes[0];
    let view = scan_json(&app, &format!("/c/{code}")).await;
    assert_eq!(view["verdict"], "rating_expired");
    assert_eq!(view["ocop"]["status"], "expired");
    assert!(view["ocop"]["stars"].is_null());
    let page = scan_html(&app, &format!("/c/{code}"), None).await;
    assert!(page.text.contains("HẾT HẠN"));
    assert!(!page.text.contains("★"), "no stars for an expired rating");
});

api_test!(async fn a_suspended_farming_area_warns_on_the_next_scan(app) {
    let s = setup(&app, &crate::helpers::days_from_today(-300)).await;
    let code = &s.codes[3];
    app.post(&format!("/api/v1/farming-areas/{}/status", s.area_id), Some(&s.authority.token),
        &json!({"status": "suspended", "reason": "Kiểm tra"})).await.assert_status(200);
    let view = scan_json(&app, &format!("/c/{code}")).await;
    assert_eq!(view["verdict"], "area_suspended");
    assert_eq!(view["farming_area"]["status"], "suspended");
    let page = scan_html(&app, &format!("/c/{code}?lang=en"), None).await;
    assert!(page.text.contains("SUSPENDED"));
    let _ = &s.product_id;
});

api_test!(async fn an_unknown_code_says_the_product_may_be_counterfeit(app) {
    let unknown = TraceCode::random();
    for path in [format!("/c/{unknown}"), "/c/not-a-code".to_owned()] {
        let page = scan_html(&app, &path, None).await;
        assert_eq!(page.status, 404);
        assert!(page.content_type().starts_with("text/html"));
        assert!(page.text.contains("hàng giả"), "{}", page.text);
        let page = scan_html(&app, &format!("{path}?lang=en"), None).await;
        assert!(page.text.contains("counterfeit"));
        let json = app.send(app.request(Method::GET, &path, None).header("accept", "application/json")).await;
        assert!(json.assert_problem(404)["detail"].as_str().unwrap_or("").contains("hàng giả"));
    }
    assert_eq!(app.count("scan_events"), 0);
});

api_test!(async fn concurrent_scans_are_all_recorded_and_one_client_is_only_watched(app) {
    let s = setup(&app, &crate::helpers::days_from_today(-300)).await;
    let code = s.codes[4].clone();
    let path = format!("/c/{code}");
    let scans = (0..40).map(|_| scan_json(&app, &path));
    let views = futures_util::future::join_all(scans).await;
    assert_eq!(views.len(), 40);
    assert_eq!(scans_of(&app, &code), 40);
    // Past the threshold (5 here) the code is watched, but one client's
    // views alone never make it a suspected copy for consumers.
    let view = scan_json(&app, &format!("/c/{code}")).await;
    assert_eq!(view["verdict"], "authentic");
    assert_eq!(view["scans"]["views"], 41);
    let fresh = scan_json(&app, &format!("/c/{}", s.codes[5])).await;
    assert_eq!(fresh["verdict"], "authentic");
});

api_test!(async fn the_rate_limit_answers_429_and_spares_other_clients(app) {
    let limited = spawn_app_with(app.backend, |args| {
        args.scan.scan_burst = 3;
        args.scan.scan_rate_per_minute = 1;
        args.scan.trusted_proxies = vec!["127.0.0.1".parse().expect("ip")];
    })
    .await;
    let s = setup(&limited, &crate::helpers::days_from_today(-300)).await;
    let path = format!("/c/{}", s.codes[0]);
    let from = |client: &'static str| limited.request(Method::GET, &path, None)
        .header("accept", "application/json")
        .header("x-forwarded-for", client);
    for _ in 0..3 {
        limited.send(from("198.51.100.7")).await.assert_status(200);
    }
    let refused = limited.send(from("198.51.100.7")).await;
    refused.assert_problem(429);
    assert!(refused.headers.get("retry-after").and_then(|v| v.to_str().ok()).and_then(|v| v.parse::<u64>().ok()).is_some_and(|s| s >= 1));
    limited.send(from("198.51.100.8")).await.assert_status(200);
    // A refused scan is not recorded.
    assert_eq!(scans_of(&limited, &s.codes[0]), 4);

    // Without a trusted proxy, X-Forwarded-For is ignored: the socket is the client.
    let plain = spawn_app_with(app.backend, |args| {
        args.scan.scan_burst = 2;
        args.scan.scan_rate_per_minute = 1;
    })
    .await;
    let s = setup(&plain, &crate::helpers::days_from_today(-300)).await;
    let path = format!("/c/{}", s.codes[0]);
    for (i, client) in ["198.51.100.1", "198.51.100.2", "198.51.100.3"].into_iter().enumerate() {
        let answer = plain.send(plain.request(Method::GET, &path, None).header("accept", "application/json").header("x-forwarded-for", client)).await;
        assert_eq!(answer.status.as_u16(), if i < 2 { 200 } else { 429 });
    }
});

api_test!(async fn no_raw_client_address_is_stored(app) {
    let proxied = spawn_app_with(app.backend, |args| {
        args.scan.trusted_proxies = vec!["127.0.0.1".parse().expect("ip")];
    })
    .await;
    let s = setup(&proxied, &crate::helpers::days_from_today(-300)).await;
    let code = &s.codes[0];
    proxied.send(proxied.request(Method::GET, &format!("/c/{code}"), None).header("x-forwarded-for", "203.113.45.67")).await.assert_status(200);
    let answer = proxied.send(proxied.request(Method::POST, &format!("/c/{code}/location"), None)
        .header("x-forwarded-for", "203.113.45.67").json(&json!({"latitude": 20.817171, "longitude": 105.337594}))).await;
    assert_eq!(answer.status, 204);
    let rows: Vec<(String, String, Option<f64>, Option<f64>)> = proxied.with_db(|conn| {
        use diesel::prelude::*;
        use ocop_trace::db::schema::scan_events::dsl::*;
        scan_events.select((client_hash, ua_family, latitude, longitude)).load(conn)
    }).expect("rows");
    assert_eq!(rows.len(), 2);
    for (hash, _, _, _) in &rows {
        assert_eq!(hash.len(), 16);
        assert!(!hash.contains("203.113") && !hash.contains("127.0.0.1"));
    }
    assert_eq!(rows[0].0, rows[1].0, "one client, one hash (the same day)");
    assert_eq!((rows[1].2, rows[1].3), (Some(20.82), Some(105.34)), "rounded to ~1 km");
    // Nothing anywhere in the table looks like the address.
    let dump = format!("{rows:?}");
    assert!(!dump.contains("203.113.45.67"));

    let bad = proxied.post(&format!("/c/{code}/location"), None, &json!({"latitude": 120.0, "longitude": 0})).await;
    bad.assert_problem(422);
    let unknown = proxied.post(&format!("/c/{}/location", TraceCode::random()), None, &json!({"latitude": 1.0, "longitude": 1.0})).await;
    unknown.assert_problem(404);
});

/// Eight clients scanning the codes in a loop against a server process,
/// counting what was answered 200, until stopped or the server goes away.
struct ScanLoad {
    answered: std::sync::Arc<std::sync::Mutex<std::collections::HashMap<String, i64>>>,
    stop: std::sync::Arc<std::sync::atomic::AtomicBool>,
    clients: Vec<actix_web::rt::task::JoinHandle<()>>,
}

impl ScanLoad {
    async fn start(codes: &[String], base: &str) -> Self {
        let answered = std::sync::Arc::new(std::sync::Mutex::new(std::collections::HashMap::<
            String,
            i64,
        >::new()));
        let stop = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
        let mut clients = Vec::new();
        for worker in 0..8 {
            let (codes, answered, stop, base) = (
                codes.to_vec(),
                answered.clone(),
                stop.clone(),
                base.to_owned(),
            );
            clients.push(actix_web::rt::spawn(async move {
                let client = reqwest::Client::new();
                let mut i = worker;
                while !stop.load(std::sync::atomic::Ordering::Relaxed) {
                    let code = &codes[i % codes.len()];
                    i += 8;
                    let sent = client
                        .get(format!("{base}/c/{code}"))
                        .header("accept", "application/json")
                        .send()
                        .await;
                    match sent {
                        Ok(r) if r.status() == 200 => {
                            *answered
                                .lock()
                                .expect("lock")
                                .entry(code.clone())
                                .or_default() += 1;
                        }
                        Ok(r) => panic!("unexpected status {}", r.status()),
                        Err(_) => break,
                    }
                }
            }));
        }
        let load = Self {
            answered,
            stop,
            clients,
        };
        // Let the load get going.
        let started = std::time::Instant::now();
        while load.total() < 300 {
            assert!(
                started.elapsed() < std::time::Duration::from_secs(60),
                "the load did not get going"
            );
            actix_web::rt::time::sleep(std::time::Duration::from_millis(10)).await;
        }
        load
    }

    fn total(&self) -> i64 {
        self.answered.lock().expect("lock").values().sum()
    }

    /// Stop the clients; what each code was answered.
    async fn finish(self) -> std::collections::HashMap<String, i64> {
        self.stop.store(true, std::sync::atomic::Ordering::Relaxed);
        for c in self.clients {
            c.await.expect("client");
        }
        self.answered.lock().expect("lock").clone()
    }
}

/// A server process on the app's database, with a product, a batch and 50
/// codes set up, and eight clients scanning them (rate limit raised by configuration).
async fn server_process_under_scan_load(
    app: &TestApp,
) -> (crate::helpers::ServerProcess, ScanLoad) {
    server_process_under_scan_load_with(app, "wait").await
}

/// The same, with `SCAN_FLUSH` set to `flush`.
async fn server_process_under_scan_load_with(
    app: &TestApp,
    flush: &str,
) -> (crate::helpers::ServerProcess, ScanLoad) {
    let s = setup(app, &crate::helpers::days_from_today(-300)).await;
    let server = app
        .spawn_server_process(&[
            ("SCAN_BURST", "1000000"),
            ("SCAN_RATE_PER_MINUTE", "1000000"),
            ("SCAN_FLUSH", flush),
        ])
        .await;
    let load = ScanLoad::start(&s.codes, &server.base).await;
    (server, load)
}

fn assert_every_answer_recorded(app: &TestApp, answered: &std::collections::HashMap<String, i64>) {
    assert!(answered.values().sum::<i64>() >= 300);
    for (code, n) in answered {
        let recorded = scans_of(app, code);
        assert!(
            recorded >= *n,
            "{code}: {n} scans answered but {recorded} recorded"
        );
    }
}

api_test!(async fn every_answered_scan_survives_a_sigkill(app) {
    let (server, load) = server_process_under_scan_load(&app).await;
    let mut child = server.child;
    // Kill the server in the middle of the load.
    child.kill().expect("SIGKILL");
    let _ = child.wait();
    let answered = load.finish().await;
    assert_every_answer_recorded(&app, &answered);
});

// SCAN_FLUSH=background answers a scan once PostgreSQL has committed it in
// memory: a crash of ocop-trace still loses none of them.
api_test!(async fn every_answered_scan_survives_a_sigkill_with_background_flush(app) {
    let (server, load) = server_process_under_scan_load_with(&app, "background").await;
    let mut child = server.child;
    child.kill().expect("SIGKILL");
    let _ = child.wait();
    let answered = load.finish().await;
    assert_every_answer_recorded(&app, &answered);
});

api_test!(async fn sigterm_finishes_the_scans_in_flight_and_exits_cleanly(app) {
    let (server, load) = server_process_under_scan_load(&app).await;
    let mut child = server.child;
    let term = std::process::Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .expect("kill -TERM");
    assert!(term.success());
    let exited = child.wait().expect("wait");
    assert!(exited.success(), "the server exited with {exited}");
    // The process has exited: its log ends, and the reader thread with it.
    let log: Vec<String> = server.log_lines.iter().collect();
    assert!(
        log.iter().any(|line| line.contains("scan writer stopped: queue closed and drained")),
        "the scan writer did not drain: {log:?}"
    );
    // Every client saw 200s until the server closed its connection; none saw an error status.
    let answered = load.finish().await;
    assert_every_answer_recorded(&app, &answered);
});

api_test!(async fn view_counts_reach_the_database_within_seconds(app) {
    let s = setup(&app, &crate::helpers::days_from_today(-300)).await;
    let code = s.codes[6].clone();
    let counted_reaches = |expected: i64| {
        let (app, code) = (&app, code.clone());
        async move {
            let started = std::time::Instant::now();
            loop {
                let counted: Option<i64> = app.with_db(|conn| {
                    use diesel::prelude::*;
                    use ocop_trace::db::schema::code_scan_counts;
                    code_scan_counts::table.find(&code).select(code_scan_counts::views).first(conn).optional()
                }).expect("count");
                if counted == Some(expected) {
                    break;
                }
                assert!(started.elapsed() < std::time::Duration::from_secs(12), "counts not flushed: {counted:?}, expected {expected}");
                actix_web::rt::time::sleep(std::time::Duration::from_millis(100)).await;
            }
        }
    };
    for _ in 0..3 {
        scan_json(&app, &format!("/c/{code}")).await;
    }
    counted_reaches(3).await;
    // A later flush adds to the stored count (the upsert's other branch).
    for _ in 0..2 {
        scan_json(&app, &format!("/c/{code}")).await;
    }
    counted_reaches(5).await;
});

api_test!(async fn a_long_write_elsewhere_holds_scans_back_but_not_the_server(app) {
    let s = setup(&app, &crate::helpers::days_from_today(-300)).await;
    // Another writer (a large code issuance, say) holds SQLite's write turn.
    let (release, released) = std::sync::mpsc::channel::<()>();
    let (held, holding) = std::sync::mpsc::channel::<()>();
    let db = app.db.clone();
    let holder = std::thread::spawn(move || {
        let conn = db.get().expect("connection");
        let _turn = db.sqlite_write_turn(&conn);
        held.send(()).expect("held");
        released.recv().expect("release");
    });
    holding.recv().expect("holding");
    let scans: Vec<_> = s.codes[..6]
        .iter()
        .map(|code| {
            let request = app.client.get(format!("{}/c/{code}", app.address)).header("accept", "application/json");
            actix_web::rt::spawn(async move { request.send().await.map(|r| r.status().as_u16()) })
        })
        .collect();
    actix_web::rt::time::sleep(std::time::Duration::from_millis(300)).await;
    // The server's one worker still answers while those scans wait for their commit.
    for _ in 0..5 {
        app.get("/healthz", None).await.assert_status(200);
    }
    if app.backend == crate::helpers::Backend::Sqlite {
        assert!(scans.iter().all(|scan| !scan.is_finished()), "a scan was answered before its event could be committed");
    }
    release.send(()).expect("release");
    holder.join().expect("holder");
    for scan in scans {
        assert_eq!(scan.await.expect("task").expect("answer"), 200);
    }
    for code in &s.codes[..6] {
        assert_eq!(scans_of(&app, code), 1);
    }
});

/// Workers commit scans on connections that never checkpoint (a checkpoint
/// syncs the disk, not something for an event loop); the writer thread does.
/// Seen from outside: the database file itself receives the WAL's pages.
#[actix_web::test]
async fn the_writer_thread_checkpoints_what_the_workers_commit() {
    let app = crate::helpers::spawn_app(crate::helpers::Backend::Sqlite).await;
    let s = setup(&app, &crate::helpers::days_from_today(-300)).await;
    let path = app.database_url.trim_start_matches("sqlite://").to_owned();
    let file_size = || std::fs::metadata(&path).expect("database file").len();
    let before = file_size();
    let paths: Vec<String> = s.codes.iter().map(|code| format!("/c/{code}")).collect();
    futures_util::future::join_all(paths.iter().map(|path| scan_json(&app, path))).await;
    let started = std::time::Instant::now();
    while file_size() <= before {
        assert!(
            started.elapsed() < std::time::Duration::from_secs(10),
            "no checkpoint: the database file stayed at {before} bytes"
        );
        actix_web::rt::time::sleep(std::time::Duration::from_millis(50)).await;
    }
}

/// The SHA-256 of an inline block, as a CSP source.
fn csp_source(inline: &str) -> String {
    use base64::Engine;
    use sha2::Digest;
    format!(
        "'sha256-{}'",
        base64::engine::general_purpose::STANDARD.encode(sha2::Sha256::digest(inline.as_bytes()))
    )
}

fn between<'a>(text: &'a str, open: &str, close: &str) -> &'a str {
    let start = text
        .find(open)
        .map(|i| i + open.len())
        .expect("opening tag");
    let end = text[start..].find(close).expect("closing tag") + start;
    &text[start..end]
}

// The review's finding: the pages sent no browser security headers.
api_test!(async fn pages_load_nothing_from_elsewhere_and_are_never_framed(app) {
    let s = setup(&app, &crate::helpers::days_from_today(-300)).await;
    let unknown = TraceCode::random();
    let pages = [
        format!("/c/{}", s.codes[0]),
        format!("/c/{unknown}"),
        format!("/c/{}/report", s.codes[0]),
        "/".to_owned(),
        "/01/08936012340020".to_owned(),
    ];
    for path in pages {
        let page = scan_html(&app, &path, None).await;
        assert!(page.content_type().starts_with("text/html"), "{path}");
        crate::helpers::assert_nothing_from_elsewhere(&page.text);
        let header = |name: &str| page.headers.get(name).and_then(|v| v.to_str().ok()).unwrap_or("").to_owned();
        let csp = header("content-security-policy");
        assert!(csp.contains("default-src 'none'") && csp.contains("frame-ancestors 'none'"), "{csp}");
        assert!(!csp.contains("http") && !csp.contains("unsafe-inline") && !csp.contains('*'), "{csp}");
        // The inline style and script are the ones the policy names.
        assert!(csp.contains(&csp_source(between(&page.text, "<style>", "</style>"))), "style hash in {csp}");
        if page.text.contains("<script>") {
            assert!(csp.contains(&csp_source(between(&page.text, "<script>", "</script>"))), "script hash in {csp}");
        } else {
            assert!(csp.contains("script-src 'none'"), "{csp}");
        }
        assert_eq!(header("x-content-type-options"), "nosniff");
        assert_eq!(header("referrer-policy"), "no-referrer");
        assert_eq!(header("x-frame-options"), "DENY");
    }
    // The API answers carry the same headers.
    let json = app.send(app.request(Method::GET, &format!("/c/{}", s.codes[0]), None).header("accept", "application/json")).await;
    assert_eq!(json.headers.get("x-content-type-options").and_then(|v| v.to_str().ok()), Some("nosniff"));
});
