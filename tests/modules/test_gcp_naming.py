"""The GCP names of `Namer` are legal for every prefix and environment the spec accepts."""

from __future__ import annotations

import re

import pytest
from hypothesis import given
from hypothesis import strategies as st

from blueprint.naming import Namer
from blueprint.spec.vocabulary import ENV_NAME_PATTERN, PREFIX_PATTERN

pytestmark = pytest.mark.unit

prefixes = st.from_regex(PREFIX_PATTERN, fullmatch=True)
envs = st.from_regex(ENV_NAME_PATTERN, fullmatch=True)
purposes = st.sampled_from(
    ["vpc", "router", "nat", "kafka", "composer", "keyring", "storage", "serving", "deny-all-ingress"]
)
RFC1035 = re.compile(r"^[a-z]([-a-z0-9]{0,61}[a-z0-9])?$")
SERVICE_ACCOUNT = re.compile(r"^[a-z][a-z0-9-]{4,28}[a-z0-9]$")
KMS = re.compile(r"^[a-zA-Z0-9_-]{1,63}$")
DATASET = re.compile(r"^[A-Za-z0-9_]{1,1024}$")


@given(prefixes, envs, purposes, st.sampled_from(["", "europe-west1", "northamerica-northeast2"]))
def test_gcp_resource_names_are_rfc1035(prefix: str, env: str, purpose: str, region: str) -> None:
    parts = (purpose, region) if region else (purpose,)
    assert RFC1035.match(Namer(prefix, env).gcp_resource(*parts))


@given(prefixes, envs, st.sampled_from(["warehouse", "kafka", "composer", "vertex", "orchestration-x"]))
def test_service_account_ids_are_legal(prefix: str, env: str, workload: str) -> None:
    account = Namer(prefix, env).gcp_service_account(workload)
    assert SERVICE_ACCOUNT.match(account), account


@given(prefixes, envs, purposes)
def test_kms_and_dataset_names_are_legal(prefix: str, env: str, purpose: str) -> None:
    namer = Namer(prefix, env)
    assert KMS.match(namer.gcp_kms(purpose))
    assert DATASET.match(namer.bigquery_dataset(purpose))


@given(prefixes, envs, purposes)
def test_vertex_endpoint_ids_are_numeric_and_stable(prefix: str, env: str, purpose: str) -> None:
    endpoint = Namer(prefix, env).vertex_endpoint_id(purpose)
    assert re.fullmatch(r"[1-9][0-9]{9}", endpoint)
    assert endpoint == Namer(prefix, env).vertex_endpoint_id(purpose)


def test_names_differ_by_environment() -> None:
    assert Namer("acme", "dev").gcp_service_account("composer") != Namer("acme", "prod").gcp_service_account(
        "composer"
    )
    assert Namer("acme", "dev").vertex_endpoint_id("serving") != Namer("acme", "prod").vertex_endpoint_id(
        "serving"
    )
