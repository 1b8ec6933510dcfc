//! The inventory workbook read back with calamine: every sheet's columns, the
//! row counts and sample rows against the store; per-site workbooks; the
//! 32,767-character cell limit; CSV and JSON saying the same.

use calamine::{Data, Reader, Xlsx, open_workbook};
use netwalker::model::*;
use netwalker::report::{ReportFormat, ReportOptions, write_reports};
use netwalker::store::{StoreReader, StoreWriter};
use std::collections::{BTreeSet, HashMap};
use std::path::{Path, PathBuf};

#[path = "common/campus.rs"]
mod campus;
use campus::{CampusSpec, fill_campus};

const STAMP: i64 = 1_700_000_000; // 2023-11-14 22:13:20 UTC
const SHEETS: [&str; 8] = [
    "Summary",
    "Devices",
    "Stack Members",
    "Connections",
    "VLANs",
    "Failures",
    "End Hosts",
    "End Host Ports",
];

fn build_store(dir: &Path) -> (PathBuf, usize) {
    let path = dir.join("inv.db");
    let mut w = StoreWriter::open(&path).unwrap();
    let spec = CampusSpec {
        sites: 2,
        dist_pairs_per_site: 1,
        access_per_pair: 4,
        phones_per_access: 1,
        aps_per_access: 1,
    };
    let n = fill_campus(&mut w, &spec).unwrap();
    assert_eq!(n, spec.device_count());
    // A WAN link between the sites, reported by NYC's core.
    let nyc = w
        .read()
        .devices()
        .unwrap()
        .into_iter()
        .find(|d| d.hostname == "NYC-CORE-1")
        .unwrap();
    let lon = w
        .read()
        .devices()
        .unwrap()
        .into_iter()
        .find(|d| d.hostname == "LON-CORE-1")
        .unwrap();
    // It could not answer everything, and needed legacy SSH algorithms.
    let mut nyc = nyc;
    nyc.warnings = vec![
        "`show lldp neighbors detail`: LLDP is not enabled on the device, so its LLDP neighbours are unknown".into(),
        "`show switch` was rejected by the device (% Invalid input detected at '^' marker.), so that part of its record is missing".into(),
    ];
    nyc.legacy_crypto = true;
    let mut r = DeviceResult::bare(nyc.clone());
    r.links = vec![Link::new(
        nyc.id,
        "Ethernet1/48",
        lon.id,
        "Ethernet1/48",
        LinkProtocol::Lldp,
    )];
    w.commit_device(&r).unwrap();
    // A device whose failure text is longer than an Excel cell may hold.
    let mut big = Device::new(DeviceId(10_000), "ZZZ-broken", DeviceStatus::Failed);
    big.reason = Some(format!("garbage output: {}", "x".repeat(40_000)));
    big.error_class = Some("parse".into());
    big.mgmt_ip = Some("192.0.2.9".parse().unwrap());
    w.commit_device(&DeviceResult::bare(big)).unwrap();
    (path, n + 1)
}

type Sheet = Vec<Vec<Data>>;

/// Sheets by name, sheet names in order, Excel table columns by sheet.
type Workbook = (
    HashMap<String, Sheet>,
    Vec<String>,
    HashMap<String, Vec<String>>,
);

