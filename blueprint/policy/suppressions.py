"""Accepted findings, only from the checked-in `policy/suppressions.yaml`.

Each entry has an `id` (an invariant name or a checkov id), a `resource` (a glob over
`<stack>/<address>`, or over `<address>` in every stack when it has no `/`), a `reason` and an
`expires` date. An expired, malformed or unknown entry is an error naming the file, entry, field and
fix: an acceptance is re-justified or removed, never kept by accident.
"""

from __future__ import annotations

import datetime as dt
import difflib
import os
import re
from pathlib import Path
from typing import Any

import yaml

from blueprint import paths
from blueprint.errors import BlueprintError, FileProblemsError
from blueprint.paths import display
from blueprint.policy.model import INVARIANT_NAMES, Finding, Suppression
from blueprint.spec.loader import UniqueKeyLoader

SUPPRESSIONS_FILE = ("policy", "suppressions.yaml")


def default_suppressions() -> Path:
    """The project's checked-in suppressions: `<project>/policy/suppressions.yaml`."""
    return paths.project_root().joinpath(*SUPPRESSIONS_FILE)


CHECKOV_ID = re.compile(r"^CKV2?_[A-Z0-9]+_[0-9]+$")
# `[<stack glob>/]<type>.<name glob>`; the type is spelled out so no entry can silence everything.
RESOURCE = re.compile(r"^(?:[A-Za-z0-9*?_\-\[\]]+/)?(?:data\.)?[a-z][a-z0-9_]*\.[A-Za-z0-9*?_\-\[\]]+$")
FIELDS = ("id", "resource", "reason", "expires")
MIN_REASON = 20  # characters: a reason says why, not "ok"
MAX_DAYS = 366  # an acceptance is re-reviewed at least yearly


class SuppressionError(FileProblemsError):
    """The suppressions file is invalid: names the file, the entry, the field and the fix."""

    kind = "suppressions file"


TODAY_ENV = "BLUEPRINT_TODAY"  # an ISO date: judge expiry as of that day (the tests pin it to HEAD's date)


def today_for_expiry() -> dt.date:
    """$BLUEPRINT_TODAY when set (reproducible verdicts), else today."""
    pinned = os.environ.get(TODAY_ENV, "").strip()
    if not pinned:
        return dt.date.today()
    try:
        return dt.date.fromisoformat(pinned)
    except ValueError:
        raise BlueprintError(
            f"{TODAY_ENV}={pinned!r} is not a date", fix=f"write it as YYYY-MM-DD, or unset {TODAY_ENV}"
        ) from None


def load_suppressions(path: Path | None = None, today: dt.date | None = None) -> list[Suppression]:
    """Read and validate the suppressions file (default: the project's); a missing file means none."""
    path = path or default_suppressions()
    today = today or today_for_expiry()
    shown = display(path)
    if not path.is_file():
        return []
    try:
        data = yaml.load(path.read_text(encoding="utf-8"), Loader=UniqueKeyLoader)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"(line {mark.line + 1})" if mark else "(file)"
        raise SuppressionError(
            shown, [(where, f"YAML syntax error: {getattr(exc, 'problem', None) or exc}", "fix the YAML")]
        ) from None
    if data is None:
        return []
    if (
        not isinstance(data, dict)
        or set(data) != {"suppressions"}
        or not isinstance(data["suppressions"], list | type(None))
    ):
        raise SuppressionError(
            shown, [("(top level)", "expected one key `suppressions:` holding a list", "see the file header")]
        )
    problems: list[tuple[str, str, str]] = []
    entries: list[Suppression] = []
    seen: dict[tuple[str, str], int] = {}
    for i, raw in enumerate(data["suppressions"] or []):
        where = f"suppressions[{i}]"
        found = _entry(raw, where, today, problems)
        if found is None:
            continue
        key = (found[0], found[1])
        if key in seen:
            problems.append(
                (where, f"repeats suppressions[{seen[key]}] ({key[0]} on {key[1]})", "merge them")
            )
            continue
        seen[key] = i
        entries.append(Suppression(*found, entry=i))
    if problems:
        raise SuppressionError(shown, problems)
    return entries


def _entry(
    raw: Any, where: str, today: dt.date, problems: list[tuple[str, str, str]]
) -> tuple[str, str, str, dt.date] | None:
    if not isinstance(raw, dict):
        problems.append((where, "is not a mapping", "write id:, resource:, reason:, expires: lines"))
        return None
    before = len(problems)
    for key in raw:
        if key not in FIELDS:
            problems.append((f"{where}.{key}", "unknown field", f"use only {', '.join(FIELDS)}"))
    for key in FIELDS:
        if key not in raw or raw[key] in (None, ""):
            problems.append((f"{where}.{key}", "missing", _FIELD_FIX[key]))
    if len(problems) > before:
        return None
    rule, resource, reason, expires = raw["id"], raw["resource"], raw["reason"], raw["expires"]
    if not isinstance(rule, str) or not (rule in INVARIANT_NAMES or CHECKOV_ID.match(rule)):
        close = difflib.get_close_matches(str(rule), INVARIANT_NAMES, n=1)
        hint = f" (did you mean {close[0]!r}?)" if close else ""
        problems.append((f"{where}.id", f"unknown rule id {rule!r}{hint}", _FIELD_FIX["id"]))
    if not isinstance(resource, str) or not RESOURCE.match(resource):
        problems.append(
            (f"{where}.resource", f"{resource!r} is not a resource address glob", _FIELD_FIX["resource"])
        )
    if not isinstance(reason, str) or len(reason.strip()) < MIN_REASON:
        problems.append((f"{where}.reason", "is too short to justify an acceptance", _FIELD_FIX["reason"]))
    date = _date(expires)
    if date is None:
        problems.append((f"{where}.expires", f"{expires!r} is not a date", "write it as YYYY-MM-DD"))
    elif date < today:
        problems.append(
            (
                f"{where}.expires",
                f"expired on {date.isoformat()} ({rule} on {resource})",
                "fix the finding and delete the entry, or re-justify it and set a new date",
            )
        )
    elif (date - today).days > MAX_DAYS:
        problems.append(
            (
                f"{where}.expires",
                f"{date.isoformat()} is more than a year away",
                "choose a date within a year",
            )
        )
    if len(problems) > before or date is None:
        return None
    return rule, resource, reason.strip(), date


def _date(value: Any) -> dt.date | None:
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    if isinstance(value, str):
        try:
            return dt.date.fromisoformat(value)
        except ValueError:
            return None
    return None


_FIELD_FIX = {
    "id": f"use an invariant name ({', '.join(INVARIANT_NAMES)}) or a checkov id like CKV_AWS_18",
    "resource": "use [<stack glob>/]<type>.<name glob>, e.g. *-aws-foundation/aws_s3_bucket.foundation_*",
    "reason": f"say in at least {MIN_REASON} characters why the finding is accepted and what would end it",
    "expires": "add expires: YYYY-MM-DD, at most a year ahead",
}


def apply_suppressions(findings: list[Finding], suppressions: list[Suppression]) -> list[Suppression]:
    """Mark each finding with the first entry that matches it; returns the entries that matched nothing."""
    used: set[int] = set()
    for finding in findings:
        for s in suppressions:
            if s.matches(finding):
                finding.suppression = s
                used.add(s.entry)
                break
    return [s for s in suppressions if s.entry not in used]
