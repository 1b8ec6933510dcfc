"""NetBox's REST API as `netwalker sync netbox` will use it, against a real NetBox.

Environment: NETBOX_URL, NETBOX_TOKEN (v2, `nbt_...`), NETBOX_TOKEN_V1 (legacy),
NETBOX_WANT_VERSION (the pinned package version). Standard library only; never
prints a token.

Checks: /api/status/ reports the pinned version; both token kinds (and only
valid ones) authenticate; a tag, manufacturer, device type, role and site are
created tagged; two devices and four interfaces by bulk create; a cable between
one interface of each device through a_terminations/b_terminations, read back
from the cable and from both interfaces; a second cable on a cabled interface is
refused; tag filtering leaves an untagged device out; offset and cursor
pagination walk every interface once; bulk update and bulk delete.
"""

import json
import os
import sys
import urllib.error
import urllib.request

URL = os.environ["NETBOX_URL"].rstrip("/")
TOKEN = os.environ["NETBOX_TOKEN"]
TOKEN_V1 = os.environ["NETBOX_TOKEN_V1"]
WANT_VERSION = os.environ["NETBOX_WANT_VERSION"]
TAG = "netwalker"


class HttpError(Exception):
    def __init__(self, method, path, status, body):
        super().__init__(f"{method} {path}: HTTP {status}: {body[:500]}")
        self.status = status
        self.body = body


def call(method, path, body=None, auth=None):
    """One request; returns the decoded JSON (None for 204). Raises HttpError on >= 400."""
    url = path if path.startswith("http") else URL + path
    headers = {"Accept": "application/json", "Content-Type": "application/json"}
    headers["Authorization"] = auth if auth is not None else f"Bearer {TOKEN}"
    if not headers["Authorization"]:
        del headers["Authorization"]
    data = None if body is None else json.dumps(body).encode()
    req = urllib.request.Request(url, data=data, method=method, headers=headers)
    try:
        with urllib.request.urlopen(req, timeout=30) as r:
            raw = r.read().decode()
            return json.loads(raw) if raw else None
    except urllib.error.HTTPError as e:
        raise HttpError(method, path, e.code, e.read().decode(errors="replace")) from None


def expect_status(status, method, path, body=None, auth=None):
    try:
        call(method, path, body, auth)
    except HttpError as e:
        assert e.status == status, f"{method} {path}: want HTTP {status}, got {e}"
        return e.body
    raise AssertionError(f"{method} {path}: want HTTP {status}, got success")


def check_status_and_tokens():
    status = call("GET", "/api/status/")
    assert status["netbox-version"] == WANT_VERSION, status
    v1 = call("GET", "/api/status/", auth=f"Token {TOKEN_V1}")
    assert v1["netbox-version"] == WANT_VERSION, v1
    expect_status(403, "GET", "/api/dcim/devices/", auth="")
    key, _, secret = TOKEN.partition(".")
    expect_status(403, "GET", "/api/dcim/devices/", auth=f"Bearer {key}.{'x' * len(secret)}")
    expect_status(403, "GET", "/api/dcim/devices/", auth=f"Token {'0' * 40}")
    print(f"status: NetBox {status['netbox-version']} (Django {status['django-version']}); "
          "v2 Bearer and v1 Token authenticate, no/forged tokens get 403")


def create_fixture():
    tags = [{"slug": TAG}]
    tag = call("POST", "/api/extras/tags/", {"name": TAG, "slug": TAG, "color": "2196f3"})
    mfr = call("POST", "/api/dcim/manufacturers/", {"name": "Cisco", "slug": "cisco", "tags": tags})
    dtype = call("POST", "/api/dcim/device-types/",
                 {"manufacturer": mfr["id"], "model": "WS-C3750G-24PS", "slug": "ws-c3750g-24ps", "tags": tags})
    role = call("POST", "/api/dcim/device-roles/", {"name": "Switch", "slug": "switch", "color": "4caf50", "tags": tags})
    site = call("POST", "/api/dcim/sites/", {"name": "Lab", "slug": "lab", "status": "active", "tags": tags})
    for obj in (mfr, dtype, role, site):
        assert [t["slug"] for t in obj["tags"]] == [TAG], obj
    common = {"device_type": dtype["id"], "role": role["id"], "site": site["id"], "status": "active", "tags": tags}
    # Bulk create: a list in, a list out, in order.
    devices = call("POST", "/api/dcim/devices/", [
        {**common, "name": "sw-a", "serial": "FOC0001A"},
        {**common, "name": "sw-b", "serial": "FOC0001B"},
    ])
    assert [d["name"] for d in devices] == ["sw-a", "sw-b"], devices
    untagged = call("POST", "/api/dcim/devices/", {**common, "name": "not-ours", "tags": []})
    ifaces = call("POST", "/api/dcim/interfaces/", [
        {"device": d["id"], "name": name, "type": "1000base-t", "tags": tags}
        for d in devices for name in ("GigabitEthernet1/0/1", "GigabitEthernet1/0/2")
    ])
    assert len(ifaces) == 4, ifaces
    by = {(i["device"]["name"], i["name"]): i for i in ifaces}
    print(f"created: tag, manufacturer, device type, role, site; 2 tagged devices + 1 untagged; 4 interfaces (bulk)")
    return tag, devices, untagged, by


