#!/usr/bin/env python3
"""Python TextFSM (ntc-templates package) on the inputs `bench --dump DIR` wrote.

Usage:
    cargo run --release -p device-parsers --example bench -- --dump /tmp/dp-bench
    python3 crates/device-parsers/bench/textfsm_compare.py /tmp/dp-bench

Needs `pip install ntc-templates` (pulls in textfsm). Prints TextFSM's
throughput on the same inputs and the speed-up of device-parsers.
"""
import json
import sys
import time
from pathlib import Path

from ntc_templates.parse import parse_output

# The Rust bench parses EOS/XR with the IOS parser; TextFSM uses each
# fixture's own platform template, which is the fair comparison.
COMMAND_FOR_NTC = {
    "show interfaces status": {"cisco_nxos": "show interface status"},
}


def timed(fn, min_secs=2.0):
    # CPU time, like the Rust side: the machine may be shared.
    start = time.thread_time()
    iters = 0
    records = 0
    while True:
        records = fn()
        iters += 1
        elapsed = time.thread_time() - start
        if elapsed >= min_secs:
            return elapsed / iters, records


def main():
    d = Path(sys.argv[1])
    rust = {r["label"]: r for r in json.loads((d / "rust.json").read_text())}
    corpus = []
    for line in (d / "corpus.tsv").read_text().splitlines():
        plat, cmd, path = line.split("\t")
        cmd = COMMAND_FOR_NTC.get(cmd, {}).get(plat, cmd)
        corpus.append((plat, cmd, Path(path).read_text(errors="replace")))

    def run_corpus():
        n = 0
        for plat, cmd, text in corpus:
            try:
                n += len(parse_output(platform=plat, command=cmd, data=text))
            except Exception:  # a template TextFSM lacks counts as 0 records
                pass
        return n

    ios = (d / "cdp_ios_1000.txt").read_text()
    nx = (d / "cdp_nxos_1000.txt").read_text()
    cases = {
        "corpus": run_corpus,
        "cdp_ios_1000": lambda: len(parse_output(platform="cisco_ios", command="show cdp neighbors detail", data=ios)),
        "cdp_nxos_1000": lambda: len(parse_output(platform="cisco_nxos", command="show cdp neighbors detail", data=nx)),
    }
    print(f"{'input':<16} {'bytes':>9} {'TextFSM rec':>11} {'TextFSM s/run':>14} {'ours s/run':>12} {'TextFSM MB/s':>13} {'ours MB/s':>10} {'speed-up':>9}")
    for label, fn in cases.items():
        secs, records = timed(fn)
        r = rust[label]
        ours = r["secs_per_run"]
        print(
            f"{label:<16} {r['bytes']:>9} {records:>11} {secs:>14.5f} {ours:>12.6f} "
            f"{r['bytes'] / secs / 1e6:>13.2f} {r['bytes'] / ours / 1e6:>10.1f} {secs / ours:>8.0f}x"
        )


if __name__ == "__main__":
    main()
