//! API tests through HTTP: each test starts the real server on a random port
//! against its own freshly migrated database, on SQLite and (when
//! TEST_DATABASE_URL is set) again on PostgreSQL.

// Test code: a failed expectation is the test failing.
#![allow(clippy::expect_used, clippy::unwrap_used, clippy::panic)]

#[macro_use]
mod helpers;

mod analytics;
mod api_keys;
mod auth;
mod batches;
mod browser;
mod certifications;
mod cli;
mod clones;
mod code_runs;
mod console;
mod dates;
mod demo;
mod epcis;
mod errors;
mod events;
mod expiry;
mod health;
mod labels;
mod landing;
mod metrics;
mod nodes;
mod openapi;
mod organizations;
mod products;
mod ratings;
mod registry_matrix;
mod report;
mod resolver;
mod resolver_walk_up;
mod scan;
mod scan_after_change;
mod scan_months;
mod scan_page;
mod sites;
mod snapshots;
mod supply_chain;
mod supply_matrix;
mod verify;
mod webhooks;
