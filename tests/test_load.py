"""Per-file parsing: bytes of one person or kudos file → a typed model, or problems with positions."""

from __future__ import annotations

import datetime as dt
import os
from pathlib import Path

import pytest

from kudoswall.config import Config
from kudoswall.errors import format_problem
from kudoswall.load import SourceFile, list_source_files, parse_kudos, parse_person
from kudoswall.models import Kudos, Person, Skill

CONFIG = Config(root=Path("/wall"))
FRONT = "from: ada\nto: grace\ndate: 2024-05-01\nrelationship: same-team\n"


def person(text: str, name: str = "ada.yaml") -> Person:
    result = parse_person(SourceFile(f"content/people/{name}", text.encode("utf-8")), CONFIG)
    assert result.problems == ()
    assert result.person is not None
    return result.person


def person_problems(text: str, name: str = "ada.yaml") -> list[str]:
    result = parse_person(SourceFile(f"content/people/{name}", text.encode("utf-8")), CONFIG)
    assert result.person is None
    return [format_problem(p) for p in result.problems]


def kudos(text: str, name: str = "2024-05-01-ada-on-grace.md", config: Config = CONFIG) -> Kudos:
    result = parse_kudos(SourceFile(f"content/kudos/{name}", text.encode("utf-8")), config)
    assert [format_problem(p) for p in result.problems] == []
    assert result.kudos is not None
    return result.kudos


def kudos_problems(text: str, name: str = "2024-05-01-ada-on-grace.md", config: Config = CONFIG) -> list[str]:
    result = parse_kudos(SourceFile(f"content/kudos/{name}", text.encode("utf-8")), config)
    assert result.kudos is None
    return [format_problem(p) for p in result.problems]


# --- people ----------------------------------------------------------------------------------

def test_a_person_gets_the_handle_from_the_file_name_and_defaults() -> None:
    ada = person("name: Ada Okafor\n")
    assert (ada.handle, ada.name, ada.kind, ada.headline, ada.url, ada.skills, ada.links) == (
        "ada", "Ada Okafor", "person", "", None, (), ())
    assert ada.source == "content/people/ada.yaml"


def test_links_are_labelled_sorted_and_a_github_login_becomes_an_address() -> None:
    ada = person("name: Ada\nlinks:\n  website: https://ada.example\n  github: ada-o\n")
    assert [(link.kind, link.label, link.url) for link in ada.links] == [
        ("github", "GitHub", "https://github.com/ada-o"), ("website", "Website", "https://ada.example")]


def test_skills_are_deduplicated_by_slug_keeping_the_first_spelling() -> None:
    ada = person("name: Ada\nskills: [Go, go, '  Incident   response ', C++, C#]\n")
    assert ada.skills == (Skill("go", "Go"), Skill("incident-response", "Incident response"),
                          Skill("c-plus-plus", "C++"), Skill("c-sharp", "C#"))


def test_names_are_stored_in_nfc_form() -> None:
    assert person("name: Rene\u0301e\n").name == "Ren\u00e9e"


@pytest.mark.parametrize(("name", "message"), [
    ("Ada\u202eakO", "contains a direction-changing character (U+202E)"),
    ("Ad\u200ba", "contains an invisible or direction-changing character (U+200B"),
    ("Ada\\x07", "contains a control character (U+0007)"),
])
def test_names_that_could_impersonate_are_refused(name: str, message: str) -> None:
    (problem,) = person_problems(f'name: "{name}"\n')
    assert problem.startswith(f"content/people/ada.yaml:1:7: 'name' {message}")


def test_a_file_name_that_is_not_a_handle_is_refused_with_a_rename_hint() -> None:
    assert person_problems("name: Ada\n", "Ada Okafor.yaml") == [
        "content/people/Ada Okafor.yaml: 'Ada Okafor' is not a valid handle (rename the file to 'ada-okafor.yaml': "
        "lowercase letters, digits and hyphens)"]


def test_a_person_without_a_name_is_refused() -> None:
    assert person_problems("headline: Engineer\n") == [
        "content/people/ada.yaml:1:1: missing required field 'name' (add 'name: ...')"]


# --- kudos -----------------------------------------------------------------------------------

