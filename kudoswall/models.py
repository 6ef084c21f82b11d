"""Typed records for what a wall holds: people, kudos and the skills that connect them."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Literal

from .errors import SourcePos

PersonKind = Literal["person", "organization"]

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


@dataclass(frozen=True, slots=True)
class Link:
    kind: str
    label: str
    url: str


@dataclass(frozen=True, slots=True)
class Skill:
    slug: str
    name: str


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

    @property
    def is_organization(self) -> bool:
        return self.kind == "organization"


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

    def person(self, handle: str) -> Person:
        return self.people[handle]
