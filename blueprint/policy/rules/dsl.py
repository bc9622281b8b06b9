"""What every cloud's rule table is built from: table rules, predicates, and the rules shared across
clouds (tags/labels, deletion protection, private networking).

A rule takes a `StackDoc` and returns a `RuleResult`: one `Check` per resource it looked at. A rule
that finds no resource of its types says so (`not applicable`), so an invariant never passes silently
on a stack it could not see.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from blueprint.policy.model import (
    RuleResult,
    StackDoc,
    dig,
    is_false,
    is_true,
)

Rule = Callable[[StackDoc], RuleResult]
Predicate = Callable[[dict[str, Any]], str | None]  # body -> problem, or None when fine

MODULE_HINT = "modules/primitives/aws.py (SecureBucket)"


def env_file(stack: StackDoc) -> str:
    return f"environments/{stack.spec.name}.yaml"


def resource_label(rtype: str, name: str, body: dict[str, Any]) -> str:
    """`bucket acme-dev-lake-raw (aws_s3_bucket.lake_raw_bucket_1234)`: a name a person recognizes."""
    human = next(
        (body[k] for k in ("bucket", "name", "alias", "cluster_name", "workgroup_name") if k in body),
        None,
    )
    kind = "bucket" if rtype.endswith("_bucket") else rtype
    return f"{kind} {human} ({rtype}.{name})" if isinstance(human, str) else f"{rtype}.{name}"


def as_list(value: Any) -> list[Any]:
    if value is None:
        return []
    return value if isinstance(value, list) else [value]


def table_rule(table: dict[str, Predicate], fix: Callable[[str], str], note: str | None = None) -> Rule:
    """A rule from a {resource type: predicate} table; `fix(type)` says how to repair a failure."""

    def rule(stack: StackDoc) -> RuleResult:
        result = RuleResult(note=note)
        for rtype, name, body in stack.each(*table):
            problem = table[rtype](body)
            result.add(
                f"{rtype}.{name}",
                None if problem is None else f"{resource_label(rtype, name, body)} {problem}",
                fix(rtype),
            )
        return result

    return rule


def require(path: str, what: str) -> Predicate:
    """Predicate: `path` is a non-empty value (a key id, a subnet list, a block)."""

    def check(body: dict[str, Any]) -> str | None:
        return None if dig(body, path) not in (None, "", [], {}) else f"has no {what} ({path})"

    return check


def require_true(path: str, what: str) -> Predicate:
    def check(body: dict[str, Any]) -> str | None:
        return None if is_true(dig(body, path)) else f"does not set {path} = true ({what})"

    return check


def require_false(path: str, what: str) -> Predicate:
    def check(body: dict[str, Any]) -> str | None:
        return None if is_false(dig(body, path)) else f"does not set {path} = false ({what})"

    return check


def forbid(path: str, bad: Iterable[Any], what: str) -> Predicate:
    values = tuple(bad)

    def check(body: dict[str, Any]) -> str | None:
        value = dig(body, path)
        return f"sets {path} = {value!r} ({what})" if value in values else None

    return check


def all_of(*predicates: Predicate) -> Predicate:
    def check(body: dict[str, Any]) -> str | None:
        problems = [p for p in (pred(body) for pred in predicates) if p]
        return "; ".join(problems) if problems else None

    return check


def merge(results: Iterable[RuleResult]) -> RuleResult:
    merged = RuleResult()
    notes = []
    for r in results:
        merged.checks.extend(r.checks)
        if r.note:
            notes.append(r.note)
    merged.note = "; ".join(dict.fromkeys(notes)) or None
    return merged


# ---------------------------------------------------------------------------------------------------
# Shared across clouds: tags/labels, deletion protection


def _tag_problem(tags: Any, want: dict[str, str], where: str) -> str | None:
    if not isinstance(tags, dict):
        return f"{where} has no tags"
    missing = [k for k in want if k not in tags]
    wrong = [f"{k}={tags[k]!r} (want {want[k]!r})" for k in want if k in tags and tags[k] != want[k]]
    problems = ([f"missing {', '.join(missing)}"] if missing else []) + (
        [f"wrong values {', '.join(wrong)}"] if wrong else []
    )
    return f"{where} tags: {'; '.join(problems)}" if problems else None


def provider_tags_rule(provider: str, path: str, attribute: str, resource_attribute: str) -> Rule:
    """Provider-level default tags/labels (`path` in the provider block) carry every spec tag; a resource's
    own `resource_attribute` may not override one with another value."""

    def rule(stack: StackDoc) -> RuleResult:
        want = stack.spec.tags.as_dict()
        fix = (
            f"set {attribute} on the {provider} provider from the spec's tags (the stack setup in "
            f"stacks/registry.py STACK_SETUP); the values come from `tags:` in {env_file(stack)}"
        )
        result = RuleResult()
        providers = stack.providers(provider)
        if not providers:
            result.add(f"provider.{provider}", f"stack {stack.stack_id} has no {provider} provider", fix)
        for address, cfg in providers:
            result.add(address, _tag_problem(dig(cfg, path), want, f"{address} {attribute}"), fix)
        for rtype, name, body in stack.each():
            own = body.get(resource_attribute)
            if isinstance(own, dict) and set(own) & set(want):
                wrong = {k: v for k, v in own.items() if k in want and v != want[k]}
                what = resource_label(rtype, name, body)
                problem = f"{what} overrides required tags {sorted(wrong)}" if wrong else None
                result.add(f"{rtype}.{name}", problem, f"remove those keys from its tags; {fix}")
        return result

    return rule


def resource_tags_rule(types: frozenset[str], attribute: str) -> Rule:
    """Every resource of a taggable type carries every spec tag itself (clouds without default tags)."""

    def rule(stack: StackDoc) -> RuleResult:
        want = stack.spec.tags.as_dict()
        result = RuleResult(note="no taggable resource")
        for rtype, name, body in stack.each(*types):
            label = resource_label(rtype, name, body)
            fix = f"set {attribute} from the spec's tags (`tags:` in {env_file(stack)}) on {label}"
            result.add(f"{rtype}.{name}", _tag_problem(body.get(attribute), want, label), fix)
        return result

    return rule


def deletion_protection_rule(stateful: dict[str, str | None], force_flags: dict[str, str]) -> Rule:
    """prevent_destroy on every stateful resource, plus the API-level flag where the type has one.

    Required when protection.stateful is true, and in every environment that is not an emulator one
    (only `local` may be torn down freely).
    """

    def rule(stack: StackDoc) -> RuleResult:
        spec = stack.spec
        if not spec.protection.stateful and spec.emulated:
            return RuleResult(
                note=f"not required: protection.stateful is false in the emulator environment {spec.name}"
            )
        result = RuleResult(note="no stateful resource")
        for rtype, name, body in stack.each(*stateful):
            label = resource_label(rtype, name, body)
            problems = []
            if not is_true(dig(body, "lifecycle.prevent_destroy")):
                problems.append("has no lifecycle.prevent_destroy = true")
            flag = stateful[rtype]
            if flag and not is_true(dig(body, flag)):
                problems.append(f"does not set {flag} = true")
            force = force_flags.get(rtype)
            if force and is_true(body.get(force)):
                problems.append(f"sets {force} = true")
            fix = (
                f"set protection.stateful: true in {env_file(stack)} (only emulator environments may "
                "turn it off)"
                if not spec.protection.stateful
                else "set lifecycle prevent_destroy (and the type's deletion protection flag) from "
                "protection.stateful, as SecureBucket and the foundation key do"
            )
            result.add(f"{rtype}.{name}", f"{label} {'; '.join(problems)}" if problems else None, fix)
        return result

    return rule


PRIVATE_NOTE = "not built yet: no warehouse, Kafka, orchestration or model endpoint resource"


def private_fix(rtype: str) -> str:
    return f"place the {rtype} in the environment's private subnets/network and turn public access off"


def fix_for(what: str) -> Callable[[str], str]:
    return lambda rtype: f"set {what} on the {rtype} (see the message for the argument)"
