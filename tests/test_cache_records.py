"""The cache file format: authenticated whole before anything is unpickled, written and read in records."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any, ClassVar

import pytest

from kudoswall import cache

pytestmark = pytest.mark.usefixtures("private_cache_key")


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    path = tmp_path / "cache"
    path.mkdir()
    return path


def test_a_value_round_trips_across_many_chunks(folder: Path) -> None:
    value = {"big": "x" * 300_000, "many": [(str(n), n) for n in range(50_000)], "text": "é" * 70_000}
    cache.store(folder, "v.bin", "scope", value)
    assert len(cache._read_records(folder, "v.bin", cache._secret() or b"")[1]) > 3  # type: ignore[index]
    assert cache.load(folder, "v.bin", "scope") == value


def test_items_round_trip_in_batches_with_objects_shared_across_batches(folder: Path,
                                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(cache, "ITEMS_PER_BATCH", 3)
    shared = ["shared", ("inner", 1)]
    items = [(f"key-{n}", {"n": n, "shared": shared, "own": [n, str(n)]}) for n in range(10)]
    cache.store_items(folder, "i.bin", "scope", iter(items))
    records = cache._read_records(folder, "i.bin", cache._secret() or b"")
    assert records is not None and len(records) == 1 + 4  # the header, then batches of 3, 3, 3 and 1
    loaded = cache.load_items(folder, "i.bin", "scope")
    assert loaded is not None
    assert list(loaded) == items


def test_batches_pickled_elsewhere_read_back_as_items(folder: Path) -> None:
    items = [(f"key-{n}", {"n": n}) for n in range(10)]
    with cache.items_file(folder, "i.bin", "scope") as add:
        add(cache.pickled_batch(items[:4]))
        assert not (folder / "i.bin").exists()  # in place only once whole
        add(cache.pickled_batch(items[4:]))
    loaded = cache.load_items(folder, "i.bin", "scope")
    assert loaded is not None and list(loaded) == items


def test_an_error_while_writing_batches_leaves_no_file_and_goes_on(folder: Path) -> None:
    with pytest.raises(KeyError), cache.items_file(folder, "i.bin", "scope") as add:
        add(cache.pickled_batch([("a", 1)]))
        raise KeyError("the work that made the batches failed")
    assert list(folder.iterdir()) == []


def test_a_failed_write_drops_the_cache_file_and_never_fails_the_build(folder: Path,
                                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    """A full disk: the writes fail, the build goes on, and no partial file is left to be trusted."""
    assert cache._secret() is not None  # the key exists before the disk fills
    real_fdopen = os.fdopen

    class FullDisk:
        def __init__(self, handle: Any) -> None:
            self.handle, self.writes = handle, 0

        def write(self, data: bytes) -> int:
            self.writes += 1
            if self.writes > 3:
                raise OSError(28, "No space left on device")
            return int(self.handle.write(data))

        def __getattr__(self, name: str) -> Any:
            return getattr(self.handle, name)

    monkeypatch.setattr(os, "fdopen", lambda fd, mode: FullDisk(real_fdopen(fd, mode)))
    with cache.items_file(folder, "i.bin", "scope") as add:
        for n in range(5):
            add(cache.pickled_batch([(str(n), n)]))
    cache.store(folder, "v.bin", "scope", {"value": 1})
    assert list(folder.iterdir()) == []


def test_no_items_round_trip_to_none(folder: Path) -> None:
    cache.store_items(folder, "i.bin", "scope", [])
    loaded = cache.load_items(folder, "i.bin", "scope")
    assert loaded is not None and list(loaded) == []


def test_a_file_is_read_only_as_the_kind_it_was_written(folder: Path) -> None:
    cache.store(folder, "v.bin", "scope", [("a", 1)])
    cache.store_items(folder, "i.bin", "scope", [("a", 1)])
    assert cache.load_items(folder, "v.bin", "scope") is None
    assert cache.load(folder, "i.bin", "scope") is None
    assert cache.load_items(folder, "i.bin", "other scope") is None


class _Exploit:
    ran: ClassVar[list[str]] = []

    def __reduce__(self) -> tuple[Any, tuple[str]]:
        return (_Exploit.ran.append, ("unpickled",))


def _damaged_copies(data: bytes) -> list[bytes]:
    copies = [data[:cut] for cut in range(0, len(data), max(1, len(data) // 97))]
    copies += [data[:at] + bytes([data[at] ^ 0x01]) + data[at + 1 :] for at in range(0, len(data), 7)]
    return [*copies, data + b"\0" * 8, data + b"x"]


def test_any_damage_makes_the_file_unusable_and_nothing_is_unpickled(folder: Path,
                                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(cache, "ITEMS_PER_BATCH", 2)
    monkeypatch.setattr(_Exploit, "ran", [])
    cache.store_items(folder, "good.bin", "scope", [("a", "b"), ("c", 1), ("d", [2, 3])])
    cache.store(folder, "value.bin", "scope", {"answer": 42})
    for name in ("good.bin", "value.bin"):
        data = (folder / name).read_bytes()
        for damaged in _damaged_copies(data):
            (folder / "bad.bin").write_bytes(damaged)
            assert cache.load(folder, "bad.bin", "scope") is None
            assert cache.load_items(folder, "bad.bin", "scope") is None
    assert _Exploit.ran == []


def test_a_well_formed_file_without_the_key_is_never_unpickled(folder: Path, tmp_path: Path,
                                                               monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(_Exploit, "ran", [])
    cache.store_items(folder, "x.bin", "scope", [("a", _Exploit())])
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "another-user"))  # someone else's key
    cache._secret.cache_clear()
    assert cache.load_items(folder, "x.bin", "scope") is None
    assert _Exploit.ran == []
