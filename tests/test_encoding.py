"""Encoding: UTF-8 only (a BOM is tolerated); anything else is a clear error naming the file."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from attack_corpus import render_outputs
from conftest import FileSource, kudos_md, make_wall

from kudoswall.config import load_config
from kudoswall.errors import ContentError, format_problem

PERSON = "name: Zoë Kowalczyk\nheadline: Designer\n"


def errors_for(tmp_path: Path, *, person: bytes | None = None, kudos: bytes | None = None) -> list[str]:
    people: dict[str, FileSource] = {"ada": {"name": "Ada"}, "grace": {"name": "Grace"}}
    if person is not None:
        people["eve"] = person
    root = make_wall(tmp_path, people=people, kudos={"2024-05-01-x": kudos} if kudos is not None else None)
    with pytest.raises(ContentError) as caught:
        render_outputs(root)
    return [format_problem(p) for p in caught.value.problems if p.severity == "error"]


def published(tmp_path: Path, kudos: bytes, person: bytes | None = None) -> dict[str, Any]:
    grace: FileSource = person if person is not None else {"name": "Grace"}
    people: dict[str, FileSource] = {"ada": {"name": "Ada"}, "grace": grace}
    root = make_wall(tmp_path, people=people, kudos={"2024-05-01-x": kudos})
    _, files = render_outputs(root, lambda rel: rel == "kudos.json")
    document = json.loads(files["kudos.json"])
    assert isinstance(document, dict)
    return document


def test_a_byte_order_mark_is_tolerated(tmp_path: Path) -> None:
    document = published(tmp_path, b"\xef\xbb\xbf" + kudos_md(title="With a BOM").encode(),
                         person=b"\xef\xbb\xbf" + PERSON.encode())
    assert document["kudos"][0]["title"] == "With a BOM"
    assert {p["name"] for p in document["people"]} == {"Ada", "Zoë Kowalczyk"}


@pytest.mark.parametrize("encoding", ["utf-16", "utf-16-be", "utf-32"])
def test_utf16_and_utf32_files_are_named_as_such(tmp_path: Path, encoding: str) -> None:
    data = PERSON.encode(encoding)
    if encoding == "utf-16-be":
        data = b"\xfe\xff" + data
    label = "UTF-32" if encoding == "utf-32" else "UTF-16"
    assert errors_for(tmp_path, person=data) == [
        f"content/people/eve.yaml:1:1: file is {label} encoded, not UTF-8 (save it with UTF-8 encoding)"
    ]


def test_utf16_without_a_byte_order_mark_is_caught_by_its_nul_bytes(tmp_path: Path) -> None:
    assert errors_for(tmp_path, person=PERSON.encode("utf-16-le")) == [
        "content/people/eve.yaml:1:2: file contains a NUL byte "
        "(save it as UTF-8 text (NUL bytes come from UTF-16 files and binary files))"
    ]


def test_latin1_is_an_error_at_the_first_bad_byte(tmp_path: Path) -> None:
    assert errors_for(tmp_path, person=PERSON.encode("latin-1")) == [
        "content/people/eve.yaml:1:9: file is not valid UTF-8 (byte 0xeb) (save it with UTF-8 encoding)"
    ]


def test_invalid_bytes_in_a_kudos_body_are_an_error_at_their_line(tmp_path: Path) -> None:
    data = kudos_md(body="First line.\nSecond \x00line.").encode().replace(b"\x00", b"\xc3\x28")
    assert errors_for(tmp_path, kudos=data) == [
        "content/kudos/2024-05-01-x.md:8:8: file is not valid UTF-8 (byte 0xc3) (save it with UTF-8 encoding)"
    ]


@pytest.mark.parametrize("bad", [b"\xed\xa0\x80", b"\xc0\xaf", b"\xf8\x88\x80\x80\x80", b"\xff"])
def test_surrogates_overlong_and_impossible_sequences_are_invalid(tmp_path: Path, bad: bytes) -> None:
    [message] = errors_for(tmp_path, person=b"name: Eve " + bad + b"\n")
    assert message.startswith("content/people/eve.yaml:1:11: file is not valid UTF-8 (byte 0x")


def test_a_nul_byte_is_an_error_at_its_place(tmp_path: Path) -> None:
    data = kudos_md(body="Fine.\nNot \x00 fine.").encode()
    assert errors_for(tmp_path, kudos=data) == [
        "content/kudos/2024-05-01-x.md:8:5: file contains a NUL byte "
        "(save it as UTF-8 text (NUL bytes come from UTF-16 files and binary files))"
    ]


def test_a_binary_file_with_a_kudos_name_is_an_error(tmp_path: Path) -> None:
    [message] = errors_for(tmp_path, kudos=b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR")
    assert message.startswith("content/kudos/2024-05-01-x.md:3:1: file contains a NUL byte")


@pytest.mark.parametrize("newline", ["\r\n", "\r"])
def test_crlf_and_cr_line_endings_read_like_lf(tmp_path: Path, newline: str) -> None:
    text = kudos_md(body="One paragraph.\n\n- a list\n- of two", title="Line endings")
    [expected] = published(tmp_path / "lf", text.encode())["kudos"]
    [got] = published(tmp_path / "other", text.replace("\n", newline).encode())["kudos"]
    assert got.pop("digest") != expected.pop("digest")  # the digest is of the bytes as written
    assert got == expected


def test_crlf_line_endings_keep_error_positions(tmp_path: Path) -> None:
    text = kudos_md(title="A").replace("title: A", "title: A\ntitle: B").replace("\n", "\r\n")
    assert errors_for(tmp_path, kudos=text.encode()) == [
        "content/kudos/2024-05-01-x.md:7:1: duplicate field 'title' (first set on line 6) (keep only one)"
    ]


def test_the_wall_settings_must_be_utf8_too(tmp_path: Path) -> None:
    root = make_wall(tmp_path, config="title: Café\n".encode("latin-1"))
    with pytest.raises(ContentError) as caught:
        load_config(root)
    assert [format_problem(p) for p in caught.value.problems] == [
        "kudoswall.yaml:1:11: file is not valid UTF-8 (byte 0xe9) (save it with UTF-8 encoding)"
    ]
