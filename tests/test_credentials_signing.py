"""Signed credentials: with a configured Ed25519 key each kudos is also a VC-JWT anyone can verify
with the published JWK; the private key never reaches the site; bad keys are refused at their line."""

from __future__ import annotations

import base64
import datetime as dt
import json
import os
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
from conftest import DEFAULT_CONFIG, kudos_md, make_wall
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from cryptography.hazmat.primitives.serialization import (
    BestAvailableEncryption,
    Encoding,
    NoEncryption,
    PrivateFormat,
    PublicFormat,
)

from kudoswall.build import build_site, load_wall
from kudoswall.config import load_config
from kudoswall.credentials import credential_units
from kudoswall.errors import ContentError, UsageError, format_problem
from kudoswall.signing import MAX_KEY_SIZE

BASE = "https://kudos.example.org/"
KUDOS = {
    "2024-05-01-ada-on-grace": kudos_md(skills=["Go"]),
    "2024-06-02-grace-on-ada": kudos_md("Ada reviews with care.", **{"from": "grace", "to": "ada",
                                                                     "date": "2024-06-02"}),
}


def b64url_decode(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def pem_of(key: Any, encryption: Any = None) -> bytes:
    return bytes(key.private_bytes(Encoding.PEM, PrivateFormat.PKCS8, encryption or NoEncryption()))


def signed_wall(root: Path, key_bytes: bytes | None, key_path: str = "secrets/credential-key.pem") -> Path:
    config = {**DEFAULT_CONFIG, "search": False, "share_images": False, "credential_key": key_path}
    wall = make_wall(root / "wall", config=config, kudos=KUDOS)
    if key_bytes is not None:
        (wall / key_path).parent.mkdir(parents=True, exist_ok=True)
        (wall / key_path).write_bytes(key_bytes)
    return wall


def build(wall: Path) -> Path:
    output = wall.parent / "out"
    build_site(load_config(wall), output)
    return output


@pytest.fixture(scope="module")
def private_key() -> Ed25519PrivateKey:
    return Ed25519PrivateKey.generate()


@pytest.fixture(scope="module")
def signed_site(tmp_path_factory: pytest.TempPathFactory, private_key: Ed25519PrivateKey) -> Path:
    return build(signed_wall(tmp_path_factory.mktemp("signed"), pem_of(private_key)))


def verify(token: str, jwks: dict[str, Any]) -> tuple[dict[str, Any], dict[str, Any]]:
    """Check a compact JWS against the JWK set the way a verifier would; returns (header, payload)."""
    header_part, payload_part, signature_part = token.split(".")
    header = json.loads(b64url_decode(header_part))
    [jwk] = [k for k in jwks["keys"] if k["kid"] == header["kid"]]
    assert (jwk["kty"], jwk["crv"]) == ("OKP", "Ed25519")
    public = Ed25519PublicKey.from_public_bytes(b64url_decode(jwk["x"]))
    public.verify(b64url_decode(signature_part), f"{header_part}.{payload_part}".encode("ascii"))
    return header, json.loads(b64url_decode(payload_part))


def test_each_kudos_jwt_verifies_with_the_published_key_and_carries_the_credential(
        signed_site: Path, private_key: Ed25519PrivateKey) -> None:
    jwks = json.loads((signed_site / ".well-known/jwks.json").read_bytes())
    single = json.loads((signed_site / ".well-known/credential-key.json").read_bytes())
    assert jwks == {"keys": [single]}
    expected_x = private_key.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)
    assert b64url_decode(single["x"]) == expected_x
    tokens = sorted(signed_site.glob("k/*/credential.jwt"))
    assert len(tokens) == len(KUDOS)
    for path in tokens:
        header, payload = verify(path.read_text("ascii").strip(), jwks)
        assert header == {"alg": "EdDSA", "typ": "JWT", "kid": BASE + ".well-known/credential-key.json",
                          "jwk": single}  # the same public key, carried in the token too
        credential = json.loads((path.parent / "credential.json").read_bytes())
        registered = {k: payload.pop(k) for k in ("iss", "jti", "sub", "nbf")}
        assert payload == credential  # the payload IS the credential, plus the registered claims
        assert registered["iss"] == credential["issuer"]["id"] == BASE
        assert registered["jti"] == credential["id"] == BASE + path.relative_to(signed_site).as_posix()[:-3] + "json"
        assert registered["sub"] == credential["credentialSubject"]["id"]
        valid_from = dt.datetime.fromisoformat(credential["validFrom"].replace("Z", "+00:00"))
        assert registered["nbf"] == int(valid_from.timestamp())
        assert "iat" not in payload and "exp" not in payload


