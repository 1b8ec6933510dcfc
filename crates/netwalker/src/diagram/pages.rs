//! The HTML page set for a network of many sites: an overview with one node
//! per site (the links between two sites drawn once, with their count) and
//! one page per site (its devices and links; a link to another site ends at
//! a stub that opens that site's page on the device), searchable across all
//! pages through one shared index ([`super::search`]).
//!
//! Why: a single page of 10,000 devices is a hairball nobody reads, and a
//! browser takes seconds to draw it; a site is what people look at. Small
//! or single-site networks keep the single page ([`HtmlPages::Auto`]).

use super::{DiagramOptions, NODE_H, NODE_W, Node, Topology, edges_of, nodes_of};
use crate::fsname::file_stem;
use crate::model::{DeviceId, Link};
use crate::site::{SiteMap, SitePattern};
use crate::snapshot::Snapshot;
use std::collections::{BTreeMap, HashMap, HashSet};

/// Above this many drawn devices, a network of two or more sites gets the
/// page set instead of one page ([`HtmlPages::Auto`]). The 1,000-device
/// campus page opens in well under a second; past a few thousand boxes the
/// page is slow and unreadable.
pub const SINGLE_PAGE_MAX: usize = 2000;

/// The site pattern tried when a large network has none (`--site-pattern`
/// not given): the site is what comes before `-core` in a core's name
/// (`NYC-CORE-1`, `s012-core1`), the one naming habit most campuses share.
pub const GUESSED_SITE_PATTERN: &str = "*-core*";

/// How the HTML topology is written.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum HtmlPages {
    /// One page up to [`SINGLE_PAGE_MAX`] drawn devices; above, the page
    /// set when the network has two or more sites (from the site pattern,
    /// else [`GUESSED_SITE_PATTERN`]).
    #[default]
    Auto,
    /// Always one page.
    Single,
    /// The page set whenever there are two or more sites.
    PerSite,
}

/// The overview and the site pages, laid out.
#[derive(Debug, Clone, PartialEq)]
pub struct SitePages {
    /// The overview's title; each site page's is `<title>: site <name>`.
    pub title: String,
    /// One page per site with drawn devices, sorted by site name.
    pub pages: Vec<SitePage>,
    /// Links between sites, one entry per pair of sites that has any.
    pub site_links: Vec<SiteLink>,
}

/// One site's page.
#[derive(Debug, Clone, PartialEq)]
pub struct SitePage {
    /// The site's name, as the site pattern gave it.
    pub site: String,
    /// The page's file name inside the site pages' folder: the site through
    /// [`file_stem`], unique even on a case-insensitive file system.
    pub file: String,
    /// The site's devices and the links between them, laid out as the
    /// single page lays out one site.
    pub topo: Topology,
    /// Devices of other sites that this site's devices link to, one each,
    /// placed in rows under the site block.
    pub stubs: Vec<Stub>,
    /// Links from this site's devices to the stubs.
    pub stub_links: Vec<StubLink>,
}

/// A device of another site, drawn on a site page where a link ends.
#[derive(Debug, Clone, PartialEq)]
pub struct Stub {
    /// The device (its node id on its own page).
    pub id: DeviceId,
    /// Its hostname: the label and the deep link's `#device=`.
    pub name: String,
    /// Index of its own site's page in [`SitePages::pages`].
    pub page: usize,
    /// Top-left corner in page coordinates.
    pub x: f64,
    /// Top edge, as `x`.
    pub y: f64,
}

/// A link from a site's device to a stub: a link between two sites.
#[derive(Debug, Clone, PartialEq)]
pub struct StubLink {
    /// This site's end (index into the page's `topo.nodes`).
    pub node: usize,
    /// The other site's end (index into the page's `stubs`).
    pub stub: usize,
    /// Short interface name at `node`.
    pub node_if: String,
    /// Short interface name at the stub's device.
    pub stub_if: String,
    /// Which protocols saw the link.
    pub protocols: String,
}

/// The links between two sites, aggregated for the overview.
#[derive(Debug, Clone, PartialEq)]
pub struct SiteLink {
    /// One site (index into [`SitePages::pages`]), the smaller index.
    pub a: usize,
    /// The other site.
    pub b: usize,
    /// How many physical links join them.
    pub links: usize,
}

/// Space between stub boxes, and between the site block and the stubs.
const STUB_GAP: f64 = 30.0;
/// Margin left of the stub rows (the site block's own margin).
const STUB_PAD: f64 = 40.0;

/// The sites to split the HTML page by, or `None` for the single page:
/// `given` (from the site pattern), else sites guessed with
/// [`GUESSED_SITE_PATTERN`]. `drawn` is the single page's device count.
pub(super) fn page_sites(
    snap: &Snapshot,
    opts: &DiagramOptions,
    given: Option<&SiteMap>,
    drawn: usize,
) -> Option<SiteMap> {
    let wanted = match opts.html_pages {
        HtmlPages::Single => false,
        HtmlPages::PerSite => true,
        HtmlPages::Auto => drawn > SINGLE_PAGE_MAX,
    };
    if !wanted {
        return None;
    }
    match given {
        Some(m) => Some(m.clone()),
        None => Some(
            SitePattern::new(GUESSED_SITE_PATTERN)
                .ok()?
                .assign(&snap.devices),
        ),
    }
}

/// Where each drawn device is: its page and its node index there.
type Placement = HashMap<DeviceId, (usize, usize)>;

