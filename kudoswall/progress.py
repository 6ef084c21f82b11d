"""What a build shows while it runs: a progress line on a terminal, and a one-line summary.

The progress line appears only on a terminal and only once a build has run for about a second,
so short builds and logs (CI, pipes) stay quiet.
"""

from __future__ import annotations

import time
from typing import TextIO

SHOW_AFTER = 1.0
REDRAW_EVERY = 0.1


class Progress:
    """Counts work done per phase; a subclass decides whether and how to show it."""

    def __init__(self) -> None:
        self.phase = ""
        self.done = 0
        self.total = 0

    def start(self, phase: str, total: int) -> None:
        self.phase, self.done, self.total = phase, 0, total
        self.show()

    def advance(self, amount: int) -> None:
        self.done = min(self.total, self.done + amount)
        self.show()

    def show(self) -> None:
        """Nothing by default: library callers and tests get silent progress."""

    def finish(self) -> None:
        """Remove whatever show() left on the screen."""


class TerminalProgress(Progress):
    """Redraws one line in place on `stream`, which should be a terminal."""

    def __init__(self, stream: TextIO) -> None:
        super().__init__()
        self.stream = stream
        self.started = time.perf_counter()
        self.last_drawn = 0.0
        self.drawn = False

    def line(self) -> str:
        if self.total:
            percent = 100 * self.done // self.total
            return f"{self.phase} {self.done:,}/{self.total:,} ({percent}%)"
        return f"{self.phase}…"

    def show(self) -> None:
        now = time.perf_counter()
        if now - self.started < SHOW_AFTER or now - self.last_drawn < REDRAW_EVERY:
            return
        self.last_drawn = now
        self.stream.write("\r\033[K" + self.line())
        self.stream.flush()
        self.drawn = True

    def finish(self) -> None:
        if self.drawn:
            self.stream.write("\r\033[K")
            self.stream.flush()
            self.drawn = False


def summary_line(kudos: int, pages: int, files: int, unchanged: int, seconds: float) -> str:
    """`Built 10,000 kudos into 10,412 pages in 3.1 s (11,020 of 11,024 files unchanged)`."""
    return (f"Built {kudos:,} kudos into {pages:,} page{'' if pages == 1 else 's'} in {seconds:.1f} s "
            f"({unchanged:,} of {files:,} files unchanged)")
