"""The JSON Schemas that define every source file kind, and validation against them.

The schema files are the single source of field rules: editors use them through
yaml-language-server, and the build uses them here. fastjsonschema checks the common, valid
case quickly; only when it fails does jsonschema walk the document to report every error.
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable
from functools import cache
from importlib import resources
from typing import TYPE_CHECKING, Any, cast

import fastjsonschema

if TYPE_CHECKING:  # imported when a document is invalid: it costs ~0.3 s, and most runs never need it
    import jsonschema

from ..errors import Problem, did_you_mean
from ..sourcefile import YamlDocument, YamlPath
from ..text import printable

SCHEMA_NAMES = ("kudos", "person", "config")


@cache
def load_schema(name: str) -> dict[str, Any]:
    text = resources.files(__package__).joinpath(f"{name}.schema.json").read_text("utf-8")
    schema: dict[str, Any] = json.loads(text, object_hook=_python_anchors)
    return schema


def _python_anchors(rule: dict[str, Any]) -> dict[str, Any]:
    """A pattern's closing `$` as JSON Schema means it (ECMA-262: the end of the text) for Python's
    `re`, whose `$` also matches before a final newline: a `base_url` ending with a line break and a
    `title:` block scalar passed every one-line rule and reached feeds, robots.txt and every page."""
    pattern = rule.get("pattern")
    if isinstance(pattern, str) and pattern.endswith("$"):
        before = pattern[:-1]
        if (len(before) - len(before.rstrip("\\"))) % 2 == 0:  # `\$` is a dollar sign, `\\$` the end
            rule["pattern"] = before + r"\Z"
    return rule


FieldLimits = tuple[tuple[str, int], ...]
"""Per-field length limits from kudoswall.yaml's `field_limits`, as ('role.from', 200) pairs."""


def text_field(schema: dict[str, Any], dotted: str) -> dict[str, Any] | None:
    """The schema of a text field named like 'title' or 'role.from' (list fields: their items)."""
    target = _subschema(schema, tuple(dotted.split(".")))
    if target is not None and target.get("type") == "array" and isinstance(target.get("items"), dict):
        target = target["items"]
    return target if target is not None and target.get("type") == "string" else None


@cache
def effective_schema(name: str, limits: FieldLimits = ()) -> dict[str, Any]:
    """The shipped schema with the wall's own length limits applied (they may raise or lower them)."""
    if not limits:
        return load_schema(name)
    schema: dict[str, Any] = json.loads(json.dumps(load_schema(name)))
    for dotted, length in limits:
        target = text_field(schema, dotted)
        if target is not None:
            target["maxLength"] = length
    return schema


@cache
def _fast_validator(name: str, limits: FieldLimits = ()) -> Callable[[Any], Any]:
    return fastjsonschema.compile(effective_schema(name, limits))


@cache
def _full_validator(name: str, limits: FieldLimits = ()) -> jsonschema.Draft202012Validator:
    import jsonschema  # lazily: see the TYPE_CHECKING import above

    return jsonschema.Draft202012Validator(effective_schema(name, limits))


def _subschema(schema: dict[str, Any], path: YamlPath) -> dict[str, Any] | None:
    for part in path:
        if isinstance(part, int):
            items = schema.get("items")
            if not isinstance(items, dict):
                return None
            schema = items
        else:
            properties = schema.get("properties", {})
            if part not in properties:
                return None
            schema = properties[part]
    return schema


def coerce_text_fields(name: str, document: YamlDocument) -> None:
    """Give text fields the text as written: `title: no` is 'no', `role: 1.10` is '1.10'.

    YAML 1.1 reads some plain words and numbers as booleans, numbers or dates; where the schema
    wants text, the original spelling is what the writer meant. This is the documented coercion.
    """
    schema = load_schema(name)
    for path, raw_text in document.raw.items():
        target = _subschema(schema, path)
        if target is None or target.get("type") != "string" or not path:
            continue
        container: Any = document.values
        for part in path[:-1]:
            container = container[part]
        if container[path[-1]] is not None:
            container[path[-1]] = raw_text


def drop_empty_optional(name: str, document: YamlDocument) -> None:
    """A field left empty (`title:`) means the field is absent, unless it is required."""
    required = set(load_schema(name).get("required", []))
    for key in [k for k, v in document.values.items() if v is None and k not in required]:
        del document.values[key]


def validate_document(name: str, document: YamlDocument, limits: FieldLimits = ()) -> list[Problem]:
    """Problems with one document against schema `name`; empty when it is valid."""
    coerce_text_fields(name, document)
    drop_empty_optional(name, document)
    try:
        _fast_validator(name, limits)(document.values)
        return []
    except fastjsonschema.JsonSchemaException:
        pass
    errors = list(_full_validator(name, limits).iter_errors(document.values))
    mistyped = {tuple(error.absolute_path) for error in errors if error.validator == "type"}
    # a value of the wrong type gets that one error, not also the range its right type would have
    errors = [error for error in errors if error.validator == "type" or tuple(error.absolute_path) not in mistyped]
    problems = [problem for error in errors for problem in _problems_for(name, document, error)]
    return sorted(problems, key=lambda p: (p.pos, p.message))


