"""Impersonation: invisible and direction-changing characters, Unicode forms and lookalike names."""

from __future__ import annotations

import json
from collections.abc import Mapping
from pathlib import Path

import pytest
from attack_corpus import render_outputs
from conftest import FileSource, kudos_md, make_wall

from kudoswall.errors import ContentError, format_problem


def errors_for(tmp_path: Path, people: Mapping[str, FileSource], kudos: Mapping[str, FileSource] | None = None
               ) -> list[str]:
    root = make_wall(tmp_path, people={"ada": {"name": "Ada"}, "grace": {"name": "Grace"}, **people}, kudos=kudos)
    with pytest.raises(ContentError) as caught:
        render_outputs(root)
    return [format_problem(p) for p in caught.value.problems if p.severity == "error"]


@pytest.mark.parametrize("isolate", ["\u2066", "\u2067", "\u2068", "\u2069"])
def test_bidi_isolates_in_a_name_are_refused(tmp_path: Path, isolate: str) -> None:
    assert errors_for(tmp_path, {"eve": {"name": f"E{isolate}ve"}}) == [
        f"content/people/eve.yaml:1:7: 'name' contains a direction-changing character (U+{ord(isolate):04X}) "
        "(retype the text)"
    ]


@pytest.mark.parametrize(("character", "description"), [
    ("\u200b", "U+200B ZERO WIDTH SPACE"),
    ("\u200d", "U+200D ZERO WIDTH JOINER"),
    ("\u00ad", "U+00AD SOFT HYPHEN"),
    ("\u2060", "U+2060 WORD JOINER"),
    ("\ufeff", "U+FEFF ZERO WIDTH NO-BREAK SPACE"),
    ("\u200f", "U+200F RIGHT-TO-LEFT MARK"),
    ("\u3164", "U+3164 HANGUL FILLER"),
    ("\U000e0041", "U+E0041 TAG LATIN CAPITAL LETTER A"),
])
def test_invisible_and_direction_characters_in_a_name_are_refused(tmp_path: Path, character: str,
                                                                  description: str) -> None:
    assert errors_for(tmp_path, {"eve": {"name": f"E{character}ve"}}) == [
        f"content/people/eve.yaml:1:7: 'name' contains an invisible or direction-changing character ({description}) "
        "(retype the text)"
    ]


@pytest.mark.parametrize("override", ["\u202e", "\u202d", "\u202a", "\u202b"])
def test_bidi_overrides_are_refused_in_every_field(tmp_path: Path, override: str) -> None:
    code = f"U+{ord(override):04X}"
    kudos = {"2024-05-01-x": kudos_md(title=f"A{override}B", skills=[f"Go{override}"])}
    assert errors_for(tmp_path, {"eve": {"name": "Eve", "headline": f"x{override}y"}}, kudos) == [
        f"content/kudos/2024-05-01-x.md:6:8: 'title' contains a direction-changing character ({code}) "
        "(retype the text)",
        f"content/kudos/2024-05-01-x.md:8:3: 'skills[1]' contains a direction-changing character ({code}) "
        "(retype the text)",
        f"content/people/eve.yaml:2:11: 'headline' contains a direction-changing character ({code}) "
        "(retype the text)",
    ]


def test_a_skill_a_person_lists_is_held_to_the_name_rules(tmp_path: Path) -> None:
    assert errors_for(tmp_path, {"eve": {"name": "Eve", "skills": ["Go", "Ru\u200bst"]}}) == [
        "content/people/eve.yaml:4:3: skill contains an invisible or direction-changing character "
        "(U+200B ZERO WIDTH SPACE) (retype the text)"
    ]


def test_a_handle_with_an_invisible_character_is_not_a_handle(tmp_path: Path) -> None:
    assert errors_for(tmp_path, {"ev\u200be": {"name": "Eve"}}) == [
        "content/people/ev\u200be.yaml: 'ev\u200be' is not a valid handle "
        "(rename the file to 'eve.yaml': lowercase letters, digits and hyphens)"
    ]


def test_names_are_published_in_nfc(tmp_path: Path) -> None:
    root = make_wall(tmp_path, people={"ada": {"name": "Zoe\u0308 Kowalczyk"}, "grace": {"name": "Grace"}},
                     kudos={"2024-05-01-x": kudos_md(title="Cafe\u0301 talk")})
    _, files = render_outputs(root, lambda rel: rel == "kudos.json")
    document = json.loads(files["kudos.json"])
    assert "Zo\u00eb Kowalczyk" in {person["name"] for person in document["people"]}
    assert document["kudos"][0]["title"] == "Caf\u00e9 talk"


