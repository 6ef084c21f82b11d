"""Open Badges 3.0 credentials per kudos, and the pages' JSON-LD checked against schema.org shapes."""

from __future__ import annotations

import datetime as dt
import json
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import markdown_it
import pytest
from sitecheck import BuiltSite, demo_site, parse_html, small_wall_site

from kudoswall.build import load_wall
from kudoswall.config import load_config
from kudoswall.credentials import OB_CONTEXT, VC_CONTEXT, credential_document

# schema.org properties by the type that defines them, and each type's parents (schema.org v26).
SCHEMA_PROPERTIES: dict[str, set[str]] = {
    "Thing": {"name", "url", "description", "sameAs", "image", "identifier", "alternateName", "mainEntityOfPage"},
    "CreativeWork": {"author", "datePublished", "dateModified", "inLanguage", "publisher", "keywords", "about",
                     "headline", "text", "license", "isPartOf", "creator", "mainEntity"},
    "Review": {"itemReviewed", "reviewBody", "reviewRating", "reviewAspect", "positiveNotes", "negativeNotes"},
    "Recommendation": {"category"},
    "Person": {"jobTitle", "worksFor", "affiliation", "givenName", "familyName", "knowsAbout"},
    "Organization": {"legalName", "logo", "member", "knowsAbout"},
    "WebPage": {"breadcrumb", "primaryImageOfPage"},
    "ProfilePage": set(),
    "CollectionPage": set(),
    "WebSite": set(),
    "ItemList": {"itemListElement", "numberOfItems"},
    "BreadcrumbList": set(),
    "ListItem": {"item", "position"},
}
PARENTS = {"CreativeWork": "Thing", "Review": "CreativeWork", "Recommendation": "Review", "Person": "Thing",
           "Organization": "Thing", "WebPage": "CreativeWork", "ProfilePage": "WebPage",
           "CollectionPage": "WebPage", "WebSite": "CreativeWork", "ItemList": "Thing",
           "BreadcrumbList": "ItemList", "ListItem": "Thing"}
# Properties whose values must be things of these types (or their subtypes).
RANGES = {"author": {"Person", "Organization"}, "publisher": {"Person", "Organization"},
          "itemReviewed": {"Thing"}, "worksFor": {"Organization"}}
URL_PROPERTIES = {"url", "sameAs", "@id"}
DATE_PROPERTIES = {"datePublished", "dateModified"}


def ancestors(type_name: str) -> list[str]:
    chain = [type_name]
    while chain[-1] in PARENTS:
        chain.append(PARENTS[chain[-1]])
    return chain


def shape_errors(node: Any, where: str = "$") -> list[str]:
    """Every way `node` (a JSON-LD object claiming schema.org types) departs from the vocabulary."""
    if isinstance(node, list):
        return [e for i, item in enumerate(node) for e in shape_errors(item, f"{where}[{i}]")]
    if not isinstance(node, dict):
        return []
    type_name = node.get("@type")
    if not isinstance(type_name, str) or type_name not in SCHEMA_PROPERTIES:
        return [f"{where}: unknown or missing @type {type_name!r}"]
    allowed = set().union(*(SCHEMA_PROPERTIES[t] for t in ancestors(type_name)))
    errors = []
    for key, value in node.items():
        if key in ("@context", "@type", "@id"):
            if key == "@context" and value not in ("https://schema.org", "https://schema.org/"):
                errors.append(f"{where}: @context {value!r} is not schema.org")
            continue
        if key not in allowed:
            errors.append(f"{where}: {type_name} has no property {key!r}")
        values = value if isinstance(value, list) else [value]
        if key in RANGES:
            for item in values:
                if not (isinstance(item, dict) and set(ancestors(str(item.get("@type")))) & RANGES[key]):
                    errors.append(f"{where}.{key}: expected one of {sorted(RANGES[key])}, got {item!r}")
        if key in URL_PROPERTIES:
            errors += [f"{where}.{key}: not an absolute URL: {v!r}" for v in values
                       if not (isinstance(v, str) and re.match(r"^https?://\S+$", v))]
        if key in DATE_PROPERTIES:
            errors += [f"{where}.{key}: not an ISO 8601 date: {v!r}" for v in values
                       if not (isinstance(v, str) and _is_iso_date(v))]
        errors += shape_errors(value, f"{where}.{key}")
    return errors


def _is_iso_date(text: str) -> bool:
    try:
        dt.datetime.fromisoformat(text)
    except ValueError:
        return False
    return True


