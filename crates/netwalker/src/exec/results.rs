//! What a run produced: a [`CommandResult`] per command, a [`DeviceRun`] per
//! device, and the [`ExecReport`] over them all, with its summaries.

use crate::model::UnixTime;
use device_parsers::Platform;
use device_session::SessionError;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::net::IpAddr;

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
    /// The command as given, so each row says what ran.
    pub command: String,
    /// How it ended: scripts check this, never the output.
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
    /// Time from sending to the prompt; for the command a stop hit, the time to the failure.
    pub duration_ms: u64,
    /// `{"kind": ..., "records": ...}` when `--parse` was asked and the
    /// (platform, command) pair has a parser.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub parsed: Option<serde_json::Value>,
}

impl CommandResult {
    pub(super) fn failed(command: &str, status: CommandStatus, class: &str, error: String) -> Self {
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
    /// The device's name in the store: what rows and file names show.
    pub device: String,
    /// The address connected to.
    pub ip: IpAddr,
    /// Detected at login, else the store's.
    pub platform: Option<Platform>,
    /// The site the selection assigned, so results can be read per site.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub site: Option<String>,
    /// `ssh` or `telnet`; none when no session was opened.
    pub transport: Option<String>,
    /// Login to goodbye (or to the cut-off).
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
/// What a run did. `sessions_open_at_exit` is 0 whenever [`super::execute`] returns.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ExecReport {
    /// The commands run, in order: the workbook's sheets.
    pub commands: Vec<String>,
    /// Whether `--parse` was asked: the files then carry a Parsed column.
    pub parse: bool,
    /// When the run started (Unix seconds); also the stamp of the file names.
    pub started: UnixTime,
    /// The whole run, wall clock.
    pub duration_ms: u64,
    /// Stopped by cancellation (Ctrl-C).
    pub interrupted: bool,
    /// Stopped by the run deadline.
    pub deadline_hit: bool,
    /// Command results by status, over every device.
    pub counts: BTreeMap<CommandStatus, u64>,
    /// Sessions opened (the registry's counters, after its shutdown).
    pub sessions_opened: u64,
    /// Sessions that said goodbye.
    pub sessions_closed_gracefully: u64,
    /// Sessions dropped by a stop, a budget or an error.
    pub sessions_force_closed: u64,
    /// Connection attempts that never became a session.
    pub sessions_failed_opens: u64,
    /// Most sessions open at once: what `concurrency` allowed in practice.
    pub sessions_peak_concurrent: u64,
    /// Sessions still open when the run returned: always 0, the leak check.
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
