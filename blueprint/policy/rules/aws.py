"""The AWS rule table: for each invariant, the rules that check it on the resource types the AWS modules
build and their look-alikes (built from the rule DSL, `dsl.py`)."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from typing import Any

from blueprint.policy.model import (
    RuleResult,
    StackDoc,
    block,
    blocks,
    dig,
    is_true,
)
from blueprint.policy.rules.dsl import (
    MODULE_HINT,
    Predicate,
    Rule,
    all_of,
    as_list,
    deletion_protection_rule,
    fix_for,
    forbid,
    private_fix,
    provider_tags_rule,
    require,
    require_false,
    require_true,
    resource_label,
    table_rule,
)

# ---------------------------------------------------------------------------------------------------
# AWS: S3 buckets and the resources that configure them


def _bucket_refs(name: str, body: dict[str, Any]) -> set[str]:
    """The values a configuring resource's `bucket` argument may hold for this bucket."""
    refs = {f"${{aws_s3_bucket.{name}.id}}", f"${{aws_s3_bucket.{name}.bucket}}"}
    literal = body.get("bucket")
    if isinstance(literal, str) and not literal.startswith("${"):
        refs.add(literal)
    return refs


def _attached(stack: StackDoc, rtype: str, name: str, body: dict[str, Any]) -> list[dict[str, Any]]:
    refs = _bucket_refs(name, body)
    return [b for b in stack.resources(rtype).values() if b.get("bucket") in refs]


def _bucket_rule(check: Callable[[StackDoc, str, dict[str, Any]], str | None], fix: str) -> Rule:
    """A rule run on every aws_s3_bucket; `check` returns the problem or None."""

    def rule(stack: StackDoc) -> RuleResult:
        result = RuleResult(note="no S3 bucket")
        for _, name, body in stack.each("aws_s3_bucket"):
            problem = check(stack, name, body)
            label = resource_label("aws_s3_bucket", name, body)
            result.add(f"aws_s3_bucket.{name}", None if problem is None else f"{label} {problem}", fix)
        return result

    return rule


_AWS_MANAGED_S3_KEY = ("alias/aws/s3", "aws/s3")


def _s3_cmk(stack: StackDoc, name: str, body: dict[str, Any]) -> str | None:
    configs = _attached(stack, "aws_s3_bucket_server_side_encryption_configuration", name, body)
    legacy = block(body, "server_side_encryption_configuration")
    rules = [r for c in [*configs, *([legacy] if legacy else [])] for r in blocks(c, "rule")]
    defaults = [block(r, "apply_server_side_encryption_by_default") or {} for r in rules]
    if not defaults:
        return "has no server-side encryption configuration"
    for d in defaults:
        algorithm, key = d.get("sse_algorithm"), d.get("kms_master_key_id")
        if algorithm in ("aws:kms", "aws:kms:dsse") and key and key not in _AWS_MANAGED_S3_KEY:
            return None
    algorithm = defaults[0].get("sse_algorithm")
    if algorithm in ("aws:kms", "aws:kms:dsse"):
        return "uses the AWS-managed key aws/s3, not a customer-managed KMS key"
    return f"is encrypted with {algorithm or 'no algorithm'} (SSE-S3), not a customer-managed KMS key"


def _s3_public(stack: StackDoc, name: str, body: dict[str, Any]) -> str | None:
    problems = []
    blocks_ = _attached(stack, "aws_s3_bucket_public_access_block", name, body)
    flags = ("block_public_acls", "block_public_policy", "ignore_public_acls", "restrict_public_buckets")
    if not blocks_:
        problems.append("has no aws_s3_bucket_public_access_block")
    else:
        off = [f for f in flags if not any(is_true(b.get(f)) for b in blocks_)]
        if off:
            problems.append(f"has public access blocks turned off: {', '.join(off)}")
    owners = _attached(stack, "aws_s3_bucket_ownership_controls", name, body)
    if not any(dig(o, "rule.object_ownership") == "BucketOwnerEnforced" for o in owners):
        problems.append("does not enforce bucket-owner ownership (ACLs stay enabled)")
    acls = [a.get("acl") for a in _attached(stack, "aws_s3_bucket_acl", name, body)] + [body.get("acl")]
    public_acls = [a for a in acls if isinstance(a, str) and a.startswith("public-")]
    if public_acls:
        problems.append(f"has a public ACL ({public_acls[0]})")
    for policy in _attached(stack, "aws_s3_bucket_policy", name, body):
        statements, _ = parse_policy(policy.get("policy"))
        for s in statements or []:
            if _effect(s) == "Allow" and _public_principal(s) and not s.get("Condition"):
                problems.append(f"policy statement {s.get('Sid') or '(no Sid)'} allows anyone (Principal *)")
    return "; ".join(problems) or None


