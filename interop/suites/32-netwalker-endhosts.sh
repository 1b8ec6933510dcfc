#!/usr/bin/env bash
# Where is this MAC, at campus size, through the release binaries: netsim
# generates 1,000 devices with 30 end hosts behind every access switch
# (about 21,000 hosts: PCs, phones, printers, VMs that moved, desk
# switches), netwalker walks it with end hosts on (the default), and
# inventory.json's `endhosts` and `netwalker find` are compared with the
# ground truth: every host on exactly one edge port located there, every
# ambiguous one reported with the same candidates. Not timed: `bench
# walk-endhosts` measures the cost.
. "$(dirname "$0")/../lib.sh"
need python3
build_bins -p netsim -p netwalker
work="$(mktemp -d)"
trap 'stop_netsim; rm -rf "$work"' EXIT

"$BIN/netsim" generate --devices 1000 --seed 32 --endhosts-per-access 30 --base-ip 127.64.0.1 \
  -o "$work/lab.toml" --truth "$work/truth.json"
start_netsim "$work/lab.toml" 4642 4743 "$work/stats.json"

walk_against_truth "$work" 127.64.0.1 4642 4743 64
python3 "$INTEROP_DIR/netwalker/compare_endhosts.py" "$work/truth.json" "$work/out/inventory.json" \
  "$BIN/netwalker" "$work/inv.sqlite"
