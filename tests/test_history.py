"""history.py: folding one `git log --name-status -z` into per-file histories, and authorship."""

from __future__ import annotations

import datetime as dt
import os
import shutil
import subprocess
from pathlib import Path

import pytest

from kudoswall.config import Config
from kudoswall.errors import SourcePos
from kudoswall.history import HISTORY_CACHE, FileHistory, authored_by, load_history, parse_log, run_git
from kudoswall.models import Identities, Person


def commit(sha: str, day: int, email: str, *changes: str, signature: tuple[str, str] = ("N", "")) -> str:
    header = "\x1f".join([sha, f"2024-01-{day:02d}T10:00:00+00:00", email, signature[0], signature[1], ""])
    return "\x1e" + header + "\0\n" + "".join(change + "\0" for change in changes)


def person(**identities: object) -> Person:
    return Person("ada", "person", "Ada", "", None, None, (), (), "content/people/ada.yaml", "", SourcePos("x"),
                  identities=Identities(**identities))  # type: ignore[arg-type]


def test_renames_are_followed_back_to_the_adding_commit() -> None:
    log = (commit("c3", 3, "ada@x", "R100", "content/kudos/old.md", "content/kudos/new.md")
           + commit("c2", 2, "bob@x", "M", "content/kudos/old.md")
           + commit("c1", 1, "ada@x", "A", "content/kudos/old.md", "A", "content/kudos/other.md"))
    history = parse_log(log, "")
    entry = history.files["content/kudos/new.md"]
    assert (entry.first, entry.last) == (dt.datetime(2024, 1, 1, 10, tzinfo=dt.UTC),
                                         dt.datetime(2024, 1, 3, 10, tzinfo=dt.UTC))
    assert entry.revisions == 2  # the pure rename is not a revision
    assert (entry.added_commit, entry.added_email) == ("c1", "ada@x")
    assert "content/kudos/old.md" not in history.files
    assert history.files["content/kudos/other.md"].revisions == 1


def test_a_deleted_then_restored_file_keeps_its_history_and_the_commit_that_added_it() -> None:
    """`check` says to restore a deleted published kudos; restored, it was 'unverified', with the
    restoring commit as the one that added it and its revisions counted from there."""
    log = (commit("c3", 3, "admin@x", "A", "k/a.md") + commit("c2", 2, "admin@x", "D", "k/a.md")
           + commit("c1", 1, "carol@x", "A", "k/a.md"))
    entry = parse_log(log, "").files["k/a.md"]
    assert (entry.added_commit, entry.added_email, entry.revisions) == ("c1", "carol@x", 2)
    assert (entry.first, entry.last) == (dt.datetime(2024, 1, 1, 10, tzinfo=dt.UTC),
                                         dt.datetime(2024, 1, 3, 10, tzinfo=dt.UTC))


def test_paths_are_relative_to_the_wall_inside_a_bigger_repository() -> None:
    history = parse_log(commit("c1", 1, "a@x", "A", "walls/team/content/kudos/a.md"), "walls/team/")
    assert list(history.files) == ["content/kudos/a.md"]


def test_authored_by_email_github_login_or_signing_key() -> None:
    entry = FileHistory(added_commit="c1", added_email="ada@example.org")
    assert authored_by(entry, person(emails=("ada@example.org",)))
    assert not authored_by(entry, person(emails=("someone@example.org",)))
    noreply = FileHistory(added_commit="c1", added_email="123+ada-o@users.noreply.github.com")
    assert authored_by(noreply, person(github="Ada-O"))
    assert not authored_by(noreply, person(github="ada"))
    signed = FileHistory(added_commit="c1", added_email="ci@x", added_signature="G", added_key="SHA256:abc")
    assert authored_by(signed, person(keys=("SHA256:abc",)))
    assert not authored_by(FileHistory(added_commit="c1", added_email="ci@x", added_signature="B",
                                       added_key="SHA256:abc"), person(keys=("SHA256:abc",)))


def test_outside_a_checkout_there_is_no_history(tmp_path: Path) -> None:
    assert load_history(Config(tmp_path)) is None


class Repo:
    """A git repository with a kudos folder, committed to step by step."""

    def __init__(self, root: Path) -> None:
        self.root = root
        (root / "content/kudos").mkdir(parents=True)
        self.config = Config(root=root)
        self.git("init", "-q", "-b", "main")

    def git(self, *args: str, date: str = "2024-01-01T10:00:00+00:00") -> str:
        env = {**os.environ, "GIT_AUTHOR_NAME": "X", "GIT_AUTHOR_EMAIL": "x@example.org", "GIT_COMMITTER_NAME": "X",
               "GIT_COMMITTER_EMAIL": "x@example.org", "GIT_CONFIG_GLOBAL": os.devnull, "GIT_CONFIG_NOSYSTEM": "1",
               "GIT_AUTHOR_DATE": date, "GIT_COMMITTER_DATE": date}
        return subprocess.run(["git", "-C", str(self.root), *args], env=env, capture_output=True,
                              check=True).stdout.decode()

    def commit(self, day: int, **files: str | None) -> None:
        """Write (or, for None, delete) content/kudos/<name>.md, and commit on 2024-01-<day>."""
        for name, text in files.items():
            path = self.root / "content/kudos" / f"{name}.md"
            if text is None:
                path.unlink()
            else:
                path.write_text(text)
        self.git("add", "-A")
        self.git("commit", "-q", "--allow-empty", "-m", f"day {day}", date=f"2024-01-{day:02d}T10:00:00+00:00")

    def whole_log(self) -> str:
        """The log as load_history runs it without a cache."""
        log = ("log", "--name-status", "-z", "-M", "--no-color", "--format=%x1e%H%x1f%aI%x1f%ae")
        return run_git(self.root, *log, "--", "content/kudos") or ""