def _s3_tls(stack: StackDoc, name: str, body: dict[str, Any]) -> str | None:
    policies = _attached(stack, "aws_s3_bucket_policy", name, body)
    if not policies:
        return "has no bucket policy denying non-TLS requests and TLS < 1.2"
    statements: list[dict[str, Any]] = []
    for p in policies:
        parsed, error = parse_policy(p.get("policy"), stack)
        if error:
            return f"has a bucket policy that cannot be read ({error})"
        statements.extend(parsed or [])
    problems = []
    if not any(
        _denies(s, "bool", "aws:securetransport", lambda v: str(v).lower() == "false") for s in statements
    ):
        problems.append("policy does not deny requests without TLS (Deny when aws:SecureTransport is false)")
    if not any(_denies(s, "numericlessthan", "s3:tlsversion", _at_least_1_2) for s in statements):
        problems.append("policy does not deny TLS versions below 1.2 (Deny when s3:TlsVersion < 1.2)")
    return "; ".join(problems) or None


def _at_least_1_2(value: Any) -> bool:
    try:
        return float(value) >= 1.2
    except (TypeError, ValueError):
        return False


def _s3_versioning(stack: StackDoc, name: str, body: dict[str, Any]) -> str | None:
    configs = _attached(stack, "aws_s3_bucket_versioning", name, body)
    if any(dig(c, "versioning_configuration.status") == "Enabled" for c in configs):
        return None
    if is_true(dig(body, "versioning.enabled")):
        return None
    if configs:
        status = dig(configs[0], "versioning_configuration.status")
        return f"has versioning status {status!r}, not 'Enabled'"
    return "has no aws_s3_bucket_versioning with status Enabled"


def _s3_logging(stack: StackDoc, name: str, body: dict[str, Any]) -> str | None:
    configs = _attached(stack, "aws_s3_bucket_logging", name, body)
    if any(c.get("target_bucket") for c in configs) or dig(body, "logging.target_bucket"):
        return None
    return "has no server access logging (aws_s3_bucket_logging with a target_bucket)"


# ---------------------------------------------------------------------------------------------------
# AWS: IAM policy documents


def parse_policy(raw: Any, stack: StackDoc | None = None) -> tuple[list[dict[str, Any]] | None, str | None]:
    """The statements of a policy document, or (None, error). A reference to an
    aws_iam_policy_document data source is resolved in `stack` (the data source is also checked)."""
    if isinstance(raw, str):
        ref = re.fullmatch(r"\$\{data\.aws_iam_policy_document\.([A-Za-z0-9_-]+)\.json\}", raw.strip())
        if ref:
            doc = stack.data("aws_iam_policy_document").get(ref[1]) if stack else None
            if doc is None:
                return [], None  # checked where it is defined
            return policy_document_statements(doc), None
        try:
            raw = json.loads(raw)
        except json.JSONDecodeError as exc:
            return None, f"not JSON: {exc.msg}"
    if not isinstance(raw, dict):
        return None, "not a JSON object"
    statements = raw.get("Statement", [])
    statements = statements if isinstance(statements, list) else [statements]
    return [s for s in statements if isinstance(s, dict)], None


def policy_document_statements(doc: dict[str, Any]) -> list[dict[str, Any]]:
    """aws_iam_policy_document `statement` blocks as IAM JSON statements."""
    out = []
    for s in blocks(doc, "statement"):
        principals = blocks(s, "principals")
        stmt: dict[str, Any] = {
            "Sid": s.get("sid"),
            "Effect": s.get("effect", "Allow"),
            "Action": s.get("actions", []),
            "Resource": s.get("resources", []),
        }
        if principals:
            stmt["Principal"] = {p.get("type"): p.get("identifiers") for p in principals}
        conditions = blocks(s, "condition")
        if conditions:
            stmt["Condition"] = {c.get("test"): {c.get("variable"): c.get("values")} for c in conditions}
        out.append(stmt)
    return out


