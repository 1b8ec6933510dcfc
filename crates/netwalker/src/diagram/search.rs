//! Search across the site pages: one index of every drawn device (name,
//! address, model, serial -> its site page), written once as a script file
//! beside the pages and loaded by each with `<script src>` (which, unlike
//! `fetch`, works from `file://`); and the script that searches it and
//! lists the hits as deep links (`<site page>#device=<name>`).

use super::pages::SitePages;

/// File name of the index, in the site pages' folder.
pub const INDEX_FILE: &str = "search-index.js";

/// Searches `window.NW_INDEX` as the user types (case-insensitive, name,
/// address, model or serial), listing up to 50 hits as links to the
/// device on its site page. `#search=<text>` on the page's address runs a
/// search at load (bookmarks, and the interop suite's check). Records the
/// last search's time in `data-nw-search-ms` on `<body>`.
pub(super) const SEARCH_JS: &str = r#"
(function(){
  var idx = window.NW_INDEX;
  var box = document.getElementById('nw-search');
  var out = document.getElementById('nw-results');
  if (!idx || !box || !out) return;
  var base = document.body.getAttribute('data-nw-pages') || '';
  var hay = idx.devices.map(function(d){
    return [d[0], d[1], d[2], d[3]].map(function(v){ return (v || '').toLowerCase(); }).join('\n');
  });
  function esc(t){ return String(t).replace(/[&<>"']/g, function(c){ return {'&':'&amp;','<':'&lt;','>':'&gt;','"':'&quot;',"'":'&#39;'}[c]; }); }
  function run(){
    var t0 = performance.now();
    var q = box.value.trim().toLowerCase();
    var html = '', n = 0;
    for (var i = 0; q && i < hay.length; i++) {
      if (hay[i].indexOf(q) < 0) continue;
      n++;
      if (n > 50) continue;
      var d = idx.devices[i], p = idx.pages[d[4]];
      var href = base + p[1] + '#device=' + encodeURIComponent(d[0]);
      html += '<li><a class="nw-hit" href="' + esc(href) + '">' + esc(d[0]) + '</a> <span>' +
        esc(d[1] || '') + ' · site ' + esc(p[0]) + '</span></li>';
    }
    if (n > 50) html += '<li>… ' + (n - 50) + ' more</li>';
    out.innerHTML = html ? '<ul>' + html + '</ul>' : (q ? '<ul><li>no device matches</li></ul>' : '');
    out.style.display = html || q ? 'block' : 'none';
    document.body.setAttribute('data-nw-search-ms', (performance.now() - t0).toFixed(1));
    document.body.setAttribute('data-nw-hits', String(n));
  }
  box.addEventListener('input', run);
  var m = /^#search=(.*)$/.exec(location.hash);
  if (m) { box.value = decodeURIComponent(m[1]); run(); }
})();
"#;

/// CSS for the search results list.
pub(super) const SEARCH_CSS: &str = r#"
#nw-results{position:fixed;top:44px;left:12px;width:360px;max-height:60%;overflow:auto;background:#fff;border:1px solid #bbb;border-radius:6px;font-size:12px;box-shadow:0 2px 8px rgba(0,0,0,.2);display:none;z-index:4}
#nw-results ul{list-style:none;margin:0;padding:4px 0}
#nw-results li{padding:3px 10px}
#nw-results span{color:#777}
"#;

/// The index script: `window.NW_INDEX = {pages: [[site, file]...],
/// devices: [[name, ip, model, serial, page]...]}` for every device on
/// every site page.
pub(super) fn index_js(set: &SitePages) -> String {
    let pages: Vec<serde_json::Value> = set
        .pages
        .iter()
        .map(|p| serde_json::json!([p.site, p.file]))
        .collect();
    let devices: Vec<serde_json::Value> = set
        .pages
        .iter()
        .enumerate()
        .flat_map(|(k, p)| {
            p.topo
                .nodes
                .iter()
                .map(move |n| serde_json::json!([n.name, n.ip, n.model, n.serial, k]))
        })
        .collect();
    let v = serde_json::json!({"pages": pages, "devices": devices});
    format!("window.NW_INDEX = {};\n", script_safe_json(&v))
}

/// JSON as script text: `<` escaped (no `</script>` or `<!--` can appear)
/// and the two line separators JavaScript once refused in strings.
pub(super) fn script_safe_json(v: &serde_json::Value) -> String {
    v.to_string()
        .replace('<', "\\u003c")
        .replace('\u{2028}', "\\u2028")
        .replace('\u{2029}', "\\u2029")
}
