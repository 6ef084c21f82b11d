"""Feeds and machine-readable files: Atom (RFC 4287), JSON Feed 1.1, kudos.json, sitemap, robots."""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import re
import shutil
import xml.etree.ElementTree as ET
from collections.abc import Callable
from importlib import resources
from pathlib import Path
from typing import Any

import jsonschema
import pytest
from sitecheck import FIXTURES, BuiltSite, demo_site, paged_wall_site, small_wall_site

from kudoswall import feeds
from kudoswall.build import load_wall
from kudoswall.config import load_config
from kudoswall.feeds import atom_feed, json_feed, kudos_api, sitemap, xml_text

ATOM = "{http://www.w3.org/2005/Atom}"
SITEMAP = "{http://www.sitemaps.org/schemas/sitemap/0.9}"
RFC3339 = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$")
SITES: dict[str, Callable[[], BuiltSite]] = {"demo": demo_site, "small-wall": small_wall_site,
                                             "small-wall-paged": paged_wall_site}


def api_schema() -> dict[str, Any]:
    schema: dict[str, Any] = json.loads(
        resources.files("kudoswall.schema").joinpath("api.schema.json").read_text("utf-8"))
    return schema


def atom_problems(data: bytes) -> list[str]:
    """What RFC 4287 requires of a feed and its entries, checked on the parsed XML."""
    root = ET.fromstring(data)
    problems = []
    if root.tag != f"{ATOM}feed":
        return [f"root element is {root.tag}"]
    for name in ("id", "title", "updated"):
        if len(root.findall(f"{ATOM}{name}")) != 1:
            problems.append(f"feed needs exactly one <{name}>")
    feed_has_author = root.find(f"{ATOM}author/{ATOM}name") is not None
    for index, entry in enumerate(root.findall(f"{ATOM}entry")):
        for name in ("id", "title", "updated"):
            if len(entry.findall(f"{ATOM}{name}")) != 1:
                problems.append(f"entry {index} needs exactly one <{name}>")
        links = [link for link in entry.findall(f"{ATOM}link") if link.get("rel", "alternate") == "alternate"]
        if not links and entry.find(f"{ATOM}content") is None:
            problems.append(f"entry {index} has neither an alternate link nor content")
        if not feed_has_author and entry.find(f"{ATOM}author/{ATOM}name") is None:
            problems.append(f"entry {index} has no author")
        for stamp in entry.findall(f"{ATOM}updated") + entry.findall(f"{ATOM}published"):
            if not RFC3339.match(stamp.text or ""):
                problems.append(f"entry {index}: {stamp.text!r} is not an RFC 3339 date")
    for stamp in root.findall(f"{ATOM}updated"):
        if not RFC3339.match(stamp.text or ""):
            problems.append(f"feed: {stamp.text!r} is not an RFC 3339 date")
    return problems


# --- whole-site checks -----------------------------------------------------------------------

@pytest.mark.parametrize("name", SITES)
def test_every_atom_feed_meets_rfc_4287(name: str) -> None:
    site = SITES[name]()
    feeds = [f for f in site.files if f.endswith("feed.xml")]
    assert "feed.xml" in feeds and any(f.startswith("people/") for f in feeds)
    failures = [f"{feed}: {problem}" for feed in feeds for problem in atom_problems((site.output / feed).read_bytes())]
    assert failures == []


@pytest.mark.parametrize("name", SITES)
def test_atom_entries_link_to_pages_that_exist(name: str) -> None:
    site = SITES[name]()
    root = ET.fromstring((site.output / "feed.xml").read_bytes())
    entries = root.findall(f"{ATOM}entry")
    assert entries
    for entry in entries:
        href = entry.find(f"{ATOM}link").get("href") or ""  # type: ignore[union-attr]
        assert site.file_for(href) is not None, href
        assert entry.findtext(f"{ATOM}id") == href


@pytest.mark.parametrize("name", SITES)
def test_json_feed_has_the_version_and_required_fields(name: str) -> None:
    site = SITES[name]()
    feed = json.loads((site.output / "feed.json").read_text("utf-8"))
    assert feed["version"] == "https://jsonfeed.org/version/1.1"
    assert feed["title"]
    assert feed["feed_url"] == site.base_url + "feed.json"
    assert site.file_for(feed["home_page_url"]) == "index.html"
    assert feed["items"]
    for item in feed["items"]:
        assert item["id"] and ("content_html" in item or "content_text" in item)
        assert site.file_for(item["url"]) is not None
        assert dt.datetime.fromisoformat(item["date_published"].replace("Z", "+00:00"))


