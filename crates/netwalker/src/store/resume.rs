//! Interrupted runs: a run without a finish time is one whose process died
//! or was stopped before recording its end, and is what `--resume` continues.

use super::StoreReader;
use super::error::Result;
use super::query::{Rows, select};
use super::rows::{RUNS, run_from_row};
use crate::model::{Device, DeviceId, Run};

/// What `--resume` needs to continue an interrupted run.
#[derive(Debug, Clone, PartialEq)]
pub struct ResumeInfo {
    /// The interrupted run (no finish time). Continue it with
    /// [`StoreWriter::resume_run`](super::StoreWriter::resume_run) so its
    /// counts end up in one place.
    pub run: Run,
    /// Devices already attempted (walked or failed) in that run: don't redo.
    pub done: Vec<DeviceId>,
    /// Devices the run had heard of but not yet attempted: the frontier to
    /// re-queue (re-apply filters and depth limits to them).
    pub frontier: Vec<Device>,
}

impl StoreReader {
    /// The most recent run that never finished (the process died or was
    /// killed), if the latest run is one.
    pub fn unfinished_run(&self) -> Result<Option<Run>> {
        let latest = Rows::Where("id = (SELECT MAX(id) FROM runs)");
        Ok(select(&self.conn, &RUNS, latest, run_from_row)?
            .pop()
            .filter(|r| r.finished.is_none()))
    }

    /// What `--resume` needs, or `None` when the latest run finished.
    pub fn resume_info(&self) -> Result<Option<ResumeInfo>> {
        // Every read below from one state of the store (the guard must live).
        let _snap = self.snapshot()?;
        let Some(run) = self.unfinished_run()? else {
            return Ok(None);
        };
        let done = self
            .devices_matching(Rows::WhereArg("attempt_run = ?1", run.id.0))?
            .into_iter()
            .map(|d| d.id)
            .collect();
        let frontier = self.devices_matching(Rows::WhereArg(
            "seen_run = ?1 AND (attempt_run IS NULL OR attempt_run != ?1) AND status NOT IN ('filtered', 'skipped', 'duplicate')",
            run.id.0,
        ))?;
        Ok(Some(ResumeInfo {
            run,
            done,
            frontier,
        }))
    }
}
