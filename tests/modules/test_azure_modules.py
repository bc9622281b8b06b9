"""The Azure modules: the synthesized JSON has the resources and settings promised (customer-managed keys,
tags on every taggable resource, private networking, the spec's topics and sizes, no Owner or
subscription-wide grant, prevent_destroy), for two specs that differ in every setting the modules read."""

from __future__ import annotations

import inspect
import json
import subprocess
import sys
import textwrap
from pathlib import Path
from typing import Any

import pytest

from tests.modules.azure_envs import VARIANT_TOPICS, write_envs

pytestmark = pytest.mark.synth

REPO = Path(__file__).resolve().parents[2]
DOMAINS = ("foundation", "lake", "warehouse", "streaming", "orchestration", "serving")
Doc = dict[str, Any]


class Stacks:
    def __init__(self, outdir: Path) -> None:
        self.outdir = outdir

    def doc(self, env: str, domain: str) -> Doc:
        path = self.outdir / "stacks" / f"{env}-azure-{domain}" / "cdk.tf.json"
        return json.loads(path.read_text(encoding="utf-8"))

    def resources(self, env: str, domain: str, rtype: str) -> dict[str, Doc]:
        return dict(self.doc(env, domain).get("resource", {}).get(rtype, {}))

    def only(self, env: str, domain: str, rtype: str) -> Doc:
        found = self.resources(env, domain, rtype)
        assert len(found) == 1, f"{env}-{domain}: want one {rtype}, found {sorted(found)}"
        return next(iter(found.values()))


@pytest.fixture(scope="module")
def azure(tmp_path_factory: pytest.TempPathFactory) -> Stacks:
    from blueprint.synth import synthesize

    envs = tmp_path_factory.mktemp("azure-envs")
    specs = write_envs(envs)
    outdir = tmp_path_factory.mktemp("azure-out")
    synthesize(list(specs.values()), {"azure"}, outdir)
    return Stacks(outdir)


def _blocks(value: Any) -> Doc:
    return value[0] if isinstance(value, list) else value


def test_every_domain_has_a_stack_with_the_pinned_provider(azure: Stacks) -> None:
    for env, sub in (
        ("azall", "00000000-0000-0000-0000-000000000001"),
        ("azvar", "11111111-2222-3333-4444-555555555555"),
    ):
        for domain in DOMAINS:
            doc = azure.doc(env, domain)
            assert doc["terraform"]["required_providers"]["azurerm"] == {
                "source": "hashicorp/azurerm",
                "version": "5.10.0",
            }
            [provider] = doc["provider"]["azurerm"]
            assert provider["subscription_id"] == sub and provider["storage_use_azuread"] is True
            assert (
                _blocks(_blocks(provider["features"])["key_vault"])["purge_soft_delete_on_destroy"] is False
            )
            assert doc["terraform"]["backend"]["azurerm"]["use_azuread_auth"] is True
            assert "data" not in doc or set(doc["data"]) == {"azurerm_client_config"}, doc.get("data")


def _taggable() -> set[str]:
    """Every azurerm resource type whose binding takes `tags`, from the installed binding itself."""
    import importlib
    import pkgutil

    import cdktn_provider_azurerm as pkg

    used = set()
    sources = [REPO / "modules" / domain / "azure.py" for domain in DOMAINS]
    for path in [*sources, REPO / "modules" / "primitives" / "azure.py"]:
        source = path.read_text(encoding="utf-8")
        used |= {
            m.name
            for m in pkgutil.iter_modules(pkg.__path__)
            if f"cdktn_provider_azurerm.{m.name} " in source
        }
    out = set()
    for name in used:
        module = importlib.import_module(f"cdktn_provider_azurerm.{name}")
        cls = next(
            (
                c
                for _, c in inspect.getmembers(module, inspect.isclass)
                if hasattr(c, "TF_RESOURCE_TYPE") and c.__module__.startswith(module.__name__)
            ),
            None,
        )
        if cls is not None and "tags" in inspect.signature(cls.__init__).parameters:
            out.add(f"azurerm_{name}")
    return out


