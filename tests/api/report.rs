//! "Báo hàng giả": a shopper reports a suspected fake from the scan page,
//! with or without a photo; the producer and the authority hear of it and
//! find it in the alerts API; problems are named at once; per-client limits.

use ocop_trace::domain::organization::OrgKind;
use reqwest::Method;
use reqwest::multipart::{Form, Part};
use serde_json::{Value, json};

use crate::helpers::{TestApp, WebhookReceiver, eventually, spawn_app_with};

/// A camera JPEG: a real picture carrying an EXIF block (where a phone
/// writes the GPS position).
fn camera_jpeg() -> Vec<u8> {
    let picture = image::RgbImage::from_fn(320, 240, |x, y| {
        image::Rgb([(x % 256) as u8, (y % 256) as u8, 90])
    });
    let mut jpeg = Vec::new();
    image::DynamicImage::ImageRgb8(picture)
        .write_to(
            &mut std::io::Cursor::new(&mut jpeg),
            image::ImageFormat::Jpeg,
        )
        .expect("jpeg");
    let mut exif = b"Exif\0\0MM\0*\0\0\0\x08\0\0\0\0\0\0GPS-Hoa-Binh-20.81N".to_vec();
    let length = u16::try_from(exif.len() + 2).expect("short");
    let mut segment = vec![0xFF, 0xE1];
    segment.extend(length.to_be_bytes());
    segment.append(&mut exif);
    jpeg.splice(2..2, segment);
    jpeg
}

async fn send_form(app: &TestApp, code: &str, form: Form, lang: &str) -> crate::helpers::Answer {
    let client = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .expect("client");
    app.send(
        client
            .post(app.url(&format!("/c/{code}/report?lang={lang}")))
            .multipart(form),
    )
    .await
}

fn has(bytes: &[u8], needle: &[u8]) -> bool {
    bytes.windows(needle.len()).any(|w| w == needle)
}

