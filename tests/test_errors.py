"""Every class of content error, as the writer sees it: `path:line:col: message (hint)`, exit code 1.

Each broken wall lives in tests/fixtures/errors-<kind>/ so it can be tried by hand too:
`kudoswall check --source tests/fixtures/errors-bad-date`.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from sitecheck import FIXTURES

from kudoswall.cli import main

EXPECTED = {
    "errors-unknown-person": [
        "content/kudos/2024-05-01-ada-on-grace.md:3:5: unknown person 'grace-lindqvst' in 'to' "
        "(did you mean 'grace-lindqvist'?)",
    ],
    "errors-unknown-field": [
        "content/kudos/2024-05-01-ada-on-grace.md:6:1: unknown field 'skils' (did you mean 'skills'?)",
    ],
    "errors-bad-relationship": [
        "content/kudos/2024-05-01-ada-on-grace.md:5:15: 'same-teem' is not a valid value for 'relationship' "
        "(did you mean 'same-team'?)",
    ],
    "errors-missing-field": [
        "content/kudos/2024-05-01-ada-on-grace.md:2:1: missing required field 'relationship' "
        "(add 'relationship: ...')",
    ],
    "errors-bad-date": [
        "content/kudos/2024-02-30-ada-on-grace.md:4:7: '2024-02-30' is not a real date (check the month and day)",
    ],
    "errors-duplicate-id": [
        "content/kudos/2024-05-02-grace-on-ada.md:2:5: duplicate kudos id 'ledger-rescue' "
        "(also used by content/kudos/2024-05-01-ada-on-grace.md) (rename one of the files, or set a different 'id:')",
    ],
    "errors-self-kudos": [
        "content/kudos/2024-05-01-ada-on-ada.md:3:5: a kudos cannot be written to its own writer "
        "('from' and 'to' must name different people)",
    ],
    "errors-invalid-yaml": [
        "content/kudos/2024-05-01-ada-on-grace.md:7:1: invalid YAML: did not find expected ',' or ']' "
        "(check indentation and quoting)",
    ],
    "errors-no-front-matter": [
        "content/kudos/2024-05-01-ada-on-grace.md:1:1: missing front matter: a kudos file starts with a line '---' "
        "(put the fields between two '---' lines above the text)",
    ],
    "errors-unknown-config-key": [
        "kudoswall.yaml:3:1: unknown field 'per_pgae' (did you mean 'per_page'?)",
    ],
    "errors-two-files": [
        "content/kudos/2024-05-01-ada-on-grace.md:3:5: unknown person 'grace' in 'to' "
        "(did you mean 'grace-lindqvist'?)",
        "content/kudos/2024-06-01-grace-on-ada.md:5:15: 'teammate' is not a valid value for 'relationship' "
        "(use one of: managed, reported-to, senior-to, same-team, different-teams, client-of, vendor-to, "
        "business-partner, mentor, mentee, teacher, student, other)",
    ],
}


def copy_fixture(name: str, tmp_path: Path) -> Path:
    """A copy outside the repository, so nothing a command does can touch the fixture."""
    wall = tmp_path / name
    shutil.copytree(FIXTURES / name, wall)
    return wall


def test_every_error_fixture_is_covered() -> None:
    assert {p.name for p in FIXTURES.glob("errors-*")} == set(EXPECTED)


@pytest.mark.parametrize("name", sorted(EXPECTED))
@pytest.mark.parametrize("command", ["check", "build"])
def test_error_is_reported_with_position_and_hint(name: str, command: str, tmp_path: Path,
                                                   capsys: pytest.CaptureFixture[str]) -> None:
    wall = copy_fixture(name, tmp_path)
    exit_code = main([command, "--source", str(wall)])
    out, err = capsys.readouterr()
    expected = EXPECTED[name]
    count = len(expected)
    assert exit_code == 1
    assert err.splitlines() == [*expected, f"kudoswall: {count} error{'s' if count > 1 else ''}; nothing was written"]
    assert out == ""
    assert not (wall / "site").exists()


def test_github_format_turns_each_error_into_an_annotation(tmp_path: Path,
                                                           capsys: pytest.CaptureFixture[str]) -> None:
    wall = copy_fixture("errors-bad-date", tmp_path)
    assert main(["check", "--format", "github", "--source", str(wall)]) == 1
    first = capsys.readouterr().err.splitlines()[0]
    assert first == ("::error file=content/kudos/2024-02-30-ada-on-grace.md,line=4,col=7::"
                     "'2024-02-30' is not a real date (check the month and day)")


@pytest.mark.skipif(shutil.which("git") is None, reason="needs git")
def test_github_annotations_name_the_repository_path_of_a_wall_in_a_folder(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """GitHub attaches an annotation to a changed line by its path in the repository."""
    import os
    import subprocess

    repo = tmp_path / "repo"
    wall = copy_fixture("errors-bad-date", repo / "walls")
    env = {**os.environ, "GIT_CONFIG_GLOBAL": os.devnull, "GIT_CONFIG_NOSYSTEM": "1"}
    subprocess.run(["git", "-C", str(repo), "init", "-q"], env=env, check=True)
    assert main(["check", "--format", "github", "--source", str(wall)]) == 1
    first = capsys.readouterr().err.splitlines()[0]
    assert first.startswith(f"::error file=walls/{wall.name}/content/kudos/2024-02-30-ada-on-grace.md,line=4,col=7::")


def site_bytes(output: Path) -> dict[str, bytes]:
    return {p.relative_to(output).as_posix(): p.read_bytes() for p in sorted(output.rglob("*")) if p.is_file()}


def test_a_failed_build_leaves_the_previous_site_byte_identical(tmp_path: Path,
                                                                capsys: pytest.CaptureFixture[str]) -> None:
    wall = copy_fixture("small-wall", tmp_path)
    output = tmp_path / "public"
    assert main(["build", "--source", str(wall), "--output", str(output)]) == 0
    before = site_bytes(output)
    assert "index.html" in before
    broken = wall / "content/kudos/2024-07-01-ines-on-fjord-delivery.md"
    broken.write_text(broken.read_text("utf-8").replace("relationship: vendor-to", "relationship: vendor"), "utf-8")
    (wall / "content/kudos/2025-01-01-new.md").write_text("no front matter\n", "utf-8")
    capsys.readouterr()
    assert main(["build", "--source", str(wall), "--output", str(output)]) == 1
    err = capsys.readouterr().err
    assert "2024-07-01-ines-on-fjord-delivery.md:5:15: 'vendor' is not a valid value for 'relationship'" in err
    assert "content/kudos/2025-01-01-new.md:1:1: missing front matter" in err
    assert site_bytes(output) == before


def test_errors_in_people_and_kudos_files_are_reported_together(tmp_path: Path,
                                                                capsys: pytest.CaptureFixture[str]) -> None:
    wall = copy_fixture("errors-unknown-person", tmp_path)
    (wall / "content/people/linus.yaml").write_text("name: Linus\nheadlin: Engineer\n", "utf-8")
    assert main(["check", "--source", str(wall)]) == 1
    err = capsys.readouterr().err.splitlines()
    assert err == [
        "content/kudos/2024-05-01-ada-on-grace.md:3:5: unknown person 'grace-lindqvst' in 'to' "
        "(did you mean 'grace-lindqvist'?)",
        "content/people/linus.yaml:2:1: unknown field 'headlin' (did you mean 'headline'?)",
        "kudoswall: 2 errors; nothing was written",
    ]


def test_a_broken_person_file_is_not_also_reported_as_an_unknown_person(tmp_path: Path,
                                                                      capsys: pytest.CaptureFixture[str]) -> None:
    wall = copy_fixture("errors-unknown-person", tmp_path)
    (wall / "content/people/ada-okafor.yaml").write_text("name: Ada Okafor\nheadlin: Engineer\n", "utf-8")
    assert main(["check", "--source", str(wall)]) == 1
    assert capsys.readouterr().err.splitlines() == [
        "content/kudos/2024-05-01-ada-on-grace.md:3:5: unknown person 'grace-lindqvst' in 'to' "
        "(did you mean 'grace-lindqvist'?)",
        "content/people/ada-okafor.yaml:2:1: unknown field 'headlin' (did you mean 'headline'?)",
        "kudoswall: 2 errors; nothing was written",
    ]


def test_a_long_unknown_field_name_is_echoed_shortened(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "kudoswall.yaml").write_text("title: T\n" + "x" * 1000 + ": 1\n", encoding="utf-8")
    assert main(["check", "--source", str(tmp_path)]) == 1
    err = capsys.readouterr().err
    assert f"kudoswall.yaml:2:1: unknown field '{'x' * 60}…'" in err
    assert "x" * 61 not in err
