"""Post-deploy smoke checks per cloud: the settings the lake promises, as the cloud's SDK reports them,
and an object round trip. `checks` is the shared vocabulary, one file per cloud holds its checks,
`clients` makes the SDK clients. `verify_lake` is the one entry point (`blueprint verify`)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from blueprint.errors import BlueprintError
from blueprint.spec import PlatformSpec
from blueprint.verify.checks import Check


def _aws(spec: PlatformSpec, workdir: Path, endpoint: str | None) -> list[Check]:
    from blueprint.verify.aws import verify_aws
    from blueprint.verify.clients import s3_client

    if endpoint:
        raise BlueprintError(
            "--endpoint is for GCP and Azure storage emulators",
            fix="AWS uses the emulator `blueprint up` runs (or BLUEPRINT_AWS_ENDPOINT); drop --endpoint",
        )
    return verify_aws(s3_client(spec, workdir), spec)


def _gcp(spec: PlatformSpec, workdir: Path, endpoint: str | None) -> list[Check]:
    from blueprint.verify.clients import gcs_client
    from blueprint.verify.gcp import verify_gcs

    return verify_gcs(gcs_client(spec, endpoint), spec)


def _azure(spec: PlatformSpec, workdir: Path, endpoint: str | None) -> list[Check]:
    from blueprint.verify.azure import lake_storage_account, verify_azure_blob
    from blueprint.verify.clients import azure_blob_service

    return verify_azure_blob(azure_blob_service(spec, lake_storage_account(spec), endpoint), spec)


VERIFIERS: dict[str, Callable[[PlatformSpec, Path, str | None], list[Check]]] = {
    "aws": _aws,
    "gcp": _gcp,
    "azure": _azure,
}


def verify_lake(spec: PlatformSpec, cloud: str, workdir: Path, endpoint: str | None = None) -> list[Check]:
    """The lake's smoke checks on `cloud` of `spec` (an emulator's `endpoint` for GCP and Azure)."""
    if cloud not in VERIFIERS:
        raise BlueprintError(f"--cloud {cloud}: unknown", fix=f"use one of {', '.join(VERIFIERS)}")
    spec.clouds.require(cloud)  # type: ignore[call-overload]
    return VERIFIERS[cloud](spec, workdir, endpoint)
