"""The environment spec: shipped files load; every bad input is a `SpecError` naming file, field and fix."""

from __future__ import annotations

import copy
import re
import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from blueprint.errors import SpecError
from blueprint.paths import environments_dir
from blueprint.spec import (
    CLOUDS,
    PlatformSpec,
    chain_of,
    export_schema,
    load_all,
    load_env,
    load_spec,
    promotion_order,
)
from blueprint.spec.loader import MAX_SPEC_BYTES

pytestmark = pytest.mark.unit

DEV: dict[str, Any] = yaml.safe_load((environments_dir() / "dev.yaml").read_text(encoding="utf-8"))


def _dev() -> dict[str, Any]:
    return copy.deepcopy(DEV)


def _write(directory: Path, data: Any, stem: str | None = None) -> Path:
    """Dump `data` as `<stem>.yaml` (stem defaults to data['name'], so the file matches the spec)."""
    path = directory / f"{stem or data['name']}.yaml"
    path.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
    return path


def _spec_error(path: Path) -> SpecError:
    with pytest.raises(SpecError) as info:
        load_spec(path)
    text = str(info.value)
    assert path.name in text, text
    assert "fix:" in text, text
    assert "Traceback" not in text
    return info.value


# ---------------------------------------------------------------------------------------------------
# The shipped environments


def test_shipped_environments_load() -> None:
    specs = load_all()
    assert sorted(specs) == ["dev", "local", "localstg", "prod", "staging"]
    for name, spec in specs.items():
        assert isinstance(spec, PlatformSpec)
        assert spec.name == name
        assert spec.tags.environment == name
        assert load_env(name) == spec


def test_shipped_promotion_order() -> None:
    specs = load_all()
    assert promotion_order(specs) == ["dev", "staging", "prod"]
    assert chain_of(specs, "local") == ["local", "localstg"]
    assert chain_of(specs, "prod") == ["dev", "staging", "prod"]


def test_local_is_emulated_and_aws_only() -> None:
    specs = load_all()
    local = specs["local"]
    assert local.emulated
    assert local.clouds.enabled() == ["aws"]
    assert local.clouds.gcp is None or not local.clouds.gcp.enabled
    assert local.clouds.azure is None or not local.clouds.azure.enabled
    assert local.promotion.next == "localstg" and specs["localstg"].emulated
    assert not local.protection.stateful
    for name in ("dev", "staging", "prod"):
        assert not specs[name].emulated, name
        assert specs[name].protection.stateful, name


def test_every_cloud_vocabulary_is_known() -> None:
    for spec in load_all().values():
        assert set(spec.clouds.enabled()) <= set(CLOUDS)


def test_schema_json_is_current() -> None:
    on_disk = (environments_dir() / "schema.json").read_text(encoding="utf-8")
    assert on_disk == export_schema(), (
        "environments/schema.json is out of date with blueprint/spec/model.py; "
        "regenerate it with `blueprint schema`"
    )


def test_minimal_spec_gets_defaults(tmp_path: Path) -> None:
    data = {
        "name": "dev",
        "prefix": "acme",
        "clouds": {"aws": {"account_alias": "acme-dev", "region": "eu-west-1"}},
        "tags": {
            "owner": "team",
            "cost_center": "cc-1",
            "environment": "dev",
            "data_classification": "public",
        },
    }
    spec = load_spec(_write(tmp_path, data))
    assert spec.clouds.enabled() == ["aws"]
    assert spec.domains.enabled() == ["foundation", "lake"]
    assert spec.protection.stateful
    assert spec.promotion.next is None


# ---------------------------------------------------------------------------------------------------
# Bad input: one mutation of dev.yaml each


def _set(path: str, value: Any) -> Callable[[dict[str, Any]], None]:
    def apply(data: dict[str, Any]) -> None:
        *parents, leaf = path.split(".")
        node = data
        for part in parents:
            if not isinstance(node.get(part), dict):
                node[part] = {}
            node = node[part]
        node[leaf] = value

    return apply


def _del(path: str) -> Callable[[dict[str, Any]], None]:
    def apply(data: dict[str, Any]) -> None:
        *parents, leaf = path.split(".")
        node = data
        for part in parents:
            node = node[part]
        del node[leaf]

    return apply


