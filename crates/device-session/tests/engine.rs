//! The session engine against scripted fake devices over in-memory streams.

mod common;

use common::{Fake, Fault, Style};
use device_platform::Platform;
use device_session::{
    BoxIo, Credentials, OpenOptions, Registry, Session, SessionError, Step, Timeouts,
};
use std::net::SocketAddr;
use std::time::Duration;

fn stream(fake: Fake) -> BoxIo {
    let (client, server) = tokio::io::duplex(64 * 1024);
    tokio::spawn(fake.serve(server));
    Box::new(client)
}

fn addr(n: u8) -> SocketAddr {
    SocketAddr::from(([127, 0, 0, n], 22))
}

fn creds() -> Credentials {
    Credentials::password("admin", "admin")
}

fn opts(t: Duration) -> OpenOptions {
    OpenOptions {
        timeouts: Timeouts::uniform(t),
        ..Default::default()
    }
}

/// Opens a session to `fake` over an in-memory stream, as if to 127.0.0.`n`,
/// with every deadline `t`.
async fn open(reg: &Registry, fake: Fake, n: u8, t: Duration) -> Result<Session, SessionError> {
    reg.open_stream(stream(fake), addr(n), None, &creds(), &opts(t))
        .await
}

#[tokio::test]
async fn ios_detect_run_reject_and_close_gracefully() {
    let reg = Registry::new();
    let fake = Fake::new("sw1", Style::Ios);
    let mut s = open(&reg, fake.clone(), 1, Duration::from_secs(5))
        .await
        .unwrap();
    assert_eq!(s.platform(), Some(Platform::CiscoIos));
    assert_eq!(s.info().prompt, "sw1#");
    assert_eq!(s.info().name.as_deref(), Some("sw1"));
    assert!(s.info().paging_disabled);
    assert!(
        s.info()
            .show_version
            .as_deref()
            .unwrap()
            .contains("Version 15.0(2)SE11")
    );

    let out = s.run("show version").await.unwrap();
    assert!(out.text.starts_with("Cisco IOS Software"), "{:?}", out.text);
    assert!(
        !out.text.contains("sw1#"),
        "trailing prompt not stripped: {:?}",
        out.text
    );
    assert!(
        !out.text.contains("show version"),
        "echo not stripped: {:?}",
        out.text
    );
    assert!(!out.rejected);

    let out = s.run("show bogus").await.unwrap();
    assert!(out.rejected);
    assert!(out.text.contains("% Invalid input"));

    let outs = s.run_all(["show long", "show version"]).await.unwrap();
    assert_eq!(outs[0].text.lines().count(), 100);
    assert_eq!(
        outs[0].text.lines().last(),
        Some("line 100 of the long output")
    );
    s.close().await.unwrap();

    let c = reg.counters();
    assert_eq!(
        (c.opened, c.closed_gracefully, c.force_closed, c.open_now),
        (1, 1, 0, 0)
    );
    let got = fake.received();
    assert_eq!(got.first().map(String::as_str), Some("terminal length 0"));
    assert_eq!(got.last().map(String::as_str), Some("exit"));
    assert_eq!(
        got.iter().filter(|l| *l == "exit").count(),
        1,
        "one goodbye, not exit-exit-logout: {got:?}"
    );
}

#[tokio::test]
async fn paging_accepted_before_show_version_is_not_sent_again() {
    let reg = Registry::new();
    for (style, host) in [(Style::Ios, "sw2"), (Style::Nxos, "nx2")] {
        let fake = Fake::new(host, style);
        let s = open(&reg, fake.clone(), 8, Duration::from_secs(5))
            .await
            .unwrap();
        assert!(s.info().paging_disabled);
        s.close().await.unwrap();
        assert_eq!(
            fake.received(),
            [
                "terminal length 0",
                "show version",
                "terminal width 511",
                "exit"
            ],
            "{host}"
        );
    }
    // Rejected before the platform was known: the platform's list still
    // sends it (and pages when it is refused again).
    let fake = Fake::new("old-sw2", Style::Ios).fault(Fault::NoPagingOff);
    let s = open(&reg, fake.clone(), 9, Duration::from_secs(5))
        .await
        .unwrap();
    assert!(!s.info().paging_disabled);
    s.close().await.unwrap();
    let got = fake.received();
    assert_eq!(
        got.iter().filter(|l| *l == "terminal length 0").count(),
        2,
        "{got:?}"
    );
}

