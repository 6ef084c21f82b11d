"""What a build shows: a progress line only on a terminal after about a second, and one summary line."""

from __future__ import annotations

import datetime as dt
import io
from pathlib import Path

import pytest
from conftest import make_wall

from kudoswall import clock
from kudoswall.cli import main
from kudoswall.errors import UsageError
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
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "")
    assert clock.today() == dt.datetime.now(dt.UTC).date()  # set empty: as if unset


@pytest.mark.parametrize("value", ["not a number", "-1", "1e9", "１７００", "99999999999999999999"])
def test_a_malformed_source_date_epoch_stops_a_command_before_it_writes(
        value: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    """It fell back to the clock: a build that only looked reproducible (reproducible-builds.org asks for an error)."""
    monkeypatch.setenv("SOURCE_DATE_EPOCH", value)
    with pytest.raises(UsageError, match="is not a number of seconds since 1970-01-01 UTC"):
        clock.today()
    root = make_wall(tmp_path)
    assert main(["build", "--source", str(root), "--output", str(root / "site")]) == 2
    assert f"kudoswall: SOURCE_DATE_EPOCH={value!r} is not a number" in capsys.readouterr().err
    assert not (root / "site").exists() and not (root / "kudoswall.lock").exists()
