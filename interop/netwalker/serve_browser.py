"""Drives `netwalker serve` in headless Chromium over the DevTools Protocol.

Usage: serve_browser.py demo BASE_URL WORK_DIR [SCREENSHOT_DIR]
       serve_browser.py login BASE_URL WORK_DIR   (NW_ADMIN_PASSWORD, NW_VIEWER_PASSWORD set)

A tiny CDP client (commands answered by id, events awaited by name) over
aiohttp's websocket, then the scenario a user plays: search a device from
the header box, follow a neighbour, open its map, click and drag a device,
reload, reset the layout, open a report and the runs. Real key and mouse
input events throughout; on every page: basic accessibility, keyboard
focus, the Content-Security-Policy and no policy violation; a walk started
from the Runs page's form and one from a device's "Walk again", watched
live to their end. In `login` mode (a store with users): the login
redirect, failed logins, a viewer's and an admin's views, the session
cookie's flags, logging out. Screenshots of
the device list, a device page and the map go to WORK_DIR (and to
SCREENSHOT_DIR when given), each checked not blank. Exits 1 with the
reason on the first mismatch.
"""

import asyncio
import base64
import itertools
import json
import math
import os
import signal
import struct
import sys
import time
import zlib
from urllib.parse import quote

import aiohttp

TIMEOUT = 15  # seconds any one command, page load or event may take
WIDTH, HEIGHT = 1280, 800
START = time.monotonic()
VISITED = []  # every page address loaded, in order (their policies are checked)


class Failure(Exception):
    """A check that did not hold: the suite's exit reason."""


def log(msg):
    print(f"[{time.monotonic() - START:6.2f} s] {msg}", flush=True)


def check(cond, msg):
    if not cond:
        raise Failure(msg)


async def deadline(aw, what):
    try:
        return await asyncio.wait_for(aw, TIMEOUT)
    except asyncio.TimeoutError:
        raise Failure(f"{what}: nothing within {TIMEOUT} s") from None


# ---------------------------------------------------------------- CDP client


class Cdp:
    """One DevTools connection to a page: `send` awaits the reply with the
    same id; every event is kept (`events`) and `expect` returns a future
    for the next event of a name (register it before the action)."""

    def __init__(self, ws):
        self.ws = ws
        self.ids = itertools.count(1)
        self.replies = {}
        self.waiters = []
        self.events = []
        self.reader = asyncio.create_task(self._read())

    async def _read(self):
        async for msg in self.ws:
            m = json.loads(msg.data)
            if "id" in m:
                fut = self.replies.pop(m["id"], None)
                if fut and not fut.done():
                    fut.set_result(m)
                continue
            self.events.append(m)
            for w in list(self.waiters):
                method, pred, fut = w
                if m["method"] == method and not fut.done() and pred(m["params"]):
                    fut.set_result(m["params"])
                    self.waiters.remove(w)
        for fut in self.replies.values():
            if not fut.done():
                fut.set_exception(Failure("Chromium closed the DevTools connection"))

    async def send(self, method, **params):
        i = next(self.ids)
        fut = asyncio.get_running_loop().create_future()
        self.replies[i] = fut
        await self.ws.send_json({"id": i, "method": method, "params": params})
        m = await deadline(fut, method)
        if "error" in m:
            raise Failure(f"{method}: {m['error']}")
        return m.get("result", {})

    def expect(self, method, pred=lambda p: True):
        fut = asyncio.get_running_loop().create_future()
        self.waiters.append((method, pred, fut))
        return fut


# ------------------------------------------------------------ page helpers


async def js(cdp, expr):
    """The value of a JavaScript expression in the page (promises awaited)."""
    r = await cdp.send("Runtime.evaluate", expression=expr, returnByValue=True, awaitPromise=True)
    if "exceptionDetails" in r:
        raise Failure(f"page script failed: {r['exceptionDetails'].get('exception', {}).get('description')}\n{expr}")
    return r["result"].get("value")


async def loaded(cdp, action, what):
    """Runs `action` (which makes the page navigate) and waits for the new page's load."""
    load = cdp.expect("Page.loadEventFired")
    t0 = time.monotonic()
    await action()
    try:
        await deadline(load, what)
    except Failure as e:
        where = await js(cdp, "location.href + ' (' + document.readyState + ')'")
        raise Failure(f"{e}; the page is at {where}") from None
    href, url = await js(cdp, "[location.href, decodeURIComponent(location.pathname) + location.search]")
    VISITED.append(href)
    log(f"{what}: loaded {url} in {(time.monotonic() - t0) * 1000:.0f} ms")
    return url


async def goto(cdp, url):
    async def navigate():
        r = await cdp.send("Page.navigate", url=url)
        check("errorText" not in r, f"open {url}: {r.get('errorText')}")

    return await loaded(cdp, navigate, f"open {url}")


# The device page's neighbour links (its table of neighbours).
NEIGHBOURS = "table.neighbours td:nth-child(2) a"

# Finds the element: the first match of a selector, optionally with exact text.
FIND = "((sel, text) => [...document.querySelectorAll(sel)].find(e => text === null || e.textContent.trim() === text))"


async def centre(cdp, selector, text=None):
    """The viewport point at the middle of an element, after checking that a
    click there lands on it (nothing covers it)."""
    pt = await js(cdp, f"""(() => {{
      const el = {FIND}({json.dumps(selector)}, {json.dumps(text)});
      if (!el) return null;
      if (el.scrollIntoView && !(el instanceof SVGElement)) el.scrollIntoView({{block: 'center'}});
      const r = el.getBoundingClientRect(), x = r.x + r.width / 2, y = r.y + r.height / 2;
      const hit = document.elementFromPoint(x, y);
      return [x, y, !!hit && (hit === el || el.contains(hit))];
    }})()""")
    check(pt is not None, f"no element {selector} {text or ''} on the page")
    check(pt[2], f"{selector} {text or ''}: something else covers it at {pt[0]:.0f},{pt[1]:.0f}")
    return pt[0], pt[1]


