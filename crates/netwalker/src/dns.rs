//! `netwalker dns-check`: does DNS agree with what the walk found?
//!
//! For each walked device: a forward lookup of its name, a reverse lookup of
//! its management address, whether each points back at the other, and
//! whether DNS hands out a public address for a device managed on a private
//! one (or the reverse) — the split-horizon mistakes that make SSH by name go
//! to the wrong box.
//!
//! Entry points: [`devices_to_check`] (read the store), [`check_devices`]
//! (the lookups, with any [`Resolver`]; [`SystemResolver`] is the machine's
//! own: `/etc/hosts`, then DNS as `/etc/nsswitch.conf` says; a lookup stuck
//! past its deadline never delays the process's exit), and
//! [`write_dns_report`] (the `DNS` sheet as a workbook and JSON). Every lookup
//! has a deadline ([`DnsOptions::timeout`]); lookups run concurrently up to
//! [`DnsOptions::concurrency`].

use crate::model::{Device, DeviceStatus, UnixTime};
use crate::report::ReportError;
use crate::stamp::file_stamp;
use crate::store::{StoreError, StoreReader};
use crate::table::{Cell, Table, write_workbook};
use futures::StreamExt;
use serde::Serialize;
use std::future::Future;
use std::net::IpAddr;
use std::path::{Path, PathBuf};
use std::time::Duration;

/// Why a lookup gave no answer.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum LookupError {
    /// The name or address has no record (NXDOMAIN, no PTR, not in hosts).
    #[error("no record")]
    NotFound,
    /// Anything else: server failure, no resolver configured, ...
    #[error("{0}")]
    Failed(String),
}

/// Name service used by [`check_devices`]; tests give a fake one.
pub trait Resolver: Send + Sync {
    /// Addresses of a name.
    fn forward(&self, name: &str) -> impl Future<Output = Result<Vec<IpAddr>, LookupError>> + Send;
    /// The name of an address (PTR).
    fn reverse(&self, ip: IpAddr) -> impl Future<Output = Result<String, LookupError>> + Send;
}

/// The machine's resolver (getaddrinfo/getnameinfo: `/etc/hosts`, then DNS
/// as `/etc/nsswitch.conf` says).
///
/// libc has no async lookups and no way to cancel one, so each call runs on
/// its own detached thread and is awaited through a channel. Not tokio's
/// blocking pool (which `tokio::net::lookup_host` uses): a runtime waits for
/// its blocking pool when it shuts down, so one lookup stuck on an
/// unreachable name server would hold the process's exit for the resolver's
/// own timeout (up to 30 s with three servers). A detached thread ends with
/// the process; [`DnsOptions::timeout`] reports the lookup as timed out.
#[derive(Debug, Clone, Copy, Default)]
pub struct SystemResolver;

/// Runs a blocking call on a detached thread; awaiting it can be abandoned.
async fn detached<T: Send + 'static>(
    f: impl FnOnce() -> T + Send + 'static,
) -> Result<T, LookupError> {
    let (tx, rx) = tokio::sync::oneshot::channel();
    std::thread::Builder::new()
        .name("netwalker-dns".into())
        .spawn(move || {
            // The receiver is gone when the deadline passed: nothing to do.
            let _ = tx.send(f());
        })
        .map_err(|e| LookupError::Failed(format!("cannot start a resolver thread: {e}")))?;
    rx.await
        .map_err(|_| LookupError::Failed("the resolver thread ended without an answer".into()))
}

/// getaddrinfo/getnameinfo report "no such name" only in their message.
fn classify(e: std::io::Error) -> LookupError {
    let msg = e.to_string();
    let lower = msg.to_ascii_lowercase();
    if [
        "not known",
        "no address associated",
        "does not resolve",
        "no such host",
        "nxdomain",
        "no data",
    ]
    .iter()
    .any(|m| lower.contains(m))
    {
        LookupError::NotFound
    } else {
        LookupError::Failed(msg)
    }
}

impl Resolver for SystemResolver {
    async fn forward(&self, name: &str) -> Result<Vec<IpAddr>, LookupError> {
        let name = name.to_string();
        let mut ips: Vec<IpAddr> =
            detached(move || dns_lookup::lookup_host(&name).map(|it| it.collect::<Vec<IpAddr>>()))
                .await?
                .map_err(classify)?;
        ips.sort();
        ips.dedup();
        Ok(ips)
    }

    async fn reverse(&self, ip: IpAddr) -> Result<String, LookupError> {
        detached(move || dns_lookup::lookup_addr(&ip))
            .await?
            .map_err(classify)
    }
}

