//! Fills a store with a synthetic two-site campus and writes every diagram
//! format (phones included, so every stored device is drawn) and the
//! inventory workbook. The interop suite opens the results with programs
//! nobody here wrote: headless Chromium, Graphviz, openpyxl.
//!
//! Usage: `cargo run -p netwalker --example diagram_demo -- OUT_DIR [large|sites]`
//! (`large`: four sites, 1,032 devices, for the readability check;
//! `sites`: forty sites joined by a WAN ring, 10,320 devices, whose HTML is
//! the overview of sites and a page per site; only the HTML is written).
//!
//! Prints `key=value` lines the suite checks against: counts read back from
//! the store (not from the diagram code) and the paths written.

use netwalker::diagram::{DiagramFormat, DiagramOptions, write_diagrams};
use netwalker::report::{ReportFormat, ReportOptions, write_reports};
use netwalker::site::assign_sites;
use netwalker::store::{StoreReader, StoreWriter};
use std::collections::{BTreeMap, BTreeSet};

#[path = "../tests/common/campus.rs"]
mod campus;
use campus::{CampusSpec, fill_campus, link_sites};

/// Which demo network.
#[derive(Clone, Copy, PartialEq)]
enum Size {
    /// Two small sites: every format.
    Small,
    /// Four sites, 1,032 devices: one page still.
    Large,
    /// Forty sites, 10,320 devices: the page set.
    Sites,
}

fn spec(size: Size) -> CampusSpec {
    match size {
        Size::Small => CampusSpec {
            sites: 2,
            dist_pairs_per_site: 1,
            access_per_pair: 8,
            phones_per_access: 1,
            aps_per_access: 1,
        },
        Size::Large | Size::Sites => CampusSpec {
            sites: if size == Size::Large { 4 } else { 40 },
            dist_pairs_per_site: 3,
            access_per_pair: 28,
            phones_per_access: 1,
            aps_per_access: 1,
        },
    }
}

fn main() -> anyhow::Result<()> {
    let out = std::env::args()
        .nth(1)
        .ok_or_else(|| anyhow::anyhow!("usage: diagram_demo OUT_DIR"))?;
    let out = std::path::PathBuf::from(out);
    std::fs::create_dir_all(&out)?;
    let db = out.join("demo.db");
    if db.exists() {
        std::fs::remove_file(&db)?;
    }
    let size = match std::env::args().nth(2).as_deref() {
        None => Size::Small,
        Some("large") => Size::Large,
        Some("sites") => Size::Sites,
        Some(other) => anyhow::bail!("unknown size {other:?}: large or sites"),
    };
    let spec = spec(size);
    {
        let mut w = StoreWriter::open(&db)?;
        fill_campus(&mut w, &spec)?;
        if size == Size::Sites {
            link_sites(&mut w, &spec)?;
        }
    }
    let store = StoreReader::open(&db)?;
    let devices = store.devices()?.len();
    let all_links = store.links()?;
    let links = all_links.len();
    let core = store
        .devices()?
        .into_iter()
        .find(|d| d.hostname == "NYC-CORE-1")
        .ok_or_else(|| anyhow::anyhow!("no NYC-CORE-1 in the demo store"))?;
    let core_links = all_links
        .iter()
        .filter(|l| l.a == core.id || l.b == core.id)
        .count();
    let opts = DiagramOptions {
        exclude: BTreeSet::new(),
        site_pattern: Some("*-CORE-*".into()),
        ..DiagramOptions::default()
    };
    let stamp = 1_700_000_000;
    if size == Size::Sites {
        return sites_demo(&store, &opts, &out, stamp);
    }
    let formats: BTreeSet<DiagramFormat> = DiagramFormat::ALL.into_iter().collect();
    let mut written = write_diagrams(&store, &opts, &out, &formats, stamp)?;
    written.extend(write_reports(
        &store,
        &ReportOptions {
            out_dir: out.clone(),
            formats: BTreeSet::from([ReportFormat::Xlsx]),
            site_pattern: None,
            timestamp: stamp,
        },
    )?);
    println!("store_devices={devices}");
    println!("store_links={links}");
    println!("core_links={core_links}");
    for p in written {
        let ext = p.extension().and_then(|e| e.to_str()).unwrap_or("");
        println!("file_{ext}={}", p.display());
    }
    Ok(())
}

/// The forty-site network: the HTML page set, timed, and the store's counts
/// per site (devices, links inside, links to other sites) for the suite.
fn sites_demo(
    store: &StoreReader,
    opts: &DiagramOptions,
    out: &std::path::Path,
    stamp: i64,
) -> anyhow::Result<()> {
    let devices = store.devices()?;
    let links = store.links()?;
    let map = assign_sites(opts.site_pattern.as_deref(), &devices)?
        .ok_or_else(|| anyhow::anyhow!("the demo sets a site pattern"))?;
    let site_of = |id| map.site(id).unwrap_or("").to_string();
    let mut per_site: BTreeMap<String, (usize, usize, usize)> = BTreeMap::new();
    for d in &devices {
        per_site.entry(site_of(d.id)).or_default().0 += 1;
    }
    let mut between = 0;
    for l in links.iter().filter(|l| l.a != l.b) {
        let (a, b) = (site_of(l.a), site_of(l.b));
        if a == b {
            per_site.entry(a).or_default().1 += 1;
        } else {
            per_site.entry(a).or_default().2 += 1;
            per_site.entry(b).or_default().2 += 1;
            between += 1;
        }
    }
    let started = std::time::Instant::now();
    let formats = BTreeSet::from([DiagramFormat::Html]);
    let written = write_diagrams(store, opts, out, &formats, stamp)?;
    println!("html_ms={}", started.elapsed().as_millis());
    println!("store_devices={}", devices.len());
    println!("store_links={}", links.len());
    println!("store_sites={}", per_site.len());
    println!("store_links_between_sites={between}");
    for (site, (d, l, x)) in &per_site {
        println!("site_{site}={d} {l} {x}");
    }
    println!("file_overview={}", written[0].display());
    for p in &written[1..] {
        println!("file_page={}", p.display());
    }
    Ok(())
}
