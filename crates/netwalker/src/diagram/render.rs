//! Text renderers: draw.io (mxGraph XML), GraphML, Graphviz DOT, Mermaid.

use super::palette::{FIREWALL_FILL, FIREWALL_FONT, LINK, NODE_STROKE, SITE_BORDER, layer_colours};
use super::{DeviceClass, Edge, Group, Layer, NODE_H, NODE_W, Node, Topology, xml_escape};
use crate::model::DeviceStatus;
use std::collections::HashMap;
use std::fmt::Write;

fn drawio_style(n: &Node) -> String {
    let (fill, font) = layer_colours(n.layer);
    let shape = match n.class {
        DeviceClass::Firewall => format!(
            "shape=hexagon;perimeter=hexagonPerimeter2;size=0.12;fillColor={FIREWALL_FILL};fontColor={FIREWALL_FONT};"
        ),
        DeviceClass::Router => "ellipse;".into(),
        DeviceClass::AccessPoint => "shape=cloud;".into(),
        DeviceClass::Server => "shape=cylinder3;boundedLbl=1;size=6;".into(),
        DeviceClass::Phone | DeviceClass::Camera | DeviceClass::Printer | DeviceClass::Other => {
            "rounded=1;arcSize=40;".into()
        }
        DeviceClass::Switch => "rounded=1;arcSize=12;".into(),
    };
    let dashed = if n.status == DeviceStatus::Walked {
        ""
    } else {
        "dashed=1;"
    };
    // The firewall colours in `shape` come first and win over the layer fill.
    format!(
        "{shape}whiteSpace=wrap;html=1;fillColor={fill};fontColor={font};strokeColor={NODE_STROKE};fontSize=10;{dashed}netwalkerRole={};netwalkerClass={};",
        n.layer.as_str(),
        n.class.as_str()
    )
}

fn label_html(n: &Node) -> String {
    // draw.io labels with html=1 are HTML inside an XML attribute: escape twice.
    let mut s = format!("<b>{}</b>", xml_escape(&n.name));
    if let Some(ip) = &n.ip {
        let _ = write!(s, "<br>{}", xml_escape(ip));
    }
    s
}

/// Page-coordinate centre of a node.
fn centre(n: &Node) -> (f64, f64) {
    (n.x + NODE_W / 2.0, n.y + NODE_H / 2.0)
}

/// Offset of a parallel link from the straight line, in pixels.
fn parallel_offset(index: usize, count: usize) -> f64 {
    (index as f64 - (count as f64 - 1.0) / 2.0) * 18.0
}

