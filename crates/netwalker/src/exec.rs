//! The command executor behind `netwalker exec`: ad-hoc commands across a
//! filtered set of devices from the inventory store.
//!
//! Three steps, each usable on its own:
//! 1. [`select_devices`] turns store records and an [`ExecFilter`] into
//!    [`ExecTarget`]s. It opens nothing, so `--dry-run` is just this step.
//! 2. [`execute`] runs the commands with the discovery engine's lifecycle
//!    ([`crate::pool`]): one [`Registry`], at most `concurrency` devices at once, one task per
//!    device that owns its session from open to close, a deadline on every
//!    step and on the whole device, and on Ctrl-C (or the run deadline): no
//!    new devices, `grace` for those in flight, then a forced close of the
//!    rest and a registry shutdown, so no session outlives the call.
//! 3. [`write_results`] writes the [`ExecReport`] as a workbook (one sheet per
//!    command), one long CSV, JSON, or one text file per device. For large
//!    runs, [`execute_streaming`] with a [`ResultsWriter`] writes the same
//!    files while devices finish, without holding every output in memory.
//!
//! A command the device refuses (`% Invalid input ...`) is
//! [`CommandStatus::Rejected`], never `ok`: scripts that check statuses must
//! not mistake an error message for output.

mod stream;

pub use stream::ResultsWriter;

use crate::config::{Credential, Settings};
use crate::fsname::file_stem;
use crate::login::ScopedCredentials;
use crate::model::{Device, DeviceStatus, UnixTime, now_unix};
use crate::pool::{DevicePool, PoolOptions, StopReason};
use crate::report::{self, Cell, ReportError, SitePattern, SitePatternError, Table};
use crate::store::{StoreError, StoreReader};
use device_parsers::Platform;
use device_session::{OpenOptions, Registry, SessionError, Target, TransportKind};
use globset::{GlobBuilder, GlobSet, GlobSetBuilder};
use ipnet::IpNet;
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, BTreeSet, HashSet};
use std::net::IpAddr;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, Instant};
use tokio::sync::watch;
use tokio_util::sync::CancellationToken;

/// Which devices of the store a run touches. Every given criterion must hold;
/// within one criterion, any of its values may match.
#[derive(Debug, Clone, Default)]
pub struct ExecFilter {
    /// Hostname globs (case-insensitive, `*` and `?`), matched against the
    /// display name and the name as first reported. Empty: every device.
    pub names: Vec<String>,
    /// Empty: any platform. Devices whose platform is unknown never match a
    /// platform filter.
    pub platforms: Vec<Platform>,
    /// Site names (case-insensitive). With [`ExecFilter::site_pattern`] the
    /// sites are assigned exactly as in the reports ([`SitePattern`]);
    /// without it a device is in site `S` when its hostname starts with `S`
    /// followed by a non-alphanumeric character (`NYC` takes `NYC-ACC-1`,
    /// not `NYCX-1`).
    pub sites: Vec<String>,
    pub site_pattern: Option<String>,
    /// The device's management address must be in one of these.
    pub cidrs: Vec<IpNet>,
    /// Also devices never logged in to (neighbour-only, skipped, filtered).
    /// By default only devices a walk tried (walked or failed) are targets:
    /// the others are phones, printers and the like, or out of scope.
    pub include_unwalked: bool,
}

/// One device to run commands on.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ExecTarget {
    pub name: String,
    pub ip: IpAddr,
    /// From the last walk; a hint for the session (skips detection) and the
    /// key for `--parse`.
    pub platform: Option<Platform>,
    pub site: Option<String>,
    /// The device's status in the store, for `--dry-run` listings.
    pub last_status: DeviceStatus,
}

/// Why the executor could not run (device failures are results, not errors).
#[derive(Debug, thiserror::Error)]
pub enum ExecError {
    #[error("invalid --filter glob {glob:?}: {source}")]
    Glob {
        glob: String,
        source: globset::Error,
    },
    #[error(transparent)]
    SitePattern(#[from] SitePatternError),
    #[error("no commands to run: give --command \"show ...\"")]
    NoCommands,
    #[error(
        "no credentials: give --username with --password-env, or NETWALKER_USERNAME/NETWALKER_PASSWORD, or a credentials file"
    )]
    NoCredentials,
    #[error(
        "no inventory store at {0}: run `netwalker discover` first, or point --store at an existing store"
    )]
    NoStore(PathBuf),
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error(transparent)]
    Report(#[from] ReportError),
    #[error(
        "cannot write {path}: {source}; check that the directory is writable or choose another --out"
    )]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
}

fn compile_globs(patterns: &[String]) -> Result<Option<GlobSet>, ExecError> {
    if patterns.is_empty() {
        return Ok(None);
    }
    let mut b = GlobSetBuilder::new();
    for p in patterns {
        let glob = GlobBuilder::new(p.trim())
            .case_insensitive(true)
            .build()
            .map_err(|source| ExecError::Glob {
                glob: p.clone(),
                source,
            })?;
        b.add(glob);
    }
    b.build().map(Some).map_err(|source| ExecError::Glob {
        glob: patterns.join(", "),
        source,
    })
}

/// `S` is the site of `hostname` when the name starts with `S` followed by
/// the end or a non-alphanumeric character (case-insensitive).
fn prefix_site(hostname: &str, site: &str) -> bool {
    let (n, s) = (hostname.to_lowercase(), site.to_lowercase());
    !s.is_empty()
        && n.starts_with(&s)
        && n[s.len()..]
            .chars()
            .next()
            .is_none_or(|c| !c.is_alphanumeric())
}

/// Parses `--ip`: a CIDR (`10.1.0.0/16`) or a bare address (one host).
pub fn parse_cidr(s: &str) -> Result<IpNet, String> {
    let s = s.trim();
    if let Ok(net) = s.parse::<IpNet>() {
        return Ok(net);
    }
    s.parse::<IpAddr>()
        .map(IpNet::from)
        .map_err(|_| format!("{s:?} is neither a CIDR (10.1.0.0/16) nor an IP address"))
}

