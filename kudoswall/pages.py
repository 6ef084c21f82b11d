"""Render: the HTML pages of a wall, as output units over the Jinja2 theme."""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from functools import partial
from typing import Any

from . import __version__
from .badges import person_skill_counts
from .config import Config
from .links import (
    DIRECTORY_PATH,
    PERSON_LISTS,
    Links,
    kudos_path,
    output_file,
    paged_path,
    person_list_paths,
    person_path,
    skill_path,
    split_pages,
    wall_page_path,
)
from .models import RELATIONSHIPS, Kudos, Person, Skill, Wall
from .structured import kudos_jsonld
from .text import name_order
from .theme import Theme
from .units import OutputUnit


@dataclass(frozen=True)
class SkillCount:
    skill: Skill
    count: int


QUOTES_SHOWN = 3
"""Newest kudos quoted per person on a skill page: a page grows with the people endorsed, not every kudos."""


@dataclass(frozen=True)
class Endorsee:
    person: Person
    kudos: list[Kudos]  # the newest QUOTES_SHOWN that back the skill
    count: int  # all that back it


def relationship_sentence(kudos: Kudos, writer: Person, recipient: Person) -> str:
    return f"{writer.name} {RELATIONSHIPS[kudos.relationship].format(to=recipient.name)}"


def kudos_keys(wall: Wall) -> dict[str, str]:
    """Per kudos id, one digest of everything a card of it shows: its bytes, permanence, both people.

    Computed once per plan, so a page listing n kudos hashes n short keys rather than
    recomputing 3n digests (a 10,000-kudos wall lists each kudos on ~14 pages).
    """
    people = wall.people
    return {kudos.id: hashlib.blake2b(f"{kudos.digest}|{kudos.permanence_key}|{people[kudos.from_handle].digest}|"
                                      f"{people[kudos.to_handle].digest}".encode(), digest_size=16).hexdigest()
            for kudos in wall.kudos}


@dataclass(frozen=True)
class Focus:
    """Kudos edited in place (their `placement` unchanged), so only units showing them can change.

    A planner given a focus plans just the units whose fingerprint takes in one of these kudos'
    key or digest; every other unit keeps its earlier fingerprint (replan.py, tested against a
    full plan).
    """

    ids: frozenset[str]
    people: frozenset[str]
    skills: frozenset[str]

    @classmethod
    def of(cls, kudos_list: Iterable[Kudos]) -> Focus:
        kudos_list = list(kudos_list)
        return cls(frozenset(k.id for k in kudos_list),
                   frozenset(h for k in kudos_list for h in (k.from_handle, k.to_handle)),
                   frozenset(s.slug for k in kudos_list for s in k.skills))

    def shows(self, kudos_list: Iterable[Kudos]) -> bool:
        ids = self.ids
        return any(kudos.id in ids for kudos in kudos_list)


def in_focus(focus: Focus | None, kudos_list: Iterable[Kudos]) -> bool:
    """True when a unit listing `kudos_list` must be planned: always without a focus."""
    return focus is None or focus.shows(kudos_list)


