#!/usr/bin/env bash
# A real NetBox (PyPI's netbox, pinned in interop/netbox/requirements.txt) on
# Debian's PostgreSQL and Redis, each in a temp dir on a free 127.0.0.1 port:
# the harness `netwalker sync netbox` (issue #19) will be tested against.
# Through NetBox's REST API (interop/netbox/api_check.py): the status reports
# the pinned version; v2 `Bearer nbt_...` and legacy v1 `Token ...` tokens
# authenticate; tagged objects, two devices and their interfaces by bulk
# create, a cable between them read back from both ends; tag filtering,
# pagination, bulk update and delete.
# Then `netwalker sync netbox` (issue #19) on the same NetBox: a netsim lab
# walked and synced, NetBox read back (interop/netbox/sync_check.py:
# devices and serials, cables = links with both ends' interfaces, stacks as
# virtual chassis); a pre-existing untagged device with a lab device's name
# is reported as a conflict (exit 1) and never modified; a second sync
# changes nothing; NetBox's cable list in its web UI (logged in, headless
# Chromium) as a screenshot; netwalker's objects pruned, then NetBox
# crashed mid-sync: netwalker fails at once with a message naming NetBox,
# the URL, the step and the rerun (never the token), the rerun finishes the
# job, a third sync changes nothing and NetBox reads back exactly as after
# the sync without an outage (interop/netbox/readback.py); a device renamed
# in the lab, re-walked and re-synced is one update, no duplicate.
#
# The EXIT trap stops NetBox, Redis and PostgreSQL on every exit path.
# A cold run (no interop/.netbox-venv) builds the venv and migrates: minutes;
# later runs restore the migrated schema from the venv's cached pg_dump.
set -euo pipefail
. "$(dirname "$0")/../lib.sh"

apt_ensure postgresql redis-server libpq-dev
need python3 redis-server redis-cli

