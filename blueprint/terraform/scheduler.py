"""The one apply scheduler: stacks run as soon as what they need is there, each in its own thread.

A stack waits for each dependency to be *ready* (pipelined: every change of the dependency except
settle-only waits is complete, see `TerraformRunner.apply`) or *done* (fully applied: when it reads the
dependency's outputs, or when not pipelined). A failure stops the failed stack's dependants, never the
stacks that do not need it; an interrupt (the CLI asked every terraform apply to stop) lets every
running stack finish its graceful stop before it is raised.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

DEFAULT_WAIT_S = 1800.0

# work(stack_id, ready): apply the stack; may set `ready` early when the stack's dependants may start.
Work = Callable[[str, threading.Event], None]


@dataclass
class Outcome:
    """What happened to each stack: done, failed (with the error) or skipped (with the failed need)."""

    done: list[str] = field(default_factory=list)
    failed: dict[str, BaseException] = field(default_factory=dict)
    skipped: dict[str, str] = field(default_factory=dict)

    def first_error(self) -> BaseException | None:
        return next(iter(self.failed.values()), None)


def run_pipelined(
    order: list[str],
    depends_on: Mapping[str, tuple[str, ...]],
    work: Work,
    *,
    full: Callable[[str], set[str]] = lambda _stack: set(),
    pipelined: bool = True,
    wait_s: float = DEFAULT_WAIT_S,
) -> Outcome:
    """Run `work` for every stack of `order` (dependency order). `depends_on` may name stacks outside
    `order` (they are taken as applied); `full(stack)` names the dependencies it must wait for until they
    are fully applied."""
    ids = set(order)
    ready = {s: threading.Event() for s in order}
    done = {s: threading.Event() for s in order}
    outcome = Outcome()
    lock = threading.Lock()
    stopping = threading.Event()

    def run(stack: str) -> None:
        try:
            needs = [d for d in depends_on.get(stack, ()) if d in ids]
            whole = full(stack)
            for dep in needs:
                (done[dep] if (dep in whole or not pipelined) else ready[dep]).wait(timeout=wait_s)
            with lock:
                bad = next((d for d in needs if d in outcome.failed or d in outcome.skipped), None)
                unfinished = next((d for d in needs if not ready[d].is_set()), None)
            if stopping.is_set():
                with lock:
                    outcome.skipped[stack] = "interrupted"
                return
            if bad is not None or unfinished is not None:
                with lock:
                    outcome.skipped[stack] = bad or f"{unfinished} (still running after {wait_s:.0f} s)"
                return
            work(stack, ready[stack] if pipelined else threading.Event())
            with lock:
                outcome.done.append(stack)
        except BaseException as exc:
            with lock:
                outcome.failed[stack] = exc
        finally:
            ready[stack].set()
            done[stack].set()

    threads = [threading.Thread(target=run, args=(s,), name=f"apply {s}") for s in order]
    for thread in threads:
        thread.start()
    try:
        for thread in threads:
            thread.join()
    except BaseException:
        stopping.set()
        for thread in threads:
            thread.join(timeout=wait_s)
        raise
    return outcome
