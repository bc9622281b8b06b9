"""The Azure names added to Namer are legal for every prefix and environment the spec accepts."""

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


@given(prefixes, envs)
def test_azure_names_are_legal(prefix: str, env: str) -> None:
    n = Namer(prefix, env)
    eh = n.azure_eventhub_namespace()
    assert 6 <= len(eh) <= 50 and re.fullmatch(r"[A-Za-z][A-Za-z0-9-]*[A-Za-z0-9]", eh)
    assert not eh.endswith(("-sb", "-mgmt"))
    syn = n.azure_synapse_workspace()
    assert 1 <= len(syn) <= 45 and re.fullmatch(r"[a-z0-9]([a-z0-9-]*[a-z0-9])?", syn)
    assert "-ondemand" not in syn
    adf = n.azure_data_factory()
    assert 3 <= len(adf) <= 63 and re.fullmatch(r"[A-Za-z0-9]([A-Za-z0-9-]*[A-Za-z0-9])?", adf)
    assert "--" not in adf
    ml = n.azure_ml_workspace()
    assert 3 <= len(ml) <= 33 and re.fullmatch(r"[A-Za-z0-9][A-Za-z0-9_-]*", ml)
    law = n.azure_log_analytics_workspace()
    assert 4 <= len(law) <= 63 and re.fullmatch(r"[A-Za-z0-9][A-Za-z0-9-]*[A-Za-z0-9]", law)
    for domain in ("foundation", "lake", "warehouse-managed"):
        rg = n.azure_resource_group(domain)
        assert 1 <= len(rg) <= 90 and re.fullmatch(r"[-\w.()]*[-\w()]", rg)
    for purpose in ("kv", "ml"):
        kv = n.azure_key_vault(purpose)
        assert 3 <= len(kv) <= 24 and re.fullmatch(r"[A-Za-z][A-Za-z0-9-]*[A-Za-z0-9]", kv) and "--" not in kv
    for domain in ("lake", "serving"):
        sa = n.azure_storage_account(domain)
        assert re.fullmatch(r"[a-z0-9]{3,24}", sa)


def test_azure_names_are_deterministic_and_distinct() -> None:
    a, b = Namer("acme", "dev"), Namer("acme", "prod")
    assert (
        a.azure_eventhub_namespace()
        == "acme-dev-streaming-kafka"
        == Namer("acme", "dev").azure_eventhub_namespace()
    )
    assert a.azure_synapse_workspace() != b.azure_synapse_workspace()