/// The devices of `devices` (a store's records) that `filter` selects, sorted
/// by name, one per management address. Devices without an address and
/// duplicates (merged records) are never targets.
pub fn select_devices(
    devices: &[Device],
    filter: &ExecFilter,
) -> Result<Vec<ExecTarget>, ExecError> {
    let names = compile_globs(&filter.names)?;
    let site_map = match &filter.site_pattern {
        // Assigned over the whole store, so anchors count even when they are
        // not selected themselves.
        Some(p) => Some(SitePattern::new(p)?.assign(devices)),
        None => None,
    };
    let mut out: Vec<ExecTarget> = Vec::new();
    for d in devices {
        let wanted_status = match d.status {
            DeviceStatus::Walked | DeviceStatus::Failed => true,
            DeviceStatus::NeighborOnly | DeviceStatus::Skipped | DeviceStatus::Filtered => {
                filter.include_unwalked
            }
            DeviceStatus::Duplicate => false,
        };
        if !wanted_status {
            continue;
        }
        let Some(ip) = d.mgmt_ip.or_else(|| d.ips.iter().next().copied()) else {
            continue;
        };
        if let Some(g) = &names
            && !g.is_match(&d.hostname)
            && !d.hostname_raw.as_deref().is_some_and(|r| g.is_match(r))
        {
            continue;
        }
        if !filter.platforms.is_empty()
            && !d.platform.is_some_and(|p| filter.platforms.contains(&p))
        {
            continue;
        }
        if !filter.cidrs.is_empty() && !filter.cidrs.iter().any(|n| n.contains(&ip)) {
            continue;
        }
        let site = match &site_map {
            Some(m) => m.site(d.id).map(str::to_string),
            None => filter
                .sites
                .iter()
                .find(|s| prefix_site(&d.hostname, s))
                .cloned(),
        };
        if !filter.sites.is_empty()
            && !site
                .as_deref()
                .is_some_and(|s| filter.sites.iter().any(|w| w.eq_ignore_ascii_case(s)))
        {
            continue;
        }
        out.push(ExecTarget {
            name: d.hostname.clone(),
            ip,
            platform: d.platform,
            site,
            last_status: d.status,
        });
    }
    out.sort_by_key(|t| (t.name.to_lowercase(), t.ip));
    let mut seen = HashSet::new();
    out.retain(|t| seen.insert(t.ip));
    Ok(out)
}

/// Reads the store at `path` (which must exist; an executor never creates an
/// empty inventory) and selects its devices.
pub fn select_from_store(path: &Path, filter: &ExecFilter) -> Result<Vec<ExecTarget>, ExecError> {
    if !path.exists() {
        return Err(ExecError::NoStore(path.to_path_buf()));
    }
    let reader = StoreReader::open(path)?;
    select_devices(&reader.devices()?, filter)
}

/// How a run behaves. [`ExecOptions::from_settings`] builds it from the same
/// config and flags as `discover`.
#[derive(Debug, Clone)]
pub struct ExecOptions {
    pub ssh_port: u16,
    pub telnet_port: u16,
    pub concurrency: usize,
    /// Tried in order on each device until one authenticates, each only
    /// where its scope allows.
    pub credentials: Vec<ScopedCredentials>,
    pub session: OpenOptions,
    /// Upper bound for one device, login to goodbye.
    pub device_timeout: Duration,
    /// Upper bound for the whole run; when it passes the run stops cleanly.
    pub run_deadline: Option<Duration>,
    /// How long devices in flight get after a stop before they are cut off.
    pub grace: Duration,
    /// Add parsed records where device-parsers knows the (platform, command).
    pub parse: bool,
}

impl ExecOptions {
    pub fn from_settings(s: &Settings, creds: &[Credential], parse: bool) -> ExecOptions {
        ExecOptions {
            ssh_port: s.port,
            telnet_port: s.telnet_port,
            concurrency: s.concurrency.max(1),
            credentials: crate::run::session_credentials(creds),
            session: crate::run::open_options(s),
            device_timeout: s.timeouts.device,
            run_deadline: s.timeouts.run,
            grace: s.grace_period,
            parse,
        }
    }
}

/// Devices and the commands to run on each, in order.
#[derive(Debug, Clone)]
pub struct ExecPlan {
    pub targets: Vec<ExecTarget>,
    pub commands: Vec<String>,
}

/// How one command ended on one device.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CommandStatus {
    /// The device ran it and printed no error marker.
    Ok,
    /// The device answered with an error (`% Invalid input`, `Invalid syntax.`).
    Rejected,
    /// The connection or the session failed (refused, unreachable, closed,
    /// no prompt, host key...); `error_class` says which.
    Failed,
    /// A step or the whole-device budget ran out.
    Timeout,
    /// The device refused every credential set.
    AuthFailed,
    /// Cut off by Ctrl-C or the run deadline while running.
    Interrupted,
    /// Never sent: an earlier command ended the session, or the run stopped
    /// before the device's turn.
    NotRun,
}

impl CommandStatus {
    pub const ALL: [CommandStatus; 7] = [
        CommandStatus::Ok,
        CommandStatus::Rejected,
        CommandStatus::Failed,
        CommandStatus::Timeout,
        CommandStatus::AuthFailed,
        CommandStatus::Interrupted,
        CommandStatus::NotRun,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            CommandStatus::Ok => "ok",
            CommandStatus::Rejected => "rejected",
            CommandStatus::Failed => "failed",
            CommandStatus::Timeout => "timeout",
            CommandStatus::AuthFailed => "auth_failed",
            CommandStatus::Interrupted => "interrupted",
            CommandStatus::NotRun => "not_run",
        }
    }

    /// The status for a session error.
    pub fn of_error(e: &SessionError) -> CommandStatus {
        match e {
            SessionError::AuthFailed { .. } => CommandStatus::AuthFailed,
            SessionError::Timeout { .. } => CommandStatus::Timeout,
            SessionError::Cancelled { .. } | SessionError::ShuttingDown { .. } => {
                CommandStatus::Interrupted
            }
            _ => CommandStatus::Failed,
        }
    }
}

