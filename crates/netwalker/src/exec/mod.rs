//! The command executor behind `netwalker exec`: ad-hoc commands across a
//! filtered set of devices from the inventory store.
//!
//! Three steps, each usable on its own:
//! 1. [`select_devices`] turns store records and an [`ExecFilter`] into
//!    [`ExecTarget`]s. It opens nothing, so `--dry-run` is just this step.
//! 2. [`execute`] runs the commands with the discovery engine's lifecycle
//!    ([`crate::pool`]): one [`Registry`](device_session::Registry), at most `concurrency` devices at once, one task per
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
//!
//! One concept per file: `selection` (which devices), `execution` (running
//! the commands on the device pool), `results` (what a run produced),
//! `outputs` (the files written from it), `stream` (the same files written
//! while devices finish), `progress` (the live counters and their bar) and
//! `error` (why a run could not start or finish).

mod error;
mod execution;
mod outputs;
mod progress;
mod results;
mod selection;
mod stream;

pub use error::ExecError;
pub use execution::{ExecOptions, ExecPlan, ExecSink, execute, execute_streaming};
pub use outputs::{
    ExecFormat, command_tables, device_text, results_stem, results_table, write_results,
};
pub use progress::ExecProgress;
#[cfg(feature = "cli")]
pub use progress::spawn_progress_bar;
pub use results::{CommandResult, CommandStatus, DeviceRun, ExecReport};
pub use selection::{ExecFilter, ExecTarget, parse_cidr, select_devices, select_from_store};
pub use stream::ResultsWriter;
