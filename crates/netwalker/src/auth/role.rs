//! Roles and the names of users and tokens.

use super::error::AuthError;
use std::fmt;
use std::str::FromStr;

/// What a user may do in `netwalker serve`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Role {
    /// Reads everything and may do what changes things (start walks, see
    /// the user list).
    Admin,
    /// Reads the inventory; nothing that changes it.
    Viewer,
}

impl Role {
    /// The name stored and typed (`admin`, `viewer`).
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Admin => "admin",
            Role::Viewer => "viewer",
        }
    }
}

impl fmt::Display for Role {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Role {
    type Err = AuthError;
    fn from_str(s: &str) -> Result<Role, AuthError> {
        match s {
            "admin" => Ok(Role::Admin),
            "viewer" => Ok(Role::Viewer),
            other => Err(AuthError::BadRole(other.to_string())),
        }
    }
}

/// A user's or a token's name: 1 to 64 of `A-Z a-z 0-9 . _ - @`, so it is
/// safe in a cookie, a log line and a terminal without escaping, and never
/// contains the cookie payload's `:` separator.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Name(String);

impl Name {
    /// The longest name accepted, in characters.
    pub const MAX_CHARS: usize = 64;

    /// Checks `s` (pure, total).
    pub fn new(s: &str) -> Result<Name, AuthError> {
        let ok = !s.is_empty()
            && s.len() <= Self::MAX_CHARS
            && s.bytes()
                .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'_' | b'-' | b'@'));
        if ok {
            Ok(Name(s.to_string()))
        } else {
            Err(AuthError::BadName(s.chars().take(80).collect()))
        }
    }

    /// The name as text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for Name {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn names_and_roles() {
        for ok in ["alice", "a", "ops-team_1.x@site"] {
            assert_eq!(Name::new(ok).unwrap().as_str(), ok);
        }
        for bad in ["", "a:b", "a b", "é", "<script>", &"x".repeat(65)] {
            assert!(Name::new(bad).is_err(), "{bad:?}");
        }
        assert_eq!("admin".parse::<Role>().unwrap(), Role::Admin);
        assert_eq!("viewer".parse::<Role>().unwrap(), Role::Viewer);
        assert!("root".parse::<Role>().is_err());
    }

    proptest! {
        #[test]
        fn a_name_never_holds_a_separator(s in ".*") {
            if let Ok(n) = Name::new(&s) {
                prop_assert!(!n.as_str().contains([':', ';', ' ', '"', ',']));
            }
        }
    }
}
