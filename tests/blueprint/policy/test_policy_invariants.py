"""Each invariant catches a violation: a shipped stack, deliberately broken, fails with a message naming
the resource and a fix; the shipped stacks themselves pass (tests/blueprint/policy/test_policy_shipped.py)."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import replace
from typing import Any

import pytest

from blueprint.policy.gate import PolicyViolation, check_invariants, evaluate
from blueprint.policy.model import INVARIANT_NAMES, StackDoc
from blueprint.policy.suppressions import load_suppressions
from blueprint.spec.model import Protection

pytestmark = pytest.mark.policy

Doc = dict[str, Any]
Mutate = Callable[[Doc], None]


def key(doc: Doc, rtype: str, prefix: str) -> str:
    """The one logical id of `rtype` starting with `prefix` (ids end in a construct-path hash)."""
    found = [k for k in doc["resource"].get(rtype, {}) if k.startswith(prefix)]
    assert len(found) == 1, (rtype, prefix, found)
    return str(found[0])


def body(doc: Doc, rtype: str, prefix: str) -> Doc:
    found: Doc = doc["resource"][rtype][key(doc, rtype, prefix)]
    return found


def policy_of(doc: Doc, prefix: str) -> Doc:
    policy: Doc = json.loads(body(doc, "aws_s3_bucket_policy", prefix)["policy"])
    return policy


def set_policy(doc: Doc, prefix: str, policy: Doc) -> None:
    body(doc, "aws_s3_bucket_policy", prefix)["policy"] = json.dumps(policy)


def drop_statement(prefix: str, sid: str) -> Mutate:
    def change(doc: Doc) -> None:
        policy = policy_of(doc, prefix)
        policy["Statement"] = [s for s in policy["Statement"] if s.get("Sid") != sid]
        set_policy(doc, prefix, policy)

    return change


def delete(rtype: str, prefix: str) -> Mutate:
    def change(doc: Doc) -> None:
        del doc["resource"][rtype][key(doc, rtype, prefix)]

    return change


def add_resource(rtype: str, name: str, value: Doc, data: bool = False) -> Mutate:
    def change(doc: Doc) -> None:
        doc.setdefault("data" if data else "resource", {}).setdefault(rtype, {})[name] = value

    return change


def sse_s3(doc: Doc) -> None:
    rule = body(doc, "aws_s3_bucket_server_side_encryption_configuration", "lake_raw_")["rule"][0]
    rule["apply_server_side_encryption_by_default"] = {"sse_algorithm": "AES256"}
    rule.pop("bucket_key_enabled", None)


def public_acls(doc: Doc) -> None:
    body(doc, "aws_s3_bucket_public_access_block", "lake_raw_")["block_public_acls"] = False


def object_writer(doc: Doc) -> None:
    body(doc, "aws_s3_bucket_ownership_controls", "lake_raw_")["rule"] = {"object_ownership": "ObjectWriter"}


def allow_anyone(doc: Doc) -> None:
    policy = policy_of(doc, "lake_raw_")
    policy["Statement"].append(
        {"Sid": "Open", "Effect": "Allow", "Principal": "*", "Action": "s3:GetObject", "Resource": "*"}
    )
    set_policy(doc, "lake_raw_", policy)


def suspended(doc: Doc) -> None:
    body(doc, "aws_s3_bucket_versioning", "lake_raw_")["versioning_configuration"] = {"status": "Suspended"}


def no_rotation(doc: Doc) -> None:
    body(doc, "aws_kms_key", "foundation_data_key_")["enable_key_rotation"] = False


def tags(change: Callable[[Doc], None]) -> Mutate:
    def apply(doc: Doc) -> None:
        change(doc["provider"]["aws"][0]["default_tags"][0]["tags"])

    return apply


def no_default_tags(doc: Doc) -> None:
    del doc["provider"]["aws"][0]["default_tags"]


def override_tag(doc: Doc) -> None:
    body(doc, "aws_s3_bucket", "lake_raw_")["tags"] = {"environment": "prod"}


def wildcard_in_bucket_policy(doc: Doc) -> None:
    policy = policy_of(doc, "lake_raw_")
    policy["Statement"].append(
        {
            "Sid": "Everything",
            "Effect": "Allow",
            "Principal": {"AWS": "arn:aws:iam::123456789012:root"},
            "Action": "*",
            "Resource": "*",
        }
    )
    set_policy(doc, "lake_raw_", policy)


def no_prevent_destroy(rtype: str, prefix: str) -> Mutate:
    def change(doc: Doc) -> None:
        body(doc, rtype, prefix)["lifecycle"] = {"prevent_destroy": False}

    return change


def force_destroy(doc: Doc) -> None:
    body(doc, "aws_s3_bucket", "lake_curated_")["force_destroy"] = True


ADMIN_POLICY = json.dumps(
    {
        "Version": "2012-10-17",
        "Statement": [{"Sid": "Admin", "Effect": "Allow", "Action": "*", "Resource": "*"}],
    }
)

# (invariant, stack, change, address prefix, words the message must hold, words the fix must hold)
CASES: list[tuple[str, str, Mutate, str, tuple[str, ...], str]] = [
    (
        "cmk-encryption",
        "dev-aws-lake",
        sse_s3,
        "aws_s3_bucket.lake_raw_bucket_",
        ("acme-dev-lake-raw", "AES256", "customer-managed"),
        "SSE-KMS",
    ),
    (
        "cmk-encryption",
        "dev-aws-lake",
        delete("aws_s3_bucket_server_side_encryption_configuration", "lake_raw_"),
        "aws_s3_bucket.lake_raw_bucket_",
        ("acme-dev-lake-raw", "no server-side encryption"),
        "SSE-KMS",
    ),
    (
        "cmk-encryption",
        "dev-aws-foundation",
        no_rotation,
        "aws_kms_key.foundation_data_key_",
        ("enable_key_rotation",),
        "customer-managed",
    ),
    (
        "no-public-access",
        "dev-aws-lake",
        public_acls,
        "aws_s3_bucket.lake_raw_bucket_",
        ("acme-dev-lake-raw", "block_public_acls"),
        "public access blocks",
    ),
    (
        "no-public-access",
        "dev-aws-lake",
        delete("aws_s3_bucket_public_access_block", "lake_raw_"),
        "aws_s3_bucket.lake_raw_bucket_",
        ("acme-dev-lake-raw", "no aws_s3_bucket_public_access_block"),
        "public access blocks",
    ),
    (
        "no-public-access",
        "dev-aws-lake",
        object_writer,
        "aws_s3_bucket.lake_raw_bucket_",
        ("acme-dev-lake-raw", "bucket-owner"),
        "BucketOwnerEnforced",
    ),
    (
        "no-public-access",
        "dev-aws-lake",
        allow_anyone,
        "aws_s3_bucket.lake_raw_bucket_",
        ("acme-dev-lake-raw", "Open", "allows anyone"),
        "public access",
    ),
    (
        "tls-min-1-2",
        "dev-aws-lake",
        drop_statement("lake_raw_", "DenyOutdatedTLS"),
        "aws_s3_bucket.lake_raw_bucket_",
        ("acme-dev-lake-raw", "below 1.2"),
        "s3:TlsVersion",
    ),
    (
        "tls-min-1-2",
        "dev-aws-lake",
        drop_statement("lake_raw_", "DenyInsecureTransport"),
        "aws_s3_bucket.lake_raw_bucket_",
        ("acme-dev-lake-raw", "without TLS"),
        "aws:SecureTransport",
    ),
    (
        "tls-min-1-2",
        "dev-aws-lake",
        delete("aws_s3_bucket_policy", "lake_raw_"),
        "aws_s3_bucket.lake_raw_bucket_",
        ("acme-dev-lake-raw", "no bucket policy"),
        "aws:SecureTransport",
    ),
    (
        "versioning",
        "dev-aws-lake",
        delete("aws_s3_bucket_versioning", "lake_raw_"),
        "aws_s3_bucket.lake_raw_bucket_",
        ("acme-dev-lake-raw", "no aws_s3_bucket_versioning"),
        "Enabled",
    ),
    (
        "versioning",
        "dev-aws-lake",
        suspended,
        "aws_s3_bucket.lake_raw_bucket_",
        ("acme-dev-lake-raw", "Suspended"),
        "Enabled",
    ),
    (
        "access-logging",
        "dev-aws-lake",
        delete("aws_s3_bucket_logging", "lake_raw_"),
        "aws_s3_bucket.lake_raw_bucket_",
        ("acme-dev-lake-raw", "no server access logging"),
        "aws_s3_bucket_logging",
    ),
    (
        "required-tags",
        "dev-aws-lake",
        tags(lambda t: t.pop("owner")),
        "provider.aws",
        ("default_tags", "missing owner"),
        "environments/dev.yaml",
    ),
    (
        "required-tags",
        "dev-aws-lake",
        tags(lambda t: t.update(cost_center="cc-9999")),
        "provider.aws",
        ("cost_center='cc-9999'", "want 'cc-1234'"),
        "environments/dev.yaml",
    ),
    (
        "required-tags",
        "dev-aws-foundation",
        no_default_tags,
        "provider.aws",
        ("has no tags",),
        "default_tags",
    ),
    (
        "required-tags",
        "dev-aws-lake",
        override_tag,
        "aws_s3_bucket.lake_raw_bucket_",
        ("acme-dev-lake-raw", "overrides required tags", "environment"),
        "remove those keys",
    ),
    (
        "no-wildcard-iam",
        "dev-aws-foundation",
        add_resource("aws_iam_policy", "admin", {"name": "acme-dev-admin", "policy": ADMIN_POLICY}),
        "aws_iam_policy.admin",
        ("acme-dev-admin", "allows * on *", "Admin"),
        "never Allow * on *",
    ),
    (
        "no-wildcard-iam",
        "dev-aws-lake",
        wildcard_in_bucket_policy,
        "aws_s3_bucket_policy.lake_raw_policy_",
        ("allows * on *", "Everything"),
        "never Allow * on *",
    ),
    (
        "no-wildcard-iam",
        "dev-aws-foundation",
        add_resource(
            "aws_iam_policy_document",
            "admin",
            {"statement": [{"sid": "All", "actions": ["*"], "resources": ["*"]}]},
            data=True,
        ),
        "data.aws_iam_policy_document.admin",
        ("allows * on *", "All"),
        "never Allow * on *",
    ),
    (
        "no-wildcard-iam",
        "dev-aws-foundation",
        add_resource(
            "aws_iam_role_policy_attachment",
            "admin",
            {"role": "ops", "policy_arn": "arn:aws:iam::aws:policy/AdministratorAccess"},
        ),
        "aws_iam_role_policy_attachment.admin",
        ("AdministratorAccess",),
        "only the actions",
    ),
    (
        "deletion-protection",
        "prod-aws-lake",
        no_prevent_destroy("aws_s3_bucket", "lake_raw_"),
        "aws_s3_bucket.lake_raw_bucket_",
        ("acme-prod-lake-raw", "prevent_destroy"),
        "prevent_destroy",
    ),
    (
        "deletion-protection",
        "prod-aws-foundation",
        no_prevent_destroy("aws_kms_key", "foundation_data_key_"),
        "aws_kms_key.foundation_data_key_",
        ("prevent_destroy",),
        "prevent_destroy",
    ),
    (
        "deletion-protection",
        "prod-aws-lake",
        force_destroy,
        "aws_s3_bucket.lake_curated_bucket_",
        ("acme-prod-lake-curated", "force_destroy"),
        "protection.stateful",
    ),
    (
        "private-networking",
        "dev-aws-lake",
        add_resource(
            "aws_redshiftserverless_workgroup",
            "wh",
            {"workgroup_name": "acme-dev-wh", "namespace_name": "acme-dev", "publicly_accessible": True},
        ),
        "aws_redshiftserverless_workgroup.wh",
        ("acme-dev-wh", "publicly_accessible", "subnet_ids"),
        "private subnets",
    ),
    (
        "private-networking",
        "dev-aws-lake",
        add_resource("aws_msk_serverless_cluster", "kafka", {"cluster_name": "acme-dev-kafka"}),
        "aws_msk_serverless_cluster.kafka",
        ("acme-dev-kafka", "vpc_config.subnet_ids"),
        "private subnets",
    ),
    (
        "private-networking",
        "dev-aws-lake",
        add_resource(
            "aws_mwaa_environment",
            "airflow",
            {
                "name": "acme-dev-airflow",
                "webserver_access_mode": "PUBLIC_ONLY",
                "network_configuration": {"subnet_ids": ["subnet-1"], "security_group_ids": ["sg-1"]},
            },
        ),
        "aws_mwaa_environment.airflow",
        ("acme-dev-airflow", "PUBLIC_ONLY"),
        "private subnets",
    ),
]


def test_every_invariant_has_a_violation_case() -> None:
    assert {c[0] for c in CASES} == set(INVARIANT_NAMES)


@pytest.mark.parametrize(
    ("invariant", "stack_id", "change", "address", "words", "fix_words"),
    CASES,
    ids=[f"{c[0]}-{i}" for i, c in enumerate(CASES)],
)
def test_invariant_catches_violation(
    mutated: Callable[[str, Mutate], StackDoc],
    invariant: str,
    stack_id: str,
    change: Mutate,
    address: str,
    words: tuple[str, ...],
    fix_words: str,
) -> None:
    bad = mutated(stack_id, change)
    findings, _ = check_invariants(bad)
    mine = [f for f in findings if f.rule == invariant and f.address.startswith(address)]
    assert len(mine) == 1, [(f.rule, f.address, f.message) for f in findings]
    finding = mine[0]
    for word in words:
        assert word in finding.message, finding.message
    assert fix_words in finding.fix, finding.fix
    assert finding.stack == stack_id and finding.file == bad.path
    if not finding.address.startswith("provider."):
        assert finding.line > 1, "the finding points at the resource's line in cdk.tf.json"
    # The gate fails on it: the checked-in suppressions do not hide it, and the error names it and the fix.
    report = evaluate([bad], suppressions=load_suppressions(), checkov=False)
    assert finding.address in {f.address for f in report.failures if f.rule == invariant}
    with pytest.raises(PolicyViolation) as info:
        report.raise_on_failures()
    assert info.value.exit_code == 1
    assert finding.address in info.value.render() and "fix:" in info.value.render()


def test_deletion_protection_is_not_required_in_the_emulator_env(shipped_stacks: dict[str, StackDoc]) -> None:
    _, coverage = check_invariants(shipped_stacks["local-aws-lake"])
    cov = next(c for c in coverage if c.rule == "deletion-protection")
    assert cov.status == "not applicable" and cov.note and "protection.stateful is false" in cov.note


def test_deletion_protection_is_required_outside_the_emulator_even_when_turned_off(
    shipped_stacks: dict[str, StackDoc],
) -> None:
    """A cloud environment with protection.stateful: false gets a failure that says to turn it back on."""
    local = shipped_stacks["local-aws-lake"]  # synthesized without prevent_destroy
    cloud_spec = local.spec.model_copy(
        update={
            "clouds": local.spec.clouds.model_copy(
                update={"aws": local.spec.clouds.aws.model_copy(update={"emulator": False})}  # type: ignore[union-attr]
            ),
            "protection": Protection(stateful=False),
        }
    )
    findings, _ = check_invariants(replace(local, spec=cloud_spec))
    mine = [f for f in findings if f.rule == "deletion-protection"]
    assert len(mine) == 4, mine  # the four lake buckets
    assert all("protection.stateful: true" in f.fix and "environments/local.yaml" in f.fix for f in mine)


def test_private_resources_pass(mutated: Callable[[str, Mutate], StackDoc]) -> None:
    good = mutated(
        "dev-aws-lake",
        add_resource(
            "aws_redshiftserverless_workgroup",
            "wh",
            {
                "workgroup_name": "acme-dev-wh",
                "publicly_accessible": False,
                "subnet_ids": ["subnet-a"],
                "enhanced_vpc_routing": True,
            },
        ),
    )
    findings, coverage = check_invariants(good)
    assert not [f for f in findings if f.rule == "private-networking"]
    assert next(c for c in coverage if c.rule == "private-networking").checked == 1


def test_unreadable_bucket_policy_fails_closed(mutated: Callable[[str, Mutate], StackDoc]) -> None:
    def change(doc: Doc) -> None:
        body(doc, "aws_s3_bucket_policy", "lake_raw_")["policy"] = "${jsonencode(local.raw_policy)}"

    findings, _ = check_invariants(mutated("dev-aws-lake", change))
    rules = {f.rule for f in findings if "cannot be read" in f.message}
    assert rules == {"tls-min-1-2", "no-wildcard-iam"}, findings


def test_policy_document_data_source_is_resolved(mutated: Callable[[str, Mutate], StackDoc]) -> None:
    """A bucket policy from an aws_iam_policy_document is read through the reference."""

    def statements(tls: str) -> list[Doc]:
        deny = {
            "effect": "Deny",
            "actions": ["s3:*"],
            "resources": ["*"],
            "principals": [{"type": "*", "identifiers": ["*"]}],
        }
        return [
            {**deny, "condition": [{"test": "Bool", "variable": "aws:SecureTransport", "values": ["false"]}]},
            {
                **deny,
                "condition": [{"test": "NumericLessThan", "variable": "s3:TlsVersion", "values": [tls]}],
            },
        ]

    def use_document(tls: str) -> Mutate:
        def change(doc: Doc) -> None:
            doc.setdefault("data", {})["aws_iam_policy_document"] = {"raw": {"statement": statements(tls)}}
            body(doc, "aws_s3_bucket_policy", "lake_raw_")["policy"] = (
                "${data.aws_iam_policy_document.raw.json}"
            )

        return change

    good, _ = check_invariants(mutated("dev-aws-lake", use_document("1.2")))
    assert not [f for f in good if f.rule == "tls-min-1-2"]
    bad, _ = check_invariants(mutated("dev-aws-lake", use_document("1.0")))
    assert [f.address for f in bad if f.rule == "tls-min-1-2"] == [
        f"aws_s3_bucket.{key(mutated('dev-aws-lake', lambda d: None).doc, 'aws_s3_bucket', 'lake_raw_')}"
    ]


def test_private_networking_is_reported_not_applicable(shipped_stacks: dict[str, StackDoc]) -> None:
    """Storage without a network placement (buckets, BigQuery, a Glue catalog) says so, never passes
    silently; the network itself and every service that runs in it are checked."""
    for stack in shipped_stacks.values():
        _, coverage = check_invariants(stack)
        cov = next(c for c in coverage if c.rule == "private-networking")
        if stack.domain == "lake" or (stack.domain == "warehouse" and cov.checked == 0):
            assert cov.status == "not applicable" and cov.note, stack.stack_id
            assert (
                stack.domain == "lake"
                or stack.stack_id in ("local-aws-warehouse", "localstg-aws-warehouse")
                or (stack.cloud == "gcp")
            ), stack.stack_id  # Redshift and Synapse are checked
        else:
            assert cov.checked > 0, stack.stack_id
