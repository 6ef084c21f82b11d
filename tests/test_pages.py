"""HTML pages: what the planner produces, and every built page checked like a browser would."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from urllib.parse import urljoin

import pytest
from conftest import FileSource, kudos_md, make_wall
from sitecheck import (
    FIXTURES,
    BuiltSite,
    check_page,
    check_stylesheet,
    demo_site,
    paged_wall_site,
    parse_html,
    small_wall_site,
)

from kudoswall.build import load_wall, plan_outputs
from kudoswall.config import load_config
from kudoswall.pages import relationship_sentence
from kudoswall.text import name_order
from kudoswall.theme import Theme, resolve_theme_dir
from kudoswall.units import OutputUnit

SITES: dict[str, Callable[[], BuiltSite]] = {"demo": demo_site, "small-wall": small_wall_site,
                                             "small-wall-paged": paged_wall_site}


def plan(wall: Path) -> dict[str, OutputUnit]:
    config = load_config(wall)
    loaded = load_wall(config)
    return {unit.path: unit for unit in plan_outputs(loaded.wall, config, Theme(config, resolve_theme_dir(config)))}


def page_tree(site: BuiltSite, rel: str) -> object:
    document, errors = parse_html((site.output / rel).read_bytes())
    assert errors == []
    return document


def text_of(element: object) -> str:
    return " ".join("".join(element.itertext()).split())  # type: ignore[attr-defined]


# --- every page of the demo wall and the fixture ---------------------------------------------

@pytest.mark.parametrize("name", SITES)
def test_every_page_parses_and_has_sound_structure_and_links(name: str) -> None:
    site = SITES[name]()
    assert len(site.html_pages) > 20
    failures = [failure for page in site.html_pages for failure in check_page(site, page)]
    assert failures == []


@pytest.mark.parametrize("name", SITES)
def test_stylesheets_load_nothing_from_other_hosts(name: str) -> None:
    site = SITES[name]()
    stylesheets = [f for f in site.files if f.endswith(".css")]
    assert stylesheets
    assert [failure for css in stylesheets for failure in check_stylesheet(site, css)] == []


@pytest.mark.parametrize("name", SITES)
def test_every_kudos_person_and_skill_has_a_page(name: str) -> None:
    site = SITES[name]()
    api = json.loads((site.output / "kudos.json").read_text("utf-8"))
    expected = {f"k/{k['id']}/index.html" for k in api["kudos"]}
    expected |= {f"people/{p['handle']}/index.html" for p in api["people"]}
    expected |= {f"skills/{s['slug']}/index.html" for s in api["skills"]}
    assert expected <= set(site.html_pages)


# --- the checker itself catches what it should ------------------------------------------------

BROKEN_PAGE = """<!doctype html>
<html><head><meta charset="utf-8"><title>t</title>
<link rel="canonical" href="https://example.org/kudos/elsewhere/">
<link rel="stylesheet" href="https://cdn.example.net/style.css">
</head><body><h1>One</h1><h1>Two</h1>
<a href="missing/">gone</a> <a href="#nowhere">jump</a> <a href="javascript:alert(1)">js</a>
<a href="https://other.example.com/">fine: an outbound link</a> <img src="//cdn.example.net/a.png" alt="">
<p id="x"></p><p id="x"></p>
</body></html>
"""


def test_the_page_checker_reports_each_kind_of_breakage(tmp_path: Path) -> None:
    (tmp_path / "index.html").write_text(BROKEN_PAGE, "utf-8")
    failures = check_page(BuiltSite(tmp_path, "https://example.org/kudos/"), "index.html")
    joined = "\n".join(failures)
    assert "no lang attribute" in joined
    assert "2 <h1> elements" in joined
    assert "is not the page's own address" in joined
    assert "'https://cdn.example.net/style.css': loads a resource from another host" in joined
    assert "'//cdn.example.net/a.png': loads a resource from another host" in joined
    assert "'missing/': no such file" in joined
    assert "has no element with id 'nowhere'" in joined
    assert "scheme 'javascript' is not allowed" in joined
    assert "duplicate ids ['x']" in joined
    assert "other.example.com" not in joined
    assert len(failures) == 9


def test_the_page_checker_accepts_a_sound_page(tmp_path: Path) -> None:
    (tmp_path / "static").mkdir()
    (tmp_path / "static" / "s.css").write_text("body{}", "utf-8")
    (tmp_path / "index.html").write_text(
        '<!doctype html><html lang="en"><head><meta charset="utf-8"><title>t</title>'
        '<link rel="canonical" href="https://example.org/kudos/"><link rel="stylesheet" href="static/s.css">'
        '</head><body><h1 id="top">One</h1><a href="#top">top</a> <a href="./">home</a>'
        ' <a href="/kudos/static/s.css">css</a></body></html>', "utf-8")
    assert check_page(BuiltSite(tmp_path, "https://example.org/kudos/"), "index.html") == []


# --- the planner ----------------------------------------------------------------------------

def test_planner_paginates_and_lists_every_page_once() -> None:
    units = plan(FIXTURES / "small-wall")
    html = sorted(path for path in units if path.endswith(".html"))
    assert "index.html" in html and "page/2/index.html" in html and "page/3/index.html" not in html
    assert "k/calm-on-call/index.html" in html  # an explicit id: names the permalink
    assert "skills/c-plus-plus/index.html" in html  # a skill only a kudos vouches for still has a page
    assert "404.html" in html
    assert len(html) == len(set(html))


def test_fingerprints_are_stable_and_change_only_for_pages_that_show_a_change(tmp_path: Path) -> None:
    import shutil

    wall = tmp_path / "wall"
    shutil.copytree(FIXTURES / "small-wall", wall)
    before = {path: unit.fingerprint for path, unit in plan(wall).items()}
    assert before == {path: unit.fingerprint for path, unit in plan(wall).items()}
    kudos_file = wall / "content/kudos/2024-07-01-ines-on-fjord-delivery.md"
    kudos_file.write_text(kudos_file.read_text("utf-8").replace("with tests", "with tests and docs"), "utf-8")
    after = {path: unit.fingerprint for path, unit in plan(wall).items()}
    changed = {path for path in before if before[path] != after[path]}
    assert "k/2024-07-01-ines-on-fjord-delivery/index.html" in changed
    assert {"people/ines-moreau/index.html", "people/fjord-labs/index.html"} <= changed
    assert "people/chen-mei/index.html" not in changed
    assert "k/calm-on-call/index.html" not in changed
    assert "static/style.css" not in changed


def test_relationship_sentence_reads_from_the_writers_side() -> None:
    config = load_config(FIXTURES / "small-wall")
    wall = load_wall(config).wall
    kudos = next(k for k in wall.kudos if k.id == "calm-on-call")
    sentence = relationship_sentence(kudos, wall.people["ines-moreau"], wall.people["bjorn-asen"])
    assert sentence == "Inès Moreau worked with Bjørn Åsen on the same team"


# --- what the fixture's pages show -------------------------------------------------------------

def test_markup_in_titles_and_names_is_shown_as_text_never_as_tags() -> None:
    site = small_wall_site()
    document = page_tree(site, "k/2023-06-20-fjord-on-chen-design/index.html")
    h1 = document.find(".//h1")  # type: ignore[attr-defined]
    assert text_of(h1) == 'Designs that ship: <fast> & "right"'
    assert document.find(".//fast") is None  # type: ignore[attr-defined]
    assert "Fjord Labs & Co." in text_of(document.find(".//body"))  # type: ignore[attr-defined]


def test_kudos_page_json_ld_describes_a_recommendation_by_an_organization() -> None:
    site = small_wall_site()
    document = page_tree(site, "k/2023-06-20-fjord-on-chen-design/index.html")
    scripts = [s for s in document.iter("script") if s.get("type") == "application/ld+json"]  # type: ignore[attr-defined]
    data = json.loads("".join(scripts[0].itertext()))
    assert data["@type"] == "Recommendation"
    assert data["author"]["@type"] == "Organization" and data["author"]["name"] == "Fjord Labs & Co."
    assert data["itemReviewed"]["name"] == "陈美"
    assert data["datePublished"] == "2023-06-20"


def test_person_page_shows_a_vouched_skill_they_do_not_list() -> None:
    site = small_wall_site()
    document = page_tree(site, "people/ines-moreau/index.html")
    hrefs = {a.get("href") for a in document.iter("a")}  # type: ignore[attr-defined]
    assert "../../skills/c-plus-plus/" in hrefs
    assert "../../k/2024-02-29-chen-on-ines-mentoring/" in hrefs
    assert "Inès Moreau" in text_of(document.find(".//h1"))  # type: ignore[attr-defined]



def test_a_skill_page_quotes_the_newest_three_kudos_a_person_and_links_to_the_rest(tmp_path: Path) -> None:
    """The page grows with the people endorsed for the skill, not with every kudos behind them."""
    kudos = {f"2024-05-0{day}-ada-on-grace": kudos_md(f"Grace fixed Go bug {day}.", date=f"2024-05-0{day}",
                                                      skills=["Go"]) for day in range(1, 6)}
    site = BuiltSite.build(make_wall(tmp_path / "wall", kudos=kudos), tmp_path / "site")
    document = page_tree(site, "skills/go/index.html")
    quotes = [text_of(q) for q in document.iter("blockquote")]  # type: ignore[attr-defined]
    assert quotes == ["Grace fixed Go bug 5.", "Grace fixed Go bug 4.", "Grace fixed Go bug 3."]
    assert "5 kudos" in text_of(document.find(".//ol"))  # type: ignore[attr-defined]
    more = document.find(".//p[@class='backing-more']/a")  # type: ignore[attr-defined]
    assert text_of(more) == "2 more about Go on Grace Lindqvist’s page"
    assert more.get("href") == "../../people/grace/"

def card_links(document: object) -> list[str]:
    return [a.get("href") for a in document.iterfind(".//h3[@class='card-title']/a")]  # type: ignore[attr-defined]


def test_a_person_page_shows_the_newest_kudos_and_pages_through_all_of_them(tmp_path: Path) -> None:
    """A person page stays one page's worth at any count; the full lists are paginated like the wall."""
    kudos = {f"2024-05-0{day}-ada-on-grace": kudos_md(f"Grace fixed bug {day}.", date=f"2024-05-0{day}")
             for day in range(1, 6)}
    kudos["2024-06-01-grace-on-ada"] = kudos_md("Ada reviewed it all.", **{"from": "grace", "to": "ada",
                                                                           "date": "2024-06-01"})
    config = {"title": "Test wall", "base_url": "https://kudos.example.org/", "per_page": 2}
    site = BuiltSite.build(make_wall(tmp_path / "wall", config=config, kudos=kudos), tmp_path / "site")
    newest_first = [f"../../k/2024-05-0{day}-ada-on-grace/" for day in range(5, 0, -1)]

    profile = page_tree(site, "people/grace/index.html")
    received = profile.find(".//section[@aria-labelledby='received-heading']")  # type: ignore[attr-defined]
    assert card_links(received) == newest_first[:2]
    assert "5 kudos received" in text_of(profile.find(".//ul[@class='profile-stats']"))  # type: ignore[attr-defined]
    more = received.find(".//p[@class='list-more']/a")
    assert (text_of(more), more.get("href")) == ("All 5 kudos Grace Lindqvist received", "../../people/grace/received/")
    given = profile.find(".//section[@aria-labelledby='given-heading']")  # type: ignore[attr-defined]
    assert card_links(given) == ["../../k/2024-06-01-grace-on-ada/"] and given.find(".//p[@class='list-more']") is None

    pages = ["people/grace/received/", "people/grace/received/page/2/", "people/grace/received/page/3/"]
    listed = []
    for number, page in enumerate(pages, start=1):
        document = page_tree(site, page + "index.html")
        depth = "../" * page.count("/")
        listed += [href.replace(depth, "../../", 1) for href in card_links(document)]
        nav = document.find(".//nav[@class='pagination']")  # type: ignore[attr-defined]
        assert nav.get("aria-label") == "Pages of Kudos for Grace Lindqvist"
        current = nav.find(".//a[@aria-current='page']")
        assert (text_of(current), current.get("href")) == (f"Page {number}", depth + pages[number - 1])
        assert text_of(document.find(".//h1")) == "Kudos for Grace Lindqvist"  # type: ignore[attr-defined]
    assert listed == newest_first
    assert not (site.output / "people/grace/received/page/4").exists()
    assert not (site.output / "people/grace/given").exists()  # one kudos given: the person page shows it
    assert (site.output / "people/ada/given/page/3/index.html").is_file()
    assert not (site.output / "people/ada/received").exists()
    assert check_page(site, "people/grace/received/page/2/index.html") == []


