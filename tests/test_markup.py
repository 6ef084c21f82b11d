"""Markdown → sanitized HTML: the parser's raw-HTML path is off and nh3 always has the last word."""

from __future__ import annotations

import html5lib
import pytest

from kudoswall.config import MarkdownOptions
from kudoswall.markup import MarkdownRenderer, excerpt

NS = {"h": "http://www.w3.org/1999/xhtml"}


def render(text: str, **options: object) -> str:
    return MarkdownRenderer(MarkdownOptions(**options), 240).render(text).html  # type: ignore[arg-type]


def heading_levels(html: str) -> list[str]:
    tree = html5lib.parse(html)
    return [element.tag.split("}")[1] for element in tree.iter() if element.tag.split("}")[1][:1] == "h"
            and element.tag.split("}")[1][1:].isdigit()]


@pytest.mark.parametrize(("markdown", "levels"), [
    ("# A\n\n## B\n\n### C", ["h3", "h4", "h5"]),
    ("## A\n\n### B", ["h3", "h4"]),
    ("### A\n\n#### B\n\n## C", ["h4", "h5", "h3"]),
    ("#### Only", ["h3"]),
    ("# A\n\n###### deep", ["h3", "h6"]),
])
def test_the_highest_heading_becomes_h3_and_levels_keep_their_distance(markdown: str, levels: list[str]) -> None:
    assert heading_levels(render(markdown)) == levels


def test_raw_html_is_text_by_default() -> None:
    html = render('Hi <script>alert(1)</script> <b onclick="x">b</b>\n\n<div>block</div>')
    assert "<script" not in html and "<b" not in html and "<div" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html


def test_allowed_html_still_goes_through_the_sanitizer() -> None:
    html = render('<em onclick="x">bold</em> <script>alert(1)</script>', allow_html=True)
    assert "<em>bold</em>" in html
    assert "onclick" not in html and "<script" not in html


def test_links_keep_only_allowed_schemes_and_get_rel() -> None:
    html = render("[a](javascript:alert(1)) [b](https://example.org/x) [c](mailto:a@example.org) [d](/k/x/)")
    assert "javascript:" not in html
    assert '<a href="https://example.org/x" rel="nofollow ugc noopener">b</a>' in html
    assert 'href="mailto:a@example.org"' in html and 'href="/k/x/"' in html


def test_remote_images_become_links_unless_allowed() -> None:
    assert render("![logo](https://tracker.example/x.png)") == (
        '<p><a href="https://tracker.example/x.png" rel="nofollow ugc noopener">Image: logo</a></p>')
    assert '<img alt="logo" src="https://tracker.example/x.png">' in render(
        "![logo](https://tracker.example/x.png)", remote_images=True)


def test_attribute_lists_are_not_an_extension_content_can_use() -> None:
    assert "onclick" not in render('[x](https://example.org){: onclick="alert(1)"}').split(">{")[0]


def test_excerpt_cuts_at_a_word_boundary_with_an_ellipsis() -> None:
    assert excerpt("one two three four", 100) == "one two three four"
    assert excerpt("one two three four", 12) == "one two…"
