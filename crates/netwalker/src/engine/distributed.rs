//! The submitter's side of a distributed walk (`discover --distributed`):
//! the same coordinator as a local walk, with the device pool replaced by
//! the job queue in the PostgreSQL store ([`WalkQueue`]).
//!
//! The coordinator keeps every decision it makes in a local walk (who is
//! who, what is walked, what a result means) and stays the store's one
//! writer; the queue carries devices to workers and their raw answers
//! back. What it adds:
//! - every job the coordinator schedules is written to the queue at once
//!   (the frontier is in the database), in breadth-first order, with the
//!   zone of its address;
//! - a queued job proven to be another device before a worker took it is
//!   dropped from the queue (a local walk skips it in its frontier);
//! - results are taken in completion order and interpreted here; a job a
//!   worker lost (killed, lease expired) and another walked again is
//!   counted in `jobs_reclaimed`;
//! - Ctrl-C or the run deadline marks the walk stopping: workers claim no
//!   more of it and give their devices in flight the grace period; what
//!   they finish within it is still settled, then the walk ends and any
//!   job left is dropped (its device stays unwalked, for `--resume`).

use super::device::{Job, Outcome};
use super::{Coordinator, WalkError, WalkOptions, WalkProgress, WalkSummary};
use crate::config::{Zone, zone_of};
use crate::filter::Filter;
use crate::identity::IdentityIndex;
use crate::model::DeviceId;
use crate::pool::StopReason;
use crate::remote::{HEARTBEAT, PollBackoff, QueueLink};
use crate::store::{self, QueueCounts, QueuedJob, StoreSender, WalkId, WalkQueue};
use std::collections::HashMap;
use std::time::Duration;
use tokio::sync::watch;
use tokio::time::Instant;
use tokio_util::sync::CancellationToken;

/// How soon the submitter looks for finished jobs again when none were
/// waiting: 5 ms after a result, doubling up to 100 ms.
const POLL_MIN: Duration = Duration::from_millis(5);
const POLL_MAX: Duration = Duration::from_millis(100);

/// How often the submitter counts the walk's jobs (a scan of the walk's
/// rows) for progress and the no-worker warning, while the walk runs;
/// after a stop it counts every round, for the decisions that need them.
const COUNT_EVERY: Duration = Duration::from_millis(250);

/// Results settled per round trip to the queue.
const TAKE: usize = 256;

/// After this long with jobs queued and none claimed, the submitter warns
/// that no worker seems to be running.
const NO_WORKER_WARNING: Duration = Duration::from_secs(15);

/// What a distributed walk needs besides a local walk's options.
pub struct DistributedOptions {
    /// The queue, connected to the store the walk writes.
    pub queue: QueueLink,
    /// The walk the queue knows (created by the caller with its run).
    pub walk: WalkId,
    /// Which workers may take which addresses.
    pub zones: Vec<Zone>,
    /// How long workers give devices in flight after a stop; the
    /// submitter waits this long plus a heartbeat for their results.
    pub grace: Duration,
}

/// Runs `f` on the queue; a failure ends the walk.
async fn on_queue<T: Send + 'static>(
    q: &QueueLink,
    what: &'static str,
    f: impl FnOnce(&WalkQueue) -> store::Result<T> + Send + 'static,
) -> Result<T, WalkError> {
    q.call(what, f)
        .await
        .map_err(|e| WalkError::Queue(e.to_string()))
}

