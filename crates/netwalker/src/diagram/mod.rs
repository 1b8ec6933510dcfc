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
//! - **Excluded classes** (phones, cameras, printers by default) are left out
//!   with their links: they are most of the devices in a campus and none of
//!   its structure.

mod html;
mod render;

pub use render::{dot, drawio, graphml, mermaid};

use crate::fsname::file_stem;
use crate::model::{Device, DeviceId, DeviceStatus, UnixTime};
use crate::report::{SitePattern, SitePatternError, Snapshot, file_stamp};
use crate::store::{StoreError, StoreReader};
use std::collections::{BTreeMap, BTreeSet, HashMap, VecDeque};
use std::path::{Path, PathBuf};

/// What kind of box a device is, from its capabilities, platform text, model
/// and name (neighbour tables are often all we know).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum DeviceClass {
    Router,
    Switch,
    Firewall,
    AccessPoint,
    Phone,
    Camera,
    Printer,
    Server,
    Other,
}

impl DeviceClass {
    pub const ALL: [DeviceClass; 9] = [
        DeviceClass::Router,
        DeviceClass::Switch,
        DeviceClass::Firewall,
        DeviceClass::AccessPoint,
        DeviceClass::Phone,
        DeviceClass::Camera,
        DeviceClass::Printer,
        DeviceClass::Server,
        DeviceClass::Other,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            DeviceClass::Router => "router",
            DeviceClass::Switch => "switch",
            DeviceClass::Firewall => "firewall",
            DeviceClass::AccessPoint => "access_point",
            DeviceClass::Phone => "phone",
            DeviceClass::Camera => "camera",
            DeviceClass::Printer => "printer",
            DeviceClass::Server => "server",
            DeviceClass::Other => "other",
        }
    }

    /// Endpoints hang below the access layer as leaves.
    pub fn is_endpoint(self) -> bool {
        matches!(
            self,
            DeviceClass::AccessPoint
                | DeviceClass::Phone
                | DeviceClass::Camera
                | DeviceClass::Printer
                | DeviceClass::Server
        )
    }

    /// The classes left out unless asked for: phones, cameras, printers.
    pub fn default_excluded() -> BTreeSet<DeviceClass> {
        BTreeSet::from([
            DeviceClass::Phone,
            DeviceClass::Camera,
            DeviceClass::Printer,
        ])
    }
}

impl std::str::FromStr for DeviceClass {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let s = s.trim().to_ascii_lowercase().replace('-', "_");
        let s = s.strip_suffix('s').unwrap_or(&s);
        DeviceClass::ALL
            .into_iter()
            .find(|c| c.as_str() == s || (s == "ap" && *c == DeviceClass::AccessPoint))
            .ok_or_else(|| {
                format!(
                    "unknown device class {s:?}; expected one of: router, switch, firewall, access_point, phone, camera, printer, server, other"
                )
            })
    }
}

