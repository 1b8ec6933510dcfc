//! A synthetic campus inventory written straight into a store (test
//! support, shared by `tests/report_workbook.rs`, `tests/diagram_formats.rs`
//! and `examples/diagram_demo.rs` through `#[path]`).
//!
//! Reports and diagrams read only the store, so they can be tried, tested and
//! demonstrated at any size (the 1,000-device readability check, the Chromium
//! interop suite) without running a walk. The shape is a textbook campus per
//! site: a core pair joined by two parallel links, distribution pairs, access
//! stacks dual-homed to their pair, phones and access points below, and one
//! access switch per site that failed authentication. Sites are named
//! (`NYC-CORE-1`, `NYC-ACC-101`) so `--site-pattern "*-CORE-*"` finds them:
//! `netsim::generate` builds one unnamed site and needs a walk to fill a
//! store, which is why this generator stays beside the tests.

// Each user takes what it needs (the example has no use for device_count).
#![allow(dead_code)]

use device_parsers::Platform;
use netwalker::model::*;
use netwalker::store::{StoreError, StoreWriter};
use std::net::{IpAddr, Ipv4Addr};

/// Size of the synthetic campus.
#[derive(Debug, Clone, Copy)]
pub struct CampusSpec {
    /// Sites, each with its own core pair (`NYC`, `LON`, ... then `S<n>`).
    pub sites: usize,
    /// Distribution pairs under each core pair.
    pub dist_pairs_per_site: usize,
    /// Access stacks under each distribution pair (the last of the first
    /// pair fails authentication when there are two or more).
    pub access_per_pair: usize,
    /// Phones under each walked access stack.
    pub phones_per_access: usize,
    /// Access points under each walked access stack.
    pub aps_per_access: usize,
}

impl CampusSpec {
    /// Devices the spec produces.
    pub fn device_count(&self) -> usize {
        let access = self.dist_pairs_per_site * self.access_per_pair;
        // The failed switch (one per site when a pair has 2+ access) reports no endpoints.
        let failed = usize::from(self.dist_pairs_per_site > 0 && self.access_per_pair > 1);
        self.sites
            * (2 + 2 * self.dist_pairs_per_site
                + access
                + (access - failed) * (self.phones_per_access + self.aps_per_access))
    }
}

/// Site codes used for hostnames (`<SITE>-CORE-1`); beyond the list, `S<n>`.
const SITE_CODES: [&str; 8] = ["NYC", "LON", "PAR", "TYO", "SYD", "SFO", "BER", "MAD"];

fn site_code(i: usize) -> String {
    SITE_CODES
        .get(i)
        .map_or_else(|| format!("S{i}"), |s| s.to_string())
}

/// Fills `store` with the campus in one run. Returns the number of devices.
pub fn fill_campus(store: &mut StoreWriter, spec: &CampusSpec) -> Result<usize, StoreError> {
    let seeds: Vec<String> = (0..spec.sites)
        .map(|s| format!("{}-CORE-1", site_code(s)))
        .collect();
    let run = store.start_run(&serde_json::json!({"seeds": seeds, "source": "sample campus"}))?;
    let mut last_id = 0i64;
    let mut count = 0usize;
    for s in 0..spec.sites {
        let results = Site::new(s, spec, &mut last_id).results();
        count += commit_site(store, &results)?;
    }
    let counts = store.read().status_counts()?;
    store.finish_run(run, &counts)?;
    Ok(count)
}

/// Joins the sites' `CORE-1` switches in a ring of WAN links (`Ethernet1/49`
/// to the next site's `Ethernet1/50`; two sites get one link), reported
/// by a second look at each core. Returns the links added.
pub fn link_sites(store: &mut StoreWriter, spec: &CampusSpec) -> Result<usize, StoreError> {
    let devices = store.read().devices()?;
    let core = |s: usize| {
        let name = format!("{}-CORE-1", site_code(s));
        devices.iter().find(|d| d.hostname == name).cloned()
    };
    let wrap = if spec.sites > 2 {
        spec.sites
    } else {
        spec.sites.saturating_sub(1)
    };
    let mut added = 0;
    for s in 0..wrap {
        let (Some(a), Some(b)) = (core(s), core((s + 1) % spec.sites)) else {
            continue;
        };
        let mut r = DeviceResult::bare(a.clone());
        r.links.push(Link::new(
            a.id,
            "Ethernet1/49",
            b.id,
            "Ethernet1/50",
            LinkProtocol::Lldp,
        ));
        store.commit_device(&r)?;
        added += 1;
    }
    Ok(added)
}