impl std::fmt::Display for CommandStatus {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One command on one device.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CommandResult {
    pub command: String,
    pub status: CommandStatus,
    /// What the device printed (echo and prompt removed); empty when the
    /// command did not complete.
    pub output: String,
    /// Why it is not `ok`, for people.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
    /// Why it is not `ok`, for scripts: the session error kind (`refused`,
    /// `timeout`, `auth_failed`, ...), `rejected`, `interrupted` or `not_run`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error_class: Option<String>,
    pub duration_ms: u64,
    /// `{"kind": ..., "records": ...}` when `--parse` was asked and the
    /// (platform, command) pair has a parser.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub parsed: Option<serde_json::Value>,
}

impl CommandResult {
    fn failed(command: &str, status: CommandStatus, class: &str, error: String) -> Self {
        CommandResult {
            command: command.to_string(),
            status,
            output: String::new(),
            error: Some(error),
            error_class: Some(class.to_string()),
            duration_ms: 0,
            parsed: None,
        }
    }
}

/// Everything that happened on one device.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DeviceRun {
    pub device: String,
    pub ip: IpAddr,
    /// Detected at login, else the store's.
    pub platform: Option<Platform>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub site: Option<String>,
    /// `ssh` or `telnet`; none when no session was opened.
    pub transport: Option<String>,
    pub duration_ms: u64,
    /// One per command of the plan, in plan order.
    pub results: Vec<CommandResult>,
}

impl DeviceRun {
    /// The device's overall status: its first command that is not `ok` (a
    /// failure cascades to `not_run` after it, so the first is the cause).
    pub fn status(&self) -> CommandStatus {
        self.results
            .iter()
            .map(|r| r.status)
            .find(|s| *s != CommandStatus::Ok)
            .unwrap_or(CommandStatus::Ok)
    }
}

/// Live counters for a progress bar.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct ExecProgress {
    pub total: u64,
    pub done: u64,
    pub in_flight: u64,
    /// Finished devices where some command was not `ok`.
    pub with_problems: u64,
}

/// What a run did. `sessions_open_at_exit` is 0 whenever [`execute`] returns.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ExecReport {
    pub commands: Vec<String>,
    pub parse: bool,
    pub started: UnixTime,
    pub duration_ms: u64,
    /// Stopped by cancellation (Ctrl-C).
    pub interrupted: bool,
    /// Stopped by the run deadline.
    pub deadline_hit: bool,
    /// Command results by status, over every device.
    pub counts: BTreeMap<CommandStatus, u64>,
    pub sessions_opened: u64,
    pub sessions_closed_gracefully: u64,
    pub sessions_force_closed: u64,
    pub sessions_failed_opens: u64,
    pub sessions_peak_concurrent: u64,
    pub sessions_open_at_exit: u64,
    /// In target order (sorted by name).
    pub devices: Vec<DeviceRun>,
}

impl ExecReport {
    /// The report without outputs and parsed records: for `--json` on stdout.
    pub fn summary_json(&self) -> serde_json::Value {
        let mut v = serde_json::to_value(self).expect("the report serialises");
        if let Some(devs) = v.get_mut("devices").and_then(|d| d.as_array_mut()) {
            for d in devs {
                if let Some(rs) = d.get_mut("results").and_then(|r| r.as_array_mut()) {
                    for r in rs.iter_mut().filter_map(|r| r.as_object_mut()) {
                        r.remove("output");
                        r.remove("parsed");
                    }
                }
            }
        }
        v
    }

    /// Human summary lines.
    pub fn summary_lines(&self) -> Vec<String> {
        let state = if self.interrupted {
            " (interrupted)"
        } else if self.deadline_hit {
            " (stopped at the deadline)"
        } else {
            ""
        };
        let counts: Vec<String> = CommandStatus::ALL
            .iter()
            .filter_map(|s| self.counts.get(s).map(|n| format!("{s} {n}")))
            .collect();
        let ok_devices = self
            .devices
            .iter()
            .filter(|d| d.status() == CommandStatus::Ok)
            .count();
        vec![
            format!(
                "{} command(s) on {} device(s) in {:.2} s{}: {} device(s) all ok",
                self.commands.len(),
                self.devices.len(),
                self.duration_ms as f64 / 1000.0,
                state,
                ok_devices
            ),
            format!("results: {}", counts.join(", ")),
            format!(
                "sessions: opened {}, closed gracefully {}, force-closed {}, open at exit {}",
                self.sessions_opened,
                self.sessions_closed_gracefully,
                self.sessions_force_closed,
                self.sessions_open_at_exit
            ),
        ]
    }
}

/// What ended a device task early.
enum Stop {
    Session(SessionError),
    DeviceBudget(Duration),
    Interrupted,
    /// No credential set may be offered to the device's address.
    OutOfScope(String),
}

/// What the task learned before it ended, kept outside the work future so an
/// early end (budget, stop) still reports it.
#[derive(Default)]
struct Progressed {
    opened: bool,
    platform: Option<Platform>,
    transport: Option<&'static str>,
    done: Vec<CommandResult>,
}

/// Receives each device's run as soon as the device is done, so outputs can
/// go to disk while other devices still run ([`ResultsWriter`] writes the
/// files from it). Called on the executor's own task, in completion order,
/// once per target: devices that never started are delivered at the end.
pub trait ExecSink: Send {
    /// `index` is the device's position in [`ExecPlan::targets`]. An error
    /// stops the run like Ctrl-C does (no new devices, `grace` for those in
    /// flight) and [`execute_streaming`] returns it.
    fn device_done(&mut self, index: usize, run: &DeviceRun) -> Result<(), ExecError>;
}

