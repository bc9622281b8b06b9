"""Markdown of a plan preview, for one sticky pull-request comment that never exceeds `COMMENT_LIMIT`.

Layout: dangerous changes first (deletes, replaces, refused destroys), then a mermaid overview, then per
environment a counts table and per stack a table of changed resources with the names of the attributes
that change, then policy findings new in head. When the text is too long it degrades step by step:
full -> resource tables folded in <details> (then cut to fewer rows per stack) -> summary per stack only
(then fewer dangerous rows, no diagram), and says what was left out and where the full report is.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from blueprint.preview.model import COUNTED, PolicySection, Report, ResourceRow, StackReport

MARKER = "<!-- blueprint-preview -->"
COMMENT_LIMIT = 60_000
MAX_NAMES_PER_CELL = 10
ROW_CAPS = (100, 50, 20, 10, 5, 1)
DANGER_CAPS = (500, 200, 100, 50, 20, 10)
HOW = {
    "emulator": "plan (emulator)",
    "offline": "plan (offline, empty state)",
    "cloud": "plan",
}


@dataclass(frozen=True)
class Layout:
    """How much of the report to show."""

    details: str = "inline"  # inline | folded | none
    rows_per_stack: int | None = None
    danger_rows: int | None = None
    mermaid: bool = True
    policy_rows: int | None = None


@dataclass
class Rendered:
    """The markdown and what was left out of it (empty when nothing was)."""

    text: str
    level: str
    omitted: list[str] = field(default_factory=list)

    @property
    def shortened(self) -> bool:
        return bool(self.omitted)


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def _code(text: str) -> str:
    return "`" + text.replace("`", "'") + "`"


def how(stack: StackReport) -> str:
    """How a stack's changes were found: a plan (and against what) or a synth diff, labelled as such."""
    if stack.method == "synth-diff":
        return f"synth diff ({stack.mode})"
    return HOW.get(stack.mode, f"plan ({stack.mode})")


def _counts_text(counts: dict[str, int], synth: bool = False) -> str:
    parts = [f"{k} {counts.get(k, 0)}" for k in COUNTED if not (synth and k == "replace")]
    return " · ".join(parts)


def _plural(n: int, word: str) -> str:
    return f"{n} {word}{'' if n == 1 else 's'}"


def _resource(row: ResourceRow) -> str:
    text = _code(row.address)
    return f"{text} ({_code(row.identity)})" if row.identity else text


def _attributes(row: ResourceRow) -> str:
    if row.action == "create":
        return "(new)"
    if row.action == "delete":
        return "(removed)"
    if row.action == "forget":
        return "(removed from state, not destroyed)"
    sensitive, forcing = set(row.sensitive), set(row.forces_replacement)
    names: list[str] = []
    for path in row.attributes:
        notes = [
            n for n, on in (("forces replacement", path in forcing), ("sensitive", path in sensitive)) if on
        ]
        names.append(_code(path) + (f" ({', '.join(notes)})" if notes else ""))
    for path in row.unknown:
        names.append(_code(path) + (" (sensitive)" if path in sensitive else "") + " (known after apply)")
    for path in sorted(forcing - set(row.attributes)):
        names.append(_code(path) + " (forces replacement)")
    if not names:
        return "(no attribute named)"
    shown = names[:MAX_NAMES_PER_CELL]
    more = len(names) - len(shown)
    return ", ".join(shown) + (f", +{more} more" if more else "")


def _danger_rows(report: Report) -> list[tuple[StackReport, str, ResourceRow | str]]:
    rows: list[tuple[StackReport, str, ResourceRow | str]] = []
    for stack in report.stacks:
        rows += [(stack, "destroy refused", address) for address in stack.blocked]
        rows += [(stack, r.action, r) for r in stack.resources if r.dangerous]
    return rows


def _danger_section(report: Report, cap: int | None) -> tuple[list[str], int]:
    rows = _danger_rows(report)
    totals = report.totals()
    lines = ["### Dangerous changes", ""]
    blocked = sum(len(s.blocked) for s in report.stacks)
    if not rows:
        lines.append("No deletes or replacements.")
        return [*lines, ""], 0
    summary = [_plural(totals["delete"], "delete"), _plural(totals["replace"], "replace")]
    if blocked:
        summary.append(f"{blocked} refused by prevent_destroy (the plan failed)")
    lines += [f"**{', '.join(summary)}**: review these before merging.", ""]
    lines += ["| stack | action | resource | detail |", "|---|---|---|---|"]
    shown = rows if cap is None else rows[:cap]
    for stack, action, item in shown:
        if isinstance(item, str):
            lines.append(f"| {_code(stack.stack)} | **{action}** | {_code(item)} | prevent_destroy is set |")
            continue
        detail: list[str] = []
        if item.forces_replacement:
            detail.append("forces replacement: " + ", ".join(_code(p) for p in item.forces_replacement[:5]))
        elif item.reason:
            detail.append(item.reason.replace("_", " "))
        if stack.method == "synth-diff":
            detail.append(how(stack))
        lines.append(
            f"| {_code(stack.stack)} | **{action}** | {_resource(item)} | {_cell('; '.join(detail))} |"
        )
    left = len(rows) - len(shown)
    if left:
        lines += ["", f"... and {left} more dangerous changes (all of them are in the full report)."]
    return [*lines, ""], left


