"""Rules that span files (references, duplicates, lookalike names, avatars) and the wall's indexes."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from conftest import kudos_md, make_wall

from kudoswall.build import LoadedWall, load_wall
from kudoswall.config import load_config
from kudoswall.errors import ContentError, format_problem

PNG = (Path(__file__).parent / "fixtures" / "images" / "base.png").read_bytes()


def load(wall: Path) -> LoadedWall:
    return load_wall(load_config(wall))


def errors(wall: Path) -> list[str]:
    with pytest.raises(ContentError) as raised:
        load(wall)
    return [format_problem(p) for p in raised.value.problems if p.severity == "error"]


def warnings(wall: Path) -> list[str]:
    return [format_problem(p) for p in load(wall).problems]


def test_unknown_people_are_named_with_the_closest_handle(tmp_path: Path) -> None:
    wall = make_wall(tmp_path, kudos={"2024-05-01-a": kudos_md(**{"from": "adaa", "to": "nobody"})})
    assert errors(wall) == [
        "content/kudos/2024-05-01-a.md:2:7: unknown person 'adaa' in 'from' (did you mean 'ada'?)",
        "content/kudos/2024-05-01-a.md:3:5: unknown person 'nobody' in 'to' (add content/people/nobody.yaml)",
    ]


def test_a_kudos_to_its_own_writer_is_refused(tmp_path: Path) -> None:
    wall = make_wall(tmp_path, kudos={"2024-05-01-a": kudos_md(to="ada")})
    assert errors(wall) == ["content/kudos/2024-05-01-a.md:3:5: a kudos cannot be written to its own writer "
                            "('from' and 'to' must name different people)"]


def test_an_explicit_id_may_not_take_another_kudos_file_name(tmp_path: Path) -> None:
    wall = make_wall(tmp_path, kudos={"2024-05-01-a": kudos_md(), "2024-05-02-b": kudos_md(id="2024-05-01-a",
                                                                                          date="2024-05-02")})
    assert errors(wall) == [
        "content/kudos/2024-05-02-b.md:6:5: duplicate kudos id '2024-05-01-a' (also used by "
        "content/kudos/2024-05-01-a.md) (rename one of the files, or set a different 'id:')"]


def test_same_stem_in_md_and_yaml_is_a_duplicate(tmp_path: Path) -> None:
    wall = make_wall(tmp_path, kudos={
        "2024-05-01-a.md": kudos_md(),
        "2024-05-01-a.yaml": "from: ada\nto: grace\ndate: 2024-05-01\nrelationship: other\nbody: Hi.\n"})
    (problem,) = errors(wall)
    assert problem.startswith("content/kudos/2024-05-01-a.yaml: duplicate kudos id '2024-05-01-a'")


def test_a_date_after_today_is_an_error(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """2099 for 2024 passed, and the lock recorded 2099 as the first publication for good."""
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1717200000")  # 2024-06-01
    wall = make_wall(tmp_path, kudos={"2024-06-02-tomorrow": kudos_md(date="2024-06-02"),  # ahead of UTC: fine
                                      "2024-06-03-a": kudos_md(date="2024-06-03")})
    assert errors(wall) == [
        "content/kudos/2024-06-03-a.md:4:7: 'date' 2024-06-03 is after today (2024-06-01) (write the day it was "
        "written: the first publication of a kudos is recorded in kudoswall.lock for good, and a typo there could "
        "never be corrected)"]


def test_same_handle_in_yaml_and_yml_is_a_duplicate(tmp_path: Path) -> None:
    """The file listed last replaced the other: a pull request adding ada.yml took over Ada's profile."""
    wall = make_wall(tmp_path, people={"ada.yaml": {"name": "Ada Okafor", "skills": ["Go"]},
                                       "ada.yml": {"name": "Mallory", "skills": ["Go"]},
                                       "grace": {"name": "Grace Lindqvist", "skills": ["Go"]}})
    assert errors(wall) == ["content/people/ada.yml: duplicate person handle 'ada' (also used by "
                            "content/people/ada.yaml) (keep one file for each person: delete or merge the other)"]


def test_a_file_name_whose_date_disagrees_is_a_warning_even_with_an_explicit_id(tmp_path: Path) -> None:
    wall = make_wall(tmp_path, kudos={"2024-06-01-a": kudos_md(), "2024-07-01-b": kudos_md(id="b")})
    hint = "(name kudos files <YYYY-MM-DD>-<slug>.md with the same date)"
    assert warnings(wall) == [
        f"content/kudos/2024-06-01-a.md:4:7: warning: the file name says 2024-06-01 but 'date' is 2024-05-01 {hint}",
        f"content/kudos/2024-07-01-b.md:4:7: warning: the file name says 2024-07-01 but 'date' is 2024-05-01 {hint}",
    ]


def test_a_file_name_without_a_date_gets_no_date_warning(tmp_path: Path) -> None:
    wall = make_wall(tmp_path, kudos={"ledger-rescue": kudos_md()})
    assert warnings(wall) == []


