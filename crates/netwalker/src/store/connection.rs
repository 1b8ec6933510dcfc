//! Opening a connection the store's way: for SQLite the pragmas; for both
//! engines the check that the database is ours, the schema brought up to
//! date (writer) or checked (reader), and open errors that tell "not a
//! store" from "cannot open".

use super::db::{Db, DbError, vals};
use super::dialect::Dialect;
use super::error::{Context, Result, StoreError};
use super::location::{PgUrl, StoreLocation};
use super::pg::PgConn;
use rusqlite::{Connection, OpenFlags};
use std::path::Path;

/// How long a statement waits for a lock held by a checkpointing reader or
/// another process before failing.
const BUSY_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(10);

/// An SQLite open failure, with "this file is something else" told apart
/// from "cannot open the path", since the advice differs.
pub(super) fn open_error(path: &Path, source: rusqlite::Error) -> StoreError {
    match source.sqlite_error_code() {
        Some(rusqlite::ErrorCode::NotADatabase) => StoreError::NotAStore {
            store: path.into(),
            detail: source.to_string(),
        },
        _ => StoreError::Open {
            path: path.to_path_buf(),
            source: source.into(),
        },
    }
}

/// The writer's connection to the store file at `path`, its schema migrated
/// to this build's version.
pub(super) fn open_writer(path: &Path) -> Result<Db> {
    let open_err = |source| open_error(path, source);
    let conn = Connection::open(path).map_err(open_err)?;
    configure(&conn).map_err(open_err)?;
    let db = Db::Sqlite(conn);
    let store = StoreLocation::from(path);
    refuse_foreign(&db, &store)?;
    migrate(&db, &store)?;
    Ok(db)
}

/// A private in-memory store's connection, migrated like a file's.
pub(super) fn open_in_memory(path: &Path) -> Result<Db> {
    let open_err = |source: rusqlite::Error| StoreError::Open {
        path: path.to_path_buf(),
        source: source.into(),
    };
    let conn = Connection::open_in_memory().map_err(open_err)?;
    configure(&conn).map_err(open_err)?;
    let db = Db::Sqlite(conn);
    migrate(&db, &StoreLocation::from(path))?;
    Ok(db)
}

/// A read-only connection to an existing store whose schema this build can
/// read.
pub(super) fn open_reader(path: &Path) -> Result<Db> {
    let open_err = |source| open_error(path, source);
    let conn = Connection::open_with_flags(
        path,
        OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX,
    )
    .map_err(open_err)?;
    conn.busy_timeout(BUSY_TIMEOUT).map_err(open_err)?;
    let db = Db::Sqlite(conn);
    let store = StoreLocation::from(path);
    refuse_foreign(&db, &store)?;
    check_readable(&db, &store)?;
    Ok(db)
}

/// A connection to the PostgreSQL database `url` (not yet checked).
pub(super) fn connect_pg(url: &PgUrl, role: &str) -> Result<Db> {
    let name = format!(
        "netwalker {role} pid {} on {}",
        std::process::id(),
        dns_lookup::get_hostname().unwrap_or_else(|_| "unknown host".into())
    );
    let conn = PgConn::connect(url, &name).map_err(|source| StoreError::Connect {
        store: StoreLocation::Postgres(Box::new(url.clone())),
        source,
    })?;
    Ok(Db::Pg(conn))
}

/// The writer's side of a PostgreSQL store, after its lock is held: ours
/// or empty, migrated.
pub(super) fn prepare_pg_writer(db: &Db, store: &StoreLocation) -> Result<()> {
    refuse_foreign(db, store)?;
    migrate(db, store)
}

/// Drops every table of a PostgreSQL store (a `discover --fresh`), after
/// checking the schema holds a netwalker store or nothing.
pub(super) fn empty_pg(db: &Db, store: &StoreLocation) -> Result<()> {
    refuse_foreign(db, store)?;
    let ctx = || "emptying the store".to_string();
    let tables = db
        .query::<String, DbError>(
            "SELECT table_name FROM information_schema.tables
             WHERE table_schema = current_schema() AND table_type = 'BASE TABLE'",
            &[],
            |r| r.get(0),
        )
        .ctx(ctx)?;
    if tables.is_empty() {
        return Ok(());
    }
    let list: Vec<String> = tables
        .iter()
        .map(|t| format!("\"{}\"", t.replace('"', "\"\"")))
        .collect();
    db.batch(&format!("DROP TABLE IF EXISTS {} CASCADE", list.join(", ")))
        .ctx(ctx)
}

/// A read-only connection to a PostgreSQL store this build can read.
pub(super) fn open_pg_reader(url: &PgUrl) -> Result<Db> {
    let db = connect_pg(url, "reader")?;
    db.batch("SET SESSION CHARACTERISTICS AS TRANSACTION READ ONLY")
        .ctx(|| "making the connection read-only".into())?;
    let store = StoreLocation::Postgres(Box::new(url.clone()));
    refuse_foreign(&db, &store)?;
    check_readable(&db, &store)?;
    Ok(db)
}

