//! The embedded inventory store (SQLite).
//!
//! Why it looks like this:
//! - **One writer.** [`StoreWriter`] owns the only writing connection and is
//!   meant to live in one task that receives results over a channel. SQLite
//!   serialises writers anyway; doing it in our code makes the order explicit
//!   and keeps device tasks free of lock waits.
//! - **One transaction per device.** [`StoreWriter::commit_device`] writes a
//!   device, its tables, its neighbour placeholders and its links atomically,
//!   so a crash or Ctrl-C loses at most the devices still in flight, and never
//!   leaves a device with half its interfaces.
//! - **WAL mode** with `synchronous=NORMAL`: readers ([`StoreReader`], e.g. a
//!   report running during a walk) never block the writer, and a committed
//!   transaction survives a process crash (an OS crash may lose the last few,
//!   which a rewalk recovers).
//! - **Snapshots.** A report reads many tables; [`StoreReader::snapshot`]
//!   holds one read transaction across them so a walk committing meanwhile
//!   cannot make them disagree.
//! - **One writer process.** The writer holds an OS lock on `<store>.lock`
//!   ([`lock`]); a second writer fails at once, naming the first.
//! - **Runs without a finish time are interrupted runs**: that is what
//!   `--resume` looks for ([`StoreReader::resume_info`]).
//!
//! Timestamps (`first_seen`, `last_seen`, walk times) are set by the store's
//! clock, not taken from the records, so every row of one commit agrees.

pub mod lock;
mod schema;
pub mod worker;

pub use lock::StoreLock;
pub use worker::{CommitError, StoreSender, StoreWorker, WorkerGone};

use crate::identity::{Identifiers, IdentityIndex, normalize_hostname};
use crate::model::{
    ConnectionMethod, Device, DeviceId, DeviceResult, DeviceStatus, Interface, Inventory,
    InventoryDevice, InventoryLink, Link, LinkProtocol, Run, RunId, StackMember, StatusCounts,
    UnixTime, Via, Vlan, now_unix,
};
use rusqlite::{
    Connection, OpenFlags, OptionalExtension, ParamsFromIter, Row, Transaction, params,
    params_from_iter,
};
use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::net::IpAddr;
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// Errors from the store. Messages name the file or the operation and what to do.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error(
        "cannot open store {path}: {source}; check that the directory exists and is writable, or choose another file with --store"
    )]
    Open {
        path: PathBuf,
        source: rusqlite::Error,
    },
    #[error(
        "{path} is not a netwalker store ({detail}); choose another file with --store, or delete it to start afresh"
    )]
    NotAStore { path: PathBuf, detail: String },
    #[error(
        "store {path} has schema version {found}, newer than this netwalker supports ({supported}); upgrade netwalker or use another --store file"
    )]
    TooNew {
        path: PathBuf,
        found: i64,
        supported: i64,
    },
    #[error("store error while {context}: {source}")]
    Sqlite {
        context: String,
        source: rusqlite::Error,
    },
    #[error(
        "store contains an unreadable {what}: {detail}; the file may have been edited by hand or written by another tool"
    )]
    Corrupt { what: &'static str, detail: String },
    #[error("{0} is not in the store")]
    UnknownRun(RunId),
    #[error("device {0} is not in the store")]
    UnknownDevice(DeviceId),
    /// Another process writes to this store (see [`lock`]).
    #[error(
        "store {path} is in use by another netwalker process ({holder}); wait for that run to finish or stop it (Ctrl-C lets it save its work), or use another --store file. Reports, diagrams, exec and dns-check can read the store meanwhile"
    )]
    Locked { path: PathBuf, holder: String },
    #[error(
        "cannot lock store {path} for writing ({lock}: {source}); check that the directory exists and is writable, or choose another file with --store"
    )]
    Lock {
        path: PathBuf,
        lock: PathBuf,
        source: std::io::Error,
    },
    /// The shared transaction of a batch failed (see [`StoreWriter::commit_devices`]);
    /// the device was not written.
    #[error("could not write the batch this device was in: {0}")]
    Batch(String),
}

pub type Result<T, E = StoreError> = std::result::Result<T, E>;

trait Context<T> {
    fn ctx(self, context: impl FnOnce() -> String) -> Result<T>;
}

impl<T> Context<T> for rusqlite::Result<T> {
    fn ctx(self, context: impl FnOnce() -> String) -> Result<T> {
        self.map_err(|source| StoreError::Sqlite {
            context: context(),
            source,
        })
    }
}

/// Source of "now"; replaceable so tests can age the store.
pub type Clock = Arc<dyn Fn() -> UnixTime + Send + Sync>;

fn system_clock() -> Clock {
    Arc::new(now_unix)
}

/// A software version a device reported, and when it was first seen running it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VersionChange {
    pub version: String,
    pub seen: UnixTime,
    pub run: Option<RunId>,
}

/// What `--resume` needs to continue an interrupted run.
#[derive(Debug, Clone, PartialEq)]
pub struct ResumeInfo {
    /// The interrupted run (no finish time). Continue it with
    /// [`StoreWriter::resume_run`] so its counts end up in one place.
    pub run: Run,
    /// Devices already attempted (walked or failed) in that run: don't redo.
    pub done: Vec<DeviceId>,
    /// Devices the run had heard of but not yet attempted: the frontier to
    /// re-queue (re-apply filters and depth limits to them).
    pub frontier: Vec<Device>,
}

/// Read-only access. Several may be open at once, also while a walk writes.
pub struct StoreReader {
    conn: Connection,
    path: PathBuf,
    clock: Clock,
}

/// One consistent view of the store: every read through it (it derefs to
/// [`StoreReader`]) sees the store as it was when the snapshot was taken,
/// whatever a walk commits meanwhile, so a report never mixes states (a
/// link to a device the device list does not have yet). It holds one read
/// transaction (WAL: a deferred `BEGIN` pinned by its first read), which
/// ends when it is dropped; the writer is never blocked by it.
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
        if self.owns && self.reader.conn.execute_batch("COMMIT").is_err() {
            // A read transaction left open would freeze this reader's view
            // for good; ROLLBACK cannot lose anything a reader did.
            let _ = self.reader.conn.execute_batch("ROLLBACK");
        }
    }
}

/// The single writer. Also reads, through [`StoreWriter::read`].
pub struct StoreWriter {
    reader: StoreReader,
    current_run: Option<RunId>,
    /// Keeps every other writer out of this store for the writer's life
    /// (`None` for in-memory stores, which nobody else can open).
    _lock: Option<StoreLock>,
}

