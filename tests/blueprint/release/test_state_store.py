"""The state bucket makes the same promises as every bucket of the platform (one home per promise:
modules/primitives/policies.py), read back from the emulator after `bootstrap`."""

from __future__ import annotations

import json

import boto3
import pytest
from moto import mock_aws

from blueprint.naming import Namer
from blueprint.release.state_store import bootstrap
from blueprint.spec import load_env
from modules.primitives.policies import s3_transport_statements

pytestmark = pytest.mark.runtime


def test_the_state_bucket_denies_plain_http_and_tls_older_than_1_2() -> None:
    spec = load_env("dev")
    with mock_aws():
        s3 = boto3.client("s3", region_name=spec.clouds.require("aws").region)
        bucket, created = bootstrap(s3, spec)
        assert created and bucket == Namer(spec.prefix, spec.name).state_bucket()
        statements = json.loads(s3.get_bucket_policy(Bucket=bucket)["Policy"])["Statement"]
        conditions = {s["Sid"]: s["Condition"] for s in statements if s["Effect"] == "Deny"}
        assert conditions == {
            "DenyInsecureTransport": {"Bool": {"aws:SecureTransport": "false"}},
            "DenyOutdatedTLS": {"NumericLessThan": {"s3:TlsVersion": "1.2"}},
        }
        assert statements == s3_transport_statements(f"arn:aws:s3:::{bucket}")
        # A second bootstrap re-applies the settings and reports the bucket as existing.
        assert bootstrap(s3, spec) == (bucket, False)
