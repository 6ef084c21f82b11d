"""What "published as inert text" means, checked on every file a build writes.

Each function returns human-readable failures (empty when the file is safe), so a test reports
every unsafe spot at once. HTML is parsed with html5lib as a browser would; feeds, sitemaps and
SVG with an XML parser; JSON with a strict JSON parser (no NaN).
"""

from __future__ import annotations

import hashlib
import json
import re
import xml.etree.ElementTree as ET
from collections.abc import Iterator, Mapping
from typing import Any
from urllib.parse import urlsplit

import html5lib

ATOM = "{http://www.w3.org/2005/Atom}"
SITEMAP = "{http://www.sitemaps.org/schemas/sitemap/0.9}"
URL_ATTRIBUTES = {
    "href", "src", "action", "formaction", "data", "poster", "background", "cite", "longdesc", "lowsrc",
    "dynsrc", "ping", "codebase", "archive", "icon", "manifest", "xlink:href", "srcset", "imagesrcset",
}
FORBIDDEN_ELEMENTS = {"iframe", "frame", "frameset", "object", "embed", "applet", "base", "portal", "foreignobject"}
BODY_TAGS = {
    "p", "br", "hr", "em", "strong", "code", "pre", "blockquote", "ul", "ol", "li", "a", "img", "h3", "h4", "h5",
    "h6", "table", "thead", "tbody", "tr", "th", "td", "del", "sup", "sub", "abbr", "dl", "dt", "dd",
}
"""Everything a rendered kudos body may contain (kudoswall.markup's allow-list)."""
URL_KEYS = {"url", "page", "avatar", "home_page_url", "feed_url", "image", "banner_image", "external_url", "icon",
            "favicon", "id", "href", "website", "github", "linkedin", "mastodon", "sameAs"}
_URL_NOISE = re.compile("[\x00-\x20\x7f\u00a0\u1680\u180e\u2000-\u200b\u2028\u2029\u205f\u3000\ufeff]")
_CSS_DANGER = ("expression(", "javascript:", "vbscript:", "behavior:", "-moz-binding", "@import")
_SAFE_DATA_IMAGE = re.compile(r"^data:image/(png|gif|jpeg|webp);")


def local_name(name: str) -> str:
    """`{namespace}name` → `name`, lower-cased (html5lib namespaces SVG and MathML elements)."""
    return name.rpartition("}")[2].lower()


def dangerous_url(value: str, allow_data_image: bool = False) -> bool:
    """A URL a browser would run as script or render as a document from text the page controls."""
    cleaned = _URL_NOISE.sub("", value).lower()
    if allow_data_image and _SAFE_DATA_IMAGE.match(cleaned):
        return False
    return cleaned.startswith(("javascript:", "vbscript:", "livescript:", "mocha:", "data:"))


def is_remote(url: str, base_url: str) -> bool:
    cleaned = _URL_NOISE.sub("", url).replace("\\", "/")
    if cleaned.startswith(base_url):
        return False
    return cleaned.startswith("//") or bool(urlsplit(cleaned).scheme)


def _urls_of(attribute: str, value: str) -> list[str]:
    if attribute in ("srcset", "imagesrcset"):
        return [part.strip().split(" ")[0] for part in value.split(",") if part.strip()]
    return [value]


def element_problems(root: Any, where: str, base_url: str, remote_images: bool = False) -> Iterator[str]:
    """Script, event handlers, script URLs, frames and remote images anywhere under `root`."""
    for element in root.iter():
        if not isinstance(element.tag, str):
            continue  # comments and processing instructions
        tag = local_name(element.tag)
        attributes = {local_name(k) if not k.endswith("}href") else "xlink:href": v for k, v in element.attrib.items()}
        if tag == "script":
            yield from _script_problems(element, attributes, where)
        elif tag in FORBIDDEN_ELEMENTS:
            yield f"{where}: <{tag}> element"
        elif tag == "style" and any(danger in (element.text or "").lower() for danger in _CSS_DANGER):
            yield f"{where}: <style> with script-like CSS"
        elif tag == "meta" and attributes.get("http-equiv", "").lower() == "refresh":
            target = attributes.get("content", "").partition("=")[2]
            if dangerous_url(target):
                yield f"{where}: meta refresh to {target[:60]!r}"
        for name, value in attributes.items():
            if name.startswith("on"):
                yield f"{where}: event handler attribute {name}= on <{tag}>"
            elif name == "srcdoc":
                yield f"{where}: srcdoc attribute on <{tag}>"
            elif name == "style" and any(danger in value.lower() for danger in _CSS_DANGER):
                yield f"{where}: script-like style attribute on <{tag}>"
            elif name in URL_ATTRIBUTES:
                for url in _urls_of(name, value):
                    if dangerous_url(url, allow_data_image=tag == "img"):
                        yield f"{where}: {name}={url[:60]!r} on <{tag}>"
                    elif tag == "img" and name in ("src", "srcset") and not remote_images and is_remote(url, base_url):
                        yield f"{where}: remote image {url[:60]!r}"


