//! Bytes from the operating system's random source.

use super::error::AuthError;

/// `N` random bytes from the OS (getrandom).
pub(super) fn bytes<const N: usize>() -> Result<[u8; N], AuthError> {
    let mut buf = [0u8; N];
    getrandom::fill(&mut buf).map_err(|e| AuthError::Random(e.to_string()))?;
    Ok(buf)
}

/// 16 random bytes in base64url: a value nobody can guess (the
/// pre-session cookie a login form's CSRF token is bound to).
pub fn nonce() -> Result<String, AuthError> {
    Ok(data_encoding::BASE64URL_NOPAD.encode(&bytes::<16>()?))
}
