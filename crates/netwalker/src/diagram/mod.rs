//! Topology diagrams from the store: draw.io, GraphML, Graphviz DOT, Mermaid
//! and a self-contained interactive HTML page.
//!
//! Entry points: [`write_diagrams`] (files, as `netwalker diagram` writes
//! them), or [`Topology::from_store`] + [`render`] for one format in memory.
//!
//! Why it looks like this:
//! - **Layers come from the graph.** Core devices are those named `core`
//!   (the one naming habit nearly every campus shares), else the centre of
//!   each connected part of the infrastructure (smallest eccentricity);
//!   distribution is one hop out, access further; endpoints (phones, APs,
//!   cameras, unwalked one-link devices) are leaves. A two-tier part has no
//!   distribution layer.
//! - **Readable at 1,000 devices** by grouping: one block per site (from
//!   `--site-pattern`), layers as bands inside it, wide layers wrapped into
//!   rows, and nodes ordered by where their upstream neighbours are, so links
//!   run mostly downwards instead of across the page.
//! - **Past [`SINGLE_PAGE_MAX`] devices, HTML by site**: an overview of
//!   sites and a page per site with stubs for the links between sites,
//!   searchable across pages ([`SitePages`]).
//! - **Excluded classes** (phones, cameras, printers by default) are left out
//!   with their links: they are most of the devices in a campus and none of
//!   its structure.

mod class;
mod html;
mod layers;
mod layout;
mod neighbourhood;
mod overview;
mod pages;
mod palette;
mod render;
mod search;

pub use class::{DeviceClass, classify};
pub use html::{PAGE_SCRIPTS, html_with_links};
pub use neighbourhood::{MAX_DEPTH, neighbourhood};
pub use pages::{
    GUESSED_SITE_PATTERN, HtmlPages, SINGLE_PAGE_MAX, SiteLink, SitePage, SitePages, Stub, StubLink,
};
pub use render::{dot, drawio, graphml, mermaid};
pub use search::INDEX_FILE;

use crate::fsname::file_stem;
use crate::model::{Device, DeviceId, DeviceStatus, Link, UnixTime};
use crate::site::{SiteMap, SitePatternError, assign_sites};
use crate::snapshot::Snapshot;
use crate::stamp::file_stamp;
use crate::store::{StoreError, StoreReader};
use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::path::{Path, PathBuf};

/// Where a device sits in the drawing, top to bottom.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Layer {
    Core,
    Distribution,
    Access,
    Leaf,
}

impl Layer {
    pub const ALL: [Layer; 4] = [Layer::Core, Layer::Distribution, Layer::Access, Layer::Leaf];

    pub fn as_str(self) -> &'static str {
        match self {
            Layer::Core => "core",
            Layer::Distribution => "distribution",
            Layer::Access => "access",
            Layer::Leaf => "leaf",
        }
    }
}

/// A device in the diagram.
#[derive(Debug, Clone, PartialEq)]
pub struct Node {
    /// The store's device id: stable node ids in every format (`d<id>`).
    pub id: DeviceId,
    /// Hostname: the label, and what the HTML search and `#device=` find.
    pub name: String,
    /// Management (else any) address: the label's second line.
    pub ip: Option<String>,
    /// Platform name, else the platform text a neighbour advertised:
    /// tooltips, GraphML data, the HTML details panel.
    pub platform: Option<String>,
    /// Hardware model, for the same places.
    pub model: Option<String>,
    /// Serial number, for the same places.
    pub serial: Option<String>,
    /// Software version, for the same places.
    pub version: Option<String>,
    /// Walked or not: unwalked devices are drawn dashed.
    pub status: DeviceStatus,
    /// What kind of box: the shape, exclusions, and whether it is a leaf.
    pub class: DeviceClass,
    /// Which band the node sits in, and its colours.
    pub layer: Layer,
    /// Site group (empty when no site pattern is used).
    pub site: String,
    /// Top-left corner in page coordinates (see [`NODE_W`], [`NODE_H`]).
    pub x: f64,
    /// Top edge, as `x`.
    pub y: f64,
}