/// An open failure, with "this file is something else" told apart from
/// "cannot open the path", since the advice differs.
fn open_error(path: &Path, source: rusqlite::Error) -> StoreError {
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

fn configure(conn: &Connection) -> rusqlite::Result<()> {
    // WAL lets readers run during a walk; NORMAL sync is crash-safe in WAL.
    conn.pragma_update(None, "journal_mode", "WAL")?;
    conn.pragma_update(None, "synchronous", "NORMAL")?;
    conn.pragma_update(None, "foreign_keys", "ON")?;
    // A reader checkpointing or a second process must make us wait, not fail.
    conn.busy_timeout(std::time::Duration::from_secs(10))?;
    // Checkpoints are the only fsyncs in WAL/NORMAL; the default (every 1000
    // pages, ~4 MiB) checkpoints dozens of times in a 1,000-device walk.
    conn.pragma_update(None, "wal_autocheckpoint", 16384)?;
    conn.pragma_update(None, "cache_size", -32768)?;
    // One device commit uses ~15 distinct statements; the default cache of
    // 16 would thrash once reads are mixed in, re-preparing every statement.
    conn.set_prepared_statement_cache_capacity(64);
    Ok(())
}

/// Refuses to add our tables to somebody else's database.
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
        return Err(StoreError::TooNew {
            path: path.to_path_buf(),
            found: version,
            supported: schema::CURRENT_VERSION,
        });
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

impl StoreWriter {
    /// Opens (creating if needed) the store at `path` and brings its schema up
    /// to date. Fails at once with [`StoreError::Locked`] while another
    /// writer (in any process) has it open.
    pub fn open(path: impl AsRef<Path>) -> Result<StoreWriter> {
        let lock = StoreLock::acquire(path.as_ref())?;
        Self::open_locked(path.as_ref(), lock)
    }

    /// Empties the store at `path` (deletes the database and its WAL files)
    /// and opens it afresh, under the lock, so a store another process is
    /// writing is refused rather than deleted under its feet.
    pub fn open_fresh(path: impl AsRef<Path>) -> Result<StoreWriter> {
        let path = path.as_ref();
        let lock = StoreLock::acquire(path)?;
        for suffix in ["", "-wal", "-shm"] {
            let mut f = path.as_os_str().to_os_string();
            f.push(suffix);
            match std::fs::remove_file(&f) {
                Err(e) if e.kind() != std::io::ErrorKind::NotFound => {
                    return Err(StoreError::Lock {
                        path: path.to_path_buf(),
                        lock: PathBuf::from(f),
                        source: e,
                    });
                }
                _ => {}
            }
        }
        Self::open_locked(path, lock)
    }

    fn open_locked(path: &Path, lock: StoreLock) -> Result<StoreWriter> {
        let path = path.to_path_buf();
        let open_err = |source| open_error(&path, source);
        let mut conn = Connection::open(&path).map_err(open_err)?;
        configure(&conn).map_err(open_err)?;
        if !is_netwalker_or_empty(&conn).map_err(open_err)? {
            return Err(StoreError::NotAStore {
                path,
                detail: "it is an SQLite database with other tables".into(),
            });
        }
        migrate(&mut conn, &path)?;
        Ok(StoreWriter {
            reader: StoreReader {
                conn,
                path,
                clock: system_clock(),
            },
            current_run: None,
            _lock: Some(lock),
        })
    }

    /// A private in-memory store, for tests and dry runs.
    pub fn open_in_memory() -> Result<StoreWriter> {
        let path = PathBuf::from(":memory:");
        let mut conn = Connection::open_in_memory().map_err(|source| StoreError::Open {
            path: path.clone(),
            source,
        })?;
        configure(&conn).map_err(|source| StoreError::Open {
            path: path.clone(),
            source,
        })?;
        migrate(&mut conn, &path)?;
        Ok(StoreWriter {
            reader: StoreReader {
                conn,
                path,
                clock: system_clock(),
            },
            current_run: None,
            _lock: None,
        })
    }

    /// Replaces the clock (tests use it to make devices stale).
    pub fn with_clock(mut self, clock: Clock) -> StoreWriter {
        self.reader.clock = clock;
        self
    }

    /// Read access through the writer's own connection (sees its own writes).
    pub fn read(&self) -> &StoreReader {
        &self.reader
    }

    /// The run that commits are currently attributed to.
    pub fn current_run(&self) -> Option<RunId> {
        self.current_run
    }

    fn now(&self) -> UnixTime {
        (self.reader.clock)()
    }

    fn tx(&mut self, what: &str) -> Result<Transaction<'_>> {
        self.reader
            .conn
            .transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)
            .ctx(|| format!("starting a transaction for {what}"))
    }

    /// Records the start of a run with its effective options; later commits
    /// are attributed to it.
    pub fn start_run(&mut self, options: &serde_json::Value) -> Result<RunId> {
        let now = self.now();
        self.reader
            .conn
            .execute(
                "INSERT INTO runs (started, options) VALUES (?1, ?2)",
                params![now, options.to_string()],
            )
            .ctx(|| "recording the start of a run".into())?;
        let id = RunId(self.reader.conn.last_insert_rowid());
        self.current_run = Some(id);
        Ok(id)
    }

    /// Continues an interrupted run: later commits are attributed to it again.
    pub fn resume_run(&mut self, run: RunId) -> Result<()> {
        self.reader.run(run)?.ok_or(StoreError::UnknownRun(run))?;
        self.current_run = Some(run);
        Ok(())
    }

    /// Marks a run finished with its final counts.
    pub fn finish_run(&mut self, run: RunId, counts: &StatusCounts) -> Result<()> {
        let now = self.now();
        let counts = serde_json::to_string(counts).expect("counts serialise");
        let n = self
            .reader
            .conn
            .execute(
                "UPDATE runs SET finished = ?1, counts = ?2 WHERE id = ?3",
                params![now, counts, run.0],
            )
            .ctx(|| format!("recording the end of {run}"))?;
        if n == 0 {
            return Err(StoreError::UnknownRun(run));
        }
        if self.current_run == Some(run) {
            self.current_run = None;
        }
        Ok(())
    }

    /// Writes everything one device task produced in one transaction.
    ///
    /// The device's own record is authoritative (its status, reason and
    /// error replace the stored ones; optional facts it lacks keep their
    /// stored values). `Walked` resets the failure count and replaces the
    /// interface, stack and VLAN tables; `Failed` increments the count and
    /// leaves the tables from earlier walks alone. Neighbours are upserted as
    /// placeholders (see [`DeviceResult::neighbors`]), links are merged into
    /// one row per physical link.
    pub fn commit_device(&mut self, result: &DeviceResult) -> Result<()> {
        match self.commit_devices(std::slice::from_ref(result))?.pop() {
            Some((_, err)) => Err(err),
            None => Ok(()),
        }
    }

    /// [`commit_device`](Self::commit_device) for several devices in one
    /// transaction. The writer task should pass whatever has queued up in its
    /// channel: a backlog is then written with far fewer WAL pages and
    /// checkpoints (see `tests/store_bench.rs`), and a crash still loses only
    /// devices not yet committed.
    ///
    /// Each device gets its own savepoint, so it stays all-or-nothing on its
    /// own: a device that fails to write is rolled back alone and returned
    /// with its error; the others are committed. `Err` means the transaction
    /// itself failed and nothing was written.
    pub fn commit_devices(
        &mut self,
        results: &[DeviceResult],
    ) -> Result<Vec<(DeviceId, StoreError)>> {
        if results.is_empty() {
            return Ok(Vec::new());
        }
        let now = self.now();
        let run = self.current_run;
        let what = match results {
            [one] => format!("device {} ({})", one.device.id, one.device.hostname),
            many => format!("{} devices", many.len()),
        };
        let mut tx = self.tx(&what)?;
        let mut failed = Vec::new();
        for result in results {
            let sp = tx
                .savepoint()
                .ctx(|| format!("starting a savepoint for {what}"))?;
            match write_result(&sp, result, now, run) {
                Ok(()) => sp
                    .commit()
                    .ctx(|| format!("releasing the savepoint for {what}"))?,
                // Dropping the savepoint rolls back this device only.
                Err(e) => failed.push((result.device.id, e)),
            }
        }
        tx.commit()
            .ctx(|| format!("committing the transaction for {what}"))?;
        Ok(failed)
    }

    /// Upserts placeholder records outside a device result (e.g. seeds that
    /// were filtered or skipped before any connection), in one transaction.
    pub fn record_placeholders(&mut self, devices: &[Device]) -> Result<()> {
        let now = self.now();
        let run = self.current_run;
        let tx = self.tx("placeholders")?;
        for d in devices {
            upsert_device(&tx, d, now, run, false)
                .ctx(|| format!("recording placeholder {} ({})", d.id, d.hostname))?;
        }
        tx.commit().ctx(|| "committing placeholders".into())
    }

    /// Folds device `gone` into `keep` after identity proved them one device
    /// (see [`crate::identity::Observation::merged`]): IPs, aliases (including
    /// `gone`'s hostname), tables, links and parent references move to
    /// `keep`; facts `keep` lacks are taken from `gone`; `gone` is deleted.
    /// If `keep` is not stored yet, `gone`'s record moves to the `keep` id;
    /// if `gone` is not stored, there is nothing to do.
    pub fn merge_devices(&mut self, keep: DeviceId, gone: DeviceId) -> Result<()> {
        if keep == gone {
            return Ok(());
        }
        let now = self.now();
        let Some(g) = self.reader.device(gone)? else {
            // Already merged (e.g. a replayed message), or never stored:
            // nothing to do.
            return Ok(());
        };
        let meta_g = self.reader.row_meta(gone)?;
        // The identity index keeps the oldest id, which may belong to a
        // sighting not committed yet; then `gone`'s row simply moves to it.
        let (k, meta_k, copy_first) = match self.reader.device(keep)? {
            Some(k) => (k, self.reader.row_meta(keep)?, false),
            None => {
                let mut k = g.clone();
                k.id = keep;
                (k, meta_g, true)
            }
        };
        let (merged, meta) = merge_records(k, meta_k, g, meta_g);
        let ctx = || format!("merging device {gone} into {keep}");
        let tx = self.tx("a merge")?;
        if copy_first {
            tx.execute(
                &format!(
                    "INSERT INTO devices (id, {DEVICE_STORED_COLUMNS}) SELECT ?1, {DEVICE_STORED_COLUMNS} FROM devices WHERE id = ?2"
                ),
                params![keep.0, gone.0],
            )
            .ctx(ctx)?;
        }
        write_full_row(&tx, &merged, &meta).ctx(ctx)?;
        for sql in [
            "INSERT OR IGNORE INTO device_ips (device_id, ip) SELECT ?1, ip FROM device_ips WHERE device_id = ?2",
            "INSERT OR IGNORE INTO aliases (device_id, alias) SELECT ?1, alias FROM aliases WHERE device_id = ?2",
            "UPDATE OR IGNORE interfaces SET device_id = ?1 WHERE device_id = ?2",
            "UPDATE OR IGNORE stack_members SET device_id = ?1 WHERE device_id = ?2",
            "UPDATE OR IGNORE vlans SET device_id = ?1 WHERE device_id = ?2",
            "UPDATE version_history SET device_id = ?1 WHERE device_id = ?2",
            "UPDATE devices SET parent = ?1 WHERE parent = ?2",
        ] {
            tx.execute(sql, params![keep.0, gone.0]).ctx(ctx)?;
        }
        for alias in &merged.aliases {
            tx.execute(
                "INSERT OR IGNORE INTO aliases (device_id, alias) VALUES (?1, ?2)",
                params![keep.0, alias],
            )
            .ctx(ctx)?;
        }
        // Re-key gone's links onto keep, merging with rows that become equal.
        // A link between the two records of the one device was an artefact of
        // not knowing they were one, so it is dropped.
        let moved: Vec<Link> = links_where(&tx, "a = ?1 OR b = ?1", [gone.0]).ctx(ctx)?;
        tx.execute("DELETE FROM links WHERE a = ?1 OR b = ?1", params![gone.0])
            .ctx(ctx)?;
        for mut l in moved {
            let was_internal = (l.a == gone || l.a == keep) && (l.b == gone || l.b == keep);
            if was_internal {
                continue;
            }
            if l.a == gone {
                l.a = keep;
            }
            if l.b == gone {
                l.b = keep;
            }
            upsert_link(&tx, &l, now).ctx(ctx)?;
        }
        tx.execute("DELETE FROM devices WHERE id = ?1", params![gone.0])
            .ctx(ctx)?;
        tx.commit().ctx(ctx)
    }
}