/// Commits one site as a walk would: placeholders first, so every link
/// endpoint exists when its reporter commits. Returns the devices written.
fn commit_site(store: &mut StoreWriter, results: &[DeviceResult]) -> Result<usize, StoreError> {
    let all: Vec<Device> = results
        .iter()
        .map(|r| {
            let mut d = r.device.clone();
            d.status = DeviceStatus::NeighborOnly;
            d
        })
        .collect();
    store.record_placeholders(&all)?;
    let mut count = 0;
    for r in results {
        count += 1 + r.neighbors.len();
        store.commit_device(r)?;
    }
    Ok(count)
}

/// One site being generated.
struct Site<'a> {
    /// The site's number: the second octet of its addresses.
    index: usize,
    /// Hostname prefix (`NYC`).
    code: String,
    /// How big each layer is.
    spec: &'a CampusSpec,
    /// The last device id handed out; ids are unique across sites.
    last_id: &'a mut i64,
    /// The next management host number for distribution and access switches.
    host: u32,
}

/// A distribution pair: its ids and its results (which gain links to their
/// access switches as those are made).
struct DistPair {
    /// The pair's device ids, A then B.
    ids: [DeviceId; 2],
    /// The pair's results, A then B.
    results: Vec<DeviceResult>,
}

impl<'a> Site<'a> {
    fn new(index: usize, spec: &'a CampusSpec, last_id: &'a mut i64) -> Site<'a> {
        Site {
            index,
            code: site_code(index),
            spec,
            last_id,
            host: 10,
        }
    }

    fn alloc(&mut self) -> DeviceId {
        *self.last_id += 1;
        DeviceId(*self.last_id)
    }

    fn ip(&self, host: u32) -> IpAddr {
        IpAddr::V4(Ipv4Addr::from(
            u32::from(Ipv4Addr::new(10, self.index as u8, 0, 0)) + host,
        ))
    }

    fn next_ip(&mut self) -> IpAddr {
        let ip = self.ip(self.host);
        self.host += 1;
        ip
    }

    /// Every device result of the site in commit order: the cores, then per
    /// distribution pair its access switches and the pair itself.
    fn results(mut self) -> Vec<DeviceResult> {
        let (cores, mut results) = self.core_pair();
        for pair in 0..self.spec.dist_pairs_per_site {
            let mut dists = self.dist_pair(pair, cores);
            for a in 0..self.spec.access_per_pair {
                results.push(self.access(pair, a, &mut dists));
            }
            results.extend(dists.results);
        }
        results
    }

    /// The core pair, the first a seed, joined by two parallel links.
    fn core_pair(&mut self) -> ([DeviceId; 2], Vec<DeviceResult>) {
        let cores = [self.alloc(), self.alloc()];
        let mut results: Vec<DeviceResult> = (0..2)
            .map(|k| {
                let d = walked(
                    cores[k],
                    format!("{}-CORE-{}", self.code, k + 1),
                    self.ip(1 + k as u32),
                    Platform::CiscoNxos,
                    "N9K-C93180YC-FX",
                    if k == 0 { 0 } else { 1 },
                    (k == 1).then_some(cores[0]),
                );
                DeviceResult::bare(d)
            })
            .collect();
        for p in ["Ethernet1/53", "Ethernet1/54"] {
            results[0]
                .links
                .push(Link::new(cores[0], p, cores[1], p, LinkProtocol::Cdp));
        }
        (cores, results)
    }

    /// Distribution pair `pair`, each dual-homed to both cores.
    fn dist_pair(&mut self, pair: usize, cores: [DeviceId; 2]) -> DistPair {
        let ids = [self.alloc(), self.alloc()];
        let mut results = Vec::new();
        for (k, &id) in ids.iter().enumerate() {
            let addr = self.next_ip();
            let name = format!("{}-DIST-{}{}", self.code, pair + 1, ['A', 'B'][k]);
            let mut d = walked(
                id,
                name,
                addr,
                Platform::CiscoXe,
                "C9500-48Y4C",
                1,
                Some(cores[0]),
            );
            d.capabilities = vec!["Router".into(), "Switch".into()];
            let mut r = DeviceResult::bare(d);
            for (c, &core) in cores.iter().enumerate() {
                r.links.push(Link::new(
                    id,
                    format!("TenGigabitEthernet1/0/{}", c + 1),
                    core,
                    format!("Ethernet1/{}", 1 + pair * 2 + k),
                    LinkProtocol::Cdp,
                ));
            }
            results.push(r);
        }
        DistPair { ids, results }
    }

    /// Access switch `a` of pair `pair`: a walked two-member stack with its
    /// ports, VLANs, phones and access points, except the one per site
    /// that refuses our credentials.
    fn access(&mut self, pair: usize, a: usize, dists: &mut DistPair) -> DeviceResult {
        let id = self.alloc();
        let name = format!("{}-ACC-{}{:02}", self.code, pair + 1, a + 1);
        let addr = self.next_ip();
        let n = self.spec.access_per_pair;
        if pair == 0 && a == n.saturating_sub(1) && n > 1 {
            return failed_access(id, name, addr, a, dists);
        }
        let mut d = walked(
            id,
            name,
            addr,
            Platform::CiscoXe,
            "C9300-48P",
            2,
            Some(dists.ids[0]),
        );
        d.capabilities = vec!["Switch".into(), "IGMP".into()];
        let mut r = DeviceResult::bare(d);
        r.stack_members = stack(id, self.index);
        for (k, &dist) in dists.ids.iter().enumerate() {
            r.links.push(Link::new(
                id,
                format!("TenGigabitEthernet1/1/{}", k + 1),
                dist,
                format!("GigabitEthernet1/0/{}", 10 + a),
                LinkProtocol::Lldp,
            ));
        }
        ports_and_vlans(&mut r);
        for ph in 0..self.spec.phones_per_access {
            self.phone(&mut r, ph);
        }
        for ap in 0..self.spec.aps_per_access {
            self.access_point(&mut r, ap);
        }
        r
    }

    /// A `SEP<MAC>` phone on port 20+`ph` of the switch `r` describes.
    fn phone(&mut self, r: &mut DeviceResult, ph: usize) {
        let (id, pid, s) = (r.device.id, self.alloc(), self.index);
        let name = format!("SEP00AA{:02X}{:06X}", s, pid.0);
        let mut p = Device::new(pid, name, DeviceStatus::NeighborOnly);
        p.platform_text = Some("Cisco IP Phone 8845".into());
        p.capabilities = vec!["Host".into(), "Phone".into()];
        p.depth = 3;
        p.parent = Some(id);
        p.via = Some(Via::Cdp);
        p.mgmt_ip = Some(IpAddr::V4(Ipv4Addr::new(
            10,
            100 + s as u8,
            (pid.0 / 250) as u8,
            (pid.0 % 250) as u8 + 1,
        )));
        r.neighbors.push(p);
        let port = format!("GigabitEthernet1/0/{}", 20 + ph);
        r.links
            .push(Link::new(id, port, pid, "Port 1", LinkProtocol::Cdp));
    }

    /// An access point on port 40+`ap` of the switch `r` describes.
    fn access_point(&mut self, r: &mut DeviceResult, ap: usize) {
        let (id, aid) = (r.device.id, self.alloc());
        let name = format!("{}-AP-{:04}", self.code, aid.0);
        let mut p = Device::new(aid, name, DeviceStatus::NeighborOnly);
        p.platform_text = Some("cisco C9120AXI-E".into());
        p.capabilities = vec!["Router".into(), "Trans-Bridge".into()];
        p.depth = 3;
        p.parent = Some(id);
        p.via = Some(Via::Cdp);
        r.neighbors.push(p);
        let port = format!("GigabitEthernet1/0/{}", 40 + ap);
        r.links.push(Link::new(
            id,
            port,
            aid,
            "GigabitEthernet0",
            LinkProtocol::Cdp,
        ));
    }
}

