#!/usr/bin/env bash
# A site's map in `netwalker serve`, to first render in headless Chromium
# (issue #16: under 1 s for a 1,000-device site). Walks a 10,000-device
# lab (ten sites) into a store, serves it, and loads /map?site=SITE three
# times; the page marks itself laid out (`data-nw-ready-ms`, from
# navigation start, the server's answer included).
#
#   cargo build --release -p netsim -p netwalker && bench/map_first_render.sh [SITE...]
#
# Loopback only; everything started here is stopped on exit.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
bin="${CARGO_TARGET_DIR:-$root/target}/release"
work="$(mktemp -d)"
pids=()
cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; wait "$p" 2>/dev/null || true; done
  rm -rf "$work"
}
trap cleanup EXIT
cd "$work"
"$bin/netsim" generate --devices 10000 --seed 7 --base-ip 127.90.0.1 -o lab.toml >/dev/null
"$bin/netsim" serve lab.toml --port 5912 --telnet-port 5913 >netsim.log 2>&1 &
pids+=($!)
for _ in $(seq 300); do grep -q '^ready' netsim.log && break; sleep 0.1; done
NETWALKER_USERNAME=admin NETWALKER_PASSWORD=admin NETWALKER_ENABLE=admin HOME=/nonexistent \
  "$bin/netwalker" discover --seed 127.90.0.1 --port 5912 --telnet-port 5913 --store inv.db \
  --out out --quiet --host-key-policy accept-any 2>/dev/null | head -1
"$bin/netwalker" serve --store inv.db --listen 127.0.0.1:5914 --site-pattern '*-core*' >serve.log 2>&1 &
pids+=($!)
for _ in $(seq 100); do curl -sf -o /dev/null http://127.0.0.1:5914/ && break; sleep 0.1; done
for site in "${@:-s005}"; do
  for _ in 1 2 3; do
    chromium --headless=new --no-sandbox --disable-gpu --virtual-time-budget=10000 \
      --dump-dom "http://127.0.0.1:5914/map?site=$site" >dom.html 2>/dev/null
    echo "site $site: ready $(grep -o 'data-nw-ready-ms="[0-9]*"' dom.html | grep -o '[0-9]*') ms after navigation"
  done
done
