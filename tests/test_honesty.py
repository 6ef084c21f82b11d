"""Honesty checks: self-kudos, near-duplicates, reciprocal pairs, minimum length."""

from __future__ import annotations

import json
from pathlib import Path

import html5lib
import pytest
from conftest import DEFAULT_CONFIG, kudos_md, make_wall

from kudoswall.cli import main
from kudoswall.honesty import near_duplicates, shingles

NS = {"h": "http://www.w3.org/1999/xhtml"}
TEXT = ("Grace rebuilt the ledger reconciliation so that month-end close went from four days to one, "
        "and she wrote the runbook that let anyone on the team run it.")


def check(root: Path) -> int:
    return main(["check", "--source", str(root), "--base", "none"])


def test_a_kudos_to_oneself_is_an_error(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    root = make_wall(tmp_path, kudos={"2024-05-01-self": kudos_md(to="ada")})
    assert check(root) == 1
    assert "a kudos cannot be written to its own writer" in capsys.readouterr().err


def test_near_duplicate_text_warns_on_the_later_kudos(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    root = make_wall(tmp_path, people={"ada": {"name": "Ada"}, "grace": {"name": "Grace"}, "lin": {"name": "Lin"}},
                     kudos={"2024-05-01-ada-on-grace": kudos_md(TEXT),
                            "2024-06-01-lin-on-grace": kudos_md(TEXT.replace("one,", "one day,"),
                                                                **{"from": "lin"}, date="2024-06-01"),
                            "2024-07-01-lin-on-ada": kudos_md("Ada is careful and kind in every review she does.",
                                                              **{"from": "lin", "to": "ada"}, date="2024-07-01")})
    assert check(root) == 0
    err = capsys.readouterr().err
    assert "2024-06-01-lin-on-grace.md:1:1: warning: the text is nearly the same as kudos '2024-05-01-ada-on-grace'" \
        in err
    assert "2024-07-01-lin-on-ada" not in err
    assert main(["check", "--source", str(root), "--base", "none", "--strict"]) == 1


def test_a_near_duplicate_is_said_beside_other_errors(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """It was only shown once every error was fixed: one more round trip for a pull request."""
    root = make_wall(tmp_path, people={"ada": {"name": "Ada"}, "grace": {"name": "Grace"}, "lin": {"name": "Lin"}},
                     kudos={"2024-05-01-ada-on-grace": kudos_md(TEXT),
                            "2024-06-01-lin-on-grace": kudos_md(TEXT.replace("one,", "one day,"),
                                                                **{"from": "lin"}, date="2024-06-01"),
                            "2024-07-01-bad": kudos_md("Thanks.", to="nobody", date="2024-07-01")})
    assert check(root) == 1
    err = capsys.readouterr().err
    assert "2024-07-01-bad.md:3:5: unknown person 'nobody'" in err
    assert "2024-06-01-lin-on-grace.md:1:1: warning: the text is nearly the same as kudos '2024-05-01-ada-on-grace'" \
        in err


def test_shingles_ignore_case_and_punctuation() -> None:
    assert shingles("One two, THREE four five six") == shingles("one two three four five six!")
    assert near_duplicates([]) == []


def test_reciprocal_pairs_are_marked_on_both_pages(tmp_path: Path) -> None:
    kudos = {"2024-05-01-ada-on-grace": kudos_md(TEXT),
             "2024-06-15-grace-on-ada": kudos_md("Ada reviews code like a teacher: she explains, never scolds.",
                                                 **{"from": "grace", "to": "ada"}, date="2024-06-15"),
             "2023-01-01-grace-on-ada": kudos_md("Ada ran the best offsite planning I have seen in years.",
                                                 **{"from": "grace", "to": "ada"}, date="2023-01-01")}
    root = make_wall(tmp_path, config={**DEFAULT_CONFIG, "reciprocal_days": 60}, kudos=kudos)
    assert main(["build", "--source", str(root)]) == 0
    api = {k["id"]: k for k in json.loads((root / "site/kudos.json").read_text())["kudos"]}
    assert api["2024-05-01-ada-on-grace"]["reciprocal_with"] == "2024-06-15-grace-on-ada"
    assert api["2024-06-15-grace-on-ada"]["reciprocal_with"] == "2024-05-01-ada-on-grace"
    assert api["2023-01-01-grace-on-ada"]["reciprocal_with"] is None  # more than 60 days apart
    for kudos_id in ("2024-05-01-ada-on-grace", "2024-06-15-grace-on-ada"):
        page = html5lib.parse((root / "site/k" / kudos_id / "index.html").read_bytes())
        marker = page.find(".//h:div[@class='kudos-reciprocal']", NS)
        assert marker is not None and "within 60 days" in "".join(marker.itertext())


def test_minimum_length_in_words(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    root = make_wall(tmp_path, config={**DEFAULT_CONFIG, "min_words": 10},
                     kudos={"2024-05-01-short": kudos_md("Great colleague!")})
    assert check(root) == 1
    assert "the text is too short (2 words; at least 10)" in capsys.readouterr().err
