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

# apt_ensure PKG...: installs the Debian packages that are missing (one
# apt-get update, then apt-get install); quiet when all are there.
apt_ensure() {
  local p missing=()
  for p in "$@"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
  done
  [ ${#missing[@]} -eq 0 ] && return 0
  echo "interop: installing Debian packages: ${missing[*]}"
  DEBIAN_FRONTEND=noninteractive apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
}

# free_port: a TCP port on 127.0.0.1 that nothing listens on right now.
free_port() {
  python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()'
}

# rand_hex BYTES: BYTES random bytes as hex (passwords, keys; never printed).
rand_hex() {
  od -An -N"$1" -tx1 /dev/urandom | tr -d ' \n'
}

# show_log WHY LOG: says why something failed on stderr, with LOG's last lines.
show_log() {
  echo "interop: $1 (log: $2)" >&2
  if [ -f "$2" ]; then tail -n 40 "$2" | sed 's/^/  | /' >&2; fi
}

# show_test_failures LOG: each panic in a `cargo test` log with the lines
# after it (the assertion's message and its context), then the names of the
# failed tests, on stderr. show_log's tail alone can miss the first panic
# when a later one (a JoinError re-raising it) fills the last lines.
show_test_failures() {
  [ -f "$1" ] || return 0
  grep -n -A 20 "panicked at" "$1" | head -n 200 | sed 's/^/  | /' >&2 || true
  sed -n '/^failures:$/,$p' "$1" | grep -E "^    " | sed 's/^/  failed: /' >&2 || true
}

# wait_until SECONDS WHAT LOG PID CMD...: runs CMD (output discarded) every
# 100 ms until it succeeds. Fails, naming WHAT and showing LOG, after SECONDS,
# or as soon as PID (when not empty) has exited.
wait_until() {
  local secs="$1" what="$2" log="$3" pid="$4" end
  shift 4
  end=$((SECONDS + secs))
  while [ "$SECONDS" -lt "$end" ]; do
    if "$@" >/dev/null 2>&1; then return 0; fi
    if [ -n "$pid" ] && ! kill -0 "$pid" 2>/dev/null; then
      show_log "$what: the process exited" "$log"
      return 1
    fi
    read -rt 0.1 <> <(:) || true   # 100 ms wait without spawning sleep(1)
  done
  show_log "$what: not within $secs s" "$log"
  return 1
}

# stop_pid PID [SECONDS [SIGNAL]]: SIGNAL (default TERM), up to SECONDS
# (default 10) for it to go, then SIGKILL; reaps it when it is our child.
# Never fails.
stop_pid() {
  local pid="$1" secs="${2:-10}" sig="${3:-TERM}" end
  [ -n "$pid" ] || return 0
  kill -"$sig" "$pid" 2>/dev/null || { wait "$pid" 2>/dev/null || true; return 0; }
  end=$((SECONDS + secs))
  while [ "$SECONDS" -lt "$end" ] && kill -0 "$pid" 2>/dev/null; do
    read -rt 0.1 <> <(:) || true   # 100 ms wait without spawning sleep(1)
  done
  if kill -KILL "$pid" 2>/dev/null; then
    echo "interop: pid $pid did not stop within $secs s of SIG$sig; killed" >&2
  fi
  wait "$pid" 2>/dev/null || true
}

# Servers a suite can start in a temp dir on a loopback port (each start_X
# has a stop_X that a suite's EXIT trap calls): PostgreSQL, Redis, NetBox.
. "$INTEROP_DIR/servers/postgres.sh"
. "$INTEROP_DIR/servers/redis.sh"
. "$INTEROP_DIR/servers/netbox.sh"

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
