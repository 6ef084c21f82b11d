"""`field_limits`: a wall sets its own maximum length per text field, above or below the schema's."""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import DEFAULT_CONFIG, kudos_md, make_wall

from kudoswall.build import load_wall
from kudoswall.config import load_config
from kudoswall.errors import ContentError, format_problem

LONG_TITLE = "A" * 150  # the schema's own limit for a title is 140


def problems(root: Path) -> list[str]:
    with pytest.raises(ContentError) as caught:
        load_wall(load_config(root))
    return [format_problem(p) for p in caught.value.problems if p.severity == "error"]


def test_the_schema_limit_applies_by_default(tmp_path: Path) -> None:
    root = make_wall(tmp_path, kudos={"2024-05-01-a": kudos_md(title=LONG_TITLE)})
    assert problems(root) == [
        "content/kudos/2024-05-01-a.md:6:8: 'title' is too long (150 characters; at most 140) "
        "(shorten it, or change the limit with field_limits in kudoswall.yaml)"
    ]


def test_a_wall_can_raise_a_limit(tmp_path: Path) -> None:
    config = {**DEFAULT_CONFIG, "field_limits": {"title": 200}}
    root = make_wall(tmp_path, config=config, kudos={"2024-05-01-a": kudos_md(title=LONG_TITLE)})
    assert load_wall(load_config(root)).wall.kudos[0].title == LONG_TITLE


def test_a_wall_can_lower_limits_of_nested_and_list_fields(tmp_path: Path) -> None:
    config = {**DEFAULT_CONFIG, "field_limits": {"role.from": 5, "skills": 3, "headline": 4}}
    root = make_wall(tmp_path, config=config,
                     people={"ada": {"name": "Ada", "headline": "Engineer"}, "grace": {"name": "Grace"}},
                     kudos={"2024-05-01-a": kudos_md(role={"from": "Manager"}, skills=["Go", "Rust"])})
    found = problems(root)
    assert any("'headline' is too long (8 characters; at most 4)" in p for p in found)
    assert any("'role.from' is too long (7 characters; at most 5)" in p for p in found)
    assert any("'skills[2]' is too long (4 characters; at most 3)" in p for p in found)
    assert len(found) == 3


def test_an_unknown_field_in_field_limits_is_an_error_with_a_suggestion(tmp_path: Path) -> None:
    root = make_wall(tmp_path, config={**DEFAULT_CONFIG, "field_limits": {"titel": 200}})
    with pytest.raises(ContentError) as caught:
        load_config(root)
    assert [format_problem(p) for p in caught.value.problems] == [
        "kudoswall.yaml:4:3: 'titel' is not a text field of kudos or people files (did you mean 'title'?)"
    ]
