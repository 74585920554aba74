//! Issuing codes, exporting them, rendering their QR symbols and label sheets.

use std::collections::HashSet;
use std::time::{Duration, Instant};

use ocop_trace::domain::code::TraceCode;
use ocop_trace::domain::organization::OrgKind;
use reqwest::Method;
use serde_json::{Value, json};

use crate::helpers::Body::{Empty, Json};
use crate::helpers::{MatrixRow, Session, TestApp, eventually, spawn_app_with};

struct Setup {
    authority: Session,
    producer: Session,
    product_id: String,
    batch_id: String,
    area_id: String,
}

async fn setup(app: &TestApp, gtin: Option<&str>) -> Setup {
    let authority = app.login(OrgKind::Authority).await;
    let producer = app.login(OrgKind::Producer).await;
    let mut body = json!({"name_vi": "Mật ong rừng Hưng Thi", "group": "food"});
    if let Some(gtin) = gtin {
        body["gtin"] = json!(gtin);
    }
    let product_id = app.create_product(&producer, &body).await["id"]
        .as_str()
        .expect("id")
        .to_owned();
    app.post(
        &format!("/api/v1/products/{product_id}/ocop-ratings"),
        Some(&authority.token),
        &json!({"stars": 4, "certificate_number": "1/QĐ", "issued_on": "2025-01-01"}),
    )
    .await
    .assert_status(201);
    let area = app
        .create_site(&authority, "farming-areas", "VN-HBHO-0007", Some(&producer))
        .await;
    let batch = app
        .create_batch(&producer, &product_id, "MOHT/26&04", "VN-HBHO-0007")
        .await;
    let batch_id = batch.assert_status(201)["id"]
        .as_str()
        .expect("id")
        .to_owned();
    Setup {
        authority,
        producer,
        product_id,
        batch_id,
        area_id: area["id"].as_str().expect("id").to_owned(),
    }
}

async fn issue(app: &TestApp, s: &Setup, body: Value) -> crate::helpers::Answer {
    app.post(
        &format!("/api/v1/batches/{}/code-runs", s.batch_id),
        Some(&s.producer.token),
        &body,
    )
    .await
}

fn decode_png(bytes: &[u8]) -> (usize, String) {
    let img = image::load_from_memory(bytes).expect("png").to_luma8();
    let mut prepared = rqrr::PreparedImage::prepare(img);
    let grids = prepared.detect_grids();
    assert_eq!(grids.len(), 1, "one QR symbol");
    let (meta, content) = grids[0].decode().expect("decodes");
    (meta.version.0, content)
}

api_test!(async fn producer_issues_codes_and_exports_them(app) {
    let s = setup(&app, None).await;
    let answer = issue(&app, &s, json!({"count": 1000, "farming_area_code": "vn-hbho-0007"})).await;
    let run = answer.assert_status(201).clone();
    assert_eq!(run["count"], 1000);
    assert_eq!(run["payload_prefix"], "http://ocop.test/c/");
    assert_eq!(answer.headers.get("idempotent-replayed").and_then(|v| v.to_str().ok()), Some("false"));
    let run_id = run["id"].as_str().expect("id");

    let csv = app.get(&format!("/api/v1/code-runs/{run_id}/codes?format=csv"), Some(&s.producer.token)).await;
    assert!(csv.content_type().starts_with("text/csv"));
    let lines: Vec<&str> = csv.text.lines().collect();
    assert_eq!(lines[0], "serial,code,code_grouped,payload");
    assert_eq!(lines.len(), 1001);
    let mut seen = HashSet::new();
    for (i, line) in lines[1..].iter().enumerate() {
        let cols: Vec<&str> = line.split(',').collect();
        assert_eq!(cols[0], (i + 1).to_string());
        let code = TraceCode::parse(cols[1]).expect("valid code");
        assert_eq!(cols[2], code.grouped());
        assert_eq!(cols[3], format!("http://ocop.test/c/{}", cols[1]));
        assert!(seen.insert(cols[1].to_owned()), "duplicate code");
    }

    let ndjson = app.send(app.request(Method::GET, &format!("/api/v1/code-runs/{run_id}/codes"), Some(&s.producer.token))
        .header("accept", "application/x-ndjson")).await;
    assert!(ndjson.content_type().starts_with("application/x-ndjson"));
    let rows: Vec<Value> = ndjson.text.lines().map(|l| serde_json::from_str(l).expect("json line")).collect();
    assert_eq!(rows.len(), 1000);
    assert_eq!(rows[999]["serial"], 1000);

    let runs = app.get(&format!("/api/v1/batches/{}/code-runs", s.batch_id), Some(&s.producer.token)).await;
    assert_eq!(runs.assert_status(200).as_array().map(Vec::len), Some(1));
});

