//! Diagrams from a store: draw.io and GraphML parse as XML with the right
//! node and edge counts, DOT and Mermaid have the right counts, the HTML's
//! SVG parses and carries every device; layers, exclusions, parallel links and
//! the 1,000-device layout.

use netwalker::diagram::{
    DeviceClass, DiagramFormat, DiagramOptions, Layer, Topology, render, write_diagrams,
};
use netwalker::model::*;
use netwalker::store::StoreWriter;
use std::collections::{BTreeSet, HashMap, HashSet};

#[path = "common/campus.rs"]
mod campus;
use campus::{CampusSpec, fill_campus};

fn campus(spec: CampusSpec) -> StoreWriter {
    let mut w = StoreWriter::open_in_memory().unwrap();
    fill_campus(&mut w, &spec).unwrap();
    w
}

const SMALL: CampusSpec = CampusSpec {
    sites: 2,
    dist_pairs_per_site: 2,
    access_per_pair: 3,
    phones_per_access: 2,
    aps_per_access: 1,
};

/// What the diagram should hold by default: no phones (the sample's phones
/// are the `SEP…` devices), no links to them.
fn expected(w: &StoreWriter) -> (usize, usize) {
    let devices = w.read().devices().unwrap();
    let phones: HashSet<DeviceId> = devices
        .iter()
        .filter(|d| d.hostname.starts_with("SEP"))
        .map(|d| d.id)
        .collect();
    assert!(!phones.is_empty());
    let links = w
        .read()
        .links()
        .unwrap()
        .into_iter()
        .filter(|l| !phones.contains(&l.a) && !phones.contains(&l.b) && l.a != l.b)
        .count();
    (devices.len() - phones.len(), links)
}

fn opts(site_pattern: Option<&str>) -> DiagramOptions {
    DiagramOptions {
        site_pattern: site_pattern.map(str::to_string),
        ..DiagramOptions::default()
    }
}

#[test]
fn drawio_and_graphml_parse_with_the_right_counts() {
    let w = campus(SMALL);
    let (nodes, edges) = expected(&w);
    let topo = Topology::from_store(w.read(), &opts(Some("*-CORE-*"))).unwrap();
    assert_eq!((topo.nodes.len(), topo.edges.len()), (nodes, edges));

    let xml = render(&topo, DiagramFormat::Drawio);
    let doc = roxmltree::Document::parse(&xml).expect("drawio is XML");
    let cells: Vec<_> = doc
        .descendants()
        .filter(|n| n.has_tag_name("mxCell"))
        .collect();
    let devs: HashMap<&str, roxmltree::Node> = cells
        .iter()
        .filter(|c| {
            c.attribute("vertex") == Some("1")
                && c.attribute("id").is_some_and(|i| i.starts_with("dev-"))
        })
        .map(|c| (c.attribute("id").unwrap(), *c))
        .collect();
    assert_eq!(devs.len(), nodes);
    let links: Vec<_> = cells
        .iter()
        .filter(|c| c.attribute("edge") == Some("1"))
        .collect();
    assert_eq!(links.len(), edges);
    let ids: HashSet<&str> = cells.iter().filter_map(|c| c.attribute("id")).collect();
    for l in &links {
        assert!(devs.contains_key(l.attribute("source").unwrap()));
        assert!(devs.contains_key(l.attribute("target").unwrap()));
        // Both interface names as labels on the edge.
        let id = l.attribute("id").unwrap();
        let labels: Vec<&str> = cells
            .iter()
            .filter(|c| c.attribute("parent") == Some(id))
            .filter_map(|c| c.attribute("value"))
            .collect();
        assert_eq!(labels.len(), 2, "{id}");
    }
    // Every parent exists; site containers hold the devices.
    for c in &cells {
        if let Some(p) = c.attribute("parent") {
            assert!(ids.contains(p), "dangling parent {p}");
        }
    }
    let sites: Vec<&str> = cells
        .iter()
        .filter(|c| {
            c.attribute("style")
                .is_some_and(|s| s.starts_with("swimlane"))
        })
        .filter_map(|c| c.attribute("value"))
        .collect();
    assert_eq!(sites, ["site LON", "site NYC"]);
    // The two parallel core links get distinct waypoints.
    let core1 = topo
        .nodes
        .iter()
        .find(|n| n.name == "NYC-CORE-1")
        .unwrap()
        .id
        .0;
    let core2 = topo
        .nodes
        .iter()
        .find(|n| n.name == "NYC-CORE-2")
        .unwrap()
        .id
        .0;
    let par: Vec<(String, String)> = links
        .iter()
        .filter(|l| {
            let (s, t) = (
                l.attribute("source").unwrap(),
                l.attribute("target").unwrap(),
            );
            (s, t) == (&format!("dev-{core1}")[..], &format!("dev-{core2}")[..])
        })
        .map(|l| {
            let p = l
                .descendants()
                .find(|n| n.has_tag_name("mxPoint") && n.attribute("x").is_some())
                .expect("waypoint");
            (
                p.attribute("x").unwrap().to_string(),
                p.attribute("y").unwrap().to_string(),
            )
        })
        .collect();
    assert_eq!(par.len(), 2);
    assert_ne!(par[0], par[1]);
    // Short interface names on the edges.
    assert!(xml.contains("value=\"Eth1/53\""), "short labels");
    assert!(!xml.contains("value=\"Ethernet1/53\""));

    let gml = render(&topo, DiagramFormat::Graphml);
    let doc = roxmltree::Document::parse(&gml).expect("graphml is XML");
    assert_eq!(
        doc.descendants().filter(|n| n.has_tag_name("node")).count(),
        nodes
    );
    let gedges: Vec<_> = doc
        .descendants()
        .filter(|n| n.has_tag_name("edge"))
        .collect();
    assert_eq!(gedges.len(), edges);
    let node_ids: HashSet<&str> = doc
        .descendants()
        .filter(|n| n.has_tag_name("node"))
        .filter_map(|n| n.attribute("id"))
        .collect();
    assert!(
        gedges
            .iter()
            .all(|e| node_ids.contains(e.attribute("source").unwrap())
                && node_ids.contains(e.attribute("target").unwrap()))
    );
}

