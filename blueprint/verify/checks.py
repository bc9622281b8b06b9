"""The shared vocabulary of post-deploy checks, on every cloud: a `Check` is seen and right (`ok`), seen and
wrong or failed, or `NotCheckable` (the endpoint did not report the setting: never a pass)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

LAKE_PURPOSES = ("raw", "curated", "analytics", "artifacts")
NOT_CHECKABLE = "not checkable"
ROUND_TRIP = "round trip write/read/list/delete"
BODY = b"platform blueprint smoke check"


@dataclass(frozen=True)
class Check:
    subject: str
    name: str
    ok: bool
    detail: str = ""


@dataclass(frozen=True)
class NotCheckable(Check):
    """A setting the endpoint does not report. `ok` is always False, so code that counts `ok` never counts
    it as passed; report it apart with `status()` / `split_checks()` ("not checkable on the emulator")."""

    ok: bool = False
    status: ClassVar[str] = NOT_CHECKABLE


def status(check: Check) -> str:
    """ "passed", "failed" or "not checkable"."""
    if isinstance(check, NotCheckable):
        return NOT_CHECKABLE
    return "passed" if check.ok else "failed"


def split_checks(checks: list[Check]) -> tuple[list[Check], list[Check]]:
    """(checks that ran, settings the endpoint could not report). Passed means: every one that ran is ok."""
    ran = [c for c in checks if not isinstance(c, NotCheckable)]
    return ran, [c for c in checks if isinstance(c, NotCheckable)]