def test_the_people_directory_is_paginated_people_first_then_organisations(tmp_path: Path) -> None:
    """A directory page stays bounded at any size of wall; every page counts everyone."""
    people: dict[str, FileSource] = {handle: {"name": name} for handle, name in
                                     (("ada", "Ada Okafor"), ("grace", "Grace Lindqvist"), ("hana", "Hana Sato"))}
    people["acme"] = {"name": "Acme Ltd", "kind": "organization"}
    kudos = {"2024-05-01-ada-on-grace": kudos_md(), "2024-05-02-hana-on-acme": kudos_md(
        "Acme shipped.", **{"from": "hana", "to": "acme", "date": "2024-05-02"})}
    config = {"title": "Test wall", "base_url": "https://kudos.example.org/", "people_per_page": 2}
    site = BuiltSite.build(make_wall(tmp_path / "wall", config=config, people=people, kudos=kudos), tmp_path / "site")

    pages = ["people/", "people/page/2/"]
    names = []
    for number, page in enumerate(pages, start=1):
        document = page_tree(site, page + "index.html")
        sections = {section.get("aria-labelledby"):
                    [text_of(a) for a in section.iterfind(".//p[@class='tile-title']/a")]
                    for section in document.iterfind(".//section")}  # type: ignore[attr-defined]
        names.append(sections)
        lede = text_of(document.find(".//p[@class='lede']"))  # type: ignore[attr-defined]
        assert lede.endswith(f"3 people and 1 organisation. Page {number} of 2.")
        nav = document.find(".//nav[@class='pagination']")  # type: ignore[attr-defined]
        assert nav.get("aria-label") == "Pages of the directory"
        current = nav.find(".//a[@aria-current='page']")
        depth = "../" * page.count("/")
        assert (text_of(current), current.get("href")) == (f"Page {number}", depth + page)
        assert check_page(site, page + "index.html") == []
    assert names == [{"people-heading": ["Ada Okafor", "Grace Lindqvist"]},
                     {"people-heading": ["Hana Sato"], "organisations-heading": ["Acme Ltd"]}]
    assert text_of(page_tree(site, "people/page/2/index.html").find(".//title")) == "People, page 2 — Test wall"  # type: ignore[attr-defined]
    assert not (site.output / "people/page/3").exists()
    sitemap = (site.output / "sitemap.xml").read_text("utf-8")
    assert "<loc>https://kudos.example.org/people/page/2/</loc>" in sitemap


