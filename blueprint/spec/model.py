"""The model of an environment file: `PlatformSpec` and its parts (pydantic, validated on load).

A validator that finds a problem raises `Problem` with (field, what is wrong, fix); the loader turns it
into a `SpecError` naming the file.
The vocabulary is shared by all clouds: tags, protection, customer-managed keys, private networking.
"""

from __future__ import annotations

import ipaddress
import re
from typing import Annotated, Any, Literal, overload

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from blueprint.errors import BlueprintError
from blueprint.spec.vocabulary import (
    AWS_REGION_PATTERN,
    AZURE_LOCATION_PATTERN,
    CLOUDS,
    DOMAINS,
    ENV_NAME_PATTERN,
    EVENT_HUBS_PREMIUM_UNITS,
    GCP_PROJECT_PATTERN,
    GCP_REGION_PATTERN,
    LABEL_KEY_PATTERN,
    LABEL_VALUE_PATTERN,
    PREFIX_PATTERN,
    REDSHIFT_MIN_AZS,
    RESERVED_NAME_PARTS,
    UUID_PATTERN,
    Cloud,
    DataClassification,
)


class Problem(ValueError):
    """A validation problem that knows its field (relative to the validated model) and its fix."""

    def __init__(self, *items: tuple[str, str, str]) -> None:
        self.items = list(items)  # (field, what is wrong, fix)
        super().__init__("; ".join(f"{f}: {w}" for f, w, _ in self.items))


def _renamed(data: Any, domain: str, moves: dict[str, str]) -> Any:
    """Refuse a setting written with its old, cloud-mixed spelling, naming the new one (the shipped
    environments were migrated; the schema documents the per-cloud keys)."""
    if isinstance(data, dict):
        found = [(old, new) for old, new in moves.items() if old in data]
        if found:
            raise Problem(
                *(
                    (old, f"was renamed to domains.{domain}.{new}", f"move it under the cloud key: {new}")
                    for old, new in found
                )
            )
    return data


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, str_strip_whitespace=False)


class AwsCloud(_Model):
    """AWS account and region of the environment."""

    enabled: bool = Field(True, description="Synthesize and deploy AWS stacks for this environment.")
    account_alias: str = Field(
        ..., pattern=r"^[a-z0-9][a-z0-9-]{1,61}[a-z0-9]$", description="Account alias, e.g. acme-dev."
    )
    account_id: str | None = Field(
        None, pattern=r"^[0-9]{12}$", description="12-digit account id; deploys refuse any other account."
    )
    region: str = Field(..., pattern=AWS_REGION_PATTERN, description="AWS region, e.g. eu-west-1.")
    emulator: bool = Field(False, description="Target the embedded emulator on 127.0.0.1 (local only).")


class GcpCloud(_Model):
    """GCP project and region of the environment."""

    enabled: bool = Field(False, description="Synthesize GCP stacks for this environment.")
    project: str = Field(..., pattern=GCP_PROJECT_PATTERN, description="Project id, e.g. acme-data-dev.")
    region: str = Field(..., pattern=GCP_REGION_PATTERN, description="GCP region, e.g. europe-west1.")


class AzureCloud(_Model):
    """Azure subscription and location of the environment."""

    enabled: bool = Field(False, description="Synthesize Azure stacks for this environment.")
    subscription: str = Field(..., pattern=UUID_PATTERN, description="Subscription id (a lowercase UUID).")
    location: str = Field(..., pattern=AZURE_LOCATION_PATTERN, description="Azure location, e.g. westeurope.")


class Clouds(_Model):
    aws: AwsCloud | None = None
    gcp: GcpCloud | None = None
    azure: AzureCloud | None = None

    def enabled(self) -> list[Cloud]:
        return [c for c in CLOUDS if (cfg := getattr(self, c)) is not None and cfg.enabled]

    @overload
    def require(self, cloud: Literal["aws"]) -> AwsCloud: ...
    @overload
    def require(self, cloud: Literal["gcp"]) -> GcpCloud: ...
    @overload
    def require(self, cloud: Literal["azure"]) -> AzureCloud: ...
    def require(self, cloud: str) -> AwsCloud | GcpCloud | AzureCloud:
        """The settings of an enabled cloud; a clear error when the environment does not enable it."""
        settings = getattr(self, cloud, None) if cloud in CLOUDS else None
        if settings is None or not settings.enabled:
            raise BlueprintError(
                f"the environment does not enable clouds.{cloud}",
                fix=f"set clouds.{cloud}.enabled: true in the environment file, or choose another --cloud",
            )
        return settings  # type: ignore[no-any-return]