fn read_sheets(path: &Path) -> Workbook {
    let mut wb: Xlsx<_> = open_workbook(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let names = wb.sheet_names();
    wb.load_tables().unwrap();
    let mut tables = HashMap::new();
    let mut sheets = HashMap::new();
    for name in &names {
        let in_sheet: Vec<String> = wb.table_names_in_sheet(name).into_iter().cloned().collect();
        assert_eq!(in_sheet.len(), 1, "sheet {name} has one Excel table");
        let t = wb.table_by_name(&in_sheet[0]).unwrap();
        tables.insert(name.clone(), t.columns().to_vec());
        let range = wb.worksheet_range(name).unwrap();
        sheets.insert(name.clone(), range.rows().map(|r| r.to_vec()).collect());
    }
    (sheets, names, tables)
}

fn s(d: &Data) -> String {
    match d {
        Data::Empty => String::new(),
        Data::String(s) => s.clone(),
        Data::Float(f) => format!("{f}"),
        Data::Int(i) => i.to_string(),
        other => other.to_string(),
    }
}

/// Rows as header -> value maps (header row dropped).
fn records(sheet: &Sheet) -> Vec<HashMap<String, String>> {
    let header: Vec<String> = sheet[0].iter().map(s).collect();
    sheet[1..]
        .iter()
        .filter(|r| r.iter().any(|c| !matches!(c, Data::Empty)))
        .map(|r| header.iter().cloned().zip(r.iter().map(s)).collect())
        .collect()
}

#[test]
fn workbook_matches_the_store() {
    let dir = tempfile::tempdir().unwrap();
    let (db, total) = build_store(dir.path());
    let store = StoreReader::open(&db).unwrap();
    let out = dir.path().join("out");
    let opts = ReportOptions {
        out_dir: out.clone(),
        formats: BTreeSet::from([ReportFormat::Xlsx, ReportFormat::Csv, ReportFormat::Json]),
        site_pattern: Some("*-CORE-*".into()),
        timestamp: STAMP,
    };
    let written = write_reports(&store, &opts).unwrap();
    let main = out.join("Inventory_20231114-2213.xlsx");
    assert!(written.contains(&main), "{written:?}");
    for f in written.iter() {
        assert!(f.exists(), "{}", f.display());
    }

    let devices = store.devices().unwrap();
    assert_eq!(devices.len(), total);
    let links = store.links().unwrap();
    let stacks = store.all_stack_members().unwrap();
    let vlans = store.all_vlans().unwrap();
    let counts = store.status_counts().unwrap();
    let by_id: HashMap<DeviceId, &Device> = devices.iter().map(|d| (d.id, d)).collect();

    let (sheets, names, tables) = read_sheets(&main);
    assert_eq!(names, SHEETS);
    let want_cols: HashMap<&str, Vec<&str>> = HashMap::from([
        ("Summary", vec!["Item", "Value"]),
        (
            "Devices",
            vec![
                "Hostname",
                "IP",
                "Platform",
                "Model",
                "Serial",
                "Software Version",
                "Uptime",
                "Stack",
                "Stack Role",
                "Stack Members",
                "Depth",
                "Discovered Via",
                "Parent",
                "Connection Method",
                "First Seen",
                "Last Seen",
                "Status",
                "Reason",
                "Warnings",
                "Legacy Crypto",
                "Site",
            ],
        ),
        (
            "Stack Members",
            vec![
                "Device", "Switch", "Role", "Priority", "Model", "Serial", "MAC", "Version",
                "State",
            ],
        ),
        (
            "Connections",
            vec![
                "Device",
                "Local Interface",
                "Neighbor",
                "Neighbor Interface",
                "Protocols",
                "Neighbor Platform",
                "Neighbor Capabilities",
                "Neighbor Site",
                "Scope",
            ],
        ),
        (
            "VLANs",
            vec![
                "Device",
                "VLAN",
                "Name",
                "Port Count",
                "Connected Ports",
                "Port-Channels",
                "Ports",
            ],
        ),
        (
            "Failures",
            vec!["Device", "IP", "Error Class", "Message", "Attempts"],
        ),
        (
            "End Hosts",
            vec![
                "MAC",
                "Vendor",
                "IPs",
                "Status",
                "Switch",
                "Port",
                "VLAN",
                "Detail",
                "First Seen",
                "Last Seen",
            ],
        ),
        (
            "End Host Ports",
            vec!["Switch", "Port", "Hosts", "Ambiguous Hosts"],
        ),
    ]);
    for sheet in SHEETS {
        let header: Vec<String> = sheets[sheet][0].iter().map(s).collect();
        assert_eq!(header, want_cols[sheet], "{sheet} header row");
        assert_eq!(
            tables[sheet], want_cols[sheet],
            "{sheet} Excel table columns"
        );
    }

    // Devices: every store device once, with its facts.
    let dev_rows = records(&sheets["Devices"]);
    assert_eq!(dev_rows.len(), devices.len());
    let rows_by_name: HashMap<&str, &HashMap<String, String>> = dev_rows
        .iter()
        .map(|r| (r["Hostname"].as_str(), r))
        .collect();
    for d in &devices {
        let r = rows_by_name[d.hostname.as_str()];
        assert_eq!(r["Status"], d.status.as_str(), "{}", d.hostname);
        assert_eq!(
            r["IP"],
            d.mgmt_ip.map(|i| i.to_string()).unwrap_or_default()
        );
        assert_eq!(r["Serial"], d.serial.clone().unwrap_or_default());
        assert_eq!(r["Model"], d.model.clone().unwrap_or_default());
        assert_eq!(r["Depth"], d.depth.to_string());
        assert_eq!(
            r["Parent"],
            d.parent
                .map(|p| by_id[&p].hostname.clone())
                .unwrap_or_default()
        );
        let members = stacks.get(&d.id).map_or(0, Vec::len);
        assert_eq!(r["Stack"], if members > 1 { "yes" } else { "no" });
        assert_eq!(r["Warnings"], d.warnings.join("\n"), "{}", d.hostname);
        assert_eq!(
            r["Legacy Crypto"],
            if d.legacy_crypto { "yes" } else { "no" }
        );
        assert_eq!(
            r["Stack Members"],
            if members > 1 {
                members.to_string()
            } else {
                "0".into()
            }
        );
    }
    assert!(rows_by_name["NYC-CORE-1"]["Warnings"].contains("LLDP is not enabled"));
    assert_eq!(rows_by_name["NYC-CORE-1"]["Legacy Crypto"], "yes");
    let acc = rows_by_name["NYC-ACC-101"];
    assert_eq!(acc["Platform"], "cisco_xe");
    assert_eq!(acc["Stack Role"], "Active");
    assert_eq!(acc["Site"], "NYC");
    assert_eq!(acc["Discovered Via"], "cdp");
    assert_eq!(acc["Connection Method"], "ssh");
    assert!(acc["First Seen"].ends_with(" UTC"));
    let phones: Vec<_> = dev_rows
        .iter()
        .filter(|r| r["Hostname"].starts_with("SEP"))
        .collect();
    assert_eq!(phones.len(), 6);
    assert!(
        phones
            .iter()
            .all(|r| r["Site"] == "NYC" || r["Site"] == "LON"),
        "phones take their switch's site"
    );
    assert_eq!(rows_by_name["ZZZ-broken"]["Site"], "unassigned");

    // Stack members.
    let stack_rows = records(&sheets["Stack Members"]);
    assert_eq!(
        stack_rows.len(),
        stacks.values().map(Vec::len).sum::<usize>()
    );
    let standby = stack_rows
        .iter()
        .find(|r| r["Device"] == "LON-ACC-102" && r["Switch"] == "2")
        .expect("LON-ACC-102 member 2");
    let lon = devices
        .iter()
        .find(|d| d.hostname == "LON-ACC-102")
        .unwrap();
    let m2 = &stacks[&lon.id][1];
    assert_eq!(standby["Role"], m2.role.clone().unwrap());
    assert_eq!(standby["Serial"], m2.serial.clone().unwrap());
    assert_eq!(standby["MAC"], m2.mac.clone().unwrap());
    assert_eq!(standby["Priority"], "14");

    // Connections: one row per walked end of every link (one if none walked).
    let walked = |id: DeviceId| by_id[&id].status == DeviceStatus::Walked;
    let want_rows: usize = links
        .iter()
        .map(|l| usize::from(walked(l.a)) + usize::from(walked(l.b)))
        .map(|n| n.max(1))
        .sum();
    let conn = records(&sheets["Connections"]);
    assert_eq!(conn.len(), want_rows);
    let core_core: Vec<_> = conn
        .iter()
        .filter(|r| r["Device"] == "NYC-CORE-1" && r["Neighbor"] == "NYC-CORE-2")
        .collect();
    assert_eq!(core_core.len(), 2, "parallel core links both listed");
    assert!(
        core_core
            .iter()
            .all(|r| r["Scope"] == "intra-site" && r["Protocols"] == "cdp")
    );
    let phone = conn
        .iter()
        .find(|r| r["Neighbor"].starts_with("SEP"))
        .expect("a phone connection");
    assert!(phone["Neighbor Capabilities"].contains("Phone"));
    assert_eq!(phone["Neighbor Platform"], "Cisco IP Phone 8845");
    assert_eq!(
        phone["Scope"], "intra-site",
        "phones take their switch's site"
    );
    assert_eq!(phone["Neighbor Site"], phone["Device"][..3]);
    let wan: Vec<_> = conn
        .iter()
        .filter(|r| r["Local Interface"] == "Ethernet1/48")
        .collect();
    assert_eq!(wan.len(), 2, "the WAN link from both walked ends");
    assert!(wan.iter().all(|r| r["Scope"] == "external"));
    let uplink = conn
        .iter()
        .find(|r| r["Device"] == "NYC-ACC-101" && r["Local Interface"] == "TenGigabitEthernet1/1/1")
        .unwrap();
    assert_eq!(uplink["Neighbor"], "NYC-DIST-1A");
    assert_eq!(uplink["Protocols"], "lldp");

    // VLANs with connected-port counts from the interface table.
    let vlan_rows = records(&sheets["VLANs"]);
    assert_eq!(vlan_rows.len(), vlans.values().map(Vec::len).sum::<usize>());
    let users = vlan_rows
        .iter()
        .find(|r| r["Device"] == "NYC-ACC-101" && r["VLAN"] == "10")
        .unwrap();
    let acc_id = devices
        .iter()
        .find(|d| d.hostname == "NYC-ACC-101")
        .unwrap()
        .id;
    let ifs = store.interfaces(acc_id).unwrap();
    let connected = ifs
        .iter()
        .filter(|i| i.status.as_deref() == Some("connected"))
        .count();
    assert_eq!(users["Port Count"], "8");
    assert_eq!(users["Connected Ports"], connected.to_string());
    assert_eq!(users["Port-Channels"], "Po1");

    // Failures, with the oversize message cut to fit and marked.
    let fail = records(&sheets["Failures"]);
    assert_eq!(fail.len() as u64, counts.failed);
    let big = fail.iter().find(|r| r["Device"] == "ZZZ-broken").unwrap();
    assert!(big["Message"].encode_utf16().count() <= 32_767);
    assert!(big["Message"].contains("truncated"), "marker present");
    assert_eq!(big["Error Class"], "parse");
    let auth = fail.iter().find(|r| r["Device"] == "NYC-ACC-104").unwrap();
    assert_eq!(auth["Error Class"], "auth");
    assert_eq!(auth["Attempts"], "1");

    // Summary.
    let summary: HashMap<String, String> = records(&sheets["Summary"])
        .into_iter()
        .map(|r| (r["Item"].clone(), r["Value"].clone()))
        .collect();
    assert_eq!(summary["Devices"], total.to_string());
    assert_eq!(summary["Devices walked"], counts.walked.to_string());
    assert_eq!(summary["Devices failed"], counts.failed.to_string());
    assert_eq!(summary["Links"], links.len().to_string());
    assert_eq!(summary["Seeds"], "NYC-CORE-1, LON-CORE-1");
    assert_eq!(summary["Report generated"], "2023-11-14 22:13:20 UTC");
    assert_eq!(
        summary["Platform: cisco_nxos"],
        devices
            .iter()
            .filter(|d| d.platform == Some(device_parsers::Platform::CiscoNxos))
            .count()
            .to_string()
    );
    assert!(summary.contains_key("Model: C9300-48P"));

    // Per-site workbook: only that site's devices; links marked.
    let nyc = out.join("Inventory_NYC_20231114-2213.xlsx");
    let (nsheets, _, _) = read_sheets(&nyc);
    let ndev = records(&nsheets["Devices"]);
    // NYC's own names, and the phones hanging off NYC switches.
    let want_nyc = devices
        .iter()
        .filter(|d| {
            d.hostname.starts_with("NYC-")
                || d.parent
                    .is_some_and(|p| by_id[&p].hostname.starts_with("NYC-"))
        })
        .count();
    assert_eq!(
        want_nyc,
        2 + 2 + 4 + 3 * 2,
        "cores, dists, access, 3 APs + 3 phones"
    );
    assert_eq!(ndev.len(), want_nyc);
    assert!(ndev.iter().all(|r| r["Site"] == "NYC"));
    let nconn = records(&nsheets["Connections"]);
    assert!(nconn.iter().all(|r| r["Device"].starts_with("NYC-")));
    assert!(nconn.iter().any(|r| r["Scope"] == "intra-site"));
    assert!(nconn.iter().any(|r| r["Scope"] == "external"));
    assert!(out.join("Inventory_LON_20231114-2213.xlsx").exists());
    assert!(
        out.join("Inventory_unassigned_20231114-2213.xlsx").exists(),
        "ZZZ-broken"
    );

    // CSV and JSON carry the same rows, and the full text.
    let mut rdr = csv::Reader::from_path(out.join("Inventory_20231114-2213_Devices.csv")).unwrap();
    assert_eq!(
        rdr.headers().unwrap().iter().collect::<Vec<_>>(),
        want_cols["Devices"]
    );
    assert_eq!(rdr.records().count(), devices.len());
    let json: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(out.join("Inventory_20231114-2213.json")).unwrap(),
    )
    .unwrap();
    assert_eq!(json["Devices"].as_array().unwrap().len(), devices.len());
    assert_eq!(json["Connections"].as_array().unwrap().len(), want_rows);
    let jbig = json["Failures"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["Device"] == "ZZZ-broken")
        .unwrap();
    assert_eq!(
        jbig["Message"].as_str().unwrap().len(),
        "garbage output: ".len() + 40_000
    );
    assert_eq!(jbig["Attempts"], 1);
}