def test_a_markdown_kudos_has_its_fields_its_body_and_its_positions() -> None:
    text = f"---\n{FRONT}skills: [Go]\ntitle: no\nrole:\n  from: Lead\n---\n\nShe *fixed* it.\n\n"
    loaded = kudos(text)
    assert (loaded.id, loaded.from_handle, loaded.to_handle, loaded.date, loaded.relationship) == (
        "2024-05-01-ada-on-grace", "ada", "grace", dt.date(2024, 5, 1), "same-team")
    assert loaded.title == "no"
    assert (loaded.role_from, loaded.role_to) == ("Lead", None)
    assert loaded.body_markdown == "She *fixed* it."
    assert str(loaded.pos("to")) == "content/kudos/2024-05-01-ada-on-grace.md:3:5"
    assert str(loaded.pos("skills")) == "content/kudos/2024-05-01-ada-on-grace.md:6:9"
    assert str(loaded.pos("no-such-field")) == "content/kudos/2024-05-01-ada-on-grace.md:1:1"


def test_an_explicit_id_names_the_kudos() -> None:
    assert kudos(f"---\nid: ledger-rescue\n{FRONT}---\nText.\n").id == "ledger-rescue"


def test_a_yaml_kudos_carries_its_text_in_body() -> None:
    loaded = kudos(f"{FRONT}body: |\n  Line one.\n  Line two.\n", "2024-05-01-ada-on-grace.yaml")
    assert loaded.body_markdown == "Line one.\nLine two."
    assert loaded.id == "2024-05-01-ada-on-grace"


def test_a_yaml_kudos_without_body_says_where_the_text_goes() -> None:
    assert kudos_problems(FRONT, "2024-05-01-ada-on-grace.yaml") == [
        "content/kudos/2024-05-01-ada-on-grace.yaml:1:1: the kudos has no text (add a 'body:' field with the text)"]


def test_a_yaml_body_written_as_a_number_is_its_text_and_as_a_list_is_one_error_at_its_value() -> None:
    """`body: 5` said "the kudos has no text"; a list said that too, beside the schema's own error."""
    assert kudos(f"{FRONT}body: 2024\n", "2024-05-01-ada-on-grace.yaml").body_markdown == "2024"
    assert kudos_problems(f"{FRONT}body: [a, b]\n", "2024-05-01-ada-on-grace.yaml") == [
        "content/kudos/2024-05-01-ada-on-grace.yaml:5:7: 'body' must be text, not a list"]


def test_a_bad_item_of_a_list_gets_the_lists_hint() -> None:
    assert kudos_problems(f"---\n{FRONT}aliases: [old-id, /]\n---\nThanks!\n") == [
        "content/kudos/2024-05-01-ada-on-grace.md:6:19: 'aliases[2]' has an invalid value '/' "
        "(list old ids like [2024-05-01-old-slug] or paths like [k/old-slug/])"]


def test_body_in_a_markdown_front_matter_is_refused() -> None:
    assert kudos_problems(f"---\n{FRONT}body: Text\n---\n") == [
        "content/kudos/2024-05-01-ada-on-grace.md:6:1: 'body' belongs in .yaml kudos files only "
        "(write the text below the closing '---' instead)"]


def test_an_empty_markdown_body_is_refused_at_the_line_it_should_start() -> None:
    assert kudos_problems(f"---\n{FRONT}---\n\n  \n") == [
        "content/kudos/2024-05-01-ada-on-grace.md:7:1: the kudos has no text "
        "(write the recommendation below the front matter)"]
    for ending in ("---", "---\n"):  # the file ends at the closing fence: no line 7 to point at
        assert kudos_problems(f"---\n{FRONT}{ending}") == [
            "content/kudos/2024-05-01-ada-on-grace.md:6:1: the kudos has no text "
            "(write the recommendation below the front matter)"]


def test_a_body_over_the_limit_is_refused() -> None:
    config = Config(root=Path("/wall"), max_body_length=100)
    (problem,) = kudos_problems(f"---\n{FRONT}---\n{'word ' * 30}\n", config=config)
    assert problem == ("content/kudos/2024-05-01-ada-on-grace.md:7:1: the text is too long "
                       "(150 characters; at most 100) (shorten it, or raise max_body_length in kudoswall.yaml)")


