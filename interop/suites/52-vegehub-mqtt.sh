#!/usr/bin/env bash
# `vegehub bridge` against Debian's mosquitto broker and real clients: the hub
# simulator pushes -> paho-mqtt (a persistent-session observer) sees the Home
# Assistant discovery configs, retained, and the state values, exactly; a
# command on an actuator's topic switches the simulated actuator; Home
# Assistant's birth message brings the configs again; the broker
# is stopped and restarted mid-stream and the readings pushed meanwhile arrive,
# in order; /metrics is parsed by Python prometheus_client's parsers; SIGTERM
# publishes `offline` and exits 0 in time without a word; a killed bridge
# leaves `offline` through its last will.
#
# The broker runs on a free 127.0.0.1 port with its own config and persistence
# in a temp dir. The Python below starts and stops every process and records
# their pids in $work/pids; the trap stops whatever is left on any exit path.
set -euo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
cd "$root"
py="${INTEROP_VENV:-$root/interop/.venv}/bin/python"
[ -x "$py" ] || { echo "interop: missing tool: $py (interop/setup builds it)" >&2; exit 1; }
"$py" -c 'import paho.mqtt.client, prometheus_client.parser, prometheus_client.openmetrics.parser' \
  || { echo "interop: paho-mqtt or prometheus_client is not installed (interop/requirements.txt)" >&2; exit 1; }
for t in mosquitto mosquitto_sub; do
  command -v "$t" >/dev/null 2>&1 || { echo "interop: missing tool: $t (interop/apt-packages.txt)" >&2; exit 1; }
done
cargo build -q -p vegehub
bin="${CARGO_TARGET_DIR:-$root/target}/debug/vegehub"

