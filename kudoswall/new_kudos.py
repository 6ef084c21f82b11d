"""`kudoswall new`: a kudos file written from flags or a terminal interview, every field checked
as it arrives and the whole draft as `check` would read it, before anything is written."""

from __future__ import annotations

import argparse
import datetime as dt
import os
import sys
from bisect import bisect_right
from collections.abc import Callable
from dataclasses import dataclass, field
from itertools import accumulate
from pathlib import Path
from typing import Any

import yaml

from . import clock
from .config import Config
from .errors import Problem, UsageError, did_you_mean
from .load import (
    KUDOS_DIR,
    KUDOS_SUFFIXES,
    PEOPLE_DIR,
    SourceFile,
    list_source_files,
    parse_kudos,
    parse_person,
    read_source,
)
from .models import RELATIONSHIPS
from .scaffold import create_file
from .schema import load_schema
from .slugs import slugify
from .text import check_text
from .validate import FUTURE_DATE_HINT, latest_kudos_date, suggest_handle

MAX_SLUG_IN_FILE_NAME = 80  # leaves room for the date and a -N suffix within the 100-character id limit

Ask = Callable[[str], str]


@dataclass
class KudosDraft:
    """The fields of a new kudos, checked one by one as they arrive."""

    people: dict[str, str]  # handle → display name
    values: dict[str, Any] = field(default_factory=dict)
    removed: frozenset[str] = frozenset()  # people with `status: removed`: their kudos are hidden

    def set_handle(self, field_name: str, handle: str) -> None:
        handle = handle.strip()
        if handle not in self.people:
            hint = suggest_handle(handle, self.people) or f"add content/{PEOPLE_DIR}/{handle or '<handle>'}.yaml first"
            raise UsageError(f"--{field_name}: unknown person '{handle}' ({hint})")
        if handle in self.removed:
            raise UsageError(f"--{field_name}: '{handle}' asked to be removed from the wall (status: removed); "
                             "a kudos from or to them would be hidden")
        other = self.values.get("to" if field_name == "from" else "from")
        if other == handle:
            raise UsageError(f"--{field_name}: a kudos cannot be written to its own writer ('{handle}')")
        self.values[field_name] = handle

    def set_relationship(self, text: str) -> None:
        choices = relationship_choices()
        text = text.strip()
        if text.isdigit() and 1 <= int(text) <= len(choices):
            text = choices[int(text) - 1]
        if text not in choices:
            hint = did_you_mean(text, choices) or f"use one of: {', '.join(choices)}"
            raise UsageError(f"--relationship: '{text}' is not a valid relationship ({hint})")
        self.values["relationship"] = text

    def set_date(self, text: str) -> None:
        try:
            date = dt.date.fromisoformat(text.strip())
        except ValueError:
            raise UsageError(f"--date: '{text.strip()}' is not a real date written YYYY-MM-DD") from None
        if len(text.strip()) != 10:
            raise UsageError(f"--date: write the date as YYYY-MM-DD, not '{text.strip()}'")
        today = clock.today()
        if date > latest_kudos_date(today):  # check's rule: refused before anything is written or recorded
            raise UsageError(f"--date: {date.isoformat()} is after today ({today.isoformat()}); {FUTURE_DATE_HINT}")
        self.values["date"] = date

    def set_text(self, field_name: str, text: str, limit: int) -> None:
        text = text.strip()
        if not text:
            return
        problem = check_text(text, strict_identity=False)
        if problem or len(text) > limit:
            raise UsageError(f"--{field_name.replace('_', '-')} {problem or f'is longer than {limit} characters'}")
        self.values[field_name] = text

    def set_skills(self, text: str) -> None:
        skills = list(dict.fromkeys(" ".join(part.split()) for part in text.split(",") if part.strip()))
        if len(skills) > 12 or any(len(skill) > 60 or check_text(skill, strict_identity=True) for skill in skills):
            raise UsageError("--skills: at most 12 skills, each at most 60 characters of plain text")
        if skills:
            self.values["skills"] = skills

    def set_body(self, text: str) -> None:
        """Trailing blanks go, but not a Markdown hard line break (two spaces); a leading BOM goes too."""
        lines = text.removeprefix("\ufeff").strip("\n").splitlines()
        body = "\n".join(line.rstrip() + ("  " if line.endswith("  ") and line.strip() else "")
                         for line in lines).strip("\n")
        if not body.strip():
            raise UsageError("--body: the kudos has no text")
        problem = check_text(body, strict_identity=False, allow_newlines=True)
        if problem:
            raise UsageError(f"--body {problem}")
        self.values["body"] = body


