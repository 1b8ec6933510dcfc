//! A walk of a netsim lab with end hosts stores, for every host, a
//! sighting on its own edge port (not a trunk) and its address; uplinks
//! carry sightings marked as trunks; `endhosts: false` (`--no-endhosts`)
//! asks nothing of the kind. Over what the walk stored, the edge-port rule
//! (`locate`) puts every host on exactly one edge port where the truth
//! does, and reports the truth's ambiguous ones with their candidates.

use device_session::{Credentials, HostKeyPolicy, OpenOptions, Timeouts};
use netsim::{GenerateOptions, Lab, LabConfig};
use netwalker::engine::{self, SeedTarget, WalkOptions, WalkProgress};
use netwalker::filter::Filter;
use netwalker::identity::IdentityIndex;
use netwalker::locate::{Location, Network, Ports, locate};
use netwalker::model::{DeviceId, DeviceStatus, MacAddr};
use netwalker::store::{StoreWorker, StoreWriter};
use std::collections::HashMap;
use std::net::IpAddr;
use std::time::{Duration, Instant};
use tokio_util::sync::CancellationToken;

const SSH_PORT: u16 = 5322;
const TELNET_PORT: u16 = 5323;

fn options(endhosts: bool) -> WalkOptions {
    WalkOptions {
        ssh_port: SSH_PORT,
        telnet_port: TELNET_PORT,
        concurrency: 32,
        credentials: vec![
            Credentials::password("admin", "admin")
                .with_enable_secret("admin")
                .into(),
        ],
        session: OpenOptions {
            host_key_policy: HostKeyPolicy::Off,
            timeouts: Timeouts {
                connect: Duration::from_secs(2),
                banner: Duration::from_secs(2),
                auth: Duration::from_secs(2),
                prompt: Duration::from_secs(2),
                command: Duration::from_secs(5),
                goodbye: Duration::from_secs(1),
            },
            ..OpenOptions::default()
        },
        device_timeout: Duration::from_secs(30),
        endhosts,
        ..WalkOptions::default()
    }
}

/// Walks `lab` from core1 into a fresh in-memory store.
async fn walk(topo: &netsim::Topology, endhosts: bool) -> (StoreWriter, Duration) {
    let worker = StoreWorker::spawn(StoreWriter::open_in_memory().unwrap(), 256).unwrap();
    let (tx, _rx) = tokio::sync::watch::channel(WalkProgress::default());
    let t0 = Instant::now();
    let summary = engine::walk(
        vec![SeedTarget {
            name: Some("core1".into()),
            ip: topo.device("core1").unwrap().mgmt_ip.into(),
        }],
        IdentityIndex::new(),
        HashMap::new(),
        Filter::new(&engine::default_filter_config()).unwrap(),
        worker.sender(),
        options(endhosts),
        CancellationToken::new(),
        tx,
    )
    .await
    .unwrap();
    let took = t0.elapsed();
    assert!(summary.counts.walked > 50, "{:?}", summary.counts);
    assert_eq!(
        summary.devices_with_warnings, 0,
        "every end-host command answered"
    );
    (worker.shutdown().await.unwrap(), took)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_walk_stores_every_host_on_its_edge_port() {
    let topo = netsim::generate(&GenerateOptions {
        devices: 120,
        seed: 5,
        base_ip: "127.71.0.1".parse().unwrap(),
        endhosts_per_access: 6,
        ..GenerateOptions::default()
    });
    let truth = netsim::truth(&topo);
    let lab = Lab::start(
        topo.clone(),
        LabConfig {
            ssh_port: SSH_PORT,
            telnet_port: TELNET_PORT,
            ..LabConfig::default()
        },
    )
    .await
    .unwrap();
    let (with, took_with) = walk(&topo, true).await;
    let (without, took_without) = walk(&topo, false).await;
    lab.shutdown(Duration::from_secs(2)).await;
    eprintln!("walk with end hosts {took_with:?}, without {took_without:?}");

    let r = with.read();
    let ids: HashMap<String, DeviceId> = r
        .devices()
        .unwrap()
        .into_iter()
        .filter(|d| d.status == DeviceStatus::Walked)
        .map(|d| (d.hostname, d.id))
        .collect();
    let mut on_trunks = 0;
    for h in &truth.endhosts {
        let mac: MacAddr = device_parsers::parse_mac(&h.mac).unwrap();
        let seen = r.mac_sightings(mac).unwrap();
        let edge = seen
            .iter()
            .find(|s| Some(&s.device) == ids.get(&h.switch) && s.port == h.port)
            .unwrap_or_else(|| panic!("{h:?} not on its port: {seen:?}"));
        assert_eq!(edge.vlan, Some(h.vlan));
        assert!(!edge.trunk, "{h:?}");
        on_trunks += seen.iter().filter(|s| s.trunk).count();
        let ips: Vec<IpAddr> = r.ips_of_mac(mac).unwrap().iter().map(|p| p.ip).collect();
        assert!(ips.contains(&IpAddr::V4(h.ip)), "{h:?}: {ips:?}");
        if let Some(v6) = h.ipv6 {
            assert!(ips.contains(&IpAddr::V6(v6)), "{h:?}: {ips:?}");
        }
    }
    assert!(
        on_trunks > truth.endhosts.len(),
        "uplinks carry the hosts' MACs"
    );
    locate_every_host(&with, &truth, &ids);

    let r = without.read();
    for h in truth.endhosts.iter().take(20) {
        let mac = device_parsers::parse_mac(&h.mac).unwrap();
        assert!(r.mac_sightings(mac).unwrap().is_empty());
        assert!(r.ips_of_mac(mac).unwrap().is_empty());
    }
}

/// The edge-port rule over the stored walk agrees with the truth.
fn locate_every_host(w: &StoreWriter, truth: &netsim::Truth, ids: &HashMap<String, DeviceId>) {
    let r = w.read();
    let devices = r.devices().unwrap();
    let links = r.links().unwrap();
    let sightings: Vec<_> = ids
        .values()
        .flat_map(|&id| r.device_mac_sightings(id).unwrap())
        .collect();
    let ports = Ports::find(Network {
        devices: &devices,
        links: &links,
        sightings: &sightings,
        switch_macs: &HashMap::new(),
        bundles: &[],
    });
    let (mut located, mut ambiguous) = (0, 0);
    for h in &truth.endhosts {
        let mac = device_parsers::parse_mac(&h.mac).unwrap();
        let at = |d: DeviceId, p: &str| (d, p.to_string());
        match locate(&r.mac_sightings(mac).unwrap(), &ports, 0) {
            Location::Port(c) if h.candidates.is_empty() => {
                assert_eq!(at(c.device, &c.port), at(ids[&h.switch], &h.port), "{h:?}");
                located += 1;
            }
            Location::Ambiguous { candidates, .. } if !h.candidates.is_empty() => {
                let mut got: Vec<_> = candidates.iter().map(|c| at(c.device, &c.port)).collect();
                let mut want: Vec<_> = h
                    .candidates
                    .iter()
                    .map(|c| at(ids[&c.switch], &c.port))
                    .collect();
                got.sort();
                want.sort();
                assert_eq!(got, want, "{h:?}");
                ambiguous += 1;
            }
            other => panic!("{h:?} located as {other:?}"),
        }
    }
    assert!(
        located > 100 && ambiguous >= 1,
        "{located} located, {ambiguous} ambiguous"
    );
}
