"""schema.org JSON-LD for kudos pages: a `Recommendation` (a kind of `Review`) of the recipient.

The dict is serialised by Jinja's `tojson`, which escapes `<`, `>` and `&`, so no text can
close the surrounding `<script>` element.
"""

from __future__ import annotations

from typing import Any

from .config import Config
from .links import kudos_path, person_path
from .markup import plain_text
from .models import Kudos, Person


def party(person: Person, config: Config, role: str | None = None) -> dict[str, Any]:
    node: dict[str, Any] = {
        "@type": "Organization" if person.is_organization else "Person",
        "name": person.name,
        "url": config.absolute_url(person_path(person.handle)),
    }
    if person.headline:
        node["description"] = person.headline
    if role and not person.is_organization:
        node["jobTitle"] = role
    same_as = [link.url for link in person.links] + ([person.url] if person.url else [])
    if same_as:
        node["sameAs"] = same_as
    return node


def kudos_jsonld(kudos: Kudos, writer: Person, recipient: Person, config: Config) -> dict[str, Any]:
    url = config.absolute_url(kudos_path(kudos.id))
    data: dict[str, Any] = {
        "@context": "https://schema.org",
        "@type": "Recommendation",
        "@id": url + "#recommendation",
        "url": url,
        "name": kudos.title or f"{writer.name} recommends {recipient.name}",
        "reviewBody": plain_text(kudos.body_html),
        "datePublished": kudos.date.isoformat(),
        "author": party(writer, config, kudos.role_from),
        "itemReviewed": party(recipient, config, kudos.role_to),
        "category": kudos.relationship_label,
        "inLanguage": config.language,
        "publisher": {"@type": "Organization", "name": config.title, "url": config.base_url},
    }
    if kudos.skills:
        data["keywords"] = [skill.name for skill in kudos.skills]
    return data
