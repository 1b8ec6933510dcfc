//! Opening an SQLite connection the store's way: the pragmas, the check that
//! the file is ours, the schema brought up to date (writer) or checked
//! (reader), and open errors that tell "not a store" from "cannot open".

use super::error::{Context, Result, StoreError};
use super::schema;
use rusqlite::{Connection, OpenFlags, OptionalExtension};
use std::path::Path;

/// How long a statement waits for a lock held by a checkpointing reader or
/// another process before failing.
const BUSY_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(10);

/// An open failure, with "this file is something else" told apart from
/// "cannot open the path", since the advice differs.
pub(super) fn open_error(path: &Path, source: rusqlite::Error) -> StoreError {
    match source.sqlite_error_code() {
        Some(rusqlite::ErrorCode::NotADatabase) => StoreError::NotAStore {
            path: path.to_path_buf(),
            detail: source.to_string(),
        },
        _ => StoreError::Open {
            path: path.to_path_buf(),
            source,
        },
    }
}

/// The writer's connection to the store file at `path`, its schema migrated
/// to this build's version.
pub(super) fn open_writer(path: &Path) -> Result<Connection> {
    let open_err = |source| open_error(path, source);
    let mut conn = Connection::open(path).map_err(open_err)?;
    configure(&conn).map_err(open_err)?;
    refuse_foreign(&conn, path)?;
    migrate(&mut conn, path)?;
    Ok(conn)
}

/// A private in-memory store's connection, migrated like a file's.
pub(super) fn open_in_memory(path: &Path) -> Result<Connection> {
    let open_err = |source| StoreError::Open {
        path: path.to_path_buf(),
        source,
    };
    let mut conn = Connection::open_in_memory().map_err(open_err)?;
    configure(&conn).map_err(open_err)?;
    migrate(&mut conn, path)?;
    Ok(conn)
}

/// A read-only connection to an existing store whose schema this build can
/// read.
pub(super) fn open_reader(path: &Path) -> Result<Connection> {
    let open_err = |source| open_error(path, source);
    let conn = Connection::open_with_flags(
        path,
        OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX,
    )
    .map_err(open_err)?;
    conn.busy_timeout(BUSY_TIMEOUT).map_err(open_err)?;
    refuse_foreign(&conn, path)?;
    let version: i64 = conn
        .query_row("SELECT version FROM schema_version", [], |r| r.get(0))
        .map_err(|_| StoreError::NotAStore {
            path: path.to_path_buf(),
            detail: "it has no netwalker schema; run a discover to create one".into(),
        })?;
    if version > schema::CURRENT_VERSION {
        return Err(too_new(path, version));
    }
    Ok(conn)
}

fn configure(conn: &Connection) -> rusqlite::Result<()> {
    // WAL lets readers run during a walk; NORMAL sync is crash-safe in WAL.
    conn.pragma_update(None, "journal_mode", "WAL")?;
    conn.pragma_update(None, "synchronous", "NORMAL")?;
    conn.pragma_update(None, "foreign_keys", "ON")?;
    // A reader checkpointing or a second process must make us wait, not fail.
    conn.busy_timeout(BUSY_TIMEOUT)?;
    // Checkpoints are the only fsyncs in WAL/NORMAL; the default (every 1000
    // pages, ~4 MiB) checkpoints dozens of times in a 1,000-device walk.
    conn.pragma_update(None, "wal_autocheckpoint", 16384)?;
    conn.pragma_update(None, "cache_size", -32768)?;
    // Savepoints (one per device) and multi-row statements keep the pages
    // they change in a sub-journal, which SQLite spills to a temporary file
    // past 64 KiB: two pwrite calls per page, ~48 per walked device, a
    // tenth of a walk's CPU in the kernel. In memory it is a copy; it lives
    // only until its savepoint or statement ends.
    conn.pragma_update(None, "temp_store", "MEMORY")?;
    // One device commit uses ~15 distinct statements; the default cache of
    // 16 would thrash once reads are mixed in, re-preparing every statement.
    conn.set_prepared_statement_cache_capacity(64);
    Ok(())
}

/// Refuses to add our tables to (or read ours from) somebody else's database.
fn refuse_foreign(conn: &Connection, path: &Path) -> Result<()> {
    if is_netwalker_or_empty(conn).map_err(|source| open_error(path, source))? {
        return Ok(());
    }
    Err(StoreError::NotAStore {
        path: path.to_path_buf(),
        detail: "it is an SQLite database with other tables".into(),
    })
}

fn is_netwalker_or_empty(conn: &Connection) -> rusqlite::Result<bool> {
    let tables: i64 = conn.query_row(
        "SELECT COUNT(*) FROM sqlite_master WHERE type = 'table'",
        [],
        |r| r.get(0),
    )?;
    let ours: i64 = conn.query_row(
        "SELECT COUNT(*) FROM sqlite_master WHERE type = 'table' AND name = 'schema_version'",
        [],
        |r| r.get(0),
    )?;
    Ok(tables == 0 || ours == 1)
}

fn too_new(path: &Path, found: i64) -> StoreError {
    StoreError::TooNew {
        path: path.to_path_buf(),
        found,
        supported: schema::CURRENT_VERSION,
    }
}

/// Applies the migrations the store lacks, in one transaction with the
/// version bump; refuses a store from a newer netwalker.
fn migrate(conn: &mut Connection, path: &Path) -> Result<()> {
    let tx = conn
        .transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)
        .ctx(|| "starting the schema migration".into())?;
    tx.execute_batch("CREATE TABLE IF NOT EXISTS schema_version (version INTEGER NOT NULL);")
        .ctx(|| "creating the schema_version table".into())?;
    let version: Option<i64> = tx
        .query_row("SELECT version FROM schema_version", [], |r| r.get(0))
        .optional()
        .ctx(|| "reading the schema version".into())?;
    let version = version.unwrap_or(0);
    if version > schema::CURRENT_VERSION {
        return Err(too_new(path, version));
    }
    for (i, sql) in schema::MIGRATIONS.iter().enumerate().skip(version as usize) {
        tx.execute_batch(sql)
            .ctx(|| format!("applying schema migration {}", i + 1))?;
    }
    tx.execute("DELETE FROM schema_version", [])
        .ctx(|| "updating the schema version".into())?;
    tx.execute(
        "INSERT INTO schema_version (version) VALUES (?1)",
        [schema::CURRENT_VERSION],
    )
    .ctx(|| "updating the schema version".into())?;
    tx.commit().ctx(|| "committing the schema migration".into())
}
