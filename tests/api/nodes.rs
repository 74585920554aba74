//! Several nodes on one PostgreSQL database (docs/SCALING.md): what one node
//! writes, another node's very next scan shows, with or without its
//! listener; and the view rule counts the views of every node. SQLite runs
//! one node, so these run on PostgreSQL only.

use serde_json::{Value, json};

use crate::helpers::{Backend, ServerProcess, TestApp, eventually, spawn_app_with};

/// Views after which a code is watched, on both nodes: small, so a test
/// passes it with a handful of scans.
const THRESHOLD: u32 = 6;

/// Node A (this process) and node B (a server process), on one database.
async fn two_nodes() -> Option<(TestApp, ServerProcess)> {
    if !crate::helpers::postgres_wanted() {
        return None;
    }
    let node_a = spawn_app_with(Backend::Postgres, |args| {
        args.scan.clone_scan_threshold = THRESHOLD;
    })
    .await;
    let node_b = node_a
        .spawn_server_process(&[
            ("CLONE_SCAN_THRESHOLD", &THRESHOLD.to_string()),
            ("SCAN_BURST", "1000000"),
            ("SCAN_RATE_PER_MINUTE", "1000000"),
        ])
        .await;
    Some((node_a, node_b))
}

async fn scan_on(node: &str, code: &str) -> Value {
    let answer = reqwest::Client::new()
        .get(format!("{node}/c/{code}"))
        .header("accept", "application/json")
        .send()
        .await
        .expect("scan");
    assert_eq!(answer.status(), 200);
    answer.json().await.expect("scan JSON")
}

async fn verdict_on(node: &str, code: &str) -> String {
    scan_on(node, code).await["verdict"]
        .as_str()
        .expect("verdict")
        .to_owned()
}

async fn metric_on(node: &str, series: &str) -> f64 {
    let text = reqwest::get(format!("{node}/metrics"))
        .await
        .expect("metrics")
        .text()
        .await
        .expect("text");
    text.lines()
        .find_map(|line| {
            let (name, value) = line.rsplit_once(' ')?;
            (name == series).then(|| value.parse().ok()).flatten()
        })
        .unwrap_or(0.0)
}

fn listeners(app: &TestApp) -> i64 {
    app.with_db(|conn| {
        use diesel::prelude::*;
        #[derive(QueryableByName)]
        struct Count {
            #[diesel(sql_type = diesel::sql_types::BigInt)]
            n: i64,
        }
        diesel::sql_query(
            "SELECT count(*) AS n FROM pg_stat_activity \
             WHERE datname = current_database() AND application_name = $1",
        )
        .bind::<diesel::sql_types::Text, _>(ocop_trace::db::registry::LISTENER_NAME)
        .get_result::<Count>(conn)
        .expect("listeners")
        .n
    })
}

fn terminate_listeners(app: &TestApp) -> usize {
    app.with_db(|conn| {
        use diesel::prelude::*;
        diesel::sql_query(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity \
             WHERE datname = current_database() AND application_name = $1",
        )
        .bind::<diesel::sql_types::Text, _>(ocop_trace::db::registry::LISTENER_NAME)
        .execute(conn)
        .expect("terminate")
    })
}

