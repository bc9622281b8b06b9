"""Names and plain-Python steps shared by the platform's workflows; no scheduler imports here.

It ships beside the workflow files (MWAA and Composer put that folder on `sys.path`), so it may import
nothing from `blueprint`: the names below are computed the way `blueprint/naming.py` computes them, and
tests/pipelines/test_lake_to_model.py proves they are equal for every shipped environment.
"""

from __future__ import annotations

import csv
import hashlib
import io
import logging
import re
from dataclasses import dataclass
from typing import Any

S3_BUCKET_MAX = 63
ZONES = ("raw", "curated", "analytics")
ARTIFACTS = "artifacts"
DATASET = "events"
LABEL_COLUMN = "label"

log = logging.getLogger(__name__)


# --- names (the same rules as blueprint.naming.Namer) ---


def _slug(part: str) -> str:
    return re.sub(r"-{2,}", "-", re.sub(r"[^a-z0-9-]", "-", part.lower())).strip("-")


def _fit(name: str, limit: int) -> str:
    if len(name) <= limit:
        return name
    tail = hashlib.sha256(name.encode()).hexdigest()[:6]
    return f"{name[: limit - len(tail) - 1].rstrip('-')}-{tail}"


def base_name(prefix: str, env: str, *parts: str) -> str:
    """`Namer(prefix, env).base(*parts)`, e.g. acme-dev-model-pipeline."""
    return _slug("-".join([prefix, env, *parts]))


def lake_bucket(prefix: str, env: str, purpose: str) -> str:
    """`Namer(prefix, env).s3_bucket("lake", purpose)`: the bucket of a zone or of the artifacts."""
    return _fit(base_name(prefix, env, "lake", purpose), S3_BUCKET_MAX)


def model_pipeline_name(prefix: str, env: str) -> str:
    """The SageMaker pipeline the serving stack creates: `Namer(prefix, env).base("model-pipeline")`."""
    return base_name(prefix, env, "model-pipeline")


def connection_id(prefix: str, env: str) -> str:
    """The connection holding the AWS region (and, outside MWAA's execution role, credentials)."""
    return f"{prefix}_{env}_aws"


def variable_name(prefix: str, env: str, what: str) -> str:
    """Variables of one environment: `<prefix>_<env>_<what>`, e.g. acme_dev_raw_bucket."""
    return f"{prefix}_{env}_{what}"


@dataclass(frozen=True)
class Names:
    """Every name the workflow uses in one environment, before Variables override them."""

    prefix: str
    env: str

    @property
    def connection(self) -> str:
        return connection_id(self.prefix, self.env)

    def variable(self, what: str) -> str:
        return variable_name(self.prefix, self.env, what)

    def default_buckets(self) -> dict[str, str]:
        return {purpose: lake_bucket(self.prefix, self.env, purpose) for purpose in (*ZONES, ARTIFACTS)}

    @property
    def model_pipeline(self) -> str:
        return model_pipeline_name(self.prefix, self.env)


# --- object keys: one per dataset and logical date, so a re-run overwrites the same objects ---


def raw_key(ds: str) -> str:
    return f"landing/{DATASET}/ds={ds}/{DATASET}.csv"


def curated_key(ds: str) -> str:
    return f"{DATASET}/ds={ds}/part-00000.csv"


def execution_token(pipeline: str, ds: str, content_sha256: str) -> str:
    """StartPipelineExecution's idempotency token: a retry of the same day's data never starts a second
    execution, new data for the day does."""
    return hashlib.sha256(f"{pipeline}|{ds}|{content_sha256}".encode()).hexdigest()[:64]


# --- steps ---


def split_s3_uri(uri: str) -> tuple[str, str]:
    if not uri.startswith("s3://") or "/" not in uri[5:]:
        raise ValueError(f"{uri!r} is not an s3://bucket/key URI")
    bucket, key = uri[5:].split("/", 1)
    return bucket, key


def land(s3: Any, source_uri: str, bucket: str, key: str, *, timeout_s: float = 60.0) -> str:
    """Copy the source (s3:// or https://) to `bucket/key`, overwriting; returns the written s3:// URI."""
    if source_uri.startswith("s3://"):
        src_bucket, src_key = split_s3_uri(source_uri)
        s3.copy({"Bucket": src_bucket, "Key": src_key}, bucket, key)  # managed copy: multipart when large
    elif source_uri.startswith("https://"):
        from urllib.request import urlopen

        with urlopen(source_uri, timeout=timeout_s) as response:
            s3.upload_fileobj(response, bucket, key)
    else:
        raise ValueError(f"source {source_uri!r}: use an s3:// or https:// URI")
    return f"s3://{bucket}/{key}"


def curate_csv(data: bytes) -> bytes:
    """Raw CSV with a header -> the training format of the model pipeline: no header, the label first,
    whitespace trimmed, rows with empty fields and exact duplicates dropped, order kept."""
    reader = csv.reader(io.StringIO(data.decode("utf-8-sig")))
    header = [h.strip().lower() for h in next(reader, [])]
    if LABEL_COLUMN not in header:
        raise ValueError(f"raw file has no {LABEL_COLUMN!r} column (header: {header})")
    label = header.index(LABEL_COLUMN)
    order = [label, *(i for i in range(len(header)) if i != label)]
    seen: set[tuple[str, ...]] = set()
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    for row in reader:
        cells = [c.strip() for c in row]
        if len(cells) != len(header) or not all(cells):
            continue
        ordered = tuple(cells[i] for i in order)
        if ordered not in seen:
            seen.add(ordered)
            writer.writerow(ordered)
    if not seen:
        raise ValueError("raw file has no complete rows")
    return out.getvalue().encode()


def missed_deadline(context: Any = None, **kwargs: Any) -> None:
    """Deadline-alert callback: one ERROR line for a log metric filter to alarm on."""
    log.error("DEADLINE MISSED: %s", kwargs.get("what", "a workflow run"))