/// Walks the network from `seeds` through workers; see the module docs.
#[allow(clippy::too_many_arguments)]
pub async fn walk_distributed(
    seeds: Vec<super::SeedTarget>,
    mut index: IdentityIndex,
    failure_counts: HashMap<DeviceId, u32>,
    filter: Filter,
    store: StoreSender,
    opts: WalkOptions,
    dist: DistributedOptions,
    cancel: CancellationToken,
    progress: watch::Sender<WalkProgress>,
) -> Result<WalkSummary, WalkError> {
    let started = Instant::now();
    let mut c = Coordinator::new(&mut index, failure_counts, filter, store, &opts, progress);
    for s in &seeds {
        c.add_seed(s);
    }
    let walk = dist.walk;
    let q = dist.queue;
    let mut run = Submitter {
        walk,
        q: q.clone(),
        zones: dist.zones,
        outstanding: HashMap::new(),
        next_seq: 0,
        reclaimed: 0,
        stop: None,
        give_up_at: None,
        idle_since: None,
        warned: false,
        poll: PollBackoff::new(POLL_MIN, POLL_MAX),
        counts: QueueCounts::default(),
        counted_at: None,
    };
    let deadline = opts.run_deadline.map(|d| started + d);
    let result = run.drive(&mut c, &cancel, deadline, dist.grace).await;
    // The walk ends in the queue whatever happened, so workers let go of it.
    let ended = on_queue(&q, "ending the walk", move |q| q.end_walk(walk)).await;
    result?;
    ended?;
    c.publish(0);
    let mut summary = c
        .tally()
        .summary(started.into_std(), run.stop, Default::default());
    summary.jobs_reclaimed = run.reclaimed;
    summary.distributed = true;
    Ok(summary)
}

/// The submitter's state beside the coordinator's.
struct Submitter {
    /// The walk in the queue.
    walk: WalkId,
    /// The queue connection.
    q: QueueLink,
    /// For each job's zone.
    zones: Vec<Zone>,
    /// Jobs queued and not yet settled, by device: what the coordinator
    /// needs back with each result (depth, parent, how it was found).
    outstanding: HashMap<DeviceId, Job>,
    /// Queue order of the next job (breadth-first).
    next_seq: i64,
    /// Results of jobs claimed more than once.
    reclaimed: u64,
    /// Why the walk stopped early, once it did.
    stop: Option<StopReason>,
    /// After a stop: when the submitter stops waiting for workers.
    give_up_at: Option<Instant>,
    /// Since when jobs have waited with none claimed.
    idle_since: Option<Instant>,
    /// The "no worker" warning was given.
    warned: bool,
    /// When to look for results again.
    poll: PollBackoff,
    /// The walk's jobs by state, as last counted.
    counts: QueueCounts,
    /// When they were counted (`None`: never yet).
    counted_at: Option<Instant>,
}

impl Submitter {
    async fn drive(
        &mut self,
        c: &mut Coordinator<'_>,
        cancel: &CancellationToken,
        deadline: Option<Instant>,
        grace: Duration,
    ) -> Result<(), WalkError> {
        loop {
            if self.stop.is_none() {
                self.queue_frontier(c).await?;
            }
            let counts = self.count(c).await?;
            if self.outstanding.is_empty() && (self.stop.is_some() || c.frontier.is_empty()) {
                return Ok(());
            }
            if self.stop.is_some() && counts.claimed == 0 && counts.done == 0 {
                return Ok(()); // what is left was never claimed: it stays unwalked
            }
            if self.give_up_at.is_some_and(|t| Instant::now() >= t) {
                tracing::warn!(
                    "{} device(s) still held by workers after the grace period: left unwalked",
                    counts.claimed
                );
                return Ok(());
            }
            if self.settle(c).await? > 0 {
                self.poll.reset();
            } else {
                let wait = self.poll.next_wait();
                let stop = tokio::select! {
                    _ = tokio::time::sleep(wait) => None, // sleep-ok: polling the queue for results
                    _ = cancel.cancelled(), if self.stop.is_none() => Some(StopReason::Cancelled),
                    _ = sleep_until_opt(deadline), if self.stop.is_none() && deadline.is_some() => Some(StopReason::Deadline),
                };
                if let Some(reason) = stop {
                    self.stop_walk(reason, grace).await?;
                }
            }
        }
    }

    /// The walk's jobs by state: counted again (and published) after a
    /// stop or once the last count is [`COUNT_EVERY`] old, else the last.
    async fn count(&mut self, c: &mut Coordinator<'_>) -> Result<QueueCounts, WalkError> {
        let due = self.stop.is_some() || self.counted_at.is_none_or(|t| t.elapsed() >= COUNT_EVERY);
        if due {
            let walk = self.walk;
            let n = on_queue(&self.q, "counting jobs", move |q| q.counts(walk)).await?;
            self.counts = n;
            self.counted_at = Some(Instant::now());
            c.publish_remote(n.queued, n.claimed);
            self.watch_for_workers(n.queued, n.claimed);
        }
        Ok(self.counts)
    }

