//! Fills a store with a synthetic two-site campus and writes every diagram
//! format (phones included, so every stored device is drawn) and the
//! inventory workbook. The interop suite opens the results with programs
//! nobody here wrote: headless Chromium, Graphviz, openpyxl.
//!
//! Usage: `cargo run -p netwalker --example diagram_demo -- OUT_DIR [large]`
//! (`large`: four sites, 1,032 devices, for the readability check).
//!
//! Prints `key=value` lines the suite checks against: counts read back from
//! the store (not from the diagram code) and the paths written.

use netwalker::diagram::{DiagramFormat, DiagramOptions, write_diagrams};
use netwalker::report::{ReportFormat, ReportOptions, write_reports};
use netwalker::store::{StoreReader, StoreWriter};
use std::collections::BTreeSet;

#[path = "../tests/common/campus.rs"]
mod campus;
use campus::{CampusSpec, fill_campus};

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
    let large = std::env::args().nth(2).as_deref() == Some("large");
    let spec = if large {
        CampusSpec {
            sites: 4,
            dist_pairs_per_site: 3,
            access_per_pair: 28,
            phones_per_access: 1,
            aps_per_access: 1,
        }
    } else {
        CampusSpec {
            sites: 2,
            dist_pairs_per_site: 1,
            access_per_pair: 8,
            phones_per_access: 1,
            aps_per_access: 1,
        }
    };
    {
        let mut w = StoreWriter::open(&db)?;
        fill_campus(&mut w, &spec)?;
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
    let formats: BTreeSet<DiagramFormat> = DiagramFormat::ALL.into_iter().collect();
    let stamp = 1_700_000_000;
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
