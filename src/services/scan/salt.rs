//! The daily salt of client-address hashes: a client is recognisable within
//! one Vietnamese day and never across days; the raw address is never kept.

/// The salt of client-address hashes for the current Vietnamese day,
/// derived once a day rather than per scan.
#[derive(Default)]
pub struct DailySalt(std::sync::RwLock<Option<(chrono::NaiveDate, [u8; 32])>>);

impl DailySalt {
    pub fn for_day(&self, secret: &str, day: chrono::NaiveDate) -> [u8; 32] {
        if let Some((d, salt)) = *self
            .0
            .read()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            && d == day
        {
            return salt;
        }
        let salt = crate::domain::scan::daily_salt(secret, day);
        *self
            .0
            .write()
            .unwrap_or_else(std::sync::PoisonError::into_inner) = Some((day, salt));
        salt
    }
}
