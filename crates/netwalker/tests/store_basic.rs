//! Store behaviour: one transaction per device, one row per physical link,
//! placeholders never downgrade walked devices, merges, reads and export.

use device_parsers::Platform;
use netwalker::model::*;
use netwalker::store::{StoreError, StoreReader, StoreWriter};

#[path = "common/backends.rs"]
mod backends;
use std::collections::BTreeSet;
use std::net::IpAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicI64, Ordering};

fn ip(s: &str) -> IpAddr {
    s.parse().unwrap()
}

fn walked(id: i64, name: &str, addr: &str) -> Device {
    let mut d = Device::new(DeviceId(id), name, DeviceStatus::Walked);
    d.mgmt_ip = Some(ip(addr));
    d.ips.insert(ip(addr));
    d.serial = Some(format!("SER{id}"));
    d.platform = Some(Platform::CiscoXe);
    d.model = Some("C9300-48P".into());
    d.version = Some("17.9.4".into());
    d.method = Some(ConnectionMethod::Ssh);
    d
}

fn neighbor(id: i64, name: &str, parent: i64, depth: u32) -> Device {
    let mut d = Device::new(DeviceId(id), name, DeviceStatus::NeighborOnly);
    d.parent = Some(DeviceId(parent));
    d.depth = depth;
    d.via = Some(Via::Cdp);
    d
}

fn result(device: Device) -> DeviceResult {
    DeviceResult::bare(device)
}

/// A clock the test can move.
fn test_clock(start: i64) -> (Arc<AtomicI64>, netwalker::store::Clock) {
    let t = Arc::new(AtomicI64::new(start));
    let t2 = t.clone();
    (t, Arc::new(move || t2.load(Ordering::SeqCst)))
}

#[test]
fn device_result_round_trips() {
    for mut s in backends::writers() {
        eprintln!("backend: {}", s.name);
        let mut core = walked(1, "core1", "10.0.0.1");
        core.ips.insert(ip("10.0.1.1"));
        core.aliases.insert("core1-old".into());
        core.capabilities = vec!["Router".into(), "Switch".into()];
        let mut r = result(core.clone());
        let mut gi = Interface::new("GigabitEthernet1/0/1");
        gi.status = Some("connected".into());
        gi.kind = Some("10/100/1000BaseTX".into());
        r.interfaces = vec![gi.clone(), Interface::new("Vlan10")];
        let mut m = StackMember::new(1);
        m.role = Some("Active".into());
        m.serial = Some("FOC1".into());
        r.stack_members = vec![m.clone(), StackMember::new(2)];
        r.vlans = vec![Vlan {
            id: 10,
            name: "users".into(),
            ports: vec!["Gi1/0/1".into()],
            port_channels: vec!["Po1".into()],
        }];
        r.neighbors = vec![neighbor(2, "acc1", 1, 1)];
        r.links = vec![Link::new(
            DeviceId(1),
            "Gi1/0/1",
            DeviceId(2),
            "Gi0/1",
            LinkProtocol::Cdp,
        )];
        s.commit_device(&r).unwrap();

        let read = s.read();
        let got = read.device(DeviceId(1)).unwrap().unwrap();
        assert_eq!(got.hostname, "core1");
        assert_eq!(got.ips, BTreeSet::from([ip("10.0.0.1"), ip("10.0.1.1")]));
        assert_eq!(got.aliases, BTreeSet::from(["core1-old".to_string()]));
        assert_eq!(got.platform, Some(Platform::CiscoXe));
        assert_eq!(got.capabilities, core.capabilities);
        assert_eq!(got.status, DeviceStatus::Walked);
        assert_eq!(read.interfaces(DeviceId(1)).unwrap()[0], gi);
        assert_eq!(read.interfaces(DeviceId(1)).unwrap().len(), 2);
        assert_eq!(read.stack_members(DeviceId(1)).unwrap()[0], m);
        assert_eq!(read.vlans(DeviceId(1)).unwrap()[0].port_channels, ["Po1"]);
        let n = read.device(DeviceId(2)).unwrap().unwrap();
        assert_eq!(n.status, DeviceStatus::NeighborOnly);
        assert_eq!(n.parent, Some(DeviceId(1)));
        let links = read.links().unwrap();
        assert_eq!(links.len(), 1);
        assert_eq!(links[0].a_interface, "GigabitEthernet1/0/1");
        // A device's links, from either end; none of a device without.
        assert_eq!(read.links_of(DeviceId(1)).unwrap(), links);
        assert_eq!(read.links_of(DeviceId(2)).unwrap(), links);
        assert!(read.links_of(DeviceId(3)).unwrap().is_empty());
        assert_eq!(read.devices().unwrap().len(), 2);
    }
}

