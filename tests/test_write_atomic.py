"""Reliability: a failed, interrupted or killed build leaves the previous site byte-identical.

Each test compares a manifest (every path with its SHA-256) of the output before and after.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from conftest import dump_yaml, kudos_md, make_wall

import kudoswall.build
from kudoswall.build import build_site
from kudoswall.config import load_config
from kudoswall.errors import ContentError
from kudoswall.outputdir import MARKER, staging_dir
from kudoswall.units import OutputUnit
from kudoswall.write import OutputLocked, SiteWriter

REPO = Path(__file__).resolve().parent.parent


def manifest(folder: Path) -> dict[str, str]:
    """Every file and link under `folder`, with the SHA-256 of its bytes (or the link target)."""
    result = {}
    for directory, _, names in os.walk(folder):
        for name in names:
            path = Path(directory) / name
            rel = path.relative_to(folder).as_posix()
            digest = hashlib.sha256(path.read_bytes()).hexdigest() if not path.is_symlink() else ""
            result[rel] = digest or f"-> {os.readlink(path)}"
    return result


def built_wall(tmp_path: Path) -> tuple[Path, Path, dict[str, str]]:
    root = make_wall(tmp_path / "wall")
    site = tmp_path / "site"
    build_site(load_config(root), site)
    return root, site, manifest(site)


def failing_midway(error: BaseException, monkeypatch: pytest.MonkeyPatch) -> None:
    """Make the next build raise `error` while rendering, after half of its files are written."""
    planned = kudoswall.build.plan_outputs

    def plan(*args: Any, **kwargs: Any) -> list[OutputUnit]:
        units = planned(*args, **kwargs)

        def explode() -> bytes:
            raise error

        middle = len(units) // 2
        return [*units[:middle], OutputUnit("zz-explodes.html", "never-cached", explode), *units[middle:]]

    monkeypatch.setattr(kudoswall.build, "plan_outputs", plan)


def test_a_content_error_writes_nothing(tmp_path: Path) -> None:
    root, site, before = built_wall(tmp_path)
    (root / "content" / "kudos" / "2024-05-02-bad.md").write_text(kudos_md(relationship="nemesis"))
    with pytest.raises(ContentError):
        build_site(load_config(root), site)
    assert manifest(site) == before


@pytest.mark.parametrize("error", [RuntimeError("a bug while rendering"), KeyboardInterrupt()])
def test_a_build_that_fails_or_is_interrupted_midway_leaves_the_previous_site(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, error: BaseException) -> None:
    root, site, before = built_wall(tmp_path)
    (root / "content" / "kudos" / "2024-05-02-new.md").write_text(kudos_md(title="A new one"))
    failing_midway(error, monkeypatch)
    with pytest.raises(type(error)):
        build_site(load_config(root), site, use_cache=False)
    assert manifest(site) == before
    monkeypatch.undo()
    build_site(load_config(root), site)  # the lock was released and the staging folder is reusable
    assert "k/2024-05-02-new/index.html" in manifest(site)
    assert not any(path.startswith("zz-") for path in manifest(site))


def test_files_left_in_staging_by_a_failed_build_never_reach_the_site(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    root, site, _ = built_wall(tmp_path)
    (root / "content" / "kudos" / "2024-05-02-gone.md").write_text(kudos_md(title="Soon deleted"))
    failing_midway(RuntimeError("stop"), monkeypatch)
    with pytest.raises(RuntimeError):
        build_site(load_config(root), site, use_cache=False)
    monkeypatch.undo()
    (root / "content" / "kudos" / "2024-05-02-gone.md").unlink()
    build_site(load_config(root), site)
    assert not any("2024-05-02-gone" in path for path in manifest(site))


def test_a_second_build_at_the_same_time_is_refused(tmp_path: Path) -> None:
    root, site, before = built_wall(tmp_path)
    with SiteWriter(site), pytest.raises(OutputLocked) as caught:
        build_site(load_config(root), site, use_cache=False)
    assert str(caught.value) == f"another build is writing {site}; wait for it to finish"
    assert manifest(site) == before


def test_nothing_outside_the_output_is_touched_except_the_lock_and_staging_beside_it(tmp_path: Path) -> None:
    root = make_wall(tmp_path / "wall")
    (tmp_path / "neighbour.txt").write_text("mine")
    wall_before = manifest(root)
    for _ in range(3):
        build_site(load_config(root), tmp_path / "site")
    assert set(os.listdir(tmp_path)) - {".site.kudoswall-staging"} == {".site.kudoswall-lock", "neighbour.txt",
                                                                       "site", "wall"}
    assert (tmp_path / "neighbour.txt").read_text() == "mine"
    # the build's own cache folder in the wall (git-ignored) is the one other place it writes
    assert {k: v for k, v in manifest(root).items() if not k.startswith(".kudoswall-cache/")} == wall_before
    assert (tmp_path / "site" / MARKER).is_file()


# --- kill -9 in the middle of writing ------------------------------------------------------------

def big_wall(root: Path, count: int) -> Path:
    """A valid wall with `count` kudos among 40 people, written directly (fast)."""
    people: dict[str, Any] = {f"p{i:02d}": {"name": f"Person {i:02d}", "skills": ["Go", "Design"]} for i in range(40)}
    make_wall(root, people=people, kudos={})
    kudos_dir = root / "content" / "kudos"
    for index in range(count):
        front = {"from": f"p{index % 40:02d}", "to": f"p{(index * 7 + 1) % 40:02d}", "date": "2024-05-01",
                 "relationship": "same-team", "skills": ["Go"], "title": f"Kudos number {index}"}
        body = f"Kudos {index}. " + "They made the release calm and the reviews kind. " * 6
        (kudos_dir / f"2024-05-01-k{index:05d}.md").write_text(f"---\n{dump_yaml(front)}---\n{body}\n")
    return root


def files_written_since(folder: Path, started_ns: int) -> int:
    count = 0
    for directory, _, names in os.walk(folder):
        for name in names:
            try:
                if os.lstat(os.path.join(directory, name)).st_mtime_ns >= started_ns:
                    count += 1
            except FileNotFoundError:
                pass
    return count


def wait_until(condition: Callable[[], bool], process: subprocess.Popen[bytes], limit_s: float) -> bool:
    """Poll `condition` while the process runs; False if it ended (or took too long) first."""
    deadline = time.monotonic() + limit_s
    while process.poll() is None and time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.01)
    return False


def wait_for_group_to_end(group: int, limit_s: float = 20.0) -> bool:
    """True once no process is left in the process group (workers die with their build)."""
    deadline = time.monotonic() + limit_s
    while time.monotonic() < deadline:
        try:
            os.killpg(group, 0)
        except ProcessLookupError:
            return True
        time.sleep(0.05)
    return False


@pytest.mark.slow
def test_a_build_killed_mid_write_leaves_the_previous_site_byte_identical(tmp_path: Path) -> None:
    root = big_wall(tmp_path / "wall", 3000)
    site = tmp_path / "site"
    kudos_dir = root / "content" / "kudos"
    hidden = tmp_path / "hidden"
    hidden.mkdir()
    for path in sorted(kudos_dir.iterdir())[5:]:  # the previous site: a small wall, built in-process
        path.rename(hidden / path.name)
    build_site(load_config(root), site, use_cache=False)
    before = manifest(site)
    for path in hidden.iterdir():
        path.rename(kudos_dir / path.name)

    started_ns = time.time_ns()
    process = subprocess.Popen(
        [sys.executable, "-m", "kudoswall", "build", "--source", str(root), "--output", str(site)],
        cwd=REPO, env={**os.environ, "PYTHONPATH": str(REPO)}, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
        start_new_session=True)  # its own process group, so its workers can be cleaned up after the test
    try:
        staging = staging_dir(site)
        mid_write = wait_until(lambda: files_written_since(staging, started_ns) >= 200, process, limit_s=300)
        assert mid_write, f"the build ended before it was caught writing: {process.stderr and process.stderr.read()!r}"
        with pytest.raises(OutputLocked), SiteWriter(site):  # while it writes, a second build is refused
            pass
        os.kill(process.pid, signal.SIGKILL)  # the build itself, not its workers: the harsher case
        process.wait()
        assert process.returncode == -signal.SIGKILL
        assert files_written_since(staging, started_ns) >= 200  # it really was writing
        assert manifest(site) == before
        with SiteWriter(site):  # the lock died with the build
            pass
        assert wait_for_group_to_end(process.pid), "the build's workers outlived it"
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGKILL)
        process.wait()
