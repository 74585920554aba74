use diesel::connection::SimpleConnection;
use diesel::{Connection, PgConnection};

use crate::helpers::{Backend, TestApp};

api_test!(async fn healthz_answers_with_a_request_id(app) {
    let answer = app.get("/healthz", None).await;
    assert_eq!(answer.assert_status(200)["status"], "ok");
    assert!(answer.headers.contains_key("x-request-id"));
});

/// Make the database unreachable for the running server, then bring it back.
fn take_database_away(app: &TestApp, away: bool) {
    match app.backend {
        Backend::Sqlite => {
            let path = app.database_url.trim_start_matches("sqlite://");
            let moved = format!("{path}.away");
            let (from, to) = if away {
                (path, moved.as_str())
            } else {
                (moved.as_str(), path)
            };
            std::fs::rename(from, to).expect("rename database file");
        }
        Backend::Postgres => {
            let admin_url = crate::helpers::without_tls(
                &std::env::var("TEST_DATABASE_URL").expect("TEST_DATABASE_URL"),
            );
            let name = app
                .database_url
                .split('?')
                .next()
                .expect("url")
                .rsplit('/')
                .next()
                .expect("db name")
                .to_owned();
            let mut conn = PgConnection::establish(&admin_url).expect("admin connection");
            let sql = if away {
                format!(
                    "ALTER DATABASE {name} WITH ALLOW_CONNECTIONS false;
                     SELECT pg_terminate_backend(pid) FROM pg_stat_activity
                      WHERE datname = '{name}' AND pid <> pg_backend_pid();"
                )
            } else {
                format!("ALTER DATABASE {name} WITH ALLOW_CONNECTIONS true;")
            };
            conn.batch_execute(&sql).expect("toggle database");
            // pg_terminate_backend only signals: wait until the server's
            // connections are really gone, or one may still answer a query.
            // A connection the pool was opening while the database was
            // closed can pass the check and start after the first
            // terminate (one run in fifty waited for it in vain): terminate
            // again while waiting.
            let started = std::time::Instant::now();
            while away && backends_of(&mut conn, &name) > 0 {
                assert!(
                    started.elapsed() < std::time::Duration::from_secs(10),
                    "backends of {name} did not end"
                );
                std::thread::sleep(std::time::Duration::from_millis(20));
                conn.batch_execute(&format!(
                    "SELECT pg_terminate_backend(pid) FROM pg_stat_activity
                      WHERE datname = '{name}' AND pid <> pg_backend_pid();"
                ))
                .expect("terminate again");
            }
        }
    }
}

fn backends_of(conn: &mut PgConnection, database: &str) -> i64 {
    use diesel::prelude::*;
    use diesel::sql_types::{BigInt, Text};
    #[derive(QueryableByName)]
    struct Count {
        #[diesel(sql_type = BigInt)]
        n: i64,
    }
    diesel::sql_query(
        "SELECT count(*) AS n FROM pg_stat_activity WHERE datname = $1 AND pid <> pg_backend_pid()",
    )
    .bind::<Text, _>(database)
    .get_result::<Count>(conn)
    .expect("count backends")
    .n
}

api_test!(async fn readyz_follows_the_database(app) {
    let answer = app.get("/readyz", None).await;
    assert_eq!(answer.assert_status(200)["status"], "ready");

    take_database_away(&app, true);
    let answer = app.get("/readyz", None).await;
    answer.assert_problem(503);
    // Liveness does not depend on the database.
    app.get("/healthz", None).await.assert_status(200);

    take_database_away(&app, false);
    let answer = app.get("/readyz", None).await;
    assert_eq!(answer.assert_status(200)["status"], "ready");
});