#[test]
fn a_link_seen_from_both_sides_is_one_row_with_both_protocols() {
    for mut s in backends::writers() {
        eprintln!("backend: {}", s.name);
        let mut a = result(walked(1, "a", "10.0.0.1"));
        a.neighbors = vec![neighbor(2, "b", 1, 1)];
        a.links = vec![Link::new(
            DeviceId(1),
            "Gi1/0/1",
            DeviceId(2),
            "TenGigabitEthernet1/1",
            LinkProtocol::Cdp,
        )];
        s.commit_device(&a).unwrap();
        let mut b = result(walked(2, "b", "10.0.0.2"));
        b.neighbors = vec![neighbor(1, "a", 2, 1)];
        b.links = vec![
            Link::new(
                DeviceId(2),
                "Te1/1",
                DeviceId(1),
                "GigabitEthernet1/0/1",
                LinkProtocol::Lldp,
            ),
            // Same view again (CDP from b): still the same row.
            Link::new(
                DeviceId(2),
                "TenGigabitEthernet1/1",
                DeviceId(1),
                "Gi1/0/1",
                LinkProtocol::Cdp,
            ),
        ];
        s.commit_device(&b).unwrap();
        let links = s.read().links().unwrap();
        assert_eq!(links.len(), 1, "{links:?}");
        assert_eq!(
            links[0].protocols,
            BTreeSet::from([LinkProtocol::Cdp, LinkProtocol::Lldp])
        );
        // b's view of a as a neighbour did not downgrade a.
        let a = s.read().device(DeviceId(1)).unwrap().unwrap();
        assert_eq!(a.status, DeviceStatus::Walked);
        assert_eq!(a.depth, 0);
    }
}

#[test]
fn placeholders_fill_gaps_but_never_downgrade_a_walked_device() {
    for mut s in backends::writers() {
        eprintln!("backend: {}", s.name);
        s.commit_device(&result(walked(1, "core1", "10.0.0.1")))
            .unwrap();
        let mut p = neighbor(1, "CORE1-renamed", 9, 3);
        p.status = DeviceStatus::Filtered;
        p.reason = Some("filtered: hostname matched \"core*\"".into());
        p.platform_text = Some("cisco C9300".into());
        p.ips.insert(ip("192.0.2.1"));
        s.record_placeholders(&[p]).unwrap();
        let d = s.read().device(DeviceId(1)).unwrap().unwrap();
        assert_eq!(d.status, DeviceStatus::Walked);
        assert_eq!(d.hostname, "core1");
        assert_eq!(d.reason, None);
        assert_eq!(d.depth, 0);
        assert_eq!(d.parent, None, "a seed keeps no parent");
        assert_eq!(
            d.platform_text.as_deref(),
            Some("cisco C9300"),
            "gap filled"
        );
        assert!(d.ips.contains(&ip("192.0.2.1")), "new IP recorded");

        // A placeholder is upgraded by its own walk, and keeps its parent.
        s.record_placeholders(&[neighbor(2, "acc1", 1, 1)]).unwrap();
        let mut w = walked(2, "acc1", "10.0.0.2");
        w.depth = 1;
        s.commit_device(&result(w)).unwrap();
        let d = s.read().device(DeviceId(2)).unwrap().unwrap();
        assert_eq!(d.status, DeviceStatus::Walked);
        assert_eq!(d.parent, Some(DeviceId(1)));
        assert_eq!(d.via, Some(Via::Cdp));

        // Placeholders keep the smallest depth.
        s.record_placeholders(&[neighbor(3, "leaf", 2, 4)]).unwrap();
        s.record_placeholders(&[neighbor(3, "leaf", 1, 2)]).unwrap();
        s.record_placeholders(&[neighbor(3, "leaf", 2, 5)]).unwrap();
        assert_eq!(s.read().device(DeviceId(3)).unwrap().unwrap().depth, 2);
    }
}

