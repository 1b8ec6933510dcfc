//! SSH and telnet CLI sessions to network devices that never hang and never leak.
//!
//! # Who owns the socket
//!
//! [`Registry::open`] resolves the target, connects (SSH first; telnet only
//! if SSH was refused or unreachable, never after an authentication failure),
//! logs in, learns the prompt and prepares the terminal. Until that returns,
//! the half-built connection lives on the `open` future's stack: any failure
//! or cancellation drops it there, and nothing was registered.
//!
//! On success the connection moves into a *connection task* spawned on the
//! registry's `TaskTracker`, and the registry records it under the address it
//! really connected to (never the string the caller typed). The task holds
//! the only *lease* for that entry. The caller gets a
//! [`Session`], a handle that sends requests (`run`, `close`) to the task.
//!
//! # Close versus drop
//!
//! - [`Session::close`] asks the task to say goodbye the way the platform
//!   wants (`end` if in config mode, then `exit`) and to wait — bounded by the
//!   goodbye deadline — for the device to close its side. Then the lease is
//!   released as *graceful* (or *forced*, if the device did not let go in time).
//! - Dropping a `Session` without `close()` (early return, `?`, panic in the
//!   owner, a cancelled `run`) closes the request channel; the task notices,
//!   drops the socket at once and the lease's `Drop` releases it as *forced*.
//!
//! Either way the lease is released exactly once, because it is a value that
//! is consumed or dropped exactly once.
//!
//! # Shutdown is bounded
//!
//! [`Registry::shutdown`]`(grace)` marks the registry closed (new opens fail
//! with [`SessionError::ShuttingDown`]), cancels the *goodbye* token (every
//! connection task says goodbye, opens in flight are abandoned), and awaits
//! the tracker for at most `grace`. What is still running then gets the
//! *kill* token: every read and write in the CLI engine selects on it, so the
//! tasks drop their sockets without waiting on any peer, and the tracker
//! empties. Total time: `grace` plus local work, whatever the peers do.
//!
//! Every network await has its own deadline (connect, banner, auth, first
//! prompt, each command, goodbye) and fails with a [`SessionError`] naming
//! the device and the step. A target given as a name is resolved by the
//! registry's [`Resolver`] within the connect deadline: each lookup on a
//! detached thread (never tokio's blocking pool, so a stuck one cannot hold
//! the runtime's shutdown), with a bounded number in flight.
//!
//! # Example
//!
//! ```no_run
//! # async fn demo() -> Result<(), device_session::SessionError> {
//! use device_session::{Credentials, OpenOptions, Registry, Target};
//! use std::time::Duration;
//!
//! let registry = Registry::new();
//! let creds = Credentials::password("admin", "secret").with_enable_secret("s3cret");
//! let mut s = registry
//!     .open(&Target::new("sw1.example.net"), &creds, &OpenOptions::default())
//!     .await?;
//! let out = s.run("show version").await?;
//! println!("{:?} on {}: {} lines", s.platform(), s.addr(), out.text.lines().count());
//! s.close().await?;
//!
//! // End of the program: nothing may stay open, and this cannot hang.
//! let report = registry.shutdown(Duration::from_secs(5)).await;
//! assert_eq!(report.still_open, 0);
//! # Ok(())
//! # }
//! ```

// Errors are the cold path and carry the device label by value so every
// message is self-contained; their size does not matter.
#![allow(clippy::result_large_err)]

mod cli;
mod error;
mod known_hosts;
mod options;
pub mod profile;
mod registry;
mod resolve;
mod session;
mod telnet;
mod transport;

pub use cli::{BoxIo, Io, Output};
pub use error::{DeviceLabel, SessionError, Step};
pub use options::{
    Credentials, DEFAULT_MAX_OUTPUT, HostKeyPolicy, LegacySsh, OpenOptions, Target, Timeouts,
    Transports,
};
pub use registry::{Counters, Leak, Registry, ShutdownReport};
pub use resolve::{Lookup, Resolver};
pub use session::{Session, SessionInfo};
pub use telnet::TelnetStream;
pub use transport::TransportKind;

use std::sync::LazyLock;

static GLOBAL: LazyLock<Registry> = LazyLock::new(Registry::new);

/// The process-wide registry, for programs that need only one.
pub fn global() -> &'static Registry {
    &GLOBAL
}

/// Opens a session in the process-wide registry.
pub async fn open(
    target: &Target,
    credentials: &Credentials,
    options: &OpenOptions,
) -> Result<Session, SessionError> {
    GLOBAL.open(target, credentials, options).await
}
