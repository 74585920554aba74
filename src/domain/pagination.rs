//! One pagination rule for every list.

use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::validation::FieldError;

pub const DEFAULT_PER_PAGE: u32 = 20;
pub const MAX_PER_PAGE: u32 = 100;
/// A CSV export is one page of up to this many rows (its default size), so
/// a province's list comes whole in one file.
pub const MAX_CSV_ROWS: u32 = 10_000;
/// Far beyond any list's last page; a bound the contract can state.
pub const MAX_PAGE: u32 = 1_000_000;

/// How a list is answered: JSON pages, or CSV for a spreadsheet.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize, ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum ListFormat {
    #[default]
    Json,
    Csv,
}

/// `?page=&per_page=&format=` as the client sent them (every list's last
/// parameters in the contract).
#[derive(Debug, Clone, Copy, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct PageQuery {
    /// The page number, from 1.
    #[param(minimum = 1, maximum = 1_000_000, default = 1)]
    pub page: Option<u32>,
    /// Items per page: default 20 in JSON, where more than 100 is lowered to
    /// 100 (the answer's `per_page` says so); in CSV up to 10000, the default.
    #[param(minimum = 1, maximum = 10000)]
    pub per_page: Option<u32>,
    /// `csv` answers the list as CSV (UTF-8 with a byte-order mark, for
    /// spreadsheets; nested fields as dotted columns); so does
    /// `Accept: text/csv`. Default JSON.
    pub format: Option<ListFormat>,
}

/// A checked page request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Page {
    pub page: u32,
    pub per_page: u32,
}

impl Page {
    pub fn offset(self) -> i64 {
        i64::from(self.page - 1) * i64::from(self.per_page)
    }
    pub fn limit(self) -> i64 {
        i64::from(self.per_page)
    }
}

impl PageQuery {
    /// The page, and the format: `format` if given, else CSV when the
    /// client asked for it in `Accept` (`accepts_csv`).
    pub fn validate(self, accepts_csv: bool) -> Result<(Page, ListFormat), FieldError> {
        let format = self.format.unwrap_or(if accepts_csv {
            ListFormat::Csv
        } else {
            ListFormat::Json
        });
        let (default, max) = match format {
            ListFormat::Json => (DEFAULT_PER_PAGE, MAX_PER_PAGE),
            ListFormat::Csv => (MAX_CSV_ROWS, MAX_CSV_ROWS),
        };
        let page = self.page.unwrap_or(1);
        let per_page = self.per_page.unwrap_or(default);
        if !(1..=MAX_PAGE).contains(&page) {
            return Err(FieldError::new(
                "page",
                format!("must be between 1 and {MAX_PAGE}"),
            ));
        }
        if !(1..=MAX_CSV_ROWS).contains(&per_page) {
            return Err(FieldError::new(
                "per_page",
                format!("must be between 1 and {MAX_CSV_ROWS}"),
            ));
        }
        // One rule for the contract (1 to 10,000); a JSON page is kept small
        // by lowering, as the answer's per_page tells the client.
        Ok((
            Page {
                page,
                per_page: per_page.min(max),
            },
            format,
        ))
    }
}

/// One page of a list, with what the client needs to fetch the next.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct Paginated<T> {
    pub items: Vec<T>,
    pub page: u32,
    pub per_page: u32,
    /// Matching items on all pages.
    pub total: i64,
}

impl<T> Paginated<T> {
    pub fn new(items: Vec<T>, page: Page, total: i64) -> Self {
        Self {
            items,
            page: page.page,
            per_page: page.per_page,
            total,
        }
    }

    /// Convert every item, failing on the first that can't be.
    pub fn try_map<U, E>(self, f: impl FnMut(T) -> Result<U, E>) -> Result<Paginated<U>, E> {
        Ok(Paginated {
            items: self.items.into_iter().map(f).collect::<Result<_, _>>()?,
            page: self.page,
            per_page: self.per_page,
            total: self.total,
        })
    }

    pub fn map<U>(self, f: impl FnMut(T) -> U) -> Paginated<U> {
        Paginated {
            items: self.items.into_iter().map(f).collect(),
            page: self.page,
            per_page: self.per_page,
            total: self.total,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_and_limits() {
        let (p, format) = PageQuery::default().validate(false).expect("default page");
        assert_eq!(format, ListFormat::Json);
        assert_eq!((p.page, p.per_page, p.offset()), (1, 20, 0));
        let (p, _) = PageQuery {
            page: Some(3),
            per_page: Some(10),
            format: None,
        }
        .validate(false)
        .expect("valid");
        assert_eq!(p.offset(), 20);
        assert!(
            PageQuery {
                page: Some(0),
                per_page: None,
                format: None,
            }
            .validate(false)
            .is_err()
        );
        // More than a JSON page holds is lowered to its maximum.
        let (p, _) = PageQuery {
            page: None,
            per_page: Some(101),
            format: None,
        }
        .validate(false)
        .expect("lowered");
        assert_eq!(p.per_page, MAX_PER_PAGE);
        for (page, per_page) in [(MAX_PAGE + 1, 1), (1, 0), (1, MAX_CSV_ROWS + 1)] {
            let asked = PageQuery {
                page: Some(page),
                per_page: Some(per_page),
                format: None,
            };
            assert!(asked.validate(false).is_err(), "{page} {per_page}");
        }
        // A CSV export takes up to 10,000 rows a page, and that by default.
        let (p, format) = PageQuery::default().validate(true).expect("csv");
        assert_eq!((p.per_page, format), (MAX_CSV_ROWS, ListFormat::Csv));
        let json = PageQuery {
            format: Some(ListFormat::Json),
            ..PageQuery::default()
        };
        assert_eq!(json.validate(true).expect("json").1, ListFormat::Json);
    }
}
