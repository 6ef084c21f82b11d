"""`kudoswall mv OLD NEW`: rename a kudos without breaking its published address.

The file moves to `<NEW>.<ext>` and the old id is added to its `aliases:`, which makes the build
write a redirect page and a `_redirects` rule from the old permalink. Front matter is edited as
text (one inserted or changed line), so comments and formatting are kept exactly: the file is read
and written byte for byte (BOM, CRLF or CR line endings included) and only the id's value is replaced.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

import yaml

from . import clock
from .build import load_wall
from .config import Config
from .errors import ContentError, UsageError
from .links import kudos_path
from .load import KUDOS_DIR, SourceFile, parse_kudos, read_source
from .lockfile import extend_lock, records_to_add
from .models import Kudos, Wall
from .permanence import alias_path
from .slugs import is_slug


def find_kudos(wall: Wall, config: Config, wanted: str) -> Kudos:
    every = [*wall.kudos, *wall.tombstones, *wall.pending]
    paths = {os.path.relpath(Path(wanted).resolve(), config.root), os.path.normpath(wanted)}  # from cwd or wall
    for kudos in every:
        if kudos.id == wanted or kudos.source in paths:
            return kudos
    raise UsageError(f"no kudos with the id or file '{wanted}'")


def _line_end(line: str) -> str:
    """The line break `line` ends with, as written ('' for a last line without one)."""
    content = line.splitlines()
    return line[len(content[0]) :] if content else line


def _insert_line(lines: list[str], index: int, text: str) -> None:
    """Insert `text` as a line before `lines[index]`, ended like the line above it.

    The file keeps its own endings (CRLF stays CRLF; in a mixed file the new line matches its
    neighbour). After a last line without a break, the break goes before `text` instead, so the
    file still ends without one.
    """
    ends = [end for line in lines[:index] if (end := _line_end(line)) in ("\r\n", "\r", "\n")]
    eol = ends[-1] if ends else "\n"
    if index > 0 and not _line_end(lines[index - 1]):
        lines[index - 1] += eol
        lines.insert(index, text)
    else:
        lines.insert(index, text + eol)


def _replace_id(line: str, column: int, old_id: str, new_id: str) -> str | None:
    """`line` with the id written at `column` changed to `new_id`, or None if it is not written simply.

    Only the scalar's text changes: a tag, quotes, the comment after it and the line break stay.
    Escapes or a block scalar are not matched (None): the caller asks for a rename by hand.
    """
    written = re.compile(rf"(?:[!&][^ \t]*[ \t]+)*([\"']?)({re.escape(old_id)})\1(?=[\s,\]}}]|\Z)")
    match = written.match(line, column - 1)
    return line[: match.start(2)] + new_id + line[match.end(2) :] if match else None


def _insert_alias(lines: list[str], kudos: Kudos, old_id: str, front_end: int) -> None:
    """Add `old_id` to the aliases list, or add an `aliases:` line at the end of the front matter."""
    quoted = f'"{old_id}"'
    if "aliases" not in kudos.positions:
        _insert_line(lines, front_end, f"aliases: [{quoted}]")
        return
    pos = kudos.positions["aliases"]
    index = pos.line - 1
    line = lines[index]
    if line[pos.column - 1 :].lstrip().startswith("["):
        close, empty = _flow_list_end(lines, front_end)
        close_line = lines[close[0]]
        lines[close[0]] = close_line[: close[1]] + ("" if empty else ", ") + quoted + close_line[close[1] :]
        return
    indent = line[: pos.column - 1]  # block list: the value starts at the first '- '
    last = index
    while last + 1 < len(lines) and lines[last + 1].startswith(indent + "- "):
        last += 1
    _insert_line(lines, last + 1, f"{indent}- {quoted}")


def _flow_list_end(lines: list[str], front_end: int) -> tuple[tuple[int, int], bool]:
    """Where the `]` closing the `aliases: [...]` list is (line index, column), as YAML reads it: the
    list may span lines, and a comment after it may hold brackets too; and whether the list is empty."""
    first = 1 if lines and lines[0].rstrip() in ("---",) else 0
    node = yaml.compose("".join(lines[first:front_end]), Loader=yaml.SafeLoader)
    for key, value in node.value if isinstance(node, yaml.MappingNode) else ():
        if key.value == "aliases" and isinstance(value, yaml.SequenceNode):
            return (first + value.end_mark.line, value.end_mark.column - 1), not value.value
    raise UsageError("could not find the aliases list; rename the file by hand and add the old id to it")


def _front_matter_end(lines: list[str], markdown: bool) -> int:
    """Where a new front matter line goes: before the closing '---' of a .md file, or before the
    '...' that may end a .yaml file's document (a line after it would be outside the document)."""
    for index in range(1 if markdown else 0, len(lines)):
        if lines[index].rstrip() in (("---", "...") if markdown else ("...",)):
            return index
    if markdown:
        raise UsageError("the kudos file has no closing '---'")
    return len(lines)


