"""Portable credentials: each kudos as an Open Badges 3.0 EndorsementCredential-shaped JSON document.

The wall is the issuer (it vouches that the writer published this text on it); the endorsed
entity is the recipient's profile. Documents are unsigned: a verifier can trust them exactly as
much as it trusts the wall's HTTPS origin, which the README states.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

from .config import Config
from .links import kudos_path, person_path
from .markup import plain_text
from .models import RELATIONSHIPS, Kudos, Person, Wall
from .units import OutputUnit, fingerprint

VC_CONTEXT = "https://www.w3.org/ns/credentials/v2"
OB_CONTEXT = "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json"


def credential_path(kudos_id: str) -> str:
    return kudos_path(kudos_id) + "credential.json"


def credential_document(kudos: Kudos, writer: Person, recipient: Person, config: Config) -> dict[str, Any]:
    """The EndorsementCredential for one kudos; `body_html` must already be rendered."""
    page = config.absolute_url(kudos_path(kudos.id))
    comment = plain_text(kudos.body_html)
    if kudos.skills:
        comment += "\n\nSkills: " + ", ".join(skill.name for skill in kudos.skills)
    return {
        "@context": [VC_CONTEXT, OB_CONTEXT],
        "id": config.absolute_url(credential_path(kudos.id)),
        "type": ["VerifiableCredential", "EndorsementCredential"],
        "name": kudos.title or f"{writer.name} recommends {recipient.name}",
        "description": f"{writer.name} {RELATIONSHIPS[kudos.relationship].format(to=recipient.name)}; "
                       f"published on {config.title}.",
        "issuer": {"id": config.base_url, "type": ["Profile"], "name": config.title, "url": config.base_url},
        "validFrom": f"{kudos.date.isoformat()}T00:00:00Z",
        "credentialSubject": {
            "id": config.absolute_url(person_path(recipient.handle)),
            "type": ["EndorsementSubject"],
            "endorsementComment": comment,
        },
        "evidence": [{"id": page, "type": ["Evidence"], "name": "The kudos on the wall",
                      "description": f"Written by {writer.name} about {recipient.name}"}],
    }


def credential_bytes(document: dict[str, Any]) -> bytes:
    return (json.dumps(document, ensure_ascii=False, indent=2, sort_keys=False) + "\n").encode("utf-8")


def credential_units(wall: Wall, config: Config) -> Iterator[OutputUnit]:
    config_digest = config.digest()
    people = wall.people
    for kudos in wall.kudos:
        writer, recipient = people[kudos.from_handle], people[kudos.to_handle]

        def render(kudos: Kudos = kudos, writer: Person = writer, recipient: Person = recipient) -> bytes:
            return credential_bytes(credential_document(kudos, writer, recipient, config))

        yield OutputUnit(credential_path(kudos.id),
                         fingerprint("credential", config_digest, kudos.digest, writer.digest, recipient.digest),
                         render)
