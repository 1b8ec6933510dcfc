"""NetBox's cable list of the synced lab in headless Chromium: a screenshot.

Usage: screenshot.py OUT_DIR [COPY_DIR]    (NETBOX_URL, NETBOX_ADMIN_USER,
       NETBOX_ADMIN_PASSWORD and NETBOX_TOKEN set)

Logs in to NetBox's web UI as the suite's superuser (its throwaway
password from the environment, typed into the login form, never printed),
opens /dcim/cables/ filtered by netwalker's tag and the lab's site (the
table set, through the API, to show both ends' devices beside their
interfaces), checks that the page lists every such cable the API has (its
"of N" total) and that each row shows its cable's two devices and
interfaces, and saves netbox-cables.png in OUT_DIR (and COPY_DIR when given),
checked not blank. Uses suite 61's DevTools client
(interop/netwalker/serve_browser.py).
"""

import asyncio
import base64
import json
import os
import sys
import tempfile
import urllib.request

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "netwalker"))
from serve_browser import (  # noqa: E402
    Failure, check, click, goto, js, loaded, log, not_blank, open_page, start_chromium, stop_chromium,
)

import aiohttp  # noqa: E402

URL = os.environ["NETBOX_URL"].rstrip("/")
TAG = "netwalker"


# The synced lab's site (netwalker's default): api_check.py's fixture cable is elsewhere.
FILTER = f"tag={TAG}&site=netwalker"
COLUMNS = ["id", "device_a", "a_terminations", "device_b", "b_terminations", "status", "tags"]


def api(method, path, body=None):
    req = urllib.request.Request(f"{URL}/api/{path}", method=method,
                                 data=None if body is None else json.dumps(body).encode(),
                                 headers={"Authorization": f"Bearer {os.environ['NETBOX_TOKEN']}",
                                          "Accept": "application/json", "Content-Type": "application/json"})
    with urllib.request.urlopen(req, timeout=30) as r:
        return json.load(r)


def cable_ends():
    """Each tagged cable of the lab: id -> the names of both ends' devices and interfaces."""
    ends = {}
    for c in api("GET", f"dcim/cables/?{FILTER}&limit=1000")["results"]:
        ends[c["id"]] = [n for side in ("a_terminations", "b_terminations") for t in c[side]
                         for n in (t["object"]["device"]["name"], t["object"]["name"])]
    return ends


async def scenario(cdp, dirs):
    ends = cable_ends()
    check(ends, "no tagged cables to show")
    # The superuser's table preference: both ends' devices beside their interfaces.
    api("PATCH", "users/config/", {"tables": {"CableTable": {"columns": COLUMNS}}})
    target = f"/dcim/cables/?{FILTER}&per_page=100"
    await goto(cdp, f"{URL}/login/?next={urllib.request.quote(target)}")
    await click(cdp, "#id_username")
    await cdp.send("Input.insertText", text=os.environ["NETBOX_ADMIN_USER"])
    await click(cdp, "#id_password")
    await cdp.send("Input.insertText", text=os.environ["NETBOX_ADMIN_PASSWORD"])
    url = await loaded(cdp, lambda: click(cdp, "button[type=submit]"), "log in to NetBox")
    check(url == target, f"after the login the page is {url}, not {target}")
    rows = await js(cdp, """[...document.querySelectorAll('table tbody tr')]
      .map(r => r.textContent.replace(/\\s+/g, ' ').trim()).filter(t => t)""")
    footer = await js(cdp, "document.body.innerText.match(/Showing \\d+-\\d+ of (\\d+)/)")
    check(footer is not None, "the cable list shows no 'Showing X-Y of N' line")
    shown = int(footer[1])
    log(f"cable list: {len(rows)} rows on the page, {shown} in all; the API has {len(ends)} tagged cables of the lab")
    check(shown == len(ends) and len(rows) == min(shown, 100), f"the page lists {shown} cables ({len(rows)} rows), the API {len(ends)}")
    for r in rows:
        cid = int(r.split()[0])
        check(cid in ends and all(n in r for n in ends[cid]), f"row {r!r}: not the API's cable {ends.get(cid)}")
    log(f"every row shows its cable's devices and interfaces as the API has them, e.g. {rows[0]!r}")
    password = os.environ["NETBOX_ADMIN_PASSWORD"]
    check(password not in await js(cdp, "document.documentElement.outerHTML"), "the password is in the page")
    # NetBox's "Logged in as" toast would cover the last rows.
    await js(cdp, "document.querySelectorAll('.toast').forEach(t => t.remove())")
    shot = await cdp.send("Page.captureScreenshot", format="png")
    png = base64.b64decode(shot["data"])
    not_blank(png, "netbox-cables")
    for d in dirs:
        with open(os.path.join(d, "netbox-cables.png"), "wb") as f:
            f.write(png)


async def main(dirs):
    with tempfile.TemporaryDirectory() as profile:
        proc, port = await start_chromium(profile)
        try:
            async with aiohttp.ClientSession() as http:
                cdp = await open_page(http, port)
                await scenario(cdp, dirs)
        finally:
            stop_chromium(proc)
            await proc.wait()


if __name__ == "__main__":
    if len(sys.argv) not in (2, 3):
        print(__doc__, file=sys.stderr)
        sys.exit(2)
    try:
        asyncio.run(main(sys.argv[1:]))
    except Failure as e:
        print(f"netbox screenshot failed: {e}", file=sys.stderr)
        sys.exit(1)
    print("netbox screenshot: ok")
