"""Synthesizing GCP imports neither the AWS nor the azurerm binding (each costs seconds to import)."""

from __future__ import annotations

import copy
import json
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
import yaml

from blueprint.paths import environments_dir

pytestmark = pytest.mark.synth

REPO = Path(__file__).resolve().parents[2]
MARKER = "LAZY-IMPORTS:"

_PROBE = textwrap.dedent(
    f"""
    import json, sys
    from pathlib import Path

    import main
    from blueprint.spec import load_spec

    outdir = Path(sys.argv[2])
    app, planned = main.build_app([load_spec(sys.argv[1])], {{"gcp"}}, outdir=outdir)
    app.synth()
    names = ("cdktn_provider_aws", "cdktn_provider_google", "cdktn_provider_azurerm")
    print({MARKER!r} + json.dumps({{
        "written": sorted(p.name for p in (outdir / "stacks").iterdir()),
        "imported": {{n: n in sys.modules for n in names}},
    }}))
    """
)


def test_synthesizing_gcp_imports_neither_aws_nor_azurerm(tmp_path: Path) -> None:
    data = copy.deepcopy(yaml.safe_load((environments_dir() / "dev.yaml").read_text(encoding="utf-8")))
    data.update(name="glazy", promotion={})
    data["tags"]["environment"] = "glazy"
    data["clouds"]["aws"]["enabled"] = False
    data["clouds"]["gcp"]["enabled"] = True
    for domain in data["domains"].values():
        domain["enabled"] = True
    env = tmp_path / "glazy.yaml"
    env.write_text(yaml.safe_dump(data), encoding="utf-8")
    done = subprocess.run(
        [sys.executable, "-c", _PROBE, str(env), str(tmp_path / "out")],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    [line] = [line for line in done.stdout.splitlines() if line.startswith(MARKER)]
    report = json.loads(line[len(MARKER) :])
    domains = ("foundation", "lake", "warehouse", "streaming", "orchestration", "serving")
    assert report["written"] == sorted(f"glazy-gcp-{d}" for d in domains)
    assert report["imported"] == {
        "cdktn_provider_aws": False,
        "cdktn_provider_google": True,
        "cdktn_provider_azurerm": False,
    }
