//! Outputs built from attacker-controlled device strings: CSV cells never
//! start a spreadsheet formula (the workbook writes them as text), and file
//! names made from device and site names are single safe path components
//! that stay unique, also for a device with a 300-character name.

use netwalker::diagram::{DiagramFormat, DiagramOptions, write_diagrams};
use netwalker::exec::{self, CommandResult, CommandStatus, DeviceRun, ExecFormat, ExecReport};
use netwalker::fsname::{MAX_STEM, file_stem};
use netwalker::model::*;
use netwalker::report::{ReportFormat, ReportOptions, write_reports};
use netwalker::store::StoreWriter;
use proptest::prelude::*;
use std::collections::{BTreeMap, BTreeSet};
use std::path::{Component, Path};

const STAMP: UnixTime = 1_700_000_000; // 2023-11-14 22:13 UTC
const FORMULA: &str = "=cmd|' /C calc'!A0";
const HOSTILE: [&str; 6] = [FORMULA, "+1+1", "-2+3", "@SUM(A1:A9)", "\tx", "\rx"];

fn hostile_store() -> StoreWriter {
    let mut w = StoreWriter::open_in_memory().unwrap();
    let mut core = Device::new(DeviceId(1), "NYC-CORE-1", DeviceStatus::Walked);
    core.mgmt_ip = Some("127.9.0.1".parse().unwrap());
    core.model = Some(FORMULA.into());
    core.serial = Some("@serial".into());
    core.version = Some("-1".into());
    core.platform_text = Some("+platform".into());
    let mut r = DeviceResult::bare(core);
    r.vlans.push(Vlan {
        id: 10,
        name: "=HYPERLINK(\"http://x\")".into(),
        ports: vec!["-Gi1".into()],
        port_channels: vec![],
    });
    for (k, name) in HOSTILE.iter().enumerate() {
        let mut d = Device::new(DeviceId(k as i64 + 2), *name, DeviceStatus::Failed);
        d.reason = Some(format!("{name} failed"));
        d.error_class = Some("=class".into());
        d.capabilities = vec!["@cap".into()];
        r.neighbors.push(d.clone());
        r.links.push(Link::new(
            DeviceId(1),
            format!("=if{k}"),
            d.id,
            "-if".to_string(),
            LinkProtocol::Cdp,
        ));
    }
    w.commit_device(&r).unwrap();
    w
}

fn assert_csv_safe(path: &Path) -> usize {
    let mut rdr = csv::ReaderBuilder::new()
        .has_headers(false)
        .from_path(path)
        .unwrap();
    let mut quoted = 0;
    for rec in rdr.records() {
        for cell in rec.unwrap().iter() {
            assert!(
                !cell.starts_with(['=', '+', '-', '@', '\t', '\r']),
                "{}: cell {cell:?} starts a formula",
                path.display()
            );
            if cell.starts_with('\'') {
                quoted += 1;
            }
        }
    }
    quoted
}

#[test]
fn inventory_csv_cells_never_start_a_formula_and_the_workbook_has_none() {
    let w = hostile_store();
    let dir = tempfile::tempdir().unwrap();
    let opts = ReportOptions {
        formats: BTreeSet::from([ReportFormat::Csv, ReportFormat::Xlsx]),
        site_pattern: Some("*-CORE-*".into()),
        timestamp: STAMP,
        ..ReportOptions::new(dir.path())
    };
    let files = write_reports(w.read(), &opts).unwrap();
    let csvs: Vec<_> = files
        .iter()
        .filter(|p| p.extension().is_some_and(|e| e == "csv"))
        .collect();
    assert!(csvs.len() >= 12, "{files:?}");
    let quoted: usize = csvs.iter().map(|p| assert_csv_safe(p)).sum();
    // Every hostile name, the model, serial, VLAN name, interfaces... each
    // appears quoted at least once.
    assert!(quoted >= 2 * HOSTILE.len() + 6, "{quoted}");
    let devices = dir.path().join("Inventory_20231114-2213_Devices.csv");
    let text = std::fs::read_to_string(&devices).unwrap();
    let mut rdr = csv::Reader::from_reader(text.as_bytes());
    let names: Vec<String> = rdr.records().map(|r| r.unwrap()[0].to_string()).collect();
    assert!(names.contains(&format!("'{FORMULA}")), "{names:?}");

    // The workbook holds the same values as plain text, never a formula.
    use calamine::{Reader, Xlsx, open_workbook};
    let xlsx = dir.path().join("Inventory_20231114-2213.xlsx");
    let mut wb: Xlsx<_> = open_workbook(&xlsx).unwrap();
    let mut seen = false;
    for sheet in wb.sheet_names() {
        let formulas = wb.worksheet_formula(&sheet).unwrap();
        assert!(
            formulas.used_cells().all(|(_, _, f)| f.is_empty()),
            "{sheet} has a formula"
        );
        let range = wb.worksheet_range(&sheet).unwrap();
        seen |= range
            .used_cells()
            .any(|(_, _, v)| *v == calamine::Data::String(FORMULA.into()));
    }
    assert!(seen, "the raw value is kept as text in the workbook");
}