fn write_result(
    tx: &Connection,
    result: &DeviceResult,
    now: UnixTime,
    run: Option<RunId>,
) -> Result<()> {
    let dev = &result.device;
    let ctx = |what: &str| format!("committing {what} of device {} ({})", dev.id, dev.hostname);
    upsert_device(tx, dev, now, run, true).ctx(|| ctx("the record"))?;
    for n in &result.neighbors {
        upsert_device(tx, n, now, run, false)
            .ctx(|| ctx(&format!("neighbour {} ({})", n.id, n.hostname)))?;
    }
    if dev.status == DeviceStatus::Walked {
        replace_tables(tx, result).ctx(|| ctx("interfaces/stack/VLAN tables"))?;
    }
    if let Some(version) = &dev.version {
        record_version(tx, dev.id, version, now, run).ctx(|| ctx("version history"))?;
    }
    for link in &result.links {
        upsert_link(tx, link, now).ctx(|| {
            ctx(&format!(
                "link {} {} - {} {} (are both endpoints in the result or the store?)",
                link.a, link.a_interface, link.b, link.b_interface
            ))
        })?;
    }
    Ok(())
}

/// Store-only columns of a device row that the model doesn't carry.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
struct RowMeta {
    last_walked: Option<UnixTime>,
    seen_run: Option<i64>,
    attempt_run: Option<i64>,
}

/// Chooses the better record of two that are one device: the one that was
/// attempted (and most recently walked) supplies status and facts, the other
/// fills gaps.
fn merge_records(k: Device, mk: RowMeta, g: Device, mg: RowMeta) -> (Device, RowMeta) {
    let rank =
        |d: &Device, m: &RowMeta| (d.status.is_attempted(), m.last_walked.unwrap_or(i64::MIN));
    let keep_id = k.id;
    let keep_name = k.hostname.clone();
    let (mut best, other, mut meta, ometa) = if rank(&g, &mg) > rank(&k, &mk) {
        (g, k, mg, mk)
    } else {
        (k, g, mk, mg)
    };
    best.id = keep_id;
    macro_rules! fill {
        ($($f:ident),*) => { $( if best.$f.is_none() { best.$f = other.$f.clone(); } )* };
    }
    fill!(
        hostname_raw,
        serial,
        platform,
        model,
        version,
        uptime,
        mgmt_ip,
        parent,
        via,
        method,
        platform_text
    );
    if best.capabilities.is_empty() {
        best.capabilities = other.capabilities.clone();
    }
    best.ips.extend(other.ips.iter().copied());
    best.aliases.extend(other.aliases.iter().cloned());
    for name in [&keep_name, &other.hostname, &best.hostname] {
        best.aliases.insert(name.clone());
    }
    best.hostname = keep_name;
    best.aliases.remove(&best.hostname);
    best.depth = best.depth.min(other.depth);
    best.first_seen = best.first_seen.min(other.first_seen);
    best.last_seen = best.last_seen.max(other.last_seen);
    if best.parent == Some(best.id) {
        best.parent = None;
    }
    meta.seen_run = meta.seen_run.max(ometa.seen_run);
    meta.attempt_run = meta.attempt_run.or(ometa.attempt_run);
    meta.last_walked = meta.last_walked.or(ometa.last_walked);
    (best, meta)
}

fn json_list(v: &[String]) -> String {
    serde_json::to_string(v).expect("string list serialises")
}

fn protocols_text(p: &BTreeSet<LinkProtocol>) -> String {
    p.iter().map(|p| p.as_str()).collect::<Vec<_>>().join(",")
}

macro_rules! insert_device {
    () => {
        "INSERT INTO devices (id, hostname, norm_hostname, hostname_raw, serial, platform, model, version, uptime, mgmt_ip, status, reason, error_class, depth, parent, via, method, capabilities, platform_text, first_seen, last_seen, last_walked, failure_count, seen_run, attempt_run, warnings, legacy_crypto)
        VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18, ?19, ?20, ?20, ?21, ?22, ?23, ?24, ?25, ?26) "
    };
}

