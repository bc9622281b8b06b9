#!/usr/bin/env python
"""Synthesis benchmark: wall time and peak memory of `build_app(...)` + `app.synth()`.

Run from the repo root:  .venv/bin/python bench/synth.py [--runs N] [--json PATH]

Every measurement is a fresh interpreter (`sys.executable -c ...`, cwd = repo root), so the import of
cdktn, constructs and the provider bindings (and the start of the node jsii kernel) is counted. Peak
memory is the largest sum of RSS over the python process and all its descendants (the node child),
sampled every 50 ms. It prints figures only: targets are reported as 'meets' / 'misses', never as a
failure. The exit code is non-zero only when a synth subprocess fails.

Scenarios:
  all             every environment, every cloud (load_all)
  aws-one-env     environment dev, clouds={'aws'} (likewise gcp-one-env, azure-one-env)
  eager-baseline  aws-one-env after eagerly importing every provider binding (aws, google, azurerm and
                  their `provider` submodules), which is what a non-lazy app would pay
  all-eager-index, aws-eager-index
                  all / aws-one-env with BLUEPRINT_LAZY_PROVIDERS=0: the kernel evaluates every submodule
                  of each provider package it loads, as plain jsii does (blueprint/synth/lazy_providers.js)
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import psutil

REPO_ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO_ROOT))
NODE_OPTIONS_BEFORE = os.environ.get("NODE_OPTIONS")  # the child (main.py) adds the lazy-providers hook
from blueprint.synth.node import bundled_node  # noqa: E402

SAMPLE_INTERVAL_S = 0.05
RESULT_MARKER = "@@BENCH_RESULT@@ "
SCENARIOS: tuple[str, ...] = (
    "all",
    "aws-one-env",
    "gcp-one-env",
    "azure-one-env",
    "eager-baseline",
    "all-eager-index",
    "aws-eager-index",
)
# What each scenario synthesizes (the child's selection) when that differs from its name.
SELECTION: dict[str, str] = {
    "eager-baseline": "aws-one-env",
    "all-eager-index": "all",
    "aws-eager-index": "aws-one-env",
}
# Scenarios that run with the lazy-providers hook off, each beside the scenario it is the baseline of.
EAGER_INDEX_PAIRS: tuple[tuple[str, str], ...] = (
    ("all-eager-index", "all"),
    ("aws-eager-index", "aws-one-env"),
)
EAGER_INDEX: frozenset[str] = frozenset(eager for eager, _ in EAGER_INDEX_PAIRS)

# What a non-lazy app imports up front. The package import already loads the jsii assembly (its
# `_jsii` subpackage calls JSIIAssembly.load); the `provider` submodules add their Python bindings.
EAGER_MODULES: tuple[str, ...] = (
    "cdktn_provider_aws",
    "cdktn_provider_google",
    "cdktn_provider_azurerm",
    "cdktn_provider_aws.provider",
    "cdktn_provider_google.provider",
    "cdktn_provider_azurerm.provider",
)
# jsii assembly names that must be loaded in the kernel once EAGER_MODULES are imported.
EAGER_ASSEMBLIES: tuple[str, ...] = (
    "@cdktn/provider-aws",
    "@cdktn/provider-google",
    "@cdktn/provider-azurerm",
)

# Targets: (scenario, metric, limit, unit). Information only.
TARGETS: tuple[tuple[str, str, float, str], ...] = (
    ("all", "median_s", 15.0, "s"),
    ("all", "median_peak_mb", 2048.0, "MB"),
    ("aws-one-env", "median_s", 6.0, "s"),
)

# Runs in the fresh interpreter: argv = [-c, scenario, selection, outdir]. Prints one marker line of JSON.
CHILD_CODE = """
import json
import sys
import time

t_start = time.perf_counter()
scenario, selection, outdir = sys.argv[1], sys.argv[2], sys.argv[3]
eager_import_s = {}
if scenario == "eager-baseline":
    import importlib

    for name in @EAGER_MODULES@:
        t = time.perf_counter()
        importlib.import_module(name)
        eager_import_s[name] = time.perf_counter() - t
    from jsii import _reference_map

    missing = sorted(set(@EAGER_ASSEMBLIES@) - set(_reference_map._assembly_to_module))
    if missing:
        sys.exit(f"eager imports did not load the jsii assemblies {missing}")
t_eager = time.perf_counter()

from pathlib import Path

from blueprint.spec import load_all, load_env
from main import build_app

