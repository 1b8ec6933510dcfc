//! Who may use `netwalker serve` when it asks for a login: users with a
//! role, their argon2id password hashes, API tokens, and the signed session
//! cookie a browser carries after logging in.
//!
//! Nothing here keeps a password or a token in plain text longer than it
//! must: they arrive as [`secrecy::SecretString`], only their hashes reach
//! the store (an argon2id PHC string for a password, SHA-256 for a
//! high-entropy token), and a new token is shown once by the caller.
//!
//! Files: `role.rs` (roles, user and token names), `password.rs`
//! (hashing, verifying, the fingerprint a session carries), `token.rs`
//! (API tokens), `session.rs` (cookie signing and CSRF tokens), `random.rs`,
//! `error.rs`.

mod error;
mod password;
mod random;
mod role;
mod session;
mod token;

pub use error::AuthError;
pub use password::{
    MIN_PASSWORD_CHARS, PasswordHash, fingerprint, hash_password, verify_absent, verify_password,
};
pub use random::nonce;
pub use role::{Name, Role};
pub use session::{Session, SessionKey, SessionRefused};
pub use token::{NewToken, TOKEN_PREFIX, TokenHash, generate_token, hash_token};
