//! Pure rules: no I/O, no HTTP, no SQL. Everything here is unit-tested alone.

pub mod batch;
pub mod certification;
pub mod clone;
pub mod code;
pub mod counterfeit;
pub mod digital_link;
pub mod epcis;
pub mod gs1;
pub mod linkset;
pub mod ocop;
pub mod organization;
pub mod pagination;
pub mod payload;
pub mod product;
pub mod reading;
pub mod scan;
pub mod scan_months;
pub mod site;
pub mod supply;
pub mod text;
pub mod time;
pub mod validation;
pub mod verdict;
pub mod verify;
pub mod webhook;