impl SitePages {
    /// Splits the drawn devices of `snap` by `sites` and lays out each site.
    pub fn build(
        snap: &Snapshot,
        opts: &DiagramOptions,
        sites: &SiteMap,
        title: &str,
    ) -> SitePages {
        let (all, _) = nodes_of(snap, opts, Some(sites), None);
        let mut by_site: BTreeMap<String, Vec<Node>> = BTreeMap::new();
        for n in all {
            by_site.entry(n.site.clone()).or_default().push(n);
        }
        let mut at: Placement = HashMap::new();
        for (p, nodes) in by_site.values().enumerate() {
            for (i, n) in nodes.iter().enumerate() {
                at.insert(n.id, (p, i));
            }
        }
        let (intra, cross) = split_links(&snap.links, &at, by_site.len());
        let files = page_files(by_site.keys());
        let mut pages: Vec<SitePage> = by_site
            .into_iter()
            .zip(intra)
            .zip(files)
            .map(|(((site, nodes), links), file)| {
                let index = nodes.iter().enumerate().map(|(i, n)| (n.id, i)).collect();
                let edges = edges_of(links, &index);
                let topo = Topology::laid_out(&format!("{title}: site {site}"), nodes, edges, opts);
                SitePage {
                    site,
                    file,
                    topo,
                    stubs: Vec::new(),
                    stub_links: Vec::new(),
                }
            })
            .collect();
        let site_links = add_stubs(&mut pages, &cross, &at);
        for page in &mut pages {
            page.place_stubs(opts.row_width.max(1));
        }
        SitePages {
            title: title.to_string(),
            pages,
            site_links,
        }
    }
}

/// The links inside each page (by page index) and those between pages;
/// links with an end not drawn, and loops on one device, are left out.
fn split_links<'a>(
    links: &'a [Link],
    at: &Placement,
    pages: usize,
) -> (Vec<Vec<&'a Link>>, Vec<&'a Link>) {
    let mut intra = vec![Vec::new(); pages];
    let mut cross = Vec::new();
    for l in links {
        let (Some(&(pa, _)), Some(&(pb, _))) = (at.get(&l.a), at.get(&l.b)) else {
            continue;
        };
        if l.a == l.b {
            continue;
        }
        if pa == pb {
            intra[pa].push(l);
        } else {
            cross.push(l);
        }
    }
    (intra, cross)
}

/// Each site's page file name: its [`file_stem`], with `-<n>` added when a
/// case-insensitive file system would take it for an earlier one.
fn page_files<'a>(sites: impl Iterator<Item = &'a String>) -> Vec<String> {
    let mut used = HashSet::new();
    sites
        .enumerate()
        .map(|(k, site)| {
            let mut stem = file_stem(site);
            if !used.insert(stem.to_ascii_lowercase()) {
                stem = format!("{stem}-{k}");
                used.insert(stem.to_ascii_lowercase());
            }
            format!("{stem}.html")
        })
        .collect()
}

/// Every link between two sites becomes a stub link on both sites' pages
/// (one stub per other device and page); returns the links per site pair.
fn add_stubs(pages: &mut [SitePage], cross: &[&Link], at: &Placement) -> Vec<SiteLink> {
    let mut stub_of: HashMap<(usize, DeviceId), usize> = HashMap::new();
    let mut pairs: BTreeMap<(usize, usize), usize> = BTreeMap::new();
    for l in cross {
        let ((pa, ia), (pb, ib)) = (at[&l.a], at[&l.b]);
        let protocols = l
            .protocols
            .iter()
            .map(|p| p.as_str())
            .collect::<Vec<_>>()
            .join(",");
        let ends = [
            (pa, ia, pb, ib, &l.a_interface, &l.b_interface),
            (pb, ib, pa, ia, &l.b_interface, &l.a_interface),
        ];
        for (here, node, there, other, here_if, there_if) in ends {
            let name = pages[there].topo.nodes[other].name.clone();
            let id = pages[there].topo.nodes[other].id;
            let page = &mut pages[here];
            let stub = *stub_of.entry((here, id)).or_insert_with(|| {
                page.stubs.push(Stub {
                    id,
                    name,
                    page: there,
                    x: 0.0,
                    y: 0.0,
                });
                page.stubs.len() - 1
            });
            page.stub_links.push(StubLink {
                node,
                stub,
                node_if: super::short_interface(here_if),
                stub_if: super::short_interface(there_if),
                protocols: protocols.clone(),
            });
        }
        *pairs.entry((pa.min(pb), pa.max(pb))).or_default() += 1;
    }
    pairs
        .into_iter()
        .map(|((a, b), links)| SiteLink { a, b, links })
        .collect()
}

impl SitePage {
    /// Stubs in rows under the site block, grouped by their site, then by name.
    fn place_stubs(&mut self, row_width: usize) {
        let (_, h) = self.topo.extent();
        let mut order: Vec<usize> = (0..self.stubs.len()).collect();
        order.sort_by_cached_key(|&k| {
            let s = &self.stubs[k];
            (s.page, s.name.to_lowercase(), s.id)
        });
        for (rank, k) in order.into_iter().enumerate() {
            let (row, col) = (rank / row_width, rank % row_width);
            self.stubs[k].x = STUB_PAD + col as f64 * (NODE_W + STUB_GAP);
            self.stubs[k].y = h + 2.0 * STUB_GAP + row as f64 * (NODE_H + STUB_GAP);
        }
    }

    /// Page size covering the site block and the stubs.
    pub fn extent(&self) -> (f64, f64) {
        self.stubs.iter().fold(self.topo.extent(), |(w, h), s| {
            (
                w.max(s.x + NODE_W + STUB_PAD),
                h.max(s.y + NODE_H + STUB_PAD),
            )
        })
    }
}
