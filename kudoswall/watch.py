"""Watching a wall for `serve`: which file events matter, and when a burst of them is over.

Events are sorted Zola-style by what they can affect (config, templates, static files, the
theme, content, git history), editor litter is dropped, and a debouncer turns a burst — an atomic save, a
`git checkout` of 200 files — into one batch. The clock is injectable so tests need no sleeps.
The output folder is never watched: only the folders the build reads are, so no rebuild loops.
"""

from __future__ import annotations

import os
import re
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path, PurePath
from typing import Literal

from watchdog.events import (
    EVENT_TYPE_CLOSED_NO_WRITE,
    EVENT_TYPE_MODIFIED,
    EVENT_TYPE_MOVED,
    EVENT_TYPE_OPENED,
    FileSystemEvent,
    FileSystemEventHandler,
)
from watchdog.observers import Observer
from watchdog.observers.api import BaseObserver, ObservedWatch

from .config import CONFIG_FILE, Config
from .history import run_git
from .text import is_editor_temp_file
from .theme_dirs import WALL_STATIC, WALL_TEMPLATES

ChangeKind = Literal["config", "template", "static", "theme", "content", "history"]
LOCK_FILE = "kudoswall.lock"  # read by the build (permanence), so a change to it is a content change

# Beyond kudoswall.text's list: Chrome's File System Access swap files, Kate's swap files,
# and the temporary files of `sed -i` and of downloads in progress.
_MORE_TEMP = re.compile(r"(\.crswap$)|(\.kate-swp$)|(^sed[A-Za-z0-9]{6}$)|(\.part$)")
# Reading a file (which the build does) must not look like a change to it.
_READ_ONLY_EVENTS = frozenset({EVENT_TYPE_OPENED, EVENT_TYPE_CLOSED_NO_WRITE})


def is_temp_name(name: str) -> bool:
    """Files editors, git and tools write next to the real ones and never mean as content."""
    return is_editor_temp_file(name) or bool(_MORE_TEMP.search(name))


@dataclass(frozen=True, slots=True)
class Change:
    kind: ChangeKind
    path: str  # relative to the wall root when inside it, else absolute


@dataclass(frozen=True)
class ChangeBatch:
    """The changes of one burst, each path once, in the order first seen."""

    changes: tuple[Change, ...]

    @property
    def kinds(self) -> frozenset[ChangeKind]:
        return frozenset(change.kind for change in self.changes)

    def describe(self, limit: int = 3) -> str:
        paths = [change.path for change in self.changes]
        shown = ", ".join(paths[:limit])
        return shown + (f" and {len(paths) - limit} more" if len(paths) > limit else "")


@dataclass(frozen=True)
class GitRefs:
    """Where a commit, a checkout or a reset shows without any file of the wall changing: HEAD, and
    the branch it points at. The pages show each kudos' revisions, dates and verified author from
    git, so the preview has to notice these too."""

    head: Path  # <git dir>/HEAD (a linked worktree has its own)
    common: Path  # the repository's shared folder: refs/heads/ and packed-refs

    @classmethod
    def of(cls, root: Path) -> GitRefs | None:
        """None outside a checkout, or with a git too old to print absolute paths (before 2.31)."""
        output = run_git(root, "rev-parse", "--path-format=absolute", "--git-dir", "--git-common-dir")
        lines = output.splitlines() if output is not None else []
        if len(lines) != 2 or not all(os.path.isabs(line) for line in lines):
            return None
        return cls(Path(os.path.normpath(lines[0])) / "HEAD", Path(os.path.normpath(lines[1])))

    def folders(self) -> list[tuple[Path, bool]]:
        """HEAD's and packed-refs' folders alone (not objects/, logs/…), and the branches under them."""
        shared = [] if self.common == self.head.parent else [(self.common, False)]
        return [(self.head.parent, False), *shared, (self.common / "refs" / "heads", True)]

    def moved(self, path: PurePath) -> bool:
        """Is `path` HEAD or a branch? Git writes each through a `.lock` file renamed over it."""
        if path.name.endswith(".lock"):
            return False
        return path in (self.head, self.common / "packed-refs") or _inside(path, self.common / "refs" / "heads")


