"""Loading environment files: YAML (duplicate keys refused) into a validated `PlatformSpec`.

Every error names the file, the field path, what was wrong and the fix (see `SpecError`).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError

from blueprint import paths
from blueprint.errors import BlueprintError, SpecError
from blueprint.paths import display
from blueprint.spec.model import PlatformSpec, Problem
from blueprint.spec.promotion import promotion_order
from blueprint.spec.vocabulary import CLOUDS

MAX_SPEC_BYTES = 256 * 1024  # an environment file is a page of YAML; anything bigger is a mistake


class UniqueKeyLoader(yaml.SafeLoader):
    """SafeLoader that refuses duplicate keys instead of silently keeping the last one."""


def _construct_mapping(loader: UniqueKeyLoader, node: yaml.MappingNode, deep: bool = False) -> dict[Any, Any]:
    seen: dict[Any, int] = {}
    for key_node, _ in node.value:
        key = loader.construct_object(key_node, deep=deep)
        try:
            hash(key)
        except TypeError:
            raise yaml.constructor.ConstructorError(
                "while constructing a mapping", node.start_mark, "found unhashable key", key_node.start_mark
            ) from None
        if key in seen:
            raise yaml.constructor.ConstructorError(
                None,
                None,
                f"duplicate key {key!r} (first on line {seen[key] + 1})",
                key_node.start_mark,
            )
        seen[key] = key_node.start_mark.line
    return loader.construct_mapping(node, deep=deep)


UniqueKeyLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_mapping)

_FIXES = {
    "missing": "add the field",
    "extra_forbidden": "remove it or check its spelling (see environments/schema.json)",
    "string_pattern_mismatch": "use a value matching the pattern",
    "literal_error": "use one of the allowed values",
    "bool_type": "use true or false",
    "bool_parsing": "use true or false",
    "int_type": "use a whole number",
    "int_parsing": "use a whole number",
    "int_from_float": "use a whole number",
    "string_type": "use a quoted string",
    "model_type": "use a mapping (key: value lines)",
    "dict_type": "use a mapping (key: value lines)",
    "greater_than_equal": "raise the value",
    "less_than_equal": "lower the value",
    "string_too_short": "use a non-empty value",
}


def _field_path(loc: tuple[int | str, ...]) -> str:
    return ".".join(str(p) for p in loc) or "(top level)"


def _describe(err: Any) -> list[tuple[str, str, str]]:
    loc = tuple(err["loc"])
    field = _field_path(loc)
    kind = err["type"]
    given = err.get("input")
    ctx = err.get("ctx") or {}
    problem = ctx.get("error")
    if kind == "value_error" and isinstance(problem, Problem):
        return [(_field_path((*loc, *([f] if f else []))), what, fix) for f, what, fix in problem.items]
    if kind == "value_error":
        return [(field, str(problem or err["msg"]), "correct the value")]
    what = err["msg"]
    if kind not in ("missing",) and given is not None and not isinstance(given, dict | list):
        what = f"{what} (got {given!r})"
    fix = _FIXES.get(kind, "correct the value")
    if kind == "string_pattern_mismatch":
        fix = f"use a value matching {ctx.get('pattern')}"
    elif kind == "literal_error":
        fix = f"use one of {ctx.get('expected')}"
    elif kind in ("greater_than_equal", "less_than_equal"):
        bound = ctx.get("ge", ctx.get("le"))
        fix = f"use a value {'>=' if kind == 'greater_than_equal' else '<='} {bound}"
    elif kind == "missing":
        fix = f"add `{loc[-1]}:` under {_field_path(loc[:-1])}" if len(loc) > 1 else f"add `{loc[-1]}:`"
    return [(field, what, fix)]


def _read_yaml(path: Path) -> Any:
    shown = display(path)
    if not path.is_file():
        raise SpecError(shown, [("(file)", "file not found", f"create {shown} or pass an existing --env")])
    size = path.stat().st_size
    if size > MAX_SPEC_BYTES:
        raise SpecError(
            shown,
            [("(file)", f"file is {size} bytes, over the {MAX_SPEC_BYTES}-byte limit", "trim the file")],
        )
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError as exc:
        raise SpecError(
            shown, [("(file)", f"not UTF-8 text ({exc.reason})", "save the file as UTF-8")]
        ) from None
    try:
        return yaml.load(text, Loader=UniqueKeyLoader)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark
        where = f"line {mark.line + 1}, column {mark.column + 1}" if mark else "unknown position"
        problem = exc.problem or str(exc)
        return _raise_yaml(shown, where, problem)
    except yaml.YAMLError as exc:
        return _raise_yaml(shown, "unknown position", str(exc))
    except RecursionError:
        return _raise_yaml(shown, "unknown position", "the file is nested too deeply")
    except (ValueError, TypeError, AttributeError, OverflowError) as exc:
        # SafeConstructor lets these escape for values like 2001-13-45, !!int abc, a 5000-digit number.
        return _raise_yaml(shown, "unknown position", f"a value cannot be read: {str(exc)[:200]}")


def _raise_yaml(shown: str, where: str, problem: str) -> Any:
    raise SpecError(shown, [(f"({where})", f"YAML syntax error: {problem}", "fix the YAML at that position")])


def load_spec(path: Path | str) -> PlatformSpec:
    """Load and validate one environment file; raises `SpecError` naming file, field and fix."""
    path = Path(path)
    shown = display(path)
    data = _read_yaml(path)
    if data is None:
        raise SpecError(shown, [("(file)", "file is empty", "start from environments/dev.yaml")])
    if not isinstance(data, dict):
        raise SpecError(
            shown, [("(top level)", f"expected a mapping, got {type(data).__name__}", "use key: value")]
        )
    try:
        spec = PlatformSpec.model_validate(data)
    except ValidationError as exc:
        raise SpecError(shown, [item for e in exc.errors() for item in _describe(e)]) from None
    if spec.name != path.stem:
        raise SpecError(
            shown, [("name", f"is {spec.name!r} but the file is {path.name}", f"set name: {path.stem}")]
        )
    return spec


def resolve_env_path(env: str, environments_dir: Path | None = None) -> Path:
    """`dev` -> environments/dev.yaml; a path is taken as is."""
    if env.endswith((".yaml", ".yml")) or "/" in env:
        return Path(env)
    return (environments_dir or paths.environments_dir()) / f"{env}.yaml"


def load_env(env: str, environments_dir: Path | None = None) -> PlatformSpec:
    return load_spec(resolve_env_path(env, environments_dir))


def load_all(environments_dir: Path | None = None) -> dict[str, PlatformSpec]:
    """Load every environment and check the promotion chain across files."""
    directory = environments_dir or paths.environments_dir()
    files = sorted(directory.glob("*.yaml"))
    specs = {p.stem: load_spec(p) for p in files}
    promotion_order(specs, {p.stem: display(p) for p in files})
    return specs


def select_specs(envs: list[str] | None) -> list[PlatformSpec]:
    """The environments named on a command line (names or paths); all of them when none is named."""
    return list(load_all().values()) if not envs else [load_env(e) for e in envs]


def select_clouds(clouds: list[str] | None) -> set[str] | None:
    """The clouds named on a command line (`--cloud`); None means every enabled cloud."""
    if not clouds:
        return None
    unknown = set(clouds) - set(CLOUDS)
    if unknown:
        raise BlueprintError(
            f"--cloud: unknown cloud(s) {sorted(unknown)}", fix=f"use some of {list(CLOUDS)}"
        )
    return set(clouds)
