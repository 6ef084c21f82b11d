"""The triggered inline pass renders exactly what Python-Markdown's own inline pass renders."""

from __future__ import annotations

from pathlib import Path

import markdown
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from markdown.inlinepatterns import SimpleTagInlineProcessor
from markdown.treeprocessors import InlineProcessor

from kudoswall.config import MarkdownOptions
from kudoswall.inline import TriggeredInlineProcessor, pattern_trigger
from kudoswall.markup import MarkdownRenderer

ROOT = Path(__file__).resolve().parent.parent


def renderers(allow_html: bool) -> tuple[MarkdownRenderer, MarkdownRenderer]:
    """(triggered, stock): the same configuration, the stock one with Python-Markdown's own inline pass."""
    options = MarkdownOptions(allow_html=allow_html)
    triggered, stock = MarkdownRenderer(options, 240), MarkdownRenderer(options, 240)
    stock._md.treeprocessors.register(InlineProcessor(stock._md), "inline", 20)
    return triggered, stock


TRIGGERED = {flag: renderers(flag) for flag in (False, True)}

PIECES = ["word", "é", " ", " ", "\n", "\n\n", "  \n", "*", "**", "_", "__", "`", "``", "\\", "\\*", "[", "]", "(",
          ")", "!", "![", "[x]", "[x]: https://e.example/", "(https://e.example/a_b)", "<https://a.example/>",
          "<me@x.example>", "<", ">", "&", "&amp;", "&copy;", "&#35;", "&#x41;", "- ", "1. ", "```\n", "|", ":",
          "*[HTML]: Hyper Text", "HTML", "# ", "> ", "    code", "<b>", "</b>", "<span>", "'", '"', "---"]


@settings(max_examples=400, deadline=None)
@given(st.lists(st.sampled_from(PIECES), max_size=30).map("".join), st.booleans())
def test_same_html_as_the_stock_inline_pass(text: str, allow_html: bool) -> None:
    triggered, stock = TRIGGERED[allow_html]
    assert triggered.render(text).html == stock.render(text).html


def test_same_html_for_every_body_of_the_demo_wall() -> None:
    triggered, stock = TRIGGERED[False]
    paths = (ROOT / "content/kudos").glob("*.md")
    bodies = [path.read_text(encoding="utf-8").split("\n---\n", 1)[-1] for path in paths]
    assert len(bodies) > 40
    for body in bodies:
        assert triggered.render(body).html == stock.render(body).html


@pytest.mark.parametrize("text", [
    "a *b* c", "a `code` b", "a \\* b", "[l](https://x.example/)", "![i](/a.png)", "<https://x.example/>",
    "<m@x.example>", "line  \nbreak", "&copy; &amp;", "[r]\n\n[r]: https://x.example/", "*[HTML]: Hyper\n\nHTML",
])
def test_each_kind_of_inline_markup_still_renders(text: str) -> None:
    """Each built-in pattern still fires when its trigger is present (a wrong trigger skips it)."""
    triggered, stock = TRIGGERED[False]
    rendered = triggered.render(text).html
    assert rendered == stock.render(text).html
    assert "<" in rendered.removeprefix("<p>")  # some markup beyond the paragraph


def test_the_renderer_uses_the_triggered_pass() -> None:
    renderer = MarkdownRenderer(MarkdownOptions(), 240)
    assert type(renderer._md.treeprocessors["inline"]) is TriggeredInlineProcessor
    assert next(iter(renderer._md.treeprocessors)) is renderer._md.treeprocessors["inline"]  # still runs first


def test_patterns_it_does_not_know_are_always_tried() -> None:
    md = markdown.Markdown()
    custom = SimpleTagInlineProcessor(r"()~~(.+?)~~", "del")
    assert pattern_trigger(custom) is None
    link = md.inlinePatterns["link"]
    assert pattern_trigger(link) == ("[",)
    link.compiled_re = __import__("re").compile(r"\(")  # same class, another regex: unknown
    assert pattern_trigger(link) is None


def test_an_extension_pattern_is_applied() -> None:
    """A pattern added after install (no trigger known) keeps working through the triggered pass."""
    renderer = MarkdownRenderer(MarkdownOptions(), 240)
    renderer._md.inlinePatterns.register(SimpleTagInlineProcessor(r"()~~(.+?)~~", "del"), "del", 75)
    assert renderer.render("a ~~gone~~ b").html == "<p>a <del>gone</del> b</p>"