/// Settings of a DNS check.
#[derive(Debug, Clone)]
pub struct DnsOptions {
    /// Deadline of each single lookup.
    pub timeout: Duration,
    /// Lookups in flight at once (each device does its two in parallel).
    pub concurrency: usize,
    /// Appended to names without a dot (`core1` -> `core1.example.net`).
    pub domain: Option<String>,
    /// Also check devices that were not walked but have an address.
    pub include_unwalked: bool,
}

impl Default for DnsOptions {
    fn default() -> Self {
        DnsOptions {
            timeout: Duration::from_secs(3),
            concurrency: 16,
            domain: None,
            include_unwalked: false,
        }
    }
}

/// Outcome of one lookup.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum LookupStatus {
    Ok,
    NotFound,
    Timeout,
    Error,
    /// Nothing to look up (a device without a management address).
    Skipped,
}

impl LookupStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            LookupStatus::Ok => "ok",
            LookupStatus::NotFound => "not_found",
            LookupStatus::Timeout => "timeout",
            LookupStatus::Error => "error",
            LookupStatus::Skipped => "skipped",
        }
    }
}

/// Overall judgement of one device, worst first.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Verdict {
    /// DNS gives a public address for a privately managed device, or the reverse.
    Conflict,
    /// Records exist but point elsewhere.
    Mismatch,
    /// A record is missing.
    Missing,
    /// A lookup timed out or failed; nothing can be concluded.
    Unknown,
    Ok,
}

impl Verdict {
    pub fn as_str(self) -> &'static str {
        match self {
            Verdict::Conflict => "conflict",
            Verdict::Mismatch => "mismatch",
            Verdict::Missing => "missing",
            Verdict::Unknown => "unknown",
            Verdict::Ok => "ok",
        }
    }
}

/// What DNS said about one device.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct DnsCheck {
    /// The device's display name.
    pub device: String,
    /// The address the walk used.
    pub mgmt_ip: Option<IpAddr>,
    /// The name looked up (FQDN when the device reported one).
    pub query_name: String,
    /// How the name's forward lookup went.
    pub forward_status: LookupStatus,
    /// What the name resolves to.
    pub forward_ips: Vec<IpAddr>,
    /// How the address's reverse lookup went.
    pub reverse_status: LookupStatus,
    /// What the address resolves back to.
    pub reverse_name: Option<String>,
    /// The management address is among the forward answers.
    pub forward_matches_ip: Option<bool>,
    /// The PTR name is the device's name (full, or first label).
    pub reverse_matches_name: Option<bool>,
    /// Public/private disagreement between DNS and the management address.
    pub conflict: Option<String>,
    /// Whether DNS agrees with the inventory.
    pub verdict: Verdict,
    /// Human-readable findings, e.g. lookup errors.
    pub notes: Vec<String>,
}

pub use crate::addr::is_private;

/// The devices a DNS check covers: walked ones (or all with an address when
/// `include_unwalked`), sorted by name. Read before any lookup, so the
/// store is not held across awaits.
pub fn devices_to_check(store: &StoreReader, opts: &DnsOptions) -> Result<Vec<Device>, StoreError> {
    let mut devices: Vec<Device> = store
        .devices()?
        .into_iter()
        .filter(|d| {
            d.status == DeviceStatus::Walked
                || (opts.include_unwalked
                    && d.status != DeviceStatus::Duplicate
                    && (d.mgmt_ip.is_some() || !d.ips.is_empty()))
        })
        .collect();
    devices.sort_by_key(|d| (d.hostname.to_lowercase(), d.id));
    Ok(devices)
}

/// The name to look up: the FQDN a device reported (prompt or CDP id, minus
/// any `(SERIAL)` suffix), else its hostname, with `domain` appended to a
/// bare name.
pub fn query_name(d: &Device, domain: Option<&str>) -> String {
    let raw = d
        .hostname_raw
        .as_deref()
        .map(|r| {
            r.split('(')
                .next()
                .unwrap_or(r)
                .trim()
                .trim_end_matches('.')
        })
        .filter(|r| r.contains('.') && r.parse::<IpAddr>().is_err());
    if let Some(fqdn) = raw {
        return fqdn.to_string();
    }
    match domain {
        Some(dom) if !d.hostname.contains('.') && !dom.is_empty() => {
            format!("{}.{}", d.hostname, dom.trim_start_matches('.'))
        }
        _ => d.hostname.clone(),
    }
}

