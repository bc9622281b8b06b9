"""AWS network of an environment: a VPC with private subnets only (plus one public subnet when a NAT
gateway is wanted), an S3 gateway endpoint, interface endpoints for the services the enabled domains
call, VPC flow logs to an encrypted log group, and the default security group stripped of its rules.
"""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass

from cdktn_provider_aws.cloudwatch_log_group import CloudwatchLogGroup
from cdktn_provider_aws.default_security_group import DefaultSecurityGroup
from cdktn_provider_aws.eip import Eip
from cdktn_provider_aws.flow_log import FlowLog
from cdktn_provider_aws.internet_gateway import InternetGateway
from cdktn_provider_aws.nat_gateway import NatGateway
from cdktn_provider_aws.route import Route
from cdktn_provider_aws.route_table import RouteTable
from cdktn_provider_aws.route_table_association import RouteTableAssociation
from cdktn_provider_aws.subnet import Subnet
from cdktn_provider_aws.vpc import Vpc
from cdktn_provider_aws.vpc_endpoint import VpcEndpoint
from constructs import Construct

from blueprint.naming import Namer, aws_partition
from blueprint.spec import PlatformSpec
from modules.primitives.aws import HTTPS, LOG_RETENTION_DAYS, IamRole, PrivateSecurityGroup
from modules.primitives.vocabulary import protect

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
    if not spec.domains.warehouse.aws.redshift:  # the Glue catalog and Athena only
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
            lifecycle=protect(spec.protection.stateful),
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