def _problems_for(name: str, document: YamlDocument, error: jsonschema.ValidationError) -> list[Problem]:
    """One problem per unknown field, each at its own key with its own suggestion (one error of
    the schema names them all); one per other error."""
    if error.validator != "additionalProperties":
        return [_problem_for(name, document, error)]
    path: YamlPath = tuple(error.absolute_path)
    schema = error.schema if isinstance(error.schema, dict) else {}
    allowed = sorted(schema.get("properties", {}))
    extra = sorted(set(cast(dict[str, Any], error.instance)) - set(allowed))
    label = f" in '{_field_name(path) or 'file'}'" if path else ""
    keys = sorted(extra, key=lambda key: document.pos((*path, key), key=True))[:_UNKNOWN_SHOWN]  # in file order
    problems = [Problem(document.pos((*path, key), key=True), f"unknown field '{_shorten(key)}'{label}",
                        did_you_mean(key, allowed) or f"allowed fields: {', '.join(allowed)}") for key in keys]
    if len(extra) > len(keys):
        problems.append(Problem(document.pos(path), f"and {len(extra) - len(keys)} more unknown fields{label}",
                                f"allowed fields: {', '.join(allowed)}"))
    return problems


_UNKNOWN_SHOWN = 20
"""Unknown fields said one by one, per mapping; past that, one line counts the rest."""


def _shorten(text: str, limit: int = 60) -> str:
    """Echo at most `limit` characters of what a file says (a field name can be 60 KB long), with
    control characters escaped: a line break in a value would split the message in two."""
    return printable(text if len(text) <= limit else text[:limit] + "…")


def _field_name(path: YamlPath) -> str:
    parts = [f"[{p + 1}]" if isinstance(p, int) else f".{p}" for p in path]
    return printable("".join(parts).lstrip("."))


def _describe_type(value: Any) -> str:
    if isinstance(value, bool):
        return "yes/no"
    if isinstance(value, float):
        return f"{value:g}" if math.isfinite(value) else "an infinite or undefined number"
    if isinstance(value, int):
        return "a number"
    if isinstance(value, str):
        return "text"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, dict):
        return "a group of fields"
    return "empty"


def _problem_for(name: str, document: YamlDocument, error: jsonschema.ValidationError) -> Problem:
    path: YamlPath = tuple(error.absolute_path)
    field = _field_name(path) or "file"
    schema = error.schema if isinstance(error.schema, dict) else {}
    hint = str(schema.get("x-hint", ""))
    if not hint and len(path) > 1 and isinstance(path[-1], int):  # an item of a list: the list's hint
        hint = str((_subschema(load_schema(name), path[:-1]) or {}).get("x-hint", ""))
    validator = error.validator
    where = document.pos(path)
    if validator == "required":
        missing = str(error.message).split("'")[1] if "'" in error.message else "?"
        target = f" in '{field}'" if path else ""
        return Problem(where, f"missing required field '{missing}'{target}", f"add '{missing}: ...'")
    if validator == "enum":
        choices = [str(c) for c in schema.get("enum", [])]
        value = str(error.instance)
        close = did_you_mean(value, choices)
        hint = close or f"use one of: {', '.join(choices)}"
        return Problem(where, f"'{_shorten(value)}' is not a valid value for '{field}'", hint)
    if validator == "type":
        wanted = {"string": "text", "array": "a list", "object": "a group of fields", "integer": "a whole number",
                  "boolean": "true or false", "number": "a number"}.get(str(error.validator_value), "?")
        got = _describe_type(error.instance)
        return Problem(where, f"'{field}' must be {wanted}, not {got}", hint)
    if validator == "pattern":
        return Problem(where, f"'{field}' has an invalid value {str(error.instance)[:80]!r}", hint)
    if validator == "maxLength":
        return Problem(
            where,
            f"'{field}' is too long ({len(cast(str, error.instance))} characters; at most {error.validator_value})",
            hint or "shorten it, or change the limit with field_limits in kudoswall.yaml",
        )
    if validator == "minLength":
        return Problem(where, f"'{field}' must not be empty", hint)
    if validator == "maxItems":
        count = len(cast(list[Any], error.instance))
        return Problem(where, f"'{field}' has too many items ({count}; at most {error.validator_value})")
    if validator in ("minimum", "maximum"):
        return Problem(where, f"'{field}' is out of range: {error.message}", hint)
    return Problem(where, f"'{field}': {error.message}", hint)