def test_a_tampered_token_does_not_verify(signed_site: Path) -> None:
    jwks = json.loads((signed_site / ".well-known/jwks.json").read_bytes())
    token = next(signed_site.glob("k/*/credential.jwt")).read_text("ascii").strip()
    header_part, payload_part, signature_part = token.split(".")
    payload = json.loads(b64url_decode(payload_part))
    payload["credentialSubject"]["endorsementComment"] = "Something the writer never said."
    forged = base64.urlsafe_b64encode(json.dumps(payload).encode()).rstrip(b"=").decode()
    with pytest.raises(InvalidSignature):
        verify(f"{header_part}.{forged}.{signature_part}", jwks)


def test_the_private_key_never_appears_in_the_site(signed_site: Path, private_key: Ed25519PrivateKey) -> None:
    pem = pem_of(private_key)
    pem_body = b"".join(line for line in pem.splitlines() if not line.startswith(b"-----"))
    raw = private_key.private_bytes(Encoding.Raw, PrivateFormat.Raw, NoEncryption())
    secrets = [pem_body, raw, base64.b64encode(raw).rstrip(b"="), base64.urlsafe_b64encode(raw).rstrip(b"="),
               raw.hex().encode()]
    files = [p for p in signed_site.rglob("*") if p.is_file()]
    assert len(files) > 10
    leaks = [(p.name, s[:8]) for p in files for s in secrets if s in p.read_bytes()]
    assert leaks == []
    assert not list(signed_site.rglob("*.pem"))


def test_signed_output_is_byte_identical_across_builds(tmp_path: Path, private_key: Ed25519PrivateKey) -> None:
    first = build(signed_wall(tmp_path / "a", pem_of(private_key)))
    second = build(signed_wall(tmp_path / "b", pem_of(private_key)))
    signed = sorted(p.relative_to(first).as_posix() for p in first.rglob("*") if p.is_file()
                    and (p.suffix == ".jwt" or ".well-known" in p.parts))
    assert len(signed) == len(KUDOS) + 2
    assert all((first / rel).read_bytes() == (second / rel).read_bytes() for rel in signed)


def test_an_unsigned_wall_publishes_no_tokens_and_no_keys(tmp_path: Path) -> None:
    wall = make_wall(tmp_path / "wall", config={**DEFAULT_CONFIG, "search": False, "share_images": False},
                     kudos=KUDOS)
    output = build(wall)
    assert len(list(output.glob("k/*/credential.json"))) == len(KUDOS)
    assert list(output.rglob("*.jwt")) == []
    assert not (output / ".well-known").exists()


def config_error(wall: Path) -> str:
    with pytest.raises(ContentError) as caught:
        load_config(wall)
    [problem] = caught.value.problems
    return format_problem(problem)


def key_line(wall: Path) -> int:
    lines = (wall / "kudoswall.yaml").read_text().splitlines()
    return next(i for i, line in enumerate(lines, 1) if line.startswith("credential_key:"))


HINT = ("make one with 'openssl genpkey -algorithm ed25519 -out credential-key.pem', keep it out of content/, "
        "static/ and templates/ (and out of git), or remove credential_key to publish unsigned")


def test_a_missing_key_is_refused_at_its_line(tmp_path: Path) -> None:
    wall = signed_wall(tmp_path, None)
    assert config_error(wall) == (f"kudoswall.yaml:{key_line(wall)}:17: cannot read credential_key "
                                  f"secrets/credential-key.pem: No such file or directory ({HINT})")


@pytest.mark.parametrize("kind", ["RSA", "EC"])
def test_an_rsa_or_ec_key_is_refused(tmp_path: Path, kind: str) -> None:
    key = rsa.generate_private_key(65537, 2048) if kind == "RSA" else ec.generate_private_key(ec.SECP256R1())
    wall = signed_wall(tmp_path, pem_of(key))
    assert config_error(wall) == (f"kudoswall.yaml:{key_line(wall)}:17: credential_key secrets/credential-key.pem "
                                  f"is an {kind} key, not an Ed25519 key ({HINT})")


BROKEN_PEM = b"-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n"


@pytest.mark.parametrize("key_bytes", [b"not a key\n", b"", BROKEN_PEM], ids=["text", "empty", "bad-pem"])
def test_a_file_that_is_not_a_pem_private_key_is_refused(tmp_path: Path, key_bytes: bytes) -> None:
    wall = signed_wall(tmp_path, key_bytes)
    assert config_error(wall) == (f"kudoswall.yaml:{key_line(wall)}:17: credential_key secrets/credential-key.pem "
                                  f"is not an unencrypted PEM (PKCS#8) private key ({HINT})")


