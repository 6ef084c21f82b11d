"""Where every page lives, and relative links between pages.

Pages link relatively (MkDocs does the same), so a built site works under any base path and
from `serve` without rewriting; only canonical URLs, feeds and the 404 page use absolute ones.
"""

from __future__ import annotations

from dataclasses import dataclass

from .models import Kudos, Person, Skill


def kudos_path(kudos_id: str) -> str:
    return f"k/{kudos_id}/"


def person_path(handle: str) -> str:
    return f"people/{handle}/"


def skill_path(slug: str) -> str:
    return f"skills/{slug}/"


def wall_page_path(number: int) -> str:
    return "" if number <= 1 else f"page/{number}/"


def output_file(url_path: str) -> str:
    """The file that serves a URL path: directories get index.html."""
    return url_path + "index.html" if url_path == "" or url_path.endswith("/") else url_path


@dataclass(frozen=True)
class Links:
    """Links from one page to others; `root` is the way back to the site root."""

    root: str

    @classmethod
    def for_page(cls, url_path: str, base_path: str | None = None) -> Links:
        if base_path is not None:
            return cls(base_path)
        depth = url_path.count("/")
        return cls("../" * depth if depth else "./")

    def path(self, target: str) -> str:
        return self.root + target

    def kudos(self, kudos: Kudos) -> str:
        return self.root + kudos_path(kudos.id)

    def person(self, person: Person | str) -> str:
        return self.root + person_path(person if isinstance(person, str) else person.handle)

    def skill(self, skill: Skill | str) -> str:
        return self.root + skill_path(skill if isinstance(skill, str) else skill.slug)

    def wall_page(self, number: int) -> str:
        return self.root + wall_page_path(number)

    def static(self, name: str) -> str:
        return self.root + "static/" + name