/// The device's own record: its status and error replace the stored ones,
/// optional facts it lacks keep their stored values.
const UPSERT_OWN: &str = concat!(
    insert_device!(),
    "ON CONFLICT(id) DO UPDATE SET
        hostname = excluded.hostname,
        norm_hostname = excluded.norm_hostname,
        hostname_raw = COALESCE(excluded.hostname_raw, hostname_raw),
        serial = COALESCE(excluded.serial, serial),
        platform = COALESCE(excluded.platform, platform),
        model = COALESCE(excluded.model, model),
        version = COALESCE(excluded.version, version),
        uptime = COALESCE(excluded.uptime, uptime),
        mgmt_ip = COALESCE(excluded.mgmt_ip, mgmt_ip),
        status = excluded.status,
        reason = excluded.reason,
        error_class = excluded.error_class,
        depth = excluded.depth,
        parent = COALESCE(excluded.parent, parent),
        via = COALESCE(excluded.via, via),
        method = COALESCE(excluded.method, method),
        capabilities = CASE WHEN excluded.capabilities = '[]' THEN capabilities ELSE excluded.capabilities END,
        platform_text = COALESCE(excluded.platform_text, platform_text),
        last_seen = excluded.last_seen,
        last_walked = COALESCE(excluded.last_walked, last_walked),
        failure_count = CASE excluded.status WHEN 'walked' THEN 0 WHEN 'failed' THEN failure_count + 1 ELSE failure_count END,
        seen_run = COALESCE(excluded.seen_run, seen_run),
        attempt_run = COALESCE(excluded.attempt_run, attempt_run),
        warnings = excluded.warnings,
        legacy_crypto = excluded.legacy_crypto"
);

/// A neighbour's view of a device. `status IN ('walked','failed')` refers to
/// the stored row: such a row came from the device itself and only gains
/// gap-filling facts.
const UPSERT_PLACEHOLDER: &str = concat!(
    insert_device!(),
    "ON CONFLICT(id) DO UPDATE SET
        hostname = CASE WHEN status IN ('walked','failed') THEN hostname ELSE excluded.hostname END,
        norm_hostname = CASE WHEN status IN ('walked','failed') THEN norm_hostname ELSE excluded.norm_hostname END,
        hostname_raw = COALESCE(hostname_raw, excluded.hostname_raw),
        serial = COALESCE(serial, excluded.serial),
        platform = COALESCE(platform, excluded.platform),
        model = COALESCE(model, excluded.model),
        version = COALESCE(version, excluded.version),
        uptime = COALESCE(uptime, excluded.uptime),
        mgmt_ip = COALESCE(mgmt_ip, excluded.mgmt_ip),
        reason = CASE WHEN status IN ('walked','failed') THEN reason ELSE excluded.reason END,
        error_class = CASE WHEN status IN ('walked','failed') THEN error_class ELSE excluded.error_class END,
        depth = CASE WHEN status IN ('walked','failed') THEN depth ELSE MIN(depth, excluded.depth) END,
        parent = CASE WHEN status IN ('walked','failed') THEN parent ELSE COALESCE(parent, excluded.parent) END,
        via = CASE WHEN status IN ('walked','failed') THEN via ELSE COALESCE(via, excluded.via) END,
        capabilities = CASE WHEN capabilities = '[]' THEN excluded.capabilities ELSE capabilities END,
        platform_text = COALESCE(platform_text, excluded.platform_text),
        last_seen = excluded.last_seen,
        seen_run = COALESCE(excluded.seen_run, seen_run),
        status = CASE WHEN status IN ('walked','failed') THEN status ELSE excluded.status END"
);

/// Writes a device row. `authoritative`: the device's own result (status and
/// error replace the stored ones). Otherwise a placeholder from a neighbour
/// table: fills gaps, never overrides a record that came from the device.
fn upsert_device(
    tx: &Connection,
    d: &Device,
    now: UnixTime,
    run: Option<RunId>,
    authoritative: bool,
) -> rusqlite::Result<()> {
    let status = d.status.as_str();
    let walked = d.status == DeviceStatus::Walked;
    let failed = d.status == DeviceStatus::Failed;
    let run = run.map(|r| r.0);
    let attempt_run = if authoritative && d.status.is_attempted() {
        run
    } else {
        None
    };
    let values = params![
        d.id.0,
        d.hostname,
        normalize_hostname(&d.hostname),
        d.hostname_raw,
        d.serial,
        d.platform.map(|p| p.as_str()),
        d.model,
        d.version,
        d.uptime,
        d.mgmt_ip.map(|ip| ip.to_string()),
        status,
        d.reason,
        d.error_class,
        d.depth,
        d.parent.map(|p| p.0),
        d.via.map(|v| v.as_str()),
        d.method.map(|m| m.as_str()),
        json_list(&d.capabilities),
        d.platform_text,
        now,
        if authoritative && walked {
            Some(now)
        } else {
            None
        },
        if authoritative && failed { 1 } else { 0 },
        run,
        attempt_run,
        json_list(&d.warnings),
        d.legacy_crypto,
    ];
    if authoritative {
        remember_old_name(tx, d)?;
    }
    let sql = if authoritative {
        UPSERT_OWN
    } else {
        UPSERT_PLACEHOLDER
    };
    tx.prepare_cached(sql)?.execute(values)?;
    add_ips_aliases(tx, d)
}

/// When a device's own record renames it (a neighbour called it `CORE1-LLDP`,
/// its prompt says `core1`), the old name becomes an alias so lookups by it
/// still work. IP-literal placeholder names are not names and are dropped.
fn remember_old_name(tx: &Connection, d: &Device) -> rusqlite::Result<()> {
    let old: Option<String> = tx
        .prepare_cached("SELECT hostname FROM devices WHERE id = ?1")?
        .query_row([d.id.0], |r| r.get(0))
        .optional()?;
    if let Some(old) = old
        && let Some(norm) = normalize_hostname(&old)
        && normalize_hostname(&d.hostname).as_deref() != Some(norm.as_str())
    {
        tx.prepare_cached("INSERT OR IGNORE INTO aliases (device_id, alias) VALUES (?1, ?2)")?
            .execute(params![d.id.0, old])?;
    }
    Ok(())
}

fn add_ips_aliases(tx: &Connection, d: &Device) -> rusqlite::Result<()> {
    let mut ip_stmt =
        tx.prepare_cached("INSERT OR IGNORE INTO device_ips (device_id, ip) VALUES (?1, ?2)")?;
    for ip in d.ips.iter().chain(d.mgmt_ip.iter()) {
        ip_stmt.execute(params![d.id.0, ip.to_string()])?;
    }
    let mut alias_stmt =
        tx.prepare_cached("INSERT OR IGNORE INTO aliases (device_id, alias) VALUES (?1, ?2)")?;
    for a in &d.aliases {
        alias_stmt.execute(params![d.id.0, a])?;
    }
    Ok(())
}

