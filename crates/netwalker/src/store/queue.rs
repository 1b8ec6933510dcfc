//! The distributed walk's job queue, in the PostgreSQL store (migration 5:
//! `walk_queue`, `walk_jobs`). Both sides use it: the submitter
//! (`discover --distributed`, [`crate::engine::walk_distributed`]) queues
//! devices and settles what workers did; workers ([`crate::worker`]) claim,
//! walk and complete.
//!
//! The claim protocol (see ARCHITECTURE.md, "Scaling out"):
//! - **Queue.** A job is `(walk, device)`, the primary key: one walk can
//!   never hold two jobs for one device, whatever the interleaving. Jobs
//!   start `queued`.
//! - **Claim.** `SELECT ... FOR UPDATE SKIP LOCKED` over queued jobs of
//!   running walks (breadth-first: depth, then queue order), in the
//!   worker's zone, and over claimed jobs whose lease has expired; each
//!   becomes `claimed` by the worker with `claims + 1` and a lease of the
//!   database's `now()` plus the lease. Two workers never get one job:
//!   the row lock decides, and the loser skips it.
//! - **Heartbeat.** A worker extends the leases of what it holds, and
//!   learns which walks are stopping.
//! - **Complete.** Only the holder of the current claim (`claimer` and
//!   `claims` match) may complete a job: a worker whose lease expired and
//!   whose job was re-claimed cannot overwrite the new holder's result
//!   (the fencing rule). The job becomes `done` with the outcome.
//! - **Release.** A worker stopping hands its claims back (`queued`), so
//!   others take them at once instead of after the lease.
//! - **Settle.** The submitter takes `done` jobs in completion order, makes
//!   the walk's decisions, queues the neighbours, and marks them `settled`
//!   (dropping the outcome text).
//!
//! Every call is one statement or one short transaction on the caller's
//! connection, bounded by the connection's `statement_timeout` and TCP
//! user timeout, so a vanished database is an error, never a hang.

use super::connection::{self, connect_pg};
use super::db::{Db, DbError, vals};
use super::error::Context;
use super::{Result, StoreError, StoreLocation};
use crate::model::{DeviceId, RunId, now_unix};
use serde::{Deserialize, Serialize};
use std::net::IpAddr;
use std::time::Duration;

/// A statement that takes longer than this fails (`statement_timeout`):
/// the queue's statements touch a few rows each.
const STATEMENT_TIMEOUT: Duration = Duration::from_secs(15);

/// A distributed walk's id (`walk_queue.id`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct WalkId(pub i64);

impl std::fmt::Display for WalkId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "walk {}", self.0)
    }
}

/// What every device of a walk is asked the same way, whichever worker
/// walks it (the submitter's options; credentials are the workers' own).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct WalkParams {
    /// SSH port devices are dialled on.
    pub ssh_port: u16,
    /// Telnet port for the fallback.
    pub telnet_port: u16,
    /// Ask the end-host questions.
    pub endhosts: bool,
}

/// One device the submitter queues.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct QueuedJob {
    /// The device's id in the walk's identity index.
    pub device: DeviceId,
    /// The address to dial.
    pub ip: IpAddr,
    /// The name it was heard of by.
    pub name: Option<String>,
    /// Hops from the nearest seed: claims take shallow jobs first.
    pub depth: u32,
    /// The zone whose workers may walk it; `None`: workers without one.
    pub zone: Option<String>,
}

/// A job a worker holds.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Claim {
    /// Its walk.
    pub walk: WalkId,
    /// The device.
    pub device: DeviceId,
    /// The address to dial.
    pub ip: IpAddr,
    /// The name it was heard of by.
    pub name: Option<String>,
    /// Which claim of the job this is (1 the first time; more after a
    /// lease expired): the fencing token [`WalkQueue::complete`] checks.
    pub number: i64,
    /// How the walk asks every device.
    pub params: WalkParams,
}

/// A job a worker completed, for the submitter.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DoneJob {
    /// The device.
    pub device: DeviceId,
    /// The worker's outcome (JSON).
    pub outcome: String,
    /// How many times it was claimed: more than 1 means a worker lost it
    /// (killed, or its lease expired) and another walked it again.
    pub claims: i64,
}

