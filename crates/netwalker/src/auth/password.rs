//! Password hashing (argon2id, RustCrypto `argon2` with its default
//! parameters: 19 MiB, 2 passes, 1 lane, OWASP's recommendation) and the
//! fingerprint of a hash that a session cookie carries, so a password
//! change ends the sessions signed before it.

use super::error::AuthError;
use super::random;
use argon2::Argon2;
use argon2::password_hash::{PasswordHasher, PasswordVerifier};
use secrecy::{ExposeSecret, SecretString};
use sha2::{Digest, Sha256};
use std::fmt;
use std::sync::OnceLock;

/// Shorter passwords are refused when a user is added or changes theirs.
pub const MIN_PASSWORD_CHARS: usize = 8;

/// An argon2id PHC string (`$argon2id$v=19$m=...$salt$hash`): what the
/// store keeps instead of the password. Its `Debug` shows nothing of it.
#[derive(Clone, PartialEq, Eq)]
pub struct PasswordHash(String);

impl PasswordHash {
    /// A hash read back from the store.
    pub fn from_stored(s: String) -> PasswordHash {
        PasswordHash(s)
    }

    /// The PHC string, for the store.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for PasswordHash {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("PasswordHash(..)")
    }
}

/// Hashes `password` with a fresh random salt; refuses one shorter than
/// [`MIN_PASSWORD_CHARS`]. Slow by design (tens of milliseconds): callers
/// on an async runtime run it on the blocking pool.
pub fn hash_password(password: &SecretString) -> Result<PasswordHash, AuthError> {
    let pw = password.expose_secret();
    if pw.chars().count() < MIN_PASSWORD_CHARS {
        return Err(AuthError::ShortPassword(MIN_PASSWORD_CHARS));
    }
    Argon2::default()
        .hash_password(pw.as_bytes())
        .map(|h| PasswordHash(h.to_string()))
        .map_err(|e| AuthError::Hash(e.to_string()))
}

/// Whether `password` matches `hash` (argon2's own constant-time
/// comparison). A stored hash that does not parse matches nothing.
pub fn verify_password(password: &SecretString, hash: &PasswordHash) -> bool {
    Argon2::default()
        .verify_password(password.expose_secret().as_bytes(), hash.as_str())
        .is_ok()
}

/// The same work as [`verify_password`] for a user that does not exist,
/// always false: a login for an unknown name takes as long as a wrong
/// password, so timing does not tell which names exist.
pub fn verify_absent(password: &SecretString) -> bool {
    static DUMMY: OnceLock<Option<PasswordHash>> = OnceLock::new();
    let dummy = DUMMY.get_or_init(|| {
        let pw = random::bytes::<24>().ok()?;
        let pw: SecretString = data_encoding::BASE64URL_NOPAD.encode(&pw).into();
        hash_password(&pw).ok()
    });
    if let Some(h) = dummy {
        let _ = verify_password(password, h);
    }
    false
}

/// A short stable digest of a hash (16 hex digits of its SHA-256): a
/// session carries it and is refused once the stored hash changes. It
/// reveals nothing usable about the password (it digests a salted hash).
pub fn fingerprint(hash: &PasswordHash) -> String {
    let d = Sha256::digest(hash.as_str().as_bytes());
    d[..8].iter().map(|b| format!("{b:02x}")).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_hash_verifies_its_password_only() {
        let pw: SecretString = "correct horse".into();
        let h = hash_password(&pw).unwrap();
        assert!(h.as_str().starts_with("$argon2id$"));
        assert!(!h.as_str().contains("correct horse"));
        assert!(verify_password(&pw, &h));
        assert!(!verify_password(&"correct hors".into(), &h));
        assert!(!verify_password(
            &pw,
            &PasswordHash::from_stored("junk".into())
        ));
        assert!(!verify_absent(&pw));
        // Salted: the same password hashes differently, fingerprints too.
        let h2 = hash_password(&pw).unwrap();
        assert_ne!(h, h2);
        assert_ne!(fingerprint(&h), fingerprint(&h2));
        assert_eq!(fingerprint(&h).len(), 16);
        assert_eq!(format!("{h:?}"), "PasswordHash(..)");
    }

    #[test]
    fn short_passwords_are_refused() {
        let err = hash_password(&"short".into()).unwrap_err();
        assert!(matches!(err, AuthError::ShortPassword(MIN_PASSWORD_CHARS)));
    }
}
