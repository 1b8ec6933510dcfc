//! The device pool: the lifecycle every run over many devices shares — the
//! walk, `exec`, and whatever comes next (a distributed worker, a walk
//! started from the web UI).
//!
//! One task per device, at most `concurrency` at once, each owning its
//! session. A stop — Ctrl-C (the cancel token), the run deadline, or the
//! caller ([`DevicePool::stop`]) — ends scheduling at once; tasks in flight
//! get `grace` to finish; then the force token is cancelled, so each task
//! drops its session (a forced close the registry counts) and returns;
//! a task that still has not returned [`FORCE_BOUND`] later is aborted.
//! [`DevicePool::shutdown`] finally shuts the session registry down, so no
//! session outlives the pool and its counters balance.
//!
//! The caller keeps every decision (what to run next, what a result means);
//! the pool only owns when things start and stop. It is driven as a loop:
//!
//! ```text
//! while pool.has_room() { if let Some(job) = next() { pool.spawn(work(job, pool.force_token())) } else { break } }
//! if pool.in_flight() == 0 && (pool.stopped().is_some() || no_more_work) { break }
//! if let Some(result) = pool.next_finished().await { handle(result) }
//! ```

use device_session::{Counters, Registry};
use std::future::Future;
use std::time::Duration;
use tokio::task::JoinSet;
use tokio::time::Instant;
use tokio_util::sync::CancellationToken;

/// How long tasks get to return after the force token before they are
/// aborted. They return at once in practice (their work races the token);
/// this only bounds a task stuck in non-network work.
pub const FORCE_BOUND: Duration = Duration::from_secs(1);

/// How a pool runs.
#[derive(Debug, Clone, Copy)]
pub struct PoolOptions {
    /// Device tasks at once (at least 1).
    pub concurrency: usize,
    /// The whole run's budget; when it passes the pool stops like Ctrl-C.
    pub run_deadline: Option<Duration>,
    /// How long tasks in flight get after a stop before their sessions are
    /// closed by force.
    pub grace: Duration,
}

/// Why a pool stopped scheduling before its caller ran out of work.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StopReason {
    /// The cancel token (Ctrl-C).
    Cancelled,
    /// The run deadline passed.
    Deadline,
    /// The caller asked ([`DevicePool::stop`]), e.g. its output failed.
    Caller,
}

/// What a pool did, from [`DevicePool::shutdown`].
#[derive(Debug, Clone)]
pub struct PoolReport {
    /// Why the pool stopped early, if it did.
    pub stop: Option<StopReason>,
    /// The registry's counters after shutdown: `open_now` is 0.
    pub counters: Counters,
}

/// Runs device tasks under one lifecycle; see the module docs.
pub struct DevicePool<R> {
    /// Every session the tasks open; shut down by [`DevicePool::shutdown`].
    registry: Registry,
    /// The tasks in flight.
    running: JoinSet<R>,
    /// The run's stop signal from outside (Ctrl-C).
    cancel: CancellationToken,
    /// Given to tasks: cancelled when the grace period is over, so they
    /// drop their sessions and return.
    force: CancellationToken,
    /// At most this many tasks at once.
    concurrency: usize,
    /// What a stop grants the tasks in flight.
    grace: Duration,
    /// When the run deadline passes, if there is one.
    run_deadline: Option<Instant>,
    /// When the grace period after a stop ends.
    grace_until: Option<Instant>,
    /// When tasks that ignored the force token are aborted.
    abort_at: Option<Instant>,
    /// Set once, by the first stop.
    stop: Option<StopReason>,
}

