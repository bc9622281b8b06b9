"""What a plan preview knows, masked: per stack, the resources that change and the NAMES of the attributes
that change. Values never enter this model (except a short safe list of identifiers, e.g. bucket names),
so nothing rendered or written from it can leak a secret.

`summarize_plan` turns `terraform show -json` output into a `StackReport`; `synth_report` does the same
from two synthesized documents for stacks that cannot be planned here.
"""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass, field
from typing import Any, Literal

from blueprint.preview.affected import StackDelta, SynthDiff

SCHEMA = "blueprint.preview.stack/1"
Action = Literal["create", "update", "replace", "delete", "forget"]
COUNTED: tuple[Action, ...] = ("create", "update", "replace", "delete")
DANGEROUS: tuple[Action, ...] = ("replace", "delete")
SENSITIVE = "(sensitive)"
# Attribute names that hold secrets whatever the provider says about them.
SECRET_NAME = re.compile(
    r"(pass(word|wd|phrase)?|secret|token|private_?key|key_?material|credential|api_?key|access_?key|"
    r"auth|connection_?string|sas_?|certificate_?(body|chain)?$|plaintext|ciphertext|seed)",
    re.IGNORECASE,
)
# The only values a report prints: identifiers a reviewer needs to recognise a resource.
SAFE_IDENTITY_KEYS = ("bucket", "name")
SAFE_IDENTITY = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._/:-]{0,62}$")
MAX_DEPTH = 6


@dataclass
class ResourceRow:
    """One changing resource. `attributes` are paths of attributes whose value changes (names only)."""

    address: str
    type: str
    action: Action
    attributes: list[str] = field(default_factory=list)
    unknown: list[str] = field(default_factory=list)  # known only after apply
    forces_replacement: list[str] = field(default_factory=list)
    sensitive: list[str] = field(default_factory=list)  # subset of the above whose values are sensitive
    identity: str | None = None  # e.g. the bucket name, when it is safe to show
    reason: str | None = None  # terraform's action_reason, e.g. replace_because_cannot_update

    @property
    def dangerous(self) -> bool:
        return self.action in DANGEROUS


@dataclass
class StackReport:
    """The preview of one affected stack: a real plan, or a synth-level diff labelled as such."""

    stack: str
    env: str
    cloud: str
    domain: str
    change: str  # added / changed / removed (between the revisions' JSON)
    method: Literal["plan", "synth-diff"]
    mode: str  # emulator / offline / cloud for plans; why for synth diffs ("not planned here")
    counts: dict[str, int] = field(default_factory=lambda: dict.fromkeys(COUNTED, 0))
    resources: list[ResourceRow] = field(default_factory=list)
    outputs: list[str] = field(default_factory=list)  # names of outputs that change
    blocked: list[str] = field(default_factory=list)  # addresses whose destroy prevent_destroy refuses
    error: str | None = None
    depends_on: list[str] = field(default_factory=list)
    schema: str = SCHEMA

    @property
    def dangerous(self) -> list[ResourceRow]:
        return [r for r in self.resources if r.dangerous]

    def to_json(self) -> dict[str, Any]:
        """Plain data for `stacks/<id>.json` (already masked: the model holds no values)."""
        return asdict(self)

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> StackReport:
        """Read a summary written by `to_json` (e.g. by a CI matrix job)."""
        if data.get("schema") != SCHEMA:
            raise ValueError(f"not a plan summary (schema {data.get('schema')!r}, expected {SCHEMA!r})")
        fields = dict(data)
        fields["resources"] = [ResourceRow(**r) for r in data.get("resources", [])]
        return cls(**fields)


# -- masking helpers -------------------------------------------------------------------------------------


def secret_like(path: str) -> bool:
    """True when any segment of an attribute path is named like a secret."""
    return any(SECRET_NAME.search(part) for part in re.split(r"[.\[\]]+", path) if part)


def _is_marked(marks: Any, keys: tuple[str | int, ...]) -> bool:
    """Whether a `*_sensitive` / `after_unknown` structure marks `keys` or any of its ancestors true."""
    current = marks
    for key in keys:
        if current is True:
            return True
        if isinstance(current, dict) and isinstance(key, str):
            current = current.get(key)
        elif isinstance(current, list) and isinstance(key, int) and key < len(current):
            current = current[key]
        else:
            return False
    return current is True or (isinstance(current, dict | list) and _any_true(current))


