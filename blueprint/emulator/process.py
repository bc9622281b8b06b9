"""The embedded AWS emulator: moto server on a free 127.0.0.1 port, started and stopped by PID.

Users who run their own emulator point the blueprint at it with `BLUEPRINT_AWS_ENDPOINT` (or
`LOCALSTACK_ENDPOINT`); then nothing is started and `down` leaves their emulator running.
"""

from __future__ import annotations

import fcntl
import json
import os
import secrets
import signal
import socket
import ssl
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from blueprint.errors import EmulatorError

# Dummy credentials the emulator accepts; they grant nothing anywhere else.
EMULATOR_ACCESS_KEY = "testing"
EMULATOR_SECRET_KEY = "testing"
EMULATOR_ACCOUNT_ID = "123456789012"
ENDPOINT_ENV_VARS = ("BLUEPRINT_AWS_ENDPOINT", "LOCALSTACK_ENDPOINT")
STATE_FILE = "emulator.json"
SERVER_MODULE = "blueprint.emulator.server"
IDENTITY_PATH = "/_blueprint/emulator"  # blueprint.emulator.server answers it
START_TIMEOUT_S = 60.0
STOP_TIMEOUT_S = 10.0


@dataclass(frozen=True)
class Emulator:
    """A reachable emulator endpoint; `pid` is set only when the blueprint started it."""

    endpoint: str
    pid: int | None = None
    log_file: str | None = None
    ca_bundle: str | None = None  # the certificate the embedded emulator serves TLS with
    nonce: str | None = None  # what the embedded emulator answers at IDENTITY_PATH

    @property
    def owned(self) -> bool:
        return self.pid is not None

    def aws_env(self, region: str) -> dict[str, str]:
        """Environment for terraform and SDKs: every AWS call goes to the emulator."""
        return {
            "AWS_ENDPOINT_URL": self.endpoint,
            "AWS_ACCESS_KEY_ID": EMULATOR_ACCESS_KEY,
            "AWS_SECRET_ACCESS_KEY": EMULATOR_SECRET_KEY,
            "AWS_REGION": region,
            "AWS_DEFAULT_REGION": region,
            "AWS_EC2_METADATA_DISABLED": "true",
            **({"AWS_CA_BUNDLE": self.ca_bundle} if self.ca_bundle else {}),
        }

    def boto3_kwargs(self, region: str) -> dict[str, Any]:
        from botocore.config import Config

        return {
            "endpoint_url": self.endpoint,
            "region_name": region,
            "aws_access_key_id": EMULATOR_ACCESS_KEY,
            "aws_secret_access_key": EMULATOR_SECRET_KEY,
            "config": Config(s3={"addressing_style": "path"}, retries={"max_attempts": 2}),
            "verify": self.ca_bundle if self.ca_bundle else None,
        }


def external_endpoint() -> str | None:
    for var in ENDPOINT_ENV_VARS:
        if value := os.environ.get(var, "").strip():
            return value.rstrip("/")
    return None


PORT_HOLD_S = 120.0  # a port handed out is not handed out again this long, to any process of this user


def free_port() -> int:
    """A free 127.0.0.1 port for a server that must be told its port (the test broker and storage
    emulators; the AWS emulator binds its own). Ports handed out recently, by any process, are skipped:
    the kernel may offer a port again before the first server has bound it."""
    registry = Path(tempfile.gettempdir()) / f"blueprint-ports-{os.getuid()}.json"
    with (registry.with_suffix(".lock")).open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            held = {int(k): float(v) for k, v in json.loads(registry.read_text()).items()}
        except (OSError, ValueError, AttributeError):
            held = {}
        now = time.time()
        held = {port: until for port, until in held.items() if until > now}
        for _ in range(64):  # bounded: the ephemeral range has thousands of ports
            with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
                sock.bind(("127.0.0.1", 0))
                port = int(sock.getsockname()[1])
            if port not in held:
                held[port] = now + PORT_HOLD_S
                registry.write_text(json.dumps(held))
                return port
        raise EmulatorError("no free port on 127.0.0.1 after 64 tries", fix="stop servers left running")


