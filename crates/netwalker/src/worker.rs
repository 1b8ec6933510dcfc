//! `netwalker worker`: a long-running process that claims devices of
//! distributed walks from the PostgreSQL store's queue, walks each with
//! the same device task as a local walk (its own credentials, session
//! options and deadlines), and hands the raw answers back through the
//! queue to the walk's submitter. See `store/queue.rs` for the claim
//! protocol and ARCHITECTURE.md, "Scaling out".
//!
//! # Ownership and shutdown
//!
//! The worker owns one [`DevicePool`] for its life: every session it opens
//! is under the pool's registry. Per walk it keeps a stop token: when the
//! heartbeat finds a walk stopping (its submitter's Ctrl-C or deadline),
//! that walk's devices get `grace`, then drop their sessions. Ctrl-C or
//! SIGTERM stops the worker: no new claims, devices in flight get `grace`
//! (finished ones are completed), the rest are cut off and their claims
//! handed back at once (others take them without waiting for the lease),
//! the registry shuts down (0 sessions open), and the worker returns.
//! SIGKILL skips all of that: its claims expire after the lease and other
//! workers take them.
//!
//! A database that goes away: every queue call is bounded; failed calls
//! are retried on a fresh connection, and completions wait in memory, for
//! up to `db_retry`; then the worker stops as above and fails naming the
//! database.

use crate::engine::device::{self, DeviceWork, Job, Outcome};
use crate::model::Via;
use crate::pool::{DevicePool, PoolOptions};
use crate::remote::{HEARTBEAT, PollBackoff, QueueError, QueueLink};
use crate::store::{Claim, StoreError, StoreLocation, WalkId};
use std::collections::HashMap;
use std::time::Duration;
use tokio::time::Instant;
use tokio_util::sync::CancellationToken;

/// How soon a worker with room looks for jobs again: 10 ms after it got
/// some, doubling while there are none, up to 250 ms.
const POLL_MIN: Duration = Duration::from_millis(10);
const POLL_MAX: Duration = Duration::from_millis(250);

/// How often a worker on a store without its schema looks again.
const SCHEMA_POLL: Duration = Duration::from_millis(200);

/// The shortest lease allowed: three heartbeats, so one late heartbeat
/// never loses a claim.
pub const MIN_LEASE: Duration = Duration::from_secs(6);

/// How a worker runs.
#[derive(Debug, Clone)]
pub struct WorkerOptions {
    /// The worker's name in claims (`claimer`): unique per process, so
    /// the fencing rule can tell two workers apart.
    pub name: String,
    /// Take only devices of this zone (`None`: devices in no zone).
    pub zone: Option<String>,
    /// Devices walked at once.
    pub concurrency: usize,
    /// How long a claim lives without a heartbeat; a killed worker's
    /// devices are walked again by others after this.
    pub lease: Duration,
    /// How long devices in flight get after a stop.
    pub grace: Duration,
    /// How long the worker keeps retrying a database it cannot reach.
    pub db_retry: Duration,
    /// Sessions: credentials, options, device timeout (ports and the
    /// end-host questions come from each walk's parameters).
    pub work: DeviceWork,
    /// Return once nothing has been claimable for this long (benchmarks
    /// and tests; `None`: run until stopped).
    pub exit_when_idle: Option<Duration>,
}

/// What a worker did, for its exit line.
#[derive(Debug, Clone, Default, serde::Serialize)]
pub struct WorkerSummary {
    /// Jobs claimed.
    pub claimed: u64,
    /// Jobs completed (their results accepted).
    pub completed: u64,
    /// Results refused: the claim was no longer this worker's (the walk
    /// ended, or the lease ran out and another worker took the job).
    pub lost: u64,
    /// Claims handed back unfinished (a stop).
    pub released: u64,
    /// Sessions opened.
    pub sessions_opened: u64,
    /// Sessions closed by force (stops, errors).
    pub sessions_force_closed: u64,
    /// Must be 0 when the worker returns.
    pub sessions_open_at_exit: u64,
    /// Stopped by Ctrl-C or SIGTERM.
    pub interrupted: bool,
}

