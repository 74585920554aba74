//! Background work that owns a thread of its own.

pub mod abandoned_runs;
pub mod expiry;
pub mod registry_listener;
pub mod scan_months;
pub mod webhook_sender;