def _effect(statement: dict[str, Any]) -> str:
    return str(statement.get("Effect", "Allow"))


def _public_principal(statement: dict[str, Any]) -> bool:
    principal = statement.get("Principal")
    if principal == "*":
        return True
    if isinstance(principal, dict):
        return any("*" in as_list(v) for k, v in principal.items() if k in ("AWS", "*"))
    return False


def _denies(statement: dict[str, Any], operator: str, key: str, accept: Callable[[Any], bool]) -> bool:
    """A Deny for everyone on all of S3 (or *) under `operator` `key` with an accepted value."""
    if _effect(statement) != "Deny" or not _public_principal(statement):
        return False
    if not {"s3:*", "*"} & set(as_list(statement.get("Action"))):
        return False
    for op, conditions in (statement.get("Condition") or {}).items():
        if str(op).lower() != operator or not isinstance(conditions, dict):
            continue
        for k, v in conditions.items():
            if str(k).lower() == key and all(accept(x) for x in as_list(v)) and as_list(v):
                return True
    return False


def _wildcard_statements(statements: list[dict[str, Any]]) -> list[str]:
    """Sids of Allow statements granting `*` (or `*:*`) on `*`."""
    bad = []
    for i, s in enumerate(statements):
        actions = {str(a) for a in as_list(s.get("Action"))}
        if _effect(s) == "Allow" and actions & {"*", "*:*"} and "*" in as_list(s.get("Resource")):
            bad.append(str(s.get("Sid") or f"#{i + 1}"))
    return bad


_ADMIN_POLICY = re.compile(r":policy/AdministratorAccess$")
_IAM_FIX = (
    "grant only the actions the workload needs on its own resources (name the ARNs); never Allow * on *"
)


def _aws_wildcard_iam(stack: StackDoc) -> RuleResult:
    result = RuleResult(note="no IAM policy document, bucket policy or key policy")
    for rtype, name, body in stack.each():
        documents = [body["policy"]] if isinstance(body.get("policy"), str | dict) else []
        documents += [b["policy"] for b in blocks(body, "inline_policy") if "policy" in b]
        for document in documents:
            statements, error = parse_policy(document)
            label = resource_label(rtype, name, body)
            if error:
                problem: str | None = f"{label} has a policy that cannot be read ({error})"
            else:
                bad = _wildcard_statements(statements or [])
                problem = f"{label} allows * on * in statement(s) {', '.join(bad)}" if bad else None
            result.add(f"{rtype}.{name}", problem, _IAM_FIX)
        arns = [body.get("policy_arn"), *as_list(body.get("managed_policy_arns"))]
        for arn in arns:
            if isinstance(arn, str) and rtype.startswith("aws_iam_"):
                problem = (
                    f"{resource_label(rtype, name, body)} attaches AdministratorAccess"
                    if _ADMIN_POLICY.search(arn)
                    else None
                )
                result.add(f"{rtype}.{name}", problem, _IAM_FIX)
    for name, doc in stack.data("aws_iam_policy_document").items():
        bad = _wildcard_statements(policy_document_statements(doc))
        problem = f"data.aws_iam_policy_document.{name} allows * on * in {', '.join(bad)}" if bad else None
        result.add(f"data.aws_iam_policy_document.{name}", problem, _IAM_FIX)
    return result


# ---------------------------------------------------------------------------------------------------
# AWS: network, roles and the data/ML services

# Ports whose listeners speak TLS only: HTTPS, Kafka TLS / SASL-SCRAM / IAM, Redshift (require_ssl).
_TLS_PORTS = frozenset({443, 9094, 9096, 9098, 5439})


def _sg_rule_tls(body: dict[str, Any]) -> str | None:
    """A rule to or from anything but its own group carries TLS: a port of `_TLS_PORTS` over TCP."""
    if body.get("referenced_security_group_id"):
        return None  # traffic between members of a group (MWAA's components) is the service's own
    protocol, low, high = str(body.get("ip_protocol")), body.get("from_port"), body.get("to_port")
    if protocol == "tcp" and low == high and low in _TLS_PORTS:
        return None
    ports = "all ports" if protocol in ("-1", "all") else f"{protocol} {low}-{high}"
    return (
        f"opens {ports} to {body.get('cidr_ipv4') or body.get('prefix_list_id') or 'a peer'}, not a TLS port"
    )