#[tokio::test]
async fn banner_with_prompt_characters_does_not_fool_the_prompt() {
    let reg = Registry::new();
    let banner = "\r\n#########################################\r\n# Authorized access only! >>> router# <<<\r\ncore-rtr#\r\nfake>\r\n#########################################\r\n\r\n";
    let fake = Fake::new("edge-1", Style::Ios).banner(banner);
    let mut s = open(&reg, fake, 2, Duration::from_secs(5)).await.unwrap();
    assert_eq!(s.info().prompt, "edge-1#");
    let out = s.run("show version").await.unwrap();
    assert!(out.text.starts_with("Cisco IOS Software"), "{:?}", out.text);
    s.close().await.unwrap();
}

#[tokio::test]
async fn more_prompts_are_answered_when_paging_cannot_be_disabled() {
    let reg = Registry::new();
    let fake = Fake::new("old-sw", Style::Ios).fault(Fault::NoPagingOff);
    let mut s = reg
        .open_stream(
            stream(fake),
            addr(3),
            None,
            &creds(),
            &OpenOptions {
                platform: Some(Platform::CiscoIos),
                ..opts(Duration::from_secs(5))
            },
        )
        .await
        .unwrap();
    assert!(!s.info().paging_disabled);
    let out = s.run("show long").await.unwrap();
    let lines: Vec<&str> = out.text.lines().collect();
    assert_eq!(lines.len(), 100, "{:?}", out.text);
    assert!(
        lines.iter().all(|l| l.starts_with("line ")),
        "paging debris left: {:?}",
        out.text
    );
    s.close().await.unwrap();
}

#[tokio::test]
async fn enable_with_secret_and_wrong_secret() {
    let reg = Registry::new();
    let mut fake = Fake::new("acc1", Style::Ios);
    fake.enable_secret = Some("s3cret".into());
    let c = creds().with_enable_secret("s3cret");
    let s = reg
        .open_stream(
            stream(fake.clone()),
            addr(4),
            None,
            &c,
            &opts(Duration::from_secs(5)),
        )
        .await
        .unwrap();
    assert_eq!(s.info().prompt, "acc1#");
    s.close().await.unwrap();

    let c = creds().with_enable_secret("wrong");
    let e = reg
        .open_stream(
            stream(fake),
            addr(5),
            None,
            &c,
            &opts(Duration::from_secs(5)),
        )
        .await
        .unwrap_err();
    assert!(matches!(e, SessionError::EnableFailed { .. }), "{e}");
    assert!(!e.to_string().contains("wrong"), "secret leaked into {e}");
    let c = reg.counters();
    assert_eq!((c.opened, c.failed_opens, c.open_now), (1, 1, 0));
}

#[tokio::test]
async fn goodbye_leaves_config_mode_first() {
    let reg = Registry::new();
    let fake = Fake::new("sw9", Style::Ios);
    let mut s = open(&reg, fake.clone(), 6, Duration::from_secs(5))
        .await
        .unwrap();
    s.run("configure terminal").await.unwrap();
    s.close().await.unwrap();
    let got = fake.received();
    assert_eq!(&got[got.len() - 3..], ["configure terminal", "end", "exit"]);
}

#[tokio::test]
async fn other_platforms() {
    let reg = Registry::new();
    for (style, host, platform, prompt) in [
        (Style::Nxos, "nx1", Platform::CiscoNxos, "nx1#"),
        (Style::Panos, "fw1", Platform::PaloaltoPanos, "admin@fw1>"),
        (Style::Linux, "srv1", Platform::Linux, "admin@srv1:~$"),
    ] {
        let fake = Fake::new(host, style);
        let mut s = open(&reg, fake.clone(), 7, Duration::from_secs(5))
            .await
            .unwrap();
        assert_eq!(s.platform(), Some(platform));
        assert_eq!(s.info().prompt, prompt);
        let bad = s.run("frobnicate now").await.unwrap();
        assert!(bad.rejected, "{platform}: {:?}", bad.text);
        let long = s.run("show long").await.unwrap();
        assert_eq!(long.text.lines().count(), 100, "{platform}");
        s.close().await.unwrap();
        if style == Style::Panos {
            assert_eq!(
                fake.received().first().map(String::as_str),
                Some("set cli pager off")
            );
        }
    }
    assert_eq!(reg.counters().closed_gracefully, 3);
}

#[tokio::test]
async fn garbage_output_is_returned_lossily() {
    let reg = Registry::new();
    let fake = Fake::new("g1", Style::Ios).fault(Fault::Garbage);
    let mut s = open(&reg, fake, 8, Duration::from_secs(5)).await.unwrap();
    let out = s.run("show garbage").await.unwrap();
    assert!(!out.text.is_empty());
    let again = s.run("show version").await.unwrap();
    assert!(
        again.text.starts_with("Cisco IOS"),
        "session desynced after garbage: {:?}",
        again.text
    );
    s.close().await.unwrap();
}

