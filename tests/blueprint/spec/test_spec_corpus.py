"""The corpus of broken environment files: each one is a single clear SpecError naming the file, the
field and the fix; `blueprint synth` on it exits non-zero and synthesizes nothing."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from blueprint.errors import SpecError
from blueprint.spec import load_spec
from blueprint.spec.loader import MAX_SPEC_BYTES

pytestmark = pytest.mark.policy

REPO = Path(__file__).resolve().parents[3]
CORPUS = Path(__file__).resolve().parent / "corpus"
FILES = sorted(CORPUS.glob("*.yaml"))
# One CLI run per kind of failure (a subprocess costs ~1.5 s): a field error, YAML syntax, a duplicate
# key, a conflicting toggle and a cross-field cloud limit.
CLI_SAMPLE = ("regionmars", "yamltab", "dupregion", "emugcp", "ehunits")


def expectation(path: Path) -> tuple[str, str]:
    """The `# expect: <field> | <text>` header of a corpus file."""
    head = path.read_bytes().split(b"\n", 1)[0].decode("ascii")
    assert head.startswith("# expect:"), f"{path.name}: first line must be `# expect: <field> | <text>`"
    field, text = (part.strip() for part in head.removeprefix("# expect:").split("|", 1))
    return field, text


def spec_error(path: Path) -> SpecError:
    """What the CLI does before synthesizing: load the file, then plan its stacks."""
    import main  # plan_stacks imports only the registry, no provider binding

    with pytest.raises(SpecError) as info:
        main.plan_stacks([load_spec(path)])
    return info.value


def test_the_corpus_is_as_large_as_the_readme_says() -> None:
    import re

    readme = (REPO / "README.md").read_text(encoding="utf-8")
    claimed = re.search(r"a corpus of (\d+) broken environment files", readme)
    assert claimed, "README.md no longer states the corpus size"
    assert len(FILES) == int(claimed.group(1)) >= 50, [f.name for f in FILES]


@pytest.mark.parametrize("path", FILES, ids=[f.stem for f in FILES])
def test_broken_file_is_one_clear_error(path: Path) -> None:
    field, text = expectation(path)
    error = spec_error(path)
    rendered = error.render()
    assert len(error.problems) == 1, rendered
    got_field, _, fix = error.problems[0]
    assert got_field.startswith(field), rendered
    assert text in rendered, rendered
    assert path.name in rendered, rendered
    assert fix.strip(), rendered
    assert "Traceback" not in rendered


def test_ten_megabyte_file_is_refused_before_parsing(tmp_path: Path) -> None:
    big = tmp_path / "huge.yaml"
    line = "# " + "x" * 1021 + "\n"
    with big.open("w", encoding="utf-8") as handle:
        handle.write("name: huge\n")
        for _ in range(10 * 1024):  # 10 MiB of comment lines
            handle.write(line)
    assert big.stat().st_size > 10 * 1024 * 1024 > MAX_SPEC_BYTES
    error = spec_error(big)
    assert [p[0] for p in error.problems] == ["(file)"]
    assert "over the" in error.render() and "huge.yaml" in error.render()


def _cli_env(tmp_path: Path) -> dict[str, str]:
    env = dict(os.environ)
    env["BLUEPRINT_HOME"] = str(tmp_path / "home")
    return env


@pytest.mark.parametrize("stem", CLI_SAMPLE)
def test_cli_synth_refuses_a_broken_file(stem: str, tmp_path: Path) -> None:
    path = CORPUS / f"{stem}.yaml"
    field, text = expectation(path)
    outdir = tmp_path / "out"
    proc = subprocess.run(
        [sys.executable, "-m", "blueprint.cli", "synth", "--env", str(path), "--outdir", str(outdir)],
        cwd=REPO,
        env=_cli_env(tmp_path),
        capture_output=True,
        text=True,
        timeout=180,
        check=False,
    )
    assert proc.returncode != 0, proc.stdout + proc.stderr
    assert "Traceback" not in proc.stderr, proc.stderr
    assert path.name in proc.stderr and field in proc.stderr and "fix:" in proc.stderr, proc.stderr
    assert text in proc.stderr, proc.stderr
    assert not outdir.exists(), "nothing may be synthesized from a broken file"
