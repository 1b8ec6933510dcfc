//! `store`: what the inventory store costs a walk: identity sightings,
//! per-device commits, the batched commits the store worker makes while
//! draining a backlog, the inventory export and the identity rebuild that
//! `--resume` does, over a synthetic ring of devices (48 interfaces, 10
//! VLANs, 2 neighbours and 2 links each, every link reported from both
//! sides). The baseline in the same run is the per-device commit: the
//! batched figure must beat it, and both must leave the engine's walk budget
//! (10,000 devices in 10 s) to the network.

use crate::common::Report;
use anyhow::{Context, Result, ensure};
use netwalker::identity::{Identifiers, IdentityIndex};
use netwalker::model::*;
use netwalker::store::StoreWriter;
use std::net::IpAddr;
use std::time::Instant;

/// One device of a ring of `n`: its two neighbours and both links.
fn result(id: i64, n: i64) -> DeviceResult {
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
    for n in [id % n + 1, (id + n - 2) % n + 1] {
        let mut p = Device::new(DeviceId(n), format!("sw{n}"), DeviceStatus::NeighborOnly);
        p.mgmt_ip = Some(addr(n));
        p.parent = Some(DeviceId(id));
        p.depth = 2;
        r.neighbors.push(p);
    }
    r.links.push(Link::new(
        DeviceId(id),
        "Te1/1/1",
        DeviceId(id % n + 1),
        "Te1/1/2",
        LinkProtocol::Cdp,
    ));
    r.links.push(Link::new(
        DeviceId(id),
        "TenGigabitEthernet1/1/2",
        DeviceId((id + n - 2) % n + 1),
        "TenGigabitEthernet1/1/1",
        LinkProtocol::Lldp,
    ));
    r
}

pub fn run(devices: usize) -> Result<Report> {
    let n = devices as i64;
    let dir = tempfile::tempdir()?;
    let results: Vec<DeviceResult> = (1..=n).map(|id| result(id, n)).collect();
    let mut r = Report::new("store");
    r.note(format!(
        "{n} devices x (48 interfaces, 10 VLANs, 2 neighbours, 2 links), SQLite WAL in a temporary directory"
    ));

    let t = Instant::now();
    let idx = observe_all(&results);
    let identity = t.elapsed().as_secs_f64();
    ensure!(
        idx.len() as i64 == n,
        "identity index has {} devices, expected {n}",
        idx.len()
    );
    r.add(
        "identity.sightings_per_s",
        (n * 3) as f64 / identity,
        "sightings/s",
    );

    let path = dir.path().join("bench.db");
    let mut s = StoreWriter::open(&path).context("opening the store")?;
    let run = s.start_run(&serde_json::json!({"bench": true}))?;
    let t = Instant::now();
    for d in &results {
        s.commit_device(d)?;
    }
    let single = n as f64 / t.elapsed().as_secs_f64();
    s.finish_run(run, &s.read().status_counts()?)?;
    r.add("commit_device.devices_per_s", single, "devices/s");

    let t = Instant::now();
    let inv = s.read().export_inventory()?;
    r.add("export_inventory.secs", t.elapsed().as_secs_f64(), "s");
    ensure!(
        inv.devices.len() as i64 == n,
        "exported {} devices",
        inv.devices.len()
    );
    ensure!(
        inv.links.len() as i64 == n,
        "exported {} links, expected one per physical link",
        inv.links.len()
    );
    ensure!(
        inv.links.iter().all(|l| l.protocols.len() == 2),
        "a link lost a protocol"
    );

    let t = Instant::now();
    let rebuilt = s.read().identity_index()?;
    r.add("identity_rebuild.secs", t.elapsed().as_secs_f64(), "s");
    ensure!(
        rebuilt.len() as i64 == n,
        "rebuilt identity index has {} devices",
        rebuilt.len()
    );

    // The same work committed in batches of 32, as the store worker does
    // while draining a backlog.
    let mut s2 = StoreWriter::open(dir.path().join("batched.db"))?;
    let t = Instant::now();
    for chunk in results.chunks(32) {
        ensure!(
            s2.commit_devices(chunk)?.is_empty(),
            "a batched commit failed"
        );
    }
    let batched = n as f64 / t.elapsed().as_secs_f64();
    ensure!(
        s2.read().export_inventory()? == inv,
        "batched commits stored a different inventory"
    );
    r.add("commit_devices_32.devices_per_s", batched, "devices/s")
        .target(1000.0, false);
    r.add("ratio.batched_vs_single", batched / single, "x")
        .target(1.0, false);

    let wal = std::fs::metadata(dir.path().join("bench.db-wal")).map_or(0, |m| m.len());
    let size = std::fs::metadata(&path)?.len() + wal;
    r.add("file_size", size as f64 / 1024.0, "KiB");
    Ok(r)
}

/// Every device's and neighbour's identifiers into one index, as the
/// engine does while walking.
fn observe_all(results: &[DeviceResult]) -> IdentityIndex {
    let mut idx = IdentityIndex::new();
    for r in results {
        let d = &r.device;
        let mut ids = Identifiers::new()
            .hostname(d.hostname.clone())
            .ips(d.ips.iter().copied());
        if let Some(serial) = d.serial.clone() {
            ids = ids.serial(serial);
        }
        idx.observe(&ids);
        for nb in &r.neighbors {
            idx.observe(
                &Identifiers::new()
                    .hostname(nb.hostname.clone())
                    .ips(nb.mgmt_ip),
            );
        }
    }
    idx
}