def _no_rules(body: dict[str, Any]) -> str | None:
    rules = [*blocks(body, "ingress"), *blocks(body, "egress")]
    return f"has {len(rules)} rule(s); the default group must allow nothing" if rules else None


def _public_trust(body: dict[str, Any]) -> str | None:
    statements, error = parse_policy(body.get("assume_role_policy"))
    if error:
        return f"has an assume_role_policy that cannot be read ({error})"
    open_ = [
        s
        for s in statements or []
        if _effect(s) == "Allow" and _public_principal(s) and not s.get("Condition")
    ]
    return "can be assumed by anyone (Principal *)" if open_ else None


def _mwaa_all_logs(body: dict[str, Any]) -> str | None:
    kinds = ("dag_processing_logs", "scheduler_logs", "task_logs", "webserver_logs", "worker_logs")
    off = [k for k in kinds if not is_true(dig(body, f"logging_configuration.{k}.enabled"))]
    return f"does not enable {', '.join(off)} (logging_configuration)" if off else None


def _redshift_ssl(body: dict[str, Any]) -> str | None:
    params = {p.get("parameter_key"): p.get("parameter_value") for p in blocks(body, "config_parameter")}
    return None if is_true(params.get("require_ssl")) else "does not set config_parameter require_ssl = true"


def _pinned_objects(body: dict[str, Any]) -> str | None:
    """MWAA reads requirements/plugins/startup script from a versioned bucket: pin the version read."""
    unpinned = [
        k
        for k in ("requirements", "plugins", "startup_script")
        if body.get(f"{k}_s3_path") and not body.get(f"{k}_s3_object_version")
    ]
    return f"reads {', '.join(unpinned)} without a pinned S3 object version" if unpinned else None


def _interface_endpoint(body: dict[str, Any]) -> str | None:
    if body.get("vpc_endpoint_type") != "Interface":
        return None
    problems = []
    if not is_true(body.get("private_dns_enabled")):
        problems.append("does not set private_dns_enabled = true (clients would resolve public endpoints)")
    if not body.get("security_group_ids"):
        problems.append("has no security group (security_group_ids)")
    return "; ".join(problems) or None


def _vpc_flow_logs(stack: StackDoc) -> RuleResult:
    """Every aws_vpc has an aws_flow_log on it."""
    result = RuleResult()
    logged = {str(f.get("vpc_id")) for f in stack.resources("aws_flow_log").values()}
    for _, name, body in stack.each("aws_vpc"):
        refs = {f"${{aws_vpc.{name}.id}}"}
        problem = None if refs & logged else f"{resource_label('aws_vpc', name, body)} has no aws_flow_log"
        result.add(f"aws_vpc.{name}", problem, "add an aws_flow_log of ALL traffic, as AwsNetwork does")
    return result


# ---------------------------------------------------------------------------------------------------
# AWS table

_AWS_CMK: dict[str, Predicate] = {
    "aws_kms_key": require_true("enable_key_rotation", "yearly rotation of the customer-managed key"),
    "aws_redshiftserverless_namespace": require("kms_key_id", "customer-managed key"),
    "aws_redshift_cluster": all_of(
        require_true("encrypted", "encryption at rest"), require("kms_key_id", "customer-managed key")
    ),
    "aws_msk_cluster": require("encryption_info.encryption_at_rest_kms_key_arn", "customer-managed key"),
    "aws_mwaa_environment": require("kms_key", "customer-managed key"),
    "aws_sagemaker_endpoint_configuration": require("kms_key_arn", "customer-managed key"),
    "aws_glue_data_catalog_encryption_settings": require(
        "data_catalog_encryption_settings.encryption_at_rest.sse_aws_kms_key_id", "customer-managed key"
    ),
    "aws_cloudwatch_log_group": require("kms_key_id", "customer-managed key"),
    "aws_secretsmanager_secret": require("kms_key_id", "customer-managed key"),
    "aws_sns_topic": require("kms_master_key_id", "customer-managed key"),
    "aws_sqs_queue": require("kms_master_key_id", "customer-managed key"),
    "aws_dynamodb_table": require("server_side_encryption.kms_key_arn", "customer-managed key"),
    "aws_athena_workgroup": all_of(
        forbid(
            "configuration.result_configuration.encryption_configuration.encryption_option",
            ("SSE_S3", None),
            "query results not encrypted with a customer-managed key",
        ),
        require(
            "configuration.result_configuration.encryption_configuration.kms_key_arn", "customer-managed key"
        ),
    ),
    "aws_s3_object": require("kms_key_id", "customer-managed key"),
}

