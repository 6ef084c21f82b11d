"""Typed records for what a wall holds: people, kudos and the skills that connect them."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Literal

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

    @property
    def is_organization(self) -> bool:
        return self.kind == "organization"


@positional_pickle
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
    positions: dict[str, SourcePos] = field(default_factory=dict)
    body_html: str = ""
    excerpt: str = ""
    word_count: int = 0
    status: KudosStatus = "published"
    status_reason: str | None = None
    status_date: dt.date | None = None
    aliases: tuple[str, ...] = ()
    consent_by: str | None = None
    consent_date: dt.date | None = None
    history: History | None = None
    verified: Verification = "unknown"
    reciprocal_with: str | None = None  # id of the kudos that returns this one within reciprocal_days

    @property
    def is_live(self) -> bool:
        return self.status == "published"

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

    def pos(self, field_name: str) -> SourcePos:
        return self.positions.get(field_name) or self.positions.get("", SourcePos(self.source))

    @property
    def sort_key(self) -> tuple[dt.date, str]:
        return (self.date, self.id)

    @property
    def relationship_label(self) -> str:
        return RELATIONSHIP_LABELS[self.relationship]


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
