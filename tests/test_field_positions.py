"""Where a kudos' fields were written: kept packed, read back as the SourcePos each field had."""

from __future__ import annotations

import pickle
from pathlib import Path

import pytest

from kudoswall.config import Config
from kudoswall.errors import SourcePos
from kudoswall.load import SourceFile, parse_kudos
from kudoswall.models import FieldPositions, Kudos

PATH = "content/kudos/2024-05-01-ada-on-grace.md"
TEXT = ("---\nfrom: ada\nto: grace\ndate: 2024-05-01\nrelationship: same-team\n"
        "tags: [a, b]\naliases:\n  - old-name\n---\nShe fixed it.\n")


def parsed(text: str = TEXT) -> Kudos:
    result = parse_kudos(SourceFile(PATH, text.encode("utf-8")), Config(root=Path("/wall")))
    assert result.kudos is not None, result.problems
    return result.kudos


def test_each_field_reads_back_where_it_was_written() -> None:
    positions = parsed().positions
    assert positions["from"] == SourcePos(PATH, 2, 7)
    assert positions["to"] == SourcePos(PATH, 3, 5)
    assert positions["tags"] == SourcePos(PATH, 6, 7)
    assert positions["aliases"] == SourcePos(PATH, 8, 3)  # a block list: where its first item starts
    assert positions[""] == SourcePos(PATH, 1, 1)


def test_a_missing_field_is_absent_not_a_prefix_of_another() -> None:
    positions = parsed().positions
    assert "to" in positions and "t" not in positions and "id" not in positions
    assert positions.get("id") is None
    assert positions.get("id", SourcePos("x")) == SourcePos("x")
    with pytest.raises(KeyError):
        positions["title"]


def test_it_reads_like_the_dict_it_replaces() -> None:
    positions = parsed().positions
    assert set(positions) == {"", "from", "to", "date", "relationship", "tags", "aliases", "aliases.0"}
    assert len(positions) == 8
    assert dict(positions)["date"] == SourcePos(PATH, 4, 7)
    assert positions == {name: positions[name] for name in positions}


def test_pos_falls_back_to_the_start_of_the_file() -> None:
    kudos = parsed()
    assert str(kudos.pos("relationship")) == f"{PATH}:5:15"
    assert str(kudos.pos("consent")) == f"{PATH}:1:1"
    kudos.position_table = ""
    assert str(kudos.pos("to")) == PATH


def test_large_line_and_column_numbers_survive_packing() -> None:
    table = FieldPositions.pack([("body", 123_456, 7_890), ("to", 1, 1)])
    assert FieldPositions("k.yaml", table)["body"] == SourcePos("k.yaml", 123_456, 7_890)
    assert FieldPositions("k.yaml", table)["to"] == SourcePos("k.yaml", 1, 1)


def test_a_name_that_would_break_the_table_is_refused() -> None:
    with pytest.raises(ValueError, match="tab or a line break"):
        FieldPositions.pack([("a\tb", 1, 1)])


def test_a_kudos_pickles_its_positions_as_one_small_str() -> None:
    kudos = parsed()
    copy = pickle.loads(pickle.dumps(kudos, protocol=pickle.HIGHEST_PROTOCOL))
    assert copy == kudos
    assert copy.positions == kudos.positions
    assert isinstance(copy.position_table, str) and len(copy.position_table) < 100
