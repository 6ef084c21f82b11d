"""kudoswall.lock: the checked-in record of every kudos and person page ever published.

One JSON object per line, sorted by kind then key, so diffs are one line per new record and
merges rarely conflict. `build` and `new` only ever ADD records (the lock is a ledger the build
appends to, not a source file it edits); a record is never rewritten or removed, which is what
lets `check` promise that every permalink in it keeps resolving.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import fcntl
import hashlib
import json
import os
import re
import secrets
import stat
from collections.abc import Callable, Iterable, Iterator
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
    text: str = ""  # the file as read, line endings and all: appending keeps every character of it

    def by_key(self, kind: RecordKind) -> dict[str, LockRecord]:
        return {r.key: r for r in self.records if r.kind == kind}


_LINE = re.compile(r"[^\r\n]*(?:\r\n|\r|\n)|[^\r\n]+\Z")


def _lines(text: str) -> list[str]:
    """The lines of `text`, each with its own ending (CRLF, CR or LF); nothing else ends a line."""
    return _LINE.findall(text)


def content_digest(kudos: Kudos, from_handle: str | None = None, to_handle: str | None = None) -> str:
    """Digest of what a reader sees: the text and facts, not aliases, status or consent.

    Renaming a kudos (which adds an alias) therefore does not mark it as edited. The handles may
    be given: a person renamed since (their old handle in `aliases`) is no edit either (formerly).
    """
    content = [from_handle or kudos.from_handle, to_handle or kudos.to_handle, kudos.date.isoformat(),
               kudos.relationship, kudos.role_from,
               kudos.role_to, kudos.context, [s.name for s in kudos.skills], kudos.title, list(kudos.tags),
               kudos.body_markdown]
    return "sha256:" + hashlib.sha256(json.dumps(content, ensure_ascii=False).encode()).hexdigest()


def parse_lock(text: str, path: str = LOCK_FILE) -> Lock:
    records: list[LockRecord] = []
    problems: list[Problem] = []
    first_of: dict[tuple[str, str], LockRecord] = {}
    for number, line in enumerate(_lines(text), start=1):
        stripped = line.lstrip("\ufeff").strip() if number == 1 else line.strip()
        if not stripped or stripped.startswith("#"):
            continue
        if stripped.startswith(("<<<<<<<", "=======", ">>>>>>>", "|||||||")):
            problems.append(Problem(SourcePos(path, number, 1), "a merge conflict: two branches both added records "
                                    "here", "keep the record lines of both sides (records are only ever added) and "
                                    "delete the marker lines; 'kudoswall init' writes a .gitattributes that does it"))
            continue
        try:
            value = json.loads(stripped)
            kind, key, permalink = value["kind"], value["id"], value["permalink"]
            published = dt.date.fromisoformat(value["published"])
            if kind not in ("kudos", "person") or not all(isinstance(v, str) for v in (key, permalink)):
                raise ValueError(kind)
        except (ValueError, KeyError, TypeError, RecursionError):  # RecursionError: '[[[[…' nested too deep
            problems.append(Problem(SourcePos(path, number, 1), "this line of the lock file is not a valid record",
                                    RESTORE_HINT))
            continue
        record = LockRecord(kind, key, permalink, published, str(value.get("digest", "")), number)
        first = first_of.setdefault(record.sort_key, record)
        if first is record:
            records.append(record)
        elif (first.permalink, first.published, first.digest) != (permalink, published, record.digest):
            problems.append(Problem(SourcePos(path, number, 1), f"a second record for the {kind} '{key}', unlike "
                                    f"the one on line {first.line}", "keep the one with the earlier 'published' "
                                    "date and delete the other (two branches each recorded it)"))
    return Lock(records, problems, text)


def read_lock(root: Path) -> Lock:
    """The lock as checked in; one that cannot be read whole has no records and says why."""
    path = root / LOCK_FILE
    if path.is_symlink():  # it could point anywhere on the machine that builds, and appending writes there
        return Lock([], [Problem(SourcePos(LOCK_FILE), "kudoswall.lock is a symbolic link, which is not followed",
                                 "replace the link with the file itself")])
    if not path.exists():
        return Lock([], [])
    if not path.is_file():
        return Lock([], [Problem(SourcePos(LOCK_FILE), "kudoswall.lock is not a file", RESTORE_HINT)])
    data = path.read_bytes()
    try:
        decode_source(LOCK_FILE, data, max_size=len(data))  # not UTF-8, NUL bytes: where and why
    except SourceError as exc:
        return Lock([], [replace(problem, hint=RESTORE_HINT) for problem in exc.problems])
    return parse_lock(data.decode("utf-8"))


def recorded_as(kudos: Kudos, known: dict[str, LockRecord]) -> LockRecord | None:
    """The record a kudos is known by: its own, else that of the first of its aliases recorded."""
    return known.get(kudos.id) or next((known[alias] for alias in kudos.aliases if alias in known), None)


def records_to_add(lock: Lock, wall: Wall, today: dt.date) -> list[LockRecord]:
    """Records for published kudos and people the lock does not know yet.

    A renamed kudos takes over the record of the id it was renamed from (its alias): its
    first-published date and the digest of what was first published, so its page reads the same
    before and after the record is added (with the current digest, an edit before the rename was
    forgotten at the next build). Otherwise a kudos is recorded with the first-published date its
    page already shows (the first commit in git, else its own date).
    """
    known_kudos, known_people = lock.by_key("kudos"), lock.by_key("person")
    added: list[LockRecord] = []
    for kudos in wall.kudos:
        if kudos.id in known_kudos:
            continue
        inherited = recorded_as(kudos, known_kudos)
        if inherited is not None:
            added.append(LockRecord("kudos", kudos.id, kudos_path(kudos.id), inherited.published, inherited.digest))
            continue
        first = kudos.history.first_published if kudos.history else None
        added.append(LockRecord("kudos", kudos.id, kudos_path(kudos.id), first or today, kudos.content_digest))
    for handle in wall.people:
        if handle not in known_people:
            added.append(LockRecord("person", handle, person_path(handle), today, ""))
    return added


def render_lock(lock: Lock, new_records: Iterable[LockRecord]) -> str:
    """The lock with `new_records` put in their sorted places; every line already in it, comments,
    blank lines and line endings included, is kept as it was."""
    known = {record.sort_key for record in lock.records}
    pending = sorted({r.sort_key: r for r in new_records if r.sort_key not in known}.values(), key=lambda r: r.sort_key)
    bom = "\ufeff" if lock.text.startswith("\ufeff") else ""  # stays first, whatever goes before line 1
    lines = _lines(lock.text[len(bom):])
    newline = next((line[len(line.rstrip("\r\n")):] for line in lines if line.endswith(("\r", "\n"))), "\n")
    key_of_line = {record.line: record.sort_key for record in lock.records}
    out = [] if lines else [line + newline for line in HEADER.splitlines()]
    taken = 0
    for number, line in enumerate(lines, start=1):
        key = key_of_line.get(number)
        while key is not None and taken < len(pending) and pending[taken].sort_key < key:
            out.append(pending[taken].to_line()[:-1] + newline)
            taken += 1
        out.append(line)
    if taken < len(pending) and out and not out[-1].endswith(("\r", "\n")):
        out[-1] += newline  # the last line had no ending; records now follow it
    out.extend(record.to_line()[:-1] + newline for record in pending[taken:])
    return bom + "".join(out)


@contextlib.contextmanager
def _held(root: Path) -> Iterator[None]:
    """One command at a time reads, extends and replaces the lock: two `new`s at once each wrote
    back the lock they had read plus their own record, and one record was lost."""
    fd = os.open(root, os.O_RDONLY)  # the wall's folder: the lock file itself is replaced, not rewritten
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        os.close(fd)


def extend_lock(root: Path, records_for: Callable[[Lock], list[LockRecord]]) -> int:
    """Add the records `records_for` gives for the lock as it is now; returns how many were added.

    The file is replaced atomically, keeping its permissions. A lock that cannot be read whole
    is not rewritten: a line it could not read may be a published page's only record."""
    path = root / LOCK_FILE
    with _held(root):
        lock = read_lock(root)  # read again under the hold: another command may have added records since
        known = {record.sort_key for record in lock.records}
        fresh = [record for record in records_for(lock) if record.sort_key not in known]
        if not fresh:
            return 0
        if lock.problems:
            raise ContentError(lock.problems)
        text = render_lock(lock, fresh)
        temp = root / f".{LOCK_FILE}.{secrets.token_hex(6)}"
        try:  # a new lock gets the umask's permissions, else the existing lock's
            with os.fdopen(os.open(temp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666), "w", encoding="utf-8",
                           newline="") as out:
                with contextlib.suppress(FileNotFoundError):
                    os.fchmod(out.fileno(), stat.S_IMODE(os.stat(path).st_mode))
                out.write(text)
            os.replace(temp, path)
        except BaseException:
            temp.unlink(missing_ok=True)
            raise
    return len({record.sort_key for record in fresh})


def update_lock(root: Path, wall: Wall, today: dt.date | None = None) -> int:
    day = today or clock.today()
    return extend_lock(root, lambda lock: records_to_add(lock, wall, day))
