//! The discovery engine: a breadth-first walk with real concurrency.
//!
//! # Ownership
//!
//! One *coordinator* (the `walk` future) owns everything that decides: the
//! identity index, the frontier, each device's status for this run, and the
//! only handle that schedules work. Device tasks own exactly one thing, their
//! session: a task opens it, runs the platform's command plan, closes it, and
//! returns raw facts. It never touches the index or the store, so there is
//! nothing to lock and no way for two tasks to walk one device: a device is
//! queued only when the coordinator's index says it is new to this run.
//!
//! Results go to the store through [`StoreSender`] (one writer thread; up to 64
//! devices per transaction, a savepoint per device), so an interrupted run loses at most the devices
//! in flight.
//!
//! # Shutdown
//!
//! The [`crate::pool`] lifecycle: cancellation (Ctrl-C) or the run deadline
//! stops scheduling at once. Tasks in flight get `grace` to finish and
//! commit; then they drop their sessions (the session registry counts those
//! as forced closes) and their devices stay undecided. Finally the registry
//! itself is shut down, so the count of open sessions is zero when `walk`
//! returns, whatever the devices did.

pub(crate) mod device;
mod distributed;
mod lead;
mod neighbours;
mod nodes;
pub mod plan;

use crate::filter::{Candidate, Decision, Filter};
use crate::identity::{Identifiers, IdentityIndex, display_hostname};
use crate::login::ScopedCredentials;
use crate::model::{
    ConnectionMethod, Device, DeviceId, DeviceResult, DeviceStatus, StatusCounts, Via,
};
use crate::pool::{DevicePool, PoolOptions, StopReason};
use crate::store::StoreSender;
pub use device::DeviceWork;
use device::{Job, Outcome, Walked};
use device_session::OpenOptions;
pub use distributed::{DistributedOptions, walk_distributed};
use lead::{Lead, own_name};
use neighbours::Neighbourhood;
use nodes::Nodes;
use plan::{DeviceFacts, Sighting};
use serde::Serialize;
use std::collections::{HashMap, VecDeque};
use std::net::IpAddr;
use std::time::{Duration, Instant};
use tokio::sync::watch;
use tokio_util::sync::CancellationToken;

/// How a walk behaves. Built from [`crate::config::Settings`] by the binary.
#[derive(Debug, Clone)]
pub struct WalkOptions {
    /// SSH port every device is dialled on.
    pub ssh_port: u16,
    /// Telnet port for the fallback.
    pub telnet_port: u16,
    /// Devices walked at once.
    pub concurrency: usize,
    /// Neighbours deeper than this are recorded as skipped, not walked.
    pub max_depth: Option<u32>,
    /// Tried in order on each device until one authenticates, each only
    /// where its scope allows; a device no set may be offered to is
    /// recorded as filtered, never connected to.
    pub credentials: Vec<ScopedCredentials>,
    /// How sessions open (timeouts, transports, host keys, output cap); the platform is left to detection.
    pub session: OpenOptions,
    /// Upper bound for one device, login to goodbye.
    pub device_timeout: Duration,
    /// Upper bound for the whole walk; when it passes the walk stops cleanly.
    pub run_deadline: Option<Duration>,
    /// How long in-flight devices get after a stop before they are cut off.
    pub grace: Duration,
    /// Devices that failed this many times in a row are skipped (0: never).
    pub failure_threshold: u32,
    /// Walk devices over the failure threshold anyway (`--ignore-failures`).
    pub ignore_failures: bool,
    /// Read MAC tables, ARP/ND caches and switchport state too (end-host
    /// tracking; off with `--no-endhosts`).
    pub endhosts: bool,
}

impl WalkOptions {
    /// What each device task needs of these options.
    pub(crate) fn device_work(&self) -> DeviceWork {
        DeviceWork {
            ssh_port: self.ssh_port,
            telnet_port: self.telnet_port,
            credentials: self.credentials.clone(),
            session: self.session.clone(),
            device_timeout: self.device_timeout,
            endhosts: self.endhosts,
        }
    }
}

