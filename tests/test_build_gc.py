"""A build freezes the collector's view of the wall while it runs, and always thaws it after."""

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

    def watched(*args: object, **kwargs: object) -> object:
        frozen_while_planning.append(gc.get_freeze_count())
        return plan_outputs(*args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(build, "plan_outputs", watched)
    build_site(config, tmp_path / "out", use_cache=False)
    assert frozen_while_planning and frozen_while_planning[0] > 1000
    assert gc.get_freeze_count() == 0


def test_a_build_that_fails_after_loading_thaws_it_too(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    shutil.copytree(FIXTURES / "small-wall", tmp_path / "wall")
    config = load_config(tmp_path / "wall")

    def broken(*args: object, **kwargs: object) -> object:
        raise RuntimeError("planning failed")

    monkeypatch.setattr(build, "plan_outputs", broken)
    with pytest.raises(RuntimeError):
        build_site(config, tmp_path / "out", use_cache=False)
    assert gc.get_freeze_count() == 0
