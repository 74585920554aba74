//! One pagination rule for every list.

use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::validation::FieldError;

pub const DEFAULT_PER_PAGE: u32 = 20;
pub const MAX_PER_PAGE: u32 = 100;

/// `?page=&per_page=` as the client sent them (every list's last two
/// parameters in the contract).
#[derive(Debug, Clone, Copy, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct PageQuery {
    // The page number, from 1.
    #[param(minimum = 1, default = 1)]
    pub page: Option<u32>,
    // Items per page, 1 to 100.
    #[param(minimum = 1, maximum = 100, default = 20)]
    pub per_page: Option<u32>,
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
    pub fn validate(self) -> Result<Page, FieldError> {
        let page = self.page.unwrap_or(1);
        let per_page = self.per_page.unwrap_or(DEFAULT_PER_PAGE);
        if page == 0 {
            return Err(FieldError::new("page", "must be 1 or more"));
        }
        if !(1..=MAX_PER_PAGE).contains(&per_page) {
            return Err(FieldError::new(
                "per_page",
                format!("must be between 1 and {MAX_PER_PAGE}"),
            ));
        }
        Ok(Page { page, per_page })
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
        let p = PageQuery::default().validate().expect("default page");
        assert_eq!((p.page, p.per_page, p.offset()), (1, 20, 0));
        let p = PageQuery {
            page: Some(3),
            per_page: Some(10),
        }
        .validate()
        .expect("valid");
        assert_eq!(p.offset(), 20);
        assert!(
            PageQuery {
                page: Some(0),
                per_page: None
            }
            .validate()
            .is_err()
        );
        assert!(
            PageQuery {
                page: None,
                per_page: Some(101)
            }
            .validate()
            .is_err()
        );
    }
}