def test_a_skill_the_recipient_does_not_list_is_a_warning(tmp_path: Path) -> None:
    wall = make_wall(tmp_path, kudos={"2024-05-01-a": kudos_md(skills=["Go", "Rust", "Haskell", "rust"])})
    assert warnings(wall) == [  # each at its own item of the list (line 6 is 'skills:')
        "content/kudos/2024-05-01-a.md:8:3: warning: 'Grace Lindqvist' does not list the skill 'Rust' (fine if meant: "
        "it shows apart on their page; add it to content/people/grace.yaml to list it)",
        "content/kudos/2024-05-01-a.md:9:3: warning: 'Grace Lindqvist' does not list the skill 'Haskell' (fine if "
        "meant: it shows apart on their page; add it to content/people/grace.yaml to list it)"]


def test_a_skill_in_a_flow_list_is_placed_at_its_item(tmp_path: Path) -> None:
    text = "---\nfrom: ada\nto: grace\ndate: 2024-05-01\nrelationship: same-team\nskills: [Go, Rust]\n---\nThanks!\n"
    wall = make_wall(tmp_path, kudos={"2024-05-01-a": text})
    assert [line.split(": warning")[0] for line in warnings(wall)] == ["content/kudos/2024-05-01-a.md:6:14"]


def test_names_spelled_with_lookalike_letters_are_refused(tmp_path: Path) -> None:
    wall = make_wall(tmp_path, people={"ada": {"name": "Ada Okafor"}, "grace": {"name": "Grace Lindqvist"},
                                       "ada2": {"name": "Аda Okafor"}})  # Cyrillic А
    (problem,) = errors(wall)
    assert problem.startswith("content/people/ada2.yaml:1:7: name 'Аda Okafor' looks like 'Ada Okafor' "
                              "(content/people/ada.yaml) but is spelled with different characters")


def test_handles_that_read_alike_are_refused(tmp_path: Path) -> None:
    wall = make_wall(tmp_path, people={"mary": {"name": "Mary"}, "rnary": {"name": "Another"},
                                       "ada": {"name": "Ada"}, "grace": {"name": "Grace"}})
    assert errors(wall) == ["content/people/rnary.yaml:1:1: handle 'rnary' is confusable with 'mary'"]


@pytest.mark.parametrize(("avatar", "data", "message"), [
    ("ada.png", None, "avatar file 'ada.png' not found (add the image next to the person's file)"),
    ("ada.png", b"GIF89a not a png", "avatar 'ada.png' is not a PNG image (save it in that format, or name the file "
                                     "after the format it is in)"),
    ("../../secret.png", PNG, "avatar '../../secret.png' is outside the content folder (put the image in content/)"),
])
def test_avatars_must_be_real_local_images(tmp_path: Path, avatar: str, data: bytes | None, message: str) -> None:
    wall = make_wall(tmp_path, people={"ada": {"name": "Ada", "avatar": avatar}, "grace": {"name": "Grace"}})
    if data is not None:
        target = (wall / "content/people" / avatar).resolve()
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(data)
    assert errors(wall) == [f"content/people/ada.yaml:2:9: {message}"]  # at the avatar field


def test_a_valid_avatar_gets_its_output_path(tmp_path: Path) -> None:
    wall = make_wall(tmp_path, people={"ada": {"name": "Ada", "avatar": "img/ada.png"}, "grace": {"name": "Grace"}})
    (wall / "content/people/img").mkdir()
    (wall / "content/people/img/ada.png").write_bytes(PNG)
    assert load(wall).wall.people["ada"].avatar_path == "people/ada/avatar.png"


def test_every_error_of_the_wall_is_reported_in_one_run(tmp_path: Path) -> None:
    wall = make_wall(tmp_path, kudos={"2024-05-01-a": kudos_md(to="gracee"), "2024-05-02-b": kudos_md(to="ada"),
                                      "2024-05-03-c": "no front matter\n"})
    assert len(errors(wall)) == 3


def test_the_wall_is_indexed_newest_first_with_received_given_and_skills(tmp_path: Path) -> None:
    wall = make_wall(tmp_path, kudos={
        "2024-05-01-a": kudos_md(skills=["Go"]),
        "2024-06-01-b": kudos_md(**{"from": "grace", "to": "ada"}, date="2024-06-01", skills=["go", "Rust"]),
        "2024-06-01-a2": kudos_md(date="2024-06-01"),
    })
    indexed = load(wall).wall
    assert [k.id for k in indexed.kudos] == ["2024-06-01-b", "2024-06-01-a2", "2024-05-01-a"]
    assert [k.id for k in indexed.received["grace"]] == ["2024-06-01-a2", "2024-05-01-a"]
    assert [k.id for k in indexed.given["grace"]] == ["2024-06-01-b"]
    assert list(indexed.skills) == ["go", "rust"]
    assert indexed.skills["go"].name == "Go"  # a person's own spelling wins over a kudos'
    assert [k.id for k in indexed.skill_kudos["go"]] == ["2024-06-01-b", "2024-05-01-a"]
    assert indexed.kudos[0].date == dt.date(2024, 6, 1)