def check_cable(by):
    a = by[("sw-a", "GigabitEthernet1/0/1")]
    b = by[("sw-b", "GigabitEthernet1/0/2")]
    cable = call("POST", "/api/dcim/cables/", {
        "a_terminations": [{"object_type": "dcim.interface", "object_id": a["id"]}],
        "b_terminations": [{"object_type": "dcim.interface", "object_id": b["id"]}],
        "status": "connected",
        "tags": [{"slug": TAG}],
    })
    got = call("GET", f"/api/dcim/cables/{cable['id']}/")
    for side, want in (("a_terminations", a), ("b_terminations", b)):
        terms = got[side]
        assert len(terms) == 1, got
        t = terms[0]
        assert t["object_type"] == "dcim.interface" and t["object_id"] == want["id"], got
        assert t["object"]["name"] == want["name"] and t["object"]["device"]["name"] == want["device"]["name"], got
    assert [t["slug"] for t in got["tags"]] == [TAG], got
    # The interfaces see the cable and each other.
    for me, peer in ((a, b), (b, a)):
        i = call("GET", f"/api/dcim/interfaces/{me['id']}/")
        assert i["cable"]["id"] == cable["id"], i
        assert i["link_peers_type"] == "dcim.interface", i
        assert [p["id"] for p in i["link_peers"]] == [peer["id"]], i
        assert [p["id"] for p in i["connected_endpoints"]] == [peer["id"]], i
        assert i["connected_endpoints_reachable"] is True, i
    free = call("GET", f"/api/dcim/interfaces/{by[('sw-a', 'GigabitEthernet1/0/2')]['id']}/")
    assert free["cable"] is None and free["link_peers"] == [], free
    # Filter cables by device: exactly this one.
    listed = call("GET", "/api/dcim/cables/?device=sw-a")
    assert [c["id"] for c in listed["results"]] == [cable["id"]], listed
    # A second cable on an interface that has one: refused (a conflict to report, not overwrite).
    body = expect_status(400, "POST", "/api/dcim/cables/", {
        "a_terminations": [{"object_type": "dcim.interface", "object_id": a["id"]}],
        "b_terminations": [{"object_type": "dcim.interface", "object_id": by[("sw-b", "GigabitEthernet1/0/1")]["id"]}],
    })
    print(f"cable {cable['id']}: a=sw-a {a['name']} b=sw-b {b['name']}, read back from the cable and both "
          f"interfaces (link peers, connected endpoints); a second cable on sw-a {a['name']} refused: {body[:160]}")
    return cable


def check_tag_filter(devices, untagged):
    everything = call("GET", "/api/dcim/devices/")
    ours = call("GET", f"/api/dcim/devices/?tag={TAG}")
    assert everything["count"] == 3, everything["count"]
    assert sorted(d["id"] for d in ours["results"]) == sorted(d["id"] for d in devices), ours
    assert untagged["id"] not in [d["id"] for d in ours["results"]]
    not_ours = call("GET", f"/api/dcim/devices/?tag__n={TAG}")
    assert [d["id"] for d in not_ours["results"]] == [untagged["id"]], not_ours
    print(f"tag filter: ?tag={TAG} -> {ours['count']} of {everything['count']} devices; ?tag__n={TAG} -> the untagged one")


def walk(first):
    """Follows `next` links; returns every result."""
    out, page = [], call("GET", first)
    while True:
        out.extend(page["results"])
        if not page["next"]:
            return out, page
        page = call("GET", page["next"])


def check_pagination(by):
    ids = sorted(i["id"] for i in by.values())
    offset, _ = walk("/api/dcim/interfaces/?limit=1")
    assert sorted(i["id"] for i in offset) == ids and len(offset) == len(ids), offset
    first = call("GET", "/api/dcim/interfaces/?limit=1")
    assert first["count"] == 4 and "offset=1" in first["next"], first
    cursor, last = walk(f"/api/dcim/interfaces/?start=0&limit=3")
    assert [i["id"] for i in cursor] == ids, cursor
    assert last["count"] is None, last
    print("pagination: offset (?limit=&offset=, count given) and cursor (?start=<id>&limit=, count null) "
          "each return all 4 interfaces once, following `next`")


def check_bulk_update_delete(devices, by):
    updated = call("PATCH", "/api/dcim/devices/", [
        {"id": d["id"], "serial": d["serial"] + "-X"} for d in devices
    ])
    assert sorted(d["serial"] for d in updated) == ["FOC0001A-X", "FOC0001B-X"], updated
    spare = [by[("sw-a", "GigabitEthernet1/0/2")], by[("sw-b", "GigabitEthernet1/0/1")]]
    assert call("DELETE", "/api/dcim/interfaces/", [{"id": i["id"]} for i in spare]) is None
    left = call("GET", "/api/dcim/interfaces/")
    assert sorted(i["id"] for i in left["results"]) == sorted(
        by[k]["id"] for k in (("sw-a", "GigabitEthernet1/0/1"), ("sw-b", "GigabitEthernet1/0/2"))), left
    print("bulk: PATCH a list of {id, ...} updated 2 devices; DELETE a list of {id} removed 2 interfaces")


def main():
    check_status_and_tokens()
    _, devices, untagged, by = create_fixture()
    check_cable(by)
    check_tag_filter(devices, untagged)
    check_pagination(by)
    check_bulk_update_delete(devices, by)
    print("netbox api: ok")


if __name__ == "__main__":
    try:
        main()
    except (AssertionError, HttpError) as e:
        print(f"netbox api check failed: {e}", file=sys.stderr)
        sys.exit(1)
