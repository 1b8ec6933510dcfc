//! What can go wrong serving, and how each error answers: the pages with
//! an HTML page, the API with `{"error": "..."}`, both with the status code
//! that fits (404 unknown device, 400 bad filter, 503 past the deadline).

use crate::store::StoreError;
use axum::http::StatusCode;
use std::net::SocketAddr;
use std::time::Duration;

/// An error of `netwalker serve`: starting it, or answering one request.
#[derive(Debug, thiserror::Error)]
pub enum ServeError {
    /// `--listen` named an address other machines can reach, and the store
    /// has no users to log in as.
    #[error(
        "refusing to listen on {addr}: other machines could reach it, and the store has no users to ask for a login; add one with `netwalker user add NAME --role admin` (then every request needs a login), or listen on loopback (127.0.0.0/8 or ::1, e.g. --listen 127.0.0.1:8080)"
    )]
    NotLoopback {
        /// The address refused.
        addr: SocketAddr,
    },
    /// The listening socket could not be opened (port in use...).
    #[error("cannot listen on {addr}: {source}")]
    Bind {
        /// The address that could not be bound.
        addr: SocketAddr,
        /// Why, from the OS.
        source: std::io::Error,
    },
    /// The accept loop failed.
    #[error("the server stopped: {0}")]
    Serve(#[source] std::io::Error),
    /// No device has this name (a device page or API path).
    #[error("no device named {0:?} in the inventory")]
    NoDevice(String),
    /// No such page or report (says what was asked for).
    #[error("{0}")]
    NotFound(String),
    /// A state-changing request from another site (CSRF), or not allowed.
    #[error("{0}")]
    Forbidden(String),
    /// The request conflicts with what is running (a second walk).
    #[error("{0}")]
    Conflict(String),
    /// The server cannot do this (walks without credentials, stopping).
    #[error("{0}")]
    Unavailable(String),
    /// A download (CSV, xlsx) could not be built.
    #[error("{0}")]
    Export(String),
    /// A filter, sort or paging parameter that cannot be used; says which.
    #[error("{0}")]
    BadRequest(String),
    /// The store could not be opened or read.
    #[error("the inventory store could not be read: {0}")]
    Store(#[from] StoreError),
    /// The request's deadline passed (waiting for a read slot, or reading).
    #[error("the request took longer than {0:?} and was stopped")]
    Timeout(Duration),
    /// A store read ended without an answer (it panicked).
    #[error("a store read did not finish: {0}")]
    Task(String),
    /// The server's session key could not be made (no OS randomness).
    #[error("cannot start the server: {0}")]
    Auth(#[from] crate::auth::AuthError),
    /// A template failed to render.
    #[error("the page could not be rendered: {0}")]
    Render(#[from] askama::Error),
}

impl ServeError {
    /// The HTTP status that answers this error.
    pub fn status(&self) -> StatusCode {
        match self {
            ServeError::NoDevice(_) | ServeError::NotFound(_) => StatusCode::NOT_FOUND,
            ServeError::BadRequest(_) => StatusCode::BAD_REQUEST,
            ServeError::Forbidden(_) => StatusCode::FORBIDDEN,
            ServeError::Conflict(_) => StatusCode::CONFLICT,
            ServeError::Unavailable(_) => StatusCode::SERVICE_UNAVAILABLE,
            ServeError::Timeout(_) => StatusCode::SERVICE_UNAVAILABLE,
            _ => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }
}
