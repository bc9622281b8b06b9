"""Unit: affected stacks from normalized JSON, the CI matrix, and synth-level diffs for stacks that cannot
be planned here (GCP and Azure today), labelled as such."""

from __future__ import annotations

import json
from contextlib import ExitStack
from pathlib import Path

import pytest

from blueprint.preview import plan_stacks
from blueprint.preview.affected import Revision, Revisions, StackInfo, compare, matrix, normalize, synth_diff
from blueprint.preview.render import render_full

pytestmark = pytest.mark.unit


def _doc(bucket: str, *, meta: str = "v1", extra: dict | None = None) -> dict:
    body = {"//": {"metadata": {"path": meta}}, "name": bucket, "location": "EU", **(extra or {})}
    return {
        "//": {"metadata": {"version": meta, "stackName": "x"}},
        "provider": {"google": [{"project": "acme-data-dev"}]},
        "resource": {"google_storage_bucket": {"lake_raw": body}},
    }


def _revision(tmp: Path, label: str, docs: dict[str, dict]) -> Revision:
    rev = Revision(label, label, None, tmp, tmp / label)
    for stack_id, doc in docs.items():
        env, cloud, domain = stack_id.split("-")
        rev.stacks[stack_id] = StackInfo(stack_id, env, cloud, domain)
        (rev.stack_dir(stack_id)).mkdir(parents=True)
        (rev.stack_dir(stack_id) / "cdk.tf.json").write_text(json.dumps(doc, indent=2))
    return rev


def test_normalize_ignores_metadata_and_key_order() -> None:
    a = _doc("acme-dev-lake-raw", meta="cdktn 0.24.0")
    b = json.loads(json.dumps(_doc("acme-dev-lake-raw", meta="cdktn 0.25.0"), sort_keys=True))
    assert normalize(a) == normalize(b)
    assert normalize(a) != normalize(_doc("acme-dev-lake-raw-2"))


def test_compare_finds_added_changed_removed_and_filters_envs(tmp_path: Path) -> None:
    base = _revision(
        tmp_path,
        "base",
        {"dev-gcp-lake": _doc("a"), "dev-gcp-foundation": _doc("f"), "prod-gcp-lake": _doc("p")},
    )
    head = _revision(
        tmp_path,
        "head",
        {
            "dev-gcp-lake": _doc("a", meta="other"),
            "dev-gcp-foundation": _doc("f2"),
            "dev-azure-lake": _doc("z"),
        },
    )
    deltas = compare(base, head)
    assert [(d.stack.stack_id, d.change) for d in deltas] == [
        ("dev-gcp-foundation", "changed"),
        ("dev-azure-lake", "added"),
        ("prod-gcp-lake", "removed"),
    ]
    assert [d.stack.stack_id for d in compare(base, head, {"prod"})] == ["prod-gcp-lake"]
    assert matrix(deltas)["include"][1] == {
        "stack": "dev-azure-lake",
        "env": "dev",
        "cloud": "azure",
        "domain": "lake",
        "change": "added",
    }
    assert matrix([]) == {"include": []}


def test_synth_diff_names_addresses_and_attributes() -> None:
    diff = synth_diff(
        _doc("a", extra={"versioning": {"enabled": True}}),
        {
            **_doc("a", extra={"versioning": {"enabled": False}}),
            "data": {"google_project": {"this": {"project_id": "x"}}},
        },
    )
    assert diff.added == ["data.google_project.this"]
    assert diff.removed == []
    assert diff.changed == {"google_storage_bucket.lake_raw": ["versioning"]}


def test_stacks_that_cannot_be_planned_here_get_a_labelled_synth_diff(tmp_path: Path) -> None:
    base = _revision(tmp_path, "base", {"dev-gcp-lake": _doc("acme-dev-lake-raw")})
    head = _revision(
        tmp_path,
        "head",
        {"dev-gcp-lake": _doc("acme-dev-lake-raw", extra={"uniform_bucket_level_access": True})},
    )
    revs = Revisions(base, head, ExitStack())
    reports = plan_stacks(revs, compare(base, head), "emulator", tmp_path / "ws")
    assert len(reports) == 1
    report = reports[0]
    assert report.method == "synth-diff" and report.mode == "not planned here"
    assert report.counts == {"create": 0, "update": 1, "replace": 0, "delete": 0}
    from blueprint.preview import MODE_NOTES
    from blueprint.preview.model import PolicySection, Report

    text = render_full(
        Report("b", "h", "emulator", MODE_NOTES["emulator"], reports, PolicySection(False, "x"), "artifacts")
    )
    assert "| `dev-gcp-lake` | synth diff (not planned here) | 0 | 1 | n/a | 0 |" in text
    assert "| update | `google_storage_bucket.lake_raw` | `uniform_bucket_level_access` |" in text


def test_a_policy_step_that_cannot_run_says_it_failed_and_why(tmp_path: Path) -> None:
    from blueprint.preview import MODE_NOTES
    from blueprint.preview.model import Report
    from blueprint.preview.run import policy_new_in_head

    base = _revision(tmp_path / "b", "base", {"dev-gcp-lake": _doc("a")})
    head = _revision(tmp_path / "h", "head", {"dev-gcp-lake": _doc("b")})
    for rev in (base, head):  # an environment file this version cannot read
        (rev.root / "environments").mkdir(parents=True)
        (rev.root / "environments" / "dev.yaml").write_text("name: dev\nprefix: [acme\n")
    section = policy_new_in_head(Revisions(base, head, ExitStack()), compare(base, head))
    assert not section.available
    assert section.note.startswith("invalid environment file")
    assert "dev.yaml" in section.note and "YAML syntax error" in section.note
    rendered = render_full(Report("b", "h", "emulator", MODE_NOTES["emulator"], [], section, "artifacts"))
    assert "**Policy check failed**: invalid environment file" in rendered
