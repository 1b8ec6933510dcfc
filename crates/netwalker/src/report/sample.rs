//! A synthetic campus inventory written straight into a store.
//!
//! Reports and diagrams read only the store, so they can be tried, tested and
//! demonstrated at any size (the 1,000-device readability check, the Chromium
//! interop suite) without running a walk. The shape is a textbook campus per
//! site: a core pair joined by two parallel links, distribution pairs, access
//! stacks dual-homed to their pair, phones and access points below, and one
//! access switch per site that failed authentication.

use crate::model::*;
use crate::store::{StoreError, StoreWriter};
use device_parsers::Platform;
use std::net::{IpAddr, Ipv4Addr};

/// Size of the synthetic campus.
#[derive(Debug, Clone, Copy)]
pub struct CampusSpec {
    pub sites: usize,
    pub dist_pairs_per_site: usize,
    pub access_per_pair: usize,
    pub phones_per_access: usize,
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
    let run = store.start_run(&serde_json::json!({"seeds": (0..spec.sites).map(|s| format!("{}-CORE-1", site_code(s))).collect::<Vec<_>>(), "source": "sample campus"}))?;
    let mut next = 0i64;
    let mut alloc = || {
        next += 1;
        DeviceId(next)
    };
    let mut count = 0usize;
    for s in 0..spec.sites {
        let code = site_code(s);
        let ip = |host: u32| {
            IpAddr::V4(Ipv4Addr::from(
                u32::from(Ipv4Addr::new(10, s as u8, 0, 0)) + host,
            ))
        };
        let walked = |id: DeviceId,
                      name: String,
                      addr: IpAddr,
                      platform: Platform,
                      model: &str,
                      depth: u32,
                      parent: Option<DeviceId>| {
            let mut d = Device::new(id, name, DeviceStatus::Walked);
            d.mgmt_ip = Some(addr);
            d.ips.insert(addr);
            d.serial = Some(format!("FOC{:08}", id.0));
            d.platform = Some(platform);
            d.model = Some(model.into());
            d.version = Some(
                if platform == Platform::CiscoNxos {
                    "10.3(4a)"
                } else {
                    "17.9.4a"
                }
                .into(),
            );
            d.uptime = Some(format!("{} weeks, 2 days", 10 + id.0 % 40));
            d.method = Some(ConnectionMethod::Ssh);
            d.via = Some(if depth == 0 { Via::Seed } else { Via::Cdp });
            d.depth = depth;
            d.parent = parent;
            d.capabilities = vec!["Router".into(), "Switch".into(), "IGMP".into()];
            d
        };
        let cores = [alloc(), alloc()];
        let mut core_results: Vec<DeviceResult> = cores
            .iter()
            .enumerate()
            .map(|(k, &id)| {
                let d = walked(
                    id,
                    format!("{code}-CORE-{}", k + 1),
                    ip(1 + k as u32),
                    Platform::CiscoNxos,
                    "N9K-C93180YC-FX",
                    if k == 0 { 0 } else { 1 },
                    (k == 1).then_some(cores[0]),
                );
                DeviceResult::bare(d)
            })
            .collect();
        for p in ["Ethernet1/53", "Ethernet1/54"] {
            core_results[0]
                .links
                .push(Link::new(cores[0], p, cores[1], p, LinkProtocol::Cdp));
        }
        let mut results: Vec<DeviceResult> = Vec::new();
        let mut host = 10u32;
        for pair in 0..spec.dist_pairs_per_site {
            let dists = [alloc(), alloc()];
            let mut dist_results: Vec<DeviceResult> = Vec::new();
            for (k, &id) in dists.iter().enumerate() {
                let mut d = walked(
                    id,
                    format!("{code}-DIST-{}{}", pair + 1, ['A', 'B'][k]),
                    ip(host),
                    Platform::CiscoXe,
                    "C9500-48Y4C",
                    1,
                    Some(cores[0]),
                );
                d.capabilities = vec!["Router".into(), "Switch".into()];
                host += 1;
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
                dist_results.push(r);
            }
            for a in 0..spec.access_per_pair {
                let id = alloc();
                let name = format!("{code}-ACC-{}{:02}", pair + 1, a + 1);
                let addr = ip(host);
                host += 1;
                // One access switch per site refuses our credentials.
                if pair == 0
                    && a == spec.access_per_pair.saturating_sub(1)
                    && spec.access_per_pair > 1
                {
                    let mut d = Device::new(id, name, DeviceStatus::Failed);
                    d.mgmt_ip = Some(addr);
                    d.ips.insert(addr);
                    d.error_class = Some("auth".into());
                    d.reason = Some("authentication failed for user netops (ssh); check the credentials for this device".into());
                    d.platform_text = Some("cisco C9300-48P".into());
                    d.capabilities = vec!["Switch".into(), "IGMP".into()];
                    d.depth = 2;
                    d.parent = Some(dists[0]);
                    d.via = Some(Via::Cdp);
                    results.push(DeviceResult::bare(d));
                    for (k, &dist) in dists.iter().enumerate() {
                        dist_results[k].links.push(Link::new(
                            dist,
                            format!("GigabitEthernet1/0/{}", 10 + a),
                            id,
                            format!("TenGigabitEthernet1/1/{}", k + 1),
                            LinkProtocol::Cdp,
                        ));
                    }
                    continue;
                }
                let mut d = walked(
                    id,
                    name.clone(),
                    addr,
                    Platform::CiscoXe,
                    "C9300-48P",
                    2,
                    Some(dists[0]),
                );
                d.capabilities = vec!["Switch".into(), "IGMP".into()];
                let mut r = DeviceResult::bare(d);
                let mut m1 = StackMember::new(1);
                m1.role = Some("Active".into());
                m1.serial = Some(format!("FOC{:08}", id.0));
                m1.model = Some("C9300-48P".into());
                m1.mac = Some(format!("00aa.bb{:02x}.{:04x}", s, id.0));
                m1.priority = Some(15);
                m1.version = Some("17.9.4a".into());
                m1.state = Some("Ready".into());
                let mut m2 = m1.clone();
                m2.switch = 2;
                m2.role = Some("Standby".into());
                m2.serial = Some(format!("FOC{:08}B", id.0));
                m2.priority = Some(14);
                r.stack_members = vec![m1, m2];
                for (k, &dist) in dists.iter().enumerate() {
                    r.links.push(Link::new(
                        id,
                        format!("TenGigabitEthernet1/1/{}", k + 1),
                        dist,
                        format!("GigabitEthernet1/0/{}", 10 + a),
                        LinkProtocol::Lldp,
                    ));
                }
                let mut ports = Vec::new();
                for port in 1..=8 {
                    let mut i = Interface::new(format!("GigabitEthernet1/0/{port}"));
                    i.status = Some(
                        if port % 3 == 0 {
                            "notconnect"
                        } else {
                            "connected"
                        }
                        .into(),
                    );
                    i.vlan = Some("10".into());
                    r.interfaces.push(i);
                    ports.push(format!("Gi1/0/{port}"));
                }
                r.vlans = vec![
                    Vlan {
                        id: 1,
                        name: "default".into(),
                        ports: vec![],
                        port_channels: vec![],
                    },
                    Vlan {
                        id: 10,
                        name: "users".into(),
                        ports: ports.clone(),
                        port_channels: vec!["Po1".into()],
                    },
                    Vlan {
                        id: 20,
                        name: "voice".into(),
                        ports,
                        port_channels: vec![],
                    },
                ];
                for ph in 0..spec.phones_per_access {
                    let pid = alloc();
                    let mut p = Device::new(
                        pid,
                        format!("SEP00AA{:02X}{:06X}", s, pid.0),
                        DeviceStatus::NeighborOnly,
                    );
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
                    r.links.push(Link::new(
                        id,
                        format!("GigabitEthernet1/0/{}", 20 + ph),
                        pid,
                        "Port 1",
                        LinkProtocol::Cdp,
                    ));
                }
                for ap in 0..spec.aps_per_access {
                    let aid = alloc();
                    let mut p = Device::new(
                        aid,
                        format!("{code}-AP-{:04}", aid.0),
                        DeviceStatus::NeighborOnly,
                    );
                    p.platform_text = Some("cisco C9120AXI-E".into());
                    p.capabilities = vec!["Router".into(), "Trans-Bridge".into()];
                    p.depth = 3;
                    p.parent = Some(id);
                    p.via = Some(Via::Cdp);
                    r.neighbors.push(p);
                    r.links.push(Link::new(
                        id,
                        format!("GigabitEthernet1/0/{}", 40 + ap),
                        aid,
                        "GigabitEthernet0",
                        LinkProtocol::Cdp,
                    ));
                }
                results.push(r);
            }
            results.extend(dist_results);
        }
        // Placeholders first so every link endpoint exists when its
        // reporter commits, as in a walk.
        let all: Vec<Device> = core_results
            .iter()
            .chain(results.iter())
            .map(|r| {
                let mut d = r.device.clone();
                d.status = DeviceStatus::NeighborOnly;
                d
            })
            .collect();
        store.record_placeholders(&all)?;
        for r in core_results.iter().chain(results.iter()) {
            count += 1 + r.neighbors.len();
            store.commit_device(r)?;
        }
    }
    let counts = store.read().status_counts()?;
    store.finish_run(run, &counts)?;
    Ok(count)
}