def test_a_skill_ranking_is_paginated_and_the_last_page_adds_who_lists_it_unendorsed(tmp_path: Path) -> None:
    people = {handle: {"name": name, "skills": ["Go"]} for handle, name in
              (("ada", "Ada Okafor"), ("grace", "Grace Lindqvist"), ("hana", "Hana Sato"), ("lin", "Lin Park"))}
    backing = [("ada", "grace", 1), ("ada", "grace", 2), ("grace", "hana", 3), ("grace", "hana", 4),
               ("grace", "hana", 5), ("hana", "ada", 6)]
    kudos = {f"2024-05-0{day}-{writer}-on-{recipient}": kudos_md(
        f"Go work {day}.", **{"from": writer, "to": recipient, "date": f"2024-05-0{day}", "skills": ["Go"]})
        for writer, recipient, day in backing}
    config = {"title": "Test wall", "base_url": "https://kudos.example.org/", "per_page": 2}
    site = BuiltSite.build(make_wall(tmp_path / "wall", config=config, people=people, kudos=kudos), tmp_path / "site")

    first, second = page_tree(site, "skills/go/index.html"), page_tree(site, "skills/go/page/2/index.html")
    names = [[text_of(h3) for h3 in page.iterfind(".//h3[@class='rank-name']")] for page in (first, second)]  # type: ignore[attr-defined]
    assert names == [["Hana Sato", "Grace Lindqvist"], ["Ada Okafor"]]  # most kudos first, a page at a time
    assert [text_of(n) for n in second.iterfind(".//span[@class='rank-number']")] == ["3"]  # type: ignore[attr-defined]
    assert second.find(".//ol[@class='ranking']").get("start") == "3"  # type: ignore[attr-defined]
    assert "3 people are endorsed for it" in text_of(first.find(".//p[@class='lede']"))  # type: ignore[attr-defined]
    hana = first.find(".//li[@class='rank']")  # type: ignore[attr-defined]
    assert text_of(hana.find(".//p[@class='rank-count']")) == "3 kudos"
    assert [text_of(q) for q in hana.iter("blockquote")] == ["Go work 5.", "Go work 4.", "Go work 3."]
    assert first.find(".//h2[@id='listed-heading']") is None  # type: ignore[attr-defined]
    listed = second.find(".//section[@aria-labelledby='listed-heading']")  # type: ignore[attr-defined]
    assert [text_of(a) for a in listed.iterfind(".//p[@class='tile-title']/a")] == ["Lin Park"]
    nav = second.find(".//nav[@class='pagination']")  # type: ignore[attr-defined]
    assert nav.get("aria-label") == "Pages of the people endorsed for Go"
    back = nav.find(".//a[@rel='prev']")
    assert (text_of(back), back.get("href")) == ("← Previous", "../../../../skills/go/")  # a ranking, not a timeline
    assert not (site.output / "skills/go/page/3").exists()
    assert check_page(site, "skills/go/page/2/index.html") == []


