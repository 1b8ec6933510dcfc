//! Shared listeners ([`Listen::Shared`](super::Listen::Shared)): one SSH and
//! one telnet socket on `0.0.0.0:PORT` for every device, so a lab's open
//! files do not grow with its size. Each accepted connection is routed to
//! the device whose address the client dialled (the connection's local
//! address); one to any other address, or outside 127.0.0.0/8, is closed at
//! once.
//!
//! On Linux the sockets are also bound to the loopback interface
//! (`SO_BINDTODEVICE lo`) so other interfaces never reach them; that needs
//! `CAP_NET_RAW` on older kernels, and without it the local-address check
//! alone keeps them out.

use super::LabError;
use crate::topology::TopologyIndex;
use std::collections::HashMap;
use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use tokio::net::{TcpListener, TcpStream};

/// How many connections may wait to be accepted: every device's clients
/// share this one queue (the kernel caps it at `net.core.somaxconn`).
const BACKLOG: i32 = 4096;

/// The devices a shared listener serves, by the address a client dials.
#[derive(Debug, Default)]
pub(super) struct Routes {
    /// Device index by management address, for devices that serve this
    /// listener's transport.
    by_ip: HashMap<Ipv4Addr, usize>,
}

impl Routes {
    /// The devices of `topo` for which `serves(index)` holds.
    pub(super) fn new(topo: &TopologyIndex, serves: impl Fn(usize) -> bool) -> Routes {
        let devices = topo.topology.devices.iter().enumerate();
        let by_ip = devices
            .filter(|&(i, _)| serves(i))
            .map(|(i, d)| (d.mgmt_ip, i))
            .collect();
        Routes { by_ip }
    }

    pub(super) fn is_empty(&self) -> bool {
        self.by_ip.is_empty()
    }

    /// The device a connection is for: the one whose loopback address the
    /// client dialled, if that device serves this transport.
    pub(super) fn device(&self, stream: &TcpStream) -> Option<usize> {
        match stream.local_addr().ok()?.ip() {
            IpAddr::V4(ip) if ip.is_loopback() => self.by_ip.get(&ip).copied(),
            _ => None,
        }
    }
}

/// Binds `0.0.0.0:port` for every device (port 0: one ephemeral port).
pub(super) fn bind(port: u16) -> Result<TcpListener, LabError> {
    use socket2::{Domain, Protocol, Socket, Type};
    let addr = SocketAddr::from(([0, 0, 0, 0], port));
    let bind_err = |source| LabError::BindShared { addr, source };
    let sock = Socket::new(Domain::IPV4, Type::STREAM, Some(Protocol::TCP)).map_err(bind_err)?;
    // Restarting a lab right after a run must not fail on TIME_WAIT sockets.
    sock.set_reuse_address(true).map_err(bind_err)?;
    bind_to_loopback(&sock);
    sock.set_nonblocking(true).map_err(bind_err)?;
    sock.bind(&addr.into()).map_err(bind_err)?;
    sock.listen(BACKLOG).map_err(bind_err)?;
    TcpListener::from_std(sock.into()).map_err(bind_err)
}

/// `SO_BINDTODEVICE lo`, where the OS has it and lets us.
fn bind_to_loopback(sock: &socket2::Socket) {
    #[cfg(any(target_os = "linux", target_os = "android"))]
    if let Err(e) = sock.bind_device(Some(b"lo")) {
        // Said once per process: both listeners fail alike.
        static SAID: std::sync::Once = std::sync::Once::new();
        SAID.call_once(|| {
            tracing::debug!(
                error = %e,
                "cannot bind the shared listeners to lo; connections to other addresses are closed at once instead"
            );
        });
    }
    #[cfg(not(any(target_os = "linux", target_os = "android")))]
    let _ = sock;
}
