"""GCP serving: a Vertex AI endpoint for the platform's model.

- Private: Private Service Connect only (`enable_private_service_connect`, this project allowed, and
  the forwarding rule created automatically in the foundation's network). The endpoint has no public
  address; clients in the VPC call it through the PSC endpoint.
- CMEK: the foundation's `vertex` key (`encryption_spec`).
- Model location: `gs://<prefix>-<env>-lake-artifacts/models/<endpoint>/` (output `model_uri`; the
  bucket is also on the endpoint as the label `model_bucket`). The `vertex` service account may read
  that bucket; deployed models run as it.

What the endpoint resource cannot carry: a deployed model. `google_vertex_ai_endpoint` has no
deployed-model block (its `deployed_models` are read-only), so the machine type
(`domains.serving.gcp.machine_type`) and the replica range (`min_capacity` / `max_capacity`) are
outputs here, for the deploy step (`gcloud ai endpoints deploy-model --machine-type ...
--min-replica-count ... --max-replica-count ... --service-account ...`) that uploads a model once one
has been trained. Until then the endpoint exists and serves nothing, as on AWS before the first model.
Request/response logging needs a BigQuery table and is not turned on.
"""

from __future__ import annotations

from cdktn_provider_google.storage_bucket_iam_member import StorageBucketIamMember
from cdktn_provider_google.vertex_ai_endpoint import (
    VertexAiEndpoint,
    VertexAiEndpointEncryptionSpec,
    VertexAiEndpointPrivateServiceConnectConfig,
    VertexAiEndpointPrivateServiceConnectConfigPscAutomationConfigs,
)
from constructs import Construct

from blueprint.naming import Namer
from blueprint.spec import PlatformSpec
from modules.primitives.gcp import GcpNames
from modules.primitives.vocabulary import ARTIFACTS, output

PURPOSE = "serving"


class GcpServing(Construct):
    """The model endpoint of one environment. Attributes: `endpoint`, `model_reader`."""

    def __init__(self, scope: Construct, id_: str, *, spec: PlatformSpec, namer: Namer) -> None:
        super().__init__(scope, id_)
        names = GcpNames.of(spec, namer)
        serving = spec.domains.serving
        endpoint_id = namer.vertex_endpoint_id(PURPOSE)
        model_bucket = names.lake_bucket(ARTIFACTS)
        self.endpoint = VertexAiEndpoint(
            self,
            "endpoint",
            name=endpoint_id,
            display_name=namer.base(PURPOSE),
            description=f"model endpoint of the {spec.name} platform; models in gs://{model_bucket}/models/",
            location=names.region,
            region=names.region,
            encryption_spec=VertexAiEndpointEncryptionSpec(kms_key_name=names.key_path("vertex")),
            private_service_connect_config=VertexAiEndpointPrivateServiceConnectConfig(
                enable_private_service_connect=True,
                project_allowlist=[names.project],
                psc_automation_configs=[
                    VertexAiEndpointPrivateServiceConnectConfigPscAutomationConfigs(
                        network=names.network_path, project_id=names.project
                    )
                ],
            ),
            labels={"model_bucket": model_bucket},
        )
        # Deployed models run as the vertex account: it reads the model artifacts, nothing else.
        self.model_reader = StorageBucketIamMember(
            self,
            "model_reader",
            bucket=model_bucket,
            role="roles/storage.objectViewer",
            member=names.service_account_member("vertex"),
        )
        output(self, "endpoint", self.endpoint.id)
        output(self, "model_uri", f"gs://{model_bucket}/models/{endpoint_id}/")
        output(self, "machine_type", serving.gcp.machine_type)
        output(self, "min_replica_count", serving.min_capacity)
        output(self, "max_replica_count", serving.max_capacity)
        output(self, "service_account", names.service_account_email("vertex"))
