"""`kudoswall init` and `kudoswall new`: what they write, what they refuse, and that the result checks."""

from __future__ import annotations

import datetime as dt
import io
import json
import sys
from collections.abc import Iterator
from importlib import resources
from pathlib import Path

import pytest
from sitecheck import BuiltSite, check_page

from kudoswall.build import load_wall
from kudoswall.cli import main
from kudoswall.config import load_config
from kudoswall.load import SourceFile, parse_kudos

SCHEMA_LINE = "# yaml-language-server: $schema="


@pytest.fixture
def wall(tmp_path: Path) -> Path:
    """A wall made by `kudoswall init`."""
    assert main(["init", str(tmp_path / "wall"), "--title", "Team kudos"]) == 0
    return tmp_path / "wall"


def files_of(root: Path) -> dict[str, bytes]:
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


def new(wall: Path, *argv: str) -> int:
    return main(["new", "--source", str(wall), *argv])


def written_kudos(wall: Path) -> dict[str, str]:
    return {p.name: p.read_text("utf-8") for p in (wall / "content/kudos").iterdir()}


def kudos_values(wall: Path, name: str) -> object:
    config = load_config(wall)
    path = wall / "content/kudos" / name
    result = parse_kudos(SourceFile(f"content/kudos/{name}", path.read_bytes()), config)
    assert result.problems == ()
    return result.kudos


# --- init ------------------------------------------------------------------------------------

def test_init_writes_a_wall_with_examples_and_editor_schemas(tmp_path: Path,
                                                            capsys: pytest.CaptureFixture[str]) -> None:
    wall = tmp_path / "new-wall"
    assert main(["init", str(wall)]) == 0
    files = files_of(wall)
    people = [f for f in files if f.startswith("content/people/")]
    kudos = [f for f in files if f.startswith("content/kudos/")]
    assert len(people) == 2 and len(kudos) == 2
    assert {Path(k).suffix for k in kudos} == {".md", ".yaml"}
    kinds = {load_wall(load_config(wall)).wall.people[Path(p).stem].kind for p in people}
    assert kinds == {"person", "organization"}
    assert files[".gitignore"].decode().splitlines()[1:] == ["site/", ".site.kudoswall-*", ".kudoswall-cache/"]
    out = capsys.readouterr().out
    assert all(f"created {wall / name}" in out for name in files)


def test_every_schema_comment_points_at_a_copy_of_the_packaged_schema(wall: Path) -> None:
    yaml_files = [p for p in wall.rglob("*") if p.suffix in (".yaml", ".md") and ".github" not in p.parts
                  and p.name != "CONTRIBUTING.md"]
    assert len(yaml_files) == 5
    for path in yaml_files:
        lines = path.read_text("utf-8").splitlines()
        comment = lines[1] if path.suffix == ".md" else lines[0]
        assert comment.startswith(SCHEMA_LINE), path
        schema_file = (path.parent / comment.removeprefix(SCHEMA_LINE)).resolve()
        packaged = resources.files("kudoswall.schema").joinpath(schema_file.name).read_text("utf-8")
        assert schema_file.read_text("utf-8") == packaged
        assert json.loads(packaged)["$schema"].startswith("https://json-schema.org/")


def test_init_then_check_is_clean(wall: Path, capsys: pytest.CaptureFixture[str]) -> None:
    capsys.readouterr()
    assert main(["check", "--source", str(wall)]) == 0
    out, err = capsys.readouterr()
    assert out == "OK: 2 kudos from 2 people\n"
    assert err == ""


def test_init_then_build_makes_a_sound_site(wall: Path) -> None:
    assert main(["build", "--source", str(wall)]) == 0
    site = BuiltSite(wall / "site", load_config(wall).base_url)
    assert "static/style.css" in site.files
    assert [failure for page in site.html_pages for failure in check_page(site, page)] == []


