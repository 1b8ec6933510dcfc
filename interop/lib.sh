# Helpers shared by interop suites. Source it: `. "$(dirname "$0")/../lib.sh"`.
set -euo pipefail
INTEROP_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(cd "$INTEROP_DIR/.." && pwd)"
# Release builds: the suites load labs of 1,000 devices.
# Honour CARGO_TARGET_DIR: cargo builds there, so the binaries are there.
TARGET_DIR="${CARGO_TARGET_DIR:-$ROOT/target}"
BIN="$TARGET_DIR/release"

need() {
  for t in "$@"; do
    command -v "$t" >/dev/null 2>&1 || { echo "interop: missing tool: $t (interop/setup should have installed it)" >&2; exit 1; }
  done
}

build_bins() {
  (cd "$ROOT" && cargo build --release -q "$@")
}

# start_netsim LAB.toml SSH_PORT TELNET_PORT STATS.json -> sets NETSIM_PID; waits for `ready`.
start_netsim() {
  local lab="$1" port="$2" tport="$3" stats="$4" log
  log="$(mktemp)"
  "$BIN/netsim" serve "$lab" --port "$port" --telnet-port "$tport" --stats "$stats" >"$log" 2>&1 &
  NETSIM_PID=$!
  for _ in $(seq 1 300); do
    if grep -q '^ready' "$log"; then
      return 0
    fi
    if ! kill -0 "$NETSIM_PID" 2>/dev/null; then
      echo "netsim exited early:" >&2; cat "$log" >&2; return 1
    fi
    read -rt 0.1 <> <(:) || true   # 100 ms wait without spawning sleep(1)
  done
  echo "netsim did not print ready within 30 s" >&2; cat "$log" >&2
  return 1
}

stop_netsim() {
  if [ -n "${NETSIM_PID:-}" ] && kill -0 "$NETSIM_PID" 2>/dev/null; then
    kill -INT "$NETSIM_PID"
    wait "$NETSIM_PID" || true
  fi
}

# walk_against_truth WORK SEED SSH_PORT TELNET_PORT CONCURRENCY: walks the lab
# netsim serves (started with start_netsim, stats in WORK/stats.json, truth in
# WORK/truth.json) with the release netwalker under accept-new and tight
# timeouts, stops netsim, and compares inventory.json with the ground truth.
walk_against_truth() {
  local work="$1" seed="$2" port="$3" tport="$4" conc="$5" start end
  cat >"$work/netwalker.toml" <<TOML
concurrency = $conc
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
    --seed "$seed" --port "$port" --telnet-port "$tport" \
    --known-hosts "$work/known_hosts" --store "$work/inv.sqlite" --out "$work/out" \
    --json --quiet >"$work/summary.json"
  end=$(date +%s%N)
  echo "walk took $(( (end - start) / 1000000 )) ms"
  stop_netsim
  python3 "$INTEROP_DIR/netwalker/compare_truth.py" "$work/truth.json" "$work/out/inventory.json" \
    "$work/summary.json" "$work/stats.json"
}
