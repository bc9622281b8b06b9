"""Apply tier: `preview --deployed` plans head against the environment `blueprint deploy` put on the
emulator (as the PR workflow plans against a real environment): only what the change touches, read-only.

The deployed base is the session's shared deployment of `local` (tests/conftest.py); the throwaway
repository is a copy of the project with `local` whole, and head lengthens the lake's noncurrent-version
retention (7 -> 14 days).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pytest

from blueprint.errors import BlueprintError
from blueprint.naming import Namer
from blueprint.preview import PreviewOptions, PreviewResult, preview
from blueprint.release.connection import connect
from blueprint.spec import PlatformSpec
from tests.endpoint_capabilities import LOCAL_STACKS
from tests.shared_deployment import LocalDeployment

pytestmark = [pytest.mark.apply, pytest.mark.local_deployment(step=4), pytest.mark.aws(services=LOCAL_STACKS)]


@dataclass
class Deployed:
    repo: Path
    base: str
    head: str
    home: Path
    spec: PlatformSpec


@pytest.fixture(scope="module")
def deployed(
    tmp_path_factory: pytest.TempPathFactory, repo_tools, local_deployment: LocalDeployment
) -> Deployed:
    repo = repo_tools.copy_project(tmp_path_factory.mktemp("repo"), whole_local=True)
    base = repo_tools.git(repo, "rev-parse", "HEAD")
    local = repo / "environments" / "local.yaml"
    repo_tools.edit(local, "noncurrent_version_expiration_days: 7", "noncurrent_version_expiration_days: 14")
    head = repo_tools.commit(repo, "head: longer noncurrent-version retention")
    return Deployed(repo, base, head, local_deployment.home, local_deployment.spec)


def _state_etags(d: Deployed) -> dict[str, str]:
    s3 = connect(d.spec, d.home).s3()
    namer = Namer(d.spec.prefix, d.spec.name)
    listed = s3.list_objects_v2(Bucket=namer.state_bucket()).get("Contents", [])
    return {o["Key"]: o["ETag"] for o in listed}


def _preview(d: Deployed, out: Path, home: Path) -> PreviewResult:
    opts = PreviewOptions(d.base, d.head, d.repo, out, mode="deployed", envs={"local"}, home=home)
    return preview(opts)


def test_plans_only_the_changed_stack_against_the_deployed_state(deployed: Deployed, tmp_path: Path) -> None:
    before = _state_etags(deployed)
    result = _preview(deployed, tmp_path / "out", deployed.home)
    (lake,) = result.report.stacks
    assert lake.stack == "local-aws-lake" and lake.method == "plan"
    counts = lake.counts
    assert counts["update"] > 0 and counts["create"] == counts["replace"] == counts["delete"] == 0
    assert lake.resources and all(r.type == "aws_s3_bucket_lifecycle_configuration" for r in lake.resources)
    assert all(any(a.startswith("rule") for a in r.attributes) for r in lake.resources)
    assert "deployed state" in result.report.mode_note
    assert "emulator start" not in result.timings and "apply (base)" not in result.timings
    # Read-only: no lock taken, no state written.
    assert _state_etags(deployed) == before


def test_refuses_when_nothing_is_deployed(deployed: Deployed, tmp_path: Path) -> None:
    with pytest.raises(BlueprintError, match="no running emulator") as caught:
        _preview(deployed, tmp_path / "out", tmp_path / "empty-home")
    assert "blueprint up --env local" in (caught.value.fix or "")
