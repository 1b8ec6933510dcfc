"""NetBox's netwalker-tagged objects, read back and made comparable.

Usage: readback.py dump OUT.json
       readback.py same A.json B.json    (exit 1, naming the differences, unless equal)

Environment: NETBOX_URL, NETBOX_TOKEN. Standard library only; never prints
the token. `dump` reads every tagged device, interface, IP address, cable,
virtual chassis and VLAN through the REST API and writes them without what
differs between two NetBox runs of the same state: ids (and every `*_id`),
URLs, `display` strings (a cable's is its id), creation and update times.
api_check.py's own fixture devices (sw-a, sw-b) are left out. Two dumps are
equal when NetBox holds the same objects with the same fields, references
and both ends of every cable.
"""

import json
import os
import sys
import urllib.request

URL = os.environ["NETBOX_URL"].rstrip("/")
TOKEN = os.environ["NETBOX_TOKEN"]
TAG = "netwalker"
FIXTURES = {"sw-a", "sw-b"}
KINDS = ["dcim/devices", "dcim/interfaces", "ipam/ip-addresses", "dcim/cables", "dcim/virtual-chassis", "ipam/vlans"]
DROP = {"id", "url", "display_url", "display", "created", "last_updated"}


def get_all(path):
    out, url = [], f"{URL}/api/{path}/?tag={TAG}&limit=1000"
    while url:
        req = urllib.request.Request(url, headers={"Authorization": f"Bearer {TOKEN}", "Accept": "application/json"})
        with urllib.request.urlopen(req, timeout=60) as r:
            page = json.load(r)
        out.extend(page["results"])
        url = page["next"]
    return out


def clean(v):
    """`v` without run-specific keys, lists in a canonical order."""
    if isinstance(v, dict):
        return {k: clean(x) for k, x in sorted(v.items()) if k not in DROP and not k.endswith("_id")}
    if isinstance(v, list):
        return sorted((clean(x) for x in v), key=lambda x: json.dumps(x, sort_keys=True))
    return v


def fixture(obj):
    """An object of api_check.py's fixture devices (by any device it names)."""
    text = json.dumps(obj)
    return any(f'"name": "{d}"' in text for d in FIXTURES)


def dump(out):
    got = {}
    for kind in KINDS:
        objs = [clean(o) for o in get_all(kind)]
        got[kind] = sorted((o for o in objs if not fixture(o)), key=lambda o: json.dumps(o, sort_keys=True))
    with open(out, "w") as f:
        json.dump(got, f, indent=1, sort_keys=True)
    print("readback: " + ", ".join(f"{len(v)} {k.split('/')[1]}" for k, v in got.items()))


def same(a_path, b_path):
    a, b = json.load(open(a_path)), json.load(open(b_path))
    if not a["dcim/devices"] or not a["dcim/cables"]:
        print(f"readback: {a_path} has no tagged devices or cables: nothing to compare", file=sys.stderr)
        sys.exit(1)
    diffs = []
    for kind in KINDS:
        ka = {json.dumps(o, sort_keys=True) for o in a[kind]}
        kb = {json.dumps(o, sort_keys=True) for o in b[kind]}
        if ka != kb:
            diffs.append(f"{kind}: {len(a[kind])} vs {len(b[kind])} objects; only in {a_path}: {sorted(ka - kb)[:2]}; "
                         f"only in {b_path}: {sorted(kb - ka)[:2]}")
    if diffs:
        print("readback differs:\n" + "\n".join(diffs), file=sys.stderr)
        sys.exit(1)
    print(f"readback: the same {sum(len(a[k]) for k in KINDS)} tagged objects, fields, references and cable ends")


if __name__ == "__main__":
    if len(sys.argv) == 3 and sys.argv[1] == "dump":
        dump(sys.argv[2])
    elif len(sys.argv) == 4 and sys.argv[1] == "same":
        same(sys.argv[2], sys.argv[3])
    else:
        print(__doc__, file=sys.stderr)
        sys.exit(2)
