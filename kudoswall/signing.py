"""Signing credentials as VC-JWTs (Open Badges 3.0 §8.2) with the wall's Ed25519 key.

The private key stays in memory: only its public half is published, as a JWK at
`/.well-known/credential-key.json` (what each token's `kid` names) and inside the JWK set at
`/.well-known/jwks.json`. Ed25519 signatures are deterministic, so a token's bytes depend only on
the key and the payload, and rebuilds stay byte-identical.
"""

from __future__ import annotations

import base64
import hashlib
import json
import os
import stat
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from cryptography.exceptions import UnsupportedAlgorithm
from cryptography.hazmat.primitives.asymmetric import dsa, ec, ed448, rsa
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat, load_pem_private_key

from .config import Config
from .errors import ContentError, Problem, SourcePos

MAX_KEY_SIZE = 64 * 1024  # an Ed25519 PEM is 119 bytes; a 16,384-bit RSA one about 12 KB
JWK_PATH = ".well-known/credential-key.json"
JWKS_PATH = ".well-known/jwks.json"
KEY_HINT = ("make one with 'openssl genpkey -algorithm ed25519 -out credential-key.pem', keep it out of "
            "content/, static/ and templates/ (and out of git), or remove credential_key to publish unsigned")

KEY_KINDS: tuple[tuple[str, type], ...] = (("an RSA", rsa.RSAPrivateKey), ("an EC", ec.EllipticCurvePrivateKey),
                                           ("an Ed448", ed448.Ed448PrivateKey), ("a DSA", dsa.DSAPrivateKey))


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


@dataclass(frozen=True)
class SigningKey:
    """The wall's credential key: the private key for signing, its public bytes for everyone else."""

    private: Ed25519PrivateKey
    public_bytes: bytes
    kid: str

    def public_jwk(self) -> dict[str, str]:
        return {"kty": "OKP", "crv": "Ed25519", "x": b64url(self.public_bytes), "kid": self.kid,
                "alg": "EdDSA", "use": "sig"}

    def thumbprint(self) -> str:
        """RFC 7638 JWK thumbprint: the key's stable name whatever URL it is published at."""
        members = {"crv": "Ed25519", "kty": "OKP", "x": b64url(self.public_bytes)}
        return b64url(hashlib.sha256(json.dumps(members, separators=(",", ":"), sort_keys=True).encode()).digest())

    def sign_jwt(self, claims: dict[str, Any]) -> str:
        """A compact JWS over `claims`; header and payload are serialised without whitespace in a fixed order.

        The header names the key both ways Open Badges 3.0 (section 8.2) allows: `kid`, a URL that
        dereferences to the JWK, and `jwk`, the public key itself, so verifiers that expect
        either find it (openbadgeslib's OB3 verifier reads `jwk`)."""
        header = {"alg": "EdDSA", "typ": "JWT", "kid": self.kid, "jwk": self.public_jwk()}
        signing_input = ".".join(b64url(json.dumps(part, ensure_ascii=False, separators=(",", ":")).encode("utf-8"))
                                 for part in (header, claims))
        signature = self.private.sign(signing_input.encode("ascii"))
        return f"{signing_input}.{b64url(signature)}"


def key_file(config: Config) -> Path:
    assert config.credential_key is not None
    return config.root / config.credential_key


def published_folders(config: Config) -> list[Path]:
    """Folders whose files end up on the site (or are read as its content): the key must not live there."""
    folders = [config.content_path, config.root / "static", config.root / "templates", config.root / config.output_dir]
    return folders if config.theme == "default" else [*folders, config.root / config.theme]


def read_signing_key(config: Config, pos: SourcePos) -> SigningKey:
    """Load and check the configured key; every way it can be wrong is a ContentError at `pos`."""
    path = key_file(config)
    resolved = path.resolve()

    def refuse(message: str) -> ContentError:
        return ContentError([Problem(pos, message, KEY_HINT)])

    for folder in published_folders(config):
        if resolved.is_relative_to(folder.resolve()):
            raise refuse(f"credential_key {config.credential_key} is inside {folder.name}/, "
                         "which is published or read as content; a private key must never be on the site")
    try:
        # a regular file, and only as much as a key can take: /dev/zero or a FIFO here filled memory or hung
        with open(path, "rb", opener=lambda name, flags: os.open(name, flags | os.O_NONBLOCK)) as handle:
            if not stat.S_ISREG(os.fstat(handle.fileno()).st_mode):
                raise refuse(f"credential_key {config.credential_key} is not a regular file")
            data = handle.read(MAX_KEY_SIZE + 1)
    except OSError as exc:
        raise refuse(f"cannot read credential_key {config.credential_key}: {exc.strerror or exc}") from None
    if len(data) > MAX_KEY_SIZE:
        raise refuse(f"credential_key {config.credential_key} is larger than a private key file "
                     f"({MAX_KEY_SIZE:,} bytes at most)")
    try:
        private = load_pem_private_key(data, password=None)
    except (ValueError, TypeError, UnsupportedAlgorithm):
        raise refuse(f"credential_key {config.credential_key} is not an unencrypted PEM (PKCS#8) private key") \
            from None
    if not isinstance(private, Ed25519PrivateKey):
        kind = next((name for name, cls in KEY_KINDS if isinstance(private, cls)), "another kind of")
        raise refuse(f"credential_key {config.credential_key} is {kind} key, not an Ed25519 key")
    public_bytes = private.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)
    return SigningKey(private, public_bytes, config.absolute_url(JWK_PATH))


def signing_key(config: Config) -> SigningKey | None:
    """The configured key, or None when credentials are unsigned (load_config has already checked it)."""
    if config.credential_key is None:
        return None
    return read_signing_key(config, SourcePos("kudoswall.yaml"))