def page_jsonld(site: BuiltSite, rel: str) -> list[Any]:
    document, _ = parse_html((site.output / rel).read_bytes())
    return [json.loads(script.text or "") for script in document.iter("script")
            if script.get("type") == "application/ld+json"]


@pytest.mark.parametrize("built", [small_wall_site, demo_site], ids=["small-wall", "demo"])
def test_every_jsonld_block_on_every_page_matches_schema_org_shapes(built: Callable[[], BuiltSite]) -> None:
    site = built()
    checked = 0
    errors = []
    for rel in site.html_pages:
        for block in page_jsonld(site, rel):
            checked += 1
            errors += [f"{rel}: {e}" for e in shape_errors(block)]
    assert checked >= 6  # at least every kudos page claims a Recommendation
    assert errors == []


def test_shape_checker_rejects_what_schema_org_does_not_define() -> None:
    good = {"@context": "https://schema.org", "@type": "Recommendation", "name": "x", "category": "Mentor",
            "author": {"@type": "Person", "name": "A", "jobTitle": "Lead"}, "datePublished": "2024-05-01"}
    assert shape_errors(good) == []
    assert shape_errors({**good, "rating": 5}) == ["$: Recommendation has no property 'rating'"]
    assert shape_errors({**good, "author": "Ada"})  # author must be a Person or Organization
    assert shape_errors({**good, "datePublished": "May 2024"})
    assert shape_errors({**good, "author": {"@type": "Organization", "jobTitle": "CEO"}})


def test_each_kudos_has_an_endorsement_credential_with_the_required_fields() -> None:
    site = small_wall_site()
    kudos_pages = [f for f in site.html_pages if re.fullmatch(r"k/[^/]+/index.html", f)]
    assert len(kudos_pages) == 6
    for page in kudos_pages:
        rel = page.replace("index.html", "credential.json")
        doc = json.loads((site.output / rel).read_bytes())
        assert doc["@context"] == [VC_CONTEXT, OB_CONTEXT]
        assert doc["type"] == ["VerifiableCredential", "EndorsementCredential"]
        assert doc["id"] == site.url_of(rel)
        assert doc["name"]
        assert doc["issuer"]["id"] == site.base_url and doc["issuer"]["type"] == ["Profile"]
        assert dt.datetime.fromisoformat(doc["validFrom"].replace("Z", "+00:00")).tzinfo is not None
        subject = doc["credentialSubject"]
        assert subject["type"] == ["EndorsementSubject"]
        assert site.file_for(subject["id"]) is not None, "the endorsed profile must exist on the wall"
        assert subject["endorsementComment"].strip()
        assert site.file_for(doc["evidence"][0]["id"]) == page
        assert "proof" not in doc  # unsigned: no signing key is configured


def test_credential_text_is_the_kudos_as_plain_text_with_its_skills(tmp_path: Path, wall_maker: Any) -> None:
    wall = wall_maker(tmp_path, kudos={"2024-05-01-ada-on-grace": (
        "---\nfrom: ada\nto: grace\ndate: 2024-05-01\nrelationship: mentor\nskills: [Go]\n---\n"
        "Grace <script>alert(1)</script> kept **the ledger** safe.\n")})
    config = load_config(wall)
    loaded = load_wall(config).wall
    kudos = loaded.kudos[0]
    doc = credential_document(kudos, loaded.people["ada"], loaded.people["grace"], config)
    comment = doc["credentialSubject"]["endorsementComment"]
    # Markdown (as Open Badges types the field) that reads as the page's text: the author's literal
    # <script> stays text for a reader that renders it, and the page's bold is not carried over
    assert comment == ("Grace &lt;script&gt;alert(1)&lt;/script&gt; kept the ledger safe.\n\nSkills: Go")
    rendered = markdown_it.MarkdownIt().render(comment)
    assert "<script>" not in rendered and "&lt;script&gt;alert(1)&lt;/script&gt;" in rendered
    assert doc["description"].startswith("Ada Okafor mentored Grace Lindqvist")
    assert doc["validFrom"] == "2024-05-01T00:00:00Z"


@pytest.mark.parametrize("field", ["@context", "id", "type", "issuer", "validFrom", "credentialSubject", "name"])
def test_required_fields_are_never_empty(field: str) -> None:
    site = small_wall_site()
    for rel in (f for f in site.files if f.endswith("credential.json")):
        assert json.loads((site.output / rel).read_bytes())[field]
