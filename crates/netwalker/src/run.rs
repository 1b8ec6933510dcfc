//! The jobs behind the `netwalker` commands, as library functions.
//!
//! The binary parses arguments and prints; everything between — opening the
//! store, choosing seeds, building session options, running the engine,
//! writing `inventory.json` — lives here so it is testable and embeddable.
//!
//! Shutdown order for a discover run: the engine returns only after every
//! session is closed (see [`crate::engine`]); then the store worker is shut
//! down, which flushes the last results; then files are written. Ctrl-C only
//! cancels the token: the same path runs, just sooner.

use crate::config::{Credential, HostKeyPolicySetting, LegacySshMode, Settings};
use crate::engine::{self, SeedTarget, WalkOptions, WalkProgress, WalkSummary};
use crate::filter::Filter;
use crate::identity::IdentityIndex;
use crate::login::ScopedCredentials;
use crate::model::{DeviceId, Inventory, RunId, now_unix};
use crate::seeds::{self, Seed};
use crate::snapshot::Snapshot;
use crate::store::{StoreReader, StoreSender, StoreWorker, StoreWriter};
use device_session::{Credentials, OpenOptions, Transports};
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use tokio::sync::watch;
use tokio_util::sync::CancellationToken;

/// What a discover run produced.
#[derive(Debug)]
pub struct DiscoverOutcome {
    /// The walk's counts and timings, for the summary the binary prints;
    /// `links` is the store's count (one per physical link).
    pub summary: WalkSummary,
    /// The seeds the walk started from (name, else address), so the user can
    /// see what was actually used after resolution and store lookups.
    pub seeds_used: Vec<String>,
    /// Seed lines/arguments that were skipped, with `file:line: reason`.
    pub seed_problems: Vec<String>,
    /// Every file written (`inventory.json`, workbook, diagrams), to tell
    /// the user where the results are.
    pub files: Vec<PathBuf>,
}

/// Session options from settings: timeouts, transports, host keys.
pub fn open_options(s: &Settings) -> OpenOptions {
    // Without HOME there is nowhere to keep keys: an empty path, which
    // device-session refuses to record into (never ./.ssh by surprise).
    let known_hosts = s.known_hosts.clone().unwrap_or_else(|| {
        std::env::var_os("HOME")
            .map(|h| PathBuf::from(h).join(".ssh").join("known_hosts"))
            .unwrap_or_default()
    });
    OpenOptions {
        platform: None,
        transports: Transports::Auto,
        // Telnet sends credentials in clear text: never under a policy that
        // insists on verified host keys.
        telnet_fallback: s.telnet_fallback && s.host_key_policy != HostKeyPolicySetting::Strict,
        legacy_ssh: match s.legacy_ssh {
            LegacySshMode::Off => device_session::LegacySsh::Off,
            LegacySshMode::On => device_session::LegacySsh::On,
            LegacySshMode::Auto => device_session::LegacySsh::Auto,
        },
        host_key_policy: s.host_key_policy.session_policy(known_hosts),
        timeouts: (&s.timeouts).into(),
        prepare_terminal: true,
        max_output_bytes: usize::try_from(s.max_output_mib.saturating_mul(1 << 20))
            .unwrap_or(usize::MAX),
    }
}

/// Converts resolved credential sets for the session layer, each with its
/// scope. Sets without a password must have been completed (prompted) by
/// the caller.
pub fn session_credentials(creds: &[Credential]) -> Vec<ScopedCredentials> {
    creds
        .iter()
        .filter(|c| c.password.is_some())
        .map(|c| ScopedCredentials {
            credentials: Credentials {
                username: c.username.clone(),
                password: c.password.clone(),
                key_file: None,
                key_passphrase: None,
                enable_secret: c.enable.clone(),
            },
            scope: c.scope.clone(),
        })
        .collect()
}

