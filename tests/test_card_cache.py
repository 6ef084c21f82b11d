"""Card reuse during a build: the same bytes as rendering each card on each page, and no reuse
when a wall's card template reads anything that differs between pages."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from sitecheck import FIXTURES, parse_html

from kudoswall import theme as theme_module
from kudoswall.build import load_wall, plan_outputs
from kudoswall.config import load_config
from kudoswall.theme import Theme, resolve_theme_dir
from kudoswall.units import OutputUnit


def planned(wall: Path) -> tuple[Theme, list[OutputUnit]]:
    config = load_config(wall)
    theme = Theme(config, resolve_theme_dir(config))
    return theme, plan_outputs(load_wall(config).wall, config, theme)


def rendered(units: list[OutputUnit]) -> dict[str, bytes]:
    return {unit.path: unit.render() for unit in units}


def test_reused_cards_give_the_same_pages_as_cards_rendered_on_every_page() -> None:
    theme, units = planned(FIXTURES / "small-wall")
    assert theme.cards_reusable
    fresh = rendered(units)
    with theme.card_cache():
        reused = rendered(units)
        again = rendered(units)  # every card now comes from the cache
    assert reused == fresh
    assert again == fresh



def test_a_build_keeps_at_most_cards_kept_cards_and_still_gives_the_same_pages(
        monkeypatch: pytest.MonkeyPatch) -> None:
    theme, units = planned(FIXTURES / "small-wall")
    fresh = rendered(units)
    monkeypatch.setattr(theme_module, "CARDS_KEPT", 3)
    kept: list[int] = []
    with theme.card_cache():
        for unit in units:
            assert unit.render() == fresh[unit.path]
            kept.append(len(theme._cards or {}))
    assert max(kept) == 3  # filled up, forgotten, filled again
    assert kept.count(3) < len(kept)

def card_links(page: bytes) -> list[str]:
    document, errors = parse_html(page)
    assert errors == []
    return [a.get("href") for a in document.iter("a") if a.get("class") == "card-link"]


def test_a_card_that_reads_the_page_path_is_rendered_for_each_page(tmp_path: Path) -> None:
    wall = tmp_path / "wall"
    shutil.copytree(FIXTURES / "small-wall", wall)
    (wall / "templates" / "partials").mkdir(parents=True)
    (wall / "templates" / "partials" / "card.html").write_text(
        '<a class="card-link" href="{{ links.kudos(kudos) }}?from={{ page_path }}">{{ kudos.id }}</a>\n')
    theme, units = planned(wall)
    assert not theme.cards_reusable
    pages = [unit for unit in units if unit.path.startswith("people/") and unit.path.endswith("/index.html")]
    with theme.card_cache():
        shown = {unit.path: card_links(unit.render()) for unit in pages}
    with_cards = {path: links for path, links in shown.items() if links}
    assert len(with_cards) >= 2
    for path, links in with_cards.items():
        page_path = path.removesuffix("index.html")
        assert all(link.endswith(f"?from={page_path}") for link in links)


def test_a_card_importing_a_macro_that_reads_only_card_inputs_is_reused(tmp_path: Path) -> None:
    wall = tmp_path / "wall"
    shutil.copytree(FIXTURES / "small-wall", wall)
    (wall / "templates" / "partials").mkdir(parents=True)
    (wall / "templates" / "partials" / "badge.html").write_text(
        "{% macro badge(k) %}{% set label = k.id %}<b>{{ label }} {{ site.title }}</b>{% endmacro %}\n")
    (wall / "templates" / "partials" / "card.html").write_text(
        '{% from "partials/badge.html" import badge with context %}'
        '<p>{{ badge(kudos) }}{{ people[kudos.to_handle].name }}</p>\n')
    theme, units = planned(wall)
    assert theme.cards_reusable
    fresh = rendered(units)
    with theme.card_cache():
        assert rendered(units) == fresh


def test_cards_dropped_mid_build_are_rendered_again_the_same() -> None:
    theme, units = planned(FIXTURES / "small-wall")
    fresh = rendered(units)
    with theme.card_cache():
        first = rendered(units[: len(units) // 2])
        theme.drop_cards()
        assert {**first, **rendered(units[len(units) // 2 :])} == fresh