def test_every_taggable_resource_carries_the_spec_tags(azure: Stacks) -> None:
    taggable = _taggable()
    assert {"azurerm_storage_account", "azurerm_key_vault", "azurerm_eventhub_namespace"} <= taggable
    want = {
        "owner": "data-platform",
        "cost_center": "cc-1234",
        "data_classification": "internal",
        "managed_by": "platform-blueprint",
    }
    seen = 0
    for env in ("azall", "azvar"):
        for domain in DOMAINS:
            for rtype, group in azure.doc(env, domain)["resource"].items():
                if rtype not in taggable:
                    continue
                for lid, body in group.items():
                    seen += 1
                    tags = body.get("tags")
                    assert isinstance(tags, dict), f"{env} {rtype}.{lid} has no tags"
                    assert {**want, "environment": env}.items() <= tags.items(), (rtype, lid, tags)
                    if env == "azvar":
                        assert tags["team"] == "ml"
    assert seen > 40


def test_foundation_network_keys_identities(azure: Stacks) -> None:
    vnet = azure.only("azall", "foundation", "azurerm_virtual_network")
    assert vnet["address_space"] == ["10.0.0.0/16"]
    assert azure.only("azvar", "foundation", "azurerm_virtual_network")["address_space"] == ["10.40.0.0/20"]
    subnets = azure.resources("azvar", "foundation", "azurerm_subnet")
    assert sorted(s["name"] for s in subnets.values()) == ["endpoints", "workloads"]
    assert all(s["default_outbound_access_enabled"] is False for s in subnets.values())
    assert all(s["address_prefixes"][0].startswith("10.40.") for s in subnets.values())
    assert (
        len(azure.resources("azall", "foundation", "azurerm_subnet_network_security_group_association")) == 2
    )
    # NAT only when asked
    assert azure.resources("azall", "foundation", "azurerm_nat_gateway") == {}
    assert len(azure.resources("azvar", "foundation", "azurerm_nat_gateway")) == 1
    # Key Vault: RBAC, purge protection, private
    vault = azure.only("azall", "foundation", "azurerm_key_vault")
    assert vault["rbac_authorization_enabled"] is True and vault["purge_protection_enabled"] is True
    assert vault["public_network_access_enabled"] is False and vault["soft_delete_retention_days"] == 90
    assert _blocks(vault["network_acls"])["default_action"] == "Deny"
    keys = azure.resources("azall", "foundation", "azurerm_key_vault_key")
    assert sorted(k["name"] for k in keys.values()) == [
        f"{w}-cmk" for w in ("lake", "orchestration", "serving", "streaming", "warehouse")
    ]
    for key in keys.values():
        assert key["key_type"].startswith("RSA") and _blocks(key["rotation_policy"])["automatic"]
    identities = azure.resources("azall", "foundation", "azurerm_user_assigned_identity")
    assert len(identities) == 5
    workspace = azure.only("azall", "foundation", "azurerm_log_analytics_workspace")
    assert workspace["local_authentication_enabled"] is False


def test_no_owner_and_no_subscription_scope_grant(azure: Stacks) -> None:
    count = 0
    for env in ("azall", "azvar"):
        for domain in DOMAINS:
            for lid, body in azure.resources(env, domain, "azurerm_role_assignment").items():
                count += 1
                assert body.get("role_definition_name") != "Owner", lid
                scope = str(body["scope"])
                assert scope.startswith("${azurerm_") or "/resourceGroups/" in scope, (lid, scope)
                assert body["role_definition_name"] not in ("User Access Administrator",), lid
    assert count >= 10


