//! A fresh database per test: a SQLite file, or a PostgreSQL database of its own.

use std::path::PathBuf;

use diesel::connection::SimpleConnection;
use diesel::{Connection, PgConnection};
use uuid::Uuid;

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
    pub fn create(backend: Backend) -> (Self, String) {
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
