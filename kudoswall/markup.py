"""Markdown → sanitized HTML, and plain-text excerpts.

Python-Markdown passes raw HTML and `javascript:` links through by design, so raw HTML is
turned off at the parser (it shows as text) and the output always goes through nh3's allow-list
sanitizer. `attr_list` stays off: it would let content set `onclick`, `style` or `id`.
"""

from __future__ import annotations

import functools
import html
import re
import xml.etree.ElementTree as ET
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from functools import partial
from urllib.parse import urljoin, urlsplit

import markdown
import nh3
from markdown.treeprocessors import Treeprocessor

from .config import MarkdownOptions
from .inline import install_triggered_inline

_TAGS = {
    "p", "br", "hr", "em", "strong", "code", "pre", "blockquote", "ul", "ol", "li", "a", "img",
    "h3", "h4", "h5", "h6", "table", "thead", "tbody", "tr", "th", "td", "del", "sup", "sub", "abbr",
    "dl", "dt", "dd",
}
"""The safe subset: what Markdown produces, and all that raw HTML may use when allow_html is on."""
_ATTRIBUTES = {
    "a": {"href", "title"},
    "img": {"src", "alt", "title"},
    "abbr": {"title"},
    "ol": {"start"},
    "th": {"align"},
    "td": {"align"},
}
_URL_NOISE = re.compile(r"[\x00-\x20\x7f]")  # browsers drop tabs and newlines anywhere in a URL
_HIDDEN_URL_NOISE = re.compile("[\u00a0\u1680\u180e\u2000-\u200b\u2028\u2029\u205f\u3000\ufeff]")
"""Unicode spaces and zero-width characters. A browser keeps them in a URL, so `\u200bjavascript:`
is a harmless relative link there, and nh3 lets it through; a laxer reader of the page might drop
them and find the scheme, so a link that hides a scheme behind them is dropped."""
_IMAGE_TAG = re.compile(r"<im", re.IGNORECASE)  # HTML parsers read <image> as <img>
_TAG = re.compile(r'<[^>"]*(?:"[^"]*"[^>"]*)*>')  # a tag as nh3 writes it (a quoted value may hold '>')


def _url_as_read(url: str) -> str:
    """The address with everything a browser, or a laxer reader, may skip inside it removed."""
    return _HIDDEN_URL_NOISE.sub("", _URL_NOISE.sub("", url))


def is_remote_url(url: str) -> bool:
    """True for URLs a browser would fetch from another host.

    Browsers strip whitespace, ignore tabs and newlines inside URLs and read a backslash as a
    slash, so `/\\evil.example/x.png` and ` //evil.example` are remote too; so is an address behind
    _HIDDEN_URL_NOISE, which a laxer reader might drop.
    """
    cleaned = _url_as_read(url).replace("\\", "/")
    return cleaned.startswith("//") or bool(urlsplit(cleaned).scheme)


class _HeadingShift(Treeprocessor):
    """Content headings start at h3, so they never compete with the page's own h1 and h2.

    The body's highest heading becomes h3 and the others keep their distance from it, so a
    text that starts at `##` does not skip a level either.
    """

    def run(self, root: ET.Element) -> None:
        headings = [element for element in root.iter() if element.tag in ("h1", "h2", "h3", "h4", "h5", "h6")]
        if not headings:
            return
        shift = 3 - min(int(element.tag[1]) for element in headings)
        for element in headings:
            element.tag = f"h{min(6, int(element.tag[1]) + shift)}"


class _RemoteImagesAsLinks(Treeprocessor):
    """Remote images track visitors; unless allowed, each becomes a plain link to the image."""

    def run(self, root: ET.Element) -> None:
        for element in root.iter():
            if element.tag != "img":
                continue
            src = element.get("src", "")
            if is_remote_url(src):
                alt = element.get("alt") or "image"
                element.tag = "a"
                element.attrib.clear()
                element.set("href", src)
                element.text = f"Image: {alt}"


@dataclass
class RenderedBody:
    html: str
    excerpt: str
    word_count: int


class MarkdownRenderer:
    """One reusable Markdown instance (building one per file costs more than the parse)."""

    def __init__(self, options: MarkdownOptions, excerpt_length: int) -> None:
        self.options = options
        self.excerpt_length = excerpt_length
        self._md = markdown.Markdown(extensions=["fenced_code", "tables", "sane_lists", "def_list", "abbr"],
                                     output_format="html")
        if not options.allow_html:
            self._md.preprocessors.deregister("html_block")
            self._md.inlinePatterns.deregister("html")
        install_triggered_inline(self._md)
        self._md.treeprocessors.register(_HeadingShift(self._md), "kudoswall-headings", 0)
        if not options.remote_images:
            self._md.treeprocessors.register(_RemoteImagesAsLinks(self._md), "kudoswall-images", 1)
        self._schemes = set(options.link_schemes)

    def render(self, text: str) -> RenderedBody:
        self._md.reset()
        raw_html = self._md.convert(text)
        clean = sanitize_html(raw_html, self._schemes, self.options.remote_images)
        plain = plain_text(clean)
        return RenderedBody(clean, excerpt(plain, self.excerpt_length), len(plain.split()))


def _filter_attribute(local_images_only: bool, url_schemes: frozenset[str] | None, tag: str, attribute: str,
                      value: str) -> str | None:
    """Drops the address of a remote image that raw HTML brought in (Markdown images are links), and,
    given `url_schemes`, an address whose scheme, once _HIDDEN_URL_NOISE is removed, is not one of them."""
    if local_images_only and tag == "img" and attribute == "src" and is_remote_url(value):
        return None
    if url_schemes is not None and attribute in ("href", "src"):
        scheme = urlsplit(_url_as_read(value)).scheme
        if scheme and scheme.lower() not in url_schemes:
            return None
    return value


