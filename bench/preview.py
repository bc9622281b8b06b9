#!/usr/bin/env python
"""Preview benchmark: median wall time of `blueprint preview` for a pull request.

Run from the repo root:  .venv/bin/python bench/preview.py [--runs N] [--mode emulator|offline]
                                                          [--scenario NAME]... [--json PATH]

Each scenario builds a throwaway git repository holding a copy of the project's tracked files, commits
it as the base, commits a head change, and runs the whole preview N times (default 3) for the `local`
environment. Modes:
  emulator  self-contained: synthesis of both revisions (worktrees, fresh interpreters), a fresh
            emulator, the base applied to it, head planned, `show -json`, render.
  deployed  the PR workflow's shape: the base is deployed once before timing (`blueprint deploy`, not
            timed, as an environment already is), then each preview synthesizes both revisions and
            plans head against the deployed state (read-only), `show -json`, render.
  offline   plans against empty state.
It prints figures only (median, min, max and the median of each phase); the 30 s target for a one-stack
change is reported as 'meets' / 'misses', never as a failure. The exit code is non-zero only when a
preview fails.

Scenarios (environment `local`):
  one-stack    lake noncurrent-version retention 7 -> 14 days: only local-aws-lake changes (its
               dependency local-aws-foundation is applied to the base too: the lake's buckets log to it)
  foundation   KMS key deletion window 7 -> 10 days: only local-aws-foundation changes
  every-stack  both of the above: the foundation and the lake change (the stacks that read them keep
               the same JSON, so they are not affected)
"""

from __future__ import annotations

import argparse
import json
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

REPO_ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO_ROOT))

from blueprint.preview import PreviewOptions, preview  # noqa: E402

LOCAL = Path("environments") / "local.yaml"
TARGET_ONE_STACK_S = 30.0


def _edit(repo: Path, rel: Path, old: str, new: str) -> None:
    path = repo / rel
    text = path.read_text()
    if old not in text:
        raise SystemExit(f"bench: {old!r} not found in {rel}; update the scenario")
    path.write_text(text.replace(old, new))


def _retention(repo: Path) -> None:
    _edit(repo, LOCAL, "noncurrent_version_expiration_days: 7", "noncurrent_version_expiration_days: 14")


def _key_window(repo: Path) -> None:
    _edit(repo, LOCAL, "key_deletion_window_days: 7", "key_deletion_window_days: 10")


SCENARIOS: dict[str, tuple[Callable[[Path], None], ...]] = {
    "one-stack": (_retention,),
    "foundation": (_key_window,),
    "every-stack": (_retention, _key_window),
}
DEFAULT_SCENARIOS = ("one-stack", "every-stack")


def _git(repo: Path, *args: str) -> str:
    ident = ["-c", "user.email=bench@example.invalid", "-c", "user.name=bench"]
    return subprocess.run(
        ["git", "-C", str(repo), *ident, *args], capture_output=True, text=True, check=True
    ).stdout.strip()


def make_repo(dest: Path, changes: tuple[Callable[[Path], None], ...]) -> tuple[Path, str, str]:
    """A copy of the project's tracked files with a base and a head commit: (repo, base, head)."""
    listed = subprocess.run(["git", "-C", str(REPO_ROOT), "ls-files", "-z"], capture_output=True, check=True)
    for raw in listed.stdout.split(b"\0"):
        rel = raw.decode()
        if rel and (REPO_ROOT / rel).is_file():
            (dest / rel).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(REPO_ROOT / rel, dest / rel)
    _git(dest, "init", "-q")
    _git(dest, "add", "-A")
    _git(dest, "commit", "-q", "-m", "base")
    base = _git(dest, "rev-parse", "HEAD")
    for change in changes:
        change(dest)
    _git(dest, "commit", "-q", "-am", "head")
    return dest, base, _git(dest, "rev-parse", "HEAD")


