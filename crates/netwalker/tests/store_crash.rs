//! Crash safety with a real crash: a child process commits some devices, opens
//! a transaction for the next one, and aborts (no destructors, no rollback,
//! like `kill -9`). The parent then checks that every committed device is
//! whole, the in-flight one left no trace, and the run is resumable.

use netwalker::model::*;
use netwalker::store::StoreWriter;
use std::net::IpAddr;
use std::process::Command;

const ENV: &str = "NETWALKER_STORE_CRASH_CHILD_DB";

fn walked(id: i64) -> DeviceResult {
    let mut d = Device::new(DeviceId(id), format!("sw{id}"), DeviceStatus::Walked);
    d.mgmt_ip = Some(IpAddr::from([10, 0, 0, id as u8]));
    d.depth = if id == 1 { 0 } else { 1 };
    let mut r = DeviceResult::bare(d);
    r.interfaces = (1..=48)
        .map(|p| Interface::new(format!("GigabitEthernet1/0/{p}")))
        .collect();
    r
}

/// The crashing half; run only by `crash_mid_run_loses_only_in_flight_devices`.
#[test]
#[ignore = "helper process for crash_mid_run_loses_only_in_flight_devices"]
fn crash_child() {
    let path = std::env::var(ENV).expect("run by the parent test only");
    let mut s = StoreWriter::open(&path).unwrap();
    s.start_run(&serde_json::json!({"seeds": ["sw1"]})).unwrap();
    let mut first = walked(1);
    first.neighbors = (2..=5)
        .map(|i| {
            let mut n = Device::new(DeviceId(i), format!("sw{i}"), DeviceStatus::NeighborOnly);
            n.parent = Some(DeviceId(1));
            n.depth = 1;
            n
        })
        .collect();
    first.links = (2..=5)
        .map(|i| {
            Link::new(
                DeviceId(1),
                format!("Gi1/0/{i}"),
                DeviceId(i),
                "Gi0/1",
                LinkProtocol::Cdp,
            )
        })
        .collect();
    s.commit_device(&first).unwrap();
    s.commit_device(&walked(2)).unwrap();
    s.commit_device(&walked(3)).unwrap();
    // Device 4 is "in flight": its transaction is open with part of its rows
    // written when the process dies.
    let conn = rusqlite::Connection::open(&path).unwrap();
    conn.execute_batch(
        "BEGIN IMMEDIATE;
         UPDATE devices SET status = 'walked', model = 'HALF-WRITTEN' WHERE id = 4;
         INSERT INTO interfaces (device_id, name) VALUES (4, 'GigabitEthernet1/0/1');",
    )
    .unwrap();
    std::process::abort();
}

#[test]
fn crash_mid_run_loses_only_in_flight_devices() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("crash.db");
    let status = Command::new(std::env::current_exe().unwrap())
        .args(["--exact", "crash_child", "--ignored", "--nocapture"])
        .env(ENV, &path)
        .status()
        .unwrap();
    assert!(!status.success(), "the child must die by abort: {status:?}");

    let s = StoreWriter::open(&path).unwrap();
    let r = s.read();
    for id in 1..=3 {
        let d = r
            .device(DeviceId(id))
            .unwrap()
            .expect("committed device present");
        assert_eq!(d.status, DeviceStatus::Walked);
        assert_eq!(
            r.interfaces(DeviceId(id)).unwrap().len(),
            48,
            "device {id} whole"
        );
    }
    let four = r.device(DeviceId(4)).unwrap().unwrap();
    assert_eq!(
        four.status,
        DeviceStatus::NeighborOnly,
        "in-flight write rolled back"
    );
    assert_eq!(four.model, None);
    assert!(r.interfaces(DeviceId(4)).unwrap().is_empty());
    assert_eq!(r.links().unwrap().len(), 4);

    let info = r
        .resume_info()
        .unwrap()
        .expect("interrupted run is resumable");
    assert_eq!(info.run.finished, None);
    assert_eq!(info.run.options["seeds"][0], "sw1");
    assert_eq!(info.done, [DeviceId(1), DeviceId(2), DeviceId(3)]);
    let frontier: Vec<DeviceId> = info.frontier.iter().map(|d| d.id).collect();
    assert_eq!(frontier, [DeviceId(4), DeviceId(5)]);
    assert!(info.frontier.iter().all(|d| d.depth == 1));
}

#[test]
fn resuming_continues_the_same_run() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("resume.db");
    let run = {
        let mut s = StoreWriter::open(&path).unwrap();
        let run = s.start_run(&serde_json::json!({})).unwrap();
        let mut r = walked(1);
        let mut n = Device::new(DeviceId(2), "sw2", DeviceStatus::NeighborOnly);
        n.depth = 1;
        r.neighbors = vec![n];
        s.commit_device(&r).unwrap();
        run
        // dropped without finish_run: interrupted
    };
    let mut s = StoreWriter::open(&path).unwrap();
    let info = s.read().resume_info().unwrap().unwrap();
    assert_eq!(info.run.id, run);
    s.resume_run(info.run.id).unwrap();
    for d in &info.frontier {
        let mut w = walked(d.id.0);
        w.device.hostname = d.hostname.clone();
        s.commit_device(&w).unwrap();
    }
    let counts = s.read().status_counts().unwrap();
    s.finish_run(run, &counts).unwrap();
    assert!(s.read().resume_info().unwrap().is_none());
    assert_eq!(s.read().runs().unwrap().len(), 1);
    assert_eq!(counts.walked, 2);
    assert!(s.resume_run(RunId(99)).is_err());
}
