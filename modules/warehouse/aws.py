"""AWS warehouse: Redshift Serverless (namespace + private workgroup), the Glue catalog of the lake zones
and an Athena workgroup writing encrypted results into the analytics bucket.

Inputs from the foundation stack (explicit, filled by the runner): `private_subnet_ids`, `vpc_id`,
`s3_prefix_list_id`, `warehouse_key_arn`, `data_key_arn`. Bucket names come from `blueprint.naming`.
"""

from __future__ import annotations

from cdktn_provider_aws.athena_workgroup import (
    AthenaWorkgroup,
    AthenaWorkgroupConfiguration,
    AthenaWorkgroupConfigurationResultConfiguration,
    AthenaWorkgroupConfigurationResultConfigurationEncryptionConfiguration,
)
from cdktn_provider_aws.glue_catalog_database import GlueCatalogDatabase
from cdktn_provider_aws.glue_data_catalog_encryption_settings import (
    GlueDataCatalogEncryptionSettings,
    GlueDataCatalogEncryptionSettingsDataCatalogEncryptionSettings,
    GlueDataCatalogEncryptionSettingsDataCatalogEncryptionSettingsConnectionPasswordEncryption,
    GlueDataCatalogEncryptionSettingsDataCatalogEncryptionSettingsEncryptionAtRest,
)
from cdktn_provider_aws.redshiftserverless_namespace import RedshiftserverlessNamespace
from cdktn_provider_aws.redshiftserverless_workgroup import (
    RedshiftserverlessWorkgroup,
    RedshiftserverlessWorkgroupConfigParameter,
)
from constructs import Construct

from blueprint.naming import Namer, aws_partition
from blueprint.spec import PlatformSpec
from modules.primitives.aws import HTTPS, PREFIX_LIST, IamRole, PrivateSecurityGroup
from modules.primitives.vocabulary import ZONES, input_from, output, protect

REDSHIFT_PORT = 5439
ATHENA_RESULTS_PREFIX = "athena-results/"
LOG_EXPORTS = ["userlog", "connectionlog", "useractivitylog"]
# Every workgroup parameter, at the service defaults except the two we mean: TLS required and user
# activity logged. Listing all of them keeps the provider from planning a diff on each run.
CONFIG_PARAMETERS = {
    "auto_mv": "true",
    "datestyle": "ISO, MDY",
    "enable_case_sensitive_identifier": "false",
    "enable_user_activity_logging": "true",
    "max_query_execution_time": "14400",
    "query_group": "default",
    "require_ssl": "true",
    "search_path": "$user, public",
    "use_fips_ssl": "false",
}


def glue_database_name(namer: Namer, zone: str) -> str:
    """Glue/Athena names: lowercase letters, digits and underscores."""
    return f"{namer.prefix}_{namer.env}_{zone}"


