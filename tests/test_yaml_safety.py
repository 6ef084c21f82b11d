"""YAML: safe loading only, and every YAML 1.1 surprise is a clear error or a documented coercion.

Each case asserts the exact message (path:line:column: message (hint)) or the published value.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml
from attack_corpus import render_outputs
from conftest import FileSource, make_wall

from kudoswall import sourcefile
from kudoswall.config import load_config
from kudoswall.errors import ContentError, format_problem
from kudoswall.sourcefile import SourceError, parse_yaml

FRONT = "from: ada\nto: grace\ndate: 2024-05-01\nrelationship: same-team\n"


def kudos_file(front: str, body: str = "Text.") -> str:
    return f"---\n{front}---\n{body}\n"


def errors_for(tmp_path: Path, *, person: str | None = None, kudos: str | None = None,
               config: str | None = None) -> list[str]:
    people: dict[str, FileSource] = {"ada": {"name": "Ada"}, "grace": {"name": "Grace"}}
    if person is not None:
        people["eve"] = person  # no kudos names eve, so only the file's own errors appear
    files = {"2024-05-01-x": kudos} if kudos is not None else None
    root = make_wall(tmp_path, people=people, kudos=files, config=config)
    with pytest.raises(ContentError) as caught:
        render_outputs(root)
    return [format_problem(p) for p in caught.value.problems if p.severity == "error"]


def published_kudos(tmp_path: Path, front: str) -> dict[str, object]:
    """The kudos as kudos.json publishes it."""
    root = make_wall(tmp_path, kudos={"2024-05-01-x": kudos_file(front)})
    _, files = render_outputs(root, lambda rel: rel == "kudos.json")
    [record] = json.loads(files["kudos.json"])["kudos"]
    assert isinstance(record, dict)
    return record


def test_libyaml_is_used_when_present() -> None:
    assert sourcefile.SAFE_LOADER is getattr(yaml, "CSafeLoader", yaml.SafeLoader)


# --- safe loading: duplicates, aliases, merges, tags, nesting -----------------------------------

def test_a_duplicate_field_is_an_error(tmp_path: Path) -> None:
    assert errors_for(tmp_path, person="name: Grace\nheadline: SRE\nname: Eve\n") == [
        "content/people/eve.yaml:3:1: duplicate field 'name' (first set on line 1) (keep only one)"
    ]


def test_a_duplicate_field_in_front_matter_points_at_the_file_line(tmp_path: Path) -> None:
    assert errors_for(tmp_path, kudos=kudos_file(FRONT + "title: A\ntitle: B\n")) == [
        "content/kudos/2024-05-01-x.md:7:1: duplicate field 'title' (first set on line 6) (keep only one)"
    ]


def test_an_alias_bomb_is_refused_before_anything_expands(tmp_path: Path) -> None:
    bomb = "a: &a [x, x, x, x, x, x, x, x, x]\n" + "".join(
        f"{chr(98 + i)}: &{chr(98 + i)} [*{chr(97 + i)}, *{chr(97 + i)}, *{chr(97 + i)}, *{chr(97 + i)}]\n"
        for i in range(9)
    )
    assert errors_for(tmp_path, person="name: Grace\n" + bomb) == [
        "content/people/eve.yaml:3:8: YAML aliases (*name) are not allowed (write the value out in full)"
    ]


def test_a_merge_key_is_refused(tmp_path: Path) -> None:
    assert errors_for(tmp_path, person="<<: {name: Grace}\n") == [
        "content/people/eve.yaml:1:1: YAML merge keys (<<) are not allowed (write the fields out in full)"
    ]


@pytest.mark.parametrize(("value", "tag"), [
    ("!!python/object/apply:os.system ['id']", "tag:yaml.org,2002:python/object/apply:os.system"),
    ("!!binary aGVsbG8=", "tag:yaml.org,2002:binary"),
    ("!custom Grace", "!custom"),
    ("!!set {a, b}", "tag:yaml.org,2002:set"),
])
def test_an_unknown_tag_is_refused(tmp_path: Path, value: str, tag: str) -> None:
    assert errors_for(tmp_path, person=f"name: {value}\n") == [
        f"content/people/eve.yaml:1:7: unsupported YAML tag '{tag}' (remove the tag)"
    ]


@pytest.mark.parametrize("nesting", ["[" * 30_000 + "]" * 30_000, "{a: " * 12_000 + "}" * 12_000, "- " * 30_000 + "x"])
def test_deep_nesting_is_an_error_not_a_crash(tmp_path: Path, nesting: str) -> None:
    """libyaml's composer recurses in C: 30,000 levels used to kill the process (segfault)."""
    [message] = errors_for(tmp_path, person=f"name: Grace\nskills: {nesting}\n")
    assert message.startswith("content/people/eve.yaml:2:")
    assert "YAML is nested more than 16 levels deep" in message or "invalid YAML" in message