pub fn walk_options(s: &Settings, creds: Vec<ScopedCredentials>) -> WalkOptions {
    WalkOptions {
        ssh_port: s.port,
        telnet_port: s.telnet_port,
        concurrency: s.concurrency.max(1),
        max_depth: s.max_depth,
        credentials: creds,
        session: open_options(s),
        device_timeout: s.timeouts.device,
        run_deadline: s.timeouts.run,
        grace: s.grace_period,
        failure_threshold: s.failure_threshold,
        ignore_failures: s.ignore_failures,
        endhosts: s.endhosts,
    }
}

/// The filter for a run: the configured one, or the defaults (phones,
/// cameras, printers, access points) when the config sets no filters.
pub fn filter_for(s: &Settings) -> Result<Filter> {
    let cfg = if s.filters.is_empty() {
        engine::default_filter_config()
    } else {
        s.filters.clone()
    };
    Ok(Filter::new(&cfg)?)
}

/// Seeds from arguments, the seed file, and the store (resume, unwalked,
/// stale), resolved to addresses. Problems are collected, never fatal.
///
/// Everything the store says is read before the first await (the
/// returned future holds no reader): a reader, a SQLite connection, is
/// not `Sync`, and a walk started by the server runs on a spawned task.
fn gather_seeds(
    s: &Settings,
    reader: &StoreReader,
) -> Result<impl Future<Output = (Vec<SeedTarget>, Vec<String>)> + Send + 'static> {
    let mut problems = Vec::new();
    let mut list: Vec<Seed> = seeds::parse_seed_args(&s.seeds).map_err(RunError::SeedArgs)?;
    if let Some(path) = &s.seed_file {
        let file = seeds::read_seed_file(path).map_err(|source| RunError::SeedFile {
            path: path.clone(),
            source,
        })?;
        problems.extend(file.problems.iter().map(|p| p.to_string()));
        list.extend(file.seeds);
    }
    let (known, from_store) = store_seeds(s, &list, reader)?;
    let dns_timeout = s.timeouts.dns;
    Ok(async move {
        let lookup = |name: &str| known.get(name).copied();
        let (resolved, unresolved) = seeds::resolve_seeds(list, lookup, dns_timeout).await;
        problems.extend(unresolved.iter().map(|p| p.to_string()));
        let mut out: Vec<SeedTarget> = resolved
            .into_iter()
            .map(|r| SeedTarget {
                name: r.seed.hostname,
                ip: r.ip,
            })
            .collect();
        out.extend(from_store);
        (out, problems)
    })
}

/// What the store adds to the seeds: the addresses it knows for the
/// named seeds, and the devices `--resume`, `--walk-unwalked` and
/// `--rewalk-stale` ask for.
fn store_seeds(
    s: &Settings,
    list: &[Seed],
    reader: &StoreReader,
) -> Result<(HashMap<String, std::net::IpAddr>, Vec<SeedTarget>)> {
    let mut known = HashMap::new();
    for name in list
        .iter()
        .filter(|seed| seed.ip.is_none())
        .filter_map(|seed| seed.hostname.as_deref())
    {
        if let Ok(Some(ip)) = reader.ip_for_hostname(name) {
            known.insert(name.to_string(), ip);
        }
    }
    let mut out = Vec::new();
    let mut from_store = |devices: Vec<crate::model::Device>| {
        for d in devices {
            if let Some(ip) = d.mgmt_ip.or_else(|| d.ips.iter().next().copied()) {
                out.push(SeedTarget {
                    name: Some(d.hostname.clone()),
                    ip,
                });
            }
        }
    };
    if s.resume
        && let Some(info) = reader.resume_info()?
    {
        from_store(info.frontier);
    }
    if s.walk_unwalked {
        from_store(reader.unwalked()?);
    }
    if let Some(days) = s.rewalk_stale_days {
        from_store(reader.stale(days)?);
    }
    Ok((known, out))
}