def test_markdown_headings_in_a_kudos_never_become_a_second_h1() -> None:
    site = small_wall_site()
    document = page_tree(site, "k/2024-02-29-chen-on-ines-mentoring/index.html")
    assert len(document.findall(".//h1")) == 1  # type: ignore[attr-defined]
    assert any(text_of(h) == "What I learned" for h in document.iter("h3"))  # type: ignore[attr-defined]


def test_404_page_links_absolutely_so_it_works_at_any_depth() -> None:
    site = small_wall_site()
    document = page_tree(site, "404.html")
    stylesheet = next(link for link in document.iter("link")  # type: ignore[attr-defined]
                      if "stylesheet" in (link.get("rel") or "").split())
    assert stylesheet.get("href").startswith("/kudos/static/")


def test_a_wall_with_nobody_on_it_still_builds_sound_pages_and_feeds(tmp_path: Path) -> None:
    wall = tmp_path / "wall"
    wall.mkdir()
    (wall / "kudoswall.yaml").write_text("title: Empty\nbase_url: https://example.org/\n", "utf-8")
    (wall / "content").mkdir()
    site = BuiltSite.build(wall, tmp_path / "site")
    assert {"index.html", "people/index.html", "skills/index.html", "404.html", "feed.xml", "feed.json"} <= set(
        site.files)
    assert [failure for page in site.html_pages for failure in check_page(site, page)] == []
    feed = json.loads((site.output / "feed.json").read_bytes())
    assert feed["items"] == []


