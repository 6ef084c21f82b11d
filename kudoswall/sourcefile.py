"""Reading source files safely: bytes → text → YAML values with positions.

PyYAML's `safe_load` silently keeps the last of duplicate keys, expands alias bombs, and turns
`no` into False. This module composes the node tree with libyaml (when present) and builds
plain values itself, so it can reject duplicates, aliases and unknown tags, bound nesting, refuse
control characters in any value (YAML escapes like "\0" can write them), and remember where
every value stood and how it was written.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

import yaml

from .errors import Problem, SourcePos
from .text import check_text

try:
    from yaml import CSafeLoader as _Loader
except ImportError:  # pragma: no cover - pure-Python PyYAML build
    from yaml import SafeLoader as _Loader  # type: ignore[assignment]

SAFE_LOADER = _Loader
"""libyaml's CSafeLoader when PyYAML was built with it (8x faster), else the pure-Python one."""

MAX_DEPTH = 16
_SAFE_NESTING = 1000  # far below the depth at which libyaml's recursive composer overflows the C stack
YamlPath = tuple[str | int, ...]

_SCALAR_TAGS = {
    "tag:yaml.org,2002:str",
    "tag:yaml.org,2002:int",
    "tag:yaml.org,2002:float",
    "tag:yaml.org,2002:bool",
    "tag:yaml.org,2002:null",
    "tag:yaml.org,2002:timestamp",
}
_SEQ_TAG = "tag:yaml.org,2002:seq"
_MAP_TAG = "tag:yaml.org,2002:map"
_constructor = yaml.constructor.SafeConstructor()


def field_label(path: YamlPath) -> str:
    """How a field is named in messages: 'role.from', 'skills[2]' (1-based, as people count)."""
    parts = [f"[{part + 1}]" if isinstance(part, int) else f".{part}" for part in path]
    return "".join(parts).lstrip(".") or "file"


class SourceError(Exception):
    """A file that cannot be read at all; carries the problems that say why."""

    def __init__(self, problems: list[Problem]) -> None:
        self.problems = problems
        super().__init__(problems[0].message if problems else "unreadable file")


@dataclass
class YamlDocument:
    """Plain values (dict/list/str/int/float/bool/None) plus where each came from.

    `raw` keeps the text of plain scalars that YAML 1.1 turned into something other than a
    string (`no`, `1.10`, `2024-05-01`), so fields declared as text get the text as written.
    """

    path: str
    values: dict[str, Any]
    positions: dict[YamlPath, tuple[int, int]] = field(default_factory=dict)
    key_positions: dict[YamlPath, tuple[int, int]] = field(default_factory=dict)
    raw: dict[YamlPath, str] = field(default_factory=dict)
    start_line: int = 1

    def pos(self, path: YamlPath, key: bool = False) -> SourcePos:
        table = self.key_positions if key else self.positions
        while path and path not in table:
            path = path[:-1]
        line, column = table.get(path, (self.start_line, 1))
        return SourcePos(self.path, line, column)


_UTF16_32_BOMS = ((b"\xff\xfe\x00\x00", "UTF-32"), (b"\x00\x00\xfe\xff", "UTF-32"),
                  (b"\xff\xfe", "UTF-16"), (b"\xfe\xff", "UTF-16"))


def decode_source(path: str, data: bytes, max_size: int, size: int = -1,
                  too_large: str = "shorten it, or raise max_file_size in kudoswall.yaml") -> str:
    """UTF-8 text with a tolerated BOM and normalised line endings, or a clear error.

    `size` is the file's size when `data` holds only its first bytes (it was over the limit);
    `too_large` the hint when it is over `max_size`.
    """
    size = len(data) if size < 0 else size
    if size > max_size:
        raise SourceError(
            [
                Problem(
                    SourcePos(path),
                    f"file is too large ({size:,} bytes; the limit is {max_size:,})",
                    too_large,
                )
            ]
        )
    for bom, encoding in _UTF16_32_BOMS:
        if data.startswith(bom):
            raise SourceError(
                [Problem(SourcePos(path, 1, 1), f"file is {encoding} encoded, not UTF-8",
                         "save it with UTF-8 encoding")]
            )
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    nul = data.find(b"\x00")
    if nul >= 0:
        line, column = _line_col(data, nul)
        raise SourceError(
            [
                Problem(
                    SourcePos(path, line, column),
                    "file contains a NUL byte",
                    "save it as UTF-8 text (NUL bytes come from UTF-16 files and binary files)",
                )
            ]
        )
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line, column = _line_col(data, exc.start)
        raise SourceError(
            [
                Problem(
                    SourcePos(path, line, column),
                    f"file is not valid UTF-8 (byte 0x{data[exc.start]:02x})",
                    "save it with UTF-8 encoding",
                )
            ]
        ) from None
    if "\r" in text:
        text = text.replace("\r\n", "\n").replace("\r", "\n")
    return text


