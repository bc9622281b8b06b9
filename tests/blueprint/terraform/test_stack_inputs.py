"""Explicit stack inputs with real terraform: a stack reading another stack's output is planned from
that stack's state, and deferred until it is applied when the output is about to change.

Two hand-written stacks with built-in `terraform_data` resources (no provider, local state) stand for
a producer (foundation) and a consumer (serving) that declares `foundation__token`.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from blueprint.errors import BlueprintError
from blueprint.release.deploy import apply_all
from blueprint.release.plans import init_all, plan_all
from blueprint.synth import Synthesized
from blueprint.terraform import Target, TerraformRunner, inputs
from main import PlannedStack

pytestmark = [
    pytest.mark.apply,
    pytest.mark.aws(services=set()),
]  # it applies (terraform state, or the base on an emulator)

PRODUCER, CONSUMER = "t-aws-foundation", "t-aws-serving"


def _write(stack_dir: Path, doc: dict[str, object]) -> None:
    stack_dir.mkdir(parents=True, exist_ok=True)
    (stack_dir / "cdk.tf.json").write_text(json.dumps(doc))


def _producer(token: str, other: str = "x") -> dict[str, object]:
    return {
        "resource": {"terraform_data": {"token": {"input": token}, "other": {"input": other}}},
        "output": {
            "token": {"value": "${terraform_data.token.output}"},
            "other": {"value": "${terraform_data.other.output}"},
        },
    }


CONSUMER_DOC = {
    "variable": {
        "foundation__token": {"type": "string", "nullable": False},
        "not_an_input": {"type": "string", "default": "d"},
    },
    "resource": {"terraform_data": {"uses": {"input": "${var.foundation__token}"}}},
    "output": {"used": {"value": "${terraform_data.uses.output}"}},
}


@pytest.fixture
def env(tmp_path: Path) -> tuple[TerraformRunner, Synthesized]:
    synth = Synthesized(
        tmp_path / "out",
        [
            PlannedStack("t", "aws", "foundation", PRODUCER, ()),
            PlannedStack("t", "aws", "serving", CONSUMER, (PRODUCER,)),
        ],
    )
    _write(synth.stack_dir(PRODUCER), _producer("alpha"))
    _write(synth.stack_dir(CONSUMER), CONSUMER_DOC)
    runner = TerraformRunner(tmp_path / "home", Target.CLOUD)
    init_all(runner, synth, [PRODUCER, CONSUMER])
    return runner, synth


def _used(runner: TerraformRunner, synth: Synthesized) -> object:
    return runner.outputs(synth.stack_dir(CONSUMER))["used"]


def test_declared_inputs_are_the_domain_output_variables(env: tuple[TerraformRunner, Synthesized]) -> None:
    _, synth = env
    found = inputs.declared(synth.stack_dir(CONSUMER))
    assert [(i.name, i.domain, i.output, i.is_list) for i in found] == [
        ("foundation__token", "foundation", "token", False)
    ]
    assert inputs.sources(synth.stack_dir(CONSUMER)) == {PRODUCER: {"token"}}
    assert inputs.declared(synth.stack_dir(PRODUCER)) == []


def test_first_deploy_defers_the_reader_then_applies_it_with_the_real_value(
    env: tuple[TerraformRunner, Synthesized],
) -> None:
    runner, synth = env
    plans = plan_all(runner, synth, [PRODUCER, CONSUMER])
    assert plans[PRODUCER].counts["create"] == 2 and "token" in plans[PRODUCER].changed_outputs
    assert plans[CONSUMER].deferred_on == (PRODUCER,)
    assert plans[CONSUMER].summary() == {"planned_after": [PRODUCER]}
    assert plans[CONSUMER].plan_file is None  # nothing was planned from a value about to change

    apply_all(runner, synth, plans)
    assert not plans[CONSUMER].deferred_on and plans[CONSUMER].counts["create"] == 1
    assert _used(runner, synth) == "alpha"
    written = json.loads((synth.stack_dir(CONSUMER) / inputs.INPUTS_FILE).read_text())
    assert written == {"foundation__token": "alpha"}

    again = plan_all(runner, synth, [PRODUCER, CONSUMER])
    assert not again[PRODUCER].changes and not again[CONSUMER].changes  # planned now, from state


def test_a_change_to_an_output_the_reader_does_not_read_does_not_defer_it(
    env: tuple[TerraformRunner, Synthesized],
) -> None:
    runner, synth = env
    apply_all(runner, synth, plan_all(runner, synth, [PRODUCER, CONSUMER]))
    _write(synth.stack_dir(PRODUCER), _producer("alpha", other="y"))
    plans = plan_all(runner, synth, [PRODUCER, CONSUMER])
    assert plans[PRODUCER].changed_outputs == {"other"}
    assert not plans[CONSUMER].deferred_on and not plans[CONSUMER].changes


def test_a_changed_output_defers_the_reader_and_promotion_leaves_it_for_review(
    env: tuple[TerraformRunner, Synthesized],
) -> None:
    runner, synth = env
    apply_all(runner, synth, plan_all(runner, synth, [PRODUCER, CONSUMER]))
    _write(synth.stack_dir(PRODUCER), _producer("beta"))
    plans = plan_all(runner, synth, [PRODUCER, CONSUMER])
    assert plans[CONSUMER].deferred_on == (PRODUCER,)
    apply_all(runner, synth, plans, plan_deferred=False)  # what `promote --apply` does
    assert plans[CONSUMER].deferred_on  # not planned, not applied
    assert _used(runner, synth) == "alpha"
    later = plan_all(runner, synth, [PRODUCER, CONSUMER])  # the next review sees the real change
    assert not later[PRODUCER].changes and later[CONSUMER].counts["update"] == 1


def test_fill_refuses_a_missing_output_unless_placeholders_are_allowed(
    env: tuple[TerraformRunner, Synthesized],
) -> None:
    runner, synth = env
    with pytest.raises(BlueprintError) as err:
        inputs.fill(runner, synth.stack_dir(CONSUMER))
    assert "foundation__token" in err.value.message and "deploy" in (err.value.fix or "")
    assert inputs.fill(runner, synth.stack_dir(CONSUMER), allow_missing=True) == ["foundation__token"]
    written = json.loads((synth.stack_dir(CONSUMER) / inputs.INPUTS_FILE).read_text())
    assert written == {"foundation__token": "pending-foundation-token"}


def test_offline_target_writes_labelled_placeholders(tmp_path: Path) -> None:
    stack_dir = tmp_path / "stacks" / "dev-aws-serving"
    doc = {
        "variable": {
            "foundation__private_subnet_ids": {"type": "list(string)"},
            "foundation__serving_key_arn": {"type": "string"},
        }
    }
    _write(stack_dir, doc)
    names = inputs.write_placeholders(stack_dir, "eu-west-1")
    values = json.loads((stack_dir / inputs.INPUTS_FILE).read_text())
    assert sorted(names) == sorted(values)
    assert values["foundation__private_subnet_ids"] == [
        "pending-foundation-private_subnet_ids-0",
        "pending-foundation-private_subnet_ids-1",
    ]
    assert values["foundation__serving_key_arn"].startswith("arn:aws:kms:eu-west-1:000000000000:key/pending")
