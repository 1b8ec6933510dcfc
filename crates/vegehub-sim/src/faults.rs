//! Fault modes: the ways real hubs (and the networks they sit on) misbehave.
//!
//! Faults apply to the hub API (`/api/...`) only; the simulator's own `/_sim/...`
//! control endpoints always answer normally so a test can observe and undo them.

use serde::{Deserialize, Serialize};

/// What to do to the body of the next replies.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum BodyFault {
    /// Truncated JSON with a JSON content type.
    Malformed,
    /// Status 200, JSON content type, zero-length body.
    Empty,
    /// An HTML error page (what a captive portal or a proxy returns).
    Html,
    /// The correct JSON body, labelled `text/plain`.
    WrongContentType,
    /// Headers and half the body, then the connection is dropped.
    DropMidBody,
}

/// The active fault set. `Default` is a healthy hub.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct Faults {
    /// Extra delay before every API reply.
    pub latency_ms: u64,
    /// Accept the request and never answer (until shutdown).
    pub hang: bool,
    /// Answer the next `error_count` API calls with this status instead.
    pub error_status: Option<u16>,
    /// How many more API calls get `error_status`.
    pub error_count: u32,
    /// Mangle reply bodies (persistent until cleared).
    pub body: Option<BodyFault>,
    /// Send `Connection: close` on every reply.
    pub connection_close: bool,
    /// `config/set` answers success but changes nothing.
    pub config_no_persist: bool,
    /// The next `config/set` calls answer these statuses, one each, in order
    /// (200 = handled normally; anything else changes nothing); then normal
    /// again. `[200, 200, 503]` lets two writes through and fails the third,
    /// e.g. a self-test's first restore attempt.
    pub config_set_statuses: Vec<u16>,
    /// Asleep: the port refuses connections for this long, then the hub wakes.
    /// (Write-only over HTTP: reading it back shows what was asked last.)
    pub asleep_ms: Option<u64>,
}
