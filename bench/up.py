#!/usr/bin/env python
"""Benchmark `blueprint up --env local` from a cold emulator, then `down`, N times.

Prints the median wall time of `up` (pipelined applies, the default) beside a baseline measured in the
same run (each stack waits for its dependencies to be fully applied), the ratio, the resource count and
the per-step medians. Figures only: nothing passes or fails on time.

    .venv/bin/python bench/up.py --runs 3
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from blueprint.emulator import local as local_env  # noqa: E402
from blueprint.spec import load_env  # noqa: E402

TARGET_S = 120.0


def one_run(pipelined: bool) -> dict[str, float]:
    spec = load_env("local")
    with tempfile.TemporaryDirectory(prefix="bench-up-") as tmp:
        home, out = Path(tmp) / "home", Path(tmp) / "out"
        t0 = time.perf_counter()
        try:
            result = local_env.up(spec, home, out, pipelined=pipelined)
            wall = time.perf_counter() - t0
            if not result.verified:
                raise SystemExit(f"verification failed: {[c for c in result.checks if not c.ok]}")
        finally:
            t1 = time.perf_counter()
            local_env.down(spec, home, out)
            down_s = time.perf_counter() - t1
    return {"up_s": wall, "down_s": down_s, "resources": float(result.resources), **result.timings}


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--json", type=Path, help="also write the figures here")
    args = parser.parse_args()
    if args.runs < 1:
        parser.error("--runs must be >= 1")
    runs: dict[str, list[dict[str, float]]] = {"pipelined": [], "sequential-baseline": []}
    for i in range(args.runs):
        for mode in runs:  # alternate, so machine noise hits both alike
            figures = one_run(pipelined=mode == "pipelined")
            runs[mode].append(figures)
            up_s, down_s = figures["up_s"], figures["down_s"]
            print(f"run {i + 1}/{args.runs} {mode:<20} up {up_s:6.1f} s  down {down_s:5.1f} s")
    print(f"\n{'mode':<20} {'runs':>4} {'median up s':>12} {'min':>7} {'max':>7} {'resources':>10}")
    medians: dict[str, float] = {}
    for mode, figures in runs.items():
        ups = [f["up_s"] for f in figures]
        medians[mode] = statistics.median(ups)
        print(
            f"{mode:<20} {len(ups):>4} {medians[mode]:>12.1f} {min(ups):>7.1f} {max(ups):>7.1f} "
            f"{int(figures[0]['resources']):>10}"
        )
    print("\nmedian seconds per step (pipelined):")
    steps = [k for k in runs["pipelined"][0] if k not in ("up_s", "resources")]
    for step in steps:
        print(f"  {step:<32} {statistics.median(f[step] for f in runs['pipelined']):6.1f}")
    ratio = medians["sequential-baseline"] / medians["pipelined"]
    print(f"\nsequential-baseline / pipelined median: {ratio:.2f}x")
    verdict = "meets" if medians["pipelined"] < TARGET_S else "misses"
    print(f"target: up of local from a cold emulator < {TARGET_S:.0f} s median: {verdict}")
    if args.json:
        args.json.write_text(json.dumps({"runs": runs, "medians": medians, "ratio": ratio}, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