class AwsWarehouse(Construct):
    """Attributes: `namespace`, `workgroup`, `security_group`, `role`, `databases` (zone -> database),
    `catalog_encryption`, `athena`."""

    def __init__(self, scope: Construct, id_: str, *, spec: PlatformSpec, namer: Namer) -> None:
        super().__init__(scope, id_)
        settings = spec.domains.warehouse
        aws = spec.clouds.aws
        assert aws is not None
        partition, region = aws_partition(aws.region), aws.region
        data_key = input_from(self, "foundation", "data_key_arn")
        buckets = {zone: namer.s3_bucket("lake", zone) for zone in ZONES}
        databases = {zone: glue_database_name(namer, zone) for zone in ZONES}
        glue_arn = f"arn:{partition}:glue:{region}:*"
        name = namer.base("warehouse")

        self.role: IamRole | None = None
        self.namespace: RedshiftserverlessNamespace | None = None
        self.security_group: PrivateSecurityGroup | None = None
        self.workgroup: RedshiftserverlessWorkgroup | None = None
        if settings.aws.redshift:
            self._redshift(spec, namer, partition, data_key, buckets, databases, glue_arn)

        # The catalog's settings are per account and region: this environment owns its account.
        self.catalog_encryption = GlueDataCatalogEncryptionSettings(
            self,
            "catalog_encryption",
            data_catalog_encryption_settings=GlueDataCatalogEncryptionSettingsDataCatalogEncryptionSettings(
                encryption_at_rest=GlueDataCatalogEncryptionSettingsDataCatalogEncryptionSettingsEncryptionAtRest(
                    catalog_encryption_mode="SSE-KMS", sse_aws_kms_key_id=data_key
                ),
                connection_password_encryption=GlueDataCatalogEncryptionSettingsDataCatalogEncryptionSettingsConnectionPasswordEncryption(
                    return_connection_password_encrypted=True, aws_kms_key_id=data_key
                ),
            ),
        )
        self.databases: dict[str, GlueCatalogDatabase] = {}
        for zone in ZONES:
            self.databases[zone] = GlueCatalogDatabase(
                self,
                f"database_{zone}",
                name=databases[zone],
                description=f"{zone} zone of the {spec.name} lake (s3://{buckets[zone]}/)",
                location_uri=f"s3://{buckets[zone]}/",
                lifecycle=protect(spec.protection.stateful),
                depends_on=[self.catalog_encryption],
            )

        self.athena = AthenaWorkgroup(
            self,
            "athena",
            name=name,
            description=f"Athena on the {spec.name} lake; results encrypted in the analytics bucket",
            state="ENABLED",
            force_destroy=False,
            configuration=AthenaWorkgroupConfiguration(
                enforce_workgroup_configuration=True,
                publish_cloudwatch_metrics_enabled=True,
                result_configuration=AthenaWorkgroupConfigurationResultConfiguration(
                    output_location=f"s3://{buckets['analytics']}/{ATHENA_RESULTS_PREFIX}",
                    encryption_configuration=AthenaWorkgroupConfigurationResultConfigurationEncryptionConfiguration(
                        encryption_option="SSE_KMS", kms_key_arn=data_key
                    ),
                ),
            ),
        )
        output(self, "athena_workgroup", self.athena.name)
        output(self, "glue_databases", [d.name for d in self.databases.values()])

    def _redshift(
        self,
        spec: PlatformSpec,
        namer: Namer,
        partition: str,
        data_key: str,
        buckets: dict[str, str],
        databases: dict[str, str],
        glue_arn: str,
    ) -> None:
        """Redshift Serverless: namespace (key, managed admin secret, lake role, logs) and a private
        workgroup in the VPC."""
        foundation, settings = spec.domains.foundation, spec.domains.warehouse
        name = namer.base("warehouse")
        bucket_arns = [f"arn:{partition}:s3:::{b}" for b in buckets.values()]
        subnet_ids = input_from(self, "foundation", "private_subnet_ids", list_of_strings=True)
        vpc_id = input_from(self, "foundation", "vpc_id")
        s3_prefix_list = input_from(self, "foundation", "s3_prefix_list_id")
        warehouse_key = input_from(self, "foundation", "warehouse_key_arn")

        role = self.role = IamRole(
            self,
            "role",
            name=namer.base("warehouse-redshift"),
            description=f"Redshift Serverless {name}: COPY/UNLOAD and Spectrum on the lake zones",
            services=["redshift.amazonaws.com", "redshift-serverless.amazonaws.com"],
            statements=[
                {
                    "Sid": "ListLakeZones",
                    "Effect": "Allow",
                    "Action": ["s3:ListBucket", "s3:GetBucketLocation"],
                    "Resource": bucket_arns,
                },
                {
                    "Sid": "ReadLakeZones",
                    "Effect": "Allow",
                    "Action": ["s3:GetObject"],
                    "Resource": [f"{arn}/*" for arn in bucket_arns],
                },
                {
                    "Sid": "UnloadToCuratedAndAnalytics",
                    "Effect": "Allow",
                    "Action": ["s3:PutObject", "s3:DeleteObject"],
                    "Resource": [f"arn:{partition}:s3:::{buckets[z]}/*" for z in ("curated", "analytics")],
                },
                {
                    "Sid": "UseTheLakeDataKey",
                    "Effect": "Allow",
                    "Action": ["kms:Decrypt", "kms:GenerateDataKey", "kms:DescribeKey"],
                    "Resource": [data_key],
                },
                {
                    "Sid": "ReadTheLakeCatalog",
                    "Effect": "Allow",
                    "Action": [
                        "glue:GetDatabase",
                        "glue:GetDatabases",
                        "glue:GetTable",
                        "glue:GetTables",
                        "glue:GetPartition",
                        "glue:GetPartitions",
                    ],
                    "Resource": [
                        f"{glue_arn}:catalog",
                        *(f"{glue_arn}:database/{d}" for d in databases.values()),
                        *(f"{glue_arn}:table/{d}/*" for d in databases.values()),
                    ],
                },
            ],
        )
        self.namespace = RedshiftserverlessNamespace(
            self,
            "namespace",
            namespace_name=name,
            db_name="analytics",
            admin_username="platform_admin",
            manage_admin_password=True,  # the password lives in Secrets Manager, never in state
            admin_password_secret_kms_key_id=warehouse_key,
            kms_key_id=warehouse_key,
            iam_roles=[self.role.role.arn],
            default_iam_role_arn=self.role.role.arn,
            log_exports=LOG_EXPORTS,
            lifecycle=protect(spec.protection.stateful),
            depends_on=[self.role.policy],
        )
        self.security_group = PrivateSecurityGroup(
            self,
            "security_group",
            name=f"{name}-redshift",
            description=f"Redshift Serverless {name}: SQL from inside the VPC only",
            vpc_id=vpc_id,
            ingress=[("Redshift from the VPC", "tcp", REDSHIFT_PORT, foundation.cidr)],
            egress=[
                ("HTTPS to the VPC's interface endpoints", "tcp", HTTPS, foundation.cidr),
                ("HTTPS to S3 through the gateway endpoint", "tcp", HTTPS, f"{PREFIX_LIST}{s3_prefix_list}"),
            ],
        )
        self.workgroup = RedshiftserverlessWorkgroup(
            self,
            "workgroup",
            namespace_name=self.namespace.namespace_name,
            workgroup_name=name,
            base_capacity=settings.aws.base_capacity_rpu,
            publicly_accessible=False,
            enhanced_vpc_routing=True,  # COPY/UNLOAD traffic stays in the VPC (S3 gateway endpoint)
            subnet_ids=subnet_ids,
            security_group_ids=[self.security_group.group.id],
            port=REDSHIFT_PORT,
            config_parameter=[
                RedshiftserverlessWorkgroupConfigParameter(parameter_key=k, parameter_value=v)
                for k, v in CONFIG_PARAMETERS.items()
            ],
        )
        output(self, "namespace_name", self.namespace.namespace_name)
        output(self, "workgroup_name", self.workgroup.workgroup_name)
        output(self, "admin_secret_arn", self.namespace.admin_password_secret_arn)
        output(self, "redshift_role_arn", role.role.arn)
