"""checkov makes no outbound connection: it runs the gate's environment on a fresh HOME under a Python
audit hook (injected as sitecustomize) that refuses and records every connection that is not loopback.
Without the offline settings the same run reaches for the package index (the update check)."""

from __future__ import annotations

import json
import subprocess
import textwrap
from collections.abc import Callable
from pathlib import Path

import pytest

from blueprint.policy.checkov import OFFLINE_ENV, checkov_env, scannable
from blueprint.policy.model import StackDoc

pytestmark = pytest.mark.policy

GUARD = textwrap.dedent(
    """
    import ipaddress, os, socket, sys

    LOG = os.environ["NET_GUARD_LOG"]

    def _loopback(host):
        try:
            return ipaddress.ip_address(host).is_loopback
        except ValueError:
            return host in ("localhost",)

    def hook(event, args):
        if event == "socket.getaddrinfo":
            host = args[0]
        elif event == "socket.connect":
            address = args[1]
            host = address[0] if isinstance(address, tuple) else None
        else:
            return
        if host is None or (isinstance(host, str) and _loopback(host)):
            return
        if isinstance(host, bytes):
            host = host.decode()
        with open(LOG, "a") as log:
            log.write(f"{event} {host}\\n")
        raise OSError("network refused by the test's guard")

    sys.addaudithook(hook)
    """
)


def _run_guarded(
    checkov: str, stack: Path, env: dict[str, str], tmp_path: Path
) -> tuple[subprocess.CompletedProcess[str], list[str]]:
    guard_dir = tmp_path / "guard"
    guard_dir.mkdir(exist_ok=True)
    (guard_dir / "sitecustomize.py").write_text(GUARD)
    log = tmp_path / "connections.log"
    log.unlink(missing_ok=True)
    home = tmp_path / "fresh-home"
    home.mkdir(exist_ok=True)
    full = {**env, "HOME": str(home), "PYTHONPATH": str(guard_dir), "NET_GUARD_LOG": str(log)}
    cmd = [checkov, "--framework", "terraform_json", "--skip-download", "--output", "json", "-f", str(stack)]
    proc = subprocess.run(cmd, env=full, capture_output=True, text=True, timeout=300, check=False)
    return proc, (log.read_text().splitlines() if log.is_file() else [])


def test_checkov_makes_no_outbound_connection(
    mutated: Callable[[str, Callable[[dict], None]], StackDoc], checkov_bin: str, tmp_path: Path
) -> None:
    stack = mutated("dev-aws-lake", lambda doc: doc.update(scannable(doc)))  # as the gate scans it
    proc, attempts = _run_guarded(checkov_bin, stack.path, checkov_env(), tmp_path)
    assert attempts == []
    assert proc.returncode in (0, 1), proc.stderr[-2000:]
    assert json.loads(proc.stdout)["summary"]["passed"] > 0  # it really scanned the stack


def test_without_the_offline_settings_checkov_reaches_out(
    mutated: Callable[[str, Callable[[dict], None]], StackDoc], checkov_bin: str, tmp_path: Path
) -> None:
    stack = mutated("dev-aws-lake", lambda doc: doc.update(scannable(doc)))  # as the gate scans it
    online = {k: v for k, v in checkov_env().items() if k not in OFFLINE_ENV}
    _, attempts = _run_guarded(checkov_bin, stack.path, online, tmp_path)
    assert attempts, "the guard saw no connection attempt: it proves nothing"