def _new_cleaner(url_schemes: Iterable[str],
                 attribute_filter: Callable[[str, str, str], str | None] | None) -> nh3.Cleaner:
    """The allow-list sanitizer's policy, in one place: what bodies are cleaned with, and re-cleaned
    with when their addresses are rewritten (absolute_html)."""
    return nh3.Cleaner(
        tags=_TAGS,
        attributes=_ATTRIBUTES,
        attribute_filter=attribute_filter,
        url_schemes=set(url_schemes),
        link_rel="nofollow ugc noopener",
        strip_comments=True,
    )


@functools.lru_cache(maxsize=16)
def _cleaner(url_schemes: frozenset[str], local_images_only: bool, filter_schemes: bool) -> nh3.Cleaner:
    """One nh3 Cleaner per policy: `nh3.clean` rebuilt the allow-lists from Python sets on every
    call, as long as sanitizing a typical body itself (about 20 µs of 40)."""
    attribute_filter = partial(_filter_attribute, local_images_only, url_schemes if filter_schemes else None) \
        if local_images_only or filter_schemes else None
    return _new_cleaner(url_schemes, attribute_filter)


def sanitize_html(raw_html: str, url_schemes: set[str], remote_images: bool = False) -> str:
    """The allow-list sanitizer every rendered body goes through, whatever the Markdown options."""
    images = not remote_images and _IMAGE_TAG.search(raw_html) is not None
    hidden = _HIDDEN_URL_NOISE.search(raw_html) is not None
    # the attribute filter is a Python call per attribute: only for a body that needs it
    return _cleaner(frozenset(url_schemes), images, hidden).clean(raw_html)


_RELATIVE_REFERENCE = re.compile(r'\s(?:href|src)="(?![a-zA-Z][a-zA-Z0-9+.-]*:)')
"""A link or image address without a scheme, in HTML as nh3 writes it (double-quoted attributes)."""


def absolute_html(clean_html: str, page_url: str, url_schemes: Iterable[str]) -> str:
    """Sanitized HTML of the page at `page_url`, with relative link and image addresses made absolute.

    Why: feeds and the API carry a body away from its page, and a reader resolves a relative address
    against the feed's own URL (RFC 4287 section 2; JSON Feed has no base at all), so `../other/`
    would lead nowhere. nh3 rewrites the attributes, so the HTML stays its serialization; a body with
    no relative address (most) is returned as it is.
    """
    if _RELATIVE_REFERENCE.search(clean_html) is None:
        return clean_html

    def absolute(tag: str, attribute: str, value: str) -> str:
        return urljoin(page_url, value) if attribute in ("href", "src") else value

    return _new_cleaner(url_schemes, absolute).clean(clean_html)


def plain_text(clean_html: str) -> str:
    r"""The text of sanitized HTML, each run of whitespace one space.

    split() and a regex `\s+` agree on what whitespace is (str.isspace); split() is 3x faster,
    and a build takes the plain text of every body three times (excerpt, JSON-LD, credential).
    Tags are cut with `_TAG` rather than a second nh3 pass (2x faster): nh3's serializer escapes
    `<` and `>` in text and double-quotes every attribute, so on its output the regex is exact
    (a property test holds it to the nh3 pass it replaced).
    """
    # an HTML parser drops a newline right after <pre> (as nh3's second pass did): "a<pre>\na" reads "aa"
    text = _TAG.sub("", clean_html.replace("</p>", "</p> ").replace("</li>", "</li> ").replace("<pre>\n", "<pre>"))
    # an HTML parser drops one BOM at the very start of its input (as nh3 did), not one after a tag
    text = text[1:] if clean_html.startswith("\ufeff") else text
    return " ".join(html.unescape(text).split())


_MARKDOWN_ENTITIES = {"&": "&amp;", "<": "&lt;", ">": "&gt;", "~": "&#126;"}
_MARKDOWN_SIGNS = re.compile(r"[\\`*_\[\]&<>~]")
_MARKDOWN_LINE_START = re.compile(r"^(?:[#+=-]|\d+(?=[.)]))", re.MULTILINE)  # a heading or a list item


def markdown_text(text: str) -> str:
    """Plain text written as Markdown that renders as exactly that text, in CommonMark and Python-Markdown.

    Why: a field typed Markdown (Open Badges' endorsementComment) is rendered by its reader, so a
    kudos that shows the characters `<b>` or `**` must not become markup there. Backslash escapes
    where both dialects have them; character references for what one of them lacks (`~`, `&`, `<`, `>`).
    """
    lines = "\n".join(" ".join(line.split()) for line in text.split("\n"))  # indented lines would be code
    escaped = _MARKDOWN_SIGNS.sub(lambda sign: _MARKDOWN_ENTITIES.get(sign[0], "\\" + sign[0]), lines)
    return _MARKDOWN_LINE_START.sub(_escape_line_start, escaped)


def _escape_line_start(start: re.Match[str]) -> str:
    sign = start[0]
    if sign == "=":  # a heading's underline; Python-Markdown has no escape for it
        return "&#61;"
    return sign + "\\" if sign[0].isdigit() else "\\" + sign  # "1\." and "\#"


def excerpt(text: str, limit: int) -> str:
    """At most `limit` characters, cut at a word boundary, with an ellipsis when cut."""
    if len(text) <= limit:
        return text
    cut = text[:limit].rsplit(" ", 1)[0].rstrip(" ,;:.-—")
    return cut + "…"
