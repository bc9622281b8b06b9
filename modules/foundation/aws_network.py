"""AWS network of an environment: a VPC with private subnets only (plus one public subnet when a NAT
gateway is wanted), an S3 gateway endpoint, interface endpoints for the services the enabled domains
call, VPC flow logs to an encrypted log group, and the default security group stripped of its rules.

Also home of `IamRole` and `PrivateSecurityGroup`, the small building blocks every AWS domain module
uses for its service role and its security group.
"""

from __future__ import annotations

import ipaddress
import json
from dataclasses import dataclass
from typing import Any

from cdktn import TerraformResourceLifecycle
from cdktn_provider_aws.cloudwatch_log_group import CloudwatchLogGroup
from cdktn_provider_aws.default_security_group import DefaultSecurityGroup
from cdktn_provider_aws.eip import Eip
from cdktn_provider_aws.flow_log import FlowLog
from cdktn_provider_aws.iam_role import IamRole as IamRoleResource
from cdktn_provider_aws.iam_role_policy import IamRolePolicy
from cdktn_provider_aws.internet_gateway import InternetGateway
from cdktn_provider_aws.nat_gateway import NatGateway
from cdktn_provider_aws.route import Route
from cdktn_provider_aws.route_table import RouteTable
from cdktn_provider_aws.route_table_association import RouteTableAssociation
from cdktn_provider_aws.security_group import SecurityGroup
from cdktn_provider_aws.subnet import Subnet
from cdktn_provider_aws.vpc import Vpc
from cdktn_provider_aws.vpc_endpoint import VpcEndpoint
from cdktn_provider_aws.vpc_security_group_egress_rule import VpcSecurityGroupEgressRule
from cdktn_provider_aws.vpc_security_group_ingress_rule import VpcSecurityGroupIngressRule
from constructs import Construct

from blueprint.naming import Namer, aws_partition
from blueprint.spec import PlatformSpec

# Log groups keep a year: the CIS/checkov baseline for audit logs (no spec field yet).
LOG_RETENTION_DAYS = 365
HTTPS = 443
AZ_LETTERS = "abcdef"

# Interface endpoints (com.amazonaws.<region>.<service>) by the domain whose workloads call them.
# Always: STS (role sessions), CloudWatch Logs and KMS (every service here logs and encrypts).
INTERFACE_ENDPOINTS: dict[str, tuple[str, ...]] = {
    "foundation": ("sts", "logs", "kms"),
    "warehouse": ("secretsmanager", "glue", "athena", "redshift-serverless"),
    "streaming": (),  # clients reach the brokers' ENIs in the private subnets directly
    # MWAA in private subnets without internet: its API, environment and ops endpoints, the Celery
    # queue (SQS), metrics and the worker image (ECR).
    "orchestration": ("airflow.api", "airflow.env", "airflow.ops", "sqs", "monitoring", "ecr.api", "ecr.dkr"),
    "serving": ("sagemaker.api", "sagemaker.runtime", "monitoring"),
}

REDSHIFT_ONLY_ENDPOINTS = ("secretsmanager", "redshift-serverless")


def interface_services(spec: PlatformSpec) -> list[str]:
    """The interface endpoint services the enabled domains need, deduplicated, in a stable order."""
    wanted = [svc for domain in spec.domains.enabled() for svc in INTERFACE_ENDPOINTS.get(domain, ())]
    if not spec.domains.warehouse.redshift:  # the Glue catalog and Athena only
        wanted = [svc for svc in wanted if svc not in REDSHIFT_ONLY_ENDPOINTS]
    return list(dict.fromkeys(wanted))


@dataclass(frozen=True)
class SubnetPlan:
    """The deterministic address plan: /prefix+4 blocks; private subnets first, the public one last."""

    private: list[tuple[str, str]]  # (availability zone, cidr)
    public: tuple[str, str]

    @staticmethod
    def of(cidr: str, region: str, az_count: int) -> SubnetPlan:
        net = ipaddress.IPv4Network(cidr)
        blocks = list(net.subnets(new_prefix=net.prefixlen + 4))
        private = [(f"{region}{AZ_LETTERS[i]}", str(blocks[i])) for i in range(az_count)]
        return SubnetPlan(private=private, public=(f"{region}{AZ_LETTERS[0]}", str(blocks[-1])))


def policy_json(*statements: dict[str, Any]) -> str:
    return json.dumps({"Version": "2012-10-17", "Statement": list(statements)})