class PagePlanner:
    """Lists every HTML page of a wall with what it depends on (with a `focus`, only pages showing it)."""

    def __init__(self, wall: Wall, config: Config, theme: Theme, extra_context: dict[str, Any] | None = None,
                 keys: dict[str, str] | None = None, focus: Focus | None = None) -> None:
        self.wall = wall
        self.focus = focus
        self.config = config
        self.theme = theme
        self.config_digest = config.digest()
        self.extra_context = extra_context or {}
        self._keys = keys
        self._prefixes: dict[str, str] = {}
        self.absolute_links = Links(config.base_url)

    @property
    def keys(self) -> dict[str, str]:
        """`kudos_keys` of the wall, shared between planners of one plan (computed on first use)."""
        if self._keys is None:
            self._keys = kudos_keys(self.wall)
        return self._keys

    def _kudos_digests(self, kudos_list: list[Kudos]) -> list[str]:
        keys = self.keys
        return [keys[kudos.id] for kudos in kudos_list]

    def _unit(self, url_path: str, template: str, depends: list[str], context: dict[str, Any],
              absolute_links: bool = False, late_context: Callable[[], dict[str, Any]] | None = None,
              indexable: bool = False) -> OutputUnit:
        """`late_context` is computed only when the page is rendered (most rebuilds render few pages);
        `indexable` pages are the sitemap (a page whose template says noindex must not be one)."""
        def render() -> bytes:
            links = Links.for_page(url_path, self.config.base_path if absolute_links else None)
            page = {
                "site": self.config,
                "wall": self.wall,
                "people": self.wall.people,
                "links": links,
                "absolute_links": self.absolute_links,
                "page_path": url_path,
                "canonical_url": self.config.absolute_url(url_path),
                "generator": f"kudoswall {__version__}",
                "relationship_sentence": relationship_sentence,
                **self.extra_context,
                **context,
                **(late_context() if late_context is not None else {}),
            }
            return self.theme.template(template).render(page).encode("utf-8")

        prefix = self._prefixes.get(template)
        if prefix is None:  # fingerprint()'s encoding of its first three parts, computed once per template
            prefix = self._prefixes[template] = f"{template}\0{self.theme.template_digest(template)}\0" \
                                                f"{self.config_digest}\0"
        tail = "\x1f".join(depends) + "\x1f\0" if depends else "\0"
        # = fingerprint(template, template digest, config digest, url_path, depends), inlined for 10,000s of pages
        fp = hashlib.sha256(f"{prefix}{url_path}\0{tail}".encode()).hexdigest()[:32]
        return OutputUnit(output_file(url_path), fp, render, indexable=indexable, template=template)

    def units(self) -> Iterator[OutputUnit]:
        yield from self.wall_pages()
        yield from self.kudos_pages()
        yield from self.people_pages()
        yield from self.skill_pages()
        if self.focus is None:
            yield self._unit("404.html", "404.html", [str(len(self.wall.kudos))], {}, absolute_links=True)

    def wall_pages(self) -> Iterator[OutputUnit]:
        per_page = self.config.per_page
        kudos = self.wall.kudos
        pages = split_pages(kudos, per_page)
        total = len(pages)
        counts = f"{len(kudos)}/{len(self.wall.people)}/{len(self.wall.skills)}"
        for number, chunk in enumerate(pages, start=1):
            if not in_focus(self.focus, chunk):
                continue
            context = {"kudos_list": chunk, "page_number": number, "page_count": total, "pages_base": ""}
            yield self._unit(wall_page_path(number), "index.html", [str(total), counts, *self._kudos_digests(chunk)],
                             context, indexable=True)

    def kudos_pages(self) -> Iterator[OutputUnit]:
        people = self.wall.people
        focus = self.focus
        for kudos in self.wall.kudos:
            if focus is not None and kudos.to_handle not in focus.people:
                continue  # neither this kudos nor the ones it lists were edited
            more = self._more_kudos(kudos)
            if focus is not None and not focus.shows([kudos, *more]):
                continue
            writer, recipient = people[kudos.from_handle], people[kudos.to_handle]
            context = {"kudos": kudos, "writer": writer, "recipient": recipient}
            yield self._unit(kudos_path(kudos.id), "kudos.html", self._kudos_digests([kudos, *more]),
                             context, late_context=partial(self._kudos_late_context, kudos, writer, recipient),
                             indexable=True)

    def _more_kudos(self, kudos: Kudos) -> list[Kudos]:
        """Up to three more kudos for the same recipient, newest first (the first four hold them)."""
        return [other for other in self.wall.received.get(kudos.to_handle, [])[:4] if other is not kudos][:3]

    def _kudos_late_context(self, kudos: Kudos, writer: Person, recipient: Person) -> dict[str, Any]:
        """Computed when the page renders, so a plan of 10,000s of pages does not hold them."""
        return {"jsonld": kudos_jsonld(kudos, writer, recipient, self.config), "more_kudos": self._more_kudos(kudos)}

    def people_pages(self) -> Iterator[OutputUnit]:
        wall = self.wall
        directory = sorted(wall.people.values(), key=lambda p: (p.is_organization, name_order(p.name), p.handle))
        if self.focus is None:
            yield from self._directory_pages(directory)
        for person in directory:
            if self.focus is not None and person.handle not in self.focus.people:
                continue
            yield self._person_page(person)
            for kind in PERSON_LISTS:
                yield from self._person_list_pages(person, kind)

    def _directory_pages(self, directory: list[Person]) -> Iterator[OutputUnit]:
        """`/people/`, `people_per_page` a page (people, then organisations): bounded at any size of wall.

        Every page's lede counts everyone, so a page's fingerprint takes in the totals and its own people."""
        wall, per_page = self.wall, self.config.people_per_page
        organisations = sum(1 for person in directory if person.is_organization)
        individuals = len(directory) - organisations
        pages = split_pages(directory, per_page)
        total = len(pages)
        for number, chunk in enumerate(pages, start=1):
            context = {"directory": chunk, "individual_count": individuals, "organisation_count": organisations,
                       "page_number": number, "page_count": total, "pages_base": DIRECTORY_PATH}
            depends = [f"{individuals}/{organisations}/{total}",
                       *(f"{p.handle}:{p.digest}:{len(wall.received.get(p.handle, []))}:"
                         f"{len(wall.given.get(p.handle, []))}" for p in chunk)]
            yield self._unit(paged_path(DIRECTORY_PATH, number), "people.html", depends, context, indexable=True)

    def _person_page(self, person: Person) -> OutputUnit:
        """The profile with the newest `per_page` kudos each way (a page of bounded size at any count);
        longer lists link to their own pages."""
        wall, per_page = self.wall, self.config.per_page
        received = wall.received.get(person.handle, [])
        given = wall.given.get(person.handle, [])
        skill_counts = [SkillCount(skill, count) for skill, count in person_skill_counts(person, wall)]
        listed, unlisted = skill_counts[: len(person.skills)], skill_counts[len(person.skills) :]
        context = {"person": person, "received": received[:per_page], "given": given[:per_page],
                   "received_count": len(received), "given_count": len(given),
                   "listed_skills": listed, "unlisted_skills": unlisted}
        per_year: dict[int, int] = {}  # what the kudos-per-year chart draws (partials/person_extras.html)
        for kudos in received:
            per_year[kudos.date.year] = per_year.get(kudos.date.year, 0) + 1
        depends = [person.digest, f"{len(received)}/{len(given)}", *self._kudos_digests(received[:per_page]),
                   *self._kudos_digests(given[:per_page]),
                   *(f"{s.skill.slug}={s.skill.name}:{s.count}" for s in (*listed, *unlisted)),
                   *(f"{year}:{count}" for year, count in sorted(per_year.items()))]
        return self._unit(person_path(person.handle), "person.html", depends, context, indexable=True)

    def _person_list_pages(self, person: Person, kind: str) -> Iterator[OutputUnit]:
        """All of a person's received (or given) kudos, `per_page` a page, once the profile cannot show them all."""
        everything = (self.wall.received if kind == "received" else self.wall.given).get(person.handle, [])
        per_page = self.config.per_page
        paths = person_list_paths(person.handle, kind, len(everything), per_page)
        pages = split_pages(everything, per_page) if paths else []  # no paths: the profile shows them all
        for number, (url_path, chunk) in enumerate(zip(paths, pages, strict=True), start=1):
            if not in_focus(self.focus, chunk):
                continue
            context = {"person": person, "list_kind": kind, "kudos_list": chunk, "list_count": len(everything),
                       "page_number": number, "page_count": len(paths), "pages_base": paths[0]}
            depends = [person.digest, f"{len(everything)}", *self._kudos_digests(chunk)]
            yield self._unit(url_path, "person_list.html", depends, context, indexable=True)

    def skill_pages(self) -> Iterator[OutputUnit]:
        wall = self.wall
        directory = []
        listers: dict[str, list[Person]] = {}
        for person in wall.people.values():
            for listed_skill in person.skills:
                listers.setdefault(listed_skill.slug, []).append(person)
        for slug, skill in wall.skills.items():
            if self.focus is not None and slug not in self.focus.skills:
                continue
            backing = wall.skill_kudos.get(slug, [])
            by_person: dict[str, list[Kudos]] = {}
            for kudos in backing:
                by_person.setdefault(kudos.to_handle, []).append(kudos)
            listed_by = listers.get(slug, [])
            ranked = sorted((Endorsee(wall.people[h], ks[:QUOTES_SHOWN], len(ks)) for h, ks in by_person.items()),
                            key=lambda e: (-e.count, name_order(e.person.name), e.person.handle))
            directory.append((skill, len(ranked), len(backing)))
            yield from self._skill_ranking_pages(skill, ranked, listed_by)
        if self.focus is not None:
            return  # the directory shows names and counts, which a focus leaves as they are
        entries = sorted(directory, key=lambda entry: (name_order(entry[0].name), entry[0].slug))
        yield self._unit("skills/", "skills.html", [f"{s.slug}={s.name}:{n}:{k}" for s, n, k in entries],
                         {"skill_directory": entries}, indexable=True)

    def _skill_ranking_pages(self, skill: Skill, ranked: list[Endorsee],
                             listed_by: list[Person]) -> Iterator[OutputUnit]:
        """The ranking `per_page` people a page, like the wall; the last page adds who lists the skill unendorsed."""
        per_page = self.config.per_page
        pages = split_pages(ranked, per_page)
        total = len(pages)
        endorsed = {e.person.handle for e in ranked}
        unendorsed = [p for p in listed_by if p.handle not in endorsed]
        for number, chunk in enumerate(pages, start=1):
            shown = [kudos for entry in chunk for kudos in entry.kudos]
            if not in_focus(self.focus, shown):
                continue
            listed_only = unendorsed if number == total else []
            context = {"skill": skill, "ranked": chunk, "ranked_count": len(ranked),
                       "rank_offset": (number - 1) * per_page, "listed_only": listed_only,
                       "page_number": number, "page_count": total, "pages_base": skill_path(skill.slug)}
            depends = [skill.name, str(len(ranked)), *(f"{entry.person.handle}:{entry.count}" for entry in chunk),
                       *self._kudos_digests(shown), *(p.handle + p.digest for p in listed_only)]
            yield self._unit(paged_path(skill_path(skill.slug), number), "skill.html", depends, context, indexable=True)
