"""Names are deterministic, unique and legal on their cloud for every prefix/env the spec accepts.

The validators below are written from the clouds' published naming rules, independently of naming.py.
"""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Callable

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from blueprint.naming import Namer, aws_partition
from blueprint.spec.vocabulary import DOMAINS, ENV_NAME_PATTERN, PREFIX_PATTERN, RESERVED_NAME_PARTS

pytestmark = pytest.mark.unit

Check = Callable[[str], list[str]]

# ---------------------------------------------------------------------------------------------------
# Independent validators: each returns the list of rules a name breaks (empty = legal)


def s3_bucket_problems(name: str) -> list[str]:
    """docs.aws.amazon.com/AmazonS3/latest/userguide/bucketnamingrules.html (general purpose buckets)."""
    problems = []
    if not 3 <= len(name) <= 63:
        problems.append(f"length {len(name)} not in 3..63")
    if not re.fullmatch(r"[a-z0-9.-]+", name):
        problems.append("characters outside [a-z0-9.-]")
    if not (name[:1].isalnum() and name[:1].isascii() and name[-1:].isalnum() and name[-1:].isascii()):
        problems.append("must start and end with a letter or digit")
    if ".." in name:
        problems.append("two adjacent periods")
    try:
        ipaddress.IPv4Address(name)
        problems.append("formatted as an IP address")
    except ValueError:
        pass
    for prefix in ("xn--", "sthree-", "amzn-s3-demo-"):
        if name.startswith(prefix):
            problems.append(f"reserved prefix {prefix!r}")
    for suffix in ("-s3alias", "--ol-s3", "--x-s3", "--table-s3", ".mrap"):
        if name.endswith(suffix):
            problems.append(f"reserved suffix {suffix!r}")
    return problems


def gcs_bucket_problems(name: str) -> list[str]:
    """cloud.google.com/storage/docs/buckets#naming (names without dots)."""
    problems = []
    if not 3 <= len(name) <= 63:
        problems.append(f"length {len(name)} not in 3..63")
    if not re.fullmatch(r"[a-z0-9_.-]+", name):
        problems.append("characters outside [a-z0-9_.-]")
    if not (re.fullmatch(r"[a-z0-9]", name[:1]) and re.fullmatch(r"[a-z0-9]", name[-1:])):
        problems.append("must start and end with a letter or digit")
    if name.startswith("goog"):
        problems.append("starts with 'goog'")
    if re.search(r"g[o0][o0]gle", name):
        problems.append("contains 'google' or a close misspelling")
    return problems


def azure_storage_account_problems(name: str) -> list[str]:
    """learn.microsoft.com/azure/azure-resource-manager/management/resource-name-rules#microsoftstorage."""
    problems = []
    if not 3 <= len(name) <= 24:
        problems.append(f"length {len(name)} not in 3..24")
    if not re.fullmatch(r"[a-z0-9]+", name):
        problems.append("characters outside [a-z0-9]")
    return problems


def azure_key_vault_problems(name: str) -> list[str]:
    """learn.microsoft.com/azure/azure-resource-manager/management/resource-name-rules#microsoftkeyvault."""
    problems = []
    if not 3 <= len(name) <= 24:
        problems.append(f"length {len(name)} not in 3..24")
    if not re.fullmatch(r"[a-zA-Z0-9-]+", name):
        problems.append("characters outside [a-zA-Z0-9-]")
    if not re.fullmatch(r"[a-zA-Z]", name[:1]):
        problems.append("must start with a letter")
    if not re.fullmatch(r"[a-zA-Z0-9]", name[-1:]):
        problems.append("must end with a letter or digit")
    if "--" in name:
        problems.append("consecutive hyphens")
    return problems


def kms_alias_problems(name: str) -> list[str]:
    """docs.aws.amazon.com/kms/latest/APIReference/API_CreateAlias.html."""
    problems = []
    if not re.fullmatch(r"alias/[a-zA-Z0-9/_-]+", name):
        problems.append("must be alias/ followed by [a-zA-Z0-9/_-]")
    if len(name) > 256:
        problems.append("longer than 256")
    if name.startswith("alias/aws/"):
        problems.append("alias/aws/ is reserved for AWS managed keys")
    return problems


