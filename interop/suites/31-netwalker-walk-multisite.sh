#!/usr/bin/env bash
# A multi-site network, through the release binaries: netsim generates 3,000
# devices (three sites of up to 1,000 joined by WAN links, every fault kind)
# and serves them through its two shared listeners; netwalker discovers the
# whole estate from one core; inventory.json is compared with the ground
# truth exactly as for the single campus (every reachable device walked
# once, every link once, faults failed with the right class, no session
# left open). Not timed: `bench walk-scale` measures; this proves.
. "$(dirname "$0")/../lib.sh"
need python3
build_bins -p netsim -p netwalker
work="$(mktemp -d)"
trap 'stop_netsim; rm -rf "$work"' EXIT

"$BIN/netsim" generate --devices 3000 --seed 31 --faults --base-ip 127.63.0.1 \
  -o "$work/lab.toml" --truth "$work/truth.json"
grep -q "^hostname = \"s003-" "$work/lab.toml" ||
  { echo "expected a third site (s003-...) in a 3,000-device lab" >&2; exit 1; }
start_netsim "$work/lab.toml" 4632 4733 "$work/stats.json"

walk_against_truth "$work" 127.63.0.1 4632 4733 64

echo "== netwalker demo past 1,000 devices (two sites, shared listeners)"
"$BIN/netwalker" demo --devices 2500 --out "$work/demo" --json --quiet >"$work/demo.json"
python3 - "$work/demo.json" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
sim, counts = d["simulator"], d["counts"]
print(f"demo: {counts['walked']} walked, {counts['failed']} failed; simulator opened {sim['sessions_opened']}, open {sim['sessions_open']}")
assert sim["devices"] == 2500, sim
assert counts["failed"] == 0 and counts["walked"] > 1500, counts
assert sim["sessions_open"] == 0 and d["sessions_open_at_exit"] == 0, d
assert sim["sessions_opened"] == counts["walked"], (sim, counts)
PY
