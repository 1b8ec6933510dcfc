//! `netwalker find` through the binary: any MAC notation, an address, a
//! name; located, ambiguous and past hosts; JSON; exit 1 when not found.

#[path = "common/endhosts.rs"]
mod endhosts;
use endhosts::*;
use netwalker::store::StoreWriter;
use std::path::Path;
use std::process::{Command, Output};

fn find(store: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_netwalker"))
        .arg("find")
        .args(args)
        .arg("--store")
        .arg(store)
        .output()
        .unwrap()
}

fn store() -> (tempfile::TempDir, std::path::PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("inv.db");
    drop(walks(StoreWriter::open(&path).unwrap()));
    (dir, path)
}

fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

#[test]
fn a_mac_in_any_notation_names_its_switch_port_vlan_and_addresses() {
    let (_dir, db) = store();
    let first = find(&db, &["0014.2200.0001"]);
    assert!(first.status.success(), "{first:?}");
    let text = stdout(&first);
    assert!(
        text.starts_with("00:14:22:00:00:01 (Dell Inc.)\n"),
        "{text}"
    );
    assert!(
        text.contains("located:   sw1 GigabitEthernet1/0/5, VLAN 100\n"),
        "{text}"
    );
    assert!(text.contains("addresses: 10.0.100.10, fd00::a\n"), "{text}");
    for notation in ["00:14:22:00:00:01", "00-14-22-00-00-01", "0014.2200.0001"] {
        assert_eq!(stdout(&find(&db, &[notation])), text, "{notation}");
    }
    // By one of its addresses: the same host.
    assert_eq!(stdout(&find(&db, &["fd00::a"])), text);
}

#[test]
fn an_ambiguous_host_lists_every_candidate_and_json_says_the_same() {
    let (_dir, db) = store();
    let o = find(&db, &["10.0.100.11"]);
    assert!(o.status.success(), "{o:?}");
    let text = stdout(&o);
    assert!(text.contains("ambiguous: learnt on 2 edge ports"), "{text}");
    assert!(text.contains("sw1 GigabitEthernet1/0/7 VLAN 100"), "{text}");
    assert!(text.contains("sw2 GigabitEthernet1/0/9 VLAN 100"), "{text}");

    let o = find(&db, &["10.0.100.11", "--json"]);
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    let h = &v[0];
    assert_eq!(h["mac"], VM);
    assert_eq!(h["status"], "ambiguous");
    assert_eq!(h["vendor"], "VMware, Inc.");
    assert_eq!(h["candidates"].as_array().unwrap().len(), 2);
    assert_eq!(h["history"], serde_json::json!([]));
}

#[test]
fn a_host_gone_from_the_latest_walk_shows_where_it_was() {
    let (_dir, db) = store();
    let o = find(&db, &[OLD]);
    assert!(o.status.success(), "{o:?}");
    let text = stdout(&o);
    assert!(
        text.contains("not placed: not learnt by any switch at its latest walk"),
        "{text}"
    );
    assert!(
        text.contains(
            "earlier:   sw1 GigabitEthernet1/0/6, VLAN 100, last seen 1970-01-01 00:16:40 UTC"
        ),
        "{text}"
    );
}

#[test]
fn nothing_found_exits_1_and_says_so() {
    let (_dir, db) = store();
    for q in ["00:99:99:00:00:01", "10.9.9.9", "localhost"] {
        let o = find(&db, &[q]);
        assert_eq!(o.status.code(), Some(1), "{q}: {o:?}");
        assert!(o.stdout.is_empty());
        let err = String::from_utf8_lossy(&o.stderr);
        assert!(err.contains("was not seen in any MAC table"), "{q}: {err}");
    }
    let o = find(&db, &["10.9.9.9", "--json"]);
    assert_eq!(o.status.code(), Some(1));
    assert_eq!(stdout(&o).trim(), "[]");
}