#[tokio::test(start_paused = true)]
async fn no_prompt_fails_at_the_prompt_step_within_its_deadline() {
    let reg = Registry::new();
    let t = Duration::from_secs(3);
    let fake = Fake::new("np", Style::Ios)
        .fault(Fault::NoPrompt)
        .banner("Welcome to the lab\r\n");
    let started = tokio::time::Instant::now();
    let e = open(&reg, fake, 9, t).await.unwrap_err();
    assert!(
        started.elapsed() <= t + Duration::from_millis(50),
        "{:?}",
        started.elapsed()
    );
    match &e {
        SessionError::PromptNotFound {
            step: Step::Prompt,
            last_bytes,
            ..
        } => assert!(last_bytes.contains("Welcome"), "{last_bytes:?}"),
        other => panic!("wrong error {other}"),
    }
    let silent = Fake::new("np2", Style::Ios).fault(Fault::NoPrompt);
    let e = open(&reg, silent, 10, t).await.unwrap_err();
    assert!(
        matches!(
            e,
            SessionError::Timeout {
                step: Step::Prompt,
                ..
            }
        ),
        "{e}"
    );
    let c = reg.counters();
    assert_eq!((c.opened, c.failed_opens, c.open_now), (0, 2, 0));
}

#[tokio::test(start_paused = true)]
async fn output_that_stops_times_out_and_drop_mid_command_is_closed() {
    let reg = Registry::new();
    let fake = Fake::new("sm", Style::Ios).fault(Fault::StopMid);
    let mut s = open(&reg, fake, 11, Duration::from_secs(2)).await.unwrap();
    let started = tokio::time::Instant::now();
    let e = s
        .run_with_timeout("show long", Duration::from_secs(4))
        .await
        .unwrap_err();
    assert!(
        matches!(&e, SessionError::Timeout { step: Step::Command(c), .. } if c == "show long"),
        "{e}"
    );
    assert!(started.elapsed() <= Duration::from_secs(4) + Duration::from_millis(50));
    // The stream position is unknown now: later commands refuse rather than read stale output.
    assert!(s.run("show version").await.is_err());
    // The device never answers `exit` either: close is bounded and counted as forced.
    assert!(s.close().await.is_err());

    let fake = Fake::new("dm", Style::Ios).fault(Fault::DropMid);
    let mut s = open(&reg, fake, 12, Duration::from_secs(2)).await.unwrap();
    let e = s.run("show long").await.unwrap_err();
    assert!(
        matches!(
            e,
            SessionError::Closed {
                step: Step::Command(_),
                ..
            }
        ),
        "{e}"
    );
    drop(s);
    let report = reg.shutdown(Duration::from_secs(1)).await;
    assert_eq!(report.still_open, 0);
    let c = reg.counters();
    assert_eq!(
        (c.opened, c.closed_gracefully, c.force_closed, c.open_now),
        (2, 0, 2, 0)
    );
}

#[tokio::test]
async fn drop_without_close_is_forced_and_counted() {
    let reg = Registry::new();
    let s = open(
        &reg,
        Fake::new("d1", Style::Ios),
        13,
        Duration::from_secs(5),
    )
    .await
    .unwrap();
    assert_eq!(reg.counters().open_now, 1);
    assert_eq!(reg.leaks(Duration::ZERO).len(), 1);
    assert_eq!(reg.leaks(Duration::ZERO)[0].name.as_deref(), Some("d1"));
    assert!(reg.leaks(Duration::from_secs(3600)).is_empty());
    drop(s);
    let report = reg.shutdown(Duration::from_secs(2)).await;
    assert_eq!(report.still_open, 0);
    let c = reg.counters();
    assert_eq!(
        (c.opened, c.force_closed, c.open_now, c.peak_concurrent),
        (1, 1, 0, 1)
    );
}

/// The owner drops a session its connection task is already waiting on,
/// and the registry shuts down before that task runs again: the session was
/// abandoned, so it is a forced close, not a goodbye (the pool's cut-off
/// path does exactly this).
#[tokio::test]
async fn a_dropped_session_stays_forced_when_shutdown_follows_at_once() {
    let reg = Registry::new();
    let s = open(
        &reg,
        Fake::new("d1", Style::Ios),
        14,
        Duration::from_secs(5),
    )
    .await
    .unwrap();
    // Let the connection task reach its wait for the next request.
    for _ in 0..10 {
        tokio::task::yield_now().await;
    }
    drop(s);
    let report = reg.shutdown(Duration::from_secs(2)).await;
    assert_eq!(report.still_open, 0);
    let c = reg.counters();
    assert_eq!(
        (c.opened, c.closed_gracefully, c.force_closed, c.open_now),
        (1, 0, 1, 0),
        "{c:?}"
    );
}