api_test!(async fn qr_png_decodes_to_the_payload_and_svg_has_its_modules(app) {
    let s = setup(&app, Some("8936012340020")).await;
    let run = issue(&app, &s, json!({"count": 3, "farming_area_code": "VN-HBHO-0007", "format": "gs1"})).await;
    let run = run.assert_status(201).clone();
    assert_eq!(run["payload_prefix"], "http://ocop.test/01/08936012340020/10/MOHT%2F26%2604/21/");
    let csv = app.get(&format!("/api/v1/code-runs/{}/codes", run["id"].as_str().expect("id")), Some(&s.producer.token)).await;
    let line: Vec<String> = csv.text.lines().nth(1).expect("line").split(',').map(str::to_owned).collect();
    let (code, payload) = (&line[1], &line[3]);

    // Any way a person types the code finds it.
    let sloppy = TraceCode::parse(code).expect("code").grouped().to_lowercase();
    let png = app.client.get(app.url(&format!("/api/v1/codes/{sloppy}/qr.png?module=4&quiet_zone=4&ecc=Q")))
        .bearer_auth(&s.producer.token).send().await.expect("png");
    assert_eq!(png.status(), 200);
    let etag = png.headers().get("etag").and_then(|v| v.to_str().ok()).expect("etag").to_owned();
    assert!(png.headers().get("cache-control").is_some());
    let (version, content) = decode_png(&png.bytes().await.expect("bytes"));
    assert_eq!(&content, payload);

    let again = app.send(app.request(Method::GET, &format!("/api/v1/codes/{code}/qr.png?module=4&quiet_zone=4&ecc=Q"), Some(&s.producer.token))
        .header("if-none-match", &etag)).await;
    assert_eq!(again.status, 304);

    let svg = app.get(&format!("/api/v1/codes/{code}/qr.svg?ecc=Q&quiet_zone=2"), Some(&s.producer.token)).await;
    assert!(svg.content_type().starts_with("image/svg+xml"));
    let modules = 17 + 4 * version;
    assert!(svg.text.contains(&format!("data-modules=\"{modules}\"")), "{}", &svg.text[..200]);
    assert!(svg.text.contains(&format!("viewBox=\"0 0 {0} {0}\"", modules + 4)));

    for bad in ["module=0", "module=41", "quiet_zone=17"] {
        let answer = app.get(&format!("/api/v1/codes/{code}/qr.png?{bad}"), Some(&s.producer.token)).await;
        answer.assert_problem(422);
    }
    app.get(&format!("/api/v1/codes/{code}/qr.png?ecc=Z"), Some(&s.producer.token)).await.assert_problem(400);
    app.get("/api/v1/codes/NOT-A-CODE/qr.png", Some(&s.producer.token)).await.assert_problem(400);
    let unknown = TraceCode::random();
    app.get(&format!("/api/v1/codes/{unknown}/qr.png"), Some(&s.producer.token)).await.assert_problem(404);
    // Another producer can't render it.
    let other = app.login(OrgKind::Producer).await;
    app.get(&format!("/api/v1/codes/{code}/qr.svg"), Some(&other.token)).await.assert_problem(404);
});

api_test!(async fn label_sheets_have_the_pages_they_need(app) {
    let s = setup(&app, None).await;
    let run = issue(&app, &s, json!({"count": 70, "farming_area_code": "VN-HBHO-0007", "format": "url_upper"})).await;
    let run_id = run.assert_status(201)["id"].as_str().expect("id").to_owned();
    let pdf = app.client.get(app.url(&format!("/api/v1/code-runs/{run_id}/labels.pdf")))
        .bearer_auth(&s.producer.token).send().await.expect("pdf");
    assert_eq!(pdf.headers().get("content-type").and_then(|v| v.to_str().ok()), Some("application/pdf"));
    let doc = lopdf::Document::load_mem(&pdf.bytes().await.expect("bytes")).expect("parses");
    assert_eq!(doc.get_pages().len(), 3, "70 labels at 32 a page");

    let pdf = app.client.get(app.url(&format!("/api/v1/code-runs/{run_id}/labels.pdf?from=11&to=20&columns=2&rows=5")))
        .bearer_auth(&s.producer.token).send().await.expect("pdf");
    let doc = lopdf::Document::load_mem(&pdf.bytes().await.expect("bytes")).expect("parses");
    assert_eq!(doc.get_pages().len(), 1);

    for (query, field) in [("from=0", "from"), ("from=71", "from"), ("from=5&to=4", "to"), ("columns=11", "columns"),
        ("label_width_mm=100&label_height_mm=40", "label_width_mm"), ("label_width_mm=40", "label_height_mm")] {
        let answer = app.get(&format!("/api/v1/code-runs/{run_id}/labels.pdf?{query}"), Some(&s.producer.token)).await;
        assert_eq!(answer.assert_problem(422)["field"], field, "{query}");
    }
});

