//! inventory.json's `endhosts`, from what walks stored: every host the
//! latest walks saw, located on its edge port by the edge-port rule over
//! all three kinds of uplink (a CDP neighbour that is a walked switch, a
//! trunk where a walked switch's own MAC is learnt, a port-channel of an
//! uplink member), ambiguous ones with their candidates, joined to their
//! addresses and vendors; the walked switches' own MACs and hosts only in
//! history are not listed.

#[path = "common/endhosts.rs"]
mod endhosts;
use endhosts::*;
use netwalker::model::*;
use netwalker::store::StoreWriter;

#[test]
fn every_current_host_is_listed_located_or_explained() {
    let w = walks(StoreWriter::open_in_memory().unwrap());
    let inv = w.read().export_inventory().unwrap();
    let macs: Vec<String> = inv.endhosts.iter().map(|h| h.mac.to_string()).collect();
    assert_eq!(
        macs,
        [PC, BEHIND, ARP_ONLY, VM],
        "by MAC, no switch's own, no history"
    );
    let host = |m: &str| inv.endhosts.iter().find(|h| h.mac == mac(m)).unwrap();

    let pc = host(PC);
    assert_eq!(pc.status, EndHostStatus::Located, "{pc:?}");
    assert_eq!(pc.switch.as_deref(), Some("sw1"));
    assert_eq!(pc.port.as_deref(), Some("GigabitEthernet1/0/5"));
    assert_eq!(pc.vlan, Some(100));
    assert_eq!(pc.vendor.as_deref(), Some("Dell Inc."));
    let ips: Vec<String> = pc.ips.iter().map(|i| i.to_string()).collect();
    assert_eq!(ips, ["10.0.100.10", "fd00::a"]);
    assert_eq!((pc.first_seen, pc.last_seen), (Some(2000), Some(2000)));
    assert!(pc.candidates.is_empty());

    let vm = host(VM);
    assert_eq!(vm.status, EndHostStatus::Ambiguous, "{vm:?}");
    assert_eq!(vm.switch, None);
    assert_eq!(vm.vendor.as_deref(), Some("VMware, Inc."));
    let mut at: Vec<(&str, &str)> = vm
        .candidates
        .iter()
        .map(|c| (c.switch.as_str(), c.port.as_str()))
        .collect();
    at.sort();
    assert_eq!(
        at,
        [
            ("sw1", "GigabitEthernet1/0/7"),
            ("sw2", "GigabitEthernet1/0/9")
        ]
    );
    assert!(vm.reason.as_deref().unwrap().contains("2 edge ports"));

    // Only on uplinks: acc1's trunk to dist (found by dist's MAC) and
    // acc2's port-channel (found by its member's CDP neighbour).
    let behind = host(BEHIND);
    assert_eq!(behind.status, EndHostStatus::Unknown, "{behind:?}");
    assert!(
        behind
            .reason
            .as_deref()
            .unwrap()
            .contains("only on uplinks")
    );

    let arp = host(ARP_ONLY);
    assert_eq!(arp.status, EndHostStatus::Unknown);
    assert!(arp.reason.as_deref().unwrap().contains("ARP/ND cache only"));
    assert_eq!(arp.ips.len(), 1);
}

#[test]
fn an_inventory_without_end_hosts_has_an_empty_list() {
    let mut w = StoreWriter::open_in_memory().unwrap();
    let d = Device::new(ACC1, "sw1", DeviceStatus::Walked);
    w.commit_device(&DeviceResult::bare(d)).unwrap();
    let v = serde_json::to_value(w.read().export_inventory().unwrap()).unwrap();
    assert_eq!(v["endhosts"], serde_json::json!([]));
}

#[test]
fn the_workbook_lists_hosts_and_counts_them_per_port() {
    use calamine::{Data, Reader, Xlsx, open_workbook};
    let w = walks(StoreWriter::open_in_memory().unwrap());
    let dir = tempfile::tempdir().unwrap();
    let opts = netwalker::report::ReportOptions::new(dir.path());
    let snap = netwalker::snapshot::Snapshot::read(w.read()).unwrap();
    let files = netwalker::report::write_reports_from(&snap, &opts).unwrap();
    let mut wb: Xlsx<_> = open_workbook(&files[0]).unwrap();
    let text = |d: &Data| d.to_string();
    let hosts = wb.worksheet_range("End Hosts").unwrap();
    let rows: Vec<Vec<String>> = hosts.rows().map(|r| r.iter().map(text).collect()).collect();
    assert_eq!(rows.len(), 5, "header and four hosts: {rows:?}");
    let pc = rows.iter().find(|r| r[0] == PC).unwrap();
    assert_eq!(
        &pc[1..7],
        [
            "Dell Inc.",
            "10.0.100.10, fd00::a",
            "located",
            "sw1",
            "GigabitEthernet1/0/5",
            "100"
        ]
    );
    let vm = rows.iter().find(|r| r[0] == VM).unwrap();
    assert_eq!(vm[3], "ambiguous");
    assert!(
        vm[7].contains("sw1 GigabitEthernet1/0/7 (VLAN 100)"),
        "{vm:?}"
    );
    let ports = wb.worksheet_range("End Host Ports").unwrap();
    let rows: Vec<Vec<String>> = ports.rows().map(|r| r.iter().map(text).collect()).collect();
    assert_eq!(
        rows[1..],
        [
            ["sw1", "GigabitEthernet1/0/5", "1", "0"],
            ["sw1", "GigabitEthernet1/0/7", "0", "1"],
            ["sw2", "GigabitEthernet1/0/9", "0", "1"],
        ]
    );
    let summary = wb.worksheet_range("Summary").unwrap();
    let located = summary
        .rows()
        .find(|r| text(&r[0]) == "End hosts located")
        .map(|r| text(&r[1]));
    assert_eq!(located.as_deref(), Some("1"));
}
