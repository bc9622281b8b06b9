"""State backends per cloud. Every stack has its own state key in the environment's state bucket."""

from __future__ import annotations

from cdktn import AzurermBackend, GcsBackend, S3Backend, TerraformStack

from blueprint.naming import Namer
from blueprint.spec import PlatformSpec


def s3_backend(stack: TerraformStack, spec: PlatformSpec, namer: Namer, stack_id: str) -> S3Backend:
    """S3 with native lock files (`use_lockfile`), encrypted; the bucket comes from `blueprint bootstrap`."""
    aws = spec.clouds.aws
    assert aws is not None
    return S3Backend(
        stack,
        bucket=namer.state_bucket(),
        key=namer.state_key(stack_id),
        region=aws.region,
        encrypt=True,
        use_lockfile=True,
    )


def gcs_backend(stack: TerraformStack, spec: PlatformSpec, namer: Namer, stack_id: str) -> GcsBackend:
    """GCS (object generations lock the state natively); the bucket comes from the platform team's
    bootstrap of the project, named like the S3 one."""
    return GcsBackend(stack, bucket=namer.gcs_bucket("tfstate", ""), prefix=stack_id)


def azurerm_backend(stack: TerraformStack, spec: PlatformSpec, namer: Namer, stack_id: str) -> AzurermBackend:
    """An Azure blob (leases lock the state), reached with Entra ID auth, never an account key."""
    azure = spec.clouds.azure
    assert azure is not None
    return AzurermBackend(
        stack,
        resource_group_name=namer.base("tfstate"),
        storage_account_name=namer.azure_storage_account("tfstate"),
        container_name="tfstate",
        key=namer.state_key(stack_id),
        subscription_id=azure.subscription,
        use_azuread_auth=True,
    )
