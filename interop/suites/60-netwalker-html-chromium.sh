#!/usr/bin/env bash
# netwalker's diagrams and workbook opened by programs nobody here wrote:
# - the interactive HTML page in headless Chromium (Debian package): the DOM
#   after its inline script ran has one `data-device` element per stored device
#   and one link path per stored link, and the screenshot is not blank;
# - a 10,000-device, 40-site network's HTML as an overview of sites and a page
#   per site: the overview's sites, device counts and links between sites, and a
#   site page's devices, links and stubs, equal the store's; each is ready (laid
#   out, scripts run) under 3 s; a stub and a search hit (from the overview and
#   from another site's page) open the device on its own site page;
# - the DOT file rendered by Graphviz with the same node and edge counts;
# - the draw.io and GraphML files parsed by Python's XML parser;
# - the workbook read by openpyxl: six sheets, each one Excel table with an
#   autofilter and a frozen header row;
# - the GraphML read by NetworkX.
# Counts come from the store (the example prints them), not from the diagram code.
set -euo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
cd "$root"
py="${INTEROP_VENV:-$root/interop/.venv}/bin/python"
for t in chromium dot python3; do
  command -v "$t" >/dev/null 2>&1 || { echo "interop: missing tool: $t (interop/setup installs it)" >&2; exit 1; }
done
[ -x "$py" ] || { echo "interop: missing tool: $py (interop/setup builds it)" >&2; exit 1; }
"$py" -c 'import openpyxl, networkx' || { echo "interop: the openpyxl/networkx Python packages are not installed" >&2; exit 1; }

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
cargo build -q -p netwalker --example diagram_demo
"${CARGO_TARGET_DIR:-$root/target}/debug/examples/diagram_demo" "$work/out" >"$work/demo.txt"
cat "$work/demo.txt"
val() { grep "^$1=" "$work/demo.txt" | head -1 | cut -d= -f2-; }
devices="$(val store_devices)"
links="$(val store_links)"
html="$(val file_html)"
[ "$devices" -ge 40 ] || { echo "demo store too small: $devices devices" >&2; exit 1; }

chrome() {
  timeout 120 chromium --headless --no-sandbox --disable-gpu --disable-dev-shm-usage \
    --disable-background-networking --disable-component-update --disable-sync \
    --no-first-run --user-data-dir="$work/profile-$1" "${@:2}" 2>>"$work/chromium.log"
}

echo "== Chromium: DOM after the page's script ran"
chrome dom --dump-dom "file://$html" >"$work/dom.html" || { cat "$work/chromium.log" >&2; exit 1; }
dom_devices="$(grep -o 'data-device="' "$work/dom.html" | wc -l)"
dom_links="$(grep -o 'class="link"' "$work/dom.html" | wc -l)"
echo "DOM: $dom_devices devices (store $devices), $dom_links links (store $links)"
[ "$dom_devices" -eq "$devices" ] || { echo "device count differs" >&2; exit 1; }
[ "$dom_links" -eq "$links" ] || { echo "link count differs" >&2; exit 1; }
# fit() sets the view transform: proof the inline script ran without error.
grep -q 'id="nw-view" transform="translate(' "$work/dom.html" || { echo "inline script did not run (no view transform)" >&2; exit 1; }

echo "== Chromium: deep link opens a device's details (the click handler's path)"
core_links="$(val core_links)"
chrome deep --dump-dom "file://$html#device=NYC-CORE-1" >"$work/deep.html" || { cat "$work/chromium.log" >&2; exit 1; }
grep -q '<h3>NYC-CORE-1</h3>' "$work/deep.html" || { echo "details panel did not open for NYC-CORE-1" >&2; exit 1; }
# Count inside the details panel only (the script's own text is in the DOM too).
panel_links="$(python3 -c 'import re,sys; a=re.search(r"<aside id=\"nw-details\".*?</aside>", open(sys.argv[1]).read(), re.S); print(a.group(0).count("class=\"nw-link\"") if a else -1)' "$work/deep.html")"
hl_links="$(grep -o 'class="link hl"' "$work/deep.html" | wc -l)"
echo "details: $panel_links links listed, $hl_links highlighted (store $core_links)"
[ "$panel_links" -eq "$core_links" ] && [ "$hl_links" -eq "$core_links" ] || { echo "NYC-CORE-1 link count differs" >&2; exit 1; }

