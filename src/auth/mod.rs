//! Who is calling: API keys, access tokens (JWT) and the role extractor.
//!
//! A key is exchanged for a short-lived token at `POST /api/v1/auth/token`;
//! every protected handler takes a [`Principal`] and states the roles it admits.

pub mod extract;
pub mod jwt;
pub mod principal;
pub mod revocation;

use sha2::{Digest, Sha256};

pub use extract::{
    AdminOnly, AdminOrAuthority, AuthorityOnly, Authorized, NotRetailer, ProducerOnly,
    ProducerOrAuthority, RoleSet,
};
pub use principal::Principal;
use uuid::Uuid;

use crate::db::{self, DbConnection, api_keys::ApiKeyRow};
use crate::error::ApiError;

pub const API_KEY_PREFIX: &str = "ocop_";
const API_KEY_RANDOM_CHARS: usize = 40;

pub use crate::secret::random_token;

/// A new API key: `ocop_` + 40 random alphanumerics (≈ 238 bits).
pub fn generate_api_key() -> String {
    format!("{API_KEY_PREFIX}{}", random_token(API_KEY_RANDOM_CHARS))
}

/// Keys are long random strings, not passwords, so a fast hash is enough: a
/// slow KDF (argon2) protects low-entropy secrets and would only make every
/// token exchange CPU-bound here.
pub fn hash_api_key(key: &str) -> String {
    hex::encode(Sha256::digest(key.trim().as_bytes()))
}

/// The part of a key shown in listings so people can tell keys apart.
pub fn display_prefix(key: &str) -> String {
    key.chars().take(API_KEY_PREFIX.len() + 6).collect()
}

/// Create and store a key for an existing organization; the secret is
/// returned this once, only its hash is kept.
pub fn issue_api_key(
    conn: &mut DbConnection,
    org_id: Uuid,
    label: &str,
) -> Result<(String, ApiKeyRow), ApiError> {
    if db::organizations::find(conn, org_id)?.is_none() {
        return Err(ApiError::not_found("no such organization"));
    }
    let api_key = generate_api_key();
    let row = db::api_keys::insert(
        conn,
        org_id,
        label,
        &display_prefix(&api_key),
        &hash_api_key(&api_key),
    )?;
    Ok((api_key, row))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_are_unique_and_hash_stably() {
        let a = generate_api_key();
        let b = generate_api_key();
        assert_ne!(a, b);
        assert!(a.starts_with(API_KEY_PREFIX));
        assert_eq!(a.len(), API_KEY_PREFIX.len() + API_KEY_RANDOM_CHARS);
        assert_eq!(hash_api_key(&a), hash_api_key(&format!(" {a} ")));
        assert_ne!(hash_api_key(&a), hash_api_key(&b));
        assert_eq!(display_prefix(&a).len(), 11);
    }
}
