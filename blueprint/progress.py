"""Long work reports what it is doing through a `Progress` callback (the CLI shows it in a spinner)."""

from __future__ import annotations

from collections.abc import Callable

Progress = Callable[[str], None]


def quiet(_: str) -> None:
    """A `Progress` that shows nothing."""
    return None
