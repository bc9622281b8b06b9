"""Synth-tier fixtures: every environment the module tests look at is synthesized once per session.

Synthesis costs seconds (the jsii runtime starts node), so the four shipped environments and two custom
ones are built in a single `build_app` call; tests read the JSON that call wrote.

The custom environments start from dev.yaml and change every setting the modules take from the spec,
each to a value no shipped environment uses, so a module that ignores the spec cannot pass:

- `zopen`: prefix `zeta`, protection.stateful false
- `zlocked`: the same settings, protection.stateful true
"""

from __future__ import annotations

import copy
import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
import yaml

from blueprint.paths import environments_dir
from blueprint.spec import PlatformSpec, load_env, load_spec

SHIPPED_ENVS = ("dev", "local", "prod", "staging")

CUSTOM_PREFIX = "zeta"
CUSTOM_REGION = "ap-southeast-2"
CUSTOM_TAGS = {"team": "ml"}
CUSTOM_KEY_DELETION_WINDOW_DAYS = 10
CUSTOM_LAKE = {
    "noncurrent_version_expiration_days": 45,
    "transition_to_ia_days": 60,
    "transition_to_archive_days": 120,
    "abort_incomplete_upload_days": 3,
    "access_log_retention_days": 90,
}
# name -> protection.stateful
CUSTOM_ENVS = {"zopen": False, "zlocked": True}

_TOKEN = re.compile(r"^\$\{(?P<type>[a-z0-9_]+)\.(?P<name>[A-Za-z0-9_]+)\.(?P<attr>[a-z_]+)\}$")


def custom_spec_data(name: str, stateful: bool) -> dict[str, Any]:
    """dev.yaml's dict with every module-relevant setting changed."""
    data: dict[str, Any] = copy.deepcopy(
        yaml.safe_load((environments_dir() / "dev.yaml").read_text(encoding="utf-8"))
    )
    data["name"] = name
    data["prefix"] = CUSTOM_PREFIX
    data["clouds"]["aws"]["region"] = CUSTOM_REGION
    data["tags"]["environment"] = name
    data["tags"].update(CUSTOM_TAGS)
    data["protection"] = {"stateful": stateful}
    data.pop("promotion", None)  # dev promotes to staging, which does not exist in the tmp dir
    data["domains"]["foundation"]["key_deletion_window_days"] = CUSTOM_KEY_DELETION_WINDOW_DAYS
    data["domains"]["lake"].update(CUSTOM_LAKE)
    return data


