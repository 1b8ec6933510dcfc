//! The overview page of a multi-site page set: one box per site (its device
//! and link counts, opening its page), one line per pair of linked sites
//! labelled with how many links join them, and the search over every
//! device. Sites sit in a square grid; the SVG scales to the window.

use super::html::css_colours;
use super::pages::SitePages;
use super::search::{INDEX_FILE, SEARCH_CSS, SEARCH_JS};
use super::xml_escape;
use std::fmt::Write;

/// A site box's size.
const BOX_W: f64 = 200.0;
/// A site box's height.
const BOX_H: f64 = 64.0;
/// Space between site boxes, across.
const GAP_X: f64 = 120.0;
/// Space between rows of site boxes.
const GAP_Y: f64 = 100.0;
/// Margin around the grid.
const MARGIN: f64 = 40.0;

const CSS: &str = r#"
html,body{margin:0;height:100%;font-family:Helvetica,Arial,sans-serif;background:#fafafa;color:#1f1f1f}
#nw-bar{position:fixed;top:0;left:0;right:0;height:40px;display:flex;align-items:center;gap:14px;padding:0 12px;background:var(--nw-core);color:#fff;z-index:2;font-size:14px}
#nw-bar h1{font-size:14px;margin:0}
#nw-bar input{padding:4px 8px;border-radius:4px;border:0;width:220px}
#nw-svg{position:fixed;top:40px;left:0;width:100%;height:calc(100% - 40px)}
.site rect{fill:#deebf7;stroke:var(--nw-stroke);stroke-width:1.2}
.site:hover rect{stroke:var(--nw-highlight);stroke-width:3}
.site text{font-size:13px;fill:#1f1f1f;pointer-events:none}
.site .name{font-size:16px;font-weight:bold}
.site-link line{stroke:var(--nw-link);stroke-width:2}
.site-link text{font-size:12px;fill:#444;paint-order:stroke;stroke:#fafafa;stroke-width:4px}
"#;

/// Centre of site box `k` in a grid `cols` wide.
fn centre(k: usize, cols: usize) -> (f64, f64) {
    let (row, col) = (k / cols, k % cols);
    (
        MARGIN + col as f64 * (BOX_W + GAP_X) + BOX_W / 2.0,
        MARGIN + row as f64 * (BOX_H + GAP_Y) + BOX_H / 2.0,
    )
}

/// The overview page; `pages_dir` is the site pages' folder relative to it.
pub(super) fn overview_html(set: &SitePages, pages_dir: &str) -> String {
    let n = set.pages.len().max(1);
    let cols = (n as f64).sqrt().ceil() as usize;
    let rows = n.div_ceil(cols);
    let w = 2.0 * MARGIN + cols as f64 * (BOX_W + GAP_X) - GAP_X;
    let h = 2.0 * MARGIN + rows as f64 * (BOX_H + GAP_Y) - GAP_Y;
    let devices: usize = set.pages.iter().map(|p| p.topo.nodes.len()).sum();
    let between: usize = set.site_links.iter().map(|l| l.links).sum();
    let mut o = String::new();
    let _ = write!(
        o,
        "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>{}</title>\n<style>{}{CSS}{SEARCH_CSS}</style></head><body data-nw-pages=\"{}/\">\n",
        xml_escape(&set.title),
        css_colours(),
        xml_escape(pages_dir)
    );
    let _ = writeln!(
        o,
        "<div id=\"nw-bar\"><h1>{}</h1><span>{} sites, {devices} devices, {between} links between sites</span><input id=\"nw-search\" type=\"search\" aria-label=\"find a device by name, IP, model or serial\" placeholder=\"find device, IP, model or serial\"></div>\n<div id=\"nw-results\"></div>",
        xml_escape(&set.title),
        set.pages.len()
    );
    let _ = writeln!(
        o,
        "<svg id=\"nw-svg\" xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 {w:.0} {h:.0}\" preserveAspectRatio=\"xMidYMin meet\" data-sites=\"{}\" data-devices=\"{devices}\" data-site-links=\"{}\">",
        set.pages.len(),
        set.site_links.len()
    );
    site_links(&mut o, set, cols);
    for (k, p) in set.pages.iter().enumerate() {
        let (cx, cy) = centre(k, cols);
        let _ = writeln!(
            o,
            "<a class=\"site\" href=\"{}/{}\" data-site-node=\"{}\" data-devices=\"{}\" data-links=\"{}\"><g transform=\"translate({:.0} {:.0})\"><rect width=\"{BOX_W:.0}\" height=\"{BOX_H:.0}\" rx=\"10\"/><text class=\"name\" x=\"{:.0}\" y=\"26\" text-anchor=\"middle\">{}</text><text x=\"{:.0}\" y=\"48\" text-anchor=\"middle\">{} devices, {} links</text></g></a>",
            xml_escape(pages_dir),
            xml_escape(&p.file),
            xml_escape(&p.site),
            p.topo.nodes.len(),
            p.topo.edges.len(),
            cx - BOX_W / 2.0,
            cy - BOX_H / 2.0,
            BOX_W / 2.0,
            xml_escape(&super::html::fit_text(&p.site, 24)),
            BOX_W / 2.0,
            p.topo.nodes.len(),
            p.topo.edges.len()
        );
    }
    o.push_str("</svg>\n");
    let _ = writeln!(
        o,
        "<script src=\"{}/{INDEX_FILE}\"></script>\n<script>{SEARCH_JS}</script>\n<script>document.body.setAttribute('data-nw-ready-ms', performance.now().toFixed(0));</script>\n</body></html>",
        xml_escape(pages_dir)
    );
    o
}

/// One line per pair of linked sites, its link count at the middle.
fn site_links(o: &mut String, set: &SitePages, cols: usize) {
    for l in &set.site_links {
        let ((ax, ay), (bx, by)) = (centre(l.a, cols), centre(l.b, cols));
        let _ = writeln!(
            o,
            "<g class=\"site-link\" data-a=\"{}\" data-b=\"{}\" data-count=\"{}\"><title>{} — {}: {} links</title><line x1=\"{ax:.0}\" y1=\"{ay:.0}\" x2=\"{bx:.0}\" y2=\"{by:.0}\"/><text x=\"{:.0}\" y=\"{:.0}\" text-anchor=\"middle\">{}</text></g>",
            xml_escape(&set.pages[l.a].site),
            xml_escape(&set.pages[l.b].site),
            l.links,
            xml_escape(&set.pages[l.a].site),
            xml_escape(&set.pages[l.b].site),
            l.links,
            (ax + bx) / 2.0,
            (ay + by) / 2.0 - 4.0,
            l.links
        );
    }
}
