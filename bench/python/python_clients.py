"""The benchmark workload with netmiko (threads) and scrapli (asyncssh),
for the ratios in BENCHMARKS.md. Run by bench/src/bin/session_bench.rs with --python.

Usage: python_clients.py netmiko|scrapli SESSIONS CONCURRENCY PORT IP [IP...]
Prints one line: `<client> <sessions> <seconds> <failures>`.
Workload per session, as in the Rust benchmark: connect, authenticate, find
the prompt, paging off, `show version`, disconnect.
"""

import asyncio
import sys
import time
from concurrent.futures import ThreadPoolExecutor


def run_netmiko(n, conc, port, ips):
    from netmiko import ConnectHandler

    def one(i):
        dev = {
            "device_type": "cisco_ios",
            "host": ips[i % len(ips)],
            "port": port,
            "username": "admin",
            "password": "admin",
            "fast_cli": True,
        }
        with ConnectHandler(**dev) as c:  # session_preparation turns paging off
            out = c.send_command("show version")
            if "Cisco" not in out:
                raise RuntimeError("unexpected output")

    fails = 0
    with ThreadPoolExecutor(max_workers=conc) as pool:
        for f in [pool.submit(one, i) for i in range(n)]:
            try:
                f.result()
            except Exception as e:  # noqa: BLE001 - counted and reported
                fails += 1
                if fails < 3:
                    print(f"netmiko failure: {e!r}", file=sys.stderr)
    return fails


def run_scrapli(n, conc, port, ips):
    from scrapli.driver.core import AsyncIOSXEDriver

    sem = asyncio.Semaphore(conc)

    async def one(i):
        async with sem:
            dev = {
                "host": ips[i % len(ips)],
                "port": port,
                "auth_username": "admin",
                "auth_password": "admin",
                "auth_strict_key": False,
                "transport": "asyncssh",
            }
            async with AsyncIOSXEDriver(**dev) as c:  # on_open turns paging off
                r = await c.send_command("show version")
                if "Cisco" not in r.result:
                    raise RuntimeError("unexpected output")

    async def main():
        res = await asyncio.gather(*(one(i) for i in range(n)), return_exceptions=True)
        errs = [r for r in res if isinstance(r, BaseException)]
        for e in errs[:2]:
            print(f"scrapli failure: {e!r}", file=sys.stderr)
        return len(errs)

    return asyncio.run(main())


def main():
    client, n, conc, port, ips = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4]), sys.argv[5:]
    started = time.monotonic()
    fails = {"netmiko": run_netmiko, "scrapli": run_scrapli}[client](n, conc, port, ips)
    print(f"{client} {n} {time.monotonic() - started:.3f} {fails}")


if __name__ == "__main__":
    main()