/// Fails unless the store's schema is exactly this build's: what a
/// distributed walk's worker needs (the queue's tables, and the same
/// meaning of every row it hands over). A database with no schema yet, or
/// an older one, is [`StoreError::SchemaNotReady`]: the walk's submitter,
/// the store's writer, creates or upgrades it.
pub(super) fn check_current(db: &Db, store: &StoreLocation) -> Result<()> {
    refuse_foreign(db, store)?;
    let version = db
        .query_opt("SELECT version FROM schema_version", &[], |r| {
            r.get::<i64>(0)
        })
        .ok()
        .flatten()
        .unwrap_or(0);
    if version > current_version(db) {
        return Err(too_new(store, version, db));
    }
    if version < current_version(db) {
        return Err(StoreError::SchemaNotReady {
            store: store.clone(),
            found: version,
            wanted: current_version(db),
        });
    }
    Ok(())
}

/// Fails unless the store has a schema this build can read.
fn check_readable(db: &Db, store: &StoreLocation) -> Result<()> {
    let version = db
        .query_opt("SELECT version FROM schema_version", &[], |r| {
            r.get::<i64>(0)
        })
        .ok()
        .flatten()
        .ok_or_else(|| StoreError::NotAStore {
            store: store.clone(),
            detail: "it has no netwalker schema; run a discover to create one".into(),
        })?;
    if version > current_version(db) {
        return Err(too_new(store, version, db));
    }
    Ok(())
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
    // One device commit uses ~40 distinct statements (each table's rows go
    // in chunks of four sizes, `bulk.rs`); the default cache of 16 would
    // thrash, re-preparing every statement, and so would 64 once reads
    // and the queue's statements are mixed in.
    conn.set_prepared_statement_cache_capacity(128);
    Ok(())
}

/// Refuses to add our tables to (or read ours from) somebody else's database.
fn refuse_foreign(db: &Db, store: &StoreLocation) -> Result<()> {
    let (tables, ours) = db
        .query_opt(db.dialect().tables_query(), &[], |r| {
            Ok((r.get::<i64>(0)?, r.get::<i64>(1)?))
        })
        .map_err(|source| match (store, source) {
            (StoreLocation::Sqlite(path), DbError::Sqlite(e)) => open_error(path, e),
            (_, source) => StoreError::Database {
                context: "listing the tables of the database".into(),
                source,
            },
        })?
        .unwrap_or_default();
    if tables == 0 || ours == 1 {
        return Ok(());
    }
    Err(StoreError::NotAStore {
        store: store.clone(),
        detail: match store {
            StoreLocation::Sqlite(_) => "it is an SQLite database with other tables".into(),
            StoreLocation::Postgres(_) => {
                "its schema has other tables; give netwalker a database (or a schema, with options=-csearch_path=NAME) of its own".into()
            }
        },
    })
}

/// The schema version this build writes on `db`'s engine.
fn current_version(db: &Db) -> i64 {
    match db.dialect() {
        Dialect::Sqlite => super::schema::CURRENT_VERSION,
        Dialect::Postgres => super::schema_pg::MIGRATIONS.len() as i64,
    }
}

fn too_new(store: &StoreLocation, found: i64, db: &Db) -> StoreError {
    StoreError::TooNew {
        store: store.clone(),
        found,
        supported: current_version(db),
    }
}

/// Applies the migrations the store lacks, in one transaction with the
/// version bump; refuses a store from a newer netwalker.
fn migrate(db: &Db, store: &StoreLocation) -> Result<()> {
    let tx = db
        .begin_write()
        .ctx(|| "starting the schema migration".into())?;
    tx.batch(db.dialect().create_version_table())
        .ctx(|| "creating the schema_version table".into())?;
    let version = tx
        .query_opt("SELECT version FROM schema_version", &[], |r| {
            r.get::<i64>(0)
        })
        .ctx(|| "reading the schema version".into())?
        .unwrap_or(0);
    let current = current_version(db);
    if version > current {
        return Err(too_new(store, version, db));
    }
    for (i, sql) in db
        .dialect()
        .migrations()
        .iter()
        .enumerate()
        .skip(version as usize)
    {
        tx.batch(sql)
            .ctx(|| format!("applying schema migration {}", i + 1))?;
    }
    tx.execute("DELETE FROM schema_version", &[])
        .ctx(|| "updating the schema version".into())?;
    tx.execute(
        "INSERT INTO schema_version (version) VALUES (?1)",
        vals![current],
    )
    .ctx(|| "updating the schema version".into())?;
    tx.commit().ctx(|| "committing the schema migration".into())
}
