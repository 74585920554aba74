//! One test harness, split by concern: the database, the app and its
//! client, fixtures, a server process, a webhook receiver, matrices.

mod app;
mod database;
mod fixtures;
mod matrix;
mod process;
mod receiver;

pub use app::*;
pub use database::*;
pub use matrix::*;
pub use process::*;
pub use receiver::*;

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
