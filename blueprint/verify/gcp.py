"""Post-deploy smoke checks of the GCP lake with google-cloud-storage, mirroring `verify_aws`.

For every lake bucket (raw, curated, analytics, artifacts): it exists, the settings the lake module
promises are what the JSON API reports (versioning, uniform bucket-level access, public access prevention,
the storage CMEK, the spec's labels, lifecycle rules, usage logging), and an object round trip (write,
read, list, delete every generation) works.

Three outcomes, never two: a `Check` with `ok=True` (seen and right), a `Check` with `ok=False` (seen and
wrong, or the call failed) and a `NotCheckable` (the endpoint did not report the setting at all). On
storage.googleapis.com a missing field means the setting is off, so it fails; on any other endpoint (an
emulator) it is `NotCheckable`, which is never a pass. fake-gcs-server keeps only `versioning` of these
settings, so against it everything else comes back as `NotCheckable`
(tests/blueprint/verify/test_verify_gcp.py pins that list, so an emulator that starts reporting a
field is noticed).

The SDK is imported inside the functions: the CLI loads it only for `blueprint verify --cloud gcp`.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import Any
from urllib.parse import urlparse

from blueprint.naming import Namer
from blueprint.spec import PlatformSpec
from blueprint.verify.checks import BODY, LAKE_PURPOSES, ROUND_TRIP, Check, NotCheckable


def expected_gcs_buckets(spec: PlatformSpec) -> list[str]:
    """The lake buckets, named as modules/lake/gcp.py names them (`Namer.gcs_bucket("lake", purpose)`)."""
    if "lake" not in spec.domains.enabled():
        return []
    namer = Namer(spec.prefix, spec.name)
    return [namer.gcs_bucket("lake", purpose) for purpose in LAKE_PURPOSES]


def gcs_log_bucket(spec: PlatformSpec) -> str:
    """The foundation's access-log bucket (modules/primitives/gcp.py `GcpNames.log_bucket`)."""
    return Namer(spec.prefix, spec.name).gcs_bucket("logs", "access")


def gcs_storage_key(spec: PlatformSpec) -> str:
    """The storage CMEK path (modules/primitives/gcp.py `GcpNames.key_path("storage")`; blueprint/ does not
    import modules/, so the test proves both give the same path)."""
    gcp = spec.clouds.require("gcp")
    namer = Namer(spec.prefix, spec.name)
    return (
        f"projects/{gcp.project}/locations/{gcp.region}/keyRings/{namer.gcp_kms('keyring')}"
        f"/cryptoKeys/{namer.gcp_kms('storage')}"
    )


def is_google_endpoint(client: Any) -> bool:
    """True when the client talks to Google (storage.googleapis.com or a private *.googleapis.com)."""
    host = urlparse(str(getattr(client, "api_endpoint", "") or "")).hostname or ""
    return host == "googleapis.com" or host.endswith(".googleapis.com")


def _settings(
    spec: PlatformSpec, bucket: str
) -> list[tuple[str, str, Callable[[dict[str, Any]], tuple[bool, str]], str]]:
    """(check name, JSON API field, judge(resource) -> (ok, detail), fix) for every promised setting."""
    key = gcs_storage_key(spec)
    log_bucket = gcs_log_bucket(spec)
    labels = spec.tags.as_dict()
    reapply = f"re-apply the {spec.name}-gcp-lake stack"

    def iam(r: dict[str, Any]) -> dict[str, Any]:
        return dict(r.get("iamConfiguration") or {})

    def ubla(r: dict[str, Any]) -> tuple[bool, str]:
        on = (iam(r).get("uniformBucketLevelAccess") or {}).get("enabled") is True
        return on, "" if on else "uniform bucket-level access is off"

    def pap(r: dict[str, Any]) -> tuple[bool, str]:
        value = iam(r).get("publicAccessPrevention")
        return value == "enforced", f"publicAccessPrevention={value}"

    def cmek(r: dict[str, Any]) -> tuple[bool, str]:
        value = (r.get("encryption") or {}).get("defaultKmsKeyName")
        return value == key, f"defaultKmsKeyName={value}"

    def tagged(r: dict[str, Any]) -> tuple[bool, str]:
        have = r.get("labels") or {}
        missing = sorted(k for k, v in labels.items() if have.get(k) != v)
        return not missing, f"missing or different: {', '.join(missing)}" if missing else ""

    def lifecycle(r: dict[str, Any]) -> tuple[bool, str]:
        rules = (r.get("lifecycle") or {}).get("rule") or []
        kinds = {(x.get("action") or {}).get("type") for x in rules}
        abort = "AbortIncompleteMultipartUpload" in kinds
        old = any(
            (x.get("action") or {}).get("type") == "Delete"
            and "daysSinceNoncurrentTime" in (x.get("condition") or {})
            for x in rules
        )
        return abort and old, f"abort uploads={abort}, expire old versions={old}"

    def logging(r: dict[str, Any]) -> tuple[bool, str]:
        log = r.get("logging") or {}
        target, prefix = log.get("logBucket"), log.get("logObjectPrefix")
        return target == log_bucket and prefix == f"{bucket}/", f"logBucket={target}, prefix={prefix}"

    return [
        ("uniform bucket-level access", "iamConfiguration", ubla, reapply),
        ("public access prevention: enforced", "iamConfiguration", pap, reapply),
        ("encryption: CMEK with the storage key", "encryption", cmek, reapply),
        ("labels: the spec's tags", "labels", tagged, f"{reapply} (the provider's default_labels)"),
        ("lifecycle: abort uploads + expire old versions", "lifecycle", lifecycle, reapply),
        ("access logging", "logging", logging, reapply),
    ]


