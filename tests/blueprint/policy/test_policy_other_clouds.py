"""The GCP and Azure rule tables run on matching resources today (no module builds them yet): the same
invariant names pass a secure resource and fail an insecure one, naming it and the fix."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from blueprint.policy.gate import check_invariants
from blueprint.policy.model import INVARIANT_NAMES, StackDoc
from blueprint.policy.rules import RULES
from blueprint.spec import load_env

pytestmark = pytest.mark.policy

Doc = dict[str, Any]
LABELS = {
    "owner": "data-platform",
    "cost_center": "cc-1234",
    "environment": "dev",
    "data_classification": "internal",
}

GOOD_GCS: Doc = {
    "name": "acme-dev-lake-raw",
    "location": "EUROPE-WEST1",
    "public_access_prevention": "enforced",
    "uniform_bucket_level_access": True,
    "encryption": [{"default_kms_key_name": "${google_kms_crypto_key.data.id}"}],
    "versioning": [{"enabled": True}],
    "logging": [{"log_bucket": "acme-dev-logs-access"}],
    "force_destroy": False,
    "lifecycle": {"prevent_destroy": True},
}
GOOD_STORAGE: Doc = {
    "name": "acmedevlake",
    "tags": LABELS,
    "min_tls_version": "TLS1_2",
    "public_network_access_enabled": False,
    "allow_nested_items_to_be_public": False,
    "customer_managed_key": [{"key_vault_key_id": "${azurerm_key_vault_key.data.id}"}],
    "blob_properties": [{"versioning_enabled": True}],
    "lifecycle": {"prevent_destroy": True},
}


def stack(
    cloud: str, resources: dict[str, dict[str, Doc]], provider: dict[str, Any] | None = None
) -> StackDoc:
    doc: Doc = {"resource": resources, "provider": provider or {}}
    return StackDoc(f"dev-{cloud}-lake", cloud, "lake", load_env("dev"), doc, Path("cdk.tf.json"))


def gcp(resources: dict[str, dict[str, Doc]], labels: dict[str, str] = LABELS) -> StackDoc:
    return stack("gcp", resources, {"google": [{"project": "acme-data-dev", "default_labels": labels}]})


def azure(resources: dict[str, dict[str, Doc]]) -> StackDoc:
    diag = {
        "azurerm_monitor_diagnostic_setting": {
            "blob": {"target_resource_id": "${azurerm_storage_account.lake.id}/blobServices/default"}
        }
    }
    return stack("azure", {**diag, **resources}, {"azurerm": [{"features": [{}]}]})


def failures(s: StackDoc) -> dict[str, list[str]]:
    findings, _ = check_invariants(s)
    out: dict[str, list[str]] = {}
    for f in findings:
        out.setdefault(f.rule, []).append(f"{f.address}: {f.message} | {f.fix}")
    return out


def test_every_cloud_has_every_invariant() -> None:
    for table in RULES.values():
        assert tuple(table) == INVARIANT_NAMES


def test_secure_gcs_bucket_passes() -> None:
    assert failures(gcp({"google_storage_bucket": {"raw": GOOD_GCS}})) == {}


@pytest.mark.parametrize(
    ("invariant", "change", "words"),
    [
        ("cmk-encryption", {"encryption": None}, "default_kms_key_name"),
        ("no-public-access", {"public_access_prevention": "inherited"}, "public_access_prevention"),
        ("versioning", {"versioning": [{"enabled": False}]}, "soft_delete_policy"),
        ("access-logging", {"logging": None}, "logging.log_bucket"),
        ("deletion-protection", {"lifecycle": {}}, "prevent_destroy"),
    ],
)
def test_insecure_gcs_bucket_fails(invariant: str, change: Doc, words: str) -> None:
    bucket = {k: v for k, v in {**GOOD_GCS, **change}.items() if v is not None}
    found = failures(gcp({"google_storage_bucket": {"raw": bucket}}))
    assert list(found) == [invariant], found
    [message] = found[invariant]
    assert (
        message.startswith("google_storage_bucket.raw:")
        and "acme-dev-lake-raw" in message
        and words in message
    )


def test_gcp_primitive_roles_public_members_and_labels() -> None:
    found = failures(
        gcp(
            {
                "google_project_iam_member": {
                    "ci": {"project": "p", "role": "roles/editor", "member": "user:x"}
                },
                "google_storage_bucket_iam_member": {
                    "pub": {"bucket": "b", "role": "roles/storage.objectViewer", "member": "allUsers"}
                },
            },
            labels={**LABELS, "owner": "someone"},
        )
    )
    assert set(found) == {"no-wildcard-iam", "no-public-access", "required-tags"}, found
    assert "roles/editor" in found["no-wildcard-iam"][0]
    assert "allUsers" in found["no-public-access"][0]
    assert "provider.google" in found["required-tags"][0] and "owner" in found["required-tags"][0]


def test_secure_storage_account_passes() -> None:
    assert failures(azure({"azurerm_storage_account": {"lake": GOOD_STORAGE}})) == {}


@pytest.mark.parametrize(
    ("invariant", "change", "words"),
    [
        ("cmk-encryption", {"customer_managed_key": None}, "customer-managed key"),
        ("no-public-access", {"public_network_access_enabled": True}, "public_network_access_enabled"),
        ("tls-min-1-2", {"min_tls_version": "TLS1_0"}, "TLS1_0"),
        ("versioning", {"blob_properties": None}, "soft delete"),
        ("required-tags", {"tags": {"owner": "data-platform"}}, "missing cost_center"),
        ("deletion-protection", {"lifecycle": None}, "prevent_destroy"),
    ],
)
def test_insecure_storage_account_fails(invariant: str, change: Doc, words: str) -> None:
    account = {k: v for k, v in {**GOOD_STORAGE, **change}.items() if v is not None}
    found = failures(azure({"azurerm_storage_account": {"lake": account}}))
    assert list(found) == [invariant], found
    assert "azurerm_storage_account.lake" in found[invariant][0] and words in found[invariant][0]


def test_azure_owner_on_subscription_and_missing_diagnostics() -> None:
    s = stack(
        "azure",
        {
            "azurerm_storage_account": {"lake": GOOD_STORAGE},
            "azurerm_role_assignment": {
                "owner": {
                    "scope": "/subscriptions/0000",
                    "role_definition_name": "Owner",
                    "principal_id": "p",
                },
                "reader": {
                    "scope": "/subscriptions/0000",
                    "role_definition_name": "Reader",
                    "principal_id": "p",
                },
            },
        },
    )
    found = failures(s)
    assert set(found) == {"no-wildcard-iam", "access-logging"}, found
    assert (
        found["no-wildcard-iam"] == [found["no-wildcard-iam"][0]] and "Owner" in found["no-wildcard-iam"][0]
    )
    assert "diagnostic setting" in found["access-logging"][0]


def test_private_networking_runs_on_every_cloud() -> None:
    assert (
        "public_network_access_enabled"
        in failures(
            azure(
                {
                    "azurerm_synapse_workspace": {
                        "ws": {"name": "acme-dev-ws", "tags": LABELS, "lifecycle": {"prevent_destroy": True}}
                    }
                }
            )
        )["private-networking"][0]
    )
    assert (
        "enable_private_endpoint"
        in failures(gcp({"google_composer_environment": {"af": {"name": "acme-dev-af"}}}))[
            "private-networking"
        ][0]
    )
