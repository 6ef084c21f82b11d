"""Sorting file events for `serve`: what matters, editor litter, atomic saves and bursts.

The debouncer runs on a fake clock, so none of these tests sleeps (but the last, which uses
the real watchdog observer and waits for its batch)."""

from __future__ import annotations

import os
import shutil
import threading
from pathlib import Path

import pytest
from servekit import git_in
from watchdog.events import (
    DirModifiedEvent,
    FileClosedEvent,
    FileClosedNoWriteEvent,
    FileCreatedEvent,
    FileDeletedEvent,
    FileModifiedEvent,
    FileMovedEvent,
    FileOpenedEvent,
    FileSystemEvent,
)

from kudoswall.watch import (
    Change,
    ChangeBatch,
    Debouncer,
    EventSorter,
    GitRefs,
    WallWatcher,
    WatchLayout,
    is_temp_name,
)

ROOT = Path("/walls/team")
LAYOUT = WatchLayout(root=ROOT, content=ROOT / "content", theme=Path("/opt/themes/plain"), output=ROOT / "site")


class Recorder:
    """The batches a real watcher hands over, and a way to wait for the n-th one."""

    def __init__(self) -> None:
        self.batches: list[ChangeBatch] = []
        self._arrived = threading.Condition()

    def on_batch(self, batch: ChangeBatch) -> None:
        with self._arrived:
            self.batches.append(batch)
            self._arrived.notify_all()

    def wait_for(self, count: int) -> None:
        with self._arrived:
            assert self._arrived.wait_for(lambda: len(self.batches) >= count, 20.0), self.batches
KUDOS = str(ROOT / "content/kudos/2024-05-01-ada-on-grace.md")


class FakeClock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def sorter() -> tuple[EventSorter, FakeClock]:
    clock = FakeClock()
    return EventSorter(LAYOUT, Debouncer(quiet=0.1, max_wait=1.0, clock=clock)), clock


def run(events: list[FileSystemEvent], step: float = 0.002) -> list[ChangeBatch]:
    """Feed events `step` seconds apart, then let time pass; every batch the debouncer gives."""
    events_sorter, clock = sorter()
    batches = []
    for event in events:
        events_sorter.feed(event)
        clock.now += step
        if (batch := events_sorter.debouncer.take()) is not None:
            batches.append(batch)
    clock.now += 5.0
    if (batch := events_sorter.debouncer.take()) is not None:
        batches.append(batch)
    return batches


@pytest.mark.parametrize(("path", "kind"), [
    ("kudoswall.yaml", "config"),
    ("kudoswall.lock", "content"),
    ("content/kudos/2024-05-01-ada-on-grace.md", "content"),
    ("content/people/ada.yaml", "content"),
    ("content/people/ada.png", "content"),
    ("content", "content"),
    ("templates/kudos.html", "template"),
    ("templates", "template"),
    ("static/logo.svg", "static"),
])
def test_inputs_are_sorted_by_what_they_affect(path: str, kind: str) -> None:
    change = LAYOUT.classify(str(ROOT / path))
    assert change is not None and (change.kind, change.path) == (kind, path)


def test_the_theme_folder_is_watched_wherever_it_is() -> None:
    change = LAYOUT.classify("/opt/themes/plain/templates/base.html")
    assert change is not None and change.kind == "theme"


@pytest.mark.parametrize("path", [
    "site/index.html",  # the output folder: never a rebuild loop
    "site",
    ".site.kudoswall-staging/index.html",
    ".git/index",
    "content/.git/HEAD",
    "content/kudos/.hidden.md",
    ".kudoswall-cache/parsed",
    "README.md",
    "content-old/kudos/x.md",  # a sibling whose name starts like an input folder is not inside it
    "templates-draft/base.html",
])
def test_other_paths_are_ignored(path: str) -> None:
    assert LAYOUT.classify(str(ROOT / path)) is None