@dataclass
class Synthesized:
    """The output directory of one synthesis, with lookups over its stacks."""

    outdir: Path
    specs: dict[str, PlatformSpec]
    _cache: dict[str, dict[str, Any]] = field(default_factory=dict)

    @property
    def manifest(self) -> dict[str, Any]:
        return json.loads((self.outdir / "manifest.json").read_text(encoding="utf-8"))

    def stack(self, stack_id: str) -> dict[str, Any]:
        """`outdir/stacks/<stack_id>/cdk.tf.json` as a dict (read once)."""
        if stack_id not in self._cache:
            path = self.outdir / "stacks" / stack_id / "cdk.tf.json"
            self._cache[stack_id] = json.loads(path.read_text(encoding="utf-8"))
        return self._cache[stack_id]

    def resources(self, stack_id: str, rtype: str) -> dict[str, dict[str, Any]]:
        """Logical id -> body of every resource of `rtype` in the stack (empty if none)."""
        return dict(self.stack(stack_id).get("resource", {}).get(rtype, {}))

    def only(self, stack_id: str, rtype: str) -> tuple[str, dict[str, Any]]:
        """The single resource of `rtype` in the stack, as (logical id, body)."""
        found = self.resources(stack_id, rtype)
        assert len(found) == 1, f"{stack_id}: expected exactly one {rtype}, found {sorted(found)}"
        return next(iter(found.items()))

    def named(self, stack_id: str, rtype: str, lid_prefix: str) -> tuple[str, dict[str, Any]]:
        """The single resource of `rtype` whose logical id starts with `lid_prefix` (ids end in a hash),
        e.g. the data key among the foundation's keys: `named(s, "aws_kms_key", "foundation_data_key_")`."""
        found = {k: v for k, v in self.resources(stack_id, rtype).items() if k.startswith(lid_prefix)}
        assert len(found) == 1, f"{stack_id}: expected one {rtype} {lid_prefix}*, found {sorted(found)}"
        return next(iter(found.items()))

    def bucket(self, stack_id: str, name: str) -> tuple[str, dict[str, Any]]:
        """The aws_s3_bucket named `name`, as (logical id, body)."""
        buckets = self.resources(stack_id, "aws_s3_bucket")
        found = {lid: body for lid, body in buckets.items() if body["bucket"] == name}
        assert len(found) == 1, f"{stack_id}: want one aws_s3_bucket named {name!r}, found {sorted(found)}"
        return next(iter(found.items()))

    def attached(self, stack_id: str, rtype: str, bucket_lid: str) -> dict[str, Any]:
        """The single `rtype` resource configuring the bucket with logical id `bucket_lid`."""
        ref = f"${{aws_s3_bucket.{bucket_lid}.id}}"
        found = [body for body in self.resources(stack_id, rtype).values() if body.get("bucket") == ref]
        assert len(found) == 1, f"{stack_id}: expected one {rtype} on {bucket_lid}, found {len(found)}"
        return found[0]

    @staticmethod
    def ref(token: str) -> tuple[str, str, str]:
        """`${aws_s3_bucket.x.arn}` -> ("aws_s3_bucket", "x", "arn"); fails on anything else."""
        match = _TOKEN.match(token)
        assert match, f"not a single resource reference: {token!r}"
        return match["type"], match["name"], match["attr"]


@pytest.fixture(scope="session")
def custom_env_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    directory = tmp_path_factory.mktemp("custom-envs")
    for name, stateful in CUSTOM_ENVS.items():
        text = yaml.safe_dump(custom_spec_data(name, stateful), sort_keys=False)
        (directory / f"{name}.yaml").write_text(text, encoding="utf-8")
    return directory


@pytest.fixture(scope="session")
def synth(tmp_path_factory: pytest.TempPathFactory, custom_env_dir: Path) -> Synthesized:
    """All shipped and custom environments on AWS, synthesized once for the session."""
    import main  # imports cdktn (jsii, node): only when a synth test runs

    specs = {name: load_env(name) for name in SHIPPED_ENVS}
    specs.update({name: load_spec(custom_env_dir / f"{name}.yaml") for name in CUSTOM_ENVS})
    outdir = tmp_path_factory.mktemp("cdktf.out")
    app, _ = main.build_app(list(specs.values()), {"aws"}, outdir=outdir)
    app.synth()
    return Synthesized(outdir, specs)


# --- every AWS domain enabled ---------------------------------------------------------------------
# `dev` and `prod` as shipped with warehouse, streaming, orchestration and serving turned on (dev gets
# az_count 3: Redshift Serverless needs three AZs), and `zvar`: prod with every size changed, protection
# off, no NAT, four AZs, a /20 network and provisioned Kafka with two brokers per AZ.
DOMAIN_ENVS = ("dev", "prod", "zvar")
ZVAR = {
    "foundation": {"az_count": 4, "nat_gateway": False, "cidr": "10.40.0.0/20"},
    "warehouse": {"aws": {"base_capacity_rpu": 32}},
    "streaming": {
        "mode": "provisioned",
        "aws": {"brokers_per_az": 2, "broker_instance_type": "kafka.m5.large", "broker_volume_gib": 500},
    },
    "orchestration": {"environment_class": "mw1.medium", "max_workers": 5},
    "serving": {"aws": {"instance_type": "ml.c5.xlarge"}, "min_capacity": 2, "max_capacity": 6},
}


