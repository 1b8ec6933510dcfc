//! Running the commands: one task per device on the shared device pool
//! ([`crate::pool`]), each owning its session from login to goodbye, with a
//! deadline on every step and on the whole device; results reach an
//! [`ExecSink`] as each device finishes.

use super::{
    CommandResult, CommandStatus, DeviceRun, ExecError, ExecProgress, ExecReport, ExecTarget,
};
use crate::config::{Credential, Settings};
use crate::login::ScopedCredentials;
use crate::model::{UnixTime, now_unix};
use crate::pool::{DevicePool, PoolOptions, PoolReport, StopReason};
use device_parsers::Platform;
use device_session::{OpenOptions, Registry, SessionError, Target, TransportKind};
use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::{Duration, Instant};
use tokio::sync::watch;
use tokio_util::sync::CancellationToken;

/// How a run behaves. [`ExecOptions::from_settings`] builds it from the same
/// config and flags as `discover`.
#[derive(Debug, Clone)]
pub struct ExecOptions {
    /// SSH port on every device (the store keeps no per-device ports).
    pub ssh_port: u16,
    /// Telnet port of the fallback.
    pub telnet_port: u16,
    /// Devices worked on at once: bounds sessions, sockets and memory.
    pub concurrency: usize,
    /// Tried in order on each device until one authenticates, each only
    /// where its scope allows.
    pub credentials: Vec<ScopedCredentials>,
    /// How sessions open (timeouts, transports, host keys, output cap); the platform is filled in per device from the store.
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
    /// The devices, in the files' order (sorted by name); an index into it names a device to the sink.
    pub targets: Vec<ExecTarget>,
    /// Run in this order on each device; one sheet each in the workbook.
    pub commands: Vec<String>,
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
    /// Whether login succeeded: after a login failure every command carries the cause, after a later one only the command it hit.
    opened: bool,
    /// Detected at login, else the store's: for the report and `--parse`.
    platform: Option<Platform>,
    /// The transport of the session, for the report; none until one opened.
    transport: Option<&'static str>,
    /// Commands completed so far, kept when the device is cut off.
    done: Vec<CommandResult>,
}

/// Receives each device's run as soon as the device is done, so outputs can
/// go to disk while other devices still run ([`super::ResultsWriter`] writes the
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

/// The refusals that come before any device is touched.
fn check_plan(plan: &ExecPlan, opts: &ExecOptions) -> Result<(), ExecError> {
    if plan.commands.is_empty() {
        return Err(ExecError::NoCommands);
    }
    if opts.credentials.is_empty() && !plan.targets.is_empty() {
        return Err(ExecError::NoCredentials);
    }
    Ok(())
}

/// The device pool of a run; each task's result names its target by index.
type Pool = DevicePool<(usize, DeviceRun)>;

async fn run_plan(
    plan: ExecPlan,
    opts: ExecOptions,
    cancel: CancellationToken,
    progress: watch::Sender<ExecProgress>,
    sink: Option<&mut dyn ExecSink>,
) -> Result<ExecReport, ExecError> {
    check_plan(&plan, &opts)?;
    let mut pool = DevicePool::new(
        PoolOptions {
            concurrency: opts.concurrency,
            run_deadline: opts.run_deadline,
            grace: opts.grace,
        },
        cancel,
    );
    let mut run = PlanRun::new(plan, opts, progress, sink);
    run.drive(&mut pool).await;
    run.finish(pool.shutdown().await)
}

