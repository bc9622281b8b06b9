"""Suppressions come only from the checked-in file; a bad entry is an error naming the file, the entry,
the field and the fix."""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Mapping
from pathlib import Path

import pytest
import yaml

from blueprint.policy.model import Finding
from blueprint.policy.suppressions import (
    SuppressionError,
    apply_suppressions,
    default_suppressions,
    load_suppressions,
)

pytestmark = pytest.mark.policy

TODAY = dt.date(2026, 11, 23)
GOOD = {
    "id": "cmk-encryption",
    "resource": "*-aws-foundation/aws_s3_bucket.foundation_access_logs_bucket_*",
    "reason": "S3 server access log delivery needs SSE-S3 on its target bucket.",
    "expires": "2027-05-31",
}


def write(tmp_path: Path, *entries: Mapping[str, object], text: str | None = None) -> Path:
    """The suppressions file with these entries (or this raw text)."""
    path = tmp_path / "suppressions.yaml"
    if text is None:
        text = yaml.safe_dump({"suppressions": [dict(e) for e in entries]}, sort_keys=False)
    path.write_text(text, encoding="utf-8")
    return path


def error(path: Path, today: dt.date = TODAY) -> str:
    with pytest.raises(SuppressionError) as info:
        load_suppressions(path, today)
    text = info.value.render()
    assert path.name in text and "fix:" in text, text
    assert info.value.exit_code == 2
    return text


def finding(rule: str, stack: str, address: str) -> Finding:
    return Finding(rule, "invariant", stack, address, "m", "f", Path("x"))


def test_checked_in_file_is_valid_on_the_commits_date() -> None:
    from blueprint.policy.suppressions import today_for_expiry

    day = today_for_expiry()
    assert day.isoformat() == os.environ["BLUEPRINT_TODAY"]  # pinned by tests/conftest.py, not the calendar
    entries = load_suppressions(default_suppressions())
    assert entries, "the checked-in file has entries"
    assert all(len(e.reason) >= 20 and e.expires >= day for e in entries)


def test_a_pinned_day_decides_expiry(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = write(tmp_path, GOOD)  # expires 2027-05-31
    monkeypatch.setenv("BLUEPRINT_TODAY", "2027-05-31")
    assert len(load_suppressions(path)) == 1
    monkeypatch.setenv("BLUEPRINT_TODAY", "2027-06-01")
    with pytest.raises(SuppressionError, match="expired"):
        load_suppressions(path)


def test_valid_entry_loads_and_matches(tmp_path: Path) -> None:
    [entry] = load_suppressions(write(tmp_path, GOOD), TODAY)
    assert entry.id == "cmk-encryption" and entry.expires == dt.date(2027, 5, 31)
    hit = finding("cmk-encryption", "dev-aws-foundation", "aws_s3_bucket.foundation_access_logs_bucket_7")
    wrong_stack = finding("cmk-encryption", "dev-aws-lake", "aws_s3_bucket.foundation_access_logs_bucket_7")
    wrong_rule = finding("versioning", "dev-aws-foundation", "aws_s3_bucket.foundation_access_logs_bucket_7")
    unused = apply_suppressions([hit, wrong_stack, wrong_rule], [entry])
    assert hit.suppression == entry and not wrong_stack.suppressed and not wrong_rule.suppressed
    assert unused == []


def test_resource_without_stack_matches_every_stack(tmp_path: Path) -> None:
    [entry] = load_suppressions(
        write(tmp_path, {**GOOD, "id": "CKV_AWS_144", "resource": "aws_s3_bucket.*"}), TODAY
    )
    assert entry.matches(finding("CKV_AWS_144", "prod-aws-lake", "aws_s3_bucket.lake_raw_bucket_1"))
    assert not entry.matches(finding("CKV_AWS_144", "prod-aws-lake", "aws_kms_key.k"))


def test_expired_entry_is_an_error(tmp_path: Path) -> None:
    text = error(write(tmp_path, {**GOOD, "expires": "2026-11-22"}))
    assert "suppressions[0].expires" in text and "expired on 2026-11-22" in text and "re-justify" in text


def test_expiry_more_than_a_year_ahead_is_an_error(tmp_path: Path) -> None:
    assert "more than a year" in error(write(tmp_path, {**GOOD, "expires": "2028-01-01"}))


def test_missing_reason_is_an_error(tmp_path: Path) -> None:
    entry = {k: v for k, v in GOOD.items() if k != "reason"}
    text = error(write(tmp_path, entry))
    assert "suppressions[0].reason: missing" in text


def test_a_reason_that_says_nothing_is_an_error(tmp_path: Path) -> None:
    assert "suppressions[0].reason" in error(write(tmp_path, {**GOOD, "reason": "accepted"}))


def test_unknown_id_is_an_error_with_a_suggestion(tmp_path: Path) -> None:
    text = error(write(tmp_path, {**GOOD, "id": "cmk-encryptoin"}))
    assert "suppressions[0].id" in text and "did you mean 'cmk-encryption'" in text


def test_unknown_field_missing_expiry_and_bad_date(tmp_path: Path) -> None:
    entry = {k: v for k, v in GOOD.items() if k != "expires"}
    text = error(write(tmp_path, {**entry, "owner": "me"}))
    assert "suppressions[0].owner: unknown field" in text and "suppressions[0].expires: missing" in text
    assert "is not a date" in error(write(tmp_path, {**GOOD, "expires": "next year"}))


@pytest.mark.parametrize("resource", ["*", "*/*", "*.*", "aws_s3_bucket", "dev/*"])
def test_a_resource_glob_must_name_a_type(tmp_path: Path, resource: str) -> None:
    assert "suppressions[0].resource" in error(write(tmp_path, {**GOOD, "resource": resource}))


def test_duplicate_entries_and_keys_are_errors(tmp_path: Path) -> None:
    assert "repeats suppressions[0]" in error(write(tmp_path, GOOD, GOOD))
    dup = "suppressions:\n  - id: versioning\n    id: cmk-encryption\n"
    assert "duplicate key 'id'" in error(write(tmp_path, text=dup))


def test_malformed_file_is_an_error(tmp_path: Path) -> None:
    assert "(top level)" in error(write(tmp_path, text="- id: versioning\n"))
    assert "YAML syntax error" in error(write(tmp_path, text="suppressions: [\n"))


def test_missing_or_empty_file_means_no_suppressions(tmp_path: Path) -> None:
    assert load_suppressions(tmp_path / "absent.yaml", TODAY) == []
    assert load_suppressions(write(tmp_path, text="suppressions: []\n"), TODAY) == []