    /// Writes every job the coordinator scheduled to the queue.
    async fn queue_frontier(&mut self, c: &mut Coordinator<'_>) -> Result<(), WalkError> {
        let mut batch = Vec::new();
        while let Some(job) = c.next_job() {
            batch.push(QueuedJob {
                device: job.id,
                ip: job.ip,
                name: job.name.clone(),
                depth: job.depth,
                zone: zone_of(&self.zones, job.ip).map(str::to_string),
            });
            self.outstanding.insert(job.id, job);
        }
        if batch.is_empty() {
            return Ok(());
        }
        let (walk, first) = (self.walk, self.next_seq);
        self.next_seq += batch.len() as i64;
        on_queue(&self.q, "queueing devices", move |q| {
            q.enqueue(walk, first, &batch)
        })
        .await?;
        Ok(())
    }

    /// Settles what workers finished; how many results there were.
    async fn settle(&mut self, c: &mut Coordinator<'_>) -> Result<usize, WalkError> {
        let walk = self.walk;
        let done = on_queue(&self.q, "reading results", move |q| q.take_done(walk, TAKE)).await?;
        let n = done.len();
        for d in done {
            let Some(job) = self.outstanding.remove(&d.device) else {
                continue; // not this submitter's (cannot happen: one submitter per walk)
            };
            if d.claims > 1 {
                self.reclaimed += 1;
            }
            let outcome = serde_json::from_str::<Outcome>(&d.outcome).unwrap_or_else(|e| {
                Outcome::Failed {
                    class: "worker".into(),
                    reason: format!("the worker's result does not parse ({e}); is every worker the same netwalker version as the submitter?"),
                }
            });
            c.finish(job, outcome).await?;
        }
        if n > 0 {
            self.drop_duplicates(c).await?;
        }
        Ok(n)
    }

    /// Queued jobs the walk has since proven to be other devices: off the
    /// queue before a worker walks them twice.
    async fn drop_duplicates(&mut self, c: &mut Coordinator<'_>) -> Result<(), WalkError> {
        let merged: Vec<DeviceId> = self
            .outstanding
            .keys()
            .filter(|id| c.index.canonical(**id) != **id)
            .copied()
            .collect();
        if merged.is_empty() {
            return Ok(());
        }
        let walk = self.walk;
        let ids = merged.clone();
        let dropped = on_queue(&self.q, "dropping duplicates", move |q| {
            q.drop_queued(walk, &ids)
        })
        .await?;
        if dropped == merged.len() as u64 {
            for id in merged {
                self.outstanding.remove(&id);
                c.nodes.mark_duplicate(id);
            }
        }
        // Otherwise some were claimed already: their results come back
        // and the coordinator merges them, as a local walk does.
        Ok(())
    }

    async fn stop_walk(&mut self, reason: StopReason, grace: Duration) -> Result<(), WalkError> {
        tracing::warn!(
            "{}: workers take no more devices of this walk; those in flight get {grace:?}",
            match reason {
                StopReason::Deadline => "run deadline reached",
                _ => "interrupted",
            }
        );
        self.stop = Some(reason);
        // Workers notice at their next heartbeat, then give their grace.
        self.give_up_at = Some(Instant::now() + grace + HEARTBEAT * 2);
        let walk = self.walk;
        on_queue(&self.q, "stopping the walk", move |q| q.stop_walk(walk)).await
    }

    /// Warns once when jobs wait and no worker takes them.
    fn watch_for_workers(&mut self, queued: u64, claimed: u64) {
        if queued == 0 || claimed > 0 {
            self.idle_since = None;
            return;
        }
        let since = *self.idle_since.get_or_insert_with(Instant::now);
        if !self.warned && since.elapsed() >= NO_WORKER_WARNING {
            self.warned = true;
            tracing::warn!(
                "{queued} device(s) queued and no worker has taken one for {NO_WORKER_WARNING:?}: start `netwalker worker --store ...` on a machine that reaches the devices (with --zone NAME for zoned addresses)"
            );
        }
    }
}

async fn sleep_until_opt(t: Option<Instant>) {
    match t {
        Some(t) => tokio::time::sleep_until(t).await, // sleep-ok: the run deadline
        None => std::future::pending().await,
    }
}