/// Node box width in the draw.io and HTML layouts.
pub const NODE_W: f64 = 130.0;
/// Node box height, as [`NODE_W`].
pub const NODE_H: f64 = 46.0;

/// A link between two nodes (indices into [`Topology::nodes`]).
#[derive(Debug, Clone, PartialEq)]
pub struct Edge {
    /// One end (index into [`Topology::nodes`]).
    pub a: usize,
    /// The other end.
    pub b: usize,
    /// Short interface names (`Gi1/0/1`) at `a`, labelled at that end.
    pub a_if: String,
    /// The interface at `b`, as `a_if`.
    pub b_if: String,
    /// Which protocols saw the link (`cdp,lldp`): tooltips and GraphML.
    pub protocols: String,
    /// This link's position among the links between the same two nodes, and
    /// how many there are: renderers offset parallel links so each shows.
    pub parallel_index: usize,
    /// How many links join the same two nodes (see `parallel_index`).
    pub parallel_count: usize,
}

/// A site block in the layout.
#[derive(Debug, Clone, PartialEq)]
pub struct Group {
    /// The site (empty without a site pattern: the whole network).
    pub name: String,
    /// Top-left corner in page coordinates: nodes of the site lie inside.
    pub x: f64,
    /// Top edge, as `x`.
    pub y: f64,
    /// Width of the block.
    pub w: f64,
    /// Height of the block.
    pub h: f64,
    /// Vertical band of each layer present: (layer, y, height).
    pub bands: Vec<(Layer, f64, f64)>,
}

/// The laid-out diagram every renderer draws.
#[derive(Debug, Clone, PartialEq)]
pub struct Topology {
    /// The diagram's name in every format (whole network or one site).
    pub title: String,
    /// The devices drawn, laid out.
    pub nodes: Vec<Node>,
    /// The links between them.
    pub edges: Vec<Edge>,
    /// One block per site, with its layer bands; together they give the page size.
    pub groups: Vec<Group>,
}

/// What goes into a diagram.
#[derive(Debug, Clone)]
pub struct DiagramOptions {
    /// Classes left out, with their links (default: phones, cameras, printers).
    pub exclude: BTreeSet<DeviceClass>,
    /// `--site-pattern`: group by site (see [`crate::site::SitePattern`]).
    pub site_pattern: Option<String>,
    /// With a site pattern: also write one set of files per site.
    pub per_site: bool,
    /// Include devices we only heard of (neighbour-only, filtered, skipped,
    /// failed). Default true: a map that drops the unknown is misleading.
    pub include_unwalked: bool,
    /// Most nodes per row inside a layer band before it wraps.
    pub row_width: usize,
    /// One HTML page, or an overview of sites and a page per site: a large
    /// network on one page is unreadable and slow to open.
    pub html_pages: HtmlPages,
}

impl Default for DiagramOptions {
    fn default() -> Self {
        DiagramOptions {
            exclude: DeviceClass::default_excluded(),
            site_pattern: None,
            per_site: false,
            include_unwalked: true,
            row_width: 16,
            html_pages: HtmlPages::Auto,
        }
    }
}

/// Output formats of `netwalker diagram --format`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[cfg_attr(feature = "cli", derive(clap::ValueEnum))]
pub enum DiagramFormat {
    #[cfg_attr(feature = "cli", value(alias = "draw.io", alias = "diagrams.net"))]
    Drawio,
    Graphml,
    #[cfg_attr(feature = "cli", value(alias = "graphviz"))]
    Dot,
    #[cfg_attr(feature = "cli", value(alias = "mmd"))]
    Mermaid,
    Html,
}

