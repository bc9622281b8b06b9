"""GCP orchestration: a Cloud Composer 3 environment running Airflow 3.

- Private: `enable_private_environment` (Airflow components get no public IPs, the environment joins
  the foundation's private subnet through a network attachment) and `enable_private_builds_only`
  (PyPI packages are built without internet access). The Airflow UI stays behind Google's front end
  and IAM (no anonymous access); Composer 3 has no option to take it off the internet entirely.
- CMEK: the foundation's `composer` key encrypts the environment's own resources (its GKE workloads,
  Airflow database, Pub/Sub, Artifact Registry), granted to those services' agents by the foundation.
- Identity: its own service account (`composer`, roles/composer.worker), never the Compute default.
- Size: `environment_class` maps to Composer's sizes: mw1.micro and mw1.small -> SMALL, mw1.medium ->
  MEDIUM, mw1.large and larger -> LARGE; `max_workers` caps the worker autoscaling.

DAGs: the environment bucket *is* the lake's artifacts bucket (`storage_config.bucket`), so Airflow
reads DAGs from `gs://<prefix>-<env>-lake-artifacts/dags/` (plugins from `plugins/`, data from
`data/`) and writes task logs to `logs/` there. Deploying a DAG is copying it to that prefix; no sync
job sits in between. That bucket is CMEK (the storage key), versioned, private and access-logged like
every lake bucket, and Composer creates no bucket of its own. The price: Airflow's task logs share the
artifacts bucket's lifecycle (old versions kept `noncurrent_version_expiration_days`), and the
environment needs the lake stack first (the registry's DEPENDS_ON says so).
"""

from __future__ import annotations

from cdktn_provider_google.composer_environment import (
    ComposerEnvironment,
    ComposerEnvironmentConfigA,
    ComposerEnvironmentConfigEncryptionConfig,
    ComposerEnvironmentConfigNodeConfig,
    ComposerEnvironmentConfigSoftwareConfig,
    ComposerEnvironmentConfigWorkloadsConfig,
    ComposerEnvironmentConfigWorkloadsConfigWorker,
    ComposerEnvironmentStorageConfig,
)
from cdktn_provider_google.storage_bucket_iam_member import StorageBucketIamMember
from cdktn_provider_google.storage_bucket_object import StorageBucketObject
from constructs import Construct

from blueprint.naming import Namer
from blueprint.spec import PlatformSpec
from modules.orchestration.dags import DAG_PREFIX, dag_files
from modules.primitives.gcp import GcpNames, deletion_policy
from modules.primitives.vocabulary import ARTIFACTS, output, protect

# Composer 3 with the newest Airflow 3 release Composer offers when the environment is created
# (an alias: Composer resolves it to a full version; upgrades are deliberate, never implicit).
IMAGE_VERSION = "composer-3-airflow-3"
ENVIRONMENT_SIZES: dict[str, str] = {
    "mw1.micro": "ENVIRONMENT_SIZE_SMALL",
    "mw1.small": "ENVIRONMENT_SIZE_SMALL",
    "mw1.medium": "ENVIRONMENT_SIZE_MEDIUM",
    "mw1.large": "ENVIRONMENT_SIZE_LARGE",
    "mw1.xlarge": "ENVIRONMENT_SIZE_LARGE",
    "mw1.2xlarge": "ENVIRONMENT_SIZE_LARGE",
}


class GcpOrchestration(Construct):
    """The Composer environment of one environment. Attributes: `environment`, `bucket_access`."""

    def __init__(self, scope: Construct, id_: str, *, spec: PlatformSpec, namer: Namer) -> None:
        super().__init__(scope, id_)
        names = GcpNames.of(spec, namer)
        orchestration = spec.domains.orchestration
        protected = spec.protection.stateful
        dag_bucket = names.lake_bucket(ARTIFACTS)
        self.environment = ComposerEnvironment(
            self,
            "environment",
            name=namer.gcp_resource("composer"),
            region=names.region,
            config=ComposerEnvironmentConfigA(
                environment_size=ENVIRONMENT_SIZES[orchestration.environment_class],
                software_config=ComposerEnvironmentConfigSoftwareConfig(image_version=IMAGE_VERSION),
                node_config=ComposerEnvironmentConfigNodeConfig(
                    network=names.network_path,
                    subnetwork=names.subnet_path,
                    service_account=names.service_account_email("composer"),
                ),
                enable_private_environment=True,
                enable_private_builds_only=True,
                encryption_config=ComposerEnvironmentConfigEncryptionConfig(
                    kms_key_name=names.key_path("composer")
                ),
                workloads_config=ComposerEnvironmentConfigWorkloadsConfig(
                    worker=ComposerEnvironmentConfigWorkloadsConfigWorker(
                        min_count=1, max_count=orchestration.max_workers
                    )
                ),
            ),
            storage_config=ComposerEnvironmentStorageConfig(bucket=dag_bucket),
            lifecycle=protect(protected),
            deletion_policy=deletion_policy(protected),
        )
        # Explicit on the bucket it uses (roles/composer.worker on the project also covers it).
        self.bucket_access = StorageBucketIamMember(
            self,
            "bucket_access",
            bucket=dag_bucket,
            role="roles/storage.objectAdmin",
            member=names.service_account_member("composer"),
        )
        # The DAGs of pipelines/airflow/, in the environment bucket's dags/ folder Composer reads.
        self.dags = {
            dag.key: StorageBucketObject(
                self,
                f"dag_{i}",
                bucket=dag_bucket,
                name=dag.key,
                content=dag.content,
                content_type="text/x-python",
                kms_key_name=names.key_path("storage"),
            )
            for i, dag in enumerate(dag_files())
        }
        output(self, "environment", self.environment.id)
        output(self, "dag_folder", f"gs://{dag_bucket}/{DAG_PREFIX}")
        output(self, "airflow_uri", self.environment.config.airflow_uri)
