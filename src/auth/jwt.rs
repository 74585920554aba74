//! Access tokens: HS256 only, `exp`/`iss`/`aud` required and checked.

use std::time::Duration;

use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, Validation};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::domain::organization::OrgKind;
use crate::secret::Secret;

pub const ISSUER: &str = "ocop-trace";
pub const AUDIENCE: &str = "ocop-trace-api";

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Claims {
    /// The organization the token acts for.
    pub sub: String,
    /// Its role (the organization's kind).
    pub role: OrgKind,
    /// The API key it was exchanged for.
    pub kid: String,
    pub iss: String,
    pub aud: String,
    pub iat: i64,
    pub exp: i64,
}

#[derive(Clone)]
pub struct JwtKeys {
    encoding: EncodingKey,
    decoding: DecodingKey,
}

impl std::fmt::Debug for JwtKeys {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("JwtKeys([redacted])")
    }
}

#[derive(Debug, thiserror::Error)]
pub enum TokenError {
    #[error("token is expired")]
    Expired,
    #[error("token is invalid: {0}")]
    Invalid(String),
}

impl JwtKeys {
    pub fn new(secret: &Secret) -> Self {
        Self {
            encoding: EncodingKey::from_secret(secret.expose().as_bytes()),
            decoding: DecodingKey::from_secret(secret.expose().as_bytes()),
        }
    }

    pub fn issue(
        &self,
        org_id: Uuid,
        role: OrgKind,
        key_id: &str,
        ttl: Duration,
    ) -> Result<String, TokenError> {
        let now = chrono::Utc::now().timestamp();
        let ttl = i64::try_from(ttl.as_secs()).unwrap_or(900);
        let claims = Claims {
            sub: org_id.to_string(),
            role,
            kid: key_id.to_owned(),
            iss: ISSUER.to_owned(),
            aud: AUDIENCE.to_owned(),
            iat: now,
            exp: now + ttl,
        };
        jsonwebtoken::encode(&Header::new(Algorithm::HS256), &claims, &self.encoding)
            .map_err(|e| TokenError::Invalid(e.to_string()))
    }

    pub fn verify(&self, token: &str) -> Result<Claims, TokenError> {
        // Pinning the algorithm list to HS256 rejects `alg: none` and any
        // attempt to switch to a public-key algorithm.
        let mut validation = Validation::new(Algorithm::HS256);
        validation.set_issuer(&[ISSUER]);
        validation.set_audience(&[AUDIENCE]);
        validation.set_required_spec_claims(&["exp", "iss", "aud", "sub"]);
        validation.leeway = 5;
        jsonwebtoken::decode::<Claims>(token, &self.decoding, &validation)
            .map(|data| data.claims)
            .map_err(|e| match e.kind() {
                jsonwebtoken::errors::ErrorKind::ExpiredSignature => TokenError::Expired,
                other => TokenError::Invalid(format!("{other:?}")),
            })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn keys(secret: &str) -> JwtKeys {
        JwtKeys::new(&Secret::new(secret))
    }

    #[test]
    fn round_trip() {
        let k = keys("0123456789abcdef0123456789abcdef");
        let id = Uuid::now_v7();
        let token = k
            .issue(id, OrgKind::Producer, "key-1", Duration::from_secs(60))
            .expect("issue");
        let claims = k.verify(&token).expect("verify");
        assert_eq!(claims.sub, id.to_string());
        assert_eq!(claims.role, OrgKind::Producer);
    }

    #[test]
    fn rejects_other_secret() {
        let token = keys("0123456789abcdef0123456789abcdef")
            .issue(Uuid::now_v7(), OrgKind::Admin, "k", Duration::from_secs(60))
            .expect("issue");
        assert!(
            keys("ffffffffffffffffffffffffffffffff")
                .verify(&token)
                .is_err()
        );
    }
}
