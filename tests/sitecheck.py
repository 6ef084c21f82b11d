"""Checks a built site the way a browser and a crawler would see it.

Each check returns a list of human-readable failures (empty when the page is fine), so a test
can report every broken page at once instead of stopping at the first.
"""

from __future__ import annotations

import atexit
import json
import re
import shutil
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from functools import cache, cached_property
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urldefrag, urljoin, urlsplit

import html5lib

from kudoswall.build import build_site
from kudoswall.config import load_config

# Attributes that make the browser fetch something while the page loads.
RESOURCE_ATTRIBUTES = {"img": ("src",), "script": ("src",), "source": ("src",), "video": ("src", "poster"),
                       "audio": ("src",), "iframe": ("src",), "embed": ("src",), "object": ("data",)}
RESOURCE_LINK_RELS = {"stylesheet", "icon", "apple-touch-icon", "preload", "modulepreload", "manifest", "prefetch"}
CSS_URL = re.compile(r"url\(\s*['\"]?([^'\")]+)['\"]?\s*\)")
CSS_IMPORT = re.compile(r"@import\s+['\"]([^'\"]+)['\"]")
REPO = Path(__file__).resolve().parent.parent
FIXTURES = REPO / "tests" / "fixtures"


def parse_html(data: bytes) -> tuple[Any, list[Any]]:
    """An ElementTree of the page (no namespaces) and html5lib's list of parse errors."""
    parser = html5lib.HTMLParser(strict=False, namespaceHTMLElements=False)
    document = parser.parse(data)
    return document, list(parser.errors)


@dataclass
class BuiltSite:
    output: Path
    base_url: str
    _ids: dict[str, set[str]] = field(default_factory=dict)
    _parsed: dict[str, tuple[Any, list[Any]]] = field(default_factory=dict)

    @classmethod
    def build(cls, wall: Path, output: Path) -> BuiltSite:
        config = load_config(wall)
        build_site(config, output)
        return cls(output, config.base_url)

    @cached_property
    def files(self) -> list[str]:
        return sorted(p.relative_to(self.output).as_posix() for p in self.output.rglob("*") if p.is_file())

    @property
    def html_pages(self) -> list[str]:
        return [f for f in self.files if f.endswith(".html")]

    def url_of(self, rel: str) -> str:
        """The address a file is served at: folders for index.html."""
        if rel == "index.html" or rel.endswith("/index.html"):
            rel = rel[: -len("index.html")]
        return self.base_url + rel

    def file_for(self, url: str) -> str | None:
        """The output file an address under base_url maps to, or None when there is none."""
        path = urlsplit(url).path
        base_path = urlsplit(self.base_url).path
        if not path.startswith(base_path):
            return None
        rel = unquote(path[len(base_path):])
        if rel == "" or rel.endswith("/"):
            rel += "index.html"
        if ".." in rel.split("/"):
            return None
        return rel if (self.output / rel).is_file() else None

    def is_same_host(self, url: str) -> bool:
        parts, base = urlsplit(url), urlsplit(self.base_url)
        return parts.scheme == base.scheme and parts.netloc == base.netloc

    def is_internal(self, url: str) -> bool:
        """Under base_url: part of this site (the same host may serve other things elsewhere)."""
        return self.is_same_host(url) and urlsplit(url).path.startswith(urlsplit(self.base_url).path)

    def parsed(self, rel: str) -> tuple[Any, list[Any]]:
        """The page parsed once per run: link checks look up targets' ids many times."""
        if rel not in self._parsed:
            self._parsed[rel] = parse_html((self.output / rel).read_bytes())
        return self._parsed[rel]

    def ids_of(self, rel: str) -> set[str]:
        if rel not in self._ids:
            document, _ = self.parsed(rel)
            self._ids[rel] = {el.get("id") for el in document.iter() if el.get("id")}
        return self._ids[rel]


def _references(document: Any) -> Iterator[tuple[str, str, bool]]:
    """(tag, address, loaded-as-resource) for every address the page refers to."""
    for element in document.iter():
        tag = element.tag
        if not isinstance(tag, str):
            continue
        if tag in ("a", "area") and element.get("href") is not None:
            yield tag, element.get("href"), False
        elif tag == "link" and element.get("href") is not None:
            rels = set((element.get("rel") or "").lower().split())
            if "canonical" not in rels:
                yield tag, element.get("href"), bool(rels & RESOURCE_LINK_RELS)
        for attribute in RESOURCE_ATTRIBUTES.get(tag, ()):
            if element.get(attribute):
                yield tag, element.get(attribute), True
        srcset = element.get("srcset")
        if srcset:
            for candidate in srcset.split(","):
                if candidate.strip():
                    yield tag, candidate.split()[0], True


def check_reference(site: BuiltSite, page: str, tag: str, address: str, resource: bool) -> str:
    """Why one address on `page` is broken, or '' when it is fine."""
    absolute = urljoin(site.url_of(page), address.strip())
    scheme = urlsplit(absolute).scheme
    if scheme in ("mailto", "tel") and not resource:
        return ""
    if scheme == "data" and resource:
        return ""
    if scheme not in ("http", "https"):
        return f"{tag} -> {address!r}: scheme {scheme!r} is not allowed"
    if not site.is_same_host(absolute):
        return f"{tag} -> {address!r}: loads a resource from another host" if resource else ""
    if not site.is_internal(absolute):
        return ""  # a page or file of the same host outside this site: not ours to check
    target_url, fragment = urldefrag(absolute)
    target = site.file_for(target_url)
    if target is None:
        return f"{tag} -> {address!r}: no such file in the output ({target_url})"
    if fragment and target.endswith(".html") and unquote(fragment) not in site.ids_of(target):
        return f"{tag} -> {address!r}: {target} has no element with id {fragment!r}"
    return ""


