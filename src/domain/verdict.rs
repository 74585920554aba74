//! The answer a scan or a verification gives: one verdict, and the
//! warnings behind it.

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// The one-word answer to "is this product what it says?".
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Verdict {
    Authentic,
    /// A GS1 label whose GTIN or lot is not the code's: likely counterfeit.
    LabelMismatch,
    Recalled,
    RatingExpired,
    AreaSuspended,
    /// Past its best-before day.
    Expired,
    SuspectedClone,
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct Warning {
    pub kind: Verdict,
    /// In the page's language, in plain words.
    pub message: String,
}