/// draw.io / diagrams.net file: one swimlane container per site with a band
/// per layer, devices shaped by class and coloured by layer, each link an
/// edge with both short interface names at its ends; parallel links get a
/// waypoint each so they show side by side.
pub fn drawio(t: &Topology) -> String {
    let (w, h) = t.extent();
    let mut o = String::new();
    let _ = writeln!(o, r#"<?xml version="1.0" encoding="UTF-8"?>"#);
    let _ = writeln!(o, r#"<mxfile host="netwalker" type="device">"#);
    let _ = writeln!(
        o,
        r#"  <diagram id="topology" name="{}">"#,
        xml_escape(&t.title)
    );
    let _ = writeln!(
        o,
        r#"    <mxGraphModel dx="{w:.0}" dy="{h:.0}" grid="0" gridSize="10" guides="1" tooltips="1" connect="1" arrows="0" fold="1" page="1" pageScale="1" pageWidth="{:.0}" pageHeight="{:.0}" math="0" shadow="0">"#,
        w.max(850.0),
        h.max(1100.0)
    );
    o.push_str(
        "      <root>\n        <mxCell id=\"0\"/>\n        <mxCell id=\"1\" parent=\"0\"/>\n",
    );
    let group_id = drawio_groups(&mut o, t);
    for n in &t.nodes {
        let (gid, gx, gy) = group_id
            .get(&n.site)
            .cloned()
            .unwrap_or_else(|| ("1".into(), 0.0, 0.0));
        let _ = writeln!(
            o,
            r#"        <mxCell id="dev-{}" value="{}" tooltip="{}" style="{}" vertex="1" parent="{gid}"><mxGeometry x="{:.0}" y="{:.0}" width="{NODE_W:.0}" height="{NODE_H:.0}" as="geometry"/></mxCell>"#,
            n.id.0,
            xml_escape(&label_html(n)),
            xml_escape(&tooltip(n)),
            drawio_style(n),
            n.x - gx,
            n.y - gy,
        );
    }
    for (k, e) in t.edges.iter().enumerate() {
        drawio_edge(&mut o, t, k, e);
    }
    o.push_str("      </root>\n    </mxGraphModel>\n  </diagram>\n</mxfile>\n");
    o
}

/// A draw.io cell id and page corner, by site name.
type DrawioGroups = HashMap<String, (String, f64, f64)>;

/// One swimlane container per site, with a dashed band per layer; returns
/// each site's container id and corner (node geometry is relative to it).
fn drawio_groups(o: &mut String, t: &Topology) -> DrawioGroups {
    let mut group_id = HashMap::new();
    for (k, g) in t.groups.iter().enumerate() {
        let id = format!("site-{k}");
        let name = if g.name.is_empty() {
            t.title.clone()
        } else {
            format!("site {}", g.name)
        };
        let _ = writeln!(
            o,
            r#"        <mxCell id="{id}" value="{}" style="swimlane;startSize=26;html=1;fillColor=#f7f7f7;swimlaneFillColor=#ffffff;strokeColor={SITE_BORDER};fontStyle=1;container=1;collapsible=1;" vertex="1" parent="1"><mxGeometry x="{:.0}" y="{:.0}" width="{:.0}" height="{:.0}" as="geometry"/></mxCell>"#,
            xml_escape(&name),
            g.x,
            g.y,
            g.w,
            g.h
        );
        for (layer, by, bh) in &g.bands {
            let _ = writeln!(
                o,
                r#"        <mxCell id="{id}-{}" value="{}" style="rounded=0;html=1;fillColor=none;dashed=1;strokeColor=#d0d0d0;align=left;verticalAlign=top;fontColor=#8c8c8c;fontSize=9;spacingLeft=2;spacingTop=-4;connectable=0;" vertex="1" parent="{id}"><mxGeometry x="6" y="{:.0}" width="{:.0}" height="{:.0}" as="geometry"/></mxCell>"#,
                layer.as_str(),
                layer.as_str(),
                by - g.y - 10.0,
                g.w - 12.0,
                bh + 18.0
            );
        }
        group_id.insert(g.name.clone(), (id, g.x, g.y));
    }
    group_id
}

/// One link: an edge cell (with a waypoint when it has parallels) and a
/// label cell at each end for the interface names.
fn drawio_edge(o: &mut String, t: &Topology, k: usize, e: &Edge) {
    let (a, b) = (&t.nodes[e.a], &t.nodes[e.b]);
    let mut geometry = String::from(r#"<mxGeometry relative="1" as="geometry">"#);
    if e.parallel_count > 1 {
        let ((ax, ay), (bx, by)) = (centre(a), centre(b));
        let (dx, dy) = (bx - ax, by - ay);
        let len = (dx * dx + dy * dy).sqrt().max(1.0);
        let off = parallel_offset(e.parallel_index, e.parallel_count);
        let (mx, my) = (
            (ax + bx) / 2.0 - dy / len * off,
            (ay + by) / 2.0 + dx / len * off,
        );
        let _ = write!(
            geometry,
            r#"<Array as="points"><mxPoint x="{mx:.0}" y="{my:.0}"/></Array>"#
        );
    }
    geometry.push_str("</mxGeometry>");
    let _ = writeln!(
        o,
        r#"        <mxCell id="link-{k}" value="" tooltip="{}" style="endArrow=none;html=1;rounded=0;strokeColor={LINK};strokeWidth=1.5;" edge="1" parent="1" source="dev-{}" target="dev-{}">{geometry}</mxCell>"#,
        xml_escape(&format!(
            "{} {} — {} {} ({})",
            a.name, e.a_if, b.name, e.b_if, e.protocols
        )),
        a.id.0,
        b.id.0
    );
    for (end, text, x) in [("a", &e.a_if, -0.65), ("b", &e.b_if, 0.65)] {
        let _ = writeln!(
            o,
            r#"        <mxCell id="link-{k}-{end}" value="{}" style="edgeLabel;html=1;align=center;verticalAlign=middle;resizable=0;points=[];fontSize=8;labelBackgroundColor=#ffffff;" vertex="1" connectable="0" parent="link-{k}"><mxGeometry x="{x}" relative="1" as="geometry"><mxPoint as="offset"/></mxGeometry></mxCell>"#,
            xml_escape(&xml_escape(text))
        );
    }
}

fn tooltip(n: &Node) -> String {
    let mut parts = vec![n.name.clone()];
    for (k, v) in [
        ("IP", &n.ip),
        ("platform", &n.platform),
        ("model", &n.model),
        ("serial", &n.serial),
        ("version", &n.version),
    ] {
        if let Some(v) = v {
            parts.push(format!("{k}: {v}"));
        }
    }
    parts.push(format!("status: {}", n.status.as_str()));
    parts.push(format!("layer: {}", n.layer.as_str()));
    parts.join("\n")
}

/// GraphML (yEd, Gephi, NetworkX): every device fact and both interface
/// names as data keys; undirected; parallel links are separate edges. The
/// layout's `x`/`y` are included; in yEd map `name` to the node label
/// (Edit > Properties Mapper).
pub fn graphml(t: &Topology) -> String {
    const EDGE_KEYS: [&str; 3] = ["a_interface", "b_interface", "protocols"];
    let mut o = String::from(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<graphml xmlns=\"http://graphml.graphdrawing.org/xmlns\" xmlns:xsi=\"http://www.w3.org/2001/XMLSchema-instance\" xsi:schemaLocation=\"http://graphml.graphdrawing.org/xmlns http://graphml.graphdrawing.org/xmlns/1.0/graphml.xsd\">\n",
    );
    for k in GRAPHML_NODE_KEYS {
        let _ = writeln!(
            o,
            r#"  <key id="{k}" for="node" attr.name="{k}" attr.type="string"/>"#
        );
    }
    for k in ["x", "y"] {
        let _ = writeln!(
            o,
            r#"  <key id="{k}" for="node" attr.name="{k}" attr.type="double"/>"#
        );
    }
    for k in EDGE_KEYS {
        let _ = writeln!(
            o,
            r#"  <key id="{k}" for="edge" attr.name="{k}" attr.type="string"/>"#
        );
    }
    let _ = writeln!(
        o,
        r#"  <graph id="{}" edgedefault="undirected">"#,
        xml_escape(&t.title)
    );
    for n in &t.nodes {
        graphml_node(&mut o, n);
    }
    for (k, e) in t.edges.iter().enumerate() {
        let _ = writeln!(
            o,
            r#"    <edge id="e{k}" source="d{}" target="d{}">"#,
            t.nodes[e.a].id.0, t.nodes[e.b].id.0
        );
        for (key, v) in EDGE_KEYS.iter().zip([&e.a_if, &e.b_if, &e.protocols]) {
            let _ = writeln!(o, r#"      <data key="{key}">{}</data>"#, xml_escape(v));
        }
        o.push_str("    </edge>\n");
    }
    o.push_str("  </graph>\n</graphml>\n");
    o
}

/// The GraphML data keys of a node, in [`graphml_node`]'s value order.
const GRAPHML_NODE_KEYS: [&str; 10] = [
    "name", "ip", "platform", "model", "serial", "version", "status", "class", "layer", "site",
];

/// One GraphML node: every fact it has as a data key, then its position.
fn graphml_node(o: &mut String, n: &Node) {
    let _ = writeln!(o, r#"    <node id="d{}">"#, n.id.0);
    let values = [
        Some(n.name.clone()),
        n.ip.clone(),
        n.platform.clone(),
        n.model.clone(),
        n.serial.clone(),
        n.version.clone(),
        Some(n.status.as_str().into()),
        Some(n.class.as_str().into()),
        Some(n.layer.as_str().into()),
        (!n.site.is_empty()).then(|| n.site.clone()),
    ];
    for (k, v) in GRAPHML_NODE_KEYS.iter().zip(values) {
        if let Some(v) = v {
            let _ = writeln!(o, r#"      <data key="{k}">{}</data>"#, xml_escape(&v));
        }
    }
    let _ = writeln!(o, r#"      <data key="x">{:.0}</data>"#, n.x);
    let _ = writeln!(o, r#"      <data key="y">{:.0}</data>"#, n.y);
    o.push_str("    </node>\n");
}

fn dot_escape(s: &str) -> String {
    s.replace('\\', "\\\\")
        .replace('"', "\\\"")
        .replace('\n', "\\n")
}

/// One site as a DOT cluster (none without sites), a same-rank group per layer.
fn dot_group(o: &mut String, t: &Topology, k: usize, g: &Group) {
    let (open, indent) = if g.name.is_empty() {
        (String::new(), "  ")
    } else {
        (
            format!(
                "  subgraph \"cluster_site_{k}\" {{\n    label=\"site {}\";\n    style=\"rounded\";\n    color=\"{SITE_BORDER}\";\n",
                dot_escape(&g.name)
            ),
            "    ",
        )
    };
    o.push_str(&open);
    for layer in Layer::ALL {
        let members: Vec<&Node> = t
            .nodes
            .iter()
            .filter(|n| n.site == g.name && n.layer == layer)
            .collect();
        if members.is_empty() {
            continue;
        }
        let _ = writeln!(o, "{indent}{{ rank=same; // {}", layer.as_str());
        for n in members {
            dot_node(o, indent, n);
        }
        let _ = writeln!(o, "{indent}}}");
    }
    if !g.name.is_empty() {
        o.push_str("  }\n");
    }
}

/// One DOT node: shape by class, colours by layer, dashed when not walked.
fn dot_node(o: &mut String, indent: &str, n: &Node) {
    let (fill, font) = layer_colours(n.layer);
    let shape = match n.class {
        DeviceClass::Firewall => "hexagon",
        DeviceClass::Router => "ellipse",
        DeviceClass::AccessPoint => "triangle",
        DeviceClass::Server => "cylinder",
        _ => "box",
    };
    let style = if n.status == DeviceStatus::Walked {
        "rounded,filled"
    } else {
        "rounded,filled,dashed"
    };
    let label = match &n.ip {
        Some(ip) => format!("{}\n{ip}", n.name),
        None => n.name.clone(),
    };
    let _ = writeln!(
        o,
        "{indent}  \"d{}\" [label=\"{}\", shape={shape}, style=\"{style}\", fillcolor=\"{fill}\", fontcolor=\"{font}\"];",
        n.id.0,
        dot_escape(&label)
    );
}

/// Graphviz DOT: a cluster per site, devices of one layer on one rank,
/// shapes by class, interface names as tail/head labels.
pub fn dot(t: &Topology) -> String {
    let mut o = String::new();
    let _ = writeln!(o, "graph \"{}\" {{", dot_escape(&t.title));
    o.push_str("  graph [rankdir=TB, newrank=true, splines=true, nodesep=0.3, ranksep=0.9, fontname=\"Helvetica\"];\n");
    o.push_str(
        "  node [shape=box, style=\"rounded,filled\", fontname=\"Helvetica\", fontsize=10];\n",
    );
    let _ = writeln!(
        o,
        "  edge [fontname=\"Helvetica\", fontsize=7, color=\"{LINK}\"];"
    );
    for (k, g) in t.groups.iter().enumerate() {
        dot_group(&mut o, t, k, g);
    }
    for e in &t.edges {
        let _ = writeln!(
            o,
            "  \"d{}\" -- \"d{}\" [taillabel=\"{}\", headlabel=\"{}\"];",
            t.nodes[e.a].id.0,
            t.nodes[e.b].id.0,
            dot_escape(&e.a_if),
            dot_escape(&e.b_if)
        );
    }
    o.push_str("}\n");
    o
}

/// Text for inside a quoted Mermaid label (`["..."]`, `|"..."|`). Names
/// come from devices, so only plain characters pass as they are; every
/// other one becomes Mermaid's numeric entity (`#60;` for `<`), which
/// Mermaid renders as that character but never reads as syntax: no quote
/// ends the label, no `]`, `)`, `}`, `|` closes a shape, no `<script>` or
/// markdown backtick reaches the renderer, and `#` itself is escaped so an
/// entity cannot be forged. Line breaks become spaces (a label is one
/// line, so nothing after it can start a `%%{init}` directive or a `click`
/// line); other control characters are dropped.
fn mermaid_text(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            c if c.is_ascii_alphanumeric() || " -_./:,+=@".contains(c) => out.push(c),
            '\n' | '\r' | '\t' => out.push(' '),
            c if c.is_control() => {}
            c => {
                let _ = write!(out, "#{};", c as u32);
            }
        }
    }
    out
}

/// Mermaid flowchart: a subgraph per site, classes per layer, each link
/// labelled `a_if — b_if`. Mermaid itself refuses diagrams over 500 links
/// unless its `maxEdges` setting is raised (a directive cannot raise it), so
/// for a large network use the per-site files.
pub fn mermaid(t: &Topology) -> String {
    let mut o = String::from("flowchart TB\n");
    for layer in Layer::ALL {
        let (fill, font) = layer_colours(layer);
        let _ = writeln!(
            o,
            "  classDef {} fill:{fill},color:{font},stroke:{NODE_STROKE}",
            layer.as_str()
        );
    }
    for (k, g) in t.groups.iter().enumerate() {
        let indent = if g.name.is_empty() {
            "  "
        } else {
            let _ = writeln!(o, "  subgraph site{k}[\"site {}\"]", mermaid_text(&g.name));
            "    "
        };
        for n in t.nodes.iter().filter(|n| n.site == g.name) {
            let label = match &n.ip {
                Some(ip) => format!("{}<br/>{}", mermaid_text(&n.name), mermaid_text(ip)),
                None => mermaid_text(&n.name),
            };
            let _ = writeln!(o, "{indent}d{}[\"{label}\"]:::{}", n.id.0, n.layer.as_str());
        }
        if !g.name.is_empty() {
            o.push_str("  end\n");
        }
    }
    for e in &t.edges {
        let _ = writeln!(
            o,
            "  d{} ---|\"{} — {}\"| d{}",
            t.nodes[e.a].id.0,
            mermaid_text(&e.a_if),
            mermaid_text(&e.b_if),
            t.nodes[e.b].id.0
        );
    }
    o
}
