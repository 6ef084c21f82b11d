"""Typed records for what a wall holds: people, kudos and the skills that connect them."""

from __future__ import annotations

import datetime as dt
import operator
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field, fields
from typing import Any, Literal, TypeVar, overload

from .errors import SourcePos, positional_pickle

PersonKind = Literal["person", "organization"]
KudosStatus = Literal["published", "retracted", "hidden", "pending"]
"""published: on every page; retracted (by the writer) / hidden (at the recipient's request): a tombstone
keeps the permalink, the text is in no output; pending: awaiting the recipient's consent."""
Verification = Literal["verified", "unverified", "unknown"]

RELATIONSHIPS: dict[str, str] = {
    "managed": "managed {to} directly",
    "reported-to": "reported directly to {to}",
    "senior-to": "was senior to {to} but did not manage them",
    "same-team": "worked with {to} on the same team",
    "different-teams": "worked with {to} on different teams",
    "client-of": "was a client of {to}",
    "vendor-to": "was a vendor to {to}",
    "business-partner": "was a business partner of {to}",
    "mentor": "mentored {to}",
    "mentee": "was mentored by {to}",
    "teacher": "taught {to}",
    "student": "studied under {to}",
    "other": "worked with {to}",
}
"""Relationship ids and how each reads, from the writer's point of view."""

RELATIONSHIP_LABELS: dict[str, str] = {
    "managed": "Managed directly",
    "reported-to": "Reported to",
    "senior-to": "Senior to",
    "same-team": "Same team",
    "different-teams": "Different teams",
    "client-of": "Client",
    "vendor-to": "Vendor",
    "business-partner": "Business partner",
    "mentor": "Mentor",
    "mentee": "Mentee",
    "teacher": "Teacher",
    "student": "Student",
    "other": "Other",
}


@positional_pickle
@dataclass(frozen=True, slots=True)
class Link:
    kind: str
    label: str
    url: str


@positional_pickle
@dataclass(frozen=True, slots=True)
class Skill:
    slug: str
    name: str


@positional_pickle
@dataclass(frozen=True, slots=True)
class Identities:
    """Who a person is in git; used to verify authorship, never copied into the built site."""

    emails: tuple[str, ...] = ()
    github: str | None = None
    keys: tuple[str, ...] = ()


@positional_pickle
@dataclass(frozen=True, slots=True)
class History:
    """A kudos' visible history: from git when available, otherwise from the lock and front matter."""

    first_published: dt.date | None
    last_updated: dt.date | None
    revisions: int
    edited: bool
    source: Literal["git", "lock", "front matter"]
    history_url: str | None = None
    content_digest: str = ""  # "sha256:..." of the text and facts, as recorded in kudoswall.lock

    def key(self) -> str:
        """What pages show of the history. Not `source`: a fresh wall's second build finds its kudos
        in the lock the first one wrote, with the same dates, and pages need not change (kudos.json,
        which names the source, adds it to its own fingerprint)."""
        return (f"{self.first_published}|{self.last_updated}|{self.revisions}|{self.edited}|{self.history_url}|"
                f"{self.content_digest}")


@positional_pickle
@dataclass(slots=True)
class Person:
    handle: str
    kind: PersonKind
    name: str
    headline: str
    url: str | None
    avatar_source: str | None
    skills: tuple[Skill, ...]
    links: tuple[Link, ...]
    source: str
    digest: str
    pos: SourcePos
    avatar_path: str | None = None
    aliases: tuple[str, ...] = ()
    removed: bool = False
    removed_date: dt.date | None = None
    identities: Identities | None = None
    avatar_pos: SourcePos | None = None  # where `avatar:` was written, for the problems of the image
    name_pos: SourcePos | None = None  # where `name:` was written, for a name that looks like another
    published_as: str = ""  # the handle it was first published under, from kudoswall.lock (permanence.py)
    published_on: dt.date | None = None  # when, from the same record

    @property
    def first_handle(self) -> str:
        """The handle its feed's atom:id keeps for good, however often it is renamed."""
        return self.published_as or self.handle

    @property
    def is_organization(self) -> bool:
        return self.kind == "organization"


_Default = TypeVar("_Default")


class FieldPositions(Mapping[str, SourcePos]):
    """Where each top-level field of a file was written, as a read-only `name -> SourcePos` mapping
    (and each skill and alias, as "skills.<slug>" and "aliases.<index>": see load._item_places).

    Positions are read only to report a problem, so they are kept packed in one str, a line break then
    "name<tab>line<tab>column" per field, and decoded on demand: a dict of SourcePos held ~1.4 KB per
    kudos, the packed str ~120 B (and it pickles as one str into the parse cache).
    """

    __slots__ = ("path", "table")

    def __init__(self, path: str, table: str) -> None:
        self.path = path
        self.table = table

    @staticmethod
    def pack(positions: Iterable[tuple[str, int, int]]) -> str:
        """The table for (field name, line, column) triples; names are schema property names."""
        parts = []
        for name, line, column in positions:
            if "\t" in name or "\n" in name:
                raise ValueError(f"a field name cannot hold a tab or a line break: {name!r}")
            parts.append(f"\n{name}\t{line:d}\t{column:d}")
        return "".join(parts)

    @overload
    def get(self, name: str) -> SourcePos | None: ...

    @overload
    def get(self, name: str, default: SourcePos | _Default) -> SourcePos | _Default: ...

    def get(self, name: str, default: SourcePos | _Default | None = None) -> SourcePos | _Default | None:
        table = self.table
        start = table.find(f"\n{name}\t")
        if start < 0:
            return default
        numbers = start + len(name) + 2
        end = table.find("\n", numbers)
        line, column = table[numbers : end if end >= 0 else len(table)].split("\t")
        return SourcePos(self.path, int(line), int(column))

    def __getitem__(self, name: str) -> SourcePos:
        pos = self.get(name)
        if pos is None:
            raise KeyError(name)
        return pos

    def __contains__(self, name: object) -> bool:
        return isinstance(name, str) and f"\n{name}\t" in self.table

    def __iter__(self) -> Iterator[str]:
        return (entry.partition("\t")[0] for entry in self.table.split("\n")[1:])

    def __len__(self) -> int:
        return self.table.count("\n")

    def __repr__(self) -> str:
        return f"FieldPositions({self.path!r}, {dict(self)!r})"


