"""Which stacks a change affects: synthesize two revisions and compare their normalized stack JSON.

Each revision is synthesized by its own code: a git worktree of the ref in a temporary directory, and a
fresh interpreter (`sys.executable -c ...`, cwd = the worktree) that imports that worktree's
`main.build_app`. The head defaults to the working tree itself (uncommitted edits included).

A stack's `cdk.tf.json` is normalized before comparing: every `"//"` metadata key (construct paths,
cdktn version) is dropped and keys are sorted, so only what terraform would see counts.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from blueprint.errors import BlueprintError
from blueprint.synth.node import bundled_node

Change = Literal["added", "changed", "removed"]
RESULT_MARKER = "@@BLUEPRINT_PREVIEW_STACKS@@ "
SYNTH_TIMEOUT_S = 900
WORKING_TREE = "working tree"

# Runs inside the revision's worktree: that revision's own main.build_app and spec loader.
_SYNTH_SCRIPT = f"""
import json, os, sys
from pathlib import Path
root = Path.cwd().resolve()
sys.path.insert(0, str(root))
args = json.loads(sys.argv[1])
import main
if Path(main.__file__).resolve().parent != root:
    sys.exit(f"imported main from {{main.__file__}}, not from {{root}}")
from blueprint.errors import BlueprintError
from blueprint.spec import load_all
try:
    specs = load_all()
    envs = args["envs"]
    chosen = [s for n, s in specs.items() if not envs or n in envs]
    clouds = set(args["clouds"]) if args["clouds"] else None
    app, planned = main.build_app(chosen, clouds, Path(args["outdir"]))
except BlueprintError as exc:
    print(exc.render(), file=sys.stderr)
    sys.exit(2)
app.synth()
rows = [dict(stack_id=p.stack_id, env=p.env, cloud=p.cloud, domain=p.domain, depends_on=list(p.depends_on))
        for p in planned]
print({RESULT_MARKER!r} + json.dumps(dict(stacks=rows, envs=sorted(specs))))
"""


@dataclass(frozen=True)
class StackInfo:
    """One synthesized stack of a revision."""

    stack_id: str
    env: str
    cloud: str
    domain: str
    depends_on: tuple[str, ...] = ()


@dataclass
class Revision:
    """A synthesized revision: its source tree, its synth output and its stacks (dependency order)."""

    label: str  # "base" or "head"
    ref: str  # what the user named (a ref, or "working tree")
    commit: str | None  # resolved commit; None for the working tree
    root: Path  # the source tree that was synthesized
    outdir: Path
    stacks: dict[str, StackInfo] = field(default_factory=dict)
    envs: tuple[str, ...] = ()  # every environment file the revision has

    @property
    def short(self) -> str:
        """`abc1234` or `working tree`: how the report names the revision."""
        return self.commit[:7] if self.commit else WORKING_TREE

    def stack_dir(self, stack_id: str) -> Path:
        """Directory holding the stack's `cdk.tf.json`."""
        return self.outdir / "stacks" / stack_id

    def doc(self, stack_id: str) -> dict[str, Any]:
        """The stack's `cdk.tf.json`, parsed."""
        data = json.loads((self.stack_dir(stack_id) / "cdk.tf.json").read_text(encoding="utf-8"))
        return data if isinstance(data, dict) else {}


@dataclass(frozen=True)
class StackDelta:
    """A stack whose normalized JSON differs between base and head."""

    stack: StackInfo
    change: Change

    def matrix_row(self) -> dict[str, str]:
        """One `include` entry of a GitHub Actions matrix."""
        s = self.stack
        return {
            "stack": s.stack_id,
            "env": s.env,
            "cloud": s.cloud,
            "domain": s.domain,
            "change": self.change,
        }


# -- normalization ---------------------------------------------------------------------------------------


def strip_metadata(value: Any) -> Any:
    """`value` without any `"//"` key, at any depth (cdktn writes construct metadata there)."""
    if isinstance(value, dict):
        return {k: strip_metadata(v) for k, v in value.items() if k != "//"}
    if isinstance(value, list):
        return [strip_metadata(v) for v in value]
    return value


def normalize(doc: Any) -> str:
    """Canonical text of a stack document: metadata dropped, keys sorted, no whitespace."""
    return json.dumps(strip_metadata(doc), sort_keys=True, separators=(",", ":"))


