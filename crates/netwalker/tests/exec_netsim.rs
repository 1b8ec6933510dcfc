//! The command executor against a netsim campus with faulty devices: a walk
//! fills the store, then `show version` and an invalid command run on every
//! device. Each device gets the status its fault calls for, an invalid
//! command is `rejected` (never `ok`), the workbook reads back with one sheet
//! per command, and no session is left open on either side — also when the
//! run is interrupted with devices in flight.

use calamine::{Data, Reader, Xlsx, open_workbook};
use device_parsers::Platform;
use device_session::{Credentials, HostKeyPolicy, OpenOptions, Timeouts};
use netsim::{Fault, GenerateOptions, Lab, LabConfig, Topology};
use netwalker::engine::{self, SeedTarget, WalkOptions, WalkProgress};
use netwalker::exec::{
    self, CommandStatus, ExecFilter, ExecFormat, ExecOptions, ExecPlan, ExecProgress, ExecReport,
};
use netwalker::filter::Filter;
use netwalker::identity::IdentityIndex;
use netwalker::store::{StoreWorker, StoreWriter};
use std::collections::{BTreeSet, HashMap};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};
use tokio_util::sync::CancellationToken;

const SSH_PORT: u16 = 5122;
const TELNET_PORT: u16 = 5123;
const INVALID: &str = "show bogus-command";

fn session_options(banner: Duration) -> OpenOptions {
    OpenOptions {
        host_key_policy: HostKeyPolicy::Off,
        timeouts: Timeouts {
            connect: Duration::from_secs(2),
            banner,
            auth: Duration::from_secs(2),
            prompt: Duration::from_secs(1),
            command: Duration::from_secs(2),
            goodbye: Duration::from_secs(1),
        },
        ..OpenOptions::default()
    }
}

fn credentials() -> Vec<netwalker::login::ScopedCredentials> {
    vec![
        Credentials::password("admin", "admin")
            .with_enable_secret("admin")
            .into(),
    ]
}

fn exec_options(banner: Duration, grace: Duration) -> ExecOptions {
    ExecOptions {
        ssh_port: SSH_PORT,
        telnet_port: TELNET_PORT,
        concurrency: 32,
        credentials: credentials(),
        session: session_options(banner),
        device_timeout: Duration::from_secs(20),
        run_deadline: None,
        grace,
        parse: true,
    }
}

async fn start_lab(devices: usize, base: &str) -> (Lab, Topology) {
    let topo = netsim::generate(&GenerateOptions {
        devices,
        seed: 5,
        faults: true,
        base_ip: base.parse().unwrap(),
        ..GenerateOptions::default()
    });
    let lab = Lab::start(
        topo.clone(),
        LabConfig {
            ssh_port: SSH_PORT,
            telnet_port: TELNET_PORT,
            slow_interval: Duration::from_millis(1),
            ..LabConfig::default()
        },
    )
    .await
    .unwrap();
    (lab, topo)
}

/// Walks the lab from core1 into a store file, as `netwalker discover` would.
async fn walk_into_store(topo: &Topology, dir: &Path) -> PathBuf {
    let path = dir.join("inv.sqlite");
    let worker = StoreWorker::spawn(StoreWriter::open(&path).unwrap(), 256).unwrap();
    let (tx, _rx) = tokio::sync::watch::channel(WalkProgress::default());
    let summary = engine::walk(
        vec![SeedTarget {
            name: Some("core1".into()),
            ip: topo.device("core1").unwrap().mgmt_ip.into(),
        }],
        IdentityIndex::new(),
        HashMap::new(),
        Filter::new(&engine::default_filter_config()).unwrap(),
        worker.sender(),
        WalkOptions {
            ssh_port: SSH_PORT,
            telnet_port: TELNET_PORT,
            credentials: credentials(),
            session: session_options(Duration::from_secs(1)),
            device_timeout: Duration::from_secs(20),
            ..WalkOptions::default()
        },
        CancellationToken::new(),
        tx,
    )
    .await
    .unwrap();
    assert_eq!(summary.sessions_open_at_exit, 0);
    worker.shutdown().await.unwrap();
    path
}

fn cell(d: &Data) -> String {
    match d {
        Data::Empty => String::new(),
        Data::String(s) => s.clone(),
        other => other.to_string(),
    }
}

