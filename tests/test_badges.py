"""Badges (SVG) and embeds: what a recipient pastes into a README or a web page."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from typing import Any

import html5lib
from sitecheck import parse_html, small_wall_site

from kudoswall.badges import badge_svg, text_width

SVG = "{http://www.w3.org/2000/svg}"


def svg_texts(data: bytes) -> list[str]:
    root = ET.fromstring(data)
    assert root.tag == f"{SVG}svg"
    return [t.text or "" for t in root.iter(f"{SVG}text")]


def test_badge_is_an_svg_with_label_and_value_and_escapes_text() -> None:
    data = badge_svg('<R&D> "x"', "3 kudos")
    assert svg_texts(data) == ['<R&D> "x"', "3 kudos"]
    assert b"<R&D>" not in data  # escaped by the serializer, never pasted in
    root = ET.fromstring(data)
    assert root.find(f"{SVG}title") is not None and root.find(f"{SVG}title").text == '<R&D> "x": 3 kudos'  # type: ignore[union-attr]


def test_badge_width_grows_with_its_text() -> None:
    narrow = ET.fromstring(badge_svg("kudos", "1"))
    wide = ET.fromstring(badge_svg("kudos", "1234567"))
    assert int(wide.get("width", "0")) > int(narrow.get("width", "0"))
    assert text_width("WWW") > text_width("iii")


def test_person_badge_counts_kudos_received() -> None:
    site = small_wall_site()
    assert svg_texts((site.output / "people/chen-mei/badge.svg").read_bytes()) == ["kudos", "2"]
    assert svg_texts((site.output / "people/ines-moreau/badge.svg").read_bytes()) == ["kudos", "2"]


def test_one_badge_per_skill_with_its_count() -> None:
    site = small_wall_site()
    badges = [f for f in site.files if f.startswith("people/chen-mei/badges/")]
    texts = {tuple(svg_texts((site.output / f).read_bytes())) for f in badges}
    assert ("User research", "1 kudos") in texts
    assert ("Interaction design", "1 kudos") in texts


def parse_fragment(text: str) -> tuple[Any, list[Any]]:
    """A snippet as a browser would parse it pasted into a page body, with html5lib's errors."""
    parser = html5lib.HTMLParser(strict=False, namespaceHTMLElements=False)
    fragment = parser.parseFragment(text)
    return fragment, list(parser.errors)


def _page(rel: str) -> Any:
    document, errors = parse_html((small_wall_site().output / rel).read_bytes())
    assert errors == []
    return document


def test_embed_card_lists_latest_kudos_without_javascript_in_light_and_dark() -> None:
    site = small_wall_site()
    for rel, variant in (("people/chen-mei/embed/index.html", "light"),
                         ("people/chen-mei/embed/dark/index.html", "dark")):
        document = _page(rel)
        assert document.find(".//script") is None
        body = document.find("body")
        assert f"embed-{variant}" in body.get("class", "").split()
        items = body.findall(".//li")
        assert len(items) == 2
        links = [a.get("href") for a in body.iter("a")]
        assert all(href.startswith(site.base_url) for href in links), links  # absolute: the card lives elsewhere
        assert all(a.get("target") == "_blank" for a in body.iter("a"))
        stylesheet = next(link.get("href") for link in document.iter("link") if link.get("rel") == "stylesheet")
        assert (site.output / rel).parent.joinpath(stylesheet).resolve().is_file()


def test_person_page_offers_markdown_and_html_snippets_for_badge_and_embed() -> None:
    site = small_wall_site()
    document = _page("people/chen-mei/index.html")
    snippets = {area.get("id"): area.text or "" for area in document.iter("textarea")}
    badge_url = site.base_url + "people/chen-mei/badge.svg"
    page_url = site.base_url + "people/chen-mei/"
    assert snippets["snippet-badge-md"] == f"[![kudos]({badge_url})]({page_url})"
    badge_html, _ = parse_fragment(snippets["snippet-badge-html"])
    assert badge_html.find(".//a").get("href") == page_url
    assert badge_html.find(".//img").get("src") == badge_url
    for key, variant in (("snippet-embed-html", "embed/"), ("snippet-embed-dark", "embed/dark/")):
        frame, _ = parse_fragment(snippets[key])
        iframe = frame.find(".//iframe")
        assert iframe.get("src") == page_url + variant
        assert iframe.get("title") == "Kudos for 陈美"
        assert site.file_for(iframe.get("src")) is not None
    assert any(site.file_for(text[text.index("(http") + 1: text.index(")")]) for text in snippets.values()
               if text.startswith("[![User research]"))


def test_snippets_escape_names() -> None:
    document = _page("people/fjord-labs/index.html")
    html_snippet = next(a.text or "" for a in document.iter("textarea") if a.get("id") == "snippet-embed-html")
    frame, errors = parse_fragment(html_snippet)
    assert errors == []
    assert frame.find(".//iframe").get("title") == "Kudos for Fjord Labs & Co."
    assert "&amp;" in html_snippet  # the copied HTML carries the name escaped, as HTML must