def is_healthy(endpoint: str, timeout: float = 2.0, ca_bundle: str | None = None) -> bool:
    """True when the endpoint answers HTTP (moto answers any path; LocalStack has /_localstack/health)."""
    context = ssl.create_default_context(cafile=ca_bundle) if ca_bundle else None
    # Cheap paths only: /moto-api/data.json serializes the whole emulator state, which takes longer
    # than the timeout once a few environments are deployed (and a live emulator looked dead).
    for path in ("/_localstack/health", "/"):
        try:
            with urllib.request.urlopen(endpoint + path, timeout=timeout, context=context) as resp:
                if resp.status < 500:
                    return True
        except urllib.error.HTTPError as exc:
            if exc.code < 500:
                return True
        except (OSError, ValueError):
            return False
    return False


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _is_our_emulator(pid: int) -> bool:
    """Guard against PID reuse: only stop a process whose command line is a moto server."""
    try:
        cmdline = Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ")
    except OSError:
        return _pid_alive(pid)
    return any(mark in cmdline for mark in (SERVER_MODULE.encode(), b"moto", b"localstack"))


def _state_path(workdir: Path) -> Path:
    return workdir / STATE_FILE


HEALTH_RETRY_TIMEOUTS_S = (2.0, 5.0, 10.0)


def running(workdir: Path) -> Emulator | None:
    """The emulator recorded in `workdir` (started by an earlier command), if it still answers."""
    if ext := external_endpoint():
        return Emulator(endpoint=ext) if is_healthy(ext) else None
    path = _state_path(workdir)
    if not path.is_file():
        return None
    try:
        data = json.loads(path.read_text())
        emu = Emulator(**data)
    except (ValueError, TypeError):
        path.unlink(missing_ok=True)
        return None
    if emu.pid is None or not _pid_alive(emu.pid):
        path.unlink(missing_ok=True)  # it died: forget it
        return None
    # Alive: a busy machine can make one health check time out, so try a few times; if it still does
    # not answer, keep the record, so `stop` can still end it by its PID. The emulator must answer with
    # its own nonce and PID: a port another server now holds is never taken for it.
    for timeout in HEALTH_RETRY_TIMEOUTS_S:
        if emu.nonce is None:
            if is_healthy(emu.endpoint, timeout=timeout, ca_bundle=emu.ca_bundle):
                return emu
        elif identity(emu.endpoint, emu.ca_bundle, timeout=timeout) == (emu.nonce, emu.pid):
            return emu
    return None