/// Why a worker stopped with an error.
#[derive(Debug, thiserror::Error)]
pub enum WorkerError {
    #[error(
        "the store's database could not be reached for {after:?} ({cause}); the worker stopped (its claims go back to the queue when their leases expire). Check that PostgreSQL runs and is reachable, then start the worker again"
    )]
    Database {
        /// How long the worker retried.
        after: Duration,
        /// The last failure (boxed: errors stay small to pass around).
        cause: Box<QueueError>,
    },
    #[error("cannot start the worker: {cause}")]
    Start {
        /// What failed (it names the store).
        cause: Box<QueueError>,
    },
}

/// A device task's result, with the claim it answers.
type Finished = (Claim, Option<Outcome>);

/// Runs a worker until `cancel` (or `exit_when_idle`); see the module docs.
pub async fn run_worker(
    store: StoreLocation,
    opts: WorkerOptions,
    cancel: CancellationToken,
) -> Result<WorkerSummary, WorkerError> {
    let Some(link) = connect(&store, &cancel).await? else {
        return Ok(WorkerSummary {
            interrupted: true,
            ..WorkerSummary::default()
        });
    };
    tracing::info!(worker = %opts.name, zone = opts.zone.as_deref().unwrap_or("(none)"), concurrency = opts.concurrency, "waiting for jobs");
    let pool = DevicePool::new(
        PoolOptions {
            concurrency: opts.concurrency,
            run_deadline: None,
            grace: opts.grace,
        },
        cancel.clone(),
    );
    let mut w = Worker {
        link,
        opts,
        pool,
        walks: HashMap::new(),
        pending: Vec::new(),
        failing_since: None,
        summary: WorkerSummary::default(),
        poll: PollBackoff::new(POLL_MIN, POLL_MAX),
    };
    let result = w.serve(&cancel).await;
    if result.is_err() {
        // Stopped by the failure: devices in flight get their grace.
        while let Some(f) = w.pool.next_finished().await {
            if let (claim, Some(_)) = f {
                tracing::warn!(device = %claim.ip, "walked, but the result cannot be handed over: another worker will walk it again");
            }
        }
    }
    w.release_all().await;
    let report = w.pool.shutdown().await;
    let mut summary = w.summary;
    summary.sessions_opened = report.counters.opened;
    summary.sessions_force_closed = report.counters.force_closed;
    summary.sessions_open_at_exit = report.counters.open_now;
    summary.interrupted = cancel.is_cancelled();
    result.map(|()| summary)
}

/// The queue, once the store's schema is this build's. A store without
/// one yet (workers started before the first walk) or with an older one
/// is waited for: the next walk's submitter creates or upgrades it.
async fn connect(
    store: &StoreLocation,
    cancel: &CancellationToken,
) -> Result<Option<QueueLink>, WorkerError> {
    let link = QueueLink::new(store.clone(), "worker");
    let mut told = false;
    loop {
        // The first call connects: a wrong URL, somebody else's database
        // or a newer store fails now.
        match link.call("connecting", |_| Ok(())).await {
            Ok(()) => return Ok(Some(link)),
            Err(QueueError::Store {
                cause: StoreError::SchemaNotReady { .. },
                ..
            }) => {
                if !told {
                    tracing::warn!(
                        "the store has no current schema yet: waiting for a `discover --distributed` to create it"
                    );
                    told = true;
                }
                tokio::select! {
                    _ = tokio::time::sleep(SCHEMA_POLL) => {} // sleep-ok: waiting for another process to create the schema
                    _ = cancel.cancelled() => return Ok(None),
                }
            }
            Err(cause) => {
                return Err(WorkerError::Start {
                    cause: Box::new(cause),
                });
            }
        }
    }
}

/// The worker's state.
struct Worker {
    /// The queue.
    link: QueueLink,
    /// How it runs.
    opts: WorkerOptions,
    /// Its device tasks and their sessions.
    pool: DevicePool<Finished>,
    /// Walks it has devices of, each with the token that stops them.
    walks: HashMap<WalkId, CancellationToken>,
    /// Results not yet handed over (the database was away).
    pending: Vec<(Claim, String)>,
    /// Since when queue calls have failed.
    failing_since: Option<Instant>,
    /// Counts for the exit line.
    summary: WorkerSummary,
    /// When to look for jobs again.
    poll: PollBackoff,
}