def move_kudos(config: Config, old: str, new: str) -> tuple[str, str]:
    if not is_slug(new) or len(new) > 100:
        raise UsageError(f"'{new}' is not a valid id: lowercase letters, digits and hyphens, at most 100 characters")
    wall = load_wall(config).wall
    kudos = find_kudos(wall, config, old)
    if new == kudos.id:
        raise UsageError(f"the kudos is already called '{new}'")
    taken = {k.id for k in (*wall.kudos, *wall.tombstones, *wall.pending)}
    taken |= {path for k in (*wall.kudos, *wall.tombstones) if k is not kudos
              for a in k.aliases if (path := alias_path(a, "kudos"))}
    if new in taken or kudos_path(new) in taken:
        raise UsageError(f"'{new}' is already the id or an old address of a kudos")
    # back to an address it had before: that alias becomes the id it leaves (the list stays as long)
    former = next((index for index, a in enumerate(kudos.aliases) if alias_path(a, "kudos") == kudos_path(new)), None)
    source = config.root / kudos.source
    target = source.with_name(new + source.suffix)
    if target.exists():
        raise UsageError(f"{os.path.relpath(target, config.root)} already exists")
    text = source.read_bytes().decode("utf-8")  # not read_text: universal newlines would turn CRLF into LF
    bom = text[:1] if text.startswith("\ufeff") else ""  # the parser skips it, so columns on line 1 do too
    # splitlines breaks lines where the YAML parser does (\r\n, \r, \n, NEL, U+2028/9), so positions match
    lines = text[len(bom) :].splitlines(keepends=True)
    markdown = source.suffix == ".md"
    if "id" in kudos.positions:  # an explicit id: change its value in place, keep the rest of the line
        pos = kudos.positions["id"]
        changed = _replace_id(lines[pos.line - 1], pos.column, kudos.id, new)
        if changed is None:
            raise UsageError(f"could not find the id '{kudos.id}' on line {pos.line} of {kudos.source}; "
                             f"rename it by hand and add 'aliases: [{kudos.id}]'")
        lines[pos.line - 1] = changed
    if former is None:
        _insert_alias(lines, kudos, kudos.id, _front_matter_end(lines, markdown))
    else:
        place = kudos.positions.get(f"aliases.{former}")
        swapped = place and _replace_id(lines[place.line - 1], place.column, kudos.aliases[former], kudos.id)
        if not place or not swapped:
            raise UsageError(f"could not find the alias '{kudos.aliases[former]}' in {kudos.source}; rename it "
                             f"by hand, replacing that alias with '{kudos.id}'")
        lines[place.line - 1] = swapped
    text = bom + "".join(lines)
    moved = parse_kudos(SourceFile(os.path.relpath(target, config.root), text.encode("utf-8")), config)
    if moved.kudos is None or moved.kudos.id != new or kudos.id not in moved.kudos.aliases:
        if moved.problems:
            raise ContentError(list(moved.problems))
        raise UsageError(f"could not rewrite {kudos.source}; rename it by hand and add 'aliases: [{kudos.id}]'")
    with open(target, "x", encoding="utf-8", newline="") as out:
        out.write(text)
    source.unlink()
    return os.path.relpath(source, config.root), os.path.relpath(target, config.root)


def record_new_kudos(config: Config, path: Path) -> int:
    """`new` records the kudos it wrote in kudoswall.lock (when it is published, not awaiting consent)."""
    if KUDOS_DIR not in path.parts:
        return 0
    result = parse_kudos(read_source(config, path.resolve()), config)
    if result.kudos is None or not result.kudos.is_live:
        return 0
    wall = Wall(people={}, kudos=[result.kudos])
    today = clock.today()
    return extend_lock(config.root, lambda lock: records_to_add(lock, wall, today))
