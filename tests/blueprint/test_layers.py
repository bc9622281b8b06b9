"""The layout's rules, read from the imports (docs/architecture.md): no import cycles (type-only ones
included), no underscore names imported across modules, and blueprint/ reaches stacks/ and modules/
only through the app builder (plus the plain policy documents the state store shares)."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

pytestmark = pytest.mark.unit
REPO = Path(__file__).resolve().parents[2]
OURS = ("blueprint", "modules", "stacks", "main")
# blueprint/ may import these of stacks/ and modules/ (anything else goes through stacks.app).
ALLOWED_INTO_STACKS = {"stacks.app", "modules.primitives.policies"}


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(REPO).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def imports(root: Path = REPO) -> dict[str, list[tuple[str, list[str], int]]]:
    """module -> [(imported module, names, line)] for every import of our own code, anywhere in a file."""
    found: dict[str, list[tuple[str, list[str], int]]] = {}
    files = [root / "main.py", *[p for d in OURS[:-1] for p in (root / d).rglob("*.py")]]
    for path in files:
        edges = found.setdefault(_module_name(path), [])
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom) and node.module and node.module.split(".")[0] in OURS:
                edges.append((node.module, [a.name for a in node.names], node.lineno))
            elif isinstance(node, ast.Import):
                edges += [(a.name, [], node.lineno) for a in node.names if a.name.split(".")[0] in OURS]
    return found


def _target(graph: dict[str, list[tuple[str, list[str], int]]], module: str, name: str) -> str:
    """`from a.b import c` imports module a.b.c when that is a module, else a name of a.b."""
    return f"{module}.{name}" if f"{module}.{name}" in graph else module


def cycles(graph: dict[str, list[tuple[str, list[str], int]]]) -> list[list[str]]:
    edges = {
        m: {_target(graph, t, n) for t, names, _ in es for n in (names or [""])} - {m}
        for m, es in graph.items()
    }
    edges = {m: {t.rstrip(".") for t in ts if t.rstrip(".") in graph} for m, ts in edges.items()}
    found: list[list[str]] = []
    state: dict[str, int] = {}

    def visit(node: str, stack: list[str]) -> None:
        state[node] = 1
        for nxt in sorted(edges.get(node, ())):
            if state.get(nxt) == 1:
                found.append([*stack[stack.index(nxt) :], nxt])
            elif nxt not in state:
                visit(nxt, [*stack, nxt])
        state[node] = 2

    for start in sorted(edges):
        if start not in state:
            visit(start, [start])
    return found


def _package_init(graph: dict[str, list[tuple[str, list[str], int]]], module: str) -> bool:
    return any(m == module for m in graph) and (REPO / module.replace(".", "/") / "__init__.py").is_file()


def test_no_import_cycles() -> None:
    graph = imports()
    # A package's __init__ re-exporting its own modules is not a cycle of the layout.
    pruned = {
        m: [(t, n, line) for t, n, line in es if not (_package_init(graph, m) and t.startswith(m + "."))]
        for m, es in graph.items()
    }
    assert cycles(pruned) == []


def test_a_cycle_is_noticed() -> None:
    graph = {"a": [("b", ["x"], 1)], "b": [("a", ["y"], 1)]}
    assert cycles(graph) == [["a", "b", "a"]]


def test_no_underscore_names_cross_modules() -> None:
    crossing = [
        f"{m}:{line} imports {t}.{n}"
        for m, es in imports().items()
        for t, names, line in es
        for n in names
        if n.startswith("_") and t != m
    ]
    assert crossing == []


def test_blueprint_reaches_stacks_and_modules_only_through_the_app_builder() -> None:
    graph = imports()
    wrong = [
        f"{m}:{line} imports {t}"
        for m, es in graph.items()
        if m.startswith("blueprint")
        for t, _, line in es
        if t.split(".")[0] in ("stacks", "modules", "main") and t not in ALLOWED_INTO_STACKS
    ]
    assert wrong == []
