"""Deterministic, cloud-legal names from prefix / environment / domain / purpose, and the cross-stack
contract: the stack id `<env>-<cloud>-<domain>` and the input variable `<domain>__<output>`.

Stacks find each other through these names (no random suffixes, no hidden cross-stack references).
Every function returns a name that is legal on its cloud for any prefix and environment the spec
accepts (`PREFIX_PATTERN`, `ENV_NAME_PATTERN`); tests/blueprint/test_naming.py proves it with hypothesis.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass

S3_BUCKET_MAX = 63
GCS_BUCKET_MAX = 63
AZURE_STORAGE_ACCOUNT_MAX = 24
AZURE_KEY_VAULT_MAX = 24
AZURE_RESOURCE_GROUP_MAX = 90
AZURE_EVENTHUB_NAMESPACE_MAX = 50
AZURE_SYNAPSE_WORKSPACE_MAX = 45
AZURE_DATA_FACTORY_MAX = 63
AZURE_ML_WORKSPACE_MAX = 33
AZURE_LOG_ANALYTICS_MAX = 63
_GCS_FORBIDDEN = re.compile(r"g[o0][o0]gle")  # GCS: no 'google' or close misspellings anywhere
_S3_FORBIDDEN_SUFFIXES = ("-s3alias", "--ol-s3", "--x-s3", "--table-s3")


def aws_partition(region: str) -> str:
    """The ARN partition of an AWS region, derived without an API call (keeps stacks plannable offline)."""
    for prefix, partition in (("cn-", "aws-cn"), ("us-gov-", "aws-us-gov"), ("us-isob-", "aws-iso-b")):
        if region.startswith(prefix):
            return partition
    return "aws-iso" if region.startswith("us-iso") else "aws"


def _slug(part: str) -> str:
    """Lowercase, hyphen-separated, no leading/trailing/double hyphens."""
    return re.sub(r"-{2,}", "-", re.sub(r"[^a-z0-9-]", "-", part.lower())).strip("-")


def _digest(text: str, length: int) -> str:
    return hashlib.sha256(text.encode()).hexdigest()[:length]


def _fit(name: str, limit: int, sep: str = "-") -> str:
    """Shorten `name` to `limit` keeping it unique: truncate and append a short hash of the full name."""
    if len(name) <= limit:
        return name
    tail = _digest(name, 6)
    head = name[: limit - len(tail) - len(sep)].rstrip("-")
    return f"{head}{sep}{tail}"


# The cross-stack contract, used by the stacks (main.py, modules) and by the lifecycle alike. Environment,
# cloud and domain names contain no '-' (the spec's patterns), so a stack id splits unambiguously.
STACK_ID_SEPARATOR = "-"
# An input names the stack output it is filled from: variable `<domain>__<output>` of a stack of
# environment E and cloud C takes output `<output>` of stack `E-C-<domain>` (blueprint/terraform/inputs.py).
INPUT_SEPARATOR = "__"


@dataclass(frozen=True)
class StackRef:
    """The parts of a stack id."""

    env: str
    cloud: str
    domain: str

    @property
    def stack_id(self) -> str:
        return stack_id(self.env, self.cloud, self.domain)

    def sibling(self, domain: str) -> str:
        """The id of this environment's and cloud's stack of `domain`."""
        return stack_id(self.env, self.cloud, domain)


def stack_id(env: str, cloud: str, domain: str) -> str:
    """`dev-aws-lake`: one stack per (environment, cloud, domain)."""
    return STACK_ID_SEPARATOR.join((env, cloud, domain))


def parse_stack_id(value: str) -> StackRef:
    """`dev-aws-lake` -> StackRef("dev", "aws", "lake"); ValueError for anything else (a bug: stack ids
    come from synthesis, user input is checked against the synthesized ids first)."""
    parts = value.split(STACK_ID_SEPARATOR)
    if len(parts) != 3 or not all(parts):
        raise ValueError(f"not a stack id: {value!r}")
    return StackRef(*parts)


def input_variable(domain: str, output: str) -> str:
    """The variable a stack declares to read `output` of its environment's `domain` stack."""
    return f"{domain}{INPUT_SEPARATOR}{output}"


def parse_input_variable(name: str) -> tuple[str, str] | None:
    """`foundation__vpc_id` -> ("foundation", "vpc_id"); None for a variable of another shape."""
    domain, sep, output = name.partition(INPUT_SEPARATOR)
    return (domain, output) if sep and domain and output else None


