//! Pure rules: no I/O, no HTTP, no SQL. Everything here is unit-tested alone.

pub mod organization;
pub mod pagination;
pub mod text;
pub mod validation;