impl Default for WalkOptions {
    fn default() -> Self {
        WalkOptions {
            ssh_port: 22,
            telnet_port: 23,
            concurrency: 32,
            max_depth: None,
            credentials: Vec::new(),
            session: OpenOptions::default(),
            device_timeout: Duration::from_secs(300),
            run_deadline: None,
            grace: Duration::from_secs(2),
            failure_threshold: 0,
            ignore_failures: false,
            endhosts: true,
        }
    }
}

/// Where a walk starts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SeedTarget {
    /// The name the seed was given as, if any: the device's name until it says its own.
    pub name: Option<String>,
    /// The address to dial.
    pub ip: IpAddr,
}

/// Live counters for a progress bar.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "serve", derive(utoipa::ToSchema))]
pub struct WalkProgress {
    /// Devices walked so far.
    pub walked: u64,
    /// Devices that failed so far.
    pub failed: u64,
    /// Devices waiting in the frontier.
    pub queued: u64,
    /// Devices being walked right now.
    pub in_flight: u64,
    /// Every device heard of in this run (walked, queued, filtered, leaves...).
    pub discovered: u64,
}

/// What a walk did.
#[derive(Debug, Clone, Serialize)]
pub struct WalkSummary {
    /// Devices by final status.
    pub counts: StatusCounts,
    /// Physical links in the store after the walk (one per cable).
    pub links: u64,
    /// Wall time of the walk.
    pub duration_ms: u64,
    /// Stopped by cancellation (Ctrl-C).
    pub interrupted: bool,
    /// Stopped by the run deadline.
    pub deadline_hit: bool,
    /// Sessions the walk opened (the registry's count).
    pub sessions_opened: u64,
    /// Sessions that said goodbye.
    pub sessions_closed_gracefully: u64,
    /// Sessions dropped by a stop, a deadline or an error.
    pub sessions_force_closed: u64,
    /// Connection attempts that never became a session.
    pub sessions_failed_opens: u64,
    /// Most sessions open at once: what `concurrency` allowed in practice.
    pub sessions_peak_concurrent: u64,
    /// Must be 0: every session the walk opened is closed when it returns.
    pub sessions_open_at_exit: u64,
    /// Walked devices with at least one planned command they could not
    /// answer (see `Device::warnings`).
    pub devices_with_warnings: u64,
    /// Walked devices reached over telnet (cleartext credentials).
    pub devices_over_telnet: u64,
    /// Walked devices whose SSH needed the legacy algorithms (weak crypto
    /// their owners should know about).
    pub devices_legacy_crypto: u64,
    /// Distributed walks: devices walked more than once because the
    /// worker that held them died or overran its lease (0 in a local walk).
    pub jobs_reclaimed: u64,
    /// Walked by workers (`discover --distributed`): the session counters
    /// above are then 0 here and each worker's own.
    pub distributed: bool,
}

/// Why a walk could not run at all. Device failures are results, not errors.
#[derive(Debug, thiserror::Error)]
pub enum WalkError {
    #[error(
        "no credentials: give --username with --password-env, or NETWALKER_USERNAME/NETWALKER_PASSWORD, or a credentials file"
    )]
    NoCredentials,
    #[error("the store writer stopped during the walk: {0}")]
    Store(String),
    #[error(
        "the distributed walk's queue failed while {0}; check that PostgreSQL is up and reachable, then run again with --resume"
    )]
    Queue(String),
}

/// Adds ids proved to be one device to its merge list, each once.
fn add_merges(merges: &mut Vec<DeviceId>, more: impl IntoIterator<Item = DeviceId>) {
    for m in more {
        if !merges.contains(&m) {
            merges.push(m);
        }
    }
}

/// Neighbour-reported platform texts and capabilities that mean "not a
/// network device we can log in to", used when the config sets no filters.
pub fn default_filter_config() -> crate::filter::FilterConfig {
    crate::filter::FilterConfig {
        platform_exclude: [
            "Cisco IP Phone",
            "Polycom",
            "AIR-",
            "AXIS",
            "JETDIRECT",
            "LaserJet",
        ]
        .map(String::from)
        .to_vec(),
        capability_exclude: vec!["Phone".into()],
        ..Default::default()
    }
}