#[test]
fn empty_store_still_makes_a_valid_workbook() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("empty.db");
    drop(StoreWriter::open(&db).unwrap());
    let store = StoreReader::open(&db).unwrap();
    let mut opts = ReportOptions::new(dir.path().join("nested/out"));
    opts.timestamp = STAMP;
    let written = write_reports(&store, &opts).unwrap();
    assert_eq!(written.len(), 1);
    let (sheets, names, _) = read_sheets(&written[0]);
    assert_eq!(names, SHEETS);
    assert!(records(&sheets["Devices"]).is_empty());
}

#[test]
fn bad_site_pattern_is_reported_before_writing() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("s.db");
    drop(StoreWriter::open(&db).unwrap());
    let store = StoreReader::open(&db).unwrap();
    let mut opts = ReportOptions::new(dir.path().join("out"));
    opts.site_pattern = Some("CORE".into());
    let err = write_reports(&store, &opts).unwrap_err().to_string();
    assert!(
        err.contains("--site-pattern") && err.contains("*-CORE-*"),
        "{err}"
    );
    assert!(!dir.path().join("out").exists());
    assert_eq!(" Excel".parse::<ReportFormat>(), Ok(ReportFormat::Xlsx));
    assert!("pdf".parse::<ReportFormat>().is_err());
}