fn exec_report(name: &str, output: &str) -> ExecReport {
    let result = CommandResult {
        command: "show run".into(),
        status: CommandStatus::Ok,
        output: output.into(),
        error: None,
        error_class: None,
        duration_ms: 1,
        parsed: None,
    };
    let devices = vec![DeviceRun {
        device: name.into(),
        ip: "127.9.0.2".parse().unwrap(),
        platform: None,
        site: Some("@site".into()),
        transport: Some("ssh".into()),
        duration_ms: 1,
        results: vec![result],
    }];
    ExecReport {
        commands: vec!["show run".into()],
        parse: false,
        started: STAMP,
        duration_ms: 1,
        interrupted: false,
        deadline_hit: false,
        counts: BTreeMap::from([(CommandStatus::Ok, 1)]),
        sessions_opened: 1,
        sessions_closed_gracefully: 1,
        sessions_force_closed: 0,
        sessions_failed_opens: 0,
        sessions_peak_concurrent: 1,
        sessions_open_at_exit: 0,
        devices,
    }
}

#[test]
fn exec_csv_quotes_a_command_output_that_is_a_formula() {
    let dir = tempfile::tempdir().unwrap();
    let output = "=cmd|' /C calc'!A0\nsecond line\n";
    let r = exec_report("-sw1", output);
    let files =
        exec::write_results(&r, dir.path(), &BTreeSet::from([ExecFormat::Csv]), STAMP).unwrap();
    assert_csv_safe(&files[0]);
    let mut rdr = csv::Reader::from_path(&files[0]).unwrap();
    let h = rdr.headers().unwrap().clone();
    let col = |n: &str| h.iter().position(|c| c == n).unwrap();
    let row = rdr.records().next().unwrap().unwrap();
    assert_eq!(&row[col("Output")], format!("'{output}"));
    assert_eq!(&row[col("Device")], "'-sw1");
    assert_eq!(&row[col("Site")], "'@site");
    assert_eq!(&row[col("Duration (ms)")], "1");
}

/// Characters Windows refuses in a file name.
const WINDOWS_BAD: &[char] = &['<', '>', ':', '"', '/', '\\', '|', '?', '*'];

fn assert_safe_component(s: &str, max: usize) {
    assert!(!s.is_empty() && s.len() <= max, "{s:?}");
    assert!(s != "." && s != "..");
    assert!(
        !s.contains(WINDOWS_BAD) && !s.chars().any(char::is_control),
        "{s:?}"
    );
    let parts: Vec<_> = Path::new(s).components().collect();
    assert!(matches!(parts[..], [Component::Normal(_)]), "{s:?}");
    // As a base name, with or without the extension callers add.
    let base = s.split('.').next().unwrap().to_ascii_uppercase();
    let reserved = ["CON", "PRN", "AUX", "NUL"].contains(&base.as_str())
        || (base.len() == 4
            && (base.starts_with("COM") || base.starts_with("LPT"))
            && base.as_bytes()[3].is_ascii_digit());
    assert!(!reserved, "{s:?}");
}

fn name_strategy() -> impl Strategy<Value = String> {
    prop_oneof![
        ".{0,400}",
        "[a-zA-Z0-9._/\\\\:-]{0,300}",
        "(?i)(con|prn|aux|nul|com[0-9]|lpt[0-9])(\\.[a-z]{0,3})?",
        Just("..".to_string()),
        Just("../../etc/passwd".to_string()),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 512, ..ProptestConfig::default() })]

    #[test]
    fn file_stems_are_one_safe_component(name in name_strategy()) {
        let s = file_stem(&name);
        assert_safe_component(&s, MAX_STEM);
        assert_safe_component(&format!("{s}.txt"), MAX_STEM + 4);
    }

    #[test]
    fn distinct_names_give_distinct_stems(a in name_strategy(), b in name_strategy()) {
        prop_assume!(a != b);
        prop_assert_ne!(file_stem(&a), file_stem(&b));
    }

    #[test]
    fn long_names_sharing_a_prefix_stay_distinct(
        prefix in "[a-zA-Z0-9-]{300}",
        a in "[a-z]{1,5}",
        b in "[a-z]{1,5}",
    ) {
        prop_assume!(a != b);
        prop_assert_ne!(file_stem(&(prefix.clone() + &a)), file_stem(&(prefix + &b)));
    }
}