/// Runs every command of `plan` on every target. See the module docs for the
/// lifecycle; the returned report's `sessions_open_at_exit` is 0. The report
/// holds every output until it is dropped; for large runs use
/// [`execute_streaming`].
pub async fn execute(
    plan: ExecPlan,
    opts: ExecOptions,
    cancel: CancellationToken,
    progress: watch::Sender<ExecProgress>,
) -> Result<ExecReport, ExecError> {
    run_plan(plan, opts, cancel, progress, None).await
}

/// [`execute`] that hands each device's run to `sink` the moment the device
/// is done and then forgets its outputs: the returned report has every
/// status, error and timing, but empty `output`s and no `parsed` records.
/// Memory holds the devices in flight and a small summary per device, not
/// the whole run's output.
pub async fn execute_streaming(
    plan: ExecPlan,
    opts: ExecOptions,
    cancel: CancellationToken,
    progress: watch::Sender<ExecProgress>,
    sink: &mut dyn ExecSink,
) -> Result<ExecReport, ExecError> {
    run_plan(plan, opts, cancel, progress, Some(sink)).await
}

/// Gives `run` to the sink, then drops what the sink now holds: the
/// outputs and parsed records.
fn deliver(sink: &mut dyn ExecSink, index: usize, run: &mut DeviceRun) -> Result<(), ExecError> {
    sink.device_done(index, run)?;
    for r in &mut run.results {
        r.output = String::new();
        r.parsed = None;
    }
    Ok(())
}

async fn run_plan(
    plan: ExecPlan,
    opts: ExecOptions,
    cancel: CancellationToken,
    progress: watch::Sender<ExecProgress>,
    mut sink: Option<&mut dyn ExecSink>,
) -> Result<ExecReport, ExecError> {
    if plan.commands.is_empty() {
        return Err(ExecError::NoCommands);
    }
    if opts.credentials.is_empty() && !plan.targets.is_empty() {
        return Err(ExecError::NoCredentials);
    }
    let started_at = now_unix();
    let started = Instant::now();
    let commands: Arc<[String]> = plan.commands.clone().into();
    let opts = Arc::new(opts);
    let total = plan.targets.len();
    let mut slots: Vec<Option<DeviceRun>> = vec![None; total];
    let mut next = 0usize;
    let mut pool: DevicePool<(usize, DeviceRun)> = DevicePool::new(
        PoolOptions {
            concurrency: opts.concurrency,
            run_deadline: opts.run_deadline,
            grace: opts.grace,
        },
        cancel,
    );
    let mut done = 0u64;
    let mut with_problems = 0u64;
    let mut sink_error: Option<ExecError> = None;

    loop {
        // A stop that came before a device's turn means it never starts.
        while pool.has_room() && next < total {
            let i = next;
            next += 1;
            let t = plan.targets[i].clone();
            let (registry, commands, o, force) = (
                pool.registry().clone(),
                commands.clone(),
                opts.clone(),
                pool.force_token(),
            );
            pool.spawn(async move { (i, exec_device(&registry, t, &commands, &o, force).await) });
        }
        progress.send_replace(ExecProgress {
            total: total as u64,
            done,
            in_flight: pool.in_flight() as u64,
            with_problems,
        });
        if pool.in_flight() == 0 && (pool.stopped().is_some() || next >= total) {
            break;
        }
        let Some((i, mut run)) = pool.next_finished().await else {
            continue;
        };
        done += 1;
        if run.status() != CommandStatus::Ok {
            with_problems += 1;
        }
        if let Some(sink) = sink.as_deref_mut()
            && let Err(e) = deliver(sink, i, &mut run)
        {
            tracing::error!(
                "{e}; no new devices, {} in flight get {:?}",
                pool.in_flight(),
                opts.grace
            );
            pool.stop(StopReason::Caller);
            sink_error.get_or_insert(e);
        }
        slots[i] = Some(run);
    }
    progress.send_replace(ExecProgress {
        total: total as u64,
        done,
        in_flight: 0,
        with_problems,
    });
    let report = pool.shutdown().await;
    let k = report.counters;
    let deadline_hit = report.stop == Some(StopReason::Deadline);
    let interrupted = report.stop == Some(StopReason::Cancelled);

    let mut devices = Vec::with_capacity(total);
    for (i, (slot, t)) in slots.into_iter().zip(&plan.targets).enumerate() {
        let run = match slot {
            Some(run) => run,
            None => {
                let mut run = unfinished(t, &commands, i < next, deadline_hit);
                if let Some(sink) = sink.as_deref_mut()
                    && let Err(e) = deliver(sink, i, &mut run)
                {
                    sink_error.get_or_insert(e);
                }
                run
            }
        };
        devices.push(run);
    }
    if let Some(e) = sink_error {
        return Err(e);
    }
    let mut counts = BTreeMap::new();
    for r in devices.iter().flat_map(|d| &d.results) {
        *counts.entry(r.status).or_insert(0) += 1;
    }
    Ok(ExecReport {
        commands: plan.commands,
        parse: opts.parse,
        started: started_at,
        duration_ms: started.elapsed().as_millis() as u64,
        interrupted,
        deadline_hit,
        counts,
        sessions_opened: k.opened,
        sessions_closed_gracefully: k.closed_gracefully,
        sessions_force_closed: k.force_closed,
        sessions_failed_opens: k.failed_opens,
        sessions_peak_concurrent: k.peak_concurrent,
        sessions_open_at_exit: k.open_now,
        devices,
    })
}