def test_moderate_nesting_past_the_limit_is_an_error(tmp_path: Path) -> None:
    assert errors_for(tmp_path, person="name: Grace\nskills: " + "[" * 17 + "]" * 17 + "\n") == [
        "content/people/eve.yaml:2:25: YAML is nested more than 16 levels deep"
    ]


def test_two_documents_in_one_file_are_an_error(tmp_path: Path) -> None:
    assert errors_for(tmp_path, person="name: Grace\n---\nname: Eve\n") == [
        "content/people/eve.yaml:2:1: invalid YAML: a second YAML document ('---') in one file "
        "(keep one document: remove the '---' line)"
    ]


def test_a_tab_used_as_indentation_is_named(tmp_path: Path) -> None:
    """PyYAML says "found character that cannot start any token", which never mentions the tab."""
    assert errors_for(tmp_path, person="name: Grace\nlinks:\n\t- label: x\n") == [
        "content/people/eve.yaml:3:1: invalid YAML: a tab where YAML expects spaces (indent with spaces, not tabs)"
    ]


def test_a_list_where_fields_are_expected_is_an_error(tmp_path: Path) -> None:
    assert errors_for(tmp_path, person="- name: Grace\n") == [
        "content/people/eve.yaml:1:1: expected fields written as 'name: value'"
    ]


def test_a_complex_key_is_an_error(tmp_path: Path) -> None:
    assert errors_for(tmp_path, person="name: Grace\n? [a, b]\n: c\n") == [
        "content/people/eve.yaml:2:3: a field name must be plain text"
    ]


@pytest.mark.parametrize(("escaped", "code"), [("\\0", "0000"), ("\\x1b", "001B"), ("\\x85", "0085"),
                                                ("\\u202e", "202E")])
def test_control_characters_written_as_escapes_are_refused_in_any_field(tmp_path: Path, escaped: str,
                                                                         code: str) -> None:
    [message] = errors_for(tmp_path, kudos=kudos_file(FRONT + f'tags: [ok, "a{escaped}b"]\n'))
    assert message.startswith("content/kudos/2024-05-01-x.md:6:12: 'tags[2]' contains a ")
    assert f"(U+{code})" in message and message.endswith("(retype the text)")


def test_yaml_errors_point_at_the_line_in_the_file_not_in_the_front_matter(tmp_path: Path) -> None:
    assert errors_for(tmp_path, kudos=kudos_file(FRONT + "title: 'unclosed\n")) == [
        "content/kudos/2024-05-01-x.md:7:1: invalid YAML: found unexpected end of stream "
        "(check indentation and quoting)"
    ]


def test_parse_yaml_reports_source_errors_not_exceptions() -> None:
    for text in ("a: [", "a: b: c", "\t- x", "a: *unknown", "%YAML 9.9\n---\na: 1"):
        with pytest.raises(SourceError) as caught:
            parse_yaml("x.yaml", text)
        assert caught.value.problems and caught.value.problems[0].pos.path == "x.yaml"


# --- YAML 1.1 surprises: documented coercions ----------------------------------------------------

def test_yes_no_on_in_text_fields_stay_the_words_written(tmp_path: Path) -> None:
    record = published_kudos(tmp_path, FRONT + "title: no\ncontext: on\nrole: {from: yes, to: off}\n")
    assert (record["title"], record["context"], record["role"]) == ("no", "on", {"from": "yes", "to": "off"})


