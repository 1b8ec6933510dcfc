//! Consistent multi-query reads: one read transaction held across them.

use super::StoreReader;
use super::db::end_read;
use super::error::{Context, Result};

/// One consistent view of the store: every read through it (it derefs to
/// [`StoreReader`]) sees the store as it was when the snapshot was taken,
/// whatever a walk commits meanwhile, so a report never mixes states (a
/// link to a device the device list does not have yet). It holds one read
/// transaction (SQLite: a deferred `BEGIN` in WAL mode pinned by its first
/// read; PostgreSQL: `REPEATABLE READ`, whose snapshot is taken by the
/// first statement), which ends when it is dropped; the writer is never
/// blocked by it.
///
/// A snapshot taken while another is open on the same reader reads through
/// the outer one, so the store's own multi-query reads (devices with their
/// addresses, `export_inventory`, ...) can take one unconditionally.
pub struct StoreSnapshot<'a> {
    /// The reader whose connection holds the read transaction.
    reader: &'a StoreReader,
    /// Whether this guard began the transaction, and so ends it on drop.
    owns: bool,
}

impl std::ops::Deref for StoreSnapshot<'_> {
    type Target = StoreReader;
    fn deref(&self) -> &StoreReader {
        self.reader
    }
}

impl Drop for StoreSnapshot<'_> {
    fn drop(&mut self) {
        if self.owns {
            end_read(&self.reader.conn);
        }
    }
}

impl StoreReader {
    /// A consistent view of the store for several reads (see
    /// [`StoreSnapshot`]): take one for anything that reads more than once
    /// and must agree with itself (reports, diagrams, exports).
    pub fn snapshot(&self) -> Result<StoreSnapshot<'_>> {
        if self.conn.in_transaction() {
            return Ok(StoreSnapshot {
                reader: self,
                owns: false,
            });
        }
        let ctx = || "starting a read snapshot".to_string();
        self.conn.begin_read().ctx(ctx)?.into_open();
        let snap = StoreSnapshot {
            reader: self,
            owns: true,
        };
        // The first read pins the snapshot; do it now, so the view is the
        // store as of this call rather than of the caller's first read.
        self.conn
            .query_opt("SELECT COUNT(*) FROM schema_version", &[], |r| {
                r.get::<i64>(0)
            })
            .ctx(ctx)?;
        Ok(snap)
    }
}
