"""Deterministic, cloud-legal names from prefix / environment / domain / purpose.

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


@dataclass(frozen=True)
class Namer:
    """Names for one environment. `prefix` and `env` are already validated by the spec."""

    prefix: str
    env: str

    def stack_id(self, cloud: str, domain: str) -> str:
        return f"{self.env}-{cloud}-{domain}"

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
