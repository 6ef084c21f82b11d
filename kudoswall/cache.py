"""The persistent build cache in `<wall>/.kudoswall-cache/`: parsed files and output manifests.

Why: a rebuild should not parse YAML, render Markdown or re-render pages whose inputs did not
change. Entries are keyed by a file's content digest (never by its modification time), and a
whole cache file is only used when it was written by the same kudoswall code for the same
configuration.

Why it is safe to trust: each cache file carries an HMAC-SHA256 made with a random key kept
outside the wall (in the user's cache folder). A cache that is truncated, garbled, written by
another version, or committed to the repository by someone else (a hostile pull request built
in CI) fails the check and is ignored as if it were absent; pickle never sees its bytes.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import pickle
import secrets
import tempfile
from functools import cache
from pathlib import Path
from typing import Any, BinaryIO

from . import __version__

CACHE_DIR = ".kudoswall-cache"
FORMAT = 1
_MAGIC = b"KWCACHE1"
_MAC_SIZE = 32
_PACKAGE = Path(__file__).resolve().parent


@cache
def code_digest() -> str:
    """Digest of kudoswall's own code and schemas: any change to them invalidates the cache."""
    digest = hashlib.sha256(f"{__version__}\0{FORMAT}".encode())
    for path in sorted([*_PACKAGE.glob("*.py"), *_PACKAGE.glob("schema/*.json")]):
        digest.update(path.name.encode() + b"\0" + path.read_bytes() + b"\0")
    return digest.hexdigest()


def _key_file() -> Path:
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "kudoswall" / "cache-key"


@cache
def _secret() -> bytes | None:
    """This user's cache key, created on first use; None when it cannot be stored."""
    path = _key_file()
    try:
        data = path.read_bytes()
        if len(data) == 32:
            return data
    except OSError:
        pass
    try:
        path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        data = secrets.token_bytes(32)
        fd, temp = tempfile.mkstemp(dir=path.parent, prefix=".cache-key-")
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
        os.replace(temp, path)
        return path.read_bytes() if path.stat().st_size == 32 else None
    except OSError:
        return None


def cache_dir(wall_root: Path) -> Path | None:
    """The wall's cache folder, created if needed; None if it is not a real folder (a symlink)."""
    path = wall_root / CACHE_DIR
    try:
        if path.is_symlink() or (path.exists() and not path.is_dir()):
            return None
        path.mkdir(exist_ok=True)
    except OSError:
        return None
    return path


def _mac(key: bytes, payload: bytes | memoryview) -> bytes:
    return hmac.new(key, payload, hashlib.sha256).digest()


def load(folder: Path | None, name: str, scope: str) -> Any | None:
    """The value stored under `name` for `scope` (e.g. a config digest), or None if unusable."""
    key = _secret()
    if folder is None or key is None:
        return None
    try:
        fd = os.open(folder / name, os.O_RDONLY | os.O_NOFOLLOW)
        with os.fdopen(fd, "rb") as handle:
            data = handle.read()
    except OSError:
        return None
    header = len(_MAGIC) + _MAC_SIZE
    if len(data) < header or not data.startswith(_MAGIC):
        return None
    payload = memoryview(data)[header:]  # no copy: the cache of a large wall is tens of megabytes
    if not hmac.compare_digest(data[len(_MAGIC) : header], _mac(key, payload)):
        return None
    try:
        stored = pickle.loads(payload)
    except Exception:  # noqa: BLE001 - authenticated but unreadable (another Python?): start afresh
        return None
    if not isinstance(stored, tuple) or len(stored) != 3 or stored[:2] != (code_digest(), scope):
        return None
    return stored[2]


class _MacWriter:
    """A file that also feeds what is written to it into a MAC, so pickle can stream the payload."""

    def __init__(self, handle: BinaryIO, mac: hmac.HMAC) -> None:
        self._handle = handle
        self._mac = mac

    def write(self, data: bytes) -> int:
        self._mac.update(data)
        return self._handle.write(data)


def store(folder: Path | None, name: str, scope: str, value: Any) -> None:
    """Write `value` atomically; failing to write a cache never fails the build.

    The payload is pickled straight into the file (its MAC filled in after), never held whole
    in memory: for a 10,000-kudos wall that copy was the build's peak (+60 MiB).
    """
    key = _secret()
    if folder is None or key is None:
        return
    try:
        fd, temp = tempfile.mkstemp(dir=folder, prefix=f".{name}-")
    except OSError:
        return
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(_MAGIC + bytes(_MAC_SIZE))
            mac = hmac.new(key, digestmod=hashlib.sha256)
            pickle.dump((code_digest(), scope, value), _MacWriter(handle, mac), protocol=pickle.HIGHEST_PROTOCOL)
            handle.seek(len(_MAGIC))
            handle.write(mac.digest())
        os.replace(temp, folder / name)
    except OSError:
        Path(temp).unlink(missing_ok=True)
