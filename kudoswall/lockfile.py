"""kudoswall.lock: the checked-in record of every kudos and person page ever published.

One JSON object per line, sorted by kind then key, so diffs are one line per new record and
merges rarely conflict. `build` and `new` only ever ADD records (the lock is a ledger the build
appends to, not a source file it edits); a record is never rewritten or removed, which is what
lets `check` promise that every permalink in it keeps resolving.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import tempfile
from collections.abc import Iterable
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Literal

from . import clock
from .errors import ContentError, Problem, SourcePos
from .links import kudos_path, person_path
from .models import Kudos, Wall
from .sourcefile import SourceError, decode_source

LOCK_FILE = "kudoswall.lock"
HEADER = ("# kudoswall.lock: every kudos and person page ever published here, one JSON object per line.\n"
          "# Commit it. kudoswall build adds records; never edit or delete one (see README: permanence).\n")
RecordKind = Literal["kudos", "person"]
RESTORE_HINT = "restore it from git: lock records are never edited by hand"


@dataclass(frozen=True, slots=True)
class LockRecord:
    kind: RecordKind
    key: str  # kudos id or person handle
    permalink: str  # site path, like k/<id>/
    published: dt.date
    digest: str  # "sha256:..." of the kudos' content when first published; "" for people
    line: int = 0

    def to_line(self) -> str:
        record: dict[str, str] = {"kind": self.kind, "id": self.key, "permalink": self.permalink,
                                  "published": self.published.isoformat()}
        if self.digest:
            record["digest"] = self.digest
        return json.dumps(record, ensure_ascii=False, separators=(", ", ": ")) + "\n"

    @property
    def sort_key(self) -> tuple[str, str]:
        return (self.kind, self.key)


@dataclass
class Lock:
    records: list[LockRecord]
    problems: list[Problem]
    text: str = ""  # the file as read: existing records are written back verbatim on append

    def lines(self) -> dict[tuple[str, str], str]:
        """The exact text of each record, by sort key; taken from `text` only when the lock is written
        (kept as one string, not ~10,000 small ones for the whole build)."""
        text_lines = self.text.splitlines()
        return {record.sort_key: text_lines[record.line - 1].strip() + "\n" for record in self.records}

    def by_key(self, kind: RecordKind) -> dict[str, LockRecord]:
        return {r.key: r for r in self.records if r.kind == kind}


def content_digest(kudos: Kudos) -> str:
    """Digest of what a reader sees: the text and facts, not aliases, status or consent.

    Renaming a kudos (which adds an alias) therefore does not mark it as edited.
    """
    content = [kudos.from_handle, kudos.to_handle, kudos.date.isoformat(), kudos.relationship, kudos.role_from,
               kudos.role_to, kudos.context, [s.name for s in kudos.skills], kudos.title, list(kudos.tags),
               kudos.body_markdown]
    return "sha256:" + hashlib.sha256(json.dumps(content, ensure_ascii=False).encode()).hexdigest()


def parse_lock(text: str, path: str = LOCK_FILE) -> Lock:
    records: list[LockRecord] = []
    problems: list[Problem] = []
    for number, line in enumerate(text.splitlines(keepends=True), start=1):
        stripped = line.strip()
        if not stripped or stripped.startswith("#"):
            continue
        try:
            value = json.loads(stripped)
            kind, key, permalink = value["kind"], value["id"], value["permalink"]
            published = dt.date.fromisoformat(value["published"])
            if kind not in ("kudos", "person") or not all(isinstance(v, str) for v in (key, permalink)):
                raise ValueError(kind)
        except (ValueError, KeyError, TypeError):
            problems.append(Problem(SourcePos(path, number, 1), "this line of the lock file is not a valid record",
                                    RESTORE_HINT))
            continue
        record = LockRecord(kind, key, permalink, published, str(value.get("digest", "")), number)
        records.append(record)
    return Lock(records, problems, text)


def read_lock(root: Path) -> Lock:
    """The lock as checked in; one that is not UTF-8 text has no records and says where it breaks."""
    path = root / LOCK_FILE
    if not path.is_file():
        return Lock([], [])
    data = path.read_bytes()
    try:
        text = decode_source(LOCK_FILE, data, max_size=len(data))
    except SourceError as exc:
        return Lock([], [replace(problem, hint=RESTORE_HINT) for problem in exc.problems])
    return parse_lock(text)


def records_to_add(lock: Lock, wall: Wall, today: dt.date) -> list[LockRecord]:
    """Records for published kudos and people the lock does not know yet.

    A renamed kudos keeps the first-published date of the id it was renamed from (its alias).
    Otherwise a kudos is recorded with the first-published date its page already shows (the first
    commit in git, else its own date), so recording it changes no page and no later build.
    """
    known_kudos, known_people = lock.by_key("kudos"), lock.by_key("person")
    added: list[LockRecord] = []
    for kudos in wall.kudos:
        if kudos.id in known_kudos:
            continue
        earlier = [known_kudos[alias].published for alias in kudos.aliases if alias in known_kudos]
        first = kudos.history.first_published if kudos.history else None
        published = min([*earlier, first or today])
        added.append(LockRecord("kudos", kudos.id, kudos_path(kudos.id), published, kudos.content_digest))
    for handle in wall.people:
        if handle not in known_people:
            added.append(LockRecord("person", handle, person_path(handle), today, ""))
    return added


def render_lock(lock: Lock, new_records: Iterable[LockRecord]) -> str:
    lines = lock.lines()
    for record in new_records:
        lines.setdefault(record.sort_key, record.to_line())
    return HEADER + "".join(line for _, line in sorted(lines.items()))


def append_to_lock(root: Path, lock: Lock, new_records: list[LockRecord]) -> int:
    """Add records (never rewriting existing ones) with an atomic replace; returns how many were added.

    A lock with a line it cannot read is not rewritten: only the records read are written back,
    so the unreadable line, which may be a published page's only record, would be lost."""
    known = {record.sort_key for record in lock.records}
    fresh = [r for r in new_records if r.sort_key not in known]
    if not fresh:
        return 0
    if lock.problems:
        raise ContentError(lock.problems)
    text = render_lock(lock, fresh)
    handle, temp = tempfile.mkstemp(prefix=".kudoswall.lock.", dir=root)
    try:
        with os.fdopen(handle, "w", encoding="utf-8", newline="\n") as out:
            out.write(text)
        os.replace(temp, root / LOCK_FILE)
    except BaseException:
        Path(temp).unlink(missing_ok=True)
        raise
    return len(fresh)


def update_lock(root: Path, wall: Wall, today: dt.date | None = None) -> int:
    lock = read_lock(root)
    return append_to_lock(root, lock, records_to_add(lock, wall, today or clock.today()))