class IamRole(Construct):
    """A role assumable by `services`, with one inline policy of `statements` (named resources only).

    Attributes: `role`, `policy`.
    """

    def __init__(
        self,
        scope: Construct,
        id_: str,
        *,
        name: str,
        services: list[str],
        statements: list[dict[str, Any]],
        description: str,
        trust_condition: dict[str, Any] | None = None,
    ) -> None:
        super().__init__(scope, id_)
        trust: dict[str, Any] = {
            "Sid": "TrustedServices",
            "Effect": "Allow",
            "Principal": {"Service": services if len(services) > 1 else services[0]},
            "Action": "sts:AssumeRole",
        }
        if trust_condition:
            trust["Condition"] = trust_condition
        self.role = IamRoleResource(
            self, "role", name=name, description=description, assume_role_policy=policy_json(trust)
        )
        self.policy = IamRolePolicy(
            self, "policy", name=f"{name}-access", role=self.role.id, policy=policy_json(*statements)
        )


class PrivateSecurityGroup(Construct):
    """A security group with no inline rules; its rules are separate resources with descriptions.

    `ingress`/`egress` entries: (description, protocol, port or None for all, source), where source is a
    CIDR, a prefix list id (`pl-...` or a token marked `prefix_list:`), or "self".
    """

    def __init__(
        self,
        scope: Construct,
        id_: str,
        *,
        name: str,
        description: str,
        vpc_id: str,
        ingress: list[tuple[str, str, int | None, str]],
        egress: list[tuple[str, str, int | None, str]],
    ) -> None:
        super().__init__(scope, id_)
        self.group = SecurityGroup(
            self,
            "group",
            name=name,
            description=description,
            vpc_id=vpc_id,
            revoke_rules_on_delete=True,
            lifecycle=TerraformResourceLifecycle(create_before_destroy=True),
        )
        for i, rule in enumerate(ingress):
            VpcSecurityGroupIngressRule(self, f"ingress_{i}", **self._rule(rule))
        for i, rule in enumerate(egress):
            VpcSecurityGroupEgressRule(self, f"egress_{i}", **self._rule(rule))

    def _rule(self, rule: tuple[str, str, int | None, str]) -> dict[str, Any]:
        description, protocol, port, source = rule
        args: dict[str, Any] = {
            "security_group_id": self.group.id,
            "description": description,
            "ip_protocol": protocol,
        }
        if port is not None:
            args.update(from_port=port, to_port=port)
        if source == "self":
            args["referenced_security_group_id"] = self.group.id
        elif source.startswith(PREFIX_LIST):
            args["prefix_list_id"] = source[len(PREFIX_LIST) :]
        else:
            args["cidr_ipv4"] = source
        return args


PREFIX_LIST = "prefix_list:"


