"""Where every page lives, and relative links between pages.

Pages link relatively (MkDocs does the same), so a built site works under any base path and
from `serve` without rewriting; only canonical URLs, feeds and the 404 page use absolute ones.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TypeVar

from .models import Kudos, Person, Skill

Item = TypeVar("Item")

DIRECTORY_PATH = "people/"
"""The people directory's first page; its later pages are `people/page/N/`, beside the profiles. No
profile path can clash with them: a person with the handle `page` has `people/page/`, and a profile's
own pages (received/, given/, embed/, badges/) never have a number for a name."""


def kudos_path(kudos_id: str) -> str:
    return f"k/{kudos_id}/"


def person_path(handle: str) -> str:
    return f"{DIRECTORY_PATH}{handle}/"


def skill_path(slug: str) -> str:
    return f"skills/{slug}/"


PERSON_LISTS = ("received", "given")
"""A person's two kudos lists; past one page each, they get paginated pages of their own."""


def paged_path(first_page: str, number: int) -> str:
    """Page `number` of a paginated list whose first page is at `first_page` (one rule for every list)."""
    return first_page if number <= 1 else f"{first_page}page/{number}/"


def page_count(items: int, per_page: int) -> int:
    """Pages a list of `items` takes at `per_page` a page; an empty list still has its first page."""
    return max(1, -(-items // per_page))


def split_pages(items: list[Item], per_page: int) -> list[list[Item]]:
    """`items` a page at a time, `page_count` pages (an empty list still has its first page, empty)."""
    return [items[start : start + per_page] for start in range(0, max(1, len(items)), per_page)]


def page_numbers(current: int, count: int, around: int = 2) -> list[int | None]:
    """The numbers a pagination bar shows: the first, the last and `around` either side of `current`,
    with None for each gap. At most 2 * around + 5 items: a bar that looped over every page number,
    on every page, made a wall of P pages cost P² (25 million steps at 100,000 kudos)."""
    shown = sorted({1, count, *range(max(1, current - around), min(count, current + around) + 1)})
    numbers: list[int | None] = []
    for number in shown:
        if numbers and number - (numbers[-1] or 0) > 1:
            numbers.append(None)
        numbers.append(number)
    return numbers


def wall_page_path(number: int) -> str:
    return paged_path("", number)


def person_list_path(handle: str, kind: str) -> str:
    """First page of a person's full `received` or `given` list."""
    return f"{person_path(handle)}{kind}/"


def person_list_paths(handle: str, kind: str, items: int, per_page: int) -> list[str]:
    """Every page of a person's full list; none when the person page itself shows all of it."""
    if items <= per_page:
        return []
    return [paged_path(person_list_path(handle, kind), n) for n in range(1, page_count(items, per_page) + 1)]


def output_file(url_path: str) -> str:
    """The file that serves a URL path: directories get index.html."""
    return url_path + "index.html" if url_path == "" or url_path.endswith("/") else url_path


def url_path_of(file_path: str) -> str:
    """The URL path a file is served at (`output_file` the other way round): index.html is its folder."""
    if file_path == "index.html" or file_path.endswith("/index.html"):
        return file_path[: -len("index.html")]
    return file_path


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
        """Unused by the default theme since pagination went through `paged`; kept for site
        templates that override partials/pagination.html with the older copy that calls it."""
        return self.root + wall_page_path(number)

    def paged(self, first_page: str, number: int) -> str:
        return self.root + paged_path(first_page, number)

    def person_list(self, person: Person | str, kind: str) -> str:
        return self.root + person_list_path(person if isinstance(person, str) else person.handle, kind)

    def static(self, name: str) -> str:
        return self.root + "static/" + name