/// Overwrites every column of a device row (used by merges, where the merged
/// record was computed in Rust).
fn write_full_row(tx: &Connection, d: &Device, m: &RowMeta) -> rusqlite::Result<()> {
    tx.execute(
        "UPDATE devices SET hostname = ?2, norm_hostname = ?3, hostname_raw = ?4, serial = ?5,
            platform = ?6, model = ?7, version = ?8, uptime = ?9, mgmt_ip = ?10, status = ?11,
            reason = ?12, error_class = ?13, depth = ?14, parent = ?15, via = ?16, method = ?17,
            capabilities = ?18, platform_text = ?19, first_seen = ?20, last_seen = ?21,
            last_walked = ?22, failure_count = ?23, seen_run = ?24, attempt_run = ?25,
            warnings = ?26, legacy_crypto = ?27
         WHERE id = ?1",
        params![
            d.id.0,
            d.hostname,
            normalize_hostname(&d.hostname),
            d.hostname_raw,
            d.serial,
            d.platform.map(|p| p.as_str()),
            d.model,
            d.version,
            d.uptime,
            d.mgmt_ip.map(|ip| ip.to_string()),
            d.status.as_str(),
            d.reason,
            d.error_class,
            d.depth,
            d.parent.map(|p| p.0),
            d.via.map(|v| v.as_str()),
            d.method.map(|m| m.as_str()),
            json_list(&d.capabilities),
            d.platform_text,
            d.first_seen,
            d.last_seen,
            m.last_walked,
            d.failure_count,
            m.seen_run,
            m.attempt_run,
            json_list(&d.warnings),
            d.legacy_crypto,
        ],
    )?;
    add_ips_aliases(tx, d)
}

fn replace_tables(tx: &Connection, r: &DeviceResult) -> rusqlite::Result<()> {
    let id = r.device.id.0;
    for sql in [
        "DELETE FROM interfaces WHERE device_id = ?1",
        "DELETE FROM stack_members WHERE device_id = ?1",
        "DELETE FROM vlans WHERE device_id = ?1",
    ] {
        tx.prepare_cached(sql)?.execute([id])?;
    }
    // OR REPLACE: a parser that reports one interface twice must not abort the
    // whole device's commit; the last report wins.
    let mut st = tx.prepare_cached(
        "INSERT OR REPLACE INTO interfaces (device_id, name, status, vlan, duplex, speed, type, ip)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
    )?;
    for i in &r.interfaces {
        st.execute(params![
            id, i.name, i.status, i.vlan, i.duplex, i.speed, i.kind, i.ip
        ])?;
    }
    let mut st = tx.prepare_cached(
        "INSERT OR REPLACE INTO stack_members (device_id, switch, role, priority, model, serial, mac, hw_version, version, state)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)",
    )?;
    for m in &r.stack_members {
        st.execute(params![
            id,
            m.switch,
            m.role,
            m.priority,
            m.model,
            m.serial,
            m.mac,
            m.hw_version,
            m.version,
            m.state
        ])?;
    }
    let mut st = tx.prepare_cached(
        "INSERT OR REPLACE INTO vlans (device_id, vlan_id, name, ports, port_channels)
         VALUES (?1, ?2, ?3, ?4, ?5)",
    )?;
    for v in &r.vlans {
        st.execute(params![
            id,
            v.id,
            v.name,
            json_list(&v.ports),
            json_list(&v.port_channels)
        ])?;
    }
    Ok(())
}

/// Appends to the version history when the version differs from the latest.
fn record_version(
    tx: &Connection,
    id: DeviceId,
    version: &str,
    now: UnixTime,
    run: Option<RunId>,
) -> rusqlite::Result<()> {
    let last: Option<String> = tx
        .prepare_cached(
            "SELECT version FROM version_history WHERE device_id = ?1 ORDER BY id DESC LIMIT 1",
        )?
        .query_row([id.0], |r| r.get(0))
        .optional()?;
    if last.as_deref() != Some(version) {
        tx.prepare_cached(
            "INSERT INTO version_history (device_id, version, seen, run_id) VALUES (?1, ?2, ?3, ?4)",
        )?
        .execute(params![id.0, version, now, run.map(|r| r.0)])?;
    }
    Ok(())
}

fn upsert_link(tx: &Connection, link: &Link, now: UnixTime) -> rusqlite::Result<()> {
    let c = link.canonical();
    let existing: Option<String> = tx
        .prepare_cached(
            "SELECT protocols FROM links WHERE a = ?1 AND a_interface = ?2 AND b = ?3 AND b_interface = ?4",
        )?
        .query_row(params![c.a.0, c.a_interface, c.b.0, c.b_interface], |r| r.get(0))
        .optional()?;
    let mut protocols = c.protocols.clone();
    if let Some(text) = existing {
        protocols.extend(parse_protocols(&text));
    }
    tx.prepare_cached(
        "INSERT INTO links (a, a_interface, b, b_interface, protocols, first_seen, last_seen)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?6)
         ON CONFLICT(a, a_interface, b, b_interface) DO UPDATE SET
            protocols = excluded.protocols, last_seen = excluded.last_seen",
    )?
    .execute(params![
        c.a.0,
        c.a_interface,
        c.b.0,
        c.b_interface,
        protocols_text(&protocols),
        now
    ])?;
    Ok(())
}

fn parse_protocols(text: &str) -> BTreeSet<LinkProtocol> {
    // Unknown words are ignored rather than failing a read: a newer writer may
    // know more protocols.
    text.split(',')
        .filter_map(|p| p.trim().parse::<LinkProtocol>().ok())
        .collect()
}

fn links_where(
    conn: &Connection,
    cond: &str,
    args: impl rusqlite::Params,
) -> rusqlite::Result<Vec<Link>> {
    let sql = format!(
        "SELECT a, a_interface, b, b_interface, protocols FROM links WHERE {cond} ORDER BY a, a_interface, b, b_interface"
    );
    let mut st = conn.prepare(&sql)?;
    let rows = st.query_map(args, link_from_row)?;
    rows.collect()
}

/// The `WHERE` condition and parameters that limit a per-device table to
/// one device, or (`None`) to none.
fn device_filter(one: Option<DeviceId>) -> (&'static str, ParamsFromIter<Option<i64>>) {
    match one {
        Some(id) => ("device_id = ?1", params_from_iter(Some(id.0))),
        None => ("1", params_from_iter(None)),
    }
}

/// One device's group of a [`StoreReader::by_device`] read.
fn of_one<T>(groups: Result<BTreeMap<DeviceId, Vec<T>>>, id: DeviceId) -> Result<Vec<T>> {
    Ok(groups?.remove(&id).unwrap_or_default())
}

fn link_from_row(r: &Row<'_>) -> rusqlite::Result<Link> {
    Ok(Link {
        a: DeviceId(r.get(0)?),
        a_interface: r.get(1)?,
        b: DeviceId(r.get(2)?),
        b_interface: r.get(3)?,
        protocols: parse_protocols(&r.get::<_, String>(4)?),
    })
}

/// Every devices column but `id`, for copying a row under a new id.
const DEVICE_STORED_COLUMNS: &str = "hostname, norm_hostname, hostname_raw, serial, platform, model, version, uptime, mgmt_ip, status, reason, error_class, depth, parent, via, method, capabilities, platform_text, first_seen, last_seen, last_walked, failure_count, seen_run, attempt_run, warnings, legacy_crypto";

const DEVICE_COLUMNS: &str = "id, hostname, hostname_raw, serial, platform, model, version, uptime, mgmt_ip, status, reason, error_class, depth, parent, via, method, capabilities, platform_text, first_seen, last_seen, failure_count, warnings, legacy_crypto";

