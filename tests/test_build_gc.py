"""A build freezes the collector's view of the wall while it runs, and always thaws it after; it pauses
automatic collections while it reads and plans the wall, never in workers, and leaves them as it found them."""

from __future__ import annotations

import gc
import shutil
from pathlib import Path

import pytest

from kudoswall import build
from kudoswall.build import build_site
from kudoswall.config import load_config

FIXTURES = Path(__file__).parent / "fixtures"


def test_the_wall_is_frozen_while_planning_and_thawed_after(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    shutil.copytree(FIXTURES / "small-wall", tmp_path / "wall")
    config = load_config(tmp_path / "wall")
    plan_outputs = build.plan_outputs
    frozen_while_planning: list[int] = []

    collecting_while_planning: list[bool] = []

    def watched(*args: object, **kwargs: object) -> object:
        frozen_while_planning.append(gc.get_freeze_count())
        collecting_while_planning.append(gc.isenabled())
        return plan_outputs(*args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(build, "plan_outputs", watched)
    build_site(config, tmp_path / "out", use_cache=False)
    assert frozen_while_planning and frozen_while_planning[0] > 1000
    assert collecting_while_planning == [False]
    assert gc.get_freeze_count() == 0 and gc.isenabled()


def test_a_build_that_fails_after_loading_thaws_it_too(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    shutil.copytree(FIXTURES / "small-wall", tmp_path / "wall")
    config = load_config(tmp_path / "wall")

    def broken(*args: object, **kwargs: object) -> object:
        raise RuntimeError("planning failed")

    monkeypatch.setattr(build, "plan_outputs", broken)
    with pytest.raises(RuntimeError):
        build_site(config, tmp_path / "out", use_cache=False)
    assert gc.get_freeze_count() == 0 and gc.isenabled()


def test_a_caller_that_paused_collections_finds_them_paused(tmp_path: Path) -> None:
    shutil.copytree(FIXTURES / "small-wall", tmp_path / "wall")
    gc.disable()
    try:
        build_site(load_config(tmp_path / "wall"), tmp_path / "out", use_cache=False)
        assert not gc.isenabled()
    finally:
        gc.enable()


def test_workers_collect_their_own_garbage_while_the_parent_pauses() -> None:
    """A worker parses 50,000 files of a 100,000-kudos wall, each leaving a small cycle."""
    from kudoswall.parallel import MIN_ITEMS_PER_WORKER, run_chunked

    gc.disable()
    try:
        seen = list(run_chunked(lambda start, end: gc.isenabled(), 4 * MIN_ITEMS_PER_WORKER, 2))
    finally:
        gc.enable()
    assert seen and all(seen)