# (mutations, text that must appear in the error: the dotted field path first, then any detail)
BAD_CASES = [
    pytest.param(
        [_set("domains.foundation.az_count", "two")], ["domains.foundation.az_count"], id="az-count-str"
    ),
    pytest.param([_set("domains.lake.enabled", "maybe")], ["domains.lake.enabled"], id="enabled-maybe"),
    pytest.param([_set("clouds.aws.enabled", "maybe")], ["clouds.aws.enabled"], id="aws-enabled-maybe"),
    pytest.param([_set("colour", "blue")], ["colour", "Extra inputs"], id="unknown-top-level-key"),
    pytest.param(
        [_set("clouds.oracle", {"enabled": True, "region": "eu-frankfurt-1"})],
        ["clouds.oracle"],
        id="unknown-cloud",
    ),
    pytest.param([_set("domains.quantum", {"enabled": True})], ["domains.quantum"], id="unknown-domain"),
    pytest.param([_set("prefix", "Acme")], ["prefix"], id="prefix-uppercase"),
    pytest.param([_set("prefix", "acmecorporation")], ["prefix"], id="prefix-too-long"),
    pytest.param([_set("prefix", "a")], ["prefix"], id="prefix-too-short"),
    pytest.param([_set("prefix", "acme-co")], ["prefix"], id="prefix-hyphen"),
    pytest.param([_set("prefix", "googco")], ["prefix", "goog"], id="prefix-goog"),
    pytest.param([_set("prefix", "myaws")], ["prefix", "aws"], id="prefix-aws"),
    pytest.param([_set("prefix", 1234)], ["prefix"], id="prefix-int"),
    pytest.param([_set("clouds.aws.region", "europe-west")], ["clouds.aws.region"], id="aws-region"),
    pytest.param([_set("clouds.aws.region", "eu-west-1a")], ["clouds.aws.region"], id="aws-region-az"),
    pytest.param([_del("clouds.aws.region")], ["clouds.aws.region"], id="aws-region-missing"),
    pytest.param(
        [_set("clouds.aws.account_id", 123456789012)], ["clouds.aws.account_id"], id="account-id-int"
    ),
    pytest.param([_set("clouds.aws.account_id", "12345")], ["clouds.aws.account_id"], id="account-id-short"),
    pytest.param([_set("clouds.gcp.project", "Acme_Data")], ["clouds.gcp.project"], id="gcp-project"),
    pytest.param([_set("clouds.gcp.region", "eu-west-1")], ["clouds.gcp.region"], id="gcp-region"),
    pytest.param(
        [_set("clouds.azure.subscription", "not-a-uuid")],
        ["clouds.azure.subscription"],
        id="azure-subscription",
    ),
    pytest.param(
        [_set("clouds.azure.subscription", "00000000-0000-0000-0000-00000000000A")],
        ["clouds.azure.subscription"],
        id="azure-subscription-uppercase",
    ),
    pytest.param([_set("clouds", ["aws"])], ["clouds"], id="clouds-list"),
    pytest.param([_del("tags.owner")], ["tags.owner", "add `owner:` under tags"], id="missing-owner"),
    pytest.param([_set("tags.owner", "")], ["tags.owner"], id="empty-owner"),
    pytest.param([_set("tags.environment", "prod")], ["tags.environment", "'prod'"], id="tags-environment"),
    pytest.param(
        [_set("tags.data_classification", "secret")],
        ["tags.data_classification", "restricted"],
        id="classification",
    ),
    pytest.param([_set("tags.team", "DataEng")], ["tags.team", "DataEng"], id="extra-tag-uppercase-value"),
    pytest.param([_set("tags.Team", "data")], ["tags.Team", "lowercase"], id="extra-tag-uppercase-key"),
    pytest.param([_set("tags.team", 7)], ["tags.team", "7"], id="extra-tag-int-value"),
    pytest.param(
        [_set("clouds.aws.emulator", True), _set("clouds.gcp.enabled", True)],
        ["clouds.aws.emulator", "clouds.gcp.enabled"],
        id="emulator-with-gcp",
    ),
    pytest.param(
        [_set("domains.foundation.enabled", False)],
        ["domains.foundation", "domains.foundation.enabled: true"],
        id="lake-without-foundation",
    ),
    pytest.param(
        [_set("domains.lake.transition_to_ia_days", 10)],
        ["domains.lake.transition_to_ia_days", ">= 30"],
        id="ia-under-30",
    ),
    pytest.param(
        [_set("domains.lake.transition_to_ia_days", 60), _set("domains.lake.transition_to_archive_days", 80)],
        ["domains.lake", "transition_to_archive_days", "(got 80 vs 60)"],
        id="archive-too-soon-after-ia",
    ),
    pytest.param(
        [_set("domains.lake.noncurrent_version_expiration_days", -5)],
        ["domains.lake.noncurrent_version_expiration_days", ">= 1"],
        id="negative-noncurrent-days",
    ),
    pytest.param(
        [_set("domains.foundation.key_deletion_window_days", 3)],
        ["domains.foundation.key_deletion_window_days"],
        id="key-window-too-short",
    ),
    pytest.param(
        [_set("domains.foundation.az_count", 2.5)], ["domains.foundation.az_count"], id="az-count-fraction"
    ),
    pytest.param([_set("domains.streaming.mode", "huge")], ["domains.streaming.mode"], id="streaming-mode"),
    pytest.param([_set("promotion.next", "dev")], ["promotion.next", "itself"], id="promotes-to-itself"),
    pytest.param([_set("promotion.next", "Staging")], ["promotion.next"], id="promotion-next-pattern"),
    pytest.param(
        [
            _set("clouds.aws.enabled", False),
            _set("clouds.gcp.enabled", False),
            _set("clouds.azure.enabled", False),
        ],
        ["clouds", "no cloud is enabled"],
        id="no-cloud-enabled",
    ),
    pytest.param([_set("protection", "on")], ["protection"], id="protection-not-mapping"),
]


