//! [`ExecError`]: why the executor could not run. Device failures are
//! results ([`super::CommandStatus`]), never errors.

use crate::report::ReportError;
use crate::site::SitePatternError;
use crate::store::StoreError;
use std::path::PathBuf;

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
