//! The HTML page set of a multi-site network, read back from the files
//! `write_diagrams` writes: one page per site, every device on exactly one
//! site page, every link once (a link between sites as a stub link on both
//! sides), the overview's counts equal to the store's, and a search index
//! holding every device with its page. Small networks keep the single page.

#[path = "common/campus.rs"]
mod campus;

use campus::{CampusSpec, fill_campus, link_sites};
use netwalker::diagram::{
    DiagramFormat, DiagramOptions, HtmlPages, INDEX_FILE, SitePages, Topology, write_diagrams,
};
use netwalker::site::assign_sites;
use netwalker::snapshot::Snapshot;
use netwalker::store::StoreWriter;
use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

const SPEC: CampusSpec = CampusSpec {
    sites: 3,
    dist_pairs_per_site: 1,
    access_per_pair: 4,
    phones_per_access: 1,
    aps_per_access: 1,
};

const STAMP: i64 = 1_700_000_000;

/// Three sites joined by a ring of WAN links.
fn store() -> (StoreWriter, usize) {
    let mut w = StoreWriter::open_in_memory().unwrap();
    fill_campus(&mut w, &SPEC).unwrap();
    let wan = link_sites(&mut w, &SPEC).unwrap();
    assert_eq!(wan, 3);
    (w, wan)
}

/// Every device drawn (no class left out), grouped by site, pages forced.
fn opts() -> DiagramOptions {
    DiagramOptions {
        exclude: BTreeSet::new(),
        site_pattern: Some("*-CORE-*".into()),
        html_pages: HtmlPages::PerSite,
        ..DiagramOptions::default()
    }
}

fn html_only() -> BTreeSet<DiagramFormat> {
    BTreeSet::from([DiagramFormat::Html])
}

