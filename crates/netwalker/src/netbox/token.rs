//! The NetBox API token: held in a [`SecretString`], sent only as the
//! `Authorization` header (marked sensitive), never printed. Its shape says
//! its scheme: a v2 token (`nbt_<key>.<secret>`, NetBox 4.5+) goes as
//! `Bearer`, a legacy 40-character one as `Token`.

use reqwest::header::HeaderValue;
use secrecy::{ExposeSecret, SecretString};
use std::fmt;

/// An API token.
#[derive(Clone)]
pub struct Token(SecretString);

/// Why a token cannot be used; never contains the token.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TokenError {
    #[error(
        "environment variable {0} is not set or empty: export the NetBox API token in it (--token-env names the variable)"
    )]
    Missing(String),
    #[error(
        "the token in {0} is not a NetBox API token: expected `nbt_<key>.<secret>` (v2) or 40 letters and digits (legacy)"
    )]
    Shape(String),
}

impl fmt::Debug for Token {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Token({}, ********)", self.scheme())
    }
}

impl Token {
    /// Checks the shape of `secret` (from variable `var`, for messages).
    pub fn new(secret: SecretString, var: &str) -> Result<Token, TokenError> {
        let s = secret.expose_secret().trim();
        let v2 = s
            .strip_prefix("nbt_")
            .and_then(|rest| rest.split_once('.'))
            .is_some_and(|(k, sec)| !k.is_empty() && !sec.is_empty() && is_token_text(s));
        let v1 = s.len() == 40 && s.chars().all(|c| c.is_ascii_alphanumeric());
        if !(v2 || v1) {
            return Err(TokenError::Shape(var.to_string()));
        }
        Ok(Token(SecretString::from(s.to_string())))
    }

    /// Reads the token from environment variable `var`.
    pub fn from_env(var: &str) -> Result<Token, TokenError> {
        match std::env::var(var) {
            Ok(v) if !v.trim().is_empty() => Token::new(SecretString::from(v), var),
            _ => Err(TokenError::Missing(var.to_string())),
        }
    }

    /// `Bearer` for a v2 token, `Token` for a legacy one.
    pub fn scheme(&self) -> &'static str {
        if self.0.expose_secret().starts_with("nbt_") {
            "Bearer"
        } else {
            "Token"
        }
    }

    /// The `Authorization` header, marked sensitive (left out of `Debug`).
    pub(crate) fn header(&self) -> HeaderValue {
        let mut h = HeaderValue::from_str(&format!("{} {}", self.scheme(), self.0.expose_secret()))
            .unwrap_or_else(|_| HeaderValue::from_static(""));
        h.set_sensitive(true);
        h
    }
}

/// Characters a token may hold (so it is a valid header value).
fn is_token_text(s: &str) -> bool {
    s.chars()
        .all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '.' | '-'))
}

#[cfg(test)]
mod tests {
    use super::*;

    const V2: &str = "nbt_abcDEF123456.s3cr3tS3cr3tS3cr3tS3cr3tS3cr3t";
    const V1: &str = "0123456789abcdef0123456789abcdef01234567";

    #[test]
    fn scheme_follows_shape() {
        let t = Token::new(SecretString::from(V2), "NB").unwrap();
        assert_eq!(t.scheme(), "Bearer");
        assert_eq!(
            t.header().to_str().unwrap(),
            format!("Bearer {V2}"),
            "the header carries the token"
        );
        assert!(t.header().is_sensitive());
        let t = Token::new(SecretString::from(V1), "NB").unwrap();
        assert_eq!(t.scheme(), "Token");
        for bad in ["", "nbt_", "nbt_x", "nbt_.y", "short", "nbt_a.b c"] {
            assert_eq!(
                Token::new(SecretString::from(bad), "NB").unwrap_err(),
                TokenError::Shape("NB".into()),
                "{bad:?}"
            );
        }
    }

    #[test]
    fn token_never_shows() {
        let t = Token::new(SecretString::from(V2), "NB").unwrap();
        let dbg = format!("{t:?} {:?}", t.header());
        assert!(!dbg.contains("s3cr3t") && !dbg.contains("abcDEF"), "{dbg}");
        let err = Token::new(SecretString::from("nbt_leak me"), "NB")
            .unwrap_err()
            .to_string();
        assert!(!err.contains("leak"), "{err}");
    }
}
