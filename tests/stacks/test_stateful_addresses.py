"""The Terraform addresses of the shipped environments' stateful resources (buckets, keys, warehouses,
clusters, datasets, vaults, accounts: the policy gate's stateful types) are pinned in
stateful_addresses.json. An address that disappears would make terraform destroy the resource and create
a new one: the test fails unless the stack declares the move (a `moved` block from the old address) or
its removal without destroy (a `removed` block).

New stateful resources are added to the file with `BLUEPRINT_PIN_STATEFUL=1 pytest <this file>`, which
refuses to drop a pinned address."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import pytest

pytestmark = pytest.mark.synth
PINNED = Path(__file__).with_name("stateful_addresses.json")


def stateful_addresses(doc: dict[str, Any], types: frozenset[str]) -> set[str]:
    return {
        f"{rtype}.{name}"
        for rtype, group in (doc.get("resource") or {}).items()
        if rtype in types
        for name in group
    }


def declared_moves(doc: dict[str, Any]) -> set[str]:
    """The `from` addresses of the stack's `moved` blocks and the addresses of its `removed` blocks."""
    found: set[str] = set()
    for block in doc.get("moved") or []:
        found.add(str(block.get("from", "")))
    for block in doc.get("removed") or []:
        found.add(str(block.get("from", "")))
    return found


def vanished(pinned: dict[str, list[str]], docs: dict[str, dict[str, Any]]) -> list[str]:
    from blueprint.naming import parse_stack_id
    from blueprint.policy.rules import STATEFUL_TYPES

    lost: list[str] = []
    for stack_id, addresses in sorted(pinned.items()):
        doc = docs.get(stack_id)
        if doc is None:
            lost += [f"{stack_id}: the whole stack ({len(addresses)} stateful resources)"]
            continue
        present = stateful_addresses(doc, STATEFUL_TYPES[parse_stack_id(stack_id).cloud]) | declared_moves(
            doc
        )
        lost += [f"{stack_id}: {a}" for a in addresses if a not in present]
    return lost


@pytest.fixture(scope="module")
def synthesized(tmp_path_factory: pytest.TempPathFactory) -> dict[str, dict[str, Any]]:
    from blueprint.spec import load_all
    from blueprint.synth import synthesize

    out = tmp_path_factory.mktemp("stateful")
    synth = synthesize(list(load_all().values()), None, out)
    return {
        s.stack_id: json.loads((synth.stack_dir(s.stack_id) / "cdk.tf.json").read_text())
        for s in synth.stacks
    }


def test_no_stateful_address_disappears_without_a_declared_move(
    synthesized: dict[str, dict[str, Any]],
) -> None:
    from blueprint.naming import parse_stack_id
    from blueprint.policy.rules import STATEFUL_TYPES

    pinned: dict[str, list[str]] = json.loads(PINNED.read_text()) if PINNED.is_file() else {}
    lost = vanished(pinned, synthesized)
    assert not lost, (
        "stateful resources would be destroyed and re-created (declare the move, see docs):\n"
        + "\n".join(lost)
    )
    if os.environ.get("BLUEPRINT_PIN_STATEFUL") == "1":
        current = {
            sid: sorted(
                set(pinned.get(sid, [])) | stateful_addresses(doc, STATEFUL_TYPES[parse_stack_id(sid).cloud])
            )
            for sid, doc in synthesized.items()
        }
        PINNED.write_text(json.dumps({k: v for k, v in sorted(current.items()) if v}, indent=1) + "\n")
    assert sum(len(v) for v in pinned.values()) > 200, "the pinned file lost its addresses"


def test_a_renamed_bucket_is_caught_and_a_declared_move_is_accepted(
    synthesized: dict[str, dict[str, Any]],
) -> None:
    pinned = json.loads(PINNED.read_text())
    sid = "dev-aws-lake"
    bucket = next(a for a in pinned[sid] if a.startswith("aws_s3_bucket.lake_raw"))
    doc = json.loads(json.dumps(synthesized[sid]))
    body = doc["resource"]["aws_s3_bucket"].pop(bucket.split(".", 1)[1])
    doc["resource"]["aws_s3_bucket"]["lake_raw_renamed"] = body
    assert vanished({sid: [bucket]}, {sid: doc}) == [f"{sid}: {bucket}"]
    doc["moved"] = [{"from": bucket, "to": "aws_s3_bucket.lake_raw_renamed"}]
    assert vanished({sid: [bucket]}, {sid: doc}) == []
