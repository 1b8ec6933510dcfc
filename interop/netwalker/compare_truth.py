"""Compares netwalker's inventory.json with netsim's ground truth.

Usage: compare_truth.py truth.json inventory.json summary.json netsim-stats.json
Exits non-zero with a list of every difference.
"""
import json
import re
import sys

truth = json.load(open(sys.argv[1]))
inv = json.load(open(sys.argv[2]))
summary = json.load(open(sys.argv[3]))
stats = json.load(open(sys.argv[4]))

problems = []
by_name = {}
for d in inv["devices"]:
    if d["hostname"] in by_name:
        problems.append(f"{d['hostname']} recorded twice")
    by_name[d["hostname"]] = d

# Faults that still let a walk succeed, and the failure class of the others.
WALKABLE = {None, "telnet_only", "banner_with_prompt_chars"}
MAYBE = {"slow_output"}  # walked or timed out, depending on the timeouts
FAILS = {"auth_fail", "no_banner", "no_prompt", "stop_mid_output", "drop_mid_command", "refuse_all",
         "garbage_output"}

walked = set()
for t in truth["devices"]:
    got = by_name.get(t["hostname"])
    if got is None:
        continue  # leaves behind a failed switch are legitimately unseen; checked below
    fault = t["fault"]
    if t["reachable"] and fault in WALKABLE:
        if got["status"] != "walked":
            problems.append(f"{t['hostname']}: expected walked, got {got['status']} ({got['reason']})")
        elif got["serial"] != t["serial"]:
            problems.append(f"{t['hostname']}: serial {got['serial']!r}, truth {t['serial']!r}")
    elif fault in FAILS:
        if got["status"] != "failed" or not got["reason"]:
            problems.append(f"{t['hostname']} ({fault}): expected failed with a reason, got {got['status']}")
    elif fault in MAYBE:
        if got["status"] not in ("walked", "failed"):
            problems.append(f"{t['hostname']} ({fault}): not attempted: {got['status']}")
    elif not t["reachable"]:
        if got["status"] == "walked":
            problems.append(f"{t['hostname']}: a leaf was walked")
        if got["status"] in ("filtered", "skipped") and not (got["reason"] or "").strip():
            problems.append(f"{t['hostname']}: {got['status']} without a reason")
    if got["status"] == "walked":
        walked.add(t["hostname"])

# Every device a walked device is linked to must be recorded.
for t in truth["devices"]:
    seen_by_walked = any(
        (l["a"] == t["hostname"] and l["b"] in walked) or (l["b"] == t["hostname"] and l["a"] in walked)
        for l in truth["links"]
    )
    if seen_by_walked and t["hostname"] not in by_name:
        problems.append(f"{t['hostname']}: neighbour of a walked device, missing from the inventory")

LONG = [("Gi", "GigabitEthernet"), ("Te", "TenGigabitEthernet"), ("Twe", "TwentyFiveGigE"),
        ("Hu", "HundredGigE"), ("Eth", "Ethernet")]


def norm(i):
    for short, long_ in LONG:
        if re.match(rf"^{short}\d", i):
            return long_ + i[len(short):]
    return i


def key(a, ai, b, bi):
    x, y = (a, norm(ai)), (b, norm(bi))
    return tuple(sorted([x, y]))


want = {key(l["a"], l["a_interface"], l["b"], l["b_interface"]) for l in truth["links"]
        if l["a"] in walked or l["b"] in walked}
got = [key(l["a"], l["a_interface"], l["b"], l["b_interface"]) for l in inv["links"]]
if len(got) != len(set(got)):
    problems.append(f"{len(got) - len(set(got))} links recorded twice")
for k in sorted(want - set(got)):
    problems.append(f"link not found: {k}")
for k in sorted(set(got) - {key(l['a'], l['a_interface'], l['b'], l['b_interface']) for l in truth['links']}):
    problems.append(f"link that does not exist: {k}")

if summary.get("sessions_open_at_exit") != 0:
    problems.append(f"netwalker left {summary.get('sessions_open_at_exit')} sessions open")
if stats["sessions_open"] != 0:
    problems.append(f"netsim still sees {stats['sessions_open']} open sessions")
healthy_dropped = [
    (h, s) for h, s in stats["devices"].items()
    if s["sessions_dropped"] and next((t for t in truth["devices"] if t["hostname"] == h), {}).get("fault") in WALKABLE
]
for h, s in healthy_dropped:
    problems.append(f"{h}: healthy device saw {s['sessions_dropped']} dropped session(s)")
multi = [(h, s["sessions_opened"]) for h, s in stats["devices"].items() if s["sessions_opened"] > 1
         and next((t for t in truth["devices"] if t["hostname"] == h), {}).get("fault") in WALKABLE]
for h, n in multi:
    problems.append(f"{h}: logged in to {n} times (walked twice?)")

c = summary["counts"]
print(f"devices: {len(inv['devices'])} recorded, {c['walked']} walked, {c['failed']} failed, "
      f"{c['filtered']} filtered; links {len(got)} (truth {len(want)} reachable); "
      f"{summary['duration_ms']} ms; netsim: {stats['sessions_opened']} opened, "
      f"{stats['sessions_closed_gracefully']} graceful, {stats['sessions_dropped']} dropped, "
      f"{stats['sessions_open']} open")
if problems:
    print(f"{len(problems)} problem(s):")
    for p in problems[:60]:
        print("  " + p)
    sys.exit(1)
print("inventory matches the ground truth")