class AwsNetwork(Construct):
    """The environment's VPC. Attributes: `vpc`, `private_subnets`, `private_route_tables`,
    `s3_endpoint`, `interface_endpoints` (service -> endpoint), `endpoints_sg`, `flow_log`,
    `flow_log_group`, `nat_gateway` (None without NAT)."""

    def __init__(self, scope: Construct, id_: str, *, spec: PlatformSpec, namer: Namer) -> None:
        super().__init__(scope, id_)
        settings = spec.domains.foundation
        aws = spec.clouds.aws
        assert aws is not None
        region = aws.region
        plan = SubnetPlan.of(settings.cidr, region, settings.az_count)
        name = namer.base("network")

        self.vpc = Vpc(
            self,
            "vpc",
            cidr_block=settings.cidr,
            enable_dns_support=True,
            enable_dns_hostnames=True,  # private DNS of interface endpoints needs both
            tags={"Name": name},
        )
        # Strip the default group of its allow-all rules: nothing may fall back to it.
        self.default_sg = DefaultSecurityGroup(self, "default_sg", vpc_id=self.vpc.id)

        self.private_subnets: list[Subnet] = []
        self.private_route_tables: list[RouteTable] = []
        for i, (az, cidr) in enumerate(plan.private):
            subnet = Subnet(
                self,
                f"private_{i}",
                vpc_id=self.vpc.id,
                cidr_block=cidr,
                availability_zone=az,
                map_public_ip_on_launch=False,
                tags={"Name": f"{name}-private-{az}", "tier": "private"},
            )
            table = RouteTable(
                self, f"private_rt_{i}", vpc_id=self.vpc.id, tags={"Name": f"{name}-private-{az}"}
            )
            RouteTableAssociation(self, f"private_rta_{i}", subnet_id=subnet.id, route_table_id=table.id)
            self.private_subnets.append(subnet)
            self.private_route_tables.append(table)

        self.nat_gateway: NatGateway | None = None
        if settings.nat_gateway:
            self._nat(name, plan)

        self.s3_endpoint = VpcEndpoint(
            self,
            "s3_endpoint",
            vpc_id=self.vpc.id,
            service_name=f"com.amazonaws.{region}.s3",
            vpc_endpoint_type="Gateway",
            route_table_ids=[t.id for t in self.private_route_tables],
            tags={"Name": f"{name}-s3"},
        )
        self.endpoints_sg = PrivateSecurityGroup(
            self,
            "endpoints_sg",
            name=f"{name}-endpoints",
            description=f"Interface endpoints of {name}: HTTPS from inside the VPC only",
            vpc_id=self.vpc.id,
            ingress=[("HTTPS from the VPC", "tcp", HTTPS, settings.cidr)],
            egress=[],
        )
        self.interface_endpoints: dict[str, VpcEndpoint] = {}
        for service in interface_services(spec):
            self.interface_endpoints[service] = VpcEndpoint(
                self,
                f"endpoint_{service.replace('.', '_').replace('-', '_')}",
                vpc_id=self.vpc.id,
                service_name=f"com.amazonaws.{region}.{service}",
                vpc_endpoint_type="Interface",
                private_dns_enabled=True,
                subnet_ids=[s.id for s in self.private_subnets],
                security_group_ids=[self.endpoints_sg.group.id],
                tags={"Name": f"{name}-{service}"},
            )
        self.name = name

    def _nat(self, name: str, plan: SubnetPlan) -> None:
        """One public subnet holding only the NAT gateway; private route tables default to it."""
        az, cidr = plan.public
        igw = InternetGateway(self, "igw", vpc_id=self.vpc.id, tags={"Name": name})
        public = Subnet(
            self,
            "public_nat",
            vpc_id=self.vpc.id,
            cidr_block=cidr,
            availability_zone=az,
            map_public_ip_on_launch=False,  # nothing but the NAT gateway (with its own EIP) lives here
            tags={"Name": f"{name}-public-nat", "tier": "public"},
        )
        public_rt = RouteTable(self, "public_rt", vpc_id=self.vpc.id, tags={"Name": f"{name}-public"})
        Route(
            self,
            "public_default",
            route_table_id=public_rt.id,
            destination_cidr_block="0.0.0.0/0",
            gateway_id=igw.id,
        )
        RouteTableAssociation(self, "public_rta", subnet_id=public.id, route_table_id=public_rt.id)
        eip = Eip(self, "nat_eip", domain="vpc", tags={"Name": f"{name}-nat"}, depends_on=[igw])
        self.nat_gateway = NatGateway(
            self,
            "nat",
            allocation_id=eip.id,
            subnet_id=public.id,
            tags={"Name": f"{name}-nat"},
            depends_on=[igw],
        )
        for i, table in enumerate(self.private_route_tables):
            Route(
                self,
                f"private_default_{i}",
                route_table_id=table.id,
                destination_cidr_block="0.0.0.0/0",
                nat_gateway_id=self.nat_gateway.id,
            )

    def add_flow_logs(self, spec: PlatformSpec, namer: Namer, logs_key_arn: str) -> None:
        """Flow logs of all traffic into a KMS-encrypted log group (the key is made after the VPC,
        because its policy names the account, read from the VPC's owner)."""
        name = self.name
        aws = spec.clouds.aws
        assert aws is not None
        partition = aws_partition(aws.region)
        self.flow_log_group = CloudwatchLogGroup(
            self,
            "flow_log_group",
            name=f"/aws/vpc/flow-logs/{name}",
            kms_key_id=logs_key_arn,
            retention_in_days=LOG_RETENTION_DAYS,
            lifecycle=TerraformResourceLifecycle(prevent_destroy=spec.protection.stateful),
        )
        group_arn = self.flow_log_group.arn
        self.flow_log_role = IamRole(
            self,
            "flow_log_role",
            name=namer.base("vpc-flow-logs"),
            description=f"VPC flow logs of {name} into their log group",
            services=["vpc-flow-logs.amazonaws.com"],
            trust_condition={
                "ArnLike": {"aws:SourceArn": f"arn:{partition}:ec2:{aws.region}:*:vpc-flow-log/*"}
            },
            statements=[
                {
                    "Sid": "WriteFlowLogs",
                    "Effect": "Allow",
                    "Action": [
                        "logs:CreateLogStream",
                        "logs:PutLogEvents",
                        "logs:DescribeLogGroups",
                        "logs:DescribeLogStreams",
                    ],
                    "Resource": [group_arn, f"{group_arn}:*"],
                }
            ],
        )
        self.flow_log = FlowLog(
            self,
            "flow_log",
            vpc_id=self.vpc.id,
            traffic_type="ALL",
            log_destination_type="cloud-watch-logs",
            log_destination=group_arn,
            iam_role_arn=self.flow_log_role.role.arn,
            max_aggregation_interval=60,
            tags={"Name": f"{name}-flow-log"},
        )
