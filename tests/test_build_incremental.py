"""Clean, cached and incremental builds of the same content give byte-identical output."""

from __future__ import annotations

import importlib.util
import os
import re
import shutil
import sys
from pathlib import Path
from types import ModuleType
from typing import ClassVar

import pytest

from kudoswall import cache
from kudoswall.build import build_site, load_wall, plan_outputs
from kudoswall.cli import main
from kudoswall.config import load_config
from kudoswall.theme import Theme, resolve_theme_dir

REPO = Path(__file__).resolve().parent.parent
KUDOS = 200


def _generator() -> ModuleType:
    spec = importlib.util.spec_from_file_location("bench_generate", REPO / "bench" / "generate.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up while the class is made
    spec.loader.exec_module(module)
    return module


pytestmark = pytest.mark.usefixtures("private_cache_key")


@pytest.fixture(scope="module")
def generated_wall(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("generated") / "wall"
    _generator().generate(KUDOS, root, "kudoswall")
    with (root / "kudoswall.yaml").open("a", encoding="utf-8") as config:
        config.write("share_images: false\n")  # PNG drawing is tested elsewhere and dominates the time
    return root


@pytest.fixture
def wall(generated_wall: Path, tmp_path: Path) -> Path:
    root = tmp_path / "wall"
    shutil.copytree(generated_wall, root)
    return root


def tree(root: Path) -> dict[str, bytes]:
    """Every file under root by relative path (the staging and lock files live beside it)."""
    files = {}
    for directory, _, names in os.walk(root):
        for name in names:
            path = Path(directory) / name
            files[path.relative_to(root).as_posix()] = path.read_bytes()
    return files


def mtimes(root: Path) -> dict[str, int]:
    return {rel: (root / rel).stat().st_mtime_ns for rel in tree(root)}


def build(wall: Path, output: Path, jobs: int = 1, use_cache: bool = True) -> tuple[int, int]:
    report = build_site(load_config(wall), output, jobs=jobs, use_cache=use_cache)
    return report.changed, report.unchanged


def edit_one(wall: Path) -> None:
    target = sorted((wall / "content" / "kudos").glob("*.md"))[KUDOS // 2]
    with target.open("a", encoding="utf-8") as handle:
        handle.write("\nEdited: one *more* sentence.\n")


def fresh_copy(wall: Path, tmp_path: Path, name: str) -> Path:
    copy = tmp_path / name
    shutil.copytree(wall, copy, ignore=shutil.ignore_patterns(cache.CACHE_DIR))
    return copy


def test_clean_cached_and_incremental_builds_are_identical(wall: Path, tmp_path: Path) -> None:
    output = tmp_path / "site"
    build(wall, output)
    first = tree(output)
    assert (wall / cache.CACHE_DIR / "parse.bin").is_file()

    changed, unchanged = build(wall, output)  # nothing changed: every file kept, none touched
    units = [path for path in first if not path.startswith("pagefind/")]  # Pagefind's bundle is no unit
    assert (changed, unchanged) == (0, len(units) - 1)  # all but the writer's marker file
    before = mtimes(output)
    build(wall, output)
    assert tree(output) == first
    assert mtimes(output) == before

    edit_one(wall)
    changed, _ = build(wall, output)  # incremental: staging is an older tree than the output
    assert 0 < changed < len(first) // 10
    build(wall, output)  # and once more, now from the other tree
    incremental = tree(output)
    assert incremental != first

    clean_output = tmp_path / "clean-site"
    build(fresh_copy(wall, tmp_path, "clean-wall"), clean_output, use_cache=False)
    assert tree(clean_output) == incremental


def test_an_edit_only_a_persons_chart_shows_rebuilds_their_page(wall: Path, tmp_path: Path) -> None:
    """A profile lists only the newest kudos, but its chart counts all of them: moving the oldest
    kudos to an earlier year changes no listed card, and still changes the page."""
    config = load_config(wall)
    loaded = load_wall(config).wall
    recipient = max(loaded.received, key=lambda handle: len(loaded.received[handle]))
    assert len(loaded.received[recipient]) > config.per_page  # so the profile lists only some of them
    kudos = loaded.received[recipient][-1]  # their oldest: on no card of the profile
    oldest = wall / kudos.source
    output = tmp_path / "site"
    build(wall, output)
    text = oldest.read_text(encoding="utf-8")
    year = kudos.date.year
    oldest.write_text(text.replace(f"date: {year}-", f"date: {year - 3}-", 1), encoding="utf-8")
    build(wall, output)
    clean_output = tmp_path / "clean-site"
    build(fresh_copy(wall, tmp_path, "clean-wall"), clean_output, use_cache=False)
    page = f"people/{recipient}/index.html"
    assert (output / page).read_bytes() == (clean_output / page).read_bytes()
    assert tree(output) == tree(clean_output)


def test_a_person_with_no_kudos_and_a_respelled_skill_reach_the_stats_page(wall: Path, tmp_path: Path) -> None:
    """The stats page counts everyone and names skills as people's files spell them: neither is a kudos."""
    output = tmp_path / "site"
    build(wall, output)
    newcomer = wall / "content" / "people" / "zz-newcomer.yaml"
    newcomer.write_text("kind: person\nname: Zed Newcomer\nskills: [Knitting]\n", encoding="utf-8")
    build(wall, output)
    clean_output = tmp_path / "clean-site"
    build(fresh_copy(wall, tmp_path, "clean-wall"), clean_output, use_cache=False)
    assert (output / "stats/index.html").read_bytes() == (clean_output / "stats/index.html").read_bytes()
    assert tree(output) == tree(clean_output)


def test_a_damaged_search_bundle_is_written_again(wall: Path, tmp_path: Path) -> None:
    """Pagefind's files are no units, yet a file of them edited or removed by hand is noticed too."""
    output = tmp_path / "site"
    build(wall, output)
    first = tree(output)
    bundle = sorted(path for path in first if path.startswith("pagefind/fragment/"))
    assert bundle and "pagefind/pagefind-entry.json" in first
    (output / bundle[0]).unlink()
    (output / "pagefind/pagefind-entry.json").write_text("garbage", encoding="utf-8")
    build(wall, output)
    assert tree(output) == first
    before = mtimes(output)
    build(wall, output)  # and, repaired, it is the whole build again: nothing is touched
    assert mtimes(output) == before


def test_output_edited_by_hand_is_repaired_not_trusted(wall: Path, tmp_path: Path) -> None:
    output = tmp_path / "site"
    build(wall, output)
    expected = tree(output)
    page = next(rel for rel in expected if rel.startswith("k/") and rel.endswith("index.html"))
    (output / page).write_bytes(b"defaced")
    (output / "robots.txt").unlink()
    build(wall, output)
    assert tree(output) == expected


def _corrupt(path: Path, how: str) -> None:
    data = path.read_bytes()
    if how == "truncate":
        path.write_bytes(data[: len(data) // 2])
    elif how == "garble":
        middle = len(data) // 2
        path.write_bytes(data[:middle] + bytes(b ^ 0x5A for b in data[middle : middle + 64]) + data[middle + 64 :])
    else:
        path.write_bytes(b"")


@pytest.mark.parametrize("how", ["truncate", "garble", "empty"])
def test_corrupt_cache_is_ignored(wall: Path, tmp_path: Path, how: str) -> None:
    output = tmp_path / "site"
    build(wall, output)
    edit_one(wall)
    for path in (wall / cache.CACHE_DIR).iterdir():
        _corrupt(path, how)
    build(wall, output)
    clean_output = tmp_path / "clean-site"
    build(fresh_copy(wall, tmp_path, "clean-wall"), clean_output, use_cache=False)
    assert tree(output) == tree(clean_output)


def test_cache_from_other_code_or_key_is_ignored(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    folder = tmp_path / "cache"
    folder.mkdir()
    cache.store(folder, "x.bin", "scope", {"answer": 42})
    assert cache.load(folder, "x.bin", "scope") == {"answer": 42}
    assert cache.load(folder, "x.bin", "other scope") is None
    monkeypatch.setattr(cache, "code_digest", lambda: "another version of kudoswall")
    assert cache.load(folder, "x.bin", "scope") is None
    monkeypatch.undo()
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "another-user"))
    cache._secret.cache_clear()
    assert cache.load(folder, "x.bin", "scope") is None  # written with someone else's key


class _Exploit:
    ran: ClassVar[list[str]] = []

    def __reduce__(self) -> tuple[object, tuple[str]]:
        return (_Exploit.ran.append, ("unpickled",))


def test_forged_cache_is_never_unpickled(tmp_path: Path) -> None:
    """A cache committed by someone else (say, in a pull request built by CI) is not loaded."""
    import pickle

    folder = tmp_path / "cache"
    folder.mkdir()
    payload = pickle.dumps((cache.code_digest(), "scope", _Exploit()))
    (folder / "x.bin").write_bytes(b"KWCACHE1" + bytes(32) + payload)
    assert cache.load(folder, "x.bin", "scope") is None
    assert _Exploit.ran == []


def test_symlinked_cache_folder_is_not_used(tmp_path: Path) -> None:
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    (tmp_path / "wall").mkdir()
    (tmp_path / "wall" / cache.CACHE_DIR).symlink_to(elsewhere)
    assert cache.cache_dir(tmp_path / "wall") is None


def test_jobs_and_folders_do_not_change_output(wall: Path, tmp_path: Path) -> None:
    serial, parallel = tmp_path / "serial", tmp_path / "parallel"
    build(wall, serial, jobs=1, use_cache=False)
    other_wall = fresh_copy(wall, tmp_path, "elsewhere-wall")
    build(other_wall, parallel, jobs=2, use_cache=False)
    assert tree(serial) == tree(parallel)
    build(other_wall, tmp_path / "parallel-cached", jobs=2)  # parses in workers, then from the cache
    build(other_wall, tmp_path / "parallel-cached", jobs=2)
    assert tree(tmp_path / "parallel-cached") == tree(serial)


def test_cli_prints_one_summary_line(wall: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code = main(["build", "--source", str(wall), "--output", str(tmp_path / "site"), "--jobs", "2"])
    assert code == 0
    lines = [line for line in capsys.readouterr().out.splitlines() if line.startswith("Built")]
    assert len(lines) == 1
    assert re.fullmatch(rf"Built {KUDOS} kudos into [\d,]+ pages in \d+\.\d s \(0 of [\d,]+ files unchanged\)",
                        lines[0])


def test_cli_rejects_negative_jobs(wall: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["build", "--source", str(wall), "--jobs", "-1"]) == 2
    assert "--jobs" in capsys.readouterr().err



def test_a_fresh_walls_second_build_rerenders_only_what_names_the_lock(tmp_path: Path) -> None:
    """The first build writes kudoswall.lock; the second finds every kudos there with the dates its
    page already shows, so only kudos.json (which names where history came from) is rendered again."""
    wall = tmp_path / "wall"
    shutil.copytree(REPO / "tests" / "fixtures" / "small-wall", wall)

    def planned() -> dict[str, str]:
        config = load_config(wall)
        units = plan_outputs(load_wall(config).wall, config, Theme(config, resolve_theme_dir(config)))
        return {unit.path: unit.fingerprint for unit in units}

    before = planned()
    output = tmp_path / "site"
    assert main(["build", "--source", str(wall), "--output", str(output)]) == 0
    assert (wall / "kudoswall.lock").is_file()
    first = tree(output)
    after = planned()
    assert after.keys() == before.keys()
    assert [path for path in before if before[path] != after[path]] == ["kudos.json"]
    assert main(["build", "--source", str(wall), "--output", str(output)]) == 0
    second = tree(output)
    assert [path for path in first if first[path] != second[path]] == ["kudos.json"]
    assert b'"source": "lock"' in second["kudos.json"] and b'"source": "lock"' not in first["kudos.json"]


def test_a_file_keeps_its_time_while_its_bytes_stay_and_gets_a_newer_one_when_they_change(
        wall: Path, tmp_path: Path) -> None:
    """The live site and staging take turns: an unchanged file's time flipped between the two
    copies' on every build with any change (rsync and CDNs saw every file change), and a file
    changed back to what it was two builds ago took that build's, older, time (If-Modified-Since)."""
    output = tmp_path / "site"
    build(wall, output)
    target = sorted((wall / "content" / "kudos").glob("*.md"))[KUDOS // 2]
    original = target.read_text("utf-8")
    for round_number, text in enumerate([original + "\nOne more sentence.\n", original, original + "\nAgain.\n"]):
        before_bytes, before_times = tree(output), mtimes(output)
        os.utime(output / "robots.txt", ns=(1_000_000_000, 1_000_000_000))  # the deployed copy's time, say
        before_times["robots.txt"] = 1_000_000_000
        target.write_text(text, "utf-8")
        changed, _ = build(wall, output)
        after_bytes, after_times = tree(output), mtimes(output)
        same = [rel for rel in after_bytes if before_bytes.get(rel) == after_bytes[rel]]
        moved = [rel for rel in after_bytes if before_bytes.get(rel) != after_bytes[rel]]
        assert moved and len(same) > 10 * len(moved), round_number
        assert {rel: after_times[rel] for rel in same} == {rel: before_times[rel] for rel in same}, round_number
        assert all(after_times[rel] > max(before_times.values()) for rel in moved), round_number
        units = [rel for rel in moved if not rel.startswith("pagefind/") and rel != ".kudoswall-site"]
        assert changed == len(units), round_number  # counted against the live site, not staging
