"""One deployment of an environment at a time: a lock object in the environment's state store, written
with a create-only condition (`If-None-Match: *`), so two deploys started together cannot both apply:
the first takes the lock, the second is refused at once with the holder's name, before any plan.

Terraform's own state locks still guard each stack; this lock makes the outcome of two runs of the same
environment deterministic (one wins, the other says who holds it) instead of a race between stacks.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from botocore.exceptions import ClientError

from blueprint.errors import BlueprintError
from blueprint.naming import Namer
from blueprint.release import ledger
from blueprint.spec import PlatformSpec

LOCK_KEY = "_locks/deploy.json"


@contextmanager
def deployment_lock(s3: Any, spec: PlatformSpec, operation: str) -> Iterator[dict[str, str]]:
    """Hold the environment's deployment lock for the block; refuse when someone else holds it."""
    bucket = Namer(spec.prefix, spec.name).state_bucket()
    mine = {"id": uuid.uuid4().hex, "who": ledger.actor(), "operation": operation, "since": ledger.now()}
    try:
        s3.put_object(Bucket=bucket, Key=LOCK_KEY, Body=json.dumps(mine).encode(), IfNoneMatch="*")
    except ClientError as exc:
        if exc.response.get("Error", {}).get("Code") not in ("PreconditionFailed", "412"):
            raise BlueprintError(
                f"could not take the deployment lock s3://{bucket}/{LOCK_KEY}: {exc}",
                fix=f"check access to the state bucket, or run `blueprint bootstrap --env {spec.name}`",
            ) from None
        holder = _holder(s3, bucket)
        raise BlueprintError(
            f"another {holder.get('operation', 'deploy')} of {spec.name} holds the deployment lock "
            f"(by {holder.get('who', '?')} since {holder.get('since', '?')}); nothing was planned or applied",
            fix="wait for it to finish and re-run; if it died, remove the lock: "
            f"`aws s3api delete-object --bucket {bucket} --key {LOCK_KEY}`",
        ) from None
    try:
        yield mine
    finally:
        if _holder(s3, bucket).get("id") == mine["id"]:
            s3.delete_object(Bucket=bucket, Key=LOCK_KEY)


def _holder(s3: Any, bucket: str) -> dict[str, str]:
    try:
        data = json.loads(s3.get_object(Bucket=bucket, Key=LOCK_KEY)["Body"].read())
    except (ClientError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}
