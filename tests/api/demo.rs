//! The demo data loads on both backends and shows its special cases.

use ocop_trace::domain::organization::OrgKind;

api_test!(async fn demo_data_tells_its_stories(app) {
    let data = app.with_db(|conn| ocop_trace::demo::seed(conn, "http://ocop.test")).expect("demo seed");
    assert!(data.accounts.iter().any(|a| a.kind == OrgKind::Retailer));
    let authority = data.accounts.iter().find(|a| a.kind == OrgKind::Authority).expect("authority");
    let token = app.token_for_key(&authority.api_key).await;

    let answer = app.get("/api/v1/products?per_page=100", Some(&token)).await;
    let page = answer.assert_status(200);
    assert_eq!(page["total"], 5);
    let honey = page["items"].as_array().expect("items").iter()
        .find(|p| p["name_vi"] == "Mật ong rừng Hưng Thi").expect("honey");
    assert_eq!(honey["ocop"]["status"], "expired");
    assert!(honey["ocop"]["stars"].is_null());
    let answer = app.get("/api/v1/products?stars=5", Some(&token)).await;
    assert_eq!(answer.assert_status(200)["items"][0]["name_vi"], "Măng tre Bát Độ sấy khô Kim Bôi");

    let answer = app.get("/api/v1/farming-areas?status=suspended", Some(&token)).await;
    assert_eq!(answer.assert_status(200)["total"], 2);
    let chicken = data.products.iter().find(|p| p.note == "suspended farming area").expect("chicken");
    let answer = app.get(&format!("/api/v1/batches/{}", chicken.batch_id), Some(&token)).await;
    assert_eq!(answer.assert_status(200)["farming_areas"][0]["status"], "suspended");

    // A delivery to WinMart, a sale there, and a recalled batch.
    let retailer = data.accounts.iter().find(|a| a.kind == OrgKind::Retailer).expect("retailer");
    let rtoken = app.token_for_key(&retailer.api_key).await;
    let events = app.get("/api/v1/events?per_page=100", Some(&rtoken)).await;
    let steps: Vec<&str> = events.assert_status(200)["items"].as_array().expect("items").iter()
        .map(|e| e["biz_step"].as_str().expect("step")).collect();
    assert_eq!(steps, ["retail_selling", "receiving"]);
    let orange = data.products.iter().find(|p| p.lot == "CCP-2611-A").expect("orange");
    let verdict = app.get(&format!("/api/v1/verify/{}", orange.code), Some(&rtoken)).await;
    assert_eq!(verdict.assert_status(200)["verdict"], "already_sold");
    let page = app.client.get(app.url(&format!("/c/{}", orange.code))).header("Accept", "application/json").send().await.expect("scan");
    let page: serde_json::Value = page.json().await.expect("json");
    let journey: Vec<&str> = page["journey"].as_array().expect("journey").iter().map(|s| s["step"].as_str().expect("step")).collect();
    assert_eq!(journey, ["harvesting", "packing", "commissioning", "shipping", "receiving", "retail_selling"]);
    let recalled = data.products.iter().find(|p| p.note == "recalled batch").expect("recalled");
    let verdict = app.get(&format!("/api/v1/verify/{}", recalled.code), Some(&rtoken)).await;
    assert_eq!(verdict.assert_status(200)["verdict"], "recalled");
    // The chicken's farming area is suspended (with its reason) and its lot
    // is past its best-before day, whatever day the demo runs.
    let verdict = app.get(&format!("/api/v1/verify/{}", chicken.code), Some(&token)).await;
    let verdict = verdict.assert_status(200);
    assert_eq!(verdict["verdicts"], serde_json::json!(["area_suspended", "expired"]), "{verdict}");
    assert!(verdict["reasons"][0].as_str().unwrap_or_default().contains("an toàn sinh học"), "{verdict}");
    // What the banner tells the supermarket to try is what it gets: its
    // "sold here" line names the code the shop sold.
    let banner = ocop_trace::cli::demo_banner("http://ocop.test", &data);
    let sold_line = banner.lines().find(|l| l.contains("# sold here")).expect("a sold-here line");
    let named = sold_line.split("/api/v1/verify/").nth(1).and_then(|r| r.split_whitespace().next()).expect("a code");
    let verdict = app.get(&format!("/api/v1/verify/{named}"), Some(&rtoken)).await;
    assert_eq!(verdict.assert_status(200)["verdict"], "already_sold", "{sold_line}");
    // The console the banner names is there.
    let console = banner.lines().find(|l| l.starts_with("Web console")).and_then(|l| l.split("http://ocop.test").nth(1)).expect("the console's address");
    let form = app.get(console.trim(), None).await;
    assert_eq!(form.status.as_u16(), 200, "{console}");
    assert!(form.text.contains("name=\"api_key\""), "{}", form.text);
    // Every other product of the demo is authentic or tells its story.
    for p in &data.products {
        let verdict = app.get(&format!("/api/v1/verify/{}", p.code), Some(&token)).await;
        let expected = match p.note {
            "" if p.sold_at_shop => "already_sold",
            "" => "authentic",
            "expired rating" => "rating_expired",
            "suspended farming area" => "area_suspended",
            "recalled batch" => "recalled",
            other => panic!("a demo story the test does not know: {other}"),
        };
        assert_eq!(verdict.assert_status(200)["verdict"], expected, "{} ({})", p.name, p.lot);
    }
});

// The demo registers through the services: its recall, ratings and site
// changes are in the audit log as the API's would be.
api_test!(async fn demo_changes_are_audited_like_the_apis(app) {
    let data = app.with_db(|conn| ocop_trace::demo::seed(conn, "http://ocop.test")).expect("demo seed");
    let authority = data.accounts.iter().find(|a| a.kind == OrgKind::Authority).expect("authority");
    let token = app.token_for_key(&authority.api_key).await;
    let recalled = data.products.iter().find(|p| p.note == "recalled batch").expect("recalled");
    let answer = app.get(&format!("/api/v1/audit-log?action=recall&entity_id={}", recalled.batch_id), Some(&token)).await;
    let page = answer.assert_status(200);
    assert_eq!(page["total"], 1, "{page}");
    assert_eq!(page["items"][0]["after"]["status"], "recalled");
    let ratings = app.get("/api/v1/audit-log?action=ocop_rating.create&per_page=100", Some(&token)).await;
    assert_eq!(ratings.assert_status(200)["total"], 5);
    let suspensions = app.get("/api/v1/audit-log?action=farming_area.status&per_page=100", Some(&token)).await;
    assert_eq!(suspensions.assert_status(200)["total"], 2);
    // The recall's supply event counts the batch's codes.
    let events = app.get(&format!("/api/v1/events?batch_id={}", recalled.batch_id), Some(&token)).await;
    let events = events.assert_status(200);
    let recall = events["items"].as_array().expect("items").iter()
        .find(|e| e["biz_step"] == "recalling").expect("recall event");
    assert_eq!(recall["code_count"], ocop_trace::demo::CODES_PER_BATCH);
});
