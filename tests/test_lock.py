"""kudoswall.lock: deterministic, append-only, and checked by build and check."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from conftest import kudos_md, make_wall

from kudoswall.cli import main
from kudoswall.config import Config
from kudoswall.load import SourceFile, parse_kudos
from kudoswall.lockfile import LockRecord, parse_lock, read_lock, records_to_add, render_lock
from kudoswall.models import Wall

TODAY = dt.date(2025, 1, 2)


def build(root: Path) -> int:
    return main(["build", "--source", str(root), "--output", str(root / "site")])


def test_build_appends_sorted_records_and_never_rewrites_one(tmp_path: Path) -> None:
    root = make_wall(tmp_path, kudos={"2024-05-01-b": kudos_md("First text here."),
                                      "2024-05-01-a": kudos_md("Second text here.")})
    assert build(root) == 0
    first = (root / "kudoswall.lock").read_text()
    ids = [r.key for r in parse_lock(first).records]
    assert ids == ["2024-05-01-a", "2024-05-01-b", "ada", "grace"]
    assert build(root) == 0
    assert (root / "kudoswall.lock").read_text() == first  # a rebuild changes nothing
    (root / "content/kudos/2024-05-01-a.md").write_text(kudos_md("Edited text, published long ago."))
    (root / "content/kudos/2024-05-01-c.md").write_text(kudos_md("A third one."))
    assert build(root) == 0
    after = (root / "kudoswall.lock").read_text()
    assert set(first.splitlines()) <= set(after.splitlines())  # existing lines kept byte for byte
    assert [r.key for r in parse_lock(after).records][:3] == ["2024-05-01-a", "2024-05-01-b", "2024-05-01-c"]


def test_render_is_deterministic_whatever_the_order_of_new_records() -> None:
    lock = parse_lock("")
    records = [LockRecord("kudos", key, f"k/{key}/", TODAY, "sha256:" + "0" * 64) for key in ("b", "a", "c")]
    assert render_lock(lock, records) == render_lock(lock, list(reversed(records)))


def test_invalid_line_is_an_error_with_its_line(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    root = make_wall(tmp_path)
    (root / "kudoswall.lock").write_text("# header\n{not json\n")
    assert main(["check", "--source", str(root), "--base", "none"]) == 1
    assert "kudoswall.lock:2:1: this line of the lock file is not a valid record" in capsys.readouterr().err


def test_deleting_a_published_kudos_fails_build_and_check(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    root = make_wall(tmp_path)
    assert build(root) == 0
    (root / "content/kudos/2024-05-01-ada-on-grace.md").unlink()
    capsys.readouterr()
    assert main(["check", "--source", str(root), "--base", "none"]) == 1
    err = capsys.readouterr().err
    assert "the published kudos '2024-05-01-ada-on-grace' was deleted" in err
    assert "status: retracted" in err and "status: hidden" in err and "kudoswall mv" in err
    assert build(root) == 1


def test_renamed_kudos_keeps_the_first_published_date_of_its_alias() -> None:
    lock = parse_lock(render_lock(parse_lock(""), [LockRecord("kudos", "old", "k/old/", dt.date(2020, 1, 1), "")]))
    parsed = parse_kudos(SourceFile("content/kudos/new.md", kudos_md(aliases=["old"]).encode()), Config(Path(".")))
    assert parsed.kudos is not None
    added = records_to_add(lock, Wall(people={}, kudos=[parsed.kudos]), TODAY)
    assert [(r.key, r.published) for r in added] == [("new", dt.date(2020, 1, 1))]


def test_no_lock_file_means_no_records(tmp_path: Path) -> None:
    assert read_lock(tmp_path).records == []


def test_existing_records_are_written_back_exactly_as_they_were_typed() -> None:
    """Blank lines and comments drop out, but each record keeps its own spacing and key order."""
    typed = ('# a comment\n\n{"permalink":"k/b/",  "kind":"kudos", "id":"b", "published":"2024-01-02"}\n'
             '  {"kind": "person", "id": "ada", "permalink": "people/ada/", "published": "2024-01-01"}  \n')
    lock = parse_lock(typed)
    new = LockRecord("kudos", "a", "k/a/", TODAY, "sha256:" + "0" * 64)
    rendered = render_lock(lock, [new]).splitlines()
    assert rendered[2:] == [  # after the two lines of the header, sorted by kind and id
        new.to_line().strip(),
        '{"permalink":"k/b/",  "kind":"kudos", "id":"b", "published":"2024-01-02"}',
        '{"kind": "person", "id": "ada", "permalink": "people/ada/", "published": "2024-01-01"}',
    ]
