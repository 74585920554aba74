//! ocop-trace: QR traceability codes for OCOP products.
//!
//! Dependencies point down: front doors (`routes`, `cli`, `demo`) →
//! `services` → (`domain`, `db`, `labels`, `i18n`); `db` → `domain`;
//! `domain` uses nothing of ours. `docs/ARCHITECTURE.md` has the layers;
//! `tests/architecture.rs` checks the rules.

pub mod auth;
pub mod cli;
pub mod config;
pub mod db;
pub mod demo;
pub mod domain;
pub mod error;
pub mod extract;
pub mod i18n;
pub mod jobs;
pub mod labels;
pub mod monitoring;
pub mod outbound;
pub mod ratelimit;
pub mod routes;
pub mod secret;
pub mod services;
pub mod startup;
pub mod telemetry;
