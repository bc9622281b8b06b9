"""The kernel hook that loads provider submodules on first use (blueprint/synth/lazy_providers.js).

It must change nothing but speed: synthesis is byte-identical with it on and off, the kernel really
evaluates only the submodules the stacks use, and an index of any other shape is left as it is."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from blueprint.synth.node import LAZY_PROVIDERS_HOOK, bundled_node, node_options_with_lazy_providers

pytestmark = pytest.mark.synth

REPO = Path(__file__).resolve().parents[3]

_SYNTH = textwrap.dedent(
    """
    import sys
    from pathlib import Path

    import main
    from blueprint.spec import load_all, load_env

    outdir, envs, clouds = Path(sys.argv[1]), sys.argv[2], sys.argv[3]
    specs = list(load_all().values()) if envs == "all" else [load_env(e) for e in envs.split(",")]
    app, _ = main.build_app(specs, None if clouds == "all" else set(clouds.split(",")), outdir=outdir)
    app.synth()
    """
)


def _node() -> str:
    if (node := bundled_node()) is not None:
        return str(node)
    found = shutil.which("node")
    assert found, "no node binary: run scripts/setup.sh"
    return found


def _synth(outdir: Path, envs: str, clouds: str, **extra_env: str) -> None:
    env = {k: v for k, v in os.environ.items() if k not in ("NODE_OPTIONS", "BLUEPRINT_LAZY_PROVIDERS")}
    env.update(extra_env)
    done = subprocess.run(
        [sys.executable, "-c", _SYNTH, str(outdir), envs, clouds],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-3000:]


def _tree(root: Path) -> dict[str, bytes]:
    return {str(p.relative_to(root)): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


def test_every_stack_synthesizes_byte_identical_with_and_without_the_hook(tmp_path: Path) -> None:
    _synth(tmp_path / "lazy", "all", "all")
    _synth(tmp_path / "eager", "all", "all", BLUEPRINT_LAZY_PROVIDERS="0")
    lazy, eager = _tree(tmp_path / "lazy"), _tree(tmp_path / "eager")
    stacks = [name for name in lazy if name.endswith("cdk.tf.json")]
    assert len(stacks) > 50, sorted(lazy)  # every environment on every cloud
    assert lazy.keys() == eager.keys()
    assert [name for name in lazy if lazy[name] != eager[name]] == []


def test_the_kernel_evaluates_only_the_submodules_the_stacks_use(tmp_path: Path) -> None:
    report = tmp_path / "report.jsonl"
    _synth(tmp_path / "out", "dev", "aws", BLUEPRINT_LAZY_PROVIDERS_REPORT=str(report))
    entries = [json.loads(line) for line in report.read_text(encoding="utf-8").splitlines()]
    [index] = [e for e in entries if "rewritten" in e]
    assert "provider-aws" in index["index"]
    assert index["rewritten"] > 1000  # every resource and data source of the AWS provider
    loaded = {e["loaded"] for e in entries if "loaded" in e}  # directories under lib/ that node compiled
    assert {"provider", "s3-bucket", "kms-key", "vpc"} <= loaded
    assert len(loaded) < 100, sorted(loaded)
    assert not loaded & {"instance", "eks-cluster", "dynamodb-table"}


def _fake_provider(root: Path, index_lines: list[str]) -> Path:
    lib = root / "node_modules" / "@cdktn" / "provider-fake" / "lib"
    for name in ("alpha", "beta"):
        (lib / name).mkdir(parents=True)
        (lib / name / "index.js").write_text(
            f'"use strict";\nglobalThis.loaded = (globalThis.loaded || []).concat(["{name}"]);\n'
            f'exports.Thing = class Thing {{ static kind = "{name}"; }};\n',
            encoding="utf-8",
        )
    header = [
        '"use strict";',
        "var __importStar = (this && this.__importStar) || function (mod) { return mod; };",
        'Object.defineProperty(exports, "__esModule", { value: true });',
        "exports.beta = exports.alpha = void 0;",
        "exports.strict = (function () { return this === undefined; })();",
    ]
    (lib / "index.js").write_text("\n".join(header + index_lines) + "\n", encoding="utf-8")
    return lib / "index.js"


_PROBE = """
const index = require(process.argv[1]);
const before = [...(globalThis.loaded || [])];
const kind = index.beta.Thing.kind;
console.log(JSON.stringify({ before, after: globalThis.loaded || [], kind, keys: Object.keys(index),
  strict: index.strict }));
"""


def _probe(index: Path) -> dict[str, object]:
    result: dict[str, object] = json.loads(_run_node(_PROBE, str(index), hook=LAZY_PROVIDERS_HOOK))
    return result


def _run_node(code: str, *args: str, hook: Path) -> str:
    """stdout of `node -e code args` with `hook` preloaded through NODE_OPTIONS."""
    env = dict(os.environ, NODE_OPTIONS=node_options_with_lazy_providers("", hook))
    done = subprocess.run(
        [_node(), "-e", code, *args], env=env, capture_output=True, text=True, timeout=60, check=False
    )
    assert done.returncode == 0, done.stderr
    return done.stdout


def test_a_submodule_is_evaluated_on_first_access_and_keeps_its_value(tmp_path: Path) -> None:
    index = _fake_provider(
        tmp_path,
        [
            'exports.alpha = __importStar(require("./alpha"));',
            'exports.beta = __importStar(require("./beta"));',
        ],
    )
    result = _probe(index)
    assert result["before"] == []
    assert result["after"] == ["beta"]
    assert result["kind"] == "beta"
    assert result["keys"] == ["alpha", "beta", "strict"]  # still enumerable, in the same order
    assert result["strict"] is True  # the file's "use strict" still applies


def test_an_index_of_another_shape_is_left_as_it_is(tmp_path: Path) -> None:
    index = _fake_provider(
        tmp_path,
        [
            'exports.alpha = __importStar(require("./alpha"));',
            'const beta = require("./beta"); exports.beta = beta;',
        ],
    )
    result = _probe(index)
    assert result["before"] == ["alpha", "beta"]  # evaluated eagerly, as the file says


def test_node_options_keep_what_is_there_and_add_the_hook_once(tmp_path: Path) -> None:
    options = node_options_with_lazy_providers("--max-old-space-size=4096")
    assert options.startswith("--max-old-space-size=4096 --require ")
    assert str(LAZY_PROVIDERS_HOOK) in options
    assert node_options_with_lazy_providers(options) == options
    spaced = tmp_path / 'a dir "quoted"' / "lazy_providers.js"
    spaced.parent.mkdir()
    spaced.write_text("globalThis.hooked = true;\n", encoding="utf-8")
    assert _run_node("console.log(globalThis.hooked === true)", hook=spaced).strip() == "true"