impl DiagramFormat {
    pub const ALL: [DiagramFormat; 5] = [
        DiagramFormat::Drawio,
        DiagramFormat::Graphml,
        DiagramFormat::Dot,
        DiagramFormat::Mermaid,
        DiagramFormat::Html,
    ];

    pub fn extension(self) -> &'static str {
        match self {
            DiagramFormat::Drawio => "drawio",
            DiagramFormat::Graphml => "graphml",
            DiagramFormat::Dot => "dot",
            DiagramFormat::Mermaid => "mmd",
            DiagramFormat::Html => "html",
        }
    }
}

impl std::str::FromStr for DiagramFormat {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.trim().to_ascii_lowercase().as_str() {
            "drawio" | "draw.io" | "diagrams.net" => Ok(DiagramFormat::Drawio),
            "graphml" => Ok(DiagramFormat::Graphml),
            "dot" | "graphviz" => Ok(DiagramFormat::Dot),
            "mermaid" | "mmd" => Ok(DiagramFormat::Mermaid),
            "html" => Ok(DiagramFormat::Html),
            other => Err(format!(
                "unknown diagram format {other:?}; expected drawio, graphml, dot, mermaid or html"
            )),
        }
    }
}

/// Why a diagram could not be written.
#[derive(Debug, thiserror::Error)]
pub enum DiagramError {
    #[error("cannot read the store for the diagram: {0}")]
    Store(#[from] StoreError),
    #[error(transparent)]
    SitePattern(#[from] SitePatternError),
    #[error(
        "cannot write {path}: {source}; check that the directory is writable or choose another --out"
    )]
    Io {
        /// The file or directory that could not be written.
        path: PathBuf,
        /// Why.
        source: std::io::Error,
    },
}

/// Cisco's long interface names shortened for edge labels (`Gi1/0/1`).
pub fn short_interface(name: &str) -> String {
    const SHORT: &[(&str, &str)] = &[
        ("hundredgige", "Hu"),
        ("fortygigabitethernet", "Fo"),
        ("twentyfivegige", "Twe"),
        ("tengigabitethernet", "Te"),
        ("fivegigabitethernet", "Fi"),
        ("twogigabitethernet", "Tw"),
        ("gigabitethernet", "Gi"),
        ("fastethernet", "Fa"),
        ("port-channel", "Po"),
        ("ethernet", "Eth"),
    ];
    let split = name
        .find(|c: char| c.is_ascii_digit())
        .unwrap_or(name.len());
    let (prefix, rest) = name.split_at(split);
    if rest.is_empty() {
        return name.to_string();
    }
    let lower = prefix.trim().to_ascii_lowercase();
    match SHORT.iter().find(|(long, _)| *long == lower) {
        // PAN-OS `ethernet1/1` is already short and lower-case: keep it.
        Some((_, short)) if prefix != "ethernet" => format!("{short}{rest}"),
        _ => name.to_string(),
    }
}

impl Topology {
    /// Reads the store and lays out the whole network.
    pub fn from_store(
        store: &StoreReader,
        opts: &DiagramOptions,
    ) -> Result<Topology, DiagramError> {
        let snap = Snapshot::read(store)?;
        let sites = assign_sites(opts.site_pattern.as_deref(), &snap.devices)?;
        Ok(Topology::build(
            &snap,
            opts,
            sites.as_ref(),
            None,
            "netwalker topology",
        ))
    }

    /// Builds and lays out the diagram of `snap`, grouped by `sites` (one
    /// block when `None`), limited to one site if given.
    pub fn build(
        snap: &Snapshot,
        opts: &DiagramOptions,
        sites: Option<&SiteMap>,
        only_site: Option<&str>,
        title: &str,
    ) -> Topology {
        let (nodes, index) = nodes_of(snap, opts, sites, only_site);
        let edges = edges_of(&snap.links, &index);
        Topology::laid_out(title, nodes, edges, opts)
    }

