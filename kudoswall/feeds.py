"""Render: machine-readable outputs — Atom, JSON Feed 1.1, the kudos.json API, sitemap, robots.

XML is built with ElementTree (which escapes by construction; namespaces are written as plain
xmlns attributes so each document keeps a default namespace) after removing characters XML 1.0
forbids; JSON as json.dumps writes it (jsontext.py). Feeds are bounded (`feed_limit`) so their
size never grows with N.
"""

from __future__ import annotations

import datetime as dt
import io
import re
import xml.etree.ElementTree as ET
from collections.abc import Callable, Iterator
from typing import Any

from . import __version__
from .config import Config
from .jsontext import indented_json
from .links import kudos_path, person_path, skill_path
from .markup import absolute_html
from .models import Kudos, Person, Wall
from .pages import Focus, in_focus, kudos_keys
from .units import OutputUnit, fingerprint

ATOM_NS = "http://www.w3.org/2005/Atom"
SITEMAP_NS = "http://www.sitemaps.org/schemas/sitemap/0.9"
JSON_FEED_VERSION = "https://jsonfeed.org/version/1.1"
API_VERSION = 1
SITEMAP_LIMIT = 50_000  # addresses per sitemap file (sitemaps.org protocol; also at most 50 MB, far off here)
_XML_FORBIDDEN = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff\ud800-\udfff]")


def xml_text(text: str) -> str:
    """Text XML 1.0 can carry: control characters (other than tab and newlines) removed."""
    return _XML_FORBIDDEN.sub("", text)


_XML_DECLARATION = b"<?xml version='1.0' encoding='utf-8'?>\n"  # what ET.write declares for UTF-8


def _xml_bytes(root: ET.Element) -> bytes:
    """The same bytes as `ET.tostring(root, encoding="utf-8", xml_declaration=True)`, but cheaper.

    Serialising to str skips ET's codec writer, which costs a reset call per fragment written
    (an Atom feed of 20 entries: 2.1 -> 1.75 ms); UTF-8 encodes every character xml_text
    leaves (no lone surrogates), so nothing else changes.
    """
    return _XML_DECLARATION + ET.tostring(root, encoding="unicode").encode("utf-8") + b"\n"


def _timestamp(kudos: Kudos) -> str:
    return kudos.date.isoformat() + "T00:00:00Z"


def _modified(kudos: Kudos) -> str:
    """When the entry last changed, so a reader shows a correction: the day of the last commit to an
    edited kudos (git's history; the lock alone knows no edit date), else its own date."""
    history = kudos.history
    if history is not None and history.source == "git" and history.edited and history.last_updated \
            and history.last_updated > kudos.date:
        return history.last_updated.isoformat() + "T00:00:00Z"
    return _timestamp(kudos)


def _title(kudos: Kudos, people: dict[str, Person]) -> str:
    if kudos.title:
        return kudos.title
    return f"{people[kudos.from_handle].name} → {people[kudos.to_handle].name}"


def _sub(parent: ET.Element, tag: str, text: str | None = None, **attributes: str) -> ET.Element:
    element = ET.SubElement(parent, tag, {k: xml_text(v) for k, v in attributes.items()})
    if text is not None:
        element.text = xml_text(text)
    return element


def atom_feed(config: Config, people: dict[str, Person], entries: list[Kudos], feed_path: str,
              title: str, page_path: str, first_path: str | None = None, since: dt.date | None = None) -> bytes:
    """`first_path`: where the feed was first published, its atom:id for good (RFC 4287 4.2.6: a renamed
    person's feed moves, its id does not); `since`: when it was, its `updated` while it has no entries."""
    feed = ET.Element("feed", {"xmlns": ATOM_NS, "xml:lang": config.language})
    _sub(feed, "id", config.absolute_url(first_path or feed_path))
    _sub(feed, "title", title)
    if config.description:
        _sub(feed, "subtitle", config.description)
    empty = f"{since.isoformat()}T00:00:00Z" if since else "1970-01-01T00:00:00Z"
    _sub(feed, "updated", max(map(_modified, entries)) if entries else empty)
    _sub(feed, "link", rel="self", type="application/atom+xml", href=config.absolute_url(feed_path))
    _sub(feed, "link", rel="alternate", type="text/html", href=config.absolute_url(page_path))
    author = _sub(feed, "author")
    _sub(author, "name", config.author or config.title)
    _sub(feed, "generator", "kudoswall", version=__version__)
    for kudos in entries:
        writer = people[kudos.from_handle]
        url = config.absolute_url(kudos_path(kudos.id))
        entry = _sub(feed, "entry")
        _sub(entry, "id", config.absolute_url(kudos_path(kudos.first_id)))  # RFC 4287: kept when it moves
        _sub(entry, "title", _title(kudos, people))
        _sub(entry, "published", _timestamp(kudos))
        _sub(entry, "updated", _modified(kudos))
        _sub(entry, "link", rel="alternate", type="text/html", href=url)
        entry_author = _sub(entry, "author")
        _sub(entry_author, "name", writer.name)
        _sub(entry_author, "uri", config.absolute_url(person_path(writer.handle)))
        for skill in kudos.skills:
            _sub(entry, "category", term=skill.slug, label=skill.name)
        _sub(entry, "summary", kudos.excerpt)
        _sub(entry, "content", _portable_html(config, kudos), type="html")
    ET.indent(feed)
    return _xml_bytes(feed)


