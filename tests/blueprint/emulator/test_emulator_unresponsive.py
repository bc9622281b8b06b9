"""An emulator that is alive but does not answer is never replaced by a second one (which would start
from nothing and orphan every bucket and state object), and `stop` still ends it by its PID."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
from pathlib import Path

import pytest

from blueprint.emulator import process as emulator
from blueprint.errors import EmulatorError

pytestmark = pytest.mark.unit


def test_alive_but_silent_emulator_is_refused_not_replaced_and_stop_ends_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("BLUEPRINT_AWS_ENDPOINT", raising=False)
    monkeypatch.delenv("LOCALSTACK_ENDPOINT", raising=False)
    monkeypatch.setattr(emulator, "HEALTH_RETRY_TIMEOUTS_S", (0.2,))
    with socket.socket() as listener:  # a port that accepts connections but never answers HTTP
        listener.bind(("127.0.0.1", 0))
        listener.listen()
        port = listener.getsockname()[1]
        # Named like the emulator (the PID-reuse guard looks for the server module in the command line).
        silent = subprocess.Popen(
            [sys.executable, "-c", "import time; time.sleep(60)", "blueprint.emulator.server"],
            start_new_session=True,
        )
        try:
            state = {"endpoint": f"https://127.0.0.1:{port}", "pid": silent.pid}
            (tmp_path / "emulator.json").write_text(json.dumps(state))
            assert emulator.running(tmp_path) is None
            assert (tmp_path / "emulator.json").is_file()  # kept: the process is alive
            with pytest.raises(EmulatorError) as err:
                emulator.ensure(tmp_path)
            assert str(silent.pid) in err.value.message and "down" in (err.value.fix or "")
            assert json.loads((tmp_path / "emulator.json").read_text())["pid"] == silent.pid
            assert emulator.stop(tmp_path)
            assert silent.wait(timeout=30) is not None
        finally:
            if silent.poll() is None:
                os.killpg(silent.pid, 9)