@pytest.mark.parametrize("name", SITES)
def test_kudos_json_matches_its_published_schema(name: str) -> None:
    site = SITES[name]()
    document = json.loads((site.output / "kudos.json").read_text("utf-8"))
    jsonschema.Draft202012Validator.check_schema(api_schema())
    errors = [f"{list(e.absolute_path)}: {e.message}"
              for e in jsonschema.Draft202012Validator(api_schema()).iter_errors(document)]
    assert errors == []
    assert document["kudos"]
    for record in document["kudos"]:
        assert site.file_for(record["url"]) is not None
    handles = {person["handle"] for person in document["people"]}
    assert all(k["from"] in handles and k["to"] in handles for k in document["kudos"])
    assert sum(p["received"] for p in document["people"]) == len(document["kudos"])


def is_noindex(site: BuiltSite, page: str) -> bool:
    document, _ = site.parsed(page)
    return any(meta.get("name") == "robots" and "noindex" in (meta.get("content") or "")
               for meta in document.iter("meta"))


@pytest.mark.parametrize("name", SITES)
def test_sitemap_lists_every_indexable_page_under_base_url(name: str) -> None:
    site = SITES[name]()
    root = ET.fromstring((site.output / "sitemap.xml").read_bytes())
    locations = [loc.text or "" for loc in root.iter(f"{SITEMAP}loc")]
    assert all(loc.startswith(site.base_url) for loc in locations)
    listed = {site.file_for(loc) for loc in locations}
    assert None not in listed
    assert len(locations) == len(set(locations))
    assert [page for page in listed if page and is_noindex(site, page)] == []
    unlisted = sorted(set(site.html_pages) - listed)
    assert [page for page in unlisted if not is_noindex(site, page)] == []
    assert "404.html" in unlisted


@pytest.mark.parametrize("name", SITES)
def test_robots_txt_points_at_the_sitemap(name: str) -> None:
    site = SITES[name]()
    lines = (site.output / "robots.txt").read_text("utf-8").splitlines()
    assert f"Sitemap: {site.base_url}sitemap.xml" in lines


# --- the feed functions ----------------------------------------------------------------------

def small_wall() -> tuple[Any, Any]:
    config = load_config(FIXTURES / "small-wall")
    return config, load_wall(config).wall


def test_xml_text_removes_characters_xml_cannot_carry() -> None:
    assert xml_text("a\x00b\x08c\x0bd\ufffee\tf\ng") == "abcde\tf\ng"


def test_atom_feed_survives_control_characters_and_markup_in_titles() -> None:
    config, wall = small_wall()
    kudos = wall.kudos[0]
    wall.kudos[0] = dataclasses.replace(kudos, title="a\x07b <c> & d")
    root = ET.fromstring(atom_feed(config, wall.people, wall.kudos, "feed.xml", "T", ""))
    assert root.find(f"{ATOM}entry/{ATOM}title").text == "ab <c> & d"  # type: ignore[union-attr]


def test_atom_feed_of_someone_with_no_kudos_is_still_valid() -> None:
    config, wall = small_wall()
    data = atom_feed(config, wall.people, [], "people/x/feed.xml", "Kudos for X", "people/x/")
    assert atom_problems(data) == []
    assert ET.fromstring(data).findall(f"{ATOM}entry") == []


def test_json_feed_items_are_newest_first_with_writer_as_author() -> None:
    config, wall = small_wall()
    feed = json.loads(json_feed(config, wall.people, wall.kudos))
    dates = [item["date_published"] for item in feed["items"]]
    assert dates == sorted(dates, reverse=True)
    first = feed["items"][0]
    assert first["authors"][0]["name"] == "Bjørn Åsen"
    assert first["tags"] == ["User research"]


