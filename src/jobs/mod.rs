//! Background work that owns a thread of its own.

pub mod abandoned_runs;
pub mod rating_expiry;
pub mod webhook_sender;
