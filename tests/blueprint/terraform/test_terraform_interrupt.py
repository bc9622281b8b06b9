"""A signal to blueprint's process group must not reach a running `terraform apply` (its provider
plugins would die mid-call and leave a created resource out of the state); blueprint asks terraform
to stop instead. Proven with a stand-in terraform that reports its session and the signal it got."""

from __future__ import annotations

import json
import os
import sys
import threading
import time
from pathlib import Path

import pytest

from blueprint import terraform
from blueprint.errors import TerraformError
from blueprint.terraform import Target, TerraformRunner

pytestmark = pytest.mark.unit  # a stand-in terraform: no provider, no emulator

FAKE = """#!{python}
import json, os, signal, sys, time
from pathlib import Path
report = Path({report!r})
def stop(signum, _frame):
    report.write_text(json.dumps({{"sid": os.getsid(0), "signal": signum}}))
    print(json.dumps({{"type": "diagnostic", "diagnostic": {{"severity": "error", "summary": "stopped"}}}}))
    sys.exit(1)
signal.signal(signal.SIGINT, stop)
signal.signal(signal.SIGTERM, stop)
Path(str(report) + ".started").write_text(str(os.getsid(0)))
print(json.dumps({{"type": "apply_start", "@message": "started"}}), flush=True)
for _ in range(600):
    time.sleep(0.1)
sys.exit(3)
"""


def test_apply_runs_in_its_own_session_and_is_interrupted_gracefully(tmp_path: Path) -> None:
    report = tmp_path / "report.json"
    fake = tmp_path / "terraform"
    fake.write_text(FAKE.format(python=sys.executable, report=str(report)))
    fake.chmod(0o755)
    runner = TerraformRunner(tmp_path / "work", Target.OFFLINE, binary=str(fake), mirror=None)
    stack = tmp_path / "stack"
    stack.mkdir()
    errors: list[BaseException] = []

    def apply() -> None:
        try:
            runner.apply(stack)
        except BaseException as exc:
            errors.append(exc)

    thread = threading.Thread(target=apply)
    thread.start()
    started = Path(str(report) + ".started")
    deadline = time.monotonic() + 30
    while not started.exists() and time.monotonic() < deadline:
        time.sleep(0.05)
    assert started.exists(), "the stand-in terraform never started"
    assert int(started.read_text()) != os.getsid(0)  # a group-wide signal to us does not reach it

    assert terraform.interrupt_applies() == 1
    thread.join(timeout=30)
    assert not thread.is_alive()
    assert report.exists()
    assert json.loads(report.read_text())["signal"] == 2  # SIGINT: terraform's graceful stop
    assert len(errors) == 1 and isinstance(errors[0], TerraformError)
    assert "stopped" in str(errors[0])
    assert terraform.interrupt_applies() == 0  # finished applies are forgotten


@pytest.mark.parametrize("signum", [2, 15])
def test_cli_signal_handlers_forward_to_applies(monkeypatch: pytest.MonkeyPatch, signum: int) -> None:
    from blueprint import cli

    asked: list[int] = []
    monkeypatch.setattr(terraform, "interrupt_applies", lambda: asked.append(1) or 1)
    handler = cli._interrupt if signum == 2 else cli._terminate
    with pytest.raises((KeyboardInterrupt, SystemExit)):
        handler(signum, None)
    assert asked == [1]