def test_kudos_api_keeps_non_ascii_text_readable_and_valid() -> None:
    config, wall = small_wall()
    data = kudos_api(config, wall)
    assert "陈美".encode() in data
    document = json.loads(data)
    jsonschema.validate(document, api_schema())
    assert [p["handle"] for p in document["people"]] == sorted(p["handle"] for p in document["people"])
    fjord = next(p for p in document["people"] if p["handle"] == "fjord-labs")
    assert fjord["kind"] == "organization" and fjord["given"] == 1 and fjord["received"] == 1
    ines = next(p for p in document["people"] if p["handle"] == "ines-moreau")
    assert ines["links"]["github"] == "https://github.com/ines-example"


def test_kudos_api_is_formatted_as_one_dump_of_the_document_even_from_cached_records() -> None:
    """kudos.json is assembled from per-kudos fragments; its bytes must equal one plain json.dumps."""
    config, shared = small_wall()
    wall = dataclasses.replace(shared, kudos=list(shared.kudos))

    def plain(data: bytes) -> bytes:
        return (json.dumps(json.loads(data), ensure_ascii=False, indent=1) + "\n").encode()

    first = kudos_api(config, wall)
    assert first == plain(first) and len(json.loads(first)["kudos"]) == len(wall.kudos) > 1
    edited = wall.kudos[0]
    wall.kudos[0] = dataclasses.replace(edited, digest="0" * 64, body_html="<p>changed\nline</p>")
    again = kudos_api(config, wall)
    assert again == plain(again)
    assert json.loads(again)["kudos"][0]["html"] == "<p>changed\nline</p>"
    assert json.loads(again)["kudos"][1:] == json.loads(first)["kudos"][1:]
    empty = kudos_api(config, dataclasses.replace(wall, people={}, kudos=[], skills={}))
    assert empty.endswith(b'"kudos": [],\n "skills": []\n}\n')


def test_kudos_api_records_of_two_files_with_the_same_bytes_keep_their_own_ids() -> None:
    """A record is reused by what it shows: the same bytes under another file name are another kudos."""
    config, shared = small_wall()
    first = shared.kudos[0]
    twin = dataclasses.replace(first, id=first.id + "-copy", source=first.source.replace(".md", "-copy.md"))
    wall = dataclasses.replace(shared, kudos=[first, twin, *shared.kudos[1:]])
    for _ in range(2):  # the second render takes records from the first
        records = json.loads(kudos_api(config, wall))["kudos"]
        assert [r["id"] for r in records[:2]] == [first.id, first.id + "-copy"]
        assert records[1]["url"].endswith(f"/k/{first.id}-copy/")


def test_the_api_schema_requires_every_field_it_documents() -> None:
    """kudos_api always writes every field (null when empty), so consumers may rely on each one."""
    schema = api_schema()
    objects = {"document": schema, "site": schema["properties"]["site"], **schema["$defs"],
               "role": schema["$defs"]["kudos"]["properties"]["role"],
               "history": schema["$defs"]["kudos"]["properties"]["history"]}
    for name, rule in objects.items():
        if "properties" in rule:
            assert rule.get("additionalProperties") is False, name
            assert set(rule["required"]) == set(rule["properties"]), name


def test_sitemap_escapes_ampersands() -> None:
    config, _ = small_wall()
    data = sitemap(config, ["a&b/"])
    assert b"a&amp;b/" in data
    assert ET.fromstring(data).findtext(f"{SITEMAP}url/{SITEMAP}loc") == "https://example.org/kudos/a&b/"


def test_feed_limit_bounds_the_main_feed(tmp_path: Path) -> None:
    wall = tmp_path / "wall"
    shutil.copytree(FIXTURES / "small-wall", wall)
    (wall / "kudoswall.yaml").write_text((wall / "kudoswall.yaml").read_text("utf-8") + "feed_limit: 2\n", "utf-8")
    site = BuiltSite.build(wall, tmp_path / "site")
    root = ET.fromstring((site.output / "feed.xml").read_bytes())
    assert len(root.findall(f"{ATOM}entry")) == 2
    assert len(json.loads((site.output / "feed.json").read_bytes())["items"]) == 2
    assert len(json.loads((site.output / "kudos.json").read_bytes())["kudos"]) == 6