/// The run of a device whose task never reported: cut off when it had
/// started, else never run (interrupted or past the deadline).
fn unfinished(t: &ExecTarget, commands: &[String], started: bool, deadline_hit: bool) -> DeviceRun {
    let (status, why) = if started {
        (
            CommandStatus::Interrupted,
            "interrupted: the device task was cut off",
        )
    } else if deadline_hit {
        (
            CommandStatus::NotRun,
            "not run: the run deadline passed before this device's turn",
        )
    } else {
        (
            CommandStatus::NotRun,
            "not run: the run was interrupted before this device's turn",
        )
    };
    DeviceRun {
        device: t.name.clone(),
        ip: t.ip,
        platform: t.platform,
        site: t.site.clone(),
        transport: None,
        duration_ms: 0,
        results: commands
            .iter()
            .map(|c| CommandResult::failed(c, status, status.as_str(), why.into()))
            .collect(),
    }
}

/// One device, start to finish, in the task that owns its session. Never
/// fails: every outcome is a result row.
async fn exec_device(
    registry: &Registry,
    t: ExecTarget,
    commands: &[String],
    o: &ExecOptions,
    force: CancellationToken,
) -> DeviceRun {
    let started = Instant::now();
    let mut p = Progressed {
        platform: t.platform,
        ..Progressed::default()
    };
    let end = if let Some(why) = crate::login::out_of_scope(&o.credentials, t.ip) {
        Some(Stop::OutOfScope(why))
    } else {
        let work = device_work(registry, &t, commands, o, &mut p);
        // Dropping `work` early drops its session: a forced close the
        // registry counts, never a leak.
        tokio::select! {
            r = tokio::time::timeout(o.device_timeout, work) => match r {
                Ok(Ok(())) => None,
                Ok(Err(e)) => Some(Stop::Session(e)),
                Err(_) => Some(Stop::DeviceBudget(o.device_timeout)),
            },
            _ = force.cancelled() => Some(Stop::Interrupted),
        }
    };
    let mut results = std::mem::take(&mut p.done);
    if let Some(stop) = end {
        let (status, class, why) = match &stop {
            Stop::Session(e) => (CommandStatus::of_error(e), e.kind(), e.to_string()),
            Stop::DeviceBudget(d) => (
                CommandStatus::Timeout,
                "timeout",
                format!(
                    "{} ({}): the whole-device budget of {d:?} ran out (raise timeouts.device for long commands)",
                    t.name, t.ip
                ),
            ),
            Stop::OutOfScope(why) => (
                CommandStatus::Failed,
                "out_of_scope",
                format!("{} ({}): {why}", t.name, t.ip),
            ),
            Stop::Interrupted => (
                CommandStatus::Interrupted,
                "interrupted",
                format!(
                    "{} ({}): interrupted (Ctrl-C or the run deadline); the connection was closed",
                    t.name, t.ip
                ),
            ),
        };
        let k = results.len();
        let spent: u64 = results.iter().map(|r| r.duration_ms).sum();
        let elapsed = (started.elapsed().as_millis() as u64).saturating_sub(spent);
        for (i, c) in commands.iter().enumerate().skip(k) {
            if i == k || !p.opened {
                // Login failed: every command carries the cause, so each
                // command's sheet shows why the device has no output.
                let mut r = CommandResult::failed(c, status, class, why.clone());
                if i == k {
                    // Time to the failure (login, or the command so far).
                    r.duration_ms = elapsed;
                }
                results.push(r);
            } else {
                results.push(CommandResult::failed(
                    c,
                    CommandStatus::NotRun,
                    "not_run",
                    format!("not run: the session ended at {:?}", commands[k]),
                ));
            }
        }
    }
    DeviceRun {
        device: t.name,
        ip: t.ip,
        platform: p.platform,
        site: t.site,
        transport: p.transport.map(str::to_string),
        duration_ms: started.elapsed().as_millis() as u64,
        results,
    }
}

async fn device_work(
    registry: &Registry,
    t: &ExecTarget,
    commands: &[String],
    o: &ExecOptions,
    p: &mut Progressed,
) -> Result<(), SessionError> {
    let target = Target::new(t.ip.to_string())
        .name(t.name.clone())
        .ssh_port(o.ssh_port)
        .telnet_port(o.telnet_port);
    let mut session_opts = o.session.clone();
    if session_opts.platform.is_none() {
        session_opts.platform = t.platform;
    }
    let mut s =
        crate::login::open_session(registry, &target, t.ip, &o.credentials, &session_opts).await?;
    p.opened = true;
    p.platform = s.platform().or(t.platform);
    p.transport = Some(match s.info().transport {
        TransportKind::Telnet => "telnet",
        _ => "ssh",
    });
    for cmd in commands {
        // An error ends the device; returning drops `s`, a counted forced close.
        let out = s.run(cmd).await?;
        p.done.push(command_result(cmd, out, p.platform, o.parse));
    }
    if let Err(e) = s.close().await {
        tracing::debug!(device = %t.name, error = %e, "goodbye was not clean");
    }
    Ok(())
}

fn command_result(
    cmd: &str,
    out: device_session::Output,
    platform: Option<Platform>,
    parse: bool,
) -> CommandResult {
    let (status, error, error_class) = if out.rejected {
        (
            CommandStatus::Rejected,
            Some(format!(
                "rejected by the device: {}",
                rejection_line(&out.text)
            )),
            Some("rejected".to_string()),
        )
    } else {
        (CommandStatus::Ok, None, None)
    };
    let parsed = match (parse, status, platform) {
        (true, CommandStatus::Ok, Some(pl)) => device_parsers::parse(pl, cmd, &out.text)
            .ok()
            .and_then(|r| serde_json::to_value(r).ok()),
        _ => None,
    };
    CommandResult {
        command: cmd.to_string(),
        status,
        output: out.text,
        error,
        error_class,
        duration_ms: out.duration.as_millis() as u64,
        parsed,
    }
}

/// The line of a rejected command's output that says why: the first `%`
/// line, else the last non-empty one.
fn rejection_line(text: &str) -> &str {
    text.lines()
        .map(str::trim)
        .find(|l| l.starts_with('%'))
        .or_else(|| text.lines().map(str::trim).rfind(|l| !l.is_empty()))
        .unwrap_or("")
}