class Tags(_Model):
    """Tags (AWS, Azure) and labels (GCP) put on every resource. Values must be legal GCP labels."""

    model_config = ConfigDict(extra="allow", frozen=True)

    owner: str = Field(..., pattern=LABEL_VALUE_PATTERN, min_length=1, description="Owning team.")
    cost_center: str = Field(..., pattern=LABEL_VALUE_PATTERN, min_length=1, description="Cost center code.")
    environment: str = Field(..., pattern=LABEL_VALUE_PATTERN, min_length=1, description="The env name.")
    data_classification: DataClassification = Field(..., description="Highest class of data stored.")

    @model_validator(mode="after")
    def _extra_tags_are_labels(self) -> Tags:
        for key, value in (self.model_extra or {}).items():
            label_fix = "use lowercase letters, digits, '_' or '-' (tags are also GCP labels)"
            if not isinstance(value, str) or not re.match(LABEL_VALUE_PATTERN, value):
                raise Problem((str(key), f"tag value {value!r} is not a legal label value", label_fix))
            if not re.match(LABEL_KEY_PATTERN, key):
                raise Problem(
                    (str(key), "tag key must start with a lowercase letter: [a-z][a-z0-9_-]*", label_fix)
                )
        return self

    def as_dict(self) -> dict[str, str]:
        return {k: str(v) for k, v in self.model_dump().items()}


class Protection(_Model):
    """Protection of stateful resources (buckets, keys, databases)."""

    stateful: bool = Field(
        True, description="prevent_destroy / deletion protection on stateful resources; off only in local."
    )


class Promotion(_Model):
    """Where a change tested here goes next: dev -> staging -> prod."""

    next: str | None = Field(None, pattern=ENV_NAME_PATTERN, description="Environment promoted to next.")


class FoundationDomain(_Model):
    enabled: bool = True
    az_count: int = Field(2, ge=1, le=6, description="Availability zones for private subnets.")
    nat_gateway: bool = Field(False, description="NAT gateway for private subnets' egress.")
    key_deletion_window_days: int = Field(30, ge=7, le=30, description="KMS key deletion waiting period.")
    cidr: str = Field(
        "10.0.0.0/16",
        pattern=r"^\d{1,3}(\.\d{1,3}){3}/\d{1,2}$",
        description="Private IPv4 range of the environment's network (VPC / VNet / VPC subnets), /16 to /20.",
    )

    @field_validator("cidr")
    @classmethod
    def _private_cidr(cls, value: str) -> str:
        try:
            net = ipaddress.IPv4Network(value)
        except ValueError as exc:
            raise Problem(
                ("", f"{value!r} is not a network address ({exc})", "write it like 10.0.0.0/16")
            ) from None
        if not net.is_private or not 16 <= net.prefixlen <= 20:
            raise Problem(("", f"{value} must be a private range of /16 to /20", "use e.g. 10.20.0.0/16"))
        return value


class LakeDomain(_Model):
    enabled: bool = True
    abort_incomplete_upload_days: int = Field(7, ge=1, le=365, description="Abort incomplete uploads after.")
    noncurrent_version_expiration_days: int = Field(
        90, ge=1, le=3650, description="Delete non-current object versions after."
    )
    transition_to_ia_days: int = Field(
        30, ge=30, le=3650, description="Move objects to STANDARD_IA after (S3 requires >= 30)."
    )
    transition_to_archive_days: int = Field(
        180, ge=31, le=3650, description="Move objects to GLACIER_IR after; must exceed the IA transition."
    )
    access_log_retention_days: int = Field(365, ge=1, le=3650, description="Expire access logs after.")

    @model_validator(mode="after")
    def _archive_after_ia(self) -> LakeDomain:
        if self.transition_to_archive_days < self.transition_to_ia_days + 30:
            raise Problem(
                (
                    "transition_to_archive_days",
                    "must be at least 30 days after transition_to_ia_days "
                    f"(got {self.transition_to_archive_days} vs {self.transition_to_ia_days})",
                    "raise transition_to_archive_days or lower transition_to_ia_days",
                )
            )
        return self