@pytest.mark.parametrize("name", [
    "2024-05-01-ada-on-grace.md.swp", ".2024-05-01-ada-on-grace.md.swp", "x.md.swx", "4913", "x.md~",
    "#x.md#", ".#x.md", "x.md___jb_tmp___", "x.md___jb_old___", ".DS_Store", "x.md.crswap", "sedAb12Cd",
])
def test_editor_temp_files_are_ignored(name: str) -> None:
    assert is_temp_name(name)
    assert LAYOUT.classify(str(ROOT / "content/kudos" / name)) is None


def test_real_kudos_names_are_not_temp_files() -> None:
    assert not any(is_temp_name(name) for name in ("2024-05-01-ada.md", "ada.yaml", "sed.md", "base.html"))


def test_vim_atomic_save_gives_one_change() -> None:
    backup = KUDOS + "~"
    probe = str(ROOT / "content/kudos/4913")
    batches = run([FileCreatedEvent(probe), FileDeletedEvent(probe), FileMovedEvent(KUDOS, backup),
                   FileCreatedEvent(KUDOS), FileModifiedEvent(KUDOS), FileClosedEvent(KUDOS),
                   FileDeletedEvent(backup)])
    assert [[c.path for c in batch.changes] for batch in batches] == [["content/kudos/2024-05-01-ada-on-grace.md"]]


def test_jetbrains_safe_write_gives_one_change() -> None:
    temp, old = KUDOS + "___jb_tmp___", KUDOS + "___jb_old___"
    batches = run([FileCreatedEvent(temp), FileModifiedEvent(temp), FileMovedEvent(KUDOS, old),
                   FileMovedEvent(temp, KUDOS), FileDeletedEvent(old)])
    assert len(batches) == 1 and [c.kind for c in batches[0].changes] == ["content"]


def test_temp_files_alone_and_reads_give_nothing() -> None:
    autosave = str(ROOT / "content/kudos/#x.md#")
    assert run([FileCreatedEvent(autosave), FileModifiedEvent(autosave), FileDeletedEvent(autosave),
                FileOpenedEvent(KUDOS), FileClosedNoWriteEvent(KUDOS),
                DirModifiedEvent(str(ROOT / "content/kudos"))]) == []


def test_a_checkout_of_200_files_is_one_batch() -> None:
    events: list[FileSystemEvent] = []
    for number in range(200):
        path = str(ROOT / f"content/kudos/2024-01-01-k{number:03}.md")
        events += [FileModifiedEvent(path), FileClosedEvent(path)]
    batches = run(events, step=0.001)
    assert len(batches) == 1 and len(batches[0].changes) == 200
    assert batches[0].describe() == ("content/kudos/2024-01-01-k000.md, content/kudos/2024-01-01-k001.md, "
                                     "content/kudos/2024-01-01-k002.md and 197 more")


def test_the_batch_waits_for_quiet_but_not_forever() -> None:
    clock = FakeClock()
    debouncer = Debouncer(quiet=0.1, max_wait=1.0, clock=clock)
    change = LAYOUT.classify(KUDOS)
    assert change is not None
    assert debouncer.seconds_left() is None and debouncer.take() is None
    debouncer.add([change])
    clock.now += 0.05
    assert debouncer.take() is None and debouncer.seconds_left() == pytest.approx(0.05)
    clock.now += 0.05
    assert debouncer.take() is not None and debouncer.seconds_left() is None
    batches = 0  # a change every 1/16 s for 3 s: a batch each second, not never
    for _ in range(48):
        debouncer.add([change])
        clock.now += 0.0625
        batches += debouncer.take() is not None
    assert batches == 3


def test_the_real_watcher_reports_an_atomic_save(tmp_path: Path) -> None:
    root = tmp_path / "wall"
    for folder in ("content/kudos", "site", "theme/templates"):
        (root / folder).mkdir(parents=True)
    kudos = root / "content/kudos/2024-05-01-ada.md"
    kudos.write_text("before\n")
    layout = WatchLayout(root=root.resolve(), content=(root / "content").resolve(),
                         theme=(root / "theme").resolve(), output=(root / "site").resolve())
    recorder = Recorder()
    watcher = WallWatcher(layout, recorder.on_batch, quiet=0.3, max_wait=5.0)
    watcher.start()
    try:
        (root / "site/index.html").write_text("output is never watched\n")
        temporary = kudos.with_name(kudos.name + ".tmp")
        temporary.write_text("after\n")
        os.replace(temporary, kudos)
        recorder.wait_for(1)
    finally:
        watcher.stop()
    assert [(c.kind, c.path) for c in recorder.batches[0].changes] == [("content", "content/kudos/2024-05-01-ada.md")]


