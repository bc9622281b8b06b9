"""Runtime tier: `verify_gcs` against fake-gcs-server on 127.0.0.1 (started once for this module)."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from types import SimpleNamespace

import pytest
import storage_emulators

from blueprint.errors import BlueprintError
from blueprint.naming import Namer
from blueprint.spec import load_env
from blueprint.verify.checks import NOT_CHECKABLE, ROUND_TRIP, Check, NotCheckable, split_checks, status
from blueprint.verify.gcp import (
    check_gcs_bucket,
    expected_gcs_buckets,
    gcs_log_bucket,
    gcs_storage_key,
    verify_gcs,
)

pytestmark = pytest.mark.runtime

SPEC = load_env("dev")
CLI = (sys.executable, "-m", "blueprint.cli")
NAMER = Namer(SPEC.prefix, SPEC.name)
# Settings fake-gcs-server does not keep (it answers with `versioning` only): pinned, so that an emulator
# release that starts reporting one of them is noticed and the test tightened.
NOT_KEPT_BY_FAKE_GCS = {
    "uniform bucket-level access",
    "public access prevention: enforced",
    "encryption: CMEK with the storage key",
    "labels: the spec's tags",
    "lifecycle: abort uploads + expire old versions",
    "access logging",
}


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[storage_emulators.Server]:
    srv = storage_emulators.start_fake_gcs(tmp_path_factory.mktemp("fake-gcs"))
    try:
        yield srv
    finally:
        storage_emulators.stop(srv)


@pytest.fixture(scope="module")
def client(server: storage_emulators.Server):
    from google.auth.credentials import AnonymousCredentials
    from google.cloud import storage

    assert SPEC.clouds.gcp is not None
    return storage.Client(
        project=SPEC.clouds.gcp.project,
        credentials=AnonymousCredentials(),
        client_options={"api_endpoint": server.endpoint},
    )


def create_lake_bucket(client, name: str, *, versioning: bool = True):
    """A bucket with the settings modules/primitives/gcp.py `gcs_bucket` gives it."""
    assert SPEC.clouds.gcp is not None
    bucket = client.bucket(name)
    bucket.storage_class = "STANDARD"
    bucket.versioning_enabled = versioning
    bucket.iam_configuration.uniform_bucket_level_access_enabled = True
    bucket.iam_configuration.public_access_prevention = "enforced"
    bucket.default_kms_key_name = gcs_storage_key(SPEC)
    bucket.labels = {**SPEC.tags.as_dict(), "managed_by": "platform-blueprint"}
    bucket.add_lifecycle_abort_incomplete_multipart_upload_rule(
        age=SPEC.domains.lake.abort_incomplete_upload_days
    )
    bucket.add_lifecycle_delete_rule(
        days_since_noncurrent_time=SPEC.domains.lake.noncurrent_version_expiration_days, is_live=False
    )
    bucket.enable_logging(gcs_log_bucket(SPEC), object_prefix=f"{name}/")
    return client.create_bucket(bucket, location=SPEC.clouds.gcp.region.upper())


@pytest.fixture(scope="module")
def lake(client) -> list[str]:
    client.create_bucket(gcs_log_bucket(SPEC))
    names = expected_gcs_buckets(SPEC)
    for name in names:
        create_lake_bucket(client, name)
    return names


def test_names_match_the_lake_module() -> None:
    """blueprint/ does not import modules/: prove its copy of the names and key path is the module's."""
    from modules.primitives.gcp import GcpNames

    names = GcpNames.of(SPEC, NAMER)
    assert expected_gcs_buckets(SPEC) == [
        names.lake_bucket(p) for p in ("raw", "curated", "analytics", "artifacts")
    ]
    assert gcs_storage_key(SPEC) == names.key_path("storage")
    assert gcs_log_bucket(SPEC) == names.log_bucket