class WarehouseAws(_Model):
    """The warehouse on AWS."""

    redshift: bool = Field(
        True,
        description="Redshift Serverless. Off: the Glue catalog and Athena only, e.g. on the emulator, "
        "which has no Redshift Serverless.",
    )
    base_capacity_rpu: int = Field(8, ge=8, le=1024, description="Redshift Serverless base capacity (RPU).")


class WarehouseGcp(_Model):
    """The warehouse on GCP (BigQuery)."""

    table_expiration_days: int | None = Field(
        None,
        ge=1,
        le=3650,
        description="Default expiration of new tables; for scratch data in non-prod. None: never.",
    )


class WarehouseDomain(_Model):
    """The warehouse. Cloud-specific settings live under the cloud's key (`aws:`, `gcp:`)."""

    enabled: bool = False
    aws: WarehouseAws = WarehouseAws()
    gcp: WarehouseGcp = WarehouseGcp()

    @model_validator(mode="before")
    @classmethod
    def _old_spelling(cls, data: Any) -> Any:
        return _renamed(
            data,
            "warehouse",
            {
                "redshift": "aws.redshift",
                "base_capacity_rpu": "aws.base_capacity_rpu",
                "table_expiration_days": "gcp.table_expiration_days",
            },
        )


class KafkaTopic(_Model):
    """A topic, declared once: created by Terraform where it can (GCP Managed Kafka, Event Hubs) and by
    the bootstrap job on MSK and the local broker."""

    name: str = Field(
        ...,
        pattern=r"^[a-z0-9]([a-z0-9._-]{0,62}[a-z0-9])?$",
        description="Topic name: lowercase letters, digits, '.', '_' or '-'; legal on every cloud.",
    )
    partitions: int = Field(3, ge=1, le=100)
    replication_factor: int = Field(
        3, ge=1, le=5, description="Replicas (MSK, GCP); Event Hubs manages its own."
    )
    retention_hours: int = Field(168, ge=1, le=2160, description="Keep messages this long.")
    cleanup_policy: Literal["delete", "compact"] = "delete"


class StreamingAws(_Model):
    """Kafka on AWS (MSK): the broker size when `mode: provisioned`."""

    broker_instance_type: str = Field("kafka.m7g.large", description="Broker instance type (provisioned).")
    brokers_per_az: int = Field(1, ge=1, le=10, description="Brokers per availability zone (provisioned).")
    broker_volume_gib: int = Field(100, ge=1, le=16384, description="EBS storage per broker (provisioned).")


class StreamingGcp(_Model):
    """Kafka on GCP (Managed Kafka), always sized by capacity."""

    vcpu_count: int = Field(3, ge=3, le=1000, description="Cluster capacity: vCPUs.")
    memory_gib: int = Field(12, ge=3, le=8000, description="Cluster capacity: memory (1-8 GiB per vCPU).")

    @model_validator(mode="after")
    def _memory_per_vcpu(self) -> StreamingGcp:
        if not self.memory_gib <= 8 * self.vcpu_count or self.memory_gib < self.vcpu_count:
            raise Problem(
                (
                    "memory_gib",
                    f"{self.memory_gib} GiB for {self.vcpu_count} vCPUs; GCP Kafka needs 1-8 GiB per vCPU",
                    f"use between {self.vcpu_count} and {8 * self.vcpu_count}",
                )
            )
        return self


class StreamingAzure(_Model):
    """Kafka on Azure (Event Hubs)."""

    capacity_units: int = Field(
        1, ge=1, le=40, description="Throughput units (Standard, serverless) or processing units (Premium)."
    )