    /// Layers and positions for `nodes` joined by `edges`.
    fn laid_out(
        title: &str,
        nodes: Vec<Node>,
        edges: Vec<Edge>,
        opts: &DiagramOptions,
    ) -> Topology {
        let mut topo = Topology {
            title: title.to_string(),
            nodes,
            edges,
            groups: Vec::new(),
        };
        topo.assign_layers();
        topo.layout(opts.row_width.max(1));
        topo
    }

    fn adjacency(&self) -> Vec<Vec<usize>> {
        let mut adj = vec![Vec::new(); self.nodes.len()];
        for e in &self.edges {
            adj[e.a].push(e.b);
            adj[e.b].push(e.a);
        }
        for a in &mut adj {
            a.sort_unstable();
            a.dedup();
        }
        adj
    }

    /// Page size covering every group.
    pub fn extent(&self) -> (f64, f64) {
        self.groups
            .iter()
            .fold((0.0, 0.0), |(w, h), g| (w.max(g.x + g.w), h.max(g.y + g.h)))
    }
}

/// The devices the diagram draws, as unplaced nodes, and each one's index
/// by device id: duplicates, excluded classes, other sites and (unless
/// asked for) unwalked devices are left out.
fn nodes_of(
    snap: &Snapshot,
    opts: &DiagramOptions,
    sites: Option<&SiteMap>,
    only_site: Option<&str>,
) -> (Vec<Node>, HashMap<DeviceId, usize>) {
    let mut nodes: Vec<Node> = Vec::new();
    let mut index: HashMap<DeviceId, usize> = HashMap::new();
    for d in &snap.devices {
        let class = classify(d);
        if d.status == DeviceStatus::Duplicate
            || opts.exclude.contains(&class)
            || (!opts.include_unwalked && d.status != DeviceStatus::Walked)
        {
            continue;
        }
        let site = sites.and_then(|m| m.site(d.id)).unwrap_or("").to_string();
        if only_site.is_some_and(|s| s != site) {
            continue;
        }
        index.insert(d.id, nodes.len());
        nodes.push(node_of(d, class, site));
    }
    (nodes, index)
}

/// A device as an unplaced access-layer node (layers and positions come later).
fn node_of(d: &Device, class: DeviceClass, site: String) -> Node {
    Node {
        id: d.id,
        name: d.hostname.clone(),
        ip: d
            .mgmt_ip
            .or_else(|| d.ips.iter().next().copied())
            .map(|i| i.to_string()),
        platform: d
            .platform
            .map(|p| p.as_str().to_string())
            .or_else(|| d.platform_text.clone()),
        model: d.model.clone(),
        serial: d.serial.clone(),
        version: d.version.clone(),
        status: d.status,
        class,
        layer: Layer::Access,
        site,
        x: 0.0,
        y: 0.0,
    }
}

/// One edge per link between two drawn nodes (loops on one device are
/// left out), numbered among the links between the same pair.
fn edges_of<'a>(
    links: impl IntoIterator<Item = &'a Link>,
    index: &HashMap<DeviceId, usize>,
) -> Vec<Edge> {
    let mut edges: Vec<Edge> = Vec::new();
    let mut pair_count: BTreeMap<(usize, usize), usize> = BTreeMap::new();
    for l in links {
        let (Some(&a), Some(&b)) = (index.get(&l.a), index.get(&l.b)) else {
            continue;
        };
        if a == b {
            continue; // a loop on one device draws as nothing useful
        }
        let n = pair_count.entry((a.min(b), a.max(b))).or_default();
        edges.push(Edge {
            a,
            b,
            a_if: short_interface(&l.a_interface),
            b_if: short_interface(&l.b_interface),
            protocols: l
                .protocols
                .iter()
                .map(|p| p.as_str())
                .collect::<Vec<_>>()
                .join(","),
            parallel_index: *n,
            parallel_count: 0,
        });
        *n += 1;
    }
    for e in &mut edges {
        e.parallel_count = pair_count[&(e.a.min(e.b), e.a.max(e.b))];
    }
    edges
}

