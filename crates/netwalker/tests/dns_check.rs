//! DNS check logic with a fake resolver (every verdict, deadlines,
//! concurrency bound), the report read back, and one real lookup of
//! `localhost` (answered from /etc/hosts; no traffic leaves the machine).

use calamine::{Data, Reader, Xlsx, open_workbook};
use netwalker::dns::*;
use netwalker::model::*;
use netwalker::store::StoreWriter;
use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

fn ip(s: &str) -> IpAddr {
    s.parse().unwrap()
}

enum Answer<T> {
    Is(T),
    Missing,
    Fails,
    Hangs,
}

#[derive(Default)]
struct Fake {
    forward: HashMap<String, Answer<Vec<IpAddr>>>,
    reverse: HashMap<IpAddr, Answer<String>>,
    in_flight: AtomicUsize,
    max_in_flight: AtomicUsize,
    asked: Mutex<Vec<String>>,
}

impl Fake {
    async fn answer<T: Clone>(&self, a: Option<&Answer<T>>) -> Result<T, LookupError> {
        let now = self.in_flight.fetch_add(1, Ordering::SeqCst) + 1;
        self.max_in_flight.fetch_max(now, Ordering::SeqCst);
        // Counted out also when a deadline drops the lookup.
        struct Out<'a>(&'a AtomicUsize);
        impl Drop for Out<'_> {
            fn drop(&mut self) {
                self.0.fetch_sub(1, Ordering::SeqCst);
            }
        }
        let _out = Out(&self.in_flight);
        // A real resolver takes a moment; so does the fake, on tokio's clock.
        tokio::time::sleep(Duration::from_millis(10)).await; // sleep-ok: simulated lookup latency
        match a {
            Some(Answer::Is(v)) => Ok(v.clone()),
            Some(Answer::Missing) | None => Err(LookupError::NotFound),
            Some(Answer::Fails) => Err(LookupError::Failed("SERVFAIL from 10.9.9.9".into())),
            Some(Answer::Hangs) => std::future::pending().await,
        }
    }
}

impl Resolver for Fake {
    async fn forward(&self, name: &str) -> Result<Vec<IpAddr>, LookupError> {
        self.asked.lock().unwrap().push(name.to_string());
        self.answer(self.forward.get(name)).await
    }
    async fn reverse(&self, ip: IpAddr) -> Result<String, LookupError> {
        self.answer(self.reverse.get(&ip)).await
    }
}

fn dev(id: i64, name: &str, addr: Option<&str>) -> Device {
    let mut d = Device::new(DeviceId(id), name, DeviceStatus::Walked);
    d.mgmt_ip = addr.map(ip);
    d
}

