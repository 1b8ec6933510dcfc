//! `netwalker exec` without every output in memory: [`ResultsWriter`] gets
//! each device as it finishes, writes the same files as `write_results`
//! (byte for byte for CSV, JSON and text; the same cells in the workbook),
//! and the executor keeps no output once it has been handed over.

use calamine::{Data, Reader, Xlsx, open_workbook};
use device_parsers::Platform;
use device_session::{Credentials, HostKeyPolicy, OpenOptions, Timeouts};
use netsim::{DeviceKind, GenerateOptions, Lab, LabConfig};
use netwalker::exec::{
    self, CommandResult, CommandStatus, DeviceRun, ExecError, ExecFormat, ExecOptions, ExecPlan,
    ExecProgress, ExecReport, ExecSink, ExecTarget, ResultsWriter,
};
use netwalker::model::DeviceStatus;
use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;
use std::time::Duration;
use tokio_util::sync::CancellationToken;

const STAMP: i64 = 1_700_000_000;
const STEM: &str = "Command_Results_20231114-2213";

fn all_formats() -> BTreeSet<ExecFormat> {
    BTreeSet::from([
        ExecFormat::Xlsx,
        ExecFormat::Csv,
        ExecFormat::Json,
        ExecFormat::Text,
    ])
}

fn result(command: &str, status: CommandStatus, output: String) -> CommandResult {
    CommandResult {
        command: command.into(),
        status,
        output,
        error: (status != CommandStatus::Ok).then(|| format!("{status} happened")),
        error_class: (status != CommandStatus::Ok).then(|| status.as_str().to_string()),
        duration_ms: 7,
        parsed: (status == CommandStatus::Ok)
            .then(|| serde_json::json!({"kind": "version", "records": [{"x": "\"y\"\n"}]})),
    }
}

/// Four devices, one with a 40,000-character output, one hostile, one
/// whose name collides with another's ignoring case.
fn full_report() -> ExecReport {
    let commands: Vec<String> = vec!["show version".into(), "show run | i /".into()];
    let huge: String = (0..2500).map(|i| format!("line {i:05}\n")).collect();
    let names = ["SW1", "sw1", "=evil\u{1b}[2J", "zz"];
    let devices: Vec<DeviceRun> = names
        .iter()
        .enumerate()
        .map(|(k, name)| DeviceRun {
            device: name.to_string(),
            ip: format!("127.9.2.{}", k + 1).parse().unwrap(),
            platform: (k % 2 == 0).then_some(Platform::CiscoXe),
            site: (k == 1).then(|| "NYC".to_string()),
            transport: (k != 3).then(|| "ssh".to_string()),
            duration_ms: 10 * k as u64,
            results: vec![
                result(
                    &commands[0],
                    CommandStatus::Ok,
                    if k == 0 {
                        huge.clone()
                    } else {
                        format!("=out {k}\n")
                    },
                ),
                result(
                    &commands[1],
                    if k == 3 {
                        CommandStatus::AuthFailed
                    } else {
                        CommandStatus::Rejected
                    },
                    "% Invalid input\n".into(),
                ),
            ],
        })
        .collect();
    let mut counts = BTreeMap::new();
    for r in devices.iter().flat_map(|d| &d.results) {
        *counts.entry(r.status).or_insert(0) += 1;
    }
    ExecReport {
        commands,
        parse: true,
        started: STAMP,
        duration_ms: 1234,
        interrupted: false,
        deadline_hit: false,
        counts,
        sessions_opened: 3,
        sessions_closed_gracefully: 3,
        sessions_force_closed: 0,
        sessions_failed_opens: 1,
        sessions_peak_concurrent: 2,
        sessions_open_at_exit: 0,
        devices,
    }
}

fn targets_of(r: &ExecReport) -> Vec<ExecTarget> {
    r.devices
        .iter()
        .map(|d| ExecTarget {
            name: d.device.clone(),
            ip: d.ip,
            platform: d.platform,
            site: d.site.clone(),
            last_status: DeviceStatus::Walked,
        })
        .collect()
}

fn sheets(path: &Path) -> Vec<(String, Vec<Vec<Data>>, usize)> {
    let mut wb: Xlsx<_> = open_workbook(path).unwrap();
    wb.load_tables().unwrap();
    wb.sheet_names()
        .into_iter()
        .map(|n| {
            let rows = wb
                .worksheet_range(&n)
                .unwrap()
                .rows()
                .map(|r| r.to_vec())
                .collect();
            let tables = wb.table_names_in_sheet(&n).len();
            (n, rows, tables)
        })
        .collect()
}