@pytest.mark.parametrize(("mutations", "expected"), BAD_CASES)
def test_bad_input_names_file_field_and_fix(
    tmp_path: Path, mutations: list[Callable[[dict[str, Any]], None]], expected: list[str]
) -> None:
    data = _dev()
    for mutate in mutations:
        mutate(data)
    err = _spec_error(_write(tmp_path, data))
    text = str(err)
    for fragment in expected:
        assert fragment in text, f"{fragment!r} not in:\n{text}"
    assert err.problems
    assert all(fix for _, _, fix in err.problems)


def test_bad_case_count() -> None:
    assert len(BAD_CASES) >= 20


def test_name_must_equal_file_stem(tmp_path: Path) -> None:
    data = _dev()
    data["name"] = data["tags"]["environment"] = "staging"
    del data["promotion"]
    err = _spec_error(_write(tmp_path, data, stem="dev"))
    text = str(err)
    assert "dev.yaml: name:" in text
    assert "set name: dev" in text


def test_all_problems_reported_at_once(tmp_path: Path) -> None:
    data = _dev()
    data["prefix"] = "ACME"
    data["clouds"]["aws"]["region"] = "nowhere"
    del data["tags"]["owner"]
    err = _spec_error(_write(tmp_path, data))
    fields = [field for field, _, _ in err.problems]
    assert {"prefix", "clouds.aws.region", "tags.owner"} <= set(fields)
    assert "3 problems" in str(err)


# ---------------------------------------------------------------------------------------------------
# File-level errors


def test_yaml_syntax_error_reports_position(tmp_path: Path) -> None:
    path = tmp_path / "dev.yaml"
    path.write_text("name: dev\nprefix: [acme\nclouds: {}\n", encoding="utf-8")
    text = str(_spec_error(path))
    assert "YAML syntax error" in text
    assert re.search(r"line \d+, column \d+", text), text


def test_bad_indentation_reports_position(tmp_path: Path) -> None:
    path = tmp_path / "dev.yaml"
    path.write_text("name: dev\n  prefix: acme\n", encoding="utf-8")
    assert re.search(r"line 2, column \d+", str(_spec_error(path)))


def test_duplicate_key(tmp_path: Path) -> None:
    path = tmp_path / "dev.yaml"
    text = (environments_dir() / "dev.yaml").read_text(encoding="utf-8")
    path.write_text(text + "prefix: other\n", encoding="utf-8")
    message = str(_spec_error(path))
    assert "duplicate key 'prefix'" in message
    first = text.splitlines().index("prefix: acme") + 1
    assert f"first on line {first}" in message


def test_nested_duplicate_key(tmp_path: Path) -> None:
    path = tmp_path / "dev.yaml"
    path.write_text("name: dev\ntags:\n  owner: a\n  owner: b\n", encoding="utf-8")
    assert "duplicate key 'owner'" in str(_spec_error(path))


@pytest.mark.parametrize("content", ["", "\n", "# only a comment\n", "---\n", "~\n"], ids=repr)
def test_empty_file(tmp_path: Path, content: str) -> None:
    path = tmp_path / "dev.yaml"
    path.write_text(content, encoding="utf-8")
    assert "file is empty" in str(_spec_error(path))


@pytest.mark.parametrize(
    ("content", "kind"), [("- name: dev\n- prefix: acme\n", "list"), ("just text\n", "str"), ("42\n", "int")]
)
def test_top_level_not_a_mapping(tmp_path: Path, content: str, kind: str) -> None:
    path = tmp_path / "dev.yaml"
    path.write_text(content, encoding="utf-8")
    assert f"expected a mapping, got {kind}" in str(_spec_error(path))