NEW_KUDOS = "---\nfrom: chen-mei\nto: bjorn-asen\ndate: 2025-01-02\nrelationship: other\nskills: [Rust]\n---\nThanks!\n"
EDITS: dict[str, tuple[str, str | None, str | None]] = {
    # name: (file, old text or None to create the file, new text or None to delete the file)
    "a new kudos": ("content/kudos/2025-01-02-chen-on-bjorn.md", None, NEW_KUDOS),
    "a deleted kudos": ("content/kudos/2024-02-29-chen-on-ines-mentoring.md", "", None),
    "a person's name": ("content/people/chen-mei.yaml", "name: 陈美", "name: 陈美玲"),
    "a person's headline": ("content/people/fjord-labs.yaml", "headline: A small studio", "headline: A tiny studio"),
    "a person's listed skills": ("content/people/bjorn-asen.yaml", "[Rust, Incident response]",
                                 "[Rust, Incident response, Go]"),
    "a kudos date": ("content/kudos/2023-03-05-bjorn-on-ines-reviews.md", "date: 2023-03-05", "date: 2024-12-01"),
    "an older kudos' year": ("content/kudos/2023-03-05-bjorn-on-ines-reviews.md", "date: 2023-03-05",
                             "date: 2021-03-05"),  # moves no card: only the person's chart shows it
    "a kudos' skills": ("content/kudos/2024-11-11-bjorn-on-chen-research.md", "[User research]",
                        "[User research, Interviewing]"),
    "a kudos title": ("content/kudos/2024-07-01-ines-on-fjord-delivery.md", "skills: [On-time delivery]",
                      "skills: [On-time delivery]\ntitle: On time, every time"),
    "a kudos relationship": ("content/kudos/2023-01-10-ines-on-bjorn-on-call.md", "same-team", "managed"),
}


