"""docs/parity.md's capability x cloud table is generated from the registry and a synthesis; it is
current, and the generator really depends on what the modules build."""

from __future__ import annotations

from collections import Counter

import pytest

from blueprint.docgen.parity import BEGIN, END, generate, parity_file, render, updated
from blueprint.errors import BlueprintError

pytestmark = pytest.mark.synth


def test_docs_parity_is_current() -> None:
    current, fresh = generate()
    assert current == fresh, "docs/parity.md is out of date: run `blueprint parity` and commit it"


def test_render_lists_every_cloud_and_domain_and_marks_what_is_missing() -> None:
    text = render({("aws", "lake"): Counter({"aws_s3_bucket": 4, "aws_s3_bucket_policy": 1})})
    assert "| aws | `modules.lake.aws` `AwsLake` | `aws_s3_bucket` x4, `aws_s3_bucket_policy` |" in text
    assert text.count("not built") == 17  # 3 clouds x 6 domains, one given
    assert text.startswith(BEGIN) and text.rstrip().endswith(END)


def test_updated_replaces_only_the_generated_section_and_refuses_a_file_without_markers() -> None:
    doc = f"# head\n{BEGIN}\nold\n{END}\ntail\n"
    assert updated(doc, f"{BEGIN}\nnew\n{END}\n") == f"# head\n{BEGIN}\nnew\n{END}\ntail\n"
    with pytest.raises(BlueprintError) as err:
        updated("# nothing here\n", "x")
    assert str(parity_file()) in err.value.message and "marker" in (err.value.fix or "")
