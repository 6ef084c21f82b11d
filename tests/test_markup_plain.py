"""Plain text of sanitized bodies (excerpts, JSON-LD reviewBody, credential comments)."""

from __future__ import annotations

import html
import re

import nh3
from hypothesis import given
from hypothesis import strategies as st

from kudoswall.markup import plain_text


def regex_plain_text(clean_html: str) -> str:
    """The earlier definition: collapse runs matching the regex `\\s+`."""
    text = nh3.clean(clean_html.replace("</p>", "</p> ").replace("</li>", "</li> "), tags=set())
    return re.sub(r"\s+", " ", html.unescape(text)).strip()


def test_every_kind_of_whitespace_becomes_one_space_and_ends_are_trimmed() -> None:
    body = "<p> a&nbsp;\u2003b\n\tc\u3000</p><ul><li>d</li><li>e\x85f</li></ul>"
    assert plain_text(body) == "a b c d e f"


def test_tags_go_and_entities_are_decoded() -> None:
    assert plain_text('<p><a href="https://x.example/?a=1&amp;b=2">x &lt;y&gt; &amp; z</a></p>') == "x <y> & z"


PIECES = [*" \t\n\r\x0b\x0c\x1c\x1d\x1e\x1f\x85\xa0\u1680\u2000\u200a\u2028\u2029\u202f\u205f\u3000\u200b\ufeff",
          "&nbsp;", "a", "é", "<p>", "</p>", "<li>", "</li>", "<br>"]


@given(st.lists(st.sampled_from(PIECES)).map("".join))
def test_same_text_as_collapsing_regex_whitespace(fragment: str) -> None:
    assert plain_text(fragment) == regex_plain_text(fragment)
