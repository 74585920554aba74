//! Secrets: values that never print themselves, and fresh random ones.

use std::fmt;

use rand::Rng;
use rand::distr::Alphanumeric;

/// A secret value that never prints itself (Debug and Display are redacted).
#[derive(Clone)]
pub struct Secret(String);

impl Secret {
    pub fn new(value: impl Into<String>) -> Self {
        Self(value.into())
    }
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Secret([redacted])")
    }
}

impl fmt::Display for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("[redacted]")
    }
}

impl std::str::FromStr for Secret {
    type Err = std::convert::Infallible;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Ok(Self(s.to_owned()))
    }
}

impl Secret {
    /// A fresh random secret of `len` alphanumerics.
    pub fn random(len: usize) -> Self {
        Self(random_token(len))
    }
}

/// A random alphanumeric string from the OS-seeded CSPRNG.
pub fn random_token(len: usize) -> String {
    rand::rng()
        .sample_iter(&Alphanumeric)
        .take(len)
        .map(char::from)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secret_never_prints() {
        let s = Secret::new("super-secret-value");
        assert!(!format!("{s:?}").contains("super"));
        assert!(!format!("{s}").contains("super"));
    }

    #[test]
    fn random_secrets_differ() {
        assert_eq!(random_token(40).len(), 40);
        assert_ne!(Secret::random(32).expose(), Secret::random(32).expose());
    }
}
