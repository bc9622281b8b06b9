"""A content-addressed bundle of an environment's synthesized stacks: what was tested is what is promoted.

The digest covers every stack's normalized Terraform JSON, the provider lock files, the spec and the
tool version; it does not cover synthesis metadata (construct paths), which carries no behaviour.
"""

from __future__ import annotations

import hashlib
import json
import shutil
import subprocess
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path
from typing import Any

from blueprint.spec import PlatformSpec

LOCK_FILE = ".terraform.lock.hcl"


def canonical(doc: Any) -> bytes:
    return json.dumps(doc, sort_keys=True, separators=(",", ":")).encode()


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def normalized_stack(doc: dict[str, Any]) -> dict[str, Any]:
    """The stack without cdktn's "//" metadata (construct paths, versions), which carries no behaviour."""

    def strip(node: Any) -> Any:
        if isinstance(node, dict):
            return {k: strip(v) for k, v in node.items() if k != "//"}
        if isinstance(node, list):
            return [strip(v) for v in node]
        return node

    result = strip(doc)
    assert isinstance(result, dict)
    return result


def spec_digest(spec: PlatformSpec) -> str:
    return sha256(canonical(spec.model_dump(mode="json")))


def tool_version() -> str:
    try:
        return metadata.version("platform-blueprint")
    except metadata.PackageNotFoundError:
        return "0+unknown"


def current_commit(repo: Path) -> str:
    """HEAD, plus a digest of uncommitted changes when the tree is dirty (so equal means equal code)."""
    git = shutil.which("git")
    if git is None:
        return "unknown"
    try:
        head = subprocess.run(
            [git, "rev-parse", "HEAD"], cwd=repo, capture_output=True, text=True, check=True, timeout=30
        ).stdout.strip()
        diff = subprocess.run(
            [git, "diff", "HEAD", "--", ".", ":(exclude)cdktf.out", ":(exclude).blueprint"],
            cwd=repo,
            capture_output=True,
            check=True,
            timeout=30,
        ).stdout
    except (subprocess.SubprocessError, OSError):
        return "unknown"
    return f"{head}+dirty.{sha256(diff)[:12]}" if diff else head


@dataclass(frozen=True)
class Bundle:
    env: str
    digest: str
    manifest: dict[str, Any]

    @property
    def stacks(self) -> dict[str, str]:
        return dict(self.manifest["stacks"])


def make_bundle(spec: PlatformSpec, outdir: Path, stack_ids: list[str], commit: str) -> Bundle:
    """Hash each stack (and its lock file, once terraform init wrote one) into a manifest."""
    stacks: dict[str, str] = {}
    locks: dict[str, str] = {}
    for stack_id in stack_ids:
        stack_dir = outdir / "stacks" / stack_id
        doc = json.loads((stack_dir / "cdk.tf.json").read_text())
        stacks[stack_id] = sha256(canonical(normalized_stack(doc)))
        lock = stack_dir / LOCK_FILE
        if lock.is_file():
            locks[stack_id] = sha256(lock.read_bytes())
    manifest = {
        "env": spec.name,
        "commit": commit,
        "spec_sha256": spec_digest(spec),
        "tool_version": tool_version(),
        "stacks": stacks,
        "lock_files": locks,
    }
    return Bundle(spec.name, sha256(canonical(manifest)), manifest)


def write_bundle(bundle: Bundle, outdir: Path, directory: Path) -> Path:
    """Copy the stacks and the manifest to `directory/<digest>/` (an artifact CI can keep)."""
    target = directory / bundle.digest
    for stack_id in bundle.stacks:
        dest = target / "stacks" / stack_id
        dest.mkdir(parents=True, exist_ok=True)
        src = outdir / "stacks" / stack_id
        shutil.copy2(src / "cdk.tf.json", dest / "cdk.tf.json")
        if (src / LOCK_FILE).is_file():
            shutil.copy2(src / LOCK_FILE, dest / LOCK_FILE)
    (target / "manifest.json").write_text(json.dumps({**bundle.manifest, "digest": bundle.digest}, indent=2))
    return target


def bundle_environment(spec: PlatformSpec, workdir: Path, outdir: Path) -> tuple[Bundle, Path]:
    """Synthesize the environment's stacks and write their bundle under `workdir/bundles/`."""
    from blueprint import paths
    from blueprint.synth import synthesize
    from blueprint.terraform.capabilities import lifecycle_clouds

    synth = synthesize([spec], lifecycle_clouds(spec), outdir)
    made = make_bundle(spec, outdir, [s.stack_id for s in synth.stacks], current_commit(paths.project_root()))
    return made, write_bundle(made, outdir, workdir / "bundles")