_AWS_PUBLIC: dict[str, Predicate] = {
    "aws_redshift_cluster": require_false("publicly_accessible", "the provider defaults it to true"),
    "aws_redshiftserverless_workgroup": forbid("publicly_accessible", (True, "true"), "public endpoint"),
    "aws_db_instance": forbid("publicly_accessible", (True, "true"), "public endpoint"),
    "aws_security_group": lambda b: (
        "allows ingress from 0.0.0.0/0"
        if any("0.0.0.0/0" in as_list(r.get("cidr_blocks")) for r in blocks(b, "ingress"))
        else None
    ),
    "aws_vpc_security_group_ingress_rule": all_of(
        forbid("cidr_ipv4", ("0.0.0.0/0",), "ingress from anywhere"),
        forbid("cidr_ipv6", ("::/0",), "ingress from anywhere"),
    ),
    "aws_default_security_group": _no_rules,
    "aws_iam_role": _public_trust,
    "aws_msk_cluster": forbid(
        "broker_node_group_info.connectivity_info.public_access.type",
        ("SERVICE_PROVIDED_EIPS",),
        "public broker endpoints",
    ),
    "aws_mwaa_environment": forbid("webserver_access_mode", ("PUBLIC_ONLY",), "public Airflow web server"),
    "aws_subnet": forbid("map_public_ip_on_launch", (True, "true"), "public IPs on launch"),
}

_AWS_TLS: dict[str, Predicate] = {
    "aws_msk_cluster": all_of(
        forbid(
            "encryption_info.encryption_in_transit.client_broker",
            ("PLAINTEXT", "TLS_PLAINTEXT"),
            "clients may connect without TLS",
        ),
        forbid("encryption_info.encryption_in_transit.in_cluster", (False, "false"), "plaintext in cluster"),
    ),
    "aws_lb_listener": forbid("protocol", ("HTTP",), "plain HTTP listener"),
    # MSK Serverless has one listener, SASL/IAM over TLS: IAM authentication must stay on.
    "aws_msk_serverless_cluster": require_true(
        "client_authentication.sasl.iam.enabled", "SASL/IAM, MSK Serverless' TLS-only listener"
    ),
    "aws_redshiftserverless_workgroup": _redshift_ssl,
    "aws_vpc_security_group_ingress_rule": _sg_rule_tls,
    "aws_vpc_security_group_egress_rule": _sg_rule_tls,
}

_AWS_VERSIONED: dict[str, Predicate] = {
    "aws_mwaa_environment": _pinned_objects,
}

_AWS_LOGGING: dict[str, Predicate] = {
    "aws_msk_cluster": require("logging_info.broker_logs", "broker logs"),
    "aws_mwaa_environment": _mwaa_all_logs,
    "aws_redshiftserverless_namespace": require("log_exports", "audit log exports (log_exports)"),
    "aws_athena_workgroup": require_true(
        "configuration.publish_cloudwatch_metrics_enabled", "query metrics in CloudWatch"
    ),
    "aws_sagemaker_endpoint_configuration": require_true(
        "data_capture_config.enable_capture", "request/response capture (data_capture_config)"
    ),
}

AWS_STATEFUL: dict[str, str | None] = {
    "aws_s3_bucket": None,
    "aws_kms_key": None,
    "aws_dynamodb_table": "deletion_protection_enabled",
    "aws_db_instance": "deletion_protection",
    "aws_rds_cluster": "deletion_protection",
    "aws_redshift_cluster": None,
    "aws_redshiftserverless_namespace": None,
    "aws_msk_cluster": None,
    "aws_msk_serverless_cluster": None,
    "aws_efs_file_system": None,
    "aws_glue_catalog_database": None,
    "aws_secretsmanager_secret": None,
    "aws_ecr_repository": None,
    "aws_cloudwatch_log_group": None,  # flow and broker logs are audit records
    "aws_mwaa_environment": None,  # Airflow's metadata: run history, connections, variables
}

