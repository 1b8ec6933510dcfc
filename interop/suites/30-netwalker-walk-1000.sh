#!/usr/bin/env bash
# The whole product end to end, through the release binaries: netsim serves a
# generated 1,000-device campus with every fault kind in its own process;
# netwalker discovers it; inventory.json is compared with netsim's ground truth
# (every reachable device walked exactly once, every link found once, every
# leaf recorded, faulty devices failed with the right class) and netsim's own
# accounting must show no session left open.
. "$(dirname "$0")/../lib.sh"
need python3
build_bins -p netsim -p netwalker
work="$(mktemp -d)"
trap 'stop_netsim; rm -rf "$work"' EXIT

"$BIN/netsim" generate --devices 1000 --seed 23 --faults --base-ip 127.62.0.1 \
  -o "$work/lab.toml" --truth "$work/truth.json"
start_netsim "$work/lab.toml" 4622 4723 "$work/stats.json"

walk_against_truth "$work" 127.62.0.1 4622 4723 32