def _line_col(data: bytes, offset: int) -> tuple[int, int]:
    line = data.count(b"\n", 0, offset) + 1
    line_start = data.rfind(b"\n", 0, offset) + 1
    return line, len(data[line_start:offset].decode("utf-8", "replace")) + 1


def split_front_matter(path: str, text: str) -> tuple[str, str, int]:
    """(front matter, body, line where the body starts) of a Markdown file with `---` fences.

    Trailing spaces or tabs after either fence are allowed: editors add them, and they are invisible."""
    first_newline = text.find("\n")
    opening = text[:first_newline] if first_newline >= 0 else text
    if opening.rstrip(" \t") != "---" or first_newline < 0:
        raise SourceError(
            [
                Problem(
                    SourcePos(path, 1, 1),
                    "missing front matter: a kudos file starts with a line '---'",
                    "put the fields between two '---' lines above the text",
                )
            ]
        )
    end = -1
    search_from = first_newline + 1
    while True:
        newline = text.find("\n", search_from)
        line = text[search_from : newline if newline >= 0 else len(text)]
        if line.rstrip() in ("---", "..."):
            end = search_from
            break
        if newline < 0:
            break
        search_from = newline + 1
    if end < 0:
        raise SourceError(
            [
                Problem(
                    SourcePos(path, 1, 1),
                    "front matter is not closed",
                    "add a line '---' after the last field",
                )
            ]
        )
    front = text[first_newline + 1:end]
    after = text.find("\n", end)
    body = text[after + 1 :] if after >= 0 else ""
    body_line = front.count("\n") + 3
    return front, body, body_line


_NOT_YAML_PRINTABLE = re.compile("[^\x09\x0a\x0d\x20-\x7e\x85\xa0-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")
"""What YAML 1.1 refuses in a stream (PyYAML's Reader.NON_PRINTABLE)."""


def _character_at(text: str, line: int, column: int) -> str:
    """The character at a YAML mark's 0-based line and column ('' past the end)."""
    lines = text.split("\n")
    return lines[line][column: column + 1] if line < len(lines) else ""


def parse_yaml(path: str, text: str, first_line: int = 1) -> YamlDocument:
    """Parse one YAML mapping; `first_line` is where `text` starts in the file."""
    offset = first_line - 1
    try:
        _check_structure(path, text, offset)
        node = yaml.compose(text, Loader=_Loader)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 + offset if mark else first_line
        column = mark.column + 1 if mark else 1
        what = exc.problem or exc.context or "invalid YAML"
        hint = "check indentation and quoting"
        if what == "but found another document":  # PyYAML's phrase ends "expected a single document, ..."
            what, hint = "a second YAML document ('---') in one file", "keep one document: remove the '---' line"
        elif mark is not None and _character_at(text, mark.line, mark.column) == "\t":
            what, hint = "a tab where YAML expects spaces", "indent with spaces, not tabs"
        raise SourceError([Problem(SourcePos(path, line, column), f"invalid YAML: {what}", hint)]) from None
    except yaml.reader.ReaderError as exc:  # a character YAML refuses outright (control characters)
        # libyaml gives the position in UTF-8 bytes, PyYAML's reader in characters: find it again
        refused = _NOT_YAML_PRINTABLE.search(text)
        position = refused.start() if refused else len(text.encode("utf-8")[: exc.position].decode("utf-8", "ignore"))
        before = text[:position]
        line = before.count("\n") + first_line
        column = position - (before.rfind("\n") + 1) + 1
        code = exc.character if isinstance(exc.character, int) else ord(str(exc.character)[:1] or "?")
        message = f"file contains a character that is not allowed (U+{code:04X})"
        hint = "remove it, or write the text again"
        raise SourceError([Problem(SourcePos(path, line, column), message, hint)]) from None
    except yaml.YAMLError as exc:
        first = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        raise SourceError([Problem(SourcePos(path, first_line, 1), f"invalid YAML: {first}")]) from None
    except RecursionError:
        raise SourceError(
            [Problem(SourcePos(path, first_line, 1), "YAML is nested too deeply")]
        ) from None
    document = YamlDocument(path, {}, start_line=first_line)
    if node is None:
        return document
    builder = _Builder(document, offset)
    values = builder.build(node, (), 0)
    if builder.problems:
        raise SourceError(builder.problems)
    if not isinstance(values, dict):
        raise SourceError(
            [
                Problem(
                    SourcePos(path, node.start_mark.line + 1 + offset, node.start_mark.column + 1),
                    "expected fields written as 'name: value'",
                )
            ]
        )
    document.values = values
    return document


