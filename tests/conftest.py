"""Shared helpers: small walls written into a temporary folder.

`make_wall(root, people=..., kudos=...)` writes a minimal valid wall (two people, one kudos)
and lets a test replace any file. A value may be a mapping (dumped as YAML), text (written as
UTF-8) or bytes (written as they are), so tests can reach every layer from bytes up.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Callable, Iterator, Mapping
from pathlib import Path
from typing import Any

import pytest
import yaml

from kudoswall import cache

FileSource = str | bytes | Mapping[str, Any]

DEFAULT_CONFIG: dict[str, Any] = {"title": "Test wall", "base_url": "https://kudos.example.org/"}
DEFAULT_PEOPLE: dict[str, FileSource] = {
    "ada": {"name": "Ada Okafor", "skills": ["Go"]},
    "grace": {"name": "Grace Lindqvist", "skills": ["Go"]},
}


def dump_yaml(values: Mapping[str, Any]) -> str:
    return yaml.safe_dump(dict(values), allow_unicode=True, sort_keys=False, width=1_000_000)


def kudos_md(body: str = "Grace kept the ledger safe.", **fields: Any) -> str:
    """A Markdown kudos file from ada to grace; keyword arguments add or replace fields."""
    front = {"from": "ada", "to": "grace", "date": "2024-05-01", "relationship": "same-team", **fields}
    return f"---\n{dump_yaml(front)}---\n{body}\n"


DEFAULT_KUDOS: dict[str, FileSource] = {"2024-05-01-ada-on-grace": kudos_md()}


def _write(path: Path, source: FileSource) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(source, bytes):
        path.write_bytes(source)
    elif isinstance(source, str):
        path.write_bytes(source.encode("utf-8"))
    else:
        path.write_bytes(dump_yaml(source).encode("utf-8"))


def make_wall(
    root: Path,
    *,
    config: FileSource | None = None,
    people: Mapping[str, FileSource] | None = None,
    kudos: Mapping[str, FileSource] | None = None,
) -> Path:
    """Write a wall into `root` and return `root`.

    `people` maps a handle (or a file name with its suffix) to the file; `kudos` maps a file
    stem (or name; '.md' is added when there is no suffix) to the file. Either replaces the
    defaults entirely; `config` replaces kudoswall.yaml.
    """
    _write(root / "kudoswall.yaml", DEFAULT_CONFIG if config is None else config)
    for name, source in (DEFAULT_PEOPLE if people is None else people).items():
        _write(root / "content" / "people" / (name if "." in name else f"{name}.yaml"), source)
    (root / "content" / "kudos").mkdir(parents=True, exist_ok=True)
    for name, source in (DEFAULT_KUDOS if kudos is None else kudos).items():
        _write(root / "content" / "kudos" / (name if name.endswith((".md", ".yaml", ".yml")) else f"{name}.md"),
               source)
    return root


def scratch_folder() -> tempfile.TemporaryDirectory[str]:
    """A temporary folder in memory (/dev/shm) when there is one: property tests create and
    delete a wall per example, and on a slow disk that costs more than the build itself."""
    shm = Path("/dev/shm")
    memory = shm if shm.is_dir() and os.access(shm, os.W_OK) else None
    return tempfile.TemporaryDirectory(prefix="kudoswall-test-", dir=memory)


@pytest.fixture(scope="session")
def wall_maker() -> Callable[..., Path]:
    """`make_wall` as a fixture (session-scoped, so hypothesis tests may use it too)."""
    return make_wall


@pytest.fixture
def private_cache_key(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """A cache key of the test's own (cache.py signs with a per-user key), so no test trusts a cache
    or build stamp another one wrote."""
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path_factory.mktemp("xdg")))
    cache._secret.cache_clear()
    yield
    cache._secret.cache_clear()
