"""Azure rule table: each invariant mapped to the azurerm_* resource types that carry it."""

from __future__ import annotations

import re
from typing import Any

from blueprint.policy.model import (
    RuleResult,
    StackDoc,
    block,
    blocks,
    dig,
    is_true,
)
from blueprint.policy.rules.dsl import (
    Rule,
    all_of,
    as_list,
    deletion_protection_rule,
    fix_for,
    forbid,
    private_fix,
    require_false,
    require_true,
    resource_label,
    resource_tags_rule,
    table_rule,
)

# ---------------------------------------------------------------------------------------------------
# Azure table: the resource types modules/*/azure.py build, and their look-alikes

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
        "azurerm_key_vault_key",
        "azurerm_network_security_group",
        "azurerm_nat_gateway",
        "azurerm_public_ip",
        "azurerm_user_assigned_identity",
        "azurerm_private_dns_zone",
        "azurerm_private_dns_zone_virtual_network_link",
        "azurerm_application_insights",
    }
)
PRIVATE_NOTE_AZURE = "no Synapse workspace, Event Hubs namespace, Data Factory or Machine Learning workspace"
# Types that must be reached through a private endpoint (public network access off is not enough).
_PRIVATE_ENDPOINT_TYPES = (
    "azurerm_synapse_workspace",
    "azurerm_eventhub_namespace",
    "azurerm_data_factory",
    "azurerm_machine_learning_workspace",
    "azurerm_key_vault",
)
# Types whose diagnostic logs must go somewhere (azurerm_monitor_diagnostic_setting on them).
_DIAGNOSED_TYPES = (
    "azurerm_storage_account",
    "azurerm_key_vault",
    "azurerm_synapse_workspace",
    "azurerm_eventhub_namespace",
    "azurerm_data_factory",
    "azurerm_machine_learning_workspace",
)
OWNER_ROLE_ID = "8e3af657-a8ff-443c-a75c-2fe8c4bcb635"
# Roles that can grant access or change anything: never at subscription or management group scope.
_BROAD_ROLES = ("Contributor", "User Access Administrator", "Role Based Access Control Administrator")


def _azure_cmk(stack: StackDoc) -> RuleResult:
    result = RuleResult(note="no storage account, Synapse, Event Hubs, Data Factory or ML workspace")
    cmk_targets = {
        b.get("storage_account_id")
        for b in stack.resources("azurerm_storage_account_customer_managed_key").values()
    }
    for rtype, name, body in stack.each("azurerm_storage_account"):
        ok = block(body, "customer_managed_key") is not None or f"${{{rtype}.{name}.id}}" in cmk_targets
        problem = None if ok else f"{resource_label(rtype, name, body)} has no customer-managed key"
        result.add(f"{rtype}.{name}", problem, "add customer_managed_key with a Key Vault key")
    for rtype, name, body in stack.each("azurerm_synapse_workspace"):
        ok = bool(dig(body, "customer_managed_key.key_versionless_id"))
        problem = None if ok else f"{resource_label(rtype, name, body)} has no customer_managed_key"
        result.add(f"{rtype}.{name}", problem, "add customer_managed_key with the warehouse key")
    for rtype, name, body in stack.each("azurerm_data_factory"):
        ok = bool(body.get("customer_managed_key_id"))
        problem = None if ok else f"{resource_label(rtype, name, body)} has no customer_managed_key_id"
        result.add(f"{rtype}.{name}", problem, "set customer_managed_key_id and its identity")
    for rtype, name, body in stack.each("azurerm_machine_learning_workspace"):
        ok = bool(dig(body, "encryption.key_id"))
        problem = None if ok else f"{resource_label(rtype, name, body)} has no encryption block (key_id)"
        result.add(f"{rtype}.{name}", problem, "add encryption with the serving key")
    namespace_cmk = {
        b.get("eventhub_namespace_id")
        for b in stack.resources("azurerm_eventhub_namespace_customer_managed_key").values()
    }
    for rtype, name, body in stack.each("azurerm_eventhub_namespace"):
        ok = f"${{{rtype}.{name}.id}}" in namespace_cmk
        problem = None
        if not ok:
            tier = body.get("sku")
            why = " (Standard cannot have one: use streaming.mode provisioned)" if tier == "Standard" else ""
            problem = f"{resource_label(rtype, name, body)} has no customer-managed key{why}"
        result.add(f"{rtype}.{name}", problem, "add azurerm_eventhub_namespace_customer_managed_key")
    return result


