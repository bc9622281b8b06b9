"""Shared fixtures and the run's discipline. Every test carries its tier as a marker (pyproject.toml).

- One provider cache for the whole run (`BLUEPRINT_PLUGIN_CACHE`, under .blueprint/), so no test working
  area installs the AWS provider again, and terraform commands time out well before the CI wall.
- The test process is a child subreaper: servers and terraform processes that tests start (also through
  CLI subprocesses that exit before them) stay its descendants, and the session's end stops every one of
  them by PID, also after a failure or a timeout; it names what it had to stop.
- `local_deployment`: `local` deployed once per session for the read-only consumers, which run on one
  xdist worker (group "local") in the order of their `local_deployment(step=N)` marker.
"""

from __future__ import annotations

import contextlib
import ctypes
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))  # main.py, stacks/ and modules/ are imported from the repo root

from blueprint.synth.node import configure_node  # noqa: E402

configure_node()  # the kernel's node settings, before any test imports cdktn

from tests.shared_deployment import LocalDeployment  # noqa: E402

# Defaults for the whole run (a user's explicit setting wins): one shared provider cache, and terraform
# commands that give up after 10 minutes instead of 30.
os.environ.setdefault("BLUEPRINT_PLUGIN_CACHE", str(REPO / ".blueprint" / "test-plugin-cache"))
os.environ.setdefault("BLUEPRINT_TERRAFORM_TIMEOUT", "600")
# Suppression expiry is judged as of the checked-out commit's date, so a commit's verdict never changes
# with the calendar (`blueprint check` in the policy workflow judges as of today).
os.environ.setdefault(
    "BLUEPRINT_TODAY",
    subprocess.run(
        ["git", "-C", str(REPO), "log", "-1", "--format=%cs"], capture_output=True, text=True, check=False
    ).stdout.strip()
    or time.strftime("%Y-%m-%d"),
)
PR_SET_CHILD_SUBREAPER = 36
# Processes tests start and must not outlive the run (matched against the command line).
OUR_PROCESSES = ("blueprint.emulator.server", "terraform", "tansu", "fake-gcs-server", "azurite", "mlflow")


@pytest.fixture
def cli_env(tmp_path: Path) -> dict[str, str]:
    """Environment for running the CLI in a subprocess with its own working area."""
    env = dict(os.environ)
    env["BLUEPRINT_HOME"] = str(tmp_path / "home")
    for var in (
        "BLUEPRINT_AWS_ENDPOINT",
        "LOCALSTACK_ENDPOINT",
        "BLUEPRINT_TERRAFORM",
        "BLUEPRINT_PROVIDER_MIRROR",
    ):
        env.pop(var, None)
    return env


TIERS = ("unit", "synth", "policy", "plan", "apply", "runtime")


