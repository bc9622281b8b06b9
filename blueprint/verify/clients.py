"""SDK clients of the smoke checks, per cloud: an emulator's endpoint when one is given, else the cloud's
own endpoint with its default credentials. The SDKs are imported here, when a check needs them."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from blueprint.errors import BlueprintError
from blueprint.spec import PlatformSpec

AZURE_KEY_ENV = "BLUEPRINT_AZURE_STORAGE_KEY"


def s3_client(spec: PlatformSpec, workdir: Path) -> Any:
    """S3 of the environment: the running emulator for an emulated environment, else AWS itself."""
    import boto3

    region = spec.clouds.require("aws").region
    if not spec.emulated:
        return boto3.client("s3", region_name=region)
    from blueprint import emulator

    emu = emulator.running(workdir)
    if emu is None:
        raise BlueprintError(
            "no emulator is running for this working directory", fix="run `blueprint up --env local` first"
        )
    return boto3.client("s3", **emu.boto3_kwargs(region))


def gcs_client(spec: PlatformSpec, endpoint: str | None) -> Any:
    """google-cloud-storage: anonymous against an emulator, application default credentials otherwise."""
    from google.cloud import storage

    project = spec.clouds.require("gcp").project
    if endpoint:
        from google.auth.credentials import AnonymousCredentials

        return storage.Client(
            project=project,
            credentials=AnonymousCredentials(),  # type: ignore[no-untyped-call]
            client_options={"api_endpoint": endpoint},
        )
    return storage.Client(project=project)


def azure_blob_service(spec: PlatformSpec, account: str, endpoint: str | None) -> Any:
    """azure-storage-blob for the lake account: an Azurite endpoint with the account's key."""
    from azure.storage.blob import BlobServiceClient

    spec.clouds.require("azure")
    if not endpoint:
        raise BlueprintError(
            "verifying a real Azure account needs Entra ID credentials (azure-identity), not installed here",
            fix="pass --endpoint of an Azurite serving the lake account, or install azure-identity",
        )
    from azure.core.credentials import AzureNamedKeyCredential

    key = os.environ.get(AZURE_KEY_ENV, "")
    if not key:
        raise BlueprintError(
            f"an emulator endpoint needs the account key in {AZURE_KEY_ENV}",
            fix=f"export {AZURE_KEY_ENV} (the key Azurite serves {account} with)",
        )
    return BlobServiceClient(
        f"{endpoint.rstrip('/')}/{account}", credential=AzureNamedKeyCredential(account, key)
    )
