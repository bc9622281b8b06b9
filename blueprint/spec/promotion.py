"""The promotion chains across environment files: dev -> staging -> prod (cloud environments) and
local -> localstg (emulator environments), from each file's `promotion.next`."""

from __future__ import annotations

from blueprint.errors import SpecError
from blueprint.spec.model import PlatformSpec


def promotion_chains(
    specs: dict[str, PlatformSpec], files: dict[str, str] | None = None
) -> dict[bool, list[str]]:
    """The promotion chain of cloud environments (False) and of emulator environments (True), from each
    file's promotion.next: dev -> staging -> prod, and e.g. local -> localstg. Errors name the bad file."""

    def file_of(name: str) -> str:
        return (files or {}).get(name, f"environments/{name}.yaml")

    def fail(name: str, what: str, fix: str) -> SpecError:
        return SpecError(file_of(name), [("promotion.next", what, fix)])

    for name, spec in specs.items():
        nxt = spec.promotion.next
        if nxt is None:
            continue
        if nxt not in specs:
            raise fail(name, f"names {nxt!r}, which has no environment file", f"create {nxt}.yaml")
        if specs[nxt].emulated != spec.emulated:
            kind = "an emulator environment" if specs[nxt].emulated else "a cloud environment"
            raise fail(name, f"promotes to {nxt!r}, {kind}", "promote within clouds or within the emulator")
    for name in specs:  # bounded walk from every file: a loop anywhere is an error
        seen: list[str] = []
        current: str | None = name
        while current is not None:
            if current in seen:
                loop = " -> ".join([*seen, current])
                raise fail(
                    name, f"the promotion order loops: {loop}", "end the chain, e.g. remove it from prod"
                )
            seen.append(current)
            current = specs[current].promotion.next
    targets = {s.promotion.next for s in specs.values() if s.promotion.next}
    chains: dict[bool, list[str]] = {False: [], True: []}
    for emulated in (False, True):
        starts = sorted(
            n for n, s in specs.items() if s.emulated == emulated and n not in targets and s.promotion.next
        )
        if len(starts) > 1:
            raise fail(
                starts[1],
                f"starts a second promotion chain beside {starts[0]!r}",
                f"promote {starts[1]} into the existing chain or remove its promotion.next",
            )
        current = starts[0] if starts else None
        while current is not None:
            chains[emulated].append(current)
            current = specs[current].promotion.next
    return chains


def promotion_order(specs: dict[str, PlatformSpec], files: dict[str, str] | None = None) -> list[str]:
    """The chain of cloud environments, dev -> staging -> prod (validating every chain)."""
    return promotion_chains(specs, files)[False]


def chain_of(specs: dict[str, PlatformSpec], name: str) -> list[str]:
    """The promotion chain that environment `name` belongs to (empty when it has none)."""
    chains = promotion_chains(specs)
    chain = chains[specs[name].emulated]
    return chain if name in chain else []
