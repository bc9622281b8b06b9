"""Per-cloud rule tables: for each invariant (same name on every cloud), the rules that check it.

`dsl.py` is the public vocabulary rules are built from (table rules, predicates, shared rules); one file
per cloud holds its table. `RULES` assembles them and `run_rules` runs one invariant on a stack.
"""

from __future__ import annotations

from blueprint.policy.model import INVARIANT_NAMES, RuleResult, StackDoc
from blueprint.policy.rules.aws import AWS_RULES, AWS_STATEFUL
from blueprint.policy.rules.azure import AZURE_RULES, AZURE_STATEFUL
from blueprint.policy.rules.dsl import Rule, merge
from blueprint.policy.rules.gcp import GCP_RULES, GCP_STATEFUL

RULES: dict[str, dict[str, tuple[Rule, ...]]] = {"aws": AWS_RULES, "gcp": GCP_RULES, "azure": AZURE_RULES}
# The stateful resource types per cloud: protected from deletion, and their addresses guarded.
STATEFUL_TYPES: dict[str, frozenset[str]] = {
    "aws": frozenset(AWS_STATEFUL),
    "gcp": frozenset(GCP_STATEFUL),
    "azure": frozenset(AZURE_STATEFUL),
}
# Same invariant names on every cloud: adding a cloud means filling in every one of them.
for _cloud, _table in RULES.items():
    assert tuple(_table) == INVARIANT_NAMES, f"{_cloud} rules must list every invariant in order"


def run_rules(stack: StackDoc, invariant: str) -> RuleResult:
    """Every rule of `stack`'s cloud for one invariant, merged."""
    table = RULES.get(stack.cloud)
    if table is None:
        return RuleResult(note=f"no policy rules for cloud {stack.cloud!r}")
    return merge(rule(stack) for rule in table[invariant])