def test_file_over_size_limit(tmp_path: Path) -> None:
    path = tmp_path / "dev.yaml"
    padding = "# padding padding padding padding padding padding padding padding padding\n" * 4100
    path.write_text((environments_dir() / "dev.yaml").read_text(encoding="utf-8") + padding, encoding="utf-8")
    size = path.stat().st_size
    assert size > MAX_SPEC_BYTES
    assert 290_000 < size < 320_000
    text = str(_spec_error(path))
    assert f"{size} bytes" in text
    assert str(MAX_SPEC_BYTES) in text


def test_missing_file(tmp_path: Path) -> None:
    text = str(_spec_error(tmp_path / "dev.yaml"))
    assert "file not found" in text


def test_missing_env_by_name(tmp_path: Path) -> None:
    with pytest.raises(SpecError, match=r"nosuch\.yaml"):
        load_env("nosuch", tmp_path)


def test_directory_instead_of_file(tmp_path: Path) -> None:
    (tmp_path / "dev.yaml").mkdir()
    assert "file not found" in str(_spec_error(tmp_path / "dev.yaml"))


def test_non_utf8_bytes(tmp_path: Path) -> None:
    path = tmp_path / "dev.yaml"
    path.write_bytes(b"name: d\xe9v\nprefix: \xff\xfe\n")
    assert "not UTF-8" in str(_spec_error(path))


# Inputs that PyYAML's SafeConstructor turns into TypeError/ValueError/RecursionError: still one SpecError.
LOADER_BUGS = [
    pytest.param("[a]: 1\n", id="unhashable-list-key"),
    pytest.param("name: dev\n{a: 1}: 2\n", id="unhashable-mapping-key"),
    pytest.param("name: 2001-13-45\n", id="impossible-date"),
    pytest.param("name: !!float abc\n", id="bad-explicit-float"),
    pytest.param("name: !!int abc\n", id="bad-explicit-int"),
    pytest.param("name: !!timestamp soon\n", id="bad-explicit-timestamp"),
    pytest.param("domains:\n  lake:\n    abort_incomplete_upload_days: " + "9" * 5000 + "\n", id="huge-int"),
    pytest.param("[" * 3000 + "]" * 3000 + "\n", id="deep-nesting"),
]


@pytest.mark.parametrize("content", LOADER_BUGS)
def test_malformed_values_are_spec_errors(tmp_path: Path, content: str) -> None:
    path = tmp_path / "dev.yaml"
    path.write_text(content, encoding="utf-8")
    try:
        load_spec(path)
    except SpecError as exc:
        assert "fix:" in str(exc)
    except Exception as exc:  # the bug: anything else is a traceback for the user
        pytest.fail(f"{type(exc).__name__} escaped load_spec: {exc}"[:300])
    else:
        pytest.fail("malformed file was accepted")


# ---------------------------------------------------------------------------------------------------
# Cross-file promotion errors


def _env(name: str, next_env: str | None) -> dict[str, Any]:
    data = _dev()
    data["name"] = data["tags"]["environment"] = name
    data["clouds"]["aws"]["account_alias"] = f"acme-{name}"
    if next_env is None:
        data.pop("promotion", None)
    else:
        data["promotion"] = {"next": next_env}
    return data


def _envs(tmp_path: Path, chain: dict[str, str | None]) -> Path:
    for name, next_env in chain.items():
        _write(tmp_path, _env(name, next_env))
    return tmp_path


def test_copied_environments_load_from_any_directory(tmp_path: Path) -> None:
    for path in environments_dir().glob("*.yaml"):
        shutil.copy(path, tmp_path / path.name)
    specs = load_all(tmp_path)
    assert promotion_order(specs) == ["dev", "staging", "prod"]


def test_single_environment_has_empty_chain(tmp_path: Path) -> None:
    specs = load_all(_envs(tmp_path, {"dev": None}))
    assert promotion_order(specs) == []


def test_promotion_to_missing_environment(tmp_path: Path) -> None:
    with pytest.raises(SpecError) as info:
        load_all(_envs(tmp_path, {"dev": "staging", "staging": "prod"}))
    text = str(info.value)
    assert "staging.yaml" in text
    assert "promotion.next" in text
    assert "'prod'" in text
    assert "fix:" in text


