#!/usr/bin/env bash
# netwalker walks real Debian hosts: three network namespaces, each with its
# own hostname (UTS namespace), its own /run (mount namespace), Debian's
# lldpd speaking real LLDP frames on veth "data" links (h1 - h2 - h3) and
# OpenSSH on a management bridge. netwalker runs in a fourth namespace on
# that bridge and logs in as an ordinary user, whose login PATH lacks
# /usr/sbin where Debian installs lldpcli.
#
# Checks: every host walked once, both LLDP links found from real lldpd
# output, and the honest warnings: a user who may not run lldpcli (Debian
# makes it setuid _lldpd, executable by group adm) is told so, a host whose
# lldpd is stopped says so, and an unreadable DMI serial is a warning,
# never a bogus serial. Needs root.
set -euo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
cd "$root"
for tool in ip unshare nsenter /usr/sbin/lldpd /usr/sbin/lldpcli /usr/sbin/sshd ssh-keygen useradd chpasswd python3; do
  command -v "$tool" >/dev/null || { echo "interop: missing tool: $tool" >&2; exit 1; }
done
cargo build -q -p netwalker
bin="${CARGO_TARGET_DIR:-$root/target}/debug/netwalker"

tag="lw$$"
ns_nw="${tag}-nw"
hosts=(h1 h2 h3)
work="$(mktemp -d)"
chmod 0755 "$work"
declare -A host_pid
# Debian's lldpcli is setuid _lldpd and executable by group adm only.
user_ok="nwlldp"     # in adm: may run lldpcli
user_plain="nwplain" # not: "Permission denied"
cleanup() {
  for h in "${hosts[@]}"; do
    p="${host_pid[$h]:-}"
    if [ -n "$p" ]; then kill "$p" 2>/dev/null || true; fi
  done
  for h in "${hosts[@]}"; do
    p="${host_pid[$h]:-}"
    if [ -n "$p" ]; then wait "$p" 2>/dev/null || true; fi
    # lldpd's privilege-separated child outlives nothing: its namespace goes.
    ip netns pids "${tag}-$h" 2>/dev/null | xargs -r kill 2>/dev/null || true
    ip netns del "${tag}-$h" 2>/dev/null || true
  done
  ip netns del "$ns_nw" 2>/dev/null || true
  userdel -r "$user_ok" >/dev/null 2>&1 || true
  userdel -r "$user_plain" >/dev/null 2>&1 || true
  rm -rf "$work"
}
trap cleanup EXIT

# Users: a password each, bash login shells with Debian's default PATH.
password="nw-$(head -c 12 /dev/urandom | od -An -tx1 | tr -d ' \n')"
for u in "$user_ok" "$user_plain"; do
  userdel -r "$u" >/dev/null 2>&1 || true
  useradd -m -s /bin/bash "$u"
  echo "$u:$password" | chpasswd
done
usermod -aG adm "$user_ok"

# The management bridge lives in netwalker's namespace.
ip netns add "$ns_nw"
ip -n "$ns_nw" link set lo up
ip -n "$ns_nw" link add br0 type bridge
ip -n "$ns_nw" addr add 10.232.0.100/24 dev br0
ip -n "$ns_nw" link set br0 up

ssh-keygen -q -t ed25519 -N '' -f "$work/host_ed25519"
n=0
for h in "${hosts[@]}"; do
  n=$((n + 1))
  ns="${tag}-$h"
  ip netns add "$ns"
  ip -n "$ns" link set lo up
  ip link add "${tag}m$n" type veth peer name "${tag}M$n"
  ip link set "${tag}m$n" netns "$ns"
  ip -n "$ns" link set "${tag}m$n" name mgmt0
  ip -n "$ns" addr add "10.232.0.$n/24" dev mgmt0
  ip -n "$ns" link set mgmt0 up
  ip link set "${tag}M$n" netns "$ns_nw"
  ip -n "$ns_nw" link set "${tag}M$n" master br0 up
  cat >"$work/sshd_$h" <<CFG
ListenAddress 10.232.0.$n
Port 22
HostKey $work/host_ed25519
PidFile none
PasswordAuthentication yes
KbdInteractiveAuthentication no
UsePAM no
AllowUsers $user_ok $user_plain
PrintMotd no
LogLevel ERROR
CFG
done