/// A device row before its IPs and aliases are attached.
fn device_from_row(r: &Row<'_>) -> Result<Device> {
    let sql_err = |source| StoreError::Sqlite {
        context: "reading a device row".into(),
        source,
    };
    let get_s = |i: usize| r.get::<_, Option<String>>(i).map_err(sql_err);
    let id = DeviceId(r.get(0).map_err(sql_err)?);
    let status_text: String = r.get(9).map_err(sql_err)?;
    let status = status_text
        .parse()
        .map_err(|e: crate::model::UnknownName| StoreError::Corrupt {
            what: "device status",
            detail: format!("device {id}: {e}"),
        })?;
    let mgmt_ip = match get_s(8)? {
        None => None,
        Some(t) => Some(t.parse::<IpAddr>().map_err(|e| StoreError::Corrupt {
            what: "management IP",
            detail: format!("device {id}: {t:?}: {e}"),
        })?),
    };
    let capabilities: Vec<String> = serde_json::from_str(&r.get::<_, String>(16).map_err(sql_err)?)
        .map_err(|e| StoreError::Corrupt {
            what: "capability list",
            detail: format!("device {id}: {e}"),
        })?;
    Ok(Device {
        id,
        hostname: r.get(1).map_err(sql_err)?,
        hostname_raw: get_s(2)?,
        serial: get_s(3)?,
        // Lenient: a platform this build doesn't know reads as "unknown".
        platform: get_s(4)?.and_then(|p| p.parse().ok()),
        model: get_s(5)?,
        version: get_s(6)?,
        uptime: get_s(7)?,
        mgmt_ip,
        ips: BTreeSet::new(),
        aliases: BTreeSet::new(),
        status,
        reason: get_s(10)?,
        error_class: get_s(11)?,
        depth: r.get(12).map_err(sql_err)?,
        parent: r.get::<_, Option<i64>>(13).map_err(sql_err)?.map(DeviceId),
        via: get_s(14)?.and_then(|v| v.parse::<Via>().ok()),
        method: get_s(15)?.and_then(|m| m.parse::<ConnectionMethod>().ok()),
        capabilities,
        platform_text: get_s(17)?,
        first_seen: r.get(18).map_err(sql_err)?,
        last_seen: r.get(19).map_err(sql_err)?,
        failure_count: r.get(20).map_err(sql_err)?,
        warnings: serde_json::from_str(&r.get::<_, String>(21).map_err(sql_err)?).map_err(|e| {
            StoreError::Corrupt {
                what: "warning list",
                detail: format!("device {id}: {e}"),
            }
        })?,
        legacy_crypto: r.get(22).map_err(sql_err)?,
    })
}

fn run_from_row(r: &Row<'_>) -> Result<Run> {
    let sql_err = |source| StoreError::Sqlite {
        context: "reading a run row".into(),
        source,
    };
    let id = RunId(r.get(0).map_err(sql_err)?);
    let options: String = r.get(3).map_err(sql_err)?;
    let counts: Option<String> = r.get(4).map_err(sql_err)?;
    Ok(Run {
        id,
        started: r.get(1).map_err(sql_err)?,
        finished: r.get(2).map_err(sql_err)?,
        options: serde_json::from_str(&options).map_err(|e| StoreError::Corrupt {
            what: "run options",
            detail: format!("{id}: {e}"),
        })?,
        counts: counts
            .map(|c| serde_json::from_str(&c))
            .transpose()
            .map_err(|e| StoreError::Corrupt {
                what: "run counts",
                detail: format!("{id}: {e}"),
            })?,
    })
}

impl StoreReader {
    /// Opens an existing store read-only (e.g. for reports while a walk runs).
    pub fn open(path: impl AsRef<Path>) -> Result<StoreReader> {
        let path = path.as_ref().to_path_buf();
        let open_err = |source| open_error(&path, source);
        let conn = Connection::open_with_flags(
            &path,
            OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX,
        )
        .map_err(open_err)?;
        conn.busy_timeout(std::time::Duration::from_secs(10))
            .map_err(open_err)?;
        if !is_netwalker_or_empty(&conn).map_err(open_err)? {
            return Err(StoreError::NotAStore {
                path,
                detail: "it is an SQLite database with other tables".into(),
            });
        }
        let version: i64 = conn
            .query_row("SELECT version FROM schema_version", [], |r| r.get(0))
            .map_err(|_| StoreError::NotAStore {
                path: path.clone(),
                detail: "it has no netwalker schema; run a discover to create one".into(),
            })?;
        if version > schema::CURRENT_VERSION {
            return Err(StoreError::TooNew {
                path,
                found: version,
                supported: schema::CURRENT_VERSION,
            });
        }
        Ok(StoreReader {
            conn,
            path,
            clock: system_clock(),
        })
    }

    /// Replaces the clock used by [`stale`](Self::stale).
    pub fn with_clock(mut self, clock: Clock) -> StoreReader {
        self.clock = clock;
        self
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// A consistent view of the store for several reads (see
    /// [`StoreSnapshot`]): take one for anything that reads more than once
    /// and must agree with itself (reports, diagrams, exports).
    pub fn snapshot(&self) -> Result<StoreSnapshot<'_>> {
        if !self.conn.is_autocommit() {
            return Ok(StoreSnapshot {
                reader: self,
                owns: false,
            });
        }
        let ctx = || "starting a read snapshot".to_string();
        self.conn.execute_batch("BEGIN DEFERRED").ctx(ctx)?;
        let snap = StoreSnapshot {
            reader: self,
            owns: true,
        };
        // The first read pins the snapshot; do it now, so the view is the
        // store as of this call rather than of the caller's first read.
        self.conn
            .query_row("SELECT COUNT(*) FROM schema_version", [], |r| {
                r.get::<_, i64>(0)
            })
            .ctx(ctx)?;
        Ok(snap)
    }

    fn devices_where(&self, cond: &str, args: impl rusqlite::Params) -> Result<Vec<Device>> {
        // Rows, addresses and aliases from one state of the store.
        let _snap = self.snapshot()?;
        let sql = format!("SELECT {DEVICE_COLUMNS} FROM devices WHERE {cond} ORDER BY id");
        let ctx = || "reading devices".to_string();
        let mut st = self.conn.prepare(&sql).ctx(ctx)?;
        let mut rows = st.query(args).ctx(ctx)?;
        let mut out = Vec::new();
        while let Some(r) = rows.next().ctx(ctx)? {
            out.push(device_from_row(r)?);
        }
        drop(rows);
        self.attach_ips_aliases(&mut out)?;
        Ok(out)
    }

    fn attach_ips_aliases(&self, devices: &mut [Device]) -> Result<()> {
        if devices.is_empty() {
            return Ok(());
        }
        let pos: HashMap<i64, usize> = devices
            .iter()
            .enumerate()
            .map(|(i, d)| (d.id.0, i))
            .collect();
        let ctx = || "reading device IPs and aliases".to_string();
        // Whole-inventory reads (reports) take one pass over each side table;
        // a single-device read (merges, seed lookups) uses the index.
        let one = match devices {
            [one] => Some(one.id),
            _ => None,
        };
        let (cond, _) = device_filter(one);
        let ip_sql = format!("SELECT device_id, ip FROM device_ips WHERE {cond}");
        let alias_sql = format!("SELECT device_id, alias FROM aliases WHERE {cond}");
        let mut st = self.conn.prepare_cached(&ip_sql).ctx(ctx)?;
        let mut rows = st.query(device_filter(one).1).ctx(ctx)?;
        while let Some(r) = rows.next().ctx(ctx)? {
            let id: i64 = r.get(0).ctx(ctx)?;
            if let Some(&i) = pos.get(&id) {
                let text: String = r.get(1).ctx(ctx)?;
                let ip = text.parse().map_err(|e| StoreError::Corrupt {
                    what: "device IP",
                    detail: format!("device #{id}: {text:?}: {e}"),
                })?;
                devices[i].ips.insert(ip);
            }
        }
        drop(rows);
        let mut st = self.conn.prepare_cached(&alias_sql).ctx(ctx)?;
        let mut rows = st.query(device_filter(one).1).ctx(ctx)?;
        while let Some(r) = rows.next().ctx(ctx)? {
            let id: i64 = r.get(0).ctx(ctx)?;
            if let Some(&i) = pos.get(&id) {
                devices[i].aliases.insert(r.get(1).ctx(ctx)?);
            }
        }
        Ok(())
    }

