"""`blueprint coverage` is derived from the registry, the rule tables, the mirror and the emulated
environment: it cannot claim a tier nothing here proves."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from blueprint.docgen.coverage import coverage
from blueprint.spec import CLOUDS, DOMAINS, load_all
from stacks import registry

pytestmark = pytest.mark.synth


def test_every_cloud_and_domain_has_one_row_and_unbuilt_ones_claim_nothing() -> None:
    rows = coverage(load_all(), mirror=True)
    assert [(r.cloud, r.domain) for r in rows] == [(c, d) for c in CLOUDS for d in DOMAINS]
    for r in rows:
        if not registry.implemented(r.cloud, r.domain):
            assert (r.synth, r.policy, r.plan, r.apply) == ("not built", "-", "-", "-")
        else:
            assert r.synth == "yes"
        if r.cloud != "aws" and r.synth == "yes":
            assert r.plan.startswith("no:") and r.apply.startswith("no:")


def test_apply_is_claimed_only_for_domains_the_emulated_environment_applies() -> None:
    specs = load_all()
    applied = {d for s in specs.values() if s.emulated for d in s.domains.enabled()}
    for r in coverage(specs, mirror=True):
        assert r.apply.startswith("yes") == (r.cloud == "aws" and r.domain in applied and r.synth == "yes")
    assert {"foundation", "lake"} <= applied


def test_without_the_mirror_nothing_claims_the_plan_tier() -> None:
    assert not any(r.plan.startswith("yes") for r in coverage(load_all(), mirror=False))


def test_cli_prints_json() -> None:
    out = subprocess.run(
        [sys.executable, "-m", "blueprint.cli", "coverage", "--json"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    rows = json.loads(out)
    assert len(rows) == len(CLOUDS) * len(DOMAINS) and {"cloud", "domain", "apply"} <= set(rows[0])
