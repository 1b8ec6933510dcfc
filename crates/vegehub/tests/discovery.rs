//! mDNS discovery needs multicast, which loopback in the root namespace lacks,
//! and must not send queries onto a real network: these run only from the
//! interop suite (interop/suites/51-vegehub-mdns.sh), inside a namespace it
//! created, with a simulator advertising from a second namespace.
//! Run: `cargo test -p vegehub --test discovery -- --ignored` with
//! VEGEHUB_EXPECT_INSTANCE and VEGEHUB_EXPECT_ADDR set.

use std::time::{Duration, Instant};

/// Threads of this process whose name starts with `prefix` (Linux /proc).
fn threads_named(prefix: &str) -> usize {
    std::fs::read_dir("/proc/self/task")
        .map(|d| {
            d.filter_map(Result::ok)
                .filter(|t| {
                    std::fs::read_to_string(t.path().join("comm"))
                        .is_ok_and(|c| c.trim_end().starts_with(prefix))
                })
                .count()
        })
        .unwrap_or(0)
}

#[tokio::test]
#[ignore = "interop"]
async fn discovers_the_simulator_stops_early_and_leaves_no_daemon_thread() {
    let name = std::env::var("VEGEHUB_EXPECT_INSTANCE").expect("VEGEHUB_EXPECT_INSTANCE");
    let addr = std::env::var("VEGEHUB_EXPECT_ADDR").expect("VEGEHUB_EXPECT_ADDR");
    assert_eq!(threads_named("mDNS_daemon"), 0);
    let t = Instant::now();
    let found = vegehub::discover(Duration::from_secs(5), Some(1))
        .await
        .unwrap();
    // Stopping at the first hub: well before the timeout.
    assert!(t.elapsed() < Duration::from_secs(4), "{:?}", t.elapsed());
    let hub = found
        .iter()
        .find(|d| d.name == name)
        .unwrap_or_else(|| panic!("{found:?}"));
    assert_eq!(hub.address().as_deref(), Some(addr.as_str()));
    assert_eq!(hub.properties.get("type").map(String::as_str), Some("hub"));
    assert_eq!(
        hub.properties.get("receiver").map(String::as_str),
        Some("/api/vsens/data_in")
    );
    no_daemon_thread_left();
    // The discovered address is a working hub.
    let info = vegehub::Hub::new(&addr).unwrap().info().await.unwrap();
    assert_eq!(info.mac.as_deref(), Some("7C9EBD4B49D8"));

    // Asked for more hubs than exist: the call ends at its deadline.
    // (One test, not two: the thread count above must see only our daemon.)
    let t = Instant::now();
    let found = vegehub::discover(Duration::from_millis(800), Some(99))
        .await
        .unwrap();
    let took = t.elapsed();
    assert!(
        took >= Duration::from_millis(800) && took < Duration::from_secs(3),
        "{took:?}"
    );
    // The responder may rate-limit a repeat answer within a second (RFC 6762),
    // so the hub may or may not be listed again; the deadline is what counts.
    assert!(found.len() <= 1, "{found:?}");
    no_daemon_thread_left();
}

/// The daemon acknowledges shutdown as its thread's last act, so the thread is
/// gone or going when `discover` returns: observe it leave, bounded.
fn no_daemon_thread_left() {
    let t = Instant::now();
    while threads_named("mDNS_daemon") > 0 {
        assert!(
            t.elapsed() < Duration::from_secs(1),
            "mDNS daemon thread left running"
        );
        std::thread::yield_now();
    }
}