/// Output formats of `netwalker exec --format`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum ExecFormat {
    /// `Command_Results_<stamp>.xlsx`, one sheet per command.
    Xlsx,
    /// `Command_Results_<stamp>.csv`, one row per device and command.
    Csv,
    /// `Command_Results_<stamp>.json`, the whole [`ExecReport`].
    Json,
    /// `Command_Results_<stamp>/<device>.txt`, every command's output.
    Text,
}

impl std::str::FromStr for ExecFormat {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.trim().to_ascii_lowercase().as_str() {
            "xlsx" | "excel" => Ok(ExecFormat::Xlsx),
            "csv" => Ok(ExecFormat::Csv),
            "json" => Ok(ExecFormat::Json),
            "text" | "txt" => Ok(ExecFormat::Text),
            other => Err(format!(
                "unknown output format {other:?}; expected xlsx, csv, json or text"
            )),
        }
    }
}

/// Parses `--format xlsx,csv,json,text`.
pub fn parse_formats(list: &str) -> Result<BTreeSet<ExecFormat>, String> {
    let set: BTreeSet<ExecFormat> = list
        .split(',')
        .filter(|s| !s.trim().is_empty())
        .map(str::parse)
        .collect::<Result<_, _>>()?;
    if set.is_empty() {
        return Err("--format needs at least one of xlsx, csv, json, text".into());
    }
    Ok(set)
}

/// `Command_Results_<YYYYMMDD-HHMM>` (UTC), the stem of every output.
pub fn results_stem(t: UnixTime) -> String {
    format!("Command_Results_{}", report::file_stamp(t))
}

/// Excel sheet names: at most 31 characters, none of `[]:*?/\`, not starting
/// or ending with `'`, unique ignoring case.
fn sheet_names(commands: &[String]) -> Vec<String> {
    let mut used: HashSet<String> = HashSet::new();
    commands
        .iter()
        .enumerate()
        .map(|(i, c)| {
            let clean: String = c
                .chars()
                .map(|ch| {
                    if "[]:*?/\\".contains(ch) || ch.is_control() {
                        '_'
                    } else {
                        ch
                    }
                })
                .collect();
            let mut base: String = clean
                .split_whitespace()
                .collect::<Vec<_>>()
                .join(" ")
                .trim_matches('\'')
                .chars()
                .take(31)
                .collect();
            base = base.trim_end_matches('\'').trim().to_string();
            if base.is_empty() || base.eq_ignore_ascii_case("history") {
                base = format!("Command {}", i + 1);
            }
            let mut name = base.clone();
            let mut n = 2;
            while !used.insert(name.to_lowercase()) {
                let suffix = format!(" ({n})");
                let keep = 31 - suffix.chars().count();
                name = format!("{}{suffix}", base.chars().take(keep).collect::<String>());
                n += 1;
            }
            name
        })
        .collect()
}

fn platform_cell(p: Option<Platform>) -> Cell {
    Cell::opt(p.map(|p| p.as_str()))
}

fn parsed_text(r: &CommandResult) -> Cell {
    Cell::opt(r.parsed.as_ref().map(|v| v.to_string()))
}

/// The workbook sheets' columns: Device, IP, Platform, Site, Status, Error,
/// Duration (ms), Output, and Parsed (compact JSON) when the run parsed.
fn sheet_columns(parse: bool) -> Vec<&'static str> {
    let mut cols = vec![
        "Device",
        "IP",
        "Platform",
        "Site",
        "Status",
        "Error",
        "Duration (ms)",
        "Output",
    ];
    if parse {
        cols.push("Parsed");
    }
    cols
}

/// One device's row on one command's sheet.
fn sheet_row(d: &DeviceRun, r: &CommandResult, parse: bool) -> Vec<Cell> {
    let mut row = vec![
        Cell::text(&d.device),
        Cell::text(d.ip.to_string()),
        platform_cell(d.platform),
        Cell::opt(d.site.as_deref()),
        Cell::text(r.status.as_str()),
        Cell::opt(r.error.as_deref()),
        Cell::int(r.duration_ms.min(i64::MAX as u64) as i64),
        Cell::text(&r.output),
    ];
    if parse {
        row.push(parsed_text(r));
    }
    row
}

/// One table per command (the workbook's sheets), columns as
/// [`sheet_columns`].
pub fn command_tables(report: &ExecReport) -> Vec<Table> {
    let cols = sheet_columns(report.parse);
    sheet_names(&report.commands)
        .iter()
        .enumerate()
        .map(|(i, name)| {
            let mut t = Table::new(name, &cols);
            for d in &report.devices {
                let Some(r) = d.results.get(i) else { continue };
                t.rows.push(sheet_row(d, r, report.parse));
            }
            t
        })
        .collect()
}

/// The long CSV's columns: one row per device and command.
fn results_columns(parse: bool) -> Vec<&'static str> {
    let mut cols = vec![
        "Device",
        "IP",
        "Platform",
        "Site",
        "Command",
        "Status",
        "Error class",
        "Error",
        "Duration (ms)",
        "Output",
    ];
    if parse {
        cols.push("Parsed");
    }
    cols
}

/// One device's rows of the long CSV, one per command.
fn results_rows(d: &DeviceRun, parse: bool) -> impl Iterator<Item = Vec<Cell>> + '_ {
    d.results.iter().map(move |r| {
        let mut row = vec![
            Cell::text(&d.device),
            Cell::text(d.ip.to_string()),
            platform_cell(d.platform),
            Cell::opt(d.site.as_deref()),
            Cell::text(&r.command),
            Cell::text(r.status.as_str()),
            Cell::opt(r.error_class.as_deref()),
            Cell::opt(r.error.as_deref()),
            Cell::int(r.duration_ms.min(i64::MAX as u64) as i64),
            Cell::text(&r.output),
        ];
        if parse {
            row.push(parsed_text(r));
        }
        row
    })
}

