"""GCP warehouse: a BigQuery dataset per lake zone (raw, curated, analytics).

Each dataset is encrypted by default with the foundation's `bigquery` key (CMEK: new tables get it),
keeps 7 days of time travel (BigQuery's versioning), and grants access to the platform's service
accounts only: the warehouse account writes; Composer writes when orchestration is on; Vertex reads
curated and analytics when serving is on. No user, group, domain or special group is granted; people
get access through project IAM roles managed outside the blueprint. The access list is authoritative,
so anything added by hand is removed on the next apply.
"""

from __future__ import annotations

from cdktn_provider_google.bigquery_dataset import (
    BigqueryDataset,
    BigqueryDatasetAccess,
    BigqueryDatasetDefaultEncryptionConfiguration,
)
from constructs import Construct

from blueprint.naming import Namer
from blueprint.spec import PlatformSpec
from modules.primitives.gcp import GcpNames, deletion_policy
from modules.primitives.vocabulary import ZONES, output, protect

MS_PER_DAY = 24 * 3600 * 1000
TIME_TRAVEL_HOURS = 168  # the maximum BigQuery keeps (7 days)


class GcpWarehouse(Construct):
    """BigQuery datasets of one environment. Attributes: `datasets` (zone -> `BigqueryDataset`)."""

    def __init__(self, scope: Construct, id_: str, *, spec: PlatformSpec, namer: Namer) -> None:
        super().__init__(scope, id_)
        names = GcpNames.of(spec, namer)
        warehouse = spec.domains.warehouse
        protected = spec.protection.stateful
        expiration = warehouse.gcp.table_expiration_days
        self.datasets: dict[str, BigqueryDataset] = {}
        for zone in ZONES:
            access = [
                BigqueryDatasetAccess(role="WRITER", user_by_email=names.service_account_email("warehouse"))
            ]
            if spec.domains.orchestration.enabled:
                access.append(
                    BigqueryDatasetAccess(
                        role="WRITER", user_by_email=names.service_account_email("composer")
                    )
                )
            if spec.domains.serving.enabled and zone != "raw":
                access.append(
                    BigqueryDatasetAccess(role="READER", user_by_email=names.service_account_email("vertex"))
                )
            self.datasets[zone] = BigqueryDataset(
                self,
                zone,
                dataset_id=namer.bigquery_dataset(zone),
                friendly_name=namer.base(zone),
                description=f"{zone} zone of the {spec.name} platform (bucket {names.lake_bucket(zone)})",
                location=names.location,
                default_encryption_configuration=BigqueryDatasetDefaultEncryptionConfiguration(
                    kms_key_name=names.key_path("bigquery")
                ),
                default_table_expiration_ms=expiration * MS_PER_DAY if expiration else None,
                max_time_travel_hours=str(TIME_TRAVEL_HOURS),
                access=access,
                delete_contents_on_destroy=not protected,
                lifecycle=protect(protected),
                deletion_policy=deletion_policy(protected),
            )
            output(self, f"{zone}_dataset", self.datasets[zone].dataset_id)
