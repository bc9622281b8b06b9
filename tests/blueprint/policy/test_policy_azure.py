"""The Azure rule table really checks every resource type the Azure modules build: each invariant catches
a violation on them, and the policy gate (invariants + checkov) passes the synthesized Azure stacks of an
environment with every domain enabled, with zero unsuppressed failures."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from blueprint.policy.model import INVARIANT_NAMES
from tests.blueprint.policy.test_policy_other_clouds import GOOD_STORAGE, LABELS, azure, failures
from tests.modules.azure_envs import write_envs

pytestmark = pytest.mark.policy

Doc = dict[str, Any]
KEEP = {"prevent_destroy": True}
WS: Doc = {
    "name": "acme-dev-warehouse",
    "tags": LABELS,
    "public_network_access_enabled": False,
    "managed_virtual_network_enabled": True,
    "data_exfiltration_protection_enabled": True,
    "customer_managed_key": [{"key_versionless_id": "https://v.vault.azure.net/keys/warehouse-cmk"}],
    "lifecycle": KEEP,
}
NS: Doc = {
    "name": "acme-dev-streaming-kafka",
    "sku": "Premium",
    "tags": LABELS,
    "minimum_tls_version": "1.2",
    "public_network_access_enabled": False,
    "lifecycle": KEEP,
}
VAULT: Doc = {
    "name": "acme-dev-kv",
    "tags": LABELS,
    "purge_protection_enabled": True,
    "soft_delete_retention_days": 90,
    "public_network_access_enabled": False,
    "network_acls": [{"default_action": "Deny"}],
    "lifecycle": KEEP,
}


def good(rtype: str, body: Doc) -> dict[str, dict[str, Doc]]:
    """One resource of `rtype` named `x`, with the private endpoint, diagnostics and CMK it needs."""
    res: dict[str, dict[str, Doc]] = {
        "azurerm_storage_account": {"lake": GOOD_STORAGE},
        rtype: {"x": body},
        "azurerm_private_endpoint": {
            "pe": {
                "name": "pe",
                "tags": LABELS,
                "private_service_connection": [{"private_connection_resource_id": f"${{{rtype}.x.id}}"}],
            }
        },
        "azurerm_monitor_diagnostic_setting": {
            "blob": {"target_resource_id": "${azurerm_storage_account.lake.id}/blobServices/default"},
            "x": {"target_resource_id": f"${{{rtype}.x.id}}", "enabled_log": [{"category_group": "allLogs"}]},
        },
    }
    if rtype == "azurerm_eventhub_namespace":
        res["azurerm_eventhub_namespace_customer_managed_key"] = {
            "cmk": {"eventhub_namespace_id": f"${{{rtype}.x.id}}"}
        }
    return res


def run(resources: dict[str, dict[str, Doc]]) -> dict[str, list[str]]:
    doc = azure({})
    doc.doc["resource"] = resources
    return failures(doc)


@pytest.mark.parametrize(
    ("rtype", "body"),
    [("azurerm_synapse_workspace", WS), ("azurerm_eventhub_namespace", NS), ("azurerm_key_vault", VAULT)],
)
def test_secure_resources_pass(rtype: str, body: Doc) -> None:
    assert run(good(rtype, body)) == {}


@pytest.mark.parametrize(
    ("rtype", "body", "change", "invariant", "words"),
    [
        (
            "azurerm_synapse_workspace",
            WS,
            {"customer_managed_key": None},
            "cmk-encryption",
            "customer_managed_key",
        ),
        ("azurerm_eventhub_namespace", NS, {"sku": "Standard", "_nocmk": True}, "cmk-encryption", "Standard"),
        (
            "azurerm_key_vault",
            VAULT,
            {"network_acls": [{"default_action": "Allow"}]},
            "no-public-access",
            "Deny",
        ),
        ("azurerm_eventhub_namespace", NS, {"minimum_tls_version": "1.0"}, "tls-min-1-2", "1.0"),
        ("azurerm_key_vault", VAULT, {"soft_delete_retention_days": None}, "versioning", "soft_delete"),
        ("azurerm_synapse_workspace", WS, {"_nodiag": True}, "access-logging", "diagnostic setting"),
        (
            "azurerm_eventhub_namespace",
            NS,
            {"tags": {"owner": "data-platform"}},
            "required-tags",
            "cost_center",
        ),
        ("azurerm_synapse_workspace", WS, {"lifecycle": None}, "deletion-protection", "prevent_destroy"),
        (
            "azurerm_synapse_workspace",
            WS,
            {"data_exfiltration_protection_enabled": False},
            "private-networking",
            "exfiltration",
        ),
        ("azurerm_eventhub_namespace", NS, {"_nope": True}, "private-networking", "private endpoint"),
    ],
)
def test_each_invariant_catches_a_violation(
    rtype: str, body: Doc, change: Doc, invariant: str, words: str
) -> None:
    flags = {k for k in change if k.startswith("_")}
    changed = {k: v for k, v in {**body, **change}.items() if v is not None and not k.startswith("_")}
    res = good(rtype, changed)
    if "_nocmk" in flags:
        res.pop("azurerm_eventhub_namespace_customer_managed_key")
    if "_nodiag" in flags:
        res["azurerm_monitor_diagnostic_setting"].pop("x")
    if "_nope" in flags:
        res.pop("azurerm_private_endpoint")
    found = run(res)
    assert list(found) == [invariant], found
    assert f"{rtype}.x" in found[invariant][0] and words in found[invariant][0]


@pytest.mark.parametrize(
    ("grant", "bad"),
    [
        ({"scope": "/subscriptions/0000/resourceGroups/rg", "role_definition_name": "Owner"}, True),
        ({"scope": "/subscriptions/0000", "role_definition_name": "Contributor"}, True),
        ({"scope": "/subscriptions/0000/resourceGroups/rg", "role_definition_name": "Contributor"}, False),
    ],
)
def test_owner_anywhere_and_broad_roles_on_a_subscription_fail(grant: Doc, bad: bool) -> None:
    res = {"azurerm_role_assignment": {"g": {**grant, "principal_id": "p"}}}
    found = run(res)
    assert ("no-wildcard-iam" in found) is bad, found


def test_every_invariant_has_an_azure_rule_for_module_types() -> None:
    from blueprint.policy.rules.azure import AZURE_RULES

    assert tuple(AZURE_RULES) == INVARIANT_NAMES


def test_policy_gate_passes_the_synthesized_azure_stacks(tmp_path: Path) -> None:
    from blueprint.policy.gate import check

    specs = write_envs(tmp_path)
    report = check([specs["azall"]], {"azure"}, tmp_path / "out")
    assert len(report.stacks) == 6
    assert report.checkov is not None and report.checkov.passed > 50
    assert report.failures == [], [f"{f.rule} {f.target}: {f.message}" for f in report.failures]
    checked = {c.rule for c in report.coverage if c.checked}
    assert checked == set(INVARIANT_NAMES), set(INVARIANT_NAMES) - checked
