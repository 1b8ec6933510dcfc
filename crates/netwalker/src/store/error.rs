//! The store's one error type, and the `ctx` helper that names the
//! operation a database error interrupted.

use super::db::DbError;
use super::location::StoreLocation;
use crate::model::{DeviceId, RunId};
use std::path::PathBuf;

/// Errors from the store. Messages name the file or the operation and what to do.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error(
        "cannot open store {path}: {source}; check that the directory exists and is writable, or choose another file with --store"
    )]
    Open {
        /// The store file, so the user knows which `--store` to fix.
        path: PathBuf,
        /// What SQLite said.
        source: DbError,
    },
    #[error(
        "cannot connect to the store {store}: {source}; check the URL (user, password, host, port, database), that the server runs and that the database exists"
    )]
    Connect {
        /// The database (its password masked), so the user knows which `--store` to fix.
        store: StoreLocation,
        /// What the PostgreSQL client said.
        source: DbError,
    },
    #[error(
        "{store} is not a netwalker store ({detail}); choose another --store, or delete it to start afresh"
    )]
    NotAStore {
        /// The file or database that is something else.
        store: StoreLocation,
        /// Why it is not ours (not a database, or one with other tables).
        detail: String,
    },
    #[error(
        "store {store} has schema version {found}, newer than this netwalker supports ({supported}); upgrade netwalker or use another --store"
    )]
    TooNew {
        /// The store a newer netwalker wrote.
        store: StoreLocation,
        /// Its schema version.
        found: i64,
        /// The newest version this build reads, to show how far apart they are.
        supported: i64,
    },
    #[error("store error while {context}: {source}")]
    Database {
        /// The operation that failed, in words (see `Context::ctx`).
        context: String,
        /// What the database said.
        source: DbError,
    },
    #[error(
        "store contains an unreadable {what}: {detail}; the file may have been edited by hand or written by another tool"
    )]
    Corrupt {
        /// The kind of value that did not parse (e.g. "device status").
        what: &'static str,
        /// Which row, and the parser's complaint.
        detail: String,
    },
    /// A worker's store has no schema yet, or an older one: the walk's
    /// submitter (the writer) creates or upgrades it.
    #[error(
        "store {store} has schema version {found}, this netwalker needs {wanted}; a `netwalker discover --distributed` on it creates or upgrades it"
    )]
    SchemaNotReady {
        /// The store (masked).
        store: StoreLocation,
        /// Its version (0: none).
        found: i64,
        /// This build's.
        wanted: i64,
    },
    #[error("{0} is not in the store")]
    UnknownRun(RunId),
    #[error("device {0} is not in the store")]
    UnknownDevice(DeviceId),
    /// Another process writes to this store (see [`lock`](super::lock)).
    #[error(
        "store {store} is in use by another netwalker process ({holder}); wait for that run to finish or stop it (Ctrl-C lets it save its work), or use another --store. Reports, diagrams, exec and dns-check can read the store meanwhile"
    )]
    Locked {
        /// The store that is busy.
        store: StoreLocation,
        /// Who holds it (pid, host, start time, command), so the user knows
        /// which process to wait for or stop.
        holder: String,
    },
    #[error(
        "cannot lock store {path} for writing ({lock}: {source}); check that the directory exists and is writable, or choose another file with --store"
    )]
    Lock {
        /// The store that was to be locked.
        path: PathBuf,
        /// The sidecar file the failed operation was on.
        lock: PathBuf,
        /// What the OS said.
        source: std::io::Error,
    },
    /// The shared transaction of a batch failed (see
    /// [`StoreWriter::commit_devices`](super::StoreWriter::commit_devices));
    /// the device was not written.
    #[error("could not write the batch this device was in: {0}")]
    Batch(String),
    /// `netwalker user add` for a name already taken.
    #[error(
        "there is already a user named {0}; change their password with `netwalker user passwd {0}`"
    )]
    UserExists(String),
    /// A user command named nobody.
    #[error("there is no user named {0}; `netwalker user list` shows who there is")]
    UnknownUser(String),
    /// `netwalker token add` for a name already taken.
    #[error("there is already a token named {0}; remove it first or choose another name")]
    TokenExists(String),
    /// A token command named no token.
    #[error("there is no token named {0}; `netwalker token list` shows the tokens")]
    UnknownToken(String),
}

pub type Result<T, E = StoreError> = std::result::Result<T, E>;

/// Turns a database error into [`StoreError::Database`] naming the operation.
pub(super) trait Context<T> {
    fn ctx(self, context: impl FnOnce() -> String) -> Result<T>;
}

impl<T, E: Into<DbError>> Context<T> for std::result::Result<T, E> {
    fn ctx(self, context: impl FnOnce() -> String) -> Result<T> {
        self.map_err(|source| StoreError::Database {
            context: context(),
            source: source.into(),
        })
    }
}
