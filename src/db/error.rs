//! Storage's own error: what went wrong, in terms a caller can act on. The
//! database's words (SQL, table and constraint names, addresses) stay in the
//! cause, for the log; front doors map the kind, never the text.

use diesel::result::{DatabaseErrorKind, Error as DieselError};

#[derive(Debug, thiserror::Error)]
pub enum DbError {
    /// The row asked for is not there.
    #[error("no such row")]
    NotFound,
    /// A unique constraint refused the write.
    #[error("unique constraint violated: {0}")]
    Conflict(String),
    /// No connection in time, or the database is unreachable.
    #[error("database unavailable: {0}")]
    Unavailable(String),
    /// A stored value that does not parse: a bug or a hand edit, never
    /// replaced by a default.
    #[error("stored data does not parse: {0}")]
    Corrupt(String),
    /// Anything else the database said.
    #[error(transparent)]
    Query(DieselError),
    /// Blocking work that never finished (its thread panicked or was stopped).
    #[error("blocking work did not finish: {0}")]
    Interrupted(String),
}

impl DbError {
    /// A stored value that does not parse, named for the log.
    pub fn corrupt(what: impl std::fmt::Display) -> Self {
        Self::Corrupt(what.to_string())
    }
}

impl From<DieselError> for DbError {
    fn from(err: DieselError) -> Self {
        match err {
            DieselError::NotFound => Self::NotFound,
            DieselError::DatabaseError(DatabaseErrorKind::UniqueViolation, info) => {
                Self::Conflict(info.message().to_owned())
            }
            other => Self::Query(other),
        }
    }
}

impl From<diesel::r2d2::PoolError> for DbError {
    fn from(err: diesel::r2d2::PoolError) -> Self {
        Self::Unavailable(err.to_string())
    }
}

impl From<diesel::ConnectionError> for DbError {
    fn from(err: diesel::ConnectionError) -> Self {
        Self::Unavailable(err.to_string())
    }
}

/// An id we stored ourselves; one that does not parse is corrupt data.
pub fn stored_uuid(raw: &str) -> Result<uuid::Uuid, DbError> {
    uuid::Uuid::parse_str(raw).map_err(|e| DbError::corrupt(format!("stored id {raw:?}: {e}")))
}

/// A value we stored from one of our enums (a status, a kind…); one that
/// does not parse is corrupt data, never relabelled as some default.
pub fn stored_enum<T>(
    what: &str,
    raw: &str,
    parse: impl FnOnce(&str) -> Option<T>,
) -> Result<T, DbError> {
    parse(raw).ok_or_else(|| DbError::corrupt(format!("stored {what} {raw:?}")))
}