def _azure_logging(stack: StackDoc) -> RuleResult:
    result = RuleResult(note="no storage account, vault, warehouse, namespace, factory or ML workspace")
    settings = stack.resources("azurerm_monitor_diagnostic_setting").values()
    logged = {str(b.get("target_resource_id")) for b in settings if b.get("enabled_log")}
    targets = {str(b.get("target_resource_id")) for b in settings}
    for rtype, name, body in stack.each(*_DIAGNOSED_TYPES):
        ref = f"${{{rtype}.{name}.id}}"
        if rtype == "azurerm_storage_account":  # the logs are the blob service's; the account has metrics
            ok = any(t.startswith(ref) for t in targets)
            fix = "add azurerm_monitor_diagnostic_setting for its blob service"
        else:
            ok = ref in logged
            fix = "add azurerm_monitor_diagnostic_setting with enabled_log (category_group allLogs)"
        problem = None if ok else f"{resource_label(rtype, name, body)} has no diagnostic setting with logs"
        result.add(f"{rtype}.{name}", problem, fix)
    return result


def _azure_private_endpoints(stack: StackDoc) -> RuleResult:
    """Every private-only service has a private endpoint in the stack (otherwise nothing reaches it)."""
    result = RuleResult(note=PRIVATE_NOTE_AZURE)
    connected = {
        str(dig(b, "private_service_connection.private_connection_resource_id"))
        for b in stack.resources("azurerm_private_endpoint").values()
    }
    for rtype, name, body in stack.each(*_PRIVATE_ENDPOINT_TYPES):
        ok = f"${{{rtype}.{name}.id}}" in connected
        problem = None if ok else f"{resource_label(rtype, name, body)} has no private endpoint"
        result.add(f"{rtype}.{name}", problem, "add azurerm_private_endpoint in the endpoints subnet")
    return result


def _azure_owner(body: dict[str, Any]) -> str | None:
    """Owner anywhere; roles that can change or grant anything at subscription or management group scope."""
    scope = str(body.get("scope", ""))
    broad = re.fullmatch(
        r"(/subscriptions/[^/]+/?|.*managementGroups/[^/]+|\$\{data\.azurerm_subscription\..*)", scope
    )
    role = body.get("role_definition_name")
    if role == "Owner" or str(body.get("role_definition_id", "")).endswith(OWNER_ROLE_ID):
        return f"grants Owner on {scope}"
    if role in _BROAD_ROLES and broad:
        return f"grants {role} on {scope}"
    return None


def _azure_role_definition(body: dict[str, Any]) -> str | None:
    actions = [a for p in blocks(body, "permissions") for a in as_list(p.get("actions"))]
    return "allows every action (*)" if "*" in actions else None


AZURE_STATEFUL: dict[str, str | None] = {
    "azurerm_storage_account": None,
    "azurerm_key_vault": "purge_protection_enabled",
    "azurerm_key_vault_key": None,
    "azurerm_storage_container": None,
    "azurerm_synapse_workspace": None,
    "azurerm_eventhub_namespace": None,
    "azurerm_eventhub": None,
    "azurerm_data_factory": None,
    "azurerm_machine_learning_workspace": None,
    "azurerm_log_analytics_workspace": None,
    "azurerm_resource_group": None,
}


