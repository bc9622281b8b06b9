"""State backends per cloud. Every stack has its own state key in the environment's state bucket."""

from __future__ import annotations

from cdktn import S3Backend, TerraformStack

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
