"""Azure rule table: each invariant mapped to the azurerm_* resource types that carry it."""

from __future__ import annotations

import re
from typing import Any

from blueprint.policy_model import (
    RuleResult,
    StackDoc,
    block,
    blocks,
    dig,
    is_true,
)
from blueprint.policy_rules_base import (
    PRIVATE_NOTE,
    Rule,
    _all,
    _as_list,
    _deletion_protection_rule,
    _fix_for,
    _forbid,
    _label,
    _private_fix,
    _require_false,
    _resource_tags_rule,
    _table_rule,
)

# ---------------------------------------------------------------------------------------------------
# Azure table (runs on any matching resources; no Azure module is built yet)

_AZURE_TAGGABLE = frozenset(
    {
        "azurerm_resource_group",
        "azurerm_storage_account",
        "azurerm_key_vault",
        "azurerm_virtual_network",
        "azurerm_synapse_workspace",
        "azurerm_eventhub_namespace",
        "azurerm_data_factory",
        "azurerm_machine_learning_workspace",
        "azurerm_log_analytics_workspace",
        "azurerm_private_endpoint",
    }
)


def _azure_cmk(stack: StackDoc) -> RuleResult:
    result = RuleResult(note="no storage account")
    cmk_targets = {
        b.get("storage_account_id")
        for b in stack.resources("azurerm_storage_account_customer_managed_key").values()
    }
    for rtype, name, body in stack.each("azurerm_storage_account"):
        ok = block(body, "customer_managed_key") is not None or f"${{{rtype}.{name}.id}}" in cmk_targets
        problem = None if ok else f"{_label(rtype, name, body)} has no customer-managed key"
        result.add(f"{rtype}.{name}", problem, "add customer_managed_key with a Key Vault key")
    return result


def _azure_logging(stack: StackDoc) -> RuleResult:
    result = RuleResult(note="no storage account")
    targets = {
        str(b.get("target_resource_id"))
        for b in stack.resources("azurerm_monitor_diagnostic_setting").values()
    }
    for rtype, name, body in stack.each("azurerm_storage_account"):
        ref = f"${{{rtype}.{name}.id}}"
        ok = any(t.startswith(ref) for t in targets)
        problem = None if ok else f"{_label(rtype, name, body)} has no diagnostic setting"
        result.add(f"{rtype}.{name}", problem, "add azurerm_monitor_diagnostic_setting for its blob service")
    return result


def _azure_owner(body: dict[str, Any]) -> str | None:
    scope = str(body.get("scope", ""))
    broad = re.fullmatch(
        r"(/subscriptions/[^/]+|.*managementGroups/[^/]+|\$\{data\.azurerm_subscription\..*)", scope
    )
    if body.get("role_definition_name") == "Owner" and broad:
        return f"grants Owner on {scope}"
    return None


def _azure_role_definition(body: dict[str, Any]) -> str | None:
    actions = [a for p in blocks(body, "permissions") for a in _as_list(p.get("actions"))]
    return "allows every action (*)" if "*" in actions else None


AZURE_RULES: dict[str, tuple[Rule, ...]] = {
    "cmk-encryption": (_azure_cmk,),
    "no-public-access": (
        _table_rule(
            {
                "azurerm_storage_account": _all(
                    _require_false("public_network_access_enabled", "no public network access"),
                    _require_false("allow_nested_items_to_be_public", "no public containers"),
                ),
                "azurerm_storage_container": _forbid(
                    "container_access_type", ("blob", "container"), "public"
                ),
                "azurerm_key_vault": _require_false("public_network_access_enabled", "no public access"),
            },
            _fix_for("public network access off"),
            note="no storage account, container or key vault",
        ),
    ),
    "tls-min-1-2": (
        _table_rule(
            {
                "azurerm_storage_account": _all(
                    _forbid("min_tls_version", (None, "TLS1_0", "TLS1_1"), "set TLS1_2 explicitly"),
                    _forbid("https_traffic_only_enabled", (False, "false"), "HTTP allowed"),
                )
            },
            _fix_for("min_tls_version = TLS1_2"),
            note="no storage account",
        ),
    ),
    "versioning": (
        _table_rule(
            {
                "azurerm_storage_account": lambda b: (
                    None
                    if is_true(dig(b, "blob_properties.versioning_enabled"))
                    or dig(b, "blob_properties.delete_retention_policy.days")
                    else "has neither blob versioning nor blob soft delete"
                )
            },
            _fix_for("blob_properties { versioning_enabled = true }"),
            note="no storage account",
        ),
    ),
    "access-logging": (_azure_logging,),
    "required-tags": (_resource_tags_rule(_AZURE_TAGGABLE, "tags"),),
    "no-wildcard-iam": (
        _table_rule(
            {"azurerm_role_assignment": _azure_owner, "azurerm_role_definition": _azure_role_definition},
            lambda _: "assign a narrower built-in role at the resource group or resource scope",
            note="no role assignment or role definition",
        ),
    ),
    "deletion-protection": (
        _deletion_protection_rule(
            {
                "azurerm_storage_account": None,
                "azurerm_key_vault": "purge_protection_enabled",
                "azurerm_key_vault_key": None,
                "azurerm_synapse_workspace": None,
                "azurerm_eventhub_namespace": None,
            },
            {},
        ),
    ),
    "private-networking": (
        _table_rule(
            {
                "azurerm_synapse_workspace": _require_false("public_network_access_enabled", "private only"),
                "azurerm_eventhub_namespace": _require_false("public_network_access_enabled", "private only"),
                "azurerm_machine_learning_workspace": _require_false(
                    "public_network_access_enabled", "private only"
                ),
                "azurerm_data_factory": _require_false("public_network_enabled", "private only"),
            },
            _private_fix,
            note=PRIVATE_NOTE,
        ),
    ),
}
