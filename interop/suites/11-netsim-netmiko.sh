#!/usr/bin/env bash
# netmiko + ntc-templates (PyPI) against a generated 1,000-device netsim lab:
# login, paging off, enable, `show cdp neighbors detail` via TextFSM equals the
# topology; netsim's accounting then shows every session closed, none open.
. "$(dirname "$0")/../lib.sh"
need python3
python3 -c "import netmiko, ntc_templates" || { echo "netmiko/ntc-templates missing from the venv"; exit 1; }
build_bins -p netsim
work="$(mktemp -d)"
trap 'stop_netsim; rm -rf "$work"' EXIT

"$BIN/netsim" generate --devices 1000 --seed 42 --faults --base-ip 127.61.0.1 -o "$work/lab.toml"
start_netsim "$work/lab.toml" 4422 4523 "$work/stats.json"
python3 "$INTEROP_DIR/netsim/netmiko_cdp.py" "$work/lab.toml" 4422
stop_netsim
python3 - "$work/stats.json" <<'PY'
import json, sys
s = json.load(open(sys.argv[1]))
assert s["sessions_opened"] == 5, s["sessions_opened"]
assert s["sessions_open"] == 0, s["sessions_open"]
print("netsim accounting:", {k: s[k] for k in ("sessions_opened", "sessions_closed_gracefully", "sessions_dropped", "sessions_open")})
PY