def tier_of(item: pytest.Item) -> str | None:
    """The test's tier: its closest tier marker (a function's own marker overrides its module's)."""
    return next((m.name for m in item.iter_markers() if m.name in TIERS), None)


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Every test carries a tier marker (pyproject.toml lists them); a test without one, or with two
    of its own, makes the run fail before anything runs, naming the tests. Then the consumers of the
    shared deployment are grouped and put in order."""
    untiered = [item.nodeid for item in items if tier_of(item) is None]
    several = [
        item.nodeid for item in items if sum(m.name in TIERS for m in getattr(item, "own_markers", [])) > 1
    ]
    if untiered or several:
        lines = [f"  no tier marker: {n}" for n in untiered] + [
            f"  several tier markers: {n}" for n in several
        ]
        raise pytest.UsageError(
            "every test needs one tier marker (" + ", ".join(TIERS) + "):\n" + "\n".join(lines)
        )
    order_local_consumers(items)
    deselect_for_the_endpoint(config, items)


def pytest_configure(config: pytest.Config) -> None:
    # Linux: orphans of our descendants are re-parented to this process, so cleanup finds them.
    with contextlib.suppress(OSError, AttributeError):
        ctypes.CDLL(None, use_errno=True).prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0)


def leftover_processes() -> list[Any]:
    """Descendants of this process that tests started: emulators, brokers, terraform, storage emulators."""
    import psutil

    found = []
    for child in psutil.Process().children(recursive=True):
        try:
            line = " ".join(child.cmdline())
        except (psutil.NoSuchProcess, psutil.AccessDenied):
            continue
        if any(mark in line for mark in OUR_PROCESSES):
            found.append(child)
    return found


def stop_processes(processes: list[Any], wait_s: float = 10.0) -> list[str]:
    """SIGTERM, a bounded wait, then SIGKILL; returns what was stopped, for the report."""
    import psutil

    stopped = []
    for proc in processes:
        try:
            stopped.append(f"{proc.pid} {' '.join(proc.cmdline())[:120]}")
            proc.send_signal(signal.SIGTERM)
        except psutil.NoSuchProcess:
            continue
    _, alive = psutil.wait_procs(processes, timeout=wait_s)
    for proc in alive:
        try:
            proc.kill()
        except psutil.NoSuchProcess:
            continue
    psutil.wait_procs(alive, timeout=wait_s)
    return stopped


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    stopped = stop_processes(leftover_processes())
    if stopped:
        print(  # the run's report: what a test left running
            "\nsession cleanup stopped processes the tests left running:\n  " + "\n  ".join(stopped),
            file=sys.stderr,
        )


# -- the shared deployment of `local` -------------------------------------------------------------------


KAFKA_BOOTSTRAP_ENV = "BLUEPRINT_KAFKA_BOOTSTRAP"  # read by blueprint/emulator/moto_patches.py


@pytest.fixture(scope="session")
def local_deployment(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LocalDeployment]:
    from blueprint import emulator
    from blueprint.release import deploy
    from blueprint.release.bundle import current_commit
    from blueprint.spec import load_env
    from tests.pipelines.kafka_broker import start as start_broker
    from tests.pipelines.kafka_broker import stop as stop_broker

    base = tmp_path_factory.mktemp("local-deployment")
    home, out = base / "home", base / "out"
    broker = start_broker(base / "tansu")
    commit = current_commit(REPO)  # read once: files edited during the run must not look like another
    patch = pytest.MonkeyPatch()
    try:
        with patch.context() as env:
            env.setenv(KAFKA_BOOTSTRAP_ENV, broker.bootstrap)  # the emulator inherits it
            emulator.ensure(home)
        patch.setattr(deploy, "current_commit", lambda _repo: commit)
        t0 = time.perf_counter()
        result = deploy.deploy(load_env("local"), home, out)
        print(f"\nshared deployment of local: {time.perf_counter() - t0:.0f} s", file=sys.stderr)
        yield LocalDeployment(load_env("local"), home, out, result, commit, broker.bootstrap)
    finally:
        patch.undo()
        emulator.stop(home)
        stop_broker(broker)


def order_local_consumers(items: list[pytest.Item]) -> None:
    """The consumers of the shared deployment: one xdist group, in the order of their steps."""
    steps = {
        id(item): marker.kwargs.get("step", 0)
        for item in items
        if (marker := item.get_closest_marker("local_deployment")) is not None
    }
    for item in items:
        if id(item) in steps:
            item.add_marker(pytest.mark.xdist_group("local"))
    consumers = sorted((i for i in items if id(i) in steps), key=lambda i: steps[id(i)])
    positions = [n for n, i in enumerate(items) if id(i) in steps]
    for position, item in zip(positions, consumers, strict=True):
        items[position] = item


# -- apply tier against another AWS endpoint (tests/endpoint_capabilities.py) -----------------------------

DESELECTED_FOR_ENDPOINT: list[str] = []


def deselect_for_the_endpoint(config: pytest.Config, items: list[pytest.Item]) -> None:
    from tests.endpoint_capabilities import endpoint_kind, unmet

    kind = endpoint_kind()
    keep, drop = [], []
    for item in items:
        need = item.get_closest_marker("aws")
        reason = None
        if need is not None:
            reason = unmet(
                kind,
                frozenset(need.kwargs.get("services", ())),
                tuple(need.kwargs.get("moto_patches", ())),
                bool(need.kwargs.get("embedded", False)),
            )
        elif tier_of(item) == "apply" and kind != "moto":
            reason = "declares no pytest.mark.aws(...) needs"
        (drop if reason else keep).append(item)
        if reason:
            DESELECTED_FOR_ENDPOINT.append(f"{item.nodeid}: {reason}")
    if drop:
        config.hook.pytest_deselected(items=drop)
        items[:] = keep


def pytest_terminal_summary(terminalreporter: Any) -> None:
    if DESELECTED_FOR_ENDPOINT:
        terminalreporter.section("deselected: the AWS endpoint cannot run them")
        for line in DESELECTED_FOR_ENDPOINT:
            terminalreporter.write_line(line)