def compare(base: Revision, head: Revision, envs: set[str] | None = None) -> list[StackDelta]:
    """Stacks added, changed or removed between the revisions, in head's (then base's) dependency order."""
    deltas: list[StackDelta] = []
    for stack_id, info in head.stacks.items():
        if envs and info.env not in envs:
            continue
        if stack_id not in base.stacks:
            deltas.append(StackDelta(info, "added"))
        elif normalize(base.doc(stack_id)) != normalize(head.doc(stack_id)):
            deltas.append(StackDelta(info, "changed"))
    for stack_id, info in base.stacks.items():
        if stack_id not in head.stacks and not (envs and info.env not in envs):
            deltas.append(StackDelta(info, "removed"))
    return deltas


def matrix(deltas: list[StackDelta]) -> dict[str, list[dict[str, str]]]:
    """`{"include": [{"stack", "env", "cloud", "domain", "change"}, ...]}` for `strategy.matrix`."""
    return {"include": [d.matrix_row() for d in deltas]}


# -- git and synthesis -----------------------------------------------------------------------------------


def _git(repo: Path, *args: str) -> str:
    try:
        proc = subprocess.run(
            ["git", "-C", str(repo), *args], capture_output=True, text=True, check=False, timeout=120
        )
    except FileNotFoundError:
        raise BlueprintError("git not found", fix="install git; previews compare git revisions") from None
    if proc.returncode != 0:
        raise BlueprintError(
            f"git {' '.join(args)} failed in {repo}: {(proc.stderr or proc.stdout).strip()}",
            fix="run the command inside the project's git repository",
        )
    return proc.stdout.strip()


def repo_root(start: Path | None = None) -> Path:
    """The top of the git repository containing `start` (default: the current directory)."""
    return Path(_git(start or Path.cwd(), "rev-parse", "--show-toplevel")).resolve()


def resolve_commit(repo: Path, ref: str) -> str:
    """The commit a ref names; a clear error when it is unknown (e.g. a shallow CI checkout)."""
    try:
        return _git(repo, "rev-parse", "--verify", "--quiet", f"{ref}^{{commit}}")
    except BlueprintError:
        raise BlueprintError(
            f"--base/--head {ref!r}: no such commit in {repo}",
            fix="fetch it first (`git fetch origin <branch>`; in Actions use actions/checkout with "
            "fetch-depth: 0) or pass a commit id",
        ) from None


@contextmanager
def worktree(repo: Path, commit: str, parent: Path) -> Iterator[Path]:
    """A detached worktree of `commit` under `parent`, removed again on exit."""
    path = Path(tempfile.mkdtemp(prefix=f"rev-{commit[:7]}-", dir=parent))
    path.rmdir()  # git worktree add wants to create it
    _git(repo, "worktree", "add", "--detach", "--quiet", str(path), commit)
    try:
        yield path
    finally:
        subprocess.run(
            ["git", "-C", str(repo), "worktree", "remove", "--force", str(path)],
            capture_output=True,
            check=False,
        )
        shutil.rmtree(path, ignore_errors=True)
        subprocess.run(["git", "-C", str(repo), "worktree", "prune"], capture_output=True, check=False)


def synthesize_tree(
    root: Path, outdir: Path, envs: set[str] | None = None, clouds: set[str] | None = None
) -> tuple[dict[str, StackInfo], tuple[str, ...]]:
    """Synthesize the source tree at `root` with its own code, in a fresh interpreter.

    Returns the stacks (dependency order) and the environment names the tree has."""
    outdir.mkdir(parents=True, exist_ok=True)
    args = {"envs": sorted(envs or ()), "clouds": sorted(clouds or ()), "outdir": str(outdir.resolve())}
    env = {k: v for k, v in os.environ.items() if k not in ("CDKTF_OUTDIR", "BLUEPRINT_ENVS", "PYTHONPATH")}
    # The revision runs on this checkout's Node 22 when setup installed it (worktrees have no .tools/).
    if "JSII_NODE" not in env and (node := bundled_node()) is not None:
        env["JSII_NODE"] = str(node)
    try:
        proc = subprocess.run(
            [sys.executable, "-c", _SYNTH_SCRIPT, json.dumps(args)],
            cwd=root,
            env=env,
            capture_output=True,
            text=True,
            timeout=SYNTH_TIMEOUT_S,
            check=False,
        )
    except subprocess.TimeoutExpired:
        raise BlueprintError(
            f"synthesis of {root} did not finish within {SYNTH_TIMEOUT_S} s", fix="check node and the app"
        ) from None
    line = next((ln for ln in proc.stdout.splitlines() if ln.startswith(RESULT_MARKER)), None)
    if proc.returncode != 0 or line is None:
        tail = "\n".join((proc.stderr or proc.stdout).strip().splitlines()[-20:])
        raise BlueprintError(
            f"synthesis of {root} failed (exit {proc.returncode}):\n{tail}",
            fix="run `blueprint synth` in that revision and fix what it reports",
        )
    data = json.loads(line[len(RESULT_MARKER) :])
    stacks = {
        row["stack_id"]: StackInfo(
            row["stack_id"], row["env"], row["cloud"], row["domain"], tuple(row["depends_on"])
        )
        for row in data["stacks"]
    }
    return stacks, tuple(data["envs"])


