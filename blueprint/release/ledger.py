"""The deployment ledger, kept in the environment's state bucket beside the state.

One object per entry (`_ledger/<time>-<id>.json`): appends never race and history is never rewritten.
Entries hold digests, counts and names only: no plan values, no secrets.
"""

from __future__ import annotations

import datetime
import json
import os
import uuid
from pathlib import Path
from typing import Any

from botocore.exceptions import BotoCoreError, ClientError

from blueprint.errors import BlueprintError
from blueprint.naming import Namer
from blueprint.spec import PlatformSpec

PREFIX = "_ledger/"


def actor() -> str:
    return os.environ.get("GITHUB_ACTOR") or os.environ.get("USER") or "unknown"


def now() -> str:
    return datetime.datetime.now(datetime.UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def record(s3: Any, spec: PlatformSpec, entry: dict[str, Any]) -> dict[str, Any]:
    """Append one entry; returns it with its id and time."""
    full = {"id": uuid.uuid4().hex[:12], "env": spec.name, "recorded": now(), "actor": actor(), **entry}
    bucket = Namer(spec.prefix, spec.name).state_bucket()
    key = f"{PREFIX}{full['recorded']}-{full['id']}.json"
    try:
        s3.put_object(Bucket=bucket, Key=key, Body=json.dumps(full, sort_keys=True).encode())
    except ClientError as exc:
        raise BlueprintError(
            f"could not write the ledger entry to s3://{bucket}/{key}: {exc}",
            fix=f"check access to the state bucket, or run `blueprint bootstrap --env {spec.name}`",
        ) from None
    return full


def history(s3: Any, spec: PlatformSpec) -> list[dict[str, Any]]:
    """Every entry, oldest first."""
    bucket = Namer(spec.prefix, spec.name).state_bucket()
    entries: list[dict[str, Any]] = []
    try:
        for page in s3.get_paginator("list_objects_v2").paginate(Bucket=bucket, Prefix=PREFIX):
            for item in page.get("Contents", []):
                body = s3.get_object(Bucket=bucket, Key=item["Key"])["Body"].read()
                entries.append(json.loads(body))
    except ClientError as exc:
        code = exc.response.get("Error", {}).get("Code")
        if code in ("NoSuchBucket", "404"):
            return []
        raise BlueprintError(
            f"could not read the ledger of {spec.name}: {exc}", fix="check the state bucket"
        ) from None
    return sorted(entries, key=lambda e: str(e.get("recorded")))


def last_success(entries: list[dict[str, Any]]) -> dict[str, Any] | None:
    for entry in reversed(entries):
        if entry.get("result") == "succeeded":
            return dict(entry)
    return None


def record_failure(s3: Any, spec: PlatformSpec, entry: dict[str, Any], exc: BaseException) -> None:
    """Record a failed run in the ledger; if the ledger itself is unreachable (the backend is down),
    the original error is what the user needs, so it is not masked."""
    try:
        record(s3, spec, {**entry, **_failure(exc)})
    except (BlueprintError, OSError, BotoCoreError):
        exc.add_note("(the failure could not be recorded in the ledger: the state backend is unreachable)")


def _failure(exc: BaseException) -> dict[str, str]:
    """A ledger-safe description of a failure: its first line only (terraform details stay in the log)."""
    first = str(exc).splitlines()[0][:500] if str(exc).strip() else type(exc).__name__
    if isinstance(exc, SystemExit | KeyboardInterrupt):
        first = f"interrupted ({type(exc).__name__} {exc})"
    return {"result": "failed", "error": first}


def environment_history(spec: PlatformSpec, workdir: Path) -> list[dict[str, Any]]:
    """The ledger of `spec`'s environment, read where its state lives."""
    from blueprint.release.connection import connect

    return history(connect(spec, workdir, start=False).s3(), spec)