# Data links carry LLDP: h1:data0 - h2:data0, h2:data1 - h3:data0.
data_link() { # nsA ifA nsB ifB
  local a="${tag}x$RANDOM" b="${tag}y$RANDOM"
  ip link add "$a" type veth peer name "$b"
  ip link set "$a" netns "${tag}-$1"
  ip link set "$b" netns "${tag}-$3"
  ip -n "${tag}-$1" link set "$a" name "$2"
  ip -n "${tag}-$3" link set "$b" name "$4"
  ip -n "${tag}-$1" link set "$2" up
  ip -n "${tag}-$3" link set "$4" up
}
data_link h1 data0 h2 data0
data_link h2 data1 h3 data0

# Each host: its own hostname and /run (so lldpd's socket and sshd's
# privsep dir are its own), lldpd on the data links advertising the
# management address, then sshd in the foreground.
n=0
for h in "${hosts[@]}"; do
  n=$((n + 1))
  ip netns exec "${tag}-$h" unshare --mount --uts sh -c "
    set -e
    hostname $h
    mount -t tmpfs -o mode=0755 tmpfs /run
    mkdir -p /run/sshd /run/lldpd
    /usr/sbin/lldpd -d -I 'data*' -m 10.232.0.$n -O /dev/null 2>$work/lldpd_$h.log &
    exec /usr/sbin/sshd -D -e -f $work/sshd_$h 2>$work/sshd_$h.log
  " &
  host_pid[$h]=$!
done

in_host() { # host cmd... : run inside that host's namespaces
  nsenter -t "${host_pid[$1]}" -n -m -u -- "${@:2}"
}

# Every host's lldpd afresh: now and then (two runs in five on one day) a
# freshly started lldpd sends but never receives (its neighbours learn it,
# it learns no one, `lldpcli update` does not help); a new instance does.
restart_lldpd() {
  local h p n=0
  for h in "${hosts[@]}"; do
    for p in $(ip netns pids "${tag}-$h"); do
      [ "$(cat "/proc/$p/comm" 2>/dev/null)" = lldpd ] && kill "$p" 2>/dev/null || true
    done
  done
  for _ in $(seq 1 50); do
    pgrep -x lldpd >/dev/null || break
    read -rt 0.1 <> <(:) || true # sleep-ok: 100 ms between checks that the old lldpd exited
  done
  for h in "${hosts[@]}"; do
    n=$((n + 1))
    echo "interop: restarting lldpd on $h" | tee -a "$work/lldpd_$h.log"
    in_host "$h" /usr/sbin/lldpd -d -I 'data*' -m "10.232.0.$n" -O /dev/null 2>>"$work/lldpd_$h.log" &
  done
}

# Wait (bounded) until lldpd on each host has learned its LLDP neighbours.
want_neighbours() { # host count
  local out
  # Up to ~60 s. A neighbour's first frame can go out before this host's
  # lldpd listens, and its next one only a tx-interval (30 s) later: so
  # every poll asks every host's lldpd to send now (`lldpcli update`), not
  # only this one's (asking this host alone missed its neighbour for 60 s
  # in CI).
  local h i
  for i in $(seq 1 300); do
    out="$(in_host "$1" /usr/sbin/lldpcli -f keyvalue show neighbors 2>/dev/null || true)"
    if [ "$(grep -c '\.chassis\.name=' <<<"$out")" -ge "$2" ]; then return 0; fi
    # 20 s and 40 s without its neighbours: a stuck receiver (above).
    if [ "$i" = 100 ] || [ "$i" = 200 ]; then restart_lldpd; fi
    for h in "${hosts[@]}"; do
      in_host "$h" /usr/sbin/lldpcli update >/dev/null 2>&1 || true
    done
    read -rt 0.2 <> <(:) || true # 200 ms between polls of a third-party daemon
  done
  echo "lldpd on $1 did not learn $2 neighbour(s); every host's lldpd log, interfaces and neighbours:" >&2
  for h in "${hosts[@]}"; do
    echo "== $h" >&2
    cat "$work/lldpd_$h.log" >&2
    in_host "$h" /usr/sbin/lldpcli show interfaces >&2 2>&1 || true
    in_host "$h" /usr/sbin/lldpcli show neighbors >&2 2>&1 || true
  done
  return 1
}
want_neighbours h1 1
want_neighbours h2 2
want_neighbours h3 1
for h in "${hosts[@]}"; do
  ip netns exec "$ns_nw" bash -c "exec 3<>/dev/tcp/10.232.0.${h#h}/22" || { echo "sshd on $h is not listening" >&2; cat "$work/sshd_$h.log" >&2; exit 1; }
