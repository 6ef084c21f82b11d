"""kudoswall.lock: deterministic, append-only, and checked by build and check."""

from __future__ import annotations

import datetime as dt
import stat
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from conftest import kudos_md, make_wall

from kudoswall.cli import main
from kudoswall.config import Config
from kudoswall.errors import ContentError, format_problem
from kudoswall.load import SourceFile, parse_kudos
from kudoswall.lockfile import (
    HEADER,
    Lock,
    LockRecord,
    extend_lock,
    parse_lock,
    read_lock,
    records_to_add,
    render_lock,
)
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


def test_a_broken_lock_line_is_reported_with_the_contents_errors_in_one_run(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    root = make_wall(tmp_path, kudos={"2024-05-01-a": kudos_md(relationship="client")})
    (root / "kudoswall.lock").write_text("# header\n{not json\n")
    assert main(["check", "--source", str(root), "--base", "none"]) == 1
    err = capsys.readouterr().err
    assert "kudoswall.lock:2:1: this line of the lock file is not a valid record" in err
    assert "content/kudos/2024-05-01-a.md:" in err and "'client' is not a valid value for 'relationship'" in err


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


def test_every_line_is_written_back_exactly_as_it_was_typed() -> None:
    """Comments, blank lines, spacing, key order and duplicate lines stay; new records go to their sorted places."""
    typed = ('# a comment\n\n{"permalink":"k/b/",  "kind":"kudos", "id":"b", "published":"2024-01-02"}\n'
             '{"permalink":"k/b/",  "kind":"kudos", "id":"b", "published":"2024-01-02"}\n'
             '  {"kind": "person", "id": "ada", "permalink": "people/ada/", "published": "2024-01-01"}  \n'
             '# the end')
    lock = parse_lock(typed)
    assert lock.problems == [] and [r.key for r in lock.records] == ["b", "ada"]  # the same record twice is one
    new = [LockRecord("kudos", key, f"k/{key}/", TODAY, "sha256:" + "0" * 64) for key in ("c", "a")]
    new += [LockRecord("person", "zoe", "people/zoe/", TODAY, "")]
    lines = typed.split("\n")
    assert render_lock(lock, new).split("\n") == [
        *lines[:2], new[1].to_line().strip(), *lines[2:4], new[0].to_line().strip(), *lines[4:],
        new[2].to_line().strip(), ""]


def test_a_crlf_lock_stays_crlf_and_a_new_lock_starts_with_the_header() -> None:
    typed = '# header\r\n{"kind": "kudos", "id": "b", "permalink": "k/b/", "published": "2024-01-02"}\r\n'
    new = LockRecord("kudos", "c", "k/c/", TODAY, "")
    assert render_lock(parse_lock(typed), [new]) == typed + new.to_line()[:-1] + "\r\n"
    assert render_lock(parse_lock(""), [new]) == HEADER + new.to_line()


def test_a_byte_order_mark_stays_at_the_start_when_a_record_goes_first() -> None:
    typed = '\ufeff{"kind": "kudos", "id": "b", "permalink": "k/b/", "published": "2024-01-02"}\n'
    new = LockRecord("kudos", "a", "k/a/", TODAY, "")
    assert render_lock(parse_lock(typed), [new]) == "\ufeff" + new.to_line() + typed[1:]


def test_two_different_records_for_one_id_are_an_error_with_both_lines() -> None:
    """Two branches each recorded it: which date is the first publication is for a person to say."""
    lock = parse_lock('{"kind": "kudos", "id": "b", "permalink": "k/b/", "published": "2024-01-02"}\n'
                      '{"kind": "kudos", "id": "b", "permalink": "k/b/", "published": "2024-03-04"}\n')
    assert [format_problem(p) for p in lock.problems] == [
        "kudoswall.lock:2:1: a second record for the kudos 'b', unlike the one on line 1 (keep the one with the "
        "earlier 'published' date and delete the other (two branches each recorded it))"]


def test_a_line_nested_too_deep_for_json_is_an_invalid_record() -> None:
    """It was an internal error (RecursionError)."""
    (problem,) = parse_lock("[" * 5000 + "\n").problems
    assert format_problem(problem).startswith("kudoswall.lock:1:1: this line of the lock file is not a valid record")


@pytest.mark.parametrize(("make", "message"), [
    (lambda lock: lock.mkdir(), "kudoswall.lock is not a file"),
    (lambda lock: lock.symlink_to("elsewhere.lock"), "kudoswall.lock is a symbolic link, which is not followed"),
])
def test_a_lock_that_is_a_folder_or_a_link_is_an_error_not_an_empty_lock(
        tmp_path: Path, make: Callable[[Path], None], message: str, capsys: pytest.CaptureFixture[str]) -> None:
    """A folder or a dangling link read as "no lock": check passed without checking any permalink."""
    root = make_wall(tmp_path)
    make(root / "kudoswall.lock")
    assert main(["check", "--source", str(root), "--base", "none"]) == 1
    assert f"kudoswall.lock: {message}" in capsys.readouterr().err
    assert main(new_kudos_argv(root)) == 1
    assert sorted(p.name for p in (root / "content/kudos").iterdir()) == ["2024-05-01-ada-on-grace.md"]


def test_appending_keeps_the_lock_files_permissions(tmp_path: Path) -> None:
    """It was written through mkstemp, so a 0644 lock became 0600 after the first append."""
    root = make_wall(tmp_path)
    assert build(root) == 0
    (root / "kudoswall.lock").chmod(0o640)
    (root / "content/kudos/2024-05-02-b.md").write_text(kudos_md(date="2024-05-02"))
    assert build(root) == 0
    assert stat.S_IMODE((root / "kudoswall.lock").stat().st_mode) == 0o640
    assert '"id": "2024-05-02-b"' in (root / "kudoswall.lock").read_text()


def test_commands_that_append_at_once_keep_every_record(tmp_path: Path) -> None:
    """Each read the lock, added its record and replaced the file: the last one's replace lost the others'."""
    root = make_wall(tmp_path, kudos={})
    day = [dt.date(2024, 5, 1) + dt.timedelta(days=n) for n in range(8)]

    def append(n: int) -> int:
        def records_for(lock: Lock) -> list[LockRecord]:
            time.sleep(0.05)  # between reading the lock and writing it back: where the others got in
            return [LockRecord("kudos", f"k{n}", f"k/k{n}/", day[n], "")]
        return extend_lock(root, records_for)

    with ThreadPoolExecutor(8) as pool:
        assert sum(pool.map(append, range(8))) == 8
    assert sorted(r.key for r in read_lock(root).records) == [f"k{n}" for n in range(8)]


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
        extend_lock(tmp_path, lambda _: [LockRecord("kudos", "a", "k/a/", TODAY, "sha256:" + "0" * 64)])
    assert (tmp_path / "kudoswall.lock").read_bytes() == BROKEN_LOCK
    assert extend_lock(tmp_path, lambda _: []) == 0  # nothing to add: nothing to refuse


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


def test_a_base_to_compare_with_outside_a_git_checkout_is_a_usage_error(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """check --base REF passed without comparing anything when the wall was not in a checkout."""
    root = make_wall(tmp_path)
    assert main(["check", "--source", str(root), "--base", "HEAD"]) == 2
    assert "--base HEAD: " in capsys.readouterr().err
    assert main(["check", "--source", str(root), "--base", "none"]) == 0
    assert main(["check", "--source", str(root)]) == 0  # no base asked for, none found: nothing to compare