/// Walks the network from `seeds`. See the module docs for who owns what.
#[allow(clippy::too_many_arguments)]
pub async fn walk(
    seeds: Vec<SeedTarget>,
    mut index: IdentityIndex,
    failure_counts: HashMap<DeviceId, u32>,
    filter: Filter,
    store: StoreSender,
    opts: WalkOptions,
    cancel: CancellationToken,
    progress: watch::Sender<WalkProgress>,
) -> Result<WalkSummary, WalkError> {
    if opts.credentials.is_empty() {
        return Err(WalkError::NoCredentials);
    }
    let started = Instant::now();
    let mut c = Coordinator::new(&mut index, failure_counts, filter, store, &opts, progress);
    for s in &seeds {
        c.add_seed(s);
    }
    c.publish(0);

    let work = opts.device_work();
    // Room for every lead the tasks in flight can send.
    let room = opts.concurrency.max(1) * device::LEADS_PER_DEVICE;
    let (leads_tx, mut leads_rx) = tokio::sync::mpsc::channel(room);
    let mut pool: DevicePool<(Job, Option<Outcome>)> = DevicePool::new(
        PoolOptions {
            concurrency: opts.concurrency,
            run_deadline: opts.run_deadline,
            grace: opts.grace,
        },
        cancel,
    );
    loop {
        while pool.has_room() {
            let Some(job) = c.next_job() else { break };
            let (registry, w, force) = (pool.registry().clone(), work.clone(), pool.force_token());
            let leads = leads_tx.clone();
            pool.spawn(async move {
                // Cut off at the end of the grace period: dropping the walk
                // drops its session, a forced close the registry counts.
                let r = tokio::select! {
                    r = device::walk_device(&registry, &job, &w, Some(&leads)) => Some(r),
                    _ = force.cancelled() => None,
                };
                (job, r)
            });
        }
        c.publish(pool.in_flight() as u64);
        if pool.in_flight() == 0 && (pool.stopped().is_some() || c.frontier.is_empty()) {
            break;
        }
        tokio::select! {
            biased;
            Some((job, lead)) = leads_rx.recv(), if pool.stopped().is_none() => c.lead(&job, lead),
            finished = pool.next_finished() => {
                // A device's leads are sent before it finishes, so they
                // are in the channel now: taken first, its final answers
                // find the decisions they made.
                while let Ok((job, lead)) = leads_rx.try_recv() {
                    c.lead(&job, lead);
                }
                // A task cut off at the end of the grace period (or none at
                // all): its node stays undecided.
                if let Some((job, Some(result))) = finished {
                    c.finish(job, result).await?;
                }
            }
        }
    }
    c.publish(0);
    let tally = c.tally();
    drop(c);
    // Everything the walk opened is closed when this returns; forced closes
    // of cut-off tasks have already been counted by their drops.
    let report = pool.shutdown().await;
    Ok(tally.summary(started, report.stop, report.counters))
}

/// What the coordinator counted, for the summary.
struct Tally {
    /// Devices by final status.
    counts: StatusCounts,
    /// Links reported (both ends).
    links: u64,
    /// Walked devices with warnings.
    with_warnings: u64,
    /// Walked devices reached over telnet.
    over_telnet: u64,
    /// Walked devices that needed legacy SSH algorithms.
    legacy_crypto: u64,
}

