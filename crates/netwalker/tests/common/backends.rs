//! Each store backend a test can run on (test support, shared through
//! `#[path]`): SQLite always, PostgreSQL when `NETWALKER_TEST_PG_URL`
//! names a server (`interop/suites/40-netwalker-postgres.sh` and `.ci/run`
//! give one). Each PostgreSQL store is a database of its own, created for
//! the test and dropped after it, so tests run in parallel.
//!
//! The admin connection runs on a thread of its own: the synchronous
//! client panics on a thread that drives async tasks (`#[tokio::test]`).

// Each user takes what it needs.
#![allow(dead_code)]

use netwalker::store::{StoreLocation, StoreWriter};
use std::sync::atomic::{AtomicU32, Ordering};

/// The variable that names a PostgreSQL server (a URL of a database the
/// user may create databases from).
pub const PG_URL_VAR: &str = "NETWALKER_TEST_PG_URL";

/// The server to test on, if one is given.
pub fn pg_url() -> Option<String> {
    std::env::var(PG_URL_VAR).ok().filter(|u| !u.is_empty())
}

/// The server, or `None` with a note that the test did nothing.
pub fn server() -> Option<String> {
    let url = pg_url();
    if url.is_none() {
        eprintln!("NETWALKER_TEST_PG_URL is not set: nothing to test here");
    }
    url
}

/// The binary with netsim's credentials and the store in the environment,
/// as a deployment gives a URL with a password (not on the command line,
/// where `ps` shows it); no developer's config, no log filter, no stdin.
pub fn netwalker_on(store: &str) -> std::process::Command {
    let mut c = std::process::Command::new(env!("CARGO_BIN_EXE_netwalker"));
    c.env("NETWALKER_USERNAME", "admin")
        .env("NETWALKER_PASSWORD", "admin")
        .env("NETWALKER_ENABLE", "admin")
        .env_remove("NETWALKER_LOG")
        .env("XDG_CONFIG_HOME", "/nonexistent")
        .env("HOME", "/nonexistent")
        .env("NETWALKER_STORE", store)
        .stdin(std::process::Stdio::null());
    c
}

/// A database made for one test, dropped (with any connection still on it)
/// when this is dropped.
pub struct PgTestDb {
    /// The server's URL as given (the admin connection's).
    admin: String,
    /// The database's name.
    name: String,
    /// The store: the server's URL with this database.
    pub location: StoreLocation,
    /// The same, as text (password included: tests only).
    url: String,
}

impl PgTestDb {
    /// A new empty database on the server `admin` names.
    pub fn create(admin: &str) -> PgTestDb {
        static SEQ: AtomicU32 = AtomicU32::new(0);
        let name = format!(
            "nwt_{}_{}_{}",
            std::process::id(),
            SEQ.fetch_add(1, Ordering::Relaxed),
            std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .unwrap()
                .subsec_nanos()
        );
        admin_sql(admin, &format!("CREATE DATABASE {name}"));
        let mut url = url::Url::parse(admin).expect("NETWALKER_TEST_PG_URL is a URL");
        url.set_path(&format!("/{name}"));
        PgTestDb {
            admin: admin.to_string(),
            location: StoreLocation::parse(url.as_str()).unwrap(),
            url: url.to_string(),
            name,
        }
    }

    /// The database's URL, password included (for the binary and for
    /// checks the store's API does not offer).
    pub fn url_for_tests(&self) -> String {
        self.url.clone()
    }
}

impl Drop for PgTestDb {
    fn drop(&mut self) {
        // Our own sessions still on it are ended first; the plain DROP then
        // waits for them to go and stops an autovacuum worker itself.
        // (`WITH (FORCE)` would need the right to signal that worker too,
        // pg_signal_backend, which a CREATEDB user has not: it failed now
        // and then, whenever autovacuum happened to be in the database.)
        let name = &self.name;
        admin_sql(
            &self.admin,
            &format!(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity \
                 WHERE datname = '{name}' AND usename = current_user AND pid <> pg_backend_pid()"
            ),
        );
        admin_sql(&self.admin, &format!("DROP DATABASE IF EXISTS {name}"));
    }
}

/// Runs one statement on the admin connection, off any async thread.
fn admin_sql(admin: &str, sql: &str) {
    let (admin, sql) = (admin.to_string(), sql.to_string());
    std::thread::spawn(move || {
        let mut c = postgres::Client::connect(&admin, postgres::NoTls)
            .unwrap_or_else(|e| panic!("cannot connect to {PG_URL_VAR}: {}", detail(&e)));
        c.batch_execute(&sql)
            .unwrap_or_else(|e| panic!("{sql}: {}", detail(&e)));
    })
    .join()
    .expect("admin statement");
}

/// The server's own words for an error (the client's Display says only
/// "db error").
fn detail(e: &postgres::Error) -> String {
    match e.as_db_error() {
        Some(d) => format!("{}: {} ({:?})", d.code().code(), d.message(), d.detail()),
        None => format!("{e:?}"),
    }
}

/// A store to test on, and what must outlive its writer (the temp dir or
/// the database).
pub struct TestStore {
    /// "sqlite" or "postgres", for messages.
    pub name: &'static str,
    /// Where the store is.
    pub location: StoreLocation,
    /// The temp dir of an SQLite store.
    _dir: Option<tempfile::TempDir>,
    /// The database of a PostgreSQL store (dropped last).
    _db: Option<PgTestDb>,
}

/// An SQLite store in a temp dir, then (with a server) a PostgreSQL one.
pub fn stores() -> Vec<TestStore> {
    let dir = tempfile::tempdir().unwrap();
    let mut out = vec![TestStore {
        name: "sqlite",
        location: StoreLocation::Sqlite(dir.path().join("inv.db")),
        _dir: Some(dir),
        _db: None,
    }];
    if let Some(admin) = pg_url() {
        let db = PgTestDb::create(&admin);
        out.push(TestStore {
            name: "postgres",
            location: db.location.clone(),
            _dir: None,
            _db: Some(db),
        });
    }
    out
}

/// A writer on a store of its own: in-memory SQLite, then (with a server)
/// PostgreSQL. Derefs to the [`StoreWriter`].
pub struct TestWriter {
    /// The writer (dropped before the store it writes).
    pub w: StoreWriter,
    /// Which backend, for messages.
    pub name: &'static str,
    /// The database of a PostgreSQL store.
    _store: Option<TestStore>,
}

impl TestWriter {
    /// The writer with a test clock.
    pub fn with_clock(mut self, clock: netwalker::store::Clock) -> TestWriter {
        self.w = self.w.with_clock(clock);
        self
    }
}

impl std::ops::Deref for TestWriter {
    type Target = StoreWriter;
    fn deref(&self) -> &StoreWriter {
        &self.w
    }
}

impl std::ops::DerefMut for TestWriter {
    fn deref_mut(&mut self) -> &mut StoreWriter {
        &mut self.w
    }
}

/// One writer per backend (see [`TestWriter`]); a test loops over them,
/// printing each one's name, so a failure says which backend it was.
pub fn writers() -> Vec<TestWriter> {
    let mut out = vec![TestWriter {
        w: StoreWriter::open_in_memory().unwrap(),
        name: "sqlite",
        _store: None,
    }];
    if let Some(admin) = pg_url() {
        let db = PgTestDb::create(&admin);
        let w = StoreWriter::open(&db.location).unwrap();
        out.push(TestWriter {
            w,
            name: "postgres",
            _store: Some(TestStore {
                name: "postgres",
                location: db.location.clone(),
                _dir: None,
                _db: Some(db),
            }),
        });
    }
    out
}