def relationship_choices() -> list[str]:
    """The allowed relationships, in the kudos schema's order."""
    return [str(choice) for choice in load_schema("kudos")["properties"]["relationship"]["enum"]]


def _people(config: Config) -> tuple[dict[str, str], frozenset[str]]:
    """Every handle with its name, and the handles of the people who asked to be removed."""
    people_paths, _, _ = list_source_files(config)
    names: dict[str, str] = {}
    removed: set[str] = set()
    for path in people_paths:
        person = parse_person(read_source(config, path), config).person
        names[path.stem] = person.name if person else path.stem
        if person is not None and person.removed:
            removed.add(path.stem)
    return names, frozenset(removed)


REQUIRED_FLAGS = {"from": "--from", "to": "--to", "relationship": "--relationship", "body": "--body"}


def _apply_flags(draft: KudosDraft, args: argparse.Namespace, read_stdin: Callable[[], str]) -> list[str]:
    """Apply every given flag, collecting all mistakes into one error; returns the unset fields."""
    errors: list[str] = []
    setters: list[tuple[str | None, Callable[[str], None]]] = [
        (args.from_handle, lambda v: draft.set_handle("from", v)),
        (args.to_handle, lambda v: draft.set_handle("to", v)),
        (args.relationship, draft.set_relationship),
        (args.date, draft.set_date),
        (args.skills, draft.set_skills),
        (args.context, lambda v: draft.set_text("context", v, 160)),
        (args.title, lambda v: draft.set_text("title", v, 140)),
        (args.role_from, lambda v: draft.set_text("role_from", v, 120)),
        (args.role_to, lambda v: draft.set_text("role_to", v, 120)),
        (read_stdin() if args.body == "-" else args.body, draft.set_body),
    ]
    for value, setter in setters:
        if value is not None:
            try:
                setter(value)
            except UsageError as exc:
                errors.append(str(exc))
    if errors:
        raise UsageError("\n".join(errors))
    return [name for name in REQUIRED_FLAGS if name not in draft.values]


def _ask_until_valid(ask: Ask, prompt: str, setter: Callable[[str], None], optional: bool = False) -> None:
    while True:
        answer = ask(prompt)
        if optional and not answer.strip():
            return
        try:
            setter(answer)
            return
        except UsageError as exc:
            print(f"  {str(exc).split(': ', 1)[-1]}")


def _ask_body(ask: Ask) -> str:
    print("The recommendation (Markdown). End with a line holding only '.', or Ctrl-D:")
    lines: list[str] = []
    while True:
        try:
            line = ask("")
        except EOFError:
            break
        if line == ".":
            break
        lines.append(line)
    return "\n".join(lines)


OPTIONAL_ASKED = ("skills", "context", "title")