impl Tally {
    fn summary(
        self,
        started: Instant,
        stop: Option<StopReason>,
        k: device_session::Counters,
    ) -> WalkSummary {
        WalkSummary {
            counts: self.counts,
            links: self.links,
            duration_ms: started.elapsed().as_millis() as u64,
            interrupted: stop == Some(StopReason::Cancelled),
            deadline_hit: stop == Some(StopReason::Deadline),
            sessions_opened: k.opened,
            sessions_closed_gracefully: k.closed_gracefully,
            sessions_force_closed: k.force_closed,
            sessions_failed_opens: k.failed_opens,
            sessions_peak_concurrent: k.peak_concurrent,
            sessions_open_at_exit: k.open_now,
            devices_with_warnings: self.with_warnings,
            devices_over_telnet: self.over_telnet,
            devices_legacy_crypto: self.legacy_crypto,
            jobs_reclaimed: 0,
            distributed: false,
        }
    }
}

struct Coordinator<'a> {
    /// Who is who: every sighting goes through it, so a device is walked once.
    index: &'a mut IdentityIndex,
    /// Consecutive failures from earlier runs, for the failure threshold.
    failure_counts: HashMap<DeviceId, u32>,
    /// Decides, before any connection, which neighbours may be walked.
    filter: Filter,
    /// Where results go: the store worker's bounded channel.
    store: StoreSender,
    /// The walk's options.
    opts: &'a WalkOptions,
    /// This run's knowledge of every device it met, with status counts.
    nodes: Nodes,
    /// Devices queued breadth-first, waiting for room in the pool.
    frontier: VecDeque<Job>,
    /// Links reported so far (both ends), for the progress line.
    links: u64,
    /// Walked devices with warnings, for the summary.
    with_warnings: u64,
    /// Walked devices reached over telnet, for the summary.
    over_telnet: u64,
    /// Walked devices that needed legacy SSH algorithms, for the summary.
    legacy_crypto: u64,
    /// What devices' lead answers proved ([`Coordinator::lead`]), by job
    /// id, until their final answers (or failure) are recorded with it.
    leads: HashMap<DeviceId, Lead>,
    /// Where the progress bar reads the counts.
    progress: watch::Sender<WalkProgress>,
}

impl<'a> Coordinator<'a> {
    fn new(
        index: &'a mut IdentityIndex,
        failure_counts: HashMap<DeviceId, u32>,
        filter: Filter,
        store: StoreSender,
        opts: &'a WalkOptions,
        progress: watch::Sender<WalkProgress>,
    ) -> Self {
        Coordinator {
            index,
            failure_counts,
            filter,
            store,
            opts,
            nodes: Nodes::default(),
            frontier: VecDeque::new(),
            links: 0,
            with_warnings: 0,
            over_telnet: 0,
            legacy_crypto: 0,
            leads: HashMap::new(),
            progress,
        }
    }

    fn tally(&self) -> Tally {
        Tally {
            counts: self.nodes.counts(),
            links: self.links,
            with_warnings: self.with_warnings,
            over_telnet: self.over_telnet,
            legacy_crypto: self.legacy_crypto,
        }
    }

    fn add_seed(&mut self, s: &SeedTarget) {
        let mut ids = Identifiers::new().ip(s.ip);
        if let Some(n) = &s.name {
            ids = ids.hostname(n.clone());
        }
        let obs = self.index.observe(&ids);
        if self.nodes.contains(obs.id) {
            return; // the same device given twice
        }
        self.queue(Job {
            id: obs.id,
            name: s.name.clone(),
            ip: s.ip,
            depth: 0,
            parent: None,
            via: Via::Seed,
        });
    }

    fn queue(&mut self, job: Job) {
        tracing::debug!(device = %job.name.as_deref().unwrap_or("?"), ip = %job.ip, depth = job.depth, "queued");
        self.nodes.queue(job.id, job.depth);
        self.frontier.push_back(job);
    }

    /// The next job whose device is still itself (not merged into another
    /// that is already walked or queued).
    fn next_job(&mut self) -> Option<Job> {
        while let Some(job) = self.frontier.pop_front() {
            let canonical = self.index.canonical(job.id);
            if canonical != job.id {
                // Proven to be another device while it waited: not walked twice.
                self.nodes.mark_duplicate(job.id);
                continue;
            }
            return Some(job);
        }
        None
    }

