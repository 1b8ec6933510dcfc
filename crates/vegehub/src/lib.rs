//! A client library for the Vegetronix VegeHub: hub info, config get/set in
//! both firmware formats, idempotent `setup`, actuator control and status, the
//! update trigger, mDNS discovery, push (webhook) parsing and slot mapping, and
//! the VH400/THERM200 sensor transforms. The `vegehub` binary built from this
//! crate adds a CLI, a webhook listener, a bridge of pushes to MQTT (Home
//! Assistant discovery) and Prometheus, the simulator (`vegehub sim`, from the
//! `vegehub-sim` crate) and an end-to-end `selftest`.
//!
//! # Features
//!
//! `cli` builds the `vegehub` binary (clap, tracing-subscriber, anyhow) and
//! `sim` gives it the `sim` subcommand (the `vegehub-sim` crate); `bridge`
//! is the `bridge` module behind `vegehub bridge` (rumqttc,
//! prometheus-client, toml; `cli` turns it on). All are on by default. A
//! program that only needs the client library depends on this crate with
//! `default-features = false` and links none of them.
//!
//! # Ownership and shutdown
//!
//! The rule this crate keeps: every connection it opens is closed on purpose,
//! within a deadline, and nothing is left running when a call returns.
//!
//! * **One HTTP client for the program's life.** A [`Hub`] holds a
//!   `reqwest::Client` — a handle to one connection pool. [`Hub::new`] builds one
//!   (see [`http_client`]); [`Hub::with_client`] takes yours, so a program that
//!   talks to many hubs shares one pool. Cloning a `Hub` shares the pool. When
//!   the last handle is dropped the pool and its idle keep-alive connections
//!   are closed — no per-request sessions, no sleep before exit to hide
//!   "unclosed connection" warnings.
//! * **Name lookups end at their deadline** and never hold the program's exit:
//!   the client [`http_client`] builds resolves through
//!   [`resolve::DeadlineResolver`] (a detached thread per lookup, bounded by the
//!   connect timeout), not on tokio's blocking pool.
//! * **Every exchange has a deadline.** The connect timeout is set on the client
//!   the library builds; the request timeout ([`HubOptions::request_timeout`])
//!   wraps the whole exchange — connect, send, and reading the body to its end —
//!   in `tokio::time::timeout`, so it holds even for an injected client without
//!   timeouts. A sleeping hub fails fast with [`Error::Unreachable`] or
//!   [`Error::Timeout`].
//! * **Every response body is consumed or dropped.** Bodies are read to the end
//!   (bounded in size) before a call returns, so a kept-alive connection goes
//!   back to the pool clean; on error or timeout the connection is dropped.
//! * **Typed errors.** Unreachable, timeout, HTTP status, malformed reply (with
//!   the body's first bytes), no actuators, unsupported config format, and
//!   "set reported success but did not persist" are distinct [`Error`] variants.
//! * **Retries only where safe.** Reads, actuator set (setting a state again is
//!   harmless) and the update trigger retry transient failures with exponential
//!   backoff ([`RetryPolicy`]); `config/set` does not unless asked.
//! * **Discovery leaves no thread.** [`discover`] runs the mdns-sd daemon for at
//!   most its timeout and shuts it down, awaiting its acknowledgement, before
//!   returning.
//! * **Cancellation-safe cleanup.** [`selftest::run`] takes a
//!   `CancellationToken`; on failure or cancel it still switches all actuators
//!   off and restores the backed-up config, bounded by the request timeouts.

#[cfg(feature = "bridge")]
pub mod bridge;
pub mod client;
pub mod config;
pub mod discovery;
pub mod error;
pub mod listen;
pub mod push;
pub mod readings;
pub mod resolve;
pub mod selftest;
pub mod transforms;

pub use client::{ActuatorStatus, Hub, HubConfig, HubInfo, HubOptions, RetryPolicy, http_client};
pub use config::{ConfigFormat, SetupChange};
pub use discovery::{Discovered, discover};
pub use error::{Error, Result};
pub use push::{HubLayout, Push};
pub use readings::{Quantity, Reading, Transforms, readings};
pub use transforms::{Transform, therm200, vh400};