def _interview(draft: KudosDraft, missing: list[str], ask_optional: bool, ask: Ask) -> None:
    """Ask for each missing field on the terminal, re-asking until the answer is valid; with
    `ask_optional`, for the optional fields of OPTIONAL_ASKED too (or those of them in `missing`)."""
    if {"from", "to"} & set(missing):
        shown = list(draft.people.items())[:30]
        print("People: " + ", ".join(f"{handle} ({name})" for handle, name in shown)
              + (" …" if len(draft.people) > len(shown) else ""))
    if "from" in missing:
        _ask_until_valid(ask, "Your handle (from): ", lambda v: draft.set_handle("from", v))
    if "to" in missing:
        _ask_until_valid(ask, "Recipient's handle (to): ", lambda v: draft.set_handle("to", v))
    if "relationship" in missing:
        writer = draft.people.get(draft.values.get("from", ""), "The writer")
        recipient = draft.people.get(draft.values.get("to", ""), "them")
        for number, choice in enumerate(relationship_choices(), 1):
            print(f"  {number:2}. {choice:16} {writer} {RELATIONSHIPS[choice].format(to=recipient)}")
        _ask_until_valid(ask, "Relationship (number or name): ", draft.set_relationship)
    optional = set(OPTIONAL_ASKED) if ask_optional else set(missing)
    if "skills" in optional:
        _ask_until_valid(ask, "Skills you vouch for, comma-separated (optional): ", draft.set_skills, optional=True)
    if "context" in optional:
        _ask_until_valid(ask, "Company or project (optional): ",
                         lambda v: draft.set_text("context", v, 160), optional=True)
    if "title" in optional:
        _ask_until_valid(ask, "Headline (optional): ", lambda v: draft.set_text("title", v, 140), optional=True)
    while "body" not in draft.values:
        try:
            draft.set_body(_ask_body(ask))
        except UsageError as exc:
            print(f"  {str(exc).split(': ', 1)[-1]}")


def _kudos_parts(values: dict[str, Any]) -> list[tuple[str, str]]:
    """The Markdown file as (field, text) parts, in order: YAML front matter written by
    yaml.safe_dump (so quoting is always right), then the body."""
    front: dict[str, Any] = {"from": values["from"], "to": values["to"], "date": values["date"].isoformat(),
                             "relationship": values["relationship"]}
    role = {key: values[f"role_{key}"] for key in ("from", "to") if values.get(f"role_{key}")}
    if role:
        front["role"] = role
    for name in ("context", "skills", "title"):
        if values.get(name):
            front[name] = values[name]
    parts = [("", "---\n")]
    for key, value in front.items():
        if key == "date":
            parts.append((key, f"date: {value}\n"))  # checked above; plain so it reads as written
            continue
        parts.append((key, yaml.safe_dump({key: value}, allow_unicode=True, sort_keys=False, width=1_000_000,
                                          default_flow_style=None if isinstance(value, list) else False)))
    return [*parts, ("", "---\n"), ("body", str(values["body"]) + "\n")]


def kudos_text(values: dict[str, Any]) -> str:
    return "".join(text for _, text in _kudos_parts(values))


def _taken_stems(kudos_dir: Path) -> set[str]:
    if not kudos_dir.is_dir():
        return set()
    return {name.rsplit(".", 1)[0] for name in os.listdir(kudos_dir) if name.endswith(KUDOS_SUFFIXES)}


def write_new_kudos(kudos_dir: Path, values: dict[str, Any]) -> Path:
    """Create content/kudos/<date>-<slug>.md, adding -2, -3 … rather than replacing a file."""
    slug_source = values.get("title") or f"{values['from']}-on-{values['to']}"
    slug = slugify(slug_source)[:MAX_SLUG_IN_FILE_NAME].rstrip("-")
    stem = f"{values['date'].isoformat()}-{slug}"
    text = kudos_text(values)
    taken = _taken_stems(kudos_dir)
    for number in range(1, 10_000):
        candidate = stem if number == 1 else f"{stem}-{number}"
        if candidate in taken:
            continue
        try:
            create_file(kudos_dir / f"{candidate}.md", text)
        except FileExistsError:
            continue
        return kudos_dir / f"{candidate}.md"
    raise UsageError(f"too many kudos files named {stem}-N.md")


def _read_stdin() -> str:
    return sys.stdin.read()