#[test]
fn dot_mermaid_and_html_have_the_right_counts() {
    let w = campus(SMALL);
    let (nodes, edges) = expected(&w);
    let topo = Topology::from_store(w.read(), &opts(Some("*-CORE-*"))).unwrap();

    let dot = render(&topo, DiagramFormat::Dot);
    let node_re = regex::Regex::new(r#"(?m)^\s*"d\d+" \["#).unwrap();
    let edge_re = regex::Regex::new(r#"(?m)^\s*"d\d+" -- "d\d+""#).unwrap();
    assert_eq!(node_re.find_iter(&dot).count(), nodes);
    assert_eq!(edge_re.find_iter(&dot).count(), edges);
    assert_eq!(dot.matches('{').count(), dot.matches('}').count());
    assert_eq!(dot.matches("subgraph \"cluster_site_").count(), 2);
    assert!(dot.contains("taillabel=\"Eth1/53\""));

    let mmd = render(&topo, DiagramFormat::Mermaid);
    assert!(mmd.starts_with("flowchart TB\n"));
    let mnode = regex::Regex::new(r#"(?m)^\s*d\d+\["#).unwrap();
    let medge = regex::Regex::new(r#"(?m)^\s*d\d+ ---\|"#).unwrap();
    assert_eq!(mnode.find_iter(&mmd).count(), nodes);
    assert_eq!(medge.find_iter(&mmd).count(), edges);
    assert_eq!(
        mmd.matches("subgraph ").count(),
        mmd.matches("\n  end\n").count()
    );

    let html = render(&topo, DiagramFormat::Html);
    let start = html.find("<svg").unwrap();
    let end = html.find("</svg>").unwrap() + "</svg>".len();
    let svg = roxmltree::Document::parse(&html[start..end]).expect("inline SVG is XML");
    let devs = svg
        .descendants()
        .filter(|n| n.attribute("data-device").is_some())
        .count();
    assert_eq!(devs, nodes);
    let paths = svg
        .descendants()
        .filter(|n| n.has_tag_name("path") && n.attribute("class") == Some("link"))
        .count();
    assert_eq!(paths, edges);
    // Self-contained: no external scripts, styles, images or fonts.
    for bad in ["src=", "href=", "@import", "url(", "<link"] {
        assert!(
            !html.contains(bad),
            "HTML references something external: {bad}"
        );
    }
    let json_start = html.find("id=\"nw-data\">").unwrap() + "id=\"nw-data\">".len();
    let json_end = json_start + html[json_start..].find("</script>").unwrap();
    let data: serde_json::Value = serde_json::from_str(&html[json_start..json_end]).unwrap();
    assert_eq!(data["devices"].as_array().unwrap().len(), nodes);
    assert_eq!(data["links"].as_array().unwrap().len(), edges);
}

#[test]
fn layers_exclusions_and_files() {
    let w = campus(SMALL);
    let topo = Topology::from_store(w.read(), &opts(Some("*-CORE-*"))).unwrap();
    let layer = |name: &str| topo.nodes.iter().find(|n| n.name == name).unwrap().layer;
    assert_eq!(layer("NYC-CORE-1"), Layer::Core);
    assert_eq!(layer("LON-CORE-2"), Layer::Core);
    assert_eq!(layer("NYC-DIST-2B"), Layer::Distribution);
    assert_eq!(layer("NYC-ACC-203"), Layer::Access);
    assert_eq!(
        layer("NYC-ACC-103"),
        Layer::Access,
        "failed switches stay in place"
    );
    assert!(
        topo.nodes
            .iter()
            .filter(|n| n.name.contains("-AP-"))
            .all(|n| n.layer == Layer::Leaf)
    );
    // Endpoints hang right under their access switch.
    let ap = topo.nodes.iter().find(|n| n.name.contains("-AP-")).unwrap();
    let sw = topo
        .edges
        .iter()
        .find_map(|e| {
            let (a, b) = (&topo.nodes[e.a], &topo.nodes[e.b]);
            if a.id == ap.id {
                Some(b)
            } else if b.id == ap.id {
                Some(a)
            } else {
                None
            }
        })
        .unwrap();
    assert_eq!(sw.layer, Layer::Access);
    assert_eq!(ap.x, sw.x);
    assert!(
        ap.y > sw.y && ap.y - sw.y < 4.0 * netwalker::diagram::NODE_H,
        "{} vs {}",
        ap.y,
        sw.y
    );
    // Layers are drawn top to bottom.
    let y = |l: Layer| {
        topo.nodes
            .iter()
            .filter(|n| n.layer == l && n.site == "NYC")
            .map(|n| n.y)
            .fold(f64::NAN, f64::max)
    };
    assert!(
        y(Layer::Core) < y(Layer::Distribution)
            && y(Layer::Distribution) < y(Layer::Access)
            && y(Layer::Access) < y(Layer::Leaf)
    );

    // Phones included on request; access points excluded on request.
    let all = DiagramOptions {
        exclude: BTreeSet::new(),
        ..DiagramOptions::default()
    };
    let with_phones = Topology::from_store(w.read(), &all).unwrap();
    assert_eq!(with_phones.nodes.len(), w.read().devices().unwrap().len());
    assert!(
        with_phones
            .nodes
            .iter()
            .any(|n| n.class == DeviceClass::Phone && n.layer == Layer::Leaf)
    );
    let no_aps = DiagramOptions {
        exclude: BTreeSet::from([DeviceClass::Phone, DeviceClass::AccessPoint]),
        ..DiagramOptions::default()
    };
    let t = Topology::from_store(w.read(), &no_aps).unwrap();
    assert!(t.nodes.iter().all(|n| !n.name.contains("-AP-")));

    // Files, whole network and per site.
    let dir = tempfile::tempdir().unwrap();
    let per_site = DiagramOptions {
        per_site: true,
        ..opts(Some("*-CORE-*"))
    };
    let formats: BTreeSet<DiagramFormat> = DiagramFormat::ALL.into_iter().collect();
    let written = write_diagrams(w.read(), &per_site, dir.path(), &formats, 1_700_000_000).unwrap();
    assert_eq!(written.len(), 3 * 5);
    let nyc =
        std::fs::read_to_string(dir.path().join("Topology_NYC_20231114-2213.graphml")).unwrap();
    let doc = roxmltree::Document::parse(&nyc).unwrap();
    let names: Vec<&str> = doc
        .descendants()
        .filter(|n| n.has_tag_name("data") && n.attribute("key") == Some("name"))
        .filter_map(|n| n.text())
        .collect();
    assert!(
        !names.is_empty() && names.iter().all(|n| n.starts_with("NYC-")),
        "{names:?}"
    );
    assert!(dir.path().join("Topology_20231114-2213.html").exists());
}

#[test]
fn layers_from_structure_when_names_say_nothing() {
    // c1/c2 core pair, three distribution pairs, two access each; no name
    // says "core", so the graph's centre must.
    let mut w = StoreWriter::open_in_memory().unwrap();
    let mut next = 0;
    let mut dev = |name: &str| {
        next += 1;
        let mut d = Device::new(DeviceId(next), name, DeviceStatus::Walked);
        d.capabilities = vec!["Switch".into()];
        d
    };
    let (c1, c2) = (dev("c1"), dev("c2"));
    let mut all = vec![c1.clone(), c2.clone()];
    let mut links = vec![Link::new(
        c1.id,
        "Eth1/1",
        c2.id,
        "Eth1/1",
        LinkProtocol::Lldp,
    )];
    for p in 0..3 {
        let (d1, d2) = (dev(&format!("d{p}a")), dev(&format!("d{p}b")));
        for (k, d) in [&d1, &d2].into_iter().enumerate() {
            links.push(Link::new(
                d.id,
                "Te1/0/1",
                c1.id,
                format!("Eth1/{}", 10 + p * 2 + k),
                LinkProtocol::Lldp,
            ));
            links.push(Link::new(
                d.id,
                "Te1/0/2",
                c2.id,
                format!("Eth1/{}", 10 + p * 2 + k),
                LinkProtocol::Lldp,
            ));
        }
        for a in 0..2 {
            let acc = dev(&format!("a{p}{a}"));
            links.push(Link::new(
                acc.id,
                "Te1/1/1",
                d1.id,
                format!("Gi1/0/{a}"),
                LinkProtocol::Lldp,
            ));
            links.push(Link::new(
                acc.id,
                "Te1/1/2",
                d2.id,
                format!("Gi1/0/{a}"),
                LinkProtocol::Lldp,
            ));
            all.push(acc);
        }
        all.extend([d1, d2]);
    }
    w.record_placeholders(&all).unwrap();
    let mut r = DeviceResult::bare(c1.clone());
    r.links = links;
    w.commit_device(&r).unwrap();
    let topo = Topology::from_store(w.read(), &DiagramOptions::default()).unwrap();
    let layer = |name: &str| topo.nodes.iter().find(|n| n.name == name).unwrap().layer;
    assert_eq!((layer("c1"), layer("c2")), (Layer::Core, Layer::Core));
    assert_eq!(layer("d1b"), Layer::Distribution);
    assert_eq!(layer("a21"), Layer::Access);
}

#[test]
fn a_thousand_devices_lay_out_without_overlap() {
    let spec = CampusSpec {
        sites: 4,
        dist_pairs_per_site: 3,
        access_per_pair: 28,
        phones_per_access: 1,
        aps_per_access: 1,
    };
    assert!(spec.device_count() >= 1000, "{}", spec.device_count());
    let w = campus(spec);
    let t0 = std::time::Instant::now();
    // Everything drawn, phones included: the worst case for readability.
    let everything = DiagramOptions {
        exclude: BTreeSet::new(),
        ..opts(Some("*-CORE-*"))
    };
    let topo = Topology::from_store(w.read(), &everything).unwrap();
    assert!(topo.nodes.len() >= 1000);
    let html = render(&topo, DiagramFormat::Html);
    let drawio = render(&topo, DiagramFormat::Drawio);
    let elapsed = t0.elapsed();
    assert!(elapsed.as_secs() < 20, "layout and render took {elapsed:?}");
    assert_eq!(
        topo.groups.len(),
        4,
        "one block per site, phones with their switches"
    );
    assert_eq!(
        topo.nodes.iter().filter(|n| n.layer == Layer::Core).count(),
        8
    );
    // No two boxes overlap, and every box is inside its site block.
    let mut cells: HashSet<(i64, i64)> = HashSet::new();
    for n in &topo.nodes {
        assert!(
            cells.insert((n.x as i64, n.y as i64)),
            "two nodes at {},{}",
            n.x,
            n.y
        );
        let g = topo.groups.iter().find(|g| g.name == n.site).unwrap();
        assert!(
            n.x >= g.x && n.x + netwalker::diagram::NODE_W <= g.x + g.w,
            "{} outside its site",
            n.name
        );
        assert!(
            n.y >= g.y && n.y + netwalker::diagram::NODE_H <= g.y + g.h,
            "{} outside its site",
            n.name
        );
    }
    let mut sorted: Vec<_> = topo
        .nodes
        .iter()
        .map(|n| (n.y as i64, n.x as i64))
        .collect();
    sorted.sort();
    for pair in sorted.windows(2) {
        let (a, b) = (pair[0], pair[1]);
        if a.0 == b.0 {
            assert!(
                b.1 - a.1 >= netwalker::diagram::NODE_W as i64,
                "overlap at {a:?} {b:?}"
            );
        }
    }
    let (w_px, h_px) = topo.extent();
    assert!(w_px <= 12_000.0 && h_px <= 12_000.0, "page {w_px}x{h_px}");
    assert!(roxmltree::Document::parse(&drawio).is_ok());
    eprintln!(
        "1,000-device diagram: {} nodes, {} edges, page {w_px:.0}x{h_px:.0}, html {} KiB, drawio {} KiB, {elapsed:?}",
        topo.nodes.len(),
        topo.edges.len(),
        html.len() / 1024,
        drawio.len() / 1024
    );
}
