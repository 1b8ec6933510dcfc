//! The distributed halves of the jobs: the submitter's walk (called by
//! `discover_in` for `discover --distributed`) and a worker's options
//! from settings (for `netwalker worker`).

use super::{KnownDevices, Result, RunError, session_credentials, walk_options};
use crate::config::{Credential, Settings};
use crate::engine::{self, DistributedOptions, SeedTarget, WalkProgress, WalkSummary};
use crate::filter::Filter;
use crate::model::RunId;
use crate::remote::QueueLink;
use crate::store::{StoreWorker, WalkParams};
use crate::worker::{MIN_LEASE, WorkerOptions};
use std::time::Duration;
use tokio::sync::watch;
use tokio_util::sync::CancellationToken;

/// What the submitter's walk starts from.
pub(super) struct Start {
    /// The store's run the walk's commits belong to.
    pub run: RunId,
    /// Where the walk starts.
    pub seeds: Vec<SeedTarget>,
    /// What earlier runs learned.
    pub known: KnownDevices,
    /// Which neighbours are walked.
    pub filter: Filter,
}

/// Creates the walk in the queue and runs it to its end through workers.
pub(super) async fn walk(
    s: &Settings,
    start: Start,
    worker: &StoreWorker,
    cancel: CancellationToken,
    progress: watch::Sender<WalkProgress>,
) -> Result<WalkSummary> {
    let queue = QueueLink::new(s.store.clone(), "submitter");
    let params = WalkParams {
        ssh_port: s.port,
        telnet_port: s.telnet_port,
        endhosts: s.endhosts,
    };
    let me = format!(
        "{} pid {}",
        dns_lookup::get_hostname().unwrap_or_else(|_| "unknown host".into()),
        std::process::id()
    );
    let run = start.run;
    let walk_id = queue
        .call("starting the walk", move |q| {
            q.create_walk(run, &params, &me)
        })
        .await
        .map_err(RunError::Queue)?;
    tracing::info!(walk = %walk_id, "queued: workers take its devices from the store");
    let dist = DistributedOptions {
        queue,
        walk: walk_id,
        zones: s.zones.clone(),
        grace: s.grace_period,
    };
    Ok(engine::walk_distributed(
        start.seeds,
        start.known.index,
        start.known.failure_counts,
        start.filter,
        worker.sender(),
        walk_options(s, Vec::new()),
        dist,
        cancel,
        progress,
    )
    .await?)
}

/// What `netwalker worker` needs beyond the settings.
#[derive(Debug, Clone, Default)]
pub struct WorkerFlags {
    /// `--name`: the worker's name in claims (default host and pid).
    pub name: Option<String>,
    /// `--zone`.
    pub zone: Option<String>,
    /// `--lease` (default 30 s, at least [`MIN_LEASE`]).
    pub lease: Option<Duration>,
    /// `--db-retry` (default 60 s).
    pub db_retry: Option<Duration>,
    /// `--exit-when-idle`.
    pub exit_when_idle: Option<Duration>,
}

/// A worker's options: its sessions from the settings (credentials,
/// timeouts, host keys, concurrency, grace), the rest from its flags.
pub fn worker_options(
    s: &Settings,
    creds: &[Credential],
    flags: WorkerFlags,
) -> Result<WorkerOptions> {
    let lease = flags.lease.unwrap_or(Duration::from_secs(30));
    if lease < MIN_LEASE {
        return Err(RunError::Config(crate::config::ConfigError::Invalid {
            key: "lease",
            reason: format!("{lease:?} is shorter than {MIN_LEASE:?} (three heartbeats)"),
        }));
    }
    if let Some(z) = &flags.zone
        && !s.zones.iter().any(|zone| &zone.name == z)
    {
        tracing::warn!(
            "zone {z:?} is not in this worker's [[zones]]: it takes whatever the submitter's config puts in that zone"
        );
    }
    let base = walk_options(s, session_credentials(creds));
    let name = flags.name.unwrap_or_else(|| {
        format!(
            "{}:{}",
            dns_lookup::get_hostname().unwrap_or_else(|_| "unknown-host".into()),
            std::process::id()
        )
    });
    Ok(WorkerOptions {
        name,
        zone: flags.zone,
        concurrency: s.concurrency.max(1),
        lease,
        grace: s.grace_period,
        db_retry: flags.db_retry.unwrap_or(Duration::from_secs(60)),
        work: base.device_work(),
        exit_when_idle: flags.exit_when_idle,
    })
}
