//! The session cookie: who logged in, their role, until when, and the
//! fingerprint of their password hash, signed with HMAC-SHA256 under a key
//! only the server holds. Nothing is written server-side: the server checks
//! the signature and the expiry, then (per request) that the user still
//! exists with that role and that password hash.
//!
//! CSRF tokens are HMACs of the same key over what binds a form to its
//! browser (the session cookie, or before login a random pre-session
//! cookie), so a page of another site can neither read nor forge one.
//!
//! Every parser here is a pure total function over `&str`.

use super::error::AuthError;
use super::random;
use super::role::{Name, Role};
use crate::model::UnixTime;
use data_encoding::BASE64URL_NOPAD;
use hmac::{Hmac, KeyInit, Mac};
use secrecy::{ExposeSecret, SecretBox};
use sha2::Sha256;
use std::fmt;

/// Domain separation: a session signature is never a valid CSRF token.
const SESSION_TAG: &[u8] = b"netwalker-session\0";
/// Domain separation for CSRF tokens.
const CSRF_TAG: &[u8] = b"netwalker-csrf\0";

/// Who a valid session cookie says is logged in.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Session {
    /// The user who logged in.
    pub user: Name,
    /// Their role at login; a session whose role no longer matches the
    /// store's is refused.
    pub role: Role,
    /// Unix time from which the cookie is refused.
    pub expires: UnixTime,
    /// [`super::fingerprint`] of the password hash at login.
    pub fingerprint: String,
}

/// Why a cookie was not accepted (the server answers all the same way).
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum SessionRefused {
    /// Not of our format at all.
    #[error("malformed session cookie")]
    Malformed,
    /// The signature does not match: forged, edited, or signed under another key
    /// (a server restart without a configured key).
    #[error("session cookie signature does not match")]
    Tampered,
    /// Past its expiry.
    #[error("session expired")]
    Expired,
}

/// The key sessions and CSRF tokens are signed with: random per server
/// start unless one is configured.
pub struct SessionKey(SecretBox<Vec<u8>>);

impl fmt::Debug for SessionKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("SessionKey(..)")
    }
}

impl SessionKey {
    /// Shorter configured keys are refused.
    pub const MIN_BYTES: usize = 32;

    /// A fresh random 32-byte key.
    pub fn random() -> Result<SessionKey, AuthError> {
        let k = random::bytes::<32>()?;
        Ok(SessionKey(SecretBox::new(Box::new(k.to_vec()))))
    }

    /// A configured key (kept across restarts, shared by several servers).
    pub fn from_bytes(bytes: Vec<u8>) -> Result<SessionKey, AuthError> {
        if bytes.len() < Self::MIN_BYTES {
            return Err(AuthError::ShortKey(Self::MIN_BYTES));
        }
        Ok(SessionKey(SecretBox::new(Box::new(bytes))))
    }

    fn mac(&self, tag: &[u8], data: &[u8]) -> Hmac<Sha256> {
        let mut m = <Hmac<Sha256> as KeyInit>::new_from_slice(self.0.expose_secret())
            .expect("HMAC takes keys of any length");
        m.update(tag);
        m.update(data);
        m
    }

    /// The cookie value for `s`: base64url payload, `.`, base64url signature.
    pub fn seal(&self, s: &Session) -> String {
        let payload = format!("{}:{}:{}:{}", s.user, s.role, s.expires, s.fingerprint);
        let payload = BASE64URL_NOPAD.encode(payload.as_bytes());
        let sig = self
            .mac(SESSION_TAG, payload.as_bytes())
            .finalize()
            .into_bytes();
        format!("{payload}.{}", BASE64URL_NOPAD.encode(&sig))
    }

    /// The session `cookie` carries, if its signature is ours and it has
    /// not expired at `now`.
    pub fn open(&self, cookie: &str, now: UnixTime) -> Result<Session, SessionRefused> {
        let (payload, sig) = cookie.split_once('.').ok_or(SessionRefused::Malformed)?;
        let sig = BASE64URL_NOPAD
            .decode(sig.as_bytes())
            .map_err(|_| SessionRefused::Malformed)?;
        self.mac(SESSION_TAG, payload.as_bytes())
            .verify_slice(&sig)
            .map_err(|_| SessionRefused::Tampered)?;
        let session = parse_payload(payload).ok_or(SessionRefused::Malformed)?;
        if now >= session.expires {
            return Err(SessionRefused::Expired);
        }
        Ok(session)
    }

