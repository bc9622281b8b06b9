"""The environment spec: `environments/<env>.yaml` parsed into a validated `PlatformSpec`.

Every error names the file, the field path, what was wrong and the fix (see `SpecError`).
The vocabulary is shared by all clouds: tags, protection, customer-managed keys, private networking.
"""

from __future__ import annotations

import ipaddress
import json
import re
from pathlib import Path
from typing import Annotated, Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from blueprint.errors import BlueprintError, SpecError

ENVIRONMENTS_DIR = Path(__file__).resolve().parent.parent / "environments"
MAX_SPEC_BYTES = 256 * 1024  # an environment file is a page of YAML; anything bigger is a mistake

PREFIX_PATTERN = r"^[a-z][a-z0-9]{1,9}$"
ENV_NAME_PATTERN = r"^[a-z][a-z0-9]{1,9}$"
AWS_REGION_PATTERN = r"^[a-z]{2}(-gov|-iso[a-z]?)?-[a-z]+-[0-9]$"
GCP_REGION_PATTERN = r"^[a-z]+-[a-z]+[0-9]$"
GCP_PROJECT_PATTERN = r"^[a-z][a-z0-9-]{4,28}[a-z0-9]$"
AZURE_LOCATION_PATTERN = r"^[a-z][a-z0-9]{2,30}$"
UUID_PATTERN = r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$"
# Tags must be legal GCP labels too (the strictest of the three clouds), so one tag means one thing.
LABEL_KEY_PATTERN = r"^[a-z][a-z0-9_-]{0,62}$"
LABEL_VALUE_PATTERN = r"^[a-z0-9_-]{0,63}$"
RESERVED_NAME_PARTS = ("goog", "g00g", "sthree", "amzn", "xn--", "aws")
DataClassification = Literal["public", "internal", "confidential", "restricted"]
Cloud = Literal["aws", "gcp", "azure"]
CLOUDS: tuple[Cloud, ...] = ("aws", "gcp", "azure")
EVENT_HUBS_PREMIUM_UNITS = (1, 2, 4, 8, 16)
REDSHIFT_MIN_AZS = 3  # a Redshift Serverless workgroup needs subnets in three availability zones
DOMAINS = ("foundation", "lake", "warehouse", "streaming", "orchestration", "serving")
# One provider pin per cloud, written once. aws is the version of the offline mirror that CI validates.
# google and azurerm are the versions the pinned bindings were generated for (no mirror offline).
PROVIDER_PINS: dict[str, tuple[str, str]] = {
    "aws": ("hashicorp/aws", "5.100.0"),
    "gcp": ("hashicorp/google", "8.7.0"),
    "azure": ("hashicorp/azurerm", "5.10.0"),
}


class Problem(ValueError):
    """A validation problem that knows its field (relative to the validated model) and its fix."""

    def __init__(self, *items: tuple[str, str, str]) -> None:
        self.items = list(items)  # (field, what is wrong, fix)
        super().__init__("; ".join(f"{f}: {w}" for f, w, _ in self.items))


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