@pytest.mark.parametrize(
    ("check", "name"),
    [
        (s3_bucket_problems, "ab"),
        (s3_bucket_problems, "a" * 64),
        (s3_bucket_problems, "Acme-dev"),
        (s3_bucket_problems, "acme-dev-"),
        (s3_bucket_problems, "acme..dev"),
        (s3_bucket_problems, "192.168.1.1"),
        (s3_bucket_problems, "xn--acme"),
        (s3_bucket_problems, "sthree-acme"),
        (s3_bucket_problems, "amzn-s3-demo-acme"),
        (s3_bucket_problems, "acme-dev-s3alias"),
        (s3_bucket_problems, "acme-dev--ol-s3"),
        (gcs_bucket_problems, "googacme"),
        (gcs_bucket_problems, "acme-google-dev"),
        (gcs_bucket_problems, "acme-g00gle"),
        (gcs_bucket_problems, "-acme"),
        (gcs_bucket_problems, "acme_"),
        (azure_storage_account_problems, "acme-dev"),
        (azure_storage_account_problems, "a" * 25),
        (azure_storage_account_problems, "Acmedev"),
        (azure_key_vault_problems, "1acme"),
        (azure_key_vault_problems, "acme--dev"),
        (azure_key_vault_problems, "acme-dev-"),
        (azure_key_vault_problems, "a" * 25),
        (azure_key_vault_problems, "acme_dev"),
        (kms_alias_problems, "alias/aws/acme"),
        (kms_alias_problems, "acme-dev"),
    ],
)
def test_validators_reject_illegal_names(check: Check, name: str) -> None:
    """The validators themselves must catch each rule, or the properties below prove nothing."""
    assert check(name), f"{check.__name__} accepted {name!r}"


@pytest.mark.parametrize(
    ("check", "name"),
    [
        (s3_bucket_problems, "acme-dev-lake-raw"),
        (gcs_bucket_problems, "acme-dev-lake_raw"),
        (azure_storage_account_problems, "acmedevlakeraw"),
        (azure_key_vault_problems, "Acme-dev-1"),
        (kms_alias_problems, "alias/acme-dev-lake"),
    ],
)
def test_validators_accept_legal_names(check: Check, name: str) -> None:
    assert check(name) == []


# ---------------------------------------------------------------------------------------------------
# Deterministic examples


def test_examples() -> None:
    namer = Namer("acme", "dev")
    assert namer.s3_bucket("lake", "raw") == "acme-dev-lake-raw"
    assert namer.gcs_bucket("lake", "raw") == "acme-dev-lake-raw"
    assert namer.state_bucket() == "acme-dev-tfstate"
    assert namer.state_key("dev-aws-lake") == "dev-aws-lake/terraform.tfstate"
    assert namer.kms_alias("lake") == "alias/acme-dev-lake"
    assert namer.stack_id("aws", "lake") == "dev-aws-lake"
    assert namer.stack_id("aws", "foundation") == "dev-aws-foundation"
    assert namer.base("lake", "raw") == "acme-dev-lake-raw"
    assert namer.azure_storage_account("lake", "raw") == "acmedevlakeraw"
    assert namer.azure_key_vault("lake") == "acme-dev-lake"


def test_names_are_deterministic() -> None:
    first, second = Namer("acme", "prod"), Namer("acme", "prod")
    assert first.s3_bucket("lake", "raw") == second.s3_bucket("lake", "raw")
    assert first.s3_bucket("lake", "x" * 100) == second.s3_bucket("lake", "x" * 100)
    assert first.state_bucket() == second.state_bucket()


def test_environments_never_share_names() -> None:
    dev, prod = Namer("acme", "dev"), Namer("acme", "prod")
    assert dev.state_bucket() != prod.state_bucket()
    assert dev.s3_bucket("lake", "raw") != prod.s3_bucket("lake", "raw")
    assert dev.azure_storage_account("lake", "raw") != prod.azure_storage_account("lake", "raw")