    /// The CSRF token of forms shown to the browser `binding` identifies.
    pub fn csrf_token(&self, binding: &str) -> String {
        let tag = self
            .mac(CSRF_TAG, binding.as_bytes())
            .finalize()
            .into_bytes();
        BASE64URL_NOPAD.encode(&tag)
    }

    /// Whether `presented` is [`csrf_token`](Self::csrf_token) of
    /// `binding` (constant-time comparison).
    pub fn check_csrf(&self, binding: &str, presented: &str) -> bool {
        match BASE64URL_NOPAD.decode(presented.as_bytes()) {
            Ok(tag) => self
                .mac(CSRF_TAG, binding.as_bytes())
                .verify_slice(&tag)
                .is_ok(),
            Err(_) => false,
        }
    }
}

fn parse_payload(b64: &str) -> Option<Session> {
    let bytes = BASE64URL_NOPAD.decode(b64.as_bytes()).ok()?;
    let text = String::from_utf8(bytes).ok()?;
    let mut parts = text.split(':');
    let (user, role, expires, fp) = (parts.next()?, parts.next()?, parts.next()?, parts.next()?);
    if parts.next().is_some() {
        return None;
    }
    Some(Session {
        user: Name::new(user).ok()?,
        role: role.parse().ok()?,
        expires: expires.parse().ok()?,
        fingerprint: fp.to_string(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn session(expires: UnixTime) -> Session {
        Session {
            user: Name::new("alice").unwrap(),
            role: Role::Viewer,
            expires,
            fingerprint: "0123456789abcdef".into(),
        }
    }

    #[test]
    fn a_sealed_session_opens_until_it_expires() {
        let key = SessionKey::random().unwrap();
        let c = key.seal(&session(1000));
        assert_eq!(key.open(&c, 999), Ok(session(1000)));
        assert_eq!(key.open(&c, 1000), Err(SessionRefused::Expired));
        let other = SessionKey::random().unwrap();
        assert_eq!(other.open(&c, 999), Err(SessionRefused::Tampered));
    }

    #[test]
    fn an_edited_payload_is_refused() {
        let key = SessionKey::random().unwrap();
        let c = key.seal(&session(1000));
        let (_, sig) = c.split_once('.').unwrap();
        let forged = BASE64URL_NOPAD.encode(b"alice:admin:1000:0123456789abcdef");
        assert_eq!(
            key.open(&format!("{forged}.{sig}"), 999),
            Err(SessionRefused::Tampered)
        );
        assert_eq!(key.open("nonsense", 0), Err(SessionRefused::Malformed));
    }

    #[test]
    fn csrf_tokens_bind_to_their_browser() {
        let key = SessionKey::random().unwrap();
        let t = key.csrf_token("cookie-a");
        assert!(key.check_csrf("cookie-a", &t));
        assert!(!key.check_csrf("cookie-b", &t));
        assert!(!key.check_csrf("cookie-a", ""));
        assert!(!key.check_csrf("cookie-a", "%%%"));
        // A session signature is not a CSRF token of the same text.
        let c = key.seal(&session(1000));
        let (payload, sig) = c.split_once('.').unwrap();
        assert!(!key.check_csrf(payload, sig));
    }

    #[test]
    fn short_configured_keys_are_refused() {
        assert!(SessionKey::from_bytes(vec![1; 31]).is_err());
        assert!(SessionKey::from_bytes(vec![1; 32]).is_ok());
    }

    proptest! {
        #[test]
        fn opening_any_text_never_panics(s in ".*", now in any::<i64>()) {
            let key = SessionKey::from_bytes(vec![7; 32]).unwrap();
            let _ = key.open(&s, now);
            let _ = key.check_csrf(&s, &s);
        }
    }
}