def deploy_base(repo: Path, base: str, home: Path) -> float:
    """Deploy the base revision's `local` to a fresh emulator in `home` (setup, not timed). Seconds."""
    from blueprint import emulator
    from blueprint.release import deploy
    from blueprint.spec import load_spec

    spec_file = home / "local.yaml"
    home.mkdir(parents=True, exist_ok=True)
    spec_file.write_text(_git(repo, "show", f"{base}:{LOCAL}"))
    t0 = time.perf_counter()
    emulator.ensure(home)
    deploy.deploy(load_spec(spec_file), home, home / "out")
    return time.perf_counter() - t0


def run_scenario(name: str, runs: int, mode: str, work: Path) -> dict[str, Any]:
    from blueprint import emulator

    repo, base, head = make_repo(work / name / "repo", SCENARIOS[name])
    home = work / name / "home"
    seconds: list[float] = []
    phases: dict[str, list[float]] = {}
    stacks: list[str] = []
    try:
        if mode == "deployed":
            print(f"  {name}: base deployed in {deploy_base(repo, base, home):.1f} s (setup, not timed)")
        for i in range(runs):
            seconds.append(_one_run(name, i, runs, mode, (repo, base, head), work, home, phases, stacks))
    finally:
        emulator.stop(home)
    return {
        "scenario": name,
        "mode": mode,
        "runs": runs,
        "stacks": stacks,
        "median_s": statistics.median(seconds),
        "min_s": min(seconds),
        "max_s": max(seconds),
        "phases_median_s": {k: statistics.median(v) for k, v in phases.items()},
    }


def _one_run(
    name: str,
    i: int,
    runs: int,
    mode: str,
    revision: tuple[Path, str, str],
    work: Path,
    home: Path,
    phases: dict[str, list[float]],
    stacks: list[str],
) -> float:
    repo, base, head = revision
    out = work / name / f"out-{i}"
    t0 = time.perf_counter()
    result = preview(
        PreviewOptions(base=base, head=head, repo=repo, out=out, envs={"local"}, mode=mode, home=home)  # type: ignore[arg-type]
    )
    seconds = time.perf_counter() - t0
    stacks[:] = [s.stack for s in result.report.stacks]
    for key, value in result.timings.items():
        phases.setdefault(key, []).append(value)
    print(f"  {name} run {i + 1}/{runs}: {seconds:.1f} s ({', '.join(stacks)})", flush=True)
    return seconds


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--runs", type=int, default=3, help="previews per scenario (median reported)")
    parser.add_argument("--mode", choices=("emulator", "deployed", "offline"), default="emulator")
    parser.add_argument("--scenario", action="append", choices=sorted(SCENARIOS), help="repeatable")
    parser.add_argument("--json", type=Path, help="also write the figures as JSON")
    args = parser.parse_args(argv)
    chosen = args.scenario or list(DEFAULT_SCENARIOS)
    print(
        f"preview benchmark: {args.runs} runs per scenario, mode {args.mode}, {platform.node()}, "
        f"{platform.processor() or platform.machine()}, python {platform.python_version()}"
    )
    results = []
    with tempfile.TemporaryDirectory(prefix="bench-preview-") as tmp:
        for name in chosen:
            results.append(run_scenario(name, args.runs, args.mode, Path(tmp)))
    print()
    print(f"{'scenario':<12} {'stacks':<44} {'median':>8} {'min':>8} {'max':>8}")
    for r in results:
        print(
            f"{r['scenario']:<12} {', '.join(r['stacks']):<44} {r['median_s']:>7.1f}s {r['min_s']:>7.1f}s "
            f"{r['max_s']:>7.1f}s"
        )
        phases = ", ".join(f"{k} {v:.1f}s" for k, v in r["phases_median_s"].items() if k != "total")
        print(f"{'':<12} phases (median): {phases}")
    one = next((r for r in results if r["scenario"] == "one-stack"), None)
    if one is not None:
        verdict = "meets" if one["median_s"] < TARGET_ONE_STACK_S else "misses"
        print(
            f"target: one-stack preview < {TARGET_ONE_STACK_S:.0f} s median ({args.mode}): {verdict} "
            f"({one['median_s']:.1f} s)"
        )
    if args.json:
        args.json.write_text(json.dumps(results, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