def _portable_html(config: Config, kudos: Kudos) -> str:
    """The body as read away from its page: relative addresses resolved against it (markup.absolute_html)."""
    return absolute_html(kudos.body_html, config.absolute_url(kudos_path(kudos.id)), config.markdown.link_schemes)


def json_feed(config: Config, people: dict[str, Person], entries: list[Kudos]) -> bytes:
    items = []
    for kudos in entries:
        writer = people[kudos.from_handle]
        items.append({
            "id": config.absolute_url(kudos_path(kudos.first_id)),  # kept when it moves, as in the Atom feed
            "url": config.absolute_url(kudos_path(kudos.id)),
            "title": _title(kudos, people),
            "content_html": _portable_html(config, kudos),
            "summary": kudos.excerpt,
            "date_published": _timestamp(kudos),
            **({"date_modified": modified} if (modified := _modified(kudos)) != _timestamp(kudos) else {}),
            "authors": [{"name": writer.name, "url": config.absolute_url(person_path(writer.handle))}],
            "tags": [skill.name for skill in kudos.skills],
        })
    feed = {
        "version": JSON_FEED_VERSION,
        "title": config.title,
        "home_page_url": config.base_url,
        "feed_url": config.absolute_url("feed.json"),
        "description": config.description,
        "language": config.language,
        "authors": [{"name": config.author or config.title}],
        "items": items,
    }
    return _json_bytes(feed)


def _json_bytes(value: Any) -> bytes:
    return (indented_json(value, 1) + "\n").encode("utf-8")


def _person_record(person: Person, wall: Wall, config: Config) -> dict[str, Any]:
    return {
        "handle": person.handle,
        "kind": person.kind,
        "name": person.name,
        "headline": person.headline,
        "url": person.url,
        "page": config.absolute_url(person_path(person.handle)),
        "avatar": config.absolute_url(person.avatar_path) if person.avatar_path else None,
        "skills": [skill.name for skill in person.skills],
        "links": {link.kind: link.url for link in person.links},
        "received": len(wall.received.get(person.handle, [])),
        "given": len(wall.given.get(person.handle, [])),
    }


def _kudos_record(kudos: Kudos, config: Config) -> dict[str, Any]:
    return {
        "id": kudos.id,
        "url": config.absolute_url(kudos_path(kudos.id)),
        "from": kudos.from_handle,
        "to": kudos.to_handle,
        "date": kudos.date.isoformat(),
        "relationship": kudos.relationship,
        "role": {"from": kudos.role_from, "to": kudos.role_to},
        "context": kudos.context,
        "skills": [skill.name for skill in kudos.skills],
        "title": kudos.title,
        "tags": list(kudos.tags),
        "excerpt": kudos.excerpt,
        "html": _portable_html(config, kudos),
        "digest": "sha256:" + kudos.digest,
        **permanence_record(kudos),
    }


def permanence_record(kudos: Kudos) -> dict[str, Any]:
    """History, verification and reciprocity (issue 4); identities never appear here."""
    history = kudos.history
    return {
        "verified": kudos.verified,
        "reciprocal_with": kudos.reciprocal_with,
        "history": None if history is None else {
            "first_published": history.first_published.isoformat() if history.first_published else None,
            "last_updated": history.last_updated.isoformat() if history.last_updated else None,
            "revisions": history.revisions,
            "edited": history.edited,
            "source": history.source,
            "url": history.history_url,
            "content_digest": history.content_digest,
        },
    }