fn statuses(r: &ExecReport, device: &str) -> Vec<CommandStatus> {
    r.devices
        .iter()
        .find(|d| d.device == device)
        .unwrap_or_else(|| panic!("{device} was not a target"))
        .results
        .iter()
        .map(|c| c.status)
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_device_gets_the_status_its_fault_calls_for() {
    let (lab, topo) = start_lab(120, "127.53.0.1").await;
    let dir = tempfile::tempdir().unwrap();
    let store = walk_into_store(&topo, dir.path()).await;
    let walk_stats = lab.wait_until_idle(Duration::from_secs(5)).await;
    assert_eq!(walk_stats.sessions_open, 0);

    let targets = exec::select_from_store(&store.clone().into(), &ExecFilter::default()).unwrap();
    let target_names: BTreeSet<&str> = targets.iter().map(|t| t.name.as_str()).collect();
    let faulty: Vec<(&str, Fault)> = topo
        .devices
        .iter()
        .filter_map(|d| d.fault.map(|f| (d.hostname.as_str(), f)))
        .collect();
    assert_eq!(faulty.len(), Fault::ALL.len(), "the lab has every fault");
    for (name, _) in &faulty {
        assert!(target_names.contains(name), "{name} is not a target");
    }

    let (tx, _rx) = tokio::sync::watch::channel(ExecProgress::default());
    let t0 = Instant::now();
    let report = exec::execute(
        ExecPlan {
            targets: targets.clone(),
            commands: vec!["show version".into(), INVALID.into()],
        },
        exec_options(Duration::from_secs(1), Duration::from_secs(1)),
        CancellationToken::new(),
        tx,
    )
    .await
    .unwrap();
    let took = t0.elapsed();
    assert!(took < Duration::from_secs(15), "{took:?}");
    assert!(!report.interrupted);
    assert_eq!(report.devices.len(), targets.len());
    assert_eq!(report.sessions_open_at_exit, 0);

    use CommandStatus::*;
    let fault_of: HashMap<&str, Fault> = faulty.iter().copied().collect();
    let mut healthy_cisco = 0;
    for d in &report.devices {
        assert_eq!(d.results.len(), 2, "{}", d.device);
        assert_eq!(d.results[1].command, INVALID);
        let got = statuses(&report, &d.device);
        let spec = topo.device(&d.device).unwrap();
        match fault_of.get(d.device.as_str()) {
            Some(Fault::EndlessOutput | Fault::LegacySshOnly | Fault::EcdsaHostKey) => {
                unreachable!("not in Fault::ALL: the generator never assigns it")
            }
            Some(Fault::AuthFail) => assert_eq!(got, [AuthFailed, AuthFailed], "{}", d.device),
            Some(Fault::NoBanner | Fault::StopMidOutput) => {
                assert_eq!(got[0], Timeout, "{} {:?}", d.device, d.results[0].error)
            }
            Some(Fault::NoPrompt) => assert!(
                matches!(got[0], Timeout | Failed),
                "{}: {:?}",
                d.device,
                d.results[0]
            ),
            Some(Fault::RefuseAll) => {
                assert_eq!(got, [Failed, Failed], "{}", d.device);
                assert_eq!(d.results[0].error_class.as_deref(), Some("refused"));
                assert!(d.results[0].error.as_deref().unwrap().contains("refused"));
            }
            Some(Fault::DropMidCommand) => assert_eq!(got[0], Failed, "{}", d.device),
            Some(Fault::GarbageOutput) => {
                // Answers with noise, then a normal prompt; an invalid
                // command still gets the real error message.
                assert_ne!(got[0], AuthFailed, "{}", d.device);
            }
            Some(Fault::TelnetOnly) => {
                assert_eq!(got, [Ok, Rejected], "{}", d.device);
                assert_eq!(d.transport.as_deref(), Some("telnet"));
            }
            Some(Fault::SlowOutput | Fault::BannerWithPromptChars) | None => {
                // Healthy: `show version` exists on Cisco only; elsewhere it
                // is as invalid as the bogus command. Never `ok` for an error.
                let cisco = matches!(
                    spec.platform,
                    Platform::CiscoIos | Platform::CiscoXe | Platform::CiscoNxos
                );
                let want = if cisco { Ok } else { Rejected };
                assert_eq!(got, [want, Rejected], "{} ({:?})", d.device, spec.platform);
                assert!(
                    d.results[1]
                        .error
                        .as_deref()
                        .unwrap()
                        .starts_with("rejected")
                );
                if cisco {
                    healthy_cisco += 1;
                    assert!(
                        d.results[0].output.contains(&spec.serial),
                        "{}: output lacks the serial",
                        d.device
                    );
                    let parsed = d.results[0].parsed.as_ref().expect("show version parsed");
                    assert_eq!(parsed["kind"], "version");
                }
                assert!(d.results[1].parsed.is_none());
            }
        }
        if got.iter().any(|s| *s != Ok && *s != Rejected) {
            assert!(
                d.results
                    .iter()
                    .all(|r| r.status == Ok || r.error.is_some()),
                "{}: a failure without a reason",
                d.device
            );
        }
    }
    assert!(healthy_cisco > 50, "{healthy_cisco}");
    let total_results: u64 = report.counts.values().sum();
    assert_eq!(total_results, 2 * targets.len() as u64);

    // Every session the executor opened is closed, on both sides.
    let stats = lab.wait_until_idle(Duration::from_secs(5)).await;
    assert_eq!(stats.sessions_open, 0, "{stats:?}");
    let logged_in = report
        .devices
        .iter()
        .filter(|d| d.transport.is_some())
        .count() as u64;
    assert_eq!(report.sessions_opened, logged_in, "one session per device");
    assert!(stats.sessions_opened - walk_stats.sessions_opened >= logged_in);

    // Outputs: workbook with a sheet per command, CSV, JSON, text per device.
    let out = dir.path().join("out");
    let formats = BTreeSet::from([
        ExecFormat::Xlsx,
        ExecFormat::Csv,
        ExecFormat::Json,
        ExecFormat::Text,
    ]);
    let stamp = 1_700_000_000; // 2023-11-14 22:13 UTC
    let files = exec::write_results(&report, &out, &formats, stamp).unwrap();
    assert_eq!(files.len(), 4);
    let xlsx = out.join("Command_Results_20231114-2213.xlsx");
    assert!(files.contains(&xlsx), "{files:?}");
    let mut wb: Xlsx<_> = open_workbook(&xlsx).unwrap();
    assert_eq!(wb.sheet_names(), vec!["show version", INVALID]);
    wb.load_tables().unwrap();
    let auth_failed = faulty
        .iter()
        .find(|(_, f)| *f == Fault::AuthFail)
        .unwrap()
        .0;
    for (i, name) in ["show version", INVALID].iter().enumerate() {
        let tables = wb.table_names_in_sheet(name);
        assert_eq!(tables.len(), 1, "{name} holds one Excel table");
        let range = wb.worksheet_range(name).unwrap();
        let rows: Vec<Vec<String>> = range.rows().map(|r| r.iter().map(cell).collect()).collect();
        assert_eq!(
            rows[0],
            [
                "Device",
                "IP",
                "Platform",
                "Site",
                "Status",
                "Error",
                "Duration (ms)",
                "Output",
                "Parsed"
            ]
        );
        assert_eq!(rows.len(), targets.len() + 1, "{name}");
        for row in &rows[1..] {
            let d = report.devices.iter().find(|d| d.device == row[0]).unwrap();
            assert_eq!(row[1], d.ip.to_string());
            assert_eq!(row[4], d.results[i].status.as_str(), "{name} {}", row[0]);
        }
        let af = rows.iter().find(|r| r[0] == auth_failed).unwrap();
        assert_eq!(af[4], "auth_failed");
        assert!(af[5].contains("authentication failed"), "{af:?}");
    }
    let csv_rows = csv::Reader::from_path(out.join("Command_Results_20231114-2213.csv"))
        .unwrap()
        .records()
        .count();
    assert_eq!(csv_rows, 2 * targets.len());
    let json: serde_json::Value = serde_json::from_slice(
        &std::fs::read(out.join("Command_Results_20231114-2213.json")).unwrap(),
    )
    .unwrap();
    assert_eq!(json["sessions_open_at_exit"], 0);
    assert_eq!(json["devices"].as_array().unwrap().len(), targets.len());
    let text_dir = out.join("Command_Results_20231114-2213");
    assert_eq!(std::fs::read_dir(&text_dir).unwrap().count(), targets.len());
    let core = std::fs::read_to_string(text_dir.join("core1.txt")).unwrap();
    assert!(core.contains("## show version [ok,"), "{core}");
    assert!(core.contains(&format!("## {INVALID} [rejected,")), "{core}");

    lab.shutdown(Duration::from_secs(2)).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn interrupt_closes_devices_in_flight_and_skips_the_rest() {
    let (lab, topo) = start_lab(40, "127.53.200.1").await;
    let dir = tempfile::tempdir().unwrap();
    let store = walk_into_store(&topo, dir.path()).await;
    lab.wait_until_idle(Duration::from_secs(5)).await;
    let targets = exec::select_from_store(&store.clone().into(), &ExecFilter::default()).unwrap();
    // The silent device first, then healthy ones, one at a time: when the
    // stop comes the silent one is in flight and the rest never start.
    let silent = topo
        .devices
        .iter()
        .find(|d| d.fault == Some(Fault::NoBanner))
        .unwrap();
    let mut ordered: Vec<_> = targets
        .iter()
        .filter(|t| t.name == silent.hostname)
        .cloned()
        .collect();
    assert_eq!(ordered.len(), 1);
    ordered.extend(
        targets
            .iter()
            .filter(|t| topo.device(&t.name).is_some_and(|d| d.fault.is_none()))
            .take(3)
            .cloned(),
    );
    let cancel = CancellationToken::new();
    let (tx, mut rx) = tokio::sync::watch::channel(ExecProgress::default());
    let opts = ExecOptions {
        concurrency: 1,
        // Far longer than the test may take: only the stop can end it.
        ..exec_options(Duration::from_secs(30), Duration::from_millis(300))
    };
    let run = tokio::spawn(exec::execute(
        ExecPlan {
            targets: ordered.clone(),
            commands: vec!["show version".into()],
        },
        opts,
        cancel.clone(),
        tx,
    ));
    // Stop once the silent device is in flight.
    rx.wait_for(|p| p.in_flight == 1).await.unwrap();
    let t0 = Instant::now();
    cancel.cancel();
    let report = tokio::time::timeout(Duration::from_secs(5), run)
        .await
        .expect("execute returns within grace + a small bound")
        .unwrap()
        .unwrap();
    assert!(t0.elapsed() < Duration::from_secs(3), "{:?}", t0.elapsed());
    assert!(report.interrupted);
    assert_eq!(report.sessions_open_at_exit, 0);
    assert_eq!(
        statuses(&report, &silent.hostname),
        [CommandStatus::Interrupted]
    );
    for t in &ordered[1..] {
        let r = &report.devices.iter().find(|d| d.device == t.name).unwrap();
        assert_eq!(r.results[0].status, CommandStatus::NotRun, "{}", t.name);
        assert!(
            r.results[0]
                .error
                .as_deref()
                .unwrap()
                .contains("interrupted")
        );
    }
    let stats = lab.wait_until_idle(Duration::from_secs(5)).await;
    assert_eq!(stats.sessions_open, 0, "{stats:?}");

    // Cancelled before it starts: nothing opened, every device not_run.
    let cancel = CancellationToken::new();
    cancel.cancel();
    let (tx, _rx) = tokio::sync::watch::channel(ExecProgress::default());
    let report = exec::execute(
        ExecPlan {
            targets: targets.clone(),
            commands: vec!["show version".into()],
        },
        exec_options(Duration::from_secs(1), Duration::from_millis(300)),
        cancel,
        tx,
    )
    .await
    .unwrap();
    assert_eq!(report.sessions_opened, 0);
    assert_eq!(
        report.counts.get(&CommandStatus::NotRun).copied(),
        Some(targets.len() as u64)
    );
    lab.shutdown(Duration::from_secs(2)).await;
}

/// exec offers a credential set only inside its scope: a target outside
/// every scope fails as `out_of_scope` without a connection, one inside runs.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn targets_outside_every_credential_scope_are_never_connected_to() {
    let topo = netsim::generate(&GenerateOptions {
        devices: 20,
        seed: 6,
        base_ip: "127.62.0.1".parse().unwrap(),
        ..GenerateOptions::default()
    });
    let lab = Lab::start(
        topo.clone(),
        LabConfig {
            ssh_port: SSH_PORT,
            telnet_port: TELNET_PORT,
            ..LabConfig::default()
        },
    )
    .await
    .unwrap();
    let target = |name: &str| exec::ExecTarget {
        name: name.into(),
        ip: topo.device(name).unwrap().mgmt_ip.into(),
        platform: None,
        site: None,
        last_status: netwalker::model::DeviceStatus::Walked,
    };
    let (inside, outside) = (target("core1"), target("core2"));
    let mut opts = exec_options(Duration::from_secs(1), Duration::from_secs(1));
    opts.credentials = vec![netwalker::login::ScopedCredentials {
        credentials: Credentials::password("admin", "admin").with_enable_secret("admin"),
        scope: vec![format!("{}/32", inside.ip).parse().unwrap()],
    }];
    let (tx, _rx) = tokio::sync::watch::channel(ExecProgress::default());
    let report = exec::execute(
        ExecPlan {
            targets: vec![inside, outside],
            commands: vec!["show version".into()],
        },
        opts,
        CancellationToken::new(),
        tx,
    )
    .await
    .unwrap();
    assert_eq!(statuses(&report, "core1"), [CommandStatus::Ok]);
    let out = report.devices.iter().find(|d| d.device == "core2").unwrap();
    assert_eq!(out.results[0].status, CommandStatus::Failed);
    assert_eq!(out.results[0].error_class.as_deref(), Some("out_of_scope"));
    assert!(
        out.results[0]
            .error
            .as_deref()
            .unwrap()
            .contains("no credential set is scoped to"),
        "{:?}",
        out.results[0].error
    );
    let stats = lab.wait_until_idle(Duration::from_secs(5)).await;
    assert_eq!(
        stats.sessions_opened, 1,
        "core2 was never offered a password: {stats:?}"
    );
    assert_eq!(stats.sessions_open, 0);
    lab.shutdown(Duration::from_secs(2)).await;
}