def test_lake_account_is_secure_and_follows_the_spec(azure: Stacks) -> None:
    account = azure.only("azall", "lake", "azurerm_storage_account")
    assert account["name"] == "acmeazalllake"
    expected = {
        "is_hns_enabled": True,
        "https_traffic_only_enabled": True,
        "min_tls_version": "TLS1_2",
        "public_network_access_enabled": False,
        "shared_access_key_enabled": False,
        "infrastructure_encryption_enabled": True,
        "allow_nested_items_to_be_public": False,
    }
    assert expected.items() <= account.items()
    cmk = _blocks(account["customer_managed_key"])
    assert cmk["key_vault_key_id"] == "https://acme-azall-kv.vault.azure.net/keys/lake-cmk"
    assert cmk["user_assigned_identity_id"].endswith("/userAssignedIdentities/acme-azall-lake-id")
    assert _blocks(account["identity"])["type"] == "UserAssigned"
    blob = _blocks(account["blob_properties"])
    assert blob["versioning_enabled"] is True
    assert _blocks(blob["delete_retention_policy"])["days"] == 30
    assert _blocks(blob["container_delete_retention_policy"])["days"] == 30
    assert account["lifecycle"]["prevent_destroy"] is True
    variant = azure.only("azvar", "lake", "azurerm_storage_account")
    assert variant["lifecycle"]["prevent_destroy"] is False
    assert _blocks(_blocks(variant["blob_properties"])["delete_retention_policy"])["days"] == 45
    containers = azure.resources("azall", "lake", "azurerm_storage_container")
    assert sorted(c["name"] for c in containers.values()) == ["analytics", "artifacts", "curated", "raw"]
    assert all(c["container_access_type"] == "private" for c in containers.values())
    diag = azure.resources("azall", "lake", "azurerm_monitor_diagnostic_setting")
    assert any(str(d["target_resource_id"]).endswith("/blobServices/default") for d in diag.values())
    endpoints = azure.resources("azall", "lake", "azurerm_private_endpoint")
    subs = sorted(
        _blocks(e["private_service_connection"])["subresource_names"][0] for e in endpoints.values()
    )
    assert subs == ["blob", "dfs"]
    # lifecycle from spec.domains.lake
    rules = {r["name"]: r for r in azure.only("azvar", "lake", "azurerm_storage_management_policy")["rule"]}
    base = _blocks(_blocks(rules["zones"]["actions"])["base_blob"])
    assert base["tier_to_cool_after_days_since_modification_greater_than"] == 60
    assert base["tier_to_cold_after_days_since_modification_greater_than"] == 120
    assert _blocks(_blocks(rules["zones"]["actions"])["version"])["delete_after_days_since_creation"] == 45
    # locks only when protected
    assert len(azure.resources("azall", "lake", "azurerm_management_lock")) == 1
    assert azure.resources("azvar", "lake", "azurerm_management_lock") == {}


def test_warehouse_synapse(azure: Stacks) -> None:
    ws = azure.only("azall", "warehouse", "azurerm_synapse_workspace")
    assert (
        ws["storage_data_lake_gen2_filesystem_id"] == "https://acmeazalllake.dfs.core.windows.net/analytics"
    )
    for flag, value in (
        ("managed_virtual_network_enabled", True),
        ("data_exfiltration_protection_enabled", True),
        ("azuread_authentication_only", True),
        ("public_network_access_enabled", False),
    ):
        assert ws[flag] is value, flag
    assert _blocks(ws["customer_managed_key"])["key_versionless_id"].endswith("/keys/warehouse-cmk")
    assert ws["lifecycle"]["prevent_destroy"] is True
    assert len(azure.resources("azall", "warehouse", "azurerm_private_endpoint")) == 3


def test_streaming_follows_mode_capacity_and_topics(azure: Stacks) -> None:
    std = azure.only("azall", "streaming", "azurerm_eventhub_namespace")
    assert (std["sku"], std["capacity"], std["minimum_tls_version"]) == ("Standard", 1, "1.2")
    assert std["local_authentication_enabled"] is False and std["public_network_access_enabled"] is False
    assert azure.resources("azall", "streaming", "azurerm_eventhub_namespace_customer_managed_key") == {}
    hubs = {h["name"]: h for h in azure.resources("azall", "streaming", "azurerm_eventhub").values()}
    assert {n: h["partition_count"] for n, h in hubs.items()} == {
        "ingest.events": 6,
        "ingest.dead-letter": 1,
        "features.online": 3,
    }
    assert _blocks(hubs["features.online"]["retention_description"])["retention_time_in_hours"] == 72
    prem = azure.only("azvar", "streaming", "azurerm_eventhub_namespace")
    assert (prem["sku"], prem["capacity"]) == ("Premium", 4)
    cmk = azure.only("azvar", "streaming", "azurerm_eventhub_namespace_customer_managed_key")
    assert cmk["key_vault_key_ids"] == ["https://zeta-azvar-kv.vault.azure.net/keys/streaming-cmk"]
    hubs = {h["name"]: h for h in azure.resources("azvar", "streaming", "azurerm_eventhub").values()}
    assert {n: h["partition_count"] for n, h in hubs.items()} == {
        t["name"]: t["partitions"] for t in VARIANT_TOPICS
    }
    assert _blocks(hubs["orders"]["retention_description"]) == {
        "cleanup_policy": "Delete",
        "retention_time_in_hours": 720,
    }
    assert _blocks(hubs["orders.compacted"]["retention_description"])["cleanup_policy"] == "Compact"
    assert len(azure.resources("azall", "streaming", "azurerm_private_endpoint")) == 1


