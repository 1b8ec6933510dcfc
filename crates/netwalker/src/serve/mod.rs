//! `netwalker serve`: the inventory in a browser and an HTTP API
//! (feature `serve`).
//!
//! Server-rendered pages (askama templates compiled into the binary, every
//! value HTML-escaped unless a template says otherwise; one small embedded
//! stylesheet, no JavaScript, nothing fetched from the internet) and a JSON
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
//! **Limits.** Every request has a deadline ([`ServeOptions::request_timeout`])
//! and a body limit; the server listens only on loopback addresses, since
//! there is no authentication yet ([`listen::check_listen`]); it stops on
//! Ctrl-C or SIGTERM, letting requests in flight finish within a bounded
//! grace ([`listen::serve`]).
//!
//! Files: `router.rs` (state, routes, layers), `reads.rs` (store reads off
//! the runtime, bounded), `catalogue.rs` (the device list one request sees),
//! `query.rs` (filters, sorting, paging), `search.rs`, `detail.rs` (one
//! device's page data), `pages.rs` (HTML handlers), `templates.rs`,
//! `api.rs` (JSON handlers and types), `errors.rs`, `listen.rs` (binding,
//! loopback check, graceful shutdown).

mod api;
mod catalogue;
mod detail;
mod errors;
mod hosts;
mod listen;
mod pages;
mod query;
mod reads;
mod router;
mod search;
mod templates;

pub use errors::ServeError;
pub use listen::{Server, Stopped, check_listen, serve, shutdown_signal};
pub use router::router;

use crate::site::SitePattern;
use crate::store::StoreLocation;
use std::net::SocketAddr;
use std::time::Duration;

/// Where the default `--listen` points: loopback, port 8080.
pub const DEFAULT_LISTEN: &str = "127.0.0.1:8080";

/// What `netwalker serve` serves and how.
#[derive(Debug, Clone)]
pub struct ServeOptions {
    /// The store read by every request (SQLite file or PostgreSQL).
    pub store: StoreLocation,
    /// The address to listen on; loopback only until authentication exists.
    pub listen: SocketAddr,
    /// Groups devices into sites (a site column and filter) when given.
    pub site_pattern: Option<SitePattern>,
    /// Deadline of each request, store reads included.
    pub request_timeout: Duration,
    /// How long requests in flight get to finish after Ctrl-C or SIGTERM.
    pub grace: Duration,
    /// Store reads running at once; more wait (within their deadline).
    pub max_reads: usize,
    /// Largest request body accepted, in bytes (every route is a GET).
    pub max_body_bytes: usize,
}

impl ServeOptions {
    /// Defaults for everything but the store: loopback port 8080, a 10 s
    /// request deadline, 5 s of grace, 8 concurrent reads, 64 KiB bodies.
    pub fn new(store: impl Into<StoreLocation>) -> ServeOptions {
        ServeOptions {
            store: store.into(),
            listen: DEFAULT_LISTEN.parse().expect("static address"),
            site_pattern: None,
            request_timeout: Duration::from_secs(10),
            grace: Duration::from_secs(5),
            max_reads: 8,
            max_body_bytes: 64 * 1024,
        }
    }
}
