//! What can go wrong creating users, passwords and tokens.

use super::role::Name;

/// An error of the account functions; no message carries a secret.
#[derive(Debug, thiserror::Error)]
pub enum AuthError {
    /// A user or token name outside the allowed alphabet or length.
    #[error(
        "{0:?} is not a valid name: use 1 to {max} letters, digits, '.', '_', '-' or '@'",
        max = Name::MAX_CHARS
    )]
    BadName(String),
    /// A role other than admin or viewer.
    #[error("{0:?} is not a role: use admin or viewer")]
    BadRole(String),
    /// The password is too short to be worth hashing.
    #[error("the password is too short: use at least {0} characters")]
    ShortPassword(usize),
    /// The OS random source failed (tokens, salts and keys need it).
    #[error("the system's random number source failed: {0}")]
    Random(String),
    /// The password hasher refused its input.
    #[error("the password could not be hashed: {0}")]
    Hash(String),
    /// A session key that is too short to sign with.
    #[error("the session key is too short: use at least {0} bytes")]
    ShortKey(usize),
}