    fn row_meta(&self, id: DeviceId) -> Result<RowMeta> {
        self.conn
            .query_row(
                "SELECT last_walked, seen_run, attempt_run FROM devices WHERE id = ?1",
                [id.0],
                |r| {
                    Ok(RowMeta {
                        last_walked: r.get(0)?,
                        seen_run: r.get(1)?,
                        attempt_run: r.get(2)?,
                    })
                },
            )
            .optional()
            .ctx(|| format!("reading device {id}"))
            .map(Option::unwrap_or_default)
    }

    /// Every device, walked or not, by id.
    pub fn devices(&self) -> Result<Vec<Device>> {
        self.devices_where("1", [])
    }

    pub fn device(&self, id: DeviceId) -> Result<Option<Device>> {
        Ok(self.devices_where("id = ?1", [id.0])?.pop())
    }

    /// Every link, one per physical link, in canonical order.
    pub fn links(&self) -> Result<Vec<Link>> {
        links_where(&self.conn, "1", []).ctx(|| "reading links".into())
    }

    /// Interfaces of one device, by name.
    pub fn interfaces(&self, id: DeviceId) -> Result<Vec<Interface>> {
        of_one(self.interfaces_of(Some(id)), id)
    }

    /// Interfaces of every device.
    pub fn all_interfaces(&self) -> Result<BTreeMap<DeviceId, Vec<Interface>>> {
        self.interfaces_of(None)
    }

    fn interfaces_of(&self, one: Option<DeviceId>) -> Result<BTreeMap<DeviceId, Vec<Interface>>> {
        let columns = "name, status, vlan, duplex, speed, type, ip";
        self.by_device("interfaces", "interfaces", columns, "name", one, |r| {
            Ok(Interface {
                name: r.get(1)?,
                status: r.get(2)?,
                vlan: r.get(3)?,
                duplex: r.get(4)?,
                speed: r.get(5)?,
                kind: r.get(6)?,
                ip: r.get(7)?,
            })
        })
    }

    /// Stack members of one device, by switch number.
    pub fn stack_members(&self, id: DeviceId) -> Result<Vec<StackMember>> {
        of_one(self.stack_members_of(Some(id)), id)
    }

    /// Stack members of every device.
    pub fn all_stack_members(&self) -> Result<BTreeMap<DeviceId, Vec<StackMember>>> {
        self.stack_members_of(None)
    }

    fn stack_members_of(
        &self,
        one: Option<DeviceId>,
    ) -> Result<BTreeMap<DeviceId, Vec<StackMember>>> {
        let columns = "switch, role, priority, model, serial, mac, hw_version, version, state";
        self.by_device(
            "stack members",
            "stack_members",
            columns,
            "switch",
            one,
            |r| {
                Ok(StackMember {
                    switch: r.get(1)?,
                    role: r.get(2)?,
                    priority: r.get(3)?,
                    model: r.get(4)?,
                    serial: r.get(5)?,
                    mac: r.get(6)?,
                    hw_version: r.get(7)?,
                    version: r.get(8)?,
                    state: r.get(9)?,
                })
            },
        )
    }

    /// VLANs of one device, by id.
    pub fn vlans(&self, id: DeviceId) -> Result<Vec<Vlan>> {
        of_one(self.vlans_of(Some(id)), id)
    }

    /// VLANs of every device.
    pub fn all_vlans(&self) -> Result<BTreeMap<DeviceId, Vec<Vlan>>> {
        self.vlans_of(None)
    }

    fn vlans_of(&self, one: Option<DeviceId>) -> Result<BTreeMap<DeviceId, Vec<Vlan>>> {
        let columns = "vlan_id, name, ports, port_channels";
        let raw = self.by_device("VLANs", "vlans", columns, "vlan_id", one, |r| {
            Ok((
                r.get::<_, u16>(1)?,
                r.get::<_, String>(2)?,
                r.get::<_, String>(3)?,
                r.get::<_, String>(4)?,
            ))
        })?;
        let mut out = BTreeMap::new();
        for (id, rows) in raw {
            let mut vlans = Vec::with_capacity(rows.len());
            for (vid, name, ports, pcs) in rows {
                let list = |t: &str| {
                    serde_json::from_str::<Vec<String>>(t).map_err(|e| StoreError::Corrupt {
                        what: "VLAN port list",
                        detail: format!("device {id} vlan {vid}: {e}"),
                    })
                };
                vlans.push(Vlan {
                    id: vid,
                    name,
                    ports: list(&ports)?,
                    port_channels: list(&pcs)?,
                });
            }
            out.insert(id, vlans);
        }
        Ok(out)
    }