def _any_true(marks: Any) -> bool:
    if marks is True:
        return True
    if isinstance(marks, dict):
        return any(_any_true(v) for v in marks.values())
    if isinstance(marks, list):
        return any(_any_true(v) for v in marks)
    return False


def _empty(value: Any) -> bool:
    return value is None or value == "" or value == {} or value == []


def _fmt(keys: tuple[str | int, ...]) -> str:
    out = ""
    for key in keys:
        out += f"[{key}]" if isinstance(key, int) else (f".{key}" if out else key)
    return out or "(all)"


def _diff_paths(
    before: Any, after: Any, unknown: Any, keys: tuple[str | int, ...] = ()
) -> tuple[list[tuple[str | int, ...]], list[tuple[str | int, ...]]]:
    """(paths whose known value changes, paths known only after apply). Single-element lists are walked
    without an index so paths read `rule.expiration.days`."""
    if unknown is True:
        return [], [keys]
    if _empty(before) and _empty(after) and not _any_true(unknown):
        return [], []  # null, "", {} and [] all mean "not set" to a reviewer
    if len(keys) >= MAX_DEPTH:
        return ([keys] if before != after else []), []
    if isinstance(before, dict) and isinstance(after, dict):
        changed: list[tuple[str | int, ...]] = []
        later: list[tuple[str | int, ...]] = []
        unknown_map = unknown if isinstance(unknown, dict) else {}
        for key in sorted(set(before) | set(after) | set(unknown_map)):
            c, u = _diff_paths(before.get(key), after.get(key), unknown_map.get(key), (*keys, key))
            changed += c
            later += u
        return changed, later
    if isinstance(before, list) and isinstance(after, list) and len(before) == len(after):
        unknown_list = unknown if isinstance(unknown, list) else []
        changed_items: list[tuple[str | int, ...]] = []
        later_items: list[tuple[str | int, ...]] = []
        for i, (b, a) in enumerate(zip(before, after, strict=True)):
            marks = unknown_list[i] if i < len(unknown_list) else None
            c2, u2 = _diff_paths(b, a, marks, keys if len(before) == 1 else (*keys, i))
            changed_items += c2
            later_items += u2
        return changed_items, later_items
    if isinstance(after, list) and not isinstance(before, list) and _any_true(unknown):
        return [], [keys]
    return ([keys] if before != after else []), []


def _action(actions: list[str]) -> Action | None:
    if "delete" in actions and "create" in actions:
        return "replace"
    single: dict[str, Action] = {
        "create": "create",
        "update": "update",
        "delete": "delete",
        "forget": "forget",
    }
    return single.get(actions[0]) if len(actions) == 1 else None  # no-op and read are None


def _identity(change: dict[str, Any], action: Action) -> str | None:
    sources = ("before",) if action == "delete" else ("after", "before")
    for key in SAFE_IDENTITY_KEYS:
        for side in sources:
            values = change.get(side)
            marks = change.get(f"{side}_sensitive")
            if not isinstance(values, dict) or _is_marked(marks, (key,)):
                continue
            value = values.get(key)
            if isinstance(value, str) and SAFE_IDENTITY.match(value) and not secret_like(key):
                return value
    return None


def summarize_change(rc: dict[str, Any]) -> ResourceRow | None:
    """One `resource_changes` entry of plan JSON as a masked row (None for no-op and reads)."""
    change = rc.get("change") or {}
    action = _action(list(change.get("actions") or []))
    if action is None or rc.get("mode") == "data":
        return None
    row = ResourceRow(
        address=str(rc.get("address")),
        type=str(rc.get("type")),
        action=action,
        reason=rc.get("action_reason"),
    )
    row.identity = _identity(change, action)
    if action in ("update", "replace"):
        changed, later = _diff_paths(change.get("before"), change.get("after"), change.get("after_unknown"))
        if action == "replace":
            later = []  # a new object: every computed attribute is unknown; noise for a reviewer
        sens_before, sens_after = change.get("before_sensitive"), change.get("after_sensitive")
        for keys in [*changed, *later]:
            path = _fmt(keys)
            if _is_marked(sens_before, keys) or _is_marked(sens_after, keys) or secret_like(path):
                row.sensitive.append(path)
        row.attributes = [_fmt(k) for k in changed]
        row.unknown = [_fmt(k) for k in later]
        row.forces_replacement = sorted(
            {_fmt(tuple(p)) for p in change.get("replace_paths") or [] if isinstance(p, list)}
        )
    return row


