"""Avatars and `shared` partials (the site header and footer) reused during a build: the same
bytes as rendering them on every page, no reuse when a wall's override reads anything that
differs between pages, and page fingerprints that follow the templates these globals render."""

from __future__ import annotations

import shutil
from pathlib import Path

from sitecheck import FIXTURES, parse_html

from kudoswall.build import load_wall, plan_outputs
from kudoswall.config import load_config
from kudoswall.theme import AVATAR_TEMPLATE, SHARED_INPUTS, Theme, resolve_theme_dir
from kudoswall.units import OutputUnit


def planned(wall: Path) -> tuple[Theme, list[OutputUnit]]:
    config = load_config(wall)
    theme = Theme(config, resolve_theme_dir(config))
    return theme, plan_outputs(load_wall(config).wall, config, theme)


def overridden(tmp_path: Path, templates: dict[str, str]) -> Path:
    """A copy of the small wall whose templates/ overrides the theme's `templates` by name."""
    wall = tmp_path / "wall"
    shutil.copytree(FIXTURES / "small-wall", wall)
    for name, source in templates.items():
        (wall / "templates" / name).parent.mkdir(parents=True, exist_ok=True)
        (wall / "templates" / name).write_text(source)
    return wall


def html_pages(units: list[OutputUnit]) -> list[OutputUnit]:
    return [unit for unit in units if unit.path.endswith(".html")]


def marked(page: bytes, tag: str) -> list[str]:
    """The data-page attribute of every `tag` element of the page."""
    document, errors = parse_html(page)
    assert errors == []
    return [element.get("data-page") for element in document.iter(tag) if element.get("data-page") is not None]


def test_the_default_theme_reuses_avatars_header_and_footer_with_the_same_bytes() -> None:
    theme, units = planned(FIXTURES / "small-wall")
    assert theme.reads_only(AVATAR_TEMPLATE, SHARED_INPUTS)
    assert theme.reads_only("partials/site_header.html", SHARED_INPUTS | {"section", "nav_page"})
    assert theme.reads_only("partials/site_footer.html", SHARED_INPUTS | {"generator"})
    fresh = {unit.path: unit.render() for unit in html_pages(units)}
    with theme.card_cache():
        assert {unit.path: unit.render() for unit in html_pages(units)} == fresh
        assert {unit.path: unit.render() for unit in html_pages(units)} == fresh  # all reused now


def test_an_avatar_that_reads_the_page_path_is_rendered_for_each_page(tmp_path: Path) -> None:
    wall = overridden(tmp_path, {AVATAR_TEMPLATE: '{% macro avatar(person, size="md") -%}'
                                                  '<i data-page="{{ page_path }}">{{ person.name }}</i>'
                                                  '{%- endmacro %}\n'})
    theme, units = planned(wall)
    assert not theme.reads_only(AVATAR_TEMPLATE, SHARED_INPUTS)
    assert not theme.cards_reusable  # a card shows avatars, so it cannot be reused either
    with theme.card_cache():
        shown = {unit.path: marked(unit.render(), "i") for unit in html_pages(units)}
    with_avatars = {path: pages for path, pages in shown.items() if pages}
    assert len(with_avatars) >= 10
    for path, pages in with_avatars.items():
        assert set(pages) == {path.removesuffix("index.html")}


def test_a_header_that_reads_the_page_path_is_rendered_for_each_page(tmp_path: Path) -> None:
    wall = overridden(tmp_path, {"partials/site_header.html": '<header data-page="{{ page_path }}">'
                                                              '{{ section }}</header>\n'})
    theme, units = planned(wall)
    with theme.card_cache():
        shown = {unit.path: marked(unit.render(), "header") for unit in html_pages(units)}
    with_header = {path: pages for path, pages in shown.items() if pages}  # embeds have no site header
    assert len(with_header) >= 10
    for path, pages in with_header.items():
        assert pages == [path.removesuffix("index.html")]


def test_a_header_that_reads_only_its_values_is_reused_per_section_and_nav_page(tmp_path: Path) -> None:
    wall = overridden(tmp_path, {"partials/site_header.html": '<header data-page="{{ nav_page }}">'
                                                              '{{ section }}</header>\n'})
    theme, units = planned(wall)
    fresh = {unit.path: unit.render() for unit in html_pages(units)}
    with theme.card_cache():
        reused = {unit.path: unit.render() for unit in html_pages(units)}
    assert reused == fresh
    assert marked(reused["people/index.html"], "header") == ["people/"]
    assert marked(reused["index.html"], "header") == [""]
    assert marked(reused["skills/index.html"], "header") == ["skills/"]
    person_pages = [path for path in reused if path.startswith("people/") and path.count("/") == 2]
    assert person_pages
    assert all(marked(reused[path], "header") == ["None"] for path in person_pages)


def test_a_page_fingerprint_follows_the_templates_its_globals_render(tmp_path: Path) -> None:
    config = load_config(FIXTURES / "small-wall")
    theme = Theme(config, resolve_theme_dir(config))
    before = {name: theme.template_digest(name) for name in ("index.html", "person.html", "kudos.html")}
    for override, pages in (("partials/card.html", {"index.html", "person.html", "kudos.html"}),
                            (AVATAR_TEMPLATE, {"index.html", "person.html", "kudos.html"}),
                            ("partials/site_header.html", {"index.html", "person.html", "kudos.html"}),
                            ("partials/site_footer.html", {"index.html", "person.html", "kudos.html"})):
        source = (theme.directory / "templates" / override).read_text()
        wall = overridden(tmp_path / override.replace("/", "-"), {override: source + "<!-- edited -->\n"})
        edited = Theme(load_config(wall), theme.directory)
        changed = {name for name in before if edited.template_digest(name) != before[name]}
        assert changed == pages, override


def test_templates_are_warmed_once_not_again_under_the_theme_prefix() -> None:
    """`theme/<name>` lists every theme template a second time: warming compiled each twice."""
    from kudoswall.incremental import warm_templates

    config = load_config(FIXTURES / "small-wall")
    theme = Theme(config, resolve_theme_dir(config))
    warm_templates(theme)
    compiled = [name for _, name in theme.env.cache or {}]
    assert "base.html" in compiled and not [name for name in compiled if name.startswith("theme/")]