def test_a_sitemap_past_the_protocol_limit_becomes_an_index_of_parts(monkeypatch: pytest.MonkeyPatch) -> None:
    """sitemaps.org caps a sitemap at 50,000 addresses; a wall of 100,000 kudos needs an index."""
    config = load_config(FIXTURES / "small-wall")
    paths = [f"k/{number}/" for number in range(7)]
    single = {unit.path: unit for unit in feeds.sitemap_units(config, paths)}
    assert list(single) == ["sitemap.xml"] and ET.fromstring(single["sitemap.xml"].render()).tag == f"{SITEMAP}urlset"
    monkeypatch.setattr(feeds, "SITEMAP_LIMIT", 3)
    units = {unit.path: unit for unit in feeds.sitemap_units(config, paths)}
    assert list(units) == ["sitemap.xml", "sitemap-1.xml", "sitemap-2.xml", "sitemap-3.xml"]
    index = ET.fromstring(units["sitemap.xml"].render())
    assert index.tag == f"{SITEMAP}sitemapindex"
    parts = [loc.text for loc in index.iter(f"{SITEMAP}loc")]
    assert parts == [config.absolute_url(f"sitemap-{n}.xml") for n in (1, 2, 3)]
    listed = [loc.text for name in units if name != "sitemap.xml"
              for loc in ET.fromstring(units[name].render()).iter(f"{SITEMAP}loc")]
    assert listed == [config.absolute_url(path) for path in paths]
    assert all(len(ET.fromstring(units[name].render())) <= 3 for name in units if name != "sitemap.xml")


def test_xml_bytes_are_what_elementtree_writes_as_utf_8() -> None:
    root = ET.Element("feed", {"a": 'é\u2028"<&>', "xmlns": "urn:x"})
    child = ET.SubElement(root, "entry", {"t": "\t\n"})
    child.text, child.tail = "€ \U0001f600 <&> \r\n]]>", "tail & more"
    ET.indent(root)
    assert feeds._xml_bytes(root) == ET.tostring(root, encoding="utf-8", xml_declaration=True) + b"\n"


def test_relative_addresses_in_a_body_lead_where_they_do_on_its_page_from_every_feed_and_the_api(
        tmp_path: Path) -> None:
    """A reader resolves a feed entry's relative link against the feed's URL (RFC 4287 section 2), and
    JSON Feed has no base at all: the body's addresses are made absolute, and lead to built files."""
    import html5lib

    wall = tmp_path / "wall"
    shutil.copytree(FIXTURES / "small-wall", wall)
    first = sorted((wall / "content/kudos").glob("*.md"))[0]
    text = first.read_text("utf-8")
    first_id = re.search(r"^id: (.+)$", text, re.MULTILINE).group(1)  # type: ignore[union-attr]
    first.write_text(text.rstrip("\n") + f"\n\nSee [the first](../{first_id}/#top), [home](../../) and "
                     "![the mark](../../static/favicon.svg).\n", "utf-8")
    site = BuiltSite.build(wall, tmp_path / "site")
    base = "https://example.org/kudos/"
    page_html = (site.output / "k" / first_id / "index.html").read_text("utf-8")
    assert 'href="../' + first_id + '/#top"' in page_html  # the page itself keeps relative links

    bodies = []
    for feed_path in ["feed.xml", *(str(p.relative_to(site.output)) for p in site.output.glob("people/*/feed.xml"))]:
        for entry in ET.fromstring((site.output / feed_path).read_bytes()).iter(f"{ATOM}entry"):
            bodies.append(entry.findtext(f"{ATOM}content") or "")
    bodies += [item["content_html"] for item in json.loads((site.output / "feed.json").read_bytes())["items"]]
    bodies += [record["html"] for record in json.loads((site.output / "kudos.json").read_bytes())["kudos"]]
    addresses = []
    for body in bodies:
        fragment = html5lib.parseFragment(body, namespaceHTMLElements=False)
        addresses += [element.get("href") or element.get("src") for element in fragment.iter()
                      if element.tag in ("a", "img")]
    ours = [address for address in addresses if address.startswith(base)]
    assert f"{base}k/{first_id}/#top" in ours and f"{base}static/favicon.svg" in ours and base in ours
    assert all(address.startswith(("https://", "http://", "mailto:")) for address in addresses)
    for address in ours:
        path = address[len(base):].split("#")[0]
        assert (site.output / path / "index.html").is_file() or (site.output / path).is_file(), address
