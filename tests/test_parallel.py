"""Work spread over forked workers: same results in order, and the collector's state left as found."""

from __future__ import annotations

import gc
from collections.abc import Iterator

import pytest

from kudoswall.parallel import MIN_ITEMS_PER_WORKER, chunks, run_chunked

COUNT = 3 * MIN_ITEMS_PER_WORKER


def squares(start: int, end: int) -> list[int]:
    return [n * n for n in range(start, end)]


@pytest.fixture
def thawed() -> Iterator[None]:
    gc.unfreeze()
    yield
    gc.unfreeze()


@pytest.mark.parametrize("jobs", [1, 2])
def test_results_come_back_in_order(jobs: int) -> None:
    assert [n for chunk in run_chunked(squares, COUNT, jobs) for n in chunk] == [n * n for n in range(COUNT)]


@pytest.mark.usefixtures("thawed")
def test_objects_frozen_by_the_caller_stay_frozen() -> None:
    gc.freeze()
    frozen = gc.get_freeze_count()
    assert frozen > 0
    list(run_chunked(squares, COUNT, 2))
    assert gc.get_freeze_count() >= frozen


@pytest.mark.usefixtures("thawed")
def test_a_caller_that_froze_nothing_finds_nothing_frozen() -> None:
    list(run_chunked(squares, COUNT, 2))
    assert gc.get_freeze_count() == 0


@pytest.mark.parametrize("count", [0, 1, 15, 100, 10_000, 100_000])
@pytest.mark.parametrize("jobs", [1, 2, 8])
def test_ranges_cover_every_item_once_and_shrink_towards_the_end(count: int, jobs: int) -> None:
    ranges = chunks(count, jobs)
    assert [n for start, end in ranges for n in range(start, end)] == list(range(count))
    sizes = [end - start for start, end in ranges]
    assert all(size <= 512 for size in sizes)
    assert sizes == sorted(sizes, reverse=True) or count <= 16  # never a large range after a small one
    if count >= 10_000:  # the last quarter of a worker's share: no worker waits long on another
        assert sizes[0] == min(512, count // (jobs * 4)) and max(sizes[-jobs:]) <= 16
