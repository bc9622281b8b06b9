"""The layout refactor changes no infrastructure: every stack of every environment and cloud synthesizes
to the same normalized Terraform JSON as before the first move (digests in synth_baseline.json)."""

from __future__ import annotations

import hashlib
import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

pytestmark = pytest.mark.synth
REPO = Path(__file__).resolve().parents[2]
BASELINE = Path(__file__).with_name("synth_baseline.json")


def _strip(node: Any) -> Any:
    if isinstance(node, dict):
        return {k: _strip(v) for k, v in node.items() if k != "//"}
    if isinstance(node, list):
        return [_strip(v) for v in node]
    return node


def test_every_stack_synthesizes_as_before(tmp_path: Path) -> None:
    out = tmp_path / "out"
    proc = subprocess.run(
        [sys.executable, "-m", "blueprint.cli", "synth", "--outdir", str(out)],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr[-3000:]
    found = {
        d.name: hashlib.sha256(
            json.dumps(
                _strip(json.loads((d / "cdk.tf.json").read_text())), sort_keys=True, separators=(",", ":")
            ).encode()
        ).hexdigest()
        for d in sorted((out / "stacks").iterdir())
    }
    expected = json.loads(BASELINE.read_text())
    assert sorted(found) == sorted(expected)
    changed = sorted(s for s in expected if found[s] != expected[s])
    assert not changed, f"synthesis changed for {changed}"