def test_git_head_and_branches_are_history_and_the_rest_of_git_is_ignored() -> None:
    refs = GitRefs(head=ROOT / ".git/worktrees/two/HEAD", common=ROOT / ".git")
    layout = WatchLayout(root=ROOT, content=ROOT / "content", theme=Path("/opt/themes/plain"), output=ROOT / "site",
                         git=refs)
    for path in (".git/worktrees/two/HEAD", ".git/packed-refs", ".git/refs/heads/main", ".git/refs/heads/team/ada"):
        assert layout.classify(str(ROOT / path)) == Change("history", path)
    for path in (".git/HEAD", ".git/refs/heads/main.lock", ".git/index", ".git/objects/ab/cdef", ".git/ORIG_HEAD",
                 ".git/refs/remotes/origin/main", ".git/logs/HEAD"):
        assert layout.classify(str(ROOT / path)) is None, path
    folders = layout.watched_folders()
    assert (ROOT / ".git/worktrees/two", False) in folders and (ROOT / ".git", False) in folders
    assert (ROOT / ".git/refs/heads", True) in folders


@pytest.mark.skipif(shutil.which("git") is None, reason="needs git")
def test_the_real_watcher_reports_a_commit_that_changes_no_file(tmp_path: Path) -> None:
    """A commit changes each kudos' revisions and dates on the pages, and no file of the wall."""
    root = tmp_path / "wall"
    (root / "content/kudos").mkdir(parents=True)
    (root / "content/kudos/2024-05-01-ada.md").write_text("text\n")
    git = git_in(root)
    git("init", "-q", "-b", "main")
    layout = WatchLayout(root=root.resolve(), content=(root / "content").resolve(),
                         theme=(root / "theme").resolve(), output=(root / "site").resolve(),
                         git=GitRefs.of(root.resolve()))
    assert layout.git is not None
    recorder = Recorder()
    watcher = WallWatcher(layout, recorder.on_batch, quiet=0.3, max_wait=5.0)
    watcher.start()
    try:
        git("add", "-A")
        git("commit", "-q", "-m", "first")
        recorder.wait_for(1)
    finally:
        watcher.stop()
    changes = {(c.kind, c.path) for batch in recorder.batches for c in batch.changes}
    assert changes == {("history", ".git/refs/heads/main")}


def test_the_wall_folder_renamed_away_and_back_is_watched_again(tmp_path: Path) -> None:
    """A change while it was away dropped every watch, and nothing could ever say it was back: the
    preview never rebuilt again. Now it looks for the folder every second and then rebuilds it all."""
    root = tmp_path / "wall"
    (root / "content/kudos").mkdir(parents=True)
    kudos = root / "content/kudos/2024-05-01-ada.md"
    kudos.write_text("one\n")
    layout = WatchLayout(root=root.resolve(), content=(root / "content").resolve(),
                         theme=(tmp_path / "theme").resolve(), output=(root / "site").resolve())
    recorder = Recorder()
    batches, wait_for = recorder.batches, recorder.wait_for
    watcher = WallWatcher(layout, recorder.on_batch, quiet=0.2, max_wait=5.0)
    watcher.start()
    try:
        away = tmp_path / "away"
        root.rename(away)
        (away / "content/kudos/2024-05-01-ada.md").write_text("two\n")  # seen through the moved folder
        wait_for(1)
        away.rename(root)
        wait_for(2)
        assert [(c.kind, c.path) for c in batches[1].changes] == [("config", "kudoswall.yaml")]  # everything
        kudos.write_text("three\n")
        wait_for(3)
        assert ("content", "content/kudos/2024-05-01-ada.md") in [(c.kind, c.path) for c in batches[2].changes]
    finally:
        watcher.stop()