@dataclass(slots=True)
class Kudos:
    id: str
    source: str
    from_handle: str
    to_handle: str
    date: dt.date
    relationship: str
    role_from: str | None
    role_to: str | None
    context: str | None
    skills: tuple[Skill, ...]
    title: str | None
    tags: tuple[str, ...]
    body_markdown: str
    digest: str
    position_table: str = ""  # FieldPositions.pack of where each field was written; read through `positions`
    body_html: str = ""
    excerpt: str = ""
    word_count: int = 0
    content_digest: str = ""  # lockfile.content_digest, taken where the file is parsed (in a worker, cached)
    status: KudosStatus = "published"
    status_reason: str | None = None
    status_date: dt.date | None = None
    hidden_for_removal: bool = False  # hidden because a person on it was removed, not at anyone's word about it
    aliases: tuple[str, ...] = ()
    consent_by: str | None = None
    consent_date: dt.date | None = None
    history: History | None = None
    verified: Verification = "unknown"
    reciprocal_with: str | None = None  # id of the kudos that returns this one within reciprocal_days
    former_digests: tuple[str, ...] = ()  # content_digest under the people's old handles (permanence.py)
    published_as: str = ""  # the id it was first published under, from kudoswall.lock (permanence.py)

    @property
    def is_live(self) -> bool:
        return self.status == "published"

    @property
    def first_id(self) -> str:
        """The id it was first published under, which its feed entries and credential keep for good
        (a feed reader showed a renamed kudos twice)."""
        return self.published_as or self.id

    @property
    def permanence_key(self) -> str:
        """What pages showing this kudos depend on besides its bytes (history, verification, reciprocity)."""
        history = self.history.key() if self.history else ""
        return f"{history}|{self.verified}|{self.reciprocal_with}"

    @property
    def placement(self) -> tuple[object, ...]:
        """Every field that decides where else the kudos shows (lists, order, links, redirects, graph).

        An edit that keeps this equal changes only the kudos' own digest, so `serve` re-plans only
        the pages that show the kudos (replan.py); anything else is planned from scratch.
        """
        return (self.id, self.source, self.from_handle, self.to_handle, self.date, self.relationship, self.skills,
                self.status, self.aliases, self.consent_by, self.consent_date)

    def __reduce__(self) -> tuple[Any, tuple[Any, ...]]:
        """Pickled as its field values in order (see errors.positional_pickle), with each long text
        that is not ASCII as UTF-8 bytes: pickling a str keeps a UTF-8 copy of it inside the str for
        good, and the build pickles every kudos it keeps into the parse cache (~240 B a kudos for
        an excerpt with an ellipsis; a body with one accent or curly quote, its whole length)."""
        values = _kudos_values(self)
        if all(values[index].isascii() for index in _LONG_TEXTS):
            return (Kudos, values)
        return (_unpickle_kudos, tuple(
            value.encode("utf-8", "surrogatepass") if index in _LONG_TEXTS and not value.isascii() else value
            for index, value in enumerate(values)))

    @property
    def positions(self) -> FieldPositions:
        """Where each top-level field was written (decoded on demand: only problems need it)."""
        return FieldPositions(self.source, self.position_table)

    def pos(self, field_name: str) -> SourcePos:
        positions = self.positions
        return positions.get(field_name) or positions.get("") or SourcePos(self.source)

    @property
    def sort_key(self) -> tuple[dt.date, str]:
        return (self.date, self.id)

    @property
    def relationship_label(self) -> str:
        return RELATIONSHIP_LABELS[self.relationship]


_kudos_values = operator.attrgetter(*(each.name for each in fields(Kudos)))
_LONG_TEXTS = frozenset(index for index, each in enumerate(fields(Kudos))
                        if each.name in ("body_markdown", "body_html", "excerpt"))


def _unpickle_kudos(*values: Any) -> Kudos:
    texts: list[Any] = [value.decode("utf-8", "surrogatepass") if isinstance(value, bytes) else value
                        for value in values]
    return Kudos(*texts)


@dataclass
class Wall:
    """Everything loaded from one wall, with the indexes pages need, computed once."""

    people: dict[str, Person]
    kudos: list[Kudos]  # newest first
    received: dict[str, list[Kudos]] = field(default_factory=dict)
    given: dict[str, list[Kudos]] = field(default_factory=dict)
    skills: dict[str, Skill] = field(default_factory=dict)
    skill_kudos: dict[str, list[Kudos]] = field(default_factory=dict)
    tombstones: list[Kudos] = field(default_factory=list)  # retracted or hidden: permalink only
    pending: list[Kudos] = field(default_factory=list)  # awaiting consent: shown only by serve --drafts
    removed_people: dict[str, Person] = field(default_factory=dict)  # asked to be removed: tombstone page

    def person(self, handle: str) -> Person:
        return self.people[handle]