/// Runs a discovery walk with the given settings and credentials, then
/// writes `inventory.json` to the output directory.
///
/// The store is locked for the whole run: a second discover on the same
/// store fails at once naming this process, and `--resume` therefore only
/// ever adopts a run whose process is gone. A run whose end cannot be
/// recorded is an error (after the files are written), because `--resume`
/// would otherwise take it for an interrupted one.
pub async fn discover(
    s: &Settings,
    creds: &[Credential],
    cancel: CancellationToken,
    progress: watch::Sender<WalkProgress>,
) -> Result<DiscoverOutcome> {
    discover_in(s, Walker::Local(creds), cancel, progress, false).await
}

/// Runs a discovery walk whose devices are walked by `netwalker worker`
/// processes through the PostgreSQL store's queue; this process decides
/// the walk, writes the store and the files, as [`discover`] does. Needs
/// no device credentials (the workers have their own).
pub async fn discover_distributed(
    s: &Settings,
    cancel: CancellationToken,
    progress: watch::Sender<WalkProgress>,
) -> Result<DiscoverOutcome> {
    if !s.store.is_postgres() {
        return Err(RunError::NeedsPostgres {
            store: s.store.clone(),
        });
    }
    discover_in(s, Walker::Distributed, cancel, progress, false).await
}

/// Who walks the devices of a discover run.
#[derive(Clone, Copy)]
enum Walker<'a> {
    /// This process, with these credentials.
    Local(&'a [Credential]),
    /// Workers, through the store's queue.
    Distributed,
}

/// [`discover`]; `fresh` empties the store first (under its lock).
async fn discover_in(
    s: &Settings,
    walker: Walker<'_>,
    cancel: CancellationToken,
    progress: watch::Sender<WalkProgress>,
    fresh: bool,
) -> Result<DiscoverOutcome> {
    // Everything that can refuse the walk is checked before the store is
    // touched: a refused walk leaves no unfinished run for --resume.
    let filter = filter_for(s)?;
    let mut writer = open_store(s, fresh)?;
    let (seeds, seed_problems) = gather_seeds(s, writer.read())?.await;
    if seeds.is_empty() {
        return Err(RunError::NoSeeds {
            problems: seed_problems,
        });
    }
    let known = KnownDevices::read(writer.read())?;
    let run = begin_run(&mut writer, s)?;
    writer.prune_endhosts(s.endhost_retention_days)?;
    let worker = StoreWorker::spawn(writer, 256).map_err(RunError::StartWriter)?;
    let seeds_used: Vec<String> = seeds
        .iter()
        .map(|t| t.name.clone().unwrap_or_else(|| t.ip.to_string()))
        .collect();
    let walk = match walker {
        Walker::Local(creds) => {
            let opts = walk_options(s, session_credentials(creds));
            walk(opts, seeds, known, filter, &worker, cancel, progress).await
        }
        Walker::Distributed => {
            let w = distributed::Start {
                run,
                seeds,
                known,
                filter,
            };
            distributed::walk(s, w, &worker, cancel, progress).await
        }
    };
    // Flush and close the store whatever the walk did.
    let (summary, end_not_recorded) = match walk {
        Ok(summary) => {
            let end = record_end(&worker.sender(), run, &summary).await;
            (summary, end.err())
        }
        Err(e) => {
            worker.shutdown().await.ok();
            return Err(e);
        }
    };
    let unrecorded = worker.unrecorded();
    let writer = worker.shutdown().await?;
    let (summary, files) = write_run_files(writer.read(), &s.out, summary)?;
    if unrecorded.count() > 0 {
        return Err(RunError::DevicesNotRecorded {
            store: s.store.clone(),
            count: unrecorded.count(),
        });
    }
    if let Some(e) = end_not_recorded {
        return Err(RunError::EndNotRecorded {
            store: s.store.clone(),
            run,
            source: Box::new(e),
        });
    }
    Ok(DiscoverOutcome {
        summary,
        seeds_used,
        seed_problems,
        files,
    })
}

