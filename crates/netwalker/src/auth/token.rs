//! API tokens for scripts: `nwt_` and 32 random bytes in base64url (43
//! characters), shown once; the store keeps only their SHA-256 (hex). A
//! token carries 256 bits of entropy, so a fast hash is enough: nobody can
//! search that space, whatever the hash costs.

use super::error::AuthError;
use super::random;
use data_encoding::BASE64URL_NOPAD;
use secrecy::{ExposeSecret, SecretString};
use sha2::{Digest, Sha256};

/// Every token starts with this, so a leaked one is recognisable (secret
/// scanners, logs) and a wrong header value is refused before any lookup.
pub const TOKEN_PREFIX: &str = "nwt_";

/// Characters after the prefix: 32 bytes in unpadded base64url.
const BODY_CHARS: usize = 43;

/// The SHA-256 of a token, hex: what the store keeps and looks tokens up by.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TokenHash(pub String);

/// A token just made: the secret to show once, and the hash to store.
pub struct NewToken {
    /// `nwt_...`: printed once on stdout, never stored.
    pub secret: SecretString,
    /// What the store keeps.
    pub hash: TokenHash,
}

/// A new random token.
pub fn generate_token() -> Result<NewToken, AuthError> {
    let bytes = random::bytes::<32>()?;
    let secret = format!("{TOKEN_PREFIX}{}", BASE64URL_NOPAD.encode(&bytes));
    let hash = digest(&secret);
    Ok(NewToken {
        secret: secret.into(),
        hash,
    })
}

/// The hash of a presented token, or `None` when it cannot be one of ours
/// (wrong prefix, length or alphabet). Pure and total.
pub fn hash_token(presented: &SecretString) -> Option<TokenHash> {
    let s = presented.expose_secret();
    let body = s.strip_prefix(TOKEN_PREFIX)?;
    let well_formed = body.len() == BODY_CHARS
        && body
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_');
    well_formed.then(|| digest(s))
}

fn digest(token: &str) -> TokenHash {
    let d = Sha256::digest(token.as_bytes());
    TokenHash(d.iter().map(|b| format!("{b:02x}")).collect())
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn a_new_token_hashes_to_its_stored_hash() {
        let t = generate_token().unwrap();
        let s = t.secret.expose_secret();
        assert!(s.starts_with(TOKEN_PREFIX));
        assert_eq!(s.len(), TOKEN_PREFIX.len() + BODY_CHARS);
        assert_eq!(hash_token(&t.secret), Some(t.hash.clone()));
        assert_eq!(t.hash.0.len(), 64);
        let other = generate_token().unwrap();
        assert_ne!(other.hash, t.hash);
        // One character changed is another token.
        let mut changed = s.to_string();
        let last = changed.pop().unwrap();
        changed.push(if last == 'A' { 'B' } else { 'A' });
        assert_ne!(hash_token(&changed.into()), Some(t.hash));
    }

    #[test]
    fn malformed_tokens_are_refused_before_hashing() {
        for bad in [
            "",
            "nwt_",
            "nwt_short",
            "xyz_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",
        ] {
            assert_eq!(hash_token(&bad.into()), None, "{bad:?}");
        }
        let spaced = format!("{TOKEN_PREFIX}{}", " ".repeat(BODY_CHARS));
        assert_eq!(hash_token(&spaced.into()), None);
    }

    proptest! {
        #[test]
        fn hashing_any_text_never_panics(s in ".*") {
            let _ = hash_token(&s.into());
        }
    }
}
