//! Typed errors: a caller can tell a sleeping hub from a broken reply.

use std::time::Duration;

/// What went wrong talking to a hub. Every variant names the hub and the call.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// Nothing answered at the address (refused, no route, connect timeout).
    #[error(
        "hub {host}: {op} could not connect ({detail}); a battery hub sleeps when idle: wake it or check the address"
    )]
    Unreachable {
        host: String,
        op: &'static str,
        detail: String,
    },
    /// Connected, but no complete reply within the request timeout.
    #[error(
        "hub {host}: {op} got no reply within {timeout:?}; the hub may be busy or asleep, retry or raise --timeout"
    )]
    Timeout {
        host: String,
        op: &'static str,
        timeout: Duration,
    },
    /// Any status but 200.
    #[error("hub {host}: {op} answered HTTP {status} (reply starts {body_start:?})")]
    HttpStatus {
        host: String,
        op: &'static str,
        status: u16,
        body_start: String,
    },
    /// A 200 whose body is not what the protocol says (bad JSON, HTML, cut off).
    #[error("hub {host}: {op} sent a malformed reply: {reason}; first bytes: {first_bytes:?}")]
    Malformed {
        host: String,
        op: &'static str,
        reason: String,
        first_bytes: String,
    },
    /// The hub reports no actuators (or an empty list) where some were needed.
    #[error("hub {host} reports no actuators")]
    NoActuators { host: String },
    /// The config has neither an `endpoints` list nor `api_key` + `hub`.
    #[error(
        "hub {host}: config has neither an `endpoints` list nor `api_key` and `hub` sections; this firmware cannot be pointed at a server"
    )]
    UnsupportedConfigFormat { host: String },
    /// The hub said success but reading the config back shows otherwise.
    #[error("hub {host}: config/set answered success but {what} did not persist")]
    NotPersisted { host: String, what: String },
    #[error("invalid hub address {addr:?}: {reason}")]
    InvalidAddress { addr: String, reason: String },
    #[error("invalid argument: {0}")]
    InvalidArgument(String),
}

impl Error {
    /// Worth trying again: the hub may answer next time.
    pub fn is_transient(&self) -> bool {
        match self {
            Error::Unreachable { .. } | Error::Timeout { .. } => true,
            Error::HttpStatus { status, .. } => *status >= 500,
            Error::Malformed { reason, .. } => reason.starts_with("reply cut off"),
            _ => false,
        }
    }
}

pub type Result<T, E = Error> = std::result::Result<T, E>;

/// The first bytes of a body, printable, for error messages.
pub(crate) fn first_bytes(b: &[u8]) -> String {
    let cut = &b[..b.len().min(80)];
    String::from_utf8_lossy(cut).into_owned()
}
