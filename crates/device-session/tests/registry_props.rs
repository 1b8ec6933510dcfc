//! Property tests for the registry's lifecycle invariants, over fake devices
//! on in-memory streams and tokio's paused clock (so "never answers" costs
//! no wall time).

mod common;

use common::{Fake, Fault, Style};
use device_platform::Platform;
use device_session::{BoxIo, Credentials, OpenOptions, Registry, Session, SessionError, Timeouts};
use proptest::prelude::*;
use std::net::SocketAddr;
use std::time::Duration;
use tokio::time::Instant;

#[derive(Debug, Clone)]
enum Op {
    Open(Fault),
    FailOpen,
    Run(usize),
    RunStalls(usize),
    RunCancelled(usize),
    Close(usize),
    Drop(usize),
    PanicOwner(usize),
    Shutdown(u64),
}

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        4 => prop_oneof![
            Just(Fault::None),
            Just(Fault::SilentGoodbye),
            Just(Fault::StopMid),
            Just(Fault::DropMid),
        ]
        .prop_map(Op::Open),
        1 => Just(Op::FailOpen),
        3 => (0..8usize).prop_map(Op::Run),
        1 => (0..8usize).prop_map(Op::RunStalls),
        1 => (0..8usize).prop_map(Op::RunCancelled),
        2 => (0..8usize).prop_map(Op::Close),
        1 => (0..8usize).prop_map(Op::Drop),
        1 => (0..8usize).prop_map(Op::PanicOwner),
        1 => (0..3000u64).prop_map(Op::Shutdown),
    ]
}

const PANIC_MSG: &str = "owner task panics on purpose";

fn stream(fake: Fake) -> BoxIo {
    let (client, server) = tokio::io::duplex(16 * 1024);
    tokio::spawn(fake.serve(server));
    Box::new(client)
}

fn opts() -> OpenOptions {
    OpenOptions {
        platform: Some(Platform::CiscoIos),
        timeouts: Timeouts::uniform(Duration::from_secs(2)),
        ..Default::default()
    }
}

/// The slack allowed beyond `grace`: local work only, no peer round trips.
const SLACK: Duration = Duration::from_millis(50);

async fn scenario(ops: Vec<Op>) -> Result<(), TestCaseError> {
    let reg = Registry::new();
    let creds = Credentials::password("admin", "admin");
    let mut sessions: Vec<Option<Session>> = Vec::new();
    let (mut ok_opens, mut failed_opens) = (0u64, 0u64);
    let mut shut = false;
    let addr = |i: usize| SocketAddr::from(([127, 0, 1, (i % 250) as u8 + 1], 22));
    for op in ops {
        let n = sessions.len().max(1);
        match op {
            Op::Open(fault) => {
                let fake = Fake::new(&format!("d{}", sessions.len()), Style::Ios).fault(fault);
                match reg
                    .open_stream(stream(fake), addr(sessions.len()), None, &creds, &opts())
                    .await
                {
                    Ok(s) => {
                        prop_assert!(!shut, "open succeeded after shutdown");
                        ok_opens += 1;
                        sessions.push(Some(s));
                    }
                    Err(e) => {
                        prop_assert!(
                            shut && matches!(e, SessionError::ShuttingDown { .. }),
                            "unexpected {e}"
                        );
                        failed_opens += 1;
                    }
                }
            }
            Op::FailOpen => {
                let fake = Fake::new("np", Style::Ios).fault(Fault::NoPrompt);
                let r = reg
                    .open_stream(stream(fake), addr(251), None, &creds, &opts())
                    .await;
                prop_assert!(r.is_err());
                failed_opens += 1;
            }
            Op::Run(i) => {
                if let Some(Some(s)) = sessions.get_mut(i % n) {
                    let _ = s.run("show version").await;
                }
            }
            Op::RunStalls(i) => {
                if let Some(Some(s)) = sessions.get_mut(i % n) {
                    let _ = s
                        .run_with_timeout("show long", Duration::from_secs(1))
                        .await;
                }
            }
            Op::RunCancelled(i) => {
                if let Some(Some(s)) = sessions.get_mut(i % n) {
                    let _ = tokio::time::timeout(
                        Duration::from_millis(100),
                        s.run_with_timeout("show long", Duration::from_secs(10)),
                    )
                    .await;
                }
            }
            Op::Close(i) => {
                if let Some(slot) = sessions.get_mut(i % n)
                    && let Some(s) = slot.take()
                {
                    let started = Instant::now();
                    let _ = s.close().await;
                    prop_assert!(
                        started.elapsed() <= opts().timeouts.goodbye + SLACK,
                        "close took {:?}",
                        started.elapsed()
                    );
                }
            }
            Op::Drop(i) => {
                if let Some(slot) = sessions.get_mut(i % n) {
                    slot.take();
                }
            }
            Op::PanicOwner(i) => {
                if let Some(slot) = sessions.get_mut(i % n)
                    && let Some(s) = slot.take()
                {
                    let h = tokio::spawn(async move {
                        let _owned = s;
                        panic!("{PANIC_MSG}");
                    });
                    prop_assert!(h.await.is_err());
                }
            }
            Op::Shutdown(ms) => {
                let grace = Duration::from_millis(ms);
                let started = Instant::now();
                let report = reg.shutdown(grace).await;
                prop_assert!(
                    started.elapsed() <= grace + SLACK,
                    "shutdown took {:?} for grace {grace:?}",
                    started.elapsed()
                );
                prop_assert_eq!(report.still_open, 0);
                shut = true;
            }
        }
        let c = reg.counters();
        prop_assert_eq!(c.opened, c.closed_gracefully + c.force_closed + c.open_now);
        prop_assert_eq!(c.double_releases, 0);
    }
    let grace = Duration::from_millis(500);
    let started = Instant::now();
    let report = reg.shutdown(grace).await;
    prop_assert!(started.elapsed() <= grace + SLACK);
    drop(sessions);
    let c = reg.counters();
    prop_assert_eq!(report.still_open, 0);
    prop_assert_eq!(c.open_now, 0);
    prop_assert_eq!(c.opened, ok_opens);
    prop_assert_eq!(c.failed_opens, failed_opens);
    prop_assert_eq!(c.opened, c.closed_gracefully + c.force_closed);
    prop_assert_eq!(c.double_releases, 0);
    prop_assert!(reg.leaks(Duration::ZERO).is_empty());
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 96, ..ProptestConfig::default() })]

    #[test]
    fn every_session_is_released_exactly_once(ops in proptest::collection::vec(op(), 1..40)) {
        let default_hook = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            let quiet = info.payload().downcast_ref::<String>().is_some_and(|m| m.contains(PANIC_MSG));
            if !quiet {
                default_hook(info);
            }
        }));
        let rt = tokio::runtime::Builder::new_current_thread().enable_all().start_paused(true).build().unwrap();
        let r = rt.block_on(scenario(ops));
        drop(rt);
        let _ = std::panic::take_hook();
        r?;
    }
}