def _node(stack_id: str) -> str:
    return "s_" + re.sub(r"[^A-Za-z0-9_]", "_", stack_id)


def mermaid(report: Report) -> list[str]:
    """A `graph LR` of the affected stacks per environment, with counts; dangerous stacks coloured."""
    lines = ["```mermaid", "graph LR"]
    ids = {s.stack for s in report.stacks}
    for i, env in enumerate(report.envs()):
        lines.append(f'  subgraph env_{i}["{env}"]')
        for stack in (s for s in report.stacks if s.env == env):
            counts = ", ".join(f"{k} {v}" for k, v in stack.counts.items() if v) or "no resource changes"
            label = f"{stack.stack}<br/>{counts}" + (
                "<br/>(synth diff)" if stack.method == "synth-diff" else ""
            )
            if stack.error:
                label += "<br/>plan failed"
            lines.append(f'    {_node(stack.stack)}["{label}"]')
        lines.append("  end")
    for stack in report.stacks:
        for dep in stack.depends_on:
            if dep in ids:
                lines.append(f"  {_node(dep)} --> {_node(stack.stack)}")
    lines += [
        "  classDef danger fill:#ffd6d6,stroke:#c00,stroke-width:2px,color:#600",
        "  classDef synth stroke-dasharray:4 3",
    ]
    danger = [_node(s.stack) for s in report.stacks if s.dangerous or s.blocked or s.error]
    synth = [_node(s.stack) for s in report.stacks if s.method == "synth-diff"]
    if danger:
        lines.append(f"  class {','.join(danger)} danger")
    if synth:
        lines.append(f"  class {','.join(synth)} synth")
    return [*lines, "```", ""]


def _pick(rows: list[ResourceRow], cap: int) -> list[ResourceRow]:
    """At most `cap` rows, shared fairly between actions (a cut table still shows updates, not only the
    deletes already listed at the top), in their original order."""
    if len(rows) <= cap:
        return rows
    by_action: dict[str, list[int]] = {}
    for i, row in enumerate(rows):
        by_action.setdefault(row.action, []).append(i)
    chosen: set[int] = set()
    queues = [list(reversed(ix)) for ix in by_action.values()]
    while len(chosen) < cap:
        for queue in queues:
            if queue and len(chosen) < cap:
                chosen.add(queue.pop())
    return [rows[i] for i in sorted(chosen)]


def _stack_details(stack: StackReport, layout: Layout) -> tuple[list[str], int]:
    """The per-stack block: heading, counts, and (unless summary-only) the resource table."""
    lines = [f"#### {_code(stack.stack)} · {how(stack)} · stack {stack.change}", ""]
    line = _counts_text(stack.counts, stack.method == "synth-diff")
    if stack.outputs:
        line += " · outputs changing: " + ", ".join(_code(o) for o in stack.outputs[:MAX_NAMES_PER_CELL])
        if len(stack.outputs) > MAX_NAMES_PER_CELL:
            line += f", +{len(stack.outputs) - MAX_NAMES_PER_CELL} more"
    lines.append(line)
    if stack.error:
        lines += ["", f"**plan failed**: {_cell(stack.error)}"]
    lines.append("")
    if layout.details == "none" or not stack.resources:
        if not stack.resources:
            lines += ["No resource changes.", ""]
        return lines, len(stack.resources) if layout.details == "none" else 0
    rows = stack.resources if layout.rows_per_stack is None else _pick(stack.resources, layout.rows_per_stack)
    table = ["| action | resource | attributes that change |", "|---|---|---|"]
    table += [f"| {r.action} | {_cell(_resource(r))} | {_cell(_attributes(r))} |" for r in rows]
    left = len(stack.resources) - len(rows)
    if left:
        table += ["", f"... and {left} more resources (in the full report)."]
    if layout.details == "folded":
        lines += [
            f"<details><summary>{_plural(len(stack.resources), 'changed resource')}</summary>",
            "",
            *table,
            "",
            "</details>",
            "",
        ]
    else:
        lines += [*table, ""]
    return lines, left


def _env_section(report: Report, env: str, layout: Layout) -> tuple[list[str], int]:
    stacks = [s for s in report.stacks if s.env == env]
    lines = [f"### Environment {_code(env)}", ""]
    lines += ["| stack | how | create | update | replace | delete |", "|---|---|--:|--:|--:|--:|"]
    for s in stacks:
        c = s.counts
        replace = "n/a" if s.method == "synth-diff" else str(c.get("replace", 0))
        how_text = how(s) + (" — plan failed" if s.error and "failed" not in how(s) else "")
        lines.append(
            f"| {_code(s.stack)} | {how_text} | {c.get('create', 0)} | {c.get('update', 0)} | {replace} | "
            f"{c.get('delete', 0)} |"
        )
    lines.append("")
    left = 0
    for s in stacks:
        block, n = _stack_details(s, layout)
        lines += block
        left += n
    return lines, left


