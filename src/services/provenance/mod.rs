//! The provenance read model: what a scan (and a retailer's verification)
//! shows of a code. `context` reads and holds the registry facts, `view`
//! turns them into the page's facts, `json` into the scan's JSON answer.

pub mod context;
pub mod json;
pub mod view;

pub use context::{CodeFacts, ScanContext};
pub use json::OneScan;
pub use view::{Provenance, ScanView, Verdict, Warning};