/// Jobs of one walk by state, for progress and the end of a walk.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct QueueCounts {
    /// Waiting for a worker.
    pub queued: u64,
    /// Held by a worker.
    pub claimed: u64,
    /// Completed, not yet settled by the submitter.
    pub done: u64,
}

/// A connection to a PostgreSQL store's job queue.
pub struct WalkQueue {
    /// The connection (its own thread, see `pg.rs`).
    db: Db,
}

impl WalkQueue {
    /// Connects to the store's queue. `role` names the connection in
    /// `pg_stat_activity` ("worker", "submitter"). Fails clearly on an
    /// SQLite store, an unmigrated database or an older netwalker's.
    pub fn connect(store: &StoreLocation, role: &str) -> Result<WalkQueue> {
        let StoreLocation::Postgres(url) = store else {
            return Err(StoreError::NotAStore {
                store: store.clone(),
                detail: "distributed walks need a PostgreSQL store (--store postgres://...)".into(),
            });
        };
        let db = connect_pg(url, role)?;
        connection::check_current(&db, store)?;
        db.batch(&format!(
            "SET statement_timeout = {}",
            STATEMENT_TIMEOUT.as_millis()
        ))
        .ctx(|| "setting the queue connection's statement timeout".into())?;
        Ok(WalkQueue { db })
    }

    /// Starts a walk for `run`; workers see it at their next claim. The
    /// caller holds the store's writer lock, so any walk still running is
    /// an orphan of a submitter that died: it is ended first, and the jobs
    /// of ended walks are deleted (the table holds the latest walk's).
    pub fn create_walk(&self, run: RunId, params: &WalkParams, submitter: &str) -> Result<WalkId> {
        let params = serde_json::to_string(params).unwrap_or_default();
        let ctx = || "starting a distributed walk".to_string();
        let tx = self.db.begin_write().ctx(ctx)?;
        let orphans = tx
            .execute(
                "UPDATE walk_queue SET state = 'ended' WHERE state <> 'ended'",
                &[],
            )
            .ctx(ctx)?;
        if orphans > 0 {
            tracing::warn!("ended {orphans} distributed walk(s) whose submitter had gone");
        }
        tx.execute(
            "DELETE FROM walk_jobs WHERE walk_id IN (SELECT id FROM walk_queue WHERE state = 'ended')",
            &[],
        )
        .ctx(ctx)?;
        let id = tx
            .query_opt(
                "INSERT INTO walk_queue (run_id, state, params, submitter, created)
                 VALUES (?1, 'running', ?2, ?3, ?4) RETURNING id",
                vals![run.0, params, submitter, now_unix()],
                |r| r.get::<i64>(0),
            )
            .ctx(ctx)?
            .unwrap_or_default();
        tx.commit().ctx(ctx)?;
        Ok(WalkId(id))
    }