/// Renders a laid-out topology in one format.
pub fn render(topo: &Topology, format: DiagramFormat) -> String {
    match format {
        DiagramFormat::Drawio => drawio(topo),
        DiagramFormat::Graphml => graphml(topo),
        DiagramFormat::Dot => dot(topo),
        DiagramFormat::Mermaid => mermaid(topo),
        DiagramFormat::Html => html::html(topo),
    }
}

/// `netwalker diagram`: writes `Topology_<YYYYMMDD-HHMM>.<ext>` for each
/// format into `out_dir` (created if missing), plus with
/// [`DiagramOptions::per_site`] `Topology_<site>_<ts>.<ext>` per site.
/// A large multi-site network's HTML is a page set instead of one page
/// (see [`HtmlPages`]): `Topology_<ts>.html` is then the overview of sites,
/// and `Topology_<ts>_sites/` holds a page per site and the search index.
/// Returns every path written.
pub fn write_diagrams(
    store: &StoreReader,
    opts: &DiagramOptions,
    out_dir: &Path,
    formats: &BTreeSet<DiagramFormat>,
    timestamp: UnixTime,
) -> Result<Vec<PathBuf>, DiagramError> {
    let snap = Snapshot::read(store)?;
    write_diagrams_from(&snap, opts, out_dir, formats, timestamp)
}

/// [`write_diagrams`] from a snapshot already read (a discover run reads
/// one for the workbook and the diagrams).
pub fn write_diagrams_from(
    snap: &Snapshot,
    opts: &DiagramOptions,
    out_dir: &Path,
    formats: &BTreeSet<DiagramFormat>,
    timestamp: UnixTime,
) -> Result<Vec<PathBuf>, DiagramError> {
    let sites = assign_sites(opts.site_pattern.as_deref(), &snap.devices)?;
    let stamp = file_stamp(timestamp);
    std::fs::create_dir_all(out_dir).map_err(|source| DiagramError::Io {
        path: out_dir.to_path_buf(),
        source,
    })?;
    let mut jobs: Vec<(String, Topology)> = vec![(
        format!("Topology_{stamp}"),
        Topology::build(snap, opts, sites.as_ref(), None, "netwalker topology"),
    )];
    if opts.per_site
        && let Some(map) = &sites
    {
        for site in map.sites() {
            let topo = Topology::build(
                snap,
                opts,
                Some(map),
                Some(&site),
                &format!("netwalker topology: site {site}"),
            );
            // A site made only of excluded devices has nothing to draw.
            if topo.nodes.is_empty() {
                continue;
            }
            jobs.push((format!("Topology_{}_{stamp}", file_stem(&site)), topo));
        }
    }
    let paged = if formats.contains(&DiagramFormat::Html) {
        pages::page_sites(snap, opts, sites.as_ref(), jobs[0].1.nodes.len())
            .map(|map| SitePages::build(snap, opts, &map, "netwalker topology"))
            .filter(|set| set.pages.len() >= 2)
    } else {
        None
    };
    let mut written = Vec::new();
    for (k, (stem, topo)) in jobs.iter().enumerate() {
        for f in formats {
            if let (0, DiagramFormat::Html, Some(set)) = (k, f, &paged) {
                written.extend(write_site_pages(out_dir, stem, set)?);
                continue;
            }
            let path = out_dir.join(format!("{stem}.{}", f.extension()));
            write_file(&path, &render(topo, *f))?;
            written.push(path);
        }
    }
    Ok(written)
}

/// The page set in place of the single page (see [`SitePages::render`]).
/// Returns the paths, the overview first.
fn write_site_pages(
    out_dir: &Path,
    stem: &str,
    set: &SitePages,
) -> Result<Vec<PathBuf>, DiagramError> {
    let dir = out_dir.join(format!("{stem}_sites"));
    std::fs::create_dir_all(&dir).map_err(|source| DiagramError::Io {
        path: dir.clone(),
        source,
    })?;
    let mut written = Vec::new();
    for f in set.render(stem) {
        let path = out_dir.join(&f.path);
        write_file(&path, &f.text)?;
        written.push(path);
    }
    Ok(written)
}

