"""What the session's shared deployment of `local` gives its consumers (the fixture is in conftest.py)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any


@dataclass
class LocalDeployment:
    """`local` deployed once for the session, on its own emulator, with a Kafka broker behind MSK."""

    spec: Any
    home: Path
    out: Path
    result: Any  # blueprint.release.deploy.DeployResult
    commit: str  # what the ledger recorded; promotions of this deployment pin it
    kafka_bootstrap: str
