#!/usr/bin/env bash
# The Python `vegehub` client (PyPI; what Home Assistant uses) driving our hub
# simulator on 127.0.0.1: MAC, setup on both firmware formats, actuators, update;
# the push that update triggers reaches `vegehub listen`, which maps its slots.
# Then our CLI reads what Python wrote, and our setup updates Python's endpoint in
# place instead of appending. Every connection must be closed at the end.
# Last, `vegehub selftest` on a pseudo-terminal answers its interactive prompts.
set -euo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
cd "$root"
py="${INTEROP_VENV:-$root/interop/.venv}/bin/python"
[ -x "$py" ] || { echo "interop: missing tool: $py (interop/setup builds it)" >&2; exit 1; }
"$py" -c 'import vegehub, aiohttp' || { echo "interop: the vegehub Python package is not installed" >&2; exit 1; }
cargo build -q -p vegehub
bin="${CARGO_TARGET_DIR:-$root/target}/debug/vegehub"

sim_pid=""
listen_pid=""
work="$(mktemp -d)"
cfgfile="$work/cfg.json"
cleanup() {
  if [ -n "$listen_pid" ] && kill -0 "$listen_pid" 2>/dev/null; then kill -INT "$listen_pid"; wait "$listen_pid" || true; fi
  rm -rf "$work"
  if [ -n "$sim_pid" ] && kill -0 "$sim_pid" 2>/dev/null; then kill -INT "$sim_pid"; wait "$sim_pid" || true; fi
}
trap cleanup EXIT

# start_sim ARGS... -> sets sim_pid, sim_addr; waits for the `ready` line itself.
start_sim() {
  coproc SIM { exec "$bin" sim --listen 127.0.0.1:0 "$@"; }
  sim_pid=$SIM_PID
  local line
  read -r -t 30 -u "${SIM[0]}" line || { echo "sim printed no ready line" >&2; exit 1; }
  [[ "$line" == ready* ]] || { echo "unexpected first line: $line" >&2; exit 1; }
  sim_addr="$(awk '{print $2}' <<<"$line")"
  sim_addr="${sim_addr#http://}"
  echo "sim: $line"
}

stop_sim() {
  kill -INT "$sim_pid"
  wait "$sim_pid" || { echo "sim exited non-zero" >&2; exit 1; }
  sim_pid=""
}

# The webhook receiver, as Home Assistant would be: one JSON line per push.
mkfifo "$work/pushes"
"$bin" listen --listen 127.0.0.1:0 --channels 4 --actuators 2 --battery --json >"$work/pushes" &
listen_pid=$!
exec {pushes}<"$work/pushes"
read -r -t 30 -u "$pushes" line || { echo "listener printed nothing" >&2; exit 1; }
[[ "$line" == "listening on http://"* ]] || { echo "unexpected listener line: $line" >&2; exit 1; }
hook="${line#listening on }/api/webhook/python"
echo "listener: $line"

for fw in legacy endpoints; do
  echo "== firmware $fw"
  start_sim --firmware "$fw" --channels 4 --actuators 2 --battery

  "$py" - "$sim_addr" "$fw" "$hook" <<'PY'
import asyncio, json, sys, urllib.request
from vegehub import VegeHub

addr, fw, url = sys.argv[1], sys.argv[2], sys.argv[3]

def sim_state():
    with urllib.request.urlopen(f"http://{addr}/_sim/state", timeout=5) as r:
        return json.load(r)