def summarize_plan(
    plan: dict[str, Any], delta: StackDelta, mode: str, depends_on: list[str] | None = None
) -> StackReport:
    """A `StackReport` from `terraform show -json` of a saved plan; no value of the plan is kept."""
    s = delta.stack
    report = StackReport(
        s.stack_id, s.env, s.cloud, s.domain, delta.change, "plan", mode, depends_on=list(depends_on or [])
    )
    for rc in plan.get("resource_changes") or []:
        row = summarize_change(rc)
        if row is None:
            continue
        report.resources.append(row)
        if row.action in report.counts:
            report.counts[row.action] += 1
    report.outputs = sorted(
        name
        for name, oc in (plan.get("output_changes") or {}).items()
        if _action(list((oc or {}).get("actions") or [])) is not None
    )
    report.resources.sort(key=_row_order)
    return report


def synth_report(
    diff: SynthDiff,
    delta: StackDelta,
    why: str,
    error: str | None = None,
    depends_on: list[str] | None = None,
) -> StackReport:
    """A `StackReport` from a synth-level diff, labelled as such (no plan: `why` says why)."""
    s = delta.stack
    report = StackReport(
        s.stack_id,
        s.env,
        s.cloud,
        s.domain,
        delta.change,
        "synth-diff",
        why,
        error=error,
        depends_on=list(depends_on or []),
    )
    for address in diff.added:
        report.resources.append(ResourceRow(address, _type_of(address), "create"))
    for address, names in diff.changed.items():
        row = ResourceRow(address, _type_of(address), "update", attributes=names)
        row.sensitive = [n for n in names if secret_like(n)]
        report.resources.append(row)
    for address in diff.removed:
        report.resources.append(ResourceRow(address, _type_of(address), "delete"))
    for row in report.resources:
        report.counts[row.action] += 1
    report.resources.sort(key=_row_order)
    return report


def _type_of(address: str) -> str:
    parts = address.split(".")
    return parts[1] if parts[0] == "data" and len(parts) > 2 else parts[0]


_ORDER = {"delete": 0, "replace": 1, "update": 2, "create": 3, "forget": 4}


def _row_order(row: ResourceRow) -> tuple[int, str]:
    return _ORDER[row.action], row.address


PREVENT_DESTROY = re.compile(r"Resource (\S+) has lifecycle\.prevent_destroy set")


def blocked_destroys(error_text: str) -> list[str]:
    """Addresses terraform refused to destroy because of `prevent_destroy` (from a failed plan)."""
    return sorted(set(PREVENT_DESTROY.findall(error_text)))


def error_summary(text: str, limit: int = 400) -> str:
    """The `Error:` lines of terraform's diagnostics only: short, and free of attribute values."""
    lines = [ln.strip() for ln in text.splitlines() if ln.strip().startswith("Error:")]
    lines += [f"{a}: prevent_destroy refuses to destroy it" for a in blocked_destroys(text)]
    summary = "; ".join(dict.fromkeys(lines)) or "terraform failed (see the job log)"
    return summary if len(summary) <= limit else summary[: limit - 3] + "..."


# -- the whole report ------------------------------------------------------------------------------------


@dataclass
class PolicyFinding:
    """A policy finding present in head but not in base."""

    stack: str
    rule: str
    address: str
    message: str


@dataclass
class PolicySection:
    """Policy findings new in head; `available` is False when the policy step failed (`note` says why)."""

    available: bool
    note: str
    findings: list[PolicyFinding] = field(default_factory=list)


@dataclass
class Report:
    """Everything the markdown is rendered from (and written as report.json): masked by construction."""

    base: str  # e.g. "main (abc1234)"
    head: str
    mode: str  # emulator / offline / cloud / summaries
    mode_note: str  # one sentence: what the plans were made against
    stacks: list[StackReport]
    policy: PolicySection
    artifacts: str  # where the full report and the summaries are
    seconds: float = 0.0

    def totals(self) -> dict[str, int]:
        """Counts over every stack (plans and synth diffs)."""
        return {k: sum(s.counts.get(k, 0) for s in self.stacks) for k in COUNTED}

    def envs(self) -> list[str]:
        """Environments in first-seen order."""
        return list(dict.fromkeys(s.env for s in self.stacks))

    def to_json(self) -> dict[str, Any]:
        """Plain data for report.json."""
        return asdict(self)