#[test]
fn failures_count_up_and_a_walk_resets_them_without_losing_tables() {
    for mut s in backends::writers() {
        eprintln!("backend: {}", s.name);
        let mut r = result(walked(1, "sw", "10.0.0.1"));
        r.interfaces = vec![Interface::new("Gi1/0/1")];
        s.commit_device(&r).unwrap();
        assert_eq!(s.read().failure_count(DeviceId(1)).unwrap(), 0);
        for n in 1..=3 {
            let mut f = Device::new(DeviceId(1), "sw", DeviceStatus::Failed);
            f.error_class = Some("timeout".into());
            f.reason = Some("failed: no prompt within 10s".into());
            s.commit_device(&result(f)).unwrap();
            assert_eq!(s.read().failure_count(DeviceId(1)).unwrap(), n);
        }
        let d = s.read().device(DeviceId(1)).unwrap().unwrap();
        assert_eq!(d.status, DeviceStatus::Failed);
        assert_eq!(d.error_class.as_deref(), Some("timeout"));
        assert_eq!(
            d.serial.as_deref(),
            Some("SER1"),
            "facts from the walk kept"
        );
        assert_eq!(d.failure_count, 3);
        assert_eq!(s.read().interfaces(DeviceId(1)).unwrap().len(), 1);
        s.commit_device(&result(walked(1, "sw", "10.0.0.1")))
            .unwrap();
        assert_eq!(s.read().failure_count(DeviceId(1)).unwrap(), 0);
        let d = s.read().device(DeviceId(1)).unwrap().unwrap();
        assert_eq!(d.error_class, None);
        assert!(
            s.read().interfaces(DeviceId(1)).unwrap().is_empty(),
            "a walk replaces tables"
        );
        assert_eq!(s.read().failure_count(DeviceId(99)).unwrap(), 0);
    }
}

#[test]
fn version_history_records_changes_only() {
    for s in backends::writers() {
        eprintln!("backend: {}", s.name);
        let (t, clock) = test_clock(1_000);
        let mut s = s.with_clock(clock);
        let mut d = walked(1, "sw", "10.0.0.1");
        s.commit_device(&result(d.clone())).unwrap();
        t.store(2_000, Ordering::SeqCst);
        s.commit_device(&result(d.clone())).unwrap();
        d.version = Some("17.12.1".into());
        t.store(3_000, Ordering::SeqCst);
        s.commit_device(&result(d.clone())).unwrap();
        let h = s.read().version_history(DeviceId(1)).unwrap();
        let v: Vec<(&str, i64)> = h.iter().map(|c| (c.version.as_str(), c.seen)).collect();
        assert_eq!(v, [("17.9.4", 1_000), ("17.12.1", 3_000)]);
    }
}

#[test]
fn stale_and_unwalked_select_the_rewalk_candidates() {
    for s in backends::writers() {
        eprintln!("backend: {}", s.name);
        let (t, clock) = test_clock(10 * 86_400);
        let mut s = s.with_clock(clock);
        let mut r = result(walked(1, "old", "10.0.0.1"));
        r.neighbors = vec![neighbor(3, "leaf", 1, 1)];
        s.commit_device(&r).unwrap();
        t.store(14 * 86_400, Ordering::SeqCst);
        s.commit_device(&result(walked(2, "fresh", "10.0.0.2")))
            .unwrap();
        let mut f = Device::new(DeviceId(4), "broken", DeviceStatus::Failed);
        f.mgmt_ip = Some(ip("10.0.0.4"));
        s.commit_device(&result(f)).unwrap();
        let mut dup = Device::new(DeviceId(5), "dup", DeviceStatus::Duplicate);
        dup.reason = Some("same serial as old".into());
        s.record_placeholders(&[dup]).unwrap();
        let ids = |v: Vec<Device>| v.into_iter().map(|d| d.id.0).collect::<Vec<_>>();
        assert_eq!(ids(s.read().stale(3).unwrap()), [1]);
        assert_eq!(ids(s.read().stale(5).unwrap()), Vec::<i64>::new());
        assert_eq!(ids(s.read().stale(0).unwrap()), [1], "walked before now");
        assert_eq!(ids(s.read().unwalked().unwrap()), [3, 4]);
    }
}