@pytest.mark.parametrize(("body", "line", "column"), [
    ("\n\nline one\nline two\nline three has \u202e bidi", 11, 16),
    ("Zoë — Żółć\nli\x07ne", 8, 3),
    ("\x0bfirst", 7, 1),
])
def test_a_refused_character_in_a_markdown_body_is_placed_where_it_is(body: str, line: int, column: int) -> None:
    """An invisible character is hard to find: the line and column of the character, not of the body."""
    [problem] = kudos_problems(f"---\n{FRONT}---\n{body}\n")
    assert problem.startswith(f"content/kudos/2024-05-01-ada-on-grace.md:{line}:{column}: the text contains")


def test_a_front_matter_that_is_never_closed_is_reported() -> None:
    assert kudos_problems(f"---\n{FRONT}Text.\n") == [
        "content/kudos/2024-05-01-ada-on-grace.md:1:1: front matter is not closed "
        "(add a line '---' after the last field)"]


@pytest.mark.parametrize(("date", "column", "message"), [
    ("2024-02-30", 7, "'2024-02-30' is not a real date (check the month and day)"),
    ("2023-02-29", 7, "'2023-02-29' is not a real date (check the month and day)"),
    ("01/05/2024", 7, "'date' has an invalid value '01/05/2024' (write the date as YYYY-MM-DD, like 2024-05-01)"),
])
def test_dates_must_be_real_and_written_yyyy_mm_dd(date: str, column: int, message: str) -> None:
    text = f"---\n{FRONT.replace('2024-05-01', date)}---\nText.\n"
    assert kudos_problems(text) == [f"content/kudos/2024-05-01-ada-on-grace.md:4:{column}: {message}"]


def test_a_leap_day_is_a_real_date() -> None:
    assert kudos(f"---\n{FRONT.replace('2024-05-01', '2024-02-29')}---\nText.\n",
                 "2024-02-29-x.md").date == dt.date(2024, 2, 29)


def test_several_problems_in_one_file_are_all_reported() -> None:
    text = "---\nfrom: ada\nto: grace\ndate: 2024-05-01\nrelationship: teammate\nskils: [Go]\n---\nText.\n"
    assert kudos_problems(text) == [
        "content/kudos/2024-05-01-ada-on-grace.md:5:15: 'teammate' is not a valid value for 'relationship' "
        "(use one of: managed, reported-to, senior-to, same-team, different-teams, client-of, vendor-to, "
        "business-partner, mentor, mentee, teacher, student, other)",
        "content/kudos/2024-05-01-ada-on-grace.md:6:1: unknown field 'skils' (did you mean 'skills'?)",
    ]


def test_tags_and_skills_are_deduplicated() -> None:
    loaded = kudos(f"---\n{FRONT}skills: [Go, GO, Rust]\ntags: [a, ' a', b]\n---\nText.\n")
    assert [s.name for s in loaded.skills] == ["Go", "Rust"]
    assert loaded.tags == ("a", "b")


# --- which files are read --------------------------------------------------------------------

def test_only_people_and_kudos_files_are_listed_and_editor_leftovers_are_skipped(tmp_path: Path) -> None:
    people, kudos_dir = tmp_path / "content/people", tmp_path / "content/kudos"
    people.mkdir(parents=True)
    kudos_dir.mkdir(parents=True)
    for name in ("ada.yaml", "grace.yml", "notes.txt", ".hidden.yaml", "ada.yaml~", "4913", ".ada.yaml.swp"):
        (people / name).write_text("name: X\n", "utf-8")
    for name in ("a.md", "b.yaml", "c.yml", "d.markdown", "#e.md#", "f.md.tmp"):
        (kudos_dir / name).write_text("x", "utf-8")
    os.symlink(people / "ada.yaml", people / "link.yaml")
    found_people, found_kudos, problems = list_source_files(Config(root=tmp_path))
    assert [p.name for p in found_people] == ["ada.yaml", "grace.yml"]
    assert [p.name for p in found_kudos] == ["a.md", "b.yaml", "c.yml"]
    assert [format_problem(p) for p in problems] == [
        "content/people/link.yaml: symbolic links are not followed in the content folder "
        "(replace the link with the file itself)",
        "content/kudos/d.markdown: 'd.markdown' is not read: only files ending in .md, .yaml or .yml are "
        "(rename it to end in .md, or move it out of content/kudos/)"]