/// Classifies a device from everything we know about it.
pub fn classify(d: &Device) -> DeviceClass {
    use device_parsers::Platform;
    // Platform text and model only: hostnames are free text (`kansas-1` is
    // not an ASA), except Cisco phones' `SEP<MAC>` convention.
    let text = format!(
        "{} {}",
        d.platform_text.as_deref().unwrap_or(""),
        d.model.as_deref().unwrap_or(""),
    )
    .to_ascii_lowercase();
    let caps: Vec<String> = d
        .capabilities
        .iter()
        .map(|c| c.to_ascii_lowercase())
        .collect();
    let has_cap = |w: &str| caps.iter().any(|c| c.contains(w));
    let has = |words: &[&str]| words.iter().any(|w| text.contains(w));
    let sep_name = d.hostname.len() == 15
        && d.hostname.is_ascii()
        && d.hostname[..3].eq_ignore_ascii_case("sep")
        && d.hostname[3..].chars().all(|c| c.is_ascii_hexdigit());
    if has_cap("phone")
        || sep_name
        || has(&["ip phone", "polycom", "cisco cp-", "yealink", "avaya"])
    {
        return DeviceClass::Phone;
    }
    if has(&["camera", "axis ", "hikvision", "mobotix"]) {
        return DeviceClass::Camera;
    }
    if has_cap("printer")
        || has(&[
            "printer",
            "laserjet",
            "officejet",
            "xerox",
            "lexmark",
            "ricoh",
        ])
    {
        return DeviceClass::Printer;
    }
    if d.platform == Some(Platform::PaloaltoPanos)
        || has(&["palo alto", "pa-", "firewall", "asa", "fortigate"])
    {
        return DeviceClass::Firewall;
    }
    if has_cap("wlan")
        || has_cap("trans-bridge")
        || has(&["air-", "aironet", "access point", "c9120", "c9130", "-ap"])
    {
        return DeviceClass::AccessPoint;
    }
    if d.platform == Some(Platform::Linux)
        || has_cap("station")
        || has(&["linux", "server", "vmware", "esxi"])
    {
        return DeviceClass::Server;
    }
    if has_cap("switch")
        || has(&[
            "ws-c", "c9300", "c9200", "c9400", "c9500", "n9k", "nexus", "catalyst", "switch",
        ])
        || d.platform == Some(Platform::CiscoNxos)
    {
        return DeviceClass::Switch;
    }
    if has_cap("router") || has(&["isr", "asr", "router", "c8"]) {
        return DeviceClass::Router;
    }
    if matches!(d.platform, Some(Platform::CiscoIos | Platform::CiscoXe)) {
        return DeviceClass::Switch;
    }
    DeviceClass::Other
}

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
    pub id: DeviceId,
    pub name: String,
    pub ip: Option<String>,
    pub platform: Option<String>,
    pub model: Option<String>,
    pub serial: Option<String>,
    pub version: Option<String>,
    pub status: DeviceStatus,
    pub class: DeviceClass,
    pub layer: Layer,
    /// Site group (empty when no site pattern is used).
    pub site: String,
    /// Top-left corner in page coordinates (see [`NODE_W`], [`NODE_H`]).
    pub x: f64,
    pub y: f64,
}

/// Node box size in the draw.io and HTML layouts.
pub const NODE_W: f64 = 130.0;
pub const NODE_H: f64 = 46.0;

/// A link between two nodes (indices into [`Topology::nodes`]).
#[derive(Debug, Clone, PartialEq)]
pub struct Edge {
    pub a: usize,
    pub b: usize,
    /// Short interface names (`Gi1/0/1`).
    pub a_if: String,
    pub b_if: String,
    pub protocols: String,
    /// This link's position among the links between the same two nodes, and
    /// how many there are: renderers offset parallel links so each shows.
    pub parallel_index: usize,
    pub parallel_count: usize,
}

/// A site block in the layout.
#[derive(Debug, Clone, PartialEq)]
pub struct Group {
    pub name: String,
    pub x: f64,
    pub y: f64,
    pub w: f64,
    pub h: f64,
    /// Vertical band of each layer present: (layer, y, height).
    pub bands: Vec<(Layer, f64, f64)>,
}

/// The laid-out diagram every renderer draws.
#[derive(Debug, Clone, PartialEq)]
pub struct Topology {
    pub title: String,
    pub nodes: Vec<Node>,
    pub edges: Vec<Edge>,
    pub groups: Vec<Group>,
}

/// What goes into a diagram.
#[derive(Debug, Clone)]
pub struct DiagramOptions {
    /// Classes left out, with their links (default: phones, cameras, printers).
    pub exclude: BTreeSet<DeviceClass>,
    /// `--site-pattern`: group by site (see [`SitePattern`]).
    pub site_pattern: Option<String>,
    /// With a site pattern: also write one set of files per site.
    pub per_site: bool,
    /// Include devices we only heard of (neighbour-only, filtered, skipped,
    /// failed). Default true: a map that drops the unknown is misleading.
    pub include_unwalked: bool,
    /// Most nodes per row inside a layer band before it wraps.
    pub row_width: usize,
}

impl Default for DiagramOptions {
    fn default() -> Self {
        DiagramOptions {
            exclude: DeviceClass::default_excluded(),
            site_pattern: None,
            per_site: false,
            include_unwalked: true,
            row_width: 16,
        }
    }
}

