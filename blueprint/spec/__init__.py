"""The environment spec: `environments/<env>.yaml` -> a validated `PlatformSpec`.

- `vocabulary`: the shared words (clouds, domains, name patterns);
- `model`: the pydantic model (every field documented, secure defaults);
- `loader`: YAML with duplicate keys refused, errors naming file, field and fix;
- `promotion`: the promotion chains across files;
- `schema`: the exported JSON Schema.
"""

from blueprint.spec.loader import (
    UniqueKeyLoader,
    load_all,
    load_env,
    load_spec,
    resolve_env_path,
    select_clouds,
    select_specs,
)
from blueprint.spec.model import (
    AwsCloud,
    AzureCloud,
    Clouds,
    Domains,
    GcpCloud,
    KafkaTopic,
    PlatformSpec,
    Problem,
    Tags,
)
from blueprint.spec.promotion import chain_of, promotion_chains, promotion_order
from blueprint.spec.schema import export_schema
from blueprint.spec.vocabulary import CLOUDS, DOMAINS, Cloud

__all__ = [
    "CLOUDS",
    "DOMAINS",
    "AwsCloud",
    "AzureCloud",
    "Cloud",
    "Clouds",
    "Domains",
    "GcpCloud",
    "KafkaTopic",
    "PlatformSpec",
    "Problem",
    "Tags",
    "UniqueKeyLoader",
    "chain_of",
    "export_schema",
    "load_all",
    "load_env",
    "load_spec",
    "promotion_chains",
    "promotion_order",
    "resolve_env_path",
    "select_clouds",
    "select_specs",
]
