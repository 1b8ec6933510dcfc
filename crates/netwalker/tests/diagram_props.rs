//! Names come from devices, so anything may be in them: for arbitrary
//! hostnames, interface names and site patterns, nothing panics, draw.io and
//! GraphML stay well-formed XML, the HTML's SVG and JSON still parse, and the
//! workbook still writes.

use netwalker::diagram::{
    DiagramFormat, DiagramOptions, HtmlPages, INDEX_FILE, SitePages, Topology, render,
    short_interface,
};
use netwalker::model::*;
use netwalker::site::SitePattern;
use netwalker::site::assign_sites;
use netwalker::snapshot::Snapshot;
use netwalker::store::StoreWriter;
use netwalker::table::excel_safe;
use netwalker::table::{Cell, Table, write_workbook};
use proptest::prelude::*;
use std::collections::BTreeSet;

fn any_text() -> impl Strategy<Value = String> {
    prop_oneof![
        ".{0,40}",
        Just(
            "x\"]\n%%{init: {'securityLevel':'loose'}}%%\nclick d1 href \"javascript:alert(1)\""
                .to_string()
        ),
        Just("a`**b**`)}|>;#quot;#35;<img src=x onerror=alert(1)>".to_string()),
        Just("end\r\nsubgraph x\u{2028}d1-->d2".to_string()),
        "[a-zA-Z0-9<>&\"' \\]\\[*?/\\\\-]{1,30}",
        Just("</script><script>alert(1)</script>".to_string()),
        Just("]]><!--\u{0}\u{1b}\u{fffe}\u{ffff}".to_string()),
        Just("core\n\"x\"\\".to_string()),
    ]
}

fn store_with(names: &[String], ifs: &[String]) -> StoreWriter {
    let mut w = StoreWriter::open_in_memory().unwrap();
    let mut devices: Vec<Device> = names
        .iter()
        .enumerate()
        .map(|(i, n)| {
            let mut d = Device::new(DeviceId(i as i64 + 1), n.clone(), DeviceStatus::Walked);
            d.platform_text = Some(n.clone());
            d.capabilities = vec![n.clone()];
            d
        })
        .collect();
    let mut r = DeviceResult::bare(devices.remove(0));
    let first = r.device.id;
    r.neighbors = devices.clone();
    for (k, d) in devices.iter().enumerate() {
        let ifname = ifs[k % ifs.len()].clone();
        r.links.push(Link::new(
            first,
            format!("{ifname}{k}"),
            d.id,
            ifname.clone(),
            LinkProtocol::Cdp,
        ));
        r.links.push(Link::new(
            first,
            format!("x{ifname}{k}"),
            d.id,
            format!("y{ifname}"),
            LinkProtocol::Lldp,
        ));
    }
    w.commit_device(&r).unwrap();
    w
}

