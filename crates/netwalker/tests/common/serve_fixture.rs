//! A small inventory written through the public store API, and the
//! router called in-process over it: shared by the `serve_*` tests
//! through `#[path]`.

// Each test file takes what it needs.
#![allow(dead_code)]

use axum::body::Body;
use axum::http::{HeaderMap, Request, StatusCode};
use device_parsers::Platform;
use netwalker::model::*;
use netwalker::serve::{ServeOptions, router};
use netwalker::store::{StoreLocation, StoreWriter};
use std::net::IpAddr;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use tower::ServiceExt;

/// Every device's first and last seen.
pub const SEEN: UnixTime = 1_700_000_000;
/// `SEEN` as the pages print it.
pub const SEEN_TEXT: &str = "2023-11-14 22:13:20 UTC";
/// Linux hosts `edge-01`... in the fixture.
pub const EDGES: usize = 25;
/// Devices in the fixture: core1, acc1, acc2, acc10, the phone, the edges.
pub const DEVICES: usize = 5 + EDGES;

pub fn ip(s: &str) -> IpAddr {
    s.parse().unwrap()
}

pub fn walked(id: i64, name: &str, addr: &str, platform: Platform) -> Device {
    let mut d = Device::new(DeviceId(id), name, DeviceStatus::Walked);
    d.mgmt_ip = Some(ip(addr));
    d.ips.insert(ip(addr));
    d.platform = Some(platform);
    d.first_seen = SEEN;
    d.last_seen = SEEN;
    d
}

pub fn iface(name: &str, status: &str) -> Interface {
    let mut i = Interface::new(name);
    i.status = Some(status.into());
    i
}

/// A writer over a fresh store whose clock says [`SEEN`].
pub fn writer(store: impl Into<StoreLocation>) -> StoreWriter {
    StoreWriter::open(store)
        .unwrap()
        .with_clock(Arc::new(|| SEEN))
}

/// core1 (XE stack, VLANs, a warning) -- acc1 (IOS) -- phone; acc2 failed
/// authentication; acc10 heard of only; edge-01..edge-25 Linux hosts.
pub fn campus(dir: &Path) -> PathBuf {
    let path = dir.join("serve.db");
    campus_at(&path);
    path
}

/// [`campus`] written into any store.
pub fn campus_at(store: impl Into<StoreLocation>) {
    let mut w = writer(store);
    let mut core = walked(1, "core1", "10.0.0.1", Platform::CiscoXe);
    core.model = Some("C9300-48P".into());
    core.version = Some("17.9.4".into());
    core.serial = Some("SERCORE1".into());
    core.warnings = vec!["show lldp neighbors detail: % LLDP is not enabled".into()];
    let mut acc1 = walked(2, "acc1", "10.0.0.2", Platform::CiscoIos);
    acc1.model = Some("WS-C2960X-48FPD-L".into());
    acc1.version = Some("15.2(7)E4".into());
    acc1.serial = Some("SERACC1".into());
    let mut acc10 = Device::new(DeviceId(4), "acc10", DeviceStatus::NeighborOnly);
    acc10.parent = Some(DeviceId(1));
    acc10.via = Some(Via::Cdp);
    let mut phone = Device::new(DeviceId(5), "SEP001122334455", DeviceStatus::NeighborOnly);
    phone.parent = Some(DeviceId(2));
    phone.platform_text = Some("Cisco IP Phone 8845".into());

    let mut r = DeviceResult::bare(core);
    let mut vlan10 = iface("Vlan10", "up");
    vlan10.ip = Some("10.0.10.1".into());
    r.interfaces = vec![
        iface("GigabitEthernet1/0/1", "connected"),
        iface("GigabitEthernet1/0/2", "notconnect"),
        vlan10,
    ];
    r.stack_members = (1..=2)
        .map(|n| {
            let mut m = StackMember::new(n);
            m.serial = Some(format!("STACKSER{n}"));
            m.role = Some(if n == 1 { "Active" } else { "Standby" }.into());
            m
        })
        .collect();
    r.vlans = vec![Vlan {
        id: 10,
        name: "users".into(),
        ports: vec!["GigabitEthernet1/0/2".into()],
        port_channels: vec![],
    }];
    r.neighbors = vec![acc1.clone(), acc10];
    r.links = vec![Link::new(
        DeviceId(1),
        "GigabitEthernet1/0/1",
        DeviceId(2),
        "GigabitEthernet0/1",
        LinkProtocol::Cdp,
    )];
    w.commit_device(&r).unwrap();

    let mut r = DeviceResult::bare(acc1);
    r.interfaces = vec![
        iface("GigabitEthernet0/1", "connected"),
        iface("GigabitEthernet0/5", "connected"),
    ];
    r.neighbors = vec![phone];
    r.links = vec![Link::new(
        DeviceId(2),
        "GigabitEthernet0/5",
        DeviceId(5),
        "Port 1",
        LinkProtocol::Lldp,
    )];
    w.commit_device(&r).unwrap();

    let mut acc2 = Device::new(DeviceId(3), "acc2", DeviceStatus::Failed);
    acc2.mgmt_ip = Some(ip("10.0.0.3"));
    acc2.reason = Some("authentication failed for every credential set".into());
    acc2.error_class = Some("auth".into());
    w.commit_device(&DeviceResult::bare(acc2)).unwrap();

    for n in 1..=EDGES {
        let d = walked(
            100 + n as i64,
            &format!("edge-{n:02}"),
            &format!("10.1.0.{n}"),
            Platform::Linux,
        );
        w.commit_device(&DeviceResult::bare(d)).unwrap();
    }
}

/// The application over the store, default options.
pub fn app(store: impl Into<StoreLocation>) -> axum::Router {
    router(&ServeOptions::new(store)).unwrap()
}

/// A response as the tests read it.
pub struct Got {
    /// Its status.
    pub status: StatusCode,
    /// Its headers.
    pub headers: HeaderMap,
    /// Its body as text (lossy: a download may not be UTF-8).
    pub body: String,
    /// Its body as sent.
    pub bytes: Vec<u8>,
}

impl Got {
    /// The body as JSON.
    pub fn json(&self) -> serde_json::Value {
        serde_json::from_str(&self.body).unwrap_or_else(|e| panic!("not JSON ({e}): {}", self.body))
    }

    /// The `Location` header.
    pub fn location(&self) -> Option<&str> {
        self.headers.get("location").and_then(|v| v.to_str().ok())
    }
}

/// GET `uri` from the router, in-process.
pub async fn get(app: &axum::Router, uri: &str) -> Got {
    send(app, Request::get(uri).body(Body::empty()).unwrap()).await
}

/// Sends `req` to the router, in-process.
pub async fn send(app: &axum::Router, req: Request<Body>) -> Got {
    let resp = app.clone().oneshot(req).await.unwrap();
    let status = resp.status();
    let headers = resp.headers().clone();
    let bytes = axum::body::to_bytes(resp.into_body(), 16 << 20)
        .await
        .unwrap();
    Got {
        status,
        headers,
        body: String::from_utf8_lossy(&bytes).into_owned(),
        bytes: bytes.to_vec(),
    }
}

/// The device names linked from a device table, in order.
pub fn listed(html: &str) -> Vec<String> {
    html.split("<tr><td><a href=\"/devices/")
        .skip(1)
        .filter_map(|s| {
            let start = s.find('>')? + 1;
            let end = s[start..].find('<')? + start;
            Some(s[start..end].to_string())
        })
        .collect()
}
