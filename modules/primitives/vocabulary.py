"""The cross-cloud vocabulary of the modules, free of any provider binding (importing it loads none):

- `output` and `input_from`: the cross-stack contract (a stack output; another stack's output as an
  explicit input variable, `blueprint.naming.input_variable`);
- `protect`: the one spelling of "protect stateful resources" (prevent_destroy) on every cloud;
- `resource_tags`: the spec's tags/labels plus `managed_by`;
- the lake's zones and the artifacts purpose, and `LifecycleSettings` of a bucket's objects.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from cdktn import TerraformOutput, TerraformResourceLifecycle, TerraformVariable
from constructs import Construct

from blueprint.naming import input_variable
from blueprint.spec import PlatformSpec

MANAGED_BY = "platform-blueprint"
ZONES = ("raw", "curated", "analytics")
ARTIFACTS = "artifacts"
LOG_BUCKET_DOMAIN, LOG_BUCKET_PURPOSE = "logs", "access"


def output(scope: Construct, name: str, value: Any) -> TerraformOutput:
    """A stack output with a stable, readable name (no construct-path hash)."""
    out = TerraformOutput(scope, f"output_{name}", value=value)
    out.override_logical_id(name)
    return out


def input_from(scope: Construct, domain: str, output_name: str, *, list_of_strings: bool = False) -> Any:
    """The value of another stack's output, as an explicit input of this stack (no remote state, no
    data source: every stack still plans alone). Returns a token for a string or a list of strings.
    The terraform runner writes the values (blueprint/terraform/inputs.py)."""
    name = input_variable(domain, output_name)
    var = TerraformVariable(
        scope,
        name,
        type="list(string)" if list_of_strings else "string",
        description=f"output {output_name} of this environment's {domain} stack (filled by blueprint)",
        nullable=False,
    )
    var.override_logical_id(name)
    return var.list_value if list_of_strings else var.string_value


def protect(protected: bool) -> TerraformResourceLifecycle:
    """prevent_destroy of a stateful resource when `protection.stateful` (off only in `local`)."""
    return TerraformResourceLifecycle(prevent_destroy=protected)


def resource_tags(spec: PlatformSpec) -> dict[str, str]:
    """The tags (AWS, Azure) and labels (GCP) of every resource: the spec's, plus `managed_by`."""
    return {**spec.tags.as_dict(), "managed_by": MANAGED_BY}


@dataclass(frozen=True)
class LifecycleSettings:
    """Lifecycle of a bucket's objects, on every cloud; `None` disables a rule. Transitions: to the
    infrequent-access class (S3 STANDARD_IA, GCS NEARLINE) and the archive class with millisecond reads
    (S3 GLACIER_IR, GCS COLDLINE)."""

    abort_incomplete_upload_days: int = 7
    noncurrent_version_expiration_days: int = 90
    transition_to_ia_days: int | None = None
    transition_to_archive_days: int | None = None
    expiration_days: int | None = None
