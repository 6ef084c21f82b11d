"""Plain text of sanitized bodies (excerpts, JSON-LD reviewBody, credential comments)."""

from __future__ import annotations

import html
import re
from functools import partial

import html5lib
import markdown
import markdown_it
import nh3
from hypothesis import example, given, settings
from hypothesis import strategies as st

from kudoswall.markup import _ATTRIBUTES, _TAGS, _filter_attribute, markdown_text, plain_text, sanitize_html


def regex_plain_text(clean_html: str) -> str:
    """The earlier definition: collapse runs matching the regex `\\s+`."""
    text = nh3.clean(clean_html.replace("</p>", "</p> ").replace("</li>", "</li> "), tags=set())
    return re.sub(r"\s+", " ", html.unescape(text)).strip()


def test_every_kind_of_whitespace_becomes_one_space_and_ends_are_trimmed() -> None:
    body = "<p> a&nbsp;\u2003b\n\tc\u3000</p><ul><li>d</li><li>e\x85f</li></ul>"
    assert plain_text(body) == "a b c d e f"


def test_a_leading_byte_order_mark_goes_as_it_did_through_nh3() -> None:
    assert plain_text("\ufeff\ufeffa<p>b</p>") == nh3_plain_text("\ufeff\ufeffa<p>b</p>") == "\ufeffab"


def test_tags_go_and_entities_are_decoded() -> None:
    assert plain_text('<p><a href="https://x.example/?a=1&amp;b=2">x &lt;y&gt; &amp; z</a></p>') == "x <y> & z"


PIECES = [*" \t\n\r\x0b\x0c\x1c\x1d\x1e\x1f\x85\xa0\u1680\u2000\u200a\u2028\u2029\u202f\u205f\u3000\u200b\ufeff",
          "&nbsp;", "a", "é", "<p>", "</p>", "<li>", "</li>", "<br>"]


@given(st.lists(st.sampled_from(PIECES)).map("".join))
@example("<p>\ufeff")  # found by this test: a BOM after a tag is text, only one at the very start goes
def test_same_text_as_collapsing_regex_whitespace(fragment: str) -> None:
    clean = sanitize_html(fragment, {"https"})  # what plain_text is given: nh3 has dropped a leading BOM
    assert plain_text(clean) == regex_plain_text(clean)


def nh3_plain_text(clean_html: str) -> str:
    """What plain_text did before it cut tags with a regex: a second nh3 pass with no tags allowed."""
    text = nh3.clean(clean_html.replace("</p>", "</p> ").replace("</li>", "</li> "), tags=set())
    return " ".join(html.unescape(text).split())


HTML_PIECES = ["a", "b c", " ", "\n", "&amp;", "&lt;", "&gt;", "&nbsp;", "&quot;", "&copy", "&#62;", "<", ">", '"', "'",
               "<p>", "</p>", "<li>", "</li>", "<ul>", "</ul>", "<pre>", "</pre>", "<pre>\n", "<code>", "</code>",
               "<br>",
               '<a href="https://x.example/?q=a>b&amp;c" title="x > y">', "</a>", "<a title='it\"s > <b>'>",
               '<img src="/a.png" alt="a > b">', '<img src="https://evil.example/t.png">', "<image src=x>",
               '<abbr title="&quot;q&quot;">', "</abbr>", "<!-- c > d -->", "<script>s < t</script>",
               "<style>p{}</style>", "<table><tr><td>", "</td></tr></table>", "<h1>", "</h1>", "<em>", "</em>",
               "<![CDATA[x]]>", "<div onclick=\"alert('>')\">", "</div>", "<textarea>", "</textarea>",
               "a\u00a0b", '<a href="\u200bjavascript:x">', '<a href="\u3000https://e.example/">']


@given(st.lists(st.sampled_from(HTML_PIECES), max_size=40).map("".join))
@example("a<pre>\n\na")  # found by this test: a parser drops the newline right after <pre>
@example("<pre>\n\n\nx</pre>y")
def test_regex_tag_cut_matches_an_nh3_pass_on_sanitized_html(fragment: str) -> None:
    for remote_images in (False, True):
        clean = sanitize_html(fragment, {"http", "https", "mailto"}, remote_images)
        assert plain_text(clean) == nh3_plain_text(clean)


@given(st.lists(st.sampled_from(HTML_PIECES), max_size=40).map("".join))
def test_the_attribute_filter_is_skipped_only_where_it_changes_nothing(fragment: str) -> None:
    schemes = {"http", "https", "mailto"}
    always_filtered = nh3.clean(fragment, tags=set(_TAGS), attributes={k: set(v) for k, v in _ATTRIBUTES.items()},
                                attribute_filter=partial(_filter_attribute, True, frozenset(schemes)),
                                url_schemes=schemes,
                                link_rel="nofollow ugc noopener", strip_comments=True)
    assert sanitize_html(fragment, {"http", "https", "mailto"}) == always_filtered


def test_a_link_hiding_a_scheme_behind_invisible_characters_loses_its_address() -> None:
    """A browser reads `\u200bjavascript:` as a relative path; a laxer reader might not, so it goes."""
    for space in ("\u200b", "\u00a0", "\u3000", "\ufeff"):
        clean = sanitize_html(f'<p><a href="{space}javascript:alert(1)">x</a> and <a href="{space}https://e.example/">y</a></p>',
                              {"https"})
        assert "javascript" not in clean
        assert "e.example" in clean  # an allowed scheme behind the same character stays
    assert "e.example" not in sanitize_html('<img src="\u200bhttps://e.example/t.png" alt="x">', {"https"})


def test_a_remote_image_in_raw_html_loses_its_address() -> None:
    clean = sanitize_html('<IMAGE src="https://evil.example/t.png" alt="x">', {"https"})
    assert "evil.example" not in clean


MARKDOWN_SIGNS = "\\`*_[]()<>&~#+-.!|{}=:;/ \n1aZé→😀"


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet=MARKDOWN_SIGNS, max_size=40))
def test_markdown_text_reads_as_the_same_text_in_commonmark_and_python_markdown(text: str) -> None:
    """What a reader of a Markdown field (an Open Badges wallet) shows is the text, whatever its signs."""
    written = markdown_text(text)
    expected = " ".join(text.split())
    for rendered in (markdown_it.MarkdownIt().render(written), markdown.markdown(written)):
        fragment = html5lib.parseFragment(rendered, namespaceHTMLElements=False)
        assert {element.tag for element in list(fragment.iter())[1:]} <= {"p"}, rendered  # no markup at all
        assert " ".join("".join(fragment.itertext()).split()) == expected, (written, rendered)
