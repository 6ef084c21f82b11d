"""kudoswall.lock: deterministic, append-only, and checked by build and check."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from conftest import kudos_md, make_wall

from kudoswall.cli import main
from kudoswall.config import Config
from kudoswall.errors import ContentError
from kudoswall.load import SourceFile, parse_kudos
from kudoswall.lockfile import Lock, LockRecord, append_to_lock, parse_lock, read_lock, records_to_add, render_lock
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


BROKEN_LOCK = (b'{"kind": "person", "id": "ada", "permalink": "people/ada/", "published": "2024-01-01"}\n'
               b'{"kind": "kudos", "id": "2023-01-01-lost\n')
"""A lock whose second line (a published kudos' only record) was cut in a bad merge."""


def new_kudos_argv(root: Path) -> list[str]:
    return ["new", "--source", str(root), "--no-input", "--from", "ada", "--to", "grace", "--relationship",
            "same-team", "--date", "2024-05-02", "--body", "Grace kept the ledger safe."]


def test_new_leaves_a_lock_with_a_broken_line_and_the_wall_alone(tmp_path: Path,
                                                                 capsys: pytest.CaptureFixture[str]) -> None:
    """Appending wrote back only the records read, so the broken line, and its permalink, was dropped."""
    root = make_wall(tmp_path, kudos={})
    (root / "kudoswall.lock").write_bytes(BROKEN_LOCK)
    assert main(new_kudos_argv(root)) == 1
    assert "kudoswall.lock:2:1: this line of the lock file is not a valid record" in capsys.readouterr().err
    assert (root / "kudoswall.lock").read_bytes() == BROKEN_LOCK
    assert list((root / "content/kudos").iterdir()) == []  # refused before writing the kudos


def test_appending_to_a_lock_read_with_problems_is_refused(tmp_path: Path) -> None:
    (tmp_path / "kudoswall.lock").write_bytes(BROKEN_LOCK)
    lock = read_lock(tmp_path)
    assert [r.key for r in lock.records] == ["ada"] and len(lock.problems) == 1
    with pytest.raises(ContentError):
        append_to_lock(tmp_path, lock, [LockRecord("kudos", "a", "k/a/", TODAY, "sha256:" + "0" * 64)])
    assert (tmp_path / "kudoswall.lock").read_bytes() == BROKEN_LOCK
    assert append_to_lock(tmp_path, lock, []) == 0  # nothing to add: nothing to refuse


def test_a_lock_that_is_not_utf8_is_an_error_at_its_byte(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """It was an internal error (UnicodeDecodeError) before; the last good site stays."""
    root = make_wall(tmp_path)
    assert build(root) == 0
    before = (root / "site/index.html").read_bytes()
    lock = (root / "kudoswall.lock").read_bytes()
    good_part = b'{"kind": "kudos", "id": "caf'
    (root / "kudoswall.lock").write_bytes(lock + good_part + b'\xe9"}\n')
    capsys.readouterr()
    assert build(root) == 1
    err = capsys.readouterr().err
    line = lock.count(b"\n") + 1
    assert f"kudoswall.lock:{line}:{len(good_part) + 1}: file is not valid UTF-8 (byte 0xe9)" in err
    assert "restore it from git" in err and "internal error" not in err
    assert (root / "site/index.html").read_bytes() == before
    assert main(new_kudos_argv(root)) == 1  # and new does not rewrite it either


def test_build_plans_with_the_lock_it_read_while_parsing(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The lock (0.7 s to read at 100,000 kudos) is read by the otherwise idle parent while workers parse."""
    root = make_wall(tmp_path, kudos={f"2024-05-{day:02d}-k": kudos_md(date=f"2024-05-{day:02d}") for day in (1, 2)})
    assert build(root) == 0
    reads: list[Path] = []

    def counted_read(where: Path) -> Lock:
        reads.append(where)
        return read_lock(where)

    monkeypatch.setattr("kudoswall.build.read_lock", counted_read)
    monkeypatch.setattr("kudoswall.permanence.read_lock", lambda where: pytest.fail("read a second time"))
    (root / "content/kudos/2024-05-03-k.md").write_text(kudos_md(date="2024-05-03"))
    assert main(["build", "--source", str(root), "--output", str(root / "site"), "--jobs", "2"]) == 0
    assert reads == [root.resolve()]
    kudos_keys = [r.key for r in read_lock(root).records if r.kind == "kudos"]
    assert kudos_keys == ["2024-05-01-k", "2024-05-02-k", "2024-05-03-k"]
