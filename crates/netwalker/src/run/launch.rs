//! Walks started from somewhere other than the command line (serve's Runs
//! page and `POST /api/v1/runs`): the settings and credentials every such
//! walk starts from, and what a request may change (seeds, depth). The
//! walk itself is [`discover`](super::discover): the same engine, store
//! lock, deadlines and files as `netwalker discover`, or on a PostgreSQL
//! store [`discover_distributed`](super::discover_distributed): the same
//! walk through the store's queue, its devices walked by `netwalker
//! worker` processes.

use super::{DiscoverOutcome, Result, RunError, discover, discover_distributed};
use crate::config::{Credential, Settings};
use crate::engine::WalkProgress;
use std::sync::Arc;
use tokio::sync::watch;
use tokio_util::sync::CancellationToken;

/// Most seeds one request may name.
pub const MAX_REQUEST_SEEDS: usize = 256;

/// Longest seed text accepted (a DNS name is at most 253 characters).
const MAX_SEED_LEN: usize = 253;

/// What a walk request may choose; everything else comes from the
/// launcher's settings.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WalkRequest {
    /// Addresses or names to start from.
    pub seeds: Vec<String>,
    /// Links out from the seeds (`None`: the launcher's setting).
    pub max_depth: Option<u32>,
}

impl WalkRequest {
    /// A request from free text (seeds separated by commas, spaces or
    /// lines) and an optional depth.
    pub fn parse(seeds: &str, max_depth: Option<u32>) -> WalkRequest {
        WalkRequest {
            seeds: seeds
                .split(|c: char| c == ',' || c.is_whitespace())
                .filter(|s| !s.is_empty())
                .map(str::to_string)
                .collect(),
            max_depth,
        }
    }
}

/// Starts walks with fixed settings and credentials.
#[derive(Clone)]
pub struct WalkLauncher {
    /// Settings every walk starts from (store, ports, timeouts, filters,
    /// output directory); a request replaces only seeds and depth.
    base: Arc<Settings>,
    /// The device credentials, held for the launcher's life (never shown);
    /// none when workers walk.
    creds: Arc<Vec<Credential>>,
    /// Walks go through the store's queue to `netwalker worker`s.
    through_workers: bool,
}

impl std::fmt::Debug for WalkLauncher {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("WalkLauncher")
            .field("store", &self.base.store)
            .field("credential_sets", &self.creds.len())
            .field("through_workers", &self.through_workers)
            .finish()
    }
}

impl WalkLauncher {
    pub fn new(base: Settings, creds: Vec<Credential>) -> WalkLauncher {
        WalkLauncher {
            base: Arc::new(base),
            creds: Arc::new(creds),
            through_workers: false,
        }
    }

    /// A launcher whose walks are walked by `netwalker worker` processes
    /// through the (PostgreSQL) store's queue: it holds no credentials.
    pub fn through_workers(base: Settings) -> Result<WalkLauncher> {
        if !base.store.is_postgres() {
            return Err(RunError::NeedsPostgres { store: base.store });
        }
        Ok(WalkLauncher {
            base: Arc::new(base),
            creds: Arc::new(Vec::new()),
            through_workers: true,
        })
    }

    /// Whether workers walk this launcher's walks.
    pub fn is_through_workers(&self) -> bool {
        self.through_workers
    }

    /// The store every walk writes.
    pub fn store(&self) -> &crate::store::StoreLocation {
        &self.base.store
    }

    /// The depth a request without one gets.
    pub fn default_depth(&self) -> Option<u32> {
        self.base.max_depth
    }

    /// The settings of one request's walk, or why it cannot run.
    pub fn settings_for(&self, req: &WalkRequest) -> Result<Settings> {
        if req.seeds.is_empty() {
            return Err(RunError::NoSeeds {
                problems: vec!["the request names no seed".into()],
            });
        }
        if req.seeds.len() > MAX_REQUEST_SEEDS {
            return Err(RunError::NoSeeds {
                problems: vec![format!(
                    "{} seeds: at most {MAX_REQUEST_SEEDS} per request",
                    req.seeds.len()
                )],
            });
        }
        if let Some(s) = req.seeds.iter().find(|s| s.len() > MAX_SEED_LEN) {
            return Err(RunError::NoSeeds {
                problems: vec![format!(
                    "a seed of {} characters (at most {MAX_SEED_LEN})",
                    s.len()
                )],
            });
        }
        let mut s = (*self.base).clone();
        s.seeds = req.seeds.clone();
        s.seed_file = None;
        s.resume = false;
        s.max_depth = req.max_depth.or(s.max_depth);
        Ok(s)
    }

    /// Walks `req` (see [`discover`]).
    pub async fn walk(
        &self,
        req: &WalkRequest,
        cancel: CancellationToken,
        progress: watch::Sender<WalkProgress>,
    ) -> Result<DiscoverOutcome> {
        let s = self.settings_for(req)?;
        if self.through_workers {
            discover_distributed(&s, cancel, progress).await
        } else {
            discover(&s, &self.creds, cancel, progress).await
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn launcher() -> WalkLauncher {
        let s = crate::config::Config {
            max_depth: Some(3),
            ..crate::config::Config::default()
        }
        .resolve()
        .unwrap();
        WalkLauncher::new(s, Vec::new())
    }

    #[test]
    fn seeds_split_on_commas_spaces_and_lines() {
        let r = WalkRequest::parse(" core1, 10.0.0.2\n10.0.0.3  ,,", Some(1));
        assert_eq!(r.seeds, ["core1", "10.0.0.2", "10.0.0.3"]);
        assert_eq!(r.max_depth, Some(1));
    }

    #[test]
    fn a_request_changes_seeds_and_depth_only() {
        let l = launcher();
        let s = l.settings_for(&WalkRequest::parse("core1", None)).unwrap();
        assert_eq!(s.seeds, ["core1"]);
        assert_eq!(s.max_depth, Some(3), "the launcher's depth");
        let s = l
            .settings_for(&WalkRequest::parse("core1", Some(0)))
            .unwrap();
        assert_eq!(s.max_depth, Some(0));
        assert_eq!(&s.store, l.store());
    }

    #[test]
    fn empty_huge_and_overlong_requests_are_refused() {
        let l = launcher();
        assert!(l.settings_for(&WalkRequest::parse(" ,", None)).is_err());
        let many = vec!["10.0.0.1"; MAX_REQUEST_SEEDS + 1].join(",");
        assert!(l.settings_for(&WalkRequest::parse(&many, None)).is_err());
        let long = "a".repeat(MAX_SEED_LEN + 1);
        assert!(l.settings_for(&WalkRequest::parse(&long, None)).is_err());
    }
}