def test_long_names_are_shortened_with_a_hash() -> None:
    namer = Namer("acme", "dev")
    a = namer.s3_bucket("lake", "x" * 60 + "a")
    b = namer.s3_bucket("lake", "x" * 60 + "b")
    assert len(a) == len(b) == 63
    assert a != b
    assert a[:-7] == b[:-7]  # same readable head, different hash tail
    assert re.fullmatch(r"-[0-9a-f]{6}", a[-7:])
    assert s3_bucket_problems(a) == []
    sa = namer.azure_storage_account("warehouse", "checkpointsandmore")
    assert len(sa) == 24
    assert azure_storage_account_problems(sa) == []
    assert sa != namer.azure_storage_account("warehouse", "checkpointsandless")


def test_truncation_never_leaves_a_trailing_hyphen() -> None:
    namer = Namer("acme", "dev")
    # 'acme-dev-lake-' (14) + 41 chars puts a '-' at index 55, the last character of the 56-char head
    name = namer.s3_bucket("lake", "p" * 41 + "-" + "q" * 30)
    assert "--" not in name
    assert s3_bucket_problems(name) == []


# Reserved words that come from the domain/purpose are refused (ValueError) rather than emitted.
@pytest.mark.parametrize(
    ("method", "check", "purpose"),
    [
        ("gcs_bucket", gcs_bucket_problems, "google"),
        ("gcs_bucket", gcs_bucket_problems, "g00gle-ads"),
        ("s3_bucket", s3_bucket_problems, "s3alias"),
    ],
)
def test_reserved_words_in_purpose(method: str, check: Check, purpose: str) -> None:
    namer = Namer("acme", "dev")
    try:
        name = getattr(namer, method)("lake", purpose)
    except ValueError:
        return  # refusing the input is a fine fix
    assert check(name) == [], name


# ---------------------------------------------------------------------------------------------------
# Properties


def _allowed(value: str) -> bool:
    return not any(part in value for part in RESERVED_NAME_PARTS)


prefixes = st.from_regex(PREFIX_PATTERN, fullmatch=True).filter(_allowed)
envs = st.from_regex(ENV_NAME_PATTERN, fullmatch=True).filter(_allowed)
REALISTIC = (*DOMAINS, "tfstate", "raw", "curated", "landing", "logs", "access-logs", "artifacts", "models")


def _no_known_gap(part: str) -> bool:
    """Excludes the words `test_reserved_words_in_purpose` covers (naming.py refuses them)."""
    return not re.search(r"g[o0][o0]gle|s3alias", part)


parts = (st.sampled_from(REALISTIC) | st.from_regex(r"[a-z][a-z0-9-]{0,30}", fullmatch=True)).filter(
    _no_known_gap
)
purposes = parts | st.just("")
# Canonical segments: hyphen-free domain, purpose without leading/trailing/double hyphens. Joining with '-'
# is only injective for these (see test_hyphen_joins_are_ambiguous).
canonical_domains = st.sampled_from((*DOMAINS, "tfstate")) | st.from_regex(
    r"[a-z][a-z0-9]{0,30}", fullmatch=True
)
canonical_purposes = st.just("") | st.from_regex(r"[a-z][a-z0-9]{0,12}(-[a-z0-9]{1,12}){0,3}", fullmatch=True)

_props = settings(max_examples=300, deadline=None)


@_props
@given(prefix=prefixes, env=envs, domain=parts, purpose=purposes)
def test_every_name_is_legal(prefix: str, env: str, domain: str, purpose: str) -> None:
    namer = Namer(prefix, env)
    s3 = namer.s3_bucket(domain, purpose)
    assert s3_bucket_problems(s3) == [], s3
    gcs = namer.gcs_bucket(domain, purpose)
    assert gcs_bucket_problems(gcs) == [], gcs
    state = namer.state_bucket()
    assert s3_bucket_problems(state) == [], state
    account = namer.azure_storage_account(domain, purpose)
    assert azure_storage_account_problems(account) == [], account
    vault = namer.azure_key_vault(purpose or domain)
    assert azure_key_vault_problems(vault) == [], vault
    alias = namer.kms_alias(purpose or domain)
    assert kms_alias_problems(alias) == [], alias