def check_gcs_bucket(client: Any, spec: PlatformSpec, bucket: str) -> list[Check]:
    """Existence, versioning and the other settings of one bucket, as the JSON API reports them."""
    from google.api_core import exceptions as gexc

    checks: list[Check] = []
    try:
        resource: dict[str, Any] = dict(client.get_bucket(bucket)._properties)
    except gexc.NotFound:
        return [Check(bucket, "exists", False, f"not found; fix: apply the {spec.name}-gcp-lake stack")]
    except gexc.GoogleAPIError as exc:
        return [Check(bucket, "exists", False, str(exc))]
    checks.append(Check(bucket, "exists", True))

    versioning = (resource.get("versioning") or {}).get("enabled") is True
    checks.append(
        Check(
            bucket,
            "versioning: enabled",
            versioning,
            ""
            if versioning
            else f"versioning is off; fix: gcloud storage buckets update gs://{bucket} --versioning, "
            f"or re-apply the {spec.name}-gcp-lake stack",
        )
    )

    google = is_google_endpoint(client)
    for name, field, judge, fix in _settings(spec, bucket):
        if field not in resource and not google:
            checks.append(
                NotCheckable(
                    bucket, name, detail=f"the endpoint does not report `{field}` (emulator: not kept)"
                )
            )
            continue
        ok, detail = judge(resource)
        checks.append(Check(bucket, name, ok, detail if ok else f"{detail}; fix: {fix}"))
    return checks


def gcs_round_trip(client: Any, bucket: str) -> Check:
    """Write, read and list one object, then delete every generation of it, leaving the bucket as it was."""
    from google.api_core import exceptions as gexc

    key = f"blueprint-verify/{uuid.uuid4().hex}.txt"
    handle = client.bucket(bucket)
    try:
        blob = handle.blob(key)
        blob.upload_from_string(BODY, content_type="text/plain")
        data = handle.blob(key).download_as_bytes()
        listed = [b.name for b in client.list_blobs(bucket, prefix=key)]
        for version in client.list_blobs(bucket, prefix=key, versions=True):
            handle.blob(key, generation=version.generation).delete()
        left = [b.generation for b in client.list_blobs(bucket, prefix=key, versions=True)]
    except gexc.GoogleAPIError as exc:
        return Check(bucket, ROUND_TRIP, False, str(exc))
    ok = data == BODY and listed == [key] and not left
    detail = f"read {'ok' if data == BODY else 'different bytes'}, listed={listed == [key]}, left={left}"
    return Check(bucket, ROUND_TRIP, ok, detail)


def verify_gcs(client: Any, spec: PlatformSpec, buckets: list[str] | None = None) -> list[Check]:
    """Smoke checks of the GCP lake. `client` is a `google.cloud.storage.Client` (for an emulator: set
    `STORAGE_EMULATOR_HOST=http://127.0.0.1:PORT`, or pass `client_options={"api_endpoint": ...}` with
    `AnonymousCredentials`). `buckets` defaults to the spec's lake buckets."""
    gcs_storage_key(spec)  # a BlueprintError naming the fix for an environment without GCP
    checks: list[Check] = []
    for bucket in expected_gcs_buckets(spec) if buckets is None else buckets:
        bucket_checks = check_gcs_bucket(client, spec, bucket)
        checks.extend(bucket_checks)
        if bucket_checks[0].ok:
            checks.append(gcs_round_trip(client, bucket))
    return checks
