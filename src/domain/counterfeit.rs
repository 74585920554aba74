//! A consumer's report of a suspected fake, sent from a code's scan page:
//! every field optional, each checked, each problem named so the form can
//! say it next to its field in the page's language.

use serde::Deserialize;
use utoipa::ToSchema;

use super::organization::parse_phone;
use super::text;
use super::validation::FieldError;

pub const WHERE_BOUGHT_MAX: usize = 200;
pub const NOTE_MAX: usize = 1000;
/// Largest photo taken (a phone photo, shrunk by the browser or not).
pub const MAX_PHOTO_BYTES: usize = 2 * 1024 * 1024;

/// What the reporter may tell; all optional.
#[derive(Debug, Clone, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ReportDraft {
    /// The shop or market, and where it is.
    #[schema(example = "Chợ Phương Lâm, TP Hòa Bình")]
    pub where_bought: Option<String>,
    /// What made the reporter suspicious.
    #[schema(example = "Nhãn in mờ, nắp không có tem")]
    pub note: Option<String>,
    /// A phone number to be called back on, if the reporter wants that.
    #[schema(example = "0912345678")]
    pub phone: Option<String>,
}

/// A checked report.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewReport {
    pub where_bought: Option<String>,
    pub note: Option<String>,
    pub phone: Option<String>,
}

/// What can be wrong with a report, one per field.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ReportProblem {
    WhereBought,
    Note,
    Phone,
    PhotoTooLarge,
    PhotoUnreadable,
}

impl ReportProblem {
    pub fn field(self) -> &'static str {
        match self {
            Self::WhereBought => "where_bought",
            Self::Note => "note",
            Self::Phone => "phone",
            Self::PhotoTooLarge | Self::PhotoUnreadable => "photo",
        }
    }

    fn reason(self) -> String {
        match self {
            Self::WhereBought => format!("must be at most {WHERE_BOUGHT_MAX} characters of text"),
            Self::Note => format!("must be at most {NOTE_MAX} characters of text"),
            Self::Phone => "must be a Vietnamese phone number, e.g. 0912345678".into(),
            Self::PhotoTooLarge => format!("must be at most {} MB", MAX_PHOTO_BYTES / 1024 / 1024),
            Self::PhotoUnreadable => "must be a JPEG or PNG photo".into(),
        }
    }
}

impl From<ReportProblem> for FieldError {
    fn from(problem: ReportProblem) -> Self {
        FieldError::new(problem.field(), problem.reason())
    }
}

/// Check a report: every problem at once.
pub fn parse_report(d: &ReportDraft) -> Result<NewReport, Vec<ReportProblem>> {
    let mut problems = Vec::new();
    let mut keep = |result: Result<Option<String>, FieldError>, problem| {
        result.unwrap_or_else(|_| {
            problems.push(problem);
            None
        })
    };
    let where_bought = keep(
        text::optional("where_bought", d.where_bought.as_deref(), WHERE_BOUGHT_MAX),
        ReportProblem::WhereBought,
    );
    let note = keep(
        text::optional_multiline("note", d.note.as_deref(), NOTE_MAX),
        ReportProblem::Note,
    );
    let phone = keep(
        match d.phone.as_deref().map(str::trim) {
            None | Some("") => Ok(None),
            Some(raw) => parse_phone("phone", raw).map(Some),
        },
        ReportProblem::Phone,
    );
    if problems.is_empty() {
        Ok(NewReport {
            where_bought,
            note,
            phone,
        })
    } else {
        Err(problems)
    }
}

/// What an alert says of its reports: how many, from how many people, and
/// where the latest was bought.
pub fn report_detail(reports: i64, reporters: i64, latest_where: Option<&str>) -> String {
    let plural = |n: i64, one: &str, many: &str| {
        if n == 1 {
            format!("{n} {one}")
        } else {
            format!("{n} {many}")
        }
    };
    let mut detail = format!(
        "{} of a suspected fake by {}",
        plural(reports, "report", "reports"),
        plural(reporters, "distinct client", "distinct clients")
    );
    if let Some(place) = latest_where {
        detail.push_str(&format!("; latest bought at: {place}"));
    }
    detail
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn everything_is_optional_and_kept_in_nfc() {
        let empty = parse_report(&ReportDraft::default()).expect("an empty report is a report");
        assert_eq!(
            empty,
            NewReport {
                where_bought: None,
                note: None,
                phone: None
            }
        );
        let full = parse_report(&ReportDraft {
            where_bought: Some("  Cho\u{302} Phương Lâm ".into()),
            note: Some("Nhãn mờ\nnắp không tem".into()),
            phone: Some("+84 912 345 678".into()),
        })
        .expect("valid");
        assert_eq!(full.where_bought.as_deref(), Some("Chô Phương Lâm"));
        assert_eq!(full.note.as_deref(), Some("Nhãn mờ\nnắp không tem"));
        assert_eq!(full.phone.as_deref(), Some("0912345678"));
    }

    #[test]
    fn every_problem_is_named_at_once() {
        let problems = parse_report(&ReportDraft {
            where_bought: Some("x".repeat(WHERE_BOUGHT_MAX + 1)),
            note: Some("ok".into()),
            phone: Some("12345".into()),
        })
        .expect_err("invalid");
        assert_eq!(problems, [ReportProblem::WhereBought, ReportProblem::Phone]);
        let error = FieldError::from(ReportProblem::PhotoTooLarge);
        assert_eq!(
            (error.field.as_str(), error.reason.as_str()),
            ("photo", "must be at most 2 MB")
        );
    }

    #[test]
    fn the_detail_counts_reports_and_reporters() {
        assert_eq!(
            report_detail(1, 1, None),
            "1 report of a suspected fake by 1 distinct client"
        );
        assert_eq!(
            report_detail(3, 2, Some("Chợ Phương Lâm")),
            "3 reports of a suspected fake by 2 distinct clients; latest bought at: Chợ Phương Lâm"
        );
    }

    proptest! {
        #[test]
        fn any_input_is_a_report_or_named_problems(
            where_bought in proptest::option::of(".{0,260}"),
            note in proptest::option::of("(.|\n){0,1100}"),
            phone in proptest::option::of("[0-9+ .()-]{0,16}"),
        ) {
            match parse_report(&ReportDraft { where_bought, note, phone }) {
                Ok(report) => {
                    prop_assert!(report.where_bought.is_none_or(|w| w.chars().count() <= WHERE_BOUGHT_MAX));
                    prop_assert!(report.phone.is_none_or(|p| p.starts_with('0')));
                }
                Err(problems) => prop_assert!(!problems.is_empty() && problems.len() <= 3),
            }
        }
    }
}
