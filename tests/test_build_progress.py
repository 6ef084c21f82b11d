"""What a build shows: a progress line only on a terminal after about a second, and one summary line."""

from __future__ import annotations

import datetime as dt
import io

import pytest

from kudoswall import clock
from kudoswall.progress import SHOW_AFTER, TerminalProgress, summary_line


def test_summary_line_format() -> None:
    assert summary_line(10_000, 10_412, 11_024, 11_020, 3.14) == (
        "Built 10,000 kudos into 10,412 pages in 3.1 s (11,020 of 11,024 files unchanged)"
    )
    assert summary_line(1, 1, 3, 0, 0.04).startswith("Built 1 kudos into 1 page in 0.0 s")


def test_progress_stays_quiet_for_short_builds() -> None:
    stream = io.StringIO()
    progress = TerminalProgress(stream)
    progress.start("Writing", 10)
    progress.advance(5)
    progress.finish()
    assert stream.getvalue() == ""


def test_progress_redraws_one_line_and_clears_it() -> None:
    stream = io.StringIO()
    progress = TerminalProgress(stream)
    progress.started -= SHOW_AFTER + 1  # as if the build had been running for a while
    progress.start("Writing", 2_000)
    progress.last_drawn = 0.0
    progress.advance(500)
    shown = stream.getvalue()
    assert shown.endswith("\r\033[KWriting 500/2,000 (25%)")
    assert "\n" not in shown
    progress.finish()
    assert stream.getvalue().endswith("\r\033[K")


def test_source_date_epoch_sets_today(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1700000000")
    assert clock.today() == dt.date(2023, 11, 14)
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "not a number")
    assert clock.today() == dt.datetime.now(dt.UTC).date()  # an invalid value is ignored