class StreamingDomain(_Model):
    """Kafka. `mode` and the topics are shared; sizes live under the cloud's key."""

    enabled: bool = False
    mode: Literal["serverless", "provisioned"] = Field(
        "serverless",
        description="serverless: MSK Serverless / Event Hubs Standard; provisioned: MSK brokers / Event Hubs "
        "Premium. GCP Managed Kafka is always sized by gcp.vcpu_count and gcp.memory_gib.",
    )
    aws: StreamingAws = StreamingAws()
    gcp: StreamingGcp = StreamingGcp()
    azure: StreamingAzure = StreamingAzure()
    topics: list[KafkaTopic] = Field(default_factory=list, description="Topics of the platform.")

    @model_validator(mode="before")
    @classmethod
    def _old_spelling(cls, data: Any) -> Any:
        return _renamed(
            data,
            "streaming",
            {
                "broker_instance_type": "aws.broker_instance_type",
                "brokers_per_az": "aws.brokers_per_az",
                "broker_volume_gib": "aws.broker_volume_gib",
                "vcpu_count": "gcp.vcpu_count",
                "memory_gib": "gcp.memory_gib",
                "capacity_units": "azure.capacity_units",
            },
        )

    @model_validator(mode="after")
    def _topics_fit(self) -> StreamingDomain:
        problems: list[tuple[str, str, str]] = []
        seen: set[str] = set()
        for i, topic in enumerate(self.topics):
            where = f"topics.{i}"
            if topic.name in seen:
                problems.append((f"{where}.name", f"topic {topic.name!r} is declared twice", "remove one"))
            seen.add(topic.name)
            if self.mode == "serverless":
                if topic.partitions > 32:
                    problems.append(
                        (
                            f"{where}.partitions",
                            f"{topic.partitions} partitions; Event Hubs Standard (serverless) allows 32",
                            "use at most 32 partitions or set mode: provisioned",
                        )
                    )
                if topic.retention_hours > 168:
                    problems.append(
                        (
                            f"{where}.retention_hours",
                            f"{topic.retention_hours} h; Event Hubs Standard keeps at most 7 days",
                            "use at most 168 or set mode: provisioned",
                        )
                    )
                if topic.cleanup_policy == "compact":
                    problems.append(
                        (
                            f"{where}.cleanup_policy",
                            "compaction needs Event Hubs Premium; serverless mode cannot honour it",
                            "use cleanup_policy: delete or set mode: provisioned",
                        )
                    )
        if problems:
            raise Problem(*problems)
        return self


class OrchestrationDomain(_Model):
    enabled: bool = False
    environment_class: Literal[
        "mw1.micro", "mw1.small", "mw1.medium", "mw1.large", "mw1.xlarge", "mw1.2xlarge"
    ] = Field("mw1.small", description="Airflow size (MWAA class; Composer uses the nearest size).")
    max_workers: int = Field(2, ge=1, le=25)


class ServingAws(_Model):
    """Model endpoints on AWS (SageMaker)."""

    instance_type: str = Field("ml.m5.large", description="Endpoint instance type.")


class ServingGcp(_Model):
    """Model endpoints on GCP (Vertex AI)."""

    machine_type: str = Field("n1-standard-4", description="Endpoint machine type.")


class ServingAzure(_Model):
    """Model endpoints on Azure (Azure ML)."""

    instance_type: str = Field("Standard_DS3_v2", description="Online endpoint instance SKU.")


class ServingDomain(_Model):
    """Model endpoints. The replica range is shared; sizes live under the cloud's key."""

    enabled: bool = False
    min_capacity: int = Field(1, ge=1, le=100)
    max_capacity: int = Field(2, ge=1, le=100)
    aws: ServingAws = ServingAws()
    gcp: ServingGcp = ServingGcp()
    azure: ServingAzure = ServingAzure()

    @model_validator(mode="before")
    @classmethod
    def _old_spelling(cls, data: Any) -> Any:
        return _renamed(
            data,
            "serving",
            {
                "instance_type": "aws.instance_type",
                "gcp_machine_type": "gcp.machine_type",
                "azure_instance_type": "azure.instance_type",
            },
        )

    @model_validator(mode="after")
    def _capacity_order(self) -> ServingDomain:
        if self.min_capacity > self.max_capacity:
            raise Problem(
                (
                    "max_capacity",
                    f"is {self.max_capacity}, below min_capacity {self.min_capacity}",
                    "set max_capacity >= min_capacity",
                )
            )
        return self