#[test]
fn merge_moves_everything_to_the_surviving_device() {
    for mut s in backends::writers() {
        eprintln!("backend: {}", s.name);
        // 1 walked core; it reports neighbours 2 ("dist-a") and 3 (known only by IP).
        let mut r = result(walked(1, "core", "10.0.0.1"));
        let mut by_ip = neighbor(3, "DIST-A-LLDP", 1, 1);
        by_ip.ips.insert(ip("10.0.0.3"));
        by_ip.via = Some(Via::Lldp);
        r.neighbors = vec![neighbor(2, "dist-a", 1, 1), by_ip];
        r.links = vec![
            Link::new(
                DeviceId(1),
                "Gi1/0/1",
                DeviceId(2),
                "Gi0/1",
                LinkProtocol::Cdp,
            ),
            Link::new(
                DeviceId(1),
                "Gi1/0/1",
                DeviceId(3),
                "Gi0/1",
                LinkProtocol::Lldp,
            ),
            Link::new(
                DeviceId(1),
                "Gi1/0/2",
                DeviceId(3),
                "Gi0/2",
                LinkProtocol::Lldp,
            ),
        ];
        s.commit_device(&r).unwrap();
        // 3 is walked (and has its own neighbour 4 with 3 as parent) before we learn it is dist-a.
        let mut w = walked(3, "dist-a", "10.0.0.3");
        w.depth = 1;
        let mut r3 = result(w);
        r3.interfaces = vec![Interface::new("Gi0/1")];
        r3.neighbors = vec![neighbor(4, "leaf", 3, 2)];
        r3.links = vec![Link::new(
            DeviceId(3),
            "Gi0/5",
            DeviceId(4),
            "eth0",
            LinkProtocol::Lldp,
        )];
        s.commit_device(&r3).unwrap();

        s.merge_devices(DeviceId(2), DeviceId(3)).unwrap();
        let read = s.read();
        assert!(read.device(DeviceId(3)).unwrap().is_none());
        let d = read.device(DeviceId(2)).unwrap().unwrap();
        assert_eq!(
            d.status,
            DeviceStatus::Walked,
            "the walked record's facts win"
        );
        assert_eq!(d.serial.as_deref(), Some("SER3"));
        assert!(d.ips.contains(&ip("10.0.0.3")));
        assert!(d.aliases.contains("DIST-A-LLDP"), "{:?}", d.aliases);
        assert!(!d.aliases.contains("dist-a"), "own name is no alias");
        assert_eq!(read.interfaces(DeviceId(2)).unwrap().len(), 1);
        assert_eq!(
            read.device(DeviceId(4)).unwrap().unwrap().parent,
            Some(DeviceId(2))
        );
        let links = read.links().unwrap();
        assert_eq!(links.len(), 3, "{links:?}");
        let gi1 = links
            .iter()
            .find(|l| l.a_interface == "GigabitEthernet1/0/1")
            .unwrap();
        assert_eq!(gi1.b, DeviceId(2));
        assert_eq!(
            gi1.protocols,
            BTreeSet::from([LinkProtocol::Cdp, LinkProtocol::Lldp])
        );
        assert!(
            links
                .iter()
                .all(|l| l.a != DeviceId(3) && l.b != DeviceId(3))
        );
        // Merging again is a no-op.
        s.merge_devices(DeviceId(2), DeviceId(3)).unwrap();
        assert_eq!(s.read().devices().unwrap().len(), 3);
    }
}