    /// Rows of a per-device table grouped by device, each group ordered by
    /// `order`; `one` limits the read to one device. `row` sees `device_id`
    /// as column 0 and `columns` from column 1 on.
    fn by_device<T>(
        &self,
        what: &str,
        table: &str,
        columns: &str,
        order: &str,
        one: Option<DeviceId>,
        mut row: impl FnMut(&Row<'_>) -> rusqlite::Result<T>,
    ) -> Result<BTreeMap<DeviceId, Vec<T>>> {
        let (cond, args) = device_filter(one);
        let sql = format!(
            "SELECT device_id, {columns} FROM {table} WHERE {cond} ORDER BY device_id, {order}"
        );
        let ctx = || format!("reading {what}");
        let mut st = self.conn.prepare_cached(&sql).ctx(ctx)?;
        let mut rows = st.query(args).ctx(ctx)?;
        let mut out: BTreeMap<DeviceId, Vec<T>> = BTreeMap::new();
        while let Some(r) = rows.next().ctx(ctx)? {
            let id = DeviceId(r.get(0).ctx(ctx)?);
            out.entry(id).or_default().push(row(r).ctx(ctx)?);
        }
        Ok(out)
    }

    /// Software versions a device has reported, oldest first.
    pub fn version_history(&self, id: DeviceId) -> Result<Vec<VersionChange>> {
        let ctx = || format!("reading the version history of device {id}");
        let mut st = self
            .conn
            .prepare("SELECT version, seen, run_id FROM version_history WHERE device_id = ?1 ORDER BY id")
            .ctx(ctx)?;
        let rows = st
            .query_map([id.0], |r| {
                Ok(VersionChange {
                    version: r.get(0)?,
                    seen: r.get(1)?,
                    run: r.get::<_, Option<i64>>(2)?.map(RunId),
                })
            })
            .ctx(ctx)?;
        rows.collect::<rusqlite::Result<_>>().ctx(ctx)
    }

    /// Walked devices whose last successful walk is older than `days` days:
    /// the seeds of `--rewalk-stale DAYS`.
    pub fn stale(&self, days: u32) -> Result<Vec<Device>> {
        let cutoff = (self.clock)() - i64::from(days) * 86_400;
        self.devices_where("last_walked IS NOT NULL AND last_walked < ?1", [cutoff])
    }

    /// Devices heard of but never successfully walked (placeholders, skipped,
    /// failed): the candidates for `--walk-unwalked`. Filtered ones are
    /// included so a changed filter can let them through; the engine re-applies
    /// filters and the failure threshold.
    pub fn unwalked(&self) -> Result<Vec<Device>> {
        self.devices_where("last_walked IS NULL AND status != 'duplicate'", [])
    }

    /// Consecutive failed attempts of a device (0 if unknown).
    pub fn failure_count(&self, id: DeviceId) -> Result<u32> {
        self.conn
            .query_row(
                "SELECT failure_count FROM devices WHERE id = ?1",
                [id.0],
                |r| r.get(0),
            )
            .optional()
            .ctx(|| format!("reading the failure count of device {id}"))
            .map(Option::unwrap_or_default)
    }

    /// The management address (else any known address) of a device known by
    /// this name or alias: how seeds without an IP are resolved before DNS.
    pub fn ip_for_hostname(&self, name: &str) -> Result<Option<IpAddr>> {
        // Every read below from one state of the store (the guard must live).
        let _snap = self.snapshot()?;
        let Some(norm) = normalize_hostname(name) else {
            return Ok(None);
        };
        let ctx = || format!("looking up {name:?} in the store");
        let mut ids: Vec<i64> = self
            .conn
            .prepare_cached("SELECT id FROM devices WHERE norm_hostname = ?1 ORDER BY id")
            .ctx(ctx)?
            .query_map([&norm], |r| r.get(0))
            .ctx(ctx)?
            .collect::<rusqlite::Result<_>>()
            .ctx(ctx)?;
        if ids.is_empty() {
            // Aliases are stored in display form; compare normalised.
            let mut st = self
                .conn
                .prepare_cached("SELECT device_id, alias FROM aliases ORDER BY device_id")
                .ctx(ctx)?;
            let rows = st
                .query_map([], |r| Ok((r.get::<_, i64>(0)?, r.get::<_, String>(1)?)))
                .ctx(ctx)?;
            for row in rows {
                let (id, alias) = row.ctx(ctx)?;
                if normalize_hostname(&alias).as_deref() == Some(norm.as_str()) {
                    ids.push(id);
                    break;
                }
            }
        }
        for id in ids {
            if let Some(d) = self.device(DeviceId(id))?
                && let Some(ip) = d.mgmt_ip.or_else(|| d.ips.iter().next().copied())
            {
                return Ok(Some(ip));
            }
        }
        Ok(None)
    }

    /// Device counts by status over the whole store.
    pub fn status_counts(&self) -> Result<StatusCounts> {
        let ctx = || "counting devices by status".to_string();
        let mut st = self
            .conn
            .prepare("SELECT status, COUNT(*) FROM devices GROUP BY status")
            .ctx(ctx)?;
        let rows = st
            .query_map([], |r| Ok((r.get::<_, String>(0)?, r.get::<_, i64>(1)?)))
            .ctx(ctx)?;
        let mut counts = StatusCounts::default();
        for row in rows {
            let (status, n) = row.ctx(ctx)?;
            let status: DeviceStatus =
                status
                    .parse()
                    .map_err(|e: crate::model::UnknownName| StoreError::Corrupt {
                        what: "device status",
                        detail: e.to_string(),
                    })?;
            counts.add(status, n as u64);
        }
        Ok(counts)
    }

    /// Every run, oldest first.
    pub fn runs(&self) -> Result<Vec<Run>> {
        self.runs_where("1", [])
    }

    pub fn run(&self, id: RunId) -> Result<Option<Run>> {
        Ok(self.runs_where("id = ?1", [id.0])?.pop())
    }

    fn runs_where(&self, cond: &str, args: impl rusqlite::Params) -> Result<Vec<Run>> {
        let sql = format!(
            "SELECT id, started, finished, options, counts FROM runs WHERE {cond} ORDER BY id"
        );
        let ctx = || "reading runs".to_string();
        let mut st = self.conn.prepare(&sql).ctx(ctx)?;
        let mut rows = st.query(args).ctx(ctx)?;
        let mut out = Vec::new();
        while let Some(r) = rows.next().ctx(ctx)? {
            out.push(run_from_row(r)?);
        }
        Ok(out)
    }

    /// The most recent run that never finished (the process died or was
    /// killed), if the latest run is one.
    pub fn unfinished_run(&self) -> Result<Option<Run>> {
        Ok(self
            .runs_where("id = (SELECT MAX(id) FROM runs)", [])?
            .pop()
            .filter(|r| r.finished.is_none()))
    }

    /// What `--resume` needs, or `None` when the latest run finished.
    pub fn resume_info(&self) -> Result<Option<ResumeInfo>> {
        // Every read below from one state of the store (the guard must live).
        let _snap = self.snapshot()?;
        let Some(run) = self.unfinished_run()? else {
            return Ok(None);
        };
        let done = self
            .devices_where("attempt_run = ?1", [run.id.0])?
            .into_iter()
            .map(|d| d.id)
            .collect();
        let frontier = self.devices_where(
            "seen_run = ?1 AND (attempt_run IS NULL OR attempt_run != ?1) AND status NOT IN ('filtered', 'skipped', 'duplicate')",
            [run.id.0],
        )?;
        Ok(Some(ResumeInfo {
            run,
            done,
            frontier,
        }))
    }

    /// Rebuilds the identity index from the store, so a new run recognises
    /// every device earlier runs saw (stack member serials included).
    pub fn identity_index(&self) -> Result<IdentityIndex> {
        // Every read below from one state of the store (the guard must live).
        let _snap = self.snapshot()?;
        let stacks = self.all_stack_members()?;
        let mut idx = IdentityIndex::new();
        for d in self.devices()? {
            let members = stacks.get(&d.id).map(Vec::as_slice).unwrap_or_default();
            idx.insert_with_id(d.id, &Identifiers::of_device(&d, members));
        }
        Ok(idx)
    }

    /// The `inventory.json` contract: devices sorted by hostname (then id),
    /// links by endpoint names, parents and endpoints by hostname.
    pub fn export_inventory(&self) -> Result<Inventory> {
        // Every read below from one state of the store (the guard must live).
        let _snap = self.snapshot()?;
        let devices = self.devices()?;
        let mut stacks = self.all_stack_members()?;
        let mut vlans = self.all_vlans()?;
        let names: HashMap<DeviceId, String> =
            devices.iter().map(|d| (d.id, d.hostname.clone())).collect();
        let name_of = |id: DeviceId| names.get(&id).cloned().unwrap_or_else(|| id.to_string());
        let mut out_devices: Vec<(String, DeviceId, InventoryDevice)> = devices
            .into_iter()
            .map(|d| {
                let inv = InventoryDevice {
                    hostname: d.hostname.clone(),
                    serial: d.serial,
                    platform: d.platform,
                    model: d.model,
                    version: d.version,
                    mgmt_ip: d.mgmt_ip,
                    ips: d.ips.into_iter().collect(),
                    status: d.status,
                    reason: d.reason,
                    depth: d.depth,
                    parent: d.parent.map(name_of),
                    via: d.via,
                    stack_members: stacks.remove(&d.id).unwrap_or_default(),
                    vlans: vlans.remove(&d.id).unwrap_or_default(),
                    warnings: d.warnings,
                    legacy_crypto: d.legacy_crypto,
                };
                (d.hostname.to_lowercase(), d.id, inv)
            })
            .collect();
        out_devices.sort_by(|x, y| (&x.0, x.1).cmp(&(&y.0, y.1)));
        // Links are oriented and sorted by case-folded name (like devices), so
        // the file reads the same whatever ids the walk happened to allocate.
        let key = |name: &str, iface: &str| (name.to_lowercase(), iface.to_string());
        let mut links: Vec<InventoryLink> = self
            .links()?
            .into_iter()
            .map(|l| {
                let (a, b) = (name_of(l.a), name_of(l.b));
                if key(&a, &l.a_interface) <= key(&b, &l.b_interface) {
                    InventoryLink {
                        a,
                        a_interface: l.a_interface,
                        b,
                        b_interface: l.b_interface,
                        protocols: l.protocols,
                    }
                } else {
                    InventoryLink {
                        a: b,
                        a_interface: l.b_interface,
                        b: a,
                        b_interface: l.a_interface,
                        protocols: l.protocols,
                    }
                }
            })
            .collect();
        links.sort_by_cached_key(|l| (key(&l.a, &l.a_interface), key(&l.b, &l.b_interface)));
        Ok(Inventory {
            devices: out_devices.into_iter().map(|(_, _, d)| d).collect(),
            links,
        })
    }
}
