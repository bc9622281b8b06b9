"""The vocabulary of the policy gate: invariants, the stack under check, checks, findings, coverage.

Invariant names are cloud-neutral: `cmk-encryption` means the same on AWS, GCP and Azure; each cloud's
rule table (`blueprint/policy/rules/`) maps its resource types to that one meaning.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from fnmatch import fnmatchcase
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from blueprint.spec import PlatformSpec


@dataclass(frozen=True)
class Invariant:
    """A project rule with one name on every cloud."""

    name: str
    title: str  # what must hold, in cloud-neutral words


INVARIANTS: tuple[Invariant, ...] = (
    Invariant("cmk-encryption", "data stores are encrypted at rest with a customer-managed key"),
    Invariant("no-public-access", "no bucket, container or network endpoint is reachable publicly"),
    Invariant("tls-min-1-2", "data in transit needs TLS 1.2 or newer (HTTPS only)"),
    Invariant("versioning", "data stores keep old versions (versioning or soft delete)"),
    Invariant("access-logging", "data stores write access or diagnostic logs"),
    Invariant("required-tags", "every resource carries the spec's required tags/labels with its values"),
    Invariant("no-wildcard-iam", "no `*` action on `*` resource, primitive owner/editor roles or Owner"),
    Invariant("deletion-protection", "stateful resources have prevent_destroy outside local"),
    Invariant("private-networking", "warehouse, Kafka, orchestration and endpoints are private"),
)
INVARIANT_NAMES: tuple[str, ...] = tuple(i.name for i in INVARIANTS)
BY_NAME: dict[str, Invariant] = {i.name: i for i in INVARIANTS}


@dataclass(frozen=True)
class Check:
    """One resource checked by one rule: `ok`, or a message naming the resource and the fix."""

    address: str  # `<type>.<name>`, `data.<type>.<name>` or `provider.<name>`
    ok: bool
    message: str = ""
    fix: str = ""


@dataclass
class RuleResult:
    """What a rule saw in one stack. No checks means the invariant is not applicable there."""

    checks: list[Check] = field(default_factory=list)
    note: str | None = None  # why nothing was checked, shown as "not applicable: <note>"

    def add(self, address: str, problem: str | None, fix: str) -> None:
        """Record a check of `address`: passed when `problem` is None."""
        if problem is None:
            self.checks.append(Check(address, True))
        else:
            self.checks.append(Check(address, False, problem, fix))


@dataclass
class StackDoc:
    """One synthesized stack (`cdk.tf.json` as a dict) with the spec it came from."""

    stack_id: str
    cloud: str
    domain: str
    spec: PlatformSpec
    doc: dict[str, Any]
    path: Path

    @classmethod
    def load(cls, path: Path, *, stack_id: str, cloud: str, domain: str, spec: PlatformSpec) -> StackDoc:
        """Read `cdk.tf.json` from disk."""
        return cls(stack_id, cloud, domain, spec, json.loads(path.read_text(encoding="utf-8")), path)

    def resources(self, rtype: str) -> dict[str, dict[str, Any]]:
        """Name -> body of every resource of `rtype` (empty if none)."""
        found = self.doc.get("resource", {}).get(rtype, {})
        return {k: v for k, v in found.items() if k != "//" and isinstance(v, dict)}

    def data(self, dtype: str) -> dict[str, dict[str, Any]]:
        """Name -> body of every data source of `dtype`."""
        found = self.doc.get("data", {}).get(dtype, {})
        return {k: v for k, v in found.items() if k != "//" and isinstance(v, dict)}

    def each(self, *types: str) -> Iterator[tuple[str, str, dict[str, Any]]]:
        """(type, name, body) of every resource of the given types, or of all types when none given."""
        for rtype, group in sorted(self.doc.get("resource", {}).items()):
            if types and rtype not in types:
                continue
            for name, body in sorted(group.items()):
                if name != "//" and isinstance(body, dict):
                    yield rtype, name, body

    def providers(self, name: str) -> list[tuple[str, dict[str, Any]]]:
        """(address, config) of every `provider.<name>` block; aliases get `provider.<name>.<alias>`."""
        raw = self.doc.get("provider", {}).get(name, [])
        configs = raw if isinstance(raw, list) else [raw]
        out = []
        for cfg in configs:
            if isinstance(cfg, dict):
                alias = cfg.get("alias")
                out.append((f"provider.{name}.{alias}" if alias else f"provider.{name}", cfg))
        return out

    def line_of(self, address: str) -> int:
        """1-based line where `address` is defined in the file (1 when it cannot be found)."""
        key = address.split(".")[-1]
        if not self.path.is_file():
            return 1
        pattern = re.compile(r'^\s*"' + re.escape(key) + r'"\s*:')
        for number, line in enumerate(self.path.read_text(encoding="utf-8").splitlines(), start=1):
            if pattern.match(line):
                return number
        return 1


@dataclass
class Finding:
    """A failed check: a project invariant or a checkov check on one resource of one stack."""

    rule: str  # an invariant name or a checkov id (CKV_AWS_18)
    source: str  # "invariant" | "checkov"
    stack: str
    address: str
    message: str
    fix: str
    file: Path
    line: int = 1
    title: str = ""  # the rule's short description (checkov's check name)
    suppression: Suppression | None = None

    @property
    def suppressed(self) -> bool:
        return self.suppression is not None

    @property
    def target(self) -> str:
        """`<stack>/<address>`: what suppression `resource` globs are matched against."""
        return f"{self.stack}/{self.address}"


@dataclass(frozen=True)
class Suppression:
    """One accepted finding."""

    id: str
    resource: str
    reason: str
    expires: dt.date
    entry: int  # 0-based position in the file, for messages

    def matches(self, finding: Finding) -> bool:
        """Same rule id, and the resource glob matches `<stack>/<address>` (or `<address>`)."""
        if finding.rule != self.id:
            return False
        subject = finding.target if "/" in self.resource else finding.address
        return fnmatchcase(subject, self.resource)


@dataclass
class Coverage:
    """How one invariant fared on one stack."""

    stack: str
    rule: str
    checked: int
    failed: int = 0
    suppressed: int = 0
    note: str | None = None

    @property
    def status(self) -> str:
        if self.failed:
            return "fail"
        if not self.checked:
            return "not applicable"
        return "pass"


def block(body: Any, key: str) -> dict[str, Any] | None:
    """A nested block in HCL JSON: a dict, or the first dict of a list."""
    value = body.get(key) if isinstance(body, dict) else None
    if isinstance(value, list):
        value = next((v for v in value if isinstance(v, dict)), None)
    return value if isinstance(value, dict) else None


def blocks(body: Any, key: str) -> list[dict[str, Any]]:
    """All nested blocks named `key` (HCL JSON writes one block as a dict, several as a list)."""
    value = body.get(key) if isinstance(body, dict) else None
    if isinstance(value, dict):
        return [value]
    if isinstance(value, list):
        return [v for v in value if isinstance(v, dict)]
    return []


def dig(body: Any, path: str) -> Any:
    """`dig(body, "a.b.c")`: descend through dicts and the first element of lists; None when absent."""
    current = body
    for part in path.split("."):
        if isinstance(current, list):
            current = next(iter(current), None)
        if not isinstance(current, dict):
            return None
        current = current.get(part)
    if isinstance(current, list) and len(current) == 1 and isinstance(current[0], dict):
        return current[0]
    return current


def is_true(value: Any) -> bool:
    """Terraform accepts true and "true"; anything else (absent, an expression) is not true."""
    return value is True or value == "true"


def is_false(value: Any) -> bool:
    return value is False or value == "false"