@dataclass(frozen=True)
class Namer:
    """Names for one environment. `prefix` and `env` are already validated by the spec."""

    prefix: str
    env: str

    def stack_id(self, cloud: str, domain: str) -> str:
        return stack_id(self.env, cloud, domain)

    def base(self, *parts: str) -> str:
        """Generic hyphenated name, e.g. acme-dev-lake-raw (IAM roles, KMS aliases, log groups)."""
        return _slug("-".join([self.prefix, self.env, *parts]))

    def s3_bucket(self, domain: str, purpose: str) -> str:
        """S3: 3-63 chars, lowercase letters, digits and hyphens, starts and ends alphanumeric."""
        name = _fit(self.base(domain, purpose), S3_BUCKET_MAX)
        if name.endswith(_S3_FORBIDDEN_SUFFIXES):
            raise ValueError(f"S3 bucket name {name!r} ends with a reserved suffix; choose another purpose")
        return name

    def gcs_bucket(self, domain: str, purpose: str) -> str:
        """GCS: same alphabet as S3 here (no dots), 3-63 chars, never contains 'google'."""
        name = _fit(self.base(domain, purpose), GCS_BUCKET_MAX)
        if _GCS_FORBIDDEN.search(name):
            raise ValueError(f"GCS bucket name {name!r} contains 'google'; choose another purpose")
        return name

    def kms_alias(self, purpose: str) -> str:
        return f"alias/{self.base(purpose)}"

    def azure_storage_account(self, domain: str, purpose: str = "") -> str:
        """Azure storage account: 3-24 lowercase letters and digits, globally unique."""
        flat = re.sub(r"[^a-z0-9]", "", f"{self.prefix}{self.env}{domain}{purpose}".lower())
        return _fit(flat, AZURE_STORAGE_ACCOUNT_MAX, sep="")

    def azure_key_vault(self, purpose: str) -> str:
        """Key Vault: 3-24 chars, letters/digits/hyphens, starts with a letter, no '--', ends alnum."""
        return _fit(self.base(purpose), AZURE_KEY_VAULT_MAX)

    def state_bucket(self) -> str:
        """The S3 bucket holding this environment's Terraform state (created by `blueprint bootstrap`)."""
        return self.s3_bucket("tfstate", "")

    def state_key(self, stack_id: str) -> str:
        return f"{stack_id}/terraform.tfstate"

    # --- GCP names ---

    def gcp_resource(self, *parts: str) -> str:
        """RFC 1035 names (networks, subnets, routers, Kafka clusters, Composer environments):
        1-63 chars, [a-z]([-a-z0-9]*[a-z0-9])?."""
        return _fit(self.base(*parts), 63)

    def gcp_kms(self, *parts: str) -> str:
        """Cloud KMS key ring and key names: 1-63 chars of [a-zA-Z0-9_-]."""
        return _fit(self.base(*parts), 63)

    def gcp_service_account(self, purpose: str) -> str:
        """Service account id: 6-30 chars, [a-z][a-z0-9-]*[a-z0-9] (the part before '@')."""
        return _fit(self.base(purpose), 30)

    def bigquery_dataset(self, purpose: str) -> str:
        """BigQuery dataset id: letters, digits and underscores, at most 1024 chars."""
        return _fit(self.base(purpose), 1024).replace("-", "_")

    def vertex_endpoint_id(self, purpose: str) -> str:
        """Vertex AI endpoint id: numeric, no leading zero, at most 10 digits; derived from the name so
        it is the same on every synthesis."""
        return str(1_000_000_000 + int(_digest(self.base(purpose), 12), 16) % 9_000_000_000)

    # --- Azure names ---
    def azure_resource_group(self, domain: str) -> str:
        """Resource group: 1-90 chars, letters, digits, '-', '_', '.', '(' and ')', not ending in '.'."""
        return _fit(self.base(domain), AZURE_RESOURCE_GROUP_MAX)

    def azure_eventhub_namespace(self, purpose: str = "kafka") -> str:
        """Event Hubs namespace: 6-50 chars, letters/digits/hyphens, starts with a letter, ends with a
        letter or digit, never ends in -sb or -mgmt (the hash tail of `_fit` is hex, so it cannot)."""
        name = _fit(self.base("streaming", purpose), AZURE_EVENTHUB_NAMESPACE_MAX)
        if name.endswith(("-sb", "-mgmt")):
            raise ValueError(
                f"Event Hubs namespace {name!r} ends in a reserved suffix; choose another purpose"
            )
        return name

    def azure_synapse_workspace(self) -> str:
        """Synapse workspace: 1-45 lowercase letters, digits and hyphens, starts and ends alphanumeric,
        globally unique, never contains '-ondemand'."""
        return _fit(self.base("warehouse"), AZURE_SYNAPSE_WORKSPACE_MAX)

    def azure_data_factory(self) -> str:
        """Data Factory: 3-63 letters, digits and hyphens, starts and ends alphanumeric, globally unique."""
        return _fit(self.base("orchestration"), AZURE_DATA_FACTORY_MAX)

    def azure_ml_workspace(self) -> str:
        """Machine Learning workspace: 3-33 letters, digits, hyphens and underscores, starts alphanumeric."""
        return _fit(self.base("serving"), AZURE_ML_WORKSPACE_MAX)

    def azure_log_analytics_workspace(self) -> str:
        """Log Analytics workspace: 4-63 letters, digits and hyphens, starts and ends alphanumeric."""
        return _fit(self.base("foundation", "logs"), AZURE_LOG_ANALYTICS_MAX)
