"""Whole-site snapshot (as Pelican does it): the fixture wall's every output file, byte for byte.

tests/fixtures/small-wall is built and each file compared with tests/snapshots/small-wall/.
When output changes on purpose (a theme change, a new page), regenerate the snapshot and review
the change in `git diff tests/snapshots` before committing it:

    KUDOSWALL_UPDATE_SNAPSHOTS=1 .venv/bin/pytest tests/test_snapshot.py

The wall is copied outside the repository first, so git history never leaks into the output.
"""

from __future__ import annotations

import difflib
import os
import shutil
from pathlib import Path

from sitecheck import FIXTURES, REPO

from kudoswall.build import build_site
from kudoswall.config import load_config
from kudoswall.outputdir import MARKER

SNAPSHOT = REPO / "tests" / "snapshots" / "small-wall"
UPDATE = os.environ.get("KUDOSWALL_UPDATE_SNAPSHOTS") == "1"
REGENERATE = "KUDOSWALL_UPDATE_SNAPSHOTS=1 .venv/bin/pytest tests/test_snapshot.py"


def read_tree(root: Path) -> dict[str, bytes]:
    return {p.relative_to(root).as_posix(): p.read_bytes()
            for p in sorted(root.rglob("*")) if p.is_file() and p.name != MARKER}


def build_fixture(tmp_path: Path) -> dict[str, bytes]:
    wall = tmp_path / "small-wall"
    shutil.copytree(FIXTURES / "small-wall", wall)
    output = tmp_path / "site"
    build_site(load_config(wall), output)
    return read_tree(output)


def describe_difference(name: str, expected: bytes, actual: bytes) -> str:
    """A unified diff for text, sizes for binary files."""
    try:
        old, new = expected.decode("utf-8"), actual.decode("utf-8")
    except UnicodeDecodeError:
        return f"{name}: binary file differs ({len(expected):,} bytes expected, {len(actual):,} built)"
    diff = difflib.unified_diff(old.splitlines(keepends=True), new.splitlines(keepends=True),
                                f"snapshot/{name}", f"built/{name}", n=2)
    return "".join(list(diff)[:200])


def write_snapshot(files: dict[str, bytes]) -> None:
    if SNAPSHOT.exists():
        shutil.rmtree(SNAPSHOT)
    for name, data in files.items():
        path = SNAPSHOT / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)


def test_small_wall_output_matches_the_snapshot(tmp_path: Path) -> None:
    built = build_fixture(tmp_path)
    if UPDATE:
        write_snapshot(built)
    expected = read_tree(SNAPSHOT)
    missing = sorted(set(expected) - set(built))
    extra = sorted(set(built) - set(expected))
    changed = [name for name in sorted(set(expected) & set(built)) if expected[name] != built[name]]
    if missing or extra or changed:
        report = [f"The built site differs from tests/snapshots/small-wall (regenerate with: {REGENERATE})"]
        if missing:
            report.append(f"missing from the build: {missing}")
        if extra:
            report.append(f"new in the build: {extra}")
        if changed:
            report.append(f"{len(changed)} file(s) differ: {changed}")
            report.append(describe_difference(changed[0], expected[changed[0]], built[changed[0]]))
        raise AssertionError("\n".join(report))
    assert len(built) > 30


def test_the_build_is_reproducible(tmp_path: Path) -> None:
    assert build_fixture(tmp_path / "one") == build_fixture(tmp_path / "two")
