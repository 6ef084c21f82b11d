"""Listing a wall's files: Paths are remembered only for folders listed more than once (serve)."""

from __future__ import annotations

from pathlib import Path

from conftest import make_wall

from kudoswall import load
from kudoswall.config import Config


def test_a_folder_listed_once_leaves_nothing_remembered(tmp_path: Path) -> None:
    root = make_wall(tmp_path / "wall")
    people, kudos, _ = load.list_source_files(Config(root=root))
    assert [path.name for path in kudos] == ["2024-05-01-ada-on-grace.md"]
    assert not any((path.parent, path.name) in load._child_paths for path in [*people, *kudos])


def test_a_folder_listed_again_reuses_its_paths(tmp_path: Path) -> None:
    root = make_wall(tmp_path / "wall")
    first = load.list_source_files(Config(root=root))
    second = load.list_source_files(Config(root=root))
    third = load.list_source_files(Config(root=root))
    assert first == second == third
    assert all(a is b for a, b in zip(second[0] + second[1], third[0] + third[1], strict=True))
