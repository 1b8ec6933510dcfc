//! The single-writer rule on PostgreSQL: the writer's connection holds a
//! session-level advisory lock for its life, keyed by the store's schema, so
//! a second writer is refused at once, naming the first (as `<store>.lock`
//! does for SQLite, see [`lock`](super::lock)). The server releases the lock
//! when the session ends, however the process ended: a killed walk never
//! blocks the next one.
//!
//! Key: `(LOCK_CLASS, hashtext(current_schema()))`, the two-`int4` form, so
//! stores in two schemas of one database do not exclude each other, and
//! other keys stay free for the coordination a distributed walk will need.

use super::db::{Db, vals};
use super::error::{Context, Result, StoreError};
use super::location::StoreLocation;

/// The first half of every netwalker advisory-lock key ("NW").
const LOCK_CLASS: i32 = 0x4E57;

/// Longest holder description quoted in the refusal.
const MAX_HOLDER: usize = 300;

/// Takes the writer's lock on `db`'s session, or fails with
/// [`StoreError::Locked`] naming the session that holds it.
pub(super) fn acquire(db: &Db, store: &StoreLocation) -> Result<()> {
    let ctx = || "taking the store's writer lock (pg_try_advisory_lock)".to_string();
    let got = db
        .query_opt(
            "SELECT pg_try_advisory_lock(?1, hashtext(current_schema()))",
            vals![LOCK_CLASS],
            |r| r.get::<bool>(0),
        )
        .ctx(ctx)?
        .unwrap_or(false);
    if got {
        return Ok(());
    }
    Err(StoreError::Locked {
        store: store.clone(),
        holder: holder(db),
    })
}

/// Lets go of the lock before the connection closes: the server ends a
/// closed session's backend (and so frees its locks) a moment after the
/// client has gone, and a writer opened again at once by the same process
/// (a failed open, `--fresh` after a walk) must not find it still held.
pub(super) fn release(db: &Db) {
    let _ = db.query_opt(
        "SELECT pg_advisory_unlock(?1, hashtext(current_schema()))",
        vals![LOCK_CLASS],
        |r| r.get::<bool>(0),
    );
}

/// Who holds the lock: its session's application name (netwalker sets
/// its pid and host there), client address and start, as one line.
fn holder(db: &Db) -> String {
    let sql = format!(
        "SELECT COALESCE(a.application_name, ''), a.pid::bigint,
                COALESCE(host(a.client_addr), 'local socket'),
                to_char(a.backend_start AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI:SS')
         FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid
         WHERE l.locktype = 'advisory' AND l.granted AND l.objsubid = 2
           AND l.classid = {LOCK_CLASS}
           AND l.objid = (hashtext(current_schema())::bigint & 4294967295)::text::oid
           AND l.database = (SELECT oid FROM pg_database WHERE datname = current_database())"
    );
    let found = db.query_opt(&sql, &[], |r| {
        Ok(format!(
            "{}, server pid {}, from {}, connected {} UTC",
            r.get::<String>(0)?,
            r.get::<i64>(1)?,
            r.get::<String>(2)?,
            r.get::<Option<String>>(3)?.unwrap_or_default()
        ))
    });
    match found {
        Ok(Some(text)) => text
            .chars()
            .filter(|c| !c.is_control())
            .take(MAX_HOLDER)
            .collect(),
        Ok(None) => "it has just let go; try again".into(),
        Err(_) => "its details are not readable with this user".into(),
    }
}
