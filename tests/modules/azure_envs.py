"""Azure test environments: dev.yaml with Azure on, AWS off and every domain enabled (`azall`), and a
variant (`azvar`) that changes every setting the Azure modules take from the spec, so a module that
ignores the spec cannot pass."""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import yaml

from blueprint.paths import environments_dir
from blueprint.spec import DOMAINS, PlatformSpec, load_spec

VARIANT_TOPICS = [
    {"name": "orders", "partitions": 12, "retention_hours": 720},
    {"name": "orders.compacted", "partitions": 2, "retention_hours": 48, "cleanup_policy": "compact"},
]


def azure_spec_data(name: str, *, variant: bool = False) -> dict[str, Any]:
    data: dict[str, Any] = copy.deepcopy(
        yaml.safe_load((environments_dir() / "dev.yaml").read_text(encoding="utf-8"))
    )
    data["name"] = name
    data["tags"]["environment"] = name
    data.pop("promotion", None)
    data["clouds"]["aws"]["enabled"] = False
    data["clouds"]["azure"]["enabled"] = True
    for domain in DOMAINS:
        data["domains"][domain]["enabled"] = True
    if variant:
        data["prefix"] = "zeta"
        data["tags"]["team"] = "ml"
        data["clouds"]["azure"]["subscription"] = "11111111-2222-3333-4444-555555555555"
        data["clouds"]["azure"]["location"] = "northeurope"
        data["protection"] = {"stateful": False}
        data["domains"]["foundation"].update({"nat_gateway": True, "cidr": "10.40.0.0/20"})
        data["domains"]["lake"].update(
            {
                "noncurrent_version_expiration_days": 45,
                "transition_to_ia_days": 60,
                "transition_to_archive_days": 120,
            }
        )
        data["domains"]["streaming"].update(
            {"mode": "provisioned", "azure": {"capacity_units": 4}, "topics": VARIANT_TOPICS}
        )
        data["domains"]["serving"]["azure"] = {"instance_type": "Standard_NC6s_v3"}
    return data


def write_envs(directory: Path) -> dict[str, PlatformSpec]:
    specs = {}
    for name, variant in (("azall", False), ("azvar", True)):
        path = directory / f"{name}.yaml"
        path.write_text(
            yaml.safe_dump(azure_spec_data(name, variant=variant), sort_keys=False), encoding="utf-8"
        )
        specs[name] = load_spec(path)
    return specs
