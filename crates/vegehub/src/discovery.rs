//! mDNS discovery of `_vege._tcp.local.`.
//!
//! The mdns-sd daemon runs its own thread; we await its channel with
//! `recv_async` (so discovery works inside a tokio runtime, where the Python
//! client's found nothing), bound the whole browse by a deadline, and shut the
//! daemon down — waiting for its acknowledgement — before returning.

use mdns_sd::{ServiceDaemon, ServiceEvent};
use serde::Serialize;
use std::collections::BTreeMap;
use std::net::IpAddr;
use std::time::Duration;
use tokio::time::Instant;

pub const SERVICE_TYPE: &str = "_vege._tcp.local.";

/// A hub that answered.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Discovered {
    /// Instance name, e.g. `Vege_XX_XX`.
    pub name: String,
    /// The full service instance name, unique on the network.
    pub fullname: String,
    /// The advertised host name (`....local.`).
    pub hostname: String,
    /// Advertised addresses; [`Discovered::address`] picks one.
    pub addresses: Vec<IpAddr>,
    /// The HTTP API port.
    pub port: u16,
    /// The TXT record, shown by `vegehub discover`.
    pub properties: BTreeMap<String, String>,
}

impl Discovered {
    /// `ip:port` to hand to [`crate::Hub::new`], preferring IPv4.
    pub fn address(&self) -> Option<String> {
        let ip = self
            .addresses
            .iter()
            .find(|a| a.is_ipv4())
            .or_else(|| self.addresses.first())?;
        Some(match ip {
            IpAddr::V4(v4) => format!("{v4}:{}", self.port),
            IpAddr::V6(v6) => format!("[{v6}]:{}", self.port),
        })
    }
}

#[derive(Debug, thiserror::Error)]
pub enum DiscoveryError {
    #[error("mDNS discovery could not start: {0} (is multicast available on any interface?)")]
    Daemon(#[from] mdns_sd::Error),
}

/// Browses for `timeout`, or until `limit` hubs are found, then stops the daemon.
pub async fn discover(
    timeout: Duration,
    limit: Option<usize>,
) -> Result<Vec<Discovered>, DiscoveryError> {
    let daemon = ServiceDaemon::new()?;
    let result = browse(&daemon, timeout, limit).await;
    let _ = daemon.stop_browse(SERVICE_TYPE);
    // Wait for the daemon thread to acknowledge: no thread is left behind.
    if let Ok(rx) = daemon.shutdown() {
        let _ = tokio::time::timeout(Duration::from_secs(2), rx.recv_async()).await;
    }
    result
}

async fn browse(
    daemon: &ServiceDaemon,
    timeout: Duration,
    limit: Option<usize>,
) -> Result<Vec<Discovered>, DiscoveryError> {
    let rx = daemon.browse(SERVICE_TYPE)?;
    let deadline = Instant::now() + timeout;
    let mut found: BTreeMap<String, Discovered> = BTreeMap::new();
    loop {
        if limit.is_some_and(|l| found.len() >= l) {
            break;
        }
        let ev = match tokio::time::timeout_at(deadline, rx.recv_async()).await {
            Ok(Ok(ev)) => ev,
            // Deadline, or the daemon went away.
            _ => break,
        };
        if let ServiceEvent::ServiceResolved(svc) = ev {
            let fullname = svc.fullname.clone();
            let name = fullname
                .strip_suffix(&format!(".{SERVICE_TYPE}"))
                .unwrap_or(&fullname)
                .to_string();
            let mut addresses: Vec<IpAddr> = svc.addresses.iter().map(|a| a.to_ip_addr()).collect();
            addresses.sort();
            addresses.dedup();
            let properties = svc
                .txt_properties
                .iter()
                .map(|p| (p.key().to_string(), p.val_str().to_string()))
                .collect();
            found.insert(
                fullname.clone(),
                Discovered {
                    name,
                    fullname,
                    hostname: svc.host.clone(),
                    addresses,
                    port: svc.port,
                    properties,
                },
            );
        }
    }
    Ok(found.into_values().collect())
}
