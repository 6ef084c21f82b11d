"""Portable credentials: each kudos as an Open Badges 3.0 EndorsementCredential-shaped JSON document.

The wall is the issuer (it vouches that the writer published this text on it); the endorsed
entity is the recipient's profile. Without a configured `credential_key` the documents are
unsigned: a verifier can trust them exactly as much as it trusts the wall's HTTPS origin. With
one, each is also published as a VC-JWT (Open Badges 3.0 §8.2) beside its JSON, and the public
key as a JWK and a JWK set under /.well-known/.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from functools import partial
from typing import TYPE_CHECKING, Any

from .config import Config
from .jsontext import indented_json
from .links import kudos_path, person_path
from .markup import markdown_text, plain_text
from .models import RELATIONSHIPS, Kudos, Person, Wall
from .units import OutputUnit, fingerprint

if TYPE_CHECKING:
    from .pages import Focus
    from .signing import SigningKey

VC_CONTEXT = "https://www.w3.org/ns/credentials/v2"
OB_CONTEXT = "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json"


def credential_path(kudos_id: str) -> str:
    return kudos_path(kudos_id) + "credential.json"


def credential_jwt_path(kudos_id: str) -> str:
    return kudos_path(kudos_id) + "credential.jwt"


def jwt_claims(document: dict[str, Any]) -> dict[str, Any]:
    """The VC-JWT payload: the credential itself plus the registered claims §8.2 maps from it.

    `nbf` comes from `validFrom` (the kudos date), never from the clock, and there is no `iat`:
    the same kudos signs to the same bytes on every build.
    """
    valid_from = dt.datetime.fromisoformat(document["validFrom"].replace("Z", "+00:00"))
    return {**document, "iss": document["issuer"]["id"], "jti": document["id"],
            "sub": document["credentialSubject"]["id"], "nbf": int(valid_from.timestamp())}


def credential_document(kudos: Kudos, writer: Person, recipient: Person, config: Config) -> dict[str, Any]:
    """The EndorsementCredential for one kudos; `body_html` must already be rendered."""
    page = config.absolute_url(kudos_path(kudos.id))
    comment = plain_text(kudos.body_html)
    if kudos.skills:
        comment += "\n\nSkills: " + ", ".join(skill.name for skill in kudos.skills)
    comment = markdown_text(comment)  # Open Badges types endorsementComment as Markdown
    return {
        "@context": [VC_CONTEXT, OB_CONTEXT],
        "id": config.absolute_url(credential_path(kudos.first_id)),  # where it was first published, for good
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


def _render_credential(kudos: Kudos, writer: Person, recipient: Person, config: Config) -> bytes:
    return credential_bytes(credential_document(kudos, writer, recipient, config))


def credential_bytes(document: dict[str, Any]) -> bytes:
    return (indented_json(document, 2) + "\n").encode("utf-8")


def credential_units(wall: Wall, config: Config, focus: Focus | None = None) -> Iterator[OutputUnit]:
    """One credential per shown kudos; with a `focus`, only the edited kudos' (the key is unchanged)."""
    config_digest = config.digest()
    key = _signing_key(config)
    people = wall.people
    for kudos in wall.kudos:
        if focus is not None and kudos.id not in focus.ids:
            continue
        writer, recipient = people[kudos.from_handle], people[kudos.to_handle]
        # a renamed kudos' credential is also where its id says, the first address, for hosts without _redirects
        for kudos_id in dict.fromkeys((kudos.id, kudos.first_id)):
            yield OutputUnit(credential_path(kudos_id),
                             fingerprint("credential", config_digest, kudos.digest, writer.digest, recipient.digest),
                             partial(_render_credential, kudos, writer, recipient, config))  # lighter than a closure
            if key is not None:
                yield _jwt_unit(kudos, kudos_id, writer, recipient, config, key)
    if key is not None and focus is None:
        yield from _key_units(config, key)


def _jwt_unit(kudos: Kudos, kudos_id: str, writer: Person, recipient: Person, config: Config,
              key: SigningKey) -> OutputUnit:
    def render() -> bytes:
        claims = jwt_claims(credential_document(kudos, writer, recipient, config))
        return (key.sign_jwt(claims) + "\n").encode("ascii")

    return OutputUnit(credential_jwt_path(kudos_id),
                      fingerprint("credential-jwt", config.digest(), key.public_bytes.hex(), kudos.digest,
                                  writer.digest, recipient.digest),
                      render)


def _key_units(config: Config, key: SigningKey) -> Iterator[OutputUnit]:
    """The public key alone (what each token's `kid` dereferences to) and as a JWK set."""
    from .signing import JWK_PATH, JWKS_PATH

    jwk = key.public_jwk()
    key_print = fingerprint("credential-key", config.digest(), key.public_bytes.hex())
    yield OutputUnit(JWK_PATH, key_print, lambda: credential_bytes(jwk))
    yield OutputUnit(JWKS_PATH, key_print, lambda: credential_bytes({"keys": [jwk]}))


def _signing_key(config: Config) -> SigningKey | None:
    if config.credential_key is None:
        return None
    from .signing import signing_key  # imports cryptography: only walls that sign pay for it

    return signing_key(config)
