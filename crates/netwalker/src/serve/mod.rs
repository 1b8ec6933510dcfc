//! `netwalker serve`: the inventory in a browser and an HTTP API
//! (feature `serve`).
//!
//! Server-rendered pages (askama templates compiled into the binary, every
//! value HTML-escaped unless a template says otherwise; one small embedded
//! stylesheet, no JavaScript except the map's, nothing fetched from the
//! internet) and a JSON
//! API under `/api/v1/` whose field names are `inventory.json`'s (the
//! [`crate::model::InventoryDevice`] and [`crate::model::InventoryLink`]
//! types, with a few fields the file lacks added beside them).
//!
//! **How requests read the store.** A rusqlite `Connection` is `Send` but
//! not `Sync`, so it cannot be shared by concurrent handlers without a
//! lock, and a lock would serialise every request behind the slowest.
//! Instead each request opens its own read-only [`StoreReader`](crate::store::StoreReader) on tokio's
//! blocking pool ([`reads::Reads`]): opening is a file open and a schema
//! check (far below the cost of the reads a page makes), the store is in
//! WAL mode so readers never block a walk writing meanwhile, each request
//! reads one consistent snapshot, and a walk's new devices show on the next
//! request without any cache to invalidate. A semaphore bounds how many
//! reads (and connections) run at once; a read that outlives its request's
//! deadline is interrupted (`sqlite3_interrupt`; on PostgreSQL a cancel
//! request), so a slow query cannot keep a blocking thread after its client
//! got its 503. On PostgreSQL each request opens a connection (a TCP
//! connect and a login, a few milliseconds on a LAN; a pool is the next
//! step if that shows).
//!
//! **Who may read.** On loopback over a store without users, anyone who
//! can reach the port. Once the store has a user (`netwalker user add`),
//! or with [`AuthPolicy::Required`], every page and API call needs a login
//! (a signed session cookie) or an API token ([`auth`]); viewers cannot
//! reach admin pages; every state-changing form carries a CSRF token
//! ([`csrf`]). Any address but loopback needs users
//! ([`listen::check_listen`]) and then always asks for a login.
//!
//! **Limits.** Every request has a deadline ([`ServeOptions::request_timeout`])
//! and a body limit; a client has [`ServeOptions::header_timeout`] to send
//! a request's head; at most [`ServeOptions::max_connections`] connections
//! are open ([`accept`]); failed logins back off per address and per user
//! ([`backoff`]). The server stops on Ctrl-C or SIGTERM, letting requests
//! in flight finish within a bounded grace ([`listen::serve`]).
//!
//! Files: `router.rs` (state, routes, layers), `reads.rs` (store reads off
//! the runtime, bounded), `catalogue.rs` (the device list one request sees),
//! `query.rs` (filters, sorting, paging), `search.rs`, `detail.rs` (one
//! device's page data), `pages.rs` (HTML handlers), `templates.rs`,
//! `api.rs` (JSON handlers and types), `runs.rs` (runs, page and API; the
//! VLAN API), `walks.rs` (walks started through the server), `reports.rs`
//! (the Reports pages and downloads), `export.rs` (the device list's view
//! as CSV/xlsx), `map.rs` (the interactive topology: whole, a site, a
//! device's neighbourhood), `csp.rs` (the pages' policies), `origin.rs`
//! (cross-site requests), `errors.rs`, `listen.rs` (binding, the
//! non-loopback rule, graceful shutdown), `accept.rs` (the accept loop:
//! connection cap, head deadline), `auth.rs` (who is asking; the admin
//! extractor), `csrf.rs`, `cookies.rs`, `login.rs` (login, logout),
//! `backoff.rs` (failed logins), `admin.rs` (admin pages), `openapi.rs`
//! (the API's OpenAPI document, derived from the handlers and types).

mod accept;
mod admin;
mod api;
mod auth;
mod backoff;
mod catalogue;
mod cookies;
mod csp;
mod csrf;
mod detail;
mod errors;
mod export;
mod hosts;
mod listen;
mod login;
mod map;
mod openapi;
mod origin;
mod pages;
mod query;
mod reads;
mod reports;
mod router;
mod runs;
mod search;
mod templates;
mod walks;

pub use auth::AuthPolicy;
pub use errors::ServeError;
pub use listen::{
    Server, Stopped, check_listen, count_users, effective_policy, serve, shutdown_signal,
};
pub use router::router;

use crate::auth::SessionKey;
use crate::site::SitePattern;
use crate::store::StoreLocation;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

/// Where the default `--listen` points: loopback, port 8080.
pub const DEFAULT_LISTEN: &str = "127.0.0.1:8080";

/// What `netwalker serve` serves and how.
#[derive(Debug, Clone)]
pub struct ServeOptions {
    /// The store read by every request (SQLite file or PostgreSQL).
    pub store: StoreLocation,
    /// The address to listen on; anything but loopback needs users.
    pub listen: SocketAddr,
    /// Groups devices into sites (a site column and filter) when given.
    pub site_pattern: Option<SitePattern>,
    /// Deadline of each request, store reads included.
    pub request_timeout: Duration,
    /// How long requests in flight get to finish after Ctrl-C or SIGTERM.
    pub grace: Duration,
    /// Store reads running at once; more wait (within their deadline).
    pub max_reads: usize,
    /// Largest request body accepted, in bytes (forms are small).
    pub max_body_bytes: usize,
    /// When a login is asked for (forced to `Required` off loopback).
    pub auth: AuthPolicy,
    /// Signs sessions and CSRF tokens; `None`: a random key per start
    /// (a restart logs everyone out).
    pub session_key: Option<Arc<SessionKey>>,
    /// How long a login lasts.
    pub session_ttl: Duration,
    /// Cookies get `Secure`: a TLS proxy in front speaks HTTPS to browsers.
    pub behind_tls: bool,
    /// Connections open at once; more wait in the kernel's backlog.
    pub max_connections: usize,
    /// How long a client has to send a request's head (also the idle
    /// time of a keep-alive connection).
    pub header_timeout: Duration,
    /// Password checks (argon2) running at once.
    pub max_logins: usize,
    /// Starts walks from the Runs page and `POST /api/v1/runs`; `None`
    /// (no device credentials): walks are off.
    pub walks: Option<crate::run::WalkLauncher>,
}

impl ServeOptions {
    /// Defaults for everything but the store: loopback port 8080, a 10 s
    /// request deadline, 5 s of grace, 8 concurrent reads, 64 KiB bodies,
    /// login when the store has users, 12 h sessions under a random key,
    /// 256 connections, 10 s to send a request head, 2 password checks at once.
    pub fn new(store: impl Into<StoreLocation>) -> ServeOptions {
        ServeOptions {
            store: store.into(),
            listen: DEFAULT_LISTEN.parse().expect("static address"),
            site_pattern: None,
            request_timeout: Duration::from_secs(10),
            grace: Duration::from_secs(5),
            max_reads: 8,
            max_body_bytes: 64 * 1024,
            walks: None,
            auth: AuthPolicy::Auto,
            session_key: None,
            session_ttl: Duration::from_secs(12 * 3600),
            behind_tls: false,
            max_connections: 256,
            header_timeout: Duration::from_secs(10),
            max_logins: 2,
        }
    }
}