@dataclass(frozen=True)
class WatchLayout:
    """The folders a build reads, and the one it writes (which is never watched)."""

    root: Path
    content: Path
    theme: Path
    output: Path
    git: GitRefs | None = None

    @classmethod
    def of(cls, config: Config, theme_dir: Path) -> WatchLayout:
        root = config.root.resolve()
        return cls(root, (root / config.content_dir).resolve(), theme_dir.resolve(),
                   (root / config.output_dir).resolve(), GitRefs.of(root))

    @classmethod
    def fallback(cls, root: Path, theme_dir: Path) -> WatchLayout:
        """Before kudoswall.yaml is readable: the default folders."""
        root = root.resolve()
        return cls(root, root / "content", theme_dir.resolve(), root / "site", GitRefs.of(root))

    def watched_folders(self) -> list[tuple[Path, bool]]:
        """(folder, recursive): the root alone for kudoswall.yaml, then each input folder, then git's refs."""
        folders = [(self.root, False), (self.content, True), (self.root / WALL_TEMPLATES, True),
                   (self.root / WALL_STATIC, True), (self.theme, True)]
        folders = [(folder, recursive) for folder, recursive in folders
                   if not (recursive and (folder == self.output or _inside(folder, self.output)))]
        return folders + [entry for entry in (self.git.folders() if self.git else []) if entry not in folders]

    def classify(self, path: str) -> Change | None:
        """What a change to `path` can affect, or None when it cannot affect the site."""
        absolute = PurePath(os.path.normpath(path))
        inside_root = _inside(absolute, self.root)
        shown = absolute.relative_to(self.root).as_posix() if inside_root else str(absolute)
        if self.git is not None and self.git.moved(absolute):
            return Change("history", shown)
        if is_temp_name(absolute.name) or _inside(absolute, self.output) or absolute == self.output:
            return None
        folders: tuple[tuple[Path, ChangeKind], ...] = (
            (self.content, "content"), (self.root / WALL_TEMPLATES, "template"),
            (self.root / WALL_STATIC, "static"), (self.theme, "theme"))
        for folder, kind in folders:
            if absolute == folder:
                return Change(kind, shown)  # the whole folder appeared or went away
            if _inside(absolute, folder):
                if any(part.startswith(".") for part in absolute.relative_to(folder).parts):
                    return None  # hidden files, .git, staging folders: the build skips them too
                return Change(kind, shown)
        if absolute == self.root / CONFIG_FILE:
            return Change("config", shown)
        if absolute == self.root / LOCK_FILE:
            return Change("content", shown)
        return None


def _inside(path: PurePath, folder: PurePath) -> bool:
    """Component by component, so site-leak is not inside site."""
    return path != folder and path.is_relative_to(folder)


class Debouncer:
    """Collects changes until `quiet` seconds pass without one, or `max_wait` after the first."""

    def __init__(self, quiet: float = 0.1, max_wait: float = 1.0, clock: Callable[[], float] = time.monotonic) -> None:
        self.quiet, self.max_wait, self.clock = quiet, max_wait, clock
        self._pending: dict[str, Change] = {}
        self._first = self._last = 0.0

    def add(self, changes: Iterable[Change]) -> None:
        now = self.clock()
        for change in changes:
            if not self._pending:
                self._first = now
            self._last = now
            self._pending.setdefault(change.path, change)

    def seconds_left(self) -> float | None:
        """None when nothing is pending; else how long until the batch is due (0: due now)."""
        if not self._pending:
            return None
        due = min(self._last + self.quiet, self._first + self.max_wait)
        return max(0.0, due - self.clock())

    def take(self) -> ChangeBatch | None:
        if self.seconds_left() != 0.0:
            return None
        batch = ChangeBatch(tuple(self._pending.values()))
        self._pending.clear()
        return batch