    /// Progress of a distributed walk: the queue's counts stand for the
    /// frontier and the devices in flight.
    fn publish_remote(&self, queued: u64, in_flight: u64) {
        let c = self.nodes.counts();
        self.progress.send_replace(WalkProgress {
            walked: c.walked,
            failed: c.failed,
            queued: queued + self.frontier.len() as u64,
            in_flight,
            discovered: self.nodes.len() as u64,
        });
    }

    fn publish(&self, in_flight: u64) {
        let c = self.nodes.counts();
        self.progress.send_replace(WalkProgress {
            walked: c.walked,
            failed: c.failed,
            queued: self.frontier.len() as u64,
            in_flight,
            discovered: self.nodes.len() as u64,
        });
    }

    async fn finish(&mut self, job: Job, outcome: Outcome) -> Result<(), WalkError> {
        let label = job.name.clone().unwrap_or_else(|| job.ip.to_string());
        let lead = self.leads.remove(&job.id);
        match outcome {
            Outcome::Walked(raw) => {
                let merges = lead.map(|l| l.merges).unwrap_or_default();
                self.walked(job, raw.interpret(), merges).await
            }
            Outcome::Failed { class, reason } => {
                tracing::info!(device = %label, ip = %job.ip, error = %reason, class = %class, "failed");
                self.failed(&job, &class, reason, None, lead).await
            }
            Outcome::OutOfScope(why) => self.out_of_scope(&job, why).await,
        }
    }

    /// Records a device the walk could not use, with its failure class and
    /// reason; under the name and id its lead answers proved, if they came
    /// before the failure (its neighbours were walked from them).
    async fn failed(
        &mut self,
        job: &Job,
        class: &str,
        reason: String,
        method: Option<ConnectionMethod>,
        lead: Option<Lead>,
    ) -> Result<(), WalkError> {
        let (id, mut d, merges) = match lead {
            Some(l) => {
                let id = self.index.canonical(l.id);
                let mut d = Device::new(id, display_hostname(&l.name), DeviceStatus::Failed);
                d.hostname_raw = Some(l.name);
                (id, d, l.merges)
            }
            None => {
                let name = job.name.clone().unwrap_or_else(|| job.ip.to_string());
                let d = Device::new(job.id, name, DeviceStatus::Failed);
                (job.id, d, Vec::new())
            }
        };
        d.mgmt_ip = Some(job.ip);
        d.ips.insert(job.ip);
        d.depth = job.depth;
        d.parent = job.parent;
        d.via = Some(job.via);
        d.method = method;
        d.error_class = Some(class.to_string());
        d.reason = Some(reason.clone());
        self.nodes.settle(id, DeviceStatus::Failed, Some(reason));
        for m in &merges {
            self.nodes.mark_duplicate(*m);
        }
        self.commit(DeviceResult::bare(d)).await?;
        self.merge_into(id, merges).await
    }

    /// Records a device no credential set may be offered to: filtered,
    /// never connected to.
    async fn out_of_scope(&mut self, job: &Job, why: String) -> Result<(), WalkError> {
        let reason = format!("filtered: {why}");
        tracing::info!(device = %job.ip, "{reason}");
        let name = job.name.clone().unwrap_or_else(|| job.ip.to_string());
        let mut d = Device::new(job.id, name, DeviceStatus::Filtered);
        d.mgmt_ip = Some(job.ip);
        d.ips.insert(job.ip);
        d.depth = job.depth;
        d.parent = job.parent;
        d.via = Some(job.via);
        d.reason = Some(reason.clone());
        self.nodes
            .settle(job.id, DeviceStatus::Filtered, Some(reason));
        self.commit(DeviceResult::bare(d)).await
    }

    /// Queues a device's results for the store writer without waiting for
    /// the write: the coordinator goes straight back to dispatching, and
    /// results that queue up meanwhile are written in one transaction. A
    /// device that cannot be written is logged by the writer, not fatal.
    async fn commit(&mut self, r: DeviceResult) -> Result<(), WalkError> {
        self.store
            .record(r)
            .await
            .map_err(|e| WalkError::Store(e.to_string()))
    }