/// Every line of a Mermaid flowchart is one of the shapes the renderer
/// writes, and every label holds only plain characters, entities (`#60;`)
/// and the renderer's own `<br/>`: nothing a device name brings can close a
/// label, start a directive or a `click` line, or reach the HTML. Returns
/// the node and edge lines counted.
fn mermaid_shape(out: &str) -> Result<(usize, usize), TestCaseError> {
    let label = r#"(?:[A-Za-z0-9 \-_./:,+=@]|#[0-9]+;|<br/>|—)*"#;
    let shapes = [
        (r"^flowchart TB$", 0),
        (
            r"^  classDef [a-z]+ fill:#[0-9a-f]{6},color:#[0-9a-f]{6},stroke:#10253f$",
            0,
        ),
        (
            &format!(r#"^  subgraph site[0-9]+\["site {label}"\]$"#) as &str,
            0,
        ),
        (r"^  end$", 0),
        (&format!(r#"^ +d[0-9]+\["{label}"\]:::[a-z]+$"#), 1),
        (&format!(r#"^  d[0-9]+ ---\|"{label}"\| d[0-9]+$"#), 2),
    ]
    .map(|(re, kind)| (regex::Regex::new(re).unwrap(), kind));
    let (mut nodes, mut edges) = (0, 0);
    for line in out.lines() {
        let Some((_, kind)) = shapes.iter().find(|(re, _)| re.is_match(line)) else {
            return Err(TestCaseError::fail(format!(
                "unexpected Mermaid line {line:?}"
            )));
        };
        match kind {
            1 => nodes += 1,
            2 => edges += 1,
            _ => {}
        }
    }
    Ok((nodes, edges))
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 48, ..ProptestConfig::default() })]

    #[test]
    fn outputs_stay_well_formed(
        names in proptest::collection::vec(any_text(), 2..6),
        ifs in proptest::collection::vec(any_text(), 1..3),
        pattern in any_text(),
    ) {
        let w = store_with(&names, &ifs);
        let opts = DiagramOptions {
            exclude: BTreeSet::new(),
            site_pattern: SitePattern::new(&pattern).ok().map(|_| pattern.clone()),
            ..DiagramOptions::default()
        };
        let topo = Topology::from_store(w.read(), &opts).unwrap();
        prop_assert_eq!(topo.nodes.len(), names.len());
        for f in DiagramFormat::ALL {
            let out = render(&topo, f);
            match f {
                DiagramFormat::Drawio | DiagramFormat::Graphml => {
                    let doc = roxmltree::Document::parse(&out);
                    prop_assert!(doc.is_ok(), "{:?}: {:?}", f, doc.err());
                }
                DiagramFormat::Html => {
                    let start = out.find("<svg").unwrap();
                    let end = out.find("</svg>").unwrap() + 6;
                    let svg = roxmltree::Document::parse(&out[start..end]);
                    prop_assert!(svg.is_ok(), "svg: {:?}", svg.err());
                    let devs = svg.unwrap().descendants().filter(|n| n.attribute("data-device").is_some()).count();
                    prop_assert_eq!(devs, names.len());
                    // The data script ends exactly where it should.
                    let js = out.find("id=\"nw-data\">").unwrap() + 13;
                    let je = js + out[js..].find("</script>").unwrap();
                    prop_assert!(serde_json::from_str::<serde_json::Value>(&out[js..je]).is_ok());
                    prop_assert_eq!(out.matches("</script>").count(), 2);
                }
                DiagramFormat::Dot => {
                    // Every quote inside a label is escaped: quotes pair up per line.
                    for line in out.lines() {
                        let unescaped = line.replace("\\\\", "").replace("\\\"", "");
                        prop_assert_eq!(unescaped.matches('"').count() % 2, 0, "{}", line);
                    }
                }
                DiagramFormat::Mermaid => {
                    for line in out.lines().filter(|l| l.contains("[\"")) {
                        prop_assert_eq!(line.matches('"').count(), 2, "{}", line);
                    }
                    let (nodes, edges) = mermaid_shape(&out)?;
                    prop_assert_eq!(nodes, topo.nodes.len());
                    prop_assert_eq!(edges, topo.edges.len());
                }
            }
        }
        for i in &ifs {
            let _ = short_interface(i);
        }
        if let Ok(p) = SitePattern::new(&pattern) {
            for n in &names {
                let _ = p.capture(n);
            }
        }
    }

    #[test]
    fn site_pages_stay_well_formed(
        names in proptest::collection::vec(any_text(), 2..6),
        ifs in proptest::collection::vec(any_text(), 1..3),
    ) {
        // `*`: every device is its own site, so sites are as hostile as names.
        let w = store_with(&names, &ifs);
        let snap = Snapshot::read(w.read()).unwrap();
        let sites = assign_sites(Some("*"), &snap.devices).unwrap().unwrap();
        let opts = DiagramOptions {
            exclude: BTreeSet::new(),
            html_pages: HtmlPages::PerSite,
            ..DiagramOptions::default()
        };
        let set = SitePages::build(&snap, &opts, &sites, "netwalker topology");
        let files = set.render("Topology_x");
        prop_assert_eq!(files.len(), set.pages.len() + 2);
        let page_files: BTreeSet<String> = set.pages.iter().map(|p| p.file.clone()).collect();
        let stored: Vec<String> = snap.devices.iter().map(|d| d.hostname.clone()).collect();
        let stored_set: BTreeSet<String> = stored.iter().cloned().collect();
        let mut devices = 0;
        for f in &files {
            let parts: Vec<_> = f.path.iter().map(|c| c.to_str().unwrap().to_string()).collect();
            if parts.len() == 1 {
                prop_assert_eq!(&parts[0], "Topology_x.html");
                check_overview(&f.text, &set)?;
                continue;
            }
            prop_assert_eq!(parts.len(), 2);
            prop_assert_eq!(&parts[0], "Topology_x_sites");
            let file = &parts[1];
            prop_assert!(file.chars().all(|c| c.is_ascii_alphanumeric() || "-_~.".contains(c)), "{}", file);
            prop_assert!(!file.starts_with('.'));
            if file == INDEX_FILE {
                check_index(&f.text, &stored)?;
            } else {
                devices += check_site_page(&f.text, &page_files, &stored_set)?;
            }
        }
        prop_assert_eq!(devices, names.len());
    }

    #[test]
    fn any_text_fits_a_cell(s in ".{0,64}", repeat in 0usize..1200) {
        let long = s.repeat(repeat);
        let cut = excel_safe(&long);
        prop_assert!(cut.encode_utf16().count() <= 32_767);
        if long.encode_utf16().count() <= 32_767 {
            prop_assert_eq!(cut.as_ref(), long.as_str());
        }
    }
}

/// The inline SVG of a page, parsed.
fn svg_of(text: &str) -> Result<roxmltree::Document<'_>, TestCaseError> {
    let start = text.find("<svg").unwrap();
    let end = text.find("</svg>").unwrap() + 6;
    roxmltree::Document::parse(&text[start..end])
        .map_err(|e| TestCaseError::fail(format!("svg: {e}")))
}

/// `%XX` sequences decoded (the deep links' device names).
fn percent_decode(s: &str) -> String {
    let b = s.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'%' && i + 2 < b.len() {
            let hex = std::str::from_utf8(&b[i + 1..i + 3]).unwrap();
            out.push(u8::from_str_radix(hex, 16).unwrap());
            i += 3;
        } else {
            out.push(b[i]);
            i += 1;
        }
    }
    String::from_utf8(out).unwrap()
}

