"""One provider pin per cloud, and the Terraform version the stacks target: written once.

aws is the version of the offline provider mirror that CI validates; google and azurerm are the versions
the pinned CDK Terrain bindings were generated for (no mirror offline).
"""

from __future__ import annotations

PROVIDER_PINS: dict[str, tuple[str, str]] = {
    "aws": ("hashicorp/aws", "5.100.0"),
    "gcp": ("hashicorp/google", "8.7.0"),
    "azure": ("hashicorp/azurerm", "5.10.0"),
}
# S3 native state locking (use_lockfile) needs terraform >= 1.10; cdktn validates against this target.
TERRAFORM_TARGET = ">=1.10.0"
