//! mDNS advertisement of `_vege._tcp.local.`, as a real hub does.

use mdns_sd::{ServiceDaemon, ServiceInfo};
use std::collections::HashMap;
use std::net::IpAddr;
use std::time::Duration;

pub const SERVICE_TYPE: &str = "_vege._tcp.local.";

/// Owns the mdns-sd daemon thread; [`Advertiser::shutdown`] stops it, so a stopped
/// simulator leaves no thread behind.
pub(crate) struct Advertiser {
    /// The mDNS responder advertising the hub.
    daemon: ServiceDaemon,
    /// The advertised service name, to withdraw it on shutdown.
    fullname: String,
}

impl Advertiser {
    pub fn start(
        instance: &str,
        ip: Option<IpAddr>,
        port: u16,
        txt: HashMap<String, String>,
    ) -> Result<Self, mdns_sd::Error> {
        let daemon = ServiceDaemon::new()?;
        let host = format!("{}.local.", instance.replace([' ', '.'], "-"));
        let info = match ip {
            Some(ip) if !ip.is_unspecified() => {
                ServiceInfo::new(SERVICE_TYPE, instance, &host, ip, port, txt)?
            }
            _ => ServiceInfo::new(SERVICE_TYPE, instance, &host, "", port, txt)?.enable_addr_auto(),
        };
        let fullname = info.get_fullname().to_string();
        if let Err(e) = daemon.register(info) {
            let _ = daemon.shutdown();
            return Err(e);
        }
        Ok(Advertiser { daemon, fullname })
    }

    /// Says goodbye on the network, then stops the daemon thread; each step bounded.
    pub async fn shutdown(self, deadline: Duration) {
        if let Ok(rx) = self.daemon.unregister(&self.fullname) {
            let _ = tokio::time::timeout(deadline, rx.recv_async()).await;
        }
        if let Ok(rx) = self.daemon.shutdown() {
            let _ = tokio::time::timeout(deadline, rx.recv_async()).await;
        }
    }
}

impl Drop for Advertiser {
    /// Without a runtime to await on, at least ask the daemon thread to stop; after
    /// [`Advertiser::shutdown`] this is a no-op error that is ignored.
    fn drop(&mut self) {
        let _ = self.daemon.shutdown();
    }
}