RecordKey = tuple[object, ...]
_last_api: tuple[bytes, dict[RecordKey, tuple[int, int]]] = (b"", {})
"""The last kudos.json rendered in this process, and where each kudos' record sits in it."""


def _record_key(kudos: Kudos, config_digest: str) -> RecordKey:
    """Everything a record shows: the file's digest covers every parsed field, the id also comes from its name."""
    return (config_digest, kudos.id, kudos.digest, kudos.history, kudos.verified, kudos.reciprocal_with)


def _kudos_record_text(kudos: Kudos, config: Config) -> bytes:
    """A kudos' record as it appears in kudos.json: indented two levels, UTF-8."""
    return indented_json(_kudos_record(kudos, config), 1, level=2).encode("utf-8")


def _api_ends(config: Config, wall: Wall) -> tuple[bytes, bytes]:
    """kudos.json before its kudos list (the head, up to `"kudos": `) and after it (the skills)."""
    head = {
        "version": API_VERSION,
        "generator": f"kudoswall {__version__}",
        "site": {"title": config.title, "description": config.description, "url": config.base_url,
                 "language": config.language},
        "people": [_person_record(p, wall, config) for p in wall.people.values()],
    }
    tail = {
        "skills": [
            {"slug": slug, "name": skill.name, "page": config.absolute_url(skill_path(slug)),
             "kudos": len(wall.skill_kudos.get(slug, []))}
            for slug, skill in wall.skills.items()
        ],
    }
    head_text = indented_json(head, 1)  # '{\n ... \n}'
    tail_text = indented_json(tail, 1)
    return f'{head_text[:-2]},\n "kudos": '.encode(), f",\n{tail_text[2:]}\n".encode()


def _api_parts(config: Config, wall: Wall, record: Callable[[Kudos], bytes | memoryview]
               ) -> Iterator[bytes | memoryview]:
    """kudos.json in order: head, each kudos' record (from `record`) between separators, tail.

    Byte for byte `json.dumps` of the whole document with indent=1 (each part written by
    jsontext.indented_json). `record` is called for a kudos only once everything before its
    record has been taken from this generator.
    """
    opening, closing = _api_ends(config, wall)
    yield opening
    if not wall.kudos:
        yield b"[]"
    for number, kudos in enumerate(wall.kudos):
        yield b",\n  " if number else b"[\n  "
        yield record(kudos)
    if wall.kudos:
        yield b"\n ]"
    yield closing


def kudos_api(config: Config, wall: Wall) -> bytes:
    """The whole wall as one JSON document; its shape is kudoswall/schema/api.schema.json.

    Parts are written one by one into one buffer, whose bytes BytesIO hands over without a copy:
    the document (tens of megabytes for a large wall) is in memory once. A record unchanged since
    the last render in this process (serve) is copied from that document, not serialised again.
    """
    global _last_api
    previous, previous_spans = _last_api
    earlier = memoryview(previous)
    spans: dict[RecordKey, tuple[int, int]] = {}
    config_digest = config.digest()
    out = io.BytesIO()

    def record(kudos: Kudos) -> bytes | memoryview:
        key = _record_key(kudos, config_digest)
        span = previous_spans.get(key)
        text = earlier[span[0]:span[1]] if span is not None else _kudos_record_text(kudos, config)
        start = out.tell()  # everything before this record is written (see _api_parts)
        spans[key] = (start, start + len(text))
        return text

    for part in _api_parts(config, wall, record):
        out.write(part)
    earlier.release()
    document = out.getvalue()
    _last_api = (document, spans)
    return document


def kudos_api_chunks(config: Config, wall: Wall) -> Iterator[bytes]:
    """kudos.json piece by piece: the same bytes as `kudos_api`, never whole in memory.

    What a build writes (write.py streams it): at 100,000 kudos the document is ~230 MB, and
    holding it made the rendering worker the build's peak. Serve keeps using `kudos_api`.
    """
    batch: list[bytes | memoryview] = []
    for part in _api_parts(config, wall, lambda kudos: _kudos_record_text(kudos, config)):
        batch.append(part)
        if len(batch) >= 1024:  # ~512 records, ~1 MB a piece
            yield b"".join(batch)
            batch = []
    yield b"".join(batch)


