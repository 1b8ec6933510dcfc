//! The device pool's lifecycle on its own: a stop (Ctrl-C, the run
//! deadline, the caller) ends scheduling at once, tasks in flight get the
//! grace period, then their sessions are closed by force, a task that
//! ignores the force token is aborted, and the registry's counters balance
//! with real sessions against netsim.

use device_session::{Credentials, HostKeyPolicy, OpenOptions, Target};
use netsim::{GenerateOptions, Lab, LabConfig};
use netwalker::pool::{DevicePool, FORCE_BOUND, PoolOptions, StopReason};
use std::time::{Duration, Instant};
use tokio_util::sync::CancellationToken;

const GRACE: Duration = Duration::from_millis(300);

fn options(concurrency: usize, run_deadline: Option<Duration>) -> PoolOptions {
    PoolOptions {
        concurrency,
        run_deadline,
        grace: GRACE,
    }
}

/// Drains the pool, collecting what finished.
async fn drain<R: Send + 'static>(pool: &mut DevicePool<R>) -> Vec<R> {
    let mut out = Vec::new();
    while pool.in_flight() > 0 {
        if let Some(r) = pool.next_finished().await {
            out.push(r);
        }
    }
    out
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ctrl_c_gives_grace_then_closes_sessions_by_force_and_counters_balance() {
    let topo = netsim::generate(&GenerateOptions {
        devices: 12,
        seed: 2,
        base_ip: "127.56.0.1".parse().unwrap(),
        ..GenerateOptions::default()
    });
    let lab = Lab::start(
        topo.clone(),
        LabConfig {
            ssh_port: 5222,
            telnet_port: 5223,
            ..LabConfig::default()
        },
    )
    .await
    .unwrap();
    let cancel = CancellationToken::new();
    let mut pool: DevicePool<&'static str> = DevicePool::new(options(3, None), cancel.clone());
    let (opened_tx, mut opened_rx) = tokio::sync::mpsc::channel(8);
    let devices = topo
        .devices
        .iter()
        .filter(|d| d.transports == netsim::ServedTransports::Both && d.fault.is_none())
        .take(3);
    for d in devices {
        assert!(pool.has_room());
        let registry = pool.registry().clone();
        let force = pool.force_token();
        let ip = d.mgmt_ip.to_string();
        let opened = opened_tx.clone();
        pool.spawn(async move {
            let target = Target::new(ip).ssh_port(5222).telnet_port(5223);
            let opts = OpenOptions {
                host_key_policy: HostKeyPolicy::Off,
                ..OpenOptions::default()
            };
            let session = registry
                .open(&target, &Credentials::password("admin", "admin"), &opts)
                .await
                .unwrap();
            opened.send(()).await.unwrap();
            // A device that never finishes on its own: only the force token ends it.
            force.cancelled().await;
            drop(session);
            "forced"
        });
    }
    assert!(!pool.has_room(), "concurrency 3 is full");
    for _ in 0..3 {
        opened_rx.recv().await.unwrap();
    }
    cancel.cancel();
    let t0 = Instant::now();
    let got = drain(&mut pool).await;
    let took = t0.elapsed();
    assert_eq!(got, ["forced"; 3]);
    assert!(
        took >= GRACE,
        "forced before the grace period ended: {took:?}"
    );
    // Generous: a loaded CI machine; "forced" (not aborted) is the proof.
    assert!(took < GRACE + Duration::from_secs(3), "{took:?}");
    assert!(!pool.has_room(), "a stopped pool schedules nothing");
    assert_eq!(pool.stopped(), Some(StopReason::Cancelled));
    let report = pool.shutdown().await;
    assert_eq!(report.stop, Some(StopReason::Cancelled));
    let k = report.counters;
    assert_eq!((k.opened, k.force_closed, k.open_now), (3, 3, 0), "{k:?}");
    assert_eq!(k.double_releases, 0);
    let stats = lab.wait_until_idle(Duration::from_secs(5)).await;
    assert_eq!(stats.sessions_open, 0, "{stats:?}");
    lab.shutdown(Duration::from_secs(2)).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_run_deadline_stops_like_ctrl_c() {
    let mut pool: DevicePool<u32> = DevicePool::new(
        options(4, Some(Duration::from_millis(200))),
        CancellationToken::new(),
    );
    for i in 0..2 {
        let force = pool.force_token();
        pool.spawn(async move {
            force.cancelled().await;
            i
        });
    }
    let t0 = Instant::now();
    let mut got = drain(&mut pool).await;
    got.sort();
    assert_eq!(got, [0, 1]);
    let took = t0.elapsed();
    assert!(took >= Duration::from_millis(200) + GRACE, "{took:?}");
    assert!(
        took < Duration::from_millis(200) + GRACE + Duration::from_secs(3),
        "{took:?}"
    );
    assert!(!pool.has_room());
    assert_eq!(pool.shutdown().await.stop, Some(StopReason::Deadline));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_task_that_ignores_the_stop_is_aborted_after_the_force_bound() {
    let mut pool: DevicePool<()> = DevicePool::new(options(2, None), CancellationToken::new());
    pool.spawn(std::future::pending());
    pool.spawn(async {});
    assert_eq!(pool.next_finished().await, Some(()));
    pool.stop(StopReason::Caller);
    let t0 = Instant::now();
    assert_eq!(pool.next_finished().await, None, "aborted, not finished");
    let took = t0.elapsed();
    assert!(took >= GRACE + FORCE_BOUND, "{took:?}");
    assert!(
        took < GRACE + FORCE_BOUND + Duration::from_secs(3),
        "{took:?}"
    );
    assert_eq!(pool.in_flight(), 0);
    let report = pool.shutdown().await;
    assert_eq!(report.stop, Some(StopReason::Caller));
    assert_eq!(report.counters.open_now, 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn work_that_finishes_needs_no_stop_and_a_cancel_before_start_runs_nothing() {
    let mut pool: DevicePool<usize> = DevicePool::new(options(2, None), CancellationToken::new());
    let mut started = 0;
    let mut got = Vec::new();
    while started < 5 || pool.in_flight() > 0 {
        while pool.has_room() && started < 5 {
            let i = started;
            pool.spawn(async move { i });
            started += 1;
        }
        assert!(pool.in_flight() <= 2);
        if let Some(i) = pool.next_finished().await {
            got.push(i);
        }
    }
    got.sort();
    assert_eq!(got, [0, 1, 2, 3, 4]);
    assert_eq!(pool.stopped(), None);
    assert_eq!(pool.shutdown().await.stop, None);

    let cancel = CancellationToken::new();
    cancel.cancel();
    let mut pool: DevicePool<()> = DevicePool::new(options(2, None), cancel);
    assert!(!pool.has_room());
    assert_eq!(pool.next_finished().await, None);
    assert_eq!(pool.stopped(), Some(StopReason::Cancelled));
}