@pytest.mark.parametrize(("lookalike", "shown"), [
    ("Gr\u0430ce", "Gr\u0430ce"),  # Cyrillic a
    ("\u0262race", "\u0262race"),  # Latin small capital G
    ("\uff27\uff52\uff41\uff43\uff45", "\uff27\uff52\uff41\uff43\uff45"),  # fullwidth
    ("GRACE", "GRACE"),
    ("Grac\u0435", "Grac\u0435"),  # Cyrillic ie
    ("IIya", "IIya"),  # capital I for l
])
def test_a_name_that_looks_like_another_is_an_error(tmp_path: Path, lookalike: str, shown: str) -> None:
    original = "Ilya" if lookalike == "IIya" else "Grace"
    [message] = errors_for(tmp_path, {"zed": {"name": lookalike}, "yan": {"name": original}})
    assert message.endswith("but is spelled with different characters (use the same letters, or a clearly "
                            "different name)")
    assert f"'{original}'" in message and f"'{shown}'" in message


@pytest.mark.parametrize(("lookalike", "original"), [
    ("\u0397elen", "Helen"), ("\u039cark", "Mark"), ("\u0392en", "Ben"), ("\u039dina", "Nina"),
    ("\u0396o\u00eb \u039cart\u00edn", "Zo\u00eb Mart\u00edn"), ("\u0399an", "Ian"), ("\u0395mma", "Emma"),
    ("\u03a7avier", "Xavier"), ("\u03a5an", "Yan"),  # Greek capitals
    ("\u0406van", "Ivan"), ("\u04c0van", "Ivan"),  # Cyrillic capital I and palochka
])
def test_a_name_with_lookalike_capitals_from_another_script_is_an_error(
        tmp_path: Path, lookalike: str, original: str) -> None:
    [message] = errors_for(tmp_path, {"zed": {"name": lookalike}, "yan": {"name": original}})
    assert f"'{lookalike}' looks like '{original}'" in message or f"'{original}' looks like '{lookalike}'" in message


def test_the_lookalike_message_names_both_files(tmp_path: Path) -> None:
    assert errors_for(tmp_path, {"zed": {"name": "Gr\u0430ce"}}) == [
        "content/people/zed.yaml:1:7: name 'Gr\u0430ce' looks like 'Grace' (content/people/grace.yaml) but is "
        "spelled with different characters (use the same letters, or a clearly different name)"
    ]


@pytest.mark.parametrize(("handle", "existing"), [("gr4ce-0", "gr4ce-o"), ("rnario", "mario"), ("ada-1", "ada-l")])
def test_a_handle_that_looks_like_another_is_an_error(tmp_path: Path, handle: str, existing: str) -> None:
    assert errors_for(tmp_path, {existing: {"name": "One"}, handle: {"name": "Two"}}) == [
        f"content/people/{handle}.yaml:1:1: handle '{handle}' is confusable with '{existing}'"
    ]


def test_two_handles_that_both_need_folding_to_look_alike_are_an_error(tmp_path: Path) -> None:
    assert errors_for(tmp_path, {"ad0-x1": {"name": "One"}, "ado-x1": {"name": "Two"}}) == [
        "content/people/ado-x1.yaml:1:1: handle 'ado-x1' is confusable with 'ad0-x1'",
    ]


def test_the_lookalike_is_reported_on_the_impostors_file_at_its_name_whatever_the_order(tmp_path: Path) -> None:
    """It was reported on whichever file sorted later, at 1:1: in a pull request adding the impostor,
    the annotation went to the genuine person's unchanged file."""
    people = {"aaa-zoe": {"kind": "person", "name": "Zo\u00eb M\u0430rt\u00edn"},
              "zoe-martin": {"name": "Zo\u00eb Mart\u00edn"}}
    assert errors_for(tmp_path, people) == [
        "content/people/aaa-zoe.yaml:2:7: name 'Zo\u00eb M\u0430rt\u00edn' looks like 'Zo\u00eb Mart\u00edn' "
        "(content/people/zoe-martin.yaml) but is spelled with different characters (use the same letters, or a "
        "clearly different name)"]