def new_kudos(config: Config, args: argparse.Namespace, ask: Ask | None = None) -> Path:
    """Check every field (asking on a terminal for what is missing), then write the new file."""
    names, removed = _people(config)
    draft = KudosDraft(names, removed=removed)
    missing = _apply_flags(draft, args, _read_stdin)
    draft.values.setdefault("date", clock.today())  # UTC, or SOURCE_DATE_EPOCH's, like every date kudoswall writes
    interactive = not args.no_input and args.body != "-" and sys.stdin.isatty()
    if missing and not interactive:
        flags = ", ".join(REQUIRED_FLAGS[name] for name in missing)
        raise UsageError(f"missing {flags} (run on a terminal without --no-input to be asked)")
    try:
        if missing:
            given = [args.from_handle, args.to_handle, args.relationship, args.skills, args.context, args.title,
                     args.body]
            _interview(draft, missing, ask_optional=all(value is None for value in given), ask=ask or input)
            while wrong := _fields_check_refuses(config, draft.values):
                _ask_again(draft, wrong, ask or input)
        refuse_what_check_would(config, draft.values)
    except (EOFError, UsageError) as exc:
        if "body" in missing and "body" in draft.values:  # typed here: shown, not lost
            print("Your text was:\n" + str(draft.values["body"]) + "\n")
        if isinstance(exc, UsageError):
            raise
        raise UsageError("input ended before every field was given; nothing was written") from None
    return write_new_kudos(config.content_path / KUDOS_DIR, draft.values)


def _draft_errors(config: Config, values: dict[str, Any]) -> list[tuple[str, Problem]]:
    """The errors `check` would find in the draft as a kudos file (schema, the wall's field_limits,
    min_words, max_body_length), each with the field it is in ('' if none)."""
    parts = _kudos_parts(values)
    source = SourceFile(f"{config.content_dir}/{KUDOS_DIR}/{values['date'].isoformat()}-new.md",
                        "".join(text for _, text in parts).encode("utf-8"))
    first_lines = list(accumulate((text.count("\n") for _, text in parts), initial=1))
    errors = [problem for problem in parse_kudos(source, config).problems if problem.severity == "error"]
    return [(parts[min(len(parts), bisect_right(first_lines, problem.pos.line)) - 1][0] if problem.pos.line else "",
             problem) for problem in errors]


def _fields_check_refuses(config: Config, values: dict[str, Any]) -> dict[str, list[Problem]]:
    """What `_ask_again` can mend: the asked fields check would refuse, or nothing if another is wrong
    too (refuse_what_check_would then says so, and the typed text is shown, not lost)."""
    wrong: dict[str, list[Problem]] = {}
    for name, problem in _draft_errors(config, values):
        wrong.setdefault(name, []).append(problem)
    return wrong if set(wrong) <= {"body", *OPTIONAL_ASKED} else {}


def _ask_again(draft: KudosDraft, wrong: dict[str, list[Problem]], ask: Ask) -> None:
    """A wall rule (min_words, field_limits …) refused an answer only once the whole kudos was read:
    say why and ask for those fields again, showing the text typed so far rather than losing it."""
    for name, problems in wrong.items():
        for problem in problems:
            print(f"  {problem.message}" + (f" ({problem.hint})" if problem.hint else ""))
        if name == "body":
            print("Your text was:\n" + str(draft.values["body"]) + "\n")
        del draft.values[name]
    _interview(draft, list(wrong), ask_optional=False, ask=ask)


def refuse_what_check_would(config: Config, values: dict[str, Any]) -> None:
    """Read the draft as `check` reads a kudos file and refuse it here: written, it would fail check,
    and `new` records it in the lock."""
    errors = [problem for _, problem in _draft_errors(config, values)]
    if errors:
        reasons = "; ".join(f"{problem.message} ({problem.hint})" if problem.hint else problem.message
                            for problem in errors)
        raise UsageError(f"the new kudos would not pass kudoswall check, so nothing was written: {reasons}")