@dataclass
class EventSorter:
    """Turns watchdog events into changes for the debouncer; kept apart from threads for tests."""

    layout: WatchLayout
    debouncer: Debouncer = field(default_factory=Debouncer)

    def changes(self, event: FileSystemEvent) -> list[Change]:
        if event.event_type in _READ_ONLY_EVENTS:
            return []
        if event.is_directory and event.event_type == EVENT_TYPE_MODIFIED:
            return []  # a file inside was added or removed; that file has its own event
        paths = [event.src_path]
        if event.event_type == EVENT_TYPE_MOVED and event.dest_path:
            paths.append(event.dest_path)  # an atomic save renames a temp file over the real one
        found = []
        for raw in paths:
            text = os.fsdecode(raw)
            change = self.layout.classify(text)
            if change is not None:
                found.append(change)
        return found

    def feed(self, event: FileSystemEvent) -> bool:
        found = self.changes(event)
        self.debouncer.add(found)
        return bool(found)


class WallWatcher:
    """Watches a wall's input folders and calls `on_batch` once per burst, on its own thread.

    Batches are handled one at a time: changes made during a rebuild form the next batch.
    """

    def __init__(self, layout: WatchLayout, on_batch: Callable[[ChangeBatch], None],
                 quiet: float = 0.1, max_wait: float = 1.0) -> None:
        self._sorter = EventSorter(layout, Debouncer(quiet, max_wait))
        self._on_batch = on_batch
        self._cond = threading.Condition()
        self._stopping = False
        self._observer: BaseObserver = Observer()
        self._watches: dict[Path, tuple[ObservedWatch, int]] = {}
        self._gone = False  # the wall's folder itself could not be watched: looked for every second
        self._thread = threading.Thread(target=self._run, name="kudoswall-watch", daemon=True)
        self._handler = _Forwarder(self)

    @property
    def layout(self) -> WatchLayout:
        return self._sorter.layout

    def start(self) -> None:
        self._sync_watches()
        self._observer.start()
        self._thread.start()

    def stop(self) -> None:
        with self._cond:
            self._stopping = True
            self._cond.notify_all()
        self._observer.stop()
        self._observer.join(timeout=1.0)
        self._thread.join(timeout=1.0)

    def relayout(self, layout: WatchLayout) -> None:
        """Watch other folders after kudoswall.yaml moved content, theme or output."""
        with self._cond:
            self._sorter.layout = layout
        self._sync_watches()

    def event(self, event: FileSystemEvent) -> None:
        with self._cond:
            if self._sorter.feed(event):
                self._cond.notify_all()

    def _sync_watches(self) -> None:
        """Watch each input folder that exists; re-watch one that was deleted and made again."""
        wanted = {}
        for folder, recursive in self.layout.watched_folders():
            try:
                wanted[folder] = (recursive, folder.stat().st_ino)
            except OSError:
                continue
        for folder, (watch, inode) in list(self._watches.items()):
            if folder not in wanted or wanted[folder][1] != inode:
                self._observer.unschedule(watch)
                del self._watches[folder]
        for folder, (recursive, inode) in wanted.items():
            if folder not in self._watches:
                try:
                    watch = self._observer.schedule(self._handler, str(folder), recursive=recursive)
                except OSError:
                    continue  # vanished in between; the next batch tries again
                self._watches[folder] = (watch, inode)
        # with the wall's folder gone (renamed away, say) no event can come to say it is back
        self._gone = self.layout.root not in self._watches

    def _run(self) -> None:
        while True:
            with self._cond:
                batch = None
                while batch is None and not self._stopping:
                    left = self._sorter.debouncer.seconds_left()
                    if self._gone and self.layout.root.is_dir():
                        break  # the wall's folder is back: watch it again and rebuild it all
                    if left is None or left > 0:
                        self._cond.wait(min(left or 1.0, 1.0) if self._gone else left)
                    else:
                        batch = self._sorter.debouncer.take()
                if self._stopping:
                    return
            self._sync_watches()
            self._on_batch(batch or ChangeBatch((Change("config", CONFIG_FILE),)))


class _Forwarder(FileSystemEventHandler):
    def __init__(self, watcher: WallWatcher) -> None:
        self._watcher = watcher

    def on_any_event(self, event: FileSystemEvent) -> None:
        self._watcher.event(event)