/// One run of a plan while it is under way on its device pool: what has
/// started and finished, and the counters the progress channel shows.
struct PlanRun<'s> {
    /// When the run started (wall clock): the report's `started`.
    started_at: UnixTime,
    /// Measures the report's `duration_ms`.
    started: Instant,
    /// The targets, in plan order; the index into it names a device.
    targets: Vec<ExecTarget>,
    /// The commands, shared with every device task.
    commands: Arc<[String]>,
    /// Shared with every device task.
    opts: Arc<ExecOptions>,
    /// Each target's run once its task reported, by target index.
    slots: Vec<Option<DeviceRun>>,
    /// The next target to start; the ones before it were started.
    next: usize,
    /// Devices whose task reported.
    done: u64,
    /// Reported devices where some command was not `ok`.
    with_problems: u64,
    /// Where the live counters go.
    progress: watch::Sender<ExecProgress>,
    /// Receives each device's run as it finishes (streaming runs only).
    sink: Option<&'s mut dyn ExecSink>,
    /// The sink's first error: the run stops and returns it.
    sink_error: Option<ExecError>,
}

impl<'s> PlanRun<'s> {
    fn new(
        plan: ExecPlan,
        opts: ExecOptions,
        progress: watch::Sender<ExecProgress>,
        sink: Option<&'s mut dyn ExecSink>,
    ) -> Self {
        PlanRun {
            started_at: now_unix(),
            started: Instant::now(),
            slots: vec![None; plan.targets.len()],
            targets: plan.targets,
            commands: plan.commands.into(),
            opts: Arc::new(opts),
            next: 0,
            done: 0,
            with_problems: 0,
            progress,
            sink,
            sink_error: None,
        }
    }

    /// Starts devices while the pool has room and waits for each to finish,
    /// until every device reported or a stop left nothing in flight.
    async fn drive(&mut self, pool: &mut Pool) {
        loop {
            self.start_devices(pool);
            self.publish_progress(pool.in_flight());
            let total = self.targets.len();
            if pool.in_flight() == 0 && (pool.stopped().is_some() || self.next >= total) {
                break;
            }
            if let Some((i, run)) = pool.next_finished().await {
                self.device_finished(pool, i, run);
            }
        }
        self.publish_progress(0);
    }

    /// Spawns the next targets' tasks while the pool has room. A stop that
    /// came before a device's turn means it never starts.
    fn start_devices(&mut self, pool: &mut Pool) {
        while pool.has_room() && self.next < self.targets.len() {
            let i = self.next;
            self.next += 1;
            let t = self.targets[i].clone();
            let (registry, commands, o, force) = (
                pool.registry().clone(),
                self.commands.clone(),
                self.opts.clone(),
                pool.force_token(),
            );
            pool.spawn(async move { (i, exec_device(&registry, t, &commands, &o, force).await) });
        }
    }

    /// Sends the counters to the progress channel (the bar, tests).
    fn publish_progress(&self, in_flight: usize) {
        self.progress.send_replace(ExecProgress {
            total: self.targets.len() as u64,
            done: self.done,
            in_flight: in_flight as u64,
            with_problems: self.with_problems,
        });
    }

    /// Counts device `i`'s run and hands it to the sink; a sink error stops
    /// the run like Ctrl-C does.
    fn device_finished(&mut self, pool: &mut Pool, i: usize, mut run: DeviceRun) {
        self.done += 1;
        if run.status() != CommandStatus::Ok {
            self.with_problems += 1;
        }
        if let Some(sink) = self.sink.as_deref_mut()
            && let Err(e) = deliver(sink, i, &mut run)
        {
            tracing::error!(
                "{e}; no new devices, {} in flight get {:?}",
                pool.in_flight(),
                self.opts.grace
            );
            pool.stop(StopReason::Caller);
            self.sink_error.get_or_insert(e);
        }
        self.slots[i] = Some(run);
    }

    /// After the pool's shutdown: accounts for devices that never reported
    /// and builds the report (or returns the sink's first error).
    fn finish(mut self, pool: PoolReport) -> Result<ExecReport, ExecError> {
        let deadline_hit = pool.stop == Some(StopReason::Deadline);
        let devices = self.devices_in_order(deadline_hit);
        if let Some(e) = self.sink_error {
            return Err(e);
        }
        let k = pool.counters;
        Ok(ExecReport {
            commands: self.commands.to_vec(),
            parse: self.opts.parse,
            started: self.started_at,
            duration_ms: self.started.elapsed().as_millis() as u64,
            interrupted: pool.stop == Some(StopReason::Cancelled),
            deadline_hit,
            counts: count_statuses(&devices),
            sessions_opened: k.opened,
            sessions_closed_gracefully: k.closed_gracefully,
            sessions_force_closed: k.force_closed,
            sessions_failed_opens: k.failed_opens,
            sessions_peak_concurrent: k.peak_concurrent,
            sessions_open_at_exit: k.open_now,
            devices,
        })
    }