class WarehouseDomain(_Model):
    enabled: bool = False
    base_capacity_rpu: int = Field(8, ge=8, le=1024, description="Redshift Serverless base capacity (RPU).")
    redshift: bool = Field(
        True,
        description="Redshift Serverless (AWS). Off: the Glue catalog and Athena only, e.g. on the emulator, "
        "which has no Redshift Serverless.",
    )
    table_expiration_days: int | None = Field(
        None,
        ge=1,
        le=3650,
        description="Default expiration of new tables (BigQuery); for scratch data in non-prod. None: never.",
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


class StreamingDomain(_Model):
    enabled: bool = False
    mode: Literal["serverless", "provisioned"] = Field(
        "serverless",
        description="serverless: MSK Serverless / Event Hubs Standard; provisioned: MSK brokers / Event Hubs "
        "Premium. GCP Managed Kafka is always sized by vcpu_count and memory_gib.",
    )
    broker_instance_type: str = Field("kafka.m7g.large", description="Broker size when provisioned.")
    brokers_per_az: int = Field(1, ge=1, le=10)
    broker_volume_gib: int = Field(
        100, ge=1, le=16384, description="EBS storage per broker (MSK provisioned)."
    )
    vcpu_count: int = Field(3, ge=3, le=1000, description="GCP Managed Kafka capacity: vCPUs.")
    memory_gib: int = Field(
        12, ge=3, le=8000, description="GCP Managed Kafka capacity: memory (1-8 GiB/vCPU)."
    )
    capacity_units: int = Field(
        1, ge=1, le=40, description="Event Hubs throughput units (Standard) or processing units (Premium)."
    )
    topics: list[KafkaTopic] = Field(default_factory=list, description="Topics of the platform.")

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
        if not self.memory_gib <= 8 * self.vcpu_count or self.memory_gib < self.vcpu_count:
            problems.append(
                (
                    "memory_gib",
                    f"{self.memory_gib} GiB for {self.vcpu_count} vCPUs; GCP Kafka needs 1-8 GiB per vCPU",
                    f"use between {self.vcpu_count} and {8 * self.vcpu_count}",
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


class ServingDomain(_Model):
    enabled: bool = False
    instance_type: str = Field("ml.m5.large", description="SageMaker endpoint instance type (AWS).")
    gcp_machine_type: str = Field("n1-standard-4", description="Vertex AI endpoint machine type (GCP).")
    azure_instance_type: str = Field("Standard_DS3_v2", description="Online endpoint instance SKU (Azure).")
    min_capacity: int = Field(1, ge=1, le=100)
    max_capacity: int = Field(2, ge=1, le=100)

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
            and streaming.capacity_units not in EVENT_HUBS_PREMIUM_UNITS
        ):
            problems.append(
                (
                    "domains.streaming.capacity_units",
                    f"is {streaming.capacity_units}; Event Hubs Premium (provisioned mode on Azure) "
                    f"takes {', '.join(map(str, EVENT_HUBS_PREMIUM_UNITS))} processing units",
                    "use one of those values",
                )
            )
        if (
            "aws" in self.clouds.enabled()
            and self.domains.warehouse.enabled
            and self.domains.warehouse.redshift
            and self.domains.foundation.az_count < REDSHIFT_MIN_AZS
        ):
            problems.append(
                (
                    "domains.foundation.az_count",
                    f"is {self.domains.foundation.az_count}, but a Redshift Serverless workgroup needs "
                    f"private subnets in {REDSHIFT_MIN_AZS} availability zones",
                    f"set domains.foundation.az_count: {REDSHIFT_MIN_AZS}, "
                    "or domains.warehouse.redshift: false",
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


# ---------------------------------------------------------------------------------------------------
# Loading


class _UniqueKeyLoader(yaml.SafeLoader):
    """SafeLoader that refuses duplicate keys instead of silently keeping the last one."""


def _construct_mapping(
    loader: _UniqueKeyLoader, node: yaml.MappingNode, deep: bool = False
) -> dict[Any, Any]:
    seen: dict[Any, int] = {}
    for key_node, _ in node.value:
        key = loader.construct_object(key_node, deep=deep)
        try:
            hash(key)
        except TypeError:
            raise yaml.constructor.ConstructorError(
                "while constructing a mapping", node.start_mark, "found unhashable key", key_node.start_mark
            ) from None
        if key in seen:
            raise yaml.constructor.ConstructorError(
                None,
                None,
                f"duplicate key {key!r} (first on line {seen[key] + 1})",
                key_node.start_mark,
            )
        seen[key] = key_node.start_mark.line
    return loader.construct_mapping(node, deep=deep)


_UniqueKeyLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_mapping)

_FIXES = {
    "missing": "add the field",
    "extra_forbidden": "remove it or check its spelling (see environments/schema.json)",
    "string_pattern_mismatch": "use a value matching the pattern",
    "literal_error": "use one of the allowed values",
    "bool_type": "use true or false",
    "bool_parsing": "use true or false",
    "int_type": "use a whole number",
    "int_parsing": "use a whole number",
    "int_from_float": "use a whole number",
    "string_type": "use a quoted string",
    "model_type": "use a mapping (key: value lines)",
    "dict_type": "use a mapping (key: value lines)",
    "greater_than_equal": "raise the value",
    "less_than_equal": "lower the value",
    "string_too_short": "use a non-empty value",
}


def _field_path(loc: tuple[int | str, ...]) -> str:
    return ".".join(str(p) for p in loc) or "(top level)"


def _describe(err: Any) -> list[tuple[str, str, str]]:
    loc = tuple(err["loc"])
    field = _field_path(loc)
    kind = err["type"]
    given = err.get("input")
    ctx = err.get("ctx") or {}
    problem = ctx.get("error")
    if kind == "value_error" and isinstance(problem, Problem):
        return [(_field_path((*loc, *([f] if f else []))), what, fix) for f, what, fix in problem.items]
    if kind == "value_error":
        return [(field, str(problem or err["msg"]), "correct the value")]
    what = err["msg"]
    if kind not in ("missing",) and given is not None and not isinstance(given, dict | list):
        what = f"{what} (got {given!r})"
    fix = _FIXES.get(kind, "correct the value")
    if kind == "string_pattern_mismatch":
        fix = f"use a value matching {ctx.get('pattern')}"
    elif kind == "literal_error":
        fix = f"use one of {ctx.get('expected')}"
    elif kind in ("greater_than_equal", "less_than_equal"):
        bound = ctx.get("ge", ctx.get("le"))
        fix = f"use a value {'>=' if kind == 'greater_than_equal' else '<='} {bound}"
    elif kind == "missing":
        fix = f"add `{loc[-1]}:` under {_field_path(loc[:-1])}" if len(loc) > 1 else f"add `{loc[-1]}:`"
    return [(field, what, fix)]


def _read_yaml(path: Path) -> Any:
    shown = _display(path)
    if not path.is_file():
        raise SpecError(shown, [("(file)", "file not found", f"create {shown} or pass an existing --env")])
    size = path.stat().st_size
    if size > MAX_SPEC_BYTES:
        raise SpecError(
            shown,
            [("(file)", f"file is {size} bytes, over the {MAX_SPEC_BYTES}-byte limit", "trim the file")],
        )
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError as exc:
        raise SpecError(
            shown, [("(file)", f"not UTF-8 text ({exc.reason})", "save the file as UTF-8")]
        ) from None
    try:
        return yaml.load(text, Loader=_UniqueKeyLoader)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark
        where = f"line {mark.line + 1}, column {mark.column + 1}" if mark else "unknown position"
        problem = exc.problem or str(exc)
        return _raise_yaml(shown, where, problem)
    except yaml.YAMLError as exc:
        return _raise_yaml(shown, "unknown position", str(exc))
    except RecursionError:
        return _raise_yaml(shown, "unknown position", "the file is nested too deeply")
    except (ValueError, TypeError, AttributeError, OverflowError) as exc:
        # SafeConstructor lets these escape for values like 2001-13-45, !!int abc, a 5000-digit number.
        return _raise_yaml(shown, "unknown position", f"a value cannot be read: {str(exc)[:200]}")


def _raise_yaml(shown: str, where: str, problem: str) -> Any:
    raise SpecError(shown, [(f"({where})", f"YAML syntax error: {problem}", "fix the YAML at that position")])


def _display(path: Path) -> str:
    try:
        return str(path.resolve().relative_to(Path.cwd()))
    except ValueError:
        return str(path)


def load_spec(path: Path | str) -> PlatformSpec:
    """Load and validate one environment file; raises `SpecError` naming file, field and fix."""
    path = Path(path)
    shown = _display(path)
    data = _read_yaml(path)
    if data is None:
        raise SpecError(shown, [("(file)", "file is empty", "start from environments/dev.yaml")])
    if not isinstance(data, dict):
        raise SpecError(
            shown, [("(top level)", f"expected a mapping, got {type(data).__name__}", "use key: value")]
        )
    try:
        spec = PlatformSpec.model_validate(data)
    except ValidationError as exc:
        raise SpecError(shown, [item for e in exc.errors() for item in _describe(e)]) from None
    if spec.name != path.stem:
        raise SpecError(
            shown, [("name", f"is {spec.name!r} but the file is {path.name}", f"set name: {path.stem}")]
        )
    return spec


def resolve_env_path(env: str, environments_dir: Path | None = None) -> Path:
    """`dev` -> environments/dev.yaml; a path is taken as is."""
    if env.endswith((".yaml", ".yml")) or "/" in env:
        return Path(env)
    return (environments_dir or ENVIRONMENTS_DIR) / f"{env}.yaml"


def load_env(env: str, environments_dir: Path | None = None) -> PlatformSpec:
    return load_spec(resolve_env_path(env, environments_dir))


def load_all(environments_dir: Path | None = None) -> dict[str, PlatformSpec]:
    """Load every environment and check the promotion chain across files."""
    directory = environments_dir or ENVIRONMENTS_DIR
    paths = sorted(directory.glob("*.yaml"))
    specs = {p.stem: load_spec(p) for p in paths}
    promotion_order(specs, {p.stem: _display(p) for p in paths})
    return specs


def promotion_chains(
    specs: dict[str, PlatformSpec], files: dict[str, str] | None = None
) -> dict[bool, list[str]]:
    """The promotion chain of cloud environments (False) and of emulator environments (True), from each
    file's promotion.next: dev -> staging -> prod, and e.g. local -> localstg. Errors name the bad file."""

    def file_of(name: str) -> str:
        return (files or {}).get(name, f"environments/{name}.yaml")

    def fail(name: str, what: str, fix: str) -> SpecError:
        return SpecError(file_of(name), [("promotion.next", what, fix)])

    for name, spec in specs.items():
        nxt = spec.promotion.next
        if nxt is None:
            continue
        if nxt not in specs:
            raise fail(name, f"names {nxt!r}, which has no environment file", f"create {nxt}.yaml")
        if specs[nxt].emulated != spec.emulated:
            kind = "an emulator environment" if specs[nxt].emulated else "a cloud environment"
            raise fail(name, f"promotes to {nxt!r}, {kind}", "promote within clouds or within the emulator")
    for name in specs:  # bounded walk from every file: a loop anywhere is an error
        seen: list[str] = []
        current: str | None = name
        while current is not None:
            if current in seen:
                loop = " -> ".join([*seen, current])
                raise fail(
                    name, f"the promotion order loops: {loop}", "end the chain, e.g. remove it from prod"
                )
            seen.append(current)
            current = specs[current].promotion.next
    targets = {s.promotion.next for s in specs.values() if s.promotion.next}
    chains: dict[bool, list[str]] = {False: [], True: []}
    for emulated in (False, True):
        starts = sorted(
            n for n, s in specs.items() if s.emulated == emulated and n not in targets and s.promotion.next
        )
        if len(starts) > 1:
            raise fail(
                starts[1],
                f"starts a second promotion chain beside {starts[0]!r}",
                f"promote {starts[1]} into the existing chain or remove its promotion.next",
            )
        current = starts[0] if starts else None
        while current is not None:
            chains[emulated].append(current)
            current = specs[current].promotion.next
    return chains


def promotion_order(specs: dict[str, PlatformSpec], files: dict[str, str] | None = None) -> list[str]:
    """The chain of cloud environments, dev -> staging -> prod (validating every chain)."""
    return promotion_chains(specs, files)[False]


def chain_of(specs: dict[str, PlatformSpec], name: str) -> list[str]:
    """The promotion chain that environment `name` belongs to (empty when it has none)."""
    chains = promotion_chains(specs)
    chain = chains[specs[name].emulated]
    return chain if name in chain else []


def select_specs(envs: list[str] | None) -> list[PlatformSpec]:
    """The environments named on a command line (names or paths); all of them when none is named."""
    return list(load_all().values()) if not envs else [load_env(e) for e in envs]


def select_clouds(clouds: list[str] | None) -> set[str] | None:
    """The clouds named on a command line (`--cloud`); None means every enabled cloud."""
    if not clouds:
        return None
    unknown = set(clouds) - set(CLOUDS)
    if unknown:
        raise BlueprintError(
            f"--cloud: unknown cloud(s) {sorted(unknown)}", fix=f"use some of {list(CLOUDS)}"
        )
    return set(clouds)


def export_schema() -> str:
    """The JSON Schema of an environment file, as written to environments/schema.json."""
    schema = PlatformSpec.model_json_schema()
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    schema["title"] = "Platform blueprint environment"
    return json.dumps(schema, indent=2, sort_keys=True) + "\n"
