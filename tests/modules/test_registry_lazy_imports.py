"""The registry resolves modules lazily: synthesizing AWS alone never imports the google or azurerm
bindings (each costs seconds to import), and a domain no module implements is refused before any
stack is built.
"""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from blueprint.errors import SpecError
from blueprint.spec import load_env

pytestmark = pytest.mark.synth

REPO = Path(__file__).resolve().parents[2]
MARKER = "LAZY-IMPORTS:"

_PROBE = textwrap.dedent(
    f"""
    import importlib.util, json, sys
    from pathlib import Path

    import main
    from blueprint.spec import load_env

    outdir = Path(sys.argv[1])
    app, planned = main.build_app([load_env("local")], {{"aws"}}, outdir=outdir)
    app.synth()
    names = ("cdktn_provider_aws", "cdktn_provider_google", "cdktn_provider_azurerm")
    print({MARKER!r} + json.dumps({{
        "stacks": sorted(p.stack_id for p in planned),
        "written": sorted(p.name for p in (outdir / "stacks").iterdir()),
        "installed": {{n: importlib.util.find_spec(n) is not None for n in names}},
        "imported": {{n: n in sys.modules for n in names}},
    }}))
    """
)


def test_synthesizing_aws_imports_neither_google_nor_azurerm(tmp_path):
    done = subprocess.run(
        [sys.executable, "-c", _PROBE, str(tmp_path / "out")],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    lines = [line for line in done.stdout.splitlines() if line.startswith(MARKER)]
    assert len(lines) == 1, done.stdout[-3000:]
    report = json.loads(lines[0][len(MARKER) :])

    expected = sorted(f"local-aws-{d}" for d in ("foundation", "lake", "warehouse", "streaming", "serving"))
    assert sorted(report["stacks"]) == expected
    assert sorted(report["written"]) == expected  # it really synthesized
    # Absence only means something if the bindings could have been imported.
    assert report["installed"] == {
        "cdktn_provider_aws": True,
        "cdktn_provider_google": True,
        "cdktn_provider_azurerm": True,
    }
    assert report["imported"] == {
        "cdktn_provider_aws": True,
        "cdktn_provider_google": False,
        "cdktn_provider_azurerm": False,
    }


@pytest.fixture
def no_warehouse_module(monkeypatch: pytest.MonkeyPatch) -> None:
    """A (cloud, domain) whose module file does not exist, as when a cloud is being added."""
    from stacks import registry

    monkeypatch.setitem(registry.MODULES, ("aws", "warehouse"), "modules.warehouse.not_written:AwsWarehouse")


def _with_warehouse(name: str):
    spec = load_env(name)
    warehouse = spec.domains.warehouse.model_copy(update={"enabled": True})
    return spec.model_copy(update={"domains": spec.domains.model_copy(update={"warehouse": warehouse})})


def test_plan_refuses_a_domain_without_a_module(no_warehouse_module: None) -> None:
    import main

    spec = _with_warehouse("dev")
    assert "warehouse" in spec.domains.enabled()
    with pytest.raises(SpecError) as caught:
        main.plan_stacks([spec], {"aws"})
    assert caught.value.file == "environments/dev.yaml"
    assert [field for field, _, _ in caught.value.problems] == ["domains.warehouse.enabled"]
    assert "domains.warehouse.enabled" in str(caught.value)
    assert "warehouse" in caught.value.problems[0][1]


def test_build_app_refuses_before_building_anything(tmp_path, no_warehouse_module: None) -> None:
    import main

    outdir = tmp_path / "out"
    with pytest.raises(SpecError, match=r"domains\.warehouse\.enabled"):
        main.build_app([load_env("local"), _with_warehouse("dev")], {"aws"}, outdir=outdir)
    assert not outdir.exists()


def test_plan_orders_stacks_by_dependency():
    import main

    planned = main.plan_stacks([load_env("dev")], {"aws"})
    assert [(p.stack_id, p.depends_on) for p in planned] == [
        ("dev-aws-foundation", ()),
        ("dev-aws-lake", ("dev-aws-foundation",)),
        ("dev-aws-warehouse", ("dev-aws-foundation", "dev-aws-lake")),
        ("dev-aws-streaming", ("dev-aws-foundation",)),
        ("dev-aws-orchestration", ("dev-aws-foundation", "dev-aws-lake")),
        ("dev-aws-serving", ("dev-aws-foundation", "dev-aws-lake")),
    ]
    assert [p.stack_id for p in main.plan_stacks([load_env("local")], {"aws"})] == [
        "local-aws-foundation",
        "local-aws-lake",
        "local-aws-warehouse",
        "local-aws-streaming",
        "local-aws-serving",
    ]
