"""Spread independent work (parsing files, rendering pages) over worker processes.

Why fork and index ranges: the work items (source paths, output units with their render
closures) already exist in the parent; forked workers inherit them, so only small index ranges
go to the workers and only results come back — nothing large is pickled on the way in.
Where fork is unavailable, or for small jobs where starting workers costs more than it saves,
the work runs in this process and gives the same results in the same order.
"""

from __future__ import annotations

import collections
import contextlib
import ctypes
import ctypes.util
import gc
import itertools
import multiprocessing
import os
import signal
from collections.abc import Callable, Iterator
from typing import Any, TypeVar

Result = TypeVar("Result")
MIN_ITEMS_PER_WORKER = 64

_task: Callable[[int, int], Any] | None = None


def default_jobs() -> int:
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # pragma: no cover - not Linux
        return max(1, os.cpu_count() or 1)


_PR_SET_PDEATHSIG = 1


def _start_worker() -> None:
    """A worker whose build was killed (kill -9) stops at once instead of finishing its chunk.

    It collects its own garbage even when the parent paused collections (build_site does while it
    reads the wall): each parse leaves a small cycle, 50,000 in a worker at 100,000 kudos."""
    gc.enable()
    with contextlib.suppress(OSError, AttributeError):
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6", use_errno=True)
        libc.prctl(_PR_SET_PDEATHSIG, signal.SIGKILL)


def _run(bounds: tuple[int, int]) -> Any:
    assert _task is not None
    return _task(*bounds)


def chunks(count: int, jobs: int) -> list[tuple[int, int]]:
    """Consecutive index ranges covering `range(count)`: large enough to be cheap to hand over, and
    shrinking towards the end (a quarter of each worker's share of what is left), so the workers
    finish together: with equal ranges of 512, one worker sat idle for up to a range's time
    (0.25 s of a 5 s parse of 10,000 kudos) while the other finished its last."""
    ranges = []
    start = 0
    while start < count:
        size = max(16, min(512, (count - start) // (jobs * 4)))
        ranges.append((start, min(count, start + size)))
        start += size
    return ranges


def run_chunked(task: Callable[[int, int], Result], count: int, jobs: int,
                progress: Callable[[int], None] | None = None) -> Iterator[Result]:
    """Yield `task(start, end)` for consecutive ranges covering `range(count)`, in order.

    `task` runs in forked workers when `jobs` > 1 and there is enough work for them; it must
    only read state that existed before this call, and its results must be picklable.
    """
    global _task
    ranges = chunks(count, jobs)
    workers = min(jobs, count // MIN_ITEMS_PER_WORKER)
    if workers <= 1 or "fork" not in multiprocessing.get_all_start_methods():
        for start, end in ranges:
            yield task(start, end)
            if progress is not None:
                progress(end - start)
        return
    _task = task
    frozen_by_caller = gc.get_freeze_count() > 0  # build_site freezes the wall and the plan for the build
    gc.freeze()  # keeps inherited objects' pages shared instead of copied by the collector
    pool = multiprocessing.get_context("fork").Pool(workers, initializer=_start_worker)
    try:
        # At most two ranges a worker are handed over at a time, so that when one fails (a template
        # error) or the caller stops, the workers finish the few queued and the pool is closed, not
        # terminated: terminate() kills a worker wherever it is, maybe holding the result queue's
        # lock, and then the pool's own shutdown waits on that lock for ever (seen in CPython 3.11).
        feed = iter(ranges)
        waiting = collections.deque((span, pool.apply_async(_run, (span,)))
                                    for span in itertools.islice(feed, 2 * workers))
        while waiting:
            (start, end), handed = waiting.popleft()
            result = handed.get()
            if (span := next(feed, None)) is not None:
                waiting.append((span, pool.apply_async(_run, (span,))))
            yield result
            if progress is not None:
                progress(end - start)
        pool.close()
    except (Exception, GeneratorExit):
        pool.close()
        raise
    except BaseException:  # Ctrl-C: the workers got it too
        pool.terminate()
        raise
    finally:
        pool.join()
        _task = None
        if not frozen_by_caller:  # else the caller's unfreeze, later, thaws what this froze too
            gc.unfreeze()