fn files_in(dir: &Path) -> BTreeMap<String, Vec<u8>> {
    std::fs::read_dir(dir)
        .unwrap()
        .map(|e| {
            let e = e.unwrap();
            (
                e.file_name().to_string_lossy().into_owned(),
                std::fs::read(e.path()).unwrap(),
            )
        })
        .collect()
}

#[test]
fn streamed_files_are_the_files_write_results_writes() {
    let full = full_report();
    let dir = tempfile::tempdir().unwrap();
    let (a, b) = (dir.path().join("a"), dir.path().join("b"));
    let expected = exec::write_results(&full, &a, &all_formats(), STAMP).unwrap();

    let mut w = ResultsWriter::create(
        &b,
        &all_formats(),
        STAMP,
        &targets_of(&full),
        &full.commands,
        full.parse,
    )
    .unwrap();
    // Devices finish in any order.
    for i in [2, 0, 3, 1] {
        w.device_done(i, &full.devices[i]).unwrap();
    }
    let mut summary = full.clone();
    for r in summary.devices.iter_mut().flat_map(|d| &mut d.results) {
        r.output.clear();
        r.parsed = None;
    }
    let got = w.finish(&summary).unwrap();
    let rel = |v: &[std::path::PathBuf], base: &Path| -> Vec<std::path::PathBuf> {
        v.iter()
            .map(|p| p.strip_prefix(base).unwrap().into())
            .collect()
    };
    assert_eq!(rel(&got, &b), rel(&expected, &a));

    for ext in ["csv", "json"] {
        let name = format!("{STEM}.{ext}");
        assert_eq!(
            String::from_utf8(std::fs::read(b.join(&name)).unwrap()).unwrap(),
            String::from_utf8(std::fs::read(a.join(&name)).unwrap()).unwrap(),
            "{name}"
        );
    }
    let texts = files_in(&b.join(STEM));
    assert_eq!(texts.len(), 4);
    assert_eq!(texts, files_in(&a.join(STEM)));
    let (xa, xb) = (
        sheets(&a.join(format!("{STEM}.xlsx"))),
        sheets(&b.join(format!("{STEM}.xlsx"))),
    );
    assert_eq!(xa.len(), 2);
    assert_eq!(xb, xa, "same sheets, cells and tables");
    // The formula-looking output is text in the workbook, quoted in the CSV.
    assert_eq!(xb[0].1[3][7], Data::String("=out 2\n".into()));
    // Nothing but the outputs is left: the spool is gone.
    let mut left: Vec<String> = std::fs::read_dir(&b)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    left.sort();
    assert_eq!(
        left,
        [
            STEM.to_string(),
            format!("{STEM}.csv"),
            format!("{STEM}.json"),
            format!("{STEM}.xlsx")
        ]
    );
}

#[test]
fn each_device_is_on_disk_when_it_is_handed_over() {
    let full = full_report();
    let dir = tempfile::tempdir().unwrap();
    let mut w = ResultsWriter::create(
        dir.path(),
        &all_formats(),
        STAMP,
        &targets_of(&full),
        &full.commands,
        full.parse,
    )
    .unwrap();
    let spool = dir.path().join(format!(".{STEM}.spool"));
    let mut before = 0;
    for (i, d) in full.devices.iter().enumerate() {
        w.device_done(i, d).unwrap();
        let out_len = d.results[0].output.len() as u64;
        // Flushed: the spool file on disk holds this device's output now.
        let on_disk = std::fs::metadata(&spool).unwrap().len();
        assert_eq!(on_disk, w.spooled_bytes());
        assert!(on_disk >= before + out_len, "device {i} not flushed");
        before = on_disk;
        let texts = files_in(&dir.path().join(STEM));
        assert_eq!(
            texts.len(),
            i + 1,
            "text file of device {i} written at once"
        );
    }
}

/// A sink that checks, at each hand-over, that the run is still going and
/// the device's output is already on disk.
struct Watching {
    inner: ResultsWriter,
    progress: tokio::sync::watch::Receiver<ExecProgress>,
    /// (output bytes handed over, devices done by then, total)
    seen: Vec<(usize, u64, u64)>,
}

