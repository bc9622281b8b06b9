"""What the runner adds around a synthesized stack for each target, so `cdk.tf.json` stays the contract
that would go to the cloud:

- the runner's own CLI config (`terraform.rc` in its working area): a plugin cache, and the filesystem
  provider mirror when one holds the pinned AWS provider; `~/.terraformrc` is never read or written;
- an override file beside `cdk.tf.json` per target:
  - `emulator`: every AWS endpoint and the S3 state backend point at the emulator on 127.0.0.1;
  - `offline`: a local backend and no credential or account checks, for `validate`/`plan` without a cloud;
  - `cloud`: nothing is added.
"""

from __future__ import annotations

import json
import os
from collections.abc import Mapping
from enum import Enum
from pathlib import Path
from typing import Any

from blueprint.errors import ToolMissingError
from blueprint.pins import PROVIDER_PINS

MIRROR_ENV = "BLUEPRINT_PROVIDER_MIRROR"
# One provider cache for many working areas (a test run, a CI job): providers are installed once.
PLUGIN_CACHE_ENV = "BLUEPRINT_PLUGIN_CACHE"
OVERRIDE_FILE = "blueprint_override.tf.json"
MIRROR_SEARCH_ROOTS = (Path("/opt"), Path("/usr/local/share/terraform"), Path("/usr/share/terraform"))
OFFLINE_ACCESS_KEY = "offline-plan-no-credentials"


class Target(Enum):
    EMULATOR = "emulator"
    OFFLINE = "offline"
    CLOUD = "cloud"


def default_workdir() -> Path:
    """The runner's working area (CLI config, plugin cache, emulator PID): $BLUEPRINT_HOME or .blueprint."""
    return Path(os.environ.get("BLUEPRINT_HOME", ".blueprint"))


def plugin_cache(workdir: Path) -> Path:
    """The provider cache: $BLUEPRINT_PLUGIN_CACHE, else `<workdir>/plugin-cache`."""
    explicit = os.environ.get(PLUGIN_CACHE_ENV, "").strip()
    cache = Path(explicit) if explicit else workdir / "plugin-cache"
    cache.mkdir(parents=True, exist_ok=True)
    return cache.resolve()


def write_cli_config(workdir: Path, mirror: Path | None, cache: Path) -> Path:
    """The runner's own CLI config: plugin cache, and the provider mirror when there is one."""
    # Without the second setting, every init of a stack that has no lock file yet re-installs
    # the provider into the shared cache (remove, then re-link), and a plan or validate of
    # another stack that runs meanwhile finds no provider. With it, a cached provider is
    # linked as is; the lock file records the same h1 hash either way.
    lines = [
        f'plugin_cache_dir = "{cache}"',
        "plugin_cache_may_break_dependency_lock_file = true",
        "disable_checkpoint = true",
    ]
    if mirror is not None:
        aws = "registry.terraform.io/" + PROVIDER_PINS["aws"][0]
        lines += [
            "provider_installation {",
            f'  filesystem_mirror {{\n    path = "{mirror}"\n    include = ["{aws}"]\n  }}',
            f'  direct {{\n    exclude = ["{aws}"]\n  }}',
            "}",
        ]
    path = workdir / "terraform.rc"
    path.write_text("\n".join(lines) + "\n")
    return path


def override_for(
    target: Target, stack: Mapping[str, Any], stack_dir: Path, workdir: Path
) -> dict[str, Any] | None:
    """The override file's content for `target` (None: no override)."""
    if "aws" not in stack.get("provider", {}):
        return None
    backend = dict(stack.get("terraform", {}).get("backend", {}).get("s3", {}))
    if target is Target.EMULATOR:
        provider = {
            "s3_use_path_style": True,
            "skip_credentials_validation": True,
            "skip_metadata_api_check": "true",
            "skip_requesting_account_id": False,  # Glue needs the account id on moto
            "max_retries": 3,  # moto answers 500 for services it lacks; retries would hang
        }
        backend.update(
            {
                "use_path_style": True,
                "skip_credentials_validation": True,
                "skip_metadata_api_check": True,
                "skip_requesting_account_id": True,
                "max_retries": 2,  # an unreachable emulator fails in seconds, not minutes
            }
        )
        return {"provider": {"aws": [provider]}, "terraform": {"backend": {"s3": backend}}}
    if target is Target.OFFLINE:
        provider = {
            "skip_credentials_validation": True,
            "skip_metadata_api_check": "true",
            "skip_requesting_account_id": True,
            "skip_region_validation": True,
            "max_retries": 1,
            # No account can be asked offline, so the account guard cannot be checked; null unsets it.
            "allowed_account_ids": None,
        }
        state = (workdir / "offline-state" / f"{stack_dir.name}.tfstate").resolve()
        state.parent.mkdir(parents=True, exist_ok=True)
        return {
            "provider": {"aws": [provider]},
            "terraform": {"backend": {"local": {"path": str(state)}}},
        }
    return None


def write_override(target: Target, stack_dir: Path, workdir: Path) -> None:
    """Write (or remove) the override file that adapts a synthesized stack to `target`."""
    override = stack_dir / OVERRIDE_FILE
    stack = json.loads((stack_dir / "cdk.tf.json").read_text())
    content = override_for(target, stack, stack_dir, workdir)
    if content is None:
        override.unlink(missing_ok=True)
    else:
        override.write_text(json.dumps(content, indent=2) + "\n")


def find_mirror() -> Path | None:
    """Root of a filesystem provider mirror holding the pinned AWS provider, or None (use the network)."""
    source, version = PROVIDER_PINS["aws"]
    wanted = Path("registry.terraform.io") / source / version
    explicit = os.environ.get(MIRROR_ENV)
    if explicit:
        root = Path(explicit)
        if not (root / wanted).is_dir():
            raise ToolMissingError(
                f"{MIRROR_ENV}={explicit} does not hold {source} {version} (no {root / wanted})",
                fix=f"point {MIRROR_ENV} at the directory that contains registry.terraform.io/, or unset it",
            )
        return root.resolve()
    for base in MIRROR_SEARCH_ROOTS:
        if not base.is_dir():
            continue
        for candidate in sorted(base.glob("*/registry.terraform.io")) + sorted(
            base.glob("registry.terraform.io")
        ):
            if (candidate.parent / wanted).is_dir():
                return candidate.parent.resolve()
    return None