impl<R: Send + 'static> DevicePool<R> {
    pub fn new(opts: PoolOptions, cancel: CancellationToken) -> Self {
        DevicePool {
            registry: Registry::new(),
            running: JoinSet::new(),
            cancel,
            force: CancellationToken::new(),
            concurrency: opts.concurrency.max(1),
            grace: opts.grace,
            run_deadline: opts.run_deadline.map(|d| Instant::now() + d),
            grace_until: None,
            abort_at: None,
            stop: None,
        }
    }

    /// The registry tasks open their sessions through.
    pub fn registry(&self) -> &Registry {
        &self.registry
    }

    /// The token a task must race its work against: when it fires, drop
    /// the session and return.
    pub fn force_token(&self) -> CancellationToken {
        self.force.clone()
    }

    /// Whether another task may start now: not stopping, and below the
    /// concurrency limit.
    pub fn has_room(&self) -> bool {
        self.stop.is_none()
            && !self.cancel.is_cancelled()
            && self.run_deadline.is_none_or(|d| Instant::now() < d)
            && self.running.len() < self.concurrency
    }

    pub fn in_flight(&self) -> usize {
        self.running.len()
    }

    /// Why scheduling stopped, if it did.
    pub fn stopped(&self) -> Option<StopReason> {
        self.stop
    }

    pub fn spawn(&mut self, task: impl Future<Output = R> + Send + 'static) {
        self.running.spawn(task);
    }

    /// Stops scheduling; tasks in flight get the grace period. The first
    /// stop's reason is kept.
    pub fn stop(&mut self, reason: StopReason) {
        if self.stop.is_some() {
            return;
        }
        match reason {
            StopReason::Cancelled => tracing::warn!(
                "interrupted: no new devices; {} in flight get {:?}",
                self.running.len(),
                self.grace
            ),
            StopReason::Deadline => tracing::warn!(
                "run deadline reached: no new devices; {} in flight get {:?}",
                self.running.len(),
                self.grace
            ),
            StopReason::Caller => {}
        }
        self.stop = Some(reason);
        self.grace_until = Some(Instant::now() + self.grace);
    }

    /// The next task to finish, in completion order; `None` when nothing
    /// is running (at once if nothing was), or when the stragglers had to
    /// be aborted. Notices Ctrl-C and the deadline while it waits.
    pub async fn next_finished(&mut self) -> Option<R> {
        if self.stop.is_none() && self.cancel.is_cancelled() {
            self.stop(StopReason::Cancelled);
        }
        if self.stop.is_none() && self.run_deadline.is_some_and(|d| Instant::now() >= d) {
            self.stop(StopReason::Deadline);
        }
        loop {
            if self.running.is_empty() {
                return None;
            }
            tokio::select! {
                biased;
                _ = self.cancel.cancelled(), if self.stop.is_none() => {
                    self.stop(StopReason::Cancelled);
                }
                _ = sleep_until_opt(self.run_deadline), if self.stop.is_none() && self.run_deadline.is_some() => {
                    self.stop(StopReason::Deadline);
                }
                _ = sleep_until_opt(self.grace_until), if self.grace_until.is_some() && self.abort_at.is_none() => {
                    tracing::warn!("grace period over: closing {} session(s) by force", self.running.len());
                    self.force.cancel();
                    self.abort_at = Some(Instant::now() + FORCE_BOUND);
                }
                _ = sleep_until_opt(self.abort_at), if self.abort_at.is_some() => {
                    tracing::error!("{} device task(s) ignored the stop; aborting them", self.running.len());
                    self.running.abort_all();
                    while self.running.join_next().await.is_some() {}
                    return None;
                }
                Some(joined) = self.running.join_next() => match joined {
                    Ok(r) => return Some(r),
                    Err(e) if e.is_panic() => tracing::error!("a device task panicked: {e}"),
                    Err(_) => {}
                }
            }
        }
    }

    /// Ends the pool: aborts any task still running (a caller that breaks
    /// out early), then shuts the session registry down within a bound.
    pub async fn shutdown(mut self) -> PoolReport {
        self.running.abort_all();
        while self.running.join_next().await.is_some() {}
        let report = self
            .registry
            .shutdown(self.grace.min(Duration::from_secs(1)))
            .await;
        PoolReport {
            stop: self.stop,
            counters: report.counters,
        }
    }
}

async fn sleep_until_opt(t: Option<Instant>) {
    match t {
        Some(t) => tokio::time::sleep_until(t).await, // sleep-ok: a deadline, not a wait for work
        None => std::future::pending().await,
    }
}