t_import = time.perf_counter()
if selection == "all":
    app, planned = build_app(list(load_all().values()), None, Path(outdir))
else:  # <cloud>-one-env
    app, planned = build_app([load_env("dev")], {selection.split("-", 1)[0]}, Path(outdir))
t_build = time.perf_counter()
app.synth()
t_synth = time.perf_counter()

from jsii import _reference_map

print(@MARKER@ + json.dumps({
    "eager_s": t_eager - t_start,
    "import_s": t_import - t_eager,
    "build_s": t_build - t_import,
    "synth_s": t_synth - t_build,
    "eager_import_s": eager_import_s,
    "planned": [p.stack_id for p in planned],
    "assemblies": sorted(_reference_map._assembly_to_module),
}), flush=True)
"""


def _child_code() -> str:
    return (
        CHILD_CODE.replace("@EAGER_MODULES@", repr(EAGER_MODULES))
        .replace("@EAGER_ASSEMBLIES@", repr(EAGER_ASSEMBLIES))
        .replace("@MARKER@", repr(RESULT_MARKER))
    )


class SynthFailed(Exception):
    def __init__(self, scenario: str, returncode: int, stdout: str, stderr: str) -> None:
        super().__init__(f"{scenario}: synth subprocess exited with {returncode}")
        self.scenario = scenario
        self.returncode = returncode
        self.stdout = stdout
        self.stderr = stderr


@dataclass
class RunResult:
    seconds: float
    peak_mb: float
    stacks: int
    resources: int
    phases: dict[str, float]
    eager_import_s: dict[str, float]
    assemblies: list[str]


@dataclass
class ScenarioSummary:
    scenario: str
    runs: list[RunResult] = field(default_factory=list)

    @property
    def times(self) -> list[float]:
        return [r.seconds for r in self.runs]

    @property
    def median_s(self) -> float:
        return statistics.median(self.times)

    @property
    def median_peak_mb(self) -> float:
        return statistics.median(r.peak_mb for r in self.runs)

    def figures(self) -> dict[str, Any]:
        last = self.runs[-1]
        return {
            "runs": len(self.runs),
            "median_s": self.median_s,
            "min_s": min(self.times),
            "max_s": max(self.times),
            "median_peak_mb": self.median_peak_mb,
            "max_peak_mb": max(r.peak_mb for r in self.runs),
            "stacks": last.stacks,
            "resources": last.resources,
            "median_phases_s": {k: statistics.median(r.phases[k] for r in self.runs) for k in last.phases},
            "assemblies": last.assemblies,
            "per_run": [asdict(r) for r in self.runs],
        }


class TreePeakSampler(threading.Thread):
    """Samples the summed RSS of a process and all its descendants until stopped; keeps the max."""

    def __init__(self, pid: int, interval: float = SAMPLE_INTERVAL_S) -> None:
        super().__init__(daemon=True)
        self.interval = interval
        self.peak_bytes = 0
        self._stop_event = threading.Event()
        try:
            self._root: psutil.Process | None = psutil.Process(pid)
        except psutil.NoSuchProcess:
            self._root = None

    def _sample(self) -> int:
        if self._root is None:
            return 0
        try:
            procs = [self._root, *self._root.children(recursive=True)]
        except (psutil.NoSuchProcess, psutil.AccessDenied):
            return 0
        total = 0
        for proc in procs:
            try:
                total += proc.memory_info().rss
            except (psutil.NoSuchProcess, psutil.AccessDenied):
                continue
        return total

    def run(self) -> None:
        while not self._stop_event.is_set():
            self.peak_bytes = max(self.peak_bytes, self._sample())
            self._stop_event.wait(self.interval)

    def stop(self) -> None:
        self._stop_event.set()
        self.join()


def count_synthesized(outdir: Path) -> tuple[int, int]:
    """(stacks, resources) in a synthesized outdir: manifest.json stacks, each cdk.tf.json `resource`."""
    manifest = json.loads((outdir / "manifest.json").read_text(encoding="utf-8"))
    stacks = manifest.get("stacks", {})
    resources = 0
    for stack in stacks.values():
        doc = json.loads((outdir / stack["synthesizedStackPath"]).read_text(encoding="utf-8"))
        resources += sum(len(by_name) for by_name in doc.get("resource", {}).values())
    return len(stacks), resources


def _child_env(scenario: str) -> dict[str, str]:
    env = dict(os.environ)
    env["PYTHONUNBUFFERED"] = "1"
    if scenario in EAGER_INDEX:
        env["BLUEPRINT_LAZY_PROVIDERS"] = "0"
        env.pop("NODE_OPTIONS", None)
        if NODE_OPTIONS_BEFORE is not None:
            env["NODE_OPTIONS"] = NODE_OPTIONS_BEFORE
    # Every scenario on the same node: the eager baseline imports bindings before `blueprint` picks one.
    if "JSII_NODE" not in env and (node := bundled_node()) is not None:
        env["JSII_NODE"] = str(node)
    return env


def run_once(scenario: str) -> RunResult:
    outdir = Path(tempfile.mkdtemp(prefix=f"bench-synth-{scenario}-"))
    try:
        cmd = [sys.executable, "-c", _child_code(), scenario, SELECTION.get(scenario, scenario), str(outdir)]
        start = time.perf_counter()
        proc = subprocess.Popen(
            cmd,
            cwd=REPO_ROOT,
            env=_child_env(scenario),
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        sampler = TreePeakSampler(proc.pid)
        sampler.start()
        stdout, stderr = proc.communicate()
        seconds = time.perf_counter() - start
        sampler.stop()
        if proc.returncode != 0:
            raise SynthFailed(scenario, proc.returncode, stdout, stderr)
        lines = [ln for ln in stdout.splitlines() if ln.startswith(RESULT_MARKER)]
        if not lines:
            raise SynthFailed(scenario, proc.returncode, stdout, stderr + "\n(no result line on stdout)")
        result = json.loads(lines[-1][len(RESULT_MARKER) :])
        stacks, resources = count_synthesized(outdir)
        if stacks != len(result["planned"]):
            raise SynthFailed(
                scenario,
                proc.returncode,
                stdout,
                stderr + f"\nmanifest.json has {stacks} stacks but {len(result['planned'])} were planned",
            )
        return RunResult(
            seconds=seconds,
            peak_mb=sampler.peak_bytes / (1024 * 1024),
            stacks=stacks,
            resources=resources,
            phases={k: result[k] for k in ("eager_s", "import_s", "build_s", "synth_s")},
            eager_import_s=result["eager_import_s"],
            assemblies=result["assemblies"],
        )
    finally:
        shutil.rmtree(outdir, ignore_errors=True)


def _positive_int(text: str) -> int:
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError("must be at least 1")
    return value


def _parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--runs", type=_positive_int, default=5, help="runs per scenario (default 5, min 1)")
    parser.add_argument("--json", type=Path, metavar="PATH", help="also write the figures as JSON to PATH")
    parser.add_argument(
        "--scenario",
        action="append",
        choices=SCENARIOS,
        dest="scenarios",
        help="run only this scenario (repeatable; default: every scenario)",
    )
    return parser.parse_args(argv)


def _print_table(summaries: dict[str, ScenarioSummary]) -> None:
    header = f"{'scenario':<16} {'runs':>4} {'median s':>9} {'min s':>8} {'max s':>8} {'median peak MB':>15}"
    print(header)
    print("-" * len(header))
    for name, s in summaries.items():
        print(
            f"{name:<16} {len(s.runs):>4} {s.median_s:>9.2f} {min(s.times):>8.2f} {max(s.times):>8.2f} "
            f"{s.median_peak_mb:>15.0f}"
        )
    print()
    print(
        f"{'scenario':<16} {'stacks':>6} {'resources':>9}  median phases (s): eager / import / build / synth"
    )
    for name, s in summaries.items():
        last = s.runs[-1]
        ph = {k: statistics.median(r.phases[k] for r in s.runs) for k in last.phases}
        print(
            f"{name:<16} {last.stacks:>6} {last.resources:>9}  "
            f"{ph['eager_s']:.2f} / {ph['import_s']:.2f} / {ph['build_s']:.2f} / {ph['synth_s']:.2f}"
        )
    print()
    for name, s in summaries.items():
        print(f"jsii assemblies loaded in {name}: {', '.join(s.runs[-1].assemblies)}")
    if "eager-baseline" in summaries:
        eager = summaries["eager-baseline"]
        modules = eager.runs[-1].eager_import_s
        per_module = {m: statistics.median(r.eager_import_s[m] for r in eager.runs) for m in modules}
        print(
            "eager-baseline median import time per module (s): "
            + ", ".join(f"{m} {t:.2f}" for m, t in per_module.items())
        )


def _ratio_key(eager: str, lazy: str) -> str:
    return f"{eager.replace('-', '_')}_over_{lazy.replace('-', '_')}"


def _ratios(summaries: dict[str, ScenarioSummary]) -> dict[str, float]:
    ratios: dict[str, float] = {}
    if "eager-baseline" in summaries and "aws-one-env" in summaries:
        lazy, eager = summaries["aws-one-env"], summaries["eager-baseline"]
        ratios["eager_baseline_over_aws_one_env_time"] = eager.median_s / lazy.median_s
        ratios["eager_baseline_over_aws_one_env_peak_mb"] = eager.median_peak_mb / lazy.median_peak_mb
    for eager_name, lazy_name in EAGER_INDEX_PAIRS:
        if eager_name in summaries and lazy_name in summaries:
            eager, lazy = summaries[eager_name], summaries[lazy_name]
            key = _ratio_key(eager_name, lazy_name)
            ratios[f"{key}_time"] = eager.median_s / lazy.median_s
            ratios[f"{key}_peak_mb"] = eager.median_peak_mb / lazy.median_peak_mb
    return ratios


def _targets(summaries: dict[str, ScenarioSummary]) -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = []
    for scenario, metric, limit, unit in TARGETS:
        if scenario not in summaries:
            continue
        value = float(getattr(summaries[scenario], metric))
        rows.append(
            {
                "scenario": scenario,
                "metric": metric,
                "value": value,
                "limit": limit,
                "unit": unit,
                "meets": value < limit,
            }
        )
    return rows


def main(argv: list[str] | None = None) -> int:
    args = _parse_args(argv)
    scenarios = [s for s in SCENARIOS if s in (args.scenarios or SCENARIOS)]
    summaries = {s: ScenarioSummary(s) for s in scenarios}
    print(
        f"python {platform.python_version()} ({sys.executable}), {psutil.cpu_count()} CPUs, "
        f"{psutil.virtual_memory().total / 1024**3:.1f} GiB RAM; {args.runs} run(s) per scenario, "
        "each a fresh subprocess, scenarios interleaved",
        flush=True,
    )
    for i in range(args.runs):
        for scenario in scenarios:
            try:
                result = run_once(scenario)
            except SynthFailed as exc:
                print(f"error: {exc}", file=sys.stderr)
                if exc.stdout.strip():
                    print("--- stdout ---", file=sys.stderr)
                    print(exc.stdout.rstrip(), file=sys.stderr)
                print("--- stderr ---", file=sys.stderr)
                print(exc.stderr.rstrip(), file=sys.stderr)
                return 1
            summaries[scenario].runs.append(result)
            print(
                f"  run {i + 1}/{args.runs} {scenario:<16} {result.seconds:6.2f} s {result.peak_mb:7.0f} MB",
                flush=True,
            )
    print()
    _print_table(summaries)
    ratios = _ratios(summaries)
    targets = _targets(summaries)
    print()
    if "eager_baseline_over_aws_one_env_time" in ratios:
        time_ratio = ratios["eager_baseline_over_aws_one_env_time"]
        mem_ratio = ratios["eager_baseline_over_aws_one_env_peak_mb"]
        print(f"eager-baseline / aws-one-env median time: {time_ratio:.2f}x (peak memory {mem_ratio:.2f}x)")
    for eager_name, lazy_name in EAGER_INDEX_PAIRS:
        key = _ratio_key(eager_name, lazy_name)
        if f"{key}_time" in ratios:
            print(
                f"{eager_name} / {lazy_name} median time: {ratios[key + '_time']:.2f}x "
                f"(peak memory {ratios[key + '_peak_mb']:.2f}x)"
            )
    for t in targets:
        label = "median time" if t["metric"] == "median_s" else "median peak"
        print(
            f"target {t['scenario']} {label} < {t['limit']:g} {t['unit']}: "
            f"{'meets' if t['meets'] else 'misses'} ({t['value']:.2f} {t['unit']})"
        )
    if args.json:
        payload = {
            "python": platform.python_version(),
            "cpus": psutil.cpu_count(),
            "runs": args.runs,
            "sample_interval_s": SAMPLE_INTERVAL_S,
            "scenarios": {name: s.figures() for name, s in summaries.items()},
            "ratios": ratios,
            "targets": targets,
        }
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps(payload, indent=2) + "\n", encoding="utf-8")
        print(f"figures written to {args.json}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