def test_lake_passes_and_unreported_settings_are_not_passes(client, lake: list[str]) -> None:
    checks = verify_gcs(client, SPEC)
    ran, unchecked = split_checks(checks)
    failed = [c for c in ran if not c.ok]
    assert not failed, failed
    assert {c.subject for c in ran} == set(lake)
    for bucket in lake:
        names = {c.name for c in ran if c.subject == bucket}
        assert {"exists", "versioning: enabled", ROUND_TRIP} <= names
        assert {c.name for c in unchecked if c.subject == bucket} == NOT_KEPT_BY_FAKE_GCS
    # A setting the emulator cannot report is never counted as passed.
    assert all(isinstance(c, NotCheckable) and not c.ok and status(c) == NOT_CHECKABLE for c in unchecked)
    assert all("does not report" in c.detail for c in unchecked)
    # The round trip left nothing behind.
    for bucket in lake:
        assert not list(client.list_blobs(bucket, prefix="blueprint-verify/", versions=True))


def test_bucket_without_versioning_fails_naming_bucket_and_fix(client, lake: list[str]) -> None:
    name = NAMER.gcs_bucket("lake", "unversioned")
    create_lake_bucket(client, name, versioning=False)
    checks = verify_gcs(client, SPEC, buckets=[name])
    versioning = next(c for c in checks if c.name == "versioning: enabled")
    assert versioning.subject == name and not versioning.ok and status(versioning) == "failed"
    assert f"gcloud storage buckets update gs://{name} --versioning" in versioning.detail
    assert next(c for c in checks if c.name == ROUND_TRIP).ok


def test_missing_bucket_fails(client, lake: list[str]) -> None:
    name = NAMER.gcs_bucket("lake", "absent")
    assert verify_gcs(client, SPEC, buckets=[name]) == [
        Check(name, "exists", False, "not found; fix: apply the dev-gcp-lake stack")
    ]


def test_on_google_a_missing_setting_fails_instead() -> None:
    """Against storage.googleapis.com an absent field means the setting is off: a failure, not unchecked."""
    bucket = expected_gcs_buckets(SPEC)[0]
    resource = {"name": bucket, "versioning": {"enabled": True}}
    fake = SimpleNamespace(
        api_endpoint="https://storage.googleapis.com",
        get_bucket=lambda name: SimpleNamespace(_properties=resource),
    )
    checks = check_gcs_bucket(fake, SPEC, bucket)
    ran, unchecked = split_checks(checks)
    assert not unchecked
    assert {c.name for c in ran if not c.ok} == NOT_KEPT_BY_FAKE_GCS
    assert all("fix: re-apply the dev-gcp-lake stack" in c.detail for c in ran if not c.ok)


def test_environment_without_gcp_is_refused() -> None:
    local = load_env("local")
    if "gcp" in local.clouds.enabled():
        pytest.fail("environments/local.yaml enables GCP: pick an AWS-only spec for this test")
    with pytest.raises(BlueprintError, match=r"set clouds\.gcp\.enabled: true"):
        verify_gcs(SimpleNamespace(), local)


def test_cli_verifies_the_lake_on_an_emulator_and_keeps_unreported_settings_apart(
    server: storage_emulators.Server, lake: list[str]
) -> None:
    import os
    import subprocess

    proc = subprocess.run(
        [*CLI, "verify", "--env", SPEC.name, "--cloud", "gcp", "--endpoint", server.endpoint],
        capture_output=True,
        text=True,
        timeout=120,
        env={**os.environ, "COLUMNS": "200"},
        check=False,
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "not checkable" in proc.stdout and "FAILED" not in proc.stdout
    assert all(bucket in proc.stdout for bucket in lake)


def test_cli_refuses_an_azure_emulator_without_its_key() -> None:
    import os
    import subprocess

    env = {k: v for k, v in os.environ.items() if k != "BLUEPRINT_AZURE_STORAGE_KEY"}
    proc = subprocess.run(
        [*CLI, "verify", "--env", "dev", "--cloud", "azure", "--endpoint", "http://127.0.0.1:9"],
        capture_output=True,
        text=True,
        timeout=120,
        env=env,
        check=False,
    )
    assert proc.returncode == 2 and "BLUEPRINT_AZURE_STORAGE_KEY" in proc.stderr
    assert "Traceback" not in proc.stderr