#[tokio::test(start_paused = true)]
async fn every_verdict_from_a_fake_resolver() {
    let mut f = Fake::default();
    let fw = |f: &mut Fake, n: &str, a: Answer<Vec<IpAddr>>| {
        f.forward.insert(n.to_string(), a);
    };
    let rv = |f: &mut Fake, i: &str, a: Answer<String>| {
        f.reverse.insert(ip(i), a);
    };
    fw(
        &mut f,
        "core1.example.net",
        Answer::Is(vec![ip("10.0.0.1")]),
    );
    rv(&mut f, "10.0.0.1", Answer::Is("core1.example.net.".into()));
    fw(
        &mut f,
        "acc1.example.net",
        Answer::Is(vec![ip("10.0.0.99")]),
    );
    rv(&mut f, "10.0.0.2", Answer::Is("acc1.example.net".into()));
    fw(&mut f, "acc2.example.net", Answer::Missing);
    rv(&mut f, "10.0.0.3", Answer::Missing);
    fw(
        &mut f,
        "fw1.example.net",
        Answer::Is(vec![ip("203.0.113.4")]),
    );
    rv(&mut f, "10.0.0.4", Answer::Is("fw1.example.net".into()));
    fw(&mut f, "slow.example.net", Answer::Hangs);
    rv(&mut f, "10.0.0.5", Answer::Is("slow.example.net".into()));
    fw(&mut f, "ptr.example.net", Answer::Is(vec![ip("10.0.0.6")]));
    rv(
        &mut f,
        "10.0.0.6",
        Answer::Is("somebody-else.example.net".into()),
    );
    fw(
        &mut f,
        "edge1.corp.example",
        Answer::Is(vec![ip("10.0.0.7")]),
    );
    rv(&mut f, "10.0.0.7", Answer::Is("EDGE1.corp.example".into()));
    fw(&mut f, "servfail.example.net", Answer::Fails);
    rv(
        &mut f,
        "10.0.0.8",
        Answer::Is("servfail.example.net".into()),
    );
    fw(&mut f, "noip.example.net", Answer::Is(vec![ip("10.0.0.9")]));
    fw(
        &mut f,
        "pub.example.net",
        Answer::Is(vec![ip("198.51.100.1")]),
    );
    rv(&mut f, "198.51.100.1", Answer::Is("pub.example.net".into()));
    fw(
        &mut f,
        "mixed.example.net",
        Answer::Is(vec![ip("10.0.0.11"), ip("198.51.100.11")]),
    );
    rv(&mut f, "10.0.0.11", Answer::Is("mixed.example.net".into()));

    let mut edge = dev(7, "edge1", Some("10.0.0.7"));
    edge.hostname_raw = Some("edge1.corp.example(FOC123)".into());
    let devices = vec![
        dev(1, "core1", Some("10.0.0.1")),
        dev(2, "acc1", Some("10.0.0.2")),
        dev(3, "acc2", Some("10.0.0.3")),
        dev(4, "fw1", Some("10.0.0.4")),
        dev(5, "slow", Some("10.0.0.5")),
        dev(6, "ptr", Some("10.0.0.6")),
        edge,
        dev(8, "servfail", Some("10.0.0.8")),
        dev(9, "noip", None),
        dev(10, "pub", Some("198.51.100.1")),
        dev(11, "mixed", Some("10.0.0.11")),
    ];
    let opts = DnsOptions {
        timeout: Duration::from_secs(2),
        domain: Some("example.net".into()),
        ..DnsOptions::default()
    };
    let start = tokio::time::Instant::now();
    let checks = check_devices(&f, &devices, &opts).await;
    let took = start.elapsed();
    assert!(
        took >= Duration::from_secs(2) && took < Duration::from_secs(3),
        "{took:?}"
    );
    let by: HashMap<&str, &DnsCheck> = checks.iter().map(|c| (c.device.as_str(), c)).collect();
    assert_eq!(checks.len(), devices.len());
    assert_eq!(checks[0].device, "core1", "input order kept");

    let v = |n: &str| by[n].verdict;
    assert_eq!(v("core1"), Verdict::Ok);
    assert_eq!(by["core1"].forward_matches_ip, Some(true));
    assert_eq!(by["core1"].reverse_matches_name, Some(true));

    assert_eq!(v("acc1"), Verdict::Mismatch);
    assert_eq!(by["acc1"].forward_matches_ip, Some(false));
    assert!(
        by["acc1"]
            .notes
            .iter()
            .any(|n| n.contains("management address"))
    );

    assert_eq!(v("acc2"), Verdict::Missing);
    assert_eq!(by["acc2"].forward_status, LookupStatus::NotFound);
    assert_eq!(by["acc2"].reverse_status, LookupStatus::NotFound);

    assert_eq!(v("fw1"), Verdict::Conflict);
    let c = by["fw1"].conflict.as_deref().unwrap();
    assert!(
        c.contains("public 203.0.113.4") && c.contains("private 10.0.0.4"),
        "{c}"
    );
    assert_eq!(v("pub"), Verdict::Ok, "public on both sides is consistent");
    assert_eq!(v("mixed"), Verdict::Conflict);

    assert_eq!(by["slow"].forward_status, LookupStatus::Timeout);
    assert_eq!(by["slow"].reverse_status, LookupStatus::Ok);
    assert_eq!(v("slow"), Verdict::Unknown);
    assert!(
        by["slow"]
            .notes
            .iter()
            .any(|n| n.contains("no answer within 2s"))
    );

    assert_eq!(v("ptr"), Verdict::Mismatch);
    assert_eq!(by["ptr"].reverse_matches_name, Some(false));

    assert_eq!(
        by["edge1"].query_name, "edge1.corp.example",
        "reported FQDN used"
    );
    assert_eq!(v("edge1"), Verdict::Ok);

    assert_eq!(by["servfail"].forward_status, LookupStatus::Error);
    assert_eq!(v("servfail"), Verdict::Unknown);
    assert!(by["servfail"].notes.iter().any(|n| n.contains("SERVFAIL")));

    assert_eq!(by["noip"].reverse_status, LookupStatus::Skipped);
    assert_eq!(v("noip"), Verdict::Unknown);

    // The workbook and JSON say the same.
    let dir = tempfile::tempdir().unwrap();
    let files = write_dns_report(&checks, dir.path(), 1_700_000_000).unwrap();
    assert_eq!(
        files
            .iter()
            .map(|p| p.file_name().unwrap().to_string_lossy().into_owned())
            .collect::<Vec<_>>(),
        ["DnsCheck_20231114-2213.xlsx", "DnsCheck_20231114-2213.json"]
    );
    let mut wb: Xlsx<_> = open_workbook(&files[0]).unwrap();
    assert_eq!(wb.sheet_names(), ["DNS"]);
    let range = wb.worksheet_range("DNS").unwrap();
    let rows: Vec<Vec<Data>> = range.rows().map(|r| r.to_vec()).collect();
    let header: Vec<String> = rows[0].iter().map(|c| c.to_string()).collect();
    let verdict_col = header.iter().position(|h| h == "Verdict").unwrap();
    assert_eq!(rows.len() - 1, checks.len());
    for (row, c) in rows[1..].iter().zip(&checks) {
        assert_eq!(row[0].to_string(), c.device);
        assert_eq!(row[verdict_col].to_string(), c.verdict.as_str());
    }
    let json: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&files[1]).unwrap()).unwrap();
    assert_eq!(json.as_array().unwrap().len(), checks.len());
    assert_eq!(json[3]["verdict"], "conflict");
    assert_eq!(json[0]["forward_ips"], serde_json::json!(["10.0.0.1"]));
}