api_test!(async fn bad_issuance_requests_create_nothing(app) {
    let s = setup(&app, None).await;
    let other = app.login(OrgKind::Producer).await;
    app.create_site(&s.authority, "farming-areas", "VN-NOT-IN-BATCH", Some(&s.producer)).await;
    let cases = [
        (json!({"count": 0, "farming_area_code": "VN-HBHO-0007"}), 422, Some("count")),
        (json!({"count": 1_000_001, "farming_area_code": "VN-HBHO-0007"}), 422, Some("count")),
        (json!({"count": 10, "farming_area_code": "VN-UNKNOWN"}), 422, Some("farming_area_code")),
        (json!({"count": 10, "farming_area_code": "VN-NOT-IN-BATCH"}), 422, Some("farming_area_code")),
        (json!({"count": 10, "farming_area_code": "VN-HBHO-0007", "format": "gs1"}), 422, Some("format")),
        (json!({"count": 10, "farming_area_code": "VN-HBHO-0007", "format": "qr"}), 422, Some("format")),
        (json!({"count": -1, "farming_area_code": "VN-HBHO-0007"}), 422, Some("count")),
    ];
    for (body, status, field) in cases {
        let answer = issue(&app, &s, body.clone()).await;
        assert_eq!(answer.assert_problem(status)["field"].as_str(), field, "{body}");
    }
    // Another producer's batch: 404, as if it did not exist.
    let answer = app.post(&format!("/api/v1/batches/{}/code-runs", s.batch_id), Some(&other.token),
        &json!({"count": 10, "farming_area_code": "VN-HBHO-0007"})).await;
    answer.assert_problem(404);
    // A suspended farming area.
    app.post(&format!("/api/v1/farming-areas/{}/status", s.area_id), Some(&s.authority.token),
        &json!({"status": "suspended", "reason": "Kiểm tra"})).await.assert_status(200);
    let answer = issue(&app, &s, json!({"count": 10, "farming_area_code": "VN-HBHO-0007"})).await;
    let problem = answer.assert_problem(422);
    assert!(problem["detail"].as_str().unwrap_or("").contains("suspended"));
    assert_eq!(app.count("code_runs"), 0);
    assert_eq!(app.count("codes"), 0);
});

api_test!(async fn the_same_idempotency_key_gives_one_run(app) {
    let s = setup(&app, None).await;
    let send = |key: &'static str, count: u32| {
        app.send(app.request(Method::POST, &format!("/api/v1/batches/{}/code-runs", s.batch_id), Some(&s.producer.token))
            .header("idempotency-key", key)
            .json(&json!({"count": count, "farming_area_code": "VN-HBHO-0007"})))
    };
    let (a, b) = tokio::join!(send("print-job-42", 5000), send("print-job-42", 5000));
    let (a, b) = (a.assert_status(201).clone(), b.assert_status(201).clone());
    assert_eq!(a["id"], b["id"]);
    assert_eq!(app.count("code_runs"), 1);
    assert_eq!(app.count("codes"), 5000);

    let replay = send("print-job-42", 5000).await;
    assert_eq!(replay.assert_status(201)["id"], a["id"]);
    assert_eq!(replay.headers.get("idempotent-replayed").and_then(|v| v.to_str().ok()), Some("true"));
    let misuse = send("print-job-42", 10).await;
    assert_eq!(misuse.assert_problem(409)["field"], "Idempotency-Key");

    // Concurrent runs without a key: two runs, no code shared.
    let (c, d) = tokio::join!(send_without_key(&app, &s, 5000), send_without_key(&app, &s, 5000));
    c.assert_status(201);
    d.assert_status(201);
    assert_eq!(app.count("codes"), 15000);
});

