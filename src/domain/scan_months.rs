//! The months `scan_events` is partitioned by on PostgreSQL: one table a
//! calendar month of `scanned_at` (UTC, as stored), created ahead of time so
//! no scan ever waits for one, and detachable once a month is only history.

use chrono::{Datelike, NaiveDate};

/// One month's partition: rows with `from <= scanned_at < to`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MonthPartition {
    /// `scan_events_y2026m12`: sorts by month, and says which.
    pub name: String,
    pub from: NaiveDate,
    pub to: NaiveDate,
}

/// The partitions of the month of `today` and of the `ahead` months after
/// it (None only past the calendar's end, year 262143).
pub fn months_from(today: NaiveDate, ahead: u32) -> Option<Vec<MonthPartition>> {
    let mut from = today.with_day(1)?;
    let mut months = Vec::new();
    for _ in 0..=ahead {
        let to = from.checked_add_months(chrono::Months::new(1))?;
        months.push(MonthPartition {
            name: format!("scan_events_y{:04}m{:02}", from.year(), from.month()),
            from,
            to,
        });
        from = to;
    }
    Some(months)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).expect("a date")
    }

    #[test]
    fn this_month_and_the_next_ones_across_a_new_year() {
        let months = months_from(day(2026, 12, 4), 2).expect("months");
        let named: Vec<(&str, NaiveDate, NaiveDate)> = months
            .iter()
            .map(|m| (m.name.as_str(), m.from, m.to))
            .collect();
        assert_eq!(
            named,
            [
                ("scan_events_y2026m12", day(2026, 12, 1), day(2027, 1, 1)),
                ("scan_events_y2027m01", day(2027, 1, 1), day(2027, 2, 1)),
                ("scan_events_y2027m02", day(2027, 2, 1), day(2027, 3, 1)),
            ]
        );
        assert_eq!(
            months_from(day(2028, 2, 29), 0).expect("one")[0].to,
            day(2028, 3, 1)
        );
        assert_eq!(months_from(NaiveDate::MAX, 1), None);
    }

    proptest::proptest! {
        /// The months follow each other without gap or overlap, from the
        /// first day of today's month, and today falls in the first.
        #[test]
        fn months_are_contiguous(days in 0i64..60_000, ahead in 0u32..40) {
            let today = day(2000, 1, 1) + chrono::Duration::days(days);
            let months = months_from(today, ahead).expect("months");
            proptest::prop_assert_eq!(months.len(), ahead as usize + 1);
            proptest::prop_assert!(months[0].from <= today && today < months[0].to);
            proptest::prop_assert_eq!(months[0].from.day(), 1);
            for pair in months.windows(2) {
                proptest::prop_assert_eq!(pair[0].to, pair[1].from);
                proptest::prop_assert!(pair[0].name < pair[1].name);
            }
        }
    }
}
