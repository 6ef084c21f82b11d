"""Where pages live, and relative links between them (so a site works under any base path)."""

from __future__ import annotations

from urllib.parse import urljoin

import pytest

from kudoswall.links import (
    Links,
    kudos_path,
    output_file,
    page_count,
    page_numbers,
    person_list_paths,
    person_path,
    skill_path,
    split_pages,
    url_path_of,
    wall_page_path,
)


def test_page_paths() -> None:
    assert kudos_path("ledger-rescue") == "k/ledger-rescue/"
    assert person_path("ada") == "people/ada/"
    assert skill_path("go") == "skills/go/"
    assert [wall_page_path(n) for n in (0, 1, 2)] == ["", "", "page/2/"]
    assert person_list_paths("ada", "given", 2, per_page=2) == []  # the person page shows them all
    assert person_list_paths("ada", "given", 5, per_page=2) == ["people/ada/given/", "people/ada/given/page/2/",
                                                                "people/ada/given/page/3/"]


@pytest.mark.parametrize(("url_path", "file"), [
    ("", "index.html"), ("people/", "people/index.html"), ("404.html", "404.html"), ("k/a/", "k/a/index.html")])
def test_output_file(url_path: str, file: str) -> None:
    assert output_file(url_path) == file
    assert url_path_of(file) == url_path  # and back, as the sitemap lists a page


@pytest.mark.parametrize("page", ["", "people/", "people/ada/", "k/x/", "page/2/", "404.html"])
@pytest.mark.parametrize("target", ["", "skills/go/", "static/style.css", "feed.xml"])
def test_relative_links_resolve_to_the_target_under_any_base(page: str, target: str) -> None:
    for base in ("https://example.org/", "https://example.org/team/kudos/"):
        href = Links.for_page(page).path(target)
        assert not href.startswith("/")
        assert urljoin(base + page, href) == base + target


def test_links_from_the_root_page_start_with_dot_slash() -> None:
    assert Links.for_page("").path("") == "./"
    assert Links.for_page("people/ada/").person("grace") == "../../people/grace/"
    assert Links.for_page("k/x/").skill("go") == "../../skills/go/"
    assert Links.for_page("k/x/").static("style.css") == "../../static/style.css"
    assert Links.for_page("").wall_page(2) == "./page/2/"


def test_absolute_links_for_pages_served_at_any_address() -> None:
    links = Links.for_page("404.html", "/team/kudos/")
    assert links.path("people/") == "/team/kudos/people/"
    assert links.static("style.css") == "/team/kudos/static/style.css"


def test_page_numbers_show_the_ends_and_two_either_side_with_one_gap_per_run() -> None:
    for count in range(1, 40):
        for current in range(1, count + 1):
            expected: list[int | None] = []
            for number in range(1, count + 1):  # the rule as the pagination template once looped it
                if number in (1, count) or abs(number - current) <= 2:
                    expected.append(number)
                elif expected[-1] is not None:
                    expected.append(None)
            assert page_numbers(current, count) == expected, (current, count)
    assert len(page_numbers(2_500, 5_000)) == 9  # the same few items at any number of pages


@pytest.mark.parametrize("count", [0, 1, 4, 5, 6, 41])
def test_split_pages_makes_page_count_pages_of_every_item_in_order(count: int) -> None:
    items = list(range(count))
    pages = split_pages(items, 5)
    assert len(pages) == page_count(count, 5)
    assert [item for page in pages for item in page] == items
    assert all(len(page) == 5 for page in pages[:-1]) and len(pages[-1]) <= 5