def test_promotion_loop(tmp_path: Path) -> None:
    with pytest.raises(SpecError) as info:
        load_all(_envs(tmp_path, {"dev": "staging", "staging": "dev"}))
    text = str(info.value)
    assert "loops" in text
    assert "dev -> staging -> dev" in text or "staging -> dev -> staging" in text
    assert "promotion.next" in text
    assert "fix:" in text


def test_promotion_loop_of_three(tmp_path: Path) -> None:
    with pytest.raises(SpecError, match="loops"):
        load_all(_envs(tmp_path, {"dev": "staging", "staging": "prod", "prod": "dev"}))


def test_two_promotion_chains(tmp_path: Path) -> None:
    with pytest.raises(SpecError) as info:
        load_all(_envs(tmp_path, {"dev": "staging", "staging": None, "qa": "uat", "uat": None}))
    text = str(info.value)
    assert "second promotion chain" in text
    assert "qa.yaml" in text or "dev.yaml" in text
    assert "fix:" in text


def test_two_environments_promoting_into_one(tmp_path: Path) -> None:
    with pytest.raises(SpecError, match="second promotion chain"):
        load_all(_envs(tmp_path, {"dev": "prod", "qa": "prod", "prod": None}))


def test_promotion_into_emulator_environment(tmp_path: Path) -> None:
    _envs(tmp_path, {"dev": "local"})
    shutil.copy(environments_dir() / "local.yaml", tmp_path / "local.yaml")
    with pytest.raises(SpecError, match="emulator environment"):
        load_all(tmp_path)


def test_load_all_reports_a_bad_file(tmp_path: Path) -> None:
    _envs(tmp_path, {"dev": "staging", "staging": None})
    (tmp_path / "staging.yaml").write_text("name: staging\n", encoding="utf-8")
    with pytest.raises(SpecError, match=r"staging\.yaml"):
        load_all(tmp_path)


# ---------------------------------------------------------------------------------------------------
# Property: no input produces anything but a PlatformSpec or a SpecError

_scalars = st.none() | st.booleans() | st.integers() | st.text(max_size=20)
_yamlish = st.recursive(
    _scalars,
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=12), children, max_size=4)
    ),
    max_leaves=25,
)
# Keys that reach the real validators, not just "extra field".
_known_keys = st.sampled_from(
    [
        "name",
        "prefix",
        "clouds",
        "tags",
        "protection",
        "promotion",
        "domains",
        "aws",
        "gcp",
        "azure",
        "enabled",
        "region",
        "emulator",
        "owner",
        "environment",
        "lake",
        "foundation",
        "next",
    ]
)
_spec_like = st.recursive(
    _scalars,
    lambda children: (
        st.lists(children, max_size=3)
        | st.dictionaries(_known_keys | st.text(max_size=8), children, max_size=5)
    ),
    max_leaves=30,
)


def _paths(node: dict[str, Any], prefix: str = "") -> list[str]:
    """Every dotted path in dev.yaml, mappings included (so whole sections get replaced too)."""
    out: list[str] = []
    for key, value in node.items():
        out.append(prefix + key)
        if isinstance(value, dict):
            out.extend(_paths(value, f"{prefix}{key}."))
    return out


_DEV_PATHS = sorted(_paths(DEV))


def _load_never_crashes(path: Path) -> None:
    try:
        spec = load_spec(path)
    except SpecError as exc:
        assert "fix:" in str(exc)
        assert path.name in str(exc)
    else:
        assert isinstance(spec, PlatformSpec)


_fuzz = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])


@_fuzz
@given(data=_yamlish | _spec_like)
def test_arbitrary_structures_only_raise_spec_error(tmp_path: Path, data: Any) -> None:
    path = tmp_path / "dev.yaml"
    path.write_text(yaml.safe_dump(data), encoding="utf-8")
    _load_never_crashes(path)


@_fuzz
@given(text=st.text(max_size=300))
def test_arbitrary_text_only_raises_spec_error(tmp_path: Path, text: str) -> None:
    path = tmp_path / "dev.yaml"
    path.write_text(text, encoding="utf-8")
    _load_never_crashes(path)


@_fuzz
@given(
    edits=st.lists(
        st.tuples(st.sampled_from(_DEV_PATHS), _yamlish | st.sampled_from(["", "dev", "DEV", -1, 0])),
        min_size=1,
        max_size=3,
    )
)
def test_mutated_dev_only_raises_spec_error(tmp_path: Path, edits: list[tuple[str, Any]]) -> None:
    data = _dev()
    for path, value in edits:
        _set(path, value)(data)
    file = tmp_path / "dev.yaml"
    file.write_text(yaml.safe_dump(data), encoding="utf-8")
    _load_never_crashes(file)