@dataclass
class Revisions:
    """Base and head, synthesized, with their temporary trees alive until `close()`."""

    base: Revision
    head: Revision
    _stack: ExitStack

    def close(self) -> None:
        """Remove the worktrees."""
        self._stack.close()


def synthesize_revisions(
    repo: Path,
    base_ref: str,
    head_ref: str | None,
    workspace: Path,
    envs: set[str] | None = None,
    clouds: set[str] | None = None,
) -> Revisions:
    """Synthesize base (a worktree of `base_ref`) and head (`head_ref`, or the working tree) in parallel.

    The worktrees live under `workspace`; call `close()` on the result to remove them."""
    repo = repo_root(repo)
    base_commit = resolve_commit(repo, base_ref)
    head_commit = resolve_commit(repo, head_ref) if head_ref else None
    stack = ExitStack()
    try:
        base_root = stack.enter_context(worktree(repo, base_commit, workspace))
        head_root = stack.enter_context(worktree(repo, head_commit, workspace)) if head_commit else repo
        base = Revision("base", base_ref, base_commit, base_root, workspace / "synth-base")
        head = Revision("head", head_ref or WORKING_TREE, head_commit, head_root, workspace / "synth-head")
        with ThreadPoolExecutor(max_workers=2) as pool:
            futures = [pool.submit(synthesize_tree, r.root, r.outdir, envs, clouds) for r in (base, head)]
            errors: list[BlueprintError] = []
            for rev, fut in zip((base, head), futures, strict=True):
                try:
                    rev.stacks, rev.envs = fut.result()
                except BlueprintError as exc:
                    errors.append(
                        BlueprintError(f"{rev.label} revision ({rev.short}): {exc.message}", fix=exc.fix)
                    )
            if errors:
                raise errors[0]
        if envs and not (set(base.envs) | set(head.envs)) & envs:
            raise BlueprintError(
                f"--env {sorted(envs)}: no such environment in base or head",
                fix=f"use some of {sorted(set(base.envs) | set(head.envs))}",
            )
    except BaseException:
        stack.close()
        raise
    return Revisions(base, head, stack)


# -- synth-level diff (for stacks that cannot be planned here) -------------------------------------------


@dataclass
class SynthDiff:
    """Resource addresses added, removed or changed between two stack documents, with attribute names."""

    added: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    changed: dict[str, list[str]] = field(default_factory=dict)  # address -> top-level attribute names


def _addresses(doc: dict[str, Any]) -> dict[str, Any]:
    found: dict[str, Any] = {}
    for kind, prefix in (("resource", ""), ("data", "data.")):
        for rtype, group in (doc.get(kind) or {}).items():
            if rtype == "//" or not isinstance(group, dict):
                continue
            for name, body in group.items():
                if name != "//":
                    found[f"{prefix}{rtype}.{name}"] = strip_metadata(body)
    return found


def synth_diff(base_doc: dict[str, Any] | None, head_doc: dict[str, Any] | None) -> SynthDiff:
    """Compare two stack documents resource by resource (either may be None: a stack added or removed)."""
    before, after = _addresses(base_doc or {}), _addresses(head_doc or {})
    diff = SynthDiff(added=sorted(set(after) - set(before)), removed=sorted(set(before) - set(after)))
    for address in sorted(set(before) & set(after)):
        b, a = before[address], after[address]
        if normalize(b) == normalize(a):
            continue
        keys = set(b) | set(a) if isinstance(b, dict) and isinstance(a, dict) else {"(body)"}
        diff.changed[address] = sorted(
            k
            for k in keys
            if not (isinstance(b, dict) and isinstance(a, dict)) or normalize(b.get(k)) != normalize(a.get(k))
        )
    return diff