class Domains(_Model):
    foundation: FoundationDomain = FoundationDomain()
    lake: LakeDomain = LakeDomain()
    warehouse: WarehouseDomain = WarehouseDomain()
    streaming: StreamingDomain = StreamingDomain()
    orchestration: OrchestrationDomain = OrchestrationDomain()
    serving: ServingDomain = ServingDomain()

    def enabled(self) -> list[str]:
        return [d for d in DOMAINS if getattr(self, d).enabled]


class PlatformSpec(_Model):
    """One environment of the platform, as written in `environments/<name>.yaml`."""

    name: Annotated[str, Field(pattern=ENV_NAME_PATTERN, description="Environment name = file stem.")]
    prefix: Annotated[
        str, Field(pattern=PREFIX_PATTERN, description="Short org prefix of every name, e.g. acme.")
    ]
    clouds: Clouds
    tags: Tags
    protection: Protection = Protection()
    promotion: Promotion = Promotion()
    domains: Domains = Domains()

    @field_validator("prefix", "name")
    @classmethod
    def _no_reserved_words(cls, value: str) -> str:
        for part in RESERVED_NAME_PARTS:
            if part in value:
                raise Problem(
                    (
                        "",
                        f"{value!r} contains {part!r}, which bucket names on S3 or GCS may not use",
                        "choose a name without reserved words (goog, g00g, sthree, amzn, aws, xn--)",
                    )
                )
        return value

    @model_validator(mode="after")
    def _consistent(self) -> PlatformSpec:
        problems: list[tuple[str, str, str]] = []
        if not self.clouds.enabled():
            problems.append(("clouds", "no cloud is enabled", "set clouds.aws.enabled: true (or gcp/azure)"))
        if self.tags.environment != self.name:
            problems.append(
                (
                    "tags.environment",
                    f"is {self.tags.environment!r} but name is {self.name!r}",
                    f"set tags.environment: {self.name}",
                )
            )
        aws = self.clouds.aws
        if aws is not None and aws.emulator and (set(self.clouds.enabled()) - {"aws"}):
            problems.append(
                (
                    "clouds.aws.emulator",
                    "the emulator environment is AWS only, but gcp or azure is enabled",
                    "set clouds.gcp.enabled and clouds.azure.enabled to false, or clouds.aws.emulator: false",
                )
            )
        streaming = self.domains.streaming
        if (
            "azure" in self.clouds.enabled()
            and streaming.enabled
            and streaming.mode == "provisioned"
            and streaming.azure.capacity_units not in EVENT_HUBS_PREMIUM_UNITS
        ):
            problems.append(
                (
                    "domains.streaming.azure.capacity_units",
                    f"is {streaming.azure.capacity_units}; Event Hubs Premium (provisioned mode on Azure) "
                    f"takes {', '.join(map(str, EVENT_HUBS_PREMIUM_UNITS))} processing units",
                    "use one of those values",
                )
            )
        if (
            "aws" in self.clouds.enabled()
            and self.domains.warehouse.enabled
            and self.domains.warehouse.aws.redshift
            and self.domains.foundation.az_count < REDSHIFT_MIN_AZS
        ):
            problems.append(
                (
                    "domains.foundation.az_count",
                    f"is {self.domains.foundation.az_count}, but a Redshift Serverless workgroup needs "
                    f"private subnets in {REDSHIFT_MIN_AZS} availability zones",
                    f"set domains.foundation.az_count: {REDSHIFT_MIN_AZS}, "
                    "or domains.warehouse.aws.redshift: false",
                )
            )
        if self.domains.enabled() and "foundation" not in self.domains.enabled():
            problems.append(
                (
                    "domains.foundation.enabled",
                    "is false but the other domains use its keys and log bucket",
                    "set domains.foundation.enabled: true",
                )
            )
        if self.promotion.next == self.name:
            problems.append(
                ("promotion.next", "names this environment itself", "name the next environment, or remove it")
            )
        if problems:
            raise Problem(*problems)
        return self

    @property
    def emulated(self) -> bool:
        return self.clouds.aws is not None and self.clouds.aws.emulator
