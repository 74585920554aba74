//! Snapshots of what a consumer's scan (JSON) and a supermarket's
//! verification answer, one per verdict, taken through the API on both
//! backends into the same files: any change of shape, wording or order
//! shows in review (`cargo insta review`, or INSTA_UPDATE=always cargo test
//! to accept). Ids, codes, times and dates (the fixtures' dates move with
//! today) are replaced by placeholders.

use regex::Regex;
use serde_json::{Value, json};

use crate::helpers::TestApp;

/// The answer with what differs from run to run replaced.
fn stable(value: &Value) -> Value {
    static RULES: std::sync::LazyLock<Vec<(Regex, &'static str)>> =
        std::sync::LazyLock::new(|| {
            [
                (
                    r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}",
                    "[uuid]",
                ),
                (
                    r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})",
                    "[time]",
                ),
                (r"\d{4}-\d{2}-\d{2}", "[date]"),
                (r"\d{2}/\d{2}/\d{4}", "[dd/mm/yyyy]"),
                (
                    r"\b[0-9A-Z]{4}-[0-9A-Z]{4}-[0-9A-Z]{4}-[0-9A-Z*~$=]\b",
                    "[code-grouped]",
                ),
                (r"\b[0-9A-HJKMNP-TV-Z]{12}[0-9A-Z*~$=]\b", "[code]"),
                (r"\?v=[0-9a-f]+", "?v=[version]"),
                // Test organizations are named with a random suffix.
                (
                    r"Test (producer|authority|retailer|admin) [0-9a-f]+",
                    "Test $1 [n]",
                ),
            ]
            .into_iter()
            .map(|(pattern, with)| (Regex::new(pattern).expect("pattern"), with))
            .collect()
        });
    match value {
        Value::String(text) => {
            let mut text = text.clone();
            for (pattern, with) in RULES.iter() {
                text = pattern.replace_all(&text, *with).into_owned();
            }
            Value::String(text)
        }
        Value::Array(items) => Value::Array(items.iter().map(stable).collect()),
        Value::Object(fields) => {
            Value::Object(fields.iter().map(|(k, v)| (k.clone(), stable(v))).collect())
        }
        other => other.clone(),
    }
}

async fn verification(app: &TestApp, token: &str, code: &str) -> Value {
    app.get(&format!("/api/v1/verify/{code}"), Some(token))
        .await
        .assert_status(200)
        .clone()
}

/// Both answers for a code, under one snapshot name per verdict.
async fn snapshot(app: &TestApp, token: &str, code: &str, verdict: &str) {
    let scan = app.scan_json(code).await;
    let verified = verification(app, token, code).await;
    insta::assert_json_snapshot!(format!("scan_{verdict}"), stable(&scan));
    insta::assert_json_snapshot!(format!("verify_{verdict}"), stable(&verified));
}

api_test!(async fn scan_and_verification_answers_per_verdict(app) {
    let chain = app.chain(5).await;
    let (producer, authority, retailer) = (&chain.producer.token, &chain.authority.token, &chain.retailer.token);
    let codes = chain.codes.clone();

    snapshot(&app, retailer, &codes[0], "authentic").await;

    app.ship_batch(&chain, &chain.retailer).await;
    // Sold now, after its code was issued: "five minutes ago" fell on the
    // day before the issuance in Hòa Bình when the test ran just after
    // local midnight (17:00 UTC), and the journey, in date order, changed.
    let sold_at = chrono::Utc::now().to_rfc3339();
    app.post("/api/v1/events", Some(retailer), &json!({"events": [{
        "biz_step": "retail_selling", "event_time": sold_at, "codes": [codes[1]]
    }]})).await.assert_status(201);
    snapshot(&app, retailer, &codes[1], "already_sold").await;

    app.post(&format!("/c/{}/report", codes[2]), None, &json!({"where_bought": "Chợ Phương Lâm"})).await.assert_status(201);
    let alert = app.get(&format!("/api/v1/alerts?code={}", codes[2]), Some(authority)).await;
    let id = alert.assert_status(200)["items"][0]["id"].as_str().expect("an alert").to_owned();
    app.post(&format!("/api/v1/alerts/{id}/confirm"), Some(producer), &json!({})).await.assert_status(200);
    snapshot(&app, retailer, &codes[2], "suspected_clone").await;

    app.post(&format!("/api/v1/farming-areas/{}/status", chain.area_id), Some(authority),
        &json!({"status": "suspended", "reason": "Dư lượng thuốc bảo vệ thực vật"})).await.assert_status(200);
    snapshot(&app, retailer, &codes[3], "area_suspended").await;

    app.post(&format!("/api/v1/batches/{}/recall", chain.batch_id), Some(producer), &json!({"reason": "Phát hiện nấm mốc"}))
        .await.assert_status(200);
    snapshot(&app, retailer, &codes[4], "recalled").await;

    let unknown = ocop_trace::domain::code::TraceCode::random().to_string();
    let scan = app.get(&format!("/c/{unknown}"), None).await;
    let unknown_scan = app.send(app.request(reqwest::Method::GET, &format!("/c/{unknown}"), None)
        .header("Accept", "application/json")).await;
    assert_eq!(scan.status, 404);
    insta::assert_json_snapshot!("scan_unknown", stable(&unknown_scan.body));
    insta::assert_json_snapshot!("verify_unknown", stable(&verification(&app, retailer, &unknown).await));
});