/// A walked switch with the facts every walked device here has.
fn walked(
    id: DeviceId,
    name: String,
    addr: IpAddr,
    platform: Platform,
    model: &str,
    depth: u32,
    parent: Option<DeviceId>,
) -> Device {
    let mut d = Device::new(id, name, DeviceStatus::Walked);
    d.mgmt_ip = Some(addr);
    d.ips.insert(addr);
    d.serial = Some(format!("FOC{:08}", id.0));
    d.platform = Some(platform);
    d.model = Some(model.into());
    let version = if platform == Platform::CiscoNxos {
        "10.3(4a)"
    } else {
        "17.9.4a"
    };
    d.version = Some(version.into());
    d.uptime = Some(format!("{} weeks, 2 days", 10 + id.0 % 40));
    d.method = Some(ConnectionMethod::Ssh);
    d.via = Some(if depth == 0 { Via::Seed } else { Via::Cdp });
    d.depth = depth;
    d.parent = parent;
    d.capabilities = vec!["Router".into(), "Switch".into(), "IGMP".into()];
    d
}

/// The access switch that refused our credentials: known only from its
/// distribution pair, which report the links to it.
fn failed_access(
    id: DeviceId,
    name: String,
    addr: IpAddr,
    a: usize,
    dists: &mut DistPair,
) -> DeviceResult {
    let mut d = Device::new(id, name, DeviceStatus::Failed);
    d.mgmt_ip = Some(addr);
    d.ips.insert(addr);
    d.error_class = Some("auth".into());
    d.reason = Some(
        "authentication failed for user netops (ssh); check the credentials for this device".into(),
    );
    d.platform_text = Some("cisco C9300-48P".into());
    d.capabilities = vec!["Switch".into(), "IGMP".into()];
    d.depth = 2;
    d.parent = Some(dists.ids[0]);
    d.via = Some(Via::Cdp);
    for (k, &dist) in dists.ids.iter().enumerate() {
        dists.results[k].links.push(Link::new(
            dist,
            format!("GigabitEthernet1/0/{}", 10 + a),
            id,
            format!("TenGigabitEthernet1/1/{}", k + 1),
            LinkProtocol::Cdp,
        ));
    }
    DeviceResult::bare(d)
}

