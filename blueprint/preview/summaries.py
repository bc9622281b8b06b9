"""Rendering from per-stack plan summaries made elsewhere (the CI plan jobs): nothing is planned."""

from __future__ import annotations

import json
from pathlib import Path

from blueprint.errors import BlueprintError
from blueprint.preview.affected import Revisions, StackDelta
from blueprint.preview.model import StackReport
from blueprint.preview.planner import synth_only

NO_SUMMARY = "no plan summary: the plan job failed or was skipped"


def load_summaries(directory: Path) -> dict[str, StackReport]:
    """Per-stack summaries (`<stack>.json`, any depth) written by `blueprint preview` in plan jobs."""
    found: dict[str, StackReport] = {}
    for path in sorted(directory.rglob("*.json")):
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except ValueError:
            continue
        if isinstance(data, dict) and str(data.get("schema", "")).startswith("blueprint.preview.stack/"):
            try:
                report = StackReport.from_json(data)
            except (TypeError, ValueError) as exc:
                raise BlueprintError(
                    f"{path}: not a plan summary this version can read ({exc})",
                    fix="plan and render with the same blueprint version",
                ) from None
            found[report.stack] = report
    return found


def from_summaries(revs: Revisions, deltas: list[StackDelta], directory: Path) -> list[StackReport]:
    """The affected stacks' summaries; a synth diff (labelled) for any stack without one."""
    if not directory.is_dir():
        raise BlueprintError(f"--summaries {directory}: no such directory", fix="download the plan artifacts")
    found = load_summaries(directory)
    return [
        found.get(d.stack.stack_id)
        or synth_only(revs, d, "no plan summary: the plan job failed or was skipped")
        for d in deltas
    ]