#[tokio::test]
async fn owner_panic_still_releases() {
    let reg = Registry::new();
    let s = open(
        &reg,
        Fake::new("p1", Style::Ios),
        14,
        Duration::from_secs(5),
    )
    .await
    .unwrap();
    let h = tokio::spawn(async move {
        let _owned = s;
        panic!("owner task fails");
    });
    assert!(h.await.is_err());
    reg.shutdown(Duration::from_secs(2)).await;
    let c = reg.counters();
    assert_eq!((c.opened, c.force_closed, c.open_now), (1, 1, 0));
}

#[tokio::test]
async fn shutdown_is_bounded_when_peers_never_answer() {
    let reg = Registry::new();
    let mut sessions = Vec::new();
    for i in 0..5 {
        let fake = Fake::new(&format!("q{i}"), Style::Ios).fault(Fault::SilentGoodbye);
        sessions.push(
            reg.open_stream(
                stream(fake),
                addr(20 + i),
                None,
                &creds(),
                &opts(Duration::from_secs(30)),
            )
            .await
            .unwrap(),
        );
    }
    let good = open(
        &reg,
        Fake::new("ok", Style::Ios),
        30,
        Duration::from_secs(30),
    )
    .await
    .unwrap();
    let grace = Duration::from_millis(300);
    let started = std::time::Instant::now();
    let report = reg.shutdown(grace).await;
    let took = started.elapsed();
    assert!(
        took < grace + Duration::from_millis(400),
        "shutdown took {took:?}"
    );
    assert_eq!(report.still_open, 0);
    assert_eq!(report.closed_gracefully, 1);
    assert_eq!(report.force_closed, 5);
    // The owners' handles now report the shutdown, and new opens are refused.
    let mut s = sessions.pop().unwrap();
    assert!(matches!(
        s.run("show version").await,
        Err(SessionError::ShuttingDown { .. })
    ));
    drop(good);
    let e = open(
        &reg,
        Fake::new("late", Style::Ios),
        31,
        Duration::from_secs(1),
    )
    .await
    .unwrap_err();
    assert!(matches!(e, SessionError::ShuttingDown { .. }));
    let c = reg.counters();
    assert_eq!(c.opened, c.closed_gracefully + c.force_closed);
    assert_eq!(c.open_now, 0);
}

/// Whatever a broken device sends, opening ends (either way) within its
/// deadlines and never panics.
mod arbitrary_device_bytes {
    use super::*;
    use proptest::prelude::*;
    use tokio::io::AsyncWriteExt;

    proptest! {
        #![proptest_config(ProptestConfig { cases: 64, ..ProptestConfig::default() })]
        #[test]
        fn open_is_bounded_and_total(chunks in proptest::collection::vec(proptest::collection::vec(any::<u8>(), 0..300), 0..6), close in any::<bool>()) {
            let rt = tokio::runtime::Builder::new_current_thread().enable_all().start_paused(true).build().unwrap();
            rt.block_on(async move {
                let (client, mut server) = tokio::io::duplex(64 * 1024);
                tokio::spawn(async move {
                    for c in chunks {
                        if server.write_all(&c).await.is_err() {
                            return;
                        }
                    }
                    if !close {
                        // Stay connected and silent.
                        let mut sink = tokio::io::sink();
                        let _ = tokio::io::copy(&mut server, &mut sink).await;
                    }
                });
                let reg = Registry::new();
                let t = Duration::from_secs(2);
                let started = tokio::time::Instant::now();
                let r = reg.open_stream(Box::new(client), addr(200), None, &creds(), &opts(t)).await;
                // Prompt learning, then at most two setup commands, each bounded by `t`.
                prop_assert!(started.elapsed() <= t * 4 + Duration::from_millis(100), "took {:?}", started.elapsed());
                if let Ok(s) = r {
                    let _ = s.close().await;
                }
                reg.shutdown(Duration::from_millis(100)).await;
                prop_assert_eq!(reg.counters().open_now, 0);
                Ok(())
            })?;
        }
    }
}

#[tokio::test(start_paused = true)]
async fn abandoned_command_force_closes_and_says_so() {
    let reg = Registry::new();
    let fake = Fake::new("ab", Style::Ios).fault(Fault::StopMid);
    let mut s = open(&reg, fake, 40, Duration::from_secs(5)).await.unwrap();
    // The caller gives up before the command's own deadline.
    let r = tokio::time::timeout(
        Duration::from_millis(200),
        s.run_with_timeout("show long", Duration::from_secs(30)),
    )
    .await;
    assert!(r.is_err(), "the command cannot have finished");
    let e = s.run("show version").await.unwrap_err();
    assert!(
        matches!(&e, SessionError::Cancelled { step: Step::Command(c), .. } if c == "show long"),
        "{e}"
    );
    reg.shutdown(Duration::from_millis(100)).await;
    let c = reg.counters();
    assert_eq!((c.opened, c.force_closed, c.open_now), (1, 1, 0));
}