fn first_label(s: &str) -> String {
    s.trim_end_matches('.')
        .split('.')
        .next()
        .unwrap_or("")
        .to_ascii_lowercase()
}

fn names_match(ptr: &str, query: &str, hostname: &str) -> bool {
    let ptr = ptr.trim_end_matches('.').to_ascii_lowercase();
    ptr == query.trim_end_matches('.').to_ascii_lowercase()
        || first_label(&ptr) == first_label(hostname)
}

async fn with_deadline<T>(
    timeout: Duration,
    f: impl Future<Output = Result<T, LookupError>>,
) -> (LookupStatus, Option<T>, Option<String>) {
    match tokio::time::timeout(timeout, f).await {
        Ok(Ok(v)) => (LookupStatus::Ok, Some(v), None),
        Ok(Err(LookupError::NotFound)) => (LookupStatus::NotFound, None, None),
        Ok(Err(LookupError::Failed(m))) => (LookupStatus::Error, None, Some(m)),
        Err(_) => (
            LookupStatus::Timeout,
            None,
            Some(format!("no answer within {timeout:?}")),
        ),
    }
}

/// Checks one device: forward and reverse lookups in parallel, each with
/// the deadline, then the comparisons.
pub async fn check_device<R: Resolver>(resolver: &R, d: &Device, opts: &DnsOptions) -> DnsCheck {
    let query = query_name(d, opts.domain.as_deref());
    let mgmt = d.mgmt_ip.or_else(|| d.ips.iter().next().copied());
    let fwd = with_deadline(opts.timeout, resolver.forward(&query));
    let rev = async {
        match mgmt {
            Some(ip) => with_deadline(opts.timeout, resolver.reverse(ip)).await,
            None => (LookupStatus::Skipped, None, None),
        }
    };
    let ((f_status, f_ips, f_err), (r_status, r_name, r_err)) = futures::join!(fwd, rev);
    let forward_ips = f_ips.unwrap_or_default();
    let mut notes = Vec::new();
    if let Some(e) = f_err {
        notes.push(format!("forward lookup of {query}: {e}"));
    }
    if let Some(e) = r_err {
        notes.push(format!(
            "reverse lookup of {}: {e}",
            mgmt.map(|i| i.to_string()).unwrap_or_default()
        ));
    }
    if mgmt.is_none() {
        notes.push("no management address known".into());
    }
    let forward_matches_ip = match (f_status, mgmt) {
        (LookupStatus::Ok, Some(ip)) => Some(forward_ips.contains(&ip)),
        _ => None,
    };
    let reverse_matches_name = r_name
        .as_deref()
        .map(|p| names_match(p, &query, &d.hostname));
    let conflict = mgmt.and_then(|ip| {
        if forward_ips.is_empty() {
            return None;
        }
        let mgmt_private = is_private(ip);
        let (private, public): (Vec<IpAddr>, Vec<IpAddr>) =
            forward_ips.iter().partition(|a| is_private(**a));
        let list = |v: &[IpAddr]| {
            v.iter()
                .map(|a| a.to_string())
                .collect::<Vec<_>>()
                .join(", ")
        };
        if mgmt_private && private.is_empty() {
            Some(format!(
                "{query} resolves only to public {} but the device is managed on private {ip}",
                list(&public)
            ))
        } else if !mgmt_private && public.is_empty() {
            Some(format!(
                "{query} resolves only to private {} but the device is managed on public {ip}",
                list(&private)
            ))
        } else if !private.is_empty() && !public.is_empty() {
            Some(format!(
                "{query} resolves to both private ({}) and public ({}) addresses",
                list(&private),
                list(&public)
            ))
        } else {
            None
        }
    });
    if forward_matches_ip == Some(false) {
        notes.push(format!(
            "{query} does not resolve to the management address"
        ));
    }
    if reverse_matches_name == Some(false) {
        notes.push(format!(
            "PTR name {} is not {}",
            r_name.as_deref().unwrap_or(""),
            d.hostname
        ));
    }
    let any = |s: LookupStatus| f_status == s || r_status == s;
    let verdict = if conflict.is_some() {
        Verdict::Conflict
    } else if forward_matches_ip == Some(false) || reverse_matches_name == Some(false) {
        Verdict::Mismatch
    } else if any(LookupStatus::NotFound) {
        Verdict::Missing
    } else if any(LookupStatus::Timeout) || any(LookupStatus::Error) || mgmt.is_none() {
        Verdict::Unknown
    } else {
        Verdict::Ok
    };
    DnsCheck {
        device: d.hostname.clone(),
        mgmt_ip: mgmt,
        query_name: query,
        forward_status: f_status,
        forward_ips,
        reverse_status: r_status,
        reverse_name: r_name,
        forward_matches_ip,
        reverse_matches_name,
        conflict,
        verdict,
        notes,
    }
}

