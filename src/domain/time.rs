//! Time: stored in UTC, shown and reasoned about in Vietnam's time zone.

use chrono::{DateTime, NaiveDate, Utc};
use chrono_tz::Tz;

pub const VIETNAM: Tz = chrono_tz::Asia::Ho_Chi_Minh;

/// The calendar day in Vietnam at this instant: expiry dates, "not in the
/// future" checks and day buckets are all Vietnamese days.
pub fn vietnam_date(at: DateTime<Utc>) -> NaiveDate {
    at.with_timezone(&VIETNAM).date_naive()
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    #[test]
    fn late_evening_utc_is_already_tomorrow_in_vietnam() {
        let at = Utc
            .with_ymd_and_hms(2026, 11, 23, 18, 30, 0)
            .single()
            .expect("time");
        assert_eq!(
            vietnam_date(at),
            NaiveDate::from_ymd_opt(2026, 11, 24).expect("date")
        );
    }
}
