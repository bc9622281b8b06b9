"""In-process patches that make moto 5.2.5 behave like AWS where the AWS provider or our stacks need it.

Each patch is minimal, named after the API it fixes, covered by tests/blueprint/emulator/test_moto_patches.py,
and an upstream candidate (see localstack/README.md). Production stacks are never bent for the emulator.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from types import SimpleNamespace
from typing import Any
from urllib.parse import unquote

import moto

PINNED_MOTO = "5.2.5"


def s3_bucket_policy_deny_with_unsupported_condition() -> None:
    """S3 bucket policies (every object operation): moto evaluates only the StringEquals operator and
    treats any other condition (Bool, Null, NumericLessThan...) as met. A policy with
    `Deny s3:* if aws:SecureTransport = false` then denies every request, over TLS or not. Fixed: a Deny
    statement whose condition moto cannot evaluate does not apply (neutral), as it would not for a
    compliant request in AWS. Enforcement of those conditions is proven by the synth and policy tiers."""
    from moto.iam.access_control import IAMPolicyStatement, PermissionResult
    from moto.iam.policy_conditions import CONDITION_OPERATIONS

    original: Callable[..., PermissionResult] = IAMPolicyStatement.is_action_permitted
    if getattr(original, "_blueprint_patched", False):
        return

    def is_action_permitted(
        self: Any,
        action: str,
        resource: str = "*",
        principal: str | None = None,
        incoming_condition_values: dict[str, str] | None = None,
    ) -> PermissionResult:
        result = original(self, action, resource, principal, incoming_condition_values)
        conditions = self._statement.get("Condition") or {}
        if (
            result is PermissionResult.DENIED
            and self._statement.get("Effect") == "Deny"
            and any(op not in CONDITION_OPERATIONS for op in conditions)
        ):
            return PermissionResult.NEUTRAL
        return result

    is_action_permitted._blueprint_patched = True  # type: ignore[attr-defined]
    IAMPolicyStatement.is_action_permitted = is_action_permitted  # type: ignore[method-assign]


def s3_put_bucket_logging_with_wildcard_principal() -> None:
    """PutBucketLogging: moto checks the target bucket's policy for a log-delivery grant and crashes
    (500, AttributeError) on any statement whose Principal is the string "*", which AWS accepts and
    every TLS-only policy uses. Fixed: such statements are skipped by the check, as they grant the
    logging service nothing."""
    from moto.s3.models import FakeBucket

    original = FakeBucket._log_permissions_enabled_policy
    if getattr(original, "_blueprint_patched", False):
        return

    def log_permissions_enabled_policy(target_bucket: Any, target_prefix: str | None) -> bool:
        if not target_bucket.policy:
            return bool(original(target_bucket, target_prefix))
        doc = json.loads(target_bucket.policy.decode())
        statements = doc.get("Statement", [])
        statements = statements if isinstance(statements, list) else [statements]
        doc["Statement"] = [st for st in statements if isinstance(st.get("Principal", {}), dict)]
        view = SimpleNamespace(
            policy=json.dumps(doc).encode(), partition=target_bucket.partition, name=target_bucket.name
        )
        return bool(original(view, target_prefix))  # type: ignore[arg-type]

    log_permissions_enabled_policy._blueprint_patched = True  # type: ignore[attr-defined]
    FakeBucket._log_permissions_enabled_policy = staticmethod(log_permissions_enabled_policy)  # type: ignore[method-assign]


def application_autoscaling_tags() -> None:
    """Application Auto Scaling ListTagsForResource / TagResource / UntagResource: not implemented by
    moto (500), so the AWS provider cannot create a tagged scalable target (it reads the tags back).
    Fixed: tags given to RegisterScalableTarget or TagResource are kept per target ARN and listed."""
    from moto.applicationautoscaling.responses import ApplicationAutoScalingResponse as Response

    if getattr(Response, "_blueprint_tags", None) is not None:
        return
    tags: dict[str, dict[str, str]] = {}  # target ARN -> tags (ARNs are unique per server)
    register = Response.register_scalable_target

    def register_scalable_target(self: Any) -> str:
        body = register(self)
        given = self._get_param("Tags") or {}
        if given:
            tags.setdefault(json.loads(body)["ScalableTargetARN"], {}).update(given)
        return body

    def list_tags_for_resource(self: Any) -> str:
        return json.dumps({"Tags": tags.get(self._get_param("ResourceARN"), {})})

    def tag_resource(self: Any) -> str:
        tags.setdefault(self._get_param("ResourceARN"), {}).update(self._get_param("Tags") or {})
        return "{}"

    def untag_resource(self: Any) -> str:
        kept = tags.get(self._get_param("ResourceARN"), {})
        for key in self._get_param("TagKeys") or []:
            kept.pop(key, None)
        return "{}"

    Response.register_scalable_target = register_scalable_target  # type: ignore[method-assign]
    Response.list_tags_for_resource = list_tags_for_resource  # type: ignore[attr-defined]
    Response.tag_resource = tag_resource  # type: ignore[attr-defined]
    Response.untag_resource = untag_resource  # type: ignore[attr-defined]
    Response._blueprint_tags = tags  # type: ignore[attr-defined]


def sagemaker_create_model_network_isolation() -> None:
    """SageMaker CreateModel: moto drops `EnableNetworkIsolation` (DescribeModel always answers false),
    so every plan of a network-isolated model wants to replace it. Fixed: the flag is kept."""
    from moto.sagemaker.responses import SageMakerResponse

    original = SageMakerResponse.create_model
    if getattr(original, "_blueprint_patched", False):
        return

    def create_model(self: Any) -> Any:
        result = original(self)
        if self._get_param("EnableNetworkIsolation"):
            model = self.sagemaker_backend.describe_model(self._get_param("ModelName"))
            model.enable_network_isolation = True
        return result

    create_model._blueprint_patched = True  # type: ignore[attr-defined]
    SageMakerResponse.create_model = create_model  # type: ignore[method-assign]


def ec2_security_group_rule_prefix_list_description() -> None:
    """EC2 AuthorizeSecurityGroupEgress/Ingress with a prefix list: moto drops the rule's description
    (DescribeSecurityGroupRules answers none), so every plan updates the rule. Fixed: it is kept."""
    from moto.ec2.models.security_groups import SecurityGroupRule

    original = SecurityGroupRule.__init__
    if getattr(original, "_blueprint_patched", False):
        return

    def __init__(self: Any, *args: Any, **kwargs: Any) -> None:
        original(self, *args, **kwargs)
        prefix_list = kwargs.get("prefix_list_id", args[7] if len(args) > 7 else None)
        self._prefix_list_description = (prefix_list or {}).get("Description")

    def description(self: Any) -> str | None:
        return self.ip_range.get("Description") or getattr(self, "_prefix_list_description", None)

    __init__._blueprint_patched = True  # type: ignore[attr-defined]
    SecurityGroupRule.__init__ = __init__  # type: ignore[method-assign]
    SecurityGroupRule.description = property(description)  # type: ignore[assignment,method-assign]


def sagemaker_delete_model_package_group() -> None:
    """SageMaker DeleteModelPackageGroup: not implemented by moto (500), so a stack with a model package
    group cannot be destroyed. Fixed: the group is removed (AWS refuses while it holds packages; so
    does this)."""
    from moto.sagemaker.exceptions import ValidationError
    from moto.sagemaker.responses import SageMakerResponse

    if hasattr(SageMakerResponse, "delete_model_package_group"):
        return

    def delete_model_package_group(self: Any) -> str:
        name = self._get_param("ModelPackageGroupName")
        backend = self.sagemaker_backend
        if name not in backend.model_package_groups:
            raise ValidationError(message=f"Model Package Group {name} does not exist.")
        if any(getattr(p, "model_package_group_name", None) == name for p in backend.model_packages.values()):
            raise ValidationError(message=f"Model Package Group {name} still holds model packages.")
        del backend.model_package_groups[name]
        return "{}"

    SageMakerResponse.delete_model_package_group = delete_model_package_group  # type: ignore[attr-defined]


def kafka_describe_cluster() -> None:
    """MSK DescribeCluster/DescribeClusterV2: moto creates clusters CREATING and never moves them on, so
    the AWS provider waits for ACTIVE until it times out; and describing a deleted cluster crashes
    (500, KeyError), so it waits for the deletion until it gives up. Fixed: a CREATING cluster is ACTIVE
    the first time it is described (AWS takes minutes; nothing else differs), an unknown one is 404
    NotFoundException."""
    from moto.kafka.exceptions import NotFoundException
    from moto.kafka.models import KafkaBackend

    for name in ("describe_cluster", "describe_cluster_v2"):
        original = getattr(KafkaBackend, name)
        if getattr(original, "_blueprint_patched", False):
            continue

        def describe(self: Any, cluster_arn: str, _original: Any = original) -> Any:
            cluster = self.clusters.get(cluster_arn)
            if cluster is None:
                raise NotFoundException(f"Resource not found: {cluster_arn}")
            if cluster.state == "CREATING":
                cluster.state = "ACTIVE"
            return _original(self, cluster_arn)

        describe._blueprint_patched = True  # type: ignore[attr-defined]
        setattr(KafkaBackend, name, describe)


KAFKA_BOOTSTRAP_ENV = "BLUEPRINT_KAFKA_BOOTSTRAP"


def kafka_get_bootstrap_brokers() -> None:
    """MSK GetBootstrapBrokers: not implemented by moto (500), so no MSK cluster can be read. Fixed: it
    answers the broker string of each authentication the cluster has (IAM on serverless; TLS and IAM
    when provisioned). The brokers are `$BLUEPRINT_KAFKA_BOOTSTRAP` when the emulator was started with
    it (a real Kafka-compatible broker on 127.0.0.1), else AWS-shaped names nothing listens on."""
    import os

    from moto.kafka.exceptions import NotFoundException
    from moto.kafka.responses import KafkaResponse

    if hasattr(KafkaResponse, "get_bootstrap_brokers"):
        return

    def get_bootstrap_brokers(self: Any) -> str:
        arn = unquote(self.parsed_url.path.split("/clusters/")[-1]).removesuffix("/bootstrap-brokers")
        cluster = self.kafka_backend.clusters.get(arn)
        if cluster is None:
            raise NotFoundException(f"Resource not found: {arn}")
        name, region = cluster.cluster_name, cluster.region_name
        domain = f"{name}.{cluster.cluster_id[:6]}.c2.kafka.{region}.amazonaws.com"

        def brokers(port: int) -> str:
            if os.environ.get(KAFKA_BOOTSTRAP_ENV):
                return os.environ[KAFKA_BOOTSTRAP_ENV]
            return ",".join(f"b-{i + 1}.{domain}:{port}" for i in range(cluster.number_of_broker_nodes or 1))

        if cluster.cluster_type == "SERVERLESS":
            return json.dumps({"bootstrapBrokerStringSaslIam": brokers(9098)})
        auth = cluster.client_authentication or {}
        answer = {"bootstrapBrokerStringTls": brokers(9094)}
        if (auth.get("sasl") or {}).get("iam", {}).get("enabled"):
            answer["bootstrapBrokerStringSaslIam"] = brokers(9098)
        return json.dumps(answer)

    KafkaResponse.get_bootstrap_brokers = get_bootstrap_brokers  # type: ignore[attr-defined]


PATCHES: tuple[Callable[[], None], ...] = (
    s3_bucket_policy_deny_with_unsupported_condition,
    s3_put_bucket_logging_with_wildcard_principal,
    application_autoscaling_tags,
    sagemaker_create_model_network_isolation,
    ec2_security_group_rule_prefix_list_description,
    sagemaker_delete_model_package_group,
    kafka_describe_cluster,
    kafka_get_bootstrap_brokers,
)


def apply_all() -> list[str]:
    """Apply every patch; refuse a moto version the patches were not written for."""
    if moto.__version__ != PINNED_MOTO:
        raise RuntimeError(
            f"blueprint/emulator/moto_patches.py is written for moto {PINNED_MOTO}, found {moto.__version__}"
        )
    for patch in PATCHES:
        patch()
    return [p.__name__ for p in PATCHES]
