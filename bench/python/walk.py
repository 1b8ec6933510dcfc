#!/usr/bin/env python3
"""Python peers for `cargo run --release -p bench -- walk`: the way topology
walkers were written before netwalker, run against the same netsim lab.

Usage: walk.py netmiko|scrapli SEED_IP PORT MAX_DEVICES BUDGET_SECS [CONCURRENCY]

- netmiko: breadth-first, ONE device at a time (what the old tool did):
  ConnectHandler by platform, `show version`, `show cdp neighbors detail`,
  `show lldp neighbors detail`, all with use_textfsm=True (ntc-templates).
- scrapli: the same walk with scrapli's asyncio drivers over asyncssh and
  CONCURRENCY devices in flight (netwalker's default is 32).

Both dedupe neighbours by normalised hostname (and IP), follow only CDP
neighbours that say Router or Switch (phones, APs and cameras are not
walked, as in netwalker's default filters), and stop after MAX_DEVICES
devices or BUDGET_SECS seconds, whichever comes first: on a 1,000-device lab
the sequential walker would take many minutes, so its rate is measured on a
prefix of the walk. Prints one JSON object on stdout.
"""
import asyncio
import json
import re
import sys
import time


def norm(name):
    name = re.sub(r"\(.*\)$", "", (name or "").strip())
    return name.split(".")[0].lower()


def device_type(platform, description):
    text = f"{platform} {description}"
    if "NX-OS" in text or "Nexus" in text or re.match(r"N\dK", platform or ""):
        return "cisco_nxos"
    if "IOS-XE" in text or "IOS XE" in text:
        return "cisco_xe"
    return "cisco_ios"


def neighbours(cdp_rows, lldp_rows):
    """(name, ip, device_type) of neighbours to walk; LLDP only adds an
    address for a CDP neighbour that had none."""
    out = {}
    for r in cdp_rows if isinstance(cdp_rows, list) else []:
        caps = r.get("capabilities", "")
        if "Switch" not in caps and "Router" not in caps:
            continue
        name = norm(r.get("neighbor_name") or r.get("destination_host"))
        ip = r.get("mgmt_address") or r.get("interface_ip") or ""
        if name and name not in out:
            out[name] = [ip, device_type(r.get("platform", ""), r.get("neighbor_description", ""))]
        elif name and not out[name][0]:
            out[name][0] = ip
    for r in lldp_rows if isinstance(lldp_rows, list) else []:
        name = norm(r.get("neighbor_name"))
        if name in out and not out[name][0]:
            out[name][0] = r.get("mgmt_address", "")
    return [(n, ip, t) for n, (ip, t) in out.items() if ip]


class Walk:
    def __init__(self, seed_ip, max_devices, budget):
        self.queue = [("core1", seed_ip, "cisco_nxos")]
        self.seen_names = {"core1"}
        self.seen_ips = {seed_ip}
        self.max_devices = max_devices
        self.deadline = time.monotonic() + budget
        self.walked = 0
        self.failed = 0
        self.capped = False

    def add(self, found):
        for name, ip, dtype in found:
            if name in self.seen_names or ip in self.seen_ips:
                continue
            self.seen_names.add(name)
            self.seen_ips.add(ip)
            self.queue.append((name, ip, dtype))

    def may_start(self, started):
        if started >= self.max_devices or time.monotonic() >= self.deadline:
            self.capped = self.capped or bool(self.queue)
            return False
        return True


def run_netmiko(w, port):
    from netmiko import ConnectHandler

    started = 0
    while w.queue:
        if not w.may_start(started):
            break
        name, ip, dtype = w.queue.pop(0)
        started += 1
        try:
            with ConnectHandler(
                device_type=dtype, host=ip, port=port, username="admin", password="admin",
                secret="admin", timeout=20, conn_timeout=10,
            ) as c:
                c.send_command("show version", use_textfsm=True)
                cdp = c.send_command("show cdp neighbors detail", use_textfsm=True)
                lldp = c.send_command("show lldp neighbors detail", use_textfsm=True)
            w.walked += 1
            w.add(neighbours(cdp, lldp))
        except Exception as e:  # noqa: BLE001 - counted and reported
            w.failed += 1
            if w.failed <= 3:
                print(f"netmiko {name} {ip}: {e!r}", file=sys.stderr)


def run_scrapli(w, port, conc):
    from scrapli.driver.core import AsyncIOSXEDriver, AsyncNXOSDriver

    async def one(name, ip, dtype):
        driver = AsyncNXOSDriver if dtype == "cisco_nxos" else AsyncIOSXEDriver
        dev = {
            "host": ip, "port": port, "auth_username": "admin", "auth_password": "admin",
            "auth_secondary": "admin", "auth_strict_key": False, "transport": "asyncssh",
            "timeout_socket": 10, "timeout_transport": 20, "timeout_ops": 20,
        }
        async with driver(**dev) as c:
            (await c.send_command("show version")).textfsm_parse_output()
            cdp = (await c.send_command("show cdp neighbors detail")).textfsm_parse_output()
            lldp = (await c.send_command("show lldp neighbors detail")).textfsm_parse_output()
        return neighbours(cdp, lldp)

    async def main():
        started = 0
        running = set()
        while w.queue or running:
            while w.queue and len(running) < conc and w.may_start(started):
                name, ip, dtype = w.queue.pop(0)
                started += 1
                t = asyncio.create_task(one(name, ip, dtype))
                t.meta = (name, ip)
                running.add(t)
            if not running:
                break
            done, running = await asyncio.wait(running, return_when=asyncio.FIRST_COMPLETED)
            for t in done:
                if t.exception() is not None:
                    w.failed += 1
                    if w.failed <= 3:
                        print(f"scrapli {t.meta}: {t.exception()!r}", file=sys.stderr)
                else:
                    w.walked += 1
                    w.add(t.result())

    asyncio.run(main())


def main():
    client, seed_ip, port, max_devices, budget = sys.argv[1:6]
    conc = int(sys.argv[6]) if len(sys.argv) > 6 else 32
    w = Walk(seed_ip, int(max_devices), float(budget))
    t0 = time.monotonic()
    if client == "netmiko":
        run_netmiko(w, int(port))
    elif client == "scrapli":
        run_scrapli(w, int(port), conc)
    else:
        sys.exit(f"unknown client {client!r}")
    secs = time.monotonic() - t0
    print(json.dumps({
        "client": client, "walked": w.walked, "failed": w.failed, "seconds": round(secs, 3),
        "capped": w.capped, "queued_not_walked": len(w.queue),
        "concurrency": 1 if client == "netmiko" else conc,
    }))


if __name__ == "__main__":
    main()
