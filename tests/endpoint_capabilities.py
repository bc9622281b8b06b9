"""What an AWS endpoint can apply, declared: the apply tier runs against the embedded moto emulator by
default, or against any endpoint given by BLUEPRINT_AWS_ENDPOINT / LOCALSTACK_ENDPOINT (LocalStack, as
users run it). Each apply-tier module declares what it needs with `pytest.mark.aws(...)`; a test whose
needs the endpoint does not meet is deselected, with the reason printed, and never counted as passed.

- `services`: the AWS APIs its stacks use;
- `moto_patches`: the in-process patches (blueprint/emulator/moto_patches.py) its assertions rely on;
- `embedded`: it starts, stops or signals the emulator process itself (only the embedded one can be).
"""

from __future__ import annotations

import os

# The services each kind of endpoint applies these stacks with (measured: shared/OFFLINE.md).
CAPABILITIES: dict[str, frozenset[str]] = {
    "moto": frozenset(
        {
            "s3",
            "kms",
            "iam",
            "ec2",
            "logs",
            "sts",
            "secretsmanager",
            "glue",
            "athena",
            "kafka",
            "sagemaker",
            "application-autoscaling",
        }
    ),
    # LocalStack community: Glue, MSK and SageMaker are Pro-only.
    "localstack": frozenset({"s3", "kms", "iam", "ec2", "logs", "sts", "secretsmanager"}),
    # LocalStack Pro (the CI workflow runs it when the repository has a LOCALSTACK_AUTH_TOKEN secret).
    "localstack-pro": frozenset(
        {
            "s3",
            "kms",
            "iam",
            "ec2",
            "logs",
            "sts",
            "secretsmanager",
            "glue",
            "athena",
            "kafka",
            "sagemaker",
            "application-autoscaling",
        }
    ),
}
LOCAL_STACKS = frozenset(CAPABILITIES["moto"])  # what `local` deploys: every service above
KIND_ENV = "BLUEPRINT_ENDPOINT_KIND"


def endpoint_kind() -> str:
    """`moto` (the embedded emulator), or the declared kind of the external endpoint (default localstack)."""
    if not any(os.environ.get(v, "").strip() for v in ("BLUEPRINT_AWS_ENDPOINT", "LOCALSTACK_ENDPOINT")):
        return "moto"
    kind = os.environ.get(KIND_ENV, "localstack").strip()
    if kind not in CAPABILITIES or kind == "moto":
        raise ValueError(f"{KIND_ENV}={kind!r}: use one of localstack, localstack-pro")
    return kind


def unmet(kind: str, services: frozenset[str], moto_patches: tuple[str, ...], embedded: bool) -> str | None:
    """Why an endpoint of `kind` cannot run a test with these needs (None: it can)."""
    if kind == "moto":
        return None
    if embedded:
        return "starts, stops or signals the embedded emulator itself"
    if moto_patches:
        return f"relies on the moto patches {', '.join(moto_patches)}"
    missing = sorted(services - CAPABILITIES[kind])
    return f"{kind} does not apply {', '.join(missing)}" if missing else None