    /// Every target's run in plan order; a device that never reported gets
    /// its [`unfinished`] run, delivered to the sink now.
    fn devices_in_order(&mut self, deadline_hit: bool) -> Vec<DeviceRun> {
        let slots = std::mem::take(&mut self.slots);
        let mut devices = Vec::with_capacity(slots.len());
        for (i, (slot, t)) in slots.into_iter().zip(&self.targets).enumerate() {
            let run = slot.unwrap_or_else(|| {
                let mut run = unfinished(t, &self.commands, i < self.next, deadline_hit);
                if let Some(sink) = self.sink.as_deref_mut()
                    && let Err(e) = deliver(sink, i, &mut run)
                {
                    self.sink_error.get_or_insert(e);
                }
                run
            });
            devices.push(run);
        }
        devices
    }
}

/// Command results by status, over every device.
fn count_statuses(devices: &[DeviceRun]) -> BTreeMap<CommandStatus, u64> {
    let mut counts = BTreeMap::new();
    for r in devices.iter().flat_map(|d| &d.results) {
        *counts.entry(r.status).or_insert(0) += 1;
    }
    counts
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
    let end = run_device(registry, &t, commands, o, force, &mut p).await;
    let mut results = std::mem::take(&mut p.done);
    if let Some(stop) = end {
        let spent: u64 = results.iter().map(|r| r.duration_ms).sum();
        let elapsed = (started.elapsed().as_millis() as u64).saturating_sub(spent);
        let cause = StopCause::of(&stop, &t);
        complete_results(&mut results, commands, p.opened, &cause, elapsed);
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

/// The device's work under its budget, raced against the force token;
/// `None` when every command ran. Out of every credential set's scope: no
/// connection at all.
async fn run_device(
    registry: &Registry,
    t: &ExecTarget,
    commands: &[String],
    o: &ExecOptions,
    force: CancellationToken,
    p: &mut Progressed,
) -> Option<Stop> {
    if let Some(why) = crate::login::out_of_scope(&o.credentials, t.ip) {
        return Some(Stop::OutOfScope(why));
    }
    let work = device_work(registry, t, commands, o, p);
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
}

/// What an early end means for the command it hit: its status, its
/// `error_class` and the message for people.
struct StopCause {
    /// The status of the command the stop hit.
    status: CommandStatus,
    /// The command's `error_class`, for scripts.
    class: &'static str,
    /// The command's `error`, for people.
    why: String,
}

impl StopCause {
    fn of(stop: &Stop, t: &ExecTarget) -> StopCause {
        let (status, class, why) = match stop {
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
        StopCause { status, class, why }
    }
}

/// Fills in the commands after the ones that completed: the one the stop
/// hit carries the cause and the time to it; after a login failure every
/// command does (so each command's sheet shows why the device has no
/// output); otherwise the rest were never sent.
fn complete_results(
    results: &mut Vec<CommandResult>,
    commands: &[String],
    opened: bool,
    cause: &StopCause,
    elapsed: u64,
) {
    let k = results.len();
    for (i, c) in commands.iter().enumerate().skip(k) {
        if i == k || !opened {
            let mut r = CommandResult::failed(c, cause.status, cause.class, cause.why.clone());
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rejection_lines_are_found() {
        assert_eq!(
            rejection_line("   ^\n% Invalid input detected at '^' marker.\n\n"),
            "% Invalid input detected at '^' marker."
        );
        assert_eq!(rejection_line("Invalid syntax.\n\n"), "Invalid syntax.");
    }
}
