//! One test harness, split by concern: the database, the app and its
//! client, fixtures, a server process, a webhook receiver, matrices.

mod app;
mod database;
mod fixtures;
pub use fixtures::{FIXTURE_RATED_DAYS_AGO, FIXTURE_SHELF_DAYS, days_from_today};
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
/// A page that loads nothing from another host and sends nothing to one:
/// every address in an attribute or a CSS `url(…)` is on this service (or
/// a `tel:` link, a `data:` image, a fragment).
pub fn assert_nothing_from_elsewhere(html: &str) {
    let mut addresses = Vec::new();
    for attribute in ["src=\"", "href=\"", "action=\"", "srcset=\"", "url("] {
        for (at, _) in html.match_indices(attribute) {
            let rest = &html[at + attribute.len()..];
            let end = rest.find(['"', ')']).unwrap_or(rest.len());
            addresses.push(rest[..end].trim_matches(['\'', ' ']).to_owned());
        }
    }
    assert!(
        !addresses.is_empty() || !html.contains("<a "),
        "no addresses found in the page"
    );
    for address in addresses {
        let local = ["/", "?", "#", "tel:", "data:"]
            .iter()
            .any(|p| address.starts_with(p));
        assert!(
            local && !address.starts_with("//"),
            "the page points elsewhere: {address:?}"
        );
    }
}

/// Whether the PostgreSQL variants run: with `TEST_DATABASE_URL`. In CI
/// (`CI` set) a missing URL fails the variant instead of letting it pass
/// without running.
pub fn postgres_wanted() -> bool {
    if std::env::var("TEST_DATABASE_URL").is_ok() {
        return true;
    }
    assert!(
        std::env::var("CI").is_err(),
        "CI is set but TEST_DATABASE_URL is not: the PostgreSQL variant would pass without running"
    );
    eprintln!("TEST_DATABASE_URL not set: PostgreSQL variant not run");
    false
}

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
                if !$crate::helpers::postgres_wanted() {
                    return;
                }
                let $app = $crate::helpers::spawn_app($crate::helpers::Backend::Postgres).await;
                $body
            }
        }
    };
}
