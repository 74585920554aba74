//! Idempotency keys, one rule for every keyed request (code runs, events):
//! a retry with the same key and the same request gets the first answer; the
//! same key with a different request is a conflict. What a request "is" is
//! its fingerprint: a hash of the checked input, not of its bytes (a retry
//! may serialize differently).

use sha2::{Digest, Sha256};

use crate::error::ApiError;

/// A keyed request: the client's key and the fingerprint of what it asked.
#[derive(Debug, Clone)]
pub struct Keyed {
    pub key: String,
    pub fingerprint: String,
}

/// The fingerprint of a request, from a canonical text of its checked input.
pub fn fingerprint(canonical: &str) -> String {
    hex::encode(Sha256::digest(canonical.as_bytes()))
}

/// Is this the request the key first came with? `what` names it for the
/// client ("a different request", "different events").
pub fn same_request(
    first_fingerprint: Option<&str>,
    fingerprint: &str,
    what: &str,
) -> Result<(), ApiError> {
    if first_fingerprint == Some(fingerprint) {
        Ok(())
    } else {
        Err(ApiError::Conflict {
            field: Some("Idempotency-Key".into()),
            reason: format!("this key was already used for {what}"),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_key_replays_only_its_own_request() {
        let first = fingerprint("b|10|VN-HBOR-0012|url");
        assert!(same_request(Some(&first), &fingerprint("b|10|VN-HBOR-0012|url"), "x").is_ok());
        let other = fingerprint("b|11|VN-HBOR-0012|url");
        assert!(matches!(
            same_request(Some(&first), &other, "a different request"),
            Err(ApiError::Conflict { .. })
        ));
        assert!(same_request(None, &first, "x").is_err());
    }
}
