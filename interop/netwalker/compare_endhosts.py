"""Compares inventory.json's `endhosts` with netsim's ground truth, and
`netwalker find` with both for a sample of hosts.

Usage: compare_endhosts.py truth.json inventory.json NETWALKER STORE
Every truth host learnt on exactly one edge port must be located there;
every ambiguous one ambiguous over the same ports. Exits non-zero listing
every difference.
"""
import json
import random
import subprocess
import sys

truth = json.load(open(sys.argv[1]))
inv = json.load(open(sys.argv[2]))
netwalker, store = sys.argv[3], sys.argv[4]


def key(mac):
    return "".join(c for c in mac.lower() if c in "0123456789abcdef")


got = {key(h["mac"]): h for h in inv["endhosts"]}
problems = []
located = ambiguous = 0
for h in truth["endhosts"]:
    g = got.get(key(h["mac"]))
    if g is None:
        problems.append(f"{h['mac']}: not in inventory.json")
        continue
    want = sorted((c["switch"], c["port"]) for c in h.get("candidates") or [])
    if not want:
        located += 1
        if (g["status"], g["switch"], g["port"], g["vlan"]) != ("located", h["switch"], h["port"], h["vlan"]):
            problems.append(f"{h['mac']}: truth {h['switch']} {h['port']} vlan {h['vlan']}, got {g['status']} {g['switch']} {g['port']} {g['vlan']}")
        if h["ip"] not in g["ips"]:
            problems.append(f"{h['mac']}: {h['ip']} not among {g['ips']}")
    else:
        ambiguous += 1
        have = sorted((c["switch"], c["port"]) for c in g["candidates"])
        if g["status"] != "ambiguous" or have != want:
            problems.append(f"{h['mac']}: truth ambiguous over {want}, got {g['status']} {have}")

# `find` through the binary: by MAC (another notation) and by IP.
rng = random.Random(7)
sample = rng.sample([h for h in truth["endhosts"] if not h.get("candidates")], 10)
sample += [h for h in truth["endhosts"] if h.get("candidates")][:5]
for h in sample:
    dotted = key(h["mac"])
    dotted = f"{dotted[0:4]}.{dotted[4:8]}.{dotted[8:12]}"
    for q in (dotted, h["ip"]):
        out = subprocess.run([netwalker, "find", q, "--store", store, "--json"],
                             capture_output=True, text=True, timeout=60)
        if out.returncode != 0:
            problems.append(f"find {q}: exit {out.returncode}: {out.stderr.strip()}")
            continue
        found = json.loads(out.stdout)
        if len(found) != 1 or key(found[0]["mac"]) != key(h["mac"]):
            problems.append(f"find {q}: {[f['mac'] for f in found]}")
        elif found[0]["status"] != got[key(h["mac"])]["status"]:
            problems.append(f"find {q}: status {found[0]['status']}, inventory.json says otherwise")
out = subprocess.run([netwalker, "find", "00:99:99:99:99:99", "--store", store], capture_output=True, timeout=60)
if out.returncode != 1:
    problems.append(f"find of an unknown MAC exited {out.returncode}, not 1")

print(f"end hosts: {len(truth['endhosts'])} in the truth ({located} on one edge port, {ambiguous} ambiguous), "
      f"{len(inv['endhosts'])} in inventory.json, {len(sample)} checked with find")
if problems:
    print(f"{len(problems)} differences:", file=sys.stderr)
    for p in problems[:40]:
        print("  " + p, file=sys.stderr)
    sys.exit(1)