/// The long table for CSV: one row per device and command.
pub fn results_table(report: &ExecReport) -> Table {
    let mut t = Table::new("Results", &results_columns(report.parse));
    for d in &report.devices {
        t.rows.extend(results_rows(d, report.parse));
    }
    t
}

/// Plain text for one device: each command as a `##` header with its status,
/// then the output.
pub fn device_text(d: &DeviceRun) -> String {
    let mut s = format!(
        "# {} ({}), platform {}, via {}\n",
        d.device,
        d.ip,
        d.platform.map(|p| p.as_str()).unwrap_or("unknown"),
        d.transport.as_deref().unwrap_or("no session")
    );
    for r in &d.results {
        s.push_str(&format!(
            "\n## {} [{}, {} ms]\n",
            r.command, r.status, r.duration_ms
        ));
        if let Some(e) = &r.error {
            s.push_str(&format!("!! {e}\n"));
        }
        s.push_str(&r.output);
        if !r.output.is_empty() && !r.output.ends_with('\n') {
            s.push('\n');
        }
    }
    s
}

/// The text format's file name for each device, in order: the device name
/// made safe ([`file_stem`]), or, when two devices share it (ignoring case,
/// as Windows and macOS file systems do), the name and address.
fn text_file_names<'a>(devices: impl Iterator<Item = (&'a String, IpAddr)>) -> Vec<String> {
    let mut used = HashSet::new();
    devices
        .map(|(name, ip)| {
            let mut stem = file_stem(name);
            // `127-0-0-1`, `fe80--1`: an address that needs no hash.
            let ip = ip.to_string().replace(['.', ':'], "-");
            let mut n = 1;
            while !used.insert(stem.to_lowercase()) {
                let extra = if n == 1 {
                    format!("{name}_{ip}")
                } else {
                    format!("{name}_{ip}_{n}")
                };
                stem = file_stem(&extra);
                n += 1;
            }
            format!("{stem}.txt")
        })
        .collect()
}

/// Writes the report in each format under `out_dir` (created if missing),
/// named by `stamp`; returns the paths written (for text: the directory).
pub fn write_results(
    report: &ExecReport,
    out_dir: &Path,
    formats: &BTreeSet<ExecFormat>,
    stamp: UnixTime,
) -> Result<Vec<PathBuf>, ExecError> {
    let io = |path: &Path| {
        let path = path.to_path_buf();
        move |source| ExecError::Io { path, source }
    };
    std::fs::create_dir_all(out_dir).map_err(io(out_dir))?;
    let stem = results_stem(stamp);
    let mut files = Vec::new();
    for f in formats {
        match f {
            ExecFormat::Xlsx => {
                let path = out_dir.join(format!("{stem}.xlsx"));
                report::write_workbook(&path, &command_tables(report))?;
                files.push(path);
            }
            ExecFormat::Csv => {
                let path = out_dir.join(format!("{stem}.csv"));
                report::write_csv(&path, &results_table(report))?;
                files.push(path);
            }
            ExecFormat::Json => {
                let path = out_dir.join(format!("{stem}.json"));
                let text = serde_json::to_string_pretty(report).expect("the report serialises");
                std::fs::write(&path, text + "\n").map_err(io(&path))?;
                files.push(path);
            }
            ExecFormat::Text => {
                let dir = out_dir.join(&stem);
                std::fs::create_dir_all(&dir).map_err(io(&dir))?;
                let names = text_file_names(report.devices.iter().map(|d| (&d.device, d.ip)));
                for (d, name) in report.devices.iter().zip(names) {
                    let path = dir.join(name);
                    std::fs::write(&path, device_text(d)).map_err(io(&path))?;
                }
                files.push(dir);
            }
        }
    }
    Ok(files)
}