def logs_run(monkeypatch: pytest.MonkeyPatch) -> list[tuple[str, ...]]:
    """The arguments of every `git log` that history.py runs from now on."""
    calls: list[tuple[str, ...]] = []

    def recorded(root: Path, *args: str) -> str | None:
        if args[0] == "log":
            calls.append(args)
        return run_git(root, *args)

    monkeypatch.setattr("kudoswall.history.run_git", recorded)
    return calls


needs_git = pytest.mark.skipif(shutil.which("git") is None, reason="needs git")
TEXT = "Kept the ledger safe.\n"


@needs_git
def test_a_kept_log_extended_by_new_commits_is_byte_for_byte_the_whole_log(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    repo, store = Repo(tmp_path / "wall"), tmp_path / "cache"
    store.mkdir()
    repo.commit(1, a=TEXT, b="Another text.\n")
    repo.commit(2, a=TEXT + "Edited.\n")
    first = load_history(repo.config, store=store)
    repo.git("mv", "content/kudos/b.md", "content/kudos/c.md")  # a file from before, renamed after
    repo.commit(3)
    repo.commit(4, a=None)
    repo.commit(5, a="Someone else's kudos under an old name.\n")
    repo.commit(1, c="Another text, edited on a machine whose clock is behind.\n")  # dated before all the others
    calls = logs_run(monkeypatch)
    history = load_history(repo.config, store=store)
    assert len(calls) == 1 and ".." in calls[0][-3]  # only the new commits were logged
    monkeypatch.undo()
    assert first is not None and history is not None and first != history
    assert history.files == parse_log(repo.whole_log(), "").files and history == load_history(repo.config)
    assert history.head == repo.git("rev-parse", "HEAD").strip()
    assert history.files["content/kudos/c.md"].revisions == 2  # added, then edited; the rename is no revision
    assert history.files["content/kudos/a.md"].revisions == 3  # a name is one kudos: written again, it goes on
    calls = logs_run(monkeypatch)
    assert load_history(repo.config, store=store) == history and calls == []  # same HEAD: the kept log


@needs_git
def test_after_a_merge_or_a_rewrite_the_whole_log_runs(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    repo, store = Repo(tmp_path / "wall"), tmp_path / "cache"
    store.mkdir()
    repo.commit(1, a=TEXT)
    load_history(repo.config, store=store)
    repo.git("checkout", "-q", "-b", "side")
    repo.commit(3, b=TEXT)
    repo.git("checkout", "-q", "main")
    repo.commit(2, c=TEXT)
    repo.git("merge", "-q", "--no-ff", "-m", "merge", "side", date="2024-01-04T10:00:00+00:00")
    calls = logs_run(monkeypatch)
    merged = load_history(repo.config, store=store)
    assert len(calls) == 1 and not any(".." in arg for arg in calls[0])
    repo.git("commit", "-q", "--amend", "-m", "merge, reworded", date="2024-01-05T10:00:00+00:00")
    rewritten = load_history(repo.config, store=store)
    assert len(calls) == 2 and not any(".." in arg for arg in calls[1])
    monkeypatch.undo()
    assert merged is not None and rewritten is not None and merged.head != rewritten.head
    assert merged.files == rewritten.files == parse_log(repo.whole_log(), "").files
    assert set(merged.files) == {"content/kudos/a.md", "content/kudos/b.md", "content/kudos/c.md"}


@needs_git
def test_a_garbled_kept_log_or_other_git_settings_run_the_whole_log(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    repo, store = Repo(tmp_path / "wall"), tmp_path / "cache"
    store.mkdir()
    repo.commit(1, a=TEXT)
    expected = load_history(repo.config, store=store)
    kept = store / HISTORY_CACHE
    kept.write_bytes(kept.read_bytes().replace(b"content/kudos/a.md", b"content/kudos/z.md"))
    calls = logs_run(monkeypatch)
    assert load_history(repo.config, store=store) == expected
    assert len(calls) == 1  # the garbled file failed its check, so the log ran again
    repo.git("config", "diff.renameLimit", "1")  # what -M finds can change: the kept log is not for these settings
    assert load_history(repo.config, store=store) == expected and len(calls) == 2
    assert load_history(repo.config, store=store) == expected and len(calls) == 2


@needs_git
def test_a_shallow_clone_is_not_read_until_it_is_deepened(tmp_path: Path) -> None:
    """A cut history would give wrong authors and dates (and be kept): not read until it is whole."""
    origin, store = Repo(tmp_path / "origin"), tmp_path / "cache"
    store.mkdir()
    origin.commit(1, a=TEXT)
    origin.commit(2, a=TEXT + "Edited.\n")
    clone = tmp_path / "clone"
    origin.git("clone", "-q", "--depth", "1", f"file://{origin.root}", str(clone))
    config = Config(root=clone)
    shallow = load_history(config, store=store)
    assert shallow is not None and shallow.shallow and shallow.files == {}
    origin.git("-C", str(clone), "fetch", "-q", "--unshallow")
    deep = load_history(config, store=store)
    assert deep is not None and deep.files["content/kudos/a.md"].revisions == 2


@needs_git
def test_logs_with_signatures_are_not_kept(tmp_path: Path) -> None:
    """A signature's status depends on the keyring as well, which nothing here keys on."""
    repo, store = Repo(tmp_path / "wall"), tmp_path / "cache"
    store.mkdir()
    repo.commit(1, a=TEXT)
    assert load_history(repo.config, with_signatures=True, store=store) is not None
    assert not (store / HISTORY_CACHE).exists()
