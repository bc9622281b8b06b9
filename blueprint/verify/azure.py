"""Post-deploy smoke checks of the Azure lake with azure-storage-blob, mirroring `verify_aws`.

The client must be bound to the lake storage account (`Namer.azure_storage_account("lake")`). Checked:
- the account: it is the lake account, hierarchical namespace (ADLS Gen2) is on, blob soft delete is on
  with the lake's retention (`get_service_properties().delete_retention_policy`), blob versioning is on
  (an upload answers with a version id);
- every container (raw, curated, analytics, artifacts): it exists, its public access level is None
  (private), and a write/read/list/delete round trip (every version) works.

What the data plane cannot see is reported as `NotCheckable` (never a pass): container soft delete,
change feed, the customer-managed key, TLS/HTTPS-only, public network access, shared keys and diagnostics
are Azure Resource Manager properties, on Azure and on Azurite alike (`blueprint policy` checks them in the
synthesized JSON). Azurite has no hierarchical namespace and no blob versioning: on an endpoint that is
not `*.core.windows.net` (or a sovereign cloud), those two are `NotCheckable` instead of failed.

The SDK is imported inside the functions: the CLI loads it only for `blueprint verify --cloud azure`.
"""

from __future__ import annotations

import uuid
from typing import Any
from urllib.parse import urlparse

from blueprint.naming import Namer
from blueprint.spec import PlatformSpec
from blueprint.verify.checks import BODY, LAKE_PURPOSES, ROUND_TRIP, Check, NotCheckable

AZURE_STORAGE_SUFFIXES = (".core.windows.net", ".core.chinacloudapi.cn", ".core.usgovcloudapi.net")
MANAGEMENT_PLANE_ONLY = (
    "container soft delete, change feed, customer-managed key, TLS 1.2 + HTTPS only, public network "
    "access off, shared keys off, diagnostics"
)


def lake_storage_account(spec: PlatformSpec) -> str:
    """The lake account, named as modules/lake/azure.py names it."""
    return Namer(spec.prefix, spec.name).azure_storage_account("lake")


def expected_containers(spec: PlatformSpec) -> list[str]:
    return list(LAKE_PURPOSES) if "lake" in spec.domains.enabled() else []


def soft_delete_days(spec: PlatformSpec) -> int:
    """Blob soft-delete retention the lake sets (SecureStorageAccount of modules/primitives/azure.py:
    clamped to 1..365)."""
    return max(1, min(spec.domains.lake.noncurrent_version_expiration_days, 365))


def is_azure_endpoint(service_client: Any) -> bool:
    host = urlparse(str(getattr(service_client, "url", "") or "")).hostname or ""
    return host.endswith(AZURE_STORAGE_SUFFIXES)


def _error(exc: Exception) -> str:
    code = getattr(exc, "error_code", None)
    return str(code) if code else type(exc).__name__


def check_account(service_client: Any, spec: PlatformSpec) -> list[Check]:
    from azure.core.exceptions import AzureError

    account = lake_storage_account(spec)
    azure = is_azure_endpoint(service_client)
    reapply = f"re-apply the {spec.name}-azure-lake stack"
    name = service_client.account_name
    checks: list[Check] = [
        Check(
            account,
            "the lake storage account",
            name == account,
            "" if name == account else f"client is bound to {name!r}; fix: point it at account {account!r}",
        )
    ]
    try:
        info = service_client.get_account_information()
        hns = info.get("is_hns_enabled") is True
        if hns or azure:
            checks.append(
                Check(
                    account, "hierarchical namespace (ADLS Gen2)", hns, "" if hns else f"off; fix: {reapply}"
                )
            )
        else:
            checks.append(
                NotCheckable(account, "hierarchical namespace (ADLS Gen2)", detail="Azurite has no HNS")
            )
    except AzureError as exc:
        checks.append(Check(account, "hierarchical namespace (ADLS Gen2)", False, _error(exc)))
    try:
        policy = service_client.get_service_properties().get("delete_retention_policy")
        enabled, days = bool(getattr(policy, "enabled", False)), getattr(policy, "days", None)
        ok = enabled and days == soft_delete_days(spec)
        detail = f"enabled={enabled}, days={days}"
        checks.append(
            Check(
                account,
                f"blob soft delete: {soft_delete_days(spec)} days",
                ok,
                detail if ok else f"{detail}; fix: {reapply}",
            )
        )
    except AzureError as exc:
        checks.append(Check(account, "blob soft delete", False, _error(exc)))
    checks.append(
        NotCheckable(
            account,
            "management-plane settings",
            detail=f"{MANAGEMENT_PLANE_ONLY}: Azure Resource Manager properties the blob SDK cannot see",
        )
    )
    return checks


