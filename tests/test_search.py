"""Search: a chunked Pagefind index over kudos, people and skills, and the page that uses it."""

from __future__ import annotations

import gzip
import json
import shutil
import sys
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
from sitecheck import FIXTURES, BuiltSite, parse_html

from kudoswall.build import build_site
from kudoswall.config import Config, load_config
from kudoswall.errors import UsageError
from kudoswall.search import BUNDLE_DIR, index_site


def search_config() -> Config:
    """The small wall with search on (the fixture turns it off for its byte-for-byte snapshot)."""
    return replace(load_config(FIXTURES / "small-wall"), search=True)


@pytest.fixture(scope="module")
def indexed_site(tmp_path_factory: pytest.TempPathFactory) -> BuiltSite:
    config = search_config()
    output = tmp_path_factory.mktemp("indexed") / "site"
    build_site(config, output)
    index_site(output, config)
    return BuiltSite(output, config.base_url)


def test_index_covers_exactly_kudos_people_and_skill_pages(indexed_site: BuiltSite) -> None:
    entry = json.loads((indexed_site.output / BUNDLE_DIR / "pagefind-entry.json").read_bytes())
    page_count = sum(language["page_count"] for language in entry["languages"].values())
    assert page_count == 6 + 4 + 9  # kudos + people + skills; not the wall, stats, graph or embeds
    fragments = list((indexed_site.output / BUNDLE_DIR / "fragment").iterdir())
    assert len(fragments) == page_count  # one small file per page, fetched only when it is a result
    assert (indexed_site.output / BUNDLE_DIR / "pagefind.js").is_file()


def indexed_urls(site: Path) -> set[str]:
    """The address of every page in the index: one fragment a page, gzip'd JSON after a signature."""
    urls = set()
    for fragment in (site / BUNDLE_DIR / "fragment").iterdir():
        data = gzip.decompress(fragment.read_bytes())
        urls.add(json.loads(data[data.index(b"{"):])["url"])
    return urls


def test_tombstones_are_not_in_the_index(tmp_path: Path) -> None:
    """Their text is gone, but "hidden" or "removed" found each of them, under an id naming both people."""
    wall = tmp_path / "wall"
    shutil.copytree(FIXTURES / "small-wall", wall)
    path = wall / "content/kudos/2023-01-10-ines-on-bjorn-on-call.md"
    path.write_text(path.read_text("utf-8").replace("\nrelationship:", "\nstatus: retracted\nrelationship:", 1),
                    "utf-8")
    config = replace(load_config(wall), search=True)
    build_site(config, tmp_path / "site")
    urls = indexed_urls(tmp_path / "site")
    assert (tmp_path / "site/k/calm-on-call/index.html").is_file()  # the tombstone is there, but not in the index
    assert "/k/calm-on-call/" not in urls and "/k/2024-07-01-ines-on-fjord-delivery/" in urls
    assert len(urls) == 5 + 4 + 9


def test_reindexing_replaces_the_old_bundle(indexed_site: BuiltSite) -> None:
    stale = indexed_site.output / BUNDLE_DIR / "fragment" / "en_stale.pf_fragment"
    stale.write_bytes(b"old")
    index_site(indexed_site.output, search_config())
    assert not stale.exists()
    assert len(list((indexed_site.output / BUNDLE_DIR / "fragment").iterdir())) == 19


def test_search_off_skips_the_index_the_page_and_the_header_form(tmp_path: Path,
                                                                   wall_maker: Callable[..., Path]) -> None:
    wall = wall_maker(tmp_path / "wall", config={"title": "T", "base_url": "https://k.example/", "search": False})
    config = load_config(wall)
    assert config.search is False
    output = tmp_path / "out"
    build_site(config, output)
    index_site(output, config)
    assert not (output / BUNDLE_DIR).exists()
    assert not (output / "search").exists()
    document, _ = parse_html((output / "index.html").read_bytes())
    assert not [form for form in document.iter("form") if form.get("role") == "search"]


def test_search_page_degrades_to_the_directories_without_javascript(indexed_site: BuiltSite) -> None:
    site = indexed_site
    document, errors = parse_html((site.output / "search/index.html").read_bytes())
    assert errors == []
    form = next(f for f in document.iter("form") if f.get("role") == "search")
    assert form.get("method") == "get" and form.get("action") == "../search/"
    field = form.find(".//input")
    label = next(lab for lab in form.iter("label") if lab.get("for") == field.get("id"))
    assert label.text and field.get("name") == "q"
    hrefs = {a.get("href") for a in document.find(".//main").iter("a")}
    assert {"../people/", "../skills/"} <= hrefs
    scripts = [s.get("src") for s in document.iter("script") if s.get("src")]
    assert scripts == ["../static/search.js"]  # from this site, nothing else


def test_every_page_header_has_a_search_form(indexed_site: BuiltSite) -> None:
    site = indexed_site
    for rel in ("index.html", "k/2024-11-11-bjorn-on-chen-research/index.html", "people/chen-mei/index.html"):
        document: Any = parse_html((site.output / rel).read_bytes())[0]
        forms = [f for f in document.iter("form") if f.get("role") == "search"]
        assert len(forms) == 1
        assert (site.output / rel).parent.joinpath(forms[0].get("action"), "index.html").resolve().is_file()


def test_missing_pagefind_bin_is_a_usage_error(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setitem(sys.modules, "pagefind_bin", None)  # makes `import pagefind_bin` fail
    with pytest.raises(UsageError, match="pagefind-bin"):
        index_site(tmp_path, search_config())


def test_build_site_indexes_the_site_before_it_goes_live(tmp_path: Path) -> None:
    """`build` runs Pagefind on the finished staging folder, so the bundle is swapped in with the pages,
    and a later build that changes a page replaces the bundle rather than losing it."""
    config = replace(load_config(FIXTURES / "small-wall"), search=True)
    output = tmp_path / "site"
    build_site(config, output)
    entry = json.loads((output / BUNDLE_DIR / "pagefind-entry.json").read_text("utf-8"))
    assert entry["languages"], "the bundle indexes at least one language"
    assert (output / BUNDLE_DIR / "pagefind.js").is_file()
    build_site(replace(config, title="Renamed wall"), output)
    assert (output / BUNDLE_DIR / "pagefind.js").is_file()
    assert "Renamed wall" in (output / "index.html").read_text("utf-8")
