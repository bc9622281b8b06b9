"""Promote the session's deployment of `local` to `localstg` (both on one emulator), and every refusal:
source never deployed, different commit, plan changed after approval, out-of-order promotion, drift,
a held state lock, an unreachable backend. Nothing in state is lost in any of them."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml

from blueprint import emulator
from blueprint.emulator import local as local_env
from blueprint.errors import BlueprintError, EmulatorError, TerraformError
from blueprint.naming import Namer
from blueprint.paths import environments_dir
from blueprint.release import deploy, drift, ledger, promote
from blueprint.spec import PlatformSpec, chain_of, load_all, load_spec
from blueprint.verify.aws import verify_aws
from tests.endpoint_capabilities import LOCAL_STACKS
from tests.shared_deployment import LocalDeployment

pytestmark = [pytest.mark.apply, pytest.mark.aws(services=LOCAL_STACKS)]


@pytest.fixture(scope="module")
def specs() -> dict[str, PlatformSpec]:
    return load_all()


@pytest.fixture(scope="module")
def world(local_deployment: LocalDeployment) -> Iterator[dict[str, Any]]:
    """The session's shared deployment of `local` (one emulator); promotions pin the commit it recorded,
    so files edited while the run goes on do not look like another commit."""
    d = local_deployment
    patch = pytest.MonkeyPatch()
    patch.setattr(deploy, "current_commit", lambda repo: d.commit)
    patch.setattr(promote, "current_commit", lambda repo: d.commit)
    try:
        yield {"home": d.home, "out": d.out, "deployed": d.result}
    finally:
        patch.undo()


SHARED = pytest.mark.local_deployment(step=5)


def _promote(specs: dict[str, PlatformSpec], world: dict[str, Any], **kw: Any) -> promote.Promotion:
    target = kw.pop("target", specs["localstg"])
    return promote.promote(
        specs["local"], target, chain_of(specs, "local"), world["home"], world["out"] / "stg", **kw
    )


def test_refuses_out_of_order_and_skipped_stages(specs: dict[str, PlatformSpec], tmp_path: Path) -> None:
    chain = chain_of(specs, "dev")
    with pytest.raises(BlueprintError, match="skips staging") as err:
        promote.promote(specs["dev"], specs["prod"], chain, tmp_path, tmp_path / "out")
    assert "dev -> staging" in (err.value.fix or "")
    with pytest.raises(BlueprintError, match="not the next stage"):
        promote.promote(specs["prod"], specs["dev"], chain, tmp_path, tmp_path / "out")


def test_refuses_a_source_never_deployed(specs: dict[str, PlatformSpec], tmp_path: Path) -> None:
    try:
        with pytest.raises(BlueprintError, match="no successful deployment"):
            promote.promote(
                specs["local"], specs["localstg"], chain_of(specs, "local"), tmp_path, tmp_path / "o"
            )
    finally:
        emulator.stop(tmp_path)


@SHARED
def test_deploy_records_the_ledger(specs: dict[str, PlatformSpec], world: dict[str, Any]) -> None:
    result = world["deployed"]
    s3 = result.connection.s3()
    entries = ledger.history(s3, specs["local"])
    assert [e["result"] for e in entries] == ["succeeded"]
    entry = entries[0]
    assert entry["bundle"] == result.bundle.digest and entry["commit"] == result.commit
    assert set(entry["stacks"]) == {
        f"local-aws-{d}" for d in ("foundation", "lake", "warehouse", "streaming", "serving")
    }
    assert entry["stacks"]["local-aws-lake"]["counts"]["create"] == 32
    # The readers of the foundation's outputs were planned once it was applied: their plans are recorded.
    for reader in ("local-aws-warehouse", "local-aws-streaming", "local-aws-serving"):
        assert entry["stacks"][reader]["counts"]["create"] > 0 and entry["stacks"][reader]["plan_digest"]
    assert all(c.ok for c in verify_aws(s3, specs["local"]))
    bundle_dir = world["home"] / "bundles" / result.bundle.digest
    assert json.loads((bundle_dir / "manifest.json").read_text())["digest"] == result.bundle.digest


@SHARED
def test_refuses_a_different_commit(
    specs: dict[str, PlatformSpec], world: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(promote, "current_commit", lambda repo: "0" * 40)
    with pytest.raises(BlueprintError, match="last deployed commit"):
        _promote(specs, world)


@SHARED
def test_plan_for_approval_then_stale_plan_refused_then_apply(
    specs: dict[str, PlatformSpec], world: dict[str, Any], tmp_path: Path
) -> None:
    reviewed = _promote(specs, world)
    assert reviewed.summary_file is not None and reviewed.summary_file.is_file()
    fields = {f for f, _, _ in reviewed.differences}
    assert "domains.lake.noncurrent_version_expiration_days" in fields
    assert "name" not in fields and "tags.environment" not in fields
    assert reviewed.plans["localstg-aws-lake"].counts["create"] == 32

    # The target's code changes after approval: the fresh plan differs, nothing is applied.
    changed = yaml.safe_load((environments_dir() / "localstg.yaml").read_text())
    changed["domains"]["lake"]["noncurrent_version_expiration_days"] = 21
    (tmp_path / "localstg.yaml").write_text(yaml.safe_dump(changed))
    with pytest.raises(BlueprintError, match="changed since it was approved") as err:
        _promote(specs, world, target=load_spec(tmp_path / "localstg.yaml"), apply=True)
    assert "localstg-aws-lake plans differently" in err.value.message
    stg = specs["localstg"]
    s3 = world["deployed"].connection.s3()
    assert ledger.history(s3, stg) == []

    # The stacks reading the new foundation's outputs cannot be planned before it exists: they are not
    # in the reviewed plan, so this promotion leaves them for the next review.
    readers = ("localstg-aws-warehouse", "localstg-aws-serving")
    assert all(reviewed.plans[r].deferred_on == ("localstg-aws-foundation",) for r in readers)
    applied = _promote(specs, world, apply=True)
    assert applied.applied
    assert all(applied.plans[r].deferred_on for r in readers)
    entries = ledger.history(s3, stg)
    assert [(e["kind"], e["result"], e["from"]) for e in entries] == [("promote", "succeeded", "local")]
    assert entries[0]["source_deployment"] == world["deployed"].entry["id"]
    assert all(c.ok for c in verify_aws(s3, stg))

    # The next review plans them from the foundation's real outputs; approved, they are applied.
    second = _promote(specs, world)
    assert not second.plans["localstg-aws-foundation"].changes
    assert all(second.plans[r].counts["create"] > 0 and not second.plans[r].deferred_on for r in readers)
    _promote(specs, world, apply=True)
    assert [e["kind"] for e in ledger.history(s3, stg)] == ["promote", "promote"]
    final = _promote(specs, world)
    assert not any(p.changes for p in final.plans.values())


@SHARED
def test_drift_is_detected(specs: dict[str, PlatformSpec], world: dict[str, Any]) -> None:
    spec = specs["local"]
    plans = drift.drift(spec, world["home"], world["out"])
    assert not any(p.changes for p in plans.values())
    s3 = world["deployed"].connection.s3()
    s3.put_bucket_versioning(
        Bucket=Namer(spec.prefix, spec.name).s3_bucket("lake", "raw"),
        VersioningConfiguration={"Status": "Suspended"},
    )
    plans = drift.drift(spec, world["home"], world["out"])
    assert plans["local-aws-lake"].changes and not plans["local-aws-foundation"].changes
    assert plans["local-aws-lake"].counts["update"] == 1
    # A deploy converges it again.
    deploy.deploy(spec, world["home"], world["out"])
    assert not any(p.changes for p in drift.drift(spec, world["home"], world["out"]).values())


@SHARED
def test_a_held_state_lock_names_its_holder(specs: dict[str, PlatformSpec], world: dict[str, Any]) -> None:
    spec = specs["local"]
    namer = Namer(spec.prefix, spec.name)
    s3 = world["deployed"].connection.s3()
    lock_key = namer.state_key("local-aws-lake") + ".tflock"
    lock = {
        "ID": "11111111-2222-3333-4444-555555555555",
        "Operation": "OperationTypeApply",
        "Who": "alice@ci-runner-7",
        "Version": "1.11.4",
        "Created": "2026-11-23T08:00:00Z",
        "Path": f"{namer.state_bucket()}/{namer.state_key('local-aws-lake')}",
        "Info": "",
    }
    s3.put_object(Bucket=namer.state_bucket(), Key=lock_key, Body=json.dumps(lock).encode())
    before = s3.get_object(Bucket=namer.state_bucket(), Key=namer.state_key("local-aws-lake"))["Body"].read()
    try:
        with pytest.raises(TerraformError) as err:
            deploy.deploy(spec, world["home"], world["out"])
        assert "alice@ci-runner-7" in (err.value.fix or "")
        assert "force-unlock 11111111-2222-3333-4444-555555555555" in (err.value.fix or "")
    finally:
        s3.delete_object(Bucket=namer.state_bucket(), Key=lock_key)
    after = s3.get_object(Bucket=namer.state_bucket(), Key=namer.state_key("local-aws-lake"))["Body"].read()
    assert before == after, "state must be untouched"
    assert local_env.replan(spec, world["home"], world["out"]) == {
        f"local-aws-{d}": False for d in ("foundation", "lake", "warehouse", "streaming", "serving")
    }


def test_an_unreachable_backend_is_one_clear_error(
    specs: dict[str, PlatformSpec], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("BLUEPRINT_AWS_ENDPOINT", "https://127.0.0.1:9")
    with pytest.raises(EmulatorError, match="does not answer"):
        deploy.deploy(specs["local"], tmp_path, tmp_path / "out")