impl Worker {
    /// Claims, walks and completes until stopped.
    async fn serve(&mut self, cancel: &CancellationToken) -> Result<(), WorkerError> {
        let mut next_heartbeat = Instant::now() + HEARTBEAT;
        let mut idle_since = Instant::now();
        loop {
            self.flush_pending().await?;
            let claimed = if self.pool.has_room() && self.failing_since.is_none() {
                self.claim().await?
            } else {
                0
            };
            if claimed > 0 {
                self.poll.reset();
            }
            if claimed > 0 || self.pool.in_flight() > 0 {
                idle_since = Instant::now();
            }
            if self.pool.stopped().is_some() || cancel.is_cancelled() {
                if self.pool.in_flight() == 0 {
                    return Ok(());
                }
            } else if self
                .opts
                .exit_when_idle
                .is_some_and(|d| idle_since.elapsed() >= d && self.pending.is_empty())
            {
                return Ok(());
            }
            if Instant::now() >= next_heartbeat {
                self.heartbeat().await?;
                next_heartbeat = Instant::now() + HEARTBEAT;
            }
            let room = self.pool.has_room() && claimed > 0;
            self.wait(cancel, next_heartbeat, room).await?;
        }
    }

    /// Waits for a device to finish, the heartbeat, or (when there was
    /// nothing to claim) the idle poll.
    async fn wait(
        &mut self,
        cancel: &CancellationToken,
        next_heartbeat: Instant,
        more_to_claim: bool,
    ) -> Result<(), WorkerError> {
        if more_to_claim {
            return Ok(());
        }
        let until = next_heartbeat.min(Instant::now() + self.poll.next_wait());
        if self.pool.in_flight() == 0 {
            tokio::select! {
                _ = tokio::time::sleep_until(until) => {} // sleep-ok: idle poll of the queue
                _ = cancel.cancelled() => {}
            }
            return Ok(());
        }
        let finished = tokio::select! {
            f = self.pool.next_finished() => f,
            _ = tokio::time::sleep_until(until) => None, // sleep-ok: the next poll or heartbeat
        };
        if let Some(f) = finished {
            self.finished(f).await?;
        }
        Ok(())
    }

    /// Claims what there is room for and starts a task for each.
    async fn claim(&mut self) -> Result<usize, WorkerError> {
        let room = self.opts.concurrency.saturating_sub(self.pool.in_flight());
        let (name, zone, lease) = (
            self.opts.name.clone(),
            self.opts.zone.clone(),
            self.opts.lease,
        );
        let claims = self
            .link
            .call("claiming jobs", move |q| {
                q.claim(&name, zone.as_deref(), room, lease)
            })
            .await;
        let Some(claims) = self.note(claims)? else {
            return Ok(0);
        };
        let n = claims.len();
        for claim in claims {
            self.start(claim);
        }
        self.summary.claimed += n as u64;
        Ok(n)
    }

    /// Starts the device task of one claim.
    fn start(&mut self, claim: Claim) {
        tracing::debug!(walk = %claim.walk, device = %claim.ip, claim = claim.number, "claimed");
        let stop = self.walks.entry(claim.walk).or_default().clone();
        let mut work = self.opts.work.clone();
        work.ssh_port = claim.params.ssh_port;
        work.telnet_port = claim.params.telnet_port;
        work.endhosts = claim.params.endhosts;
        let job = Job {
            id: claim.device,
            name: claim.name.clone(),
            ip: claim.ip,
            depth: 0,
            parent: None,
            via: Via::Seed,
        };
        let (registry, force, grace) = (
            self.pool.registry().clone(),
            self.pool.force_token(),
            self.opts.grace,
        );
        self.pool.spawn(async move {
            let walk_stopped = async {
                stop.cancelled().await;
                tokio::time::sleep(grace).await; // sleep-ok: a stopped walk's grace period
            };
            let r = tokio::select! {
                r = device::walk_device(&registry, &job, &work, None) => Some(r),
                _ = force.cancelled() => None,
                _ = walk_stopped => None,
            };
            (claim, r)
        });
    }