#[test]
fn merging_into_an_id_not_stored_yet_moves_the_record() {
    for mut s in backends::writers() {
        eprintln!("backend: {}", s.name);
        let mut r = result(walked(5, "dist", "10.0.0.5"));
        r.interfaces = vec![Interface::new("Gi0/1")];
        r.neighbors = vec![neighbor(6, "leaf", 5, 1)];
        r.links = vec![Link::new(
            DeviceId(5),
            "Gi0/1",
            DeviceId(6),
            "eth0",
            LinkProtocol::Lldp,
        )];
        s.commit_device(&r).unwrap();
        // Identity decided the oldest id, 2, which the engine never committed.
        s.merge_devices(DeviceId(2), DeviceId(5)).unwrap();
        let read = s.read();
        assert!(read.device(DeviceId(5)).unwrap().is_none());
        let d = read.device(DeviceId(2)).unwrap().unwrap();
        assert_eq!(
            (d.hostname.as_str(), d.status),
            ("dist", DeviceStatus::Walked)
        );
        assert_eq!(d.serial.as_deref(), Some("SER5"));
        assert!(d.ips.contains(&ip("10.0.0.5")));
        assert!(d.aliases.is_empty(), "{:?}", d.aliases);
        assert_eq!(read.interfaces(DeviceId(2)).unwrap().len(), 1);
        assert_eq!(
            read.device(DeviceId(6)).unwrap().unwrap().parent,
            Some(DeviceId(2))
        );
        let links = read.links().unwrap();
        assert_eq!(links.len(), 1);
        assert_eq!((links[0].a, links[0].b), (DeviceId(2), DeviceId(6)));
        // Neither stored: nothing to do.
        s.merge_devices(DeviceId(40), DeviceId(41)).unwrap();
    }
}

#[test]
fn export_matches_the_inventory_contract() {
    for mut s in backends::writers() {
        eprintln!("backend: {}", s.name);
        let mut r = result(walked(1, "core", "10.0.0.1"));
        let mut m = StackMember::new(1);
        m.serial = Some("FOC1".into());
        r.stack_members = vec![m];
        r.vlans = vec![Vlan {
            id: 1,
            name: "default".into(),
            ports: vec![],
            port_channels: vec![],
        }];
        let mut phone = neighbor(2, "SEP001122334455", 1, 1);
        phone.status = DeviceStatus::Filtered;
        phone.reason = Some("filtered: platform matched \"Polycom\"".into());
        r.neighbors = vec![phone, neighbor(3, "acc", 1, 1)];
        r.links = vec![
            Link::new(
                DeviceId(1),
                "Gi1/0/9",
                DeviceId(2),
                "Port 1",
                LinkProtocol::Cdp,
            ),
            Link::new(
                DeviceId(3),
                "Gi0/1",
                DeviceId(1),
                "Gi1/0/1",
                LinkProtocol::Lldp,
            ),
        ];
        s.commit_device(&r).unwrap();
        let inv = s.read().export_inventory().unwrap();
        let names: Vec<&str> = inv.devices.iter().map(|d| d.hostname.as_str()).collect();
        assert_eq!(names, ["acc", "core", "SEP001122334455"]);
        let phone = &inv.devices[2];
        assert_eq!(phone.status, DeviceStatus::Filtered);
        assert_eq!(phone.parent.as_deref(), Some("core"));
        assert_eq!(phone.via, Some(Via::Cdp));
        assert_eq!(inv.devices[1].stack_members.len(), 1);
        assert_eq!(inv.devices[1].vlans[0].name, "default");
        assert_eq!(inv.devices[1].ips, [ip("10.0.0.1")]);
        let l: Vec<(&str, &str, &str, &str)> = inv
            .links
            .iter()
            .map(|l| {
                (
                    l.a.as_str(),
                    l.a_interface.as_str(),
                    l.b.as_str(),
                    l.b_interface.as_str(),
                )
            })
            .collect();
        assert_eq!(
            l,
            [
                ("acc", "GigabitEthernet0/1", "core", "GigabitEthernet1/0/1"),
                ("core", "GigabitEthernet1/0/9", "SEP001122334455", "Port 1"),
            ]
        );
        let json = serde_json::to_value(&inv).unwrap();
        assert_eq!(json["devices"][1]["platform"], "cisco_xe");
        assert_eq!(json["devices"][0]["status"], "neighbor_only");
    }
}

