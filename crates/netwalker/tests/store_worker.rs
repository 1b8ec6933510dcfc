//! The writer thread: concurrent device tasks, batched commits, per-device
//! outcomes, ordered calls, bounded shutdown.

use netwalker::model::*;
use netwalker::store::{CommitError, StoreWorker, StoreWriter, WorkerGone};
use std::net::IpAddr;

fn walked(id: i64) -> DeviceResult {
    let mut d = Device::new(DeviceId(id), format!("sw{id}"), DeviceStatus::Walked);
    d.mgmt_ip = Some(IpAddr::from([10, 0, (id >> 8) as u8, id as u8]));
    let mut r = DeviceResult::bare(d);
    r.interfaces = vec![Interface::new("Gi1/0/1"), Interface::new("Gi1/0/2")];
    r
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_commits_each_get_their_own_outcome() {
    let dir = tempfile::tempdir().unwrap();
    let worker =
        StoreWorker::spawn(StoreWriter::open(dir.path().join("w.db")).unwrap(), 16).unwrap();
    let tx = worker.sender();
    let run = tx
        .call(|w| w.start_run(&serde_json::json!({"t": 1})))
        .await
        .unwrap()
        .unwrap();

    let mut tasks = tokio::task::JoinSet::new();
    for id in 1..=200i64 {
        let tx = tx.clone();
        tasks.spawn(async move {
            let mut r = walked(id);
            if id % 50 == 0 {
                // A link to a device nobody recorded: this one must fail alone.
                r.links = vec![Link::new(
                    DeviceId(id),
                    "Gi1/0/1",
                    DeviceId(10_000),
                    "x",
                    LinkProtocol::Cdp,
                )];
            }
            (id, tx.commit(r).await)
        });
    }
    let mut failed = Vec::new();
    while let Some(res) = tasks.join_next().await {
        let (id, outcome) = res.unwrap();
        match outcome {
            Ok(()) => {}
            Err(CommitError::Store(e)) => {
                assert!(e.to_string().contains("#10000"), "{e}");
                failed.push(id);
            }
            Err(e) => panic!("device {id}: {e}"),
        }
    }
    failed.sort();
    assert_eq!(failed, [50, 100, 150, 200]);

    // Calls run after everything queued before them.
    let n = tx
        .call(|w| w.read().devices().unwrap().len())
        .await
        .unwrap();
    assert_eq!(n, 196);
    tx.call(move |w| {
        let c = w.read().status_counts().unwrap();
        w.finish_run(run, &c)
    })
    .await
    .unwrap()
    .unwrap();

    let writer = tokio::time::timeout(std::time::Duration::from_secs(10), worker.shutdown())
        .await
        .expect("shutdown is bounded")
        .unwrap();
    assert_eq!(writer.read().devices().unwrap().len(), 196);
    assert!(writer.read().resume_info().unwrap().is_none());
    assert_eq!(writer.read().interfaces(DeviceId(7)).unwrap().len(), 2);
    // A clone kept past shutdown neither hangs shutdown nor writes anything.
    assert!(matches!(
        tx.commit(walked(999)).await,
        Err(CommitError::Gone(WorkerGone))
    ));
    assert!(tx.call(|_| ()).await.is_err());
}

#[tokio::test]
async fn shutdown_races_queued_commits_without_losing_acknowledged_ones() {
    let worker = StoreWorker::spawn(StoreWriter::open_in_memory().unwrap(), 256).unwrap();
    let tx = worker.sender();
    let mut pending = Vec::new();
    for id in 1..=100 {
        let tx = tx.clone();
        pending.push((id, tokio::spawn(async move { tx.commit(walked(id)).await })));
    }
    // Let some (not necessarily all) tasks enqueue, then shut down while
    // their replies are outstanding and others have not sent yet.
    tokio::task::yield_now().await;
    let writer = tokio::time::timeout(std::time::Duration::from_secs(10), worker.shutdown())
        .await
        .expect("shutdown is bounded")
        .unwrap();
    let stored: std::collections::BTreeSet<i64> = writer
        .read()
        .devices()
        .unwrap()
        .iter()
        .map(|d| d.id.0)
        .collect();
    let mut acknowledged = std::collections::BTreeSet::new();
    for (id, p) in pending {
        match p.await.unwrap() {
            Ok(()) => {
                acknowledged.insert(id);
            }
            Err(CommitError::Gone(_)) => {}
            Err(e) => panic!("device {id}: {e}"),
        }
    }
    // Acknowledged exactly when written: no acknowledged write lost, no
    // "gone" device half-recorded.
    assert_eq!(acknowledged, stored);
    assert!(
        !stored.is_empty(),
        "commits queued before shutdown are written"
    );
}

/// `record` only queues: a bad result fails alone (the writer logs it), the
/// others are written, and a later call sees all of them, in order.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn recorded_results_are_written_in_order_and_a_bad_one_alone_is_dropped() {
    let dir = tempfile::tempdir().unwrap();
    let worker =
        StoreWorker::spawn(StoreWriter::open(dir.path().join("r.db")).unwrap(), 8).unwrap();
    let tx = worker.sender();
    for id in 1..=100i64 {
        let mut r = walked(id);
        if id == 40 {
            r.links = vec![Link::new(
                DeviceId(id),
                "Gi1/0/1",
                DeviceId(10_000),
                "x",
                LinkProtocol::Cdp,
            )];
        }
        // Returns once queued; a queue of 8 makes most of these wait for
        // room, which is the backpressure.
        tx.record(r).await.unwrap();
    }
    let names = tx
        .call(|w| {
            let mut v: Vec<String> = w
                .read()
                .devices()
                .unwrap()
                .into_iter()
                .map(|d| d.hostname)
                .collect();
            v.sort();
            v
        })
        .await
        .unwrap();
    assert_eq!(names.len(), 99);
    assert!(!names.iter().any(|n| n == "sw40"));
    // Nobody awaited sw40's write: the worker still counts it lost, for the
    // run to report.
    let lost = worker.unrecorded();
    let writer = worker.shutdown().await.unwrap();
    assert_eq!(lost.count(), 1);
    drop(writer);
    // After shutdown a sender can no longer queue anything.
    assert_eq!(tx.record(walked(101)).await, Err(WorkerGone));
}