_AWS_PRIVATE: dict[str, Predicate] = {
    "aws_redshift_cluster": all_of(
        require_false("publicly_accessible", "no public endpoint"),
        require("cluster_subnet_group_name", "private subnet group"),
    ),
    "aws_redshiftserverless_workgroup": all_of(
        forbid("publicly_accessible", (True, "true"), "public endpoint"),
        require("subnet_ids", "private subnets"),
        require_true("enhanced_vpc_routing", "COPY/UNLOAD traffic kept in the VPC"),
    ),
    "aws_msk_cluster": all_of(
        require("broker_node_group_info.client_subnets", "private subnets"),
        forbid(
            "broker_node_group_info.connectivity_info.public_access.type",
            ("SERVICE_PROVIDED_EIPS",),
            "public broker endpoints",
        ),
    ),
    "aws_msk_serverless_cluster": all_of(
        require("vpc_config.subnet_ids", "private subnets"),
        require("vpc_config.security_group_ids", "its own security group"),
    ),
    "aws_mwaa_environment": all_of(
        forbid("webserver_access_mode", ("PUBLIC_ONLY",), "public Airflow web server"),
        require("network_configuration.subnet_ids", "private subnets"),
    ),
    "aws_sagemaker_model": all_of(
        require("vpc_config.subnets", "VPC config with private subnets"),
        require_true("enable_network_isolation", "no outbound calls from the model container"),
    ),
    "aws_subnet": forbid("map_public_ip_on_launch", (True, "true"), "instances get public IPs"),
    "aws_vpc_endpoint": _interface_endpoint,
    "aws_default_security_group": _no_rules,
    "aws_sagemaker_notebook_instance": all_of(
        require("subnet_id", "private subnet"),
        forbid("direct_internet_access", ("Enabled", None), "direct internet access"),
    ),
    "aws_sagemaker_domain": forbid("app_network_access_type", ("PublicInternetOnly", None), "public apps"),
}


AWS_RULES: dict[str, tuple[Rule, ...]] = {
    "cmk-encryption": (
        _bucket_rule(_s3_cmk, f"encrypt with SSE-KMS and the environment's data key, as {MODULE_HINT} does"),
        table_rule(_AWS_CMK, fix_for("a customer-managed KMS key (the foundation's data key)")),
    ),
    "no-public-access": (
        _bucket_rule(
            _s3_public,
            f"turn all four public access blocks on and set BucketOwnerEnforced, as {MODULE_HINT} does",
        ),
        table_rule(_AWS_PUBLIC, fix_for("no public access")),
    ),
    "tls-min-1-2": (
        _bucket_rule(
            _s3_tls,
            "add Deny statements for aws:SecureTransport=false and s3:TlsVersion < 1.2 to the bucket "
            f"policy, as {MODULE_HINT} does",
        ),
        table_rule(_AWS_TLS, fix_for("TLS-only transport")),
    ),
    "versioning": (
        _bucket_rule(
            _s3_versioning, f"add aws_s3_bucket_versioning with status Enabled, as {MODULE_HINT} does"
        ),
        table_rule(_AWS_VERSIONED, fix_for("the S3 object version it reads")),
    ),
    "access-logging": (
        _bucket_rule(
            _s3_logging,
            f"add aws_s3_bucket_logging to the environment's access-log bucket, as {MODULE_HINT} does",
        ),
        table_rule(_AWS_LOGGING, fix_for("logging")),
        _vpc_flow_logs,
    ),
    "required-tags": (provider_tags_rule("aws", "default_tags.tags", "default_tags", "tags"),),
    "no-wildcard-iam": (_aws_wildcard_iam,),
    "deletion-protection": (
        deletion_protection_rule(
            AWS_STATEFUL, {"aws_s3_bucket": "force_destroy", "aws_ecr_repository": "force_delete"}
        ),
    ),
    "private-networking": (
        table_rule(_AWS_PRIVATE, private_fix, note="no network, warehouse, Kafka, Airflow or model resource"),
    ),
}