    /// A device that answered: its identity, its own record, its
    /// neighbours (each decided: queued, filtered, skipped), committed; then
    /// any records it proved to be the same device are merged, with those
    /// its lead answers proved (`lead_merges`).
    async fn walked(
        &mut self,
        job: Job,
        w: Walked,
        lead_merges: Vec<DeviceId>,
    ) -> Result<(), WalkError> {
        if w.facts.is_unrecognisable() {
            // Logged in, but nothing it said parses: corrupt output, a wrong
            // platform guess, or not a network device. Trusting its (empty)
            // neighbour tables would silently end the walk there.
            let e = format!(
                "unparseable: logged in over {} but `show version` gave no version, model or serial; the output looks corrupt or the platform is unsupported",
                w.method
            );
            tracing::info!(device = %job.ip, "{e}");
            return self
                .failed(&job, "unparseable", e, Some(w.method), None)
                .await;
        }
        let raw_name = own_name(&job, &w);
        let (id, mut merges) = self.identify(&job, &raw_name, &w.facts);
        add_merges(&mut merges, lead_merges);
        tracing::info!(device = %raw_name, ip = %job.ip, via = %w.method, neighbors = w.facts.sightings.len(), "walked");
        let me = self.own_record(id, &raw_name, &job, &w);
        let mut around = self.neighbourhood(id, &job, &w.facts.sightings, &mut merges);
        for d in around.neighbours.values_mut() {
            self.decide(d, &job);
        }
        self.links += around.links.len() as u64;
        self.nodes.settle(id, DeviceStatus::Walked, None);
        for m in &merges {
            // The merged id's fate is the surviving device's.
            self.nodes.mark_duplicate(*m);
        }
        let f = w.facts;
        self.commit(DeviceResult {
            device: me,
            interfaces: f.interfaces,
            stack_members: f.stack,
            vlans: f.vlans,
            neighbors: around.neighbours.into_values().collect(),
            links: around.links.into_values().collect(),
            endhosts: f.endhosts,
        })
        .await?;
        self.merge_into(id, merges).await
    }

    /// The walked device's id by everything it says about itself (name,
    /// addresses, serials of the chassis and every stack member), and the
    /// ids that turned out to be it (the job's own among them when it was
    /// queued under another).
    fn identify(
        &mut self,
        job: &Job,
        raw_name: &str,
        f: &DeviceFacts,
    ) -> (DeviceId, Vec<DeviceId>) {
        let serials = f
            .serial
            .iter()
            .chain(f.stack.iter().filter_map(|m| m.serial.as_ref()));
        let mut ids = Identifiers::new()
            .hostname(raw_name.to_string())
            .ip(job.ip)
            .ips(f.ips.iter().copied());
        for s in serials {
            ids = ids.serial(s.clone());
        }
        let obs = self.index.observe(&ids);
        let mut merges = obs.merged;
        if obs.id != job.id {
            add_merges(&mut merges, [job.id]);
        }
        (obs.id, merges)
    }

    /// The walked device's own record, and the run's counters it adds to.
    fn own_record(&mut self, id: DeviceId, raw_name: &str, job: &Job, w: &Walked) -> Device {
        let f = &w.facts;
        let mut me = Device::new(id, display_hostname(raw_name), DeviceStatus::Walked);
        me.hostname_raw = Some(raw_name.to_string());
        me.serial = f.serial.clone();
        me.platform = f.platform;
        me.model = f.model.clone();
        me.version = f.version.clone();
        me.uptime = f.uptime.clone();
        me.mgmt_ip = Some(job.ip);
        me.ips.insert(job.ip);
        me.ips.extend(f.ips.iter().copied());
        me.depth = job.depth;
        me.parent = job.parent.map(|p| self.index.canonical(p));
        me.via = Some(job.via);
        me.method = Some(w.method);
        for warning in &f.warnings {
            tracing::info!(device = %raw_name, "{warning}");
        }
        me.warnings = f.warnings.clone();
        me.legacy_crypto = w.legacy_crypto;
        self.with_warnings += u64::from(!me.warnings.is_empty());
        self.over_telnet += u64::from(w.method == ConnectionMethod::Telnet);
        self.legacy_crypto += u64::from(w.legacy_crypto);
        me
    }