#[test]
fn a_300_character_name_still_gets_every_file() {
    let long = format!("SITE{}-CORE-1", "x".repeat(300));
    let dir = tempfile::tempdir().unwrap();

    // exec: one text file per device.
    let r = exec_report(&long, "hello\n");
    let files =
        exec::write_results(&r, dir.path(), &BTreeSet::from([ExecFormat::Text]), STAMP).unwrap();
    let texts: Vec<_> = std::fs::read_dir(&files[0]).unwrap().collect();
    assert_eq!(texts.len(), 1);
    let text = std::fs::read_to_string(texts[0].as_ref().unwrap().path()).unwrap();
    assert!(text.contains(&long) && text.contains("hello"));

    // report and diagram per site: the site captured is 304 characters.
    let mut w = StoreWriter::open_in_memory().unwrap();
    let mut d = Device::new(DeviceId(1), long.clone(), DeviceStatus::Walked);
    d.mgmt_ip = Some("127.9.0.3".parse().unwrap());
    w.commit_device(&DeviceResult::bare(d)).unwrap();
    let opts = ReportOptions {
        formats: BTreeSet::from([ReportFormat::Xlsx, ReportFormat::Csv, ReportFormat::Json]),
        site_pattern: Some("*-CORE-*".into()),
        timestamp: STAMP,
        ..ReportOptions::new(dir.path().join("reports"))
    };
    let written = write_reports(w.read(), &opts).unwrap();
    // Whole network + the one site, 1 xlsx + 8 csv + 1 json each.
    assert_eq!(written.len(), 20, "{written:?}");
    let diagrams = write_diagrams(
        w.read(),
        &DiagramOptions {
            site_pattern: Some("*-CORE-*".into()),
            per_site: true,
            ..DiagramOptions::default()
        },
        &dir.path().join("diagrams"),
        &BTreeSet::from([DiagramFormat::Mermaid, DiagramFormat::Html]),
        STAMP,
    )
    .unwrap();
    assert_eq!(diagrams.len(), 4, "{diagrams:?}");
    for p in written.iter().chain(&diagrams) {
        assert!(p.exists(), "{}", p.display());
        let name = p.file_name().unwrap().to_str().unwrap();
        assert!(name.len() <= 200, "{name}");
        assert!(p.starts_with(dir.path()));
    }
}

/// Site pages are named from site names, which come from device names:
/// hostile, reserved, 300-character and case-only-different sites each get
/// their own page file, a single safe component inside the pages' folder.
#[test]
fn site_page_files_are_safe_and_distinct() {
    let sites = [
        "../../etc/passwd".to_string(),
        "..".to_string(),
        "CON".to_string(),
        "a/b".to_string(),
        "a_b".to_string(),
        "nyc".to_string(),
        "NYC".to_string(),
        format!("S{}", "x".repeat(300)),
        "<script>".to_string(),
    ];
    let mut w = StoreWriter::open_in_memory().unwrap();
    for (k, site) in sites.iter().enumerate() {
        let d = Device::new(
            DeviceId(k as i64 + 1),
            format!("{site}-CORE-1"),
            DeviceStatus::Walked,
        );
        w.commit_device(&DeviceResult::bare(d)).unwrap();
    }
    let dir = tempfile::tempdir().unwrap();
    let opts = DiagramOptions {
        site_pattern: Some("*-CORE-*".into()),
        html_pages: netwalker::diagram::HtmlPages::PerSite,
        ..DiagramOptions::default()
    };
    let formats = BTreeSet::from([DiagramFormat::Html]);
    let written = write_diagrams(w.read(), &opts, dir.path(), &formats, STAMP).unwrap();
    // The overview, one page per site, the search index.
    assert_eq!(written.len(), sites.len() + 2, "{written:?}");
    let pages_dir = dir.path().join("Topology_20231114-2213_sites");
    let mut seen = BTreeSet::new();
    for p in &written[1..] {
        assert_eq!(p.parent().unwrap(), pages_dir, "{}", p.display());
        let name = p.file_name().unwrap().to_str().unwrap();
        assert_safe_component(name, MAX_STEM + 16);
        assert!(seen.insert(name.to_ascii_lowercase()), "{name} twice");
        assert!(p.exists());
    }
}