done
ls -l "/proc/${host_pid[h1]}/root/run/lldpd.socket" >/dev/null 2>&1 || true

walk() { # user out-dir seeds...
  local user="$1" out="$2"
  shift 2
  ip netns exec "$ns_nw" env NW_PW="$password" HOME="$work" "$bin" discover \
    --username "$user" --password-env NW_PW --host-key-policy accept-any --no-telnet \
    --store "$out/inv.sqlite" --out "$out" --json --quiet --deadline 60s "$@"
}

# 1. The user in adm walks from h1 and finds h2 and h3 through LLDP.
mkdir -p "$work/ok"
walk "$user_ok" "$work/ok" --seed 10.232.0.1 >"$work/ok/summary.json"
python3 - "$work/ok" <<'PY'
import json, sys
out = sys.argv[1]
inv = json.load(open(f"{out}/inventory.json"))
summary = json.load(open(f"{out}/summary.json"))
dev = {d["hostname"]: d for d in inv["devices"]}
for h in ("h1", "h2", "h3"):
    assert h in dev, f"{h} missing: {sorted(dev)}"
    d = dev[h]
    assert d["status"] == "walked", (h, d["status"], d["reason"])
    assert d["mgmt_ip"] == f"10.232.0.{h[1]}", (h, d["mgmt_ip"])
    assert d["version"] and "Debian" in d["version"], (h, d["version"])
    # The DMI serial is root-only: a warning, never "cat: ...: Permission denied" as a serial.
    assert d["serial"] is None or "denied" not in d["serial"], (h, d["serial"])
    lldp = [w for w in d["warnings"] if "lldpcli" in w]
    assert not lldp, (h, d["warnings"])
links = {tuple(sorted([(l["a"], l["a_interface"]), (l["b"], l["b_interface"])])) for l in inv["links"]}
want = {
    (("h1", "data0"), ("h2", "data0")),
    (("h2", "data1"), ("h3", "data0")),
}
assert links == want, links
assert all(l["protocols"] == ["lldp"] for l in inv["links"]), inv["links"]
assert summary["counts"]["walked"] == 3, summary["counts"]
assert summary["sessions_open_at_exit"] == 0, summary
print("walk as an adm member: 3 hosts walked, 2 LLDP links:", sorted(links))
PY

# 2. A user outside adm: the walk says why it saw no neighbours.
mkdir -p "$work/plain"
walk "$user_plain" "$work/plain" --seed 10.232.0.3 >"$work/plain/summary.json"
python3 - "$work/plain" <<'PY'
import json, sys
out = sys.argv[1]
inv = json.load(open(f"{out}/inventory.json"))
summary = json.load(open(f"{out}/summary.json"))
h3 = next(d for d in inv["devices"] if d["hostname"] == "h3")
assert h3["status"] == "walked", h3
assert any("may not run lldpcli" in w and "adm" in w for w in h3["warnings"]), h3["warnings"]
assert summary["devices_with_warnings"] >= 1, summary
print("walk outside adm: warned:", h3["warnings"])
PY

# 3. lldpd stopped on h2: its walk warns that lldpd is unreachable.
in_host h2 pkill -x lldpd || true
for _ in $(seq 1 50); do
  in_host h2 pgrep -x lldpd >/dev/null || break
  read -rt 0.1 <> <(:) || true # 100 ms: waiting for a third-party daemon to exit
done
mkdir -p "$work/stopped"
walk "$user_ok" "$work/stopped" --seed 10.232.0.2 --max-depth 0 >"$work/stopped/summary.json"
python3 - "$work/stopped" <<'PY'
import json, sys
inv = json.load(open(f"{sys.argv[1]}/inventory.json"))
h2 = next(d for d in inv["devices"] if d["hostname"] == "h2")
assert h2["status"] == "walked", h2
assert any("could not reach lldpd (is lldpd running?)" in w for w in h2["warnings"]), h2["warnings"]
print("walk with lldpd stopped: warned:", h2["warnings"])
PY
echo "netwalker lldpd interop: ok"