/// An access stack's two members: active and standby.
fn stack(id: DeviceId, site: usize) -> Vec<StackMember> {
    let mut m1 = StackMember::new(1);
    m1.role = Some("Active".into());
    m1.serial = Some(format!("FOC{:08}", id.0));
    m1.model = Some("C9300-48P".into());
    m1.mac = Some(format!("00aa.bb{:02x}.{:04x}", site, id.0));
    m1.priority = Some(15);
    m1.version = Some("17.9.4a".into());
    m1.state = Some("Ready".into());
    let mut m2 = m1.clone();
    m2.switch = 2;
    m2.role = Some("Standby".into());
    m2.serial = Some(format!("FOC{:08}B", id.0));
    m2.priority = Some(14);
    vec![m1, m2]
}

/// Eight access ports (every third not connected) in VLANs 10 and 20, and
/// the default VLAN with no ports.
fn ports_and_vlans(r: &mut DeviceResult) {
    let mut ports = Vec::new();
    for port in 1..=8 {
        let mut i = Interface::new(format!("GigabitEthernet1/0/{port}"));
        let status = if port % 3 == 0 {
            "notconnect"
        } else {
            "connected"
        };
        i.status = Some(status.into());
        i.vlan = Some("10".into());
        r.interfaces.push(i);
        ports.push(format!("Gi1/0/{port}"));
    }
    let vlan = |id, name: &str, ports, port_channels| Vlan {
        id,
        name: name.into(),
        ports,
        port_channels,
    };
    r.vlans = vec![
        vlan(1, "default", vec![], vec![]),
        vlan(10, "users", ports.clone(), vec!["Po1".into()]),
        vlan(20, "voice", ports, vec![]),
    ];
}
