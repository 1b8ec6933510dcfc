//! Running the commands: one task per device on the shared device pool
//! ([`crate::pool`]), each owning its session from login to goodbye, with a
//! deadline on every step and on the whole device; results reach an
//! [`ExecSink`] as each device finishes.

use super::{
    CommandResult, CommandStatus, DeviceRun, ExecError, ExecProgress, ExecReport, ExecTarget,
};
use crate::config::{Credential, Settings};
use crate::login::ScopedCredentials;
use crate::model::now_unix;
use crate::pool::{DevicePool, PoolOptions, StopReason};
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