/// The values of `attr="..."` in `text`, entities decoded.
fn attr_values(text: &str, attr: &str) -> Vec<String> {
    let re = regex::Regex::new(&format!(r#"\s{attr}="([^"]*)""#)).unwrap();
    re.captures_iter(text)
        .map(|c| {
            c[1].replace("&quot;", "\"")
                .replace("&#39;", "'")
                .replace("&lt;", "<")
                .replace("&gt;", ">")
                .replace("&amp;", "&")
        })
        .collect()
}

fn count(text: &str, needle: &str) -> usize {
    text.matches(needle).count()
}

/// The written page set: overview, site pages by file name, index JSON.
struct Written {
    /// The overview page's text: sites, their counts, links between them.
    overview: String,
    /// Each site page's text by file name, for the per-page counts.
    pages: BTreeMap<String, String>,
    /// The search index as JSON, to check it holds every device.
    index: serde_json::Value,
}

fn read_written(files: &[PathBuf]) -> Written {
    let overview = files
        .iter()
        .find(|p| {
            p.extension().is_some_and(|e| e == "html") && !p.parent().unwrap().ends_with_sites()
        })
        .map(|p| std::fs::read_to_string(p).unwrap())
        .expect("an overview page");
    let mut pages = BTreeMap::new();
    let mut index = serde_json::Value::Null;
    for p in files
        .iter()
        .filter(|p| p.parent().unwrap().ends_with_sites())
    {
        let text = std::fs::read_to_string(p).unwrap();
        let name = p.file_name().unwrap().to_str().unwrap().to_string();
        if name == INDEX_FILE {
            let json = text
                .strip_prefix("window.NW_INDEX = ")
                .and_then(|t| t.strip_suffix(";\n"))
                .expect("the index assigns window.NW_INDEX");
            index = serde_json::from_str(json).unwrap();
        } else {
            pages.insert(name, text);
        }
    }
    Written {
        overview,
        pages,
        index,
    }
}

trait SitesDir {
    fn ends_with_sites(&self) -> bool;
}

impl SitesDir for Path {
    fn ends_with_sites(&self) -> bool {
        self.file_name()
            .and_then(|n| n.to_str())
            .is_some_and(|n| n.ends_with("_sites"))
    }
}

#[test]
fn one_page_per_site_every_device_once_every_link_once() {
    let (w, wan) = store();
    let devices = w.read().devices().unwrap();
    let links = w.read().links().unwrap();
    let dir = tempfile::tempdir().unwrap();
    let files = write_diagrams(w.read(), &opts(), dir.path(), &html_only(), STAMP).unwrap();
    let got = read_written(&files);

    // One page per site.
    let names: BTreeSet<String> = got.pages.keys().cloned().collect();
    assert_eq!(
        names,
        BTreeSet::from(["LON.html".into(), "NYC.html".into(), "PAR.html".into()])
    );
    // Every device exactly once across the site pages.
    let mut on_pages: Vec<String> = got
        .pages
        .values()
        .flat_map(|t| attr_values(t, "data-device"))
        .collect();
    on_pages.sort();
    let mut stored: Vec<String> = devices.iter().map(|d| d.hostname.clone()).collect();
    stored.sort();
    assert_eq!(on_pages, stored);
    // Every link once inside a site, and each WAN link as a stub link on both sides.
    let intra: usize = got.pages.values().map(|t| count(t, "class=\"link\"")).sum();
    let stub_links: usize = got
        .pages
        .values()
        .map(|t| count(t, "class=\"link xsite\""))
        .sum();
    assert_eq!(stub_links, 2 * wan);
    assert_eq!(intra + wan, links.len());
    // Stubs open the other site's page on that device.
    let hrefs: Vec<String> = got
        .pages
        .values()
        .flat_map(|t| {
            regex::Regex::new(r#"<a class="stub" href="([^"]*)""#)
                .unwrap()
                .captures_iter(t)
                .map(|c| c[1].to_string())
                .collect::<Vec<_>>()
        })
        .collect();
    assert_eq!(hrefs.len(), 2 * wan, "one stub per WAN link end here");
    for h in &hrefs {
        let (file, device) = h.split_once("#device=").unwrap();
        assert!(got.pages.contains_key(file), "{h}");
        assert!(device.ends_with("-CORE-1"), "{h}");
        assert!(got.pages[file].contains(&format!("data-device=\"{device}\"")));
    }
}

#[test]
fn the_overview_counts_are_the_stores() {
    let (w, wan) = store();
    let devices = w.read().devices().unwrap();
    let sites = assign_sites(Some("*-CORE-*"), &devices).unwrap().unwrap();
    let mut per_site: BTreeMap<String, usize> = BTreeMap::new();
    for d in &devices {
        *per_site
            .entry(sites.site(d.id).unwrap().to_string())
            .or_default() += 1;
    }
    let dir = tempfile::tempdir().unwrap();
    let files = write_diagrams(w.read(), &opts(), dir.path(), &html_only(), STAMP).unwrap();
    let got = read_written(&files);
    let o = &got.overview;
    let shown: BTreeMap<String, usize> = attr_values(o, "data-site-node")
        .into_iter()
        .zip(attr_values(o, "data-devices").into_iter().skip(1))
        .map(|(s, n)| (s, n.parse().unwrap()))
        .collect();
    assert_eq!(shown, per_site);
    let between: usize = attr_values(o, "data-count")
        .iter()
        .map(|c| c.parse::<usize>().unwrap())
        .sum();
    assert_eq!(between, wan);
    assert_eq!(
        attr_values(o, "data-count").len(),
        3,
        "a ring of three site pairs"
    );
    // Each site box opens its page.
    let boxes: Vec<String> = regex::Regex::new(r#"<a class="site" href="([^"]*)""#)
        .unwrap()
        .captures_iter(o)
        .map(|c| c[1].to_string())
        .collect();
    assert_eq!(boxes.len(), per_site.len(), "one link per site box");
    for href in boxes {
        let file = href.strip_prefix("Topology_20231114-2213_sites/").unwrap();
        assert!(got.pages.contains_key(file), "{href}");
    }
}

#[test]
fn the_search_index_holds_every_device_with_its_page() {
    let (w, _) = store();
    let devices = w.read().devices().unwrap();
    let dir = tempfile::tempdir().unwrap();
    let files = write_diagrams(w.read(), &opts(), dir.path(), &html_only(), STAMP).unwrap();
    let got = read_written(&files);
    let pages = got.index["pages"].as_array().unwrap();
    let entries = got.index["devices"].as_array().unwrap();
    assert_eq!(entries.len(), devices.len());
    let mut names: Vec<&str> = entries.iter().map(|e| e[0].as_str().unwrap()).collect();
    names.sort();
    let mut stored: Vec<&str> = devices.iter().map(|d| d.hostname.as_str()).collect();
    stored.sort();
    assert_eq!(names, stored);
    for e in entries {
        let file = pages[e[4].as_u64().unwrap() as usize][1].as_str().unwrap();
        let name = e[0].as_str().unwrap();
        assert!(
            attr_values(&got.pages[file], "data-device")
                .iter()
                .any(|n| n == name),
            "{name} is not on {file}"
        );
    }
    let serial = devices.iter().find_map(|d| d.serial.clone()).unwrap();
    assert!(
        entries
            .iter()
            .any(|e| e[3].as_str() == Some(serial.as_str()))
    );
}

#[test]
fn a_site_page_is_that_site_of_the_single_page_layout() {
    let (w, _) = store();
    let snap = Snapshot::read(w.read()).unwrap();
    let sites = assign_sites(Some("*-CORE-*"), &snap.devices)
        .unwrap()
        .unwrap();
    let set = SitePages::build(&snap, &opts(), &sites, "netwalker topology");
    for page in &set.pages {
        let alone = Topology::build(
            &snap,
            &opts(),
            Some(&sites),
            Some(&page.site),
            &format!("netwalker topology: site {}", page.site),
        );
        assert_eq!(page.topo, alone, "site {}", page.site);
    }
}

#[test]
fn without_a_site_pattern_sites_are_guessed_from_core_names() {
    let (w, _) = store();
    let dir = tempfile::tempdir().unwrap();
    let o = DiagramOptions {
        site_pattern: None,
        ..opts()
    };
    let files = write_diagrams(w.read(), &o, dir.path(), &html_only(), STAMP).unwrap();
    let got = read_written(&files);
    assert_eq!(got.pages.len(), 3);
}

#[test]
fn small_or_single_site_networks_keep_one_page() {
    let (w, _) = store();
    let dir = tempfile::tempdir().unwrap();
    for o in [
        DiagramOptions {
            html_pages: HtmlPages::Auto,
            ..opts()
        },
        DiagramOptions {
            html_pages: HtmlPages::Single,
            ..opts()
        },
        DiagramOptions {
            site_pattern: None,
            html_pages: HtmlPages::Auto,
            ..opts()
        },
    ] {
        let files = write_diagrams(w.read(), &o, dir.path(), &html_only(), STAMP).unwrap();
        assert_eq!(files.len(), 1, "{:?}: {files:?}", o.html_pages);
        let text = std::fs::read_to_string(&files[0]).unwrap();
        assert!(!text.contains("data-site-node"));
        assert!(!text.contains(INDEX_FILE));
    }
    assert!(!dir.path().join("Topology_20231114-2213_sites").exists());
}

/// The search box's tag on a page.
fn search_box(page: &str) -> &str {
    let at = page.find("<input id=\"nw-search\"").expect("a search box");
    &page[at..at + page[at..].find('>').unwrap()]
}

#[test]
fn every_page_has_one_heading_and_a_labelled_search_box() {
    let (w, _) = store();
    let dir = tempfile::tempdir().unwrap();
    let files = write_diagrams(w.read(), &opts(), dir.path(), &html_only(), STAMP).unwrap();
    let got = read_written(&files);
    let pages = std::iter::once(("overview", &got.overview))
        .chain(got.pages.iter().map(|(n, t)| (n.as_str(), t)));
    for (name, page) in pages {
        assert_eq!(count(page, "<h1>"), 1, "{name}: one h1");
        assert!(
            search_box(page).contains("aria-label=\"find a device"),
            "{name}: {}",
            search_box(page)
        );
    }
}