async fn send_without_key(app: &TestApp, s: &Setup, count: u32) -> crate::helpers::Answer {
    issue(
        app,
        s,
        json!({"count": count, "farming_area_code": "VN-HBHO-0007"}),
    )
    .await
}

api_test!(async fn a_crash_mid_issuance_leaves_no_partial_run(app) {
    let s = setup(&app, None).await;
    // A second server process on the same database, killed while it issues a million codes.
    let server = app.spawn_server_process(&[("ISSUANCE_LEASE_SECONDS", "5")]).await;
    let (mut child, base, rx) = (server.child, server.base, server.log_lines);
    let client = reqwest::Client::new();
    let request = client
        .post(format!("{base}/api/v1/batches/{}/code-runs", s.batch_id))
        .bearer_auth(&s.producer.token)
        .json(&json!({"count": 1_000_000, "farming_area_code": "VN-HBHO-0007"}))
        .send();
    let watcher = actix_web::rt::spawn(request);
    // Kill it once it reports progress: some chunks are in, the run is not finished.
    let waiting = Instant::now();
    let mut progressed = false;
    while !progressed && waiting.elapsed() < Duration::from_secs(120) {
        // Sleep asynchronously: the request is sent by a task on this same runtime.
        actix_web::rt::time::sleep(Duration::from_millis(20)).await;
        progressed = rx.try_iter().any(|line| line.contains("issuing codes"));
    }
    child.kill().expect("kill");
    let _ = child.wait();
    assert!(progressed, "the issuance never reported progress");
    assert!(watcher.await.expect("join").is_err(), "the request must not have completed");

    // What was inserted is invisible: no run listed, no code scans…
    let runs = app.get(&format!("/api/v1/batches/{}/code-runs", s.batch_id), Some(&s.producer.token)).await;
    assert_eq!(runs.assert_status(200).as_array().map(Vec::len), Some(0));
    let half_issued: Vec<String> = app.with_db(|conn| {
        use diesel::prelude::*;
        use ocop_trace::db::schema::codes::dsl::*;
        codes.select(code).limit(3).load(conn)
    }).expect("codes");
    for c in &half_issued {
        let scanned = app.send(app.request(Method::GET, &format!("/c/{c}"), None).header("accept", "application/json")).await;
        scanned.assert_problem(404);
    }
    // …and once the dead issuer's lease runs out it is removed altogether.
    eventually(60, "the abandoned run is removed", || async {
        app.count("code_runs") == 0 && app.count("codes") == 0
    }).await;
    // The database is usable afterwards.
    let answer = issue(&app, &s, json!({"count": 10, "farming_area_code": "VN-HBHO-0007"})).await;
    answer.assert_status(201);
    assert_eq!(app.count("codes"), 10);
});

// The review's finding: issuing 1,000,000 codes held SQLite's write lock
// for 18.7 s, and a public scan sent meanwhile waited 18.4 s. Now the run
// goes in short turns: scans are answered while it is still being issued.
api_test!(async fn scans_are_answered_while_a_large_run_is_being_issued(app) {
    let s = setup(&app, None).await;
    let first = issue(&app, &s, json!({"count": 3, "farming_area_code": "VN-HBHO-0007"})).await;
    let run_id = first.assert_status(201)["id"].as_str().expect("id").to_owned();
    let csv = app.get(&format!("/api/v1/code-runs/{run_id}/codes"), Some(&s.producer.token)).await;
    let scanned: Vec<String> = csv.text.lines().skip(1).filter_map(|l| l.split(',').nth(1)).map(str::to_owned).collect();
    let big = actix_web::rt::spawn({
        let request = app
            .request(Method::POST, &format!("/api/v1/batches/{}/code-runs", s.batch_id), Some(&s.producer.token))
            .json(&json!({"count": 600_000, "farming_area_code": "VN-HBHO-0007"}));
        request.send()
    });
    let pending = || app.with_db(|conn| {
        use diesel::prelude::*;
        use ocop_trace::db::schema::code_runs::dsl::*;
        code_runs.filter(pending_until.is_not_null()).count().get_result::<i64>(conn)
    }).expect("pending runs");
    eventually(60, "the big run is under way", || async { pending() == 1 && app.count("codes") > 3 }).await;
    // A run big enough to be still under way on a fast machine: the scans
    // are checked first, right after they are answered.
    for code in &scanned {
        let view = app.scan_json(code).await;
        assert_eq!(view["verdict"], "authentic");
    }
    assert_eq!(pending(), 1, "the scans were answered before the big run finished");
    for code in &scanned {
        app.post(&format!("/c/{code}/location"), None, &json!({"latitude": 20.8, "longitude": 105.3})).await.assert_status(204);
    }
    // Other callers get in meanwhile too.
    let other = app.login(OrgKind::Producer).await;
    let other_runs = app.get("/api/v1/me", Some(&other.token)).await;
    other_runs.assert_status(200);
    assert_eq!(pending(), 1, "the other callers were answered before the big run finished");
    let done = big.await.expect("join").expect("answer");
    assert_eq!(done.status().as_u16(), 201);
    assert_eq!(pending(), 0);
    assert_eq!(app.count("codes"), 600_003);
});