def test_numbers_and_dates_in_text_fields_stay_as_written(tmp_path: Path) -> None:
    record = published_kudos(tmp_path, FRONT + "title: 1.10\ncontext: 190:20:30\nskills: [0x1F, 2024-01-01, .nan]\n")
    assert (record["title"], record["context"], record["skills"]) == ("1.10", "190:20:30",
                                                                     ["0x1F", "2024-01-01", ".nan"])


def test_an_empty_optional_field_is_absent(tmp_path: Path) -> None:
    record = published_kudos(tmp_path, FRONT + "title:\ncontext: ~\n")
    assert (record["title"], record["context"]) == (None, None)


def test_a_quoted_date_is_read_like_a_plain_one(tmp_path: Path) -> None:
    record = published_kudos(tmp_path, FRONT.replace("date: 2024-05-01", "date: '2024-05-01'"))
    assert record["date"] == "2024-05-01"


# --- YAML 1.1 surprises: clear errors ------------------------------------------------------------

def test_a_date_that_is_not_a_date_is_an_error(tmp_path: Path) -> None:
    assert errors_for(tmp_path, kudos=kudos_file(FRONT.replace("2024-05-01", "2024-02-30"))) == [
        "content/kudos/2024-05-01-x.md:4:7: '2024-02-30' is not a real date (check the month and day)"
    ]


def test_a_date_in_another_shape_is_an_error(tmp_path: Path) -> None:
    assert errors_for(tmp_path, kudos=kudos_file(FRONT.replace("2024-05-01", "2024-5-1 10:00:00"))) == [
        "content/kudos/2024-05-01-x.md:4:7: 'date' has an invalid value '2024-5-1 10:00:00' "
        "(write the date as YYYY-MM-DD, like 2024-05-01)"
    ]


def test_no_as_a_relationship_says_no_not_false(tmp_path: Path) -> None:
    [message] = errors_for(tmp_path, kudos=kudos_file(FRONT.replace("same-team", "no")))
    assert message.startswith("content/kudos/2024-05-01-x.md:5:15: 'no' is not a valid value for 'relationship'")


def test_a_string_where_a_list_is_expected_is_an_error(tmp_path: Path) -> None:
    assert errors_for(tmp_path, kudos=kudos_file(FRONT + "skills: Go, Rust\n")) == [
        "content/kudos/2024-05-01-x.md:6:9: 'skills' must be a list, not text "
        "(write skills as a list, like [Go, Mentoring])"
    ]


def test_a_group_where_a_list_is_expected_is_an_error(tmp_path: Path) -> None:
    assert errors_for(tmp_path, kudos=kudos_file(FRONT + "tags: {a: b}\n")) == [
        "content/kudos/2024-05-01-x.md:6:7: 'tags' must be a list, not a group of fields "
        "(write tags as a list, like [reliability])"
    ]


def test_a_missing_required_text_is_an_error(tmp_path: Path) -> None:
    assert errors_for(tmp_path, person="name: ~\nheadline: SRE\n") == [
        "content/people/eve.yaml:1:7: 'name' must be text, not empty (a name cannot be blank)"
    ]


def test_text_where_a_number_is_expected_is_an_error(tmp_path: Path) -> None:
    root = make_wall(tmp_path, config="title: T\nper_page: '20'\nfeed_limit: .nan\n")
    with pytest.raises(ContentError) as caught:
        load_config(root)
    assert [format_problem(p) for p in caught.value.problems] == [
        "kudoswall.yaml:2:11: 'per_page' must be a whole number, not text",
        "kudoswall.yaml:3:13: 'feed_limit' must be a whole number, not an infinite or undefined number",
    ]


def test_yes_where_true_or_false_is_expected_is_read_as_yaml_says(tmp_path: Path) -> None:
    """Boolean options are the one place YAML 1.1 booleans mean what they say (documented)."""
    root = make_wall(tmp_path, config="title: T\nmarkdown:\n  allow_html: yes\n  remote_images: off\n")
    config = load_config(root)
    assert (config.markdown.allow_html, config.markdown.remote_images) == (True, False)
