//! The self-contained HTML page: an inline SVG drawn from the layout, with
//! inline CSS and JS for pan, zoom, search and a details panel. No external
//! resource of any kind, so it opens from a file share or an air-gapped laptop.

use super::pages::{SitePage, SitePages, Stub, StubLink};
use super::palette::{HIGHLIGHT, LINK_LIGHT, NODE_STROKE, SITE_BORDER, layer_colours};
use super::search::{SEARCH_CSS, SEARCH_JS, script_safe_json};
use super::{Edge, Layer, NODE_H, NODE_W, Node, Topology, xml_escape};
use crate::model::DeviceStatus;
use std::fmt::Write;

const CSS: &str = r#"
html,body{margin:0;height:100%;font-family:Helvetica,Arial,sans-serif;background:#fafafa;color:#1f1f1f}
#nw-bar{position:fixed;top:0;left:0;right:0;height:40px;display:flex;align-items:center;gap:14px;padding:0 12px;background:var(--nw-core);color:#fff;z-index:2;font-size:14px}
#nw-bar h1{font-size:14px;margin:0}
#nw-bar input{padding:4px 8px;border-radius:4px;border:0;width:220px}
#nw-bar .legend span{display:inline-block;padding:2px 6px;border:1px solid #fff;margin-right:4px;border-radius:3px;font-size:11px;color:#1f1f1f}
#nw-svg{position:fixed;top:40px;left:0;width:100%;height:calc(100% - 40px);cursor:grab}
#nw-svg.dragging{cursor:grabbing}
#nw-details{position:fixed;top:52px;right:12px;width:300px;max-height:80%;overflow:auto;background:#fff;border:1px solid #bbb;border-radius:6px;padding:10px 12px;font-size:12px;box-shadow:0 2px 8px rgba(0,0,0,.2);display:none;z-index:3}
#nw-details h3{margin:0 0 6px 0;font-size:15px}
#nw-details table{border-collapse:collapse;width:100%}
#nw-details th,#nw-details td{padding:2px 4px;border-bottom:1px solid #eee;vertical-align:top;text-align:left}
#nw-details th{font-weight:normal;color:#555}
#nw-details .close{float:right;cursor:pointer;border:0;background:none;font-size:16px}
.group rect{fill:#ffffff;stroke:var(--nw-site);stroke-width:1.5}
.group text{font-size:16px;font-weight:bold;fill:#555}
.band rect{fill:none;stroke:#ddd;stroke-dasharray:4 3}
.band text{font-size:10px;fill:#999}
.link{fill:none;stroke:var(--nw-link);stroke-width:1.4}
.link.hl{stroke:var(--nw-highlight);stroke-width:3}
.iflabel{font-size:8px;fill:#444;display:none}
svg.zoomed .iflabel{display:inline}
.device{cursor:pointer}
.device rect{stroke:var(--nw-stroke);stroke-width:1}
.device.unwalked rect{stroke-dasharray:4 2}
.device text{font-size:10px;pointer-events:none}
.device.hl rect,.device.match rect{stroke:var(--nw-highlight);stroke-width:3}
.dim{opacity:.25}
.stub rect{fill:#ffffff;stroke:var(--nw-site);stroke-dasharray:5 3}
.stub text{font-size:10px;fill:#1f1f1f}
.link.xsite{stroke-dasharray:6 4}
"#;

const JS: &str = r#"
(function(){
  var data = JSON.parse(document.getElementById('nw-data').textContent);
  var svg = document.getElementById('nw-svg');
  var view = document.getElementById('nw-view');
  var panel = document.getElementById('nw-details');
  var s = 1, tx = 0, ty = 0;
  function apply(){
    view.setAttribute('transform','translate('+tx+' '+ty+') scale('+s+')');
    svg.classList.toggle('zoomed', s > 0.9);
  }
  function fit(){
    var r = svg.getBoundingClientRect();
    var w = data.width || 1, h = data.height || 1;
    s = Math.min(r.width / w, r.height / h) * 0.95;
    if (!(s > 0)) s = 1;
    tx = (r.width - w * s) / 2; ty = (r.height - h * s) / 2;
    apply();
  }
  svg.addEventListener('wheel', function(ev){
    ev.preventDefault();
    var r = svg.getBoundingClientRect();
    var mx = ev.clientX - r.left, my = ev.clientY - r.top;
    var k = Math.exp(-ev.deltaY * 0.0015);
    var ns = Math.min(8, Math.max(0.02, s * k));
    tx = mx - (mx - tx) * ns / s; ty = my - (my - ty) * ns / s; s = ns;
    apply();
  }, {passive:false});
  var drag = null;
  svg.addEventListener('mousedown', function(ev){
    drag = {x: ev.clientX, y: ev.clientY, tx: tx, ty: ty, moved: false};
    svg.classList.add('dragging');
  });
  // A drag ends on mouseup (`up`); the state stays until the click that
  // follows has seen whether it moved, and only a later mousedown replaces it.
  window.addEventListener('mousemove', function(ev){
    if (!drag || drag.up) return;
    var dx = ev.clientX - drag.x, dy = ev.clientY - drag.y;
    if (Math.abs(dx) + Math.abs(dy) > 3) drag.moved = true;
    tx = drag.tx + dx; ty = drag.ty + dy; apply();
  });
  window.addEventListener('mouseup', function(){
    svg.classList.remove('dragging');
    if (!drag) return;
    var done = drag; done.up = true;
    setTimeout(function(){ if (drag === done) drag = null; }, 0);
  });
  function esc(t){ return String(t).replace(/[&<>"]/g, function(c){ return {'&':'&amp;','<':'&lt;','>':'&gt;','"':'&quot;'}[c]; }); }
  function clearHl(){
    document.querySelectorAll('.hl').forEach(function(e){ e.classList.remove('hl'); });
  }
  function show(i){
    var d = data.devices[i];
    clearHl();
    document.querySelector('[data-idx="'+i+'"]').classList.add('hl');
    var rows = '';
    [['IP','ip'],['Platform','platform'],['Model','model'],['Serial','serial'],['Version','version'],['Status','status'],['Class','class'],['Layer','layer'],['Site','site']].forEach(function(f){
      if (d[f[1]]) rows += '<tr><th scope="row">'+f[0]+'</th><td>'+esc(d[f[1]])+'</td></tr>';
    });
    var links = '';
    data.links.forEach(function(l, k){
      var mine = l.a === i ? [l.a_if, l.b, l.b_if] : l.b === i ? [l.b_if, l.a, l.a_if] : null;
      if (!mine) return;
      document.getElementById('link-'+k).classList.add('hl');
      links += '<tr class="nw-link"><td>'+esc(mine[0])+'</td><td>'+esc(data.devices[mine[1]].name)+' '+esc(mine[2])+'</td></tr>';
    });
    if (window.nwSiteLinks) links += window.nwSiteLinks(data, i, esc);
    panel.innerHTML = '<button class="close" title="close">×</button><h3>'+esc(d.name)+'</h3><table>'+rows+'</table>'+
      (links ? '<h4>Links</h4><table class="nw-links"><tr><th scope="col">Port</th><th scope="col">Neighbour, port</th></tr>'+links+'</table>' : '');
    panel.style.display = 'block';
    panel.querySelector('.close').onclick = function(){ panel.style.display = 'none'; clearHl(); };
  }
  // Dragging a device moves it and its links; moved positions are kept in
  // the browser (localStorage) per page address, so each view keeps its own.
  var posKey = 'nw-pos:' + location.pathname + location.search;
  var linksOf = data.devices.map(function(){ return []; });
  data.links.forEach(function(l, k){ linksOf[l.a].push(k); linksOf[l.b].push(k); });
  function curve(k){
    var l = data.links[k], a = data.devices[l.a], b = data.devices[l.b];
    var dx = b.cx - a.cx, dy = b.cy - a.cy, len = Math.max(1, Math.sqrt(dx * dx + dy * dy));
    var off = (l.pi - (l.pc - 1) / 2) * 36;
    var cx = (a.cx + b.cx) / 2 - dy / len * off, cy = (a.cy + b.cy) / 2 + dx / len * off;
    document.getElementById('link-'+k).setAttribute('d', 'M'+a.cx.toFixed(1)+','+a.cy.toFixed(1)+' Q'+cx.toFixed(1)+','+cy.toFixed(1)+' '+b.cx.toFixed(1)+','+b.cy.toFixed(1));
    [[0.22, 'a'], [0.78, 'b']].forEach(function(p){
      var u = p[0], v = 1 - u, t = document.getElementById('lab-'+k+'-'+p[1]);
      if (!t) return;
      t.setAttribute('x', (v * v * a.cx + 2 * v * u * cx + u * u * b.cx).toFixed(1));
      t.setAttribute('y', (v * v * a.cy + 2 * v * u * cy + u * u * b.cy).toFixed(1));
    });
  }
  function moveTo(i, x, y){
    var d = data.devices[i];
    d.cx = x; d.cy = y; d.moved = true;
    document.querySelector('[data-idx="'+i+'"]').setAttribute('transform', 'translate('+(x - data.node_w / 2).toFixed(0)+' '+(y - data.node_h / 2).toFixed(0)+')');
    linksOf[i].forEach(curve);
  }
  function savePositions(){
    var pos = {};
    data.devices.forEach(function(d){ if (d.moved) pos[d.name] = [d.cx, d.cy]; });
    try { localStorage.setItem(posKey, JSON.stringify(pos)); } catch (e) {}
  }
  (function restore(){
    var pos = {};
    try { pos = JSON.parse(localStorage.getItem(posKey) || '{}') || {}; } catch (e) {}
    data.devices.forEach(function(d, i){
      var p = pos[d.name];
      if (p && isFinite(p[0]) && isFinite(p[1])) moveTo(i, +p[0], +p[1]);
    });
  })();
  var nodeDrag = null;
  document.querySelectorAll('.device').forEach(function(g){
    g.addEventListener('mousedown', function(ev){
      ev.stopPropagation();
      var i = +g.getAttribute('data-idx'), d = data.devices[i];
      nodeDrag = {i: i, x: ev.clientX, y: ev.clientY, cx: d.cx, cy: d.cy, moved: false};
    });
  });
  window.addEventListener('mousemove', function(ev){
    if (!nodeDrag || nodeDrag.up) return;
    var dx = (ev.clientX - nodeDrag.x) / s, dy = (ev.clientY - nodeDrag.y) / s;
    if (!nodeDrag.moved && Math.abs(dx) + Math.abs(dy) <= 3 / s) return;
    nodeDrag.moved = true;
    moveTo(nodeDrag.i, nodeDrag.cx + dx, nodeDrag.cy + dy);
  });
  window.addEventListener('mouseup', function(){
    if (!nodeDrag || nodeDrag.up) return;
    var done = nodeDrag; done.up = true;
    if (done.moved) savePositions();
    setTimeout(function(){ if (nodeDrag === done) nodeDrag = null; }, 0);
  });
  document.getElementById('nw-reset').onclick = function(){
    try { localStorage.removeItem(posKey); } catch (e) {}
    location.reload();
  };
  document.querySelectorAll('.device').forEach(function(g){
    g.addEventListener('click', function(ev){
      if ((drag && drag.moved) || (nodeDrag && nodeDrag.moved)) return;
      ev.stopPropagation();
      show(+g.getAttribute('data-idx'));
    });
  });
  var search = document.getElementById('nw-search');
  search.addEventListener('input', function(){
    var q = search.value.trim().toLowerCase();
    var first = -1;
    document.querySelectorAll('.device').forEach(function(g){
      var i = +g.getAttribute('data-idx'), d = data.devices[i];
      var hit = q && (d.name.toLowerCase().indexOf(q) >= 0 || (d.ip || '').indexOf(q) >= 0);
      g.classList.toggle('match', !!hit);
      g.classList.toggle('dim', !!q && !hit);
      if (hit && first < 0) first = i;
    });
    if (first >= 0) {
      var d = data.devices[first], r = svg.getBoundingClientRect();
      s = Math.max(s, 1); tx = r.width / 2 - d.cx * s; ty = r.height / 2 - d.cy * s; apply();
    }
  });
  document.getElementById('nw-fit').onclick = fit;
  fit();
  // Deep link: page.html#device=NAME opens that device's details.
  function fromHash(){
    var m = /^#device=(.+)$/.exec(location.hash);
    if (!m) return;
    var name = decodeURIComponent(m[1]);
    for (var i = 0; i < data.devices.length; i++) {
      if (data.devices[i].name === name) {
        var d = data.devices[i], r = svg.getBoundingClientRect();
        s = Math.max(s, 1); tx = r.width / 2 - d.cx * s; ty = r.height / 2 - d.cy * s; apply();
        show(i);
        return;
      }
    }
  }
  window.addEventListener('hashchange', fromHash);
  window.addEventListener('resize', function(){ fit(); fromHash(); });
  fromHash();
  // Laid out and ready: when, after navigation start (the interop suite reads it).
  document.body.setAttribute('data-nw-ready-ms', performance.now().toFixed(0));
})();
"#;

/// A site page's links to other sites in the details panel, each a link to
/// the device on its own page (defined before [`JS`], which calls it).
const SITE_JS: &str = r#"
window.nwSiteLinks = function(data, i, esc){
  var rows = '';
  (data.xlinks || []).forEach(function(x, k){
    if (x.a !== i) return;
    document.getElementById('xlink-'+k).classList.add('hl');
    rows += '<tr class="nw-link nw-xlink"><td>'+esc(x.a_if)+'</td><td><a href="'+esc(x.href)+'">'+esc(x.name)+'</a> '+esc(x.b_if)+' (site '+esc(x.site)+')</td></tr>';
  });
  return rows;
};
"#;

/// The palette's colours as the CSS variables [`CSS`] uses.
pub(super) fn css_colours() -> String {
    format!(
        ":root{{--nw-core:{};--nw-stroke:{NODE_STROKE};--nw-link:{LINK_LIGHT};--nw-highlight:{HIGHLIGHT};--nw-site:{SITE_BORDER}}}",
        layer_colours(Layer::Core).0
    )
}

/// Shortens a label to what fits in a node box.
pub(super) fn fit_text(s: &str, max: usize) -> String {
    if s.chars().count() <= max {
        s.to_string()
    } else {
        let mut t: String = s.chars().take(max - 1).collect();
        t.push('…');
        t
    }
}

/// What a site page adds to the single page: stubs for the other sites'
/// devices, the way back to the overview, and the shared search.
struct SiteExtras<'a> {
    /// The page set the page belongs to (stub targets, other pages' files).
    set: &'a SitePages,
    /// This page's index in `set.pages`.
    page: usize,
    /// The overview's address relative to the site pages' folder.
    overview_href: &'a str,
}

impl SiteExtras<'_> {
    fn page(&self) -> &SitePage {
        &self.set.pages[self.page]
    }

    /// Where a stub leads: its device on its own site's page.
    fn stub_href(&self, stub: &Stub) -> String {
        device_href(&self.set.pages[stub.page].file, &stub.name)
    }
}

/// `<page>#device=<name>`, the name percent-encoded (the page's deep link).
pub(super) fn device_href(file: &str, name: &str) -> String {
    let mut href = format!("{file}#device=");
    for b in name.bytes() {
        if b.is_ascii_alphanumeric() || b"-_.~".contains(&b) {
            href.push(b as char);
        } else {
            let _ = write!(href, "%{b:02X}");
        }
    }
    href
}

pub(super) fn html(t: &Topology) -> String {
    page_html(t, None, &[])
}

/// The single page with `links` (label, address) in its bar: `serve`'s
/// map, with its way back and its depth control.
pub fn html_with_links(t: &Topology, links: &[(String, String)]) -> String {
    page_html(t, None, links)
}

/// The inline scripts [`html_with_links`] pages run, verbatim (a server
/// allows exactly these by hash in its Content-Security-Policy).
pub const PAGE_SCRIPTS: [&str; 1] = [JS];

/// Page `k` of a multi-site page set; `overview_href` is the overview's
/// address from the site pages' folder.
pub(super) fn site_page_html(set: &SitePages, k: usize, overview_href: &str) -> String {
    let extras = SiteExtras {
        set,
        page: k,
        overview_href,
    };
    page_html(&set.pages[k].topo, Some(&extras), &[])
}

fn page_html(t: &Topology, site: Option<&SiteExtras>, links: &[(String, String)]) -> String {
    let mut o = String::new();
    let search_css = if site.is_some() { SEARCH_CSS } else { "" };
    let _ = write!(
        o,
        "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>{}</title>\n<style>{}{CSS}{search_css}</style></head>{}\n",
        xml_escape(&t.title),
        css_colours(),
        if site.is_some() {
            "<body data-nw-pages=\"\">"
        } else {
            "<body>"
        }
    );
    bar(&mut o, t, site, links);
    let (w, h) = site.map_or_else(|| t.extent(), |s| s.page().extent());
    let _ = writeln!(
        o,
        "<svg id=\"nw-svg\" xmlns=\"http://www.w3.org/2000/svg\" data-devices=\"{}\" data-links=\"{}\"><g id=\"nw-view\">",
        t.nodes.len(),
        t.edges.len()
    );
    svg_groups(&mut o, t);
    o.push_str("<g class=\"links\">\n");
    for (k, e) in t.edges.iter().enumerate() {
        svg_link(&mut o, t, k, e);
    }
    if let Some(s) = site {
        for (k, l) in s.page().stub_links.iter().enumerate() {
            svg_stub_link(&mut o, s, k, l);
        }
    }
    o.push_str("</g>\n<g class=\"devices\">\n");
    for (i, n) in t.nodes.iter().enumerate() {
        svg_node(&mut o, i, n);
    }
    if let Some(s) = site {
        for stub in &s.page().stubs {
            svg_stub(&mut o, s, stub);
        }
    }
    o.push_str("</g>\n</g></svg>\n");
    let mut data = page_data(t, w, h);
    if let Some(s) = site {
        data["xlinks"] = xlinks_data(s);
        let _ = write!(
            o,
            "<script src=\"{}\"></script>\n<script>{SITE_JS}</script>\n",
            xml_escape(super::search::INDEX_FILE)
        );
    }
    let _ = write!(
        o,
        "<script type=\"application/json\" id=\"nw-data\">{}</script>\n<script>{JS}</script>\n",
        script_safe_json(&data)
    );
    if site.is_some() {
        let _ = writeln!(o, "<script>{SEARCH_JS}</script>");
    }
    o.push_str("</body></html>\n");
    o
}

/// The bar on top: title, counts, search, fit, the legend; on a site
/// page also the way back to the overview and the search results list.
fn bar(o: &mut String, t: &Topology, site: Option<&SiteExtras>, links: &[(String, String)]) {
    o.push_str("<div id=\"nw-bar\">");
    for (label, href) in links {
        let _ = write!(
            o,
            "<a class=\"nw-nav\" href=\"{}\" style=\"color:#fff\">{}</a>",
            xml_escape(href),
            xml_escape(label)
        );
    }
    let _ = write!(
        o,
        "<h1>{}</h1><span>{} devices, {} links</span><input id=\"nw-search\" type=\"search\" aria-label=\"find a device by name or IP\" placeholder=\"find device or IP\"><button id=\"nw-fit\">fit</button><button id=\"nw-reset\" title=\"forget the positions dragged on this page\">reset layout</button>",
        xml_escape(&t.title),
        t.nodes.len(),
        t.edges.len()
    );
    if let Some(s) = site {
        let _ = write!(
            o,
            "<a id=\"nw-overview\" href=\"{}\" style=\"color:#fff\">all sites</a><span>{} links to other sites</span>",
            xml_escape(s.overview_href),
            s.page().stub_links.len()
        );
    }
    o.push_str("<span class=\"legend\">");
    for l in Layer::ALL {
        let _ = write!(
            o,
            "<span style=\"background:{};color:{}\">{}</span>",
            layer_colours(l).0,
            layer_colours(l).1,
            l.as_str()
        );
    }
    o.push_str("</span></div>\n<aside id=\"nw-details\"></aside>\n");
    if site.is_some() {
        o.push_str("<div id=\"nw-results\"></div>\n");
    }
}

/// What the page's script reads: every device's facts and centre, every
/// link by node index, and the page size (for "fit").
fn page_data(t: &Topology, w: f64, h: f64) -> serde_json::Value {
    let devices: Vec<serde_json::Value> = t
        .nodes
        .iter()
        .map(|n| {
            serde_json::json!({
                "name": n.name, "ip": n.ip, "platform": n.platform, "model": n.model,
                "serial": n.serial, "version": n.version, "status": n.status.as_str(),
                "class": n.class.as_str(), "layer": n.layer.as_str(), "site": n.site,
                "cx": n.x + NODE_W / 2.0, "cy": n.y + NODE_H / 2.0,
            })
        })
        .collect();
    let links: Vec<serde_json::Value> = t
        .edges
        .iter()
        .map(|e| serde_json::json!({"a": e.a, "b": e.b, "a_if": e.a_if, "b_if": e.b_if, "protocols": e.protocols, "pi": e.parallel_index, "pc": e.parallel_count}))
        .collect();
    serde_json::json!({"title": t.title, "width": w, "height": h, "node_w": NODE_W, "node_h": NODE_H, "devices": devices, "links": links})
}

/// The links to other sites, for the details panel: this site's end by node
/// index, the other end's name, site and deep link.
fn xlinks_data(s: &SiteExtras) -> serde_json::Value {
    let page = s.page();
    page.stub_links
        .iter()
        .map(|l| {
            let stub = &page.stubs[l.stub];
            serde_json::json!({
                "a": l.node, "a_if": l.node_if, "b_if": l.stub_if, "name": stub.name,
                "site": s.set.pages[stub.page].site, "href": s.stub_href(stub),
            })
        })
        .collect()
}

/// Each site block with its name, and a dashed band per layer.
fn svg_groups(o: &mut String, t: &Topology) {
    for g in &t.groups {
        let label = if g.name.is_empty() {
            String::new()
        } else {
            format!("site {}", g.name)
        };
        let _ = writeln!(
            o,
            "<g class=\"group\" data-site=\"{}\"><rect x=\"{:.0}\" y=\"{:.0}\" width=\"{:.0}\" height=\"{:.0}\" rx=\"8\"/><text x=\"{:.0}\" y=\"{:.0}\">{}</text></g>",
            xml_escape(&g.name),
            g.x,
            g.y,
            g.w,
            g.h,
            g.x + 10.0,
            g.y + 22.0,
            xml_escape(&label)
        );
        for (layer, by, bh) in &g.bands {
            let _ = writeln!(
                o,
                "<g class=\"band\"><rect x=\"{:.0}\" y=\"{:.0}\" width=\"{:.0}\" height=\"{:.0}\"/><text x=\"{:.0}\" y=\"{:.0}\">{}</text></g>",
                g.x + 6.0,
                by - 12.0,
                g.w - 12.0,
                bh + 20.0,
                g.x + 10.0,
                by - 2.0,
                layer.as_str()
            );
        }
    }
}

/// One link: a quadratic curve (parallel links bow apart, single links stay
/// straight) with its tooltip, and both interface names on the curve.
fn svg_link(o: &mut String, t: &Topology, k: usize, e: &Edge) {
    let (a, b) = (&t.nodes[e.a], &t.nodes[e.b]);
    let (ax, ay) = (a.x + NODE_W / 2.0, a.y + NODE_H / 2.0);
    let (bx, by) = (b.x + NODE_W / 2.0, b.y + NODE_H / 2.0);
    let (dx, dy) = (bx - ax, by - ay);
    let len = (dx * dx + dy * dy).sqrt().max(1.0);
    let off = (e.parallel_index as f64 - (e.parallel_count as f64 - 1.0) / 2.0) * 36.0;
    // Quadratic curve: parallel links bow apart, single links stay straight.
    let (cx, cy) = (
        (ax + bx) / 2.0 - dy / len * off,
        (ay + by) / 2.0 + dx / len * off,
    );
    let _ = writeln!(
        o,
        "<path id=\"link-{k}\" class=\"link\" data-link=\"{k}\" d=\"M{ax:.1},{ay:.1} Q{cx:.1},{cy:.1} {bx:.1},{by:.1}\"><title>{}</title></path>",
        xml_escape(&format!(
            "{} {} — {} {} ({})",
            a.name, e.a_if, b.name, e.b_if, e.protocols
        ))
    );
    // Interface labels a quarter of the way from each end (on the curve).
    let at = |u: f64| {
        let v = 1.0 - u;
        (
            v * v * ax + 2.0 * v * u * cx + u * u * bx,
            v * v * ay + 2.0 * v * u * cy + u * u * by,
        )
    };
    for (u, end, text) in [(0.22, 'a', &e.a_if), (0.78, 'b', &e.b_if)] {
        let (x, y) = at(u);
        let _ = writeln!(
            o,
            "<text id=\"lab-{k}-{end}\" class=\"iflabel\" x=\"{x:.1}\" y=\"{y:.1}\" text-anchor=\"middle\">{}</text>",
            xml_escape(text)
        );
    }
}

/// One device: a box coloured by layer, rounder for routers, dashed when
/// not walked, with its name and address cut to fit.
fn svg_node(o: &mut String, i: usize, n: &Node) {
    let (fill, font) = layer_colours(n.layer);
    let unwalked = if n.status == DeviceStatus::Walked {
        ""
    } else {
        " unwalked"
    };
    let rx = match n.class {
        super::DeviceClass::Router => 22,
        super::DeviceClass::Switch => 6,
        _ => 14,
    };
    let _ = write!(
        o,
        "<g class=\"device{unwalked}\" data-device=\"{}\" data-idx=\"{i}\" data-layer=\"{}\" transform=\"translate({:.0} {:.0})\"><rect width=\"{NODE_W:.0}\" height=\"{NODE_H:.0}\" rx=\"{rx}\" fill=\"{fill}\"/>",
        xml_escape(&n.name),
        n.layer.as_str(),
        n.x,
        n.y
    );
    let _ = write!(
        o,
        "<text x=\"{:.0}\" y=\"19\" text-anchor=\"middle\" fill=\"{font}\" font-weight=\"bold\">{}</text>",
        NODE_W / 2.0,
        xml_escape(&fit_text(&n.name, 20))
    );
    if let Some(ip) = &n.ip {
        let _ = write!(
            o,
            "<text x=\"{:.0}\" y=\"34\" text-anchor=\"middle\" fill=\"{font}\">{}</text>",
            NODE_W / 2.0,
            xml_escape(&fit_text(ip, 22))
        );
    }
    o.push_str("</g>\n");
}

/// A link to another site: from this site's device to the stub, straight.
fn svg_stub_link(o: &mut String, s: &SiteExtras, k: usize, l: &StubLink) {
    let page = s.page();
    let (a, stub) = (&page.topo.nodes[l.node], &page.stubs[l.stub]);
    let (ax, ay) = (a.x + NODE_W / 2.0, a.y + NODE_H / 2.0);
    let (bx, by) = (stub.x + NODE_W / 2.0, stub.y + NODE_H / 2.0);
    let _ = writeln!(
        o,
        "<path id=\"xlink-{k}\" class=\"link xsite\" data-xlink=\"{k}\" d=\"M{ax:.1},{ay:.1} L{bx:.1},{by:.1}\"><title>{}</title></path>",
        xml_escape(&format!(
            "{} {} — {} {} (site {}; {})",
            a.name, l.node_if, stub.name, l.stub_if, s.set.pages[stub.page].site, l.protocols
        ))
    );
}

/// A device of another site: a dashed box that opens it on its own page.
fn svg_stub(o: &mut String, s: &SiteExtras, stub: &Stub) {
    let site = &s.set.pages[stub.page].site;
    let _ = write!(
        o,
        "<a class=\"stub\" href=\"{}\" data-stub=\"{}\" data-stub-site=\"{}\"><g transform=\"translate({:.0} {:.0})\"><rect width=\"{NODE_W:.0}\" height=\"{NODE_H:.0}\" rx=\"6\"/>",
        xml_escape(&s.stub_href(stub)),
        xml_escape(&stub.name),
        xml_escape(site),
        stub.x,
        stub.y
    );
    let _ = writeln!(
        o,
        "<text x=\"{:.0}\" y=\"19\" text-anchor=\"middle\" font-weight=\"bold\">{}</text><text x=\"{:.0}\" y=\"34\" text-anchor=\"middle\">{}</text></g></a>",
        NODE_W / 2.0,
        xml_escape(&fit_text(&stub.name, 20)),
        NODE_W / 2.0,
        xml_escape(&fit_text(&format!("site {site} →"), 22))
    );
}