def ensure(workdir: Path) -> Emulator:
    """Reuse the running emulator or start one. Raises `EmulatorError` with a fix when it can't."""
    if ext := external_endpoint():
        if not is_healthy(ext):
            raise EmulatorError(
                f"the AWS emulator at {ext} (from {_which_var()}) does not answer",
                fix=f"start it, or unset {_which_var()} to let the blueprint start moto itself",
            )
        return Emulator(endpoint=ext)
    workdir.mkdir(parents=True, exist_ok=True)
    # Two commands at once (two `up`s) must share one emulator, not race to start two.
    with (workdir / "emulator.lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if emu := running(workdir):
            return emu
        if (pid := _recorded_pid(workdir)) is not None:
            # Alive but not answering: a second emulator would start from nothing and the first (with
            # every bucket and state object) would be orphaned. Say so instead.
            raise EmulatorError(
                f"the emulator of {workdir} (pid {pid}) is running but does not answer",
                fix="wait for the machine to calm down and re-run, or `blueprint down` to stop it",
            )
        return start(workdir)


def _recorded_pid(workdir: Path) -> int | None:
    """The PID of the emulator recorded in `workdir` when that process is alive and is ours."""
    try:
        pid = json.loads(_state_path(workdir).read_text()).get("pid")
    except (OSError, ValueError):
        return None
    return pid if isinstance(pid, int) and _pid_alive(pid) and _is_our_emulator(pid) else None


def _which_var() -> str:
    return next((v for v in ENDPOINT_ENV_VARS if os.environ.get(v, "").strip()), ENDPOINT_ENV_VARS[0])


def start(workdir: Path) -> Emulator:
    """Start moto on a port it binds itself (reported through a ready file), and wait until it answers
    with the nonce it was started with: the endpoint is this emulator, never another server."""
    workdir.mkdir(parents=True, exist_ok=True)
    # TLS, so the buckets' deny-non-TLS policies (which moto enforces) are exercised for real.
    cert, key = loopback_certificate(workdir)
    log_path = (workdir / "emulator.log").resolve()
    ready = (workdir / "emulator.ready").resolve()
    ready.unlink(missing_ok=True)
    nonce = secrets.token_hex(8)
    cmd = [
        sys.executable,
        "-m",
        SERVER_MODULE,
        "--host",
        "127.0.0.1",
        "--port",
        "0",
        "--ready-file",
        str(ready),
        "--nonce",
        nonce,
        "--cert",
        str(cert),
        "--key",
        str(key),
    ]
    with log_path.open("ab") as log:
        proc = subprocess.Popen(
            cmd, stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, start_new_session=True
        )
    deadline = time.monotonic() + START_TIMEOUT_S
    endpoint = ""
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise EmulatorError(
                f"moto server exited with code {proc.returncode} while starting; see {log_path}",
                fix="install the emulator with scripts/setup.sh (moto[server] is a dependency)",
            )
        if not endpoint and ready.is_file():
            endpoint = f"https://127.0.0.1:{int(json.loads(ready.read_text())['port'])}"
        if endpoint and identity(endpoint, str(cert)) == (nonce, proc.pid):
            emu = Emulator(
                endpoint=endpoint, pid=proc.pid, log_file=str(log_path), ca_bundle=str(cert), nonce=nonce
            )
            _state_path(workdir).write_text(json.dumps(asdict(emu)))
            return emu
        time.sleep(0.2)
    terminate_process_group(proc.pid)
    raise EmulatorError(
        f"moto server did not answer within {START_TIMEOUT_S:.0f} s; see {log_path}",
        fix="check the log; a busy machine may need another try",
    )


def identity(endpoint: str, ca_bundle: str | None, timeout: float = 2.0) -> tuple[str, int] | None:
    """(nonce, pid) the embedded emulator at `endpoint` answers with, or None (not ours, not up)."""
    context = ssl.create_default_context(cafile=ca_bundle) if ca_bundle else None
    try:
        with urllib.request.urlopen(endpoint + IDENTITY_PATH, timeout=timeout, context=context) as resp:
            data = json.loads(resp.read())
        return str(data["nonce"]), int(data["pid"])
    except (OSError, ValueError, KeyError, TypeError):
        return None


def loopback_certificate(workdir: Path) -> tuple[Path, Path]:
    """A self-signed leaf certificate for 127.0.0.1 (kept in workdir, valid 30 days, regenerated when old
    or when an earlier version left a CA certificate there)."""
    import datetime
    import ipaddress

    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    cert_path, key_path = (workdir / "emulator-cert.pem").resolve(), (workdir / "emulator-key.pem").resolve()
    now = datetime.datetime.now(datetime.UTC)
    if cert_path.is_file() and key_path.is_file():
        existing = x509.load_pem_x509_certificate(cert_path.read_bytes())
        try:
            is_ca = existing.extensions.get_extension_for_class(x509.BasicConstraints).value.ca
        except x509.ExtensionNotFound:
            is_ca = True
        if existing.not_valid_after_utc > now + datetime.timedelta(days=1) and not is_ca:
            return cert_path, key_path
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "blueprint emulator 127.0.0.1")])
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + datetime.timedelta(days=30))
        .add_extension(
            x509.SubjectAlternativeName(
                [x509.IPAddress(ipaddress.ip_address("127.0.0.1")), x509.DNSName("localhost")]
            ),
            critical=False,
        )
        # A leaf for 127.0.0.1 only: never a CA, so trusting it (AWS_CA_BUNDLE) trusts nothing else.
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=True,
                content_commitment=False,
                key_encipherment=False,
                data_encipherment=False,
                key_agreement=False,
                key_cert_sign=False,
                crl_sign=False,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
        .add_extension(x509.ExtendedKeyUsage([x509.oid.ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
        .sign(key, hashes.SHA256())
    )
    key_path.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        )
    )
    key_path.chmod(0o600)
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    return cert_path, key_path


def terminate_process_group(pid: int) -> None:
    """SIGTERM the process group of `pid` (started with a new session), wait (bounded), then SIGKILL."""
    try:
        os.killpg(pid, signal.SIGTERM)
    except ProcessLookupError:
        return
    deadline = time.monotonic() + STOP_TIMEOUT_S
    while time.monotonic() < deadline:
        try:
            waited, _ = os.waitpid(pid, os.WNOHANG)
        except ChildProcessError:
            waited = 0
            if not _pid_alive(pid):
                return
        if waited == pid:
            return
        time.sleep(0.1)
    try:
        os.killpg(pid, signal.SIGKILL)
    except ProcessLookupError:
        return


def stop(workdir: Path) -> bool:
    """Stop the emulator this workdir started, by its PID. Returns True when one was stopped."""
    path = _state_path(workdir)
    if not path.is_file():
        return False
    try:
        pid = json.loads(path.read_text()).get("pid")
    except ValueError:
        pid = None
    path.unlink(missing_ok=True)
    if isinstance(pid, int) and _pid_alive(pid) and _is_our_emulator(pid):
        terminate_process_group(pid)
        return True
    return False
