//! Store throughput at the scale (1,000 devices), so the engine's
//! 5-second walk budget can be checked against what the store costs.
//! Run: `cargo test -p netwalker --test store_bench -- --ignored --nocapture`

use netwalker::identity::{Identifiers, IdentityIndex};
use netwalker::model::*;
use netwalker::store::StoreWriter;
use std::net::IpAddr;
use std::time::Instant;

const DEVICES: i64 = 1_000;

fn result(id: i64) -> DeviceResult {
    let addr = |i: i64| IpAddr::from([10, (i >> 16) as u8, (i >> 8) as u8, i as u8]);
    let mut d = Device::new(DeviceId(id), format!("sw{id}"), DeviceStatus::Walked);
    d.mgmt_ip = Some(addr(id));
    d.ips.insert(addr(id));
    d.serial = Some(format!("FOC{id:08}"));
    d.version = Some("17.9.4".into());
    d.depth = 1;
    let mut r = DeviceResult::bare(d);
    r.interfaces = (1..=48)
        .map(|p| {
            let mut i = Interface::new(format!("GigabitEthernet1/0/{p}"));
            i.status = Some("connected".into());
            i.vlan = Some("10".into());
            i
        })
        .collect();
    r.vlans = (1..=10)
        .map(|v| Vlan {
            id: v,
            name: format!("vlan{v}"),
            ports: vec!["Gi1/0/1".into(), "Gi1/0/2".into()],
            port_channels: vec![],
        })
        .collect();
    let mut m = StackMember::new(1);
    m.serial = Some(format!("FOC{id:08}"));
    r.stack_members = vec![m];
    // A ring: each device sees its two neighbours, so every link is reported
    // from both sides and must collapse to one row.
    for n in [id % DEVICES + 1, (id + DEVICES - 2) % DEVICES + 1] {
        let mut p = Device::new(DeviceId(n), format!("sw{n}"), DeviceStatus::NeighborOnly);
        p.mgmt_ip = Some(addr(n));
        p.parent = Some(DeviceId(id));
        p.depth = 2;
        r.neighbors.push(p);
    }
    r.links.push(Link::new(
        DeviceId(id),
        "Te1/1/1",
        DeviceId(id % DEVICES + 1),
        "Te1/1/2",
        LinkProtocol::Cdp,
    ));
    r.links.push(Link::new(
        DeviceId(id),
        "TenGigabitEthernet1/1/2",
        DeviceId((id + DEVICES - 2) % DEVICES + 1),
        "TenGigabitEthernet1/1/1",
        LinkProtocol::Lldp,
    ));
    r
}

#[test]
#[ignore = "benchmark; run with --ignored --nocapture"]
fn store_throughput_1000_devices() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("bench.db");
    let mut s = StoreWriter::open(&path).unwrap();
    let results: Vec<DeviceResult> = (1..=DEVICES).map(result).collect();

    let mut idx = IdentityIndex::new();
    let t = Instant::now();
    for r in &results {
        let d = &r.device;
        let ids = Identifiers::new()
            .hostname(d.hostname.clone())
            .serial(d.serial.clone().unwrap())
            .ips(d.ips.iter().copied());
        idx.observe(&ids);
        for n in &r.neighbors {
            idx.observe(
                &Identifiers::new()
                    .hostname(n.hostname.clone())
                    .ips(n.mgmt_ip),
            );
        }
    }
    let identity = t.elapsed();
    assert_eq!(idx.len() as i64, DEVICES);

    let run = s.start_run(&serde_json::json!({"bench": true})).unwrap();
    let t = Instant::now();
    for r in &results {
        s.commit_device(r).unwrap();
    }
    let commit = t.elapsed();
    s.finish_run(run, &s.read().status_counts().unwrap())
        .unwrap();

    let t = Instant::now();
    let inv = s.read().export_inventory().unwrap();
    let export = t.elapsed();
    assert_eq!(inv.devices.len() as i64, DEVICES);
    assert_eq!(inv.links.len() as i64, DEVICES, "one row per physical link");
    assert!(inv.links.iter().all(|l| l.protocols.len() == 2));

    let t = Instant::now();
    let rebuilt = s.read().identity_index().unwrap();
    let rebuild = t.elapsed();
    assert_eq!(rebuilt.len() as i64, DEVICES);

    // The same work committed in batches of 32, as a writer task draining a
    // backlog would.
    let path2 = dir.path().join("batched.db");
    let mut s2 = StoreWriter::open(&path2).unwrap();
    let t = Instant::now();
    for chunk in results.chunks(32) {
        assert!(s2.commit_devices(chunk).unwrap().is_empty());
    }
    let batched = t.elapsed();
    assert_eq!(s2.read().export_inventory().unwrap(), inv);

    let size = std::fs::metadata(&path).unwrap().len()
        + std::fs::metadata(dir.path().join("bench.db-wal"))
            .map(|m| m.len())
            .unwrap_or(0);
    println!(
        "store bench, {DEVICES} devices x (48 interfaces, 10 VLANs, 2 neighbours, 2 links):\n  \
         identity observe: {identity:?} ({:.0} sightings/s)\n  \
         commit_device:    {commit:?} ({:.0} devices/s)\n  \
         commit_devices/32: {batched:?} ({:.0} devices/s)\n  \
         export_inventory: {export:?}\n  \
         identity rebuild: {rebuild:?}\n  \
         file size:        {} KiB",
        (DEVICES * 3) as f64 / identity.as_secs_f64(),
        DEVICES as f64 / commit.as_secs_f64(),
        DEVICES as f64 / batched.as_secs_f64(),
        size / 1024
    );
}