async def mouse(cdp, kind, x, y, buttons=0):
    button = "left" if kind != "mouseMoved" or buttons else "none"
    clicks = 1 if kind != "mouseMoved" else 0
    await cdp.send("Input.dispatchMouseEvent", type=kind, x=x, y=y, button=button, buttons=buttons, clickCount=clicks)


async def click(cdp, selector, text=None):
    x, y = await centre(cdp, selector, text)
    await mouse(cdp, "mouseMoved", x, y)
    await mouse(cdp, "mousePressed", x, y, 1)
    await mouse(cdp, "mouseReleased", x, y)


async def key(cdp, name, code, text=""):
    down = {"type": "keyDown", "key": name, "code": name, "windowsVirtualKeyCode": code}
    if text:
        down["text"] = text
    await cdp.send("Input.dispatchKeyEvent", **down)
    await cdp.send("Input.dispatchKeyEvent", type="keyUp", key=name, code=name, windowsVirtualKeyCode=code)


async def search_box(cdp, text):
    """Clicks the header's search box, selects what is in it, types `text`."""
    await click(cdp, "#search-q")
    await js(cdp, "document.activeElement.select()")
    await cdp.send("Input.insertText", text=text)
    check(await js(cdp, "document.activeElement.id + '=' + document.activeElement.value") == f"search-q={text}",
          "the typed text is not in the focused search box")


async def h1(cdp):
    return await js(cdp, "(document.querySelector('h1') || {}).textContent")


# ------------------------------------------------------------------ checks

ACCESSIBILITY = """(() => {
  const problems = [], h1s = document.querySelectorAll('h1').length;
  if (h1s !== 1) problems.push(h1s + ' h1 elements');
  if (!document.documentElement.lang) problems.push('no lang on <html>');
  for (const el of document.querySelectorAll('input, select, textarea')) {
    if (el.type === 'hidden') continue;
    const byFor = el.id && document.querySelector('label[for="' + CSS.escape(el.id) + '"]');
    if (!(byFor || el.closest('label') || el.getAttribute('aria-label')))
      problems.push('unlabelled ' + el.outerHTML.slice(0, 80));
  }
  for (const t of document.querySelectorAll('table')) {
    if (t.offsetParent === null) continue;  // not shown
    const th = t.querySelectorAll('th');
    if (!th.length) problems.push('table without th: ' + t.outerHTML.slice(0, 80));
    for (const h of th) if (!h.getAttribute('scope')) problems.push('th without scope: ' + h.textContent);
  }
  return problems;
})()"""


async def accessible(cdp, page, autofocus=None):
    """One h1, lang, labels, table headers with scope; Tab from the page's
    start focuses its first link, drawn with an outline. A page with an
    `autofocus` field (the login form): it has the focus, and Tab moves
    on to the next field, drawn with an outline."""
    problems = await js(cdp, ACCESSIBILITY)
    check(not problems, f"{page}: accessibility: {'; '.join(problems)}")
    if autofocus:
        check(await js(cdp, "document.activeElement.id") == autofocus, f"{page}: #{autofocus} does not have the focus")
        await key(cdp, "Tab", 9)
        focus = await js(cdp, """(() => { const a = document.activeElement, s = getComputedStyle(a);
          return {id: a.id, outline: s.outlineStyle, width: s.outlineWidth}; })()""")
        check(focus["outline"] != "none" and focus["width"] != "0px",
              f"{page}: the focused #{focus['id']} has no visible outline ({focus['outline']} {focus['width']})")
        await js(cdp, "document.activeElement.blur()")
        log(f"{page}: accessible (h1, lang, labels); #{autofocus} has the focus, Tab moves to #{focus['id']} with a {focus['outline']} outline")
        return
    await js(cdp, "document.activeElement && document.activeElement.blur(), window.getSelection().removeAllRanges()")
    await key(cdp, "Tab", 9)
    focus = await js(cdp, """(() => {
      const a = document.activeElement, first = document.querySelector('a[href]');
      const s = getComputedStyle(a);
      return {same: a === first, tag: a.tagName, text: a.textContent.trim(), first: first && first.textContent.trim(),
              outline: s.outlineStyle, width: s.outlineWidth};
    })()""")
    check(focus["same"], f"{page}: Tab focused <{focus['tag']}> {focus['text']!r}, not the first link {focus['first']!r}")
    check(focus["outline"] != "none" and focus["width"] != "0px",
          f"{page}: the focused link has no visible outline ({focus['outline']} {focus['width']})")
    await js(cdp, "document.activeElement.blur()")
    log(f"{page}: accessible (h1, lang, labels, th scope); Tab focuses {focus['text']!r} with a {focus['outline']} outline")


def csp_of(cdp, url):
    """The Content-Security-Policy of the last document response from an address."""
    for e in reversed(cdp.events):
        if e["method"] != "Network.responseReceived" or e["params"]["type"] != "Document":
            continue
        r = e["params"]["response"]
        if r["url"] == url:
            headers = {k.lower(): v for k, v in r["headers"].items()}
            return headers.get("content-security-policy", "")
    raise Failure(f"no document response from {url} seen")


def directives(policy):
    return {d.split()[0]: d.split()[1:] for d in (p.strip() for p in policy.split(";")) if d}