/// The overview: its SVG parses, one box per site, only our scripts.
fn check_overview(text: &str, set: &SitePages) -> Result<(), TestCaseError> {
    let svg = svg_of(text)?;
    let boxes = svg
        .descendants()
        .filter(|n| n.attribute("data-site-node").is_some())
        .count();
    prop_assert_eq!(boxes, set.pages.len());
    // The index, the search and the ready mark: nothing a name brings.
    prop_assert_eq!(text.matches("</script>").count(), 3);
    Ok(())
}

/// A site page: its SVG parses, its data script is JSON ending where it
/// should, every stub opens a page of the set on a device of `names`.
/// Returns the devices on it.
fn check_site_page(
    text: &str,
    pages: &BTreeSet<String>,
    names: &BTreeSet<String>,
) -> Result<usize, TestCaseError> {
    let svg = svg_of(text)?;
    for stub in svg
        .descendants()
        .filter(|n| n.attribute("data-stub").is_some())
    {
        let href = stub.attribute("href").unwrap();
        let (file, device) = href.split_once("#device=").unwrap();
        prop_assert!(pages.contains(file), "{}", href);
        prop_assert!(
            device
                .bytes()
                .all(|c| c.is_ascii_alphanumeric() || b"-_.~%".contains(&c)),
            "{}",
            href
        );
        // The exact name (the attribute drops what XML cannot hold).
        prop_assert!(names.contains(&percent_decode(device)), "{}", href);
    }
    let js = text.find("id=\"nw-data\">").unwrap() + 13;
    let je = js + text[js..].find("</script>").unwrap();
    prop_assert!(serde_json::from_str::<serde_json::Value>(&text[js..je]).is_ok());
    // Index, site links, data, page script, search: five, no more.
    prop_assert_eq!(text.matches("</script>").count(), 5);
    Ok(svg
        .descendants()
        .filter(|n| n.attribute("data-device").is_some())
        .count())
}

/// The search index: JSON assigned to `window.NW_INDEX`, every name once.
fn check_index(text: &str, names: &[String]) -> Result<(), TestCaseError> {
    let json = text
        .strip_prefix("window.NW_INDEX = ")
        .and_then(|t| t.strip_suffix(";\n"))
        .unwrap();
    let raw_separator = json.contains('\u{2028}');
    prop_assert!(!json.contains('<') && !raw_separator, "{}", json);
    let v: serde_json::Value =
        serde_json::from_str(json).map_err(|e| TestCaseError::fail(format!("index: {e}")))?;
    let mut got: Vec<String> = v["devices"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d[0].as_str().unwrap().to_string())
        .collect();
    got.sort();
    let mut want = names.to_vec();
    want.sort();
    prop_assert_eq!(got, want);
    Ok(())
}

#[test]
fn workbook_writes_hostile_cells() {
    let dir = tempfile::tempdir().unwrap();
    let mut t = Table::new("Devices", &["Name", "Text"]);
    for s in [
        "\u{0}\u{1}\u{1b}[0m",
        "_x0041_",
        "=cmd|' /C calc'!A0",
        "</t><t>",
        "🖧".repeat(20_000).as_str(),
        "x".repeat(100_000).as_str(),
        "line\nbreak",
    ] {
        t.rows.push(vec![Cell::text(s), Cell::text(s)]);
    }
    let path = dir.path().join("hostile.xlsx");
    write_workbook(&path, &[t.clone()]).unwrap();
    use calamine::{Reader, Xlsx, open_workbook};
    let mut wb: Xlsx<_> = open_workbook(&path).unwrap();
    let range = wb.worksheet_range("Devices").unwrap();
    let rows: Vec<_> = range.rows().collect();
    assert_eq!(rows.len(), t.rows.len() + 1);
    // Formulas are written as text, never evaluated.
    assert_eq!(rows[3][0].to_string(), "=cmd|' /C calc'!A0");
    assert_eq!(rows[2][0].to_string(), "_x0041_", "literal text kept");
    assert!(rows[6][0].to_string().contains("truncated"));
}
