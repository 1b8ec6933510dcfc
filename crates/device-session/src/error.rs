//! One error type for everything a session can fail at.
//!
//! Every variant carries the [`DeviceLabel`] so that a message read in a log
//! of a 2,000-device walk says *which* device failed and *at which step*
//! without any context from the caller. Credentials are never part of an
//! error: the types that hold them (`secrecy`) cannot be formatted, and no
//! variant has a field for them.

use std::fmt;
use std::net::SocketAddr;
use std::time::Duration;

/// Who the error is about: the canonical address when we got that far, the
/// name the caller gave (or the one learned from the prompt), and otherwise
/// what the caller typed.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct DeviceLabel {
    /// The address really connected to, once resolved: the registry's key.
    pub addr: Option<SocketAddr>,
    /// The caller's name for the device, or the one learned from its prompt.
    pub name: Option<String>,
    /// What the caller typed (name or address), for errors before resolution.
    pub host: String,
}

impl DeviceLabel {
    pub fn new(host: impl Into<String>) -> Self {
        DeviceLabel {
            addr: None,
            name: None,
            host: host.into(),
        }
    }

    pub fn with_addr(mut self, addr: SocketAddr) -> Self {
        self.addr = Some(addr);
        self
    }

    pub fn with_name(mut self, name: Option<String>) -> Self {
        if name.is_some() {
            self.name = name;
        }
        self
    }
}

impl fmt::Display for DeviceLabel {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match (&self.name, &self.addr) {
            (Some(n), Some(a)) => write!(f, "{n} ({a})"),
            (None, Some(a)) => write!(f, "{a}"),
            (Some(n), None) if *n != self.host => write!(f, "{n} ({})", self.host),
            _ => f.write_str(&self.host),
        }
    }
}

/// The step of a session's life that an error or a deadline belongs to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Step {
    /// Name resolution and the TCP connect.
    Connect,
    /// The SSH identification / key exchange, or telnet's first bytes and login prompt.
    Banner,
    /// Credentials.
    Auth,
    /// Waiting for the first CLI prompt (and learning it).
    Prompt,
    /// `enable` with its secret.
    Enable,
    /// One command, named.
    Command(String),
    /// The goodbye sequence on close.
    Goodbye,
}

impl fmt::Display for Step {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Step::Connect => f.write_str("connect"),
            Step::Banner => f.write_str("banner"),
            Step::Auth => f.write_str("authentication"),
            Step::Prompt => f.write_str("first prompt"),
            Step::Enable => f.write_str("enable"),
            Step::Command(c) => write!(f, "command {c:?}"),
            Step::Goodbye => f.write_str("goodbye"),
        }
    }
}

#[derive(Debug, Clone, thiserror::Error)]
pub enum SessionError {
    #[error(
        "{device}: connection refused (is SSH/telnet enabled on the device and the port right?)"
    )]
    Refused { device: DeviceLabel },

    #[error("{device}: unreachable: {reason}")]
    Unreachable { device: DeviceLabel, reason: String },

    #[error("{device}: timed out after {after:?} at step {step}")]
    Timeout {
        device: DeviceLabel,
        step: Step,
        after: Duration,
    },

    #[error(
        "{device}: authentication failed for user {user:?} (not retrying and not falling back to telnet, to avoid locking the account)"
    )]
    AuthFailed { device: DeviceLabel, user: String },

    #[error("{device}: enable failed (check the enable secret)")]
    EnableFailed { device: DeviceLabel },

    #[error(
        "{device}: SSH host key does not match the known_hosts entry ({detail}); remove the stale entry if the device was replaced"
    )]
    HostKeyMismatch { device: DeviceLabel, detail: String },

    /// Accept-new met an unknown host but could not record its key (read-only
    /// file, no home directory): refused rather than accepted unrecorded.
    #[error(
        "{device}: SSH host key is new but {detail}; fix the file's permissions or choose another known_hosts file"
    )]
    HostKeyNotRecorded { device: DeviceLabel, detail: String },

    /// The device offers only legacy SSH algorithms and the options say not
    /// to use them (`LegacySsh::Off`).
    #[error(
        "{device}: the device offers only legacy SSH algorithms ({offered}); to connect anyway use --legacy-ssh (legacy_ssh = \"on\" in the inventory, LegacySsh::On in the session options)"
    )]
    LegacySshRequired {
        device: DeviceLabel,
        offered: String,
    },

    #[error("{device}: SSH host key is not in known_hosts and the host-key policy is strict")]
    HostKeyUnknown { device: DeviceLabel },

    #[error("{device}: no CLI prompt found at step {step}; last bytes seen: {last_bytes:?}")]
    PromptNotFound {
        device: DeviceLabel,
        step: Step,
        last_bytes: String,
    },

    #[error("{device}: the device closed the connection during {step}")]
    Closed { device: DeviceLabel, step: Step },

    /// The caller stopped waiting for this step (dropped the future), so the
    /// session was force-closed: its stream position was unknown.
    #[error("{device}: {step} was cancelled")]
    Cancelled { device: DeviceLabel, step: Step },

    #[error("{device}: the session registry is shutting down; no new work is accepted")]
    ShuttingDown { device: DeviceLabel },

    #[error("{device}: protocol error at step {step}: {detail}")]
    Protocol {
        device: DeviceLabel,
        step: Step,
        detail: String,
    },

    /// The device sent more than the configured limit without a prompt (a
    /// device that streams forever, or never prompts). The session is
    /// closed: its stream position is unknown.
    #[error(
        "{device}: {step} produced more than {limit} bytes without a prompt; the session was closed. If the device really prints that much, raise OpenOptions::max_output_bytes"
    )]
    OutputTooLarge {
        device: DeviceLabel,
        step: Step,
        limit: usize,
    },

    /// A call on a session whose connection already ended.
    #[error("{device}: the session is already closed")]
    SessionClosed { device: DeviceLabel },
}

