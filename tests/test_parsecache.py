"""The parse cache hands back models whose repeated small values are one object each, unchanged."""

from __future__ import annotations

import pickle
from collections.abc import Callable
from pathlib import Path

import pytest
from conftest import kudos_md, make_wall

from kudoswall import cache
from kudoswall.config import load_config
from kudoswall.load import ParseResult, list_source_files, parse_kudos, parse_person, read_source
from kudoswall.models import Kudos
from kudoswall.parsecache import PARSE_CACHE_FILE, ParseCache

pytestmark = pytest.mark.usefixtures("private_cache_key")

PEOPLE = {
    "ada": {"name": "Ada Okafor", "skills": ["Go", "Code review"]},
    "grace": {"name": "Grace Lindqvist", "skills": ["Go", "Code review"]},
}
KUDOS = {
    f"2024-05-0{day}-ada-on-grace-{day}": kudos_md(f"Grace did thing {day}.", date=f"2024-05-0{day % 2 + 1}",
                                                   context="Payments", skills=["Go", "Code review"],
                                                   tags=["reliability"], role={"from": "Lead", "to": "SRE"})
    for day in range(1, 7)
}


def parse_wall(root: Path, store: Path | None, cache_object: ParseCache | None = None, jobs: int = 1,
               meanwhile: Callable[[], None] | None = None) -> list[ParseResult]:
    config = load_config(root)
    people, kudos, _ = list_source_files(config)
    files = [(path, False) for path in people] + [(path, True) for path in kudos]
    return (cache_object or ParseCache()).parse_all(config, files, jobs=jobs, store=store, meanwhile=meanwhile)


def kudos_of(results: list[ParseResult]) -> list[Kudos]:
    return [result.kudos for result in results if result.kudos is not None]


def assert_shared(results: list[ParseResult]) -> None:
    kudos = kudos_of(results)
    first = kudos[0]
    people = {result.person.handle: result.person for result in results if result.person is not None}
    for other in kudos[1:]:
        for name in ("from_handle", "to_handle", "relationship", "status", "context", "role_from", "role_to"):
            assert getattr(other, name) is getattr(first, name), name
        assert all(mine is theirs for mine, theirs in zip(other.skills, first.skills, strict=True))
        assert other.tags[0] is first.tags[0]
    assert kudos[2].date is kudos[0].date  # the same day, parsed from two files
    assert first.from_handle is people["ada"].handle
    assert people["grace"].skills[0] is first.skills[0]  # a person's skill and a kudos' skill alike


def test_parsed_models_share_their_repeated_values(tmp_path: Path) -> None:
    results = parse_wall(make_wall(tmp_path / "wall", people=PEOPLE, kudos=KUDOS), store=None)
    assert_shared(results)


def test_models_from_the_disk_cache_share_their_repeated_values(tmp_path: Path) -> None:
    root = make_wall(tmp_path / "wall", people=PEOPLE, kudos=KUDOS)
    config = load_config(root)
    store = tmp_path / "cache"
    store.mkdir()
    entries = {}  # parsed one by one, each model with copies of its own (as worker processes return them)
    for path in [*sorted((root / "content" / "people").iterdir()), *sorted((root / "content" / "kudos").iterdir())]:
        source = read_source(config, path)
        result = (parse_kudos if path.suffix == ".md" else parse_person)(source, config)
        entries[source.rel_path] = (source.digest, pickle.loads(pickle.dumps(result)))
    cache.store_items(store, PARSE_CACHE_FILE, config.digest(), entries.items())
    cache_object = ParseCache()
    results = parse_wall(root, store, cache_object)
    assert cache_object.parsed == 0  # every model came from the disk cache
    assert_shared(results)
    assert results == [entry[1] for entry in entries.values()]


def test_sharing_changes_no_value(tmp_path: Path) -> None:
    root = make_wall(tmp_path / "wall", people=PEOPLE, kudos=KUDOS)
    config = load_config(root)
    shared = kudos_of(parse_wall(root, store=None))
    for kudos in shared:
        alone = parse_kudos(read_source(config, root / kudos.source), config).kudos
        assert alone is not None
        assert (alone.id, alone.skills, alone.tags, alone.date, alone.position_table) == (
            kudos.id, kudos.skills, kudos.tags, kudos.date, kudos.position_table)


@pytest.mark.parametrize("jobs", [1, 2])
def test_parses_from_workers_are_stored_as_they_arrive_and_read_back_whole(tmp_path: Path, jobs: int) -> None:
    """Workers read and parse the files no cache holds and pickle their batches once, for the trip
    and for the cache file; a later run takes every parse from that file, and after an edit the
    file holds the new parse and every one it took."""
    kudos = {f"2024-05-01-ada-on-grace-{n:03}": kudos_md(f"Grace did thing {n}.") for n in range(200)}
    root = make_wall(tmp_path / "wall", people=PEOPLE, kudos=kudos)  # over 128 files: two workers at jobs=2
    store = tmp_path / "cache"
    store.mkdir()
    first = ParseCache()
    parsed = parse_wall(root, store, first, jobs=jobs)
    assert first.parsed == len(parsed) == 202 and all(not result.problems for result in parsed)

    from_disk = ParseCache()
    assert parse_wall(root, store, from_disk, jobs=jobs) == parsed
    assert from_disk.parsed == 0

    edited = root / "content" / "kudos" / "2024-05-01-ada-on-grace-100.md"
    edited.write_text(kudos_md("Grace did it again."), encoding="utf-8")
    after_edit = ParseCache()
    results = parse_wall(root, store, after_edit, jobs=jobs)
    assert after_edit.parsed == 1
    assert [k.body_markdown for k in kudos_of(results)].count("Grace did it again.") == 1
    again = ParseCache()
    assert parse_wall(root, store, again, jobs=jobs) == results and again.parsed == 0


def test_a_file_that_cannot_be_read_fails_the_parse_and_leaves_no_cache_file(tmp_path: Path) -> None:
    """A read error in a worker is the caller's to report, not a cache write failure to swallow."""
    kudos = {f"2024-05-01-ada-on-grace-{n:03}": kudos_md(f"Grace did thing {n}.") for n in range(200)}
    root = make_wall(tmp_path / "wall", people=PEOPLE, kudos=kudos)
    config = load_config(root)
    people, kudos_paths, _ = list_source_files(config)
    files = [(path, False) for path in people] + [(path, True) for path in kudos_paths]
    kudos_paths[150].unlink()  # gone after the listing, before its worker reads it
    store = tmp_path / "cache"
    store.mkdir()
    with pytest.raises(FileNotFoundError):
        ParseCache().parse_all(config, [f for f in files if f[0] != kudos_paths[150]] + [(kudos_paths[150], True)],
                               jobs=2, store=store)
    assert list(store.iterdir()) == []


@pytest.mark.parametrize("count", [0, 3, 200])
def test_meanwhile_runs_once_and_while_workers_parse_when_there_are_any(tmp_path: Path, count: int) -> None:
    """build_site compiles the templates there: in the time this process only waits for batches."""
    import multiprocessing

    kudos = {f"2024-05-01-ada-on-grace-{n:03}": kudos_md(f"Grace did thing {n}.") for n in range(count)}
    root = make_wall(tmp_path / "wall", people=PEOPLE, kudos=kudos)
    workers_at_call: list[int] = []
    results = parse_wall(root, None, jobs=2,
                         meanwhile=lambda: workers_at_call.append(len(multiprocessing.active_children())))
    assert len(results) == count + 2
    assert len(workers_at_call) == 1
    assert (workers_at_call[0] > 0) == (count == 200)  # 200 files go to two workers; a few are parsed here
