//! The single writer: [`StoreWriter`] opens the store under its lock,
//! records runs, and commits device results in batches (one transaction,
//! a savepoint per device).

use super::StoreLock;
use super::commit::{upsert_device, write_result};
use super::db::{Tx, vals};
use super::error::{Context, Result, StoreError};
use super::location::StoreLocation;
use super::{Clock, StoreReader};
use super::{connection, pglock};
use crate::model::{Device, DeviceId, DeviceResult, RunId, StatusCounts, UnixTime};
use std::path::{Path, PathBuf};

/// The single writer. Also reads, through [`StoreWriter::read`].
pub struct StoreWriter {
    /// Reads through the writing connection, so they see this writer's own
    /// commits; also holds the clock the timestamps come from.
    pub(super) reader: StoreReader,
    /// The run commits are attributed to (`seen_run`, `attempt_run`,
    /// version history), so `--resume` can tell what a run did.
    pub(super) current_run: Option<RunId>,
    /// Keeps every other writer out of an SQLite store for the writer's
    /// life (`None` for in-memory stores, which nobody else can open, and
    /// for PostgreSQL, whose lock is held by the connection's session).
    _lock: Option<StoreLock>,
    /// Whether this writer's PostgreSQL session holds the advisory lock
    /// ([`pglock`]), released explicitly on drop.
    pg_locked: bool,
}

impl Drop for StoreWriter {
    fn drop(&mut self) {
        if self.pg_locked {
            pglock::release(&self.reader.conn);
        }
    }
}

impl StoreWriter {
    /// Opens (creating if needed) the store and brings its schema up to
    /// date. Fails at once with [`StoreError::Locked`] while another writer
    /// (in any process) has it open: for SQLite through `<store>.lock`, for
    /// PostgreSQL through an advisory lock ([`pglock`]).
    pub fn open(store: impl Into<StoreLocation>) -> Result<StoreWriter> {
        match store.into() {
            StoreLocation::Sqlite(path) => {
                let lock = StoreLock::acquire(&path)?;
                Self::open_locked(&path, lock)
            }
            pg => Self::open_pg(pg, false),
        }
    }

    /// Empties the store (deletes the SQLite file and its WAL files, or
    /// drops the PostgreSQL store's tables) and opens it afresh, under the
    /// lock, so a store another process is writing is refused rather than
    /// deleted under its feet.
    pub fn open_fresh(store: impl Into<StoreLocation>) -> Result<StoreWriter> {
        let path = match store.into() {
            StoreLocation::Sqlite(path) => path,
            pg => return Self::open_pg(pg, true),
        };
        let path = path.as_path();
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
        let conn = connection::open_writer(path)?;
        Ok(StoreWriter {
            reader: StoreReader::over(conn, path.into()),
            current_run: None,
            _lock: Some(lock),
            pg_locked: false,
        })
    }

    /// A PostgreSQL store: connect, take the advisory lock on this session
    /// (held until the connection closes), empty it if `fresh`, migrate.
    fn open_pg(store: StoreLocation, fresh: bool) -> Result<StoreWriter> {
        let StoreLocation::Postgres(url) = &store else {
            unreachable!("called for PostgreSQL locations only");
        };
        let db = connection::connect_pg(url, "writer")?;
        pglock::acquire(&db, &store)?;
        let prepared = if fresh {
            connection::empty_pg(&db, &store)
        } else {
            Ok(())
        }
        .and_then(|()| connection::prepare_pg_writer(&db, &store));
        if let Err(e) = prepared {
            pglock::release(&db);
            return Err(e);
        }
        Ok(StoreWriter {
            reader: StoreReader::over(db, store),
            current_run: None,
            _lock: None,
            pg_locked: true,
        })
    }

    /// A private in-memory store, for tests and dry runs.
    pub fn open_in_memory() -> Result<StoreWriter> {
        let path = PathBuf::from(":memory:");
        let conn = connection::open_in_memory(&path)?;
        Ok(StoreWriter {
            reader: StoreReader::over(conn, path.into()),
            current_run: None,
            _lock: None,
            pg_locked: false,
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

    pub(super) fn now(&self) -> UnixTime {
        (self.reader.clock)()
    }

    pub(super) fn tx(&mut self, what: &str) -> Result<Tx<'_>> {
        self.reader
            .conn
            .begin_write()
            .ctx(|| format!("starting a transaction for {what}"))
    }

    /// Records the start of a run with its effective options; later commits
    /// are attributed to it.
    pub fn start_run(&mut self, options: &serde_json::Value) -> Result<RunId> {
        let now = self.now();
        let id = self
            .reader
            .conn
            .query_opt(
                "INSERT INTO runs (started, options) VALUES (?1, ?2) RETURNING id",
                vals![now, options.to_string()],
                |r| r.get::<i64>(0),
            )
            .ctx(|| "recording the start of a run".into())?
            .map(RunId)
            .ok_or_else(|| StoreError::Corrupt {
                what: "run id",
                detail: "recording a run returned no id".into(),
            })?;
        self.current_run = Some(id);
        Ok(id)
    }

    /// Continues an interrupted run: later commits are attributed to it again.
    pub fn resume_run(&mut self, run: RunId) -> Result<()> {
        self.reader.run(run)?.ok_or(StoreError::UnknownRun(run))?;
        self.current_run = Some(run);
        Ok(())
    }

    /// Marks a run finished with its final counts. Until this succeeds the
    /// run reads as interrupted (see [`StoreReader::unfinished_run`]).
    pub fn finish_run(&mut self, run: RunId, counts: &StatusCounts) -> Result<()> {
        let now = self.now();
        let counts = serde_json::to_string(counts).expect("counts serialise");
        let n = self
            .reader
            .conn
            .execute(
                "UPDATE runs SET finished = ?1, counts = ?2 WHERE id = ?3",
                vals![now, counts, run.0],
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

    /// Writes everything one device task produced, all or nothing: a batch
    /// of one for [`commit_devices`](Self::commit_devices).
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
    /// transaction. The writer thread ([`StoreWorker`](super::StoreWorker))
    /// passes whatever has queued up in its channel, up to 64 devices: a
    /// backlog is then written with far fewer WAL pages and checkpoints (see
    /// `bench store`), and a crash still loses only devices not yet
    /// committed.
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
        let tx = self.tx(&what)?;
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
}