def test_init_keeps_a_title_with_yaml_syntax_as_text(tmp_path: Path) -> None:
    title = "no: really # it's \"ours\""
    assert main(["init", str(tmp_path / "w"), "--title", title]) == 0
    assert load_config(tmp_path / "w").title == title


@pytest.mark.parametrize("title", ["", " ", "x" * 121, "bell\x07"])
def test_init_refuses_a_title_the_config_would_reject(tmp_path: Path, title: str,
                                                      capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["init", str(tmp_path / "w"), "--title", title]) == 2
    assert capsys.readouterr().err.startswith("kudoswall: --title ")
    assert not (tmp_path / "w").exists()


def test_init_refuses_a_folder_that_already_holds_a_wall(wall: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (wall / "content/people/zoe-martin.yaml").write_text("name: Edited\n", "utf-8")
    before = files_of(wall)
    capsys.readouterr()
    assert main(["init", str(wall)]) == 2
    assert "already holds a wall" in capsys.readouterr().err
    assert files_of(wall) == before


def test_init_never_overwrites_a_file_and_then_writes_nothing(tmp_path: Path,
                                                              capsys: pytest.CaptureFixture[str]) -> None:
    folder = tmp_path / "repo"
    (folder / "content/people").mkdir(parents=True)
    (folder / "content/people/zoe-martin.yaml").write_text("name: The real Zoë\n", "utf-8")
    assert main(["init", str(folder)]) == 2
    assert "content/people/zoe-martin.yaml" in capsys.readouterr().err
    assert files_of(folder) == {"content/people/zoe-martin.yaml": "name: The real Zoë\n".encode()}


@pytest.mark.parametrize("in_the_way", [".github/workflows", "content"])
def test_init_with_a_file_where_a_folder_goes_writes_nothing(tmp_path: Path, in_the_way: str,
                                                             capsys: pytest.CaptureFixture[str]) -> None:
    """A file at .github/workflows stopped init halfway: the wall's files written, the rest not."""
    folder = tmp_path / "repo"
    (folder / in_the_way).parent.mkdir(parents=True, exist_ok=True)
    (folder / in_the_way).write_text("mine\n", "utf-8")
    assert main(["init", str(folder)]) == 2
    assert capsys.readouterr().err == (f"kudoswall: cannot create the wall in {folder}: {in_the_way} should be a "
                                       "folder and is a file or a link (move it away)\n")
    assert files_of(folder) == {in_the_way: b"mine\n"}


@pytest.mark.parametrize("name", ["", "  "])
def test_init_without_a_folder_name_is_a_usage_error(name: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                      capsys: pytest.CaptureFixture[str]) -> None:
    """'' made a wall in the current folder and printed 'Next: cd  && kudoswall serve'."""
    monkeypatch.chdir(tmp_path)
    assert main(["init", name]) == 2
    assert "init needs a folder name" in capsys.readouterr().err
    assert list(tmp_path.iterdir()) == []


def test_init_where_a_folder_cannot_be_made_is_a_usage_error(tmp_path: Path,
                                                             capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "a-file").write_text("", "utf-8")
    assert main(["init", str(tmp_path / "a-file" / "wall")]) == 2
    assert capsys.readouterr().err == f"kudoswall: cannot write {tmp_path / 'a-file' / 'wall'}: Not a directory\n"


def test_init_in_an_existing_repository_appends_to_its_gitignore(tmp_path: Path) -> None:
    folder = tmp_path / "repo"
    folder.mkdir()
    (folder / ".gitignore").write_text("node_modules/\nsite/", "utf-8")
    (folder / "README.md").write_text("mine", "utf-8")
    assert main(["init", str(folder)]) == 0
    assert (folder / ".gitignore").read_text("utf-8") == "node_modules/\nsite/\n.site.kudoswall-*\n.kudoswall-cache/\n"
    assert (folder / "README.md").read_text("utf-8") == "mine"


# --- new -------------------------------------------------------------------------------------

FULL = ["--from", "zoe-martin", "--to", "acme-cooperative", "--relationship", "vendor-to", "--date", "2024-08-01",
        "--skills", "Product design, On-time delivery,  ", "--context", "Booking app",
        "--role-from", "Lead: backend", "--role-to", "Client", "--body", "They were *great*.\n\nTruly.", "--no-input"]


def test_new_writes_the_kudos_file_with_every_field(wall: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert new(wall, *FULL) == 0
    path = wall / "content/kudos/2024-08-01-zoe-martin-on-acme-cooperative.md"
    assert f"created {path}" in capsys.readouterr().out
    assert path.read_text("utf-8") == (
        "---\n"
        "from: zoe-martin\n"
        "to: acme-cooperative\n"
        "date: 2024-08-01\n"
        "relationship: vendor-to\n"
        "role:\n"
        "  from: 'Lead: backend'\n"
        "  to: Client\n"
        "context: Booking app\n"
        "skills: [Product design, On-time delivery]\n"
        "---\n"
        "They were *great*.\n"
        "\n"
        "Truly.\n"
    )


def test_the_wall_passes_check_with_the_new_kudos(wall: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert new(wall, *FULL) == 0
    capsys.readouterr()
    assert main(["check", "--source", str(wall)]) == 0
    assert capsys.readouterr().out == "OK: 3 kudos from 2 people\n"


@pytest.mark.parametrize("title", ["no", "yes", "1.10", "2024-05-01", "Key: value # not a comment", "'quoted'",
                                   "- a list?", "[flow]", "{x: 1}", "@at", "Zoë’s “best” work", "null", "~"])
def test_new_titles_round_trip_as_text(wall: Path, title: str) -> None:
    assert new(wall, *FULL, "--title", title) == 0
    (name,) = [n for n in written_kudos(wall) if n.startswith("2024-08-01")]
    kudos = kudos_values(wall, name)
    assert kudos.title == title  # type: ignore[attr-defined]


def test_new_names_the_file_after_the_title(wall: Path) -> None:
    assert new(wall, *FULL, "--title", "Zoë’s C++ rescue!") == 0
    assert "2024-08-01-zoes-c-plus-plus-rescue.md" in written_kudos(wall)


def test_new_never_overwrites_and_counts_up(wall: Path) -> None:
    (wall / "content/kudos/2024-08-01-zoe-martin-on-acme-cooperative-2.yaml").write_text("taken", "utf-8")
    assert new(wall, *FULL) == 0
    assert new(wall, *FULL) == 0
    names = sorted(n for n in written_kudos(wall) if n.startswith("2024-08-01"))
    stem = "2024-08-01-zoe-martin-on-acme-cooperative"
    assert names == [f"{stem}-2.yaml", f"{stem}-3.md", f"{stem}.md"]
    assert written_kudos(wall)["2024-08-01-zoe-martin-on-acme-cooperative-2.yaml"] == "taken"


def test_new_dates_default_to_today(wall: Path) -> None:
    argv = [a for a in FULL if a not in ("--date", "2024-08-01")]
    before = dt.date.today()
    assert new(wall, *argv) == 0
    after = dt.date.today()
    names = [n for n in written_kudos(wall) if n.endswith("-zoe-martin-on-acme-cooperative.md")]
    assert names and names[0][:10] in (before.isoformat(), after.isoformat())


def test_new_reports_every_bad_flag_together_and_writes_nothing(wall: Path,
                                                                capsys: pytest.CaptureFixture[str]) -> None:
    before = files_of(wall)
    assert new(wall, "--from", "zoe-martn", "--to", "acme", "--relationship", "vendr", "--date", "2024-02-30",
               "--body", "x", "--no-input") == 2
    assert capsys.readouterr().err.splitlines() == [
        "kudoswall: --from: unknown person 'zoe-martn' (did you mean 'zoe-martin'?)",
        "kudoswall: --to: unknown person 'acme' (did you mean 'acme-cooperative'?)",
        "kudoswall: --relationship: 'vendr' is not a valid relationship (did you mean 'vendor-to'?)",
        "kudoswall: --date: '2024-02-30' is not a real date written YYYY-MM-DD",
    ]
    assert files_of(wall) == before


@pytest.mark.parametrize(("flags", "message"), [
    (["--to", "zoe-martin"], "--to: a kudos cannot be written to its own writer ('zoe-martin')"),
    (["--to", "grace"], "--to: unknown person 'grace' (add content/people/grace.yaml first)"),
    (["--to", "acme-cooperative", "--date", "20240801"], "--date: write the date as YYYY-MM-DD, not '20240801'"),
    (["--to", "acme-cooperative", "--body", "   "], "--body: the kudos has no text"),
    (["--to", "acme-cooperative", "--title", "x" * 141], "--title is longer than 140 characters"),
    (["--to", "acme-cooperative", "--skills", ",".join(f"s{i}" for i in range(13))],
     "--skills: at most 12 skills, each at most 60 characters of plain text"),
])
def test_new_refuses_values_the_wall_would_reject(wall: Path, flags: list[str], message: str,
                                                  capsys: pytest.CaptureFixture[str]) -> None:
    before = files_of(wall)
    argv = ["--from", "zoe-martin", "--relationship", "other", "--body", "Thanks.", *flags, "--no-input"]
    assert new(wall, *argv) == 2
    assert capsys.readouterr().err == f"kudoswall: {message}\n"
    assert files_of(wall) == before


def test_new_refuses_a_date_after_tomorrow_and_what_the_walls_own_limits_refuse(
        wall: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """What check would fail is refused before anything is written or recorded in kudoswall.lock."""
    config = wall / "kudoswall.yaml"
    config.write_text(config.read_text("utf-8") + "min_words: 10\nfield_limits:\n  title: 10\n", "utf-8")
    before = files_of(wall)
    common = ["--from", "zoe-martin", "--to", "acme-cooperative", "--relationship", "other", "--no-input"]
    assert new(wall, *common, "--date", "2099-01-01", "--body", "She helped us ship the ledger on time.") == 2
    assert capsys.readouterr().err.startswith("kudoswall: --date: 2099-01-01 is after today (")
    assert new(wall, *common, "--title", "A very long headline", "--body", "Too short.") == 2
    assert capsys.readouterr().err == (
        "kudoswall: the new kudos would not pass kudoswall check, so nothing was written: 'title' is too long "
        "(20 characters; at most 10) (shorten it, or change the limit with field_limits in kudoswall.yaml); the text "
        "is too short (2 words; at least 10) (say what they did and what it changed; a specific kudos is worth more)\n")
    assert files_of(wall) == before
    assert new(wall, *common, "--body", "She rebuilt our billing pipeline and taught the whole team how it works.") == 0


def test_new_refuses_a_person_who_asked_to_be_removed(wall: Path, capsys: pytest.CaptureFixture[str]) -> None:
    person = wall / "content/people/acme-cooperative.yaml"
    person.write_text(person.read_text("utf-8") + "status: removed\n", "utf-8")
    before = files_of(wall)
    assert new(wall, "--from", "zoe-martin", "--to", "acme-cooperative", "--relationship", "other",
               "--body", "Thanks for the launch.", "--no-input") == 2
    assert capsys.readouterr().err == ("kudoswall: --to: 'acme-cooperative' asked to be removed from the wall "
                                       "(status: removed); a kudos from or to them would be hidden\n")
    assert files_of(wall) == before  # no file, and no record in kudoswall.lock


def test_new_where_the_kudos_folder_cannot_be_written_is_a_usage_error(
        wall: Path, capsys: pytest.CaptureFixture[str]) -> None:
    for path in (wall / "content/kudos").iterdir():
        path.unlink()
    (wall / "content/kudos").rmdir()
    (wall / "content/kudos").write_text("not a folder", "utf-8")
    assert new(wall, *FULL) == 2
    assert capsys.readouterr().err.startswith(f"kudoswall: cannot write {wall / 'content/kudos'}")


def test_new_without_a_terminal_names_the_missing_flags(wall: Path, capsys: pytest.CaptureFixture[str],
                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(sys, "stdin", io.StringIO(""))
    assert new(wall, "--from", "zoe-martin") == 2
    assert capsys.readouterr().err == ("kudoswall: missing --to, --relationship, --body "
                                       "(run on a terminal without --no-input to be asked)\n")


def test_new_reads_the_body_from_standard_input(wall: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(sys, "stdin", io.StringIO("Line one.\n\n---\nStill the body.\n"))
    argv = [*FULL[: FULL.index("--body")], "--body", "-", "--no-input"]
    assert new(wall, *argv) == 0
    kudos = kudos_values(wall, "2024-08-01-zoe-martin-on-acme-cooperative.md")
    assert kudos.body_markdown == "Line one.\n\n---\nStill the body."  # type: ignore[attr-defined]


def test_new_keeps_a_hard_line_break_and_drops_a_byte_order_mark(wall: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Every line was stripped, turning a Markdown hard break (two trailing spaces) into a soft one,
    and a BOM on standard input stayed as an invisible first character."""
    monkeypatch.setattr(sys, "stdin", io.StringIO("\ufeffLine one  \nhard break \t\nlast\n"))
    argv = [*FULL[: FULL.index("--body")], "--body", "-", "--no-input"]
    assert new(wall, *argv) == 0
    kudos = kudos_values(wall, "2024-08-01-zoe-martin-on-acme-cooperative.md")
    assert kudos.body_markdown == "Line one  \nhard break\nlast"  # type: ignore[attr-defined]


class FakeTerminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def answers(monkeypatch: pytest.MonkeyPatch, *replies: str) -> list[str]:
    """Feed `input()` the replies in order; returns the prompts it was shown."""
    prompts: list[str] = []
    queue: Iterator[str] = iter(replies)

    def fake_input(prompt: str = "") -> str:
        prompts.append(prompt)
        try:
            return next(queue)
        except StopIteration:
            raise EOFError from None

    monkeypatch.setattr(sys, "stdin", FakeTerminal())
    monkeypatch.setattr("builtins.input", fake_input)
    return prompts


def test_new_asks_for_everything_on_a_terminal_and_re_asks_after_a_mistake(
        wall: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    prompts = answers(monkeypatch, "zoe", "zoe-martin", "acme-cooperative", "99", "7", "Product design", "", "Quick",
                      "They shipped on time.", "Every time.", ".")
    assert new(wall, "--date", "2024-08-02") == 0
    out = capsys.readouterr().out
    assert "did you mean 'zoe-martin'?" in out
    assert " 7. vendor-to        Zoë Martín was a vendor to Acme Cooperative" in out
    assert " 1. managed          Zoë Martín managed Acme Cooperative directly" in out
    assert prompts[:5] == ["Your handle (from): ", "Your handle (from): ", "Recipient's handle (to): ",
                           "Relationship (number or name): ", "Relationship (number or name): "]
    assert written_kudos(wall)["2024-08-02-quick.md"] == (
        "---\nfrom: zoe-martin\nto: acme-cooperative\ndate: 2024-08-02\nrelationship: vendor-to\n"
        "skills: [Product design]\ntitle: Quick\n---\nThey shipped on time.\nEvery time.\n")


def test_new_on_a_terminal_asks_only_for_what_is_missing(wall: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    prompts = answers(monkeypatch, "same-team", "Great pairing partner.", ".")
    assert new(wall, "--from", "zoe-martin", "--to", "acme-cooperative", "--date", "2024-08-03") == 0
    assert prompts == ["Relationship (number or name): ", "", ""]
    assert "2024-08-03-zoe-martin-on-acme-cooperative.md" in written_kudos(wall)


def test_new_on_a_terminal_re_asks_what_a_wall_rule_refuses_and_keeps_the_typed_text(
        wall: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    """min_words and field_limits are only known once the whole kudos is read: the writer is asked
    again for those fields, shown what they typed, instead of losing everything."""
    config = wall / "kudoswall.yaml"
    config.write_text(config.read_text("utf-8") + "min_words: 8\nfield_limits:\n  title: 10\n", "utf-8")
    prompts = answers(monkeypatch, "zoe-martin", "acme-cooperative", "other", "", "", "A very long headline",
                      "Too short to count.", ".",
                      "Shipped", "Too short to count. They rebuilt our billing and taught us how.", ".")
    assert new(wall, "--date", "2024-08-04") == 0
    out = capsys.readouterr().out
    assert "'title' is too long (20 characters; at most 10)" in out
    assert "the text is too short (4 words; at least 8)" in out
    assert "Your text was:\nToo short to count.\n" in out
    assert prompts[-3:] == ["Headline (optional): ", "", ""]  # the headline, then the text again
    assert written_kudos(wall)["2024-08-04-shipped.md"].endswith(
        "title: Shipped\n---\nToo short to count. They rebuilt our billing and taught us how.\n")


def test_new_on_a_terminal_shows_the_typed_text_when_it_cannot_ask_again(
        wall: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    """A flag's value the wall refuses (a role longer than field_limits) is not asked again; the text
    typed on the terminal is printed before the refusal, not thrown away."""
    config = wall / "kudoswall.yaml"
    config.write_text(config.read_text("utf-8") + "field_limits:\n  role.from: 5\n", "utf-8")
    before = files_of(wall)
    answers(monkeypatch, "She rebuilt our billing pipeline.", ".")
    assert new(wall, "--from", "zoe-martin", "--to", "acme-cooperative", "--relationship", "other",
               "--role-from", "Head of design") == 2
    captured = capsys.readouterr()
    assert "Your text was:\nShe rebuilt our billing pipeline.\n" in captured.out
    assert "'role.from' is too long" in captured.err
    assert files_of(wall) == before


def test_new_stops_cleanly_when_input_ends(wall: Path, monkeypatch: pytest.MonkeyPatch,
                                          capsys: pytest.CaptureFixture[str]) -> None:
    before = files_of(wall)
    answers(monkeypatch, "zoe-martin")
    assert new(wall) == 2
    assert "input ended before every field was given" in capsys.readouterr().err
    assert files_of(wall) == before


def test_the_readmes_deploy_job_is_the_one_init_writes() -> None:
    """The README's deploy example threw the build's new lock records away; it now quotes init's job."""
    from kudoswall.scaffold_git import workflow_text

    readme = (Path(__file__).parent.parent / "README.md").read_text("utf-8")
    block = readme.split("job is the part to adapt for another host:\n\n```yaml\n", 1)[1].split("```", 1)[0]
    assert "git add kudoswall.lock" in block and "git push" in block
    assert block in workflow_text("main")


@pytest.mark.skipif(__import__("shutil").which("git") is None, reason="needs git")
def test_init_in_a_repository_deploys_its_branch_and_adds_the_lock_merge_rule_to_its_gitattributes(
        tmp_path: Path) -> None:
    """The workflow always said 'main' (a 'master' wall never deployed), and an existing .gitattributes
    was kept without the lock's merge rule, so every second pull request conflicted again."""
    import os
    import subprocess

    env = {**os.environ, "GIT_CONFIG_GLOBAL": os.devnull, "GIT_CONFIG_NOSYSTEM": "1"}
    subprocess.run(["git", "-C", str(tmp_path), "init", "-q", "-b", "master"], env=env, check=True)
    (tmp_path / ".gitattributes").write_text("*.png binary", "utf-8")  # no final newline
    assert main(["init", str(tmp_path)]) == 0
    workflow = (tmp_path / ".github/workflows/kudoswall.yml").read_text("utf-8")
    assert "branches: [master]" in workflow and "[main]" not in workflow
    assert (tmp_path / ".gitattributes").read_text("utf-8") == "*.png binary\nkudoswall.lock merge=union\n"
