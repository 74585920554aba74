//! Provenance verification of a code or a whole delivery: one verdict per
//! code, the most serious finding first.

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// Codes in one delivery.
pub const MAX_CODES_PER_DELIVERY: usize = 10_000;

/// The answer for one code, most serious first in this order.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, ToSchema,
)]
#[serde(rename_all = "snake_case")]
pub enum VerifyVerdict {
    /// Not a registered code: the package may be counterfeit.
    Unknown,
    Recalled,
    AreaSuspended,
    /// Past its best-before day.
    Expired,
    RatingExpired,
    SuspectedClone,
    /// A shop already sold this package to a consumer: it should not be in a delivery.
    AlreadySold,
    Authentic,
}

impl VerifyVerdict {
    pub const ALL: [VerifyVerdict; 8] = [
        Self::Unknown,
        Self::Recalled,
        Self::AreaSuspended,
        Self::Expired,
        Self::RatingExpired,
        Self::SuspectedClone,
        Self::AlreadySold,
        Self::Authentic,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Unknown => "unknown",
            Self::Recalled => "recalled",
            Self::AreaSuspended => "area_suspended",
            Self::Expired => "expired",
            Self::RatingExpired => "rating_expired",
            Self::SuspectedClone => "suspected_clone",
            Self::AlreadySold => "already_sold",
            Self::Authentic => "authentic",
        }
    }
}

/// What is known about a registered code.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct CodeFindings {
    pub recalled: bool,
    pub area_suspended: bool,
    pub expired: bool,
    pub rating_expired: bool,
    pub suspected_clone: bool,
    pub sold: bool,
}

/// Every verdict that applies, most serious first; `[Authentic]` when none.
pub fn verdicts(f: CodeFindings) -> Vec<VerifyVerdict> {
    let mut out: Vec<VerifyVerdict> = [
        (f.recalled, VerifyVerdict::Recalled),
        (f.area_suspended, VerifyVerdict::AreaSuspended),
        (f.expired, VerifyVerdict::Expired),
        (f.rating_expired, VerifyVerdict::RatingExpired),
        (f.suspected_clone, VerifyVerdict::SuspectedClone),
        (f.sold, VerifyVerdict::AlreadySold),
    ]
    .into_iter()
    .filter_map(|(applies, verdict)| applies.then_some(verdict))
    .collect();
    if out.is_empty() {
        out.push(VerifyVerdict::Authentic);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn most_serious_first() {
        assert_eq!(
            verdicts(CodeFindings::default()),
            [VerifyVerdict::Authentic]
        );
        let many = CodeFindings {
            sold: true,
            area_suspended: true,
            recalled: true,
            expired: true,
            ..Default::default()
        };
        assert_eq!(
            verdicts(many),
            [
                VerifyVerdict::Recalled,
                VerifyVerdict::AreaSuspended,
                VerifyVerdict::Expired,
                VerifyVerdict::AlreadySold
            ]
        );
        let mut sorted = VerifyVerdict::ALL;
        sorted.sort();
        assert_eq!(sorted, VerifyVerdict::ALL);
    }
}