def violations(cdp):
    """Console messages and issues saying a Content-Security-Policy blocked something, and script errors."""
    out = []
    for e in cdp.events:
        p = e["params"]
        if e["method"] == "Log.entryAdded" and "Content Security Policy" in p["entry"]["text"]:
            out.append(p["entry"]["text"])
        elif e["method"] == "Runtime.consoleAPICalled" and p["type"] == "error":
            out.append(" ".join(str(a.get("value", a.get("description"))) for a in p["args"]))
        elif e["method"] == "Runtime.exceptionThrown":
            out.append(p["exceptionDetails"].get("exception", {}).get("description", p["exceptionDetails"]["text"]))
    return out


def not_blank(png, name):
    """Decodes the PNG (standard library only) and checks it is not blank:
    many colours, and a fair share of pixels unlike the background."""
    check(png[:8] == b"\x89PNG\r\n\x1a\n", f"{name}: not a PNG")
    pos, idat, hdr = 8, b"", None
    while pos < len(png):
        n, kind = struct.unpack(">I4s", png[pos:pos + 8])
        body = png[pos + 8:pos + 8 + n]
        if kind == b"IHDR":
            hdr = struct.unpack(">IIBBBBB", body)
        elif kind == b"IDAT":
            idat += body
        pos += 12 + n
    w, h, depth, ctype, _, _, interlace = hdr
    check(depth == 8 and ctype in (2, 6) and interlace == 0, f"{name}: unexpected PNG kind {hdr}")
    bpp = 3 if ctype == 2 else 4
    raw, stride = zlib.decompress(idat), w * bpp
    prev, counts = bytearray(stride), {}
    for y in range(h):
        f = raw[y * (stride + 1)]
        line = bytearray(raw[y * (stride + 1) + 1:(y + 1) * (stride + 1)])
        if f == 2:
            line = bytearray((a + b) & 255 for a, b in zip(line, prev))
        elif f:
            for i in range(stride):
                a = line[i - bpp] if i >= bpp else 0
                b = prev[i]
                c = prev[i - bpp] if i >= bpp else 0
                if f == 1:
                    line[i] = (line[i] + a) & 255
                elif f == 3:
                    line[i] = (line[i] + (a + b) // 2) & 255
                else:
                    p = a + b - c
                    pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
                    line[i] = (line[i] + (a if pa <= pb and pa <= pc else b if pb <= pc else c)) & 255
        for x in range(0, stride, bpp):
            px = bytes(line[x:x + 3])
            counts[px] = counts.get(px, 0) + 1
        prev = line
    other = 1 - max(counts.values()) / (w * h)
    log(f"screenshot {name}: {w}x{h}, {len(png) // 1024} KiB, {len(counts)} colours, {other:.1%} non-background pixels")
    check((w, h) == (WIDTH, HEIGHT), f"{name}: {w}x{h}, not {WIDTH}x{HEIGHT}")
    check(len(counts) >= 16, f"{name}: almost no colours: blank render?")
    check(other >= 0.03, f"{name}: almost all background: blank render?")


async def screenshot(cdp, name, dirs):
    shot = await cdp.send("Page.captureScreenshot", format="png")
    png = base64.b64decode(shot["data"])
    not_blank(png, name)
    for d in dirs:
        with open(os.path.join(d, f"{name}.png"), "wb") as f:
            f.write(png)


# ---------------------------------------------------------------- Chromium


async def start_chromium(profile):
    """Headless Chromium with a DevTools port of its choosing (read from the
    line it prints on stderr); returns the process and that port."""
    proc = await asyncio.create_subprocess_exec(
        "chromium", "--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
        "--disable-background-networking", "--disable-component-update", "--disable-sync",
        "--disable-extensions", "--no-first-run", "--hide-scrollbars", "--force-device-scale-factor=1",
        f"--window-size={WIDTH},{HEIGHT}", f"--user-data-dir={profile}", "--remote-debugging-port=0",
        "about:blank",
        stdin=asyncio.subprocess.DEVNULL, stdout=asyncio.subprocess.DEVNULL, stderr=asyncio.subprocess.PIPE,
        start_new_session=True,
    )

    async def port():
        async for line in proc.stderr:
            text = line.decode(errors="replace").strip()
            if text.startswith("DevTools listening on ws://"):
                return int(text.split("ws://", 1)[1].split("/", 1)[0].rsplit(":", 1)[1])
        raise Failure("Chromium exited before it listened for DevTools")

    try:
        p = await deadline(port(), "Chromium's DevTools port")
    except BaseException:
        stop_chromium(proc)
        raise
    asyncio.create_task(drain(proc.stderr))
    return proc, p


async def drain(stream):
    async for _ in stream:
        pass


def stop_chromium(proc):
    if proc.returncode is None:
        try:
            os.killpg(proc.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass


async def open_page(http, port):
    """The DevTools connection to Chromium's first tab, with the domains the checks read."""
    async with http.get(f"http://127.0.0.1:{port}/json/list") as r:
        targets = await r.json()
    page = next(t for t in targets if t["type"] == "page")
    ws = await http.ws_connect(page["webSocketDebuggerUrl"], max_msg_size=0)
    cdp = Cdp(ws)
    for domain in ("Page", "Runtime", "Network", "Log"):
        await cdp.send(f"{domain}.enable")
    await cdp.send("Emulation.setFocusEmulationEnabled", enabled=True)
    await cdp.send("Emulation.setDeviceMetricsOverride", width=WIDTH, height=HEIGHT, deviceScaleFactor=1, mobile=False)
    return cdp


# ---------------------------------------------------------------- scenario


async def scenario(cdp, http, base, shots):
    async def api(path):
        async with http.get(base + "/api/v1" + path) as r:
            check(r.status == 200, f"GET /api/v1{path}: {r.status}")
            return await r.json()

    # 1. The device list, then the header search box, typed and submitted.
    await goto(cdp, base + "/devices")
    check(await h1(cdp) == "Devices", "/devices: h1 is not 'Devices'")
    total = (await api("/devices?limit=1"))["total"]
    rows = await js(cdp, "[...document.querySelectorAll('table.devices tbody tr td:first-child a')].map(a => a.textContent)")
    count = await js(cdp, "document.querySelector('p.count').textContent.replace(/\\s+/g, ' ').trim()")
    log(f"/devices lists {len(rows)} devices ({count!r}; API total {total})")
    check(total >= 40 and count.split()[:4] == ["Devices", f"1–{len(rows)}", "of", str(total)], f"/devices: {len(rows)} rows, {count!r}, API total {total}")
    await accessible(cdp, "/devices")
    await screenshot(cdp, "serve-devices", shots)
    # A device with neighbours (found through the API), typed in the box.
    target = None
    for name in rows:
        links = (await api("/devices/" + quote(name, safe="")))["links"]
        if len({l["b"] for l in links}) >= 2:
            target = name
            break
    check(target, "no listed device has two neighbours")
    # A prefix many devices share lists them.
    prefix = target.rstrip("0123456789")
    hits = (await api("/search?q=" + quote(prefix, safe="")))["total"]
    await search_box(cdp, prefix)
    url = await loaded(cdp, lambda: click(cdp, "header form.search button"), f"search {prefix!r} (click Go)")
    listed = await js(cdp, "document.querySelectorAll('main table tbody tr').length")
    log(f"search {prefix!r}: {listed} devices listed (API: {hits} hits)")
    check(url == "/search?q=" + quote(prefix) and await h1(cdp) == "Search" and listed == hits > 1,
          f"the search for {prefix!r} opened {url} listing {listed}, the API has {hits} hits")
    await accessible(cdp, "/search")
    await search_box(cdp, target)
    url = await loaded(cdp, lambda: key(cdp, "Enter", 13, "\r"), f"search {target!r} (Enter)")
    check(url == "/devices/" + quote(target, safe=""), f"the search for {target} opened {url}, not its page")
    check((await h1(cdp)).split()[0] == target, f"device page h1 is {await h1(cdp)!r}")
    await accessible(cdp, "device page")

    # 2. A neighbour, its page, its map.
    listed = await js(cdp, f"""[...document.querySelectorAll('{NEIGHBOURS}')].map(a => a.textContent)""")
    api_links = (await api("/devices/" + quote(target, safe="")))["links"]
    check(sorted(set(listed)) == sorted({l["b"] for l in api_links}), f"{target}'s page lists neighbours {listed}, the API {api_links}")
    neighbour = next(n for n in listed if n != target)
    await loaded(cdp, lambda: click(cdp, NEIGHBOURS, neighbour), f"click neighbour {neighbour}")
    check((await h1(cdp)).split()[0] == neighbour, f"the neighbour link opened {await h1(cdp)!r}")
    await accessible(cdp, "neighbour page")
    await screenshot(cdp, "serve-device", shots)
    await loaded(cdp, lambda: click(cdp, "p.actions a", "neighbours"), "click 'neighbours'")
    await laid_out(cdp)
    links = (await api("/devices/" + quote(neighbour, safe="")))["links"]
    want = {neighbour} | {l["b"] for l in links}
    shown = await js(cdp, "[...document.querySelectorAll('.device')].map(g => g.dataset.device)")
    log(f"/map shows {len(shown)} devices; the API's links put {len(want)} within one hop of {neighbour}")
    check(sorted(shown) == sorted(want), f"map devices {sorted(shown)} != API {sorted(want)}")
    await accessible(cdp, "/map")
    await zoom(cdp, f'.device[data-device="{neighbour}"] rect')
    await click(cdp, f'.device[data-device="{target}"] rect')
    check(await js(cdp, "(document.querySelector('#nw-details h3') || {}).textContent") == target,
          f"clicking {target}'s box did not show its details")
    problems = await js(cdp, ACCESSIBILITY)
    check(not problems, f"/map with the details open: accessibility: {'; '.join(problems)}")
    log(f"clicked {target}: the details panel shows it")
    await screenshot(cdp, "serve-map", shots)
    await click(cdp, "#nw-details .close")
    check(await js(cdp, "getComputedStyle(document.getElementById('nw-details')).display") == "none", "the details panel did not close")

    # 3. Drag the neighbour's box; reload; reset.
    await drag_and_restore(cdp, http, neighbour)

    # 4. Back to the device, Reports, a report, Runs.
    await loaded(cdp, lambda: click(cdp, "a.nw-nav", "← device"), "click '← device'")
    check((await h1(cdp)).split()[0] == neighbour, "'← device' did not open the device")
    await loaded(cdp, lambda: click(cdp, "header nav a", "Reports"), "click 'Reports'")
    await accessible(cdp, "/reports")
    await loaded(cdp, lambda: click(cdp, "table.reports a", "Models and Versions"), "click 'Models and Versions'")
    check(await h1(cdp) == "Models and Versions", f"the report's h1 is {await h1(cdp)!r}")
    n = await js(cdp, "document.querySelectorAll('table.report tbody tr').length")
    want = len((await api("/reports/models"))["rows"])
    check(n == want > 0, f"the models report shows {n} rows, the API has {want}")
    log(f"Models and Versions: {n} rows (API {want})")
    await accessible(cdp, "/reports/models")
    await loaded(cdp, lambda: click(cdp, "header nav a", "Runs"), "click 'Runs'")
    runs = await js(cdp, "[...document.querySelectorAll('table.runs tbody tr')].map(r => r.cells[1].textContent)")
    api_runs = [r["state"] for r in (await api("/runs"))["runs"]]
    check(runs == api_runs == ["finished"], f"/runs shows {runs}, the API {api_runs}, not one finished run")
    log("/runs: one finished run (as the API)")
    await accessible(cdp, "/runs")

    # 5. Start a walk from the Runs page's form and watch it live; then
    # "Walk again" on a device page.
    await start_walk(cdp, api)
    await walk_again(cdp, api, base, target)

    # 7. No page but the map may run script: the header says so, and an
    # injected <script> is blocked (and reported: proof the report above
    # would have caught one on the map).
    maps = 0
    for url in set(VISITED):
        policy = csp_of(cdp, url)
        d = directives(policy)
        check(d.get("default-src") == ["'none'"], f"{url} CSP: {policy!r}")
        if "/map?" in url or url.endswith("/runs"):
            maps += 1
            check(d.get("script-src") and all(s.startswith("'sha256-") for s in d["script-src"]),
                  f"{url} CSP allows more than hashed scripts: {policy!r}")
        else:
            check("script-src" not in d, f"{url} CSP allows script: {policy!r}")
    bad = violations(cdp)
    check(not bad, f"the browser reported: {bad}")
    log(f"{maps} map and Runs pages: script-src hashes only, their script ran, no violation or error reported")
    await goto(cdp, base + "/devices")
    blocked = cdp.expect("Log.entryAdded", lambda p: "Content Security Policy" in p["entry"]["text"])
    ran = await js(cdp, """(() => { const s = document.createElement('script');
      s.textContent = 'window.nwInjected = 1'; document.body.appendChild(s); return window.nwInjected === 1; })()""")
    check(not ran, "an injected <script> ran on /devices")
    report = await deadline(blocked, "the CSP violation report of the injected <script>")
    log(f"{len(set(VISITED)) - maps} other pages: CSP default-src 'none', no script-src; "
        f"an injected <script> did not run: {report['entry']['text'][:90]}...")


async def type_into(cdp, selector, text):
    """Clicks an input, selects what is in it, types `text`."""
    await click(cdp, selector)
    await js(cdp, "document.activeElement.select()")
    await cdp.send("Input.insertText", text=text)
    got = await js(cdp, "document.activeElement.id + '=' + document.activeElement.value")
    check(got == f"{selector.lstrip('#')}={text}", f"typed {text!r} into {selector}, it holds {got!r}")


LIVE = """(() => { const t = id => (document.getElementById(id) || {}).textContent;
  return {doc: window.nwDoc || null, state: t('live-state'), walked: t('live-walked'), in_flight: t('live-in_flight')}; })()"""

POLL = 0.02  # seconds between two reads of the page's counters


async def watch_walk(cdp, what):
    """On a Runs page showing a walk running: reads its counters from the
    DOM every POLL seconds (the page's script updates them from the event
    stream) until the script reloads the page at the walk's end; returns
    the walked counts seen, in order, and waits for the reloaded page."""
    heading = await js(cdp, "(document.querySelector('section.live h2') || {}).textContent")
    if heading != "Walk started here: running":
        raise Failure(f"{what}: the Runs page does not show the walk running: {await js(cdp, 'document.body.innerText')!r}")
    await js(cdp, "window.nwDoc = 'watched'")  # gone once the page reloads
    reload = cdp.expect("Page.loadEventFired")
    seen, t0, end = [], time.monotonic(), time.monotonic() + 3 * TIMEOUT
    while not reload.done():
        check(time.monotonic() < end, f"{what}: the page did not reload within {3 * TIMEOUT} s; counters seen {seen}")
        try:
            live = await js(cdp, LIVE)
        except Failure:
            live = None  # the page is navigating
        if live and live["doc"] == "watched":
            # "finished": the script wrote the last event, then asked for the reload.
            check(live["state"] in ("running", "finished"), f"{what}: #live-state says {live['state']!r} before the reload")
            if not seen or seen[-1] != live["walked"]:
                seen.append(live["walked"])
                log(f"{what}: live counters: walked {live['walked']}, in flight {live['in_flight']}")
        await asyncio.sleep(POLL)  # sleep-ok: DOM poll interval
    await deadline(reload, f"{what}: the reload")
    VISITED.append(await js(cdp, "location.href"))
    log(f"{what}: the page reloaded itself {(time.monotonic() - t0) * 1000:.0f} ms after the walk was seen running")
    return seen


async def walk_ended(cdp, api, what, seeds, depth, runs_before):
    """The reloaded Runs page: the walk finished, its end message is the
    API's, and a new run row shows the walked count the API recorded."""
    check(await js(cdp, "location.pathname") == "/runs", f"{what}: the reload left /runs")
    state = await js(cdp, "document.getElementById('live-state').textContent")
    message = await js(cdp, "document.querySelector('section.live p:last-child').textContent")
    live = await api("/runs/live")
    check(state == live["state"] == "finished", f"{what}: the page says {state!r}, the API {live['state']!r}")
    check(message == live["end"]["message"], f"{what}: the page's end message {message!r} is not the API's {live['end']['message']!r}")
    check(await js(cdp, "!document.querySelector('section.live script')"), f"{what}: the ended walk's page still has its script")
    rows = await js(cdp, "[...document.querySelectorAll('table.runs tbody tr')].map(r => [...r.cells].map(c => c.textContent))")
    api_runs = (await api("/runs"))["runs"]
    new = api_runs[0]
    check(len(rows) == len(api_runs) == runs_before + 1, f"{what}: {len(rows)} run rows, the API {len(api_runs)}, before {runs_before}")
    check(new["seeds"] == seeds and new["max_depth"] == depth and new["state"] == "finished",
          f"{what}: the API's newest run is {new}")
    check(rows[0][0] == str(new["id"]) and rows[0][1] == "finished" and rows[0][5] == str(new["counts"]["walked"]),
          f"{what}: the newest row {rows[0]} is not the API's run {new['id']} with {new['counts']['walked']} walked")
    check(new["counts"]["walked"] == live["end"]["counts"]["walked"], f"{what}: the run and the live end disagree")
    log(f"{what}: finished ({message}); run {new['id']} row: walked {rows[0][5]} (API {new['counts']['walked']})")
    return new


async def start_walk(cdp, api):
    """The Runs page's form: seeds and depth typed, Walk clicked; the page
    shows the walk running, its counters change in place, it reloads
    itself at the end and lists the new run."""
    before = len((await api("/runs"))["runs"])
    seed, depth = "127.200.0.1", 1
    await type_into(cdp, "#start-seeds", seed)
    await type_into(cdp, "#start-depth", str(depth))
    await loaded(cdp, lambda: click(cdp, "form.start button", "Walk"), "click 'Walk'")
    seen = await watch_walk(cdp, "walk from the form")
    check(len(seen) >= 2 and all(a != b for a, b in zip(seen, seen[1:])),
          f"walk from the form: #live-walked never changed while the walk ran (seen {seen})")
    run = await walk_ended(cdp, api, "walk from the form", [seed], depth, before)
    check(int(seen[-1]) <= run["counts"]["walked"], f"the page counted {seen[-1]} walked, more than the run's {run['counts']['walked']}")
    log(f"walk from the form: #live-walked went {' -> '.join(seen)} in the DOM before the end")
    await accessible(cdp, "/runs (a walk ended)")


async def walk_again(cdp, api, base, device):
    """A device page's "Walk again": a depth-0 walk of its address, one device walked."""
    before = len((await api("/runs"))["runs"])
    await goto(cdp, base + "/devices/" + quote(device, safe=""))
    ip = (await api("/devices/" + quote(device, safe="")))["mgmt_ip"]
    form = await js(cdp, "Object.fromEntries(new FormData(document.querySelector('form.walk-again')))")
    check(form.get("seeds") == ip and form.get("depth") == "0" and form.get("csrf"),
          f"{device}'s 'Walk again' form sends {sorted(form)} seeds={form.get('seeds')!r}, not its address {ip}")
    url = await loaded(cdp, lambda: click(cdp, "form.walk-again button", "Walk again"), "click 'Walk again'")
    check(url == "/runs", f"'Walk again' went to {url}")
    await watch_walk(cdp, "walk again")
    run = await walk_ended(cdp, api, "walk again", [ip], 0, before)
    check(run["counts"]["walked"] == 1, f"'Walk again' (depth 0) walked {run['counts']['walked']} devices, not 1")


# ------------------------------------------------------------ login phase

ADMIN, VIEWER = "ada", "vic"  # the users the suite added (`netwalker user add`)


async def status_of(cdp, url):
    """The HTTP status of the last document response from an address."""
    for e in reversed(cdp.events):
        if e["method"] == "Network.responseReceived" and e["params"]["type"] == "Document" \
                and e["params"]["response"]["url"] == url:
            return e["params"]["response"]["status"]
    raise Failure(f"no document response from {url} seen")


async def at_login(cdp, next_path, what):
    """The page is the login form, asked for with ?next=next_path."""
    where = await js(cdp, "[location.pathname, new URLSearchParams(location.search).get('next')]")
    check(where == ["/login", next_path] and await h1(cdp) == "Log in",
          f"{what}: at {where}, h1 {await h1(cdp)!r}, not the login form back to {next_path}")


async def log_in(cdp, user, password, what):
    """Types the user name and password into the login form and presses Enter."""
    await type_into(cdp, "#login-user", user)
    await click(cdp, "#login-password")
    await cdp.send("Input.insertText", text=password)
    return await loaded(cdp, lambda: key(cdp, "Enter", 13, "\r"), what)


async def session_cookie(cdp, base):
    cookies = (await cdp.send("Network.getCookies", urls=[base + "/"]))["cookies"]
    return next((c for c in cookies if c["name"] == "nw_session"), None)


async def login_scenario(cdp, http, base):
    admin_pw, viewer_pw = os.environ["NW_ADMIN_PASSWORD"], os.environ["NW_VIEWER_PASSWORD"]

    def no_secret(html, what):
        for secret in (admin_pw, viewer_pw, "$argon2"):
            check(secret not in html, f"{what}: the page shows a password or a password hash")

    # Anonymous: a page redirects to the login form, the API answers 401.
    await goto(cdp, base + "/devices")
    await at_login(cdp, "/devices", "/devices without a login")
    async with http.get(base + "/api/v1/devices") as r:
        check(r.status == 401 and r.headers.get("WWW-Authenticate", "").startswith("Bearer"),
              f"GET /api/v1/devices without a login: {r.status} {dict(r.headers)}")
    log("/devices without a login: redirected to /login?next=/devices; the API answers 401 Bearer")
    await accessible(cdp, "/login", autofocus="login-user")
    check(await session_cookie(cdp, base) is None, "a session cookie before any login")

    # Wrong password, unknown user: one generic message.
    errors = []
    for user, pw in ((VIEWER, viewer_pw + "x"), ("nobody", viewer_pw)):
        url = await log_in(cdp, user, pw, f"log in as {user} with a wrong password")
        errors.append(await js(cdp, "(document.querySelector('p.error[role=alert]') || {}).textContent"))
        check(url.startswith("/login") and await status_of(cdp, await js(cdp, "location.href")) == 401,
              f"a wrong login went to {url}")
        check(await js(cdp, "document.getElementById('login-password').value") == "", "the wrong password is still in the form")
        no_secret(await js(cdp, "document.documentElement.outerHTML"), "the failed login")
        check(await session_cookie(cdp, base) is None, "a failed login set a session cookie")
    check(errors[0] == errors[1] == "Wrong user name or password.", f"failed logins say {errors}")
    log(f"wrong password and unknown user: 401, the same message {errors[0]!r}, no cookie")

    # The viewer: back on /devices; an HttpOnly SameSite session cookie.
    url = await log_in(cdp, VIEWER, viewer_pw, f"log in as {VIEWER} (viewer)")
    check(url == "/devices" and await h1(cdp) == "Devices", f"the viewer's login went to {url}")
    c = await session_cookie(cdp, base)
    check(c and c["httpOnly"] and c.get("sameSite") in ("Lax", "Strict") and c["path"] == "/",
          f"the session cookie: {c and {k: c[k] for k in ('httpOnly', 'sameSite', 'path', 'secure')}}")
    check("nw_session" not in await js(cdp, "document.cookie"), "page script can read the session cookie")
    log(f"viewer logged in: back on /devices; session cookie HttpOnly, SameSite={c['sameSite']}, Path=/, unreadable by script")
    await loaded(cdp, lambda: click(cdp, "header nav a", "Runs"), "click 'Runs' (viewer)")
    text = await js(cdp, "document.querySelector('main').innerText")
    check(not await js(cdp, "!!document.querySelector('form.start, #start-seeds')") and "Starting walks needs the admin role." in text,
          f"the viewer's /runs: {text[:300]!r}")
    log("viewer's /runs: no start form, 'Starting walks needs the admin role.'")
    await accessible(cdp, "/runs (viewer)")
    await goto(cdp, base + "/devices/core1")  # the demo campus's core
    check(not await js(cdp, "!!document.querySelector('form.walk-again')"), "the viewer's device page has 'Walk again'")
    await goto(cdp, base + "/admin/users")
    check(await status_of(cdp, base + "/admin/users") == 403, "the viewer opened /admin/users")
    log("viewer: no 'Walk again' on a device page; /admin/users answers 403")

    # Log out: the nav's link, then the page's POST button.
    await loaded(cdp, lambda: click(cdp, "header nav a", "Log out"), "click 'Log out'")
    check((await js(cdp, "document.querySelector('main form').innerText")).strip().startswith(f"Logged in as {VIEWER}."),
          "the logout page does not name the user")
    await accessible(cdp, "/logout")
    url = await loaded(cdp, lambda: click(cdp, "main form button", "Log out"), "click the 'Log out' button")
    check(url == "/login" and await session_cookie(cdp, base) is None, f"logging out went to {url}, the cookie stays")
    await goto(cdp, base + "/devices")
    await at_login(cdp, "/devices", "/devices after logging out")
    log("logged out: the cookie is gone, /devices redirects to /login again")

    # The admin: /admin/users lists both users, no hash; the start form.
    url = await log_in(cdp, ADMIN, admin_pw, f"log in as {ADMIN} (admin)")
    check(url == "/devices", f"the admin's login went to {url}")
    await loaded(cdp, lambda: click(cdp, "header nav a", "Users"), "click 'Users'")
    users = await js(cdp, "[...document.querySelector('main table').tBodies[0].rows].map(r => [r.cells[0].textContent, r.cells[1].textContent])")
    check(sorted(users) == [[ADMIN, "admin"], [VIEWER, "viewer"]], f"/admin/users lists {users}")
    no_secret(await js(cdp, "document.documentElement.outerHTML"), "/admin/users")
    await accessible(cdp, "/admin/users")
    log(f"admin: /admin/users lists {users}, no password or hash on the page")
    await loaded(cdp, lambda: click(cdp, "header nav a", "Runs"), "click 'Runs' (admin)")
    check(await js(cdp, "!!document.querySelector('form.start #start-seeds')"), "the admin's /runs has no start form")
    log("admin's /runs: the start form")

    # Every page: no script but /runs's by hash; no violation.
    for url in set(VISITED):
        policy = csp_of(cdp, url)
        d = directives(policy)
        scripts = d.get("script-src", [])
        allowed = url.endswith("/runs") and scripts and all(x.startswith("'sha256-") for x in scripts)
        check(d.get("default-src") == ["'none'"] and (not scripts or allowed), f"{url} CSP: {policy!r}")
    bad = violations(cdp)
    check(not bad, f"the browser reported: {bad}")
    log(f"{len(set(VISITED))} pages: CSP default-src 'none', no script (/runs: its hash only); no violation or error reported")


async def laid_out(cdp):
    """The map's script ran: a view transform, and its ready mark."""
    ready = await js(cdp, "[document.body.dataset.nwReadyMs, document.getElementById('nw-view').getAttribute('transform')]")
    check(ready[0] and ready[1] and ready[1].startswith("translate("), f"the map's script did not lay it out: {ready}")
    log(f"map laid out {ready[0]} ms after navigation start: {ready[1]}")


async def zoom(cdp, selector, delta=-400):
    """Turns the mouse wheel over an element: the view scales by the
    script's factor and the element stays under the pointer."""
    scale = "+/scale\\(([^)]+)\\)/.exec(document.getElementById('nw-view').getAttribute('transform'))[1]"
    s0 = await js(cdp, scale)
    x, y = await centre(cdp, selector)
    await mouse(cdp, "mouseMoved", x, y)
    await cdp.send("Input.dispatchMouseEvent", type="mouseWheel", x=x, y=y, deltaX=0, deltaY=delta)
    s1 = await js(cdp, scale)
    x1, y1 = await centre(cdp, selector)
    want = math.exp(-delta * 0.0015)
    log(f"wheel {delta} over {selector}: scale {s0:.3f} -> {s1:.3f}; it moved {x1 - x:+.1f},{y1 - y:+.1f} px")
    check(abs(s1 / s0 - want) < 0.01, f"the wheel scaled the map by {s1 / s0:.3f}, not {want:.3f}")
    check(abs(x1 - x) <= 2 and abs(y1 - y) <= 2, f"{selector} did not stay under the pointer")


async def drag_and_restore(cdp, http, name):
    dev = f'.device[data-device="{name}"]'
    state = f"""(() => {{
      const data = JSON.parse(document.getElementById('nw-data').textContent);
      const g = document.querySelector('{dev}'), i = +g.dataset.idx;
      const mine = [...data.links.keys()].filter(k => data.links[k].a === i || data.links[k].b === i);
      const paths = {{}};
      document.querySelectorAll('path.link').forEach(p => paths[p.id] = p.getAttribute('d'));
      const s = +/scale\\(([^)]+)\\)/.exec(document.getElementById('nw-view').getAttribute('transform'))[1];
      return {{transform: g.getAttribute('transform'), mine: mine.map(k => 'link-' + k), paths, scale: s,
               nw: data.node_w, nh: data.node_h}};
    }})()"""
    before = await js(cdp, state)
    check(before["mine"], f"{name} has no link on its map")
    x, y = await centre(cdp, dev + " rect")
    dx = 120 if x < WIDTH / 2 else -120
    dy = 80 if y < HEIGHT / 2 else -80
    await mouse(cdp, "mouseMoved", x, y)
    await mouse(cdp, "mousePressed", x, y, 1)
    for step in range(1, 7):
        await mouse(cdp, "mouseMoved", x + dx * step / 6, y + dy * step / 6, 1)
    await mouse(cdp, "mouseReleased", x + dx, y + dy)
    after = await js(cdp, state)
    tx0, ty0 = map(float, before["transform"][10:-1].split())
    tx1, ty1 = map(float, after["transform"][10:-1].split())
    s = before["scale"]
    log(f"dragged {name} by {dx:+d},{dy:+d} px (scale {s:.3f}): {before['transform']} -> {after['transform']}")
    check(abs(tx1 - tx0 - dx / s) <= 1.5 and abs(ty1 - ty0 - dy / s) <= 1.5,
          f"{name} moved by {tx1 - tx0:.1f},{ty1 - ty0:.1f}, not {dx / s:.1f},{dy / s:.1f}")
    cx, cy = tx1 + before["nw"] / 2, ty1 + before["nh"] / 2
    for pid, d in before["paths"].items():
        moved = after["paths"][pid] != d
        check(moved == (pid in before["mine"]), f"{pid} {'changed' if moved else 'kept its path'}: {d} -> {after['paths'][pid]}")
        if moved:
            ends = [tuple(map(float, p.split(","))) for p in (after["paths"][pid][1:].split(" ")[0], after["paths"][pid].split(" ")[-1])]
            check(any(abs(ex - cx) <= 1 and abs(ey - cy) <= 1 for ex, ey in ends),
                  f"{pid} does not end at {name}'s new centre {cx},{cy}: {after['paths'][pid]}")
    log(f"its {len(before['mine'])} link path(s) follow it; the other {len(before['paths']) - len(before['mine'])} are unchanged")
    check(await js(cdp, "getComputedStyle(document.getElementById('nw-details')).display") == "none",
          "releasing the drag opened the details panel (the drag counted as a click)")
    await loaded(cdp, lambda: cdp.send("Page.reload"), "reload the map")
    again = await js(cdp, state)
    check(again["transform"] == after["transform"], f"after reload {name} is at {again['transform']}, not {after['transform']}")
    check(again["paths"] == after["paths"], "after reload the link paths differ from the dragged ones")
    log(f"after reload {name} is where it was dropped, with its links")
    # Positions are kept per page: the two-hop map draws it where the server put it.
    await loaded(cdp, lambda: click(cdp, "a.nw-nav", "+ hop"), "click '+ hop'")
    await laid_out(cdp)
    async with http.get(await js(cdp, "location.href")) as r:
        served = await r.text()
    at = served.index(f'data-device="{name}"')
    want = served[served.index('transform="', at) + 11:served.index('"', served.index('transform="', at) + 11)]
    two = await js(cdp, f"document.querySelector('{dev}').getAttribute('transform')")
    check(two == want, f"on the two-hop map {name} is at {two}, not where the server drew it ({want})")
    await loaded(cdp, lambda: click(cdp, "a.nw-nav", "− hop"), "click '− hop'")
    again = await js(cdp, state)
    check(again["transform"] == after["transform"], f"back on the one-hop map {name} is at {again['transform']}, not {after['transform']}")
    log(f"the two-hop map keeps its own layout ({name} at {two}); back on one hop it is where it was dropped")
    await loaded(cdp, lambda: click(cdp, "#nw-reset"), "click 'reset layout'")
    reset = await js(cdp, state)
    check(reset["transform"] == before["transform"], f"after reset {name} is at {reset['transform']}, not {before['transform']}")
    diff = {k: (v, reset["paths"].get(k)) for k, v in before["paths"].items() if reset["paths"].get(k) != v}
    check(not diff, f"after reset {len(diff)} link paths differ from the original ones: {list(diff.items())[:3]}")
    log(f"reset layout: {name} back at {reset['transform']}")


async def main():
    mode, base, work = sys.argv[1], sys.argv[2].rstrip("/"), sys.argv[3]
    check(mode in ("demo", "login"), f"unknown mode {mode!r}: demo or login")
    shots = [work] + sys.argv[4:5]
    proc, port = await start_chromium(os.path.join(work, f"chromium-profile-{mode}"))
    try:
        async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=TIMEOUT)) as http:
            cdp = await open_page(http, port)
            log(f"Chromium: DevTools on 127.0.0.1:{port}, window {WIDTH}x{HEIGHT}")
            if mode == "demo":
                await scenario(cdp, http, base, shots)
            else:
                await login_scenario(cdp, http, base)
            await cdp.ws.close()
    finally:
        stop_chromium(proc)
        await proc.wait()
    log(f"serve in Chromium ({mode}): ok")


if __name__ == "__main__":
    try:
        asyncio.run(main())
    except Failure as e:
        print(f"serve_browser: FAILED: {e}", file=sys.stderr)
        sys.exit(1)
