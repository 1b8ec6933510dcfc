"""NetBox read back after `netwalker sync netbox`, against the inventory.

Usage: sync_check.py INVENTORY.json [--renamed OLD NEW] [--untagged NAME]

Environment: NETBOX_URL, NETBOX_TOKEN. Standard library only; never prints
the token. Checks, through NetBox's REST API:
- the netwalker-tagged devices are the inventory's walked devices plus one
  per further stack member (`HOST:N`), each with the inventory's serial;
- every link between two walked devices is a tagged cable between exactly
  those two interfaces (both ends), and there are no other tagged cables;
- every stack is a virtual chassis whose master is the device, with all
  its members;
- --renamed: no device is named OLD, exactly one NEW with OLD's serial;
- --untagged NAME: the untagged device NAME still exists, untagged, with
  the serial the suite gave it.
"""

import json
import os
import sys
import urllib.request

URL = os.environ["NETBOX_URL"].rstrip("/")
TOKEN = os.environ["NETBOX_TOKEN"]
TAG = "netwalker"


def get_all(path):
    out, url = [], f"{URL}/api/{path}{'&' if '?' in path else '?'}limit=1000"
    while url:
        req = urllib.request.Request(url, headers={"Authorization": f"Bearer {TOKEN}", "Accept": "application/json"})
        with urllib.request.urlopen(req, timeout=60) as r:
            page = json.load(r)
        out.extend(page["results"])
        url = page["next"]
    return out


def main(argv):
    inv = json.load(open(argv[1]))
    renamed = argv[argv.index("--renamed") + 1:argv.index("--renamed") + 3] if "--renamed" in argv else None
    untagged = argv[argv.index("--untagged") + 1] if "--untagged" in argv else None
    walked = {d["hostname"]: d for d in inv["devices"] if d["status"] == "walked" and d["hostname"] != untagged}
    want = {}
    for h, d in walked.items():
        want[h] = d["serial"] if d["serial"] and len(d["serial"]) <= 50 else ""
        members = d["stack_members"]
        if len(members) > 1:
            master = next((m["switch"] for m in members if m["serial"] == d["serial"]), min(m["switch"] for m in members))
            for m in members:
                if m["switch"] != master:
                    want[f"{h}:{m['switch']}"] = m["serial"] or ""
    devices = get_all(f"dcim/devices/?tag={TAG}")
    # api_check.py's own tagged fixture devices are not the inventory's.
    got = {d["name"]: d["serial"] for d in devices if d["name"] not in ("sw-a", "sw-b")}
    assert got == want, f"tagged devices differ from the inventory: missing {sorted(set(want) - set(got))[:10]}, extra {sorted(set(got) - set(want))[:10]}, serials differ {[n for n in want if n in got and got[n] != want[n]][:10]}"
    print(f"devices: {len(got)} tagged devices = the inventory's {len(walked)} walked devices + {len(want) - len(walked)} stack members, serials equal")

    want_cables = set()
    for l in inv["links"]:
        if l["a"] in walked and l["b"] in walked:
            want_cables.add(frozenset([(l["a"], l["a_interface"]), (l["b"], l["b_interface"])]))
    cables = get_all(f"dcim/cables/?tag={TAG}")
    got_cables = set()
    for c in cables:
        ends = []
        for side in ("a_terminations", "b_terminations"):
            assert len(c[side]) == 1 and c[side][0]["object_type"] == "dcim.interface", c
            o = c[side][0]["object"]
            ends.append((o["device"]["name"], o["name"]))
        got_cables.add(frozenset(ends))
    got_cables = {c for c in got_cables if not any(d in ("sw-a", "sw-b") for d, _ in c)}
    assert got_cables == want_cables, f"cables differ: missing {list(want_cables - got_cables)[:5]}, extra {list(got_cables - want_cables)[:5]}"
    print(f"cables: {len(got_cables)} tagged cables = the inventory's links between walked devices, both ends' interfaces equal")

    stacks = {h for h, d in walked.items() if len(d["stack_members"]) > 1}
    vcs = get_all(f"dcim/virtual-chassis/?tag={TAG}")
    got_vc = {}
    for vc in vcs:
        assert vc["master"] is not None, vc
        members = get_all(f"dcim/devices/?virtual_chassis_id={vc['id']}")
        got_vc[vc["master"]["name"]] = len(members)
    assert set(got_vc) == stacks, f"virtual chassis masters {sorted(got_vc)} != stacks {sorted(stacks)}"
    for h in stacks:
        assert got_vc[h] == len(walked[h]["stack_members"]), (h, got_vc[h], walked[h]["stack_members"])
    print(f"stacks: {len(stacks)} virtual chassis, each mastered by its device with all its members")

    if renamed:
        old, new = renamed
        assert not [d for d in get_all(f"dcim/devices/?name={old}")], f"{old} still in NetBox"
        news = get_all(f"dcim/devices/?name={new}")
        assert len(news) == 1 and news[0]["serial"] == walked[new]["serial"], news
        print(f"rename: {old} -> {new}, one device with the same serial, no duplicate")
    if untagged:
        ds = get_all(f"dcim/devices/?name={untagged}")
        assert len(ds) == 1 and ds[0]["tags"] == [] and ds[0]["serial"] == "NOT-OURS-1", ds
        print(f"untagged: the pre-existing device {untagged} is still there, untagged and unmodified")
    print("netbox sync check: ok")


if __name__ == "__main__":
    try:
        main(sys.argv)
    except AssertionError as e:
        print(f"netbox sync check failed: {e}", file=sys.stderr)
        sys.exit(1)