def _script_problems(element: Any, attributes: Mapping[str, str], where: str) -> Iterator[str]:
    """Only two kinds of script may appear: JSON-LD data, and the theme's own script files."""
    text = element.text or ""
    if attributes.get("type") == "application/ld+json":
        lowered = text.lower()
        if "</script" in lowered or "<!--" in lowered:
            yield f"{where}: JSON-LD could close its <script>"
        try:
            json.loads(text)
        except ValueError:
            yield f"{where}: JSON-LD is not valid JSON (a breakout?)"
        return
    src = attributes.get("src", "")
    if not src or text.strip() or is_remote(src, "\0") or dangerous_url(src):
        yield f"{where}: <script> {src[:60]!r} {text[:60]!r}"


def parse_html(data: bytes) -> Any:
    return html5lib.HTMLParser(namespaceHTMLElements=False).parse(data)


def body_problems(fragment: str, where: str, base_url: str, remote_images: bool = False) -> list[str]:
    """A rendered kudos body: only allow-listed tags, and every outside link marked as user content."""
    root = html5lib.HTMLParser(namespaceHTMLElements=False).parseFragment(fragment)
    problems = list(element_problems(root, where, base_url, remote_images))
    for element in root.iter():
        if not isinstance(element.tag, str) or element.tag == "DOCUMENT_FRAGMENT":
            continue
        tag = local_name(element.tag)
        if tag not in BODY_TAGS:
            problems.append(f"{where}: <{tag}> is not in the body allow-list")
        href = element.get("href")
        if tag == "a" and href is not None and is_remote(href, base_url):
            rel = set((element.get("rel") or "").split())
            if not {"nofollow", "ugc", "noopener"} <= rel:
                problems.append(f"{where}: outside link {href[:60]!r} without rel=nofollow ugc noopener")
    return problems


def _json_problems(value: Any, where: str, base_url: str, key: str = "") -> Iterator[str]:
    if isinstance(value, dict):
        for child_key, child in value.items():
            yield from _json_problems(child, where, base_url, str(child_key))
    elif isinstance(value, list):
        for child in value:
            yield from _json_problems(child, where, base_url, key)
    elif isinstance(value, str):
        if key in ("html", "content_html", "body_html"):
            yield from body_problems(value, f"{where} [{key}]", base_url)
        elif key in URL_KEYS and dangerous_url(value):
            yield f"{where}: {key}={value[:60]!r}"


def _reject_constant(name: str) -> Any:
    raise ValueError(f"{name} is not JSON")


def file_problems(rel: str, data: bytes, base_url: str, remote_images: bool = False) -> list[str]:
    """Every way `rel` (a path in the output) could run script or stop parsing."""
    if rel.endswith((".html", ".htm")):
        return list(element_problems(parse_html(data), rel, base_url, remote_images))
    if rel.endswith((".xml", ".svg", ".atom")):
        try:
            root = ET.fromstring(data)
        except ET.ParseError as exc:
            return [f"{rel}: not well-formed XML ({exc})"]
        return list(_xml_problems(root, rel, base_url))
    if rel.endswith(".json") or rel.endswith(".jsonld"):
        try:
            value = json.loads(data, parse_constant=_reject_constant)
        except ValueError as exc:
            return [f"{rel}: not valid JSON ({exc})"]
        return list(_json_problems(value, rel, base_url))
    if rel == "robots.txt":
        pattern = re.compile(r"^((User-agent|Allow|Disallow|Sitemap|Crawl-delay): ?\S*|#.*|)$")
        return [f"{rel}: odd line {line!r}" for line in data.decode("utf-8").splitlines() if not pattern.match(line)]
    if rel == "_redirects":
        bad = [line for line in data.decode("utf-8").splitlines()
               if line and not line.startswith("#") and not re.match(r"^/\S* \S+ 30[12]$", line)]
        return [f"{rel}: odd line {line!r}" for line in bad]
    return []


def _xml_problems(root: ET.Element, rel: str, base_url: str) -> Iterator[str]:
    if root.tag == f"{ATOM}feed":
        for entry in root.iter(f"{ATOM}entry"):
            for content in entry.iter(f"{ATOM}content"):
                if content.get("type") == "html":
                    yield from body_problems(content.text or "", f"{rel} <content>", base_url)
        for link in root.iter(f"{ATOM}link"):
            if urlsplit(link.get("href", "")).scheme not in ("http", "https"):
                yield f"{rel}: link href {link.get('href', '')[:60]!r}"
    elif root.tag == f"{SITEMAP}urlset":
        for loc in root.iter(f"{SITEMAP}loc"):
            text = loc.text or ""
            if not re.match(r"^https?://[^\s<>\"]+$", text) or not text.startswith(base_url):
                yield f"{rel}: sitemap entry {text[:80]!r}"
    else:  # SVG and anything else: no script, no handlers, no script URLs
        yield from element_problems(root, rel, base_url)


_KNOWN_SAFE: set[tuple[str, str, str, bool]] = set()
"""Files already found safe, by path and digest: the same bytes get the same verdict, so walls
that differ in one field re-parse only the pages that field changed."""


def site_problems(files: Mapping[str, bytes], base_url: str, remote_images: bool = False) -> list[str]:
    problems: list[str] = []
    for rel, data in sorted(files.items()):
        key = (rel, hashlib.sha256(data).hexdigest(), base_url, remote_images)
        if key in _KNOWN_SAFE:
            continue
        found = file_problems(rel, data, base_url, remote_images)
        if found:
            problems.extend(found)
        else:
            _KNOWN_SAFE.add(key)
    return problems