def sitemap(config: Config, url_paths: list[str]) -> bytes:
    urlset = ET.Element("urlset", {"xmlns": SITEMAP_NS})
    for path in url_paths:
        url = ET.SubElement(urlset, "url")
        ET.SubElement(url, "loc").text = xml_text(config.absolute_url(path))
    ET.indent(urlset)
    return _xml_bytes(urlset)


def sitemap_index(config: Config, sitemap_paths: list[str]) -> bytes:
    index = ET.Element("sitemapindex", {"xmlns": SITEMAP_NS})
    for path in sitemap_paths:
        ET.SubElement(ET.SubElement(index, "sitemap"), "loc").text = xml_text(config.absolute_url(path))
    ET.indent(index)
    return _xml_bytes(index)


def sitemap_units(config: Config, url_paths: list[str]) -> Iterator[OutputUnit]:
    """sitemap.xml; past SITEMAP_LIMIT addresses (the protocol's cap per file), an index of numbered parts."""
    config_digest = config.digest()
    if len(url_paths) <= SITEMAP_LIMIT:
        yield OutputUnit("sitemap.xml", fingerprint("sitemap", config_digest, url_paths),
                         lambda: sitemap(config, url_paths))
        return
    parts = [url_paths[start:start + SITEMAP_LIMIT] for start in range(0, len(url_paths), SITEMAP_LIMIT)]
    part_paths = [f"sitemap-{number}.xml" for number in range(1, len(parts) + 1)]
    yield OutputUnit("sitemap.xml", fingerprint("sitemap-index", config_digest, part_paths),
                     lambda: sitemap_index(config, part_paths))
    for part_path, part in zip(part_paths, parts, strict=True):

        def render(part: list[str] = part) -> bytes:
            return sitemap(config, part)

        yield OutputUnit(part_path, fingerprint("sitemap", config_digest, part), render)


def robots(config: Config) -> bytes:
    return f"User-agent: *\nAllow: /\nSitemap: {config.absolute_url('sitemap.xml')}\n".encode()


def feed_units(config: Config, wall: Wall, keys: dict[str, str] | None = None,
               focus: Focus | None = None) -> Iterator[OutputUnit]:
    """`keys` are pages.kudos_keys of the wall (computed here when not given); with a `focus`, only
    the feeds that show an edited kudos (the sitemap lists addresses, which a focus leaves alone)."""
    people = wall.people
    config_digest = config.digest()
    latest = wall.kudos[: config.feed_limit]
    if keys is None:
        keys = kudos_keys(wall)

    def digests(kudos_list: list[Kudos]) -> list[str]:
        """What a feed entry shows: the kudos, both people and when it was last modified."""
        return [k.digest + people[k.from_handle].digest + people[k.to_handle].digest + _modified(k) + k.first_id
                for k in kudos_list]

    if in_focus(focus, latest):
        latest_digests = digests(latest)
        yield OutputUnit("feed.xml", fingerprint("atom", config_digest, latest_digests),
                         lambda: atom_feed(config, people, latest, "feed.xml", config.title, ""))
        yield OutputUnit("feed.json", fingerprint("jsonfeed", config_digest, latest_digests),
                         lambda: json_feed(config, people, latest))
    all_digests = [*(p.digest for p in people.values()), *(keys[k.id] for k in wall.kudos),  # history too
                   *(k.history.source if k.history else "" for k in wall.kudos)]  # which History.key leaves out
    yield OutputUnit("kudos.json", fingerprint("api", config_digest, all_digests), lambda: kudos_api(config, wall),
                     chunks=lambda: kudos_api_chunks(config, wall))
    for person in people.values():
        received = wall.received.get(person.handle, [])[: config.feed_limit]
        if focus is not None and (person.handle not in focus.people or not focus.shows(received)):
            continue
        path = person_path(person.handle)

        def render(person: Person = person, received: list[Kudos] = received, path: str = path) -> bytes:
            return atom_feed(config, people, received, path + "feed.xml", f"Kudos for {person.name}", path,
                             person_path(person.first_handle) + "feed.xml", person.published_on)

        yield OutputUnit(path + "feed.xml", fingerprint("atom", config_digest, person.digest, digests(received),
                                                        person.first_handle, str(person.published_on)), render)
    if focus is not None:
        return
    yield OutputUnit("robots.txt", fingerprint("robots", config_digest), lambda: robots(config))