def check_container(container_client: Any, spec: PlatformSpec) -> list[Check]:
    from azure.core.exceptions import AzureError, ResourceNotFoundError

    subject = f"{container_client.account_name}/{container_client.container_name}"
    try:
        props = container_client.get_container_properties()
    except ResourceNotFoundError:
        return [Check(subject, "exists", False, f"not found; fix: apply the {spec.name}-azure-lake stack")]
    except AzureError as exc:
        return [Check(subject, "exists", False, _error(exc))]
    access = props.public_access
    return [
        Check(subject, "exists", True),
        Check(
            subject,
            "public access: none (private)",
            access is None,
            ""
            if access is None
            else f"public access is {access!r}; fix: az storage container set-permission --name "
            f"{container_client.container_name} --public-access off (the lake sets "
            "container_access_type=private), or re-apply the lake stack",
        ),
    ]


def blob_round_trip(container_client: Any) -> tuple[Check, str | None]:
    """Write, read, list and delete one blob (every version). Returns the check and the version id the
    upload answered with (None when the account does not version blobs)."""
    from azure.core.exceptions import AzureError

    subject = f"{container_client.account_name}/{container_client.container_name}"
    key = f"blueprint-verify/{uuid.uuid4().hex}.txt"
    blob = container_client.get_blob_client(key)
    try:
        version_id = blob.upload_blob(BODY).get("version_id")
        data = blob.download_blob().readall()
        listed = [b.name for b in container_client.list_blobs(name_starts_with=key)]
        blob.delete_blob(delete_snapshots="include")
        for item in container_client.list_blobs(name_starts_with=key, include=["versions"]):
            if item.version_id:
                blob.delete_blob(version_id=item.version_id)
        left = [b.name for b in container_client.list_blobs(name_starts_with=key, include=["versions"])]
    except AzureError as exc:
        return Check(subject, ROUND_TRIP, False, _error(exc)), None
    ok = data == BODY and listed == [key] and not left
    detail = f"read {'ok' if data == BODY else 'different bytes'}, listed={listed == [key]}, left={len(left)}"
    return Check(subject, ROUND_TRIP, ok, detail), version_id


def verify_azure_blob(
    service_client: Any, spec: PlatformSpec, containers: list[str] | None = None
) -> list[Check]:
    """Smoke checks of the Azure lake. `service_client` is an `azure.storage.blob.BlobServiceClient` bound
    to the lake account (`https://<account>.blob.core.windows.net` with `DefaultAzureCredential`; for
    Azurite `http://127.0.0.1:PORT/<account>` with that account's key). `containers` defaults to the
    lake's containers."""
    spec.clouds.require("azure")
    account = lake_storage_account(spec)
    checks = check_account(service_client, spec)
    version_ids: list[str | None] = []
    for name in expected_containers(spec) if containers is None else containers:
        container = service_client.get_container_client(name)
        container_checks = check_container(container, spec)
        checks.extend(container_checks)
        if container_checks[0].ok:
            trip, version_id = blob_round_trip(container)
            checks.append(trip)
            if trip.ok:
                version_ids.append(version_id)
    if version_ids:
        versioned = all(version_ids)
        if versioned or is_azure_endpoint(service_client):
            fix = f"fix: re-apply the {spec.name}-azure-lake stack (blob_properties.versioning_enabled)"
            checks.append(
                Check(account, "blob versioning", versioned, "" if versioned else f"no version id; {fix}")
            )
        else:
            checks.append(NotCheckable(account, "blob versioning", detail="Azurite does not version blobs"))
    return checks
