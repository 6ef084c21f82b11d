"""The persistent build cache in `<wall>/.kudoswall-cache/`: parsed files and output manifests.

Why: a rebuild should not parse YAML, render Markdown or re-render pages whose inputs did not
change. Entries are keyed by a file's content digest (never by its modification time), and a
whole cache file is only used when it was written by the same kudoswall code for the same
configuration.

Why it is safe to trust: each cache file carries an HMAC-SHA256 made with a random key kept
outside the wall (in the user's cache folder). A cache that is truncated, garbled, written by
another version, or committed to the repository by someone else (a hostile pull request built
in CI) fails the check and is ignored as if it were absent; pickle never sees its bytes.

Why records: a file is a header record, then one record for a value (`store`) or one per batch of
items (`store_items`), each a pickle of its own written as length-prefixed chunks. Writing holds no
whole pickle and, for items, a pickler memo of one batch only; reading lets go of each chunk once
unpickled, so a file's bytes and the objects made of them are not all held at once (the parse cache
of 10,000 kudos: storing peaks +9 -> +2 MiB, loading +27 -> +0 MiB over what it keeps).
"""

from __future__ import annotations

import contextlib
import hashlib
import hmac
import os
import pickle
import secrets
import struct
import tempfile
from collections.abc import Callable, Iterable, Iterator
from functools import cache
from pathlib import Path
from typing import Any, BinaryIO

from . import __version__

CACHE_DIR = ".kudoswall-cache"
FORMAT = 2
_MAGIC = b"KWCACHE2"  # then the MAC of all that follows, then records: a pickle each, in chunks
_MAC_SIZE = 32
_LENGTH = struct.Struct("<Q")  # a chunk's length; 0 ends a record
ITEMS_PER_BATCH = 256
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


_RECORD_END = bytes(_LENGTH.size)


class _RecordWriter:
    """Writes pickles as records of length-prefixed chunks, feeding every byte into the MAC too.

    Pickle streams into it (a chunk per write: a frame of ~64 KB), so no pickle is held whole.
    A failed write (a full disk) is remembered in `failed` instead of raised: the file is then
    dropped, and an OSError that reaches the caller's code is always the caller's own.
    """

    def __init__(self, handle: BinaryIO, mac: hmac.HMAC) -> None:
        self._handle = handle
        self._mac = mac
        self.failed = False
        try:
            handle.write(_MAGIC + bytes(_MAC_SIZE))  # the MAC goes in its place once all is written
        except OSError:
            self.failed = True

    def _put(self, data: bytes | memoryview) -> None:
        if self.failed:
            return
        try:
            self._handle.write(data)
        except OSError:
            self.failed = True
        self._mac.update(data)

    def write(self, data: bytes | memoryview) -> int:
        if data:
            self._put(_LENGTH.pack(len(data)))
            self._put(data)
        return len(data)

    def end_record(self) -> None:
        self._put(_RECORD_END)

    def seal(self) -> bool:
        """Put the MAC in its place; False if the file could not be written whole."""
        if not self.failed:
            try:
                self._handle.seek(len(_MAGIC))
                self._handle.write(self._mac.digest())
                self._handle.flush()
            except OSError:
                self.failed = True
        return not self.failed


class _RecordReader:
    """One record's chunks as a file for pickle, each chunk let go of once read."""

    def __init__(self, chunks: list[bytes]) -> None:
        chunks.reverse()
        self._chunks = chunks  # the next one last
        self._view = memoryview(b"")

    def _fill(self) -> bool:
        while not self._view and self._chunks:
            self._view = memoryview(self._chunks.pop())
        return bool(self._view)

    def read(self, size: int = -1) -> bytes:
        parts = []
        while (size < 0 or size > 0) and self._fill():
            take = len(self._view) if size < 0 else min(size, len(self._view))
            parts.append(self._view[:take].tobytes())
            self._view = self._view[take:]
            size = size - take if size > 0 else size
        return b"".join(parts)

    def readline(self) -> bytes:
        """Pickle asks for lines only in protocols this module does not write; kept correct, not fast."""
        line = bytearray()
        while not line.endswith(b"\n") and (byte := self.read(1)):
            line += byte
        return bytes(line)


def _read_records(folder: Path, name: str, key: bytes) -> list[list[bytes]] | None:
    """Every record of an authentic cache file, as chunks; None if absent, malformed or forged.

    Nothing is unpickled before the MAC of the whole file has been checked.
    """
    try:
        fd = os.open(folder / name, os.O_RDONLY | os.O_NOFOLLOW)
        with os.fdopen(fd, "rb") as handle:
            remaining = os.fstat(handle.fileno()).st_size - len(_MAGIC) - _MAC_SIZE
            head = handle.read(len(_MAGIC) + _MAC_SIZE)
            if remaining < 0 or not head.startswith(_MAGIC):
                return None
            mac = hmac.new(key, digestmod=hashlib.sha256)
            records: list[list[bytes]] = []
            chunks: list[bytes] = []
            while remaining >= _LENGTH.size:
                prefix = handle.read(_LENGTH.size)
                if len(prefix) != _LENGTH.size:  # the file shrank while being read
                    return None
                (size,) = _LENGTH.unpack(prefix)
                remaining -= _LENGTH.size
                mac.update(prefix)
                if not size:
                    records.append(chunks)
                    chunks = []
                    continue
                if size > remaining:
                    return None
                chunk = handle.read(size)
                if len(chunk) != size:
                    return None
                remaining -= size
                mac.update(chunk)
                chunks.append(chunk)
    except OSError:
        return None
    if remaining or chunks or not hmac.compare_digest(head[len(_MAGIC) :], mac.digest()):
        return None
    return records


def _unpickle(chunks: list[bytes]) -> Any:
    return pickle.Unpickler(_RecordReader(chunks)).load()