echo "== Chromium: screenshot"
chrome shot --screenshot="$work/shot.png" --window-size=1400,1000 "file://$html" >/dev/null || { cat "$work/chromium.log" >&2; exit 1; }
python3 - "$work/shot.png" <<'PY'
# Decodes the PNG with the standard library only and checks it is not blank:
# many distinct colours, and a fair share of pixels unlike the background.
import struct, sys, zlib
data = open(sys.argv[1], "rb").read()
assert data[:8] == b"\x89PNG\r\n\x1a\n", "not a PNG"
pos, idat, hdr = 8, b"", None
while pos < len(data):
    n, kind = struct.unpack(">I4s", data[pos:pos + 8])
    body = data[pos + 8:pos + 8 + n]
    if kind == b"IHDR":
        hdr = struct.unpack(">IIBBBBB", body)
    elif kind == b"IDAT":
        idat += body
    pos += 12 + n
w, h, depth, ctype, _, _, interlace = hdr
assert depth == 8 and ctype in (2, 6) and interlace == 0, hdr
bpp = 3 if ctype == 2 else 4
raw = zlib.decompress(idat)
stride = w * bpp
prev = bytearray(stride)
colours, counts = set(), {}
for y in range(h):
    f = raw[y * (stride + 1)]
    line = bytearray(raw[y * (stride + 1) + 1:(y + 1) * (stride + 1)])
    for i in range(stride):
        a = line[i - bpp] if i >= bpp else 0
        b = prev[i]
        c = prev[i - bpp] if i >= bpp else 0
        if f == 1: line[i] = (line[i] + a) & 255
        elif f == 2: line[i] = (line[i] + b) & 255
        elif f == 3: line[i] = (line[i] + (a + b) // 2) & 255
        elif f == 4:
            p = a + b - c
            pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
            line[i] = (line[i] + (a if pa <= pb and pa <= pc else b if pb <= pc else c)) & 255
    for x in range(0, stride, bpp):
        px = bytes(line[x:x + 3])
        colours.add(px)
        counts[px] = counts.get(px, 0) + 1
    prev = line
background = max(counts.values())
other = 1 - background / (w * h)
print(f"screenshot {w}x{h}: {len(colours)} colours, {other:.1%} non-background pixels")
assert len(colours) >= 16, "screenshot has almost no colours: blank render?"
assert other >= 0.03, "screenshot is almost all background: blank render?"
PY

echo "== Chromium: the 1,000-device page"
"${CARGO_TARGET_DIR:-$root/target}/debug/examples/diagram_demo" "$work/large" large >"$work/large.txt"
big_devices="$(grep '^store_devices=' "$work/large.txt" | cut -d= -f2)"
big_html="$(grep '^file_html=' "$work/large.txt" | cut -d= -f2-)"
start=$(date +%s%N)
chrome big --dump-dom "file://$big_html" >"$work/big.html" || { cat "$work/chromium.log" >&2; exit 1; }
ms=$(( ($(date +%s%N) - start) / 1000000 ))
big_dom="$(grep -o 'data-device="' "$work/big.html" | wc -l)"
echo "large page: $big_dom devices in the DOM (store $big_devices), loaded and dumped in $ms ms"
[ "$big_dom" -eq "$big_devices" ] && [ "$big_devices" -ge 1000 ] || { echo "large page device count differs" >&2; exit 1; }
grep -q 'id="nw-view" transform="translate(' "$work/big.html" || { echo "inline script did not run on the large page" >&2; exit 1; }

echo "== Chromium: 10,000 devices in 40 sites as an overview of sites and a page per site"
"${CARGO_TARGET_DIR:-$root/target}/debug/examples/diagram_demo" "$work/sites" sites >"$work/sites.txt"
sval() { grep "^$1=" "$work/sites.txt" | head -1 | cut -d= -f2-; }
s_devices="$(sval store_devices)"
s_sites="$(sval store_sites)"
s_between="$(sval store_links_between_sites)"
overview="$(sval file_overview)"
pages_dir="${overview%.html}_sites"
echo "store: $s_devices devices in $s_sites sites, $s_between links between sites; HTML written in $(sval html_ms) ms"
[ "$s_devices" -ge 10000 ] && [ "$s_sites" -ge 2 ] || { echo "demo store too small for the page set" >&2; exit 1; }
pages="$(grep -c '^file_page=.*\.html$' "$work/sites.txt")"
[ "$pages" -eq "$s_sites" ] || { echo "$pages site pages for $s_sites sites" >&2; exit 1; }
# The script's mark: milliseconds from navigation start to laid out and ready.
ready_ms() { grep -o 'data-nw-ready-ms="[0-9]*"' "$1" | grep -o '[0-9]*'; }
timed_dom() { # name url out: dumps the DOM, prints the wall time of the whole Chromium run
  local start; start=$(date +%s%N)
  chrome "$1" --dump-dom "$2" >"$3" || { cat "$work/chromium.log" >&2; exit 1; }
  echo $(( ($(date +%s%N) - start) / 1000000 ))
}

ms="$(timed_dom overview "file://$overview" "$work/overview.html")"
python3 - "$work/overview.html" "$work/sites.txt" <<'PY'
# Every site once with the store's device count; the links between sites add up.
import re, sys
dom, truth = open(sys.argv[1]).read(), open(sys.argv[2]).read()
want = {m[0]: int(m[1]) for m in re.findall(r"^site_(\S+)=(\d+) \d+ \d+$", truth, re.M)}
between = int(re.search(r"^store_links_between_sites=(\d+)$", truth, re.M)[1])
got = {s: int(n) for s, n in re.findall(r'<a class="site" href="[^"]*" data-site-node="([^"]*)" data-devices="(\d+)"', dom)}
counts = sum(int(c) for c in re.findall(r'data-count="(\d+)"', dom))
print(f"overview: {len(got)} sites (store {len(want)}), {counts} links between sites (store {between})")
assert got == want, (got, want)
assert counts == between
PY
o_ready="$(ready_ms "$work/overview.html")"
echo "overview: ready after $o_ready ms (Chromium run $ms ms)"
[ -n "$o_ready" ] && [ "$o_ready" -lt 3000 ] || { echo "overview first render not under 3 s" >&2; exit 1; }

read -r nyc_devices nyc_links nyc_between <<<"$(sval site_NYC)"
ms="$(timed_dom nyc "file://$pages_dir/NYC.html" "$work/nyc.html")"
p_devices="$(grep -o 'data-device="' "$work/nyc.html" | wc -l)"
p_links="$(grep -o 'class="link"' "$work/nyc.html" | wc -l)"
p_stub_links="$(grep -o 'class="link xsite"' "$work/nyc.html" | wc -l)"
p_ready="$(ready_ms "$work/nyc.html")"
echo "site NYC: $p_devices devices, $p_links links, $p_stub_links to other sites (store $nyc_devices, $nyc_links, $nyc_between); ready after $p_ready ms (Chromium run $ms ms)"
[ "$p_devices" -eq "$nyc_devices" ] && [ "$p_links" -eq "$nyc_links" ] && [ "$p_stub_links" -eq "$nyc_between" ] || { echo "site page counts differ from the store" >&2; exit 1; }
[ -n "$p_ready" ] && [ "$p_ready" -lt 3000 ] || { echo "site page first render not under 3 s" >&2; exit 1; }

echo "== Chromium: a stub opens the other site's page on its device"
stub_href="$(grep -o '<a class="stub" href="[^"]*"' "$work/nyc.html" | head -1 | sed 's/.*href="//; s/"$//')"
stub_name="${stub_href#*#device=}"
chrome stub --dump-dom "file://$pages_dir/$stub_href" >"$work/stub.html" || { cat "$work/chromium.log" >&2; exit 1; }
grep -q "<h3>$stub_name</h3>" "$work/stub.html" || { echo "stub $stub_href did not open $stub_name" >&2; exit 1; }
echo "stub $stub_href opened $stub_name"

echo "== Chromium: search from the overview and from a site page finds a device on another site's page"
target="S17-ACC-105"
chrome search1 --dump-dom "file://$overview#search=$target" >"$work/search1.html" || { cat "$work/chromium.log" >&2; exit 1; }
chrome search2 --dump-dom "file://$pages_dir/NYC.html#search=$target" >"$work/search2.html" || { cat "$work/chromium.log" >&2; exit 1; }
for f in search1 search2; do
  hit="$(grep -o 'class="nw-hit" href="[^"]*"' "$work/$f.html" | head -1 | sed 's/.*href="//; s/"$//')"
  hits="$(grep -o 'data-nw-hits="[0-9]*"' "$work/$f.html" | grep -o '[0-9]*')"
  search_ms="$(grep -o 'data-nw-search-ms="[0-9.]*"' "$work/$f.html" | grep -o '[0-9.]*')"
  echo "$f: $hits hit(s) in $search_ms ms: $hit"
  [ "$hits" = "1" ] && [[ "$hit" == *"S17.html#device=$target" ]] || { echo "search did not find $target on its site page" >&2; exit 1; }
  python3 -c 'import sys; sys.exit(0 if float(sys.argv[1]) < 250 else 1)' "$search_ms" || { echo "search over $s_devices devices took $search_ms ms" >&2; exit 1; }
done
chrome deep2 --dump-dom "file://$pages_dir/${hit##*/}" >"$work/deep2.html" || { cat "$work/chromium.log" >&2; exit 1; }
grep -q "<h3>$target</h3>" "$work/deep2.html" || { echo "the search hit did not open $target" >&2; exit 1; }
echo "the hit opens $target on its site page"

echo "== Graphviz renders the DOT file"
dot -Tsvg "$(val file_dot)" >"$work/topology.svg"
svg_nodes="$(grep -c 'class="node"' "$work/topology.svg")"
svg_edges="$(grep -c 'class="edge"' "$work/topology.svg")"
echo "Graphviz: $svg_nodes nodes, $svg_edges edges"
[ "$svg_nodes" -eq "$devices" ] && [ "$svg_edges" -eq "$links" ] || { echo "Graphviz counts differ" >&2; exit 1; }

echo "== draw.io and GraphML parse as XML"
python3 - "$(val file_drawio)" "$(val file_graphml)" "$devices" "$links" <<'PY'
import sys, xml.etree.ElementTree as ET
drawio, graphml, devices, links = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
cells = ET.parse(drawio).getroot().iter("mxCell")
cells = list(cells)
dev = [c for c in cells if c.get("vertex") == "1" and c.get("id", "").startswith("dev-")]
edge = [c for c in cells if c.get("edge") == "1"]
print(f"draw.io: {len(dev)} devices, {len(edge)} links")
assert (len(dev), len(edge)) == (devices, links)
ns = {"g": "http://graphml.graphdrawing.org/xmlns"}
root = ET.parse(graphml).getroot()
nodes, edges = root.findall(".//g:node", ns), root.findall(".//g:edge", ns)
print(f"GraphML: {len(nodes)} nodes, {len(edges)} edges")
assert (len(nodes), len(edges)) == (devices, links)
PY

echo "== NetworkX reads the GraphML (typed keys, parallel links kept)"
"$py" - "$(val file_graphml)" "$devices" "$links" <<'PY'
import sys, networkx as nx
g = nx.read_graphml(sys.argv[1])
devices, links = int(sys.argv[2]), int(sys.argv[3])
print(f"NetworkX: {type(g).__name__}, {g.number_of_nodes()} nodes, {g.number_of_edges()} edges")
assert (g.number_of_nodes(), g.number_of_edges()) == (devices, links)
core = [n for n, d in g.nodes(data=True) if d.get("name") == "NYC-CORE-1"][0]
assert g.nodes[core]["layer"] == "core" and isinstance(g.nodes[core]["x"], float)
assert g.is_multigraph(), "parallel core links must survive as separate edges"
PY

echo "== openpyxl reads the workbook"
"$py" - "$(val file_xlsx)" "$devices" <<'PY'
import sys, openpyxl
wb = openpyxl.load_workbook(sys.argv[1])
devices = int(sys.argv[2])
want = ["Summary", "Devices", "Stack Members", "Connections", "VLANs", "Failures", "End Hosts", "End Host Ports"]
assert wb.sheetnames == want, wb.sheetnames
for ws in wb.worksheets:
    assert ws.freeze_panes == "A2", (ws.title, ws.freeze_panes)
    assert len(ws.tables) == 1, (ws.title, list(ws.tables))
    t = next(iter(ws.tables.values()))
    assert t.autoFilter is not None, ws.title
    assert t.ref.startswith("A1:"), (ws.title, t.ref)
    widths = [ws.column_dimensions[c].width for c in ws.column_dimensions]
    assert widths and all(w and w >= 6 for w in widths), (ws.title, widths)
rows = [r for r in wb["Devices"].iter_rows(min_row=2, values_only=True) if any(v is not None for v in r)]
print(f"openpyxl: {len(rows)} device rows, sheets {wb.sheetnames}")
assert len(rows) == devices
PY
echo "60-netwalker-html-chromium: ok"