/// One file of a page set.
#[derive(Debug, Clone)]
pub struct PageFile {
    /// Where it goes, relative to the output folder.
    pub path: PathBuf,
    /// Its text.
    pub text: String,
}

impl SitePages {
    /// The page set's files for the single page `<stem>.html` they replace:
    /// the overview as `<stem>.html`, and in `<stem>_sites/` a page per
    /// site and the search index ([`INDEX_FILE`]); the overview first.
    pub fn render(&self, stem: &str) -> Vec<PageFile> {
        let dir = format!("{stem}_sites");
        let mut files = vec![PageFile {
            path: PathBuf::from(format!("{stem}.html")),
            text: overview::overview_html(self, &dir),
        }];
        let back = format!("../{stem}.html");
        for (k, page) in self.pages.iter().enumerate() {
            files.push(PageFile {
                path: Path::new(&dir).join(&page.file),
                text: html::site_page_html(self, k, &back),
            });
        }
        files.push(PageFile {
            path: Path::new(&dir).join(search::INDEX_FILE),
            text: search::index_js(self),
        });
        files
    }
}

fn write_file(path: &Path, text: &str) -> Result<(), DiagramError> {
    std::fs::write(path, text).map_err(|source| DiagramError::Io {
        path: path.to_path_buf(),
        source,
    })
}

/// Escapes text for XML/HTML content and attribute values.
pub(crate) fn xml_escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            '\n' => out.push_str("&#10;"),
            // Characters XML 1.0 forbids outright are dropped.
            c if ((c as u32) < 0x20 && c != '\t') || c == '\u{fffe}' || c == '\u{ffff}' => {}
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn short_names() {
        assert_eq!(short_interface("GigabitEthernet1/0/1"), "Gi1/0/1");
        assert_eq!(short_interface("TenGigabitEthernet1/1/1"), "Te1/1/1");
        assert_eq!(short_interface("Port-channel10"), "Po10");
        assert_eq!(short_interface("Ethernet1/49"), "Eth1/49");
        assert_eq!(short_interface("ethernet1/1"), "ethernet1/1");
        assert_eq!(short_interface("eth0"), "eth0");
        assert_eq!(short_interface("mgmt0"), "mgmt0");
        assert_eq!(short_interface(""), "");
    }

    #[test]
    fn classes() {
        let mut d = Device::new(DeviceId(1), "SEP001122334455", DeviceStatus::NeighborOnly);
        d.capabilities = vec!["Host".into(), "Phone".into()];
        assert_eq!(classify(&d), DeviceClass::Phone);
        let mut d = Device::new(DeviceId(2), "cam1", DeviceStatus::NeighborOnly);
        d.platform_text = Some("AXIS P3245-V Network Camera".into());
        assert_eq!(classify(&d), DeviceClass::Camera);
        let mut d = Device::new(DeviceId(3), "acc1", DeviceStatus::Walked);
        d.platform_text = Some("cisco WS-C3850-48P".into());
        d.capabilities = vec!["Switch".into(), "IGMP".into()];
        assert_eq!(classify(&d), DeviceClass::Switch);
        assert_eq!("phones".parse::<DeviceClass>().unwrap(), DeviceClass::Phone);
        assert_eq!(
            "ap".parse::<DeviceClass>().unwrap(),
            DeviceClass::AccessPoint
        );
        assert!("toaster".parse::<DeviceClass>().is_err());
    }

    #[test]
    fn xml_escape_is_safe() {
        assert_eq!(xml_escape("a<b>&\"c'\u{1}"), "a&lt;b&gt;&amp;&quot;c&#39;");
    }
}