    /// Neighbours by identity, then one link per port pair whatever
    /// protocol(s) reported it. Records a sighting proved to be one device
    /// are added to `merges`; a device seeing itself (shared segments, LLDP
    /// on the management port) is not a neighbour.
    fn neighbourhood(
        &mut self,
        id: DeviceId,
        job: &Job,
        sightings: &[Sighting],
        merges: &mut Vec<DeviceId>,
    ) -> Neighbourhood {
        let mut around = Neighbourhood::default();
        for s in sightings {
            let mut nids = Identifiers::new()
                .hostname(s.name_raw.clone())
                .ips(s.ips.iter().copied());
            if let Some(sn) = &s.serial {
                nids = nids.serial(sn.clone());
            }
            let nobs = self.index.observe(&nids);
            add_merges(merges, nobs.merged);
            if nobs.id != id {
                around.add(id, nobs.id, s, job.depth + 1);
            }
        }
        around
    }

    /// Merges in the store every record proved to be device `id`; a merge
    /// the store declines is logged, not fatal.
    async fn merge_into(&mut self, id: DeviceId, merges: Vec<DeviceId>) -> Result<(), WalkError> {
        for gone in merges.into_iter().filter(|g| *g != id) {
            let r = self
                .store
                .call(move |w| w.merge_devices(id, gone))
                .await
                .map_err(|e| WalkError::Store(e.to_string()))?;
            if let Err(e) = r {
                tracing::debug!(keep = %id, gone = %gone, error = %e, "merge skipped");
            }
        }
        Ok(())
    }

    /// Decides a neighbour's fate for this run and sets its placeholder status.
    fn decide(&mut self, d: &mut Device, parent: &Job) {
        let depth = parent.depth + 1;
        if let Some((status, reason)) = self.nodes.sighted(d.id, depth) {
            // Already known this run: keep its fate; a shallower path to a
            // queued device improves its recorded depth.
            d.status = status;
            d.reason = reason;
            return;
        }
        let label = d.hostname.clone();
        let decision = self.filter.decide(&Candidate::of_device(d));
        let (status, reason) = if let Decision::Filtered { .. } = &decision {
            (DeviceStatus::Filtered, Some(decision.to_string()))
        } else if self.opts.max_depth.is_some_and(|m| depth > m) {
            (
                DeviceStatus::Skipped,
                Some(format!(
                    "skipped: depth {depth} is beyond --max-depth {}",
                    self.opts.max_depth.unwrap_or(0)
                )),
            )
        } else if d.mgmt_ip.is_none() {
            (
                DeviceStatus::NeighborOnly,
                Some("neighbor-only: no management address advertised".into()),
            )
        } else if self.opts.failure_threshold > 0
            && !self.opts.ignore_failures
            && self.failure_counts.get(&d.id).copied().unwrap_or(0) >= self.opts.failure_threshold
        {
            (
                DeviceStatus::Skipped,
                Some(format!(
                    "skipped: failed {} times in a row (threshold {}; --ignore-failures to try anyway)",
                    self.failure_counts.get(&d.id).copied().unwrap_or(0),
                    self.opts.failure_threshold
                )),
            )
        } else {
            let ip = d.mgmt_ip.unwrap_or(parent.ip);
            self.queue(Job {
                id: d.id,
                name: Some(d.hostname.clone()),
                ip,
                depth,
                parent: Some(parent.id),
                via: d.via.unwrap_or(Via::Cdp),
            });
            d.status = DeviceStatus::NeighborOnly;
            d.reason = None;
            return;
        };
        tracing::info!(device = %label, reason = reason.as_deref().unwrap_or(""), "not walked");
        d.status = status;
        d.reason = reason.clone();
        self.nodes.decide(d.id, status, depth, reason);
    }
}
