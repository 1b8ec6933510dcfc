//! A snapshot reads one state of the store while a walk keeps committing:
//! the interleaving is driven by the test (a commit between two reads of one
//! snapshot), not by timing.

use netwalker::model::*;
use netwalker::store::{StoreReader, StoreWriter};

#[path = "common/backends.rs"]
mod backends;
use std::collections::BTreeSet;

/// A walked switch `id` that saw switch `peer` on its uplink.
fn walked_with_peer(id: i64, peer: i64) -> DeviceResult {
    let mut r = DeviceResult::bare(Device::new(
        DeviceId(id),
        format!("sw{id}"),
        DeviceStatus::Walked,
    ));
    let mut n = Device::new(
        DeviceId(peer),
        format!("sw{peer}"),
        DeviceStatus::NeighborOnly,
    );
    n.parent = Some(DeviceId(id));
    n.ips.insert(format!("127.0.9.{peer}").parse().unwrap());
    r.neighbors = vec![n];
    r.links = vec![Link::new(
        DeviceId(id),
        "GigabitEthernet1/0/1",
        DeviceId(peer),
        "GigabitEthernet1/0/2",
        LinkProtocol::Cdp,
    )];
    r
}

fn ids(devices: &[Device]) -> BTreeSet<DeviceId> {
    devices.iter().map(|d| d.id).collect()
}

#[test]
fn a_snapshot_keeps_one_state_while_the_writer_commits_between_its_reads() {
    for store in backends::stores() {
        eprintln!("backend: {}", store.name);
        let mut writer = StoreWriter::open(&store.location).unwrap();
        writer.commit_device(&walked_with_peer(1, 2)).unwrap();

        let reader = StoreReader::open(&store.location).unwrap();
        let snap = reader.snapshot().unwrap();
        let devices = snap.devices().unwrap();
        assert_eq!(ids(&devices).len(), 2);

        // The walk goes on: new devices, and links to them, committed between
        // the snapshot's device read and its link read.
        writer.commit_device(&walked_with_peer(2, 3)).unwrap();
        writer.commit_device(&walked_with_peer(3, 4)).unwrap();

        let links = snap.links().unwrap();
        assert_eq!(links.len(), 1, "{links:?}");
        for l in &links {
            assert!(
                ids(&devices).contains(&l.a) && ids(&devices).contains(&l.b),
                "link {l:?} names a device the snapshot's device list lacks"
            );
        }
        // Whole-store reads taken inside the snapshot read through it.
        let report = netwalker::snapshot::Snapshot::read(&snap).unwrap();
        assert_eq!((report.devices.len(), report.links.len()), (2, 1));
        let inv = snap.export_inventory().unwrap();
        assert_eq!((inv.devices.len(), inv.links.len()), (2, 1));
        assert_eq!(
            snap.device(DeviceId(2)).unwrap().unwrap().status,
            DeviceStatus::NeighborOnly
        );

        // Once it ends, the reader sees the walk's progress.
        drop(snap);
        assert_eq!(reader.devices().unwrap().len(), 4);
        assert_eq!(reader.links().unwrap().len(), 3);
        let snap = reader.snapshot().unwrap();
        assert_eq!(snap.export_inventory().unwrap().links.len(), 3);
    }
}

#[test]
fn a_snapshot_does_not_block_the_writer_and_single_device_reads_are_unchanged() {
    for mut writer in backends::writers() {
        eprintln!("backend: {}", writer.name);
        let mut r = walked_with_peer(1, 2);
        r.interfaces = vec![Interface::new("GigabitEthernet1/0/1")];
        r.stack_members = vec![StackMember::new(1), StackMember::new(2)];
        r.vlans = vec![Vlan {
            id: 10,
            name: "DATA".into(),
            ports: vec!["GigabitEthernet1/0/1".into()],
            port_channels: vec![],
        }];
        writer.commit_device(&r).unwrap();
        let read = writer.w.read();
        let snap = read.snapshot().unwrap();
        assert_eq!(snap.interfaces(DeviceId(1)).unwrap(), r.interfaces);
        assert_eq!(snap.stack_members(DeviceId(1)).unwrap(), r.stack_members);
        assert_eq!(snap.vlans(DeviceId(1)).unwrap(), r.vlans);
        assert!(snap.vlans(DeviceId(2)).unwrap().is_empty());
        assert_eq!(snap.all_vlans().unwrap().len(), 1);
        assert_eq!(snap.all_stack_members().unwrap()[&DeviceId(1)].len(), 2);
        assert_eq!(snap.all_interfaces().unwrap().len(), 1);
        drop(snap);
        // The writer's connection is out of the read transaction again.
        writer.commit_device(&walked_with_peer(2, 3)).unwrap();
        assert_eq!(writer.read().devices().unwrap().len(), 3);
    }
}
