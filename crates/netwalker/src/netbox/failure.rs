//! How a NetBox request failed, in the words a user acts on: who failed
//! (NetBox did not answer, refused the token, rejected the objects, or
//! failed itself) and what to do next. Shared by the read phase's and the
//! write phase's errors, so both say the same thing for the same failure.

use super::client::NetboxError;

/// The kind of failure, from the user's side.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Failure {
    /// No answer: connection refused or dropped, or the deadline passed.
    Unreachable,
    /// HTTP 401/403: the token was refused or lacks a permission.
    Refused,
    /// Another HTTP 4xx: NetBox rejected what was sent.
    Rejected,
    /// HTTP 5xx: NetBox itself failed.
    ServerError,
    /// An answer that is not what the API documents (or a bad URL).
    Unexpected,
}

impl Failure {
    /// The failure of `e`.
    pub fn of(e: &NetboxError) -> Failure {
        match e {
            NetboxError::Timeout { .. } | NetboxError::Transport { .. } => Failure::Unreachable,
            NetboxError::Http {
                status: 401 | 403, ..
            } => Failure::Refused,
            NetboxError::Http { status, .. } if *status >= 500 => Failure::ServerError,
            NetboxError::Http { .. } => Failure::Rejected,
            NetboxError::Decode { .. } | NetboxError::Url { .. } => Failure::Unexpected,
        }
    }

    /// What happened to NetBox, after "NetBox at URL ".
    pub fn happened(self) -> &'static str {
        match self {
            Failure::Unreachable => "did not answer",
            Failure::Refused => "refused the API token",
            Failure::Rejected => "rejected a request",
            Failure::ServerError => "failed (a server error: its own log says why)",
            Failure::Unexpected => "gave an unexpected answer",
        }
    }

    /// What to do before running the sync again.
    pub fn remedy(self) -> &'static str {
        match self {
            Failure::Unreachable => {
                "check that NetBox is running and reachable at that URL (or raise --timeout for a slow one)"
            }
            Failure::Refused => {
                "check the token in the --token-env variable: it must exist, be enabled and be allowed to write (not read-only)"
            }
            Failure::Rejected => "fix what NetBox objects to",
            Failure::ServerError => "look at NetBox's log, and fix what it reports",
            Failure::Unexpected => "check that the URL is NetBox's (a supported version, 4.x)",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn http(status: u16) -> NetboxError {
        NetboxError::Http {
            what: "x".into(),
            status,
            body: String::new(),
        }
    }

    #[test]
    fn each_error_has_its_own_advice() {
        let timeout = NetboxError::Timeout {
            what: "x".into(),
            secs: 1,
        };
        assert_eq!(Failure::of(&timeout), Failure::Unreachable);
        assert_eq!(Failure::of(&http(403)), Failure::Refused);
        assert_eq!(Failure::of(&http(401)), Failure::Refused);
        assert_eq!(Failure::of(&http(400)), Failure::Rejected);
        assert_eq!(Failure::of(&http(500)), Failure::ServerError);
        assert_eq!(Failure::of(&http(502)), Failure::ServerError);
        let all = [
            Failure::Unreachable,
            Failure::Refused,
            Failure::Rejected,
            Failure::ServerError,
            Failure::Unexpected,
        ];
        let remedies: std::collections::HashSet<&str> = all.iter().map(|f| f.remedy()).collect();
        assert_eq!(remedies.len(), all.len());
    }
}
