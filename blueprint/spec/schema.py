"""The JSON Schema of an environment file, as written to environments/schema.json."""

from __future__ import annotations

import json

from blueprint.spec.model import PlatformSpec


def export_schema() -> str:
    """The schema text (`blueprint schema` writes it; `--check` compares)."""
    schema = PlatformSpec.model_json_schema()
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    schema["title"] = "Platform blueprint environment"
    return json.dumps(schema, indent=2, sort_keys=True) + "\n"
