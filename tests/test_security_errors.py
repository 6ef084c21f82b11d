"""Errors and limits: bad content never shows a traceback; internal errors say where to report them."""

from __future__ import annotations

import contextlib
import io
from pathlib import Path

import pytest
from conftest import dump_yaml, kudos_md, make_wall, scratch_folder
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kudoswall import __version__, cli
from kudoswall.build import load_wall
from kudoswall.config import load_config
from kudoswall.errors import ContentError, format_problem
from kudoswall.load import SourceFile, parse_kudos, parse_person, read_source
from kudoswall.sourcefile import SourceError, parse_yaml


def run_cli(*argv: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = cli.main(list(argv))
    return code, out.getvalue(), err.getvalue()


# --- limits ---------------------------------------------------------------------------------------

def test_a_file_over_the_size_limit_is_an_error_that_names_the_limit(tmp_path: Path) -> None:
    root = make_wall(tmp_path, kudos={"2024-05-01-x": kudos_md(body="word " * 14_000)})
    config = load_config(root)
    data = (root / "content/kudos/2024-05-01-x.md").read_bytes()
    result = parse_kudos(SourceFile("content/kudos/2024-05-01-x.md", data), config)
    assert [format_problem(p) for p in result.problems] == [
        f"content/kudos/2024-05-01-x.md: file is too large ({len(data):,} bytes; the limit is 65,536) "
        "(shorten it, or raise max_file_size in kudoswall.yaml)"
    ]


def test_a_huge_file_is_not_read_whole_and_its_real_size_is_reported(tmp_path: Path) -> None:
    root = make_wall(tmp_path)
    huge = root / "content/kudos/2024-05-02-huge.md"
    with huge.open("wb") as handle:  # sparse: 1 GiB on paper, nothing on disk
        handle.truncate(1 << 30)
    config = load_config(root)
    source = read_source(config, huge)
    assert len(source.data) == config.max_file_size + 1
    [problem] = parse_kudos(source, config).problems
    assert format_problem(problem) == (
        "content/kudos/2024-05-02-huge.md: file is too large (1,073,741,824 bytes; the limit is 65,536) "
        "(shorten it, or raise max_file_size in kudoswall.yaml)"
    )


def test_the_file_size_limit_is_configurable(tmp_path: Path) -> None:
    root = make_wall(tmp_path, config={"title": "T", "max_file_size": 2048})
    config = load_config(root)
    big = dump_yaml({"name": "Eve", "headline": "x" * 150, "skills": ["s" * 60] * 30}).encode()
    assert len(big) > 2048
    [problem] = parse_person(SourceFile("content/people/eve.yaml", big), config).problems
    assert problem.message == f"file is too large ({len(big):,} bytes; the limit is 2,048)"


@pytest.mark.parametrize(("field", "limit"), [("title", 140), ("context", 160)])
def test_a_field_over_its_limit_is_an_error(tmp_path: Path, field: str, limit: int) -> None:
    root = make_wall(tmp_path)
    data = kudos_md(**{field: "x" * (limit + 1)}).encode()
    result = parse_kudos(SourceFile("content/kudos/2024-05-01-x.md", data), load_config(root))
    assert [format_problem(p) for p in result.problems] == [
        f"content/kudos/2024-05-01-x.md:6:{len(field) + 3}: '{field}' is too long ({limit + 1} characters; "
        f"at most {limit}) (shorten it, or change the limit with field_limits in kudoswall.yaml)"
    ]


def test_the_body_limit_is_configurable(tmp_path: Path) -> None:
    body = "word " * 30
    data = kudos_md(body=body).encode()
    root = make_wall(tmp_path, config={"title": "T", "max_body_length": 100})
    [problem] = parse_kudos(SourceFile("content/kudos/2024-05-01-x.md", data), load_config(root)).problems
    assert format_problem(problem) == (
        f"content/kudos/2024-05-01-x.md:7:1: the text is too long ({len(body.strip(chr(10))):,} characters; "
        "at most 100) (shorten it, or raise max_body_length in kudoswall.yaml)")


def test_limits_themselves_are_bounded(tmp_path: Path) -> None:
    root = make_wall(tmp_path, config={"title": "T", "max_file_size": 10, "max_body_length": 10**9})
    with pytest.raises(ContentError) as caught:
        load_config(root)
    assert [p.message for p in caught.value.problems] == [
        "'max_file_size' is out of range: 10 is less than the minimum of 1024",
        "'max_body_length' is out of range: 1000000000 is greater than the maximum of 1000000",
    ]


# --- the command line: content errors, internal errors --------------------------------------------

def test_bad_content_prints_problems_and_a_summary_never_a_traceback(tmp_path: Path) -> None:
    root = make_wall(tmp_path, people={"ada": b"name: [unclosed\n", "grace": {"name": "Grace"}})
    code, out, err = run_cli("build", "--source", str(root), "--output", str(tmp_path / "site"))
    assert code == 1
    assert err.splitlines()[0].startswith("content/people/ada.yaml:2:1: invalid YAML")
    assert err.rstrip().endswith("; nothing was written")
    assert "Traceback" not in err and "internal error" not in err and out == ""
    assert not (tmp_path / "site").exists()


def test_an_internal_error_is_short_and_says_where_to_report_it(tmp_path: Path,
                                                                monkeypatch: pytest.MonkeyPatch) -> None:
    def broken(*args: object, **kwargs: object) -> None:
        raise RuntimeError("boom")

    monkeypatch.setattr("kudoswall.build.build_site", broken)
    root = make_wall(tmp_path)
    code, _, err = run_cli("build", "--source", str(root))
    assert code == 70
    assert err == (f"kudoswall: internal error: RuntimeError: boom\nThis is a bug in kudoswall {__version__}; "
                   f"please report it at {cli.REPORT_URL} (run again with --debug for the traceback).\n")
    code, _, err = run_cli("build", "--source", str(root), "--debug")
    assert code == 70
    assert err.startswith("Traceback (most recent call last):") and "RuntimeError: boom" in err


VALID_FILES = {
    "person": dump_yaml({"name": "Eve Example", "headline": "Designer", "skills": ["Go", "Design"],
                         "links": {"website": "https://eve.example/"}}).encode(),
    "kudos": kudos_md(title="Great work", skills=["Go"], role={"from": "Lead", "to": "Dev"}).encode(),
    "kudos-yaml": dump_yaml({"from": "ada", "to": "grace", "date": "2024-05-01", "relationship": "mentor",
                             "body": "Text."}).encode(),
    "config": dump_yaml({"title": "Wall", "base_url": "https://e.example/", "per_page": 10}).encode(),
}
"""Valid files of each kind; the fuzzer damages them, which reaches deeper than random bytes."""


@st.composite
def damaged(draw: st.DrawFn) -> tuple[str, bytes]:
    kind = draw(st.sampled_from(sorted(VALID_FILES)))
    data = VALID_FILES[kind]
    how = draw(st.sampled_from(["random", "insert", "truncate", "replace"]))
    if how == "random":
        return kind, draw(st.binary(max_size=400))
    at = draw(st.integers(0, len(data)))
    if how == "truncate":
        return kind, data[:at]
    piece = draw(st.one_of(st.binary(min_size=1, max_size=12),
                           st.sampled_from([b"\x00", b"\xff", b"\r", b": ", b"\n  - ", b"*a", b"&a ", b"!!", b"[",
                                            b"{", b"---\n", b"'", b'"', b"\xef\xbb\xbf", b"\t", b"<<: ", b"? "])))
    if how == "insert":
        return kind, data[:at] + piece + data[at:]
    return kind, data[:at] + piece + data[at + len(piece):]


def load_everything(root: Path) -> None:
    """What every command does first: read the settings, then every file of the wall."""
    load_wall(load_config(root))


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(damaged())
def test_damaged_files_of_every_kind_are_content_errors_never_crashes(case: tuple[str, bytes]) -> None:
    """In-process, so any exception other than ContentError fails here instead of hiding in the CLI."""
    kind, data = case
    with scratch_folder() as folder:
        root = Path(folder)
        if kind == "person":
            make_wall(root, people={"ada": {"name": "Ada"}, "grace": {"name": "Grace"}, "eve": data})
        elif kind == "kudos":
            make_wall(root, kudos={"2024-05-02-x": data})
        elif kind == "kudos-yaml":
            make_wall(root, kudos={"2024-05-02-x.yaml": data})
        else:
            make_wall(root, config=data)
        try:
            load_everything(root)
        except ContentError as error:
            for problem in error.problems:
                text = format_problem(problem)
                assert text.startswith(("content/", "kudoswall.yaml")) and "\n" not in text, text


def test_the_command_line_turns_a_damaged_file_into_problems(tmp_path: Path) -> None:
    root = make_wall(tmp_path, config=b"title: \x01")
    code, out, err = run_cli("check", "--source", str(root))
    assert (code, out) == (1, "")
    assert err == ("kudoswall.yaml:1:8: file contains a character that is not allowed (U+0001) "
                   "(remove it, or write the text again)\nkudoswall: 1 error; nothing was written\n")


@pytest.mark.parametrize(("text", "line", "column"), [
    ("title: Zoë Martín — Żółć gęślą jaźń 😀😀\ncontext: Ünïcödé\nbody: \"a\x07b\"\n\n\n\n", 3, 9),
    ("title: \x01", 1, 8),
    ("a: éé\x07", 1, 6),
])
def test_a_refused_character_is_placed_at_its_line_and_column_after_non_ascii_text(
        tmp_path: Path, text: str, line: int, column: int) -> None:
    """libyaml counts the position in UTF-8 bytes: every accented letter before it moved the error on."""
    with pytest.raises(SourceError) as raised:
        parse_yaml("content/kudos/x.yaml", text)
    assert [(p.pos.line, p.pos.column) for p in raised.value.problems] == [(line, column)]
