"""Known attack strings, and helpers to push any text through every field of every file kind.

`attacks.json` holds strings from the OWASP XSS filter-evasion cheat sheet, DOMPurify's and
ammonia's test cases, and kudoswall's own context breakouts (see README.md for sources). The
fields come from the JSON Schemas themselves, so a field added later is attacked too.
"""

from __future__ import annotations

import copy
import itertools
import json
from collections.abc import Callable, Iterator
from functools import cache
from pathlib import Path
from typing import Any

from kudoswall.build import load_wall, plan_outputs
from kudoswall.config import Config, load_config
from kudoswall.schema import load_schema
from kudoswall.theme import Theme, resolve_theme_dir

HERE = Path(__file__).resolve().parent
FieldPath = tuple[str | int, ...]


def load_attacks() -> list[str]:
    groups: list[dict[str, Any]] = json.loads((HERE / "attacks.json").read_text("utf-8"))
    return [attack for group in groups for attack in group["attacks"]]


ATTACKS = load_attacks()


def text_fields(schema_name: str) -> list[FieldPath]:
    """Every place in a file of this kind where text can be written (list items as index 0)."""

    def walk(schema: dict[str, Any], path: FieldPath) -> Iterator[FieldPath]:
        kind = schema.get("type")
        if kind == "object" or "properties" in schema:
            for name, child in schema.get("properties", {}).items():
                yield from walk(child, (*path, name))
        elif kind == "array":
            items = schema.get("items", {})
            if isinstance(items, dict):
                yield from walk(items, (*path, 0))
        elif kind == "string" or (kind is None and all(isinstance(v, str) for v in schema.get("enum", [""]))):
            yield path

    return list(walk(load_schema(schema_name), ()))


def field_schema(schema_name: str, path: FieldPath) -> dict[str, Any]:
    schema: dict[str, Any] = load_schema(schema_name)
    for part in path:
        schema = schema["items"] if isinstance(part, int) else schema["properties"][part]
    return schema


def field_limit(schema_name: str, path: FieldPath) -> int:
    return int(field_schema(schema_name, path).get("maxLength", 0))


def is_free_text(schema_name: str, path: FieldPath) -> bool:
    """Free text: no pattern beyond 'one line', no fixed choices, not the file's identity or date."""
    schema = field_schema(schema_name, path)
    pattern = str(schema.get("pattern", "^[^\\n"))
    return "enum" not in schema and pattern.startswith("^[^\\n") and path[0] not in ("id", "date", "status_date")


def with_value(document: dict[str, Any], path: FieldPath, value: str) -> dict[str, Any]:
    """A copy of `document` with `value` written at `path`, creating groups and lists as needed."""
    result = copy.deepcopy(document)
    container: Any = result
    for part, following in itertools.pairwise(path):
        if isinstance(part, int):
            while len(container) <= part:
                container.append({} if isinstance(following, str) else [])
            container = container[part]
        else:
            default: Any = [] if isinstance(following, int) else {}
            if not isinstance(container.get(part), type(default)):
                container[part] = default
            container = container[part]
    last = path[-1]
    if isinstance(last, int):
        while len(container) <= last:
            container.append(value)
        container[last] = value
    else:
        container[last] = value
    return result


@cache
def _theme(theme_dir: Path) -> Theme:
    """One compiled theme per process: compiling the templates costs more than a small build."""
    return Theme(Config(root=Path("/nonexistent-wall")), theme_dir)


def render_outputs(root: Path, wanted: Callable[[str], bool] | None = None) -> tuple[Config, dict[str, bytes]]:
    """The output files of the wall at `root` (all, or those `wanted`), rendered in memory exactly
    as a build renders them. Raises ContentError like a build. Only for walls without their own
    templates/ or static/.
    """
    assert not (root / "templates").exists() and not (root / "static").exists()
    config = load_config(root)
    loaded = load_wall(config)
    units = plan_outputs(loaded.wall, config, _theme(resolve_theme_dir(config)))
    return config, {unit.path: unit.render() for unit in units if wanted is None or wanted(unit.path)}