impl SessionError {
    pub fn device(&self) -> &DeviceLabel {
        match self {
            SessionError::Refused { device }
            | SessionError::Unreachable { device, .. }
            | SessionError::Timeout { device, .. }
            | SessionError::AuthFailed { device, .. }
            | SessionError::EnableFailed { device }
            | SessionError::HostKeyMismatch { device, .. }
            | SessionError::HostKeyUnknown { device }
            | SessionError::HostKeyNotRecorded { device, .. }
            | SessionError::LegacySshRequired { device, .. }
            | SessionError::PromptNotFound { device, .. }
            | SessionError::Closed { device, .. }
            | SessionError::Cancelled { device, .. }
            | SessionError::ShuttingDown { device }
            | SessionError::Protocol { device, .. }
            | SessionError::OutputTooLarge { device, .. }
            | SessionError::SessionClosed { device } => device,
        }
    }

    /// Whether the failure happened before anything reached the device's
    /// login stage, so that trying telnet cannot lock an account: refused,
    /// unreachable, a connect timeout, or an SSH connection the device closed
    /// during the handshake (a Cisco device without SSH keys accepts TCP 22
    /// and hangs up; no credentials were sent).
    pub fn allows_telnet_fallback(&self) -> bool {
        matches!(
            self,
            SessionError::Refused { .. }
                | SessionError::Unreachable { .. }
                | SessionError::Timeout {
                    step: Step::Connect,
                    ..
                }
                | SessionError::Closed {
                    step: Step::Banner,
                    ..
                }
        )
    }

    /// A short stable name for counting errors by kind in reports.
    pub fn kind(&self) -> &'static str {
        match self {
            SessionError::Refused { .. } => "refused",
            SessionError::Unreachable { .. } => "unreachable",
            SessionError::Timeout { .. } => "timeout",
            SessionError::AuthFailed { .. } => "auth_failed",
            SessionError::EnableFailed { .. } => "enable_failed",
            SessionError::HostKeyMismatch { .. } => "host_key_mismatch",
            SessionError::HostKeyUnknown { .. } => "host_key_unknown",
            SessionError::HostKeyNotRecorded { .. } => "host_key_not_recorded",
            SessionError::LegacySshRequired { .. } => "legacy_ssh_required",
            SessionError::PromptNotFound { .. } => "prompt_not_found",
            SessionError::Closed { .. } => "closed",
            SessionError::Cancelled { .. } => "cancelled",
            SessionError::ShuttingDown { .. } => "shutting_down",
            SessionError::Protocol { .. } => "protocol",
            SessionError::OutputTooLarge { .. } => "output_too_large",
            SessionError::SessionClosed { .. } => "session_closed",
        }
    }
}

/// The tail of what a device sent, for an error message: lossy UTF-8, about
/// `max` bytes, cut on a char boundary.
pub(crate) fn tail_lossy(bytes: &[u8], max: usize) -> String {
    let start = bytes.len().saturating_sub(max);
    let s = String::from_utf8_lossy(&bytes[start..]);
    s.into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn display_names_device_and_step() {
        let d = DeviceLabel::new("sw1.example")
            .with_addr("127.0.0.9:22".parse().unwrap())
            .with_name(Some("sw1".into()));
        let e = SessionError::Timeout {
            device: d.clone(),
            step: Step::Command("show version".into()),
            after: Duration::from_secs(3),
        };
        let s = e.to_string();
        assert!(s.contains("sw1 (127.0.0.9:22)"), "{s}");
        assert!(s.contains("command \"show version\""), "{s}");
        let e = SessionError::PromptNotFound {
            device: DeviceLabel::new("10.0.0.1"),
            step: Step::Prompt,
            last_bytes: "Welcome".into(),
        };
        assert!(e.to_string().starts_with("10.0.0.1: no CLI prompt"));
        assert!(e.to_string().contains("Welcome"));
    }

    #[test]
    fn fallback_only_before_login() {
        let d = DeviceLabel::new("x");
        assert!(SessionError::Refused { device: d.clone() }.allows_telnet_fallback());
        assert!(
            SessionError::Closed {
                device: d.clone(),
                step: Step::Banner
            }
            .allows_telnet_fallback()
        );
        assert!(
            !SessionError::Closed {
                device: d.clone(),
                step: Step::Auth
            }
            .allows_telnet_fallback()
        );
        assert!(
            !SessionError::AuthFailed {
                device: d.clone(),
                user: "admin".into()
            }
            .allows_telnet_fallback()
        );
        assert!(
            !SessionError::Timeout {
                device: d,
                step: Step::Banner,
                after: Duration::from_secs(1)
            }
            .allows_telnet_fallback()
        );
    }

    #[test]
    fn tail_is_bounded_and_lossy() {
        let mut v = vec![b'a'; 500];
        v.push(0xff);
        let t = tail_lossy(&v, 200);
        assert!(t.len() <= 203);
        assert!(t.ends_with('\u{fffd}'));
    }
}
