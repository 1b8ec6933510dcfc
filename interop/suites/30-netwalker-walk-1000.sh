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

cat >"$work/netwalker.toml" <<'TOML'
concurrency = 32
host_key_policy = "accept-new"
grace_period = "2s"

[timeouts]
connect = "2s"
banner = "2s"
auth = "3s"
prompt = "2s"
command = "4s"
goodbye = "1s"
device = "30s"
TOML

start=$(date +%s%N)
NETWALKER_USERNAME=admin NETWALKER_PASSWORD=admin NETWALKER_ENABLE=admin \
  "$BIN/netwalker" --config "$work/netwalker.toml" discover \
  --seed 127.62.0.1 --port 4622 --telnet-port 4723 \
  --known-hosts "$work/known_hosts" --store "$work/inv.sqlite" --out "$work/out" \
  --json --quiet >"$work/summary.json"
end=$(date +%s%N)
echo "walk took $(( (end - start) / 1000000 )) ms"

stop_netsim
python3 "$INTEROP_DIR/netwalker/compare_truth.py" "$work/truth.json" "$work/out/inventory.json" \
  "$work/summary.json" "$work/stats.json"
