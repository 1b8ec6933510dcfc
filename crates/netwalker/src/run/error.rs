//! Why a discover or demo run could not do its job. Each variant names the
//! file or value at fault and, where there is one, what to do instead; the
//! device failures of a walk are results, never these.

use crate::diagram::DiagramError;
use crate::engine::WalkError;
use crate::filter::FilterError;
use crate::model::RunId;
use crate::report::ReportError;
use crate::seeds::SeedError;
use crate::store::StoreLocation;
use crate::store::{StoreError, WorkerGone};
use std::path::PathBuf;

/// Why a run failed as a whole.
#[derive(Debug, thiserror::Error)]
pub enum RunError {
    #[error("invalid [filters] configuration: {0}")]
    Filter(#[from] FilterError),
    #[error("bad --seed value: {0}")]
    SeedArgs(#[source] SeedError),
    #[error("cannot use seed file {}: {source}", path.display())]
    SeedFile {
        /// The `--seed-file` given.
        path: PathBuf,
        source: SeedError,
    },
    #[error(
        "no usable seeds{}: give --seed HOST or --seed-file FILE",
        fmt_problems(problems)
    )]
    NoSeeds {
        /// Why each given seed could not be used (unresolvable names,
        /// bad lines in the seed file).
        problems: Vec<String>,
    },
    #[error("cannot create {}: {source}", path.display())]
    CreateDir {
        /// The directory that could not be created.
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("cannot write {}: {source}", path.display())]
    Write {
        /// The file that could not be written.
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("cannot open the inventory store {store}: {source}")]
    OpenStore {
        /// The store (a PostgreSQL URL with its password masked).
        store: StoreLocation,
        source: StoreError,
    },
    #[error("the inventory store: {0}")]
    Store(#[from] StoreError),
    #[error("cannot start the store writer: {0}")]
    StartWriter(#[source] std::io::Error),
    #[error("the store writer stopped unexpectedly: {0}")]
    WriterGone(#[from] WorkerGone),
    #[error(transparent)]
    Walk(#[from] WalkError),
    #[error(
        "{count} device result(s) could not be written to {store} (the log says which and why); the other results and the files are written: free the disk or descriptors and walk those devices again"
    )]
    DevicesNotRecorded {
        /// The store.
        store: StoreLocation,
        /// How many devices' results were lost.
        count: u64,
    },
    #[error(
        "the walk finished and its results and files are written, but its end could not be recorded in {store}; a later --resume would take {run} for an interrupted run, so start the next walk without --resume: {source}"
    )]
    EndNotRecorded {
        /// The store.
        store: StoreLocation,
        /// The run left looking unfinished.
        run: RunId,
        source: Box<RunError>,
    },
    #[error(
        "a distributed walk needs a PostgreSQL store that every worker can reach; {store} is not one: give --store postgres://USER:PASSWORD@HOST:PORT/DB (or NETWALKER_STORE)"
    )]
    NeedsPostgres {
        /// The store given.
        store: StoreLocation,
    },
    #[error("cannot start the distributed walk: {0}")]
    Queue(crate::remote::QueueError),
    #[error("cannot write the inventory workbook: {0}")]
    Report(#[from] ReportError),
    #[error("cannot write the topology diagrams: {0}")]
    Diagram(#[from] DiagramError),
    #[error(
        "the thread writing the inventory workbook failed; the store is complete: run `netwalker report` to write it again"
    )]
    ReportThread,
    #[error("{0}")]
    Config(#[from] crate::config::ConfigError),
    /// `netwalker demo` only: the embedded lab could not start.
    #[error("{what}: {detail}")]
    Lab {
        /// What was being done.
        what: &'static str,
        /// The underlying error, as text (netsim's types stay behind the
        /// `demo` feature).
        detail: String,
    },
}

fn fmt_problems(problems: &[String]) -> String {
    if problems.is_empty() {
        String::new()
    } else {
        format!(" ({})", problems.join("; "))
    }
}

/// A run's result.
pub type Result<T, E = RunError> = std::result::Result<T, E>;