#[actix_web::test]
async fn a_write_on_one_node_shows_on_the_next_scan_of_another() {
    let Some((node_a, node_b)) = two_nodes().await else {
        return;
    };
    let b = node_b.base.as_str();
    let chain = node_a.chain(3).await;
    let (producer, authority, retailer) = (
        &chain.producer.token,
        &chain.authority.token,
        &chain.retailer.token,
    );
    let code = chain.codes[0].clone();
    eventually(10, "both nodes listen", || async {
        listeners(&node_a) == 2
    })
    .await;

    // B caches what it shows, A rates the product again: B's next scan shows it.
    assert_eq!(scan_on(b, &code).await["ocop"]["stars"], 4);
    node_a
        .post(&format!("/api/v1/products/{}/ocop-ratings", chain.product_id), Some(authority),
            &json!({"stars": 5, "certificate_number": "15/QĐ-UBND", "issued_on": crate::helpers::days_from_today(-1)}))
        .await
        .assert_status(201);
    assert_eq!(scan_on(b, &code).await["ocop"]["stars"], 5);

    // Both listeners cut off: a notification sent now reaches nobody, yet
    // B's next scan and a shop's verification on B show the suspension.
    assert_eq!(terminate_listeners(&node_a), 2);
    let read_again = metric_on(b, "ocop_scans_read_again_total").await;
    let status = format!("/api/v1/farming-areas/{}/status", chain.area_id);
    node_a
        .post(
            &status,
            Some(authority),
            &json!({"status": "suspended", "reason": "Dư lượng thuốc"}),
        )
        .await
        .assert_status(200);
    assert_eq!(verdict_on(b, &code).await, "area_suspended");
    let verified = reqwest::Client::new()
        .get(format!("{b}/api/v1/verify/{code}"))
        .bearer_auth(retailer)
        .send()
        .await
        .expect("verify");
    assert_eq!(verified.status(), 200);
    assert_eq!(
        verified.json::<Value>().await.expect("JSON")["verdict"],
        "area_suspended"
    );
    assert!(
        metric_on(b, "ocop_scans_read_again_total").await > read_again,
        "B found the newer version at its scan's commit and read again"
    );

    // The listeners come back by themselves.
    eventually(15, "both nodes listen again", || async {
        listeners(&node_a) == 2
    })
    .await;
    eventually(5, "B says its listener is up", || async {
        metric_on(b, "ocop_registry_listener_up").await == 1.0
    })
    .await;
    node_a
        .post(
            &status,
            Some(authority),
            &json!({"status": "active", "reason": "Đạt khi kiểm tra lại"}),
        )
        .await
        .assert_status(200);
    assert_eq!(verdict_on(b, &code).await, "authentic");

    // And the other way: B recalls, A's next scan of a code it cached shows it.
    let other = chain.codes[1].clone();
    assert_eq!(node_a.scan_json(&other).await["verdict"], "authentic");
    let recall = reqwest::Client::new()
        .post(format!("{b}/api/v1/batches/{}/recall", chain.batch_id))
        .bearer_auth(producer)
        .json(&json!({"reason": "Phát hiện nấm mốc"}))
        .send()
        .await
        .expect("recall");
    assert_eq!(recall.status(), 200);
    assert_eq!(node_a.scan_json(&other).await["verdict"], "recalled");
}

#[actix_web::test]
async fn the_view_rule_counts_the_views_of_every_node() {
    let Some((node_a, node_b)) = two_nodes().await else {
        return;
    };
    let chain = node_a.chain(1).await;
    let code = chain.codes[0].clone();
    let saved = |expected: i64| {
        let (node_a, code) = (&node_a, code.clone());
        move || {
            let code = code.clone();
            async move {
                let views: Option<i64> = node_a
                    .with_db(|conn| {
                        use diesel::prelude::*;
                        use ocop_trace::db::schema::code_scan_counts;
                        code_scan_counts::table
                            .find(&code)
                            .select(code_scan_counts::views)
                            .first(conn)
                            .optional()
                    })
                    .expect("count");
                views == Some(expected)
            }
        }
    };
    let alerts = format!("/api/v1/alerts?code={code}");
    let authority = &chain.authority.token;
    let watched = || async {
        let listed = node_a.get(&alerts, Some(authority)).await;
        let items = listed.assert_status(200)["items"].clone();
        items.as_array().is_some_and(|items| {
            items
                .iter()
                .any(|a| a["rule"] == "scan_count" && a["status"] == "watch")
        })
    };
    // Three views on each node, saved within five seconds.
    for _ in 0..3 {
        node_a.scan_json(&code).await;
        scan_on(&node_b.base, &code).await;
    }
    eventually(15, "both nodes' views saved", saved(6)).await;
    // A saves its fourth and learns the code's total: seven.
    node_a.scan_json(&code).await;
    eventually(15, "A's fourth view saved", saved(7)).await;
    // The flush tells A's cache right after its commit.
    actix_web::rt::time::sleep(std::time::Duration::from_millis(300)).await;
    assert!(!watched().await, "no view has passed the threshold yet");
    // A's next view is the code's eighth, past the threshold of six (A
    // alone has counted five): the code is watched.
    node_a.scan_json(&code).await;
    eventually(5, "the view rule watches the code", watched).await;
}
