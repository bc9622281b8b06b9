"""Azure data lake: one ADLS Gen2 storage account with a container (filesystem) per zone (raw, curated,
analytics) and the artifacts container (models, pipeline code).

The account is a `SecureStorageAccount` encrypted with the foundation's `lake` key through the lake's
user-assigned identity, both found by deterministic ID, so this stack stands alone. Containers are created
through Azure Resource Manager (`storage_account_id`), so no data-plane access is needed to plan or apply
them with public network access off.

Parity with the S3 lake, and what the spec cannot mean here:
- `transition_to_ia_days` -> Cool tier; `transition_to_archive_days` -> Cold tier (online, like
  Glacier Instant Retrieval; the Archive tier is offline and would break reads).
- `noncurrent_version_expiration_days` -> old versions deleted after that many days; it is also the blob
  and container soft-delete retention (capped at Azure's 365 days).
- `abort_incomplete_upload_days` has no Azure setting: uncommitted blocks are discarded by the service
  after 7 days.
- `access_log_retention_days` is the Log Analytics retention (foundation), where the diagnostic logs go.
- Blob versioning on a hierarchical-namespace account depends on the region offering it; soft delete
  keeps the versioning guarantee where it does not.
"""

from __future__ import annotations

from cdktn_provider_azurerm.storage_management_policy import (
    StorageManagementPolicy,
    StorageManagementPolicyRule,
    StorageManagementPolicyRuleActions,
    StorageManagementPolicyRuleActionsBaseBlob,
    StorageManagementPolicyRuleActionsVersion,
    StorageManagementPolicyRuleFilters,
)
from constructs import Construct

from blueprint.naming import Namer
from blueprint.spec import PlatformSpec
from modules.primitives.azure import AzureIds, SecureStorageAccount, StorageSettings
from modules.primitives.vocabulary import ARTIFACTS, ZONES, output

CONTAINERS = (*ZONES, ARTIFACTS)


def lake_account_name(namer: Namer) -> str:
    """The lake's storage account name, for the stacks that read it (warehouse, orchestration, serving)."""
    return namer.azure_storage_account("lake")


def lake_account_id(ids: AzureIds) -> str:
    return ids.resource_id("lake", "Microsoft.Storage/storageAccounts", lake_account_name(ids.namer))


def lake_filesystem_url(namer: Namer, container: str) -> str:
    """`https://<account>.dfs.core.windows.net/<container>`: the ID Synapse takes for a filesystem."""
    return f"https://{lake_account_name(namer)}.dfs.core.windows.net/{container}"


class AzureLake(Construct):
    """The lake of one environment. Attributes: `storage` (a `SecureStorageAccount`), `account`,
    `containers` (name -> container) and `lifecycle_policy`."""

    def __init__(self, scope: Construct, id_: str, *, spec: PlatformSpec, namer: Namer) -> None:
        super().__init__(scope, id_)
        lake = spec.domains.lake
        ids = AzureIds(spec, namer)
        self.storage = SecureStorageAccount(
            self,
            "storage",
            spec=spec,
            ids=ids,
            settings=StorageSettings(
                name=lake_account_name(namer),
                domain="lake",
                workload="lake",
                key_purpose="lake",
                hierarchical_namespace=True,
                soft_delete_days=lake.noncurrent_version_expiration_days,
                containers=CONTAINERS,
            ),
        )
        self.account = self.storage.account
        self.containers = self.storage.containers
        old_versions = StorageManagementPolicyRuleActionsVersion(
            delete_after_days_since_creation=lake.noncurrent_version_expiration_days
        )
        self.lifecycle_policy = StorageManagementPolicy(
            self,
            "lifecycle",
            storage_account_id=self.account.id,
            rule=[
                StorageManagementPolicyRule(
                    name="zones",
                    enabled=True,
                    filters=StorageManagementPolicyRuleFilters(
                        blob_types=["blockBlob"], prefix_match=[f"{z}/" for z in ZONES]
                    ),
                    actions=StorageManagementPolicyRuleActions(
                        base_blob=StorageManagementPolicyRuleActionsBaseBlob(
                            tier_to_cool_after_days_since_modification_greater_than=lake.transition_to_ia_days,
                            tier_to_cold_after_days_since_modification_greater_than=lake.transition_to_archive_days,
                        ),
                        version=old_versions,
                    ),
                ),
                # Artifacts (models, pipeline code) are read often: no tiering, the same version retention.
                StorageManagementPolicyRule(
                    name="artifacts",
                    enabled=True,
                    filters=StorageManagementPolicyRuleFilters(
                        blob_types=["blockBlob"], prefix_match=[f"{ARTIFACTS}/"]
                    ),
                    actions=StorageManagementPolicyRuleActions(version=old_versions),
                ),
            ],
        )
        output(self, "storage_account", self.account.name)
        output(self, "storage_account_id", self.account.id)
        for name in CONTAINERS:
            output(self, f"{name}_filesystem", lake_filesystem_url(namer, name))