api_test!(async fn a_producer_issues_at_most_its_daily_quota(app) {
    let app = spawn_app_with(app.backend, |args| args.limits.codes_per_day = 100).await;
    let s = setup(&app, None).await;
    issue(&app, &s, json!({"count": 60, "farming_area_code": "VN-HBHO-0007"})).await.assert_status(201);
    let over = issue(&app, &s, json!({"count": 41, "farming_area_code": "VN-HBHO-0007"})).await;
    assert!(over.assert_problem(429)["detail"].as_str().expect("detail").contains("100 codes a day"));
    let wait: u64 = over.headers["retry-after"].to_str().expect("ascii").parse().expect("seconds");
    assert!((1..=86_400).contains(&wait), "until midnight in Vietnam: {wait}");
    assert_eq!(app.count("codes"), 60, "the refused run issued nothing");
    issue(&app, &s, json!({"count": 40, "farming_area_code": "VN-HBHO-0007"})).await.assert_status(201);
});

// The review's finding: nine concurrent 5,000-label PDFs took every pooled
// connection; `/api/v1/me` and `/auth/token` answered 503 after 10 s.
api_test!(async fn label_pdfs_queue_and_the_rest_of_the_service_keeps_answering(app) {
    let app = spawn_app_with(app.backend, |args| {
        args.limits.pdf_concurrency = 1;
        args.limits.pdf_queue = 1;
    })
    .await;
    let s = setup(&app, None).await;
    let run = issue(&app, &s, json!({"count": 2_000, "farming_area_code": "VN-HBHO-0007"})).await;
    let run_id = run.assert_status(201)["id"].as_str().expect("id").to_owned();
    let pdfs = futures_util::future::join_all((0..9).map(|_| {
        app.send(app.request(Method::GET, &format!("/api/v1/code-runs/{run_id}/labels.pdf?to=300"), Some(&s.producer.token)))
    }));
    let others = async {
        // While they render: other callers get in.
        actix_web::rt::time::sleep(Duration::from_millis(100)).await;
        let me = app.get("/api/v1/me", Some(&s.producer.token)).await.status.as_u16();
        let token = app.post("/api/v1/auth/token", None, &json!({"api_key": s.producer.api_key})).await.status.as_u16();
        (me, token)
    };
    let (answers, (me, token)) = futures_util::future::join(pdfs, others).await;
    assert_eq!((me, token), (200, 200));
    let statuses: Vec<u16> = answers.iter().map(|a| a.status.as_u16()).collect();
    assert!(statuses.iter().all(|s| [200, 429].contains(s)), "{statuses:?}");
    assert!(statuses.contains(&200) && statuses.contains(&429), "{statuses:?}");
    let refused = answers.iter().find(|a| a.status == 429).expect("a 429");
    refused.assert_problem(429);
    assert!(refused.headers.contains_key("retry-after"));
});