def check_page(site: BuiltSite, page: str) -> list[str]:
    """Every way one HTML page is broken: parse errors, structure, links and remote resources."""
    document, errors = site.parsed(page)
    failures = [f"parse error {error[1]} at {error[0]}" for error in errors]
    html = document if document.tag == "html" else document.find(".//html")
    if html is None or not (html.get("lang") or "").strip():
        failures.append("<html> has no lang attribute")
    h1s = document.findall(".//h1")
    if len(h1s) != 1:
        failures.append(f"{len(h1s)} <h1> elements (want exactly one)")
    title = document.find(".//head/title")
    if title is None or not "".join(title.itertext()).strip():
        failures.append("no <title>")
    canonicals = [link.get("href", "") for link in document.iter("link")
                  if "canonical" in (link.get("rel") or "").split()]
    if len(canonicals) != 1:
        failures.append(f"{len(canonicals)} canonical links (want one)")
    elif canonicals[0] != site.url_of(page):
        failures.append(f"canonical link {canonicals[0]!r} is not the page's own address {site.url_of(page)!r}")
    ids = [el.get("id") for el in document.iter() if isinstance(el.tag, str) and el.get("id")]
    duplicated = sorted({i for i in ids if ids.count(i) > 1})
    if duplicated:
        failures.append(f"duplicate ids {duplicated}")
    for tag, address, resource in _references(document):
        if problem := check_reference(site, page, tag, address, resource):
            failures.append(problem)
    for meta in document.iter("meta"):
        if meta.get("property") in ("og:image", "og:url") or meta.get("name") == "twitter:image":
            content = meta.get("content") or ""
            if not content.startswith(("https://", "http://")):
                failures.append(f"{meta.get('property') or meta.get('name')} {content!r} is not an absolute address")
            elif problem := check_reference(site, page, "meta", content, resource=False):
                failures.append(problem)
    for script in document.iter("script"):
        if script.get("type") == "application/ld+json":
            try:
                data = json.loads("".join(script.itertext()))
            except ValueError as exc:
                failures.append(f"JSON-LD does not parse: {exc}")
                continue
            if data.get("@context") != "https://schema.org":
                failures.append("JSON-LD without the schema.org @context")
    return [f"{page}: {failure}" for failure in failures]


def check_stylesheet(site: BuiltSite, rel: str) -> list[str]:
    """url(...) and @import in a stylesheet must stay inside the site (no web fonts from a CDN)."""
    text = (site.output / rel).read_text("utf-8")
    failures = []
    for address in [*CSS_URL.findall(text), *CSS_IMPORT.findall(text)]:
        if problem := check_reference(site, rel, "css", address, resource=True):
            failures.append(f"{rel}: {problem}")
    return failures


@cache
def built_site(wall: Path) -> BuiltSite:
    """The wall built once per test run (several test files check the same output)."""
    scratch = Path(tempfile.mkdtemp(prefix="kudoswall-built-"))
    atexit.register(shutil.rmtree, scratch, True)
    return BuiltSite.build(wall, scratch / "site")


def demo_site() -> BuiltSite:
    return built_site(REPO)


def small_wall_site() -> BuiltSite:
    return built_site(FIXTURES / "small-wall")


def paged_wall_site() -> BuiltSite:
    """The small wall at one kudos a page, so people's lists outgrow their page and get pages of their own."""
    return built_site(paged_wall(FIXTURES / "small-wall", per_page=1))


def paged_demo_site() -> BuiltSite:
    """The demo wall at two kudos a page: people's lists and skills' rankings run to several pages."""
    return built_site(paged_wall(REPO, per_page=2))


@cache
def paged_wall(wall_root: Path, per_page: int) -> Path:
    """A copy of a wall (configuration, lock and content) with `per_page` and `people_per_page` set: the fixtures keep
    theirs for the snapshot, the demo wall for the README."""
    wall = Path(tempfile.mkdtemp(prefix="kudoswall-paged-")) / wall_root.name
    atexit.register(shutil.rmtree, wall.parent, True)
    wall.mkdir()
    for name in ("kudoswall.yaml", "kudoswall.lock", "content"):
        source = wall_root / name
        if source.is_dir():
            shutil.copytree(source, wall / name)
        elif source.exists():
            shutil.copy2(source, wall / name)
    config = wall / "kudoswall.yaml"
    text = config.read_text(encoding="utf-8")
    assert re.search(r"^per_page: \d+$", text, re.MULTILINE), "the fixture sets per_page"
    text = re.sub(r"^per_page: \d+$", f"per_page: {per_page}", text, flags=re.MULTILINE)
    config.write_text(f"{text.rstrip()}\npeople_per_page: {per_page}\n", encoding="utf-8")  # the directory too
    return wall