/// Drives a progress bar from [`execute`]'s progress channel; ends when the
/// sender is dropped (when `execute` returns). Hidden when `visible` is false.
#[cfg(feature = "cli")]
pub fn spawn_progress_bar(
    mut rx: watch::Receiver<ExecProgress>,
    visible: bool,
) -> tokio::task::JoinHandle<()> {
    let bar = if visible {
        let b = indicatif::ProgressBar::new(0);
        b.set_style(
            indicatif::ProgressStyle::with_template(
                "{elapsed_precise} [{bar:30}] {pos}/{len} devices {msg}",
            )
            .expect("static template")
            .progress_chars("=> "),
        );
        b.enable_steady_tick(Duration::from_millis(120));
        b
    } else {
        indicatif::ProgressBar::hidden()
    };
    tokio::spawn(async move {
        while rx.changed().await.is_ok() {
            let p = *rx.borrow_and_update();
            bar.set_length(p.total);
            bar.set_position(p.done);
            bar.set_message(format!(
                "| in flight {} | with problems {}",
                p.in_flight, p.with_problems
            ));
        }
        bar.finish_and_clear();
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::DeviceId;

    fn dev(id: i64, name: &str, ip: &str, platform: Option<Platform>, st: DeviceStatus) -> Device {
        let mut d = Device::new(DeviceId(id), name, st);
        d.mgmt_ip = Some(ip.parse().unwrap());
        d.platform = platform;
        d
    }

    fn names(t: &[ExecTarget]) -> Vec<&str> {
        t.iter().map(|t| t.name.as_str()).collect()
    }

    fn store() -> Vec<Device> {
        use DeviceStatus::*;
        use Platform::*;
        let mut no_ip = Device::new(DeviceId(9), "NYC-ACC-9", Walked);
        no_ip.platform = Some(CiscoIos);
        vec![
            dev(1, "NYC-CORE-01", "10.1.0.1", Some(CiscoNxos), Walked),
            dev(2, "nyc-acc-02", "10.1.1.2", Some(CiscoIos), Walked),
            dev(3, "NYC-ACC-01", "10.1.1.1", Some(CiscoXe), Failed),
            dev(4, "LON-CORE-1", "10.2.0.1", Some(CiscoNxos), Walked),
            dev(5, "LON-ACC-1", "10.2.1.1", None, Failed),
            dev(6, "SEP001122334455", "10.1.9.9", None, Filtered),
            dev(7, "NYC-FW-1", "10.1.0.9", Some(PaloaltoPanos), NeighborOnly),
            dev(8, "nyc-acc-02-old", "10.1.1.2", Some(CiscoIos), Walked),
            dev(10, "NYC-ACC-01", "10.1.1.77", Some(CiscoXe), Duplicate),
            dev(11, "NYCX-ACC-1", "10.3.1.1", Some(CiscoIos), Walked),
            no_ip,
        ]
    }

    #[test]
    fn name_globs_are_case_insensitive_and_skip_unreachable_records() {
        let f = ExecFilter {
            names: vec!["nyc-acc-*".into()],
            ..Default::default()
        };
        let t = select_devices(&store(), &f).unwrap();
        // Sorted by name; the duplicate, the one without an address and the
        // second record on 10.1.1.2 are not targets.
        assert_eq!(names(&t), vec!["NYC-ACC-01", "nyc-acc-02"]);
        assert_eq!(t[0].ip, "10.1.1.1".parse::<IpAddr>().unwrap());
        assert_eq!(t[0].last_status, DeviceStatus::Failed);

        let all = select_devices(&store(), &ExecFilter::default()).unwrap();
        assert_eq!(all.len(), 6, "{:?}", names(&all));
        assert!(!names(&all).contains(&"SEP001122334455"));
        assert!(!names(&all).contains(&"NYC-FW-1"));
        let wide = select_devices(
            &store(),
            &ExecFilter {
                include_unwalked: true,
                ..Default::default()
            },
        )
        .unwrap();
        assert_eq!(wide.len(), 8);
        assert!(names(&wide).contains(&"NYC-FW-1"));
    }

    #[test]
    fn platform_and_cidr_filters_combine() {
        let f = ExecFilter {
            platforms: vec![Platform::CiscoNxos, Platform::CiscoXe],
            cidrs: vec![parse_cidr("10.1.0.0/16").unwrap()],
            ..Default::default()
        };
        let t = select_devices(&store(), &f).unwrap();
        assert_eq!(names(&t), vec!["NYC-ACC-01", "NYC-CORE-01"]);
        let one = ExecFilter {
            cidrs: vec![parse_cidr("10.2.1.1").unwrap()],
            ..Default::default()
        };
        assert_eq!(
            names(&select_devices(&store(), &one).unwrap()),
            vec!["LON-ACC-1"]
        );
        assert!(parse_cidr("10.1.0.0/33").is_err());
        assert!(parse_cidr("not-an-ip").is_err());
    }

    #[test]
    fn sites_by_pattern_or_by_prefix() {
        let by_pattern = ExecFilter {
            sites: vec!["nyc".into()],
            site_pattern: Some("*-CORE-*".into()),
            ..Default::default()
        };
        let t = select_devices(&store(), &by_pattern).unwrap();
        assert_eq!(names(&t), vec!["NYC-ACC-01", "nyc-acc-02", "NYC-CORE-01"]);
        assert!(t.iter().all(|t| t.site.as_deref() == Some("NYC")));
        let by_prefix = ExecFilter {
            sites: vec!["LON".into()],
            ..Default::default()
        };
        let t = select_devices(&store(), &by_prefix).unwrap();
        assert_eq!(names(&t), vec!["LON-ACC-1", "LON-CORE-1"]);
        // NYCX is not NYC.
        let nyc = ExecFilter {
            sites: vec!["NYC".into()],
            ..Default::default()
        };
        assert!(!names(&select_devices(&store(), &nyc).unwrap()).contains(&"NYCX-ACC-1"));
        let bad = ExecFilter {
            site_pattern: Some("CORE".into()),
            ..Default::default()
        };
        assert!(matches!(
            select_devices(&store(), &bad),
            Err(ExecError::SitePattern(_))
        ));
        let bad_glob = ExecFilter {
            names: vec!["nyc-[".into()],
            ..Default::default()
        };
        assert!(matches!(
            select_devices(&store(), &bad_glob),
            Err(ExecError::Glob { .. })
        ));
    }

    #[test]
    fn sheet_names_are_valid_and_unique() {
        let cmds: Vec<String> = [
            "show version",
            "show ip route vrf MGMT | include 0.0.0.0/0",
            "show ip route vrf MGMT | include 0.0.0.0/0 ",
            "SHOW VERSION",
            "'quoted'",
            "history",
            "   ",
        ]
        .map(String::from)
        .to_vec();
        let n = sheet_names(&cmds);
        assert_eq!(n[0], "show version");
        let lower: HashSet<String> = n.iter().map(|s| s.to_lowercase()).collect();
        assert_eq!(lower.len(), n.len(), "{n:?}");
        for s in &n {
            assert!(!s.is_empty() && s.chars().count() <= 31, "{s:?}");
            assert!(!s.contains(['[', ']', ':', '*', '?', '/', '\\']), "{s:?}");
            assert!(!s.starts_with('\'') && !s.ends_with('\''), "{s:?}");
        }
        assert_eq!(n[6], "Command 7");
        assert_eq!(n[5], "Command 6");
    }

    #[test]
    fn formats_parse_and_rejection_lines_are_found() {
        let f = parse_formats("xlsx, CSV,json,text").unwrap();
        assert_eq!(f.len(), 4);
        assert!(parse_formats("pdf").is_err());
        assert!(parse_formats(",").is_err());
        assert_eq!(
            rejection_line("   ^\n% Invalid input detected at '^' marker.\n\n"),
            "% Invalid input detected at '^' marker."
        );
        assert_eq!(rejection_line("Invalid syntax.\n\n"), "Invalid syntax.");
        assert_eq!(results_stem(0), "Command_Results_19700101-0000");
    }
}
