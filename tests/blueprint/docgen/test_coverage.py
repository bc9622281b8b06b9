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


# What the apply-tier tests apply on the emulator (tests/blueprint/emulator/test_local_lifecycle.py lists
# local's stacks; warehouse applies Glue + Athena, streaming MSK Serverless), written down independently
# of the code that derives the table: a change to either that makes them disagree fails here.
APPLIED_ON_THE_EMULATOR = {"foundation", "lake", "warehouse", "streaming", "serving"}
PARTLY = {"warehouse": "Redshift Serverless", "streaming": "provisioned MSK"}


def test_the_apply_claims_are_what_the_apply_tests_apply() -> None:
    rows = {(r.cloud, r.domain): r for r in coverage(load_all(), mirror=True)}
    claimed = {d for (c, d), r in rows.items() if c == "aws" and r.apply.startswith("yes")}
    assert claimed == APPLIED_ON_THE_EMULATOR
    for domain, left_out in PARTLY.items():
        assert f"planned only: {left_out}" in rows[("aws", domain)].apply
    assert rows[("aws", "orchestration")].apply.startswith("no: MWAA")
    assert not [k for k, r in rows.items() if k[0] != "aws" and r.apply.startswith("yes")]


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
