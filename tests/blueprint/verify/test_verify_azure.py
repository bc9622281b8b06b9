"""Runtime tier: `verify_azure_blob` against Azurite on 127.0.0.1 (started once for this module)."""

from __future__ import annotations

from collections.abc import Iterator
from types import SimpleNamespace

import pytest
import storage_emulators

from blueprint.spec import load_env
from blueprint.verify.azure import (
    expected_containers,
    is_azure_endpoint,
    lake_storage_account,
    soft_delete_days,
    verify_azure_blob,
)
from blueprint.verify.checks import ROUND_TRIP, NotCheckable, split_checks, status

pytestmark = pytest.mark.runtime

SPEC = load_env("dev")
ACCOUNT = lake_storage_account(SPEC)
# What Azurite cannot report (pinned: a release that starts reporting one is noticed).
NOT_CHECKABLE_ON_AZURITE = {
    (ACCOUNT, "hierarchical namespace (ADLS Gen2)"),
    (ACCOUNT, "blob versioning"),
    (ACCOUNT, "management-plane settings"),  # not checkable on Azure either: ARM properties
}


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[storage_emulators.AzuriteServer]:
    srv = storage_emulators.start_azurite(tmp_path_factory.mktemp("azurite"), ACCOUNT)
    try:
        yield srv
    finally:
        storage_emulators.stop(srv)


@pytest.fixture(scope="module")
def service(server: storage_emulators.AzuriteServer):
    from azure.core.credentials import AzureNamedKeyCredential
    from azure.storage.blob import BlobServiceClient

    return BlobServiceClient(
        server.account_url, credential=AzureNamedKeyCredential(server.account, server.key)
    )


@pytest.fixture(scope="module")
def lake(service) -> list[str]:
    """The account and containers as modules/primitives/azure.py `SecureStorageAccount` sets what the data
    plane can set: blob soft delete with the lake's retention, private containers."""
    from azure.storage.blob import RetentionPolicy

    service.set_service_properties(
        delete_retention_policy=RetentionPolicy(enabled=True, days=soft_delete_days(SPEC))
    )
    names = expected_containers(SPEC)
    for name in names:
        service.create_container(name)  # container_access_type = "private"
    return names


def test_lake_passes_and_unreported_settings_are_not_passes(service, lake: list[str]) -> None:
    checks = verify_azure_blob(service, SPEC)
    ran, unchecked = split_checks(checks)
    failed = [c for c in ran if not c.ok]
    assert not failed, failed
    assert {(c.subject, c.name) for c in unchecked} == NOT_CHECKABLE_ON_AZURITE
    assert all(isinstance(c, NotCheckable) and not c.ok and status(c) == "not checkable" for c in unchecked)
    names = {(c.subject, c.name) for c in ran}
    assert (ACCOUNT, "the lake storage account") in names
    assert (ACCOUNT, f"blob soft delete: {soft_delete_days(SPEC)} days") in names
    for container in lake:
        for check in ("exists", "public access: none (private)", ROUND_TRIP):
            assert (f"{ACCOUNT}/{container}", check) in names
        assert not list(
            service.get_container_client(container).list_blobs(name_starts_with="blueprint-verify/")
        )


def test_public_container_fails_naming_container_and_fix(service, lake: list[str]) -> None:
    service.create_container("public", public_access="container")
    checks = verify_azure_blob(service, SPEC, containers=["public"])
    public = next(c for c in checks if c.name == "public access: none (private)")
    assert public.subject == f"{ACCOUNT}/public" and not public.ok and status(public) == "failed"
    assert "public access is 'container'" in public.detail
    assert "az storage container set-permission --name public --public-access off" in public.detail


def test_soft_delete_off_fails(service, lake: list[str]) -> None:
    from azure.storage.blob import RetentionPolicy

    service.set_service_properties(delete_retention_policy=RetentionPolicy(enabled=False))
    try:
        checks = verify_azure_blob(service, SPEC, containers=[])
    finally:
        service.set_service_properties(
            delete_retention_policy=RetentionPolicy(enabled=True, days=soft_delete_days(SPEC))
        )
    soft = next(c for c in checks if c.name.startswith("blob soft delete"))
    assert soft.subject == ACCOUNT and not soft.ok and "fix: re-apply the dev-azure-lake stack" in soft.detail


def test_missing_container_and_wrong_account_fail(server, service, lake: list[str]) -> None:
    checks = verify_azure_blob(service, SPEC, containers=["absent"])
    absent = next(c for c in checks if c.subject == f"{ACCOUNT}/absent")
    assert absent.name == "exists" and not absent.ok and "apply the dev-azure-lake stack" in absent.detail
    other = SimpleNamespace(
        account_name="someotheraccount",
        url="https://someotheraccount.blob.core.windows.net/",
        get_account_information=lambda: {"is_hns_enabled": True},
        get_service_properties=service.get_service_properties,
    )
    account = verify_azure_blob(other, SPEC, containers=[])[0]
    assert account.name == "the lake storage account" and not account.ok
    assert f"point it at account {ACCOUNT!r}" in account.detail


def test_endpoint_detection() -> None:
    def client(url: str) -> SimpleNamespace:
        return SimpleNamespace(url=url)

    assert is_azure_endpoint(client(f"https://{ACCOUNT}.blob.core.windows.net/"))
    assert is_azure_endpoint(client(f"https://{ACCOUNT}.privatelink.blob.core.windows.net/"))
    assert not is_azure_endpoint(client(f"http://127.0.0.1:10000/{ACCOUNT}"))


def test_missing_emulators_fail_with_the_fix(monkeypatch: pytest.MonkeyPatch, tmp_path) -> None:
    """Never a skip: scripts/setup.sh installs both, and a missing one names it and the fix."""
    monkeypatch.setattr(storage_emulators, "AZURITE_BLOB_MAIN", tmp_path / "main.js")
    with pytest.raises(
        pytest.fail.Exception, match=r"azurite \(for Azurite\) is missing .*run scripts/setup.sh"
    ):
        storage_emulators.azurite_command()
    monkeypatch.setattr(storage_emulators, "FAKE_GCS_WRAPPER", "not_installed_fake_gcs_wrapper")
    with pytest.raises(
        pytest.fail.Exception, match=r"fake-gcs-server is not installed.*run scripts/setup.sh"
    ):
        storage_emulators.fake_gcs_binary()