api_test!(async fn codes_authorization_matrix(app) {
    let s = setup(&app, None).await;
    let admin = app.login(OrgKind::Admin).await;
    let other = app.login(OrgKind::Producer).await;
    let retailer = app.login(OrgKind::Retailer).await;
    let run = issue(&app, &s, json!({"count": 2, "farming_area_code": "VN-HBHO-0007"})).await.assert_status(201).clone();
    let run_id = run["id"].as_str().expect("id").to_owned();
    let csv = app.get(&format!("/api/v1/code-runs/{run_id}/codes"), Some(&s.producer.token)).await;
    let code = csv.text.lines().nth(1).expect("line").split(',').nth(1).expect("code").to_owned();
    let bid = &s.batch_id;
    // [admin, authority, owner, other producer, retailer, public]
    let matrix: Vec<MatrixRow> = vec![
        // Another producer's batch is no batch of its own: 404.
        (Method::POST, format!("/api/v1/batches/{bid}/code-runs"), Json(json!({"count": 3, "farming_area_code": "VN-HBHO-0007"})),
            ["403", "403", "ok", "404", "403", "401"]),
        (Method::GET, format!("/api/v1/batches/{bid}/code-runs"), Empty, ["ok", "ok", "ok", "404", "ok", "401"]),
        (Method::GET, format!("/api/v1/code-runs/{run_id}"), Empty, ["ok", "404", "ok", "404", "404", "401"]),
        (Method::GET, format!("/api/v1/code-runs/{run_id}/codes"), Empty, ["ok", "404", "ok", "404", "404", "401"]),
        (Method::GET, format!("/api/v1/code-runs/{run_id}/labels.pdf"), Empty, ["ok", "404", "ok", "404", "404", "401"]),
        (Method::GET, format!("/api/v1/codes/{code}/qr.png"), Empty, ["ok", "404", "ok", "404", "404", "401"]),
        (Method::GET, format!("/api/v1/codes/{code}/qr.svg"), Empty, ["ok", "404", "ok", "404", "404", "401"]),
    ];
    app.assert_matrix(&matrix, [
        ("admin", Some(admin.token.as_str())),
        ("authority", Some(s.authority.token.as_str())),
        ("owner", Some(s.producer.token.as_str())),
        ("other producer", Some(other.token.as_str())),
        ("retailer", Some(retailer.token.as_str())),
        ("public", None),
    ]).await;
    let _ = &s.product_id;
});

// A cooperative prints GS1 labels on its own domain; the domain must
// forward to this resolver, or shoppers would land where no code is checked.
api_test!(async fn gs1_labels_on_the_producers_own_domain(app) {
    let s = setup(&app, Some("8936012340020")).await;
    // This test server is a domain that forwards here: it is the resolver.
    let own = app.address.clone();
    let run = issue(&app, &s, json!({"count": 2, "farming_area_code": "VN-HBHO-0007", "format": "gs1", "link_domain": format!("{own}/")})).await;
    let run = run.assert_status(201).clone();
    assert_eq!(run["payload_prefix"], format!("{own}/01/08936012340020/10/MOHT%2F26%2604/21/"));
    let csv = app.get(&format!("/api/v1/code-runs/{}/codes", run["id"].as_str().expect("id")), Some(&s.producer.token)).await;
    let payload = csv.text.lines().nth(1).expect("line").split(',').nth(3).expect("payload").to_owned();
    let scanned = app.send(app.client.get(&payload).header("accept", "application/json")).await;
    assert_eq!(scanned.assert_status(200)["verdict"], "authentic", "{payload}");
    // The sheet prints GS1's human-readable line: GTIN and lot with the code.
    let pdf = app.client.get(app.url(&format!("/api/v1/code-runs/{}/labels.pdf", run["id"].as_str().expect("id"))))
        .bearer_auth(&s.producer.token).send().await.expect("pdf");
    let doc = lopdf::Document::load_mem(&pdf.bytes().await.expect("bytes")).expect("parses");
    let text = doc.extract_text(&[1]).expect("text");
    assert!(text.contains("(01) 08936012340020 (10) MOHT/26&04"), "{text}");

    // A domain that does not forward here, or is not reachable, or is not
    // a bare domain, or is given for a non-GS1 run: refused, nothing issued.
    let elsewhere = spawn_app_with(app.backend, |args| args.public_base_url = Some("http://other.test".into())).await;
    let runs_before = app.count("code_runs");
    let cases = [
        (json!({"format": "gs1", "link_domain": elsewhere.address.clone()}), "its resolver is http://other.test"),
        (json!({"format": "gs1", "link_domain": "http://127.0.0.1:9"}), "could not be reached"),
        (json!({"format": "gs1", "link_domain": format!("{own}/gs1")}), "bare domain"),
        (json!({"format": "url", "link_domain": own.clone()}), "only for GS1"),
    ];
    for (extra, why) in cases {
        let mut body = json!({"count": 2, "farming_area_code": "VN-HBHO-0007"});
        body.as_object_mut().expect("object").extend(extra.as_object().expect("object").clone());
        let answer = issue(&app, &s, body.clone()).await;
        let problem = answer.assert_problem(422);
        assert_eq!(problem["field"], "link_domain", "{body}");
        assert!(problem.to_string().contains(why), "{body}: {problem}");
    }
    assert_eq!(app.count("code_runs"), runs_before);
});