    /// Queues jobs; one already queued for the same device in this walk
    /// is left as it is (the primary key). `first_seq` numbers them in
    /// queue order. Returns how many were new.
    pub fn enqueue(&self, walk: WalkId, first_seq: i64, jobs: &[QueuedJob]) -> Result<u64> {
        let tx = self.db.begin_write().ctx(|| "queueing devices".into())?;
        let mut added = 0;
        for (i, j) in jobs.iter().enumerate() {
            added += tx
                .execute(
                    "INSERT INTO walk_jobs (walk_id, device_id, seq, ip, name, depth, zone, state)
                     VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, 'queued')
                     ON CONFLICT (walk_id, device_id) DO NOTHING",
                    vals![
                        walk.0,
                        j.device.0,
                        first_seq + i as i64,
                        j.ip.to_string(),
                        j.name,
                        j.depth,
                        j.zone
                    ],
                )
                .ctx(|| "queueing a device".into())?;
        }
        tx.commit().ctx(|| "queueing devices".into())?;
        Ok(added)
    }

    /// Takes queued jobs of `devices` off the queue (proven duplicates of
    /// devices already walked or queued). Claimed ones are left to finish.
    pub fn drop_queued(&self, walk: WalkId, devices: &[DeviceId]) -> Result<u64> {
        let mut n = 0;
        for d in devices {
            n += self
                .db
                .execute(
                    "UPDATE walk_jobs SET state = 'dropped'
                     WHERE walk_id = ?1 AND device_id = ?2 AND state = 'queued'",
                    vals![walk.0, d.0],
                )
                .ctx(|| "dropping a duplicate job".into())?;
        }
        Ok(n)
    }

    /// Up to `limit` completed jobs, in completion order, now settled.
    pub fn take_done(&self, walk: WalkId, limit: usize) -> Result<Vec<DoneJob>> {
        self.db
            .query::<_, DbError>(
                "UPDATE walk_jobs j SET state = 'settled', outcome = NULL
                 FROM (SELECT device_id, outcome FROM walk_jobs
                       WHERE walk_id = ?1 AND state = 'done'
                       ORDER BY done_at LIMIT ?2 FOR UPDATE) d
                 WHERE j.walk_id = ?1 AND j.device_id = d.device_id
                 RETURNING j.device_id, d.outcome, j.claims",
                vals![walk.0, limit as i64],
                |r| {
                    Ok(DoneJob {
                        device: DeviceId(r.get(0)?),
                        outcome: r.get(1)?,
                        claims: r.get(2)?,
                    })
                },
            )
            .ctx(|| "reading what workers finished".into())
    }

    /// The walk's jobs by state.
    pub fn counts(&self, walk: WalkId) -> Result<QueueCounts> {
        let rows: Vec<(String, i64)> = self
            .db
            .query::<_, DbError>(
                "SELECT state, count(*) FROM walk_jobs
                 WHERE walk_id = ?1 AND state IN ('queued', 'claimed', 'done')
                 GROUP BY state",
                vals![walk.0],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )
            .ctx(|| "counting the walk's jobs".into())?;
        let mut c = QueueCounts::default();
        for (state, n) in rows {
            let n = n as u64;
            match state.as_str() {
                "queued" => c.queued = n,
                "claimed" => c.claimed = n,
                _ => c.done = n,
            }
        }
        Ok(c)
    }

    /// Stops a walk: workers claim nothing more of it, and cut its
    /// devices in flight off after their grace.
    pub fn stop_walk(&self, walk: WalkId) -> Result<()> {
        self.set_walk_state(walk, "stopping")
    }

    /// Ends a walk: its unsettled jobs are dropped (a stopped walk's
    /// queue), and workers forget it.
    pub fn end_walk(&self, walk: WalkId) -> Result<()> {
        self.db
            .execute(
                "UPDATE walk_jobs SET state = 'dropped', outcome = NULL
                 WHERE walk_id = ?1 AND state IN ('queued', 'claimed', 'done')",
                vals![walk.0],
            )
            .ctx(|| "ending the walk's queue".into())?;
        self.set_walk_state(walk, "ended")
    }

    fn set_walk_state(&self, walk: WalkId, state: &str) -> Result<()> {
        self.db
            .execute(
                "UPDATE walk_queue SET state = ?2 WHERE id = ?1",
                vals![walk.0, state],
            )
            .ctx(|| format!("marking {walk} {state}"))?;
        Ok(())
    }

    /// Claims up to `n` jobs for `worker`: queued ones of running walks in
    /// its zone, or claimed ones whose lease expired; shallowest first.
    pub fn claim(
        &self,
        worker: &str,
        zone: Option<&str>,
        n: usize,
        lease: Duration,
    ) -> Result<Vec<Claim>> {
        let rows = self
            .db
            .query::<_, DbError>(
                "WITH c AS (
                   SELECT j.walk_id, j.device_id FROM walk_jobs j
                   JOIN walk_queue w ON w.id = j.walk_id AND w.state = 'running'
                   WHERE (j.state = 'queued' OR (j.state = 'claimed' AND j.lease_until < now()))
                     AND j.zone IS NOT DISTINCT FROM ?1
                   ORDER BY j.depth, j.seq
                   LIMIT ?2
                   FOR UPDATE OF j SKIP LOCKED)
                 UPDATE walk_jobs j
                 SET state = 'claimed', claimer = ?3, claims = j.claims + 1,
                     lease_until = now() + ?4::bigint * interval '1 millisecond'
                 FROM c, walk_queue w
                 WHERE j.walk_id = c.walk_id AND j.device_id = c.device_id AND w.id = j.walk_id
                 RETURNING j.walk_id, j.device_id, j.ip, j.name, j.claims, w.params",
                vals![zone, n as i64, worker, lease.as_millis() as i64],
                |r| {
                    let ip: String = r.get(2)?;
                    let params: String = r.get(5)?;
                    Ok((
                        r.get::<i64>(0)?,
                        r.get::<i64>(1)?,
                        ip,
                        r.get(3)?,
                        r.get(4)?,
                        params,
                    ))
                },
            )
            .ctx(|| "claiming jobs".into())?;
        let mut out = Vec::with_capacity(rows.len());
        for (walk, device, ip, name, number, params) in rows {
            let (Ok(ip), Ok(params)) = (ip.parse(), serde_json::from_str(&params)) else {
                return Err(StoreError::Corrupt {
                    what: "walk job",
                    detail: format!(
                        "walk {walk} device {device} has address {ip:?} or parameters that do not parse"
                    ),
                });
            };
            out.push(Claim {
                walk: WalkId(walk),
                device: DeviceId(device),
                ip,
                name,
                number,
                params,
            });
        }
        Ok(out)
    }

    /// Extends the leases `worker` holds; returns the walks among `walks`
    /// that are no longer running (stopping or ended).
    pub fn heartbeat(
        &self,
        worker: &str,
        lease: Duration,
        walks: &[WalkId],
    ) -> Result<Vec<WalkId>> {
        self.db
            .execute(
                "UPDATE walk_jobs SET lease_until = now() + ?2::bigint * interval '1 millisecond'
                 WHERE claimer = ?1 AND state = 'claimed'",
                vals![worker, lease.as_millis() as i64],
            )
            .ctx(|| "extending leases".into())?;
        let mut stopped = Vec::new();
        for w in walks {
            let state = self
                .db
                .query_opt(
                    "SELECT state FROM walk_queue WHERE id = ?1",
                    vals![w.0],
                    |r| r.get::<String>(0),
                )
                .ctx(|| "reading a walk's state".into())?;
            if state.as_deref() != Some("running") {
                stopped.push(*w);
            }
        }
        Ok(stopped)
    }

    /// Completes a claimed job with its outcome (the row keeps who walked
    /// it, for the record). `false`: the claim is no
    /// longer this worker's (its lease expired and another worker took
    /// the job, or the walk ended): the outcome is discarded.
    pub fn complete(&self, claim: &Claim, worker: &str, outcome: &str) -> Result<bool> {
        let n = self
            .db
            .execute(
                "UPDATE walk_jobs SET state = 'done', outcome = ?5,
                        lease_until = NULL, done_at = clock_timestamp()
                 WHERE walk_id = ?1 AND device_id = ?2 AND claimer = ?3 AND claims = ?4
                   AND state = 'claimed'",
                vals![claim.walk.0, claim.device.0, worker, claim.number, outcome],
            )
            .ctx(|| "completing a job".into())?;
        Ok(n == 1)
    }

    /// Hands one claim back unfinished (its device was cut off by a stop),
    /// if it is still this worker's.
    pub fn release_job(&self, claim: &Claim, worker: &str) -> Result<bool> {
        let n = self
            .db
            .execute(
                "UPDATE walk_jobs SET state = 'queued', claimer = NULL, lease_until = NULL
                 WHERE walk_id = ?1 AND device_id = ?2 AND claimer = ?3 AND claims = ?4
                   AND state = 'claimed'",
                vals![claim.walk.0, claim.device.0, worker, claim.number],
            )
            .ctx(|| "handing a claim back".into())?;
        Ok(n == 1)
    }

    /// Hands `worker`'s claims back to the queue (a worker stopping).
    pub fn release(&self, worker: &str) -> Result<u64> {
        self.db
            .execute(
                "UPDATE walk_jobs SET state = 'queued', claimer = NULL, lease_until = NULL
                 WHERE claimer = ?1 AND state = 'claimed'",
                vals![worker],
            )
            .ctx(|| "releasing claims".into())
    }
}