/// Opens (creating its directory) or, when `fresh`, empties and opens the
/// run's store; fails naming the file (or the database).
fn open_store(s: &Settings, fresh: bool) -> Result<StoreWriter> {
    if let Some(parent) = s
        .store
        .sqlite_path()
        .and_then(|p| p.parent())
        .filter(|p| !p.as_os_str().is_empty())
    {
        std::fs::create_dir_all(parent).map_err(|source| RunError::CreateDir {
            path: parent.to_path_buf(),
            source,
        })?;
    }
    let opened = if fresh {
        StoreWriter::open_fresh(&s.store)
    } else {
        StoreWriter::open(&s.store)
    };
    opened.map_err(|source| RunError::OpenStore {
        store: s.store.clone(),
        source,
    })
}

/// What the walk starts from that earlier runs learned.
struct KnownDevices {
    /// Every stored device's identifiers, so the walk recognises them and
    /// keeps their ids.
    index: IdentityIndex,
    /// Consecutive failures of devices that have some, for the failure
    /// threshold.
    failure_counts: HashMap<DeviceId, u32>,
}

impl KnownDevices {
    fn read(reader: &StoreReader) -> Result<KnownDevices> {
        let index = reader.identity_index()?;
        let failure_counts = reader
            .devices()?
            .into_iter()
            .filter(|d| d.failure_count > 0)
            .map(|d| (d.id, d.failure_count))
            .collect();
        Ok(KnownDevices {
            index,
            failure_counts,
        })
    }
}

/// The run this walk's commits belong to: under `--resume` the interrupted
/// one, if the latest run is, else a new one.
fn begin_run(writer: &mut StoreWriter, s: &Settings) -> Result<RunId> {
    Ok(match (s.resume, writer.read().unfinished_run()?) {
        (true, Some(r)) => {
            writer.resume_run(r.id)?;
            r.id
        }
        _ => writer.start_run(&run_options_json(s))?,
    })
}

/// The engine's walk, committing through `worker`.
async fn walk(
    opts: WalkOptions,
    seeds: Vec<SeedTarget>,
    known: KnownDevices,
    filter: Filter,
    worker: &StoreWorker,
    cancel: CancellationToken,
    progress: watch::Sender<WalkProgress>,
) -> Result<WalkSummary> {
    Ok(engine::walk(
        seeds,
        known.index,
        known.failure_counts,
        filter,
        worker.sender(),
        opts,
        cancel,
        progress,
    )
    .await?)
}

/// Records the end of a walk that was not interrupted (an interrupted run
/// stays unfinished, for `--resume`). The error, if any, is the caller's to
/// report: until the end is recorded, the run reads as interrupted.
async fn record_end(sender: &StoreSender, run: RunId, summary: &WalkSummary) -> Result<()> {
    if summary.interrupted {
        return Ok(());
    }
    let counts = summary.counts;
    sender.call(move |w| w.finish_run(run, &counts)).await??;
    Ok(())
}

/// `inventory.json` and the default reports; the summary's link count
/// becomes the store's.
fn write_run_files(
    reader: &StoreReader,
    out: &Path,
    mut summary: WalkSummary,
) -> Result<(WalkSummary, Vec<PathBuf>)> {
    let started = std::time::Instant::now();
    // The one serial phase of a walk: the workbook on a second thread while
    // this one writes inventory.json and the diagrams, both from one read
    // of the store (the walk is over; the snapshot is plain data).
    let snap = Snapshot::read(reader)?;
    let timed = |what: &str, t: std::time::Instant| {
        tracing::debug!(ms = t.elapsed().as_millis(), "{what}");
    };
    timed("read the snapshot", started);
    let (json, book, diagrams) = std::thread::scope(|scope| {
        let book = scope.spawn(|| {
            let t = std::time::Instant::now();
            let book = write_workbook(&snap, out);
            timed("wrote the workbook", t);
            book
        });
        let t = std::time::Instant::now();
        let json = write_inventory_json(&snap.inventory(), out);
        timed("wrote inventory.json", t);
        let t = std::time::Instant::now();
        let diagrams = write_default_diagrams(&snap, out);
        timed("wrote the diagrams", t);
        // Joined before any error is returned, so a failure here never
        // leaves the other thread to the scope's implicit join.
        let book = book.join().unwrap_or(Err(RunError::ReportThread));
        (json, book, diagrams)
    });
    let (path, links) = json?;
    // The engine counts links as reported (both ends); the store holds one
    // row per physical link, which is the number people mean.
    summary.links = links as u64;
    let mut files = vec![path];
    files.extend(book?);
    files.extend(diagrams?);
    let ms = started.elapsed().as_millis();
    tracing::debug!(ms, files = files.len(), "wrote the run's files");
    Ok((summary, files))
}

