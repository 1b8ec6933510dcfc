//! The executor's writers without a network: a report with awkward commands
//! (characters Excel forbids in sheet names, names that collide) and an
//! output longer than an Excel cell. The workbook must stay valid and say
//! that it cut; CSV, JSON and the text files keep everything.

use calamine::{Data, Reader, Xlsx, open_workbook};
use device_parsers::Platform;
use netwalker::exec::{self, CommandResult, CommandStatus, DeviceRun, ExecFormat, ExecReport};
use std::collections::{BTreeMap, BTreeSet};

fn result(command: &str, status: CommandStatus, output: String) -> CommandResult {
    CommandResult {
        command: command.into(),
        status,
        output,
        error: (status != CommandStatus::Ok).then(|| format!("{status} happened")),
        error_class: (status != CommandStatus::Ok).then(|| status.as_str().to_string()),
        duration_ms: 7,
        parsed: None,
    }
}

fn report(huge: &str) -> ExecReport {
    let commands: Vec<String> = [
        "show run | section interface Gi1/0/1",
        "show run | section interface Gi1/0/2",
        "show version",
    ]
    .map(String::from)
    .to_vec();
    let mut ok_version = result("show version", CommandStatus::Ok, "Cisco IOS XE\n".into());
    ok_version.parsed =
        Some(serde_json::json!({"kind": "version", "records": {"hostname": "sw1"}}));
    let devices = vec![
        DeviceRun {
            device: "sw1".into(),
            ip: "127.53.9.1".parse().unwrap(),
            platform: Some(Platform::CiscoXe),
            site: Some("NYC".into()),
            transport: Some("ssh".into()),
            duration_ms: 30,
            results: vec![
                result(&commands[0], CommandStatus::Ok, huge.to_string()),
                result(
                    &commands[1],
                    CommandStatus::Rejected,
                    "% Invalid input\n".into(),
                ),
                ok_version,
            ],
        },
        DeviceRun {
            device: "sw2".into(),
            ip: "127.53.9.2".parse().unwrap(),
            platform: None,
            site: None,
            transport: None,
            duration_ms: 1000,
            results: commands
                .iter()
                .map(|c| result(c, CommandStatus::AuthFailed, String::new()))
                .collect(),
        },
    ];
    let mut counts = BTreeMap::new();
    for r in devices.iter().flat_map(|d| &d.results) {
        *counts.entry(r.status).or_insert(0) += 1;
    }
    ExecReport {
        commands,
        parse: true,
        started: 1_700_000_000,
        duration_ms: 1000,
        interrupted: false,
        deadline_hit: false,
        counts,
        sessions_opened: 1,
        sessions_closed_gracefully: 1,
        sessions_force_closed: 0,
        sessions_failed_opens: 1,
        sessions_peak_concurrent: 1,
        sessions_open_at_exit: 0,
        devices,
    }
}

#[test]
fn workbook_stays_valid_and_other_formats_keep_everything() {
    let huge: String = (0..4000)
        .map(|i| format!("line {i:05} interface\n"))
        .collect();
    assert!(huge.len() > 40_000);
    let r = report(&huge);
    let dir = tempfile::tempdir().unwrap();
    let formats = BTreeSet::from([
        ExecFormat::Xlsx,
        ExecFormat::Csv,
        ExecFormat::Json,
        ExecFormat::Text,
    ]);
    let files = exec::write_results(&r, dir.path(), &formats, r.started).unwrap();
    let stem = "Command_Results_20231114-2213";
    assert_eq!(
        files,
        vec![
            dir.path().join(format!("{stem}.xlsx")),
            dir.path().join(format!("{stem}.csv")),
            dir.path().join(format!("{stem}.json")),
            dir.path().join(stem),
        ]
    );

    let mut wb: Xlsx<_> = open_workbook(&files[0]).unwrap();
    let names = wb.sheet_names();
    assert_eq!(names.len(), 3);
    assert_eq!(names[0], "show run | section interface Gi");
    assert_eq!(names[2], "show version");
    assert_ne!(names[0].to_lowercase(), names[1].to_lowercase());
    for n in &names {
        assert!(n.chars().count() <= 31 && !n.contains(['/', ':', '*', '?', '[', ']', '\\']));
    }
    wb.load_tables().unwrap();
    for n in &names {
        assert_eq!(wb.table_names_in_sheet(n).len(), 1, "{n}");
    }
    let first = wb.worksheet_range(&names[0]).unwrap();
    let header: Vec<String> = first
        .rows()
        .next()
        .unwrap()
        .iter()
        .map(|c| c.to_string())
        .collect();
    assert_eq!(
        header,
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
    let row = first.rows().nth(1).unwrap();
    let Data::String(out) = &row[7] else {
        panic!("output cell {:?}", row[7])
    };
    assert!(out.encode_utf16().count() <= 32_767);
    assert!(out.contains("[truncated: "), "the cut is marked");
    assert!(huge.starts_with(out.split(" …[truncated").next().unwrap()));
    assert_eq!(row[2].to_string(), "cisco_xe");
    assert_eq!(row[3].to_string(), "NYC");
    let rejected = wb.worksheet_range(&names[1]).unwrap();
    assert_eq!(rejected.rows().nth(1).unwrap()[4].to_string(), "rejected");
    assert_eq!(
        rejected.rows().nth(2).unwrap()[4].to_string(),
        "auth_failed"
    );
    let version = wb.worksheet_range(&names[2]).unwrap();
    let parsed: serde_json::Value =
        serde_json::from_str(&version.rows().nth(1).unwrap()[8].to_string()).unwrap();
    assert_eq!(parsed["records"]["hostname"], "sw1");

    // CSV: one row per device and command, full output.
    let mut csv = csv::Reader::from_path(&files[1]).unwrap();
    let rows: Vec<csv::StringRecord> = csv.records().map(|r| r.unwrap()).collect();
    assert_eq!(rows.len(), 6);
    let h = csv.headers().unwrap().clone();
    let col = |name: &str| h.iter().position(|c| c == name).unwrap();
    assert_eq!(&rows[0][col("Output")], huge.as_str());
    assert_eq!(&rows[3][col("Status")], "auth_failed");
    assert_eq!(&rows[3][col("Error class")], "auth_failed");

    // JSON: the whole report, full output, parsed records as values.
    let json: serde_json::Value =
        serde_json::from_slice(&std::fs::read(&files[2]).unwrap()).unwrap();
    assert_eq!(json["devices"][0]["results"][0]["output"], huge.as_str());
    assert_eq!(
        json["devices"][0]["results"][2]["parsed"]["kind"],
        "version"
    );
    assert_eq!(json["counts"]["auth_failed"], 3);
    // The stdout summary leaves outputs to the files.
    let summary = r.summary_json();
    assert!(summary["devices"][0]["results"][0].get("output").is_none());
    assert_eq!(summary["devices"][0]["results"][1]["status"], "rejected");

    // Text: one file per device, every command with its status.
    let sw1 = std::fs::read_to_string(files[3].join("sw1.txt")).unwrap();
    assert!(sw1.contains(&huge));
    assert!(sw1.contains("## show version [ok, 7 ms]"));
    let sw2 = std::fs::read_to_string(files[3].join("sw2.txt")).unwrap();
    assert!(sw2.contains("via no session"));
    assert_eq!(sw2.matches("[auth_failed, 7 ms]").count(), 3);
    assert_eq!(sw2.matches("!! auth_failed happened").count(), 3);
}