    /// Hands a finished device's result over (or its claim back).
    async fn finished(&mut self, (claim, outcome): Finished) -> Result<(), WorkerError> {
        // Its neighbours are queued as soon as the submitter settles it.
        self.poll.reset();
        let Some(outcome) = outcome else {
            // Cut off by a stop: someone else may walk it.
            let (name, c) = (self.opts.name.clone(), claim.clone());
            let r = self
                .link
                .call("handing a claim back", move |q| q.release_job(&c, &name))
                .await;
            if self.note(r)?.is_some() {
                self.summary.released += 1;
            }
            return Ok(());
        };
        let text = match serde_json::to_string(&outcome) {
            Ok(t) => t,
            Err(e) => {
                tracing::error!(device = %claim.ip, error = %e, "result not serialisable");
                return Ok(());
            }
        };
        self.pending.push((claim, text));
        self.flush_pending().await
    }

    /// Completes every result waiting (all or, on a failure, the rest later).
    async fn flush_pending(&mut self) -> Result<(), WorkerError> {
        while let Some((claim, text)) = self.pending.pop() {
            let (name, c, t) = (self.opts.name.clone(), claim.clone(), text.clone());
            let r = self
                .link
                .call("handing a result over", move |q| q.complete(&c, &name, &t))
                .await;
            match self.note(r)? {
                Some(true) => self.summary.completed += 1,
                Some(false) => {
                    self.summary.lost += 1;
                    tracing::warn!(walk = %claim.walk, device = %claim.ip, "result discarded: the claim is no longer this worker's (its walk ended, or the lease ran out and another worker took it)");
                }
                None => {
                    self.pending.push((claim, text));
                    return Ok(());
                }
            }
        }
        Ok(())
    }

    /// Extends leases; stops the devices of walks that stopped.
    async fn heartbeat(&mut self) -> Result<(), WorkerError> {
        let (name, lease) = (self.opts.name.clone(), self.opts.lease);
        let walks: Vec<WalkId> = self.walks.keys().copied().collect();
        let r = self
            .link
            .call("extending leases", move |q| {
                q.heartbeat(&name, lease, &walks)
            })
            .await;
        for w in self.note(r)?.unwrap_or_default() {
            if let Some(stop) = self.walks.remove(&w) {
                tracing::info!(walk = %w, "the walk stopped: its devices here get the grace period");
                stop.cancel();
            }
        }
        Ok(())
    }

    /// Hands back every claim still held (the worker is stopping).
    async fn release_all(&mut self) {
        let _ = self.flush_pending().await;
        let name = self.opts.name.clone();
        match self
            .link
            .call("handing claims back", move |q| q.release(&name))
            .await
        {
            Ok(n) => self.summary.released += n,
            Err(e) => tracing::warn!(
                "could not hand claims back ({e}); they return to the queue when their leases expire"
            ),
        }
    }

    /// A queue call's result: `Some` on success; `None` while the database
    /// is away and the retry window lasts; the worker's error after it.
    fn note<T>(&mut self, r: Result<T, QueueError>) -> Result<Option<T>, WorkerError> {
        match r {
            Ok(v) => {
                if self.failing_since.take().is_some() {
                    tracing::warn!("the database answers again");
                }
                Ok(Some(v))
            }
            Err(e) => {
                let since = *self.failing_since.get_or_insert_with(|| {
                    tracing::warn!(
                        "the database does not answer ({e}); retrying for up to {:?}",
                        self.opts.db_retry
                    );
                    Instant::now()
                });
                if since.elapsed() >= self.opts.db_retry {
                    self.pool.stop(crate::pool::StopReason::Caller);
                    return Err(WorkerError::Database {
                        after: since.elapsed(),
                        cause: Box::new(e),
                    });
                }
                Ok(None)
            }
        }
    }
}
