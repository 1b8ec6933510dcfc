#!/usr/bin/env python3
"""Python TextFSM (ntc-templates package) against device-parsers, same inputs.

Usage:
    cargo build --release -p bench --bin parser_bench
    target/release/parser_bench --dump /tmp/dp-bench
    python3 bench/python/textfsm_compare.py /tmp/dp-bench \
        --rust target/release/parser_bench

Needs `pip install ntc-templates` (pulls in textfsm).

The two sides are measured in alternating rounds: a TextFSM round on an
input, then a Rust round on the same input (the bench binary, `--only`),
ROUNDS times, keeping each side's fastest round. The development VM's speed
drifts by a third over seconds, so two back-to-back multi-second runs can
land in different weather; alternating short rounds puts both sides in the
same conditions, and interference only ever adds time, so the minimum is the
stable estimate. Both sides count thread CPU time.

Without `--rust`, the Rust timings come from the `rust.json` that `--dump`
wrote (no interleaving).
"""
import argparse
import json
import subprocess
import sys
import time
from pathlib import Path

from ntc_templates.parse import parse_output

# The Rust bench parses EOS/XR with the IOS parser; TextFSM uses each
# fixture's own platform template, which is the fair comparison.
COMMAND_FOR_NTC = {
    "show interfaces status": {"cisco_nxos": "show interface status"},
}

ROUNDS = 7
SECS_PER_ROUND = 0.4


def one_round(fn, secs):
    """CPU seconds per run over at least `secs` of thread CPU time."""
    start = time.thread_time()
    iters = 0
    while True:
        records = fn()
        iters += 1
        elapsed = time.thread_time() - start
        if elapsed >= secs:
            return elapsed / iters, records


def rust_round(binary, label, secs):
    out = subprocess.run(
        [binary, "--only", label, "--secs", str(secs), "--rounds", "1", "--json"],
        check=True,
        capture_output=True,
        text=True,
        timeout=120,
    ).stdout
    return json.loads(out.strip().splitlines()[-1])[0]["secs_per_run"]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("dir", type=Path)
    ap.add_argument("--rust", help="device-parsers bench binary, for interleaved rounds")
    ap.add_argument("--rounds", type=int, default=ROUNDS)
    args = ap.parse_args()
    d = args.dir
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
    mode = "interleaved" if args.rust else "from rust.json"
    print(f"best of {args.rounds} rounds of {SECS_PER_ROUND} s CPU per side ({mode})")
    print(f"{'input':<16} {'bytes':>9} {'TextFSM rec':>11} {'TextFSM s/run':>14} {'ours s/run':>12} {'TextFSM MB/s':>13} {'ours MB/s':>10} {'speed-up':>9}")
    for label, fn in cases.items():
        fn()  # warm the template cache outside the timing
        best_py, best_rs, records = None, None, 0
        for _ in range(args.rounds):
            secs, records = one_round(fn, SECS_PER_ROUND)
            best_py = secs if best_py is None else min(best_py, secs)
            if args.rust:
                rs = rust_round(args.rust, label, SECS_PER_ROUND)
                best_rs = rs if best_rs is None else min(best_rs, rs)
        ours = best_rs if args.rust else rust[label]["secs_per_run"]
        nbytes = rust[label]["bytes"]
        print(
            f"{label:<16} {nbytes:>9} {records:>11} {best_py:>14.5f} {ours:>12.6f} "
            f"{nbytes / best_py / 1e6:>13.2f} {nbytes / ours / 1e6:>10.1f} {best_py / ours:>8.0f}x"
        )
        sys.stdout.flush()


if __name__ == "__main__":
    main()