/// Checks every device, `opts.concurrency` at a time, results in input order.
/// Total time is bounded by `ceil(devices / concurrency) * timeout`.
pub async fn check_devices<R: Resolver>(
    resolver: &R,
    devices: &[Device],
    opts: &DnsOptions,
) -> Vec<DnsCheck> {
    futures::stream::iter(devices)
        .map(|d| check_device(resolver, d, opts))
        .buffered(opts.concurrency.max(1))
        .collect()
        .await
}

/// The `DNS` sheet.
pub fn dns_table(checks: &[DnsCheck]) -> Table {
    let mut t = Table::new(
        "DNS",
        &[
            "Device",
            "Management IP",
            "Query Name",
            "Forward",
            "Forward IPs",
            "Reverse",
            "Reverse Name",
            "Forward Matches IP",
            "Reverse Matches Name",
            "Public/Private Conflict",
            "Verdict",
            "Notes",
        ],
    );
    let yes_no = |b: Option<bool>| b.map_or(Cell::Empty, Cell::Bool);
    for c in checks {
        t.rows.push(vec![
            Cell::text(&c.device),
            Cell::opt(c.mgmt_ip),
            Cell::text(&c.query_name),
            Cell::text(c.forward_status.as_str()),
            Cell::text(
                c.forward_ips
                    .iter()
                    .map(|i| i.to_string())
                    .collect::<Vec<_>>()
                    .join(", "),
            ),
            Cell::text(c.reverse_status.as_str()),
            Cell::opt(c.reverse_name.as_ref()),
            yes_no(c.forward_matches_ip),
            yes_no(c.reverse_matches_name),
            Cell::opt(c.conflict.as_ref()),
            Cell::text(c.verdict.as_str()),
            Cell::text(c.notes.join("; ")),
        ]);
    }
    t
}

/// Writes `DnsCheck_<YYYYMMDD-HHMM>.xlsx` (sheet `DNS`) and
/// `DnsCheck_<ts>.json` (the [`DnsCheck`] records) into `out_dir`.
pub fn write_dns_report(
    checks: &[DnsCheck],
    out_dir: &Path,
    timestamp: UnixTime,
) -> Result<Vec<PathBuf>, ReportError> {
    std::fs::create_dir_all(out_dir).map_err(|source| ReportError::Io {
        path: out_dir.to_path_buf(),
        source,
    })?;
    let stem = format!("DnsCheck_{}", file_stamp(timestamp));
    let xlsx = out_dir.join(format!("{stem}.xlsx"));
    write_workbook(&xlsx, &[dns_table(checks)])?;
    let json = out_dir.join(format!("{stem}.json"));
    let text = serde_json::to_string_pretty(checks).expect("DNS checks serialise");
    std::fs::write(&json, text + "\n").map_err(|source| ReportError::Io {
        path: json.clone(),
        source,
    })?;
    Ok(vec![xlsx, json])
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A lookup that outlives its deadline does not hold up the runtime's
    /// shutdown (and so the process's exit).
    #[test]
    fn abandoned_lookup_does_not_delay_runtime_shutdown() {
        let rt = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(1)
            .enable_time()
            .build()
            .unwrap();
        let (release_tx, release_rx) = std::sync::mpsc::channel::<()>();
        let got = rt.block_on(async {
            tokio::time::timeout(
                Duration::from_millis(50),
                detached(move || {
                    // A stuck libc call: blocks until the test releases it.
                    let _ = release_rx.recv_timeout(Duration::from_secs(30));
                }),
            )
            .await
        });
        assert!(got.is_err(), "the deadline fired");
        let t0 = std::time::Instant::now();
        drop(rt);
        assert!(
            t0.elapsed() < Duration::from_secs(2),
            "runtime shutdown waited {:?} for a stuck lookup",
            t0.elapsed()
        );
        let _ = release_tx.send(());
    }

    #[test]
    fn not_found_is_told_apart() {
        let e = std::io::Error::other(
            "failed to lookup address information: Name or service not known",
        );
        assert_eq!(classify(e), LookupError::NotFound);
        let e = std::io::Error::other(
            "failed to lookup address information: Temporary failure in name resolution",
        );
        assert!(matches!(classify(e), LookupError::Failed(_)));
    }
}