api_test!(async fn a_shopper_reports_a_fake_and_the_producer_and_authority_hear_of_it(app) {
    let chain = app.chain(2).await;
    let code = &chain.codes[0];
    let stranger = app.login(OrgKind::Producer).await;
    let (producer_hook, authority_hook, shop_hook) =
        (WebhookReceiver::start(0), WebhookReceiver::start(0), WebhookReceiver::start(0));
    for (who, hook) in [(&chain.producer, &producer_hook), (&chain.authority, &authority_hook), (&chain.retailer, &shop_hook)] {
        app.post("/api/v1/webhooks", Some(&who.token), &json!({"url": hook.url, "events": ["counterfeit_report"]}))
            .await
            .assert_status(201);
    }
    // The scan page links to the form; the form posts back here only.
    let page = app.send(app.request(Method::GET, &format!("/c/{code}"), None).header("accept", "text/html")).await;
    assert!(page.text.contains(&format!("/c/{code}/report?lang=vi")) && page.text.contains("Báo hàng giả"));
    let form = app.get(&format!("/c/{code}/report"), None).await;
    assert_eq!(form.status.as_u16(), 200);
    assert!(form.text.contains(r#"enctype="multipart/form-data""#) && form.text.contains(r#"name="photo""#));
    let csp = form.headers["content-security-policy"].to_str().expect("csp");
    assert!(csp.contains("form-action 'self'") && csp.contains("script-src 'none'"), "{csp}");

    let sent = Form::new()
        .text("where_bought", "Chợ Phương Lâm, TP Hòa Bình")
        .text("note", "Nhãn in mờ,\nnắp không có tem")
        .part("photo", Part::bytes(camera_jpeg()).file_name("IMG_2041.jpg").mime_str("image/jpeg").expect("mime"))
        .text("phone", "0912 345 678");
    let answer = send_form(&app, code, sent, "vi").await;
    assert_eq!(answer.status.as_u16(), 303, "{}", answer.text);
    let thanks_at = answer.headers["location"].to_str().expect("location").to_owned();
    assert_eq!(thanks_at, format!("/c/{code}/report?lang=vi&sent=1"));
    let thanks = app.get(&thanks_at, None).await;
    assert!(thanks.text.contains("Cảm ơn bạn"), "{}", thanks.text);
    // A program reports in JSON.
    let receipt = app.post(&format!("/c/{code}/report"), None, &json!({"where_bought": "WinMart Hòa Bình"})).await;
    let alert_id = receipt.assert_status(201)["alert_id"].as_str().expect("alert").to_owned();

    // One alert for the code, a watch: shoppers are not warned on reports alone.
    let alerts = app.get("/api/v1/alerts?rule=counterfeit_report", Some(&chain.producer.token)).await;
    let alerts = alerts.assert_status(200);
    assert_eq!(alerts["total"], 1);
    assert_eq!(alerts["items"][0]["id"], alert_id.as_str());
    assert_eq!(alerts["items"][0]["status"], "watch");
    assert!(alerts["items"][0]["detail"].as_str().expect("detail").starts_with("2 reports"), "{alerts}");
    assert_eq!(app.scan_json(code).await["verdict"], "authentic");

    let reports = app.get(&format!("/api/v1/alerts/{alert_id}/reports"), Some(&chain.authority.token)).await;
    let reports = reports.assert_status(200).as_array().expect("reports").clone();
    assert_eq!(reports.len(), 2);
    let from_form = &reports[1];
    assert_eq!(from_form["where_bought"], "Chợ Phương Lâm, TP Hòa Bình");
    assert_eq!(from_form["note"], "Nhãn in mờ,\nnắp không có tem");
    assert_eq!(from_form["phone"], "0912345678");
    assert_eq!(reports[0]["photo_url"], Value::Null);
    let photo_url = from_form["photo_url"].as_str().expect("a photo").to_owned();
    let photo = app.send(app.request(Method::GET, &photo_url, Some(&chain.producer.token))).await;
    assert_eq!((photo.status.as_u16(), photo.content_type()), (200, "image/jpeg"));
    let bytes = app
        .client
        .get(app.url(&photo_url))
        .bearer_auth(&chain.producer.token)
        .send()
        .await
        .expect("photo")
        .bytes()
        .await
        .expect("bytes");
    assert!(image::load_from_memory(&bytes).is_ok(), "a picture");
    assert!(!has(&bytes, b"Exif") && !has(&bytes, b"GPS-Hoa-Binh"), "nothing of the camera's file is kept");
    // Another producer sees neither; a shop may not look.
    app.get(&format!("/api/v1/alerts/{alert_id}/reports"), Some(&stranger.token)).await.assert_problem(404);
    app.get(&photo_url, Some(&stranger.token)).await.assert_problem(404);
    app.get(&photo_url, Some(&chain.retailer.token)).await.assert_problem(403);

    // Both reports reached the producer and the authority, never the shop.
    eventually(10, "counterfeit_report delivered", || async {
        producer_hook.delivered("counterfeit_report").len() == 2 && authority_hook.delivered("counterfeit_report").len() == 2
    })
    .await;
    let notices: Vec<Value> = producer_hook
        .delivered("counterfeit_report")
        .iter()
        .map(|d| serde_json::from_slice(&d.body).expect("json"))
        .collect();
    let with_photo = notices.iter().find(|n| n["data"]["photo_url"].is_string()).expect("the form's notice");
    assert_eq!(with_photo["data"]["where_bought"], "Chợ Phương Lâm, TP Hòa Bình");
    assert_eq!(with_photo["data"]["code"], code.as_str());
    assert!(shop_hook.deliveries().is_empty());

    // The producer confirms it: from the next scan on, shoppers are warned.
    app.post(&format!("/api/v1/alerts/{alert_id}/confirm"), Some(&chain.producer.token), &json!({})).await.assert_status(200);
    let view = app.scan_json(code).await;
    assert_eq!(view["verdict"], "suspected_clone", "{view}");
    let page = app.send(app.request(Method::GET, &format!("/c/{code}"), None).header("accept", "text/html")).await;
    assert!(page.text.contains("Người mua đã báo gói hàng mang mã này là hàng giả"), "{}", page.text);
});

api_test!(async fn a_report_names_every_problem_in_its_language_and_keeps_nothing(app) {
    let chain = app.chain(1).await;
    let code = &chain.codes[0];
    let oversized = vec![0xFF_u8; 2 * 1024 * 1024 + 1];
    let sent = Form::new()
        .text("where_bought", "Chợ Lạc Sơn")
        .text("phone", "12345")
        .part("photo", Part::bytes(oversized).file_name("big.jpg").mime_str("image/jpeg").expect("mime"));
    let answer = send_form(&app, code, sent, "en").await;
    assert_eq!(answer.status.as_u16(), 422);
    assert!(answer.content_type().starts_with("text/html"));
    for said in ["Not a Vietnamese phone number", "larger than 2 MB", "Please correct the marked fields", r#"value="Chợ Lạc Sơn""#] {
        assert!(answer.text.contains(said), "the page lacks {said:?}");
    }
    // Not a picture at all, in Vietnamese.
    let sent = Form::new().part("photo", Part::bytes(b"not a photo".to_vec()).file_name("a.jpg").mime_str("image/jpeg").expect("mime"));
    let answer = send_form(&app, code, sent, "vi").await;
    assert_eq!(answer.status.as_u16(), 422);
    assert!(answer.text.contains("Không đọc được ảnh"), "{}", answer.text);
    // A field the form does not have.
    let answer = send_form(&app, code, Form::new().text("colour", "red"), "vi").await;
    assert_eq!(answer.assert_problem(422)["field"], "colour");
    // JSON: every problem at once.
    let answer = app.post(&format!("/c/{code}/report"), None, &json!({"phone": "abc", "note": 5, "shop": "x"})).await;
    let problem = answer.assert_problem(422);
    let mut fields: Vec<&str> = problem["errors"].as_array().expect("errors").iter().filter_map(|e| e["field"].as_str()).collect();
    fields.sort_unstable();
    assert_eq!(fields, ["note", "phone", "shop"], "{problem}");
    app.send(app.request(Method::POST, &format!("/c/{code}/report"), None).header("content-type", "application/json").body("{"))
        .await
        .assert_problem(400);
    app.send(app.request(Method::POST, &format!("/c/{code}/report"), None).header("content-type", "text/plain").body("hello"))
        .await
        .assert_problem(415);
    // Unknown and mistyped codes: nothing to report on.
    app.post("/c/0000-0000-0000-0/report", None, &json!({})).await.assert_problem(404);
    assert_eq!(app.get("/c/0000-0000-0000-0/report", None).await.status.as_u16(), 404);
    assert_eq!(app.count("counterfeit_reports"), 0);
    assert_eq!(app.count("clone_alerts"), 0);
});

api_test!(async fn reports_are_limited_per_client_and_keep_no_address(app) {
    let chain = app.chain(1).await;
    let code = &chain.codes[0];
    for i in 0..3 {
        app.post(&format!("/c/{code}/report"), None, &json!({"note": format!("lần {i}")})).await.assert_status(201);
    }
    let refused = app.post(&format!("/c/{code}/report"), None, &json!({"note": "lần 4"})).await;
    refused.assert_problem(429);
    assert!(refused.headers.contains_key("retry-after"));
    // The form says it in words, on the page.
    let answer = send_form(&app, code, Form::new().text("note", "lần 5"), "vi").await;
    assert_eq!(answer.status.as_u16(), 429);
    assert!(answer.text.contains("Bạn vừa gửi nhiều báo cáo"), "{}", answer.text);
    assert_eq!(app.count("counterfeit_reports"), 3);
    // Three reports, one client: counted as one reporter, and no address kept.
    let alerts = app.get("/api/v1/alerts?rule=counterfeit_report", Some(&chain.authority.token)).await;
    assert_eq!(alerts.assert_status(200)["items"][0]["clients"], 1);
    let stored: Vec<Option<String>> = app.with_db(|conn| {
        use diesel::prelude::*;
        use ocop_trace::db::schema::counterfeit_reports::dsl::*;
        counterfeit_reports.select(client_hash).load(conn).expect("hashes")
    });
    assert!(stored.iter().all(|h| h.as_deref().is_some_and(|h| !h.contains("127.0.0.1") && h.len() == 16)), "{stored:?}");
});

api_test!(async fn reports_count_against_the_clients_public_rate_limit(app) {
    // A client past the public limit (scans, locations, reports together)
    // can't report either: a flood is stopped at the door.
    let app = spawn_app_with(app.backend, |args| {
        args.scan.scan_burst = 2;
        args.scan.scan_rate_per_minute = 1;
    })
    .await;
    let chain = app.chain(1).await;
    let code = &chain.codes[0];
    for _ in 0..2 {
        app.scan_json(code).await;
    }
    let answer = app.post(&format!("/c/{code}/report"), None, &json!({})).await;
    answer.assert_problem(429);
});
