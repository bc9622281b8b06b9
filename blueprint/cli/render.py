"""How commands show their results. User values (names, settings, error messages) are never read as
console markup: they go into `Text` cells, so `[/x]`, `[link=...]` or a regex's `[a-z]` print as written.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from rich.console import Console
from rich.table import Table
from rich.text import Text

console = Console(highlight=False)
err_console = Console(stderr=True, highlight=False)


def table(title: str, columns: Sequence[str], rows: Iterable[Sequence[Any]]) -> Table:
    """A table whose every cell is plain text."""
    out = Table(title=Text(title))
    for column in columns:
        out.add_column(Text(column))
    for row in rows:
        out.add_row(*(v if isinstance(v, Text) else Text(str(v)) for v in row))
    return out


def say(*parts: str | Text) -> None:
    """Print plain text (never markup) on stdout."""
    console.print(Text.assemble(*parts), soft_wrap=True)


def error(message: str) -> None:
    """`error: <message>` on stderr; the message is printed as written."""
    err_console.print(Text.assemble(("error: ", "bold red"), message), soft_wrap=True)


def styled(text: str, style: str) -> Text:
    return Text(text, style=style)


def print_checks(checks: list[Any]) -> None:
    """The verify summary after `up`: counts, then each failed check."""
    failed = [c for c in checks if not c.ok]
    buckets = sorted({c.subject for c in checks})
    say(f"verify: {len(checks) - len(failed)}/{len(checks)} checks passed on {len(buckets)} buckets")
    for c in failed:
        say("  ", styled("FAILED", "red"), f" {c.subject}: {c.name} ({c.detail})")


def print_up(result: Any) -> None:
    rows = [
        (s.stack_id, s.resources, "\n".join(f"{k} = {v}" for k, v in sorted(s.outputs.items())))
        for s in result.stacks
    ]
    console.print(
        table(f"environment {result.env} on {result.endpoint}", ("stack", "resources", "outputs"), rows)
    )
    print_checks(result.checks)
    steps = ", ".join(f"{k} {v:.1f}s" for k, v in result.timings.items())
    say(
        styled(
            f"{len(result.stacks)} stacks, {result.resources} resources, "
            f"{sum(c.ok for c in result.checks)}/{len(result.checks)} checks passed, {result.seconds:.1f} s",
            "bold",
        ),
        f" ({steps})\nstate: s3://{result.state_bucket}   next: blueprint status | blueprint down",
    )


VERIFY_STATUS = {"passed": ("ok", "green"), "not checkable": ("not checkable", "yellow")}


def print_verify(title: str, checks: list[Any], status_of: Any) -> None:
    rows = []
    for c in checks:
        word, style = VERIFY_STATUS.get(status_of(c), ("FAILED", "red"))
        result = Text(word, style=style)
        if not c.ok and c.detail:
            result.append(f" {c.detail}")
        rows.append((c.subject, c.name, result))
    console.print(table(title, ("resource", "check", "result"), rows))


def print_ledger(env: str, entries: list[dict[str, Any]]) -> None:
    rows = [
        (
            e.get("recorded"),
            e.get("kind"),
            e.get("result"),
            str(e.get("commit", ""))[:12],
            str(e.get("bundle", ""))[:12],
            e.get("actor"),
        )
        for e in entries
    ]
    console.print(
        table(f"ledger of {env}", ("recorded", "kind", "result", "commit", "bundle", "actor"), rows)
    )
