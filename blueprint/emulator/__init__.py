"""The embedded AWS emulator: moto server on 127.0.0.1 (`process`, `server`, `moto_patches`), and the
`up`/`down`/`status` of an environment that runs on it (`local`, imported by name: it deploys)."""

from blueprint.emulator.process import (
    EMULATOR_ACCOUNT_ID,
    STATE_FILE,
    Emulator,
    ensure,
    external_endpoint,
    free_port,
    is_healthy,
    loopback_certificate,
    running,
    start,
    stop,
    terminate_process_group,
)

__all__ = [
    "EMULATOR_ACCOUNT_ID",
    "STATE_FILE",
    "Emulator",
    "ensure",
    "external_endpoint",
    "free_port",
    "is_healthy",
    "loopback_certificate",
    "running",
    "start",
    "stop",
    "terminate_process_group",
]
