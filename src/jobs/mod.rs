//! Background work that owns a thread of its own.

pub mod abandoned_runs;