#[test]
fn runs_record_options_counts_and_interruption() {
    for s in backends::writers() {
        eprintln!("backend: {}", s.name);
        let (t, clock) = test_clock(500);
        let mut s = s.with_clock(clock);
        assert!(s.read().unfinished_run().unwrap().is_none());
        let run = s
            .start_run(&serde_json::json!({"concurrency": 32, "seeds": ["core"]}))
            .unwrap();
        assert_eq!(s.current_run(), Some(run));
        let mut r = result(walked(1, "core", "10.0.0.1"));
        r.neighbors = vec![neighbor(2, "a", 1, 1), neighbor(3, "b", 1, 1)];
        s.commit_device(&r).unwrap();
        s.commit_device(&result(walked(2, "a", "10.0.0.2")))
            .unwrap();
        let info = s.read().resume_info().unwrap().expect("run is unfinished");
        assert_eq!(info.run.id, run);
        assert_eq!(info.run.options["concurrency"], 32);
        assert_eq!(info.done, [DeviceId(1), DeviceId(2)]);
        assert_eq!(
            info.frontier.iter().map(|d| d.id).collect::<Vec<_>>(),
            [DeviceId(3)]
        );
        let counts = s.read().status_counts().unwrap();
        assert_eq!((counts.walked, counts.neighbor_only), (2, 1));
        t.store(560, Ordering::SeqCst);
        s.finish_run(run, &counts).unwrap();
        assert!(s.read().resume_info().unwrap().is_none());
        let runs = s.read().runs().unwrap();
        assert_eq!(runs.len(), 1);
        assert_eq!((runs[0].started, runs[0].finished), (500, Some(560)));
        assert_eq!(runs[0].counts, Some(counts));
        assert!(matches!(
            s.finish_run(RunId(42), &counts),
            Err(StoreError::UnknownRun(RunId(42)))
        ));
    }
}

#[test]
fn a_link_to_an_unknown_device_fails_the_whole_commit() {
    for mut s in backends::writers() {
        eprintln!("backend: {}", s.name);
        let mut r = result(walked(1, "core", "10.0.0.1"));
        r.interfaces = vec![Interface::new("Gi1/0/1")];
        r.links = vec![Link::new(
            DeviceId(1),
            "Gi1/0/1",
            DeviceId(2),
            "Gi0/1",
            LinkProtocol::Cdp,
        )];
        let err = s.commit_device(&r).unwrap_err().to_string();
        assert!(err.contains("link #1") && err.contains("#2"), "{err}");
        // Nothing of that device was written: one transaction.
        assert!(s.read().device(DeviceId(1)).unwrap().is_none());
        assert!(s.read().interfaces(DeviceId(1)).unwrap().is_empty());
    }
}

#[test]
fn file_store_persists_and_rebuilds_identity() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("inv.db");
    {
        let mut s = StoreWriter::open(&path).unwrap();
        let mut r = result(walked(7, "stack1.corp", "10.0.0.7"));
        let mut m = StackMember::new(2);
        m.serial = Some("MEMBER2".into());
        r.stack_members = vec![m];
        s.commit_device(&r).unwrap();
    }
    let s = StoreWriter::open(&path).unwrap();
    // A concurrent read-only reader sees the same data.
    let reader = StoreReader::open(&path).unwrap();
    assert_eq!(reader.devices().unwrap().len(), 1);
    let mut idx = s.read().identity_index().unwrap();
    assert_eq!(idx.lookup(Some("member2"), None, &[]), Some(DeviceId(7)));
    assert_eq!(idx.lookup(None, Some("STACK1"), &[]), Some(DeviceId(7)));
    assert_eq!(idx.lookup(None, None, &[ip("10.0.0.7")]), Some(DeviceId(7)));
    let fresh = idx.observe(&netwalker::identity::Identifiers::new().hostname("new"));
    assert_eq!(
        fresh.id,
        DeviceId(8),
        "new ids don't collide with stored ones"
    );
    assert_eq!(
        reader.ip_for_hostname("stack1.example.com").unwrap(),
        Some(ip("10.0.0.7"))
    );
    assert_eq!(reader.ip_for_hostname("nope").unwrap(), None);
}

#[test]
fn newer_schema_is_refused_with_advice() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("inv.db");
    drop(StoreWriter::open(&path).unwrap());
    let conn = rusqlite::Connection::open(&path).unwrap();
    conn.execute("UPDATE schema_version SET version = 999", [])
        .unwrap();
    drop(conn);
    let err = StoreWriter::open(&path)
        .err()
        .expect("must refuse")
        .to_string();
    assert!(
        err.contains("999") && err.contains("upgrade netwalker"),
        "{err}"
    );
}