async def main():
    hub = VegeHub(addr)
    try:
        assert await hub.retrieve_mac_address(), "retrieve_mac_address failed"
        assert hub.mac_address == "7C9EBD4B49D8", hub.mac_address
        assert await hub.setup("PYKEY", url), "setup failed"
        # setup() re-reads info: the property accessors work from it.
        assert hub.num_sensors == 4 and hub.num_actuators == 2, hub.info
        assert hub.is_ac is False and hub.sw_version == "5.1.2", hub.info
        cfg = sim_state()["config"]
        if fw == "legacy":
            assert cfg["api_key"] == "PYKEY", cfg
            assert cfg["hub"]["server_url"] == url and cfg["hub"]["server_type"] == 3, cfg
        else:
            eps = cfg["endpoints"]
            mine = [e for e in eps if e["config"].get("url") == url]
            assert len(mine) == 1 and mine[0]["config"]["api_key"] == "PYKEY", eps
        # set_actuator(state, slot, duration)
        assert await hub.set_actuator(1, 1, 60)
        states = await hub.actuator_states()
        assert [a["state"] for a in states] == [0, 1], states
        assert sim_state()["actuators"] == [0, 1]
        assert await hub.set_actuator(0, 1, 0)
        states = await hub.actuator_states()
        assert all(a["state"] == 0 for a in states), states
        assert await hub.request_update()
    finally:
        await hub.close()
    print(f"python vegehub client: MAC, setup ({fw}), actuators, update ok")

asyncio.run(main())
PY

  # The push that request_update() triggered arrives at our listener, mapped.
  read -r -t 15 -u "$pushes" push || { echo "no push reached the listener" >&2; exit 1; }
  "$py" - "$push" <<'PY'
import json, sys
p = json.loads(sys.argv[1])
assert p["mac"] == "7C9EBD4B49D8", p
assert p["path"] == "/api/webhook/python", p
m = p["mapped"]
assert sorted(m) == ["actuator_0", "actuator_1", "analog_0", "analog_1", "analog_2", "analog_3", "battery"], m
assert m["actuator_0"] == 0 and m["actuator_1"] == 0 and m["battery"] > 9, m
assert p["latest_by_mac_slot"]["7c9ebd4b49d8_5"] == m["battery"], p
print("push mapped by vegehub listen:", m)
PY

  # Our CLI reads what the Python client wrote ...
  "$bin" config get --host "$sim_addr" --show-secrets >"$cfgfile" 2>/dev/null
  grep -q '"PYKEY"' "$cfgfile" || { echo "our client does not see Python's setup"; exit 1; }
  # ... and our setup updates that endpoint in place (same name) instead of appending.
  out="$(VEGEHUB_API_KEY=RUSTKEY "$bin" setup --host "$sim_addr" --server http://127.0.0.1:9/api/webhook/rust)"
  echo "$out"
  if [ "$fw" = endpoints ]; then
    grep -q "Updated { id: 2 }" <<<"$out" || { echo "expected an in-place update of Python's endpoint id 2"; exit 1; }
  else
    grep -q "Legacy" <<<"$out" || { echo "expected a legacy setup"; exit 1; }
  fi

  # Every client has gone: the sim must show zero open connections.
  "$py" - "$sim_addr" <<'PY'
import json, sys, urllib.request
with urllib.request.urlopen(f"http://{sys.argv[1]}/_sim/stats?wait_idle_ms=3000", timeout=10) as r:
    s = json.load(r)
print("sim stats:", s)
assert s["connections_open"] == 0, s
assert s["connections_opened"] == s["connections_closed"], s
assert s["requests"] >= 10, s
PY
  stop_sim
done
# `vegehub selftest` on a terminal (script(1) gives it a pty): it asks before the
# tests that change the hub, and runs what was accepted.
command -v script >/dev/null || { echo "interop: missing tool: script (bsdutils)" >&2; exit 1; }
start_sim --firmware endpoints --actuators 1
st="$(printf 'y\nn\n' | script -qec "$bin selftest --host $sim_addr" /dev/null | tr -d '\r')"
echo "$st"
grep -q "Run the actuator test?" <<<"$st" || { echo "no actuator prompt on a terminal"; exit 1; }
grep -q "^PASS  actuator control" <<<"$st" || { echo "accepted actuator test did not run"; exit 1; }
grep -q "^SKIP  setup" <<<"$st" || { echo "declined setup test ran"; exit 1; }
grep -q "^8 passed, 0 failed, 2 skipped$" <<<"$st" || { echo "unexpected selftest summary"; exit 1; }
stop_sim

kill -INT "$listen_pid"
wait "$listen_pid" || { echo "listener exited non-zero"; exit 1; }
listen_pid=""
echo "vegehub python interop: ok"
