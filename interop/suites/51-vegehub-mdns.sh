#!/usr/bin/env bash
# mDNS discovery across a veth link between two network namespaces this suite
# creates (loopback in the root namespace has no multicast): the simulator
# advertises _vege._tcp.local. in one, `vegehub discover` finds it from the
# other, and `vegehub selftest` (no --host) discovers it and passes.
set -euo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
cd "$root"
command -v ip >/dev/null || { echo "interop: missing tool: ip (iproute2)" >&2; exit 1; }
cargo build -q -p vegehub
bin="${CARGO_TARGET_DIR:-$root/target}/debug/vegehub"

tag="vh$$"
ns_hub="${tag}-hub"
ns_cli="${tag}-cli"
sim_pid=""
cleanup() {
  if [ -n "$sim_pid" ] && kill -0 "$sim_pid" 2>/dev/null; then kill -INT "$sim_pid"; wait "$sim_pid" || true; fi
  ip netns del "$ns_hub" 2>/dev/null || true
  ip netns del "$ns_cli" 2>/dev/null || true
}
trap cleanup EXIT

# Two namespaces joined by a veth pair; addresses exist only inside them.
ip netns add "$ns_hub"
ip netns add "$ns_cli"
ip link add "${tag}a" type veth peer name "${tag}b"
ip link set "${tag}a" netns "$ns_hub"
ip link set "${tag}b" netns "$ns_cli"
ip -n "$ns_hub" addr add 10.231.0.1/24 dev "${tag}a"
ip -n "$ns_cli" addr add 10.231.0.2/24 dev "${tag}b"
for ns in "$ns_hub" "$ns_cli"; do
  ip -n "$ns" link set lo up
done
ip -n "$ns_hub" link set "${tag}a" up multicast on
ip -n "$ns_cli" link set "${tag}b" up multicast on

coproc SIM { exec ip netns exec "$ns_hub" "$bin" sim --listen 10.231.0.1:8080 --mdns Vege_49_D8 --actuators 1; }
sim_pid=$SIM_PID
read -r -t 30 -u "${SIM[0]}" line || { echo "sim printed no ready line" >&2; exit 1; }
echo "sim: $line"
[[ "$line" == ready* ]] || exit 1

out="$(ip netns exec "$ns_cli" "$bin" discover --wait 5)"
echo "discover: $out"
grep -q "^Vege_49_D8	10.231.0.1:8080	" <<<"$out" || { echo "discover did not find the simulator"; exit 1; }
grep -q "type=hub" <<<"$out" || { echo "TXT properties missing"; exit 1; }

json="$(ip netns exec "$ns_cli" "$bin" discover --wait 3 --json)"
grep -q '"port": 8080' <<<"$json" || { echo "JSON discovery lacks the port: $json"; exit 1; }

# The self-test's own discovery path, end to end, without --host.
st="$(ip netns exec "$ns_cli" "$bin" selftest --yes --actuators --discover-wait 5)"
echo "$st"
[ "$(tail -n1 <<<"$st")" = "8 passed, 0 failed, 2 skipped" ] || { echo "selftest over discovery did not pass"; exit 1; }
grep -q "^PASS  address .*http://10.231.0.1:8080" <<<"$st" || { echo "selftest did not use the discovered address"; exit 1; }

# The library: found, stopped early at the first hub, no daemon thread left.
cargo test -q -p vegehub --test discovery --no-run
ip netns exec "$ns_cli" env VEGEHUB_EXPECT_INSTANCE=Vege_49_D8 VEGEHUB_EXPECT_ADDR=10.231.0.1:8080 \
  cargo test -q -p vegehub --test discovery -- --ignored

kill -INT "$sim_pid"
wait "$sim_pid" || { echo "sim exited non-zero"; exit 1; }
sim_pid=""
echo "vegehub mDNS interop: ok"