#[test]
fn unopenable_path_names_the_file() {
    let err = StoreWriter::open("/nonexistent-dir/x/inv.db")
        .err()
        .expect("must fail")
        .to_string();
    assert!(
        err.contains("/nonexistent-dir/x/inv.db") && err.contains("--store"),
        "{err}"
    );
}

#[test]
fn a_batch_commits_good_devices_and_returns_bad_ones() {
    for mut s in backends::writers() {
        eprintln!("backend: {}", s.name);
        let mut bad = result(walked(2, "bad", "10.0.0.2"));
        bad.interfaces = vec![Interface::new("Gi1/0/1")];
        bad.links = vec![Link::new(
            DeviceId(2),
            "Gi1/0/1",
            DeviceId(99),
            "Gi0/1",
            LinkProtocol::Cdp,
        )];
        let batch = [
            result(walked(1, "good1", "10.0.0.1")),
            bad,
            result(walked(3, "good3", "10.0.0.3")),
        ];
        let failed = s.commit_devices(&batch).unwrap();
        assert_eq!(failed.len(), 1);
        assert_eq!(failed[0].0, DeviceId(2));
        assert!(failed[0].1.to_string().contains("#99"), "{}", failed[0].1);
        let ids: Vec<i64> = s.read().devices().unwrap().iter().map(|d| d.id.0).collect();
        assert_eq!(ids, [1, 3]);
        assert!(
            s.read().interfaces(DeviceId(2)).unwrap().is_empty(),
            "bad device rolled back whole"
        );
        assert!(s.commit_devices(&[]).unwrap().is_empty());
    }
}

#[test]
fn foreign_files_are_refused_not_modified() {
    let dir = tempfile::tempdir().unwrap();
    let text = dir.path().join("notes.txt");
    std::fs::write(&text, "this is not a database, but it is long enough to have a header ........................................................................").unwrap();
    let err = StoreWriter::open(&text)
        .err()
        .expect("must refuse")
        .to_string();
    assert!(
        err.contains("not a netwalker store") && err.contains("--store"),
        "{err}"
    );
    let err = StoreReader::open(&text)
        .err()
        .expect("must refuse")
        .to_string();
    assert!(err.contains("not a netwalker store"), "{err}");

    let other = dir.path().join("other.db");
    let conn = rusqlite::Connection::open(&other).unwrap();
    conn.execute_batch("CREATE TABLE customers (id INTEGER);")
        .unwrap();
    drop(conn);
    let err = StoreWriter::open(&other)
        .err()
        .expect("must refuse")
        .to_string();
    assert!(err.contains("other tables"), "{err}");
    let conn = rusqlite::Connection::open(&other).unwrap();
    let n: i64 = conn
        .query_row(
            "SELECT COUNT(*) FROM sqlite_master WHERE type = 'table'",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(n, 1, "nothing added to a foreign database");
}

/// A device whose tables repeat an entry (a parser reporting one interface
/// twice, a VLAN listed twice) and run to hundreds of rows: its last report
/// of each wins and the commit goes through, on both engines (PostgreSQL
/// refuses one statement touching a row twice).
#[test]
fn repeated_table_rows_keep_the_last_report() {
    for mut s in backends::writers() {
        eprintln!("backend: {}", s.name);
        let mut r = result(walked(1, "core1", "10.0.0.1"));
        let mut first = Interface::new("GigabitEthernet1/0/1");
        first.status = Some("notconnect".into());
        let mut last = first.clone();
        last.status = Some("connected".into());
        r.interfaces = vec![first, last.clone()];
        r.interfaces
            .extend((2..=300).map(|n| Interface::new(format!("GigabitEthernet1/0/{n}"))));
        let vlan = |name: &str| Vlan {
            id: 10,
            name: name.into(),
            ports: vec![],
            port_channels: vec![],
        };
        r.vlans = vec![vlan("old"), vlan("users")];
        s.commit_device(&r).unwrap();
        let read = s.read();
        let got = read.interfaces(DeviceId(1)).unwrap();
        assert_eq!(got.len(), 300);
        let gi1 = got.iter().find(|i| i.name == last.name).unwrap();
        assert_eq!(gi1, &last, "the last report wins");
        let vlans = read.vlans(DeviceId(1)).unwrap();
        assert_eq!(vlans.len(), 1);
        assert_eq!(vlans[0].name, "users");
    }
}