@pytest.mark.parametrize(("make", "reason"), [
    (lambda path: path.symlink_to("/dev/zero"), "is not a regular file"),  # read without end: memory ran out
    (lambda path: os.mkfifo(path), "is not a regular file"),  # a read that never returns
    (lambda path: path.write_bytes(b"-" * (MAX_KEY_SIZE + 1)),
     "is larger than a private key file (65,536 bytes at most)"),
], ids=["device", "fifo", "huge"])
def test_a_key_path_that_is_no_key_file_is_refused_without_reading_it_all(
        tmp_path: Path, make: Callable[[Path], None], reason: str) -> None:
    wall = signed_wall(tmp_path, None)
    (wall / "secrets").mkdir()
    make(wall / "secrets/credential-key.pem")
    assert config_error(wall) == (f"kudoswall.yaml:{key_line(wall)}:17: credential_key secrets/credential-key.pem "
                                  f"{reason} ({HINT})")


def test_an_encrypted_key_is_refused(tmp_path: Path, private_key: Ed25519PrivateKey) -> None:
    wall = signed_wall(tmp_path, pem_of(private_key, BestAvailableEncryption(b"secret")))
    assert "is not an unencrypted PEM (PKCS#8) private key" in config_error(wall)


@pytest.mark.parametrize(("key_path", "folder"), [("content/credential-key.pem", "content"),
                                                   ("static/key.pem", "static"), ("templates/k/key.pem", "templates"),
                                                   ("./content/../static/key.pem", "static"),
                                                   ("site/key.pem", "site")])
def test_a_key_inside_a_published_folder_is_refused(tmp_path: Path, private_key: Ed25519PrivateKey,
                                                    key_path: str, folder: str) -> None:
    wall = signed_wall(tmp_path, pem_of(private_key), key_path)
    assert config_error(wall) == (
        f"kudoswall.yaml:{key_line(wall)}:17: credential_key {key_path} is inside {folder}/, which is published "
        f"or read as content; a private key must never be on the site ({HINT})")


def test_a_new_key_changes_every_signed_unit_and_rebuilds_them(tmp_path: Path,
                                                                 private_key: Ed25519PrivateKey) -> None:
    wall = signed_wall(tmp_path, pem_of(private_key))

    def signed_prints() -> dict[str, str]:
        config = load_config(wall)
        return {unit.path: unit.fingerprint for unit in credential_units(load_wall(config).wall, config)
                if unit.path.endswith(".jwt") or unit.path.startswith(".well-known/")}

    output = build(wall)
    before, old_jwks = signed_prints(), (output / ".well-known/jwks.json").read_bytes()
    (wall / "secrets/credential-key.pem").write_bytes(pem_of(Ed25519PrivateKey.generate()))
    after = signed_prints()
    assert sorted(before) == sorted(after) and len(before) == len(KUDOS) + 2
    assert all(before[path] != after[path] for path in before)  # the public key is part of every fingerprint
    build(wall)
    jwks = json.loads((output / ".well-known/jwks.json").read_bytes())
    assert jwks != json.loads(old_jwks)
    for path in output.glob("k/*/credential.jwt"):
        verify(path.read_text("ascii").strip(), jwks)


def test_an_edited_kudos_changes_its_token_fingerprint_only(tmp_path: Path, private_key: Ed25519PrivateKey) -> None:
    wall = signed_wall(tmp_path, pem_of(private_key))

    def jwt_prints() -> dict[str, str]:
        config = load_config(wall)
        return {unit.path: unit.fingerprint for unit in credential_units(load_wall(config).wall, config)
                if unit.path.endswith(".jwt")}

    before = jwt_prints()
    (wall / "content/kudos/2024-05-01-ada-on-grace.md").write_text(kudos_md("Grace kept the books safe."))
    after = jwt_prints()
    changed = sorted(path for path in before if before[path] != after[path])
    assert changed == ["k/2024-05-01-ada-on-grace/credential.jwt"]


def test_an_output_folder_given_on_the_command_line_that_holds_the_key_is_refused(
        tmp_path: Path, private_key: Ed25519PrivateKey) -> None:
    """The settings check knows output_dir; a build into another, earlier output holding the key is refused too."""
    wall = signed_wall(tmp_path / "wall", pem_of(private_key), key_path="public/credential-key.pem")
    config = load_config(wall)
    key = wall / "public" / "credential-key.pem"
    key.rename(tmp_path / "key.pem")
    build_site(replace(config, credential_key=None), wall / "public")  # an earlier kudoswall output
    (tmp_path / "key.pem").rename(key)
    with pytest.raises(UsageError, match=r"credential signing key public/credential-key\.pem is inside it"):
        build_site(config, wall / "public")
    assert (wall / "public" / "credential-key.pem").read_bytes() == pem_of(private_key)