/// Output formats of `netwalker diagram --format`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, clap::ValueEnum)]
pub enum DiagramFormat {
    #[value(alias = "draw.io", alias = "diagrams.net")]
    Drawio,
    Graphml,
    #[value(alias = "graphviz")]
    Dot,
    #[value(alias = "mmd")]
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
        path: PathBuf,
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
        let pattern = opts
            .site_pattern
            .as_deref()
            .map(SitePattern::new)
            .transpose()?;
        let sites = pattern.map(|p| p.assign(&snap.devices));
        let site_of = |id: DeviceId| {
            sites
                .as_ref()
                .and_then(|m| m.site(id))
                .unwrap_or("")
                .to_string()
        };
        Ok(Topology::build(
            &snap,
            opts,
            &site_of,
            None,
            "netwalker topology",
        ))
    }

    /// Builds and lays out the diagram of `snap`, limited to one site if given.
    pub fn build(
        snap: &Snapshot,
        opts: &DiagramOptions,
        site_of: &dyn Fn(DeviceId) -> String,
        only_site: Option<&str>,
        title: &str,
    ) -> Topology {
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
            let site = site_of(d.id);
            if only_site.is_some_and(|s| s != site) {
                continue;
            }
            index.insert(d.id, nodes.len());
            nodes.push(Node {
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
            });
        }
        let mut edges: Vec<Edge> = Vec::new();
        let mut pair_count: BTreeMap<(usize, usize), usize> = BTreeMap::new();
        for l in &snap.links {
            let (Some(&a), Some(&b)) = (index.get(&l.a), index.get(&l.b)) else {
                continue;
            };
            if a == b {
                continue; // a loop on one device draws as nothing useful
            }
            let key = (a.min(b), a.max(b));
            let n = pair_count.entry(key).or_default();
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

    /// Leaves first (endpoints, unwalked one-link devices), then per
    /// connected part of the rest: centre = core, one hop = distribution,
    /// further = access (a two-tier part has no distribution).
    fn assign_layers(&mut self) {
        let adj = self.adjacency();
        let n = self.nodes.len();
        let leaf: Vec<bool> = (0..n)
            .map(|i| {
                let nd = &self.nodes[i];
                nd.class.is_endpoint()
                    || (adj[i].len() <= 1
                        && nd.status != DeviceStatus::Walked
                        && !adj[i].is_empty())
            })
            .collect();
        let infra_adj: Vec<Vec<usize>> = (0..n)
            .map(|i| {
                adj[i]
                    .iter()
                    .copied()
                    .filter(|&j| !leaf[j] && !leaf[i])
                    .collect()
            })
            .collect();
        let mut seen = vec![false; n];
        for start in 0..n {
            if leaf[start] || seen[start] {
                continue;
            }
            // Component of the infrastructure graph.
            let mut comp = vec![start];
            seen[start] = true;
            let mut k = 0;
            while k < comp.len() {
                for &j in &infra_adj[comp[k]] {
                    if !seen[j] {
                        seen[j] = true;
                        comp.push(j);
                    }
                }
                k += 1;
            }
            let bfs = |sources: &[usize]| -> HashMap<usize, usize> {
                let mut dist = HashMap::new();
                let mut q = VecDeque::new();
                for &s in sources {
                    dist.insert(s, 0);
                    q.push_back(s);
                }
                while let Some(u) = q.pop_front() {
                    let du = dist[&u];
                    for &v in &infra_adj[u] {
                        if let std::collections::hash_map::Entry::Vacant(e) = dist.entry(v) {
                            e.insert(du + 1);
                            q.push_back(v);
                        }
                    }
                }
                dist
            };
            // Engineers' own word wins: devices named `core` are the core.
            // Otherwise the centre: smallest eccentricity (exact up to 2,000
            // nodes; above, the highest-degree devices, cheap and usually
            // right), ties broken towards the better connected.
            let named: Vec<usize> = comp
                .iter()
                .copied()
                .filter(|&i| self.nodes[i].name.to_ascii_lowercase().contains("core"))
                .collect();
            let core: Vec<usize> = if !named.is_empty() {
                named
            } else if comp.len() <= 2000 {
                let ecc: Vec<(usize, usize)> = comp
                    .iter()
                    .map(|&s| (s, bfs(&[s]).values().copied().max().unwrap_or(0)))
                    .collect();
                let min = ecc.iter().map(|e| e.1).min().unwrap_or(0);
                let mut c: Vec<usize> = ecc.iter().filter(|e| e.1 == min).map(|e| e.0).collect();
                if c.len() > 2 {
                    let maxdeg = c.iter().map(|&i| infra_adj[i].len()).max().unwrap_or(0);
                    c.retain(|&i| infra_adj[i].len() == maxdeg);
                }
                c
            } else {
                let maxdeg = comp.iter().map(|&i| infra_adj[i].len()).max().unwrap_or(0);
                comp.iter()
                    .copied()
                    .filter(|&i| infra_adj[i].len() == maxdeg)
                    .collect()
            };
            let dist = bfs(&core);
            let depth = dist.values().copied().max().unwrap_or(0);
            for &i in &comp {
                self.nodes[i].layer = match dist.get(&i).copied().unwrap_or(0) {
                    0 => Layer::Core,
                    1 if depth >= 2 => Layer::Distribution,
                    _ => Layer::Access,
                };
            }
            // A single isolated device is nobody's core.
            if comp.len() == 1 {
                self.nodes[start].layer = Layer::Access;
            }
        }
        for (i, is_leaf) in leaf.into_iter().enumerate() {
            if is_leaf {
                self.nodes[i].layer = Layer::Leaf;
            }
        }
    }

    /// Sites side by side (wrapping), layers as bands, wide layers in rows,
    /// endpoints in a column under their access switch; within a layer,
    /// nodes sorted by the mean x of their neighbours already placed above.
    fn layout(&mut self, row_width: usize) {
        const GAP_X: f64 = 30.0;
        const GAP_Y: f64 = 60.0;
        const PAD: f64 = 40.0;
        const GROUP_GAP: f64 = 80.0;
        const PAGE_W: f64 = 9000.0;
        const MAX_HUNG: usize = 8;
        const HUNG_GAP: f64 = 8.0;
        let adj = self.adjacency();
        let mut by_site: BTreeMap<String, Vec<usize>> = BTreeMap::new();
        for (i, n) in self.nodes.iter().enumerate() {
            by_site.entry(n.site.clone()).or_default().push(i);
        }
        let (mut gx, mut gy, mut row_h) = (0.0f64, 0.0f64, 0.0f64);
        let mut placed = vec![false; self.nodes.len()];
        for (site, members) in by_site {
            let mut bands = Vec::new();
            let mut y = PAD + 10.0;
            let mut width: f64 = 0.0;
            // Endpoints hang in a short column under their access switch
            // (up to MAX_HUNG), so their links are short vertical strokes;
            // the rest (on core/distribution, or overflow) get the leaf band.
            let mut hung: HashMap<usize, Vec<usize>> = HashMap::new();
            let mut is_hung = vec![false; self.nodes.len()];
            for &i in &members {
                if self.nodes[i].layer != Layer::Leaf {
                    continue;
                }
                let parent = adj[i]
                    .iter()
                    .copied()
                    .find(|&j| self.nodes[j].layer == Layer::Access && self.nodes[j].site == site);
                if let Some(p) = parent {
                    let list = hung.entry(p).or_default();
                    if list.len() < MAX_HUNG {
                        list.push(i);
                        is_hung[i] = true;
                    }
                }
            }
            for list in hung.values_mut() {
                list.sort_by_key(|&i| self.nodes[i].name.to_lowercase());
            }
            for layer in Layer::ALL {
                let mut ids: Vec<usize> = members
                    .iter()
                    .copied()
                    .filter(|&i| self.nodes[i].layer == layer && !is_hung[i])
                    .collect();
                if ids.is_empty() {
                    continue;
                }
                let key = |i: usize, nodes: &[Node], placed: &[bool]| {
                    let xs: Vec<f64> = adj[i]
                        .iter()
                        .filter(|&&j| placed[j] && nodes[j].site == nodes[i].site)
                        .map(|&j| nodes[j].x)
                        .collect();
                    if xs.is_empty() {
                        f64::MAX
                    } else {
                        xs.iter().sum::<f64>() / xs.len() as f64
                    }
                };
                let keys: HashMap<usize, f64> = ids
                    .iter()
                    .map(|&i| (i, key(i, &self.nodes, &placed)))
                    .collect();
                ids.sort_by(|&a, &b| {
                    keys[&a].total_cmp(&keys[&b]).then_with(|| {
                        self.nodes[a]
                            .name
                            .to_lowercase()
                            .cmp(&self.nodes[b].name.to_lowercase())
                    })
                });
                let band_y = y;
                let mut row_y = y;
                for chunk in ids.chunks(row_width) {
                    let mut row_h = NODE_H;
                    for (col, &i) in chunk.iter().enumerate() {
                        let x = PAD + col as f64 * (NODE_W + GAP_X);
                        self.nodes[i].x = x;
                        self.nodes[i].y = row_y;
                        placed[i] = true;
                        let below = hung.get(&i).map(Vec::as_slice).unwrap_or(&[]);
                        for (k, &leaf) in below.iter().enumerate() {
                            self.nodes[leaf].x = x;
                            self.nodes[leaf].y = row_y + (k + 1) as f64 * (NODE_H + HUNG_GAP);
                            placed[leaf] = true;
                        }
                        row_h = row_h.max(NODE_H + below.len() as f64 * (NODE_H + HUNG_GAP));
                    }
                    row_y += row_h + GAP_Y / 2.0;
                }
                let cols = ids.len().min(row_width);
                width = width.max(cols as f64 * (NODE_W + GAP_X) - GAP_X);
                let band_h = row_y - GAP_Y / 2.0 - band_y;
                bands.push((layer, band_y, band_h));
                y += band_h + GAP_Y;
            }
            let w = width + 2.0 * PAD;
            let h = y - GAP_Y + PAD;
            if gx > 0.0 && gx + w > PAGE_W {
                gx = 0.0;
                gy += row_h + GROUP_GAP;
                row_h = 0.0;
            }
            for &i in &members {
                self.nodes[i].x += gx;
                self.nodes[i].y += gy;
            }
            self.groups.push(Group {
                name: site,
                x: gx,
                y: gy,
                w,
                h,
                bands: bands
                    .into_iter()
                    .map(|(l, by, bh)| (l, by + gy, bh))
                    .collect(),
            });
            gx += w + GROUP_GAP;
            row_h = row_h.max(h);
        }
    }

    /// Page size covering every group.
    pub fn extent(&self) -> (f64, f64) {
        self.groups
            .iter()
            .fold((0.0, 0.0), |(w, h), g| (w.max(g.x + g.w), h.max(g.y + g.h)))
    }
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
/// Returns every path written.
pub fn write_diagrams(
    store: &StoreReader,
    opts: &DiagramOptions,
    out_dir: &Path,
    formats: &BTreeSet<DiagramFormat>,
    timestamp: UnixTime,
) -> Result<Vec<PathBuf>, DiagramError> {
    let snap = Snapshot::read(store)?;
    let pattern = opts
        .site_pattern
        .as_deref()
        .map(SitePattern::new)
        .transpose()?;
    let sites = pattern.map(|p| p.assign(&snap.devices));
    let site_of = |id: DeviceId| {
        sites
            .as_ref()
            .and_then(|m| m.site(id))
            .unwrap_or("")
            .to_string()
    };
    let stamp = file_stamp(timestamp);
    std::fs::create_dir_all(out_dir).map_err(|source| DiagramError::Io {
        path: out_dir.to_path_buf(),
        source,
    })?;
    let mut jobs: Vec<(String, Topology)> = vec![(
        format!("Topology_{stamp}"),
        Topology::build(&snap, opts, &site_of, None, "netwalker topology"),
    )];
    if opts.per_site
        && let Some(map) = &sites
    {
        for site in map.sites() {
            let topo = Topology::build(
                &snap,
                opts,
                &site_of,
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
    let mut written = Vec::new();
    for (stem, topo) in &jobs {
        for f in formats {
            let path = out_dir.join(format!("{stem}.{}", f.extension()));
            std::fs::write(&path, render(topo, *f)).map_err(|source| DiagramError::Io {
                path: path.clone(),
                source,
            })?;
            written.push(path);
        }
    }
    Ok(written)
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