def _check_structure(path: str, text: str, offset: int) -> None:
    """Reject aliases and deep nesting from the event stream, before anything is composed.

    libyaml's composer recurses in C: a 30 KB file of '[' crashes the process outside Python's
    recursion limit. Every nesting level needs one of the characters `[{-?:`, so a file with few
    of them cannot nest deeply, and the event scan is skipped for it (most files).
    """
    if "*" not in text and sum(text.count(ch) for ch in "[{-?:") <= _SAFE_NESTING:
        return
    depth = 0
    for event in yaml.parse(text, Loader=_Loader):
        message = ""
        if isinstance(event, yaml.AliasEvent):
            message = "YAML aliases (*name) are not allowed"
        elif isinstance(event, yaml.CollectionStartEvent):
            depth += 1
            if depth > MAX_DEPTH:
                message = f"YAML is nested more than {MAX_DEPTH} levels deep"
        elif isinstance(event, yaml.CollectionEndEvent):
            depth -= 1
        if message:
            mark = event.start_mark
            line, column = (mark.line + 1 + offset, mark.column + 1) if mark else (offset + 1, 1)
            hint = "write the value out in full" if "alias" in message else ""
            raise SourceError([Problem(SourcePos(path, line, column), message, hint)])


class _Builder:
    def __init__(self, document: YamlDocument, offset: int) -> None:
        self.document = document
        self.offset = offset
        self.problems: list[Problem] = []
        self.seen: set[int] = set()

    def where(self, node: yaml.Node) -> tuple[int, int]:
        return node.start_mark.line + 1 + self.offset, node.start_mark.column + 1

    def fail(self, node: yaml.Node, message: str, hint: str = "") -> None:
        line, column = self.where(node)
        self.problems.append(Problem(SourcePos(self.document.path, line, column), message, hint))

    def build(self, node: yaml.Node, path: YamlPath, depth: int) -> Any:
        if id(node) in self.seen:
            self.fail(node, "YAML aliases (*name) are not allowed", "write the value out in full")
            return None
        self.seen.add(id(node))
        self.document.positions[path] = self.where(node)
        if depth > MAX_DEPTH:
            self.fail(node, f"YAML is nested more than {MAX_DEPTH} levels deep")
            return None
        if isinstance(node, yaml.ScalarNode):
            return self.scalar(node, path)
        if isinstance(node, yaml.SequenceNode):
            if node.tag != _SEQ_TAG:
                self.fail(node, f"unsupported YAML tag '{node.tag}'", "remove the tag")
                return None
            return [self.build(item, (*path, index), depth + 1) for index, item in enumerate(node.value)]
        if isinstance(node, yaml.MappingNode):
            if node.tag != _MAP_TAG:
                self.fail(node, f"unsupported YAML tag '{node.tag}'", "remove the tag")
                return None
            return self.mapping(node, path, depth)
        self.fail(node, "unsupported YAML node")  # pragma: no cover
        return None

    def mapping(self, node: yaml.MappingNode, path: YamlPath, depth: int) -> dict[str, Any]:
        result: dict[str, Any] = {}
        for key_node, value_node in node.value:
            if isinstance(key_node, yaml.ScalarNode) and key_node.tag == "tag:yaml.org,2002:merge":
                self.fail(key_node, "YAML merge keys (<<) are not allowed", "write the fields out in full")
                continue
            if not isinstance(key_node, yaml.ScalarNode) or key_node.tag not in _SCALAR_TAGS:
                self.fail(key_node, "a field name must be plain text")
                continue
            key = key_node.value
            if message := check_text(key, strict_identity=False):
                self.fail(key_node, f"a field name {message}", "retype the field name")
                continue
            if key in result:
                first_line, _ = self.document.key_positions[(*path, key)]
                self.fail(key_node, f"duplicate field '{key}' (first set on line {first_line})", "keep only one")
                continue
            self.document.key_positions[(*path, key)] = self.where(key_node)
            result[key] = self.build(value_node, (*path, key), depth + 1)
        return result

    def scalar(self, node: yaml.ScalarNode, path: YamlPath) -> Any:
        tag = node.tag
        if tag not in _SCALAR_TAGS:
            self.fail(node, f"unsupported YAML tag '{tag}'", "remove the tag")
            return None
        if message := check_text(node.value, strict_identity=False, allow_newlines=True):
            self.fail(node, f"'{field_label(path)}' {message}", "retype the text")
            return None
        if tag == "tag:yaml.org,2002:str":
            return node.value
        self.document.raw[path] = node.value
        if tag == "tag:yaml.org,2002:null":
            return None
        if tag == "tag:yaml.org,2002:timestamp":
            return node.value  # dates are checked and parsed by the schema layer, not YAML
        try:
            if tag == "tag:yaml.org,2002:bool":
                return _constructor.construct_yaml_bool(node)
            if tag == "tag:yaml.org,2002:int":
                return _constructor.construct_yaml_int(node)
            return _constructor.construct_yaml_float(node)
        except (ValueError, yaml.YAMLError):
            return node.value
