//! End-host history in the store, through its public API: MAC sightings
//! and MAC-to-IP pairs keep first/last seen across walks, a device walked
//! without end hosts leaves them alone, merges move them, retention prunes
//! what no walk saw again.

use netwalker::model::*;
use netwalker::store::PrunedEndHosts;

#[path = "common/backends.rs"]
mod backends;
use std::net::IpAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicI64, Ordering};

const DAY: i64 = 86_400;

fn mac(s: &str) -> MacAddr {
    device_parsers::parse_mac(s).unwrap()
}

fn ip(s: &str) -> IpAddr {
    s.parse().unwrap()
}

/// A store per backend whose clock the test moves.
fn stores(start: i64) -> Vec<(Arc<AtomicI64>, backends::TestWriter)> {
    backends::writers()
        .into_iter()
        .map(|w| {
            let t = Arc::new(AtomicI64::new(start));
            let t2 = t.clone();
            (t, w.with_clock(Arc::new(move || t2.load(Ordering::SeqCst))))
        })
        .collect()
}

/// Switch `id` walked, having learnt `macs` (MAC, port, VLAN) with
/// `trunks` trunking and cached `ips` (IP, MAC).
fn switch(
    id: i64,
    macs: &[(&str, &str, u16)],
    trunks: &[&str],
    ips: &[(&str, &str)],
) -> DeviceResult {
    let d = Device::new(DeviceId(id), format!("sw{id}"), DeviceStatus::Walked);
    let mut r = DeviceResult::bare(d);
    r.endhosts = EndHostTables {
        collected: true,
        macs: macs
            .iter()
            .map(|&(m, port, vlan)| MacSighting {
                mac: mac(m),
                port: port.into(),
                vlan: Some(vlan),
            })
            .collect(),
        ip_macs: ips
            .iter()
            .map(|&(a, m)| IpMac {
                ip: ip(a),
                mac: mac(m),
                interface: Some("Vlan100".into()),
            })
            .collect(),
        trunks: trunks.iter().map(|t| t.to_string()).collect(),
        bundles: vec![],
    };
    r
}

const PC: &str = "00:14:22:00:00:01";
const GI5: &str = "GigabitEthernet1/0/5";
const GI9: &str = "GigabitEthernet1/0/9";
const UPLINK: &str = "GigabitEthernet1/0/49";

#[test]
fn sightings_keep_first_and_last_seen_across_walks() {
    for (clock, mut w) in stores(1000) {
        eprintln!("backend: {}", w.name);
        w.commit_device(&switch(1, &[(PC, GI5, 100)], &[], &[("10.0.0.10", PC)]))
            .unwrap();
        w.commit_device(&switch(2, &[(PC, UPLINK, 100)], &[UPLINK], &[]))
            .unwrap();
        clock.store(1000 + DAY, Ordering::SeqCst);
        // Next walk: still on Gi1/0/5; also seen on Gi1/0/9 (it moved).
        w.commit_device(&switch(
            1,
            &[(PC, GI5, 100), (PC, GI9, 100)],
            &[],
            &[("10.0.0.10", PC), ("fd00::a", PC)],
        ))
        .unwrap();
        let r = w.read();
        let seen = r.mac_sightings(mac(PC)).unwrap();
        assert_eq!(seen.len(), 3, "{seen:?}");
        let on = |dev: i64, port: &str| {
            seen.iter()
                .find(|s| s.device == DeviceId(dev) && s.port == port)
                .unwrap_or_else(|| panic!("no sighting on {dev} {port}"))
        };
        assert_eq!(
            (on(1, GI5).first_seen, on(1, GI5).last_seen),
            (1000, 1000 + DAY)
        );
        assert_eq!(
            (on(1, GI9).first_seen, on(1, GI9).last_seen),
            (1000 + DAY, 1000 + DAY)
        );
        assert_eq!(on(1, GI5).vlan, Some(100));
        assert!(on(2, UPLINK).trunk && !on(1, GI5).trunk);
        assert_eq!(on(2, UPLINK).last_seen, 1000);
        // Most recently seen first.
        assert_eq!(seen.last().unwrap().device, DeviceId(2));
        assert_eq!(r.device_mac_sightings(DeviceId(2)).unwrap().len(), 1);

        let ips = r.ips_of_mac(mac(PC)).unwrap();
        assert_eq!(ips.len(), 2);
        let v4 = ips.iter().find(|p| p.ip == ip("10.0.0.10")).unwrap();
        assert_eq!((v4.first_seen, v4.last_seen), (1000, 1000 + DAY));
        assert_eq!(r.macs_of_ip(ip("fd00::a")).unwrap()[0].mac, mac(PC));
        assert!(r.macs_of_ip(ip("10.9.9.9")).unwrap().is_empty());
    }
}

