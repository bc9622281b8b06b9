"""Where an environment's stacks and state live: the emulator (started on demand) or the cloud."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import boto3

from blueprint import emulator as emulator_mod
from blueprint.emulator import Emulator
from blueprint.errors import BlueprintError
from blueprint.release import state_store
from blueprint.spec import PlatformSpec
from blueprint.terraform import Target, TerraformRunner


@dataclass(frozen=True)
class Connection:
    """Where an environment's AWS stacks and state live."""

    target: Target
    region: str
    emulator: Emulator | None

    def s3(self) -> Any:
        if self.emulator is not None:
            return boto3.client("s3", **self.emulator.boto3_kwargs(self.region))
        return boto3.client("s3", region_name=self.region)

    def runner(self, workdir: Path) -> TerraformRunner:
        return TerraformRunner(workdir, self.target, self.emulator, region=self.region)


def connect(spec: PlatformSpec, workdir: Path, start: bool = True) -> Connection:
    """The emulator (started when `start` and not running) for emulated environments, else the cloud."""
    aws = spec.clouds.aws
    if aws is None or not aws.enabled:
        raise BlueprintError(f"{spec.name} has no AWS cloud", fix="enable clouds.aws in the environment file")
    if not aws.emulator:
        return Connection(Target.CLOUD, aws.region, None)
    emu = emulator_mod.ensure(workdir) if start else emulator_mod.running(workdir)
    if emu is None:
        raise BlueprintError(
            f"no emulator is running for {spec.name}", fix=f"run `blueprint deploy --env {spec.name}` first"
        )
    return Connection(Target.EMULATOR, aws.region, emu)


def prepare_state(conn: Connection, spec: PlatformSpec) -> None:
    """On the emulator the state bucket is part of the environment: create it. In a cloud it is made
    once by `blueprint bootstrap` with admin rights, never by a deploy role."""
    if conn.target is Target.EMULATOR:
        state_store.bootstrap(conn.s3(), spec)
