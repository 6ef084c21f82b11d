"""The command line contract: exit codes (0 ok, 1 content errors, 2 usage, 70 internal), help, output."""

from __future__ import annotations

import argparse
import shutil
from pathlib import Path

import pytest
from sitecheck import FIXTURES

import kudoswall
import kudoswall.build
from kudoswall.cli import build_parser, main


def subcommands() -> list[str]:
    parser = build_parser()
    actions = [a for a in parser._actions if isinstance(a, argparse._SubParsersAction)]
    return sorted(actions[0].choices)


def run_exit(argv: list[str]) -> int:
    """argparse leaves by SystemExit; return its code."""
    with pytest.raises(SystemExit) as raised:
        main(argv)
    return int(raised.value.code or 0)


def test_version(capsys: pytest.CaptureFixture[str]) -> None:
    assert run_exit(["--version"]) == 0
    assert capsys.readouterr().out == f"kudoswall {kudoswall.__version__}\n"


def test_top_level_help_lists_commands_and_examples(capsys: pytest.CaptureFixture[str]) -> None:
    assert run_exit(["--help"]) == 0
    out = capsys.readouterr().out
    assert "examples:" in out
    for name in ("build", "check", "serve", "init", "new"):
        assert name in out


def test_the_commands_include_the_documented_ones() -> None:
    assert {"build", "check", "serve", "init", "new"} <= set(subcommands())


@pytest.mark.parametrize("command", subcommands())
def test_every_command_help_shows_examples(command: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert run_exit([command, "--help"]) == 0
    out = capsys.readouterr().out
    examples = out.split("examples:", 1)[1]
    assert f"kudoswall {command}" in examples
    assert "--source" in out or command == "init"


@pytest.mark.parametrize("argv", [[], ["frobnicate"], ["build", "--no-such-flag"], ["serve", "--port", "eighty"],
                                  ["check", "--format", "xml"], ["init"]])
def test_usage_errors_exit_with_2_and_say_what_is_wrong(argv: list[str], capsys: pytest.CaptureFixture[str]) -> None:
    assert run_exit(argv) == 2
    err = capsys.readouterr().err
    assert err.startswith("usage: kudoswall")
    assert "error:" in err


def test_unknown_command_is_named(capsys: pytest.CaptureFixture[str]) -> None:
    run_exit(["frobnicate"])
    assert "invalid choice: 'frobnicate'" in capsys.readouterr().err


def copy_small_wall(tmp_path: Path) -> Path:
    wall = tmp_path / "wall"
    shutil.copytree(FIXTURES / "small-wall", wall)
    return wall


def test_build_prints_a_summary_and_warnings(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    wall = copy_small_wall(tmp_path)
    assert main(["build", "--source", str(wall)]) == 0
    out, err = capsys.readouterr()
    assert "Built 6 kudos into" in out
    assert "content/kudos/2023-03-05-bjorn-on-ines-reviews.md:6:23: warning: 'Inès Moreau' does not list " \
           "the skill 'C++'" in err
    assert (wall / "site" / "index.html").is_file()


def test_strict_build_fails_on_warnings_and_writes_nothing(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    wall = copy_small_wall(tmp_path)
    assert main(["build", "--strict", "--source", str(wall)]) == 1
    assert "kudoswall: 1 warning; nothing was written" in capsys.readouterr().err
    assert not (wall / "site").exists()


def test_check_reports_counts_and_writes_nothing(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    wall = copy_small_wall(tmp_path)
    before = sorted(p.relative_to(wall) for p in wall.rglob("*"))
    assert main(["check", "--source", str(wall)]) == 0
    assert capsys.readouterr().out.startswith("OK: 6 kudos from 4 people (1 warning)")
    assert sorted(p.relative_to(wall) for p in wall.rglob("*")) == before


def test_check_reads_the_build_cache_and_never_writes_it(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """With the cache a 10,000-kudos check takes ~6 s instead of 17; a stale entry is parsed again."""
    wall = copy_small_wall(tmp_path)
    assert main(["build", "--source", str(wall)]) == 0
    cache = wall / ".kudoswall-cache"
    kept = {path.name: path.read_bytes() for path in cache.iterdir()}
    kudos = wall / "content/kudos/2024-11-11-bjorn-on-chen-research.md"
    kudos.write_text(kudos.read_text("utf-8").replace("to: chen-mei", "to: chen-me"), "utf-8")
    capsys.readouterr()
    assert main(["check", "--source", str(wall)]) == 1  # the edit is seen: the stale entry is not trusted
    assert "unknown person 'chen-me'" in capsys.readouterr().err
    assert {path.name: path.read_bytes() for path in cache.iterdir()} == kept


@pytest.mark.parametrize("command", ["check", "build", "new", "mv", "serve"])
def test_a_folder_without_a_wall_is_explained_as_a_usage_error(
        tmp_path: Path, capsys: pytest.CaptureFixture[str], command: str) -> None:
    """The wrong folder is how the command was called (exit 2, as the README says), not a content error."""
    extra = {"mv": ["a", "b"]}.get(command, [])
    assert main([command, *extra, "--source", str(tmp_path)]) == 2
    err = capsys.readouterr().err
    assert err.startswith(f"kudoswall: no kudoswall.yaml in {tmp_path}: ") and "kudoswall init DIR" in err
    assert "nothing was written" not in err


def test_refuses_to_build_over_a_folder_it_did_not_make(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    wall = copy_small_wall(tmp_path)
    precious = tmp_path / "precious"
    precious.mkdir()
    (precious / "thesis.tex").write_text("years of work", "utf-8")
    assert main(["build", "--source", str(wall), "--output", str(precious)]) == 2
    assert "refusing to build into" in capsys.readouterr().err
    assert [p.name for p in precious.iterdir()] == ["thesis.tex"]


def test_an_output_path_through_a_file_is_a_usage_error(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    wall = copy_small_wall(tmp_path)
    (tmp_path / "a-file").write_text("", "utf-8")
    assert main(["build", "--source", str(wall), "--output", str(tmp_path / "a-file" / "site")]) == 2
    assert capsys.readouterr().err == f"kudoswall: cannot use {tmp_path / 'a-file'}: it is a file, and a folder is " \
                                      "needed there\n"


def test_internal_errors_exit_70_with_a_report_link(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                    capsys: pytest.CaptureFixture[str]) -> None:
    wall = copy_small_wall(tmp_path)

    def explode(*args: object, **kwargs: object) -> None:
        raise RuntimeError("boom")

    monkeypatch.setattr(kudoswall.build, "build_site", explode)
    assert main(["build", "--source", str(wall)]) == 70
    err = capsys.readouterr().err
    assert "internal error: RuntimeError: boom" in err and "--debug" in err and "Traceback" not in err
    assert main(["build", "--debug", "--source", str(wall)]) == 70
    assert "Traceback" in capsys.readouterr().err