#[tokio::test(start_paused = true)]
async fn lookups_are_bounded_by_concurrency_and_deadline() {
    let mut f = Fake::default();
    let devices: Vec<Device> = (1..=20)
        .map(|i| {
            let d = dev(i, &format!("h{i}"), Some(&format!("10.1.0.{i}")));
            f.forward.insert(d.hostname.clone(), Answer::Hangs);
            f.reverse.insert(d.mgmt_ip.unwrap(), Answer::Hangs);
            d
        })
        .collect();
    let opts = DnsOptions {
        timeout: Duration::from_millis(500),
        concurrency: 4,
        ..DnsOptions::default()
    };
    let start = tokio::time::Instant::now();
    let checks = check_devices(&f, &devices, &opts).await;
    let took = start.elapsed();
    assert!(
        checks
            .iter()
            .all(|c| c.forward_status == LookupStatus::Timeout
                && c.reverse_status == LookupStatus::Timeout)
    );
    // 20 devices, 4 at a time, 500 ms each: 5 rounds.
    assert!(
        took >= Duration::from_millis(2500) && took < Duration::from_millis(2600),
        "{took:?}"
    );
    assert!(
        f.max_in_flight.load(Ordering::SeqCst) <= 8,
        "two lookups per device, four devices"
    );
    assert_eq!(f.asked.lock().unwrap().len(), 20);
}

#[test]
fn private_ranges_and_store_selection() {
    for a in [
        "10.1.2.3",
        "172.16.0.1",
        "192.168.1.1",
        "127.0.0.1",
        "169.254.1.1",
        "100.64.0.1",
        "fd00::1",
        "fe80::1",
        "::1",
        "::ffff:10.0.0.1",
    ] {
        assert!(is_private(ip(a)), "{a}");
    }
    for a in [
        "8.8.8.8",
        "100.128.0.1",
        "172.32.0.1",
        "2001:db8::1",
        "::ffff:8.8.8.8",
    ] {
        assert!(!is_private(ip(a)), "{a}");
    }
    let mut w = StoreWriter::open_in_memory().unwrap();
    let mut nb = Device::new(DeviceId(2), "nb", DeviceStatus::NeighborOnly);
    nb.mgmt_ip = Some(ip("10.0.0.2"));
    let quiet = Device::new(DeviceId(3), "quiet", DeviceStatus::NeighborOnly);
    w.record_placeholders(&[nb, quiet]).unwrap();
    w.commit_device(&DeviceResult::bare(dev(1, "b-walked", Some("10.0.0.1"))))
        .unwrap();
    let walked = devices_to_check(w.read(), &DnsOptions::default()).unwrap();
    assert_eq!(
        walked
            .iter()
            .map(|d| d.hostname.as_str())
            .collect::<Vec<_>>(),
        ["b-walked"]
    );
    let all = devices_to_check(
        w.read(),
        &DnsOptions {
            include_unwalked: true,
            ..DnsOptions::default()
        },
    )
    .unwrap();
    assert_eq!(
        all.iter().map(|d| d.hostname.as_str()).collect::<Vec<_>>(),
        ["b-walked", "nb"]
    );
    let d = dev(1, "core1", None);
    assert_eq!(query_name(&d, Some(".example.net")), "core1.example.net");
    assert_eq!(query_name(&d, None), "core1");
}

/// The machine's own resolver, on a name /etc/hosts answers.
#[tokio::test]
async fn system_resolver_answers_localhost() {
    let r = SystemResolver;
    let ips = r.forward("localhost").await.expect("localhost resolves");
    assert!(ips.iter().any(|i| i.is_loopback()), "{ips:?}");
    let name = r
        .reverse(ip("127.0.0.1"))
        .await
        .expect("127.0.0.1 has a name in /etc/hosts");
    assert!(
        !name.is_empty() && name.parse::<IpAddr>().is_err(),
        "{name}"
    );
    let d = dev(1, "localhost", Some("127.0.0.1"));
    let opts = DnsOptions::default();
    let c = check_device(&r, &d, &opts).await;
    assert_eq!(c.forward_status, LookupStatus::Ok);
    assert_eq!(c.forward_matches_ip, Some(true));
    assert_eq!(c.reverse_status, LookupStatus::Ok);
    assert_ne!(c.verdict, Verdict::Conflict);
}