@_props
@given(
    prefix=prefixes,
    env=envs,
    domain=parts,
    purpose=st.from_regex(r"[a-z][a-z0-9-]{60,120}", fullmatch=True).filter(_no_known_gap),
)
def test_long_inputs_are_legal(prefix: str, env: str, domain: str, purpose: str) -> None:
    namer = Namer(prefix, env)
    assert s3_bucket_problems(namer.s3_bucket(domain, purpose)) == []
    assert gcs_bucket_problems(namer.gcs_bucket(domain, purpose)) == []
    assert azure_storage_account_problems(namer.azure_storage_account(domain, purpose)) == []
    assert azure_key_vault_problems(namer.azure_key_vault(purpose)) == []


@_props
@given(
    prefix=prefixes,
    env=envs,
    first=st.tuples(canonical_domains, canonical_purposes),
    second=st.tuples(canonical_domains, canonical_purposes),
)
def test_distinct_inputs_give_distinct_names(
    prefix: str, env: str, first: tuple[str, str], second: tuple[str, str]
) -> None:
    assume(first != second)
    namer = Namer(prefix, env)
    assert namer.s3_bucket(*first) != namer.s3_bucket(*second)
    assert namer.gcs_bucket(*first) != namer.gcs_bucket(*second)
    assert namer.base(*first) != namer.base(*second)


@_props
@given(
    first=st.tuples(prefixes, envs),
    second=st.tuples(prefixes, envs),
    domain=canonical_domains,
    purpose=canonical_purposes,
)
def test_distinct_environments_give_distinct_names(
    first: tuple[str, str], second: tuple[str, str], domain: str, purpose: str
) -> None:
    assume(first != second)
    a, b = Namer(*first), Namer(*second)
    assert a.s3_bucket(domain, purpose) != b.s3_bucket(domain, purpose)
    assert a.state_bucket() != b.state_bucket()
    assert a.kms_alias(domain) != b.kms_alias(domain)


@_props
@given(
    domain=st.sampled_from(DOMAINS),
    first=st.from_regex(r"[a-z0-9]{0,40}", fullmatch=True),
    second=st.from_regex(r"[a-z0-9]{0,40}", fullmatch=True),
)
def test_distinct_storage_accounts(domain: str, first: str, second: str) -> None:
    assume(first != second)
    namer = Namer("acme", "dev")
    assert namer.azure_storage_account(domain, first) != namer.azure_storage_account(domain, second)


@_props
@given(
    prefix=prefixes,
    env=envs,
    stem=st.from_regex(r"[a-z][a-z0-9]{60,80}", fullmatch=True),
    tails=st.lists(st.from_regex(r"[a-z0-9]{1,8}", fullmatch=True), min_size=2, max_size=6, unique=True),
)
def test_long_inputs_stay_unique(prefix: str, env: str, stem: str, tails: list[str]) -> None:
    """Inputs sharing a head longer than the limit differ only where it is cut; the hash tells them apart."""
    namer = Namer(prefix, env)
    for make, limit in ((namer.s3_bucket, 63), (namer.gcs_bucket, 63)):
        names = [make("lake", f"{stem}-{tail}") for tail in tails]
        assert len(set(names)) == len(names), names
        assert all(len(n) <= limit for n in names)
    accounts = [namer.azure_storage_account("lake", f"{stem}{tail}") for tail in tails]
    assert len(set(accounts)) == len(accounts), accounts
    vaults = [namer.azure_key_vault(f"{stem}-{tail}") for tail in tails]
    assert len(set(vaults)) == len(vaults), vaults


def test_hyphen_joins_are_ambiguous() -> None:
    """Documents a limit of naming by joining with '-': callers must keep domains hyphen-free."""
    namer = Namer("acme", "dev")
    assert namer.s3_bucket("a-b", "c") == namer.s3_bucket("a", "b-c")
    assert namer.s3_bucket("lake", "raw-") == namer.s3_bucket("lake", "raw")
    for domain in DOMAINS:
        assert "-" not in domain


@pytest.mark.parametrize(
    ("region", "partition"),
    [
        ("eu-west-1", "aws"),
        ("us-east-1", "aws"),
        ("cn-north-1", "aws-cn"),
        ("us-gov-west-1", "aws-us-gov"),
        ("us-iso-east-1", "aws-iso"),
        ("us-isob-east-1", "aws-iso-b"),
    ],
)
def test_aws_partition_from_region(region: str, partition: str) -> None:
    assert aws_partition(region) == partition