work="$(mktemp -d)"
mkdir "$work/pids"
cleanup() {
  local f pid
  for f in "$work"/pids/*; do
    [ -e "$f" ] || continue
    pid="$(cat "$f")"
    kill -TERM "$pid" 2>/dev/null || continue
    for _ in $(seq 1 50); do
      kill -0 "$pid" 2>/dev/null || break
      read -rt 0.1 <> <(:) || true   # 100 ms wait without spawning sleep(1)
    done
    kill -KILL "$pid" 2>/dev/null || true
  done
  rm -rf "$work"
}
trap cleanup EXIT

VEGEHUB_BIN="$bin" WORK="$work" "$py" - <<'PY'
import json, os, signal, socket, subprocess, threading, time, urllib.request
import paho.mqtt.client as mqtt
from prometheus_client.openmetrics.parser import text_string_to_metric_families as om_parse
from prometheus_client.parser import text_string_to_metric_families as prom_parse

BIN, WORK = os.environ["VEGEHUB_BIN"], os.environ["WORK"]
MAC = "7C9EBD4B49D8"
KEY = "INTEROPKEY"
procs = {}

def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]

def track(name, p):
    procs[name] = p
    with open(f"{WORK}/pids/{name}", "w") as f:
        f.write(str(p.pid))

def untrack(name):
    procs.pop(name, None)
    try:
        os.remove(f"{WORK}/pids/{name}")
    except FileNotFoundError:
        pass

def wait_for(what, cond, timeout=15.0):
    end = time.monotonic() + timeout
    while True:
        v = cond()
        if v:
            return v
        if time.monotonic() > end:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.05)

# ---- the broker
PORT = free_port()
conf = f"{WORK}/mosquitto.conf"
os.makedirs(f"{WORK}/mosq")
with open(conf, "w") as f:
    f.write(f"""listener {PORT} 127.0.0.1
allow_anonymous true
persistence true
persistence_location {WORK}/mosq/
log_dest file {WORK}/mosquitto.log
user {os.environ.get("USER") or subprocess.run(["id", "-un"], capture_output=True, text=True).stdout.strip()}
""")

def broker_up():
    p = subprocess.Popen(["mosquitto", "-c", conf], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    track("mosquitto", p)
    def accepting():
        if p.poll() is not None:
            raise AssertionError(f"mosquitto exited: {open(f'{WORK}/mosquitto.log').read()}")
        try:
            socket.create_connection(("127.0.0.1", PORT), timeout=0.5).close()
            return True
        except OSError:
            return False
    wait_for("mosquitto to accept", accepting)

def broker_down():
    p = procs["mosquitto"]
    p.send_signal(signal.SIGTERM)
    assert p.wait(timeout=10) == 0, "mosquitto exited non-zero"
    untrack("mosquitto")

# ---- an observer with a persistent session: the broker queues for it while it is away
class Observer:
    def __init__(self):
        self.lock = threading.Lock()
        self.msgs = []
        self.c = mqtt.Client(mqtt.CallbackAPIVersion.VERSION2, client_id="interop-observer", clean_session=False)
        self.c.on_connect = lambda c, u, flags, rc, props: c.subscribe([("homeassistant/#", 1), ("vegehub/#", 1)])
        self.c.on_message = self.on_message
        self.c.reconnect_delay_set(min_delay=1, max_delay=1)
        self.c.connect("127.0.0.1", PORT)
        self.c.loop_start()
    def on_message(self, c, u, m):
        with self.lock:
            self.msgs.append((m.topic, m.payload.decode(), m.retain))
    def payloads(self, topic):
        with self.lock:
            return [p for t, p, _ in self.msgs if t == topic]
    def stop(self):
        self.c.loop_stop()
        self.c.disconnect()

def retained(filter_, n):
    """What a fresh subscriber gets at once: topic -> (payload, retain flag)."""
    out = subprocess.run(["mosquitto_sub", "-h", "127.0.0.1", "-p", str(PORT), "-t", filter_,
                          "-C", str(n), "-W", "5", "-F", "%r\t%t\t%p"],
                         capture_output=True, text=True, timeout=15)
    got = {}
    for line in out.stdout.splitlines():
        r, t, p = line.split("\t", 2)
        got[t] = (p, r == "1")
    return got

# ---- the simulator and the bridge
def start(name, args, env=None):
    p = subprocess.Popen([BIN, *args], stdout=subprocess.PIPE, stderr=open(f"{WORK}/{name}.err", "w"),
                         text=True, env={**os.environ, **(env or {})})
    track(name, p)
    line = p.stdout.readline().strip()
    assert line.startswith("ready "), f"{name} printed {line!r} (stderr: {open(f'{WORK}/{name}.err').read()})"
    print(f"{name}: {line}")
    return p, line

def field(line, key):
    return next(w.split("=", 1)[1] for w in line.split() if w.startswith(key + "="))

def http(url, body=None):
    data = None if body is None else json.dumps(body).encode()
    with urllib.request.urlopen(urllib.request.Request(url, data=data), timeout=5) as r:
        return r.read().decode()

def vh400(v):
    knots = [(0.0, 0.0), (1.1, 10.0), (1.3, 15.0), (1.82, 40.0), (2.2, 50.0), (3.0, 100.0)]
    if v <= 0.01:
        return 0.0
    for (x0, y0), (x1, y1) in zip(knots, knots[1:]):
        if v <= x1:
            return y0 + (y1 - y0) / (x1 - x0) * (v - x0)
    return 100.0

def therm200(v):
    return 41.67 * v - 40.0

def rust_f64(v):
    """How the bridge prints a value: shortest round trip, no `.0` on integers."""
    return str(int(v)) if float(v).is_integer() else repr(v)

def scrape(url):
    text = http(url)
    om = {s.name + json.dumps(s.labels, sort_keys=True): s.value
          for fam in om_parse(text) for s in fam.samples}
    prom = {s.name + json.dumps(s.labels, sort_keys=True): s.value
            for fam in prom_parse(text) for s in fam.samples}
    assert om == prom, f"the two parsers disagree:\n{om}\n{prom}"
    return om

def metric(samples, name, **labels):
    return samples.get(name + json.dumps(labels, sort_keys=True))

def push(sim, analog, battery=9.5):
    http(f"http://{sim}/_sim/sensors", {"analog": analog, "battery": battery})
    http(f"http://{sim}/api/update/send")

def expected_configs():
    device = {"identifiers": [f"vegehub_{MAC}"], "name": f"VegeHub {MAC}", "manufacturer": "Vegetronix",
              "model": "VegeHub", "connections": [["mac", "7c:9e:bd:4b:49:d8"]], "sw_version": "5.1.2"}
    def base(ch, name):
        return {"name": name, "unique_id": f"vegehub_{MAC}_{ch}", "state_topic": f"vegehub/{MAC}/{ch}/state",
                "availability_topic": "vegehub/bridge/availability", "payload_available": "online",
                "payload_not_available": "offline", "device": device}
    def sensor(ch, name, cls, unit, **extra):
        return (f"homeassistant/sensor/vegehub_{MAC}/{ch}/config",
                {**base(ch, name), "device_class": cls, "unit_of_measurement": unit,
                 "state_class": "measurement", **extra})
    def switch(k):
        ch = f"actuator_{k}"
        return (f"homeassistant/switch/vegehub_{MAC}/{ch}/config",
                {**base(ch, f"Actuator {k + 1}"), "command_topic": f"vegehub/{MAC}/{ch}/set",
                 "payload_on": "ON", "payload_off": "OFF", "state_on": "ON", "state_off": "OFF",
                 "optimistic": False})
    return dict([
        sensor("analog_0", "Channel 1 moisture", "moisture", "%"),
        sensor("analog_1", "Channel 2 temperature", "temperature", "°C"),
        sensor("analog_2", "Channel 3 voltage", "voltage", "V"),
        sensor("analog_3", "Channel 4 voltage", "voltage", "V"),
        sensor("battery", "Battery", "voltage", "V", entity_category="diagnostic"),
        switch(0), switch(1),
    ])

def check_config(topic, payload, want):
    got = json.loads(payload)
    origin = got.pop("origin")
    assert origin["name"] == "vegehub bridge" and isinstance(origin["sw"], str), origin
    assert got == want, f"{topic}:\n got {got}\nwant {want}"

def state(ch):
    return f"vegehub/{MAC}/{ch}/state"

obs = None
try:
    broker_up()
    obs = Observer()
    wait_for("the observer to connect", obs.c.is_connected)
    sim_p, sim_line = start("sim", ["sim", "--listen", "127.0.0.1:0", "--channels", "4", "--actuators", "2", "--battery"])
    sim = sim_line.split()[1].removeprefix("http://")
    with open(f"{WORK}/bridge.toml", "w") as f:
        f.write(f"""key_env = "INTEROP_BRIDGE_KEY"
[mqtt]
client_id = "interop-bridge"
[[hub]]
host = "{sim}"
transforms = {{ analog_0 = "vh400", analog_1 = "therm200" }}
""")
    bridge_args = ["bridge", "--config", f"{WORK}/bridge.toml", "--listen", "127.0.0.1:0",
                   "--prometheus", "127.0.0.1:0", "--mqtt", f"mqtt://127.0.0.1:{PORT}"]
    env = {"INTEROP_BRIDGE_KEY": KEY}
    bridge_p, bridge_line = start("bridge", bridge_args, env)
    listen, metrics = field(bridge_line, "listen"), field(bridge_line, "metrics")
    subprocess.run([BIN, "setup", "--host", sim, "--server", f"{listen}/api/vegehub/update"],
                   env={**os.environ, "VEGEHUB_API_KEY": KEY}, check=True, capture_output=True)

    # Discovery: every config, exactly, retained; availability retained `online`.
    want = expected_configs()
    got = retained("homeassistant/#", len(want))
    assert set(got) == set(want), f"config topics: {sorted(got)}"
    for topic, (payload, is_retained) in got.items():
        assert is_retained, f"{topic} is not retained"
        check_config(topic, payload, want[topic])
    assert retained("vegehub/bridge/availability", 1) == {"vegehub/bridge/availability": ("online", True)}
    print(f"discovery: {len(want)} configs exact and retained; availability online, retained")

    # State values, exactly as the hub's volts map through the transforms.
    volts = [1.25, 1.0, 0.5, 2.0]
    push(sim, volts, battery=9.5)
    expect = {"analog_0": rust_f64(vh400(1.25)), "analog_1": rust_f64(therm200(1.0)),
              "analog_2": "0.5", "analog_3": "2", "battery": "9.5",
              "actuator_0": "OFF", "actuator_1": "OFF"}
    for ch, v in expect.items():
        wait_for(f"state of {ch}", lambda: v in obs.payloads(state(ch)))
    print("states:", expect)

    # A command on an actuator's topic switches the simulated actuator.
    cmd = mqtt.Client(mqtt.CallbackAPIVersion.VERSION2, client_id="interop-ha")
    cmd.connect("127.0.0.1", PORT)
    cmd.loop_start()
    for payload, states in [("ON", [0, 1]), ("OFF", [0, 0])]:
        before = len(obs.payloads(state("actuator_1")))
        cmd.publish(f"vegehub/{MAC}/actuator_1/set", payload, qos=1).wait_for_publish(5)
        wait_for(f"the simulator's actuator 1 {payload}",
                 lambda: json.loads(http(f"http://{sim}/_sim/state"))["actuators"] == states)
        wait_for(f"actuator_1 state {payload}",
                 lambda: obs.payloads(state("actuator_1"))[before:].count(payload) >= 1)
    # Home Assistant restarted (its birth message): every config comes again.
    counts = {t: len(obs.payloads(t)) for t in want}
    cmd.publish("homeassistant/status", "online", qos=1).wait_for_publish(5)
    for t in want:
        wait_for(f"{t} again", lambda: len(obs.payloads(t)) > counts[t])
        check_config(t, obs.payloads(t)[-1], want[t])
    cmd.loop_stop()
    cmd.disconnect()
    s = scrape(metrics)
    assert metric(s, "vegehub_actuator_state", hub=MAC, actuator="1") == 0, s
    print("commands: actuator 1 switched ON then OFF through MQTT; configs sent again on Home Assistant's birth message")

    # The broker goes away mid-stream; pushes keep coming; it comes back.
    broker_down()
    wait_for("the bridge to see the broker gone",
             lambda: metric(scrape(metrics), "vegehub_bridge_mqtt_connected") == 0)
    received = metric(scrape(metrics), "vegehub_bridge_pushes_received_total")
    outage = [0.5, 0.6, 0.7, 0.8]
    for i, v in enumerate(outage):
        push(sim, [v, 1.0, 0.5, 2.0])
        wait_for("the push to reach the bridge",
                 lambda: metric(scrape(metrics), "vegehub_bridge_pushes_received_total") == received + i + 1)
    s = scrape(metrics)
    assert metric(s, "vegehub_bridge_mqtt_queued") >= len(outage) * 7, s
    assert metric(s, "vegehub_channel_raw", hub=MAC, channel="analog_0") == 0.8, s
    broker_up()
    wanted = [rust_f64(vh400(v)) for v in outage]
    def delivered():
        seen = obs.payloads(state("analog_0"))
        return seen[-len(wanted):] == wanted
    wait_for("the readings queued during the outage, in order", delivered, timeout=30)
    s = wait_for("the queue to drain", lambda: (lambda s: s if metric(s, "vegehub_bridge_mqtt_queued") == 0 else None)(scrape(metrics)))
    assert metric(s, "vegehub_bridge_mqtt_connected") == 1, s
    assert metric(s, "vegehub_bridge_mqtt_dropped_total") == 0, s
    print("broker restart: reconnected, delivered", wanted)

    # /metrics through both of prometheus_client's parsers.
    assert metric(s, "vegehub_channel_value", hub=MAC, channel="analog_0") == vh400(0.8), s
    assert metric(s, "vegehub_channel_raw", hub=MAC, channel="analog_1") == 1.0, s
    assert metric(s, "vegehub_channel_value", hub=MAC, channel="analog_1") == therm200(1.0), s
    assert metric(s, "vegehub_channel_value", hub=MAC, channel="battery") == 9.5, s
    assert abs(metric(s, "vegehub_channel_last_push_timestamp_seconds", hub=MAC, channel="battery") - time.time()) < 120, s
    assert metric(s, "vegehub_bridge_pushes_received_total") == received + len(outage), s
    assert metric(s, "vegehub_bridge_pushes_rejected_total") == 0, s
    assert metric(s, "vegehub_bridge_mqtt_published_total") > 7 * (len(outage) + 1), s
    print("metrics parsed:", {k: v for k, v in s.items() if "bridge_" in k})

    # SIGTERM: `offline` published, exit 0 at once, nothing more said.
    err_before = os.path.getsize(f"{WORK}/bridge.err")
    t = time.monotonic()
    bridge_p.send_signal(signal.SIGTERM)
    code = bridge_p.wait(timeout=10)
    took = time.monotonic() - t
    untrack("bridge")
    assert code == 0, f"bridge exited {code}"
    assert took < 2.0, f"bridge took {took:.2f}s to stop"
    assert bridge_p.stdout.read() == "", "stray stdout at exit"
    assert os.path.getsize(f"{WORK}/bridge.err") == err_before, open(f"{WORK}/bridge.err").read()
    wait_for("offline", lambda: obs.payloads("vegehub/bridge/availability")[-1:] == ["offline"])
    assert retained("vegehub/bridge/availability", 1) == {"vegehub/bridge/availability": ("offline", True)}
    print(f"SIGTERM: exit 0 in {took:.2f}s, quiet, availability offline (retained)")

    # A bridge that dies leaves `offline` through its last will.
    bridge_p, _ = start("bridge", bridge_args, env)
    wait_for("online", lambda: obs.payloads("vegehub/bridge/availability")[-1:] == ["online"])
    bridge_p.kill()
    bridge_p.wait(timeout=10)
    untrack("bridge")
    wait_for("the last will", lambda: obs.payloads("vegehub/bridge/availability")[-1:] == ["offline"])
    print("last will: offline after the bridge was killed")

    sim_p.send_signal(signal.SIGINT)
    assert sim_p.wait(timeout=10) == 0
    untrack("sim")
finally:
    if obs is not None:
        obs.stop()
    for name, p in list(procs.items()):
        if p.poll() is None:
            p.terminate()
            try:
                p.wait(timeout=5)
            except subprocess.TimeoutExpired:
                p.kill()
        untrack(name)
print("vegehub mqtt interop: ok")
PY