work="$(mktemp -d)"
# Parents must be searchable by the `postgres` user the cluster runs as.
chmod 711 "$work"
cleanup() {
  stop_netsim
  stop_netbox
  stop_redis
  stop_postgres
  rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

start=$SECONDS
start_postgres "$work/pg" "$(free_port)" netbox netbox
start_redis "$work/redis" "$(free_port)"
start_netbox "$work/netbox" "$(free_port)"
echo "postgres + redis + netbox up in $((SECONDS - start)) s"

want="$(sed -nE 's/^netbox==([^ #]+).*/\1/p' "$INTEROP_DIR/netbox/requirements.txt")"
[ -n "$want" ] || { echo "interop: no netbox==VERSION pin in interop/netbox/requirements.txt" >&2; exit 1; }
NETBOX_WANT_VERSION="$want" python3 "$INTEROP_DIR/netbox/api_check.py"
echo "netbox api: $((SECONDS - start)) s"

# --- netwalker sync netbox -------------------------------------------------
build_bins -p netsim -p netwalker
"$BIN/netsim" generate --devices 40 --seed 80 --base-ip 127.80.0.1 \
  -o "$work/lab.toml" --truth "$work/truth.json" >/dev/null
port="$(free_port)" tport="$(free_port)"
cat >"$work/netwalker.toml" <<TOML
concurrency = 32
host_key_policy = "accept-new"
store = "$work/inv.sqlite"
[netbox]
url = "$NETBOX_URL"
token_env = "NETBOX_TOKEN"
TOML
walk() {
  start_netsim "$work/lab.toml" "$port" "$tport" "$work/stats.json"
  NETWALKER_USERNAME=admin NETWALKER_PASSWORD=admin NETWALKER_ENABLE=admin \
    "$BIN/netwalker" --config "$work/netwalker.toml" discover --seed 127.80.0.1 \
    --port "$port" --telnet-port "$tport" --known-hosts "$work/known_hosts" \
    --out "$work/out" --quiet >/dev/null
  stop_netsim
}
# sync NAME [ARGS...]: runs the sync (output in $work/NAME.out); it must exit 1
# and report the untagged device's conflict (a `conflict: device ...` line,
# or the dry run's table row), and print the totals line.
sync() {
  local name="$1" rc=0
  shift
  "$BIN/netwalker" --config "$work/netwalker.toml" sync netbox "$@" >"$work/$name.out" 2>"$work/$name.err" || rc=$?
  if [ "$rc" != 1 ] || ! grep -qE '^(conflict: device |device +[^ ]+ +conflict )' "$work/$name.out"; then
    echo "netwalker sync netbox ($name): want exit 1 with the untagged device's conflict, got $rc" >&2
    cat "$work/$name.out" "$work/$name.err" >&2
    # NetBox's side of it: gunicorn's log (worker restarts, tracebacks)
    # and the last requests it answered.
    echo "--- gunicorn log, last 40 lines ($NETBOX_LOG)" >&2
    tail -n 40 "$NETBOX_LOG" >&2 || true
    echo "--- access log, last 10 lines" >&2
    tail -n 10 "$NETBOX_DIR/access.log" >&2 || true
    exit 1
  fi
  grep -E '^NetBox ' "$work/$name.out"
}
# outage_sync: netwalker's objects pruned (a sync of an inventory with no
# walked device, --prune), then a sync with NetBox crashed under it once
# the first bulk write of interfaces is answered: netwalker exits 1 at once
# (well within its --timeout), its message names NetBox, the URL, the step
# and says to rerun, never the token; NetBox served again, a rerun
# finishes the job and a third sync changes nothing.
# interfaces_written_since BYTES: NetBox's access log, past its first BYTES,
# has a bulk create of interfaces answered 201.
interfaces_written_since() {
  tail -c +"$(($1 + 1))" "$NETBOX_DIR/access.log" | grep -q '"POST /api/dcim/interfaces/ HTTP/1.1" 201'
}
outage_sync() {
  local rc=0 pid t0 took secret logsize
  # An inventory with no walked device: the seed answers nothing.
  NETWALKER_USERNAME=admin NETWALKER_PASSWORD=admin "$BIN/netwalker" --config "$work/netwalker.toml" \
    discover --seed 127.80.0.1 --port "$(free_port)" --telnet-port "$(free_port)" --known-hosts "$work/known_hosts" \
    --store "$work/empty.sqlite" --out "$work/empty-out" --quiet >"$work/empty.out" 2>&1 \
    || { echo "the walk of nothing failed" >&2; cat "$work/empty.out" >&2; exit 1; }
  "$BIN/netwalker" --config "$work/netwalker.toml" sync netbox --store "$work/empty.sqlite" --prune \
    >"$work/prune.out" 2>"$work/prune.err" || rc=$?
  if [ "$rc" != 0 ] || ! grep -qE 'create 0, update 0, .* delete [1-9][0-9]*; [1-9][0-9]* change' "$work/prune.out"; then
    echo "the prune of an empty inventory failed (exit $rc)" >&2; cat "$work/prune.out" "$work/prune.err" >&2; exit 1
  fi
  grep -E '^NetBox ' "$work/prune.out"
  python3 "$INTEROP_DIR/netbox/readback.py" dump "$work/readback-pruned.json"
  python3 - "$work/readback-pruned.json" <<'PY'
import json, sys
left = {k: len(v) for k, v in json.load(open(sys.argv[1])).items() if v}
assert not left, f"tagged objects left after the prune: {left}"
PY
  # The sync, and NetBox crashed once a bulk write of interfaces was answered
  # (an access log line after the ones already there).
  logsize=$(stat -c %s "$NETBOX_DIR/access.log")
  "$BIN/netwalker" --config "$work/netwalker.toml" sync netbox --timeout 20s \
    >"$work/outage.out" 2>"$work/outage.err" &
  pid=$!
  wait_until 600 "the first bulk write of interfaces answered" "$work/outage.err" "$pid" \
    interfaces_written_since "$logsize"
  t0=$(date +%s%N)
  outage_netbox
  rc=0
  wait "$pid" || rc=$?
  took=$(( ($(date +%s%N) - t0) / 1000000 ))
  echo "outage: NetBox crashed while netwalker was writing; netwalker exited $rc after $took ms:"
  sed 's/^/  | /' "$work/outage.err" | tail -n 3
  [ "$rc" = 1 ] || { echo "netwalker sync netbox exited $rc after the outage, not 1" >&2; exit 1; }
  [ "$took" -lt 30000 ] || { echo "netwalker took $took ms to give up (--timeout 20s)" >&2; exit 1; }
  for want in "netwalker: error: NetBox at $NETBOX_URL did not answer while " \
    'change(s) were written before that' 'rerun the same `netwalker sync netbox`'; do
    grep -qF "$want" "$work/outage.err" || { echo "the outage message lacks: $want" >&2; exit 1; }
  done
  grep -qE 'did not answer while (creating|updating|setting|deleting|moving) ' "$work/outage.err" \
    || { echo "the outage message does not say what was being written" >&2; exit 1; }
  secret="${NETBOX_TOKEN#*.}"
  if grep -qF -e "$NETBOX_TOKEN" -e "$secret" "$work/outage.out" "$work/outage.err"; then
    echo "the token is in netwalker's output" >&2; exit 1
  fi
  resume_netbox
  sync rerun
  grep -qE 'create [1-9][0-9]*, ' "$work/rerun.out" || { echo "the rerun had nothing left to do: the outage came too late" >&2; exit 1; }
  sync third
  unchanged third
}

walk
# Names: a walked access switch to rename, another for the untagged twin.
read -r rename twin < <(python3 - "$work/out/inventory.json" <<'PY'
import json, sys
inv = json.load(open(sys.argv[1]))
acc = [d["hostname"] for d in inv["devices"] if d["status"] == "walked" and d["hostname"].startswith("acc") and len(d["stack_members"]) <= 1]
print(acc[0], acc[1])
PY
)
# A device someone else made, with the name of a lab device, no tag.
python3 - "$twin" <<'PY'
import json, os, sys, urllib.request
url, token = os.environ["NETBOX_URL"], os.environ["NETBOX_TOKEN"]
def call(method, path, body=None):
    req = urllib.request.Request(url + path, data=None if body is None else json.dumps(body).encode(), method=method,
                                 headers={"Authorization": "Bearer " + token, "Content-Type": "application/json", "Accept": "application/json"})
    with urllib.request.urlopen(req, timeout=30) as r:
        return json.load(r)
first = lambda p: call("GET", p)["results"][0]["id"]
call("POST", "/api/dcim/devices/", {"name": sys.argv[1], "serial": "NOT-OURS-1", "status": "planned",
     "device_type": first("/api/dcim/device-types/?slug=ws-c3750g-24ps"), "role": first("/api/dcim/device-roles/?slug=switch"),
     "site": first("/api/dcim/sites/?slug=lab")})
PY
t0=$SECONDS
sync dry --dry-run
sync first
echo "first sync of the $(grep -c '"hostname"' "$work/out/inventory.json")-device inventory: $((SECONDS - t0)) s; its phases:"
grep -E '^netwalker sync netbox: \[' "$work/first.err" | sed 's/^netwalker sync netbox: /  /'
python3 "$INTEROP_DIR/netbox/sync_check.py" "$work/out/inventory.json" --untagged "$twin"
sync second
unchanged() {
  grep -q 'create 0, update 0, unchanged [0-9]*, conflict 1, skip [0-9]*, delete 0; 0 change' "$work/$1.out" \
    || { echo "a $1 sync of an unchanged inventory made changes" >&2; cat "$work/$1.out" >&2; exit 1; }
}
unchanged second

# --- the cable list in NetBox's web UI ---------------------------------------
shots=()
if [ "${UPDATE_SCREENSHOTS:-}" = 1 ]; then
  mkdir -p "$ROOT/docs/screenshots"
  shots=("$ROOT/docs/screenshots")
fi
py="${INTEROP_VENV:-$INTEROP_DIR/.venv}/bin/python"
need chromium
"$py" "$INTEROP_DIR/netbox/screenshot.py" "$work" "${shots[@]}"
[ -s "$work/netbox-cables.png" ] || { echo "screenshot netbox-cables.png missing" >&2; exit 1; }
[ ${#shots[@]} -eq 0 ] || echo "screenshot copied to ${shots[0]}/netbox-cables.png"

# --- an outage mid-sync, and the rerun that finishes the job -----------------
python3 "$INTEROP_DIR/netbox/readback.py" dump "$work/readback-synced.json"
outage_sync
python3 "$INTEROP_DIR/netbox/readback.py" dump "$work/readback-rerun.json"
python3 "$INTEROP_DIR/netbox/readback.py" same "$work/readback-synced.json" "$work/readback-rerun.json"
# Rename a device in the lab (its hostname and its links' ends), re-walk, resync.
python3 - "$work/lab.toml" "$rename" <<'PY'
import sys
path, old = sys.argv[1], sys.argv[2]
text = open(path).read()
open(path, "w").write(text.replace(f'"{old}"', f'"{old}-renamed"'))
PY
walk
sync renamed
grep -q 'create 0, update 1, unchanged [0-9]*, conflict 1, skip [0-9]*, delete 0; 1 change' "$work/renamed.out" \
  || { echo "the rename was not exactly one update" >&2; cat "$work/renamed.out" >&2; exit 1; }
python3 "$INTEROP_DIR/netbox/sync_check.py" "$work/out/inventory.json" --untagged "$twin" --renamed "$rename" "$rename-renamed"
echo "netbox suite: $((SECONDS - start)) s"