/// `--no-endhosts` (nothing collected) and failed walks keep the history.
#[test]
fn a_walk_without_end_hosts_leaves_the_history_alone() {
    for (clock, mut w) in stores(1000) {
        eprintln!("backend: {}", w.name);
        w.commit_device(&switch(1, &[(PC, GI5, 100)], &[], &[]))
            .unwrap();
        clock.store(2000, Ordering::SeqCst);
        let mut quiet = switch(1, &[], &[], &[]);
        quiet.endhosts.collected = false;
        w.commit_device(&quiet).unwrap();
        let mut failed = DeviceResult::bare(Device::new(DeviceId(1), "sw1", DeviceStatus::Failed));
        failed.endhosts = switch(1, &[(PC, GI9, 100)], &[], &[]).endhosts;
        w.commit_device(&failed).unwrap();
        let seen = w.read().mac_sightings(mac(PC)).unwrap();
        assert_eq!(seen.len(), 1);
        assert_eq!(seen[0].last_seen, 1000);
    }
}

/// Two records proved to be one switch: its sightings follow the survivor.
#[test]
fn merging_devices_moves_their_sightings() {
    for (_, mut w) in stores(1000) {
        eprintln!("backend: {}", w.name);
        w.commit_device(&switch(1, &[(PC, GI5, 100)], &[], &[]))
            .unwrap();
        w.commit_device(&switch(2, &[(PC, GI9, 100)], &[], &[]))
            .unwrap();
        w.merge_devices(DeviceId(1), DeviceId(2)).unwrap();
        let seen = w.read().mac_sightings(mac(PC)).unwrap();
        assert_eq!(seen.len(), 2);
        assert!(seen.iter().all(|s| s.device == DeviceId(1)), "{seen:?}");
    }
}

#[test]
fn retention_prunes_what_no_walk_saw_again() {
    for (clock, mut w) in stores(1000) {
        eprintln!("backend: {}", w.name);
        w.commit_device(&switch(1, &[(PC, GI5, 100)], &[], &[("10.0.0.10", PC)]))
            .unwrap();
        clock.store(1000 + 10 * DAY, Ordering::SeqCst);
        w.commit_device(&switch(1, &[(PC, GI9, 100)], &[], &[("10.0.0.11", PC)]))
            .unwrap();
        clock.store(1000 + 20 * DAY, Ordering::SeqCst);
        assert_eq!(w.prune_endhosts(0).unwrap(), PrunedEndHosts::default());
        assert_eq!(w.prune_endhosts(30).unwrap(), PrunedEndHosts::default());
        assert_eq!(
            w.prune_endhosts(15).unwrap(),
            PrunedEndHosts {
                sightings: 1,
                ip_macs: 1
            }
        );
        let r = w.read();
        let seen = r.mac_sightings(mac(PC)).unwrap();
        assert_eq!(seen.len(), 1);
        assert_eq!(seen[0].port, GI9);
        assert_eq!(r.ips_of_mac(mac(PC)).unwrap()[0].ip, ip("10.0.0.11"));
    }
}

/// A switch's tables as a device may print them: one entry twice (two
/// VRFs, a repeated line) and hundreds of hosts (written many rows per
/// statement, which PostgreSQL refuses when one row would be touched
/// twice). Each is stored once.
#[test]
fn repeated_and_many_entries_are_each_stored_once() {
    let macs: Vec<String> = (0..300)
        .map(|i| format!("00:50:56:00:{:02x}:{:02x}", i / 256, i % 256))
        .collect();
    let ips: Vec<String> = (0..300)
        .map(|i| format!("10.0.{}.{}", i / 256, i % 256))
        .collect();
    let mut seen: Vec<(&str, &str, u16)> = macs.iter().map(|m| (m.as_str(), GI5, 100)).collect();
    // At the front: within one statement's rows.
    seen.insert(0, (PC, GI9, 100));
    seen.insert(0, (PC, GI9, 100));
    let mut cached: Vec<(&str, &str)> = ips
        .iter()
        .zip(&macs)
        .map(|(a, m)| (a.as_str(), m.as_str()))
        .collect();
    cached.insert(0, ("10.9.0.1", PC));
    cached.insert(0, ("10.9.0.1", PC));
    for (_, mut w) in stores(1000) {
        eprintln!("backend: {}", w.name);
        w.commit_device(&switch(1, &seen, &[], &cached)).unwrap();
        let r = w.read();
        assert_eq!(r.device_mac_sightings(DeviceId(1)).unwrap().len(), 301);
        assert_eq!(r.mac_sightings(mac(PC)).unwrap().len(), 1);
        assert_eq!(r.ips_of_mac(mac(PC)).unwrap().len(), 1);
        assert_eq!(
            r.ips_of_mac(mac(&macs[299])).unwrap()[0].ip,
            ip("10.0.1.43")
        );
    }
}
