//! Time: stored in UTC, shown and reasoned about in Vietnam's time zone.

use chrono::{DateTime, Duration, NaiveDate, NaiveDateTime, NaiveTime, Utc};
use chrono_tz::Tz;

use super::validation::FieldError;

pub const VIETNAM: Tz = chrono_tz::Asia::Ho_Chi_Minh;

/// The calendar day in Vietnam at this instant: expiry dates, "not in the
/// future" checks and day buckets are all Vietnamese days.
pub fn vietnam_date(at: DateTime<Utc>) -> NaiveDate {
    at.with_timezone(&VIETNAM).date_naive()
}

/// Today in Vietnam: the day expiry and "not in the future" rules use.
pub fn today() -> NaiveDate {
    vietnam_date(Utc::now())
}

/// The days the service accepts, in every date field and filter: OCOP
/// began in 2018, and nothing is rated, certified or harvested beyond this
/// century. Beyond the range, date arithmetic would overflow.
pub const EARLIEST_DAY: NaiveDate = NaiveDate::from_ymd_opt(2000, 1, 1).expect("a valid date");
pub const LATEST_DAY: NaiveDate = NaiveDate::from_ymd_opt(2100, 12, 31).expect("a valid date");

/// Is this day in the range the service accepts? The error names the field.
pub fn check_day(field: &str, day: NaiveDate) -> Result<NaiveDate, FieldError> {
    if (EARLIEST_DAY..=LATEST_DAY).contains(&day) {
        Ok(day)
    } else {
        Err(FieldError::new(
            field,
            format!("must be between {EARLIEST_DAY} and {LATEST_DAY}"),
        ))
    }
}

/// A range of Vietnamese days, `from` to `to` inclusive, as UTC instants
/// [start, end). Either side may be open. Errors name the field.
pub fn vietnam_days_utc(
    from: Option<NaiveDate>,
    to: Option<NaiveDate>,
) -> Result<(Option<NaiveDateTime>, Option<NaiveDateTime>), FieldError> {
    let from = from.map(|f| check_day("from", f)).transpose()?;
    let to = to.map(|t| check_day("to", t)).transpose()?;
    if let (Some(f), Some(t)) = (from, to)
        && f > t
    {
        return Err(FieldError::new("from", "must not be after to"));
    }
    // In range, so neither the next day nor the offset can overflow.
    let start = |d: NaiveDate| d.and_time(NaiveTime::MIN) - Duration::hours(UTC_OFFSET_HOURS);
    Ok((from.map(start), to.and_then(|t| t.succ_opt()).map(start)))
}

/// The first instant (UTC) after the Vietnamese day `day`: when something
/// valid "until `day`" stops being valid. `None` at the end of time.
pub fn end_of_vietnam_day_utc(day: NaiveDate) -> Option<NaiveDateTime> {
    day.succ_opt()?
        .and_time(NaiveTime::MIN)
        .checked_sub_signed(Duration::hours(UTC_OFFSET_HOURS))
}

/// Vietnam keeps UTC+7 all year (no daylight saving).
pub const UTC_OFFSET_HOURS: i64 = 7;

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

    #[test]
    fn vietnamese_days_start_at_17_utc() {
        let d = |day| NaiveDate::from_ymd_opt(2026, 11, day).expect("date");
        let (from, to) = vietnam_days_utc(Some(d(20)), Some(d(21))).expect("range");
        assert_eq!(
            from.map(|t| t.to_string()).as_deref(),
            Some("2026-11-19 17:00:00")
        );
        assert_eq!(
            to.map(|t| t.to_string()).as_deref(),
            Some("2026-11-21 17:00:00")
        );
        assert!(vietnam_days_utc(Some(d(21)), Some(d(20))).is_err());
    }
}