impl ExecSink for Watching {
    fn device_done(&mut self, index: usize, run: &DeviceRun) -> Result<(), ExecError> {
        let before = self.inner.spooled_bytes();
        self.inner.device_done(index, run)?;
        let out: usize = run.results.iter().map(|r| r.output.len()).sum();
        assert!(self.inner.spooled_bytes() >= before + out as u64);
        let p = *self.progress.borrow();
        self.seen.push((out, p.done, p.total));
        Ok(())
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn execute_streaming_keeps_no_output_after_handing_it_over() {
    let (ssh, telnet) = (5142, 5143);
    let topo = netsim::generate(&GenerateOptions {
        devices: 16,
        seed: 9,
        faults: false,
        base_ip: "127.54.0.1".parse().unwrap(),
        ..GenerateOptions::default()
    });
    let lab = Lab::start(
        topo.clone(),
        LabConfig {
            ssh_port: ssh,
            telnet_port: telnet,
            ..LabConfig::default()
        },
    )
    .await
    .unwrap();
    let mut targets: Vec<ExecTarget> = topo
        .devices
        .iter()
        .filter(|d| matches!(d.kind, DeviceKind::Switch | DeviceKind::Router))
        .filter(|d| matches!(d.platform, Platform::CiscoIos | Platform::CiscoXe))
        .map(|d| ExecTarget {
            name: d.hostname.clone(),
            ip: d.mgmt_ip.into(),
            platform: Some(d.platform),
            site: None,
            last_status: DeviceStatus::Walked,
        })
        .collect();
    targets.sort_by_key(|t| t.name.to_lowercase());
    assert!(targets.len() >= 4, "{}", targets.len());
    let commands = vec!["show version".to_string()];
    let dir = tempfile::tempdir().unwrap();
    let (tx, rx) = tokio::sync::watch::channel(ExecProgress::default());
    let mut sink = Watching {
        inner: ResultsWriter::create(dir.path(), &all_formats(), STAMP, &targets, &commands, true)
            .unwrap(),
        progress: rx,
        seen: Vec::new(),
    };
    let opts = ExecOptions {
        ssh_port: ssh,
        telnet_port: telnet,
        concurrency: 2,
        credentials: vec![
            Credentials::password("admin", "admin")
                .with_enable_secret("admin")
                .into(),
        ],
        session: OpenOptions {
            host_key_policy: HostKeyPolicy::Off,
            timeouts: Timeouts {
                connect: Duration::from_secs(2),
                banner: Duration::from_secs(2),
                auth: Duration::from_secs(2),
                prompt: Duration::from_secs(2),
                command: Duration::from_secs(5),
                goodbye: Duration::from_secs(1),
            },
            ..OpenOptions::default()
        },
        device_timeout: Duration::from_secs(20),
        run_deadline: None,
        grace: Duration::from_secs(1),
        parse: true,
    };
    let plan = ExecPlan {
        targets: targets.clone(),
        commands,
    };
    let report = exec::execute_streaming(plan, opts, CancellationToken::new(), tx, &mut sink)
        .await
        .unwrap();
    assert_eq!(report.sessions_open_at_exit, 0);
    assert_eq!(report.devices.len(), targets.len());
    // Every device reached the sink with its output, the first ones while
    // the run still had devices to finish...
    assert_eq!(sink.seen.len(), targets.len());
    assert!(
        sink.seen.iter().all(|(out, _, _)| *out > 0),
        "{:?}",
        sink.seen
    );
    let (_, done, total) = sink.seen[0];
    assert!(
        done < total,
        "the first device is written before the run ends"
    );
    // ...and the report kept none of it.
    for d in &report.devices {
        assert_eq!(d.status(), CommandStatus::Ok, "{}", d.device);
        assert!(
            d.results
                .iter()
                .all(|r| r.output.is_empty() && r.parsed.is_none())
        );
    }
    let files = sink.inner.finish(&report).unwrap();
    assert_eq!(files.len(), 4);
    let first = &targets[0];
    let serial = &topo.device(&first.name).unwrap().serial;
    let text =
        std::fs::read_to_string(dir.path().join(STEM).join(format!("{}.txt", first.name))).unwrap();
    assert!(text.contains(serial.as_str()), "{text}");
    let json: serde_json::Value =
        serde_json::from_slice(&std::fs::read(dir.path().join(format!("{STEM}.json"))).unwrap())
            .unwrap();
    assert!(
        json["devices"][0]["results"][0]["output"]
            .as_str()
            .unwrap()
            .contains(serial.as_str())
    );
    assert_eq!(
        json["devices"][0]["results"][0]["parsed"]["kind"],
        "version"
    );
    let stats = lab.wait_until_idle(Duration::from_secs(5)).await;
    assert_eq!(stats.sessions_open, 0);
    lab.shutdown(Duration::from_secs(2)).await;
}