def all_domains_spec_data(env: str) -> dict[str, Any]:
    """environments/<env>.yaml (zvar: prod.yaml, changed) with every domain enabled."""
    source = "prod" if env == "zvar" else env
    data: dict[str, Any] = yaml.safe_load((environments_dir() / f"{source}.yaml").read_text(encoding="utf-8"))
    data.pop("promotion", None)
    for domain in ("warehouse", "streaming", "orchestration", "serving"):
        data["domains"][domain]["enabled"] = True
    if env == "dev":
        data["domains"]["foundation"]["az_count"] = 3
    if env == "zvar":
        data["name"] = data["tags"]["environment"] = "zvar"
        data["protection"] = {"stateful": False}
        for domain, values in ZVAR.items():
            data["domains"][domain].update(values)
    return data


@pytest.fixture(scope="session")
def domains_env_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    directory = tmp_path_factory.mktemp("domain-envs")
    for env in DOMAIN_ENVS:
        text = yaml.safe_dump(all_domains_spec_data(env), sort_keys=False)
        (directory / f"{env}.yaml").write_text(text, encoding="utf-8")
    return directory


@pytest.fixture(scope="session")
def domains_synth(tmp_path_factory: pytest.TempPathFactory, domains_env_dir: Path) -> Synthesized:
    """`DOMAIN_ENVS` with every domain enabled, on AWS, synthesized once for the session."""
    import main

    specs = {env: load_spec(domains_env_dir / f"{env}.yaml") for env in DOMAIN_ENVS}
    outdir = tmp_path_factory.mktemp("cdktf.domains")
    app, _ = main.build_app(list(specs.values()), {"aws"}, outdir=outdir)
    app.synth()
    return Synthesized(outdir, specs)


@pytest.fixture(scope="session")
def domains_policy(domains_synth: Synthesized) -> Any:
    """The policy gate (invariants + checkov, checked-in suppressions) on every `domains_synth` stack."""
    from blueprint.policy.checkov import find_checkov
    from blueprint.policy.gate import evaluate
    from blueprint.policy.model import StackDoc
    from blueprint.policy.suppressions import load_suppressions

    stacks = []
    for stack_id in domains_synth.manifest["stacks"]:
        env, cloud, domain = stack_id.split("-")
        path = domains_synth.outdir / "stacks" / stack_id / "cdk.tf.json"
        spec = domains_synth.specs[env]
        stacks.append(StackDoc.load(path, stack_id=stack_id, cloud=cloud, domain=domain, spec=spec))
    return evaluate(stacks, suppressions=load_suppressions(), checkov_binary=find_checkov())


@pytest.fixture
def invariant_failures(domains_synth: Synthesized) -> Any:
    """`invariant_failures(stack_id, change)`: {invariant: [messages]} of the invariants that fail, not
    suppressed by policy/suppressions.yaml, on a deep copy of a `domains_synth` stack after `change(doc)`
    (no checkov: the point is our rules)."""
    from blueprint.policy.gate import check_invariants
    from blueprint.policy.model import StackDoc
    from blueprint.policy.suppressions import apply_suppressions, load_suppressions

    suppressions = load_suppressions()

    def run(stack_id: str, change: Any) -> dict[str, list[str]]:
        doc = copy.deepcopy(domains_synth.stack(stack_id))
        change(doc)
        env, cloud, domain = stack_id.split("-")
        path = domains_synth.outdir / "stacks" / stack_id / "cdk.tf.json"
        stack = StackDoc(stack_id, cloud, domain, domains_synth.specs[env], doc, path)
        findings = check_invariants(stack)[0]
        apply_suppressions(findings, suppressions)
        found: dict[str, list[str]] = {}
        for finding in findings:
            if not finding.suppressed:
                found.setdefault(finding.rule, []).append(finding.message)
        return found

    return run