fn run_options_json(s: &Settings) -> serde_json::Value {
    serde_json::json!({
        "seeds": s.seeds,
        "concurrency": s.concurrency,
        "max_depth": s.max_depth,
        "port": s.port,
        "telnet_port": s.telnet_port,
        "telnet_fallback": s.telnet_fallback,
        "started": now_unix(),
    })
}

/// Writes `DIR/inventory.json` (the contract documented in the README);
/// returns its path and the number of links in it.
pub fn write_inventory_json(inv: &Inventory, out: &Path) -> Result<(PathBuf, usize)> {
    std::fs::create_dir_all(out).map_err(|source| RunError::CreateDir {
        path: out.to_path_buf(),
        source,
    })?;
    let path = out.join("inventory.json");
    let tmp = out.join(".inventory.json.tmp");
    let json = serde_json::to_vec_pretty(inv).map_err(|e| write_error(&path, e.into()))?;
    std::fs::write(&tmp, json).map_err(|e| write_error(&tmp, e))?;
    std::fs::rename(&tmp, &path).map_err(|e| write_error(&path, e))?;
    Ok((path, inv.links.len()))
}

fn write_error(path: &Path, source: std::io::Error) -> RunError {
    RunError::Write {
        path: path.to_path_buf(),
        source,
    }
}

/// The inventory workbook.
fn write_workbook(snap: &Snapshot, out: &Path) -> Result<Vec<PathBuf>> {
    Ok(crate::report::write_reports_from(
        snap,
        &crate::report::ReportOptions::new(out),
    )?)
}

/// The topology as an interactive HTML page (or site pages) and a draw.io
/// diagram.
fn write_default_diagrams(snap: &Snapshot, out: &Path) -> Result<Vec<PathBuf>> {
    let formats = [
        crate::diagram::DiagramFormat::Html,
        crate::diagram::DiagramFormat::Drawio,
    ]
    .into_iter()
    .collect();
    Ok(crate::diagram::write_diagrams_from(
        snap,
        &crate::diagram::DiagramOptions::default(),
        out,
        &formats,
        now_unix(),
    )?)
}

mod distributed;
mod error;
mod launch;
pub use distributed::{WorkerFlags, worker_options};
pub use error::{Result, RunError};
pub use launch::{MAX_REQUEST_SEEDS, WalkLauncher, WalkRequest};

// `netwalker demo`: only with the `demo` feature (it links netsim).
#[cfg(feature = "demo")]
mod demo;
#[cfg(feature = "demo")]
pub use demo::{DEMO_STORE, DemoLab, DemoOutcome, demo};

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::Config;

    #[test]
    fn strict_host_keys_never_fall_back_to_cleartext_telnet() {
        let mut s = Config::default().resolve().unwrap();
        assert!(open_options(&s).telnet_fallback);
        s.host_key_policy = HostKeyPolicySetting::Strict;
        assert!(!open_options(&s).telnet_fallback);
        s.host_key_policy = HostKeyPolicySetting::AcceptAny;
        assert!(open_options(&s).telnet_fallback);
    }

    #[test]
    fn the_output_cap_is_configurable_in_mib() {
        let s = Config::default().resolve().unwrap();
        assert_eq!(
            open_options(&s).max_output_bytes,
            device_session::DEFAULT_MAX_OUTPUT
        );
        let s = Config::from_toml("max_output_mib = 2\n", Path::new("t.toml"))
            .unwrap()
            .resolve()
            .unwrap();
        assert_eq!(open_options(&s).max_output_bytes, 2 << 20);
    }
}