def _authentic(folder: Path | None, name: str, scope: str, kind: str) -> list[list[bytes]] | None:
    """The records after the header of a cache file this code wrote for `scope`, or None."""
    key = _secret()
    if folder is None or key is None:
        return None
    records = _read_records(folder, name, key)
    if not records:
        return None
    try:
        header = _unpickle(records[0])
    except Exception:  # noqa: BLE001 - authenticated but unreadable (another Python?): start afresh
        return None
    if header != (code_digest(), scope, kind):
        return None
    return records[1:]


def load(folder: Path | None, name: str, scope: str) -> Any | None:
    """The value stored under `name` for `scope` (e.g. a config digest), or None if unusable."""
    records = _authentic(folder, name, scope, "value")
    if records is None or len(records) != 1:
        return None
    try:
        return _unpickle(records.pop())
    except Exception:  # noqa: BLE001 - as in _authentic
        return None


def load_items(folder: Path | None, name: str, scope: str) -> Iterator[tuple[Any, Any]] | None:
    """The (key, value) pairs stored by `store_items`, or None if unusable.

    The file is authenticated whole before this returns; its batches are then unpickled one at a
    time as the pairs are taken, each batch's bytes let go of once unpickled, so the file's bytes
    and the objects made of them are not all held at once. A batch that fails to unpickle ends
    the pairs there: callers treat a missing entry as one to compute again.
    """
    records = _authentic(folder, name, scope, "items")
    if records is None:
        return None

    def pairs() -> Iterator[tuple[Any, Any]]:
        records.reverse()
        while records:
            try:
                batch = _unpickle(records.pop())
            except Exception:  # noqa: BLE001 - as in _authentic
                return
            yield from batch

    return pairs()


@contextlib.contextmanager
def _new_file(folder: Path | None, name: str) -> Iterator[_RecordWriter | None]:
    """A cache file written through the writer given, put in place atomically when the block ends;
    None when no file can be written. Failing to write a cache never fails the build: the file is
    dropped. An exception from the block drops it too, and goes on."""
    key = _secret()
    if folder is None or key is None:
        yield None
        return
    try:
        fd, temp = tempfile.mkstemp(dir=folder, prefix=f".{name}-")
    except OSError:
        yield None
        return
    handle = os.fdopen(fd, "wb")
    placed = False
    try:
        writer = _RecordWriter(handle, hmac.new(key, digestmod=hashlib.sha256))
        yield writer
        if writer.seal():
            with contextlib.suppress(OSError):
                os.replace(temp, folder / name)
                placed = True
    finally:
        with contextlib.suppress(OSError):
            handle.close()
        if not placed:
            Path(temp).unlink(missing_ok=True)


def _write(folder: Path | None, name: str, dump: Callable[[_RecordWriter, pickle.Pickler], None]) -> None:
    with _new_file(folder, name) as writer:
        if writer is not None:
            dump(writer, pickle.Pickler(writer, protocol=pickle.HIGHEST_PROTOCOL))


def _header(writer: _RecordWriter, pickler: pickle.Pickler, scope: str, kind: str) -> None:
    pickler.dump((code_digest(), scope, kind))
    pickler.clear_memo()
    writer.end_record()


def store(folder: Path | None, name: str, scope: str, value: Any) -> None:
    """Write `value`, pickled straight into the file (never held whole as bytes)."""

    def dump(writer: _RecordWriter, pickler: pickle.Pickler) -> None:
        _header(writer, pickler, scope, "value")
        pickler.dump(value)
        writer.end_record()

    _write(folder, name, dump)


def pickled_batch(items: list[tuple[Any, Any]]) -> bytes:
    """One batch of (key, value) pairs as `items_file` takes it (a worker process can make it)."""
    return pickle.dumps(items, protocol=pickle.HIGHEST_PROTOCOL)


@contextlib.contextmanager
def items_file(folder: Path | None, name: str, scope: str) -> Iterator[Callable[[bytes], None]]:
    """Gives `add(batch)`: the file `store_items` writes, made of batches already pickled by
    `pickled_batch`, read back by `load_items`. The file is put in place when the block ends
    without an exception (and every write worked); until then it is not there.

    Why: the parse cache's values come from worker processes, which pickle them to send them
    anyway; pickling each batch once there, for the trip and for this file, spares the parent a
    second pickling of every parse (0.3 s for 10,000 kudos, spent while both cores waited), and
    the file is written as the parses arrive.
    """
    with _new_file(folder, name) as writer:
        if writer is None:
            yield lambda batch: None
            return
        _header(writer, pickle.Pickler(writer, protocol=pickle.HIGHEST_PROTOCOL), scope, "items")

        def add(batch: bytes) -> None:
            writer.write(batch)
            writer.end_record()

        yield add


def store_items(folder: Path | None, name: str, scope: str, items: Iterable[tuple[Any, Any]]) -> None:
    """Write many (key, value) pairs, read back by `load_items`, in batches of ITEMS_PER_BATCH.

    Why batches: a pickler remembers every object it wrote until its memo is cleared; one memo for
    the parse cache of 10,000 kudos held ~200,000 entries (+21 MiB at the build's peak).
    Objects shared between batches are written once per batch (`parsecache` shares them again).
    """

    def dump(writer: _RecordWriter, pickler: pickle.Pickler) -> None:
        _header(writer, pickler, scope, "items")
        batch: list[tuple[Any, Any]] = []
        for item in items:
            batch.append(item)
            if len(batch) == ITEMS_PER_BATCH:
                pickler.dump(batch)
                pickler.clear_memo()
                writer.end_record()
                batch = []
        if batch:
            pickler.dump(batch)
            writer.end_record()

    _write(folder, name, dump)
