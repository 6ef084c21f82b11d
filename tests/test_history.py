"""history.py: folding one `git log --name-status -z` into per-file histories, and authorship."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from kudoswall.config import Config
from kudoswall.errors import SourcePos
from kudoswall.history import FileHistory, authored_by, load_history, parse_log
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


def test_a_deleted_then_recreated_file_has_only_its_own_history() -> None:
    log = (commit("c3", 3, "new@x", "A", "k/a.md") + commit("c2", 2, "x@x", "D", "k/a.md")
           + commit("c1", 1, "old@x", "A", "k/a.md"))
    entry = parse_log(log, "").files["k/a.md"]
    assert (entry.added_commit, entry.revisions) == ("c3", 1)


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
