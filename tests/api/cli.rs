//! The command line's one-shot commands against the test's database.

use std::process::Command;

use serde_json::json;

/// `ocop-trace admin …` on the app's database; its standard output.
fn admin(app: &crate::helpers::TestApp, args: &[&str]) -> String {
    let out = Command::new(env!("CARGO_BIN_EXE_ocop-trace"))
        .arg("admin")
        .args(args)
        .env("DATABASE_URL", &app.database_url)
        .output()
        .expect("ocop-trace runs");
    assert!(
        out.status.success(),
        "admin {args:?}: {:?}\n{}",
        out.status,
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout)
        .expect("utf-8")
        .trim()
        .to_owned()
}

// Found by scripts/soak: `admin create-key` on PostgreSQL printed the key
// and then died of SIGSEGV about one time in twelve, as the process exited
// while its connection pool's thread still used libpq.
api_test!(async fn admin_commands_bootstrap_and_exit_cleanly_every_time(app) {
    let org = admin(&app, &["create-org", "--name", "Hợp tác xã Chè Sông Bôi", "--kind", "producer", "--producer-type", "cooperative"]);
    let mut keys = Vec::new();
    for n in 0..40 {
        keys.push(admin(&app, &["create-key", "--org", &org, "--label", &format!("máy in nhãn {n}")]));
    }
    // Each key works, and revoking one from the shell cuts it off.
    let answer = app.post("/api/v1/auth/token", None, &json!({"api_key": keys[0]})).await;
    assert_eq!(answer.assert_status(200)["token_type"], "Bearer");
    let admin_session = app.login(ocop_trace::domain::organization::OrgKind::Admin).await;
    let listed = app.get(&format!("/api/v1/organizations/{org}/api-keys?per_page=100"), Some(&admin_session.token)).await;
    let first = listed.assert_status(200)["items"].as_array().expect("keys").iter()
        .find(|k| k["label"] == "máy in nhãn 0")
        .and_then(|k| k["id"].as_str())
        .expect("the first key is listed")
        .to_owned();
    assert_eq!(admin(&app, &["revoke-key", "--key", &first]), format!("revoked {first}"));
    app.post("/api/v1/auth/token", None, &json!({"api_key": keys[0]})).await.assert_problem(401);
    app.post("/api/v1/auth/token", None, &json!({"api_key": keys[1]})).await.assert_status(200);
});