def test_a_kudos_that_would_never_be_read_is_an_error_and_a_persons_pictures_are_not(tmp_path: Path) -> None:
    """A kudos named .MD, or put in a subfolder, passed check and was never published."""
    people, kudos_dir = tmp_path / "content/people", tmp_path / "content/kudos"
    (people / "avatars").mkdir(parents=True)
    (kudos_dir / "2024").mkdir(parents=True)
    for path in ("people/ada.yaml", "people/ada.jpg", "people/avatars/zoe.png", "people/notes.txt",
                 "people/Zoe.YAML", "kudos/2024-05-01-a.MD", "kudos/2024/2024-05-02-b.md", "kudos/.gitkeep"):
        (tmp_path / "content" / path).write_text("x", "utf-8")
    found_people, found_kudos, problems = list_source_files(Config(root=tmp_path))
    assert [p.name for p in found_people] == ["ada.yaml"] and found_kudos == []
    assert sorted(format_problem(p) for p in problems) == [
        "content/kudos/2024-05-01-a.MD: '2024-05-01-a.MD' is not read: only files ending in .md, .yaml or .yml are "
        "(rename it to end in .md, or move it out of content/kudos/)",
        "content/kudos/2024: '2024' is a folder, and only the files directly in content/kudos/ are read "
        "(move its files up into the folder, or out of it)",
        "content/people/Zoe.YAML: 'Zoe.YAML' is not read: only files ending in .yaml or .yml are "
        "(rename it to end in .yaml, or move it out of content/people/)"]


def test_a_content_folder_without_people_and_kudos_folders_has_no_files(tmp_path: Path) -> None:
    (tmp_path / "content").mkdir()
    assert list_source_files(Config(root=tmp_path)) == ([], [], [])


def test_a_value_echoed_in_a_message_keeps_the_message_on_one_line() -> None:
    """A folded line break in a plain scalar was echoed as is (hypothesis found it): a line break in
    a message would forge a second line of the build log."""
    source = (b"---\nfrom: ada\nto: grace\ndate: 2024-05-01\nrelationship: s\n\r ame-team\n---\nGrace kept it safe.\n")
    [problem] = parse_kudos(SourceFile("content/kudos/2024-05-01-x.md", source), Config(Path("."))).problems
    assert format_problem(problem) == ("content/kudos/2024-05-01-x.md:5:15: 's\\u000aame-team' is not a valid value "
                                       "for 'relationship' (did you mean 'same-team'?)")


def test_spaces_after_either_front_matter_fence_are_allowed_and_positions_stay_right() -> None:
    plain = kudos(f"---\n{FRONT}---\nThanks for the review.\n")
    spaced = kudos(f"--- \t\n{FRONT}---  \nThanks for the review.\n")
    assert spaced.body_markdown == plain.body_markdown
    assert str(spaced.pos("relationship")) == str(plain.pos("relationship")) == \
        "content/kudos/2024-05-01-ada-on-grace.md:5:15"  # the value
    assert kudos_problems(f"-- -\n{FRONT}---\nx\n")[0].endswith("missing front matter: a kudos file starts with a "
                                                              "line '---' (put the fields between two '---' lines "
                                                              "above the text)")


def test_a_file_where_a_content_folder_goes_is_an_error_not_an_empty_wall(tmp_path: Path) -> None:
    (tmp_path / "content/people").mkdir(parents=True)
    (tmp_path / "content/kudos").write_text("a kudos folder squashed into a file\n", "utf-8")
    _, _, problems = list_source_files(Config(root=tmp_path))
    assert [format_problem(p) for p in problems] == [
        "content/kudos: 'content/kudos' is a file, not a folder "
        "(move the file away and keep the kudos files in a folder content/kudos/)"]


@pytest.mark.parametrize("is_file", [False, True])
def test_a_missing_content_folder_is_an_error_not_an_empty_wall(tmp_path: Path, is_file: bool) -> None:
    """A misspelt content_dir would otherwise build, and check pass, a wall with nothing on it."""
    if is_file:
        (tmp_path / "contents").write_text("x", "utf-8")
    _, _, problems = list_source_files(Config(root=tmp_path, content_dir="contents"))
    assert [p.message for p in problems] == [
        f"the content folder 'contents' {'is a file, not a folder' if is_file else 'does not exist'}"]
    assert problems[0].pos.path == "contents"