AZURE_RULES: dict[str, tuple[Rule, ...]] = {
    "cmk-encryption": (_azure_cmk,),
    "no-public-access": (
        table_rule(
            {
                "azurerm_storage_account": all_of(
                    require_false("public_network_access_enabled", "no public network access"),
                    require_false("allow_nested_items_to_be_public", "no public containers"),
                ),
                "azurerm_storage_container": forbid("container_access_type", ("blob", "container"), "public"),
                "azurerm_key_vault": all_of(
                    require_false("public_network_access_enabled", "no public access"),
                    forbid("network_acls.default_action", (None, "Allow"), "firewall must default to Deny"),
                ),
                "azurerm_eventhub_namespace": require_false(
                    "public_network_access_enabled", "no public access"
                ),
                "azurerm_application_insights": forbid(
                    "local_authentication_enabled", (None, True, "true"), "instrumentation keys accepted"
                ),
                "azurerm_synapse_workspace": require_false(
                    "public_network_access_enabled", "no public network access"
                ),
                "azurerm_data_factory": require_false("public_network_enabled", "no public network access"),
                "azurerm_machine_learning_workspace": require_false(
                    "public_network_access_enabled", "no public network access"
                ),
            },
            fix_for("public network access off"),
            note="no storage account, container, key vault, namespace, insights or workspace",
        ),
    ),
    "tls-min-1-2": (
        table_rule(
            {
                "azurerm_storage_account": all_of(
                    forbid("min_tls_version", (None, "TLS1_0", "TLS1_1"), "set TLS1_2 explicitly"),
                    forbid("https_traffic_only_enabled", (False, "false"), "HTTP allowed"),
                ),
                "azurerm_eventhub_namespace": forbid(
                    "minimum_tls_version", (None, "1.0", "1.1"), "set 1.2 explicitly"
                ),
            },
            fix_for("min_tls_version = TLS1_2 (minimum_tls_version = 1.2 on Event Hubs)"),
            note="no storage account or Event Hubs namespace",
        ),
    ),
    "versioning": (
        table_rule(
            {
                "azurerm_storage_account": lambda b: (
                    None
                    if is_true(dig(b, "blob_properties.versioning_enabled"))
                    or dig(b, "blob_properties.delete_retention_policy.days")
                    else "has neither blob versioning nor blob soft delete"
                ),
                "azurerm_key_vault": lambda b: (
                    None
                    if isinstance(b.get("soft_delete_retention_days"), int)
                    and b["soft_delete_retention_days"] >= 7
                    else "does not set soft_delete_retention_days (7-90) explicitly"
                ),
            },
            fix_for("blob_properties { versioning_enabled = true } / soft_delete_retention_days"),
            note="no storage account or key vault",
        ),
    ),
    "access-logging": (_azure_logging,),
    "required-tags": (resource_tags_rule(_AZURE_TAGGABLE, "tags"),),
    "no-wildcard-iam": (
        table_rule(
            {"azurerm_role_assignment": _azure_owner, "azurerm_role_definition": _azure_role_definition},
            lambda _: "assign a narrower built-in role at the resource group or resource scope",
            note="no role assignment or role definition",
        ),
    ),
    "deletion-protection": (
        deletion_protection_rule(
            AZURE_STATEFUL,
            {},
        ),
    ),
    "private-networking": (
        table_rule(
            {
                "azurerm_synapse_workspace": all_of(
                    require_false("public_network_access_enabled", "private only"),
                    require_true("managed_virtual_network_enabled", "Spark and pipelines in a managed VNet"),
                    require_true("data_exfiltration_protection_enabled", "outbound only to approved targets"),
                ),
                "azurerm_eventhub_namespace": require_false("public_network_access_enabled", "private only"),
                "azurerm_machine_learning_workspace": all_of(
                    require_false("public_network_access_enabled", "private only"),
                    forbid(
                        "managed_network.isolation_mode", (None, "Disabled"), "no managed network isolation"
                    ),
                ),
                "azurerm_data_factory": all_of(
                    require_false("public_network_enabled", "private only"),
                    require_true("managed_virtual_network_enabled", "integration runtime in a managed VNet"),
                ),
            },
            private_fix,
            note=PRIVATE_NOTE_AZURE,
        ),
        _azure_private_endpoints,
    ),
}