@pytest.mark.parametrize("per_page", [4, 1], ids=["fixture", "one-a-page"])  # at 1, lists outgrow pages
@pytest.mark.parametrize("edit", EDITS)
def test_a_unit_whose_fingerprint_is_unchanged_renders_the_same_bytes(edit: str, per_page: int,
                                                                     tmp_path: Path) -> None:
    """The incremental-build invariant: fingerprints name everything a file shows."""
    import shutil

    wall = tmp_path / "wall"
    shutil.copytree(FIXTURES / "small-wall", wall)
    config = wall / "kudoswall.yaml"
    assert "per_page: 4\n" in config.read_text("utf-8")
    config.write_text(config.read_text("utf-8").replace("per_page: 4\n", f"per_page: {per_page}\n"
                                                        f"people_per_page: {per_page}\n"), "utf-8")
    before = plan(wall)
    file, old, new = EDITS[edit]
    source = wall / file
    if old is None:
        source.write_text(new or "", "utf-8")
    elif new is None:
        source.unlink()
    else:
        text = source.read_text("utf-8")
        assert old in text
        source.write_text(text.replace(old, new), "utf-8")
    after = plan(wall)
    stale = [path for path, unit in after.items()
             if path in before and before[path].fingerprint == unit.fingerprint
             and before[path].render() != unit.render()]
    assert stale == []


def test_kudos_pages_show_three_more_kudos_for_the_recipient_and_absolute_print_addresses() -> None:
    site = demo_site()
    api = json.loads((site.output / "kudos.json").read_text("utf-8"))
    received: dict[str, list[str]] = {}
    for kudos in api["kudos"]:  # newest first, as the wall lists them
        received.setdefault(kudos["to"], []).append(kudos["id"])
    with_more = 0
    for kudos in api["kudos"]:
        page = f"k/{kudos['id']}/"
        document = page_tree(site, page + "index.html")
        more = document.find(".//section[@class='more']")  # type: ignore[attr-defined]
        expected = [other for other in received[kudos["to"]] if other != kudos["id"]][:3]
        shown = [] if more is None else [a.get("href") for a in more.iter("a") if a.get("href").startswith("../../k/")]
        assert shown == [f"../../k/{other}/" for other in expected], page
        with_more += bool(expected)
        printed = [(a.get("href"), a.get("data-print-url")) for a in document.iter("a")  # type: ignore[attr-defined]
                   if a.get("data-print-url") is not None]
        assert len(printed) >= 2 + len(kudos["skills"])  # both people and every skill
        assert all(url == urljoin(site.base_url + page, href) for href, url in printed), page
    assert with_more >= 10


def test_names_sort_by_their_letters_not_by_code_point() -> None:
    """The demo directory listed Łukasz Nowak after Zoë Kowalczyk."""
    names = ["Zoë Kowalczyk", "Łukasz Nowak", "Émile Durand", "ada Obi", "Şebnem Kaya", "Ødegaard", "Ana"]
    assert sorted(names, key=name_order) == ["ada Obi", "Ana", "Émile Durand", "Łukasz Nowak", "Ødegaard",
                                             "Şebnem Kaya", "Zoë Kowalczyk"]