def test_orchestration_data_factory(azure: Stacks) -> None:
    factory = azure.only("azall", "orchestration", "azurerm_data_factory")
    assert factory["managed_virtual_network_enabled"] is True and factory["public_network_enabled"] is False
    assert factory["customer_managed_key_id"].endswith("/keys/orchestration-cmk")
    assert factory["customer_managed_key_identity_id"].endswith("acme-azall-orchestration-id")
    assert _blocks(factory["identity"])["type"] == "UserAssigned"
    assert len(azure.resources("azall", "orchestration", "azurerm_private_endpoint")) == 1


def test_serving_machine_learning_workspace(azure: Stacks) -> None:
    ws = azure.only("azall", "serving", "azurerm_machine_learning_workspace")
    assert ws["public_network_access_enabled"] is False and ws["high_business_impact"] is True
    enc = _blocks(ws["encryption"])
    assert enc["key_id"].endswith("/keys/serving-cmk") and enc["user_assigned_identity_id"].endswith(
        "-serving-id"
    )
    assert _blocks(ws["managed_network"])["isolation_mode"] == "AllowOnlyApprovedOutbound"
    account = azure.only("azall", "serving", "azurerm_storage_account")
    assert account["shared_access_key_enabled"] is False and "customer_managed_key" in account
    vault = azure.only("azall", "serving", "azurerm_key_vault")
    assert vault["public_network_access_enabled"] is False and vault["purge_protection_enabled"] is True
    outputs = azure.doc("azvar", "serving")["output"]
    assert outputs["online_endpoint_instance_type"]["value"] == "Standard_NC6s_v3"


def test_prevent_destroy_follows_protection(azure: Stacks) -> None:
    stateful = (
        "azurerm_storage_account",
        "azurerm_key_vault",
        "azurerm_key_vault_key",
        "azurerm_synapse_workspace",
        "azurerm_eventhub_namespace",
        "azurerm_data_factory",
        "azurerm_machine_learning_workspace",
    )
    for env, want in (("azall", True), ("azvar", False)):
        found = 0
        for domain in DOMAINS:
            for rtype in stateful:
                for lid, body in azure.resources(env, domain, rtype).items():
                    found += 1
                    assert body["lifecycle"]["prevent_destroy"] is want, (env, rtype, lid)
        assert found >= 12


_PROBE = textwrap.dedent(
    """
    import json, sys
    from pathlib import Path
    sys.path.insert(0, sys.argv[3])
    from blueprint.spec import load_spec
    from blueprint.synth import synthesize
    from tests.modules.azure_envs import write_envs

    specs = write_envs(Path(sys.argv[1]))
    synthesize([specs["azall"]], {"azure"}, Path(sys.argv[2]))
    names = ("cdktn_provider_aws", "cdktn_provider_google", "cdktn_provider_azurerm")
    print("LAZY:" + json.dumps({n: n in sys.modules for n in names}))
    """
)


def test_synthesizing_azure_imports_neither_aws_nor_google(tmp_path: Path) -> None:
    (tmp_path / "envs").mkdir()
    done = subprocess.run(
        [sys.executable, "-c", _PROBE, str(tmp_path / "envs"), str(tmp_path / "out"), str(REPO)],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    [line] = [x for x in done.stdout.splitlines() if x.startswith("LAZY:")]
    assert json.loads(line[5:]) == {
        "cdktn_provider_aws": False,
        "cdktn_provider_google": False,
        "cdktn_provider_azurerm": True,
    }
    assert len(list((tmp_path / "out" / "stacks").iterdir())) == 6
