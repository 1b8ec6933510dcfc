#!/usr/bin/env bash
# netsim against the system OpenSSH client and the telnet client: prompts,
# paging, unknown commands, exit, and the server's accounting of each ending.
. "$(dirname "$0")/../lib.sh"
need ssh sshpass expect telnet python3
build_bins -p netsim
work="$(mktemp -d)"
trap 'stop_netsim; rm -rf "$work"' EXIT

"$BIN/netsim" generate --devices 60 --seed 5 --faults --base-ip 127.60.0.1 -o "$work/lab.toml" --truth "$work/truth.json"
start_netsim "$work/lab.toml" 4222 4323 "$work/stats.json"

# A healthy IOS access switch without an enable secret, and the auth_fail device.
read -r IOS_HOST IOS_IP BAD_IP < <(python3 - "$work/lab.toml" <<'PY'
import sys, tomllib
devs = tomllib.load(open(sys.argv[1], "rb"))["device"]
ios = next(d for d in devs if d["platform"] == "cisco_ios" and d.get("role") == "access"
           and "fault" not in d and "enable_secret" not in d and d["transports"] == "both")
bad = next(d for d in devs if d.get("fault") == "auth_fail")
print(ios["hostname"], ios["mgmt_ip"], bad["mgmt_ip"])
PY
)
export SSH_PORT=4222 TELNET_PORT=4323 IOS_HOST IOS_IP BAD_IP
expect "$INTEROP_DIR/netsim/openssh.exp"

# Piped, non-interactive ssh -tt (how scripts use it): output must arrive whole.
out="$( (printf 'terminal length 0\nshow vlan brief\nexit\n'; read -rt 3 <> <(:) || true) \
  | sshpass -p admin ssh -tt -o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null -o LogLevel=ERROR -p 4222 "admin@$IOS_IP" 2>&1 || true)"
grep -q "PARKING" <<<"$out" || { echo "piped ssh lost output:"; echo "$out"; exit 1; }

# The auth_fail device rejects the password; sshpass reports it (exit 5).
set +e
sshpass -p admin ssh -o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null -o LogLevel=ERROR \
  -o NumberOfPasswordPrompts=2 -p 4222 "admin@$BAD_IP" true
rc=$?
set -e
[ "$rc" -eq 5 ] || { echo "expected sshpass exit 5 (wrong password) from auth_fail device, got $rc"; exit 1; }

stop_netsim
python3 - "$work/stats.json" "$IOS_HOST" <<'PY'
import json, sys
s = json.load(open(sys.argv[1]))
nx, ios = s["devices"]["core1"], s["devices"][sys.argv[2]]
# core1: ssh exit (graceful) + ssh client killed (dropped).
# IOS switch: telnet exit (graceful) + piped ssh exit (graceful).
assert nx == {"sessions_opened": 2, "sessions_closed_gracefully": 1, "sessions_dropped": 1, "sessions_open": 0}, nx
assert ios == {"sessions_opened": 2, "sessions_closed_gracefully": 2, "sessions_dropped": 0, "sessions_open": 0}, ios
assert s["sessions_open"] == 0, s
print("accounting ok:", {k: s[k] for k in ("sessions_opened", "sessions_closed_gracefully", "sessions_dropped", "sessions_open")})
PY
