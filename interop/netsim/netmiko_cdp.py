"""netmiko (a client nobody here wrote) against a netsim lab.

Logs in with netmiko's cisco_ios / cisco_xe / cisco_nxos drivers, lets netmiko
disable paging its own way, runs `show cdp neighbors detail` with
use_textfsm=True (ntc-templates), and checks that the neighbours TextFSM finds
are exactly the ones the topology file says. Also exercises enable mode.
"""
import json
import re
import sys
import tomllib

from netmiko import ConnectHandler

lab_path, port = sys.argv[1], int(sys.argv[2])
lab = tomllib.load(open(lab_path, "rb"))
devs = {d["hostname"]: d for d in lab["device"]}


def expected_cdp(host):
    out = set()
    for l in lab["link"]:
        if "cdp" not in l.get("protocols", ["cdp", "lldp"]):
            continue
        if l["a"] == host:
            out.add((l["a_interface"], l["b"], l["b_interface"]))
        elif l["b"] == host:
            out.add((l["b_interface"], l["a"], l["a_interface"]))
    return out


def norm_name(name):
    name = re.sub(r"\(.*\)$", "", name.strip())
    return name.split(".")[0]


def pick(pred):
    return next(d for d in lab["device"] if pred(d))


healthy = lambda d: "fault" not in d and d.get("transports", "both") in ("both", "ssh")
targets = [
    ("cisco_nxos", pick(lambda d: d["hostname"] == "core1")),
    ("cisco_xe", pick(lambda d: d.get("role") == "distribution" and healthy(d))),
    ("cisco_ios", pick(lambda d: d["platform"] == "cisco_ios" and d.get("role") == "access"
                       and healthy(d) and "enable_secret" not in d)),
    ("cisco_ios", pick(lambda d: d["platform"] == "cisco_ios" and healthy(d) and "enable_secret" in d)),
    ("cisco_xe", pick(lambda d: d["platform"] == "cisco_xe" and d.get("role") == "access" and healthy(d)
                      and d.get("stack"))),
]

failures = 0
for device_type, d in targets:
    host = d["hostname"]
    conn = ConnectHandler(
        device_type=device_type,
        host=d["mgmt_ip"],
        port=port,
        username=d.get("username", "admin"),
        password=d.get("password", "admin"),
        secret=d.get("enable_secret", ""),
        timeout=20,
        conn_timeout=10,
    )
    try:
        if "enable_secret" in d:
            assert conn.find_prompt().endswith(">"), conn.find_prompt()
            conn.enable()
        assert conn.find_prompt() == f"{host}#", conn.find_prompt()
        rows = conn.send_command("show cdp neighbors detail", use_textfsm=True)
        assert isinstance(rows, list), f"{host}: TextFSM did not parse: {rows[:300]!r}"
        got = set()
        for r in rows:
            name = r.get("neighbor_name") or r.get("destination_host") or r.get("neighbor")
            local = r.get("local_interface") or r.get("local_port")
            remote = r.get("neighbor_interface") or r.get("remote_port")
            got.add((local, norm_name(name), remote))
        want = expected_cdp(host)
        if got != want:
            failures += 1
            print(f"FAIL {host} ({device_type}): missing {sorted(want - got)} extra {sorted(got - want)}")
        else:
            print(f"ok   {host} ({device_type}): {len(got)} CDP neighbours match the topology")
        # Management addresses must be the neighbours' real, reachable addresses.
        for r in rows:
            ips = r.get("mgmt_address") or r.get("management_ip") or r.get("interface_ip") or ""
            if isinstance(ips, list):
                ips = ips[0] if ips else ""
            name = norm_name(r.get("neighbor_name") or "")
            if name in devs and ips and ips != devs[name]["mgmt_ip"]:
                failures += 1
                print(f"FAIL {host}: {name} advertised {ips}, topology says {devs[name]['mgmt_ip']}")
        ver = conn.send_command("show version", use_textfsm=True)
        assert isinstance(ver, list) and ver, f"{host}: show version not parsed"
        v = ver[0]
        hn = v.get("hostname") or ""
        assert hn == host, f"{host}: TextFSM hostname {hn!r}"
    finally:
        conn.disconnect()

sys.exit(1 if failures else 0)
