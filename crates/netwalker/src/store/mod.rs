//! The inventory store: an embedded SQLite file (the default) or a
//! PostgreSQL database ([`StoreLocation`]), with the same schema, the same
//! versioned migrations and one copy of the logic over both ([`db`]).
//!
//! Why it looks like this:
//! - **One writer.** [`StoreWriter`] owns the only writing connection and
//!   lives on one thread ([`StoreWorker`]) that receives results over a
//!   channel. SQLite serialises writers anyway; doing it in our code makes
//!   the order explicit and keeps device tasks free of lock waits.
//! - **Batches of up to 64 devices per transaction, a savepoint per
//!   device.** The worker drains what has queued up (at most 64 results)
//!   into one [`StoreWriter::commit_devices`] transaction; each device is
//!   written (its record, tables, neighbour placeholders and links) inside
//!   its own savepoint, so it is all or nothing on its own, a crash or
//!   Ctrl-C loses at most the devices not yet committed, and no device is
//!   ever left with half its interfaces.
//! - **WAL mode** with `synchronous=NORMAL`: readers ([`StoreReader`], e.g. a
//!   report running during a walk) never block the writer, and a committed
//!   transaction survives a process crash (an OS crash may lose the last few,
//!   which a rewalk recovers).
//! - **Snapshots.** A report reads many tables; [`StoreReader::snapshot`]
//!   holds one read transaction across them so a walk committing meanwhile
//!   cannot make them disagree.
//! - **One writer process.** The writer holds an OS lock on `<store>.lock`
//!   ([`lock`]), or on PostgreSQL a session advisory lock (`pglock.rs`); a
//!   second writer fails at once, naming the first.
//! - **Runs without a finish time are interrupted runs**: that is what
//!   `--resume` looks for ([`StoreReader::resume_info`]).
//!
//! Timestamps (`first_seen`, `last_seen`, walk times) are set by the store's
//! clock, not taken from the records, so every row of one commit agrees.
//!
//! Files: `writer.rs` (the writer: open, runs, batches), `commit.rs` (one
//! device's rows), `merge.rs` (two records of one device become one), `endhosts.rs` (MAC
//! sightings and MAC-to-IP pairs: upsert, prune, reads),
//! `worker.rs` (the writer thread and its channel), `reader.rs` (queries),
//! `resume.rs` (interrupted runs), `export.rs` (`inventory.json`),
//! `snapshot.rs` (consistent multi-query reads), `queue.rs` (the
//! distributed walk's job queue: claims, leases, settling), `users.rs` (users and API
//! tokens of `netwalker serve`), `query.rs` (building a
//! read), `rows.rs` (rows <-> model types, JSON columns), `connection.rs`
//! (pragmas, migrations, open errors), `schema.rs`, `lock.rs`, `error.rs`;
//! for the two engines `location.rs` (`--store`: path or URL, the
//! password never shown), `db.rs` (the one interface the logic uses:
//! execute/query, `?N` parameters, rows, transaction guards),
//! `dialect.rs` (every SQL text that differs), `pg.rs` (a PostgreSQL
//! connection on its own thread), `schema_pg.rs`, `pglock.rs`.

mod bulk;
mod commit;
mod connection;
pub mod db;
mod dialect;
mod endhosts;
mod error;
mod location;
pub mod lock;
mod merge;
mod pg;
mod pglock;
mod query;
mod queue;
mod reader;
mod resume;
mod rows;
mod schema;
#[cfg(test)]
mod schema_descriptions_tests;
mod schema_pg;
mod snapshot;
mod users;
pub mod worker;
mod writer;

pub use db::DbError;
pub use endhosts::{EndHostRows, PrunedEndHosts};
pub use error::{Result, StoreError};
pub use location::{LocationError, PgUrl, StoreLocation};
pub use lock::StoreLock;
pub use queue::{Claim, DoneJob, QueueCounts, QueuedJob, WalkId, WalkParams, WalkQueue};
pub use reader::{Interrupter, StoreReader, VersionChange};
pub use resume::ResumeInfo;
pub use snapshot::StoreSnapshot;
pub use users::{TokenInfo, UserCredentials, UserInfo};
pub use worker::{CommitError, StoreSender, StoreWorker, Unrecorded, WorkerGone};
pub use writer::StoreWriter;

use crate::model::{UnixTime, now_unix};
use std::sync::Arc;

/// Source of "now"; replaceable so tests can age the store.
pub type Clock = Arc<dyn Fn() -> UnixTime + Send + Sync>;

fn system_clock() -> Clock {
    Arc::new(now_unix)
}