def _policy_section(policy: PolicySection, cap: int | None) -> tuple[list[str], int]:
    lines = ["### Policy findings new in head", ""]
    if not policy.available:
        return [*lines, f"**Policy check failed**: {_cell(policy.note)}", ""], 0
    if not policy.findings:
        return [*lines, f"No new findings. {policy.note}".strip(), ""], 0
    shown = policy.findings if cap is None else policy.findings[:cap]
    lines += [policy.note, ""] if policy.note else []
    lines += ["| stack | rule | resource | finding |", "|---|---|---|---|"]
    lines += [
        f"| {_code(f.stack)} | {_code(f.rule)} | {_code(f.address)} | {_cell(f.message)} |" for f in shown
    ]
    left = len(policy.findings) - len(shown)
    if left:
        lines += ["", f"... and {left} more new findings (in the full report)."]
    return [*lines, ""], left


def _header(report: Report) -> list[str]:
    envs = report.envs()
    title = f"{_plural(len(report.stacks), 'stack')} in {_plural(len(envs), 'environment')}"
    lines = [MARKER, f"## Plan preview: {title}", ""]
    lines.append(f"base {_code(report.base)} → head {_code(report.head)}. {report.mode_note}")
    lines.append("")
    if report.stacks:
        lines += [f"**Total: {_counts_text(report.totals())}**", ""]
    else:
        lines += ["No stack changes: base and head synthesize to the same Terraform JSON.", ""]
    return lines


def _footer(report: Report) -> list[str]:
    return ["---", f"Full report and per-stack plan summaries: {report.artifacts}."]


def render(report: Report, layout: Layout = Layout()) -> tuple[str, list[str]]:
    """The markdown for one layout, and what that layout left out."""
    omitted: list[str] = []
    body: list[str] = []
    danger, danger_left = _danger_section(report, layout.danger_rows)
    body += danger
    if layout.mermaid and report.stacks:
        body += ["### Overview", "", *mermaid(report)]
    elif report.stacks:
        omitted.append("the mermaid diagram")
    rows_left = 0
    for env in report.envs():
        block, n = _env_section(report, env, layout)
        body += block
        rows_left += n
    policy, policy_left = _policy_section(report.policy, layout.policy_rows)
    body += policy
    if layout.details == "folded":
        omitted.insert(0, "resource tables are folded")
    if rows_left and layout.details == "none":
        omitted.insert(0, f"the resource tables ({rows_left} rows; summary per stack only)")
    elif rows_left:
        omitted.insert(0, f"{rows_left} resource rows (tables cut to {layout.rows_per_stack} rows per stack)")
    if danger_left:
        omitted.append(f"{danger_left} dangerous changes beyond the first {layout.danger_rows}")
    if policy_left:
        omitted.append(f"{policy_left} policy findings beyond the first {layout.policy_rows}")
    notice: list[str] = []
    if omitted and omitted != ["resource tables are folded"]:
        notice = [
            f"> **Shortened** to fit one comment ({COMMENT_LIMIT:,} characters): "
            + "; ".join(omitted)
            + f". The full report is in {report.artifacts}.",
            "",
        ]
    elif omitted:
        notice = [
            f"> Resource tables are folded to keep this comment readable; full report: {report.artifacts}.",
            "",
        ]
    lines = [*_header(report), *notice, *body, *_footer(report)]
    return "\n".join(lines) + "\n", omitted


def layouts() -> list[tuple[str, Layout]]:
    """Every layout, from the full report to the smallest summary, in the order they are tried."""
    steps: list[tuple[str, Layout]] = [("full", Layout()), ("folded", Layout(details="folded"))]
    steps += [(f"folded, {n} rows per stack", Layout(details="folded", rows_per_stack=n)) for n in ROW_CAPS]
    steps.append(("summary per stack", Layout(details="none")))
    steps += [
        (f"summary, {n} dangerous rows", Layout(details="none", danger_rows=n, policy_rows=n))
        for n in DANGER_CAPS
    ]
    steps.append(("summary, no diagram", Layout(details="none", danger_rows=5, mermaid=False, policy_rows=5)))
    return steps


def render_comment(report: Report, limit: int = COMMENT_LIMIT) -> Rendered:
    """The largest layout whose markdown fits in `limit` characters (a hard cut as the last resort)."""
    text, omitted = "", list[str]()
    for level, layout in layouts():
        text, omitted = render(report, layout)
        if len(text) <= limit:
            return Rendered(text, level, [o for o in omitted if o != "resource tables are folded"])
    note = f"\n\n> **Cut** at {limit:,} characters; the full report is in {report.artifacts}.\n"
    return Rendered(text[: limit - len(note)] + note, "cut", [*omitted, "everything past the cut"])


def render_full(report: Report) -> str:
    """The whole report, no size limit (written to preview.md for the CI artifacts)."""
    return render(report, Layout())[0]
